/*
 * liaison-worker: the companion daemon of the Liaison nginx module.  It
 * delivers the outbox (WeChat subscribe and template messages, SMS, WeCom),
 * holds the access tokens, runs the A8 escalation ladder on the working-day
 * clock and alerts the administrators when next year's calendar is missing.
 *
 *   liaison-worker [-c FILE]                   the daemon (foreground)
 *   liaison-worker --check [-c FILE]           check the configuration
 *   liaison-worker once [--now=TIME] [-c FILE] one full pass, then exit
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


static volatile sig_atomic_t  lw_stop;
static volatile sig_atomic_t  lw_reload;


static int lw_usage(void);
static void lw_on_signal(int sig);
static int lw_signals(void);
static int lw_pass(lw_ctx_t *ctx, int full);
static void lw_sleep(int seconds);
static int lw_do_reload(lw_ctx_t *ctx, const char *path);


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
 * ladder_interval in the daemon, always when full), then the outbox.
 */

static int
lw_pass(lw_ctx_t *ctx, int full)
{
    int     rc;
    time_t  now;

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

    if (full || ctx->last_ladder == 0
        || now - ctx->last_ladder >= ctx->conf->ladder_interval
        || now < ctx->last_ladder)
    {
        ctx->last_ladder = now;

        if (lw_ladder_pass(ctx) != 0) {
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

        if (lw_retention_pass(ctx) < 0) {
            rc = -1;
        }
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

    lw_conf_free(ctx->conf);
    ctx->conf = conf;
    lw_log_init(conf->log_level);
    lw_http_set_conf(ctx->http, conf);

    /* the database settings may have changed */
    lw_db_close(ctx);
    ctx->schema_ok = 0;
    ctx->last_ladder = 0;

    lw_log(LW_LOG_INFO, "configuration reloaded from %s", path);

    return 0;
}


int
main(int argc, char **argv)
{
    int           i, check, once, rc;
    char          err[1024];
    const char   *path, *now_arg, *month, *defaults_file, *sql_dir;
    lw_ctx_t      ctx;
    lw_conf_t    *conf;

    path = LW_DEFAULT_CONF;
    check = 0;
    once = 0;
    now_arg = NULL;
    month = NULL;
    defaults_file = NULL;
    sql_dir = LW_SQL_DIR;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            path = argv[++i];

        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;

        } else if (strcmp(argv[i], "--check") == 0
                   || strcmp(argv[i], "-t") == 0)
        {
            check = 1;

        } else if (strcmp(argv[i], "once") == 0 && i == 1) {
            once = 1;

        } else if (strcmp(argv[i], "bulletin") == 0 && i == 1) {
            once = 2;

        } else if (strcmp(argv[i], "migrate") == 0 && i == 1) {
            once = 3;

        } else if (strcmp(argv[i], "metrics") == 0 && i == 1) {
            once = 4;

        } else if (strncmp(argv[i], "--defaults-file=", 16) == 0
                   && once == 3)
        {
            defaults_file = argv[i] + 16;

        } else if (strncmp(argv[i], "--sql-dir=", 10) == 0 && once == 3) {
            sql_dir = argv[i] + 10;

        } else if (strncmp(argv[i], "--month=", 8) == 0 && once == 2) {
            month = argv[i] + 8;

        } else if (strncmp(argv[i], "--now=", 6) == 0 && once == 1) {
            now_arg = argv[i] + 6;

        } else if (strcmp(argv[i], "--version") == 0
                   || strcmp(argv[i], "-V") == 0)
        {
            printf("liaison-worker " LW_VERSION "\n");
            return 0;

        } else {
            return lw_usage();
        }
    }

    memset(&ctx, 0, sizeof(lw_ctx_t));
    ctx.once = once;
    ctx.stop = &lw_stop;

    if (now_arg != NULL
        && lsn_parse_rfc3339(now_arg, strlen(now_arg), &ctx.fixed_now) != 0)
    {
        fprintf(stderr, "liaison-worker: --now: not an RFC 3339 time: %s\n",
                now_arg);
        return 2;
    }

    if (once == 3 && defaults_file != NULL) {
        /* migrate with a MariaDB option file: no worker configuration */
        rc = lw_migrate(&ctx, defaults_file, sql_dir);
        mysql_library_end();
        return rc;
    }

    conf = lw_conf_load(path, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "liaison-worker: %s\n", err);
        return 1;
    }

    if (check) {
        printf("liaison-worker: the configuration file %s is ok\n", path);
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

    if (once == 3) {
        rc = lw_migrate(&ctx, NULL, sql_dir);

    } else if (once == 4) {
        rc = lw_metrics(&ctx);

    } else if (once == 2) {
        /* bulletin --month=YYYY-MM: (re)generate one month's bulletin */
        rc = 1;

        if (month != NULL && lw_db_connect(&ctx) == 0
            && lw_schema_check(&ctx) == 0
            && lw_calendar_load(&ctx) == 0
            && lw_db_exec(&ctx, "DELETE FROM monthly_reports "
                          "WHERE month = $z", month) >= 0
            && lw_bulletin_generate(&ctx, month) == 0)
        {
            rc = 0;
        }

    } else if (once) {
        rc = lw_pass(&ctx, 1) == 0 ? 0 : 1;

    } else {
        lw_log(LW_LOG_INFO, "liaison-worker " LW_VERSION " started as %s",
               conf->worker_id);

        rc = 0;

        while (!lw_stop) {
            if (lw_reload) {
                lw_reload = 0;
                (void) lw_do_reload(&ctx, path);
            }

            rc = lw_pass(&ctx, 0);

            if (rc == -2) {
                break;
            }

            if (rc != 0 && !lw_db_ok(&ctx)) {
                lw_log(LW_LOG_WARN, "database unavailable, retrying in "
                       "%d s", ctx.conf->poll_interval);
            }

            if (!lw_stop && !lw_reload) {
                lw_sleep(ctx.conf->poll_interval);
            }
        }

        rc = (rc == -2) ? 1 : 0;
    }

    lw_log(once ? LW_LOG_DEBUG : LW_LOG_INFO, "liaison-worker %s: %lu sent, "
           "%lu to retry, %lu failed, %lu ladder steps", once ? "pass done"
           : "stopped", ctx.sent, ctx.retried, ctx.failed, ctx.fired);

    lw_db_close(&ctx);
    lw_http_destroy(ctx.http);
    free(ctx.cal);
    lw_conf_free(ctx.conf);
    curl_global_cleanup();
    mysql_library_end();

    return rc;
}
