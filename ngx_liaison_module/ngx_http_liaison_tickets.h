
/*
 * Copyright (C) Liaison authors
 *
 * Intake (POST /tickets) and status (GET /tickets/{no}); intake as a
 * service another endpoint calls with statements and an answer of its own
 * (the WeChat push registers a customer-service message as a ticket).
 */


#ifndef _NGX_HTTP_LIAISON_TICKETS_H_INCLUDED_
#define _NGX_HTTP_LIAISON_TICKETS_H_INCLUDED_


#include "ngx_http_liaison_common.h"
#include "lsn_caseno.h"
#include "lsn_ticket.h"


typedef struct ngx_http_liaison_intake_s  ngx_http_liaison_intake_t;

typedef void (*ngx_http_liaison_intake_pt)(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);


struct ngx_http_liaison_intake_s {
    /* the request: content passed lsn_text_valid() */
    int                         channel;
    int                         category;
    ngx_str_t                   content;
    ngx_str_t                   contact_name;    /* data NULL: none */
    ngx_str_t                   contact_phone;
    lsn_caseno_t                caseno;
    ngx_uint_t                  has_case;
    ngx_str_t                   idem_key;        /* len 0: none */
    char                        body_hash[65];   /* with idem_key */

    /*
     * The caller's: extra appends statements to the transaction before
     * its COMMIT (the ticket's number and code are known by then); done
     * answers the client once the transaction ended, op->rc telling how.
     */
    ngx_http_liaison_intake_pt  extra;
    ngx_http_liaison_intake_pt  done;
    void                       *data;
    ngx_uint_t                  tells_answer;    /* an answer on receipt
                                                    reaches the litigant
                                                    through the caller */

    /* the outcome */
    lsn_track_e                 track;
    lsn_triage_result_t         triage;
    char                        ticket_no[32];
    char                        query_code[LSN_QUERY_CODE_LEN + 1];
    time_t                      due_at;
    uint64_t                    routed;          /* A3: the office's dept */
    ngx_uint_t                  routed_read;
    uint64_t                    canned_id;       /* answered on receipt */
    ngx_str_t                   answer;          /*   with this text */
    ngx_str_t                   response;        /* the 201 body */

    /* the service's own */
    char                        principal[48];
    ngx_uint_t                  need_seq;
    ngx_uint_t                  rereads;         /* of a key that raced */
};


/*
 * Registers a ticket for the caller in ctx->who/subject_id: triage, due
 * time, number and query code, and when one canned answer fits with
 * confidence (A4, core/lsn_canned.h) the answer, in one transaction; then
 * in->done(ctx, in), with the transaction's outcome in ctx->op.
 */
void ngx_http_liaison_intake_start(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_tickets_endpoints[];


#endif /* _NGX_HTTP_LIAISON_TICKETS_H_INCLUDED_ */
