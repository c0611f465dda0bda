/*
 * Unit tests: lsn_triage (the rules file format, the track decision, risk
 * flags) and the accuracy of data/triage-rules.txt over the labelled set
 * tests/triage-labelled.tsv: at least 95% of tracks right and every risk
 * found.  The figures are printed.
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_ticket.h"
#include "lsn_triage.h"


#ifndef LSN_TEST_DATA_DIR
#define LSN_TEST_DATA_DIR  "data"
#endif

#ifndef LSN_TEST_DIR
#define LSN_TEST_DIR  "tests"
#endif

#define RULES_FILE     LSN_TEST_DATA_DIR "/triage-rules.txt"
#define LABELLED_FILE  LSN_TEST_DIR "/triage-labelled.tsv"

#define CAT(name)  lsn_category_index(name, strlen(name))


static lsn_triage_t *
t_parse(const char *text, char *err, size_t errlen)
{
    return lsn_triage_parse(text, strlen(text), "t.rules", err, errlen);
}


static void
t_bad(const char *text, const char *want)
{
    char           err[512];
    lsn_triage_t  *t;

    err[0] = '\0';
    t = t_parse(text, err, sizeof(err));

    if (t != NULL) {
        lsn_triage_free(t);
        fail_msg("accepted: %s", text);
    }

    if (strstr(err, want) == NULL) {
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    }
}


static void
test_format_errors(void **state)
{
    (void) state;

    t_bad("", "no rules");
    t_bad("# only a comment\n\n", "no rules");
    t_bad("a ordinary x *\n", "t.rules:1: no pattern");
    t_bad("a ordinary x\n", "t.rules:1: expected");
    t_bad("# c\na bogus x * foo\n", "t.rules:2: unknown action \"bogus\"");
    t_bad("a risk x nosuch foo\n", "invalid categories \"nosuch\"");
    t_bad("a risk x other, foo\n", "invalid categories");
    t_bad("a risk X * foo\n", "invalid label \"X\"");
    t_bad("a/b risk x * foo\n", "invalid rule id \"a/b\"");
    t_bad("a risk x * foo\nb risk y * bar\na risk z * baz\n",
          "t.rules:3: duplicate rule id \"a\" (first on line 1)");
    t_bad("a risk x * (unclosed\n", "t.rules:1: rule \"a\": pattern error");
    t_bad("a risk x * foo\xff\n", "not valid UTF-8");
    t_bad("a risk:severe x * foo\n", "unknown risk level \"severe\"");
    t_bad("a risk: x * foo\n", "unknown risk level \"\"");
    t_bad("a ordinary:high x * foo\n", "unknown action \"ordinary:high\"");
}


static void
test_format_good(void **state)
{
    char               err[256];
    lsn_triage_t      *t;
    const lsn_rule_t  *r;

    (void) state;

    t = t_parse("# comment\r\n"
                "  \t\n"
                "r.1\tordinary  facts   *   证据 伪造\r\n"
                "r-2 simple fees other,consultation 诉讼费\n"
                "r_3 risk self_harm case_query (?:跳楼|自杀)\n"
                "r4 risk:urgent violence * 同归于尽\n"
                "r5 risk:low mood * 烦",
                err, sizeof(err));
    assert_non_null(t);
    assert_int_equal(lsn_triage_count(t), 5);

    r = lsn_triage_rule(t, 0);
    assert_string_equal(r->id, "r.1");
    assert_int_equal(r->action, LSN_RULE_ORDINARY);
    assert_string_equal(r->label, "facts");
    assert_int_equal(r->line, 3);
    assert_int_equal(r->categories, 0x7ff);

    r = lsn_triage_rule(t, 1);
    assert_int_equal(r->action, LSN_RULE_SIMPLE);
    assert_int_equal(r->categories,
                     (1u << CAT("other")) | (1u << CAT("consultation")));

    r = lsn_triage_rule(t, 2);
    assert_int_equal(r->action, LSN_RULE_RISK);
    assert_int_equal(r->categories, 1u << CAT("case_query"));
    assert_int_equal(r->level, LSN_RISK_HIGH);      /* the default */

    r = lsn_triage_rule(t, 3);
    assert_int_equal(r->action, LSN_RULE_RISK);
    assert_int_equal(r->level, LSN_RISK_URGENT);
    assert_string_equal(lsn_risk_level_zh(r->level), "紧急");
    assert_string_equal(lsn_risk_label_zh(r->label), "暴力倾向");

    r = lsn_triage_rule(t, 4);
    assert_int_equal(r->level, LSN_RISK_LOW);
    assert_string_equal(lsn_risk_label_zh(r->label), "mood");
    assert_null(lsn_triage_rule(t, 5));

    assert_int_equal(lsn_risk_level_index("medium", 6), LSN_RISK_MEDIUM);
    assert_int_equal(lsn_risk_level_index("Medium", 6), -1);

    assert_string_equal(lsn_rule_action_name(LSN_RULE_RISK), "risk");

    lsn_triage_free(t);
}


