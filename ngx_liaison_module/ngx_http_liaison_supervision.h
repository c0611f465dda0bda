
/*
 * Copyright (C) Liaison authors
 *
 * A17 special supervision as the module starts it: a low satisfaction
 * rating (feedback), a leader's or the case-filing division's decision
 * (the supervise action); and the keys a complaint is filed under.  The
 * worker starts it for repeated complaints and idle work orders with the
 * same statements (core/lsn_supervision.h).
 */


#ifndef _NGX_HTTP_LIAISON_SUPERVISION_H_INCLUDED_
#define _NGX_HTTP_LIAISON_SUPERVISION_H_INCLUDED_


#include "ngx_http_liaison_common.h"
#include "lsn_supervision.h"


/*
 * Appends to the next batch the statements that put the tickets t for
 * which the condition tickets is true (SQL bound by the caller with
 * ngx_http_liaison_buf_sql()) under supervision for the reason: the
 * internal 'supervised' event (actor: staff actor, or the system when 0;
 * note: note, or the reason and "，列入专项督办"), the alert to the leader
 * who answers for each, the mark.  With event 0 the caller records the
 * event itself.  Tickets already supervised are left alone.
 */
void ngx_http_liaison_supervise(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *tickets, lsn_supervise_reason_e reason, ngx_str_t *why,
    uint64_t actor, ngx_str_t *note, ngx_uint_t event);

/*
 * At intake of a complaint (the ticket in @lsn_ticket, which the intake
 * just wrote): files it under what it is about (the contact phone, the
 * case, the owner litigant).  liaison-worker puts a matter's complaints
 * under supervision once its window holds the count of verified ones
 * (supervision_complaints, supervision_window_days).  Verified: filed
 * with a litigant token or registered by staff; an anonymous complaint (a
 * phone anyone may type) is filed and supervised along, never counted.
 */
void ngx_http_liaison_complaint_keys(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *phone, const char *case_no, uint64_t owner,
    ngx_uint_t verified);


#endif /* _NGX_HTTP_LIAISON_SUPERVISION_H_INCLUDED_ */
