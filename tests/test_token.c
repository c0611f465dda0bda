/*
 * Unit tests: lsn_token (tokens, HMAC signatures, secrets, passwords).
 *
 * The expected MACs were computed outside this code with
 *   printf '%s\n%s' TS BODY | openssl dgst -sha256 -hmac KEY
 *   printf '%s' DATA | openssl dgst -sha256 -hmac KEY
 * and RFC 4231 (test cases 1 and 2).
 */


#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE    /* mkdtemp() */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lsn_token.h"


#define TOKEN_KEY   "token-key-0123456789abcdef0123456789"
#define INGEST_KEY  "ingest-key-0123456789abcdef0123456789"
#define SID         "0123456789abcdef0123456789abcdef"
#define EXP         1795743000

#define TOKEN_MAC \
    "80e735940042fdbc4464018f759f5b379c74e22c753f819d4676d2b0fa0ad29c"
#define TOKEN \
    "v1.s." SID ".1795743000." TOKEN_MAC

#define K(s)  ((const unsigned char *) (s)), (sizeof(s) - 1)


static void
t_token(lsn_token_t *tok, char kind, const char *sid, time_t expires)
{
    memset(tok, 0, sizeof(lsn_token_t));
    tok->kind = kind;
    strncpy(tok->sid, sid, LSN_TOKEN_SID_LEN + 1);
    tok->sid[LSN_TOKEN_SID_LEN] = '\0';
    tok->expires = expires;
}


/* Builds "prefix.<valid mac of prefix>" to test the shape checks alone. */

static size_t
t_signed(const char *prefix, char *dst)
{
    size_t  n;

    n = strlen(prefix);
    memcpy(dst, prefix, n);
    dst[n] = '.';
    assert_int_equal(lsn_hmac_hex(K(TOKEN_KEY), prefix, n, dst + n + 1), 0);
    dst[n + 65] = '\0';

    return n + 65;
}


static void
test_token_round_trip(void **state)
{
    char         buf[LSN_TOKEN_MAX_LEN];
    size_t       n;
    lsn_token_t  tok, got;

    (void) state;

    t_token(&tok, 's', SID, EXP);
    n = lsn_token_make(K(TOKEN_KEY), &tok, buf);
    assert_int_equal(n, strlen(TOKEN));
    assert_string_equal(buf, TOKEN);

    memset(&got, 0, sizeof(got));
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, EXP - 1, &got),
                     0);
    assert_int_equal(got.kind, 's');
    assert_string_equal(got.sid, SID);
    assert_int_equal(got.expires, EXP);

    /* expired when now >= expires */
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, EXP, &got), -1);
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, EXP + 1, &got),
                     -1);

    /* litigant tokens, the largest expiry, expiry 0 */
    t_token(&tok, 'l', "ffffffffffffffffffffffffffffffff", INT64_MAX);
    n = lsn_token_make(K(TOKEN_KEY), &tok, buf);
    assert_int_equal(n, 3 + 2 + 33 + 19 + 1 + 64);
    assert_true(n < LSN_TOKEN_MAX_LEN);
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, EXP, &got), 0);
    assert_int_equal(got.kind, 'l');
    assert_int_equal(got.expires, INT64_MAX);

    t_token(&tok, 's', SID, 0);
    n = lsn_token_make(K(TOKEN_KEY), &tok, buf);
    assert_true(n > 0);
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, -1, &got), 0);
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, 0, &got), -1);
}


static void
test_token_make_rejects(void **state)
{
    char         buf[LSN_TOKEN_MAX_LEN];
    lsn_token_t  tok;

    (void) state;

    t_token(&tok, 'x', SID, EXP);
    assert_int_equal(lsn_token_make(K(TOKEN_KEY), &tok, buf), 0);

    t_token(&tok, 's', "0123456789ABCDEF0123456789abcdef", EXP);
    assert_int_equal(lsn_token_make(K(TOKEN_KEY), &tok, buf), 0);

    t_token(&tok, 's', "0123456789abcdef", EXP);
    assert_int_equal(lsn_token_make(K(TOKEN_KEY), &tok, buf), 0);

    t_token(&tok, 's', "0123456789abcdef0123456789abcdeg", EXP);
    assert_int_equal(lsn_token_make(K(TOKEN_KEY), &tok, buf), 0);

    t_token(&tok, 's', SID, -1);
    assert_int_equal(lsn_token_make(K(TOKEN_KEY), &tok, buf), 0);
}


