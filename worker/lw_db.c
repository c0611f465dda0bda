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
#include <strings.h>
#include <arpa/inet.h>

#include "lw.h"
#include "lsn_sql.h"


static char *lw_db_vformat(const char *fmt, va_list args, size_t *len);


/* lw_db_reconnect() tries quietly: one line when it starts, one at the end */
static int  lw_db_quiet;


int
lw_db_nodes(const lw_conf_t *c, lw_db_node_t *nodes, int max, char *err,
    size_t errlen)
{
    int              n;
    long             port;
    char            *end, *colon;
    char             spec[300];
    size_t           len;
    const char      *p, *q;
    struct in_addr   a4;

    n = 0;

    if (c->db_nodes == NULL) {
        memset(&nodes[0], 0, sizeof(lw_db_node_t));

        if (c->db_socket != NULL) {
            snprintf(nodes[0].socket, sizeof(nodes[0].socket), "%s",
                     c->db_socket);

        } else {
            snprintf(nodes[0].host, sizeof(nodes[0].host), "%s",
                     c->db_host);
            nodes[0].port = c->db_port;
        }

        return 1;
    }

    for (p = c->db_nodes; *p != '\0'; p = q) {
        while (*p == ' ' || *p == ',' || *p == '\t') {
            p++;
        }

        if (*p == '\0') {
            break;
        }

        for (q = p; *q != '\0' && *q != ' ' && *q != ',' && *q != '\t'; q++) {
            /* the address */
        }

        len = (size_t) (q - p);

        if (n == max) {
            snprintf(err, errlen, "more than %d addresses", max);
            return -1;
        }

        if (len >= sizeof(spec)) {
            snprintf(err, errlen, "an address is too long");
            return -1;
        }

        memcpy(spec, p, len);
        spec[len] = '\0';
        memset(&nodes[n], 0, sizeof(lw_db_node_t));

        if (strncmp(spec, "unix:/", 6) == 0) {
            if (len - 5 >= sizeof(nodes[n].socket)) {
                snprintf(err, errlen, "socket path too long: %s", spec);
                return -1;
            }

            memcpy(nodes[n].socket, spec + 5, len - 5 + 1);
            n++;
            continue;
        }

        /* IPv4[:port]: a host name would mean a DNS lookup per connect */
        port = 3306;
        colon = strchr(spec, ':');

        if (colon != NULL) {
            *colon = '\0';
            errno = 0;
            port = strtol(colon + 1, &end, 10);

            if (errno || *end != '\0' || port < 1 || port > 65535) {
                snprintf(err, errlen, "invalid port in %s", p);
                return -1;
            }
        }

        if (inet_pton(AF_INET, spec, &a4) != 1
            || strlen(spec) >= sizeof(nodes[n].host))
        {
            snprintf(err, errlen, "\"%s\" is neither unix:/path nor "
                     "IPv4[:port]", spec);
            return -1;
        }

        memcpy(nodes[n].host, spec, strlen(spec) + 1);
        nodes[n].port = (int) port;
        n++;
    }

    if (n == 0) {
        snprintf(err, errlen, "no address");
        return -1;
    }

    return n;
}


static const char *
lw_db_node_name(const lw_db_node_t *node, char *buf, size_t len)
{
    if (node->socket[0] != '\0') {
        return node->socket;
    }

    snprintf(buf, len, "%s:%d", node->host, node->port);

    return buf;
}


static MYSQL *
lw_db_open(lw_ctx_t *ctx, const lw_db_node_t *node)
{
    MYSQL         *db;
    unsigned int   timeout;
    lw_conf_t     *c;
    char           init[512], name[80];

    c = ctx->conf;

    db = mysql_init(NULL);
    if (db == NULL) {
        lw_log(LW_LOG_ERROR, "mysql_init() failed");
        return NULL;
    }

    timeout = (unsigned int) c->connect_timeout;
    mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    timeout = (unsigned int) c->db_timeout;
    mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");

    if (mysql_real_connect(db, node->socket[0] ? NULL : node->host,
                           c->db_user, c->db_password, c->db_name,
                           node->socket[0] ? 0 : (unsigned int) node->port,
                           node->socket[0] ? node->socket : NULL,
                           CLIENT_FOUND_ROWS)
        == NULL)
    {
        lw_log(lw_db_quiet ? LW_LOG_DEBUG : LW_LOG_ERROR,
               "database connect (%s): %s",
               lw_db_node_name(node, name, sizeof(name)), mysql_error(db));
        mysql_close(db);
        return NULL;
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
        return NULL;
    }

    return db;
}


/*
 * Writable, and on Galera ready and synced (wsrep_local_state 4), as the
 * module checks its nodes (ngx_http_liaison_db.c): 0 no, 1 yes, 2 yes
 * and a Galera node.
 */

static int
lw_db_healthy(MYSQL *db)
{
    int         ok;
    MYSQL_ROW   row;
    MYSQL_RES  *res;

    if (mysql_query(db, "SELECT @@read_only, "
            "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES "
            "WHERE VARIABLE_NAME = 'WSREP_ON'), "
            "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
            "WHERE VARIABLE_NAME = 'WSREP_READY'), "
            "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
            "WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE')") != 0
        || (res = mysql_store_result(db)) == NULL)
    {
        return 0;
    }

    ok = 0;
    row = mysql_fetch_row(res);

    if (row != NULL && row[0] != NULL && strcmp(row[0], "0") == 0) {
        if (row[1] == NULL || strcasecmp(row[1], "ON") != 0) {
            ok = 1;

        } else if (row[2] != NULL && strcasecmp(row[2], "ON") == 0
                   && row[3] != NULL && strcmp(row[3], "4") == 0)
        {
            ok = 2;
        }
    }

    mysql_free_result(res);

    return ok;
}


