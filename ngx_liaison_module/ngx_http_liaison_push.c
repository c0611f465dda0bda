
/*
 * Copyright (C) Liaison authors
 *
 * The mini-program's message-push callback, GET|POST /wx/push (the URL
 * set in the mini-program console):
 *
 *   GET   URL verification: signature = sha1(sorted token, timestamp,
 *         nonce); the answer is echostr as received, text/plain.
 *   POST  a message, XML or JSON, in plaintext mode (signature as above)
 *         or safe mode (encrypt_type=aes: msg_signature over the
 *         envelope too, AES-256-CBC with the EncodingAESKey, the AppId
 *         checked; the previous key is tried when the current one
 *         fails).  With an EncodingAESKey configured only safe mode is
 *         accepted; without one, plaintext only when
 *         liaison_wx_push_plaintext allows it (a test or a trial: its
 *         signature does not cover the body).  A (timestamp, nonce) seen
 *         with another body within the time window is refused.
 *
 * A message is one transaction, never anything slow (WeChat gives up
 * after 5 s and retries): its row in wx_push_messages, whose unique
 * dedup_key makes a retry change nothing, and what it means:
 *
 *   subscribe_msg_popup_event   consent per template (authoritative)
 *   subscribe_msg_change_event  accept/reject from the settings page
 *   subscribe_msg_sent_event    ErrorCode 10004 (refused): rejected
 *   unsubscribe                 every consent of the user rejected
 *   text                        a wechat ticket, or a follow-up on the
 *                               sender's open one, and an automatic reply
 *                               through the outbox (channel wx_custom)
 *
 * Everything else is recorded as ignored.  The answer is "success".
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_mine.h"
#include "ngx_http_liaison_outbox.h"
#include "ngx_http_liaison_push.h"
#include "ngx_http_liaison_tickets.h"
#include "lsn_text.h"
#include "lsn_ticket.h"
#include "lsn_token.h"
#include "lsn_wxcrypt.h"
#include "lsn_wxpush.h"


#define NGX_HTTP_LIAISON_PUSH_TEXT_MAX   2000
#define NGX_HTTP_LIAISON_REOPEN_WINDOW   (7 * 86400)
/* characters of an answer on receipt quoted in its automatic reply */
#define NGX_HTTP_LIAISON_PUSH_ANSWER_QUOTE  600


typedef struct {
    lsn_wxpush_msg_t              msg;
    char                          dedup[200];
    ngx_str_t                     openid;
    ngx_str_t                     content;
    char                         *linked;      /* the ticket it went to */
    ngx_uint_t                    follow_up;
} ngx_http_liaison_push_t;


static ngx_int_t ngx_http_liaison_push_read(ngx_conf_t *cf, ngx_str_t *path,
    u_char *buf, size_t cap, size_t *len, const char *directive);
static ngx_int_t ngx_http_liaison_push_arg(ngx_http_liaison_ctx_t *ctx,
    const char *name, ngx_uint_t hex40, ngx_str_t *value);
static ngx_int_t ngx_http_liaison_push_parse(ngx_http_liaison_ctx_t *ctx,
    u_char *data, size_t len, lsn_wxpush_msg_t *m);
static ngx_int_t ngx_http_liaison_push_json(ngx_http_liaison_ctx_t *ctx,
    u_char *data, size_t len, lsn_wxpush_msg_t *m);
static ngx_int_t ngx_http_liaison_push_json_item(
    ngx_http_liaison_json_t *obj, lsn_wxpush_msg_t *m);
static ngx_int_t ngx_http_liaison_push_json_str(ngx_http_liaison_json_t *v,
    lsn_wxpush_str_t *s);
static ngx_int_t ngx_http_liaison_push_open(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_push_t *pu, ngx_str_t *timestamp, ngx_str_t *nonce);
static void ngx_http_liaison_wx_push(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_push_nonce(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *timestamp, ngx_str_t *nonce);
static void ngx_http_liaison_push_nonce_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_push_message(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_push_row_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_push_t *pu, const char *outcome);
static void ngx_http_liaison_push_consent_sql(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_push_saved(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_push_text(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_push_sender(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_push_intake_extra(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static void ngx_http_liaison_push_followup_extra(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu);
static void ngx_http_liaison_push_intake_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static void ngx_http_liaison_push_followup_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu);
static void ngx_http_liaison_push_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_push_t *pu);
static void ngx_http_liaison_push_answer(ngx_http_liaison_ctx_t *ctx,
    u_char *text, size_t len);


/* Configuration */

/*
 * A secret file read when the configuration is loaded: at most cap - 1
 * bytes, trailing white space trimmed, NUL-terminated.  The content is
 * never logged.
 */

static ngx_int_t
ngx_http_liaison_push_read(ngx_conf_t *cf, ngx_str_t *path, u_char *buf,
    size_t cap, size_t *len, const char *directive)
{
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_str_t        name;
    ngx_file_t       file;
    ngx_file_info_t  fi;

    name = *path;
    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%s\": cannot open \"%V\"", directive, &name);
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)) {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\": \"%V\" is not a regular file",
                           directive, &name);
        return NGX_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = name;
    file.log = cf->log;

    n = ngx_read_file(&file, buf, cap, 0);
    ngx_close_file(fd);

    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'
                     || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
    {
        n--;
    }

    if (n == 0 || (size_t) n >= cap) {
        ngx_explicit_memzero(buf, cap);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\": \"%V\" is empty or too long",
                           directive, &name);
        return NGX_ERROR;
    }

    buf[n] = '\0';
    *len = n;

    return NGX_OK;
}


