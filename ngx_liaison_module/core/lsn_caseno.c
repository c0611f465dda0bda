/*
 * Liaison: Chinese case numbers (案号).
 *
 * Current form (SPC 2015, amended 2018):
 *   ( year ) court [specialised code] type serial 号 [之一]
 * Pre-2016 form, accepted for old cases and marked legacy:
 *   ( year ) prefix 字第 serial 号 [之一]
 * Everything is compared as UTF-8 bytes; the strings below are UTF-8.
 */


#include <string.h>

#include "lsn_caseno.h"


#define LSN_CN_MAX_INPUT    512
#define LSN_CN_MAX_SERIAL   10
#define LSN_CN_MAX_NUMERAL  3


typedef struct {
    char    *p;
    char    *end;
} lsn_cn_out_t;


static size_t lsn_cn_match(const char *p, const char *end, const char *s);
static size_t lsn_cn_match_any(const char *p, const char *end,
    const char *const *list);
static size_t lsn_cn_space(const char *p, const char *end);
static size_t lsn_cn_space_back(const char *start, const char *end);
static size_t lsn_cn_cjk(const char *p, const char *end);
static int lsn_cn_copy(char *dst, size_t cap, const char *s, size_t len);
static int lsn_cn_put(lsn_cn_out_t *out, const char *s, size_t len);
static const char *lsn_cn_find(const char *p, const char *end,
    const char *s);
static int lsn_cn_court(const char **pp, const char *end, lsn_caseno_t *cn);
static int lsn_cn_is_type(const char *p, const char *end);
static int lsn_cn_type(const char *p, const char *end, lsn_caseno_t *cn);
static int lsn_cn_legacy_prefix(const char *p, const char *end,
    lsn_caseno_t *cn);
static int lsn_cn_serial(const char **pp, const char *end,
    lsn_caseno_t *cn);
static int lsn_cn_suffix(const char *p, const char *end, lsn_caseno_t *cn);
static int lsn_cn_normalize(lsn_caseno_t *cn);


#define LSN_CN_LPAREN   "\xef\xbc\x88"      /* （ */
#define LSN_CN_RPAREN   "\xef\xbc\x89"      /* ） */
#define LSN_CN_IDSP     "\xe3\x80\x80"      /* ideographic space */
#define LSN_CN_COMMA    "、"
#define LSN_CN_HAO      "号"
#define LSN_CN_ZHI      "之"
#define LSN_CN_ZIDI     "字第"
#define LSN_CN_FA       "法"
#define LSN_CN_SPC      "最高法"


static const char *const  lsn_cn_open[] = { "(", LSN_CN_LPAREN, NULL };
static const char *const  lsn_cn_close[] = { ")", LSN_CN_RPAREN, NULL };

/*
 * Court codes: the one-character abbreviations of the 34 provincial
 * divisions (内 for Inner Mongolia, as case numbers write it), 军 for the
 * military courts and 兵 for the Xinjiang Production and Construction
 * Corps courts.
 */
static const char *const  lsn_cn_provinces[] = {
    "京", "津", "冀", "晋", "内", "辽", "吉", "黑", "沪", "苏", "浙", "皖",
    "闽", "赣", "鲁", "豫", "鄂", "湘", "粤", "桂", "琼", "渝", "川", "黔",
    "滇", "藏", "陕", "甘", "青", "宁", "新", "港", "澳", "台", "军", "兵",
    NULL
};

/*
 * Specialised-trial codes (2018 amendment).  Only 知 (intellectual
 * property) is attested, e.g. "(2019)最高法知民终1号", "(2020)琼01知民初15号";
 * add others when real numbers show them.
 */
static const char *const  lsn_cn_specials[] = { "知", NULL };

