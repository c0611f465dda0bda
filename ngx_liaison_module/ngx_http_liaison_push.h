
/*
 * Copyright (C) Liaison authors
 *
 * The mini-program's message-push callback, GET|POST /wx/push.
 */


#ifndef _NGX_HTTP_LIAISON_PUSH_H_INCLUDED_
#define _NGX_HTTP_LIAISON_PUSH_H_INCLUDED_


#include "ngx_http_liaison_common.h"


char *ngx_http_liaison_push_token_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_push_aes_key_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_liaison_push_init_main_conf(ngx_conf_t *cf,
    ngx_http_liaison_main_conf_t *mcf);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_push_endpoints[];


#endif /* _NGX_HTTP_LIAISON_PUSH_H_INCLUDED_ */
