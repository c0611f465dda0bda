/*
 * Unit tests: lsn_duty (A12 offices, A14 follow-up reminders, A15 liaison
 * change limits) on the working-day calendar.
 *
 * The expected days are worked out by hand from the 2026 State Council
 * notice: Spring Festival 02-15..23 off with make-up Saturdays 02-14 and
 * 02-28; National Day 10-01..07 off with 09-25..27 off and make-up days
 * Sunday 09-20 and Saturday 10-10.  Office hours start at 08:30.
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lsn_duty.h"
#include "test_calendar_file.h"


#define OFFICE_START  (8 * 3600 + 30 * 60)


static lsn_calendar_t  *cal;


static time_t
day(const char *s)
{
    time_t  t;

    assert_int_equal(lsn_parse_day(s, strlen(s), &t), 0);

    return t;
}


static const char *
fmt(time_t t, char *buf)
{
    lsn_format_datetime(t, buf);

    return buf;
}


static int
setup(void **state)
{
    int  days;

    (void) state;

    cal = test_calendar_load(&days);

    return cal != NULL && days > 0 ? 0 : -1;
}


static int
teardown(void **state)
{
    (void) state;

    free(cal);

    return 0;
}


static void
test_offices(void **state)
{
    (void) state;

    assert_int_equal(lsn_duty_index("trial_mgmt", 10), LSN_DUTY_TRIAL_MGMT);
    assert_int_equal(lsn_duty_index("political", 9), LSN_DUTY_POLITICAL);
    assert_int_equal(lsn_duty_index("filing", 6), -1);
    assert_int_equal(lsn_duty_index("office", 6), -1);
    assert_int_equal(lsn_duty_index("trial", 5), -1);

    assert_string_equal(lsn_duty_offices[LSN_DUTY_TRIAL_MGMT],
                        "审判管理办公室");
    assert_string_equal(lsn_duty_offices[LSN_DUTY_POLITICAL], "政治部");
    assert_string_equal(lsn_duty_sections[LSN_DUTY_TRIAL_MGMT],
                        "case_flow_issues");
    assert_string_equal(lsn_duty_sections[LSN_DUTY_POLITICAL],
                        "discipline_issues");
    assert_null(lsn_duty_names[LSN_DUTY_COUNT]);

    /* the office's leader and liaisons hold its duty, no one else */
    assert_true(lsn_duty_holder(LSN_ROLE_DEPT_LEADER));
    assert_true(lsn_duty_holder(LSN_ROLE_LIAISON));
    assert_false(lsn_duty_holder(LSN_ROLE_JUDGE));
    assert_false(lsn_duty_holder(LSN_ROLE_DEPT_STAFF));
    assert_false(lsn_duty_holder(LSN_ROLE_VICE_PRESIDENT));
    assert_false(lsn_duty_holder(LSN_ROLE_PRESIDENT));
    assert_false(lsn_duty_holder(LSN_ROLE_SYS_ADMIN));
    assert_false(lsn_duty_holder(-1));
    assert_false(lsn_duty_holder(LSN_ROLE_COUNT));
}


typedef struct {
    const char  *from;
    int          days;
    const char  *due;
    const char  *last_day;
    const char  *overdue;
} limit_case_t;


/* A15: 5 working days to report, 2 to publish. */

static void
test_liaison_limits(void **state)
{
    char    a[32], b[32];
    time_t  due, at[LSN_LIMIT_STEPS];
    size_t  i;

    static const limit_case_t  cases[] = {
        /* Monday before National Day: the make-up Saturday is day 5 */
        { "2026-09-28", 5, "2026-10-10 00:00:00", "2026-10-10 08:30:00",
          "2026-10-12 08:30:00" },
        /* Thursday: the 25th-27th off, day 5 after the holiday */
        { "2026-09-24", 5, "2026-10-09 00:00:00", "2026-10-09 08:30:00",
          "2026-10-10 08:30:00" },
        /* before the Spring Festival: the make-up Saturday counts */
        { "2026-02-12", 5, "2026-02-26 00:00:00", "2026-02-26 08:30:00",
          "2026-02-27 08:30:00" },
        /* an ordinary Saturday counts from Monday */
        { "2026-03-07", 5, "2026-03-16 00:00:00", "2026-03-16 08:30:00",
          "2026-03-17 08:30:00" },
        /* reported on the Friday after National Day: published by the
           Monday, the make-up Saturday between */
        { "2026-10-09", 2, "2026-10-12 00:00:00", "2026-10-12 08:30:00",
          "2026-10-13 08:30:00" },
        /* reported on the eve of the Spring Festival */
        { "2026-02-13", 2, "2026-02-24 00:00:00", "2026-02-24 08:30:00",
          "2026-02-25 08:30:00" },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        due = lsn_duty_due_day(cal, day(cases[i].from), cases[i].days);
        assert_string_equal(fmt(due, a), cases[i].due);

        /* the clock time of the start does not matter */
        assert_true(lsn_duty_due_day(cal, day(cases[i].from) + 15 * 3600,
                                     cases[i].days) == due);

        lsn_duty_limit_alerts(cal, due, OFFICE_START, at);
        assert_string_equal(fmt(at[LSN_LIMIT_LAST_DAY], a),
                            cases[i].last_day);
        assert_string_equal(fmt(at[LSN_LIMIT_OVERDUE], b),
                            cases[i].overdue);

        /* on time up to the due day, late from the next working day */
        assert_int_equal(lsn_calendar_working_days_between(cal,
                             day(cases[i].from), due), cases[i].days);
        assert_true(lsn_calendar_working_days_between(cal,
                        day(cases[i].from),
                        at[LSN_LIMIT_OVERDUE] - OFFICE_START)
                    > cases[i].days);
    }
}


