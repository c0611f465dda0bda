
/*
 * Copyright (C) Liaison authors
 *
 * ngx_http_liaison_metrics_module: Prometheus metrics of the API.
 *
 * A log-phase handler counts every request of a "liaison_api" location by
 * endpoint (the pattern of its row in the endpoint tables, such as
 * "tickets/{no}"; "other" for requests no endpoint took, so the labels
 * are bounded by the tables) and status, with a latency histogram per
 * endpoint.  Each worker process writes its
 * connection pool's gauges and the growth of its pool counters into the
 * same shared memory zone, so whichever worker answers "liaison_metrics"
 * reports the totals of all of them.  The zone is declared with the same
 * name, size and tag at every configuration load, so nginx hands the old
 * one to the new cycle: the counters survive "nginx -s reload" (a binary
 * upgrade starts from zero, as every nginx zone does).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_metrics.h"
#include "ngx_http_liaison_batch.h"
#include "ngx_http_liaison_group.h"


#define NGX_HTTP_LIAISON_METRICS_MAGIC      0x4c4d5404
#define NGX_HTTP_LIAISON_METRICS_ENDPOINTS  128
#define NGX_HTTP_LIAISON_METRICS_SERIES     1024
#define NGX_HTTP_LIAISON_METRICS_WORKERS    256
#define NGX_HTTP_LIAISON_METRICS_BUCKETS    11
#define NGX_HTTP_LIAISON_METRICS_NAME       48
#define NGX_HTTP_LIAISON_METRICS_FLUSH      1000


typedef struct {
    u_char                      name[NGX_HTTP_LIAISON_METRICS_NAME];
    size_t                      len;                /* 0: free */
    uint64_t                    bucket[NGX_HTTP_LIAISON_METRICS_BUCKETS];
    uint64_t                    count;
    uint64_t                    sum_ms;
} ngx_http_liaison_metrics_endpoint_t;


typedef struct {
    ngx_uint_t                  endpoint;           /* index + 1; 0: free */
    ngx_uint_t                  status;
    uint64_t                    count;
} ngx_http_liaison_metrics_series_t;


typedef struct {
    ngx_pid_t                   pid;                /* 0: free */
    ngx_uint_t                  busy;
    ngx_uint_t                  idle;
    ngx_uint_t                  waiting;
    ngx_uint_t                  size;
    ngx_uint_t                  read_busy;          /* liaison_db_read */
    ngx_uint_t                  read_idle;
    ngx_uint_t                  read_waiting;
    ngx_uint_t                  read_size;          /* 0: no read pool */
    ngx_uint_t                  db_state;           /* NGX_HTTP_LIAISON_DB_
                                                       UP/DOWN, 0 unknown */
    uint64_t                    db_state_at;        /* ms since the epoch */
} ngx_http_liaison_metrics_worker_t;


struct ngx_http_liaison_metrics_shctx_s {
    ngx_uint_t                  magic;
    time_t                      start_time;         /* the zone: the master */
    uint64_t                    dropped;  /* requests the tables had no
                                             room for */
    uint64_t                    db[NGX_HTTP_LIAISON_METRICS_DB];
    uint64_t                    schema_mismatch;
    ngx_http_liaison_metrics_endpoint_t
                        endpoints[NGX_HTTP_LIAISON_METRICS_ENDPOINTS];
    ngx_http_liaison_metrics_series_t
                        series[NGX_HTTP_LIAISON_METRICS_SERIES];
    ngx_http_liaison_metrics_worker_t
                        workers[NGX_HTTP_LIAISON_METRICS_WORKERS];
};


typedef struct {
    ngx_flag_t                  metrics;
} ngx_http_liaison_metrics_loc_conf_t;


static ngx_int_t ngx_http_liaison_metrics_log(ngx_http_request_t *r);
static size_t ngx_http_liaison_metrics_endpoint(ngx_http_request_t *r,
    u_char *buf);
static ngx_int_t ngx_http_liaison_metrics_find(
    ngx_http_liaison_metrics_shctx_t *sh, u_char *name, size_t len,
    ngx_uint_t status, ngx_http_liaison_metrics_endpoint_t **ep,
    ngx_http_liaison_metrics_series_t **sp);
static void ngx_http_liaison_metrics_sync(
    ngx_http_liaison_metrics_conf_t *mmcf,
    ngx_http_liaison_main_conf_t *lmcf);
