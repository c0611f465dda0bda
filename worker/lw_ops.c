/*
 * liaison-worker: operations.
 *
 *   lw_migrate()        `liaison-worker migrate`: applies the pending
 *                       sql/NNN_name.sql migrations in order and records
 *                       them in schema_migrations (scripts/migrate.sh
 *                       calls this; it is the one implementation)
 *   lw_schema_check()   the daemon and `once` refuse a database whose
 *                       schema is not the one this build expects
 *   lw_metrics()        `liaison-worker metrics`: Prometheus text from
 *                       the database
 *   lw_retention_pass() personal data of tickets closed more than
 *                       retention_days ago is removed, statistics stay
 */


#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lw.h"


#ifndef LW_SCHEMA_VERSION
#error "LW_SCHEMA_VERSION must be defined (the highest sql/NNN migration)"
#endif

#define LW_MIGRATE_LOCK          "liaison_migrate"
#define LW_MIGRATE_LOCK_WAIT     60
#define LW_MIGRATE_MAX           1000
#define LW_ER_NO_SUCH_TABLE      1146
#define LW_RETENTION_BATCH       200
#define LW_RETENTION_REDACTED    ""


typedef struct {
    long     version;
    char    *name;
} lw_migration_t;


static int lw_migration_cmp(const void *a, const void *b);
static int lw_migrations_list(const char *dir, lw_migration_t **out,
    size_t *n);
static char *lw_file_read(const char *path, size_t *len);
static int lw_sql_run_script(MYSQL *db, const char *sql, size_t len,
    const char *file);
static int lw_exec(MYSQL *db, const char *sql);
static long lw_schema_found(MYSQL *db);
static void lw_label(lw_buf_t *b, const char *s);
static long long lw_retention_exec(lw_ctx_t *ctx, const char *sql,
    const char *ids);
static int lw_retention_attachments(lw_ctx_t *ctx, const char *ids);
static int lw_metrics_rows(lw_ctx_t *ctx, lw_buf_t *out, const char *sql,
    const char *name, int nlabels, const char **labels);


/* ---------------------------------------------------------------------- */
/* migrations                                                              */


static int
lw_migration_cmp(const void *a, const void *b)
{
    const lw_migration_t  *x = a, *y = b;

    return x->version < y->version ? -1 : x->version > y->version;
}


/* NNN_name.sql files of dir, by version; two files of a version fail */

static int
lw_migrations_list(const char *dir, lw_migration_t **out, size_t *n)
{
    DIR             *d;
    char            *end;
    long             v;
    size_t           i, len, cap;
    const char      *p;
    struct dirent   *e;
    lw_migration_t  *m;

    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "migrate: %s: %s\n", dir, strerror(errno));
        return -1;
    }

    m = NULL;
    cap = 0;
    *n = 0;

    while ((e = readdir(d)) != NULL) {
        p = e->d_name;
        len = strlen(p);

        if (!isdigit((unsigned char) p[0]) || len < 6
            || strcmp(p + len - 4, ".sql") != 0)
        {
            continue;
        }

        errno = 0;
        v = strtol(p, &end, 10);
        if (errno != 0 || *end != '_' || v < 0 || v > 1000000) {
            continue;
        }

        for (i = end - p + 1; i < len - 4; i++) {
            if (!isalnum((unsigned char) p[i]) && p[i] != '_'
                && p[i] != '-' && p[i] != '.')
            {
                break;
            }
        }

        if (i != len - 4 || end - p + 1 == (long) len - 4) {
            continue;
        }

        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            if (cap > LW_MIGRATE_MAX) {
                fprintf(stderr, "migrate: too many migrations in %s\n", dir);
                goto failed;
            }

            m = realloc(m, cap * sizeof(lw_migration_t));
            if (m == NULL) {
                goto failed;
            }
        }

        m[*n].version = v;
        m[*n].name = strdup(p);
        if (m[*n].name == NULL) {
            goto failed;
        }

        (*n)++;
    }

    closedir(d);
    d = NULL;

    if (*n) {
        qsort(m, *n, sizeof(lw_migration_t), lw_migration_cmp);
    }

    for (i = 1; i < *n; i++) {
        if (m[i].version == m[i - 1].version) {
            fprintf(stderr, "migrate: two migrations with version %ld: %s "
                    "and %s\n", m[i].version, m[i - 1].name, m[i].name);
            goto failed;
        }
    }

    *out = m;

    return 0;

