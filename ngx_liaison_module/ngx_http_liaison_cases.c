
/*
 * Copyright (C) Liaison authors
 *
 * Cases: the trial business system's signed ingest of cases and process
 * nodes (POST /ingest/cases, POST /ingest/case-nodes), a litigant's case
 * subscription verified by WeChat's phone number (POST
 * /cases/{case_no}/subscriptions) and the nodes of a case (GET
 * /cases/{case_no}/nodes).  A node of a subscribed case puts a subscribe
 * message in the outbox in the same transaction.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_cases.h"
#include "ngx_http_liaison_scope.h"
#include "ngx_http_liaison_wx.h"
#include "lsn_case.h"
#include "lsn_caseno.h"
#include "lsn_text.h"


#define NGX_HTTP_LIAISON_INGEST_CASES_MAX    500
#define NGX_HTTP_LIAISON_INGEST_PARTIES_MAX  50
#define NGX_HTTP_LIAISON_INGEST_EVENTS_MAX   1000
#define NGX_HTTP_LIAISON_DETAIL_MAX          500
#define NGX_HTTP_LIAISON_TEMPLATES_MAX       10


typedef struct {
    lsn_caseno_t                cn;
    ngx_str_t                   department;
    ngx_str_t                   judge;
    ngx_str_t                   judge_username;
    int                         procedure;      /* -1: none */
    ngx_str_t                   filed_at;
    ngx_str_t                   deadline;
    ngx_http_liaison_json_t    *parties;
} ngx_http_liaison_case_in_t;


typedef struct {
    ngx_str_t                   event_id;
    lsn_caseno_t                cn;
    int                         type;
    time_t                      occurred;
    ngx_str_t                   detail;         /* data NULL: none */
    uint64_t                    case_id;
    ngx_uint_t                  fresh;
} ngx_http_liaison_node_in_t;


typedef struct {
    ngx_uint_t                  nodes;          /* else cases */
    ngx_uint_t                  n;
    ngx_http_liaison_case_in_t *cases;
    ngx_http_liaison_node_in_t *events;
    ngx_str_t                   response;
    ngx_uint_t                  retried;
} ngx_http_liaison_ingest_t;


typedef struct {
    lsn_caseno_t                cn;
    ngx_str_t                   phone_code;     /* data NULL: none */
    ngx_str_t                   templates[NGX_HTTP_LIAISON_TEMPLATES_MAX];
    ngx_uint_t                  ntemplates;

    uint64_t                    case_id;
    ngx_uint_t                  subscribed;
    ngx_str_t                   openid;
    ngx_str_t                   args;           /* holds the token */
    ngx_str_t                   body;
    char                        hash[LSN_PHONE_HASH_LEN + 1];
    uint64_t                    party_id;
    ngx_str_t                   kind;
    ngx_str_t                   role;
} ngx_http_liaison_subscribe_t;


