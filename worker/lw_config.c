/*
 * liaison-worker: the configuration file (conf/liaison-worker.conf.example
 * documents every key).
 *
 * Format: one "key = value" per line; '#' starts a comment line; blank
 * lines are ignored; the value is the rest of the line with white space
 * trimmed at both ends (no quoting).  An unknown key, a repeated key or a
 * bad value is an error that names the file, line and key.  Secrets are
 * read from the files named here, never written in the file itself.
 */


#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lw.h"


#define LW_SECRET_MAX  4096
#define LW_LINE_MAX    4096


typedef enum {
    LW_T_STR = 0,
    LW_T_INT,
    LW_T_LONG,
    LW_T_BOOL,
    LW_T_RATE,
    LW_T_LEVEL,
    LW_T_HOURS,
    LW_T_LADDER_CHANNELS,
    LW_T_CHANNELS
} lw_conf_type_e;


typedef struct {
    const char      *name;
    lw_conf_type_e   type;
    size_t           offset;
    long             min;
    long             max;
} lw_conf_key_t;


#define LW_OFF(f)  offsetof(lw_conf_t, f)

static const lw_conf_key_t  lw_conf_keys[] = {
    { "db_nodes", LW_T_STR, LW_OFF(db_nodes), 0, 0 },
    { "db_socket", LW_T_STR, LW_OFF(db_socket), 0, 0 },
    { "db_host", LW_T_STR, LW_OFF(db_host), 0, 0 },
    { "db_port", LW_T_INT, LW_OFF(db_port), 1, 65535 },
    { "db_user", LW_T_STR, LW_OFF(db_user), 0, 0 },
    { "db_password_file", LW_T_STR, LW_OFF(db_password_file), 0, 0 },
    { "db_name", LW_T_STR, LW_OFF(db_name), 0, 0 },
    { "db_timeout", LW_T_INT, LW_OFF(db_timeout), 1, 600 },

    { "worker_id", LW_T_STR, LW_OFF(worker_id), 0, 0 },
    { "log_level", LW_T_LEVEL, LW_OFF(log_level), 0, 0 },
    { "poll_interval", LW_T_INT, LW_OFF(poll_interval), 1, 3600 },
    { "batch_size", LW_T_INT, LW_OFF(batch_size), 1, 5000 },
    { "concurrency", LW_T_INT, LW_OFF(concurrency), 1, 512 },
    { "lease", LW_T_INT, LW_OFF(lease), 10, 86400 },
    { "max_attempts", LW_T_INT, LW_OFF(max_attempts), 1, 100 },
    { "backoff_base", LW_T_INT, LW_OFF(backoff_base), 1, 86400 },
    { "backoff_max", LW_T_INT, LW_OFF(backoff_max), 1, 7 * 86400 },
    { "http_timeout", LW_T_INT, LW_OFF(http_timeout), 1, 300 },
    { "connect_timeout", LW_T_INT, LW_OFF(connect_timeout), 1, 300 },
    { "token_refresh_ahead", LW_T_INT, LW_OFF(token_refresh_ahead),
      0, 3600 },
    { "rate_wx_subscribe", LW_T_RATE, LW_OFF(rate[LSN_CH_WX_SUBSCRIBE]),
      0, 100000 },
    { "rate_wx_template", LW_T_RATE, LW_OFF(rate[LSN_CH_WX_TEMPLATE]),
      0, 100000 },
    { "rate_sms", LW_T_RATE, LW_OFF(rate[LSN_CH_SMS]), 0, 100000 },
    { "rate_wecom", LW_T_RATE, LW_OFF(rate[LSN_CH_WECOM]), 0, 100000 },
    { "rate_wx_sec_check", LW_T_RATE, LW_OFF(rate[LSN_CH_WX_SEC_CHECK]),
      0, 100000 },
    { "rate_wx_custom", LW_T_RATE, LW_OFF(rate[LSN_CH_WX_CUSTOM]),
      0, 100000 },

    { "wx_api_base", LW_T_STR, LW_OFF(wx_api_base), 0, 0 },
    { "wx_appid", LW_T_STR, LW_OFF(wx_appid), 0, 0 },
    { "wx_secret_file", LW_T_STR, LW_OFF(wx_secret_file), 0, 0 },
    { "wx_miniprogram_state", LW_T_STR, LW_OFF(wx_miniprogram_state),
      0, 0 },
    { "wx_lang", LW_T_STR, LW_OFF(wx_lang), 0, 0 },
    { "wx_require_consent", LW_T_BOOL, LW_OFF(wx_require_consent), 0, 0 },
    { "sms_fallback", LW_T_BOOL, LW_OFF(sms_fallback), 0, 0 },

    { "wecom_api_base", LW_T_STR, LW_OFF(wecom_api_base), 0, 0 },
    { "wecom_corpid", LW_T_STR, LW_OFF(wecom_corpid), 0, 0 },
    { "wecom_secret_file", LW_T_STR, LW_OFF(wecom_secret_file), 0, 0 },
    { "wecom_agentid", LW_T_LONG, LW_OFF(wecom_agentid), 1, LONG_MAX },
    { "wecom_duplicate_interval", LW_T_INT, LW_OFF(wecom_dup_interval),
      0, 4 * 3600 },

    { "sms_url", LW_T_STR, LW_OFF(sms_url), 0, 0 },
    { "sms_method", LW_T_STR, LW_OFF(sms_method), 0, 0 },
    { "sms_content_type", LW_T_STR, LW_OFF(sms_content_type), 0, 0 },
    { "sms_body", LW_T_STR, LW_OFF(sms_body), 0, 0 },
    { "sms_encoding", LW_T_STR, LW_OFF(sms_encoding), 0, 0 },
    { "sms_account", LW_T_STR, LW_OFF(sms_account), 0, 0 },
    { "sms_secret_file", LW_T_STR, LW_OFF(sms_secret_file), 0, 0 },
    { "sms_sign", LW_T_STR, LW_OFF(sms_sign), 0, 0 },
    { "sms_ok", LW_T_STR, LW_OFF(sms_ok), 0, 0 },

    { "deliver", LW_T_BOOL, LW_OFF(deliver), 0, 0 },
    { "ladder", LW_T_BOOL, LW_OFF(ladder), 0, 0 },
    { "ladder_interval", LW_T_INT, LW_OFF(ladder_interval), 1, 86400 },
    { "ladder_channels", LW_T_LADDER_CHANNELS, 0, 0, 0 },
    { "ladder_leader_days", LW_T_INT, LW_OFF(ladder_conf.leader_days),
      0, 30 },
    { "ladder_vp_days", LW_T_INT, LW_OFF(ladder_conf.vp_days), 0, 30 },
    { "ladder_president_days", LW_T_INT,
      LW_OFF(ladder_conf.president_days), 0, 30 },
    { "ladder_sms_chars", LW_T_INT, LW_OFF(ladder_sms_chars), 10, 1000 },
    { "office_hours", LW_T_HOURS, 0, 0, 0 },
    { "calendar_alert", LW_T_BOOL, LW_OFF(calendar_alert), 0, 0 },
    { "alert_roles", LW_T_STR, LW_OFF(alert_roles), 0, 0 },
    { "bulletin", LW_T_BOOL, LW_OFF(bulletin), 0, 0 },
    { "court_name", LW_T_STR, LW_OFF(court_name), 0, 0 },
    { "court_short_name", LW_T_STR, LW_OFF(court_short), 0, 0 },
    { "court_unit", LW_T_STR, LW_OFF(court_unit), 0, 0 },
    { "bulletin_number", LW_T_STR, LW_OFF(bulletin_number), 0, 0 },
    { "duties", LW_T_BOOL, LW_OFF(duties), 0, 0 },
    { "risk_stage_hours", LW_T_INT, LW_OFF(risk_stage_hours), 0, 720 },
    { "supervision_idle_days", LW_T_INT, LW_OFF(supervision_idle_days),
      0, 60 },
    { "supervision_complaints", LW_T_INT,
      LW_OFF(supervision_complaints), 0, 100 },
    { "supervision_window_days", LW_T_INT,
      LW_OFF(supervision_window_days), 1, 366 },
    { "auto_close_days", LW_T_INT, LW_OFF(auto_close_days), 0, 60 },
    { "retention_days", LW_T_INT, LW_OFF(retention_days), 0, 36500 },
    { "attachment_dir", LW_T_STR, LW_OFF(attachment_dir), 0, 0 },
    { "resend_uncertain", LW_T_CHANNELS, LW_OFF(resend_uncertain), 0, 0 },
    { "metrics_listen", LW_T_STR, LW_OFF(metrics_listen), 0, 0 },

    { NULL, 0, 0, 0, 0 }
};


