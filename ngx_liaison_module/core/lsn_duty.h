/*
 * Liaison: recorded duties and their follow-through.
 *
 *   A12  the bulletin's items for the trial-management office and the
 *        political department, who each acknowledge theirs;
 *   A14  follow-up items ("回头看"): their owner reminded before and at
 *        the due date, the one who assigned it told when it is overdue;
 *   A15  liaison changes: reported within 5 working days of the change,
 *        published within 2 of the report, alerts on the last day on
 *        time and once the limit has passed.
 *
 * Plain C: shared by the module, the worker and unit tests.
 */

#ifndef _LSN_DUTY_H_INCLUDED_
#define _LSN_DUTY_H_INCLUDED_


#include <stddef.h>
#include <time.h>

#include "lsn_calendar.h"
#include "lsn_workflow.h"


/* A15: working days to report a liaison change, and to publish it */
#define LSN_LIAISON_REPORT_DAYS   5
#define LSN_LIAISON_PUBLISH_DAYS  2


/*
 * A12: the offices the bulletin addresses.  An account holds an office's
 * duty when its department's kind is the duty's name and its role is one
 * of LSN_ROLES_DUTY (the office's leader and liaisons).
 */
typedef enum {
    LSN_DUTY_TRIAL_MGMT = 0,    /* 审判管理办公室: case-flow issues */
    LSN_DUTY_POLITICAL,         /* 政治部: discipline issues */
    LSN_DUTY_COUNT
} lsn_duty_e;

/* by lsn_duty_e, NULL-terminated: department kinds, office names, what
   the bulletin addresses to each, and its key in the bulletin's JSON */
extern const char *lsn_duty_names[];
extern const char *lsn_duty_offices[];
extern const char *lsn_duty_topics[];
extern const char *lsn_duty_sections[];

/* The duty of a department kind, or -1. */
int lsn_duty_index(const char *kind, size_t len);

/* the roles of an office that hold its duty: its leader and liaisons */
#define LSN_ROLES_DUTY  LSN_ROLES_ASSIGNERS

/*
 * The same as a condition on staff s of department d: the department's
 * leader and liaisons (who also receive its liaison-change alerts).
 */
#define LSN_DUTY_HOLDERS_SQL                                                  \
    "(s.role IN ('dept_leader', 'liaison') OR s.id = d.leader_staff_id)"

/* 1 when an account of the role holds its department's duty. */
int lsn_duty_holder(int role);


/*
 * A limit of n working days from a day (00:00 of a date): the last day on
 * time, 00:00 (the n-th working day after it, as
 * lsn_calendar_add_working_days() counts: the day itself is not counted,
 * a non-working day counts from the next working day).  Something done
 * on day d is late when lsn_calendar_working_days_between(day, d) > n.
 */
time_t lsn_duty_due_day(const lsn_calendar_t *cal, time_t day, int n);



/*
 * The alerts of a limit (A15), at the start of office hours (office_start
 * seconds after 00:00): on its last day on time, and on the working day
 * after it (overdue).
 */
enum {
    LSN_LIMIT_LAST_DAY = 0,
    LSN_LIMIT_OVERDUE,
    LSN_LIMIT_STEPS
};

void lsn_duty_limit_alerts(const lsn_calendar_t *cal, time_t due_day,
    int office_start, time_t at[LSN_LIMIT_STEPS]);


/*
 * The alerts of a follow-up due on due_day (A14), at the start of office
 * hours: the working day before the due day's reminder; the due day
 * itself (the last working day on or before it when it is not one); the
 * first working day after it (overdue: to the one who assigned it).
 */
enum {
    LSN_FOLLOW_UP_BEFORE = 0,
    LSN_FOLLOW_UP_DUE,
    LSN_FOLLOW_UP_OVERDUE,
    LSN_FOLLOW_UP_STEPS
};

void lsn_follow_up_alerts(const lsn_calendar_t *cal, time_t due_day,
    int office_start, time_t at[LSN_FOLLOW_UP_STEPS]);

/* by step: "before", "due", "overdue" */
extern const char *lsn_follow_up_steps[];
/* by step: "last_day", "overdue" */
extern const char *lsn_limit_steps[];


/*
 * Of n steps at ascending instants, the one to send at now: the latest
 * one reached that is not done (a bit of done per step), or -1.  Earlier
 * steps reached and not done are stale by then: their bits go to *skip,
 * to be recorded without a message.
 */
int lsn_duty_step(const time_t *at, int n, unsigned done, time_t now,
    unsigned *skip);


#endif /* _LSN_DUTY_H_INCLUDED_ */
