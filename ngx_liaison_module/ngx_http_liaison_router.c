
/*
 * Copyright (C) Liaison authors
 *
 * Routing, request bodies and the pipeline every endpoint runs through.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_auth.h"
#include "ngx_http_liaison_calendar.h"
#include "ngx_http_liaison_router.h"
#include "ngx_http_liaison_schema.h"


static ngx_http_liaison_endpoint_t *ngx_http_liaison_match(
    ngx_http_liaison_ctx_t *ctx, ngx_uint_t *allowed);
static ngx_int_t ngx_http_liaison_match_one(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *pattern);
static ngx_int_t ngx_http_liaison_refuse_early(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, const char *code, const char *message);
static ngx_int_t ngx_http_liaison_read_json(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_json_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_liaison_read_raw(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_raw_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_liaison_body_copy(ngx_http_request_t *r,
    ngx_str_t *body);
static void ngx_http_liaison_pipeline(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_caller_check(ngx_http_liaison_ctx_t *ctx);


ngx_int_t
ngx_http_liaison_router_handler(ngx_http_request_t *r)
{
    u_char                        *p;
    ngx_int_t                      rc;
    ngx_uint_t                     allowed;
    ngx_table_elt_t               *h;
    ngx_http_liaison_ctx_t        *ctx;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_liaison_endpoint_t   *ep;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_liaison_ctx_t));
    if (ctx == NULL) {
        /* no memory for even a JSON error: the connection is closed */
        return NGX_ERROR;
    }

    ctx->r = r;
    ctx->mcf = ngx_http_get_module_main_conf(r, ngx_http_liaison_module);
    ctx->now = ngx_time();
    ctx->role_index = -1;
    (void) ngx_http_liaison_buf_init(&ctx->sql, r->pool, 0);
    ngx_http_set_ctx(r, ctx, ngx_http_liaison_module);

    /* the path below the location: "/api/v1/tickets/1" -> "tickets/1" */
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    ctx->path = r->uri;

    if (!clcf->exact_match
#if (NGX_PCRE)
        && clcf->regex == NULL
#endif
        && r->uri.len >= clcf->name.len
        && ngx_strncmp(r->uri.data, clcf->name.data, clcf->name.len) == 0)
    {
        ctx->path.data += clcf->name.len;
        ctx->path.len -= clcf->name.len;
    }

    while (ctx->path.len && ctx->path.data[0] == '/') {
        ctx->path.data++;
        ctx->path.len--;
    }

    ep = ngx_http_liaison_match(ctx, &allowed);

    if (ep == NULL && allowed == 0) {
        return ngx_http_liaison_refuse_early(ctx, NGX_HTTP_NOT_FOUND,
                                             "not_found",
                                             "请求的资源不存在");
    }

    if (ep == NULL) {
        h = ngx_list_push(&r->headers_out.headers);
        p = ngx_pnalloc(r->pool, 32);

        if (h != NULL && p != NULL) {
            h->hash = 1;
            ngx_str_set(&h->key, "Allow");
            h->value.data = p;
            h->value.len = ngx_sprintf(p, "%s%s%s%s",
                               allowed & NGX_HTTP_GET ? "GET, HEAD, " : "",
                               allowed & NGX_HTTP_POST ? "POST, " : "",
                               allowed & NGX_HTTP_PUT ? "PUT, " : "",
                               allowed & NGX_HTTP_DELETE ? "DELETE, " : "")
                           - p - 2;
        }

        return ngx_http_liaison_refuse_early(ctx, NGX_HTTP_NOT_ALLOWED,
                                             "method_not_allowed",
                                             "该接口不支持此请求方法");
    }

    ctx->endpoint = ep;

    switch (ep->body) {

    case NGX_HTTP_LIAISON_BODY_JSON_OPTIONAL:
        if (r->headers_in.content_length_n > 0 || r->headers_in.chunked) {
            return ngx_http_liaison_read_json(ctx);
        }

        /* fall through */

    case NGX_HTTP_LIAISON_BODY_NONE:
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        r->main->count++;
        ngx_http_liaison_pipeline(ctx);
        return NGX_DONE;

    case NGX_HTTP_LIAISON_BODY_JSON:
        return ngx_http_liaison_read_json(ctx);

    default:
        /* the push callback's XML or JSON, uploads: checked by them */
        return ngx_http_liaison_read_raw(ctx);
    }
}


