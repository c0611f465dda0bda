
/*
 * Copyright (C) Liaison authors
 *
 * A17 special supervision started by the module.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_supervision.h"
#include "lsn_caseno.h"


#define NGX_HTTP_LIAISON_SUPERVISED_NOTE  "，列入专项督办"


void
ngx_http_liaison_supervise(ngx_http_liaison_ctx_t *ctx, ngx_str_t *tickets,
    ngx_str_t *ids, lsn_supervise_reason_e reason, ngx_str_t *why,
    uint64_t actor, ngx_str_t *note, ngx_uint_t event)
{
    u_char      *p;
    ngx_str_t    text;
    const char  *sep;

    static ngx_str_t  listed = ngx_string(LSN_SUPERVISE_LISTED);

    sep = ";";

    if (ids) {
        /*
         * Read once; then each statement takes them by primary key, and
         * only when there are any: most complaints start nothing, and
         * the statements skipped are never optimized.
         */
        ngx_http_liaison_sql(ctx, ";" LSN_SUPERVISE_UPDATE_IDS);
        ngx_http_liaison_buf_raw(&ctx->sql, ids->data, ids->len);
        ngx_http_liaison_sql(ctx, ") s;IF @lsn_supervise IS NOT NULL THEN ");
        tickets = &listed;
        sep = "";
    }

    if (event) {
        if (note == NULL) {
            text.data = ngx_pnalloc(ctx->r->pool, why->len
                                    + sizeof(NGX_HTTP_LIAISON_SUPERVISED_NOTE));
            if (text.data == NULL) {
                ctx->sql.failed = 1;
                return;
            }

            p = ngx_cpymem(text.data, why->data, why->len);
            p = ngx_cpymem(p, NGX_HTTP_LIAISON_SUPERVISED_NOTE,
                           sizeof(NGX_HTTP_LIAISON_SUPERVISED_NOTE) - 1);
            text.len = p - text.data;
            note = &text;
        }

        ngx_http_liaison_sql(ctx, sep);
        ngx_http_liaison_sql(ctx, LSN_SUPERVISE_EVENT,
                             actor ? "staff" : "system",
                             (unsigned long long) actor,
                             note->data, note->len, ctx->now);
        ngx_http_liaison_buf_raw(&ctx->sql, tickets->data, tickets->len);
        sep = ";";
    }

    /* the alert before the mark: it goes to tickets not yet supervised */
    ngx_http_liaison_sql(ctx, sep);
    ngx_http_liaison_sql(ctx, LSN_OUTBOX_INSERT);
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

    if (ids) {
        ngx_http_liaison_sql(ctx, ";" LSN_SUPERVISE_UPDATE_LISTED, "$[*]", "$",
                             ctx->now, lsn_supervise_reasons[reason]);
        ngx_http_liaison_sql(ctx, ";END IF");
        return;
    }

    ngx_http_liaison_sql(ctx, ";" LSN_SUPERVISE_UPDATE, ctx->now,
                         lsn_supervise_reasons[reason]);
    ngx_http_liaison_buf_raw(&ctx->sql, tickets->data, tickets->len);
}


void
ngx_http_liaison_supervise_complaints(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *phone, const char *case_no, uint64_t owner,
    ngx_uint_t verified)
{
    u_char                  *k, why[64];
    time_t                   since;
    ngx_str_t                key[3], ids, reason;
    ngx_uint_t               i, n;
    ngx_http_liaison_buf_t   b;

    since = ctx->now - ctx->mcf->supervise_window;
    n = 0;

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

    /*
     * The intake runs READ COMMITTED (no gap locks to deadlock on): the
     * matter's earlier complaints are locked first, so that concurrent
     * complaints about it count one after the other, each seeing the
     * other's key once it committed.
     */
    ngx_http_liaison_sql(ctx,
        ";SELECT MIN(ticket_id) FROM complaint_keys WHERE match_key IN (");

    for (i = 0; i < n; i++) {
        ngx_http_liaison_sql_sep(ctx, i, ", ");
        ngx_http_liaison_sql(ctx, "$s", key[i].data, key[i].len);
    }

    ngx_http_liaison_sql(ctx, ") FOR UPDATE");

    /* the complaint's keys: the ticket the intake wrote (@lsn_ticket) */
    for (i = 0; i < n; i++) {
        ngx_http_liaison_sql(ctx,
            i ? ", ($s, @lsn_ticket, $u, $t)"
              : ";INSERT INTO complaint_keys (match_key, ticket_id, "
                "verified, created_at) VALUES ($s, @lsn_ticket, $u, $t)",
            key[i].data, key[i].len, (unsigned long long) (verified != 0),
            ctx->now);
    }

    /* the complaints about a matter that reached the count in the window */
    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 512);

    ngx_http_liaison_buf_lit(&b,
        "SELECT k.ticket_id FROM complaint_keys k "
        "JOIN (SELECT match_key FROM complaint_keys WHERE match_key IN (");

    for (i = 0; i < n; i++) {
        ngx_http_liaison_buf_sep(&b, i, ", ");
        ngx_http_liaison_buf_sql(&b, "$s", key[i].data, key[i].len);
    }

    ngx_http_liaison_buf_sql(&b,
        ") AND created_at >= $t GROUP BY match_key "
        "HAVING SUM(verified) >= $u) m "
        "ON m.match_key = k.match_key WHERE k.created_at >= $t",
        since, (unsigned long long) ctx->mcf->supervise_count, since);

    if (ngx_http_liaison_buf_str(&b, &ids) != NGX_OK) {
        ctx->sql.failed = 1;
        return;
    }

    reason.data = why;
    reason.len = lsn_supervise_reason_zh(LSN_SUPERVISE_COMPLAINTS, 0,
                                         (char *) why, sizeof(why));

    ngx_http_liaison_supervise(ctx, NULL, &ids, LSN_SUPERVISE_COMPLAINTS,
                               &reason, 0, NULL, 1);
}
