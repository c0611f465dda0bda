/*
 * Liaison: the outbox, the contract between the module (and the worker's
 * own jobs), which write messages, and the worker, which sends them.
 * Plain C: shared by the module, the worker and unit tests.
 *
 * A row is one message to one recipient on one channel:
 *
 *   channel       recipient         payload (JSON)
 *   wx_subscribe  openid            {"data": {key: value, ...}, "page"}
 *                                   (template_id: the subscribe template)
 *   wx_template   openid            {"data": {...}, "url"|"miniprogram"}
 *   sms           mobile number     {"text"}
 *   wecom         WeCom userid      {"text"}
 *   wx_sec_check  openid            {"version": 2, "scene", "content",
 *                                    "ticket_id", "message_id"}
 *   wx_custom     openid            {"touser", "msgtype": "text",
 *                                    "text": {"content"}}
 *
 * kind says what the message is about (lsn_outbox_kinds, or for the A8
 * ladder the level's name, lsn_ladder_level_name()).  status, attempts,
 * claims and outcomes are the worker's (docs/worker.md).
 */

#ifndef _LSN_OUTBOX_H_INCLUDED_
#define _LSN_OUTBOX_H_INCLUDED_


#include <stddef.h>


typedef enum {
    LSN_CH_WX_SUBSCRIBE = 0,
    LSN_CH_WX_TEMPLATE,
    LSN_CH_SMS,
    LSN_CH_WECOM,
    LSN_CH_WX_SEC_CHECK,        /* msg_sec_check of litigants' text */
    LSN_CH_WX_CUSTOM,           /* customer-service message */
    LSN_CH_COUNT
} lsn_channel_e;


typedef enum {
    LSN_KIND_TICKET_REPLY = 0,  /* a staff reply, to the owner */
    LSN_KIND_CASE_NODE,         /* a case's process node (A7) */
    LSN_KIND_CONTENT_CHECK,     /* a litigant's text to msg_sec_check */
    LSN_KIND_PUSH_REPLY,        /* the answer to a pushed message */
    LSN_KIND_RISK_ALERT,        /* an A10 warning, to the filing division */
    LSN_KIND_RISK_OVERDUE,      /* a risk stuck in a stage */
    LSN_KIND_SMS_FALLBACK,      /* no subscribe consent left: an SMS */
    LSN_KIND_CALENDAR_MISSING,  /* next year's calendar is not loaded */
    LSN_KIND_TICKET_REGISTERED, /* number and query code, by SMS */
    LSN_KIND_WORK_ORDER,        /* dispatched or transferred: the handler */
    LSN_KIND_TICKET_MESSAGE,    /* the litigant added to a work order */
    LSN_KIND_SUPERVISION,       /* special supervision started (A17) */
    LSN_KIND_REFERRAL,          /* referred to discipline inspection */
    LSN_KIND_REFERRAL_CONCLUDED, /* ... who concluded it: the referrer */
    LSN_KIND_TICKET_ANSWERED,   /* answered on receipt, to a caller
                                   without WeChat (A4) */
    LSN_KIND_LIAISON_CHANGE,    /* A15: reported, due, overdue, published */
    LSN_KIND_FOLLOW_UP,         /* A14: assigned, reminders, overdue */
    LSN_KIND_BULLETIN,          /* A12: the bulletin's items for an office */
    LSN_KIND_TICKET_CLOSED,     /* closed by itself: no follow-up (A4) */
    LSN_KIND_COUNT
} lsn_kind_e;


/* by lsn_channel_e, by lsn_kind_e; NULL-terminated */
extern const char *lsn_outbox_channels[];
extern const char *lsn_outbox_kinds[];

int lsn_outbox_channel_index(const char *s, size_t len);


/*
 * Every insert names these columns, in this order, and lets status and
 * attempts take their defaults ('pending', 0):
 *   (channel, recipient, template_id, payload, ticket_id, kind,
 *    next_attempt_at, created_at)
 */
#define LSN_OUTBOX_INSERT                                                     \
    "INSERT INTO outbox (channel, recipient, template_id, payload, "         \
    "ticket_id, kind, next_attempt_at, created_at) "

/*
 * The mini-program pages a subscribe message opens ("page" in the
 * payload), the ticket's number or the case's number appended.
 */
#define LSN_PAGE_TICKET  "pages/ticket/detail?ticket_no="
#define LSN_PAGE_CASE    "pages/case/nodes?case_no="

/*
 * The case-filing division's people as a condition on staff s: its leader
 * (the 'filing' department's), the filing administrators and the platform
 * staff (A10 risk alerts, A15 liaison changes).
 */
#define LSN_OUTBOX_DIVISION                                                   \
    "s.role IN ('filing_admin', 'platform_staff') "                          \
    "OR s.id IN (SELECT leader_staff_id FROM departments "                   \
    "WHERE kind = 'filing')"

/* the payload of an sms or wecom row, from a SQL expression of the text */
#define LSN_OUTBOX_TEXT(expr)  "JSON_OBJECT('text', " expr ")"


#endif /* _LSN_OUTBOX_H_INCLUDED_ */
