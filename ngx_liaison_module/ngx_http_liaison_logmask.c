
/*
 * Copyright (C) Liaison authors
 *
 * Masks the values of query_code= in the request line, on a copy: r->args
 * still points at the original for the endpoints.  Runs in the post-read
 * phase, before nginx's own checks (client_max_body_size, access) that
 * log the request line.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_logmask.h"


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
    u_char  *p, *q, *end, *name, *copy;

    if (r->args.len == 0 || r->request_line.len == 0
        || ngx_strlcasestrn(r->args.data, r->args.data + r->args.len,
                            (u_char *) "code", 4 - 1) == NULL)
    {
        return NGX_DECLINED;
    }

    copy = ngx_pnalloc(r->pool, r->request_line.len);
    if (copy == NULL) {
        return NGX_DECLINED;
    }

    ngx_memcpy(copy, r->request_line.data, r->request_line.len);
    end = copy + r->request_line.len;

    p = ngx_strlchr(copy, end, '?');
    if (p == NULL) {
        return NGX_DECLINED;
    }

    /* each argument whose name ends in "code": query_code, and any other
       code a client might send along (percent-encoded names too) */
    for (name = p + 1; name < end && *name != ' '; name = q + 1) {

        for (q = name; q < end && *q != '=' && *q != '&' && *q != ' '; q++) {
            /* the name */
        }

        if (q < end && *q == '=' && q - name >= 4
            && ngx_strncasecmp(q - 4, (u_char *) "code", 4) == 0)
        {
            for (q++; q < end && *q != '&' && *q != ' '; q++) {
                *q = '*';
            }
        }

        while (q < end && *q != '&' && *q != ' ') {
            q++;
        }

        if (q == end || *q == ' ') {
            break;
        }
    }

    r->request_line.data = copy;

    return NGX_DECLINED;
}
