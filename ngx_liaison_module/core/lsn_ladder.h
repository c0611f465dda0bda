/*
 * Liaison: the A8 escalation ladder of a request that waits on the court.
 *
 * Plain C (no nginx headers): shared by the worker, the module and tests.
 *
 * A request that waits on the court (status registered, dispatched,
 * accepted or reopened, either track) climbs these steps from its due
 * time, each at most once per round (a reopening starts a new round with
 * its new due time):
 *
 *   level  name       instant                              to
 *   1      reminder   half a working day before due_at     the handler
 *   0      warning    due_at                               the handler
 *   2      leader     3 working days after due_at          department leader
 *   3      vp         2 more working days                  vice president
 *   4      president  2 more working days                  the president
 *
 * (the handler and the department of a request still with the platform
 * are the platform staff and the case-filing division: docs/worker.md)
 *
 * "n working days after t" is lsn_calendar_add_working_days(): the clock
 * time of t is kept on the n-th working day after it.
 *
 * The steps from the due time on (warning, leader, vp, president) fire in
 * that order, one at a time, and a step fires no earlier than one working
 * day after the one before it actually fired: a request first seen late
 * (the worker was down, the ladder too short by configuration) climbs one
 * step per working day, never several at one instant.
 *
 * "Half a working day" is office time, not clock time: the office hours
 * of a working day are two sessions (default 08:30-12:00 and 14:00-17:30,
 * 7 hours), and the reminder instant is the latest instant R such that the
 * office time in [R, due_at) is half of a working day's office time (3 h
 * 30 min by default).  A due_at outside office hours counts back from the
 * end of the last session before it.
 */

#ifndef _LSN_LADDER_H_INCLUDED_
#define _LSN_LADDER_H_INCLUDED_


#include <stddef.h>
#include <time.h>

#include "lsn_calendar.h"


#define LSN_LADDER_WARNING    0
#define LSN_LADDER_REMINDER   1
#define LSN_LADDER_LEADER     2
#define LSN_LADDER_VP         3
#define LSN_LADDER_PRESIDENT  4

#define LSN_LADDER_LEVELS     5
#define LSN_LADDER_ALL        ((1u << LSN_LADDER_LEVELS) - 1)


typedef struct {
    /* working days: due -> leader, leader -> vp, vp -> president */
    int   leader_days;
    int   vp_days;
    int   president_days;

    /* office sessions, seconds after 00:00: [am_start, am_end) etc. */
    int   am_start;
    int   am_end;
    int   pm_start;
    int   pm_end;

    /* office seconds between the reminder and due_at */
    int   reminder_secs;
} lsn_ladder_conf_t;


/* 3/2/2 days, 08:30-12:00 and 14:00-17:30, a reminder 3 h 30 min ahead. */
void lsn_ladder_conf_default(lsn_ladder_conf_t *conf);

/*
 * Parses office hours "HH:MM-HH:MM,HH:MM-HH:MM" (two ordered, disjoint
 * sessions within one day) into conf; reminder_secs becomes half of the
 * day's office time.  Returns 0, or -1 (conf untouched).
 */
int lsn_ladder_parse_hours(lsn_ladder_conf_t *conf, const char *s,
    size_t len);

/* 0 when conf is usable, -1 otherwise (days 0..30, sessions ordered). */
int lsn_ladder_conf_valid(const lsn_ladder_conf_t *conf);

/*
 * The latest instant R <= t such that the office time in [R, t) is secs
 * (secs <= 0 gives t).  Looks back at most 400 days; returns t - secs
 * when the calendar has no office time in that span.
 */
time_t lsn_office_time_before(const lsn_calendar_t *cal,
    const lsn_ladder_conf_t *conf, time_t t, long secs);

/*
 * The instant of every level for a work order due at due; unknown_year
 * (when not NULL) gets the first year crossed whose calendar is not loaded,
 * or 0.
 */
void lsn_ladder_instants(const lsn_calendar_t *cal,
    const lsn_ladder_conf_t *conf, time_t due, time_t at[LSN_LADDER_LEVELS],
    int *unknown_year);

/*
 * The earliest instant of the next step after the step past the due time
 * that fired last at last (0: none yet): one working day later, or 0.
 */
time_t lsn_ladder_not_before(const lsn_calendar_t *cal, time_t last);

/*
 * What to do at now, given the instants, the mask (bit 1 << level) of
 * the levels already recorded and not_before (lsn_ladder_not_before()):
 * returns the mask of the levels to fire, at most one: the reminder
 * before due_at, or the first level of warning, leader, vp, president not
 * recorded yet once its instant and not_before have come.  *skip gets the
 * levels to record as skipped without sending: the reminder once due_at
 * has passed (a reminder after the warning would only confuse).
 */
unsigned lsn_ladder_due(const time_t at[LSN_LADDER_LEVELS], time_t now,
    unsigned done, time_t not_before, unsigned *skip);

/*
 * The earliest instant after which lsn_ladder_due() may return something
 * new for this mask and not_before, or (time_t) -1 when every level is
 * done.
 */
time_t lsn_ladder_next(const time_t at[LSN_LADDER_LEVELS], unsigned done,
    time_t not_before);

/* "warning", "reminder", "leader", "vp", "president"; "?" otherwise. */
const char *lsn_ladder_level_name(int level);


#endif /* _LSN_LADDER_H_INCLUDED_ */
