
/*
 * Copyright (C) Liaison authors
 */


#ifndef _NGX_HTTP_LIAISON_JSON_H_INCLUDED_
#define _NGX_HTTP_LIAISON_JSON_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_http_liaison_buf.h"


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

/*
 * JSON written into a buffer: a string with its quotes and escapes, a
 * member name with its colon (and the comma before it unless it opens an
 * object), an integer, a member holding a string (null when s is NULL),
 * a time (RFC 3339, +08:00), a DATETIME column as such a time (null when
 * NULL or unreadable), a boolean.
 */
void ngx_http_liaison_json_str(ngx_http_liaison_buf_t *b, u_char *s,
    size_t len);
void ngx_http_liaison_json_key(ngx_http_liaison_buf_t *b, const char *key);
void ngx_http_liaison_json_int(ngx_http_liaison_buf_t *b, int64_t n);
void ngx_http_liaison_json_kv(ngx_http_liaison_buf_t *b, const char *key,
    u_char *s, size_t len);
void ngx_http_liaison_json_kv_time(ngx_http_liaison_buf_t *b,
    const char *key, time_t t);
void ngx_http_liaison_json_kv_dt(ngx_http_liaison_buf_t *b, const char *key,
    char *value, size_t len);
void ngx_http_liaison_json_kv_bool(ngx_http_liaison_buf_t *b,
    const char *key, ngx_uint_t value);
/* "key": {"id": id, "name": name} from two columns; null when id is NULL */
void ngx_http_liaison_json_kv_ref(ngx_http_liaison_buf_t *b,
    const char *key, char *id, size_t id_len, char *name, size_t name_len);


#endif /* _NGX_HTTP_LIAISON_JSON_H_INCLUDED_ */
