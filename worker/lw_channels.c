/*
 * liaison-worker: the four channels.  Each outbox row becomes one HTTP
 * request (lw_channel_build) and each answer one outcome
 * (lw_channel_classify), following shared/reference/wechat-api-facts.md:
 * WeChat and WeCom answer HTTP 200 with {"errcode", "errmsg"}; no errcode
 * or 0 is success.
 *
 *   errcode                     outcome
 *   0                           sent
 *   -1, HTTP 5xx/429, timeout,  retry with backoff
 *   network error, 45011, 45033
 *   40001, 42001, 40014         token: refresh it, send again once
 *   45009                       daily quota: retry tomorrow
 *   43101                       failed; the consent is used up
 *   47003                       failed; the field is recorded
 *   40003, 40037, 41030,        failed (permanent), code recorded
 *   43004, 81013, others
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "lw.h"
#include "lsn_wxmsg.h"


/* YAJL_GET_STRING() that never gives NULL */

static const char *
lw_ystr(yajl_val v)
{
    const char  *s;

    s = YAJL_IS_STRING(v) ? v->u.string : NULL;

    return s != NULL ? s : "";
}


static void lw_out(lw_outcome_t *o, lw_result_e result, const char *code,
    const char *detail);
static int lw_build_wx_subscribe(lw_ctx_t *ctx, lw_msg_t *m,
    yajl_val root, const char *token);
static int lw_build_wx_template(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token);
static int lw_build_sms(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root);
static int lw_build_wecom(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token);
static int lw_build_sec_check(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token);
static int lw_build_wx_custom(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token);
static void lw_classify_sec_check(lw_msg_t *m, long code,
    const char *errmsg);
static unsigned long long lw_yid(yajl_val root, const char *key);
static int lw_sms_expand(lw_ctx_t *ctx, lw_buf_t *b, const char *tpl,
    const char *phone, const char *text, unsigned long long id, int form);
static void lw_classify_wx(lw_ctx_t *ctx, lw_msg_t *m);
static void lw_classify_sms(lw_ctx_t *ctx, lw_msg_t *m);
static const char *lw_value_string(yajl_val v);


static void
lw_out(lw_outcome_t *o, lw_result_e result, const char *code,
    const char *detail)
{
    int     cut;
    size_t  n;

    o->result = result;
    snprintf(o->code, sizeof(o->code), "%.31s", code);

    if (detail == NULL) {
        o->detail[0] = '\0';
        return;
    }

    /* at most 200 characters, never more than the buffer */
    n = lw_utf8_prefix(detail, strlen(detail), 200, &cut);
    if (n > sizeof(o->detail) - 1) {
        n = lw_utf8_prefix(detail, strlen(detail), 60, &cut);
    }

    memcpy(o->detail, detail, n);
    o->detail[n] = '\0';
}


/* a string value, or {"value": string} */

static const char *
lw_value_string(yajl_val v)
{
    const char  *path[] = { "value", NULL };
    yajl_val     s;

    if (YAJL_IS_STRING(v)) {
        return lw_ystr(v);
    }

    if (YAJL_IS_OBJECT(v)) {
        s = yajl_tree_get(v, path, yajl_t_string);
        if (s != NULL) {
            return lw_ystr(s);
        }
    }

    return NULL;
}


