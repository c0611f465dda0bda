/*
 * Liaison: answer on receipt (A4 接诉即答).  A simple request that one
 * canned answer fits with confidence is answered at once.
 *
 * Each canned answer that may answer automatically has keywords, kept by
 * administrators, so plain text and no patterns:
 *
 *     诉讼费|受理费;怎么交|如何缴;!退|缓交
 *
 * Groups are separated by ';', alternatives within a group by '|'; a
 * group that starts with '!' is a group of exclusions.  Keywords and the
 * request meet in the folded form of lsn_text_fold() (no white space,
 * full-width ASCII made ASCII, ASCII lower case; so "；", "｜" and "！"
 * serve as well), as substrings.  An answer fits a request when every
 * group has a hit and no exclusion group has one.
 *
 * The request is answered only when the decision is confident, in this
 * order (the first that fails is the verdict):
 *   - its track is simple and no risk rule (A10) hit it;
 *   - it names no case (no case number given, none in the text): the
 *     litigant then wants that case looked at, which a person does;
 *   - it is at most LSN_CANNED_TEXT_MAX characters once folded: a
 *     question with a greeting and a line of context fits (the simple
 *     questions of the labelled set are all under 30); longer texts tell
 *     a situation and ask about it, which a fixed answer does not meet;
 *   - it holds none of the cues that a person must read it (complaints,
 *     urging, a case of one's own, a judge, the merits, distress, a
 *     phone or ID number: lsn_canned_cues[]);
 *   - exactly one canned answer fits the whole text, and no other fits
 *     any of its clauses that asks something (two or more: ambiguous);
 *   - that answer's category is the request's, or the request's is
 *     consultation or other, the two that litigants file any general
 *     question under.
 *
 * Plain C: shared by the module and unit tests.
 */

#ifndef _LSN_CANNED_H_INCLUDED_
#define _LSN_CANNED_H_INCLUDED_


#include <stddef.h>
#include "lsn_ticket.h"


#define LSN_CANNED_TEXT_MAX      60    /* characters, folded */
#define LSN_CANNED_KEYWORDS_MAX  2000  /* bytes of a keyword list */
#define LSN_CANNED_GROUPS_MAX    8
#define LSN_CANNED_ALTS_MAX      256   /* alternatives in all groups */
#define LSN_CANNED_ALT_MAX       30    /* characters of one alternative */


typedef enum {
    LSN_CANNED_ANSWER = 0,      /* one answer fits: answer with it */
    LSN_CANNED_ORDINARY,        /* the ordinary track */
    LSN_CANNED_RISK,            /* a risk signal */
    LSN_CANNED_CASE,            /* names a case */
    LSN_CANNED_LONG,            /* longer than LSN_CANNED_TEXT_MAX */
    LSN_CANNED_CUE,             /* a person must read it */
    LSN_CANNED_NONE,            /* no answer fits */
    LSN_CANNED_AMBIGUOUS,       /* two or more fit */
    LSN_CANNED_CATEGORY,        /* one fits, of another category */
    LSN_CANNED_INVALID          /* not UTF-8, or out of memory */
} lsn_canned_verdict_e;


typedef struct lsn_canned_s  lsn_canned_t;


typedef struct {
    lsn_canned_verdict_e   verdict;
    unsigned long          id;         /* ANSWER, CATEGORY: the answer */
    unsigned long          other;      /* AMBIGUOUS: a second one */
    const char            *cue;        /* CUE: the cue found */
    const char            *body;       /* ANSWER: the answer's text, */
    size_t                 body_len;   /*   valid while the set lives */
} lsn_canned_result_t;


/* An empty set; NULL when out of memory. */
lsn_canned_t *lsn_canned_create(void);
void lsn_canned_free(lsn_canned_t *c);
size_t lsn_canned_count(const lsn_canned_t *c);

/*
 * 0 when s is a valid keyword list (an empty one is: it never fits),
 * else -1 with a message for people (Simplified Chinese) in err.
 */
int lsn_canned_keywords_check(const char *s, size_t len, char *err,
    size_t errlen);

/*
 * Adds an answer (id > 0, category an lsn_category_index(), body its
 * text, copied).  Returns 0, or -1 with a message in err when the
 * keywords are not valid, they are empty, or out of memory.
 */
int lsn_canned_add(lsn_canned_t *c, unsigned long id, int category,
    const char *keywords, size_t klen, const char *body, size_t blen,
    char *err, size_t errlen);

/*
 * The checks that need no answers (track, risk, case, length, cues):
 * LSN_CANNED_NONE when the request may be answered automatically if an
 * answer fits, else the verdict; *cue names the cue found (may be NULL).
 */
lsn_canned_verdict_e lsn_canned_eligible(lsn_track_e track, size_t nrisks,
    int has_case, const char *text, size_t len, const char **cue);

/*
 * The whole decision over the set c (NULL: an empty set) for a request
 * of the category (lsn_category_index()).  Returns res->verdict.
 */
lsn_canned_verdict_e lsn_canned_decide(const lsn_canned_t *c, int category,
    lsn_track_e track, size_t nrisks, int has_case, const char *text,
    size_t len, lsn_canned_result_t *res);

/* "answer", "ordinary", "risk", ... for logs */
const char *lsn_canned_verdict_name(lsn_canned_verdict_e v);

/* the cues, NULL-terminated */
extern const char *lsn_canned_cues[];


#endif /* _LSN_CANNED_H_INCLUDED_ */
