
/*
 * Copyright (C) Liaison authors
 *
 * WeChat from inside nginx: every call to api.weixin.qq.com is a
 * subrequest to an internal location (liaison_wx_location) that
 * proxy_passes to the configured base URL, read in memory when it ends
 * (the auth_request pattern).  Nothing of the client's request (headers,
 * body) goes to WeChat.  Here too: the configuration of the litigant
 * side and POST /wx/login (jscode2session).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_wx.h"
#include "lsn_text.h"


#define NGX_HTTP_LIAISON_WX_CODE_MAX  128


typedef struct {
    ngx_str_t                   args;        /* holds the app secret */
    ngx_str_t                   openid;
    ngx_str_t                   unionid;
    char                        sid[LSN_TOKEN_SID_LEN + 1];
} ngx_http_liaison_login_state_t;


static void ngx_http_liaison_wx_login(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_wx_post(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static void ngx_http_liaison_wx_resume(ngx_http_request_t *r);
static void ngx_http_liaison_wx_login_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_wx_res_t *res);
static void ngx_http_liaison_wx_login_saved(ngx_http_liaison_db_op_t *op);
static ngx_int_t ngx_http_liaison_wx_id(ngx_pool_t *pool,
    ngx_http_liaison_json_t *obj, const char *key, ngx_str_t *value);
static void ngx_http_liaison_wx_wipe(ngx_http_liaison_json_t *node);
static u_char *ngx_http_liaison_wx_log_handler(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);


/*
 * nginx's own request log handler (the same function for every request),
 * wrapped to keep credentials out of the error log; written once.
 */
static ngx_http_log_handler_pt  ngx_http_liaison_wx_next_log_handler;


/* Configuration */

char *
ngx_http_liaison_wx_appid(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t   *field, *value;
    ngx_uint_t   i;

    field = (ngx_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len != 18 || value[1].data[0] != 'w'
        || value[1].data[1] != 'x')
    {
        goto invalid;
    }

    for (i = 2; i < 18; i++) {
        if (!((value[1].data[i] >= '0' && value[1].data[i] <= '9')
              || (value[1].data[i] >= 'a' && value[1].data[i] <= 'f')))
        {
            goto invalid;
        }
    }

    *field = value[1];

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"liaison_wx_appid\": \"%V\" is not a mini-program "
                       "AppID (\"wx\" and 16 lowercase hex digits)",
                       &value[1]);
    return NGX_CONF_ERROR;
}


/*
 * liaison_wx_secret_file, liaison_ingest_key_file,
 * liaison_phone_hash_key_file: a secret read from a file at configuration
 * time; the AppSecret must be 32 hex digits, the keys 32 bytes or more.
 */

char *
ngx_http_liaison_lit_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char       buf[1024];
    long         n, i;
    ngx_str_t   *field, *value, name;
    const char  *err;

    field = (ngx_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    n = lsn_secret_read((char *) name.data, buf, sizeof(buf), &err);
    if (n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" \"%V\": %s",
                           &cmd->name, &name, err);
        return NGX_CONF_ERROR;
    }

    if (ngx_strcmp(cmd->name.data, "liaison_wx_secret_file") == 0) {
        for (i = 0; i < n; i++) {
            if (!((buf[i] >= '0' && buf[i] <= '9')
                  || (buf[i] >= 'a' && buf[i] <= 'f')))
            {
                break;
            }
        }

        if (n != 32 || i != n) {
            ngx_explicit_memzero(buf, sizeof(buf));
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"liaison_wx_secret_file\" \"%V\": not a "
                               "WeChat AppSecret (32 lowercase hex digits)",
                               &name);
            return NGX_CONF_ERROR;
        }
    }

    field->data = ngx_pnalloc(cf->pool, n);
    if (field->data == NULL) {
        ngx_explicit_memzero(buf, sizeof(buf));
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(field->data, buf, n);
    field->len = n;
    ngx_explicit_memzero(buf, sizeof(buf));

    return NGX_CONF_OK;
}


