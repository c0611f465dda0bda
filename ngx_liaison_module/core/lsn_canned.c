/*
 * Liaison: answer on receipt, canned answers matched by keywords.
 */


#ifndef _GNU_SOURCE
#define _GNU_SOURCE    /* memmem() */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsn_canned.h"
#include "lsn_text.h"


#define LSN_CANNED_NUMBER_DIGITS  7    /* a phone, an ID number */


typedef struct {
    unsigned short       off;
    unsigned short       len;
} lsn_canned_alt_t;


typedef struct {
    unsigned             first;
    unsigned             n;
    unsigned             negated;
} lsn_canned_group_t;


typedef struct {
    unsigned long        id;
    int                  category;
    char                *keys;         /* folded keyword list */
    char                *body;
    size_t               body_len;
    size_t               ngroups;
    size_t               nalts;
    lsn_canned_group_t   groups[LSN_CANNED_GROUPS_MAX];
    lsn_canned_alt_t     alts[LSN_CANNED_ALTS_MAX];
} lsn_canned_entry_t;


struct lsn_canned_s {
    size_t               n;
    size_t               cap;
    lsn_canned_entry_t **e;
};


static int lsn_canned_compile(const char *s, size_t len,
    lsn_canned_entry_t *e, char *err, size_t errlen);
static int lsn_canned_fits(const lsn_canned_entry_t *e, const char *text,
    size_t len);
static int lsn_canned_has(const char *text, size_t len, const char *s,
    size_t slen);
static lsn_canned_verdict_e lsn_canned_numbers(const char *text,
    size_t len);
static int lsn_canned_type_char(const char *text, size_t at);
static void lsn_canned_collect(const lsn_canned_t *c, const char *text,
    size_t len, const lsn_canned_entry_t **first,
    const lsn_canned_entry_t **second);
static int lsn_canned_question(const char *p, size_t len, int mark);
static char *lsn_canned_clause(char *p, char *end, size_t *seplen);
static lsn_canned_verdict_e lsn_canned_check(lsn_track_e track,
    size_t nrisks, int has_case, const char *folded, size_t flen,
    const char **cue);


/*
 * Cues that a person must read the request, folded.  Substrings: keep
 * each long enough not to occur in a plain question ("拖了", not "拖",
 * which is in "拖欠").
 */
const char *lsn_canned_cues[] = {
    /* complaints, dissatisfaction */
    "投诉", "举报", "控告", "不满", "不公", "不合理", "不像话", "太差",
    "很差", "差劲", "差评", "态度", "推诿", "推脱", "刁难", "敷衍", "失职",
    "渎职", "不作为", "乱收费", "凭什么", "欺负", "腐败", "黑幕", "冤",
    "打不通", "没人接", "没人管", "没人理", "不回复", "不答复", "不理人",
    "找不到人", "踢皮球", "失望", "生气", "气愤", "愤怒", "气死", "垃圾",
    "搞什么", "什么破",

    /* urging, waiting */
    "催", "尽快", "赶快", "赶紧", "抓紧", "马上", "立刻", "立即", "加急",
    "急", "一直", "还没", "还未", "还不", "还是不", "还是没", "仍然", "仍未",
    "依然", "迟迟",
    "至今", "到现在", "到底", "拖了", "拖延", "拖着", "拖这么", "一拖再拖",
    "多久了", "等了", "这么久", "那么久", "怎么回事", "为什么还",
    "为什么没", "为什么不", "怎么还", "没收到", "没有收到", "未收到",
    "没动静", "没消息", "效率", "为什么", "为何", "被拒", "拒绝",
    "能通过", "通过没", "没通过", "不通过",

    /* a second question */
    "还有", "另外", "顺便", "再问", "还想问", "还想知道",

    /* a case of one's own, its progress or outcome */
    "我的案", "我们的案", "我案", "我这个", "我们这个", "我家的案",
    "我的官司", "我的诉讼", "我的执行", "我的判决", "我的上诉", "我的申请",
    "我的立案", "我的材料", "我的证据", "本案", "该案", "此案", "这个案",
    "这起案", "这宗案", "那个案", "我起诉的", "我告的", "我上诉的",
    "我申请的", "我提交的", "我交的", "我已经", "我昨天", "我今天",
    "我前天", "我上周", "我上个月", "我前几天", "我刚", "帮我查", "帮我看",
    "帮忙查", "给我查", "查一下我", "查下我", "我女儿", "我儿子", "我爸",
    "我妈", "我父亲", "我母亲", "我丈夫", "我妻子", "我老公", "我老婆",
    "我家人", "我亲戚", "这种情况", "这种情形", "我这种", "到哪一步", "到哪了", "哪一步了",
    "到什么阶段", "出来了吗", "出来没", "下来了吗", "下来没", "好了没",
    "有结果了", "结果出", "了吗", "了没", "被退回", "驳回", "不予受理", "不予立案",
    "不给立案", "不让立案", "不受理", "补正",

    /* a judge or a named official */
    "法官", "审判员", "书记员", "庭长", "院长", "执行员", "承办人",
    "经办人", "工作人员",

    /* the merits, legal advice on one's facts */
    "能赢", "会赢", "赢吗", "赢面", "判赢", "胜算", "能胜诉", "会胜诉",
    "胜诉率", "胜诉的可能", "会败诉", "败诉的可能", "会输", "输了", "判输",
    "会判", "怎么判", "判多少", "判几年", "赔多少", "赔偿多少", "要赔",
    "该赔", "合法", "违法", "有效吗", "无效", "算不算", "构成", "责任",
    "离得了", "能不能离", "判给", "抚养权", "分财产", "怎么分", "坐牢",
    "判刑", "但是", "可是", "联系不上", "找不到他", "找不到她", "死了",
    "去世", "过世", "死亡",

    /* distress */
    "求求", "救救", "帮帮我", "可怜", "走投无路", "没办法了", "怎么活",
    "哭", "寒心", "心寒", "绝望", "崩溃",

    NULL
};