static int
lw_build_wx_subscribe(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token)
{
    char         fitted[LSN_WXMSG_MAX];
    size_t       i, n;
    lw_buf_t    *b;
    yajl_val     data, page, state;
    lw_conf_t   *c;
    const char  *key, *v;
    const char  *p_data[] = { "data", NULL };
    const char  *p_page[] = { "page", NULL };
    const char  *p_state[] = { "miniprogram_state", NULL };

    c = ctx->conf;
    data = yajl_tree_get(root, p_data, yajl_t_object);

    if (data == NULL || m->template_id == NULL) {
        lw_out(&m->out, LW_FAILED, "bad_payload",
               "subscribe payload needs data and a template_id");
        return -1;
    }

    page = yajl_tree_get(root, p_page, yajl_t_string);
    state = yajl_tree_get(root, p_state, yajl_t_string);

    b = &m->req.url;
    lw_buf_reset(b);
    lw_buf_adds(b, c->wx_api_base);
    lw_buf_adds(b, "/cgi-bin/message/subscribe/send?access_token=");
    lw_buf_urlenc(b, token, strlen(token));

    b = &m->req.body;
    lw_buf_reset(b);
    lw_buf_adds(b, "{\"touser\":");
    lw_buf_json_str(b, m->recipient, strlen(m->recipient));
    lw_buf_adds(b, ",\"template_id\":");
    lw_buf_json_str(b, m->template_id, strlen(m->template_id));

    if (page != NULL) {
        lw_buf_adds(b, ",\"page\":");
        v = lw_ystr(page);
        lw_buf_json_str(b, v, strlen(v));
    }

    lw_buf_adds(b, ",\"data\":{");

    for (i = 0; i < data->u.object.len; i++) {
        key = data->u.object.keys[i];
        v = lw_value_string(data->u.object.values[i]);

        if (v == NULL) {
            lw_out(&m->out, LW_FAILED, "bad_payload",
                   "a data value is not a string");
            return -1;
        }

        /* cut to the type's limit: never a 47003 for a length */
        n = lsn_wxmsg_fit(key, strlen(key), v, strlen(v), fitted);

        if (i > 0) {
            lw_buf_adds(b, ",");
        }

        lw_buf_json_str(b, key, strlen(key));
        lw_buf_adds(b, ":{\"value\":");
        lw_buf_json_str(b, fitted, n);
        lw_buf_adds(b, "}");
    }

    lw_buf_adds(b, "},\"miniprogram_state\":");
    v = state ? lw_ystr(state) : c->wx_miniprogram_state;
    lw_buf_json_str(b, v, strlen(v));
    lw_buf_adds(b, ",\"lang\":");
    lw_buf_json_str(b, c->wx_lang, strlen(c->wx_lang));
    lw_buf_adds(b, "}");

    return 0;
}


static int
lw_build_wx_template(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token)
{
    size_t       i;
    lw_buf_t    *b;
    yajl_val     data, url, mp, appid, pagepath;
    const char  *key, *v;
    const char  *p_data[] = { "data", NULL };
    const char  *p_url[] = { "url", NULL };
    const char  *p_mp[] = { "miniprogram", NULL };
    const char  *p_appid[] = { "appid", NULL };
    const char  *p_pagepath[] = { "pagepath", NULL };

    data = yajl_tree_get(root, p_data, yajl_t_object);

    if (data == NULL || m->template_id == NULL) {
        lw_out(&m->out, LW_FAILED, "bad_payload",
               "template payload needs data and a template_id");
        return -1;
    }

    url = yajl_tree_get(root, p_url, yajl_t_string);
    mp = yajl_tree_get(root, p_mp, yajl_t_object);

    b = &m->req.url;
    lw_buf_reset(b);
    lw_buf_adds(b, ctx->conf->wx_api_base);
    lw_buf_adds(b, "/cgi-bin/message/template/send?access_token=");
    lw_buf_urlenc(b, token, strlen(token));

    b = &m->req.body;
    lw_buf_reset(b);
    lw_buf_adds(b, "{\"touser\":");
    lw_buf_json_str(b, m->recipient, strlen(m->recipient));
    lw_buf_adds(b, ",\"template_id\":");
    lw_buf_json_str(b, m->template_id, strlen(m->template_id));

    if (url != NULL) {
        lw_buf_adds(b, ",\"url\":");
        v = lw_ystr(url);
        lw_buf_json_str(b, v, strlen(v));
    }

    if (mp != NULL) {
        appid = yajl_tree_get(mp, p_appid, yajl_t_string);
        pagepath = yajl_tree_get(mp, p_pagepath, yajl_t_string);

        if (appid != NULL) {
            lw_buf_adds(b, ",\"miniprogram\":{\"appid\":");
            v = lw_ystr(appid);
            lw_buf_json_str(b, v, strlen(v));

            if (pagepath != NULL) {
                lw_buf_adds(b, ",\"pagepath\":");
                v = lw_ystr(pagepath);
                lw_buf_json_str(b, v, strlen(v));
            }

            lw_buf_adds(b, "}");
        }
    }

    /* WeChat drops a repeated client_msg_id: narrows the resend window */
    lw_buf_printf(b, ",\"client_msg_id\":\"liaison-%llu\",\"data\":{",
                  m->id);

    for (i = 0; i < data->u.object.len; i++) {
        key = data->u.object.keys[i];
        v = lw_value_string(data->u.object.values[i]);

        if (v == NULL) {
            lw_out(&m->out, LW_FAILED, "bad_payload",
                   "a data value is not a string");
            return -1;
        }

        if (i > 0) {
            lw_buf_adds(b, ",");
        }

        lw_buf_json_str(b, key, strlen(key));
        lw_buf_adds(b, ":{\"value\":");
        lw_buf_json_str(b, v, strlen(v));
        lw_buf_adds(b, "}");
    }

    lw_buf_adds(b, "}}");

    return 0;
}


