
/*
 * Copyright (C) Liaison authors
 *
 * Staff accounts (sys_admin only), departments, and canned answers for the
 * simple track (kept by the admin and the case-filing division).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_accounts.h"
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_auth.h"
#include "ngx_http_liaison_canned.h"
#include "lsn_text.h"
#include "lsn_ticket.h"
#include "lsn_workflow.h"


typedef struct {
    ngx_str_t                   username;
    ngx_str_t                   name;
    ngx_str_t                   mobile;
    ngx_str_t                   wecom;         /* WeCom userid */
    ngx_uint_t                  wecom_set;     /* 1: given, 2: null */
    int                         role;
    uint64_t                    department;
    ngx_int_t                   active;        /* -1: unchanged */
    ngx_uint_t                  has_password;
    uint64_t                    id;
    ngx_uint_t                  created;
} ngx_http_liaison_account_t;


static void ngx_http_liaison_departments_list(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_departments_save(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_department_saved(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_accounts_list(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_accounts_create(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_accounts_update(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_accounts_password(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_canned_list(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_canned_save(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_account_body(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_account_t *ac, ngx_uint_t creating);
static void ngx_http_liaison_account_hashed(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_account_saved(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_password_hashed(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_written(ngx_http_liaison_db_op_t *op);
static ngx_int_t ngx_http_liaison_canned_auto(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *keywords, ngx_int_t *automatic);
static void ngx_http_liaison_canned_created(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_canned_written(ngx_http_liaison_db_op_t *op);


/* GET /staff/departments: for dispatch and the directory. */

static void
ngx_http_liaison_departments_list(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', d.id, 'code', d.code, 'name', d.name, "
        "'kind', d.kind, 'leader_staff_id', d.leader_staff_id, "
        "'vice_president_staff_id', d.vice_president_staff_id, 'staff', "
        "(SELECT JSON_ARRAYAGG(JSON_OBJECT('id', s.id, 'name', s.name, "
        "'role', s.role)) FROM staff s "
        "WHERE s.department_id = d.id AND s.active = 1)) "
        "FROM departments d ORDER BY d.id");

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


/*
 * POST /staff/departments {code, name, kind}; PUT /staff/departments/{id}
 * {name, kind, leader_staff_id, vice_president_staff_id} (sys_admin).
 * kind: trial, filing (the case-filing division), president_office and
 * discipline (where A3's categories go), trial_mgmt and political (the
 * offices the bulletin addresses, A12: lsn_duty.h), office.
 */

static const char  *ngx_http_liaison_dept_kinds[] = {
    "trial", "filing", "president_office", "discipline", "trial_mgmt",
    "political", "office", NULL
};

static void
ngx_http_liaison_departments_save(ngx_http_liaison_ctx_t *ctx)
{
    u_char                    c;
    size_t                    i;
    uint64_t                  id, leader, vp;
    ngx_str_t                 code, name, kind;
    ngx_uint_t                creating;
    ngx_http_liaison_json_t  *v;

    creating = (ctx->r->method == NGX_HTTP_POST);
    id = 0;

    if ((!creating && ngx_http_liaison_path_id(ctx, "id", &id) != NGX_OK)
        || ngx_http_liaison_body_text(ctx, "code", creating, 32, &code)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "name", creating, 100, &name)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "kind", 0, 16, &kind) != NGX_OK
        || ngx_http_liaison_body_id(ctx, "leader_staff_id", &leader)
           != NGX_OK
        || ngx_http_liaison_body_id(ctx, "vice_president_staff_id", &vp)
           != NGX_OK
        || ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK)
    {
        return;
    }

    if (!creating && code.data) {
        ngx_http_liaison_invalid(ctx, "部门代码不能修改", "code");
        return;
    }

    for (i = 0; code.data && i < code.len; i++) {
        c = code.data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            ngx_http_liaison_invalid(ctx, "部门代码只能含小写字母、数字和 _",
                                     "code");
            return;
        }
    }

    for (i = 0; kind.data && ngx_http_liaison_dept_kinds[i]; i++) {
        if (kind.len == ngx_strlen(ngx_http_liaison_dept_kinds[i])
            && ngx_strncmp(kind.data, ngx_http_liaison_dept_kinds[i],
                           kind.len) == 0)
        {
            break;
        }
    }

    if (kind.data && ngx_http_liaison_dept_kinds[i] == NULL) {
        ngx_http_liaison_invalid(ctx, "部门类型须为 trial、filing、"
                                 "president_office、discipline 或 office",
                                 "kind");
        return;
    }

    if (creating) {
        ngx_http_liaison_sql(ctx,
            "INSERT INTO departments (code, name, kind, leader_staff_id, "
            "vice_president_staff_id) VALUES ($s, $s, COALESCE($s, 'trial'), "
            "NULLIF($u, 0), NULLIF($u, 0))",
            code.data, code.len, name.data, name.len, kind.data, kind.len,
            (unsigned long long) leader, (unsigned long long) vp);

        ngx_http_liaison_run(ctx, ngx_http_liaison_department_saved);
        return;
    }

    /* null takes a leader away; absent leaves it */
    ngx_http_liaison_sql(ctx, "UPDATE departments SET id = id");

    if (name.data) {
        ngx_http_liaison_sql(ctx, ", name = $s", name.data, name.len);
    }

    if (kind.data) {
        ngx_http_liaison_sql(ctx, ", kind = $s", kind.data, kind.len);
    }

    v = ngx_http_liaison_json_get(ctx->body, "leader_staff_id");
    if (v) {
        ngx_http_liaison_sql(ctx, ", leader_staff_id = NULLIF($u, 0)",
                             (unsigned long long) leader);
    }

    v = ngx_http_liaison_json_get(ctx->body, "vice_president_staff_id");
    if (v) {
        ngx_http_liaison_sql(ctx, ", vice_president_staff_id = NULLIF($u, 0)",
                             (unsigned long long) vp);
    }

    ngx_http_liaison_sql(ctx, " WHERE id = $u", (unsigned long long) id);

    ctx->data = ctx;        /* an update: a missing row is 404 */

    ngx_http_liaison_run(ctx, ngx_http_liaison_department_saved);
}


static void
ngx_http_liaison_department_saved(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc == NGX_ERROR && op->err_no == 1062) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "部门代码已存在", "code");
        return;
    }

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ctx->data == NULL) {
        ngx_http_liaison_answer_id(ctx, NGX_HTTP_CREATED, op->insert_id[0]);
        return;
    }

    if (op->affected[0] == 0) {     /* CLIENT_FOUND_ROWS: matched */
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "部门不存在", NULL);
        return;
    }

    ngx_http_liaison_answer_ok(ctx);
}


/* GET /staff/accounts (sys_admin) */

static void
ngx_http_liaison_accounts_list(ngx_http_liaison_ctx_t *ctx)
{
    /* locked: a lockout still running (an expired one is no lock) */
    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', id, 'username', username, 'name', "
        "name, 'role', role, 'department_id', department_id, "
        "'mobile', mobile, 'wecom_userid', wecom_userid, "
        "'active', " NGX_HTTP_LIAISON_SQL_BOOL("active = 1") ", "
        "'locked', " NGX_HTTP_LIAISON_SQL_BOOL("locked_until IS NOT NULL "
                                              "AND locked_until > $t")
        ") FROM staff ORDER BY id", ctx->now);

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


/*
 * POST /staff/accounts {username, name, role, department_id, mobile,
 * wecom_userid, password}; PUT /staff/accounts/{id} {name, role,
 * department_id, mobile, wecom_userid, active}.
 */

static void
ngx_http_liaison_accounts_create(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t                    pw;
    ngx_http_liaison_account_t  *ac;

    ac = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_account_t));
    if (ac == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = ac;
    ac->created = 1;

    if (ngx_http_liaison_body_text(ctx, "password", 1, 256, &pw) != NGX_OK
        || ngx_http_liaison_account_body(ctx, ac, 1) != NGX_OK)
    {
        return;
    }

    if (pw.len < 10) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "密码至少 10 个字符", "password");
        return;
    }

    if (ngx_http_liaison_password_task(ctx, &pw) == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_http_liaison_password_run(ctx, ngx_http_liaison_account_hashed);
}


static void
ngx_http_liaison_accounts_update(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_account_t  *ac;

    ac = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_account_t));
    if (ac == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = ac;

    if (ngx_http_liaison_path_id(ctx, "id", &ac->id) != NGX_OK
        || ngx_http_liaison_account_body(ctx, ac, 0) != NGX_OK)
    {
        return;
    }

    ngx_http_liaison_sql(ctx, "START TRANSACTION;UPDATE staff SET id = id");

    if (ac->name.data) {
        ngx_http_liaison_sql(ctx, ", name = $s", ac->name.data, ac->name.len);
    }

    if (ac->role >= 0) {
        ngx_http_liaison_sql(ctx, ", role = $z", lsn_role_names[ac->role]);
    }

    if (ac->department) {
        ngx_http_liaison_sql(ctx, ", department_id = $u",
                             (unsigned long long) ac->department);
    }

    if (ac->mobile.data) {
        ngx_http_liaison_sql(ctx, ", mobile = $s", ac->mobile.data,
                             ac->mobile.len);
    }

    if (ac->wecom_set) {
        ngx_http_liaison_sql(ctx, ", wecom_userid = $s", ac->wecom.data,
                             ac->wecom.len);
    }

    if (ac->active >= 0) {
        ngx_http_liaison_sql(ctx, ", active = $u, locked_until = NULL, "
                             "failed_logins = 0",
                             (unsigned long long) ac->active);
    }

    ngx_http_liaison_sql(ctx,
        " WHERE id = $u;"
        "INSERT INTO account_events (staff_id, actor_staff_id, type, "
        "created_at) SELECT id, $u, 'updated', $t FROM staff WHERE id = $u",
        (unsigned long long) ac->id, (unsigned long long) ctx->subject_id,
        ctx->now, (unsigned long long) ac->id);

    if (ac->active == 0) {
        ngx_http_liaison_sql(ctx,
            ";UPDATE sessions SET revoked_at = $t "
            "WHERE staff_id = $u AND revoked_at IS NULL",
            ctx->now, (unsigned long long) ac->id);
    }

    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run(ctx, ngx_http_liaison_account_saved);
}


static ngx_int_t
ngx_http_liaison_account_body(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_account_t *ac, ngx_uint_t creating)
{
    u_char                    c;
    size_t                    i;
    ngx_str_t                 s;
    ngx_int_t                 n;
    ngx_http_liaison_json_t  *v;

    ac->role = -1;
    ac->active = -1;

    if (creating) {
        if (ngx_http_liaison_body_text(ctx, "username", 1, 64,
                                         &ac->username)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        for (i = 0; i < ac->username.len; i++) {
            c = ac->username.data[i];

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '_' || c == '.'
                  || c == '-'))
            {
                ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                       "invalid_argument",
                                       "用户名只能含字母、数字和 _.-",
                                       "username");
                return NGX_ERROR;
            }
        }
    }

    if (ngx_http_liaison_body_text(ctx, "name", creating, 64, &ac->name)
        != NGX_OK
        || ngx_http_liaison_body_text(ctx, "role", creating, 32, &s)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "mobile", 0, 20, &ac->mobile)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (s.data) {
        ac->role = lsn_role_index((char *) s.data, s.len);
        if (ac->role < 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument", "未知的角色", "role");
            return NGX_ERROR;
        }
    }

    if (ac->mobile.data
        && !lsn_phone_valid((char *) ac->mobile.data, ac->mobile.len))
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "手机号码格式不正确", "mobile");
        return NGX_ERROR;
    }

    /* the WeCom userid staff alerts go to; null removes it */
    v = ngx_http_liaison_json_get(ctx->body, "wecom_userid");
    if (v && v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        ac->wecom_set = 2;

    } else if (v) {
        for (i = 0; v->type == NGX_HTTP_LIAISON_JSON_STRING
                    && i < v->value.len; i++)
        {
            c = v->value.data[i];

            if (!(ngx_http_liaison_id_char(c) || c == '.' || c == '@')) {
                break;
            }
        }

        if (v->type != NGX_HTTP_LIAISON_JSON_STRING || v->value.len == 0
            || v->value.len > 64 || i != v->value.len)
        {
            ngx_http_liaison_invalid(ctx, "企业微信账号须为 1 到 64 个字母、"
                                     "数字或 _-.@", "wecom_userid");
            return NGX_ERROR;
        }

        ac->wecom = v->value;
        ac->wecom_set = 1;
    }

    v = ngx_http_liaison_json_get(ctx->body, "department_id");
    if (v && v->type != NGX_HTTP_LIAISON_JSON_NULL) {
        n = (v->type == NGX_HTTP_LIAISON_JSON_NUMBER && v->value.len <= 10)
            ? ngx_atoi(v->value.data, v->value.len) : NGX_ERROR;

        if (n <= 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument", "部门编号须为正整数",
                                   "department_id");
            return NGX_ERROR;
        }

        ac->department = (uint64_t) n;
    }

    if (creating && ac->role >= 0
        && lsn_role_in_department((lsn_role_e) ac->role)
        && ac->department == 0)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "该角色须属于一个部门", "department_id");
        return NGX_ERROR;
    }

    v = ngx_http_liaison_json_get(ctx->body, "active");
    if (v) {
        if (v->type == NGX_HTTP_LIAISON_JSON_TRUE) {
            ac->active = 1;

        } else if (v->type == NGX_HTTP_LIAISON_JSON_FALSE) {
            ac->active = 0;

        } else {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "active 须为 true 或 false", "active");
            return NGX_ERROR;
        }
    }

    return ngx_http_liaison_body_unknown(ctx, NULL);
}