/* liaison_wx_push_token_file path;  the Token of the console: 3..32 */

char *
ngx_http_liaison_push_token_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    u_char      buf[64];
    size_t      len, i;
    ngx_str_t  *value;

    if (mcf->push.token.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_liaison_push_read(cf, &value[1], buf, sizeof(buf), &len,
                                   "liaison_wx_push_token_file")
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < len; i++) {
        if (!((buf[i] >= '0' && buf[i] <= '9')
              || (buf[i] >= 'a' && buf[i] <= 'z')
              || (buf[i] >= 'A' && buf[i] <= 'Z')))
        {
            break;
        }
    }

    if (len < 3 || len > 32 || i != len) {
        ngx_explicit_memzero(buf, sizeof(buf));
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_push_token_file\" \"%V\": not a "
                           "message-push Token (3 to 32 letters or digits)",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->push.token.data = ngx_pnalloc(cf->pool, len + 1);
    if (mcf->push.token.data == NULL) {
        ngx_explicit_memzero(buf, sizeof(buf));
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(mcf->push.token.data, buf, len + 1);
    mcf->push.token.len = len;
    ngx_explicit_memzero(buf, sizeof(buf));

    return NGX_CONF_OK;
}


/* liaison_wx_push_aes_key_file current [previous]; */

char *
ngx_http_liaison_push_aes_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    u_char       buf[128];
    size_t       len;
    u_char      *key;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (mcf->push.has_key) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_liaison_push_read(cf, &value[i], buf, sizeof(buf), &len,
                                       "liaison_wx_push_aes_key_file")
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        key = (i == 1) ? mcf->push.aes_key : mcf->push.aes_prev;

        if (len != LSN_WX_AES_KEY_LEN
            || lsn_wx_aes_key((char *) buf, len, key) != 0)
        {
            ngx_explicit_memzero(buf, sizeof(buf));
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"liaison_wx_push_aes_key_file\" \"%V\": "
                               "not an EncodingAESKey (43 characters of "
                               "A-Z a-z 0-9 + /)", &value[i]);
            return NGX_CONF_ERROR;
        }

        ngx_explicit_memzero(buf, sizeof(buf));
    }

    mcf->push.has_key = 1;
    mcf->push.has_prev = (cf->args->nelts == 3);

    return NGX_CONF_OK;
}


char *
ngx_http_liaison_push_init_main_conf(ngx_conf_t *cf,
    ngx_http_liaison_main_conf_t *mcf)
{
    ngx_http_liaison_push_conf_t  *pcf;

    pcf = &mcf->push;

    ngx_conf_init_value(pcf->window, NGX_HTTP_LIAISON_PUSH_WINDOW);
    ngx_conf_init_value(pcf->plaintext, 0);
    ngx_conf_init_value(pcf->attach_max_size,
                        NGX_HTTP_LIAISON_ATTACH_MAX_SIZE);
    ngx_conf_init_uint_value(pcf->attach_max_count,
                             NGX_HTTP_LIAISON_ATTACH_MAX_COUNT);

    /* the bounds of the window and the size: at their directives */

    if (pcf->has_key && pcf->token.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_push_aes_key_file\" is set but "
                           "\"liaison_wx_push_token_file\" is not");
        return NGX_CONF_ERROR;
    }

    if (pcf->has_key && mcf->lit.wx_appid.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_wx_push_aes_key_file\" needs "
                           "\"liaison_wx_appid\" (safe-mode messages end "
                           "with the AppId)");
        return NGX_CONF_ERROR;
    }

    if (pcf->attach_location.data == NULL) {
        ngx_str_set(&pcf->attach_location, NGX_HTTP_LIAISON_ATTACH_LOCATION);
    }

    while (pcf->attach_location.len > 1
           && pcf->attach_location.data[pcf->attach_location.len - 1] == '/')
    {
        pcf->attach_location.len--;
    }

    if (pcf->attach_location.len < 2 || pcf->attach_location.data[0] != '/'
        || ngx_strlchr(pcf->attach_location.data,
                       pcf->attach_location.data + pcf->attach_location.len,
                       '?')
           != NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_attachment_location\": \"%V\" is not "
                           "a URI path such as \"/_liaison_files\"",
                           &pcf->attach_location);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* GET|POST /wx/push */