static void ngx_http_liaison_ingest_cases(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_ingest_nodes(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_case_subscribe(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_case_nodes(ngx_http_liaison_ctx_t *ctx);
static ngx_http_liaison_json_t *ngx_http_liaison_batch(
    ngx_http_liaison_ctx_t *ctx, const char *key, ngx_uint_t max,
    const char *empty, const char *too_many, ngx_uint_t *n);
static void ngx_http_liaison_bad_field(ngx_http_liaison_ctx_t *ctx,
    const char *message, const char *fmt, ...);
static ngx_int_t ngx_http_liaison_get_str(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_json_t *obj, const char *key, ngx_uint_t required,
    size_t max, ngx_str_t *value, const char *where, ngx_uint_t i);
static ngx_int_t ngx_http_liaison_cases_validate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_ingest_t *in);
static void ngx_http_liaison_cases_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_ingest_t *in);
static void ngx_http_liaison_ingest_done(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_ingest_replayed(ngx_http_liaison_db_op_t *op);
static ngx_int_t ngx_http_liaison_ingest_replay(ngx_http_liaison_ctx_t *ctx,
    MYSQL_RES *res);
static ngx_int_t ngx_http_liaison_nodes_validate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_ingest_t *in);
static void ngx_http_liaison_nodes_prepare(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_nodes_known(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_subscribe_loaded(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_subscribe_phone(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_wx_res_t *res);
static void ngx_http_liaison_subscribe_matched(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_subscribe_save(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_subscribe_saved(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_nodes_case(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_nodes_list(ngx_http_liaison_db_op_t *op);


/* Signed ingest */

/*
 * The one member of an ingest body: a non-empty array of at most max
 * items, counted into *n.  NULL when refused (answered already).
 */

static ngx_http_liaison_json_t *
ngx_http_liaison_batch(ngx_http_liaison_ctx_t *ctx, const char *key,
    ngx_uint_t max, const char *empty, const char *too_many, ngx_uint_t *n)
{
    ngx_http_liaison_json_t  *list, *e;

    list = ngx_http_liaison_json_get(ctx->body, key);

    if (ngx_http_liaison_body_unknown(ctx, NULL) != NGX_OK) {
        return NULL;
    }

    if (list == NULL || list->type != NGX_HTTP_LIAISON_JSON_ARRAY
        || list->child == NULL)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               empty, key);
        return NULL;
    }

    for (e = list->child; e; e = e->next) {
        (*n)++;
    }

    if (*n > max) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               too_many, key);
        return NULL;
    }

    return list;
}


static void
ngx_http_liaison_bad_field(ngx_http_liaison_ctx_t *ctx, const char *message,
    const char *fmt, ...)
{
    u_char   *p, *field;
    va_list   args;

    field = ngx_pnalloc(ctx->r->pool, 128);
    if (field == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    va_start(args, fmt);
    p = ngx_vslprintf(field, field + 127, fmt, args);
    va_end(args);
    *p = '\0';

    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           message, (char *) field);
}


/*
 * A string member of 1..max characters (valid text), or absent/null when
 * not required.  where/i name the element in errors ("cases", 3).
 */

static ngx_int_t
ngx_http_liaison_get_str(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_json_t *obj, const char *key, ngx_uint_t required,
    size_t max, ngx_str_t *value, const char *where, ngx_uint_t i)
{
    ngx_http_liaison_json_t  *v;

    ngx_str_null(value);

    v = ngx_http_liaison_json_get(obj, key);

    if (v == NULL || v->type == NGX_HTTP_LIAISON_JSON_NULL) {
        if (!required) {
            return NGX_OK;
        }

        ngx_http_liaison_bad_field(ctx, "缺少必填字段", "%s[%ui].%s", where,
                                   i, key);
        return NGX_ERROR;
    }

    if (v->type != NGX_HTTP_LIAISON_JSON_STRING
        || lsn_text_valid(v->value.data, v->value.len, 1, (long) max) != 0)
    {
        ngx_http_liaison_bad_field(ctx, "字段须为有效的文本",
                                   "%s[%ui].%s", where, i, key);
        return NGX_ERROR;
    }

    *value = v->value;

    return NGX_OK;
}


/* POST /ingest/cases {"cases": [...]} */

static void
ngx_http_liaison_ingest_cases(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_ingest_t  *in;

    in = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_ingest_t));
    if (in == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = in;

    if (ngx_http_liaison_cases_validate(ctx, in) != NGX_OK) {
        return;
    }

    ngx_http_liaison_cases_sql(ctx, in);
    ngx_http_liaison_run(ctx, ngx_http_liaison_ingest_done);
}


static ngx_int_t
ngx_http_liaison_cases_validate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_ingest_t *in)
{
    time_t                       day;
    ngx_str_t                    s;
    ngx_uint_t                   i, j, k;
    ngx_http_liaison_json_t     *list, *c, *p, *v, *extra;
    ngx_http_liaison_case_in_t  *ci;

    list = ngx_http_liaison_batch(ctx, "cases",
                                  NGX_HTTP_LIAISON_INGEST_CASES_MAX,
                                  "cases 须为非空数组", "每批最多 500 个案件",
                                  &in->n);
    if (list == NULL) {
        return NGX_ERROR;
    }

    in->cases = ngx_pcalloc(ctx->r->pool,
                            in->n * sizeof(ngx_http_liaison_case_in_t));
    if (in->cases == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    for (c = list->child, i = 0; c; c = c->next, i++) {
        ci = &in->cases[i];

        if (c->type != NGX_HTTP_LIAISON_JSON_OBJECT) {
            ngx_http_liaison_bad_field(ctx, "案件须为对象", "cases[%ui]", i);
            return NGX_ERROR;
        }

        if (ngx_http_liaison_get_str(ctx, c, "case_no", 1, 64, &s, "cases",
                                     i)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (lsn_caseno_parse((char *) s.data, s.len, &ci->cn) != 0) {
            ngx_http_liaison_bad_field(ctx, "案号格式不正确",
                                       "cases[%ui].case_no", i);
            return NGX_ERROR;
        }

        for (k = 0; k < i; k++) {
            if (ngx_strcmp(in->cases[k].cn.normalized, ci->cn.normalized)
                == 0)
            {
                ngx_http_liaison_bad_field(ctx, "同一批次中案号重复",
                                           "cases[%ui].case_no", i);
                return NGX_ERROR;
            }
        }

        if (ngx_http_liaison_get_str(ctx, c, "department", 0, 32,
                                     &ci->department, "cases", i)
            != NGX_OK
            || ngx_http_liaison_get_str(ctx, c, "judge", 0, 64, &ci->judge,
                                        "cases", i)
               != NGX_OK
            || ngx_http_liaison_get_str(ctx, c, "judge_username", 0, 64,
                                        &ci->judge_username, "cases", i)
               != NGX_OK
            || ngx_http_liaison_get_str(ctx, c, "procedure", 0, 32, &s,
                                        "cases", i)
               != NGX_OK
            || ngx_http_liaison_get_str(ctx, c, "filed_at", 0, 10,
                                        &ci->filed_at, "cases", i)
               != NGX_OK
            || ngx_http_liaison_get_str(ctx, c, "deadline", 0, 10,
                                        &ci->deadline, "cases", i)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        ci->procedure = -1;

        if (s.data) {
            ci->procedure = lsn_procedure_index((char *) s.data, s.len);
            if (ci->procedure < 0) {
                ngx_http_liaison_bad_field(ctx, "未知的审理程序",
                                           "cases[%ui].procedure", i);
                return NGX_ERROR;
            }
        }

        if (ci->filed_at.data
            && lsn_parse_day((char *) ci->filed_at.data, ci->filed_at.len,
                             &day)
               != 0)
        {
            ngx_http_liaison_bad_field(ctx, "日期须为 YYYY-MM-DD",
                                       "cases[%ui].filed_at", i);
            return NGX_ERROR;
        }

        if (ci->deadline.data
            && lsn_parse_day((char *) ci->deadline.data, ci->deadline.len,
                             &day)
               != 0)
        {
            ngx_http_liaison_bad_field(ctx, "日期须为 YYYY-MM-DD",
                                       "cases[%ui].deadline", i);
            return NGX_ERROR;
        }

        ci->parties = ngx_http_liaison_json_get(c, "parties");

        extra = ngx_http_liaison_json_unused(c);
        if (extra) {
            ngx_http_liaison_bad_field(ctx, "未知字段", "cases[%ui].%V", i,
                                       &extra->key);
            return NGX_ERROR;
        }

        if (ci->parties == NULL
            || ci->parties->type == NGX_HTTP_LIAISON_JSON_NULL)
        {
            ci->parties = NULL;
            continue;
        }

        if (ci->parties->type != NGX_HTTP_LIAISON_JSON_ARRAY) {
            ngx_http_liaison_bad_field(ctx, "parties 须为数组",
                                       "cases[%ui].parties", i);
            return NGX_ERROR;
        }

        for (p = ci->parties->child, j = 0; p; p = p->next, j++) {

            if (j == NGX_HTTP_LIAISON_INGEST_PARTIES_MAX) {
                ngx_http_liaison_bad_field(ctx, "每个案件最多 50 名当事人",
                                           "cases[%ui].parties", i);
                return NGX_ERROR;
            }

            if (p->type != NGX_HTTP_LIAISON_JSON_OBJECT) {
                ngx_http_liaison_bad_field(ctx, "当事人须为对象",
                                           "cases[%ui].parties[%ui]", i, j);
                return NGX_ERROR;
            }

            if (ngx_http_liaison_json_get(p, "phone")) {
                ngx_http_liaison_bad_field(ctx,
                    "电话号码请放在 mobile（仅手机号，用于短信通知）",
                    "cases[%ui].parties[%ui].phone", i, j);
                return NGX_ERROR;
            }

            /* a mainland mobile, only to text the party the case's nodes */
            v = ngx_http_liaison_json_get(p, "mobile");
            if (v && v->type != NGX_HTTP_LIAISON_JSON_NULL
                && (v->type != NGX_HTTP_LIAISON_JSON_STRING
                    || v->value.len != 11 || v->value.data[0] != '1'
                    || !lsn_phone_valid((char *) v->value.data,
                                        v->value.len)))
            {
                ngx_http_liaison_bad_field(ctx,
                    "mobile 须为 11 位手机号",
                    "cases[%ui].parties[%ui].mobile", i, j);
                return NGX_ERROR;
            }

            v = ngx_http_liaison_json_get(p, "role");
            if (v == NULL || v->type != NGX_HTTP_LIAISON_JSON_STRING
                || lsn_party_role_index((char *) v->value.data,
                                        v->value.len)
                   < 0)
            {
                ngx_http_liaison_bad_field(ctx, "未知的诉讼地位",
                                           "cases[%ui].parties[%ui].role",
                                           i, j);
                return NGX_ERROR;
            }

            v = ngx_http_liaison_json_get(p, "name");
            if (v == NULL || v->type != NGX_HTTP_LIAISON_JSON_STRING
                || lsn_text_valid(v->value.data, v->value.len, 1, 100) != 0)
            {
                ngx_http_liaison_bad_field(ctx, "姓名须为 1 到 100 个字符",
                                           "cases[%ui].parties[%ui].name",
                                           i, j);
                return NGX_ERROR;
            }

            v = ngx_http_liaison_json_get(p, "phone_hash");
            if (v && v->type != NGX_HTTP_LIAISON_JSON_NULL
                && (v->type != NGX_HTTP_LIAISON_JSON_STRING
                    || !lsn_phone_hash_valid((char *) v->value.data,
                                             v->value.len)))
            {
                ngx_http_liaison_bad_field(ctx,
                    "phone_hash 须为 64 位十六进制 HMAC-SHA256",
                    "cases[%ui].parties[%ui].phone_hash", i, j);
                return NGX_ERROR;
            }

            if (v && v->type == NGX_HTTP_LIAISON_JSON_STRING) {
                ngx_strlow(v->value.data, v->value.data, v->value.len);
            }

            extra = ngx_http_liaison_json_unused(p);
            if (extra) {
                ngx_http_liaison_bad_field(ctx, "未知字段",
                                           "cases[%ui].parties[%ui].%V",
                                           i, j, &extra->key);
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


static void
ngx_http_liaison_cases_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_ingest_t *in)
{
    u_char                      *p;
    ngx_uint_t                   i, nparties;
    lsn_caseno_t                *cn;
    char                         computed[LSN_PHONE_HASH_LEN + 1];
    ngx_http_liaison_json_t     *party, *role, *name, *hash, *mobile;
    ngx_http_liaison_case_in_t  *ci;

    nparties = 0;

    for (i = 0; i < in->n; i++) {
        for (party = in->cases[i].parties ? in->cases[i].parties->child
                                          : NULL;
             party;
             party = party->next)
        {
            nparties++;
        }
    }

    in->response.data = ngx_pnalloc(ctx->r->pool, 64);
    if (in->response.data == NULL) {
        ctx->sql.failed = 1;
        return;
    }

    p = ngx_sprintf(in->response.data, "{\"accepted\":%ui,\"parties\":%ui}",
                    in->n, nparties);
    in->response.len = p - in->response.data;

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO ingest_requests (signature, endpoint, status, "
        "response, received_at) VALUES ($z, 'cases', 200, $s, $t);"
        "INSERT INTO cases (case_no, case_year, court_code, "
        "special_code, type_code, serial, suffix, legacy, "
        "department_id, department_code, judge_staff_id, judge_name, "
        "procedure_name, filed_at, deadline, created_at, updated_at) "
        "VALUES ",
        ctx->signature, in->response.data, in->response.len, ctx->now);

    for (i = 0; i < in->n; i++) {
        ci = &in->cases[i];
        cn = &ci->cn;

        ngx_http_liaison_sql_sep(ctx, i, ",");
        ngx_http_liaison_sql(ctx,
            "($z, $i, $z, $z, $z, $z, $z, $i, "
            "(SELECT id FROM departments WHERE code = $s), $s, "
            "(SELECT id FROM staff WHERE username = $s), $s, $z, "
            "$s, $s, $t, $t)",
            cn->normalized, (long long) cn->year,
            cn->court, cn->special[0] ? cn->special : NULL, cn->type,
            cn->serial, cn->suffix[0] ? cn->suffix : NULL,
            (long long) cn->legacy,
            ci->department.data, ci->department.len,
            ci->department.data, ci->department.len,
            ci->judge_username.data, ci->judge_username.len,
            ci->judge.data, ci->judge.len,
            ci->procedure >= 0 ? lsn_procedures[ci->procedure] : NULL,
            ci->filed_at.data, ci->filed_at.len,
            ci->deadline.data, ci->deadline.len,
            ctx->now, ctx->now);
    }

    ngx_http_liaison_sql(ctx,
        " ON DUPLICATE KEY UPDATE case_year = VALUES(case_year), "
        "court_code = VALUES(court_code), "
        "special_code = VALUES(special_code), "
        "type_code = VALUES(type_code), serial = VALUES(serial), "
        "suffix = VALUES(suffix), legacy = VALUES(legacy), "
        "department_id = VALUES(department_id), "
        "department_code = VALUES(department_code), "
        "judge_staff_id = VALUES(judge_staff_id), "
        "judge_name = VALUES(judge_name), "
        "procedure_name = VALUES(procedure_name), "
        "filed_at = VALUES(filed_at), deadline = VALUES(deadline), "
        "updated_at = VALUES(updated_at);"
        "DELETE FROM case_parties WHERE case_id IN "
        "(SELECT id FROM cases WHERE case_no IN (");

    for (i = 0; i < in->n; i++) {
        ngx_http_liaison_sql_sep(ctx, i, ",");
        ngx_http_liaison_sql(ctx, "$z", in->cases[i].cn.normalized);
    }

    ngx_http_liaison_sql(ctx, "))");

    if (nparties) {
        ngx_http_liaison_sql(ctx,
            ";INSERT INTO case_parties (case_id, kind, role, name, "
            "phone_hash, mobile) VALUES ");
    }

    nparties = 0;

    for (i = 0; i < in->n; i++) {
        ci = &in->cases[i];

        for (party = ci->parties ? ci->parties->child : NULL;
             party;
             party = party->next)
        {
            role = ngx_http_liaison_json_get(party, "role");
            name = ngx_http_liaison_json_get(party, "name");
            hash = ngx_http_liaison_json_get(party, "phone_hash");
            mobile = ngx_http_liaison_json_get(party, "mobile");

            if (hash && hash->type != NGX_HTTP_LIAISON_JSON_STRING) {
                hash = NULL;
            }

            if (mobile && mobile->type != NGX_HTTP_LIAISON_JSON_STRING) {
                mobile = NULL;
            }

            /* a mobile without its hash: the hash from the shared key, so
               the party can still verify on WeChat */
            computed[0] = '\0';

            if (hash == NULL && mobile && ctx->mcf->lit.phone_key.len
                && lsn_phone_hash(ctx->mcf->lit.phone_key.data,
                                  ctx->mcf->lit.phone_key.len,
                                  (char *) mobile->value.data,
                                  mobile->value.len, computed)
                   != 0)
            {
                computed[0] = '\0';
            }

            ngx_http_liaison_sql_sep(ctx, nparties++, ",");
            ngx_http_liaison_sql(ctx,
                "((SELECT id FROM cases WHERE case_no = $z), $z, $s, "
                "$s, $s, $s)",
                ci->cn.normalized,
                lsn_party_role_is_lawyer(lsn_party_role_index(
                    (char *) role->value.data, role->value.len))
                ? "lawyer" : "party",
                role->value.data, role->value.len,
                name->value.data, name->value.len,
                hash ? (char *) hash->value.data
                     : computed[0] ? computed : NULL,
                hash ? hash->value.len : ngx_strlen(computed),
                mobile ? mobile->value.data : NULL,
                mobile ? mobile->value.len : 0);
        }
    }

    /*
     * The parties were replaced: a subscription follows its verified phone
     * to the new party row, or ends with the party's removal (issue 14).
     */
    ngx_http_liaison_sql(ctx,
        ";UPDATE case_subscriptions s SET s.party_id = (SELECT p.id "
        "FROM case_parties p WHERE p.case_id = s.case_id "
        "AND p.phone_hash = s.phone_hash "
        "ORDER BY p.kind = 'party' DESC, p.id LIMIT 1) "
        "WHERE s.case_id IN (SELECT id FROM cases WHERE case_no IN (");

    for (i = 0; i < in->n; i++) {
        ngx_http_liaison_sql_sep(ctx, i, ",");
        ngx_http_liaison_sql(ctx, "$z", in->cases[i].cn.normalized);
    }

    ngx_http_liaison_sql(ctx,
        "));DELETE FROM case_subscriptions WHERE party_id IS NULL;"
        "UPDATE case_subscriptions s JOIN case_parties p "
        "ON p.id = s.party_id SET s.kind = p.kind "
        "WHERE s.kind <> p.kind");

    /*
     * Requests filed before their case reached us meet it now (A5): the
     * case, and for those still waiting to be dispatched its department,
     * so that a dispatch goes to the case's judge.
     */
    ngx_http_liaison_sql(ctx,
        ";INSERT INTO ticket_events (ticket_id, type, actor_kind, note, "
        "public, created_at) SELECT t.id, 'case_linked', 'system', "
        "CONCAT('案件已同步：', c.case_no), 0, $t FROM tickets t "
        "JOIN cases c ON c.case_no = t.case_no WHERE t.case_id IS NULL "
        "AND c.case_no IN (", ctx->now);

    for (i = 0; i < in->n; i++) {
        ngx_http_liaison_sql_sep(ctx, i, ",");
        ngx_http_liaison_sql(ctx, "$z", in->cases[i].cn.normalized);
    }

    ngx_http_liaison_sql(ctx,
        ");UPDATE tickets t JOIN cases c ON c.case_no = t.case_no "
        "SET t.case_id = c.id, t.department_id = IF(t.status = 'registered' "
        "AND t.department_id IS NULL, c.department_id, t.department_id) "
        "WHERE t.case_id IS NULL AND c.case_no IN (");

    for (i = 0; i < in->n; i++) {
        ngx_http_liaison_sql_sep(ctx, i, ",");
        ngx_http_liaison_sql(ctx, "$z", in->cases[i].cn.normalized);
    }

    ngx_http_liaison_sql(ctx, ");COMMIT");
}


/* Both ingest endpoints end here. */

static void
ngx_http_liaison_ingest_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_ingest_t  *in;

    in = ctx->data;

    if (op->rc == NGX_ERROR && op->err_no == 1062) {

        if (op->err_stmt == 1) {
            /* the same signed request went through: its first answer */
            ngx_http_liaison_sql(ctx,
                "ROLLBACK;SELECT status, response FROM ingest_requests "
                "WHERE signature = $z", ctx->signature);

            ngx_http_liaison_run(ctx, ngx_http_liaison_ingest_replayed);
            return;
        }

        if (in->nodes && !in->retried) {
            /* another request stored one of the events first: again
               (the failed batch's connection was closed: rolled back) */
            in->retried = 1;

            ngx_http_liaison_nodes_prepare(ctx);
            return;
        }
    }

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: ingest of %ui %s: %V", in->n,
                  in->nodes ? "case nodes" : "cases", &in->response);

    ngx_http_liaison_answer_str(ctx, NGX_HTTP_OK, &in->response);
}


static void
ngx_http_liaison_ingest_replayed(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_ingest_replay(ctx, op->res[1]) == NGX_DECLINED) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "请稍后重试", NULL);
    }
}


/* The stored answer of an ingest request seen before, or NGX_DECLINED. */

static ngx_int_t
ngx_http_liaison_ingest_replay(ngx_http_liaison_ctx_t *ctx, MYSQL_RES *res)
{
    MYSQL_ROW                row;
    ngx_int_t                status;
    unsigned long           *len;
    ngx_table_elt_t         *h;
    ngx_http_liaison_buf_t   out;

    row = res ? mysql_fetch_row(res) : NULL;
    if (row == NULL) {
        return NGX_DECLINED;
    }

    len = mysql_fetch_lengths(res);
    status = ngx_atoi((u_char *) row[0], len[0]);

    if (status < 200 || status > 299) {
        ngx_http_liaison_fail(ctx, "an ingest request with a bad answer");
        return NGX_OK;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, len[1] + 1);

    h = ngx_list_push(&ctx->r->headers_out.headers);
    if (h != NULL) {
        h->hash = 1;
        ngx_str_set(&h->key, "X-Liaison-Replayed");
        ngx_str_set(&h->value, "1");
    }

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: ingest replayed, nothing changed");

    ngx_http_liaison_buf_raw(&out, row[1], len[1]);
    ngx_http_liaison_answer(ctx, status, &out);

    return NGX_OK;
}


/* POST /ingest/case-nodes {"events": [...]} */

static void
ngx_http_liaison_ingest_nodes(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_ingest_t  *in;

    in = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_ingest_t));
    if (in == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = in;
    in->nodes = 1;

    if (ngx_http_liaison_nodes_validate(ctx, in) != NGX_OK)
    {
        return;
    }

    ngx_http_liaison_nodes_prepare(ctx);
}


static ngx_int_t
ngx_http_liaison_nodes_validate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_ingest_t *in)
{
    ngx_str_t                    s;
    ngx_uint_t                   i;
    ngx_http_liaison_json_t     *list, *e, *v, *extra;
    ngx_http_liaison_node_in_t  *ni;

    list = ngx_http_liaison_batch(ctx, "events",
                                  NGX_HTTP_LIAISON_INGEST_EVENTS_MAX,
                                  "events 须为非空数组", "每批最多 1000 个节点",
                                  &in->n);
    if (list == NULL) {
        return NGX_ERROR;
    }

    in->events = ngx_pcalloc(ctx->r->pool,
                             in->n * sizeof(ngx_http_liaison_node_in_t));
    if (in->events == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    for (e = list->child, i = 0; e; e = e->next, i++) {
        ni = &in->events[i];

        if (e->type != NGX_HTTP_LIAISON_JSON_OBJECT) {
            ngx_http_liaison_bad_field(ctx, "节点须为对象", "events[%ui]",
                                       i);
            return NGX_ERROR;
        }

        v = ngx_http_liaison_json_get(e, "event_id");
        if (v == NULL || v->type != NGX_HTTP_LIAISON_JSON_STRING
            || !lsn_event_id_valid((char *) v->value.data, v->value.len))
        {
            ngx_http_liaison_bad_field(ctx,
                "event_id 须为 1 到 64 个字母、数字或 _.:- 字符",
                "events[%ui].event_id", i);
            return NGX_ERROR;
        }

        ni->event_id = v->value;

        if (ngx_http_liaison_get_str(ctx, e, "case_no", 1, 64, &s, "events",
                                     i)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (lsn_caseno_parse((char *) s.data, s.len, &ni->cn) != 0) {
            ngx_http_liaison_bad_field(ctx, "案号格式不正确",
                                       "events[%ui].case_no", i);
            return NGX_ERROR;
        }

        v = ngx_http_liaison_json_get(e, "type");
        ni->type = (v && v->type == NGX_HTTP_LIAISON_JSON_STRING)
                   ? lsn_node_type_index((char *) v->value.data,
                                         v->value.len)
                   : -1;

        if (ni->type < 0) {
            ngx_http_liaison_bad_field(ctx, "未知的节点类型",
                                       "events[%ui].type", i);
            return NGX_ERROR;
        }

        v = ngx_http_liaison_json_get(e, "occurred_at");
        if (v == NULL || v->type != NGX_HTTP_LIAISON_JSON_STRING
            || lsn_parse_rfc3339((char *) v->value.data, v->value.len,
                                 &ni->occurred)
               != 0)
        {
            ngx_http_liaison_bad_field(ctx,
                "occurred_at 须为 RFC 3339 时间，如 "
                "2026-01-05T09:30:00+08:00",
                "events[%ui].occurred_at", i);
            return NGX_ERROR;
        }

        if (ngx_http_liaison_get_str(ctx, e, "detail", 0,
                                     NGX_HTTP_LIAISON_DETAIL_MAX,
                                     &ni->detail, "events", i)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        extra = ngx_http_liaison_json_unused(e);
        if (extra) {
            ngx_http_liaison_bad_field(ctx, "未知字段", "events[%ui].%V", i,
                                       &extra->key);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* What is known already: this request, the cases, the event ids. */

static void
ngx_http_liaison_nodes_prepare(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t                  i;
    ngx_http_liaison_ingest_t  *in;

    in = ctx->data;

    ngx_http_liaison_sql(ctx,
        "SELECT status, response FROM ingest_requests "
        "WHERE signature = $z;"
        "SELECT id, case_no FROM cases WHERE case_no IN (", ctx->signature);

    for (i = 0; i < in->n; i++) {
        ngx_http_liaison_sql_sep(ctx, i, ",");
        ngx_http_liaison_sql(ctx, "$z", in->events[i].cn.normalized);
    }

    ngx_http_liaison_sql(ctx,
        ");SELECT event_id FROM case_nodes WHERE event_id IN (");

    for (i = 0; i < in->n; i++) {
        ngx_http_liaison_sql_sep(ctx, i, ",");
        ngx_http_liaison_sql(ctx, "$s", in->events[i].event_id.data,
                                    in->events[i].event_id.len);
    }

    ngx_http_liaison_sql(ctx, ")");

    ngx_http_liaison_run(ctx, ngx_http_liaison_nodes_known);
}


static void
ngx_http_liaison_nodes_known(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    u_char                       *p;
    MYSQL_ROW                     row;
    ngx_int_t                     n;
    ngx_uint_t                    i, k, fresh, dup;
    unsigned long                *len;
    ngx_http_liaison_node_in_t   *ni;
    ngx_http_liaison_ingest_t    *in;
    ngx_http_liaison_lit_conf_t  *lcf;

    in = ctx->data;
    lcf = &ctx->mcf->lit;

    if (op->rc != NGX_OK || op->nstmts != 3) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_ingest_replay(ctx, op->res[0]) != NGX_DECLINED) {
        return;
    }

    while ((row = mysql_fetch_row(op->res[1])) != NULL) {
        len = mysql_fetch_lengths(op->res[1]);
        n = ngx_atoi((u_char *) row[0], len[0]);

        for (i = 0; i < in->n; i++) {
            if (ngx_strlen(in->events[i].cn.normalized) == len[1]
                && ngx_strncmp(in->events[i].cn.normalized, row[1], len[1])
                   == 0)
            {
                in->events[i].case_id = n;
            }
        }
    }

    for (i = 0; i < in->n; i++) {
        in->events[i].fresh = 1;

        if (in->events[i].case_id == 0) {
            ngx_http_liaison_bad_field(ctx, "案件不存在，请先同步案件",
                                       "events[%ui].case_no", i);
            return;
        }
    }

    while ((row = mysql_fetch_row(op->res[2])) != NULL) {
        len = mysql_fetch_lengths(op->res[2]);

        for (i = 0; i < in->n; i++) {
            if (in->events[i].event_id.len == len[0]
                && ngx_strncmp(in->events[i].event_id.data, row[0], len[0])
                   == 0)
            {
                in->events[i].fresh = 0;
            }
        }
    }

    /* the same id twice in one batch: the first counts */
    for (i = 1; i < in->n; i++) {
        for (k = 0; k < i && in->events[i].fresh; k++) {
            if (in->events[k].event_id.len == in->events[i].event_id.len
                && ngx_strncmp(in->events[k].event_id.data,
                               in->events[i].event_id.data,
                               in->events[i].event_id.len)
                   == 0)
            {
                in->events[i].fresh = 0;
            }
        }
    }

    fresh = 0;
    for (i = 0; i < in->n; i++) {
        fresh += in->events[i].fresh;
    }

    dup = in->n - fresh;

    in->response.data = ngx_pnalloc(ctx->r->pool, 64);
    if (in->response.data == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    p = ngx_sprintf(in->response.data, "{\"accepted\":%ui,\"duplicates\":%ui}",
                    fresh, dup);
    in->response.len = p - in->response.data;

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "INSERT INTO ingest_requests (signature, endpoint, status, "
        "response, received_at) VALUES ($z, 'case-nodes', 200, $s, $t)",
        ctx->signature, in->response.data, in->response.len, ctx->now);

    if (fresh) {
        ngx_http_liaison_sql(ctx,
            ";INSERT INTO case_nodes (event_id, case_id, type, "
            "occurred_at, detail, created_at) VALUES ");

        for (i = 0, k = 0; i < in->n; i++) {
            ni = &in->events[i];

            if (!ni->fresh) {
                continue;
            }

            ngx_http_liaison_sql_sep(ctx, k++, ",");
            ngx_http_liaison_sql(ctx, "($s, $u, $z, $t, $s, $t)",
                                        ni->event_id.data, ni->event_id.len,
                                        (unsigned long long) ni->case_id,
                                        lsn_node_types[ni->type],
                                        ni->occurred,
                                        ni->detail.data, ni->detail.len,
                                        ctx->now);
        }

        /* A7: a subscribe message per new node and verified subscriber */

        ngx_http_liaison_sql(ctx,
            ";" LSN_OUTBOX_INSERT
            "SELECT $z, l.openid, $s, "
            "JSON_OBJECT('data', JSON_OBJECT('thing1', c.case_no, "
            "'phrase2', CASE n.type",
            lsn_outbox_channels[LSN_CH_WX_SUBSCRIBE],
            lcf->wx_template_node.len
            ? (char *) lcf->wx_template_node.data : NULL,
            lcf->wx_template_node.len);

        for (i = 0; lsn_node_types[i]; i++) {
            ngx_http_liaison_sql(ctx, " WHEN $z THEN $z",
                                        lsn_node_types[i],
                                        lsn_node_phrases[i]);
        }

        ngx_http_liaison_sql(ctx,
            " ELSE '进度更新' END, "
            "'time3', DATE_FORMAT(n.occurred_at, '%Y-%m-%d %H:%i'), "
            "'thing4', COALESCE(n.detail, '')), "
            "'page', CONCAT('" LSN_PAGE_CASE "', c.case_no)), "
            "NULL, $z, $t, $t "
            "FROM case_nodes n JOIN cases c ON c.id = n.case_id "
            "JOIN case_subscriptions s ON s.case_id = n.case_id "
            "JOIN case_parties sp ON sp.id = s.party_id "
            "AND sp.case_id = s.case_id AND sp.phone_hash = s.phone_hash "
            "JOIN litigants l ON l.id = s.litigant_id "
            "WHERE n.event_id IN (",
            lsn_outbox_kinds[LSN_KIND_CASE_NODE], ctx->now, ctx->now);

        for (i = 0, k = 0; i < in->n; i++) {
            ni = &in->events[i];

            if (!ni->fresh) {
                continue;
            }

            ngx_http_liaison_sql_sep(ctx, k++, ",");
            ngx_http_liaison_sql(ctx, "$s", ni->event_id.data,
                                        ni->event_id.len);
        }

        ngx_http_liaison_sql(ctx, ") ORDER BY n.occurred_at, n.id");

        /*
         * A party or lawyer the trial system gave a mobile for, and who
         * never verified on WeChat (so gets no subscribe message): an SMS.
         */
        ngx_http_liaison_sql(ctx,
            ";" LSN_OUTBOX_INSERT
            "SELECT $z, p.mobile, NULL, JSON_OBJECT('text', CONCAT("
            "'【诉讼服务】您的案件', c.case_no, '有新进展：', CASE n.type",
            lsn_outbox_channels[LSN_CH_SMS]);

        for (i = 0; lsn_node_types[i]; i++) {
            ngx_http_liaison_sql(ctx, " WHEN $z THEN $z", lsn_node_types[i],
                                 lsn_node_phrases[i]);
        }

        ngx_http_liaison_sql(ctx,
            " ELSE '进度更新' END, '（', "
            "DATE_FORMAT(n.occurred_at, '%Y年%m月%d日'), '）', "
            "IF(n.detail IS NULL, '', CONCAT('，', LEFT(n.detail, 40))), "
            "'。详情请登录广州微法院查询。')), NULL, $z, $t, $t "
            "FROM case_nodes n JOIN cases c ON c.id = n.case_id "
            "JOIN case_parties p ON p.case_id = n.case_id "
            "WHERE p.mobile IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
            "case_subscriptions s WHERE s.case_id = n.case_id "
            "AND s.party_id = p.id) AND n.event_id IN (",
            lsn_outbox_kinds[LSN_KIND_CASE_NODE], ctx->now, ctx->now);

        for (i = 0, k = 0; i < in->n; i++) {
            ni = &in->events[i];

            if (!ni->fresh) {
                continue;
            }

            ngx_http_liaison_sql_sep(ctx, k++, ",");
            ngx_http_liaison_sql(ctx, "$s", ni->event_id.data,
                                 ni->event_id.len);
        }

        ngx_http_liaison_sql(ctx, ") ORDER BY n.occurred_at, n.id, p.id");
    }

    ngx_http_liaison_sql(ctx, ";COMMIT");

    ngx_http_liaison_run(ctx, ngx_http_liaison_ingest_done);
}


/* POST /cases/{case_no}/subscriptions {phone_code, template_ids} */

static void
ngx_http_liaison_case_subscribe(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t                     i, j;
    ngx_http_liaison_json_t       *code, *tids, *t, *extra;
    ngx_http_liaison_lit_conf_t   *lcf;
    ngx_http_liaison_subscribe_t  *sb;

    lcf = &ctx->mcf->lit;

    sb = ngx_pcalloc(ctx->r->pool, sizeof(ngx_http_liaison_subscribe_t));
    if (sb == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = sb;

    if (lsn_caseno_parse((char *) ngx_http_liaison_path(ctx, "case_no")->data,
                         ngx_http_liaison_path(ctx, "case_no")->len, &sb->cn)
        != 0)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "案号格式不正确，例如（2020）粤0115民初1234号",
                               "case_no");
        return;
    }

    code = ngx_http_liaison_json_get(ctx->body, "phone_code");
    tids = ngx_http_liaison_json_get(ctx->body, "template_ids");

    extra = ngx_http_liaison_json_unused(ctx->body);
    if (extra) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "未知字段", (char *) extra->key.data);
        return;
    }

    if (code && code->type != NGX_HTTP_LIAISON_JSON_NULL) {
        if (code->type != NGX_HTTP_LIAISON_JSON_STRING
            || code->value.len == 0 || code->value.len > 128)
        {
            goto bad_code;
        }

        for (i = 0; i < code->value.len; i++) {
            if (!ngx_http_liaison_id_char(code->value.data[i])) {
                goto bad_code;
            }
        }

        sb->phone_code = code->value;
    }

    if (tids && tids->type != NGX_HTTP_LIAISON_JSON_NULL) {
        if (tids->type != NGX_HTTP_LIAISON_JSON_ARRAY) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "template_ids 须为数组", "template_ids");
            return;
        }

        for (t = tids->child, i = 0; t; t = t->next, i++) {

            if (i == NGX_HTTP_LIAISON_TEMPLATES_MAX) {
                ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                       "invalid_argument",
                                       "最多 10 个模板", "template_ids");
                return;
            }

            if (t->type != NGX_HTTP_LIAISON_JSON_STRING
                || t->value.len == 0 || t->value.len > 128)
            {
                goto bad_template;
            }

            for (j = 0; j < t->value.len; j++) {
                if (!ngx_http_liaison_id_char(t->value.data[j])) {
                    goto bad_template;
                }
            }

            /* only the templates this court uses, when it says which */
            if ((lcf->wx_template_node.len || lcf->wx_template_reply.len)
                && !(t->value.len == lcf->wx_template_node.len
                     && ngx_strncmp(t->value.data, lcf->wx_template_node.data,
                                    t->value.len) == 0)
                && !(t->value.len == lcf->wx_template_reply.len
                     && ngx_strncmp(t->value.data,
                                    lcf->wx_template_reply.data,
                                    t->value.len) == 0))
            {
                goto bad_template;
            }

            for (j = 0; j < sb->ntemplates; j++) {
                if (sb->templates[j].len == t->value.len
                    && ngx_strncmp(sb->templates[j].data, t->value.data,
                                   t->value.len) == 0)
                {
                    break;
                }
            }

            if (j == sb->ntemplates) {
                sb->templates[sb->ntemplates++] = t->value;
            }
        }
    }

    if (sb->phone_code.data && lcf->phone_key.len == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "未配置手机号核验", NULL);
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT id FROM cases WHERE case_no = $z;"
        "SELECT s.kind, p.role FROM case_subscriptions s "
        "JOIN cases c ON c.id = s.case_id "
        "JOIN case_parties p ON p.id = s.party_id "
        "AND p.phone_hash = s.phone_hash "
        "WHERE c.case_no = $z AND s.litigant_id = $u;"
        "SELECT openid FROM litigants WHERE id = $u;"
        "SELECT token FROM access_tokens WHERE name = 'wx_stable' "
        "AND expires_at > $t",
        sb->cn.normalized, sb->cn.normalized,
        (unsigned long long) ctx->subject_id,
        (unsigned long long) ctx->subject_id, ctx->now);

    ngx_http_liaison_run(ctx, ngx_http_liaison_subscribe_loaded);
    return;

