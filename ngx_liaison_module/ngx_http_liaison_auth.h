
/*
 * Copyright (C) Liaison authors
 *
 * Who is calling: bearer tokens (signed, expiring, revocable through their
 * session row), the trial system's request signatures, password hashing
 * in the thread pool; staff login and logout.
 */


#ifndef _NGX_HTTP_LIAISON_AUTH_H_INCLUDED_
#define _NGX_HTTP_LIAISON_AUTH_H_INCLUDED_


#include "ngx_http_liaison_common.h"


typedef struct {
    char                            password[257];
    char                            hash[256];
    ngx_uint_t                      verify;    /* else: make a hash */
    ngx_uint_t                      ok;
} ngx_http_liaison_pw_task_t;


/*
 * The bearer token, when one was sent: ctx->who, subject_id, role and
 * department_id are set, then next(ctx) runs; a bad token answers 401.
 */
void ngx_http_liaison_auth_bearer(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next);

/*
 * X-Liaison-Timestamp and X-Liaison-Signature of the trial system over the
 * body; NGX_OK (ctx->signature holds it, lowercase) or answered.
 */
ngx_int_t ngx_http_liaison_auth_trial(ngx_http_liaison_ctx_t *ctx);

/*
 * A password hashing task (ctx->task) for the password given; verify it
 * against a hash (set pw->verify and pw->hash) or make one, in the thread
 * pool, with ngx_http_liaison_password_run().
 */
ngx_http_liaison_pw_task_t *ngx_http_liaison_password_task(
    ngx_http_liaison_ctx_t *ctx, ngx_str_t *password);
void ngx_http_liaison_password_run(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt done);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_auth_endpoints[];


#endif /* _NGX_HTTP_LIAISON_AUTH_H_INCLUDED_ */
