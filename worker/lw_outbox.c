/*
 * liaison-worker: outbox delivery.
 *
 * 1. Claim: in one short transaction, SELECT due 'pending' rows of the
 *    channels this worker has settings for ... FOR UPDATE SKIP LOCKED
 *    (rows another worker is claiming are skipped, not waited for), then
 *    mark them 'sending' with this worker's id and a lease (claimed_until),
 *    attempts + 1, only where they are still 'pending' (a compare-and-set:
 *    on Galera, locks are node-local and another node's worker may have
 *    claimed a row meanwhile).  Committed before any send.  A claim that
 *    conflicts (1213: a deadlock, or Galera's certification refusing it
 *    because another node's claim of one of its rows committed first) was
 *    rolled back whole: its rows belong to the other worker, this one
 *    claims again.  The lease is renewed every lease / 3 while the worker
 *    lives.
 * 2. Send the batch concurrently (libcurl multi, rate limits per channel).
 *    Each send is recorded as started (send_started_at, its own commit)
 *    before its request leaves; a send that cannot be recorded does not
 *    start.
 * 3. Record each outcome as soon as its answer arrives, in its own
 *    transaction with its delivery_attempts row: sent, retry (pending with
 *    backoff and jitter), next day (45009), failed, dead (too many
 *    attempts).  A token error refreshes the token and sends once more.
 *    When an outcome cannot be recorded, no further send starts; the
 *    worker reconnects within the pass and records what it holds.  Every
 *    write here is run again when it conflicts (lw_db_conflict()).
 * 4. A 'sending' row whose lease expired (its worker died) is recovered at
 *    the start of every pass: never started -> pending, as if never
 *    claimed; started -> "uncertain" (the provider may have it): sent
 *    again on the channels of resend_uncertain (the provider drops the
 *    repeat: template client_msg_id, WeCom duplicate check; or a repeat
 *    is harmless), else failed with code 'uncertain'.
 *
 * So a crash can repeat only the sends in flight at that moment, and only
 * on channels without the provider's own dedup (docs/worker.md).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lw.h"
#include "lsn_text.h"


typedef struct {
    lw_ctx_t   *ctx;
    int         abort;      /* an outcome could not be recorded */
    time_t      renewed;    /* the lease, by the clock */
} lw_deliver_t;


static void lw_outbox_recover(lw_ctx_t *ctx);
static int lw_outbox_claim(lw_ctx_t *ctx, lw_msg_t **msgs, size_t *n);
static void lw_outbox_deliver(lw_ctx_t *ctx, lw_msg_t *msgs, size_t n);
static int lw_outbox_start(lw_req_t *r, void *data);
static void lw_outbox_done(lw_req_t *r, void *data);
static void lw_outbox_tick(void *data);
static int lw_outbox_record(lw_ctx_t *ctx, lw_msg_t *m);
static void lw_outbox_keep(lw_deliver_t *d, lw_msg_t *m);
static int lw_outbox_release(lw_ctx_t *ctx, lw_msg_t *m);
static void lw_outbox_settle(lw_ctx_t *ctx, lw_deliver_t *d,
    lw_msg_t *msgs, size_t n);
static size_t lw_outbox_ready(lw_ctx_t *ctx, lw_buf_t *b);
static void lw_outbox_idle_log(lw_ctx_t *ctx);
static void lw_outbox_attempt(lw_buf_t *sql, lw_ctx_t *ctx, lw_msg_t *m,
    const char *result);
static time_t lw_backoff(lw_ctx_t *ctx, unsigned attempts, time_t now);
static time_t lw_next_day(time_t now);
static int lw_consent_take(lw_ctx_t *ctx, lw_msg_t *m);
static const char *lw_recipient_log(lw_msg_t *m, char *buf, size_t cap);
static void lw_msgs_free(lw_msg_t *msgs, size_t n);
static int lw_sec_check_apply(lw_ctx_t *ctx, lw_msg_t *m);
static int lw_send_round(lw_deliver_t *d, lw_msg_t *msgs, size_t n,
    int round);


int
lw_outbox_text_payload(lw_buf_t *b, const char *text, size_t len)
{
    lw_buf_adds(b, "{\"text\":");
    lw_buf_json_str(b, text, len);
    lw_buf_adds(b, "}");

    return b->failed ? -1 : 0;
}


int
lw_outbox_tuple(lw_buf_t *sql, lsn_channel_e channel, const char *recipient,
    const char *template_id, const char *payload_json,
    unsigned long long ticket_id, const char *kind, time_t now)
{
    return lw_buf_sql(sql, "($z, $z, $z, $z, NULLIF($u, 0), $z, $t, $t)",
                      lsn_outbox_channels[channel], recipient, template_id,
                      payload_json, ticket_id, kind, now, now);
}


