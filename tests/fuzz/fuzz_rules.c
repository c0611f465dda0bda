/*
 * Fuzzing: the text formats people edit: triage rules
 * (lsn_triage_parse()) and canned-answer keyword lists
 * (lsn_canned_keywords_check(), lsn_canned_add()).  Keyword lists come in
 * through the console (POST /staff/canned-answers); rules through a file.
 * The first byte picks which.
 */

#include "fuzz.h"
#include "lsn_canned.h"
#include "lsn_triage.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int                   rc;
    char                 *s, err[256];
    size_t                i;
    lsn_triage_t         *t;
    lsn_canned_t         *c;
    lsn_canned_result_t   res;

    if (n == 0) {
        return 0;
    }

    s = fz_dup(data + 1, n - 1);
    err[0] = '\0';

    if (data[0] & 1) {
        t = lsn_triage_parse(s, n - 1, "fuzz", err, sizeof(err));
        if (t != NULL) {
            FZ_CHECK(lsn_triage_count(t) >= 1);
            for (i = 0; i < lsn_triage_count(t); i++) {
                FZ_CHECK(lsn_triage_rule(t, i) != NULL);
            }
            lsn_triage_free(t);

        } else {
            FZ_CHECK(err[0] != '\0');
        }

    } else {
        rc = lsn_canned_keywords_check(s, n - 1, err, sizeof(err));

        c = lsn_canned_create();
        if (c == NULL) {
            abort();
        }

        if (lsn_canned_add(c, 1, 1, s, n - 1, "答", 3, err, sizeof(err))
            == 0)
        {
            FZ_CHECK(rc == 0);
            (void) lsn_canned_decide(c, 1, LSN_TRACK_SIMPLE, 0, 0,
                                     "诉讼费怎么交", 18, &res);
        }

        lsn_canned_free(c);
    }

    free(s);

    return 0;
}
