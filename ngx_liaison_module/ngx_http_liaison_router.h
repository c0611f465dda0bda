
/*
 * Copyright (C) Liaison authors
 *
 * The content handler of a "liaison_api on" location: finds the endpoint,
 * reads its body, runs the pipeline (schema gate, authentication, caller
 * and roles, calendar) and calls the endpoint's handler.
 */


#ifndef _NGX_HTTP_LIAISON_ROUTER_H_INCLUDED_
#define _NGX_HTTP_LIAISON_ROUTER_H_INCLUDED_


#include "ngx_http_liaison_common.h"


ngx_int_t ngx_http_liaison_router_handler(ngx_http_request_t *r);

/* Checks a table of endpoints at configuration time (patterns, flags). */
ngx_int_t ngx_http_liaison_router_check(ngx_conf_t *cf,
    ngx_http_liaison_endpoint_t *table);


#endif /* _NGX_HTTP_LIAISON_ROUTER_H_INCLUDED_ */