failed:

    if (d != NULL) {
        closedir(d);
    }

    for (i = 0; m != NULL && i < *n; i++) {
        free(m[i].name);
    }

    free(m);

    return -1;
}


static char *
lw_file_read(const char *path, size_t *len)
{
    FILE    *f;
    char    *buf;
    long     size;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    buf = malloc((size_t) size + 1);
    if (buf == NULL || fread(buf, 1, (size_t) size, f) != (size_t) size) {
        free(buf);
        fclose(f);
        return NULL;
    }

    fclose(f);
    buf[size] = '\0';
    *len = (size_t) size;

    return buf;
}


static int
lw_exec(MYSQL *db, const char *sql)
{
    MYSQL_RES  *res;

    if (mysql_query(db, sql) != 0) {
        return -1;
    }

    if (mysql_field_count(db) > 0) {
        res = mysql_store_result(db);
        mysql_free_result(res);
    }

    return 0;
}


/*
 * Runs a migration file statement by statement.  Statements end with ';'
 * outside quotes ('', "", ``) and comments (--, #, / * * /); a part with
 * nothing but white space and comments is skipped.  No DELIMITER: stored
 * programs do not belong in migrations.
 */

static int
lw_sql_run_script(MYSQL *db, const char *sql, size_t len, const char *file)
{
    int          code, quote, stmt;
    char        *one;
    size_t       i, start;
    const char  *p;

    start = 0;
    code = 0;
    quote = 0;
    stmt = 0;
    p = sql;

    for (i = 0; i <= len; i++) {

        if (i < len && quote) {
            if (p[i] == '\\' && quote != '`' && i + 1 < len) {
                i++;

            } else if (p[i] == quote) {
                if (i + 1 < len && p[i + 1] == quote) {
                    i++;

                } else {
                    quote = 0;
                }
            }

            continue;
        }

        if (i < len && (p[i] == '\'' || p[i] == '"' || p[i] == '`')) {
            quote = p[i];
            code = 1;
            continue;
        }

        if (i < len && (p[i] == '#'
                        || (p[i] == '-' && i + 2 < len && p[i + 1] == '-'
                            && isspace((unsigned char) p[i + 2]))))
        {
            while (i < len && p[i] != '\n') {
                i++;
            }

            continue;
        }

        if (i + 1 < len && p[i] == '/' && p[i + 1] == '*') {
            /* executable comments run: they are code */
            if (i + 2 < len && (p[i + 2] == '!' || p[i + 2] == 'M')) {
                code = 1;
            }

            for (i += 2; i + 1 < len && !(p[i] == '*' && p[i + 1] == '/');
                 i++)
            {
                /* void */
            }

            i++;
            continue;
        }

        if (i < len && p[i] != ';') {
            if (!isspace((unsigned char) p[i])) {
                code = 1;
            }

            continue;
        }

        /* a ';' or the end */

        if (quote) {
            fprintf(stderr, "migrate: %s: an unterminated quote\n", file);
            return -1;
        }

        if (code) {
            stmt++;
            one = strndup(p + start, i - start);
            if (one == NULL) {
                return -1;
            }

            if (lw_exec(db, one) != 0) {
                fprintf(stderr, "migrate: %s, statement %d: %s (%u)\n",
                        file, stmt, mysql_error(db), mysql_errno(db));
                free(one);
                return -1;
            }

            free(one);
        }

        start = i + 1;
        code = 0;
    }

    return 0;
}


