
/*
 * Copyright (C) Liaison authors
 *
 * WeChat from inside nginx: calls to its API through an internal
 * subrequest (never a blocking client), the WeChat side of the
 * configuration, and POST /wx/login.
 */


#ifndef _NGX_HTTP_LIAISON_WX_H_INCLUDED_
#define _NGX_HTTP_LIAISON_WX_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/* The answer of a WeChat call through the internal location. */
typedef struct {
    ngx_int_t                     status;    /* HTTP status; 200: answered */
    ngx_str_t                     body;
    ngx_http_liaison_json_t      *json;     /* the answer, an object */
    ngx_int_t                     errcode;
    ngx_uint_t                    has_errcode;  /* present and not 0 */
    ngx_str_t                     errmsg;
} ngx_http_liaison_wx_res_t;


typedef void (*ngx_http_liaison_wx_done_pt)(
    ngx_http_liaison_ctx_t *ctx, ngx_http_liaison_wx_res_t *res);


typedef struct {
    ngx_http_liaison_ctx_t       *ctx;
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
ngx_int_t ngx_http_liaison_wx_call(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t post, const char *api, ngx_str_t *args, ngx_str_t *body,
    ngx_http_liaison_wx_done_pt done);

/*
 * Maps a failed call to our answer and sends it (-1, token errors, a
 * timeout or an unreachable WeChat: 503; 45011: 429; 40029/40163: 400
 * invalid_code; 40226: 403; not JSON: 502); NGX_OK when res is a success.
 */
ngx_int_t ngx_http_liaison_wx_check(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_wx_res_t *res, const char *what);


/* directives */
char *ngx_http_liaison_wx_appid(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_lit_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_wx_template(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_lit_init_main_conf(ngx_conf_t *cf,
    ngx_http_liaison_main_conf_t *mcf);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_wx_endpoints[];


#endif /* _NGX_HTTP_LIAISON_WX_H_INCLUDED_ */
