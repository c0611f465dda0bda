
/*
 * Copyright (C) Liaison authors
 *
 * ngx_http_liaison_metrics_module: Prometheus metrics in a shared zone;
 * its main configuration also keeps the schema check's state per worker
 * (ngx_http_liaison_schema.c).
 */


#ifndef _NGX_HTTP_LIAISON_METRICS_H_INCLUDED_
#define _NGX_HTTP_LIAISON_METRICS_H_INCLUDED_


#include "ngx_http_liaison_common.h"
#include "ngx_liaison_schema.h"


#define NGX_HTTP_LIAISON_SCHEMA_UNKNOWN   0
#define NGX_HTTP_LIAISON_SCHEMA_OK        1
#define NGX_HTTP_LIAISON_SCHEMA_MISMATCH  2

/* pool counters carried into the zone, in ngx_http_liaison_db_stats_t */
/*
 * the writer pool's 8 counters, the read pool's queries and failovers,
 * the group commits and intakes grouped, the read pool's errors, timeouts
 * and refusals
 */
#define NGX_HTTP_LIAISON_METRICS_DB       17


typedef struct ngx_http_liaison_metrics_shctx_s
    ngx_http_liaison_metrics_shctx_t;


typedef struct {
    ngx_shm_zone_t                     *shm_zone;
    ngx_uint_t                          enabled;  /* a location serves them */

    /* per worker process */
    ngx_http_liaison_metrics_shctx_t   *sh;
    ngx_slab_pool_t                    *shpool;
    ngx_int_t                           slot;     /* workers[], or -1 */
    ngx_uint_t                          last[NGX_HTTP_LIAISON_METRICS_DB];
    ngx_event_t                         flush;

    /* the schema check, per worker process */
    ngx_uint_t                          schema;
    ngx_int_t                           schema_found;
    ngx_msec_t                          schema_checked;
    ngx_msec_t                          schema_logged;
} ngx_http_liaison_metrics_conf_t;


extern ngx_module_t  ngx_http_liaison_metrics_module;


/* counts a schema mismatch found by a worker */
void ngx_http_liaison_metrics_schema_mismatch(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_LIAISON_METRICS_H_INCLUDED_ */
