/*
 * liaison-worker: the A8 escalation ladder (rules in core/lsn_ladder.h).
 *
 * A pass scans the open work orders (ordinary track, status dispatched or
 * accepted) whose due time is near enough for a step to come, computes
 * each one's step instants on the working-day calendar, and fires what is
 * due in batches.  Each batch is one transaction that locks its tickets
 * (SELECT ... FOR UPDATE), re-reads their status and recorded steps under
 * the lock, and writes, for every step: an escalations row (UNIQUE
 * (ticket_id, level): never twice), the SMS/WeCom messages into the outbox
 * and the timeline events.  A reply (status replied or closed) committed
 * before the lock stops the ladder; one committed after it waits for the
 * lock and the step is already recorded, which is the step's due outcome.
 *
 * Recipients: warning and reminder go to the handler (the assignee; else
 * the department's liaisons; else its leader), then the department leader,
 * the vice president in charge, and every active president.  Each message
 * carries the litigant's original message.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lw.h"


#define LW_LADDER_PAGE    2000
#define LW_LADDER_BATCH   200
/* the longest span from a reminder to its due time: a holiday block */
#define LW_LADDER_AHEAD   (20 * 86400)
#define LW_WECOM_CHARS    500


typedef struct {
    unsigned long long   id;
    char                *name;
    char                *mobile;
    char                *wecom;
    char                *role;
    unsigned long long   dept;
} lw_staff_t;


typedef struct {
    unsigned long long   id;
    char                *name;
    unsigned long long   leader;
    unsigned long long   vp;
} lw_dept_t;


typedef struct {
    unsigned long long   id;
    unsigned             done;
} lw_done_t;


typedef struct {
    lw_staff_t          *staff;
    size_t               nstaff;
    lw_dept_t           *depts;
    size_t               ndepts;
    unsigned long long  *batch;
    size_t               nbatch;
    unsigned long        fired;
    unsigned long        skipped;
    unsigned long        messages;
    int                  unknown_year;
} lw_ladder_t;


static int lw_ladder_load(lw_ctx_t *ctx, lw_ladder_t *l);
static void lw_ladder_free(lw_ladder_t *l);
static lw_staff_t *lw_staff_find(lw_ladder_t *l, unsigned long long id);
static lw_dept_t *lw_dept_find(lw_ladder_t *l, unsigned long long id);
static size_t lw_ladder_recipients(lw_ladder_t *l, int level,
    unsigned long long dept, unsigned long long assignee,
    lw_staff_t **out, size_t cap);
static int lw_ladder_fire(lw_ctx_t *ctx, lw_ladder_t *l);
static void lw_ladder_text(lw_ctx_t *ctx, lw_buf_t *b, int level,
    int supervised, const char *ticket_no, time_t due, const char *dept,
    const char *handler, const char *content, size_t max_chars);
static void lw_ladder_note(lw_buf_t *b, int level, int supervised,
    lw_staff_t **who, size_t n);
static int lw_ladder_target(int level, int supervised);
static void lw_fmt_when(time_t t, char *buf, size_t cap);


