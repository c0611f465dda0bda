
/*
 * Copyright (C) Liaison authors
 *
 * The growing buffer: doubles its space in the owning pool, so a text
 * built from many pieces is copied O(log n) times, not once per piece.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_liaison_buf.h"
#include "lsn_sql.h"


#define NGX_HTTP_LIAISON_BUF_MIN  256


ngx_int_t
ngx_http_liaison_buf_init(ngx_http_liaison_buf_t *b, ngx_pool_t *pool,
    size_t size)
{
    b->pool = pool;
    b->failed = 0;
    b->start = NULL;
    b->pos = NULL;
    b->end = NULL;

    if (size == 0) {
        return NGX_OK;
    }

    return ngx_http_liaison_buf_reserve(b, size) ? NGX_OK : NGX_ERROR;
}


u_char *
ngx_http_liaison_buf_reserve(ngx_http_liaison_buf_t *b, size_t len)
{
    size_t   size, used;
    u_char  *p;

    if (b->failed) {
        return NULL;
    }

    if (b->start && (size_t) (b->end - b->pos) > len) {
        return b->pos;
    }

    used = b->start ? (size_t) (b->pos - b->start) : 0;
    size = b->start ? (size_t) (b->end - b->start) * 2
                    : NGX_HTTP_LIAISON_BUF_MIN;

    /* one byte more than asked: ngx_http_liaison_buf_str() ends with NUL */
    while (size < used + len + 1) {
        size *= 2;
    }

    p = ngx_pnalloc(b->pool, size);
    if (p == NULL) {
        b->failed = 1;
        return NULL;
    }

    if (used) {
        ngx_memcpy(p, b->start, used);
    }

    b->start = p;
    b->pos = p + used;
    b->end = p + size;

    return b->pos;
}


void
ngx_http_liaison_buf_raw(ngx_http_liaison_buf_t *b, const void *s,
    size_t len)
{
    if (ngx_http_liaison_buf_reserve(b, len) == NULL) {
        return;
    }

    b->pos = ngx_cpymem(b->pos, s, len);
}


void
ngx_http_liaison_buf_sql(ngx_http_liaison_buf_t *b, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    ngx_http_liaison_buf_vsql(b, fmt, args);
    va_end(args);
}


void
ngx_http_liaison_buf_vsql(ngx_http_liaison_buf_t *b, const char *fmt,
    va_list args)
{
    long     n;
    va_list  copy;

    if (b->failed) {
        return;
    }

    va_copy(copy, args);
    n = lsn_sql_vformat(NULL, 0, fmt, copy);
    va_end(copy);

    if (n < 0) {
        /* a directive the builder does not know: a bug in the caller */
        b->failed = 1;
        return;
    }

    if (ngx_http_liaison_buf_reserve(b, n) == NULL) {
        return;
    }

    (void) lsn_sql_vformat((char *) b->pos, n, fmt, args);
    b->pos += n;
}


void
ngx_http_liaison_buf_sep(ngx_http_liaison_buf_t *b, ngx_uint_t i,
    const char *sep)
{
    if (i > 0) {
        ngx_http_liaison_buf_raw(b, sep, ngx_strlen(sep));
    }
}


ngx_int_t
ngx_http_liaison_buf_str(ngx_http_liaison_buf_t *b, ngx_str_t *s)
{
    if (ngx_http_liaison_buf_reserve(b, 0) == NULL) {
        return NGX_ERROR;
    }

    *b->pos = '\0';
    s->data = b->start;
    s->len = b->pos - b->start;

    return NGX_OK;
}