/* words that make a clause a question */
static const char  *lsn_canned_asks[] = {
    "怎么", "怎样", "如何", "吗", "哪", "什么", "多少", "多久", "几", "是否",
    "能否", "可否", "可不可以", "能不能", "有没有", "要不要", "呢", NULL
};


static const char  *lsn_canned_verdicts[] = {
    "answer", "ordinary", "risk", "case", "long", "cue", "none",
    "ambiguous", "category", "invalid"
};


/* the last character of a case type code before its serial number */
static const char  *lsn_canned_type_chars[] = {
    "初", "终", "申", "执", "审", "监", "再", "保", "督", "破", "恢", "异",
    "复", "抗", "辖", "他", "核", "更", "特", "撤", "催", "赔", "清", "没",
    NULL
};


#define LSN_CATEGORY_CONSULTATION  1
#define LSN_CATEGORY_OTHER         7


const char *
lsn_canned_verdict_name(lsn_canned_verdict_e v)
{
    return (unsigned) v <= LSN_CANNED_INVALID ? lsn_canned_verdicts[v]
                                              : "unknown";
}


lsn_canned_t *
lsn_canned_create(void)
{
    return calloc(1, sizeof(lsn_canned_t));
}


void
lsn_canned_free(lsn_canned_t *c)
{
    size_t  i;

    if (c == NULL) {
        return;
    }

    for (i = 0; i < c->n; i++) {
        free(c->e[i]->keys);
        free(c->e[i]->body);
        free(c->e[i]);
    }

    free(c->e);
    free(c);
}


size_t
lsn_canned_count(const lsn_canned_t *c)
{
    return c ? c->n : 0;
}


int
lsn_canned_keywords_check(const char *s, size_t len, char *err,
    size_t errlen)
{
    int                  rc;
    lsn_canned_entry_t  *e;

    e = calloc(1, sizeof(lsn_canned_entry_t));
    if (e == NULL) {
        snprintf(err, errlen, "内存不足");
        return -1;
    }

    rc = lsn_canned_compile(s, len, e, err, errlen);

    free(e->keys);
    free(e);

    return rc;
}


