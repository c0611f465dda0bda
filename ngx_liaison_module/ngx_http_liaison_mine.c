
/*
 * Copyright (C) Liaison authors
 *
 * A litigant's own requests: GET /tickets?mine=1, follow-up messages
 * (POST /tickets/{no}/messages, reopening a ticket closed less than 7
 * days ago) and feedback (POST /tickets/{no}/feedback).  Also the SQL
 * pieces other endpoints add to their transactions: triage hits, the
 * content check and the reply push, both through the outbox.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_module.h"
#include "lsn_sql.h"
#include "lsn_text.h"
#include "lsn_ticket.h"


#define NGX_HTTP_LIAISON_MESSAGE_MAX   2000
#define NGX_HTTP_LIAISON_COMMENT_MAX   500
#define NGX_HTTP_LIAISON_REOPEN_DAYS   7
#define NGX_HTTP_LIAISON_PER_PAGE      20
#define NGX_HTTP_LIAISON_PER_PAGE_MAX  100


typedef struct {
    ngx_str_t                   content;
    ngx_int_t                   rating;
    ngx_str_t                   comment;        /* data NULL: none */

    uint64_t                    ticket_id;
    char                        ticket_no[32];
    ngx_str_t                   status;
    ngx_uint_t                  reopen;
    time_t                      due_at;
    ngx_uint_t                  has_openid;
    lsn_triage_result_t         triage;
} ngx_http_liaison_followup_t;


static ngx_int_t ngx_http_liaison_litigant_only(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_mine_loaded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_message_lock(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_message_locked(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_message_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_feedback_loaded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_feedback_done(ngx_http_liaison_db_op_t *op);
static ngx_int_t ngx_http_liaison_own_ticket(ngx_http_liaison_ctx_t *ctx,
    MYSQL_RES *res, ngx_http_liaison_followup_t *fu, MYSQL_ROW *rowp);
static void ngx_http_liaison_ticket_not_found(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_risk_list(ngx_pool_t *pool,
    lsn_triage_result_t *res, ngx_str_t *list);
static void ngx_http_liaison_out_dt(ngx_http_liaison_out_t *out,
    const char *key, char *value, unsigned long len);


void
ngx_http_liaison_unauthorized(ngx_http_liaison_ctx_t *ctx)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&ctx->r->headers_out.headers);
    if (h != NULL) {
        h->hash = 1;
        ngx_str_set(&h->key, "WWW-Authenticate");
        ngx_str_set(&h->value, "Bearer");
    }

    ngx_http_liaison_error(ctx, NGX_HTTP_UNAUTHORIZED, "unauthenticated",
                           "需要登录", NULL);
}


/* 401 without a token, 403 for staff; NGX_OK for a litigant. */

static ngx_int_t
ngx_http_liaison_litigant_only(ngx_http_liaison_ctx_t *ctx)
{
    if (ctx->who == NGX_HTTP_LIAISON_ANON) {
        ngx_http_liaison_unauthorized(ctx);
        return NGX_ERROR;
    }

    if (ctx->who != NGX_HTTP_LIAISON_LITIGANT || ctx->subject_id == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "仅限当事人本人操作", NULL);
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_page(ngx_http_liaison_ctx_t *ctx, ngx_uint_t *page,
    ngx_uint_t *per_page)
{
    ngx_int_t  n;
    ngx_str_t  v;

    *page = 1;
    *per_page = NGX_HTTP_LIAISON_PER_PAGE;

    if (ngx_http_liaison_arg(ctx->r, "page", &v) == NGX_OK) {
        n = ngx_atoi(v.data, v.len);
        if (n < 1 || n > 100000) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "page 须为 1 到 100000 的整数", "page");
            return NGX_ERROR;
        }

        *page = n;
    }

    if (ngx_http_liaison_arg(ctx->r, "per_page", &v) == NGX_OK) {
        n = ngx_atoi(v.data, v.len);
        if (n < 1 || n > NGX_HTTP_LIAISON_PER_PAGE_MAX) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "per_page 须为 1 到 100 的整数",
                                   "per_page");
            return NGX_ERROR;
        }

        *per_page = n;
    }

    return NGX_OK;
}


/* GET /tickets?mine=1[&page=&per_page=] */