/* MAX(version) of schema_migrations; 0 when the table is missing; -1 */

static long
lw_schema_found(MYSQL *db)
{
    long        v;
    MYSQL_ROW   row;
    MYSQL_RES  *res;

    if (mysql_query(db, "SELECT COALESCE(MAX(version), 0) "
                        "FROM schema_migrations") != 0)
    {
        return mysql_errno(db) == LW_ER_NO_SUCH_TABLE ? 0 : -1;
    }

    res = mysql_store_result(db);
    if (res == NULL) {
        return -1;
    }

    row = mysql_fetch_row(res);
    v = (row != NULL && row[0] != NULL) ? strtol(row[0], NULL, 10) : -1;
    mysql_free_result(res);

    return v;
}


/*
 * `liaison-worker migrate`: with the worker's configuration (ctx->db
 * connected), or with a MariaDB option file (defaults_file, [client]
 * group).  Returns the exit code.
 */

int
lw_migrate(lw_ctx_t *ctx, const char *defaults_file, const char *dir)
{
    int              rc, locked;
    long             latest, newest;
    char            *sql, rec[512];
    size_t           i, n, len, count;
    MYSQL           *db;
    MYSQL_ROW        row;
    MYSQL_RES       *res;
    lw_migration_t  *m;
    char             path[4096];
    unsigned char   *applied;

    rc = 1;
    locked = 0;
    m = NULL;
    n = 0;
    applied = NULL;
    db = NULL;

    if (lw_migrations_list(dir, &m, &n) != 0) {
        return 1;
    }

    if (n == 0) {
        fprintf(stderr, "migrate: no NNN_name.sql files in %s\n", dir);
        goto done;
    }

    newest = m[n - 1].version;

    if (defaults_file != NULL) {
        db = mysql_init(NULL);
        if (db == NULL) {
            goto done;
        }

        mysql_options(db, MYSQL_READ_DEFAULT_FILE, defaults_file);
        mysql_options(db, MYSQL_READ_DEFAULT_GROUP, "client");
        mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");

        if (mysql_real_connect(db, NULL, NULL, NULL, NULL, 0, NULL, 0)
            == NULL)
        {
            fprintf(stderr, "migrate: cannot connect to the database with "
                    "%s: %s\n", defaults_file, mysql_error(db));
            goto done;
        }

    } else {
        if (lw_db_connect(ctx) != 0) {
            fprintf(stderr, "migrate: cannot connect to the database (the "
                    "log says why)\n");
            goto done;
        }

        db = ctx->db;
    }

    if (lw_exec(db, "SET NAMES utf8mb4, time_zone = '+08:00'") != 0) {
        fprintf(stderr, "migrate: %s\n", mysql_error(db));
        goto done;
    }

    /* one migrate at a time, whichever node it runs on */
    if (mysql_query(db, "SELECT GET_LOCK('" LW_MIGRATE_LOCK "', 60)") != 0
        || (res = mysql_store_result(db)) == NULL)
    {
        fprintf(stderr, "migrate: GET_LOCK: %s\n", mysql_error(db));
        goto done;
    }

    row = mysql_fetch_row(res);
    locked = (row != NULL && row[0] != NULL && strcmp(row[0], "1") == 0);
    mysql_free_result(res);

    if (!locked) {
        fprintf(stderr, "migrate: another migrate holds the lock \""
                LW_MIGRATE_LOCK "\" (waited %d s)\n", LW_MIGRATE_LOCK_WAIT);
        goto done;
    }

    if (lw_exec(db,
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INT NOT NULL PRIMARY KEY, "
            "name VARCHAR(200) NOT NULL, "
            "applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
        != 0)
    {
        fprintf(stderr, "migrate: cannot create schema_migrations: %s\n",
                mysql_error(db));
        goto done;
    }

    applied = calloc(n, 1);
    if (applied == NULL) {
        goto done;
    }

    if (mysql_query(db, "SELECT version FROM schema_migrations") != 0
        || (res = mysql_store_result(db)) == NULL)
    {
        fprintf(stderr, "migrate: cannot read schema_migrations: %s\n",
                mysql_error(db));
        goto done;
    }

    latest = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        long  v = strtol(row[0], NULL, 10);

        latest = v > latest ? v : latest;

        for (i = 0; i < n; i++) {
            if (m[i].version == v) {
                applied[i] = 1;
            }
        }
    }

    mysql_free_result(res);

    if (latest > newest) {
        fprintf(stderr, "migrate: the database is at schema version %ld, "
                "newer than the migrations in %s (up to %ld): refusing to "
                "touch a schema this release does not know (see "
                "docs/operations.md, \"Rollback\")\n", latest, dir, newest);
        goto done;
    }

    count = 0;

    for (i = 0; i < n; i++) {
        if (applied[i]) {
            continue;
        }

        if (m[i].version < latest) {
            fprintf(stderr, "migrate: %s (version %ld) is older than the "
                    "database's version %ld but was never applied: "
                    "refusing (apply it by hand, or renumber it)\n",
                    m[i].name, m[i].version, latest);
            goto done;
        }

        snprintf(path, sizeof(path), "%s/%s", dir, m[i].name);

        sql = lw_file_read(path, &len);
        if (sql == NULL) {
            fprintf(stderr, "migrate: %s: %s\n", path, strerror(errno));
            goto done;
        }

        printf("migrate: applying %s\n", m[i].name);
        fflush(stdout);

        if (lw_sql_run_script(db, sql, len, m[i].name) != 0) {
            free(sql);
            fprintf(stderr, "migrate: FAILED at %s (version %ld): not "
                    "recorded; the migrations before it stay applied; fix "
                    "it and run again\n", m[i].name, m[i].version);
            goto done;
        }

        free(sql);

        snprintf(rec, sizeof(rec), "INSERT INTO schema_migrations "
                 "(version, name) VALUES (%ld, '%s')", m[i].version,
                 m[i].name);

        if (lw_exec(db, rec) != 0) {
            fprintf(stderr, "migrate: %s applied but not recorded: %s\n",
                    m[i].name, mysql_error(db));
            goto done;
        }

        printf("migrate: applied %s\n", m[i].name);
        fflush(stdout);
        count++;
        latest = m[i].version;
    }

    if (count == 0) {
        printf("migrate: up to date (version %ld)\n", latest);

    } else {
        printf("migrate: %zu applied, now at version %ld\n", count, latest);
    }

    if (latest != LW_SCHEMA_VERSION) {
        printf("migrate: note: this liaison-worker was built for schema "
               "version %d\n", LW_SCHEMA_VERSION);
    }

    rc = 0;

done:

    if (db != NULL && locked) {
        (void) lw_exec(db, "SELECT RELEASE_LOCK('" LW_MIGRATE_LOCK "')");
    }

    if (db != NULL && defaults_file != NULL) {
        mysql_close(db);
    }

    for (i = 0; i < n; i++) {
        free(m[i].name);
    }

    free(m);
    free(applied);

    return rc;
}


