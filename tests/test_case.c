/*
 * Unit tests: lsn_case (node types and their pushed names, roles,
 * procedures, event ids, phone hashes).  The expected hash was computed
 * outside this code (Python hmac/hashlib).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_case.h"
#include "lsn_text.h"


static void
test_node_types(void **state)
{
    int          i;
    long         n;
    const char  *need[] = { "filed", "hearing_scheduled", "period_extended",
                            "period_deducted", "appeal_transferred",
                            "closed", "archived", "judgment_effective",
                            NULL };

    (void) state;

    for (i = 0; need[i]; i++) {
        assert_true(lsn_node_type_index(need[i], strlen(need[i])) >= 0);
    }

    for (i = 0; lsn_node_types[i]; i++) {
        assert_non_null(lsn_node_phrases[i]);
        /* a subscribe message's phrase field: at most 5 characters */
        n = lsn_utf8_count((const unsigned char *) lsn_node_phrases[i],
                           strlen(lsn_node_phrases[i]));
        assert_true(n >= 1 && n <= 5);
        assert_int_equal(lsn_node_type_index(lsn_node_types[i],
                                             strlen(lsn_node_types[i])), i);
    }

    assert_null(lsn_node_phrases[i]);
    assert_int_equal(lsn_node_type_index("Filed", 5), -1);
    assert_int_equal(lsn_node_type_index("file", 4), -1);
    assert_int_equal(lsn_node_type_index(NULL, 0), -1);
    assert_string_equal(lsn_node_phrases[lsn_node_type_index(
                            "period_extended", 15)], "延长审限");
}


static void
test_roles(void **state)
{
    (void) state;

    assert_false(lsn_party_role_is_lawyer(lsn_party_role_index("plaintiff",
                                                               9)));
    assert_false(lsn_party_role_is_lawyer(lsn_party_role_index("other_party",
                                                               11)));
    assert_true(lsn_party_role_is_lawyer(lsn_party_role_index("lawyer", 6)));
    assert_true(lsn_party_role_is_lawyer(lsn_party_role_index("agent", 5)));
    assert_false(lsn_party_role_is_lawyer(-1));
    assert_int_equal(lsn_party_role_index("judge", 5), -1);
    assert_true(lsn_procedure_index("small_claims", 12) >= 0);
    assert_int_equal(lsn_procedure_index("fast", 4), -1);
}


static void
test_event_ids(void **state)
{
    char  buf[70];

    (void) state;

    assert_true(lsn_event_id_valid("E-1", 3));
    assert_true(lsn_event_id_valid("trial:2026.01_x-9", 17));
    assert_false(lsn_event_id_valid("", 0));
    assert_false(lsn_event_id_valid("a b", 3));
    assert_false(lsn_event_id_valid("a'b", 3));
    assert_false(lsn_event_id_valid("节点", 6));
    memset(buf, 'a', sizeof(buf));
    assert_true(lsn_event_id_valid(buf, 64));
    assert_false(lsn_event_id_valid(buf, 65));
}


static void
test_phone_hash(void **state)
{
    char                  hex[LSN_PHONE_HASH_LEN + 1];
    const unsigned char  *key = (const unsigned char *)
        "phone-hash-key-for-tests-0123456789abcdefghijkl";
    /* hmac.new(key, b"13800138000", hashlib.sha256).hexdigest() */
    const char           *want =
        "7eeb9933f11b4ddc617d97576dbd431823f12f23a85d05245708d9c1c12b23de";

    (void) state;

    assert_int_equal(lsn_phone_hash(key, strlen((char *) key),
                                    "13800138000", 11, hex), 0);
    assert_string_equal(hex, want);
    assert_true(lsn_phone_hash_valid(hex, 64));

    {
        char  h2[LSN_PHONE_HASH_LEN + 1], h3[LSN_PHONE_HASH_LEN + 1];

        assert_int_equal(lsn_phone_hash(key, strlen((char *) key),
                                        "+8613800138000", 14, h2), 0);
        assert_int_equal(lsn_phone_hash(key, strlen((char *) key),
                                        "8613800138000", 13, h3), 0);
        assert_string_equal(hex, h2);
        assert_string_equal(hex, h3);
    }

    assert_int_equal(lsn_phone_hash(key, 10, "020-12345678", 12, hex), -1);
    assert_int_equal(lsn_phone_hash(key, 10, "1380013800", 10, hex), -1);
    assert_int_equal(lsn_phone_hash(key, 10, "23800138000", 11, hex), -1);
    assert_int_equal(lsn_phone_hash(key, 10, "91234567", 8, hex), -1);

    assert_true(lsn_phone_hash_valid(
        "7EEB9933F11B4DDC617D97576DBD431823F12F23A85D05245708D9C1C12B23DE",
        64));
    assert_false(lsn_phone_hash_valid("7eeb", 4));
    assert_false(lsn_phone_hash_valid(
        "g7eb9933f11b4ddc617d97576dbd431823f12f23a85d05245708d9c1c12b23de",
        64));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_node_types),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_event_ids),
        cmocka_unit_test(test_phone_hash),
    };

    return cmocka_run_group_tests_name("lsn_case", tests, NULL, NULL);
}
