/*
 * liaison-worker: the monthly bulletin (A11 ledger, A12 bulletin, A16
 * ranking) and the A10 risk-stage alerts.
 *
 * On the first working day of a month (or any later pass that finds it
 * missing) the worker builds last month's bulletin from the tickets, the
 * trial system's cases and nodes, escalations and risks, and keeps it in
 * monthly_reports as JSON, as CSV for Excel (UTF-8 with a BOM), as a
 * workbook (one sheet per table, rates as percentages, ticket numbers as
 * text; libxlsxwriter) and as a formal 通报: the issuing unit (court_name,
 * court_unit), its number (bulletin_number), the date, sections and tables
 * numbered throughout, a print stylesheet with page breaks, and inline SVG
 * charts laid out to be read on a phone.  The A2 figures come from
 * lsn_kpi_sql(), the same SQL as the module's KPI endpoint; what people
 * read for the codes from lsn_labels, as everywhere.  The rows of the
 * sections addressed to an office (lsn_duty_sections) are kept as its
 * items to acknowledge, and the office is told (lw_duties_bulletin()).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "lw.h"
#include "lsn_duty.h"
#include "lsn_kpi.h"
#include "lsn_labels.h"
#include "lsn_sql.h"
#include "lsn_text.h"


#define LW_NEAR_DEADLINE_DAYS  15      /* a case's deadline is near */
#define LW_QUIET_DAYS          30      /* ... and no node for this long */
#define LW_REPEAT_REQUESTS     2       /* one phone, this many requests */
#define LW_HOT_CASE_REQUESTS   3       /* one case, this many requests */
#define LW_LAGGING_SCORE       90.0
#define LW_MAX_DEPTS           64


typedef struct {
    char                 name[128];
    unsigned long long   id;
    lsn_kpi_t            kpi;
    double               score;
} lw_dept_score_t;


typedef struct {
    char                 month[32];     /* YYYY-MM */
    time_t               from, to;      /* [from, to) */
    time_t               prev_from;
    time_t               now;
    lw_buf_t             json, csv, html;
    lw_buf_t             items;         /* INSERT of bulletin_items */
    long                 counts[LSN_DUTY_COUNT];

    int                  section;       /* 一、二、… */
    int                  sub;           /* （一）… within a section */
    int                  tables;        /* 表 1, 2, … */
    int                  charts;        /* 图 1, 2, … */

    lxw_workbook        *wb;            /* one sheet per table */
    lxw_worksheet       *ws;
    lxw_row_t            row;
    lxw_format          *f_bold;
    lxw_format          *f_pct;
    char                 xlsx_path[64];
    char                 date[64];      /* 印发日期 */
    int                  row_open;      /* an HTML <tr> written */
} lw_bulletin_t;


static unsigned long long lw_bulletin_value(lw_ctx_t *ctx, MYSQL_RES *res);
static int lw_bulletin_volumes(lw_ctx_t *ctx, lw_bulletin_t *b);
static int lw_bulletin_kpi(lw_ctx_t *ctx, lw_bulletin_t *b);
static int lw_bulletin_keep(lw_ctx_t *ctx, lw_bulletin_t *b, char *xlsx,
    size_t xlsx_len);
static void lw_bulletin_item(lw_bulletin_t *b, int duty, MYSQL_ROW row,
    unsigned long *len, const char **headers, int ncols);
static int lw_bulletin_table(lw_bulletin_t *b, const char *key, int level,
    const char *title, const char *sheet, const char **headers, int ncols,
    MYSQL_RES *res, int chart, int kind);
static void lw_bulletin_heading(lw_bulletin_t *b, int level,
    const char *title);
static void lw_bulletin_table_open(lw_bulletin_t *b, const char *title,
    const char *sheet, const char **headers, int ncols);
static void lw_bulletin_table_close(lw_bulletin_t *b, int nrows, int ncols);
static void lw_bulletin_cell(lw_bulletin_t *b, int col, const char *s,
    size_t len, int number);
static void lw_bulletin_rate_cell(lw_bulletin_t *b, int col, double r);
static void lw_bulletin_num(lw_bulletin_t *b, int col, double v);
static void lw_bulletin_row_end(lw_bulletin_t *b);
static void lw_bulletin_rate(lw_bulletin_t *b, const char *key,
    const char *label, unsigned long long num, unsigned long long den,
    int first);
static void lw_csv_field(lw_buf_t *csv, const char *s, size_t len);
static void lw_rate_cells(lw_bulletin_t *b, const lsn_kpi_t *k);
static void lw_html_text(lw_buf_t *html, const char *s, size_t len);
static void lw_svg_bars(lw_bulletin_t *b, const char *title, char **labels,
    const double *values, size_t n, const char *unit);
static int lw_dept_cmp(const void *a, const void *b);
static void lw_bulletin_json_rate(lw_buf_t *json, const char *key,
    unsigned long long num, unsigned long long den);
static const char *lw_cn_number(int n, char *buf);
static void lw_bulletin_head(lw_ctx_t *ctx, lw_bulletin_t *b, int y, int m);
static void lw_bulletin_foot(lw_ctx_t *ctx, lw_bulletin_t *b);
static int lw_bulletin_xlsx(lw_bulletin_t *b, char **data, size_t *len);


/* The first working day of a month. */

static time_t
lw_first_working_day(lsn_calendar_t *cal, int y, int m)
{
    int  d;

    for (d = 1; d <= 28; d++) {
        if (lsn_calendar_is_working_day(cal, y, m, d)) {
            return lsn_time_from_civil(y, m, d, 0, 0, 0);
        }
    }

    return lsn_time_from_civil(y, m, 1, 0, 0, 0);
}


/*
 * The pass: from the month's first working day on, last month's bulletin
 * is generated once; monthly_reports.month is the key, so of two workers
 * only one keeps it.
 */

int
lw_bulletin_pass(lw_ctx_t *ctx)
{
    int                  y, m;
    char                 month[32];
    time_t               now;
    lsn_civil_t          cv;
    unsigned long long   have;

    now = lw_now(ctx);
    lsn_civil_from_time(now, &cv);

    if (now < lw_first_working_day(ctx->cal, cv.year, cv.month)) {
        return 0;
    }

    y = cv.month == 1 ? cv.year - 1 : cv.year;
    m = cv.month == 1 ? 12 : cv.month - 1;
    snprintf(month, sizeof(month), "%04d-%02d", y, m);

    have = lw_bulletin_value(ctx, lw_db_query(ctx,
                "SELECT COUNT(*) FROM monthly_reports WHERE month = $z",
                month));

    if (have == (unsigned long long) -1) {
        return -1;
    }

    return have ? 0 : lw_bulletin_generate(ctx, month);
}


/* The first column of the first row as a number; -1 on error. */

static unsigned long long
lw_bulletin_value(lw_ctx_t *ctx, MYSQL_RES *res)
{
    MYSQL_ROW            row;
    unsigned long long   v;

    if (res == NULL) {
        lw_log(LW_LOG_ERROR, "bulletin: %s", lw_db_error(ctx));
        return (unsigned long long) -1;
    }

    row = mysql_fetch_row(res);
    v = (row && row[0]) ? strtoull(row[0], NULL, 10) : 0;
    mysql_free_result(res);

    return v;
}