void
ngx_http_liaison_tickets_mine(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t   v;
    ngx_uint_t  page, per_page;

    if (ngx_http_liaison_litigant_only(ctx) != NGX_OK) {
        return;
    }

    if (ngx_http_liaison_arg(ctx->r, "mine", &v) != NGX_OK
        || v.len != 1 || v.data[0] != '1')
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "当事人只能查看自己的诉求：请加 mine=1",
                               "mine");
        return;
    }

    if (ngx_http_liaison_page(ctx, &page, &per_page) != NGX_OK) {
        return;
    }

    if (ngx_http_liaison_db_sql(ctx->r->pool, &ctx->op.sql,
            "SELECT ticket_no, channel, category, track, status, case_no, "
            "content, created_at, due_at, updated_at, closed_at "
            "FROM tickets WHERE owner_litigant_id = $u "
            "ORDER BY id DESC LIMIT $u OFFSET $u;"
            "SELECT COUNT(*) FROM tickets WHERE owner_litigant_id = $u",
            (unsigned long long) ctx->subject_id,
            (unsigned long long) per_page,
            (unsigned long long) ((page - 1) * per_page),
            (unsigned long long) ctx->subject_id)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_mine_loaded);
}


static void
ngx_http_liaison_mine_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    size_t                   size;
    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_out_t   out;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    size = 64 + mysql_num_rows(op->res[0]) * 512;

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, size) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{\"items\":[");

    while ((row = mysql_fetch_row(op->res[0])) != NULL) {
        len = mysql_fetch_lengths(op->res[0]);

        if (out.pos[-1] != '[') {
            ngx_http_liaison_out_lit(&out, ",");
        }

        ngx_http_liaison_out_lit(&out, "{");
        ngx_http_liaison_out_kv(&out, "ticket_no", (u_char *) row[0],
                                len[0]);
        ngx_http_liaison_out_kv(&out, "channel", (u_char *) row[1], len[1]);
        ngx_http_liaison_out_kv(&out, "category", (u_char *) row[2],
                                len[2]);
        ngx_http_liaison_out_kv(&out, "track", (u_char *) row[3], len[3]);
        ngx_http_liaison_out_kv(&out, "status", (u_char *) row[4], len[4]);
        ngx_http_liaison_out_kv(&out, "case_no", (u_char *) row[5], len[5]);
        ngx_http_liaison_out_kv(&out, "content", (u_char *) row[6], len[6]);
        ngx_http_liaison_out_dt(&out, "created_at", row[7], len[7]);
        ngx_http_liaison_out_dt(&out, "due_at", row[8], len[8]);
        ngx_http_liaison_out_dt(&out, "updated_at", row[9], len[9]);
        ngx_http_liaison_out_dt(&out, "closed_at", row[10], len[10]);
        ngx_http_liaison_out_lit(&out, "}");
    }

    ngx_http_liaison_out_lit(&out, "],\"total\":");

    row = mysql_fetch_row(op->res[1]);
    if (row && row[0]) {
        ngx_http_liaison_out_raw(&out, row[0], ngx_strlen(row[0]));

    } else {
        ngx_http_liaison_out_lit(&out, "0");
    }

    ngx_http_liaison_out_lit(&out, "}");

    ngx_http_liaison_finish(ctx, NGX_HTTP_OK, &out);
}


/* POST /tickets/{no}/messages {content} */

void
ngx_http_liaison_tickets_message(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_json_t      *v, *extra;
    ngx_http_liaison_followup_t  *fu;

    if (ngx_http_liaison_litigant_only(ctx) != NGX_OK) {
        return;
    }

    fu = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_followup_t));
    if (fu == NULL) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->data = fu;

    v = ngx_http_liaison_json_get(ctx->body, "content");

    extra = ngx_http_liaison_json_unused(ctx->body);
    if (extra) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "未知字段", (char *) extra->key.data);
        return;
    }

    if (v == NULL || v->type != NGX_HTTP_LIAISON_JSON_STRING
        || lsn_text_valid(v->value.data, v->value.len, 1,
                          NGX_HTTP_LIAISON_MESSAGE_MAX)
           != 0)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "补充内容须为 1 到 2000 个字符，"
                               "且不含控制字符", "content");
        return;
    }

    fu->content = v->value;

    if (!lsn_ticket_no_valid((char *) ctx->arg.data, ctx->arg.len)) {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    /* a reopened ticket gets a new due time */
    ngx_http_liaison_calendar_ready(ctx, ngx_http_liaison_message_lock);
}