static void
ngx_http_liaison_wx_push(ngx_http_liaison_ctx_t *ctx)
{
    time_t                         ts;
    ngx_str_t                      timestamp, nonce, signature, echostr;
    ngx_uint_t                     i;
    ngx_http_request_t            *r;
    ngx_http_liaison_push_t       *pu;
    ngx_http_liaison_push_conf_t  *pcf;

    r = ctx->r;
    pcf = &ctx->mcf->push;

    if (pcf->token.len == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "消息推送未配置", NULL);
        return;
    }

    pu = ngx_pcalloc(r->pool, sizeof(ngx_http_liaison_push_t));
    if (pu == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = pu;

    if (ngx_http_liaison_push_arg(ctx, "timestamp", 0, &timestamp) != NGX_OK
        || ngx_http_liaison_push_arg(ctx, "nonce", 0, &nonce) != NGX_OK)
    {
        return;
    }

    ts = (timestamp.len <= 12) ? ngx_atotm(timestamp.data, timestamp.len)
                               : NGX_ERROR;

    if (ts == NGX_ERROR) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "timestamp 须为 Unix 秒数", "timestamp");
        return;
    }

    if (ts < ctx->now - pcf->window || ts > ctx->now + pcf->window) {
        ngx_http_liaison_error(ctx, NGX_HTTP_UNAUTHORIZED, "unauthenticated",
                               "时间戳不在允许的范围内", "timestamp");
        return;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {

        /* URL verification */

        if (ngx_http_liaison_push_arg(ctx, "signature", 1, &signature)
            != NGX_OK)
        {
            return;
        }

        if (!lsn_wx_signature_ok((char *) pcf->token.data,
                                 (char *) timestamp.data, (char *) nonce.data,
                                 NULL, (char *) signature.data,
                                 signature.len))
        {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "liaison: wx push verification with a bad "
                          "signature");
            ngx_http_liaison_error(ctx, NGX_HTTP_UNAUTHORIZED,
                                   "unauthenticated", "签名校验失败",
                                   "signature");
            return;
        }

        if (ngx_http_liaison_arg(r, "echostr", &echostr) != NGX_OK
            || echostr.len == 0 || echostr.len > 128)
        {
            goto bad_echostr;
        }

        for (i = 0; i < echostr.len; i++) {
            if (!ngx_http_liaison_id_char(echostr.data[i])) {
                goto bad_echostr;
            }
        }

        ngx_http_liaison_push_answer(ctx, echostr.data, echostr.len);
        return;
    }

    if (ctx->raw_body.len == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "消息为空", NULL);
        return;
    }

    if (ngx_http_liaison_push_open(ctx, pu, &timestamp, &nonce) != NGX_OK) {
        return;
    }

    ngx_http_liaison_push_nonce(ctx, &timestamp, &nonce);
    return;

bad_echostr:

    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           "echostr 须为 1 到 128 个字母、数字、_ 或 -",
                           "echostr");
}


/*
 * A query argument, NUL-terminated: timestamp (digits), nonce (letters
 * and digits), or with hex40 a signature (40 hex digits).  Answers 400
 * itself.
 */

static ngx_int_t
ngx_http_liaison_push_arg(ngx_http_liaison_ctx_t *ctx, const char *name,
    ngx_uint_t hex40, ngx_str_t *value)
{
    u_char      *p, c;
    ngx_str_t    v;
    ngx_uint_t   i;

    if (ngx_http_liaison_arg(ctx->r, name, &v) != NGX_OK || v.len == 0
        || v.len > 64 || (hex40 && v.len != 40))
    {
        goto invalid;
    }

    for (i = 0; i < v.len; i++) {
        c = v.data[i];

        if (hex40) {
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                  || (c >= 'A' && c <= 'F')))
            {
                goto invalid;
            }

        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                     || (c >= 'A' && c <= 'Z')))
        {
            goto invalid;
        }
    }

    p = ngx_pnalloc(ctx->r->pool, v.len + 1);
    if (p == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    ngx_memcpy(p, v.data, v.len);
    p[v.len] = '\0';
    value->data = p;
    value->len = v.len;

    return NGX_OK;

invalid:

    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           "缺少或无效的签名参数", name);
    return NGX_ERROR;
}


/*
 * Checks the signature and opens the envelope in safe mode; the message
 * ends up parsed and checked in pu->msg.  Answers errors itself.
 */

