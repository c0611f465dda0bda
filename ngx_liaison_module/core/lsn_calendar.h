/*
 * Liaison: Chinese official working-day calendar.
 * Plain C (no nginx headers): shared by the module, the worker and tests.
 */

#ifndef _LSN_CALENDAR_H_INCLUDED_
#define _LSN_CALENDAR_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <time.h>


/* All civil times are Beijing time (UTC+8, no DST since 1991). */
#define LSN_TZ_OFFSET  (8 * 3600)

#define LSN_CAL_MIN_YEAR  2000
#define LSN_CAL_MAX_YEAR  2099


/* Kind of a listed day: an announced holiday day, or a make-up working day. */
#define LSN_DAY_OFF   1
#define LSN_DAY_WORK  2


typedef struct {
    /*
     * per day of [MIN_YEAR, MAX_YEAR], index (year - MIN_YEAR) * 366 +
     * day of year (0-based): 0 = ordinary, LSN_DAY_OFF, LSN_DAY_WORK
     */
    uint8_t   kind[(LSN_CAL_MAX_YEAR - LSN_CAL_MIN_YEAR + 1) * 366];
    /* years whose State Council notice is loaded */
    uint8_t   year_loaded[LSN_CAL_MAX_YEAR - LSN_CAL_MIN_YEAR + 1];
} lsn_calendar_t;


void lsn_calendar_init(lsn_calendar_t *cal);

/* Marks "YYYY-MM-DD" as kind; returns 0, or -1 on a bad date. */
int lsn_calendar_set_day(lsn_calendar_t *cal, const char *date, size_t len,
    int kind);
int lsn_calendar_set_ymd(lsn_calendar_t *cal, int y, int m, int d, int kind);
void lsn_calendar_set_year_loaded(lsn_calendar_t *cal, int year);
int lsn_calendar_year_loaded(const lsn_calendar_t *cal, int year);

/* The kind of a civil date: 0, LSN_DAY_OFF or LSN_DAY_WORK (0 if bad). */
int lsn_calendar_day_kind(const lsn_calendar_t *cal, int y, int m, int d);

/*
 * Parses the reference text format, one notice (year) per line:
 *   "2020 off: 2020-01-01,2020-01-24..2020-02-02"
 *   "2020 work: 2020-01-19"
 * Blank lines, lines starting with '#' and lines not starting with a digit
 * (prose) are ignored; a line starting with a digit must be such an entry.
 * A date may lie in the year before or after the notice's year (the 2023
 * notice starts on 2022-12-31); a range "a..b" spans at most 31 days.
 * Each year named is marked loaded.  The whole text is checked before
 * anything is set: returns the number of days set, or -1 on a malformed
 * entry, leaving cal untouched.
 */
int lsn_calendar_parse(lsn_calendar_t *cal, const char *text, size_t len);

/*
 * The one parser behind lsn_calendar_parse(), for callers that need the
 * notice a day came from (liaison-admin calendar-sql).  year_handler is
 * called for every entry line, day_handler for every day listed, with the
 * notice's year; either may be NULL (a pure syntax check).  A handler
 * returning non-zero stops the parse.  Returns the number of days listed,
 * or -1 on a malformed entry or a handler failure; the handlers may have
 * seen part of the text by then, so check it with NULL handlers first.
 */
typedef int (*lsn_calendar_year_pt)(void *data, int year);
typedef int (*lsn_calendar_day_pt)(void *data, int year, int y, int m, int d,
    int kind);

int lsn_calendar_parse_cb(const char *text, size_t len,
    lsn_calendar_year_pt year_handler, lsn_calendar_day_pt day_handler,
    void *data);

/* 1 when the civil date is a working day, 0 when not. */
int lsn_calendar_is_working_day(const lsn_calendar_t *cal, int y, int m,
    int d);

/*
 * The instant n working days after t (n >= 0; a negative n counts as 0).
 * The clock time of t is kept; a t on a non-working day counts from 00:00
 * of the next working day, so n = 0 returns t itself, or that 00:00.
 * Sets *unknown_year (when not NULL) to the first year crossed whose
 * calendar is not loaded (weekends-only is assumed there), or to 0.
 * Costs O(days crossed): meant for deadlines, not for huge n.
 */
time_t lsn_calendar_add_working_days(const lsn_calendar_t *cal, time_t t,
    int n, int *unknown_year);

/*
 * Whole working days elapsed from a to b, consistent with
 * lsn_calendar_add_working_days(): the largest n such that
 * add_working_days(a, n) <= b, or 0 when there is none or b <= a.
 * For a deadline d = add_working_days(a, k), between(a, t) >= k exactly
 * when t >= d.
 */
int lsn_calendar_working_days_between(const lsn_calendar_t *cal, time_t a,
    time_t b);


/* Beijing civil time helpers. */
typedef struct {
    int  year, month, day, hour, min, sec, wday;
} lsn_civil_t;

/*
 * Calendar arithmetic, never localtime() or TZ.  wday is 0 (Sunday) ..
 * 6, as in struct tm.  t is clamped to Beijing years 0000..9999.
 */
void lsn_civil_from_time(time_t t, lsn_civil_t *cv);
/* m must be 1..12; d, hh, mm, ss count on (January 32 = February 1). */
time_t lsn_time_from_civil(int y, int m, int d, int hh, int mm, int ss);

/* "2026-11-27T09:30:00+08:00" (25 bytes + NUL); returns the length. */
size_t lsn_format_rfc3339(time_t t, char *buf);
/* "2026-11-27 09:30:00" for SQL DATETIME (19 bytes + NUL). */
size_t lsn_format_datetime(time_t t, char *buf);
/* Parses "YYYY-MM-DD HH:MM:SS" (Beijing); returns 0 or -1. */
int lsn_parse_datetime(const char *s, size_t len, time_t *t);
/*
 * Parses RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" ('T' may
 * be 't' or a space, 'Z' may be 'z'; the fraction is dropped, leap second
 * 60 is rejected); returns 0 or -1.
 */
int lsn_parse_rfc3339(const char *s, size_t len, time_t *t);
/* Parses "YYYY-MM-DD" as 00:00 Beijing time; returns 0 or -1. */
int lsn_parse_day(const char *s, size_t len, time_t *t);


#endif /* _LSN_CALENDAR_H_INCLUDED_ */
