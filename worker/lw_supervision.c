/*
 * liaison-worker: A17 special supervision of repeated complaints and of
 * idle work orders.
 *
 * Repeated complaints: the module files each complaint under its keys
 * (complaint_keys: the phone, the case, the owner litigant) and decides
 * nothing; every pass counts the window's complaints of the matters
 * complained of since the last one (all of them every ladder_interval)
 * and puts those of each matter whose verified ones reached the count
 * under supervision: an internal event by the system, an SMS and a WeCom
 * message to the leader who answers for each, the mark.
 *
 * A work order that waits on its department (dispatched, accepted,
 * reopened) and has seen no handling for supervision_idle_days working
 * days goes under special supervision: the same statements as the
 * module's (lsn_supervision.h) — an internal event by the system, an SMS
 * and a WeCom message to the department's leader, the mark — in one
 * transaction per ticket.  A ticket is supervised once; an action that
 * lands meanwhile keeps it out.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw.h"
#include "lsn_supervision.h"


/* what counts as handling: the clock starts again at each */
#define LW_HANDLING                                                           \
    "('dispatched', 'transferred', 'accepted', 'replied', 'note', "          \
    "'reopened')"

#define LW_IDLE_BATCH        500
#define LW_SUPERVISE_AGAIN   -2
#define LW_COMPLAINTS_CHUNK  200    /* matters counted per statement */
#define LW_COMPLAINTS_MARGIN 60     /* seconds */


static int lw_complaints_chunk(lw_ctx_t *ctx, char **keys, size_t n,
    time_t since, time_t now);
static int lw_supervise_idle(lw_ctx_t *ctx, unsigned long long id,
    const char *last, int days, time_t now);
static int lw_supervise(lw_ctx_t *ctx, lw_buf_t *cond,
    lsn_supervise_reason_e reason, int detail, time_t now);


int
lw_supervision_pass(lw_ctx_t *ctx)
{
    int                  days, rc;
    time_t               now, last, at;
    MYSQL_RES           *res;
    MYSQL_ROW            row;
    unsigned long       *len;
    unsigned long long   id;

    days = ctx->conf->supervision_idle_days;
    if (days < 1) {
        return 0;
    }

    now = lw_now(ctx);

    /* n working days are at least n calendar days: a cheap first cut */
    res = lw_db_query(ctx,
        "SELECT t.id, DATE_FORMAT(COALESCE((SELECT MAX(e.created_at) "
        "FROM ticket_events e WHERE e.ticket_id = t.id AND e.type IN "
        LW_HANDLING "), t.dispatched_at), '%Y-%m-%d %H:%i:%s') AS last "
        "FROM tickets t WHERE t.supervised = 0 "
        "AND t.status IN ('dispatched', 'accepted', 'reopened') "
        "AND t.department_id IS NOT NULL AND t.dispatched_at <= $t "
        "HAVING last <= $t ORDER BY t.id LIMIT $u",
        now - (time_t) days * 86400, now - (time_t) days * 86400,
        (unsigned long long) LW_IDLE_BATCH);

    if (res == NULL) {
        lw_log(LW_LOG_ERROR, "supervision: %s", lw_db_error(ctx));
        return -1;
    }

    rc = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        if (row[1] == NULL
            || lsn_parse_datetime(row[1], len[1], &last) != 0)
        {
            continue;
        }

        at = lsn_supervise_idle_at(ctx->cal, last, days);
        if (at == 0 || at > now) {
            continue;
        }

        id = strtoull(row[0], NULL, 10);

        if (lw_supervise_idle(ctx, id, row[1], days, now) != 0) {
            rc = -1;
            break;
        }
    }

    mysql_free_result(res);

    return rc;
}


/*
 * The complaints of the matters (a key each) whose verified complaints in
 * the window reached supervision_complaints, not supervised yet: all of a
 * matter's complaints in the window, anonymous ones included.  With
 * whole (every ladder_interval) every matter of the window is counted
 * again; between, only the matters with a key filed since the last pass
 * (less a margin for transactions that committed late and for the
 * module's clock), LW_COMPLAINTS_CHUNK at a time by the primary key.
 * What commits after a read waits for the next pass; a ticket already
 * supervised (by hand, by a rating) is left alone.
 */

