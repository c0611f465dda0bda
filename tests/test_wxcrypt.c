/*
 * Unit tests: lsn_wxcrypt (message-push signatures, safe-mode envelopes).
 * The envelopes below were made outside this code with the openssl
 * command line (aes-256-cbc -nopad over a hand-built plaintext).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_wxcrypt.h"


#define EAK    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define APPID  "wx1234567890abcdef"
#define MSG    "{\"ToUserName\":\"gh_x\",\"MsgType\":\"text\"," \
               "\"Content\":\"\xe4\xbd\xa0\xe5\xa5\xbd\"}"

#define GOOD   "IG+0eOkLdhYW9kHtuT3HY6xWuilaV7wRGlG0ku6DODbenGFf7xcnCr6Lmdr" \
               "uOpIHBj6CNrcSldpZAm+J5Ly5JkBCElEWYrTrJ2RKmJsYEqhDMW7g2vKdPH" \
               "Il/1HvUc5X"
#define OTHER  "IG+0eOkLdhYW9kHtuT3HY6xWuilaV7wRGlG0ku6DODbenGFf7xcnCr6Lmdr" \
               "uOpIHBj6CNrcSldpZAm+J5Ly5JlYw/8wt92g4jLx/OBjRNu/Z5nWG3DGpg/" \
               "HmkdtbPbEc"
#define BADPAD "IG+0eOkLdhYW9kHtuT3HY6xWuilaV7wRGlG0ku6DODbenGFf7xcnCr6Lmdr" \
               "uOpIHBj6CNrcSldpZAm+J5Ly5JkBCElEWYrTrJ2RKmJsYEqh2JzYJOIJhfG" \
               "ySN2sPQZi5"
#define BADLEN "IG+0eOkLdhYW9kHtuT3HY+2v8z0exFANrPnxz8WAem+oaD1pp1Fkb+PFbjn" \
               "PIeL1t5dXDpSUDoWvYcFqt51PnlTMSXoEvZpe6hTyov3uZDErGS+qEQ4kzW" \
               "/ldYViJoDz"


static void
test_signature_vector(void **state)
{
    char  hex[41];

    (void) state;

    /* the mini-program documentation's own example */
    assert_int_equal(lsn_wx_signature("AAAAA", "1714036504", "1514711492",
                                      NULL, hex), 0);
    hex[40] = '\0';
    assert_string_equal(hex, "f464b24fc39322e44b38aa78f5edd27bd1441696");

    assert_true(lsn_wx_signature_ok("AAAAA", "1714036504", "1514711492",
                    NULL, "F464B24FC39322E44B38AA78F5EDD27BD1441696", 40));
    assert_false(lsn_wx_signature_ok("AAAAA", "1714036504", "1514711493",
                    NULL, "f464b24fc39322e44b38aa78f5edd27bd1441696", 40));
    assert_false(lsn_wx_signature_ok("AAAAA", "1714036504", "1514711492",
                    NULL, "f464b24fc39322e44b38aa78f5edd27bd144169", 39));

    /* msg_signature covers the ciphertext too */
    assert_int_equal(lsn_wx_signature("AAAAA", "1714036504", "1514711492",
                                      GOOD, hex), 0);
    assert_false(lsn_wx_signature_ok("AAAAA", "1714036504", "1514711492",
                                     NULL, hex, 40));
    assert_true(lsn_wx_signature_ok("AAAAA", "1714036504", "1514711492",
                                    GOOD, hex, 40));
}


static void
test_aes_key(void **state)
{
    unsigned char  key[32];

    static const unsigned char  want[32] = {
        0x69, 0xb7, 0x1d, 0x79, 0xf8, 0x21, 0x8a, 0x39,
        0x25, 0x9a, 0x7a, 0x29, 0xaa, 0xbb, 0x2d, 0xba,
        0xfc, 0x31, 0xcb, 0x3d, 0x35, 0xdb, 0x7e, 0x39,
        0xeb, 0xbf, 0x3d, 0x00, 0x10, 0x83, 0x10, 0x51
    };

    (void) state;

    assert_int_equal(lsn_wx_aes_key(EAK, 43, key), 0);
    assert_memory_equal(key, want, 32);
    assert_int_equal(lsn_wx_aes_key(EAK, 42, key), -1);
    assert_int_equal(lsn_wx_aes_key("!bcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                                    43, key), -1);
}


static void
test_decrypt(void **state)
{
    long            n;
    unsigned char   key[32], out[256];
    const char     *err;

    (void) state;

    assert_int_equal(lsn_wx_aes_key(EAK, 43, key), 0);

    n = lsn_wx_decrypt(key, GOOD, strlen(GOOD), APPID, out, sizeof(out),
                       &err);
    assert_int_equal(n, (long) strlen(MSG));
    assert_string_equal((char *) out, MSG);

    assert_int_equal(lsn_wx_decrypt(key, OTHER, strlen(OTHER), APPID, out,
                                    sizeof(out), &err), -1);
    assert_string_equal(err, "wrong AppId");

    assert_int_equal(lsn_wx_decrypt(key, BADPAD, strlen(BADPAD), APPID, out,
                                    sizeof(out), &err), -1);
    assert_string_equal(err, "bad padding");

    assert_int_equal(lsn_wx_decrypt(key, BADLEN, strlen(BADLEN), APPID, out,
                                    sizeof(out), &err), -1);
    assert_string_equal(err, "bad length field");

    /* too small a buffer, truncated and junk input */
    assert_int_equal(lsn_wx_decrypt(key, GOOD, strlen(GOOD), APPID, out, 10,
                                    &err), -1);
    assert_int_equal(lsn_wx_decrypt(key, GOOD, strlen(GOOD) - 4, APPID, out,
                                    sizeof(out), &err), -1);
    assert_int_equal(lsn_wx_decrypt(key, "@@@@", 4, APPID, out, sizeof(out),
                                    &err), -1);
    assert_int_equal(lsn_wx_decrypt(key, "", 0, APPID, out, sizeof(out),
                                    &err), -1);
}


static void
test_round_trip(void **state)
{
    char            env[512];
    long            n, m;
    unsigned char   key[32], out[256], rnd[16];
    const char     *err;

    (void) state;

    memset(rnd, 0, sizeof(rnd));
    assert_int_equal(lsn_wx_aes_key(EAK, 43, key), 0);

    /* with the same random bytes as the vector: the same envelope */
    for (n = 0; n < 16; n++) {
        rnd[n] = (unsigned char) n;
    }

    n = lsn_wx_encrypt(key, rnd, MSG, strlen(MSG), APPID, env, sizeof(env));
    assert_int_equal(n, (long) strlen(GOOD));
    assert_string_equal(env, GOOD);

    /* every length across a padding boundary */
    for (n = 0; n < 80; n++) {
        memset(out, 'x', sizeof(out));
        m = lsn_wx_encrypt(key, rnd, "0123456789012345678901234567890123456"
                           "789012345678901234567890123456789012345678901",
                           (size_t) n, APPID, env, sizeof(env));
        assert_true(m > 0);
        assert_int_equal(lsn_wx_decrypt(key, env, (size_t) m, APPID, out,
                                        sizeof(out), &err), n);
    }

    assert_int_equal(lsn_wx_encrypt(key, rnd, MSG, strlen(MSG), APPID, env,
                                    16), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vector),
        cmocka_unit_test(test_aes_key),
        cmocka_unit_test(test_decrypt),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests_name("wxcrypt", tests, NULL, NULL);
}
