
/*
 * Copyright (C) Liaison authors
 *
 * The liaison directory (A9) and its changes (A15): each department's
 * leader or liaison reports a change of its liaison (within 5 working
 * days of it) for the case-filing division to publish (within 2 working
 * days of the report); the division may also record one itself.  The
 * worker alerts on the last day on time and once a limit has passed, and
 * opens a change when it sees a department's liaison accounts change
 * (liaison-worker, lw_duties.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_liaisons.h"
#include "ngx_http_liaison_outbox.h"
#include "lsn_duty.h"
#include "lsn_text.h"


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   title;
    ngx_str_t                   office_phone;
    ngx_str_t                   mobile;
    time_t                      today;
    time_t                      changed_on;
    time_t                      reported_on;
    time_t                      report_due;
    time_t                      publish_due;
    int                         report_days;
    int                         publish_days;
    uint64_t                    department;
    uint64_t                    change;      /* liaison_changes.id */
} ngx_http_liaison_liaison_t;


static ngx_http_liaison_liaison_t *ngx_http_liaison_liaison_body(
    ngx_http_liaison_ctx_t *ctx, ngx_uint_t reported);
static void ngx_http_liaison_directory(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_directory_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_liaison_record(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_record_made(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_liaison_history(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_change_report(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_change_open(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_change_reported(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_changes_list(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_change_publish(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_change_found(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_out_days(ngx_http_liaison_buf_t *out,
    const char *key, int days, int limit);
static void ngx_http_liaison_out_day(ngx_http_liaison_buf_t *out,
    const char *key, time_t day);


/*
 * The members of a change: {name, title, office_phone, mobile,
 * changed_on, reported_on (only when reported is set)}.  Answers 400
 * itself and returns NULL.
 */

static ngx_http_liaison_liaison_t *
ngx_http_liaison_liaison_body(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t reported)
{
    lsn_civil_t                  cv;
    ngx_str_t                    changed, day;
    ngx_http_liaison_liaison_t  *lr;

    lr = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_liaison_t));
    if (lr == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NULL;
    }

    ctx->data = lr;

    lsn_civil_from_time(ctx->now, &cv);
    lr->today = lsn_time_from_civil(cv.year, cv.month, cv.day, 0, 0, 0);

    if (ngx_http_liaison_body_text(ctx, "name", 1, 50, &lr->name) != NGX_OK
        || ngx_http_liaison_body_text(ctx, "title", 1, 50, &lr->title)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "office_phone", 1, 32,
                                     &lr->office_phone)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "mobile", 1, 20, &lr->mobile)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "changed_on", 1, 10, &changed)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "reported_on", reported, 10, &day)
           != NGX_OK)
    {
        return NULL;
    }

    if (ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK) {
        return NULL;
    }

    if (!lsn_phone_valid((char *) lr->office_phone.data,
                         lr->office_phone.len))
    {
        ngx_http_liaison_invalid(ctx, "办公电话格式不正确", "office_phone");
        return NULL;
    }

    if (!lsn_phone_valid((char *) lr->mobile.data, lr->mobile.len)) {
        ngx_http_liaison_invalid(ctx, "手机号码格式不正确", "mobile");
        return NULL;
    }

    if (ngx_http_liaison_day(ctx, &changed, "changed_on", &lr->changed_on)
        != NGX_OK)
    {
        return NULL;
    }

    lr->reported_on = lr->today;

    if (reported
        && ngx_http_liaison_day(ctx, &day, "reported_on", &lr->reported_on)
           != NGX_OK)
    {
        return NULL;
    }

    if (lr->reported_on < lr->changed_on || lr->reported_on > ctx->now) {
        ngx_http_liaison_invalid(ctx, reported
                                 ? "报备日期须在变更日期之后、今天之前"
                                 : "变更日期不能晚于今天",
                                 reported ? "reported_on" : "changed_on");
        return NULL;
    }

    return lr;
}


/* GET /liaisons: public, mobiles masked (A9). */

static void
ngx_http_liaison_directory(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_sql(ctx,
        "SELECT d.name, l.name, l.title, l.office_phone, l.mobile, "
        "DATE_FORMAT(l.published_on, '%Y-%m-%d') "
        "FROM departments d JOIN liaison_records l ON l.id = "
        "(SELECT MAX(id) FROM liaison_records WHERE department_id = d.id) "
        "ORDER BY d.id");

    /* only reads; a few ms of lag are fine (liaison_db_read) */
    ctx->lag_ok = 1;
    ngx_http_liaison_run(ctx, ngx_http_liaison_directory_done);
}


static void
ngx_http_liaison_directory_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    char                     masked[32];
    size_t                   n;
    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_buf_t   out;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 2048);

    ngx_http_liaison_buf_lit(&out, "{\"items\":[");

    while ((row = mysql_fetch_row(op->res[0])) != NULL) {
        len = mysql_fetch_lengths(op->res[0]);

        if (ngx_http_liaison_buf_last(&out) != '[') {
            ngx_http_liaison_buf_lit(&out, ",");
        }

        n = len[4] < sizeof(masked)
            ? lsn_phone_mask(row[4], len[4], masked) : 0;

        ngx_http_liaison_buf_lit(&out, "{");
        ngx_http_liaison_json_kv(&out, "department", (u_char *) row[0],
                                 len[0]);
        ngx_http_liaison_json_kv(&out, "name", (u_char *) row[1], len[1]);
        ngx_http_liaison_json_kv(&out, "title", (u_char *) row[2], len[2]);
        ngx_http_liaison_json_kv(&out, "office_phone", (u_char *) row[3],
                                 len[3]);
        ngx_http_liaison_json_kv(&out, "mobile", (u_char *) masked, n);
        ngx_http_liaison_json_kv(&out, "published_on", (u_char *) row[5],
                                 len[5]);
        ngx_http_liaison_buf_lit(&out, "}");
    }

    ngx_http_liaison_buf_lit(&out, "]}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


/*
 * PUT /staff/departments/{id}/liaison {name, title, office_phone, mobile,
 * changed_on, reported_on}: the case-filing division records a change;
 * it is published on the day it is recorded, and the department's changes
 * still open are published with it.
 */

static void
ngx_http_liaison_liaison_record(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_liaison_t  *lr;

    lr = ngx_http_liaison_liaison_body(ctx, 1);
    if (lr == NULL
        || ngx_http_liaison_path_id(ctx, "id", &lr->department) != NGX_OK)
    {
        return;
    }

    lr->report_days = lsn_calendar_working_days_between(ctx->mcf->calendar,
                                                        lr->changed_on,
                                                        lr->reported_on);
    lr->publish_days = lsn_calendar_working_days_between(ctx->mcf->calendar,
                                                         lr->reported_on,
                                                         lr->today);

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO liaison_records (department_id, name, title, "
        "office_phone, mobile, changed_on, reported_on, published_on, "
        "report_days, publish_days, recorded_by, created_at) "
        "SELECT id, $s, $s, $s, $s, DATE($t), DATE($t), DATE($t), $u, "
        "$u, $u, $t FROM departments WHERE id = $u;"
        "SET @lsn_record = IF(ROW_COUNT() > 0, LAST_INSERT_ID(), 0);"
        "UPDATE liaison_changes SET status = 'published', "
        "published_on = DATE($t), published_by = $u, "
        "record_id = @lsn_record WHERE @lsn_record > 0 "
        "AND department_id = $u AND status <> 'published';"
        "COMMIT",
        lr->name.data, lr->name.len, lr->title.data, lr->title.len,
        lr->office_phone.data, lr->office_phone.len, lr->mobile.data,
        lr->mobile.len, lr->changed_on, lr->reported_on, lr->today,
        (unsigned long long) lr->report_days,
        (unsigned long long) lr->publish_days,
        (unsigned long long) ctx->subject_id, ctx->now,
        (unsigned long long) lr->department, lr->today,
        (unsigned long long) ctx->subject_id,
        (unsigned long long) lr->department);

    ngx_http_liaison_run(ctx, ngx_http_liaison_record_made);
}


/*
 * A record made for the directory, by PUT (its id, the day counts) or by
 * publishing a change (the change's id and its record's).
 */

static void
ngx_http_liaison_record_made(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_buf_t       out;
    ngx_http_liaison_liaison_t  *lr;

    lr = ctx->data;

    if (op->rc != NGX_OK || op->nstmts < 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->affected[1] == 0) {
        if (lr->change) {
            ngx_http_liaison_refuse(ctx, NGX_HTTP_CONFLICT, "conflict",
                                    "该变更已发布", NULL);

        } else {
            ngx_http_liaison_refuse(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                                    "部门不存在", NULL);
        }

        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(&out, "{\"id\":");

    if (lr->change) {
        ngx_http_liaison_json_int(&out, (int64_t) lr->change);
        ngx_http_liaison_json_key(&out, "record_id");
        ngx_http_liaison_json_int(&out, (int64_t) op->insert_id[1]);
        ngx_http_liaison_buf_lit(&out, ",\"status\":\"published\"");
        ngx_http_liaison_out_day(&out, "published_on", lr->today);

    } else {
        ngx_http_liaison_json_int(&out, (int64_t) op->insert_id[1]);
    }

    ngx_http_liaison_out_days(&out, "report", lr->report_days,
                              LSN_LIAISON_REPORT_DAYS);
    ngx_http_liaison_out_days(&out, "publish", lr->publish_days,
                              LSN_LIAISON_PUBLISH_DAYS);
    ngx_http_liaison_buf_lit(&out, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


/* ,"report_days":N,"report_late":bool */

static void
ngx_http_liaison_out_days(ngx_http_liaison_buf_t *out, const char *key,
    int days, int limit)
{
    u_char  name[32];

    *ngx_snprintf(name, sizeof(name) - 1, "%s_days", key) = '\0';
    ngx_http_liaison_json_key(out, (char *) name);
    ngx_http_liaison_json_int(out, days);

    *ngx_snprintf(name, sizeof(name) - 1, "%s_late", key) = '\0';
    ngx_http_liaison_json_kv_bool(out, (char *) name, days > limit);
}


/* ,"key":"YYYY-MM-DD" */

static void
ngx_http_liaison_out_day(ngx_http_liaison_buf_t *out, const char *key,
    time_t day)
{
    u_char       buf[16], *p;
    lsn_civil_t  cv;

    lsn_civil_from_time(day, &cv);
    p = ngx_sprintf(buf, "%04d-%02d-%02d", cv.year, cv.month, cv.day);

    ngx_http_liaison_json_kv(out, key, buf, p - buf);
}


/* GET /staff/liaisons: every record, with the A15 limits checked. */

static void
ngx_http_liaison_liaison_history(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', l.id, 'department_id', "
        "l.department_id, 'department', d.name, 'name', l.name, "
        "'title', l.title, 'office_phone', l.office_phone, 'mobile', "
        "l.mobile, 'changed_on', l.changed_on, 'reported_on', "
        "l.reported_on, 'published_on', l.published_on, 'report_days', "
        "l.report_days, 'publish_days', l.publish_days, 'report_late', "
        NGX_HTTP_LIAISON_SQL_BOOL("l.report_days > $u") ", "
        "'publish_late', " NGX_HTTP_LIAISON_SQL_BOOL("l.publish_days > $u")
        ") "
        "FROM liaison_records l JOIN departments d "
        "ON d.id = l.department_id ORDER BY l.department_id, l.id DESC",
        (unsigned long long) LSN_LIAISON_REPORT_DAYS,
        (unsigned long long) LSN_LIAISON_PUBLISH_DAYS);

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


/*
 * POST /staff/liaison-changes {name, title, office_phone, mobile,
 * changed_on}: a department's leader or liaison reports a change of its
 * liaison.  A change the worker opened for the department (its liaison
 * accounts changed) is reported with it, from the earlier of the two
 * days.  The case-filing division is alerted at once.
 */

static void
ngx_http_liaison_change_report(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_liaison_t  *lr;

    lr = ngx_http_liaison_liaison_body(ctx, 0);
    if (lr == NULL) {
        return;
    }

    if (ctx->department_id == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "您的账号未归属部门", NULL);
        return;
    }

    lr->department = ctx->department_id;

    ngx_http_liaison_sql(ctx,
        "SELECT id, DATE_FORMAT(changed_on, '%Y-%m-%d') "
        "FROM liaison_changes WHERE department_id = $u "
        "AND status = 'unreported' ORDER BY id LIMIT 1",
        (unsigned long long) lr->department);

    ngx_http_liaison_run(ctx, ngx_http_liaison_change_open);
}


static void
ngx_http_liaison_change_open(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    time_t                       detected;
    MYSQL_ROW                    row;
    unsigned long               *len;
    lsn_calendar_t              *cal;
    ngx_http_liaison_liaison_t  *lr;

    lr = ctx->data;
    cal = ctx->mcf->calendar;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 0, &len);

    if (row != NULL) {
        lr->change = ngx_http_liaison_row_id(row, len, 0);

        if (row[1] != NULL && lsn_parse_day(row[1], len[1], &detected) == 0
            && detected < lr->changed_on)
        {
            lr->changed_on = detected;
        }
    }

    lr->report_days = lsn_calendar_working_days_between(cal, lr->changed_on,
                                                        lr->today);
    lr->report_due = lsn_duty_due_day(cal, lr->changed_on,
                                      LSN_LIAISON_REPORT_DAYS);
    lr->publish_due = lsn_duty_due_day(cal, lr->today,
                                       LSN_LIAISON_PUBLISH_DAYS);

    ngx_http_liaison_sql(ctx, "START TRANSACTION;");

    if (lr->change) {
        ngx_http_liaison_sql(ctx,
            "UPDATE liaison_changes SET name = $s, title = $s, "
            "office_phone = $s, mobile = $s, changed_on = DATE($t), "
            "report_due_on = DATE($t), reported_on = DATE($t), "
            "reported_by = $u, report_days = $u, publish_due_on = DATE($t), "
            "status = 'reported' WHERE id = $u AND status = 'unreported';"
            "SET @lsn_change = IF(ROW_COUNT() > 0, $u, 0)",
            lr->name.data, lr->name.len, lr->title.data, lr->title.len,
            lr->office_phone.data, lr->office_phone.len, lr->mobile.data,
            lr->mobile.len, lr->changed_on, lr->report_due, lr->today,
            (unsigned long long) ctx->subject_id,
            (unsigned long long) lr->report_days, lr->publish_due,
            (unsigned long long) lr->change,
            (unsigned long long) lr->change);

    } else {
        ngx_http_liaison_sql(ctx,
            "INSERT INTO liaison_changes (department_id, source, status, "
            "name, title, office_phone, mobile, changed_on, report_due_on, "
            "reported_on, reported_by, report_days, publish_due_on, "
            "created_at) VALUES ($u, 'department', 'reported', $s, $s, $s, "
            "$s, DATE($t), DATE($t), DATE($t), $u, $u, DATE($t), $t);"
            "SET @lsn_change = LAST_INSERT_ID()",
            (unsigned long long) lr->department, lr->name.data,
            lr->name.len, lr->title.data, lr->title.len,
            lr->office_phone.data, lr->office_phone.len, lr->mobile.data,
            lr->mobile.len, lr->changed_on, lr->report_due, lr->today,
            (unsigned long long) ctx->subject_id,
            (unsigned long long) lr->report_days, lr->publish_due,
            ctx->now);
    }

    ngx_http_liaison_outbox_duty(ctx, LSN_KIND_LIAISON_CHANGE,
        "liaison_change", "@lsn_change", "reported",
        "CONCAT('【联络员信息变更】', d.name, '报送了联络员变更：', l.name, "
        "'（', l.title, '，办公电话', l.office_phone, '），请于', "
        "DATE_FORMAT(l.publish_due_on, '%c月%e日'), "
        "'前在诉讼服务平台发布。', IF(l.report_days > 5, "
        "'本次报送已超过变更后5个工作日的时限。', ''))",
        "FROM liaison_changes l JOIN departments d "
        "ON d.id = l.department_id JOIN staff s ON "
        "(" NGX_HTTP_LIAISON_TO_DIVISION ") WHERE l.id = @lsn_change");

    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run(ctx, ngx_http_liaison_change_reported);
}


static void
ngx_http_liaison_change_reported(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_buf_t       out;
    ngx_http_liaison_liaison_t  *lr;

    lr = ctx->data;

    if (op->rc != NGX_OK || op->nstmts < 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->affected[1] == 0) {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_CONFLICT, "conflict",
                                "该变更刚被报送，请刷新后查看", NULL);
        return;
    }

    if (lr->change == 0) {
        lr->change = op->insert_id[1];
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(&out, "{\"id\":");
    ngx_http_liaison_json_int(&out, (int64_t) lr->change);
    ngx_http_liaison_buf_lit(&out, ",\"status\":\"reported\"");
    ngx_http_liaison_out_day(&out, "changed_on", lr->changed_on);
    ngx_http_liaison_out_day(&out, "report_due_on", lr->report_due);
    ngx_http_liaison_out_day(&out, "reported_on", lr->today);
    ngx_http_liaison_out_days(&out, "report", lr->report_days,
                              LSN_LIAISON_REPORT_DAYS);
    ngx_http_liaison_out_day(&out, "publish_due_on", lr->publish_due);
    ngx_http_liaison_buf_lit(&out, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_CREATED, &out);
}


/*
 * GET /staff/liaison-changes[?open=1]: the changes of the departments the
 * caller oversees, open ones first, with their limits and every alert
 * sent about them.
 * For an open change, late: its last day on time has passed.
 */

static void
ngx_http_liaison_changes_list(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t  own, vp;

    /* a department's leader and liaison see theirs, a vice president
       the departments in charge, the others all */
    own = ctx->role_index == LSN_ROLE_DEPT_LEADER
          || ctx->role_index == LSN_ROLE_LIAISON;
    vp = ctx->role_index == LSN_ROLE_VICE_PRESIDENT;

    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', l.id, 'department_id', l.department_id, "
        "'department', d.name, 'source', l.source, 'status', l.status, "
        "'name', l.name, 'title', l.title, 'office_phone', l.office_phone, "
        "'mobile', l.mobile, 'changed_on', l.changed_on, "
        "'report_due_on', l.report_due_on, 'reported_on', l.reported_on, "
        "'reported_by', rb.name, 'report_days', l.report_days, "
        "'report_late', " NGX_HTTP_LIAISON_SQL_BOOL(
            "IF(l.report_days IS NULL, DATE($t) > l.report_due_on, "
            "l.report_days > $u)") ", "
        "'publish_due_on', l.publish_due_on, 'published_on', "
        "l.published_on, 'published_by', pb.name, 'publish_days', "
        "l.publish_days, 'publish_late', " NGX_HTTP_LIAISON_SQL_BOOL(
            "IF(l.publish_days IS NULL, l.status = 'reported' "
            "AND DATE($t) > l.publish_due_on, l.publish_days > $u)") ", "
        "'alerts', " NGX_HTTP_LIAISON_DUTY_ALERTS("liaison_change", "l.id")
        ") FROM liaison_changes l JOIN departments d "
        "ON d.id = l.department_id "
        "LEFT JOIN staff rb ON rb.id = l.reported_by "
        "LEFT JOIN staff pb ON pb.id = l.published_by "
        "WHERE ($u = 0 OR l.status <> 'published') "
        "AND ($u = 0 OR l.department_id = $u) "
        "AND ($u = 0 OR d.vice_president_staff_id = $u) "
        "ORDER BY l.status = 'published', l.id DESC LIMIT 200",
        ctx->now, (unsigned long long) LSN_LIAISON_REPORT_DAYS, ctx->now,
        (unsigned long long) LSN_LIAISON_PUBLISH_DAYS,
        (unsigned long long) ngx_http_liaison_flag_arg(ctx->r, "open"),
        (unsigned long long) own, (unsigned long long) ctx->department_id,
        (unsigned long long) vp, (unsigned long long) ctx->subject_id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


/*
 * POST /staff/liaison-changes/{id}/publish: the case-filing division
 * publishes a reported change: it becomes the department's entry in the
 * directory (GET /liaisons), and the one who reported it is told.
 */

static void
ngx_http_liaison_change_publish(ngx_http_liaison_ctx_t *ctx)
{
    uint64_t  id;

    if (ngx_http_liaison_path_id(ctx, "id", &id) != NGX_OK) {
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT id, status, DATE_FORMAT(reported_on, '%Y-%m-%d'), "
        "report_days FROM liaison_changes WHERE id = $u",
        (unsigned long long) id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_change_found);
}


static void
ngx_http_liaison_change_found(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    lsn_civil_t                  cv;
    MYSQL_ROW                    row;
    unsigned long               *len;
    ngx_http_liaison_liaison_t  *lr;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 0, &len);
    if (row == NULL) {
        ngx_http_liaison_not_found(ctx, "联络员变更不存在");
        return;
    }

    if (row[2] == NULL || ngx_strcmp(row[1], "reported") != 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               ngx_strcmp(row[1], "published") == 0
                               ? "该变更已发布" : "部门尚未报送该变更的信息",
                               NULL);
        return;
    }

    lr = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_liaison_t));
    if (lr == NULL || lsn_parse_day(row[2], len[2], &lr->reported_on) != 0) {
        ngx_http_liaison_fail(ctx, "a change without its report day");
        return;
    }

    ctx->data = lr;
    lr->change = ngx_http_liaison_row_id(row, len, 0);
    lr->report_days = row[3] ? ngx_atoi((u_char *) row[3], len[3]) : 0;

    lsn_civil_from_time(ctx->now, &cv);
    lr->today = lsn_time_from_civil(cv.year, cv.month, cv.day, 0, 0, 0);
    lr->publish_days = lsn_calendar_working_days_between(ctx->mcf->calendar,
                                                         lr->reported_on,
                                                         lr->today);

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO liaison_records (department_id, name, title, "
        "office_phone, mobile, changed_on, reported_on, published_on, "
        "report_days, publish_days, recorded_by, created_at) "
        "SELECT department_id, name, title, office_phone, mobile, "
        "changed_on, reported_on, DATE($t), report_days, $u, $u, $t "
        "FROM liaison_changes WHERE id = $u AND status = 'reported';"
        "SET @lsn_change = IF(ROW_COUNT() > 0, $u, 0);"
        "UPDATE liaison_changes SET status = 'published', "
        "published_on = DATE($t), published_by = $u, publish_days = $u, "
        "record_id = LAST_INSERT_ID() WHERE id = @lsn_change",
        lr->today, (unsigned long long) lr->publish_days,
        (unsigned long long) ctx->subject_id, ctx->now,
        (unsigned long long) lr->change, (unsigned long long) lr->change,
        lr->today, (unsigned long long) ctx->subject_id,
        (unsigned long long) lr->publish_days);

    ngx_http_liaison_outbox_duty(ctx, LSN_KIND_LIAISON_CHANGE,
        "liaison_change", "@lsn_change", "published",
        "CONCAT('【联络员信息变更】您报送的', d.name, '联络员变更（', "
        "l.name, '）已于', DATE_FORMAT(l.published_on, '%c月%e日'), "
        "'在诉讼服务平台发布。')",
        "FROM liaison_changes l JOIN departments d "
        "ON d.id = l.department_id JOIN staff s ON s.id = l.reported_by "
        "WHERE l.id = @lsn_change");

    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run(ctx, ngx_http_liaison_record_made);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_liaisons_endpoints[] = {

    { ngx_string("liaisons"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_PUBLIC, 0, NGX_HTTP_LIAISON_BODY_NONE,
      NGX_HTTP_LIAISON_LIGHT, ngx_http_liaison_directory, 0 },

    { ngx_string("staff/departments/{id}/liaison"), NGX_HTTP_PUT,
      NGX_HTTP_LIAISON_STAFF_ONLY,
      LSN_ROLE_BIT(LSN_ROLE_FILING_ADMIN) | LSN_ROLE_BIT(LSN_ROLE_SYS_ADMIN),
      NGX_HTTP_LIAISON_BODY_JSON, NGX_HTTP_LIAISON_CALENDAR,
      ngx_http_liaison_liaison_record, 0 },

    { ngx_string("staff/liaisons"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY,
      LSN_ROLES_LEADERS | LSN_ROLE_BIT(LSN_ROLE_SYS_ADMIN),
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_liaison_history, 0 },

    { ngx_string("staff/liaison-changes"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_ASSIGNERS,
      NGX_HTTP_LIAISON_BODY_JSON, NGX_HTTP_LIAISON_CALENDAR,
      ngx_http_liaison_change_report, 0 },

    { ngx_string("staff/liaison-changes"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_LEADERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_changes_list, 0 },

    { ngx_string("staff/liaison-changes/{id}/publish"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY,
      LSN_ROLE_BIT(LSN_ROLE_FILING_ADMIN) | LSN_ROLE_BIT(LSN_ROLE_SYS_ADMIN),
      NGX_HTTP_LIAISON_BODY_NONE, NGX_HTTP_LIAISON_CALENDAR,
      ngx_http_liaison_change_publish, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
