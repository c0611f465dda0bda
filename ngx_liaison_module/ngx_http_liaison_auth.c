
/*
 * Copyright (C) Liaison authors
 *
 * Who is calling: bearer tokens (signed, expiring, revocable through their
 * session row), staff login with the password hash checked in a thread
 * pool, logout.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_module.h"
#include "lsn_text.h"


#define NGX_HTTP_LIAISON_MAX_FAILED_LOGINS  5
#define NGX_HTTP_LIAISON_LOCKOUT            (15 * 60)




typedef struct {
    ngx_str_t                   username;
    uint64_t                    staff_id;
    ngx_str_t                   role;
    ngx_str_t                   department_id;
    ngx_str_t                   department_name;
    ngx_uint_t                  found;
    ngx_uint_t                  ok;
    char                        sid[LSN_TOKEN_SID_LEN + 1];
} ngx_http_liaison_login_t;


/* Hash of a random password: unknown users cost the same time. */
static char  ngx_http_liaison_dummy_hash[] =
    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$kxmbjitV31LFpGgqB8hFvpC/QkjC/79lIdZ4FY6Xne5";


static void ngx_http_liaison_session_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_login_found(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_pw_thread(void *data, ngx_log_t *log);
static void ngx_http_liaison_pw_done(ngx_event_t *ev);
static void ngx_http_liaison_pw_guard(ngx_event_t *ev);
static void ngx_http_liaison_login_checked(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_login_recorded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_logout_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_unauthenticated(ngx_http_liaison_ctx_t *ctx,
    const char *message);


void
ngx_http_liaison_authenticate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next)
{
    ngx_str_t            tok;
    ngx_http_request_t  *r;

    r = ctx->r;
    ctx->next = next;
    ctx->who = NGX_HTTP_LIAISON_ANON;

    if (r->headers_in.authorization == NULL) {
        next(ctx);
        return;
    }

    ctx->token_present = 1;
    tok = r->headers_in.authorization->value;

    if (tok.len < 8 || ngx_strncasecmp(tok.data, (u_char *) "Bearer ", 7)
                       != 0)
    {
        ngx_http_liaison_unauthenticated(ctx, "需要 Bearer 令牌");
        return;
    }

    tok.data += 7;
    tok.len -= 7;

    if (lsn_token_verify(ctx->mcf->token_secret.data,
                         ctx->mcf->token_secret.len, (char *) tok.data,
                         tok.len, ctx->now, &ctx->token)
        != 0)
    {
        ngx_http_liaison_unauthenticated(ctx, "登录已失效，请重新登录");
        return;
    }

    if (ngx_http_liaison_db_sql(r->pool, &ctx->op.sql,
            "SELECT s.staff_id, s.litigant_id, st.role, st.department_id "
            "FROM sessions s LEFT JOIN staff st ON st.id = s.staff_id "
            "WHERE s.id = $z AND s.kind = $s AND s.revoked_at IS NULL "
            "AND s.expires_at > $t AND (s.kind <> 's' OR st.active = 1)",
            ctx->token.sid, &ctx->token.kind, (size_t) 1, ctx->now)
        != NGX_OK)
    {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_session_done);
}


static void
ngx_http_liaison_session_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW       row;
    ngx_int_t       n;
    unsigned long  *len;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[0]);
    if (row == NULL) {
        ngx_http_liaison_unauthenticated(ctx, "登录已失效，请重新登录");
        return;
    }

    len = mysql_fetch_lengths(op->res[0]);

    if (ctx->token.kind == 's') {
        ctx->who = NGX_HTTP_LIAISON_STAFF;
        n = ngx_atoi((u_char *) row[0], len[0]);
        ctx->subject_id = n > 0 ? (uint64_t) n : 0;

        ctx->role.data = ngx_pnalloc(ctx->r->pool, len[2]);
        if (ctx->role.data == NULL) {
            ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_memcpy(ctx->role.data, row[2], len[2]);
        ctx->role.len = len[2];

        n = row[3] ? ngx_atoi((u_char *) row[3], len[3]) : 0;
        ctx->department_id = n > 0 ? (uint64_t) n : 0;

    } else {
        ctx->who = NGX_HTTP_LIAISON_LITIGANT;
        n = row[1] ? ngx_atoi((u_char *) row[1], len[1]) : 0;
        ctx->subject_id = n > 0 ? (uint64_t) n : 0;
    }

    ctx->next(ctx);
}


