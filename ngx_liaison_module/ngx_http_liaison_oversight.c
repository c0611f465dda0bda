
/*
 * Copyright (C) Liaison authors
 *
 * Oversight: risk warnings' closed loop (A10), the A2 indicators, and the
 * leaders' overview and follow-ups (A13, A14).  The liaison directory is
 * _liaisons.c, the monthly bulletin _bulletin.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_outbox.h"
#include "ngx_http_liaison_oversight.h"
#include "ngx_http_liaison_scope.h"
#include "lsn_kpi.h"
#include "lsn_text.h"
#include "lsn_workflow.h"


#define NGX_HTTP_LIAISON_KPI_MAX_DAYS  400


static const char  *ngx_http_liaison_risk_stages[] = {
    "received", "investigated", "assessed", "handled", "fed_back", NULL
};


static void ngx_http_liaison_risks_list(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_risk_get(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_risk_found(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_risk_advance(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_kpi(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_overview(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_follow_up_create(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_follow_up_list(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_follow_up_done(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_risk_advanced(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_kpi_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_kpi_row(ngx_http_liaison_buf_t *out,
    MYSQL_ROW row, unsigned long *len, ngx_uint_t keyed);
static void ngx_http_liaison_out_rate(ngx_http_liaison_buf_t *out,
    const char *key, unsigned long long num, unsigned long long den);
static void ngx_http_liaison_overview_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_created(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_changed(ngx_http_liaison_db_op_t *op);


/* GET /staff/risks[?open=1] */

static void
ngx_http_liaison_risks_list(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t  v;

    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', r.id, 'ticket_no', t.ticket_no, "
        "'level', r.level, 'source', r.source, 'rule_id', r.rule_id, "
        "'note', r.note, 'stage', r.stage, 'stage_since', "
        "DATE_FORMAT(r.stage_since, '%Y-%m-%dT%H:%i:%s+08:00'), "
        "'created_at', "
        "DATE_FORMAT(r.created_at, '%Y-%m-%dT%H:%i:%s+08:00'), "
        "'closed', " NGX_HTTP_LIAISON_SQL_BOOL("r.closed_at IS NOT NULL")
        ") "
        "FROM risks r LEFT JOIN tickets t ON t.id = r.ticket_id "
        "WHERE ($u = 0 OR r.closed_at IS NULL) AND ",
        (unsigned long long)
        (ngx_http_liaison_arg(ctx->r, "open", &v) == NGX_OK
         && v.len == 1 && v.data[0] == '1'));

    /* the risks of the tickets the caller sees, as everywhere */
    ngx_http_liaison_scope_sql(ctx);
    ngx_http_liaison_sql(ctx, " ORDER BY r.id DESC LIMIT 200");

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


/*
 * GET /staff/risks/{id}: a risk in the caller's scope with its closed
 * loop so far: each stage, who moved it there (null: the triage rules),
 * when, and the note.
 */

static void
ngx_http_liaison_risk_get(ngx_http_liaison_ctx_t *ctx)
{
    uint64_t  id;

    if (ngx_http_liaison_path_id(ctx, "id", &id) != NGX_OK) {
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', r.id, 'ticket_no', t.ticket_no, "
        "'level', r.level, 'source', r.source, 'rule_id', r.rule_id, "
        "'note', r.note, 'stage', r.stage, 'stage_since', "
        "DATE_FORMAT(r.stage_since, '%Y-%m-%dT%H:%i:%s+08:00'), "
        "'created_at', DATE_FORMAT(r.created_at, '%Y-%m-%dT%H:%i:%s+08:00'), "
        "'closed', " NGX_HTTP_LIAISON_SQL_BOOL("r.closed_at IS NOT NULL") ", "
        "'events', (SELECT JSON_ARRAYAGG(JSON_OBJECT('stage', e.stage, "
        "'note', e.note, 'at', "
        "DATE_FORMAT(e.created_at, '%Y-%m-%dT%H:%i:%s+08:00'), "
        "'staff', IF(s.id IS NULL, NULL, JSON_OBJECT('id', s.id, "
        "'name', s.name, 'role', s.role))) ORDER BY e.id) "
        "FROM risk_events e LEFT JOIN staff s ON s.id = e.staff_id "
        "WHERE e.risk_id = r.id)) "
        "FROM risks r LEFT JOIN tickets t ON t.id = r.ticket_id "
        "WHERE r.id = $u AND ", (unsigned long long) id);
    ngx_http_liaison_scope_sql(ctx);

    ngx_http_liaison_run(ctx, ngx_http_liaison_risk_found);
}


