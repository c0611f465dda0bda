/*
 * liaison-worker: the companion daemon of the Liaison nginx module.  It
 * delivers the outbox (WeChat subscribe and template messages, SMS, WeCom),
 * holds the access tokens, runs the A8 escalation ladder on the working-day
 * clock and alerts the administrators when next year's calendar is missing.
 *
 *   liaison-worker [-c FILE]                   the daemon (foreground)
 *   liaison-worker --check [-c FILE]           check the configuration
 *   liaison-worker once [--now=TIME] [-c FILE] one full pass, then exit
 *   liaison-worker bulletin --month=YYYY-MM [-c FILE]
 *                                              (re)generate a month's
 *                                              bulletin
 *   liaison-worker migrate [-c FILE | --defaults-file=FILE] [--sql-dir=DIR]
 *                                              apply pending migrations
 *   liaison-worker metrics [-c FILE]           Prometheus text to stdout
 *
 * Signals: TERM/INT finish the sends in flight, record them, release what
 * was claimed but not sent, and exit 0; HUP reloads the configuration
 * (a bad file is refused and the old one kept).
 *
 * The daemon, `once` and `bulletin` refuse to run against a database whose
 * schema version is not the one this build expects (LW_SCHEMA_VERSION).
 *
 * Exit codes: 0 ok, 1 configuration or database failure (a schema
 * mismatch included), 2 usage.
 */


#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lw.h"


#define LW_DEFAULT_CONF  "/etc/liaison/liaison-worker.conf"

#ifndef LW_SQL_DIR
#define LW_SQL_DIR       "/usr/share/liaison/sql"
#endif


/* the subcommand, the first argument; none: the daemon */
typedef enum {
    LW_CMD_DAEMON = 0,
    LW_CMD_ONCE,
    LW_CMD_BULLETIN,
    LW_CMD_MIGRATE,
    LW_CMD_METRICS,
    LW_CMD_COUNT
} lw_cmd_e;


typedef struct {
    const char  *path;              /* -c */
    const char  *now;               /* once --now= */
    const char  *month;             /* bulletin --month= */
    const char  *defaults_file;     /* migrate --defaults-file= */
    const char  *sql_dir;           /* migrate --sql-dir= */
} lw_args_t;


typedef int (*lw_cmd_pt)(lw_ctx_t *ctx, lw_args_t *args);


typedef struct {
    const char  *name;
    lw_cmd_pt    run;               /* returns the exit code */
} lw_cmd_t;


static int lw_usage(void);
static void lw_on_signal(int sig);
static int lw_signals(void);
static int lw_pass(lw_ctx_t *ctx, int full);
static void lw_sleep(int seconds);
static int lw_do_reload(lw_ctx_t *ctx, const char *path);
static lw_cmd_e lw_cmd_find(const char *name);
static void lw_log_channels(lw_ctx_t *ctx);
static int lw_cmd_daemon(lw_ctx_t *ctx, lw_args_t *args);
static int lw_cmd_once(lw_ctx_t *ctx, lw_args_t *args);
static int lw_cmd_bulletin(lw_ctx_t *ctx, lw_args_t *args);
static int lw_cmd_migrate(lw_ctx_t *ctx, lw_args_t *args);
static int lw_cmd_metrics(lw_ctx_t *ctx, lw_args_t *args);


static volatile sig_atomic_t  lw_stop;
static volatile sig_atomic_t  lw_reload;


/* by lw_cmd_e */
static const lw_cmd_t  lw_cmds[LW_CMD_COUNT] = {
    { NULL, lw_cmd_daemon },
    { "once", lw_cmd_once },
    { "bulletin", lw_cmd_bulletin },
    { "migrate", lw_cmd_migrate },
    { "metrics", lw_cmd_metrics }
};


