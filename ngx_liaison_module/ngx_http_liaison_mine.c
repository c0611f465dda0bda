
/*
 * Copyright (C) Liaison authors
 *
 * A litigant's own requests: GET /tickets?mine=1, follow-up messages
 * (POST /tickets/{no}/messages, reopening a ticket closed less than 7
 * days ago or answered on receipt), feedback (POST /tickets/{no}/feedback)
 * and the in-app notifications (GET /notifications).  Messages and
 * feedback come from the owner's litigant token, or from whoever holds the
 * ticket's query code (callers without WeChat: web, kiosk, hall, hotline).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_calendar.h"
#include "ngx_http_liaison_mine.h"
#include "ngx_http_liaison_outbox.h"
#include "ngx_http_liaison_supervision.h"
#include "ngx_http_liaison_triage.h"
#include "lsn_text.h"
#include "lsn_ticket.h"


#define NGX_HTTP_LIAISON_MESSAGE_MAX   2000
#define NGX_HTTP_LIAISON_COMMENT_MAX   500
#define NGX_HTTP_LIAISON_REOPEN_DAYS   7


static void ngx_http_liaison_tickets_mine(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_mine_loaded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_tickets_message(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_message_lock(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_message_locked(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_message_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_message_answer(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu);
static ngx_int_t ngx_http_liaison_caller(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu);
static void ngx_http_liaison_tickets_feedback(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_feedback_loaded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_feedback_supervise(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu);
static void ngx_http_liaison_feedback_done(ngx_http_liaison_db_op_t *op);
static ngx_int_t ngx_http_liaison_own_ticket(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_op_t *op, ngx_uint_t i,
    ngx_http_liaison_followup_t *fu, MYSQL_ROW *rowp,
    unsigned long **lenp);
static ngx_uint_t ngx_http_liaison_answered(ngx_str_t *status);
static void ngx_http_liaison_ticket_not_found(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_notifications(ngx_http_liaison_ctx_t *ctx);


/* GET /tickets?mine=1[&page=&per_page=] */

static void
ngx_http_liaison_tickets_mine(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t  page, per_page;

    if (!ngx_http_liaison_flag_arg(ctx->r, "mine")) {
        ngx_http_liaison_invalid(ctx, "当事人只能查看自己的诉求：请加 mine=1",
                                 "mine");
        return;
    }

    if (ngx_http_liaison_page(ctx, &page, &per_page) != NGX_OK) {
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT ticket_no, channel, category, track, status, case_no, "
        "content, created_at, due_at, updated_at, closed_at "
        "FROM tickets WHERE owner_litigant_id = $u "
        "ORDER BY id DESC LIMIT $u OFFSET $u;"
        "SELECT COUNT(*) FROM tickets WHERE owner_litigant_id = $u",
        (unsigned long long) ctx->subject_id, (unsigned long long) per_page,
        (unsigned long long) ((page - 1) * per_page),
        (unsigned long long) ctx->subject_id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_mine_loaded);
}