bad_code:

    ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                           "phone_code 须为手机号快速验证组件返回的 code",
                           "phone_code");
    return;

bad_template:

    ngx_http_liaison_bad_field(ctx, "未知的订阅消息模板", "template_ids[%ui]",
                               i);
}


static void
ngx_http_liaison_subscribe_loaded(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    u_char                        *p;
    MYSQL_ROW                      row;
    ngx_str_t                      token;
    ngx_pool_t                    *pool;
    unsigned long                 *len;
    ngx_http_liaison_subscribe_t  *sb;

    sb = ctx->data;
    pool = ctx->r->pool;

    if (op->rc != NGX_OK || op->nstmts != 4) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[0]);
    if (row == NULL) {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "未找到该案件", NULL);
        return;
    }

    sb->case_id = ngx_atoi((u_char *) row[0],
                           mysql_fetch_lengths(op->res[0])[0]);

    row = mysql_fetch_row(op->res[1]);
    if (row) {
        len = mysql_fetch_lengths(op->res[1]);
        sb->subscribed = 1;
        sb->kind.data = ngx_pstrdup(pool, &(ngx_str_t) { len[0],
                                                         (u_char *) row[0] });
        sb->kind.len = len[0];

        if (row[1]) {
            sb->role.data = ngx_pstrdup(pool,
                                        &(ngx_str_t) { len[1],
                                                       (u_char *) row[1] });
            sb->role.len = len[1];
        }
    }

    row = mysql_fetch_row(op->res[2]);
    if (row == NULL || row[0] == NULL) {
        ngx_http_liaison_fail(ctx, "a litigant session without an openid");
        return;
    }

    len = mysql_fetch_lengths(op->res[2]);
    sb->openid.data = ngx_pstrdup(pool, &(ngx_str_t) { len[0],
                                                       (u_char *) row[0] });
    sb->openid.len = len[0];

    if (sb->openid.data == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    if (sb->phone_code.data == NULL) {
        if (!sb->subscribed) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "首次订阅须用手机号验证当事人身份",
                                   "phone_code");
            return;
        }

        /* verified before: only the consents */
        ngx_http_liaison_subscribe_save(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[3]);
    if (row == NULL || row[0] == NULL) {
        ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                      "liaison: no WeChat access token in access_tokens "
                      "(is liaison-worker running?)");
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "微信服务暂时不可用，请稍后重试",
                               NULL);
        return;
    }

    len = mysql_fetch_lengths(op->res[3]);
    token.data = (u_char *) row[0];
    token.len = len[0];

    sb->args.len = sizeof("access_token=") - 1 + 3 * token.len;
    sb->args.data = ngx_pnalloc(pool, sb->args.len);
    sb->body.len = sizeof("{\"code\":\"\"}") - 1 + sb->phone_code.len;
    sb->body.data = ngx_pnalloc(pool, sb->body.len);

    if (sb->args.data == NULL || sb->body.data == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    p = ngx_cpymem(sb->args.data, "access_token=", 13);
    p = (u_char *) ngx_escape_uri(p, token.data, token.len,
                                  NGX_ESCAPE_ARGS);
    sb->args.len = p - sb->args.data;

    p = ngx_sprintf(sb->body.data, "{\"code\":\"%V\"}", &sb->phone_code);
    sb->body.len = p - sb->body.data;

    /* the connection is not held while WeChat answers */
    ngx_http_liaison_db_release(op);

    if (ngx_http_liaison_wx_call(ctx, 1, "/wxa/business/getuserphonenumber",
                                 &sb->args, &sb->body,
                                 ngx_http_liaison_subscribe_phone)
        != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "cannot call WeChat");
    }
}