static void
ngx_http_liaison_unauthenticated(ngx_http_liaison_ctx_t *ctx,
    const char *message)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&ctx->r->headers_out.headers);
    if (h != NULL) {
        h->hash = 1;
        ngx_str_set(&h->key, "WWW-Authenticate");
        ngx_str_set(&h->value, "Bearer");
    }

    ngx_http_liaison_error(ctx, NGX_HTTP_UNAUTHORIZED, "unauthenticated",
                           message, NULL);
}


/* POST /staff/login {username, password} */

void
ngx_http_liaison_staff_login(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_json_t   *user, *pass, *extra;
    ngx_http_liaison_login_t  *lg;

    user = ngx_http_liaison_json_get(ctx->body, "username");
    pass = ngx_http_liaison_json_get(ctx->body, "password");

    extra = ngx_http_liaison_json_unused(ctx->body);
    if (extra) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "未知字段", (char *) extra->key.data);
        return;
    }

    if (user == NULL || user->type != NGX_HTTP_LIAISON_JSON_STRING
        || user->value.len == 0 || user->value.len > 64)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "用户名必须是 1 到 64 个字符", "username");
        return;
    }

    if (pass == NULL || pass->type != NGX_HTTP_LIAISON_JSON_STRING
        || pass->value.len == 0 || pass->value.len > 256
        || ngx_strlen(pass->value.data) != pass->value.len)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "密码必须是 1 到 256 个字符", "password");
        return;
    }

    lg = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_login_t));
    if (lg == NULL
        || ngx_http_liaison_password_task(ctx, &pass->value) != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    lg->username = user->value;
    ctx->data = lg;

    if (ngx_http_liaison_db_sql(ctx->r->pool, &ctx->op.sql,
            "SELECT s.id, s.password_hash, s.role, s.department_id, d.name, "
            "s.locked_until > $t "
            "FROM staff s LEFT JOIN departments d ON d.id = s.department_id "
            "WHERE s.username = $s AND s.active = 1",
            ctx->now, user->value.data, user->value.len)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_login_found);
}


