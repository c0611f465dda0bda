/*
 * Unit tests: lsn_text (UTF-8, fields, phones, JSON escaping).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_text.h"


#define U(s)  ((const unsigned char *) (s))

/* literals may hold NUL bytes: take their size, not strlen() */
#define TV(lit, min, max)                                                     \
    lsn_text_valid(U(lit), sizeof(lit) - 1, min, max)
#define T_JSON(lit, want)  t_json(lit, sizeof(lit) - 1, want)


typedef struct {
    const char  *s;
    size_t       len;
    long         count;
} utf8_case_t;


static void
test_utf8_count(void **state)
{
    size_t  i;

    static const utf8_case_t  cases[] = {
        { "", 0, 0 },
        { "abc", 3, 3 },
        { "案号", 6, 2 },
        { "\xc2\x80", 2, 1 },                      /* U+0080 */
        { "\xdf\xbf", 2, 1 },                      /* U+07FF */
        { "\xe0\xa0\x80", 3, 1 },                  /* U+0800 */
        { "\xed\x9f\xbf", 3, 1 },                  /* U+D7FF */
        { "\xee\x80\x80", 3, 1 },                  /* U+E000 */
        { "\xef\xbf\xbf", 3, 1 },                  /* U+FFFF */
        { "\xf0\x90\x80\x80", 4, 1 },              /* U+10000 */
        { "\xf4\x8f\xbf\xbf", 4, 1 },              /* U+10FFFF */
        { "\xf0\x9f\x98\x80!", 5, 2 },             /* emoji */
        { "\x7f", 1, 1 },

        { "\0", 1, -1 },                           /* NUL */
        { "a\0b", 3, -1 },
        { "\x80", 1, -1 },                         /* lone continuation */
        { "a\xbf", 2, -1 },
        { "\xc0\x80", 2, -1 },                     /* overlong NUL */
        { "\xc1\xbf", 2, -1 },                     /* overlong */
        { "\xe0\x80\xaf", 3, -1 },                 /* overlong '/' */
        { "\xe0\x9f\xbf", 3, -1 },                 /* overlong U+07FF */
        { "\xf0\x8f\xbf\xbf", 4, -1 },             /* overlong U+FFFF */
        { "\xed\xa0\x80", 3, -1 },                 /* U+D800 */
        { "\xed\xbf\xbf", 3, -1 },                 /* U+DFFF */
        { "\xf4\x90\x80\x80", 4, -1 },             /* U+110000 */
        { "\xf5\x80\x80\x80", 4, -1 },
        { "\xf8\x88\x80\x80\x80", 5, -1 },         /* 5-byte form */
        { "\xfe", 1, -1 },
        { "\xff", 1, -1 },
        { "\xe6\xa1", 2, -1 },                     /* truncated */
        { "\xf0\x9f\x98", 3, -1 },
        { "\xc3", 1, -1 },
        { "\xe6\x41\x88", 3, -1 },                 /* bad continuation */
        { "\xc3\xc3\xa9", 3, -1 },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (lsn_utf8_count(U(cases[i].s), cases[i].len) != cases[i].count) {
            fail_msg("case %zu: got %ld, want %ld", i,
                     lsn_utf8_count(U(cases[i].s), cases[i].len),
                     cases[i].count);
        }
    }

    /* the length bounds the input */
    assert_int_equal(lsn_utf8_count(U("案号"), 3), 1);
    assert_int_equal(lsn_utf8_count(U("案号"), 4), -1);
    assert_int_equal(lsn_utf8_count(NULL, 0), 0);
    assert_int_equal(lsn_utf8_count(NULL, 1), -1);
}


