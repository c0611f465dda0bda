/*
 * Liaison: triage rules and risk signals, matched with PCRE2.
 */


#define PCRE2_CODE_UNIT_WIDTH  8

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcre2.h>

#include "lsn_text.h"
#include "lsn_ticket.h"
#include "lsn_triage.h"


#define LSN_TRIAGE_FILE_MAX  (1024 * 1024)


typedef struct {
    lsn_rule_t           rule;
    pcre2_code          *code;
} lsn_rule_code_t;


struct lsn_triage_s {
    size_t               n;
    lsn_rule_code_t     *rules;
    uint32_t             max_ovector;
};


static void lsn_triage_error(char *err, size_t errlen, const char *name,
    int line, const char *fmt, ...);
static int lsn_triage_line(lsn_triage_t *t, const char *name, int line,
    const char *s, size_t len, char *err, size_t errlen);
static const char *lsn_field(const char **p, const char *end, size_t *flen);
static int lsn_word_ok(const char *s, size_t len, int upper);
static int lsn_categories_parse(const char *s, size_t len, unsigned *mask);
static char *lsn_triage_normalize(const unsigned char *s, size_t len,
    size_t *outlen);
static int lsn_rule_applies(const lsn_rule_t *rule, int category);
static int lsn_rule_matches(const lsn_rule_code_t *rc, const char *text,
    size_t len, pcre2_match_data *md);


static const char  *lsn_rule_actions[] = { "ordinary", "simple", "risk" };

const char  *lsn_risk_levels[] = { "low", "medium", "high", "urgent", NULL };

static const char  *lsn_risk_levels_zh[] = { "低", "中", "高", "紧急" };


/* the Chinese names of the risk labels the shipped rules use */
static const char  *lsn_risk_labels[][2] = {
    { "self_harm", "自伤自杀" },
    { "violence", "暴力倾向" },
    { "threat", "威胁言论" },
    { "group_petition", "群体性事件" },
    { "media_exposure", "媒体炒作" },
    { "extreme_emotion", "情绪激烈" },
    { NULL, NULL }
};

#define LSN_CATEGORY_CONTACT_JUDGE  5
#define LSN_CATEGORY_COMPLAINT      6
#define LSN_CATEGORY_OTHER          7


int
lsn_risk_level_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_risk_levels, s, len);
}


const char *
lsn_risk_level_zh(lsn_risk_level_e level)
{
    return (unsigned) level <= LSN_RISK_URGENT ? lsn_risk_levels_zh[level]
                                               : "";
}


const char *
lsn_risk_label_zh(const char *label)
{
    size_t  i;

    for (i = 0; lsn_risk_labels[i][0]; i++) {
        if (strcmp(lsn_risk_labels[i][0], label) == 0) {
            return lsn_risk_labels[i][1];
        }
    }

    return label;
}


const char *
lsn_rule_action_name(lsn_rule_action_e action)
{
    if ((unsigned) action > LSN_RULE_RISK) {
        return "unknown";
    }

    return lsn_rule_actions[action];
}


static void
lsn_triage_error(char *err, size_t errlen, const char *name, int line,
    const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (err == NULL || errlen == 0) {
        return;
    }

    if (line > 0) {
        n = snprintf(err, errlen, "%s:%d: ", name, line);

    } else {
        n = snprintf(err, errlen, "%s: ", name);
    }

    if (n < 0 || (size_t) n >= errlen) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(err + n, errlen - n, fmt, args);
    va_end(args);
}


lsn_triage_t *
lsn_triage_load(const char *path, char *err, size_t errlen)
{
    FILE          *f;
    char          *buf;
    size_t         n;
    lsn_triage_t  *t;

    f = fopen(path, "rb");
    if (f == NULL) {
        lsn_triage_error(err, errlen, path, 0, "cannot open: %s",
                         strerror(errno));
        return NULL;
    }

    buf = malloc(LSN_TRIAGE_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        lsn_triage_error(err, errlen, path, 0, "out of memory");
        return NULL;
    }

    n = fread(buf, 1, LSN_TRIAGE_FILE_MAX + 1, f);

    if (ferror(f)) {
        lsn_triage_error(err, errlen, path, 0, "read error");
        fclose(f);
        free(buf);
        return NULL;
    }

    fclose(f);

    if (n > LSN_TRIAGE_FILE_MAX) {
        lsn_triage_error(err, errlen, path, 0, "larger than %d bytes",
                         LSN_TRIAGE_FILE_MAX);
        free(buf);
        return NULL;
    }

    t = lsn_triage_parse(buf, n, path, err, errlen);
    free(buf);

    return t;
}


