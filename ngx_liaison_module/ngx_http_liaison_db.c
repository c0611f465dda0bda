
/*
 * Copyright (C) Liaison authors
 *
 * A per-worker pool of MariaDB connections in non-blocking mode, driven by
 * nginx events and timers.  Every library call is a _start()/_cont()
 * pair; a wait is a read/write event on the connection's socket or a
 * timer, never a blocking call.
 *
 * With several nodes (liaison_db A B C: a Galera cluster) every connection
 * goes to one node at a time, the writer: the first in order not known to
 * be down.  A new connection is checked first (wsrep_ready,
 * wsrep_local_state, read_only); a node that refuses, fails the check or
 * dies under a statement is marked down and the next one takes over.  A
 * timer probes the down nodes and the writer every check_interval, so the
 * writes come back to a preferred node when it is synced again.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include "ngx_http_liaison_db.h"
#include "lsn_sql.h"


typedef enum {
    NGX_HTTP_LIAISON_DB_CONNECTING = 0,
    NGX_HTTP_LIAISON_DB_IDLE,
    NGX_HTTP_LIAISON_DB_QUERY,
    NGX_HTTP_LIAISON_DB_STORE,
    NGX_HTTP_LIAISON_DB_NEXT
} ngx_http_liaison_db_state_e;


struct ngx_http_liaison_db_conn_s {
    MYSQL                        *mysql;
    ngx_connection_t             *c;
    ngx_http_liaison_db_pool_t   *pool;
    ngx_http_liaison_db_op_t     *op;
    ngx_queue_t                   queue;
    ngx_event_t                   deadline;
    ngx_http_liaison_db_state_e   state;
    int                           wait;
    ngx_uint_t                    node;
    ngx_uint_t                    prepared;     /* stmt bits it has */
    unsigned                      checking:1;
};


/* healthy: writable, and on Galera ready and synced (state 4) */
static ngx_str_t  ngx_http_liaison_db_check_sql = ngx_string(
    "SELECT @@read_only, "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES "
    "WHERE VARIABLE_NAME = 'WSREP_ON'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
    "WHERE VARIABLE_NAME = 'WSREP_READY'), "
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
    "WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE')");


static ngx_int_t ngx_http_liaison_db_connect(ngx_http_liaison_db_pool_t *pool,
    ngx_http_liaison_db_op_t *op, ngx_uint_t node);
static ngx_int_t ngx_http_liaison_db_wrap(ngx_http_liaison_db_conn_t *dc);
static void ngx_http_liaison_db_event_handler(ngx_event_t *ev);
static void ngx_http_liaison_db_deadline_handler(ngx_event_t *ev);
static void ngx_http_liaison_db_idle_handler(ngx_event_t *ev);
static void ngx_http_liaison_db_drive(ngx_http_liaison_db_conn_t *dc,
    int status);
static int ngx_http_liaison_db_step(ngx_http_liaison_db_conn_t *dc,
    int ready);
static void ngx_http_liaison_db_wait(ngx_http_liaison_db_conn_t *dc,
    int status);
static void ngx_http_liaison_db_start(ngx_http_liaison_db_conn_t *dc,
    ngx_http_liaison_db_op_t *op, ngx_str_t *sql);
static void ngx_http_liaison_db_done(ngx_http_liaison_db_conn_t *dc,
    ngx_int_t rc);
static void ngx_http_liaison_db_connected(ngx_http_liaison_db_conn_t *dc);
static void ngx_http_liaison_db_state(ngx_http_liaison_db_pool_t *pool,
    ngx_uint_t state);
