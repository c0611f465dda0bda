/*
 * Liaison: text validation and escaping (UTF-8, fields, JSON strings).
 */


#include <string.h>

#include "lsn_text.h"


#define LSN_IDEMPOTENCY_KEY_MAX  128


static long lsn_utf8_decode(const unsigned char *p, const unsigned char *end,
    uint32_t *cp);
static size_t lsn_space_at(const unsigned char *p, const unsigned char *end);
static size_t lsn_space_before(const unsigned char *start,
    const unsigned char *end);
static int lsn_digits(const char *s, size_t len);
static size_t lsn_landline_area(const char *s, size_t len);
static size_t lsn_json_run(unsigned char *dst, const unsigned char *s,
    size_t len);


static const char  lsn_hex_digits[] = "0123456789abcdef";


/*
 * One strictly valid UTF-8 sequence at p: returns its length and the code
 * point, or -1 (overlong, surrogate, > U+10FFFF, truncated, stray byte).
 */

static long
lsn_utf8_decode(const unsigned char *p, const unsigned char *end,
    uint32_t *cp)
{
    long           n, i;
    uint32_t       c;
    unsigned char  lo, hi;

    c = p[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }

    /* the allowed range of the second byte excludes overlongs etc. */
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        c &= 0x1f;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
        c &= 0x0f;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
        c &= 0x07;

    } else {
        return -1;
    }

    if (end - p < n || p[1] < lo || p[1] > hi) {
        return -1;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return -1;
        }

        c = (c << 6) | (p[i] & 0x3f);
    }

    *cp = c;

    return n;
}


long
lsn_utf8_count(const unsigned char *s, size_t len)
{
    long                  n, count;
    uint32_t              cp;
    const unsigned char  *p, *end;

    if (s == NULL) {
        return len == 0 ? 0 : -1;
    }

    count = 0;
    p = s;
    end = s + len;

    while (p < end) {
        n = lsn_utf8_decode(p, end, &cp);
        if (n < 0 || cp == 0) {
            return -1;
        }

        p += n;
        count++;
    }

    return count;
}


static size_t
lsn_space_at(const unsigned char *p, const unsigned char *end)
{
    if (p == end) {
        return 0;
    }

    if (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
        return 1;
    }

    /* U+3000 IDEOGRAPHIC SPACE, common in Chinese input */
    if (end - p >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) {
        return 3;
    }

    return 0;
}


static size_t
lsn_space_before(const unsigned char *start, const unsigned char *end)
{
    if (end == start) {
        return 0;
    }

    if (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')) {
        return 1;
    }

    if (end - start >= 3
        && end[-3] == 0xe3 && end[-2] == 0x80 && end[-1] == 0x80)
    {
        return 3;
    }

    return 0;
}


int
lsn_text_valid(const unsigned char *s, size_t len, long min, long max)
{
    long                  n, count;
    size_t                sp;
    uint32_t              cp;
    const unsigned char  *p, *end;

    if (s == NULL) {
        return (len == 0 && min <= 0) ? 0 : -1;
    }

    p = s;
    end = s + len;

    while ((sp = lsn_space_at(p, end)) > 0) {
        p += sp;
    }

    while ((sp = lsn_space_before(p, end)) > 0) {
        end -= sp;
    }

    count = 0;

    while (p < end) {
        n = lsn_utf8_decode(p, end, &cp);
        if (n < 0) {
            return -1;
        }

        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
            || (cp >= 0x7f && cp <= 0x9f))
        {
            return -1;
        }

        p += n;
        count++;
    }

    return (count >= min && count <= max) ? 0 : -1;
}


static int
lsn_digits(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }

    return 1;
}


int
lsn_mobile_valid(const char *s, size_t len)
{
    return len == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9'
           && lsn_digits(s, len);
}


/* The length of the area code of a valid landline, or 0. */

static size_t
lsn_landline_area(const char *s, size_t len)
{
    size_t  area;

    if (len < 3 || s[0] != '0' || s[1] < '1' || s[1] > '9') {
        return 0;
    }

    for (area = 3; area <= 4; area++) {
        if (area < len && s[area] == '-'
            && lsn_digits(s, area)
            && len - area - 1 >= 7 && len - area - 1 <= 8
            && lsn_digits(s + area + 1, len - area - 1))
        {
            return area;
        }
    }

    return 0;
}


