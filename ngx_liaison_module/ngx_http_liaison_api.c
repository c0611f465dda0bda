
/*
 * Copyright (C) Liaison authors
 *
 * The request kernel: answers, errors, request readers, batches of SQL,
 * rows, the thread pool.  Nothing here knows an endpoint.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/rand.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_batch.h"
#include "ngx_http_liaison_group.h"
#include "ngx_http_liaison_prepared.h"
#include "lsn_text.h"


#define NGX_HTTP_LIAISON_PER_PAGE      20
#define NGX_HTTP_LIAISON_PER_PAGE_MAX  100
#define NGX_HTTP_LIAISON_TASK_WARN     10000


static void ngx_http_liaison_send(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_buf_t *b);
static void ngx_http_liaison_refused(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_thread_done(ngx_event_t *ev);
static void ngx_http_liaison_thread_guard(ngx_event_t *ev);
static ngx_int_t ngx_http_liaison_run_prepare(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler);


static ngx_str_t  ngx_http_liaison_json_type =
    ngx_string("application/json; charset=utf-8");


/* Answers */

void
ngx_http_liaison_answer(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    ngx_http_liaison_buf_t *b)
{
    ngx_http_request_t  *r;

    r = ctx->r;

    if (b->failed) {
        ngx_http_liaison_fail(ctx, "out of memory building the answer");
        return;
    }

    r->headers_out.status = status;
    r->headers_out.content_type = ngx_http_liaison_json_type;
    r->headers_out.content_type_len = ngx_http_liaison_json_type.len;

    ngx_http_liaison_send(ctx, b);
}


void
ngx_http_liaison_answer_str(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    ngx_str_t *json)
{
    ngx_http_liaison_buf_t  b;

    b.pool = ctx->r->pool;
    b.start = json->data;
    b.pos = json->data + json->len;
    b.end = b.pos;
    b.failed = 0;

    ngx_http_liaison_answer(ctx, status, &b);
}


void
ngx_http_liaison_answer_as(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *type, ngx_http_liaison_buf_t *b)
{
    ngx_http_request_t  *r;

    r = ctx->r;

    if (b->failed) {
        ngx_http_liaison_fail(ctx, "out of memory building the answer");
        return;
    }

    r->headers_out.status = status;
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    ngx_http_liaison_send(ctx, b);
}


/* The body with the status and type already set; the request ends. */

static void
ngx_http_liaison_send(ngx_http_liaison_ctx_t *ctx, ngx_http_liaison_buf_t *b)
{
    ngx_int_t            rc;
    ngx_buf_t           *out;
    ngx_chain_t          cl;
    ngx_table_elt_t     *h;
    ngx_http_request_t  *r;

    r = ctx->r;

    ngx_http_liaison_db_release(&ctx->op);

    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = b->start ? b->pos - b->start : 0;

    h = ngx_list_push(&r->headers_out.headers);
    if (h != NULL) {
        h->hash = 1;
        ngx_str_set(&h->key, "Cache-Control");
        ngx_str_set(&h->value, "no-store");
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    out = ngx_calloc_buf(r->pool);
    if (out == NULL) {
        ngx_http_finalize_request(r, NGX_ERROR);
        return;
    }

    out->pos = b->start;
    out->last = b->pos;
    out->memory = (b->pos > b->start);
    out->last_buf = (r == r->main) ? 1 : 0;
    out->last_in_chain = 1;

    cl.buf = out;
    cl.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &cl));
}


void
ngx_http_liaison_answer_id(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    uint64_t id)
{
    ngx_http_liaison_buf_t  b;

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 32);

    ngx_http_liaison_buf_lit(&b, "{\"id\":");
    ngx_http_liaison_json_int(&b, (int64_t) id);
    ngx_http_liaison_buf_lit(&b, "}");

    ngx_http_liaison_answer(ctx, status, &b);
}


void
ngx_http_liaison_answer_ok(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_buf_t  b;

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 16);

    ngx_http_liaison_buf_lit(&b, "{\"ok\":true}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


void
ngx_http_liaison_error(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, const char *field)
{
    ngx_http_liaison_buf_t  b;

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(&b, "{\"error\":{");
    ngx_http_liaison_json_kv(&b, "code", (u_char *) code, ngx_strlen(code));
    ngx_http_liaison_json_kv(&b, "message", (u_char *) message,
                             ngx_strlen(message));

    if (field) {
        ngx_http_liaison_json_kv(&b, "field", (u_char *) field,
                                 ngx_strlen(field));
    }

    ngx_http_liaison_buf_lit(&b, "}}");

    if (b.failed) {
        /* not even this fits: nginx's own page is all that is left */
        ngx_http_liaison_db_release(&ctx->op);
        ngx_http_finalize_request(ctx->r, NGX_ERROR);
        return;
    }

    ngx_http_liaison_answer(ctx, status, &b);
}


void
ngx_http_liaison_invalid(ngx_http_liaison_ctx_t *ctx, const char *message,
    const char *field)
{
    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           message, field);
}