lsn_triage_t *
lsn_triage_parse(const char *text, size_t len, const char *name, char *err,
    size_t errlen)
{
    int            line;
    const char    *p, *end, *eol;
    lsn_triage_t  *t;

    if (lsn_utf8_count((const unsigned char *) text, len) < 0) {
        lsn_triage_error(err, errlen, name, 0, "not valid UTF-8");
        return NULL;
    }

    t = calloc(1, sizeof(lsn_triage_t));
    if (t == NULL) {
        lsn_triage_error(err, errlen, name, 0, "out of memory");
        return NULL;
    }

    t->rules = calloc(LSN_TRIAGE_MAX_RULES, sizeof(lsn_rule_code_t));
    if (t->rules == NULL) {
        free(t);
        lsn_triage_error(err, errlen, name, 0, "out of memory");
        return NULL;
    }

    p = text;
    end = text + len;
    line = 0;

    while (p < end) {
        line++;
        eol = memchr(p, '\n', end - p);
        if (eol == NULL) {
            eol = end;
        }

        if (lsn_triage_line(t, name, line, p, eol - p, err, errlen) != 0) {
            lsn_triage_free(t);
            return NULL;
        }

        p = eol + 1;
    }

    if (t->n == 0) {
        lsn_triage_error(err, errlen, name, 0, "no rules");
        lsn_triage_free(t);
        return NULL;
    }

    return t;
}


