
/*
 * Copyright (C) Liaison authors
 *
 * The types every file of the module shares: its configuration, the
 * request context, and the endpoint descriptor.  No functions: those are
 * declared by the header of the file that defines them.
 *
 * Layers, each using only those below it (scripts/cycles.pl checks it):
 *
 *   core/lsn_*            plain C rules, no nginx
 *   _buf _db _json        text buffers, the database pool, JSON
 *   _api                  the request kernel: answers, errors, readers,
 *                         "run this SQL then call me"
 *   _auth _calendar _scope _schema _triage _canned _outbox _supervision
 *   _wx
 *                         services every feature may call
 *   _router               matching, bodies, the pipeline
 *   features              _tickets _mine _staff _accounts _oversight
 *                         _liaisons _bulletin _cases _push _attach _site:
 *                         each exports its table of endpoints
 *   _module               directives, configuration, the list of tables
 */


#ifndef _NGX_HTTP_LIAISON_COMMON_H_INCLUDED_
#define _NGX_HTTP_LIAISON_COMMON_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
#include "ngx_http_liaison_buf.h"
#include "ngx_http_liaison_db.h"
#include "ngx_http_liaison_json.h"
#include "lsn_calendar.h"
#include "lsn_canned.h"
#include "lsn_outbox.h"
#include "lsn_token.h"
#include "lsn_triage.h"
#include "lsn_workflow.h"


/* ticket numbers a block of ticket_blocks holds (sql/016) */
#define NGX_HTTP_LIAISON_SEQ_BLOCK       100

#define NGX_HTTP_LIAISON_WX_LOCATION     "/_liaison_wx"
#define NGX_HTTP_LIAISON_INGEST_SKEW     300       /* seconds either way */
#define NGX_HTTP_LIAISON_PUSH_WINDOW     300       /* seconds */
#define NGX_HTTP_LIAISON_ATTACH_LOCATION "/_liaison_files"
#define NGX_HTTP_LIAISON_ATTACH_MAX_SIZE (10 * 1024 * 1024)
#define NGX_HTTP_LIAISON_ATTACH_MAX_COUNT  20

#define NGX_HTTP_LIAISON_MAX_CAPTURES    2


/* The litigant side: WeChat, the trial-system ingest key, triage. */
typedef struct {
    ngx_str_t                     wx_appid;
    ngx_str_t                     wx_secret;
    ngx_str_t                     wx_location;   /* internal location */
    ngx_str_t                     wx_template_node;
    ngx_str_t                     wx_template_reply;

    ngx_str_t                     ingest_key;
    ngx_str_t                     phone_key;

    ngx_str_t                     triage_file;
    lsn_triage_t                 *triage;        /* NULL: by category */
} ngx_http_liaison_lit_conf_t;


/* The message-push callback and attachments. */
typedef struct {
    ngx_str_t                     token;         /* NUL-terminated */
    u_char                        aes_key[32];
    u_char                        aes_prev[32];
    ngx_uint_t                    has_key;
    ngx_uint_t                    has_prev;
    ngx_flag_t                    plaintext;     /* without a key */
    time_t                        window;

    ngx_str_t                     attach_dir;    /* NUL-terminated, no '/'
                                                    at the end */
    ngx_str_t                     attach_location;
    off_t                         attach_max_size;
    ngx_uint_t                    attach_max_count;
} ngx_http_liaison_push_conf_t;


/* What people read: the court (liaison_court_name, liaison_court_unit). */
typedef struct {
    ngx_str_t                     court_name;
    ngx_str_t                     court_short;   /* SMS signature, titles */
    ngx_str_t                     court_unit;    /* runs the platform */
} ngx_http_liaison_site_conf_t;


typedef struct ngx_http_liaison_endpoint_s  ngx_http_liaison_endpoint_t;


