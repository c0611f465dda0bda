/*
 * Liaison: the one table of what people read for the codes of the API
 * (statuses, tracks, categories, channels, roles, timeline events, risk
 * stages and levels, escalations, attachment purposes, actors).  The
 * module serves it (GET /site, and every timeline item's label), the
 * console reads it from there, the worker's pushes and bulletin use it.
 * Plain C: shared by the module, the worker and unit tests.
 */

#ifndef _LSN_LABELS_H_INCLUDED_
#define _LSN_LABELS_H_INCLUDED_


#include <stddef.h>


typedef enum {
    LSN_LABEL_STATUS = 0,
    LSN_LABEL_TRACK,
    LSN_LABEL_CATEGORY,
    LSN_LABEL_CHANNEL,
    LSN_LABEL_ROLE,
    LSN_LABEL_EVENT,
    LSN_LABEL_RISK_STAGE,
    LSN_LABEL_RISK_LEVEL,
    LSN_LABEL_ESCALATION,       /* tickets.escalation_level 1..3 */
    LSN_LABEL_LADDER,           /* escalations.level 0..4 */
    LSN_LABEL_PURPOSE,          /* attachments.purpose */
    LSN_LABEL_ACTOR,            /* ticket_events.actor_kind */
    LSN_LABEL_COUNT
} lsn_label_kind_e;


typedef struct {
    const char  *code;
    const char  *label;
} lsn_label_t;


/* the kinds' names (the keys of GET /site's "labels"), by the enum */
extern const char *lsn_label_kinds[];

/* A kind's table, ended by {NULL, NULL}. */
const lsn_label_t *lsn_labels(lsn_label_kind_e kind);

/* The label of a code (len bytes), or NULL when the code is unknown. */
const char *lsn_label(lsn_label_kind_e kind, const char *code, size_t len);

/* The same, or the code itself when it has no label (never NULL). */
const char *lsn_label_or_code(lsn_label_kind_e kind, const char *code);


#endif /* _LSN_LABELS_H_INCLUDED_ */
