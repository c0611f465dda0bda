
/*
 * Copyright (C) Liaison authors
 *
 * Request bodies: yajl's event parser building a small tree in the
 * request pool (lengths kept, so an escaped NUL cannot hide the rest of
 * a string).  Responses: a growing buffer with escaping from the core.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <yajl/yajl_parse.h>
#include "ngx_http_liaison_json.h"
#include "lsn_calendar.h"
#include "lsn_text.h"


#define NGX_HTTP_LIAISON_JSON_MAX_DEPTH  16


typedef struct {
    ngx_pool_t                *pool;
    ngx_http_liaison_json_t   *root;
    ngx_http_liaison_json_t   *cur;      /* open container */
    ngx_str_t                  key;      /* pending member name */
    ngx_uint_t                 depth;
    const char                *err;
} ngx_http_liaison_json_ctx_t;


static ngx_http_liaison_json_t *ngx_http_liaison_json_add(
    ngx_http_liaison_json_ctx_t *ctx, ngx_http_liaison_json_type_e type);
static int ngx_http_liaison_json_null(void *data);
static int ngx_http_liaison_json_boolean(void *data, int b);
static int ngx_http_liaison_json_number(void *data, const char *s,
    size_t len);
static int ngx_http_liaison_json_string(void *data, const unsigned char *s,
    size_t len);
static int ngx_http_liaison_json_start_map(void *data);
static int ngx_http_liaison_json_map_key(void *data, const unsigned char *s,
    size_t len);
static int ngx_http_liaison_json_end(void *data);
static int ngx_http_liaison_json_start_array(void *data);


static yajl_callbacks  ngx_http_liaison_json_callbacks = {
    ngx_http_liaison_json_null,
    ngx_http_liaison_json_boolean,
    NULL,
    NULL,
    ngx_http_liaison_json_number,
    ngx_http_liaison_json_string,
    ngx_http_liaison_json_start_map,
    ngx_http_liaison_json_map_key,
    ngx_http_liaison_json_end,
    ngx_http_liaison_json_start_array,
    ngx_http_liaison_json_end
};


ngx_int_t
ngx_http_liaison_json_parse(ngx_pool_t *pool, u_char *data, size_t len,
    ngx_http_liaison_json_t **root, const char **err)
{
    yajl_handle                  h;
    yajl_status                  st;
    ngx_http_liaison_json_ctx_t  ctx;

    ngx_memzero(&ctx, sizeof(ngx_http_liaison_json_ctx_t));
    ctx.pool = pool;

    if (lsn_utf8_count(data, len) < 0) {
        *err = "请求体不是有效的 UTF-8 文本";
        return NGX_ERROR;
    }

    if (!lsn_json_escapes_valid(data, len)) {
        *err = "请求体含有无效的 Unicode 转义";
        return NGX_ERROR;
    }

    h = yajl_alloc(&ngx_http_liaison_json_callbacks, NULL, &ctx);
    if (h == NULL) {
        *err = "服务器内存不足";
        return NGX_ERROR;
    }

    st = yajl_parse(h, data, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }

    yajl_free(h);

    if (st != yajl_status_ok || ctx.root == NULL) {
        *err = ctx.err ? ctx.err : "请求体不是有效的 JSON";
        return NGX_ERROR;
    }

    *root = ctx.root;

    return NGX_OK;
}


static ngx_http_liaison_json_t *
ngx_http_liaison_json_add(ngx_http_liaison_json_ctx_t *ctx,
    ngx_http_liaison_json_type_e type)
{
    ngx_http_liaison_json_t  *v, *parent;

    v = ngx_pcalloc(ctx->pool, sizeof(ngx_http_liaison_json_t));
    if (v == NULL) {
        ctx->err = "服务器内存不足";
        return NULL;
    }

    v->type = type;
    parent = ctx->cur;

    if (parent == NULL) {
        ctx->root = v;
        return v;
    }

    v->parent = parent;

    if (parent->type == NGX_HTTP_LIAISON_JSON_OBJECT) {
        v->key = ctx->key;
        ngx_str_null(&ctx->key);
    }

    if (parent->last) {
        parent->last->next = v;

    } else {
        parent->child = v;
    }

    parent->last = v;

    return v;
}


