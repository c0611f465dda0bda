/*
 * Unit tests: lsn_sql (escaping and the format builder).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lsn_sql.h"


/* Formats into a guarded buffer and checks the exact output. */

static void
t_fmt_check(long n, const char *buf, const char *want)
{
    if (n < 0 || (size_t) n != strlen(want)
        || memcmp(buf, want, (size_t) n) != 0)
    {
        fail_msg("got %ld \"%.*s\", want \"%s\"", n, n < 0 ? 0 : (int) n,
                 buf, want);
    }

    /* no NUL and nothing else written after the output */
    assert_int_equal((unsigned char) buf[n], 0xaa);
}


static void
test_escape(void **state)
{
    char    out[64];
    size_t  n;

    (void) state;

    n = lsn_sql_escape(out, "\0'\"\\\n\r\x1a", 7);
    assert_int_equal(n, 14);
    assert_memory_equal(out, "\\0\\'\\\"\\\\\\n\\r\\Z", 14);

    /* LIKE wildcards are the caller's business, as in mysql */
    n = lsn_sql_escape(out, "plain 案号 \t%_", strlen("plain 案号 \t%_"));
    assert_int_equal(n, strlen("plain 案号 \t%_"));
    assert_memory_equal(out, "plain 案号 \t%_", n);

    n = lsn_sql_escape(out, "", 0);
    assert_int_equal(n, 0);

    /* the worst case is exactly twice the length */
    n = lsn_sql_escape(out, "''''", 4);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "\\'\\'\\'\\'", 8);
}


static void
test_strings(void **state)
{
    char  buf[256];
    long  n;

    (void) state;

    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1,
                       "SELECT * FROM t WHERE name=$z",
                       "'; DROP TABLE x; --");
    t_fmt_check(n, buf, "SELECT * FROM t WHERE name='\\'; DROP TABLE x; --'");

    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "($s,$s)",
                       "a\0b'c", (size_t) 5, "x\\", (size_t) 2);
    t_fmt_check(n, buf, "('a\\0b\\'c','x\\\\')");

    /* every special character */
    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "$s",
                       "\0'\"\\\n\r\x1a", (size_t) 7);
    t_fmt_check(n, buf, "'\\0\\'\\\"\\\\\\n\\r\\Z'");

    /* the length bounds $s */
    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "$s", "abcdef", (size_t) 3);
    t_fmt_check(n, buf, "'abc'");

    /* UTF-8 passes through */
    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "$z", "（2020）粤0115民初1号");
    t_fmt_check(n, buf, "'（2020）粤0115民初1号'");

    /* NULL pointers become NULL, and $s still takes its length */
    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "$s,$z,$i",
                       (const char *) NULL, (size_t) 0, (const char *) NULL,
                       (long long) 7);
    t_fmt_check(n, buf, "NULL,NULL,7");

    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "$z$z", "", "");
    t_fmt_check(n, buf, "''''");
}


static void
test_numbers_and_times(void **state)
{
    char  buf[256];
    long  n;

    (void) state;

    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "$i $i $i $i",
                       (long long) 0, (long long) -42, (long long) LLONG_MAX,
                       (long long) LLONG_MIN);
    t_fmt_check(n, buf, "0 -42 9223372036854775807 -9223372036854775808");

    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "$u $u",
                       (unsigned long long) 0, (unsigned long long) ULLONG_MAX);
    t_fmt_check(n, buf, "0 18446744073709551615");

    /* Beijing time, quoted */
    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "at=$t, epoch=$t",
                       (time_t) 1795743000, (time_t) 0);
    t_fmt_check(n, buf,
                "at='2026-11-27 09:30:00', epoch='1970-01-01 08:00:00'");

    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "cost $$5, $$$i$$",
                       (long long) 3);
    t_fmt_check(n, buf, "cost $5, $3$");

    memset(buf, 0xaa, sizeof(buf));
    n = lsn_sql_format(buf, sizeof(buf) - 1, "");
    t_fmt_check(n, buf, "");
}


static void
test_truncation(void **state)
{
    char        buf[64];
    long        n, full;
    size_t      cap;
    const char  *want;

    (void) state;

    want = "INSERT INTO t VALUES ('it\\'s', 12, '2026-11-27 09:30:00')";

    /* sizing call: cap 0, no buffer */
    full = lsn_sql_format(NULL, 0, "INSERT INTO t VALUES ($z, $i, $t)",
                          "it's", (long long) 12, (time_t) 1795743000);
    assert_int_equal(full, (long) strlen(want));

    /* every cap: never a byte past cap, always the full length back */
    for (cap = 0; cap <= strlen(want) + 1; cap++) {
        memset(buf, 0xaa, sizeof(buf));

        n = lsn_sql_format(buf, cap, "INSERT INTO t VALUES ($z, $i, $t)",
                           "it's", (long long) 12, (time_t) 1795743000);

        assert_int_equal(n, full);
        assert_memory_equal(buf, want, cap < (size_t) n ? cap : (size_t) n);
        assert_int_equal((unsigned char) buf[cap], 0xaa);
    }
}


static long
t_vformat(char *dst, size_t cap, const char *fmt, ...)
{
    long     n;
    va_list  args;

    va_start(args, fmt);
    n = lsn_sql_vformat(dst, cap, fmt, args);
    va_end(args);

    return n;
}


static void
test_unknown_directive(void **state)
{
    char  buf[64];

    (void) state;

    assert_int_equal(lsn_sql_format(buf, sizeof(buf), "$d", 1), -1);
    assert_int_equal(lsn_sql_format(buf, sizeof(buf), "x=$S", "a"), -1);
    assert_int_equal(lsn_sql_format(buf, sizeof(buf), "x=$"), -1);
    assert_int_equal(lsn_sql_format(buf, sizeof(buf), "$ z", "a"), -1);
    assert_int_equal(lsn_sql_format(buf, sizeof(buf), "$z $q", "a"), -1);

    assert_int_equal(t_vformat(buf, sizeof(buf), "$%", 1), -1);
    assert_int_equal(t_vformat(buf, sizeof(buf), "$i", (long long) -1), 2);
    assert_memory_equal(buf, "-1", 2);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_numbers_and_times),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_unknown_directive),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
