/*
 * Unit tests: lsn_canned (keyword syntax, matching, the confidence rules)
 * and the starter set data/canned-answers.tsv measured over the labelled
 * requests tests/canned-labelled.tsv, each first through the triage
 * rules (data/triage-rules.txt) as the intake does.  Precision (of the
 * requests answered automatically, how many got the right answer) must be
 * at least 0.97 and recall at least 0.70; both are printed.
 */


#define _GNU_SOURCE    /* memmem() */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_canned.h"
#include "lsn_text.h"
#include "lsn_ticket.h"
#include "lsn_triage.h"


#ifndef LSN_TEST_DATA_DIR
#define LSN_TEST_DATA_DIR  "data"
#endif

#ifndef LSN_TEST_DIR
#define LSN_TEST_DIR  "tests"
#endif

#define ANSWERS_FILE   LSN_TEST_DATA_DIR "/canned-answers.tsv"
#define RULES_FILE     LSN_TEST_DATA_DIR "/triage-rules.txt"
#define LABELLED_FILE  LSN_TEST_DIR "/canned-labelled.tsv"

#define PRECISION_MIN  0.97
#define RECALL_MIN     0.70

#define MAX_ROWS       1024
#define MAX_FIELDS     6

#define CAT(name)  lsn_category_index(name, strlen(name))
#define S(text)    text, strlen(text)


typedef struct {
    char       *line;
    char       *f[MAX_FIELDS];
    int         nf;
    int         lineno;
} row_t;


typedef struct {
    char       *text;
    row_t       rows[MAX_ROWS];
    int         n;
} table_t;


/* Reads a tab-separated file, skipping comments and empty lines. */

static table_t *
t_table(const char *path)
{
    FILE     *f;
    long      size;
    char     *p, *eol, *tab;
    int       lineno;
    row_t    *r;
    table_t  *t;

    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }

    t = calloc(1, sizeof(table_t));
    assert_non_null(t);

    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);

    t->text = malloc(size + 1);
    assert_non_null(t->text);
    assert_int_equal(fread(t->text, 1, size, f), size);
    t->text[size] = '\0';
    fclose(f);

    lineno = 0;

    for (p = t->text; *p; p = eol + 1) {
        lineno++;
        eol = strchr(p, '\n');
        if (eol == NULL) {
            eol = p + strlen(p);
        }

        *eol = '\0';

        if (*p == '#' || *p == '\0') {
            if (eol == t->text + size) {
                break;
            }

            continue;
        }

        assert_true(t->n < MAX_ROWS);
        r = &t->rows[t->n++];
        r->line = p;
        r->lineno = lineno;

        for (r->nf = 0; r->nf < MAX_FIELDS; ) {
            r->f[r->nf++] = p;
            tab = strchr(p, '\t');
            if (tab == NULL) {
                break;
            }

            *tab = '\0';
            p = tab + 1;
        }

        if (eol == t->text + size) {
            break;
        }
    }

    return t;
}


static void
t_table_free(table_t *t)
{
    free(t->text);
    free(t);
}


/* The starter set's automatic answers, numbered by their row (1..n). */

static lsn_canned_t *
t_starter(table_t **answers)
{
    int            i;
    char           err[256];
    row_t         *r;
    lsn_canned_t  *c;

    *answers = t_table(ANSWERS_FILE);
    c = lsn_canned_create();
    assert_non_null(c);

    for (i = 0; i < (*answers)->n; i++) {
        r = &(*answers)->rows[i];

        if (strcmp(r->f[2], "1") != 0) {
            continue;
        }

        if (lsn_canned_add(c, i + 1, CAT(r->f[1]), S(r->f[4]), S(r->f[5]),
                           err, sizeof(err))
            != 0)
        {
            fail_msg("%s line %d (%s): %s", ANSWERS_FILE, r->lineno,
                     r->f[0], err);
        }
    }

    return c;
}