static void ngx_http_liaison_metrics_flush_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_liaison_metrics_handler(ngx_http_request_t *r);
static u_char *ngx_http_liaison_metrics_render(u_char *p, u_char *end,
    ngx_http_liaison_metrics_shctx_t *sh);
static ngx_int_t ngx_http_liaison_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void *ngx_http_liaison_metrics_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_liaison_metrics_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_liaison_metrics_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_liaison_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_liaison_metrics_postconf(ngx_conf_t *cf);
static ngx_int_t ngx_http_liaison_metrics_init_process(ngx_cycle_t *cycle);
static void ngx_http_liaison_metrics_exit_process(ngx_cycle_t *cycle);


/* upper bounds of the latency buckets, in milliseconds */
static ngx_uint_t  ngx_http_liaison_metrics_bounds[] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};

static char  *ngx_http_liaison_metrics_les[] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
    "5", "10"
};


static ngx_command_t  ngx_http_liaison_metrics_commands[] = {

    { ngx_string("liaison_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_metrics,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_liaison_metrics_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_liaison_metrics_postconf,     /* postconfiguration */

    ngx_http_liaison_metrics_create_main_conf,  /* create main conf */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_liaison_metrics_create_loc_conf,   /* create location conf */
    ngx_http_liaison_metrics_merge_loc_conf     /* merge location conf */
};


ngx_module_t  ngx_http_liaison_metrics_module = {
    NGX_MODULE_V1,
    &ngx_http_liaison_metrics_module_ctx,  /* module context */
    ngx_http_liaison_metrics_commands,     /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_liaison_metrics_init_process, /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_liaison_metrics_exit_process, /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_liaison_metrics_zone_name =
    ngx_string("liaison_metrics");

static ngx_str_t  ngx_http_liaison_metrics_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


/* The log phase: one request of an API location */

static ngx_int_t
ngx_http_liaison_metrics_log(ngx_http_request_t *r)
{
    size_t                                 len;
    u_char                                 name[NGX_HTTP_LIAISON_METRICS_NAME];
    ngx_uint_t                             status, i;
    ngx_msec_int_t                         ms;
    ngx_time_t                            *tp;
    ngx_http_liaison_loc_conf_t           *llcf;
    ngx_http_liaison_metrics_series_t     *sp;
    ngx_http_liaison_metrics_endpoint_t   *ep;
    ngx_http_liaison_metrics_conf_t           *mmcf;

    mmcf = ngx_http_get_module_main_conf(r, ngx_http_liaison_metrics_module);
    if (mmcf->sh == NULL) {
        return NGX_OK;
    }

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_liaison_module);
    if (llcf == NULL || llcf->api != 1) {
        return NGX_OK;
    }

    len = ngx_http_liaison_metrics_endpoint(r, name);

    status = r->err_status ? r->err_status : r->headers_out.status;
    if (status == 0 && r->connection->error) {
        status = NGX_HTTP_CLIENT_CLOSED_REQUEST;
    }

    tp = ngx_timeofday();
    ms = (ngx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                           + (tp->msec - r->start_msec));
    ms = ngx_max(ms, 0);

    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_BUCKETS; i++) {
        if ((ngx_uint_t) ms <= ngx_http_liaison_metrics_bounds[i]) {
            break;
        }
    }

    ngx_shmtx_lock(&mmcf->shpool->mutex);

    if (ngx_http_liaison_metrics_find(mmcf->sh, name, len, status, &ep, &sp)
        == NGX_OK)
    {
        if (i < NGX_HTTP_LIAISON_METRICS_BUCKETS) {
            ep->bucket[i]++;
        }

        ep->count++;
        ep->sum_ms += ms;
        sp->count++;

    } else {
        mmcf->sh->dropped++;
    }

    /* the pool's figures go to the zone from the timer, once a second */
    ngx_shmtx_unlock(&mmcf->shpool->mutex);

    return NGX_OK;
}


/*
 * The endpoint's pattern ("tickets/{no}"), or "other" when no endpoint
 * took the request (unknown path, wrong method, nginx's own errors before
 * the module ran).
 */

static size_t
ngx_http_liaison_metrics_endpoint(ngx_http_request_t *r, u_char *buf)
{
    ngx_str_t               *name;
    ngx_http_liaison_ctx_t  *ctx;

    static ngx_str_t  other = ngx_string("other");

    ctx = ngx_http_get_module_ctx(r, ngx_http_liaison_module);

    name = (ctx && ctx->endpoint
            && ctx->endpoint->pattern.len < NGX_HTTP_LIAISON_METRICS_NAME)
           ? &ctx->endpoint->pattern : &other;

    return ngx_cpymem(buf, name->data, name->len) - buf;
}


/* Under the zone's lock: the endpoint's and the (endpoint, status) slots. */

static ngx_int_t
ngx_http_liaison_metrics_find(ngx_http_liaison_metrics_shctx_t *sh,
    u_char *name, size_t len, ngx_uint_t status,
    ngx_http_liaison_metrics_endpoint_t **ep,
    ngx_http_liaison_metrics_series_t **sp)
{
    ngx_uint_t                            h, i, n, e;
    ngx_http_liaison_metrics_series_t    *s;
    ngx_http_liaison_metrics_endpoint_t  *x;

    h = ngx_hash_key(name, len);

    for (n = 0; n < NGX_HTTP_LIAISON_METRICS_ENDPOINTS; n++) {
        i = (h + n) % NGX_HTTP_LIAISON_METRICS_ENDPOINTS;
        x = &sh->endpoints[i];

        if (x->len == 0) {
            ngx_memcpy(x->name, name, len);
            x->len = len;
            break;
        }

        if (x->len == len && ngx_memcmp(x->name, name, len) == 0) {
            break;
        }
    }

    if (n == NGX_HTTP_LIAISON_METRICS_ENDPOINTS) {
        return NGX_DECLINED;
    }

    e = i + 1;
    h = e * 1009 + status;

    for (n = 0; n < NGX_HTTP_LIAISON_METRICS_SERIES; n++) {
        s = &sh->series[(h + n) % NGX_HTTP_LIAISON_METRICS_SERIES];

        if (s->endpoint == 0) {
            s->endpoint = e;
            s->status = status;
            break;
        }

        if (s->endpoint == e && s->status == status) {
            break;
        }
    }

    if (n == NGX_HTTP_LIAISON_METRICS_SERIES) {
        return NGX_DECLINED;
    }

    *ep = x;
    *sp = s;

    return NGX_OK;
}


/*
 * Under the zone's lock: this worker's pool gauges into its slot, and what
 * its pool counters grew by since the last time into the totals.
 */

static void
ngx_http_liaison_metrics_sync(ngx_http_liaison_metrics_conf_t *mmcf,
    ngx_http_liaison_main_conf_t *lmcf)
{
    ngx_uint_t                          now[NGX_HTTP_LIAISON_METRICS_DB], i;
    ngx_http_liaison_db_pool_t         *pool, *rp;
    ngx_http_liaison_metrics_worker_t  *w;

    if (mmcf->slot < 0 || lmcf == NULL || lmcf->pool == NULL) {
        return;
    }

    pool = lmcf->pool;
    rp = lmcf->read_pool;

    now[0] = pool->stats.queries;
    now[1] = pool->stats.errors;
    now[2] = pool->stats.connects;
    now[3] = pool->stats.connect_errors;
    now[4] = pool->stats.timeouts;
    now[5] = pool->stats.rejected;
    now[6] = pool->stats.retries;
    now[7] = pool->stats.failovers;
    now[8] = rp ? rp->stats.queries : 0;
    now[9] = rp ? rp->stats.failovers : 0;
    now[10] = pool->stats.groups;
    now[11] = pool->stats.grouped;
    now[12] = rp ? rp->stats.errors : 0;
    now[13] = rp ? rp->stats.timeouts : 0;
    now[14] = rp ? rp->stats.rejected : 0;
    now[15] = pool->stats.batches;
    now[16] = pool->stats.batched;

    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_DB; i++) {
        mmcf->sh->db[i] += now[i] - mmcf->last[i];
        mmcf->last[i] = now[i];
    }

    w = &mmcf->sh->workers[mmcf->slot];

    if (w->pid != ngx_pid) {
        return;
    }

    w->idle = pool->nidle;
    w->busy = pool->nconns > pool->nidle ? pool->nconns - pool->nidle : 0;
    w->waiting = ngx_http_liaison_db_waiting(pool);
    w->size = pool->conf->pool_size;

    if (rp) {
        w->read_idle = rp->nidle;
        w->read_busy = rp->nconns > rp->nidle ? rp->nconns - rp->nidle : 0;
        w->read_waiting = rp->nwaiting;
        w->read_size = rp->conf->pool_size;
    }

    w->db_state = pool->stats.state;
    w->db_state_at = pool->stats.state_at;
}


