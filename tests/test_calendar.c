/*
 * Unit tests: lsn_calendar (working days, Beijing civil time).
 *
 * The expected holidays and make-up days are an independent literal copy
 * of the lines in shared/reference/cn-working-days.md, expanded here with
 * the test's own date arithmetic, not with the parser under test.
 */


#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE    /* timegm(), an independent oracle */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lsn_calendar.h"
#include "test_calendar_file.h"


typedef struct {
    int          year;
    const char  *off;
    const char  *work;
} ref_year_t;


/* Copied from the reference, 2020..2026. */
static const ref_year_t  ref_years[] = {
    { 2020,
      "2020-01-01,2020-01-24..2020-02-02,2020-04-04..2020-04-06,"
      "2020-05-01..2020-05-05,2020-06-25..2020-06-27,2020-10-01..2020-10-08",
      "2020-01-19,2020-04-26,2020-05-09,2020-06-28,2020-09-27,2020-10-10" },
    { 2021,
      "2021-01-01..2021-01-03,2021-02-11..2021-02-17,2021-04-03..2021-04-05,"
      "2021-05-01..2021-05-05,2021-06-12..2021-06-14,2021-09-19..2021-09-21,"
      "2021-10-01..2021-10-07",
      "2021-02-07,2021-02-20,2021-04-25,2021-05-08,2021-09-18,2021-09-26,"
      "2021-10-09" },
    { 2022,
      "2022-01-01..2022-01-03,2022-01-31..2022-02-06,2022-04-03..2022-04-05,"
      "2022-04-30..2022-05-04,2022-06-03..2022-06-05,2022-09-10..2022-09-12,"
      "2022-10-01..2022-10-07",
      "2022-01-29,2022-01-30,2022-04-02,2022-04-24,2022-05-07,2022-10-08,"
      "2022-10-09" },
    { 2023,
      "2022-12-31..2023-01-02,2023-01-21..2023-01-27,2023-04-05,"
      "2023-04-29..2023-05-03,2023-06-22..2023-06-24,2023-09-29..2023-10-06",
      "2023-01-28,2023-01-29,2023-04-23,2023-05-06,2023-06-25,2023-10-07,"
      "2023-10-08" },
    { 2024,
      "2024-01-01,2024-02-10..2024-02-17,2024-04-04..2024-04-06,"
      "2024-05-01..2024-05-05,2024-06-10,2024-09-15..2024-09-17,"
      "2024-10-01..2024-10-07",
      "2024-02-04,2024-02-18,2024-04-07,2024-04-28,2024-05-11,2024-09-14,"
      "2024-09-29,2024-10-12" },
    { 2025,
      "2025-01-01,2025-01-28..2025-02-04,2025-04-04..2025-04-06,"
      "2025-05-01..2025-05-05,2025-05-31..2025-06-02,2025-10-01..2025-10-08",
      "2025-01-26,2025-02-08,2025-04-27,2025-09-28,2025-10-11" },
    { 2026,
      "2026-01-01..2026-01-03,2026-02-15..2026-02-23,2026-04-04..2026-04-06,"
      "2026-05-01..2026-05-05,2026-06-19..2026-06-21,2026-09-25..2026-09-27,"
      "2026-10-01..2026-10-07",
      "2026-01-04,2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10" },
};

#define REF_YEARS  (sizeof(ref_years) / sizeof(ref_years[0]))

/* Day index from 2019-01-01 over 2019..2027, the test's own numbering. */
#define SPAN_FIRST_YEAR  2019
#define SPAN_DAYS        (9 * 366)


typedef struct {
    lsn_calendar_t  *cal;
    int              days;              /* returned by lsn_calendar_parse */
    signed char      expect[SPAN_DAYS]; /* 0 ordinary, 1 off, 2 work */
    int              n_off, n_work;
} cal_state_t;


/* Test-side date arithmetic, independent of the core. */

static int
t_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}