static void
ngx_http_liaison_mine_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_buf_t   b;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool,
                                     64 + mysql_num_rows(op->res[0]) * 512);

    ngx_http_liaison_buf_lit(&b, "{\"items\":[");

    while ((row = mysql_fetch_row(op->res[0])) != NULL) {
        len = mysql_fetch_lengths(op->res[0]);

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
        ngx_http_liaison_json_kv(&b, "content", (u_char *) row[6], len[6]);
        ngx_http_liaison_json_kv_dt(&b, "created_at", row[7], len[7]);
        ngx_http_liaison_json_kv_dt(&b, "due_at", row[8], len[8]);
        ngx_http_liaison_json_kv_dt(&b, "updated_at", row[9], len[9]);
        ngx_http_liaison_json_kv_dt(&b, "closed_at", row[10], len[10]);
        ngx_http_liaison_buf_lit(&b, "}");
    }

    ngx_http_liaison_buf_lit(&b, "],\"total\":");

    row = ngx_http_liaison_row(op, 1, &len);

    if (row && row[0]) {
        ngx_http_liaison_buf_raw(&b, row[0], len[0]);

    } else {
        ngx_http_liaison_buf_lit(&b, "0");
    }

    ngx_http_liaison_buf_lit(&b, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


/* POST /tickets/{no}/messages {content} */

static void
ngx_http_liaison_tickets_message(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_json_t      *v;
    ngx_http_liaison_followup_t  *fu;

    fu = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_followup_t));
    if (fu == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    v = ngx_http_liaison_json_get(ctx->body, "content");

    if (ngx_http_liaison_caller(ctx, fu) != NGX_OK
        || ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK)
    {
        return;
    }

    if (v == NULL || v->type != NGX_HTTP_LIAISON_JSON_STRING
        || lsn_text_valid(v->value.data, v->value.len, 1,
                          NGX_HTTP_LIAISON_MESSAGE_MAX)
           != 0)
    {
        ngx_http_liaison_invalid(ctx, "补充内容须为 1 到 2000 个字符，"
                                      "且不含控制字符", "content");
        return;
    }

    fu->content = v->value;
    fu->ticket_no = *ngx_http_liaison_path(ctx, "no");
    fu->done = ngx_http_liaison_message_answer;

    ngx_http_liaison_followup_start(ctx, fu);
}


/*
 * Who adds to or rates a ticket: the owner's litigant token, or the
 * ticket's query code in the body ({"query_code": ...}) for a caller
 * without one.  Answers 401/403 itself.
 */

static ngx_int_t
ngx_http_liaison_caller(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu)
{
    ngx_str_t  code;

    if (ngx_http_liaison_body_str(ctx, NULL, "query_code", NULL, 0, &code)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx->who == NGX_HTTP_LIAISON_LITIGANT && code.data == NULL) {
        return NGX_OK;
    }

    if (ctx->who == NGX_HTTP_LIAISON_STAFF) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "仅限当事人本人操作", NULL);
        return NGX_ERROR;
    }

    if (code.data == NULL) {
        ngx_http_liaison_unauthorized(ctx, "需要登录，或提供诉求的查询码");
        return NGX_ERROR;
    }

    /* a malformed code is a wrong code: 404 like an unknown ticket */
    if (lsn_query_code_normalize((char *) code.data, code.len, fu->code)
        != 0)
    {
        ngx_memzero(fu->code, sizeof(fu->code));
    }

    fu->by_code = 1;

    return NGX_OK;
}


/* The follow-up service */

void
ngx_http_liaison_followup_start(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu)
{
    ctx->data = fu;

    if (!lsn_ticket_no_valid((char *) fu->ticket_no.data, fu->ticket_no.len))
    {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    /* a reopened ticket gets a new due time */
    ngx_http_liaison_calendar_ready(ctx, ngx_http_liaison_message_lock);
}


static void
ngx_http_liaison_message_lock(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;

    /* the row stays locked until this request's COMMIT (or close) */
    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "SELECT id, status, closed_at, owner_litigant_id, track, "
        "category, ticket_no, department_id, assignee_staff_id, query_code, "
        "canned_answer_id FROM tickets WHERE ticket_no = $s FOR UPDATE;"
        "SELECT openid FROM litigants WHERE id = $u;"
        "SELECT r.id FROM risks r JOIN tickets t ON t.id = r.ticket_id "
        "WHERE t.ticket_no = $s AND r.closed_at IS NULL LIMIT 1",
        fu->ticket_no.data, fu->ticket_no.len,
        (unsigned long long) ctx->subject_id,
        fu->ticket_no.data, fu->ticket_no.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_message_locked);
}


/*
 * Statement i's row: the caller's own ticket (columns id, status,
 * closed_at, owner, track, category, ticket_no, department, assignee,
 * query_code), or NGX_DECLINED after a 404 like an unknown one.
 */