void
ngx_http_liaison_not_found(ngx_http_liaison_ctx_t *ctx, const char *message)
{
    ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                           message ? message : "请求的资源不存在", NULL);
}


void
ngx_http_liaison_unauthorized(ngx_http_liaison_ctx_t *ctx,
    const char *message)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&ctx->r->headers_out.headers);
    if (h != NULL) {
        h->hash = 1;
        ngx_str_set(&h->key, "WWW-Authenticate");
        ngx_str_set(&h->value, "Bearer");
    }

    ngx_http_liaison_error(ctx, NGX_HTTP_UNAUTHORIZED, "unauthenticated",
                           message, NULL);
}


void
ngx_http_liaison_fail(ngx_http_liaison_ctx_t *ctx, const char *why)
{
    ngx_log_error(NGX_LOG_ERR, ctx->r->connection->log, 0,
                  "liaison: %s", why);

    ngx_http_liaison_error(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                           "internal_error", "服务器内部错误", NULL);
}


void
ngx_http_liaison_db_error(ngx_http_liaison_ctx_t *ctx)
{
    if (ctx->op.rc == NGX_HTTP_LIAISON_DB_UNAVAILABLE) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "服务暂时不可用，请稍后重试",
                               NULL);
        return;
    }

    if (ctx->op.rc == NGX_ERROR
        && ngx_http_liaison_db_retriable(ctx->op.err_no))
    {
        /* lost a race for locks, each time: nothing was written */
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "服务繁忙，请稍后重试", NULL);
        return;
    }

    if (ctx->op.rc == NGX_ERROR) {
        /* the pool logged the statement's error */
        ngx_http_liaison_error(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                               "internal_error", "服务器内部错误", NULL);
        return;
    }

    ngx_http_liaison_fail(ctx, "a database answer of an unexpected shape");
}


void
ngx_http_liaison_refuse(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, const char *field)
{
    ngx_http_liaison_buf_t  *b;

    /* the error is built now: the answer is sent after the ROLLBACK */
    b = ngx_palloc(ctx->r->pool, sizeof(ngx_http_liaison_buf_t));
    if (b == NULL) {
        ngx_http_liaison_db_release(&ctx->op);
        ngx_http_finalize_request(ctx->r, NGX_ERROR);
        return;
    }

    (void) ngx_http_liaison_buf_init(b, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(b, "{\"error\":{");
    ngx_http_liaison_json_kv(b, "code", (u_char *) code, ngx_strlen(code));
    ngx_http_liaison_json_kv(b, "message", (u_char *) message,
                             ngx_strlen(message));

    if (field) {
        ngx_http_liaison_json_kv(b, "field", (u_char *) field,
                                 ngx_strlen(field));
    }

    ngx_http_liaison_buf_lit(b, "}}");

    ctx->refusal_status = status;
    ctx->refusal = b;

    ngx_http_liaison_sql(ctx, "ROLLBACK");
    ngx_http_liaison_run(ctx, ngx_http_liaison_refused);
}


static void
ngx_http_liaison_refused(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    /* a failed ROLLBACK closed the connection: rolled back all the same */
    ngx_http_liaison_answer(ctx, ctx->refusal_status, ctx->refusal);
}


/* Reading the request */

ngx_int_t
ngx_http_liaison_arg(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), value) != NGX_OK) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


ngx_uint_t
ngx_http_liaison_flag_arg(ngx_http_request_t *r, const char *name)
{
    ngx_str_t  v;

    return ngx_http_liaison_arg(r, name, &v) == NGX_OK
           && v.len == 1 && v.data[0] == '1';
}


ngx_table_elt_t *
ngx_http_liaison_header(ngx_http_request_t *r, const char *name)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