static int
t_mdays(int y, int m)
{
    static const int  md[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    return m == 2 && t_leap(y) ? 29 : md[m - 1];
}


static void
t_next_day(int *y, int *m, int *d)
{
    if (++*d > t_mdays(*y, *m)) {
        *d = 1;

        if (++*m > 12) {
            *m = 1;
            ++*y;
        }
    }
}


/* Sakamoto's day of week, 0 = Sunday. */

static int
t_wday(int y, int m, int d)
{
    static const int  t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

    if (m < 3) {
        y--;
    }

    return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}


static int
t_span_index(int y, int m, int d)
{
    int  i, yy, mm;

    i = 0;

    for (yy = SPAN_FIRST_YEAR; yy < y; yy++) {
        i += t_leap(yy) ? 366 : 365;
    }

    for (mm = 1; mm < m; mm++) {
        i += t_mdays(y, mm);
    }

    return i + d - 1;
}


static time_t
t_bj(int y, int m, int d, int hh, int mi, int ss)
{
    struct tm  tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = hh;
    tm.tm_min = mi;
    tm.tm_sec = ss;

    return timegm(&tm) - 8 * 3600;
}


/* Expands "a,b..c" of the literal copy; returns the number of days. */

static int
t_expand(const char *list, int kind, signed char *expect)
{
    int          y, m, d, y2, m2, d2, n, count;
    const char  *p;

    count = 0;
    p = list;

    while (*p != '\0') {
        n = 0;
        assert_int_equal(sscanf(p, "%4d-%2d-%2d%n", &y, &m, &d, &n), 3);
        p += n;
        y2 = y;
        m2 = m;
        d2 = d;

        if (p[0] == '.' && p[1] == '.') {
            assert_int_equal(sscanf(p + 2, "%4d-%2d-%2d%n", &y2, &m2, &d2,
                                    &n), 3);
            p += 2 + n;
        }

        for ( ;; ) {
            expect[t_span_index(y, m, d)] = (signed char) kind;
            count++;

            if (y == y2 && m == m2 && d == d2) {
                break;
            }

            t_next_day(&y, &m, &d);
            assert_true(count < 40);
        }

        if (*p == ',') {
            p++;
        }
    }

    return count;
}


static int
setup(void **state)
{
    size_t        i;
    cal_state_t  *st;

    st = calloc(1, sizeof(cal_state_t));
    if (st == NULL) {
        return -1;
    }

    st->cal = test_calendar_load(&st->days);
    if (st->cal == NULL) {
        free(st);
        return -1;
    }

    for (i = 0; i < REF_YEARS; i++) {
        st->n_off += t_expand(ref_years[i].off, LSN_DAY_OFF, st->expect);
        st->n_work += t_expand(ref_years[i].work, LSN_DAY_WORK, st->expect);
    }

    *state = st;

    return 0;
}


static int
teardown(void **state)
{
    cal_state_t  *st;

    st = *state;
    free(st->cal);
    free(st);

    return 0;
}


static void
test_parse_counts(void **state)
{
    cal_state_t  *st;

    st = *state;

    /* every day of every range, as expanded independently */
    assert_int_equal(st->days, st->n_off + st->n_work);
    assert_int_equal(st->n_work, 6 + 7 + 7 + 7 + 8 + 5 + 6);
    assert_true(st->n_off > 7 * 25);
}


static void
test_every_listed_day(void **state)
{
    int           y, m, d, i, checked_off, checked_work;
    cal_state_t  *st;

    st = *state;
    checked_off = 0;
    checked_work = 0;

    y = 2019;
    m = 12;
    d = 1;

    while (y <= 2026) {
        i = t_span_index(y, m, d);

        if (st->expect[i] == LSN_DAY_OFF) {
            assert_int_equal(lsn_calendar_day_kind(st->cal, y, m, d),
                             LSN_DAY_OFF);
            assert_int_equal(lsn_calendar_is_working_day(st->cal, y, m, d),
                             0);
            checked_off++;

        } else if (st->expect[i] == LSN_DAY_WORK) {
            assert_int_equal(lsn_calendar_day_kind(st->cal, y, m, d),
                             LSN_DAY_WORK);
            assert_int_equal(lsn_calendar_is_working_day(st->cal, y, m, d),
                             1);
            /* make-up days are weekend days */
            assert_true(t_wday(y, m, d) == 0 || t_wday(y, m, d) == 6);
            checked_work++;

        } else {
            assert_int_equal(lsn_calendar_day_kind(st->cal, y, m, d), 0);
            assert_int_equal(lsn_calendar_is_working_day(st->cal, y, m, d),
                             t_wday(y, m, d) >= 1 && t_wday(y, m, d) <= 5);
        }

        t_next_day(&y, &m, &d);
    }

    assert_int_equal(checked_off, st->n_off);
    assert_int_equal(checked_work, st->n_work);
}


static void
test_known_days(void **state)
{
    lsn_calendar_t  *cal;

    cal = ((cal_state_t *) *state)->cal;

    /* Spring Festival 2026 */
    assert_true(lsn_calendar_is_working_day(cal, 2026, 2, 13));
    assert_true(lsn_calendar_is_working_day(cal, 2026, 2, 14));
    assert_false(lsn_calendar_is_working_day(cal, 2026, 2, 15));
    assert_false(lsn_calendar_is_working_day(cal, 2026, 2, 23));
    assert_true(lsn_calendar_is_working_day(cal, 2026, 2, 24));
    assert_true(lsn_calendar_is_working_day(cal, 2026, 2, 28));

    /* 2022-12-31 (Saturday) belongs to the 2023 notice */
    assert_int_equal(lsn_calendar_day_kind(cal, 2022, 12, 31), LSN_DAY_OFF);

    /* ordinary days */
    assert_true(lsn_calendar_is_working_day(cal, 2024, 3, 13));   /* Wed */
    assert_false(lsn_calendar_is_working_day(cal, 2024, 3, 16));  /* Sat */
    assert_false(lsn_calendar_is_working_day(cal, 2024, 3, 17));  /* Sun */
    assert_true(lsn_calendar_is_working_day(cal, 2024, 10, 12));  /* Sat */

    /* 2020's cancelled make-up Saturday */
    assert_false(lsn_calendar_is_working_day(cal, 2020, 2, 1));

    /* bad dates are not working days */
    assert_false(lsn_calendar_is_working_day(cal, 2026, 2, 29));
    assert_false(lsn_calendar_is_working_day(cal, 2026, 13, 1));
    assert_false(lsn_calendar_is_working_day(cal, 2026, 4, 31));
    assert_true(lsn_calendar_is_working_day(cal, 2024, 2, 29));   /* Thu */

    assert_true(lsn_calendar_year_loaded(cal, 2020));
    assert_true(lsn_calendar_year_loaded(cal, 2026));
    assert_false(lsn_calendar_year_loaded(cal, 2019));
    assert_false(lsn_calendar_year_loaded(cal, 2027));
    assert_false(lsn_calendar_year_loaded(cal, 1999));
    assert_false(lsn_calendar_year_loaded(cal, 2100));
}


static void
t_add(const lsn_calendar_t *cal, time_t from, int n, time_t expect,
    int expect_unknown)
{
    int     unknown;
    char    got[32], want[32];
    time_t  t;

    unknown = -1;
    t = lsn_calendar_add_working_days(cal, from, n, &unknown);

    if (t != expect) {
        lsn_format_rfc3339(t, got);
        lsn_format_rfc3339(expect, want);
        fail_msg("+%d: got %s, want %s", n, got, want);
    }

    assert_int_equal(unknown, expect_unknown);
}


static void
test_add_working_days(void **state)
{
    time_t           t;
    lsn_calendar_t  *cal;

    cal = ((cal_state_t *) *state)->cal;

    /* Spring Festival 2026: Fri 13th, make-up Sat 14th, off 15..23 */
    t = t_bj(2026, 2, 13, 10, 0, 0);
    assert_int_equal(t, 1770948000);
    t_add(cal, t, 0, t, 0);
    t_add(cal, t, 1, t_bj(2026, 2, 14, 10, 0, 0), 0);
    t_add(cal, t, 2, t_bj(2026, 2, 24, 10, 0, 0), 0);
    t_add(cal, t, 3, t_bj(2026, 2, 25, 10, 0, 0), 0);
    t_add(cal, t_bj(2026, 2, 14, 23, 59, 59), 1,
          t_bj(2026, 2, 24, 23, 59, 59), 0);

    /* inside the holiday: from 00:00 of the next working day */
    t_add(cal, t_bj(2026, 2, 18, 15, 0, 0), 0, t_bj(2026, 2, 24, 0, 0, 0), 0);
    t_add(cal, t_bj(2026, 2, 18, 15, 0, 0), 2, t_bj(2026, 2, 26, 0, 0, 0), 0);

    /* National Day 2025: off 10-01..10-08, make-up Sun 09-28, Sat 10-11 */
    t_add(cal, t_bj(2025, 9, 26, 9, 0, 0), 1, t_bj(2025, 9, 28, 9, 0, 0), 0);
    t_add(cal, t_bj(2025, 9, 30, 9, 0, 0), 1, t_bj(2025, 10, 9, 9, 0, 0), 0);
    t_add(cal, t_bj(2025, 9, 30, 9, 0, 0), 3, t_bj(2025, 10, 11, 9, 0, 0),
          0);
    t_add(cal, t_bj(2025, 9, 30, 9, 0, 0), 4, t_bj(2025, 10, 13, 9, 0, 0),
          0);
    t_add(cal, t_bj(2025, 10, 1, 12, 0, 0), 0, t_bj(2025, 10, 9, 0, 0, 0),
          0);

    /* Mid-Autumn and National Day 2026 */
    t_add(cal, t_bj(2026, 9, 24, 8, 30, 0), 1, t_bj(2026, 9, 28, 8, 30, 0),
          0);
    t_add(cal, t_bj(2026, 9, 30, 17, 0, 0), 1, t_bj(2026, 10, 8, 17, 0, 0),
          0);
    t_add(cal, t_bj(2026, 9, 30, 17, 0, 0), 3,
          t_bj(2026, 10, 10, 17, 0, 0), 0);

    /* year boundaries: make-up Sunday 2026-01-04; 2022-12-31 of 2023 */
    t_add(cal, t_bj(2025, 12, 31, 16, 0, 0), 1, t_bj(2026, 1, 4, 16, 0, 0),
          0);
    t_add(cal, t_bj(2025, 12, 31, 16, 0, 0), 2, t_bj(2026, 1, 5, 16, 0, 0),
          0);
    t_add(cal, t_bj(2022, 12, 30, 12, 0, 0), 1, t_bj(2023, 1, 3, 12, 0, 0),
          0);

    /* from a Saturday */
    t_add(cal, t_bj(2026, 3, 7, 15, 30, 0), 0, t_bj(2026, 3, 9, 0, 0, 0), 0);
    t_add(cal, t_bj(2026, 3, 7, 15, 30, 0), 1, t_bj(2026, 3, 10, 0, 0, 0),
          0);

    /* the last second of a day stays on that day (UTC+8 arithmetic) */
    t_add(cal, t_bj(2026, 3, 6, 23, 59, 59), 1,
          t_bj(2026, 3, 9, 23, 59, 59), 0);
    t_add(cal, t_bj(2026, 3, 9, 0, 0, 0), 0, t_bj(2026, 3, 9, 0, 0, 0), 0);

    /* a negative n counts as 0 */
    t_add(cal, t_bj(2026, 3, 9, 10, 0, 0), -5, t_bj(2026, 3, 9, 10, 0, 0),
          0);

    /* a NULL unknown_year is allowed */
    assert_int_equal(lsn_calendar_add_working_days(cal, t, 1, NULL),
                     t_bj(2026, 2, 14, 10, 0, 0));
}


static void
test_unknown_year(void **state)
{
    lsn_calendar_t  *cal;

    cal = ((cal_state_t *) *state)->cal;

    t_add(cal, t_bj(2026, 12, 30, 10, 0, 0), 1, t_bj(2026, 12, 31, 10, 0, 0),
          0);

    /* 2027 is not loaded: weekends only, and said so */
    t_add(cal, t_bj(2026, 12, 31, 10, 0, 0), 1, t_bj(2027, 1, 1, 10, 0, 0),
          2027);
    t_add(cal, t_bj(2026, 12, 31, 10, 0, 0), 2, t_bj(2027, 1, 4, 10, 0, 0),
          2027);
    t_add(cal, t_bj(2027, 6, 1, 10, 0, 0), 0, t_bj(2027, 6, 1, 10, 0, 0),
          2027);

    /* the first unknown year crossed is reported */
    t_add(cal, t_bj(2019, 12, 31, 10, 0, 0), 1, t_bj(2020, 1, 2, 10, 0, 0),
          2019);
    t_add(cal, t_bj(2027, 12, 31, 10, 0, 0), 1, t_bj(2028, 1, 3, 10, 0, 0),
          2027);

    /* outside the table: still weekends only */
    t_add(cal, t_bj(1999, 12, 31, 10, 0, 0), 1, t_bj(2000, 1, 3, 10, 0, 0),
          1999);
    t_add(cal, t_bj(2100, 1, 1, 10, 0, 0), 1, t_bj(2100, 1, 4, 10, 0, 0),
          2100);
}


/* Brute force: the largest n with add(a, n) <= b. */

static int
t_between(const lsn_calendar_t *cal, time_t a, time_t b)
{
    int  n;

    if (b <= a || lsn_calendar_add_working_days(cal, a, 0, NULL) > b) {
        return 0;
    }

    for (n = 0; lsn_calendar_add_working_days(cal, a, n + 1, NULL) <= b;
         n++)
    {
        /* void */
    }

    return n;
}


static void
test_working_days_between(void **state)
{
    int              i, k;
    time_t           a, b, d;
    uint32_t         rnd;
    lsn_calendar_t  *cal;

    cal = ((cal_state_t *) *state)->cal;

    a = t_bj(2026, 2, 13, 10, 0, 0);
    assert_int_equal(lsn_calendar_working_days_between(cal, a, a), 0);
    assert_int_equal(lsn_calendar_working_days_between(cal, a, a - 1), 0);
    assert_int_equal(lsn_calendar_working_days_between(cal, a,
                         t_bj(2026, 2, 14, 9, 59, 59)), 0);
    assert_int_equal(lsn_calendar_working_days_between(cal, a,
                         t_bj(2026, 2, 14, 10, 0, 0)), 1);
    assert_int_equal(lsn_calendar_working_days_between(cal, a,
                         t_bj(2026, 2, 24, 9, 59, 59)), 1);
    assert_int_equal(lsn_calendar_working_days_between(cal, a,
                         t_bj(2026, 2, 24, 10, 0, 0)), 2);

    /* from a holiday: nothing before 00:00 of the next working day */
    a = t_bj(2026, 2, 18, 15, 0, 0);
    assert_int_equal(lsn_calendar_working_days_between(cal, a,
                         t_bj(2026, 2, 23, 23, 0, 0)), 0);
    assert_int_equal(lsn_calendar_working_days_between(cal, a,
                         t_bj(2026, 2, 25, 0, 0, 0)), 1);

    /* the deadline rule: between(a, t) >= k exactly when t >= add(a, k) */
    for (k = 1; k <= 20; k++) {
        a = t_bj(2025, 9, 26, 9, 0, 0);
        d = lsn_calendar_add_working_days(cal, a, k, NULL);
        assert_int_equal(lsn_calendar_working_days_between(cal, a, d), k);
        assert_int_equal(lsn_calendar_working_days_between(cal, a, d - 1),
                         k - 1);
    }

    /* pseudo-random pairs over 2024..2026 against the brute force */
    rnd = 12345;

    for (i = 0; i < 3000; i++) {
        rnd = rnd * 1103515245 + 12345;
        a = t_bj(2024, 1, 1, 0, 0, 0) + (time_t) (rnd % (3 * 365 * 86400u));
        rnd = rnd * 1103515245 + 12345;
        b = a + (time_t) (rnd % (40 * 86400u)) - 86400;

        assert_int_equal(lsn_calendar_working_days_between(cal, a, b),
                         t_between(cal, a, b));
    }
}


static void
test_civil(void **state)
{
    int          i;
    char         buf[32], want[32];
    time_t       t, back;
    struct tm    tm;
    lsn_civil_t  cv;

    (void) state;

    assert_int_equal(lsn_time_from_civil(2026, 11, 27, 9, 30, 0),
                     1795743000);
    assert_int_equal(lsn_time_from_civil(2000, 1, 1, 8, 0, 0), 946684800);
    assert_int_equal(lsn_time_from_civil(2100, 1, 1, 8, 0, 0), 4102444800);
    assert_int_equal(lsn_time_from_civil(1970, 1, 1, 8, 0, 0), 0);
    assert_int_equal(lsn_time_from_civil(2026, 1, 32, 0, 0, 0),
                     lsn_time_from_civil(2026, 2, 1, 0, 0, 0));

    lsn_civil_from_time(1795743000, &cv);
    assert_int_equal(cv.year, 2026);
    assert_int_equal(cv.month, 11);
    assert_int_equal(cv.day, 27);
    assert_int_equal(cv.hour, 9);
    assert_int_equal(cv.min, 30);
    assert_int_equal(cv.sec, 0);
    assert_int_equal(cv.wday, 5);

    lsn_civil_from_time(t_bj(2026, 2, 14, 0, 0, 0), &cv);
    assert_int_equal(cv.wday, 6);

    /* before 1970 */
    lsn_civil_from_time(-1, &cv);
    assert_int_equal(cv.year, 1970);
    assert_int_equal(cv.hour, 7);
    assert_int_equal(cv.min, 59);
    assert_int_equal(cv.sec, 59);
    assert_int_equal(cv.wday, 4);

    /* against gmtime_r() of t + 8 h over 1901..2106 */
    for (i = 0; i < 20000; i++) {
        t = (time_t) -2145916800 + (time_t) i * 325781 + (i % 7) * 3607;
        lsn_civil_from_time(t, &cv);

        back = t + 8 * 3600;
        assert_non_null(gmtime_r(&back, &tm));
        assert_int_equal(cv.year, tm.tm_year + 1900);
        assert_int_equal(cv.month, tm.tm_mon + 1);
        assert_int_equal(cv.day, tm.tm_mday);
        assert_int_equal(cv.hour, tm.tm_hour);
        assert_int_equal(cv.min, tm.tm_min);
        assert_int_equal(cv.sec, tm.tm_sec);
        assert_int_equal(cv.wday, tm.tm_wday);

        assert_int_equal(lsn_time_from_civil(cv.year, cv.month, cv.day,
                                             cv.hour, cv.min, cv.sec), t);

        lsn_format_datetime(t, buf);
        strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S", &tm);
        assert_string_equal(buf, want);
    }
}


static void
test_format(void **state)
{
    char    buf[64];
    time_t  t;

    (void) state;

    memset(buf, 'z', sizeof(buf));
    assert_int_equal(lsn_format_rfc3339(1795743000, buf), 25);
    assert_string_equal(buf, "2026-11-27T09:30:00+08:00");

    memset(buf, 'z', sizeof(buf));
    assert_int_equal(lsn_format_datetime(1795743000, buf), 19);
    assert_string_equal(buf, "2026-11-27 09:30:00");

    lsn_format_rfc3339(0, buf);
    assert_string_equal(buf, "1970-01-01T08:00:00+08:00");
    lsn_format_datetime(-1, buf);
    assert_string_equal(buf, "1970-01-01 07:59:59");

    /* 16:00 UTC is the next day in Beijing */
    lsn_format_datetime(t_bj(2025, 12, 31, 23, 59, 59) + 1, buf);
    assert_string_equal(buf, "2026-01-01 00:00:00");

    /* the width never grows: far times are clamped to 0000..9999 */
    t = (time_t) INT64_MAX;
    assert_int_equal(lsn_format_rfc3339(t, buf), 25);
    assert_string_equal(buf, "9999-12-31T23:59:59+08:00");
    t = (time_t) INT64_MIN;
    assert_int_equal(lsn_format_datetime(t, buf), 19);
    assert_string_equal(buf, "0000-01-01 00:00:00");
}


static void
test_parse_datetime(void **state)
{
    int     i;
    char    buf[32];
    time_t  t, back;

    (void) state;

    assert_int_equal(lsn_parse_datetime("2026-11-27 09:30:00", 19, &t), 0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_datetime("2024-02-29 23:59:59", 19, &t), 0);
    assert_int_equal(t, t_bj(2024, 2, 29, 23, 59, 59));
    assert_int_equal(lsn_parse_datetime("2000-02-29 00:00:00", 19, &t), 0);

    assert_int_equal(lsn_parse_datetime("2023-02-29 00:00:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2100-02-29 00:00:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-04-31 00:00:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-00-01 00:00:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-11-27 24:00:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-11-27 09:60:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-11-27 09:30:60", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-11-27T09:30:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-11-27 09:30:0", 18, &t), -1);
    assert_int_equal(lsn_parse_datetime("2026-11-27 09:30:00Z", 20, &t),
                     -1);
    assert_int_equal(lsn_parse_datetime("2026-1a-27 09:30:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime("+026-11-27 09:30:00", 19, &t), -1);
    assert_int_equal(lsn_parse_datetime(NULL, 0, &t), -1);

    /* round trips */
    for (i = 0; i < 5000; i++) {
        t = (time_t) i * 1234567 + 3;
        lsn_format_datetime(t, buf);
        assert_int_equal(lsn_parse_datetime(buf, 19, &back), 0);
        assert_int_equal(back, t);

        lsn_format_rfc3339(t, buf);
        assert_int_equal(lsn_parse_rfc3339(buf, 25, &back), 0);
        assert_int_equal(back, t);
    }
}


static void
test_parse_rfc3339(void **state)
{
    time_t  t;
    size_t  i;

    static const char  *bad[] = {
        "2026-11-27T09:30:00",
        "2026-11-27T09:30:00+08",
        "2026-11-27T09:30:00+8:00",
        "2026-11-27T09:30:00+0800",
        "2026-11-27T09:30:00+24:00",
        "2026-11-27T09:30:00+08:60",
        "2026-11-27T09:30:00ZZ",
        "2026-11-27T09:30:00Z ",
        "2026-11-27T09:30:00.Z",
        "2026-11-27T09:30:60Z",
        "2026-11-27X09:30:00Z",
        "2026-02-30T09:30:00Z",
        "2026-11-27T9:30:00Z",
        "26-11-27T09:30:00Z",
        "",
    };

    (void) state;

    /* found by tests/fuzz/fuzz_calendar: Beijing year 10000 cannot be
       written back (lsn_civil_from_time() clamps to 9999) */
    assert_int_equal(lsn_parse_rfc3339("9999-12-31t23:59:59.123456z", 27,
                                       &t), -1);
    assert_int_equal(lsn_parse_rfc3339("9999-12-31T23:59:59+08:00", 25, &t),
                     0);
    assert_int_equal(lsn_parse_rfc3339("2026-11-27T01:30:00Z", 20, &t), 0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("2026-11-27T01:30:00+00:00", 25, &t),
                     0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("2026-11-27T09:30:00+08:00", 25, &t),
                     0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("2026-11-26T20:30:00-05:00", 25, &t),
                     0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("2026-11-27T07:00:00+05:30", 25, &t),
                     0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("2026-11-27t01:30:00z", 20, &t), 0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("2026-11-27 01:30:00Z", 20, &t), 0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("2026-11-27T01:30:00.999999Z", 27,
                                       &t), 0);
    assert_int_equal(t, 1795743000);
    assert_int_equal(lsn_parse_rfc3339("1969-12-31T23:59:59Z", 20, &t), 0);
    assert_int_equal(t, -1);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = 42;

        if (lsn_parse_rfc3339(bad[i], strlen(bad[i]), &t) != -1) {
            fail_msg("accepted \"%s\"", bad[i]);
        }

        assert_int_equal(t, 42);
    }

    /* the length bounds the parse, not a NUL */
    assert_int_equal(lsn_parse_rfc3339("2026-11-27T01:30:00Zjunk", 20, &t),
                     0);
    assert_int_equal(lsn_parse_rfc3339(NULL, 0, &t), -1);
}


static int
t_count_year(void *data, int year)
{
    (void) year;
    ((int *) data)[0]++;

    return 0;
}


static int
t_count_day(void *data, int year, int y, int m, int d, int kind)
{
    int  *counts;

    counts = data;
    counts[1]++;

    if (y == 2022 && m == 12 && d == 31) {
        counts[2] = year;
        counts[3] = kind;
    }

    return 0;
}


static int
t_stop_day(void *data, int year, int y, int m, int d, int kind)
{
    (void) year;
    (void) y;
    (void) m;
    (void) d;
    (void) kind;

    return ++*(int *) data == 3;
}


static void
test_parser(void **state)
{
    int              counts[4], n;
    size_t           i;
    const char      *text;
    lsn_calendar_t  *cal;

    static const char  *bad[] = {
        "2030 off: 2030-01-01,2030-13-01\n",
        "2030 off: 2030-01-01,\n",
        "2030 off: 2030-01-01,,2030-01-02\n",
        "2030 off: 2030-01-05..2030-01-01\n",
        "2030 off: 2030-01-01..2030-03-01\n",
        "2030 off: 2032-01-01\n",
        "2030 off: 2030-1-1\n",
        "2030 holiday: 2030-01-01\n",
        "2030 off 2030-01-01\n",
        "2030off: 2030-01-01\n",
        "20300 off: 2030-01-01\n",
        "1999 off: 1999-01-01\n",
        "2030 off: 2030-01-01;2030-01-02\n",
        "2030 off: 2030-01-01...2030-01-02\n",
        "2030 off: 2030-02-29\n",
    };

    (void) state;

    cal = malloc(sizeof(lsn_calendar_t));
    assert_non_null(cal);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lsn_calendar_init(cal);
        text = bad[i];

        if (lsn_calendar_parse(cal, text, strlen(text)) != -1) {
            fail_msg("accepted \"%s\"", text);
        }

        /* nothing is set by a rejected text */
        assert_false(lsn_calendar_year_loaded(cal, 2030));
        assert_int_equal(lsn_calendar_day_kind(cal, 2030, 1, 1), 0);
    }

    /* comments, prose, CRLF, spaces, an empty list, no final newline */
    lsn_calendar_init(cal);
    text = "# calendar\r\n"
           "```\n"
           "Notes: 2030 is made up\n"
           "\n"
           "  2030 off: 2030-01-01 , 2029-12-31..2029-12-31\r\n"
           "2030 work:\n"
           "2031 work: 2031-01-04";
    assert_int_equal(lsn_calendar_parse(cal, text, strlen(text)), 3);
    assert_true(lsn_calendar_year_loaded(cal, 2030));
    assert_true(lsn_calendar_year_loaded(cal, 2031));
    assert_false(lsn_calendar_year_loaded(cal, 2029));
    assert_int_equal(lsn_calendar_day_kind(cal, 2029, 12, 31), LSN_DAY_OFF);
    assert_int_equal(lsn_calendar_day_kind(cal, 2031, 1, 4), LSN_DAY_WORK);

    /* the length bounds the text */
    lsn_calendar_init(cal);
    text = "2030 off: 2030-01-01\n2031 off: 2031-01-01\n";
    assert_int_equal(lsn_calendar_parse(cal, text, 21), 1);
    assert_false(lsn_calendar_year_loaded(cal, 2031));
    assert_int_equal(lsn_calendar_parse(cal, NULL, 0), 0);
    assert_int_equal(lsn_calendar_parse(cal, "", 0), 0);

    /* the callback parser reports the notice a day belongs to */
    memset(counts, 0, sizeof(counts));
    text = "2023 off: 2022-12-31..2023-01-02\n2023 work: 2023-01-28\n";
    assert_int_equal(lsn_calendar_parse_cb(text, strlen(text), t_count_year,
                                           t_count_day, counts), 4);
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[1], 4);
    assert_int_equal(counts[2], 2023);
    assert_int_equal(counts[3], LSN_DAY_OFF);

    /* a handler can stop the parse */
    n = 0;
    assert_int_equal(lsn_calendar_parse_cb(text, strlen(text), NULL,
                                           t_stop_day, &n), -1);
    assert_int_equal(n, 3);

    /* set_day / set_ymd */
    lsn_calendar_init(cal);
    assert_int_equal(lsn_calendar_set_day(cal, "2030-05-06", 10,
                                          LSN_DAY_OFF), 0);
    assert_false(lsn_calendar_is_working_day(cal, 2030, 5, 6));
    assert_int_equal(lsn_calendar_set_day(cal, "2030-05-06", 10, 0), 0);
    assert_true(lsn_calendar_is_working_day(cal, 2030, 5, 6));
    assert_int_equal(lsn_calendar_set_day(cal, "2030-5-6", 8, 1), -1);
    assert_int_equal(lsn_calendar_set_day(cal, "2030-02-30", 10, 1), -1);
    assert_int_equal(lsn_calendar_set_day(cal, "1999-12-31", 10, 1), -1);
    assert_int_equal(lsn_calendar_set_day(cal, "2100-01-01", 10, 1), -1);
    assert_int_equal(lsn_calendar_set_ymd(cal, 2030, 5, 6, 3), -1);
    assert_int_equal(lsn_calendar_set_ymd(cal, 2099, 12, 31, 2), 0);
    assert_int_equal(lsn_calendar_day_kind(cal, 2099, 12, 31), LSN_DAY_WORK);
    assert_int_equal(lsn_calendar_set_ymd(cal, 2000, 1, 1, 1), 0);
    assert_int_equal(lsn_calendar_day_kind(cal, 2000, 1, 1), LSN_DAY_OFF);

    free(cal);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_parse_counts),
        cmocka_unit_test(test_every_listed_day),
        cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_add_working_days),
        cmocka_unit_test(test_unknown_year),
        cmocka_unit_test(test_working_days_between),
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse_datetime),
        cmocka_unit_test(test_parse_rfc3339),
        cmocka_unit_test(test_parser),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