/* Type codes of court-domain.md; 民诉前调 is seen in real numbers. */
static const char *const  lsn_cn_types[] = {
    "民初", "民终", "民申", "民监", "民抗", "民再", "民撤", "民特", "民特监",
    "民催", "民督", "民督监", "民他",
    "民辖", "民辖终", "民辖监", "刑辖", "行辖", "赔辖",
    "刑初", "刑终", "刑申", "刑监", "刑抗", "刑再", "刑核", "刑更", "刑医",
    "刑没", "刑他",
    "行初", "行终", "行申", "行监", "行抗", "行再", "行审", "行审复",
    "法赔", "委赔", "委赔监", "委赔提", "委赔再", "赔他",
    "司救刑", "司救民", "司救行", "司救赔", "司救执", "司救访", "司救他",
    "司惩", "司惩复",
    "财保", "行保", "行保复", "证保",
    "执", "执恢", "执保", "执异", "执复", "执监", "执协", "执他",
    "破申", "破", "破终", "破监", "清申", "强清", "清终", "清监",
    "民诉前调",
    NULL
};

static const char *const  lsn_cn_numerals[] = {
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", NULL
};


static size_t
lsn_cn_match(const char *p, const char *end, const char *s)
{
    size_t  n;

    n = strlen(s);

    if ((size_t) (end - p) < n || memcmp(p, s, n) != 0) {
        return 0;
    }

    return n;
}


static size_t
lsn_cn_match_any(const char *p, const char *end, const char *const *list)
{
    size_t  n;

    for ( /* void */ ; *list != NULL; list++) {
        n = lsn_cn_match(p, end, *list);
        if (n > 0) {
            return n;
        }
    }

    return 0;
}


/* Length of one white-space character at p (ASCII or U+3000), or 0. */

static size_t
lsn_cn_space(const char *p, const char *end)
{
    if (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        return 1;
    }

    return lsn_cn_match(p, end, LSN_CN_IDSP);
}


/* Length of one white-space character ending at end, or 0. */

static size_t
lsn_cn_space_back(const char *start, const char *end)
{
    char  c;

    if (end == start) {
        return 0;
    }

    c = end[-1];

    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        return 1;
    }

    if (end - start >= 3 && memcmp(end - 3, LSN_CN_IDSP, 3) == 0) {
        return 3;
    }

    return 0;
}


/* Length of one CJK unified ideograph (U+4e00..U+9fff) at p, or 0. */