/*
 * The gateway body (or GET query) from its template: ${phone}, ${text},
 * ${account}, ${secret}, ${id} are replaced, JSON-escaped or %-encoded.
 */

static int
lw_sms_expand(lw_ctx_t *ctx, lw_buf_t *b, const char *tpl,
    const char *phone, const char *text, unsigned long long id, int form)
{
    char         num[32];
    size_t       n, len;
    const char  *p, *v, *end;

    for (p = tpl; *p != '\0'; ) {
        if (p[0] != '$' || p[1] != '{') {
            lw_buf_add(b, p, 1);
            p++;
            continue;
        }

        end = strchr(p, '}');
        if (end == NULL) {
            lw_buf_adds(b, p);
            break;
        }

        n = (size_t) (end - p - 2);
        v = NULL;

        if (n == 5 && memcmp(p + 2, "phone", 5) == 0) {
            v = phone;

        } else if (n == 4 && memcmp(p + 2, "text", 4) == 0) {
            v = text;

        } else if (n == 7 && memcmp(p + 2, "account", 7) == 0) {
            v = ctx->conf->sms_account;

        } else if (n == 6 && memcmp(p + 2, "secret", 6) == 0) {
            v = ctx->conf->sms_secret ? ctx->conf->sms_secret : "";

        } else if (n == 2 && memcmp(p + 2, "id", 2) == 0) {
            snprintf(num, sizeof(num), "%llu", id);
            v = num;
        }

        if (v == NULL) {
            /* not ours: copied as it is */
            lw_buf_add(b, p, (size_t) (end - p + 1));

        } else {
            len = strlen(v);

            if (form) {
                lw_buf_urlenc(b, v, len);

            } else {
                /* inside the template's quotes: escaped, no quotes */
                lw_buf_json_raw(b, v, len);
            }
        }

        p = end + 1;
    }

    return b->failed ? -1 : 0;
}


