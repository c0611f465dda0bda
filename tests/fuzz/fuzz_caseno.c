/*
 * Fuzzing: lsn_caseno_parse(), the case numbers litigants type and the
 * trial system sends.  A parsed number's normalised form parses again to
 * itself.
 */

#include "fuzz.h"
#include "lsn_caseno.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char           *s, *norm;
    lsn_caseno_t    cn, again;

    s = fz_dup(data, n);

    if (lsn_caseno_parse(s, n, &cn) == 0) {
        FZ_CHECK(cn.normalized_len < LSN_CASENO_MAX);
        FZ_CHECK(cn.normalized[cn.normalized_len] == '\0');
        FZ_CHECK(strlen(cn.normalized) == cn.normalized_len);

        norm = fz_dup((uint8_t *) cn.normalized, cn.normalized_len);
        FZ_CHECK(lsn_caseno_parse(norm, cn.normalized_len, &again) == 0);
        FZ_CHECK(again.normalized_len == cn.normalized_len);
        FZ_CHECK(memcmp(again.normalized, cn.normalized, cn.normalized_len)
                 == 0);
        free(norm);
    }

    free(s);

    return 0;
}
