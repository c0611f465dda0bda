/*
 * liaison-worker: the files of attachments (issue 8).
 *
 * The module stores each attachment as attachment_dir/<storage_name> (32
 * hex digits) with a row in attachments.  When the retention job removes
 * a ticket's personal data it calls lw_attachments_purge() inside its
 * transaction: the rows are deleted and the files unlinked.  A file is
 * unlinked before the COMMIT: should the COMMIT fail, the rows come back
 * without their files (a download then answers 404) and the next pass
 * deletes them again.
 */


#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lw.h"


static int lw_ids_valid(const char *ids);
static void lw_attachments_sql(lw_buf_t *sql, const char *head,
    const char *ids, const char *tail);


static int
lw_ids_valid(const char *ids)
{
    const char  *p;

    if (ids == NULL || ids[0] == '\0') {
        return 0;
    }

    for (p = ids; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || *p == ',')) {
            return 0;
        }
    }

    return 1;
}


int
lw_attachments_purge(lw_ctx_t *ctx, const char *ids)
{
    int          rc, n;
    char         path[4096];
    lw_buf_t     sql;
    MYSQL_ROW    row;
    MYSQL_RES   *res;
    const char  *dir;

    if (!lw_ids_valid(ids)) {
        lw_log(LW_LOG_ERROR, "attachments: bad ticket id list");
        return -1;
    }

    rc = -1;
    res = NULL;
    dir = ctx->conf->attachment_dir;

    /* ids: the caller's list, made by the SQL builder, checked above */
    lw_buf_init(&sql);
    lw_attachments_sql(&sql, "SELECT storage_name FROM attachments "
                       "WHERE ticket_id IN (", ids, ") FOR UPDATE");

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto done;
    }

    res = mysql_store_result(ctx->db);
    if (res == NULL) {
        lw_log(LW_LOG_ERROR, "attachments: %s", lw_db_error(ctx));
        goto done;
    }

    if (mysql_num_rows(res) == 0) {
        rc = 0;
        goto done;
    }

    if (dir == NULL || dir[0] != '/') {
        /* rows without their files would be personal data left behind */
        lw_log(LW_LOG_ERROR, "attachments: %llu file(s) to remove but no "
               "attachment_dir is configured",
               (unsigned long long) mysql_num_rows(res));
        goto done;
    }

    lw_buf_reset(&sql);
    lw_attachments_sql(&sql, "DELETE FROM attachments WHERE ticket_id IN (",
                       ids, ")");

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto done;
    }

    lw_buf_reset(&sql);
    lw_attachments_sql(&sql, "UPDATE tickets SET attachment_count = 0 "
                       "WHERE id IN (", ids, ")");

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto done;
    }

    while ((row = mysql_fetch_row(res)) != NULL) {
        if (row[0] == NULL || strspn(row[0], "0123456789abcdef") != 32
            || row[0][32] != '\0')
        {
            continue;           /* never a path of someone else's making */
        }

        n = snprintf(path, sizeof(path), "%s/%s", dir, row[0]);
        if (n < 0 || (size_t) n >= sizeof(path)) {
            goto done;
        }

        if (unlink(path) == -1 && errno != ENOENT) {
            lw_log(LW_LOG_ERROR, "attachments: unlink(\"%s\"): %s", path,
                   strerror(errno));
            goto done;
        }
    }

    rc = 0;

done:

    if (res != NULL) {
        mysql_free_result(res);
    }

    lw_buf_free(&sql);

    return rc;
}


/*
 * Files of the store that no row names: a worker process that died
 * between storing an upload and its COMMIT, or rows deleted by hand.
 * Only files older than an hour are looked at, so an upload in progress
 * is never touched.  Returns the number of files removed, or -1.
 */

#define LW_SWEEP_AGE    3600
#define LW_SWEEP_BATCH  200

static long lw_attachments_sweep_batch(lw_ctx_t *ctx, char (*names)[33],
    int n);


long
lw_attachments_sweep(lw_ctx_t *ctx)
{
    int             n;
    DIR            *dir;
    long            removed, r;
    char            names[LW_SWEEP_BATCH][33], path[4096];
    time_t          now;
    struct stat     st;
    struct dirent  *de;

    now = time(NULL);

    /* a directory walk: once an hour is plenty (every `once` pass) */
    if (ctx->conf->attachment_dir == NULL
        || (!ctx->once && now - ctx->last_sweep < LW_SWEEP_AGE))
    {
        return 0;
    }

    ctx->last_sweep = now;

    dir = opendir(ctx->conf->attachment_dir);
    if (dir == NULL) {
        lw_log(LW_LOG_ERROR, "attachments: opendir(\"%s\"): %s",
               ctx->conf->attachment_dir, strerror(errno));
        return -1;
    }

    removed = 0;
    n = 0;

    while ((de = readdir(dir)) != NULL) {
        if (strlen(de->d_name) != 32
            || strspn(de->d_name, "0123456789abcdef") != 32)
        {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", ctx->conf->attachment_dir,
                 de->d_name);

        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)
            || now - st.st_mtime < LW_SWEEP_AGE)
        {
            continue;
        }

        memcpy(names[n++], de->d_name, 33);

        if (n == LW_SWEEP_BATCH) {
            r = lw_attachments_sweep_batch(ctx, names, n);
            if (r < 0) {
                closedir(dir);
                return -1;
            }

            removed += r;
            n = 0;
        }
    }

    closedir(dir);

    if (n) {
        r = lw_attachments_sweep_batch(ctx, names, n);
        if (r < 0) {
            return -1;
        }

        removed += r;
    }

    if (removed) {
        lw_log(LW_LOG_WARN, "attachments: %ld file(s) no row names removed",
               removed);
    }

    return removed;
}


static long
lw_attachments_sweep_batch(lw_ctx_t *ctx, char (*names)[33], int n)
{
    int             i;
    long            removed;
    char            path[4096];
    lw_buf_t        sql;
    MYSQL_ROW       row;
    MYSQL_RES      *res;

    lw_buf_init(&sql);
    lw_buf_adds(&sql, "SELECT storage_name FROM attachments "
                "WHERE storage_name IN (");

    for (i = 0; i < n; i++) {
        lw_buf_sql(&sql, i ? ", $z" : "$z", names[i]);
    }

    lw_buf_adds(&sql, ")");

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0
        || (res = mysql_store_result(ctx->db)) == NULL)
    {
        lw_buf_free(&sql);
        return -1;
    }

    lw_buf_free(&sql);

    /* what a row names stays: mark it by clearing its name */
    while ((row = mysql_fetch_row(res)) != NULL) {
        for (i = 0; i < n; i++) {
            if (row[0] && strcmp(names[i], row[0]) == 0) {
                names[i][0] = '\0';
            }
        }
    }

    mysql_free_result(res);
    removed = 0;

    for (i = 0; i < n; i++) {
        if (names[i][0] == '\0') {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", ctx->conf->attachment_dir,
                 names[i]);

        if (unlink(path) == 0) {
            removed++;

        } else if (errno != ENOENT) {
            lw_log(LW_LOG_ERROR, "attachments: unlink(\"%s\"): %s", path,
                   strerror(errno));
        }
    }

    return removed;
}


/* head ids tail: ids a list the SQL builder made (lw_buf_sql, $u) */

static void
lw_attachments_sql(lw_buf_t *sql, const char *head, const char *ids,
    const char *tail)
{
    lw_buf_adds(sql, head);
    lw_buf_adds(sql, ids);
    lw_buf_adds(sql, tail);
}
