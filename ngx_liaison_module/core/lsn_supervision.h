/*
 * Liaison: A17 special supervision (专项督办) — why a matter goes under it,
 * when an idle work order does, and the statements that put tickets under
 * it, shared by the module (ratings, by hand) and the worker (repeated
 * complaints, idle work orders) so that both record and tell it the same
 * way.
 * Plain C: shared by the module, the worker and unit tests.
 */

#ifndef _LSN_SUPERVISION_H_INCLUDED_
#define _LSN_SUPERVISION_H_INCLUDED_


#include <time.h>
#include "lsn_calendar.h"
#include "lsn_outbox.h"


typedef enum {
    LSN_SUPERVISE_COMPLAINTS = 0,   /* repeated complaints, one matter */
    LSN_SUPERVISE_RATING,           /* a satisfaction rating of 1 or 2 */
    LSN_SUPERVISE_IDLE,             /* no action for N working days */
    LSN_SUPERVISE_MANUAL,           /* a leader or the filing division */
    LSN_SUPERVISE_COUNT
} lsn_supervise_reason_e;


/* tickets.supervised_reason, by lsn_supervise_reason_e; NULL-terminated */
extern const char *lsn_supervise_reasons[];

/* The highest rating that starts supervision (of 1..5). */
#define LSN_SUPERVISE_RATING_MAX  2

/*
 * The reason as people read it, in the event note and the alert, e.g.
 * "当事人评价不满意（1星）" for a rating of 1 (detail: the rating, or the
 * idle working days; ignored by the others).  Writes at most cap bytes,
 * NUL-terminated; returns the length.
 */
size_t lsn_supervise_reason_zh(lsn_supervise_reason_e reason, int detail,
    char *buf, size_t cap);

/*
 * The instant a work order whose last action was at last_action goes
 * under supervision when nothing more happens: idle_days working days
 * later (0 when idle_days < 1: the rule is off).
 */
time_t lsn_supervise_idle_at(const lsn_calendar_t *cal, time_t last_action,
    int idle_days);


/*
 * The three statements that put the tickets t of a condition under
 * supervision, in this order, each followed by that condition (bound by
 * the caller) and run in one transaction; each touches only tickets not
 * yet supervised, so a ticket is put under it, recorded and told of once:
 *
 *   LSN_SUPERVISE_EVENT   values: actor kind ($z 'staff' or 'system'),
 *                         actor id ($u, 0 for none), the note ($s), now ($t)
 *   LSN_SUPERVISE_OUTBOX(col)  once for s.mobile (SMS) and once for
 *                         s.wecom_userid (WeCom), joined by UNION ALL
 *                         after LSN_OUTBOX_INSERT; values: channel ($z),
 *                         reason ($s), kind ($z), now ($t $t)
 *   LSN_SUPERVISE_UPDATE  values: now ($t), reason ($z)
 */
#define LSN_SUPERVISE_EVENT                                                   \
    "INSERT INTO ticket_events (ticket_id, type, actor_kind, actor_id, "     \
    "status_from, status_to, note, public, created_at) "                     \
    "SELECT t.id, 'supervised', $z, NULLIF($u, 0), t.status, t.status, "     \
    "$s, 0, $t FROM tickets t WHERE t.supervised = 0 AND "

/*
 * The alert goes to the leader of the ticket's department, or of the
 * case-filing division while it has none (staff s, departments ld).
 */
#define LSN_SUPERVISE_OUTBOX(col)                                             \
    "SELECT $z, " col ", NULL, " LSN_OUTBOX_TEXT(                            \
        "CONCAT('【专项督办】诉求 ', t.ticket_no, '（', ld.name, '）：', "   \
        "$s, '，已列入专项督办，请督促承办人员限期办理。')") ", "             \
    "t.id, $z, $t, $t FROM tickets t JOIN departments ld ON ld.id = "        \
    "COALESCE(t.department_id, (SELECT MIN(id) FROM departments "            \
    "WHERE kind = 'filing')) "                                               \
    "JOIN staff s ON s.id = ld.leader_staff_id AND s.active = 1 "            \
    "WHERE t.supervised = 0 AND " col " IS NOT NULL AND "

#define LSN_SUPERVISE_UPDATE                                                  \
    "UPDATE tickets t SET t.supervised = 1, t.supervised_at = $t, "          \
    "t.supervised_reason = $z WHERE t.supervised = 0 AND "


#endif /* _LSN_SUPERVISION_H_INCLUDED_ */
