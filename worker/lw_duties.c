/*
 * liaison-worker: follow-through on recorded duties (core/lsn_duty.h).
 *
 *   A15  liaison changes.  When a department's liaison accounts change
 *        after its directory entry was last updated (a new liaison, the
 *        liaison's name or mobile changed, the listed liaison gone), a
 *        change is opened for the department to report, and its leader
 *        and liaisons are told.  On the last day on time of each limit
 *        (report: 5 working days after the change; publish: 2 after the
 *        report) and on the working day after it, the case-filing
 *        division is alerted — for a report the department too.
 *   A14  follow-ups: the owner is reminded on the working day before the
 *        due day and on it; when it is overdue the owner and the one who
 *        assigned it are told.
 *   A12  the bulletin's notice to each office (lw_duties_bulletin(), from
 *        lw_bulletin.c when it keeps a new bulletin).
 *
 * Every step is one duty_alerts row, PRIMARY KEY (subject, subject_id,
 * step), written with its messages in one transaction: it happens once,
 * however many workers run.  A step that had gone stale when first seen
 * (a worker down for days) is recorded as skipped, without a message.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw.h"
#include "lsn_duty.h"


#define LW_FOLLOW_UP_AHEAD  40      /* days: the earliest reminder, and then
                                       some */


typedef struct {
    const char          *subject;
    unsigned long long   id;
    const char          *step;
    int                  skipped;
    lsn_kind_e           kind;
    lw_buf_t             who;       /* a condition on staff s, d */
    lw_buf_t             lock;      /* the subject's row FOR UPDATE */
    const char          *text;
} lw_alert_t;


static int lw_duty_fire(lw_ctx_t *ctx, lw_alert_t *a);
static void lw_alert_init(lw_alert_t *a, const char *subject,
    unsigned long long id, lsn_kind_e kind, const char *text);
static void lw_alert_free(lw_alert_t *a);
static int lw_duty_locked(lw_ctx_t *ctx, lw_alert_t *a);
static int lw_duty_steps(lw_ctx_t *ctx, lw_alert_t *a, int fire,
    unsigned skip, const char *prefix, const char **names, int n);
static unsigned lw_duty_done(const char *steps, const char *prefix,
    const char **names, int n);
static const char *lw_day_text(time_t day, char *buf, size_t cap);
static int lw_liaison_detect(lw_ctx_t *ctx);
static int lw_liaison_open(lw_ctx_t *ctx, unsigned long long dept,
    time_t changed, time_t due, lw_alert_t *a);
static int lw_liaison_limits(lw_ctx_t *ctx);
static int lw_follow_ups(lw_ctx_t *ctx);


int
lw_duties_pass(lw_ctx_t *ctx)
{
    int  rc;

    if (!ctx->conf->duties) {
        return 0;
    }

    rc = 0;

    if (lw_liaison_detect(ctx) != 0) {
        rc = -1;
    }

    if (lw_liaison_limits(ctx) != 0) {
        rc = -1;
    }

    if (lw_follow_ups(ctx) != 0) {
        rc = -1;
    }

    return rc;
}


/*
 * The step, inside the caller's transaction: 1 recorded (and unless
 * skipped its messages queued), 0 recorded before, -1 on error.
 */

static int
lw_duty_fire(lw_ctx_t *ctx, lw_alert_t *a)
{
    long       n;
    long long  rows;
    lw_buf_t   ids;

    rows = lw_db_exec(ctx,
               "INSERT IGNORE INTO duty_alerts (subject, subject_id, step, "
               "skipped, fired_at) VALUES ($z, $u, $z, $u, $t)",
               a->subject, a->id, a->step, (unsigned long long) a->skipped,
               lw_now(ctx));

    if (rows <= 0 || a->skipped) {
        return rows < 0 ? -1 : (int) rows;
    }

    if (a->who.failed) {
        return -1;
    }

    lw_buf_init(&ids);

    n = lw_outbox_staff(ctx, a->kind, a->text, a->who.data, &ids);

    if (n < 0 || ids.failed
        || lw_db_exec(ctx, "UPDATE duty_alerts SET recipients = "
                      "NULLIF($z, '') WHERE subject = $z "
                      "AND subject_id = $u AND step = $z",
                      ids.len ? ids.data : "", a->subject, a->id, a->step)
           < 0)
    {
        lw_buf_free(&ids);
        return -1;
    }

    if (ids.len == 0) {
        lw_log(LW_LOG_WARN, "%s %llu: step %s has no one to tell",
               a->subject, a->id, a->step);

    } else {
        lw_log(LW_LOG_INFO, "%s %llu: step %s, %ld message(s) to staff %s",
               a->subject, a->id, a->step, n, ids.data);
    }

    lw_buf_free(&ids);

    return 1;
}


