
/*
 * Copyright (C) Liaison authors
 */


#ifndef _NGX_HTTP_LIAISON_DB_H_INCLUDED_
#define _NGX_HTTP_LIAISON_DB_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <mysql.h>


/*
 * Statements in one batch, its results kept per statement.  The longest
 * intake (a complaint about a case with a mobile and a risk signal: the
 * A17 statements, the A10 risk and its alert, the SMS) has 17 besides the
 * isolation prefix; a batch beyond this fails (503) with its COMMIT
 * perhaps run.
 */
#define NGX_HTTP_LIAISON_DB_MAX_STMTS  32

/* op->rc beyond NGX_OK and NGX_ERROR: no usable database connection */
#define NGX_HTTP_LIAISON_DB_UNAVAILABLE  -100

/* a whole transaction that met a deadlock is tried this often again */
#define NGX_HTTP_LIAISON_DB_RETRIES      4


typedef struct ngx_http_liaison_db_pool_s  ngx_http_liaison_db_pool_t;
typedef struct ngx_http_liaison_db_conn_s  ngx_http_liaison_db_conn_t;
typedef struct ngx_http_liaison_db_op_s    ngx_http_liaison_db_op_t;

typedef void (*ngx_http_liaison_db_handler_pt)(ngx_http_liaison_db_op_t *op);


#define NGX_HTTP_LIAISON_DB_MAX_NODES  8

/* the most transactions liaison_db_group_commit may put in one */
#define NGX_HTTP_LIAISON_DB_GROUP_MAX  64


/* one database server of liaison_db, in the order of preference */
typedef struct {
    ngx_str_t                     name;         /* as configured, for logs */
    ngx_str_t                     socket;       /* unix socket path, or "" */
    ngx_str_t                     host;         /* IP literal, or "" */
    ngx_uint_t                    port;
} ngx_http_liaison_db_node_t;


typedef struct {
    ngx_http_liaison_db_node_t    nodes[NGX_HTTP_LIAISON_DB_MAX_NODES];
    ngx_uint_t                    nnodes;
    ngx_msec_t                    check_interval;
    ngx_str_t                     user;
    ngx_str_t                     password;
    ngx_str_t                     database;
    ngx_str_t                     init_sql;     /* NUL-terminated */
    ngx_uint_t                    pool_size;
    ngx_msec_t                    connect_timeout;
    ngx_msec_t                    query_timeout;
    ngx_uint_t                    queue_size;
    ngx_msec_t                    queue_timeout;
    /* liaison_db_group_commit: transactions running, and in one (_group) */
    /*
     * "PREPARE name FROM '...'" by statement number: what a connection
     * is sent ahead of a batch that EXECUTEs one it lacks (op->stmts)
     */
    ngx_str_t                    *prepare;
    ngx_uint_t                    group_flight;
    ngx_uint_t                    group_size;
    /* liaison_db_read_batch: statements running, and keys in one */
    ngx_uint_t                    batch_flight;
    ngx_uint_t                    batch_size;
} ngx_http_liaison_db_conf_t;


typedef struct {
    ngx_uint_t                    queries;
    ngx_uint_t                    errors;
    ngx_uint_t                    connects;
    ngx_uint_t                    connect_errors;
    ngx_uint_t                    timeouts;
    ngx_uint_t                    rejected;
    ngx_uint_t                    retries;      /* transactions tried again */
    ngx_uint_t                    failovers;    /* writes moved node */
    ngx_uint_t                    groups;       /* transactions of several
                                                   ops (_group.c) */
    ngx_uint_t                    grouped;      /* ops committed in them */
    ngx_uint_t                    batches;      /* reads of several ops
                                                   (_batch.c) */
    ngx_uint_t                    batched;      /* ops read in them */
    /* the last connect or lost connection: for liaison_db_up */
    ngx_uint_t                    state;
    uint64_t                      state_at;     /* ms since the epoch */
} ngx_http_liaison_db_stats_t;


