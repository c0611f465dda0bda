
/*
 * Copyright (C) Liaison authors
 *
 * The schema check: the module serves only a database whose
 * schema_migrations reach exactly the version it was built for
 * (NGX_HTTP_LIAISON_SCHEMA_VERSION, the highest sql/NNN_*.sql, generated
 * by `config`).  Each worker process checks at its first use of the
 * database, through the pool like any query; a worker that found a
 * mismatch answers 503 and checks again at most every few seconds, so
 * running the migrations brings it back without a reload.  GET /health
 * checks every time.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_metrics.h"
#include "ngx_http_liaison_schema.h"


#define NGX_HTTP_LIAISON_SCHEMA_RECHECK  5000
#define NGX_HTTP_LIAISON_SCHEMA_RELOG    60000

/* ER_NO_SUCH_TABLE: schema_migrations does not exist (an empty database) */
#define NGX_HTTP_LIAISON_ER_NO_SUCH_TABLE  1146


static void ngx_http_liaison_schema_health(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_schema_health_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_schema_gate_done(ngx_http_liaison_db_op_t *op);
static ngx_int_t ngx_http_liaison_schema_result(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_metrics_conf_t *ocf);
static void ngx_http_liaison_schema_query(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler);


static void
ngx_http_liaison_schema_query(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler)
{
    ngx_http_liaison_sql(ctx,
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    ngx_http_liaison_run(ctx, handler);
}


/*
 * Reads the version the query found into ocf; returns NGX_OK (the
 * database answered: ocf->schema says whether it matches) or NGX_ERROR
 * (no answer).
 */

static ngx_int_t
ngx_http_liaison_schema_result(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_metrics_conf_t *ocf)
{
    MYSQL_ROW                  row;
    ngx_int_t                  found;
    unsigned long             *len;
    ngx_http_liaison_db_op_t  *op;

    op = &ctx->op;
    found = -1;

    if (op->rc == NGX_OK && op->nstmts > 0 && op->res[0] != NULL) {
        row = mysql_fetch_row(op->res[0]);
        if (row != NULL && row[0] != NULL) {
            len = mysql_fetch_lengths(op->res[0]);
            found = ngx_atoi((u_char *) row[0], len[0]);
        }

    } else if (op->rc == NGX_ERROR
               && op->err_no == NGX_HTTP_LIAISON_ER_NO_SUCH_TABLE)
    {
        found = 0;
    }

    if (found < 0) {
        return NGX_ERROR;
    }

    ocf->schema_found = found;
    ocf->schema_checked = ngx_current_msec;

    if (found == NGX_HTTP_LIAISON_SCHEMA_VERSION) {
        if (ocf->schema == NGX_HTTP_LIAISON_SCHEMA_MISMATCH) {
            ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                          "liaison: the database schema is now at version "
                          "%i, as this module expects", found);
        }

        ocf->schema = NGX_HTTP_LIAISON_SCHEMA_OK;
        return NGX_OK;
    }

    if (ocf->schema != NGX_HTTP_LIAISON_SCHEMA_MISMATCH
        || ngx_current_msec - ocf->schema_logged
           >= NGX_HTTP_LIAISON_SCHEMA_RELOG)
    {
        ngx_log_error(NGX_LOG_ERR, ctx->r->connection->log, 0,
                      "liaison: database schema version mismatch: expected "
                      "%d, found %i; the API answers 503 until they match "
                      "(run \"liaison-worker migrate\", or install the "
                      "module built for version %i)",
                      NGX_HTTP_LIAISON_SCHEMA_VERSION, found, found);
        ocf->schema_logged = ngx_current_msec;
        ngx_http_liaison_metrics_schema_mismatch((ngx_cycle_t *) ngx_cycle);
    }

    ocf->schema = NGX_HTTP_LIAISON_SCHEMA_MISMATCH;

    return NGX_OK;
}


/* GET /health: the database answers and has the expected schema */

static void
ngx_http_liaison_schema_health(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_schema_query(ctx, ngx_http_liaison_schema_health_done);
}


static void
ngx_http_liaison_schema_health_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_buf_t        out;
    ngx_http_liaison_metrics_conf_t  *ocf;

    ocf = ngx_http_get_module_main_conf(ctx->r,
                                        ngx_http_liaison_metrics_module);

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 160);

    if (ngx_http_liaison_schema_result(ctx, ocf) != NGX_OK) {
        /* no connection free is not a database down: say which */
        if (op->busy
            && op->pool->stats.state != NGX_HTTP_LIAISON_DB_STATE_DOWN)
        {
            ngx_http_liaison_buf_lit(&out, "{\"status\":\"unavailable\","
                                     "\"db\":\"ok\",\"pool\":\"busy\"}");

        } else {
            ngx_http_liaison_buf_lit(&out, "{\"status\":\"unavailable\","
                                     "\"db\":\"down\"}");
        }

        ngx_http_liaison_answer(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, &out);
        return;
    }

    if (ocf->schema == NGX_HTTP_LIAISON_SCHEMA_OK) {
        ngx_http_liaison_buf_lit(&out, "{\"status\":\"ok\",\"db\":\"ok\"}");
        ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
        return;
    }

    ngx_http_liaison_buf_lit(&out, "{\"status\":\"unavailable\",\"db\":\"ok\","
                             "\"schema\":\"mismatch\",\"schema_expected\":");
    ngx_http_liaison_json_int(&out, NGX_HTTP_LIAISON_SCHEMA_VERSION);
    ngx_http_liaison_buf_lit(&out, ",\"schema_found\":");
    ngx_http_liaison_json_int(&out, ocf->schema_found);
    ngx_http_liaison_buf_lit(&out, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, &out);
}


ngx_int_t
ngx_http_liaison_schema_gate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next)
{
    ngx_http_liaison_metrics_conf_t  *ocf;

    ocf = ngx_http_get_module_main_conf(ctx->r,
                                        ngx_http_liaison_metrics_module);

    if (ocf->schema == NGX_HTTP_LIAISON_SCHEMA_OK) {
        return NGX_OK;
    }

    if (ocf->schema == NGX_HTTP_LIAISON_SCHEMA_MISMATCH
        && ngx_current_msec - ocf->schema_checked
           < NGX_HTTP_LIAISON_SCHEMA_RECHECK)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "服务暂时不可用，请稍后重试",
                               NULL);
        return NGX_DONE;
    }

    ctx->next = next;
    ngx_http_liaison_schema_query(ctx, ngx_http_liaison_schema_gate_done);

    return NGX_DONE;
}


static void
ngx_http_liaison_schema_gate_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_metrics_conf_t  *ocf;

    ocf = ngx_http_get_module_main_conf(ctx->r,
                                        ngx_http_liaison_metrics_module);

    if (ngx_http_liaison_schema_result(ctx, ocf) != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ocf->schema != NGX_HTTP_LIAISON_SCHEMA_OK) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "服务暂时不可用，请稍后重试",
                               NULL);
        return;
    }

    /* the connection goes back: the endpoint takes one as it needs */
    ngx_http_liaison_db_release(&ctx->op);

    ctx->next(ctx);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_schema_endpoints[] = {

    { ngx_string("health"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_PUBLIC, 0, NGX_HTTP_LIAISON_BODY_NONE,
      NGX_HTTP_LIAISON_UNGATED|NGX_HTTP_LIAISON_LIGHT,
      ngx_http_liaison_schema_health, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