static void
ngx_http_liaison_metrics_flush_handler(ngx_event_t *ev)
{
    ngx_http_liaison_main_conf_t          *lmcf;
    ngx_http_liaison_metrics_conf_t           *mmcf;

    mmcf = ev->data;

    lmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_liaison_module);

    ngx_shmtx_lock(&mmcf->shpool->mutex);
    ngx_http_liaison_metrics_sync(mmcf, lmcf);
    ngx_shmtx_unlock(&mmcf->shpool->mutex);

    if (!ngx_exiting && !ngx_terminate && !ngx_quit) {
        ngx_add_timer(ev, NGX_HTTP_LIAISON_METRICS_FLUSH);
    }
}


/* The "liaison_metrics" location: Prometheus text exposition 0.0.4 */

static ngx_int_t
ngx_http_liaison_metrics_handler(ngx_http_request_t *r)
{
    size_t                                 size;
    ngx_int_t                              rc;
    ngx_buf_t                             *b;
    ngx_uint_t                             i, n;
    ngx_chain_t                            out;
    ngx_http_liaison_main_conf_t          *lmcf;
    ngx_http_liaison_metrics_shctx_t      *copy;
    ngx_http_liaison_metrics_conf_t           *mmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    mmcf = ngx_http_get_module_main_conf(r, ngx_http_liaison_metrics_module);
    lmcf = ngx_http_get_module_main_conf(r, ngx_http_liaison_module);

    if (mmcf->sh == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    copy = ngx_palloc(r->pool, sizeof(ngx_http_liaison_metrics_shctx_t));
    if (copy == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* a consistent snapshot, rendered without the lock */
    ngx_shmtx_lock(&mmcf->shpool->mutex);
    ngx_http_liaison_metrics_sync(mmcf, lmcf);
    ngx_memcpy(copy, mmcf->sh, sizeof(ngx_http_liaison_metrics_shctx_t));
    ngx_shmtx_unlock(&mmcf->shpool->mutex);

    n = 0;
    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_ENDPOINTS; i++) {
        if (copy->endpoints[i].len) {
            n++;
        }
    }

    size = 8192 + n * (NGX_HTTP_LIAISON_METRICS_BUCKETS + 3)
                    * (NGX_HTTP_LIAISON_METRICS_NAME + 96);

    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_SERIES; i++) {
        if (copy->series[i].endpoint) {
            size += NGX_HTTP_LIAISON_METRICS_NAME + 96;
        }
    }

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_http_liaison_metrics_render(b->last, b->end, copy);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = ngx_http_liaison_metrics_type;
    r->headers_out.content_type_len = ngx_http_liaison_metrics_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = b->last - b->pos;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* bounded by end: a page that outgrew its estimate is cut, never overrun */

static u_char *
ngx_http_liaison_metrics_render(u_char *p, u_char *end,
    ngx_http_liaison_metrics_shctx_t *sh)
{
    uint64_t                              cum, at;
    ngx_uint_t                            i, j, busy, idle, waiting, size;
    ngx_uint_t                            workers, db_state, rbusy, ridle;
    ngx_uint_t                            rwaiting, rsize;
    ngx_http_liaison_metrics_series_t    *s;
    ngx_http_liaison_metrics_endpoint_t  *e;

    p = ngx_slprintf(p, end,
            "# HELP liaison_http_requests_total API requests by endpoint "
            "(route pattern) and status.\n"
            "# TYPE liaison_http_requests_total counter\n");

    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_SERIES; i++) {
        s = &sh->series[i];
        if (s->endpoint == 0) {
            continue;
        }

        e = &sh->endpoints[s->endpoint - 1];

        p = ngx_slprintf(p, end,
                         "liaison_http_requests_total{endpoint=\"%*s\","
                         "status=\"%ui\"} %uL\n",
                         e->len, e->name, s->status, s->count);
    }

    p = ngx_slprintf(p, end,
            "# HELP liaison_http_request_duration_seconds API request time, "
            "from the first byte read to the log phase.\n"
            "# TYPE liaison_http_request_duration_seconds histogram\n");

    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_ENDPOINTS; i++) {
        e = &sh->endpoints[i];
        if (e->len == 0) {
            continue;
        }

        cum = 0;

        for (j = 0; j < NGX_HTTP_LIAISON_METRICS_BUCKETS; j++) {
            cum += e->bucket[j];
            p = ngx_slprintf(p, end,
                             "liaison_http_request_duration_seconds_bucket"
                             "{endpoint=\"%*s\",le=\"%s\"} %uL\n",
                             e->len, e->name,
                             ngx_http_liaison_metrics_les[j], cum);
        }

        p = ngx_slprintf(p, end,
                         "liaison_http_request_duration_seconds_bucket"
                         "{endpoint=\"%*s\",le=\"+Inf\"} %uL\n"
                         "liaison_http_request_duration_seconds_sum"
                         "{endpoint=\"%*s\"} %uL.%03uL\n"
                         "liaison_http_request_duration_seconds_count"
                         "{endpoint=\"%*s\"} %uL\n",
                         e->len, e->name, e->count,
                         e->len, e->name, e->sum_ms / 1000, e->sum_ms % 1000,
                         e->len, e->name, e->count);
    }

    busy = 0;
    idle = 0;
    waiting = 0;
    size = 0;
    rbusy = 0;
    ridle = 0;
    rwaiting = 0;
    rsize = 0;
    workers = 0;
    db_state = 0;
    at = 0;

    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_WORKERS; i++) {
        if (sh->workers[i].pid == 0) {
            continue;
        }

        workers++;
        busy += sh->workers[i].busy;
        idle += sh->workers[i].idle;
        waiting += sh->workers[i].waiting;
        size += sh->workers[i].size;
        rbusy += sh->workers[i].read_busy;
        ridle += sh->workers[i].read_idle;
        rwaiting += sh->workers[i].read_waiting;
        rsize += sh->workers[i].read_size;

        /* the database as this node saw it last, by any worker */
        if (sh->workers[i].db_state && sh->workers[i].db_state_at >= at) {
            db_state = sh->workers[i].db_state;
            at = sh->workers[i].db_state_at;
        }
    }

    p = ngx_slprintf(p, end,
            "# HELP liaison_db_pool_connections Database connections of all "
            "worker processes, in use (or opening) and idle.\n"
            "# TYPE liaison_db_pool_connections gauge\n"
            "liaison_db_pool_connections{state=\"busy\"} %ui\n"
            "liaison_db_pool_connections{state=\"idle\"} %ui\n"
            "# HELP liaison_db_pool_size Connections the pools may open "
            "(liaison_db_pool_size times the worker processes).\n"
            "# TYPE liaison_db_pool_size gauge\n"
            "liaison_db_pool_size %ui\n"
            "# HELP liaison_db_pool_waiting Requests waiting for a free "
            "connection, or for a group commit.\n"
            "# TYPE liaison_db_pool_waiting gauge\n"
            "liaison_db_pool_waiting %ui\n"
            "# HELP liaison_nginx_worker_processes nginx worker processes "
            "with a pool (those shutting down after a reload included).\n"
            "# TYPE liaison_nginx_worker_processes gauge\n"
            "liaison_nginx_worker_processes %ui\n",
            busy, idle, size, waiting, workers);

    if (rsize) {
        p = ngx_slprintf(p, end,
                "# HELP liaison_db_read_pool_connections Connections of the "
                "liaison_db_read pools, in use (or opening) and idle.\n"
                "# TYPE liaison_db_read_pool_connections gauge\n"
                "liaison_db_read_pool_connections{state=\"busy\"} %ui\n"
                "liaison_db_read_pool_connections{state=\"idle\"} %ui\n"
                "# HELP liaison_db_read_pool_size Connections the read pools "
                "may open.\n"
                "# TYPE liaison_db_read_pool_size gauge\n"
                "liaison_db_read_pool_size %ui\n"
                "# HELP liaison_db_read_pool_waiting Requests waiting for a "
                "read pool connection.\n"
                "# TYPE liaison_db_read_pool_waiting gauge\n"
                "liaison_db_read_pool_waiting %ui\n",
                rbusy, ridle, rsize, rwaiting);
    }

    if (db_state) {
        p = ngx_slprintf(p, end,
                "# HELP liaison_db_up Whether this node's last connection "
                "to the database or query on it succeeded.\n"
                "# TYPE liaison_db_up gauge\n"
                "liaison_db_up %d\n",
                db_state == NGX_HTTP_LIAISON_DB_STATE_UP);
    }

    p = ngx_slprintf(p, end,
            "# HELP liaison_db_queries_total Batches of statements sent.\n"
            "# TYPE liaison_db_queries_total counter\n"
            "liaison_db_queries_total %uL\n"
            "# HELP liaison_db_errors_total Batches that failed (a statement "
            "error, a lost or unavailable connection; not a duplicate key, "
            "a replay or a race of one key).\n"
            "# TYPE liaison_db_errors_total counter\n"
            "liaison_db_errors_total %uL\n"
            "# HELP liaison_db_reconnects_total Connections opened to the "
            "database.\n"
            "# TYPE liaison_db_reconnects_total counter\n"
            "liaison_db_reconnects_total %uL\n"
            "# HELP liaison_db_connect_errors_total Connection attempts that "
            "failed.\n"
            "# TYPE liaison_db_connect_errors_total counter\n"
            "liaison_db_connect_errors_total %uL\n"
            "# HELP liaison_db_timeouts_total Batches that ran past "
            "liaison_db_query_timeout.\n"
            "# TYPE liaison_db_timeouts_total counter\n"
            "liaison_db_timeouts_total %uL\n"
            "# HELP liaison_db_rejected_total Requests refused a connection "
            "(queue full or liaison_db_queue_timeout).\n"
            "# TYPE liaison_db_rejected_total counter\n"
            "liaison_db_rejected_total %uL\n"
            "# HELP liaison_db_retries_total Transactions run again after "
            "a deadlock or a lock wait timeout.\n"
            "# TYPE liaison_db_retries_total counter\n"
            "liaison_db_retries_total %uL\n"
            "# HELP liaison_db_failovers_total Times the writes moved from "
            "one liaison_db node to another.\n"
            "# TYPE liaison_db_failovers_total counter\n"
            "liaison_db_failovers_total %uL\n"
            "# HELP liaison_db_read_queries_total Batches sent to the "
            "liaison_db_read pool (lag-tolerant reads).\n"
            "# TYPE liaison_db_read_queries_total counter\n"
            "liaison_db_read_queries_total %uL\n"
            "# HELP liaison_db_read_failovers_total Times the "
            "liaison_db_read pool moved from one node to another.\n"
            "# TYPE liaison_db_read_failovers_total counter\n"
            "liaison_db_read_failovers_total %uL\n"
            "# HELP liaison_db_read_errors_total Batches of the "
            "liaison_db_read pool that failed.\n"
            "# TYPE liaison_db_read_errors_total counter\n"
            "liaison_db_read_errors_total %uL\n"
            "# HELP liaison_db_read_timeouts_total Batches of the "
            "liaison_db_read pool past liaison_db_query_timeout.\n"
            "# TYPE liaison_db_read_timeouts_total counter\n"
            "liaison_db_read_timeouts_total %uL\n"
            "# HELP liaison_db_read_rejected_total Requests refused a read "
            "pool connection (queue full or liaison_db_queue_timeout).\n"
            "# TYPE liaison_db_read_rejected_total counter\n"
            "liaison_db_read_rejected_total %uL\n"
            "# HELP liaison_db_group_commits_total Transactions that "
            "committed the intakes of several requests together "
            "(liaison_db_group_commit).\n"
            "# TYPE liaison_db_group_commits_total counter\n"
            "liaison_db_group_commits_total %uL\n"
            "# HELP liaison_db_grouped_total Intakes committed in those.\n"
            "# TYPE liaison_db_grouped_total counter\n"
            "liaison_db_grouped_total %uL\n"
            "# HELP liaison_db_read_batches_total Statements that read the "
            "tickets of status reads, one request's or several's "
            "(liaison_db_read_batch).\n"
            "# TYPE liaison_db_read_batches_total counter\n"
            "liaison_db_read_batches_total %uL\n"
            "# HELP liaison_db_batched_reads_total Status reads answered by "
            "those.\n"
            "# TYPE liaison_db_batched_reads_total counter\n"
            "liaison_db_batched_reads_total %uL\n",
            sh->db[0], sh->db[1], sh->db[2], sh->db[3], sh->db[4], sh->db[5],
            sh->db[6], sh->db[7], sh->db[8], sh->db[9], sh->db[12],
            sh->db[13], sh->db[14], sh->db[10], sh->db[11], sh->db[15],
            sh->db[16]);

    p = ngx_slprintf(p, end,
            "# HELP liaison_schema_expected_version The schema version "
            "(highest sql/NNN migration) this module was built for.\n"
            "# TYPE liaison_schema_expected_version gauge\n"
            "liaison_schema_expected_version %d\n"
            "# HELP liaison_schema_mismatch_total Checks that found another "
            "schema version in the database.\n"
            "# TYPE liaison_schema_mismatch_total counter\n"
            "liaison_schema_mismatch_total %uL\n"
            "# HELP liaison_metrics_dropped_total Requests not counted: the "
            "metrics tables were full.\n"
            "# TYPE liaison_metrics_dropped_total counter\n"
            "liaison_metrics_dropped_total %uL\n",
            NGX_HTTP_LIAISON_SCHEMA_VERSION, sh->schema_mismatch,
            sh->dropped);

    p = ngx_slprintf(p, end,
            "# HELP liaison_info The module's version and build, and the "
            "nginx it runs in.\n"
            "# TYPE liaison_info gauge\n"
            "liaison_info{version=\"%s\",build=\"%s\",nginx=\"%s\"} 1\n"
            "# HELP liaison_start_time_seconds When the nginx master "
            "started (the metrics zone was made), in seconds since the "
            "epoch.\n"
            "# TYPE liaison_start_time_seconds gauge\n"
            "liaison_start_time_seconds %T\n",
            NGX_HTTP_LIAISON_VERSION, NGX_HTTP_LIAISON_BUILD, NGINX_VERSION,
            sh->start_time);

    return p;
}