/*
 * A follow-up on behalf of another endpoint (the WeChat push): the owner
 * is the litigant in ctx->who/subject_id, content passed lsn_text_valid()
 * already; ctx->hook adds to the transaction and answers the client.
 */

void
ngx_http_liaison_followup_submit(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *ticket_no, ngx_str_t *content)
{
    ngx_http_liaison_followup_t  *fu;

    fu = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_followup_t));
    if (fu == NULL) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->data = fu;
    fu->content = *content;
    ctx->arg = *ticket_no;

    ngx_http_liaison_calendar_ready(ctx, ngx_http_liaison_message_lock);
}


static void
ngx_http_liaison_message_lock(ngx_http_liaison_ctx_t *ctx)
{
    /* the row stays locked until this request's COMMIT (or close) */
    if (ngx_http_liaison_db_sql(ctx->r->pool, &ctx->op.sql,
            "START TRANSACTION;"
            "SELECT id, status, closed_at, owner_litigant_id, track, "
            "category, ticket_no FROM tickets WHERE ticket_no = $s "
            "FOR UPDATE;"
            "SELECT openid FROM litigants WHERE id = $u",
            ctx->arg.data, ctx->arg.len,
            (unsigned long long) ctx->subject_id)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_message_locked);
}


/*
 * The caller's own ticket (columns id, status, closed_at, owner, track,
 * category, ticket_no), or NGX_DECLINED after a 404 like an unknown one.
 */

static ngx_int_t
ngx_http_liaison_own_ticket(ngx_http_liaison_ctx_t *ctx, MYSQL_RES *res,
    ngx_http_liaison_followup_t *fu, MYSQL_ROW *rowp)
{
    MYSQL_ROW       row;
    ngx_int_t       n;
    unsigned long  *len;

    row = res ? mysql_fetch_row(res) : NULL;
    if (row == NULL || row[3] == NULL) {
        ngx_http_liaison_ticket_not_found(ctx);
        return NGX_DECLINED;
    }

    len = mysql_fetch_lengths(res);

    n = ngx_atoi((u_char *) row[3], len[3]);
    if (n <= 0 || (uint64_t) n != ctx->subject_id) {
        ngx_http_liaison_ticket_not_found(ctx);
        return NGX_DECLINED;
    }

    n = ngx_atoi((u_char *) row[0], len[0]);
    if (n <= 0 || len[6] >= sizeof(fu->ticket_no)) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_ERROR;
    }

    fu->ticket_id = n;
    ngx_memcpy(fu->ticket_no, row[6], len[6]);
    fu->ticket_no[len[6]] = '\0';

    /* a copy: the result is freed by the next query */
    fu->status.len = len[1];
    fu->status.data = ngx_pnalloc(ctx->r->pool, len[1] + 1);
    if (fu->status.data == NULL) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_ERROR;
    }

    ngx_memcpy(fu->status.data, row[1], len[1]);
    *rowp = row;

    return NGX_OK;
}