int
lw_bulletin_generate(lw_ctx_t *ctx, const char *month)
{
    int             y, m, rc;
    char           *xlsx;
    size_t          xlsx_len;
    long long       n;
    MYSQL_RES      *res;
    lw_bulletin_t   b;

    static const char  *hot_cols[] = { "案号", "诉求数", "承办部门" };
    static const char  *repeat_cols[] = { "联系电话", "诉求数" };
    static const char  *near_cols[] = { "案号", "审限届满", "最近节点" };
    static const char  *discipline_cols[] = { "诉求编号", "部门",
                                              "首办责任人", "事项" };
    static const char  *risk_cols[] = { "风险等级", "预警数",
                                        "闭环办结数" };

    if (strlen(month) != 7 || sscanf(month, "%4d-%2d", &y, &m) != 2
        || m < 1 || m > 12)
    {
        lw_log(LW_LOG_ERROR, "bulletin: bad month \"%s\"", month);
        return -1;
    }

    memset(&b, 0, sizeof(b));
    snprintf(b.month, sizeof(b.month), "%04d-%02d", y, m);
    b.from = lsn_time_from_civil(y, m, 1, 0, 0, 0);
    b.to = lsn_time_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1,
                               0, 0, 0);
    b.prev_from = lsn_time_from_civil(m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1,
                                      1, 0, 0, 0);

    b.now = lw_now(ctx);

    lw_buf_init(&b.json);
    lw_buf_init(&b.csv);
    lw_buf_init(&b.html);
    lw_buf_init(&b.items);

    /* the workbook is written to a file of its own, read back at the end */
    snprintf(b.xlsx_path, sizeof(b.xlsx_path), "/tmp/liaison-bulletin-"
             "XXXXXX");
    n = mkstemp(b.xlsx_path);
    if (n >= 0) {
        close((int) n);
        b.wb = workbook_new(b.xlsx_path);
    }

    if (b.wb == NULL) {
        lw_log(LW_LOG_ERROR, "bulletin: cannot make a workbook in /tmp");
        unlink(b.xlsx_path);
        return -1;
    }

    b.f_bold = workbook_add_format(b.wb);
    format_set_bold(b.f_bold);
    b.f_pct = workbook_add_format(b.wb);
    format_set_num_format(b.f_pct, "0.0%");

    lw_buf_printf(&b.json, "{\"month\":\"%s\"", b.month);
    lw_bulletin_head(ctx, &b, y, m);

    rc = lw_bulletin_volumes(ctx, &b);

    if (rc == 0) {
        rc = lw_bulletin_kpi(ctx, &b);
    }

    /* A11: cases drawing many requests: a case-flow problem to look at */
    if (rc == 0) {
        res = lw_db_query(ctx,
                "SELECT t.case_no, COUNT(*), COALESCE(d.name, '') "
                "FROM tickets t LEFT JOIN cases c ON c.id = t.case_id "
                "LEFT JOIN departments d ON d.id = c.department_id "
                "WHERE t.created_at >= $t AND t.created_at < $t "
                "AND t.case_no IS NOT NULL GROUP BY t.case_no, d.name "
                "HAVING COUNT(*) >= $u ORDER BY COUNT(*) DESC, t.case_no "
                "LIMIT 50",
                b.from, b.to, (unsigned long long) LW_HOT_CASE_REQUESTS);
        rc = lw_bulletin_table(&b, "case_flow_issues", 2,
                               "涉案件流程管理的集中问题（提交审判管理办公室）",
                               "流程问题", hot_cols, 3, res, 0, -1);
    }

    if (rc == 0) {
        res = lw_db_query(ctx,
                "SELECT CONCAT(LEFT(contact_phone, 3), '****', "
                "RIGHT(contact_phone, 4)), COUNT(*) FROM tickets "
                "WHERE created_at >= $t AND created_at < $t "
                "AND contact_phone IS NOT NULL GROUP BY contact_phone "
                "HAVING COUNT(*) >= $u ORDER BY COUNT(*) DESC, contact_phone "
                "LIMIT 50", b.from, b.to,
                (unsigned long long) LW_REPEAT_REQUESTS);
        rc = lw_bulletin_table(&b, "repeat_askers", 2,
                               "重复来访（同一联系电话）", "重复来访",
                               repeat_cols, 2, res, 0, -1);
    }

    /* A11 act before asked: deadline near, nothing heard for a while */
    if (rc == 0) {
        res = lw_db_query(ctx,
                "SELECT c.case_no, c.deadline, COALESCE(DATE_FORMAT("
                "(SELECT MAX(n.occurred_at) FROM case_nodes n "
                "WHERE n.case_id = c.id), '%Y-%m-%d'), '无') "
                "FROM cases c WHERE c.deadline >= DATE($t) "
                "AND c.deadline < DATE($t) + INTERVAL $u DAY "
                "AND NOT EXISTS (SELECT 1 FROM case_nodes n "
                "WHERE n.case_id = c.id AND n.occurred_at >= $t "
                "- INTERVAL $u DAY) ORDER BY c.deadline, c.case_no LIMIT 100",
                b.to, b.to, (unsigned long long) LW_NEAR_DEADLINE_DAYS,
                b.to, (unsigned long long) LW_QUIET_DAYS);
        rc = lw_bulletin_table(&b, "near_deadline_cases", 2,
                               "审限将届满且近期无节点的案件（建议主动推送）",
                               "审限将届满", near_cols, 3, res, 0, -1);
    }

    /* A12: discipline issues for the political department; A17 first
       handler named */
    if (rc == 0) {
        res = lw_db_query(ctx,
                "SELECT t.ticket_no, COALESCE(d.name, ''), "
                "COALESCE(s.name, '未受理'), CONCAT_WS('；', "
                "IF(t.escalation_level >= 2, ELT(t.escalation_level - 1, "
                "'督办至分管院领导', '督办至院主要领导'), NULL), "
                "IF(t.category = 'complaint', '被投诉', NULL), "
                "IF(t.supervised = 1, '专项督办', NULL), "
                "IF(t.referred_at IS NOT NULL, '已移送纪检', NULL)) "
                "FROM tickets t LEFT JOIN departments d "
                "ON d.id = t.department_id LEFT JOIN staff s "
                "ON s.id = t.first_handler_staff_id "
                "WHERE t.created_at >= $t AND t.created_at < $t "
                "AND (t.escalation_level >= 2 OR t.supervised = 1 "
                "OR t.referred_at IS NOT NULL OR (t.category = 'complaint' "
                "AND t.department_id IS NOT NULL)) ORDER BY t.id LIMIT 200",
                b.from, b.to);
        rc = lw_bulletin_table(&b, "discipline_issues", 2,
                               "涉作风纪律问题（提交政治部）", "作风纪律",
                               discipline_cols, 4, res, 0, -1);
    }

    /* A10: the month's risk warnings and how many went round the loop */
    if (rc == 0) {
        res = lw_db_query(ctx,
                "SELECT level, COUNT(*), COALESCE(SUM(closed_at IS NOT NULL "
                "AND closed_at < $t), 0) FROM risks WHERE created_at >= $t "
                "AND created_at < $t GROUP BY level "
                "ORDER BY FIELD(level, 'urgent', 'high', 'medium', 'low')",
                b.to, b.from, b.to);
        rc = lw_bulletin_table(&b, "risks", 2,
                               "风险预警（接单→排查→研判→处置→反馈）",
                               "风险预警", risk_cols, 3, res, 0,
                               LSN_LABEL_RISK_LEVEL);
    }

    lw_buf_adds(&b.json, "}");
    lw_bulletin_foot(ctx, &b);

    xlsx = NULL;
    xlsx_len = 0;

    if (lw_bulletin_xlsx(&b, &xlsx, &xlsx_len) != 0) {
        rc = -1;
    }

    if (rc == 0 && (b.json.failed || b.csv.failed || b.html.failed
                    || b.items.failed))
    {
        rc = -1;
    }

    if (rc == 0) {
        rc = lw_bulletin_keep(ctx, &b, xlsx, xlsx_len);
    }

    free(xlsx);
    lw_buf_free(&b.json);
    lw_buf_free(&b.csv);
    lw_buf_free(&b.html);
    lw_buf_free(&b.items);

    return rc;
}


