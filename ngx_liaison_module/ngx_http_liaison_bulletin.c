
/*
 * Copyright (C) Liaison authors
 *
 * The monthly bulletin as the worker made it (A11, A12, A16), served with
 * what has been acknowledged of it so far: the worker addresses its
 * case-flow issues to the trial-management office and its discipline
 * issues to the political department (lsn_duty.h), tells them, and each
 * acknowledges the items addressed to it here (A12).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_bulletin.h"
#include "lsn_duty.h"


/*
 * The bulletin's forms (monthly_reports, the worker's lw_bulletin.c); the
 * acknowledgements are added to the JSON, the CSV and the page (the
 * workbook is served as the worker wrote it).
 */
typedef void (*ngx_http_liaison_acks_pt)(ngx_http_liaison_buf_t *out,
    MYSQL_RES *res);

typedef struct {
    const char                 *name;
    const char                 *sql;
    const char                 *type;
    const char                 *disposition;   /* NULL: JSON, no file */
    ngx_http_liaison_acks_pt    acks;
} ngx_http_liaison_form_t;


/*
 * A month's items with who acknowledged them, the office's name and its
 * notice (the worker's duty_alerts row for the office).
 */
#define NGX_HTTP_LIAISON_ITEMS                                                \
    " FROM bulletin_items i LEFT JOIN staff s ON s.id = i.acknowledged_by "  \
    "LEFT JOIN departments d ON d.id = "                                     \
    "(SELECT MIN(id) FROM departments WHERE kind = i.duty) "                 \
    "LEFT JOIN duty_alerts a ON a.subject = 'bulletin' "                     \
    "AND a.subject_id = REPLACE(i.month, '-', '') AND a.step = i.duty "      \
    "WHERE i.month = $s "

#define NGX_HTTP_LIAISON_ITEMS_ORDER                                          \
    " ORDER BY FIELD(i.duty, $z, $z), i.id"

#define NGX_HTTP_LIAISON_ACK_TITLE  "附：通报事项签收情况"


