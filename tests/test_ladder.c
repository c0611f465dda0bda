/*
 * Unit tests: lsn_ladder (the A8 escalation ladder on the working-day
 * calendar).
 *
 * The expected instants are worked out by hand from the 2026 State Council
 * notice (Spring Festival 2026-02-15..23 off, make-up Saturdays 02-14 and
 * 02-28) with the office hours 08:30-12:00 and 14:00-17:30; the due time
 * is the module's rule, 2 working days after registration.
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

#include "lsn_calendar.h"
#include "lsn_ladder.h"
#include "test_calendar_file.h"


#define SLA_DAYS       2


typedef struct {
    const char  *created;
    const char  *due;
    const char  *reminder;
    const char  *leader;
    const char  *vp;
    const char  *president;
} ladder_case_t;


static lsn_calendar_t  *cal;


static time_t
t_parse(const char *s)
{
    time_t  t;

    assert_int_equal(lsn_parse_datetime(s, strlen(s), &t), 0);

    return t;
}


static const char *
t_fmt(time_t t, char *buf)
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
check_case(const ladder_case_t *c)
{
    int                unknown;
    char               buf[32];
    time_t             created, due, at[LSN_LADDER_LEVELS];
    lsn_ladder_conf_t  conf;

    lsn_ladder_conf_default(&conf);

    created = t_parse(c->created);
    due = lsn_calendar_add_working_days(cal, created, SLA_DAYS, &unknown);
    assert_int_equal(unknown, 0);
    assert_string_equal(t_fmt(due, buf), c->due);

    unknown = -1;
    lsn_ladder_instants(cal, &conf, due, at, &unknown);
    assert_int_equal(unknown, 0);

    assert_string_equal(t_fmt(at[LSN_LADDER_WARNING], buf), c->due);
    assert_string_equal(t_fmt(at[LSN_LADDER_REMINDER], buf), c->reminder);
    assert_string_equal(t_fmt(at[LSN_LADDER_LEADER], buf), c->leader);
    assert_string_equal(t_fmt(at[LSN_LADDER_VP], buf), c->vp);
    assert_string_equal(t_fmt(at[LSN_LADDER_PRESIDENT], buf), c->president);
}


/* Registered before the Spring Festival 2026 break. */

static void
test_before_spring_festival(void **state)
{
    static const ladder_case_t  cases[] = {
        /* Thu: due on the make-up Saturday, leader after the break */
        { "2026-02-12 10:00:00", "2026-02-14 10:00:00",
          "2026-02-13 15:30:00", "2026-02-26 10:00:00",
          "2026-02-28 10:00:00", "2026-03-03 10:00:00" },
        /* Fri: due after the break; the reminder in the same morning */
        { "2026-02-13 16:00:00", "2026-02-24 16:00:00",
          "2026-02-24 10:30:00", "2026-02-27 16:00:00",
          "2026-03-02 16:00:00", "2026-03-04 16:00:00" },
        /* Fri morning: the reminder reaches back across the break */
        { "2026-02-13 09:00:00", "2026-02-24 09:00:00",
          "2026-02-14 14:30:00", "2026-02-27 09:00:00",
          "2026-03-02 09:00:00", "2026-03-04 09:00:00" },
    };
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);
    }
}


/* Registered on a make-up Saturday. */

static void
test_makeup_saturday(void **state)
{
    static const ladder_case_t  cases[] = {
        { "2026-02-14 09:00:00", "2026-02-25 09:00:00",
          "2026-02-24 14:30:00", "2026-02-28 09:00:00",
          "2026-03-03 09:00:00", "2026-03-05 09:00:00" },
        { "2026-02-28 11:00:00", "2026-03-03 11:00:00",
          "2026-03-02 16:30:00", "2026-03-06 11:00:00",
          "2026-03-10 11:00:00", "2026-03-12 11:00:00" },
    };
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);
    }
}


/* Registered at 17:59 on a Friday: after office hours. */

static void
test_friday_1759(void **state)
{
    static const ladder_case_t  cases[] = {
        { "2026-03-06 17:59:00", "2026-03-10 17:59:00",
          "2026-03-10 14:00:00", "2026-03-13 17:59:00",
          "2026-03-17 17:59:00", "2026-03-19 17:59:00" },
        /* the Friday before the break: the next day is a make-up day */
        { "2026-02-13 17:59:00", "2026-02-24 17:59:00",
          "2026-02-24 14:00:00", "2026-02-27 17:59:00",
          "2026-03-02 17:59:00", "2026-03-04 17:59:00" },
        /* the Friday before a make-up Saturday */
        { "2026-02-27 17:59:00", "2026-03-02 17:59:00",
          "2026-03-02 14:00:00", "2026-03-05 17:59:00",
          "2026-03-09 17:59:00", "2026-03-11 17:59:00" },
    };
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);
    }
}