int
lsn_canned_add(lsn_canned_t *c, unsigned long id, int category,
    const char *keywords, size_t klen, const char *body, size_t blen,
    char *err, size_t errlen)
{
    size_t                cap;
    lsn_canned_entry_t   *e, **grown;

    e = calloc(1, sizeof(lsn_canned_entry_t));
    if (e == NULL) {
        snprintf(err, errlen, "内存不足");
        return -1;
    }

    if (lsn_canned_compile(keywords, klen, e, err, errlen) != 0) {
        free(e->keys);
        free(e);
        return -1;
    }

    if (e->ngroups == 0) {
        snprintf(err, errlen, "没有关键词，不能自动答复");
        free(e->keys);
        free(e);
        return -1;
    }

    e->id = id;
    e->category = category;
    e->body = malloc(blen + 1);

    if (e->body == NULL) {
        goto nomem;
    }

    memcpy(e->body, body, blen);
    e->body[blen] = '\0';
    e->body_len = blen;

    if (c->n == c->cap) {
        cap = c->cap ? 2 * c->cap : 64;
        grown = realloc(c->e, cap * sizeof(lsn_canned_entry_t *));
        if (grown == NULL) {
            goto nomem;
        }

        c->e = grown;
        c->cap = cap;
    }

    c->e[c->n++] = e;

    return 0;

nomem:

    snprintf(err, errlen, "内存不足");
    free(e->body);
    free(e->keys);
    free(e);

    return -1;
}


/*
 * Folds the list into e->keys and records its groups and alternatives.
 * An empty list gives no groups.
 */

static int
lsn_canned_compile(const char *s, size_t len, lsn_canned_entry_t *e,
    char *err, size_t errlen)
{
    char                *keys, *p, *end, *semi, *bar, *gend, *aend;
    size_t               n, i;
    unsigned             group;
    lsn_canned_group_t  *g;

    if (len > LSN_CANNED_KEYWORDS_MAX) {
        snprintf(err, errlen, "关键词不能超过 %d 字节",
                 LSN_CANNED_KEYWORDS_MAX);
        return -1;
    }

    if (len && lsn_text_valid((const unsigned char *) s, len, 0,
                              LSN_CANNED_KEYWORDS_MAX)
               != 0)
    {
        snprintf(err, errlen, "关键词须为不含控制字符的文字");
        return -1;
    }

    keys = malloc(len + 1);
    if (keys == NULL) {
        snprintf(err, errlen, "内存不足");
        return -1;
    }

    e->keys = keys;
    n = lsn_text_fold((const unsigned char *) s, len, (unsigned char *) keys);

    if (n == 0) {
        return 0;
    }

    p = keys;
    end = keys + n;
    group = 0;

    for ( ;; ) {
        semi = memchr(p, ';', end - p);
        gend = semi ? semi : end;
        group++;

        if (e->ngroups == LSN_CANNED_GROUPS_MAX) {
            snprintf(err, errlen, "关键词最多 %d 组", LSN_CANNED_GROUPS_MAX);
            return -1;
        }

        g = &e->groups[e->ngroups++];
        g->first = (unsigned) e->nalts;

        if (p < gend && *p == '!') {
            g->negated = 1;
            p++;
        }

        if (p == gend) {
            snprintf(err, errlen, "第 %u 组关键词为空", group);
            return -1;
        }

        for ( ;; ) {
            bar = memchr(p, '|', gend - p);
            aend = bar ? bar : gend;

            if (aend == p) {
                snprintf(err, errlen, "第 %u 组有空的备选词（多了“|”）",
                         group);
                return -1;
            }

            if (memchr(p, '!', aend - p)) {
                snprintf(err, errlen, "第 %u 组：“!”只能写在一组的开头",
                         group);
                return -1;
            }

            if (lsn_utf8_count((unsigned char *) p, aend - p)
                > LSN_CANNED_ALT_MAX)
            {
                /* quoted by its first characters: err stays UTF-8 */
                snprintf(err, errlen, "第 %u 组的“%.*s……”超过 %d 个字",
                         group, (int) lsn_utf8_prefix(p, aend - p, 10, NULL),
                         p, LSN_CANNED_ALT_MAX);
                return -1;
            }

            if (e->nalts == LSN_CANNED_ALTS_MAX) {
                snprintf(err, errlen, "备选词合计最多 %d 个",
                         LSN_CANNED_ALTS_MAX);
                return -1;
            }

            e->alts[e->nalts].off = (unsigned short) (p - keys);
            e->alts[e->nalts].len = (unsigned short) (aend - p);
            e->nalts++;
            g->n++;

            if (bar == NULL) {
                break;
            }

            p = bar + 1;
        }

        if (semi == NULL) {
            break;
        }

        p = semi + 1;
    }

    for (i = 0; i < e->ngroups; i++) {
        if (!e->groups[i].negated) {
            return 0;
        }
    }

    snprintf(err, errlen, "至少要有一组不以“!”开头的关键词");

    return -1;
}