ngx_int_t
ngx_http_liaison_page(ngx_http_liaison_ctx_t *ctx, ngx_uint_t *page,
    ngx_uint_t *per_page)
{
    ngx_int_t  n;
    ngx_str_t  v;

    *page = 1;
    *per_page = NGX_HTTP_LIAISON_PER_PAGE;

    if (ngx_http_liaison_arg(ctx->r, "page", &v) == NGX_OK) {
        n = ngx_atoi(v.data, v.len);
        if (n < 1 || n > 100000) {
            ngx_http_liaison_invalid(ctx, "page 须为 1 到 100000 的整数",
                                     "page");
            return NGX_ERROR;
        }

        *page = n;
    }

    if (ngx_http_liaison_arg(ctx->r, "per_page", &v) == NGX_OK) {
        n = ngx_atoi(v.data, v.len);
        if (n < 1 || n > NGX_HTTP_LIAISON_PER_PAGE_MAX) {
            ngx_http_liaison_invalid(ctx, "per_page 须为 1 到 100 的整数",
                                     "per_page");
            return NGX_ERROR;
        }

        *per_page = n;
    }

    return NGX_OK;
}


ngx_str_t *
ngx_http_liaison_path(ngx_http_liaison_ctx_t *ctx, const char *name)
{
    size_t       len;
    ngx_uint_t   i;

    static ngx_str_t  none = ngx_null_string;

    len = ngx_strlen(name);

    for (i = 0; i < ctx->ncaptures; i++) {
        if (ctx->captures[i].name.len == len
            && ngx_strncmp(ctx->captures[i].name.data, name, len) == 0)
        {
            return &ctx->captures[i].value;
        }
    }

    return &none;
}


