/*
 * Liaison: signed session tokens, HMAC signatures, password hashes.
 *
 * A token is "v1.<kind>.<sid>.<exp>.<mac>": kind 's' staff or 'l' litigant,
 * sid 32 lowercase hex chars (the session row, which makes the token
 * revocable), exp Unix seconds in decimal (no sign, no leading zeros), mac
 * 64 lowercase hex chars of HMAC-SHA256 over "v1.<kind>.<sid>.<exp>"
 * (everything before the last dot).
 *
 * Needs OpenSSL 3 (EVP_MAC) and libcrypt (libxcrypt, for yescrypt).
 */

#ifndef _LSN_TOKEN_H_INCLUDED_
#define _LSN_TOKEN_H_INCLUDED_


#include <stddef.h>
#include <time.h>


#define LSN_TOKEN_SID_LEN   32
#define LSN_TOKEN_MAX_LEN   128
#define LSN_SECRET_MIN_LEN  32

/*
 * Failed staff logins with none after them for this long are forgotten
 * (the module's count starts afresh; liaison-worker deletes such rows of
 * login_throttle).
 */
#define LSN_LOGIN_QUIET     (15 * 60)


typedef struct {
    char    kind;                          /* 's' or 'l' */
    char    sid[LSN_TOKEN_SID_LEN + 1];    /* hex, NUL-ended */
    time_t  expires;
} lsn_token_t;


/*
 * Writes a NUL-terminated token into dst (>= LSN_TOKEN_MAX_LEN); returns
 * its length, or 0 when tok is malformed (kind, sid, negative expires) or
 * the MAC cannot be computed.
 */
size_t lsn_token_make(const unsigned char *key, size_t keylen,
    const lsn_token_t *tok, char *dst);

/*
 * Checks the shape first (length, fields, no overflow), then the MAC
 * (constant time), then the expiry: a token is expired when
 * now >= expires.  Returns 0 and fills tok, or -1 (tok untouched).
 */
int lsn_token_verify(const unsigned char *key, size_t keylen,
    const char *s, size_t len, time_t now, lsn_token_t *tok);

/*
 * Hex HMAC-SHA256 (64 chars, no NUL) of ts + "\n" + body.  Returns 0, or
 * -1 when libcrypto fails (out of memory): hex is then 64 'x', which no
 * hex signature equals, but prefer lsn_hmac_verify() for checking.
 */
int lsn_hmac_sign(const unsigned char *key, size_t keylen,
    const char *ts, size_t tslen, const char *body, size_t bodylen,
    char *hex);

/*
 * Checks a received hex signature (either case) of ts + "\n" + body in
 * constant time.  Returns 0 when it matches, -1 otherwise or on failure.
 */
int lsn_hmac_verify(const unsigned char *key, size_t keylen,
    const char *ts, size_t tslen, const char *body, size_t bodylen,
    const char *sig, size_t siglen);

/*
 * Hex HMAC-SHA256 (64 chars, no NUL) of data: the primitive under the
 * two above, exposed for known-answer tests (RFC 4231).  Returns 0, or -1
 * as above.
 */
int lsn_hmac_hex(const unsigned char *key, size_t keylen, const void *data,
    size_t len, char *hex);

/* SHA-256 of data as 64 hex chars (no NUL).  Returns 0, or -1 as above. */
int lsn_sha256_hex(const void *data, size_t len, char *hex);

/*
 * Reads a secret file (a regular file of at most cap bytes): trims
 * trailing white space and requires LSN_SECRET_MIN_LEN bytes after that;
 * returns the length, or -1 with *err set to a static message (buf is
 * wiped then).  buf holds cap bytes.
 */
long lsn_secret_read(const char *path, unsigned char *buf, size_t cap,
    const char **err);

/*
 * Slow salted password hash (yescrypt through libcrypt, 16 salt bytes from
 * getrandom()).  hash must hold 128 bytes.  Returns 0, or -1.  Runs in
 * milliseconds: never on an event loop.
 */
int lsn_password_hash(const char *password, char *hash, size_t cap);
/*
 * Returns 0 when password matches hash (constant-time compare), -1
 * otherwise.  Only "$id$..." hashes are accepted: no locked ('*', '!')
 * or empty ones, and no traditional DES hashes (8-character passwords).
 */
int lsn_password_verify(const char *password, const char *hash);


#endif /* _LSN_TOKEN_H_INCLUDED_ */
