/*
 * Liaison: ticket rules of A4, ticket numbers and query codes.
 */


#include <string.h>

#include "lsn_calendar.h"
#include "lsn_text.h"
#include "lsn_ticket.h"


#define LSN_TICKET_NO_MIN   13
#define LSN_TICKET_NO_MAX   24
#define LSN_SEQ_MIN_DIGITS  6
#define LSN_QUERY_BASE      31


static int lsn_luhn_digit(const char *s, size_t len);
static int lsn_query_value(char c);


const char  *lsn_channels[] = {
    "wechat", "web", "kiosk", "hall", "hotline", NULL
};

const char  *lsn_categories[] = {
    "case_query", "consultation", "document", "material", "suggestion",
    "contact_judge", "complaint", "other", "president_mailbox", "petition",
    "report", NULL
};

/* indexes into the lists above */
#define LSN_CHANNEL_HALL      3
#define LSN_CHANNEL_HOTLINE   4
#define LSN_CATEGORY_SIMPLE   5    /* the first five are the simple track */
#define LSN_CATEGORY_ROUTED   8    /* from here on: straight to an office */


static const char  *lsn_category_routes[] = {
    "president_office", "filing", "discipline"
};

static const char  lsn_query_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";


int
lsn_channel_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_channels, s, len);
}


int
lsn_category_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_categories, s, len);
}


int
lsn_channel_needs_staff(int channel)
{
    return channel == LSN_CHANNEL_HALL || channel == LSN_CHANNEL_HOTLINE;
}


lsn_track_e
lsn_track_for_category(int category)
{
    if (category >= 0 && category < LSN_CATEGORY_SIMPLE) {
        return LSN_TRACK_SIMPLE;
    }

    return LSN_TRACK_ORDINARY;
}


const char *
lsn_category_route(int category)
{
    if (category < LSN_CATEGORY_ROUTED
        || category >= LSN_CATEGORY_ROUTED
                       + (int) (sizeof(lsn_category_routes)
                                / sizeof(lsn_category_routes[0])))
    {
        return NULL;
    }

    return lsn_category_routes[category - LSN_CATEGORY_ROUTED];
}


const char *
lsn_track_name(lsn_track_e track)
{
    switch (track) {
    case LSN_TRACK_SIMPLE:
        return "simple";
    case LSN_TRACK_ORDINARY:
        return "ordinary";
    default:
        return "unknown";
    }
}


/* The Luhn check digit for the len digits of s. */

static int
lsn_luhn_digit(const char *s, size_t len)
{
    int     sum, d, dbl;
    size_t  i;

    sum = 0;

    /* the rightmost payload digit is doubled: the check digit follows it */
    dbl = 1;

    for (i = len; i > 0; i--) {
        d = s[i - 1] - '0';

        if (dbl) {
            d *= 2;
            if (d > 9) {
                d -= 9;
            }
        }

        sum += d;
        dbl = !dbl;
    }

    return (10 - sum % 10) % 10;
}


size_t
lsn_ticket_no_make(time_t t, unsigned long long seq, char *dst)
{
    char         digits[24], *p;
    size_t       n;
    lsn_civil_t  cv;

    lsn_civil_from_time(t, &cv);

    dst[0] = (char) ('0' + cv.year / 10 % 10);
    dst[1] = (char) ('0' + cv.year % 10);
    dst[2] = (char) ('0' + cv.month / 10);
    dst[3] = (char) ('0' + cv.month % 10);
    dst[4] = (char) ('0' + cv.day / 10);
    dst[5] = (char) ('0' + cv.day % 10);

    p = digits + sizeof(digits);

    do {
        *--p = (char) ('0' + seq % 10);
        seq /= 10;
    } while (seq != 0);

    while (digits + sizeof(digits) - p < LSN_SEQ_MIN_DIGITS) {
        *--p = '0';
    }

    n = (size_t) (digits + sizeof(digits) - p);
    memcpy(dst + 6, p, n);
    n += 6;

    dst[n] = (char) ('0' + lsn_luhn_digit(dst, n));
    dst[n + 1] = '\0';

    return n + 1;
}


int
lsn_ticket_no_valid(const char *s, size_t len)
{
    int     month, day;
    size_t  i;

    static const int  mdays[12] = {
        31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (s == NULL || len < LSN_TICKET_NO_MIN || len > LSN_TICKET_NO_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }

    month = (s[2] - '0') * 10 + (s[3] - '0');
    day = (s[4] - '0') * 10 + (s[5] - '0');

    /* Feb 29 is let through for any year: the year has two digits only */
    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1]) {
        return 0;
    }

    return lsn_luhn_digit(s, len - 1) == s[len - 1] - '0';
}


void
lsn_query_code_make(const unsigned char *rnd, char *dst)
{
    size_t          i, j;
    unsigned int    rem, cur;
    unsigned char   num[LSN_QUERY_CODE_LEN];

    memcpy(num, rnd, LSN_QUERY_CODE_LEN);

    /*
     * num is a big-endian 80-bit number; each long division by 31 gives
     * one base-31 digit, which avoids the bias of "byte % 31"
     */
    for (i = 0; i < LSN_QUERY_CODE_LEN; i++) {
        rem = 0;

        for (j = 0; j < LSN_QUERY_CODE_LEN; j++) {
            cur = rem * 256 + num[j];
            num[j] = (unsigned char) (cur / LSN_QUERY_BASE);
            rem = cur % LSN_QUERY_BASE;
        }

        dst[i] = lsn_query_alphabet[rem];
    }

    memset(num, 0, sizeof(num));
}


/* Index of c (either case) in the alphabet, or -1. */

static int
lsn_query_value(char c)
{
    const char  *p;

    if (c >= 'a' && c <= 'z') {
        c = (char) (c - 'a' + 'A');
    }

    if (c == '\0') {
        return -1;
    }

    p = strchr(lsn_query_alphabet, c);

    return p == NULL ? -1 : (int) (p - lsn_query_alphabet);
}


int
lsn_query_code_valid(const char *s, size_t len)
{
    size_t  i;

    if (s == NULL || len != LSN_QUERY_CODE_LEN) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (lsn_query_value(s[i]) < 0) {
            return 0;
        }
    }

    return 1;
}


int
lsn_query_code_normalize(const char *s, size_t len, char *dst)
{
    size_t  i;

    if (!lsn_query_code_valid(s, len)) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        dst[i] = lsn_query_alphabet[lsn_query_value(s[i])];
    }

    return 0;
}