int
lw_schema_check(lw_ctx_t *ctx)
{
    long  found;

    found = lw_schema_found(ctx->db);

    if (found < 0) {
        lw_log(LW_LOG_ERROR, "cannot read the schema version: %s",
               lw_db_error(ctx));
        return -1;
    }

    if (found != LW_SCHEMA_VERSION) {
        lw_log(LW_LOG_ERROR, "database schema version mismatch: expected "
               "%d, found %ld; run \"liaison-worker migrate\" (or install "
               "the liaison-worker built for version %ld)",
               LW_SCHEMA_VERSION, found, found);
        return -1;
    }

    ctx->schema_ok = 1;

    return 0;
}


/* ---------------------------------------------------------------------- */
/* metrics                                                                 */


static void
lw_label(lw_buf_t *b, const char *s)
{
    for ( ; s != NULL && *s; s++) {
        if (*s == '\\' || *s == '"') {
            lw_buf_printf(b, "\\%c", *s);

        } else if (*s == '\n') {
            lw_buf_adds(b, "\\n");

        } else {
            lw_buf_add(b, s, 1);
        }
    }
}


/* one sample per row: the labels are the first columns, the value last */

static int
lw_metrics_rows(lw_ctx_t *ctx, lw_buf_t *out, const char *sql,
    const char *name, int nlabels, const char **labels)
{
    int         i;
    MYSQL_ROW   row;
    MYSQL_RES  *res;

    res = lw_db_query(ctx, sql);
    if (res == NULL) {
        return -1;
    }

    while ((row = mysql_fetch_row(res)) != NULL) {
        lw_buf_adds(out, name);

        if (nlabels) {
            lw_buf_adds(out, "{");

            for (i = 0; i < nlabels; i++) {
                lw_buf_printf(out, "%s%s=\"", i ? "," : "", labels[i]);
                lw_label(out, row[i] ? row[i] : "");
                lw_buf_adds(out, "\"");
            }

            lw_buf_adds(out, "}");
        }

        lw_buf_printf(out, " %s\n", row[nlabels] ? row[nlabels] : "0");
    }

    mysql_free_result(res);

    return 0;
}


