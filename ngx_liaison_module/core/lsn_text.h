/*
 * Liaison: text validation and escaping (UTF-8, fields, JSON strings).
 */

#ifndef _LSN_TEXT_H_INCLUDED_
#define _LSN_TEXT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/*
 * Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF, no NUL).
 * Returns the number of code points, or -1 when invalid.
 */
long lsn_utf8_count(const unsigned char *s, size_t len);

/*
 * Free text for people: valid UTF-8 without control characters (C0 other
 * than \t \n \r, DEL, C1), and min..max code points after trimming ASCII
 * white space and U+3000 at both ends.  Returns 0, or -1.
 */
/*
 * The bytes of at most max characters of UTF-8 s; *cut (may be NULL) is
 * 1 when characters were left out.
 */
size_t lsn_utf8_prefix(const char *s, size_t len, size_t max, int *cut);

int lsn_text_valid(const unsigned char *s, size_t len, long min, long max);

/*
 * Mainland mobile "1[3-9]" + 9 digits, or a landline "0AA(A)-NNNNNNN(N)"
 * (area code 0 and 2 or 3 digits, not "00").  Returns 1 when valid, 0 when
 * not (like the other *_valid() predicates except lsn_text_valid()).
 */
int lsn_phone_valid(const char *s, size_t len);
/* The mobile alone: a number an SMS can reach.  1 or 0. */
int lsn_mobile_valid(const char *s, size_t len);

/*
 * Masks a phone for logs and public views: a mobile keeps the first 3 and
 * last 4 digits ("138****1234"), a landline its area code and last 4
 * ("020-****5678"); anything else of >= 8 printable ASCII characters keeps
 * the first 3 and last 4, shorter or other input becomes all '*'.  Writes
 * len bytes and a NUL (dst >= len + 1); returns len.
 */
size_t lsn_phone_mask(const char *s, size_t len, char *dst);

/*
 * Masks a person's name for timelines: its first character, then one '*'
 * for each other character, at most 3 ("张*", "欧阳**").  dst >= 8 bytes
 * (gets a NUL); invalid UTF-8 or an empty name gives "".  Returns the
 * length written.
 */
#define LSN_NAME_MASK_MAX  8
size_t lsn_name_mask(const char *s, size_t len, char *dst);

/* Idempotency-Key: 1..128 of [A-Za-z0-9_.:-].  Returns 1 or 0. */
int lsn_idempotency_key_valid(const char *s, size_t len);

/* How long a key's first answer is kept (the worker purges it after). */
#define LSN_IDEMPOTENCY_KEEP  (7 * 86400)

/*
 * 1 when every \uXXXX escape in a JSON text pairs its surrogates (yajl
 * would turn a lone one into '?' instead of refusing it), 0 when not.
 */
int lsn_json_escapes_valid(const unsigned char *s, size_t len);

/*
 * JSON string escaping: '"', '\\' and control characters < 0x20 (\n \r \t
 * \b \f, others as \u00xx), and U+2028/U+2029 as \u2028/\u2029 (they end lines
 * in JavaScript); other bytes are copied, so s must be valid UTF-8.
 * Bytes needed to write s as a JSON string body (without quotes).
 */
size_t lsn_json_escaped_len(const unsigned char *s, size_t len);
/* Writes s JSON-escaped (no quotes) into dst; returns bytes written. */
size_t lsn_json_escape(unsigned char *dst, const unsigned char *s,
    size_t len);

/*
 * Constant-time comparison; 0 when equal.  Only the lengths may leak:
 * different lengths return 1 at once.
 */
int lsn_ct_compare(const void *a, size_t alen, const void *b, size_t blen);

/* Index of s in a NULL-ended list of names, or -1. */
int lsn_name_index(const char **names, const char *s, size_t len);

/* Lowercase hex of len bytes into dst (2 * len bytes, no NUL). */
void lsn_hex(char *dst, const unsigned char *src, size_t len);

/*
 * The form in which rules and keywords meet a request's text: white
 * space (ASCII, U+3000) removed, full-width ASCII (U+FF01..U+FF5E) made
 * ASCII and ASCII letters lower case, so "诉讼 费", "ＡＢ" and "ab" meet.
 * s is valid UTF-8; dst has room for len + 1 bytes (the result is never
 * longer) and gets a NUL.  Returns the length written.
 */
size_t lsn_text_fold(const unsigned char *s, size_t len, unsigned char *dst);


#endif /* _LSN_TEXT_H_INCLUDED_ */