static void
test_token_tampered(void **state)
{
    char         buf[LSN_TOKEN_MAX_LEN + 1];
    size_t       i, n;
    lsn_token_t  tok, got;

    (void) state;

    n = strlen(TOKEN);

    /* any single changed character, anywhere */
    for (i = 0; i < n; i++) {
        memcpy(buf, TOKEN, n + 1);
        buf[i] = buf[i] == '0' ? '1' : (buf[i] == 's' ? 'l' : '0');

        memset(&got, 0x5a, sizeof(got));
        memcpy(&tok, &got, sizeof(got));

        if (lsn_token_verify(K(TOKEN_KEY), buf, n, EXP - 1, &got) != -1) {
            fail_msg("accepted a change at %zu: %s", i, buf);
        }

        /* tok is left alone on failure */
        assert_memory_equal(&got, &tok, sizeof(got));
    }

    /* a wrong key, a key prefix, an empty key */
    assert_int_equal(lsn_token_verify(K("token-key-0123456789abcdef012345678X"),
                                      TOKEN, n, EXP - 1, &got), -1);
    assert_int_equal(lsn_token_verify(K("token-key-0123456789abcdef01234567"),
                                      TOKEN, n, EXP - 1, &got), -1);
    assert_int_equal(lsn_token_verify(K(""), TOKEN, n, EXP - 1, &got), -1);

    /* the kind is under the MAC */
    memcpy(buf, TOKEN, n + 1);
    buf[3] = 'l';
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, EXP - 1, &got),
                     -1);

    /* a longer expiry is under the MAC */
    t_signed("v1.s." SID ".1795743000", buf);
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, strlen(buf),
                                      EXP - 1, &got), 0);
    memcpy(buf, "v1.s." SID ".2795743000." TOKEN_MAC, n + 1);
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, n, EXP - 1, &got),
                     -1);
}


static void
test_token_malformed(void **state)
{
    char         buf[256];
    size_t       i, n;
    lsn_token_t  got;

    static const char  *bad_prefix[] = {
        "v1.x." SID ".1795743000",
        "v1.S." SID ".1795743000",
        "v2.s." SID ".1795743000",
        "V1.s." SID ".1795743000",
        "v1.s.0123456789ABCDEF0123456789abcdef.1795743000",
        "v1.s.0123456789abcdef0123456789abcde.1795743000",
        "v1.s.0123456789abcdef0123456789abcdef0.1795743000",
        "v1.s.0123456789abcdef0123456789abcdeg.1795743000",
        "v1.s." SID ".01795743000",
        "v1.s." SID ".00",
        "v1.s." SID ".",
        "v1.s." SID ".+1795743000",
        "v1.s." SID ".-1",
        "v1.s." SID ".17957430x0",
        "v1.s." SID ".1795743000.",
        "v1.s." SID ".1795743000.1",
        "v1.s." SID "..1795743000",
        "v1.s." SID ".9223372036854775808",
        "v1.s." SID ".18446744073709551616",
        "v1.s." SID ".99999999999999999999",
        "v1.s." SID ".1795743000 ",
        "v1..s." SID ".1795743000",
        "v1.s" SID ".1795743000",
    };

    static const char  *bad[] = {
        "",
        "v1",
        "v1.s." SID ".1795743000",
        "v1.s." SID ".1795743000.",
        "v1.s." SID ".1795743000." TOKEN_MAC ".",
        "v1.s." SID ".1795743000." TOKEN_MAC "0",
        "v1.s." SID ".1795743000.."
            "80e735940042fdbc4464018f759f5b379c74e22c753f819d4676d2b0fa0ad29c",
        "v1.s." SID ".1795743000."
            "80E735940042FDBC4464018F759F5B379C74E22C753F819D4676D2B0FA0AD29C",
        "v1.s." SID ".1795743000."
            "80e735940042fdbc4464018f759f5b379c74e22c753f819d4676d2b0fa0ad29",
        " v1.s." SID ".1795743000." TOKEN_MAC,
    };

    (void) state;

    /* well signed, badly shaped: rejected by the shape checks */
    for (i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++) {
        n = t_signed(bad_prefix[i], buf);

        if (lsn_token_verify(K(TOKEN_KEY), buf, n, EXP - 1, &got) != -1) {
            fail_msg("accepted \"%s\"", buf);
        }
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lsn_token_verify(K(TOKEN_KEY), bad[i], strlen(bad[i]), EXP - 1,
                             &got)
            != -1)
        {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }

    /* too long */
    memset(buf, 'a', sizeof(buf));
    memcpy(buf, TOKEN, strlen(TOKEN));
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), buf, 200, EXP - 1, &got),
                     -1);

    /* the length bounds the input: the prefix of a token is not one */
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), TOKEN, strlen(TOKEN) - 1,
                                      EXP - 1, &got), -1);
    assert_int_equal(lsn_token_verify(K(TOKEN_KEY), NULL, 0, EXP - 1, &got),
                     -1);
}


