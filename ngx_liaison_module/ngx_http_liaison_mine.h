
/*
 * Copyright (C) Liaison authors
 *
 * A litigant's own requests: the list, follow-up messages, feedback,
 * notifications; the follow-up as a service another endpoint calls (the
 * WeChat push adds a customer-service message to the sender's ticket).
 */


#ifndef _NGX_HTTP_LIAISON_MINE_H_INCLUDED_
#define _NGX_HTTP_LIAISON_MINE_H_INCLUDED_


#include "ngx_http_liaison_common.h"
#include "lsn_ticket.h"


typedef struct ngx_http_liaison_followup_s  ngx_http_liaison_followup_t;

typedef void (*ngx_http_liaison_followup_pt)(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu);


struct ngx_http_liaison_followup_s {
    /* the request: content passed lsn_text_valid(); the caller is the
       litigant in ctx, or with by_code whoever holds the query code */
    ngx_str_t                     ticket_no;
    ngx_str_t                     content;
    char                          code[LSN_QUERY_CODE_LEN];
    ngx_uint_t                    by_code;

    /* the caller's, as for the intake service (ngx_http_liaison_tickets.h) */
    ngx_http_liaison_followup_pt  extra;
    ngx_http_liaison_followup_pt  done;
    void                         *data;

    /* the outcome */
    uint64_t                      ticket_id;
    ngx_str_t                     status;
    ngx_uint_t                    reopen;
    time_t                        due_at;
    lsn_triage_result_t           triage;

    /* feedback's */
    ngx_int_t                     rating;
    ngx_str_t                     comment;        /* data NULL: none */
    ngx_uint_t                    has_openid;
};


/*
 * Adds the caller's message to their own ticket (a litigant's, or the one
 * of the query code), reopening it when it was closed less than 7 days
 * ago, alerting its handlers: one transaction, then
 * fu->done(ctx, fu) with its outcome in ctx->op (an unknown or foreign
 * ticket, or one closed too long ago, is answered here, not by done).
 */
void ngx_http_liaison_followup_start(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_mine_endpoints[];


#endif /* _NGX_HTTP_LIAISON_MINE_H_INCLUDED_ */