/* liaison_wx_template case_node|ticket_reply TEMPLATE_ID; */

char *
ngx_http_liaison_wx_template(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_str_t   *value, *field;
    ngx_uint_t   i;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "case_node") == 0) {
        field = &mcf->lit.wx_template_node;

    } else if (ngx_strcmp(value[1].data, "ticket_reply") == 0) {
        field = &mcf->lit.wx_template_reply;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_template\": unknown kind \"%V\", "
                           "use \"case_node\" or \"ticket_reply\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (field->data) {
        return "is duplicate";
    }

    for (i = 0; i < value[2].len; i++) {
        if (!ngx_http_liaison_id_char(value[2].data[i])) {
            break;
        }
    }

    if (value[2].len == 0 || value[2].len > 128 || i != value[2].len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_template\": \"%V\" is not a "
                           "template id (1..128 of A-Z a-z 0-9 _ -)",
                           &value[2]);
        return NGX_CONF_ERROR;
    }

    *field = value[2];

    return NGX_CONF_OK;
}


/* Checks between directives, once the http block is read. */

char *
ngx_http_liaison_lit_init_main_conf(ngx_conf_t *cf,
    ngx_http_liaison_main_conf_t *mcf)
{
    ngx_http_liaison_lit_conf_t  *lcf;

    lcf = &mcf->lit;

    if (lcf->wx_appid.len && lcf->wx_secret.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_appid\" is set but "
                           "\"liaison_wx_secret_file\" is not");
        return NGX_CONF_ERROR;
    }

    if (lcf->wx_secret.len && lcf->wx_appid.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_secret_file\" is set but "
                           "\"liaison_wx_appid\" is not");
        return NGX_CONF_ERROR;
    }

    if (lcf->wx_location.data == NULL) {
        ngx_str_set(&lcf->wx_location, NGX_HTTP_LIAISON_WX_LOCATION);
    }

    while (lcf->wx_location.len > 1
           && lcf->wx_location.data[lcf->wx_location.len - 1] == '/')
    {
        lcf->wx_location.len--;
    }

    if (lcf->wx_location.len < 2 || lcf->wx_location.data[0] != '/'
        || ngx_strlchr(lcf->wx_location.data,
                       lcf->wx_location.data + lcf->wx_location.len, '?')
           != NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_location\": \"%V\" is not a URI "
                           "path such as \"/_liaison_wx\"",
                           &lcf->wx_location);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* The subrequest */

