/*
 * liaison-worker: growing buffers and small text helpers.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw.h"
#include "lsn_sql.h"
#include "lsn_text.h"


static int lw_buf_reserve(lw_buf_t *b, size_t more);


void
lw_buf_init(lw_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}


void
lw_buf_free(lw_buf_t *b)
{
    free(b->data);
    lw_buf_init(b);
}


void
lw_buf_reset(lw_buf_t *b)
{
    b->len = 0;
    b->failed = 0;

    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}


/* room for more bytes and a NUL */

static int
lw_buf_reserve(lw_buf_t *b, size_t more)
{
    char    *p;
    size_t   cap;

    if (b->failed) {
        return -1;
    }

    if (b->len + more + 1 <= b->cap) {
        return 0;
    }

    cap = b->cap ? b->cap : 256;

    while (cap < b->len + more + 1) {
        cap *= 2;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }

    b->data = p;
    b->cap = cap;

    return 0;
}


int
lw_buf_add(lw_buf_t *b, const void *p, size_t len)
{
    if (lw_buf_reserve(b, len) != 0) {
        return -1;
    }

    if (len) {
        memcpy(b->data + b->len, p, len);
    }

    b->len += len;
    b->data[b->len] = '\0';

    return 0;
}


int
lw_buf_adds(lw_buf_t *b, const char *s)
{
    return lw_buf_add(b, s, strlen(s));
}


int
lw_buf_printf(lw_buf_t *b, const char *fmt, ...)
{
    int      n;
    va_list  args, copy;

    va_start(args, fmt);
    va_copy(copy, args);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);

    if (n < 0 || lw_buf_reserve(b, (size_t) n) != 0) {
        va_end(args);
        return -1;
    }

    vsnprintf(b->data + b->len, (size_t) n + 1, fmt, args);
    va_end(args);

    b->len += (size_t) n;

    return 0;
}


int
lw_buf_json_str(lw_buf_t *b, const char *s, size_t len)
{
    size_t  n;

    n = lsn_json_escaped_len((const unsigned char *) s, len);

    if (lw_buf_reserve(b, n + 2) != 0) {
        return -1;
    }

    b->data[b->len++] = '"';
    b->len += lsn_json_escape((unsigned char *) b->data + b->len,
                              (const unsigned char *) s, len);
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';

    return 0;
}


int
lw_buf_json_raw(lw_buf_t *b, const char *s, size_t len)
{
    size_t  n;

    n = lsn_json_escaped_len((const unsigned char *) s, len);

    if (lw_buf_reserve(b, n) != 0) {
        return -1;
    }

    b->len += lsn_json_escape((unsigned char *) b->data + b->len,
                              (const unsigned char *) s, len);
    b->data[b->len] = '\0';

    return 0;
}


int
lw_buf_sql(lw_buf_t *b, const char *fmt, ...)
{
    long     n;
    va_list  args, copy;

    va_start(args, fmt);
    va_copy(copy, args);
    n = lsn_sql_vformat(NULL, 0, fmt, copy);
    va_end(copy);

    if (n < 0 || lw_buf_reserve(b, (size_t) n) != 0) {
        va_end(args);
        b->failed = 1;
        return -1;
    }

    lsn_sql_vformat(b->data + b->len, (size_t) n, fmt, args);
    va_end(args);

    b->len += (size_t) n;
    b->data[b->len] = '\0';

    return 0;
}


int
lw_buf_urlenc(lw_buf_t *b, const char *s, size_t len)
{
    size_t          i;
    unsigned char   c;
    static const char  hex[] = "0123456789ABCDEF";

    if (lw_buf_reserve(b, len * 3) != 0) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            b->data[b->len++] = (char) c;
            continue;
        }

        b->data[b->len++] = '%';
        b->data[b->len++] = hex[c >> 4];
        b->data[b->len++] = hex[c & 0x0f];
    }

    b->data[b->len] = '\0';

    return 0;
}


size_t
lw_utf8_prefix(const char *s, size_t len, size_t max, int *cut)
{
    size_t  i, count;

    count = 0;
    *cut = 0;

    for (i = 0; i < len; ) {
        if (count == max) {
            *cut = 1;
            return i;
        }

        i++;

        /* skip continuation bytes */
        while (i < len && ((unsigned char) s[i] & 0xc0) == 0x80) {
            i++;
        }

        count++;
    }

    return len;
}


size_t
lw_utf8_cut_bytes(const char *s, size_t len, size_t max)
{
    if (len <= max) {
        return len;
    }

    /* back to the first byte of a character */
    while (max > 0 && ((unsigned char) s[max] & 0xc0) == 0x80) {
        max--;
    }

    return max;
}