static ngx_int_t
ngx_http_liaison_own_ticket(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_op_t *op, ngx_uint_t i,
    ngx_http_liaison_followup_t *fu, MYSQL_ROW *rowp, unsigned long **lenp)
{
    MYSQL_ROW       row;
    unsigned long  *len;

    row = ngx_http_liaison_row(op, i, &len);

    if (row == NULL
        || (fu->by_code
            ? lsn_ct_compare(fu->code, LSN_QUERY_CODE_LEN, row[9], len[9])
              != 0
            : ngx_http_liaison_row_id(row, len, 3) != ctx->subject_id))
    {
        ngx_http_liaison_ticket_not_found(ctx);
        return NGX_DECLINED;
    }

    fu->ticket_id = ngx_http_liaison_row_id(row, len, 0);

    /* copies: the result goes with the next batch */
    if (fu->ticket_id == 0
        || ngx_http_liaison_row_copy(ctx->r->pool, row, len, 1, &fu->status)
           != NGX_OK
        || ngx_http_liaison_row_copy(ctx->r->pool, row, len, 6,
                                     &fu->ticket_no)
           != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    *rowp = row;
    *lenp = len;

    return NGX_OK;
}


static void
ngx_http_liaison_message_locked(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    int                           unknown, category;
    time_t                        closed;
    ngx_uint_t                    open_risk;
    const char                   *author;
    MYSQL_ROW                     row, lrow;
    ngx_str_t                     risks;
    lsn_track_e                   track;
    unsigned long                *len;
    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;

    if (op->rc != NGX_OK || op->nstmts != 4) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_own_ticket(ctx, op, 1, fu, &row, &len) != NGX_OK) {
        return;
    }

    lrow = ngx_http_liaison_row(op, 2, NULL);
    fu->has_openid = (lrow != NULL && lrow[0] != NULL);
    open_risk = (ngx_http_liaison_row(op, 3, NULL) != NULL);

    if (fu->status.len == 6
        && ngx_strncmp(fu->status.data, "closed", 6) == 0)
    {
        if (row[2] == NULL || lsn_parse_datetime(row[2], len[2], &closed)
            != 0
            || ctx->now > closed + NGX_HTTP_LIAISON_REOPEN_DAYS * 86400)
        {
            ngx_http_liaison_refuse(ctx, NGX_HTTP_CONFLICT, "conflict",
                                    "该诉求办结已超过 7 天，"
                                    "请提交新的诉求", NULL);
            return;
        }

        fu->reopen = 1;
    }

    /* answered on receipt (A4): what the litigant adds goes to staff */
    if (row[10] != NULL && fu->status.len == 8
        && ngx_strncmp(fu->status.data, "answered", 8) == 0)
    {
        fu->reopen = 1;
    }

    if (fu->reopen) {
        track = (len[4] == 6 && ngx_strncmp(row[4], "simple", 6) == 0)
                ? LSN_TRACK_SIMPLE : LSN_TRACK_ORDINARY;
        fu->due_at = lsn_calendar_add_working_days(ctx->mcf->calendar,
                                                   ctx->now,
                                                   (int) ctx->mcf->sla[track],
                                                   &unknown);
    }

    category = lsn_category_index(row[5], len[5]);
    ngx_http_liaison_triage_run(ctx, category, &fu->content, &fu->triage);

    if (ngx_http_liaison_triage_risks(ctx->r->pool, &fu->triage, &risks)
        != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    /* the transaction is open: the ticket row is ours */

    ngx_http_liaison_sql(ctx, "UPDATE tickets SET updated_at = $t", ctx->now);

    if (fu->reopen) {
        ngx_http_liaison_sql(ctx,
            ", status = 'reopened', due_at = $t, closed_at = NULL",
            fu->due_at);
    }

    if (fu->triage.nrisks) {
        ngx_http_liaison_sql(ctx,
            ", risk_flag = 1, risk_rules = "
            "LEFT(CONCAT_WS(',', risk_rules, $s), 255)",
            risks.data, risks.len);
    }

    author = fu->by_code ? "public" : "litigant";

    ngx_http_liaison_sql(ctx,
        " WHERE id = $u;"
        "INSERT INTO ticket_messages (ticket_id, author_kind, author_id, "
        "content, content_review, created_at) VALUES "
        "($u, $z, NULLIF($u, 0), $s, $z, $t);"
        "SET @lsn_message = LAST_INSERT_ID();"
        "INSERT INTO ticket_events (ticket_id, type, actor_kind, actor_id, "
        "status_from, status_to, note, public, created_at) "
        "VALUES ($u, 'message', $z, NULLIF($u, 0), NULL, NULL, $s, 1, $t)",
        (unsigned long long) fu->ticket_id,
        (unsigned long long) fu->ticket_id, author,
        (unsigned long long) ctx->subject_id,
        fu->content.data, fu->content.len,
        fu->has_openid ? "pending" : NULL, ctx->now,
        (unsigned long long) fu->ticket_id, author,
        (unsigned long long) ctx->subject_id,
        fu->content.data, fu->content.len, ctx->now);

    if (fu->reopen) {
        ngx_http_liaison_sql(ctx,
            ",($u, 'reopened', $z, NULLIF($u, 0), $s, 'reopened', "
            "NULL, 1, $t)",
            (unsigned long long) fu->ticket_id, author,
            (unsigned long long) ctx->subject_id,
            fu->status.data, fu->status.len, ctx->now);
    }

    ngx_http_liaison_triage_hits(ctx, fu->ticket_id, &fu->triage, 1);
    ngx_http_liaison_triage_risk(ctx, (char *) fu->ticket_no.data,
                                 fu->ticket_id, &fu->triage, &fu->content,
                                 open_risk);

    if (fu->has_openid) {
        ngx_http_liaison_outbox_content_check(ctx, NULL, 1);
    }

    /* a work order's handlers hear of it at once */
    if (row[7] || row[8]) {
        ngx_http_liaison_outbox_handlers(ctx, (char *) fu->ticket_no.data,
                                         LSN_KIND_TICKET_MESSAGE);
    }

    if (fu->extra) {
        fu->extra(ctx, fu);
    }

    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run(ctx, ngx_http_liaison_message_done);
}


static void
ngx_http_liaison_message_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;
    fu->done(ctx, fu);
}


