
/*
 * Copyright (C) Liaison authors
 *
 * ngx_http_liaison_module: the directives, the configuration, the
 * per-worker state, and the list of every feature's endpoints.  Nothing
 * here serves a request: ngx_http_liaison_router.c does.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_common.h"
#include "ngx_http_liaison_accounts.h"
#include "ngx_http_liaison_attach.h"
#include "ngx_http_liaison_auth.h"
#include "ngx_http_liaison_bulletin.h"
#include "ngx_http_liaison_cases.h"
#include "ngx_http_liaison_liaisons.h"
#include "ngx_http_liaison_logmask.h"
#include "ngx_http_liaison_mine.h"
#include "ngx_http_liaison_prepared.h"
#include "ngx_http_liaison_oversight.h"
#include "ngx_http_liaison_push.h"
#include "ngx_http_liaison_router.h"
#include "ngx_http_liaison_schema.h"
#include "ngx_http_liaison_site.h"
#include "ngx_http_liaison_staff.h"
#include "ngx_http_liaison_tickets.h"
#include "ngx_http_liaison_triage.h"
#include "ngx_http_liaison_wx.h"


static void *ngx_http_liaison_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_liaison_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_liaison_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_liaison_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_liaison_db_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_sla(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_liaison_set_bounded(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_liaison_db_read_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_liaison_db_flight(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_liaison_db_address(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_liaison_db_node_t *node);
static ngx_int_t ngx_http_liaison_read_password(ngx_conf_t *cf,
    ngx_str_t *path, ngx_str_t *password);
static ngx_int_t ngx_http_liaison_init_process(ngx_cycle_t *cycle);
static void ngx_http_liaison_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_liaison_pool_size_bounds = {
    NULL, 1, 1024
};

static ngx_conf_num_bounds_t  ngx_http_liaison_queue_size_bounds = {
    NULL, 0, 65536
};

static ngx_conf_num_bounds_t  ngx_http_liaison_attach_count_bounds = {
    NULL, 1, 100
};


/*
 * Times and sizes that cannot work are refused at their own line, the
 * directive named (nginx prefixes the message with it).  low and high in
 * the slot's unit: ms, s or bytes.
 */

typedef struct {
    ngx_conf_post_handler_pt      post_handler;
    int64_t                       low;
    int64_t                       high;
    char                         *message;
} ngx_http_liaison_range_t;