/*
 * Keeps the bulletin, once: with a new one, its items replace those of
 * the month not acknowledged yet (regenerated: acknowledged ones stay),
 * and each office is told, once a month.
 */

static int
lw_bulletin_keep(lw_ctx_t *ctx, lw_bulletin_t *b, char *xlsx,
    size_t xlsx_len)
{
    int        d;
    long long  n;

    if (lw_db_begin(ctx) != 0) {
        return -1;
    }

    n = lw_db_exec(ctx,
            "INSERT IGNORE INTO monthly_reports (month, body_json, "
            "body_csv, body_html, body_xlsx, generated_at) VALUES ($z, "
            "$s, $s, $s, $s, $t)", b->month, b->json.data, b->json.len,
            b->csv.data, b->csv.len, b->html.data, b->html.len, xlsx,
            xlsx_len, b->now);

    if (n > 0
        && lw_db_exec(ctx, "DELETE FROM bulletin_items WHERE month = $z "
                      "AND acknowledged_at IS NULL", b->month) < 0)
    {
        n = -1;
    }

    if (n > 0 && b->items.len > 0
        && lw_db_raw(ctx, b->items.data, b->items.len) < 0)
    {
        n = -1;
    }

    for (d = 0; n > 0 && d < LSN_DUTY_COUNT; d++) {
        if (lw_duties_bulletin(ctx, b->month, d, b->counts[d]) != 0) {
            n = -1;
        }
    }

    if (n < 0 || lw_db_commit(ctx) != 0) {
        lw_db_rollback(ctx);
        return -1;
    }

    if (n > 0) {
        lw_log(LW_LOG_INFO, "bulletin: %s generated (%zu bytes JSON, %zu "
               "bytes xlsx; %ld and %ld items for the offices)", b->month,
               b->json.len, xlsx_len, b->counts[LSN_DUTY_TRIAL_MGMT],
               b->counts[LSN_DUTY_POLITICAL]);
    }

    return 0;
}


/*
 * A row of a section addressed to an office as its item: the first cell
 * (a case or ticket number) is the item, the others its summary
 * ("诉求数：3；承办部门：民事审判庭").
 */

static void
lw_bulletin_item(lw_bulletin_t *b, int duty, MYSQL_ROW row,
    unsigned long *len, const char **headers, int ncols)
{
    int       i;
    size_t    cut;
    lw_buf_t  summary;

    lw_buf_init(&summary);

    for (i = 1; i < ncols; i++) {
        lw_buf_printf(&summary, "%s%s：", i > 1 ? "；" : "", headers[i]);
        lw_buf_add(&summary, row[i] ? row[i] : "", row[i] ? len[i] : 0);
    }

    cut = summary.failed ? 0 : lw_utf8_cut_bytes(summary.data, summary.len,
                                                 500);

    lw_buf_adds(&b->items, b->items.len ? ","
                : "INSERT IGNORE INTO bulletin_items (month, duty, "
                  "item_key, summary, created_at) VALUES ");
    lw_buf_sql(&b->items, "($z, $z, $s, $s, $t)", b->month,
               lsn_duty_names[duty], row[0],
               (size_t) lw_utf8_cut_bytes(row[0], len[0], 64),
               summary.data ? summary.data : "", cut, b->now);

    b->counts[duty]++;
    b->items.failed |= summary.failed;

    lw_buf_free(&summary);
}


/*
 * The head of the 通报: the issuing unit in red with the document's
 * number under a red rule, the title, whom it goes to; the CSV and the
 * workbook's first sheet say the same in their first lines.
 */

