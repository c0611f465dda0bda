/*
 * Liaison: WeChat subscribe-message values cut and mapped to the limits
 * of their type, so that a send never fails with 47003 for a length.
 *
 * The type is the key without its trailing digits ("thing3" -> thing):
 *
 *   thing             <= 20 characters; a longer value keeps 19 and "…"
 *   number            digits and one '.', <= 32 characters
 *   letter            ASCII letters, <= 32
 *   symbol            <= 5 characters
 *   character_string  printable ASCII without spaces, <= 32
 *   time              "YYYY年M月D日 HH:MM" from "YYYY-MM-DD[ T]HH:MM..."
 *                     (RFC 3339 offsets ignored: times are Beijing
 *                     already), "HH:MM" kept; anything else -> cut to 20
 *   date              "YYYY年M月D日" from "YYYY-MM-DD..."
 *   amount            an optional currency sign, <= 10 digits, one '.'
 *   phone_number      digits, '+', '-' and spaces, <= 17
 *   name              <= 10 characters with any non-ASCII, else <= 20
 *   phrase            <= 5 characters
 *
 * Dropped characters are simply left out; an empty result becomes "-"
 * ("0" for number and amount, "x" for letter), since WeChat refuses empty
 * values too.  A key of an unknown type is copied unchanged.  Characters
 * are Unicode code points; input must be valid UTF-8.
 */

#ifndef _LSN_WXMSG_H_INCLUDED_
#define _LSN_WXMSG_H_INCLUDED_


#include <stddef.h>


typedef enum {
    LSN_WX_UNKNOWN = 0,
    LSN_WX_THING,
    LSN_WX_NUMBER,
    LSN_WX_LETTER,
    LSN_WX_SYMBOL,
    LSN_WX_CHARACTER_STRING,
    LSN_WX_TIME,
    LSN_WX_DATE,
    LSN_WX_AMOUNT,
    LSN_WX_PHONE_NUMBER,
    LSN_WX_NAME,
    LSN_WX_PHRASE
} lsn_wx_type_e;


/* The largest output of lsn_wxmsg_fit() for any input, NUL included. */
#define LSN_WXMSG_MAX  128


/* The type of a data key, e.g. "thing12" -> LSN_WX_THING. */
lsn_wx_type_e lsn_wxmsg_type(const char *key, size_t len);

/*
 * Writes the fitted value of key into dst (LSN_WXMSG_MAX bytes: at most
 * LSN_WXMSG_MAX - 1 bytes and a NUL) and returns its length.  An unknown
 * type copies at most LSN_WXMSG_MAX - 1 bytes (cut at a character
 * boundary): callers that need longer unknown values copy them themselves.
 */
size_t lsn_wxmsg_fit(const char *key, size_t klen, const char *val,
    size_t vlen, char *dst);

/*
 * The field WeChat names in a 47003 errmsg ("argument invalid!
 * data.thing3.value invalid" -> "thing3"): copies at most cap - 1 bytes
 * and a NUL into dst and returns the length, 0 when none is named.
 */
size_t lsn_wxmsg_error_field(const char *errmsg, size_t len, char *dst,
    size_t cap);


#endif /* _LSN_WXMSG_H_INCLUDED_ */
