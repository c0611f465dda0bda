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
    fire = lsn_ladder_due(at, t_parse("2026-03-10 13:59:59"), 0, 0, &skip);
    assert_int_equal(fire, 0);
    assert_int_equal(skip, 0);
    assert_true(lsn_ladder_next(at, 0, 0) == t_parse("2026-03-10 14:00:00"));

    /* the reminder, exactly at its instant */
    fire = lsn_ladder_due(at, t_parse("2026-03-10 14:00:00"), 0, 0, &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_REMINDER);
    assert_int_equal(skip, 0);

    /* already recorded: nothing more until due */
    fire = lsn_ladder_due(at, t_parse("2026-03-10 17:58:59"),
                          1u << LSN_LADDER_REMINDER, 0, &skip);
    assert_int_equal(fire, 0);
    assert_true(lsn_ladder_next(at, 1u << LSN_LADDER_REMINDER, 0)
                == t_parse("2026-03-10 17:59:00"));

    fire = lsn_ladder_due(at, t_parse("2026-03-10 17:59:00"),
                          1u << LSN_LADDER_REMINDER, 0, &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_WARNING);
    assert_int_equal(skip, 0);

    /* first seen after due: the reminder is skipped, the warning fires */
    fire = lsn_ladder_due(at, t_parse("2026-03-11 09:00:00"), 0, 0, &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_WARNING);
    assert_int_equal(skip, 1u << LSN_LADDER_REMINDER);

    /* one second before the leader */
    fire = lsn_ladder_due(at, t_parse("2026-03-13 17:58:59"),
                          (1u << LSN_LADDER_REMINDER)
                          | (1u << LSN_LADDER_WARNING),
                          lsn_ladder_not_before(cal, at[LSN_LADDER_WARNING]),
                          &skip);
    assert_int_equal(fire, 0);

    fire = lsn_ladder_due(at, t_parse("2026-03-13 17:59:00"),
                          (1u << LSN_LADDER_REMINDER)
                          | (1u << LSN_LADDER_WARNING),
                          lsn_ladder_not_before(cal, at[LSN_LADDER_WARNING]),
                          &skip);
    assert_int_equal(fire, 1u << LSN_LADDER_LEADER);

    /* all done */
    fire = lsn_ladder_due(at, t_parse("2027-03-25 09:00:00"),
                          LSN_LADDER_ALL, 0, &skip);
    assert_int_equal(fire, 0);
    assert_int_equal(skip, 0);
    assert_true(lsn_ladder_next(at, LSN_LADDER_ALL, 0) == (time_t) -1);

    assert_string_equal(lsn_ladder_level_name(LSN_LADDER_WARNING),
                        "warning");
    assert_string_equal(lsn_ladder_level_name(LSN_LADDER_PRESIDENT),
                        "president");
    assert_string_equal(lsn_ladder_level_name(5), "?");
    assert_string_equal(lsn_ladder_level_name(-1), "?");
}


/*
 * Plays the ladder of a request due at due, first seen at first and then
 * looked at every minute until until: the instants each level fired, ""
 * for a level that did not.  Records what lsn_ladder_due() says, as the
 * worker does.
 */

static void
play(const lsn_ladder_conf_t *conf, const char *due, const char *first,
    const char *until, char fired[LSN_LADDER_LEVELS][32], int *max_at_once)
{
    int       level, n;
    time_t    at[LSN_LADDER_LEVELS], now, end, last;
    unsigned  done, fire, skip;

    lsn_ladder_instants(cal, conf, t_parse(due), at, NULL);
    memset(fired, 0, LSN_LADDER_LEVELS * 32);

    done = 0;
    last = 0;
    *max_at_once = 0;
    end = t_parse(until);

    for (now = t_parse(first); now <= end; now += 60) {
        fire = lsn_ladder_due(at, now, done,
                              lsn_ladder_not_before(cal, last), &skip);

        /* never twice */
        assert_int_equal(fire & done, 0);
        assert_int_equal(skip & done, 0);

        n = 0;

        for (level = 0; level < LSN_LADDER_LEVELS; level++) {
            if (fire & (1u << level)) {
                t_fmt(now, fired[level]);
                n++;

                if (level != LSN_LADDER_REMINDER) {
                    last = now;
                }
            }
        }

        if (n > *max_at_once) {
            *max_at_once = n;
        }

        done |= fire | skip;
    }
}


/* On time: each level at its instant, across the Spring Festival. */

