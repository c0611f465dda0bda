/*
 * Liaison: triage rules (繁简分流, A4/A5) and risk signals (A10) as data.
 *
 * A rules file holds one rule a line; '#' starts a comment line:
 *
 *     <id>  <action>  <label>  <categories>  <pattern>
 *
 *   id          1..32 of [A-Za-z0-9._-], unique in the file
 *   action      ordinary  the request goes to a judge or department (A5)
 *               simple    a request of category "other" that platform
 *                         staff can answer (A4)
 *               risk      a risk or sensitive-event signal (A10): the
 *                         ticket is flagged and a risk opened; the track
 *                         is not changed.  "risk:LEVEL" gives the risk's
 *                         level (low, medium, high, urgent; default high)
 *   label       1..32 of [a-z0-9_], what the rule recognises
 *   categories  "*" or a comma list of ticket categories the rule
 *               applies to (lsn_categories[])
 *   pattern     the rest of the line: a PCRE2 pattern, compiled with
 *               UTF, UCP and CASELESS
 *
 * Text is matched in the folded form of lsn_text_fold(): full-width
 * ASCII (U+FF01..U+FF5E) becomes ASCII, ASCII letters lower case, and
 * white space (ASCII, U+3000) is removed, so "跳 楼" matches "跳楼".
 *
 * The track: a category of contact_judge or complaint is ordinary; else
 * the first matching ordinary rule makes it ordinary; else a simple
 * category stays simple; else (category "other") the first matching
 * simple rule makes it simple; else ordinary.  Every risk rule is tried.
 *
 * Patterns are compiled once, in lsn_triage_load(); classifying does not
 * allocate except the PCRE2 match data (one per call).
 */

#ifndef _LSN_TRIAGE_H_INCLUDED_
#define _LSN_TRIAGE_H_INCLUDED_


#include <stddef.h>
#include "lsn_ticket.h"


#define LSN_TRIAGE_MAX_RULES  1024
#define LSN_TRIAGE_MAX_HITS   8
#define LSN_TRIAGE_ID_MAX     32


typedef enum {
    LSN_RULE_ORDINARY = 0,
    LSN_RULE_SIMPLE,
    LSN_RULE_RISK
} lsn_rule_action_e;


/* the levels of an A10 risk, lowest first */
typedef enum {
    LSN_RISK_LOW = 0,
    LSN_RISK_MEDIUM,
    LSN_RISK_HIGH,
    LSN_RISK_URGENT
} lsn_risk_level_e;


typedef struct {
    char                 id[LSN_TRIAGE_ID_MAX + 1];
    char                 label[LSN_TRIAGE_ID_MAX + 1];
    lsn_rule_action_e    action;
    lsn_risk_level_e     level;        /* risk rules */
    unsigned             categories;   /* bit i: lsn_categories[i] */
    int                  line;
} lsn_rule_t;


typedef struct lsn_triage_s  lsn_triage_t;


typedef struct {
    lsn_track_e          track;
    const lsn_rule_t    *track_rule;   /* NULL: decided by the category */
    size_t               nrisks;
    const lsn_rule_t    *risks[LSN_TRIAGE_MAX_HITS];
} lsn_triage_result_t;


/*
 * Reads and compiles a rules file.  Returns NULL with a message in err
 * ("file:line: what") on any error: a bad line, an unknown action or
 * category, a duplicate id, a pattern PCRE2 refuses, no rules at all.
 */
lsn_triage_t *lsn_triage_load(const char *path, char *err, size_t errlen);

/* The same from text in memory; name is used in messages. */
lsn_triage_t *lsn_triage_parse(const char *text, size_t len,
    const char *name, char *err, size_t errlen);

void lsn_triage_free(lsn_triage_t *t);

size_t lsn_triage_count(const lsn_triage_t *t);
const lsn_rule_t *lsn_triage_rule(const lsn_triage_t *t, size_t i);

/*
 * Classifies text (UTF-8) of a ticket of the given category
 * (lsn_category_index()).  t may be NULL: the category alone decides.
 * Returns 0, or -1 when the text is not valid UTF-8 or out of memory
 * (res then holds the category's decision and no risks).
 */
int lsn_triage_classify(const lsn_triage_t *t, int category,
    const char *text, size_t len, lsn_triage_result_t *res);

/* "ordinary", "simple", "risk". */
const char *lsn_rule_action_name(lsn_rule_action_e action);

/* "low" .. "urgent" by lsn_risk_level_e, NULL-terminated; index or -1 */
extern const char *lsn_risk_levels[];
int lsn_risk_level_index(const char *s, size_t len);

/* Chinese names of a level and of a risk rule's label (the label itself
   when it has none) */
const char *lsn_risk_level_zh(lsn_risk_level_e level);
const char *lsn_risk_label_zh(const char *label);


#endif /* _LSN_TRIAGE_H_INCLUDED_ */