static void
ngx_http_liaison_account_hashed(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_account_t  *ac;
    ngx_http_liaison_pw_task_t  *pt;

    ac = ctx->data;
    pt = ctx->task->ctx;

    if (!pt->ok) {
        ngx_http_liaison_fail(ctx, "could not hash a password");
        return;
    }

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO staff (username, name, role, department_id, mobile, "
        "wecom_userid, password_hash, created_at) VALUES ($s, $s, $z, "
        "NULLIF($u, 0), $s, $s, $z, $t);"
        "INSERT INTO account_events (staff_id, actor_staff_id, type, "
        "created_at) VALUES (LAST_INSERT_ID(), $u, 'created', $t);"
        "SELECT LAST_INSERT_ID();COMMIT",
        ac->username.data, ac->username.len, ac->name.data, ac->name.len,
        lsn_role_names[ac->role], (unsigned long long) ac->department,
        ac->mobile.data, ac->mobile.len, ac->wecom.data, ac->wecom.len,
        pt->hash, ctx->now, (unsigned long long) ctx->subject_id, ctx->now);

    ngx_http_liaison_run(ctx, ngx_http_liaison_account_saved);
}


static void
ngx_http_liaison_account_saved(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_account_t  *ac;

    ac = ctx->data;

    if (op->rc == NGX_ERROR && op->err_no == 1062) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "用户名已存在", "username");
        return;
    }

    if (op->rc == NGX_ERROR && op->err_no == 1452) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "部门不存在", "department_id");
        return;
    }

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ac->created) {
        ac->id = op->insert_id[1];

    } else if (op->nstmts < 3 || op->affected[2] == 0) {
        /* the audit row is written only for an existing account */
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "账户不存在", NULL);
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                  "liaison: staff #%uL %s account #%uL", ctx->subject_id,
                  ac->created ? "created" : "updated", ac->id);

    ngx_http_liaison_answer_id(ctx, ac->created ? NGX_HTTP_CREATED
                                                : NGX_HTTP_OK, ac->id);
}


