/*
 * Unit tests: lsn_ticket (channels, categories, tracks, ticket numbers,
 * query codes).  Expected ticket numbers and codes were computed outside
 * this code (a few lines of Python).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lsn_ticket.h"


#define ALPHABET  "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* 2026-11-27 09:30:00 Beijing */
#define T_20261127  ((time_t) 1795743000)


/* An independent Luhn check: the whole number's sum is 0 mod 10. */

static int
t_luhn_ok(const char *s, size_t len)
{
    int     sum, d;
    size_t  i;

    sum = 0;

    for (i = 0; i < len; i++) {
        d = s[len - 1 - i] - '0';

        if (i % 2 == 1) {
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        }

        sum += d;
    }

    return sum % 10 == 0;
}


static void
test_channels(void **state)
{
    int          i;
    const char  *names[] = { "wechat", "web", "kiosk", "hall", "hotline" };

    (void) state;

    for (i = 0; i < 5; i++) {
        assert_string_equal(lsn_channels[i], names[i]);
        assert_int_equal(lsn_channel_index(names[i], strlen(names[i])), i);
    }

    assert_null(lsn_channels[5]);

    assert_int_equal(lsn_channel_index("", 0), -1);
    assert_int_equal(lsn_channel_index("Web", 3), -1);
    assert_int_equal(lsn_channel_index("we", 2), -1);
    assert_int_equal(lsn_channel_index("webs", 4), -1);
    assert_int_equal(lsn_channel_index("wechat ", 7), -1);
    assert_int_equal(lsn_channel_index("web\0", 4), -1);
    assert_int_equal(lsn_channel_index(NULL, 0), -1);

    /* the length bounds the input */
    assert_int_equal(lsn_channel_index("website", 3), 1);

    assert_false(lsn_channel_needs_staff(0));
    assert_false(lsn_channel_needs_staff(1));
    assert_false(lsn_channel_needs_staff(2));
    assert_true(lsn_channel_needs_staff(3));
    assert_true(lsn_channel_needs_staff(4));
    assert_false(lsn_channel_needs_staff(-1));
    assert_false(lsn_channel_needs_staff(5));
}


static void
test_categories_and_tracks(void **state)
{
    int          i;
    const char  *names[] = {
        "case_query", "consultation", "document", "material", "suggestion",
        "contact_judge", "complaint", "other", "president_mailbox",
        "petition", "report"
    };

    (void) state;

    for (i = 0; i < 11; i++) {
        assert_string_equal(lsn_categories[i], names[i]);
        assert_int_equal(lsn_category_index(names[i], strlen(names[i])), i);

        /* A4: the first five are the simple track */
        assert_int_equal(lsn_track_for_category(i),
                         i < 5 ? LSN_TRACK_SIMPLE : LSN_TRACK_ORDINARY);
    }

    assert_null(lsn_categories[11]);

    /* A3: three categories go straight to an office */
    assert_null(lsn_category_route(lsn_category_index("complaint", 9)));
    assert_null(lsn_category_route(lsn_category_index("other", 5)));
    assert_string_equal(lsn_category_route(
        lsn_category_index("president_mailbox", 17)), "president_office");
    assert_string_equal(lsn_category_route(
        lsn_category_index("petition", 8)), "filing");
    assert_string_equal(lsn_category_route(
        lsn_category_index("report", 6)), "discipline");
    assert_null(lsn_category_route(-1));
    assert_null(lsn_category_route(11));

    assert_int_equal(lsn_track_for_category(lsn_category_index("complaint",
                                                               9)),
                     LSN_TRACK_ORDINARY);
    assert_int_equal(lsn_track_for_category(lsn_category_index("case_query",
                                                               10)),
                     LSN_TRACK_SIMPLE);

    assert_int_equal(lsn_category_index("Complaint", 9), -1);
    assert_int_equal(lsn_category_index("contact-judge", 13), -1);
    assert_int_equal(lsn_category_index("", 0), -1);
    assert_int_equal(lsn_category_index(NULL, 0), -1);

    /* unknown categories go to a person */
    assert_int_equal(lsn_track_for_category(-1), LSN_TRACK_ORDINARY);
    assert_int_equal(lsn_track_for_category(11), LSN_TRACK_ORDINARY);
    assert_int_equal(lsn_track_for_category(INT_MAX), LSN_TRACK_ORDINARY);

    assert_string_equal(lsn_track_name(LSN_TRACK_SIMPLE), "simple");
    assert_string_equal(lsn_track_name(LSN_TRACK_ORDINARY), "ordinary");
    assert_string_equal(lsn_track_name((lsn_track_e) 7), "unknown");
}


