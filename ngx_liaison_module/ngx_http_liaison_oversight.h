
/*
 * Copyright (C) Liaison authors
 *
 * Oversight: risk warnings (A10), the A2 indicators, the leaders'
 * overview and follow-ups (A13, A14).
 */


#ifndef _NGX_HTTP_LIAISON_OVERSIGHT_H_INCLUDED_
#define _NGX_HTTP_LIAISON_OVERSIGHT_H_INCLUDED_


#include "ngx_http_liaison_common.h"


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_oversight_endpoints[];


#endif /* _NGX_HTTP_LIAISON_OVERSIGHT_H_INCLUDED_ */