ngx_int_t
ngx_http_liaison_path_id(ngx_http_liaison_ctx_t *ctx, const char *name,
    uint64_t *id)
{
    ngx_int_t   n;
    ngx_str_t  *v;

    v = ngx_http_liaison_path(ctx, name);
    n = (v->len && v->len <= 10) ? ngx_atoi(v->data, v->len) : NGX_ERROR;

    if (n <= 0) {
        ngx_http_liaison_not_found(ctx, NULL);
        return NGX_ERROR;
    }

    *id = (uint64_t) n;

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_day(ngx_http_liaison_ctx_t *ctx, ngx_str_t *s,
    const char *field, time_t *t)
{
    if (s->data == NULL
        || lsn_parse_day((char *) s->data, s->len, t) != 0)
    {
        ngx_http_liaison_invalid(ctx, "日期格式须为 YYYY-MM-DD", field);
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_body_str(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_json_t *obj, const char *key, const char *field,
    ngx_uint_t required, ngx_str_t *value)
{
    ngx_http_liaison_json_t  *v;

    ngx_str_null(value);

    v = ngx_http_liaison_json_get(obj ? obj : ctx->body, key);

    if (v == NULL || v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        if (!required) {
            return NGX_OK;
        }

        ngx_http_liaison_invalid(ctx, "缺少必填字段", field ? field : key);
        return NGX_ERROR;
    }

    if (v->type != NGX_HTTP_LIAISON_JSON_STRING) {
        ngx_http_liaison_invalid(ctx, "字段必须是字符串", field ? field : key);
        return NGX_ERROR;
    }

    *value = v->value;

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_body_text(ngx_http_liaison_ctx_t *ctx, const char *key,
    ngx_uint_t required, long max, ngx_str_t *value)
{
    ngx_http_liaison_json_t  *v;

    ngx_str_null(value);

    v = ngx_http_liaison_json_get(ctx->body, key);

    if (v == NULL || v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        if (!required) {
            return NGX_OK;
        }

        ngx_http_liaison_invalid(ctx, "缺少必填字段", key);
        return NGX_ERROR;
    }

    if (v->type != NGX_HTTP_LIAISON_JSON_STRING
        || lsn_text_valid(v->value.data, v->value.len, 1, max) != 0)
    {
        ngx_http_liaison_invalid(ctx, "字段须为长度合适的文本，"
                                      "且不含控制字符", key);
        return NGX_ERROR;
    }

    *value = v->value;

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_body_id(ngx_http_liaison_ctx_t *ctx, const char *key,
    uint64_t *value)
{
    ngx_int_t                 n;
    ngx_http_liaison_json_t  *v;

    *value = 0;

    v = ngx_http_liaison_json_get(ctx->body, key);

    if (v == NULL || v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        return NGX_OK;
    }

    n = (v->type == NGX_HTTP_LIAISON_JSON_NUMBER && v->value.len <= 10)
        ? ngx_atoi(v->value.data, v->value.len) : NGX_ERROR;

    if (n <= 0) {
        ngx_http_liaison_invalid(ctx, "编号须为正整数", key);
        return NGX_ERROR;
    }

    *value = (uint64_t) n;

    return NGX_OK;
}


ngx_int_t
ngx_http_liaison_body_unknown(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_json_t *obj)
{
    ngx_http_liaison_json_t  *extra;

    if (obj == NULL) {
        obj = ctx->body;
    }

    extra = obj ? ngx_http_liaison_json_unused(obj) : NULL;
    if (extra == NULL) {
        return NGX_OK;
    }

    ngx_http_liaison_invalid(ctx, "未知字段", (char *) extra->key.data);
    return NGX_ERROR;
}


/* The database */

void
ngx_http_liaison_sql(ngx_http_liaison_ctx_t *ctx, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    ngx_http_liaison_buf_vsql(&ctx->sql, fmt, args);
    va_end(args);
}


void
ngx_http_liaison_sql_execute(ngx_http_liaison_ctx_t *ctx, ngx_uint_t ps,
    const char *fmt, ...)
{
    va_list  args;

    ngx_http_liaison_sql(ctx, "EXECUTE ");
    ngx_http_liaison_buf_raw(&ctx->sql, ngx_http_liaison_ps[ps].name.data,
                             ngx_http_liaison_ps[ps].name.len);
    ngx_http_liaison_sql(ctx, " USING ");

    va_start(args, fmt);
    ngx_http_liaison_buf_vsql(&ctx->sql, fmt, args);
    va_end(args);

    ctx->stmts |= (ngx_uint_t) 1 << ps;
}


void
ngx_http_liaison_sql_sep(ngx_http_liaison_ctx_t *ctx, ngx_uint_t i,
    const char *sep)
{
    ngx_http_liaison_buf_sep(&ctx->sql, i, sep);
}


void
ngx_http_liaison_run(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler)
{
    if (ngx_http_liaison_run_prepare(ctx, handler) == NGX_OK) {
        ngx_http_liaison_db_query(&ctx->op, ctx->r->pool);
    }
}


void
ngx_http_liaison_run_grouped(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler)
{
    if (ngx_http_liaison_run_prepare(ctx, handler) == NGX_OK) {
        ngx_http_liaison_group_query(&ctx->op, ctx->r->pool);
    }
}


void
ngx_http_liaison_run_batched(ngx_http_liaison_ctx_t *ctx, ngx_uint_t ps,
    ngx_uint_t keys, ngx_str_t *key, ngx_uint_t col,
    ngx_http_liaison_db_handler_pt handler)
{
    if (ctx->op.pool) {
        /* a connection held, perhaps of the read pool */
        ngx_http_liaison_db_release(&ctx->op);
    }

    /* the batch's own statement: nothing built here */
    ctx->op.pool = ctx->mcf->pool;
    ctx->op.log = ctx->r->connection->log;
    ctx->op.handler = handler;
    ctx->op.data = ctx;

    ngx_http_liaison_batch_read(&ctx->op, ctx->r->pool, ps, keys, key, col);
}


/* The batch built becomes the op's; NGX_ERROR when it answered instead. */

static ngx_int_t
ngx_http_liaison_run_prepare(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler)
{
    ngx_str_t                    sql;
    ngx_http_liaison_db_pool_t  *pool;

    if (ngx_http_liaison_buf_str(&ctx->sql, &sql) != NGX_OK
        || sql.len == 0)
    {
        ngx_http_liaison_fail(ctx, ctx->sql.failed
                                   ? "could not build a SQL batch"
                                   : "an empty SQL batch");
        return NGX_ERROR;
    }

    /* the batch is the op's now; the next one starts in new memory */
    (void) ngx_http_liaison_buf_init(&ctx->sql, ctx->r->pool, 0);

    /* a read that tolerates lag goes to the read pool when there is one */
    pool = (ctx->lag_ok && ctx->mcf->read_pool) ? ctx->mcf->read_pool
                                                 : ctx->mcf->pool;
    ctx->lag_ok = 0;

    if (ctx->op.pool != pool && ctx->op.pool != NULL) {
        /* the connection held belongs to the other pool */
        ngx_http_liaison_db_release(&ctx->op);
    }

    ctx->op.sql = sql;
    ctx->op.pool = pool;
    ctx->op.log = ctx->r->connection->log;
    ctx->op.handler = handler;
    ctx->op.data = ctx;
    ctx->op.read_committed = ctx->read_committed;
    ctx->op.light = (ctx->endpoint
                     && (ctx->endpoint->flags & NGX_HTTP_LIAISON_LIGHT));
    ctx->op.stmts = ctx->stmts;
    ctx->read_committed = 0;
    ctx->stmts = 0;

    return NGX_OK;
}


MYSQL_ROW
ngx_http_liaison_row(ngx_http_liaison_db_op_t *op, ngx_uint_t i,
    unsigned long **len)
{
    MYSQL_ROW  row;

    if (i >= op->nstmts || op->res[i] == NULL) {
        return NULL;
    }

    row = mysql_fetch_row(op->res[i]);

    if (row && len) {
        *len = mysql_fetch_lengths(op->res[i]);
    }

    return row;
}


uint64_t
ngx_http_liaison_row_id(MYSQL_ROW row, unsigned long *len, ngx_uint_t i)
{
    ngx_int_t  n;

    if (row[i] == NULL) {
        return 0;
    }

    n = ngx_atoi((u_char *) row[i], len[i]);

    return n > 0 ? (uint64_t) n : 0;
}


ngx_int_t
ngx_http_liaison_row_copy(ngx_pool_t *pool, MYSQL_ROW row, unsigned long *len,
    ngx_uint_t i, ngx_str_t *value)
{
    if (row[i] == NULL) {
        ngx_str_null(value);
        return NGX_OK;
    }

    value->data = ngx_pnalloc(pool, len[i] + 1);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(value->data, row[i], len[i]);
    value->data[len[i]] = '\0';
    value->len = len[i];

    return NGX_OK;
}


void
ngx_http_liaison_rows_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                row;
    MYSQL_RES               *res;
    ngx_uint_t               i;
    unsigned long           *len;
    ngx_http_liaison_buf_t   b;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    /* the first statement that returned rows */
    res = NULL;
    for (i = 0; res == NULL && i < op->nstmts; i++) {
        res = op->res[i];
    }

    if (res == NULL) {
        ngx_http_liaison_fail(ctx, "a list query returned no rows");
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 4096);

    ngx_http_liaison_buf_lit(&b, "{\"items\":[");

    while ((row = mysql_fetch_row(res)) != NULL) {
        len = mysql_fetch_lengths(res);

        if (ngx_http_liaison_buf_last(&b) != '[') {
            ngx_http_liaison_buf_lit(&b, ",");
        }

        ngx_http_liaison_buf_raw(&b, row[0], len[0]);
    }

    ngx_http_liaison_buf_lit(&b, "],\"total\":");
    ngx_http_liaison_json_int(&b, mysql_num_rows(res));
    ngx_http_liaison_buf_lit(&b, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


/* Other */

ngx_int_t
ngx_http_liaison_random(u_char *buf, size_t len)
{
    return RAND_bytes(buf, (int) len) == 1 ? NGX_OK : NGX_ERROR;
}


/*
 * The task lives in the request pool; r->main->blocked keeps the request
 * alive while a thread uses it, and a pending timer keeps a gracefully
 * exiting worker alive until the answer is sent.
 */

void
ngx_http_liaison_thread_run(ngx_http_liaison_ctx_t *ctx,
    ngx_thread_task_t *task, const char *what, ngx_http_liaison_next_pt done)
{
    ctx->task = task;
    ctx->next = done;
    task->event.handler = ngx_http_liaison_thread_done;
    task->event.data = ctx;

    if (ngx_thread_task_post(ctx->mcf->thread_pool, task) != NGX_OK) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "服务繁忙，请稍后重试", NULL);
        return;
    }

    ctx->r->main->blocked++;

    ctx->task_guard.handler = ngx_http_liaison_thread_guard;
    ctx->task_guard.data = (void *) what;
    ctx->task_guard.log = ctx->r->connection->log;
    ngx_add_timer(&ctx->task_guard, NGX_HTTP_LIAISON_TASK_WARN);
}


static void
ngx_http_liaison_thread_guard(ngx_event_t *ev)
{
    ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                  "liaison: %s is taking more than 10s", (char *) ev->data);

    ngx_add_timer(ev, NGX_HTTP_LIAISON_TASK_WARN);
}


static void
ngx_http_liaison_thread_done(ngx_event_t *ev)
{
    ngx_http_liaison_ctx_t  *ctx = ev->data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->r;
    c = r->connection;      /* the handlers below may free the request */
    r->main->blocked--;

    if (ctx->task_guard.timer_set) {
        ngx_del_timer(&ctx->task_guard);
    }

    if (c->error) {
        /* the client went away meanwhile */
        r->write_event_handler(r);

    } else {
        ctx->next(ctx);
    }

    ngx_http_run_posted_requests(c);
}

