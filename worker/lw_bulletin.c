/*
 * liaison-worker: the monthly bulletin (A11 ledger, A12 bulletin, A16
 * ranking) and the A10 risk-stage alerts.
 *
 * On the first working day of a month (or any later pass that finds it
 * missing) the worker builds last month's bulletin from the tickets, the
 * trial system's cases and nodes, escalations and risks, and keeps it in
 * monthly_reports as JSON, as CSV for Excel (UTF-8 with a BOM) and as a
 * printable HTML page with inline SVG charts.  The A2 figures come from
 * lsn_kpi_sql(), the same SQL as the module's KPI endpoint.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw.h"
#include "lsn_kpi.h"
#include "lsn_sql.h"


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
    lw_buf_t             json, csv, html;
} lw_bulletin_t;


static unsigned long long lw_bulletin_value(lw_ctx_t *ctx, MYSQL_RES *res);
static int lw_bulletin_volumes(lw_ctx_t *ctx, lw_bulletin_t *b);
static int lw_bulletin_kpi(lw_ctx_t *ctx, lw_bulletin_t *b);
static int lw_bulletin_table(lw_bulletin_t *b, const char *key,
    const char *title, const char **headers, int ncols, MYSQL_RES *res,
    int chart);
static void lw_bulletin_rate(lw_bulletin_t *b, const char *key,
    const char *label, unsigned long long num, unsigned long long den,
    int first);
static void lw_csv_field(lw_buf_t *csv, const char *s, size_t len);
static void lw_rate_cells(lw_bulletin_t *b, const lsn_kpi_t *k);
static void lw_html_text(lw_buf_t *html, const char *s, size_t len);
static void lw_svg_bars(lw_buf_t *html, char **labels, const double *values,
    size_t n, const char *unit);
static int lw_dept_cmp(const void *a, const void *b);
static void lw_bulletin_json_rate(lw_buf_t *json, const char *key,
    unsigned long long num, unsigned long long den);
static const char *lw_label(const char *code);


/* What people read: the codes of categories, channels and statuses. */
static const char  *lw_labels[][2] = {
    { "case_query", "案件查询" }, { "consultation", "诉讼咨询" },
    { "document", "开具诉讼文书" }, { "material", "材料收转" },
    { "suggestion", "意见建议" }, { "contact_judge", "联系法官" },
    { "complaint", "投诉" }, { "other", "其他" },
    { "president_mailbox", "院长信箱" }, { "petition", "网上信访" },
    { "report", "举报" },
    { "wechat", "微信（广州微法院）" }, { "web", "网站" },
    { "kiosk", "诉讼服务一体机" }, { "hall", "诉讼服务大厅" },
    { "hotline", "12368 热线" },
    { "registered", "已登记" }, { "answered", "已答复" },
    { "dispatched", "已派单" }, { "accepted", "已受理" },
    { "replied", "已回复" }, { "closed", "已办结" },
    { "reopened", "已重启" },
    { "low", "低" }, { "medium", "中" }, { "high", "高" },
    { "urgent", "紧急" },
    { NULL, NULL }
};


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

    lw_buf_init(&b.json);
    lw_buf_init(&b.csv);
    lw_buf_init(&b.html);

    lw_buf_printf(&b.json, "{\"month\":\"%s\"", b.month);
    lw_buf_adds(&b.csv, "\xef\xbb\xbf");      /* BOM: Excel reads UTF-8 */
    lw_buf_printf(&b.csv, "广州市南沙区人民法院诉讼服务平台月度通报,%s\r\n",
                  b.month);
    lw_buf_printf(&b.html,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">"
        "<title>诉讼服务平台月度通报 %s</title><style>"
        "body{font-family:sans-serif;max-width:900px;margin:auto;"
        "padding:1em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;"
        "border-bottom:2px solid #a00;padding-bottom:.2em;margin-top:1.5em}"
        "table{border-collapse:collapse;width:100%%;margin:.5em 0}"
        "td,th{border:1px solid #999;padding:.3em .5em;text-align:left}"
        "th{background:#f3f3f3}.lag{color:#a00;font-weight:bold}"
        "@media (max-width:600px){table{display:block;overflow-x:auto}"
        "td,th{white-space:nowrap}}"
        "@media print{body{max-width:none}}</style></head><body>"
        "<h1>广州市南沙区人民法院诉讼服务平台月度通报（%s）</h1>",
        b.month, b.month);

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
        rc = lw_bulletin_table(&b, "case_flow_issues",
                               "涉案件流程管理的集中问题（提交审判管理办公室）",
                               hot_cols, 3, res, 0);
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
        rc = lw_bulletin_table(&b, "repeat_askers", "重复来访（同一联系电话）",
                               repeat_cols, 2, res, 0);
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
        rc = lw_bulletin_table(&b, "near_deadline_cases",
                               "审限将届满且近期无节点的案件（建议主动推送）",
                               near_cols, 3, res, 0);
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
        rc = lw_bulletin_table(&b, "discipline_issues",
                               "涉作风纪律问题（提交政治部）",
                               discipline_cols, 4, res, 0);
    }

    /* A10: the month's risk warnings and how many went round the loop */
    if (rc == 0) {
        res = lw_db_query(ctx,
                "SELECT level, COUNT(*), COALESCE(SUM(closed_at IS NOT NULL "
                "AND closed_at < $t), 0) FROM risks WHERE created_at >= $t "
                "AND created_at < $t GROUP BY level "
                "ORDER BY FIELD(level, 'urgent', 'high', 'medium', 'low')",
                b.to, b.from, b.to);
        rc = lw_bulletin_table(&b, "risks", "风险预警（接单→排查→研判→处置→反馈）",
                               risk_cols, 3, res, 0);
    }

    lw_buf_adds(&b.json, "}");
    lw_buf_adds(&b.html, "<p>本通报由诉讼服务平台自动生成。</p></body></html>");

    if (rc == 0 && (b.json.failed || b.csv.failed || b.html.failed)) {
        rc = -1;
    }

    if (rc == 0) {
        n = lw_db_exec(ctx,
                "INSERT IGNORE INTO monthly_reports (month, body_json, "
                "body_csv, body_html, generated_at) VALUES ($z, $s, $s, $s, "
                "$t)", b.month, b.json.data, b.json.len, b.csv.data,
                b.csv.len, b.html.data, b.html.len, lw_now(ctx));
        rc = n < 0 ? -1 : 0;

        if (n > 0) {
            lw_log(LW_LOG_INFO, "bulletin: %s generated (%zu bytes JSON)",
                   b.month, b.json.len);
        }
    }

    lw_buf_free(&b.json);
    lw_buf_free(&b.csv);
    lw_buf_free(&b.html);

    return rc;
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

    lw_buf_printf(&b->csv, "\r\n收案与诉求\r\n项目,本月,上月\r\n"
                  "诉求数,%llu,%llu\r\n新收案件数,%llu,%llu\r\n"
                  "占案比,%s,%s\r\n", req, preq, cases, pcases,
                  cases ? ratio : "", pcases ? prev_ratio : "");

    lw_buf_printf(&b->html, "<h2>一、受理概况</h2><table><tr><th>项目</th>"
                  "<th>本月</th><th>上月</th><th>环比</th></tr>"
                  "<tr><td>诉求数</td><td>%llu</td><td>%llu</td>"
                  "<td>%+lld</td></tr><tr><td>新收案件数</td><td>%llu</td>"
                  "<td>%llu</td><td>%+lld</td></tr><tr><td>占案比</td>"
                  "<td>%s</td><td>%s</td><td></td></tr></table>",
                  req, preq, (long long) req - (long long) preq, cases,
                  pcases, (long long) cases - (long long) pcases,
                  cases ? ratio : "—", pcases ? prev_ratio : "—");

    res = lw_db_query(ctx,
            "SELECT category, COUNT(*) FROM tickets WHERE created_at >= $t "
            "AND created_at < $t GROUP BY category "
            "ORDER BY COUNT(*) DESC, category",
            b->from, b->to);
    if (lw_bulletin_table(b, "by_category", "集中反映的问题类型", cols, 2,
                          res, 1)
        != 0)
    {
        return -1;
    }

    res = lw_db_query(ctx,
            "SELECT channel, COUNT(*) FROM tickets WHERE created_at >= $t "
            "AND created_at < $t GROUP BY channel "
            "ORDER BY COUNT(*) DESC, channel",
            b->from, b->to);
    if (lw_bulletin_table(b, "by_channel", "受理渠道", channel_cols, 2, res,
                          0)
        != 0)
    {
        return -1;
    }

    res = lw_db_query(ctx,
            "SELECT status, COUNT(*) FROM tickets WHERE created_at >= $t "
            "AND created_at < $t GROUP BY status ORDER BY status",
            b->from, b->to);

    return lw_bulletin_table(b, "by_status", "办理情况", status_cols, 2, res,
                             0);
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

    static const char  *esc_cols[] = { "督办级别", "次数" };

    n = 0;
    memset(&total, 0, sizeof(total));

    for (g = LSN_KPI_TOTAL; g <= LSN_KPI_BY_DEPARTMENT; g++) {
        len = lsn_kpi_sql(NULL, 0, (lsn_kpi_group_e) g, b->from, b->to, 0);
        sql = len > 0 ? malloc((size_t) len + 1) : NULL;
        if (sql == NULL) {
            return -1;
        }

        lsn_kpi_sql(sql, (size_t) len, (lsn_kpi_group_e) g, b->from, b->to,
                    0);
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
    lw_buf_adds(&b->csv, "\r\n考核指标,完成数,总数,比率\r\n");
    lw_buf_adds(&b->html, "<h2>二、考核指标</h2><table><tr><th>指标</th>"
                "<th>完成数</th><th>总数</th><th>比率</th></tr>");

    lw_bulletin_rate(b, "timely_acceptance", "及时受理率",
                     total.accepted_in_time, total.dispatched, 1);
    lw_bulletin_rate(b, "judge_contact", "法官联络到位率", total.contacted,
                     total.work_orders, 0);
    lw_bulletin_rate(b, "on_time_completion", "按期办结率", total.on_time,
                     total.due, 0);
    lw_bulletin_rate(b, "satisfaction", "满意率", total.satisfied,
                     total.ratings, 0);

    lw_buf_adds(&b->json, "}");
    lw_buf_adds(&b->html, "</table>");

    /* A16: ranking, lagging departments named */
    qsort(depts, (size_t) n, sizeof(lw_dept_score_t), lw_dept_cmp);

    lw_buf_adds(&b->json, ",\"ranking\":[");
    lw_buf_adds(&b->csv, "\r\n部门排名,部门,得分,及时受理率,按期办结率,"
                "法官联络到位率,是否落后\r\n");
    lw_buf_adds(&b->html, "<h2>三、部门排名</h2><table><tr><th>名次</th>"
                "<th>部门</th><th>得分</th><th>及时受理率</th>"
                "<th>按期办结率</th><th>法官联络到位率</th></tr>");

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

        lw_buf_printf(&b->csv, "%d,", i + 1);
        lw_csv_field(&b->csv, depts[i].name, strlen(depts[i].name));
        lw_buf_printf(&b->csv, ",%.2f", depts[i].score);

        lw_buf_printf(&b->html, "<tr%s><td>%d</td><td>",
                      lagging ? " class=\"lag\"" : "", i + 1);
        lw_html_text(&b->html, depts[i].name, strlen(depts[i].name));
        lw_buf_printf(&b->html, "</td><td>%.2f</td>", depts[i].score);

        /* a rate with nothing to measure: an empty cell, not -1 */
        lw_rate_cells(b, &depts[i].kpi);

        lw_buf_printf(&b->csv, ",%s\r\n", lagging ? "落后" : "");
        lw_buf_adds(&b->html, "</tr>");

        labels[i] = depts[i].name;
        values[i] = depts[i].score;
    }

    lw_buf_adds(&b->json, "]");
    lw_buf_adds(&b->html, "</table>");
    lw_svg_bars(&b->html, labels, values, (size_t) n, "分");

    lw_buf_adds(&b->json, ",\"lagging\":[");

    for (g = 0, i = 0; i < n; i++) {
        if (depts[i].score < LW_LAGGING_SCORE || (n >= 3 && i >= n - n / 3)) {
            lw_buf_adds(&b->json, g++ ? "," : "");
            lw_buf_json_str(&b->json, depts[i].name, strlen(depts[i].name));
        }
    }

    lw_buf_adds(&b->json, "]");

    res = lw_db_query(ctx,
            "SELECT ELT(e.level + 1, '到期预警', '半日提醒', '部门领导督办', "
            "'分管院领导督办', '院主要领导督办'), COUNT(*) "
            "FROM escalations e WHERE e.status = 'fired' "
            "AND e.fired_at >= $t AND e.fired_at < $t "
            "GROUP BY e.level ORDER BY e.level", b->from, b->to);

    return lw_bulletin_table(b, "escalations", "节点督办", esc_cols, 2, res,
                             0);
}


