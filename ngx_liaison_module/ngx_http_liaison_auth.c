
/*
 * Copyright (C) Liaison authors
 *
 * Who is calling: bearer tokens (signed, expiring, revocable through their
 * session row), the trial system's signatures, staff login with the
 * password hash checked in a thread pool, logout.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_auth.h"
#include "lsn_case.h"
#include "lsn_text.h"


#define NGX_HTTP_LIAISON_MAX_FAILED_LOGINS  5
#define NGX_HTTP_LIAISON_LOCKOUT            (15 * 60)
/* failed logins from one client address per NGX_HTTP_LIAISON_LOCKOUT */
#define NGX_HTTP_LIAISON_MAX_ADDR_FAILURES  30

/*
 * An attempt is counted before its hash runs (the count read back from
 * the same statement): the attempt after the limit is refused without
 * hashing, however many run at once.  An expired lock, or failures
 * LSN_LOGIN_QUIET old, start afresh (liaison-worker deletes
 * such login_throttle rows).  Parameters: now, now - quiet, the limit,
 * now, the lock's end, now.
 */
#define NGX_HTTP_LIAISON_LOGIN_COUNT(var)                                     \
    "failed_logins = (" var " := IF(locked_until <= $t "                     \
    "OR last_failed_at <= $t, 1, failed_logins + 1)), "                      \
    "locked_until = IF(failed_logins < $u, NULL, "                           \
    "IF(locked_until > $t, locked_until, $t)), last_failed_at = $t"


typedef struct {
    uint64_t                    staff_id;
    ngx_str_t                   role;
    ngx_str_t                   department_id;
    ngx_str_t                   department_name;
    ngx_str_t                   addr;
    ngx_uint_t                  found;
    ngx_uint_t                  ok;
    char                        sid[LSN_TOKEN_SID_LEN + 1];
} ngx_http_liaison_login_t;


/* Hash of a random password: unknown users cost the same time. */
static char  ngx_http_liaison_dummy_hash[] =
    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$kxmbjitV31LFpGgqB8hFvpC/QkjC/79lIdZ4FY6Xne5";


static void ngx_http_liaison_session_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_staff_login(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_login_found(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_pw_thread(void *data, ngx_log_t *log);
static void ngx_http_liaison_login_checked(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_login_recorded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_logout(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_logout_done(ngx_http_liaison_db_op_t *op);


/* Bearer tokens */

void
ngx_http_liaison_auth_bearer(ngx_http_liaison_ctx_t *ctx,
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
        ngx_http_liaison_unauthorized(ctx, "需要 Bearer 令牌");
        return;
    }

    tok.data += 7;
    tok.len -= 7;

    if (lsn_token_verify(ctx->mcf->token_secret.data,
                         ctx->mcf->token_secret.len, (char *) tok.data,
                         tok.len, ctx->now, &ctx->token)
        != 0)
    {
        ngx_http_liaison_unauthorized(ctx, "登录已失效，请重新登录");
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT s.staff_id, s.litigant_id, st.role, st.department_id "
        "FROM sessions s LEFT JOIN staff st ON st.id = s.staff_id "
        "WHERE s.id = $z AND s.kind = $s AND s.revoked_at IS NULL "
        "AND s.expires_at > $t AND (s.kind <> 's' OR st.active = 1)",
        ctx->token.sid, &ctx->token.kind, (size_t) 1, ctx->now);

    ngx_http_liaison_run(ctx, ngx_http_liaison_session_done);
}


static void
ngx_http_liaison_session_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW       row;
    unsigned long  *len;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = ngx_http_liaison_row(op, 0, &len);
    if (row == NULL) {
        ngx_http_liaison_unauthorized(ctx, "登录已失效，请重新登录");
        return;
    }

    if (ctx->token.kind == 's') {
        ctx->who = NGX_HTTP_LIAISON_STAFF;
        ctx->subject_id = ngx_http_liaison_row_id(row, len, 0);
        ctx->department_id = ngx_http_liaison_row_id(row, len, 3);

        if (ngx_http_liaison_row_copy(ctx->r->pool, row, len, 2, &ctx->role)
            != NGX_OK)
        {
            ngx_http_liaison_fail(ctx, "out of memory");
            return;
        }

        ctx->role_index = lsn_role_index((char *) ctx->role.data,
                                         ctx->role.len);

    } else {
        ctx->who = NGX_HTTP_LIAISON_LITIGANT;
        ctx->subject_id = ngx_http_liaison_row_id(row, len, 1);
    }

    ctx->next(ctx);
}


/*
 * The trial system: X-Liaison-Timestamp (Unix seconds, within
 * NGX_HTTP_LIAISON_INGEST_SKEW) and X-Liaison-Signature (hex HMAC-SHA256
 * of timestamp "\n" body), compared in constant time.
 */

ngx_int_t
ngx_http_liaison_auth_trial(ngx_http_liaison_ctx_t *ctx)
{
    time_t                        ts;
    ngx_uint_t                    i;
    ngx_table_elt_t              *t, *s;
    ngx_http_liaison_lit_conf_t  *lcf;

    lcf = &ctx->mcf->lit;

    if (lcf->ingest_key.len == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "未配置审判系统接入密钥",
                               NULL);
        return NGX_ERROR;
    }

    t = ngx_http_liaison_header(ctx->r, "X-Liaison-Timestamp");
    s = ngx_http_liaison_header(ctx->r, "X-Liaison-Signature");

    if (t == NULL || s == NULL) {
        ngx_http_liaison_unauthorized(ctx, "缺少 X-Liaison-Timestamp 或 "
                                           "X-Liaison-Signature");
        return NGX_ERROR;
    }

    ts = (t->value.len >= 1 && t->value.len <= 12)
         ? ngx_atotm(t->value.data, t->value.len) : NGX_ERROR;

    if (ts == NGX_ERROR || ts > ctx->now + NGX_HTTP_LIAISON_INGEST_SKEW
        || ts < ctx->now - NGX_HTTP_LIAISON_INGEST_SKEW)
    {
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: ingest refused: timestamp outside "
                      "+-%d s", NGX_HTTP_LIAISON_INGEST_SKEW);
        ngx_http_liaison_unauthorized(ctx, "时间戳无效或超出 ±5 分钟");
        return NGX_ERROR;
    }

    if (s->value.len != LSN_PHONE_HASH_LEN
        || lsn_hmac_verify(lcf->ingest_key.data, lcf->ingest_key.len,
                           (char *) t->value.data, t->value.len,
                           (char *) ctx->raw_body.data, ctx->raw_body.len,
                           (char *) s->value.data, s->value.len)
           != 0)
    {
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: ingest refused: bad signature");
        ngx_http_liaison_unauthorized(ctx, "签名无效");
        return NGX_ERROR;
    }

    for (i = 0; i < LSN_PHONE_HASH_LEN; i++) {
        ctx->signature[i] = ngx_tolower(s->value.data[i]);
    }

    ctx->signature[LSN_PHONE_HASH_LEN] = '\0';

    return NGX_OK;
}


