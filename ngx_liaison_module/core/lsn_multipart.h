/*
 * Liaison: the one file of a multipart/form-data upload (RFC 7578), as
 * wx.uploadFile sends it: a part named "file" with its filename, maybe
 * beside text fields (formData).  Only the part's place in the body and
 * its filename are read; its Content-Type is ignored (the type is told
 * by the content, lsn_filetype_sniff()).
 */

#ifndef _LSN_MULTIPART_H_INCLUDED_
#define _LSN_MULTIPART_H_INCLUDED_


#include <stddef.h>


#define LSN_BOUNDARY_MAX   70          /* RFC 2046 */
#define LSN_PART_NAME_MAX  1024        /* bytes of a filename kept */


typedef enum {
    LSN_MP_OK = 0,
    LSN_MP_MALFORMED = -1,      /* no delimiter, no end, bad headers */
    LSN_MP_NO_FILE = -2,        /* no part with a file */
    LSN_MP_MANY_FILES = -3      /* more than one */
} lsn_mp_rc_e;


typedef struct {
    size_t   start;                    /* the content's offset */
    size_t   len;
    char     filename[LSN_PART_NAME_MAX + 1];   /* base name, or "" */
    size_t   filename_len;
} lsn_multipart_file_t;


/*
 * The boundary of a Content-Type value "multipart/form-data;
 * boundary=..." (quoted or not) into dst (>= LSN_BOUNDARY_MAX + 1 bytes,
 * NUL-terminated).  Returns its length, 0 when the value is not
 * multipart/form-data with a valid boundary.
 */
size_t lsn_multipart_boundary(const char *ctype, size_t len, char *dst);

/* 1 when the Content-Type value is multipart/form-data (any params). */
int lsn_multipart_is(const char *ctype, size_t len);

/*
 * Finds the file part in a body: the part named "file", or else the one
 * part that has a filename.  The filename is the last path segment of
 * the filename parameter ("C:\fakepath\a.jpg" -> "a.jpg").
 */
lsn_mp_rc_e lsn_multipart_file(const unsigned char *body, size_t len,
    const char *boundary, size_t blen, lsn_multipart_file_t *file);


#endif /* _LSN_MULTIPART_H_INCLUDED_ */