static void lw_conf_defaults(lw_conf_t *c);
static char *lw_strdup(const char *s);
static int lw_conf_set(lw_conf_t *c, const lw_conf_key_t *k,
    const char *v, const char *where, char *err, size_t errlen);
static int lw_conf_check(lw_conf_t *c, char *err, size_t errlen);
static char *lw_secret_file(const char *key, const char *path, char *err,
    size_t errlen);
static int lw_set_default_str(char **field, const char *v);
static void lw_wipe_free(char *s);


static char *
lw_strdup(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}


static int
lw_set_default_str(char **field, const char *v)
{
    if (*field != NULL) {
        return 0;
    }

    *field = lw_strdup(v);

    return *field == NULL ? -1 : 0;
}


static void
lw_conf_defaults(lw_conf_t *c)
{
    c->db_port = 3306;
    c->db_timeout = 30;
    c->log_level = LW_LOG_INFO;
    c->poll_interval = 2;
    c->batch_size = 50;
    c->concurrency = 16;
    c->lease = 40;
    c->max_attempts = 8;
    c->backoff_base = 30;
    c->backoff_max = 3600;
    c->http_timeout = 10;
    c->connect_timeout = 3;
    c->token_refresh_ahead = 300;
    c->rate[LSN_CH_WX_SUBSCRIBE] = 100;
    c->rate[LSN_CH_WX_TEMPLATE] = 100;
    c->rate[LSN_CH_SMS] = 20;
    c->rate[LSN_CH_WECOM] = 20;
    c->rate[LSN_CH_WX_SEC_CHECK] = 50;
    c->rate[LSN_CH_WX_CUSTOM] = 50;
    c->wx_require_consent = 1;
    c->sms_fallback = 1;
    c->wecom_dup_interval = 1800;
    c->deliver = 1;
    c->ladder = 1;
    c->ladder_interval = 60;
    c->ladder_sms = 1;
    c->ladder_wecom = 1;
    c->ladder_sms_chars = 200;
    lsn_ladder_conf_default(&c->ladder_conf);
    c->calendar_alert = 1;
    c->bulletin = 1;
    c->duties = 1;
    c->risk_stage_hours = 24;
    c->supervision_idle_days = 10;
    c->supervision_complaints = 3;
    c->supervision_window_days = 30;
    c->auto_close_days = 5;
    c->retention_days = 1095;

    /* a repeat is dropped by the provider or harmless; not wx_subscribe,
       whose repeat spends another one-time consent */
    c->resend_uncertain = LW_CHANNEL_BIT(LSN_CH_WX_TEMPLATE)
                          | LW_CHANNEL_BIT(LSN_CH_WX_SEC_CHECK)
                          | LW_CHANNEL_BIT(LSN_CH_WX_CUSTOM)
                          | LW_CHANNEL_BIT(LSN_CH_SMS)
                          | LW_CHANNEL_BIT(LSN_CH_WECOM);
}


