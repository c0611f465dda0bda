/*
 * Liaison: masking what a logged URL must not show (query codes, phones,
 * ID numbers).
 */

#ifndef _LSN_MASK_H_INCLUDED_
#define _LSN_MASK_H_INCLUDED_


#include <stddef.h>


/*
 * Masks, in place, the query string s (the bytes after '?'; it ends at a
 * space, so the tail of a request line "a=b HTTP/1.1" may be given):
 *
 *   - the value of every argument whose name ends in "code" (query_code,
 *     phone_code, js_code; the name percent-decoded and in any case; its
 *     '=' also percent-encoded, "%3D") becomes '*'s;
 *   - everywhere else, a mainland mobile number (11 digits "1[3-9]...",
 *     or 13 with the prefix 86) keeps its first 3 (5) and last 4 digits,
 *     a resident ID number (17 digits and a digit or X) its last 4.
 *
 * Numbers are runs of digits, each digit itself or percent-encoded
 * ("%31", masked as "%2A"; the X of an ID number "X", "x", "%58" or
 * "%78"): a longer or shorter run (a ticket number) is left alone, and
 * any other percent escape ("%20", "%2B") ends a run.
 * Returns the number of bytes changed (0: s unchanged).
 */
size_t lsn_mask_query(unsigned char *s, size_t len);


#endif /* _LSN_MASK_H_INCLUDED_ */