typedef struct {
    ngx_http_liaison_db_conf_t    db;
    ngx_uint_t                    db_set;
    /* liaison_db_read: lag-tolerant reads; db's settings otherwise */
    ngx_http_liaison_db_conf_t    db_read;
    ngx_uint_t                    db_read_set;

    ngx_str_t                     token_secret;
    time_t                        token_ttl;

    ngx_int_t                     sla[2];      /* working days per track */


    ngx_str_t                     thread_pool_name;
    ngx_thread_pool_t            *thread_pool;

    ngx_http_liaison_lit_conf_t   lit;         /* litigants, WeChat, ingest */
    ngx_http_liaison_push_conf_t  push;        /* push callback, attachments */
    ngx_http_liaison_site_conf_t  site;        /* the court's names */

    /* the endpoint tables of every feature, NULL-terminated */
    ngx_http_liaison_endpoint_t **endpoints;

    /* per worker process, built in init_process */
    ngx_http_liaison_db_pool_t   *pool;
    ngx_http_liaison_db_pool_t   *read_pool;   /* or NULL */
    lsn_calendar_t               *calendar;
    ngx_msec_t                    calendar_loaded;  /* 0: never */
    ngx_uint_t                    calendar_warned;
    lsn_canned_t                 *canned;      /* answers on receipt */
    ngx_msec_t                    canned_loaded;    /* 0: to be loaded */
    uint64_t                      seq_next;    /* ticket numbers in hand */
    uint64_t                      seq_end;
    ngx_array_t                  *seq_spare;   /* blocks fetched meanwhile,
                                                  each a first number */
    ngx_msec_t                    seq_fetch_at;  /* one under way; or 0 */
    /* A3: the office of each routed category (or 0), as read last, and
       when (0: never) */
    uint64_t                      route_dept[32];
    ngx_msec_t                    route_at[32];
} ngx_http_liaison_main_conf_t;


typedef struct {
    ngx_flag_t                    api;
    size_t                        max_body_size;
} ngx_http_liaison_loc_conf_t;


/* Who is calling, once the pipeline's authentication ran. */
typedef enum {
    NGX_HTTP_LIAISON_ANON = 0,
    NGX_HTTP_LIAISON_STAFF,
    NGX_HTTP_LIAISON_LITIGANT
} ngx_http_liaison_principal_e;


/* Who may call an endpoint. */
typedef enum {
    NGX_HTTP_LIAISON_PUBLIC = 0,   /* anyone; no token is read */
    NGX_HTTP_LIAISON_ANYONE,       /* anyone; a token sent must be valid */
    NGX_HTTP_LIAISON_SIGNED_IN,    /* a litigant or staff token */
    NGX_HTTP_LIAISON_LITIGANTS,    /* a litigant token */
    NGX_HTTP_LIAISON_STAFF_ONLY,   /* a staff token of one of the roles */
    NGX_HTTP_LIAISON_TRIAL,        /* the trial system's signature */
    NGX_HTTP_LIAISON_WECHAT        /* WeChat's push signature, checked by
                                      the handler with the message */
} ngx_http_liaison_caller_e;


/* What the request body must be. */
typedef enum {
    NGX_HTTP_LIAISON_BODY_NONE = 0,      /* discarded */
    NGX_HTTP_LIAISON_BODY_JSON,          /* a JSON object */
    NGX_HTTP_LIAISON_BODY_JSON_OPTIONAL, /* a JSON object, or none */
    NGX_HTTP_LIAISON_BODY_RAW,           /* in memory, any type */
    NGX_HTTP_LIAISON_BODY_FILE           /* nginx's temp file */
} ngx_http_liaison_body_e;


/* ngx_http_liaison_endpoint_t.flags */
#define NGX_HTTP_LIAISON_CALENDAR  0x01  /* the working-day calendar loaded */
#define NGX_HTTP_LIAISON_UNGATED   0x02  /* runs whatever the schema */
#define NGX_HTTP_LIAISON_LIGHT     0x04  /* reads no table that may be
                                            locked for long (tickets and
                                            their kin): the pool's reserve */


