
/*
 * Copyright (C) Liaison authors
 *
 * What clients render with: the court's name and units
 * (liaison_court_name, liaison_court_unit) and the Chinese labels of
 * every code (GET /site); the subscribe-message templates with what each
 * is for and the page its pushes open (GET /wx/templates).
 */


#ifndef _NGX_HTTP_LIAISON_SITE_H_INCLUDED_
#define _NGX_HTTP_LIAISON_SITE_H_INCLUDED_


#include "ngx_http_liaison_common.h"


char *ngx_http_liaison_court_name(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_site_endpoints[];


#endif /* _NGX_HTTP_LIAISON_SITE_H_INCLUDED_ */