/* Passwords, hashed and checked in the thread pool */

ngx_http_liaison_pw_task_t *
ngx_http_liaison_password_task(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *password)
{
    ngx_thread_task_t           *task;
    ngx_http_liaison_pw_task_t  *pt;

    if (password->len >= sizeof(pt->password)) {
        return NULL;
    }

    task = ngx_thread_task_alloc(ctx->r->pool,
                                 sizeof(ngx_http_liaison_pw_task_t));
    if (task == NULL) {
        return NULL;
    }

    pt = task->ctx;
    ngx_memcpy(pt->password, password->data, password->len);
    pt->password[password->len] = '\0';

    task->handler = ngx_http_liaison_pw_thread;
    ctx->task = task;

    return pt;
}


void
ngx_http_liaison_password_run(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt done)
{
    ngx_http_liaison_thread_run(ctx, ctx->task, "password hashing", done);
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


/* POST /staff/login {username, password} */

static void
ngx_http_liaison_staff_login(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_json_t   *user, *pass;
    ngx_http_liaison_login_t  *lg;

    user = ngx_http_liaison_json_get(ctx->body, "username");
    pass = ngx_http_liaison_json_get(ctx->body, "password");

    if (ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK) {
        return;
    }

    if (user == NULL || user->type != NGX_HTTP_LIAISON_JSON_STRING
        || user->value.len == 0 || user->value.len > 64)
    {
        ngx_http_liaison_invalid(ctx, "用户名必须是 1 到 64 个字符",
                                 "username");
        return;
    }

    if (pass == NULL || pass->type != NGX_HTTP_LIAISON_JSON_STRING
        || pass->value.len == 0 || pass->value.len > 256
        || ngx_strlen(pass->value.data) != pass->value.len)
    {
        ngx_http_liaison_invalid(ctx, "密码必须是 1 到 256 个字符",
                                 "password");
        return;
    }

    lg = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_login_t));
    if (lg == NULL
        || ngx_http_liaison_password_task(ctx, &pass->value) == NULL)
    {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = lg;

    /* the client address (behind a proxy: set_real_ip_from, real_ip) */
    lg->addr.len = ngx_min(ctx->r->connection->addr_text.len, 64) + 1;
    lg->addr.data = ngx_pnalloc(ctx->r->pool, lg->addr.len);
    if (lg->addr.data == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    lg->addr.data[0] = 'a';
    ngx_memcpy(lg->addr.data + 1, ctx->r->connection->addr_text.data,
               lg->addr.len - 1);

    /*
     * The attempt counts before the hash, atomically: for the client
     * address, then (unless the address is over its limit: no rows for
     * names it floods) for the account, or alike for a name that is none,
     * so that names cannot be told apart.
     */
    ngx_http_liaison_sql(ctx,
        "SET @lsn_login_user = 0, @lsn_login_addr = 0;"
        "INSERT INTO login_throttle (k, failed_logins, locked_until) "
        "VALUES ($s, @lsn_login_addr := 1, $t) ON DUPLICATE KEY UPDATE "
        "failed_logins = (@lsn_login_addr := IF(locked_until <= $t, 1, "
        "failed_logins + 1)), "
        "locked_until = IF(locked_until <= $t, $t, locked_until);"
        "UPDATE staff SET "
        NGX_HTTP_LIAISON_LOGIN_COUNT("@lsn_login_user") " "
        "WHERE username = $s AND active = 1 AND @lsn_login_addr <= $u;"
        "INSERT INTO login_throttle (k, failed_logins, locked_until, "
        "last_failed_at) SELECT CONCAT('u', $s), @lsn_login_user := 1, "
        "NULL, $t FROM DUAL "
        "WHERE NOT EXISTS (SELECT 1 FROM staff WHERE username = $s "
        "AND active = 1) AND @lsn_login_addr <= $u "
        "ON DUPLICATE KEY UPDATE "
        NGX_HTTP_LIAISON_LOGIN_COUNT("@lsn_login_user") ";"
        "SELECT s.id, s.password_hash, s.role, s.department_id, d.name, "
        "@lsn_login_user, @lsn_login_addr FROM (SELECT 1) one "
        "LEFT JOIN staff s ON s.username = $s AND s.active = 1 "
        "LEFT JOIN departments d ON d.id = s.department_id",
        lg->addr.data, lg->addr.len, ctx->now + NGX_HTTP_LIAISON_LOCKOUT,
        ctx->now, ctx->now, ctx->now + NGX_HTTP_LIAISON_LOCKOUT,
        ctx->now, ctx->now - LSN_LOGIN_QUIET,
        (unsigned long long) NGX_HTTP_LIAISON_MAX_FAILED_LOGINS,
        ctx->now, ctx->now + NGX_HTTP_LIAISON_LOCKOUT, ctx->now,
        user->value.data, user->value.len,
        (unsigned long long) NGX_HTTP_LIAISON_MAX_ADDR_FAILURES,
        user->value.data, user->value.len, ctx->now,
        user->value.data, user->value.len,
        (unsigned long long) NGX_HTTP_LIAISON_MAX_ADDR_FAILURES,
        ctx->now, ctx->now - LSN_LOGIN_QUIET,
        (unsigned long long) NGX_HTTP_LIAISON_MAX_FAILED_LOGINS,
        ctx->now, ctx->now + NGX_HTTP_LIAISON_LOCKOUT, ctx->now,
        user->value.data, user->value.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_login_found);
}


static void
ngx_http_liaison_login_found(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                    row;
    ngx_int_t                    user, addr;
    ngx_pool_t                  *pool;
    unsigned long               *len;
    ngx_http_liaison_login_t    *lg;
    ngx_http_liaison_pw_task_t  *pt;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    pool = ctx->r->pool;
    pt = ctx->task->ctx;
    lg = ctx->data;

    row = ngx_http_liaison_row(op, 4, &len);
    if (row == NULL || row[5] == NULL || row[6] == NULL) {
        ngx_http_liaison_fail(ctx, "login attempt not counted");
        return;
    }

    user = ngx_atoi((u_char *) row[5], len[5]);
    addr = ngx_atoi((u_char *) row[6], len[6]);

    /* beyond a limit: refused before any hashing, the right password too */
    if (user == NGX_ERROR || addr == NGX_ERROR
        || user > NGX_HTTP_LIAISON_MAX_FAILED_LOGINS
        || addr > NGX_HTTP_LIAISON_MAX_ADDR_FAILURES)
    {
        ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                      "liaison: login refused unhashed: attempt %i for "
                      "the name, %i from the address", user, addr);
        ngx_http_liaison_error(ctx, NGX_HTTP_TOO_MANY_REQUESTS,
                               "rate_limited",
                               "登录失败次数过多，请 15 分钟后再试", NULL);
        return;
    }

    if (row[0] && row[1] && len[1] < sizeof(pt->hash)) {
        lg->found = 1;
        lg->staff_id = ngx_http_liaison_row_id(row, len, 0);
        ngx_memcpy(pt->hash, row[1], len[1]);
        pt->hash[len[1]] = '\0';

        if (ngx_http_liaison_row_copy(pool, row, len, 2, &lg->role)
               != NGX_OK
            || ngx_http_liaison_row_copy(pool, row, len, 3,
                                         &lg->department_id)
               != NGX_OK
            || ngx_http_liaison_row_copy(pool, row, len, 4,
                                         &lg->department_name)
               != NGX_OK)
        {
            ngx_http_liaison_fail(ctx, "out of memory");
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


static void
ngx_http_liaison_login_checked(ngx_http_liaison_ctx_t *ctx)
{
    u_char                       rnd[LSN_TOKEN_SID_LEN / 2];
    ngx_http_liaison_login_t    *lg;
    ngx_http_liaison_pw_task_t  *pt;

    pt = ctx->task->ctx;
    lg = ctx->data;
    lg->ok = lg->found && pt->ok;

    if (!lg->ok) {
        /* the failure was counted before the hash */
        if (lg->found) {
            ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                          "liaison: failed login for staff #%uL",
                          lg->staff_id);
        }

        ngx_http_liaison_unauthorized(ctx, "用户名或密码错误");
        return;
    }

    if (ngx_http_liaison_random(rnd, sizeof(rnd)) != NGX_OK) {
        ngx_http_liaison_fail(ctx, "no random bytes for a session");
        return;
    }

    lsn_hex(lg->sid, rnd, sizeof(rnd));
    lg->sid[LSN_TOKEN_SID_LEN] = '\0';

    /*
     * A success forgets the failures before it, unless others went past
     * the limit meanwhile (a burst): that lock stays.  The address counts
     * failures only.
     */
    ngx_http_liaison_sql(ctx,
        "INSERT INTO sessions (id, kind, staff_id, created_at, expires_at) "
        "VALUES ($z, 's', $u, $t, $t);"
        "UPDATE staff SET failed_logins = 0, locked_until = NULL "
        "WHERE id = $u AND failed_logins <= $u;"
        "UPDATE login_throttle SET failed_logins = failed_logins - 1 "
        "WHERE k = $s AND failed_logins > 0",
        lg->sid, (unsigned long long) lg->staff_id, ctx->now,
        ctx->now + ctx->mcf->token_ttl, (unsigned long long) lg->staff_id,
        (unsigned long long) NGX_HTTP_LIAISON_MAX_FAILED_LOGINS,
        lg->addr.data, lg->addr.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_login_recorded);
}


static void
ngx_http_liaison_login_recorded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    char                       token[LSN_TOKEN_MAX_LEN];
    size_t                     n;
    lsn_token_t                tok;
    ngx_http_liaison_buf_t     b;
    ngx_http_liaison_login_t  *lg;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    lg = ctx->data;

    tok.kind = 's';
    ngx_memcpy(tok.sid, lg->sid, sizeof(tok.sid));
    tok.expires = ctx->now + ctx->mcf->token_ttl;

    n = lsn_token_make(ctx->mcf->token_secret.data,
                       ctx->mcf->token_secret.len, &tok, token);

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 512);

    ngx_http_liaison_buf_lit(&b, "{");
    ngx_http_liaison_json_kv(&b, "token", (u_char *) token, n);
    ngx_http_liaison_json_key(&b, "expires_in");
    ngx_http_liaison_json_int(&b, ctx->mcf->token_ttl);
    ngx_http_liaison_json_kv(&b, "role", lg->role.data, lg->role.len);
    ngx_http_liaison_json_key(&b, "department");

    if (lg->department_id.len) {
        ngx_http_liaison_buf_lit(&b, "{\"id\":");
        ngx_http_liaison_buf_raw(&b, lg->department_id.data,
                                 lg->department_id.len);
        ngx_http_liaison_json_kv(&b, "name", lg->department_name.data,
                                 lg->department_name.len);
        ngx_http_liaison_buf_lit(&b, "}");

    } else {
        ngx_http_liaison_buf_lit(&b, "null");
    }

    ngx_http_liaison_buf_lit(&b, "}");

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: staff #%uL logged in", lg->staff_id);

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


/* POST /staff/logout, POST /wx/logout: revokes the caller's session. */

static void
ngx_http_liaison_logout(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_sql(ctx,
        "UPDATE sessions SET revoked_at = $t WHERE id = $z",
        ctx->now, ctx->token.sid);

    ngx_http_liaison_run(ctx, ngx_http_liaison_logout_done);
}


static void
ngx_http_liaison_logout_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_buf_t  b;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 32);

    ngx_http_liaison_buf_lit(&b, "{\"revoked\":true}");
    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_auth_endpoints[] = {

    { ngx_string("staff/login"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_PUBLIC, 0, NGX_HTTP_LIAISON_BODY_JSON, 0,
      ngx_http_liaison_staff_login, 0 },

    /* each side logs out by its own door: a litigant token here is 403 */
    { ngx_string("staff/logout"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_logout, 0 },

    { ngx_string("wx/logout"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_LITIGANTS, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_logout, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