static ngx_int_t
ngx_http_liaison_push_open(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_push_t *pu, ngx_str_t *timestamp, ngx_str_t *nonce)
{
    long                           n;
    u_char                        *plain, *enc;
    ngx_str_t                      v, signature;
    const char                    *err;
    ngx_uint_t                     aes;
    ngx_http_request_t            *r;
    ngx_http_liaison_push_conf_t  *pcf;

    r = ctx->r;
    pcf = &ctx->mcf->push;

    aes = (ngx_http_liaison_arg(r, "encrypt_type", &v) == NGX_OK
           && v.len == 3 && ngx_strncmp(v.data, "aes", 3) == 0);

    if (pcf->has_key && !aes) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "须使用安全模式（encrypt_type=aes）",
                               "encrypt_type");
        return NGX_ERROR;
    }

    if (aes && !pcf->has_key) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "安全模式未配置", NULL);
        return NGX_ERROR;
    }

    if (!aes && !pcf->plaintext) {
        /* without the envelope nothing signs the body */
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "liaison: wx push in plaintext mode refused "
                      "(liaison_wx_push_plaintext is off)");
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "须使用安全模式（encrypt_type=aes）",
                               "encrypt_type");
        return NGX_ERROR;
    }

    if (ngx_http_liaison_push_arg(ctx, aes ? "msg_signature" : "signature",
                                  1, &signature)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_liaison_push_parse(ctx, ctx->raw_body.data,
                                    ctx->raw_body.len, &pu->msg)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!aes) {
        if (!lsn_wx_signature_ok((char *) pcf->token.data,
                                 (char *) timestamp->data,
                                 (char *) nonce->data, NULL,
                                 (char *) signature.data, signature.len))
        {
            goto bad_signature;
        }

        goto check;
    }

    if (pu->msg.encrypt.p == NULL || pu->msg.encrypt.len == 0
        || pu->msg.encrypt.len > 65536)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "安全模式的消息缺少 Encrypt", "Encrypt");
        return NGX_ERROR;
    }

    enc = ngx_pnalloc(r->pool, pu->msg.encrypt.len + 1);
    plain = ngx_pnalloc(r->pool, pu->msg.encrypt.len + 1);
    if (enc == NULL || plain == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    ngx_memcpy(enc, pu->msg.encrypt.p, pu->msg.encrypt.len);
    enc[pu->msg.encrypt.len] = '\0';

    if (!lsn_wx_signature_ok((char *) pcf->token.data,
                             (char *) timestamp->data, (char *) nonce->data,
                             (char *) enc, (char *) signature.data,
                             signature.len))
    {
        goto bad_signature;
    }

    n = lsn_wx_decrypt(pcf->aes_key, (char *) enc, pu->msg.encrypt.len,
                       (char *) ctx->mcf->lit.wx_appid.data, plain,
                       pu->msg.encrypt.len + 1, &err);

    if (n < 0 && pcf->has_prev) {
        /* the EncodingAESKey was changed: WeChat may still use the old */
        n = lsn_wx_decrypt(pcf->aes_prev, (char *) enc, pu->msg.encrypt.len,
                           (char *) ctx->mcf->lit.wx_appid.data, plain,
                           pu->msg.encrypt.len + 1, &err);
    }

    if (n <= 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "liaison: wx push envelope refused: %s",
                      n == 0 ? "empty message" : err);
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "消息无法解密", "Encrypt");
        return NGX_ERROR;
    }

    if (ngx_http_liaison_push_parse(ctx, plain, n, &pu->msg) != NGX_OK) {
        return NGX_ERROR;
    }

check:

    if (lsn_wxpush_check(&pu->msg, &err) != 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "liaison: wx push message refused: %s", err);
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "消息字段缺失或格式不正确", NULL);
        return NGX_ERROR;
    }

    return NGX_OK;

bad_signature:

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "liaison: wx push message with a bad signature");
    ngx_http_liaison_error(ctx, NGX_HTTP_UNAUTHORIZED, "unauthenticated",
                           "签名校验失败", aes ? "msg_signature"
                                             : "signature");
    return NGX_ERROR;
}


/* XML (WeChat's flat shape) or JSON, by the first character. */

static ngx_int_t
ngx_http_liaison_push_parse(ngx_http_liaison_ctx_t *ctx, u_char *data,
    size_t len, lsn_wxpush_msg_t *m)
{
    u_char      *p, *copy;
    lsn_xml_t   *x;
    const char  *err;

    for (p = data; p < data + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            break;
        }
    }

    if (p < data + len && *p == '{') {
        return ngx_http_liaison_push_json(ctx, data, len, m);
    }

    /* parsed in place: a copy, so an outer message stays intact */
    copy = ngx_pnalloc(ctx->r->pool, len + 1);
    x = ngx_palloc(ctx->r->pool, sizeof(lsn_xml_t));
    if (copy == NULL || x == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    ngx_memcpy(copy, data, len);
    copy[len] = '\0';

    if (lsn_utf8_count(copy, len) < 0
        || lsn_xml_parse((char *) copy, len, x, &err) != 0
        || lsn_wxpush_from_xml(x, m, &err) != 0)
    {
        ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                      "liaison: wx push body refused: %s",
                      lsn_utf8_count(copy, len) < 0 ? "not UTF-8" : err);
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "消息须为 WeChat 的 XML 或 JSON 格式", NULL);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_liaison_push_json(ngx_http_liaison_ctx_t *ctx, u_char *data,
    size_t len, lsn_wxpush_msg_t *m)
{
    ngx_uint_t                i;
    const char               *err;
    ngx_http_liaison_json_t  *root, *v, *it;

    static const struct {
        const char  *name;
        size_t       off;
    } fields[] = {
        { "ToUserName", offsetof(lsn_wxpush_msg_t, to) },
        { "FromUserName", offsetof(lsn_wxpush_msg_t, from) },
        { "CreateTime", offsetof(lsn_wxpush_msg_t, create_time) },
        { "MsgType", offsetof(lsn_wxpush_msg_t, msg_type) },
        { "Event", offsetof(lsn_wxpush_msg_t, event) },
        { "Content", offsetof(lsn_wxpush_msg_t, content) },
        { "MsgId", offsetof(lsn_wxpush_msg_t, msg_id) },
        { "Encrypt", offsetof(lsn_wxpush_msg_t, encrypt) }
    };

    ngx_memzero(m, sizeof(lsn_wxpush_msg_t));

    if (ngx_http_liaison_json_parse(ctx->r->pool, data, len, &root, &err)
        != NGX_OK
        || root->type != NGX_HTTP_LIAISON_JSON_OBJECT)
    {
        goto invalid;
    }

    for (v = root->child; v; v = v->next) {

        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            if (v->key.len == ngx_strlen(fields[i].name)
                && ngx_strncmp(v->key.data, fields[i].name, v->key.len) == 0)
            {
                if (ngx_http_liaison_push_json_str(v, (lsn_wxpush_str_t *)
                        ((char *) m + fields[i].off))
                    != NGX_OK)
                {
                    goto invalid;
                }

                break;
            }
        }

        if (v->key.len != 4 || ngx_strncmp(v->key.data, "List", 4) != 0) {
            continue;
        }

        if (v->type == NGX_HTTP_LIAISON_JSON_OBJECT) {
            if (ngx_http_liaison_push_json_item(v, m) != NGX_OK) {
                goto invalid;
            }

            continue;
        }

        if (v->type != NGX_HTTP_LIAISON_JSON_ARRAY) {
            goto invalid;
        }

        for (it = v->child; it; it = it->next) {
            if (it->type != NGX_HTTP_LIAISON_JSON_OBJECT
                || ngx_http_liaison_push_json_item(it, m) != NGX_OK)
            {
                goto invalid;
            }
        }
    }

    return NGX_OK;