static void
ngx_http_liaison_message_locked(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    int                           unknown, category;
    time_t                        closed;
    MYSQL_ROW                     row, lrow;
    ngx_str_t                    *sql, risks;
    ngx_int_t                     rc;
    lsn_track_e                   track;
    unsigned long                *len;
    ngx_http_request_t           *r;
    ngx_http_liaison_followup_t  *fu;

    r = ctx->r;
    fu = ctx->data;
    sql = &op->sql;

    if (op->rc != NGX_OK || op->nstmts != 3) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    rc = ngx_http_liaison_own_ticket(ctx, op->res[1], fu, &row);
    if (rc != NGX_OK) {
        return;
    }

    len = mysql_fetch_lengths(op->res[1]);
    lrow = mysql_fetch_row(op->res[2]);
    fu->has_openid = (lrow != NULL && lrow[0] != NULL);

    if (fu->status.len == 6
        && ngx_strncmp(fu->status.data, "closed", 6) == 0)
    {
        if (row[2] == NULL || lsn_parse_datetime(row[2], len[2], &closed)
            != 0
            || ctx->now > closed + NGX_HTTP_LIAISON_REOPEN_DAYS * 86400)
        {
            ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                                   "该诉求办结已超过 7 天，"
                                   "请提交新的诉求", NULL);
            return;
        }

        fu->reopen = 1;
        track = (len[4] == 6 && ngx_strncmp(row[4], "simple", 6) == 0)
                ? LSN_TRACK_SIMPLE : LSN_TRACK_ORDINARY;
        fu->due_at = lsn_calendar_add_working_days(ctx->mcf->calendar,
                                                   ctx->now,
                                                   (int) ctx->mcf->sla[track],
                                                   &unknown);
    }

    category = lsn_category_index(row[5], len[5]);
    ngx_http_liaison_triage_run(ctx, category, &fu->content, &fu->triage);

    if (ngx_http_liaison_risk_list(r->pool, &fu->triage, &risks) != NGX_OK) {
        goto failed;
    }

    /* the transaction is open: the ticket row is ours */

    if (ngx_http_liaison_db_sql(r->pool, sql,
            "UPDATE tickets SET updated_at = $t", ctx->now)
        != NGX_OK)
    {
        goto failed;
    }

    if (fu->reopen
        && ngx_http_liaison_db_sql_append(r->pool, sql,
               ", status = 'reopened', due_at = $t, closed_at = NULL",
               fu->due_at)
           != NGX_OK)
    {
        goto failed;
    }

    if (fu->triage.nrisks
        && ngx_http_liaison_db_sql_append(r->pool, sql,
               ", risk_flag = 1, risk_rules = "
               "LEFT(CONCAT_WS(',', risk_rules, $s), 255)",
               risks.data, risks.len)
           != NGX_OK)
    {
        goto failed;
    }

    if (ngx_http_liaison_db_sql_append(r->pool, sql,
            " WHERE id = $u;"
            "INSERT INTO ticket_messages (ticket_id, author_kind, "
            "author_id, content, content_review, created_at) VALUES "
            "($u, 'litigant', $u, $s, $z, $t);"
            "SET @lsn_message = LAST_INSERT_ID();"
            "INSERT INTO ticket_events (ticket_id, type, actor_kind, "
            "actor_id, status_from, status_to, note, public, created_at) "
            "VALUES ($u, 'message', 'litigant', $u, NULL, NULL, $s, 1, $t)",
            (unsigned long long) fu->ticket_id,
            (unsigned long long) fu->ticket_id,
            (unsigned long long) ctx->subject_id,
            fu->content.data, fu->content.len,
            fu->has_openid ? "pending" : NULL, ctx->now,
            (unsigned long long) fu->ticket_id,
            (unsigned long long) ctx->subject_id,
            fu->content.data, fu->content.len, ctx->now)
        != NGX_OK)
    {
        goto failed;
    }

    if (fu->reopen
        && ngx_http_liaison_db_sql_append(r->pool, sql,
               ",($u, 'reopened', 'litigant', $u, 'closed', 'reopened', "
               "NULL, 1, $t)",
               (unsigned long long) fu->ticket_id,
               (unsigned long long) ctx->subject_id, ctx->now)
           != NGX_OK)
    {
        goto failed;
    }

    if (ngx_http_liaison_triage_sql(ctx, sql, fu->ticket_no, &fu->triage, 1)
        != NGX_OK)
    {
        goto failed;
    }

    if (fu->has_openid
        && ngx_http_liaison_db_sql_append(r->pool, sql,
               ";INSERT INTO outbox (channel, recipient, template_id, "
               "payload, ticket_id, kind, next_attempt_at, created_at) "
               "SELECT 'wx_sec_check', l.openid, NULL, "
               "JSON_OBJECT('version', 2, 'scene', 2, 'content', m.content, "
               "'ticket_id', m.ticket_id, 'message_id', m.id), "
               "m.ticket_id, 'content_check', $t, $t "
               "FROM ticket_messages m JOIN litigants l ON l.id = $u "
               "WHERE m.id = @lsn_message",
               ctx->now, ctx->now, (unsigned long long) ctx->subject_id)
           != NGX_OK)
    {
        goto failed;
    }

    if (ctx->hook) {
        /* the endpoint that sent this message adds its statements */
        ngx_cpystrn((u_char *) ctx->hook->ticket_no, (u_char *) fu->ticket_no,
                    sizeof(ctx->hook->ticket_no));
        ctx->hook->reopened = fu->reopen;

        if (ctx->hook->sql(ctx, sql) != NGX_OK) {
            goto failed;
        }
    }

    if (ngx_http_liaison_db_sql_append(r->pool, sql, ";COMMIT") != NGX_OK) {
        goto failed;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_message_done);
    return;

