/*
 * Fuzzing: lsn_filetype (the magic bytes of an attachment, the type a
 * client claims, file names).
 */

#include "fuzz.h"
#include "lsn_filetype.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char            *s;
    size_t           i;
    unsigned char    c;
    lsn_filetype_e   t;

    s = fz_dup(data, n);

    t = lsn_filetype_sniff((unsigned char *) s, n);
    FZ_CHECK(t == LSN_FILE_UNKNOWN || n >= 3);
    if (t != LSN_FILE_UNKNOWN) {
        FZ_CHECK(lsn_filetype_mime(t) != NULL);
    }

    t = lsn_filetype_from_mime(s, n);
    if (t != LSN_FILE_UNKNOWN) {
        FZ_CHECK(lsn_filetype_mime(t) != NULL);
    }

    if (lsn_filename_valid(s, n)) {
        /* nothing that could leave a header or name a path */
        FZ_CHECK(n > 0 && s[0] != '.');
        for (i = 0; i < n; i++) {
            c = (unsigned char) s[i];
            FZ_CHECK(c >= 0x20 && c != 0x7f && c != '/' && c != '\\'
                     && c != '"');
        }
    }

    free(s);

    return 0;
}