int
lw_complaints_pass(lw_ctx_t *ctx, int whole)
{
    int            rc, again;
    char         **keys;
    time_t         now, since, recent;
    size_t         nkeys, i;
    MYSQL_RES     *res;
    MYSQL_ROW      row;
    my_ulonglong   rows;

    if (ctx->conf->supervision_complaints < 2) {
        return 0;
    }

    now = lw_now(ctx);
    since = now - (time_t) ctx->conf->supervision_window_days * 86400;
    recent = since;

    if (!whole && ctx->last_complaints && ctx->last_complaints <= now
        && ctx->last_complaints - LW_COMPLAINTS_MARGIN > since)
    {
        recent = ctx->last_complaints - LW_COMPLAINTS_MARGIN;
    }

    res = lw_db_query(ctx, "SELECT DISTINCT match_key FROM complaint_keys "
                      "WHERE created_at >= $t", recent);
    if (res == NULL) {
        lw_log(LW_LOG_ERROR, "supervision: complaints: %s",
               lw_db_error(ctx));
        return -1;
    }

    /* the keys point into the stored result, kept until the end */
    rows = mysql_num_rows(res);
    nkeys = 0;
    keys = malloc((rows ? rows : 1) * sizeof(char *));

    if (keys == NULL) {
        mysql_free_result(res);
        lw_log(LW_LOG_ERROR, "supervision: complaints: out of memory");
        return -1;
    }

    while ((row = mysql_fetch_row(res)) != NULL) {
        if (row[0]) {
            keys[nkeys++] = row[0];
        }
    }

    rc = 0;
    again = 0;

    for (i = 0; i < nkeys && rc >= 0; i += LW_COMPLAINTS_CHUNK) {
        rc = lw_complaints_chunk(ctx, keys + i,
                                 nkeys - i < LW_COMPLAINTS_CHUNK
                                 ? nkeys - i : LW_COMPLAINTS_CHUNK,
                                 since, now);
        again |= (rc > 0);
    }

    free(keys);
    mysql_free_result(res);

    if (rc < 0) {
        return -1;
    }

    /* a chunk to look at again: the next pass looks as far back */
    if (!again) {
        ctx->last_complaints = now;
    }

    return 0;
}


/*
 * The matters among keys that reached the count: their tickets, supervised.
 * Returns 0, 1 (some were supervised meanwhile: look again) or -1.
 */

static int
lw_complaints_chunk(lw_ctx_t *ctx, char **keys, size_t n, time_t since,
    time_t now)
{
    int         rc;
    size_t      i, found;
    lw_buf_t    sql, ids;
    MYSQL_RES  *res;
    MYSQL_ROW   row;

    lw_buf_init(&sql);
    lw_buf_adds(&sql, "SELECT DISTINCT k.ticket_id FROM (SELECT match_key "
                "FROM complaint_keys WHERE match_key IN (");

    for (i = 0; i < n; i++) {
        lw_buf_sql(&sql, i ? ", $z" : "$z", keys[i]);
    }

    /* the matters first, then their keys and tickets by primary key */
    lw_buf_sql(&sql, ") AND created_at >= $t GROUP BY match_key "
               "HAVING SUM(verified) >= $u) m STRAIGHT_JOIN complaint_keys k "
               "ON k.match_key = m.match_key STRAIGHT_JOIN tickets t "
               "FORCE INDEX (PRIMARY) ON t.id = k.ticket_id "
               "WHERE t.supervised = 0 AND k.created_at >= $t",
               since, (unsigned long long) ctx->conf->supervision_complaints,
               since);

    if (sql.failed) {
        lw_buf_free(&sql);
        lw_log(LW_LOG_ERROR, "supervision: complaints: out of memory");
        return -1;
    }

    res = lw_db_rows(ctx, sql.data, sql.len);
    lw_buf_free(&sql);

    if (res == NULL) {
        lw_log(LW_LOG_ERROR, "supervision: complaints: %s",
               lw_db_error(ctx));
        return -1;
    }

    /* the tickets by primary key: "t.id IN (...)" */
    lw_buf_init(&ids);
    lw_buf_adds(&ids, "t.id IN (");
    found = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        if (row[0]) {
            lw_buf_adds(&ids, found++ ? "," : "");
            lw_buf_adds(&ids, row[0]);
        }
    }

    mysql_free_result(res);
    lw_buf_adds(&ids, ")");

    rc = 0;

    if (found == 0) {
        /* nothing */

    } else if (ids.failed) {
        lw_log(LW_LOG_ERROR, "supervision: complaints: out of memory");
        rc = -1;

    } else if ((rc = lw_supervise(ctx, &ids, LSN_SUPERVISE_COMPLAINTS, 0,
                                  now))
               == LW_SUPERVISE_AGAIN)
    {
        rc = 1;

    } else if (rc < 0) {
        rc = -1;

    } else {
        lw_log(LW_LOG_INFO, "supervision: %d repeated complaints put "
               "under special supervision: %s", rc, ids.data);
        rc = 0;
    }

    lw_buf_free(&ids);

    return rc;
}


