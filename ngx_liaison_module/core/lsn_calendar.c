/*
 * Liaison: Chinese official working-day calendar and Beijing civil time.
 *
 * All conversions are integer arithmetic on days since 1970-01-01
 * (H. Hinnant's days_from_civil), never localtime() or TZ: the result must
 * not depend on the host's zone, and Beijing has had no DST since 1991.
 */


#include <string.h>

#include "lsn_calendar.h"


#define LSN_DAY_SECS  86400

/* Beijing 0000-01-01 00:00:00 and 9999-12-31 23:59:59 as time_t. */
#define LSN_TIME_MIN  (-62167219200LL - LSN_TZ_OFFSET)
#define LSN_TIME_MAX  (253402300799LL - LSN_TZ_OFFSET)

/* A holiday block is at most 9 days; a longer range is a typo. */
#define LSN_CAL_MAX_RANGE  31


typedef struct {
    int64_t  day;      /* days since 1970-01-01, Beijing */
    int64_t  sec;      /* seconds since 00:00, Beijing */
} lsn_bj_t;


static int lsn_is_leap(int64_t y);
static int lsn_days_in_month(int64_t y, int m);
static int64_t lsn_days_from_civil(int64_t y, int m, int d);
static void lsn_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
static int lsn_cal_index(int y, int m, int d);
static void lsn_bj_split(time_t t, lsn_bj_t *bj);
static time_t lsn_bj_join(int64_t day, int64_t sec);
static int lsn_cal_working(const lsn_calendar_t *cal, int64_t day,
    int *unknown_year);
static void lsn_cal_normalize(const lsn_calendar_t *cal, time_t t,
    lsn_bj_t *bj, int *unknown_year);
static int lsn_parse_digits(const char *s, size_t n);
static int lsn_parse_date(const char *s, size_t len, int *y, int *m,
    int *d);
static int lsn_parse_entry(const char *p, const char *end,
    lsn_calendar_year_pt year_handler, lsn_calendar_day_pt day_handler,
    void *data);
static int lsn_cal_year_handler(void *data, int year);
static int lsn_cal_day_handler(void *data, int year, int y, int m, int d,
    int kind);
static char *lsn_put_num(char *p, int64_t v, int width);
static size_t lsn_format(time_t t, char *buf, int rfc3339);
static int lsn_parse_time_fields(const char *s, int *hh, int *mm, int *ss);


static const int  lsn_days_before_month[13] = {
    0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365
};


static int
lsn_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}


