
/*
 * Copyright (C) Liaison authors
 *
 * The module's messages through the outbox.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_outbox.h"
#include "ngx_http_liaison_prepared.h"
#include "lsn_text.h"


static void ngx_http_liaison_outbox_people(ngx_http_liaison_ctx_t *ctx,
    lsn_kind_e kind, const char *ticket_no, const char *text_sql,
    ngx_str_t *text, const char *from, const char *who);


void
ngx_http_liaison_outbox_content_check(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, ngx_uint_t message)
{
    if (message) {
        ngx_http_liaison_sql(ctx,
            ";" LSN_OUTBOX_INSERT
            "SELECT $z, l.openid, NULL, JSON_OBJECT('version', 2, "
            "'scene', 2, 'content', m.content, 'ticket_id', m.ticket_id, "
            "'message_id', m.id), m.ticket_id, $z, $t, $t "
            "FROM ticket_messages m JOIN litigants l "
            "ON l.id = m.author_id AND m.author_kind = 'litigant' "
            "WHERE m.id = @lsn_message AND l.openid IS NOT NULL",
            lsn_outbox_channels[LSN_CH_WX_SEC_CHECK],
            lsn_outbox_kinds[LSN_KIND_CONTENT_CHECK], ctx->now, ctx->now);
        return;
    }

    ngx_http_liaison_sql(ctx,
        ";" LSN_OUTBOX_INSERT
        "SELECT $z, l.openid, NULL, JSON_OBJECT('version', 2, 'scene', 2, "
        "'content', t.content, 'ticket_id', t.id, 'message_id', NULL), "
        "t.id, $z, $t, $t FROM tickets t "
        "JOIN litigants l ON l.id = t.owner_litigant_id "
        "WHERE t.ticket_no = $z AND l.openid IS NOT NULL",
        lsn_outbox_channels[LSN_CH_WX_SEC_CHECK],
        lsn_outbox_kinds[LSN_KIND_CONTENT_CHECK], ctx->now, ctx->now,
        ticket_no);
}


/* The reply's statement up to its condition on the ticket t. */

static void
ngx_http_liaison_outbox_reply_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *reply)
{
    ngx_http_liaison_lit_conf_t  *lcf;

    lcf = &ctx->mcf->lit;

    ngx_http_liaison_sql(ctx,
        ";" LSN_OUTBOX_INSERT
        "SELECT $z, l.openid, $s, "
        "JSON_OBJECT('data', JSON_OBJECT("
        "'character_string1', t.ticket_no, "
        "'phrase2', '已答复', "
        "'thing3', $s, "
        "'time4', DATE_FORMAT($t, '%Y-%m-%d %H:%i')), "
        "'page', CONCAT('" LSN_PAGE_TICKET "', t.ticket_no)), "
        "t.id, $z, $t, $t "
        "FROM tickets t JOIN litigants l ON l.id = t.owner_litigant_id "
        "WHERE ",
        lsn_outbox_channels[LSN_CH_WX_SUBSCRIBE],
        lcf->wx_template_reply.len ? (char *) lcf->wx_template_reply.data
                                   : NULL,
        lcf->wx_template_reply.len,
        reply->data, reply->len, ctx->now,
        lsn_outbox_kinds[LSN_KIND_TICKET_REPLY], ctx->now, ctx->now);
}


void
ngx_http_liaison_outbox_reply(ngx_http_liaison_ctx_t *ctx,
    uint64_t ticket_id, ngx_str_t *reply)
{
    ngx_http_liaison_outbox_reply_sql(ctx, reply);
    ngx_http_liaison_sql(ctx, "t.id = $u", (unsigned long long) ticket_id);
}


void
ngx_http_liaison_outbox_reply_no(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, ngx_str_t *reply)
{
    ngx_http_liaison_outbox_reply_sql(ctx, reply);
    ngx_http_liaison_sql(ctx, "t.ticket_no = $z", ticket_no);
}


void
ngx_http_liaison_outbox_owner_sms(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, lsn_kind_e kind, ngx_str_t *text)
{
    ngx_http_liaison_sql(ctx,
        ";" LSN_OUTBOX_INSERT
        "SELECT $z, t.contact_phone, NULL, " LSN_OUTBOX_TEXT("$s") ", t.id, "
        "$z, $t, $t FROM tickets t WHERE t.ticket_no = $z "
        "AND t.owner_litigant_id IS NULL "
        "AND t.contact_phone REGEXP '^1[3-9][0-9]{9}$$'",
        lsn_outbox_channels[LSN_CH_SMS], text->data, text->len,
        lsn_outbox_kinds[kind], ctx->now, ctx->now, ticket_no);
}


void
ngx_http_liaison_outbox_intake_sms(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *mobile, lsn_kind_e kind, ngx_str_t *text)
{
    if (!lsn_mobile_valid((char *) mobile->data, mobile->len)) {
        return;
    }

    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_SMS,
        "$z, $s, $s, $z, $t, $t",
        lsn_outbox_channels[LSN_CH_SMS], mobile->data, mobile->len,
        text->data, text->len, lsn_outbox_kinds[kind], ctx->now, ctx->now);
}