static int
lw_supervise_idle(lw_ctx_t *ctx, unsigned long long id, const char *last,
    int days, time_t now)
{
    int        n;
    lw_buf_t   cond;

    lw_buf_init(&cond);

    /* still idle and waiting when the transaction looks again */
    lw_buf_sql(&cond,
        "t.id = $u AND t.status IN ('dispatched', 'accepted', 'reopened') "
        "AND NOT EXISTS (SELECT 1 FROM ticket_events e WHERE "
        "e.ticket_id = t.id AND e.type IN " LW_HANDLING
        " AND e.created_at > $z)", id, last);

    n = cond.failed ? -1 : lw_supervise(ctx, &cond, LSN_SUPERVISE_IDLE, days,
                                        now);

    if (n == LW_SUPERVISE_AGAIN) {
        n = 0;

    } else if (cond.failed) {
        lw_log(LW_LOG_ERROR, "supervision: ticket #%llu: out of memory", id);

    } else if (n > 0) {
        lw_log(LW_LOG_INFO, "supervision: ticket #%llu idle since %s: "
               "under special supervision", id, last);
    }

    lw_buf_free(&cond);

    return n < 0 ? -1 : 0;
}


/*
 * The tickets t of the condition cond, not yet supervised, under
 * supervision for the reason, in one transaction: the internal event by
 * the system, the alert to the leader who answers for each (before the
 * mark: it goes to tickets not yet supervised), the mark.  Returns how
 * many (0: none, nothing written), LW_SUPERVISE_AGAIN (some were
 * supervised meanwhile, or a conflict: rolled back, for the next pass) or
 * -1 (rolled back, logged).
 */

static int
lw_supervise(lw_ctx_t *ctx, lw_buf_t *cond, lsn_supervise_reason_e reason,
    int detail, time_t now)
{
    char       why[96], note[128];
    size_t     wn;
    lw_buf_t   sql;
    long long  n, m;

    wn = lsn_supervise_reason_zh(reason, detail, why, sizeof(why));
    snprintf(note, sizeof(note), "%s，列入专项督办", why);

    lw_buf_init(&sql);
    n = -1;

    if (lw_db_begin(ctx) != 0) {
        goto failed;
    }

    lw_buf_sql(&sql, LSN_SUPERVISE_EVENT, "system", 0ULL, note,
               strlen(note), now);
    lw_buf_add(&sql, cond->data, cond->len);

    if (sql.failed || (n = lw_db_raw(ctx, sql.data, sql.len)) < 0) {
        goto failed;
    }

    if (n == 0) {
        /* none: handled or supervised meanwhile */
        lw_db_rollback(ctx);
        goto done;
    }

    lw_buf_reset(&sql);
    lw_buf_adds(&sql, LSN_OUTBOX_INSERT);
    lw_buf_sql(&sql, LSN_SUPERVISE_OUTBOX("s.mobile"),
               lsn_outbox_channels[LSN_CH_SMS], why, wn,
               lsn_outbox_kinds[LSN_KIND_SUPERVISION], now, now);
    lw_buf_add(&sql, cond->data, cond->len);
    lw_buf_adds(&sql, " UNION ALL ");
    lw_buf_sql(&sql, LSN_SUPERVISE_OUTBOX("s.wecom_userid"),
               lsn_outbox_channels[LSN_CH_WECOM], why, wn,
               lsn_outbox_kinds[LSN_KIND_SUPERVISION], now, now);
    lw_buf_add(&sql, cond->data, cond->len);

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto failed;
    }

    lw_buf_reset(&sql);
    lw_buf_sql(&sql, LSN_SUPERVISE_UPDATE, now, lsn_supervise_reasons[reason]);
    lw_buf_add(&sql, cond->data, cond->len);

    if (sql.failed || (m = lw_db_raw(ctx, sql.data, sql.len)) < 0) {
        goto failed;
    }

    if (m != n) {
        /* another worker or a leader supervised some meanwhile: their
           events and alerts are not to be written twice */
        lw_db_rollback(ctx);
        lw_log(LW_LOG_INFO, "supervision: %lld of %lld supervised "
               "meanwhile; the next pass looks again", n - m, n);
        n = LW_SUPERVISE_AGAIN;
        goto done;
    }

    if (lw_db_commit(ctx) != 0) {
        goto failed;
    }

    goto done;

failed:

    /* a deadlock with another worker, or Galera's certification: the one
       that committed did it, the next pass looks again */
    if (!sql.failed && lw_db_conflict(ctx)) {
        n = LW_SUPERVISE_AGAIN;

    } else {
        lw_log(LW_LOG_ERROR, "supervision (%s), %.*s: %s",
               lsn_supervise_reasons[reason], (int) cond->len, cond->data,
               sql.failed ? "out of memory" : lw_db_error(ctx));
        n = -1;
    }

    lw_db_rollback(ctx);

done:

    lw_buf_free(&sql);

    return (int) n;
}
