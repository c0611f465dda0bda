
/*
 * Copyright (C) Liaison authors
 *
 * Group commit: the whole transactions of concurrent requests of one
 * worker process committed together, one transaction and one round trip
 * for a group, each request still answered only after the COMMIT that
 * carried it.  The database is the bottleneck of intake (bench/README.md);
 * a group costs it one commit, not one per request.
 */


#ifndef _NGX_HTTP_LIAISON_GROUP_H_INCLUDED_
#define _NGX_HTTP_LIAISON_GROUP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include "ngx_http_liaison_db.h"


/*
 * Runs op->sql, a whole transaction ("START TRANSACTION;...;COMMIT") of
 * statements whose results the handler does not read, in
 * op->read_committed.  While fewer than liaison_db_group's transactions
 * of this worker run, at once and alone (as ngx_http_liaison_db_query());
 * else it waits for one to finish and then goes with the others waiting,
 * up to liaison_db_group's size, as one transaction.
 *
 * The handler sees what it would alone: rc NGX_OK when committed (no
 * results kept), NGX_HTTP_LIAISON_DB_UNAVAILABLE with timed_out and
 * thread_id when the group's deadline fired (the COMMIT's fate unknown,
 * the same for all of the group).  When a statement of a group fails, the
 * group is rolled back and each of its transactions runs again alone, so
 * that each gets its own error (a duplicate key of a replay).
 */
void ngx_http_liaison_group_query(ngx_http_liaison_db_op_t *op,
    ngx_pool_t *mpool);

/* Transactions of the pool's worker waiting for a group. */


#endif /* _NGX_HTTP_LIAISON_GROUP_H_INCLUDED_ */