static void
test_decisions(void **state)
{
    char                  err[256];
    const char           *s;
    lsn_triage_t         *t;
    lsn_triage_result_t   res;

    (void) state;

    t = t_parse("o.1 ordinary judge * 找法官\n"
                "o.2 ordinary facts * 伪造\n"
                "s.1 simple fees other 诉讼费\n"
                "k.1 risk self_harm * 跳楼\n"
                "k.2 risk media * 曝光\n"
                "k.3 risk only_other other 上访\n",
                err, sizeof(err));
    assert_non_null(t);

    /* a simple category stays simple without an ordinary rule */
    s = "请问诉讼费怎么交";
    assert_int_equal(lsn_triage_classify(t, CAT("consultation"), s,
                                         strlen(s), &res), 0);
    assert_int_equal(res.track, LSN_TRACK_SIMPLE);
    assert_null(res.track_rule);
    assert_int_equal(res.nrisks, 0);

    /* an ordinary rule moves it, and is recorded (the first one) */
    s = "证据是伪造的，我要找法官";
    assert_int_equal(lsn_triage_classify(t, CAT("material"), s, strlen(s),
                                         &res), 0);
    assert_int_equal(res.track, LSN_TRACK_ORDINARY);
    assert_string_equal(res.track_rule->id, "o.1");

    /* "other" becomes simple by a simple rule, ordinary without */
    s = "诉讼费退费";
    lsn_triage_classify(t, CAT("other"), s, strlen(s), &res);
    assert_int_equal(res.track, LSN_TRACK_SIMPLE);
    assert_string_equal(res.track_rule->id, "s.1");

    s = "别的事情";
    lsn_triage_classify(t, CAT("other"), s, strlen(s), &res);
    assert_int_equal(res.track, LSN_TRACK_ORDINARY);
    assert_null(res.track_rule);

    /* ... and an ordinary rule wins over a simple one */
    s = "诉讼费的收据是伪造的";
    lsn_triage_classify(t, CAT("other"), s, strlen(s), &res);
    assert_int_equal(res.track, LSN_TRACK_ORDINARY);
    assert_string_equal(res.track_rule->id, "o.2");

    /* simple rules never apply outside "other" */
    s = "诉讼费";
    lsn_triage_classify(t, CAT("complaint"), s, strlen(s), &res);
    assert_int_equal(res.track, LSN_TRACK_ORDINARY);
    assert_null(res.track_rule);

    /* contact_judge and complaint are ordinary by category */
    s = "我要找法官";
    lsn_triage_classify(t, CAT("contact_judge"), s, strlen(s), &res);
    assert_int_equal(res.track, LSN_TRACK_ORDINARY);
    assert_null(res.track_rule);

    /* risks: all of them, independent of the track, after normalising */
    s = "再不处理我就去跳\xe3\x80\x80楼，还要 曝 光";
    lsn_triage_classify(t, CAT("case_query"), s, strlen(s), &res);
    assert_int_equal(res.track, LSN_TRACK_SIMPLE);
    assert_int_equal(res.nrisks, 2);
    assert_string_equal(res.risks[0]->id, "k.1");
    assert_string_equal(res.risks[1]->id, "k.2");

    /* a category filter on a risk rule */
    s = "上访";
    lsn_triage_classify(t, CAT("case_query"), s, strlen(s), &res);
    assert_int_equal(res.nrisks, 0);
    lsn_triage_classify(t, CAT("other"), s, strlen(s), &res);
    assert_int_equal(res.nrisks, 1);

    /* invalid UTF-8: the category decides, -1 */
    s = "\xff\xfe";
    assert_int_equal(lsn_triage_classify(t, CAT("consultation"), s, 2,
                                         &res), -1);
    assert_int_equal(res.track, LSN_TRACK_SIMPLE);
    assert_int_equal(res.nrisks, 0);

    lsn_triage_free(t);

    /* no rules at all */
    s = "我要跳楼";
    assert_int_equal(lsn_triage_classify(NULL, CAT("document"), s,
                                         strlen(s), &res), 0);
    assert_int_equal(res.track, LSN_TRACK_SIMPLE);
    assert_int_equal(res.nrisks, 0);
}


static void
test_fullwidth_and_case(void **state)
{
    char                  err[256];
    const char           *s;
    lsn_triage_t         *t;
    lsn_triage_result_t   res;

    (void) state;

    t = t_parse("k.1 risk media * (?:weibo|12368)\n", err, sizeof(err));
    assert_non_null(t);

    /* "ＷＥＩＢＯ" in full-width capitals, "１２３６８" full-width digits */
    s = "\xef\xbc\xb7\xef\xbc\xa5\xef\xbc\xa9\xef\xbc\xa2\xef\xbc\xaf";
    lsn_triage_classify(t, CAT("other"), s, strlen(s), &res);
    assert_int_equal(res.nrisks, 1);

    s = "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x96\xef\xbc\x98";
    lsn_triage_classify(t, CAT("other"), s, strlen(s), &res);
    assert_int_equal(res.nrisks, 1);

    lsn_triage_free(t);
}