static char *ngx_http_liaison_range_msec(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_liaison_range_sec(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_liaison_range_size(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_liaison_range_off(ngx_conf_t *cf, void *post,
    void *data);


/* the second number of liaison_db_group_commit, liaison_db_read_batch */
typedef struct {
    size_t                        size;         /* its field's offset */
    ngx_uint_t                    max_size;
    const char                   *what;         /* the first's unit */
} ngx_http_liaison_flight_bounds_t;


static ngx_http_liaison_flight_bounds_t  ngx_http_liaison_group_commit_bounds
    = {
    offsetof(ngx_http_liaison_main_conf_t, db.group_size),
    NGX_HTTP_LIAISON_DB_GROUP_MAX, "transactions"
};

static ngx_http_liaison_flight_bounds_t  ngx_http_liaison_read_batch_bounds = {
    offsetof(ngx_http_liaison_main_conf_t, db.batch_size),
    NGX_HTTP_LIAISON_PS_STATUS_KEYS, "statements"
};


static ngx_http_liaison_range_t  ngx_http_liaison_connect_timeout_range = {
    ngx_http_liaison_range_msec, 1, 300000, "must be from 1ms to 300s"
};

static ngx_http_liaison_range_t  ngx_http_liaison_query_timeout_range = {
    ngx_http_liaison_range_msec, 1, 3600000, "must be from 1ms to 1h"
};

static ngx_http_liaison_range_t  ngx_http_liaison_queue_timeout_range = {
    ngx_http_liaison_range_msec, 1, 300000, "must be from 1ms to 300s"
};

static ngx_http_liaison_range_t  ngx_http_liaison_check_interval_range = {
    ngx_http_liaison_range_msec, 100, 60000, "must be from 100ms to 60s"
};

static ngx_http_liaison_range_t  ngx_http_liaison_token_ttl_range = {
    ngx_http_liaison_range_sec, 60, 30 * 86400, "must be from 1m to 30d"
};

static ngx_http_liaison_range_t  ngx_http_liaison_push_window_range = {
    ngx_http_liaison_range_sec, 10, 86400, "must be from 10s to 1d"
};

static ngx_http_liaison_range_t  ngx_http_liaison_body_size_range = {
    ngx_http_liaison_range_size, 1024, 1024 * 1024 * 1024,
    "must be from 1k to 1g"
};

static ngx_http_liaison_range_t  ngx_http_liaison_attach_size_range = {
    ngx_http_liaison_range_off, 1024, 1024 * 1024 * 1024,
    "must be from 1k to 1g"
};


static ngx_command_t  ngx_http_liaison_commands[] = {

    { ngx_string("liaison_db"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_liaison_db_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_db_read"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_liaison_db_read_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_db_pool_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_set_bounded,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.pool_size),
      &ngx_http_liaison_pool_size_bounds },

    { ngx_string("liaison_db_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.connect_timeout),
      &ngx_http_liaison_connect_timeout_range },

    { ngx_string("liaison_db_query_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.query_timeout),
      &ngx_http_liaison_query_timeout_range },

    { ngx_string("liaison_db_queue_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_set_bounded,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.queue_size),
      &ngx_http_liaison_queue_size_bounds },

    { ngx_string("liaison_db_queue_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.queue_timeout),
      &ngx_http_liaison_queue_timeout_range },

    { ngx_string("liaison_db_group_commit"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_liaison_db_flight,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.group_flight),
      &ngx_http_liaison_group_commit_bounds },

    { ngx_string("liaison_db_read_batch"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_liaison_db_flight,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.batch_flight),
      &ngx_http_liaison_read_batch_bounds },

    { ngx_string("liaison_db_check_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, db.check_interval),
      &ngx_http_liaison_check_interval_range },

    { ngx_string("liaison_token_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_secret_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_token_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, token_ttl),
      &ngx_http_liaison_token_ttl_range },

    { ngx_string("liaison_sla"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_liaison_sla,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, thread_pool_name),
      NULL },

    { ngx_string("liaison_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_liaison_loc_conf_t, max_body_size),
      &ngx_http_liaison_body_size_range },

    { ngx_string("liaison_wx_appid"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_wx_appid,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.wx_appid),
      NULL },

    { ngx_string("liaison_wx_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_lit_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.wx_secret),
      NULL },

    { ngx_string("liaison_wx_location"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.wx_location),
      NULL },

    { ngx_string("liaison_wx_template"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_liaison_wx_template,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_ingest_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_lit_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.ingest_key),
      NULL },

    { ngx_string("liaison_phone_hash_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_lit_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, lit.phone_key),
      NULL },

    { ngx_string("liaison_triage_rules"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_triage_rules,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_wx_push_token_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_push_token_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_wx_push_aes_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_liaison_push_aes_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_wx_push_plaintext"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.plaintext),
      NULL },

    { ngx_string("liaison_wx_push_time_window"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.window),
      &ngx_http_liaison_push_window_range },

    { ngx_string("liaison_attachment_dir"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_attach_dir,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_attachment_location"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.attach_location),
      NULL },

    { ngx_string("liaison_attachment_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.attach_max_size),
      &ngx_http_liaison_attach_size_range },

    { ngx_string("liaison_attachment_max_count"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_set_bounded,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_liaison_main_conf_t, push.attach_max_count),
      &ngx_http_liaison_attach_count_bounds },

    { ngx_string("liaison_court_name"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_liaison_court_name,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("liaison_court_unit"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_liaison_court_name,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_liaison_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_liaison_logmask_init,         /* postconfiguration */

    ngx_http_liaison_create_main_conf,     /* create main configuration */
    ngx_http_liaison_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_liaison_create_loc_conf,      /* create location configuration */
    ngx_http_liaison_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_liaison_module = {
    NGX_MODULE_V1,
    &ngx_http_liaison_module_ctx,          /* module context */
    ngx_http_liaison_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_liaison_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_liaison_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* Every endpoint of the API: the table each feature exports. */
static ngx_http_liaison_endpoint_t  *ngx_http_liaison_endpoint_tables[] = {
    ngx_http_liaison_schema_endpoints,
    ngx_http_liaison_auth_endpoints,
    ngx_http_liaison_tickets_endpoints,
    ngx_http_liaison_mine_endpoints,
    ngx_http_liaison_staff_endpoints,
    ngx_http_liaison_accounts_endpoints,
    ngx_http_liaison_oversight_endpoints,
    ngx_http_liaison_liaisons_endpoints,
    ngx_http_liaison_bulletin_endpoints,
    ngx_http_liaison_wx_endpoints,
    ngx_http_liaison_cases_endpoints,
    ngx_http_liaison_push_endpoints,
    ngx_http_liaison_attach_endpoints,
    ngx_http_liaison_site_endpoints,
    NULL
};


/* Configuration */

static void *
ngx_http_liaison_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_liaison_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    mcf->db.pool_size = NGX_CONF_UNSET_UINT;
    mcf->db.connect_timeout = NGX_CONF_UNSET_MSEC;
    mcf->db.query_timeout = NGX_CONF_UNSET_MSEC;
    mcf->db.queue_size = NGX_CONF_UNSET_UINT;
    mcf->db.queue_timeout = NGX_CONF_UNSET_MSEC;
    mcf->db.group_flight = NGX_CONF_UNSET_UINT;
    mcf->db.group_size = NGX_CONF_UNSET_UINT;
    mcf->db.batch_flight = NGX_CONF_UNSET_UINT;
    mcf->db.batch_size = NGX_CONF_UNSET_UINT;
    mcf->db.check_interval = NGX_CONF_UNSET_MSEC;
    mcf->token_ttl = NGX_CONF_UNSET;
    mcf->sla[0] = NGX_CONF_UNSET;
    mcf->sla[1] = NGX_CONF_UNSET;
    mcf->push.window = NGX_CONF_UNSET;
    mcf->push.plaintext = NGX_CONF_UNSET;
    mcf->push.attach_max_size = NGX_CONF_UNSET;
    mcf->push.attach_max_count = NGX_CONF_UNSET_UINT;

    return mcf;
}


static char *
ngx_http_liaison_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_uint_t                     secs;
    ngx_http_liaison_buf_t         b;
    ngx_http_liaison_db_conf_t     rd;
    ngx_http_liaison_endpoint_t  **table;

    ngx_conf_init_uint_value(mcf->db.pool_size, 16);
    ngx_conf_init_msec_value(mcf->db.connect_timeout, 3000);
    ngx_conf_init_msec_value(mcf->db.query_timeout, 10000);
    ngx_conf_init_uint_value(mcf->db.queue_size, 1024);
    ngx_conf_init_msec_value(mcf->db.queue_timeout, 3000);
    ngx_conf_init_uint_value(mcf->db.group_flight, 2);
    ngx_conf_init_uint_value(mcf->db.group_size, 16);
    ngx_conf_init_uint_value(mcf->db.batch_flight, 2);
    ngx_conf_init_uint_value(mcf->db.batch_size,
                             NGX_HTTP_LIAISON_PS_STATUS_KEYS);
    ngx_conf_init_msec_value(mcf->db.check_interval, 1000);
    ngx_conf_init_value(mcf->token_ttl, 12 * 3600);
    ngx_conf_init_value(mcf->sla[0], 1);
    ngx_conf_init_value(mcf->sla[1], 2);

    if (mcf->thread_pool_name.len == 0) {
        ngx_str_set(&mcf->thread_pool_name, "default");
    }

    /* the court's names as the pages show them (GET /site) */
    if (mcf->site.court_name.len == 0) {
        ngx_str_set(&mcf->site.court_name, "人民法院");
    }

    if (mcf->site.court_short.len == 0) {
        mcf->site.court_short = mcf->site.court_name;
    }

    if (mcf->site.court_unit.len == 0) {
        ngx_str_set(&mcf->site.court_unit, "诉讼服务中心");
    }

    for (table = ngx_http_liaison_endpoint_tables; *table; table++) {
        if (ngx_http_liaison_router_check(cf, *table) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    mcf->endpoints = ngx_http_liaison_endpoint_tables;

    if (ngx_http_liaison_lit_init_main_conf(cf, mcf) != NGX_CONF_OK
        || ngx_http_liaison_push_init_main_conf(cf, mcf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (mcf->db_read_set && !mcf->db_set) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db_read\" needs \"liaison_db\"");
        return NGX_CONF_ERROR;
    }

    if (!mcf->db_set) {
        return NGX_CONF_OK;
    }

    mcf->thread_pool = ngx_thread_pool_add(cf, &mcf->thread_pool_name);
    if (mcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    /*
     * Every connection: utf8mb4 and backslash escapes (the SQL builder
     * relies on both), and the server gives up on a statement or a lock
     * wait no later than we do.
     */
    secs = (mcf->db.query_timeout + 999) / 1000;

    (void) ngx_http_liaison_buf_init(&b, cf->pool, 0);

    ngx_http_liaison_buf_sql(&b,
            "SET NAMES utf8mb4 COLLATE utf8mb4_bin, time_zone = '+08:00', "
            "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
            "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
            "innodb_lock_wait_timeout = $u, max_statement_time = $u, "
            "autocommit = 1",
            (unsigned long long) secs, (unsigned long long) secs);

    if (ngx_http_liaison_buf_str(&b, &mcf->db.init_sql) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    mcf->db.prepare = ngx_http_liaison_ps_prepare(cf->pool);
    if (mcf->db.prepare == NULL) {
        return NGX_CONF_ERROR;
    }

    if (mcf->db_read_set) {
        /* the same account, sizes and timeouts; its own nodes */
        rd = mcf->db;
        ngx_memcpy(rd.nodes, mcf->db_read.nodes, sizeof(rd.nodes));
        rd.nnodes = mcf->db_read.nnodes;
        mcf->db_read = rd;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_liaison_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_liaison_loc_conf_t  *llcf;

    llcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_liaison_loc_conf_t));
    if (llcf == NULL) {
        return NULL;
    }

    llcf->api = NGX_CONF_UNSET;
    llcf->max_body_size = NGX_CONF_UNSET_SIZE;

    return llcf;
}


static char *
ngx_http_liaison_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_liaison_loc_conf_t  *prev = parent;
    ngx_http_liaison_loc_conf_t  *conf = child;

    ngx_http_liaison_main_conf_t  *mcf;

    ngx_conf_merge_value(conf->api, prev->api, 0);
    ngx_conf_merge_size_value(conf->max_body_size, prev->max_body_size,
                              64 * 1024);

    if (conf->api != 1) {
        return NGX_CONF_OK;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_liaison_module);

    if (!mcf->db_set) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_api\" is on but \"liaison_db\" "
                           "is not configured");
        return NGX_CONF_ERROR;
    }

    if (mcf->token_secret.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_api\" is on but "
                           "\"liaison_token_secret_file\" is not configured");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * liaison_db ADDRESS [ADDRESS...] user=NAME password_file=PATH
 *            database=NAME;
 *
 * ADDRESS is unix:/path or IP[:port]; several are the nodes of a cluster
 * in the order of preference (ngx_http_liaison_db.c).
 */

static char *
ngx_http_liaison_db_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_str_t   *value, pwfile;
    ngx_uint_t   i;

    if (mcf->db_set) {
        return "is duplicate";
    }

    value = cf->args->elts;
    ngx_str_null(&pwfile);

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strlchr(value[i].data, value[i].data + value[i].len, '=')
            == NULL)
        {
            if (mcf->db.nnodes == NGX_HTTP_LIAISON_DB_MAX_NODES) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"liaison_db\": more than %d addresses",
                                   NGX_HTTP_LIAISON_DB_MAX_NODES);
                return NGX_CONF_ERROR;
            }

            if (ngx_http_liaison_db_address(cf, &value[i],
                                            &mcf->db.nodes[mcf->db.nnodes])
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            mcf->db.nnodes++;
            continue;
        }

        if (ngx_strncmp(value[i].data, "user=", 5) == 0) {
            mcf->db.user.data = value[i].data + 5;
            mcf->db.user.len = value[i].len - 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "password_file=", 14) == 0) {
            pwfile.data = value[i].data + 14;
            pwfile.len = value[i].len - 14;
            continue;
        }

        if (ngx_strncmp(value[i].data, "database=", 9) == 0) {
            mcf->db.database.data = value[i].data + 9;
            mcf->db.database.len = value[i].len - 9;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\": unknown parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (mcf->db.nnodes == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\" needs an address");
        return NGX_CONF_ERROR;
    }

    if (mcf->db.user.len == 0 || mcf->db.database.len == 0
        || pwfile.len == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\" needs user=, password_file= "
                           "and database=");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_liaison_read_password(cf, &pwfile, &mcf->db.password)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    mcf->db_set = 1;

    return NGX_CONF_OK;
}


/*
 * liaison_db_read ADDRESS [ADDRESS...];
 *
 * Nodes for reads that tolerate lag (the worklist, KPIs, the overview, the
 * liaison directory), in the order of preference, with the account and
 * settings of liaison_db.
 */

static char *
ngx_http_liaison_db_read_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_str_t                   *value;
    ngx_uint_t                   i;
    ngx_http_liaison_db_node_t  *nd;

    if (mcf->db_read_set) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (mcf->db_read.nnodes == NGX_HTTP_LIAISON_DB_MAX_NODES) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"liaison_db_read\": more than %d "
                               "addresses",
                               NGX_HTTP_LIAISON_DB_MAX_NODES);
            return NGX_CONF_ERROR;
        }

        nd = &mcf->db_read.nodes[mcf->db_read.nnodes];

        if (ngx_http_liaison_db_address(cf, &value[i], nd) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        mcf->db_read.nnodes++;
    }

    mcf->db_read_set = 1;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_liaison_db_address(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_liaison_db_node_t *node)
{
    u_char           *p, *colon;
    ngx_str_t         addr, host, port;
    ngx_int_t         n;
    struct in6_addr   a6;

    addr = *value;
    node->name = addr;

    if (addr.len > 5 && ngx_strncmp(addr.data, "unix:", 5) == 0) {
        node->socket.data = addr.data + 5;
        node->socket.len = addr.len - 5;

        if (node->socket.data[0] != '/') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"liaison_db\": the unix socket path \"%V\" "
                               "must be absolute", &node->socket);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    host = addr;
    ngx_str_set(&port, "3306");

    if (addr.len && addr.data[0] == '[') {
        p = ngx_strlchr(addr.data, addr.data + addr.len, ']');
        if (p == NULL) {
            goto bad_host;
        }

        host.data = addr.data + 1;
        host.len = p - host.data;

        if (p + 1 < addr.data + addr.len) {
            if (p[1] != ':') {
                goto bad_host;
            }

            port.data = p + 2;
            port.len = addr.data + addr.len - port.data;
        }

        if (ngx_inet6_addr(host.data, host.len, a6.s6_addr) != NGX_OK) {
            goto bad_host;
        }

    } else {
        colon = ngx_strlchr(addr.data, addr.data + addr.len, ':');
        if (colon) {
            host.len = colon - addr.data;
            port.data = colon + 1;
            port.len = addr.data + addr.len - port.data;
        }

        if (ngx_inet_addr(host.data, host.len) == INADDR_NONE) {
            goto bad_host;
        }
    }

    n = ngx_atoi(port.data, port.len);
    if (n < 1 || n > 65535) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\": invalid port in \"%V\"", &addr);
        return NGX_ERROR;
    }

    node->port = n;
    node->host.data = ngx_pnalloc(cf->pool, host.len + 1);
    if (node->host.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(node->host.data, host.data, host.len);
    node->host.data[host.len] = '\0';
    node->host.len = host.len;

    return NGX_OK;

bad_host:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"liaison_db\": \"%V\" is not a unix socket or an IP "
                       "address; a host name would need a blocking DNS "
                       "lookup", &addr);
    return NGX_ERROR;
}


static ngx_int_t
ngx_http_liaison_read_password(ngx_conf_t *cf, ngx_str_t *path,
    ngx_str_t *password)
{
    u_char           buf[256];
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_str_t        name;
    ngx_file_t       file;
    ngx_file_info_t  fi;

    name = *path;
    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"liaison_db\": cannot open password_file "
                           "\"%V\"", &name);
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)) {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\": password_file \"%V\" is not a "
                           "regular file", &name);
        return NGX_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = name;
    file.log = cf->log;

    n = ngx_read_file(&file, buf, sizeof(buf), 0);
    ngx_close_file(fd);

    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'
                     || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
    {
        n--;
    }

    if (n == 0 || n == sizeof(buf)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_db\": password_file \"%V\" is empty "
                           "or too long", &name);
        return NGX_ERROR;
    }

    password->data = ngx_pnalloc(cf->pool, n + 1);
    if (password->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(password->data, buf, n);
    password->data[n] = '\0';
    password->len = n;
    ngx_explicit_memzero(buf, sizeof(buf));

    return NGX_OK;
}


static char *
ngx_http_liaison_secret_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    u_char       buf[1024];
    long         n;
    ngx_str_t   *value, name;
    const char  *err;

    if (mcf->token_secret.len) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    n = lsn_secret_read((char *) name.data, buf, sizeof(buf), &err);
    if (n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_token_secret_file\" \"%V\": %s",
                           &name, err);
        return NGX_CONF_ERROR;
    }

    mcf->token_secret.data = ngx_pnalloc(cf->pool, n);
    if (mcf->token_secret.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(mcf->token_secret.data, buf, n);
    mcf->token_secret.len = n;
    ngx_explicit_memzero(buf, sizeof(buf));

    return NGX_CONF_OK;
}


/* A whole number within cmd->post's bounds; the message names the value. */

static char *
ngx_http_liaison_set_bounded(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_int_t               n;
    ngx_str_t              *value;
    ngx_uint_t             *field;
    ngx_conf_num_bounds_t  *bounds;

    field = (ngx_uint_t *) (p + cmd->offset);
    bounds = cmd->post;

    if (*field != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR || n < bounds->low || n > bounds->high) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%V\" is not a number from %i to %i",
                           &cmd->name, &value[1], bounds->low, bounds->high);
        return NGX_CONF_ERROR;
    }

    *field = n;

    return NGX_CONF_OK;
}


/*
 * liaison_db_group_commit off | transactions [size];
 * a worker's intake transactions beyond "transactions" running wait and
 * go, up to "size" of them, as one (ngx_http_liaison_group.h)
 *
 * liaison_db_read_batch off | statements [size];
 * a worker's status reads beyond "statements" running wait and go, up to
 * "size" tickets, as one statement (ngx_http_liaison_batch.h)
 *
 * cmd->offset: the first number's field; post: the second's, its bounds
 */

static char *
ngx_http_liaison_db_flight(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_flight_bounds_t  *bounds = cmd->post;

    u_char      *p;
    ngx_int_t    flight, size;
    ngx_str_t   *value;
    ngx_uint_t  *first, *second;

    p = conf;
    first = (ngx_uint_t *) (p + cmd->offset);
    second = (ngx_uint_t *) (p + bounds->size);

    if (*first != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts > 2) {
            return "takes no size when \"off\"";
        }

        *first = 0;
        *second = 1;
        return NGX_CONF_OK;
    }

    flight = ngx_atoi(value[1].data, value[1].len);

    if (flight == NGX_ERROR || flight < 1 || flight > 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%V\" is not \"off\" or a number of "
                           "%s from 1 to 1024", &cmd->name, &value[1],
                           bounds->what);
        return NGX_CONF_ERROR;
    }

    size = bounds->max_size < 16 ? bounds->max_size : 16;

    if (cf->args->nelts > 2) {
        size = ngx_atoi(value[2].data, value[2].len);

        if (size == NGX_ERROR || size < 2
            || (ngx_uint_t) size > bounds->max_size)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": size \"%V\" is not a number from 2 "
                               "to %ui", &cmd->name, &value[2],
                               bounds->max_size);
            return NGX_CONF_ERROR;
        }
    }

    *first = flight;
    *second = size;

    return NGX_CONF_OK;
}


/* liaison_sla simple|ordinary N;  (working days) */

static char *
ngx_http_liaison_sla(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_int_t   n, track;
    ngx_str_t  *value;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "simple") == 0) {
        track = 0;

    } else if (ngx_strcmp(value[1].data, "ordinary") == 0) {
        track = 1;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_sla\": unknown track \"%V\", "
                           "use \"simple\" or \"ordinary\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (mcf->sla[track] != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    n = ngx_atoi(value[2].data, value[2].len);
    if (n == NGX_ERROR || n > 30) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_sla\": \"%V\" is not a number of "
                           "working days from 0 to 30", &value[2]);
        return NGX_CONF_ERROR;
    }

    mcf->sla[track] = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_liaison_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_loc_conf_t  *llcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (llcf->api != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        llcf->api = 1;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        llcf->api = 0;
        return NGX_CONF_OK;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_api\": invalid value \"%V\", "
                           "use \"on\" or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_liaison_router_handler;

    return NGX_CONF_OK;
}