static void
test_text_valid(void **state)
{
    (void) state;

    assert_int_equal(TV("你好", 1, 2), 0);
    assert_int_equal(TV("你好", 3, 10), -1);
    assert_int_equal(TV("你好", 1, 1), -1);

    /* trimming: ASCII white space and U+3000 at both ends */
    assert_int_equal(TV("  \t\n你好\r\n ", 2, 2), 0);
    assert_int_equal(TV("\xe3\x80\x80你好\xe3\x80\x80", 2, 2), 0);
    assert_int_equal(TV(" \xe3\x80\x80 ", 1, 10), -1);
    assert_int_equal(TV(" \xe3\x80\x80 ", 0, 10), 0);
    assert_int_equal(TV("   ", 1, 10), -1);

    /* inner white space counts */
    assert_int_equal(TV("a \xe3\x80\x80 b", 5, 5), 0);
    assert_int_equal(TV("line\nline\ttab\r\n", 13, 13), 0);

    /* control characters */
    assert_int_equal(TV("a\x01" "b", 1, 10), -1);
    assert_int_equal(TV("a\x1b[31mb", 1, 10), -1);
    assert_int_equal(TV("a\x7f" "b", 1, 10), -1);
    assert_int_equal(TV("a\xc2\x85" "b", 1, 10), -1);
    assert_int_equal(TV("a\xc2\x9f" "b", 1, 10), -1);
    assert_int_equal(TV("a\xc2\xa0" "b", 3, 3), 0);
    assert_int_equal(TV("a\0b", 1, 10), -1);
    assert_int_equal(TV("a\vb", 1, 10), -1);

    /* invalid UTF-8, also next to the trimmed part */
    assert_int_equal(TV("ab\xff", 1, 10), -1);
    assert_int_equal(TV(" \xe3\x80 ", 0, 10), -1);
    assert_int_equal(TV("\xed\xa0\x80", 0, 10), -1);

    assert_int_equal(lsn_text_valid(NULL, 0, 0, 10), 0);
    assert_int_equal(lsn_text_valid(NULL, 0, 1, 10), -1);
}


static void
test_phone_valid(void **state)
{
    size_t  i;

    static const char  *good[] = {
        "13800138000", "19912345678", "15000000000",
        "020-12345678", "010-1234567", "0755-12345678", "0757-1234567",
    };

    static const char  *bad[] = {
        "", "1380013800", "138001380000", "12800138000", "10800138000",
        "2380013800a", "1380013800a", "+8613800138000", "138 0013 8000",
        "020-1234567890", "020-123456", "02012345678", "0-12345678",
        "00-12345678", "000-12345678", "002-12345678", "02-12345678",
        "07555-1234567", "020--1234567", "020-1234567-", "020-12a45678",
        "１3800138000",
    };

    (void) state;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (lsn_phone_valid(good[i], strlen(good[i])) != 1) {
            fail_msg("rejected \"%s\"", good[i]);
        }
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lsn_phone_valid(bad[i], strlen(bad[i])) != 0) {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }

    /* the length bounds the input */
    assert_int_equal(lsn_phone_valid("138001380001", 11), 1);
    assert_int_equal(lsn_phone_valid(NULL, 0), 0);
}


static void
t_mask(const char *in, const char *want)
{
    char    out[64];
    size_t  len;

    memset(out, 'z', sizeof(out));
    len = strlen(in);

    assert_int_equal(lsn_phone_mask(in, len, out), len);
    assert_int_equal(out[len], '\0');

    if (strcmp(out, want) != 0) {
        fail_msg("mask(\"%s\") = \"%s\", want \"%s\"", in, out, want);
    }
}


static void
test_phone_mask(void **state)
{
    char  out[4];

    (void) state;

    t_mask("13800138000", "138****8000");
    t_mask("19912345678", "199****5678");
    t_mask("020-12345678", "020-****5678");
    t_mask("010-1234567", "010-***4567");
    t_mask("0755-12345678", "0755-****5678");
    t_mask("0757-1234567", "0757-***4567");

    /* other shapes */
    t_mask("+8613800138000", "+86*******8000");
    t_mask("12345678", "123*5678");
    t_mask("1234567", "*******");
    t_mask("123", "***");
    t_mask("", "");
    t_mask("13800138000 ext 1", "138**********xt 1");
    t_mask("电话13800138000", "*****************");
    t_mask("1380013800\n", "***********");

    /* the mask of a mask stays masked */
    t_mask("138****8000", "138****8000");

    assert_int_equal(lsn_phone_mask(NULL, 0, out), 0);
    assert_string_equal(out, "");
}


static void
test_idempotency_key(void **state)
{
    char  key[200];

    (void) state;

    assert_int_equal(lsn_idempotency_key_valid("a", 1), 1);
    assert_int_equal(lsn_idempotency_key_valid(
        "550e8400-e29b-41d4-a716-446655440000", 36), 1);
    assert_int_equal(lsn_idempotency_key_valid("A.b_c:d-9", 9), 1);

    assert_int_equal(lsn_idempotency_key_valid("", 0), 0);
    assert_int_equal(lsn_idempotency_key_valid(NULL, 0), 0);
    assert_int_equal(lsn_idempotency_key_valid("a b", 3), 0);
    assert_int_equal(lsn_idempotency_key_valid("a/b", 3), 0);
    assert_int_equal(lsn_idempotency_key_valid("a+b", 3), 0);
    assert_int_equal(lsn_idempotency_key_valid("a\0b", 3), 0);
    assert_int_equal(lsn_idempotency_key_valid("案", 3), 0);
    assert_int_equal(lsn_idempotency_key_valid("a'b", 3), 0);

    memset(key, 'k', sizeof(key));
    assert_int_equal(lsn_idempotency_key_valid(key, 128), 1);
    assert_int_equal(lsn_idempotency_key_valid(key, 129), 0);
}