long
lw_outbox_staff(lw_ctx_t *ctx, lsn_kind_e kind, const char *text,
    const char *where, lw_buf_t *ids)
{
    int          c;
    long         n;
    time_t       now;
    lw_buf_t     q, sql, payload;
    MYSQL_ROW    row;
    MYSQL_RES   *res;

    static const lsn_channel_e  channels[] = { LSN_CH_SMS, LSN_CH_WECOM };

    now = lw_now(ctx);
    lw_buf_init(&q);
    lw_buf_init(&sql);
    lw_buf_init(&payload);

    lw_buf_adds(&q, "SELECT s.id, s.mobile, s.wecom_userid FROM staff s "
                "LEFT JOIN departments d ON d.id = s.department_id "
                "WHERE s.active = 1 AND (");
    lw_buf_adds(&q, where);
    lw_buf_adds(&q, ") ORDER BY s.id");
    lw_outbox_text_payload(&payload, text, strlen(text));
    lw_buf_adds(&sql, LSN_OUTBOX_INSERT "VALUES ");

    n = -1;
    res = NULL;

    if (!q.failed && !payload.failed && lw_db_raw(ctx, q.data, q.len) >= 0) {
        res = mysql_store_result(ctx->db);
    }

    if (res != NULL) {
        n = 0;

        while ((row = mysql_fetch_row(res)) != NULL) {
            if (ids != NULL) {
                lw_buf_printf(ids, "%s%s", ids->len ? "," : "", row[0]);
            }

            for (c = 0; c < 2; c++) {
                if (row[c + 1] == NULL || row[c + 1][0] == '\0'
                    || !lw_conf_channel_ready(ctx->conf, channels[c]))
                {
                    continue;
                }

                if (n++) {
                    lw_buf_adds(&sql, ",");
                }

                lw_outbox_tuple(&sql, channels[c], row[c + 1], NULL,
                                payload.data, 0, lsn_outbox_kinds[kind], now);
            }
        }

        mysql_free_result(res);

        if (n > 0 && (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0)) {
            n = -1;
        }
    }

    lw_buf_free(&q);
    lw_buf_free(&sql);
    lw_buf_free(&payload);

    return n;
}


static const char *
lw_recipient_log(lw_msg_t *m, char *buf, size_t cap)
{
    size_t  n;

    if (m->channel == LSN_CH_SMS) {
        return lw_mask_phone(m->recipient, buf, cap);
    }

    /* openids and member ids: enough to find the row, no more */
    n = strlen(m->recipient);
    snprintf(buf, cap, "%.6s%s", m->recipient, n > 6 ? "..." : "");

    return buf;
}


static time_t
lw_backoff(lw_ctx_t *ctx, unsigned attempts, time_t now)
{
    long      delay;
    unsigned  i;

    delay = ctx->conf->backoff_base;

    for (i = 1; i < attempts && delay < ctx->conf->backoff_max; i++) {
        delay *= 2;
    }

    if (delay > ctx->conf->backoff_max) {
        delay = ctx->conf->backoff_max;
    }

    /* "equal jitter": between half the delay and the whole of it */
    delay = delay / 2 + random() % (delay - delay / 2 + 1);

    if (delay < 1) {
        delay = 1;
    }

    return now + delay;
}


/* 00:00 of the next Beijing day, plus up to 10 minutes of jitter */

static time_t
lw_next_day(time_t now)
{
    lsn_civil_t  cv;

    lsn_civil_from_time(now, &cv);

    return lsn_time_from_civil(cv.year, cv.month, cv.day + 1, 0, 0, 0)
           + random() % 600;
}


static void
lw_outbox_attempt(lw_buf_t *sql, lw_ctx_t *ctx, lw_msg_t *m,
    const char *result)
{
    lw_buf_sql(sql, "INSERT INTO delivery_attempts (outbox_id, at, channel, "
               "result, code, detail, worker, elapsed_ms) VALUES ($u, $t, "
               "$z, $z, $z, $z, $z, $u)", m->id, lw_now(ctx),
               lsn_outbox_channels[m->channel], result,
               m->out.code[0] ? m->out.code : NULL,
               m->out.detail[0] ? m->out.detail : NULL,
               ctx->conf->worker_id,
               (unsigned long long) (m->req.elapsed_ms > 0
                                     ? m->req.elapsed_ms : 0));
}


/*
 * The claims of a worker that stopped answering (lease expired): a row
 * whose send never started goes back to pending as if never claimed; one
 * whose send started may have reached the provider ("uncertain"): sent
 * again on the channels of resend_uncertain, else failed.
 */