/*
 * The endpoint for the path and method; *allowed collects the methods of
 * every endpoint whose pattern matches (for 405 and Allow).
 */

static ngx_http_liaison_endpoint_t *
ngx_http_liaison_match(ngx_http_liaison_ctx_t *ctx, ngx_uint_t *allowed)
{
    ngx_http_liaison_endpoint_t   *ep, **table;

    *allowed = 0;

    if (ctx->mcf->endpoints == NULL) {
        return NULL;
    }

    for (table = ctx->mcf->endpoints; *table; table++) {
        for (ep = *table; ep->pattern.len; ep++) {

            if (ngx_http_liaison_match_one(ctx, &ep->pattern) != NGX_OK) {
                continue;
            }

            *allowed |= ep->methods;

            if (ep->methods & ctx->r->method) {
                return ep;
            }
        }
    }

    ctx->ncaptures = 0;

    return NULL;
}


/* Segment by segment; "{name}" takes one non-empty segment. */

static ngx_int_t
ngx_http_liaison_match_one(ngx_http_liaison_ctx_t *ctx, ngx_str_t *pattern)
{
    u_char                      *p, *pe, *q, *qe, *seg;
    ngx_http_liaison_capture_t  *cap;

    p = pattern->data;
    pe = p + pattern->len;
    q = ctx->path.data;
    qe = q + ctx->path.len;
    ctx->ncaptures = 0;

    while (p < pe) {

        if (*p == '{') {
            seg = q;
            while (q < qe && *q != '/') {
                q++;
            }

            if (q == seg || ctx->ncaptures == NGX_HTTP_LIAISON_MAX_CAPTURES) {
                return NGX_DECLINED;
            }

            cap = &ctx->captures[ctx->ncaptures++];
            cap->name.data = ++p;

            while (*p != '}') {
                p++;
            }

            cap->name.len = p - cap->name.data;
            cap->value.data = seg;
            cap->value.len = q - seg;
            p++;
            continue;
        }

        if (q == qe || *p != *q) {
            return NGX_DECLINED;
        }

        p++;
        q++;
    }

    return q == qe ? NGX_OK : NGX_DECLINED;
}


ngx_int_t
ngx_http_liaison_router_check(ngx_conf_t *cf,
    ngx_http_liaison_endpoint_t *table)
{
    u_char                       *p, *pe;
    ngx_uint_t                    n;
    ngx_http_liaison_endpoint_t  *ep;

    for (ep = table; ep->pattern.len; ep++) {
        p = ep->pattern.data;
        pe = p + ep->pattern.len;
        n = 0;

        for ( /* void */ ; p < pe; p++) {
            if (*p != '{') {
                continue;
            }

            if ((p > ep->pattern.data && p[-1] != '/') || ++n
                > NGX_HTTP_LIAISON_MAX_CAPTURES)
            {
                goto invalid;
            }

            while (p < pe && *p != '}') {
                p++;
            }

            if (p == pe || (p + 1 < pe && p[1] != '/')) {
                goto invalid;
            }
        }

        if (ep->handler == NULL || ep->methods == 0
            || (ep->roles && ep->caller != NGX_HTTP_LIAISON_STAFF_ONLY))
        {
            goto invalid;
        }
    }

    return NGX_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "liaison: invalid endpoint \"%V\" in the module",
                       &ep->pattern);
    return NGX_ERROR;
}


/* An error before the body is read: the body is discarded first. */

static ngx_int_t
ngx_http_liaison_refuse_early(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(ctx->r);
    if (rc != NGX_OK) {
        return rc;
    }

    ctx->r->main->count++;
    ngx_http_liaison_error(ctx, status, code, message, NULL);

    return NGX_DONE;
}


/* Request bodies */

