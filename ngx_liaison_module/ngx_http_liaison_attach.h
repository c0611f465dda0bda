
/*
 * Copyright (C) Liaison authors
 *
 * Attachments: uploads (raw bodies, checked by content) and downloads
 * served by nginx from an internal location.
 */


#ifndef _NGX_HTTP_LIAISON_ATTACH_H_INCLUDED_
#define _NGX_HTTP_LIAISON_ATTACH_H_INCLUDED_


#include "ngx_http_liaison_common.h"


char *ngx_http_liaison_attach_dir(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_attach_endpoints[];


#endif /* _NGX_HTTP_LIAISON_ATTACH_H_INCLUDED_ */