static void
lw_outbox_recover(lw_ctx_t *ctx)
{
    int                 ch, started, k;
    size_t              n[3];
    time_t              now;
    lw_buf_t            ids[3], att, q;
    MYSQL_ROW           row;
    MYSQL_RES          *res;
    unsigned long long  id;
    static const char  *result[3] = { "lease_expired", "lease_expired",
                                      "failed" };
    static const char  *code[3] = { NULL, "uncertain", "uncertain" };

    if (lw_db_begin(ctx) != 0) {
        return;
    }

    now = lw_now(ctx);
    res = lw_db_query(ctx, "SELECT id, channel, send_started_at IS NOT NULL "
                      "FROM outbox WHERE status = 'sending' "
                      "AND claimed_until < $t "
                      "LIMIT 1000 FOR UPDATE SKIP LOCKED", now);
    if (res == NULL) {
        lw_db_rollback(ctx);
        return;
    }

    for (k = 0; k < 3; k++) {
        lw_buf_init(&ids[k]);
        n[k] = 0;
    }

    lw_buf_init(&att);
    lw_buf_init(&q);

    while ((row = mysql_fetch_row(res)) != NULL) {
        id = strtoull(row[0], NULL, 10);
        ch = lsn_outbox_channel_index(row[1], strlen(row[1]));
        started = row[2][0] == '1';

        /* 0: never started, 1: sent again, 2: failed as uncertain */
        k = !started ? 0
            : (ch >= 0 && (ctx->conf->resend_uncertain
                           & LW_CHANNEL_BIT(ch))) ? 1 : 2;

        lw_buf_sql(&ids[k], n[k] ? ",$u" : "$u", id);
        lw_buf_sql(&att, (n[0] + n[1] + n[2]) ? ",($u, $t, $z, $z, $z, "
                   "NULL, $z, NULL)" : "($u, $t, $z, $z, $z, NULL, $z, NULL)",
                   id, now, row[1], result[k], code[k],
                   ctx->conf->worker_id);
        n[k]++;
    }

    mysql_free_result(res);

    if (n[0] + n[1] + n[2] == 0) {
        lw_db_commit(ctx);
        goto done;
    }

    for (k = 0; k < 3; k++) {
        if (n[k] == 0) {
            continue;
        }

        lw_buf_reset(&q);
        lw_buf_adds(&q, k == 0
            ? "UPDATE outbox SET status = 'pending', "
              "attempts = GREATEST(attempts, 1) - 1, "
            : k == 1
            ? "UPDATE outbox SET status = 'pending', last_code = "
              "'uncertain', last_error = 'the worker died during the send', "
            : "UPDATE outbox SET status = 'failed', last_code = "
              "'uncertain', last_error = 'the worker died during the send: "
              "maybe delivered, not sent again', ");
        lw_buf_adds(&q, "claimed_by = NULL, claimed_until = NULL, "
                    "send_started_at = NULL WHERE id IN (");
        lw_buf_add(&q, ids[k].data, ids[k].len);
        lw_buf_adds(&q, ")");

        if (q.failed || ids[k].failed || lw_db_raw(ctx, q.data, q.len) < 0) {
            lw_db_rollback(ctx);
            goto done;
        }
    }

    lw_buf_reset(&q);
    lw_buf_adds(&q, "INSERT INTO delivery_attempts (outbox_id, at, "
                "channel, result, code, detail, worker, elapsed_ms) "
                "VALUES ");
    lw_buf_add(&q, att.data, att.len);

    if (q.failed || att.failed || lw_db_raw(ctx, q.data, q.len) < 0
        || lw_db_commit(ctx) != 0)
    {
        lw_db_rollback(ctx);
        goto done;
    }

    lw_log(LW_LOG_WARN, "%zu message(s) of a worker that stopped "
           "answering went back to pending (lease expired): %zu never "
           "sent, %zu sent again (the send had started), %zu failed as "
           "uncertain", n[0] + n[1], n[0], n[1], n[2]);

done:

    for (k = 0; k < 3; k++) {
        lw_buf_free(&ids[k]);
    }

    lw_buf_free(&att);
    lw_buf_free(&q);
}


/* the channels this worker has settings for, as an SQL list; how many */

static size_t
lw_outbox_ready(lw_ctx_t *ctx, lw_buf_t *b)
{
    int     ch;
    size_t  n;

    n = 0;

    for (ch = 0; ch < LSN_CH_COUNT; ch++) {
        if (lw_conf_channel_ready(ctx->conf, ch)) {
            lw_buf_sql(b, n ? ",$z" : "$z", lsn_outbox_channels[ch]);
            n++;
        }
    }

    return n;
}


/*
 * Messages of channels this worker has no settings for stay pending for
 * a worker that has them; say so (each pass of `once`, else every ten
 * minutes), so that an operator sees why they wait.
 */

static void
lw_outbox_idle_log(lw_ctx_t *ctx)
{
    size_t      n;
    time_t      now;
    lw_buf_t    q, ready;
    MYSQL_ROW   row;
    MYSQL_RES  *res;

    now = time(NULL);

    if (!ctx->once && ctx->last_idle_log != 0
        && now - ctx->last_idle_log < 600)
    {
        return;
    }

    ctx->last_idle_log = now;

    lw_buf_init(&ready);
    n = lw_outbox_ready(ctx, &ready);

    if (n == LSN_CH_COUNT) {
        lw_buf_free(&ready);
        return;
    }

    lw_buf_init(&q);
    lw_buf_adds(&q, "SELECT channel, COUNT(*) FROM outbox "
                "WHERE status = 'pending'");

    if (n > 0) {
        lw_buf_adds(&q, " AND channel NOT IN (");
        lw_buf_add(&q, ready.data, ready.len);
        lw_buf_adds(&q, ")");
    }

    lw_buf_adds(&q, " GROUP BY channel");

    if (!q.failed && !ready.failed && lw_db_raw(ctx, q.data, q.len) >= 0
        && (res = mysql_store_result(ctx->db)) != NULL)
    {
        while ((row = mysql_fetch_row(res)) != NULL) {
            lw_log(LW_LOG_WARN, "outbox: %s %s message(s) wait for a worker "
                   "with %s settings (this one has none)", row[1], row[0],
                   row[0]);
        }

        mysql_free_result(res);
    }

    lw_buf_free(&q);
    lw_buf_free(&ready);
}