ngx_int_t
ngx_http_liaison_wx_call(ngx_http_liaison_ctx_t *ctx, ngx_uint_t post,
    const char *api, ngx_str_t *args, ngx_str_t *body,
    ngx_http_liaison_wx_done_pt done)
{
    size_t                        alen;
    ngx_buf_t                    *b;
    ngx_str_t                     uri;
    ngx_chain_t                  *cl;
    ngx_table_elt_t              *h;
    ngx_http_request_t           *r, *sr;
    ngx_http_request_body_t      *rb;
    ngx_http_liaison_wx_call_t   *wc;
    ngx_http_post_subrequest_t   *ps;
    ngx_http_liaison_lit_conf_t  *lcf;

    r = ctx->r;
    lcf = &ctx->mcf->lit;
    alen = ngx_strlen(api);

    uri.len = lcf->wx_location.len + alen;
    uri.data = ngx_pnalloc(r->pool, uri.len);
    wc = ngx_pcalloc(r->pool, sizeof(ngx_http_liaison_wx_call_t));
    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));

    if (uri.data == NULL || wc == NULL || ps == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(uri.data, lcf->wx_location.data,
                          lcf->wx_location.len),
               api, alen);

    wc->api = api;
    wc->handler = done;
    ps->handler = ngx_http_liaison_wx_post;
    ps->data = wc;

    if (ngx_http_subrequest(r, &uri, args, &sr, ps,
                            NGX_HTTP_SUBREQUEST_IN_MEMORY
                            |NGX_HTTP_SUBREQUEST_WAITED)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a clean request: no client header or body reaches WeChat */

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));
    sr->headers_in.content_length_n = -1;
    sr->headers_in.keep_alive_n = -1;
    sr->request_body = NULL;

    if (ngx_list_init(&sr->headers_in.headers, r->pool, 2,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (post) {
        h = ngx_list_push(&sr->headers_in.headers);
        rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
        b = ngx_calloc_buf(r->pool);
        cl = ngx_alloc_chain_link(r->pool);

        if (h == NULL || rb == NULL || b == NULL || cl == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&h->key, "Content-Type");
        ngx_str_set(&h->value, "application/json");
        h->lowcase_key = (u_char *) "content-type";
        h->hash = ngx_hash_key(h->lowcase_key, h->key.len);
        sr->headers_in.content_type = h;

        b->pos = body->data;
        b->last = body->data + body->len;
        b->memory = 1;
        b->last_buf = 1;
        cl->buf = b;
        cl->next = NULL;
        rb->bufs = cl;

        sr->request_body = rb;
        sr->headers_in.content_length_n = body->len;
        sr->method = NGX_HTTP_POST;
        ngx_str_set(&sr->method_name, "POST");
    }

    wc->ctx = ctx;
    ctx->sub = wc;
    r->write_event_handler = ngx_http_liaison_wx_resume;

    /*
     * WeChat takes the app secret and the access token in the query
     * string: nginx's "upstream: ..." part of an error line would show
     * them.  The main request's log handler cuts that query.
     */
    if (r->main->log_handler != ngx_http_liaison_wx_log_handler
        && r->main->log_handler != NULL)
    {
        ngx_http_liaison_wx_next_log_handler = r->main->log_handler;
        r->main->log_handler = ngx_http_liaison_wx_log_handler;
    }

    /* we may be in a database event: start the subrequest now */
    ngx_http_run_posted_requests(r->connection);

    return NGX_OK;
}


static ngx_int_t
ngx_http_liaison_wx_post(ngx_http_request_t *sr, void *data, ngx_int_t rc)
{
    ngx_http_liaison_wx_call_t  *wc = data;

    wc->done = 1;
    wc->res.status = sr->headers_out.status;

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE || rc == NGX_ERROR) {
        wc->res.status = (rc == NGX_ERROR) ? NGX_HTTP_BAD_GATEWAY : rc;
    }

    if (wc->res.status == NGX_HTTP_OK && sr->out && sr->out->buf) {
        wc->res.body.data = sr->out->buf->pos;
        wc->res.body.len = sr->out->buf->last - sr->out->buf->pos;
    }

    return rc;
}