static int
lsn_canned_has(const char *text, size_t len, const char *s, size_t slen)
{
    return memmem(text, len, s, slen) != NULL;
}


static int
lsn_canned_fits(const lsn_canned_entry_t *e, const char *text, size_t len)
{
    size_t                     i, j;
    int                        hit;
    const lsn_canned_alt_t    *a;
    const lsn_canned_group_t  *g;

    for (i = 0; i < e->ngroups; i++) {
        g = &e->groups[i];
        hit = 0;

        for (j = 0; j < g->n && !hit; j++) {
            a = &e->alts[g->first + j];
            hit = lsn_canned_has(text, len, e->keys + a->off, a->len);
        }

        if (hit == (int) g->negated) {
            return 0;
        }
    }

    return 1;
}


/* 1 when the character ending just before byte "at" ends a type code */

static int
lsn_canned_type_char(const char *text, size_t at)
{
    size_t  i;

    if (at < 3) {
        return 0;
    }

    for (i = 0; lsn_canned_type_chars[i]; i++) {
        if (memcmp(text + at - 3, lsn_canned_type_chars[i], 3) == 0) {
            return 1;
        }
    }

    /* the old form "(2013)广海法初字第438号" */
    return at >= 6 && memcmp(text + at - 6, "字第", 6) == 0;
}


/*
 * A case number in the text ("(2024)...", "民初1234号", "执567") is
 * LSN_CANNED_CASE; a long number (a phone, an ID) LSN_CANNED_CUE; else
 * LSN_CANNED_NONE.
 */

static lsn_canned_verdict_e
lsn_canned_numbers(const char *text, size_t len)
{
    size_t  i, start, digits;

    for (i = 0; i < len; ) {
        if (text[i] < '0' || text[i] > '9') {
            i++;
            continue;
        }

        start = i;

        while (i < len && text[i] >= '0' && text[i] <= '9') {
            i++;
        }

        digits = i - start;

        if (digits >= LSN_CANNED_NUMBER_DIGITS) {
            return LSN_CANNED_CUE;
        }

        /* "(2024)": the year of a case number */
        if (digits == 4 && start > 0 && text[start - 1] == '('
            && i < len && text[i] == ')'
            && (memcmp(text + start, "19", 2) == 0
                || memcmp(text + start, "20", 2) == 0))
        {
            return LSN_CANNED_CASE;
        }

        if (lsn_canned_type_char(text, start)
            && (digits >= 2
                || (i + 3 <= len && memcmp(text + i, "号", 3) == 0)))
        {
            return LSN_CANNED_CASE;
        }
    }

    return LSN_CANNED_NONE;
}


/* Notes the first two answers that fit text. */

static void
lsn_canned_collect(const lsn_canned_t *c, const char *text, size_t len,
    const lsn_canned_entry_t **first, const lsn_canned_entry_t **second)
{
    size_t                     i;
    const lsn_canned_entry_t  *e;

    for (i = 0; i < c->n && *second == NULL; i++) {
        e = c->e[i];

        if (e == *first || !lsn_canned_fits(e, text, len)) {
            continue;
        }

        if (*first == NULL) {
            *first = e;

        } else {
            *second = e;
        }
    }
}


/* 1 when a clause asks something: a question mark or word. */

static int
lsn_canned_question(const char *p, size_t len, int mark)
{
    size_t  i;

    if (mark) {
        return 1;
    }

    for (i = 0; lsn_canned_asks[i]; i++) {
        if (lsn_canned_has(p, len, lsn_canned_asks[i],
                           strlen(lsn_canned_asks[i])))
        {
            return 1;
        }
    }

    return 0;
}


/* The end of the clause at p: a , . ? ! ; (folded) or 。, or end. */

static char *
lsn_canned_clause(char *p, char *end, size_t *seplen)
{
    for ( ; p < end; p++) {
        if (*p == ',' || *p == '.' || *p == '?' || *p == '!' || *p == ';') {
            *seplen = 1;
            return p;
        }

        if (end - p >= 3 && memcmp(p, "。", 3) == 0) {
            *seplen = 3;
            return p;
        }
    }

    *seplen = 0;

    return end;
}