/*
 * 0 (*count rows claimed, maybe none), 1 when the claim conflicted with
 * another worker's (nothing claimed: claim again), -1 on an error.
 */

static int
lw_outbox_claim(lw_ctx_t *ctx, lw_msg_t **out, size_t *count)
{
    size_t          n, i;
    long long       done;
    time_t          now;
    lw_buf_t        q;
    lw_msg_t       *msgs, *m;
    MYSQL_ROW       row;
    MYSQL_RES      *res;
    unsigned long  *len;

    *out = NULL;
    *count = 0;
    now = lw_now(ctx);

    if (lw_db_begin(ctx) != 0) {
        return -1;
    }

    /* only the channels this worker can send: the rest wait for others */
    lw_buf_init(&q);
    lw_buf_sql(&q, "SELECT id, channel, recipient, template_id, payload, "
               "COALESCE(ticket_id, 0), kind, attempts FROM outbox "
               "WHERE status = 'pending' AND next_attempt_at <= $t "
               "AND channel IN (", now);

    if (lw_outbox_ready(ctx, &q) == 0) {
        lw_buf_free(&q);
        lw_db_commit(ctx);
        return 0;
    }

    lw_buf_sql(&q, ") ORDER BY next_attempt_at, id LIMIT $i "
               "FOR UPDATE SKIP LOCKED", (long long) ctx->conf->batch_size);

    res = NULL;

    if (q.failed || lw_db_raw(ctx, q.data, q.len) < 0
        || (res = mysql_store_result(ctx->db)) == NULL)
    {
        lw_buf_free(&q);
        lw_db_rollback(ctx);
        return lw_db_conflict(ctx) ? 1 : -1;
    }

    lw_buf_free(&q);

    n = (size_t) mysql_num_rows(res);

    if (n == 0) {
        mysql_free_result(res);
        lw_db_commit(ctx);
        return 0;
    }

    msgs = calloc(n, sizeof(lw_msg_t));
    if (msgs == NULL) {
        mysql_free_result(res);
        lw_db_rollback(ctx);
        return -1;
    }

    lw_buf_init(&q);
    lw_buf_sql(&q, "UPDATE outbox SET status = 'sending', claimed_by = $z, "
               "claimed_until = $t, send_started_at = NULL, "
               "attempts = attempts + 1 WHERE id IN (",
               ctx->conf->worker_id, (time_t) (now + ctx->conf->lease));

    i = 0;

    while ((row = mysql_fetch_row(res)) != NULL && i < n) {
        len = mysql_fetch_lengths(res);
        m = &msgs[i];

        lw_req_init(&m->req);
        m->id = strtoull(row[0], NULL, 10);
        m->channel = lsn_outbox_channel_index(row[1], len[1]);
        m->recipient = strdup(row[2]);
        m->template_id = row[3] ? strdup(row[3]) : NULL;
        m->payload = strdup(row[4] ? row[4] : "{}");
        m->ticket_id = strtoull(row[5], NULL, 10);
        m->kind = strdup(row[6]);
        m->attempts = (unsigned) strtoul(row[7], NULL, 10) + 1;
        m->req.data = m;

        lw_buf_sql(&q, i ? ",$u" : "$u", m->id);
        i++;

        if (m->recipient == NULL || m->payload == NULL || m->kind == NULL
            || (row[3] != NULL && m->template_id == NULL))
        {
            q.failed = 1;
        }
    }

    mysql_free_result(res);
    lw_buf_adds(&q, ") AND status = 'pending'");

    done = q.failed ? -1 : lw_db_raw(ctx, q.data, q.len);
    lw_buf_free(&q);

    if (done >= 0 && (size_t) done != n) {
        /* some row was claimed by another node's worker meanwhile */
        lw_db_rollback(ctx);
        lw_msgs_free(msgs, n);
        ctx->conflicts++;
        lw_log(LW_LOG_INFO, "outbox: %zu of %zu rows were claimed by "
               "another worker meanwhile: a conflict, claiming again",
               n - (size_t) done, n);
        return 1;
    }

    if (done < 0 || lw_db_commit(ctx) != 0) {
        lw_db_rollback(ctx);
        lw_msgs_free(msgs, n);
        return lw_db_conflict(ctx) ? 1 : -1;
    }

    *out = msgs;
    *count = n;

    return 0;
}


static void
lw_msgs_free(lw_msg_t *msgs, size_t n)
{
    size_t  i;

    if (msgs == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        lw_req_free(&msgs[i].req);
        free(msgs[i].recipient);
        free(msgs[i].template_id);
        free(msgs[i].payload);
        free(msgs[i].kind);
        explicit_bzero(msgs[i].token, sizeof(msgs[i].token));
    }

    free(msgs);
}


/*
 * Takes one send off the recipient's consent before sending (several
 * workers and messages compete for the last one); returns 1 when taken,
 * 0 when none is left, -1 on a database error.  The send gives it back if
 * it does not happen (lw_outbox_record).
 */