static void
ngx_http_liaison_subscribe_phone(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_wx_res_t *res)
{
    ngx_int_t                      rc;
    ngx_http_liaison_json_t       *info, *phone, *cc;
    ngx_http_liaison_lit_conf_t   *lcf;
    ngx_http_liaison_subscribe_t  *sb;

    sb = ctx->data;
    lcf = &ctx->mcf->lit;

    ngx_explicit_memzero(sb->args.data, sb->args.len);

    rc = ngx_http_liaison_wx_check(ctx, res, "getuserphonenumber");
    if (rc != NGX_OK) {
        goto wipe;
    }

    info = ngx_http_liaison_json_get(res->json, "phone_info");
    phone = info ? ngx_http_liaison_json_get(info, "purePhoneNumber") : NULL;
    cc = info ? ngx_http_liaison_json_get(info, "countryCode") : NULL;

    if (phone == NULL || phone->type != NGX_HTTP_LIAISON_JSON_STRING) {
        ngx_log_error(NGX_LOG_ERR, ctx->r->connection->log, 0,
                      "liaison: WeChat getuserphonenumber: no "
                      "phone_info.purePhoneNumber in the answer");
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_GATEWAY, "bad_gateway",
                               "微信服务返回异常", NULL);
        goto wipe;
    }

    /* only mainland numbers are on the trial system's records */
    if ((cc && cc->type == NGX_HTTP_LIAISON_JSON_STRING
         && !(cc->value.len == 2 && ngx_strncmp(cc->value.data, "86", 2)
                                    == 0))
        || lsn_phone_hash(lcf->phone_key.data, lcf->phone_key.len,
                          (char *) phone->value.data, phone->value.len,
                          sb->hash)
           != 0)
    {
        ngx_memset(sb->hash, '0', LSN_PHONE_HASH_LEN);
        sb->hash[LSN_PHONE_HASH_LEN] = '\0';
    }

    ngx_http_liaison_sql(ctx,
        "SELECT id, kind, role FROM case_parties "
        "WHERE case_id = $u AND phone_hash = $z "
        "ORDER BY kind = 'party' DESC, id LIMIT 1",
        (unsigned long long) sb->case_id, sb->hash);

    /* the number is not kept anywhere: only its keyed hash */
    ngx_explicit_memzero(phone->value.data, phone->value.len);
    ngx_explicit_memzero(res->body.data, res->body.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_subscribe_matched);
    return;