static void
test_load_file(void **state)
{
    char           err[512];
    lsn_triage_t  *t;

    (void) state;

    t = lsn_triage_load(RULES_FILE, err, sizeof(err));
    if (t == NULL) {
        fail_msg("%s", err);
    }

    assert_true(lsn_triage_count(t) >= 10);
    lsn_triage_free(t);

    t = lsn_triage_load(LSN_TEST_DATA_DIR "/no-such-rules.txt", err,
                        sizeof(err));
    assert_null(t);
    assert_non_null(strstr(err, "cannot open"));
}


/* The labelled set */

static void
test_accuracy(void **state)
{
    int                   line, category, want_risk, got_risk, n;
    int                   track_ok, risks, risks_found, flagged;
    int                   false_flags, per_track[2][2];
    char                  buf[4096], *f[5], *p, *nl, err[512];
    FILE                 *fp;
    size_t                i, nrules;
    lsn_track_e           want_track;
    lsn_triage_t         *t;
    lsn_triage_result_t   res;

    (void) state;

    t = lsn_triage_load(RULES_FILE, err, sizeof(err));
    if (t == NULL) {
        fail_msg("%s", err);
    }

    fp = fopen(LABELLED_FILE, "r");
    if (fp == NULL) {
        fail_msg("cannot open %s", LABELLED_FILE);
    }

    n = track_ok = risks = risks_found = flagged = false_flags = 0;
    memset(per_track, 0, sizeof(per_track));
    line = 0;

    while (fgets(buf, sizeof(buf), fp) != NULL) {
        line++;

        nl = strchr(buf, '\n');
        if (nl) {
            *nl = '\0';
        }

        if (buf[0] == '#' || buf[0] == '\0') {
            continue;
        }

        p = buf;
        for (i = 0; i < 5; i++) {
            f[i] = p;
            p = (i < 4) ? strchr(p, '\t') : NULL;

            if (i < 4) {
                if (p == NULL) {
                    fail_msg("%s:%d: expected 5 tab-separated fields",
                             LABELLED_FILE, line);
                }

                *p++ = '\0';
            }
        }

        if (lsn_channel_index(f[0], strlen(f[0])) < 0) {
            fail_msg("%s:%d: unknown channel \"%s\"", LABELLED_FILE, line,
                     f[0]);
        }

        category = lsn_category_index(f[1], strlen(f[1]));
        if (category < 0) {
            fail_msg("%s:%d: unknown category \"%s\"", LABELLED_FILE, line,
                     f[1]);
        }

        if (strcmp(f[2], "simple") == 0) {
            want_track = LSN_TRACK_SIMPLE;

        } else if (strcmp(f[2], "ordinary") == 0) {
            want_track = LSN_TRACK_ORDINARY;

        } else {
            fail_msg("%s:%d: bad track \"%s\"", LABELLED_FILE, line, f[2]);
            return;
        }

        want_risk = (f[3][0] == '1');

        assert_int_equal(lsn_triage_classify(t, category, f[4],
                                             strlen(f[4]), &res), 0);

        n++;
        got_risk = (res.nrisks > 0);
        per_track[want_track][res.track]++;

        if (res.track == want_track) {
            track_ok++;

        } else {
            printf("   track  %s:%d want %s got %s (%s): %s\n",
                   LABELLED_FILE, line, f[2], lsn_track_name(res.track),
                   res.track_rule ? res.track_rule->id : "category", f[4]);
        }

        risks += want_risk;
        flagged += got_risk;

        if (want_risk && got_risk) {
            risks_found++;
        }

        if (want_risk && !got_risk) {
            printf("   risk   %s:%d missed: %s\n", LABELLED_FILE, line,
                   f[4]);
        }

        if (!want_risk && got_risk) {
            false_flags++;
            printf("   risk   %s:%d false flag (%s): %s\n", LABELLED_FILE,
                   line, res.risks[0]->id, f[4]);
        }
    }

    fclose(fp);
    nrules = lsn_triage_count(t);
    lsn_triage_free(t);

    printf("   triage accuracy over %d labelled requests "
           "(%zu rules):\n", n, nrules);
    printf("     track    %d/%d right = %.1f%%  (simple->simple %d, "
           "simple->ordinary %d, ordinary->ordinary %d, "
           "ordinary->simple %d)\n",
           track_ok, n, n ? 100.0 * track_ok / n : 0.0,
           per_track[0][0], per_track[0][1], per_track[1][1],
           per_track[1][0]);
    printf("     risk     recall %d/%d = %.1f%%, precision %d/%d = %.1f%%, "
           "false flags %d\n",
           risks_found, risks, risks ? 100.0 * risks_found / risks : 100.0,
           risks_found, flagged,
           flagged ? 100.0 * risks_found / flagged : 100.0, false_flags);

    assert_true(n >= 80);
    assert_true(risks > 0);
    assert_true(track_ok * 100 >= n * 95);
    assert_int_equal(risks_found, risks);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_format_good),
        cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_fullwidth_and_case),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_accuracy),
    };

    return cmocka_run_group_tests_name("lsn_triage", tests, NULL, NULL);
}