static void
lw_bulletin_head(lw_ctx_t *ctx, lw_bulletin_t *b, int y, int m)
{
    int          last, i;
    char         number[256], title[256], period[128], day[64], *p, *end;
    char         issuer[512];
    const char  *t;
    lw_conf_t   *c;
    lsn_civil_t  cv;

    const char  *rows[5][2];

    c = ctx->conf;

    /* bulletin_number: {short} {year} {month} filled in */
    p = number;
    end = number + sizeof(number) - 1;

    for (t = c->bulletin_number; *t && p < end; t++) {
        if (strncmp(t, "{short}", 7) == 0) {
            p += snprintf(p, end - p, "%s", c->court_short);
            t += 6;

        } else if (strncmp(t, "{year}", 6) == 0) {
            p += snprintf(p, end - p, "%d", y);
            t += 5;

        } else if (strncmp(t, "{month}", 7) == 0) {
            p += snprintf(p, end - p, "%d", m);
            t += 6;

        } else {
            *p++ = *t;
        }
    }

    *(p < end ? p : end) = '\0';

    last = (int) ((lsn_time_from_civil(m == 12 ? y + 1 : y,
                                       m == 12 ? 1 : m + 1, 1, 0, 0, 0)
                   - lsn_time_from_civil(y, m, 1, 0, 0, 0)) / 86400);
    lsn_civil_from_time(lw_now(ctx), &cv);

    snprintf(title, sizeof(title), "关于%d年%d月诉讼服务平台“接诉即答·"
             "接单即办”工作情况的月度通报（%s）", y, m, b->month);
    snprintf(period, sizeof(period), "%d年%d月1日至%d年%d月%d日", y, m, y,
             m, last);
    snprintf(day, sizeof(day), "%d年%d月%d日", cv.year, cv.month, cv.day);
    snprintf(b->date, sizeof(b->date), "%s", day);
    snprintf(issuer, sizeof(issuer), "%s%s", c->court_name, c->court_unit);

    lw_buf_adds(&b->csv, "\xef\xbb\xbf");      /* BOM: Excel reads UTF-8 */
    lw_buf_printf(&b->csv, "%s诉讼服务平台月度通报,%s\r\n", c->court_name,
                  b->month);

    rows[0][0] = "标题";      rows[0][1] = title;
    rows[1][0] = "发文单位";  rows[1][1] = issuer;
    rows[2][0] = "文号";      rows[2][1] = number;
    rows[3][0] = "统计期间";  rows[3][1] = period;
    rows[4][0] = "印发日期";  rows[4][1] = day;

    /* the workbook's first sheet says the same */
    b->ws = workbook_add_worksheet(b->wb, "通报");
    worksheet_set_column(b->ws, 0, 0, 12, NULL);
    worksheet_set_column(b->ws, 1, 1, 70, NULL);
    worksheet_write_string(b->ws, 0, 0, c->court_name, b->f_bold);

    for (i = 0; i < 5; i++) {
        lw_buf_printf(&b->csv, "%s,", rows[i][0]);
        lw_csv_field(&b->csv, rows[i][1], strlen(rows[i][1]));
        lw_buf_adds(&b->csv, "\r\n");
        worksheet_write_string(b->ws, (lxw_row_t) i + 1, 0, rows[i][0],
                               b->f_bold);
        worksheet_write_string(b->ws, (lxw_row_t) i + 1, 1, rows[i][1],
                               NULL);
    }

    lw_buf_adds(&b->html,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,"
        "initial-scale=1\"><title>");
    lw_html_text(&b->html, c->court_short, strlen(c->court_short));
    lw_buf_printf(&b->html, "诉讼服务平台月度通报 %s</title>", b->month);
    lw_buf_adds(&b->html,
        "<style>"
        "body{font-family:\"FangSong\",\"STFangsong\",\"Noto Serif CJK SC\","
        "\"WenQuanYi Micro Hei\",serif;max-width:820px;margin:auto;"
        "padding:1em;color:#111;line-height:1.7;font-size:16px}"
        ".red-head{color:#c00;text-align:center;font-size:1.9em;"
        "font-weight:bold;letter-spacing:.08em;margin:.6em 0 .2em;"
        "line-height:1.3}"
        ".doc-no{text-align:center;margin:.2em 0}"
        ".rule{border:0;border-top:3px solid #c00;margin:.4em 0 1.2em}"
        "h1{font-size:1.45em;text-align:center;line-height:1.4;"
        "margin:.6em 0}"
        "h2{font-size:1.15em;margin:1.4em 0 .4em}"
        "h3{font-size:1.05em;margin:1em 0 .3em}"
        "table{border-collapse:collapse;width:100%;margin:.4em 0 1em;"
        "font-size:.92em}"
        ".cap{font-weight:bold;margin:.6em 0 .1em}"
        "td,th{border:1px solid #555;padding:.3em .5em;text-align:left}"
        "th{background:#eee}.lag td{color:#a00;font-weight:bold}"
        "figure{margin:.6em 0 1.2em}figcaption{font-weight:bold}"
        "svg{display:block;width:100%;height:auto;max-width:560px}"
        ".sign{text-align:right;margin-top:2.5em}"
        "@media (max-width:600px){body{font-size:15px;padding:.6em}"
        ".red-head{font-size:1.5em}table{display:block;overflow-x:auto}"
        "td,th{white-space:nowrap}}"
        "@media print{body{max-width:none;padding:0;font-size:12pt}"
        "@page{size:A4;margin:25mm 20mm 20mm}"
        "h2,h3,.cap,figcaption{break-after:avoid;"
        "page-break-after:avoid}"
        "table,figure,tr{break-inside:avoid;page-break-inside:avoid}"
        "thead{display:table-header-group}"
        ".pb{break-before:page;page-break-before:always}"
        ".sign{break-inside:avoid;page-break-inside:avoid}}"
        "</style></head><body><p class=\"red-head\">");
    lw_html_text(&b->html, c->court_name, strlen(c->court_name));
    lw_buf_adds(&b->html, "<br>诉讼服务工作通报</p><p class=\"doc-no\">");
    lw_html_text(&b->html, number, strlen(number));
    lw_buf_adds(&b->html, "</p><hr class=\"rule\"><h1>");
    lw_html_text(&b->html, title, strlen(title));
    lw_buf_printf(&b->html, "</h1><p>各审判业务部门、各部门联络员：</p>"
                  "<p>现将%d年%d月（%s）诉讼服务平台运行和诉求办理情况"
                  "通报如下。</p>", y, m, period);
}


/* The issuing unit and the date, as a 通报 is signed. */

static void
lw_bulletin_foot(lw_ctx_t *ctx, lw_bulletin_t *b)
{
    lw_conf_t  *c;

    c = ctx->conf;

    lw_buf_adds(&b->html, "<p>请各部门对照通报，认真查找问题，"
                "落实整改。</p><p class=\"sign\">");
    lw_html_text(&b->html, c->court_name, strlen(c->court_name));
    lw_html_text(&b->html, c->court_unit, strlen(c->court_unit));
    lw_buf_printf(&b->html, "<br>%s</p><p class=\"note\">本通报由诉讼服务"
                  "平台自动生成。</p></body></html>", b->date);
}


/* Volumes, cases, the request-to-case ratio, month over month; types. */

