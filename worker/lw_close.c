/*
 * liaison-worker: answered or replied requests close by themselves (A4-A6).
 *
 * A request answered (simple track) or replied (ordinary track) closes
 * after auto_close_days working days without a follow-up: counted from
 * the later of the answer or reply (the event that set the status) and
 * the litigant's last message.  In one transaction per ticket: the status
 * 'closed' and closed_at, a public timeline event by the system, and the
 * litigant's notice in the outbox: a subscribe message to a WeChat owner
 * on the template their reply came with, else an SMS to the contact
 * mobile (kiosk, hall, hotline, web).  The update looks again: a ticket
 * whose status or updated_at moved meanwhile (a follow-up, a staff
 * action) is left for the next pass.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw.h"


#define LW_CLOSE_BATCH  500

/* the instant the ticket t entered its status, and its last follow-up */
#define LW_CLOSE_STATUS_AT                                                    \
    "COALESCE((SELECT MAX(e.created_at) FROM ticket_events e "               \
    "WHERE e.ticket_id = t.id AND e.status_to = t.status), t.replied_at, "   \
    "t.created_at)"

#define LW_CLOSE_SINCE                                                        \
    "COALESCE(GREATEST(" LW_CLOSE_STATUS_AT ", (SELECT MAX(m.created_at) "   \
    "FROM ticket_messages m WHERE m.ticket_id = t.id AND m.author_kind IN "  \
    "('litigant', 'public'))), " LW_CLOSE_STATUS_AT ")"

/* the subscribe template of the owner's last message on the ticket t */
#define LW_CLOSE_TEMPLATE                                                     \
    "(SELECT o.template_id FROM outbox o WHERE o.ticket_id = t.id "          \
    "AND o.channel = 'wx_subscribe' AND o.recipient = l.openid "             \
    "AND o.template_id IS NOT NULL ORDER BY o.id DESC LIMIT 1)"


static int lw_close_ticket(lw_ctx_t *ctx, unsigned long long id,
    const char *status, const char *updated, int days, time_t now);


int
lw_close_pass(lw_ctx_t *ctx)
{
    int                  days, rc;
    time_t               now, since, at;
    MYSQL_RES           *res;
    MYSQL_ROW            row;
    unsigned long       *len;
    unsigned long        closed;

    days = ctx->conf->auto_close_days;
    if (days < 1) {
        return 0;
    }

    now = lw_now(ctx);

    /* n working days are at least n calendar days: a cheap first cut */
    res = lw_db_query(ctx,
        "SELECT t.id, t.status, DATE_FORMAT(t.updated_at, "
        "'%Y-%m-%d %H:%i:%s'), DATE_FORMAT(" LW_CLOSE_SINCE ", "
        "'%Y-%m-%d %H:%i:%s') AS since FROM tickets t "
        "WHERE t.status IN ('answered', 'replied') "
        "AND COALESCE(t.replied_at, t.created_at) <= $t "
        "HAVING since <= $t ORDER BY t.id LIMIT $u",
        now - (time_t) days * 86400, now - (time_t) days * 86400,
        (unsigned long long) LW_CLOSE_BATCH);

    if (res == NULL) {
        lw_log(LW_LOG_ERROR, "auto-close: %s", lw_db_error(ctx));
        return -1;
    }

    rc = 0;
    closed = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        if (row[2] == NULL || row[3] == NULL
            || lsn_parse_datetime(row[3], len[3], &since) != 0)
        {
            continue;
        }

        at = lsn_calendar_add_working_days(ctx->cal, since, days, NULL);
        if (at > now) {
            continue;
        }

        if (lw_close_ticket(ctx, strtoull(row[0], NULL, 10), row[1], row[2],
                            days, now)
            != 0)
        {
            rc = -1;
            break;
        }

        closed++;
    }

    mysql_free_result(res);

    if (closed > 0) {
        lw_log(LW_LOG_INFO, "auto-close: %lu requests closed after %d "
               "working days without a follow-up", closed, days);
    }

    return rc;
}


