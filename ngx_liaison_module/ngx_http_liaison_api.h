
/*
 * Copyright (C) Liaison authors
 *
 * The request kernel: what every endpoint uses to read its request, talk
 * to the database and answer.  Every answer the module sends goes through
 * here, and every error is the JSON body of the API contract:
 * {"error": {"code", "message", "field"}}.
 *
 * A handler answers exactly once.  After any function here that answers
 * (or that returns NGX_ERROR/NGX_DECLINED saying it answered), the handler
 * returns without touching the request.
 */


#ifndef _NGX_HTTP_LIAISON_API_H_INCLUDED_
#define _NGX_HTTP_LIAISON_API_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/* Answers */

/* JSON from b with the status; a failed buffer answers internal_error. */
void ngx_http_liaison_answer(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    ngx_http_liaison_buf_t *b);
/* JSON text built earlier (e.g. kept for idempotent replays) */
void ngx_http_liaison_answer_str(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, ngx_str_t *json);
/* b as the body, of the content type given (a constant) */
void ngx_http_liaison_answer_as(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, const char *type, ngx_http_liaison_buf_t *b);
/* {"id": id} */
void ngx_http_liaison_answer_id(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, uint64_t id);
/* 200 {"ok": true} */
void ngx_http_liaison_answer_ok(ngx_http_liaison_ctx_t *ctx);

void ngx_http_liaison_error(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, const char *field);
/* 400 invalid_argument naming the field */
void ngx_http_liaison_invalid(ngx_http_liaison_ctx_t *ctx,
    const char *message, const char *field);
/* 404 not_found; message NULL: the generic one */
void ngx_http_liaison_not_found(ngx_http_liaison_ctx_t *ctx,
    const char *message);
/* 401 with WWW-Authenticate: Bearer */
void ngx_http_liaison_unauthorized(ngx_http_liaison_ctx_t *ctx,
    const char *message);

/*
 * Something that cannot happen did (out of memory, a result of the wrong
 * shape): logs why at "error" and answers 500 internal_error.
 */
void ngx_http_liaison_fail(ngx_http_liaison_ctx_t *ctx, const char *why);

/* The batch in ctx->op failed: 503 unavailable, or fail(). */
void ngx_http_liaison_db_error(ngx_http_liaison_ctx_t *ctx);

/*
 * After a transaction took its locks: ROLLBACK, then the error.  Use it
 * for every refusal decided inside an open transaction.
 */
void ngx_http_liaison_refuse(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, const char *field);


/* Reading the request */

/* A query argument (still URL-encoded); NGX_DECLINED when absent. */
ngx_int_t ngx_http_liaison_arg(ngx_http_request_t *r, const char *name,
    ngx_str_t *value);
/* 1 when the query argument is exactly "1" */
ngx_uint_t ngx_http_liaison_flag_arg(ngx_http_request_t *r,
    const char *name);
/* A request header by name, or NULL. */
ngx_table_elt_t *ngx_http_liaison_header(ngx_http_request_t *r,
    const char *name);
/* page= and per_page= (1..100, default 20); answers 400 itself. */
ngx_int_t ngx_http_liaison_page(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t *page, ngx_uint_t *per_page);

/* The "{name}" segment of the path (empty when the pattern has none). */
ngx_str_t *ngx_http_liaison_path(ngx_http_liaison_ctx_t *ctx,
    const char *name);
/* The "{name}" segment as a positive id; 404 itself when it is not one. */
ngx_int_t ngx_http_liaison_path_id(ngx_http_liaison_ctx_t *ctx,
    const char *name, uint64_t *id);

/* s (a query argument or a body member) as "YYYY-MM-DD", 00:00 Beijing
   time; 400 naming field itself when it is absent or not a day. */
ngx_int_t ngx_http_liaison_day(ngx_http_liaison_ctx_t *ctx, ngx_str_t *s,
    const char *field, time_t *t);

