/*
 * Unit tests: lsn_labels (one Chinese name per code) and lsn_name_mask.
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_labels.h"
#include "lsn_text.h"
#include "lsn_ticket.h"
#include "lsn_workflow.h"


static void
test_every_code_named(void **state)
{
    int  i;

    (void) state;

    for (i = 0; i < LSN_ST_COUNT; i++) {
        assert_non_null(lsn_label(LSN_LABEL_STATUS, lsn_status_names[i],
                                  strlen(lsn_status_names[i])));
    }

    for (i = 0; i < LSN_ROLE_COUNT; i++) {
        assert_non_null(lsn_label(LSN_LABEL_ROLE, lsn_role_names[i],
                                  strlen(lsn_role_names[i])));
    }

    for (i = 0; lsn_categories[i]; i++) {
        assert_non_null(lsn_label(LSN_LABEL_CATEGORY, lsn_categories[i],
                                  strlen(lsn_categories[i])));
    }

    for (i = 0; lsn_channels[i]; i++) {
        assert_non_null(lsn_label(LSN_LABEL_CHANNEL, lsn_channels[i],
                                  strlen(lsn_channels[i])));
    }

    for (i = 0; i < LSN_LABEL_COUNT; i++) {
        assert_non_null(lsn_label_kinds[i]);
        assert_non_null(lsn_labels((lsn_label_kind_e) i)[0].code);
    }

    assert_null(lsn_label_kinds[LSN_LABEL_COUNT]);
}


static void
test_one_word_per_concept(void **state)
{
    (void) state;

    /* the founding document's words */
    assert_string_equal(lsn_label(LSN_LABEL_CATEGORY, "material", 8),
                        "材料收转");
    assert_string_equal(lsn_label(LSN_LABEL_CATEGORY, "document", 8),
                        "开具诉讼文书");
    assert_string_equal(lsn_label(LSN_LABEL_RISK_STAGE, "fed_back", 8),
                        "反馈");
    assert_null(lsn_label(LSN_LABEL_STATUS, "registere", 9));
    assert_null(lsn_label(LSN_LABEL_STATUS, NULL, 0));
    assert_string_equal(lsn_label_or_code(LSN_LABEL_EVENT, "unheard_of"),
                        "unheard_of");
    assert_string_equal(lsn_label_or_code(LSN_LABEL_LADDER, "2"),
                        "部门领导督办");
}


static void
test_name_mask(void **state)
{
    char  m[LSN_NAME_MASK_MAX];

    (void) state;

    assert_int_equal(lsn_name_mask("张三", 6, m), 4);
    assert_string_equal(m, "张*");
    lsn_name_mask("张", 3, m);
    assert_string_equal(m, "张*");
    lsn_name_mask("欧阳小明", 12, m);
    assert_string_equal(m, "欧***");
    lsn_name_mask("欧阳小明明明", 18, m);
    assert_string_equal(m, "欧***");
    lsn_name_mask("Li", 2, m);
    assert_string_equal(m, "L*");
    assert_int_equal(lsn_name_mask("", 0, m), 0);
    assert_int_equal(lsn_name_mask("\xe5\xbc", 2, m), 0);    /* cut UTF-8 */
    assert_string_equal(m, "");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_named),
        cmocka_unit_test(test_one_word_per_concept),
        cmocka_unit_test(test_name_mask),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