void
ngx_http_liaison_outbox_handlers(ngx_http_liaison_ctx_t *ctx,
    const char *ticket_no, lsn_kind_e kind)
{
    if (kind == LSN_KIND_TICKET_MESSAGE) {
        ngx_http_liaison_outbox_people(ctx, kind, ticket_no,
            NGX_HTTP_LIAISON_MESSAGE_TEXT, NULL,
            NGX_HTTP_LIAISON_HANDLERS
            " JOIN ticket_messages m ON m.id = @lsn_message", NULL);
        return;
    }

    ngx_http_liaison_outbox_people(ctx, kind, ticket_no,
                                   NGX_HTTP_LIAISON_WORK_ORDER_TEXT, NULL,
                                   NGX_HTTP_LIAISON_HANDLERS, NULL);
}


void
ngx_http_liaison_outbox_work_order(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_WORK_ORDER,
        "$z, $z, $t, $t, $z, $z, $t, $t",
        lsn_outbox_channels[LSN_CH_SMS], lsn_outbox_kinds[LSN_KIND_WORK_ORDER],
        ctx->now, ctx->now,
        lsn_outbox_channels[LSN_CH_WECOM],
        lsn_outbox_kinds[LSN_KIND_WORK_ORDER], ctx->now, ctx->now);
}


void
ngx_http_liaison_outbox_custom(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *openid, const char *text, const char *ticket_no)
{
    ngx_http_liaison_sql(ctx,
        ";" LSN_OUTBOX_INSERT
        "VALUES ($z, $s, NULL, JSON_OBJECT('touser', $s, 'msgtype', 'text', "
        "'text', JSON_OBJECT('content', $z)), "
        "(SELECT id FROM tickets WHERE ticket_no = $z), $z, $t, $t)",
        lsn_outbox_channels[LSN_CH_WX_CUSTOM],
        openid->data, openid->len, openid->data, openid->len, text,
        ticket_no, lsn_outbox_kinds[LSN_KIND_PUSH_REPLY], ctx->now, ctx->now);
}


void
ngx_http_liaison_outbox_staff(ngx_http_liaison_ctx_t *ctx, lsn_kind_e kind,
    const char *ticket_no, ngx_str_t *text, const char *who)
{
    ngx_http_liaison_outbox_people(ctx, kind, ticket_no, NULL, text,
        " FROM staff s JOIN tickets t ON s.active = 1", who);
}


/*
 * An SMS and a WeCom message to each member of staff s of from (constant
 * SQL joining the ticket t; without a ticket_no, naming s with a WHERE of
 * its own), and for whom who (a constant condition, or NULL) is true,
 * with a mobile or a WeCom id.  The text is text_sql (a constant SQL
 * expression) or text (bound).
 */

static void
ngx_http_liaison_outbox_people(ngx_http_liaison_ctx_t *ctx, lsn_kind_e kind,
    const char *ticket_no, const char *text_sql, ngx_str_t *text,
    const char *from, const char *who)
{
    ngx_uint_t  i;

    static const lsn_channel_e  channels[] = { LSN_CH_SMS, LSN_CH_WECOM };
    static const char          *columns[] = { "s.mobile", "s.wecom_userid" };

    ngx_http_liaison_sql(ctx, ";" LSN_OUTBOX_INSERT);

    for (i = 0; i < 2; i++) {
        /* the column names, texts and conditions are constants */
        ngx_http_liaison_sql_sep(ctx, i, " UNION ALL ");
        ngx_http_liaison_sql(ctx, "SELECT $z, ",
                             lsn_outbox_channels[channels[i]]);
        ngx_http_liaison_sql(ctx, columns[i]);
        ngx_http_liaison_sql(ctx, ", NULL, JSON_OBJECT('text', ");

        if (text_sql) {
            ngx_http_liaison_sql(ctx, text_sql);

        } else {
            ngx_http_liaison_sql(ctx, "$s", text->data, text->len);
        }

        ngx_http_liaison_sql(ctx, ticket_no ? "), t.id, $z, $t, $t"
                                            : "), NULL, $z, $t, $t",
                             lsn_outbox_kinds[kind], ctx->now, ctx->now);
        ngx_http_liaison_sql(ctx, from);

        if (ticket_no) {
            ngx_http_liaison_sql(ctx, " WHERE t.ticket_no = $z AND ",
                                 ticket_no);

        } else {
            ngx_http_liaison_sql(ctx, " AND ");
        }

        ngx_http_liaison_sql(ctx, columns[i]);
        ngx_http_liaison_sql(ctx, " IS NOT NULL");

        if (who) {
            ngx_http_liaison_sql(ctx, " AND (");
            ngx_http_liaison_sql(ctx, who);
            ngx_http_liaison_sql(ctx, ")");
        }
    }
}


void
ngx_http_liaison_outbox_duty(ngx_http_liaison_ctx_t *ctx, lsn_kind_e kind,
    const char *subject, const char *subject_id, const char *step,
    const char *text, const char *from)
{
    /* subject_id, text and from are constants of the code */
    ngx_http_liaison_sql(ctx,
        ";INSERT INTO duty_alerts (subject, subject_id, step, recipients, "
        "fired_at) SELECT $z, ", subject);
    ngx_http_liaison_sql(ctx, subject_id);
    ngx_http_liaison_sql(ctx, ", $z, (SELECT GROUP_CONCAT(DISTINCT s.id "
                         "ORDER BY s.id) ", step);
    ngx_http_liaison_sql(ctx, from);
    ngx_http_liaison_sql(ctx, " AND s.active = 1), $t FROM DUAL WHERE ",
                         ctx->now);
    ngx_http_liaison_sql(ctx, subject_id);
    ngx_http_liaison_sql(ctx, " > 0");

    ngx_http_liaison_outbox_people(ctx, kind, NULL, text, NULL, from,
                                   "s.active = 1");
}