invalid:

    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           "消息须为 WeChat 的 XML 或 JSON 格式", NULL);
    return NGX_ERROR;
}


static ngx_int_t
ngx_http_liaison_push_json_item(ngx_http_liaison_json_t *obj,
    lsn_wxpush_msg_t *m)
{
    ngx_uint_t                i;
    lsn_wxpush_item_t        *item;
    ngx_http_liaison_json_t  *v;

    static const struct {
        const char  *name;
        size_t       off;
    } fields[] = {
        { "TemplateId", offsetof(lsn_wxpush_item_t, template_id) },
        { "SubscribeStatusString", offsetof(lsn_wxpush_item_t, status) },
        { "ErrorCode", offsetof(lsn_wxpush_item_t, error_code) },
        { "ErrorStatus", offsetof(lsn_wxpush_item_t, error_status) },
        { "MsgID", offsetof(lsn_wxpush_item_t, msg_id) }
    };

    if (m->nitems >= LSN_WXPUSH_MAX_ITEMS) {
        return NGX_ERROR;
    }

    item = &m->items[m->nitems++];
    ngx_memzero(item, sizeof(lsn_wxpush_item_t));

    for (v = obj->child; v; v = v->next) {
        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            if (v->key.len == ngx_strlen(fields[i].name)
                && ngx_strncmp(v->key.data, fields[i].name, v->key.len) == 0
                && ngx_http_liaison_push_json_str(v, (lsn_wxpush_str_t *)
                       ((char *) item + fields[i].off))
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* a string, or a number as its text (CreateTime, MsgId, ErrorCode) */

static ngx_int_t
ngx_http_liaison_push_json_str(ngx_http_liaison_json_t *v,
    lsn_wxpush_str_t *s)
{
    if (v->type != NGX_HTTP_LIAISON_JSON_STRING
        && v->type != NGX_HTTP_LIAISON_JSON_NUMBER)
    {
        return NGX_ERROR;
    }

    s->p = (char *) v->value.data;
    s->len = v->value.len;

    return NGX_OK;
}


/*
 * A (timestamp, nonce) is good once per body while the time window lasts:
 * WeChat's retry (the same body) passes on to the dedup_key, another body
 * under a seen signature is a replay.  Rows expire with the window.
 */

static void
ngx_http_liaison_push_nonce(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *timestamp, ngx_str_t *nonce)
{
    u_char  *p, key[160];
    char     sha[65];

    if (lsn_sha256_hex(ctx->raw_body.data, ctx->raw_body.len, sha) != 0) {
        ngx_http_liaison_fail(ctx, "no SHA-256");
        return;
    }

    sha[64] = '\0';
    p = ngx_snprintf(key, sizeof(key), "%V:%V", timestamp, nonce);

    ngx_http_liaison_sql(ctx,
        "DELETE FROM wx_push_nonces WHERE expires_at < $t LIMIT 100;"
        "INSERT IGNORE INTO wx_push_nonces (nonce_key, body_sha256, "
        "expires_at) VALUES ($s, $z, $t);"
        "SELECT body_sha256 = $z FROM wx_push_nonces WHERE nonce_key = $s",
        ctx->now, key, (size_t) (p - key), sha,
        ctx->now + 2 * ctx->mcf->push.window, sha, key, (size_t) (p - key));

    ngx_http_liaison_run(ctx, ngx_http_liaison_push_nonce_done);
}


static void
ngx_http_liaison_push_nonce_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW  row;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 2, NULL);

    if (row == NULL || row[0] == NULL || row[0][0] != '1') {
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: wx push refused: its timestamp and nonce "
                      "came before with another body (a replay)");
        ngx_http_liaison_error(ctx, NGX_HTTP_UNAUTHORIZED, "unauthenticated",
                               "签名已使用过", "nonce");
        return;
    }

    ngx_http_liaison_push_message(ctx);
}