static void
lw_alert_init(lw_alert_t *a, const char *subject, unsigned long long id,
    lsn_kind_e kind, const char *text)
{
    a->subject = subject;
    a->id = id;
    a->step = NULL;
    a->skipped = 0;
    a->kind = kind;
    a->text = text;
    lw_buf_init(&a->who);
    lw_buf_init(&a->lock);
}


static void
lw_alert_free(lw_alert_t *a)
{
    lw_buf_free(&a->who);
    lw_buf_free(&a->lock);
}


/*
 * The step in its own transaction, when a->lock (a statement selecting
 * the subject's row FOR UPDATE while it is still in the state the step is
 * about) finds it: a change made meanwhile (a follow-up done, a change
 * published) is seen under the lock and the step dropped.
 */

static int
lw_duty_locked(lw_ctx_t *ctx, lw_alert_t *a)
{
    int         rc;
    MYSQL_RES  *res;

    if (a->lock.failed || lw_db_begin(ctx) != 0) {
        return -1;
    }

    res = NULL;
    rc = -1;

    if (lw_db_raw(ctx, a->lock.data, a->lock.len) >= 0
        && (res = mysql_store_result(ctx->db)) != NULL)
    {
        rc = mysql_num_rows(res) ? lw_duty_fire(ctx, a) : 0;
        mysql_free_result(res);
    }

    if (rc < 0 || lw_db_commit(ctx) != 0) {
        lw_db_rollback(ctx);
        return -1;
    }

    return rc;
}


/*
 * The steps of a subject (prefix + names[i]) at one pass: the stale ones
 * in skip recorded without a message, then fire (-1: none) sent with
 * a->text, each in its own transaction under a->lock.
 */

static int
lw_duty_steps(lw_ctx_t *ctx, lw_alert_t *a, int fire, unsigned skip,
    const char *prefix, const char **names, int n)
{
    int   i;
    char  step[48];

    for (i = 0; i < n; i++) {
        if (i != fire && !(skip & (1u << i))) {
            continue;
        }

        snprintf(step, sizeof(step), "%s%s", prefix, names[i]);
        a->step = step;
        a->skipped = (i != fire);

        if (lw_duty_locked(ctx, a) < 0) {
            return -1;
        }
    }

    return 0;
}


/* The bits of the steps prefix + names[i] found in "a,b,c". */

static unsigned
lw_duty_done(const char *steps, const char *prefix, const char **names,
    int n)
{
    int         i;
    char        name[64];
    size_t      len;
    unsigned    done;
    const char *p, *e;

    done = 0;

    for (p = steps; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
        e = strchr(p, ',');
        if (e == NULL) {
            e = p + strlen(p);
        }

        len = (size_t) (e - p);

        for (i = 0; i < n; i++) {
            snprintf(name, sizeof(name), "%s%s", prefix, names[i]);

            if (strlen(name) == len && strncmp(name, p, len) == 0) {
                done |= 1u << i;
            }
        }
    }

    return done;
}


/* a day as people write it: "10月9日" */

static const char *
lw_day_text(time_t day, char *buf, size_t cap)
{
    lsn_civil_t  cv;

    lsn_civil_from_time(day, &cv);
    snprintf(buf, cap, "%d月%d日", cv.month, cv.day);

    return buf;
}


/*
 * A15: departments whose liaison accounts changed (account_events
 * 'created' or 'updated' at or after their newest directory record was
 * made) in a way the directory does not show: an active liaison whose
 * name and mobile are not the listed ones, or the listed liaison no
 * longer an active liaison.  The change day is the first such event.
 */