static ngx_int_t
ngx_http_liaison_read_json(ngx_http_liaison_ctx_t *ctx)
{
    ngx_int_t                      rc;
    ngx_table_elt_t               *ct;
    ngx_http_request_t            *r;
    ngx_http_liaison_loc_conf_t   *llcf;

    r = ctx->r;
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);
    ct = r->headers_in.content_type;

    if (ct == NULL || ct->value.len < 16
        || ngx_strncasecmp(ct->value.data, (u_char *) "application/json", 16)
           != 0
        || (ct->value.len > 16 && ct->value.data[16] != ';'
            && ct->value.data[16] != ' '))
    {
        return ngx_http_liaison_refuse_early(ctx,
                                             NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                             "unsupported_media_type",
                                             "请求体必须是 application/json");
    }

    if (r->headers_in.content_length_n > (off_t) llcf->max_body_size) {
        return ngx_http_liaison_refuse_early(ctx,
                                             NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                             "payload_too_large",
                                             "请求体过大");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_liaison_json_body);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_liaison_json_body(ngx_http_request_t *r)
{
    const char                    *err;
    ngx_http_liaison_ctx_t        *ctx;
    ngx_http_liaison_loc_conf_t   *llcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_liaison_module);
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);

    if (ngx_http_liaison_body_copy(r, &ctx->raw_body) != NGX_OK) {
        ngx_http_liaison_fail(ctx, "cannot read the request body");
        return;
    }

    if (ctx->raw_body.len > llcf->max_body_size) {
        ngx_http_liaison_error(ctx, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                               "payload_too_large", "请求体过大", NULL);
        return;
    }

    if (ngx_http_liaison_json_parse(r->pool, ctx->raw_body.data,
                                    ctx->raw_body.len, &ctx->body, &err)
        != NGX_OK)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_json",
                               err, NULL);
        return;
    }

    if (ctx->body->type != NGX_HTTP_LIAISON_JSON_OBJECT) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_json",
                               "请求体必须是 JSON 对象", NULL);
        return;
    }

    ngx_http_liaison_pipeline(ctx);
}


/*
 * A body the endpoint checks itself: in memory (up to
 * liaison_max_body_size), or written whole to nginx's temp file (uploads,
 * up to liaison_attachment_max_size), which the endpoint never reads on
 * the event loop.
 */

static ngx_int_t
ngx_http_liaison_read_raw(ngx_http_liaison_ctx_t *ctx)
{
    off_t                          limit;
    ngx_int_t                      rc;
    ngx_uint_t                     file;
    ngx_http_request_t            *r;
    ngx_http_liaison_loc_conf_t   *llcf;

    r = ctx->r;
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);
    file = (ctx->endpoint->body == NGX_HTTP_LIAISON_BODY_FILE);

    limit = file ? ctx->mcf->push.attach_max_size
                 : (off_t) llcf->max_body_size;

    if (r->headers_in.content_length_n > limit) {
        return ngx_http_liaison_refuse_early(ctx,
                                             NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                             "payload_too_large",
                                             "请求体过大");
    }

    if (file) {
        /* a named temp file (it is linked into the store), removed after */
        r->request_body_in_file_only = 1;
        r->request_body_in_persistent_file = 1;
        r->request_body_in_clean_file = 1;
        r->request_body_file_log_level = NGX_LOG_INFO;

    } else {
        r->request_body_in_single_buf = 1;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_liaison_raw_body);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_liaison_raw_body(ngx_http_request_t *r)
{
    ngx_http_liaison_ctx_t        *ctx;
    ngx_http_liaison_loc_conf_t   *llcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_liaison_module);
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);

    if (!r->request_body_in_file_only) {
        if (ngx_http_liaison_body_copy(r, &ctx->raw_body) != NGX_OK) {
            ngx_http_liaison_fail(ctx, "cannot read the request body");
            return;
        }

        if (ctx->raw_body.len > llcf->max_body_size) {
            ngx_http_liaison_error(ctx, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                   "payload_too_large", "请求体过大", NULL);
            return;
        }
    }

    ngx_http_liaison_pipeline(ctx);
}


/* The body as one contiguous buffer (memory or nginx's temp file). */

