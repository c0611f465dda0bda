
/*
 * Copyright (C) Liaison authors
 *
 * Query codes, phones and ID numbers never reach a log: the request line
 * nginx writes into the error log (", request: ...") and into $request is
 * masked before any phase can log it.
 */


#ifndef _NGX_HTTP_LIAISON_LOGMASK_H_INCLUDED_
#define _NGX_HTTP_LIAISON_LOGMASK_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/* Postconfiguration: the post-read phase handler that masks. */
ngx_int_t ngx_http_liaison_logmask_init(ngx_conf_t *cf);


#endif /* _NGX_HTTP_LIAISON_LOGMASK_H_INCLUDED_ */
