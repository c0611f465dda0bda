
/*
 * Copyright (C) Liaison authors
 *
 * Triage: the rules of liaison_triage_rules over a request's text.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_prepared.h"
#include "ngx_http_liaison_outbox.h"
#include "ngx_http_liaison_triage.h"
#include "lsn_text.h"


/* characters of the request quoted in an alert */
#define NGX_HTTP_LIAISON_ALERT_QUOTE  40


static void ngx_http_liaison_triage_cleanup(void *data);


static void
ngx_http_liaison_triage_cleanup(void *data)
{
    lsn_triage_free(data);
}


/* liaison_triage_rules PATH; compiled here, once per configuration. */

char *
ngx_http_liaison_triage_rules(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    char                 err[512];
    ngx_str_t           *value, name;
    ngx_pool_cleanup_t  *cln;

    if (mcf->lit.triage_file.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->lit.triage = lsn_triage_load((char *) name.data, err, sizeof(err));
    if (mcf->lit.triage == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_triage_rules\": %s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_liaison_triage_cleanup;
    cln->data = mcf->lit.triage;
    mcf->lit.triage_file = name;

    return NGX_CONF_OK;
}


void
ngx_http_liaison_triage_run(ngx_http_liaison_ctx_t *ctx, int category,
    ngx_str_t *text, lsn_triage_result_t *res)
{
    size_t  i;

    if (lsn_triage_classify(ctx->mcf->lit.triage, category,
                            (char *) text->data, text->len, res)
        != 0)
    {
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: triage failed, the category decides");
    }

    for (i = 0; i < res->nrisks; i++) {
        ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                      "liaison: risk signal \"%s\" (rule %s)",
                      res->risks[i]->label, res->risks[i]->id);
    }
}


ngx_int_t
ngx_http_liaison_triage_risks(ngx_pool_t *pool, lsn_triage_result_t *res,
    ngx_str_t *list)
{
    u_char  *p, *last;
    size_t   i, n;

    list->len = 0;
    list->data = ngx_pnalloc(pool, 256);
    if (list->data == NULL) {
        return NGX_ERROR;
    }

    p = list->data;
    last = p + 255;

    for (i = 0; i < res->nrisks; i++) {
        n = ngx_strlen(res->risks[i]->id);

        if (p + n + (i ? 1 : 0) > last) {
            break;
        }

        if (i) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, res->risks[i]->id, n);
    }

    list->len = p - list->data;

    return NGX_OK;
}


void
ngx_http_liaison_triage_columns(ngx_http_liaison_ctx_t *ctx,
    lsn_triage_result_t *res)
{
    ngx_str_t    risks;
    const char  *rule;

    if (ngx_http_liaison_triage_risks(ctx->r->pool, res, &risks) != NGX_OK) {
        ctx->sql.failed = 1;
        return;
    }

    rule = res->track_rule ? res->track_rule->id : NULL;

    ngx_http_liaison_sql(ctx, "$s, $i, $s",
                         rule, rule ? ngx_strlen(rule) : 0,
                         (long long) (res->nrisks > 0),
                         res->nrisks ? risks.data : NULL, risks.len);
}


void
ngx_http_liaison_triage_hits(ngx_http_liaison_ctx_t *ctx,
    uint64_t ticket_id, lsn_triage_result_t *res, ngx_uint_t message)
{
    size_t             i, n;
    const lsn_rule_t  *hits[LSN_TRIAGE_MAX_HITS + 1];

    n = 0;

    if (res->track_rule && !message) {
        hits[n++] = res->track_rule;
    }

    for (i = 0; i < res->nrisks; i++) {
        hits[n++] = res->risks[i];
    }

    /* a row each by value: no read of the ticket, nothing to optimize */

    for (i = 0; i < n; i++) {
        ngx_http_liaison_sql(ctx, ";");
        ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_TRIAGE_HIT,
                                     "$u, $u, $z, $z, $z, $t",
                                     (unsigned long long) ticket_id,
                                     (unsigned long long) message,
                                     hits[i]->id,
                                     lsn_rule_action_name(hits[i]->action),
                                     hits[i]->label, ctx->now);
    }
}


void
ngx_http_liaison_triage_risk(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, uint64_t ticket_id, lsn_triage_result_t *res,
    ngx_str_t *text, ngx_uint_t open_risk)
{
    int                cut;
    u_char            *p, *last;
    size_t             i, n;
    ngx_str_t          labels, alert;
    lsn_risk_level_e   level;

    if (res->nrisks == 0) {
        return;
    }

    labels.data = ngx_pnalloc(ctx->r->pool, 256);
    alert.data = ngx_pnalloc(ctx->r->pool, 512 + text->len);
    if (labels.data == NULL || alert.data == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    /* "自伤自杀、威胁言论" and the highest level among the rules hit */
    p = labels.data;
    last = p + 256;
    level = LSN_RISK_LOW;

    for (i = 0; i < res->nrisks; i++) {
        p = ngx_slprintf(p, last, i ? "、%s" : "%s",
                         lsn_risk_label_zh(res->risks[i]->label));

        if (res->risks[i]->level > level) {
            level = res->risks[i]->level;
        }
    }

    labels.len = p - labels.data;

    n = lsn_utf8_prefix((char *) text->data, text->len,
                        NGX_HTTP_LIAISON_ALERT_QUOTE, &cut);

    p = ngx_sprintf(alert.data,
                    "【诉讼服务风险预警】诉求 %s 出现“%V”风险信号（%s），"
                    "原文：%*s%s。请立即接单排查处置。",
                    ticket_no, &labels, lsn_risk_level_zh(level), n,
                    text->data, cut ? "……" : "");
    alert.len = p - alert.data;

    if (!open_risk) {
        ngx_http_liaison_sql(ctx, ";");
        ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_RISK_OPENED,
                                     "$u, $z, $z, $s, $t, $t",
                                     (unsigned long long) ticket_id,
                                     lsn_risk_levels[level],
                                     res->risks[0]->id,
                                     labels.data, labels.len,
                                     ctx->now, ctx->now);
        ngx_http_liaison_sql(ctx, ";");
        ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_RISK_RECEIVED,
                                     "$s, $t", labels.data, labels.len,
                                     ctx->now);
    }

    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_RISK_SIGNAL,
                                 "$u, $s, $t", (unsigned long long) ticket_id,
                                 labels.data, labels.len, ctx->now);

    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_RISK_ALERT,
        "$z, $s, $u, $z, $t, $t, $z, $s, $u, $z, $t, $t",
        lsn_outbox_channels[LSN_CH_SMS], alert.data, alert.len,
        (unsigned long long) ticket_id, lsn_outbox_kinds[LSN_KIND_RISK_ALERT],
        ctx->now, ctx->now,
        lsn_outbox_channels[LSN_CH_WECOM], alert.data, alert.len,
        (unsigned long long) ticket_id, lsn_outbox_kinds[LSN_KIND_RISK_ALERT],
        ctx->now, ctx->now);
}