static int
lw_usage(void)
{
    fprintf(stderr,
            "usage: liaison-worker [-c FILE]                    run\n"
            "       liaison-worker --check [-c FILE]            check the "
            "configuration\n"
            "       liaison-worker once [--now=TIME] [-c FILE]  one pass "
            "at TIME\n"
            "                                                   (RFC 3339, "
            "e.g. 2026-02-24T09:00:00+08:00)\n"
            "       liaison-worker bulletin --month=YYYY-MM [-c FILE]  "
            "(re)generate\n"
            "                                                   a month's "
            "bulletin\n"
            "       liaison-worker migrate [-c FILE | --defaults-file=FILE] "
            "[--sql-dir=DIR]\n"
            "                                                   apply "
            "pending migrations\n"
            "                                                   (default "
            "DIR: " LW_SQL_DIR ")\n"
            "       liaison-worker metrics [-c FILE]            Prometheus "
            "text on stdout\n"
            "       liaison-worker --version\n"
            "default FILE: " LW_DEFAULT_CONF "\n");

    return 2;
}


static void
lw_on_signal(int sig)
{
    if (sig == SIGHUP) {
        lw_reload = 1;

    } else {
        lw_stop = 1;
    }
}


static int
lw_signals(void)
{
    struct sigaction  sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = lw_on_signal;
    sigemptyset(&sa.sa_mask);

    /* no SA_RESTART: a signal cuts the poll sleep short */
    if (sigaction(SIGTERM, &sa, NULL) != 0
        || sigaction(SIGINT, &sa, NULL) != 0
        || sigaction(SIGHUP, &sa, NULL) != 0)
    {
        return -1;
    }

    sa.sa_handler = SIG_IGN;

    return sigaction(SIGPIPE, &sa, NULL);
}


static void
lw_sleep(int seconds)
{
    struct timespec  ts;

    ts.tv_sec = seconds;
    ts.tv_nsec = 0;

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        if (lw_stop || lw_reload) {
            return;
        }
    }
}


/*
 * One pass: calendar, tokens, the ladder and the calendar alert (every
 * ladder_interval in the daemon, always when full), then repeated
 * complaints (A17: the whole window then, else the matters complained of
 * since the last pass) and the outbox.
 */

static int
lw_pass(lw_ctx_t *ctx, int full)
{
    int     rc, whole;
    time_t  now;

    /* writes return to the preferred node when it is back (db_nodes) */
    if (lw_db_ok(ctx) && ctx->db_node > 0) {
        (void) lw_db_connect(ctx);
    }

    if (!lw_db_ok(ctx) && lw_db_connect(ctx) != 0) {
        return -1;
    }

    /* never work on a schema this build does not know */
    if (!ctx->schema_ok && lw_schema_check(ctx) != 0) {
        return -2;
    }

    if (lw_calendar_load(ctx) != 0) {
        return -1;
    }

    lw_tokens_upkeep(ctx);

    rc = 0;
    now = lw_now(ctx);
    whole = full || ctx->last_ladder == 0
            || now - ctx->last_ladder >= ctx->conf->ladder_interval
            || now < ctx->last_ladder;

    if (whole) {
        ctx->last_ladder = now;

        if (lw_ladder_pass(ctx) != 0) {
            rc = -1;
        }

        if (lw_supervision_pass(ctx) != 0) {
            rc = -1;
        }

        if (lw_close_pass(ctx) != 0) {
            rc = -1;
        }

        if (lw_calendar_alert(ctx) != 0) {
            rc = -1;
        }

        if (ctx->conf->bulletin && lw_bulletin_pass(ctx) != 0) {
            rc = -1;
        }

        if (ctx->conf->risk_stage_hours
            && lw_risk_pass(ctx, ctx->conf->risk_stage_hours) != 0)
        {
            rc = -1;
        }

        if (lw_duties_pass(ctx) != 0) {
            rc = -1;
        }

        if (lw_retention_pass(ctx) < 0) {
            rc = -1;
        }

        if (lw_purge_pass(ctx) < 0) {
            rc = -1;
        }
    }

    /* within seconds, and before the delivery of its alerts */
    if (lw_complaints_pass(ctx, whole) != 0) {
        rc = -1;
    }

    if (ctx->conf->deliver && lw_outbox_pass(ctx) != 0) {
        rc = -1;
    }

    return rc;
}


