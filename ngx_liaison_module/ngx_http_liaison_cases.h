
/*
 * Copyright (C) Liaison authors
 *
 * Cases: the trial system's signed ingest, case subscriptions and
 * process nodes.
 */


#ifndef _NGX_HTTP_LIAISON_CASES_H_INCLUDED_
#define _NGX_HTTP_LIAISON_CASES_H_INCLUDED_


#include "ngx_http_liaison_common.h"


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_cases_endpoints[];


#endif /* _NGX_HTTP_LIAISON_CASES_H_INCLUDED_ */