static void
ngx_http_liaison_login_found(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                    row;
    ngx_int_t                    n;
    unsigned long               *len;
    ngx_http_liaison_login_t    *lg;
    ngx_http_liaison_pw_task_t  *pt;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    pt = ctx->pw->ctx;
    lg = ctx->data;

    row = mysql_fetch_row(op->res[0]);

    if (row && row[5] && row[5][0] == '1') {
        ngx_http_liaison_error(ctx, NGX_HTTP_TOO_MANY_REQUESTS,
                               "rate_limited",
                               "登录失败次数过多，请 15 分钟后再试", NULL);
        return;
    }

    len = row ? mysql_fetch_lengths(op->res[0]) : NULL;

    if (row && row[1] && len[1] < sizeof(pt->hash)) {
        lg->found = 1;
        n = ngx_atoi((u_char *) row[0], len[0]);
        lg->staff_id = n > 0 ? (uint64_t) n : 0;
        ngx_memcpy(pt->hash, row[1], len[1]);
        pt->hash[len[1]] = '\0';

        lg->role.data = ngx_pstrdup(ctx->r->pool,
                                    &(ngx_str_t) { len[2], (u_char *) row[2] });
        lg->role.len = len[2];

        if (row[3]) {
            lg->department_id.data = ngx_pstrdup(ctx->r->pool,
                &(ngx_str_t) { len[3], (u_char *) row[3] });
            lg->department_id.len = len[3];
            lg->department_name.data = ngx_pstrdup(ctx->r->pool,
                &(ngx_str_t) { len[4], (u_char *) row[4] });
            lg->department_name.len = len[4];
        }

        if (lg->role.data == NULL
            || (row[3] && (lg->department_id.data == NULL
                           || lg->department_name.data == NULL)))
        {
            ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

    } else {
        ngx_cpystrn((u_char *) pt->hash,
                    (u_char *) ngx_http_liaison_dummy_hash, sizeof(pt->hash));
    }

    /* the connection is not needed while the hash runs */
    ngx_http_liaison_db_release(op);

    pt->verify = 1;
    ngx_http_liaison_password_run(ctx, ngx_http_liaison_login_checked);
}


/*
 * Password hashing off the event loop.  The task lives in the request pool;
 * r->main->blocked keeps the request alive while a thread uses it.
 */

ngx_int_t
ngx_http_liaison_password_task(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *password)
{
    ngx_thread_task_t           *task;
    ngx_http_liaison_pw_task_t  *pt;

    if (password->len >= sizeof(pt->password)) {
        return NGX_ERROR;
    }

    task = ngx_thread_task_alloc(ctx->r->pool,
                                 sizeof(ngx_http_liaison_pw_task_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    pt = task->ctx;
    ngx_memcpy(pt->password, password->data, password->len);
    pt->password[password->len] = '\0';

    ctx->pw = task;

    return NGX_OK;
}


void
ngx_http_liaison_password_run(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt done)
{
    ngx_thread_task_t  *task;

    task = ctx->pw;
    task->handler = ngx_http_liaison_pw_thread;
    task->event.handler = ngx_http_liaison_pw_done;
    task->event.data = ctx;
    ctx->next = done;

    if (ngx_thread_task_post(ctx->mcf->thread_pool, task) != NGX_OK) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "服务繁忙，请稍后重试", NULL);
        return;
    }

    ctx->r->main->blocked++;

    /*
     * A pending timer keeps a gracefully exiting worker alive until the
     * hash is done and the answer sent.
     */
    ctx->pw_guard.handler = ngx_http_liaison_pw_guard;
    ctx->pw_guard.data = ctx;
    ctx->pw_guard.log = ctx->r->connection->log;
    ngx_add_timer(&ctx->pw_guard, 10000);
}


static void
ngx_http_liaison_pw_guard(ngx_event_t *ev)
{
    ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                  "liaison: password hashing is taking more than 10s");

    ngx_add_timer(ev, 10000);
}


static void
ngx_http_liaison_pw_thread(void *data, ngx_log_t *log)
{
    ngx_http_liaison_pw_task_t  *pt = data;

    if (pt->verify) {
        pt->ok = (lsn_password_verify(pt->password, pt->hash) == 0);

    } else {
        pt->ok = (lsn_password_hash(pt->password, pt->hash, sizeof(pt->hash))
                  == 0);
    }

    ngx_explicit_memzero(pt->password, sizeof(pt->password));
}


static void
ngx_http_liaison_pw_done(ngx_event_t *ev)
{
    ngx_http_liaison_ctx_t  *ctx = ev->data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->r;
    c = r->connection;      /* the handlers below may free the request */
    r->main->blocked--;

    if (ctx->pw_guard.timer_set) {
        ngx_del_timer(&ctx->pw_guard);
    }

    if (c->error) {
        /* the client went away while the hash ran */
        r->write_event_handler(r);

    } else {
        ctx->next(ctx);
    }

    ngx_http_run_posted_requests(c);
}