static int
lw_do_reload(lw_ctx_t *ctx, const char *path)
{
    char        err[1024];
    lw_conf_t  *conf;

    conf = lw_conf_load(path, err, sizeof(err));
    if (conf == NULL) {
        lw_log(LW_LOG_ERROR, "reload refused, the old configuration stays: "
               "%s", err);
        return -1;
    }

    lw_serve_lock();
    lw_conf_free(ctx->conf);
    ctx->conf = conf;
    lw_serve_unlock();
    lw_log_init(conf->log_level);
    lw_http_set_conf(ctx->http, conf);

    /* the database settings may have changed */
    lw_db_close(ctx);
    ctx->schema_ok = 0;
    ctx->last_ladder = 0;
    ctx->last_complaints = 0;

    lw_log(LW_LOG_INFO, "configuration reloaded from %s", path);

    return 0;
}


/* a subcommand by its name; LW_CMD_DAEMON when it names none */

static lw_cmd_e
lw_cmd_find(const char *name)
{
    int  i;

    for (i = LW_CMD_DAEMON + 1; i < LW_CMD_COUNT; i++) {
        if (strcmp(lw_cmds[i].name, name) == 0) {
            return (lw_cmd_e) i;
        }
    }

    return LW_CMD_DAEMON;
}


/* which channels this worker claims; the others wait for another */

static void
lw_log_channels(lw_ctx_t *ctx)
{
    int      ch;
    char     yes[128], no[128];
    size_t   y, n;

    y = n = 0;
    yes[0] = no[0] = '\0';

    for (ch = 0; ch < LSN_CH_COUNT; ch++) {
        if (lw_conf_channel_ready(ctx->conf, ch)) {
            y += snprintf(yes + y, sizeof(yes) - y, "%s%s", y ? " " : "",
                          lsn_outbox_channels[ch]);

        } else {
            n += snprintf(no + n, sizeof(no) - n, "%s%s", n ? " " : "",
                          lsn_outbox_channels[ch]);
        }
    }

    lw_log(n ? LW_LOG_WARN : LW_LOG_INFO, "delivering: %s; no settings "
           "(left pending for a worker that has them): %s",
           y ? yes : "none", n ? no : "none");
}


static int
lw_cmd_daemon(lw_ctx_t *ctx, lw_args_t *args)
{
    int  rc;

    lw_log(LW_LOG_INFO, "liaison-worker " LW_VERSION " (" LW_BUILD ") "
           "started as %s", ctx->conf->worker_id);

    ctx->started = time(NULL);

    if (ctx->conf->deliver) {
        lw_log_channels(ctx);
    }

    if (lw_serve_start(ctx) != 0) {
        return 1;
    }

    rc = 0;

    while (!lw_stop) {
        if (lw_reload) {
            lw_reload = 0;
            (void) lw_do_reload(ctx, args->path);
        }

        rc = lw_pass(ctx, 0);

        if (rc == -2) {
            break;
        }

        if (rc != 0 && !lw_db_ok(ctx)) {
            lw_log(LW_LOG_WARN, "database unavailable, retrying in %d s",
                   ctx->conf->poll_interval);
        }

        if (!lw_stop && !lw_reload) {
            lw_sleep(ctx->conf->poll_interval);
        }
    }

    lw_serve_stop();

    return (rc == -2) ? 1 : 0;
}


static int
lw_cmd_once(lw_ctx_t *ctx, lw_args_t *args)
{
    (void) args;

    return lw_pass(ctx, 1) == 0 ? 0 : 1;
}


/* bulletin --month=YYYY-MM: (re)generate one month's bulletin */

static int
lw_cmd_bulletin(lw_ctx_t *ctx, lw_args_t *args)
{
    if (args->month != NULL && lw_db_connect(ctx) == 0
        && lw_schema_check(ctx) == 0
        && lw_calendar_load(ctx) == 0
        && lw_db_exec(ctx, "DELETE FROM monthly_reports WHERE month = $z",
                      args->month) >= 0
        && lw_bulletin_generate(ctx, args->month) == 0)
    {
        return 0;
    }

    return 1;
}


static int
lw_cmd_migrate(lw_ctx_t *ctx, lw_args_t *args)
{
    return lw_migrate(ctx, args->defaults_file, args->sql_dir);
}