int
lsn_phone_valid(const char *s, size_t len)
{
    if (s == NULL) {
        return 0;
    }

    return lsn_mobile_valid(s, len) || lsn_landline_area(s, len) > 0;
}


size_t
lsn_phone_mask(const char *s, size_t len, char *dst)
{
    size_t          i, keep_head, area;
    unsigned char   c;

    if (s == NULL) {
        dst[0] = '\0';
        return 0;
    }

    keep_head = 0;

    if (lsn_mobile_valid(s, len)) {
        keep_head = 3;

    } else if ((area = lsn_landline_area(s, len)) > 0) {
        keep_head = area + 1;

    } else if (len >= 8) {
        keep_head = 3;

        /* cutting a UTF-8 sequence would leave invalid text */
        for (i = 0; i < len; i++) {
            c = (unsigned char) s[i];

            if (c < 0x20 || c > 0x7e) {
                keep_head = 0;
                break;
            }
        }
    }

    for (i = 0; i < len; i++) {
        dst[i] = (keep_head > 0 && (i < keep_head || i >= len - 4))
                 ? s[i] : '*';
    }

    dst[len] = '\0';

    return len;
}


size_t
lsn_name_mask(const char *s, size_t len, char *dst)
{
    long      n, chars, stars;
    size_t    out;
    uint32_t  cp;

    dst[0] = '\0';
    chars = lsn_utf8_count((const unsigned char *) s, len);

    if (chars <= 0) {
        return 0;
    }

    n = lsn_utf8_decode((const unsigned char *) s,
                        (const unsigned char *) s + len, &cp);

    memcpy(dst, s, (size_t) n);
    out = (size_t) n;

    for (stars = chars - 1 > 3 ? 3 : chars - 1; stars > 0; stars--) {
        dst[out++] = '*';
    }

    if (chars == 1) {
        dst[out++] = '*';
    }

    dst[out] = '\0';

    return out;
}


int
lsn_idempotency_key_valid(const char *s, size_t len)
{
    char    c;
    size_t  i;

    if (s == NULL || len == 0 || len > LSN_IDEMPOTENCY_KEY_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_' || c == '.' || c == ':' || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * One loop for both the length and the copy, so they cannot disagree:
 * with dst == NULL only the length is computed.
 */

static size_t
lsn_json_run(unsigned char *dst, const unsigned char *s, size_t len)
{
    char            esc[6];
    size_t          i, n, out;
    unsigned char   c;

    out = 0;

    for (i = 0; i < len; i++) {
        c = s[i];
        n = 0;

        switch (c) {
        case '"':
        case '\\':
            esc[0] = '\\';
            esc[1] = (char) c;
            n = 2;
            break;
        case '\n':
            esc[0] = '\\';
            esc[1] = 'n';
            n = 2;
            break;
        case '\r':
            esc[0] = '\\';
            esc[1] = 'r';
            n = 2;
            break;
        case '\t':
            esc[0] = '\\';
            esc[1] = 't';
            n = 2;
            break;
        case '\b':
            esc[0] = '\\';
            esc[1] = 'b';
            n = 2;
            break;
        case '\f':
            esc[0] = '\\';
            esc[1] = 'f';
            n = 2;
            break;
        default:
            if (c < 0x20) {
                memcpy(esc, "\\u00", 4);
                esc[4] = lsn_hex_digits[c >> 4];
                esc[5] = lsn_hex_digits[c & 0x0f];
                n = 6;

            } else if (c == 0xe2 && len - i >= 3 && s[i + 1] == 0x80
                       && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
            {
                /* U+2028, U+2029 */
                memcpy(esc, "\\u202", 5);
                esc[5] = s[i + 2] == 0xa8 ? '8' : '9';
                n = 6;
                i += 2;
            }
        }

        if (n == 0) {
            if (dst != NULL) {
                dst[out] = c;
            }

            out++;
            continue;
        }

        if (dst != NULL) {
            memcpy(dst + out, esc, n);
        }

        out += n;
    }

    return out;
}


static long
lsn_hex4(const unsigned char *p, const unsigned char *end)
{
    long  v;
    int   i, d;

    if (end - p < 4) {
        return -1;
    }

    v = 0;

    for (i = 0; i < 4; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            d = p[i] - '0';

        } else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f') {
            d = (p[i] | 0x20) - 'a' + 10;

        } else {
            return -1;
        }

        v = v * 16 + d;
    }

    return v;
}


int
lsn_json_escapes_valid(const unsigned char *s, size_t len)
{
    long                  cp, lo;
    const unsigned char  *p, *end;

    p = s;
    end = s + len;

    while (p < end) {
        if (*p != '\\') {
            p++;
            continue;
        }

        if (end - p < 2) {
            return 0;
        }

        if (p[1] != 'u') {
            p += 2;
            continue;
        }

        cp = lsn_hex4(p + 2, end);
        if (cp < 0) {
            return 0;
        }

        p += 6;

        if (cp >= 0xdc00 && cp <= 0xdfff) {
            return 0;
        }

        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u') {
                return 0;
            }

            lo = lsn_hex4(p + 2, end);
            if (lo < 0xdc00 || lo > 0xdfff) {
                return 0;
            }

            p += 6;
        }
    }

    return 1;
}