static void
test_play_on_time(void **state)
{
    int                most;
    char               fired[LSN_LADDER_LEVELS][32];
    lsn_ladder_conf_t  conf;

    (void) state;

    lsn_ladder_conf_default(&conf);

    /* due Friday 02-13 16:00: the make-up Saturday 02-14, then 02-24.. */
    play(&conf, "2026-02-13 16:00:00", "2026-02-13 08:00:00",
         "2026-03-10 00:00:00", fired, &most);
    assert_string_equal(fired[LSN_LADDER_REMINDER], "2026-02-13 10:30:00");
    assert_string_equal(fired[LSN_LADDER_WARNING], "2026-02-13 16:00:00");
    assert_string_equal(fired[LSN_LADDER_LEADER], "2026-02-25 16:00:00");
    assert_string_equal(fired[LSN_LADDER_VP], "2026-02-27 16:00:00");
    assert_string_equal(fired[LSN_LADDER_PRESIDENT], "2026-03-02 16:00:00");
    assert_int_equal(most, 1);

    /* due Wednesday 09-30 10:00, before National Day (10-01..07 off):
       + 3 working days is the make-up Saturday 10-10, then 10-13, 10-15 */
    play(&conf, "2026-09-30 10:00:00", "2026-09-29 08:00:00",
         "2026-10-31 00:00:00", fired, &most);
    assert_string_equal(fired[LSN_LADDER_REMINDER], "2026-09-29 15:30:00");
    assert_string_equal(fired[LSN_LADDER_WARNING], "2026-09-30 10:00:00");
    assert_string_equal(fired[LSN_LADDER_LEADER], "2026-10-10 10:00:00");
    assert_string_equal(fired[LSN_LADDER_VP], "2026-10-13 10:00:00");
    assert_string_equal(fired[LSN_LADDER_PRESIDENT], "2026-10-15 10:00:00");
    assert_int_equal(most, 1);
}


/* First seen late: one level per working day, never several at once. */

static void
test_play_late(void **state)
{
    int                most;
    char               fired[LSN_LADDER_LEVELS][32];
    lsn_ladder_conf_t  conf;

    (void) state;

    lsn_ladder_conf_default(&conf);

    /* due 02-05, every level overdue when first seen on 02-13 09:00: the
       warning then, the leader on the make-up Saturday, the vp after the
       Spring Festival, the president the day after */
    play(&conf, "2026-02-05 09:00:00", "2026-02-13 09:00:00",
         "2026-03-10 00:00:00", fired, &most);
    assert_string_equal(fired[LSN_LADDER_REMINDER], "");
    assert_string_equal(fired[LSN_LADDER_WARNING], "2026-02-13 09:00:00");
    assert_string_equal(fired[LSN_LADDER_LEADER], "2026-02-14 09:00:00");
    assert_string_equal(fired[LSN_LADDER_VP], "2026-02-24 09:00:00");
    assert_string_equal(fired[LSN_LADDER_PRESIDENT], "2026-02-25 09:00:00");
    assert_int_equal(most, 1);

    /* no days between the levels by configuration: still one a day */
    conf.leader_days = 0;
    conf.vp_days = 0;
    conf.president_days = 0;
    play(&conf, "2026-09-30 10:00:00", "2026-09-30 10:00:00",
         "2026-10-31 00:00:00", fired, &most);
    assert_string_equal(fired[LSN_LADDER_WARNING], "2026-09-30 10:00:00");
    assert_string_equal(fired[LSN_LADDER_LEADER], "2026-10-08 10:00:00");
    assert_string_equal(fired[LSN_LADDER_VP], "2026-10-09 10:00:00");
    assert_string_equal(fired[LSN_LADDER_PRESIDENT], "2026-10-10 10:00:00");
    assert_int_equal(most, 1);
}


static void
test_not_before(void **state)
{
    char    buf[32];
    time_t  at[LSN_LADDER_LEVELS];

    (void) state;

    assert_true(lsn_ladder_not_before(cal, 0) == 0);
    /* Friday before the Spring Festival: the make-up Saturday */
    assert_string_equal(t_fmt(lsn_ladder_not_before(cal,
                        t_parse("2026-02-13 11:00:00")), buf),
                        "2026-02-14 11:00:00");
    assert_string_equal(t_fmt(lsn_ladder_not_before(cal,
                        t_parse("2026-02-14 11:00:00")), buf),
                        "2026-02-24 11:00:00");
    /* National Day: 09-30 -> 10-08 */
    assert_string_equal(t_fmt(lsn_ladder_not_before(cal,
                        t_parse("2026-09-30 17:00:00")), buf),
                        "2026-10-08 17:00:00");

    /* next: the leader waits for not_before */
    memset(at, 0, sizeof(at));
    at[LSN_LADDER_REMINDER] = t_parse("2026-03-02 09:00:00");
    at[LSN_LADDER_WARNING] = t_parse("2026-03-02 12:00:00");
    at[LSN_LADDER_LEADER] = t_parse("2026-03-03 12:00:00");
    at[LSN_LADDER_VP] = t_parse("2026-03-04 12:00:00");
    at[LSN_LADDER_PRESIDENT] = t_parse("2026-03-05 12:00:00");
    assert_true(lsn_ladder_next(at, (1u << LSN_LADDER_REMINDER)
                                | (1u << LSN_LADDER_WARNING),
                                t_parse("2026-03-10 08:00:00"))
                == t_parse("2026-03-10 08:00:00"));
    assert_true(lsn_ladder_next(at, (1u << LSN_LADDER_REMINDER)
                                | (1u << LSN_LADDER_WARNING), 0)
                == at[LSN_LADDER_LEADER]);
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
        cmocka_unit_test(test_play_on_time),
        cmocka_unit_test(test_play_late),
        cmocka_unit_test(test_not_before),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
