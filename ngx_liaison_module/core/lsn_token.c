/*
 * Liaison: signed session tokens, HMAC signatures, password hashes.
 */


#ifndef _GNU_SOURCE
#define _GNU_SOURCE    /* O_CLOEXEC, getrandom(), crypt_r() */
#endif

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lsn_text.h"
#include "lsn_token.h"


#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "lsn_token.c needs OpenSSL 3 (EVP_MAC)"
#endif


#define LSN_SHA256_LEN      32
#define LSN_MAC_HEX_LEN     64
#define LSN_SALT_BYTES      16
#define LSN_EXP_MAX_DIGITS  19

/* "v1." kind "." sid "." */
#define LSN_TOKEN_HEAD_LEN  (3 + 1 + 1 + LSN_TOKEN_SID_LEN + 1)


typedef struct {
    const void  *data;
    size_t       len;
} lsn_part_t;


/* the exp parser and the formatter below assume a 64-bit time_t */
typedef char lsn_time_t_is_64_bits[sizeof(time_t) == 8 ? 1 : -1];


static int lsn_hmac_sha256(const unsigned char *key, size_t keylen,
    const lsn_part_t *parts, size_t nparts, unsigned char *mac);
static int lsn_is_lower_hex(const char *s, size_t len);
static int lsn_hex_value(char c);


static int
lsn_hmac_sha256(const unsigned char *key, size_t keylen,
    const lsn_part_t *parts, size_t nparts, unsigned char *mac)
{
    int            rc;
    char           digest[] = "SHA256";
    size_t         i, maclen;
    EVP_MAC       *m;
    OSSL_PARAM     params[2];
    EVP_MAC_CTX   *ctx;

    rc = -1;
    ctx = NULL;

    m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (m == NULL) {
        goto failed;
    }

    ctx = EVP_MAC_CTX_new(m);
    if (ctx == NULL) {
        goto failed;
    }

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 digest, 0);
    params[1] = OSSL_PARAM_construct_end();

    /* a NULL key would mean "keep the previous key" */
    if (key == NULL) {
        key = (const unsigned char *) "";
        keylen = 0;
    }

    if (!EVP_MAC_init(ctx, key, keylen, params)) {
        goto failed;
    }

    for (i = 0; i < nparts; i++) {
        if (parts[i].len > 0
            && !EVP_MAC_update(ctx, parts[i].data, parts[i].len))
        {
            goto failed;
        }
    }

    if (!EVP_MAC_final(ctx, mac, &maclen, LSN_SHA256_LEN)
        || maclen != LSN_SHA256_LEN)
    {
        goto failed;
    }

    rc = 0;

failed:

    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);

    return rc;
}


static int
lsn_is_lower_hex(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }

    return 1;
}


static int
lsn_hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


size_t
lsn_token_make(const unsigned char *key, size_t keylen,
    const lsn_token_t *tok, char *dst)
{
    char           digits[24], *p, *d;
    uint64_t       v;
    lsn_part_t     part;
    unsigned char  mac[LSN_SHA256_LEN];

    if ((tok->kind != 's' && tok->kind != 'l')
        || tok->sid[LSN_TOKEN_SID_LEN] != '\0'
        || !lsn_is_lower_hex(tok->sid, LSN_TOKEN_SID_LEN)
        || tok->expires < 0)
    {
        return 0;
    }

    p = dst;
    memcpy(p, "v1.", 3);
    p += 3;
    *p++ = tok->kind;
    *p++ = '.';
    memcpy(p, tok->sid, LSN_TOKEN_SID_LEN);
    p += LSN_TOKEN_SID_LEN;
    *p++ = '.';

    v = (uint64_t) tok->expires;
    d = digits + sizeof(digits);

    do {
        *--d = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);

    memcpy(p, d, (size_t) (digits + sizeof(digits) - d));
    p += digits + sizeof(digits) - d;

    part.data = dst;
    part.len = (size_t) (p - dst);

    if (lsn_hmac_sha256(key, keylen, &part, 1, mac) != 0) {
        return 0;
    }

    *p++ = '.';
    lsn_hex(p, mac, LSN_SHA256_LEN);
    p += LSN_MAC_HEX_LEN;
    *p = '\0';

    return (size_t) (p - dst);
}


