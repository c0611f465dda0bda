/*
 * liaison-worker: logging to stderr (the journal under systemd).
 *
 * One line per message: "2026-11-27T09:30:00+08:00 [level] text".  Never
 * pass a secret, a token or a full phone number to lw_log(): mask phones
 * with lw_mask_phone().
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lw.h"
#include "lsn_text.h"


static int  lw_log_level = LW_LOG_INFO;

static const char  *lw_log_names[] = { "error", "warn", "info", "debug" };


void
lw_log_init(int level)
{
    lw_log_level = level;
}


void
lw_log(int level, const char *fmt, ...)
{
    char     ts[32], line[2048];
    size_t   i, n;
    va_list  args;

    if (level > lw_log_level) {
        return;
    }

    /* wall-clock time of the log line, independent of --now */
    lsn_format_rfc3339(time(NULL), ts);

    va_start(args, fmt);
    vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);

    /* one line per message: no control characters from data */
    n = strlen(line);
    for (i = 0; i < n; i++) {
        if ((unsigned char) line[i] < 0x20) {
            line[i] = ' ';
        }
    }

    fprintf(stderr, "%s [%s] %s\n", ts, lw_log_names[level], line);
    fflush(stderr);
}


const char *
lw_mask_phone(const char *phone, char *buf, size_t cap)
{
    size_t  len;

    if (phone == NULL) {
        return "-";
    }

    len = strlen(phone);

    if (len + 1 > cap) {
        return "***";
    }

    lsn_phone_mask(phone, len, buf);

    return buf;
}
