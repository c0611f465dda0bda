
/*
 * Copyright (C) Liaison authors
 */


#include "ngx_http_liaison_batch.h"
#include "ngx_http_liaison_buf.h"
#include "ngx_http_liaison_prepared.h"


/* a request's read, from its pool: waiting, or in a batch */
typedef struct {
    ngx_http_liaison_db_op_t     *op;
    ngx_str_t                     key;
    ngx_uint_t                    ps;
    ngx_uint_t                    keys;
    ngx_uint_t                    col;
    ngx_queue_t                   queue;
    ngx_event_t                   wait;
    void                         *batch;
    unsigned                      pending:1;
} ngx_http_liaison_batch_member_t;


/* the reads of several requests as one statement */
typedef struct {
    ngx_http_liaison_db_op_t      op;
    ngx_pool_t                   *mpool;
    ngx_http_liaison_db_flight_t *bs;
    ngx_uint_t                    col;
    ngx_uint_t                    n;
    ngx_http_liaison_batch_member_t  *members[NGX_HTTP_LIAISON_DB_GROUP_MAX];
    /* a member's key by its number in the IN list */
    ngx_uint_t                    slot[NGX_HTTP_LIAISON_DB_GROUP_MAX];
    ngx_uint_t                    nkeys;
    ngx_str_t                     keys[NGX_HTTP_LIAISON_DB_GROUP_MAX];
} ngx_http_liaison_batch_t;


static void ngx_http_liaison_batch_start(ngx_http_liaison_db_flight_t *bs);
static void ngx_http_liaison_batch_done(ngx_http_liaison_db_op_t *bop);
static ngx_int_t ngx_http_liaison_batch_split(ngx_http_liaison_batch_t *b,
    MYSQL_RES *res, MYSQL_ROW **rows, ngx_uint_t *nrows,
    unsigned long **lens);
static void ngx_http_liaison_batch_answer(ngx_http_liaison_batch_t *b,
    ngx_http_liaison_batch_member_t *m, ngx_int_t rc);
static void ngx_http_liaison_batch_schedule(
    ngx_http_liaison_db_flight_t *bs);
static void ngx_http_liaison_batch_next_handler(ngx_event_t *ev);
static void ngx_http_liaison_batch_wait_timeout(ngx_event_t *ev);
static void ngx_http_liaison_batch_unqueue(
    ngx_http_liaison_db_flight_t *bs, ngx_http_liaison_batch_member_t *m);
static void ngx_http_liaison_batch_cleanup(void *data);


void
ngx_http_liaison_batch_read(ngx_http_liaison_db_op_t *op, ngx_pool_t *mpool,
    ngx_uint_t ps, ngx_uint_t keys, ngx_str_t *key, ngx_uint_t col)
{
    ngx_pool_cleanup_t               *cln;
    ngx_http_liaison_db_conf_t       *conf;
    ngx_http_liaison_db_flight_t     *bs;
    ngx_http_liaison_batch_member_t  *m;

    conf = op->pool->conf;

    /* a connection held from an earlier batch is not needed */
    ngx_http_liaison_db_release(op);

    op->rc = NGX_OK;
    op->err_no = 0;
    op->timed_out = 0;
    op->busy = 0;
    op->rows = NULL;
    op->nrows = 0;
    op->row_len = NULL;

    bs = ngx_http_liaison_db_flight_state(op->pool, &op->pool->batch,
                                          ngx_http_liaison_batch_next_handler);
    m = ngx_pcalloc(mpool, sizeof(ngx_http_liaison_batch_member_t));
    cln = ngx_pool_cleanup_add(mpool, 0);

    if (bs == NULL || m == NULL || cln == NULL) {
        op->rc = NGX_ERROR;
        op->handler(op);
        return;
    }

    m->op = op;
    m->key = *key;
    m->ps = ps;
    m->keys = keys;
    m->col = col;

    cln->handler = ngx_http_liaison_batch_cleanup;
    cln->data = m;

    if (bs->npending == 0
        && (conf->batch_flight == 0 || bs->nflight < conf->batch_flight))
    {
        ngx_queue_insert_tail(&bs->pending, &m->queue);
        bs->npending++;
        m->pending = 1;
        ngx_http_liaison_batch_start(bs);
        return;
    }

    if (bs->npending >= conf->queue_size) {
        ngx_http_liaison_db_reject(op, "too many reads wait for a batch");
        return;
    }

    ngx_queue_insert_tail(&bs->pending, &m->queue);
    bs->npending++;
    m->pending = 1;

    /* as long as for a connection of the pool, at most */
    m->wait.handler = ngx_http_liaison_batch_wait_timeout;
    m->wait.data = m;
    m->wait.log = op->log;
    ngx_add_timer(&m->wait, conf->queue_timeout);
}



