/*
 * Unit tests: lsn_wxmsg (subscribe-message values cut to WeChat's limits).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_text.h"
#include "lsn_wxmsg.h"


static const char *
fit(const char *key, const char *val)
{
    static char  buf[LSN_WXMSG_MAX];
    size_t       n;

    memset(buf, 'Z', sizeof(buf));
    n = lsn_wxmsg_fit(key, strlen(key), val, strlen(val), buf);

    assert_true(n < LSN_WXMSG_MAX);
    assert_int_equal(strlen(buf), n);
    /* whatever comes in, valid UTF-8 comes out */
    assert_true(lsn_utf8_count((const unsigned char *) buf, n) >= 0);

    return buf;
}


static long
chars(const char *s)
{
    return lsn_utf8_count((const unsigned char *) s, strlen(s));
}


static void
test_types(void **state)
{
    (void) state;

    assert_int_equal(lsn_wxmsg_type("thing1", 6), LSN_WX_THING);
    assert_int_equal(lsn_wxmsg_type("thing12", 7), LSN_WX_THING);
    assert_int_equal(lsn_wxmsg_type("thing", 5), LSN_WX_THING);
    assert_int_equal(lsn_wxmsg_type("character_string3", 17),
                     LSN_WX_CHARACTER_STRING);
    assert_int_equal(lsn_wxmsg_type("phone_number9", 13),
                     LSN_WX_PHONE_NUMBER);
    assert_int_equal(lsn_wxmsg_type("time4", 5), LSN_WX_TIME);
    assert_int_equal(lsn_wxmsg_type("date2", 5), LSN_WX_DATE);
    assert_int_equal(lsn_wxmsg_type("amount7", 7), LSN_WX_AMOUNT);
    assert_int_equal(lsn_wxmsg_type("name1", 5), LSN_WX_NAME);
    assert_int_equal(lsn_wxmsg_type("phrase5", 7), LSN_WX_PHRASE);
    assert_int_equal(lsn_wxmsg_type("number1", 7), LSN_WX_NUMBER);
    assert_int_equal(lsn_wxmsg_type("letter1", 7), LSN_WX_LETTER);
    assert_int_equal(lsn_wxmsg_type("symbol1", 7), LSN_WX_SYMBOL);
    assert_int_equal(lsn_wxmsg_type("first", 5), LSN_WX_UNKNOWN);
    assert_int_equal(lsn_wxmsg_type("things1", 7), LSN_WX_UNKNOWN);
    assert_int_equal(lsn_wxmsg_type("1", 1), LSN_WX_UNKNOWN);
    assert_int_equal(lsn_wxmsg_type("", 0), LSN_WX_UNKNOWN);
}


static void
test_thing(void **state)
{
    const char  *v;

    (void) state;

    /* 20 characters stay */
    v = fit("thing1", "一二三四五六七八九十一二三四五六七八九十");
    assert_string_equal(v, "一二三四五六七八九十一二三四五六七八九十");

    /* 21 become 19 and an ellipsis */
    v = fit("thing1", "一二三四五六七八九十一二三四五六七八九十X");
    assert_int_equal(chars(v), 20);
    assert_string_equal(v, "一二三四五六七八九十一二三四五六七八九…");

    /* a long case-flow message */
    v = fit("thing3", "您的诉求已由承办法官答复：请于下周一上午携带身份证原件到诉讼服务"
            "大厅领取材料。");
    assert_int_equal(chars(v), 20);

    /* ASCII counts per character as well */
    v = fit("thing2", "abcdefghijklmnopqrstuvwxyz");
    assert_string_equal(v, "abcdefghijklmnopqrs…");

    /* 4-byte characters are characters too */
    v = fit("thing2", "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀");
    assert_int_equal(chars(v), 20);

    /* empty */
    assert_string_equal(fit("thing1", ""), "-");

    /* invalid bytes are dropped */
    assert_string_equal(fit("thing1", "a\xff" "b\xe4\xb8" "c"), "abc");
}