/* The message: what it means, in one transaction */

static void
ngx_http_liaison_push_message(ngx_http_liaison_ctx_t *ctx)
{
    u_char                   *p;
    lsn_wxpush_msg_t         *m;
    ngx_http_liaison_push_t  *pu;

    pu = ctx->data;
    m = &pu->msg;

    pu->openid.data = (u_char *) m->from.p;
    pu->openid.len = m->from.len;

    /* WeChat's retries carry the same MsgId, or sender and CreateTime */
    if (m->msg_id.p) {
        p = ngx_snprintf((u_char *) pu->dedup, sizeof(pu->dedup) - 1,
                         "m:%*s", m->msg_id.len, m->msg_id.p);

    } else {
        p = ngx_snprintf((u_char *) pu->dedup, sizeof(pu->dedup) - 1,
                         "e:%*s:%*s:%*s", m->from.len, m->from.p,
                         m->create_time.len, m->create_time.p,
                         m->event.p ? m->event.len : m->msg_type.len,
                         m->event.p ? m->event.p : m->msg_type.p);
    }

    *p = '\0';

    if (lsn_wxpush_is(&m->msg_type, "text")) {
        ngx_http_liaison_push_text(ctx);
        return;
    }

    ngx_http_liaison_sql(ctx, "START TRANSACTION");
    ngx_http_liaison_push_consent_sql(ctx);
    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run(ctx, ngx_http_liaison_push_saved);
}


/* ";INSERT INTO wx_push_messages ...": the row that deduplicates. */

static void
ngx_http_liaison_push_row_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_push_t *pu, const char *outcome)
{
    ngx_http_liaison_sql(ctx,
        ";INSERT INTO wx_push_messages (dedup_key, openid, msg_type, event, "
        "create_time, outcome, ticket_id, received_at) "
        "SELECT $z, $s, $s, $s, $t, $z, "
        "(SELECT id FROM tickets WHERE ticket_no = $z), $t",
        pu->dedup, pu->openid.data, pu->openid.len,
        pu->msg.msg_type.p, pu->msg.msg_type.len,
        pu->msg.event.p, pu->msg.event.len,
        (time_t) pu->msg.created, outcome, pu->linked, ctx->now);
}


/*
 * The events about subscribe messages.  A popup answer is the
 * authoritative record of a consent; when the mini-program reported the
 * same acceptance first (client_credits), it is not counted twice.
 */

static void
ngx_http_liaison_push_consent_sql(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t                i, n, popup, change, sent, accept;
    lsn_wxpush_msg_t         *m;
    lsn_wxpush_item_t        *it;
    ngx_http_liaison_push_t  *pu;

    pu = ctx->data;
    m = &pu->msg;

    popup = lsn_wxpush_is(&m->event, "subscribe_msg_popup_event");
    change = lsn_wxpush_is(&m->event, "subscribe_msg_change_event");
    sent = lsn_wxpush_is(&m->event, "subscribe_msg_sent_event");

    if (lsn_wxpush_is(&m->event, "unsubscribe")) {
        ngx_http_liaison_push_row_sql(ctx, pu, "consent");
        ngx_http_liaison_sql(ctx,
            ";UPDATE subscribe_consents SET status = 'rejected', "
            "client_credits = 0, push_credits = 0, confirmed_at = $t, "
            "updated_at = $t WHERE openid = $s",
            ctx->now, ctx->now, pu->openid.data, pu->openid.len);
        return;
    }

    if (!popup && !change && !sent) {
        ngx_http_liaison_push_row_sql(ctx, pu, "ignored");
        return;
    }

    ngx_http_liaison_push_row_sql(ctx, pu, "consent");

    n = 0;

    for (i = 0; i < m->nitems; i++) {
        it = &m->items[i];

        if (sent) {
            /* 10004: the user refused the message; others change nothing */
            if (!lsn_wxpush_is(&it->error_code, "10004")) {
                continue;
            }

            accept = 0;

        } else {
            accept = lsn_wxpush_is(&it->status, "accept");
        }

        ngx_http_liaison_sql(ctx, n == 0
                                  ? ";INSERT INTO subscribe_consents "
                                    "(litigant_id, openid, template_id, "
                                    "remaining, status, push_credits, "
                                    "confirmed_at, created_at, updated_at) "
                                    "VALUES "
                                  : ",");
        ngx_http_liaison_sql(ctx,
            "((SELECT id FROM litigants WHERE openid = $s), $s, $s, "
            "$u, $z, $u, $t, $t, $t)",
            pu->openid.data, pu->openid.len,
            pu->openid.data, pu->openid.len,
            it->template_id.p, it->template_id.len,
            (unsigned long long) (popup && accept),
            !accept ? "rejected" : popup ? "active" : "used_up",
            (unsigned long long) (popup && accept),
            ctx->now, ctx->now, ctx->now);

        n++;
    }

    if (n == 0) {
        return;
    }

    if (popup) {
        /* assignments run left to right: the credits' old values first */
        ngx_http_liaison_sql(ctx,
            " ON DUPLICATE KEY UPDATE "
            "remaining = IF(VALUES(status) = 'active', "
            "IF(remaining IS NULL, NULL, IF(client_credits > 0, "
            "remaining, remaining + 1)), remaining), "
            "push_credits = IF(VALUES(status) = 'active', "
            "IF(client_credits > 0, push_credits, push_credits + 1), 0), "
            "client_credits = IF(VALUES(status) = 'active' "
            "AND client_credits > 0, client_credits - 1, 0), "
            "status = VALUES(status), "
            "litigant_id = COALESCE(VALUES(litigant_id), litigant_id), "
            "confirmed_at = VALUES(confirmed_at), "
            "updated_at = VALUES(updated_at)");
        return;
    }

    /* the settings page: on again (when sends are left) or off */
    ngx_http_liaison_sql(ctx,
        " ON DUPLICATE KEY UPDATE "
        "status = IF(VALUES(status) = 'rejected', 'rejected', "
        "IF(remaining IS NULL OR remaining > 0, 'active', 'used_up')), "
        "client_credits = IF(VALUES(status) = 'rejected', 0, "
        "client_credits), "
        "push_credits = IF(VALUES(status) = 'rejected', 0, push_credits), "
        "litigant_id = COALESCE(VALUES(litigant_id), litigant_id), "
        "confirmed_at = VALUES(confirmed_at), "
        "updated_at = VALUES(updated_at)");
}