static void
ngx_http_liaison_wx_resume(ngx_http_request_t *r)
{
    const char                  *err;
    ngx_int_t                    n, sign;
    ngx_uint_t                   i;
    ngx_http_liaison_ctx_t      *ctx;
    ngx_http_liaison_json_t     *v;
    ngx_http_liaison_wx_res_t   *res;
    ngx_http_liaison_wx_call_t  *wc;

    ctx = ngx_http_get_module_ctx(r, ngx_http_liaison_module);
    if (ctx == NULL || ctx->sub == NULL) {
        return;
    }

    wc = ctx->sub;
    if (!wc->done) {
        return;
    }

    ctx->sub = NULL;
    r->write_event_handler = ngx_http_request_empty_handler;

    if (r->connection->error) {
        ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    res = &wc->res;

    if (res->status == NGX_HTTP_OK && res->body.len
        && ngx_http_liaison_json_parse(r->pool, res->body.data,
                                       res->body.len, &res->json, &err)
           == NGX_OK
        && res->json->type != NGX_HTTP_LIAISON_JSON_OBJECT)
    {
        res->json = NULL;
    }

    if (res->json) {
        v = ngx_http_liaison_json_get(res->json, "errcode");

        if (v && v->type == NGX_HTTP_LIAISON_JSON_NUMBER && v->value.len) {
            sign = 1;
            i = 0;

            if (v->value.data[0] == '-') {
                sign = -1;
                i = 1;
            }

            n = ngx_atoi(v->value.data + i, v->value.len - i);
            res->errcode = (n == NGX_ERROR) ? -2 : sign * n;
            res->has_errcode = (res->errcode != 0);

        } else if (v) {
            res->errcode = -2;
            res->has_errcode = 1;
        }

        v = ngx_http_liaison_json_get(res->json, "errmsg");
        if (v && v->type == NGX_HTTP_LIAISON_JSON_STRING) {
            res->errmsg = v->value;
        }
    }

    wc->handler(ctx, res);
}


/*
 * WeChat's answer as ours: NGX_OK when it is a success (nothing sent),
 * else the client has been answered.
 */

ngx_int_t
ngx_http_liaison_wx_check(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_wx_res_t *res, const char *what)
{
    ngx_str_t   msg;
    ngx_uint_t  level;

    if (res->status != NGX_HTTP_OK) {
        ngx_log_error(NGX_LOG_ERR, ctx->r->connection->log, 0,
                      "liaison: WeChat %s: HTTP status %i from the "
                      "internal location", what, res->status);

        if (res->status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
            ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                                   "unavailable",
                                   "微信服务暂时不可用，请稍后重试", NULL);
            return NGX_ERROR;
        }

        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_GATEWAY, "bad_gateway",
                               "微信服务返回异常", NULL);
        return NGX_ERROR;
    }

    if (res->json == NULL) {
        ngx_log_error(NGX_LOG_ERR, ctx->r->connection->log, 0,
                      "liaison: WeChat %s: the answer is not a JSON "
                      "object (%uz bytes)", what, res->body.len);
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_GATEWAY, "bad_gateway",
                               "微信服务返回异常", NULL);
        return NGX_ERROR;
    }

    if (!res->has_errcode) {
        return NGX_OK;
    }

    msg = res->errmsg;
    if (msg.len > 120) {
        msg.len = 120;
    }

    level = (res->errcode == -1) ? NGX_LOG_WARN : NGX_LOG_NOTICE;

    ngx_log_error(level, ctx->r->connection->log, 0,
                  "liaison: WeChat %s: errcode %i \"%V\"", what,
                  res->errcode, &msg);

    switch (res->errcode) {

    case -1:
    case 40001:     /* the access token: the worker refreshes it */
    case 40014:
    case 42001:
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "微信服务繁忙，请稍后重试",
                               NULL);
        break;

    case 45011:
        ngx_http_liaison_error(ctx, NGX_HTTP_TOO_MANY_REQUESTS,
                               "rate_limited", "操作过于频繁，请稍后再试",
                               NULL);
        break;

    case 40029:
    case 40163:
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_code",
                               "微信授权码无效或已使用，请重新获取", "code");
        break;

    case 40226:
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "微信判定该账号存在风险，暂不能登录", NULL);
        break;

    default:
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_GATEWAY, "bad_gateway",
                               "微信服务返回异常", NULL);
    }

    return NGX_ERROR;
}


static u_char *
ngx_http_liaison_wx_log_handler(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len)
{
    u_char  *p, *up, *q, *end;

    p = ngx_http_liaison_wx_next_log_handler(r, sr, buf, len);

    up = ngx_strlcasestrn(buf, p, (u_char *) ", upstream: \"", 12);
    if (up == NULL) {
        return p;
    }

    up += 13;
    end = ngx_strlchr(up, p, '"');
    q = ngx_strlchr(up, end ? end : p, '?');

    if (q == NULL) {
        return p;
    }

    if (end == NULL) {
        return q;
    }

    /* "...jscode2session?appid=...&secret=..." -> "...jscode2session" */
    ngx_memmove(q, end, p - end);

    return q + (p - end);
}


