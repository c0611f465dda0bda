/*
 * liaison-worker: MariaDB access.  Blocking client calls (this is a
 * daemon, not an event loop); every statement is built by
 * lsn_sql_format(), which quotes and escapes every value.
 */


#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lw.h"
#include "lsn_sql.h"


static char *lw_db_vformat(const char *fmt, va_list args, size_t *len);


/* lw_db_reconnect() tries quietly: one line when it starts, one at the end */
static int  lw_db_quiet;


int
lw_db_connect(lw_ctx_t *ctx)
{
    MYSQL         *db;
    unsigned int   timeout;
    lw_conf_t     *c;
    char           init[512];

    c = ctx->conf;

    lw_db_close(ctx);

    db = mysql_init(NULL);
    if (db == NULL) {
        lw_log(LW_LOG_ERROR, "mysql_init() failed");
        return -1;
    }

    timeout = (unsigned int) c->connect_timeout;
    mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    timeout = (unsigned int) c->db_timeout;
    mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");

    if (mysql_real_connect(db, c->db_socket ? NULL : c->db_host, c->db_user,
                           c->db_password, c->db_name,
                           c->db_socket ? 0 : (unsigned int) c->db_port,
                           c->db_socket, CLIENT_FOUND_ROWS)
        == NULL)
    {
        lw_log(lw_db_quiet ? LW_LOG_DEBUG : LW_LOG_ERROR,
               "database connect (%s): %s",
               c->db_socket ? c->db_socket : c->db_host, mysql_error(db));
        mysql_close(db);
        return -1;
    }

    /*
     * As the module: affected rows count the rows matched
     * (CLIENT_FOUND_ROWS), utf8mb4 and backslash escapes (lsn_sql relies
     * on both), Beijing time.  READ COMMITTED: no gap locks in claims.
     */
    snprintf(init, sizeof(init),
             "SET NAMES utf8mb4 COLLATE utf8mb4_bin, time_zone = '+08:00', "
             "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
             "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
             "innodb_lock_wait_timeout = %d, autocommit = 1",
             c->db_timeout);

    if (mysql_query(db, init) != 0
        || mysql_query(db, "SET SESSION TRANSACTION ISOLATION LEVEL "
                           "READ COMMITTED") != 0)
    {
        lw_log(LW_LOG_ERROR, "database session setup: %s", mysql_error(db));
        mysql_close(db);
        return -1;
    }

    ctx->db = db;

    lw_log(LW_LOG_DEBUG, "database connected");

    return 0;
}


/*
 * The connection was lost in the middle of a pass: try again every second
 * for up to `seconds`, so that the outcomes of the sends in flight are
 * recorded instead of repeated after the lease.
 */

int
lw_db_reconnect(lw_ctx_t *ctx, int seconds)
{
    int              i;
    struct timespec  ts;

    lw_log(LW_LOG_WARN, "database lost during a pass: no send starts; "
           "reconnecting for up to %d s", seconds);

    lw_db_quiet = 1;

    for (i = 0; i <= seconds && !*ctx->stop; i++) {
        if (lw_db_connect(ctx) == 0) {
            lw_db_quiet = 0;
            lw_log(LW_LOG_WARN, "database back after %d s", i);
            return 0;
        }

        ts.tv_sec = 1;
        ts.tv_nsec = 0;

        while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !*ctx->stop) {
            /* resume */
        }
    }

    lw_db_quiet = 0;
    lw_log(LW_LOG_ERROR, "database still unavailable after %d s", seconds);

    return -1;
}


void
lw_db_close(lw_ctx_t *ctx)
{
    if (ctx->db != NULL) {
        mysql_close(ctx->db);
        ctx->db = NULL;
    }
}


int
lw_db_ok(lw_ctx_t *ctx)
{
    return ctx->db != NULL;
}


const char *
lw_db_error(lw_ctx_t *ctx)
{
    return ctx->db ? mysql_error(ctx->db) : "not connected";
}


static char *
lw_db_vformat(const char *fmt, va_list args, size_t *len)
{
    long     n;
    char    *sql;
    va_list  copy;

    va_copy(copy, args);
    n = lsn_sql_vformat(NULL, 0, fmt, copy);
    va_end(copy);

    if (n < 0) {
        lw_log(LW_LOG_ERROR, "bad SQL format: %s", fmt);
        return NULL;
    }

    sql = malloc((size_t) n + 1);
    if (sql == NULL) {
        return NULL;
    }

    lsn_sql_vformat(sql, (size_t) n, fmt, args);
    sql[n] = '\0';
    *len = (size_t) n;

    return sql;
}


long long
lw_db_raw(lw_ctx_t *ctx, const char *sql, size_t len)
{
    unsigned int  err;

    if (ctx->db == NULL) {
        return -1;
    }

    if (mysql_real_query(ctx->db, sql, len) != 0) {
        err = mysql_errno(ctx->db);

        lw_log(LW_LOG_ERROR, "database: %s (%u)", mysql_error(ctx->db),
               err);

        /* the connection is gone: reconnect on the next pass */
        if (err == 2006 || err == 2013 || err == 2055 || err == 1927) {
            lw_db_close(ctx);
        }

        return -1;
    }

    /* a result set waits: affected rows mean nothing yet */
    if (mysql_field_count(ctx->db) > 0) {
        return 0;
    }

    return (long long) mysql_affected_rows(ctx->db);
}


long long
lw_db_exec(lw_ctx_t *ctx, const char *fmt, ...)
{
    char       *sql;
    size_t      len;
    va_list     args;
    long long   n;

    va_start(args, fmt);
    sql = lw_db_vformat(fmt, args, &len);
    va_end(args);

    if (sql == NULL) {
        return -1;
    }

    n = lw_db_raw(ctx, sql, len);
    free(sql);

    return n;
}


MYSQL_RES *
lw_db_query(lw_ctx_t *ctx, const char *fmt, ...)
{
    char       *sql;
    size_t      len;
    va_list     args;
    long long   n;
    MYSQL_RES  *res;

    va_start(args, fmt);
    sql = lw_db_vformat(fmt, args, &len);
    va_end(args);

    if (sql == NULL) {
        return NULL;
    }

    n = lw_db_raw(ctx, sql, len);
    free(sql);

    if (n < 0) {
        return NULL;
    }

    res = mysql_store_result(ctx->db);
    if (res == NULL) {
        lw_log(LW_LOG_ERROR, "database: no result: %s",
               mysql_error(ctx->db));
    }

    return res;
}


int
lw_db_begin(lw_ctx_t *ctx)
{
    return lw_db_raw(ctx, "START TRANSACTION", 17) < 0 ? -1 : 0;
}


int
lw_db_commit(lw_ctx_t *ctx)
{
    return lw_db_raw(ctx, "COMMIT", 6) < 0 ? -1 : 0;
}


void
lw_db_rollback(lw_ctx_t *ctx)
{
    if (ctx->db != NULL) {
        (void) mysql_real_query(ctx->db, "ROLLBACK", 8);
    }
}