static int
lw_close_ticket(lw_ctx_t *ctx, unsigned long long id, const char *status,
    const char *updated, int days, time_t now)
{
    int         rc;
    char        note[160], sms[320];
    lw_buf_t    sql;
    long long   n;

    snprintf(note, sizeof(note), "%s后%d个工作日内未收到补充，系统自动办结",
             strcmp(status, "answered") == 0 ? "答复" : "回复", days);

    lw_buf_init(&sql);
    rc = -1;

    if (lw_db_begin(ctx) != 0) {
        goto failed;
    }

    lw_buf_sql(&sql, "UPDATE tickets SET status = 'closed', closed_at = $t, "
               "updated_at = $t WHERE id = $u AND status = $z "
               "AND updated_at = $z", now, now, id, status, updated);

    if (sql.failed || (n = lw_db_raw(ctx, sql.data, sql.len)) < 0) {
        goto failed;
    }

    if (n == 0) {
        /* a follow-up or a staff action meanwhile */
        lw_db_rollback(ctx);
        rc = 0;
        goto done;
    }

    lw_buf_reset(&sql);
    lw_buf_sql(&sql, "INSERT INTO ticket_events (ticket_id, type, "
               "actor_kind, status_from, status_to, note, public, "
               "created_at) VALUES ($u, 'closed', 'system', $z, 'closed', "
               "$z, 1, $t)", id, status, note, now);

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto failed;
    }

    /* the owner on WeChat: the template of the reply's subscribe message */
    lw_buf_reset(&sql);
    lw_buf_adds(&sql, LSN_OUTBOX_INSERT);
    lw_buf_sql(&sql,
        "SELECT $z, l.openid, " LW_CLOSE_TEMPLATE ", "
        "JSON_OBJECT('data', JSON_OBJECT('character_string1', t.ticket_no, "
        "'phrase2', '已办结', 'thing3', $z, "
        "'time4', DATE_FORMAT($t, '%Y-%m-%d %H:%i')), "
        "'page', CONCAT('" LSN_PAGE_TICKET "', t.ticket_no)), t.id, $z, "
        "$t, $t FROM tickets t JOIN litigants l ON l.id = t.owner_litigant_id "
        "WHERE t.id = $u AND l.openid IS NOT NULL "
        "AND " LW_CLOSE_TEMPLATE " IS NOT NULL",
        lsn_outbox_channels[LSN_CH_WX_SUBSCRIBE], "超期未补充，已自动办结",
        now, lsn_outbox_kinds[LSN_KIND_TICKET_CLOSED], now, now, id);

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0) {
        goto failed;
    }

    /* else an SMS to the contact mobile */
    snprintf(sms, sizeof(sms), "%s后%d个工作日内未收到补充，已办结。"
             "如有疑问，可在7日内凭编号和查询码补充信息，也可评价办理情况。",
             strcmp(status, "answered") == 0 ? "答复" : "回复", days);

    lw_buf_reset(&sql);
    lw_buf_adds(&sql, LSN_OUTBOX_INSERT);
    lw_buf_sql(&sql,
        "SELECT $z, t.contact_phone, NULL, JSON_OBJECT('text', "
        "CONCAT('【诉讼服务】您的诉求（编号 ', t.ticket_no, '）', $z)), "
        "t.id, $z, "
        "$t, $t FROM tickets t LEFT JOIN litigants l "
        "ON l.id = t.owner_litigant_id WHERE t.id = $u "
        "AND t.contact_phone REGEXP '^1[3-9][0-9]{9}$$' "
        "AND (l.openid IS NULL OR " LW_CLOSE_TEMPLATE " IS NULL)",
        lsn_outbox_channels[LSN_CH_SMS], sms,
        lsn_outbox_kinds[LSN_KIND_TICKET_CLOSED], now, now, id);

    if (sql.failed || lw_db_raw(ctx, sql.data, sql.len) < 0
        || lw_db_commit(ctx) != 0)
    {
        goto failed;
    }

    lw_log(LW_LOG_INFO, "auto-close: ticket #%llu closed (%s, no follow-up "
           "for %d working days)", id, status, days);
    rc = 0;
    goto done;

failed:

    lw_log(LW_LOG_ERROR, "auto-close: ticket #%llu: %s", id,
           sql.failed ? "out of memory" : lw_db_error(ctx));
    lw_db_rollback(ctx);

done:

    lw_buf_free(&sql);

    return rc;
}
