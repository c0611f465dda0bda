
/*
 * Copyright (C) Liaison authors
 *
 * ngx_http_liaison_module: configuration, per-worker state, routing,
 * request bodies and responses.  The endpoints live in their own files.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/rand.h>
#include "ngx_http_liaison_module.h"
#include "ngx_http_liaison_ops.h"
#include "lsn_sql.h"
#include "lsn_text.h"
#include "lsn_workflow.h"


#define NGX_HTTP_LIAISON_GET   (NGX_HTTP_GET|NGX_HTTP_HEAD)
#define NGX_HTTP_LIAISON_POST  NGX_HTTP_POST


typedef void (*ngx_http_liaison_route_pt)(ngx_http_liaison_ctx_t *ctx);

typedef struct {
    ngx_str_t                   path;       /* see ..._route() */
    ngx_uint_t                  methods;
    ngx_http_liaison_route_pt   handler;
    ngx_uint_t                  anonymous;  /* no bearer token read */
    ngx_uint_t                  body;       /* 1: a JSON object required,
                                               2: optional */
} ngx_http_liaison_route_t;


static ngx_int_t ngx_http_liaison_handler(ngx_http_request_t *r);
static void ngx_http_liaison_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_liaison_read_raw(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t kind);
static void ngx_http_liaison_raw_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_liaison_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_http_liaison_route_t *ngx_http_liaison_route(
    ngx_http_liaison_ctx_t *ctx, ngx_uint_t *allowed);
static void ngx_http_liaison_dispatch(ngx_http_liaison_ctx_t *ctx);

