
/*
 * Copyright (C) Liaison authors
 */


#include "ngx_http_liaison_group.h"


/* a member's transaction: these around its statements */
#define NGX_HTTP_LIAISON_GROUP_BEGIN  "START TRANSACTION;"
#define NGX_HTTP_LIAISON_GROUP_END    ";COMMIT"

/*
 * The group's: the members' statements as one compound statement, so that
 * the server answers the group once instead of once per statement (a
 * packet, a wake-up of the worker each); an error ends the block there,
 * and the group is rolled back as before.
 */
#define NGX_HTTP_LIAISON_GROUP_OPEN   "START TRANSACTION;BEGIN NOT ATOMIC "
#define NGX_HTTP_LIAISON_GROUP_CLOSE  ";END;COMMIT"


/* the transactions of several ops as one */
typedef struct {
    ngx_http_liaison_db_op_t      op;
    ngx_pool_t                   *mpool;
    ngx_http_liaison_db_flight_t *gs;
    ngx_uint_t                    n;
    ngx_http_liaison_db_op_t     *members[NGX_HTTP_LIAISON_DB_GROUP_MAX];
} ngx_http_liaison_group_t;


static void ngx_http_liaison_group_alone(ngx_http_liaison_db_flight_t *gs,
    ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_group_alone_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_group_start(ngx_http_liaison_db_flight_t *gs);
static void ngx_http_liaison_group_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_group_schedule(
    ngx_http_liaison_db_flight_t *gs);
static void ngx_http_liaison_group_next_handler(ngx_event_t *ev);
static void ngx_http_liaison_group_wait_timeout(ngx_event_t *ev);
static void ngx_http_liaison_group_unqueue(
    ngx_http_liaison_db_flight_t *gs, ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_group_cleanup(void *data);
static ngx_uint_t ngx_http_liaison_group_whole(ngx_str_t *sql);


void
ngx_http_liaison_group_query(ngx_http_liaison_db_op_t *op,
    ngx_pool_t *mpool)
{
    ngx_pool_cleanup_t              *cln;
    ngx_http_liaison_db_conf_t      *conf;
    ngx_http_liaison_db_flight_t    *gs;

    conf = op->pool->conf;

    if (conf->group_flight == 0 || !ngx_http_liaison_group_whole(&op->sql)) {
        ngx_http_liaison_db_query(op, mpool);
        return;
    }

    gs = ngx_http_liaison_db_flight_state(op->pool, &op->pool->group,
                                          ngx_http_liaison_group_next_handler);

    if (gs == NULL) {
        ngx_http_liaison_db_query(op, mpool);
        return;
    }

    if (!op->gcleanup) {
        cln = ngx_pool_cleanup_add(mpool, 0);
        if (cln == NULL) {
            ngx_http_liaison_db_query(op, mpool);
            return;
        }

        cln->handler = ngx_http_liaison_group_cleanup;
        cln->data = op;
        op->gcleanup = 1;
    }

    /* a connection held from an earlier batch is not needed to wait */
    ngx_http_liaison_db_release(op);

    op->mpool = mpool;
    op->ghandler = op->handler;
    op->galone = 0;

    if (gs->nflight < conf->group_flight && gs->npending == 0) {
        ngx_http_liaison_group_alone(gs, op);
        return;
    }

    if (gs->npending >= ngx_max(conf->queue_size, conf->group_size)) {
        ngx_http_liaison_db_reject(op, "too many intakes wait for a group "
                                       "commit");
        return;
    }

    ngx_queue_insert_tail(&gs->pending, &op->gqueue);
    gs->npending++;
    op->gpending = 1;

    /* as long as for a connection of the pool, at most */
    op->wait.handler = ngx_http_liaison_group_wait_timeout;
    op->wait.data = op;
    op->wait.log = op->log;
    ngx_add_timer(&op->wait, conf->queue_timeout);
}


static void
ngx_http_liaison_group_wait_timeout(ngx_event_t *ev)
{
    ngx_http_liaison_db_op_t  *op = ev->data;

    ngx_http_liaison_group_unqueue(op->pool->group, op);
    ngx_http_liaison_db_reject(op, "no group commit within the queue "
                                   "timeout");
}


static void
ngx_http_liaison_group_unqueue(ngx_http_liaison_db_flight_t *gs,
    ngx_http_liaison_db_op_t *op)
{
    ngx_queue_remove(&op->gqueue);
    gs->npending--;
    op->gpending = 0;

    if (op->wait.timer_set) {
        ngx_del_timer(&op->wait);
    }
}



/* One transaction by itself, as ngx_http_liaison_db_query() runs it. */

static void
ngx_http_liaison_group_alone(ngx_http_liaison_db_flight_t *gs,
    ngx_http_liaison_db_op_t *op)
{
    gs->nflight++;
    op->gsolo = 1;
    op->handler = ngx_http_liaison_group_alone_done;

    ngx_http_liaison_db_query(op, op->mpool);
}


static void
ngx_http_liaison_group_alone_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_db_flight_t  *gs;

    gs = op->pool->group;

    op->gsolo = 0;
    op->handler = op->ghandler;
    gs->nflight--;

    ngx_http_liaison_group_schedule(gs);

    op->handler(op);
}


/*
 * The waiting transactions, oldest first, as one: their statements
 * between one START TRANSACTION and one COMMIT, in one round trip.
 */

static void
ngx_http_liaison_group_start(ngx_http_liaison_db_flight_t *gs)
{
    u_char                      *p;
    size_t                       len, begin, end;
    ngx_uint_t                   n, i, size;
    ngx_pool_t                  *mpool;
    ngx_queue_t                 *q;
    ngx_http_liaison_group_t    *g;
    ngx_http_liaison_db_op_t    *op, *ops[NGX_HTTP_LIAISON_DB_GROUP_MAX];

    begin = sizeof(NGX_HTTP_LIAISON_GROUP_BEGIN) - 1;
    end = sizeof(NGX_HTTP_LIAISON_GROUP_END) - 1;
    size = gs->pool->conf->group_size;
    len = sizeof(NGX_HTTP_LIAISON_GROUP_OPEN) - 1
          + sizeof(NGX_HTTP_LIAISON_GROUP_CLOSE) - 1;
    n = 0;

    for (q = ngx_queue_head(&gs->pending);
         q != ngx_queue_sentinel(&gs->pending) && n < size;
         q = ngx_queue_next(q))
    {
        op = ngx_queue_data(q, ngx_http_liaison_db_op_t, gqueue);

        if (op->galone) {
            break;
        }

        ops[n++] = op;
        len += op->sql.len - begin - end + 1;
    }

    if (n < 2) {
        /* one waiting, or one that must run alone (its group failed) */
        q = ngx_queue_head(&gs->pending);
        op = ngx_queue_data(q, ngx_http_liaison_db_op_t, gqueue);
        ngx_http_liaison_group_unqueue(gs, op);
        ngx_http_liaison_group_alone(gs, op);
        return;
    }

    mpool = ngx_create_pool(ngx_max(NGX_DEFAULT_POOL_SIZE,
                                    sizeof(ngx_http_liaison_group_t)
                                    + len + 256),
                            gs->pool->log);
    if (mpool == NULL) {
        goto alone;
    }

    g = ngx_pcalloc(mpool, sizeof(ngx_http_liaison_group_t));
    p = ngx_pnalloc(mpool, len);

    if (g == NULL || p == NULL) {
        ngx_destroy_pool(mpool);
        goto alone;
    }

    g->mpool = mpool;
    g->gs = gs;
    g->n = n;

    g->op.sql.data = p;
    p = ngx_cpymem(p, NGX_HTTP_LIAISON_GROUP_OPEN,
                   sizeof(NGX_HTTP_LIAISON_GROUP_OPEN) - 1);

    for (i = 0; i < n; i++) {
        op = ops[i];

        if (i) {
            *p++ = ';';
        }

        p = ngx_cpymem(p, op->sql.data + begin, op->sql.len - begin - end);

        ngx_http_liaison_group_unqueue(gs, op);
        op->group = g;
        g->members[i] = op;
        g->op.stmts |= op->stmts;
    }

    p = ngx_cpymem(p, NGX_HTTP_LIAISON_GROUP_CLOSE,
                   sizeof(NGX_HTTP_LIAISON_GROUP_CLOSE) - 1);
    g->op.sql.len = p - g->op.sql.data;

    gs->nflight++;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, gs->pool->log, 0,
                   "liaison db: %ui transactions as one, %uz bytes",
                   n, g->op.sql.len);

    g->op.pool = gs->pool;
    g->op.log = gs->pool->log;
    g->op.handler = ngx_http_liaison_group_done;
    g->op.data = g;
    g->op.read_committed = 1;
    g->op.count_only = 1;

    ngx_http_liaison_db_query(&g->op, mpool);
    return;

alone:

    q = ngx_queue_head(&gs->pending);
    op = ngx_queue_data(q, ngx_http_liaison_db_op_t, gqueue);
    ngx_http_liaison_group_unqueue(gs, op);
    ngx_http_liaison_group_alone(gs, op);
}