/*
 * The waiting reads of the first one's statement, oldest first, as one
 * "EXECUTE name USING key, key, ..., '', ''": a key once, the places not
 * needed given ''.
 */

static void
ngx_http_liaison_batch_start(ngx_http_liaison_db_flight_t *bs)
{
    ngx_uint_t                        i, k, size, ps, keys;
    ngx_pool_t                       *mpool;
    ngx_queue_t                      *q, *nq;
    ngx_http_liaison_buf_t            sql;
    ngx_http_liaison_batch_t         *b;
    ngx_http_liaison_batch_member_t  *m;

    q = ngx_queue_head(&bs->pending);
    m = ngx_queue_data(q, ngx_http_liaison_batch_member_t, queue);
    ps = m->ps;
    keys = m->keys;
    size = ngx_min(ngx_max(bs->pool->conf->batch_size, 1), keys);

    mpool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, bs->pool->log);
    b = mpool ? ngx_pcalloc(mpool, sizeof(ngx_http_liaison_batch_t)) : NULL;

    if (b == NULL
        || ngx_http_liaison_buf_init(&sql, mpool, 128 + keys * 24) != NGX_OK)
    {
        if (mpool) {
            ngx_destroy_pool(mpool);
        }

        /* the others wait for the next try */
        ngx_http_liaison_batch_unqueue(bs, m);
        ngx_http_liaison_batch_schedule(bs);
        m->op->rc = NGX_ERROR;
        m->op->handler(m->op);
        return;
    }

    b->mpool = mpool;
    b->bs = bs;
    b->col = m->col;

    for ( /* void */ ; q != ngx_queue_sentinel(&bs->pending); q = nq) {
        nq = ngx_queue_next(q);
        m = ngx_queue_data(q, ngx_http_liaison_batch_member_t, queue);

        if (m->ps != ps) {
            continue;
        }

        for (k = 0; k < b->nkeys; k++) {
            if (b->keys[k].len == m->key.len
                && ngx_memcmp(b->keys[k].data, m->key.data, m->key.len) == 0)
            {
                break;
            }
        }

        if (k == b->nkeys) {
            if (b->nkeys == size) {
                break;
            }

            /* the key outlives its request: the batch may */
            b->keys[k].data = ngx_pstrdup(mpool, &m->key);
            b->keys[k].len = m->key.len;
            b->nkeys++;
        }

        ngx_http_liaison_batch_unqueue(bs, m);
        m->batch = b;
        b->slot[b->n] = k;
        b->members[b->n++] = m;

        if (b->n == NGX_HTTP_LIAISON_DB_GROUP_MAX) {
            break;
        }
    }

    ngx_http_liaison_buf_sql(&sql, "EXECUTE ");
    ngx_http_liaison_buf_raw(&sql, ngx_http_liaison_ps[ps].name.data,
                             ngx_http_liaison_ps[ps].name.len);
    ngx_http_liaison_buf_sql(&sql, " USING ");

    for (i = 0; i < keys; i++) {
        ngx_http_liaison_buf_sep(&sql, i, ", ");

        if (i < b->nkeys) {
            ngx_http_liaison_buf_sql(&sql, "$s", b->keys[i].data,
                                     b->keys[i].len);

        } else {
            ngx_http_liaison_buf_sql(&sql, "''");
        }
    }

    bs->nflight++;

    b->op.pool = bs->pool;
    b->op.log = bs->pool->log;
    b->op.handler = ngx_http_liaison_batch_done;
    b->op.data = b;
    b->op.stmts = (ngx_uint_t) 1 << ps;

    if (ngx_http_liaison_buf_str(&sql, &b->op.sql) != NGX_OK) {
        b->op.sql.len = 0;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, bs->pool->log, 0,
                   "liaison db: %ui reads of %ui keys as one",
                   b->n, b->nkeys);

    ngx_http_liaison_db_query(&b->op, mpool);
}