static lsn_canned_verdict_e
lsn_canned_check(lsn_track_e track, size_t nrisks, int has_case,
    const char *folded, size_t flen, const char **cue)
{
    size_t                i;
    lsn_canned_verdict_e  v;

    *cue = NULL;

    if (track != LSN_TRACK_SIMPLE) {
        return LSN_CANNED_ORDINARY;
    }

    if (nrisks) {
        return LSN_CANNED_RISK;
    }

    if (has_case) {
        return LSN_CANNED_CASE;
    }

    if (lsn_utf8_count((const unsigned char *) folded, flen)
        > LSN_CANNED_TEXT_MAX)
    {
        return LSN_CANNED_LONG;
    }

    for (i = 0; lsn_canned_cues[i]; i++) {
        if (lsn_canned_has(folded, flen, lsn_canned_cues[i],
                           strlen(lsn_canned_cues[i])))
        {
            *cue = lsn_canned_cues[i];
            return LSN_CANNED_CUE;
        }
    }

    v = lsn_canned_numbers(folded, flen);

    if (v == LSN_CANNED_CUE) {
        *cue = "(a number)";
    }

    return v;
}


lsn_canned_verdict_e
lsn_canned_eligible(lsn_track_e track, size_t nrisks, int has_case,
    const char *text, size_t len, const char **cue)
{
    char                  *folded;
    size_t                 flen;
    const char            *found;
    lsn_canned_verdict_e   v;

    if (cue) {
        *cue = NULL;
    }

    if (lsn_utf8_count((const unsigned char *) text, len) < 0) {
        return LSN_CANNED_INVALID;
    }

    folded = malloc(len + 1);
    if (folded == NULL) {
        return LSN_CANNED_INVALID;
    }

    flen = lsn_text_fold((const unsigned char *) text, len,
                         (unsigned char *) folded);

    v = lsn_canned_check(track, nrisks, has_case, folded, flen, &found);
    free(folded);

    if (cue) {
        *cue = found;
    }

    return v;
}


lsn_canned_verdict_e
lsn_canned_decide(const lsn_canned_t *c, int category, lsn_track_e track,
    size_t nrisks, int has_case, const char *text, size_t len,
    lsn_canned_result_t *res)
{
    char                      *folded, *p, *q, *end;
    size_t                     flen, seplen;
    const lsn_canned_entry_t  *only, *first, *second;

    memset(res, 0, sizeof(lsn_canned_result_t));

    if (lsn_utf8_count((const unsigned char *) text, len) < 0) {
        res->verdict = LSN_CANNED_INVALID;
        return res->verdict;
    }

    folded = malloc(len + 1);
    if (folded == NULL) {
        res->verdict = LSN_CANNED_INVALID;
        return res->verdict;
    }

    flen = lsn_text_fold((const unsigned char *) text, len,
                         (unsigned char *) folded);

    res->verdict = lsn_canned_check(track, nrisks, has_case, folded, flen,
                                    &res->cue);

    if (res->verdict != LSN_CANNED_NONE || c == NULL) {
        free(folded);
        return res->verdict;
    }

    /*
     * One answer must fit the whole text (its exclusions apply to all of
     * it), and no other the whole text or a clause that asks something:
     * a request that asks two things ("怎么申请执行，执行款多久到账")
     * must not get one answer because an exclusion of the other hid it.
     */
    first = NULL;
    second = NULL;
    lsn_canned_collect(c, folded, flen, &first, &second);

    end = folded + flen;
    p = (first && second == NULL) ? folded : end;

    while (second == NULL && p < end) {
        q = lsn_canned_clause(p, end, &seplen);

        if (p == folded && q == end) {
            break;
        }

        if (lsn_canned_question(p, q - p, seplen == 1 && *q == '?')) {
            lsn_canned_collect(c, p, q - p, &first, &second);
        }

        p = q + seplen;
    }

    free(folded);

    if (first == NULL) {
        return res->verdict;
    }

    res->id = first->id;
    only = first;

    if (second) {
        res->other = second->id;
        res->verdict = LSN_CANNED_AMBIGUOUS;
        return res->verdict;
    }

    if (only->category != category && category != LSN_CATEGORY_CONSULTATION
        && category != LSN_CATEGORY_OTHER)
    {
        res->verdict = LSN_CANNED_CATEGORY;
        return res->verdict;
    }

    res->verdict = LSN_CANNED_ANSWER;
    res->body = only->body;
    res->body_len = only->body_len;

    return res->verdict;
}