static int
lw_conf_set(lw_conf_t *c, const lw_conf_key_t *k, const char *v,
    const char *where, char *err, size_t errlen)
{
    int     *ip;
    long     n;
    char    *end, **sp, *copy, *tok, *save;
    double   d;

    switch (k->type) {

    case LW_T_STR:
        sp = (char **) ((char *) c + k->offset);
        free(*sp);
        *sp = lw_strdup(v);
        return *sp == NULL ? -1 : 0;

    case LW_T_INT:
    case LW_T_LONG:
        errno = 0;
        n = strtol(v, &end, 10);

        if (errno != 0 || end == v || *end != '\0' || n < k->min
            || n > k->max)
        {
            snprintf(err, errlen, "%s: \"%s\" must be an integer "
                     "%ld..%ld", where, k->name, k->min, k->max);
            return -1;
        }

        if (k->type == LW_T_LONG) {
            *(long *) ((char *) c + k->offset) = n;

        } else {
            *(int *) ((char *) c + k->offset) = (int) n;
        }

        return 0;

    case LW_T_RATE:
        errno = 0;
        d = strtod(v, &end);

        if (errno != 0 || end == v || *end != '\0' || d < 0
            || d > (double) k->max)
        {
            snprintf(err, errlen, "%s: \"%s\" must be a number of "
                     "messages per second, 0 (no limit) .. %ld", where,
                     k->name, k->max);
            return -1;
        }

        *(double *) ((char *) c + k->offset) = d;
        return 0;

    case LW_T_BOOL:
        ip = (int *) ((char *) c + k->offset);

        if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0
            || strcmp(v, "1") == 0)
        {
            *ip = 1;

        } else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0
                   || strcmp(v, "0") == 0)
        {
            *ip = 0;

        } else {
            snprintf(err, errlen, "%s: \"%s\" must be on or off", where,
                     k->name);
            return -1;
        }

        return 0;

    case LW_T_LEVEL:
        if (strcmp(v, "error") == 0) {
            c->log_level = LW_LOG_ERROR;

        } else if (strcmp(v, "warn") == 0) {
            c->log_level = LW_LOG_WARN;

        } else if (strcmp(v, "info") == 0) {
            c->log_level = LW_LOG_INFO;

        } else if (strcmp(v, "debug") == 0) {
            c->log_level = LW_LOG_DEBUG;

        } else {
            snprintf(err, errlen, "%s: \"log_level\" must be error, warn, "
                     "info or debug", where);
            return -1;
        }

        return 0;

    case LW_T_HOURS:
        if (lsn_ladder_parse_hours(&c->ladder_conf, v, strlen(v)) != 0) {
            snprintf(err, errlen, "%s: \"office_hours\" must be "
                     "\"HH:MM-HH:MM,HH:MM-HH:MM\" (two ordered sessions)",
                     where);
            return -1;
        }

        return 0;

    case LW_T_LADDER_CHANNELS:
        copy = strdup(v);
        if (copy == NULL) {
            return -1;
        }

        c->ladder_sms = 0;
        c->ladder_wecom = 0;

        for (tok = strtok_r(copy, ", ", &save); tok != NULL;
             tok = strtok_r(NULL, ", ", &save))
        {
            if (strcmp(tok, "sms") == 0) {
                c->ladder_sms = 1;

            } else if (strcmp(tok, "wecom") == 0) {
                c->ladder_wecom = 1;

            } else {
                snprintf(err, errlen, "%s: \"ladder_channels\": unknown "
                         "channel \"%s\" (sms, wecom)", where, tok);
                free(copy);
                return -1;
            }
        }

        free(copy);
        return 0;

    case LW_T_CHANNELS:
        copy = strdup(v);
        if (copy == NULL) {
            return -1;
        }

        ip = (int *) ((char *) c + k->offset);
        *ip = 0;

        for (tok = strtok_r(copy, ", ", &save); tok != NULL;
             tok = strtok_r(NULL, ", ", &save))
        {
            n = lsn_outbox_channel_index(tok, strlen(tok));

            if (n < 0 && strcmp(tok, "none") != 0) {
                snprintf(err, errlen, "%s: \"%s\": unknown channel \"%s\"",
                         where, k->name, tok);
                free(copy);
                return -1;
            }

            if (n >= 0) {
                *ip |= LW_CHANNEL_BIT(n);
            }
        }

        free(copy);
        return 0;
    }

    return -1;
}