static void
ngx_http_liaison_risk_found(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_buf_t   b;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 0, &len);
    if (row == NULL || row[0] == NULL) {
        ngx_http_liaison_not_found(ctx, "风险记录不存在");
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, len[0] + 1);
    ngx_http_liaison_buf_raw(&b, row[0], len[0]);

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


/*
 * POST /staff/risks/{id}/advance {stage, note}: the next stage of
 * received -> investigated -> assessed -> handled -> fed_back, in order.
 */

static void
ngx_http_liaison_risk_advance(ngx_http_liaison_ctx_t *ctx)
{
    uint64_t     id;
    ngx_str_t    stage, note;
    ngx_uint_t   i;

    if (ngx_http_liaison_path_id(ctx, "id", &id) != NGX_OK) {
        return;
    }

    if (ngx_http_liaison_body_text(ctx, "stage", 1, 16, &stage) != NGX_OK
        || ngx_http_liaison_body_text(ctx, "note", 1, 2000, &note) != NGX_OK)
    {
        return;
    }

    for (i = 1; ngx_http_liaison_risk_stages[i]; i++) {
        if (stage.len == ngx_strlen(ngx_http_liaison_risk_stages[i])
            && ngx_strncmp(stage.data, ngx_http_liaison_risk_stages[i],
                           stage.len) == 0)
        {
            break;
        }
    }

    if (ngx_http_liaison_risk_stages[i] == NULL
        || ngx_http_liaison_json_unused(ctx->body) != NULL)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "阶段须为 investigated、assessed、handled 或 "
                               "fed_back", "stage");
        return;
    }

    /*
     * Stages move one at a time: the UPDATE matches only the stage before;
     * each stage's event is unique, so a concurrent second call fails on
     * it (1062) instead of writing the event twice.
     */
    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "UPDATE risks r LEFT JOIN tickets t ON t.id = r.ticket_id "
        "SET r.stage = $z, r.stage_since = $t, r.stage_alerted = 0, "
        "r.closed_at = IF($z = 'fed_back', $t, NULL) "
        "WHERE r.id = $u AND r.stage = $z AND ",
        ngx_http_liaison_risk_stages[i], ctx->now,
        ngx_http_liaison_risk_stages[i], ctx->now,
        (unsigned long long) id, ngx_http_liaison_risk_stages[i - 1]);

    /* only a risk of a ticket in the caller's scope (others: 404) */
    ngx_http_liaison_scope_sql(ctx);

    ngx_http_liaison_sql(ctx,
        ";INSERT INTO risk_events (risk_id, stage, staff_id, note, "
        "created_at) SELECT r.id, r.stage, $u, $s, $t FROM risks r "
        "LEFT JOIN tickets t ON t.id = r.ticket_id "
        "WHERE r.id = $u AND r.stage = $z AND ",
        (unsigned long long) ctx->subject_id, note.data, note.len,
        ctx->now, (unsigned long long) id,
        ngx_http_liaison_risk_stages[i]);
    ngx_http_liaison_scope_sql(ctx);

    ngx_http_liaison_sql(ctx,
        ";SELECT r.stage FROM risks r LEFT JOIN tickets t "
        "ON t.id = r.ticket_id WHERE r.id = $u AND ",
        (unsigned long long) id);
    ngx_http_liaison_scope_sql(ctx);
    ngx_http_liaison_sql(ctx, ";COMMIT");

    ctx->data = (void *) ngx_http_liaison_risk_stages[i];
    ngx_http_liaison_run(ctx, ngx_http_liaison_risk_advanced);
}