static int
ngx_http_liaison_json_null(void *data)
{
    return ngx_http_liaison_json_add(data, NGX_HTTP_LIAISON_JSON_NULL)
           != NULL;
}


static int
ngx_http_liaison_json_boolean(void *data, int b)
{
    return ngx_http_liaison_json_add(data, b ? NGX_HTTP_LIAISON_JSON_TRUE
                                             : NGX_HTTP_LIAISON_JSON_FALSE)
           != NULL;
}


static int
ngx_http_liaison_json_number(void *data, const char *s, size_t len)
{
    ngx_http_liaison_json_t  *v;

    v = ngx_http_liaison_json_add(data, NGX_HTTP_LIAISON_JSON_NUMBER);
    if (v == NULL) {
        return 0;
    }

    v->value.data = ngx_pstrdup(((ngx_http_liaison_json_ctx_t *) data)->pool,
                                &(ngx_str_t) { len, (u_char *) s });
    v->value.len = len;

    return v->value.data != NULL;
}


static int
ngx_http_liaison_json_string(void *data, const unsigned char *s, size_t len)
{
    u_char                       *p;
    ngx_http_liaison_json_t      *v;
    ngx_http_liaison_json_ctx_t  *ctx = data;

    v = ngx_http_liaison_json_add(ctx, NGX_HTTP_LIAISON_JSON_STRING);
    if (v == NULL) {
        return 0;
    }

    /* NUL-terminated copy: handy for the core, and lengths stay exact */
    p = ngx_pnalloc(ctx->pool, len + 1);
    if (p == NULL) {
        return 0;
    }

    ngx_memcpy(p, s, len);
    p[len] = '\0';
    v->value.data = p;
    v->value.len = len;

    return 1;
}


static int
ngx_http_liaison_json_start_map(void *data)
{
    ngx_http_liaison_json_t      *v;
    ngx_http_liaison_json_ctx_t  *ctx = data;

    if (++ctx->depth > NGX_HTTP_LIAISON_JSON_MAX_DEPTH) {
        ctx->err = "JSON 嵌套层次过深";
        return 0;
    }

    v = ngx_http_liaison_json_add(ctx, NGX_HTTP_LIAISON_JSON_OBJECT);
    if (v == NULL) {
        return 0;
    }

    ctx->cur = v;

    return 1;
}


static int
ngx_http_liaison_json_start_array(void *data)
{
    ngx_http_liaison_json_t      *v;
    ngx_http_liaison_json_ctx_t  *ctx = data;

    if (++ctx->depth > NGX_HTTP_LIAISON_JSON_MAX_DEPTH) {
        ctx->err = "JSON 嵌套层次过深";
        return 0;
    }

    v = ngx_http_liaison_json_add(ctx, NGX_HTTP_LIAISON_JSON_ARRAY);
    if (v == NULL) {
        return 0;
    }

    ctx->cur = v;

    return 1;
}


static int
ngx_http_liaison_json_map_key(void *data, const unsigned char *s, size_t len)
{
    ngx_http_liaison_json_t      *v;
    ngx_http_liaison_json_ctx_t  *ctx = data;

    for (v = ctx->cur->child; v; v = v->next) {
        if (v->key.len == len && ngx_memcmp(v->key.data, s, len) == 0) {
            ctx->err = "JSON 对象中有重复的字段";
            return 0;
        }
    }

    ctx->key.data = ngx_pnalloc(ctx->pool, len + 1);
    if (ctx->key.data == NULL) {
        return 0;
    }

    ngx_memcpy(ctx->key.data, s, len);
    ctx->key.data[len] = '\0';
    ctx->key.len = len;

    return 1;
}


static int
ngx_http_liaison_json_end(void *data)
{
    ngx_http_liaison_json_ctx_t  *ctx = data;

    ctx->depth--;
    ctx->cur = ctx->cur->parent;

    return 1;
}