static ngx_int_t ngx_http_liaison_month(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *month);
static ngx_int_t ngx_http_liaison_disposition(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_form_t *fmt, const char *month);
static void ngx_http_liaison_monthly(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_monthly_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_acks_json(ngx_http_liaison_buf_t *out,
    MYSQL_RES *res);
static void ngx_http_liaison_acks_csv(ngx_http_liaison_buf_t *out,
    MYSQL_RES *res);
static void ngx_http_liaison_acks_html(ngx_http_liaison_buf_t *out,
    MYSQL_RES *res);
static void ngx_http_liaison_csv_field(ngx_http_liaison_buf_t *out,
    const char *s, size_t len);
static void ngx_http_liaison_html_cell(ngx_http_liaison_buf_t *out,
    const char *s, size_t len);
static void ngx_http_liaison_items(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_acknowledge(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_acknowledged(ngx_http_liaison_db_op_t *op);


static ngx_http_liaison_form_t  ngx_http_liaison_bulletin_forms[] = {
    { "json", "SELECT body_json, month FROM monthly_reports "
              "WHERE month = $s", NULL, NULL, ngx_http_liaison_acks_json },
    { "csv", "SELECT body_csv, month FROM monthly_reports WHERE month = $s",
      "text/csv; charset=utf-8", "attachment", ngx_http_liaison_acks_csv },
    { "html", "SELECT body_html, month FROM monthly_reports "
              "WHERE month = $s", "text/html; charset=utf-8", "inline",
      ngx_http_liaison_acks_html },
    { "xlsx", "SELECT body_xlsx, month FROM monthly_reports "
              "WHERE month = $s",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "attachment", NULL },
    { NULL, NULL, NULL, NULL, NULL }
};


/* "YYYY-MM"; answers 400 itself */

static ngx_int_t
ngx_http_liaison_month(ngx_http_liaison_ctx_t *ctx, ngx_str_t *month)
{
    if (month->len != 7 || month->data[4] != '-'
        || ngx_atoi(month->data, 4) < 2000
        || ngx_atoi(month->data + 5, 2) < 1
        || ngx_atoi(month->data + 5, 2) > 12)
    {
        ngx_http_liaison_invalid(ctx, "月份格式须为 YYYY-MM", "month");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* GET /staff/reports/monthly?month=YYYY-MM[&format=csv|html|xlsx] */

static void
ngx_http_liaison_monthly(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t                 month, format;
    ngx_http_liaison_form_t  *fmt;

    if (ngx_http_liaison_arg(ctx->r, "month", &month) != NGX_OK) {
        ngx_str_null(&month);
    }

    if (ngx_http_liaison_month(ctx, &month) != NGX_OK) {
        return;
    }

    /* one of the forms the worker keeps: json, csv, html, xlsx */
    fmt = &ngx_http_liaison_bulletin_forms[0];

    if (ngx_http_liaison_arg(ctx->r, "format", &format) == NGX_OK) {
        for (fmt = ngx_http_liaison_bulletin_forms; fmt->name; fmt++) {
            if (format.len == ngx_strlen(fmt->name)
                && ngx_strncmp(format.data, fmt->name, format.len) == 0)
            {
                break;
            }
        }

        if (fmt->name == NULL) {
            ngx_http_liaison_invalid(ctx,
                                     "format 须为 json、csv、html 或 xlsx",
                                     "format");
            return;
        }
    }

    ctx->data = fmt;

    ngx_http_liaison_sql(ctx, fmt->sql, month.data, month.len);

    ngx_http_liaison_sql(ctx,
        ";SELECT i.duty, COALESCE(d.name, i.duty), i.item_key, i.summary, "
        "s.name, DATE_FORMAT(i.acknowledged_at, "
        "'%Y-%m-%dT%H:%i:%s+08:00'), i.ack_note"
        NGX_HTTP_LIAISON_ITEMS NGX_HTTP_LIAISON_ITEMS_ORDER,
        month.data, month.len, lsn_duty_names[LSN_DUTY_TRIAL_MGMT],
        lsn_duty_names[LSN_DUTY_POLITICAL]);

    ngx_http_liaison_run(ctx, ngx_http_liaison_monthly_done);
}


/*
 * The bulletin as it is served, with what has been acknowledged of it:
 * the JSON gains "acknowledgements", the page and the CSV a last section
 * (the page's before its end).
 */

static void
ngx_http_liaison_monthly_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    size_t                     n;
    MYSQL_ROW                  row;
    unsigned long             *len;
    ngx_http_request_t        *r;
    ngx_http_liaison_buf_t     out;
    ngx_http_liaison_form_t   *fmt;

    static const char  end[] = "</body></html>";

    r = ctx->r;
    fmt = ctx->data;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[0]);
    if (row == NULL || row[0] == NULL) {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "该月通报尚未生成", NULL);
        return;
    }

    len = mysql_fetch_lengths(op->res[0]);
    n = len[0];

    (void) ngx_http_liaison_buf_init(&out, r->pool, n + 4096);

    if (fmt->acks == ngx_http_liaison_acks_json) {
        /* {..., "acknowledgements": [...]} */
        if (n == 0 || row[0][n - 1] != '}') {
            ngx_http_liaison_fail(ctx, "a stored bulletin is not an object");
            return;
        }

        n--;

    } else if (fmt->acks == ngx_http_liaison_acks_html
               && n >= sizeof(end) - 1
               && ngx_strncmp(row[0] + n - (sizeof(end) - 1), end,
                              sizeof(end) - 1) == 0)
    {
        n -= sizeof(end) - 1;
    }

    ngx_http_liaison_buf_raw(&out, row[0], n);

    if (fmt->acks) {
        fmt->acks(&out, op->res[1]);
        ngx_http_liaison_buf_raw(&out, row[0] + n, len[0] - n);
    }

    if (fmt->disposition == NULL) {
        ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
        return;
    }

    if (ngx_http_liaison_disposition(ctx, fmt, row[1]) != NGX_OK) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_http_liaison_answer_as(ctx, NGX_HTTP_OK, fmt->type, &out);
}


/* the files are named with the month ("月度通报-2026-09.xlsx"; an ASCII
   name for old clients) */

static ngx_int_t
ngx_http_liaison_disposition(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_form_t *fmt, const char *month)
{
    u_char           *p;
    ngx_table_elt_t  *h;

    h = ngx_list_push(&ctx->r->headers_out.headers);
    p = ngx_pnalloc(ctx->r->pool, 256);

    if (h == NULL || p == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Content-Disposition");
    h->value.data = p;
    h->value.len = ngx_sprintf(p, "%s; filename=\"bulletin-%s.%s\"; "
                               "filename*=UTF-8''%%E6%%9C%%88%%E5%%BA%%A6"
                               "%%E9%%80%%9A%%E6%%8A%%A5-%s.%s",
                               fmt->disposition, month, fmt->name, month,
                               fmt->name)
                   - p;

    return NGX_OK;
}


/*
 * ,"acknowledgements":[{"duty", "office", "item", "summary",
 * "acknowledged_by" (a name, null: not yet), "acknowledged_at", "note"}]
 * from the rows of the items statement.
 */

static void
ngx_http_liaison_acks_json(ngx_http_liaison_buf_t *out, MYSQL_RES *res)
{
    MYSQL_ROW       row;
    ngx_uint_t      k;
    unsigned long  *len;

    static const char  *keys[] = {
        "duty", "office", "item", "summary", "acknowledged_by",
        "acknowledged_at", "note"
    };

    ngx_http_liaison_buf_lit(out, ",\"acknowledgements\":[");

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        if (ngx_http_liaison_buf_last(out) != '[') {
            ngx_http_liaison_buf_lit(out, ",");
        }

        ngx_http_liaison_buf_lit(out, "{");

        for (k = 0; k < 7; k++) {
            ngx_http_liaison_json_kv(out, keys[k], (u_char *) row[k],
                                     len[k]);
        }

        ngx_http_liaison_buf_lit(out, "}");
    }

    ngx_http_liaison_buf_lit(out, "]");
}


static void
ngx_http_liaison_acks_csv(ngx_http_liaison_buf_t *out, MYSQL_RES *res)
{
    MYSQL_ROW       row;
    ngx_uint_t      k;
    unsigned long  *len;

    ngx_http_liaison_buf_lit(out, "\r\n" NGX_HTTP_LIAISON_ACK_TITLE "\r\n"
                             "提交部门,事项,内容,签收人,签收时间,签收意见"
                             "\r\n");

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        for (k = 1; k < 7; k++) {
            if (k > 1) {
                ngx_http_liaison_buf_lit(out, ",");
            }

            if (k == 4 && row[k] == NULL) {
                ngx_http_liaison_buf_lit(out, "未签收");
                continue;
            }

            ngx_http_liaison_csv_field(out, row[k], row[k] ? len[k] : 0);
        }

        ngx_http_liaison_buf_lit(out, "\r\n");
    }
}


static void
ngx_http_liaison_acks_html(ngx_http_liaison_buf_t *out, MYSQL_RES *res)
{
    MYSQL_ROW       row;
    ngx_uint_t      k, n;
    unsigned long  *len;

    /* an annex after the signature: the sections stay as numbered */
    ngx_http_liaison_buf_lit(out, "<h3>" NGX_HTTP_LIAISON_ACK_TITLE "</h3>"
                             "<table><tr><th>提交部门</th><th>事项</th>"
                             "<th>内容</th><th>签收人</th><th>签收时间</th>"
                             "<th>签收意见</th></tr>");

    for (n = 0; (row = mysql_fetch_row(res)) != NULL; n++) {
        len = mysql_fetch_lengths(res);

        /* what waits stands out as the page's lagging rows do */
        if (row[4] == NULL) {
            ngx_http_liaison_buf_lit(out, "<tr class=\"lag\">");

        } else {
            ngx_http_liaison_buf_lit(out, "<tr>");
        }

        for (k = 1; k < 7; k++) {
            if (k == 4 && row[k] == NULL) {
                ngx_http_liaison_buf_lit(out, "<td>未签收</td>");
                continue;
            }

            ngx_http_liaison_html_cell(out, row[k], row[k] ? len[k] : 0);
        }

        ngx_http_liaison_buf_lit(out, "</tr>");
    }

    if (n == 0) {
        ngx_http_liaison_buf_lit(out, "<tr><td colspan=\"6\">无</td></tr>");
    }

    ngx_http_liaison_buf_lit(out, "</table>");
}


/* RFC 4180: quoted when needed, quotes doubled */

static void
ngx_http_liaison_csv_field(ngx_http_liaison_buf_t *out, const char *s,
    size_t len)
{
    size_t  i;

    if (len == 0) {
        return;
    }

    if (strcspn(s, ",\"\r\n") >= len) {
        ngx_http_liaison_buf_raw(out, s, len);
        return;
    }

    ngx_http_liaison_buf_lit(out, "\"");

    for (i = 0; i < len; i++) {
        ngx_http_liaison_buf_raw(out, &s[i], 1);

        if (s[i] == '"') {
            ngx_http_liaison_buf_lit(out, "\"");
        }
    }

    ngx_http_liaison_buf_lit(out, "\"");
}


static void
ngx_http_liaison_html_cell(ngx_http_liaison_buf_t *out, const char *s,
    size_t len)
{
    u_char  *p;
    size_t   n;

    ngx_http_liaison_buf_lit(out, "<td>");

    n = len + ngx_escape_html(NULL, (u_char *) s, len);
    p = ngx_http_liaison_buf_reserve(out, n);

    if (p != NULL) {
        (void) ngx_escape_html(p, (u_char *) s, len);
        out->pos += n;
    }

    ngx_http_liaison_buf_lit(out, "</td>");
}


/*
 * GET /staff/reports/monthly/{month}/items: the month's items with who
 * was told and who acknowledged what, when.  An office's leader and
 * liaisons see their office's; a department without a duty none; the
 * court's leaders, the case-filing division and the platform all.
 */

static void
ngx_http_liaison_items(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t  *month;
    uint64_t    dept;

    month = ngx_http_liaison_path(ctx, "month");

    if (ngx_http_liaison_month(ctx, month) != NGX_OK) {
        return;
    }

    dept = lsn_duty_holder(ctx->role_index) ? ctx->department_id : 0;

    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', i.id, 'month', i.month, 'duty', i.duty, "
        "'office', COALESCE(d.name, i.duty), 'item', i.item_key, "
        "'summary', i.summary, 'notified_at', "
        "DATE_FORMAT(a.fired_at, '%Y-%m-%dT%H:%i:%s+08:00'), 'notified', "
        "(SELECT JSON_ARRAYAGG(r.name ORDER BY r.id) FROM staff r "
        "WHERE FIND_IN_SET(r.id, a.recipients)), 'acknowledged', "
        NGX_HTTP_LIAISON_SQL_BOOL("i.acknowledged_at IS NOT NULL") ", "
        "'acknowledged_by', IF(s.id IS NULL, NULL, JSON_OBJECT('id', s.id, "
        "'name', s.name, 'role', s.role)), 'acknowledged_at', "
        "DATE_FORMAT(i.acknowledged_at, '%Y-%m-%dT%H:%i:%s+08:00'), "
        "'note', i.ack_note)"
        NGX_HTTP_LIAISON_ITEMS
        "AND ($u = 0 OR i.duty = "
        "(SELECT kind FROM departments WHERE id = $u))"
        NGX_HTTP_LIAISON_ITEMS_ORDER,
        month->data, month->len, (unsigned long long) dept,
        (unsigned long long) dept, lsn_duty_names[LSN_DUTY_TRIAL_MGMT],
        lsn_duty_names[LSN_DUTY_POLITICAL]);

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


/*
 * POST /staff/reports/monthly/{month}/acknowledge {item_id?, note?}: one
 * of an office's leader and liaisons acknowledges the item, or all its
 * office's items of the month not yet acknowledged.
 */

static void
ngx_http_liaison_acknowledge(ngx_http_liaison_ctx_t *ctx)
{
    uint64_t    item;
    ngx_str_t  *month, note;

    month = ngx_http_liaison_path(ctx, "month");

    if (ngx_http_liaison_month(ctx, month) != NGX_OK
        || ngx_http_liaison_body_id(ctx, "item_id", &item) != NGX_OK
        || ngx_http_liaison_body_text(ctx, "note", 0, 200, &note) != NGX_OK
        || ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK)
    {
        return;
    }

    ctx->data = (void *) (uintptr_t) item;

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "SELECT kind FROM departments WHERE id = $u;"
        "UPDATE bulletin_items SET acknowledged_by = $u, "
        "acknowledged_at = $t, ack_note = $s WHERE month = $s "
        "AND acknowledged_at IS NULL AND ($u = 0 OR id = $u) AND duty = "
        "(SELECT kind FROM departments WHERE id = $u);"
        "SELECT COUNT(*), COALESCE(SUM(acknowledged_at IS NULL), 0) "
        "FROM bulletin_items WHERE month = $s AND duty = "
        "(SELECT kind FROM departments WHERE id = $u);"
        "COMMIT",
        (unsigned long long) ctx->department_id,
        (unsigned long long) ctx->subject_id, ctx->now, note.data, note.len,
        month->data, month->len, (unsigned long long) item,
        (unsigned long long) item, (unsigned long long) ctx->department_id,
        month->data, month->len, (unsigned long long) ctx->department_id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_acknowledged);
}