static void
test_hmac_vectors(void **state)
{
    char           hex[65];
    unsigned char  key1[20];

    (void) state;

    hex[64] = '\0';

    /* RFC 4231 test case 1 */
    memset(key1, 0x0b, sizeof(key1));
    assert_int_equal(lsn_hmac_hex(key1, sizeof(key1), "Hi There", 8, hex), 0);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
                             "881dc200c9833da726e9376c2e32cff7");

    /* RFC 4231 test case 2 */
    assert_int_equal(lsn_hmac_hex(K("Jefe"), "what do ya want for nothing?",
                                  28, hex), 0);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
                             "5a003f089d2739839dec58b964ec3843");

    /* the ingest signature: ts "\n" body, checked with openssl dgst */
    assert_int_equal(lsn_hmac_sign(K(INGEST_KEY), "1795743000", 10,
                                   "{\"events\":[]}", 13, hex), 0);
    assert_string_equal(hex, "eb51b49a7dcb87141badea93a5290725"
                             "cc226c58560a5b970992f1089a70043c");

    assert_int_equal(lsn_hmac_sign(K(INGEST_KEY), "1795743000", 10, "", 0,
                                   hex), 0);
    assert_string_equal(hex, "f27e7811a3e577fd8fe6bbe157f8b64e"
                             "688961affce0007c1c14913f07e09e9d");
    assert_int_equal(lsn_hmac_sign(K(INGEST_KEY), "1795743000", 10, NULL, 0,
                                   hex), 0);
    assert_string_equal(hex, "f27e7811a3e577fd8fe6bbe157f8b64e"
                             "688961affce0007c1c14913f07e09e9d");

    /* the token MAC is the HMAC of everything before the last dot */
    assert_int_equal(lsn_hmac_hex(K(TOKEN_KEY), "v1.s." SID ".1795743000",
                                  strlen("v1.s." SID ".1795743000"), hex), 0);
    assert_string_equal(hex, TOKEN_MAC);

    /* SHA-256 */
    assert_int_equal(lsn_sha256_hex("abc", 3, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(lsn_sha256_hex("", 0, hex), 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                             "27ae41e4649b934ca495991b7852b855");
}


static void
test_hmac_verify(void **state)
{
    char         sig[65];
    const char  *body;

    (void) state;

    body = "{\"events\":[]}";
    strcpy(sig, "eb51b49a7dcb87141badea93a5290725"
                "cc226c58560a5b970992f1089a70043c");

    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     13, sig, 64), 0);

    /* either case */
    strcpy(sig, "EB51B49A7DCB87141BADEA93A5290725"
                "CC226C58560A5B970992F1089A70043C");
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     13, sig, 64), 0);

    /* another timestamp, body, key; a changed, cut or junk signature */
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743001", 10, body,
                                     13, sig, 64), -1);
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     12, sig, 64), -1);
    assert_int_equal(lsn_hmac_verify(K(TOKEN_KEY), "1795743000", 10, body,
                                     13, sig, 64), -1);
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     13, sig, 63), -1);
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     13, NULL, 0), -1);

    sig[63] = 'D';
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     13, sig, 64), -1);
    sig[63] = 'x';
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     13, sig, 64), -1);

    /* 'x' * 64, the failure filler of lsn_hmac_sign(), never matches */
    memset(sig, 'x', 64);
    assert_int_equal(lsn_hmac_verify(K(INGEST_KEY), "1795743000", 10, body,
                                     13, sig, 64), -1);
}