static size_t
lsn_cn_cjk(const char *p, const char *end)
{
    const unsigned char  *u;

    u = (const unsigned char *) p;

    if (end - p < 3 || u[0] < 0xe4 || u[0] > 0xe9
        || (u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80
        || (u[0] == 0xe4 && u[1] < 0xb8))
    {
        return 0;
    }

    return 3;
}


static int
lsn_cn_copy(char *dst, size_t cap, const char *s, size_t len)
{
    if (len >= cap) {
        return -1;
    }

    memcpy(dst, s, len);
    dst[len] = '\0';

    return 0;
}


static int
lsn_cn_put(lsn_cn_out_t *out, const char *s, size_t len)
{
    if ((size_t) (out->end - out->p) < len) {
        return -1;
    }

    memcpy(out->p, s, len);
    out->p += len;

    return 0;
}


static const char *
lsn_cn_find(const char *p, const char *end, const char *s)
{
    for ( /* void */ ; p < end; p++) {
        if (lsn_cn_match(p, end, s) > 0) {
            return p;
        }
    }

    return NULL;
}


/* 最高法, or a province abbreviation with 0, 2 or 4 digits. */

static int
lsn_cn_court(const char **pp, const char *end, lsn_caseno_t *cn)
{
    size_t       n;
    const char  *p, *start;

    p = *pp;
    start = p;

    n = lsn_cn_match(p, end, LSN_CN_SPC);

    if (n == 0) {
        n = lsn_cn_match_any(p, end, lsn_cn_provinces);
        if (n == 0) {
            return -1;
        }

        p += n;

        for (n = 0; p + n < end && p[n] >= '0' && p[n] <= '9'; n++) {
            /* void */
        }

        if (n != 0 && n != 2 && n != 4) {
            return -1;
        }
    }

    p += n;
    *pp = p;

    return lsn_cn_copy(cn->court, sizeof(cn->court), start,
                       (size_t) (p - start));
}


/* 1 when [p, end) is exactly one of the type codes. */

static int
lsn_cn_is_type(const char *p, const char *end)
{
    size_t              len;
    const char *const  *t;

    len = (size_t) (end - p);

    for (t = lsn_cn_types; *t != NULL; t++) {
        if (strlen(*t) == len && memcmp(*t, p, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * The text between the court and the serial: a type code, or one
 * specialised-trial character and a type code.  The whole text is tried
 * first, i.e. the longest type code wins.
 */

static int
lsn_cn_type(const char *p, const char *end, lsn_caseno_t *cn)
{
    size_t  n;

    if (!lsn_cn_is_type(p, end)) {
        n = lsn_cn_match_any(p, end, lsn_cn_specials);

        if (n == 0 || !lsn_cn_is_type(p + n, end)
            || lsn_cn_copy(cn->special, sizeof(cn->special), p, n) != 0)
        {
            return -1;
        }

        p += n;
    }

    return lsn_cn_copy(cn->type, sizeof(cn->type), p, (size_t) (end - p));
}


/*
 * The legacy prefix before 字第: CJK characters, with bracketed groups
 * such as "(民)" (stored full-width).  The court is taken up to the first
 * 法 ("广海法"), the rest is the type ("初"); without a 法 (SPC numbers
 * like "(2014)民申字第1号" carry no court) the court is empty.
 */

static int
lsn_cn_legacy_prefix(const char *p, const char *end, lsn_caseno_t *cn)
{
    char          buf[64];
    size_t        n, court, chars;
    lsn_cn_out_t  out;

    out.p = buf;
    out.end = buf + sizeof(buf);
    court = 0;

    if (p == end) {
        return -1;
    }

    while (p < end) {
        n = lsn_cn_match_any(p, end, lsn_cn_open);

        if (n > 0) {
            p += n;

            if (lsn_cn_put(&out, LSN_CN_LPAREN, 3) != 0) {
                return -1;
            }

            for (chars = 0; (n = lsn_cn_cjk(p, end)) > 0; chars++) {
                if (lsn_cn_put(&out, p, n) != 0) {
                    return -1;
                }

                p += n;
            }

            n = lsn_cn_match_any(p, end, lsn_cn_close);
            if (n == 0 || chars == 0) {
                return -1;
            }

            p += n;

            if (lsn_cn_put(&out, LSN_CN_RPAREN, 3) != 0) {
                return -1;
            }

            continue;
        }

        n = lsn_cn_cjk(p, end);
        if (n == 0) {
            return -1;
        }

        if (court == 0 && out.p > buf && lsn_cn_match(p, end, LSN_CN_FA)) {
            court = (size_t) (out.p - buf) + n;
        }

        if (lsn_cn_put(&out, p, n) != 0) {
            return -1;
        }

        p += n;
    }

    if (lsn_cn_copy(cn->court, sizeof(cn->court), buf, court) != 0) {
        return -1;
    }

    return lsn_cn_copy(cn->type, sizeof(cn->type), buf + court,
                       (size_t) (out.p - buf) - court);
}


/* "1234" or "30063、30062": 1..10 digits each, not all zeros; then 号. */

static int
lsn_cn_serial(const char **pp, const char *end, lsn_caseno_t *cn)
{
    int          nonzero;
    size_t       n;
    const char  *p, *start;

    p = *pp;
    start = p;

    for ( ;; ) {
        nonzero = 0;

        for (n = 0; p < end && *p >= '0' && *p <= '9'; n++, p++) {
            nonzero |= *p != '0';
        }

        if (n == 0 || n > LSN_CN_MAX_SERIAL || !nonzero) {
            return -1;
        }

        n = lsn_cn_match(p, end, LSN_CN_COMMA);
        if (n == 0) {
            break;
        }

        p += n;
    }

    if (lsn_cn_copy(cn->serial, sizeof(cn->serial), start,
                    (size_t) (p - start))
        != 0)
    {
        return -1;
    }

    n = lsn_cn_match(p, end, LSN_CN_HAO);
    if (n == 0) {
        return -1;
    }

    *pp = p + n;

    return 0;
}


/* Nothing, or 之 and one to three numerals: "之一", "之十二". */

static int
lsn_cn_suffix(const char *p, const char *end, lsn_caseno_t *cn)
{
    int          i;
    size_t       n;
    const char  *start;

    if (p == end) {
        return 0;
    }

    start = p;

    n = lsn_cn_match(p, end, LSN_CN_ZHI);
    if (n == 0) {
        return -1;
    }

    p += n;

    for (i = 0; p < end; i++) {
        n = lsn_cn_match_any(p, end, lsn_cn_numerals);
        if (n == 0 || i == LSN_CN_MAX_NUMERAL) {
            return -1;
        }

        p += n;
    }

    if (i == 0) {
        return -1;
    }

    return lsn_cn_copy(cn->suffix, sizeof(cn->suffix), start,
                       (size_t) (p - start));
}


static int
lsn_cn_normalize(lsn_caseno_t *cn)
{
    char          year[4];
    lsn_cn_out_t  out;

    year[0] = (char) ('0' + cn->year / 1000);
    year[1] = (char) ('0' + cn->year / 100 % 10);
    year[2] = (char) ('0' + cn->year / 10 % 10);
    year[3] = (char) ('0' + cn->year % 10);

    out.p = cn->normalized;
    out.end = cn->normalized + sizeof(cn->normalized) - 1;

    if (lsn_cn_put(&out, LSN_CN_LPAREN, 3) != 0
        || lsn_cn_put(&out, year, 4) != 0
        || lsn_cn_put(&out, LSN_CN_RPAREN, 3) != 0
        || lsn_cn_put(&out, cn->court, strlen(cn->court)) != 0
        || lsn_cn_put(&out, cn->special, strlen(cn->special)) != 0
        || lsn_cn_put(&out, cn->type, strlen(cn->type)) != 0
        || (cn->legacy
            && lsn_cn_put(&out, LSN_CN_ZIDI, strlen(LSN_CN_ZIDI)) != 0)
        || lsn_cn_put(&out, cn->serial, strlen(cn->serial)) != 0
        || lsn_cn_put(&out, LSN_CN_HAO, strlen(LSN_CN_HAO)) != 0
        || lsn_cn_put(&out, cn->suffix, strlen(cn->suffix)) != 0)
    {
        return -1;
    }

    *out.p = '\0';
    cn->normalized_len = (size_t) (out.p - cn->normalized);

    return 0;
}


int
lsn_caseno_parse(const char *s, size_t len, lsn_caseno_t *cn)
{
    int          y;
    size_t       n;
    const char  *p, *end, *zidi, *body;

    memset(cn, 0, sizeof(lsn_caseno_t));

    if (s == NULL || len > LSN_CN_MAX_INPUT) {
        return -1;
    }

    p = s;
    end = s + len;

    while ((n = lsn_cn_space(p, end)) > 0) {
        p += n;
    }

    while ((n = lsn_cn_space_back(p, end)) > 0) {
        end -= n;
    }

    n = lsn_cn_match_any(p, end, lsn_cn_open);
    if (n == 0 || end - (p + n) < 4) {
        goto invalid;
    }

    p += n;
    y = 0;

    for (n = 0; n < 4; n++) {
        if (p[n] < '0' || p[n] > '9') {
            goto invalid;
        }

        y = y * 10 + (p[n] - '0');
    }

    if (y < 1949 || y > 2100) {
        goto invalid;
    }

    cn->year = y;
    p += 4;

    n = lsn_cn_match_any(p, end, lsn_cn_close);
    if (n == 0) {
        goto invalid;
    }

    p += n;

    zidi = lsn_cn_find(p, end, LSN_CN_ZIDI);

    if (zidi != NULL) {
        cn->legacy = 1;

        if (lsn_cn_legacy_prefix(p, zidi, cn) != 0) {
            goto invalid;
        }

        p = zidi + strlen(LSN_CN_ZIDI);

    } else {
        if (lsn_cn_court(&p, end, cn) != 0) {
            goto invalid;
        }

        body = p;

        while (p < end && (*p < '0' || *p > '9')) {
            p++;
        }

        if (p == body || lsn_cn_type(body, p, cn) != 0) {
            goto invalid;
        }
    }

    if (lsn_cn_serial(&p, end, cn) != 0
        || lsn_cn_suffix(p, end, cn) != 0
        || lsn_cn_normalize(cn) != 0)
    {
        goto invalid;
    }

    return 0;

invalid:

    memset(cn, 0, sizeof(lsn_caseno_t));

    return -1;
}