int
lw_db_connect(lw_ctx_t *ctx)
{
    int            i, n, last, health;
    char           err[200], name[80];
    MYSQL         *db;
    lw_db_node_t   nodes[LW_DB_MAX_NODES];

    last = ctx->db ? ctx->db_node : -1;

    lw_db_close(ctx);

    n = lw_db_nodes(ctx->conf, nodes, LW_DB_MAX_NODES, err, sizeof(err));
    if (n < 0) {
        lw_log(LW_LOG_ERROR, "db_nodes: %s", err);
        return -1;
    }

    for (i = 0; i < n; i++) {
        db = lw_db_open(ctx, &nodes[i]);
        if (db == NULL) {
            continue;
        }

        health = n > 1 ? lw_db_healthy(db) : 1;

        if (health == 0) {
            lw_log(LW_LOG_WARN, "database node %s is not ready for writes "
                   "(read_only, or not a synced Galera node)",
                   lw_db_node_name(&nodes[i], name, sizeof(name)));
            mysql_close(db);
            continue;
        }

        /*
         * On Galera, reads wait until this node has applied what the
         * cluster committed before them: a claim then seldom picks a row
         * another node's worker has just taken (a conflict at its COMMIT,
         * lw_outbox_claim()); safety does not depend on it.
         */
        if (health == 2
            && mysql_query(db, "SET SESSION wsrep_sync_wait = 1") != 0)
        {
            lw_log(LW_LOG_WARN, "database node %s: wsrep_sync_wait: %s",
                   lw_db_node_name(&nodes[i], name, sizeof(name)),
                   mysql_error(db));
        }

        ctx->db = db;
        ctx->db_node = i;

        if (n > 1 && i != last) {
            lw_log(LW_LOG_WARN, "database: writes go to node %s",
                   lw_db_node_name(&nodes[i], name, sizeof(name)));
        }

        lw_log(LW_LOG_DEBUG, "database connected");

        return 0;
    }

    return -1;
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

    ctx->db_errno = 0;

    if (ctx->db == NULL) {
        return -1;
    }

    if (mysql_real_query(ctx->db, sql, len) != 0) {
        err = mysql_errno(ctx->db);
        ctx->db_errno = err;

        if (err == 1213) {
            /* the caller runs it again or leaves the rows to the other */
            ctx->conflicts++;
            lw_log(LW_LOG_INFO, "database: %s (%u): a conflict with "
                   "another transaction, rolled back", mysql_error(ctx->db),
                   err);
            return -1;
        }

        lw_log(LW_LOG_ERROR, "database: %s (%u)", mysql_error(ctx->db),
               err);

        /*
         * the connection is gone, or its node is (1047: a Galera node out
         * of the primary component; 1290: read_only): reconnect, to the
         * next healthy node, on the next pass
         */
        if (err == 2006 || err == 2013 || err == 2055 || err == 1927
            || err == 1047 || err == 1053 || err == 1290)
        {
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


/* tries: how often a statement refused by a conflict (1213) is run */

static long long
lw_db_vexec(lw_ctx_t *ctx, int tries, const char *fmt, va_list args)
{
    int         i;
    char       *sql;
    size_t      len;
    long long   n;

    sql = lw_db_vformat(fmt, args, &len);
    if (sql == NULL) {
        return -1;
    }

    n = -1;

    for (i = 0; i < tries; i++) {
        n = lw_db_raw(ctx, sql, len);

        if (n >= 0 || !lw_db_conflict(ctx)) {
            break;
        }
    }

    free(sql);

    return n;
}


long long
lw_db_exec(lw_ctx_t *ctx, const char *fmt, ...)
{
    va_list     args;
    long long   n;

    va_start(args, fmt);
    n = lw_db_vexec(ctx, 1, fmt, args);
    va_end(args);

    return n;
}


long long
lw_db_exec1(lw_ctx_t *ctx, const char *fmt, ...)
{
    va_list     args;
    long long   n;

    va_start(args, fmt);
    n = lw_db_vexec(ctx, LW_DB_TRIES, fmt, args);
    va_end(args);

    return n;
}


int
lw_db_conflict(lw_ctx_t *ctx)
{
    return ctx->db_errno == 1213;
}


MYSQL_RES *
lw_db_query(lw_ctx_t *ctx, const char *fmt, ...)
{
    char       *sql;
    size_t      len;
    va_list     args;
    MYSQL_RES  *res;

    va_start(args, fmt);
    sql = lw_db_vformat(fmt, args, &len);
    va_end(args);

    if (sql == NULL) {
        return NULL;
    }

    res = lw_db_rows(ctx, sql, len);
    free(sql);

    return res;
}


MYSQL_RES *
lw_db_rows(lw_ctx_t *ctx, const char *sql, size_t len)
{
    MYSQL_RES  *res;

    if (lw_db_raw(ctx, sql, len) < 0) {
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