failed:

    ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
}


static void
ngx_http_liaison_message_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_out_t        out;
    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;

    if (ctx->hook) {
        ctx->hook->done(ctx, op);
        return;
    }

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, 256) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{");
    ngx_http_liaison_out_kv(&out, "ticket_no", (u_char *) fu->ticket_no,
                            ngx_strlen(fu->ticket_no));

    if (fu->reopen) {
        ngx_http_liaison_out_lit(&out,
                                 ",\"status\":\"reopened\",\"reopened\":true");
        ngx_http_liaison_out_kv_time(&out, "due_at", fu->due_at);

    } else {
        ngx_http_liaison_out_kv(&out, "status", fu->status.data,
                                fu->status.len);
        ngx_http_liaison_out_lit(&out, ",\"reopened\":false");
    }

    ngx_http_liaison_out_kv_time(&out, "created_at", ctx->now);
    ngx_http_liaison_out_lit(&out, "}");

    ngx_http_liaison_finish(ctx, NGX_HTTP_CREATED, &out);
}


/* POST /tickets/{no}/feedback {rating, comment} */

void
ngx_http_liaison_tickets_feedback(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_json_t      *rating, *comment, *extra;
    ngx_http_liaison_followup_t  *fu;

    if (ngx_http_liaison_litigant_only(ctx) != NGX_OK) {
        return;
    }

    fu = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_followup_t));
    if (fu == NULL) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->data = fu;

    rating = ngx_http_liaison_json_get(ctx->body, "rating");
    comment = ngx_http_liaison_json_get(ctx->body, "comment");

    extra = ngx_http_liaison_json_unused(ctx->body);
    if (extra) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "未知字段", (char *) extra->key.data);
        return;
    }

    if (rating == NULL || rating->type != NGX_HTTP_LIAISON_JSON_NUMBER
        || rating->value.len != 1
        || rating->value.data[0] < '1' || rating->value.data[0] > '5')
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "评分须为 1 到 5 的整数", "rating");
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
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "评价内容最多 500 个字符，"
                                   "且不含控制字符", "comment");
            return;
        }

        fu->comment = comment->value;
    }

    if (!lsn_ticket_no_valid((char *) ctx->arg.data, ctx->arg.len)) {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    if (ngx_http_liaison_db_sql(ctx->r->pool, &ctx->op.sql,
            "SELECT id, status, closed_at, owner_litigant_id, track, "
            "category, ticket_no FROM tickets WHERE ticket_no = $s",
            ctx->arg.data, ctx->arg.len)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_feedback_loaded);
}


static void
ngx_http_liaison_feedback_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    u_char                        note[16], *p;
    MYSQL_ROW                     row;
    ngx_int_t                     rc;
    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    rc = ngx_http_liaison_own_ticket(ctx, op->res[0], fu, &row);
    if (rc != NGX_OK) {
        return;
    }

    if (fu->status.len != 6 || ngx_strncmp(fu->status.data, "closed", 6)) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "诉求办结后才能评价", NULL);
        return;
    }

    p = ngx_sprintf(note, "rating %i", fu->rating);

    /*
     * Only while the ticket is still closed: INSERT ... SELECT writes
     * nothing if a follow-up reopened it meanwhile; a second feedback
     * hits the primary key.
     */
    if (ngx_http_liaison_db_sql(ctx->r->pool, &op->sql,
            "START TRANSACTION;"
            "INSERT INTO ticket_feedback (ticket_id, litigant_id, rating, "
            "comment, created_at) SELECT id, $u, $i, $s, $t FROM tickets "
            "WHERE id = $u AND status = 'closed';"
            "INSERT INTO ticket_events (ticket_id, type, actor_kind, "
            "actor_id, note, public, created_at) SELECT ticket_id, "
            "'feedback', 'litigant', litigant_id, $s, 0, $t "
            "FROM ticket_feedback WHERE ticket_id = $u AND created_at = $t;"
            "COMMIT",
            (unsigned long long) ctx->subject_id, (long long) fu->rating,
            fu->comment.data, fu->comment.len, ctx->now,
            (unsigned long long) fu->ticket_id,
            note, (size_t) (p - note), ctx->now,
            (unsigned long long) fu->ticket_id, ctx->now)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_feedback_done);
}


