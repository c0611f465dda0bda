/*
 * liaison-worker: the A8 escalation ladder (rules in core/lsn_ladder.h).
 *
 * A pass scans the requests that wait on the court (registered,
 * dispatched, accepted, reopened; either track) whose due time is near
 * enough for a step to come, computes each one's step instants on the
 * working-day calendar, and fires what is due in batches.  Each batch is
 * one transaction that locks its tickets (SELECT ... FOR UPDATE), re-reads
 * their status and recorded steps under the lock, and writes, for every
 * step: an escalations row (UNIQUE (ticket_id, round_no, level): never
 * twice in a round), the SMS/WeCom messages into the outbox and the
 * timeline events.  An answer or reply committed before the lock stops
 * the ladder; one committed after it waits for the lock and the step is
 * already recorded, which is the step's due outcome.  The round is the
 * number of times the request was reopened: a reopening gives it a new
 * due time and a new ladder; a hand-back (return) changes neither.
 *
 * Recipients of a request waiting on a department (dispatched to it, or
 * reopened after it): warning and reminder go to the handler (the
 * assignee; else the department's liaisons; else its leader), then the
 * department leader, the vice president in charge, and every active
 * president.  A request waiting on the platform (registered: never
 * dispatched or handed back; reopened but never dispatched) goes the same
 * way through the case-filing division (departments.kind 'filing'), which
 * runs the platform: its platform staff (else its filing administrators,
 * else its leader), its leader, its vice president in charge, the
 * presidents.  Each message carries the litigant's original message.
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

/* the statuses in which a request waits on the court (lsn_status_open) */
#define LW_LADDER_WAITING                                                     \
    "('registered', 'dispatched', 'accepted', 'reopened')"

/* the round of ticket t: the times it was reopened */
#define LW_LADDER_ROUND                                                       \
    "(SELECT COUNT(*) FROM ticket_events v WHERE v.ticket_id = t.id "        \
    "AND v.type = 'reopened') AS rnd"

/*
 * Of ticket x (with its round x.rnd): the mask of the steps recorded, and
 * when the last step past the due time fired (not the reminder, level 1).
 */
#define LW_LADDER_DONE                                                        \
    "(SELECT COALESCE(BIT_OR(1 << e.level), 0) FROM escalations e "          \
    "WHERE e.ticket_id = x.id AND e.round_no = x.rnd), "                     \
    "(SELECT DATE_FORMAT(MAX(e.fired_at), '%Y-%m-%d %H:%i:%s') "             \
    "FROM escalations e WHERE e.ticket_id = x.id AND e.round_no = x.rnd "    \
    "AND e.level <> 1)"


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
    int                  filing;        /* the case-filing division */
} lw_dept_t;


/* one ticket of a batch, as its steps need it */
typedef struct {
    unsigned long long   id;
    unsigned long long   dept;
    unsigned long long   assignee;
    const char          *ticket_no;
    const char          *content;       /* the litigant's message */
    const char          *dept_name;     /* "" when unknown */
    const char          *handler;       /* "" when unknown */
    time_t               due;
    int                  supervised;
    int                  platform;      /* waits on the platform */
    long long            round;         /* times reopened */
    int                  reached;       /* tickets.escalation_level */
} lw_ticket_t;


/*
 * The statements of one batch, built while its tickets are locked.  Every
 * buffer is initialised once and freed once (lw_fire_init, lw_fire_free);
 * text, payload, note and rcp are scratch space, reset before each use,
 * and an allocation failure in them is kept in failed.
 */
typedef struct {
    lw_buf_t             ids;           /* "1,2,3" */
    lw_buf_t             sql;           /* a SELECT, then the UPDATE */
    lw_buf_t             esc;           /* INSERT INTO escalations */
    lw_buf_t             out;           /* INSERT INTO outbox */
    lw_buf_t             ev;            /* INSERT INTO ticket_events */
    lw_buf_t             lvl;           /* CASE of escalation_level */
    lw_buf_t             text;
    lw_buf_t             payload;
    lw_buf_t             note;
    lw_buf_t             rcp;
    int                  n_esc;
    int                  n_out;
    int                  n_ev;
    int                  n_lvl;
    int                  failed;
} lw_fire_t;


