/*
 * Fuzzing: the masking of a logged URL's query string (lsn_mask).  Only
 * bytes that were not '*' become '*' (or an encoded digit "%2A"), as many
 * as it says, within the query string (up to the first space); masking
 * again masks nothing more.
 */

#include "fuzz.h"
#include "lsn_mask.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char    *s;
    size_t   i, end, masked, changed;

    s = fz_dup(data, n);

    masked = lsn_mask_query((unsigned char *) s, n);

    for (end = 0; end < n && data[end] != ' '; end++) {
        /* the query string */
    }

    changed = 0;

    for (i = 0; i < n; i++) {
        if ((uint8_t) s[i] != data[i]) {
            /* a '*', or an encoded digit "%3N" become "%2A" */
            FZ_CHECK(i < end
                     && ((s[i] == '*' && data[i] != '*')
                         || (i >= 1 && s[i - 1] == '%' && s[i] == '2'
                             && data[i] == '3' && i + 1 < n
                             && s[i + 1] == 'A')
                         || (i >= 2 && s[i - 2] == '%' && s[i - 1] == '2'
                             && s[i] == 'A' && data[i] >= '0'
                             && data[i] <= '9')));
            changed++;
        }
    }

    FZ_CHECK(changed == masked);
    FZ_CHECK(lsn_mask_query((unsigned char *) s, n) == 0);
    FZ_CHECK(lsn_mask_query(NULL, n) == 0);

    free(s);

    return 0;
}