size_t
lsn_json_escaped_len(const unsigned char *s, size_t len)
{
    if (s == NULL) {
        return 0;
    }

    return lsn_json_run(NULL, s, len);
}


size_t
lsn_json_escape(unsigned char *dst, const unsigned char *s, size_t len)
{
    if (s == NULL) {
        return 0;
    }

    return lsn_json_run(dst, s, len);
}


int
lsn_name_index(const char **names, const char *s, size_t len)
{
    int  i;

    if (s == NULL) {
        return -1;
    }

    for (i = 0; names[i] != NULL; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            return i;
        }
    }

    return -1;
}


int
lsn_ct_compare(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t                i;
    unsigned char         diff;
    const unsigned char  *pa, *pb;

    if (alen != blen) {
        return 1;
    }

    pa = a;
    pb = b;
    diff = 0;

    /* no early exit: the time does not depend on where bytes differ */
    for (i = 0; i < alen; i++) {
        diff |= pa[i] ^ pb[i];
    }

    /* map any non-zero diff to 1 without a data-dependent branch */
    return (int) ((diff + 0xffu) >> 8);
}


void
lsn_hex(char *dst, const unsigned char *src, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        dst[2 * i] = lsn_hex_digits[src[i] >> 4];
        dst[2 * i + 1] = lsn_hex_digits[src[i] & 0x0f];
    }
}


size_t
lsn_utf8_prefix(const char *s, size_t len, size_t max, int *cut)
{
    size_t  i, count;

    count = 0;

    if (cut) {
        *cut = 0;
    }

    for (i = 0; i < len; ) {
        if (count == max) {
            if (cut) {
                *cut = 1;
            }

            return i;
        }

        i++;

        /* continuation bytes belong to the character */
        while (i < len && ((unsigned char) s[i] & 0xc0) == 0x80) {
            i++;
        }

        count++;
    }

    return len;
}


size_t
lsn_text_fold(const unsigned char *s, size_t len, unsigned char *dst)
{
    size_t          i;
    uint32_t        cp;
    unsigned char  *o;

    o = dst;
    i = 0;

    while (i < len) {

        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
            i++;
            continue;
        }

        if (s[i] >= 'A' && s[i] <= 'Z') {
            *o++ = (unsigned char) (s[i++] | 0x20);
            continue;
        }

        if (s[i] < 0x80 || i + 2 >= len || (s[i] & 0xf0) != 0xe0) {
            *o++ = s[i++];
            continue;
        }

        cp = ((uint32_t) (s[i] & 0x0f) << 12)
             | ((uint32_t) (s[i + 1] & 0x3f) << 6)
             | (uint32_t) (s[i + 2] & 0x3f);

        if (cp == 0x3000) {                         /* ideographic space */
            i += 3;
            continue;
        }

        if (cp >= 0xff01 && cp <= 0xff5e) {         /* full-width ASCII */
            cp -= 0xff01 - 0x21;
            *o++ = (unsigned char) ((cp >= 'A' && cp <= 'Z') ? cp | 0x20
                                                             : cp);
            i += 3;
            continue;
        }

        *o++ = s[i++];
        *o++ = s[i++];
        *o++ = s[i++];
    }

    *o = '\0';

    return o - dst;
}