static void
lw_rate_cells(lw_bulletin_t *b, const lsn_kpi_t *k)
{
    int     i;
    double  r[3];

    r[0] = lsn_kpi_rate(k->accepted_in_time, k->dispatched);
    r[1] = lsn_kpi_rate(k->on_time, k->due);
    r[2] = lsn_kpi_rate(k->contacted, k->work_orders);

    for (i = 0; i < 3; i++) {
        if (r[i] < 0) {
            lw_buf_adds(&b->csv, ",");
            lw_buf_adds(&b->html, "<td>—</td>");

        } else {
            lw_buf_printf(&b->csv, ",%.4f", r[i]);
            lw_buf_printf(&b->html, "<td>%.1f%%</td>", 100 * r[i]);
        }
    }
}


static void
lw_bulletin_rate(lw_bulletin_t *b, const char *key, const char *label,
    unsigned long long num, unsigned long long den, int first)
{
    double  r;

    r = lsn_kpi_rate(num, den);

    lw_buf_printf(&b->json, "%s\"%s\":{\"count\":%llu,\"total\":%llu,"
                  "\"rate\":", first ? "" : ",", key, num, den);

    if (r < 0) {
        lw_buf_adds(&b->json, "null}");
        lw_buf_printf(&b->csv, "%s,%llu,%llu,\r\n", label, num, den);
        lw_buf_printf(&b->html, "<tr><td>%s</td><td>%llu</td><td>%llu</td>"
                      "<td>—</td></tr>", label, num, den);
        return;
    }

    lw_buf_printf(&b->json, "%.4f}", r);
    lw_buf_printf(&b->csv, "%s,%llu,%llu,%.4f\r\n", label, num, den, r);
    lw_buf_printf(&b->html, "<tr><td>%s</td><td>%llu</td><td>%llu</td>"
                  "<td>%.1f%%</td></tr>", label, num, den, 100 * r);
}


