/*
 * liaison-worker: the working-day calendar (calendar_years, calendar_days,
 * loaded by `liaison-admin calendar-sql`) and the missing-calendar alert.
 *
 * The State Council publishes next year's holidays around November.  From
 * 1 December on, while next year is not loaded (or whenever this year is
 * not), the worker alerts the administrators (staff whose role is in
 * alert_roles) by SMS and WeCom once on every working day, until someone
 * loads it: the day counts are otherwise weekends-only guesses.  One
 * system_alerts row per day (UNIQUE (kind, day)) keeps it to one alert a
 * day, whatever number of workers run.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw.h"


int
lw_calendar_load(lw_ctx_t *ctx)
{
    int             years, days;
    MYSQL_ROW       row;
    MYSQL_RES      *res;
    unsigned long  *len;

    res = lw_db_query(ctx, "SELECT year FROM calendar_years");
    if (res == NULL) {
        return -1;
    }

    lsn_calendar_init(ctx->cal);
    years = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        lsn_calendar_set_year_loaded(ctx->cal, atoi(row[0]));
        years++;
    }

    mysql_free_result(res);

    res = lw_db_query(ctx, "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind "
                      "FROM calendar_days");
    if (res == NULL) {
        return -1;
    }

    days = 0;

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        if (lsn_calendar_set_day(ctx->cal, row[0], len[0],
                                 strcmp(row[1], "work") == 0
                                 ? LSN_DAY_WORK : LSN_DAY_OFF) == 0)
        {
            days++;
        }
    }

    mysql_free_result(res);

    lw_log(LW_LOG_DEBUG, "calendar: %d years, %d listed days", years, days);

    return 0;
}


int
lw_calendar_alert(lw_ctx_t *ctx)
{
    int          missing;
    long         n;
    char         day[16], text[512], roles[256], *p, *q;
    time_t       now;
    lw_buf_t     where;
    long long    inserted;
    lsn_civil_t  cv;

    if (!ctx->conf->calendar_alert) {
        return 0;
    }

    now = lw_now(ctx);
    lsn_civil_from_time(now, &cv);

    missing = 0;

    if (!lsn_calendar_year_loaded(ctx->cal, cv.year)) {
        missing = cv.year;

    } else if (cv.month == 12
               && !lsn_calendar_year_loaded(ctx->cal, cv.year + 1))
    {
        missing = cv.year + 1;
    }

    if (missing == 0
        || !lsn_calendar_is_working_day(ctx->cal, cv.year, cv.month,
                                        cv.day))
    {
        return 0;
    }

    snprintf(day, sizeof(day), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
    snprintf(text, sizeof(text),
             "【系统提醒】%d年法定节假日和调休上班安排尚未导入诉讼服务平台，"
             "工作日暂按周末推算，办理时限和督办时间可能不准。"
             "请管理员尽快导入国务院办公厅公布的%d年节假日安排。",
             missing, missing);

    /* "a, b" -> "a,b" for FIND_IN_SET */
    for (p = ctx->conf->alert_roles, q = roles;
         *p != '\0' && q < roles + sizeof(roles) - 1; p++)
    {
        if (*p != ' ' && *p != '\t') {
            *q++ = *p;
        }
    }

    *q = '\0';

    if (lw_db_begin(ctx) != 0) {
        return -1;
    }

    inserted = lw_db_exec(ctx, "INSERT IGNORE INTO system_alerts (kind, day, "
                          "detail, created_at) VALUES ('calendar_missing', "
                          "$z, $z, $t)", day, text, now);
    if (inserted < 0) {
        lw_db_rollback(ctx);
        return -1;
    }

    if (inserted == 0) {
        /* today's alert went out already */
        lw_db_commit(ctx);
        return 0;
    }

    lw_buf_init(&where);
    lw_buf_sql(&where, "FIND_IN_SET(s.role, $z) > 0", roles);

    n = where.failed ? -1 : lw_outbox_staff(ctx, LSN_KIND_CALENDAR_MISSING,
                                            text, where.data, NULL);
    lw_buf_free(&where);

    if (n < 0 || lw_db_commit(ctx) != 0) {
        lw_db_rollback(ctx);
        return -1;
    }

    if (n == 0) {
        lw_log(LW_LOG_ERROR, "the working-day calendar of %d is not loaded "
               "and no administrator (roles %s) has a mobile or WeCom id to "
               "alert", missing, roles);

    } else {
        lw_log(LW_LOG_WARN, "the working-day calendar of %d is not loaded: "
               "%ld alert message(s) queued for the administrators",
               missing, n);
    }

    return 0;
}
