
/*
 * Copyright (C) Liaison authors
 *
 * The mini-program's message-push callback (ngx_http_liaison_push.c) and
 * attachments (ngx_http_liaison_attach.c): their configuration, and the
 * hook through which another endpoint runs the intake and follow-up code
 * paths of ngx_http_liaison_tickets.c and ngx_http_liaison_mine.c.
 */


#ifndef _NGX_HTTP_LIAISON_PUSH_H_INCLUDED_
#define _NGX_HTTP_LIAISON_PUSH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_liaison_db.h"


#define NGX_HTTP_LIAISON_PUSH_WINDOW       300       /* seconds */
#define NGX_HTTP_LIAISON_ATTACH_LOCATION   "/_liaison_files"
#define NGX_HTTP_LIAISON_ATTACH_MAX_SIZE   (10 * 1024 * 1024)
#define NGX_HTTP_LIAISON_ATTACH_MAX_COUNT  20

/* ngx_http_liaison_route_t.body beyond 0 (none), 1 (JSON), 2 (optional) */
#define NGX_HTTP_LIAISON_BODY_RAW          3   /* in memory, any type */
#define NGX_HTTP_LIAISON_BODY_FILE         4   /* nginx's temp file */


typedef struct {
    ngx_str_t                     token;         /* NUL-terminated */
    u_char                        aes_key[32];
    u_char                        aes_prev[32];
    ngx_uint_t                    has_key;
    ngx_uint_t                    has_prev;
    time_t                        window;

    ngx_str_t                     attach_dir;    /* NUL-terminated, no '/'
                                                    at the end */
    ngx_str_t                     attach_location;
    off_t                         attach_max_size;
    ngx_uint_t                    attach_max_count;
} ngx_http_liaison_push_conf_t;


struct ngx_http_liaison_ctx_s;

/*
 * Another endpoint driving the intake (ngx_http_liaison_intake_submit())
 * or a follow-up (ngx_http_liaison_followup_submit()): before the
 * transaction's COMMIT, sql() appends its own statements (ticket_no,
 * query_code, reopened are set by then); done() answers the client
 * instead of the endpoint's JSON, whatever op->rc is.
 */
typedef struct {
    ngx_int_t                   (*sql)(struct ngx_http_liaison_ctx_s *ctx,
                                       ngx_str_t *sql);
    void                        (*done)(struct ngx_http_liaison_ctx_s *ctx,
                                        ngx_http_liaison_db_op_t *op);
    void                         *data;

    char                          ticket_no[32];
    char                          query_code[16];
    ngx_uint_t                    reopened;
} ngx_http_liaison_hook_t;


#endif /* _NGX_HTTP_LIAISON_PUSH_H_INCLUDED_ */