static int
lw_consent_take(lw_ctx_t *ctx, lw_msg_t *m)
{
    long long  n;

    n = lw_db_exec1(ctx, "UPDATE subscribe_consents SET "
                   "status = IF(remaining IS NOT NULL AND remaining <= 1, "
                   "'used_up', status), "
                   "remaining = IF(remaining IS NULL, NULL, remaining - 1), "
                   "updated_at = $t WHERE openid = $z AND template_id = $z "
                   "AND status = 'active' "
                   "AND (remaining IS NULL OR remaining > 0)",
                   lw_now(ctx), m->recipient,
                   m->template_id ? m->template_id : "");
    if (n < 0) {
        return -1;
    }

    m->consent_taken = n > 0;

    return n > 0;
}


/*
 * The content-check verdict: on the follow-up message when the check was
 * about one, else on the ticket; "risky" also marks the ticket, which puts
 * it before staff.
 */

static int
lw_sec_check_apply(lw_ctx_t *ctx, lw_msg_t *m)
{
    if (m->message_id != 0
        && lw_db_exec(ctx, "UPDATE ticket_messages SET content_review = $z "
                      "WHERE id = $u", m->out.verdict, m->message_id) < 0)
    {
        return -1;
    }

    if (m->ticket_id != 0
        && (m->message_id == 0 || strcmp(m->out.verdict, "risky") == 0)
        && lw_db_exec(ctx, "UPDATE tickets SET content_review = $z "
                      "WHERE id = $u", m->out.verdict, m->ticket_id) < 0)
    {
        return -1;
    }

    return 0;
}


/*
 * Writes the outcome of m and its attempt row, in one transaction; 0, or
 * -1 when it could not (m->held: the outcome is kept to be written again).
 */

static int
lw_outbox_record(lw_ctx_t *ctx, lw_msg_t *m)
{
    int          dead, tries;
    char         rbuf[64];
    time_t       now, next;
    lw_buf_t     sql;
    const char  *result;

    tries = 0;

again:

    now = lw_now(ctx);
    dead = 0;
    next = now;

    if (m->out.result == LW_TOKEN) {
        /* refused twice with a token error: an ordinary retry */
        m->out.result = LW_RETRY;
    }

    lw_buf_init(&sql);

    switch (m->out.result) {

    case LW_SENT:
        result = "sent";
        lw_buf_sql(&sql, "UPDATE outbox SET status = 'sent', sent_at = $t, "
                   "last_code = $z, last_error = NULL, claimed_by = NULL, "
                   "claimed_until = NULL WHERE id = $u AND status = "
                   "'sending' AND claimed_by = $z", now, m->out.code, m->id,
                   ctx->conf->worker_id);
        break;

    case LW_RETRY:
    case LW_NEXT_DAY:
        /* a daily quota is nobody's fault: it never makes a row dead */
        dead = m->out.result == LW_RETRY
               && m->attempts >= (unsigned) ctx->conf->max_attempts;
        next = m->out.result == LW_NEXT_DAY ? lw_next_day(now)
               : lw_backoff(ctx, m->attempts, now);
        result = dead ? "dead" : m->out.result == LW_NEXT_DAY ? "next_day"
                 : "retry";

        lw_buf_sql(&sql, "UPDATE outbox SET status = $z, "
                   "next_attempt_at = $t, last_code = $z, last_error = $z, "
                   "claimed_by = NULL, claimed_until = NULL WHERE id = $u "
                   "AND status = 'sending' AND claimed_by = $z",
                   dead ? "dead" : "pending", next, m->out.code,
                   m->out.detail[0] ? m->out.detail : NULL, m->id,
                   ctx->conf->worker_id);
        break;

    default:
        result = "failed";
        lw_buf_sql(&sql, "UPDATE outbox SET status = 'failed', "
                   "last_code = $z, last_error = $z, claimed_by = NULL, "
                   "claimed_until = NULL WHERE id = $u AND status = "
                   "'sending' AND claimed_by = $z", m->out.code,
                   m->out.detail[0] ? m->out.detail : NULL, m->id,
                   ctx->conf->worker_id);
        break;
    }

    if (sql.failed || lw_db_begin(ctx) != 0) {
        goto failed;
    }

    if (lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto failed;
    }

    if (mysql_affected_rows(ctx->db) == 0) {
        /* our lease ran out and another worker took the row over */
        lw_log(LW_LOG_WARN, "outbox %llu: no longer claimed by this worker "
               "(lease expired?): outcome %s kept in the log only", m->id,
               result);
    }

    lw_buf_reset(&sql);
    lw_outbox_attempt(&sql, ctx, m, result);

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto failed;
    }

    if (m->channel == LSN_CH_WX_SUBSCRIBE && m->template_id != NULL) {
        if (m->out.consent_used_up) {
            /* 43101: WeChat says there is none, whatever we counted */
            if (lw_db_exec(ctx, "UPDATE subscribe_consents SET "
                    "status = 'used_up', remaining = IF(remaining IS NULL, "
                    "NULL, 0), updated_at = $t WHERE openid = $z AND "
                    "template_id = $z", now, m->recipient, m->template_id)
                < 0)
            {
                goto failed;
            }

        } else if (m->consent_taken && m->out.result != LW_SENT) {
            /* not sent: the send it took is given back */
            if (lw_db_exec(ctx, "UPDATE subscribe_consents SET "
                    "status = 'active', remaining = IF(remaining IS NULL, "
                    "NULL, remaining + 1), updated_at = $t WHERE openid = $z "
                    "AND template_id = $z AND status IN ('active', "
                    "'used_up')", now, m->recipient, m->template_id) < 0)
            {
                goto failed;
            }
        }
    }

    /*
     * No subscribe consent left: the litigant still sees it in the in-app
     * list (GET /notifications); an SMS goes to the mobile the request was
     * filed with, when SMS is configured.
     */
    if (m->channel == LSN_CH_WX_SUBSCRIBE && m->ticket_id
        && (m->out.consent_used_up || strcmp(m->out.code, "no_consent") == 0)
        && ctx->conf->sms_fallback
        && lw_conf_channel_ready(ctx->conf, LSN_CH_SMS)
        && lw_db_exec(ctx, LSN_OUTBOX_INSERT
               "SELECT $z, t.contact_phone, NULL, "
               LSN_OUTBOX_TEXT("CONCAT('【诉讼服务】您的诉求（编号 ', "
                               "t.ticket_no, '）有新进展，请登录广州微法院"
                               "或', $z, '网站查询。')") ", "
               "t.id, $z, $t, $t FROM tickets t "
               "WHERE t.id = $u AND t.contact_phone REGEXP "
               "'^1[3-9][0-9]{9}$$'", lsn_outbox_channels[LSN_CH_SMS],
               ctx->conf->court_name,
               lsn_outbox_kinds[LSN_KIND_SMS_FALLBACK], now, now,
               m->ticket_id) < 0)
    {
        goto failed;
    }

    if (m->channel == LSN_CH_WX_SEC_CHECK && m->out.result == LW_SENT
        && m->out.verdict[0] != '\0' && lw_sec_check_apply(ctx, m) != 0)
    {
        goto failed;
    }

    if (lw_db_commit(ctx) != 0) {
        goto failed;
    }

    lw_buf_free(&sql);
    m->recorded = 1;
    m->held = 0;
    m->consent_taken = 0;

    if (m->out.result == LW_SENT) {
        ctx->sent++;

    } else if (m->out.result == LW_RETRY || m->out.result == LW_NEXT_DAY) {
        if (dead) {
            ctx->failed++;
            lw_log(LW_LOG_WARN, "outbox %llu (%s to %s): gave up after %u "
                   "attempts, last %s", m->id, lsn_outbox_channels[m->channel],
                   lw_recipient_log(m, rbuf, sizeof(rbuf)), m->attempts,
                   m->out.code);

        } else {
            ctx->retried++;
            lw_log(LW_LOG_INFO, "outbox %llu (%s to %s): %s, retry in %ld s",
                   m->id, lsn_outbox_channels[m->channel],
                   lw_recipient_log(m, rbuf, sizeof(rbuf)), m->out.code,
                   (long) (next - now));
        }

    } else {
        ctx->failed++;
        lw_log(LW_LOG_WARN, "outbox %llu (%s to %s): failed, %s %s", m->id,
               lsn_outbox_channels[m->channel],
               lw_recipient_log(m, rbuf, sizeof(rbuf)), m->out.code,
               m->out.detail);
    }

    return 0;

