/*
 * Liaison: masking what a logged URL must not show (query codes, phones,
 * ID numbers).  Used by the module on the request line nginx writes into
 * its error log lines (ngx_http_liaison_logmask.c).
 */


#include "lsn_mask.h"


#define LSN_MASK_MOBILE      11
#define LSN_MASK_MOBILE_86   13
#define LSN_MASK_ID          18
#define LSN_MASK_KEEP_TAIL   4


static size_t lsn_mask_codes(unsigned char *s, size_t len);
static size_t lsn_mask_numbers(unsigned char *s, size_t len);
static unsigned char lsn_mask_byte(const unsigned char *p,
    const unsigned char *end, size_t *w);
static size_t lsn_mask_span(unsigned char *s, size_t *at, size_t *width,
    int *digit, size_t units);
static int lsn_mask_hex(unsigned char c);
static int lsn_mask_escape(const unsigned char *p, const unsigned char *end);


size_t
lsn_mask_query(unsigned char *s, size_t len)
{
    size_t  n, end;

    if (s == NULL) {
        return 0;
    }

    for (end = 0; end < len && s[end] != ' '; end++) {
        /* the query string ends at the request line's " HTTP/1.1" */
    }

    n = lsn_mask_codes(s, end);

    return n + lsn_mask_numbers(s, end);
}


/*
 * Each argument: its name decoded as it goes (the last 4 bytes kept);
 * at an '=' (or "%3D") after a name ending in "code" the rest of the
 * argument is starred.  A "%3D" after another name is part of the name.
 */

static size_t
lsn_mask_codes(unsigned char *s, size_t len)
{
    size_t          i, n, w, sep;
    unsigned char   c, tail[4];

    n = 0;
    i = 0;

    while (i < len) {

        tail[0] = tail[1] = tail[2] = tail[3] = 0;

        while (i < len && s[i] != '&') {

            sep = 0;

            if (s[i] == '=') {
                sep = 1;

            } else if (s[i] == '%' && i + 2 < len && s[i + 1] == '3'
                       && (s[i + 2] == 'D' || s[i + 2] == 'd'))
            {
                sep = 3;
            }

            if (sep
                && tail[0] == 'c' && tail[1] == 'o' && tail[2] == 'd'
                && tail[3] == 'e')
            {
                for (i += sep; i < len && s[i] != '&'; i++) {
                    if (s[i] != '*') {
                        s[i] = '*';
                        n++;
                    }
                }

                break;
            }

            if (sep == 1) {
                /* another argument's value: skip it */
                while (i < len && s[i] != '&') {
                    i++;
                }

                break;
            }

            c = lsn_mask_byte(s + i, s + len, &w);
            i += w;

            if (c >= 'A' && c <= 'Z') {
                c = (unsigned char) (c - 'A' + 'a');
            }

            tail[0] = tail[1];
            tail[1] = tail[2];
            tail[2] = tail[3];
            tail[3] = c;
        }

        i++;    /* the '&' */
    }

    return n;
}


/*
 * The byte at p, percent-decoded ("%31" is '1'); its width in *w (0 at
 * the end).
 */

static unsigned char
lsn_mask_byte(const unsigned char *p, const unsigned char *end, size_t *w)
{
    if (lsn_mask_escape(p, end)) {
        *w = 3;
        return (unsigned char) (lsn_mask_hex(p[1]) << 4 | lsn_mask_hex(p[2]));
    }

    *w = (p < end);

    return *w ? *p : 0;
}


/*
 * Runs of digits that are a mobile or an ID number, anywhere; a digit may
 * be percent-encoded (a client may encode any byte), and is then masked
 * as "%2A", an encoded '*'.
 */

static size_t
lsn_mask_numbers(unsigned char *s, size_t len)
{
    int             digit[LSN_MASK_ID];
    size_t          i, j, w, n, units, at[LSN_MASK_ID], width[LSN_MASK_ID];
    unsigned char   c, *end;

    end = s + len;
    n = 0;
    i = 0;

    while (i < len) {

        c = lsn_mask_byte(s + i, end, &w);

        if (c < '0' || c > '9') {
            i += w;
            continue;
        }

        units = 0;

        for (j = i; j < len; j += w) {
            c = lsn_mask_byte(s + j, end, &w);

            if (c < '0' || c > '9') {
                /* 17 digits and an X: an ID number */
                if (units == LSN_MASK_ID - 1 && (c | 0x20) == 'x') {
                    at[units] = j;
                    width[units] = w;
                    digit[units++] = 10;
                    j += w;
                }

                break;
            }

            if (units < LSN_MASK_ID) {
                at[units] = j;
                width[units] = w;
                digit[units] = c - '0';
            }

            units++;
        }

        if (units <= LSN_MASK_ID) {
            n += lsn_mask_span(s, at, width, digit, units);
        }

        i = j;
    }

    return n;
}


static size_t
lsn_mask_span(unsigned char *s, size_t *at, size_t *width, int *digit,
    size_t units)
{
    size_t  from, to, k, n;

    if (units == LSN_MASK_MOBILE && digit[0] == 1 && digit[1] >= 3) {
        from = 3;

    } else if (units == LSN_MASK_MOBILE_86 && digit[0] == 8 && digit[1] == 6
               && digit[2] == 1 && digit[3] >= 3)
    {
        from = 5;

    } else if (units == LSN_MASK_ID) {
        from = 0;

    } else {
        return 0;
    }

    to = units - LSN_MASK_KEEP_TAIL;
    n = 0;

    for (k = from; k < to; k++) {
        if (width[k] == 1) {
            s[at[k]] = '*';
            n++;

        } else {
            s[at[k] + 1] = '2';
            s[at[k] + 2] = 'A';
            n += 2;
        }
    }

    return n;
}


static int
lsn_mask_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* "%XX" at p */

static int
lsn_mask_escape(const unsigned char *p, const unsigned char *end)
{
    return end - p >= 3 && p[0] == '%' && lsn_mask_hex(p[1]) >= 0
           && lsn_mask_hex(p[2]) >= 0;
}
