/*
 * Liaison: WeChat message-push signatures and envelopes.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "lsn_text.h"
#include "lsn_wxcrypt.h"


#define LSN_WX_BLOCK  32            /* WeChat pads to 32, not AES's 16 */


static int
lsn_wx_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char * const *) a, *(const char * const *) b);
}


int
lsn_wx_signature(const char *token, const char *timestamp,
    const char *nonce, const char *encrypted, char *hex)
{
    int             ok;
    size_t          i, n;
    EVP_MD_CTX     *md_ctx;
    const char     *parts[4];
    unsigned char   md[SHA_DIGEST_LENGTH];

    if (token == NULL || timestamp == NULL || nonce == NULL) {
        return -1;
    }

    parts[0] = token;
    parts[1] = timestamp;
    parts[2] = nonce;
    n = 3;

    if (encrypted != NULL) {
        parts[n++] = encrypted;
    }

    qsort(parts, n, sizeof(parts[0]), lsn_wx_strcmp);

    md_ctx = EVP_MD_CTX_new();
    if (md_ctx == NULL) {
        return -1;
    }

    ok = EVP_DigestInit_ex(md_ctx, EVP_sha1(), NULL) == 1;

    for (i = 0; ok && i < n; i++) {
        ok = EVP_DigestUpdate(md_ctx, parts[i], strlen(parts[i])) == 1;
    }

    ok = ok && EVP_DigestFinal_ex(md_ctx, md, NULL) == 1;
    EVP_MD_CTX_free(md_ctx);

    if (!ok) {
        return -1;
    }

    lsn_hex(hex, md, sizeof(md));

    return 0;
}


int
lsn_wx_signature_ok(const char *token, const char *timestamp,
    const char *nonce, const char *encrypted, const char *received,
    size_t len)
{
    char    want[40], got[40];
    size_t  i;

    if (len != 40 || lsn_wx_signature(token, timestamp, nonce, encrypted,
                                      want) != 0)
    {
        return 0;
    }

    for (i = 0; i < 40; i++) {
        got[i] = (received[i] >= 'A' && received[i] <= 'F')
                 ? (char) (received[i] + 32) : received[i];
    }

    return lsn_ct_compare(want, 40, got, 40) == 0;
}


int
lsn_wx_aes_key(const char *encoding_aes_key, size_t len, unsigned char *key)
{
    char           b64[LSN_WX_AES_KEY_LEN + 2];
    unsigned char  raw[36];

    if (len != LSN_WX_AES_KEY_LEN) {
        return -1;
    }

    memcpy(b64, encoding_aes_key, len);
    b64[len] = '=';
    b64[len + 1] = '\0';

    /* 44 base64 characters, one pad: 33 bytes decoded, 32 meant */
    if (EVP_DecodeBlock(raw, (unsigned char *) b64, (int) len + 1) != 33) {
        return -1;
    }

    memcpy(key, raw, LSN_WX_KEY_LEN);
    OPENSSL_cleanse(raw, sizeof(raw));

    return 0;
}


