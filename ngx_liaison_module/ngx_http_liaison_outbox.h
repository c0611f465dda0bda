
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
 * The same from the intake that just wrote the ticket (its id in
 * @lsn_ticket): by value, to the contact mobile it was given, if it is one.
 */
void ngx_http_liaison_outbox_intake_sms(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *mobile, lsn_kind_e kind, ngx_str_t *text);

/*
 * An SMS and a WeCom message to whoever handles the work order now: its
 * assignee, or with nobody assigned the department's leader and liaison.
 * kind is LSN_KIND_WORK_ORDER (dispatched or transferred to them) or
 * LSN_KIND_TICKET_MESSAGE (the litigant added to it).  Written after the
 * change in the same transaction, so it reads the new handler.
 */
void ngx_http_liaison_outbox_handlers(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, lsn_kind_e kind);

/*
 * The handlers of a work order, as "FROM tickets t JOIN staff s ...", and
 * the text of each kind built by SQL from the ticket as it is at that point
 * of the transaction (for a follow-up: the message in @lsn_message).
 */
#define NGX_HTTP_LIAISON_HANDLERS                                             \
    " FROM tickets t JOIN staff s ON s.active = 1 "                          \
    "AND (s.id = t.assignee_staff_id OR (t.assignee_staff_id IS NULL "       \
    "AND s.department_id = t.department_id "                                 \
    "AND s.role IN ('dept_leader', 'liaison')))"

#define NGX_HTTP_LIAISON_WORK_ORDER_TEXT                                      \
    "CONCAT('【诉讼服务工单】您有新的工单 ', t.ticket_no, '：', "            \
    "LEFT(t.content, 40), IF(CHAR_LENGTH(t.content) > 40, '……', ''), "       \
    "'。请于', DATE_FORMAT(COALESCE(t.accept_due_at, t.due_at), "            \
    "'%m月%d日%H:%i'), '前接收，', DATE_FORMAT(t.due_at, '%m月%d日%H:%i'), " \
    "'前答复。')"

#define NGX_HTTP_LIAISON_MESSAGE_TEXT                                         \
    "CONCAT('【诉讼服务工单】当事人对工单 ', t.ticket_no, ' 补充了信息：', " \
    "LEFT(m.content, 40), IF(CHAR_LENGTH(m.content) > 40, '……', ''), "       \
    "'，请及时处理。')"

/* one channel of a work order's notice: SMS (s.mobile) or WeCom */
#define NGX_HTTP_LIAISON_WORK_ORDER_TO(col)                                   \
    "SELECT $z, " col ", NULL, "                                             \
    LSN_OUTBOX_TEXT(NGX_HTTP_LIAISON_WORK_ORDER_TEXT) ", t.id, $z, $t, $t"   \
    NGX_HTTP_LIAISON_HANDLERS " WHERE t.id = @lsn_ticket AND " col           \
    " IS NOT NULL"

/*
 * The same for a work order the intake's transaction just wrote (the
 * ticket in @lsn_ticket), as a prepared statement.
 */
void ngx_http_liaison_outbox_work_order(ngx_http_liaison_ctx_t *ctx);

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
#define NGX_HTTP_LIAISON_TO_DIVISION  LSN_OUTBOX_DIVISION

/* discipline inspection (A17) */
#define NGX_HTTP_LIAISON_TO_DISCIPLINE  "s.role = 'discipline'"

/* whoever referred the ticket to discipline inspection (A17) */
#define NGX_HTTP_LIAISON_TO_REFERRER                                          \
    "s.id IN (SELECT actor_id FROM ticket_events "                           \
    "WHERE ticket_id = t.id AND type = 'referred')"

/*
 * A recorded duty's alert (A12, A14, A15): an SMS and a WeCom message with
 * text to every active staff member s whom from selects, and the step of
 * the subject in duty_alerts with them as its recipients, once.  text (a
 * SQL expression), subject_id (a SQL expression, e.g. a variable an
 * earlier statement of the batch set, 0 when it wrote nothing: then
 * nothing is recorded or sent) and from ("FROM ... WHERE ...", naming
 * staff s) are constants of the code.
 */
void ngx_http_liaison_outbox_duty(ngx_http_liaison_ctx_t *ctx,
    lsn_kind_e kind, const char *subject, const char *subject_id,
    const char *step, const char *text, const char *from);


/*
 * The alerts of a subject as a JSON array inside JSON_OBJECT(): [{step,
 * at, skipped, recipients: [names]}] (null: none yet); subject is a
 * string literal, id a SQL expression.
 */
#define NGX_HTTP_LIAISON_DUTY_ALERTS(subject, id)                             \
    "(SELECT JSON_ARRAYAGG(JSON_OBJECT('step', a.step, 'at', "               \
    "DATE_FORMAT(a.fired_at, '%Y-%m-%dT%H:%i:%s+08:00'), 'skipped', "        \
    NGX_HTTP_LIAISON_SQL_BOOL("a.skipped = 1") ", 'recipients', "           \
    "(SELECT JSON_ARRAYAGG(r.name ORDER BY r.id) FROM staff r "              \
    "WHERE FIND_IN_SET(r.id, a.recipients))) ORDER BY a.fired_at, a.step) "  \
    "FROM duty_alerts a WHERE a.subject = '" subject "' "                    \
    "AND a.subject_id = " id ")"


#endif /* _NGX_HTTP_LIAISON_OUTBOX_H_INCLUDED_ */