typedef struct {
    lw_staff_t          *staff;
    size_t               nstaff;
    lw_dept_t           *depts;
    size_t               ndepts;
    lw_dept_t           *filing;        /* the first 'filing' department */
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
    lw_ticket_t *t, lw_staff_t **out, size_t cap);
static size_t lw_staff_role(lw_ladder_t *l, const char *role,
    lw_staff_t **out, size_t n, size_t cap);
static void lw_fire_init(lw_fire_t *f);
static void lw_fire_free(lw_fire_t *f);
static int lw_ladder_lock(lw_ctx_t *ctx, lw_ladder_t *l, lw_fire_t *f);
static int lw_ladder_fire(lw_ctx_t *ctx, lw_ladder_t *l);
static void lw_ladder_ticket(lw_ctx_t *ctx, lw_ladder_t *l, lw_fire_t *f,
    MYSQL_ROW row, unsigned long *len, time_t now);
static void lw_ladder_step(lw_ctx_t *ctx, lw_ladder_t *l, lw_fire_t *f,
    lw_ticket_t *t, int level, int skipped, time_t at, time_t now);
static void lw_ladder_message(lw_ctx_t *ctx, lw_fire_t *f, lw_ticket_t *t,
    int level, lsn_channel_e channel, const char *recipient,
    size_t max_chars, time_t now);
static void lw_ladder_text(lw_ctx_t *ctx, lw_buf_t *b, int level,
    lw_ticket_t *t, size_t max_chars);
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
                      "COALESCE(vice_president_staff_id, 0), "
                      "kind = 'filing' FROM departments ORDER BY id");
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
        l->depts[i].filing = row[4] != NULL && row[4][0] == '1';
        l->ndepts++;

        if (l->filing == NULL && l->depts[i].filing) {
            l->filing = &l->depts[i];
        }
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


/* Appends the active staff of the role to out (n so far); the new n. */

static size_t
lw_staff_role(lw_ladder_t *l, const char *role, lw_staff_t **out, size_t n,
    size_t cap)
{
    size_t  i;

    for (i = 0; i < l->nstaff && n < cap; i++) {
        if (strcmp(l->staff[i].role, role) == 0) {
            out[n++] = &l->staff[i];
        }
    }

    return n;
}