#define NGX_HTTP_LIAISON_DB_STATE_UP    1
#define NGX_HTTP_LIAISON_DB_STATE_DOWN  2


/*
 * A worker's requests that wait to go to the database together (group
 * commit, read batches): while fewer than a limit run ("nflight"), one
 * goes at once; beyond it they wait in "pending" until "next" starts them.
 */
typedef struct {
    ngx_queue_t                   pending;
    ngx_uint_t                    npending;
    ngx_uint_t                    nflight;
    ngx_event_t                   next;
    ngx_http_liaison_db_pool_t   *pool;
} ngx_http_liaison_db_flight_t;


struct ngx_http_liaison_db_pool_s {
    ngx_http_liaison_db_conf_t   *conf;
    ngx_log_t                    *log;
    ngx_queue_t                   idle;
    ngx_queue_t                   waiters;      /* ops of busy tables */
    ngx_queue_t                   waiters_light;
    ngx_uint_t                    nconns;       /* open or opening */
    ngx_uint_t                    nidle;
    ngx_uint_t                    nwaiting;     /* in both queues */
    /*
     * Ops that are not light hold at most pool_size - reserve connections:
     * the rest is kept for /health and requests of tables that are never
     * locked for long.
     */
    ngx_uint_t                    nheavy;
    ngx_uint_t                    reserve;
    ngx_event_t                   wake;
    ngx_http_liaison_db_stats_t   stats;

    /* connect failures while down: logged once, then summarized */
    ngx_uint_t                    down_failures;
    ngx_msec_t                    down_logged;
    ngx_msec_t                    busy_logged;

    /*
     * Several nodes (a Galera cluster): every connection goes to the
     * writer, the first node in order not known to be down; a timer
     * probes the down nodes (and the writer) so that writes come back
     * to a preferred node when it returns.
     */
    ngx_uint_t                    writer;
    ngx_uint_t                    next_probe;
    u_char                        down[NGX_HTTP_LIAISON_DB_MAX_NODES];
    ngx_event_t                   probe;
    ngx_http_liaison_db_op_t     *probe_op;

    ngx_http_liaison_db_flight_t *group;        /* _group.c's */
    ngx_http_liaison_db_flight_t *batch;        /* _batch.c's */
};


/*
 * One request's use of the database: a batch of statements at a time on
 * a connection the op holds until ngx_http_liaison_db_release().
 */
struct ngx_http_liaison_db_op_s {
    ngx_http_liaison_db_pool_t   *pool;
    ngx_http_liaison_db_conn_t   *conn;
    ngx_log_t                    *log;
    ngx_http_liaison_db_handler_pt  handler;
    void                         *data;

    ngx_str_t                     sql;
    ngx_pool_t                   *mpool;
    ngx_str_t                     sent;         /* sql behind its prefix */
    ngx_uint_t                    prefix;       /* statements before sql */
    ngx_uint_t                    skip;         /* the prefix's results to
                                                   come */
    /* the caller's: the prepared statements the batch EXECUTEs, a bit
       each (conf->prepare) */
    ngx_uint_t                    stmts;
    ngx_uint_t                    preparing;    /* their PREPAREs sent
                                                   ahead of this run */
    ngx_uint_t                    attempts;     /* of a whole transaction */

    /* results of the last batch */
    ngx_int_t                     rc;
    ngx_uint_t                    err_no;
    ngx_uint_t                    err_stmt;
    ngx_uint_t                    nstmts;
    MYSQL_RES                    *res[NGX_HTTP_LIAISON_DB_MAX_STMTS];
    uint64_t                      affected[NGX_HTTP_LIAISON_DB_MAX_STMTS];
    uint64_t                      insert_id[NGX_HTTP_LIAISON_DB_MAX_STMTS];