/* POST /staff/accounts/{id}/password {password}: revokes the sessions. */

static void
ngx_http_liaison_accounts_password(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t                    pw;
    ngx_http_liaison_account_t  *ac;

    ac = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_account_t));
    if (ac == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = ac;

    if (ngx_http_liaison_path_id(ctx, "id", &ac->id) != NGX_OK
        || ngx_http_liaison_body_text(ctx, "password", 1, 256, &pw)
           != NGX_OK
        || ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK)
    {
        return;
    }

    if (pw.len < 10) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "密码至少 10 个字符", "password");
        return;
    }

    if (ngx_http_liaison_password_task(ctx, &pw) == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_http_liaison_password_run(ctx, ngx_http_liaison_password_hashed);
}


static void
ngx_http_liaison_password_hashed(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_account_t  *ac;
    ngx_http_liaison_pw_task_t  *pt;

    ac = ctx->data;
    pt = ctx->task->ctx;

    if (!pt->ok) {
        ngx_http_liaison_fail(ctx, "could not hash a password");
        return;
    }

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "UPDATE staff SET password_hash = $z, failed_logins = 0, "
        "locked_until = NULL WHERE id = $u;"
        "UPDATE sessions SET revoked_at = $t "
        "WHERE staff_id = $u AND revoked_at IS NULL;"
        "INSERT INTO account_events (staff_id, actor_staff_id, type, "
        "created_at) SELECT id, $u, 'password_reset', $t FROM staff "
        "WHERE id = $u;COMMIT",
        pt->hash, (unsigned long long) ac->id, ctx->now,
        (unsigned long long) ac->id, (unsigned long long) ctx->subject_id,
        ctx->now, (unsigned long long) ac->id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_written);
}


