/*
 * liaison-worker: shared declarations.
 *
 * One file per concern:
 *
 *   liaison_worker.c  command line, subcommands, daemon loop, signals
 *   lw_log.c          logging, phone masking
 *   lw_buf.c          growing buffers, JSON, SQL and UTF-8 helpers
 *   lw_config.c       the key = value file, secrets
 *   lw_db.c           MariaDB, every statement built by lsn_sql_format()
 *   lw_http.c         libcurl multi engine, rate limits
 *   lw_tokens.c       WeChat and WeCom access tokens
 *   lw_channels.c     requests and answers of the outbox channels
 *   lw_outbox.c       claims, delivery, retries; rows for the outbox
 *   lw_ladder.c       the A8 escalation ladder
 *   lw_supervision.c  A17 special supervision: repeated complaints, idle
 *                     work orders
 *   lw_close.c        answered or replied requests close by themselves
 *   lw_calendar.c     working-day calendar, missing-calendar alert
 *   lw_bulletin.c     monthly bulletin (A11, A12, A16), A10 risk alerts
 *   lw_duties.c       follow-through on recorded duties (A12, A14, A15)
 *   lw_ops.c          migrations, schema check, metrics, retention
 *   lw_attach.c       attachment files: purge with retention, sweep
 *   lw_serve.c        the metrics listener (metrics_listen), a thread
 *
 * The outbox's channels and kinds are the core's (lsn_outbox.h).
 */

#ifndef _LW_H_INCLUDED_
#define _LW_H_INCLUDED_


#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mysql.h>
#include <curl/curl.h>

#include "lsn_calendar.h"
#include "lsn_ladder.h"
#include "lsn_outbox.h"


#define LW_VERSION  "0.1.0"

/* the build: `git describe` or the Debian version (the Makefile) */
#ifndef LW_BUILD
#define LW_BUILD    "unknown"
#endif

/* a channel in a set of channels (resend_uncertain) */
#define LW_CHANNEL_BIT(ch)  (1 << (ch))


/* log levels */
#define LW_LOG_ERROR  0
#define LW_LOG_WARN   1
#define LW_LOG_INFO   2
#define LW_LOG_DEBUG  3


/* token names in access_tokens */
#define LW_TOKEN_WX     "wx_stable"
#define LW_TOKEN_WECOM  "wecom"


typedef struct {
    char    *data;
    size_t   len;
    size_t   cap;
    int      failed;        /* out of memory: every later append is void */
} lw_buf_t;


typedef struct {
    char               *path;

    /* database */
    char               *db_nodes;       /* "unix:/path IP[:port] ..." */
    char               *db_socket;
    char               *db_host;        /* an IP address */
    int                 db_port;
    char               *db_user;
    char               *db_password_file;
    char               *db_name;
    int                 db_timeout;

    /* worker */
    char               *worker_id;
    int                 log_level;
    int                 poll_interval;
    int                 batch_size;
    int                 concurrency;
    int                 lease;
    int                 max_attempts;
    int                 backoff_base;
    int                 backoff_max;
    int                 http_timeout;
    int                 connect_timeout;
    int                 token_refresh_ahead;
    double              rate[LSN_CH_COUNT];

    /* WeChat */
    char               *wx_api_base;
    char               *wx_appid;
    char               *wx_secret_file;
    char               *wx_miniprogram_state;
    char               *wx_lang;
    int                 wx_require_consent;
    int                 sms_fallback;   /* no consent: SMS the mobile */

    /* WeCom */
    char               *wecom_api_base;
    char               *wecom_corpid;
    char               *wecom_secret_file;
    long                wecom_agentid;
    int                 wecom_dup_interval;

    /* SMS gateway */
    char               *sms_url;
    char               *sms_method;
    char               *sms_content_type;
    char               *sms_body;
    char               *sms_encoding;   /* json, form */
    char               *sms_account;
    char               *sms_secret_file;
    char               *sms_sign;
    char               *sms_ok;

    int                 deliver;        /* outbox delivery on/off */

    /* the A8 ladder and the calendar alert */
    int                 ladder;
    int                 ladder_interval;
    int                 ladder_sms;
    int                 ladder_wecom;
    int                 ladder_sms_chars;
    lsn_ladder_conf_t   ladder_conf;
    int                 calendar_alert;
    char               *alert_roles;    /* comma-separated staff roles */
    int                 bulletin;       /* A12 monthly bulletin */
    char               *court_name;     /* the bulletin's issuer, SMS */
    char               *court_short;
    char               *court_unit;     /* runs the platform */
    char               *bulletin_number;   /* 文号: {short} {year} {month} */
    int                 duties;         /* A14, A15 alerts */
    int                 risk_stage_hours;   /* A10, 0: no alerts */
    int                 supervision_idle_days;  /* A17, 0: off */
    int                 supervision_complaints; /* A17, 0: off */
    int                 supervision_window_days;
    int                 auto_close_days;    /* A4-A6, 0: off */
    int                 retention_days;     /* personal data, 0: kept */
    char               *attachment_dir;     /* liaison_attachment_dir */
    int                 resend_uncertain;   /* LW_CHANNEL_BIT() set */
    char               *metrics_listen;     /* ADDRESS:PORT, or NULL */

    /* read from the secret files */
    char               *db_password;
    char               *wx_secret;
    char               *wecom_secret;
    char               *sms_secret;
} lw_conf_t;


