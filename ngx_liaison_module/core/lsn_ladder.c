/*
 * Liaison: the A8 escalation ladder (see lsn_ladder.h).
 */


#include "lsn_ladder.h"


#define LSN_LADDER_LOOKBACK_DAYS  400
#define LSN_LADDER_DAY_SECS       86400


static int lsn_ladder_hhmm(const char *s, int *secs);


void
lsn_ladder_conf_default(lsn_ladder_conf_t *conf)
{
    conf->leader_days = 3;
    conf->vp_days = 2;
    conf->president_days = 2;
    conf->am_start = 8 * 3600 + 30 * 60;
    conf->am_end = 12 * 3600;
    conf->pm_start = 14 * 3600;
    conf->pm_end = 17 * 3600 + 30 * 60;
    conf->reminder_secs = ((conf->am_end - conf->am_start)
                           + (conf->pm_end - conf->pm_start)) / 2;
}


/* "HH:MM" (5 bytes) as seconds after midnight; 24:00 is allowed. */

static int
lsn_ladder_hhmm(const char *s, int *secs)
{
    int  h, m;

    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != ':'
        || s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
    {
        return -1;
    }

    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');

    if (m > 59 || h > 24 || (h == 24 && m != 0)) {
        return -1;
    }

    *secs = h * 3600 + m * 60;

    return 0;
}


int
lsn_ladder_parse_hours(lsn_ladder_conf_t *conf, const char *s, size_t len)
{
    int                v[4], i;
    const char        *p;
    lsn_ladder_conf_t  c;

    /* exactly "HH:MM-HH:MM,HH:MM-HH:MM" */
    if (s == NULL || len != 23) {
        return -1;
    }

    p = s;

    for (i = 0; i < 4; i++) {
        if (lsn_ladder_hhmm(p, &v[i]) != 0) {
            return -1;
        }

        p += 5;

        if (i < 3) {
            if (*p != (i == 1 ? ',' : '-')) {
                return -1;
            }

            p++;
        }
    }

    c = *conf;
    c.am_start = v[0];
    c.am_end = v[1];
    c.pm_start = v[2];
    c.pm_end = v[3];
    c.reminder_secs = ((v[1] - v[0]) + (v[3] - v[2])) / 2;

    if (lsn_ladder_conf_valid(&c) != 0) {
        return -1;
    }

    *conf = c;

    return 0;
}


int
lsn_ladder_conf_valid(const lsn_ladder_conf_t *conf)
{
    if (conf->leader_days < 0 || conf->leader_days > 30
        || conf->vp_days < 0 || conf->vp_days > 30
        || conf->president_days < 0 || conf->president_days > 30)
    {
        return -1;
    }

    if (conf->am_start < 0 || conf->am_start >= conf->am_end
        || conf->am_end > conf->pm_start || conf->pm_start >= conf->pm_end
        || conf->pm_end > LSN_LADDER_DAY_SECS)
    {
        return -1;
    }

    if (conf->reminder_secs < 0) {
        return -1;
    }

    return 0;
}


time_t
lsn_office_time_before(const lsn_calendar_t *cal,
    const lsn_ladder_conf_t *conf, time_t t, long secs)
{
    int          i, s;
    long         left, len;
    time_t       day0, from, to;
    lsn_civil_t  cv;

    if (secs <= 0) {
        return t;
    }

    lsn_civil_from_time(t, &cv);
    day0 = lsn_time_from_civil(cv.year, cv.month, cv.day, 0, 0, 0);
    left = secs;

    for (i = 0; i < LSN_LADDER_LOOKBACK_DAYS; i++) {

        lsn_civil_from_time(day0, &cv);

        if (lsn_calendar_is_working_day(cal, cv.year, cv.month, cv.day)) {

            /* the afternoon session first: we walk backwards */
            for (s = 1; s >= 0; s--) {
                from = day0 + (s ? conf->pm_start : conf->am_start);
                to = day0 + (s ? conf->pm_end : conf->am_end);

                if (to > t) {
                    to = t;
                }

                if (to <= from) {
                    continue;
                }

                len = (long) (to - from);

                if (left <= len) {
                    return to - left;
                }

                left -= len;
            }
        }

        day0 -= LSN_LADDER_DAY_SECS;
    }

    return t - secs;
}