/* Registered on an ordinary weekend: counted from Monday 00:00. */

static void
test_weekend(void **state)
{
    static const ladder_case_t  c = {
        "2026-03-07 10:00:00", "2026-03-11 00:00:00",
        "2026-03-10 14:00:00", "2026-03-16 00:00:00",
        "2026-03-18 00:00:00", "2026-03-20 00:00:00"
    };

    (void) state;

    check_case(&c);
}


static void
test_office_time_before(void **state)
{
    char               buf[32];
    lsn_ladder_conf_t  conf;

    (void) state;

    lsn_ladder_conf_default(&conf);
    assert_int_equal(conf.reminder_secs, 3 * 3600 + 30 * 60);

    /* inside the afternoon session */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-03-10 16:00:00"), 3600), buf), "2026-03-10 15:00:00");
    /* across lunch */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-03-10 15:00:00"), 7200), buf), "2026-03-10 11:00:00");
    /* in the lunch break: counts back from 12:00 */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-03-10 13:00:00"), 1800), buf), "2026-03-10 11:30:00");
    /* exactly a whole session: its start */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-03-10 12:00:00"), 12600), buf),
        "2026-03-10 08:30:00");
    /* Monday morning: back to Friday afternoon */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-03-09 09:00:00"), 3600), buf), "2026-03-06 17:00:00");
    /* after the National Day break 2026 (10-01..07 off) */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-10-08 08:30:00"), 1800), buf), "2026-09-30 17:00:00");
    /* zero */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-10-08 08:30:00"), 0), buf), "2026-10-08 08:30:00");
}


static void
test_hours(void **state)
{
    char               buf[32];
    lsn_ladder_conf_t  conf, saved;

    (void) state;

    lsn_ladder_conf_default(&conf);

    assert_int_equal(lsn_ladder_parse_hours(&conf, "09:00-12:00,13:30-18:00",
                                            23), 0);
    assert_int_equal(conf.am_start, 9 * 3600);
    assert_int_equal(conf.pm_end, 18 * 3600);
    assert_int_equal(conf.reminder_secs, (3 * 3600 + 4 * 3600 + 1800) / 2);

    /* due 2026-03-10 17:59: 3 h 45 min of office time before it */
    assert_string_equal(t_fmt(lsn_office_time_before(cal, &conf,
        t_parse("2026-03-10 17:59:00"), conf.reminder_secs), buf),
        "2026-03-10 14:14:00");

    saved = conf;

    assert_int_equal(lsn_ladder_parse_hours(&conf, "12:00-09:00,13:30-18:00",
                                            23), -1);
    assert_int_equal(lsn_ladder_parse_hours(&conf, "08:00-12:00,11:30-18:00",
                                            23), -1);
    assert_int_equal(lsn_ladder_parse_hours(&conf, "08:00-12:00;13:30-18:00",
                                            23), -1);
    assert_int_equal(lsn_ladder_parse_hours(&conf, "08:00-12:00,13:30-25:00",
                                            23), -1);
    assert_int_equal(lsn_ladder_parse_hours(&conf, "8:00-12:00,13:30-18:00",
                                            22), -1);
    assert_int_equal(lsn_ladder_parse_hours(&conf, NULL, 0), -1);
    assert_memory_equal(&conf, &saved, sizeof(conf));

    assert_int_equal(lsn_ladder_parse_hours(&conf, "08:00-12:00,12:00-24:00",
                                            23), 0);
    assert_int_equal(lsn_ladder_conf_valid(&conf), 0);

    conf.leader_days = 31;
    assert_int_equal(lsn_ladder_conf_valid(&conf), -1);
}


static void
test_custom_days(void **state)
{
    char               buf[32];
    time_t             at[LSN_LADDER_LEVELS];
    lsn_ladder_conf_t  conf;

    (void) state;

    lsn_ladder_conf_default(&conf);
    conf.leader_days = 1;
    conf.vp_days = 1;
    conf.president_days = 1;

    lsn_ladder_instants(cal, &conf, t_parse("2026-02-13 10:00:00"), at,
                        NULL);
    assert_string_equal(t_fmt(at[LSN_LADDER_LEADER], buf),
                        "2026-02-14 10:00:00");
    assert_string_equal(t_fmt(at[LSN_LADDER_VP], buf),
                        "2026-02-24 10:00:00");
    assert_string_equal(t_fmt(at[LSN_LADDER_PRESIDENT], buf),
                        "2026-02-25 10:00:00");
}