static void
ngx_http_liaison_risk_advanced(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_buf_t  out;

    if (op->rc == NGX_ERROR && op->err_no == 1062) {
        op->nstmts = 0;
    }

    if (op->rc != NGX_OK && op->nstmts) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->nstmts >= 4 && op->affected[1] == 0
        && (op->res[3] == NULL || mysql_fetch_row(op->res[3]) == NULL))
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "风险记录不存在", NULL);
        return;
    }

    if (op->nstmts < 3 || op->affected[1] == 0) {
        /* nothing moved: the transaction holds no change, commit is moot */
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "须按 接单→排查→研判→处置→反馈 的顺序推进，"
                               "或该风险不存在", "stage");
        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 64);

    ngx_http_liaison_buf_lit(&out, "{");
    ngx_http_liaison_json_kv(&out, "stage", ctx->data,
                             ngx_strlen((char *) ctx->data));
    ngx_http_liaison_buf_lit(&out, "}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


/*
 * GET /staff/reports/kpi?from=YYYY-MM-DD&to=YYYY-MM-DD[&department=]:
 * the A2 indicators of the requests registered in [from, to), in total,
 * by department and by first handler (docs/kpi.md).
 */

static void
ngx_http_liaison_kpi(ngx_http_liaison_ctx_t *ctx)
{
    int                  role;
    long                 n;
    u_char              *p;
    time_t               from, to;
    ngx_str_t            v;
    ngx_int_t            dept;
    ngx_uint_t           g;
    ngx_http_request_t  *r;

    r = ctx->r;

    role = ctx->role_index;

    if (ngx_http_liaison_arg(r, "from", &v) != NGX_OK) {
        ngx_str_null(&v);
    }

    if (ngx_http_liaison_day(ctx, &v, "from", &from) != NGX_OK) {
        return;
    }

    if (ngx_http_liaison_arg(r, "to", &v) != NGX_OK) {
        ngx_str_null(&v);
    }

    if (ngx_http_liaison_day(ctx, &v, "to", &to) != NGX_OK) {
        return;
    }

    if (to <= from || to - from > NGX_HTTP_LIAISON_KPI_MAX_DAYS * 86400) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "统计区间须在 1 到 400 天之间", "to");
        return;
    }

    dept = 0;

    if (ngx_http_liaison_arg(r, "department", &v) == NGX_OK) {
        dept = v.len <= 10 ? ngx_atoi(v.data, v.len) : NGX_ERROR;
        if (dept <= 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument", "部门编号不正确",
                                   "department");
            return;
        }
    }

    /* a department's own people see their department */
    if (role == LSN_ROLE_DEPT_LEADER || role == LSN_ROLE_LIAISON) {
        if (dept && (uint64_t) dept != ctx->department_id) {
            ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "只能查看本部门", NULL);
            return;
        }

        dept = (ngx_int_t) ctx->department_id;
    }

    for (g = LSN_KPI_TOTAL; g <= LSN_KPI_BY_HANDLER; g++) {
        n = lsn_kpi_sql(NULL, 0, (lsn_kpi_group_e) g, from, to, ctx->now,
                        (unsigned long long) dept);

        ngx_http_liaison_sql_sep(ctx, g - LSN_KPI_TOTAL, ";");
        p = n < 0 ? NULL : ngx_http_liaison_buf_reserve(&ctx->sql, n);

        if (p == NULL) {
            ngx_http_liaison_fail(ctx, "cannot build the KPI statements");
            return;
        }

        (void) lsn_kpi_sql((char *) p, n, (lsn_kpi_group_e) g, from, to,
                           ctx->now, (unsigned long long) dept);
        ctx->sql.pos += n;
    }

    /* only reads; a few ms of lag are fine (liaison_db_read) */
    ctx->lag_ok = 1;
    ngx_http_liaison_run(ctx, ngx_http_liaison_kpi_done);
}


