/*
 * Unit tests: lsn_caseno (case numbers).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_caseno.h"


typedef struct {
    const char  *in;
    const char  *normalized;
    int          year;
    const char  *court;
    const char  *special;
    const char  *type;
    const char  *serial;
    const char  *suffix;
    int          legacy;
} good_t;


static const good_t  good[] = {
    { "(2020)粤0115民初1234号", "（2020）粤0115民初1234号",
      2020, "粤0115", "", "民初", "1234", "", 0 },
    { "（2020）粤0115民初1234号", "（2020）粤0115民初1234号",
      2020, "粤0115", "", "民初", "1234", "", 0 },
    { "  (2020）粤0115民初1234号 \t", "（2020）粤0115民初1234号",
      2020, "粤0115", "", "民初", "1234", "", 0 },
    { "\xe3\x80\x80（2020)粤0115民初1234号\xe3\x80\x80\n",
      "（2020）粤0115民初1234号",
      2020, "粤0115", "", "民初", "1234", "", 0 },
    { "(2020)最高法民申12号", "（2020）最高法民申12号",
      2020, "最高法", "", "民申", "12", "", 0 },
    { "(2019)粤01民终5号", "（2019）粤01民终5号",
      2019, "粤01", "", "民终", "5", "", 0 },
    { "(2021)粤0192民初3号", "（2021）粤0192民初3号",
      2021, "粤0192", "", "民初", "3", "", 0 },
    { "(2018)粤民再100号", "（2018）粤民再100号",
      2018, "粤", "", "民再", "100", "", 0 },
    { "(2020)粤73知民初1号", "（2020）粤73知民初1号",
      2020, "粤73", "知", "民初", "1", "", 0 },
    { "(2019)最高法知民终730号", "（2019）最高法知民终730号",
      2019, "最高法", "知", "民终", "730", "", 0 },
    { "(2022)最高法知民辖终1号", "（2022）最高法知民辖终1号",
      2022, "最高法", "知", "民辖终", "1", "", 0 },
    { "(2020)粤72民初88号", "（2020）粤72民初88号",
      2020, "粤72", "", "民初", "88", "", 0 },
    { "(2020)粤0115执1234号", "（2020）粤0115执1234号",
      2020, "粤0115", "", "执", "1234", "", 0 },
    { "(2020)粤0115执恢12号", "（2020）粤0115执恢12号",
      2020, "粤0115", "", "执恢", "12", "", 0 },
    { "(2021)粤01民特监2号", "（2021）粤01民特监2号",
      2021, "粤01", "", "民特监", "2", "", 0 },
    { "(2021)最高法司救民9号", "（2021）最高法司救民9号",
      2021, "最高法", "", "司救民", "9", "", 0 },
    { "(2022)粤0115民诉前调77号", "（2022）粤0115民诉前调77号",
      2022, "粤0115", "", "民诉前调", "77", "", 0 },
    { "(2020)粤0115破申1号", "（2020）粤0115破申1号",
      2020, "粤0115", "", "破申", "1", "", 0 },
    { "(2020)兵0101刑初3号", "（2020）兵0101刑初3号",
      2020, "兵0101", "", "刑初", "3", "", 0 },
    { "(2020)内01行初3号", "（2020）内01行初3号",
      2020, "内01", "", "行初", "3", "", 0 },
    { "(2020)军01刑终3号", "（2020）军01刑终3号",
      2020, "军01", "", "刑终", "3", "", 0 },
    { "(2020)粤0115民初1234号之一", "（2020）粤0115民初1234号之一",
      2020, "粤0115", "", "民初", "1234", "之一", 0 },
    { "(2020)粤0115民初1234号之十二", "（2020）粤0115民初1234号之十二",
      2020, "粤0115", "", "民初", "1234", "之十二", 0 },
    { "(2021)粤0115民初30063、30062号", "（2021）粤0115民初30063、30062号",
      2021, "粤0115", "", "民初", "30063、30062", "", 0 },
    { "(2021)粤0115民初1、2、3号之二", "（2021）粤0115民初1、2、3号之二",
      2021, "粤0115", "", "民初", "1、2、3", "之二", 0 },
    { "(2020)粤0115民初0012号", "（2020）粤0115民初0012号",
      2020, "粤0115", "", "民初", "0012", "", 0 },
    { "(2020)粤0115民初1234567890号", "（2020）粤0115民初1234567890号",
      2020, "粤0115", "", "民初", "1234567890", "", 0 },
    { "(1949)京民初1号", "（1949）京民初1号",
      1949, "京", "", "民初", "1", "", 0 },
    { "(2100)京民初1号", "（2100）京民初1号",
      2100, "京", "", "民初", "1", "", 0 },
    { "(2013)广海法初字第438号", "（2013）广海法初字第438号",
      2013, "广海法", "", "初", "438", "", 1 },
    { "（2014）民申字第1号", "（2014）民申字第1号",
      2014, "", "", "民申", "1", "", 1 },
    { "(2012)粤高法民二终字第12号之一", "（2012）粤高法民二终字第12号之一",
      2012, "粤高法", "", "民二终", "12", "之一", 1 },
    { "(2015)沪二中民一(民)终字第1807号",
      "（2015）沪二中民一（民）终字第1807号",
      2015, "", "", "沪二中民一（民）终", "1807", "", 1 },
    { "(2015)鄂武汉中民商外初字第00011号",
      "（2015）鄂武汉中民商外初字第00011号",
      2015, "", "", "鄂武汉中民商外初", "00011", "", 1 },
};


static const char  *junk[] = {
    "",
    "   ",
    "2020粤0115民初1234号",
    "(2020)粤0115民初1234",
    "(2020粤0115民初1234号",
    "(2020]粤0115民初1234号",
    "[2020]粤0115民初1234号",
    "(20)粤0115民初1234号",
    "(20200)粤0115民初1234号",
    "(1948)粤0115民初1234号",
    "(2101)粤0115民初1234号",
    "(２０２０)粤0115民初1234号",
    "(2020)粤0115民初号",
    "(2020)粤0115民初12a4号",
    "(2020)粤0115民初1 234号",
    "(2020)粤0115民初１２号",
    "(2020)粤0115民X1234号",
    "(2020)粤0115民1234号",
    "(2020)粤0115知知民初1号",
    "(2020)粤0115金民初1号",
    "(2020)粤0115初1号",
    "(2020)粤011民初1号",
    "(2020)粤01155民初1号",
    "(2020)广0115民初1号",
    "(2020)新兵0101刑初3号",
    "(2020)最高民申1号",
    "(2020)0115民初1号",
    "(2020)GD0115民初1号",
    "(2020)粤0115mc1234号",
    "(2020)粤0115民初12345678901号",
    "(2020)粤0115民初0号",
    "(2020)粤0115民初000号",
    "(2020)粤0115民初1、号",
    "(2020)粤0115民初、1号",
    "(2020)粤0115民初1,2号",
    "(2020)粤0115民初1234号号",
    "(2020)粤0115民初1234號",
    "(2020)粤0115民初1234号之",
    "(2020)粤0115民初1234号之a",
    "(2020)粤0115民初1234号之一二三四",
    "(2020)粤0115民初1234号 x",
    "x(2020)粤0115民初1234号",
    "(2020) 粤0115民初1234号",
    "(2020)粤0115民初\3771234号",
    "(2020)粤0115民初1234\xe5\x8f",
    "(2013)字第438号",
    "(2013)广海法初字第号",
    "(2013)广海法1初字第438号",
    "(2013)广海法()初字第438号",
    "(2013)广海法(民初字第438号",
    "(2013)广海法初字第43a8号",
};


static void
test_good(void **state)
{
    size_t         i;
    const good_t  *g;
    lsn_caseno_t   cn;

    (void) state;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        g = &good[i];

        if (lsn_caseno_parse(g->in, strlen(g->in), &cn) != 0) {
            fail_msg("rejected \"%s\"", g->in);
        }

        assert_string_equal(cn.normalized, g->normalized);
        assert_int_equal(cn.normalized_len, strlen(g->normalized));
        assert_int_equal(cn.year, g->year);
        assert_string_equal(cn.court, g->court);
        assert_string_equal(cn.special, g->special);
        assert_string_equal(cn.type, g->type);
        assert_string_equal(cn.serial, g->serial);
        assert_string_equal(cn.suffix, g->suffix);
        assert_int_equal(cn.legacy, g->legacy);
    }
}


static void
test_normalized_is_stable(void **state)
{
    char          again[LSN_CASENO_MAX];
    size_t        i;
    lsn_caseno_t  cn;

    (void) state;

    /* parsing the normalised form gives the same normalised form */
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(lsn_caseno_parse(good[i].normalized,
                                          strlen(good[i].normalized), &cn),
                         0);
        strcpy(again, cn.normalized);
        assert_int_equal(lsn_caseno_parse(again, strlen(again), &cn), 0);
        assert_string_equal(cn.normalized, good[i].normalized);
    }
}