static char *
lw_secret_file(const char *key, const char *path, char *err, size_t errlen)
{
    int          fd;
    char        *buf;
    ssize_t      n;
    size_t       len;
    struct stat  st;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "\"%s\": cannot open %s: %s", key, path,
                 strerror(errno));
        return NULL;
    }

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
        || st.st_size > LW_SECRET_MAX)
    {
        snprintf(err, errlen, "\"%s\": %s must be a regular file of at "
                 "most %d bytes", key, path, LW_SECRET_MAX);
        close(fd);
        return NULL;
    }

    if (st.st_mode & 0077) {
        lw_log(LW_LOG_WARN, "%s (%s) is readable by group or others: "
               "chmod 600 it", path, key);
    }

    buf = malloc(LW_SECRET_MAX + 1);
    if (buf == NULL) {
        close(fd);
        return NULL;
    }

    len = 0;

    while (len < LW_SECRET_MAX) {
        n = read(fd, buf + len, LW_SECRET_MAX - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            break;
        }

        len += (size_t) n;
    }

    close(fd);

    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'
                       || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
    {
        len--;
    }

    buf[len] = '\0';

    if (len == 0 || memchr(buf, '\n', len) != NULL) {
        snprintf(err, errlen, "\"%s\": %s must hold one non-empty line",
                 key, path);
        free(buf);
        return NULL;
    }

    return buf;
}


