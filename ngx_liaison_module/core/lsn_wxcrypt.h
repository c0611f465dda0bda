/*
 * Liaison: WeChat message-push signatures and the safe-mode envelope
 * (AES-256-CBC with the EncodingAESKey), as the mini-program docs give
 * them.  Plain C with OpenSSL's libcrypto.
 */

#ifndef _LSN_WXCRYPT_H_INCLUDED_
#define _LSN_WXCRYPT_H_INCLUDED_


#include <stddef.h>


#define LSN_WX_KEY_LEN       32
#define LSN_WX_AES_KEY_LEN   43     /* EncodingAESKey, base64 without '=' */


/*
 * sha1 of the sorted, concatenated token, timestamp, nonce and (when not
 * NULL) the encrypted message, as 40 lowercase hex chars (no NUL).
 * Returns 0, or -1.
 */
int lsn_wx_signature(const char *token, const char *timestamp,
    const char *nonce, const char *encrypted, char *hex);

/* Constant-time check of a received signature (hex, either case). */
int lsn_wx_signature_ok(const char *token, const char *timestamp,
    const char *nonce, const char *encrypted, const char *received,
    size_t len);

/* The AES key from a 43-character EncodingAESKey; 0 or -1. */
int lsn_wx_aes_key(const char *encoding_aes_key, size_t len,
    unsigned char *key);

/*
 * Opens an envelope: base64 -> AES-256-CBC (IV = the key's first 16
 * bytes) -> PKCS#7 padding to 32 (pad byte 1..32, all pad bytes checked)
 * -> random(16) + length(4, network order) + message + AppId.  The AppId
 * must equal appid.  The message goes to out (cap bytes, NUL added).
 * Returns the message length, or -1 (with *err a static reason).
 */
long lsn_wx_decrypt(const unsigned char *key, const char *b64, size_t len,
    const char *appid, unsigned char *out, size_t cap, const char **err);

/*
 * Makes an envelope of msg with the given 16 random bytes, base64 into
 * out (cap bytes, NUL added).  Returns its length, or -1.
 */
long lsn_wx_encrypt(const unsigned char *key, const unsigned char *random16,
    const char *msg, size_t len, const char *appid, char *out, size_t cap);


#endif /* _LSN_WXCRYPT_H_INCLUDED_ */
