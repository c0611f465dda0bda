
/*
 * Copyright (C) Liaison authors
 *
 * The liaison directory (A9) and its changes (A15): reported by the
 * departments, published by the case-filing division.
 */


#ifndef _NGX_HTTP_LIAISON_LIAISONS_H_INCLUDED_
#define _NGX_HTTP_LIAISON_LIAISONS_H_INCLUDED_


#include "ngx_http_liaison_common.h"


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_liaisons_endpoints[];


#endif /* _NGX_HTTP_LIAISON_LIAISONS_H_INCLUDED_ */