/*
 * This process: the build, and for the daemon its start, the channels it
 * delivers and what it did.
 */

void
lw_metrics_process(lw_ctx_t *ctx, lw_buf_t *out, int db_up)
{
    int  ch;

    lw_buf_adds(out,
        "# HELP liaison_worker_info The worker's version and build.\n"
        "# TYPE liaison_worker_info gauge\n"
        "liaison_worker_info{version=\"" LW_VERSION "\",build=\""
        LW_BUILD "\"} 1\n"
        "# HELP liaison_worker_db_up Whether the database answered.\n"
        "# TYPE liaison_worker_db_up gauge\n");
    lw_buf_printf(out, "liaison_worker_db_up %d\n", db_up);

    if (ctx->started == 0) {
        return;
    }

    lw_buf_printf(out,
        "# HELP liaison_worker_start_time_seconds When this daemon "
        "started, in seconds since the epoch.\n"
        "# TYPE liaison_worker_start_time_seconds gauge\n"
        "liaison_worker_start_time_seconds %lld\n"
        "# HELP liaison_worker_channel_configured Whether this daemon has "
        "the settings of a channel (it claims only those).\n"
        "# TYPE liaison_worker_channel_configured gauge\n",
        (long long) ctx->started);

    for (ch = 0; ch < LSN_CH_COUNT; ch++) {
        lw_buf_printf(out, "liaison_worker_channel_configured"
                      "{channel=\"%s\"} %d\n", lsn_outbox_channels[ch],
                      lw_conf_channel_ready(ctx->conf, ch));
    }

    lw_buf_printf(out,
        "# HELP liaison_worker_sends_total Outcomes recorded by this "
        "daemon since it started.\n"
        "# TYPE liaison_worker_sends_total counter\n"
        "liaison_worker_sends_total{result=\"sent\"} %lu\n"
        "liaison_worker_sends_total{result=\"retry\"} %lu\n"
        "liaison_worker_sends_total{result=\"failed\"} %lu\n"
        "# HELP liaison_worker_ladder_steps_total Escalation steps this "
        "daemon fired since it started.\n"
        "# TYPE liaison_worker_ladder_steps_total counter\n"
        "liaison_worker_ladder_steps_total %lu\n"
        "# HELP liaison_worker_db_conflicts_total Transactions of this "
        "daemon rolled back on a conflict (a deadlock, or a Galera "
        "certification failure), run again or left to another worker.\n"
        "# TYPE liaison_worker_db_conflicts_total counter\n"
        "liaison_worker_db_conflicts_total %lu\n",
        ctx->sent, ctx->retried, ctx->failed, ctx->fired, ctx->conflicts);
}