static void
test_ticket_no_make(void **state)
{
    char    buf[32];
    size_t  n;

    (void) state;

    memset(buf, 'z', sizeof(buf));
    n = lsn_ticket_no_make(T_20261127, 1234, buf);
    assert_int_equal(n, 13);
    assert_string_equal(buf, "2611270012349");

    lsn_ticket_no_make(T_20261127, 0, buf);
    assert_string_equal(buf, "2611270000005");

    /* the example of the header */
    lsn_ticket_no_make(T_20261127, 123, buf);
    assert_string_equal(buf, "2611270001235");

    n = lsn_ticket_no_make(T_20261127, 1234567, buf);
    assert_int_equal(n, 14);
    assert_string_equal(buf, "26112712345670");

    /* the Beijing date: 16:00 UTC is midnight in Beijing */
    lsn_ticket_no_make((time_t) 1795708800 - 1, 999999, buf);
    assert_string_equal(buf, "2611269999993");
    lsn_ticket_no_make((time_t) 1795708800, 999999, buf);
    assert_memory_equal(buf, "261127", 6);

    /* 2024-02-29 12:00 Beijing */
    lsn_ticket_no_make((time_t) 1709179200, 1, buf);
    assert_string_equal(buf, "2402290000013");

    /* the largest seq still fits dst (but is longer than valid allows) */
    n = lsn_ticket_no_make(T_20261127, ULLONG_MAX, buf);
    assert_int_equal(n, 6 + 20 + 1);
    assert_int_equal(buf[n], '\0');
    assert_true(t_luhn_ok(buf, n));
    assert_int_equal(lsn_ticket_no_valid(buf, n), 0);
}


static void
test_ticket_no_valid(void **state)
{
    char                buf[32], copy[32];
    size_t              n, i;
    unsigned int        d;
    unsigned long long  seq;

    (void) state;

    assert_int_equal(lsn_ticket_no_valid("2611270012349", 13), 1);
    assert_int_equal(lsn_ticket_no_valid("26112712345670", 14), 1);
    assert_int_equal(lsn_ticket_no_valid("2402290000013", 13), 1);

    /* shape */
    assert_int_equal(lsn_ticket_no_valid("", 0), 0);
    assert_int_equal(lsn_ticket_no_valid(NULL, 0), 0);
    assert_int_equal(lsn_ticket_no_valid("261127001234", 12), 0);
    assert_int_equal(lsn_ticket_no_valid("261127001234 9", 14), 0);
    assert_int_equal(lsn_ticket_no_valid("2611270012349 ", 14), 0);
    assert_int_equal(lsn_ticket_no_valid("26112700123a9", 13), 0);
    assert_int_equal(lsn_ticket_no_valid("-611270012349", 13), 0);

    /* 24 digits are fine, 25 are too long */
    n = lsn_ticket_no_make(T_20261127, 10000000000000000ULL, buf);
    assert_int_equal(n, 24);
    assert_int_equal(lsn_ticket_no_valid(buf, n), 1);
    n = lsn_ticket_no_make(T_20261127, 100000000000000000ULL, buf);
    assert_int_equal(n, 25);
    assert_true(t_luhn_ok(buf, n));
    assert_int_equal(lsn_ticket_no_valid(buf, n), 0);

    /* impossible dates with a right check digit */
    strcpy(buf, "261327001234");
    for (d = 0; d < 10; d++) {
        buf[12] = (char) ('0' + d);
        if (t_luhn_ok(buf, 13)) {
            break;
        }
    }
    assert_int_equal(lsn_ticket_no_valid(buf, 13), 0);

    strcpy(buf, "260231001234");
    for (d = 0; d < 10; d++) {
        buf[12] = (char) ('0' + d);
        if (t_luhn_ok(buf, 13)) {
            break;
        }
    }
    assert_int_equal(lsn_ticket_no_valid(buf, 13), 0);

    /* many numbers: made ones are valid, every error of one digit and
     * every adjacent transposition (but 09 <-> 90) is caught */
    for (seq = 1; seq < 20000000ULL; seq = seq * 3 + 7) {
        n = lsn_ticket_no_make(T_20261127 + (time_t) (seq % 400) * 86400,
                               seq, buf);
        assert_int_equal(lsn_ticket_no_valid(buf, n), 1);
        assert_true(t_luhn_ok(buf, n));

        for (i = 0; i < n; i++) {
            for (d = 0; d < 10; d++) {
                if ((char) ('0' + d) == buf[i]) {
                    continue;
                }

                memcpy(copy, buf, n);
                copy[i] = (char) ('0' + d);

                if (lsn_ticket_no_valid(copy, n)) {
                    fail_msg("%.*s -> %.*s not caught", (int) n, buf,
                             (int) n, copy);
                }
            }
        }

        for (i = 0; i + 1 < n; i++) {
            if (buf[i] == buf[i + 1]
                || (buf[i] == '0' && buf[i + 1] == '9')
                || (buf[i] == '9' && buf[i + 1] == '0'))
            {
                continue;
            }

            memcpy(copy, buf, n);
            copy[i] = buf[i + 1];
            copy[i + 1] = buf[i];

            if (lsn_ticket_no_valid(copy, n)) {
                fail_msg("%.*s -> %.*s not caught", (int) n, buf, (int) n,
                         copy);
            }
        }
    }

    /* the known blind spot of Luhn, documented in the header */
    lsn_ticket_no_make(T_20261127, 90, buf);
    assert_string_equal(buf, "2611270000906");
    memcpy(copy, buf, 14);
    copy[10] = '0';
    copy[11] = '9';
    assert_int_equal(lsn_ticket_no_valid(copy, 13), 1);
}