static int
lw_ladder_load(lw_ctx_t *ctx, lw_ladder_t *l)
{
    size_t      i, n;
    MYSQL_ROW   row;
    MYSQL_RES  *res;

    res = lw_db_query(ctx, "SELECT id, name, COALESCE(mobile, ''), "
                      "COALESCE(wecom_userid, ''), role, "
                      "COALESCE(department_id, 0) FROM staff "
                      "WHERE active = 1 ORDER BY id");
    if (res == NULL) {
        return -1;
    }

    n = (size_t) mysql_num_rows(res);
    l->staff = calloc(n ? n : 1, sizeof(lw_staff_t));
    if (l->staff == NULL) {
        mysql_free_result(res);
        return -1;
    }

    for (i = 0; i < n && (row = mysql_fetch_row(res)) != NULL; i++) {
        l->staff[i].id = strtoull(row[0], NULL, 10);
        l->staff[i].name = strdup(row[1]);
        l->staff[i].mobile = strdup(row[2]);
        l->staff[i].wecom = strdup(row[3]);
        l->staff[i].role = strdup(row[4]);
        l->staff[i].dept = strtoull(row[5], NULL, 10);
        l->nstaff++;
    }

    mysql_free_result(res);

    res = lw_db_query(ctx, "SELECT id, name, COALESCE(leader_staff_id, 0), "
                      "COALESCE(vice_president_staff_id, 0) "
                      "FROM departments ORDER BY id");
    if (res == NULL) {
        return -1;
    }

    n = (size_t) mysql_num_rows(res);
    l->depts = calloc(n ? n : 1, sizeof(lw_dept_t));
    if (l->depts == NULL) {
        mysql_free_result(res);
        return -1;
    }

    for (i = 0; i < n && (row = mysql_fetch_row(res)) != NULL; i++) {
        l->depts[i].id = strtoull(row[0], NULL, 10);
        l->depts[i].name = strdup(row[1]);
        l->depts[i].leader = strtoull(row[2], NULL, 10);
        l->depts[i].vp = strtoull(row[3], NULL, 10);
        l->ndepts++;
    }

    mysql_free_result(res);

    l->batch = calloc(LW_LADDER_BATCH, sizeof(unsigned long long));

    return l->batch == NULL ? -1 : 0;
}


static void
lw_ladder_free(lw_ladder_t *l)
{
    size_t  i;

    for (i = 0; i < l->nstaff; i++) {
        free(l->staff[i].name);
        free(l->staff[i].mobile);
        free(l->staff[i].wecom);
        free(l->staff[i].role);
    }

    for (i = 0; i < l->ndepts; i++) {
        free(l->depts[i].name);
    }

    free(l->staff);
    free(l->depts);
    free(l->batch);
}


static lw_staff_t *
lw_staff_find(lw_ladder_t *l, unsigned long long id)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = l->nstaff;

    while (lo < hi) {
        mid = (lo + hi) / 2;

        if (l->staff[mid].id == id) {
            return &l->staff[mid];
        }

        if (l->staff[mid].id < id) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return NULL;
}


static lw_dept_t *
lw_dept_find(lw_ladder_t *l, unsigned long long id)
{
    size_t  i;

    for (i = 0; i < l->ndepts; i++) {
        if (l->depts[i].id == id) {
            return &l->depts[i];
        }
    }

    return NULL;
}


static size_t
lw_ladder_recipients(lw_ladder_t *l, int level, unsigned long long dept,
    unsigned long long assignee, lw_staff_t **out, size_t cap)
{
    size_t       i, n;
    lw_dept_t   *d;
    lw_staff_t  *s;

    n = 0;
    d = lw_dept_find(l, dept);

    switch (level) {

    case LSN_LADDER_WARNING:
    case LSN_LADDER_REMINDER:
        s = lw_staff_find(l, assignee);
        if (s != NULL) {
            out[n++] = s;
            break;
        }

        /* dispatched to a department: its liaisons, else its leader */
        for (i = 0; i < l->nstaff && n < cap; i++) {
            if (dept != 0 && l->staff[i].dept == dept
                && strcmp(l->staff[i].role, "liaison") == 0)
            {
                out[n++] = &l->staff[i];
            }
        }

        if (n == 0 && d != NULL && (s = lw_staff_find(l, d->leader))) {
            out[n++] = s;
        }

        break;

    case LSN_LADDER_LEADER:
        if (d != NULL && (s = lw_staff_find(l, d->leader))) {
            out[n++] = s;
        }
        break;

    case LSN_LADDER_VP:
        if (d != NULL && (s = lw_staff_find(l, d->vp))) {
            out[n++] = s;
        }
        break;

    default:
        for (i = 0; i < l->nstaff && n < cap; i++) {
            if (strcmp(l->staff[i].role, "president") == 0) {
                out[n++] = &l->staff[i];
            }
        }
        break;
    }

    return n;
}


/* "2月24日 17:59" */

static void
lw_fmt_when(time_t t, char *buf, size_t cap)
{
    lsn_civil_t  cv;

    lsn_civil_from_time(t, &cv);
    snprintf(buf, cap, "%d月%d日 %02d:%02d", cv.month, cv.day, cv.hour,
             cv.min);
}