failed:

    lw_db_rollback(ctx);
    lw_buf_free(&sql);

    if (lw_db_conflict(ctx) && ++tries < LW_DB_TRIES) {
        /* rolled back whole: nothing of it was written */
        goto again;
    }

    m->held = 1;
    lw_log(LW_LOG_ERROR, "outbox %llu: recording the outcome %s failed: %s",
           m->id, m->out.code[0] ? m->out.code : result, lw_db_error(ctx));

    return -1;
}


/* an outcome that could not be written: no further send starts */

static void
lw_outbox_keep(lw_deliver_t *d, lw_msg_t *m)
{
    if (lw_outbox_record(d->ctx, m) != 0) {
        d->abort = 1;
    }
}


/* Claimed but never sent: back to pending, attempt undone. */

static int
lw_outbox_release(lw_ctx_t *ctx, lw_msg_t *m)
{
    int       tries;
    lw_buf_t  sql;

    m->out.code[0] = '\0';
    m->out.detail[0] = '\0';

    lw_buf_init(&sql);
    lw_outbox_attempt(&sql, ctx, m, "released");

    for (tries = 1; /* void */; tries++) {
        if (lw_db_begin(ctx) == 0
            && lw_db_exec(ctx, "UPDATE outbox SET status = 'pending', "
                   "attempts = GREATEST(attempts, 1) - 1, claimed_by = NULL, "
                   "claimed_until = NULL, send_started_at = NULL "
                   "WHERE id = $u AND status = 'sending' AND claimed_by = $z",
                   m->id, ctx->conf->worker_id) >= 0
            && !sql.failed && lw_db_raw(ctx, sql.data, sql.len) >= 0
            && lw_db_commit(ctx) == 0)
        {
            break;
        }

        lw_db_rollback(ctx);

        if (!lw_db_conflict(ctx) || tries == LW_DB_TRIES) {
            lw_buf_free(&sql);
            return -1;
        }
    }

    lw_buf_free(&sql);
    m->recorded = 1;

    return 0;
}


/*
 * Before a request leaves: its start is committed, or it does not leave.
 * After a crash, only the rows marked here can have reached the provider.
 */