static void
test_query_code(void **state)
{
    int             counts[31];
    char            code[LSN_QUERY_CODE_LEN + 1];
    size_t          i, j;
    uint32_t        rnd;
    const char     *p;
    unsigned char   bytes[LSN_QUERY_CODE_LEN];

    (void) state;

    assert_int_equal(strlen(ALPHABET), 31);
    code[LSN_QUERY_CODE_LEN] = '\0';

    memset(bytes, 0, sizeof(bytes));
    lsn_query_code_make(bytes, code);
    assert_string_equal(code, "2222222222");

    memset(bytes, 0xff, sizeof(bytes));
    lsn_query_code_make(bytes, code);
    assert_string_equal(code, "2JW7BUXHCU");

    for (i = 0; i < sizeof(bytes); i++) {
        bytes[i] = (unsigned char) (i + 1);
    }
    lsn_query_code_make(bytes, code);
    assert_string_equal(code, "58PNQ9V8FW");

    memset(bytes, 0, sizeof(bytes));
    bytes[9] = 0x1f;
    lsn_query_code_make(bytes, code);
    assert_string_equal(code, "2322222222");

    /* only the alphabet, every letter of it, roughly evenly */
    memset(counts, 0, sizeof(counts));
    rnd = 2463534242u;

    for (i = 0; i < 31000; i++) {
        for (j = 0; j < sizeof(bytes); j++) {
            rnd ^= rnd << 13;
            rnd ^= rnd >> 17;
            rnd ^= rnd << 5;
            bytes[j] = (unsigned char) (rnd >> 24);
        }

        lsn_query_code_make(bytes, code);
        assert_int_equal(lsn_query_code_valid(code, LSN_QUERY_CODE_LEN), 1);

        for (j = 0; j < LSN_QUERY_CODE_LEN; j++) {
            p = strchr(ALPHABET, code[j]);
            assert_non_null(p);
            counts[p - ALPHABET]++;
        }
    }

    /* 310000 draws, 10000 expected each; 4% is over 12 sigma */
    for (i = 0; i < 31; i++) {
        assert_in_range(counts[i], 9600, 10400);
    }
}


static void
test_query_code_valid(void **state)
{
    char  norm[LSN_QUERY_CODE_LEN + 1];

    (void) state;

    assert_int_equal(lsn_query_code_valid("23456789AB", 10), 1);
    assert_int_equal(lsn_query_code_valid("CDEFGHJKMN", 10), 1);
    assert_int_equal(lsn_query_code_valid("PQRSTUVWXY", 10), 1);
    assert_int_equal(lsn_query_code_valid("ZZZZZZZZZZ", 10), 1);
    assert_int_equal(lsn_query_code_valid("abcdefghjk", 10), 1);
    assert_int_equal(lsn_query_code_valid("mnpqrstuvw", 10), 1);
    assert_int_equal(lsn_query_code_valid("xyzXYZ2345", 10), 1);

    /* look-alikes and others */
    assert_int_equal(lsn_query_code_valid("0234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("1234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("O234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("I234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("L234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("o234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("i234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("l234567892", 10), 0);
    assert_int_equal(lsn_query_code_valid("23456789A-", 10), 0);
    assert_int_equal(lsn_query_code_valid("23456789A ", 10), 0);
    assert_int_equal(lsn_query_code_valid("23456789A\0", 10), 0);
    assert_int_equal(lsn_query_code_valid("23456789A\xc3", 10), 0);

    /* length */
    assert_int_equal(lsn_query_code_valid("23456789A", 9), 0);
    assert_int_equal(lsn_query_code_valid("23456789ABC", 11), 0);
    assert_int_equal(lsn_query_code_valid("", 0), 0);
    assert_int_equal(lsn_query_code_valid(NULL, 0), 0);

    norm[LSN_QUERY_CODE_LEN] = '\0';
    assert_int_equal(lsn_query_code_normalize("xyzXYZ2345", 10, norm), 0);
    assert_string_equal(norm, "XYZXYZ2345");
    assert_int_equal(lsn_query_code_normalize("o234567892", 10, norm), -1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_categories_and_tracks),
        cmocka_unit_test(test_ticket_no_make),
        cmocka_unit_test(test_ticket_no_valid),
        cmocka_unit_test(test_query_code),
        cmocka_unit_test(test_query_code_valid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