static int
lw_liaison_detect(lw_ctx_t *ctx)
{
    int                  rc;
    char                 on[32], by[32], text[512];
    time_t               changed, due;
    MYSQL_ROW            row;
    MYSQL_RES           *res;
    lw_alert_t           a;
    unsigned long long   dept;

    res = lw_db_query(ctx,
            "SELECT d.id, DATE_FORMAT(MIN(e.created_at), '%Y-%m-%d'), "
            "MIN(d.name) FROM departments d "
            "JOIN liaison_records r ON r.id = (SELECT MAX(id) "
            "FROM liaison_records WHERE department_id = d.id) "
            "JOIN staff s ON s.department_id = d.id "
            "JOIN account_events e ON e.staff_id = s.id "
            "AND e.type IN ('created', 'updated') "
            "AND e.created_at >= r.created_at AND e.created_at <= $t "
            "WHERE ((s.active = 1 AND s.role = 'liaison' "
            "AND NOT (s.name = r.name AND s.mobile <=> r.mobile)) "
            "OR ((s.active = 0 OR s.role <> 'liaison') "
            "AND s.name = r.name AND s.mobile <=> r.mobile)) "
            "AND NOT EXISTS (SELECT 1 FROM liaison_changes c "
            "WHERE c.department_id = d.id AND c.status <> 'published') "
            "GROUP BY d.id ORDER BY d.id", lw_now(ctx));

    if (res == NULL) {
        return -1;
    }

    rc = 0;

    while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
        dept = strtoull(row[0], NULL, 10);

        if (lsn_parse_day(row[1], strlen(row[1]), &changed) != 0) {
            continue;
        }

        due = lsn_duty_due_day(ctx->cal, changed, LSN_LIAISON_REPORT_DAYS);

        snprintf(text, sizeof(text),
                 "【联络员信息变更】本部门联络员信息已于%s变更，请于%s前"
                 "通过诉讼服务平台向立案庭报送新的联络员（姓名、职务、"
                 "办公电话、手机）。", lw_day_text(changed, on, sizeof(on)),
                 lw_day_text(due, by, sizeof(by)));

        lw_alert_init(&a, "liaison_change", 0, LSN_KIND_LIAISON_CHANGE, text);
        a.step = "detected";
        lw_buf_sql(&a.who, "d.id = $u AND " LSN_DUTY_HOLDERS_SQL, dept);

        if (lw_liaison_open(ctx, dept, changed, due, &a) < 0) {
            rc = -1;

        } else if (a.id) {
            lw_log(LW_LOG_INFO, "liaison change of %s (%s) opened, to be "
                   "reported by %s", row[2], row[1], by);
        }

        lw_alert_free(&a);
    }

    mysql_free_result(res);

    return rc;
}


/*
 * The change, unless the department has one open already (the row of the
 * department, locked, serializes workers), and its notice to the
 * department.  a->id: the new change, 0 when none was opened.
 */

static int
lw_liaison_open(lw_ctx_t *ctx, unsigned long long dept, time_t changed,
    time_t due, lw_alert_t *a)
{
    time_t      now;
    long long   opened;
    MYSQL_RES  *res;

    now = lw_now(ctx);
    a->id = 0;

    if (lw_db_begin(ctx) != 0) {
        return -1;
    }

    opened = -1;
    res = lw_db_query(ctx, "SELECT id FROM departments WHERE id = $u "
                      "FOR UPDATE", dept);

    if (res != NULL) {
        mysql_free_result(res);

        opened = lw_db_exec(ctx,
                     "INSERT INTO liaison_changes (department_id, source, "
                     "status, changed_on, report_due_on, created_at) "
                     "SELECT $u, 'detected', 'unreported', DATE($t), "
                     "DATE($t), $t FROM DUAL WHERE NOT EXISTS "
                     "(SELECT 1 FROM liaison_changes WHERE department_id = $u "
                     "AND status <> 'published')",
                     dept, changed, due, now, dept);
    }

    if (opened > 0) {
        a->id = mysql_insert_id(ctx->db);

        if (lw_duty_fire(ctx, a) < 0) {
            opened = -1;
        }
    }

    if (opened < 0 || lw_db_commit(ctx) != 0) {
        lw_db_rollback(ctx);
        a->id = 0;
        return -1;
    }

    return 0;
}


/*
 * A15: the limits of the open changes.  Not reported: the last day to
 * report and the day after alert the division and the department; reported
 * and not published: the last day to publish and the day after alert the
 * division.
 */