int
lsn_token_verify(const unsigned char *key, size_t keylen,
    const char *s, size_t len, time_t now, lsn_token_t *tok)
{
    char           hex[LSN_MAC_HEX_LEN];
    size_t         n;
    uint64_t       v;
    lsn_part_t     part;
    const char    *p, *end;
    unsigned char  mac[LSN_SHA256_LEN];

    /* the whole shape is checked before any MAC work */
    if (s == NULL || len > LSN_TOKEN_MAX_LEN
        || len < LSN_TOKEN_HEAD_LEN + 1 + 1 + LSN_MAC_HEX_LEN)
    {
        return -1;
    }

    if (memcmp(s, "v1.", 3) != 0
        || (s[3] != 's' && s[3] != 'l')
        || s[4] != '.'
        || !lsn_is_lower_hex(s + 5, LSN_TOKEN_SID_LEN)
        || s[LSN_TOKEN_HEAD_LEN - 1] != '.')
    {
        return -1;
    }

    p = s + LSN_TOKEN_HEAD_LEN;
    end = s + len;
    v = 0;

    for (n = 0; p < end && *p >= '0' && *p <= '9'; n++, p++) {
        if (n == LSN_EXP_MAX_DIGITS
            || v > (uint64_t) (INT64_MAX - (*p - '0')) / 10)
        {
            return -1;
        }

        v = v * 10 + (uint64_t) (*p - '0');
    }

    /* no leading zeros: one token, one spelling */
    if (n == 0 || (n > 1 && s[LSN_TOKEN_HEAD_LEN] == '0')) {
        return -1;
    }

    if (end - p != 1 + LSN_MAC_HEX_LEN || *p != '.'
        || !lsn_is_lower_hex(p + 1, LSN_MAC_HEX_LEN))
    {
        return -1;
    }

    part.data = s;
    part.len = (size_t) (p - s);

    if (lsn_hmac_sha256(key, keylen, &part, 1, mac) != 0) {
        return -1;
    }

    lsn_hex(hex, mac, LSN_SHA256_LEN);

    if (lsn_ct_compare(hex, LSN_MAC_HEX_LEN, p + 1, LSN_MAC_HEX_LEN) != 0) {
        return -1;
    }

    if (now >= (time_t) v) {
        return -1;
    }

    tok->kind = s[3];
    memcpy(tok->sid, s + 5, LSN_TOKEN_SID_LEN);
    tok->sid[LSN_TOKEN_SID_LEN] = '\0';
    tok->expires = (time_t) v;

    return 0;
}


int
lsn_hmac_sign(const unsigned char *key, size_t keylen,
    const char *ts, size_t tslen, const char *body, size_t bodylen,
    char *hex)
{
    lsn_part_t     parts[3];
    unsigned char  mac[LSN_SHA256_LEN];

    parts[0].data = ts;
    parts[0].len = ts == NULL ? 0 : tslen;
    parts[1].data = "\n";
    parts[1].len = 1;
    parts[2].data = body;
    parts[2].len = body == NULL ? 0 : bodylen;

    if (lsn_hmac_sha256(key, keylen, parts, 3, mac) != 0) {
        memset(hex, 'x', LSN_MAC_HEX_LEN);
        return -1;
    }

    lsn_hex(hex, mac, LSN_SHA256_LEN);

    return 0;
}


int
lsn_hmac_verify(const unsigned char *key, size_t keylen,
    const char *ts, size_t tslen, const char *body, size_t bodylen,
    const char *sig, size_t siglen)
{
    int            hi, lo;
    size_t         i;
    lsn_part_t     parts[3];
    unsigned char  mac[LSN_SHA256_LEN], got[LSN_SHA256_LEN];

    if (sig == NULL || siglen != LSN_MAC_HEX_LEN) {
        return -1;
    }

    for (i = 0; i < LSN_SHA256_LEN; i++) {
        hi = lsn_hex_value(sig[2 * i]);
        lo = lsn_hex_value(sig[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }

        got[i] = (unsigned char) (hi << 4 | lo);
    }

    parts[0].data = ts;
    parts[0].len = ts == NULL ? 0 : tslen;
    parts[1].data = "\n";
    parts[1].len = 1;
    parts[2].data = body;
    parts[2].len = body == NULL ? 0 : bodylen;

    if (lsn_hmac_sha256(key, keylen, parts, 3, mac) != 0) {
        return -1;
    }

    return lsn_ct_compare(mac, LSN_SHA256_LEN, got, LSN_SHA256_LEN) == 0
           ? 0 : -1;
}


int
lsn_hmac_hex(const unsigned char *key, size_t keylen, const void *data,
    size_t len, char *hex)
{
    lsn_part_t     part;
    unsigned char  mac[LSN_SHA256_LEN];

    part.data = data;
    part.len = data == NULL ? 0 : len;

    if (lsn_hmac_sha256(key, keylen, &part, 1, mac) != 0) {
        memset(hex, 'x', LSN_MAC_HEX_LEN);
        return -1;
    }

    lsn_hex(hex, mac, LSN_SHA256_LEN);

    return 0;
}


int
lsn_sha256_hex(const void *data, size_t len, char *hex)
{
    unsigned int   mdlen;
    unsigned char  md[EVP_MAX_MD_SIZE];

    if (data == NULL) {
        data = "";
        len = 0;
    }

    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL)
        || mdlen != LSN_SHA256_LEN)
    {
        memset(hex, 'x', LSN_MAC_HEX_LEN);
        return -1;
    }

    lsn_hex(hex, md, LSN_SHA256_LEN);

    return 0;
}