wipe:

    if (res->body.len) {
        ngx_explicit_memzero(res->body.data, res->body.len);
    }
}


static void
ngx_http_liaison_subscribe_matched(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                      row;
    unsigned long                 *len;
    ngx_http_liaison_subscribe_t  *sb;

    sb = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[0]);
    if (row == NULL) {
        ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                      "liaison: case subscription refused for litigant "
                      "#%uL: the phone is not a party's or lawyer's",
                      ctx->subject_id);
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "手机号与本案登记的当事人或律师不符", NULL);
        return;
    }

    len = mysql_fetch_lengths(op->res[0]);
    sb->party_id = ngx_atoi((u_char *) row[0], len[0]);
    sb->kind.data = ngx_pstrdup(ctx->r->pool,
                                &(ngx_str_t) { len[1], (u_char *) row[1] });
    sb->kind.len = len[1];
    sb->role.data = ngx_pstrdup(ctx->r->pool,
                                &(ngx_str_t) { len[2], (u_char *) row[2] });
    sb->role.len = len[2];

    if (sb->kind.data == NULL || sb->role.data == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_http_liaison_subscribe_save(ctx);
}


/* The subscription (when just verified) and the consents, together. */

static void
ngx_http_liaison_subscribe_save(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t                     i;
    ngx_http_liaison_subscribe_t  *sb;

    sb = ctx->data;

    ngx_http_liaison_sql(ctx, "START TRANSACTION");

    if (sb->party_id) {
        ngx_http_liaison_sql(ctx,
            ";INSERT INTO case_subscriptions (case_id, litigant_id, "
            "party_id, phone_hash, kind, verified_at, created_at) "
            "VALUES ($u, $u, $u, $z, $s, $t, $t) ON DUPLICATE KEY UPDATE "
            "party_id = VALUES(party_id), phone_hash = VALUES(phone_hash), "
            "kind = VALUES(kind), verified_at = VALUES(verified_at)",
            (unsigned long long) sb->case_id,
            (unsigned long long) ctx->subject_id,
            (unsigned long long) sb->party_id, sb->hash,
            sb->kind.data, sb->kind.len, ctx->now, ctx->now);
    }

    /* one-time subscriptions: each acceptance is one more send */
    for (i = 0; i < sb->ntemplates; i++) {
        ngx_http_liaison_sql(ctx, i == 0
                                  ? ";INSERT INTO subscribe_consents "
                                    "(litigant_id, openid, template_id, "
                                    "remaining, status, client_credits, "
                                    "created_at, updated_at) VALUES "
                                  : ",");
        ngx_http_liaison_sql(ctx, "($u, $s, $s, 1, 'active', 1, $t, $t)",
                             (unsigned long long) ctx->subject_id,
                             sb->openid.data, sb->openid.len,
                             sb->templates[i].data, sb->templates[i].len,
                             ctx->now, ctx->now);
    }

    if (sb->ntemplates) {
        /*
         * WeChat's push of the same popup answer may have come first
         * (push_credits): then it is not counted twice; assignments run
         * left to right, the credits last
         */
        ngx_http_liaison_sql(ctx,
            " ON DUPLICATE KEY UPDATE remaining = IF(remaining IS NULL, "
            "NULL, IF(push_credits > 0, remaining, remaining + 1)), "
            "client_credits = IF(push_credits > 0, client_credits, "
            "client_credits + 1), "
            "push_credits = IF(push_credits > 0, push_credits - 1, 0), "
            "status = 'active', "
            "litigant_id = VALUES(litigant_id), "
            "updated_at = VALUES(updated_at)");
    }

    ngx_http_liaison_sql(ctx,
        ";SELECT s.kind, p.role, s.verified_at, s.created_at = $t "
        "FROM case_subscriptions s "
        "LEFT JOIN case_parties p ON p.id = s.party_id "
        "WHERE s.case_id = $u AND s.litigant_id = $u;"
        "SELECT template_id, remaining FROM subscribe_consents "
        "WHERE openid = $s ORDER BY template_id;COMMIT",
        ctx->now, (unsigned long long) sb->case_id,
        (unsigned long long) ctx->subject_id,
        sb->openid.data, sb->openid.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_subscribe_saved);
}