static void
ngx_http_liaison_feedback_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_out_t        out;
    ngx_http_liaison_followup_t  *fu;

    fu = ctx->data;

    if (op->rc == NGX_ERROR && op->err_no == 1062) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "该诉求已经评价过", NULL);
        return;
    }

    if (op->rc != NGX_OK || op->nstmts != 4) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->affected[1] != 1) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "诉求办结后才能评价", NULL);
        return;
    }

    if (ngx_http_liaison_out_init(&out, ctx->r->pool,
                                  256 + 2 * fu->comment.len)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{");
    ngx_http_liaison_out_kv(&out, "ticket_no", (u_char *) fu->ticket_no,
                            ngx_strlen(fu->ticket_no));
    ngx_http_liaison_out_key(&out, "rating");
    ngx_http_liaison_out_int(&out, fu->rating);
    ngx_http_liaison_out_kv(&out, "comment", fu->comment.data,
                            fu->comment.len);
    ngx_http_liaison_out_kv_time(&out, "created_at", ctx->now);
    ngx_http_liaison_out_lit(&out, "}");

    ngx_http_liaison_finish(ctx, NGX_HTTP_CREATED, &out);
}


static void
ngx_http_liaison_ticket_not_found(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                           "未找到该诉求，请核对编号和查询码", NULL);
}


/*
 * A separator between list items: sep (constant text of the code, never
 * input) before every item but the first.
 */

ngx_int_t
ngx_http_liaison_sql_sep(ngx_pool_t *pool, ngx_str_t *sql, ngx_uint_t i,
    const char *sep)
{
    size_t   n;
    u_char  *p;

    if (i == 0) {
        return NGX_OK;
    }

    n = ngx_strlen(sep);

    p = ngx_pnalloc(pool, sql->len + n);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, sql->data, sql->len);
    ngx_memcpy(p + sql->len, sep, n);
    sql->data = p;
    sql->len += n;

    return NGX_OK;
}


/* The growing SQL buffer */

ngx_int_t
ngx_http_liaison_sqlbuf_init(ngx_http_liaison_sqlbuf_t *b, ngx_pool_t *pool,
    size_t size)
{
    b->pool = pool;
    b->failed = 0;
    b->start = ngx_pnalloc(pool, size);
    if (b->start == NULL) {
        return NGX_ERROR;
    }

    b->pos = b->start;
    b->end = b->start + size;

    return NGX_OK;
}


static ngx_int_t
ngx_http_liaison_sqlbuf_grow(ngx_http_liaison_sqlbuf_t *b, size_t need)
{
    size_t   size, used;
    u_char  *p;

    used = b->pos - b->start;
    size = b->end - b->start;

    while (size - used < need + 1) {
        size *= 2;
    }

    p = ngx_pnalloc(b->pool, size);
    if (p == NULL) {
        b->failed = 1;
        return NGX_ERROR;
    }

    ngx_memcpy(p, b->start, used);
    b->start = p;
    b->pos = p + used;
    b->end = p + size;

    return NGX_OK;
}


void
ngx_http_liaison_sqlbuf_add(ngx_http_liaison_sqlbuf_t *b, const char *fmt,
    ...)
{
    long     n;
    va_list  args;

    if (b->failed) {
        return;
    }

    va_start(args, fmt);
    n = lsn_sql_vformat(NULL, 0, fmt, args);
    va_end(args);

    if (n < 0) {
        b->failed = 1;
        return;
    }

    if ((size_t) (b->end - b->pos) < (size_t) n + 1
        && ngx_http_liaison_sqlbuf_grow(b, n) != NGX_OK)
    {
        return;
    }

    va_start(args, fmt);
    (void) lsn_sql_vformat((char *) b->pos, n, fmt, args);
    va_end(args);

    b->pos += n;
}


