/*
 * Unit tests: lsn_mask (query codes, phones and ID numbers in a logged
 * URL's query string).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_mask.h"


typedef struct {
    const char  *in;
    const char  *out;
    size_t       masked;
} mask_case_t;


/* each case on a heap copy of exactly its length (ASan sees overruns) */
static void
check(const mask_case_t *c, size_t n)
{
    size_t          i, len, got;
    unsigned char  *s;

    for (i = 0; i < n; i++) {
        len = strlen(c[i].in);
        s = malloc(len ? len : 1);
        assert_non_null(s);
        memcpy(s, c[i].in, len);

        got = lsn_mask_query(s, len);

        if (memcmp(s, c[i].out, len) != 0 || got != c[i].masked) {
            print_error("in  \"%s\"\nout \"%.*s\" (%zu masked)\nwant \"%s\" "
                        "(%zu)\n", c[i].in, (int) len, (char *) s, got,
                        c[i].out, c[i].masked);
            free(s);
            fail();
        }

        assert_int_equal(strlen(c[i].out), len);
        free(s);
    }
}


static void
test_codes(void **state)
{
    static const mask_case_t  cases[] = {
        { "query_code=B72UA5URV6", "query_code=**********", 10 },
        /* first, middle, last; other arguments untouched */
        { "query_code=B72UA5URV6&x=1", "query_code=**********&x=1", 10 },
        { "a=1&query_code=B72UA5URV6&b=2", "a=1&query_code=**********&b=2",
          10 },
        { "filename=a.pdf&purpose=request&query_code=b72ua5urv6",
          "filename=a.pdf&purpose=request&query_code=**********", 10 },
        /* any name ending in "code", any case */
        { "Query_Code=K7P3ZQ9M2D", "Query_Code=**********", 10 },
        { "QUERY_CODE=K7P3ZQ9M2D", "QUERY_CODE=**********", 10 },
        { "code=abc&js_code=0a1b2c", "code=***&js_code=******", 9 },
        { "phone_code=p13800138000", "phone_code=************", 12 },
        /* percent-encoded names and separators */
        { "query%5Fcode=K7P3ZQ9M2D", "query%5Fcode=**********", 10 },
        { "query_cod%65=K7P3ZQ9M2D", "query_cod%65=**********", 10 },
        { "query_cod%45=K7P3ZQ9M2D", "query_cod%45=**********", 10 },
        { "query_code%3DK7P3ZQ9M2D", "query_code%3D**********", 10 },
        { "query_code%3dK7P3ZQ9M2D&x=1", "query_code%3d**********&x=1",
          10 },
        { "query+code=K7P3ZQ9M2D", "query+code=**********", 10 },
        /* an encoded value is starred as it is, escapes and all */
        { "query_code=K7P3%20ZQ9", "query_code=**********", 10 },
        /* the value runs to the next '&', '=' included */
        { "query_code=a=b&c=d", "query_code=***&c=d", 3 },
        /* ends at the request line's version */
        { "query_code=K7P3ZQ9M2D HTTP/1.1", "query_code=********** HTTP/1.1",
          10 },
        /* names that only contain "code" or end elsewhere */
        { "codec=K7P3ZQ9M2D", "codec=K7P3ZQ9M2D", 0 },
        { "code_x=K7P3ZQ9M2D", "code_x=K7P3ZQ9M2D", 0 },
        { "x=query_code", "x=query_code", 0 },
        { "x=1%3Dquery_code=K7P3", "x=1%3Dquery_code=K7P3", 0 },
        { "cod=K7P3ZQ9M2D", "cod=K7P3ZQ9M2D", 0 },
        /* empty values and names, repeated separators */
        { "query_code=", "query_code=", 0 },
        { "query_code=&query_code=AB", "query_code=&query_code=**", 2 },
        { "&&query_code=A&&", "&&query_code=*&&", 1 },
        { "=code&code", "=code&code", 0 },
        { "query_code", "query_code", 0 },
        { "", "", 0 },
        { "%", "%", 0 },
        { "query_code%3", "query_code%3", 0 },
        { "query_code%", "query_code%", 0 },
        /* a masked value is not counted twice */
        { "query_code=***", "query_code=***", 0 },
    };

    (void) state;
    check(cases, sizeof(cases) / sizeof(cases[0]));
}