static void
ngx_http_liaison_message_answer(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu)
{
    ngx_http_liaison_buf_t  b;

    if (ctx->op.rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(&b, "{");
    ngx_http_liaison_json_kv(&b, "ticket_no", fu->ticket_no.data,
                             fu->ticket_no.len);

    if (fu->reopen) {
        ngx_http_liaison_buf_lit(&b,
                                 ",\"status\":\"reopened\",\"reopened\":true");
        ngx_http_liaison_json_kv_time(&b, "due_at", fu->due_at);

    } else {
        ngx_http_liaison_json_kv(&b, "status", fu->status.data,
                                 fu->status.len);
        ngx_http_liaison_buf_lit(&b, ",\"reopened\":false");
    }

    ngx_http_liaison_json_kv_time(&b, "created_at", ctx->now);
    ngx_http_liaison_buf_lit(&b, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_CREATED, &b);
}


/* POST /tickets/{no}/feedback {rating, comment} */

static void
ngx_http_liaison_tickets_feedback(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_json_t      *rating, *comment;
    ngx_http_liaison_followup_t  *fu;

    fu = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_followup_t));
    if (fu == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = fu;

    rating = ngx_http_liaison_json_get(ctx->body, "rating");
    comment = ngx_http_liaison_json_get(ctx->body, "comment");

    if (ngx_http_liaison_caller(ctx, fu) != NGX_OK
        || ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK)
    {
        return;
    }

    if (rating == NULL || rating->type != NGX_HTTP_LIAISON_JSON_NUMBER
        || rating->value.len != 1
        || rating->value.data[0] < '1' || rating->value.data[0] > '5')
    {
        ngx_http_liaison_invalid(ctx, "评分须为 1 到 5 的整数", "rating");
        return;
    }

    fu->rating = rating->value.data[0] - '0';

    if (comment && comment->type != NGX_HTTP_LIAISON_JSON_NULL) {
        if (comment->type != NGX_HTTP_LIAISON_JSON_STRING
            || (comment->value.len
                && lsn_text_valid(comment->value.data, comment->value.len,
                                  0, NGX_HTTP_LIAISON_COMMENT_MAX)
                   != 0))
        {
            ngx_http_liaison_invalid(ctx, "评价内容最多 500 个字符，"
                                          "且不含控制字符", "comment");
            return;
        }

        fu->comment = comment->value;
    }

    fu->ticket_no = *ngx_http_liaison_path(ctx, "no");

    if (!lsn_ticket_no_valid((char *) fu->ticket_no.data, fu->ticket_no.len))
    {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT id, status, closed_at, owner_litigant_id, track, "
        "category, ticket_no, department_id, assignee_staff_id, query_code "
        "FROM tickets WHERE ticket_no = $s",
        fu->ticket_no.data, fu->ticket_no.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_feedback_loaded);
}