static int
lw_conf_check(lw_conf_t *c, char *err, size_t errlen)
{
    char  host[256];

    if (c->db_nodes == NULL && c->db_socket == NULL && c->db_host == NULL) {
        snprintf(err, errlen, "%s: \"db_nodes\", \"db_socket\" or "
                 "\"db_host\" is required", c->path);
        return -1;
    }

    if (c->db_nodes != NULL) {
        lw_db_node_t  nodes[LW_DB_MAX_NODES];
        char          e[200];

        if (lw_db_nodes(c, nodes, LW_DB_MAX_NODES, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "%s: \"db_nodes\": %s", c->path, e);
            return -1;
        }
    }

    if (c->db_user == NULL) {
        snprintf(err, errlen, "%s: \"db_user\" is required", c->path);
        return -1;
    }

    if (c->db_password_file == NULL) {
        snprintf(err, errlen, "%s: \"db_password_file\" is required",
                 c->path);
        return -1;
    }

    if (c->backoff_max < c->backoff_base) {
        snprintf(err, errlen, "%s: \"backoff_max\" must not be below "
                 "\"backoff_base\"", c->path);
        return -1;
    }

    /*
     * A claim is renewed every lease / 3 while the worker lives; it must
     * outlast the longest stretch without a renewal (a token fetch and a
     * send back to back).
     */
    if (c->lease < 2 * (c->http_timeout + c->connect_timeout) + 10) {
        snprintf(err, errlen, "%s: \"lease\" must be at least "
                 "2 * (http_timeout + connect_timeout) + 10 = %d",
                 c->path, 2 * (c->http_timeout + c->connect_timeout) + 10);
        return -1;
    }

    if (c->metrics_listen != NULL) {
        struct sockaddr_storage  sa;
        unsigned                 len;

        if (lw_conf_listen_addr(c->metrics_listen, &sa, &len) != 0) {
            snprintf(err, errlen, "%s: \"metrics_listen\" must be "
                     "ADDRESS:PORT (e.g. 127.0.0.1:9466)", c->path);
            return -1;
        }
    }

    if ((c->wx_appid == NULL) != (c->wx_secret_file == NULL)) {
        snprintf(err, errlen, "%s: \"wx_appid\" and \"wx_secret_file\" "
                 "go together", c->path);
        return -1;
    }

    if ((c->wecom_corpid == NULL) != (c->wecom_secret_file == NULL)
        || (c->wecom_corpid != NULL && c->wecom_agentid == 0))
    {
        snprintf(err, errlen, "%s: \"wecom_corpid\", \"wecom_secret_file\" "
                 "and \"wecom_agentid\" go together", c->path);
        return -1;
    }

    if (c->sms_url != NULL
        && strncmp(c->sms_url, "http://", 7) != 0
        && strncmp(c->sms_url, "https://", 8) != 0)
    {
        snprintf(err, errlen, "%s: \"sms_url\" must be an http(s) URL",
                 c->path);
        return -1;
    }

    if (strcmp(c->sms_method, "POST") != 0
        && strcmp(c->sms_method, "GET") != 0)
    {
        snprintf(err, errlen, "%s: \"sms_method\" must be POST or GET",
                 c->path);
        return -1;
    }

    if (strcmp(c->sms_encoding, "json") != 0
        && strcmp(c->sms_encoding, "form") != 0)
    {
        snprintf(err, errlen, "%s: \"sms_encoding\" must be json or form",
                 c->path);
        return -1;
    }

    if (strcmp(c->wx_miniprogram_state, "formal") != 0
        && strcmp(c->wx_miniprogram_state, "trial") != 0
        && strcmp(c->wx_miniprogram_state, "developer") != 0)
    {
        snprintf(err, errlen, "%s: \"wx_miniprogram_state\" must be "
                 "formal, trial or developer", c->path);
        return -1;
    }

    if (lsn_ladder_conf_valid(&c->ladder_conf) != 0) {
        snprintf(err, errlen, "%s: the ladder settings are inconsistent",
                 c->path);
        return -1;
    }

    if (c->worker_id == NULL) {
        if (gethostname(host, sizeof(host)) != 0) {
            strcpy(host, "localhost");
        }

        host[sizeof(host) - 1] = '\0';
        host[40] = '\0';

        c->worker_id = malloc(64);
        if (c->worker_id == NULL) {
            return -1;
        }

        snprintf(c->worker_id, 64, "%s:%ld", host, (long) getpid());
    }

    /* one complaint is not "repeated" */
    if (c->supervision_complaints == 1) {
        snprintf(err, errlen, "%s: \"supervision_complaints\" must be 0 "
                 "(off) or from 2 to 100", c->path);
        return -1;
    }

    if (strlen(c->worker_id) > 64) {
        snprintf(err, errlen, "%s: \"worker_id\" is longer than 64 bytes",
                 c->path);
        return -1;
    }

    /* secrets */
    c->db_password = lw_secret_file("db_password_file", c->db_password_file,
                                    err, errlen);
    if (c->db_password == NULL) {
        return -1;
    }

    if (c->wx_secret_file != NULL) {
        c->wx_secret = lw_secret_file("wx_secret_file", c->wx_secret_file,
                                      err, errlen);
        if (c->wx_secret == NULL) {
            return -1;
        }
    }

    if (c->wecom_secret_file != NULL) {
        c->wecom_secret = lw_secret_file("wecom_secret_file",
                                         c->wecom_secret_file, err, errlen);
        if (c->wecom_secret == NULL) {
            return -1;
        }
    }

    if (c->sms_secret_file != NULL) {
        c->sms_secret = lw_secret_file("sms_secret_file", c->sms_secret_file,
                                       err, errlen);
        if (c->sms_secret == NULL) {
            return -1;
        }
    }

    return 0;
}