    /* a batched read's (_batch.c), valid only in its handler */
    MYSQL_ROW                    *rows;
    ngx_uint_t                    nrows;
    unsigned long                *row_len;
    ngx_queue_t                   queue;
    ngx_event_t                   wait;         /* in the queue, or before
                                                   a retry */
    ngx_uint_t                    thread_id;    /* the server's, of the
                                                   connection that timed
                                                   out */
    ngx_uint_t                    tries;        /* nodes tried to connect */

    unsigned                      waiting:1;
    unsigned                      cleanup_added:1;
    /* the caller's: a transaction of this batch in READ COMMITTED */
    unsigned                      read_committed:1;
    /* the caller's: no table that may be locked for long (a reserve) */
    unsigned                      light:1;
    /* the outcome: the deadline fired while the batch ran */
    unsigned                      timed_out:1;
    /* the outcome: no connection free (the database may be up) */
    unsigned                      busy:1;
    unsigned                      heavy_slot:1;
    unsigned                      whole_tx:1;
    /* the caller's: statements are counted, their results not kept */
    unsigned                      count_only:1;

    /* _group.c's, while the op's transaction waits for or runs in a group */
    ngx_queue_t                   gqueue;
    void                         *group;
    ngx_http_liaison_db_handler_pt  ghandler;
    unsigned                      gpending:1;
    unsigned                      gsolo:1;
    unsigned                      galone:1;
    unsigned                      gcleanup:1;
};


ngx_http_liaison_db_pool_t *ngx_http_liaison_db_pool_create(ngx_cycle_t *cycle,
    ngx_http_liaison_db_conf_t *conf);
void ngx_http_liaison_db_pool_destroy(ngx_http_liaison_db_pool_t *pool);

/*
 * Runs op->sql (one or more statements separated by ';') on the op's
 * connection, taking one from the pool first when it has none.  The
 * handler is called once when the batch is done, possibly before this
 * returns; op->rc is NGX_OK, NGX_ERROR (a statement failed: err_no,
 * err_stmt) or NGX_HTTP_LIAISON_DB_UNAVAILABLE.  The results stay valid
 * until the next query or the release.  mpool gets a cleanup that
 * releases the connection.
 *
 * A batch that is a whole transaction ("START TRANSACTION; ... COMMIT")
 * and fails on an error ngx_http_liaison_db_retriable() names is rolled
 * back and run again, up to NGX_HTTP_LIAISON_DB_RETRIES times after a
 * short random pause; then op->rc is NGX_ERROR with that err_no.
 */
void ngx_http_liaison_db_query(ngx_http_liaison_db_op_t *op,
    ngx_pool_t *mpool);

/* The pool's flight state in *slot (group commit, read batches). */
ngx_http_liaison_db_flight_t *ngx_http_liaison_db_flight_state(
    ngx_http_liaison_db_pool_t *pool, ngx_http_liaison_db_flight_t **slot,
    ngx_event_handler_pt next);

/* Requests waiting: for a connection, a group or a read batch. */
ngx_uint_t ngx_http_liaison_db_waiting(ngx_http_liaison_db_pool_t *pool);

/*
 * Refuses op a connection (rc NGX_HTTP_LIAISON_DB_UNAVAILABLE, busy) and
 * calls its handler: counted, logged at most every few seconds.
 */
void ngx_http_liaison_db_reject(ngx_http_liaison_db_op_t *op,
    const char *why);

/*
 * Gives the connection back (or closes it when a statement is still
 * running or a transaction is open) and cancels any wait.  Idempotent.
 */
void ngx_http_liaison_db_release(ngx_http_liaison_db_op_t *op);

/*
 * 1 when a statement error means the transaction lost a race (deadlock,
 * lock wait timeout) and running it again may succeed.
 */
ngx_uint_t ngx_http_liaison_db_retriable(ngx_uint_t err_no);


#endif /* _NGX_HTTP_LIAISON_DB_H_INCLUDED_ */