static int
lw_build_sms(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root)
{
    int          form, get;
    char        *text;
    size_t       tl;
    lw_buf_t    *b;
    yajl_val     t;
    lw_conf_t   *c;
    const char  *p_text[] = { "text", NULL };

    c = ctx->conf;
    t = yajl_tree_get(root, p_text, yajl_t_string);

    if (t == NULL) {
        lw_out(&m->out, LW_FAILED, "bad_payload", "sms payload needs text");
        return -1;
    }

    /* the signature (e.g. 【某某法院】) first, as gateways expect */
    tl = strlen(c->sms_sign) + strlen(lw_ystr(t));
    text = malloc(tl + 1);
    if (text == NULL) {
        lw_out(&m->out, LW_RETRY, "no_memory", NULL);
        return -1;
    }

    snprintf(text, tl + 1, "%s%s", c->sms_sign, lw_ystr(t));

    get = strcmp(c->sms_method, "GET") == 0;
    form = get || strcmp(c->sms_encoding, "form") == 0;

    b = &m->req.url;
    lw_buf_reset(b);
    lw_buf_adds(b, c->sms_url);

    b = &m->req.body;
    lw_buf_reset(b);

    if (get) {
        lw_buf_adds(&m->req.url, strchr(c->sms_url, '?') ? "&" : "?");
        lw_sms_expand(ctx, &m->req.url, c->sms_body, m->recipient, text,
                      m->id, 1);

    } else {
        lw_sms_expand(ctx, b, c->sms_body, m->recipient, text, m->id, form);
    }

    free(text);

    return 0;
}


static int
lw_build_wecom(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root, const char *token)
{
    size_t       n, len;
    lw_buf_t    *b;
    yajl_val     t;
    lw_conf_t   *c;
    const char  *text;
    const char  *p_text[] = { "text", NULL };

    c = ctx->conf;
    t = yajl_tree_get(root, p_text, yajl_t_string);

    if (t == NULL) {
        lw_out(&m->out, LW_FAILED, "bad_payload",
               "wecom payload needs text");
        return -1;
    }

    text = lw_ystr(t);
    len = strlen(text);

    /* WeCom takes at most 2048 bytes of text: cut at a character */
    n = lw_utf8_cut_bytes(text, len, 2000);

    b = &m->req.url;
    lw_buf_reset(b);
    lw_buf_adds(b, c->wecom_api_base);
    lw_buf_adds(b, "/cgi-bin/message/send?access_token=");
    lw_buf_urlenc(b, token, strlen(token));

    b = &m->req.body;
    lw_buf_reset(b);
    lw_buf_adds(b, "{\"touser\":");
    lw_buf_json_str(b, m->recipient, strlen(m->recipient));
    lw_buf_printf(b, ",\"msgtype\":\"text\",\"agentid\":%ld,"
                  "\"text\":{\"content\":", c->wecom_agentid);
    lw_buf_json_str(b, text, n);
    lw_buf_printf(b, "},\"enable_duplicate_check\":%d,"
                  "\"duplicate_check_interval\":%d}",
                  c->wecom_dup_interval > 0, c->wecom_dup_interval > 0
                  ? c->wecom_dup_interval : 1800);

    return 0;
}


/* a positive integer member, as a number or a decimal string; 0 if none */

static unsigned long long
lw_yid(yajl_val root, const char *key)
{
    yajl_val     v;
    const char  *path[2];

    path[0] = key;
    path[1] = NULL;

    v = yajl_tree_get(root, path, yajl_t_any);

    if (v != NULL && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0) {
        return (unsigned long long) YAJL_GET_INTEGER(v);
    }

    if (v != NULL && YAJL_IS_STRING(v)) {
        return strtoull(lw_ystr(v), NULL, 10);
    }

    return 0;
}


/*
 * Content security (msg_sec_check, version 2): payload {"content",
 * "scene" (1..4, default 2), "ticket_id", "message_id"}.
 */