static void
ngx_http_liaison_acknowledged(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_buf_t   out;

    if (op->rc != NGX_OK || op->nstmts < 4) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 1, &len);

    if (row == NULL || row[0] == NULL
        || lsn_duty_index(row[0], len[0]) < 0)
    {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                "只有审判管理办公室和政治部签收通报事项",
                                NULL);
        return;
    }

    if (op->affected[2] == 0) {
        ngx_http_liaison_refuse(ctx, NGX_HTTP_CONFLICT, "conflict",
                                ctx->data ? "该事项不存在、不属于本部门或已签收"
                                          : "本部门没有待签收的事项",
                                "item_id");
        return;
    }

    row = ngx_http_liaison_row(op, 3, &len);
    if (row == NULL) {
        ngx_http_liaison_fail(ctx, "no count of the items");
        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 128);

    ngx_http_liaison_buf_lit(&out, "{\"acknowledged\":");
    ngx_http_liaison_json_int(&out, (int64_t) op->affected[2]);
    ngx_http_liaison_buf_lit(&out, ",\"items\":");
    ngx_http_liaison_buf_raw(&out, row[0], len[0]);
    ngx_http_liaison_buf_lit(&out, ",\"remaining\":");
    ngx_http_liaison_buf_raw(&out, row[1], len[1]);
    ngx_http_liaison_buf_lit(&out, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_bulletin_endpoints[] = {

    { ngx_string("staff/reports/monthly"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_LEADERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_monthly, 0 },

    { ngx_string("staff/reports/monthly/{month}/items"),
      NGX_HTTP_LIAISON_GET, NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_LEADERS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_items, 0 },

    { ngx_string("staff/reports/monthly/{month}/acknowledge"),
      NGX_HTTP_LIAISON_POST, NGX_HTTP_LIAISON_STAFF_ONLY, LSN_ROLES_DUTY,
      NGX_HTTP_LIAISON_BODY_JSON_OPTIONAL, 0, ngx_http_liaison_acknowledge,
      0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