static void
ngx_http_liaison_kpi_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                row;
    ngx_uint_t               g;
    unsigned long           *len;
    ngx_http_liaison_buf_t   out;

    static const char  *names[] = { "by_department", "by_handler" };

    if (op->rc != NGX_OK || op->nstmts != 3) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 4096);

    ngx_http_liaison_buf_lit(&out, "{\"total\":");

    row = mysql_fetch_row(op->res[0]);
    if (row == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_http_liaison_kpi_row(&out, row, mysql_fetch_lengths(op->res[0]), 0);

    for (g = 1; g <= 2; g++) {
        ngx_http_liaison_json_key(&out, names[g - 1]);
        ngx_http_liaison_buf_lit(&out, "[");

        while ((row = mysql_fetch_row(op->res[g])) != NULL) {
            len = mysql_fetch_lengths(op->res[g]);

            if (ngx_http_liaison_buf_last(&out) != '[') {
                ngx_http_liaison_buf_lit(&out, ",");
            }

            ngx_http_liaison_kpi_row(&out, row, len, 1);
        }

        ngx_http_liaison_buf_lit(&out, "]");
    }

    ngx_http_liaison_buf_lit(&out, "}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


static void
ngx_http_liaison_kpi_row(ngx_http_liaison_buf_t *out, MYSQL_ROW row,
    unsigned long *len, ngx_uint_t keyed)
{
    u_char     buf[32], *p;
    lsn_kpi_t  k;

    lsn_kpi_from_row(&k, row);

    ngx_http_liaison_buf_lit(out, "{");

    if (keyed) {
        ngx_http_liaison_json_key(out, "id");

        if (row[0]) {
            ngx_http_liaison_buf_raw(out, row[0], len[0]);

        } else {
            ngx_http_liaison_buf_lit(out, "null");
        }

        ngx_http_liaison_json_kv(out, "name", (u_char *) row[1], len[1]);
    }

    ngx_http_liaison_json_key(out, "requests");
    ngx_http_liaison_json_int(out, (int64_t) k.requests);
    ngx_http_liaison_out_rate(out, "timely_acceptance", k.accepted_in_time,
                              k.dispatched);
    ngx_http_liaison_out_rate(out, "judge_contact", k.contacted,
                              k.work_orders);
    ngx_http_liaison_out_rate(out, "on_time_completion", k.on_time, k.due);
    ngx_http_liaison_out_rate(out, "satisfaction", k.satisfied, k.ratings);

    ngx_http_liaison_json_key(out, "average_rating");

    if (k.ratings) {
        p = ngx_sprintf(buf, "%.2f",
                        (double) k.rating_sum / (double) k.ratings);
        ngx_http_liaison_buf_raw(out, (char *) buf, p - buf);

    } else {
        ngx_http_liaison_buf_lit(out, "null");
    }

    ngx_http_liaison_json_key(out, "score");
    p = ngx_sprintf(buf, "%.2f", lsn_kpi_score(&k));
    ngx_http_liaison_buf_raw(out, (char *) buf, p - buf);

    ngx_http_liaison_buf_lit(out, "}");
}


/* {"count": num, "total": den, "rate": num/den or null} */

static void
ngx_http_liaison_out_rate(ngx_http_liaison_buf_t *out, const char *key,
    unsigned long long num, unsigned long long den)
{
    u_char  buf[32], *p;

    ngx_http_liaison_json_key(out, key);
    ngx_http_liaison_buf_lit(out, "{\"count\":");
    ngx_http_liaison_json_int(out, (int64_t) num);
    ngx_http_liaison_buf_lit(out, ",\"total\":");
    ngx_http_liaison_json_int(out, (int64_t) den);
    ngx_http_liaison_buf_lit(out, ",\"rate\":");

    if (den) {
        p = ngx_sprintf(buf, "%.4f", lsn_kpi_rate(num, den));
        ngx_http_liaison_buf_raw(out, (char *) buf, p - buf);

    } else {
        ngx_http_liaison_buf_lit(out, "null");
    }

    ngx_http_liaison_buf_lit(out, "}");
}


/*
 * GET /staff/overview: the leader's live view (A13): open requests by
 * status, overdue by department, escalations that reached the caller and
 * are still open, open risks, and the caller's follow-up items.  The
 * live counts cover what the caller oversees (ngx_http_liaison_scope.c).
 */

static void
ngx_http_liaison_overview(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECTAGG(status, n) FROM (SELECT t.status, "
        "COUNT(*) n FROM tickets t WHERE t.status IN ('registered', "
        "'dispatched', 'accepted', 'reopened') AND ");
    ngx_http_liaison_scope_sql(ctx);

    ngx_http_liaison_sql(ctx,
        " GROUP BY t.status) s;"
        "SELECT JSON_ARRAYAGG(JSON_OBJECT('department_id', id, "
        "'department', name, 'overdue', n)) FROM (SELECT d.id, d.name, "
        "COUNT(*) n FROM tickets t JOIN departments d "
        "ON d.id = t.department_id WHERE t.due_at < $t AND t.status IN "
        "('registered', 'dispatched', 'accepted', 'reopened') AND ",
        ctx->now);
    ngx_http_liaison_scope_sql(ctx);

    ngx_http_liaison_sql(ctx,
        " GROUP BY d.id, d.name ORDER BY n DESC) o;"
        "SELECT JSON_ARRAYAGG(JSON_OBJECT('ticket_no', t.ticket_no, "
        "'level', e.level, 'fired_at', e.fired_at, 'status', t.status)) "
        "FROM escalations e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE e.status = 'fired' AND e.level >= 2 "
        "AND FIND_IN_SET($u, e.recipients) AND t.status IN "
        "('registered', 'dispatched', 'accepted', 'reopened');"
        "SELECT COUNT(*) FROM risks r LEFT JOIN tickets t "
        "ON t.id = r.ticket_id WHERE r.closed_at IS NULL AND ",
        (unsigned long long) ctx->subject_id);
    ngx_http_liaison_scope_sql(ctx);

    ngx_http_liaison_sql(ctx,
        ";SELECT JSON_ARRAYAGG(JSON_OBJECT('id', id, 'title', title, "
        "'due_on', due_on, 'status', status, 'overdue', "
        NGX_HTTP_LIAISON_SQL_BOOL("due_on < DATE($t)")
        ")) FROM follow_ups WHERE owner_staff_id = $u AND status = 'open'",
        ctx->now, (unsigned long long) ctx->subject_id);

    /* only reads; a few ms of lag are fine (liaison_db_read) */
    ctx->lag_ok = 1;
    ngx_http_liaison_run(ctx, ngx_http_liaison_overview_done);
}


static void
ngx_http_liaison_overview_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_uint_t               i;
    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_buf_t   out;

    static const char  *keys[] = {
        "open_by_status", "overdue_by_department", "escalations_to_me",
        "open_risks", "my_follow_ups"
    };

    static const char  *empty[] = { "{}", "[]", "[]", "0", "[]" };

    if (op->rc != NGX_OK || op->nstmts != 5) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 2048);

    ngx_http_liaison_buf_lit(&out, "{");

    for (i = 0; i < 5; i++) {
        ngx_http_liaison_json_key(&out, keys[i]);

        row = mysql_fetch_row(op->res[i]);
        len = row ? mysql_fetch_lengths(op->res[i]) : NULL;

        if (row && row[0]) {
            ngx_http_liaison_buf_raw(&out, row[0], len[0]);

        } else {
            ngx_http_liaison_buf_raw(&out, empty[i], ngx_strlen(empty[i]));
        }
    }

    ngx_http_liaison_buf_lit(&out, "}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


/*
 * Follow-ups (A14 "回头看"):
 *   POST /staff/follow-ups {title, detail?, owner_staff_id, due_on}
 *   GET /staff/follow-ups[?mine=1]
 *   POST /staff/follow-ups/{id}/done
 */

static void
ngx_http_liaison_follow_up_create(ngx_http_liaison_ctx_t *ctx)
{
    time_t                    due;
    ngx_int_t                 owner;
    ngx_str_t                 title, detail, day;
    ngx_http_liaison_json_t  *v;

    if (ngx_http_liaison_body_text(ctx, "title", 1, 100, &title) != NGX_OK
        || ngx_http_liaison_body_text(ctx, "detail", 0, 2000, &detail)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "due_on", 1, 10, &day) != NGX_OK
        || ngx_http_liaison_day(ctx, &day, "due_on", &due) != NGX_OK)
    {
        return;
    }

    v = ngx_http_liaison_json_get(ctx->body, "owner_staff_id");
    owner = (v && v->type == NGX_HTTP_LIAISON_JSON_NUMBER
             && v->value.len <= 10)
            ? ngx_atoi(v->value.data, v->value.len) : NGX_ERROR;

    if (owner <= 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "须指定负责人", "owner_staff_id");
        return;
    }

    if (ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK) {
        return;
    }

    /* the owner hears of it with the item (A14) */
    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO follow_ups (title, detail, owner_staff_id, "
        "department_id, due_on, created_by, created_at) "
        "SELECT $s, $s, s.id, s.department_id, DATE($t), $u, $t "
        "FROM staff s WHERE s.id = $u AND s.active = 1 AND ",
        title.data, title.len, detail.data, detail.len, due,
        (unsigned long long) ctx->subject_id, ctx->now,
        (unsigned long long) owner);

    /* to the people the caller leads: a department's leader their own
       department, a vice president those in charge (and themselves) */
    switch (ctx->role_index) {
    case LSN_ROLE_DEPT_LEADER:
        ngx_http_liaison_sql(ctx, "s.department_id = $u",
                             (unsigned long long) ctx->department_id);
        break;
    case LSN_ROLE_VICE_PRESIDENT:
        ngx_http_liaison_sql(ctx, "(s.id = $u OR s.department_id IN "
                             "(SELECT id FROM departments "
                             "WHERE vice_president_staff_id = $u))",
                             (unsigned long long) ctx->subject_id,
                             (unsigned long long) ctx->subject_id);
        break;
    default:
        ngx_http_liaison_sql(ctx, "1 = 1");
    }

    ngx_http_liaison_sql(ctx,
        ";SET @lsn_follow_up = IF(ROW_COUNT() > 0, LAST_INSERT_ID(), 0)");

    ngx_http_liaison_outbox_duty(ctx, LSN_KIND_FOLLOW_UP, "follow_up",
        "@lsn_follow_up", "assigned",
        "CONCAT('【回头看督办】', c.name, '交办您一项整改事项：“', f.title, "
        "'”，请于', DATE_FORMAT(f.due_on, '%c月%e日'), '前办结。')",
        "FROM follow_ups f JOIN staff s ON s.id = f.owner_staff_id "
        "JOIN staff c ON c.id = f.created_by WHERE f.id = @lsn_follow_up");

    ngx_http_liaison_sql(ctx,
        ";COMMIT;SELECT COUNT(*) FROM staff WHERE id = $u AND active = 1",
        (unsigned long long) owner);

    ngx_http_liaison_run(ctx, ngx_http_liaison_created);
}