static void *ngx_http_liaison_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_liaison_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_liaison_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_liaison_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_liaison_db_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_sla(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_supervision(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_set_bounded(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_liaison_read_password(ngx_conf_t *cf,
    ngx_str_t *path, ngx_str_t *password);
static ngx_int_t ngx_http_liaison_init_process(ngx_cycle_t *cycle);
static void ngx_http_liaison_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_liaison_pool_size_bounds = {
    NULL, 1, 1024
};

static ngx_conf_num_bounds_t  ngx_http_liaison_queue_size_bounds = {
    NULL, 0, 65536
};

static ngx_conf_num_bounds_t  ngx_http_liaison_attach_count_bounds = {
    NULL, 1, 100
};


static ngx_command_t  ngx_http_liaison_commands[] = {

    { ngx_string("liaison_db"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_liaison_db_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_db_pool_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_set_bounded,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.pool_size),
      &ngx_http_liaison_pool_size_bounds },

    { ngx_string("liaison_db_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.connect_timeout),
      NULL },

    { ngx_string("liaison_db_query_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.query_timeout),
      NULL },

    { ngx_string("liaison_db_queue_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_set_bounded,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.queue_size),
      &ngx_http_liaison_queue_size_bounds },

    { ngx_string("liaison_db_queue_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.queue_timeout),
      NULL },

    { ngx_string("liaison_token_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_secret_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_token_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, token_ttl),
      NULL },

    { ngx_string("liaison_sla"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_liaison_sla,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_supervision"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_liaison_supervision,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, thread_pool_name),
      NULL },

    { ngx_string("liaison_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_liaison_loc_conf_t, max_body_size),
      NULL },

    { ngx_string("liaison_wx_appid"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_wx_appid,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.wx_appid),
      NULL },

    { ngx_string("liaison_wx_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_lit_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.wx_secret),
      NULL },

    { ngx_string("liaison_wx_location"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.wx_location),
      NULL },

    { ngx_string("liaison_wx_template"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_liaison_wx_template,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_ingest_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_lit_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.ingest_key),
      NULL },

    { ngx_string("liaison_phone_hash_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_lit_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.phone_key),
      NULL },

    { ngx_string("liaison_triage_rules"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_triage_rules,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_wx_push_token_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_push_token_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_wx_push_aes_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_liaison_push_aes_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_wx_push_time_window"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.window),
      NULL },

    { ngx_string("liaison_attachment_dir"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_attach_dir,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_attachment_location"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.attach_location),
      NULL },

    { ngx_string("liaison_attachment_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.attach_max_size),
      NULL },

    { ngx_string("liaison_attachment_max_count"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_set_bounded,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.attach_max_count),
      &ngx_http_liaison_attach_count_bounds },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_liaison_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_liaison_create_main_conf,     /* create main configuration */
    ngx_http_liaison_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_liaison_create_loc_conf,      /* create location configuration */
    ngx_http_liaison_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_liaison_module = {
    NGX_MODULE_V1,
    &ngx_http_liaison_module_ctx,          /* module context */
    ngx_http_liaison_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_liaison_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_liaison_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_liaison_route_t  ngx_http_liaison_routes[] = {
    { ngx_string("health"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_schema_health, 1, 0 },
    { ngx_string("tickets"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_tickets_create, 0, 1 },
    { ngx_string("tickets/*"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_tickets_get, 0, 0 },
    { ngx_string("staff/login"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_login, 1, 1 },
    { ngx_string("staff/logout"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_logout, 0, 0 },
    { ngx_string("staff/tickets"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_staff_worklist, 0, 0 },
    { ngx_string("staff/tickets/*/triage"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_triage, 0, 1 },
    { ngx_string("staff/tickets/*/reply"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_reply, 0, 1 },
    { ngx_string("staff/tickets/*/dispatch"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_dispatch, 0, 2 },
    { ngx_string("staff/tickets/*/accept"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_accept, 0, 2 },
    { ngx_string("staff/tickets/*/return"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_return, 0, 1 },
    { ngx_string("staff/tickets/*/close"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_close, 0, 2 },
    { ngx_string("staff/tickets/*/transfer"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_transfer, 0, 1 },
    { ngx_string("staff/tickets/*/notes"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_note, 0, 1 },
    { ngx_string("staff/tickets/*/risk"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_risk, 0, 1 },
    { ngx_string("staff/tickets/*/refer"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_staff_refer, 0, 1 },
    { ngx_string("notifications"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_notifications, 0, 0 },
    { ngx_string("liaisons"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_directory, 1, 0 },
    { ngx_string("staff/departments/*/liaison"), NGX_HTTP_PUT,
      ngx_http_liaison_liaison_record, 0, 1 },
    { ngx_string("staff/liaisons"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_liaison_history, 0, 0 },
    { ngx_string("staff/risks"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_risks_list, 0, 0 },
    { ngx_string("staff/risks/*/advance"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_risk_advance, 0, 1 },
    { ngx_string("staff/reports/kpi"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_kpi, 0, 0 },
    { ngx_string("staff/reports/monthly"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_monthly, 0, 0 },
    { ngx_string("staff/overview"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_overview, 0, 0 },
    { ngx_string("staff/follow-ups"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_follow_up_list, 0, 0 },
    { ngx_string("staff/follow-ups"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_follow_up_create, 0, 1 },
    { ngx_string("staff/follow-ups/*/done"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_follow_up_done, 0, 0 },
    { ngx_string("staff/departments"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_departments_list, 0, 0 },
    { ngx_string("staff/accounts"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_accounts_list, 0, 0 },
    { ngx_string("staff/accounts"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_accounts_create, 0, 1 },
    { ngx_string("staff/accounts/*"), NGX_HTTP_PUT,
      ngx_http_liaison_accounts_update, 0, 1 },
    { ngx_string("staff/accounts/*/password"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_accounts_password, 0, 1 },
    { ngx_string("staff/canned-answers"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_canned_list, 0, 0 },
    { ngx_string("staff/canned-answers"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_canned_save, 0, 1 },
    { ngx_string("staff/canned-answers/*"), NGX_HTTP_PUT,
      ngx_http_liaison_canned_save, 0, 1 },
    { ngx_string("staff/canned-answers/*"), NGX_HTTP_DELETE,
      ngx_http_liaison_canned_save, 0, 0 },
    { ngx_string("tickets"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_tickets_mine, 0, 0 },
    { ngx_string("tickets/*/messages"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_tickets_message, 0, 1 },
    { ngx_string("tickets/*/feedback"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_tickets_feedback, 0, 1 },
    { ngx_string("wx/login"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_wx_login, 1, 1 },
    { ngx_string("wx/logout"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_wx_logout, 0, 0 },
    { ngx_string("cases/*/subscriptions"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_case_subscribe, 0, 1 },
    { ngx_string("cases/*/nodes"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_case_nodes, 0, 0 },
    { ngx_string("ingest/cases"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_ingest_cases, 1, 1 },
    { ngx_string("ingest/case-nodes"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_ingest_nodes, 1, 1 },
    { ngx_string("wx/push"), NGX_HTTP_LIAISON_GET|NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_wx_push, 1, NGX_HTTP_LIAISON_BODY_RAW },
    { ngx_string("tickets/*/attachments"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_attach_upload, 0, NGX_HTTP_LIAISON_BODY_FILE },
    { ngx_string("staff/tickets/*/attachments"), NGX_HTTP_LIAISON_POST,
      ngx_http_liaison_attach_upload, 0, NGX_HTTP_LIAISON_BODY_FILE },
    { ngx_string("tickets/*/attachments/*"), NGX_HTTP_LIAISON_GET,
      ngx_http_liaison_attach_download, 0, 0 },
    { ngx_null_string, 0, NULL, 0, 0 }
};


static ngx_str_t  ngx_http_liaison_json_type =
    ngx_string("application/json; charset=utf-8");


/* Routing and request bodies */

static ngx_int_t
ngx_http_liaison_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_uint_t                     allowed;
    ngx_table_elt_t               *h;
    ngx_http_liaison_ctx_t        *ctx;
    ngx_http_liaison_route_t      *route;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_liaison_loc_conf_t   *llcf;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_liaison_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->r = r;
    ctx->mcf = ngx_http_get_module_main_conf(r, ngx_http_liaison_module);
    ctx->now = ngx_time();
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

    route = ngx_http_liaison_route(ctx, &allowed);

    if (route == NULL || !(route->methods & r->method)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        r->main->count++;

        if (route == NULL && allowed == 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                                   "请求的资源不存在", NULL);
            return NGX_DONE;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h != NULL) {
            h->hash = 1;
            ngx_str_set(&h->key, "Allow");
            h->value.data = ngx_pnalloc(r->pool, 32);
            if (h->value.data == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            h->value.len = ngx_sprintf(h->value.data, "%s%s%s%s",
                               allowed & NGX_HTTP_GET ? "GET, HEAD, " : "",
                               allowed & NGX_HTTP_POST ? "POST, " : "",
                               allowed & NGX_HTTP_PUT ? "PUT, " : "",
                               allowed & NGX_HTTP_DELETE ? "DELETE, " : "")
                           - h->value.data - 2;
        }

        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_ALLOWED,
                               "method_not_allowed",
                               "该接口不支持此请求方法", NULL);
        return NGX_DONE;
    }

    ctx->next = route->handler;
    ctx->anonymous = route->anonymous;

    if (route->body == 0
        || (route->body >= 2 && r->headers_in.content_length_n <= 0
            && !r->headers_in.chunked))
    {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        r->main->count++;
        ngx_http_liaison_dispatch(ctx);
        return NGX_DONE;
    }

    if (route->body >= NGX_HTTP_LIAISON_BODY_RAW) {
        /* the push callback's XML or JSON, uploads: checked by them */
        return ngx_http_liaison_read_raw(ctx, route->body);
    }

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);

    if (r->headers_in.content_type == NULL
        || r->headers_in.content_type->value.len < 16
        || ngx_strncasecmp(r->headers_in.content_type->value.data,
                           (u_char *) "application/json", 16) != 0
        || (r->headers_in.content_type->value.len > 16
            && r->headers_in.content_type->value.data[16] != ';'
            && r->headers_in.content_type->value.data[16] != ' '))
    {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        r->main->count++;
        ngx_http_liaison_error(ctx, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                               "unsupported_media_type",
                               "请求体必须是 application/json", NULL);
        return NGX_DONE;
    }

    if (r->headers_in.content_length_n > (off_t) llcf->max_body_size) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        r->main->count++;
        ngx_http_liaison_error(ctx, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                               "payload_too_large", "请求体过大", NULL);
        return NGX_DONE;
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_liaison_body_handler);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/*
 * Route paths are matched segment by segment; a "*" segment matches one
 * non-empty segment, which becomes ctx->arg.
 */

static ngx_http_liaison_route_t *
ngx_http_liaison_route(ngx_http_liaison_ctx_t *ctx, ngx_uint_t *allowed)
{
    u_char                    *p, *q, *pe, *qe, *seg;
    ngx_str_t                 *path, arg;
    ngx_http_liaison_route_t  *rt, *found;

    path = &ctx->path;
    found = NULL;
    *allowed = 0;

    for (rt = ngx_http_liaison_routes; rt->path.len; rt++) {

        p = rt->path.data;
        pe = p + rt->path.len;
        q = path->data;
        qe = q + path->len;
        ngx_str_null(&arg);

        while (p < pe && q <= qe) {
            if (*p == '*') {
                seg = q;
                while (q < qe && *q != '/') {
                    q++;
                }

                if (q == seg) {
                    break;
                }

                arg.data = seg;
                arg.len = q - seg;
                p++;
                continue;
            }

            if (q == qe || *p != *q) {
                break;
            }

            p++;
            q++;
        }

        if (p != pe || q != qe) {
            continue;
        }

        *allowed |= rt->methods;

        if (rt->methods & ctx->r->method) {
            ctx->arg = arg;
            return rt;
        }

        found = rt;
    }

    return found;
}


static void
ngx_http_liaison_body_handler(ngx_http_request_t *r)
{
    const char                    *err;
    ngx_http_liaison_ctx_t        *ctx;
    ngx_http_liaison_loc_conf_t   *llcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_liaison_module);
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);

    if (ngx_http_liaison_read_body(r, &ctx->raw_body) != NGX_OK) {
        ngx_http_liaison_error(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                               "internal_error", "读取请求体失败", NULL);
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

    ngx_http_liaison_dispatch(ctx);
}


/*
 * A body the endpoint checks itself: in memory (up to
 * liaison_max_body_size), or written whole to nginx's temp file (uploads,
 * up to liaison_attachment_max_size), which the endpoint never reads on
 * the event loop.
 */

static ngx_int_t
ngx_http_liaison_read_raw(ngx_http_liaison_ctx_t *ctx, ngx_uint_t kind)
{
    off_t                         limit;
    ngx_int_t                     rc;
    ngx_http_request_t           *r;
    ngx_http_liaison_loc_conf_t  *llcf;

    r = ctx->r;
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);

    limit = (kind == NGX_HTTP_LIAISON_BODY_FILE)
            ? ctx->mcf->push.attach_max_size : (off_t) llcf->max_body_size;

    if (r->headers_in.content_length_n > limit) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        r->main->count++;
        ngx_http_liaison_error(ctx, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                               "payload_too_large", "请求体过大", NULL);
        return NGX_DONE;
    }

    if (kind == NGX_HTTP_LIAISON_BODY_FILE) {
        /* a named temp file (it is linked into the store), removed after */
        r->request_body_in_file_only = 1;
        r->request_body_in_persistent_file = 1;
        r->request_body_in_clean_file = 1;
        r->request_body_file_log_level = NGX_LOG_INFO;

    } else {
        r->request_body_in_single_buf = 1;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_liaison_raw_handler);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_liaison_raw_handler(ngx_http_request_t *r)
{
    ngx_http_liaison_ctx_t        *ctx;
    ngx_http_liaison_loc_conf_t   *llcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_liaison_module);
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);

    if (!r->request_body_in_file_only) {
        if (ngx_http_liaison_read_body(r, &ctx->raw_body) != NGX_OK) {
            ngx_http_liaison_error(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                   "internal_error", "读取请求体失败", NULL);
            return;
        }

        if (ctx->raw_body.len > llcf->max_body_size) {
            ngx_http_liaison_error(ctx, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                   "payload_too_large", "请求体过大", NULL);
            return;
        }
    }

    ngx_http_liaison_dispatch(ctx);
}


/* The body as one contiguous buffer (memory or nginx's temp file). */

static ngx_int_t
ngx_http_liaison_read_body(ngx_http_request_t *r, ngx_str_t *body)
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


/* Endpoints run once the caller is known; client aborts end them early. */

static void
ngx_http_liaison_dispatch(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_request_t  *r;

    r = ctx->r;

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_request_empty_handler;

    if (ctx->mcf->pool == NULL) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "数据库未配置", NULL);
        return;
    }

    /* the database schema is the one this module was built for */
    if (ngx_http_liaison_schema_gate(ctx) != NGX_OK) {
        return;
    }

    if (ctx->anonymous) {
        ctx->next(ctx);
        return;
    }

    ngx_http_liaison_authenticate(ctx, ctx->next);
}


/* Responses */

void
ngx_http_liaison_finish(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    ngx_http_liaison_out_t *out)
{
    ngx_http_request_t  *r;

    r = ctx->r;

    r->headers_out.status = status;
    r->headers_out.content_type = ngx_http_liaison_json_type;
    r->headers_out.content_type_len = ngx_http_liaison_json_type.len;

    ngx_http_liaison_send_raw(ctx, out);
}


/* Sends out as the body with the status and type already set. */

void
ngx_http_liaison_send_raw(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_out_t *out)
{
    ngx_int_t            rc;
    ngx_buf_t           *b;
    ngx_chain_t          cl;
    ngx_table_elt_t     *h;
    ngx_http_request_t  *r;

    r = ctx->r;

    ngx_http_liaison_db_release(&ctx->op);

    if (out->failed) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = out->pos - out->start;

    h = ngx_list_push(&r->headers_out.headers);
    if (h != NULL) {
        h->hash = 1;
        ngx_str_set(&h->key, "Cache-Control");
        ngx_str_set(&h->value, "no-store");
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_ERROR);
        return;
    }

    b->pos = out->start;
    b->last = out->pos;
    b->memory = (out->pos > out->start);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    cl.buf = b;
    cl.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &cl));
}


/* A JSON body built earlier (e.g. kept for idempotent replays). */

void
ngx_http_liaison_finish_body(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    ngx_str_t *body)
{
    ngx_http_liaison_out_t  out;

    out.pool = ctx->r->pool;
    out.start = body->data;
    out.pos = body->data + body->len;
    out.end = out.pos;
    out.failed = 0;

    ngx_http_liaison_finish(ctx, status, &out);
}


/* {"id": id} with the status, e.g. 201 for what was just created. */

void
ngx_http_liaison_answer_id(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    uint64_t id)
{
    ngx_http_liaison_out_t  out;

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, 32) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{\"id\":");
    ngx_http_liaison_out_int(&out, (int64_t) id);
    ngx_http_liaison_out_lit(&out, "}");

    ngx_http_liaison_finish(ctx, status, &out);
}


/* 200 {"ok":true} */

void
ngx_http_liaison_answer_ok(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_out_t  out;

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, 16) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{\"ok\":true}");
    ngx_http_liaison_finish(ctx, NGX_HTTP_OK, &out);
}


void
ngx_http_liaison_error(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, const char *field)
{
    ngx_http_liaison_out_t  out;

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, 256) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{\"error\":{");
    ngx_http_liaison_out_kv(&out, "code", (u_char *) code, ngx_strlen(code));
    ngx_http_liaison_out_kv(&out, "message", (u_char *) message,
                            ngx_strlen(message));

    if (field) {
        ngx_http_liaison_out_kv(&out, "field", (u_char *) field,
                                ngx_strlen(field));
    }

    ngx_http_liaison_out_lit(&out, "}}");

    ngx_http_liaison_finish(ctx, status, &out);
}


void
ngx_http_liaison_db_error(ngx_http_liaison_ctx_t *ctx)
{
    if (ctx->op.rc == NGX_HTTP_LIAISON_DB_UNAVAILABLE) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "服务暂时不可用，请稍后重试",
                               NULL);
        return;
    }

    ngx_http_liaison_error(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                           "internal_error", "服务器内部错误", NULL);
}


void
ngx_http_liaison_query(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler)
{
    ctx->op.pool = ctx->mcf->pool;
    ctx->op.log = ctx->r->connection->log;
    ctx->op.handler = handler;
    ctx->op.data = ctx;

    ngx_http_liaison_db_query(&ctx->op, ctx->r->pool);
}


/*
 * Staff only, and of one of the roles (a mask of NGX_HTTP_LIAISON_ROLE(),
 * 0: any): 401 without a staff token, 403 otherwise.  *role may be NULL.
 */

ngx_int_t
ngx_http_liaison_staff_role(ngx_http_liaison_ctx_t *ctx, ngx_uint_t roles,
    int *role)
{
    int  r;

    if (ctx->who != NGX_HTTP_LIAISON_STAFF) {
        ngx_http_liaison_error(ctx, ctx->who == NGX_HTTP_LIAISON_ANON
                                    ? NGX_HTTP_UNAUTHORIZED
                                    : NGX_HTTP_FORBIDDEN,
                               ctx->who == NGX_HTTP_LIAISON_ANON
                               ? "unauthenticated" : "forbidden",
                               "需要工作人员登录", NULL);
        return NGX_ERROR;
    }

    r = lsn_role_index((char *) ctx->role.data, ctx->role.len);

    if (r < 0 || (roles && !(roles & NGX_HTTP_LIAISON_ROLE(r)))) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "无此权限", NULL);
        return NGX_ERROR;
    }

    if (role) {
        *role = r;
    }

    return NGX_OK;
}


/* A text member of the body: 1..max characters, no control characters. */

ngx_int_t
ngx_http_liaison_body_text(ngx_http_liaison_ctx_t *ctx, const char *key,
    ngx_uint_t required, long max, ngx_str_t *value)
{
    ngx_http_liaison_json_t  *v;

    ngx_str_null(value);

    v = ngx_http_liaison_json_get(ctx->body, key);

    if (v == NULL || v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        if (!required) {
            return NGX_OK;
        }

        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "缺少必填字段", key);
        return NGX_ERROR;
    }

    if (v->type != NGX_HTTP_LIAISON_JSON_STRING
        || lsn_text_valid(v->value.data, v->value.len, 1, max) != 0)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "字段须为长度合适的文本，且不含控制字符", key);
        return NGX_ERROR;
    }

    *value = v->value;

    return NGX_OK;
}


/* A positive id member (0 when absent or null). */

ngx_int_t
ngx_http_liaison_body_id(ngx_http_liaison_ctx_t *ctx, const char *key,
    uint64_t *value)
{
    ngx_int_t                 n;
    ngx_http_liaison_json_t  *v;

    *value = 0;

    v = ngx_http_liaison_json_get(ctx->body, key);

    if (v == NULL || v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        return NGX_OK;
    }

    n = (v->type == NGX_HTTP_LIAISON_JSON_NUMBER && v->value.len <= 10)
        ? ngx_atoi(v->value.data, v->value.len) : NGX_ERROR;

    if (n <= 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "编号须为正整数", key);
        return NGX_ERROR;
    }

    *value = (uint64_t) n;

    return NGX_OK;
}


/* Refuses a member no reader asked for; NGX_OK when there is none. */

ngx_int_t
ngx_http_liaison_body_unknown(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_json_t  *extra;

    extra = ctx->body ? ngx_http_liaison_json_unused(ctx->body) : NULL;
    if (extra == NULL) {
        return NGX_OK;
    }

    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           "未知字段", (char *) extra->key.data);
    return NGX_ERROR;
}


/* The {id} of the path; 404 when it is not a positive number. */

ngx_int_t
ngx_http_liaison_path_id(ngx_http_liaison_ctx_t *ctx, uint64_t *id)
{
    ngx_int_t  n;

    n = ctx->arg.len <= 10 ? ngx_atoi(ctx->arg.data, ctx->arg.len)
                           : NGX_ERROR;

    if (n <= 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "请求的资源不存在", NULL);
        return NGX_ERROR;
    }

    *id = (uint64_t) n;

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_arg(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), value) != NGX_OK) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_random(u_char *buf, size_t len)
{
    return RAND_bytes(buf, (int) len) == 1 ? NGX_OK : NGX_ERROR;
}


/*
 * A list whose rows the database built as JSON objects (JSON_OBJECT()):
 * {"items": [...], "total": N}.
 */

void
ngx_http_liaison_rows_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                row;
    MYSQL_RES               *res;
    ngx_uint_t               i;
    unsigned long           *len;
    ngx_http_liaison_out_t   out;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    /* the first statement that returned rows */
    res = NULL;
    for (i = 0; res == NULL && i < op->nstmts; i++) {
        res = op->res[i];
    }

    if (res == NULL
        || ngx_http_liaison_out_init(&out, ctx->r->pool, 4096) != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{\"items\":[");

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        if (out.pos[-1] != '[') {
            ngx_http_liaison_out_lit(&out, ",");
        }

        ngx_http_liaison_out_raw(&out, row[0], len[0]);
    }

    ngx_http_liaison_out_lit(&out, "],\"total\":");
    ngx_http_liaison_out_int(&out, mysql_num_rows(res));
    ngx_http_liaison_out_lit(&out, "}");

    ngx_http_liaison_finish(ctx, NGX_HTTP_OK, &out);
}


/* Configuration */

static void *
ngx_http_liaison_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_liaison_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    mcf->db.pool_size = NGX_CONF_UNSET_UINT;
    mcf->db.connect_timeout = NGX_CONF_UNSET_MSEC;
    mcf->db.query_timeout = NGX_CONF_UNSET_MSEC;
    mcf->db.queue_size = NGX_CONF_UNSET_UINT;
    mcf->db.queue_timeout = NGX_CONF_UNSET_MSEC;
    mcf->token_ttl = NGX_CONF_UNSET;
    mcf->sla[0] = NGX_CONF_UNSET;
    mcf->sla[1] = NGX_CONF_UNSET;
    mcf->supervise_count = NGX_CONF_UNSET_UINT;
    mcf->supervise_window = NGX_CONF_UNSET;
    mcf->push.window = NGX_CONF_UNSET;
    mcf->push.attach_max_size = NGX_CONF_UNSET;
    mcf->push.attach_max_count = NGX_CONF_UNSET_UINT;

    return mcf;
}


static char *
ngx_http_liaison_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_uint_t  secs;

    ngx_conf_init_uint_value(mcf->db.pool_size, 16);
    ngx_conf_init_msec_value(mcf->db.connect_timeout, 3000);
    ngx_conf_init_msec_value(mcf->db.query_timeout, 10000);
    ngx_conf_init_uint_value(mcf->db.queue_size, 1024);
    ngx_conf_init_msec_value(mcf->db.queue_timeout, 3000);
    ngx_conf_init_value(mcf->token_ttl, 12 * 3600);
    ngx_conf_init_value(mcf->sla[0], 1);
    ngx_conf_init_value(mcf->sla[1], 2);
    ngx_conf_init_uint_value(mcf->supervise_count, 3);
    ngx_conf_init_value(mcf->supervise_window, 30 * 86400);

    if (mcf->thread_pool_name.len == 0) {
        ngx_str_set(&mcf->thread_pool_name, "default");
    }

    if (ngx_http_liaison_lit_init_main_conf(cf, mcf) != NGX_CONF_OK
        || ngx_http_liaison_push_init_main_conf(cf, mcf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (!mcf->db_set) {
        return NGX_CONF_OK;
    }

    mcf->thread_pool = ngx_thread_pool_add(cf, &mcf->thread_pool_name);
    if (mcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    /*
     * Every connection: utf8mb4 and backslash escapes (the SQL builder
     * relies on both), and the server gives up on a statement or a lock
     * wait no later than we do.
     */
    secs = (mcf->db.query_timeout + 999) / 1000;

    if (ngx_http_liaison_db_sql(cf->pool, &mcf->db.init_sql,
            "SET NAMES utf8mb4 COLLATE utf8mb4_bin, time_zone = '+08:00', "
            "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
            "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
            "innodb_lock_wait_timeout = $u, max_statement_time = $u, "
            "autocommit = 1",
            (unsigned long long) secs, (unsigned long long) secs)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_liaison_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_liaison_loc_conf_t  *llcf;

    llcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_liaison_loc_conf_t));
    if (llcf == NULL) {
        return NULL;
    }

    llcf->api = NGX_CONF_UNSET;
    llcf->max_body_size = NGX_CONF_UNSET_SIZE;

    return llcf;
}


static char *
ngx_http_liaison_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_liaison_loc_conf_t  *prev = parent;
    ngx_http_liaison_loc_conf_t  *conf = child;

    ngx_http_liaison_main_conf_t  *mcf;

    ngx_conf_merge_value(conf->api, prev->api, 0);
    ngx_conf_merge_size_value(conf->max_body_size, prev->max_body_size,
                              64 * 1024);

    if (conf->api != 1) {
        return NGX_CONF_OK;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_liaison_module);

    if (!mcf->db_set) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_api\" is on but \"liaison_db\" "
                           "is not configured");
        return NGX_CONF_ERROR;
    }

    if (mcf->token_secret.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_api\" is on but "
                           "\"liaison_token_secret_file\" is not configured");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * liaison_db unix:/path | IP[:port] user=NAME password_file=PATH
 *            database=NAME;
 */

static char *
ngx_http_liaison_db_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    u_char      *p, *colon;
    ngx_str_t   *value, addr, host, port, pwfile;
    ngx_int_t    n;
    ngx_uint_t   i;
    struct in6_addr  a6;

    if (mcf->db_set) {
        return "is duplicate";
    }

    value = cf->args->elts;
    addr = value[1];
    ngx_str_null(&pwfile);

    if (addr.len > 5 && ngx_strncmp(addr.data, "unix:", 5) == 0) {
        mcf->db.socket.data = addr.data + 5;
        mcf->db.socket.len = addr.len - 5;

        if (mcf->db.socket.data[0] != '/') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"liaison_db\": the unix socket path \"%V\" "
                               "must be absolute", &mcf->db.socket);
            return NGX_CONF_ERROR;
        }

    } else {
        host = addr;
        ngx_str_set(&port, "3306");

        if (addr.len && addr.data[0] == '[') {
            p = ngx_strlchr(addr.data, addr.data + addr.len, ']');
            if (p == NULL) {
                goto bad_host;
            }

            host.data = addr.data + 1;
            host.len = p - host.data;

            if (p + 1 < addr.data + addr.len) {
                if (p[1] != ':') {
                    goto bad_host;
                }

                port.data = p + 2;
                port.len = addr.data + addr.len - port.data;
            }

            if (ngx_inet6_addr(host.data, host.len, a6.s6_addr) != NGX_OK) {
                goto bad_host;
            }

        } else {
            colon = ngx_strlchr(addr.data, addr.data + addr.len, ':');
            if (colon) {
                host.len = colon - addr.data;
                port.data = colon + 1;
                port.len = addr.data + addr.len - port.data;
            }

            if (ngx_inet_addr(host.data, host.len) == INADDR_NONE) {
                goto bad_host;
            }
        }

        n = ngx_atoi(port.data, port.len);
        if (n < 1 || n > 65535) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"liaison_db\": invalid port in \"%V\"",
                               &addr);
            return NGX_CONF_ERROR;
        }

        mcf->db.port = n;
        mcf->db.host.data = ngx_pnalloc(cf->pool, host.len + 1);
        if (mcf->db.host.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(mcf->db.host.data, host.data, host.len);
        mcf->db.host.data[host.len] = '\0';
        mcf->db.host.len = host.len;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "user=", 5) == 0) {
            mcf->db.user.data = value[i].data + 5;
            mcf->db.user.len = value[i].len - 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "password_file=", 14) == 0) {
            pwfile.data = value[i].data + 14;
            pwfile.len = value[i].len - 14;
            continue;
        }

        if (ngx_strncmp(value[i].data, "database=", 9) == 0) {
            mcf->db.database.data = value[i].data + 9;
            mcf->db.database.len = value[i].len - 9;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\": unknown parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (mcf->db.user.len == 0 || mcf->db.database.len == 0
        || pwfile.len == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\" needs user=, password_file= "
                           "and database=");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_liaison_read_password(cf, &pwfile, &mcf->db.password)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    mcf->db_set = 1;

    return NGX_CONF_OK;

bad_host:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"liaison_db\": \"%V\" is not a unix socket or an IP "
                       "address; a host name would need a blocking DNS "
                       "lookup", &addr);
    return NGX_CONF_ERROR;
}


static ngx_int_t
ngx_http_liaison_read_password(ngx_conf_t *cf, ngx_str_t *path,
    ngx_str_t *password)
{
    u_char           buf[256];
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_str_t        name;
    ngx_file_t       file;
    ngx_file_info_t  fi;

    name = *path;
    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"liaison_db\": cannot open password_file "
                           "\"%V\"", &name);
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)) {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\": password_file \"%V\" is not a "
                           "regular file", &name);
        return NGX_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = name;
    file.log = cf->log;

    n = ngx_read_file(&file, buf, sizeof(buf), 0);
    ngx_close_file(fd);

    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'
                     || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
    {
        n--;
    }

    if (n == 0 || n == sizeof(buf)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\": password_file \"%V\" is empty "
                           "or too long", &name);
        return NGX_ERROR;
    }

    password->data = ngx_pnalloc(cf->pool, n + 1);
    if (password->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(password->data, buf, n);
    password->data[n] = '\0';
    password->len = n;
    ngx_explicit_memzero(buf, sizeof(buf));

    return NGX_OK;
}


static char *
ngx_http_liaison_secret_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    u_char       buf[1024];
    long         n;
    ngx_str_t   *value, name;
    const char  *err;

    if (mcf->token_secret.len) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    n = lsn_secret_read((char *) name.data, buf, sizeof(buf), &err);
    if (n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_token_secret_file\" \"%V\": %s",
                           &name, err);
        return NGX_CONF_ERROR;
    }

    mcf->token_secret.data = ngx_pnalloc(cf->pool, n);
    if (mcf->token_secret.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(mcf->token_secret.data, buf, n);
    mcf->token_secret.len = n;
    ngx_explicit_memzero(buf, sizeof(buf));

    return NGX_CONF_OK;
}


/* liaison_supervision complaints=N window=time;  (A17) */

static char *
ngx_http_liaison_supervision(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    time_t      w;
    ngx_int_t   n;
    ngx_str_t  *value, s;

    if (mcf->supervise_count != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strncmp(value[1].data, "complaints=", 11) != 0
        || ngx_strncmp(value[2].data, "window=", 7) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_supervision\" takes complaints=N "
                           "window=TIME");
        return NGX_CONF_ERROR;
    }

    n = ngx_atoi(value[1].data + 11, value[1].len - 11);
    if (n < 2 || n > 100) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_supervision\": complaints must be a "
                           "number from 2 to 100");
        return NGX_CONF_ERROR;
    }

    s.data = value[2].data + 7;
    s.len = value[2].len - 7;
    w = ngx_parse_time(&s, 1);

    if (w == (time_t) NGX_ERROR || w < 86400 || w > 366 * 86400) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_supervision\": window must be a time "
                           "from 1d to 366d");
        return NGX_CONF_ERROR;
    }

    mcf->supervise_count = n;
    mcf->supervise_window = w;

    return NGX_CONF_OK;
}


/* A whole number within cmd->post's bounds; the message names the value. */

static char *
ngx_http_liaison_set_bounded(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_int_t               n;
    ngx_str_t              *value;
    ngx_uint_t             *field;
    ngx_conf_num_bounds_t  *bounds;

    field = (ngx_uint_t *) (p + cmd->offset);
    bounds = cmd->post;

    if (*field != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR || n < bounds->low || n > bounds->high) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%V\" is not a number from %i to %i",
                           &cmd->name, &value[1], bounds->low, bounds->high);
        return NGX_CONF_ERROR;
    }

    *field = n;

    return NGX_CONF_OK;
}


/* liaison_sla simple|ordinary N;  (working days) */

static char *
ngx_http_liaison_sla(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_int_t   n, track;
    ngx_str_t  *value;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "simple") == 0) {
        track = 0;

    } else if (ngx_strcmp(value[1].data, "ordinary") == 0) {
        track = 1;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_sla\": unknown track \"%V\", "
                           "use \"simple\" or \"ordinary\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (mcf->sla[track] != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    n = ngx_atoi(value[2].data, value[2].len);
    if (n == NGX_ERROR || n > 30) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_sla\": \"%V\" is not a number of "
                           "working days from 0 to 30", &value[2]);
        return NGX_CONF_ERROR;
    }

    mcf->sla[track] = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_liaison_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_loc_conf_t  *llcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (llcf->api != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        llcf->api = 1;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        llcf->api = 0;
        return NGX_CONF_OK;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_api\": invalid value \"%V\", "
                           "use \"on\" or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_liaison_handler;

    return NGX_CONF_OK;
}


/* Per worker process */

static ngx_int_t
ngx_http_liaison_init_process(ngx_cycle_t *cycle)
{
    ngx_http_liaison_main_conf_t  *mcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_liaison_module);
    if (mcf == NULL || !mcf->db_set) {
        return NGX_OK;
    }

    mcf->pool = ngx_http_liaison_db_pool_create(cycle, &mcf->db);
    if (mcf->pool == NULL) {
        return NGX_ERROR;
    }

    mcf->calendar = ngx_palloc(cycle->pool, sizeof(lsn_calendar_t));
    if (mcf->calendar == NULL) {
        return NGX_ERROR;
    }

    lsn_calendar_init(mcf->calendar);

    return NGX_OK;
}


static void
ngx_http_liaison_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_liaison_module);

    if (mcf && mcf->pool) {
        ngx_http_liaison_db_pool_destroy(mcf->pool);
        mcf->pool = NULL;
    }
}