/* `liaison-worker metrics`: Prometheus text on stdout */

int
lw_metrics(lw_ctx_t *ctx)
{
    int       up, rc;
    lw_buf_t  out;

    lw_buf_init(&out);

    up = lw_db_connect(ctx) == 0;
    lw_metrics_process(ctx, &out, up);
    rc = up ? lw_metrics_db(ctx, &out) : -1;

    if (out.failed) {
        lw_buf_free(&out);
        return 1;
    }

    fwrite(out.data, 1, out.len, stdout);
    lw_buf_free(&out);

    return rc == 0 ? 0 : 1;
}


/* the database's series, on ctx's open connection; 0, or -1 */

int
lw_metrics_db(lw_ctx_t *ctx, lw_buf_t *out)
{
    int          ch, rc, year, y;
    long         found;
    time_t       now;
    MYSQL_ROW    row;
    MYSQL_RES   *res;
    struct tm    tm;
    const char  *l[3];

    rc = 0;
    found = lw_schema_found(ctx->db);

    lw_buf_printf(out,
        "# HELP liaison_worker_schema_version The database's schema "
        "version (highest applied migration).\n"
        "# TYPE liaison_worker_schema_version gauge\n"
        "liaison_worker_schema_version %ld\n"
        "# HELP liaison_worker_schema_expected_version The schema version "
        "this liaison-worker was built for.\n"
        "# TYPE liaison_worker_schema_expected_version gauge\n"
        "liaison_worker_schema_expected_version %d\n",
        found, LW_SCHEMA_VERSION);

    if (found != LW_SCHEMA_VERSION) {
        /* the queries below may not fit that schema */
        return -1;
    }

    lw_buf_adds(out,
        "# HELP liaison_worker_outbox_messages Outbox rows by channel and "
        "status.\n"
        "# TYPE liaison_worker_outbox_messages gauge\n");
    l[0] = "channel";
    l[1] = "status";
    rc |= lw_metrics_rows(ctx, out,
              "SELECT channel, status, COUNT(*) FROM outbox "
              "GROUP BY channel, status ORDER BY channel, status",
              "liaison_worker_outbox_messages", 2, l);

    /* every channel, 0 when nothing waits */
    lw_buf_adds(out,
        "# HELP liaison_worker_outbox_oldest_pending_seconds Age of the "
        "oldest message not yet delivered (pending or sending), by "
        "channel.\n"
        "# TYPE liaison_worker_outbox_oldest_pending_seconds gauge\n");

    now = time(NULL);

    for (ch = 0; ch < LSN_CH_COUNT; ch++) {
        res = lw_db_query(ctx,
                  "SELECT GREATEST(0, TIMESTAMPDIFF(SECOND, MIN(created_at), "
                  "$t)) FROM outbox WHERE channel = $z "
                  "AND status IN ('pending', 'sending')",
                  now, lsn_outbox_channels[ch]);
        if (res == NULL) {
            rc = -1;
            break;
        }

        row = mysql_fetch_row(res);
        lw_buf_printf(out, "liaison_worker_outbox_oldest_pending_seconds"
                      "{channel=\"%s\"} %s\n", lsn_outbox_channels[ch],
                      row != NULL && row[0] != NULL ? row[0] : "0");
        mysql_free_result(res);
    }

    lw_buf_adds(out,
        "# HELP liaison_worker_delivery_attempts_total Delivery attempts "
        "recorded, by channel, result and code.\n"
        "# TYPE liaison_worker_delivery_attempts_total counter\n");
    l[0] = "channel";
    l[1] = "result";
    l[2] = "code";
    rc |= lw_metrics_rows(ctx, out,
              "SELECT channel, result, COALESCE(code, ''), COUNT(*) "
              "FROM delivery_attempts GROUP BY channel, result, code "
              "ORDER BY channel, result, code",
              "liaison_worker_delivery_attempts_total", 3, l);

    lw_buf_adds(out,
        "# HELP liaison_worker_escalations_total A8 ladder steps reached, "
        "by level (warning, reminder, leader, vice_president, president) "
        "and status.\n"
        "# TYPE liaison_worker_escalations_total counter\n");
    l[0] = "level";
    l[1] = "status";
    rc |= lw_metrics_rows(ctx, out,
              "SELECT ELT(level + 1, 'warning', 'reminder', 'leader', "
              "'vice_president', 'president'), status, COUNT(*) "
              "FROM escalations GROUP BY level, status "
              "ORDER BY level, status",
              "liaison_worker_escalations_total", 2, l);

    /* the working-day calendar */
    localtime_r(&now, &tm);
    year = tm.tm_year + 1900;

    res = lw_db_query(ctx, "SELECT year FROM calendar_years ORDER BY year");
    if (res == NULL) {
        rc = -1;

    } else {
        lw_buf_printf(out,
            "# HELP liaison_worker_calendar_years_loaded Years of the "
            "official working-day calendar in the database.\n"
            "# TYPE liaison_worker_calendar_years_loaded gauge\n"
            "liaison_worker_calendar_years_loaded %llu\n"
            "# HELP liaison_worker_calendar_year_loaded 1 for each year "
            "loaded.\n"
            "# TYPE liaison_worker_calendar_year_loaded gauge\n",
            (unsigned long long) mysql_num_rows(res));

        y = 0;

        while ((row = mysql_fetch_row(res)) != NULL) {
            lw_buf_printf(out, "liaison_worker_calendar_year_loaded"
                          "{year=\"%s\"} 1\n", row[0]);

            if (atoi(row[0]) == year + 1) {
                y = 1;
            }
        }

        mysql_free_result(res);

        lw_buf_printf(out,
            "# HELP liaison_worker_calendar_next_year_loaded Whether next "
            "year's calendar (%d) is loaded.\n"
            "# TYPE liaison_worker_calendar_next_year_loaded gauge\n"
            "liaison_worker_calendar_next_year_loaded %d\n", year + 1, y);
    }

    lw_buf_adds(out,
        "# HELP liaison_worker_retention_pending Closed tickets past "
        "retention_days whose personal data is still there.\n"
        "# TYPE liaison_worker_retention_pending gauge\n");

    res = NULL;

    if (ctx->conf->retention_days > 0) {
        /* created before it closed: the created_at index bounds the
           count to the tickets older than the cutoff, not all of them */
        res = lw_db_query(ctx,
                  "SELECT COUNT(*) FROM tickets WHERE created_at < $t "
                  "AND closed_at < $t AND (content <> '' "
                  "OR contact_name IS NOT NULL OR contact_phone IS NOT NULL)",
                  now - (time_t) ctx->conf->retention_days * 86400,
                  now - (time_t) ctx->conf->retention_days * 86400);
        if (res == NULL) {
            rc = -1;
        }
    }

    row = res != NULL ? mysql_fetch_row(res) : NULL;
    lw_buf_printf(out, "liaison_worker_retention_pending %s\n",
                  row != NULL && row[0] != NULL ? row[0] : "0");

    if (res != NULL) {
        mysql_free_result(res);
    }

    return rc == 0 && !out->failed ? 0 : -1;
}


