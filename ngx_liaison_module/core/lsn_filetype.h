/*
 * Liaison: attachment types, told by content (magic bytes), never by the
 * name or the type the client claims; and attachment file names.
 *
 *   JPEG  ff d8 ff
 *   PNG   89 50 4e 47 0d 0a 1a 0a
 *   PDF   "%PDF-"
 */

#ifndef _LSN_FILETYPE_H_INCLUDED_
#define _LSN_FILETYPE_H_INCLUDED_


#include <stddef.h>


/* bytes lsn_filetype_sniff() needs to see at most */
#define LSN_FILETYPE_HEAD      8

#define LSN_FILENAME_MAX       100     /* characters */


typedef enum {
    LSN_FILE_UNKNOWN = 0,
    LSN_FILE_JPEG,
    LSN_FILE_PNG,
    LSN_FILE_PDF
} lsn_filetype_e;


/* The type of a file that starts with head (len bytes). */
lsn_filetype_e lsn_filetype_sniff(const unsigned char *head, size_t len);

/*
 * The type of a Content-Type value: image/jpeg, image/png,
 * application/pdf (case-insensitive, parameters after ';' ignored);
 * LSN_FILE_UNKNOWN for anything else.
 */
lsn_filetype_e lsn_filetype_from_mime(const char *s, size_t len);

/* "image/jpeg" etc.; NULL for LSN_FILE_UNKNOWN. */
const char *lsn_filetype_mime(lsn_filetype_e type);

/*
 * A name to show for a file: valid UTF-8, 1..LSN_FILENAME_MAX characters,
 * no control characters, no '/', '\\', '"', and not starting with '.'.
 * Returns 1 when valid, 0 when not.
 */
int lsn_filename_valid(const char *s, size_t len);


#endif /* _LSN_FILETYPE_H_INCLUDED_ */
