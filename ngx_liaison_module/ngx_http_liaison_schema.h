
/*
 * Copyright (C) Liaison authors
 *
 * The schema check (the module serves only the database schema it was
 * built for) and GET /health.
 */


#ifndef _NGX_HTTP_LIAISON_SCHEMA_H_INCLUDED_
#define _NGX_HTTP_LIAISON_SCHEMA_H_INCLUDED_


#include "ngx_http_liaison_common.h"


/*
 * NGX_OK when the schema is known to match; otherwise checks it and
 * returns NGX_DONE, then calls next(ctx) or answers 503.
 */
ngx_int_t ngx_http_liaison_schema_gate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next);


extern ngx_http_liaison_endpoint_t  ngx_http_liaison_schema_endpoints[];


#endif /* _NGX_HTTP_LIAISON_SCHEMA_H_INCLUDED_ */