static void
ngx_http_liaison_feedback_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    u_char                       *note, *p;
    MYSQL_ROW                     row;
    unsigned long                *len;
    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_own_ticket(ctx, op, 0, fu, &row, &len) != NGX_OK) {
        return;
    }

    if (!ngx_http_liaison_answered(&fu->status)) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "诉求答复或办结后才能评价", NULL);
        return;
    }

    /* the people who handled it read the rating and the comment in its
       timeline (an internal event) */
    note = ngx_pnalloc(ctx->r->pool, sizeof("评价 5 星：") + fu->comment.len);
    if (note == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    p = ngx_sprintf(note, "评价 %i 星", fu->rating);

    if (fu->comment.len) {
        p = ngx_sprintf(p, "：%V", &fu->comment);
    }

    /*
     * Only while the ticket is still answered: INSERT ... SELECT writes
     * nothing if a follow-up reopened it meanwhile; a second feedback
     * hits the primary key.
     */
    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO ticket_feedback (ticket_id, litigant_id, rating, "
        "comment, created_at) SELECT id, NULLIF($u, 0), $i, $s, $t "
        "FROM tickets WHERE id = $u "
        "AND status IN ('answered', 'replied', 'closed');"
        "INSERT INTO ticket_events (ticket_id, type, actor_kind, "
        "actor_id, note, public, created_at) SELECT ticket_id, "
        "'feedback', $z, litigant_id, $s, 0, $t "
        "FROM ticket_feedback WHERE ticket_id = $u AND created_at = $t",
        (unsigned long long) ctx->subject_id, (long long) fu->rating,
        fu->comment.data, fu->comment.len, ctx->now,
        (unsigned long long) fu->ticket_id,
        fu->by_code ? "public" : "litigant",
        note, (size_t) (p - note), ctx->now,
        (unsigned long long) fu->ticket_id, ctx->now);

    if (fu->rating <= LSN_SUPERVISE_RATING_MAX) {
        ngx_http_liaison_feedback_supervise(ctx, fu);
    }

    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run(ctx, ngx_http_liaison_feedback_done);
}


/*
 * A17: a rating of 1 or 2 puts the request under special supervision and
 * tells the leader who answers for it, when the feedback was recorded.
 */

