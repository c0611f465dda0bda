
/*
 * Copyright (C) Liaison authors
 *
 * Configuration of the litigant side: WeChat (login, phone number), the
 * trial-system ingest key, the phone-hash key, the triage rules.
 */


#ifndef _NGX_HTTP_LIAISON_LIT_H_INCLUDED_
#define _NGX_HTTP_LIAISON_LIT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "lsn_triage.h"


#define NGX_HTTP_LIAISON_WX_LOCATION  "/_liaison_wx"
#define NGX_HTTP_LIAISON_INGEST_SKEW  300     /* seconds either way */


typedef struct {
    ngx_str_t                     wx_appid;
    ngx_str_t                     wx_secret;
    ngx_str_t                     wx_location;   /* internal location */
    ngx_str_t                     wx_template_node;
    ngx_str_t                     wx_template_reply;

    ngx_str_t                     ingest_key;
    ngx_str_t                     phone_key;

    ngx_str_t                     triage_file;
    lsn_triage_t                 *triage;        /* NULL: by category */
} ngx_http_liaison_lit_conf_t;


/* openids, WeChat codes, template ids: A-Z a-z 0-9 _ - */
#define ngx_http_liaison_id_char(c)                                         \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z')               \
     || ((c) >= '0' && (c) <= '9') || (c) == '_' || (c) == '-')


struct ngx_http_liaison_ctx_s;


/*
 * A growing SQL text for statements built from many items (ingest
 * batches): every value still goes through lsn_sql_format(); it doubles
 * its space instead of copying the whole text at each append.
 */
typedef struct {
    ngx_pool_t                   *pool;
    u_char                       *start;
    u_char                       *pos;
    u_char                       *end;
    ngx_uint_t                    failed;
} ngx_http_liaison_sqlbuf_t;

ngx_int_t ngx_http_liaison_sqlbuf_init(ngx_http_liaison_sqlbuf_t *b,
    ngx_pool_t *pool, size_t size);
void ngx_http_liaison_sqlbuf_add(ngx_http_liaison_sqlbuf_t *b,
    const char *fmt, ...);
/* sep (a constant of the code) before every item but the first (i > 0) */
void ngx_http_liaison_sqlbuf_sep(ngx_http_liaison_sqlbuf_t *b, ngx_uint_t i,
    const char *sep);
/* NUL-terminates into sql; NGX_ERROR when anything failed */
ngx_int_t ngx_http_liaison_sqlbuf_done(ngx_http_liaison_sqlbuf_t *b,
    ngx_str_t *sql);


/* The answer of a WeChat call through the internal location. */
typedef struct {
    ngx_int_t                     status;    /* HTTP status; 200: answered */
    ngx_str_t                     body;
    struct ngx_http_liaison_json_s  *json;   /* the answer, an object */
    ngx_int_t                     errcode;
    ngx_uint_t                    has_errcode;  /* present and not 0 */
    ngx_str_t                     errmsg;
} ngx_http_liaison_wx_res_t;


typedef void (*ngx_http_liaison_wx_done_pt)(
    struct ngx_http_liaison_ctx_s *ctx, ngx_http_liaison_wx_res_t *res);


typedef struct {
    struct ngx_http_liaison_ctx_s  *ctx;
    const char                   *api;
    ngx_http_liaison_wx_done_pt   handler;
    ngx_http_liaison_wx_res_t     res;
    ngx_uint_t                    done;
} ngx_http_liaison_wx_call_t;


/*
 * Calls WeChat's api (e.g. "/sns/jscode2session") with args (the query
 * string) and, for a POST, a JSON body; done runs once the answer is in
 * (or the call failed: res->status is then not 200).  The caller must
 * not touch the request after this returns NGX_OK: done may already have
 * answered it.
 */
ngx_int_t ngx_http_liaison_wx_call(struct ngx_http_liaison_ctx_s *ctx,
    ngx_uint_t post, const char *api, ngx_str_t *args, ngx_str_t *body,
    ngx_http_liaison_wx_done_pt done);

/*
 * Maps a failed call to our answer and sends it (-1, token errors, a
 * timeout or an unreachable WeChat: 503; 45011: 429; 40029/40163: 400
 * invalid_code; 40226: 403; not JSON: 502); NGX_OK when res is a success.
 */
ngx_int_t ngx_http_liaison_wx_check(struct ngx_http_liaison_ctx_s *ctx,
    ngx_http_liaison_wx_res_t *res, const char *what);


#endif /* _NGX_HTTP_LIAISON_LIT_H_INCLUDED_ */
