
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


void
ngx_http_liaison_outbox_reply(ngx_http_liaison_ctx_t *ctx,
    uint64_t ticket_id, ngx_str_t *reply)
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
        "'page', CONCAT('pages/ticket/detail?ticket_no=', t.ticket_no)), "
        "t.id, $z, $t, $t "
        "FROM tickets t JOIN litigants l ON l.id = t.owner_litigant_id "
        "WHERE t.id = $u",
        lsn_outbox_channels[LSN_CH_WX_SUBSCRIBE],
        lcf->wx_template_reply.len ? (char *) lcf->wx_template_reply.data
                                   : NULL,
        lcf->wx_template_reply.len,
        reply->data, reply->len, ctx->now,
        lsn_outbox_kinds[LSN_KIND_TICKET_REPLY], ctx->now, ctx->now,
        (unsigned long long) ticket_id);
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


/* the case-filing division's people, as a condition on staff s */
#define NGX_HTTP_LIAISON_DIVISION                                             \
    "s.active = 1 AND (s.role IN ('filing_admin', 'platform_staff') "        \
    "OR s.id IN (SELECT leader_staff_id FROM departments "                   \
    "WHERE kind = 'filing'))"

void
ngx_http_liaison_outbox_division(ngx_http_liaison_ctx_t *ctx,
    lsn_kind_e kind, const char *ticket_no, ngx_str_t *text)
{
    ngx_http_liaison_sql(ctx,
        ";" LSN_OUTBOX_INSERT
        "SELECT $z, s.mobile, NULL, " LSN_OUTBOX_TEXT("$s") ", "
        "(SELECT id FROM tickets WHERE ticket_no = $z), $z, $t, $t "
        "FROM staff s "
        "WHERE " NGX_HTTP_LIAISON_DIVISION " AND s.mobile IS NOT NULL "
        "UNION ALL "
        "SELECT $z, s.wecom_userid, NULL, " LSN_OUTBOX_TEXT("$s") ", "
        "(SELECT id FROM tickets WHERE ticket_no = $z), $z, $t, $t "
        "FROM staff s "
        "WHERE " NGX_HTTP_LIAISON_DIVISION " AND s.wecom_userid IS NOT NULL",
        lsn_outbox_channels[LSN_CH_SMS], text->data, text->len, ticket_no,
        lsn_outbox_kinds[kind], ctx->now, ctx->now,
        lsn_outbox_channels[LSN_CH_WECOM], text->data, text->len, ticket_no,
        lsn_outbox_kinds[kind], ctx->now, ctx->now);
}
