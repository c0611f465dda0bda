/*
 * Liaison: the ticket state machine and who may do what.
 */

#include <string.h>
#include "lsn_text.h"
#include "lsn_workflow.h"


const char *lsn_status_names[] = {
    "registered", "answered", "dispatched", "accepted", "replied", "closed",
    "reopened", NULL
};

const char *lsn_action_names[] = {
    "triage", "reply", "dispatch", "accept", "return", "close", "transfer",
    "note", "risk", "refer", "supervise", "conclude", NULL
};

const char *lsn_role_names[] = {
    "platform_staff", "judge", "dept_staff", "liaison", "dept_leader",
    "vice_president", "president", "filing_admin", "sys_admin", "discipline",
    NULL
};


/*
 * Who may take which action, by action.  The platform and the case-filing
 * division register, triage, answer simple requests and dispatch;
 * departments receive, reply and close; a department's leader and liaison
 * also assign within it; leaders above follow up with notes.
 */
static const unsigned  lsn_action_role_sets[LSN_ACT_COUNT] = {
    LSN_ROLES_TRIAGE, LSN_ROLES_REPLY, LSN_ROLES_DISPATCH, LSN_ROLES_ACCEPT,
    LSN_ROLES_RETURN, LSN_ROLES_CLOSE, LSN_ROLES_TRANSFER, LSN_ROLES_NOTE,
    LSN_ROLES_RISK, LSN_ROLES_REFER, LSN_ROLES_SUPERVISE, LSN_ROLES_CONCLUDE
};


int
lsn_status_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_status_names, s, len);
}


int
lsn_action_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_action_names, s, len);
}


int
lsn_role_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_role_names, s, len);
}


lsn_scope_e
lsn_role_scope(lsn_role_e role)
{
    switch (role) {
    case LSN_ROLE_JUDGE:
        return LSN_SCOPE_OWN;
    case LSN_ROLE_DEPT_STAFF:
    case LSN_ROLE_LIAISON:
    case LSN_ROLE_DEPT_LEADER:
        return LSN_SCOPE_DEPARTMENT;
    case LSN_ROLE_VICE_PRESIDENT:
        return LSN_SCOPE_CHARGE;
    case LSN_ROLE_DISCIPLINE:
        return LSN_SCOPE_REFERRED;
    default:
        return LSN_SCOPE_ALL;
    }
}


int
lsn_role_may(lsn_role_e role, lsn_action_e action)
{
    if ((unsigned) role >= LSN_ROLE_COUNT
        || (unsigned) action >= LSN_ACT_COUNT)
    {
        return 0;
    }

    return (lsn_action_role_sets[action] & LSN_ROLE_BIT(role)) != 0;
}


unsigned
lsn_action_roles(lsn_action_e action)
{
    return (unsigned) action < LSN_ACT_COUNT ? lsn_action_role_sets[action]
                                              : 0;
}


int
lsn_role_in_department(lsn_role_e role)
{
    return role == LSN_ROLE_JUDGE || role == LSN_ROLE_DEPT_STAFF
           || role == LSN_ROLE_LIAISON || role == LSN_ROLE_DEPT_LEADER
           || role == LSN_ROLE_DISCIPLINE;
}


int
lsn_workflow_next(lsn_action_e action, lsn_status_e status, int track,
    int close_too)
{
    switch (action) {

    case LSN_ACT_TRIAGE:
        if (status == LSN_ST_REGISTERED || status == LSN_ST_REOPENED) {
            return status;
        }
        return -1;

    case LSN_ACT_REPLY:
        if (track == 0) {
            /* simple track: the platform answers at once (A4) */
            if (status == LSN_ST_REGISTERED || status == LSN_ST_REOPENED) {
                return close_too ? LSN_ST_CLOSED : LSN_ST_ANSWERED;
            }
            return -1;
        }

        if (status == LSN_ST_ACCEPTED || status == LSN_ST_REOPENED) {
            return close_too ? LSN_ST_CLOSED : LSN_ST_REPLIED;
        }
        return -1;

    case LSN_ACT_DISPATCH:
        if (track == 1
            && (status == LSN_ST_REGISTERED || status == LSN_ST_REOPENED
                || status == LSN_ST_DISPATCHED))
        {
            return LSN_ST_DISPATCHED;
        }
        return -1;

    case LSN_ACT_ACCEPT:
        return status == LSN_ST_DISPATCHED ? LSN_ST_ACCEPTED : -1;

    case LSN_ACT_RETURN:
        return status == LSN_ST_DISPATCHED ? LSN_ST_REGISTERED : -1;

    case LSN_ACT_CLOSE:
        if (status == LSN_ST_ANSWERED || status == LSN_ST_REPLIED) {
            return LSN_ST_CLOSED;
        }
        return -1;

    case LSN_ACT_TRANSFER:
        if (status == LSN_ST_DISPATCHED || status == LSN_ST_ACCEPTED) {
            return LSN_ST_DISPATCHED;
        }
        return -1;

    case LSN_ACT_NOTE:
    case LSN_ACT_RISK:
    case LSN_ACT_REFER:
    case LSN_ACT_SUPERVISE:
    case LSN_ACT_CONCLUDE:
        return status;

    default:
        return -1;
    }
}


size_t
lsn_workflow_allowed(lsn_status_e status, int track, char *buf, size_t cap)
{
    int     a;
    size_t  len, n;

    if (cap == 0) {
        return 0;
    }

    len = 0;
    buf[0] = '\0';

    /* the actions that move a ticket, not the notes' variants */
    for (a = 0; a <= LSN_ACT_NOTE; a++) {
        if (lsn_workflow_next((lsn_action_e) a, status, track, 0) < 0) {
            continue;
        }

        n = strlen(lsn_action_names[a]);

        if (len + n + 3 > cap) {
            break;
        }

        if (len) {
            memcpy(buf + len, ", ", 2);
            len += 2;
        }

        memcpy(buf + len, lsn_action_names[a], n);
        len += n;
        buf[len] = '\0';
    }

    return len;
}


int
lsn_status_open(lsn_status_e status)
{
    return status == LSN_ST_REGISTERED || status == LSN_ST_DISPATCHED
           || status == LSN_ST_ACCEPTED || status == LSN_ST_REOPENED;
}