static void
ngx_http_liaison_created(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW  row;

    if (op->rc != NGX_OK || op->nstmts < 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->affected[1] == 0) {
        row = ngx_http_liaison_row(op, op->nstmts - 1, NULL);

        if (row && row[0] && row[0][0] != '0') {
            ngx_http_liaison_refuse(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                    "只能交办给您所分管或领导的人员",
                                    "owner_staff_id");
            return;
        }

        ngx_http_liaison_refuse(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                                "负责人不存在", "owner_staff_id");
        return;
    }

    ngx_http_liaison_answer_id(ctx, NGX_HTTP_CREATED, op->insert_id[1]);
}


static void
ngx_http_liaison_follow_up_list(ngx_http_liaison_ctx_t *ctx)
{
    int         role;
    ngx_str_t   v;
    ngx_uint_t  all;

    role = ctx->role_index;

    /* the court's leaders and the filing division see every item */
    all = (role == LSN_ROLE_PRESIDENT || role == LSN_ROLE_VICE_PRESIDENT
           || role == LSN_ROLE_FILING_ADMIN)
          && !(ngx_http_liaison_arg(ctx->r, "mine", &v) == NGX_OK
               && v.len == 1 && v.data[0] == '1');

    /* alerts: what the owner (and, overdue, the assigner) was told */
    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', f.id, 'title', f.title, 'detail', "
        "f.detail, 'owner_staff_id', f.owner_staff_id, 'owner', s.name, "
        "'created_by', c.name, 'due_on', f.due_on, 'status', f.status, "
        "'done_at', DATE_FORMAT(f.done_at, '%Y-%m-%dT%H:%i:%s+08:00'), "
        "'overdue', "
        NGX_HTTP_LIAISON_SQL_BOOL("f.status = 'open' AND f.due_on < "
                                  "DATE($t)") ", "
        "'alerts', " NGX_HTTP_LIAISON_DUTY_ALERTS("follow_up", "f.id") ") "
        "FROM follow_ups f JOIN staff s ON s.id = f.owner_staff_id "
        "JOIN staff c ON c.id = f.created_by "
        "WHERE ($u = 1 OR f.owner_staff_id = $u OR f.created_by = $u) "
        "ORDER BY f.status <> 'open', f.due_on, f.id LIMIT 200",
        ctx->now, (unsigned long long) all,
        (unsigned long long) ctx->subject_id,
        (unsigned long long) ctx->subject_id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


static void
ngx_http_liaison_follow_up_done(ngx_http_liaison_ctx_t *ctx)
{
    uint64_t  id;

    if (ngx_http_liaison_path_id(ctx, "id", &id) != NGX_OK) {
        return;
    }

    ngx_http_liaison_sql(ctx,
        "UPDATE follow_ups SET status = 'done', done_at = $t "
        "WHERE id = $u AND status = 'open' "
        "AND (owner_staff_id = $u OR created_by = $u)",
        ctx->now, (unsigned long long) id,
        (unsigned long long) ctx->subject_id,
        (unsigned long long) ctx->subject_id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_changed);
}


static void
ngx_http_liaison_changed(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->affected[0] == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "事项不存在或已完成", NULL);
        return;
    }

    ngx_http_liaison_answer_ok(ctx);
}