/* 200 {"ok":true} when the last data statement touched a row, else 404. */

static void
ngx_http_liaison_written(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (op->nstmts < 3 || op->affected[op->nstmts - 2] == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "请求的资源不存在", NULL);
        return;
    }

    ngx_http_liaison_answer_ok(ctx);
}


/* GET /staff/canned-answers[?category=] (any staff) */

static void
ngx_http_liaison_canned_list(ngx_http_liaison_ctx_t *ctx)
{
    int        cat;
    ngx_str_t  v;

    cat = -1;

    if (ngx_http_liaison_arg(ctx->r, "category", &v) == NGX_OK) {
        cat = lsn_category_index((char *) v.data, v.len);
        if (cat < 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument", "未知的诉求类别",
                                   "category");
            return;
        }
    }

    ngx_http_liaison_sql(ctx,
        "SELECT JSON_OBJECT('id', id, 'code', code, 'category', category, "
        "'title', title, 'body', body, 'keywords', keywords, 'auto', "
        NGX_HTTP_LIAISON_SQL_BOOL("auto = 1") ") "
        "FROM canned_answers WHERE active = 1 "
        "AND ($i < 0 OR category = $z) ORDER BY category, id",
        (long long) cat, cat >= 0 ? lsn_categories[cat] : "");

    ngx_http_liaison_run(ctx, ngx_http_liaison_rows_done);
}


