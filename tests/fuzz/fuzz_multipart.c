/*
 * Fuzzing: lsn_multipart, the upload of an attachment
 * (POST /api/v1/attachments): the Content-Type's boundary (the input's
 * first line) and the body (the rest).  A file found lies within the
 * body and its name is a base name.
 */

#include "fuzz.h"
#include "lsn_multipart.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char                   *ctype, boundary[LSN_BOUNDARY_MAX + 1];
    size_t                  head, blen, rlen;
    lsn_mp_rc_e             rc;
    unsigned char          *body;
    const uint8_t          *rest;
    lsn_multipart_file_t    file;

    fz_split(data, n, &head, &rest, &rlen);

    ctype = fz_dup(data, head);
    (void) lsn_multipart_is(ctype, head);
    blen = lsn_multipart_boundary(ctype, head, boundary);
    FZ_CHECK(blen <= LSN_BOUNDARY_MAX);

    if (blen == 0) {
        /* a fixed boundary still exercises the body's parser */
        memcpy(boundary, "XyZ", 4);
        blen = 3;
    }

    FZ_CHECK(boundary[blen] == '\0');

    body = (unsigned char *) fz_dup(rest, rlen);
    rc = lsn_multipart_file(body, rlen, boundary, blen, &file);
    if (rc == LSN_MP_OK) {
        FZ_CHECK(file.start <= rlen && file.len <= rlen - file.start);
        FZ_CHECK(file.filename_len <= LSN_PART_NAME_MAX);
        FZ_CHECK(file.filename[file.filename_len] == '\0');
        FZ_CHECK(memchr(file.filename, '/', file.filename_len) == NULL);
    }

    free(body);
    free(ctype);

    return 0;
}
