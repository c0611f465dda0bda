/*
 * Fuzzing: lsn_wxcrypt, the safe-mode (AES) envelopes of WeChat pushes
 * and their signatures.  Any input opens or is refused without reading
 * out of bounds; an envelope sealed here opens to the same message.
 */

#include "fuzz.h"
#include "lsn_wxcrypt.h"


/* the 43-character EncodingAESKey of WeChat's documentation */
static const char  aes[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
static const char  appid[] = "wx1234567890abcdef";


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    long            len, elen;
    char           *s, *z, *env, *head;
    char            hex[41];
    size_t          hlen, rlen, cap;
    const char     *err;
    unsigned char   key[LSN_WX_KEY_LEN], k2[LSN_WX_KEY_LEN], rnd[16];
    unsigned char  *out;
    const uint8_t  *rest;

    FZ_CHECK(lsn_wx_aes_key(aes, sizeof(aes) - 1, key) == 0);

    s = fz_dup(data, n);
    (void) lsn_wx_aes_key(s, n, k2);

    cap = n + 1;
    out = malloc(cap);
    if (out == NULL) {
        abort();
    }

    len = lsn_wx_decrypt(key, s, n, appid, out, cap, &err);
    if (len >= 0) {
        FZ_CHECK((size_t) len < cap && out[len] == '\0');
    } else {
        FZ_CHECK(err != NULL);
    }

    /* seal the rest behind the first line, and open it again */
    fz_split(data, n, &hlen, &rest, &rlen);
    memset(rnd, 0x5a, sizeof(rnd));
    memcpy(rnd, data, hlen < sizeof(rnd) ? hlen : sizeof(rnd));

    cap = (rlen + 20 + sizeof(appid) + 32) / 3 * 4 + 64;
    env = malloc(cap);
    if (env == NULL) {
        abort();
    }

    z = fz_dup(rest, rlen);
    elen = lsn_wx_encrypt(key, rnd, z, rlen, appid, env, cap);
    FZ_CHECK(elen > 0);

    free(out);
    out = malloc(rlen + 1);
    if (out == NULL) {
        abort();
    }
    len = lsn_wx_decrypt(key, env, elen, appid, out, rlen + 1, &err);
    FZ_CHECK(len == (long) rlen && memcmp(out, rest, rlen) == 0);

    /* another AppId is refused */
    FZ_CHECK(lsn_wx_decrypt(key, env, elen, "wxother", out, rlen + 1, &err)
             < 0);

    /* signatures: the one computed here is accepted, the input's words
       with it are compared without reading past them */
    head = fz_strdup(data, hlen);
    FZ_CHECK(lsn_wx_signature("token", head, "nonce", env, hex) == 0);
    FZ_CHECK(lsn_wx_signature_ok("token", head, "nonce", env, hex, 40)
             == 1);
    (void) lsn_wx_signature_ok("token", head, "nonce", env, s, n);

    free(head);
    free(z);
    free(env);
    free(out);
    free(s);

    return 0;
}