long
lsn_secret_read(const char *path, unsigned char *buf, size_t cap,
    const char **err)
{
    int          fd;
    size_t       len;
    ssize_t      n;
    struct stat  st;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
        *err = "cannot open secret file";
        return -1;
    }

    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        *err = "secret file is not a regular file";
        goto failed;
    }

    len = 0;

    /* read one byte past cap to tell a full buffer from a longer file */
    for ( ;; ) {
        if (len == cap) {
            unsigned char  extra;

            n = read(fd, &extra, 1);

            if (n > 0) {
                *err = "secret file is too large";
                goto failed;
            }

        } else {
            n = read(fd, buf + len, cap - len);
        }

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            *err = "cannot read secret file";
            goto failed;
        }

        if (n == 0) {
            break;
        }

        len += (size_t) n;
    }

    close(fd);
    fd = -1;

    while (len > 0
           && (buf[len - 1] == ' ' || (buf[len - 1] >= '\t'
                                       && buf[len - 1] <= '\r')))
    {
        len--;
    }

    if (len < LSN_SECRET_MIN_LEN) {
        *err = "secret is shorter than 32 bytes";
        goto failed;
    }

    return (long) len;

failed:

    if (fd != -1) {
        close(fd);
    }

    OPENSSL_cleanse(buf, cap);

    return -1;
}


int
lsn_password_hash(const char *password, char *hash, size_t cap)
{
    int                 rc;
    char                setting[CRYPT_GENSALT_OUTPUT_SIZE];
    size_t              got, len;
    ssize_t             n;
    const char         *out;
    unsigned char       salt[LSN_SALT_BYTES];
    struct crypt_data  *cd;

    if (password == NULL || hash == NULL) {
        return -1;
    }

    for (got = 0; got < sizeof(salt); got += (size_t) n) {
        n = getrandom(salt + got, sizeof(salt) - got, 0);

        if (n == -1) {
            if (errno == EINTR) {
                n = 0;
                continue;
            }

            return -1;
        }
    }

    if (crypt_gensalt_rn("$y$", 0, (const char *) salt, sizeof(salt),
                         setting, sizeof(setting))
        == NULL)
    {
        return -1;
    }

    /* struct crypt_data is about 32 KB: not for the stack */
    cd = calloc(1, sizeof(struct crypt_data));
    if (cd == NULL) {
        return -1;
    }

    rc = -1;

    out = crypt_r(password, setting, cd);

    if (out != NULL && out[0] == '$') {
        len = strlen(out);

        if (len < cap) {
            memcpy(hash, out, len + 1);
            rc = 0;
        }
    }

    OPENSSL_cleanse(cd, sizeof(struct crypt_data));
    free(cd);

    return rc;
}


int
lsn_password_verify(const char *password, const char *hash)
{
    int                 rc;
    const char         *out;
    struct crypt_data  *cd;

    /* '*' and '!' mark locked accounts; no '$' means weak DES */
    if (password == NULL || hash == NULL || hash[0] != '$') {
        return -1;
    }

    cd = calloc(1, sizeof(struct crypt_data));
    if (cd == NULL) {
        return -1;
    }

    rc = -1;

    out = crypt_r(password, hash, cd);

    /* libxcrypt answers a bad setting with "*0" or "*1", not NULL */
    if (out != NULL && out[0] == '$'
        && lsn_ct_compare(out, strlen(out), hash, strlen(hash)) == 0)
    {
        rc = 0;
    }

    OPENSSL_cleanse(cd, sizeof(struct crypt_data));
    free(cd);

    return rc;
}
