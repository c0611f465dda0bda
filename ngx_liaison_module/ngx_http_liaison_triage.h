
/*
 * Copyright (C) Liaison authors
 *
 * Triage (繁简分流) and risk signals (A10) by the rules of
 * liaison_triage_rules, and what a ticket's transaction writes of them.
 */


#ifndef _NGX_HTTP_LIAISON_TRIAGE_H_INCLUDED_
#define _NGX_HTTP_LIAISON_TRIAGE_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/* liaison_triage_rules PATH: compiled once per configuration */
char *ngx_http_liaison_triage_rules(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* The rules over a request's text (no rules: the category decides). */
void ngx_http_liaison_triage_run(ngx_http_liaison_ctx_t *ctx,
    int category, ngx_str_t *text, lsn_triage_result_t *res);

/*
 * "id,id,...": the risk rules hit, at most 255 bytes, in the pool; len 0
 * when there are none.
 */
ngx_int_t ngx_http_liaison_triage_risks(ngx_pool_t *pool,
    lsn_triage_result_t *res, ngx_str_t *list);

/*
 * Appends to the next batch the values of a ticket's (triage_rule,
 * risk_flag, risk_rules) columns, for an INSERT INTO tickets.
 */
void ngx_http_liaison_triage_columns(ngx_http_liaison_ctx_t *ctx,
    lsn_triage_result_t *res);

/*
 * Appends ";INSERT INTO triage_hits ...": the rule that set the track and
 * every risk rule hit of the ticket ticket_id (0: the ticket in
 * @lsn_ticket, which the intake's transaction just wrote); nothing when
 * there are none.  message: the hits are of the message whose id is in
 * @lsn_message.
 */
void ngx_http_liaison_triage_hits(ngx_http_liaison_ctx_t *ctx,
    uint64_t ticket_id, lsn_triage_result_t *res, ngx_uint_t message);


/*
 * The risk signals of res (A10), for the ticket's transaction: unless the
 * ticket has an open risk already (open_risk), one is opened at stage
 * "received" with the highest level of the rules hit; an internal
 * timeline event records the signal and the case-filing division is
 * alerted at once (SMS and WeCom through the outbox), quoting text.
 * ticket_id as for ngx_http_liaison_triage_hits(); ticket_no names it in
 * the alert.  Nothing when res holds no risk.
 */
void ngx_http_liaison_triage_risk(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, uint64_t ticket_id, lsn_triage_result_t *res,
    ngx_str_t *text, ngx_uint_t open_risk);


#endif /* _NGX_HTTP_LIAISON_TRIAGE_H_INCLUDED_ */