#define NGX_HTTP_LIAISON_GET   (NGX_HTTP_GET|NGX_HTTP_HEAD)
#define NGX_HTTP_LIAISON_POST  NGX_HTTP_POST


typedef struct ngx_http_liaison_ctx_s  ngx_http_liaison_ctx_t;

typedef void (*ngx_http_liaison_next_pt)(ngx_http_liaison_ctx_t *ctx);


/*
 * Everything about an endpoint in one row.  The pattern is the path below
 * the API location, "{name}" matching one non-empty segment
 * ("tickets/{no}/attachments/{id}"); it is also the endpoint's metrics
 * label.  The router matches, reads the body, then runs the pipeline:
 * schema gate, authentication, caller and role check, calendar, handler.
 */
struct ngx_http_liaison_endpoint_s {
    ngx_str_t                     pattern;
    ngx_uint_t                    methods;
    ngx_http_liaison_caller_e     caller;
    ngx_uint_t                    roles;       /* LSN_ROLE_BIT()s; 0: any */
    ngx_http_liaison_body_e       body;
    ngx_uint_t                    flags;
    ngx_http_liaison_next_pt      handler;
    ngx_uint_t                    action;      /* the handler's argument */
};


typedef struct {
    ngx_str_t                     name;        /* in the pattern */
    ngx_str_t                     value;
} ngx_http_liaison_capture_t;


struct ngx_http_liaison_ctx_s {
    ngx_http_request_t             *r;
    ngx_http_liaison_main_conf_t   *mcf;
    ngx_http_liaison_endpoint_t    *endpoint;  /* NULL: no route matched */
    ngx_http_liaison_db_op_t        op;
    ngx_http_liaison_buf_t          sql;       /* the next batch */
    ngx_uint_t                      stmts;     /* the prepared ones it
                                                  EXECUTEs, a bit each */

    ngx_str_t                       path;      /* below the API location */
    ngx_http_liaison_capture_t      captures[NGX_HTTP_LIAISON_MAX_CAPTURES];
    ngx_uint_t                      ncaptures;
    ngx_http_liaison_json_t        *body;
    ngx_str_t                       raw_body;

    /* who is calling: set once the bearer token checks out */
    ngx_http_liaison_principal_e    who;
    lsn_token_t                     token;
    ngx_uint_t                      token_present;
    uint64_t                        subject_id;
    ngx_str_t                       role;
    int                             role_index;    /* lsn_role_e, or -1 */
    uint64_t                        department_id;
    char                            signature[65]; /* the trial system's */

    /* the pipeline's steps done so far */
    unsigned                        gated:1;
    unsigned                        authenticated:1;
    unsigned                        calendar_ready:1;
    unsigned                        read_committed:1;  /* the next batch */
    /* the next batch only reads and tolerates lag: liaison_db_read */
    unsigned                        lag_ok:1;

    ngx_http_liaison_next_pt        next;      /* after a kernel service */
    ngx_http_liaison_buf_t         *refusal;   /* sent after the ROLLBACK */
    ngx_uint_t                      refusal_status;
    time_t                          now;
    void                           *data;      /* the endpoint's own state */
    void                           *sub;       /* a WeChat call under way */
    ngx_thread_task_t              *task;      /* work in the thread pool */
    ngx_event_t                     task_guard;
};


extern ngx_module_t  ngx_http_liaison_module;


/* A condition as a JSON true/false inside JSON_OBJECT() (not 1/0). */
#define NGX_HTTP_LIAISON_SQL_BOOL(cond)                                       \
    "JSON_EXTRACT(IF(" cond ", 'true', 'false'), '$$')"


/* openids, WeChat codes, template ids: A-Z a-z 0-9 _ - */
#define ngx_http_liaison_id_char(c)                                         \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z')               \
     || ((c) >= '0' && (c) <= '9') || (c) == '_' || (c) == '-')


#endif /* _NGX_HTTP_LIAISON_COMMON_H_INCLUDED_ */