lw_conf_t *
lw_conf_load(const char *path, char *err, size_t errlen)
{
    int                   lineno;
    char                  line[LW_LINE_MAX], where[512], *p, *eq, *key, *v;
    char                 *end;
    FILE                 *f;
    size_t                i, nkeys;
    lw_conf_t            *c;
    unsigned char        *seen;
    const lw_conf_key_t  *k;

    err[0] = '\0';

    c = calloc(1, sizeof(lw_conf_t));
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    lw_conf_defaults(c);
    c->path = strdup(path);

    for (nkeys = 0; lw_conf_keys[nkeys].name != NULL; nkeys++) {
        /* count */
    }

    seen = calloc(nkeys, 1);

    f = fopen(path, "r");
    if (f == NULL || c->path == NULL || seen == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        goto failed;
    }

    lineno = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        snprintf(where, sizeof(where), "%s:%d", path, lineno);

        if (strchr(line, '\n') == NULL && !feof(f)) {
            snprintf(err, errlen, "%s: line too long", where);
            goto failed;
        }

        p = line;
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        end = p + strlen(p);
        while (end > p && (end[-1] == '\n' || end[-1] == '\r'
                           || end[-1] == ' ' || end[-1] == '\t'))
        {
            *--end = '\0';
        }

        if (*p == '\0' || *p == '#') {
            continue;
        }

        eq = strchr(p, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s: expected \"key = value\"", where);
            goto failed;
        }

        key = p;
        v = eq + 1;
        *eq = '\0';

        while (eq > key && (eq[-1] == ' ' || eq[-1] == '\t')) {
            *--eq = '\0';
        }

        while (*v == ' ' || *v == '\t') {
            v++;
        }

        for (i = 0; i < nkeys; i++) {
            if (strcmp(lw_conf_keys[i].name, key) == 0) {
                break;
            }
        }

        if (i == nkeys) {
            snprintf(err, errlen, "%s: unknown key \"%s\"", where, key);
            goto failed;
        }

        k = &lw_conf_keys[i];

        if (seen[i]++) {
            snprintf(err, errlen, "%s: \"%s\" is set twice", where, key);
            goto failed;
        }

        if (*v == '\0') {
            snprintf(err, errlen, "%s: \"%s\" has no value", where, key);
            goto failed;
        }

        if (lw_conf_set(c, k, v, where, err, errlen) != 0) {
            if (err[0] == '\0') {
                snprintf(err, errlen, "%s: out of memory", where);
            }

            goto failed;
        }
    }

    fclose(f);
    f = NULL;
    free(seen);
    seen = NULL;

    if (lw_set_default_str(&c->db_name, "liaison") != 0
        || lw_set_default_str(&c->wx_api_base, "https://api.weixin.qq.com")
           != 0
        || lw_set_default_str(&c->wx_miniprogram_state, "formal") != 0
        || lw_set_default_str(&c->wx_lang, "zh_CN") != 0
        || lw_set_default_str(&c->wecom_api_base,
                              "https://qyapi.weixin.qq.com") != 0
        || lw_set_default_str(&c->sms_method, "POST") != 0
        || lw_set_default_str(&c->sms_content_type, "application/json") != 0
        || lw_set_default_str(&c->sms_encoding, "json") != 0
        || lw_set_default_str(&c->sms_body,
               "{\"account\":\"${account}\",\"password\":\"${secret}\","
               "\"mobile\":\"${phone}\",\"content\":\"${text}\"}") != 0
        || lw_set_default_str(&c->sms_ok, "\"code\":0") != 0
        || lw_set_default_str(&c->sms_sign, "") != 0
        || lw_set_default_str(&c->sms_account, "") != 0
        || lw_set_default_str(&c->alert_roles, "sys_admin") != 0
        || lw_set_default_str(&c->court_name, "人民法院") != 0
        || lw_set_default_str(&c->court_short, c->court_name) != 0
        || lw_set_default_str(&c->court_unit, "诉讼服务中心") != 0
        || lw_set_default_str(&c->bulletin_number,
                              "{short}诉服通〔{year}〕{month}号") != 0)
    {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    if (lw_conf_check(c, err, errlen) != 0) {
        goto failed;
    }

    return c;

failed:

    if (f != NULL) {
        fclose(f);
    }

    free(seen);
    lw_conf_free(c);

    return NULL;
}


