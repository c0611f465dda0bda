/*
 * Unit tests: lsn_kpi (the A2 indicators' SQL, rates and the A16 score).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_calendar.h"
#include "lsn_kpi.h"


static void
test_rate_and_score(void **state)
{
    lsn_kpi_t  k;

    (void) state;

    assert_true(lsn_kpi_rate(1, 4) == 0.25);
    assert_true(lsn_kpi_rate(0, 0) < 0);

    memset(&k, 0, sizeof(k));
    /* nothing to measure: nothing missed */
    assert_true(lsn_kpi_score(&k) == 100.0);

    k.dispatched = 4;           /* 40 x 0.5  = 20 */
    k.accepted_in_time = 2;
    k.due = 10;                 /* 30 x 0.9  = 27 */
    k.on_time = 9;
    k.work_orders = 5;          /* 20 x 1.0  = 20 */
    k.contacted = 5;
    k.ratings = 4;              /* 10 x 0.25 = 2.5 */
    k.satisfied = 1;
    assert_true(lsn_kpi_score(&k) == 69.5);
}


static void
test_from_row(void **state)
{
    lsn_kpi_t   k;
    char       *row[12] = { "3", "民事审判庭", "10", "4", "2", "5", "5",
                            "10", "9", "4", "13", NULL };

    (void) state;

    lsn_kpi_from_row(&k, row);
    assert_int_equal(k.requests, 10);
    assert_int_equal(k.dispatched, 4);
    assert_int_equal(k.accepted_in_time, 2);
    assert_int_equal(k.work_orders, 5);
    assert_int_equal(k.contacted, 5);
    assert_int_equal(k.due, 10);
    assert_int_equal(k.on_time, 9);
    assert_int_equal(k.ratings, 4);
    assert_int_equal(k.rating_sum, 13);
    assert_int_equal(k.satisfied, 0);       /* NULL counts as 0 */
}


static void
test_sql(void **state)
{
    long    n;
    char    buf[4096];
    time_t  from, to;

    (void) state;

    from = lsn_time_from_civil(2026, 10, 1, 0, 0, 0);
    to = lsn_time_from_civil(2026, 11, 1, 0, 0, 0);

    n = lsn_kpi_sql(buf, sizeof(buf) - 1, LSN_KPI_TOTAL, from, to, to, 0);
    assert_true(n > 0 && n < (long) sizeof(buf) - 1);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "t.created_at >= '2026-10-01 00:00:00' "
                                "AND t.created_at < '2026-11-01 00:00:00'"));
    assert_non_null(strstr(buf, "(0 = 0 OR t.department_id = 0)"));
    assert_null(strstr(buf, "GROUP BY"));

    n = lsn_kpi_sql(buf, sizeof(buf) - 1, LSN_KPI_BY_DEPARTMENT, from, to, to, 7);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "(7 = 0 OR t.department_id = 7)"));
    assert_non_null(strstr(buf, "GROUP BY t.department_id"));

    n = lsn_kpi_sql(buf, sizeof(buf) - 1, LSN_KPI_BY_HANDLER, from, to, to, 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "GROUP BY t.first_handler_staff_id"));

    /* the needed length even when the buffer is too small */
    assert_int_equal(lsn_kpi_sql(buf, 10, LSN_KPI_BY_HANDLER, from, to, to, 0),
                     n);
    assert_int_equal(lsn_kpi_sql(buf, sizeof(buf), (lsn_kpi_group_e) 9,
                                 from, to, to, 0), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_and_score),
        cmocka_unit_test(test_from_row),
        cmocka_unit_test(test_sql),
    };

    return cmocka_run_group_tests_name("kpi", tests, NULL, NULL);
}