static void
test_password(void **state)
{
    char  hash[128], hash2[128], small[16];

    (void) state;

    assert_int_equal(lsn_password_hash("correct horse 电池", hash,
                                       sizeof(hash)), 0);
    assert_memory_equal(hash, "$y$", 3);
    assert_true(strlen(hash) > 40);

    assert_int_equal(lsn_password_verify("correct horse 电池", hash), 0);
    assert_int_equal(lsn_password_verify("correct horse 电", hash), -1);
    assert_int_equal(lsn_password_verify("Correct horse 电池", hash), -1);
    assert_int_equal(lsn_password_verify("", hash), -1);

    /* a fresh salt each time */
    assert_int_equal(lsn_password_hash("correct horse 电池", hash2,
                                       sizeof(hash2)), 0);
    assert_string_not_equal(hash, hash2);
    assert_int_equal(lsn_password_verify("correct horse 电池", hash2), 0);

    /* a changed hash */
    hash2[strlen(hash2) - 1] = hash2[strlen(hash2) - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(lsn_password_verify("correct horse 电池", hash2), -1);

    /* locked, empty, DES and broken hashes */
    assert_int_equal(lsn_password_verify("x", "*"), -1);
    assert_int_equal(lsn_password_verify("x", "*0"), -1);
    assert_int_equal(lsn_password_verify("x", "!"), -1);
    assert_int_equal(lsn_password_verify("x", ""), -1);
    assert_int_equal(lsn_password_verify("x", "abJnggxhB/yWI"), -1);
    assert_int_equal(lsn_password_verify("x", "$y$"), -1);
    assert_int_equal(lsn_password_verify("x", "$nonsense$"), -1);
    assert_int_equal(lsn_password_verify("x", NULL), -1);
    assert_int_equal(lsn_password_verify(NULL, hash), -1);

    /* no room */
    assert_int_equal(lsn_password_hash("pw", small, sizeof(small)), -1);
    assert_int_equal(lsn_password_hash(NULL, hash, sizeof(hash)), -1);
}


static void
t_write(const char *path, const void *data, size_t len)
{
    FILE  *f;

    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}


static void
test_secret_read(void **state)
{
    char            dir[64], path[128];
    long            n;
    const char     *err;
    unsigned char   buf[64];

    (void) state;

    strcpy(dir, "/tmp/lsn-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/secret", dir);

    /* trailing white space is trimmed, leading is kept */
    t_write(path, " 0123456789abcdef0123456789abcdef\r\n\t \n", 38);
    err = NULL;
    n = lsn_secret_read(path, buf, sizeof(buf), &err);
    assert_int_equal(n, 33);
    assert_memory_equal(buf, " 0123456789abcdef0123456789abcdef", 33);

    /* exactly 32 bytes */
    t_write(path, "0123456789abcdef0123456789abcdef", 32);
    assert_int_equal(lsn_secret_read(path, buf, sizeof(buf), &err), 32);

    /* binary secrets, NUL bytes included */
    memset(buf, 0, sizeof(buf));
    t_write(path, buf, 40);
    assert_int_equal(lsn_secret_read(path, buf, sizeof(buf), &err), 40);

    /* short, also once trimmed */
    t_write(path, "0123456789abcdef0123456789abcde\n\n", 33);
    err = NULL;
    assert_int_equal(lsn_secret_read(path, buf, sizeof(buf), &err), -1);
    assert_string_equal(err, "secret is shorter than 32 bytes");

    t_write(path, "", 0);
    assert_int_equal(lsn_secret_read(path, buf, sizeof(buf), &err), -1);
    assert_string_equal(err, "secret is shorter than 32 bytes");

    /* exactly cap bytes fit; one more does not */
    memset(buf, 'k', sizeof(buf));
    t_write(path, buf, sizeof(buf));
    assert_int_equal(lsn_secret_read(path, buf, sizeof(buf), &err),
                     (long) sizeof(buf));
    t_write(path, "0123456789abcdef0123456789abcdef0123456789abcdef"
                  "0123456789abcdef0", 65);
    err = NULL;
    assert_int_equal(lsn_secret_read(path, buf, sizeof(buf), &err), -1);
    assert_string_equal(err, "secret file is too large");

    /* the buffer is wiped on failure */
    assert_memory_equal(buf, "\0\0\0\0\0\0\0\0", 8);

    assert_int_equal(unlink(path), 0);

    err = NULL;
    assert_int_equal(lsn_secret_read(path, buf, sizeof(buf), &err), -1);
    assert_string_equal(err, "cannot open secret file");

    err = NULL;
    assert_int_equal(lsn_secret_read(dir, buf, sizeof(buf), &err), -1);
    assert_string_equal(err, "secret file is not a regular file");

    assert_int_equal(rmdir(dir), 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_token_round_trip),
        cmocka_unit_test(test_token_make_rejects),
        cmocka_unit_test(test_token_tampered),
        cmocka_unit_test(test_token_malformed),
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_hmac_verify),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_secret_read),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