/* Called by the schema check (ngx_http_liaison_schema.c). */

void
ngx_http_liaison_metrics_schema_mismatch(ngx_cycle_t *cycle)
{
    ngx_http_liaison_metrics_conf_t  *mmcf;

    mmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_liaison_metrics_module);

    if (mmcf == NULL || mmcf->sh == NULL) {
        return;
    }

    ngx_shmtx_lock(&mmcf->shpool->mutex);
    mmcf->sh->schema_mismatch++;
    ngx_shmtx_unlock(&mmcf->shpool->mutex);
}


/* The zone */

static ngx_int_t
ngx_http_liaison_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_liaison_metrics_shctx_t  *octx = data;

    ngx_slab_pool_t                   *shpool;
    ngx_http_liaison_metrics_shctx_t  *sh;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (octx != NULL && octx->magic == NGX_HTTP_LIAISON_METRICS_MAGIC) {
        /* a reload: keep counting where the old cycle was */
        shm_zone->data = octx;
        return NGX_OK;
    }

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_liaison_metrics_shctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    sh->magic = NGX_HTTP_LIAISON_METRICS_MAGIC;
    sh->start_time = ngx_time();
    shpool->data = sh;
    shm_zone->data = sh;

    shpool->log_ctx = (u_char *) " in liaison_metrics zone";

    return NGX_OK;
}