void
ngx_http_liaison_sqlbuf_sep(ngx_http_liaison_sqlbuf_t *b, ngx_uint_t i,
    const char *sep)
{
    size_t  n;

    if (i == 0 || b->failed) {
        return;
    }

    n = ngx_strlen(sep);

    if ((size_t) (b->end - b->pos) < n + 1
        && ngx_http_liaison_sqlbuf_grow(b, n) != NGX_OK)
    {
        return;
    }

    b->pos = ngx_cpymem(b->pos, sep, n);
}


ngx_int_t
ngx_http_liaison_sqlbuf_done(ngx_http_liaison_sqlbuf_t *b, ngx_str_t *sql)
{
    if (b->failed
        || ((b->pos == b->end)
            && ngx_http_liaison_sqlbuf_grow(b, 0) != NGX_OK))
    {
        return NGX_ERROR;
    }

    *b->pos = '\0';
    sql->data = b->start;
    sql->len = b->pos - b->start;

    return NGX_OK;
}


/* Triage: the rules of liaison_triage_rules over a request's text. */

void
ngx_http_liaison_triage_run(ngx_http_liaison_ctx_t *ctx, int category,
    ngx_str_t *text, lsn_triage_result_t *res)
{
    size_t  i;

    if (lsn_triage_classify(ctx->mcf->lit.triage, category,
                            (char *) text->data, text->len, res)
        != 0)
    {
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: triage failed, the category decides");
    }

    for (i = 0; i < res->nrisks; i++) {
        ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                      "liaison: risk signal \"%s\" (rule %s)",
                      res->risks[i]->label, res->risks[i]->id);
    }
}


/* "id,id,...": the risk rules hit, at most 255 bytes. */

static ngx_int_t
ngx_http_liaison_risk_list(ngx_pool_t *pool, lsn_triage_result_t *res,
    ngx_str_t *list)
{
    u_char  *p, *last;
    size_t   i, n;

    list->len = 0;
    list->data = ngx_pnalloc(pool, 256);
    if (list->data == NULL) {
        return NGX_ERROR;
    }

    p = list->data;
    last = p + 255;

    for (i = 0; i < res->nrisks; i++) {
        n = ngx_strlen(res->risks[i]->id);

        if (p + n + (i ? 1 : 0) > last) {
            break;
        }

        if (i) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, res->risks[i]->id, n);
    }

    list->len = p - list->data;

    return NGX_OK;
}


/*
 * Appends the ticket's triage columns for an INSERT INTO tickets: the
 * values of (triage_rule, risk_flag, risk_rules) as "$s, $i, $s".
 */

ngx_int_t
ngx_http_liaison_triage_columns(ngx_http_liaison_ctx_t *ctx, ngx_str_t *sql,
    lsn_triage_result_t *res)
{
    ngx_str_t    risks;
    const char  *rule;

    if (ngx_http_liaison_risk_list(ctx->r->pool, res, &risks) != NGX_OK) {
        return NGX_ERROR;
    }

    rule = res->track_rule ? res->track_rule->id : NULL;

    return ngx_http_liaison_db_sql_append(ctx->r->pool, sql,
               "$s, $i, $s",
               rule, rule ? ngx_strlen(rule) : 0,
               (long long) (res->nrisks > 0),
               res->nrisks ? risks.data : NULL, risks.len);
}


/*
 * ";INSERT INTO triage_hits ...": the rule that set the track and every
 * risk rule hit; nothing when there are none.  message: the hits are of
 * the message whose id is in @lsn_message.
 */