static void
ngx_http_liaison_subscribe_saved(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                      row;
    ngx_uint_t                     created, k;
    unsigned long                 *len;
    ngx_http_liaison_buf_t         out;
    ngx_http_liaison_subscribe_t  *sb;

    sb = ctx->data;

    if (op->rc != NGX_OK || op->nstmts < 4) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    k = op->nstmts - 3;          /* the subscription's SELECT */

    row = mysql_fetch_row(op->res[k]);
    if (row == NULL) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    len = mysql_fetch_lengths(op->res[k]);
    created = (row[3] && row[3][0] == '1' && sb->party_id);

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 512);

    ngx_http_liaison_buf_lit(&out, "{");
    ngx_http_liaison_json_kv(&out, "case_no", (u_char *) sb->cn.normalized,
                             sb->cn.normalized_len);
    ngx_http_liaison_json_kv(&out, "kind", (u_char *) row[0], len[0]);
    ngx_http_liaison_json_kv(&out, "role", (u_char *) row[1], len[1]);
    ngx_http_liaison_json_kv_dt(&out, "verified_at", row[2], len[2]);
    ngx_http_liaison_buf_lit(&out, ",\"consents\":[");

    while ((row = mysql_fetch_row(op->res[k + 1])) != NULL) {
        len = mysql_fetch_lengths(op->res[k + 1]);

        if (ngx_http_liaison_buf_last(&out) != '[') {
            ngx_http_liaison_buf_lit(&out, ",");
        }

        ngx_http_liaison_buf_lit(&out, "{");
        ngx_http_liaison_json_kv(&out, "template_id", (u_char *) row[0],
                                 len[0]);
        ngx_http_liaison_json_key(&out, "remaining");

        if (row[1]) {
            ngx_http_liaison_buf_raw(&out, row[1], len[1]);

        } else {
            ngx_http_liaison_buf_lit(&out, "null");
        }

        ngx_http_liaison_buf_lit(&out, "}");
    }

    ngx_http_liaison_buf_lit(&out, "]}");

    ngx_http_liaison_answer(ctx, created ? NGX_HTTP_CREATED : NGX_HTTP_OK,
                            &out);
}


