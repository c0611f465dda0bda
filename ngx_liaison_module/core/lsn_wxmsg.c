/*
 * Liaison: subscribe-message values fitted to their type (lsn_wxmsg.h).
 */


#include <stdio.h>
#include <string.h>

#include "lsn_wxmsg.h"


typedef struct {
    const char     *prefix;
    size_t          len;
    lsn_wx_type_e   type;
} lsn_wx_prefix_t;


typedef int (*lsn_wx_keep_pt)(const unsigned char *c, size_t n, void *st);


static size_t lsn_wx_char(const unsigned char *p, size_t left);
static size_t lsn_wx_cut(const unsigned char *s, size_t len, size_t max,
    int ellipsis, char *dst);
static size_t lsn_wx_filter(const unsigned char *s, size_t len, size_t max,
    lsn_wx_keep_pt keep, void *st, char *dst);
static int lsn_wx_keep_number(const unsigned char *c, size_t n, void *st);
static int lsn_wx_keep_letter(const unsigned char *c, size_t n, void *st);
static int lsn_wx_keep_ascii(const unsigned char *c, size_t n, void *st);
static int lsn_wx_keep_phone(const unsigned char *c, size_t n, void *st);
static int lsn_wx_keep_amount(const unsigned char *c, size_t n, void *st);
static int lsn_wx_digits(const unsigned char *s, size_t n);
static int lsn_wx_ymd(const unsigned char *s, size_t len, int *y, int *m,
    int *d);
static size_t lsn_wx_time(const unsigned char *s, size_t len, int with_time,
    char *dst);
static size_t lsn_wx_amount(const unsigned char *s, size_t len, char *dst);
static size_t lsn_wx_empty(lsn_wx_type_e type, char *dst);
static size_t lsn_wx_strip_dot(char *dst, size_t n);


static const lsn_wx_prefix_t  lsn_wx_prefixes[] = {
    { "thing", 5, LSN_WX_THING },
    { "number", 6, LSN_WX_NUMBER },
    { "letter", 6, LSN_WX_LETTER },
    { "symbol", 6, LSN_WX_SYMBOL },
    { "character_string", 16, LSN_WX_CHARACTER_STRING },
    { "time", 4, LSN_WX_TIME },
    { "date", 4, LSN_WX_DATE },
    { "amount", 6, LSN_WX_AMOUNT },
    { "phone_number", 12, LSN_WX_PHONE_NUMBER },
    { "name", 4, LSN_WX_NAME },
    { "phrase", 6, LSN_WX_PHRASE },
    { NULL, 0, LSN_WX_UNKNOWN }
};


lsn_wx_type_e
lsn_wxmsg_type(const char *key, size_t len)
{
    size_t                  n;
    const lsn_wx_prefix_t  *p;

    n = len;

    while (n > 0 && key[n - 1] >= '0' && key[n - 1] <= '9') {
        n--;
    }

    for (p = lsn_wx_prefixes; p->prefix != NULL; p++) {
        if (p->len == n && memcmp(p->prefix, key, n) == 0) {
            return p->type;
        }
    }

    return LSN_WX_UNKNOWN;
}


/* Length of the valid UTF-8 character at p, or 0 when invalid. */