static int
lw_outbox_start(lw_req_t *r, void *data)
{
    long long      n;
    lw_msg_t      *m;
    lw_ctx_t      *ctx;
    lw_deliver_t  *d;

    d = data;
    ctx = d->ctx;
    m = r->data;

    if (d->abort) {
        return -1;
    }

    n = lw_db_exec1(ctx, "UPDATE outbox SET send_started_at = $t "
                   "WHERE id = $u AND status = 'sending' AND claimed_by = $z",
                   lw_now(ctx), m->id, ctx->conf->worker_id);

    if (n < 0) {
        d->abort = 1;
        return -1;
    }

    if (n == 0) {
        lw_log(LW_LOG_WARN, "outbox %llu: no longer claimed by this worker "
               "(lease expired?): not sent", m->id);
        m->recorded = 1;
        return -1;
    }

    m->started = 1;

    return 0;
}


/* while the sends run: the lease, renewed every lease / 3 */

static void
lw_outbox_tick(void *data)
{
    lw_ctx_t      *ctx;
    lw_deliver_t  *d;

    d = data;
    ctx = d->ctx;

    if (d->abort || time(NULL) - d->renewed < ctx->conf->lease / 3) {
        return;
    }

    d->renewed = time(NULL);

    if (lw_db_exec1(ctx, "UPDATE outbox SET claimed_until = $t "
                   "WHERE status = 'sending' AND claimed_by = $z",
                   (time_t) (lw_now(ctx) + ctx->conf->lease),
                   ctx->conf->worker_id) < 0)
    {
        d->abort = 1;
    }
}


static void
lw_outbox_done(lw_req_t *r, void *data)
{
    lw_msg_t      *m;
    lw_ctx_t      *ctx;
    lw_buf_t       sql;
    lw_deliver_t  *d;

    d = data;
    ctx = d->ctx;
    m = r->data;

    lw_channel_classify(ctx, m);

    if (m->out.result == LW_TOKEN && !m->token_retried) {
        /* logged now; refreshed and sent again after this round */
        m->token_pending = 1;

        lw_buf_init(&sql);
        lw_outbox_attempt(&sql, ctx, m, "token");

        if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
            d->abort = 1;
        }

        lw_buf_free(&sql);
        return;
    }

    lw_outbox_keep(d, m);
}


/*
 * One round over the messages still to send: tokens, requests, the
 * concurrent run.  Round 2 re-sends the token-refused ones with a fresh
 * token.  Returns the number of requests run.
 */

static int
lw_send_round(lw_deliver_t *d, lw_msg_t *msgs, size_t n, int round)
{
    int               have[2], ok[2], t, rc;
    char              tok[2][1025];
    size_t            i, k;
    lw_ctx_t         *ctx;
    lw_msg_t         *m;
    lw_req_t        **reqs;
    const char       *name, *failed;
    lw_http_hooks_t   hk;

    ctx = d->ctx;

    reqs = calloc(n ? n : 1, sizeof(lw_req_t *));
    if (reqs == NULL) {
        return 0;
    }

    have[0] = have[1] = 0;
    ok[0] = ok[1] = 0;
    k = 0;

    for (i = 0; i < n && !d->abort; i++) {
        m = &msgs[i];

        if (m->recorded || m->held) {
            continue;
        }

        if (round == 2) {
            if (!m->token_pending) {
                continue;
            }

            m->token_pending = 0;
            m->token_retried = 1;

        } else if (m->channel < 0) {
            strcpy(m->out.code, "bad_channel");
            m->out.result = LW_FAILED;
            lw_outbox_keep(d, m);
            continue;
        }

        if (!lw_conf_channel_ready(ctx->conf, m->channel)) {
            /* the settings went away (SIGHUP): for a worker that has them */
            if (lw_outbox_release(ctx, m) != 0) {
                d->abort = 1;
            }

            continue;
        }

        if (m->channel == LSN_CH_WX_SUBSCRIBE && round == 1
            && ctx->conf->wx_require_consent)
        {
            rc = lw_consent_take(ctx, m);

            if (rc <= 0) {
                /* none left: the producer's fallback (in-app list, SMS) */
                m->out.result = rc == 0 ? LW_FAILED : LW_RETRY;
                strcpy(m->out.code, rc == 0 ? "no_consent" : "database");
                strcpy(m->out.detail, rc == 0 ? "no subscribe consent left"
                                              : "");
                lw_outbox_keep(d, m);
                continue;
            }
        }

        /* the token of the channel, once per round */
        if (m->channel != LSN_CH_SMS) {
            t = m->channel == LSN_CH_WECOM;
            name = t ? LW_TOKEN_WECOM : LW_TOKEN_WX;
            failed = round == 2 ? m->token : NULL;

            if (!have[t]) {
                have[t] = 1;
                ok[t] = lw_token_get(ctx, name, failed, tok[t],
                                     sizeof(tok[t])) == 0;
            }

            if (!ok[t]) {
                m->out.result = LW_RETRY;
                strcpy(m->out.code, "token_unavailable");
                m->out.detail[0] = '\0';
                lw_outbox_keep(d, m);
                continue;
            }

            snprintf(m->token, sizeof(m->token), "%s", tok[t]);
        }

        m->out.code[0] = '\0';
        m->out.detail[0] = '\0';

        if (lw_channel_build(ctx, m, m->token) != 0) {
            lw_outbox_keep(d, m);
            continue;
        }
    }

    /* collect what is ready to go */
    k = 0;

    for (i = 0; i < n; i++) {
        m = &msgs[i];

        if (!m->recorded && !m->held && m->req.easy != NULL
            && !m->req.done && !m->token_pending
            && (round == 1 || m->token_retried))
        {
            m->req.started = 0;
            reqs[k++] = &m->req;
        }
    }

    if (k > 0 && !d->abort) {
        memset(&hk, 0, sizeof(lw_http_hooks_t));
        hk.start = lw_outbox_start;
        hk.done = lw_outbox_done;
        hk.tick = lw_outbox_tick;
        hk.data = d;
        hk.stop = ctx->stop;
        hk.abort = &d->abort;

        lw_http_run(ctx->http, reqs, k, &hk);
    }

    explicit_bzero(tok, sizeof(tok));
    free(reqs);

    return (int) k;
}


