
/*
 * Copyright (C) Liaison authors
 *
 * The monthly bulletin as the worker made it (A11, A12, A16), and its
 * items for the trial-management office and the political department,
 * who acknowledge them (A12).
 */


#ifndef _NGX_HTTP_LIAISON_BULLETIN_H_INCLUDED_
#define _NGX_HTTP_LIAISON_BULLETIN_H_INCLUDED_


#include "ngx_http_liaison_common.h"


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_bulletin_endpoints[];


#endif /* _NGX_HTTP_LIAISON_BULLETIN_H_INCLUDED_ */