long
lsn_wx_decrypt(const unsigned char *key, const char *b64, size_t len,
    const char *appid, unsigned char *out, size_t cap, const char **err)
{
    int              n, m, i;
    long             rc;
    size_t           pad, plain, msglen, idlen;
    unsigned char   *raw, *dec;
    EVP_CIPHER_CTX  *cx;

    *err = "bad envelope";
    rc = -1;

    if (len == 0 || len % 4 != 0 || len > 1024 * 1024) {
        *err = "bad base64 length";
        return -1;
    }

    raw = malloc(len);
    dec = malloc(len + LSN_WX_BLOCK);
    cx = EVP_CIPHER_CTX_new();

    if (raw == NULL || dec == NULL || cx == NULL) {
        goto done;
    }

    n = EVP_DecodeBlock(raw, (const unsigned char *) b64, (int) len);
    if (n < 0) {
        *err = "bad base64";
        goto done;
    }

    /* EVP_DecodeBlock counts the '=' padding as zero bytes */
    if (len >= 1 && b64[len - 1] == '=') {
        n--;
    }

    if (len >= 2 && b64[len - 2] == '=') {
        n--;
    }

    if (n <= 0 || n % LSN_WX_BLOCK != 0) {
        *err = "ciphertext not a multiple of 32 bytes";
        goto done;
    }

    if (EVP_DecryptInit_ex(cx, EVP_aes_256_cbc(), NULL, key, key) != 1
        || EVP_CIPHER_CTX_set_padding(cx, 0) != 1
        || EVP_DecryptUpdate(cx, dec, &m, raw, n) != 1
        || EVP_DecryptFinal_ex(cx, dec + m, &i) != 1)
    {
        *err = "decryption failed";
        goto done;
    }

    plain = (size_t) (m + i);
    pad = dec[plain - 1];

    if (pad < 1 || pad > LSN_WX_BLOCK || pad > plain) {
        *err = "bad padding";
        goto done;
    }

    for (i = 0; (size_t) i < pad; i++) {
        if (dec[plain - 1 - i] != pad) {
            *err = "bad padding";
            goto done;
        }
    }

    plain -= pad;

    if (plain < 20) {
        *err = "envelope too short";
        goto done;
    }

    msglen = ((size_t) dec[16] << 24) | ((size_t) dec[17] << 16)
             | ((size_t) dec[18] << 8) | dec[19];

    if (msglen > plain - 20) {
        *err = "bad length field";
        goto done;
    }

    idlen = plain - 20 - msglen;

    if (idlen != strlen(appid)
        || memcmp(dec + 20 + msglen, appid, idlen) != 0)
    {
        *err = "wrong AppId";
        goto done;
    }

    if (msglen + 1 > cap) {
        *err = "message too long";
        goto done;
    }

    memcpy(out, dec + 20, msglen);
    out[msglen] = '\0';
    rc = (long) msglen;

done:

    if (cx) {
        EVP_CIPHER_CTX_free(cx);
    }

    if (dec) {
        OPENSSL_cleanse(dec, len + LSN_WX_BLOCK);
    }

    free(raw);
    free(dec);

    return rc;
}


long
lsn_wx_encrypt(const unsigned char *key, const unsigned char *random16,
    const char *msg, size_t len, const char *appid, char *out, size_t cap)
{
    int              m, f;
    long             rc;
    size_t           idlen, plain, pad, need;
    unsigned char   *buf, *enc;
    EVP_CIPHER_CTX  *cx;

    idlen = strlen(appid);
    plain = 20 + len + idlen;
    pad = LSN_WX_BLOCK - plain % LSN_WX_BLOCK;
    need = (plain + pad + 2) / 3 * 4 + 1;

    if (len > 0xffffffffu || need > cap) {
        return -1;
    }

    rc = -1;
    buf = malloc(plain + pad);
    enc = malloc(plain + pad + LSN_WX_BLOCK);
    cx = EVP_CIPHER_CTX_new();

    if (buf == NULL || enc == NULL || cx == NULL) {
        goto done;
    }

    memcpy(buf, random16, 16);
    buf[16] = (unsigned char) (len >> 24);
    buf[17] = (unsigned char) (len >> 16);
    buf[18] = (unsigned char) (len >> 8);
    buf[19] = (unsigned char) len;
    memcpy(buf + 20, msg, len);
    memcpy(buf + 20 + len, appid, idlen);
    memset(buf + plain, (int) pad, pad);

    if (EVP_EncryptInit_ex(cx, EVP_aes_256_cbc(), NULL, key, key) != 1
        || EVP_CIPHER_CTX_set_padding(cx, 0) != 1
        || EVP_EncryptUpdate(cx, enc, &m, buf, (int) (plain + pad)) != 1
        || EVP_EncryptFinal_ex(cx, enc + m, &f) != 1)
    {
        goto done;
    }

    rc = EVP_EncodeBlock((unsigned char *) out, enc, m + f);

done:

    if (cx) {
        EVP_CIPHER_CTX_free(cx);
    }

    if (buf) {
        OPENSSL_cleanse(buf, plain + pad);
    }

    free(buf);
    free(enc);

    return rc;
}
