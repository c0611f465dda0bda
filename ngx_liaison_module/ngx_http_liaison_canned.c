
/*
 * Copyright (C) Liaison authors
 *
 * The canned answers that may answer on receipt, cached per worker
 * process like the working-day calendar.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_canned.h"


/*
 * An edit made through another worker process (or node) is seen within
 * this; loading the set is one small query.
 */
#define NGX_HTTP_LIAISON_CANNED_TTL  (60 * 1000)


static void ngx_http_liaison_canned_loaded(ngx_http_liaison_db_op_t *op);


void
ngx_http_liaison_canned_ready(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next)
{
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ctx->mcf;
    ctx->next = next;

    if (mcf->canned_loaded
        && ngx_current_msec - mcf->canned_loaded
           < NGX_HTTP_LIAISON_CANNED_TTL)
    {
        next(ctx);
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT id, category, keywords, body FROM canned_answers "
        "WHERE active = 1 AND auto = 1 AND keywords <> ''");

    ngx_http_liaison_run(ctx, ngx_http_liaison_canned_loaded);
}


static void
ngx_http_liaison_canned_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    int                            category;
    char                           err[256];
    uint64_t                       id;
    MYSQL_ROW                      row;
    unsigned long                 *len;
    lsn_canned_t                  *set;
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ctx->mcf;

    if (op->rc != NGX_OK || op->nstmts != 1) {
        ngx_log_error(NGX_LOG_WARN, op->log, 0,
                      "liaison: loading the canned answers failed, %s",
                      mcf->canned ? "using the cached ones"
                                  : "none answers on receipt");
        ctx->next(ctx);
        return;
    }

    set = lsn_canned_create();
    if (set == NULL) {
        ngx_log_error(NGX_LOG_WARN, op->log, 0,
                      "liaison: no memory for the canned answers");
        ctx->next(ctx);
        return;
    }

    while ((row = mysql_fetch_row(op->res[0])) != NULL) {
        len = mysql_fetch_lengths(op->res[0]);
        id = ngx_http_liaison_row_id(row, len, 0);
        category = lsn_category_index(row[1], len[1]);

        if (id == 0 || category < 0
            || lsn_canned_add(set, (unsigned long) id, category, row[2],
                              len[2], row[3], len[3], err, sizeof(err))
               != 0)
        {
            /* written around the API's checks: that answer only is left
               out */
            ngx_log_error(NGX_LOG_WARN, op->log, 0,
                          "liaison: canned answer %uL left out: bad "
                          "category or keywords", id);
        }
    }

    lsn_canned_free(mcf->canned);
    mcf->canned = set;
    mcf->canned_loaded = ngx_current_msec ? ngx_current_msec : 1;

    ctx->next(ctx);
}


void
ngx_http_liaison_canned_changed(ngx_http_liaison_main_conf_t *mcf)
{
    mcf->canned_loaded = 0;
}