static int
lw_bulletin_volumes(lw_ctx_t *ctx, lw_bulletin_t *b)
{
    int                  i;
    char                 ratio[32], prev_ratio[32];
    MYSQL_RES           *res;
    unsigned long long   req, cases, preq, pcases, v[4];

    static const char  *cols[] = { "类别", "诉求数" };
    static const char  *channel_cols[] = { "渠道", "诉求数" };
    static const char  *status_cols[] = { "状态", "诉求数" };
    static const char  *vol_cols[] = { "项目", "本月", "上月", "环比" };
    static const char  *vol_rows[] = { "诉求数", "新收案件数", "占案比" };

    req = lw_bulletin_value(ctx, lw_db_query(ctx,
              "SELECT COUNT(*) FROM tickets WHERE created_at >= $t "
              "AND created_at < $t", b->from, b->to));
    preq = lw_bulletin_value(ctx, lw_db_query(ctx,
              "SELECT COUNT(*) FROM tickets WHERE created_at >= $t "
              "AND created_at < $t", b->prev_from, b->from));
    cases = lw_bulletin_value(ctx, lw_db_query(ctx,
              "SELECT COUNT(*) FROM cases WHERE filed_at >= DATE($t) "
              "AND filed_at < DATE($t)", b->from, b->to));
    pcases = lw_bulletin_value(ctx, lw_db_query(ctx,
              "SELECT COUNT(*) FROM cases WHERE filed_at >= DATE($t) "
              "AND filed_at < DATE($t)", b->prev_from, b->from));

    v[0] = req; v[1] = preq; v[2] = cases; v[3] = pcases;

    for (i = 0; i < 4; i++) {
        if (v[i] == (unsigned long long) -1) {
            return -1;
        }
    }

    /* 占案比: requests per case filed in the month */
    if (cases) {
        snprintf(ratio, sizeof(ratio), "%.4f", (double) req / cases);
    } else {
        snprintf(ratio, sizeof(ratio), "null");
    }

    if (pcases) {
        snprintf(prev_ratio, sizeof(prev_ratio), "%.4f",
                 (double) preq / pcases);
    } else {
        snprintf(prev_ratio, sizeof(prev_ratio), "null");
    }

    lw_buf_printf(&b->json, ",\"requests\":%llu,\"cases\":%llu,"
                  "\"request_case_ratio\":%s,\"previous\":{\"requests\":%llu,"
                  "\"cases\":%llu,\"request_case_ratio\":%s},"
                  "\"requests_change\":%lld",
                  req, cases, ratio, preq, pcases, prev_ratio,
                  (long long) req - (long long) preq);

    lw_bulletin_heading(b, 2, "受理概况");
    lw_bulletin_table_open(b, "收案与诉求", "受理概况", vol_cols, 4);

    for (i = 0; i < 3; i++) {
        lw_bulletin_cell(b, 0, vol_rows[i], strlen(vol_rows[i]), 0);

        if (i < 2) {
            lw_bulletin_num(b, 1, (double) v[i * 2]);
            lw_bulletin_num(b, 2, (double) v[i * 2 + 1]);
            lw_bulletin_num(b, 3, (double) ((long long) v[i * 2]
                                            - (long long) v[i * 2 + 1]));

        } else {
            lw_bulletin_cell(b, 1, cases ? ratio : "", cases ? strlen(ratio)
                                                             : 0, 1);
            lw_bulletin_cell(b, 2, pcases ? prev_ratio : "",
                             pcases ? strlen(prev_ratio) : 0, 1);
            lw_bulletin_cell(b, 3, "", 0, 0);
        }

        lw_bulletin_row_end(b);
    }

    lw_bulletin_table_close(b, 3, 4);

    res = lw_db_query(ctx,
            "SELECT category, COUNT(*) FROM tickets WHERE created_at >= $t "
            "AND created_at < $t GROUP BY category "
            "ORDER BY COUNT(*) DESC, category",
            b->from, b->to);
    if (lw_bulletin_table(b, "by_category", 3, "集中反映的问题类型",
                          "问题类型", cols, 2, res, 1, LSN_LABEL_CATEGORY)
        != 0)
    {
        return -1;
    }

    res = lw_db_query(ctx,
            "SELECT channel, COUNT(*) FROM tickets WHERE created_at >= $t "
            "AND created_at < $t GROUP BY channel "
            "ORDER BY COUNT(*) DESC, channel",
            b->from, b->to);
    if (lw_bulletin_table(b, "by_channel", 3, "受理渠道", "受理渠道",
                          channel_cols, 2, res, 0, LSN_LABEL_CHANNEL)
        != 0)
    {
        return -1;
    }

    res = lw_db_query(ctx,
            "SELECT status, COUNT(*) FROM tickets WHERE created_at >= $t "
            "AND created_at < $t GROUP BY status ORDER BY status",
            b->from, b->to);

    return lw_bulletin_table(b, "by_status", 3, "办理情况", "办理情况",
                             status_cols, 2, res, 0, LSN_LABEL_STATUS);
}


/* A2 rates in total, the A16 ranking by department, escalations. */

static int
lw_bulletin_kpi(lw_ctx_t *ctx, lw_bulletin_t *b)
{
    int               g, i, n, lagging;
    long              len;
    char             *sql, *labels[LW_MAX_DEPTS];
    double            values[LW_MAX_DEPTS];
    lsn_kpi_t         total;
    MYSQL_ROW         row;
    MYSQL_RES        *res;
    lw_dept_score_t   depts[LW_MAX_DEPTS];

    char                num[32];

    static const char  *esc_cols[] = { "督办级别", "次数" };
    static const char  *kpi_cols[] = { "指标", "完成数", "总数", "比率" };
    static const char  *rank_cols[] = { "名次", "部门", "得分",
                                        "及时受理率", "按期办结率",
                                        "法官联络到位率", "是否落后" };

    n = 0;
    memset(&total, 0, sizeof(total));

    for (g = LSN_KPI_TOTAL; g <= LSN_KPI_BY_DEPARTMENT; g++) {
        len = lsn_kpi_sql(NULL, 0, (lsn_kpi_group_e) g, b->from, b->to,
                          lw_now(ctx), 0);
        sql = len > 0 ? malloc((size_t) len + 1) : NULL;
        if (sql == NULL) {
            return -1;
        }

        lsn_kpi_sql(sql, (size_t) len, (lsn_kpi_group_e) g, b->from, b->to,
                    lw_now(ctx), 0);
        sql[len] = '\0';

        res = NULL;

        if (lw_db_raw(ctx, sql, (size_t) len) < 0
            || (res = mysql_store_result(ctx->db)) == NULL)
        {
            free(sql);
            lw_log(LW_LOG_ERROR, "bulletin: %s", lw_db_error(ctx));
            return -1;
        }

        free(sql);

        while ((row = mysql_fetch_row(res)) != NULL) {
            if (g == LSN_KPI_TOTAL) {
                lsn_kpi_from_row(&total, row);
                continue;
            }

            if (row[0] == NULL || n == LW_MAX_DEPTS) {
                continue;       /* not yet dispatched: no department */
            }

            depts[n].id = strtoull(row[0], NULL, 10);
            snprintf(depts[n].name, sizeof(depts[n].name), "%s",
                     row[1] ? row[1] : "");
            lsn_kpi_from_row(&depts[n].kpi, row);
            depts[n].score = lsn_kpi_score(&depts[n].kpi);
            n++;
        }

        mysql_free_result(res);
    }

    lw_buf_adds(&b->json, ",\"kpi\":{");
    lw_bulletin_heading(b, 2, "考核指标");
    lw_bulletin_table_open(b, "考核指标完成情况", "考核指标", kpi_cols, 4);

    lw_bulletin_rate(b, "timely_acceptance", "及时受理率",
                     total.accepted_in_time, total.dispatched, 1);
    lw_bulletin_rate(b, "judge_contact", "法官联络到位率", total.contacted,
                     total.work_orders, 0);
    lw_bulletin_rate(b, "on_time_completion", "按期办结率", total.on_time,
                     total.due, 0);
    lw_bulletin_rate(b, "satisfaction", "满意率", total.satisfied,
                     total.ratings, 0);

    lw_buf_adds(&b->json, "}");
    lw_bulletin_table_close(b, 4, 4);

    /* A16: ranking, lagging departments named */
    qsort(depts, (size_t) n, sizeof(lw_dept_score_t), lw_dept_cmp);

    lw_buf_adds(&b->json, ",\"ranking\":[");
    lw_bulletin_heading(b, 2, "部门排名");
    lw_bulletin_table_open(b, "各部门考核得分排名（落后部门标红）",
                           "部门排名", rank_cols, 7);

    for (i = 0; i < n; i++) {
        lagging = depts[i].score < LW_LAGGING_SCORE
                  || (n >= 3 && i >= n - n / 3);

        lw_buf_printf(&b->json, "%s{\"rank\":%d,\"department_id\":%llu,"
                      "\"department\":", i ? "," : "", i + 1, depts[i].id);
        lw_buf_json_str(&b->json, depts[i].name, strlen(depts[i].name));
        lw_buf_printf(&b->json, ",\"score\":%.2f,\"lagging\":%s",
                      depts[i].score, lagging ? "true" : "false");
        lw_bulletin_json_rate(&b->json, "timely_acceptance",
                              depts[i].kpi.accepted_in_time,
                              depts[i].kpi.dispatched);
        lw_bulletin_json_rate(&b->json, "on_time_completion",
                              depts[i].kpi.on_time, depts[i].kpi.due);
        lw_bulletin_json_rate(&b->json, "judge_contact",
                              depts[i].kpi.contacted,
                              depts[i].kpi.work_orders);
        lw_buf_adds(&b->json, "}");

        if (lagging) {
            lw_buf_adds(&b->html, "<tr class=\"lag\">");
            b->row_open = 1;
        }

        snprintf(num, sizeof(num), "%d", i + 1);
        lw_bulletin_cell(b, 0, num, strlen(num), 1);
        lw_bulletin_cell(b, 1, depts[i].name, strlen(depts[i].name), 0);
        snprintf(num, sizeof(num), "%.2f", depts[i].score);
        lw_bulletin_cell(b, 2, num, strlen(num), 1);

        /* a rate with nothing to measure: an empty cell, not -1 */
        lw_rate_cells(b, &depts[i].kpi);
        lw_bulletin_cell(b, 6, lagging ? "落后" : "",
                         lagging ? strlen("落后") : 0, 0);
        lw_bulletin_row_end(b);

        labels[i] = depts[i].name;
        values[i] = depts[i].score;
    }

    lw_buf_adds(&b->json, "]");
    lw_bulletin_table_close(b, n, 7);
    lw_svg_bars(b, "各部门考核得分", labels, values, (size_t) n, "分");

    lw_buf_adds(&b->json, ",\"lagging\":[");

    for (g = 0, i = 0; i < n; i++) {
        if (depts[i].score < LW_LAGGING_SCORE || (n >= 3 && i >= n - n / 3)) {
            lw_buf_adds(&b->json, g++ ? "," : "");
            lw_buf_json_str(&b->json, depts[i].name, strlen(depts[i].name));
        }
    }

    lw_buf_adds(&b->json, "]");

    res = lw_db_query(ctx,
            "SELECT e.level, COUNT(*) "
            "FROM escalations e WHERE e.status = 'fired' "
            "AND e.fired_at >= $t AND e.fired_at < $t "
            "GROUP BY e.level ORDER BY e.level", b->from, b->to);

    return lw_bulletin_table(b, "escalations", 2, "节点督办", "节点督办",
                             esc_cols, 2, res, 0, LSN_LABEL_LADDER);
}