/*
 * A17: a ticket under special supervision (repeated complaints) has its
 * own escalation: the leader step goes straight to the vice president in
 * charge, the vp step to the president; the president step is then
 * recorded as skipped.  Returns the level whose recipients a step goes
 * to, or -1 for a step to skip.
 */

static int
lw_ladder_target(int level, int supervised)
{
    if (!supervised || level < LSN_LADDER_LEADER) {
        return level;
    }

    return level == LSN_LADDER_PRESIDENT ? -1 : level + 1;
}


static void
lw_ladder_text(lw_ctx_t *ctx, lw_buf_t *b, int level, int supervised,
    const char *ticket_no, time_t due, const char *dept, const char *handler,
    const char *content, size_t max_chars)
{
    int                 cut, days;
    char                when[64];
    size_t              n;
    lsn_ladder_conf_t  *lc;

    lc = &ctx->conf->ladder_conf;
    lw_fmt_when(due, when, sizeof(when));

    if (supervised && level >= LSN_LADDER_LEADER) {
        days = lc->leader_days
               + (level >= LSN_LADDER_VP ? lc->vp_days : 0);
        lw_buf_printf(b, "【专项督办】%s工单%s为同一事项重复投诉，已列入"
                      "专项督办，超期%d个工作日仍未答复，请%s督办。", dept,
                      ticket_no, days, level == LSN_LADDER_LEADER
                      ? "分管院领导" : "院主要领导");
        level = -1;
    }

    switch (level) {

    case -1:
        break;

    case LSN_LADDER_REMINDER:
        lw_buf_printf(b, "【诉讼服务提醒】工单%s将于%s到期，请在到期前答复"
                      "当事人。", ticket_no, when);
        break;

    case LSN_LADDER_WARNING:
        lw_buf_printf(b, "【诉讼服务预警】工单%s已于%s到期仍未答复，已转入"
                      "督办流程，请立即办理。", ticket_no, when);
        break;

    case LSN_LADDER_LEADER:
        lw_buf_printf(b, "【诉讼服务督办】%s%s承办的工单%s超期%d个工作日"
                      "仍未答复，请部门领导督办。", dept, handler, ticket_no,
                      lc->leader_days);
        break;

    case LSN_LADDER_VP:
        lw_buf_printf(b, "【诉讼服务督办】%s工单%s超期%d个工作日仍未答复，"
                      "部门领导督办后仍未办理，请分管院领导督办。", dept,
                      ticket_no, lc->leader_days + lc->vp_days);
        break;

    default:
        lw_buf_printf(b, "【诉讼服务督办】%s工单%s超期%d个工作日仍未答复，"
                      "分管院领导督办后仍未办理，请院主要领导督办。", dept,
                      ticket_no, lc->leader_days + lc->vp_days
                      + lc->president_days);
        break;
    }

    /* A8: the litigant's own message goes with it */
    n = lw_utf8_prefix(content, strlen(content), max_chars, &cut);
    lw_buf_adds(b, "当事人留言：");
    lw_buf_add(b, content, n);

    if (cut) {
        lw_buf_adds(b, "…");
    }
}


static void
lw_ladder_note(lw_buf_t *b, int level, int supervised, lw_staff_t **who,
    size_t n)
{
    size_t  i;

    if (supervised && level >= LSN_LADDER_LEADER) {
        lw_buf_adds(b, "专项督办：");
        level = lw_ladder_target(level, supervised);
    }

    switch (level) {
    case LSN_LADDER_REMINDER:
        lw_buf_adds(b, "到期前提醒已发送承办人：");
        break;
    case LSN_LADDER_WARNING:
        lw_buf_adds(b, "超期未答复，已预警承办人并转入督办流程：");
        break;
    case LSN_LADDER_LEADER:
        lw_buf_adds(b, "已将当事人留言发送部门领导督办：");
        break;
    case LSN_LADDER_VP:
        lw_buf_adds(b, "已将当事人留言发送分管院领导督办：");
        break;
    default:
        lw_buf_adds(b, "已将当事人留言发送院主要领导督办：");
        break;
    }

    if (n == 0) {
        lw_buf_adds(b, "未找到接收人，请维护部门领导和人员信息");
        return;
    }

    for (i = 0; i < n; i++) {
        if (i > 0) {
            lw_buf_adds(b, "、");
        }

        lw_buf_adds(b, who[i]->name);
    }
}


