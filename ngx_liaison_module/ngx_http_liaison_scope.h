
/*
 * Copyright (C) Liaison authors
 *
 * What each staff role sees, in one place: the tickets (and what hangs
 * off them: risks, cases, attachments) of the whole court, of the
 * departments a vice president is in charge of, of the caller's
 * department, or assigned to the caller (lsn_role_scope()).  Every list,
 * report and object check uses these.
 */


#ifndef _NGX_HTTP_LIAISON_SCOPE_H_INCLUDED_
#define _NGX_HTTP_LIAISON_SCOPE_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/*
 * Whether the caller (staff) sees a ticket of the department, assigned to
 * assignee; reach: ngx_http_liaison_scope_reach_sql() of the ticket.
 */
ngx_uint_t ngx_http_liaison_scope_sees(ngx_http_liaison_ctx_t *ctx,
    uint64_t dept, uint64_t assignee, ngx_uint_t reach);

/*
 * Appends to the next batch a SQL condition true for the tickets (as t)
 * the caller sees: a judge those assigned to them, a department's people
 * their department's, a vice president those of the departments in
 * charge, discipline inspection their office's and those referred to it,
 * the others all (sys_admin none).
 */
void ngx_http_liaison_scope_sql(ngx_http_liaison_ctx_t *ctx);

/*
 * Appends a SQL expression that is 1 when the caller reaches the ticket
 * t beyond its department and assignee: for a vice president, a
 * department in charge; for discipline inspection, a referral (0 for the
 * others, at no cost).
 */
void ngx_http_liaison_scope_reach_sql(ngx_http_liaison_ctx_t *ctx);


#endif /* _NGX_HTTP_LIAISON_SCOPE_H_INCLUDED_ */