static int
lw_build_sec_check(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token)
{
    int          cut;
    long         scene;
    size_t       n;
    lw_buf_t    *b;
    yajl_val     content, sc;
    const char  *text;
    const char  *p_content[] = { "content", NULL };
    const char  *p_scene[] = { "scene", NULL };

    content = yajl_tree_get(root, p_content, yajl_t_string);
    if (content == NULL) {
        lw_out(&m->out, LW_FAILED, "bad_payload",
               "sec_check payload needs content");
        return -1;
    }

    sc = yajl_tree_get(root, p_scene, yajl_t_number);
    scene = sc != NULL && YAJL_IS_INTEGER(sc) ? (long) YAJL_GET_INTEGER(sc)
                                              : 2;
    if (scene < 1 || scene > 4) {
        scene = 2;
    }

    m->message_id = lw_yid(root, "message_id");
    if (m->ticket_id == 0) {
        m->ticket_id = lw_yid(root, "ticket_id");
    }

    text = lw_ystr(content);
    n = lw_utf8_prefix(text, strlen(text), 2500, &cut);

    b = &m->req.url;
    lw_buf_reset(b);
    lw_buf_adds(b, ctx->conf->wx_api_base);
    lw_buf_adds(b, "/wxa/msg_sec_check?access_token=");
    lw_buf_urlenc(b, token, strlen(token));

    b = &m->req.body;
    lw_buf_reset(b);
    lw_buf_adds(b, "{\"version\":2,\"openid\":");
    lw_buf_json_str(b, m->recipient, strlen(m->recipient));
    lw_buf_printf(b, ",\"scene\":%ld,\"content\":", scene);
    lw_buf_json_str(b, text, n);
    lw_buf_adds(b, "}");

    return 0;
}


/* decided on result.suggest, not on errcode (87014 is the old "risky") */

static void
lw_classify_sec_check(lw_msg_t *m, long code, const char *errmsg)
{
    char         *copy, errbuf[64];
    yajl_val      root, v;
    const char   *s;
    const char   *p_suggest[] = { "result", "suggest", NULL };

    if (code == 87014) {
        lw_out(&m->out, LW_SENT, "87014", NULL);
        strcpy(m->out.verdict, "risky");
        return;
    }

    (void) errmsg;

    copy = strdup(m->req.resp.data ? m->req.resp.data : "");
    root = copy ? yajl_tree_parse(copy, errbuf, sizeof(errbuf)) : NULL;
    free(copy);

    v = root ? yajl_tree_get(root, p_suggest, yajl_t_string) : NULL;
    s = v ? lw_ystr(v) : "";

    if (strcmp(s, "pass") == 0 || strcmp(s, "review") == 0
        || strcmp(s, "risky") == 0)
    {
        lw_out(&m->out, LW_SENT, "0", NULL);
        snprintf(m->out.verdict, sizeof(m->out.verdict), "%s", s);

    } else {
        lw_out(&m->out, LW_RETRY, "bad_answer", "no result.suggest");
    }

    yajl_tree_free(root);
}


/*
 * A customer-service text message (the automatic answer to a litigant's
 * message, issue 8): payload {"touser", "msgtype": "text",
 * "text": {"content"}}; the recipient column is the one addressed.
 * WeChat's errors as for subscribe messages (45015: more than 48 hours
 * since the user's message, permanent).
 */

static int
lw_build_wx_custom(lw_ctx_t *ctx, lw_msg_t *m, yajl_val root,
    const char *token)
{
    int          cut;
    size_t       n;
    lw_buf_t    *b;
    yajl_val     content;
    const char  *text;
    const char  *p_content[] = { "text", "content", NULL };

    content = yajl_tree_get(root, p_content, yajl_t_string);
    if (content == NULL) {
        lw_out(&m->out, LW_FAILED, "bad_payload",
               "custom message payload needs text.content");
        return -1;
    }

    text = lw_ystr(content);
    n = lw_utf8_prefix(text, strlen(text), 600, &cut);

    b = &m->req.url;
    lw_buf_reset(b);
    lw_buf_adds(b, ctx->conf->wx_api_base);
    lw_buf_adds(b, "/cgi-bin/message/custom/send?access_token=");
    lw_buf_urlenc(b, token, strlen(token));

    b = &m->req.body;
    lw_buf_reset(b);
    lw_buf_adds(b, "{\"touser\":");
    lw_buf_json_str(b, m->recipient, strlen(m->recipient));
    lw_buf_adds(b, ",\"msgtype\":\"text\",\"text\":{\"content\":");
    lw_buf_json_str(b, text, n);
    lw_buf_adds(b, "}}");

    return 0;
}