static void ngx_http_liaison_db_close(ngx_http_liaison_db_conn_t *dc);
static void ngx_http_liaison_db_put_idle(ngx_http_liaison_db_conn_t *dc);
static void ngx_http_liaison_db_wake_waiter(ngx_http_liaison_db_pool_t *pool);
static void ngx_http_liaison_db_wake_handler(ngx_event_t *ev);
static void ngx_http_liaison_db_wait_timeout(ngx_event_t *ev);
static void ngx_http_liaison_db_free_results(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_db_cleanup(void *data);
static ngx_uint_t ngx_http_liaison_db_conn_lost(ngx_uint_t err);
static void ngx_http_liaison_db_fail(ngx_http_liaison_db_op_t *op,
    ngx_int_t rc);
static ngx_int_t ngx_http_liaison_db_prepare(ngx_http_liaison_db_op_t *op);
static ngx_str_t *ngx_http_liaison_db_with_prepare(
    ngx_http_liaison_db_conn_t *dc, ngx_http_liaison_db_op_t *op);
static int ngx_http_liaison_db_failed(ngx_http_liaison_db_conn_t *dc);
static void ngx_http_liaison_db_retry(ngx_http_liaison_db_conn_t *dc);
static void ngx_http_liaison_db_retry_handler(ngx_event_t *ev);
static void ngx_http_liaison_db_take(ngx_http_liaison_db_op_t *op,
    ngx_http_liaison_db_conn_t *dc);
static ngx_http_liaison_db_op_t *ngx_http_liaison_db_next_waiter(
    ngx_http_liaison_db_pool_t *pool);
static void ngx_http_liaison_db_connect_failed(ngx_http_liaison_db_conn_t *dc,
    ngx_http_liaison_db_op_t *op);
static ngx_http_liaison_db_conn_t *ngx_http_liaison_db_idle_writer(
    ngx_http_liaison_db_pool_t *pool);
static ngx_uint_t ngx_http_liaison_db_node_lost(ngx_uint_t err);
static void ngx_http_liaison_db_node_failed(ngx_http_liaison_db_pool_t *pool,
    ngx_uint_t node, ngx_log_t *log);
static void ngx_http_liaison_db_node_up(ngx_http_liaison_db_pool_t *pool,
    ngx_uint_t node, ngx_log_t *log);
static void ngx_http_liaison_db_next_node(ngx_http_liaison_db_pool_t *pool,
    ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_db_node_gone(ngx_http_liaison_db_conn_t *dc);
static ngx_uint_t ngx_http_liaison_db_check_ok(MYSQL_RES *res);
static void ngx_http_liaison_db_checked(ngx_http_liaison_db_conn_t *dc,
    ngx_int_t rc);
static void ngx_http_liaison_db_probe_handler(ngx_event_t *ev);
static void ngx_http_liaison_db_probe_done(ngx_http_liaison_db_op_t *op);


#define NGX_HTTP_LIAISON_DB_SUMMARY  10000   /* ms between "still down" */

#define NGX_HTTP_LIAISON_DB_BEGIN    "START TRANSACTION"
#define NGX_HTTP_LIAISON_DB_END      "COMMIT"
#define NGX_HTTP_LIAISON_DB_ROLLBACK "ROLLBACK;"
#define NGX_HTTP_LIAISON_DB_RC                                               \
    "SET TRANSACTION ISOLATION LEVEL READ COMMITTED;"


ngx_http_liaison_db_pool_t *
ngx_http_liaison_db_pool_create(ngx_cycle_t *cycle,
    ngx_http_liaison_db_conf_t *conf)
{
    ngx_http_liaison_db_pool_t  *pool;

    pool = ngx_pcalloc(cycle->pool, sizeof(ngx_http_liaison_db_pool_t));
    if (pool == NULL) {
        return NULL;
    }

    pool->conf = conf;
    pool->log = cycle->log;
    ngx_queue_init(&pool->idle);
    ngx_queue_init(&pool->waiters);
    ngx_queue_init(&pool->waiters_light);

    /* a quarter, 1 to 4, kept from requests of tables that may be busy */
    if (conf->pool_size >= 2) {
        pool->reserve = ngx_max(1, ngx_min(4, conf->pool_size / 4));
    }

    pool->wake.handler = ngx_http_liaison_db_wake_handler;
    pool->wake.data = pool;
    pool->wake.log = cycle->log;

    if (conf->nnodes > 1) {
        pool->probe_op = ngx_pcalloc(cycle->pool,
                                     sizeof(ngx_http_liaison_db_op_t));
        if (pool->probe_op == NULL) {
            return NULL;
        }

        pool->probe_op->pool = pool;
        pool->probe_op->log = cycle->log;
        pool->probe_op->light = 1;
        pool->probe_op->handler = ngx_http_liaison_db_probe_done;
        pool->probe_op->sql = ngx_http_liaison_db_check_sql;
        pool->probe_op->sent = ngx_http_liaison_db_check_sql;

        pool->probe.handler = ngx_http_liaison_db_probe_handler;
        pool->probe.data = pool;
        pool->probe.log = cycle->log;
        pool->probe.cancelable = 1;
        ngx_add_timer(&pool->probe, conf->check_interval);
    }

    return pool;
}


void
ngx_http_liaison_db_pool_destroy(ngx_http_liaison_db_pool_t *pool)
{
    ngx_queue_t                 *q;
    ngx_http_liaison_db_conn_t  *dc;

    while (!ngx_queue_empty(&pool->idle)) {
        q = ngx_queue_head(&pool->idle);
        dc = ngx_queue_data(q, ngx_http_liaison_db_conn_t, queue);
        ngx_http_liaison_db_close(dc);
    }

    if (pool->wake.posted) {
        ngx_delete_posted_event(&pool->wake);
    }

    if (pool->probe.timer_set) {
        ngx_del_timer(&pool->probe);
    }

    if (pool->probe_op) {
        ngx_http_liaison_db_release(pool->probe_op);
    }
}


void
ngx_http_liaison_db_query(ngx_http_liaison_db_op_t *op, ngx_pool_t *mpool)
{
    ngx_pool_cleanup_t          *cln;
    ngx_http_liaison_db_pool_t  *pool;
    ngx_http_liaison_db_conn_t  *dc;

    pool = op->pool;

    ngx_http_liaison_db_free_results(op);
    op->rc = NGX_OK;
    op->err_no = 0;
    op->err_stmt = 0;
    op->nstmts = 0;
    op->attempts = 0;
    op->timed_out = 0;
    op->busy = 0;
    op->tries = 0;
    op->mpool = mpool;

    if (ngx_http_liaison_db_prepare(op) != NGX_OK) {
        ngx_http_liaison_db_fail(op, NGX_ERROR);
        return;
    }

    if (!op->cleanup_added) {
        cln = ngx_pool_cleanup_add(mpool, 0);
        if (cln == NULL) {
            ngx_http_liaison_db_fail(op, NGX_ERROR);
            return;
        }

        cln->handler = ngx_http_liaison_db_cleanup;
        cln->data = op;
        op->cleanup_added = 1;
    }

    if (op->conn) {
        ngx_http_liaison_db_start(op->conn, op, &op->sent);
        return;
    }

    if (op->light || op->heavy_slot
        || pool->nheavy + pool->reserve < pool->conf->pool_size)
    {
        dc = ngx_http_liaison_db_idle_writer(pool);

        if (dc) {
            ngx_http_liaison_db_take(op, dc);
            ngx_http_liaison_db_start(dc, op, &op->sent);
            return;
        }

        if (pool->nconns < pool->conf->pool_size) {
            ngx_http_liaison_db_take(op, NULL);
            (void) ngx_http_liaison_db_connect(pool, op, pool->writer);
            return;
        }
    }

    if (pool->nwaiting >= pool->conf->queue_size) {
        ngx_http_liaison_db_reject(op, "waiting queue full");
        return;
    }

    ngx_queue_insert_tail(op->light ? &pool->waiters_light : &pool->waiters,
                          &op->queue);
    pool->nwaiting++;
    op->waiting = 1;

    op->wait.handler = ngx_http_liaison_db_wait_timeout;
    op->wait.data = op;
    op->wait.log = op->log;
    ngx_add_timer(&op->wait, pool->conf->queue_timeout);
}


static ngx_int_t
ngx_http_liaison_db_connect(ngx_http_liaison_db_pool_t *pool,
    ngx_http_liaison_db_op_t *op, ngx_uint_t node)
{
    int                          status;
    char                        *host, *sock;
    MYSQL                       *mysql, *ret;
    unsigned int                 secs;
    ngx_http_liaison_db_conf_t  *conf;
    ngx_http_liaison_db_conn_t  *dc;
    ngx_http_liaison_db_node_t  *nd;

    conf = pool->conf;
    nd = &conf->nodes[node];
    op->tries++;

    dc = ngx_calloc(sizeof(ngx_http_liaison_db_conn_t), pool->log);
    if (dc == NULL) {
        ngx_http_liaison_db_fail(op, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
        return NGX_ERROR;
    }

    mysql = mysql_init(NULL);
    if (mysql == NULL) {
        ngx_free(dc);
        ngx_http_liaison_db_fail(op, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
        return NGX_ERROR;
    }

    secs = (unsigned int) ((conf->connect_timeout + 999) / 1000);

    mysql_options(mysql, MYSQL_OPT_NONBLOCK, 0);
    mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
    mysql_options(mysql, MYSQL_INIT_COMMAND, conf->init_sql.data);

    dc->mysql = mysql;
    dc->pool = pool;
    dc->node = node;
    dc->op = op;
    dc->state = NGX_HTTP_LIAISON_DB_CONNECTING;
    dc->deadline.handler = ngx_http_liaison_db_deadline_handler;
    dc->deadline.data = dc;
    dc->deadline.log = pool->log;

    op->conn = dc;
    pool->nconns++;
    pool->stats.connects++;

    if (nd->socket.len) {
        host = "localhost";
        sock = (char *) nd->socket.data;

    } else {
        host = (char *) nd->host.data;
        sock = NULL;
    }

    status = mysql_real_connect_start(&ret, mysql, host,
                                      (char *) conf->user.data,
                                      (char *) conf->password.data,
                                      (char *) conf->database.data,
                                      (unsigned int) nd->port, sock,
                                      CLIENT_MULTI_STATEMENTS
                                      |CLIENT_FOUND_ROWS);

    if (status == 0) {
        if (ret == NULL) {
            ngx_http_liaison_db_connect_failed(dc, op);
            goto failed;
        }

        if (ngx_http_liaison_db_wrap(dc) != NGX_OK) {
            goto failed;
        }

        ngx_http_liaison_db_connected(dc);
        return NGX_OK;
    }

    if (ngx_http_liaison_db_wrap(dc) != NGX_OK) {
        goto failed;
    }

    ngx_add_timer(&dc->deadline, conf->connect_timeout);
    ngx_http_liaison_db_wait(dc, status);

    return NGX_OK;

failed:

    ngx_http_liaison_db_node_gone(dc);

    return NGX_ERROR;
}


/* Puts the library's socket under nginx's event loop. */

static ngx_int_t
ngx_http_liaison_db_wrap(ngx_http_liaison_db_conn_t *dc)
{
    ngx_socket_t       fd;
    ngx_connection_t  *c;

    fd = mysql_get_socket(dc->mysql);
    if (fd == (ngx_socket_t) -1) {
        return NGX_ERROR;
    }

    c = ngx_get_connection(fd, dc->pool->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->data = dc;
    c->read->handler = ngx_http_liaison_db_event_handler;
    c->write->handler = ngx_http_liaison_db_event_handler;
    c->read->log = dc->pool->log;
    c->write->log = dc->pool->log;

    dc->c = c;

    if (ngx_add_conn) {
        if (ngx_add_conn(c) == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_liaison_db_event_handler(ngx_event_t *ev)
{
    int                          ready;
    ngx_connection_t            *c;
    ngx_http_liaison_db_conn_t  *dc;

    c = ev->data;
    dc = c->data;

    if (ev->timedout) {
        ev->timedout = 0;
        ready = MYSQL_WAIT_TIMEOUT;

    } else if (ev->write) {
        ready = MYSQL_WAIT_WRITE;

    } else {
        ready = MYSQL_WAIT_READ;
    }

    /* edge-triggered wakeups report every ready direction: keep to ours */
    if (!(dc->wait & ready)) {
        return;
    }

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    ngx_http_liaison_db_drive(dc, ready);
}


static void
ngx_http_liaison_db_deadline_handler(ngx_event_t *ev)
{
    ngx_uint_t                   node;
    ngx_http_liaison_db_op_t    *op;
    ngx_http_liaison_db_conn_t  *dc;
    ngx_http_liaison_db_pool_t  *pool;

    dc = ev->data;
    op = dc->op;
    pool = dc->pool;
    node = dc->node;

    pool->stats.timeouts++;

    if (dc->state == NGX_HTTP_LIAISON_DB_CONNECTING || dc->checking) {
        /* the node did not answer in time: the next one, if any */
        if (dc->checking) {
            ngx_log_error(NGX_LOG_ERR, op->log, 0,
                          "liaison db: check of %V timed out",
                          &pool->conf->nodes[node].name);

        } else {
            ngx_http_liaison_db_connect_failed(dc, op);
        }

        ngx_http_liaison_db_node_gone(dc);
        return;

    } else {
        ngx_log_error(NGX_LOG_ERR, op ? op->log : dc->pool->log, 0,
                      "liaison db: query timed out");

        if (op) {
            /* the server may still finish it: the caller may ask */
            op->timed_out = 1;
            op->thread_id = mysql_thread_id(dc->mysql);
        }
    }

    /* the library has an operation in flight: the connection goes */
    ngx_http_liaison_db_close(dc);

    if (op) {
        op->conn = NULL;
        ngx_http_liaison_db_fail(op, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
    }
}


/*
 * An idle connection is readable only when the server closed it (or on
 * shutdown, when nginx sets c->close): either way it goes.
 */

static void
ngx_http_liaison_db_idle_handler(ngx_event_t *ev)
{
    ngx_connection_t            *c;
    ngx_http_liaison_db_conn_t  *dc;

    u_char                       buf;
    ssize_t                      n;
    ngx_err_t                    err;

    c = ev->data;
    dc = c->data;

    if (!c->close) {
        if (ev->write) {
            return;
        }

        n = recv(c->fd, &buf, 1, MSG_PEEK);
        err = ngx_socket_errno;

        if (n == -1 && err == NGX_EAGAIN) {
            /* a stale edge from the last batch */
            ev->ready = 0;
            return;
        }
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "liaison db: idle connection closed");

    ngx_queue_remove(&dc->queue);
    dc->pool->nidle--;
    ngx_http_liaison_db_close(dc);
}


static void
ngx_http_liaison_db_start(ngx_http_liaison_db_conn_t *dc,
    ngx_http_liaison_db_op_t *op, ngx_str_t *sql)
{
    int      err, status;
#if (NGX_DEBUG)
    u_char  *quote;
#endif

    if (sql == &op->sent) {
        op->skip = op->prefix;
        op->preparing = 0;

        if (op->stmts & ~dc->prepared) {
            sql = ngx_http_liaison_db_with_prepare(dc, op);
            if (sql == NULL) {
                dc->op = op;
                ngx_http_liaison_db_done(dc, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
                return;
            }
        }
    }

    dc->op = op;
    dc->state = NGX_HTTP_LIAISON_DB_QUERY;
    dc->c->log = op->log;
    dc->c->read->log = op->log;
    dc->c->write->log = op->log;
    dc->deadline.log = op->log;

    op->pool->stats.queries++;

#if (NGX_DEBUG)
    /* up to the first quoted value: phones and codes stay out of the log */
    quote = ngx_strlchr(sql->data, sql->data + ngx_min(sql->len, 256), '\'');
    if (quote == NULL) {
        quote = sql->data + ngx_min(sql->len, 256);
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, op->log, 0,
                   "liaison db: query \"%*s\" (%uz bytes)",
                   quote - sql->data, sql->data, sql->len);
#endif

    ngx_add_timer(&dc->deadline, op->pool->conf->query_timeout);

    status = mysql_real_query_start(&err, dc->mysql, (char *) sql->data,
                                    sql->len);
    if (status) {
        ngx_http_liaison_db_wait(dc, status);
        return;
    }

    dc->wait = 0;
    ngx_http_liaison_db_drive(dc, 0);
}


/*
 * Calls the pending *_cont() with what became ready, then keeps stepping
 * through the batch until the library wants to wait again or all is done.
 */

static void
ngx_http_liaison_db_drive(ngx_http_liaison_db_conn_t *dc, int ready)
{
    int  status;

    for ( ;; ) {
        status = ngx_http_liaison_db_step(dc, ready);

        if (status > 0) {
            ngx_http_liaison_db_wait(dc, status);
            return;
        }

        if (status < 0) {
            /* done: the connection was handed on, released or closed */
            return;
        }

        ready = 0;
    }
}


/*
 * One step: returns a wait mask (> 0), 0 to continue with the next
 * statement, or -1 when the batch or the connect is over.
 */

static int
ngx_http_liaison_db_step(ngx_http_liaison_db_conn_t *dc, int ready)
{
    int                        err, status;
    MYSQL                     *ret;
    MYSQL_RES                 *res;
    ngx_uint_t                 n, bit;
    ngx_http_liaison_db_op_t  *op;

    op = dc->op;
    n = op ? op->nstmts : 0;

    switch (dc->state) {

    case NGX_HTTP_LIAISON_DB_CONNECTING:
        if (ready) {
            status = mysql_real_connect_cont(&ret, dc->mysql, ready);
            if (status) {
                return status;
            }

        } else {
            ret = dc->mysql;
        }

        if (ret == NULL) {
            ngx_http_liaison_db_connect_failed(dc, op);
            ngx_http_liaison_db_node_gone(dc);
            return -1;
        }

        if (dc->deadline.timer_set) {
            ngx_del_timer(&dc->deadline);
        }

        ngx_http_liaison_db_connected(dc);
        return -1;

    case NGX_HTTP_LIAISON_DB_QUERY:
    case NGX_HTTP_LIAISON_DB_NEXT:
        if (ready) {
            if (dc->state == NGX_HTTP_LIAISON_DB_QUERY) {
                status = mysql_real_query_cont(&err, dc->mysql, ready);

            } else {
                status = mysql_next_result_cont(&err, dc->mysql, ready);
            }

            if (status) {
                return status;
            }

        } else {
            err = mysql_errno(dc->mysql) ? 1 : 0;
        }

        if (err > 0) {
            return ngx_http_liaison_db_failed(dc);
        }

        if (n >= NGX_HTTP_LIAISON_DB_MAX_STMTS && !op->count_only) {
            ngx_log_error(NGX_LOG_ALERT, op->log, 0,
                          "liaison db: more than %d statements in a batch",
                          NGX_HTTP_LIAISON_DB_MAX_STMTS);
            ngx_http_liaison_db_done(dc, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
            return -1;
        }

        if (mysql_field_count(dc->mysql) == 0) {
            if (op->skip) {
                /* the prefix this layer added; the PREPAREs go first,
                   in the order of their bits */
                if (op->preparing) {
                    bit = op->preparing & (~op->preparing + 1);
                    dc->prepared |= bit;
                    op->preparing &= ~bit;
                }

                op->skip--;
                goto next;
            }

            if (!op->count_only) {
                op->affected[n] = mysql_affected_rows(dc->mysql);
                op->insert_id[n] = mysql_insert_id(dc->mysql);
            }

            op->nstmts++;
            goto next;
        }

        dc->state = NGX_HTTP_LIAISON_DB_STORE;
        status = mysql_store_result_start(&res, dc->mysql);
        if (status) {
            return status;
        }

        goto stored;

    case NGX_HTTP_LIAISON_DB_STORE:
        status = mysql_store_result_cont(&res, dc->mysql, ready);
        if (status) {
            return status;
        }

    stored:

        if (res == NULL) {
            /* a statement error found while reading rows (a deadlock) */
            return ngx_http_liaison_db_failed(dc);
        }

        if (op->count_only) {
            mysql_free_result(res);
            op->nstmts++;
            goto next;
        }

        op->res[n] = res;
        op->affected[n] = 0;
        op->insert_id[n] = 0;
        op->nstmts++;

    next:

        if (!mysql_more_results(dc->mysql)) {
            ngx_http_liaison_db_done(dc, NGX_OK);
            return -1;
        }

        dc->state = NGX_HTTP_LIAISON_DB_NEXT;
        status = mysql_next_result_start(&err, dc->mysql);
        if (status) {
            return status;
        }

        if (err < 0) {
            ngx_http_liaison_db_done(dc, NGX_OK);
            return -1;
        }

        return 0;

    default:
        return -1;
    }
}


static void
ngx_http_liaison_db_wait(ngx_http_liaison_db_conn_t *dc, int status)
{
    ngx_connection_t  *c;

    c = dc->c;
    dc->wait = status;

    /* the library, not nginx, saw EAGAIN: nginx's flags are stale */

    if (status & MYSQL_WAIT_READ) {
        c->read->ready = 0;
        if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
            goto failed;
        }
    }

    if (status & MYSQL_WAIT_WRITE) {
        c->write->ready = 0;
        if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
            goto failed;
        }
    }

    if (status & MYSQL_WAIT_TIMEOUT) {
        ngx_add_timer(c->read, mysql_get_timeout_value_ms(dc->mysql));
    }

    return;

failed:

    ngx_http_liaison_db_done(dc, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
}


static void
ngx_http_liaison_db_state(ngx_http_liaison_db_pool_t *pool, ngx_uint_t state)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();
    pool->stats.state = state;
    pool->stats.state_at = (uint64_t) tp->sec * 1000 + tp->msec;
}


static void
ngx_http_liaison_db_connected(ngx_http_liaison_db_conn_t *dc)
{
    ngx_http_liaison_db_op_t    *op;
    ngx_http_liaison_db_pool_t  *pool;

    op = dc->op;
    pool = dc->pool;
    dc->state = NGX_HTTP_LIAISON_DB_IDLE;
    dc->wait = 0;

    if (pool->stats.state == NGX_HTTP_LIAISON_DB_STATE_DOWN
        && pool->down_failures)
    {
        ngx_log_error(NGX_LOG_NOTICE, pool->log, 0,
                      "liaison db: connected again after %ui failed "
                      "connects", pool->down_failures);
    }

    pool->down_failures = 0;
    ngx_http_liaison_db_state(pool, NGX_HTTP_LIAISON_DB_STATE_UP);

    if (op) {
        if (pool->conf->nnodes > 1 && op != pool->probe_op) {
            /* not trusted with the op before the node says it is healthy */
            dc->checking = 1;
            ngx_http_liaison_db_start(dc, op, &ngx_http_liaison_db_check_sql);
            return;
        }

        ngx_http_liaison_db_start(dc, op, &op->sent);
        return;
    }

    ngx_http_liaison_db_put_idle(dc);
}


/* The batch is over: hand the op its results, keep the connection. */

static void
ngx_http_liaison_db_done(ngx_http_liaison_db_conn_t *dc, ngx_int_t rc)
{
    ngx_http_liaison_db_op_t  *op;

    op = dc->op;

    if (dc->deadline.timer_set) {
        ngx_del_timer(&dc->deadline);
    }

    dc->wait = 0;

    if (dc->checking) {
        ngx_http_liaison_db_checked(dc, rc);
        return;
    }

    if (rc == NGX_HTTP_LIAISON_DB_UNAVAILABLE) {
        ngx_http_liaison_db_close(dc);
        op->conn = NULL;

    } else {
        dc->state = NGX_HTTP_LIAISON_DB_IDLE;
    }

    /* a duplicate key is an answer (a replay, a race of one key) */
    if (rc != NGX_OK && !(rc == NGX_ERROR && op->err_no == 1062)) {
        op->pool->stats.errors++;
    }

    op->rc = rc;
    op->handler(op);
}


void
ngx_http_liaison_db_release(ngx_http_liaison_db_op_t *op)
{
    unsigned int                 st;
    ngx_http_liaison_db_conn_t  *dc;

    if (op->waiting) {
        ngx_queue_remove(&op->queue);
        op->pool->nwaiting--;
        op->waiting = 0;
    }

    if (op->wait.timer_set) {
        ngx_del_timer(&op->wait);
    }

    ngx_http_liaison_db_free_results(op);

    if (op->heavy_slot) {
        op->heavy_slot = 0;
        op->pool->nheavy--;
        ngx_http_liaison_db_wake_waiter(op->pool);
    }

    dc = op->conn;
    if (dc == NULL) {
        return;
    }

    op->conn = NULL;
    dc->op = NULL;

    st = 0;
    if (dc->state == NGX_HTTP_LIAISON_DB_IDLE) {
        mariadb_get_infov(dc->mysql, MARIADB_CONNECTION_SERVER_STATUS, &st);
    }

    if (dc->state != NGX_HTTP_LIAISON_DB_IDLE
        || (st & SERVER_STATUS_IN_TRANS)
        || ngx_exiting || ngx_terminate)
    {
        /* closing rolls back what is open; a busy connection can't be reused */
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, op->log, 0,
                       "liaison db: closing connection in state %d",
                       dc->state);
        ngx_http_liaison_db_close(dc);
        return;
    }

    ngx_http_liaison_db_put_idle(dc);
}


static void
ngx_http_liaison_db_put_idle(ngx_http_liaison_db_conn_t *dc)
{
    ngx_connection_t            *c;
    ngx_http_liaison_db_op_t    *op;
    ngx_http_liaison_db_pool_t  *pool;

    pool = dc->pool;
    c = dc->c;

    if (dc->node != pool->writer) {
        /* the writes moved to another node */
        ngx_http_liaison_db_close(dc);
        return;
    }

    op = ngx_http_liaison_db_next_waiter(pool);

    if (op) {
        dc->c->idle = 0;
        op->conn = dc;
        ngx_http_liaison_db_start(dc, op, &op->sent);
        return;
    }

    c->log = pool->log;
    c->read->log = pool->log;
    c->write->log = pool->log;
    c->idle = 1;
    c->read->handler = ngx_http_liaison_db_idle_handler;
    c->write->handler = ngx_http_liaison_db_idle_handler;
    dc->op = NULL;

    ngx_queue_insert_head(&pool->idle, &dc->queue);
    pool->nidle++;
}


/*
 * A connection slot came free: waiters get new connections from a posted
 * event, so that a failing connect does not recurse through the queue.
 */

static void
ngx_http_liaison_db_wake_waiter(ngx_http_liaison_db_pool_t *pool)
{
    if (pool->nwaiting && !pool->wake.posted) {
        ngx_post_event(&pool->wake, &ngx_posted_events);
    }
}


/* Idle connections first, then new ones, to the waiters that may have one */

static void
ngx_http_liaison_db_wake_handler(ngx_event_t *ev)
{
    ngx_http_liaison_db_op_t    *op;
    ngx_http_liaison_db_conn_t  *dc;
    ngx_http_liaison_db_pool_t  *pool;

    pool = ev->data;

    for ( ;; ) {
        dc = ngx_http_liaison_db_idle_writer(pool);

        if (dc == NULL && pool->nconns >= pool->conf->pool_size) {
            return;
        }

        op = ngx_http_liaison_db_next_waiter(pool);
        if (op == NULL) {
            return;
        }

        if (dc) {
            ngx_http_liaison_db_take(op, dc);
            ngx_http_liaison_db_start(dc, op, &op->sent);
            continue;
        }

        (void) ngx_http_liaison_db_connect(pool, op, pool->writer);
    }
}


/*
 * The first waiter that may have a connection now, out of its queue and
 * holding its slot: light ones first, the others within their share.
 */

static ngx_http_liaison_db_op_t *
ngx_http_liaison_db_next_waiter(ngx_http_liaison_db_pool_t *pool)
{
    ngx_queue_t               *q;
    ngx_http_liaison_db_op_t  *op;

    if (!ngx_queue_empty(&pool->waiters_light)) {
        q = ngx_queue_head(&pool->waiters_light);

    } else if (!ngx_queue_empty(&pool->waiters)
               && pool->nheavy + pool->reserve < pool->conf->pool_size)
    {
        q = ngx_queue_head(&pool->waiters);

    } else {
        return NULL;
    }

    ngx_queue_remove(q);
    pool->nwaiting--;
    op = ngx_queue_data(q, ngx_http_liaison_db_op_t, queue);
    op->waiting = 0;

    if (op->wait.timer_set) {
        ngx_del_timer(&op->wait);
    }

    ngx_http_liaison_db_take(op, NULL);

    return op;
}


/* The op's slot, and the idle connection dc when given. */

static void
ngx_http_liaison_db_take(ngx_http_liaison_db_op_t *op,
    ngx_http_liaison_db_conn_t *dc)
{
    ngx_http_liaison_db_pool_t  *pool;

    pool = op->pool;

    if (!op->light && !op->heavy_slot) {
        op->heavy_slot = 1;
        pool->nheavy++;
    }

    if (dc == NULL) {
        return;
    }

    ngx_queue_remove(&dc->queue);
    pool->nidle--;
    dc->c->idle = 0;
    dc->c->read->handler = ngx_http_liaison_db_event_handler;
    dc->c->write->handler = ngx_http_liaison_db_event_handler;
    op->conn = dc;
}


static void
ngx_http_liaison_db_wait_timeout(ngx_event_t *ev)
{
    ngx_http_liaison_db_op_t  *op;

    op = ev->data;

    ngx_queue_remove(&op->queue);
    op->pool->nwaiting--;
    op->waiting = 0;

    ngx_http_liaison_db_reject(op, "no connection free within the queue "
                                   "timeout");
}


/* The pool's flight state in *slot, made on first use. */

ngx_http_liaison_db_flight_t *
ngx_http_liaison_db_flight_state(ngx_http_liaison_db_pool_t *pool,
    ngx_http_liaison_db_flight_t **slot, ngx_event_handler_pt next)
{
    ngx_http_liaison_db_flight_t  *fl;

    if (*slot) {
        return *slot;
    }

    fl = ngx_pcalloc(ngx_cycle->pool, sizeof(ngx_http_liaison_db_flight_t));
    if (fl == NULL) {
        return NULL;
    }

    ngx_queue_init(&fl->pending);
    fl->pool = pool;
    fl->next.handler = next;
    fl->next.data = fl;
    fl->next.log = pool->log;

    *slot = fl;

    return fl;
}


/* Requests waiting: for a connection, a group or a read batch. */

ngx_uint_t
ngx_http_liaison_db_waiting(ngx_http_liaison_db_pool_t *pool)
{
    return pool->nwaiting
           + (pool->group ? pool->group->npending : 0)
           + (pool->batch ? pool->batch->npending : 0);
}


void
ngx_http_liaison_db_reject(ngx_http_liaison_db_op_t *op, const char *why)
{
    ngx_http_liaison_db_pool_t  *pool;

    pool = op->pool;
    pool->stats.rejected++;

    if (ngx_current_msec - pool->busy_logged >= NGX_HTTP_LIAISON_DB_SUMMARY
        || pool->busy_logged == 0)
    {
        ngx_log_error(NGX_LOG_WARN, op->log, 0,
                      "liaison db: %s (%ui waiting, %ui refused so far)",
                      why, pool->nwaiting, pool->stats.rejected);
        pool->busy_logged = ngx_current_msec;
    }

    op->busy = 1;
    ngx_http_liaison_db_fail(op, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
}


static void
ngx_http_liaison_db_close(ngx_http_liaison_db_conn_t *dc)
{
    ngx_connection_t  *c;

    if (dc->deadline.timer_set) {
        ngx_del_timer(&dc->deadline);
    }

    c = dc->c;

    if (c) {
        if (c->read->timer_set) {
            ngx_del_timer(c->read);
        }

        if (c->write->timer_set) {
            ngx_del_timer(c->write);
        }

        /* the library owns the descriptor and closes it below */
        if (ngx_del_conn) {
            ngx_del_conn(c, NGX_CLOSE_EVENT);

        } else {
            if (c->read->active || c->read->disabled) {
                ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
            }

            if (c->write->active || c->write->disabled) {
                ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
            }
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        c->fd = (ngx_socket_t) -1;
        ngx_free_connection(c);
        dc->c = NULL;
    }

    mysql_close(dc->mysql);
    dc->pool->nconns--;
    ngx_http_liaison_db_wake_waiter(dc->pool);
    ngx_free(dc);
}


static void
ngx_http_liaison_db_free_results(ngx_http_liaison_db_op_t *op)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_LIAISON_DB_MAX_STMTS; i++) {
        if (op->res[i]) {
            mysql_free_result(op->res[i]);
            op->res[i] = NULL;
        }
    }
}


static void
ngx_http_liaison_db_cleanup(void *data)
{
    ngx_http_liaison_db_op_t  *op = data;

    ngx_http_liaison_db_release(op);
}


static void
ngx_http_liaison_db_fail(ngx_http_liaison_db_op_t *op, ngx_int_t rc)
{
    op->rc = rc;
    op->err_no = 0;
    op->pool->stats.errors++;
    op->handler(op);
}


static ngx_uint_t
ngx_http_liaison_db_conn_lost(ngx_uint_t err)
{
    switch (err) {
    case 2002:  /* CR_CONNECTION_ERROR */
    case 2003:  /* CR_CONN_HOST_ERROR */
    case 2006:  /* CR_SERVER_GONE_ERROR */
    case 2013:  /* CR_SERVER_LOST */
    case 2055:  /* CR_SERVER_LOST_EXTENDED */
    case 1053:  /* ER_SERVER_SHUTDOWN */
    case 1969:  /* ER_STATEMENT_TIMEOUT */
    case 1927:  /* ER_CONNECTION_KILLED */
    case 1047:  /* ER_UNKNOWN_COM_ERROR: WSREP not ready (non-primary) */
    case 1290:  /* ER_OPTION_PREVENTS_STATEMENT: read_only */
        return 1;
    default:
        return 0;
    }
}


/*
 * A connect to dc's node failed (dc->state still CONNECTING: timed out).
 * The first failure after the database was up is logged at once; then one
 * summary every NGX_HTTP_LIAISON_DB_SUMMARY ms, not a line per request.
 * A probe of a node known to be down says nothing new.
 */

static void
ngx_http_liaison_db_connect_failed(ngx_http_liaison_db_conn_t *dc,
    ngx_http_liaison_db_op_t *op)
{
    ngx_log_t                   *log;
    ngx_str_t                   *name;
    const char                  *why;
    ngx_http_liaison_db_pool_t  *pool;

    pool = dc->pool;
    log = op ? op->log : pool->log;
    name = &pool->conf->nodes[dc->node].name;
    why = mysql_errno(dc->mysql) ? mysql_error(dc->mysql) : "timed out";

    pool->stats.connect_errors++;

    if (op && op == pool->probe_op) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "liaison db: probe of %V failed: %s", name, why);
        return;
    }

    pool->down_failures++;

    if (pool->stats.state != NGX_HTTP_LIAISON_DB_STATE_DOWN
        || pool->down_failures == 1)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "liaison db: connect to %V failed: %s (further "
                      "failures are summarized every %d s)", name, why,
                      NGX_HTTP_LIAISON_DB_SUMMARY / 1000);
        pool->down_logged = ngx_current_msec;

    } else if (ngx_current_msec - pool->down_logged
               >= NGX_HTTP_LIAISON_DB_SUMMARY)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "liaison db: still down, %ui connects failed so "
                      "far: %V: %s", pool->down_failures, name, why);
        pool->down_logged = ngx_current_msec;
    }

    ngx_http_liaison_db_state(pool, NGX_HTTP_LIAISON_DB_STATE_DOWN);
}


ngx_uint_t
ngx_http_liaison_db_retriable(ngx_uint_t err_no)
{
    switch (err_no) {
    /*
     * ER_LOCK_DEADLOCK: the server rolled it back; Galera reports a
     * transaction that failed certification, or was aborted by a
     * replicated one, with this code too.
     */
    case 1213:
    case 1205:  /* ER_LOCK_WAIT_TIMEOUT: the statement rolled back */
        return 1;
    default:
        return 0;
    }
}


/*
 * What goes to the server: op->sql behind the prefix this layer adds to a
 * transaction, whose results the caller never sees.  A batch is a whole
 * transaction when it begins it and ends with its COMMIT.
 */

static ngx_int_t
ngx_http_liaison_db_prepare(ngx_http_liaison_db_op_t *op)
{
    u_char     *p;
    size_t      n;
    ngx_str_t  *sql;

    sql = &op->sql;
    n = sizeof(NGX_HTTP_LIAISON_DB_BEGIN) - 1;

    op->skip = 0;
    op->prefix = 0;
    op->sent = *sql;
    op->whole_tx = 0;

    if (sql->len < n || ngx_strncmp(sql->data, NGX_HTTP_LIAISON_DB_BEGIN, n)
                        != 0)
    {
        return NGX_OK;
    }

    n = sizeof(NGX_HTTP_LIAISON_DB_END) - 1;

    op->whole_tx = (sql->len > n
                    && ngx_strncmp(sql->data + sql->len - n,
                                   NGX_HTTP_LIAISON_DB_END, n) == 0
                    && sql->data[sql->len - n - 1] == ';');

    if (!op->read_committed && op->attempts == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(op->mpool, sizeof(NGX_HTTP_LIAISON_DB_ROLLBACK)
                               + sizeof(NGX_HTTP_LIAISON_DB_RC) + sql->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    op->sent.data = p;

    if (op->attempts) {
        /* a lock wait timeout leaves the transaction open */
        p = ngx_cpymem(p, NGX_HTTP_LIAISON_DB_ROLLBACK,
                       sizeof(NGX_HTTP_LIAISON_DB_ROLLBACK) - 1);
        op->skip++;
    }

    if (op->read_committed) {
        p = ngx_cpymem(p, NGX_HTTP_LIAISON_DB_RC,
                       sizeof(NGX_HTTP_LIAISON_DB_RC) - 1);
        op->skip++;
    }

    p = ngx_cpymem(p, sql->data, sql->len);
    op->sent.len = p - op->sent.data;
    op->prefix = op->skip;

    return NGX_OK;
}


/*
 * The batch as sent to a connection (dc) that lacks some of op->stmts:
 * their PREPAREs first, one more result to skip each; NULL when out of
 * memory.
 */

static ngx_str_t *
ngx_http_liaison_db_with_prepare(ngx_http_liaison_db_conn_t *dc,
    ngx_http_liaison_db_op_t *op)
{
    u_char      *p;
    size_t       len;
    ngx_str_t   *sql, *prepare;
    ngx_uint_t   i, need;

    prepare = op->pool->conf->prepare;
    need = op->stmts & ~dc->prepared;
    len = op->sent.len;

    for (i = 0; need >> i; i++) {
        if (need & ((ngx_uint_t) 1 << i)) {
            len += prepare[i].len + 1;
        }
    }

    sql = ngx_palloc(op->mpool, sizeof(ngx_str_t));
    p = ngx_pnalloc(op->mpool, len);

    if (sql == NULL || p == NULL) {
        return NULL;
    }

    sql->data = p;

    for (i = 0; need >> i; i++) {
        if (need & ((ngx_uint_t) 1 << i)) {
            p = ngx_cpymem(p, prepare[i].data, prepare[i].len);
            *p++ = ';';
            op->skip++;
        }
    }

    p = ngx_cpymem(p, op->sent.data, op->sent.len);
    sql->len = p - sql->data;
    op->preparing = need;

    return sql;
}


/* The whole transaction again on the same connection, after a pause. */

static void
ngx_http_liaison_db_retry(ngx_http_liaison_db_conn_t *dc)
{
    ngx_msec_t                 pause;
    ngx_http_liaison_db_op_t  *op;

    op = dc->op;

    if (dc->deadline.timer_set) {
        ngx_del_timer(&dc->deadline);
    }

    dc->wait = 0;
    dc->state = NGX_HTTP_LIAISON_DB_IDLE;

    ngx_http_liaison_db_free_results(op);
    op->nstmts = 0;
    op->err_no = 0;
    op->err_stmt = 0;
    op->attempts++;
    op->pool->stats.retries++;

    if (ngx_http_liaison_db_prepare(op) != NGX_OK) {
        ngx_http_liaison_db_done(dc, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
        return;
    }

    /* apart at random, the rivals do not meet again */
    pause = 1 + (ngx_msec_t) ngx_random() % (4u << op->attempts);

    op->wait.handler = ngx_http_liaison_db_retry_handler;
    op->wait.data = op;
    op->wait.log = op->log;
    ngx_add_timer(&op->wait, pause);
}


static void
ngx_http_liaison_db_retry_handler(ngx_event_t *ev)
{
    ngx_http_liaison_db_op_t  *op;

    op = ev->data;

    ngx_http_liaison_db_start(op->conn, op, &op->sent);
}


/* Statement op->nstmts failed: the connection lost, a retry, or the error */

static int
ngx_http_liaison_db_failed(ngx_http_liaison_db_conn_t *dc)
{
    ngx_uint_t                 n;
    ngx_http_liaison_db_op_t  *op;

    op = dc->op;
    n = op->nstmts;

    op->err_no = mysql_errno(dc->mysql);
    op->err_stmt = n;

    if (dc->checking) {
        /* the node's check failed: ngx_http_liaison_db_checked() says */
        ngx_log_error(NGX_LOG_WARN, op->log, 0,
                      "liaison db: check of %V failed: %ud %s",
                      &dc->pool->conf->nodes[dc->node].name, op->err_no,
                      mysql_error(dc->mysql));
        ngx_http_liaison_db_done(dc, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
        return -1;
    }

    if (op->err_no == 0 || ngx_http_liaison_db_conn_lost(op->err_no)) {
        ngx_log_error(NGX_LOG_ERR, op->log, 0,
                      "liaison db: connection lost: %ui %s",
                      op->err_no, mysql_error(dc->mysql));
        ngx_http_liaison_db_state(dc->pool, NGX_HTTP_LIAISON_DB_STATE_DOWN);

        if (op->err_no == 0 || ngx_http_liaison_db_node_lost(op->err_no)) {
            ngx_http_liaison_db_node_failed(dc->pool, dc->node, op->log);
        }

        ngx_http_liaison_db_done(dc, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
        return -1;
    }

    if (ngx_http_liaison_db_retriable(op->err_no)
        && op->attempts < NGX_HTTP_LIAISON_DB_RETRIES
        && op->whole_tx)
    {
        ngx_log_error(NGX_LOG_NOTICE, op->log, 0,
                      "liaison db: statement %ui failed: %ud %s; "
                      "the transaction runs again", n, op->err_no,
                      mysql_error(dc->mysql));
        ngx_http_liaison_db_retry(dc);
        return -1;
    }

    ngx_log_error((op->err_no == 1062 ? NGX_LOG_INFO
                   : ngx_http_liaison_db_retriable(op->err_no)
                   ? NGX_LOG_WARN : NGX_LOG_ERR),
                  op->log, 0,
                  "liaison db: statement %ui failed: %ud %s", n,
                  op->err_no, mysql_error(dc->mysql));
    ngx_http_liaison_db_done(dc, NGX_ERROR);

    return -1;
}


/* The errors that say the node, not the statement, is the problem. */

static ngx_uint_t
ngx_http_liaison_db_node_lost(ngx_uint_t err)
{
    switch (err) {
    case 2002:
    case 2003:
    case 2006:
    case 2013:
    case 2055:
    case 1053:
    case 1047:
    case 1290:
        return 1;
    default:
        return 0;
    }
}


static void
ngx_http_liaison_db_node_failed(ngx_http_liaison_db_pool_t *pool,
    ngx_uint_t node, ngx_log_t *log)
{
    ngx_uint_t                   i, n, old;
    ngx_http_liaison_db_conf_t  *conf;

    conf = pool->conf;
    n = conf->nnodes;

    if (n < 2) {
        return;
    }

    if (!pool->down[node]) {
        pool->down[node] = 1;
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "liaison db: node %V is down", &conf->nodes[node].name);
    }

    if (node != pool->writer) {
        return;
    }

    old = pool->writer;

    /* the first node up in order; with none, the one after the failed */
    pool->writer = (node + 1) % n;

    for (i = 0; i < n; i++) {
        if (!pool->down[i]) {
            pool->writer = i;
            break;
        }
    }

    if (pool->writer != old) {
        pool->stats.failovers++;
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "liaison db: writes move from %V to %V",
                      &conf->nodes[old].name,
                      &conf->nodes[pool->writer].name);
    }
}


static void
ngx_http_liaison_db_node_up(ngx_http_liaison_db_pool_t *pool,
    ngx_uint_t node, ngx_log_t *log)
{
    ngx_http_liaison_db_conf_t  *conf;

    conf = pool->conf;

    if (pool->down[node]) {
        pool->down[node] = 0;
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "liaison db: node %V is up", &conf->nodes[node].name);
    }

    if (node < pool->writer || pool->down[pool->writer]) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "liaison db: writes move from %V to %V",
                      &conf->nodes[pool->writer].name,
                      &conf->nodes[node].name);
        pool->writer = node;
        pool->stats.failovers++;
    }
}


/* dc's node failed it (connect, check): dc goes, its op to the next node */

static void
ngx_http_liaison_db_node_gone(ngx_http_liaison_db_conn_t *dc)
{
    ngx_uint_t                   node;
    ngx_http_liaison_db_op_t    *op;
    ngx_http_liaison_db_pool_t  *pool;

    op = dc->op;
    pool = dc->pool;
    node = dc->node;

    ngx_http_liaison_db_close(dc);
    ngx_http_liaison_db_node_failed(pool, node, op ? op->log : pool->log);

    if (op == NULL) {
        return;
    }

    op->conn = NULL;
    ngx_http_liaison_db_free_results(op);
    op->nstmts = 0;
    ngx_http_liaison_db_next_node(pool, op);
}


/* A connect or its check failed: the next node, while one is left. */

static void
ngx_http_liaison_db_next_node(ngx_http_liaison_db_pool_t *pool,
    ngx_http_liaison_db_op_t *op)
{
    if (op == pool->probe_op || op->tries >= pool->conf->nnodes) {
        ngx_http_liaison_db_fail(op, NGX_HTTP_LIAISON_DB_UNAVAILABLE);
        return;
    }

    (void) ngx_http_liaison_db_connect(pool, op, pool->writer);
}


static ngx_uint_t
ngx_http_liaison_db_check_ok(MYSQL_RES *res)
{
    MYSQL_ROW  row;

    if (res == NULL || mysql_num_fields(res) != 4) {
        return 0;
    }

    row = mysql_fetch_row(res);
    if (row == NULL || row[0] == NULL || ngx_strcmp(row[0], "0") != 0) {
        return 0;
    }

    if (row[1] == NULL || ngx_strcasecmp((u_char *) row[1],
                                         (u_char *) "ON") != 0)
    {
        /* not a Galera node: writable is enough */
        return 1;
    }

    return row[2] && ngx_strcasecmp((u_char *) row[2], (u_char *) "ON") == 0
           && row[3] && ngx_strcmp(row[3], "4") == 0;
}


/* The check of a new connection is over: the op's statements, or on. */

static void
ngx_http_liaison_db_checked(ngx_http_liaison_db_conn_t *dc, ngx_int_t rc)
{
    ngx_uint_t                   ok, node;
    ngx_http_liaison_db_op_t    *op;
    ngx_http_liaison_db_pool_t  *pool;

    op = dc->op;
    pool = dc->pool;
    node = dc->node;
    dc->checking = 0;

    ok = (rc == NGX_OK && op->nstmts == 1
          && ngx_http_liaison_db_check_ok(op->res[0]));

    ngx_http_liaison_db_free_results(op);
    op->nstmts = 0;
    op->err_no = 0;
    op->err_stmt = 0;

    if (ok) {
        dc->state = NGX_HTTP_LIAISON_DB_IDLE;
        ngx_http_liaison_db_node_up(pool, node, op->log);
        ngx_http_liaison_db_start(dc, op, &op->sent);
        return;
    }

    ngx_log_error(NGX_LOG_WARN, op->log, 0,
                  "liaison db: node %V is not ready for writes "
                  "(read_only, or not a synced Galera node)",
                  &pool->conf->nodes[node].name);

    ngx_http_liaison_db_node_gone(dc);
}


/*
 * Every check_interval: one down node in turn, or the writer when none is
 * down, on a connection of its own.
 */

static void
ngx_http_liaison_db_probe_handler(ngx_event_t *ev)
{
    ngx_uint_t                   i, n, node;
    ngx_http_liaison_db_op_t    *op;
    ngx_http_liaison_db_pool_t  *pool;

    pool = ev->data;
    op = pool->probe_op;
    n = pool->conf->nnodes;

    if (ngx_exiting || ngx_terminate) {
        return;
    }

    ngx_add_timer(&pool->probe, pool->conf->check_interval);

    if (op->conn || pool->nconns >= pool->conf->pool_size) {
        /* the last probe is still on its way, or no slot is free */
        return;
    }

    node = pool->writer;

    for (i = 0; i < n; i++) {
        pool->next_probe = (pool->next_probe + 1) % n;

        if (pool->down[pool->next_probe]) {
            node = pool->next_probe;
            break;
        }
    }

    ngx_http_liaison_db_free_results(op);
    op->rc = NGX_OK;
    op->nstmts = 0;
    op->tries = 0;
    op->data = (void *) (uintptr_t) node;

    (void) ngx_http_liaison_db_connect(pool, op, node);
}


static void
ngx_http_liaison_db_probe_done(ngx_http_liaison_db_op_t *op)
{
    ngx_uint_t                   node;
    ngx_http_liaison_db_pool_t  *pool;

    pool = op->pool;
    node = (ngx_uint_t) (uintptr_t) op->data;

    if (op->rc == NGX_OK && op->nstmts == 1
        && ngx_http_liaison_db_check_ok(op->res[0]))
    {
        ngx_http_liaison_db_node_up(pool, node, pool->log);

    } else {
        ngx_http_liaison_db_node_failed(pool, node, pool->log);
    }

    /* the connection goes idle when it is on the writer, else it closes */
    ngx_http_liaison_db_release(op);
}


/*
 * The first idle connection on the writer; those on a node the writes
 * left are closed on the way.
 */

static ngx_http_liaison_db_conn_t *
ngx_http_liaison_db_idle_writer(ngx_http_liaison_db_pool_t *pool)
{
    ngx_queue_t                 *q;
    ngx_http_liaison_db_conn_t  *dc;

    while (!ngx_queue_empty(&pool->idle)) {
        q = ngx_queue_head(&pool->idle);
        dc = ngx_queue_data(q, ngx_http_liaison_db_conn_t, queue);

        if (dc->node == pool->writer) {
            return dc;
        }

        ngx_queue_remove(q);
        pool->nidle--;
        ngx_http_liaison_db_close(dc);
    }

    return NULL;
}
