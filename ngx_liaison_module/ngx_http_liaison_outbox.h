
/*
 * Copyright (C) Liaison authors
 *
 * What the module's transactions put in the outbox for the worker to
 * send (core/lsn_outbox.h is the contract): each appends one statement to
 * the next batch, so the message commits with the change it tells of.
 */


#ifndef _NGX_HTTP_LIAISON_OUTBOX_H_INCLUDED_
#define _NGX_HTTP_LIAISON_OUTBOX_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/*
 * The ticket's text (message_sql NULL) or the message in @lsn_message to
 * WeChat's msg_sec_check, when the owner has a WeChat identity.
 */
void ngx_http_liaison_outbox_content_check(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, ngx_uint_t message);

/* A staff reply pushed to the ticket's WeChat owner (subscribe message). */
void ngx_http_liaison_outbox_reply(ngx_http_liaison_ctx_t *ctx,
    uint64_t ticket_id, ngx_str_t *reply);
/* The same for the ticket of that number. */
void ngx_http_liaison_outbox_reply_no(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, ngx_str_t *reply);

/*
 * An SMS with text to the contact mobile of a ticket whose owner is not on
 * WeChat (web, kiosk, hall, hotline), who hears of it no other way.
 */
void ngx_http_liaison_outbox_owner_sms(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, lsn_kind_e kind, ngx_str_t *text);

/*
 * An SMS and a WeCom message to whoever handles the work order now: its
 * assignee, or with nobody assigned the department's leader and liaison.
 * kind is LSN_KIND_WORK_ORDER (dispatched or transferred to them) or
 * LSN_KIND_TICKET_MESSAGE (the litigant added to it).  Written after the
 * change in the same transaction, so it reads the new handler.
 */
void ngx_http_liaison_outbox_handlers(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, lsn_kind_e kind);

/* A customer-service text message to an openid (the push callback). */
void ngx_http_liaison_outbox_custom(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *openid, const char *text, const char *ticket_no);

/*
 * An SMS and a WeCom message with text about the ticket to every active
 * member of staff s for whom who (a constant condition on s, which may
 * read the ticket as t) is true and who has a mobile or a WeCom id.
 */
void ngx_http_liaison_outbox_staff(ngx_http_liaison_ctx_t *ctx,
    lsn_kind_e kind, const char *ticket_no, ngx_str_t *text,
    const char *who);

/* the case-filing division: its leader, the filing administrators and
   the platform staff (A10) */
#define NGX_HTTP_LIAISON_TO_DIVISION                                          \
    "s.role IN ('filing_admin', 'platform_staff') "                          \
    "OR s.id IN (SELECT leader_staff_id FROM departments "                   \
    "WHERE kind = 'filing')"

/* discipline inspection (A17) */
#define NGX_HTTP_LIAISON_TO_DISCIPLINE  "s.role = 'discipline'"

/* whoever referred the ticket to discipline inspection (A17) */
#define NGX_HTTP_LIAISON_TO_REFERRER                                          \
    "s.id IN (SELECT actor_id FROM ticket_events "                           \
    "WHERE ticket_id = t.id AND type = 'referred')"


#endif /* _NGX_HTTP_LIAISON_OUTBOX_H_INCLUDED_ */
