/*
 * liaison-worker: the purge of the security tables (issue 14).
 *
 * The module writes two tables that nothing else empties:
 *
 *   login_throttle  failed staff logins per client address ('a' rows: a
 *                   window of 15 minutes ending at locked_until) and per
 *                   user name that is no account ('u' rows: a count, and
 *                   locked_until once locked).  A row whose window or
 *                   lock has ended (locked_until <= now), or whose count
 *                   has been quiet for LSN_LOGIN_QUIET (locked_until
 *                   NULL, last_failed_at <= now - quiet) would start
 *                   afresh when touched: deleting it changes nothing.
 *   wx_push_nonces  the (timestamp, nonce) of plaintext pushes, kept
 *                   until expires_at (twice the push timestamp window
 *                   after the push); the module deletes a few expired
 *                   ones per push, none when pushes stop.
 *
 * and one that every intake writes (issue 15):
 *
 *   idempotency_keys  an intake's key and first answer (its query code
 *                   among it), kept LSN_IDEMPOTENCY_KEEP (7 days) for
 *                   retries; older, a retry registers anew (docs/api.md).
 *
 * Each pass deletes them in statements of LW_PURGE_BATCH rows (short
 * locks beside the logins and pushes going on), at most LW_PURGE_ROUNDS
 * statements per table, the rest at the next pass.
 */


#include "lw.h"
#include "lsn_text.h"
#include "lsn_token.h"


#define LW_PURGE_BATCH   500
#define LW_PURGE_ROUNDS  200


typedef struct {
    const char  *name;
    const char  *sql;       /* $t the instant before which, $u the batch */
    time_t       before;    /* seconds before now */
} lw_purge_t;


static const lw_purge_t  lw_purges[] = {

    { "login_throttle (windows and locks ended)",
      "DELETE FROM login_throttle WHERE locked_until <= $t LIMIT $u", 0 },

    { "login_throttle (failures quiet)",
      "DELETE FROM login_throttle WHERE locked_until IS NULL "
      "AND last_failed_at <= $t LIMIT $u", LSN_LOGIN_QUIET },

    { "wx_push_nonces",
      "DELETE FROM wx_push_nonces WHERE expires_at < $t LIMIT $u", 0 },

    { "idempotency_keys",
      "DELETE FROM idempotency_keys WHERE created_at < $t "
      "ORDER BY created_at LIMIT $u", LSN_IDEMPOTENCY_KEEP },
};


/* Returns the rows deleted, or -1. */

long long
lw_purge_pass(lw_ctx_t *ctx)
{
    int         round;
    size_t      i;
    time_t      now;
    long long   n, total, all;

    now = lw_now(ctx);
    all = 0;

    for (i = 0; i < sizeof(lw_purges) / sizeof(lw_purges[0]); i++) {
        total = 0;

        for (round = 0; round < LW_PURGE_ROUNDS && !*ctx->stop; round++) {
            n = lw_db_exec(ctx, lw_purges[i].sql, now - lw_purges[i].before,
                           (unsigned long long) LW_PURGE_BATCH);
            if (n < 0) {
                lw_log(LW_LOG_ERROR, "purge: %s failed after %lld row(s)",
                       lw_purges[i].name, total);
                return -1;
            }

            total += n;

            if (n < LW_PURGE_BATCH) {
                break;
            }
        }

        if (total) {
            lw_log(LW_LOG_INFO, "purge: %lld row(s) of %s deleted", total,
                   lw_purges[i].name);
        }

        all += total;
    }

    return all;
}
