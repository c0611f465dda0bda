
/*
 * Copyright (C) Liaison authors
 */


#ifndef _NGX_HTTP_LIAISON_JSON_H_INCLUDED_
#define _NGX_HTTP_LIAISON_JSON_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef enum {
    NGX_HTTP_LIAISON_JSON_NULL = 0,
    NGX_HTTP_LIAISON_JSON_TRUE,
    NGX_HTTP_LIAISON_JSON_FALSE,
    NGX_HTTP_LIAISON_JSON_NUMBER,
    NGX_HTTP_LIAISON_JSON_STRING,
    NGX_HTTP_LIAISON_JSON_ARRAY,
    NGX_HTTP_LIAISON_JSON_OBJECT
} ngx_http_liaison_json_type_e;


typedef struct ngx_http_liaison_json_s  ngx_http_liaison_json_t;

struct ngx_http_liaison_json_s {
    ngx_http_liaison_json_type_e   type;
    ngx_str_t                      key;     /* member name in an object */
    ngx_str_t                      value;   /* string, or number as text */
    ngx_http_liaison_json_t       *parent;
    ngx_http_liaison_json_t       *child;
    ngx_http_liaison_json_t       *last;
    ngx_http_liaison_json_t       *next;
    ngx_uint_t                     used;    /* member consumed by a reader */
};


/* A growing response body in the request pool. */
typedef struct {
    ngx_pool_t                    *pool;
    u_char                        *start;
    u_char                        *pos;
    u_char                        *end;
    ngx_uint_t                     failed;
} ngx_http_liaison_out_t;


/*
 * Parses a request body (strict JSON, UTF-8 checked, depth-limited,
 * duplicate member names refused).  Returns NGX_OK, or NGX_ERROR with
 * *err set to a message for the client.
 */
ngx_int_t ngx_http_liaison_json_parse(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_http_liaison_json_t **root, const char **err);

ngx_http_liaison_json_t *ngx_http_liaison_json_get(
    ngx_http_liaison_json_t *obj, const char *key);

/* The first member no reader asked for, or NULL. */
ngx_http_liaison_json_t *ngx_http_liaison_json_unused(
    ngx_http_liaison_json_t *obj);

ngx_int_t ngx_http_liaison_out_init(ngx_http_liaison_out_t *out,
    ngx_pool_t *pool, size_t size);
void ngx_http_liaison_out_raw(ngx_http_liaison_out_t *out, const char *s,
    size_t len);
void ngx_http_liaison_out_str(ngx_http_liaison_out_t *out, u_char *s,
    size_t len);
/* A member name with its colon: ,"key": (the comma when not first). */
void ngx_http_liaison_out_key(ngx_http_liaison_out_t *out, const char *key);
void ngx_http_liaison_out_int(ngx_http_liaison_out_t *out, int64_t n);
/* A string member, or null when s is NULL. */
void ngx_http_liaison_out_kv(ngx_http_liaison_out_t *out, const char *key,
    u_char *s, size_t len);
void ngx_http_liaison_out_kv_time(ngx_http_liaison_out_t *out,
    const char *key, time_t t);

#define ngx_http_liaison_out_lit(out, s)                                     \
    ngx_http_liaison_out_raw(out, s, sizeof(s) - 1)


#endif /* _NGX_HTTP_LIAISON_JSON_H_INCLUDED_ */
