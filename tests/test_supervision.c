/*
 * Unit tests: lsn_supervision (A17 special supervision): the reasons as
 * recorded and as people read them, and when an idle work order goes
 * under supervision on the working-day calendar (National Day and Spring
 * Festival 2026 with their make-up Saturdays).
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
#include "lsn_supervision.h"
#include "test_calendar_file.h"


static lsn_calendar_t  *cal;


static time_t
t_parse(const char *s)
{
    time_t  t;

    assert_int_equal(lsn_parse_datetime(s, strlen(s), &t), 0);

    return t;
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
test_reasons(void **state)
{
    char    buf[96];
    size_t  n;

    (void) state;

    assert_string_equal(lsn_supervise_reasons[LSN_SUPERVISE_COMPLAINTS],
                        "complaints");
    assert_string_equal(lsn_supervise_reasons[LSN_SUPERVISE_RATING],
                        "rating");
    assert_string_equal(lsn_supervise_reasons[LSN_SUPERVISE_IDLE], "idle");
    assert_string_equal(lsn_supervise_reasons[LSN_SUPERVISE_MANUAL],
                        "manual");
    assert_null(lsn_supervise_reasons[LSN_SUPERVISE_COUNT]);

    n = lsn_supervise_reason_zh(LSN_SUPERVISE_RATING, 1, buf, sizeof(buf));
    assert_string_equal(buf, "当事人评价不满意（1星）");
    assert_int_equal(n, strlen(buf));

    lsn_supervise_reason_zh(LSN_SUPERVISE_IDLE, 3, buf, sizeof(buf));
    assert_string_equal(buf, "工单连续3个工作日无办理动作");

    lsn_supervise_reason_zh(LSN_SUPERVISE_COMPLAINTS, 0, buf, sizeof(buf));
    assert_string_equal(buf, "同一事项重复投诉");

    /* a short buffer stays terminated and says how much it holds */
    n = lsn_supervise_reason_zh(LSN_SUPERVISE_MANUAL, 0, buf, 4);
    assert_int_equal(n, 3);
    assert_int_equal(strlen(buf), 3);
    assert_int_equal(lsn_supervise_reason_zh(LSN_SUPERVISE_MANUAL, 0, buf,
                                             0), 0);
}


static void
test_idle_at(void **state)
{
    char  buf[32];

    (void) state;

    /* an ordinary week: Monday + 3 working days */
    lsn_format_datetime(lsn_supervise_idle_at(cal,
                            t_parse("2026-11-02 10:00:00"), 3), buf);
    assert_string_equal(buf, "2026-11-05 10:00:00");

    /* Friday + 3: over the weekend */
    lsn_format_datetime(lsn_supervise_idle_at(cal,
                            t_parse("2026-11-06 16:20:00"), 3), buf);
    assert_string_equal(buf, "2026-11-11 16:20:00");

    /* the eve of National Day: 10-08, 10-09, then make-up Saturday 10-10 */
    lsn_format_datetime(lsn_supervise_idle_at(cal,
                            t_parse("2026-09-30 10:00:00"), 3), buf);
    assert_string_equal(buf, "2026-10-10 10:00:00");

    /* before Spring Festival: make-up Saturday 02-14, then 02-24, 02-25 */
    lsn_format_datetime(lsn_supervise_idle_at(cal,
                            t_parse("2026-02-13 15:00:00"), 3), buf);
    assert_string_equal(buf, "2026-02-25 15:00:00");

    /* the rule off */
    assert_int_equal(lsn_supervise_idle_at(cal,
                         t_parse("2026-11-02 10:00:00"), 0), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_idle_at),
    };

    return cmocka_run_group_tests_name("supervision", tests, setup,
                                       teardown);
}
