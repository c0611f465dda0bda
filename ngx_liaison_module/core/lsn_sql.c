/*
 * Liaison: the one SQL builder.
 *
 * Escaping follows mysql_real_escape_string() for utf8mb4: no byte of a
 * multi-byte UTF-8 sequence is below 0x80, so a byte-wise escape of the
 * ASCII specials is exact.
 */


#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lsn_calendar.h"
#include "lsn_sql.h"


typedef struct {
    char    *dst;
    size_t   cap;
    size_t   len;      /* bytes needed so far, may exceed cap */
} lsn_sql_out_t;


static void lsn_sql_put(lsn_sql_out_t *out, const char *s, size_t len);
static void lsn_sql_put_escaped(lsn_sql_out_t *out, const char *s,
    size_t len);
static void lsn_sql_put_u(lsn_sql_out_t *out, unsigned long long v,
    int negative);
static const char *lsn_sql_escape_char(unsigned char c);


static const char *
lsn_sql_escape_char(unsigned char c)
{
    switch (c) {
    case '\0':
        return "\\0";
    case '\'':
        return "\\'";
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case 0x1a:
        /* Ctrl-Z ends a file on Windows: mysql escapes it too */
        return "\\Z";
    default:
        return NULL;
    }
}


size_t
lsn_sql_escape(char *dst, const char *s, size_t len)
{
    char        *p;
    size_t       i;
    const char  *esc;

    p = dst;

    for (i = 0; i < len; i++) {
        esc = lsn_sql_escape_char((unsigned char) s[i]);

        if (esc == NULL) {
            *p++ = s[i];
            continue;
        }

        *p++ = esc[0];
        *p++ = esc[1];
    }

    return (size_t) (p - dst);
}


static void
lsn_sql_put(lsn_sql_out_t *out, const char *s, size_t len)
{
    size_t  n;

    if (out->len < out->cap) {
        n = out->cap - out->len;
        if (n > len) {
            n = len;
        }

        memcpy(out->dst + out->len, s, n);
    }

    out->len += len;
}


static void
lsn_sql_put_escaped(lsn_sql_out_t *out, const char *s, size_t len)
{
    size_t       i, start;
    const char  *esc;

    lsn_sql_put(out, "'", 1);

    start = 0;

    for (i = 0; i < len; i++) {
        esc = lsn_sql_escape_char((unsigned char) s[i]);
        if (esc == NULL) {
            continue;
        }

        lsn_sql_put(out, s + start, i - start);
        lsn_sql_put(out, esc, 2);
        start = i + 1;
    }

    lsn_sql_put(out, s + start, len - start);
    lsn_sql_put(out, "'", 1);
}


static void
lsn_sql_put_u(lsn_sql_out_t *out, unsigned long long v, int negative)
{
    char   buf[24], *p;

    p = buf + sizeof(buf);

    do {
        *--p = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);

    if (negative) {
        *--p = '-';
    }

    lsn_sql_put(out, p, (size_t) (buf + sizeof(buf) - p));
}


long
lsn_sql_vformat(char *dst, size_t cap, const char *fmt, va_list args)
{
    char                 buf[32];
    size_t               len;
    long long            i;
    const char          *p, *s;
    lsn_sql_out_t        out;
    unsigned long long   u;

    out.dst = dst;
    out.cap = dst == NULL ? 0 : cap;
    out.len = 0;

    for (p = fmt; *p != '\0'; p++) {

        if (*p != '$') {
            s = p;

            while (p[1] != '\0' && p[1] != '$') {
                p++;
            }

            lsn_sql_put(&out, s, (size_t) (p - s + 1));
            continue;
        }

        p++;

        switch (*p) {

        case 's':
            s = va_arg(args, const char *);
            len = va_arg(args, size_t);

            if (s == NULL) {
                lsn_sql_put(&out, "NULL", 4);

            } else {
                lsn_sql_put_escaped(&out, s, len);
            }

            break;

        case 'z':
            s = va_arg(args, const char *);

            if (s == NULL) {
                lsn_sql_put(&out, "NULL", 4);

            } else {
                lsn_sql_put_escaped(&out, s, strlen(s));
            }

            break;

        case 'i':
            i = va_arg(args, long long);

            /* the magnitude of LLONG_MIN does not fit a long long */
            if (i < 0) {
                lsn_sql_put_u(&out, 0 - (unsigned long long) i, 1);

            } else {
                lsn_sql_put_u(&out, (unsigned long long) i, 0);
            }

            break;

        case 'u':
            u = va_arg(args, unsigned long long);
            lsn_sql_put_u(&out, u, 0);
            break;

        case 't':
            buf[0] = '\'';
            len = lsn_format_datetime(va_arg(args, time_t), buf + 1);
            buf[len + 1] = '\'';
            lsn_sql_put(&out, buf, len + 2);
            break;

        case '$':
            lsn_sql_put(&out, "$", 1);
            break;

        default:
            /* also a lone '$' at the end of fmt */
            return -1;
        }
    }

    return (long) out.len;
}


long
lsn_sql_format(char *dst, size_t cap, const char *fmt, ...)
{
    long     n;
    va_list  args;

    va_start(args, fmt);
    n = lsn_sql_vformat(dst, cap, fmt, args);
    va_end(args);

    return n;
}