static void
lw_rate_cells(lw_bulletin_t *b, const lsn_kpi_t *k)
{
    lw_bulletin_rate_cell(b, 3, lsn_kpi_rate(k->accepted_in_time,
                                             k->dispatched));
    lw_bulletin_rate_cell(b, 4, lsn_kpi_rate(k->on_time, k->due));
    lw_bulletin_rate_cell(b, 5, lsn_kpi_rate(k->contacted, k->work_orders));
}


static void
lw_bulletin_rate(lw_bulletin_t *b, const char *key, const char *label,
    unsigned long long num, unsigned long long den, int first)
{
    char    n[32];
    double  r;

    r = lsn_kpi_rate(num, den);

    lw_buf_printf(&b->json, "%s\"%s\":{\"count\":%llu,\"total\":%llu,"
                  "\"rate\":", first ? "" : ",", key, num, den);

    if (r < 0) {
        lw_buf_adds(&b->json, "null}");

    } else {
        lw_buf_printf(&b->json, "%.4f}", r);
    }

    lw_bulletin_cell(b, 0, label, strlen(label), 0);
    snprintf(n, sizeof(n), "%llu", num);
    lw_bulletin_cell(b, 1, n, strlen(n), 1);
    snprintf(n, sizeof(n), "%llu", den);
    lw_bulletin_cell(b, 2, n, strlen(n), 1);
    lw_bulletin_rate_cell(b, 3, r);
    lw_bulletin_row_end(b);
}


/*
 * Headings numbered throughout: level 2 "一、title" (a section), level 3
 * "（一）title" within it.
 */

static void
lw_bulletin_heading(lw_bulletin_t *b, int level, const char *title)
{
    char  cn[16];

    if (level == 2) {
        b->section++;
        b->sub = 0;
        lw_cn_number(b->section, cn);
        lw_buf_printf(&b->html, "<h2%s>%s、%s</h2>",
                      b->section == 3 ? " class=\"pb\"" : "", cn, title);
        lw_buf_printf(&b->csv, "\r\n%s、%s\r\n", cn, title);
        return;
    }

    b->sub++;
    lw_cn_number(b->sub, cn);
    lw_buf_printf(&b->html, "<h3>（%s）%s</h3>", cn, title);
    lw_buf_printf(&b->csv, "\r\n（%s）%s\r\n", cn, title);
}


/* A numbered table: its caption, header row, and a sheet of its own. */

static void
lw_bulletin_table_open(lw_bulletin_t *b, const char *title,
    const char *sheet, const char **headers, int ncols)
{
    int   i;
    char  name[64];

    b->tables++;

    lw_buf_printf(&b->html, "<p class=\"cap\">表%d　%s</p><table><thead>"
                  "<tr>", b->tables, title);

    /* the sheet's name is its number and short title (31 characters) */
    snprintf(name, sizeof(name), "%d %s", b->tables, sheet);
    b->ws = workbook_add_worksheet(b->wb, name);
    b->row = 2;

    if (b->ws) {
        worksheet_write_string(b->ws, 0, 0, title, b->f_bold);
        worksheet_set_column(b->ws, 0, (lxw_col_t) ncols - 1, 16, NULL);
    }

    for (i = 0; i < ncols; i++) {
        lw_buf_printf(&b->csv, "%s%s", i ? "," : "", headers[i]);
        lw_buf_printf(&b->html, "<th>%s</th>", headers[i]);

        if (b->ws) {
            worksheet_write_string(b->ws, 1, (lxw_col_t) i, headers[i],
                                   b->f_bold);
        }
    }

    lw_buf_adds(&b->csv, "\r\n");
    lw_buf_adds(&b->html, "</tr></thead><tbody>");
}


static void
lw_bulletin_table_close(lw_bulletin_t *b, int nrows, int ncols)
{
    if (nrows == 0) {
        lw_buf_printf(&b->html, "<tr><td colspan=\"%d\">无</td></tr>", ncols);
    }

    lw_buf_adds(&b->html, "</tbody></table>");
}


/*
 * A cell in the three forms.  number: the workbook holds a number.  A
 * ticket number (11 digits or more) stays text everywhere: the CSV writes
 * it as ="..." so that Excel neither rounds it nor shows 2.61E+12.
 */