/*
 * A result as a JSON array of arrays, a CSV section and an HTML table
 * (with a bar chart of the last column when chart is set).  Frees res.
 */

static int
lw_bulletin_table(lw_bulletin_t *b, const char *key, const char *title,
    const char **headers, int ncols, MYSQL_RES *res, int chart)
{
    int             i;
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

    lw_buf_printf(&b->json, ",\"%s\":[", key);
    lw_buf_printf(&b->csv, "\r\n%s\r\n", title);
    lw_buf_printf(&b->html, "<h2>%s</h2><table><tr>", title);

    for (i = 0; i < ncols; i++) {
        lw_buf_printf(&b->csv, "%s%s", i ? "," : "", headers[i]);
        lw_buf_printf(&b->html, "<th>%s</th>", headers[i]);
    }

    lw_buf_adds(&b->csv, "\r\n");
    lw_buf_adds(&b->html, "</tr>");

    n = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        lw_buf_adds(&b->json, n ? ",[" : "[");
        lw_buf_adds(&b->html, "<tr>");

        for (i = 0; i < ncols; i++) {
            if (i) {
                lw_buf_adds(&b->json, ",");
                lw_buf_adds(&b->csv, ",");
            }

            if (row[i] == NULL) {
                lw_buf_adds(&b->json, "null");
                lw_buf_adds(&b->html, "<td></td>");
                continue;
            }

            /* counts are JSON numbers */
            if (IS_NUM(fields[i].type)) {
                lw_buf_add(&b->json, row[i], len[i]);

            } else {
                lw_buf_json_str(&b->json, row[i], len[i]);
            }

            /* people read labels; the JSON keeps the codes */
            text = i == 0 ? lw_label(row[0]) : row[i];
            tlen = text == row[i] ? len[i] : strlen(text);
            lw_csv_field(&b->csv, text, tlen);
            lw_buf_adds(&b->html, "<td>");
            lw_html_text(&b->html, text, tlen);
            lw_buf_adds(&b->html, "</td>");
        }

        if (chart && n < LW_MAX_DEPTS && row[0]) {
            labels[n] = (char *) lw_label(row[0]);
            values[n] = row[ncols - 1] ? atof(row[ncols - 1]) : 0;
        }

        lw_buf_adds(&b->json, "]");
        lw_buf_adds(&b->csv, "\r\n");
        lw_buf_adds(&b->html, "</tr>");
        n++;
    }

    if (n == 0) {
        lw_buf_printf(&b->html, "<tr><td colspan=\"%d\">无</td></tr>", ncols);
    }

    lw_buf_adds(&b->json, "]");
    lw_buf_adds(&b->html, "</table>");

    if (chart) {
        lw_svg_bars(&b->html, labels, values,
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


/* A horizontal bar chart as inline SVG: no script, no external file. */

static void
lw_svg_bars(lw_buf_t *html, char **labels, const double *values, size_t n,
    const char *unit)
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

    lw_buf_printf(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                  "width=\"100%%\" viewBox=\"0 0 640 %zu\" role=\"img\">",
                  n * 26 + 8);

    for (i = 0; i < n; i++) {
        w = values[i] / max * 360;

        lw_buf_printf(html, "<text x=\"150\" y=\"%zu\" font-size=\"13\" "
                      "text-anchor=\"end\">", i * 26 + 21);
        lw_html_text(html, labels[i], strlen(labels[i]));
        lw_buf_printf(html, "</text><rect x=\"158\" y=\"%zu\" width=\"%.1f\" "
                      "height=\"18\" fill=\"#b22\"/><text x=\"%.1f\" "
                      "y=\"%zu\" font-size=\"12\">%.*f%s</text>",
                      i * 26 + 8, w, 164 + w, i * 26 + 21,
                      values[i] == (long) values[i] ? 0 : 2, values[i],
                      unit);
    }

    lw_buf_adds(html, "</svg>");
}


static const char *
lw_label(const char *code)
{
    int  i;

    for (i = 0; lw_labels[i][0]; i++) {
        if (strcmp(lw_labels[i][0], code) == 0) {
            return lw_labels[i][1];
        }
    }

    return code;
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
 * the case-filing division (departments.kind = 'filing') once per stage.
 */

int
lw_risk_pass(lw_ctx_t *ctx, int hours)
{
    long long   n;
    time_t      now;

    now = lw_now(ctx);

    if (lw_db_begin(ctx) != 0) {
        return -1;
    }

    n = lw_db_exec(ctx,
            LSN_OUTBOX_INSERT
            "SELECT $z, s.mobile, NULL, "
            LSN_OUTBOX_TEXT("CONCAT('【风险处置督办】风险预警 #', r.id, "
                            "' 已在“', ELT(FIELD(r.stage, 'received', "
                            "'investigated', 'assessed', 'handled'), "
                            "'接单', '排查', '研判', '处置'), "
                            "'”阶段停留超过 ', $u, ' 小时，请督促处置。')")
            ", r.ticket_id, $z, $t, $t "
            "FROM risks r JOIN departments d ON d.kind = 'filing' "
            "JOIN staff s ON s.id = d.leader_staff_id "
            "WHERE r.closed_at IS NULL AND r.stage_alerted = 0 "
            "AND r.stage_since <= $t AND s.mobile IS NOT NULL",
            lsn_outbox_channels[LSN_CH_SMS], (unsigned long long) hours,
            lsn_outbox_kinds[LSN_KIND_RISK_OVERDUE], now, now,
            now - (time_t) hours * 3600);

    if (n >= 0) {
        n = lw_db_exec(ctx, "UPDATE risks SET stage_alerted = 1 "
                       "WHERE closed_at IS NULL AND stage_alerted = 0 "
                       "AND stage_since <= $t", now - (time_t) hours * 3600);
    }

    if (n < 0 || lw_db_commit(ctx) != 0) {
        lw_db_rollback(ctx);
        return -1;
    }

    if (n > 0) {
        lw_log(LW_LOG_INFO, "risks: %lld stage(s) overdue, leader alerted",
               n);
    }

    return 0;
}