#define NGX_HTTP_LIAISON_OVERSEERS  (LSN_ROLES_LEADERS                        \
                                     | LSN_ROLE_BIT(LSN_ROLE_JUDGE)           \
                                     | LSN_ROLE_BIT(LSN_ROLE_DEPT_STAFF))

ngx_http_liaison_endpoint_t  ngx_http_liaison_oversight_endpoints[] = {

    { ngx_string("staff/risks"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_LEADERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_risks_list, 0 },

    { ngx_string("staff/risks/{id}"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_LEADERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_risk_get, 0 },

    { ngx_string("staff/risks/{id}/advance"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY,
      LSN_ROLES_PLATFORM | LSN_ROLES_COURT_LEADERS,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_risk_advance, 0 },

    { ngx_string("staff/reports/kpi"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_LEADERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_kpi, 0 },

    { ngx_string("staff/overview"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_LEADERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_overview, 0 },

    { ngx_string("staff/follow-ups"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_OVERSEERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_follow_up_list, 0 },

    { ngx_string("staff/follow-ups"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY,
      LSN_ROLES_COURT_LEADERS | LSN_ROLE_BIT(LSN_ROLE_DEPT_LEADER)
      | LSN_ROLE_BIT(LSN_ROLE_FILING_ADMIN),
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_follow_up_create, 0 },

    { ngx_string("staff/follow-ups/{id}/done"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_OVERSEERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_follow_up_done, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
