
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
ngx_http_liaison_supervise_complaints(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *phone, const char *case_no, uint64_t owner,
    ngx_uint_t verified)
{
    u_char      *k, why[64];
    time_t       since;
    ngx_str_t    key[3], reason, note;
    ngx_uint_t   i, n;

    since = ctx->now - ctx->mcf->supervise_window;
    n = 0;
    ngx_memzero(key, sizeof(key));

    k = ngx_pnalloc(ctx->r->pool, 3 * (LSN_CASENO_MAX + 24));
    if (k == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    if (phone->len) {
        key[n].data = k;
        k = ngx_sprintf(k, "p:%V", phone);
        key[n].len = k - key[n].data;
        n++;
    }

    if (case_no) {
        key[n].data = k;
        k = ngx_sprintf(k, "c:%s", case_no);
        key[n].len = k - key[n].data;
        n++;
    }

    if (owner) {
        key[n].data = k;
        k = ngx_sprintf(k, "l:%uL", owner);
        key[n].len = k - key[n].data;
        n++;
    }

    if (n == 0) {
        return;
    }

    reason.data = why;
    reason.len = lsn_supervise_reason_zh(LSN_SUPERVISE_COMPLAINTS, 0,
                                         (char *) why, sizeof(why));

    if (ngx_http_liaison_supervised_note(ctx, &reason, &note) != NGX_OK) {
        return;
    }

    /*
     * Prepared statements (_prepared.c), the keys three values, NULL for
     * those the complaint has not.  The intake runs READ COMMITTED (no
     * gap locks to deadlock on): the matter's earlier complaints are
     * locked first, so that concurrent complaints about it count one
     * after the other, each seeing the other's key once it committed.
     */
    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_COMPLAINT_LOCK,
                                 "$s, $s, $s", key[0].data, key[0].len,
                                 key[1].data, key[1].len,
                                 key[2].data, key[2].len);

    for (i = 0; i < n; i++) {
        ngx_http_liaison_sql(ctx, ";");
        ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_COMPLAINT_KEY,
                                     "$s, $u, $t", key[i].data, key[i].len,
                                     (unsigned long long) (verified != 0),
                                     ctx->now);
    }

    /*
     * The complaints about a matter that reached the count in the window,
     * read once into @lsn_supervise; the event, the alert and the mark
     * take them by primary key, and only when there are any: most
     * complaints start nothing (core/lsn_supervision.h).
     */
    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_COMPLAINT_MATTER,
        "$s, $s, $s, $t, $u, $t", key[0].data, key[0].len,
        key[1].data, key[1].len, key[2].data, key[2].len, since,
        (unsigned long long) ctx->mcf->supervise_count, since);

    ngx_http_liaison_sql(ctx, ";IF @lsn_supervise IS NOT NULL THEN ");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_SUPERVISED,
                                 "$z, $u, $s, $t", "system", 0ULL,
                                 note.data, note.len, ctx->now);
    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_SUPERVISION_ALERT,
        "$z, $s, $z, $t, $t, $z, $s, $z, $t, $t",
        lsn_outbox_channels[LSN_CH_SMS], reason.data, reason.len,
        lsn_outbox_kinds[LSN_KIND_SUPERVISION], ctx->now, ctx->now,
        lsn_outbox_channels[LSN_CH_WECOM], reason.data, reason.len,
        lsn_outbox_kinds[LSN_KIND_SUPERVISION], ctx->now, ctx->now);
    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_SUPERVISE_MARK,
        "$t, $z", ctx->now, lsn_supervise_reasons[LSN_SUPERVISE_COMPLAINTS]);
    ngx_http_liaison_sql(ctx, ";END IF");
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