static void
t_bad_keywords(const char *keywords, const char *want)
{
    char  err[256];

    err[0] = '\0';

    if (lsn_canned_keywords_check(S(keywords), err, sizeof(err)) == 0) {
        fail_msg("accepted: \"%s\"", keywords);
    }

    if (strstr(err, want) == NULL) {
        fail_msg("\"%s\": error \"%s\" lacks \"%s\"", keywords, err, want);
    }
}


static void
test_keywords_syntax(void **state)
{
    char  err[256], big[LSN_CANNED_KEYWORDS_MAX + 2];

    (void) state;

    assert_int_equal(lsn_canned_keywords_check(S(""), err, sizeof(err)), 0);
    assert_int_equal(lsn_canned_keywords_check(S("诉讼费"), err,
                                               sizeof(err)), 0);
    assert_int_equal(lsn_canned_keywords_check(S("诉讼费|受理费;怎么交;!退"),
                                               err, sizeof(err)), 0);
    /* full-width separators and spaces are folded */
    assert_int_equal(lsn_canned_keywords_check(
                         S(" 诉讼费 ｜ 受理费 ； ！退 "), err, sizeof(err)), 0);

    t_bad_keywords(";诉讼费", "第 1 组关键词为空");
    t_bad_keywords("诉讼费;", "第 2 组关键词为空");
    t_bad_keywords("诉讼费;;交", "第 2 组关键词为空");
    t_bad_keywords("诉讼费;!", "第 2 组关键词为空");
    t_bad_keywords("诉讼费||受理费", "第 1 组有空的备选词");
    t_bad_keywords("诉讼费;交|", "第 2 组有空的备选词");
    t_bad_keywords("诉讼费;交|!退", "“!”只能写在一组的开头");
    t_bad_keywords("!退|缓交", "至少要有一组");
    t_bad_keywords("a;b;c;d;e;f;g;h;i", "最多 8 组");
    t_bad_keywords("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一",
                   "超过 30 个字");
    t_bad_keywords("诉讼\x01费", "控制字符");
    t_bad_keywords("\xff\xfe", "控制字符");

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    t_bad_keywords(big, "不能超过 2000 字节");
}


static void
test_fold(void **state)
{
    unsigned char  out[64];
    size_t         n;

    (void) state;

    n = lsn_text_fold((unsigned char *) S(" 诉讼　费 ＡＢｃ？\tXy\r\n"),
                      out);
    assert_int_equal(n, strlen("诉讼费abc?xy"));
    assert_string_equal((char *) out, "诉讼费abc?xy");
}


