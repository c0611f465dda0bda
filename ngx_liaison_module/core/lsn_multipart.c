/*
 * Liaison: the file part of a multipart/form-data body (lsn_multipart.h).
 */

#include <string.h>
#include <strings.h>
#include "lsn_multipart.h"


typedef struct {
    int          is_file_name;          /* name="file" */
    int          has_filename;
    const char  *filename;
    size_t       filename_len;
} lsn_mp_headers_t;


static const unsigned char *lsn_mp_find(const unsigned char *p,
    const unsigned char *end, const char *s, size_t n);
static int lsn_mp_headers(const unsigned char *p, const unsigned char *end,
    lsn_mp_headers_t *h);
static const char *lsn_mp_param(const char *p, const char *end,
    const char *name, size_t *len);


int
lsn_multipart_is(const char *ctype, size_t len)
{
    return len >= 19 && strncasecmp(ctype, "multipart/form-data", 19) == 0
           && (len == 19 || ctype[19] == ';' || ctype[19] == ' ');
}


size_t
lsn_multipart_boundary(const char *ctype, size_t len, char *dst)
{
    size_t       n, i;
    const char  *v;

    if (!lsn_multipart_is(ctype, len)) {
        return 0;
    }

    v = lsn_mp_param(ctype + 19, ctype + len, "boundary", &n);

    if (v == NULL || n == 0 || n > LSN_BOUNDARY_MAX) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        /* RFC 2046 bchars; a space only inside */
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')
              || (v[i] >= '0' && v[i] <= '9')
              || strchr("'()+_,-./:=? ", v[i]) != NULL))
        {
            return 0;
        }
    }

    if (v[n - 1] == ' ') {
        return 0;
    }

    memcpy(dst, v, n);
    dst[n] = '\0';

    return n;
}


lsn_mp_rc_e
lsn_multipart_file(const unsigned char *body, size_t len,
    const char *boundary, size_t blen, lsn_multipart_file_t *file)
{
    int                   found, with_name;
    char                  delim[LSN_BOUNDARY_MAX + 5];
    size_t                dlen, i, n;
    lsn_mp_headers_t      h;
    const unsigned char  *p, *end, *hdr_end, *next, *data, *fn;

    if (blen == 0 || blen > LSN_BOUNDARY_MAX) {
        return LSN_MP_MALFORMED;
    }

    /* "\r\n--boundary": the body's start counts as a line start */
    delim[0] = '\r';
    delim[1] = '\n';
    delim[2] = '-';
    delim[3] = '-';
    memcpy(delim + 4, boundary, blen);
    dlen = blen + 4;

    end = body + len;

    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        p = body + dlen - 2;

    } else {
        p = lsn_mp_find(body, end, delim, dlen);
        if (p == NULL) {
            return LSN_MP_MALFORMED;
        }

        p += dlen;
    }

    found = 0;
    with_name = 0;
    memset(file, 0, sizeof(*file));

    for ( ;; ) {
        /* after a delimiter: "--" ends the body, else transport padding
           and CRLF */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            break;
        }

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            return LSN_MP_MALFORMED;
        }

        p += 2;

        /* headers up to the blank line (none at all: CRLF at once) */
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hdr_end = p;
            data = p + 2;

        } else {
            hdr_end = lsn_mp_find(p, end, "\r\n\r\n", 4);
            if (hdr_end == NULL) {
                return LSN_MP_MALFORMED;
            }

            data = hdr_end + 4;
        }

        if (lsn_mp_headers(p, hdr_end, &h) != 0) {
            return LSN_MP_MALFORMED;
        }

        next = lsn_mp_find(data, end, delim, dlen);
        if (next == NULL) {
            return LSN_MP_MALFORMED;        /* no closing delimiter */
        }

        if (h.has_filename || h.is_file_name) {
            if (h.is_file_name ? with_name : (found && !with_name)) {
                return LSN_MP_MANY_FILES;
            }

            /* the part named "file" wins over another with a filename */
            if (!found || (h.is_file_name && !with_name)) {
                file->start = (size_t) (data - body);
                file->len = (size_t) (next - data);
                file->filename_len = 0;

                if (h.has_filename) {
                    /* the last path segment only */
                    fn = (const unsigned char *) h.filename;
                    n = h.filename_len;

                    for (i = n; i > 0; i--) {
                        if (fn[i - 1] == '/' || fn[i - 1] == '\\') {
                            break;
                        }
                    }

                    n -= i;
                    fn += i;

                    if (n > LSN_PART_NAME_MAX) {
                        n = LSN_PART_NAME_MAX;
                    }

                    memcpy(file->filename, fn, n);
                    file->filename_len = n;
                }

                file->filename[file->filename_len] = '\0';
                found = 1;
                with_name = h.is_file_name;
            }
        }

        p = next + dlen;
    }

    return found ? LSN_MP_OK : LSN_MP_NO_FILE;
}


static const unsigned char *
lsn_mp_find(const unsigned char *p, const unsigned char *end, const char *s,
    size_t n)
{
    const unsigned char  *q;

    while ((size_t) (end - p) >= n) {
        q = memchr(p, s[0], (size_t) (end - p) - n + 1);
        if (q == NULL) {
            return NULL;
        }

        if (memcmp(q, s, n) == 0) {
            return q;
        }

        p = q + 1;
    }

    return NULL;
}


/*
 * The part's headers: Content-Disposition: form-data; name="file";
 * filename="a.jpg".  Other headers (Content-Type among them) are not
 * read.
 */

static int
lsn_mp_headers(const unsigned char *p, const unsigned char *end,
    lsn_mp_headers_t *h)
{
    size_t                n;
    const char           *v;
    const unsigned char  *eol;

    memset(h, 0, sizeof(*h));

    while (p < end) {
        eol = lsn_mp_find(p, end, "\r\n", 2);
        if (eol == NULL) {
            eol = end;
        }

        if ((size_t) (eol - p) > 20
            && strncasecmp((const char *) p, "content-disposition:", 20)
               == 0)
        {
            v = lsn_mp_param((const char *) p + 20, (const char *) eol,
                             "name", &n);
            if (v) {
                h->is_file_name = (n == 4 && memcmp(v, "file", 4) == 0);
            }

            v = lsn_mp_param((const char *) p + 20, (const char *) eol,
                             "filename", &n);
            if (v) {
                h->has_filename = 1;
                h->filename = v;
                h->filename_len = n;
            }
        }

        p = eol + 2;
    }

    return 0;
}


/*
 * A parameter's value in "; a=b; c=\"d\"": the text between the quotes
 * (escapes left as they are, no quote may be escaped in a filename we
 * keep), or up to the next ';'.
 */

static const char *
lsn_mp_param(const char *p, const char *end, const char *name, size_t *len)
{
    size_t       nlen;
    const char  *v;

    nlen = strlen(name);

    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t')) {
            p++;
        }

        if ((size_t) (end - p) > nlen && strncasecmp(p, name, nlen) == 0
            && p[nlen] == '=')
        {
            p += nlen + 1;

            if (p < end && *p == '"') {
                v = ++p;

                while (p < end && *p != '"') {
                    p++;
                }

                if (p == end) {
                    return NULL;
                }

                *len = (size_t) (p - v);
                return v;
            }

            v = p;

            while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
                p++;
            }

            *len = (size_t) (p - v);
            return v;
        }

        /* skip this parameter, its quoted value included */
        while (p < end && *p != ';') {
            if (*p == '"') {
                p++;

                while (p < end && *p != '"') {
                    p++;
                }
            }

            if (p < end) {
                p++;
            }
        }
    }

    return NULL;
}