static void
test_phones(void **state)
{
    static const mask_case_t  cases[] = {
        { "q=13800138000", "q=138****8000", 4 },
        { "q=19912345678&page=1", "q=199****5678&page=1", 4 },
        { "page=1&mobile=15012345678", "page=1&mobile=150****5678", 4 },
        /* +86 and 86 prefixes, escaped separators around */
        { "q=%2B8613800138000", "q=%2B86138****8000", 4 },
        { "q=8613800138000", "q=86138****8000", 4 },
        { "q=%2013800138000%20", "q=%20138****8000%20", 4 },
        { "q=%3D13800138000", "q=%3D138****8000", 4 },
        { "q13800138000", "q138****8000", 4 },
        { "q=a13800138000b", "q=a138****8000b", 4 },
        /* two in one value */
        { "q=13800138000,13900139000", "q=138****8000,139****9000", 8 },
        /* not a mobile: 12 digits, 10 digits, "12", "10" prefixes, a
           ticket number, a landline */
        { "q=138001380001", "q=138001380001", 0 },
        { "q=1380013800", "q=1380013800", 0 },
        { "q=12800138000", "q=12800138000", 0 },
        { "q=10800138000", "q=10800138000", 0 },
        { "q=2611270000013", "q=2611270000013", 0 },
        { "q=020-84681234", "q=020-84681234", 0 },
        { "q=8612800138000", "q=8612800138000", 0 },
        /* percent-encoded digits are digits of the number, masked as
           an encoded '*' */
        { "q=%31%33800138000", "q=%31%338****8000", 4 },
        { "q=%31%33%38%30%30%31%33%38%30%30%30",
          "q=%31%33%38%2A%2A%2A%2A%38%30%30%30", 8 },
        { "q=138%30%30138000", "q=138%2A%2A**8000", 6 },
        { "q=%2B86%31%33800138000", "q=%2B86%31%338****8000", 4 },
        /* 12 of them, or a letter's escape inside: not a mobile */
        { "q=%31%33800138000%30", "q=%31%33800138000%30", 0 },
        { "q=1380%41138000", "q=1380%41138000", 0 },
        /* in the name too */
        { "13800138000=1", "138****8000=1", 4 },
        /* the request line's tail is not searched */
        { "q=1 HTTP/1.1 13800138000", "q=1 HTTP/1.1 13800138000", 0 },
    };

    (void) state;
    check(cases, sizeof(cases) / sizeof(cases[0]));
}


static void
test_id_numbers(void **state)
{
    static const mask_case_t  cases[] = {
        { "q=440115199003071234", "q=**************1234", 14 },
        { "q=44011519900307123X", "q=**************123X", 14 },
        { "q=44011519900307123x&x=1", "q=**************123x&x=1", 14 },
        { "id=%2044011519900307123X%20", "id=%20**************123X%20", 14 },
        /* encoded digits and an encoded X */
        { "q=44011519900307123%58", "q=**************123%58", 14 },
        { "q=%34%3401151990030712%33%78", "q=%2A%2A************12%33%78",
          16 },
        /* 17 or 19 digits, 17 and another letter: not an ID number */
        { "q=44011519900307123", "q=44011519900307123", 0 },
        { "q=4401151990030712345", "q=4401151990030712345", 0 },
        { "q=44011519900307123Y", "q=44011519900307123Y", 0 },
        /* a phone and an ID number side by side, a code beside them */
        { "q=13800138000+440115199003071234&query_code=AB",
          "q=138****8000+**************1234&query_code=**", 20 },
    };

    (void) state;
    check(cases, sizeof(cases) / sizeof(cases[0]));
}


static void
test_null(void **state)
{
    (void) state;
    assert_int_equal(lsn_mask_query(NULL, 0), 0);
    assert_int_equal(lsn_mask_query(NULL, 5), 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_phones),
        cmocka_unit_test(test_id_numbers),
        cmocka_unit_test(test_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
