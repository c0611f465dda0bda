
/*
 * Copyright (C) Liaison authors
 *
 * The working-day calendar, cached per worker process and refreshed from
 * the calendar tables every few minutes (a newly loaded year is seen
 * without a reload).
 */


#ifndef _NGX_HTTP_LIAISON_CALENDAR_H_INCLUDED_
#define _NGX_HTTP_LIAISON_CALENDAR_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/* next(ctx) once ctx->mcf->calendar is loaded (or answers 503). */
void ngx_http_liaison_calendar_ready(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next);


#endif /* _NGX_HTTP_LIAISON_CALENDAR_H_INCLUDED_ */