static void
test_unknown_year(void **state)
{
    int                unknown;
    char               buf[32];
    time_t             at[LSN_LADDER_LEVELS];
    lsn_ladder_conf_t  conf;

    (void) state;

    lsn_ladder_conf_default(&conf);

    /* 2027 is not in the reference: weekends only, and said so */
    lsn_ladder_instants(cal, &conf, t_parse("2026-12-30 10:00:00"), at,
                        &unknown);
    assert_int_equal(unknown, 2027);
    assert_string_equal(t_fmt(at[LSN_LADDER_LEADER], buf),
                        "2027-01-04 10:00:00");

    lsn_ladder_instants(cal, &conf, t_parse("2026-06-01 10:00:00"), at,
                        &unknown);
    assert_int_equal(unknown, 0);
}


static void
test_due(void **state)
{
    time_t             at[LSN_LADDER_LEVELS];
    unsigned           fire, skip;
    lsn_ladder_conf_t  conf;

    (void) state;

    lsn_ladder_conf_default(&conf);
    lsn_ladder_instants(cal, &conf, t_parse("2026-03-10 17:59:00"), at,
                        NULL);

    /* before the reminder: nothing */
    fire = lsn_ladder_due(at, t_parse("2026-03-10 13:59:59"), 0, &skip);
    assert_int_equal(fire, 0);
    assert_int_equal(skip, 0);
    assert_true(lsn_ladder_next(at, 0) == t_parse("2026-03-10 14:00:00"));

    /* the reminder, exactly at its instant */
    fire = lsn_ladder_due(at, t_parse("2026-03-10 14:00:00"), 0, &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_REMINDER);
    assert_int_equal(skip, 0);

    /* already recorded: nothing more until due */
    fire = lsn_ladder_due(at, t_parse("2026-03-10 17:58:59"),
                          1u << LSN_LADDER_REMINDER, &skip);
    assert_int_equal(fire, 0);
    assert_true(lsn_ladder_next(at, 1u << LSN_LADDER_REMINDER)
                == t_parse("2026-03-10 17:59:00"));

    fire = lsn_ladder_due(at, t_parse("2026-03-10 17:59:00"),
                          1u << LSN_LADDER_REMINDER, &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_WARNING);
    assert_int_equal(skip, 0);

    /* first seen after due: the reminder is skipped, the warning fires */
    fire = lsn_ladder_due(at, t_parse("2026-03-11 09:00:00"), 0, &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_WARNING);
    assert_int_equal(skip, 1u << LSN_LADDER_REMINDER);

    /* one second before the leader */
    fire = lsn_ladder_due(at, t_parse("2026-03-13 17:58:59"),
                          (1u << LSN_LADDER_REMINDER)
                          | (1u << LSN_LADDER_WARNING), &skip);
    assert_int_equal(fire, 0);

    fire = lsn_ladder_due(at, t_parse("2026-03-13 17:59:00"),
                          (1u << LSN_LADDER_REMINDER)
                          | (1u << LSN_LADDER_WARNING), &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_LEADER);

    /* a worker down for two weeks: everything overdue at once */
    fire = lsn_ladder_due(at, t_parse("2026-03-25 09:00:00"), 0, &skip);
    assert_int_equal(fire, (1u << LSN_LADDER_WARNING)
                     | (1u << LSN_LADDER_LEADER) | (1u << LSN_LADDER_VP)
                     | (1u << LSN_LADDER_PRESIDENT));
    assert_int_equal(skip, 1u << LSN_LADDER_REMINDER);

    /* all done */
    fire = lsn_ladder_due(at, t_parse("2027-03-25 09:00:00"),
                          LSN_LADDER_ALL, &skip);
    assert_int_equal(fire, 0);
    assert_int_equal(skip, 0);
    assert_true(lsn_ladder_next(at, LSN_LADDER_ALL) == (time_t) -1);

    assert_string_equal(lsn_ladder_level_name(LSN_LADDER_WARNING),
                        "warning");
    assert_string_equal(lsn_ladder_level_name(LSN_LADDER_PRESIDENT),
                        "president");
    assert_string_equal(lsn_ladder_level_name(5), "?");
    assert_string_equal(lsn_ladder_level_name(-1), "?");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_before_spring_festival),
        cmocka_unit_test(test_makeup_saturday),
        cmocka_unit_test(test_friday_1759),
        cmocka_unit_test(test_weekend),
        cmocka_unit_test(test_office_time_before),
        cmocka_unit_test(test_hours),
        cmocka_unit_test(test_custom_days),
        cmocka_unit_test(test_unknown_year),
        cmocka_unit_test(test_due),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