static ngx_int_t
ngx_http_liaison_body_copy(ngx_http_request_t *r, ngx_str_t *body)
{
    size_t        len;
    ssize_t       n;
    u_char       *p;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = (u_char *) "";

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    len = 0;
    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    if (len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                              b->file_pos);
            if (n != b->file_last - b->file_pos) {
                return NGX_ERROR;
            }

            p += n;
            continue;
        }

        if (b->last > b->pos) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
        }
    }

    *p = '\0';
    body->len = p - body->data;

    return NGX_OK;
}


/*
 * The pipeline: schema gate, authentication, caller and role check,
 * calendar, handler.  A step that waits on the database calls this again
 * when it is done; the flags in ctx say what is done.
 */

static void
ngx_http_liaison_pipeline(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_request_t           *r;
    ngx_http_liaison_endpoint_t  *ep;

    r = ctx->r;
    ep = ctx->endpoint;

    if (!ctx->gated) {
        ctx->gated = 1;

        /* client aborts end the request early from here on */
        r->read_event_handler = ngx_http_test_reading;
        r->write_event_handler = ngx_http_request_empty_handler;

        if (ctx->mcf->pool == NULL) {
            ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                                   "unavailable", "数据库未配置", NULL);
            return;
        }

        /* the database schema is the one this module was built for */
        if (!(ep->flags & NGX_HTTP_LIAISON_UNGATED)
            && ngx_http_liaison_schema_gate(ctx, ngx_http_liaison_pipeline)
               != NGX_OK)
        {
            return;
        }
    }

    if (!ctx->authenticated) {
        ctx->authenticated = 1;

        switch (ep->caller) {

        case NGX_HTTP_LIAISON_PUBLIC:
        case NGX_HTTP_LIAISON_WECHAT:
            break;

        case NGX_HTTP_LIAISON_TRIAL:
            if (ngx_http_liaison_auth_trial(ctx) != NGX_OK) {
                return;
            }

            break;

        default:
            ngx_http_liaison_auth_bearer(ctx, ngx_http_liaison_pipeline);
            return;
        }
    }

    if (ngx_http_liaison_caller_check(ctx) != NGX_OK) {
        return;
    }

    if ((ep->flags & NGX_HTTP_LIAISON_CALENDAR) && !ctx->calendar_ready) {
        ctx->calendar_ready = 1;
        ngx_http_liaison_calendar_ready(ctx, ngx_http_liaison_pipeline);
        return;
    }

    ep->handler(ctx);
}


/* The caller is of the kind and role the endpoint takes; answers if not. */

static ngx_int_t
ngx_http_liaison_caller_check(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_endpoint_t  *ep;

    ep = ctx->endpoint;

    switch (ep->caller) {

    case NGX_HTTP_LIAISON_SIGNED_IN:
        if (ctx->who == NGX_HTTP_LIAISON_ANON) {
            ngx_http_liaison_unauthorized(ctx, "需要登录");
            return NGX_ERROR;
        }

        break;

    case NGX_HTTP_LIAISON_LITIGANTS:
        if (ctx->who == NGX_HTTP_LIAISON_ANON) {
            ngx_http_liaison_unauthorized(ctx, "需要登录");
            return NGX_ERROR;
        }

        if (ctx->who != NGX_HTTP_LIAISON_LITIGANT || ctx->subject_id == 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "仅限当事人本人操作", NULL);
            return NGX_ERROR;
        }

        break;

    case NGX_HTTP_LIAISON_STAFF_ONLY:
        if (ctx->who == NGX_HTTP_LIAISON_ANON) {
            ngx_http_liaison_unauthorized(ctx, "需要工作人员登录");
            return NGX_ERROR;
        }

        if (ctx->who != NGX_HTTP_LIAISON_STAFF) {
            ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "需要工作人员登录", NULL);
            return NGX_ERROR;
        }

        if (ctx->role_index < 0
            || (ep->roles && !(ep->roles & LSN_ROLE_BIT(ctx->role_index))))
        {
            ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "您的角色无权进行此操作", NULL);
            return NGX_ERROR;
        }

        break;

    default:
        break;
    }

    return NGX_OK;
}