static void
test_matching(void **state)
{
    char                 err[256];
    lsn_canned_t        *c;
    lsn_canned_result_t  res;
    int                  consult, other, doc, cq;

    (void) state;

    consult = CAT("consultation");
    other = CAT("other");
    doc = CAT("document");
    cq = CAT("case_query");

    /* the indexes lsn_canned.c knows them by */
    assert_int_equal(consult, 1);
    assert_int_equal(other, 7);

    c = lsn_canned_create();
    assert_non_null(c);

    assert_int_equal(lsn_canned_add(c, 10, consult,
                                    S("诉讼费|受理费;怎么交|如何缴;!退|缓交"),
                                    S("交费的答复"), err, sizeof(err)), 0);
    assert_int_equal(lsn_canned_add(c, 20, consult, S("诉讼费;退"),
                                    S("退费的答复"), err, sizeof(err)), 0);
    assert_int_equal(lsn_canned_add(c, 30, doc, S("生效证明"),
                                    S("生效证明的答复"), err, sizeof(err)),
                     0);
    assert_int_equal(lsn_canned_add(c, 40, cq, S("开庭;时间|哪天"),
                                    S("开庭的答复"), err, sizeof(err)), 0);
    assert_int_equal(lsn_canned_add(c, 50, consult, S("apP"),
                                    S("app"), err, sizeof(err)), 0);
    /* an answer without keywords never answers automatically */
    assert_int_equal(lsn_canned_add(c, 60, consult, S(""), S("x"), err,
                                    sizeof(err)), -1);
    assert_int_equal(lsn_canned_count(c), 5);

    /* every group hit, exclusions not */
    assert_int_equal(lsn_canned_decide(c, consult, LSN_TRACK_SIMPLE, 0, 0,
                                       S("请问诉讼费怎么交？"), &res),
                     LSN_CANNED_ANSWER);
    assert_int_equal(res.id, 10);
    assert_memory_equal(res.body, "交费的答复", res.body_len);

    /* folded: spaces, full width, case */
    assert_int_equal(lsn_canned_decide(c, consult, LSN_TRACK_SIMPLE, 0, 0,
                                       S("受 理 费如何缴"), &res),
                     LSN_CANNED_ANSWER);
    assert_int_equal(lsn_canned_decide(c, consult, LSN_TRACK_SIMPLE, 0, 0,
                                       S("ＡＰＰ在哪下载"), &res),
                     LSN_CANNED_ANSWER);
    assert_int_equal(res.id, 50);

    /* an exclusion hit: only the refund answer fits */
    assert_int_equal(lsn_canned_decide(c, consult, LSN_TRACK_SIMPLE, 0, 0,
                                       S("诉讼费怎么交了又要退"), &res),
                     LSN_CANNED_ANSWER);
    assert_int_equal(res.id, 20);

    /* a group without a hit */
    assert_int_equal(lsn_canned_decide(c, consult, LSN_TRACK_SIMPLE, 0, 0,
                                       S("诉讼费是什么"), &res),
                     LSN_CANNED_NONE);
    assert_int_equal(res.id, 0);

    /* two fit: ambiguous, nobody is answered */
    assert_int_equal(lsn_canned_decide(c, consult, LSN_TRACK_SIMPLE, 0, 0,
                                       S("诉讼费怎么交？开庭时间怎么查？"),
                                       &res),
                     LSN_CANNED_AMBIGUOUS);
    assert_true((res.id == 10 && res.other == 40)
                || (res.id == 40 && res.other == 10));
    assert_null(res.body);

    /* categories: the same, or the request's is consultation/other */
    assert_int_equal(lsn_canned_decide(c, doc, LSN_TRACK_SIMPLE, 0, 0,
                                       S("怎么开生效证明"), &res),
                     LSN_CANNED_ANSWER);
    assert_int_equal(lsn_canned_decide(c, other, LSN_TRACK_SIMPLE, 0, 0,
                                       S("怎么开生效证明"), &res),
                     LSN_CANNED_ANSWER);
    assert_int_equal(lsn_canned_decide(c, cq, LSN_TRACK_SIMPLE, 0, 0,
                                       S("怎么开生效证明"), &res),
                     LSN_CANNED_CATEGORY);
    assert_int_equal(res.id, 30);
    assert_null(res.body);
    assert_int_equal(lsn_canned_decide(c, doc, LSN_TRACK_SIMPLE, 0, 0,
                                       S("诉讼费怎么交"), &res),
                     LSN_CANNED_CATEGORY);

    /* no set: the checks only */
    assert_int_equal(lsn_canned_decide(NULL, consult, LSN_TRACK_SIMPLE, 0, 0,
                                       S("诉讼费怎么交"), &res),
                     LSN_CANNED_NONE);

    lsn_canned_free(c);
    lsn_canned_free(NULL);
}