static size_t
lsn_wx_char(const unsigned char *p, size_t left)
{
    size_t        n, i;
    unsigned int  c, min;

    if (left == 0 || p[0] == 0) {
        return 0;
    }

    if (p[0] < 0x80) {
        return 1;
    }

    if ((p[0] & 0xe0) == 0xc0) {
        n = 2;
        c = p[0] & 0x1f;
        min = 0x80;

    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3;
        c = p[0] & 0x0f;
        min = 0x800;

    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4;
        c = p[0] & 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if (left < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        c = (c << 6) | (p[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }

    return n;
}


/*
 * At most max characters; with ellipsis, a longer value keeps max - 1 of
 * them and U+2026.  Invalid bytes are dropped.
 */

static size_t
lsn_wx_cut(const unsigned char *s, size_t len, size_t max, int ellipsis,
    char *dst)
{
    size_t   i, n, count, out, mark;

    count = 0;
    out = 0;
    mark = 0;

    for (i = 0; i < len; i += n ? n : 1) {
        n = lsn_wx_char(s + i, len - i);
        if (n == 0) {
            continue;
        }

        if (count == max) {
            if (ellipsis && max > 0) {
                out = mark;
                memcpy(dst + out, "\xe2\x80\xa6", 3);
                out += 3;
            }

            break;
        }

        if (count == max - 1) {
            mark = out;
        }

        memcpy(dst + out, s + i, n);
        out += n;
        count++;
    }

    dst[out] = '\0';

    return out;
}


static size_t
lsn_wx_filter(const unsigned char *s, size_t len, size_t max,
    lsn_wx_keep_pt keep, void *st, char *dst)
{
    size_t  i, n, count, out;

    count = 0;
    out = 0;

    for (i = 0; i < len && count < max; i += n ? n : 1) {
        n = lsn_wx_char(s + i, len - i);
        if (n == 0 || !keep(s + i, n, st)) {
            continue;
        }

        memcpy(dst + out, s + i, n);
        out += n;
        count++;
    }

    dst[out] = '\0';

    return out;
}


/* digits and a single '.' (st: int, dot seen) */

static int
lsn_wx_keep_number(const unsigned char *c, size_t n, void *st)
{
    int  *dot;

    dot = st;

    if (n != 1) {
        return 0;
    }

    if (c[0] == '.') {
        if (*dot) {
            return 0;
        }

        *dot = 1;
        return 1;
    }

    return c[0] >= '0' && c[0] <= '9';
}


static int
lsn_wx_keep_letter(const unsigned char *c, size_t n, void *st)
{
    (void) st;

    return n == 1 && ((c[0] >= 'a' && c[0] <= 'z')
                      || (c[0] >= 'A' && c[0] <= 'Z'));
}


static int
lsn_wx_keep_ascii(const unsigned char *c, size_t n, void *st)
{
    (void) st;

    return n == 1 && c[0] > 0x20 && c[0] < 0x7f;
}


static int
lsn_wx_keep_phone(const unsigned char *c, size_t n, void *st)
{
    (void) st;

    return n == 1 && ((c[0] >= '0' && c[0] <= '9') || c[0] == '+'
                      || c[0] == '-' || c[0] == ' ');
}


/* st: int[2] = { dot seen, digits kept } */

static int
lsn_wx_keep_amount(const unsigned char *c, size_t n, void *st)
{
    int  *s;

    s = st;

    if (n != 1) {
        return 0;
    }

    if (c[0] == '.') {
        if (s[0]) {
            return 0;
        }

        s[0] = 1;
        return 1;
    }

    if (c[0] < '0' || c[0] > '9' || s[1] == 10) {
        return 0;
    }

    s[1]++;

    return 1;
}


static int
lsn_wx_digits(const unsigned char *s, size_t n)
{
    int     v;
    size_t  i;

    v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        v = v * 10 + (s[i] - '0');
    }

    return v;
}


/* "YYYY-MM-DD" at the start of s. */

static int
lsn_wx_ymd(const unsigned char *s, size_t len, int *y, int *m, int *d)
{
    if (len < 10 || s[4] != '-' || s[7] != '-') {
        return -1;
    }

    *y = lsn_wx_digits(s, 4);
    *m = lsn_wx_digits(s + 5, 2);
    *d = lsn_wx_digits(s + 8, 2);

    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > 31) {
        return -1;
    }

    return 0;
}


static size_t
lsn_wx_time(const unsigned char *s, size_t len, int with_time, char *dst)
{
    int  y, m, d, hh, mm, n;

    if (with_time && len == 5 && s[2] == ':') {
        hh = lsn_wx_digits(s, 2);
        mm = lsn_wx_digits(s + 3, 2);

        if (hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59) {
            memcpy(dst, s, 5);
            dst[5] = '\0';
            return 5;
        }
    }

    if (lsn_wx_ymd(s, len, &y, &m, &d) != 0) {
        return lsn_wx_cut(s, len, 20, 0, dst);
    }

    if (!with_time) {
        n = snprintf(dst, LSN_WXMSG_MAX, "%d\xe5\xb9\xb4%d\xe6\x9c\x88"
                     "%d\xe6\x97\xa5", y, m, d);
        return (size_t) n;
    }

    hh = -1;
    mm = -1;

    if (len >= 16 && (s[10] == ' ' || s[10] == 'T' || s[10] == 't')
        && s[13] == ':')
    {
        hh = lsn_wx_digits(s + 11, 2);
        mm = lsn_wx_digits(s + 14, 2);
    }

    if (hh < 0 || hh > 23 || mm < 0 || mm > 59) {
        n = snprintf(dst, LSN_WXMSG_MAX, "%d\xe5\xb9\xb4%d\xe6\x9c\x88"
                     "%d\xe6\x97\xa5 00:00", y, m, d);

    } else {
        n = snprintf(dst, LSN_WXMSG_MAX, "%d\xe5\xb9\xb4%d\xe6\x9c\x88"
                     "%d\xe6\x97\xa5 %02d:%02d", y, m, d, hh, mm);
    }

    return (size_t) n;
}


static size_t
lsn_wx_amount(const unsigned char *s, size_t len, char *dst)
{
    int     st[2];
    size_t  n, out;

    out = 0;
    n = lsn_wx_char(s, len);

    /* one leading currency sign: anything but a digit or '.' */
    if (n > 0 && !(n == 1 && ((s[0] >= '0' && s[0] <= '9') || s[0] == '.'
                              || s[0] == ' ')))
    {
        memcpy(dst, s, n);
        out = n;
        s += n;
        len -= n;
    }

    st[0] = 0;
    st[1] = 0;

    n = lsn_wx_filter(s, len, 32, lsn_wx_keep_amount, st, dst + out);

    if (st[1] == 0) {
        /* no digit at all */
        dst[0] = '\0';
        return 0;
    }

    return out + n;
}


static size_t
lsn_wx_empty(lsn_wx_type_e type, char *dst)
{
    const char  *v;

    switch (type) {
    case LSN_WX_NUMBER:
    case LSN_WX_AMOUNT:
        v = "0";
        break;
    case LSN_WX_LETTER:
        v = "x";
        break;
    default:
        v = "-";
        break;
    }

    dst[0] = v[0];
    dst[1] = '\0';

    return 1;
}


/* "12." -> "12", "." -> "" */

static size_t
lsn_wx_strip_dot(char *dst, size_t n)
{
    if (n > 0 && dst[n - 1] == '.') {
        dst[--n] = '\0';
    }

    return n;
}


size_t
lsn_wxmsg_fit(const char *key, size_t klen, const char *val, size_t vlen,
    char *dst)
{
    int                   dot;
    size_t                n, i, c;
    lsn_wx_type_e         type;
    const unsigned char  *s;

    type = lsn_wxmsg_type(key, klen);
    s = (const unsigned char *) val;
    dot = 0;

    switch (type) {

    case LSN_WX_THING:
        n = lsn_wx_cut(s, vlen, 20, 1, dst);
        break;

    case LSN_WX_NUMBER:
        n = lsn_wx_filter(s, vlen, 32, lsn_wx_keep_number, &dot, dst);
        n = lsn_wx_strip_dot(dst, n);
        break;

    case LSN_WX_LETTER:
        n = lsn_wx_filter(s, vlen, 32, lsn_wx_keep_letter, NULL, dst);
        break;

    case LSN_WX_SYMBOL:
        n = lsn_wx_cut(s, vlen, 5, 0, dst);
        break;

    case LSN_WX_CHARACTER_STRING:
        n = lsn_wx_filter(s, vlen, 32, lsn_wx_keep_ascii, NULL, dst);
        break;

    case LSN_WX_TIME:
        n = lsn_wx_time(s, vlen, 1, dst);
        break;

    case LSN_WX_DATE:
        n = lsn_wx_time(s, vlen, 0, dst);
        break;

    case LSN_WX_AMOUNT:
        n = lsn_wx_amount(s, vlen, dst);
        n = lsn_wx_strip_dot(dst, n);
        break;

    case LSN_WX_PHONE_NUMBER:
        n = lsn_wx_filter(s, vlen, 17, lsn_wx_keep_phone, NULL, dst);
        while (n > 0 && dst[n - 1] == ' ') {
            dst[--n] = '\0';
        }
        while (n > 0 && dst[0] == ' ') {
            memmove(dst, dst + 1, n--);
        }
        break;

    case LSN_WX_NAME:
        c = 20;
        for (i = 0; i < vlen; i++) {
            if (s[i] >= 0x80) {
                c = 10;
                break;
            }
        }
        n = lsn_wx_cut(s, vlen, c, 0, dst);
        break;

    case LSN_WX_PHRASE:
        n = lsn_wx_cut(s, vlen, 5, 0, dst);
        break;

    default:
        /* unknown: copied, cut to the buffer at a character boundary */
        n = 0;
        for (i = 0; i < vlen; i += c ? c : 1) {
            c = lsn_wx_char(s + i, vlen - i);
            if (c == 0) {
                continue;
            }

            if (n + c > LSN_WXMSG_MAX - 1) {
                break;
            }

            memcpy(dst + n, s + i, c);
            n += c;
        }
        dst[n] = '\0';
        return n;
    }

    if (n == 0) {
        n = lsn_wx_empty(type, dst);
    }

    return n;
}


size_t
lsn_wxmsg_error_field(const char *errmsg, size_t len, char *dst,
    size_t cap)
{
    size_t       n;
    const char  *p, *end;

    dst[0] = '\0';

    if (errmsg == NULL || cap == 0) {
        return 0;
    }

    end = errmsg + len;

    for (p = errmsg; p + 5 <= end; p++) {
        if (memcmp(p, "data.", 5) != 0) {
            continue;
        }

        p += 5;
        n = 0;

        while (p + n < end && n < cap - 1
               && ((p[n] >= 'a' && p[n] <= 'z')
                   || (p[n] >= 'A' && p[n] <= 'Z')
                   || (p[n] >= '0' && p[n] <= '9') || p[n] == '_'))
        {
            n++;
        }

        memcpy(dst, p, n);
        dst[n] = '\0';

        return n;
    }

    return 0;
}
