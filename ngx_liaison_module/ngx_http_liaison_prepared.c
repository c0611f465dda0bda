
/*
 * Copyright (C) Liaison authors
 */


#include "ngx_http_liaison_prepared.h"
#include "ngx_http_liaison_buf.h"
#include "ngx_http_liaison_outbox.h"
#include "lsn_outbox.h"


/*
 * The new ticket (ngx_http_liaison_intake_write() binds the values in
 * this order); with a case number, its case and, unless the category
 * routes it, the case's office.
 */
#define NGX_HTTP_LIAISON_PS_TICKET_SQL(case_id, department)                   \
    "INSERT INTO tickets (ticket_no, query_code, channel, category, "        \
    "track, status, case_no, case_legacy, case_id, content, "                \
    "contact_name, contact_phone, owner_litigant_id, registered_by, "        \
    "department_id, created_at, due_at, updated_at, content_review, "        \
    "dispatched_at, accept_due_at, replied_at, canned_answer_id, "           \
    "triage_rule, risk_flag, risk_rules) VALUES "                            \
    "($z, $z, $z, $z, $z, $z, $s, $i, " case_id ", $s, $s, $s, "             \
    "NULLIF($u, 0), NULLIF($u, 0), " department ", $t, $t, $t, $z, "        \
    "IF($u, $t, NULL), IF($u, $t, NULL), IF($u, $t, NULL), NULLIF($u, 0), " \
    "$s, $i, $s)"


/* a ticket by id, or with 0 the one the intake just wrote */
#define NGX_HTTP_LIAISON_PS_T  "COALESCE(NULLIF($u, 0), @lsn_ticket)"

/* one channel of an alert to the case-filing division (A10) */
#define NGX_HTTP_LIAISON_PS_DIVISION(col)                                     \
    "SELECT $z, " col ", NULL, " LSN_OUTBOX_TEXT("$s") ", "                  \
    NGX_HTTP_LIAISON_PS_T ", $z, $t, $t FROM staff s WHERE s.active = 1 "   \
    "AND " col " IS NOT NULL AND (" LSN_OUTBOX_DIVISION ")"


static ngx_int_t ngx_http_liaison_ps_placeholders(ngx_pool_t *pool,
    ngx_str_t *sql, ngx_str_t *text);