static void
ngx_http_liaison_login_checked(ngx_http_liaison_ctx_t *ctx)
{
    u_char                       rnd[LSN_TOKEN_SID_LEN / 2];
    ngx_http_request_t          *r;
    ngx_http_liaison_login_t    *lg;
    ngx_http_liaison_pw_task_t  *pt;

    r = ctx->r;
    pt = ctx->pw->ctx;
    lg = ctx->data;
    lg->ok = lg->found && pt->ok;

    if (!lg->found) {
        ngx_http_liaison_unauthenticated(ctx, "用户名或密码错误");
        return;
    }

    if (!lg->ok) {
        if (ngx_http_liaison_db_sql(r->pool, &ctx->op.sql,
                "UPDATE staff SET failed_logins = failed_logins + 1, "
                "locked_until = IF(failed_logins >= $u, $t, locked_until) "
                "WHERE id = $u",
                (unsigned long long) NGX_HTTP_LIAISON_MAX_FAILED_LOGINS,
                ctx->now + NGX_HTTP_LIAISON_LOCKOUT,
                (unsigned long long) lg->staff_id)
            != NGX_OK)
        {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

    } else {
        if (ngx_http_liaison_random(rnd, sizeof(rnd)) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        lsn_hex(lg->sid, rnd, sizeof(rnd));
        lg->sid[LSN_TOKEN_SID_LEN] = '\0';

        if (ngx_http_liaison_db_sql(r->pool, &ctx->op.sql,
                "INSERT INTO sessions (id, kind, staff_id, created_at, "
                "expires_at) VALUES ($z, 's', $u, $t, $t);"
                "UPDATE staff SET failed_logins = 0, locked_until = NULL "
                "WHERE id = $u",
                lg->sid, (unsigned long long) lg->staff_id, ctx->now,
                ctx->now + ctx->mcf->token_ttl,
                (unsigned long long) lg->staff_id)
            != NGX_OK)
        {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_login_recorded);
}


static void
ngx_http_liaison_login_recorded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    char                       token[LSN_TOKEN_MAX_LEN];
    size_t                     n;
    lsn_token_t                tok;
    ngx_http_liaison_out_t     out;
    ngx_http_liaison_login_t  *lg;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    lg = ctx->data;

    if (!lg->ok) {
        ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                      "liaison: failed login for staff #%uL", lg->staff_id);
        ngx_http_liaison_unauthenticated(ctx, "用户名或密码错误");
        return;
    }

    tok.kind = 's';
    ngx_memcpy(tok.sid, lg->sid, sizeof(tok.sid));
    tok.expires = ctx->now + ctx->mcf->token_ttl;

    n = lsn_token_make(ctx->mcf->token_secret.data,
                       ctx->mcf->token_secret.len, &tok, token);

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, 512) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{");
    ngx_http_liaison_out_kv(&out, "token", (u_char *) token, n);
    ngx_http_liaison_out_key(&out, "expires_in");
    ngx_http_liaison_out_int(&out, ctx->mcf->token_ttl);
    ngx_http_liaison_out_kv(&out, "role", lg->role.data, lg->role.len);
    ngx_http_liaison_out_key(&out, "department");

    if (lg->department_id.len) {
        ngx_http_liaison_out_lit(&out, "{\"id\":");
        ngx_http_liaison_out_raw(&out, (char *) lg->department_id.data,
                                 lg->department_id.len);
        ngx_http_liaison_out_kv(&out, "name", lg->department_name.data,
                                lg->department_name.len);
        ngx_http_liaison_out_lit(&out, "}");

    } else {
        ngx_http_liaison_out_lit(&out, "null");
    }

    ngx_http_liaison_out_lit(&out, "}");

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: staff #%uL logged in", lg->staff_id);

    ngx_http_liaison_finish(ctx, NGX_HTTP_OK, &out);
}


/* POST /staff/logout: revokes the caller's session. */

void
ngx_http_liaison_staff_logout(ngx_http_liaison_ctx_t *ctx)
{
    if (ctx->who == NGX_HTTP_LIAISON_ANON) {
        ngx_http_liaison_unauthenticated(ctx, "需要登录");
        return;
    }

    if (ngx_http_liaison_db_sql(ctx->r->pool, &ctx->op.sql,
            "UPDATE sessions SET revoked_at = $t WHERE id = $z",
            ctx->now, ctx->token.sid)
        != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_logout_done);
}


static void
ngx_http_liaison_logout_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_out_t  out;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, 32) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{\"revoked\":true}");
    ngx_http_liaison_finish(ctx, NGX_HTTP_OK, &out);
}