static int
lw_liaison_limits(lw_ctx_t *ctx)
{
    int                  i, rc, report, days;
    char                 text[768], on[32], by[32];
    time_t               now, day, due, at[LSN_LIMIT_STEPS];
    unsigned             done, skip;
    MYSQL_ROW            row;
    MYSQL_RES           *res;
    lw_alert_t           a;

    now = lw_now(ctx);

    res = lw_db_query(ctx,
            "SELECT l.id, l.status, DATE_FORMAT(IF(l.status = 'unreported', "
            "l.report_due_on, l.publish_due_on), '%Y-%m-%d'), "
            "DATE_FORMAT(IF(l.status = 'unreported', l.changed_on, "
            "l.reported_on), '%Y-%m-%d'), d.id, d.name, "
            "COALESCE(l.name, ''), (SELECT GROUP_CONCAT(a.step) "
            "FROM duty_alerts a WHERE a.subject = 'liaison_change' "
            "AND a.subject_id = l.id) FROM liaison_changes l "
            "JOIN departments d ON d.id = l.department_id "
            "WHERE l.status IN ('unreported', 'reported') "
            "AND IF(l.status = 'unreported', l.report_due_on, "
            "l.publish_due_on) <= DATE($t) ORDER BY l.id", now);

    if (res == NULL) {
        return -1;
    }

    rc = 0;

    while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
        if (row[2] == NULL || row[3] == NULL
            || lsn_parse_day(row[2], strlen(row[2]), &due) != 0
            || lsn_parse_day(row[3], strlen(row[3]), &day) != 0)
        {
            continue;
        }

        report = strcmp(row[1], "unreported") == 0;
        days = report ? LSN_LIAISON_REPORT_DAYS : LSN_LIAISON_PUBLISH_DAYS;

        lsn_duty_limit_alerts(ctx->cal, due, ctx->conf->ladder_conf.am_start,
                              at);
        done = lw_duty_done(row[7], report ? "report_" : "publish_",
                            lsn_limit_steps, LSN_LIMIT_STEPS);
        i = lsn_duty_step(at, LSN_LIMIT_STEPS, done, now, &skip);

        if (i < 0) {
            continue;
        }

        lw_day_text(day, on, sizeof(on));
        lw_day_text(due, by, sizeof(by));

        if (report && i == LSN_LIMIT_LAST_DAY) {
            snprintf(text, sizeof(text),
                     "【联络员信息变更】%s联络员信息已于%s变更，今天（%s）"
                     "是向立案庭报送的最后期限（变更后%d个工作日），请%s"
                     "今天通过诉讼服务平台报送，立案庭请跟进。",
                     row[5], on, by, days, row[5]);

        } else if (report) {
            snprintf(text, sizeof(text),
                     "【联络员信息变更】%s联络员信息于%s变更，已超过%d个"
                     "工作日的报送时限（%s）仍未报送，请%s立即报送，"
                     "立案庭请督促。", row[5], on, days, by, row[5]);

        } else if (i == LSN_LIMIT_LAST_DAY) {
            snprintf(text, sizeof(text),
                     "【联络员信息变更】%s于%s报送的联络员变更（%s）今天"
                     "（%s）是发布的最后期限（报送后%d个工作日），请今天在"
                     "诉讼服务平台发布。", row[5], on, row[6], by, days);

        } else {
            snprintf(text, sizeof(text),
                     "【联络员信息变更】%s于%s报送的联络员变更（%s）已超过"
                     "%d个工作日的发布时限（%s）仍未发布，请立即发布。",
                     row[5], on, row[6], days, by);
        }

        lw_alert_init(&a, "liaison_change", strtoull(row[0], NULL, 10),
                      LSN_KIND_LIAISON_CHANGE, text);

        if (report) {
            lw_buf_sql(&a.who, "(" LSN_OUTBOX_DIVISION ") OR (d.id = $z AND "
                       LSN_DUTY_HOLDERS_SQL ")", row[4]);

        } else {
            lw_buf_adds(&a.who, LSN_OUTBOX_DIVISION);
        }

        lw_buf_sql(&a.lock, "SELECT id FROM liaison_changes WHERE id = $z "
                   "AND status = $z FOR UPDATE", row[0], row[1]);

        if (lw_duty_steps(ctx, &a, i, skip, report ? "report_" : "publish_",
                          lsn_limit_steps, LSN_LIMIT_STEPS) != 0)
        {
            rc = -1;
        }

        lw_alert_free(&a);
    }

    mysql_free_result(res);

    return rc;
}


/*
 * A14: the open follow-ups due within LW_FOLLOW_UP_AHEAD days (or overdue
 * and not yet told so): the owner reminded the working day before and on
 * the due day, the owner and the one who assigned it told once it is
 * overdue.
 */