static void
t_json(const char *in, size_t len, const char *want)
{
    size_t          n;
    unsigned char   out[256];

    n = lsn_json_escaped_len(U(in), len);
    assert_int_equal(n, strlen(want));

    memset(out, 0xaa, sizeof(out));
    assert_int_equal(lsn_json_escape(out, U(in), len), n);

    if (memcmp(out, want, n) != 0) {
        fail_msg("json(\"%s\") = \"%.*s\", want \"%s\"", in, (int) n,
                 (const char *) out, want);
    }

    /* nothing written past the end */
    assert_int_equal(out[n], 0xaa);
}


static void
test_json_escape(void **state)
{
    (void) state;

    T_JSON("", "");
    T_JSON("plain", "plain");
    T_JSON("a\"b\\c", "a\\\"b\\\\c");
    T_JSON("\n\r\t\b\f", "\\n\\r\\t\\b\\f");
    T_JSON("\0\x01\x1f", "\\u0000\\u0001\\u001f");
    T_JSON("\x0b\x1b", "\\u000b\\u001b");
    T_JSON("\x7f", "\x7f");
    T_JSON("/", "/");
    T_JSON("案号（2020）", "案号（2020）");
    T_JSON("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", "a\\u2028b\\u2029c");
    T_JSON("\xe2\x80\xa7\xe2\x80\xaa", "\xe2\x80\xa7\xe2\x80\xaa");
    T_JSON("</script>", "</script>");

    /* a cut U+2028 at the end is copied as is */
    T_JSON("\xe2\x80", "\xe2\x80");

    assert_int_equal(lsn_json_escaped_len(NULL, 0), 0);
}


static void
test_json_escapes_valid(void **state)
{
    (void) state;

    assert_int_equal(lsn_json_escapes_valid(U("{\"a\":\"x\"}"), 9), 1);
    assert_int_equal(lsn_json_escapes_valid(U("\"\\ud83d\\ude00\""),
                                            14), 1);
    assert_int_equal(lsn_json_escapes_valid(U("\"\\u00e9\\n\\\\u\""),
                                            13), 1);
    assert_int_equal(lsn_json_escapes_valid(U("\"\\ud800\""), 8), 0);
    assert_int_equal(lsn_json_escapes_valid(U("\"\\udc00\""), 8), 0);
    assert_int_equal(lsn_json_escapes_valid(U("\"\\ud800\\u0041\""), 14),
                     0);
    assert_int_equal(lsn_json_escapes_valid(U("\"\\u12\""), 6), 0);
    assert_int_equal(lsn_json_escapes_valid(U("\\"), 1), 0);
}


static void
test_ct_compare_and_hex(void **state)
{
    char  hex[9];

    (void) state;

    assert_int_equal(lsn_ct_compare("abc", 3, "abc", 3), 0);
    assert_int_equal(lsn_ct_compare("", 0, "", 0), 0);
    assert_int_not_equal(lsn_ct_compare("abc", 3, "abd", 3), 0);
    assert_int_not_equal(lsn_ct_compare("abc", 3, "bbc", 3), 0);
    assert_int_not_equal(lsn_ct_compare("abc", 3, "abcd", 4), 0);
    assert_int_not_equal(lsn_ct_compare("\x80", 1, "\x00", 1), 0);
    assert_int_equal(lsn_ct_compare("\x01", 1, "\x00", 1), 1);

    hex[8] = '\0';
    lsn_hex(hex, U("\x00\x9f\xab\xff"), 4);
    assert_string_equal(hex, "009fabff");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_utf8_count),
        cmocka_unit_test(test_json_escapes_valid),
        cmocka_unit_test(test_text_valid),
        cmocka_unit_test(test_phone_valid),
        cmocka_unit_test(test_phone_mask),
        cmocka_unit_test(test_idempotency_key),
        cmocka_unit_test(test_json_escape),
        cmocka_unit_test(test_ct_compare_and_hex),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
