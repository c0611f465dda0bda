
/*
 * Copyright (C) Liaison authors
 *
 * Staff work: the worklist and the actions on a ticket.
 */


#ifndef _NGX_HTTP_LIAISON_STAFF_H_INCLUDED_
#define _NGX_HTTP_LIAISON_STAFF_H_INCLUDED_


#include "ngx_http_liaison_common.h"


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_staff_endpoints[];


#endif /* _NGX_HTTP_LIAISON_STAFF_H_INCLUDED_ */