/* Fires the steps due for the tickets in l->batch, in one transaction. */

static int
lw_ladder_fire(lw_ctx_t *ctx, lw_ladder_t *l)
{
    int                  level, n_esc, n_out, n_ev, unknown;
    char                 ids_csv[32];
    time_t               now, due, at[LSN_LADDER_LEVELS];
    size_t               i, j, nwho, k;
    unsigned             fire, skip, done;
    lw_buf_t             ids, esc, out, ev, text, payload, note, rcp, lvl;
    int                  supervised, target, reached, n_lvl;
    MYSQL_ROW            row;
    MYSQL_RES           *res;
    lw_dept_t           *d;
    lw_staff_t          *who[32], *handler;
    unsigned long long   tid, dept, assignee;
    unsigned long       *len;
    lw_done_t           *dm;
    size_t               ndm;

    if (l->nbatch == 0) {
        return 0;
    }

    now = lw_now(ctx);

    lw_buf_init(&ids);
    lw_buf_init(&esc);
    lw_buf_init(&out);
    lw_buf_init(&ev);
    lw_buf_init(&text);
    lw_buf_init(&payload);
    lw_buf_init(&note);
    lw_buf_init(&rcp);
    lw_buf_init(&lvl);
    dm = NULL;
    res = NULL;

    for (i = 0; i < l->nbatch; i++) {
        lw_buf_sql(&ids, i ? ",$u" : "$u", l->batch[i]);
    }

    if (ids.failed || lw_db_begin(ctx) != 0) {
        goto failed;
    }

    /* the steps already recorded, read under the tickets' locks */
    lw_buf_reset(&text);
    lw_buf_adds(&text, "SELECT id FROM tickets WHERE id IN (");
    lw_buf_add(&text, ids.data, ids.len);
    lw_buf_adds(&text, ") ORDER BY id FOR UPDATE");

    if (text.failed || lw_db_raw(ctx, text.data, text.len) < 0) {
        goto failed;
    }

    res = mysql_store_result(ctx->db);
    if (res != NULL) {
        mysql_free_result(res);
        res = NULL;
    }

    lw_buf_reset(&text);
    lw_buf_adds(&text, "SELECT ticket_id, BIT_OR(1 << level) FROM "
                "escalations WHERE ticket_id IN (");
    lw_buf_add(&text, ids.data, ids.len);
    lw_buf_adds(&text, ") GROUP BY ticket_id");

    if (text.failed || lw_db_raw(ctx, text.data, text.len) < 0) {
        goto failed;
    }

    res = mysql_store_result(ctx->db);
    if (res == NULL) {
        goto failed;
    }

    ndm = (size_t) mysql_num_rows(res);
    dm = calloc(ndm ? ndm : 1, sizeof(lw_done_t));
    if (dm == NULL) {
        goto failed;
    }

    for (i = 0; i < ndm && (row = mysql_fetch_row(res)) != NULL; i++) {
        dm[i].id = strtoull(row[0], NULL, 10);
        dm[i].done = (unsigned) strtoul(row[1], NULL, 10);
    }

    mysql_free_result(res);

    lw_buf_reset(&text);
    lw_buf_adds(&text, "SELECT id, ticket_no, content, "
                "COALESCE(department_id, 0), COALESCE(assignee_staff_id, 0), "
                "DATE_FORMAT(due_at, '%Y-%m-%d %H:%i:%s'), supervised "
                "FROM tickets "
                "WHERE track = 'ordinary' AND status IN ('dispatched', "
                "'accepted') AND id IN (");
    lw_buf_add(&text, ids.data, ids.len);
    lw_buf_adds(&text, ")");

    if (text.failed || lw_db_raw(ctx, text.data, text.len) < 0) {
        goto failed;
    }

    res = mysql_store_result(ctx->db);
    if (res == NULL) {
        goto failed;
    }

    n_esc = 0;
    n_out = 0;
    n_ev = 0;
    n_lvl = 0;

    lw_buf_adds(&esc, "INSERT INTO escalations (ticket_id, level, status, "
                "due_instant, fired_at, recipients) VALUES ");
    lw_buf_adds(&out, LSN_OUTBOX_INSERT "VALUES ");
    lw_buf_adds(&ev, "INSERT INTO ticket_events (ticket_id, type, "
                "actor_kind, note, public, created_at) VALUES ");

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);
        tid = strtoull(row[0], NULL, 10);
        dept = strtoull(row[3], NULL, 10);
        assignee = strtoull(row[4], NULL, 10);
        supervised = row[6] != NULL && row[6][0] == '1';
        reached = 0;

        if (lsn_parse_datetime(row[5], len[5], &due) != 0) {
            continue;
        }

        done = 0;

        for (j = 0; j < ndm; j++) {
            if (dm[j].id == tid) {
                done = dm[j].done;
                break;
            }
        }

        lsn_ladder_instants(ctx->cal, &ctx->conf->ladder_conf, due, at,
                            &unknown);
        fire = lsn_ladder_due(at, now, done, &skip);

        if (fire == 0 && skip == 0) {
            continue;
        }

        d = lw_dept_find(l, dept);
        handler = lw_staff_find(l, assignee);

        for (level = 0; level < LSN_LADDER_LEVELS; level++) {
            if (!((fire | skip) & (1u << level))) {
                continue;
            }

            target = lw_ladder_target(level, supervised);

            if ((skip & (1u << level)) || target < 0) {
                lw_buf_sql(&esc, n_esc++ ? ",($u, $i, 'skipped', $t, $t, "
                           "NULL)" : "($u, $i, 'skipped', $t, $t, NULL)",
                           tid, (long long) level, at[level], now);
                l->skipped++;
                continue;
            }

            nwho = lw_ladder_recipients(l, target, dept, assignee, who,
                                        sizeof(who) / sizeof(who[0]));

            /* tickets.escalation_level: 1 leader, 2 vp, 3 president */
            if (target >= LSN_LADDER_LEADER
                && target - LSN_LADDER_LEADER + 1 > reached)
            {
                reached = target - LSN_LADDER_LEADER + 1;
            }

            lw_buf_reset(&rcp);
            for (k = 0; k < nwho; k++) {
                snprintf(ids_csv, sizeof(ids_csv), k ? ",%llu" : "%llu",
                         who[k]->id);
                if (rcp.len + strlen(ids_csv) < 250) {
                    lw_buf_adds(&rcp, ids_csv);
                }
            }

            lw_buf_sql(&esc, n_esc++ ? ",($u, $i, 'fired', $t, $t, $z)"
                       : "($u, $i, 'fired', $t, $t, $z)", tid,
                       (long long) level, at[level], now,
                       nwho ? rcp.data : NULL);

            for (k = 0; k < nwho; k++) {
                if (ctx->conf->ladder_sms && who[k]->mobile[0] != '\0'
                    && lw_conf_channel_ready(ctx->conf, LSN_CH_SMS))
                {
                    lw_buf_reset(&text);
                    lw_ladder_text(ctx, &text, level, supervised, row[1], due,
                                   d ? d->name : "",
                                   handler ? handler->name : "", row[2],
                                   (size_t) ctx->conf->ladder_sms_chars);
                    lw_buf_reset(&payload);
                    lw_outbox_text_payload(&payload, text.data, text.len);

                    if (n_out++) {
                        lw_buf_adds(&out, ",");
                    }

                    lw_outbox_tuple(&out, LSN_CH_SMS, who[k]->mobile, NULL,
                                    payload.data, tid,
                                    lsn_ladder_level_name(level), now);
                }

                if (ctx->conf->ladder_wecom && who[k]->wecom[0] != '\0'
                    && lw_conf_channel_ready(ctx->conf, LSN_CH_WECOM))
                {
                    lw_buf_reset(&text);
                    lw_ladder_text(ctx, &text, level, supervised, row[1], due,
                                   d ? d->name : "",
                                   handler ? handler->name : "", row[2],
                                   LW_WECOM_CHARS);
                    lw_buf_reset(&payload);
                    lw_outbox_text_payload(&payload, text.data, text.len);

                    if (n_out++) {
                        lw_buf_adds(&out, ",");
                    }

                    lw_outbox_tuple(&out, LSN_CH_WECOM, who[k]->wecom, NULL,
                                    payload.data, tid,
                                    lsn_ladder_level_name(level), now);
                }
            }

            /* the staff timeline */
            lw_buf_reset(&note);
            lw_ladder_note(&note, level, supervised, who, nwho);
            snprintf(ids_csv, sizeof(ids_csv), "escalation_%s",
                     lsn_ladder_level_name(level));
            lw_buf_sql(&ev, n_ev++ ? ",($u, $z, 'system', $z, 0, $t)"
                       : "($u, $z, 'system', $z, 0, $t)", tid, ids_csv,
                       note.data, now);

            if (nwho == 0) {
                lw_log(LW_LOG_WARN, "ticket %s: ladder step %s has no "
                       "recipient (department %llu)", row[1],
                       lsn_ladder_level_name(level), dept);
            }

            l->fired++;
        }

        /* what the litigant sees: supervised, once */
        if ((fire & ~(1u << LSN_LADDER_REMINDER)) != 0
            && (done & ~(1u << LSN_LADDER_REMINDER)) == 0)
        {
            lw_buf_sql(&ev, n_ev++ ? ",($u, 'supervised', 'system', $z, 1, "
                       "$t)" : "($u, 'supervised', 'system', $z, 1, $t)",
                       tid, "您的诉求已进入督办流程，我们正在督促承办人员"
                       "尽快答复。", now);
        }

        if (reached > 0) {
            lw_buf_sql(&lvl, n_lvl++ ? " WHEN $u THEN $i" : "$u THEN $i",
                       tid, (long long) reached);
        }

        if (unknown != 0 && l->unknown_year == 0) {
            l->unknown_year = unknown;
        }
    }

    mysql_free_result(res);
    res = NULL;

    if (n_lvl > 0) {
        lw_buf_reset(&text);
        lw_buf_adds(&text, "UPDATE tickets SET escalation_level = "
                    "GREATEST(escalation_level, CASE id WHEN ");
        lw_buf_add(&text, lvl.data, lvl.len);
        lw_buf_adds(&text, " ELSE 0 END) WHERE id IN (");
        lw_buf_add(&text, ids.data, ids.len);
        lw_buf_adds(&text, ")");
    }

    if (esc.failed || out.failed || ev.failed || text.failed
        || payload.failed || note.failed || lvl.failed)
    {
        goto failed;
    }

    if ((n_esc > 0 && lw_db_raw(ctx, esc.data, esc.len) < 0)
        || (n_out > 0 && lw_db_raw(ctx, out.data, out.len) < 0)
        || (n_ev > 0 && lw_db_raw(ctx, ev.data, ev.len) < 0)
        || (n_lvl > 0 && lw_db_raw(ctx, text.data, text.len) < 0)
        || lw_db_commit(ctx) != 0)
    {
        goto failed;
    }

    l->messages += (unsigned long) n_out;
    l->nbatch = 0;

    free(dm);
    lw_buf_free(&ids);
    lw_buf_free(&esc);
    lw_buf_free(&out);
    lw_buf_free(&ev);
    lw_buf_free(&text);
    lw_buf_free(&payload);
    lw_buf_free(&note);
    lw_buf_free(&rcp);
    lw_buf_free(&lvl);

    return 0;