static void
test_confidence(void **state)
{
    char                 err[256], text[512];
    const char          *cue;
    lsn_canned_t        *c;
    lsn_canned_result_t  res;
    int                  consult, i;

    (void) state;

    consult = CAT("consultation");
    c = lsn_canned_create();
    assert_non_null(c);
    assert_int_equal(lsn_canned_add(c, 1, consult, S("诉讼费;交"),
                                    S("答复"), err, sizeof(err)), 0);

    static const struct {
        lsn_track_e           track;
        size_t                nrisks;
        int                   has_case;
        const char           *text;
        lsn_canned_verdict_e  verdict;
        const char           *cue;
    } cases[] = {
        { LSN_TRACK_SIMPLE, 0, 0, "诉讼费怎么交", LSN_CANNED_ANSWER, NULL },
        { LSN_TRACK_ORDINARY, 0, 0, "诉讼费怎么交", LSN_CANNED_ORDINARY,
          NULL },
        { LSN_TRACK_SIMPLE, 1, 0, "诉讼费怎么交", LSN_CANNED_RISK, NULL },
        { LSN_TRACK_SIMPLE, 0, 1, "诉讼费怎么交", LSN_CANNED_CASE, NULL },

        /* cues */
        { LSN_TRACK_SIMPLE, 0, 0, "我要投诉，诉讼费怎么交", LSN_CANNED_CUE,
          "投诉" },
        { LSN_TRACK_SIMPLE, 0, 0, "我的案子诉讼费怎么交", LSN_CANNED_CUE,
          "我的案" },
        { LSN_TRACK_SIMPLE, 0, 0, "诉讼费交了法官还没收到", LSN_CANNED_CUE,
          NULL },
        { LSN_TRACK_SIMPLE, 0, 0, "诉讼费怎么交？另外开庭在哪",
          LSN_CANNED_CUE, "另外" },
        /* "拖欠" is not "拖了" */
        { LSN_TRACK_SIMPLE, 0, 0, "拖欠的诉讼费怎么交", LSN_CANNED_ANSWER,
          NULL },

        /* numbers: a case number, a phone; small numbers are no case */
        { LSN_TRACK_SIMPLE, 0, 0, "（2024）粤0115民初1234号诉讼费怎么交",
          LSN_CANNED_CASE, NULL },
        { LSN_TRACK_SIMPLE, 0, 0, "民初1234号的诉讼费怎么交",
          LSN_CANNED_CASE, NULL },
        { LSN_TRACK_SIMPLE, 0, 0, "执8号诉讼费怎么交", LSN_CANNED_CASE,
          NULL },
        { LSN_TRACK_SIMPLE, 0, 0, "(2013)广海法初字第438号诉讼费怎么交",
          LSN_CANNED_CASE, NULL },
        { LSN_TRACK_SIMPLE, 0, 0, "13800138000诉讼费怎么交",
          LSN_CANNED_CUE, "(a number)" },
        { LSN_TRACK_SIMPLE, 0, 0, "10万元的诉讼费怎么交", LSN_CANNED_ANSWER,
          NULL },
        { LSN_TRACK_SIMPLE, 0, 0, "诉讼费7日内交吗", LSN_CANNED_ANSWER,
          NULL },
        { LSN_TRACK_SIMPLE, 0, 0, "\xff诉讼费", LSN_CANNED_INVALID, NULL },
    };

    for (i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++) {
        if (lsn_canned_decide(c, consult, cases[i].track, cases[i].nrisks,
                              cases[i].has_case, S(cases[i].text), &res)
            != cases[i].verdict)
        {
            fail_msg("\"%s\": %s, want %s", cases[i].text,
                     lsn_canned_verdict_name(res.verdict),
                     lsn_canned_verdict_name(cases[i].verdict));
        }

        if (cases[i].cue) {
            assert_non_null(res.cue);
            assert_string_equal(res.cue, cases[i].cue);
        }
    }

#define DECIDE(text)                                                          \
    lsn_canned_decide(c, consult, LSN_TRACK_SIMPLE, 0, 0, S(text), &res)

    /* the length bound counts folded characters */
    strcpy(text, "诉讼费怎么交");
    for (i = 6; i < LSN_CANNED_TEXT_MAX; i++) {
        strcat(text, "啊");
    }

    assert_int_equal(DECIDE(text), LSN_CANNED_ANSWER);
    strcat(text, "   ");
    assert_int_equal(DECIDE(text), LSN_CANNED_ANSWER);
    strcat(text, "啊");
    assert_int_equal(DECIDE(text), LSN_CANNED_LONG);

#undef DECIDE

    /* the checks alone */
    assert_int_equal(lsn_canned_eligible(LSN_TRACK_SIMPLE, 0, 0,
                                         S("诉讼费怎么交"), &cue),
                     LSN_CANNED_NONE);
    assert_null(cue);
    assert_int_equal(lsn_canned_eligible(LSN_TRACK_SIMPLE, 0, 0,
                                         S("赶紧告诉我诉讼费怎么交"), &cue),
                     LSN_CANNED_CUE);
    assert_string_equal(cue, "赶紧");
    assert_int_equal(lsn_canned_eligible(LSN_TRACK_ORDINARY, 0, 0, S("x"),
                                         NULL),
                     LSN_CANNED_ORDINARY);

    assert_string_equal(lsn_canned_verdict_name(LSN_CANNED_ANSWER), "answer");
    assert_string_equal(lsn_canned_verdict_name(LSN_CANNED_INVALID),
                        "invalid");
    assert_string_equal(lsn_canned_verdict_name((lsn_canned_verdict_e) 99),
                        "unknown");

    lsn_canned_free(c);
}