static void
lw_bulletin_cell(lw_bulletin_t *b, int col, const char *s, size_t len,
    int number)
{
    size_t  i;

    if (col == 0 && !b->row_open) {
        lw_buf_adds(&b->html, "<tr>");
    }

    b->row_open = 1;

    if (col) {
        lw_buf_adds(&b->csv, ",");
    }

    for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        /* void */
    }

    if (!number && len >= 11 && i == len) {
        lw_buf_adds(&b->csv, "=\"");
        lw_buf_add(&b->csv, s, len);
        lw_buf_adds(&b->csv, "\"");

    } else {
        lw_csv_field(&b->csv, s, len);
    }

    lw_buf_adds(&b->html, "<td>");
    lw_html_text(&b->html, len ? s : "—", len ? len : strlen("—"));
    lw_buf_adds(&b->html, "</td>");

    if (b->ws == NULL || len == 0) {
        return;
    }

    if (number) {
        worksheet_write_number(b->ws, b->row, (lxw_col_t) col, atof(s), NULL);

    } else {
        worksheet_write_string(b->ws, b->row, (lxw_col_t) col, s, NULL);
    }
}


static void
lw_bulletin_num(lw_bulletin_t *b, int col, double v)
{
    char  n[32];

    snprintf(n, sizeof(n), "%.0f", v);
    lw_bulletin_cell(b, col, n, strlen(n), 1);
}


/* A rate as a percentage: "85.0%", a percent-formatted number; r < 0:
   nothing to measure, an empty cell. */

static void
lw_bulletin_rate_cell(lw_bulletin_t *b, int col, double r)
{
    char  n[32];

    if (r < 0) {
        lw_bulletin_cell(b, col, "", 0, 0);
        return;
    }

    snprintf(n, sizeof(n), "%.1f%%", 100 * r);
    lw_buf_adds(&b->csv, ",");
    lw_buf_adds(&b->csv, n);
    lw_buf_printf(&b->html, "<td>%s</td>", n);

    if (b->ws) {
        worksheet_write_number(b->ws, b->row, (lxw_col_t) col, r, b->f_pct);
    }
}


static void
lw_bulletin_row_end(lw_bulletin_t *b)
{
    lw_buf_adds(&b->csv, "\r\n");
    lw_buf_adds(&b->html, "</tr>");
    b->row++;
    b->row_open = 0;
}


/*
 * A result as a JSON array of arrays, a CSV section, an HTML table and a
 * sheet (with a bar chart of the last column when chart is set).  The
 * first column is a code read through the label table of kind (-1: shown
 * as it is).  Frees res.
 */

static int
lw_bulletin_table(lw_bulletin_t *b, const char *key, int level,
    const char *title, const char *sheet, const char **headers, int ncols,
    MYSQL_RES *res, int chart, int kind)
{
    int             i, duty;
    size_t          n, tlen;
    char           *labels[LW_MAX_DEPTS];
    double          values[LW_MAX_DEPTS];
    MYSQL_ROW       row;
    MYSQL_FIELD    *fields;
    const char     *text;
    unsigned long  *len;

    if (res == NULL) {
        return -1;
    }

    fields = mysql_fetch_fields(res);
    duty = lsn_name_index(lsn_duty_sections, key, strlen(key));

    lw_buf_printf(&b->json, ",\"%s\":[", key);
    lw_bulletin_heading(b, level, title);
    lw_bulletin_table_open(b, title, sheet, headers, ncols);

    n = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        lw_buf_adds(&b->json, n ? ",[" : "[");

        for (i = 0; i < ncols; i++) {
            if (i) {
                lw_buf_adds(&b->json, ",");
            }

            if (row[i] == NULL) {
                lw_buf_adds(&b->json, "null");
                lw_bulletin_cell(b, i, "", 0, 0);
                continue;
            }

            /* counts are JSON numbers */
            if (IS_NUM(fields[i].type)) {
                lw_buf_add(&b->json, row[i], len[i]);

            } else {
                lw_buf_json_str(&b->json, row[i], len[i]);
            }

            /* people read labels; the JSON keeps the codes */
            text = (i == 0 && kind >= 0)
                   ? lsn_label_or_code((lsn_label_kind_e) kind, row[0])
                   : row[i];
            tlen = text == row[i] ? len[i] : strlen(text);
            lw_bulletin_cell(b, i, text, tlen,
                             IS_NUM(fields[i].type) && text == row[i]);
        }

        if (duty >= 0 && row[0] != NULL) {
            lw_bulletin_item(b, duty, row, len, headers, ncols);
        }

        if (chart && n < LW_MAX_DEPTS && row[0]) {
            labels[n] = (char *) (kind >= 0
                                  ? lsn_label_or_code((lsn_label_kind_e) kind,
                                                      row[0])
                                  : row[0]);
            values[n] = row[ncols - 1] ? atof(row[ncols - 1]) : 0;
        }

        lw_buf_adds(&b->json, "]");
        lw_bulletin_row_end(b);
        n++;
    }

    lw_buf_adds(&b->json, "]");
    lw_bulletin_table_close(b, (int) n, ncols);

    if (chart) {
        lw_svg_bars(b, title, labels, values,
                    n < LW_MAX_DEPTS ? n : LW_MAX_DEPTS, "件");
    }

    mysql_free_result(res);

    return 0;
}


/* RFC 4180: quote when needed, double the quotes. */

static void
lw_csv_field(lw_buf_t *csv, const char *s, size_t len)
{
    size_t  i;

    if (strcspn(s, ",\"\r\n") >= len) {
        lw_buf_add(csv, s, len);
        return;
    }

    lw_buf_adds(csv, "\"");

    for (i = 0; i < len; i++) {
        if (s[i] == '"') {
            lw_buf_adds(csv, "\"\"");

        } else {
            lw_buf_add(csv, &s[i], 1);
        }
    }

    lw_buf_adds(csv, "\"");
}


static void
lw_html_text(lw_buf_t *html, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '<':
            lw_buf_adds(html, "&lt;");
            break;
        case '>':
            lw_buf_adds(html, "&gt;");
            break;
        case '&':
            lw_buf_adds(html, "&amp;");
            break;
        case '"':
            lw_buf_adds(html, "&quot;");
            break;
        default:
            lw_buf_add(html, &s[i], 1);
        }
    }
}


/*
 * A numbered bar chart as inline SVG (no script, no external file), laid
 * out for a phone: each label on its own line above its bar, in a
 * drawing 360 units wide that the page scales to its width, so the text
 * stays about 14 px on a 390 px screen.
 */