ngx_int_t
ngx_http_liaison_triage_sql(ngx_http_liaison_ctx_t *ctx, ngx_str_t *sql,
    const char *ticket_no, lsn_triage_result_t *res, ngx_uint_t message)
{
    size_t             i, n;
    ngx_pool_t        *pool;
    const lsn_rule_t  *hits[LSN_TRIAGE_MAX_HITS + 1];

    pool = ctx->r->pool;
    n = 0;

    if (res->track_rule && !message) {
        hits[n++] = res->track_rule;
    }

    for (i = 0; i < res->nrisks; i++) {
        hits[n++] = res->risks[i];
    }

    if (n == 0) {
        return NGX_OK;
    }

    if (ngx_http_liaison_db_sql_append(pool, sql,
            message
            ? ";INSERT INTO triage_hits (ticket_id, message_id, rule_id, "
              "action, label, created_at) SELECT t.id, @lsn_message, "
              "h.r, h.a, h.l, $t FROM tickets t JOIN ("
            : ";INSERT INTO triage_hits (ticket_id, message_id, rule_id, "
              "action, label, created_at) SELECT t.id, NULL, "
              "h.r, h.a, h.l, $t FROM tickets t JOIN (",
            ctx->now)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_liaison_sql_sep(pool, sql, i, " UNION ALL ") != NGX_OK
            || ngx_http_liaison_db_sql_append(pool, sql,
                "SELECT $z AS r, $z AS a, $z AS l", hits[i]->id,
                lsn_rule_action_name(hits[i]->action), hits[i]->label)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_liaison_db_sql_append(pool, sql,
               ") h WHERE t.ticket_no = $z", ticket_no);
}


/*
 * ";INSERT INTO outbox ...": the ticket's text to WeChat's msg_sec_check
 * (the worker sends it and records the verdict), for a ticket whose owner
 * has a WeChat identity; nothing is written otherwise.
 */

ngx_int_t
ngx_http_liaison_content_check_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *sql, const char *ticket_no)
{
    return ngx_http_liaison_db_sql_append(ctx->r->pool, sql,
               ";INSERT INTO outbox (channel, recipient, template_id, "
               "payload, ticket_id, kind, next_attempt_at, created_at) "
               "SELECT 'wx_sec_check', l.openid, NULL, "
               "JSON_OBJECT('version', 2, 'scene', 2, 'content', t.content, "
               "'ticket_id', t.id, 'message_id', NULL), t.id, "
               "'content_check', $t, $t FROM tickets t "
               "JOIN litigants l ON l.id = t.owner_litigant_id "
               "WHERE t.ticket_no = $z",
               ctx->now, ctx->now, ticket_no);
}


/*
 * ";INSERT INTO outbox ...": a staff reply pushed to the ticket's owner
 * as a subscribe message (template liaison_wx_template ticket_reply);
 * nothing for a ticket without a WeChat owner.  For the staff reply's
 * transaction.
 */

ngx_int_t
ngx_http_liaison_push_reply_sql(ngx_http_liaison_ctx_t *ctx, ngx_str_t *sql,
    uint64_t ticket_id, ngx_str_t *reply)
{
    ngx_http_liaison_lit_conf_t  *lcf;

    lcf = &ctx->mcf->lit;

    return ngx_http_liaison_db_sql_append(ctx->r->pool, sql,
               ";INSERT INTO outbox (channel, recipient, template_id, "
               "payload, ticket_id, kind, next_attempt_at, created_at) "
               "SELECT 'wx_subscribe', l.openid, $s, "
               "JSON_OBJECT('data', JSON_OBJECT("
               "'character_string1', t.ticket_no, "
               "'phrase2', '已答复', "
               "'thing3', $s, "
               "'time4', DATE_FORMAT($t, '%Y-%m-%d %H:%i')), "
               "'page', CONCAT('pages/ticket/detail?ticket_no=', "
               "t.ticket_no)), t.id, 'ticket_reply', $t, $t "
               "FROM tickets t JOIN litigants l "
               "ON l.id = t.owner_litigant_id WHERE t.id = $u",
               lcf->wx_template_reply.len
               ? (char *) lcf->wx_template_reply.data : NULL,
               lcf->wx_template_reply.len,
               reply->data, reply->len, ctx->now, ctx->now, ctx->now,
               (unsigned long long) ticket_id);
}


static void
ngx_http_liaison_out_dt(ngx_http_liaison_out_t *out, const char *key,
    char *value, unsigned long len)
{
    time_t  t;

    if (value == NULL || lsn_parse_datetime(value, len, &t) != 0) {
        ngx_http_liaison_out_kv(out, key, NULL, 0);
        return;
    }

    ngx_http_liaison_out_kv_time(out, key, t);
}


/*
 * GET /notifications: the litigant's in-app list — every subscribe message
 * made for them, delivered or not (a message without consent left waits
 * here), newest first.
 */

void
ngx_http_liaison_notifications(ngx_http_liaison_ctx_t *ctx)
{
    if (ngx_http_liaison_litigant_only(ctx) != NGX_OK) {
        return;
    }

    if (ngx_http_liaison_db_sql(ctx->r->pool, &ctx->op.sql,
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
            (unsigned long long) ctx->subject_id)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_rows_done);
}