/*
 * Every cue is folded, and none is in a group of an automatic answer's
 * keywords that must hit (it could never fit).
 */

static void
test_cues(void **state)
{
    int             i, j, bad;
    char           *group, *end, *semi;
    size_t          n;
    unsigned char   folded[128];
    table_t        *answers;

    (void) state;

    answers = t_table(ANSWERS_FILE);
    bad = 0;

    for (i = 0; lsn_canned_cues[i]; i++) {
        n = strlen(lsn_canned_cues[i]);
        assert_true(n < sizeof(folded));
        assert_int_equal(lsn_text_fold((unsigned char *) lsn_canned_cues[i],
                                       n, folded), n);

        for (j = 0; j < answers->n; j++) {
            if (strcmp(answers->rows[j].f[2], "1") != 0) {
                continue;
            }

            group = answers->rows[j].f[4];
            end = group + strlen(group);

            for ( ; group < end; group = semi + 1) {
                semi = strchr(group, ';');
                if (semi == NULL) {
                    semi = end;
                }

                if (*group != '!'
                    && memmem(group, semi - group, lsn_canned_cues[i], n))
                {
                    printf("   cue \"%s\" is in the keywords of %s\n",
                           lsn_canned_cues[i], answers->rows[j].f[0]);
                    bad++;
                }
            }
        }
    }

    assert_int_equal(bad, 0);

    t_table_free(answers);
}


/* The data file: fields, codes, categories, what the API accepts. */

static void
test_starter_set(void **state)
{
    int            i, j, nauto;
    char           err[256];
    long           n;
    row_t         *r;
    table_t       *answers;
    lsn_canned_t  *c;

    (void) state;

    c = t_starter(&answers);
    nauto = 0;

    for (i = 0; i < answers->n; i++) {
        r = &answers->rows[i];

        if (r->nf != 6) {
            fail_msg("%s line %d: %d fields, want 6", ANSWERS_FILE,
                     r->lineno, r->nf);
        }

        for (j = 0; r->f[0][j]; j++) {
            assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789._",
                                   r->f[0][j]));
        }

        assert_true(j >= 1 && j <= 32);

        for (j = 0; j < i; j++) {
            if (strcmp(answers->rows[j].f[0], r->f[0]) == 0) {
                fail_msg("duplicate code %s", r->f[0]);
            }
        }

        if (CAT(r->f[1]) < 0) {
            fail_msg("%s: unknown category %s", r->f[0], r->f[1]);
        }

        assert_true(strcmp(r->f[2], "0") == 0 || strcmp(r->f[2], "1") == 0);
        nauto += r->f[2][0] == '1';

        /* what PUT /staff/canned-answers accepts */
        n = lsn_utf8_count((unsigned char *) S(r->f[3]));
        assert_true(n >= 1 && n <= 50);
        assert_int_equal(lsn_text_valid((unsigned char *) S(r->f[5]), 1,
                                        2000), 0);
        assert_int_equal(lsn_canned_keywords_check(S(r->f[4]), err,
                                                   sizeof(err)), 0);

        /* court-neutral: the court is 本院, and no phone numbers */
        assert_null(strstr(r->f[5], "南沙"));
        assert_null(strstr(r->f[5], "020-"));
    }

    /* the issue asks for at least 30 */
    assert_true(nauto >= 30);
    assert_int_equal(lsn_canned_count(c), nauto);

    printf("   starter set: %d canned answers, %d automatic\n", answers->n,
           nauto);

    lsn_canned_free(c);
    t_table_free(answers);
}


