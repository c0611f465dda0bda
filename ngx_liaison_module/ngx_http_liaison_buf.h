
/*
 * Copyright (C) Liaison authors
 *
 * One growing buffer for everything the module builds as text: JSON
 * answers (ngx_http_liaison_json.h writes into it) and SQL batches (every
 * value through lsn_sql_format()).  A failed allocation is sticky: later
 * appends do nothing and ngx_http_liaison_buf_str() reports it once, so
 * builders need no check after each piece.
 */


#ifndef _NGX_HTTP_LIAISON_BUF_H_INCLUDED_
#define _NGX_HTTP_LIAISON_BUF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_pool_t                   *pool;
    u_char                       *start;     /* NULL until the first append */
    u_char                       *pos;
    u_char                       *end;
    ngx_uint_t                    failed;
} ngx_http_liaison_buf_t;


/* size 0: the memory is taken at the first append */
ngx_int_t ngx_http_liaison_buf_init(ngx_http_liaison_buf_t *b,
    ngx_pool_t *pool, size_t size);
void ngx_http_liaison_buf_raw(ngx_http_liaison_buf_t *b, const void *s,
    size_t len);

/* Appends lsn_sql_format(fmt, ...): every value quoted and escaped. */
void ngx_http_liaison_buf_sql(ngx_http_liaison_buf_t *b, const char *fmt,
    ...);
void ngx_http_liaison_buf_vsql(ngx_http_liaison_buf_t *b, const char *fmt,
    va_list args);

/* sep (a constant of the code) before every list item but the first */
void ngx_http_liaison_buf_sep(ngx_http_liaison_buf_t *b, ngx_uint_t i,
    const char *sep);

/* Room for len more bytes at b->pos, or NULL (the buffer is failed). */
u_char *ngx_http_liaison_buf_reserve(ngx_http_liaison_buf_t *b, size_t len);

/* The text so far, NUL-terminated; NGX_ERROR when anything failed. */
ngx_int_t ngx_http_liaison_buf_str(ngx_http_liaison_buf_t *b, ngx_str_t *s);


#define ngx_http_liaison_buf_lit(b, s)                                       \
    ngx_http_liaison_buf_raw(b, s, sizeof(s) - 1)

#define ngx_http_liaison_buf_len(b)  ((size_t) ((b)->pos - (b)->start))

/* the last byte written, or 0 in an empty buffer */
#define ngx_http_liaison_buf_last(b)                                         \
    ((b)->pos > (b)->start ? (b)->pos[-1] : 0)


#endif /* _NGX_HTTP_LIAISON_BUF_H_INCLUDED_ */