static void
test_junk(void **state)
{
    size_t        i;
    lsn_caseno_t  cn;

    (void) state;

    assert_true(sizeof(junk) / sizeof(junk[0]) >= 15);

    for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        memset(&cn, 0x5a, sizeof(cn));

        if (lsn_caseno_parse(junk[i], strlen(junk[i]), &cn) != -1) {
            fail_msg("accepted \"%s\" as \"%s\"", junk[i], cn.normalized);
        }

        /* nothing half-filled is left behind */
        assert_int_equal(cn.normalized_len, 0);
        assert_string_equal(cn.normalized, "");
    }
}


static void
test_lengths(void **state)
{
    char          buf[1024];
    size_t        n;
    lsn_caseno_t  cn;

    (void) state;

    /* the length bounds the input: no NUL needed, none read past */
    memcpy(buf, "(2020)粤0115民初1234号之一", strlen("(2020)粤0115民初1234号"));
    n = strlen("(2020)粤0115民初1234号");
    assert_int_equal(lsn_caseno_parse(buf, n, &cn), 0);
    assert_string_equal(cn.normalized, "（2020）粤0115民初1234号");

    /* a NUL inside is junk */
    assert_int_equal(lsn_caseno_parse("(2020)粤0115民初12\0" "34号",
                                      strlen("(2020)粤0115民初12") + 6, &cn),
                     -1);

    assert_int_equal(lsn_caseno_parse(NULL, 0, &cn), -1);

    /* many serials: the output must still fit, or be refused */
    strcpy(buf, "(2020)粤0115民初");
    for (n = 0; n < 40; n++) {
        strcat(buf, n == 0 ? "1234567890" : "、1234567890");
    }
    strcat(buf, "号");
    assert_int_equal(lsn_caseno_parse(buf, strlen(buf), &cn), -1);

    /* a long serial list that fits */
    strcpy(buf, "(2020)粤0115民初12345678、12345678、12345678、12345678号");
    assert_int_equal(lsn_caseno_parse(buf, strlen(buf), &cn), 0);
    assert_true(cn.normalized_len < LSN_CASENO_MAX);

    /* long legacy prefixes are refused, not truncated */
    strcpy(buf, "(2013)一二三四五六七八九十一二三四五六七八九十初字第1号");
    assert_int_equal(lsn_caseno_parse(buf, strlen(buf), &cn), -1);

    /* huge input */
    memset(buf, ' ', sizeof(buf));
    assert_int_equal(lsn_caseno_parse(buf, sizeof(buf), &cn), -1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_normalized_is_stable),
        cmocka_unit_test(test_junk),
        cmocka_unit_test(test_lengths),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