static int
lsn_days_in_month(int64_t y, int m)
{
    static const int  mdays[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (m == 2 && lsn_is_leap(y)) {
        return 29;
    }

    return mdays[m - 1];
}


static int64_t
lsn_days_from_civil(int64_t y, int m, int d)
{
    int64_t  era, yoe, doy, doe;

    /* the year starts in March so that Feb 29 is the last day */
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


static void
lsn_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t  era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}


/* Index into cal->kind[], or -1 for a bad date or one out of range. */

static int
lsn_cal_index(int y, int m, int d)
{
    int  doy;

    if (y < LSN_CAL_MIN_YEAR || y > LSN_CAL_MAX_YEAR
        || m < 1 || m > 12 || d < 1 || d > lsn_days_in_month(y, m))
    {
        return -1;
    }

    doy = lsn_days_before_month[m - 1] + d - 1
          + (m > 2 && lsn_is_leap(y));

    return (y - LSN_CAL_MIN_YEAR) * 366 + doy;
}


static void
lsn_bj_split(time_t t, lsn_bj_t *bj)
{
    int64_t  v;

    v = (int64_t) t;

    /* clamping first keeps every later step free of overflow */
    if (v < LSN_TIME_MIN) {
        v = LSN_TIME_MIN;

    } else if (v > LSN_TIME_MAX) {
        v = LSN_TIME_MAX;
    }

    v += LSN_TZ_OFFSET;
    bj->day = (v >= 0 ? v : v - (LSN_DAY_SECS - 1)) / LSN_DAY_SECS;
    bj->sec = v - bj->day * LSN_DAY_SECS;
}


static time_t
lsn_bj_join(int64_t day, int64_t sec)
{
    return (time_t) (day * LSN_DAY_SECS + sec - LSN_TZ_OFFSET);
}


static int
lsn_cal_working(const lsn_calendar_t *cal, int64_t day, int *unknown_year)
{
    int      m, d, wday, idx, kind;
    int64_t  y;

    lsn_civil_from_days(day, &y, &m, &d);

    /* 1970-01-01 was a Thursday */
    wday = (int) (((day % 7) + 7 + 4) % 7);

    idx = (y >= LSN_CAL_MIN_YEAR && y <= LSN_CAL_MAX_YEAR)
          ? lsn_cal_index((int) y, m, d) : -1;

    if (idx < 0 || !cal->year_loaded[y - LSN_CAL_MIN_YEAR]) {
        if (*unknown_year == 0) {
            *unknown_year = (int) y;
        }
    }

    kind = idx >= 0 ? cal->kind[idx] : 0;

    if (kind == LSN_DAY_WORK) {
        return 1;
    }

    return wday >= 1 && wday <= 5 && kind != LSN_DAY_OFF;
}


/* Moves t on a non-working day to 00:00 of the next working day. */

static void
lsn_cal_normalize(const lsn_calendar_t *cal, time_t t, lsn_bj_t *bj,
    int *unknown_year)
{
    lsn_bj_split(t, bj);

    if (lsn_cal_working(cal, bj->day, unknown_year)) {
        return;
    }

    bj->sec = 0;

    do {
        bj->day++;
    } while (!lsn_cal_working(cal, bj->day, unknown_year));
}


void
lsn_calendar_init(lsn_calendar_t *cal)
{
    memset(cal, 0, sizeof(lsn_calendar_t));
}


int
lsn_calendar_set_day(lsn_calendar_t *cal, const char *date, size_t len,
    int kind)
{
    int  y, m, d;

    if (lsn_parse_date(date, len, &y, &m, &d) != 0) {
        return -1;
    }

    return lsn_calendar_set_ymd(cal, y, m, d, kind);
}


int
lsn_calendar_set_ymd(lsn_calendar_t *cal, int y, int m, int d, int kind)
{
    int  idx;

    if (kind != 0 && kind != LSN_DAY_OFF && kind != LSN_DAY_WORK) {
        return -1;
    }

    idx = lsn_cal_index(y, m, d);
    if (idx < 0) {
        return -1;
    }

    cal->kind[idx] = (uint8_t) kind;

    return 0;
}


void
lsn_calendar_set_year_loaded(lsn_calendar_t *cal, int year)
{
    if (year >= LSN_CAL_MIN_YEAR && year <= LSN_CAL_MAX_YEAR) {
        cal->year_loaded[year - LSN_CAL_MIN_YEAR] = 1;
    }
}


int
lsn_calendar_year_loaded(const lsn_calendar_t *cal, int year)
{
    if (year < LSN_CAL_MIN_YEAR || year > LSN_CAL_MAX_YEAR) {
        return 0;
    }

    return cal->year_loaded[year - LSN_CAL_MIN_YEAR];
}


int
lsn_calendar_day_kind(const lsn_calendar_t *cal, int y, int m, int d)
{
    int  idx;

    idx = lsn_cal_index(y, m, d);

    return idx < 0 ? 0 : cal->kind[idx];
}


/* n ASCII digits as an int, or -1. */

static int
lsn_parse_digits(const char *s, size_t n)
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


/* Exactly "YYYY-MM-DD", a real date. */

static int
lsn_parse_date(const char *s, size_t len, int *y, int *m, int *d)
{
    if (len != 10 || s[4] != '-' || s[7] != '-') {
        return -1;
    }

    *y = lsn_parse_digits(s, 4);
    *m = lsn_parse_digits(s + 5, 2);
    *d = lsn_parse_digits(s + 8, 2);

    if (*y < 0 || *m < 1 || *m > 12 || *d < 1
        || *d > lsn_days_in_month(*y, *m))
    {
        return -1;
    }

    return 0;
}


/*
 * One entry line (without its end of line): "YYYY off: a,b..c".
 * Returns the number of days listed, or -1.
 */

static int
lsn_parse_entry(const char *p, const char *end,
    lsn_calendar_year_pt year_handler, lsn_calendar_day_pt day_handler,
    void *data)
{
    int          year, kind, y, m, d, y2, m2, d2, count;
    int64_t      from, to, day, yy;
    const char  *item, *dots;

    if (end - p < 5 || (year = lsn_parse_digits(p, 4)) < 0) {
        return -1;
    }

    if (year < LSN_CAL_MIN_YEAR || year > LSN_CAL_MAX_YEAR) {
        return -1;
    }

    p += 4;

    if (*p != ' ' && *p != '\t') {
        return -1;
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (end - p >= 4 && memcmp(p, "off:", 4) == 0) {
        kind = LSN_DAY_OFF;
        p += 4;

    } else if (end - p >= 5 && memcmp(p, "work:", 5) == 0) {
        kind = LSN_DAY_WORK;
        p += 5;

    } else {
        return -1;
    }

    if (year_handler != NULL && year_handler(data, year) != 0) {
        return -1;
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    count = 0;

    /* an empty list is allowed: a notice without make-up days */
    while (p < end) {

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        item = p;
        while (p < end && *p != ',' && *p != ' ' && *p != '\t') {
            p++;
        }

        if (p - item == 22 && item[10] == '.' && item[11] == '.') {
            dots = item + 10;

        } else if (p - item == 10) {
            dots = NULL;

        } else {
            return -1;
        }

        if (lsn_parse_date(item, 10, &y, &m, &d) != 0) {
            return -1;
        }

        y2 = y;
        m2 = m;
        d2 = d;

        if (dots != NULL
            && lsn_parse_date(dots + 2, 10, &y2, &m2, &d2) != 0)
        {
            return -1;
        }

        if (y < year - 1 || y > year + 1 || y2 < year - 1 || y2 > year + 1
            || y < LSN_CAL_MIN_YEAR || y2 > LSN_CAL_MAX_YEAR)
        {
            return -1;
        }

        from = lsn_days_from_civil(y, m, d);
        to = lsn_days_from_civil(y2, m2, d2);

        if (to < from || to - from >= LSN_CAL_MAX_RANGE) {
            return -1;
        }

        for (day = from; day <= to; day++) {
            lsn_civil_from_days(day, &yy, &m, &d);

            if (day_handler != NULL
                && day_handler(data, year, (int) yy, m, d, kind) != 0)
            {
                return -1;
            }

            count++;
        }

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (p == end) {
            break;
        }

        if (*p != ',') {
            return -1;
        }

        p++;

        /* a trailing comma is a truncated list */
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (p == end) {
            return -1;
        }
    }

    return count;
}


int
lsn_calendar_parse_cb(const char *text, size_t len,
    lsn_calendar_year_pt year_handler, lsn_calendar_day_pt day_handler,
    void *data)
{
    int          n, total;
    const char  *p, *end, *eol, *last;

    if (text == NULL) {
        return len == 0 ? 0 : -1;
    }

    total = 0;
    p = text;
    end = text + len;

    while (p < end) {
        eol = memchr(p, '\n', (size_t) (end - p));
        if (eol == NULL) {
            eol = end;
        }

        last = eol;
        while (last > p
               && (last[-1] == '\r' || last[-1] == ' ' || last[-1] == '\t'))
        {
            last--;
        }

        while (p < last && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (p < last && *p >= '0' && *p <= '9') {
            n = lsn_parse_entry(p, last, year_handler, day_handler, data);
            if (n < 0) {
                return -1;
            }

            total += n;
        }

        p = eol + (eol < end);
    }

    return total;
}


static int
lsn_cal_year_handler(void *data, int year)
{
    lsn_calendar_set_year_loaded(data, year);

    return 0;
}


static int
lsn_cal_day_handler(void *data, int year, int y, int m, int d, int kind)
{
    (void) year;

    return lsn_calendar_set_ymd(data, y, m, d, kind);
}


int
lsn_calendar_parse(lsn_calendar_t *cal, const char *text, size_t len)
{
    /* a syntax pass first, so that a bad file changes nothing */
    if (lsn_calendar_parse_cb(text, len, NULL, NULL, NULL) < 0) {
        return -1;
    }

    return lsn_calendar_parse_cb(text, len, lsn_cal_year_handler,
                                 lsn_cal_day_handler, cal);
}


int
lsn_calendar_is_working_day(const lsn_calendar_t *cal, int y, int m, int d)
{
    int  unknown;

    if (m < 1 || m > 12 || d < 1 || d > lsn_days_in_month(y, m)) {
        return 0;
    }

    unknown = 0;

    return lsn_cal_working(cal, lsn_days_from_civil(y, m, d), &unknown);
}


time_t
lsn_calendar_add_working_days(const lsn_calendar_t *cal, time_t t, int n,
    int *unknown_year)
{
    int       unknown;
    lsn_bj_t  bj;

    unknown = 0;

    lsn_cal_normalize(cal, t, &bj, &unknown);

    while (n-- > 0) {
        do {
            bj.day++;
        } while (!lsn_cal_working(cal, bj.day, &unknown));
    }

    if (unknown_year != NULL) {
        *unknown_year = unknown;
    }

    return lsn_bj_join(bj.day, bj.sec);
}


int
lsn_calendar_working_days_between(const lsn_calendar_t *cal, time_t a,
    time_t b)
{
    int       n, unknown;
    int64_t   day;
    lsn_bj_t  start, end;

    if (b <= a) {
        return 0;
    }

    unknown = 0;

    lsn_cal_normalize(cal, a, &start, &unknown);
    lsn_bj_split(b, &end);

    /*
     * add_working_days(a, n) is the n-th working day after start.day at
     * start.sec; count those days that are not later than b
     */
    n = 0;

    for (day = start.day + 1; day <= end.day; day++) {
        if (!lsn_cal_working(cal, day, &unknown)) {
            continue;
        }

        if (day == end.day && start.sec > end.sec) {
            break;
        }

        n++;
    }

    return n;
}


void
lsn_civil_from_time(time_t t, lsn_civil_t *cv)
{
    int64_t   y;
    lsn_bj_t  bj;

    lsn_bj_split(t, &bj);
    lsn_civil_from_days(bj.day, &y, &cv->month, &cv->day);

    cv->year = (int) y;
    cv->hour = (int) (bj.sec / 3600);
    cv->min = (int) (bj.sec / 60 % 60);
    cv->sec = (int) (bj.sec % 60);
    cv->wday = (int) (((bj.day % 7) + 7 + 4) % 7);
}


time_t
lsn_time_from_civil(int y, int m, int d, int hh, int mm, int ss)
{
    return lsn_bj_join(lsn_days_from_civil(y, m, d),
                       (int64_t) hh * 3600 + (int64_t) mm * 60 + ss);
}


/* Writes v (>= 0) as exactly width digits. */

static char *
lsn_put_num(char *p, int64_t v, int width)
{
    int  i;

    for (i = width - 1; i >= 0; i--) {
        p[i] = (char) ('0' + v % 10);
        v /= 10;
    }

    return p + width;
}


static size_t
lsn_format(time_t t, char *buf, int rfc3339)
{
    char         *p;
    lsn_civil_t   cv;

    /* the clamp in lsn_civil_from_time() keeps the year at 4 digits */
    lsn_civil_from_time(t, &cv);

    p = lsn_put_num(buf, cv.year, 4);
    *p++ = '-';
    p = lsn_put_num(p, cv.month, 2);
    *p++ = '-';
    p = lsn_put_num(p, cv.day, 2);
    *p++ = rfc3339 ? 'T' : ' ';
    p = lsn_put_num(p, cv.hour, 2);
    *p++ = ':';
    p = lsn_put_num(p, cv.min, 2);
    *p++ = ':';
    p = lsn_put_num(p, cv.sec, 2);

    if (rfc3339) {
        memcpy(p, "+08:00", 6);
        p += 6;
    }

    *p = '\0';

    return (size_t) (p - buf);
}


size_t
lsn_format_rfc3339(time_t t, char *buf)
{
    return lsn_format(t, buf, 1);
}


size_t
lsn_format_datetime(time_t t, char *buf)
{
    return lsn_format(t, buf, 0);
}


/* "HH:MM:SS" */

static int
lsn_parse_time_fields(const char *s, int *hh, int *mm, int *ss)
{
    if (s[2] != ':' || s[5] != ':') {
        return -1;
    }

    *hh = lsn_parse_digits(s, 2);
    *mm = lsn_parse_digits(s + 3, 2);
    *ss = lsn_parse_digits(s + 6, 2);

    if (*hh < 0 || *hh > 23 || *mm < 0 || *mm > 59 || *ss < 0 || *ss > 59) {
        return -1;
    }

    return 0;
}


int
lsn_parse_datetime(const char *s, size_t len, time_t *t)
{
    int  y, m, d, hh, mm, ss;

    if (s == NULL || len != 19 || s[10] != ' ') {
        return -1;
    }

    if (lsn_parse_date(s, 10, &y, &m, &d) != 0
        || lsn_parse_time_fields(s + 11, &hh, &mm, &ss) != 0)
    {
        return -1;
    }

    *t = lsn_time_from_civil(y, m, d, hh, mm, ss);

    return 0;
}


int
lsn_parse_day(const char *s, size_t len, time_t *t)
{
    int  y, m, d;

    if (s == NULL || len != 10 || lsn_parse_date(s, 10, &y, &m, &d) != 0) {
        return -1;
    }

    *t = lsn_time_from_civil(y, m, d, 0, 0, 0);

    return 0;
}


int
lsn_parse_rfc3339(const char *s, size_t len, time_t *t)
{
    int          y, m, d, hh, mm, ss, oh, om, off;
    time_t       v;
    const char  *p, *end;

    if (s == NULL || len < 20) {
        return -1;
    }

    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
        return -1;
    }

    if (lsn_parse_date(s, 10, &y, &m, &d) != 0
        || lsn_parse_time_fields(s + 11, &hh, &mm, &ss) != 0)
    {
        return -1;
    }

    p = s + 19;
    end = s + len;

    if (*p == '.') {
        p++;

        if (p == end || *p < '0' || *p > '9') {
            return -1;
        }

        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (end - p == 1 && (*p == 'Z' || *p == 'z')) {
        off = 0;

    } else if (end - p == 6 && (*p == '+' || *p == '-') && p[3] == ':') {
        oh = lsn_parse_digits(p + 1, 2);
        om = lsn_parse_digits(p + 4, 2);

        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return -1;
        }

        off = (oh * 60 + om) * 60;

        if (*p == '-') {
            off = -off;
        }

    } else {
        return -1;
    }

    v = (time_t) (lsn_days_from_civil(y, m, d) * LSN_DAY_SECS
                  + hh * 3600 + mm * 60 + ss - off);

    /* an instant whose Beijing year is 10000 (9999-12-31T23:59:59Z):
       lsn_civil_from_time() would clamp it, so it could not be written
       back (found by tests/fuzz/fuzz_calendar) */
    if (v > lsn_time_from_civil(9999, 12, 31, 23, 59, 59)) {
        return -1;
    }

    *t = v;

    return 0;
}