void
lsn_ladder_instants(const lsn_calendar_t *cal,
    const lsn_ladder_conf_t *conf, time_t due, time_t at[LSN_LADDER_LEVELS],
    int *unknown_year)
{
    int  u, first;

    first = 0;

    at[LSN_LADDER_WARNING] = due;
    at[LSN_LADDER_REMINDER] = lsn_office_time_before(cal, conf, due,
                                                     conf->reminder_secs);

    at[LSN_LADDER_LEADER] = lsn_calendar_add_working_days(cal, due,
                                conf->leader_days, &u);
    first = u;

    at[LSN_LADDER_VP] = lsn_calendar_add_working_days(cal,
                            at[LSN_LADDER_LEADER], conf->vp_days, &u);
    if (first == 0) {
        first = u;
    }

    at[LSN_LADDER_PRESIDENT] = lsn_calendar_add_working_days(cal,
                                   at[LSN_LADDER_VP], conf->president_days,
                                   &u);
    if (first == 0) {
        first = u;
    }

    if (unknown_year != NULL) {
        *unknown_year = first;
    }
}


/* the steps from the due time on, in the order they fire */
static const int  lsn_ladder_order[] = {
    LSN_LADDER_WARNING, LSN_LADDER_LEADER, LSN_LADDER_VP,
    LSN_LADDER_PRESIDENT
};

#define LSN_LADDER_STEPS  (sizeof(lsn_ladder_order) / sizeof(int))


time_t
lsn_ladder_not_before(const lsn_calendar_t *cal, time_t last)
{
    if (last == 0) {
        return 0;
    }

    return lsn_calendar_add_working_days(cal, last, 1, NULL);
}


unsigned
lsn_ladder_due(const time_t at[LSN_LADDER_LEVELS], time_t now,
    unsigned done, time_t not_before, unsigned *skip)
{
    int       level;
    size_t    i;
    unsigned  bit;

    *skip = 0;
    bit = 1u << LSN_LADDER_REMINDER;

    if (!(done & bit) && now >= at[LSN_LADDER_REMINDER]) {
        if (now < at[LSN_LADDER_WARNING]) {
            return bit;
        }

        *skip = bit;
    }

    for (i = 0; i < LSN_LADDER_STEPS; i++) {
        level = lsn_ladder_order[i];
        bit = 1u << level;

        if (done & bit) {
            continue;
        }

        /* the first step not recorded, and only it */
        return (now >= at[level] && now >= not_before) ? bit : 0;
    }

    return 0;
}


time_t
lsn_ladder_next(const time_t at[LSN_LADDER_LEVELS], unsigned done,
    time_t not_before)
{
    int     level;
    size_t  i;
    time_t  next, t;

    next = (time_t) -1;

    if (!(done & (1u << LSN_LADDER_REMINDER))) {
        next = at[LSN_LADDER_REMINDER];
    }

    for (i = 0; i < LSN_LADDER_STEPS; i++) {
        level = lsn_ladder_order[i];

        if (done & (1u << level)) {
            continue;
        }

        t = at[level] > not_before ? at[level] : not_before;

        if (next == (time_t) -1 || t < next) {
            next = t;
        }

        break;
    }

    return next;
}


const char *
lsn_ladder_level_name(int level)
{
    static const char  *names[LSN_LADDER_LEVELS] = {
        "warning", "reminder", "leader", "vp", "president"
    };

    if (level < 0 || level >= LSN_LADDER_LEVELS) {
        return "?";
    }

    return names[level];
}