static void
ngx_http_liaison_batch_done(ngx_http_liaison_db_op_t *bop)
{
    ngx_http_liaison_batch_t  *b = bop->data;

    ngx_int_t                        rc;
    ngx_uint_t                       i, nrows[NGX_HTTP_LIAISON_DB_GROUP_MAX];
    MYSQL_RES                       *res;
    MYSQL_ROW                       *rows[NGX_HTTP_LIAISON_DB_GROUP_MAX];
    unsigned long                   *lens[NGX_HTTP_LIAISON_DB_GROUP_MAX];
    ngx_http_liaison_db_flight_t    *bs;

    bs = b->bs;
    rc = bop->rc;
    res = NULL;

    for (i = 0; i < b->nkeys; i++) {
        rows[i] = NULL;
        nrows[i] = 0;
        lens[i] = NULL;
    }

    if (rc == NGX_OK) {
        /* the rows stay when the connection goes back */
        res = bop->nstmts ? bop->res[0] : NULL;
        bop->res[0] = NULL;

        if (ngx_http_liaison_batch_split(b, res, rows, nrows, lens)
            != NGX_OK)
        {
            rc = NGX_ERROR;
        }
    }

    bs->nflight--;

    if (rc == NGX_OK) {
        bs->pool->stats.batches++;
        bs->pool->stats.batched += b->n;
    }

    ngx_http_liaison_db_release(bop);
    ngx_http_liaison_batch_schedule(bs);

    for (i = 0; i < b->n; i++) {
        if (b->members[i] == NULL) {
            /* its request went away */
            continue;
        }

        b->members[i]->op->rows = rows[b->slot[i]];
        b->members[i]->op->nrows = nrows[b->slot[i]];
        b->members[i]->op->row_len = lens[b->slot[i]];

        ngx_http_liaison_batch_answer(b, b->members[i], rc);
    }

    if (res) {
        mysql_free_result(res);
    }

    ngx_destroy_pool(b->mpool);
}


/* The result's rows by key, in the server's order. */