ngx_http_liaison_ps_t  ngx_http_liaison_ps[] = {

    /*
     * the public's and the owner's status read: no staff column; the
     * tickets of several requests at once (ngx_http_liaison_batch.h),
     * the places not needed given '' (no ticket's number)
     */
    { ngx_string("lsn_status"),
      ngx_string(NGX_HTTP_LIAISON_STATUS_COLS "0"
                 NGX_HTTP_LIAISON_STATUS_REST("NULL, NULL", "NULL", "NULL")
                 "WHERE t.ticket_no IN ($s, $s, $s, $s, $s, $s, $s, $s, "
                 "$s, $s, $s, $s, $s, $s, $s, $s)") },

    /* an intake's Idempotency-Key and its answer */
    { ngx_string("lsn_key"),
      ngx_string("INSERT INTO idempotency_keys (principal, idem_key, "
                 "request_hash, status, response, created_at) "
                 "VALUES ($z, $s, $z, 201, $s, $t)") },

    { ngx_string("lsn_ticket"),
      ngx_string(NGX_HTTP_LIAISON_PS_TICKET_SQL("NULL", "NULLIF($u, 0)")) },

    { ngx_string("lsn_ticket_case"),
      ngx_string(NGX_HTTP_LIAISON_PS_TICKET_SQL(
          "(SELECT c.id FROM cases c WHERE c.case_no = $s)",
          "COALESCE(NULLIF($u, 0), (SELECT c.department_id FROM cases c "
          "WHERE c.case_no = $s))")) },

    /* its first event; @lsn_ticket is the ticket for what follows */
    { ngx_string("lsn_registered"),
      ngx_string("INSERT INTO ticket_events (ticket_id, type, actor_kind, "
                 "actor_id, actor_role, status_from, status_to, note, "
                 "public, created_at) VALUES (@lsn_ticket := "
                 "LAST_INSERT_ID(), 'registered', $z, NULLIF($u, 0), $s, "
                 "NULL, 'registered', NULL, 1, $t)") },

    /* the caller's SMS of the ticket just written */
    { ngx_string("lsn_sms"),
      ngx_string(LSN_OUTBOX_INSERT "VALUES ($z, $s, NULL, "
                 LSN_OUTBOX_TEXT("$s") ", @lsn_ticket, $z, $t, $t)") },

    /* a routed category's (A3): its office named, its people told */
    { ngx_string("lsn_dispatched"),
      ngx_string("INSERT INTO ticket_events (ticket_id, type, actor_kind, "
                 "status_from, status_to, note, public, created_at) "
                 "SELECT @lsn_ticket, 'dispatched', 'system', 'registered', "
                 "'dispatched', CONCAT('按类别直接转', d.name, '办理'), 1, $t "
                 "FROM departments d WHERE d.id = $u") },

    { ngx_string("lsn_work_order"),
      ngx_string(LSN_OUTBOX_INSERT
                 NGX_HTTP_LIAISON_WORK_ORDER_TO("s.mobile") " UNION ALL "
                 NGX_HTTP_LIAISON_WORK_ORDER_TO("s.wecom_userid")) },

    /* a key a complaint is filed under (A17; the worker decides) */
    { ngx_string("lsn_complaint_key"),
      ngx_string("INSERT INTO complaint_keys (match_key, ticket_id, "
                 "verified, created_at) VALUES ($s, @lsn_ticket, $u, $t)") },

    /*
     * What the triage rules found (A10), for a ticket by id, or for the
     * one the intake just wrote (0: @lsn_ticket): a rule hit (of the
     * message in @lsn_message when the second value is 1), a risk opened
     * and its first stage, the internal event, the alert to the
     * case-filing division.
     */
    { ngx_string("lsn_triage_hit"),
      ngx_string("INSERT INTO triage_hits (ticket_id, message_id, rule_id, "
                 "action, label, created_at) VALUES (" NGX_HTTP_LIAISON_PS_T
                 ", IF($u, @lsn_message, NULL), $z, $z, $z, $t)") },

    { ngx_string("lsn_risk_opened"),
      ngx_string("INSERT INTO risks (ticket_id, level, source, rule_id, "
                 "note, stage, stage_since, created_at) VALUES ("
                 NGX_HTTP_LIAISON_PS_T ", $z, 'rule', $z, $s, 'received', "
                 "$t, $t)") },

    { ngx_string("lsn_risk_received"),
      ngx_string("INSERT INTO risk_events (risk_id, stage, staff_id, note, "
                 "created_at) VALUES (LAST_INSERT_ID(), 'received', NULL, "
                 "$s, $t)") },

    { ngx_string("lsn_risk_signal"),
      ngx_string("INSERT INTO ticket_events (ticket_id, type, actor_kind, "
                 "note, public, created_at) VALUES (" NGX_HTTP_LIAISON_PS_T
                 ", 'risk_signal', 'system', $s, 0, $t)") },

    { ngx_string("lsn_risk_alert"),
      ngx_string(LSN_OUTBOX_INSERT
                 NGX_HTTP_LIAISON_PS_DIVISION("s.mobile") " UNION ALL "
                 NGX_HTTP_LIAISON_PS_DIVISION("s.wecom_userid")) },

    { ngx_null_string, ngx_null_string }
};


ngx_str_t *
ngx_http_liaison_ps_prepare(ngx_pool_t *pool)
{
    ngx_str_t               *prepare, text;
    ngx_uint_t               i;
    ngx_http_liaison_buf_t   b;

    prepare = ngx_pcalloc(pool, NGX_HTTP_LIAISON_PS_N * sizeof(ngx_str_t));
    if (prepare == NULL) {
        return NULL;
    }

    for (i = 0; i < NGX_HTTP_LIAISON_PS_N; i++) {
        if (ngx_http_liaison_ps_placeholders(pool, &ngx_http_liaison_ps[i].sql,
                                             &text)
            != NGX_OK
            || ngx_http_liaison_buf_init(&b, pool, 0) != NGX_OK)
        {
            return NULL;
        }

        ngx_http_liaison_buf_sql(&b, "PREPARE ");
        ngx_http_liaison_buf_raw(&b, ngx_http_liaison_ps[i].name.data,
                                 ngx_http_liaison_ps[i].name.len);
        ngx_http_liaison_buf_sql(&b, " FROM $s", text.data, text.len);

        if (ngx_http_liaison_buf_str(&b, &prepare[i]) != NGX_OK) {
            return NULL;
        }
    }

    return prepare;
}


/* The builder's directives as placeholders: "$u" becomes "?", "$$" "$". */

static ngx_int_t
ngx_http_liaison_ps_placeholders(ngx_pool_t *pool, ngx_str_t *sql,
    ngx_str_t *text)
{
    u_char  *p, *s, *end;

    text->data = ngx_pnalloc(pool, sql->len);
    if (text->data == NULL) {
        return NGX_ERROR;
    }

    p = text->data;
    end = sql->data + sql->len;

    for (s = sql->data; s < end; s++) {
        if (*s == '$' && s + 1 < end && ngx_strchr("sziut$", s[1])) {
            *p++ = (s[1] == '$') ? '$' : '?';
            s++;
            continue;
        }

        *p++ = *s;
    }

    text->len = p - text->data;

    return NGX_OK;
}