static void
test_number_letter_symbol(void **state)
{
    (void) state;

    assert_string_equal(fit("number1", "12,345.67元"), "12345.67");
    assert_string_equal(fit("number1", "1.2.3"), "1.23");
    assert_string_equal(fit("number1",
        "123456789012345678901234567890123456"),
        "12345678901234567890123456789012");
    assert_string_equal(fit("number1", "无"), "0");

    assert_string_equal(fit("letter1", "Ab-c 1d"), "Abcd");
    assert_string_equal(fit("letter1", "中文"), "x");
    assert_int_equal(strlen(fit("letter1",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop")), 32);

    assert_string_equal(fit("symbol1", "%%%%%%%"), "%%%%%");
    assert_string_equal(fit("symbol1", "、。"), "、。");
}


static void
test_character_string(void **state)
{
    (void) state;

    assert_string_equal(fit("character_string1", "2611270001235"),
                        "2611270001235");
    /* Chinese characters and spaces are not allowed: dropped */
    assert_string_equal(fit("character_string1", "(2020)粤0115民初1234号"),
                        "(2020)01151234");
    assert_string_equal(fit("character_string1", "a b\tc"), "abc");
    assert_int_equal(strlen(fit("character_string1",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")), 32);
    assert_string_equal(fit("character_string1", "中文"), "-");
}


static void
test_time_date(void **state)
{
    (void) state;

    assert_string_equal(fit("time1", "2026-02-14 09:05:00"),
                        "2026年2月14日 09:05");
    assert_string_equal(fit("time1", "2026-11-27T17:59:59+08:00"),
                        "2026年11月27日 17:59");
    assert_string_equal(fit("time1", "2026-11-27"),
                        "2026年11月27日 00:00");
    assert_string_equal(fit("time1", "15:01"), "15:01");
    /* already in WeChat's form: kept */
    assert_string_equal(fit("time1", "2019年10月1日 15:01"),
                        "2019年10月1日 15:01");
    assert_string_equal(fit("time2", ""), "-");

    assert_string_equal(fit("date1", "2026-02-28"), "2026年2月28日");
    assert_string_equal(fit("date1", "2026-02-28 10:00:00"),
                        "2026年2月28日");
    assert_string_equal(fit("date1", "2019年10月1日"), "2019年10月1日");
}


static void
test_amount_phone_name_phrase(void **state)
{
    (void) state;

    assert_string_equal(fit("amount1", "¥1234.50"), "¥1234.50");
    assert_string_equal(fit("amount1", "1234.50"), "1234.50");
    assert_string_equal(fit("amount1", "￥123456789012.5"), "￥1234567890");
    assert_string_equal(fit("amount1", "免"), "0");

    assert_string_equal(fit("phone_number1", "020-12368"), "020-12368");
    assert_string_equal(fit("phone_number1", "+86 138 0013 8000 转 1234"),
                        "+86 138 0013 8000");
    assert_string_equal(fit("phone_number1", " 12368 "), "12368");

    assert_string_equal(fit("name1", "欧阳一二三四五六七八九"),
                        "欧阳一二三四五六七八");
    assert_string_equal(fit("name1", "Christopher Columbus Smith"),
                        "Christopher Columbus");
    assert_string_equal(fit("name1", ""), "-");

    assert_string_equal(fit("phrase1", "已受理"), "已受理");
    assert_string_equal(fit("phrase1", "已答复并办结"), "已答复并办");
}


static void
test_unknown(void **state)
{
    char    big[300];
    size_t  i;

    (void) state;

    assert_string_equal(fit("first", "您好，您的诉求已办结。"),
                        "您好，您的诉求已办结。");

    /* cut at a character boundary to the buffer */
    big[0] = '\0';
    for (i = 0; i < 50; i++) {
        strcat(big, "中");
    }
    assert_true(strlen(fit("remark", big)) <= LSN_WXMSG_MAX - 1);
    assert_int_equal(strlen(fit("remark", big)) % 3, 0);
}


static void
test_error_field(void **state)
{
    char    f[32];
    size_t  n;
    const char  *m;

    (void) state;

    m = "argument invalid! data.thing3.value invalid rid: 6543";
    n = lsn_wxmsg_error_field(m, strlen(m), f, sizeof(f));
    assert_int_equal(n, 6);
    assert_string_equal(f, "thing3");

    m = "data.character_string12.value invalid";
    n = lsn_wxmsg_error_field(m, strlen(m), f, sizeof(f));
    assert_string_equal(f, "character_string12");

    m = "argument invalid!";
    n = lsn_wxmsg_error_field(m, strlen(m), f, sizeof(f));
    assert_int_equal(n, 0);
    assert_string_equal(f, "");

    m = "data.thing3.value invalid";
    n = lsn_wxmsg_error_field(m, strlen(m), f, 4);
    assert_int_equal(n, 3);
    assert_string_equal(f, "thi");

    n = lsn_wxmsg_error_field(NULL, 0, f, sizeof(f));
    assert_int_equal(n, 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_thing),
        cmocka_unit_test(test_number_letter_symbol),
        cmocka_unit_test(test_character_string),
        cmocka_unit_test(test_time_date),
        cmocka_unit_test(test_amount_phone_name_phrase),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_error_field),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