static int
lsn_triage_line(lsn_triage_t *t, const char *name, int line, const char *s,
    size_t len, char *err, size_t errlen)
{
    int               rc, i, level;
    char              msg[256];
    size_t            flen[4], erroff, plen, alen;
    uint32_t          cap;
    const char       *f[4], *p, *end, *pat, *colon;
    lsn_rule_code_t  *rc_rule;

    end = s + len;

    while (end > s && (end[-1] == '\r' || end[-1] == ' '
                       || end[-1] == '\t'))
    {
        end--;
    }

    p = s;
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == end || *p == '#') {
        return 0;
    }

    for (i = 0; i < 4; i++) {
        f[i] = lsn_field(&p, end, &flen[i]);
        if (f[i] == NULL) {
            lsn_triage_error(err, errlen, name, line,
                             "expected \"id action label categories "
                             "pattern\"");
            return -1;
        }
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    pat = p;
    plen = end - p;

    if (plen == 0) {
        lsn_triage_error(err, errlen, name, line, "no pattern");
        return -1;
    }

    if (t->n == LSN_TRIAGE_MAX_RULES) {
        lsn_triage_error(err, errlen, name, line, "more than %d rules",
                         LSN_TRIAGE_MAX_RULES);
        return -1;
    }

    rc_rule = &t->rules[t->n];
    rc_rule->rule.line = line;

    if (flen[0] > LSN_TRIAGE_ID_MAX || !lsn_word_ok(f[0], flen[0], 1)) {
        lsn_triage_error(err, errlen, name, line,
                         "invalid rule id \"%.*s\" (1..32 of "
                         "A-Z a-z 0-9 . _ -)", (int) flen[0], f[0]);
        return -1;
    }

    memcpy(rc_rule->rule.id, f[0], flen[0]);
    rc_rule->rule.id[flen[0]] = '\0';

    for (i = 0; i < (int) t->n; i++) {
        if (strcmp(t->rules[i].rule.id, rc_rule->rule.id) == 0) {
            lsn_triage_error(err, errlen, name, line,
                             "duplicate rule id \"%s\" (first on line %d)",
                             rc_rule->rule.id, t->rules[i].rule.line);
            return -1;
        }
    }

    /* "risk" or "risk:LEVEL" */
    alen = flen[1];
    colon = memchr(f[1], ':', flen[1]);
    if (colon) {
        alen = (size_t) (colon - f[1]);
    }

    for (i = 0; i < 3; i++) {
        if (strlen(lsn_rule_actions[i]) == alen
            && memcmp(lsn_rule_actions[i], f[1], alen) == 0)
        {
            break;
        }
    }

    if (i == 3 || (colon && i != LSN_RULE_RISK)) {
        lsn_triage_error(err, errlen, name, line,
                         "unknown action \"%.*s\" (ordinary, simple, risk "
                         "or risk:LEVEL)", (int) flen[1], f[1]);
        return -1;
    }

    rc_rule->rule.action = (lsn_rule_action_e) i;
    rc_rule->rule.level = LSN_RISK_HIGH;

    if (colon) {
        level = lsn_risk_level_index(colon + 1, flen[1] - alen - 1);
        if (level < 0) {
            lsn_triage_error(err, errlen, name, line,
                             "unknown risk level \"%.*s\" (low, medium, "
                             "high or urgent)",
                             (int) (flen[1] - alen - 1), colon + 1);
            return -1;
        }

        rc_rule->rule.level = (lsn_risk_level_e) level;
    }

    if (flen[2] > LSN_TRIAGE_ID_MAX || !lsn_word_ok(f[2], flen[2], 0)) {
        lsn_triage_error(err, errlen, name, line,
                         "invalid label \"%.*s\" (1..32 of a-z 0-9 _)",
                         (int) flen[2], f[2]);
        return -1;
    }

    memcpy(rc_rule->rule.label, f[2], flen[2]);
    rc_rule->rule.label[flen[2]] = '\0';

    if (lsn_categories_parse(f[3], flen[3], &rc_rule->rule.categories)
        != 0)
    {
        lsn_triage_error(err, errlen, name, line,
                         "invalid categories \"%.*s\" (\"*\" or a comma "
                         "list of ticket categories)", (int) flen[3], f[3]);
        return -1;
    }

    rc_rule->code = pcre2_compile((PCRE2_SPTR) pat, plen,
                                  PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS
                                  | PCRE2_NO_UTF_CHECK,
                                  &rc, &erroff, NULL);
    if (rc_rule->code == NULL) {
        pcre2_get_error_message(rc, (PCRE2_UCHAR *) msg, sizeof(msg));
        lsn_triage_error(err, errlen, name, line,
                         "rule \"%s\": pattern error at offset %zu: %s",
                         rc_rule->rule.id, erroff, msg);
        return -1;
    }

    /* JIT when the platform has it; the interpreter otherwise */
    (void) pcre2_jit_compile(rc_rule->code, PCRE2_JIT_COMPLETE);

    if (pcre2_pattern_info(rc_rule->code, PCRE2_INFO_CAPTURECOUNT, &cap)
        == 0
        && cap + 1 > t->max_ovector)
    {
        t->max_ovector = cap + 1;
    }

    t->n++;

    return 0;
}


/* The next field of non-blank characters, or NULL at the end. */

static const char *
lsn_field(const char **p, const char *end, size_t *flen)
{
    const char  *s;

    while (*p < end && (**p == ' ' || **p == '\t')) {
        (*p)++;
    }

    if (*p == end) {
        return NULL;
    }

    s = *p;

    while (*p < end && **p != ' ' && **p != '\t') {
        (*p)++;
    }

    *flen = *p - s;

    return s;
}


static int
lsn_word_ok(const char *s, size_t len, int upper)
{
    size_t  i;
    char    c;

    if (len == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = s[i];

        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            continue;
        }

        if (upper && ((c >= 'A' && c <= 'Z') || c == '.' || c == '-')) {
            continue;
        }

        return 0;
    }

    return 1;
}


static int
lsn_categories_parse(const char *s, size_t len, unsigned *mask)
{
    int          c;
    const char  *p, *end, *comma;

    *mask = 0;

    if (len == 1 && s[0] == '*') {
        for (c = 0; lsn_categories[c] != NULL; c++) {
            *mask |= 1u << c;
        }

        return 0;
    }

    p = s;
    end = s + len;

    while (p < end) {
        comma = memchr(p, ',', end - p);
        if (comma == NULL) {
            comma = end;
        }

        c = lsn_category_index(p, comma - p);
        if (c < 0) {
            return -1;
        }

        *mask |= 1u << c;
        p = comma + 1;

        if (comma + 1 == end) {
            return -1;      /* a trailing comma */
        }
    }

    return *mask ? 0 : -1;
}