static ngx_int_t
ngx_http_liaison_batch_split(ngx_http_liaison_batch_t *b, MYSQL_RES *res,
    MYSQL_ROW **rows, ngx_uint_t *nrows, unsigned long **lens)
{
    size_t          n;
    ngx_uint_t      k, i, total, ncols, at, *key;
    MYSQL_ROW       row, *all;
    unsigned long  *len;

    if (res == NULL) {
        return NGX_ERROR;
    }

    total = (ngx_uint_t) mysql_num_rows(res);
    ncols = mysql_num_fields(res);

    if (b->col >= ncols) {
        return NGX_ERROR;
    }

    all = ngx_palloc(b->mpool, (total + 1) * sizeof(MYSQL_ROW));
    key = ngx_palloc(b->mpool, (total + 1) * sizeof(ngx_uint_t));

    if (all == NULL || key == NULL) {
        return NGX_ERROR;
    }

    /* each row's key, and the lengths of each key's first row */
    for (i = 0; i < total; i++) {
        row = mysql_fetch_row(res);
        len = mysql_fetch_lengths(res);

        if (row == NULL || len == NULL) {
            return NGX_ERROR;
        }

        n = row[b->col] ? len[b->col] : 0;

        for (k = 0; k < b->nkeys; k++) {
            if (b->keys[k].len == n
                && ngx_memcmp(b->keys[k].data, row[b->col], n) == 0)
            {
                break;
            }
        }

        key[i] = k;
        all[i] = row;

        if (k == b->nkeys) {
            /* not asked for: the IN list and the column disagree */
            return NGX_ERROR;
        }

        if (nrows[k]++ == 0) {
            lens[k] = ngx_pnalloc(b->mpool, ncols * sizeof(unsigned long));
            if (lens[k] == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(lens[k], len, ncols * sizeof(unsigned long));
        }
    }

    /* each key's rows one after another */
    for (k = 0; k < b->nkeys; k++) {
        rows[k] = ngx_palloc(b->mpool, (nrows[k] + 1) * sizeof(MYSQL_ROW));
        if (rows[k] == NULL) {
            return NGX_ERROR;
        }

        at = 0;

        for (i = 0; i < total; i++) {
            if (key[i] == k) {
                rows[k][at++] = all[i];
            }
        }
    }

    return NGX_OK;
}


static void
ngx_http_liaison_batch_answer(ngx_http_liaison_batch_t *b,
    ngx_http_liaison_batch_member_t *m, ngx_int_t rc)
{
    ngx_http_liaison_db_op_t  *op;

    op = m->op;
    m->batch = NULL;

    op->rc = rc;
    op->err_no = b->op.err_no;
    op->timed_out = b->op.timed_out;
    op->busy = b->op.busy;
    op->thread_id = b->op.thread_id;

    op->handler(op);
}


/* Waiting reads start from the event loop, not from a cleanup. */

static void
ngx_http_liaison_batch_schedule(ngx_http_liaison_db_flight_t *bs)
{
    ngx_http_liaison_db_conf_t  *conf;

    conf = bs->pool->conf;

    if (bs->npending
        && (conf->batch_flight == 0 || bs->nflight < conf->batch_flight)
        && !bs->next.posted)
    {
        ngx_post_event(&bs->next, &ngx_posted_events);
    }
}


static void
ngx_http_liaison_batch_next_handler(ngx_event_t *ev)
{
    ngx_http_liaison_db_flight_t  *bs = ev->data;

    ngx_http_liaison_db_conf_t  *conf;

    conf = bs->pool->conf;

    while (bs->npending
           && (conf->batch_flight == 0 || bs->nflight < conf->batch_flight))
    {
        ngx_http_liaison_batch_start(bs);
    }
}


static void
ngx_http_liaison_batch_wait_timeout(ngx_event_t *ev)
{
    ngx_http_liaison_batch_member_t  *m = ev->data;

    ngx_http_liaison_batch_unqueue(m->op->pool->batch, m);
    ngx_http_liaison_db_reject(m->op, "no read batch within the queue "
                                      "timeout");
}


static void
ngx_http_liaison_batch_unqueue(ngx_http_liaison_db_flight_t *bs,
    ngx_http_liaison_batch_member_t *m)
{
    ngx_queue_remove(&m->queue);
    bs->npending--;
    m->pending = 0;

    if (m->wait.timer_set) {
        ngx_del_timer(&m->wait);
    }
}


/* The request is gone: it waits no more; its batch reads without it. */

static void
ngx_http_liaison_batch_cleanup(void *data)
{
    ngx_http_liaison_batch_member_t  *m = data;

    ngx_uint_t                 i;
    ngx_http_liaison_batch_t  *b;

    if (m->pending) {
        ngx_http_liaison_batch_unqueue(m->op->pool->batch, m);
    }

    b = m->batch;

    if (b) {
        for (i = 0; i < b->n; i++) {
            if (b->members[i] == m) {
                b->members[i] = NULL;
            }
        }

        m->batch = NULL;
    }
}