static size_t
lw_ladder_recipients(lw_ladder_t *l, int level, lw_ticket_t *t,
    lw_staff_t **out, size_t cap)
{
    size_t       i, n;
    lw_dept_t   *d;
    lw_staff_t  *s;

    n = 0;
    d = t->platform ? l->filing : lw_dept_find(l, t->dept);

    switch (level) {

    case LSN_LADDER_WARNING:
    case LSN_LADDER_REMINDER:
        if (t->platform) {
            /* the platform's desk: whoever triages and dispatches */
            n = lw_staff_role(l, "platform_staff", out, n, cap);

            if (n == 0) {
                n = lw_staff_role(l, "filing_admin", out, n, cap);
            }

        } else if ((s = lw_staff_find(l, t->assignee)) != NULL) {
            out[n++] = s;
            break;

        } else {
            /* dispatched to a department: its liaisons, else its leader */
            for (i = 0; i < l->nstaff && n < cap; i++) {
                if (t->dept != 0 && l->staff[i].dept == t->dept
                    && strcmp(l->staff[i].role, "liaison") == 0)
                {
                    out[n++] = &l->staff[i];
                }
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
        n = lw_staff_role(l, "president", out, n, cap);
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
lw_ladder_text(lw_ctx_t *ctx, lw_buf_t *b, int level, lw_ticket_t *t,
    size_t max_chars)
{
    int                 cut, days;
    char                when[64];
    size_t              n;
    const char         *dept, *ticket_no;
    lsn_ladder_conf_t  *lc;

    lc = &ctx->conf->ladder_conf;
    lw_fmt_when(t->due, when, sizeof(when));
    dept = t->dept_name;
    ticket_no = t->ticket_no;

    if (t->supervised && level >= LSN_LADDER_LEADER) {
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
                      "仍未答复，请部门领导督办。", dept, t->handler,
                      ticket_no, lc->leader_days);
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
    n = lw_utf8_prefix(t->content, strlen(t->content), max_chars, &cut);
    lw_buf_adds(b, "当事人留言：");
    lw_buf_add(b, t->content, n);

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


static void
lw_fire_init(lw_fire_t *f)
{
    memset(f, 0, sizeof(lw_fire_t));

    lw_buf_init(&f->ids);
    lw_buf_init(&f->sql);
    lw_buf_init(&f->esc);
    lw_buf_init(&f->out);
    lw_buf_init(&f->ev);
    lw_buf_init(&f->lvl);
    lw_buf_init(&f->text);
    lw_buf_init(&f->payload);
    lw_buf_init(&f->note);
    lw_buf_init(&f->rcp);
}


static void
lw_fire_free(lw_fire_t *f)
{
    lw_buf_free(&f->ids);
    lw_buf_free(&f->sql);
    lw_buf_free(&f->esc);
    lw_buf_free(&f->out);
    lw_buf_free(&f->ev);
    lw_buf_free(&f->lvl);
    lw_buf_free(&f->text);
    lw_buf_free(&f->payload);
    lw_buf_free(&f->note);
    lw_buf_free(&f->rcp);
}


/*
 * Begins the batch's transaction and locks its tickets: what is read
 * after it (status, the steps recorded) is what other workers committed.
 */

static int
lw_ladder_lock(lw_ctx_t *ctx, lw_ladder_t *l, lw_fire_t *f)
{
    size_t      i;
    MYSQL_RES  *res;

    for (i = 0; i < l->nbatch; i++) {
        lw_buf_sql(&f->ids, i ? ",$u" : "$u", l->batch[i]);
    }

    if (f->ids.failed || lw_db_begin(ctx) != 0) {
        return -1;
    }

    lw_buf_reset(&f->sql);
    lw_buf_adds(&f->sql, "SELECT id FROM tickets WHERE id IN (");
    lw_buf_add(&f->sql, f->ids.data, f->ids.len);
    lw_buf_adds(&f->sql, ") ORDER BY id FOR UPDATE");

    if (f->sql.failed || lw_db_raw(ctx, f->sql.data, f->sql.len) < 0) {
        return -1;
    }

    res = mysql_store_result(ctx->db);
    if (res != NULL) {
        mysql_free_result(res);
    }

    return 0;
}


/* Fires the steps due for the tickets in l->batch, in one transaction. */

static int
lw_ladder_fire(lw_ctx_t *ctx, lw_ladder_t *l)
{
    int          rc;
    time_t       now;
    lw_fire_t    f;
    MYSQL_ROW    row;
    MYSQL_RES   *res;

    if (l->nbatch == 0) {
        return 0;
    }

    now = lw_now(ctx);
    lw_fire_init(&f);
    res = NULL;
    rc = -1;

    if (lw_ladder_lock(ctx, l, &f) != 0) {
        goto done;
    }

    lw_buf_reset(&f.sql);
    lw_buf_adds(&f.sql, "SELECT x.id, x.ticket_no, x.content, "
                "COALESCE(x.department_id, 0), "
                "COALESCE(x.assignee_staff_id, 0), "
                "DATE_FORMAT(x.due_at, '%Y-%m-%d %H:%i:%s'), x.supervised, "
                "x.platform, x.rnd, " LW_LADDER_DONE " FROM (SELECT t.id, "
                "t.ticket_no, t.content, t.department_id, "
                "t.assignee_staff_id, t.due_at, t.supervised, "
                "(t.status = 'registered' OR t.department_id IS NULL "
                "OR (t.status = 'reopened' AND t.dispatched_at IS NULL)) "
                "AS platform, " LW_LADDER_ROUND
                " FROM tickets t WHERE t.status IN " LW_LADDER_WAITING
                " AND t.id IN (");
    lw_buf_add(&f.sql, f.ids.data, f.ids.len);
    lw_buf_adds(&f.sql, ")) x");

    if (f.sql.failed || lw_db_raw(ctx, f.sql.data, f.sql.len) < 0) {
        goto done;
    }

    res = mysql_store_result(ctx->db);
    if (res == NULL) {
        goto done;
    }

    lw_buf_adds(&f.esc, "INSERT INTO escalations (ticket_id, round_no, "
                "level, status, due_instant, fired_at, recipients) VALUES ");
    lw_buf_adds(&f.out, LSN_OUTBOX_INSERT "VALUES ");
    lw_buf_adds(&f.ev, "INSERT INTO ticket_events (ticket_id, type, "
                "actor_kind, note, public, created_at) VALUES ");

    while ((row = mysql_fetch_row(res)) != NULL) {
        lw_ladder_ticket(ctx, l, &f, row, mysql_fetch_lengths(res), now);
    }

    mysql_free_result(res);
    res = NULL;

    if (f.n_lvl > 0) {
        lw_buf_reset(&f.sql);
        lw_buf_adds(&f.sql, "UPDATE tickets SET escalation_level = "
                    "GREATEST(escalation_level, CASE id WHEN ");
        lw_buf_add(&f.sql, f.lvl.data, f.lvl.len);
        lw_buf_adds(&f.sql, " ELSE 0 END) WHERE id IN (");
        lw_buf_add(&f.sql, f.ids.data, f.ids.len);
        lw_buf_adds(&f.sql, ")");
    }

    if (f.failed || f.esc.failed || f.out.failed || f.ev.failed
        || f.lvl.failed || f.sql.failed)
    {
        goto done;
    }

    if ((f.n_esc > 0 && lw_db_raw(ctx, f.esc.data, f.esc.len) < 0)
        || (f.n_out > 0 && lw_db_raw(ctx, f.out.data, f.out.len) < 0)
        || (f.n_ev > 0 && lw_db_raw(ctx, f.ev.data, f.ev.len) < 0)
        || (f.n_lvl > 0 && lw_db_raw(ctx, f.sql.data, f.sql.len) < 0)
        || lw_db_commit(ctx) != 0)
    {
        goto done;
    }

    l->messages += (unsigned long) f.n_out;
    rc = 0;

done:

    if (rc != 0) {
        /* nothing of the batch is written; the next pass tries again */
        if (res != NULL) {
            mysql_free_result(res);
        }

        lw_db_rollback(ctx);
        lw_log(LW_LOG_ERROR, "ladder: a batch of %zu tickets failed: %s",
               l->nbatch, lw_db_error(ctx));
    }

    l->nbatch = 0;
    lw_fire_free(&f);

    return rc;
}


/* The steps due for one ticket of the batch, row of the SELECT above. */

static void
lw_ladder_ticket(lw_ctx_t *ctx, lw_ladder_t *l, lw_fire_t *f, MYSQL_ROW row,
    unsigned long *len, time_t now)
{
    int           level, unknown;
    time_t        at[LSN_LADDER_LEVELS], last;
    unsigned      fire, skip, done;
    lw_dept_t    *d;
    lw_staff_t   *handler;
    lw_ticket_t   t;

    t.id = strtoull(row[0], NULL, 10);
    t.ticket_no = row[1];
    t.content = row[2];
    t.dept = strtoull(row[3], NULL, 10);
    t.assignee = strtoull(row[4], NULL, 10);
    t.supervised = row[6] != NULL && row[6][0] == '1';
    t.platform = row[7] != NULL && row[7][0] == '1';
    t.round = strtoll(row[8], NULL, 10);
    t.reached = 0;
    done = (unsigned) strtoul(row[9], NULL, 10);
    last = 0;

    if (lsn_parse_datetime(row[5], len[5], &t.due) != 0
        || (row[10] != NULL && lsn_parse_datetime(row[10], len[10], &last)
            != 0))
    {
        return;
    }

    lsn_ladder_instants(ctx->cal, &ctx->conf->ladder_conf, t.due, at,
                        &unknown);
    fire = lsn_ladder_due(at, now, done,
                          lsn_ladder_not_before(ctx->cal, last), &skip);

    if (fire == 0 && skip == 0) {
        return;
    }

    if (t.platform) {
        t.dept_name = "诉讼服务平台";
        t.handler = "";

    } else {
        d = lw_dept_find(l, t.dept);
        handler = lw_staff_find(l, t.assignee);
        t.dept_name = d ? d->name : "";
        t.handler = handler ? handler->name : "";
    }

    for (level = 0; level < LSN_LADDER_LEVELS; level++) {
        if ((fire | skip) & (1u << level)) {
            lw_ladder_step(ctx, l, f, &t, level,
                           (skip & (1u << level)) != 0, at[level], now);
        }
    }

    /* what the litigant sees: supervised, once */
    if ((fire & ~(1u << LSN_LADDER_REMINDER)) != 0
        && (done & ~(1u << LSN_LADDER_REMINDER)) == 0)
    {
        lw_buf_sql(&f->ev, f->n_ev++ ? ",($u, 'supervised', 'system', $z, "
                   "1, $t)" : "($u, 'supervised', 'system', $z, 1, $t)",
                   t.id, "您的诉求已进入督办流程，我们正在督促承办人员"
                   "尽快答复。", now);
    }

    if (t.reached > 0) {
        lw_buf_sql(&f->lvl, f->n_lvl++ ? " WHEN $u THEN $i" : "$u THEN $i",
                   t.id, (long long) t.reached);
    }

    if (unknown != 0 && l->unknown_year == 0) {
        l->unknown_year = unknown;
    }
}


/*
 * One step of a ticket: its escalations row, a message to each recipient
 * on each channel configured, and the staff timeline event.
 */

static void
lw_ladder_step(lw_ctx_t *ctx, lw_ladder_t *l, lw_fire_t *f, lw_ticket_t *t,
    int level, int skipped, time_t at, time_t now)
{
    int          target;
    char         id[32], type[32];
    size_t       k, nwho;
    lw_staff_t  *who[32];

    target = lw_ladder_target(level, t->supervised);

    if (skipped || target < 0) {
        lw_buf_sql(&f->esc, f->n_esc++ ? ",($u, $i, $i, 'skipped', $t, $t, "
                   "NULL)" : "($u, $i, $i, 'skipped', $t, $t, NULL)",
                   t->id, t->round, (long long) level, at, now);
        l->skipped++;
        return;
    }

    nwho = lw_ladder_recipients(l, target, t, who,
                                sizeof(who) / sizeof(who[0]));

    /* tickets.escalation_level: 1 leader, 2 vp, 3 president */
    if (target >= LSN_LADDER_LEADER
        && target - LSN_LADDER_LEADER + 1 > t->reached)
    {
        t->reached = target - LSN_LADDER_LEADER + 1;
    }

    lw_buf_reset(&f->rcp);

    for (k = 0; k < nwho; k++) {
        snprintf(id, sizeof(id), k ? ",%llu" : "%llu", who[k]->id);

        if (f->rcp.len + strlen(id) < 250) {
            lw_buf_adds(&f->rcp, id);
        }
    }

    f->failed |= f->rcp.failed;

    lw_buf_sql(&f->esc, f->n_esc++ ? ",($u, $i, $i, 'fired', $t, $t, $z)"
               : "($u, $i, $i, 'fired', $t, $t, $z)", t->id, t->round,
               (long long) level, at, now, nwho ? f->rcp.data : NULL);

    for (k = 0; k < nwho; k++) {
        if (ctx->conf->ladder_sms && who[k]->mobile[0] != '\0'
            && lw_conf_channel_ready(ctx->conf, LSN_CH_SMS))
        {
            lw_ladder_message(ctx, f, t, level, LSN_CH_SMS, who[k]->mobile,
                              (size_t) ctx->conf->ladder_sms_chars, now);
        }

        if (ctx->conf->ladder_wecom && who[k]->wecom[0] != '\0'
            && lw_conf_channel_ready(ctx->conf, LSN_CH_WECOM))
        {
            lw_ladder_message(ctx, f, t, level, LSN_CH_WECOM, who[k]->wecom,
                              LW_WECOM_CHARS, now);
        }
    }

    /* the staff timeline */
    lw_buf_reset(&f->note);
    lw_ladder_note(&f->note, level, t->supervised, who, nwho);
    f->failed |= f->note.failed;

    snprintf(type, sizeof(type), "escalation_%s",
             lsn_ladder_level_name(level));
    lw_buf_sql(&f->ev, f->n_ev++ ? ",($u, $z, 'system', $z, 0, $t)"
               : "($u, $z, 'system', $z, 0, $t)", t->id, type,
               f->note.data, now);

    if (nwho == 0) {
        lw_log(LW_LOG_WARN, "ticket %s: ladder step %s has no recipient "
               "(%s %llu)", t->ticket_no, lsn_ladder_level_name(level),
               t->platform ? "the platform, filing department"
                           : "department",
               t->platform ? (l->filing ? l->filing->id : 0) : t->dept);
    }

    l->fired++;
}


/*
 * One recipient's message of a step on one channel: the same text for
 * SMS and WeCom, cut to the channel's length.  The kind is the level.
 */

static void
lw_ladder_message(lw_ctx_t *ctx, lw_fire_t *f, lw_ticket_t *t, int level,
    lsn_channel_e channel, const char *recipient, size_t max_chars,
    time_t now)
{
    lw_buf_reset(&f->text);
    lw_ladder_text(ctx, &f->text, level, t, max_chars);

    lw_buf_reset(&f->payload);
    lw_outbox_text_payload(&f->payload, f->text.data, f->text.len);

    f->failed |= f->text.failed | f->payload.failed;

    if (f->n_out++) {
        lw_buf_adds(&f->out, ",");
    }

    lw_outbox_tuple(&f->out, channel, recipient, NULL, f->payload.data,
                    t->id, lsn_ladder_level_name(level), now);
}


int
lw_ladder_pass(lw_ctx_t *ctx)
{
    int                  rc, rows, unknown;
    time_t               now, due, fired, at[LSN_LADDER_LEVELS];
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
            "SELECT x.id, DATE_FORMAT(x.due_at, '%Y-%m-%d %H:%i:%s'), "
            LW_LADDER_DONE " FROM (SELECT t.id, t.due_at, " LW_LADDER_ROUND
            " FROM tickets t WHERE t.status IN " LW_LADDER_WAITING
            " AND t.due_at <= $t AND t.id > $u ORDER BY t.id LIMIT $i) x "
            "ORDER BY x.id",
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
            fired = 0;

            if ((done & LSN_LADDER_ALL) == LSN_LADDER_ALL
                || lsn_parse_datetime(row[1], len[1], &due) != 0
                || (row[3] != NULL
                    && lsn_parse_datetime(row[3], len[3], &fired) != 0))
            {
                continue;
            }

            lsn_ladder_instants(ctx->cal, &ctx->conf->ladder_conf, due, at,
                                &unknown);
            fire = lsn_ladder_due(at, now, done,
                                  lsn_ladder_not_before(ctx->cal, fired),
                                  &skip);

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
