
/*
 * Copyright (C) Liaison authors
 *
 * The visibility scope of staff roles.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_scope.h"


ngx_uint_t
ngx_http_liaison_scope_sees(ngx_http_liaison_ctx_t *ctx, uint64_t dept,
    uint64_t assignee, ngx_uint_t reach)
{
    if (ctx->who != NGX_HTTP_LIAISON_STAFF || ctx->role_index < 0
        || ctx->role_index == LSN_ROLE_SYS_ADMIN)
    {
        return 0;
    }

    switch (lsn_role_scope((lsn_role_e) ctx->role_index)) {
    case LSN_SCOPE_OWN:
        return assignee && assignee == ctx->subject_id;
    case LSN_SCOPE_DEPARTMENT:
        return dept && dept == ctx->department_id;
    case LSN_SCOPE_CHARGE:
        return reach;
    case LSN_SCOPE_REFERRED:
        return reach || (dept && dept == ctx->department_id);
    default:
        return 1;
    }
}


void
ngx_http_liaison_scope_sql(ngx_http_liaison_ctx_t *ctx)
{
    if (ctx->who != NGX_HTTP_LIAISON_STAFF || ctx->role_index < 0
        || ctx->role_index == LSN_ROLE_SYS_ADMIN)
    {
        ngx_http_liaison_sql(ctx, "1 = 0");
        return;
    }

    switch (lsn_role_scope((lsn_role_e) ctx->role_index)) {
    case LSN_SCOPE_OWN:
        ngx_http_liaison_sql(ctx, "t.assignee_staff_id = $u",
                             (unsigned long long) ctx->subject_id);
        break;
    case LSN_SCOPE_DEPARTMENT:
        ngx_http_liaison_sql(ctx, "t.department_id = $u",
                             (unsigned long long) ctx->department_id);
        break;
    case LSN_SCOPE_CHARGE:
        /* the departments in charge */
        ngx_http_liaison_scope_reach_sql(ctx);
        break;
    case LSN_SCOPE_REFERRED:
        ngx_http_liaison_sql(ctx, "(t.department_id = $u "
                             "OR t.referred_at IS NOT NULL)",
                             (unsigned long long) ctx->department_id);
        break;
    default:
        ngx_http_liaison_sql(ctx, "1 = 1");
    }
}


void
ngx_http_liaison_scope_reach_sql(ngx_http_liaison_ctx_t *ctx)
{
    if (ctx->who != NGX_HTTP_LIAISON_STAFF) {
        ngx_http_liaison_sql(ctx, "0");
        return;
    }

    switch (ctx->role_index) {
    case LSN_ROLE_VICE_PRESIDENT:
        ngx_http_liaison_sql(ctx, "t.department_id IN (SELECT id FROM "
                             "departments WHERE vice_president_staff_id = $u)",
                             (unsigned long long) ctx->subject_id);
        break;
    case LSN_ROLE_DISCIPLINE:
        ngx_http_liaison_sql(ctx, "t.referred_at IS NOT NULL");
        break;
    default:
        ngx_http_liaison_sql(ctx, "0");
    }
}