typedef struct lw_http_s  lw_http_t;


typedef struct {
    lw_conf_t              *conf;
    MYSQL                  *db;
    int                     db_node;        /* index in the node list */
    unsigned int            db_errno;       /* of the last statement */
    lw_http_t              *http;
    lsn_calendar_t         *cal;

    time_t                  fixed_now;      /* once --now=, or 0 */
    int                     once;           /* a subcommand, not the daemon */

    int                     schema_ok;      /* lw_schema_check() passed */

    time_t                  last_ladder;
    time_t                  last_complaints;    /* A17: a whole pass */
    time_t                  last_sweep;     /* attachment store */
    time_t                  last_alert;

    volatile sig_atomic_t  *stop;

    time_t                  started;        /* the process, for metrics */
    time_t                  last_idle_log;  /* unconfigured channels */

    /* counters of this process, logged at exit */
    unsigned long           sent;
    unsigned long           retried;
    unsigned long           failed;
    unsigned long           fired;
    unsigned long           conflicts;      /* lw_db_conflict() seen */
} lw_ctx_t;


/* the time of this pass: --now= of `once`, else the clock */

static inline time_t
lw_now(lw_ctx_t *ctx)
{
    return ctx->fixed_now ? ctx->fixed_now : time(NULL);
}


/* lw_log.c */
void lw_log_init(int level);
void lw_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *lw_mask_phone(const char *phone, char *buf, size_t cap);


