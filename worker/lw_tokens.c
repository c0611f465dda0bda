/*
 * liaison-worker: access tokens.  The worker is their one holder: it
 * fetches the WeChat token through stable_token (normal mode, never
 * force_refresh) and the WeCom token through gettoken, stores them in
 * access_tokens for the module, and refreshes them token_refresh_ahead
 * seconds before they expire, or when a send is refused with a token error
 * (40001, 42001, 40014).  Several workers coordinate through a row lock:
 * the one that holds it fetches, the others find the fresh token.
 *
 * Tokens and secrets are never logged.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "lw.h"


/* YAJL_GET_STRING() that never gives NULL */

static const char *
lw_ystr(yajl_val v)
{
    const char  *s;

    s = YAJL_IS_STRING(v) ? v->u.string : NULL;

    return s != NULL ? s : "";
}


static int lw_token_read(lw_ctx_t *ctx, const char *name, int lock,
    char *out, size_t cap, time_t *expires);
static int lw_token_fetch(lw_ctx_t *ctx, const char *name, char *out,
    size_t cap, long *expires_in);
static int lw_token_usable(lw_ctx_t *ctx, const char *tok, time_t expires,
    const char *failed);


static int
lw_token_read(lw_ctx_t *ctx, const char *name, int lock, char *out,
    size_t cap, time_t *expires)
{
    int            rc;
    MYSQL_ROW      row;
    MYSQL_RES     *res;
    unsigned long *len;

    res = lw_db_query(ctx, lock
        ? "SELECT token, DATE_FORMAT(expires_at, '%Y-%m-%d %H:%i:%s') "
          "FROM access_tokens WHERE name = $z FOR UPDATE"
        : "SELECT token, DATE_FORMAT(expires_at, '%Y-%m-%d %H:%i:%s') "
          "FROM access_tokens WHERE name = $z", name);

    if (res == NULL) {
        return -1;
    }

    rc = 0;
    row = mysql_fetch_row(res);

    if (row != NULL && row[0] != NULL && row[1] != NULL) {
        len = mysql_fetch_lengths(res);

        if (len[0] < cap
            && lsn_parse_datetime(row[1], len[1], expires) == 0)
        {
            memcpy(out, row[0], len[0]);
            out[len[0]] = '\0';
            rc = 1;
        }
    }

    mysql_free_result(res);

    return rc;
}


static int
lw_token_usable(lw_ctx_t *ctx, const char *tok, time_t expires,
    const char *failed)
{
    if (failed != NULL && strcmp(tok, failed) == 0) {
        return 0;
    }

    return expires - lw_now(ctx) > ctx->conf->token_refresh_ahead;
}


static int
lw_token_fetch(lw_ctx_t *ctx, const char *name, char *out, size_t cap,
    long *expires_in)
{
    int          rc, wx;
    long         code;
    char        *copy, errbuf[64], errmsg[128];
    size_t       i, len;
    lw_req_t     req;
    yajl_val     root, tok, exp;
    lw_conf_t   *c;
    const char  *p_tok[] = { "access_token", NULL };
    const char  *p_exp[] = { "expires_in", NULL };

    c = ctx->conf;
    wx = strcmp(name, LW_TOKEN_WX) == 0;
    rc = -1;
    root = NULL;

    lw_req_init(&req);

    if (wx) {
        lw_buf_adds(&req.url, c->wx_api_base);
        lw_buf_adds(&req.url, "/cgi-bin/stable_token");
        lw_buf_adds(&req.body, "{\"grant_type\":\"client_credential\","
                    "\"appid\":");
        lw_buf_json_str(&req.body, c->wx_appid, strlen(c->wx_appid));
        lw_buf_adds(&req.body, ",\"secret\":");
        lw_buf_json_str(&req.body, c->wx_secret, strlen(c->wx_secret));
        lw_buf_adds(&req.body, ",\"force_refresh\":false}");

    } else {
        lw_buf_adds(&req.url, c->wecom_api_base);
        lw_buf_adds(&req.url, "/cgi-bin/gettoken?corpid=");
        lw_buf_urlenc(&req.url, c->wecom_corpid, strlen(c->wecom_corpid));
        lw_buf_adds(&req.url, "&corpsecret=");
        lw_buf_urlenc(&req.url, c->wecom_secret, strlen(c->wecom_secret));
    }

    if (lw_req_prepare(ctx->http, &req, wx ? "POST" : "GET",
                       "application/json") != 0)
    {
        goto done;
    }

    if (lw_http_perform(ctx->http, &req) != 0) {
        lw_log(LW_LOG_ERROR, "token %s: request failed: %s", name,
               req.errbuf[0] ? req.errbuf : curl_easy_strerror(req.cerr));
        goto done;
    }

    if (req.status != 200) {
        lw_log(LW_LOG_ERROR, "token %s: HTTP %ld", name, req.status);
        goto done;
    }

    code = lw_json_errcode(req.resp.data ? req.resp.data : "", req.resp.len,
                           errmsg, sizeof(errmsg));
    if (code != 0) {
        /* 40013 bad appid, 40125 bad secret, 40164 IP allowlist ... */
        lw_log(LW_LOG_ERROR, "token %s: errcode %ld: %s", name, code,
               errmsg);
        goto done;
    }

    copy = strdup(req.resp.data);
    if (copy == NULL) {
        goto done;
    }

    root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
    free(copy);

    tok = root ? yajl_tree_get(root, p_tok, yajl_t_string) : NULL;
    exp = root ? yajl_tree_get(root, p_exp, yajl_t_number) : NULL;

    if (tok == NULL || exp == NULL || !YAJL_IS_INTEGER(exp)) {
        lw_log(LW_LOG_ERROR, "token %s: answer without access_token or "
               "expires_in", name);
        goto done;
    }

    len = strlen(lw_ystr(tok));
    if (len == 0 || len >= cap) {
        lw_log(LW_LOG_ERROR, "token %s: token of %zu bytes", name, len);
        goto done;
    }

    for (i = 0; i < len; i++) {
        if (lw_ystr(tok)[i] <= 0x20
            || lw_ystr(tok)[i] >= 0x7f)
        {
            lw_log(LW_LOG_ERROR, "token %s: not printable ASCII", name);
            goto done;
        }
    }

    memcpy(out, lw_ystr(tok), len + 1);
    *expires_in = (long) YAJL_GET_INTEGER(exp);

    if (*expires_in <= 0 || *expires_in > 7 * 86400) {
        *expires_in = 7200;
    }

    rc = 0;

done:

    yajl_tree_free(root);

    /* the body held the secret */
    if (req.body.data != NULL) {
        explicit_bzero(req.body.data, req.body.len);
    }

    if (req.url.data != NULL) {
        explicit_bzero(req.url.data, req.url.len);
    }

    lw_req_free(&req);

    return rc;
}