ngx_http_liaison_json_t *
ngx_http_liaison_json_get(ngx_http_liaison_json_t *obj, const char *key)
{
    size_t                    len;
    ngx_http_liaison_json_t  *v;

    if (obj == NULL || obj->type != NGX_HTTP_LIAISON_JSON_OBJECT) {
        return NULL;
    }

    len = ngx_strlen(key);

    for (v = obj->child; v; v = v->next) {
        if (v->key.len == len && ngx_memcmp(v->key.data, key, len) == 0) {
            v->used = 1;
            return v;
        }
    }

    return NULL;
}


ngx_http_liaison_json_t *
ngx_http_liaison_json_unused(ngx_http_liaison_json_t *obj)
{
    ngx_http_liaison_json_t  *v;

    for (v = obj->child; v; v = v->next) {
        if (!v->used) {
            return v;
        }
    }

    return NULL;
}


void
ngx_http_liaison_json_str(ngx_http_liaison_buf_t *b, u_char *s, size_t len)
{
    u_char  *p;

    p = ngx_http_liaison_buf_reserve(b, lsn_json_escaped_len(s, len) + 2);
    if (p == NULL) {
        return;
    }

    *p++ = '"';
    p += lsn_json_escape(p, s, len);
    *p++ = '"';

    b->pos = p;
}


void
ngx_http_liaison_json_key(ngx_http_liaison_buf_t *b, const char *key)
{
    u_char  c;

    c = ngx_http_liaison_buf_last(b);

    if (c != 0 && c != '{' && c != '[') {
        ngx_http_liaison_buf_lit(b, ",");
    }

    ngx_http_liaison_json_str(b, (u_char *) key, ngx_strlen(key));
    ngx_http_liaison_buf_lit(b, ":");
}


void
ngx_http_liaison_json_int(ngx_http_liaison_buf_t *b, int64_t n)
{
    u_char  buf[NGX_INT64_LEN + 1], *p;

    p = ngx_sprintf(buf, "%L", n);
    ngx_http_liaison_buf_raw(b, buf, p - buf);
}


void
ngx_http_liaison_json_kv(ngx_http_liaison_buf_t *b, const char *key,
    u_char *s, size_t len)
{
    ngx_http_liaison_json_key(b, key);

    if (s == NULL) {
        ngx_http_liaison_buf_lit(b, "null");
        return;
    }

    ngx_http_liaison_json_str(b, s, len);
}


void
ngx_http_liaison_json_kv_time(ngx_http_liaison_buf_t *b, const char *key,
    time_t t)
{
    char    buf[32];
    size_t  n;

    n = lsn_format_rfc3339(t, buf);
    ngx_http_liaison_json_kv(b, key, (u_char *) buf, n);
}


void
ngx_http_liaison_json_kv_dt(ngx_http_liaison_buf_t *b, const char *key,
    char *value, size_t len)
{
    time_t  t;

    if (value == NULL || lsn_parse_datetime(value, len, &t) != 0) {
        ngx_http_liaison_json_kv(b, key, NULL, 0);
        return;
    }

    ngx_http_liaison_json_kv_time(b, key, t);
}


void
ngx_http_liaison_json_kv_bool(ngx_http_liaison_buf_t *b, const char *key,
    ngx_uint_t value)
{
    ngx_http_liaison_json_key(b, key);

    if (value) {
        ngx_http_liaison_buf_lit(b, "true");

    } else {
        ngx_http_liaison_buf_lit(b, "false");
    }
}


void
ngx_http_liaison_json_kv_ref(ngx_http_liaison_buf_t *b, const char *key,
    char *id, size_t id_len, char *name, size_t name_len)
{
    ngx_http_liaison_json_key(b, key);

    if (id == NULL) {
        ngx_http_liaison_buf_lit(b, "null");
        return;
    }

    ngx_http_liaison_buf_lit(b, "{\"id\":");
    ngx_http_liaison_buf_raw(b, id, id_len);
    ngx_http_liaison_json_kv(b, "name", (u_char *) name, name_len);
    ngx_http_liaison_buf_lit(b, "}");
}