failed:

    /* nothing of the batch is written; the next pass tries again */
    if (res != NULL) {
        mysql_free_result(res);
    }

    lw_db_rollback(ctx);
    lw_log(LW_LOG_ERROR, "ladder: a batch of %zu tickets failed: %s",
           l->nbatch, lw_db_error(ctx));
    l->nbatch = 0;

    free(dm);
    lw_buf_free(&ids);
    lw_buf_free(&esc);
    lw_buf_free(&out);
    lw_buf_free(&ev);
    lw_buf_free(&text);
    lw_buf_free(&payload);
    lw_buf_free(&note);
    lw_buf_free(&rcp);
    lw_buf_free(&lvl);

    return -1;
}


int
lw_ladder_pass(lw_ctx_t *ctx)
{
    int                  rc, rows, unknown;
    time_t               now, due, at[LSN_LADDER_LEVELS];
    unsigned             fire, skip, done;
    MYSQL_ROW            row;
    MYSQL_RES           *res;
    lw_ladder_t          l;
    unsigned long       *len;
    unsigned long long   last, tid;
    unsigned long        scanned;
    struct timespec      t0, t1;
    long                 ms;

    if (!ctx->conf->ladder) {
        return 0;
    }

    memset(&l, 0, sizeof(lw_ladder_t));
    now = lw_now(ctx);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = 0;

    if (lw_ladder_load(ctx, &l) != 0) {
        lw_ladder_free(&l);
        return -1;
    }

    last = 0;
    scanned = 0;

    for ( ;; ) {
        res = lw_db_query(ctx,
            "SELECT t.id, DATE_FORMAT(t.due_at, '%Y-%m-%d %H:%i:%s'), "
            "(SELECT COALESCE(BIT_OR(1 << e.level), 0) FROM escalations e "
            "WHERE e.ticket_id = t.id) FROM tickets t "
            "WHERE t.track = 'ordinary' AND t.status IN ('dispatched', "
            "'accepted') AND t.due_at <= $t AND t.id > $u "
            "ORDER BY t.id LIMIT $i",
            (time_t) (now + LW_LADDER_AHEAD), last,
            (long long) LW_LADDER_PAGE);

        if (res == NULL) {
            rc = -1;
            break;
        }

        rows = 0;

        while ((row = mysql_fetch_row(res)) != NULL) {
            len = mysql_fetch_lengths(res);
            tid = strtoull(row[0], NULL, 10);
            last = tid;
            rows++;

            done = (unsigned) strtoul(row[2], NULL, 10);

            if ((done & LSN_LADDER_ALL) == LSN_LADDER_ALL
                || lsn_parse_datetime(row[1], len[1], &due) != 0)
            {
                continue;
            }

            lsn_ladder_instants(ctx->cal, &ctx->conf->ladder_conf, due, at,
                                &unknown);
            fire = lsn_ladder_due(at, now, done, &skip);

            if (fire == 0 && skip == 0) {
                continue;
            }

            l.batch[l.nbatch++] = tid;

            /* the page is a stored result: other statements may run */
            if (l.nbatch == LW_LADDER_BATCH && lw_ladder_fire(ctx, &l) != 0)
            {
                rc = -1;
            }
        }

        mysql_free_result(res);
        scanned += (unsigned long) rows;

        if (l.nbatch > 0 && lw_ladder_fire(ctx, &l) != 0) {
            rc = -1;
        }

        if (rows < LW_LADDER_PAGE || *ctx->stop) {
            break;
        }
    }

    if (l.unknown_year != 0) {
        lw_log(LW_LOG_WARN, "ladder: the calendar of %d is not loaded: "
               "weekends only were assumed", l.unknown_year);
    }

    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (long) (t1.tv_sec - t0.tv_sec) * 1000
         + (t1.tv_nsec - t0.tv_nsec) / 1000000;

    if (l.fired > 0 || l.skipped > 0) {
        lw_log(LW_LOG_INFO, "ladder: %lu work orders scanned, %lu steps "
               "fired, %lu skipped, %lu messages queued in %ld ms", scanned,
               l.fired, l.skipped, l.messages, ms);

    } else {
        lw_log(LW_LOG_DEBUG, "ladder: %lu work orders scanned, nothing due, "
               "in %ld ms", scanned, ms);
    }

    ctx->fired += l.fired;
    lw_ladder_free(&l);

    return rc;
}