typedef struct {
    const char  *due_on;
    const char  *before;
    const char  *due;
    const char  *overdue;
} follow_up_case_t;


/* A14: the day before, the due day, the day after. */

static void
test_follow_up_alerts(void **state)
{
    char    buf[32];
    time_t  at[LSN_FOLLOW_UP_STEPS];
    size_t  i;

    static const follow_up_case_t  cases[] = {
        /* an ordinary Monday: the Friday before */
        { "2026-03-09", "2026-03-06 08:30:00", "2026-03-09 08:30:00",
          "2026-03-10 08:30:00" },
        /* due in the National Day holiday: reminded before it */
        { "2026-10-03", "2026-09-29 08:30:00", "2026-09-30 08:30:00",
          "2026-10-08 08:30:00" },
        /* due after the Spring Festival: the make-up Saturday before */
        { "2026-02-24", "2026-02-14 08:30:00", "2026-02-24 08:30:00",
          "2026-02-25 08:30:00" },
        /* a Monday after a make-up Saturday */
        { "2026-10-12", "2026-10-10 08:30:00", "2026-10-12 08:30:00",
          "2026-10-13 08:30:00" },
        /* due on a make-up Sunday */
        { "2026-09-20", "2026-09-18 08:30:00", "2026-09-20 08:30:00",
          "2026-09-21 08:30:00" },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lsn_follow_up_alerts(cal, day(cases[i].due_on), OFFICE_START, at);
        assert_string_equal(fmt(at[LSN_FOLLOW_UP_BEFORE], buf),
                            cases[i].before);
        assert_string_equal(fmt(at[LSN_FOLLOW_UP_DUE], buf), cases[i].due);
        assert_string_equal(fmt(at[LSN_FOLLOW_UP_OVERDUE], buf),
                            cases[i].overdue);
    }

    assert_string_equal(lsn_follow_up_steps[LSN_FOLLOW_UP_DUE], "due");
    assert_string_equal(lsn_limit_steps[LSN_LIMIT_OVERDUE], "overdue");
}


/* Which step to send, never twice, stale ones skipped. */

static void
test_step(void **state)
{
    unsigned  skip;

    static const time_t  at[3] = { 100, 200, 300 };

    (void) state;

    assert_int_equal(lsn_duty_step(at, 3, 0, 99, &skip), -1);
    assert_int_equal(skip, 0);

    assert_int_equal(lsn_duty_step(at, 3, 0, 100, &skip), 0);
    assert_int_equal(skip, 0);

    /* sent: nothing more until the next instant */
    assert_int_equal(lsn_duty_step(at, 3, 1, 199, &skip), -1);
    assert_int_equal(lsn_duty_step(at, 3, 1, 200, &skip), 1);
    assert_int_equal(skip, 0);

    /* first seen after the second instant: the first is skipped */
    assert_int_equal(lsn_duty_step(at, 3, 0, 250, &skip), 1);
    assert_int_equal(skip, 1u);

    /* a worker down for long: only the last, the others skipped */
    assert_int_equal(lsn_duty_step(at, 3, 0, 1000, &skip), 2);
    assert_int_equal(skip, 3u);
    assert_int_equal(lsn_duty_step(at, 3, 2, 1000, &skip), 2);
    assert_int_equal(skip, 1u);

    /* all done */
    assert_int_equal(lsn_duty_step(at, 3, 7, 1000, &skip), -1);
    assert_int_equal(skip, 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_offices),
        cmocka_unit_test(test_liaison_limits),
        cmocka_unit_test(test_follow_up_alerts),
        cmocka_unit_test(test_step),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
