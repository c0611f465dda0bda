
/*
 * Copyright (C) Liaison authors
 *
 * Intake (POST /tickets) and status (GET /tickets/{ticket_no}).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_calendar.h"
#include "ngx_http_liaison_canned.h"
#include "ngx_http_liaison_outbox.h"
#include "ngx_http_liaison_prepared.h"
#include "ngx_http_liaison_supervision.h"
#include "ngx_http_liaison_scope.h"
#include "ngx_http_liaison_tickets.h"
#include "ngx_http_liaison_triage.h"
#include "lsn_labels.h"
#include "lsn_text.h"
#include "lsn_workflow.h"


#define NGX_HTTP_LIAISON_CONTENT_MAX  2000
#define NGX_HTTP_LIAISON_NAME_MAX     50
#define NGX_HTTP_LIAISON_KEY_RANDOM   10      /* bytes of a server's key */
#define NGX_HTTP_LIAISON_REREADS      2
#define NGX_HTTP_LIAISON_ROUTE_TTL     (60 * 1000)  /* ms, as canned answers */


static void ngx_http_liaison_tickets_create(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_intake_validate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static ngx_int_t ngx_http_liaison_intake_key(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static void ngx_http_liaison_intake_answer(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static void ngx_http_liaison_intake_match(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_intake_prepare(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_intake_numbered(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_intake_write(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_intake_sms(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static void ngx_http_liaison_answered_notify(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static ngx_int_t ngx_http_liaison_intake_replay(ngx_http_liaison_ctx_t *ctx,
    MYSQL_RES *res);
static void ngx_http_liaison_intake_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_intake_existing(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_intake_fate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in);
static void ngx_http_liaison_intake_killed(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_intake_fated(ngx_http_liaison_db_op_t *op);
static ngx_uint_t ngx_http_liaison_route_cached(
    ngx_http_liaison_main_conf_t *mcf, ngx_http_liaison_intake_t *in);
static ngx_uint_t ngx_http_liaison_seq_wanted(
    ngx_http_liaison_main_conf_t *mcf);
static ngx_int_t ngx_http_liaison_seq_keep(ngx_http_liaison_ctx_t *ctx,
    uint64_t first);
static ngx_int_t ngx_http_liaison_seq_take(ngx_http_liaison_ctx_t *ctx,
    uint64_t *seq);
static void ngx_http_liaison_tickets_get(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_status_loaded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_status_batched(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_status_show(ngx_http_liaison_ctx_t *ctx,
    MYSQL_ROW *events, ngx_uint_t nev, unsigned long *len);
static void ngx_http_liaison_staff_facts(ngx_http_liaison_buf_t *b,
    MYSQL_ROW row, unsigned long *len);
static void ngx_http_liaison_timeline_item(ngx_http_liaison_buf_t *b,
    MYSQL_ROW ev, MYSQL_ROW ticket, ngx_uint_t staff);
static void ngx_http_liaison_status_attachments(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_ticket_not_found(ngx_http_liaison_ctx_t *ctx);


/* POST /tickets */

static void
ngx_http_liaison_tickets_create(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_intake_t  *in;

    in = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_intake_t));
    if (in == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    if (ngx_http_liaison_intake_validate(ctx, in) != NGX_OK) {
        return;
    }

    in->done = ngx_http_liaison_intake_answer;

    ngx_http_liaison_intake_start(ctx, in);
}


/* Checks every field; answers the client itself and returns NGX_ERROR. */

static ngx_int_t
ngx_http_liaison_intake_validate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    ngx_str_t                 s;
    ngx_table_elt_t          *h;
    ngx_http_liaison_json_t  *contact;

    if (ngx_http_liaison_body_str(ctx, NULL, "channel", NULL, 1, &s)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    in->channel = lsn_channel_index((char *) s.data, s.len);
    if (in->channel < 0) {
        ngx_http_liaison_invalid(ctx, "渠道必须是 wechat、web、kiosk、hall "
                                      "或 hotline", "channel");
        return NGX_ERROR;
    }

    if (ngx_http_liaison_body_str(ctx, NULL, "category", NULL, 1, &s)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    in->category = lsn_category_index((char *) s.data, s.len);
    if (in->category < 0) {
        ngx_http_liaison_invalid(ctx, "未知的诉求类别", "category");
        return NGX_ERROR;
    }

    if (ngx_http_liaison_body_str(ctx, NULL, "content", NULL, 1,
                                  &in->content)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (lsn_text_valid(in->content.data, in->content.len, 1,
                       NGX_HTTP_LIAISON_CONTENT_MAX)
        != 0)
    {
        ngx_http_liaison_invalid(ctx, "诉求内容须为 1 到 2000 个字符，"
                                      "且不含控制字符", "content");
        return NGX_ERROR;
    }

    if (ngx_http_liaison_body_str(ctx, NULL, "case_no", NULL, 0, &s)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (s.data) {
        if (lsn_caseno_parse((char *) s.data, s.len, &in->caseno) != 0) {
            ngx_http_liaison_invalid(ctx, "案号格式不正确，例如"
                                          "（2020）粤0115民初1234号",
                                     "case_no");
            return NGX_ERROR;
        }

        in->has_case = 1;
    }

    if (!in->has_case && ngx_strcmp(lsn_categories[in->category],
                                    "contact_judge") == 0)
    {
        ngx_http_liaison_invalid(ctx, "联系法官须填写案号", "case_no");
        return NGX_ERROR;
    }

    contact = ngx_http_liaison_json_get(ctx->body, "contact");

    if (contact && contact->type != NGX_HTTP_LIAISON_JSON_NULL) {
        if (contact->type != NGX_HTTP_LIAISON_JSON_OBJECT) {
            ngx_http_liaison_invalid(ctx, "联系人必须是对象", "contact");
            return NGX_ERROR;
        }

        if (ngx_http_liaison_body_str(ctx, contact, "name", "contact.name", 0,
                                      &in->contact_name)
               != NGX_OK
            || ngx_http_liaison_body_str(ctx, contact, "phone",
                                         "contact.phone", 0,
                                         &in->contact_phone)
               != NGX_OK
            || ngx_http_liaison_body_unknown(ctx, contact) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (in->contact_name.data
            && lsn_text_valid(in->contact_name.data, in->contact_name.len, 1,
                              NGX_HTTP_LIAISON_NAME_MAX)
               != 0)
        {
            ngx_http_liaison_invalid(ctx, "联系人姓名须为 1 到 50 个字符",
                                     "contact.name");
            return NGX_ERROR;
        }

        if (in->contact_phone.data
            && !lsn_phone_valid((char *) in->contact_phone.data,
                                in->contact_phone.len))
        {
            ngx_http_liaison_invalid(ctx, "联系电话格式不正确",
                                     "contact.phone");
            return NGX_ERROR;
        }
    }

    if (ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK) {
        return NGX_ERROR;
    }

    if (lsn_channel_needs_staff(in->channel)) {
        if (ctx->who == NGX_HTTP_LIAISON_ANON) {
            ngx_http_liaison_unauthorized(ctx, "大厅和热线渠道须由工作人员"
                                               "登记");
            return NGX_ERROR;
        }

        if (ctx->who != NGX_HTTP_LIAISON_STAFF) {
            ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "大厅和热线渠道须由工作人员登记", NULL);
            return NGX_ERROR;
        }

        if (in->contact_name.data == NULL || in->contact_phone.data == NULL) {
            ngx_http_liaison_invalid(ctx, "代为登记须填写联系人姓名和电话",
                                     in->contact_name.data ? "contact.phone"
                                                           : "contact.name");
            return NGX_ERROR;
        }
    }

    h = ngx_http_liaison_header(ctx->r, "Idempotency-Key");

    if (h) {
        in->idem_key = h->value;

        if (!lsn_idempotency_key_valid((char *) in->idem_key.data,
                                       in->idem_key.len))
        {
            ngx_http_liaison_invalid(ctx, "Idempotency-Key 须为 1 到 128 个"
                                          "字母、数字或 _.:- 字符",
                                     "Idempotency-Key");
            return NGX_ERROR;
        }

    } else if (ngx_http_liaison_intake_key(ctx, in) != NGX_OK) {
        return NGX_ERROR;
    }

    lsn_sha256_hex(ctx->raw_body.data, ctx->raw_body.len, in->body_hash);
    in->body_hash[64] = '\0';

    /* every answer names the key: a client that saw none can retry */
    h = ngx_list_push(&ctx->r->headers_out.headers);
    if (h == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Idempotency-Key");
    h->value = in->idem_key;

    return NGX_OK;
}


/*
 * The server's Idempotency-Key for a request that came without one: its
 * row tells, after a COMMIT whose answer was lost, whether it committed.
 * "srv-", the time in milliseconds (12 hex digits), 20 random ones: keys
 * made one after another sort one after another, so their rows go to
 * the end of the table's primary key, not to random pages of it (random
 * keys cost the database a third of its intakes once the table outgrew
 * its buffer pool, bench/README.md).
 */

static ngx_int_t
ngx_http_liaison_intake_key(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    u_char      rnd[NGX_HTTP_LIAISON_KEY_RANDOM], *p;
    uint64_t    ms;
    ngx_time_t *tp;

    p = ngx_pnalloc(ctx->r->pool, 4 + 12 + 2 * NGX_HTTP_LIAISON_KEY_RANDOM);
    if (p == NULL
        || ngx_http_liaison_random(rnd, sizeof(rnd)) != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "no random bytes for an idempotency key");
        return NGX_ERROR;
    }

    tp = ngx_timeofday();
    ms = ((uint64_t) tp->sec * 1000 + tp->msec) & 0xffffffffffffULL;

    in->idem_key.data = p;
    p = ngx_sprintf(p, "srv-%012xL", ms);
    p = ngx_hex_dump(p, rnd, sizeof(rnd));
    in->idem_key.len = p - in->idem_key.data;

    return NGX_OK;
}


static void
ngx_http_liaison_intake_answer(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    ngx_http_liaison_db_op_t  *op;

    op = &ctx->op;

    if (op->rc == NGX_ERROR && op->err_no == 1062 && in->idem_key.len
        && op->err_stmt == 1)
    {
        /*
         * A replay, or a concurrent request with the same key committed
         * first (an insert waits for the other's lock, so it did): its
         * answer, read committed.
         */
        ngx_http_liaison_sql(ctx,
            "ROLLBACK;SELECT request_hash, status, response "
            "FROM idempotency_keys WHERE principal = $z AND idem_key = $s "
            "LOCK IN SHARE MODE",
            in->principal, in->idem_key.data, in->idem_key.len);

        ngx_http_liaison_run(ctx, ngx_http_liaison_intake_existing);
        return;
    }

    if (op->rc == NGX_HTTP_LIAISON_DB_UNAVAILABLE && op->timed_out
        && in->idem_key.len)
    {
        ngx_http_liaison_intake_fate(ctx, in);
        return;
    }

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: ticket %s registered (%s, %s%s)", in->ticket_no,
                  lsn_channels[in->channel], lsn_track_name(in->track),
                  in->canned_id ? ", answered on receipt" : "");

    ngx_http_liaison_answer_str(ctx, NGX_HTTP_CREATED, &in->response);
}


/* The intake service */

void
ngx_http_liaison_intake_start(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    ctx->data = in;

    /* 繁简分流 by the rules (liaison_triage_rules), risk signals (A10) */
    ngx_http_liaison_triage_run(ctx, in->category, &in->content,
                                &in->triage);
    in->track = in->triage.track;

    switch (ctx->who) {
    case NGX_HTTP_LIAISON_STAFF:
        ngx_snprintf((u_char *) in->principal, sizeof(in->principal) - 1,
                     "s:%uL%Z", ctx->subject_id);
        break;
    case NGX_HTTP_LIAISON_LITIGANT:
        ngx_snprintf((u_char *) in->principal, sizeof(in->principal) - 1,
                     "l:%uL%Z", ctx->subject_id);
        break;
    default:
        ngx_cpystrn((u_char *) in->principal, (u_char *) "anon",
                    sizeof(in->principal));
    }

    /* A4: the canned answers are looked at only when one may answer */
    if (lsn_canned_eligible(in->track, in->triage.nrisks, in->has_case,
                            (char *) in->content.data, in->content.len, NULL)
        == LSN_CANNED_NONE)
    {
        ngx_http_liaison_canned_ready(ctx, ngx_http_liaison_intake_match);
        return;
    }

    ngx_http_liaison_calendar_ready(ctx, ngx_http_liaison_intake_prepare);
}


/* Answer on receipt: the one canned answer that fits with confidence. */

static void
ngx_http_liaison_intake_match(ngx_http_liaison_ctx_t *ctx)
{
    lsn_canned_result_t         res;
    ngx_http_liaison_intake_t  *in;

    in = ctx->data;

    lsn_canned_decide(ctx->mcf->canned, in->category, in->track,
                      in->triage.nrisks, in->has_case,
                      (char *) in->content.data, in->content.len, &res);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, ctx->r->connection->log, 0,
                   "liaison: canned answers: %s (%ul, %ul)",
                   lsn_canned_verdict_name(res.verdict), res.id, res.other);

    if (res.verdict == LSN_CANNED_ANSWER) {
        /* a copy: the set may be reloaded while the request waits */
        in->answer.data = ngx_pnalloc(ctx->r->pool, res.body_len);
        if (in->answer.data == NULL) {
            ngx_http_liaison_fail(ctx, "out of memory");
            return;
        }

        ngx_memcpy(in->answer.data, res.body, res.body_len);
        in->answer.len = res.body_len;
        in->canned_id = res.id;
    }

    ngx_http_liaison_calendar_ready(ctx, ngx_http_liaison_intake_prepare);
}


/*
 * A batch before the transaction only when it needs what the answer tells:
 * a block of ticket numbers, the office of a routed category.  The case
 * and an earlier answer for the key are read inside the transaction.
 */

static void
ngx_http_liaison_intake_prepare(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t                  n;
    ngx_http_liaison_intake_t  *in;

    in = ctx->data;
    n = 0;

    /*
     * Ticket numbers come from the database a block at a time, so most
     * intakes need no round trip before their transaction.  The block is
     * a row updated in place (sql/016): on Galera a row is certified, a
     * SEQUENCE is not.  LAST_INSERT_ID(expr) hands back the block's start.
     */
    in->need_seq = ngx_http_liaison_seq_wanted(ctx->mcf);

    if (in->need_seq) {
        ctx->mcf->seq_fetch_at = ngx_current_msec;
        ngx_http_liaison_sql(ctx,
            "UPDATE ticket_blocks "
            "SET next_value = LAST_INSERT_ID(next_value) + $u WHERE id = 1",
            (unsigned long long) NGX_HTTP_LIAISON_SEQ_BLOCK);
        n++;
    }

    if (lsn_category_route(in->category) && !in->routed_read
        && ngx_http_liaison_route_cached(ctx->mcf, in))
    {
        in->routed_read = 1;
    }

    if (lsn_category_route(in->category) && !in->routed_read) {
        ngx_http_liaison_sql_sep(ctx, n++, ";");
        ngx_http_liaison_sql(ctx,
            "SELECT id FROM departments WHERE kind = $z ORDER BY id LIMIT 1",
            lsn_category_route(in->category));
    }

    if (n == 0) {
        ngx_http_liaison_intake_write(ctx);
        return;
    }

    ngx_http_liaison_run(ctx, ngx_http_liaison_intake_numbered);
}


static void
ngx_http_liaison_intake_numbered(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                   row;
    uint64_t                    seq;
    ngx_uint_t                  next;
    unsigned long              *len;
    ngx_http_liaison_intake_t  *in;

    in = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    next = 0;

    if (in->need_seq) {
        seq = (op->affected[next] == 1) ? op->insert_id[next] : 0;
        next++;

        if (seq == 0) {
            ngx_http_liaison_fail(ctx, "ticket_blocks gave no number");
            return;
        }

        ctx->mcf->seq_fetch_at = 0;

        if (ngx_http_liaison_seq_keep(ctx, seq) != NGX_OK) {
            ngx_http_liaison_fail(ctx, "out of memory");
            return;
        }
    }

    if (lsn_category_route(in->category) && !in->routed_read) {
        row = ngx_http_liaison_row(op, next++, &len);
        in->routed = row ? ngx_http_liaison_row_id(row, len, 0) : 0;
        in->routed_read = 1;

        if (in->category < 32) {
            ctx->mcf->route_dept[in->category] = in->routed;
            ctx->mcf->route_at[in->category] = ngx_current_msec;
        }

        if (in->routed == 0) {
            ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                          "liaison: no department of kind \"%s\" for %s "
                          "requests: the platform dispatches them",
                          lsn_category_route(in->category),
                          lsn_categories[in->category]);
        }
    }

    ngx_http_liaison_intake_write(ctx);
}


/*
 * The office of a routed category (or none) as read within the last
 * minute: departments are only added, and one added is used within it.
 */

static ngx_uint_t
ngx_http_liaison_route_cached(ngx_http_liaison_main_conf_t *mcf,
    ngx_http_liaison_intake_t *in)
{
    if (in->category >= 32 || mcf->route_at[in->category] == 0
        || ngx_current_msec - mcf->route_at[in->category]
           >= NGX_HTTP_LIAISON_ROUTE_TTL)
    {
        return 0;
    }

    in->routed = mcf->route_dept[in->category];

    return 1;
}


/*
 * A block is fetched when 3/4 of the one in hand are used and none is kept
 * or on its way (one fetch at a time, ahead of need), or when there is no
 * number at all (then several requests may fetch at once: each block is
 * kept).  A fetch is taken for lost after a second (its request gone).
 */

static ngx_uint_t
ngx_http_liaison_seq_wanted(ngx_http_liaison_main_conf_t *mcf)
{
    uint64_t  left;

    if (mcf->seq_spare && mcf->seq_spare->nelts) {
        return 0;
    }

    left = (mcf->seq_end > mcf->seq_next) ? mcf->seq_end - mcf->seq_next : 0;

    if (left == 0) {
        return 1;
    }

    return left <= NGX_HTTP_LIAISON_SEQ_BLOCK / 4
           && (mcf->seq_fetch_at == 0
               || ngx_current_msec - mcf->seq_fetch_at > 1000);
}


/*
 * A block of numbers fetched: in hand at once when the block in hand is
 * used up, else kept until it is (concurrent fetches each keep theirs).
 */

static ngx_int_t
ngx_http_liaison_seq_keep(ngx_http_liaison_ctx_t *ctx, uint64_t first)
{
    uint64_t                      *spare;
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ctx->mcf;

    if (mcf->seq_next >= mcf->seq_end) {
        mcf->seq_next = first;
        mcf->seq_end = first + NGX_HTTP_LIAISON_SEQ_BLOCK;
        return NGX_OK;
    }

    if (mcf->seq_spare == NULL) {
        mcf->seq_spare = ngx_array_create(ngx_cycle->pool, 4,
                                          sizeof(uint64_t));
        if (mcf->seq_spare == NULL) {
            return NGX_ERROR;
        }
    }

    spare = ngx_array_push(mcf->seq_spare);
    if (spare == NULL) {
        return NGX_ERROR;
    }

    *spare = first;

    return NGX_OK;
}


/* The next number in hand; NGX_DECLINED when a block must be fetched. */

static ngx_int_t
ngx_http_liaison_seq_take(ngx_http_liaison_ctx_t *ctx, uint64_t *seq)
{
    uint64_t                      *spare;
    ngx_http_liaison_main_conf_t  *mcf;

    mcf = ctx->mcf;

    if (mcf->seq_next >= mcf->seq_end) {
        if (mcf->seq_spare == NULL || mcf->seq_spare->nelts == 0) {
            return NGX_DECLINED;
        }

        spare = mcf->seq_spare->elts;
        mcf->seq_spare->nelts--;
        mcf->seq_next = spare[mcf->seq_spare->nelts];
        mcf->seq_end = mcf->seq_next + NGX_HTTP_LIAISON_SEQ_BLOCK;
    }

    *seq = mcf->seq_next++;

    return NGX_OK;
}


/* The transaction: the key's row, the ticket, its first event. */

static void
ngx_http_liaison_intake_write(ngx_http_liaison_ctx_t *ctx)
{
    int                         unknown;
    u_char                      rnd[LSN_QUERY_CODE_LEN];
    u_char                      num[NGX_INT64_LEN + 16], *id;
    uint64_t                    owner, staff, seq;
    const char                 *status;
    ngx_http_liaison_buf_t      b;
    ngx_http_liaison_intake_t  *in;

    in = ctx->data;

    if (ngx_http_liaison_seq_take(ctx, &seq) != NGX_OK) {
        /* others used up the blocks meanwhile: fetch one more */
        ngx_http_liaison_intake_prepare(ctx);
        return;
    }

    /* the number, the code and the due time are the client's answer */

    if (ngx_http_liaison_random(rnd, sizeof(rnd)) != NGX_OK) {
        ngx_http_liaison_fail(ctx, "no random bytes for a query code");
        return;
    }

    lsn_ticket_no_make(ctx->now, (unsigned long long) seq, in->ticket_no);
    lsn_query_code_make(rnd, in->query_code);
    in->query_code[LSN_QUERY_CODE_LEN] = '\0';

    in->due_at = lsn_calendar_add_working_days(ctx->mcf->calendar, ctx->now,
                                               (int) ctx->mcf->sla[in->track],
                                               &unknown);
    status = in->routed ? "dispatched" : "registered";
    if (unknown && !ctx->mcf->calendar_warned) {
        ctx->mcf->calendar_warned = 1;
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: the working-day calendar of %d is not "
                      "loaded, weekends only are assumed", unknown);
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 256);

    ngx_http_liaison_buf_lit(&b, "{");
    ngx_http_liaison_json_kv(&b, "ticket_no", (u_char *) in->ticket_no,
                             ngx_strlen(in->ticket_no));
    ngx_http_liaison_json_kv(&b, "track",
                             (u_char *) lsn_track_name(in->track),
                             ngx_strlen(lsn_track_name(in->track)));
    /* answered on receipt (A4), or as registered */
    ngx_http_liaison_json_kv(&b, "status",
                             (u_char *) (in->canned_id ? "answered" : status),
                             in->canned_id ? 8 : ngx_strlen(status));
    ngx_http_liaison_json_kv(&b, "query_code", (u_char *) in->query_code,
                             LSN_QUERY_CODE_LEN);
    ngx_http_liaison_json_kv_time(&b, "due_at", in->due_at);
    ngx_http_liaison_json_kv_time(&b, "created_at", ctx->now);

    if (in->canned_id) {
        ngx_http_liaison_buf_lit(&b, ",\"answer\":{");
        ngx_http_liaison_json_kv(&b, "content", in->answer.data,
                                 in->answer.len);
        id = ngx_sprintf(num, ",\"canned_id\":%uL}", in->canned_id);
        ngx_http_liaison_buf_raw(&b, num, id - num);
    }

    ngx_http_liaison_buf_lit(&b, "}");

    if (ngx_http_liaison_buf_str(&b, &in->response) != NGX_OK) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    /*
     * One transaction in one round trip; the key's row goes first and
     * takes its lock (a replay fails there on the duplicate key).  READ
     * COMMITTED: no gap locks for concurrent intakes to collide on.
     */

    ctx->read_committed = 1;
    ngx_http_liaison_sql(ctx, "START TRANSACTION");

    /* the rows of every intake: prepared statements (_prepared.c) */

    if (in->idem_key.len) {
        ngx_http_liaison_sql(ctx, ";");
        ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_KEY,
            "$z, $s, $z, $s, $t",
            in->principal, in->idem_key.data, in->idem_key.len,
            in->body_hash, in->response.data, in->response.len, ctx->now);
    }

    owner = (ctx->who == NGX_HTTP_LIAISON_LITIGANT) ? ctx->subject_id : 0;
    staff = (ctx->who == NGX_HTTP_LIAISON_STAFF) ? ctx->subject_id : 0;

    /* with a case: its id and, unless the category routes it, its office;
       no case, no read */
    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx,
        in->has_case ? NGX_HTTP_LIAISON_PS_TICKET_CASE
                     : NGX_HTTP_LIAISON_PS_TICKET,
        "$z, $z, $z, $z, $z, $z, $s, $i, ",
        in->ticket_no, in->query_code, lsn_channels[in->channel],
        lsn_categories[in->category], lsn_track_name(in->track),
        in->canned_id ? "answered" : status,
        in->has_case ? in->caseno.normalized : NULL,
        in->caseno.normalized_len,
        (long long) in->caseno.legacy);

    if (in->has_case) {
        ngx_http_liaison_sql(ctx, "$s, ", in->caseno.normalized,
                             in->caseno.normalized_len);
    }

    ngx_http_liaison_sql(ctx, "$s, $s, $s, $u, $u, $u, ",
        in->content.data, in->content.len,
        in->contact_name.data, in->contact_name.len,
        in->contact_phone.data, in->contact_phone.len,
        (unsigned long long) owner, (unsigned long long) staff,
        (unsigned long long) in->routed);

    if (in->has_case) {
        ngx_http_liaison_sql(ctx, "$s, ", in->caseno.normalized,
                             in->caseno.normalized_len);
    }

    ngx_http_liaison_sql(ctx,
        "$t, $t, $t, $z, $u, $t, $u, $t, $u, $t, $u, ",
        ctx->now, in->due_at, ctx->now, owner ? "pending" : NULL,
        (unsigned long long) (in->routed != 0), ctx->now,
        (unsigned long long) (in->routed != 0),
        /* A2: to be accepted within one working day */
        lsn_calendar_add_working_days(ctx->mcf->calendar, ctx->now, 1, NULL),
        /* answered on receipt (A4): answered as it is registered */
        (unsigned long long) (in->canned_id != 0), ctx->now,
        (unsigned long long) in->canned_id);

    ngx_http_liaison_triage_columns(ctx, &in->triage);

    ngx_http_liaison_sql(ctx, ";");
    ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_REGISTERED,
        "$z, $u, $s, $t",
        ctx->who == NGX_HTTP_LIAISON_STAFF ? "staff"
        : ctx->who == NGX_HTTP_LIAISON_LITIGANT ? "litigant" : "public",
        (unsigned long long) ctx->subject_id,
        ctx->who == NGX_HTTP_LIAISON_STAFF ? ctx->role.data : NULL,
        ctx->role.len, ctx->now);

    if (in->canned_id && !in->routed) {
        ngx_http_liaison_sql(ctx,
            ";INSERT INTO ticket_events (ticket_id, type, actor_kind, "
            "status_from, status_to, note, public, created_at) VALUES "
            "(@lsn_ticket, 'answered', 'system', 'registered', 'answered', "
            "$s, 1, $t)", in->answer.data, in->answer.len, ctx->now);
    }

    if (in->routed) {
        /* A3: straight to its office, whose people hear of it at once */
        ngx_http_liaison_sql(ctx, ";");
        ngx_http_liaison_sql_execute(ctx, NGX_HTTP_LIAISON_PS_DISPATCHED,
                                     "$t, $u", ctx->now,
                                     (unsigned long long) in->routed);
        ngx_http_liaison_outbox_work_order(ctx);

    } else if (in->canned_id) {
        ngx_http_liaison_answered_notify(ctx, in);
    }

    if (lsn_category_index("complaint", 9) == in->category) {
        ngx_http_liaison_complaint_keys(ctx, &in->contact_phone,
            in->has_case ? in->caseno.normalized : NULL, owner,
            owner || ctx->who == NGX_HTTP_LIAISON_STAFF);
    }

    /* what the rules found (a risk opened and alerted at once, A10); the
       text to WeChat's content check */
    ngx_http_liaison_triage_hits(ctx, 0, &in->triage, 0);
    ngx_http_liaison_triage_risk(ctx, in->ticket_no, 0, &in->triage,
                                 &in->content, 0);

    if (owner) {
        ngx_http_liaison_outbox_content_check(ctx, in->ticket_no, 0);

    } else if (!in->canned_id) {
        /* without WeChat, the number and the code reach the caller by SMS */
        ngx_http_liaison_intake_sms(ctx, in);
    }

    if (in->extra) {
        in->extra(ctx, in);
    }

    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run_grouped(ctx, ngx_http_liaison_intake_done);
}


static void
ngx_http_liaison_intake_sms(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    u_char     *p;
    ngx_str_t   text;

    text.data = ngx_pnalloc(ctx->r->pool, 256);
    if (text.data == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    p = ngx_sprintf(text.data,
                    "【诉讼服务】您的诉求已登记，编号 %s，查询码 %s，请妥善"
                    "保管。可凭编号和查询码在法院网站或诉讼服务大厅一体机"
                    "查询进度、补充信息。", in->ticket_no, in->query_code);
    text.len = p - text.data;

    ngx_http_liaison_outbox_intake_sms(ctx, &in->contact_phone,
                                       LSN_KIND_TICKET_REGISTERED, &text);
}


/*
 * Answered on receipt (A4; the ticket is written answered, with its public
 * "answered" event, by intake_write): the litigant told, a WeChat owner by
 * the reply push (unless the caller tells them itself), anyone else by one
 * SMS to the contact mobile with the number, the code and the answer.
 */

#define NGX_HTTP_LIAISON_ANSWER_QUOTE  300   /* characters in the SMS */

static void
ngx_http_liaison_answered_notify(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    int         cut;
    u_char     *p;
    size_t      n;
    ngx_str_t   sms;

    if (ctx->who == NGX_HTTP_LIAISON_LITIGANT) {
        if (!in->tells_answer) {
            ngx_http_liaison_outbox_reply_no(ctx, in->ticket_no,
                                             &in->answer);
        }

        return;
    }

    sms.data = ngx_pnalloc(ctx->r->pool, 256 + in->answer.len);
    if (sms.data == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    n = lsn_utf8_prefix((char *) in->answer.data, in->answer.len,
                        NGX_HTTP_LIAISON_ANSWER_QUOTE, &cut);

    p = ngx_sprintf(sms.data,
                    "【诉讼服务】您的诉求已登记并答复，编号 %s，查询码 %s。"
                    "答复：%*s%s可凭编号和查询码查看全文、补充信息或评价。",
                    in->ticket_no, in->query_code, n, in->answer.data,
                    cut ? "……" : "");
    sms.len = p - sms.data;

    ngx_http_liaison_outbox_intake_sms(ctx, &in->contact_phone,
                                       LSN_KIND_TICKET_ANSWERED, &sms);
}


/*
 * An earlier answer for this Idempotency-Key: the same body gets the same
 * answer, another body a conflict.  NGX_DECLINED when there is none.
 */

static ngx_int_t
ngx_http_liaison_intake_replay(ngx_http_liaison_ctx_t *ctx, MYSQL_RES *res)
{
    MYSQL_ROW                   row;
    ngx_int_t                   status;
    ngx_str_t                   body;
    unsigned long              *len;
    ngx_http_liaison_intake_t  *in;

    in = ctx->data;

    row = res ? mysql_fetch_row(res) : NULL;
    if (row == NULL) {
        return NGX_DECLINED;
    }

    len = mysql_fetch_lengths(res);

    if (lsn_ct_compare(row[0], len[0], in->body_hash, 64) != 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "该 Idempotency-Key 已用于另一个请求",
                               "Idempotency-Key");
        return NGX_OK;
    }

    status = ngx_atoi((u_char *) row[1], len[1]);

    if (status < 200 || status > 299
        || ngx_http_liaison_row_copy(ctx->r->pool, row, len, 2, &body)
           != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "an idempotency key with a bad answer");
        return NGX_OK;
    }

    ngx_http_liaison_answer_str(ctx, status, &body);

    return NGX_OK;
}


static void
ngx_http_liaison_intake_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_intake_t  *in;

    in = ctx->data;
    in->done(ctx, in);
}


static void
ngx_http_liaison_intake_existing(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_intake_t  *in;

    in = ctx->data;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_intake_replay(ctx, op->res[1]) != NGX_DECLINED) {
        return;
    }

    /* the row that was in the way is gone again: the intake once more */

    if (in->rereads++ < NGX_HTTP_LIAISON_REREADS) {
        ngx_http_liaison_intake_write(ctx);
        return;
    }

    ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                           "unavailable", "请稍后重试", NULL);
}


/*
 * The deadline fired while the transaction ran: the server may still
 * commit it.  Its connection is killed (no COMMIT starts after that), then
 * the key's row read with a lock (a COMMIT under way holds the row and is
 * waited for): the row there, the ticket is; none, nothing was written.
 */

static void
ngx_http_liaison_intake_fate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_intake_t *in)
{
    ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                  "liaison: the intake's transaction timed out on "
                  "connection %ui: finding out whether it committed",
                  ctx->op.thread_id);

    ngx_http_liaison_sql(ctx, "KILL $u",
                         (unsigned long long) ctx->op.thread_id);
    ngx_http_liaison_run(ctx, ngx_http_liaison_intake_killed);
}


static void
ngx_http_liaison_intake_killed(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_intake_t  *in;

    in = ctx->data;

    /* 1094: that connection had ended already */
    if (op->rc != NGX_OK && !(op->rc == NGX_ERROR && op->err_no == 1094)) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT request_hash, status, response FROM idempotency_keys "
        "WHERE principal = $z AND idem_key = $s LOCK IN SHARE MODE",
        in->principal, in->idem_key.data, in->idem_key.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_intake_fated);
}


static void
ngx_http_liaison_intake_fated(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_intake_replay(ctx, op->res[0]) != NGX_DECLINED) {
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: ... it did: the ticket is answered");
        return;
    }

    ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                           "unavailable", "服务暂时不可用，请稍后重试", NULL);
}