/* ---------------------------------------------------------------------- */
/* retention of personal data                                             */


/* sql "(" ids ")": ids a list the SQL builder made (lw_buf_sql, $u) */

static long long
lw_retention_exec(lw_ctx_t *ctx, const char *sql, const char *ids)
{
    long long  n;
    lw_buf_t   b;

    lw_buf_init(&b);
    lw_buf_adds(&b, sql);
    lw_buf_adds(&b, "(");
    lw_buf_adds(&b, ids);
    lw_buf_adds(&b, ")");

    n = b.failed ? -1 : lw_db_raw(ctx, b.data, b.len);

    lw_buf_free(&b);

    return n;
}


/*
 * Attachments (issue 8): the stored files and rows of the tickets in ids
 * ("1,2,3"), inside the same transaction as the rest (worker/lw_attach.c).
 */

static int
lw_retention_attachments(lw_ctx_t *ctx, const char *ids)
{
    return lw_attachments_purge(ctx, ids);
}


/*
 * Tickets closed more than retention_days ago lose what identifies a
 * person: the litigant's text, contact name and phone, the messages'
 * text, the timeline's notes, the feedback comment, and the recipient and
 * payload of their finished outbox messages.  What statistics need stays:
 * ticket number, channel, category, track, status, department, handlers,
 * every time, the events' types and the ladder steps.  Batches of
 * LW_RETENTION_BATCH tickets, one transaction each; rows another worker
 * holds are skipped until the next pass.  Returns the tickets done, or -1.
 */

