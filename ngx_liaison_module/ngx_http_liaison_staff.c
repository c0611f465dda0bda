
/*
 * Copyright (C) Liaison authors
 *
 * Staff work: the worklist and the actions on a ticket (triage, reply,
 * dispatch, accept, return, close, transfer, note, risk, refer).  Each
 * action is one transaction: the ticket row is locked, the state machine
 * and the caller's scope are checked in C, then the change and its
 * timeline event are written together.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_outbox.h"
#include "ngx_http_liaison_supervision.h"
#include "ngx_http_liaison_scope.h"
#include "ngx_http_liaison_staff.h"
#include "lsn_caseno.h"
#include "lsn_triage.h"
#include "lsn_text.h"
#include "lsn_ticket.h"


#define NGX_HTTP_LIAISON_REPLY_MAX   2000
#define NGX_HTTP_LIAISON_REASON_MAX  500
#define NGX_HTTP_LIAISON_SMS_QUOTE   60       /* characters of a reply */
#define NGX_HTTP_LIAISON_QUERY_MAX   50
/* a text search reads at most the newest this many tickets */
#define NGX_HTTP_LIAISON_TEXT_SCAN   20000


typedef struct {
    lsn_action_e                action;
    lsn_role_e                  role;

    /* from the body */
    ngx_str_t                   text;        /* reply, note, reason */
    ngx_str_t                   quote;       /* its start, for messages */
    const char                 *risk_level;  /* a note that raises a risk */
    ngx_uint_t                  refer;       /* a note that refers (A17) */
    ngx_uint_t                  supervise;   /* ... that supervises */
    ngx_uint_t                  conclude;    /* ... that concludes */
    ngx_uint_t                  close;
    int                         new_track;
    int                         new_category;
    uint64_t                    target_staff;
    uint64_t                    target_dept;

    /* the locked ticket */
    char                        ticket_no[32];
    uint64_t                    ticket_id;
    int                         status;
    int                         track;
    uint64_t                    dept;
    uint64_t                    assignee;
    uint64_t                    case_judge;
    ngx_uint_t                  in_charge;   /* vice president's dept */
    ngx_uint_t                  supervised;  /* A17 special supervision */
    ngx_uint_t                  referred;    /* ... already referred */
    ngx_uint_t                  concluded;   /* ... and concluded */
    ngx_uint_t                  inspectors;  /* discipline accounts */
    int                         next;
} ngx_http_liaison_action_t;


typedef struct {
    int                         status;
    const char                 *track;
    ngx_uint_t                  overdue;
    ngx_uint_t                  escalated;
    ngx_uint_t                  mine;
    ngx_uint_t                  all;         /* finished ones too */
    ngx_uint_t                  risk;        /* A10: flagged or warned */

    /* q=: a ticket number, a phone, a case number, or words */
    ngx_str_t                   q;
    ngx_str_t                   like;        /* words as a LIKE pattern */
    lsn_caseno_t                caseno;
    enum {
        NGX_HTTP_LIAISON_Q_NONE = 0,
        NGX_HTTP_LIAISON_Q_TICKET,
        NGX_HTTP_LIAISON_Q_PHONE,
        NGX_HTTP_LIAISON_Q_CASE,
        NGX_HTTP_LIAISON_Q_TEXT
    }                           q_kind;
} ngx_http_liaison_worklist_t;