static void
ngx_http_liaison_push_saved(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc == NGX_ERROR && op->err_no == 1062) {
        /* a retry of a message already handled: nothing changes */
        ngx_http_liaison_push_answer(ctx, (u_char *) "success", 7);
        return;
    }

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    ngx_http_liaison_push_answer(ctx, (u_char *) "success", 7);
}


/*
 * A customer-service text message: a follow-up on the sender's open
 * ticket (the newest not closed, else one closed less than 7 days ago,
 * which it reopens), or a new wechat ticket, through the intake and
 * follow-up services.  First: was it seen already, the sender as a
 * litigant, their open ticket.
 */

static void
ngx_http_liaison_push_text(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_push_t  *pu;

    pu = ctx->data;

    ngx_http_liaison_sql(ctx,
        "SELECT 1 FROM wx_push_messages WHERE dedup_key = $z;"
        "INSERT INTO litigants (openid, created_at, last_login_at) "
        "VALUES ($s, $t, $t) ON DUPLICATE KEY UPDATE "
        "id = LAST_INSERT_ID(id);"
        "SELECT t.ticket_no FROM tickets t "
        "JOIN litigants l ON l.id = t.owner_litigant_id "
        "WHERE l.openid = $s AND (t.status <> 'closed' "
        "OR t.closed_at >= $t) "
        "ORDER BY t.status = 'closed', t.id DESC LIMIT 1",
        pu->dedup, pu->openid.data, pu->openid.len, ctx->now, ctx->now,
        pu->openid.data, pu->openid.len,
        ctx->now - NGX_HTTP_LIAISON_REOPEN_WINDOW + 60);

    ngx_http_liaison_run(ctx, ngx_http_liaison_push_sender);
}


static void
ngx_http_liaison_push_sender(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                     row;
    unsigned long                *len;
    lsn_wxpush_msg_t             *m;
    ngx_http_liaison_push_t      *pu;
    ngx_http_liaison_intake_t    *in;
    ngx_http_liaison_followup_t  *fu;

    pu = ctx->data;
    m = &pu->msg;

    if (op->rc != NGX_OK || op->nstmts != 3) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_row(op, 0, NULL) != NULL) {
        ngx_http_liaison_push_answer(ctx, (u_char *) "success", 7);
        return;
    }

    if (op->insert_id[1] == 0) {
        ngx_http_liaison_fail(ctx, "no litigant id for a pushed message");
        return;
    }

    /* WeChat vouches for the sender: they act as that litigant */
    ctx->who = NGX_HTTP_LIAISON_LITIGANT;
    ctx->subject_id = op->insert_id[1];

    pu->content.data = (u_char *) m->content.p;
    pu->content.len = m->content.p ? m->content.len : 0;

    if (lsn_text_valid(pu->content.data, pu->content.len, 1,
                       NGX_HTTP_LIAISON_PUSH_TEXT_MAX)
        != 0)
    {
        /* recorded and answered, not a ticket */
        ngx_http_liaison_sql(ctx, "START TRANSACTION");
        ngx_http_liaison_push_row_sql(ctx, pu, "ignored");
        ngx_http_liaison_outbox_custom(ctx, &pu->openid,
            "您的留言未能受理：内容须为 1 到 2000 个字，且不含特殊"
            "控制字符。请重新发送，或在小程序中提交诉求。", NULL);
        ngx_http_liaison_sql(ctx, ";COMMIT");

        ngx_http_liaison_run(ctx, ngx_http_liaison_push_saved);
        return;
    }

    row = ngx_http_liaison_row(op, 2, &len);

    if (row == NULL) {
        in = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_intake_t));
        if (in == NULL) {
            ngx_http_liaison_fail(ctx, "out of memory");
            return;
        }

        in->channel = lsn_channel_index("wechat", 6);
        in->category = lsn_category_index("other", 5);
        in->content = pu->content;
        in->extra = ngx_http_liaison_push_intake_extra;
        in->done = ngx_http_liaison_push_intake_done;
        in->data = pu;
        in->tells_answer = 1;

        ngx_http_liaison_intake_start(ctx, in);
        return;
    }

    fu = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_followup_t));

    /* a copy: the result goes with the next batch */
    if (fu == NULL
        || ngx_http_liaison_row_copy(ctx->r->pool, row, len, 0,
                                     &fu->ticket_no)
           != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    fu->content = pu->content;
    fu->extra = ngx_http_liaison_push_followup_extra;
    fu->done = ngx_http_liaison_push_followup_done;
    fu->data = pu;
    pu->follow_up = 1;

    ngx_http_liaison_followup_start(ctx, fu);
}