void
lsn_triage_free(lsn_triage_t *t)
{
    size_t  i;

    if (t == NULL) {
        return;
    }

    for (i = 0; i < t->n; i++) {
        pcre2_code_free(t->rules[i].code);
    }

    free(t->rules);
    free(t);
}


size_t
lsn_triage_count(const lsn_triage_t *t)
{
    return t ? t->n : 0;
}


const lsn_rule_t *
lsn_triage_rule(const lsn_triage_t *t, size_t i)
{
    return (t && i < t->n) ? &t->rules[i].rule : NULL;
}


/* A copy in the folded form (lsn_text_fold()); s is valid UTF-8. */

static char *
lsn_triage_normalize(const unsigned char *s, size_t len, size_t *outlen)
{
    unsigned char  *out;

    out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }

    *outlen = lsn_text_fold(s, len, out);

    return (char *) out;
}


static int
lsn_rule_applies(const lsn_rule_t *rule, int category)
{
    if (category < 0 || category >= 32) {
        return 1;
    }

    return (rule->categories >> category) & 1;
}


static int
lsn_rule_matches(const lsn_rule_code_t *rc, const char *text, size_t len,
    pcre2_match_data *md)
{
    int  n;

    n = pcre2_match(rc->code, (PCRE2_SPTR) text, len, 0, PCRE2_NO_UTF_CHECK,
                    md, NULL);

    return n >= 0;
}


int
lsn_triage_classify(const lsn_triage_t *t, int category, const char *text,
    size_t len, lsn_triage_result_t *res)
{
    int                     simple_cat, track_fixed;
    char                   *norm;
    size_t                  i, nlen;
    pcre2_match_data       *md;
    const lsn_rule_code_t  *rc;
    const lsn_rule_t       *simple_rule;

    memset(res, 0, sizeof(lsn_triage_result_t));

    res->track = lsn_track_for_category(category);
    simple_cat = (res->track == LSN_TRACK_SIMPLE);
    track_fixed = (category == LSN_CATEGORY_CONTACT_JUDGE
                   || category == LSN_CATEGORY_COMPLAINT
                   || lsn_category_route(category) != NULL);

    if (t == NULL || t->n == 0) {
        return 0;
    }

    if (lsn_utf8_count((const unsigned char *) text, len) < 0) {
        return -1;
    }

    norm = lsn_triage_normalize((const unsigned char *) text, len, &nlen);
    if (norm == NULL) {
        return -1;
    }

    md = pcre2_match_data_create(t->max_ovector ? t->max_ovector : 1, NULL);
    if (md == NULL) {
        free(norm);
        return -1;
    }

    simple_rule = NULL;

    for (i = 0; i < t->n; i++) {
        rc = &t->rules[i];

        if (!lsn_rule_applies(&rc->rule, category)) {
            continue;
        }

        switch (rc->rule.action) {

        case LSN_RULE_ORDINARY:
            if (track_fixed || res->track_rule != NULL) {
                break;
            }

            if (lsn_rule_matches(rc, norm, nlen, md)) {
                res->track = LSN_TRACK_ORDINARY;
                res->track_rule = &rc->rule;
            }

            break;

        case LSN_RULE_SIMPLE:
            if (category != LSN_CATEGORY_OTHER || simple_rule != NULL) {
                break;
            }

            if (lsn_rule_matches(rc, norm, nlen, md)) {
                simple_rule = &rc->rule;
            }

            break;

        case LSN_RULE_RISK:
            if (res->nrisks == LSN_TRIAGE_MAX_HITS) {
                break;
            }

            if (lsn_rule_matches(rc, norm, nlen, md)) {
                res->risks[res->nrisks++] = &rc->rule;
            }

            break;
        }
    }

    if (res->track_rule == NULL && !simple_cat && simple_rule != NULL) {
        res->track = LSN_TRACK_SIMPLE;
        res->track_rule = simple_rule;
    }

    pcre2_match_data_free(md);
    free(norm);

    return 0;
}