static int
lw_cmd_metrics(lw_ctx_t *ctx, lw_args_t *args)
{
    (void) args;

    return lw_metrics(ctx);
}


int
main(int argc, char **argv)
{
    int          i, check, rc;
    char         err[1024];
    lw_ctx_t     ctx;
    lw_cmd_e     cmd;
    lw_args_t    args;
    lw_conf_t   *conf;

    check = 0;
    cmd = LW_CMD_DAEMON;
    memset(&args, 0, sizeof(lw_args_t));
    args.path = LW_DEFAULT_CONF;
    args.sql_dir = LW_SQL_DIR;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            args.path = argv[++i];

        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            args.path = argv[i] + 9;

        } else if (strcmp(argv[i], "--check") == 0
                   || strcmp(argv[i], "-t") == 0)
        {
            check = 1;

        } else if (i == 1 && lw_cmd_find(argv[i]) != LW_CMD_DAEMON) {
            cmd = lw_cmd_find(argv[i]);

        } else if (strncmp(argv[i], "--defaults-file=", 16) == 0
                   && cmd == LW_CMD_MIGRATE)
        {
            args.defaults_file = argv[i] + 16;

        } else if (strncmp(argv[i], "--sql-dir=", 10) == 0
                   && cmd == LW_CMD_MIGRATE)
        {
            args.sql_dir = argv[i] + 10;

        } else if (strncmp(argv[i], "--month=", 8) == 0
                   && cmd == LW_CMD_BULLETIN)
        {
            args.month = argv[i] + 8;

        } else if (strncmp(argv[i], "--now=", 6) == 0 && cmd == LW_CMD_ONCE) {
            args.now = argv[i] + 6;

        } else if (strcmp(argv[i], "--version") == 0
                   || strcmp(argv[i], "-V") == 0)
        {
            printf("liaison-worker " LW_VERSION " (" LW_BUILD ")\n");
            return 0;

        } else {
            return lw_usage();
        }
    }

    memset(&ctx, 0, sizeof(lw_ctx_t));
    ctx.once = (cmd != LW_CMD_DAEMON);
    ctx.stop = &lw_stop;

    if (args.now != NULL
        && lsn_parse_rfc3339(args.now, strlen(args.now), &ctx.fixed_now) != 0)
    {
        fprintf(stderr, "liaison-worker: --now: not an RFC 3339 time: %s\n",
                args.now);
        return 2;
    }

    if (cmd == LW_CMD_MIGRATE && args.defaults_file != NULL) {
        /* migrate with a MariaDB option file: no worker configuration */
        rc = lw_cmd_migrate(&ctx, &args);
        mysql_library_end();
        return rc;
    }

    conf = lw_conf_load(args.path, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "liaison-worker: %s\n", err);
        return 1;
    }

    if (check) {
        printf("liaison-worker: the configuration file %s is ok\n",
               args.path);
        lw_conf_free(conf);
        return 0;
    }

    lw_log_init(conf->log_level);
    srandom((unsigned) time(NULL) ^ ((unsigned) getpid() << 16));

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "liaison-worker: curl_global_init() failed\n");
        lw_conf_free(conf);
        return 1;
    }

    ctx.conf = conf;
    ctx.http = lw_http_create(conf);
    ctx.cal = malloc(sizeof(lsn_calendar_t));

    if (ctx.http == NULL || ctx.cal == NULL || lw_signals() != 0) {
        fprintf(stderr, "liaison-worker: out of memory\n");
        return 1;
    }

    lsn_calendar_init(ctx.cal);

    rc = lw_cmds[cmd].run(&ctx, &args);

    lw_log(ctx.once ? LW_LOG_DEBUG : LW_LOG_INFO, "liaison-worker %s: %lu "
           "sent, %lu to retry, %lu failed, %lu ladder steps", ctx.once
           ? "pass done" : "stopped", ctx.sent, ctx.retried, ctx.failed,
           ctx.fired);

    lw_db_close(&ctx);
    lw_http_destroy(ctx.http);
    free(ctx.cal);
    lw_conf_free(ctx.conf);
    curl_global_cleanup();
    mysql_library_end();

    return rc;
}
