
/*
 * Copyright (C) Liaison authors
 *
 * Staff accounts, departments and canned answers.
 */


#ifndef _NGX_HTTP_LIAISON_ACCOUNTS_H_INCLUDED_
#define _NGX_HTTP_LIAISON_ACCOUNTS_H_INCLUDED_


#include "ngx_http_liaison_common.h"


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_accounts_endpoints[];


#endif /* _NGX_HTTP_LIAISON_ACCOUNTS_H_INCLUDED_ */
