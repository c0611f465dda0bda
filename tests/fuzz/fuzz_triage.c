/*
 * Fuzzing: lsn_triage_classify() over the shipped rules
 * (data/triage-rules.txt), the patterns every litigant's text meets, and
 * the canned-answer decision (lsn_canned, data/canned-answers.tsv) the
 * same text meets next.  The first byte picks the category; the rest is
 * the text.  A pattern that backtracks without end shows as a timeout.
 */

#include <stdio.h>

#include "fuzz.h"
#include "lsn_canned.h"
#include "lsn_triage.h"


static lsn_triage_t  *rules;
static lsn_canned_t  *canned;
static int            ncategories;


static void
fz_load_canned(const char *path)
{
    int     cat;
    char   *line, *f[8], *p, *tab, err[256];
    FILE   *fp;
    size_t  cap, nf;

    canned = lsn_canned_create();
    fp = fopen(path, "r");
    if (canned == NULL || fp == NULL) {
        fprintf(stderr, "fuzz_triage: %s\n", path);
        abort();
    }

    line = NULL;
    cap = 0;

    while (getline(&line, &cap, fp) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }

        for (p = line, nf = 0; nf < 8; ) {
            f[nf++] = p;
            tab = strchr(p, '\t');
            if (tab == NULL) {
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }

        if (nf < 6 || strcmp(f[2], "1") != 0) {
            continue;
        }

        cat = lsn_category_index(f[1], strlen(f[1]));
        if (lsn_canned_add(canned, lsn_canned_count(canned) + 1, cat, f[4],
                           strlen(f[4]), f[5], strlen(f[5]), err,
                           sizeof(err))
            != 0)
        {
            fprintf(stderr, "fuzz_triage: %s: %s\n", path, err);
            abort();
        }
    }

    free(line);
    fclose(fp);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char  err[512];

    (void) argc;
    (void) argv;

    rules = lsn_triage_load(LSN_FUZZ_DATA_DIR "/triage-rules.txt", err,
                            sizeof(err));
    if (rules == NULL) {
        fprintf(stderr, "fuzz_triage: %s\n", err);
        abort();
    }

    fz_load_canned(LSN_FUZZ_DATA_DIR "/canned-answers.tsv");

    while (lsn_categories[ncategories] != NULL) {
        ncategories++;
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int                   cat;
    char                 *s;
    size_t                i;
    const char           *cue;
    lsn_canned_result_t   cres;
    lsn_triage_result_t   res;

    if (n == 0) {
        return 0;
    }

    cat = data[0] % ncategories;
    s = fz_dup(data + 1, n - 1);

    if (lsn_triage_classify(rules, cat, s, n - 1, &res) == 0) {
        FZ_CHECK(res.nrisks <= LSN_TRIAGE_MAX_HITS);
        for (i = 0; i < res.nrisks; i++) {
            FZ_CHECK(res.risks[i] != NULL);
            FZ_CHECK(res.risks[i]->action == LSN_RULE_RISK);
        }
    }

    (void) lsn_canned_eligible(res.track, res.nrisks, 0, s, n - 1, &cue);
    (void) lsn_canned_decide(canned, cat, res.track, res.nrisks, 0, s, n - 1,
                             &cres);
    if (cres.verdict == LSN_CANNED_ANSWER) {
        FZ_CHECK(cres.body != NULL && cres.body_len > 0);
    }

    free(s);

    return 0;
}