static void
ngx_http_liaison_group_done(ngx_http_liaison_db_op_t *gop)
{
    ngx_http_liaison_group_t  *g = gop->data;

    ngx_int_t                        rc;
    ngx_uint_t                       i, n;
    ngx_http_liaison_db_op_t        *op, *ops[NGX_HTTP_LIAISON_DB_GROUP_MAX];
    ngx_http_liaison_db_flight_t    *gs;

    gs = g->gs;
    rc = gop->rc;
    n = 0;

    for (i = 0; i < g->n; i++) {
        op = g->members[i];

        if (op) {
            op->group = NULL;
            ops[n++] = op;
        }
    }

    gs->nflight--;

    if (rc == NGX_OK) {
        gs->pool->stats.groups++;
        gs->pool->stats.grouped += g->n;
    }

    if (rc == NGX_ERROR) {
        /*
         * One of them failed (a replayed key, a bad value): rolled back
         * (the connection is closed in its transaction), and each runs
         * again by itself for its own answer, before the others waiting.
         */
        ngx_log_error(NGX_LOG_NOTICE, gop->log, 0,
                      "liaison db: a group of %ui transactions failed at "
                      "statement %ui: %ui; each runs again alone",
                      g->n, gop->err_stmt, gop->err_no);

        for (i = n; i > 0; i--) {
            op = ops[i - 1];
            op->galone = 1;
            op->gpending = 1;
            ngx_queue_insert_head(&gs->pending, &op->gqueue);
            gs->npending++;
        }

        n = 0;
    }

    for (i = 0; i < n; i++) {
        op = ops[i];
        op->rc = rc;
        op->err_no = gop->err_no;
        op->err_stmt = 0;
        op->nstmts = 0;
        op->timed_out = gop->timed_out;
        op->busy = gop->busy;
        op->thread_id = gop->thread_id;
        op->handler = op->ghandler;
    }

    ngx_http_liaison_db_release(gop);
    ngx_destroy_pool(g->mpool);

    ngx_http_liaison_group_schedule(gs);

    for (i = 0; i < n; i++) {
        ops[i]->handler(ops[i]);
    }
}