/* lw_buf.c */
void lw_buf_init(lw_buf_t *b);
void lw_buf_free(lw_buf_t *b);
void lw_buf_reset(lw_buf_t *b);
int lw_buf_add(lw_buf_t *b, const void *p, size_t len);
int lw_buf_adds(lw_buf_t *b, const char *s);
int lw_buf_printf(lw_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* a JSON string with its quotes; s must be valid UTF-8 */
int lw_buf_json_str(lw_buf_t *b, const char *s, size_t len);
/* the same without the quotes */
int lw_buf_json_raw(lw_buf_t *b, const char *s, size_t len);
/* an SQL fragment through lsn_sql_vformat() */
int lw_buf_sql(lw_buf_t *b, const char *fmt, ...);
/* %XX-encodes everything but unreserved characters (RFC 3986) */
int lw_buf_urlenc(lw_buf_t *b, const char *s, size_t len);
/* at most max characters of UTF-8 s; "…" when cut.  Returns bytes. */
size_t lw_utf8_prefix(const char *s, size_t len, size_t max, int *cut);
/* at most max bytes of UTF-8 s, cut at a character boundary */
size_t lw_utf8_cut_bytes(const char *s, size_t len, size_t max);


/* lw_config.c */
lw_conf_t *lw_conf_load(const char *path, char *err, size_t errlen);
void lw_conf_free(lw_conf_t *conf);
int lw_conf_channel_ready(const lw_conf_t *conf, int channel);
/* metrics_listen "ADDRESS:PORT" into a socket address; 0, or -1 */
int lw_conf_listen_addr(const char *spec, void *sa, unsigned *salen);


/* lw_db.c */
#define LW_DB_MAX_NODES  8

typedef struct {
    char                socket[256];    /* a unix socket path, or "" */
    char                host[64];       /* an IP address, or "" */
    int                 port;
} lw_db_node_t;

/*
 * The database servers in order of preference: db_nodes, else db_socket
 * or db_host.  Their number, or -1 (err says what is wrong).
 */
int lw_db_nodes(const lw_conf_t *c, lw_db_node_t *nodes, int max,
    char *err, size_t errlen);
/* the first healthy node in order (several: a Galera cluster); 0, or -1 */
int lw_db_connect(lw_ctx_t *ctx);
/* connects again within `seconds` (a signal stops it); 0, or -1 */
int lw_db_reconnect(lw_ctx_t *ctx, int seconds);
void lw_db_close(lw_ctx_t *ctx);
int lw_db_ok(lw_ctx_t *ctx);
/* affected rows, or -1 */
long long lw_db_exec(lw_ctx_t *ctx, const char *fmt, ...);
/*
 * One statement outside a transaction (autocommit), run again when it
 * conflicts (lw_db_conflict()); affected rows, or -1.
 */
long long lw_db_exec1(lw_ctx_t *ctx, const char *fmt, ...);
/*
 * The last statement failed on a conflict with another transaction: an
 * InnoDB deadlock, or on Galera a certification failure or an abort by a
 * replicated write (both 1213).  The server rolled the whole transaction
 * back: nothing of it happened, and it may be run again.
 */
int lw_db_conflict(lw_ctx_t *ctx);
/* how many times a transaction that conflicts is run in all */
#define LW_DB_TRIES  4
/* a stored result, or NULL on error (lw_db_error() says) */
MYSQL_RES *lw_db_query(lw_ctx_t *ctx, const char *fmt, ...);
/* the rows of a statement the caller built (lw_buf_sql) */
MYSQL_RES *lw_db_rows(lw_ctx_t *ctx, const char *sql, size_t len);
long long lw_db_raw(lw_ctx_t *ctx, const char *sql, size_t len);
int lw_db_begin(lw_ctx_t *ctx);
int lw_db_commit(lw_ctx_t *ctx);
void lw_db_rollback(lw_ctx_t *ctx);
const char *lw_db_error(lw_ctx_t *ctx);


/* lw_http.c */
typedef struct lw_req_s  lw_req_t;

struct lw_req_s {
    CURL                *easy;
    struct curl_slist   *headers;
    lw_buf_t             url;
    lw_buf_t             body;
    lw_buf_t             resp;
    long                 status;        /* HTTP status, 0 when none */
    CURLcode             cerr;
    char                 errbuf[CURL_ERROR_SIZE];
    long                 elapsed_ms;
    int                  channel;       /* rate bucket, -1 none */
    int                  started;
    int                  done;
    void                *data;
};

/*
 * What lw_http_run() calls: start() before a request leaves (0: go; -1:
 * it does not start, and done() is not called for it), done() as each
 * finishes, tick() about once a second.  No request starts while *stop
 * or *abort is set; those started run to their end.
 */
typedef struct {
    int                    (*start)(lw_req_t *req, void *data);
    void                   (*done)(lw_req_t *req, void *data);
    void                   (*tick)(void *data);
    void                    *data;
    volatile sig_atomic_t   *stop;
    int                     *abort;
} lw_http_hooks_t;

lw_http_t *lw_http_create(const lw_conf_t *conf);
void lw_http_destroy(lw_http_t *h);
void lw_http_set_conf(lw_http_t *h, const lw_conf_t *conf);
void lw_req_init(lw_req_t *r);
void lw_req_free(lw_req_t *r);
/* method "GET" or "POST"; the body is r->body (POST) */
int lw_req_prepare(lw_http_t *h, lw_req_t *r, const char *method,
    const char *content_type);
/* runs reqs concurrently (see lw_http_hooks_t) */
void lw_http_run(lw_http_t *h, lw_req_t **reqs, size_t n,
    lw_http_hooks_t *hooks);
/* one blocking request */
int lw_http_perform(lw_http_t *h, lw_req_t *r);


/* lw_tokens.c */
/*
 * The token of name (LW_TOKEN_WX, LW_TOKEN_WECOM) into out (>= 1025
 * bytes).  Refreshes it when it expires within token_refresh_ahead, or
 * when force is set and the stored token is still `failed` (the token a
 * send was refused with).  Returns 0, or -1.
 */
int lw_token_get(lw_ctx_t *ctx, const char *name, const char *failed,
    char *out, size_t cap);
void lw_tokens_upkeep(lw_ctx_t *ctx);


/* lw_channels.c */
typedef enum {
    LW_SENT = 0,
    LW_RETRY,               /* transient: back off */
    LW_FAILED,              /* permanent */
    LW_TOKEN,               /* token refused: refresh, retry once */
    LW_NEXT_DAY             /* daily quota: tomorrow */
} lw_result_e;

typedef struct {
    lw_result_e   result;
    char          code[32];
    char          detail[256];
    int           consent_used_up;  /* 43101 */
    char          verdict[16];      /* wx_sec_check: pass, review, risky */
} lw_outcome_t;

typedef struct {
    unsigned long long   id;
    int                  channel;      /* lsn_channel_e */
    char                *recipient;
    char                *template_id;
    char                *payload;
    unsigned long long   ticket_id;
    unsigned long long   message_id;   /* wx_sec_check */
    char                *kind;
    unsigned             attempts;     /* including this one */
    int                  recorded;     /* outcome written */
    int                  held;         /* outcome known, not yet written */
    int                  started;      /* send_started_at written */
    int                  token_pending;
    int                  token_retried;
    int                  consent_taken;
    char                 token[1025];  /* the token the request used */
    lw_outcome_t         out;
    lw_req_t             req;
} lw_msg_t;

/* builds m->req; returns 0, or -1 with m->out set (a permanent failure) */
int lw_channel_build(lw_ctx_t *ctx, lw_msg_t *m, const char *token);
/* classifies the finished m->req into m->out */
void lw_channel_classify(lw_ctx_t *ctx, lw_msg_t *m);
/* parses {"errcode":..,"errmsg":..} answers: -2 when not JSON */
long lw_json_errcode(const char *body, size_t len, char *errmsg,
    size_t cap);


/* lw_outbox.c */
int lw_outbox_pass(lw_ctx_t *ctx);
/* appends one VALUES tuple for LSN_OUTBOX_INSERT */
int lw_outbox_tuple(lw_buf_t *sql, lsn_channel_e channel,
    const char *recipient, const char *template_id, const char *payload_json,
    unsigned long long ticket_id, const char *kind, time_t now);
/* {"text": text} */
int lw_outbox_text_payload(lw_buf_t *b, const char *text, size_t len);
/*
 * An SMS and a WeCom message with text to every active staff member s
 * whom where selects (an SQL condition on staff s and d, their
 * department), on the channels configured, inside the caller's
 * transaction; their ids into ids ("3,7") when not NULL.  Returns the
 * number of messages queued, or -1.
 */
long lw_outbox_staff(lw_ctx_t *ctx, lsn_kind_e kind, const char *text,
    const char *where, lw_buf_t *ids);


/* lw_ladder.c */
int lw_ladder_pass(lw_ctx_t *ctx);


/* lw_supervision.c */
int lw_supervision_pass(lw_ctx_t *ctx);
int lw_complaints_pass(lw_ctx_t *ctx, int whole);


/* lw_close.c */
int lw_close_pass(lw_ctx_t *ctx);


/* lw_calendar.c */
int lw_calendar_load(lw_ctx_t *ctx);
int lw_calendar_alert(lw_ctx_t *ctx);


/*
 * lw_attach.c: the files of attachments (issue 8).  For the retention
 * job: removes the attachments of the tickets in ids ("1,2,3"), rows and
 * files, inside the caller's transaction.  0, or -1.
 */
int lw_attachments_purge(lw_ctx_t *ctx, const char *ids);
long lw_attachments_sweep(lw_ctx_t *ctx);

/* lw_ops.c: migrations, schema check, metrics, retention */
int lw_migrate(lw_ctx_t *ctx, const char *defaults_file, const char *dir);
int lw_schema_check(lw_ctx_t *ctx);
int lw_metrics(lw_ctx_t *ctx);
/* the database's series (the caller's connection); 0, or -1 */
int lw_metrics_db(lw_ctx_t *ctx, lw_buf_t *out);
/* this process's series: info, start time, channels, counters */
void lw_metrics_process(lw_ctx_t *ctx, lw_buf_t *out, int db_up);
long lw_retention_pass(lw_ctx_t *ctx);

/* lw_purge.c: expired rows of login_throttle and wx_push_nonces; the rows
   deleted, or -1 */
long long lw_purge_pass(lw_ctx_t *ctx);


/*
 * lw_duties.c: recorded duties (A14, A15) in every full pass; the notice
 * of a new bulletin to an office (lsn_duty_e) with its number of items,
 * inside the caller's transaction (A12).
 */
int lw_duties_pass(lw_ctx_t *ctx);
int lw_duties_bulletin(lw_ctx_t *ctx, const char *month, int duty,
    long items);


/* lw_bulletin.c */
int lw_bulletin_pass(lw_ctx_t *ctx);
int lw_bulletin_generate(lw_ctx_t *ctx, const char *month);
int lw_risk_pass(lw_ctx_t *ctx, int hours);


/* lw_serve.c: metrics over HTTP on metrics_listen (a thread) */
int lw_serve_start(lw_ctx_t *ctx);
void lw_serve_stop(void);
/* held around a configuration swap (SIGHUP) */
void lw_serve_lock(void);
void lw_serve_unlock(void);


#endif /* _LW_H_INCLUDED_ */
