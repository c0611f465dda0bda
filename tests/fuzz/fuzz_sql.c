/*
 * Fuzzing: lsn_sql, the one way input reaches SQL.  Whatever the input,
 * the statement holds it as one quoted literal that unescapes to the
 * input, and nothing of it lies outside the quotes.
 */

#include "fuzz.h"
#include "lsn_sql.h"


/* MariaDB's reading of the literal starting at the quote p[0]: the
   unescaped bytes into out, the index after the closing quote */
static size_t
fz_literal(const char *p, size_t len, char *out, size_t *olen)
{
    size_t  i;

    FZ_CHECK(len >= 2 && p[0] == '\'');
    *olen = 0;

    for (i = 1; i < len; i++) {
        if (p[i] == '\'') {
            return i + 1;
        }

        if (p[i] == '\\') {
            FZ_CHECK(i + 1 < len);
            i++;
            switch (p[i]) {
            case '0': out[(*olen)++] = '\0'; break;
            case 'n': out[(*olen)++] = '\n'; break;
            case 'r': out[(*olen)++] = '\r'; break;
            case 'Z': out[(*olen)++] = 0x1a; break;
            default: out[(*olen)++] = p[i]; break;
            }
            continue;
        }

        out[(*olen)++] = p[i];
    }

    FZ_CHECK(0);
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    long     need, got;
    char    *s, *z, *dst, *out;
    size_t   end, olen;

    static const char  pre[] = "SELECT 1 FROM t WHERE a = ";
    static const char  mid[] = " AND b = ";

    s = fz_dup(data, n);
    z = fz_strdup(data, n);

    need = lsn_sql_format(NULL, 0, "SELECT 1 FROM t WHERE a = $s AND b = $z",
                          s, n, z);
    FZ_CHECK(need > 0);

    dst = malloc(need);
    out = malloc(n + 1);
    if (dst == NULL || out == NULL) {
        abort();
    }

    got = lsn_sql_format(dst, need, "SELECT 1 FROM t WHERE a = $s AND b = $z",
                         s, n, z);
    FZ_CHECK(got == need);
    FZ_CHECK(memcmp(dst, pre, sizeof(pre) - 1) == 0);

    end = sizeof(pre) - 1;
    end += fz_literal(dst + end, need - end, out, &olen);
    FZ_CHECK(olen == n && memcmp(out, s, n) == 0);

    FZ_CHECK((size_t) need - end >= sizeof(mid) - 1
             && memcmp(dst + end, mid, sizeof(mid) - 1) == 0);
    end += sizeof(mid) - 1;
    end += fz_literal(dst + end, need - end, out, &olen);
    FZ_CHECK(olen == strlen(z) && memcmp(out, z, olen) == 0);
    FZ_CHECK(end == (size_t) need);

    free(out);
    free(dst);
    free(z);
    free(s);

    return 0;
}