static void
lw_wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}


void
lw_conf_free(lw_conf_t *c)
{
    size_t  i;

    if (c == NULL) {
        return;
    }

    for (i = 0; lw_conf_keys[i].name != NULL; i++) {
        if (lw_conf_keys[i].type == LW_T_STR) {
            free(*(char **) ((char *) c + lw_conf_keys[i].offset));
        }
    }

    lw_wipe_free(c->db_password);
    lw_wipe_free(c->wx_secret);
    lw_wipe_free(c->wecom_secret);
    lw_wipe_free(c->sms_secret);
    free(c->path);
    free(c);
}


int
lw_conf_channel_ready(const lw_conf_t *c, int channel)
{
    switch (channel) {
    case LSN_CH_WX_SUBSCRIBE:
    case LSN_CH_WX_TEMPLATE:
    case LSN_CH_WX_SEC_CHECK:
    case LSN_CH_WX_CUSTOM:
        return c->wx_appid != NULL && c->wx_secret != NULL;
    case LSN_CH_SMS:
        return c->sms_url != NULL;
    case LSN_CH_WECOM:
        return c->wecom_corpid != NULL && c->wecom_secret != NULL;
    default:
        return 0;
    }
}


/*
 * metrics_listen: "ADDRESS:PORT" (an IPv4 address, or [IPv6]:PORT) or a
 * bare PORT on 127.0.0.1; into sa (a struct sockaddr_storage).
 */

int
lw_conf_listen_addr(const char *spec, void *sa, unsigned *salen)
{
    int               rc;
    char              host[64];
    const char       *port, *colon;
    struct addrinfo   hints, *res;

    colon = strrchr(spec, ':');

    if (colon == NULL) {
        snprintf(host, sizeof(host), "127.0.0.1");
        port = spec;

    } else if (spec[0] == '[' && colon > spec && colon[-1] == ']') {
        snprintf(host, sizeof(host), "%.*s", (int) (colon - spec - 2),
                 spec + 1);
        port = colon + 1;

    } else {
        snprintf(host, sizeof(host), "%.*s", (int) (colon - spec), spec);
        port = colon + 1;
    }

    if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port)
        || atoi(port) < 1 || atoi(port) > 65535)
    {
        return -1;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;

    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        return -1;
    }

    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *salen = (unsigned) res->ai_addrlen;
    freeaddrinfo(res);

    return 0;
}