int
lw_token_get(lw_ctx_t *ctx, const char *name, const char *failed,
    char *out, size_t cap)
{
    int      found;
    long     expires_in;
    char     fresh[1025];
    time_t   expires, now;

    found = lw_token_read(ctx, name, 0, out, cap, &expires);
    if (found < 0) {
        return -1;
    }

    if (found && lw_token_usable(ctx, out, expires, failed)) {
        return 0;
    }

    /* refresh under the row lock: one worker fetches */
    if (lw_db_begin(ctx) != 0) {
        return -1;
    }

    found = lw_token_read(ctx, name, 1, out, cap, &expires);
    if (found < 0) {
        lw_db_rollback(ctx);
        return -1;
    }

    if (found && lw_token_usable(ctx, out, expires, failed)) {
        lw_db_commit(ctx);
        return 0;
    }

    if (lw_token_fetch(ctx, name, fresh, sizeof(fresh), &expires_in) != 0
        || strlen(fresh) >= cap)
    {
        lw_db_rollback(ctx);

        /* still valid, merely due for refresh: keep using it */
        if (found && failed == NULL && expires > lw_now(ctx)) {
            return 0;
        }

        return -1;
    }

    now = lw_now(ctx);

    if (lw_db_exec(ctx,
            "INSERT INTO access_tokens (name, token, expires_at, "
            "refreshed_at) VALUES ($z, $z, $t, $t) ON DUPLICATE KEY UPDATE "
            "token = VALUES(token), expires_at = VALUES(expires_at), "
            "refreshed_at = VALUES(refreshed_at)",
            name, fresh, (time_t) (now + expires_in), now) < 0
        || lw_db_commit(ctx) != 0)
    {
        lw_db_rollback(ctx);
        explicit_bzero(fresh, sizeof(fresh));
        return -1;
    }

    memcpy(out, fresh, strlen(fresh) + 1);
    explicit_bzero(fresh, sizeof(fresh));

    lw_log(LW_LOG_INFO, "token %s refreshed, valid for %ld s", name,
           expires_in);

    return 0;
}


void
lw_tokens_upkeep(lw_ctx_t *ctx)
{
    char  tok[1025];

    if (lw_conf_channel_ready(ctx->conf, LSN_CH_WX_SUBSCRIBE)
        && lw_token_get(ctx, LW_TOKEN_WX, NULL, tok, sizeof(tok)) != 0)
    {
        lw_log(LW_LOG_WARN, "token %s unavailable", LW_TOKEN_WX);
    }

    if (lw_conf_channel_ready(ctx->conf, LSN_CH_WECOM)
        && lw_token_get(ctx, LW_TOKEN_WECOM, NULL, tok, sizeof(tok)) != 0)
    {
        lw_log(LW_LOG_WARN, "token %s unavailable", LW_TOKEN_WECOM);
    }

    explicit_bzero(tok, sizeof(tok));
}