/* Configuration */

static void *
ngx_http_liaison_metrics_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_liaison_metrics_conf_t  *mmcf;

    mmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_liaison_metrics_conf_t));
    if (mmcf == NULL) {
        return NULL;
    }

    mmcf->slot = -1;

    return mmcf;
}


static void *
ngx_http_liaison_metrics_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_liaison_metrics_loc_conf_t  *mlcf;

    mlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_liaison_metrics_loc_conf_t));
    if (mlcf == NULL) {
        return NULL;
    }

    mlcf->metrics = NGX_CONF_UNSET;

    return mlcf;
}


static char *
ngx_http_liaison_metrics_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_liaison_metrics_loc_conf_t  *prev = parent;
    ngx_http_liaison_metrics_loc_conf_t  *conf = child;

    ngx_conf_merge_value(conf->metrics, prev->metrics, 0);

    return NGX_CONF_OK;
}


/* liaison_metrics on | off;  (location) */

static char *
ngx_http_liaison_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_metrics_loc_conf_t  *mlcf = conf;

    ngx_str_t                             *value;
    ngx_http_core_loc_conf_t              *clcf;
    ngx_http_liaison_loc_conf_t           *llcf;
    ngx_http_liaison_metrics_conf_t           *mmcf;

    if (mlcf->metrics != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        mlcf->metrics = 0;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "on") != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_metrics\": invalid value \"%V\", "
                           "use \"on\" or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    llcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_liaison_module);
    if (llcf->api == 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_metrics\" and \"liaison_api\" cannot "
                           "both be on in one location");
        return NGX_CONF_ERROR;
    }

    mlcf->metrics = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_liaison_metrics_handler;

    mmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_liaison_metrics_module);
    mmcf->enabled = 1;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_liaison_metrics_postconf(ngx_conf_t *cf)
{
    size_t                                 size;
    ngx_http_handler_pt                   *h;
    ngx_http_core_main_conf_t             *cmcf;
    ngx_http_liaison_main_conf_t          *lmcf;
    ngx_http_liaison_metrics_conf_t           *mmcf;

    mmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_liaison_metrics_module);
    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_liaison_module);

    if (!mmcf->enabled && (lmcf == NULL || !lmcf->db_set)) {
        return NGX_OK;
    }

    /* the same name, size and tag at every load: a reload keeps it */
    size = ngx_align(sizeof(ngx_http_liaison_metrics_shctx_t), ngx_pagesize)
           + 8 * ngx_pagesize;

    mmcf->shm_zone = ngx_shared_memory_add(cf,
                                     &ngx_http_liaison_metrics_zone_name,
                                     size, &ngx_http_liaison_metrics_module);
    if (mmcf->shm_zone == NULL) {
        return NGX_ERROR;
    }

    if (mmcf->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "shared memory zone \"%V\" is already used",
                           &ngx_http_liaison_metrics_zone_name);
        return NGX_ERROR;
    }

    mmcf->shm_zone->init = ngx_http_liaison_metrics_init_zone;
    mmcf->shm_zone->noreuse = 0;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_liaison_metrics_log;

    return NGX_OK;
}