/* POST /wx/login {code} */

static void
ngx_http_liaison_wx_login(ngx_http_liaison_ctx_t *ctx)
{
    u_char                          *p;
    ngx_uint_t                       i;
    ngx_http_request_t              *r;
    ngx_http_liaison_json_t         *code;
    ngx_http_liaison_lit_conf_t     *lcf;
    ngx_http_liaison_login_state_t  *st;

    r = ctx->r;
    lcf = &ctx->mcf->lit;

    code = ngx_http_liaison_json_get(ctx->body, "code");

    if (ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK) {
        return;
    }

    if (code == NULL || code->type != NGX_HTTP_LIAISON_JSON_STRING
        || code->value.len == 0
        || code->value.len > NGX_HTTP_LIAISON_WX_CODE_MAX)
    {
        goto bad_code;
    }

    for (i = 0; i < code->value.len; i++) {
        if (!ngx_http_liaison_id_char(code->value.data[i])) {
            goto bad_code;
        }
    }

    if (lcf->wx_appid.len == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "未配置微信登录", NULL);
        return;
    }

    st = ngx_pcalloc(r->pool, sizeof(ngx_http_liaison_login_state_t));
    if (st == NULL) {
        goto failed;
    }

    ctx->data = st;

    st->args.len = sizeof("appid=&secret=&js_code="
                          "&grant_type=authorization_code") - 1
                   + lcf->wx_appid.len + lcf->wx_secret.len
                   + code->value.len;
    st->args.data = ngx_pnalloc(r->pool, st->args.len);
    if (st->args.data == NULL) {
        goto failed;
    }

    p = ngx_sprintf(st->args.data,
                    "appid=%V&secret=%V&js_code=%V"
                    "&grant_type=authorization_code",
                    &lcf->wx_appid, &lcf->wx_secret, &code->value);
    st->args.len = p - st->args.data;

    if (ngx_http_liaison_wx_call(ctx, 0, "/sns/jscode2session", &st->args,
                                 NULL, ngx_http_liaison_wx_login_done)
        != NGX_OK)
    {
        goto failed;
    }

    return;

bad_code:

    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           "code 须为 wx.login 返回的登录凭证", "code");
    return;

failed:

    ngx_http_liaison_fail(ctx, "cannot call WeChat");
}


static void
ngx_http_liaison_wx_login_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_wx_res_t *res)
{
    u_char                           rnd[LSN_TOKEN_SID_LEN / 2];
    ngx_int_t                        rc;
    ngx_http_request_t              *r;
    ngx_http_liaison_login_state_t  *st;

    r = ctx->r;
    st = ctx->data;

    /* the secret is not needed any more */
    ngx_explicit_memzero(st->args.data, st->args.len);

    rc = ngx_http_liaison_wx_check(ctx, res, "jscode2session");

    if (rc == NGX_OK
        && (ngx_http_liaison_wx_id(r->pool, res->json, "openid",
                                   &st->openid)
            != NGX_OK
            || ngx_http_liaison_wx_id(r->pool, res->json, "unionid",
                                      &st->unionid)
               != NGX_OK
            || st->openid.len == 0))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "liaison: WeChat jscode2session: no valid openid in "
                      "the answer");
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_GATEWAY, "bad_gateway",
                               "微信服务返回异常", NULL);
        rc = NGX_ERROR;
    }

    /* session_key is never kept, returned or logged */
    if (res->json) {
        ngx_http_liaison_wx_wipe(res->json);
    }

    if (res->body.len) {
        ngx_explicit_memzero(res->body.data, res->body.len);
    }

    if (rc != NGX_OK) {
        return;
    }

    if (ngx_http_liaison_random(rnd, sizeof(rnd)) != NGX_OK) {
        ngx_http_liaison_fail(ctx, "no random bytes for a session");
        return;
    }

    lsn_hex(st->sid, rnd, sizeof(rnd));
    st->sid[LSN_TOKEN_SID_LEN] = '\0';

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO litigants (openid, unionid, created_at, "
        "last_login_at) VALUES ($s, $s, $t, $t) "
        "ON DUPLICATE KEY UPDATE "
        "unionid = COALESCE(VALUES(unionid), unionid), "
        "last_login_at = VALUES(last_login_at);"
        "INSERT INTO sessions (id, kind, litigant_id, created_at, "
        "expires_at) SELECT $z, 'l', id, $t, $t FROM litigants "
        "WHERE openid = $s;"
        "SELECT id FROM litigants WHERE openid = $s;"
        "COMMIT",
        st->openid.data, st->openid.len,
        st->unionid.len ? st->unionid.data : NULL, st->unionid.len,
        ctx->now, ctx->now,
        st->sid, ctx->now, ctx->now + ctx->mcf->token_ttl,
        st->openid.data, st->openid.len,
        st->openid.data, st->openid.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_wx_login_saved);
}