/* Waiting transactions start from the event loop, not from a cleanup. */

static void
ngx_http_liaison_group_schedule(ngx_http_liaison_db_flight_t *gs)
{
    if (gs->npending && gs->nflight < gs->pool->conf->group_flight
        && !gs->next.posted)
    {
        ngx_post_event(&gs->next, &ngx_posted_events);
    }
}


static void
ngx_http_liaison_group_next_handler(ngx_event_t *ev)
{
    ngx_http_liaison_db_flight_t  *gs = ev->data;

    while (gs->npending && gs->nflight < gs->pool->conf->group_flight) {
        ngx_http_liaison_group_start(gs);
    }
}


/* The request is gone: it waits no more, and frees its place. */

static void
ngx_http_liaison_group_cleanup(void *data)
{
    ngx_http_liaison_db_op_t  *op = data;

    ngx_uint_t                       i;
    ngx_http_liaison_group_t        *g;
    ngx_http_liaison_db_flight_t    *gs;

    gs = op->pool->group;

    if (op->gpending) {
        ngx_http_liaison_group_unqueue(gs, op);
    }

    if (op->gsolo) {
        /* its connection is closed by the pool's own cleanup */
        op->gsolo = 0;
        gs->nflight--;
        ngx_http_liaison_group_schedule(gs);
    }

    g = op->group;

    if (g) {
        /* the group commits without it; it hears nothing */
        for (i = 0; i < g->n; i++) {
            if (g->members[i] == op) {
                g->members[i] = NULL;
            }
        }

        op->group = NULL;
    }
}


static ngx_uint_t
ngx_http_liaison_group_whole(ngx_str_t *sql)
{
    size_t  begin, end;

    begin = sizeof(NGX_HTTP_LIAISON_GROUP_BEGIN) - 1;
    end = sizeof(NGX_HTTP_LIAISON_GROUP_END) - 1;

    return sql->len > begin + end
           && ngx_strncmp(sql->data, NGX_HTTP_LIAISON_GROUP_BEGIN, begin) == 0
           && ngx_strncmp(sql->data + sql->len - end,
                          NGX_HTTP_LIAISON_GROUP_END, end) == 0;
}
