
/*
 * Copyright (C) Liaison authors
 *
 * Masks query codes, phones and ID numbers in the request line nginx adds
 * to its error log lines (lsn_mask_query()), on a copy: r->args still
 * points at the original for the endpoints.  Runs in the post-read phase,
 * before nginx's own checks (client_max_body_size, access) that log the
 * request line.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_logmask.h"
#include "lsn_mask.h"


static ngx_int_t ngx_http_liaison_logmask_handler(ngx_http_request_t *r);


ngx_int_t
ngx_http_liaison_logmask_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_POST_READ_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_liaison_logmask_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_http_liaison_logmask_handler(ngx_http_request_t *r)
{
    u_char  *q, *copy;
    size_t   off;

    if (r->args.len == 0 || r->request_line.len == 0) {
        return NGX_DECLINED;
    }

    q = ngx_strlchr(r->request_line.data,
                    r->request_line.data + r->request_line.len, '?');
    if (q == NULL) {
        return NGX_DECLINED;
    }

    copy = ngx_pnalloc(r->pool, r->request_line.len);
    if (copy == NULL) {
        return NGX_DECLINED;
    }

    ngx_memcpy(copy, r->request_line.data, r->request_line.len);
    off = q + 1 - r->request_line.data;

    if (lsn_mask_query(copy + off, r->request_line.len - off) > 0) {
        r->request_line.data = copy;
    }

    return NGX_DECLINED;
}