/* Per worker process: a slot for the pool gauges, a periodic flush */

static ngx_int_t
ngx_http_liaison_metrics_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                             i;
    ngx_http_liaison_metrics_worker_t     *w;
    ngx_http_liaison_metrics_conf_t           *mmcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    mmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_liaison_metrics_module);
    if (mmcf == NULL || mmcf->shm_zone == NULL
        || mmcf->shm_zone->data == NULL)
    {
        return NGX_OK;
    }

    mmcf->sh = mmcf->shm_zone->data;
    mmcf->shpool = (ngx_slab_pool_t *) mmcf->shm_zone->shm.addr;
    mmcf->slot = -1;

    ngx_shmtx_lock(&mmcf->shpool->mutex);

    for (i = 0; i < NGX_HTTP_LIAISON_METRICS_WORKERS; i++) {
        w = &mmcf->sh->workers[i];

        /* the slot of a worker that died without its exit_process */
        if (w->pid != 0 && kill(w->pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
            ngx_memzero(w, sizeof(ngx_http_liaison_metrics_worker_t));
        }

        if (w->pid == 0 && mmcf->slot < 0) {
            w->pid = ngx_pid;
            mmcf->slot = i;
        }
    }

    /* the pool exists already: ngx_http_liaison_module comes first */
    ngx_http_liaison_metrics_sync(mmcf,
        ngx_http_cycle_get_module_main_conf(cycle, ngx_http_liaison_module));

    ngx_shmtx_unlock(&mmcf->shpool->mutex);

    mmcf->flush.handler = ngx_http_liaison_metrics_flush_handler;
    mmcf->flush.data = mmcf;
    mmcf->flush.log = cycle->log;
    mmcf->flush.cancelable = 1;

    ngx_add_timer(&mmcf->flush, NGX_HTTP_LIAISON_METRICS_FLUSH);

    return NGX_OK;
}


static void
ngx_http_liaison_metrics_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_liaison_main_conf_t          *lmcf;
    ngx_http_liaison_metrics_conf_t           *mmcf;

    mmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_liaison_metrics_module);
    if (mmcf == NULL || mmcf->sh == NULL) {
        return;
    }

    if (mmcf->flush.timer_set) {
        ngx_del_timer(&mmcf->flush);
    }

    lmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_liaison_module);

    ngx_shmtx_lock(&mmcf->shpool->mutex);

    ngx_http_liaison_metrics_sync(mmcf, lmcf);

    if (mmcf->slot >= 0 && mmcf->sh->workers[mmcf->slot].pid == ngx_pid) {
        ngx_memzero(&mmcf->sh->workers[mmcf->slot],
                    sizeof(ngx_http_liaison_metrics_worker_t));
    }

    ngx_shmtx_unlock(&mmcf->shpool->mutex);

    mmcf->slot = -1;
    mmcf->sh = NULL;
}
