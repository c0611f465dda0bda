
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
 * assignee; in_charge: the caller is the vice president in charge of that
 * department.
 */
ngx_uint_t ngx_http_liaison_scope_sees(ngx_http_liaison_ctx_t *ctx,
    uint64_t dept, uint64_t assignee, ngx_uint_t in_charge);

/*
 * Appends to the next batch a SQL condition true for the rows the caller
 * sees; dept and assignee name the columns (constants of the code).
 */
void ngx_http_liaison_scope_sql(ngx_http_liaison_ctx_t *ctx,
    const char *dept, const char *assignee);

/*
 * Appends a SQL expression that is 1 when the department column dept is
 * one the caller is in charge of (0 for all but vice presidents, at no
 * cost for them).
 */
void ngx_http_liaison_scope_in_charge_sql(ngx_http_liaison_ctx_t *ctx,
    const char *dept);


#endif /* _NGX_HTTP_LIAISON_SCOPE_H_INCLUDED_ */