/* GET /tickets/{ticket_no}[?query_code=] */

enum {
    TK_ID = 0, TK_NO, TK_CODE, TK_CHANNEL, TK_CATEGORY, TK_TRACK, TK_STATUS,
    TK_CASE_NO, TK_CONTENT, TK_NAME, TK_PHONE, TK_OWNER, TK_DEPARTMENT,
    TK_ASSIGNEE, TK_CREATED, TK_DUE, TK_UPDATED, TK_CLOSED,
    EV_TYPE, EV_STATUS, EV_NOTE, EV_AT, EV_PUBLIC, EV_ID, TK_IN_CHARGE,
    TK_ATTACHMENTS, TK_DEPT_NAME, TK_ASSIGNEE_NAME, TK_ESCALATION,
    TK_SUPERVISED, TK_RISK_FLAG, TK_RISK_RULES, TK_RISK,
    EV_ACTOR_KIND, EV_ACTOR_NAME, EV_ACTOR_ROLE, TK_SUP_REASON, TK_SUP_AT,
    TK_REFERRED, TK_CONCLUDED
};


static void
ngx_http_liaison_tickets_get(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t  *no;

    no = ngx_http_liaison_path(ctx, "no");

    if (!lsn_ticket_no_valid((char *) no->data, no->len)) {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    /*
     * the public's and the owner's: the same statement for every ticket,
     * several requests' tickets in one when reads wait
     */
    if (ctx->who != NGX_HTTP_LIAISON_STAFF) {
        ngx_http_liaison_run_batched(ctx, NGX_HTTP_LIAISON_PS_STATUS,
                                     NGX_HTTP_LIAISON_PS_STATUS_KEYS, no,
                                     TK_NO, ngx_http_liaison_status_batched);
        return;
    }

    ngx_http_liaison_sql(ctx, NGX_HTTP_LIAISON_STATUS_COLS);
    ngx_http_liaison_scope_reach_sql(ctx);
    ngx_http_liaison_sql(ctx,
        NGX_HTTP_LIAISON_STATUS_REST("d.name, a.name",
            "(SELECT CONCAT(r.id, ' ', r.stage) FROM risks r "
            "WHERE r.ticket_id = t.id AND r.closed_at IS NULL "
            "ORDER BY r.id DESC LIMIT 1)", "s.name")
        "LEFT JOIN departments d ON d.id = t.department_id "
        "LEFT JOIN staff a ON a.id = t.assignee_staff_id "
        "LEFT JOIN staff s ON s.id = e.actor_id AND e.actor_kind = 'staff' "
        "WHERE t.ticket_no = $s", no->data, no->len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_status_loaded);
}


/*
 * ORDER BY over the join costs MariaDB a temporary table per request;
 * the timeline is short, so it is put in order here.
 */

static int
ngx_http_liaison_event_cmp(const void *a, const void *b)
{
    long long   x, y;
    MYSQL_ROW   ra, rb;

    ra = *(MYSQL_ROW *) a;
    rb = *(MYSQL_ROW *) b;
    x = ra[EV_ID] ? strtoll(ra[EV_ID], NULL, 10) : 0;
    y = rb[EV_ID] ? strtoll(rb[EV_ID], NULL, 10) : 0;

    return (x > y) - (x < y);
}


/* The staff's read: the rows of its one statement. */

static void
ngx_http_liaison_status_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_uint_t      i, n;
    MYSQL_ROW      *rows;
    unsigned long  *len, *first;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    n = (op->nstmts && op->res[0]) ? (ngx_uint_t) mysql_num_rows(op->res[0])
                                    : 0;
    if (n == 0) {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    rows = ngx_palloc(ctx->r->pool, n * sizeof(MYSQL_ROW));
    first = ngx_palloc(ctx->r->pool,
                       mysql_num_fields(op->res[0]) * sizeof(unsigned long));
    if (rows == NULL || first == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    /* the lengths are the last row's: the first's are kept */
    for (i = 0; i < n; i++) {
        rows[i] = ngx_http_liaison_row(op, 0, &len);

        if (rows[i] == NULL) {
            ngx_http_liaison_db_error(ctx);
            return;
        }

        if (i == 0) {
            ngx_memcpy(first, len,
                       mysql_num_fields(op->res[0]) * sizeof(unsigned long));
        }
    }

    ngx_http_liaison_status_show(ctx, rows, n, first);
}


/* The public's and the owner's: the ticket's rows of a batch. */

static void
ngx_http_liaison_status_batched(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW  *rows;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->nrows == 0) {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    /* the batch's rows go with it: sorted here, in the request's memory */
    rows = ngx_palloc(ctx->r->pool, op->nrows * sizeof(MYSQL_ROW));
    if (rows == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_memcpy(rows, op->rows, op->nrows * sizeof(MYSQL_ROW));

    ngx_http_liaison_status_show(ctx, rows, op->nrows, op->row_len);
}


/*
 * A ticket's status from its rows (one per event, the ticket's columns on
 * each; len: the first's lengths) for whoever may see it.  The rows are
 * read before this returns.
 */

static void
ngx_http_liaison_status_show(ngx_http_liaison_ctx_t *ctx, MYSQL_ROW *events,
    ngx_uint_t nev, unsigned long *len)
{
    char                     code[LSN_QUERY_CODE_LEN];
    char                     masked[40];
    size_t                   i;
    MYSQL_ROW                row;
    ngx_str_t                qc;
    ngx_int_t                n;
    ngx_uint_t               allowed, staff;
    ngx_http_liaison_buf_t   b, *saved;

    row = events[0];

    allowed = 0;
    staff = 0;

    if (ngx_http_liaison_arg(ctx->r, "query_code", &qc) == NGX_OK
        && lsn_query_code_normalize((char *) qc.data, qc.len, code) == 0)
    {
        allowed = (lsn_ct_compare(code, LSN_QUERY_CODE_LEN, row[TK_CODE],
                                  len[TK_CODE]) == 0);
    }

    if (ctx->who == NGX_HTTP_LIAISON_LITIGANT) {
        n = (ngx_int_t) ngx_http_liaison_row_id(row, len, TK_OWNER);
        allowed |= (n > 0 && (uint64_t) n == ctx->subject_id);
    }

    if (ctx->who == NGX_HTTP_LIAISON_STAFF) {
        staff = ngx_http_liaison_scope_sees(ctx,
                    ngx_http_liaison_row_id(row, len, TK_DEPARTMENT),
                    ngx_http_liaison_row_id(row, len, TK_ASSIGNEE),
                    row[TK_IN_CHARGE] && row[TK_IN_CHARGE][0] == '1');
        allowed |= staff;
    }

    if (!allowed) {
        ngx_http_liaison_ticket_not_found(ctx);
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool,
                                     1024 + len[TK_CONTENT]);

    ngx_http_liaison_buf_lit(&b, "{");
    ngx_http_liaison_json_kv(&b, "ticket_no", (u_char *) row[TK_NO],
                             len[TK_NO]);
    ngx_http_liaison_json_kv(&b, "channel", (u_char *) row[TK_CHANNEL],
                             len[TK_CHANNEL]);
    ngx_http_liaison_json_kv(&b, "category", (u_char *) row[TK_CATEGORY],
                             len[TK_CATEGORY]);
    ngx_http_liaison_json_kv(&b, "track", (u_char *) row[TK_TRACK],
                             len[TK_TRACK]);
    ngx_http_liaison_json_kv(&b, "status", (u_char *) row[TK_STATUS],
                             len[TK_STATUS]);
    ngx_http_liaison_json_kv(&b, "case_no", (u_char *) row[TK_CASE_NO],
                             len[TK_CASE_NO]);
    ngx_http_liaison_json_kv(&b, "content", (u_char *) row[TK_CONTENT],
                             len[TK_CONTENT]);
    ngx_http_liaison_json_kv_dt(&b, "created_at", row[TK_CREATED],
                                len[TK_CREATED]);
    ngx_http_liaison_json_kv_dt(&b, "due_at", row[TK_DUE], len[TK_DUE]);
    ngx_http_liaison_json_kv_dt(&b, "updated_at", row[TK_UPDATED],
                                len[TK_UPDATED]);
    ngx_http_liaison_json_kv_dt(&b, "closed_at", row[TK_CLOSED],
                                len[TK_CLOSED]);

    ngx_http_liaison_json_key(&b, "contact");

    if (row[TK_NAME] || row[TK_PHONE]) {
        ngx_http_liaison_buf_lit(&b, "{");
        ngx_http_liaison_json_kv(&b, "name", (u_char *) row[TK_NAME],
                                 len[TK_NAME]);

        if (row[TK_PHONE] && !staff && len[TK_PHONE] < sizeof(masked)) {
            /* the public view never shows a whole phone number */
            n = lsn_phone_mask(row[TK_PHONE], len[TK_PHONE], masked);
            ngx_http_liaison_json_kv(&b, "phone", (u_char *) masked, n);

        } else {
            ngx_http_liaison_json_kv(&b, "phone", (u_char *) row[TK_PHONE],
                                     len[TK_PHONE]);
        }

        ngx_http_liaison_buf_lit(&b, "}");

    } else {
        ngx_http_liaison_buf_lit(&b, "null");
    }

    if (staff) {
        ngx_http_liaison_staff_facts(&b, row, len);
    }

    ngx_http_liaison_buf_lit(&b, ",\"timeline\":[");

    ngx_qsort(events, nev, sizeof(MYSQL_ROW), ngx_http_liaison_event_cmp);

    for (i = 0; i < nev; i++) {
        if (events[i][EV_TYPE] == NULL
            || (!staff && events[i][EV_PUBLIC][0] != '1'))
        {
            continue;
        }

        if (ngx_http_liaison_buf_last(&b) != '[') {
            ngx_http_liaison_buf_lit(&b, ",");
        }

        ngx_http_liaison_timeline_item(&b, events[i], row, staff);
    }

    ngx_http_liaison_buf_lit(&b, "],\"attachments\":");

    /* most tickets have none: their list costs a statement only if any */
    if (row[TK_ATTACHMENTS] == NULL || row[TK_ATTACHMENTS][0] == '0') {
        ngx_http_liaison_buf_lit(&b, "[]}");
        ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
        return;
    }

    saved = ngx_palloc(ctx->r->pool, sizeof(ngx_http_liaison_buf_t));
    if (saved == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    *saved = b;
    ctx->data = saved;

    ngx_http_liaison_sql(ctx,
        "SELECT JSON_ARRAYAGG(JSON_OBJECT('id', a.id, 'purpose', "
        "a.purpose, 'uploader', a.uploader_kind, 'filename', "
        "a.filename, 'content_type', a.content_type, 'size', a.size, "
        "'sha256', a.sha256, 'created_at', DATE_FORMAT(a.created_at, "
        "'%Y-%m-%dT%H:%i:%s+08:00')) ORDER BY a.id) "
        "FROM attachments a WHERE a.ticket_id = $s",
        row[TK_ID], (size_t) len[TK_ID]);

    ngx_http_liaison_run(ctx, ngx_http_liaison_status_attachments);
}


/*
 * What staff see besides: who has it, how far it was escalated, special
 * supervision (since when, why, the referral to discipline inspection and
 * its conclusion), and the A10 risk (a rule's flag or a person's warning,
 * with the stage of its newest open risk).
 */

static void
ngx_http_liaison_staff_facts(ngx_http_liaison_buf_t *b, MYSQL_ROW row,
    unsigned long *len)
{
    char  *p, *q, *end;

    ngx_http_liaison_json_kv_ref(b, "department", row[TK_DEPARTMENT],
                                 len[TK_DEPARTMENT], row[TK_DEPT_NAME],
                                 len[TK_DEPT_NAME]);
    ngx_http_liaison_json_kv_ref(b, "assignee", row[TK_ASSIGNEE],
                                 len[TK_ASSIGNEE], row[TK_ASSIGNEE_NAME],
                                 len[TK_ASSIGNEE_NAME]);

    ngx_http_liaison_json_key(b, "escalation_level");
    ngx_http_liaison_buf_raw(b, row[TK_ESCALATION], len[TK_ESCALATION]);
    ngx_http_liaison_json_kv_bool(b, "supervised",
                                  row[TK_SUPERVISED]
                                  && row[TK_SUPERVISED][0] == '1');

    ngx_http_liaison_json_key(b, "supervision");

    if (row[TK_SUPERVISED] == NULL || row[TK_SUPERVISED][0] != '1') {
        ngx_http_liaison_buf_lit(b, "null");

    } else {
        ngx_http_liaison_buf_lit(b, "{");
        ngx_http_liaison_json_kv(b, "reason", (u_char *) row[TK_SUP_REASON],
                                 len[TK_SUP_REASON]);
        ngx_http_liaison_json_kv_dt(b, "since", row[TK_SUP_AT],
                                    len[TK_SUP_AT]);
        ngx_http_liaison_json_kv_dt(b, "referred_at", row[TK_REFERRED],
                                    len[TK_REFERRED]);
        ngx_http_liaison_json_kv_dt(b, "referral_concluded_at",
                                    row[TK_CONCLUDED], len[TK_CONCLUDED]);
        ngx_http_liaison_buf_lit(b, "}");
    }

    ngx_http_liaison_json_key(b, "risk");

    if ((row[TK_RISK_FLAG] == NULL || row[TK_RISK_FLAG][0] != '1')
        && row[TK_RISK] == NULL)
    {
        ngx_http_liaison_buf_lit(b, "null");
        return;
    }

    ngx_http_liaison_buf_lit(b, "{\"flag\":true,\"rules\":[");

    /* risk_rules: "risk.group,risk.media" */
    if (row[TK_RISK_RULES]) {
        p = row[TK_RISK_RULES];
        end = p + len[TK_RISK_RULES];

        while (p < end) {
            q = (char *) ngx_strlchr((u_char *) p, (u_char *) end, ',');
            if (q == NULL) {
                q = end;
            }

            if (q > p) {
                if (ngx_http_liaison_buf_last(b) != '[') {
                    ngx_http_liaison_buf_lit(b, ",");
                }

                ngx_http_liaison_json_str(b, (u_char *) p, q - p);
            }

            p = q + 1;
        }
    }

    ngx_http_liaison_buf_lit(b, "]");

    /* "id stage" of the newest open risk */
    p = row[TK_RISK] ? (char *) ngx_strlchr((u_char *) row[TK_RISK],
                                            (u_char *) row[TK_RISK]
                                            + len[TK_RISK], ' ')
                     : NULL;

    if (p) {
        ngx_http_liaison_json_key(b, "risk_id");
        ngx_http_liaison_buf_raw(b, row[TK_RISK], p - row[TK_RISK]);
        ngx_http_liaison_json_kv(b, "stage", (u_char *) p + 1,
                                 row[TK_RISK] + len[TK_RISK] - p - 1);

    } else {
        ngx_http_liaison_buf_lit(b, ",\"risk_id\":null,\"stage\":null");
    }

    ngx_http_liaison_buf_lit(b, "}");
}


/*
 * A timeline item: what happened (type and its Chinese label), the
 * status after it, the note, when, and who.  Staff read everything; the
 * public view keeps staff's own words among staff, names no member of
 * staff (the role says who), and masks the litigant's name.
 */

static void
ngx_http_liaison_timeline_item(ngx_http_liaison_buf_t *b, MYSQL_ROW ev,
    MYSQL_ROW ticket, ngx_uint_t staff)
{
    char        *note, masked[LSN_NAME_MASK_MAX];
    size_t       n;
    const char  *label, *kind, *name, *role;

    note = (staff || ngx_strcmp(ev[EV_TYPE], "answered") == 0
            || ngx_strcmp(ev[EV_TYPE], "replied") == 0
            || ngx_strcmp(ev[EV_TYPE], "attachment") == 0
            || ngx_strcmp(ev[EV_TYPE], "message") == 0)  /* the owner's */
           ? ev[EV_NOTE] : NULL;

    label = lsn_label(LSN_LABEL_EVENT, ev[EV_TYPE], ngx_strlen(ev[EV_TYPE]));

    ngx_http_liaison_buf_lit(b, "{");
    ngx_http_liaison_json_kv(b, "type", (u_char *) ev[EV_TYPE],
                             ngx_strlen(ev[EV_TYPE]));
    ngx_http_liaison_json_kv(b, "label",
                             (u_char *) (label ? label : ev[EV_TYPE]),
                             ngx_strlen(label ? label : ev[EV_TYPE]));
    ngx_http_liaison_json_kv(b, "status", (u_char *) ev[EV_STATUS],
                             ev[EV_STATUS] ? ngx_strlen(ev[EV_STATUS]) : 0);
    ngx_http_liaison_json_kv(b, "note", (u_char *) note,
                             note ? ngx_strlen(note) : 0);
    ngx_http_liaison_json_kv_dt(b, "at", ev[EV_AT],
                                ev[EV_AT] ? ngx_strlen(ev[EV_AT]) : 0);

    kind = ev[EV_ACTOR_KIND] ? ev[EV_ACTOR_KIND] : "system";
    role = NULL;
    name = lsn_label(LSN_LABEL_ACTOR, kind, ngx_strlen(kind));

    if (ngx_strcmp(kind, "staff") == 0) {
        role = ev[EV_ACTOR_ROLE];

        if (staff && ev[EV_ACTOR_NAME]) {
            name = ev[EV_ACTOR_NAME];

        } else if (role) {
            name = lsn_label(LSN_LABEL_ROLE, role, ngx_strlen(role));
        }

    } else if (ngx_strcmp(kind, "litigant") == 0 && ticket[TK_NAME]) {
        n = lsn_name_mask(ticket[TK_NAME], ngx_strlen(ticket[TK_NAME]),
                          masked);
        if (n) {
            name = masked;
        }
    }

    ngx_http_liaison_buf_lit(b, ",\"actor\":{");
    ngx_http_liaison_json_kv(b, "kind", (u_char *) kind, ngx_strlen(kind));
    ngx_http_liaison_json_kv(b, "name", (u_char *) name,
                             name ? ngx_strlen(name) : 0);
    ngx_http_liaison_json_kv(b, "role", (u_char *) role,
                             role ? ngx_strlen(role) : 0);
    ngx_http_liaison_buf_lit(b, "}}");
}


static void
ngx_http_liaison_status_attachments(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_buf_t  *b;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    b = ctx->data;
    row = ngx_http_liaison_row(op, 0, &len);

    if (row && row[0]) {
        ngx_http_liaison_buf_raw(b, row[0], len[0]);

    } else {
        ngx_http_liaison_buf_lit(b, "[]");
    }

    ngx_http_liaison_buf_lit(b, "}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, b);
}


/* Unknown number and wrong code answer alike: numbers cannot be probed. */

static void
ngx_http_liaison_ticket_not_found(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_not_found(ctx, "未找到该诉求，请核对编号和查询码");
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_tickets_endpoints[] = {

    { ngx_string("tickets"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_ANYONE, 0, NGX_HTTP_LIAISON_BODY_JSON,
      NGX_HTTP_LIAISON_CALENDAR, ngx_http_liaison_tickets_create, 0 },

    { ngx_string("tickets/{no}"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_ANYONE, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_tickets_get, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
