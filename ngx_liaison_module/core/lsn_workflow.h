/*
 * Liaison: the ticket state machine and who may do what (A4, A5, A17).
 * Plain C: shared by the module, the worker and unit tests.
 */

#ifndef _LSN_WORKFLOW_H_INCLUDED_
#define _LSN_WORKFLOW_H_INCLUDED_


#include <stddef.h>


typedef enum {
    LSN_ST_REGISTERED = 0,
    LSN_ST_ANSWERED,
    LSN_ST_DISPATCHED,
    LSN_ST_ACCEPTED,
    LSN_ST_REPLIED,
    LSN_ST_CLOSED,
    LSN_ST_REOPENED,
    LSN_ST_COUNT
} lsn_status_e;


typedef enum {
    LSN_ACT_TRIAGE = 0,
    LSN_ACT_REPLY,
    LSN_ACT_DISPATCH,
    LSN_ACT_ACCEPT,
    LSN_ACT_RETURN,
    LSN_ACT_CLOSE,
    LSN_ACT_TRANSFER,
    LSN_ACT_NOTE,
    LSN_ACT_RISK,               /* a note that raises an A10 warning */
    LSN_ACT_REFER,              /* a note that refers (A17) */
    LSN_ACT_SUPERVISE,          /* a note that starts supervision (A17) */
    LSN_ACT_CONCLUDE,           /* a note that concludes a referral */
    LSN_ACT_COUNT
} lsn_action_e;


typedef enum {
    LSN_ROLE_PLATFORM_STAFF = 0,
    LSN_ROLE_JUDGE,
    LSN_ROLE_DEPT_STAFF,
    LSN_ROLE_LIAISON,
    LSN_ROLE_DEPT_LEADER,
    LSN_ROLE_VICE_PRESIDENT,
    LSN_ROLE_PRESIDENT,
    LSN_ROLE_FILING_ADMIN,
    LSN_ROLE_SYS_ADMIN,
    LSN_ROLE_DISCIPLINE,        /* discipline inspection (纪检监察) */
    LSN_ROLE_COUNT
} lsn_role_e;


/* A role's bit in a set of roles; the sets used by the code: */
#define LSN_ROLE_BIT(r)         (1u << (r))

/* the platform and the case-filing division: intake, triage, dispatch */
#define LSN_ROLES_PLATFORM      (LSN_ROLE_BIT(LSN_ROLE_PLATFORM_STAFF)       \
                                 | LSN_ROLE_BIT(LSN_ROLE_FILING_ADMIN))
/* a department's people, who receive its work orders (discipline
   inspectors those of their office: reports, A3) */
#define LSN_ROLES_DEPARTMENT    (LSN_ROLE_BIT(LSN_ROLE_JUDGE)                \
                                 | LSN_ROLE_BIT(LSN_ROLE_DEPT_STAFF)         \
                                 | LSN_ROLE_BIT(LSN_ROLE_LIAISON)            \
                                 | LSN_ROLE_BIT(LSN_ROLE_DEPT_LEADER)        \
                                 | LSN_ROLE_BIT(LSN_ROLE_DISCIPLINE))
/* who assigns within a department */
#define LSN_ROLES_ASSIGNERS     (LSN_ROLE_BIT(LSN_ROLE_LIAISON)              \
                                 | LSN_ROLE_BIT(LSN_ROLE_DEPT_LEADER))
/* the court's leaders */
#define LSN_ROLES_COURT_LEADERS (LSN_ROLE_BIT(LSN_ROLE_VICE_PRESIDENT)       \
                                 | LSN_ROLE_BIT(LSN_ROLE_PRESIDENT))
/* everyone who oversees: leaders, the filing division, the platform */
#define LSN_ROLES_LEADERS       (LSN_ROLES_ASSIGNERS | LSN_ROLES_COURT_LEADERS \
                                 | LSN_ROLES_PLATFORM)
/* everyone who works on requests (all but the system administrator) */
#define LSN_ROLES_WORKERS       (LSN_ROLES_PLATFORM | LSN_ROLES_DEPARTMENT   \
                                 | LSN_ROLES_COURT_LEADERS)

