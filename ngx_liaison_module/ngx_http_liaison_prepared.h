
/*
 * Copyright (C) Liaison authors
 *
 * The statements every database connection prepares once (PREPARE) and
 * then runs as "EXECUTE name USING values": the busiest ones, the status
 * read and the rows every intake writes, which the server would otherwise
 * parse and resolve again on each request.  The values still go through
 * the SQL builder (ngx_http_liaison_sql_execute()); the pool sends the
 * PREPARE ahead of a batch on a connection that has not had it yet.
 */


#ifndef _NGX_HTTP_LIAISON_PREPARED_H_INCLUDED_
#define _NGX_HTTP_LIAISON_PREPARED_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/* one bit each on a connection (ngx_http_liaison_db_op_t's stmts) */
typedef enum {
    NGX_HTTP_LIAISON_PS_STATUS = 0,
    NGX_HTTP_LIAISON_PS_KEY,
    NGX_HTTP_LIAISON_PS_TICKET,
    NGX_HTTP_LIAISON_PS_TICKET_CASE,
    NGX_HTTP_LIAISON_PS_REGISTERED,
    NGX_HTTP_LIAISON_PS_SMS,
    NGX_HTTP_LIAISON_PS_DISPATCHED,
    NGX_HTTP_LIAISON_PS_WORK_ORDER,
    NGX_HTTP_LIAISON_PS_COMPLAINT_KEY,
    NGX_HTTP_LIAISON_PS_TRIAGE_HIT,
    NGX_HTTP_LIAISON_PS_RISK_OPENED,
    NGX_HTTP_LIAISON_PS_RISK_RECEIVED,
    NGX_HTTP_LIAISON_PS_RISK_SIGNAL,
    NGX_HTTP_LIAISON_PS_RISK_ALERT,
    NGX_HTTP_LIAISON_PS_N
} ngx_http_liaison_ps_e;


/* the ticket numbers lsn_status reads at once ($s in its IN list) */
#define NGX_HTTP_LIAISON_PS_STATUS_KEYS  16


/*
 * sql: the statement in the SQL builder's format, the format its EXECUTE
 * binds the values with; in the PREPARE each directive ($s, $z, $i, $u,
 * $t) becomes a ? ($$: a $)
 */
typedef struct {
    ngx_str_t                     name;
    ngx_str_t                     sql;
} ngx_http_liaison_ps_t;


/*
 * The status read of a ticket: its columns repeat on each event row.  The
 * in-charge test costs a subquery: only a vice president needs it; the
 * names of the department and the assignee and the newest open risk only
 * staff see, so the public read (the busiest) joins no more than it
 * shows: every table costs the optimizer on each read.  The public
 * timeline names a role, not a person: the event's own actor_role.
 */
#define NGX_HTTP_LIAISON_STATUS_COLS                                          \
    "SELECT t.id, t.ticket_no, t.query_code, t.channel, t.category, "        \
    "t.track, t.status, t.case_no, t.content, t.contact_name, "              \
    "t.contact_phone, t.owner_litigant_id, t.department_id, "                \
    "t.assignee_staff_id, t.created_at, t.due_at, t.updated_at, "            \
    "t.closed_at, e.type, e.status_to, e.note, e.created_at, "               \
    "e.public, e.id, "

/* after the in-charge test: staff's names, the open risk, the actor */
#define NGX_HTTP_LIAISON_STATUS_REST(names, risk, actor)                      \
    ", t.attachment_count, " names ", t.escalation_level, t.supervised, "    \
    "t.risk_flag, t.risk_rules, " risk ", e.actor_kind, " actor              \
    ", e.actor_role, t.supervised_reason, t.supervised_at, t.referred_at, "  \
    "t.referral_concluded_at "                                               \
    "FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id "


/* by ngx_http_liaison_ps_e */
extern ngx_http_liaison_ps_t  ngx_http_liaison_ps[];


/*
 * "PREPARE name FROM '...'" of each, by ngx_http_liaison_ps_e (the pool's
 * conf->prepare), the text quoted by the SQL builder; NULL when out of
 * memory.
 */
ngx_str_t *ngx_http_liaison_ps_prepare(ngx_pool_t *pool);


#endif /* _NGX_HTTP_LIAISON_PREPARED_H_INCLUDED_ */