static void
ngx_http_liaison_wx_login_saved(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    char                             token[LSN_TOKEN_MAX_LEN];
    size_t                           n;
    MYSQL_ROW                        row;
    lsn_token_t                      tok;
    ngx_http_liaison_buf_t           out;
    ngx_http_liaison_login_state_t  *st;

    st = ctx->data;

    if (op->rc != NGX_OK || op->nstmts != 5 || op->affected[2] != 1) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[3]);

    tok.kind = 'l';
    ngx_memcpy(tok.sid, st->sid, sizeof(tok.sid));
    tok.expires = ctx->now + ctx->mcf->token_ttl;

    n = lsn_token_make(ctx->mcf->token_secret.data,
                       ctx->mcf->token_secret.len, &tok, token);

    if (n == 0) {
        ngx_http_liaison_fail(ctx, "cannot make a token");
        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(&out, "{");
    ngx_http_liaison_json_kv(&out, "token", (u_char *) token, n);
    ngx_http_liaison_json_key(&out, "expires_in");
    ngx_http_liaison_json_int(&out, ctx->mcf->token_ttl);
    ngx_http_liaison_buf_lit(&out, "}");

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: litigant #%s logged in with WeChat",
                  row && row[0] ? row[0] : "?");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


/* An openid or unionid member: absent is fine, malformed is not. */

static ngx_int_t
ngx_http_liaison_wx_id(ngx_pool_t *pool, ngx_http_liaison_json_t *obj,
    const char *key, ngx_str_t *value)
{
    ngx_uint_t                i;
    ngx_http_liaison_json_t  *v;

    ngx_str_null(value);

    v = ngx_http_liaison_json_get(obj, key);
    if (v == NULL || v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        return NGX_OK;
    }

    if (v->type != NGX_HTTP_LIAISON_JSON_STRING || v->value.len == 0
        || v->value.len > 64)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < v->value.len; i++) {
        if (!ngx_http_liaison_id_char(v->value.data[i])) {
            return NGX_ERROR;
        }
    }

    /* a copy: the answer is wiped once read */
    value->data = ngx_pnalloc(pool, v->value.len);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(value->data, v->value.data, v->value.len);
    value->len = v->value.len;

    return NGX_OK;
}


/* Zeroes every string value of a parsed answer (session_key among them). */

static void
ngx_http_liaison_wx_wipe(ngx_http_liaison_json_t *node)
{
    ngx_http_liaison_json_t  *c;

    if (node->type == NGX_HTTP_LIAISON_JSON_STRING && node->value.len) {
        ngx_explicit_memzero(node->value.data, node->value.len);
    }

    for (c = node->child; c; c = c->next) {
        ngx_http_liaison_wx_wipe(c);
    }
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_wx_endpoints[] = {

    { ngx_string("wx/login"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_PUBLIC, 0, NGX_HTTP_LIAISON_BODY_JSON, 0,
      ngx_http_liaison_wx_login, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