static void ngx_http_liaison_worklist(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_worklist_query(
    ngx_http_liaison_ctx_t *ctx, ngx_http_liaison_worklist_t *wl);
static void ngx_http_liaison_worklist_where(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_worklist_t *wl);
static void ngx_http_liaison_worklist_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_action(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_action_body(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_action_locked(ngx_http_liaison_db_op_t *op);
static char *ngx_http_liaison_a17_conflict(ngx_http_liaison_action_t *act);
static ngx_int_t ngx_http_liaison_action_check(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act, MYSQL_RES *target);
static ngx_uint_t ngx_http_liaison_receiver(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_action_write(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_action_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_risk_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_a17_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static u_char *ngx_http_liaison_quote(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_reply_sms(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);


/*
 * GET /staff/tickets?status=&track=&overdue=1&escalated=1&mine=1&all=1
 * &risk=1&q=&page=
 * Without status= the list holds what still waits on the court; all=1 adds
 * the answered, replied and closed ones.  Risky tickets (A10) come first,
 * then by due time.
 */

static void
ngx_http_liaison_worklist(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t                     v;
    ngx_uint_t                    page, per_page;
    ngx_http_request_t           *r;
    ngx_http_liaison_worklist_t  *wl;

    r = ctx->r;

    wl = ngx_pcalloc(r->pool, sizeof(ngx_http_liaison_worklist_t));
    if (wl == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    wl->status = -1;

    if (ngx_http_liaison_page(ctx, &page, &per_page) != NGX_OK) {
        return;
    }

    if (ngx_http_liaison_arg(r, "status", &v) == NGX_OK) {
        wl->status = lsn_status_index((char *) v.data, v.len);
        if (wl->status < 0) {
            ngx_http_liaison_invalid(ctx, "未知的状态", "status");
            return;
        }
    }

    if (ngx_http_liaison_arg(r, "track", &v) == NGX_OK) {
        if (v.len == 6 && ngx_strncmp(v.data, "simple", 6) == 0) {
            wl->track = "simple";

        } else if (v.len == 8 && ngx_strncmp(v.data, "ordinary", 8) == 0) {
            wl->track = "ordinary";

        } else {
            ngx_http_liaison_invalid(ctx, "track 须为 simple 或 ordinary",
                                     "track");
            return;
        }
    }

    wl->overdue = ngx_http_liaison_flag_arg(r, "overdue");
    wl->escalated = ngx_http_liaison_flag_arg(r, "escalated");
    wl->mine = ngx_http_liaison_flag_arg(r, "mine");
    wl->all = ngx_http_liaison_flag_arg(r, "all");
    wl->risk = ngx_http_liaison_flag_arg(r, "risk");

    if (ngx_http_liaison_worklist_query(ctx, wl) != NGX_OK) {
        return;
    }

    ngx_http_liaison_sql(ctx, "SELECT COUNT(*) FROM tickets t");
    ngx_http_liaison_worklist_where(ctx, wl);

    ngx_http_liaison_sql(ctx,
        ";SELECT t.ticket_no, t.channel, t.category, t.track, t.status, "
        "t.case_no, LEFT(t.content, 60), t.created_at, t.due_at, "
        "t.escalation_level, t.department_id, d.name, t.assignee_staff_id, "
        "s.name, t.due_at < $t AND t.status IN ('registered', "
        "'dispatched', 'accepted', 'reopened'), t.supervised, t.risk_flag, "
        "(SELECT CONCAT(r.id, ' ', r.stage) FROM risks r "
        "WHERE r.ticket_id = t.id AND r.closed_at IS NULL "
        "ORDER BY r.id DESC LIMIT 1) "
        /* the page's ids first, then their rows */
        "FROM (SELECT t.id, t.risk_flag, t.due_at FROM tickets t",
        ctx->now);
    ngx_http_liaison_worklist_where(ctx, wl);

    ngx_http_liaison_sql(ctx,
        " ORDER BY t.risk_flag DESC, t.due_at, t.id LIMIT $u OFFSET $u) p "
        "JOIN tickets t ON t.id = p.id "
        "LEFT JOIN departments d ON d.id = t.department_id "
        "LEFT JOIN staff s ON s.id = t.assignee_staff_id "
        "ORDER BY p.risk_flag DESC, p.due_at, p.id",
        (unsigned long long) per_page,
        (unsigned long long) ((page - 1) * per_page));

    /* only reads; a few ms of lag are fine (liaison_db_read) */
    ctx->lag_ok = 1;
    ngx_http_liaison_run(ctx, ngx_http_liaison_worklist_done);
}


/*
 * q=: a ticket number, a phone number or a case number is looked up by
 * its index; anything else is words (1..50 characters) searched in the
 * content and the contact's name of the newest tickets only, so a search
 * stays bounded however many tickets there are.
 */

static ngx_int_t
ngx_http_liaison_worklist_query(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_worklist_t *wl)
{
    u_char     *p, *src, *dst, c;
    ngx_str_t   v;

    if (ngx_http_liaison_arg(ctx->r, "q", &v) != NGX_OK || v.len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(ctx->r->pool, v.len + 1);
    if (p == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    /* "+" is a space in a query string */
    for (src = v.data, dst = p; src < v.data + v.len; src++) {
        *dst++ = (*src == '+') ? ' ' : *src;
    }

    src = p;
    dst = p;
    ngx_unescape_uri(&dst, &src, v.len, 0);

    /* surrounding white space is a slip of the finger */
    wl->q.data = p;
    wl->q.len = dst - p;

    while (wl->q.len && (wl->q.data[0] == ' ' || wl->q.data[0] == '\t')) {
        wl->q.data++;
        wl->q.len--;
    }

    while (wl->q.len && (wl->q.data[wl->q.len - 1] == ' '
                         || wl->q.data[wl->q.len - 1] == '\t'))
    {
        wl->q.len--;
    }

    if (wl->q.len == 0) {
        return NGX_OK;
    }

    if (lsn_text_valid(wl->q.data, wl->q.len, 1, NGX_HTTP_LIAISON_QUERY_MAX)
        != 0)
    {
        ngx_http_liaison_invalid(ctx, "搜索内容须为 1 到 50 个字符", "q");
        return NGX_ERROR;
    }

    if (lsn_ticket_no_valid((char *) wl->q.data, wl->q.len)) {
        wl->q_kind = NGX_HTTP_LIAISON_Q_TICKET;
        return NGX_OK;
    }

    if (lsn_phone_valid((char *) wl->q.data, wl->q.len)) {
        wl->q_kind = NGX_HTTP_LIAISON_Q_PHONE;
        return NGX_OK;
    }

    if (lsn_caseno_parse((char *) wl->q.data, wl->q.len, &wl->caseno) == 0) {
        wl->q_kind = NGX_HTTP_LIAISON_Q_CASE;
        return NGX_OK;
    }

    /* words: LIKE's own characters taken literally */
    wl->q_kind = NGX_HTTP_LIAISON_Q_TEXT;

    p = ngx_pnalloc(ctx->r->pool, 2 * wl->q.len + 2);
    if (p == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    wl->like.data = p;
    *p++ = '%';

    for (src = wl->q.data; src < wl->q.data + wl->q.len; src++) {
        c = *src;

        if (c == '%' || c == '_' || c == '\\') {
            *p++ = '\\';
        }

        *p++ = c;
    }

    *p++ = '%';
    wl->like.len = p - wl->like.data;

    return NGX_OK;
}


/* The caller's scope, then the filters. */

static void
ngx_http_liaison_worklist_where(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_worklist_t *wl)
{
    ngx_http_liaison_sql(ctx, " WHERE ");
    ngx_http_liaison_scope_sql(ctx);

    /* a worklist is what waits on the court, unless asked otherwise */
    if (wl->status >= 0) {
        ngx_http_liaison_sql(ctx, " AND t.status = $z",
                             lsn_status_names[wl->status]);

    } else if (!wl->all) {
        ngx_http_liaison_sql(ctx, " AND t.status IN ('registered', "
                             "'dispatched', 'accepted', 'reopened')");
    }

    if (wl->track) {
        ngx_http_liaison_sql(ctx, " AND t.track = $z", wl->track);
    }

    if (wl->overdue) {
        ngx_http_liaison_sql(ctx, " AND t.due_at < $t AND t.status IN "
                             "('registered', 'dispatched', 'accepted', "
                             "'reopened')", ctx->now);
    }

    if (wl->escalated) {
        ngx_http_liaison_sql(ctx, " AND t.escalation_level > 0");
    }

    if (wl->mine) {
        ngx_http_liaison_sql(ctx, " AND t.assignee_staff_id = $u",
                             (unsigned long long) ctx->subject_id);
    }

    if (wl->risk) {
        /* a rule's hit and a person's warning both set the flag */
        ngx_http_liaison_sql(ctx, " AND t.risk_flag = 1");
    }

    switch (wl->q_kind) {

    case NGX_HTTP_LIAISON_Q_TICKET:
        ngx_http_liaison_sql(ctx, " AND t.ticket_no = $s",
                             wl->q.data, wl->q.len);
        break;

    case NGX_HTTP_LIAISON_Q_PHONE:
        ngx_http_liaison_sql(ctx, " AND t.contact_phone = $s",
                             wl->q.data, wl->q.len);
        break;

    case NGX_HTTP_LIAISON_Q_CASE:
        ngx_http_liaison_sql(ctx, " AND t.case_no = $s",
                             wl->caseno.normalized,
                             wl->caseno.normalized_len);
        break;

    case NGX_HTTP_LIAISON_Q_TEXT:
        ngx_http_liaison_sql(ctx,
            " AND t.id > (SELECT COALESCE(MAX(id), 0) - $u FROM tickets) "
            "AND (t.content LIKE $s OR t.contact_name LIKE $s)",
            (unsigned long long) NGX_HTTP_LIAISON_TEXT_SCAN,
            wl->like.data, wl->like.len, wl->like.data, wl->like.len);
        break;

    default:
        break;
    }
}


static void
ngx_http_liaison_worklist_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    u_char                  *sp;
    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_buf_t   b;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 0, &len);
    if (row == NULL) {
        ngx_http_liaison_fail(ctx, "COUNT(*) returned no row");
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 4096);

    ngx_http_liaison_buf_lit(&b, "{\"total\":");
    ngx_http_liaison_buf_raw(&b, row[0], len[0]);
    ngx_http_liaison_buf_lit(&b, ",\"items\":[");

    while ((row = mysql_fetch_row(op->res[1])) != NULL) {
        len = mysql_fetch_lengths(op->res[1]);

        if (ngx_http_liaison_buf_last(&b) != '[') {
            ngx_http_liaison_buf_lit(&b, ",");
        }

        ngx_http_liaison_buf_lit(&b, "{");
        ngx_http_liaison_json_kv(&b, "ticket_no", (u_char *) row[0], len[0]);
        ngx_http_liaison_json_kv(&b, "channel", (u_char *) row[1], len[1]);
        ngx_http_liaison_json_kv(&b, "category", (u_char *) row[2], len[2]);
        ngx_http_liaison_json_kv(&b, "track", (u_char *) row[3], len[3]);
        ngx_http_liaison_json_kv(&b, "status", (u_char *) row[4], len[4]);
        ngx_http_liaison_json_kv(&b, "case_no", (u_char *) row[5], len[5]);
        ngx_http_liaison_json_kv(&b, "summary", (u_char *) row[6], len[6]);

        if (row[7]) {
            ngx_http_liaison_json_kv_dt(&b, "created_at", row[7], len[7]);
        }

        if (row[8]) {
            ngx_http_liaison_json_kv_dt(&b, "due_at", row[8], len[8]);
        }

        ngx_http_liaison_json_key(&b, "escalation_level");
        ngx_http_liaison_buf_raw(&b, row[9], len[9]);
        ngx_http_liaison_json_kv_bool(&b, "overdue",
                                      row[14] && row[14][0] == '1');

        ngx_http_liaison_json_kv_ref(&b, "department", row[10], len[10],
                                     row[11], len[11]);
        ngx_http_liaison_json_kv_ref(&b, "assignee", row[12], len[12],
                                     row[13], len[13]);
        ngx_http_liaison_json_kv_bool(&b, "supervised",
                                      row[15] && row[15][0] == '1');
        ngx_http_liaison_json_key(&b, "risk");

        /* the flag of a rule or a person; "id stage" of an open risk */
        sp = row[17] ? (u_char *) ngx_strlchr((u_char *) row[17],
                                              (u_char *) row[17] + len[17],
                                              ' ')
                     : NULL;

        if (sp) {
            ngx_http_liaison_buf_lit(&b, "{\"flag\":true,\"risk_id\":");
            ngx_http_liaison_buf_raw(&b, row[17], sp - (u_char *) row[17]);
            ngx_http_liaison_json_kv(&b, "stage", sp + 1,
                                     (u_char *) row[17] + len[17] - sp - 1);
            ngx_http_liaison_buf_lit(&b, "}");

        } else if (row[16] && row[16][0] == '1') {
            ngx_http_liaison_buf_lit(&b, "{\"flag\":true,\"risk_id\":null,"
                                     "\"stage\":null}");

        } else {
            ngx_http_liaison_buf_lit(&b, "null");
        }

        ngx_http_liaison_buf_lit(&b, "}");
    }

    ngx_http_liaison_buf_lit(&b, "]}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


/*
 * POST /staff/tickets/{no}/<action>; the action is the endpoint's.  risk
 * {level, note} is an A10 emergency warning: an internal note that also
 * opens a risk and alerts the case-filing division at once.  A17:
 * supervise {note} puts a ticket under special supervision by hand and
 * alerts the leader who answers for it; refer {note} refers a supervised
 * ticket, not closed, to discipline inspection, whose accounts are
 * alerted; conclude {note} is discipline inspection's conclusion, told
 * to whoever referred it.
 */

static void
ngx_http_liaison_action(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t                  *no;
    lsn_action_e                action;
    ngx_http_liaison_action_t  *act;

    act = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_action_t));
    if (act == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    action = (lsn_action_e) ctx->endpoint->action;

    /* a warning, supervision and a referral are notes, as the state
       machine sees them */
    switch (action) {
    case LSN_ACT_RISK:
        act->risk_level = "";
        break;
    case LSN_ACT_REFER:
        act->refer = 1;
        break;
    case LSN_ACT_SUPERVISE:
        act->supervise = 1;
        break;
    case LSN_ACT_CONCLUDE:
        act->conclude = 1;
        break;
    default:
        break;
    }

    if (action > LSN_ACT_NOTE) {
        action = LSN_ACT_NOTE;
    }

    act->action = action;
    act->role = (lsn_role_e) ctx->role_index;
    act->new_track = -1;
    act->new_category = -1;
    ctx->data = act;

    if (ngx_http_liaison_action_body(ctx, act) != NGX_OK) {
        return;
    }

    no = ngx_http_liaison_path(ctx, "no");

    if (!lsn_ticket_no_valid((char *) no->data, no->len)
        || no->len >= sizeof(act->ticket_no))
    {
        ngx_http_liaison_not_found(ctx, "未找到该诉求");
        return;
    }

    ngx_memcpy(act->ticket_no, no->data, no->len);

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "SELECT t.id, t.status, t.track, t.department_id, "
        "t.assignee_staff_id, c.judge_staff_id, ");
    ngx_http_liaison_scope_reach_sql(ctx);
    ngx_http_liaison_sql(ctx,
        ", t.supervised, t.referred_at IS NOT NULL, "
        "t.referral_concluded_at IS NOT NULL, (SELECT COUNT(*) FROM staff "
        "WHERE role = 'discipline' AND active = 1) "
        "FROM tickets t LEFT JOIN cases c ON c.id = t.case_id "
        "WHERE t.ticket_no = $s FOR UPDATE", no->data, no->len);

    if (action == LSN_ACT_DISPATCH || action == LSN_ACT_TRANSFER) {
        /* the target: a person (their department follows), or a
           department; a dispatch with neither goes to the case's judge */
        if (act->target_staff || act->target_dept == 0) {
            ngx_http_liaison_sql(ctx,
                ";SELECT s.id, s.department_id, s.role FROM staff s "
                "WHERE s.active = 1 AND s.id = COALESCE(NULLIF($u, 0), "
                "(SELECT c.judge_staff_id FROM tickets t JOIN cases c "
                "ON c.id = t.case_id WHERE t.ticket_no = $s))",
                (unsigned long long) act->target_staff, no->data, no->len);

        } else {
            ngx_http_liaison_sql(ctx,
                ";SELECT NULL, id, NULL FROM departments WHERE id = $u",
                (unsigned long long) act->target_dept);
        }
    }

    ngx_http_liaison_run(ctx, ngx_http_liaison_action_locked);
}


static ngx_int_t
ngx_http_liaison_action_body(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    int                       level;
    ngx_str_t                 s;
    ngx_http_liaison_json_t  *v;

    switch (act->action) {

    case LSN_ACT_TRIAGE:
        if (ngx_http_liaison_body_text(ctx, "track", 1, 16, &s) != NGX_OK) {
            return NGX_ERROR;
        }

        if (s.len == 6 && ngx_strncmp(s.data, "simple", 6) == 0) {
            act->new_track = LSN_TRACK_SIMPLE;

        } else if (s.len == 8 && ngx_strncmp(s.data, "ordinary", 8) == 0) {
            act->new_track = LSN_TRACK_ORDINARY;

        } else {
            ngx_http_liaison_invalid(ctx, "track 须为 simple 或 ordinary",
                                     "track");
            return NGX_ERROR;
        }

        if (ngx_http_liaison_body_text(ctx, "category", 0, 32, &s)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (s.data) {
            act->new_category = lsn_category_index((char *) s.data, s.len);
            if (act->new_category < 0) {
                ngx_http_liaison_invalid(ctx, "未知的诉求类别", "category");
                return NGX_ERROR;
            }
        }

        if (ngx_http_liaison_body_text(ctx, "note", 0,
                                         NGX_HTTP_LIAISON_REASON_MAX,
                                         &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_REPLY:
        if (ngx_http_liaison_body_text(ctx, "content", 1,
                                         NGX_HTTP_LIAISON_REPLY_MAX,
                                         &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        v = ngx_http_liaison_json_get(ctx->body, "close");
        if (v) {
            if (v->type == NGX_HTTP_LIAISON_JSON_TRUE) {
                act->close = 1;

            } else if (v->type != NGX_HTTP_LIAISON_JSON_FALSE) {
                ngx_http_liaison_invalid(ctx, "close 须为 true 或 false",
                                         "close");
                return NGX_ERROR;
            }
        }

        break;

    case LSN_ACT_DISPATCH:
    case LSN_ACT_TRANSFER:
        if (ngx_http_liaison_body_id(ctx, "assignee", &act->target_staff)
               != NGX_OK
            || ngx_http_liaison_body_id(ctx, "department",
                                          &act->target_dept)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (act->action == LSN_ACT_TRANSFER
            && act->target_staff == 0 && act->target_dept == 0)
        {
            ngx_http_liaison_invalid(ctx, "转办须指定承办部门或承办人",
                                     "department");
            return NGX_ERROR;
        }

        if (ngx_http_liaison_body_text(ctx,
                act->action == LSN_ACT_TRANSFER ? "reason" : "note",
                act->action == LSN_ACT_TRANSFER,
                NGX_HTTP_LIAISON_REASON_MAX, &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_RETURN:
        if (ngx_http_liaison_body_text(ctx, "reason", 1,
                                         NGX_HTTP_LIAISON_REASON_MAX,
                                         &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_NOTE:
        if (act->risk_level) {
            if (ngx_http_liaison_body_text(ctx, "level", 1, 16, &s)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            level = lsn_risk_level_index((char *) s.data, s.len);
            if (level < 0) {
                ngx_http_liaison_invalid(ctx, "风险等级须为 low、medium、"
                                         "high 或 urgent", "level");
                return NGX_ERROR;
            }

            act->risk_level = lsn_risk_levels[level];
        }

        if (ngx_http_liaison_body_text(ctx,
                act->risk_level || act->refer || act->supervise
                || act->conclude ? "note" : "content", 1,
                NGX_HTTP_LIAISON_REPLY_MAX, &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    default: /* accept, close */
        if (ctx->body
            && ngx_http_liaison_body_text(ctx, "note", 0,
                                            NGX_HTTP_LIAISON_REASON_MAX,
                                            &act->text)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_liaison_body_unknown(ctx, NULL);
}


static void
ngx_http_liaison_action_locked(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                   row;
    unsigned long              *len;
    ngx_http_liaison_action_t  *act;

    act = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 1, &len);
    if (row == NULL) {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                                "未找到该诉求", NULL);
        return;
    }

    act->ticket_id = ngx_http_liaison_row_id(row, len, 0);
    act->status = lsn_status_index(row[1], len[1]);
    act->track = ngx_strcmp(row[2], "ordinary") == 0 ? LSN_TRACK_ORDINARY
                                                       : LSN_TRACK_SIMPLE;
    act->dept = ngx_http_liaison_row_id(row, len, 3);
    act->assignee = ngx_http_liaison_row_id(row, len, 4);
    act->case_judge = ngx_http_liaison_row_id(row, len, 5);
    act->in_charge = (row[6] && row[6][0] == '1');
    act->supervised = (row[7] && row[7][0] == '1');
    act->referred = (row[8] && row[8][0] == '1');
    act->concluded = (row[9] && row[9][0] == '1');
    act->inspectors = ngx_http_liaison_row_id(row, len, 10);

    if (act->status < 0) {
        ngx_log_error(NGX_LOG_ERR, ctx->r->connection->log, 0,
                      "liaison: ticket #%uL has an unknown status",
                      act->ticket_id);
        ngx_http_liaison_refuse(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                "internal_error", "诉求状态异常", NULL);
        return;
    }

    if (ngx_http_liaison_action_check(ctx, act,
                                      op->nstmts > 2 ? op->res[2] : NULL)
        != NGX_OK)
    {
        return;
    }

    ngx_http_liaison_action_write(ctx, act);
    ngx_http_liaison_run(ctx, ngx_http_liaison_action_done);
}


/*
 * The receiver of a work order: the person it is assigned to; with nobody
 * assigned, the department's people; the department's leader and liaison
 * may always act for it.
 */

static ngx_uint_t
ngx_http_liaison_receiver(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    if (act->assignee == ctx->subject_id) {
        return 1;
    }

    if (!lsn_role_in_department(act->role) || act->dept == 0
        || act->dept != ctx->department_id)
    {
        return 0;
    }

    return act->assignee == 0 || act->role == LSN_ROLE_DEPT_LEADER
           || act->role == LSN_ROLE_LIAISON;
}


/*
 * A17: supervision starts once on a ticket still open; only a supervised
 * ticket still open is referred, once, and only where discipline
 * inspection has an account to receive it; a referral is concluded once.
 * The reason a step is refused, or NULL.
 */

static char *
ngx_http_liaison_a17_conflict(ngx_http_liaison_action_t *act)
{
    if (act->supervise) {
        return act->status == LSN_ST_CLOSED ? "诉求已办结，不能列入督办"
               : act->supervised ? "该诉求已在专项督办中" : NULL;
    }

    if (act->refer) {
        return act->status == LSN_ST_CLOSED ? "诉求已办结，不能移送纪检"
               : act->referred ? "该诉求已移送纪检"
               : !act->supervised ? "只有专项督办中的诉求可以移送纪检"
               : act->inspectors == 0 ? "本院尚未设置纪检监察账号，无法移送"
               : NULL;
    }

    if (act->conclude) {
        return !act->referred ? "该诉求未移送纪检"
               : act->concluded ? "该移送事项已办结" : NULL;
    }

    return NULL;
}


static ngx_int_t
ngx_http_liaison_action_check(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act, MYSQL_RES *target)
{
    int             role;
    char           *msg;
    size_t          n;
    MYSQL_ROW       row;
    ngx_uint_t      platform;
    unsigned long  *len;
    char            allowed[128];

    if (!ngx_http_liaison_scope_sees(ctx, act->dept, act->assignee,
                                     act->in_charge))
    {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                                "未找到该诉求", NULL);
        return NGX_ERROR;
    }

    msg = ngx_http_liaison_a17_conflict(act);

    if (msg) {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_CONFLICT, "conflict", msg,
                                NULL);
        return NGX_ERROR;
    }

    act->next = lsn_workflow_next(act->action, (lsn_status_e) act->status,
                                  act->track, (int) act->close);

    if (act->next < 0) {
        n = lsn_workflow_allowed((lsn_status_e) act->status, act->track,
                                 allowed, sizeof(allowed));

        msg = ngx_pnalloc(ctx->r->pool, n + 128);
        if (msg == NULL) {
            ngx_http_liaison_fail(ctx, "out of memory");
            return NGX_ERROR;
        }

        (void) ngx_sprintf((u_char *) msg,
                           "当前状态（%s）不能进行此操作；可进行：%s%Z",
                           lsn_status_names[act->status],
                           n ? allowed : "无");

        ngx_http_liaison_refuse(ctx, NGX_HTTP_CONFLICT, "conflict",
                                msg, NULL);
        return NGX_ERROR;
    }

    platform = lsn_role_may(act->role, LSN_ACT_TRIAGE);

    switch (act->action) {

    case LSN_ACT_REPLY:
        /* simple requests are the platform's; work orders the receiver's */
        if (act->track == LSN_TRACK_SIMPLE ? !platform
                                           : !ngx_http_liaison_receiver(ctx,
                                                                        act))
        {
            goto forbidden;
        }

        break;

    case LSN_ACT_ACCEPT:
    case LSN_ACT_RETURN:
        if (!ngx_http_liaison_receiver(ctx, act)) {
            goto forbidden;
        }

        break;

    case LSN_ACT_CLOSE:
    case LSN_ACT_TRANSFER:
        if (!platform && !ngx_http_liaison_receiver(ctx, act)) {
            goto forbidden;
        }

        break;

    case LSN_ACT_DISPATCH:
        /* a department's leader and liaison assign within it */
        if (!platform && (act->status != LSN_ST_DISPATCHED
                          || act->dept != ctx->department_id))
        {
            goto forbidden;
        }

        break;

    default:
        break;
    }

    if (act->action != LSN_ACT_DISPATCH && act->action != LSN_ACT_TRANSFER) {
        return NGX_OK;
    }

    row = target ? mysql_fetch_row(target) : NULL;

    if (row == NULL) {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_BAD_REQUEST,
                                "invalid_argument",
                                act->target_staff || act->target_dept
                                ? "承办人或部门不存在"
                                : "案件无承办法官，请指定承办人或部门",
                                act->target_dept && !act->target_staff
                                ? "department" : "assignee");
        return NGX_ERROR;
    }

    len = mysql_fetch_lengths(target);

    act->target_dept = ngx_http_liaison_row_id(row, len, 1);

    if (row[0]) {
        act->target_staff = ngx_http_liaison_row_id(row, len, 0);
        role = lsn_role_index(row[2], len[2]);

        if (act->target_dept == 0 || role < 0
            || !lsn_role_in_department((lsn_role_e) role))
        {
            ngx_http_liaison_refuse(ctx, NGX_HTTP_BAD_REQUEST,
                                    "invalid_argument",
                                    "只能派给部门的承办人",
                                    "assignee");
            return NGX_ERROR;
        }
    }

    if (!platform && act->action == LSN_ACT_DISPATCH
        && act->target_dept != ctx->department_id)
    {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                "只能在本部门内指派", NULL);
        return NGX_ERROR;
    }

    return NGX_OK;

forbidden:

    ngx_http_liaison_refuse(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                            "只有承办人或其部门可以进行此操作", NULL);
    return NGX_ERROR;
}


static void
ngx_http_liaison_action_write(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    ngx_uint_t           pub;
    const char          *type, *next;
    unsigned long long   id, me;

    id = act->ticket_id;
    me = ctx->subject_id;
    next = lsn_status_names[act->next];
    pub = 1;

    ngx_http_liaison_sql(ctx, "UPDATE tickets SET status = $z, updated_at = $t",
                         next, ctx->now);

    switch (act->action) {

    case LSN_ACT_TRIAGE:
        type = "triaged";
        pub = 0;

        ngx_http_liaison_sql(ctx, ", track = $z",
                             lsn_track_name((lsn_track_e) act->new_track));

        if (act->new_category >= 0) {
            ngx_http_liaison_sql(ctx, ", category = $z",
                                 lsn_categories[act->new_category]);
        }

        break;

    case LSN_ACT_REPLY:
        type = act->track == LSN_TRACK_SIMPLE ? "answered" : "replied";

        ngx_http_liaison_sql(ctx,
            ", replied_at = COALESCE(replied_at, $t)"
            ", first_handler_staff_id = COALESCE(first_handler_staff_id, $u)",
            ctx->now, me);

        if (act->close) {
            ngx_http_liaison_sql(ctx, ", closed_at = $t", ctx->now);
        }

        break;

    case LSN_ACT_DISPATCH:
    case LSN_ACT_TRANSFER:
        type = act->action == LSN_ACT_DISPATCH ? "dispatched" : "transferred";

        ngx_http_liaison_sql(ctx,
            ", department_id = $u, assignee_staff_id = NULLIF($u, 0), "
            "dispatched_at = COALESCE(dispatched_at, $t), "
            "accept_due_at = COALESCE(accept_due_at, $t)",
            (unsigned long long) act->target_dept,
            (unsigned long long) act->target_staff, ctx->now,
            /* A2: to be accepted within one working day */
            lsn_calendar_add_working_days(ctx->mcf->calendar, ctx->now, 1,
                                          NULL));
        break;

    case LSN_ACT_ACCEPT:
        type = "accepted";

        /* the first to accept is the first handler, whoever comes later */
        ngx_http_liaison_sql(ctx,
            ", accepted_at = COALESCE(accepted_at, $t), "
            "assignee_staff_id = COALESCE(assignee_staff_id, $u), "
            "first_handler_staff_id = COALESCE(first_handler_staff_id, $u)",
            ctx->now, me, me);
        break;

    case LSN_ACT_RETURN:
        type = "returned";
        pub = 0;

        ngx_http_liaison_sql(ctx,
            ", department_id = NULL, assignee_staff_id = NULL");
        break;

    case LSN_ACT_CLOSE:
        type = "closed";

        ngx_http_liaison_sql(ctx, ", closed_at = $t", ctx->now);
        break;

    default:
        type = act->risk_level ? "risk_raised"
               : act->refer ? "referred"
               : act->supervise ? "supervised"
               : act->conclude ? "referral_concluded" : "note";
        pub = 0;

        if (act->refer) {
            ngx_http_liaison_sql(ctx, ", referred_at = $t", ctx->now);

        } else if (act->conclude) {
            ngx_http_liaison_sql(ctx, ", referral_concluded_at = $t",
                                 ctx->now);
        }
    }

    ngx_http_liaison_sql(ctx,
        " WHERE id = $u;"
        "INSERT INTO ticket_events (ticket_id, type, actor_kind, actor_id, "
        "actor_role, status_from, status_to, note, public, created_at) "
        "VALUES ($u, $z, 'staff', $u, $s, $z, $z, $s, $u, $t)",
        id, id, type, me, ctx->role.data, ctx->role.len,
        lsn_status_names[act->status], next,
        act->text.data, act->text.len, (unsigned long long) pub, ctx->now);

    if (act->risk_level) {
        ngx_http_liaison_risk_sql(ctx, act);

    } else if (act->supervise || act->refer || act->conclude) {
        ngx_http_liaison_a17_sql(ctx, act);
    }

    switch (act->action) {

    case LSN_ACT_REPLY:
        /* the owner hears of it: WeChat, or else an SMS (A4-A6) */
        ngx_http_liaison_outbox_reply(ctx, id, &act->text);
        ngx_http_liaison_reply_sms(ctx, act);
        break;

    case LSN_ACT_DISPATCH:
    case LSN_ACT_TRANSFER:
        /* the new handler hears of it at once, not at the reminder */
        ngx_http_liaison_outbox_handlers(ctx, act->ticket_no,
                                         LSN_KIND_WORK_ORDER);
        break;

    default:
        break;
    }

    ngx_http_liaison_sql(ctx, ";COMMIT");
}


/* The risk, its first stage, the flag, and the alert to the division. */

static void
ngx_http_liaison_risk_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    u_char              *p;
    ngx_str_t            text;
    unsigned long long   id, me;

    id = act->ticket_id;
    me = ctx->subject_id;

    text.data = ngx_pnalloc(ctx->r->pool, act->text.len + 160);
    if (text.data == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    p = ngx_sprintf(text.data,
                    "【诉讼服务风险预警】诉求 %s（风险等级：%s）：%V。"
                    "请立即接单处置。", act->ticket_no,
                    lsn_risk_level_zh(lsn_risk_level_index(
                        act->risk_level, ngx_strlen(act->risk_level))),
                    &act->text);
    text.len = p - text.data;

    ngx_http_liaison_sql(ctx,
        ";INSERT INTO risks (ticket_id, level, source, raised_by, note, "
        "stage, stage_since, created_at) VALUES ($u, $z, 'staff', $u, $s, "
        "'received', $t, $t)"
        ";INSERT INTO risk_events (risk_id, stage, staff_id, note, "
        "created_at) VALUES (LAST_INSERT_ID(), 'received', $u, $s, $t)"
        ";UPDATE tickets SET risk_flag = 1 WHERE id = $u",
        id, act->risk_level, me, act->text.data, act->text.len, ctx->now,
        ctx->now, me, act->text.data, act->text.len, ctx->now, id);

    ngx_http_liaison_outbox_staff(ctx, LSN_KIND_RISK_ALERT, act->ticket_no,
                                  &text, NGX_HTTP_LIAISON_TO_DIVISION);
}


/*
 * A17: who hears of it.  Supervision: the leader who answers for the
 * ticket; a referral: discipline inspection; its conclusion: whoever
 * referred it.  The text quotes the note.
 */

static void
ngx_http_liaison_a17_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    u_char                 *p;
    ngx_str_t               text, cond;
    ngx_http_liaison_buf_t  b;

    text.data = ngx_http_liaison_quote(ctx, act);
    if (text.data == NULL) {
        return;
    }

    if (act->supervise) {
        p = ngx_sprintf(text.data, "院领导或立案庭交办督办（%V）",
                        &act->quote);
        text.len = p - text.data;

        (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 32);
        ngx_http_liaison_buf_sql(&b, "t.id = $u",
                                 (unsigned long long) act->ticket_id);

        if (ngx_http_liaison_buf_str(&b, &cond) != NGX_OK) {
            ctx->sql.failed = 1;
            return;
        }

        /* the event is the action's own */
        ngx_http_liaison_supervise(ctx, &cond, LSN_SUPERVISE_MANUAL,
                                   &text, ctx->subject_id, NULL, 0);
        return;
    }

    p = ngx_sprintf(text.data,
                    act->refer ? "【纪检监察】诉求 %s 经专项督办后问题仍未"
                                 "解决，已移送纪检监察部门督查：%V。"
                                 "请登录诉讼服务平台查看。"
                               : "【纪检监察】诉求 %s 移送纪检监察的事项"
                                 "已办结：%V。",
                    act->ticket_no, &act->quote);
    text.len = p - text.data;

    ngx_http_liaison_outbox_staff(ctx,
        act->refer ? LSN_KIND_REFERRAL : LSN_KIND_REFERRAL_CONCLUDED,
        act->ticket_no, &text,
        act->refer ? NGX_HTTP_LIAISON_TO_DISCIPLINE
                   : NGX_HTTP_LIAISON_TO_REFERRER);
}


/*
 * A message that quotes the action's text: its first characters, "……"
 * when cut, in act->quote; returns room for the message around it (NULL:
 * out of memory, the batch failed).
 */

static u_char *
ngx_http_liaison_quote(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    int      cut;
    u_char  *p, *q;
    size_t   n;

    n = lsn_utf8_prefix((char *) act->text.data, act->text.len,
                        NGX_HTTP_LIAISON_SMS_QUOTE, &cut);

    p = ngx_pnalloc(ctx->r->pool, n + 256);
    q = ngx_pnalloc(ctx->r->pool, n + sizeof("……"));

    if (p == NULL || q == NULL) {
        ctx->sql.failed = 1;
        return NULL;
    }

    act->quote.data = q;
    q = ngx_cpymem(q, act->text.data, n);

    if (cut) {
        q = ngx_cpymem(q, "……", sizeof("……") - 1);
    }

    act->quote.len = q - act->quote.data;

    return p;
}


/* The answer to a caller without WeChat, by SMS. */

static void
ngx_http_liaison_reply_sms(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    u_char     *p;
    ngx_str_t   text;

    text.data = ngx_http_liaison_quote(ctx, act);
    if (text.data == NULL) {
        return;
    }

    p = ngx_sprintf(text.data,
                    "【诉讼服务】您的诉求（编号 %s）已答复：%V。"
                    "可凭编号和查询码查看全文、补充信息或评价。",
                    act->ticket_no, &act->quote);
    text.len = p - text.data;

    ngx_http_liaison_outbox_owner_sms(ctx, act->ticket_no,
                                      LSN_KIND_TICKET_REPLY, &text);
}


static void
ngx_http_liaison_action_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    const char                 *next, *track;
    ngx_str_t                  *no;
    ngx_http_liaison_buf_t      b;
    ngx_http_liaison_action_t  *act;

    act = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    next = lsn_status_names[act->next];
    track = lsn_track_name(act->new_track >= 0
                           ? (lsn_track_e) act->new_track
                           : (lsn_track_e) act->track);
    no = ngx_http_liaison_path(ctx, "no");

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: staff #%uL: %s on ticket #%uL, %s -> %s",
                  ctx->subject_id, lsn_action_names[ctx->endpoint->action],
                  act->ticket_id, lsn_status_names[act->status], next);

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(&b, "{");
    ngx_http_liaison_json_kv(&b, "ticket_no", no->data, no->len);
    ngx_http_liaison_json_kv(&b, "status", (u_char *) next,
                             ngx_strlen(next));
    ngx_http_liaison_json_kv(&b, "track", (u_char *) track,
                             ngx_strlen(track));

    if (act->risk_level) {
        /* UPDATE, the event, then the risk */
        ngx_http_liaison_json_key(&b, "risk_id");
        ngx_http_liaison_json_int(&b, (int64_t) op->insert_id[2]);
    }

    ngx_http_liaison_buf_lit(&b, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


#define NGX_HTTP_LIAISON_ACTION(name, roles, body, flags, action)             \
    { ngx_string("staff/tickets/{no}/" name), NGX_HTTP_LIAISON_POST,         \
      NGX_HTTP_LIAISON_STAFF_ONLY, roles, body, flags,                       \
      ngx_http_liaison_action, action }

ngx_http_liaison_endpoint_t  ngx_http_liaison_staff_endpoints[] = {

    { ngx_string("staff/tickets"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_WORKERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_worklist, 0 },

    NGX_HTTP_LIAISON_ACTION("triage", LSN_ROLES_TRIAGE,
                            NGX_HTTP_LIAISON_BODY_JSON, 0, LSN_ACT_TRIAGE),
    NGX_HTTP_LIAISON_ACTION("reply", LSN_ROLES_REPLY,
                            NGX_HTTP_LIAISON_BODY_JSON, 0, LSN_ACT_REPLY),
    NGX_HTTP_LIAISON_ACTION("dispatch", LSN_ROLES_DISPATCH,
                            NGX_HTTP_LIAISON_BODY_JSON_OPTIONAL,
                            NGX_HTTP_LIAISON_CALENDAR, LSN_ACT_DISPATCH),
    NGX_HTTP_LIAISON_ACTION("accept", LSN_ROLES_ACCEPT,
                            NGX_HTTP_LIAISON_BODY_JSON_OPTIONAL, 0,
                            LSN_ACT_ACCEPT),
    NGX_HTTP_LIAISON_ACTION("return", LSN_ROLES_RETURN,
                            NGX_HTTP_LIAISON_BODY_JSON, 0, LSN_ACT_RETURN),
    NGX_HTTP_LIAISON_ACTION("close", LSN_ROLES_CLOSE,
                            NGX_HTTP_LIAISON_BODY_JSON_OPTIONAL, 0,
                            LSN_ACT_CLOSE),
    NGX_HTTP_LIAISON_ACTION("transfer", LSN_ROLES_TRANSFER,
                            NGX_HTTP_LIAISON_BODY_JSON,
                            NGX_HTTP_LIAISON_CALENDAR, LSN_ACT_TRANSFER),
    NGX_HTTP_LIAISON_ACTION("notes", LSN_ROLES_NOTE,
                            NGX_HTTP_LIAISON_BODY_JSON, 0, LSN_ACT_NOTE),
    NGX_HTTP_LIAISON_ACTION("risk", LSN_ROLES_RISK,
                            NGX_HTTP_LIAISON_BODY_JSON, 0, LSN_ACT_RISK),
    NGX_HTTP_LIAISON_ACTION("refer", LSN_ROLES_REFER,
                            NGX_HTTP_LIAISON_BODY_JSON, 0, LSN_ACT_REFER),
    NGX_HTTP_LIAISON_ACTION("supervise", LSN_ROLES_SUPERVISE,
                            NGX_HTTP_LIAISON_BODY_JSON, 0,
                            LSN_ACT_SUPERVISE),
    NGX_HTTP_LIAISON_ACTION("conclude", LSN_ROLES_CONCLUDE,
                            NGX_HTTP_LIAISON_BODY_JSON, 0, LSN_ACT_CONCLUDE),

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
