
/*
 * Copyright (C) Liaison authors
 *
 * A17 special supervision started by the module.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_prepared.h"
#include "ngx_http_liaison_supervision.h"
#include "lsn_caseno.h"


#define NGX_HTTP_LIAISON_SUPERVISED_NOTE  "，列入专项督办"


static ngx_int_t ngx_http_liaison_supervised_note(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *why, ngx_str_t *note);


void
ngx_http_liaison_supervise(ngx_http_liaison_ctx_t *ctx, ngx_str_t *tickets,
    lsn_supervise_reason_e reason, ngx_str_t *why, uint64_t actor,
    ngx_str_t *note, ngx_uint_t event)
{
    ngx_str_t  text;

    if (event) {
        if (note == NULL) {
            if (ngx_http_liaison_supervised_note(ctx, why, &text) != NGX_OK) {
                return;
            }

            note = &text;
        }

        ngx_http_liaison_sql(ctx, ";" LSN_SUPERVISE_EVENT,
                             actor ? "staff" : "system",
                             (unsigned long long) actor,
                             note->data, note->len, ctx->now);
        ngx_http_liaison_buf_raw(&ctx->sql, tickets->data, tickets->len);
    }

    /* the alert before the mark: it goes to tickets not yet supervised */
    ngx_http_liaison_sql(ctx, ";" LSN_OUTBOX_INSERT);
    ngx_http_liaison_sql(ctx, LSN_SUPERVISE_OUTBOX("s.mobile"),
                         lsn_outbox_channels[LSN_CH_SMS], why->data, why->len,
                         lsn_outbox_kinds[LSN_KIND_SUPERVISION],
                         ctx->now, ctx->now);
    ngx_http_liaison_buf_raw(&ctx->sql, tickets->data, tickets->len);
    ngx_http_liaison_sql(ctx, " UNION ALL ");
    ngx_http_liaison_sql(ctx, LSN_SUPERVISE_OUTBOX("s.wecom_userid"),
                         lsn_outbox_channels[LSN_CH_WECOM],
                         why->data, why->len,
                         lsn_outbox_kinds[LSN_KIND_SUPERVISION],
                         ctx->now, ctx->now);
    ngx_http_liaison_buf_raw(&ctx->sql, tickets->data, tickets->len);

    ngx_http_liaison_sql(ctx, ";" LSN_SUPERVISE_UPDATE, ctx->now,
                         lsn_supervise_reasons[reason]);
    ngx_http_liaison_buf_raw(&ctx->sql, tickets->data, tickets->len);
}


void
ngx_http_liaison_complaint_keys(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *phone, const char *case_no, uint64_t owner,
    ngx_uint_t verified)
{
    u_char      *k;
    ngx_str_t    key;
    ngx_uint_t   i;

    k = ngx_pnalloc(ctx->r->pool, LSN_CASENO_MAX + 24);
    if (k == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    /*
     * A row per key, by value, nothing read and nothing locked: whether
     * the matter reached the count is liaison-worker's to decide, from
     * the committed keys of the window (worker/lw_supervision.c).
     */
    for (i = 0; i < 3; i++) {
        key.data = k;

        if (i == 0 && phone->len) {
            key.len = ngx_sprintf(k, "p:%V", phone) - k;

        } else if (i == 1 && case_no) {
            key.len = ngx_sprintf(k, "c:%s", case_no) - k;

        } else if (i == 2 && owner) {
            key.len = ngx_sprintf(k, "l:%uL", owner) - k;

        } else {
            continue;
        }

        ngx_http_liaison_sql(ctx, ";");
        ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_COMPLAINT_KEY,
                                     "$s, $u, $t", key.data, key.len,
                                     (unsigned long long) (verified != 0),
                                     ctx->now);
    }
}


/* why, then "，列入专项督办": the supervised event's note */

static ngx_int_t
ngx_http_liaison_supervised_note(ngx_http_liaison_ctx_t *ctx, ngx_str_t *why,
    ngx_str_t *note)
{
    u_char  *p;

    note->data = ngx_pnalloc(ctx->r->pool, why->len
                             + sizeof(NGX_HTTP_LIAISON_SUPERVISED_NOTE));
    if (note->data == NULL) {
        ctx->sql.failed = 1;
        return NGX_ERROR;
    }

    p = ngx_cpymem(note->data, why->data, why->len);
    p = ngx_cpymem(p, NGX_HTTP_LIAISON_SUPERVISED_NOTE,
                   sizeof(NGX_HTTP_LIAISON_SUPERVISED_NOTE) - 1);
    note->len = p - note->data;

    return NGX_OK;
}
