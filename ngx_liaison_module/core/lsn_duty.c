/*
 * Liaison: recorded duties and their follow-through (A12, A14, A15).
 */


#include "lsn_duty.h"
#include "lsn_text.h"


#define LSN_DAY         86400
#define LSN_MAX_SCAN    62      /* the longest run of days off, and then some */


static int lsn_working(const lsn_calendar_t *cal, time_t day);
static time_t lsn_working_after(const lsn_calendar_t *cal, time_t day);
static time_t lsn_working_before(const lsn_calendar_t *cal, time_t day);


const char  *lsn_duty_names[] = { "trial_mgmt", "political", NULL };

const char  *lsn_duty_offices[] = { "审判管理办公室", "政治部", NULL };

const char  *lsn_duty_topics[] = {
    "涉案件流程管理的集中问题", "涉作风纪律问题", NULL
};

const char  *lsn_duty_sections[] = {
    "case_flow_issues", "discipline_issues", NULL
};

const char  *lsn_follow_up_steps[] = { "before", "due", "overdue", NULL };

const char  *lsn_limit_steps[] = { "last_day", "overdue", NULL };


int
lsn_duty_index(const char *kind, size_t len)
{
    return lsn_name_index(lsn_duty_names, kind, len);
}


int
lsn_duty_holder(int role)
{
    return role >= 0 && role < LSN_ROLE_COUNT
           && (LSN_ROLES_DUTY & LSN_ROLE_BIT(role)) != 0;
}


static int
lsn_working(const lsn_calendar_t *cal, time_t day)
{
    lsn_civil_t  cv;

    lsn_civil_from_time(day, &cv);

    return lsn_calendar_is_working_day(cal, cv.year, cv.month, cv.day);
}


/* 00:00 of the first working day after day */

static time_t
lsn_working_after(const lsn_calendar_t *cal, time_t day)
{
    return lsn_calendar_add_working_days(cal, day + LSN_DAY, 0, NULL);
}


/* 00:00 of the last working day before day (day itself when none is
   found, which a loaded calendar never does) */

static time_t
lsn_working_before(const lsn_calendar_t *cal, time_t day)
{
    int     i;
    time_t  d;

    for (i = 1, d = day - LSN_DAY; i <= LSN_MAX_SCAN; i++, d -= LSN_DAY) {
        if (lsn_working(cal, d)) {
            return d;
        }
    }

    return day;
}


time_t
lsn_duty_due_day(const lsn_calendar_t *cal, time_t day, int n)
{
    lsn_civil_t  cv;

    /* the date of day, whatever its clock time */
    lsn_civil_from_time(day, &cv);
    day = lsn_time_from_civil(cv.year, cv.month, cv.day, 0, 0, 0);

    return lsn_calendar_add_working_days(cal, day, n, NULL);
}


void
lsn_duty_limit_alerts(const lsn_calendar_t *cal, time_t due_day,
    int office_start, time_t at[LSN_LIMIT_STEPS])
{
    at[LSN_LIMIT_LAST_DAY] = due_day + office_start;
    at[LSN_LIMIT_OVERDUE] = lsn_working_after(cal, due_day) + office_start;
}


void
lsn_follow_up_alerts(const lsn_calendar_t *cal, time_t due_day,
    int office_start, time_t at[LSN_FOLLOW_UP_STEPS])
{
    time_t  due;

    due = lsn_working(cal, due_day) ? due_day
                                    : lsn_working_before(cal, due_day);

    at[LSN_FOLLOW_UP_BEFORE] = lsn_working_before(cal, due) + office_start;
    at[LSN_FOLLOW_UP_DUE] = due + office_start;
    at[LSN_FOLLOW_UP_OVERDUE] = lsn_working_after(cal, due_day)
                                + office_start;
}


int
lsn_duty_step(const time_t *at, int n, unsigned done, time_t now,
    unsigned *skip)
{
    int  i, fire;

    fire = -1;
    *skip = 0;

    for (i = 0; i < n; i++) {
        if (at[i] <= now && !(done & (1u << i))) {
            if (fire >= 0) {
                *skip |= 1u << fire;
            }

            fire = i;
        }
    }

    return fire;
}
