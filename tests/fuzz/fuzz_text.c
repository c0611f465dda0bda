/*
 * Fuzzing: lsn_text, the checks every JSON text field and header meets
 * (UTF-8, free text, phones, names, idempotency keys, JSON escapes).
 */

#include "fuzz.h"
#include "lsn_text.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int             cut;
    long            count;
    char           *s, *mask;
    size_t          len, plen, elen;
    unsigned char  *esc, *fold;

    s = fz_dup(data, n);

    count = lsn_utf8_count((unsigned char *) s, n);
    FZ_CHECK(count >= -1 && count <= (long) n);

    plen = lsn_utf8_prefix(s, n, 7, &cut);
    FZ_CHECK(plen <= n);
    if (count >= 0) {
        FZ_CHECK(lsn_utf8_count((unsigned char *) s, plen)
                 == (count < 7 ? count : 7));
        FZ_CHECK(cut == (count > 7));
    }

    if (lsn_text_valid((unsigned char *) s, n, 1, 500) == 0) {
        FZ_CHECK(count >= 1);
    }

    mask = malloc(n + LSN_NAME_MASK_MAX + 1);
    if (mask == NULL) {
        abort();
    }

    (void) lsn_phone_valid(s, n);
    len = lsn_phone_mask(s, n, mask);
    FZ_CHECK(len == n && mask[len] == '\0');

    len = lsn_name_mask(s, n, mask);
    FZ_CHECK(len < LSN_NAME_MASK_MAX && mask[len] == '\0');

    (void) lsn_idempotency_key_valid(s, n);

    /* an escaped string is valid JSON string content of the length told */
    elen = lsn_json_escaped_len((unsigned char *) s, n);
    esc = malloc(elen + 1);
    if (esc == NULL) {
        abort();
    }
    FZ_CHECK(lsn_json_escape(esc, (unsigned char *) s, n) == elen);
    if (count >= 0) {
        FZ_CHECK(lsn_json_escapes_valid(esc, elen) == 1);
    }
    (void) lsn_json_escapes_valid((unsigned char *) s, n);

    if (count >= 0) {
        fold = malloc(n + 1);
        if (fold == NULL) {
            abort();
        }
        len = lsn_text_fold((unsigned char *) s, n, fold);
        FZ_CHECK(len <= n && fold[len] == '\0');
        free(fold);
    }

    FZ_CHECK(lsn_ct_compare(s, n, s, n) == 0);

    free(esc);
    free(mask);
    free(s);

    return 0;
}