static void
ngx_http_liaison_feedback_supervise(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu)
{
    u_char                  why[64];
    ngx_str_t               cond, reason;
    ngx_http_liaison_buf_t  b;

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 160);
    ngx_http_liaison_buf_sql(&b,
        "t.id = $u AND EXISTS (SELECT 1 FROM ticket_feedback f "
        "WHERE f.ticket_id = t.id AND f.created_at = $t)",
        (unsigned long long) fu->ticket_id, ctx->now);

    if (ngx_http_liaison_buf_str(&b, &cond) != NGX_OK) {
        ctx->sql.failed = 1;
        return;
    }

    reason.data = why;
    reason.len = lsn_supervise_reason_zh(LSN_SUPERVISE_RATING,
                                         (int) fu->rating, (char *) why,
                                         sizeof(why));

    ngx_http_liaison_supervise(ctx, &cond, LSN_SUPERVISE_RATING,
                               &reason, 0, NULL, 1);
}


static void
ngx_http_liaison_feedback_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_buf_t        b;
    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;

    if (op->rc == NGX_ERROR && op->err_no == 1062) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "该诉求已经评价过", NULL);
        return;
    }

    /* START, feedback, event, (A17: event, alert, mark,) COMMIT */
    if (op->rc != NGX_OK
        || op->nstmts != (fu->rating <= LSN_SUPERVISE_RATING_MAX ? 7 : 4))
    {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->affected[1] != 1) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "诉求答复或办结后才能评价", NULL);
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool,
                                     256 + 2 * fu->comment.len);

    ngx_http_liaison_buf_lit(&b, "{");
    ngx_http_liaison_json_kv(&b, "ticket_no", fu->ticket_no.data,
                             fu->ticket_no.len);
    ngx_http_liaison_json_key(&b, "rating");
    ngx_http_liaison_json_int(&b, fu->rating);
    ngx_http_liaison_json_kv(&b, "comment", fu->comment.data,
                             fu->comment.len);
    ngx_http_liaison_json_kv_time(&b, "created_at", ctx->now);
    ngx_http_liaison_buf_lit(&b, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_CREATED, &b);
}


/* Answered, replied or closed: the court has spoken, it can be rated. */

static ngx_uint_t
ngx_http_liaison_answered(ngx_str_t *status)
{
    return (status->len == 6 && ngx_strncmp(status->data, "closed", 6) == 0)
           || (status->len == 7
               && ngx_strncmp(status->data, "replied", 7) == 0)
           || (status->len == 8
               && ngx_strncmp(status->data, "answered", 8) == 0);
}


static void
ngx_http_liaison_ticket_not_found(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_not_found(ctx, "未找到该诉求，请核对编号和查询码");
}


/*
 * GET /notifications: the litigant's in-app list — every subscribe message
 * made for them, delivered or not (a message without consent left waits
 * here), newest first.
 */

static void
ngx_http_liaison_notifications(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', o.id, 'kind', o.kind, 'ticket_no', "
        "t.ticket_no, 'delivered', "
        NGX_HTTP_LIAISON_SQL_BOOL("o.status = 'sent'") ", 'data', "
        "JSON_EXTRACT(o.payload, '$$.data'), 'page', "
        "JSON_VALUE(o.payload, '$$.page'), 'created_at', "
        "DATE_FORMAT(o.created_at, '%Y-%m-%dT%H:%i:%s+08:00')) "
        "FROM outbox o JOIN litigants l ON l.openid = o.recipient "
        "LEFT JOIN tickets t ON t.id = o.ticket_id "
        "WHERE l.id = $u AND o.channel = 'wx_subscribe' "
        "ORDER BY o.id DESC LIMIT 50",
        (unsigned long long) ctx->subject_id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_mine_endpoints[] = {

    { ngx_string("tickets"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_LITIGANTS, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_tickets_mine, 0 },

    { ngx_string("tickets/{no}/messages"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_ANYONE, 0, NGX_HTTP_LIAISON_BODY_JSON,
      NGX_HTTP_LIAISON_CALENDAR, ngx_http_liaison_tickets_message, 0 },

    { ngx_string("tickets/{no}/feedback"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_ANYONE, 0, NGX_HTTP_LIAISON_BODY_JSON, 0,
      ngx_http_liaison_tickets_feedback, 0 },

    { ngx_string("notifications"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_LITIGANTS, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_notifications, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