/*
 * POST /staff/canned-answers {category, title, body, keywords, auto}
 * PUT /staff/canned-answers/{id} {category, title, body, keywords, auto}
 * DELETE /staff/canned-answers/{id}
 * keywords and auto are optional: absent, a new answer has none and is
 * not automatic, an edit leaves them as they are.
 */

static void
ngx_http_liaison_canned_save(ngx_http_liaison_ctx_t *ctx)
{
    int          cat;
    uint64_t     id;
    ngx_int_t    automatic;
    ngx_str_t    s, title, body, keywords;

    id = 0;

    if (ctx->ncaptures && ngx_http_liaison_path_id(ctx, "id", &id) != NGX_OK)
    {
        return;
    }

    if (ctx->r->method == NGX_HTTP_DELETE) {
        ngx_http_liaison_sql(ctx,
            "START TRANSACTION;UPDATE canned_answers SET active = 0, "
            "updated_by = $u, updated_at = $t WHERE id = $u AND "
            "active = 1;COMMIT",
            (unsigned long long) ctx->subject_id, ctx->now,
            (unsigned long long) id);

        ngx_http_liaison_run(ctx, ngx_http_liaison_canned_written);
        return;
    }

    if (ngx_http_liaison_body_text(ctx, "category", 1, 32, &s) != NGX_OK
        || ngx_http_liaison_body_text(ctx, "title", 1, 50, &title)
           != NGX_OK
        || ngx_http_liaison_body_text(ctx, "body", 1, 2000, &body)
           != NGX_OK
        || ngx_http_liaison_canned_auto(ctx, &keywords, &automatic) != NGX_OK
        || ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK)
    {
        return;
    }

    cat = lsn_category_index((char *) s.data, s.len);
    if (cat < 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "未知的诉求类别", "category");
        return;
    }

    if (id == 0) {
        ngx_http_liaison_sql(ctx,
            "INSERT INTO canned_answers (category, title, body, keywords, "
            "auto, updated_by, updated_at) VALUES ($z, $s, $s, $s, $i, $u, "
            "$t)",
            lsn_categories[cat], title.data, title.len, body.data,
            body.len, keywords.data ? keywords.data : (u_char *) "",
            keywords.len, (long long) (automatic == 1),
            (unsigned long long) ctx->subject_id, ctx->now);

        ngx_http_liaison_run(ctx, ngx_http_liaison_canned_created);
        return;
    }

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;UPDATE canned_answers SET category = $z, "
        "title = $s, body = $s, keywords = COALESCE($s, keywords), "
        "auto = IF($i < 0, auto, $i), updated_by = $u, updated_at = $t "
        "WHERE id = $u AND active = 1;COMMIT",
        lsn_categories[cat], title.data, title.len, body.data, body.len,
        keywords.data, keywords.len, (long long) automatic,
        (long long) automatic, (unsigned long long) ctx->subject_id,
        ctx->now, (unsigned long long) id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_canned_written);
}


