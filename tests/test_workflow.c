/*
 * Unit tests: lsn_workflow (the ticket state machine and role rights).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_workflow.h"


#define SIMPLE    0
#define ORDINARY  1


static void
test_names(void **state)
{
    (void) state;

    assert_int_equal(lsn_status_index("dispatched", 10), LSN_ST_DISPATCHED);
    assert_int_equal(lsn_status_index("dispatch", 8), -1);
    assert_int_equal(lsn_action_index("return", 6), LSN_ACT_RETURN);
    assert_int_equal(lsn_role_index("vice_president", 14),
                     LSN_ROLE_VICE_PRESIDENT);
    assert_int_equal(lsn_role_index("root", 4), -1);
    assert_string_equal(lsn_status_names[LSN_ST_REOPENED], "reopened");
}


/* Every (action, status, track) against an independent table. */

static void
test_transitions(void **state)
{
    static const struct {
        lsn_action_e  action;
        lsn_status_e  from;
        int           track;
        int           close;
        int           to;
    } cases[] = {
        { LSN_ACT_REPLY, LSN_ST_REGISTERED, SIMPLE, 0, LSN_ST_ANSWERED },
        { LSN_ACT_REPLY, LSN_ST_REGISTERED, SIMPLE, 1, LSN_ST_CLOSED },
        { LSN_ACT_REPLY, LSN_ST_REGISTERED, ORDINARY, 0, -1 },
        { LSN_ACT_REPLY, LSN_ST_DISPATCHED, ORDINARY, 0, -1 },
        { LSN_ACT_REPLY, LSN_ST_ACCEPTED, ORDINARY, 0, LSN_ST_REPLIED },
        { LSN_ACT_REPLY, LSN_ST_ACCEPTED, ORDINARY, 1, LSN_ST_CLOSED },
        { LSN_ACT_REPLY, LSN_ST_CLOSED, ORDINARY, 0, -1 },
        { LSN_ACT_REPLY, LSN_ST_REOPENED, SIMPLE, 0, LSN_ST_ANSWERED },
        { LSN_ACT_DISPATCH, LSN_ST_REGISTERED, ORDINARY, 0,
          LSN_ST_DISPATCHED },
        { LSN_ACT_DISPATCH, LSN_ST_REGISTERED, SIMPLE, 0, -1 },
        { LSN_ACT_DISPATCH, LSN_ST_DISPATCHED, ORDINARY, 0,
          LSN_ST_DISPATCHED },
        { LSN_ACT_DISPATCH, LSN_ST_ACCEPTED, ORDINARY, 0, -1 },
        { LSN_ACT_ACCEPT, LSN_ST_DISPATCHED, ORDINARY, 0, LSN_ST_ACCEPTED },
        { LSN_ACT_ACCEPT, LSN_ST_ACCEPTED, ORDINARY, 0, -1 },
        { LSN_ACT_ACCEPT, LSN_ST_REGISTERED, ORDINARY, 0, -1 },
        { LSN_ACT_RETURN, LSN_ST_DISPATCHED, ORDINARY, 0,
          LSN_ST_REGISTERED },
        { LSN_ACT_RETURN, LSN_ST_ACCEPTED, ORDINARY, 0, -1 },
        { LSN_ACT_CLOSE, LSN_ST_REPLIED, ORDINARY, 0, LSN_ST_CLOSED },
        { LSN_ACT_CLOSE, LSN_ST_ANSWERED, SIMPLE, 0, LSN_ST_CLOSED },
        { LSN_ACT_CLOSE, LSN_ST_ACCEPTED, ORDINARY, 0, -1 },
        { LSN_ACT_CLOSE, LSN_ST_CLOSED, ORDINARY, 0, -1 },
        { LSN_ACT_TRANSFER, LSN_ST_ACCEPTED, ORDINARY, 0,
          LSN_ST_DISPATCHED },
        { LSN_ACT_TRANSFER, LSN_ST_DISPATCHED, ORDINARY, 0,
          LSN_ST_DISPATCHED },
        { LSN_ACT_TRANSFER, LSN_ST_REPLIED, ORDINARY, 0, -1 },
        { LSN_ACT_TRIAGE, LSN_ST_REGISTERED, SIMPLE, 0, LSN_ST_REGISTERED },
        { LSN_ACT_TRIAGE, LSN_ST_DISPATCHED, ORDINARY, 0, -1 },
        { LSN_ACT_NOTE, LSN_ST_CLOSED, ORDINARY, 0, LSN_ST_CLOSED },
        { LSN_ACT_NOTE, LSN_ST_ACCEPTED, ORDINARY, 0, LSN_ST_ACCEPTED },
    };

    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(lsn_workflow_next(cases[i].action, cases[i].from,
                                           cases[i].track, cases[i].close),
                         cases[i].to);
    }
}


