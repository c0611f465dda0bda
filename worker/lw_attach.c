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


#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lw.h"


static int lw_ids_valid(const char *ids);


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

    /* ids: the caller's own numbers, checked above */
    lw_buf_init(&sql);
    lw_buf_printf(&sql, "SELECT storage_name FROM attachments "
                  "WHERE ticket_id IN (%s) FOR UPDATE", ids);

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
    lw_buf_printf(&sql, "DELETE FROM attachments WHERE ticket_id IN (%s)",
                  ids);

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto done;
    }

    lw_buf_reset(&sql);
    lw_buf_printf(&sql, "UPDATE tickets SET attachment_count = 0 "
                  "WHERE id IN (%s)", ids);

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