/* The labelled set through triage and the matcher, as the intake runs. */

static void
test_precision(void **state)
{
    int                   i, answered, right, wrong, want, found, cat, ch;
    int                   missed, nrows;
    char                  err[512];
    const char           *code, *got;
    row_t                *r;
    table_t              *answers, *labelled;
    lsn_canned_t         *c;
    lsn_triage_t         *rules;
    lsn_triage_result_t   tr;
    lsn_canned_result_t   res;
    double                precision, recall;

    (void) state;

    rules = lsn_triage_load(RULES_FILE, err, sizeof(err));
    if (rules == NULL) {
        fail_msg("%s", err);
    }

    c = t_starter(&answers);
    labelled = t_table(LABELLED_FILE);

    answered = right = wrong = want = found = missed = 0;
    nrows = labelled->n;

    for (i = 0; i < nrows; i++) {
        r = &labelled->rows[i];

        if (r->nf != 5) {
            fail_msg("%s line %d: %d fields, want 5", LABELLED_FILE,
                     r->lineno, r->nf);
        }

        ch = lsn_channel_index(S(r->f[0]));
        cat = CAT(r->f[1]);
        assert_true(ch >= 0);
        assert_true(cat >= 0);

        code = r->f[3];

        if (strcmp(code, "-") != 0) {
            want++;

            /* a label names an automatic answer of the set */
            for (found = 0; found < answers->n; found++) {
                if (strcmp(answers->rows[found].f[0], code) == 0) {
                    break;
                }
            }

            if (found == answers->n
                || strcmp(answers->rows[found].f[2], "1") != 0)
            {
                fail_msg("%s line %d: no automatic answer %s",
                         LABELLED_FILE, r->lineno, code);
            }
        }

        assert_int_equal(lsn_triage_classify(rules, cat, S(r->f[4]), &tr),
                         0);

        lsn_canned_decide(c, cat, tr.track, tr.nrisks,
                          strcmp(r->f[2], "-") != 0, S(r->f[4]), &res);

        got = res.verdict == LSN_CANNED_ANSWER
              ? answers->rows[res.id - 1].f[0] : NULL;

        if (got) {
            answered++;

            if (strcmp(got, code) == 0) {
                right++;

            } else {
                wrong++;
                printf("   WRONG  line %d: \"%s\" answered with %s, "
                       "labelled %s\n", r->lineno, r->f[4], got, code);
            }

        } else if (strcmp(code, "-") != 0) {
            missed++;
            printf("   missed line %d: \"%s\" (%s%s%s), labelled %s\n",
                   r->lineno, r->f[4], lsn_canned_verdict_name(res.verdict),
                   res.cue ? ": " : "", res.cue ? res.cue : "", code);
        }
    }

    precision = answered ? (double) right / answered : 1.0;
    recall = want ? (double) right / want : 1.0;

    printf("   answer on receipt over %d labelled requests (%d answerable): "
           "%d answered automatically, %d right, %d wrong\n",
           nrows, want, answered, right, wrong);
    printf("     precision %d/%d = %.3f (at least %.2f), "
           "recall %d/%d = %.3f (at least %.2f)\n",
           right, answered, precision, PRECISION_MIN, right, want, recall,
           RECALL_MIN);

    assert_true(nrows >= 150);
    assert_true(precision >= PRECISION_MIN);
    assert_true(recall >= RECALL_MIN);

    lsn_canned_free(c);
    lsn_triage_free(rules);
    t_table_free(answers);
    t_table_free(labelled);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_syntax),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_matching),
        cmocka_unit_test(test_confidence),
        cmocka_unit_test(test_cues),
        cmocka_unit_test(test_starter_set),
        cmocka_unit_test(test_precision),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