/*
 * After the rounds: the outcomes not yet written (the database went away)
 * are written once it is back within the pass, before the lease can run
 * out; what was claimed and never sent is released.
 */

static void
lw_outbox_settle(lw_ctx_t *ctx, lw_deliver_t *d, lw_msg_t *msgs, size_t n)
{
    size_t     i, held, lost;
    lw_msg_t  *m;

    if (d->abort && !lw_db_ok(ctx)
        && lw_db_reconnect(ctx, ctx->conf->lease / 2) != 0)
    {
        held = 0;

        for (i = 0; i < n; i++) {
            held += msgs[i].held;
        }

        lw_log(LW_LOG_ERROR, "outbox: %zu outcome(s) not recorded; after "
               "the lease their messages are sent again or failed as "
               "uncertain (docs/worker.md)", held);
        return;
    }

    if (d->abort) {
        /* first keep our claims, then write what we hold */
        d->renewed = 0;
        d->abort = 0;
        lw_outbox_tick(d);
    }

    lost = 0;

    for (i = 0; i < n; i++) {
        m = &msgs[i];

        if (m->recorded) {
            continue;
        }

        if (m->held) {
            lost += lw_outbox_record(ctx, m) != 0;
            continue;
        }

        if (m->token_pending) {
            /* refused with a token error, never refreshed (stop) */
            m->out.result = LW_RETRY;
            lost += lw_outbox_record(ctx, m) != 0;
            continue;
        }

        /* never started (stop, or no send could be recorded) */
        lost += lw_outbox_release(ctx, m) != 0;
    }

    if (lost) {
        d->abort = 1;
        lw_log(LW_LOG_ERROR, "outbox: %zu message(s) left to their lease",
               lost);
    }
}


static void
lw_outbox_deliver(lw_ctx_t *ctx, lw_msg_t *msgs, size_t n)
{
    size_t        i;
    int           again;
    lw_msg_t     *m;
    lw_deliver_t  d;

    d.ctx = ctx;
    d.abort = 0;
    d.renewed = time(NULL);

    lw_send_round(&d, msgs, n, 1);

    again = 0;

    for (i = 0; i < n; i++) {
        if (!msgs[i].recorded && msgs[i].token_pending) {
            again = 1;
        }
    }

    if (again && !*ctx->stop && !d.abort) {
        for (i = 0; i < n; i++) {
            m = &msgs[i];

            if (m->token_pending) {
                m->req.done = 0;
                m->req.started = 0;
            }
        }

        lw_send_round(&d, msgs, n, 2);
    }

    lw_outbox_settle(ctx, &d, msgs, n);
}


int
lw_outbox_pass(lw_ctx_t *ctx)
{
    int            rc, conflicts;
    size_t         n, total;
    lw_msg_t      *msgs;
    unsigned long  sent0, retried0, failed0;

    lw_outbox_recover(ctx);
    lw_outbox_idle_log(ctx);

    total = 0;
    sent0 = ctx->sent;
    retried0 = ctx->retried;
    failed0 = ctx->failed;

    conflicts = 0;

    while (!*ctx->stop && lw_db_ok(ctx)) {
        rc = lw_outbox_claim(ctx, &msgs, &n);

        if (rc == 1) {
            /* another worker took some of these rows first: theirs */
            if (++conflicts == LW_DB_TRIES) {
                lw_log(LW_LOG_INFO, "outbox: %d claims in a row conflicted "
                       "with other workers': claiming again next pass",
                       conflicts);
                break;
            }

            continue;
        }

        if (rc != 0) {
            return -1;
        }

        conflicts = 0;

        if (n == 0) {
            break;
        }

        lw_outbox_deliver(ctx, msgs, n);
        lw_msgs_free(msgs, n);
        total += n;

        if (n < (size_t) ctx->conf->batch_size) {
            break;
        }
    }

    if (total > 0) {
        lw_log(LW_LOG_INFO, "outbox: %zu claimed, %lu sent, %lu to retry, "
               "%lu failed", total, ctx->sent - sent0,
               ctx->retried - retried0, ctx->failed - failed0);
    }

    return lw_db_ok(ctx) ? 0 : -1;
}