/* GET /cases/{case_no}/nodes: verified subscribers, staff in scope. */

static void
ngx_http_liaison_case_nodes(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t     *no;
    lsn_caseno_t  *cn;

    cn = ngx_pcalloc(ctx->r->pool, sizeof(lsn_caseno_t));
    if (cn == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = cn;

    no = ngx_http_liaison_path(ctx, "case_no");

    if (lsn_caseno_parse((char *) no->data, no->len, cn) != 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "案号格式不正确，例如（2020）粤0115民初1234号",
                               "case_no");
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT c.id, c.department_id, c.judge_staff_id, "
        "c.procedure_name, c.filed_at, c.deadline, "
        "(SELECT COUNT(*) FROM case_subscriptions s "
        "JOIN case_parties p ON p.id = s.party_id "
        "AND p.case_id = s.case_id AND p.phone_hash = s.phone_hash "
        "WHERE s.case_id = c.id AND s.litigant_id = $u), "
        "(SELECT COUNT(*) FROM departments d "
        "WHERE d.id = c.department_id "
        "AND d.vice_president_staff_id = $u) "
        "FROM cases c WHERE c.case_no = $z",
        (unsigned long long) (ctx->who == NGX_HTTP_LIAISON_LITIGANT
                              ? ctx->subject_id : 0),
        (unsigned long long) (ctx->who == NGX_HTTP_LIAISON_STAFF
                              ? ctx->subject_id : 0),
        cn->normalized);

    ngx_http_liaison_run(ctx, ngx_http_liaison_nodes_case);
}