int
lw_channel_build(lw_ctx_t *ctx, lw_msg_t *m, const char *token)
{
    int        rc;
    char       errbuf[128];
    yajl_val   root;
    lw_conf_t *c;

    c = ctx->conf;

    root = yajl_tree_parse(m->payload, errbuf, sizeof(errbuf));
    if (root == NULL || !YAJL_IS_OBJECT(root)) {
        lw_out(&m->out, LW_FAILED, "bad_payload", "payload is not a JSON "
               "object");
        yajl_tree_free(root);
        return -1;
    }

    m->req.channel = m->channel;

    switch (m->channel) {
    case LSN_CH_WX_SUBSCRIBE:
        rc = lw_build_wx_subscribe(ctx, m, root, token);
        break;
    case LSN_CH_WX_TEMPLATE:
        rc = lw_build_wx_template(ctx, m, root, token);
        break;
    case LSN_CH_SMS:
        rc = lw_build_sms(ctx, m, root);
        break;
    case LSN_CH_WX_SEC_CHECK:
        rc = lw_build_sec_check(ctx, m, root, token);
        break;
    case LSN_CH_WX_CUSTOM:
        rc = lw_build_wx_custom(ctx, m, root, token);
        break;
    default:
        rc = lw_build_wecom(ctx, m, root, token);
        break;
    }

    yajl_tree_free(root);

    if (rc != 0) {
        return -1;
    }

    if (lw_req_prepare(ctx->http, &m->req,
                       m->channel == LSN_CH_SMS ? c->sms_method : "POST",
                       m->channel == LSN_CH_SMS ? c->sms_content_type
                       : "application/json")
        != 0)
    {
        lw_out(&m->out, LW_RETRY, "no_memory", NULL);
        return -1;
    }

    return 0;
}


long
lw_json_errcode(const char *body, size_t len, char *errmsg, size_t cap)
{
    long         code;
    char        *copy, errbuf[64];
    yajl_val     root, v;
    const char  *p_code[] = { "errcode", NULL };
    const char  *p_msg[] = { "errmsg", NULL };

    if (errmsg != NULL && cap > 0) {
        errmsg[0] = '\0';
    }

    copy = malloc(len + 1);
    if (copy == NULL) {
        return -2;
    }

    memcpy(copy, body, len);
    copy[len] = '\0';

    root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
    free(copy);

    if (root == NULL || !YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return -2;
    }

    code = 0;
    v = yajl_tree_get(root, p_code, yajl_t_number);
    if (v != NULL && YAJL_IS_INTEGER(v)) {
        code = (long) YAJL_GET_INTEGER(v);
    }

    v = yajl_tree_get(root, p_msg, yajl_t_string);
    if (v != NULL && errmsg != NULL && cap > 0) {
        snprintf(errmsg, cap, "%s", lw_ystr(v));
    }

    yajl_tree_free(root);

    return code;
}