static void
lw_svg_bars(lw_bulletin_t *b, const char *title, char **labels,
    const double *values, size_t n, const char *unit)
{
    size_t  i;
    double  max, w;

    if (n == 0) {
        return;
    }

    max = 0;
    for (i = 0; i < n; i++) {
        if (values[i] > max) {
            max = values[i];
        }
    }

    if (max <= 0) {
        max = 1;
    }

    b->charts++;

    lw_buf_printf(&b->html, "<figure><figcaption>图%d　", b->charts);
    lw_html_text(&b->html, title, strlen(title));
    lw_buf_printf(&b->html, "</figcaption><svg xmlns=\"http://www.w3.org/"
                  "2000/svg\" viewBox=\"0 0 360 %zu\" role=\"img\" "
                  "font-size=\"14\">", n * 44 + 4);

    for (i = 0; i < n; i++) {
        w = values[i] / max * 280;

        lw_buf_printf(&b->html, "<text x=\"0\" y=\"%zu\">", i * 44 + 15);
        lw_html_text(&b->html, labels[i], strlen(labels[i]));
        lw_buf_printf(&b->html, "</text><rect x=\"0\" y=\"%zu\" "
                      "width=\"%.1f\" height=\"18\" fill=\"#b22\"/>"
                      "<text x=\"%.1f\" y=\"%zu\">%.*f%s</text>",
                      i * 44 + 20, w > 1 ? w : 1, (w > 1 ? w : 1) + 6,
                      i * 44 + 35, values[i] == (long) values[i] ? 0 : 2,
                      values[i], unit);
    }

    lw_buf_adds(&b->html, "</svg></figure>");
}


/* 1..99 in Chinese numerals: 一, 十, 十一, 二十三 */

static const char *
lw_cn_number(int n, char *buf)
{
    static const char  *d[] = { "", "一", "二", "三", "四", "五", "六",
                                "七", "八", "九" };

    if (n < 1 || n > 99) {
        snprintf(buf, 16, "%d", n);

    } else if (n < 10) {
        snprintf(buf, 16, "%s", d[n]);

    } else {
        snprintf(buf, 16, "%s十%s", n >= 20 ? d[n / 10] : "", d[n % 10]);
    }

    return buf;
}


/* The workbook closed and read back: its bytes for monthly_reports. */

static int
lw_bulletin_xlsx(lw_bulletin_t *b, char **data, size_t *len)
{
    int          rc;
    long         size;
    FILE        *f;
    lxw_error    err;

    rc = -1;
    err = workbook_close(b->wb);
    b->wb = NULL;

    if (err != LXW_NO_ERROR) {
        lw_log(LW_LOG_ERROR, "bulletin: the workbook: %s",
               lxw_strerror(err));
        goto done;
    }

    f = fopen(b->xlsx_path, "rb");
    if (f == NULL) {
        goto done;
    }

    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0
        && fseek(f, 0, SEEK_SET) == 0
        && (*data = malloc((size_t) size)) != NULL
        && fread(*data, 1, (size_t) size, f) == (size_t) size)
    {
        *len = (size_t) size;
        rc = 0;
    }

    fclose(f);

done:

    unlink(b->xlsx_path);

    return rc;
}


/* ,"key":rate (null with nothing to measure) */

static void
lw_bulletin_json_rate(lw_buf_t *json, const char *key,
    unsigned long long num, unsigned long long den)
{
    if (den == 0) {
        lw_buf_printf(json, ",\"%s\":null", key);
        return;
    }

    lw_buf_printf(json, ",\"%s\":%.4f", key, lsn_kpi_rate(num, den));
}


static int
lw_dept_cmp(const void *a, const void *b)
{
    const lw_dept_score_t  *x = a, *y = b;

    if (x->score != y->score) {
        return x->score < y->score ? 1 : -1;
    }

    return x->id < y->id ? -1 : (x->id > y->id);
}


/*
 * A10: a risk left in one stage past risk_stage_hours alerts the leader of
 * the case-filing division (departments.kind = 'filing') once per stage,
 * by SMS and WeCom.  A stage is marked alerted only when the leader can be
 * reached; until then each pass says so (the risk list shows it meanwhile).
 */

/* the case-filing division's active leader, s */
#define LW_FILING_LEADER                                                      \
    "departments d JOIN staff s ON d.kind = 'filing' "                        \
    "AND s.id = d.leader_staff_id AND s.active = 1"

#define LW_RISK_LEADER                                                        \
    "FROM risks r JOIN " LW_FILING_LEADER " "                                 \
    "WHERE r.closed_at IS NULL AND r.stage_alerted = 0 AND r.stage_since <= $t"

#define LW_RISK_ALERT(to)                                                     \
    "SELECT $z, " to ", NULL, "                                               \
    LSN_OUTBOX_TEXT("CONCAT('【风险处置督办】风险预警 #', r.id, "             \
                    "' 已在“', ELT(FIELD(r.stage, 'received', "                \
                    "'investigated', 'assessed', 'handled'), "                \
                    "'接单', '排查', '研判', '处置'), "                        \
                    "'”阶段停留超过 ', $u, ' 小时，请督促处置。')")          \
    ", r.ticket_id, $z, $t, $t " LW_RISK_LEADER " AND " to " IS NOT NULL"

int
lw_risk_pass(lw_ctx_t *ctx, int hours)
{
    time_t      now, since;
    long long   n, left;
    MYSQL_ROW   row;
    MYSQL_RES  *res;

    now = lw_now(ctx);
    since = now - (time_t) hours * 3600;

    if (lw_db_begin(ctx) != 0) {
        return -1;
    }

    n = lw_db_exec(ctx,
            LSN_OUTBOX_INSERT LW_RISK_ALERT("s.mobile")
            " UNION ALL " LW_RISK_ALERT("s.wecom_userid"),
            lsn_outbox_channels[LSN_CH_SMS], (unsigned long long) hours,
            lsn_outbox_kinds[LSN_KIND_RISK_OVERDUE], now, now, since,
            lsn_outbox_channels[LSN_CH_WECOM], (unsigned long long) hours,
            lsn_outbox_kinds[LSN_KIND_RISK_OVERDUE], now, now, since);

    if (n >= 0) {
        n = lw_db_exec(ctx, "UPDATE risks SET stage_alerted = 1 "
                       "WHERE closed_at IS NULL AND stage_alerted = 0 "
                       "AND stage_since <= $t AND EXISTS (SELECT 1 FROM "
                       LW_FILING_LEADER " WHERE s.mobile IS NOT NULL "
                       "OR s.wecom_userid IS NOT NULL)", since);
    }

    if (n < 0 || lw_db_commit(ctx) != 0) {
        lw_db_rollback(ctx);
        return -1;
    }

    if (n > 0) {
        lw_log(LW_LOG_INFO, "risks: %lld stage(s) overdue, leader alerted",
               n);
    }

    res = lw_db_query(ctx, "SELECT COUNT(*) FROM risks WHERE closed_at IS "
                      "NULL AND stage_alerted = 0 AND stage_since <= $t",
                      since);
    if (res == NULL) {
        return -1;
    }

    row = mysql_fetch_row(res);
    left = (row && row[0]) ? strtoll(row[0], NULL, 10) : 0;
    mysql_free_result(res);

    if (left > 0) {
        lw_log(LW_LOG_WARN, "risks: %lld stage(s) overdue and nobody "
               "alerted: the case-filing division has no active leader "
               "with a mobile or a WeCom id (departments.leader_staff_id)",
               left);
    }

    return 0;
}