static void
test_allowed(void **state)
{
    char  buf[128];

    (void) state;

    assert_int_equal(lsn_workflow_allowed(LSN_ST_DISPATCHED, ORDINARY, buf,
                                          sizeof(buf)),
                     strlen("dispatch, accept, return, transfer, note"));
    assert_string_equal(buf, "dispatch, accept, return, transfer, note");

    lsn_workflow_allowed(LSN_ST_CLOSED, ORDINARY, buf, sizeof(buf));
    assert_string_equal(buf, "note");

    lsn_workflow_allowed(LSN_ST_REGISTERED, SIMPLE, buf, sizeof(buf));
    assert_string_equal(buf, "triage, reply, note");

    /* truncation keeps whole names */
    lsn_workflow_allowed(LSN_ST_DISPATCHED, ORDINARY, buf, 20);
    assert_string_equal(buf, "dispatch, accept");
}


static void
test_roles(void **state)
{
    (void) state;

    assert_true(lsn_role_may(LSN_ROLE_PLATFORM_STAFF, LSN_ACT_DISPATCH));
    assert_false(lsn_role_may(LSN_ROLE_PLATFORM_STAFF, LSN_ACT_ACCEPT));
    assert_true(lsn_role_may(LSN_ROLE_JUDGE, LSN_ACT_ACCEPT));
    assert_false(lsn_role_may(LSN_ROLE_JUDGE, LSN_ACT_DISPATCH));
    assert_false(lsn_role_may(LSN_ROLE_DEPT_STAFF, LSN_ACT_TRANSFER));
    assert_true(lsn_role_may(LSN_ROLE_LIAISON, LSN_ACT_DISPATCH));
    assert_true(lsn_role_may(LSN_ROLE_VICE_PRESIDENT, LSN_ACT_NOTE));
    assert_false(lsn_role_may(LSN_ROLE_VICE_PRESIDENT, LSN_ACT_REPLY));
    assert_false(lsn_role_may(LSN_ROLE_SYS_ADMIN, LSN_ACT_NOTE));
    assert_false(lsn_role_may(LSN_ROLE_COUNT, LSN_ACT_NOTE));

    assert_int_equal(lsn_role_scope(LSN_ROLE_JUDGE), LSN_SCOPE_OWN);
    assert_int_equal(lsn_role_scope(LSN_ROLE_LIAISON), LSN_SCOPE_DEPARTMENT);
    assert_int_equal(lsn_role_scope(LSN_ROLE_VICE_PRESIDENT),
                     LSN_SCOPE_CHARGE);
    assert_int_equal(lsn_role_scope(LSN_ROLE_FILING_ADMIN), LSN_SCOPE_ALL);

    /* A17: discipline inspection concludes referrals, and nobody else */
    assert_int_equal(lsn_role_index("discipline", 10), LSN_ROLE_DISCIPLINE);
    assert_int_equal(lsn_role_scope(LSN_ROLE_DISCIPLINE),
                     LSN_SCOPE_REFERRED);
    assert_true(lsn_role_may(LSN_ROLE_DISCIPLINE, LSN_ACT_CONCLUDE));
    assert_true(lsn_role_may(LSN_ROLE_DISCIPLINE, LSN_ACT_NOTE));
    assert_false(lsn_role_may(LSN_ROLE_DISCIPLINE, LSN_ACT_REFER));
    assert_false(lsn_role_may(LSN_ROLE_DISCIPLINE, LSN_ACT_DISPATCH));
    assert_false(lsn_role_may(LSN_ROLE_PRESIDENT, LSN_ACT_CONCLUDE));
    assert_false(lsn_role_may(LSN_ROLE_FILING_ADMIN, LSN_ACT_CONCLUDE));
    assert_true(lsn_role_in_department(LSN_ROLE_DISCIPLINE));
    assert_true(lsn_role_may(LSN_ROLE_PRESIDENT, LSN_ACT_SUPERVISE));
    assert_true(lsn_role_may(LSN_ROLE_FILING_ADMIN, LSN_ACT_SUPERVISE));
    assert_false(lsn_role_may(LSN_ROLE_JUDGE, LSN_ACT_SUPERVISE));
    assert_false(lsn_role_may(LSN_ROLE_DEPT_LEADER, LSN_ACT_SUPERVISE));
    assert_int_equal(lsn_action_index("conclude", 8), LSN_ACT_CONCLUDE);
    assert_int_equal(lsn_workflow_next(LSN_ACT_CONCLUDE, LSN_ST_CLOSED, 1, 0),
                     LSN_ST_CLOSED);

    assert_true(lsn_status_open(LSN_ST_ACCEPTED));
    assert_false(lsn_status_open(LSN_ST_REPLIED));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_allowed),
        cmocka_unit_test(test_roles),
    };

    return cmocka_run_group_tests_name("workflow", tests, NULL, NULL);
}
