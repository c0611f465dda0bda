/*
 * Liaison: attachment types by content, file names.
 */

#include <string.h>
#include <strings.h>

#include "lsn_filetype.h"
#include "lsn_text.h"


static const struct {
    lsn_filetype_e   type;
    const char      *mime;
    const char      *magic;
    size_t           len;
} lsn_filetypes[] = {
    { LSN_FILE_JPEG, "image/jpeg", "\xff\xd8\xff", 3 },
    { LSN_FILE_PNG, "image/png", "\x89PNG\r\n\x1a\n", 8 },
    { LSN_FILE_PDF, "application/pdf", "%PDF-", 5 }
};

#define LSN_NTYPES  (sizeof(lsn_filetypes) / sizeof(lsn_filetypes[0]))


lsn_filetype_e
lsn_filetype_sniff(const unsigned char *head, size_t len)
{
    size_t  i;

    for (i = 0; i < LSN_NTYPES; i++) {
        if (len >= lsn_filetypes[i].len
            && memcmp(head, lsn_filetypes[i].magic, lsn_filetypes[i].len)
               == 0)
        {
            return lsn_filetypes[i].type;
        }
    }

    return LSN_FILE_UNKNOWN;
}


lsn_filetype_e
lsn_filetype_from_mime(const char *s, size_t len)
{
    size_t  i, n;

    /* the type without parameters and trailing white space */
    for (n = 0; n < len && s[n] != ';'; n++) {
        /* void */
    }

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }

    for (i = 0; i < LSN_NTYPES; i++) {
        if (strlen(lsn_filetypes[i].mime) == n
            && strncasecmp(s, lsn_filetypes[i].mime, n) == 0)
        {
            return lsn_filetypes[i].type;
        }
    }

    return LSN_FILE_UNKNOWN;
}


const char *
lsn_filetype_mime(lsn_filetype_e type)
{
    size_t  i;

    for (i = 0; i < LSN_NTYPES; i++) {
        if (lsn_filetypes[i].type == type) {
            return lsn_filetypes[i].mime;
        }
    }

    return NULL;
}


int
lsn_filename_valid(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || s[0] == '.'
        || lsn_text_valid((const unsigned char *) s, len, 1, LSN_FILENAME_MAX)
           != 0)
    {
        return 0;
    }

    /* lsn_text_valid() lets \t \n \r through, and \v \f at the ends
       (it trims them as white space): a name has no control at all */
    for (i = 0; i < len; i++) {
        if (s[i] == '/' || s[i] == '\\' || s[i] == '"'
            || (unsigned char) s[i] < 0x20 || s[i] == 0x7f)
        {
            return 0;
        }
    }

    /* no white space at either end (lsn_text_valid() trims it) */
    if (s[0] == ' ' || s[len - 1] == ' ') {
        return 0;
    }

    return 1;
}