static void
ngx_http_liaison_nodes_case(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW        row;
    ngx_int_t        n, dept, judge;
    ngx_uint_t       allowed, page, per_page;
    unsigned long   *len;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[0]);
    if (row == NULL) {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "未找到该案件", NULL);
        return;
    }

    len = mysql_fetch_lengths(op->res[0]);
    allowed = 0;

    if (ctx->who == NGX_HTTP_LIAISON_LITIGANT) {
        allowed = (row[6] && row[6][0] != '0');

    } else if (ctx->who == NGX_HTTP_LIAISON_STAFF) {
        /* the case's judge is its "assignee" for the staff scopes */
        dept = row[1] ? ngx_atoi((u_char *) row[1], len[1]) : 0;
        judge = row[2] ? ngx_atoi((u_char *) row[2], len[2]) : 0;

        allowed = ngx_http_liaison_scope_sees(ctx,
                                              dept > 0 ? (uint64_t) dept : 0,
                                              judge > 0 ? (uint64_t) judge
                                                        : 0,
                                              row[7] && row[7][0] != '0');
    }

    if (!allowed) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               ctx->who == NGX_HTTP_LIAISON_LITIGANT
                               ? "请先验证身份并订阅该案件"
                               : "该案件不在您的职责范围内", NULL);
        return;
    }

    if (ngx_http_liaison_page(ctx, &page, &per_page) != NGX_OK) {
        return;
    }

    n = ngx_atoi((u_char *) row[0], len[0]);

    ngx_http_liaison_sql(ctx,
        "SELECT event_id, type, occurred_at, detail FROM case_nodes "
        "WHERE case_id = $u ORDER BY occurred_at DESC, id DESC "
        "LIMIT $u OFFSET $u;"
        "SELECT COUNT(*) FROM case_nodes WHERE case_id = $u;"
        "SELECT procedure_name, filed_at, deadline FROM cases WHERE id = $u",
        (unsigned long long) n, (unsigned long long) per_page,
        (unsigned long long) ((page - 1) * per_page),
        (unsigned long long) n, (unsigned long long) n);

    ngx_http_liaison_run(ctx, ngx_http_liaison_nodes_list);
}


static void
ngx_http_liaison_nodes_list(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    int                      type;
    MYSQL_ROW                row;
    const char              *name;
    lsn_caseno_t            *cn;
    unsigned long           *len;
    ngx_http_liaison_buf_t   out;

    cn = ctx->data;

    if (op->rc != NGX_OK || op->nstmts != 3) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_buf_init(&out, ctx->r->pool,
                                  256 + mysql_num_rows(op->res[0]) * 700)
        != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_http_liaison_buf_lit(&out, "{");
    ngx_http_liaison_json_kv(&out, "case_no", (u_char *) cn->normalized,
                             cn->normalized_len);

    row = mysql_fetch_row(op->res[2]);
    if (row) {
        len = mysql_fetch_lengths(op->res[2]);
        ngx_http_liaison_json_kv(&out, "procedure", (u_char *) row[0],
                                 len[0]);
        ngx_http_liaison_json_kv(&out, "filed_at", (u_char *) row[1], len[1]);
        ngx_http_liaison_json_kv(&out, "deadline", (u_char *) row[2], len[2]);
    }

    ngx_http_liaison_buf_lit(&out, ",\"items\":[");

    while ((row = mysql_fetch_row(op->res[0])) != NULL) {
        len = mysql_fetch_lengths(op->res[0]);
        type = lsn_node_type_index(row[1], len[1]);

        if (ngx_http_liaison_buf_last(&out) != '[') {
            ngx_http_liaison_buf_lit(&out, ",");
        }

        ngx_http_liaison_buf_lit(&out, "{");
        ngx_http_liaison_json_kv(&out, "event_id", (u_char *) row[0], len[0]);
        ngx_http_liaison_json_kv(&out, "type", (u_char *) row[1], len[1]);
        name = (type >= 0) ? lsn_node_phrases[type] : "进度更新";
        ngx_http_liaison_json_kv(&out, "name", (u_char *) name,
                                 ngx_strlen(name));
        ngx_http_liaison_json_kv_dt(&out, "occurred_at", row[2], len[2]);
        ngx_http_liaison_json_kv(&out, "detail", (u_char *) row[3], len[3]);
        ngx_http_liaison_buf_lit(&out, "}");
    }

    ngx_http_liaison_buf_lit(&out, "],\"total\":");

    row = mysql_fetch_row(op->res[1]);
    ngx_http_liaison_buf_raw(&out, row && row[0] ? row[0] : "0",
                             row && row[0] ? ngx_strlen(row[0]) : 1);
    ngx_http_liaison_buf_lit(&out, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &out);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_cases_endpoints[] = {

    { ngx_string("ingest/cases"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_TRIAL, 0, NGX_HTTP_LIAISON_BODY_JSON, 0,
      ngx_http_liaison_ingest_cases, 0 },

    { ngx_string("ingest/case-nodes"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_TRIAL, 0, NGX_HTTP_LIAISON_BODY_JSON, 0,
      ngx_http_liaison_ingest_nodes, 0 },

    { ngx_string("cases/{case_no}/subscriptions"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_LITIGANTS, 0, NGX_HTTP_LIAISON_BODY_JSON, 0,
      ngx_http_liaison_case_subscribe, 0 },

    { ngx_string("cases/{case_no}/nodes"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_SIGNED_IN, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_case_nodes, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
