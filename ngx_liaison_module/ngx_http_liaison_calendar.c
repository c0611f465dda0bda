
/*
 * Copyright (C) Liaison authors
 *
 * The working-day calendar, cached per worker process and refreshed from
 * the calendar tables every few minutes, so that a newly loaded year is
 * seen without a reload.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_calendar.h"


#define NGX_HTTP_LIAISON_CALENDAR_TTL  (5 * 60 * 1000)


static void ngx_http_liaison_calendar_loaded(ngx_http_liaison_db_op_t *op);


void
ngx_http_liaison_calendar_ready(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next)
{
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ctx->mcf;
    ctx->next = next;

    if (mcf->calendar_loaded
        && ngx_current_msec - mcf->calendar_loaded
           < NGX_HTTP_LIAISON_CALENDAR_TTL)
    {
        next(ctx);
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT year FROM calendar_years;"
        "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind FROM calendar_days");

    ngx_http_liaison_run(ctx, ngx_http_liaison_calendar_loaded);
}


static void
ngx_http_liaison_calendar_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                      row;
    ngx_int_t                      year;
    unsigned long                 *len;
    lsn_calendar_t                *cal;
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ctx->mcf;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        if (mcf->calendar_loaded) {
            /* keep serving from the copy we have */
            ngx_log_error(NGX_LOG_WARN, op->log, 0,
                          "liaison: calendar refresh failed, "
                          "using the cached calendar");
            ctx->next(ctx);
            return;
        }

        ngx_http_liaison_db_error(ctx);
        return;
    }

    cal = mcf->calendar;
    lsn_calendar_init(cal);

    while ((row = mysql_fetch_row(op->res[0])) != NULL) {
        len = mysql_fetch_lengths(op->res[0]);
        year = ngx_atoi((u_char *) row[0], len[0]);
        if (year > 0) {
            lsn_calendar_set_year_loaded(cal, (int) year);
        }
    }

    while ((row = mysql_fetch_row(op->res[1])) != NULL) {
        len = mysql_fetch_lengths(op->res[1]);

        if (lsn_calendar_set_day(cal, row[0], len[0],
                                 row[1][0] == 'w' ? LSN_DAY_WORK : LSN_DAY_OFF)
            != 0)
        {
            ngx_log_error(NGX_LOG_WARN, op->log, 0,
                          "liaison: bad calendar day \"%s\"", row[0]);
        }
    }

    mcf->calendar_loaded = ngx_current_msec ? ngx_current_msec : 1;

    ctx->next(ctx);
}