/*
 * Members of a JSON object (the body when obj is NULL); each answers 400
 * itself and returns NGX_ERROR.  field names the member in the error
 * ("contact.phone"); NULL: the key.
 *   _str   a string, any length; absent or null: value->data NULL
 *   _text  1..max characters of valid text (no control characters)
 *   _id    a positive integer; absent or null: 0
 */
ngx_int_t ngx_http_liaison_body_str(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_json_t *obj, const char *key, const char *field,
    ngx_uint_t required, ngx_str_t *value);
ngx_int_t ngx_http_liaison_body_text(ngx_http_liaison_ctx_t *ctx,
    const char *key, ngx_uint_t required, long max, ngx_str_t *value);
ngx_int_t ngx_http_liaison_body_id(ngx_http_liaison_ctx_t *ctx,
    const char *key, uint64_t *value);
/* Refuses a member no reader asked for (of obj; NULL: the body). */
ngx_int_t ngx_http_liaison_body_unknown(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_json_t *obj);


/* The database */

/* Appends to the next batch (every value escaped by lsn_sql_format()). */
void ngx_http_liaison_sql(ngx_http_liaison_ctx_t *ctx, const char *fmt, ...);
/*
 * Appends "EXECUTE name USING " and fmt's values for the prepared
 * statement ps (ngx_http_liaison_ps_e); the pool prepares it on a
 * connection that lacks it.
 */
void ngx_http_liaison_sql_execute(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t ps, const char *fmt, ...);
/* sep (a constant) before every item but the first */
void ngx_http_liaison_sql_sep(ngx_http_liaison_ctx_t *ctx, ngx_uint_t i,
    const char *sep);

/*
 * Runs the batch built with ngx_http_liaison_sql() and starts an empty
 * one; handler(op) is called once when it is done (op->data is ctx).  A
 * batch that could not be built answers internal_error instead.  A batch
 * that is a whole transaction is run again after a deadlock (_db.h); with
 * ctx->read_committed set before, its transaction is READ COMMITTED.
 */
void ngx_http_liaison_run(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler);
/*
 * The same for a whole transaction whose results the handler does not
 * read: it may commit together with other requests' (_group.h).
 */
void ngx_http_liaison_run_grouped(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler);
/*
 * A keyed read with the prepared statement ps of "keys" places: it may go
 * together with other requests' (_batch.h); handler reads op->rows.
 */
void ngx_http_liaison_run_batched(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t ps, ngx_uint_t keys, ngx_str_t *key, ngx_uint_t col,
    ngx_http_liaison_db_handler_pt handler);

/*
 * The first row of statement i of the batch (NULL when it returned none);
 * *len its lengths.
 */
MYSQL_ROW ngx_http_liaison_row(ngx_http_liaison_db_op_t *op, ngx_uint_t i,
    unsigned long **len);
/* A column as a positive integer; 0 when NULL or not one. */
uint64_t ngx_http_liaison_row_id(MYSQL_ROW row, unsigned long *len,
    ngx_uint_t i);
/* A copy of a column in the pool (results go with the next batch). */
ngx_int_t ngx_http_liaison_row_copy(ngx_pool_t *pool, MYSQL_ROW row,
    unsigned long *len, ngx_uint_t i, ngx_str_t *value);

/*
 * A handler for lists whose rows the database built as JSON objects
 * (JSON_OBJECT()) in their first column: {"items": [...], "total": N}.
 */
void ngx_http_liaison_rows_done(ngx_http_liaison_db_op_t *op);


/* Other */

ngx_int_t ngx_http_liaison_random(u_char *buf, size_t len);

/*
 * Runs task in the configured thread pool, then done(ctx) on the event
 * loop (not when the client went away meanwhile); what names it in a
 * warning when it takes over 10 s.  Answers 503 itself when the pool
 * refuses the task.
 */
void ngx_http_liaison_thread_run(ngx_http_liaison_ctx_t *ctx,
    ngx_thread_task_t *task, const char *what,
    ngx_http_liaison_next_pt done);


#endif /* _NGX_HTTP_LIAISON_API_H_INCLUDED_ */