static int
lw_follow_ups(lw_ctx_t *ctx)
{
    int          i, rc;
    char         text[768], on[32];
    time_t       now, due, at[LSN_FOLLOW_UP_STEPS];
    unsigned     done, skip;
    MYSQL_ROW    row;
    MYSQL_RES   *res;
    lw_alert_t   a;

    now = lw_now(ctx);

    res = lw_db_query(ctx,
            "SELECT f.id, DATE_FORMAT(f.due_on, '%Y-%m-%d'), f.title, "
            "f.owner_staff_id, f.created_by, o.name, "
            "(SELECT GROUP_CONCAT(a.step) FROM duty_alerts a "
            "WHERE a.subject = 'follow_up' AND a.subject_id = f.id) "
            "FROM follow_ups f JOIN staff o ON o.id = f.owner_staff_id "
            "WHERE f.status = 'open' "
            "AND f.due_on <= DATE($t) + INTERVAL $u DAY "
            "AND NOT EXISTS (SELECT 1 FROM duty_alerts a "
            "WHERE a.subject = 'follow_up' AND a.subject_id = f.id "
            "AND a.step = $z) ORDER BY f.id",
            now, (unsigned long long) LW_FOLLOW_UP_AHEAD,
            lsn_follow_up_steps[LSN_FOLLOW_UP_OVERDUE]);

    if (res == NULL) {
        return -1;
    }

    rc = 0;

    while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
        if (lsn_parse_day(row[1], strlen(row[1]), &due) != 0) {
            continue;
        }

        lsn_follow_up_alerts(ctx->cal, due, ctx->conf->ladder_conf.am_start,
                             at);
        done = lw_duty_done(row[6], "", lsn_follow_up_steps,
                            LSN_FOLLOW_UP_STEPS);
        i = lsn_duty_step(at, LSN_FOLLOW_UP_STEPS, done, now, &skip);

        if (i < 0) {
            continue;
        }

        lw_day_text(due, on, sizeof(on));

        if (i == LSN_FOLLOW_UP_BEFORE) {
            snprintf(text, sizeof(text),
                     "【回头看督办】整改事项“%s”将于%s到期，请抓紧办理，"
                     "办结后在诉讼服务平台标记完成。", row[2], on);

        } else if (i == LSN_FOLLOW_UP_DUE
                   && at[i] - ctx->conf->ladder_conf.am_start == due)
        {
            snprintf(text, sizeof(text),
                     "【回头看督办】整改事项“%s”今天（%s）到期，请今天办结"
                     "并在诉讼服务平台标记完成。", row[2], on);

        } else if (i == LSN_FOLLOW_UP_DUE) {
            snprintf(text, sizeof(text),
                     "【回头看督办】整改事项“%s”将于%s（非工作日）到期，"
                     "今天是到期前最后一个工作日，请今天办结并在诉讼服务"
                     "平台标记完成。", row[2], on);

        } else {
            snprintf(text, sizeof(text),
                     "【回头看督办】%s负责的整改事项“%s”已于%s到期，尚未"
                     "办结，请尽快办理并在诉讼服务平台标记完成。",
                     row[5], row[2], on);
        }

        lw_alert_init(&a, "follow_up", strtoull(row[0], NULL, 10),
                      LSN_KIND_FOLLOW_UP, text);

        /* overdue: the one who assigned it too */
        lw_buf_sql(&a.who, "s.id IN ($z, $z)", row[3],
                   i == LSN_FOLLOW_UP_OVERDUE ? row[4] : row[3]);
        lw_buf_sql(&a.lock, "SELECT id FROM follow_ups WHERE id = $z "
                   "AND status = 'open' FOR UPDATE", row[0]);

        if (lw_duty_steps(ctx, &a, i, skip, "", lsn_follow_up_steps,
                          LSN_FOLLOW_UP_STEPS) != 0)
        {
            rc = -1;
        }

        lw_alert_free(&a);
    }

    mysql_free_result(res);

    return rc;
}


int
lw_duties_bulletin(lw_ctx_t *ctx, const char *month, int duty, long items)
{
    int          y, m, rc;
    char         text[512];
    lw_alert_t   a;

    if (sscanf(month, "%4d-%2d", &y, &m) != 2) {
        return -1;
    }

    if (items > 0) {
        snprintf(text, sizeof(text),
                 "【月度通报】%d年%d月诉讼服务平台月度通报已生成，其中提交"
                 "%s的%s%ld项，请登录诉讼服务平台查阅并逐项签收。",
                 y, m, lsn_duty_offices[duty], lsn_duty_topics[duty], items);

    } else {
        snprintf(text, sizeof(text),
                 "【月度通报】%d年%d月诉讼服务平台月度通报已生成，本月没有"
                 "提交%s的%s。", y, m, lsn_duty_offices[duty],
                 lsn_duty_topics[duty]);
    }

    lw_alert_init(&a, "bulletin", (unsigned long long) (y * 100 + m),
                  LSN_KIND_BULLETIN, text);
    a.step = lsn_duty_names[duty];
    lw_buf_sql(&a.who, "d.kind = $z AND " LSN_DUTY_HOLDERS_SQL,
               lsn_duty_names[duty]);

    rc = lw_duty_fire(ctx, &a);
    lw_alert_free(&a);

    return rc < 0 ? -1 : 0;
}
