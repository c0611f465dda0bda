/*
 * Fuzzing: lsn_token (session tokens of staff and litigants, HMAC
 * signatures of the trial system's ingest).  No input verifies but one
 * made with the key; a made token verifies.
 */

#include "fuzz.h"
#include "lsn_text.h"
#include "lsn_token.h"


static const unsigned char  key[] = "0123456789abcdef0123456789abcdef";
static const unsigned char  other[] = "fedcba9876543210fedcba9876543210";


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int             rc;
    char           *s, *body, made[LSN_TOKEN_MAX_LEN + 1];
    char            hex[65];
    size_t          head, blen, mlen;
    lsn_token_t     tok, back;
    const uint8_t  *rest;

    s = fz_dup(data, n);

    rc = lsn_token_verify(key, sizeof(key) - 1, s, n, 1700000000, &tok);
    if (rc == 0) {
        FZ_CHECK(tok.kind == 's' || tok.kind == 'l');
        FZ_CHECK(strlen(tok.sid) == LSN_TOKEN_SID_LEN);

        /* the same text under another key never verifies */
        FZ_CHECK(lsn_token_verify(other, sizeof(other) - 1, s, n,
                                  1700000000, &back) != 0);
    }

    /* a signature over (ts, body) made here verifies, the input's not */
    fz_split(data, n, &head, &rest, &blen);
    body = fz_dup(rest, blen);
    FZ_CHECK(lsn_hmac_sign(key, sizeof(key) - 1, s, head, body, blen, hex)
             == 0);
    FZ_CHECK(lsn_hmac_verify(key, sizeof(key) - 1, s, head, body, blen,
                             hex, 64) == 0);
    (void) lsn_hmac_verify(key, sizeof(key) - 1, "1700000000", 10, body,
                           blen, s, n);

    /* a token made from the input's bytes round-trips */
    if (n >= 1 + LSN_TOKEN_SID_LEN) {
        memset(&tok, 0, sizeof(tok));
        tok.kind = (data[0] & 1) ? 's' : 'l';
        lsn_hex(tok.sid, data + 1, LSN_TOKEN_SID_LEN / 2);
        tok.sid[LSN_TOKEN_SID_LEN] = '\0';
        tok.expires = 1700000000 + (data[0] >> 1) + 1;

        mlen = lsn_token_make(key, sizeof(key) - 1, &tok, made);
        FZ_CHECK(mlen > 0 && mlen <= LSN_TOKEN_MAX_LEN);
        FZ_CHECK(lsn_token_verify(key, sizeof(key) - 1, made, mlen,
                                  1700000000, &back) == 0);
        FZ_CHECK(back.kind == tok.kind && back.expires == tok.expires);
        FZ_CHECK(strcmp(back.sid, tok.sid) == 0);

        /* expired: refused */
        FZ_CHECK(lsn_token_verify(key, sizeof(key) - 1, made, mlen,
                                  tok.expires + 1, &back) != 0);
    }

    free(body);
    free(s);

    return 0;
}