/* who may take each action (its scope on the ticket is checked apart) */
#define LSN_ROLES_TRIAGE        LSN_ROLES_PLATFORM
#define LSN_ROLES_REPLY         (LSN_ROLES_PLATFORM | LSN_ROLES_DEPARTMENT)
#define LSN_ROLES_DISPATCH      (LSN_ROLES_PLATFORM | LSN_ROLES_ASSIGNERS)
#define LSN_ROLES_ACCEPT        LSN_ROLES_DEPARTMENT
#define LSN_ROLES_RETURN        LSN_ROLES_DEPARTMENT
#define LSN_ROLES_CLOSE         (LSN_ROLES_PLATFORM | LSN_ROLES_DEPARTMENT)
#define LSN_ROLES_TRANSFER      (LSN_ROLES_PLATFORM                          \
                                 | LSN_ROLE_BIT(LSN_ROLE_JUDGE)              \
                                 | LSN_ROLES_ASSIGNERS)
#define LSN_ROLES_NOTE          LSN_ROLES_WORKERS
#define LSN_ROLES_RISK          LSN_ROLES_WORKERS
#define LSN_ROLES_REFER         (LSN_ROLE_BIT(LSN_ROLE_PRESIDENT)            \
                                 | LSN_ROLE_BIT(LSN_ROLE_FILING_ADMIN))
/* A17: those who oversee the court's handling put a matter under special
   supervision by hand (evasive or perfunctory handling) */
#define LSN_ROLES_SUPERVISE     (LSN_ROLES_COURT_LEADERS                     \
                                 | LSN_ROLE_BIT(LSN_ROLE_FILING_ADMIN))
#define LSN_ROLES_CONCLUDE      LSN_ROLE_BIT(LSN_ROLE_DISCIPLINE)


/* What a staff member may see of tickets. */
typedef enum {
    LSN_SCOPE_ALL = 0,          /* platform, filing division, president */
    LSN_SCOPE_CHARGE,           /* vice president: departments in charge */
    LSN_SCOPE_DEPARTMENT,       /* department staff, liaison, leader */
    LSN_SCOPE_OWN,              /* judge: work orders assigned to them */
    LSN_SCOPE_REFERRED          /* discipline inspection: their office's
                                   and the tickets referred to them */
} lsn_scope_e;


extern const char *lsn_status_names[];   /* by lsn_status_e */
extern const char *lsn_action_names[];   /* by lsn_action_e */
extern const char *lsn_role_names[];     /* by lsn_role_e */

/* Index of a name, or -1. */
int lsn_status_index(const char *s, size_t len);
int lsn_action_index(const char *s, size_t len);
int lsn_role_index(const char *s, size_t len);

lsn_scope_e lsn_role_scope(lsn_role_e role);

/* The roles that may take the action at all: LSN_ROLE_BIT()s. */
unsigned lsn_action_roles(lsn_action_e action);

/* 1 when the role may take the action at all (scope is checked apart). */
int lsn_role_may(lsn_role_e role, lsn_action_e action);

/* Roles of a department who act for it as the receiver of work orders. */
int lsn_role_in_department(lsn_role_e role);

/*
 * The status after the action on a ticket of the track (0 simple,
 * 1 ordinary) in the status, and whether the ticket is closed with it
 * (close_too, for a reply).  Returns the new status, or -1 when the
 * transition is not allowed.
 */
int lsn_workflow_next(lsn_action_e action, lsn_status_e status, int track,
    int close_too);

/*
 * The actions allowed from a status, as "accept, return, note" into buf
 * (NUL-terminated, truncated to cap).  Returns the length.
 */
size_t lsn_workflow_allowed(lsn_status_e status, int track, char *buf,
    size_t cap);

/* Statuses in which a ticket waits on the court (counts as overdue). */
int lsn_status_open(lsn_status_e status);


#endif /* _LSN_WORKFLOW_H_INCLUDED_ */