long
lw_retention_pass(lw_ctx_t *ctx)
{
    long        total, n;
    time_t      cutoff;
    lw_buf_t    ids;
    MYSQL_ROW   row;
    MYSQL_RES  *res;

    if (ctx->conf->retention_days <= 0) {
        return 0;
    }

    cutoff = lw_now(ctx) - (time_t) ctx->conf->retention_days * 86400;
    total = 0;
    lw_buf_init(&ids);

    while (!*ctx->stop) {
        lw_buf_reset(&ids);

        if (lw_db_begin(ctx) != 0) {
            goto failed;
        }

        /* as the metric: only tickets created before the cutoff */
        res = lw_db_query(ctx,
                  "SELECT id FROM tickets WHERE created_at < $t "
                  "AND closed_at < $t AND (content <> '' "
                  "OR contact_name IS NOT NULL OR contact_phone IS NOT NULL) "
                  "ORDER BY id LIMIT $u FOR UPDATE SKIP LOCKED",
                  cutoff, cutoff, (unsigned long long) LW_RETENTION_BATCH);
        if (res == NULL) {
            goto failed;
        }

        n = 0;

        while ((row = mysql_fetch_row(res)) != NULL) {
            lw_buf_sql(&ids, n ? ",$u" : "$u",
                       (unsigned long long) strtoull(row[0], NULL, 10));
            n++;
        }

        mysql_free_result(res);

        if (n == 0) {
            lw_db_rollback(ctx);
            break;
        }

        if (ids.failed
            || lw_retention_exec(ctx, "UPDATE tickets SET content = '', "
                   "contact_name = NULL, contact_phone = NULL WHERE id IN ",
                   ids.data) < 0
            || lw_retention_exec(ctx, "UPDATE ticket_messages SET "
                   "content = '' WHERE ticket_id IN ", ids.data) < 0
            || lw_retention_exec(ctx, "UPDATE ticket_events SET note = NULL "
                   "WHERE note IS NOT NULL AND ticket_id IN ", ids.data) < 0
            || lw_retention_exec(ctx, "UPDATE ticket_feedback SET "
                   "comment = NULL WHERE ticket_id IN ", ids.data) < 0
            || lw_retention_exec(ctx, "UPDATE outbox SET recipient = '', "
                   "payload = JSON_OBJECT() WHERE status IN ('sent', "
                   "'failed', 'dead') AND ticket_id IN ", ids.data) < 0
            || lw_retention_attachments(ctx, ids.data) != 0
            || lw_db_commit(ctx) != 0)
        {
            goto failed;
        }

        total += n;

        if (n < LW_RETENTION_BATCH) {
            break;
        }
    }

    if (total) {
        lw_log(LW_LOG_INFO, "retention: personal data removed from %ld "
               "ticket(s) closed before %d days ago", total,
               ctx->conf->retention_days);
    }

    lw_buf_free(&ids);

    /* files no row names any more go too */
    (void) lw_attachments_sweep(ctx);

    return total;

failed:

    lw_db_rollback(ctx);
    lw_buf_free(&ids);
    lw_log(LW_LOG_ERROR, "retention: pass failed after %ld ticket(s)", total);

    return -1;
}
