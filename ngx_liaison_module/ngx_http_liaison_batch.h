
/*
 * Copyright (C) Liaison authors
 *
 * Read batching: the keyed reads of concurrent requests of one worker
 * process as one statement ("... WHERE key IN (?, ?, ...)").  The server
 * spends most of a short read on the statement, not on its rows: one
 * statement for sixteen tickets costs it about what one for a ticket does
 * (bench/README.md).  A read never waits for others to come: it goes at
 * once while fewer than liaison_db_read_batch's statements of its worker
 * run, and waits only for one of those to finish.
 */


#ifndef _NGX_HTTP_LIAISON_BATCH_H_INCLUDED_
#define _NGX_HTTP_LIAISON_BATCH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include "ngx_http_liaison_db.h"


/*
 * Reads the rows whose column col is key, with the prepared statement ps
 * (ngx_http_liaison_prepared.h) of "keys" places in its IN list, together
 * with the other reads of ps waiting at the time (up to
 * liaison_db_read_batch's size, a key once however many ask for it).
 *
 * The handler sees op->rc as from ngx_http_liaison_db_query() (with
 * busy and timed_out); on NGX_OK op->rows, op->nrows: the key's rows in
 * the server's order, op->row_len: the lengths of the first.  They are
 * valid only while the handler runs; the op holds no connection then.
 */
void ngx_http_liaison_batch_read(ngx_http_liaison_db_op_t *op,
    ngx_pool_t *mpool, ngx_uint_t ps, ngx_uint_t keys, ngx_str_t *key,
    ngx_uint_t col);



#endif /* _NGX_HTTP_LIAISON_BATCH_H_INCLUDED_ */