/* Per worker process */

static ngx_int_t
ngx_http_liaison_init_process(ngx_cycle_t *cycle)
{
    ngx_http_liaison_main_conf_t  *mcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_liaison_module);
    if (mcf == NULL || !mcf->db_set) {
        return NGX_OK;
    }

    mcf->pool = ngx_http_liaison_db_pool_create(cycle, &mcf->db);
    if (mcf->pool == NULL) {
        return NGX_ERROR;
    }

    if (mcf->db_read_set) {
        mcf->read_pool = ngx_http_liaison_db_pool_create(cycle,
                                                         &mcf->db_read);
        if (mcf->read_pool == NULL) {
            return NGX_ERROR;
        }
    }

    mcf->calendar = ngx_palloc(cycle->pool, sizeof(lsn_calendar_t));
    if (mcf->calendar == NULL) {
        return NGX_ERROR;
    }

    lsn_calendar_init(mcf->calendar);

    return NGX_OK;
}


static void
ngx_http_liaison_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_liaison_module);

    if (mcf && mcf->pool) {
        ngx_http_liaison_db_pool_destroy(mcf->pool);
        mcf->pool = NULL;
    }

    if (mcf && mcf->read_pool) {
        ngx_http_liaison_db_pool_destroy(mcf->read_pool);
        mcf->read_pool = NULL;
    }

    if (mcf) {
        lsn_canned_free(mcf->canned);
        mcf->canned = NULL;
    }
}


static char *
ngx_http_liaison_range_msec(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_liaison_range_t  *range = post;
    ngx_msec_t                *v = data;

    if ((int64_t) *v < range->low || (int64_t) *v > range->high) {
        return range->message;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_liaison_range_sec(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_liaison_range_t  *range = post;
    time_t                    *v = data;

    if ((int64_t) *v < range->low || (int64_t) *v > range->high) {
        return range->message;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_liaison_range_size(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_liaison_range_t  *range = post;
    size_t                    *v = data;

    if ((int64_t) *v < range->low || (int64_t) *v > range->high) {
        return range->message;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_liaison_range_off(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_liaison_range_t  *range = post;
    off_t                     *v = data;

    if ((int64_t) *v < range->low || (int64_t) *v > range->high) {
        return range->message;
    }

    return NGX_CONF_OK;
}
