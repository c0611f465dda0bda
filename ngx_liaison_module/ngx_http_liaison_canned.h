
/*
 * Copyright (C) Liaison authors
 *
 * Answer on receipt (A4 接诉即答): the canned answers that may answer a
 * request automatically, compiled (core/lsn_canned) per worker process,
 * refreshed from the database after a minute, and at once in the process
 * that edits them.
 */


#ifndef _NGX_HTTP_LIAISON_CANNED_H_INCLUDED_
#define _NGX_HTTP_LIAISON_CANNED_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/*
 * next(ctx) once ctx->mcf->canned is fresh.  Never fails the request:
 * when the database cannot give the set, the copy in hand serves (NULL
 * when there never was one: nothing is answered automatically).
 */
void ngx_http_liaison_canned_ready(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next);

/* The answers were edited: the next request loads them again. */
void ngx_http_liaison_canned_changed(ngx_http_liaison_main_conf_t *mcf);


#endif /* _NGX_HTTP_LIAISON_CANNED_H_INCLUDED_ */