static void
lw_classify_wx(lw_ctx_t *ctx, lw_msg_t *m)
{
    long       code;
    char         errmsg[256], field[64], num[32], detail[256];
    const char  *inv;
    char      *copy, errbuf[64];
    yajl_val   root, v;
    lw_req_t  *r;
    const char *p_inv[] = { "invaliduser", NULL };

    (void) ctx;

    r = &m->req;

    code = lw_json_errcode(r->resp.data ? r->resp.data : "", r->resp.len,
                           errmsg, sizeof(errmsg));

    if (code == -2) {
        lw_out(&m->out, LW_RETRY, "bad_answer", "answer is not JSON");
        return;
    }

    snprintf(num, sizeof(num), "%ld", code);

    if (m->channel == LSN_CH_WX_SEC_CHECK && (code == 0 || code == 87014)) {
        lw_classify_sec_check(m, code, errmsg);
        return;
    }

    switch (code) {

    case 0:
        lw_out(&m->out, LW_SENT, "0", NULL);

        if (m->channel != LSN_CH_WECOM || r->resp.data == NULL) {
            return;
        }

        /* WeCom answers 0 and lists the members it could not reach */
        copy = strdup(r->resp.data);
        if (copy == NULL) {
            return;
        }

        root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
        free(copy);

        v = root ? yajl_tree_get(root, p_inv, yajl_t_string) : NULL;
        inv = v ? lw_ystr(v) : NULL;

        if (inv != NULL && inv[0] != '\0'
            && strcmp(inv, m->recipient) == 0)
        {
            lw_out(&m->out, LW_FAILED, "invaliduser",
                   "WeCom: the member cannot be reached");
        }

        yajl_tree_free(root);
        return;

    case -1:
    case 45011:
    case 45033:
        lw_out(&m->out, LW_RETRY, num, errmsg);
        return;

    case 40001:
    case 40014:
    case 42001:
        lw_out(&m->out, LW_TOKEN, num, errmsg);
        return;

    case 45009:
        lw_out(&m->out, LW_NEXT_DAY, num, errmsg);
        return;

    case 43101:
        lw_out(&m->out, LW_FAILED, num, errmsg);
        m->out.consent_used_up = m->channel == LSN_CH_WX_SUBSCRIBE;
        return;

    case 47003:
        if (lsn_wxmsg_error_field(errmsg, strlen(errmsg), field,
                                  sizeof(field)) > 0)
        {
            snprintf(detail, sizeof(detail), "field %.63s: %.150s", field,
                     errmsg);

        } else {
            snprintf(detail, sizeof(detail), "%.150s", errmsg);
        }

        lw_out(&m->out, LW_FAILED, num, detail);
        return;

    default:
        /* 40003, 40037, 41030, 43004, 81013 and the unknown: permanent */
        lw_out(&m->out, LW_FAILED, num, errmsg);
        return;
    }
}


static void
lw_classify_sms(lw_ctx_t *ctx, lw_msg_t *m)
{
    int          cut;
    char         detail[128];
    size_t       n;
    lw_req_t    *r;
    const char  *body;

    r = &m->req;
    body = r->resp.data ? r->resp.data : "";

    if (r->status >= 200 && r->status < 300) {
        if (ctx->conf->sms_ok[0] == '\0'
            || strstr(body, ctx->conf->sms_ok) != NULL)
        {
            lw_out(&m->out, LW_SENT, "0", NULL);
            return;
        }

        /* the gateway refused it: keep the start of its answer */
        n = r->resp.len < 100 ? r->resp.len : 100;
        n = lw_utf8_prefix(body, n, 100, &cut);
        snprintf(detail, sizeof(detail), "%.*s", (int) n, body);
        lw_out(&m->out, LW_FAILED, "rejected", detail);
        return;
    }

    snprintf(detail, sizeof(detail), "http_%ld", r->status);
    lw_out(&m->out, LW_FAILED, detail, NULL);
}


void
lw_channel_classify(lw_ctx_t *ctx, lw_msg_t *m)
{
    char       code[32];
    lw_req_t  *r;

    r = &m->req;
    m->out.consent_used_up = 0;
    m->out.verdict[0] = '\0';

    if (r->cerr != CURLE_OK) {
        lw_out(&m->out, LW_RETRY,
               r->cerr == CURLE_OPERATION_TIMEDOUT ? "timeout" : "network",
               r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->cerr));
        return;
    }

    if (r->status >= 500 || r->status == 429 || r->status == 408) {
        snprintf(code, sizeof(code), "http_%ld", r->status);
        lw_out(&m->out, LW_RETRY, code, NULL);
        return;
    }

    if (m->channel == LSN_CH_SMS) {
        lw_classify_sms(ctx, m);
        return;
    }

    if (r->status != 200) {
        snprintf(code, sizeof(code), "http_%ld", r->status);
        lw_out(&m->out, LW_FAILED, code, NULL);
        return;
    }

    lw_classify_wx(ctx, m);
}