/*
 * keywords (checked by the core; absent: data NULL) and auto (absent:
 * -1).  Turning auto on without keywords is refused: it would never
 * answer.
 */

static ngx_int_t
ngx_http_liaison_canned_auto(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *keywords, ngx_int_t *automatic)
{
    char                      err[256];
    ngx_http_liaison_json_t  *v;

    *automatic = -1;

    if (ngx_http_liaison_body_str(ctx, NULL, "keywords", NULL, 0, keywords)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (keywords->data
        && lsn_canned_keywords_check((char *) keywords->data, keywords->len,
                                     err, sizeof(err))
           != 0)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               err, "keywords");
        return NGX_ERROR;
    }

    v = ngx_http_liaison_json_get(ctx->body, "auto");

    if (v && v->type != NGX_HTTP_LIAISON_JSON_NULL) {
        if (v->type != NGX_HTTP_LIAISON_JSON_TRUE
            && v->type != NGX_HTTP_LIAISON_JSON_FALSE)
        {
            ngx_http_liaison_invalid(ctx, "auto 须为 true 或 false", "auto");
            return NGX_ERROR;
        }

        *automatic = (v->type == NGX_HTTP_LIAISON_JSON_TRUE);
    }

    /* a new answer, or an edit that empties them */
    if (*automatic == 1
        && (keywords->data ? keywords->len == 0 : ctx->ncaptures == 0))
    {
        ngx_http_liaison_invalid(ctx, "自动答复须填写关键词", "keywords");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_liaison_canned_created(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    /* this process answers with it at once, the others within a minute */
    ngx_http_liaison_canned_changed(ctx->mcf);

    ngx_http_liaison_answer_id(ctx, NGX_HTTP_CREATED, op->insert_id[0]);
}


static void
ngx_http_liaison_canned_written(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc == NGX_OK) {
        ngx_http_liaison_canned_changed(ctx->mcf);
    }

    ngx_http_liaison_written(op);
}


#define NGX_HTTP_LIAISON_ADMIN   LSN_ROLE_BIT(LSN_ROLE_SYS_ADMIN)
#define NGX_HTTP_LIAISON_EDITORS (LSN_ROLE_BIT(LSN_ROLE_SYS_ADMIN)           \
                                  | LSN_ROLE_BIT(LSN_ROLE_FILING_ADMIN))

ngx_http_liaison_endpoint_t  ngx_http_liaison_accounts_endpoints[] = {

    { ngx_string("staff/departments"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_departments_list, 0 },

    { ngx_string("staff/departments"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_ADMIN,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_departments_save, 0 },

    { ngx_string("staff/departments/{id}"), NGX_HTTP_PUT,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_ADMIN,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_departments_save, 0 },

    { ngx_string("staff/accounts"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_ADMIN,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_accounts_list, 0 },

    { ngx_string("staff/accounts"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_ADMIN,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_accounts_create, 0 },

    { ngx_string("staff/accounts/{id}"), NGX_HTTP_PUT,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_ADMIN,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_accounts_update, 0 },

    { ngx_string("staff/accounts/{id}/password"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_ADMIN,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_accounts_password, 0 },

    { ngx_string("staff/canned-answers"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_STAFF_ONLY, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_canned_list, 0 },

    { ngx_string("staff/canned-answers"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_EDITORS,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_canned_save, 0 },

    { ngx_string("staff/canned-answers/{id}"), NGX_HTTP_PUT,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_EDITORS,
      NGX_HTTP_LIAISON_BODY_JSON, 0, ngx_http_liaison_canned_save, 0 },

    { ngx_string("staff/canned-answers/{id}"), NGX_HTTP_DELETE,
      NGX_HTTP_LIAISON_STAFF_ONLY, NGX_HTTP_LIAISON_EDITORS,
      NGX_HTTP_LIAISON_BODY_NONE, 0, ngx_http_liaison_canned_save, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