/* Before the intake's COMMIT: our row and the reply. */

static void
ngx_http_liaison_push_intake_extra(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    int                       cut;
    u_char                   *p, *text;
    size_t                    n;
    ngx_http_liaison_push_t  *pu;

    pu = in->data;
    pu->linked = in->ticket_no;

    text = ngx_pnalloc(ctx->r->pool, 512 + in->answer.len);
    if (text == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    /* answered on receipt (A4): the answer itself, in this reply */
    n = lsn_utf8_prefix((char *) in->answer.data, in->answer.len,
                        NGX_HTTP_LIAISON_PUSH_ANSWER_QUOTE, &cut);

    p = in->canned_id
        ? ngx_sprintf(text, "您的留言已登记为诉求，编号 %s，查询码 %s。"
                      "答复如下：%*s%s如仍有疑问，可直接回复补充。",
                      in->ticket_no, in->query_code, n, in->answer.data,
                      cut ? "……（全文见小程序“我的诉求”）" : "")
        : ngx_sprintf(text, "您的留言已登记为诉求，编号 %s，查询码 %s。"
                      "我们会尽快答复，可在小程序“我的诉求”中查看进度。",
                      in->ticket_no, in->query_code);
    *p = '\0';

    ngx_http_liaison_push_row_sql(ctx, pu, "ticket");
    ngx_http_liaison_outbox_custom(ctx, &pu->openid, (char *) text,
                                   in->ticket_no);
}


/* Before the follow-up's COMMIT: our row and the reply. */

static void
ngx_http_liaison_push_followup_extra(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu)
{
    u_char                   *p;
    u_char                    text[512];
    ngx_http_liaison_push_t  *pu;

    pu = fu->data;
    pu->linked = (char *) fu->ticket_no.data;

    p = ngx_snprintf(text, sizeof(text) - 1,
                     fu->reopen ? "您的留言已补充到诉求 %V，该诉求已重新办理。"
                                : "您的留言已补充到诉求 %V，承办人员会一并"
                                  "处理。",
                     &fu->ticket_no);
    *p = '\0';

    ngx_http_liaison_push_row_sql(ctx, pu, "follow_up");
    ngx_http_liaison_outbox_custom(ctx, &pu->openid, (char *) text,
                                   pu->linked);
}


static void
ngx_http_liaison_push_intake_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    ngx_http_liaison_push_t  *pu;

    pu = in->data;
    ngx_http_liaison_push_done(ctx, pu);
}


static void
ngx_http_liaison_push_followup_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_followup_t *fu)
{
    ngx_http_liaison_push_t  *pu;

    pu = fu->data;
    ngx_http_liaison_push_done(ctx, pu);
}


static void
ngx_http_liaison_push_done(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_push_t *pu)
{
    if (ctx->op.rc == NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                      "liaison: wx push text: %s ticket %s",
                      pu->follow_up ? "follow-up on" : "new", pu->linked);
    }

    ngx_http_liaison_push_saved(&ctx->op);
}


/* "success" or the echostr, as text/plain */

static void
ngx_http_liaison_push_answer(ngx_http_liaison_ctx_t *ctx, u_char *text,
    size_t len)
{
    ngx_http_liaison_buf_t  b;

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, len + 1);

    ngx_http_liaison_buf_raw(&b, text, len);
    ngx_http_liaison_answer_as(ctx, NGX_HTTP_OK, "text/plain; charset=utf-8",
                               &b);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_push_endpoints[] = {

    { ngx_string("wx/push"), NGX_HTTP_LIAISON_GET|NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_WECHAT, 0, NGX_HTTP_LIAISON_BODY_RAW, 0,
      ngx_http_liaison_wx_push, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
