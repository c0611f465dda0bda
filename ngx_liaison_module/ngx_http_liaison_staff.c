
/*
 * Copyright (C) Liaison authors
 *
 * Staff work: the worklist and the actions on a ticket (triage, reply,
 * dispatch, accept, return, close, transfer, note).  Each action is one
 * transaction: the ticket row is locked, the state machine and the
 * caller's scope are checked in C, then the change and its timeline event
 * are written together.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_module.h"
#include "lsn_text.h"
#include "lsn_ticket.h"
#include "lsn_workflow.h"


#define NGX_HTTP_LIAISON_REPLY_MAX   2000
#define NGX_HTTP_LIAISON_REASON_MAX  500
#define NGX_HTTP_LIAISON_PAGE_MAX    100


typedef struct {
    lsn_action_e                action;
    lsn_role_e                  role;

    /* from the body */
    ngx_str_t                   text;        /* reply, note, reason */
    const char                 *risk_level;  /* a note that raises a risk */
    ngx_uint_t                  refer;       /* a note that refers (A17) */
    ngx_uint_t                  close;
    int                         new_track;
    int                         new_category;
    uint64_t                    target_staff;
    uint64_t                    target_dept;

    /* the locked ticket */
    uint64_t                    ticket_id;
    int                         status;
    int                         track;
    uint64_t                    dept;
    uint64_t                    assignee;
    uint64_t                    case_judge;
    ngx_uint_t                  in_charge;   /* vice president's dept */
    ngx_uint_t                  supervised;  /* A17 special supervision */
    ngx_uint_t                  referred;    /* ... already referred */
    int                         next;

    /* the locking batch, kept while the calendar loads (dispatch) */
    ngx_str_t                   lock_sql;

    /* an error to answer once the transaction is rolled back */
    ngx_uint_t                  err_status;
    const char                 *err_code;
    const char                 *err_message;
    const char                 *err_field;
} ngx_http_liaison_action_t;


typedef struct {
    lsn_role_e                  role;
    int                         status;
    const char                 *track;
    ngx_uint_t                  overdue;
    ngx_uint_t                  escalated;
    ngx_uint_t                  mine;
    ngx_uint_t                  all;         /* finished ones too */
} ngx_http_liaison_worklist_t;


static ngx_int_t ngx_http_liaison_worklist_where(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_worklist_t *wl);
static void ngx_http_liaison_action(ngx_http_liaison_ctx_t *ctx,
    lsn_action_e action);
static ngx_int_t ngx_http_liaison_action_body(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_action_start(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_action_locked(ngx_http_liaison_db_op_t *op);
static ngx_int_t ngx_http_liaison_action_check(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act, MYSQL_RES *target);
static ngx_uint_t ngx_http_liaison_receiver(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static ngx_int_t ngx_http_liaison_action_write(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_action_done(ngx_http_liaison_db_op_t *op);
static const char *ngx_http_liaison_risk_level(ngx_str_t *s);
static ngx_int_t ngx_http_liaison_risk_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act);
static void ngx_http_liaison_action_refuse(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, const char *code, const char *message,
    const char *field);
static void ngx_http_liaison_action_rolled_back(ngx_http_liaison_db_op_t *op);
static uint64_t ngx_http_liaison_row_id(MYSQL_ROW row, unsigned long *len,
    ngx_uint_t i);
static void ngx_http_liaison_worklist_done(ngx_http_liaison_db_op_t *op);


static ngx_uint_t
ngx_http_liaison_flag_arg(ngx_http_request_t *r, const char *name)
{
    ngx_str_t  v;

    return ngx_http_liaison_arg(r, name, &v) == NGX_OK
           && v.len == 1 && v.data[0] == '1';
}



/*
 * GET /staff/tickets?status=&track=&overdue=1&escalated=1&mine=1&all=1&page=
 * Without status= the list holds what still waits on the court; all=1 adds
 * the answered, replied and closed ones.
 */

void
ngx_http_liaison_staff_worklist(ngx_http_liaison_ctx_t *ctx)
{
    int                           role;
    ngx_str_t                     v, *sql;
    ngx_int_t                     page, per_page;
    ngx_pool_t                   *pool;
    ngx_http_request_t           *r;
    ngx_http_liaison_worklist_t  *wl;

    r = ctx->r;
    pool = r->pool;
    sql = &ctx->op.sql;

    if (ngx_http_liaison_staff_role(ctx, 0, &role) != NGX_OK) {
        return;
    }

    if (role == LSN_ROLE_SYS_ADMIN) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "系统管理员不处理诉求", NULL);
        return;
    }

    wl = ngx_pcalloc(pool, sizeof(ngx_http_liaison_worklist_t));
    if (wl == NULL) {
        goto failed;
    }

    wl->role = (lsn_role_e) role;
    wl->status = -1;
    page = 1;
    per_page = 20;

    if (ngx_http_liaison_arg(r, "page", &v) == NGX_OK) {
        page = ngx_atoi(v.data, v.len);
        if (page < 1 || page > 100000) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument", "页码不正确", "page");
            return;
        }
    }

    if (ngx_http_liaison_arg(r, "per_page", &v) == NGX_OK) {
        per_page = ngx_atoi(v.data, v.len);
        if (per_page < 1 || per_page > NGX_HTTP_LIAISON_PAGE_MAX) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "每页条数须为 1 到 100", "per_page");
            return;
        }
    }

    if (ngx_http_liaison_arg(r, "status", &v) == NGX_OK) {
        wl->status = lsn_status_index((char *) v.data, v.len);
        if (wl->status < 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument", "未知的状态", "status");
            return;
        }
    }

    if (ngx_http_liaison_arg(r, "track", &v) == NGX_OK) {
        if (v.len == 6 && ngx_strncmp(v.data, "simple", 6) == 0) {
            wl->track = "simple";

        } else if (v.len == 8 && ngx_strncmp(v.data, "ordinary", 8) == 0) {
            wl->track = "ordinary";

        } else {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "track 须为 simple 或 ordinary", "track");
            return;
        }
    }

    wl->overdue = ngx_http_liaison_flag_arg(r, "overdue");
    wl->escalated = ngx_http_liaison_flag_arg(r, "escalated");
    wl->mine = ngx_http_liaison_flag_arg(r, "mine");
    wl->all = ngx_http_liaison_flag_arg(r, "all");

    if (ngx_http_liaison_db_sql(pool, sql, "SELECT COUNT(*) FROM tickets t")
            != NGX_OK
        || ngx_http_liaison_worklist_where(ctx, wl) != NGX_OK
        || ngx_http_liaison_db_sql_append(pool, sql,
               ";SELECT t.ticket_no, t.channel, t.category, t.track, "
               "t.status, t.case_no, LEFT(t.content, 60), t.created_at, "
               "t.due_at, t.escalation_level, t.department_id, d.name, "
               "t.assignee_staff_id, s.name, "
               "t.due_at < $t AND t.status IN ('registered', 'dispatched', "
               "'accepted', 'reopened') "
               /* the page's ids from the index alone, then their rows */
               "FROM (SELECT t.id FROM tickets t",
               ctx->now)
           != NGX_OK
        || ngx_http_liaison_worklist_where(ctx, wl) != NGX_OK
        || ngx_http_liaison_db_sql_append(pool, sql,
               " ORDER BY t.due_at, t.id LIMIT $u OFFSET $u) p "
               "JOIN tickets t ON t.id = p.id "
               "LEFT JOIN departments d ON d.id = t.department_id "
               "LEFT JOIN staff s ON s.id = t.assignee_staff_id "
               "ORDER BY t.due_at, t.id",
               (unsigned long long) per_page,
               (unsigned long long) ((page - 1) * per_page))
           != NGX_OK)
    {
        goto failed;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_worklist_done);
    return;

failed:

    ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
}


/* The caller's scope, then the filters, appended to ctx->op.sql. */

static ngx_int_t
ngx_http_liaison_worklist_where(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_worklist_t *wl)
{
    ngx_int_t    rc;
    ngx_str_t   *sql;
    ngx_pool_t  *pool;

    pool = ctx->r->pool;
    sql = &ctx->op.sql;

    switch (lsn_role_scope(wl->role)) {
    case LSN_SCOPE_OWN:
        rc = ngx_http_liaison_db_sql_append(pool, sql,
                 " WHERE t.assignee_staff_id = $u",
                 (unsigned long long) ctx->subject_id);
        break;
    case LSN_SCOPE_DEPARTMENT:
        rc = ngx_http_liaison_db_sql_append(pool, sql,
                 " WHERE t.department_id = $u",
                 (unsigned long long) ctx->department_id);
        break;
    case LSN_SCOPE_CHARGE:
        rc = ngx_http_liaison_db_sql_append(pool, sql,
                 " WHERE t.department_id IN (SELECT id FROM departments "
                 "WHERE vice_president_staff_id = $u)",
                 (unsigned long long) ctx->subject_id);
        break;
    default:
        rc = ngx_http_liaison_db_sql_append(pool, sql, " WHERE 1 = 1");
    }

    /* a worklist is what waits on the court, unless asked otherwise */
    if (rc == NGX_OK && wl->status >= 0) {
        rc = ngx_http_liaison_db_sql_append(pool, sql, " AND t.status = $z",
                                            lsn_status_names[wl->status]);

    } else if (rc == NGX_OK && !wl->all) {
        rc = ngx_http_liaison_db_sql_append(pool, sql,
                 " AND t.status IN ('registered', 'dispatched', 'accepted', "
                 "'reopened')");
    }

    if (rc == NGX_OK && wl->track) {
        rc = ngx_http_liaison_db_sql_append(pool, sql, " AND t.track = $z",
                                            wl->track);
    }

    if (rc == NGX_OK && wl->overdue) {
        rc = ngx_http_liaison_db_sql_append(pool, sql,
                 " AND t.due_at < $t AND t.status IN ('registered', "
                 "'dispatched', 'accepted', 'reopened')", ctx->now);
    }

    if (rc == NGX_OK && wl->escalated) {
        rc = ngx_http_liaison_db_sql_append(pool, sql,
                                            " AND t.escalation_level > 0");
    }

    if (rc == NGX_OK && wl->mine) {
        rc = ngx_http_liaison_db_sql_append(pool, sql,
                 " AND t.assignee_staff_id = $u",
                 (unsigned long long) ctx->subject_id);
    }

    return rc;
}


static void
ngx_http_liaison_worklist_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    time_t                   t;
    MYSQL_ROW                row;
    unsigned long           *len;
    ngx_http_liaison_out_t   out;

    if (op->rc != NGX_OK || op->nstmts != 2) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[0]);

    if (row == NULL
        || ngx_http_liaison_out_init(&out, ctx->r->pool, 4096) != NGX_OK)
    {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_out_lit(&out, "{\"total\":");
    ngx_http_liaison_out_raw(&out, row[0], ngx_strlen(row[0]));
    ngx_http_liaison_out_lit(&out, ",\"items\":[");

    while ((row = mysql_fetch_row(op->res[1])) != NULL) {
        len = mysql_fetch_lengths(op->res[1]);

        if (out.pos[-1] != '[') {
            ngx_http_liaison_out_lit(&out, ",");
        }

        ngx_http_liaison_out_lit(&out, "{");
        ngx_http_liaison_out_kv(&out, "ticket_no", (u_char *) row[0], len[0]);
        ngx_http_liaison_out_kv(&out, "channel", (u_char *) row[1], len[1]);
        ngx_http_liaison_out_kv(&out, "category", (u_char *) row[2], len[2]);
        ngx_http_liaison_out_kv(&out, "track", (u_char *) row[3], len[3]);
        ngx_http_liaison_out_kv(&out, "status", (u_char *) row[4], len[4]);
        ngx_http_liaison_out_kv(&out, "case_no", (u_char *) row[5], len[5]);
        ngx_http_liaison_out_kv(&out, "summary", (u_char *) row[6], len[6]);

        if (lsn_parse_datetime(row[7], len[7], &t) == 0) {
            ngx_http_liaison_out_kv_time(&out, "created_at", t);
        }

        if (lsn_parse_datetime(row[8], len[8], &t) == 0) {
            ngx_http_liaison_out_kv_time(&out, "due_at", t);
        }

        ngx_http_liaison_out_key(&out, "escalation_level");
        ngx_http_liaison_out_raw(&out, row[9], len[9]);
        ngx_http_liaison_out_key(&out, "overdue");

        if (row[14] && row[14][0] == '1') {
            ngx_http_liaison_out_lit(&out, "true");

        } else {
            ngx_http_liaison_out_lit(&out, "false");
        }

        ngx_http_liaison_out_key(&out, "department");

        if (row[10]) {
            ngx_http_liaison_out_lit(&out, "{\"id\":");
            ngx_http_liaison_out_raw(&out, row[10], len[10]);
            ngx_http_liaison_out_kv(&out, "name", (u_char *) row[11],
                                    len[11]);
            ngx_http_liaison_out_lit(&out, "}");

        } else {
            ngx_http_liaison_out_lit(&out, "null");
        }

        ngx_http_liaison_out_key(&out, "assignee");

        if (row[12]) {
            ngx_http_liaison_out_lit(&out, "{\"id\":");
            ngx_http_liaison_out_raw(&out, row[12], len[12]);
            ngx_http_liaison_out_kv(&out, "name", (u_char *) row[13],
                                    len[13]);
            ngx_http_liaison_out_lit(&out, "}");

        } else {
            ngx_http_liaison_out_lit(&out, "null");
        }

        ngx_http_liaison_out_lit(&out, "}");
    }

    ngx_http_liaison_out_lit(&out, "]}");
    ngx_http_liaison_finish(ctx, NGX_HTTP_OK, &out);
}


/* POST /staff/tickets/{no}/<action> */

void
ngx_http_liaison_staff_triage(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_TRIAGE);
}


void
ngx_http_liaison_staff_reply(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_REPLY);
}


void
ngx_http_liaison_staff_dispatch(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_DISPATCH);
}


void
ngx_http_liaison_staff_accept(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_ACCEPT);
}


void
ngx_http_liaison_staff_return(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_RETURN);
}


void
ngx_http_liaison_staff_close(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_CLOSE);
}


void
ngx_http_liaison_staff_transfer(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_TRANSFER);
}


void
ngx_http_liaison_staff_note(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, LSN_ACT_NOTE);
}


/*
 * POST /staff/tickets/{no}/risk {level, note}: an A10 emergency warning,
 * an internal note on the ticket that also opens a risk and alerts the
 * case-filing division at once.
 */

void
ngx_http_liaison_staff_risk(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, (lsn_action_e) LSN_ACT_COUNT);
}


/*
 * POST /staff/tickets/{no}/refer {note}: A17 referral of a ticket under
 * special supervision, not closed, to discipline inspection (president,
 * case-filing division): referred_at and an internal `referred` event.
 */

void
ngx_http_liaison_staff_refer(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action(ctx, (lsn_action_e) (LSN_ACT_COUNT + 1));
}


static void
ngx_http_liaison_action(ngx_http_liaison_ctx_t *ctx, lsn_action_e action)
{
    int                         role;
    ngx_str_t                  *sql;
    ngx_pool_t                 *pool;
    ngx_http_liaison_action_t  *act;

    pool = ctx->r->pool;

    act = ngx_pcalloc(pool, sizeof(ngx_http_liaison_action_t));
    if (act == NULL) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (action == (lsn_action_e) LSN_ACT_COUNT) {
        action = LSN_ACT_NOTE;
        act->risk_level = "";

    } else if (action == (lsn_action_e) (LSN_ACT_COUNT + 1)) {
        action = LSN_ACT_NOTE;
        act->refer = 1;
    }

    act->action = action;
    act->new_track = -1;
    act->new_category = -1;
    ctx->data = act;

    if (ngx_http_liaison_staff_role(ctx, 0, &role) != NGX_OK) {
        return;
    }

    act->role = (lsn_role_e) role;

    if (act->refer ? !(act->role == LSN_ROLE_PRESIDENT
                       || act->role == LSN_ROLE_FILING_ADMIN)
                   : !lsn_role_may(act->role, action))
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "您的角色不能进行此操作", NULL);
        return;
    }

    if (ngx_http_liaison_action_body(ctx, act) != NGX_OK) {
        return;
    }

    if (!lsn_ticket_no_valid((char *) ctx->arg.data, ctx->arg.len)) {
        ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                               "未找到该诉求", NULL);
        return;
    }

    sql = &ctx->op.sql;

    if (ngx_http_liaison_db_sql(pool, sql,
            "START TRANSACTION;"
            "SELECT t.id, t.status, t.track, t.department_id, "
            "t.assignee_staff_id, c.judge_staff_id, "
            "t.department_id IN (SELECT id FROM departments "
            "WHERE vice_president_staff_id = $u), t.supervised, "
            "t.referred_at IS NOT NULL "
            "FROM tickets t LEFT JOIN cases c ON c.id = t.case_id "
            "WHERE t.ticket_no = $s FOR UPDATE",
            (unsigned long long) ctx->subject_id,
            ctx->arg.data, ctx->arg.len)
        != NGX_OK)
    {
        goto failed;
    }

    if (action == LSN_ACT_DISPATCH || action == LSN_ACT_TRANSFER) {
        /* the target: a person (their department follows), or a
           department; a dispatch with neither goes to the case's judge */
        if (act->target_staff || act->target_dept == 0) {
            if (ngx_http_liaison_db_sql_append(pool, sql,
                    ";SELECT s.id, s.department_id, s.role FROM staff s "
                    "WHERE s.active = 1 AND s.id = COALESCE(NULLIF($u, 0), "
                    "(SELECT c.judge_staff_id FROM tickets t JOIN cases c "
                    "ON c.id = t.case_id WHERE t.ticket_no = $s))",
                    (unsigned long long) act->target_staff,
                    ctx->arg.data, ctx->arg.len)
                != NGX_OK)
            {
                goto failed;
            }

        } else if (ngx_http_liaison_db_sql_append(pool, sql,
                       ";SELECT NULL, id, NULL FROM departments "
                       "WHERE id = $u",
                       (unsigned long long) act->target_dept)
                   != NGX_OK)
        {
            goto failed;
        }
    }

    /* a dispatch sets the acceptance deadline on the calendar */
    if (action == LSN_ACT_DISPATCH || action == LSN_ACT_TRANSFER) {
        act->lock_sql = *sql;
        ngx_http_liaison_calendar_ready(ctx, ngx_http_liaison_action_start);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_action_locked);
    return;

failed:

    ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
}


static void
ngx_http_liaison_action_start(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_action_t  *act;

    act = ctx->data;
    ctx->op.sql = act->lock_sql;

    ngx_http_liaison_query(ctx, ngx_http_liaison_action_locked);
}


static ngx_int_t
ngx_http_liaison_action_body(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    ngx_str_t                 s;
    ngx_http_liaison_json_t  *v;

    switch (act->action) {

    case LSN_ACT_TRIAGE:
        if (ngx_http_liaison_body_text(ctx, "track", 1, 16, &s) != NGX_OK) {
            return NGX_ERROR;
        }

        if (s.len == 6 && ngx_strncmp(s.data, "simple", 6) == 0) {
            act->new_track = LSN_TRACK_SIMPLE;

        } else if (s.len == 8 && ngx_strncmp(s.data, "ordinary", 8) == 0) {
            act->new_track = LSN_TRACK_ORDINARY;

        } else {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "track 须为 simple 或 ordinary", "track");
            return NGX_ERROR;
        }

        if (ngx_http_liaison_body_text(ctx, "category", 0, 32, &s)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (s.data) {
            act->new_category = lsn_category_index((char *) s.data, s.len);
            if (act->new_category < 0) {
                ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                       "invalid_argument", "未知的诉求类别",
                                       "category");
                return NGX_ERROR;
            }
        }

        if (ngx_http_liaison_body_text(ctx, "note", 0,
                                         NGX_HTTP_LIAISON_REASON_MAX,
                                         &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_REPLY:
        if (ngx_http_liaison_body_text(ctx, "content", 1,
                                         NGX_HTTP_LIAISON_REPLY_MAX,
                                         &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        v = ngx_http_liaison_json_get(ctx->body, "close");
        if (v) {
            if (v->type == NGX_HTTP_LIAISON_JSON_TRUE) {
                act->close = 1;

            } else if (v->type != NGX_HTTP_LIAISON_JSON_FALSE) {
                ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                       "invalid_argument",
                                       "close 须为 true 或 false", "close");
                return NGX_ERROR;
            }
        }

        break;

    case LSN_ACT_DISPATCH:
    case LSN_ACT_TRANSFER:
        if (ngx_http_liaison_body_id(ctx, "assignee", &act->target_staff)
               != NGX_OK
            || ngx_http_liaison_body_id(ctx, "department",
                                          &act->target_dept)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (act->action == LSN_ACT_TRANSFER
            && act->target_staff == 0 && act->target_dept == 0)
        {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "转办须指定承办部门或承办人",
                                   "department");
            return NGX_ERROR;
        }

        if (ngx_http_liaison_body_text(ctx,
                act->action == LSN_ACT_TRANSFER ? "reason" : "note",
                act->action == LSN_ACT_TRANSFER,
                NGX_HTTP_LIAISON_REASON_MAX, &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_RETURN:
        if (ngx_http_liaison_body_text(ctx, "reason", 1,
                                         NGX_HTTP_LIAISON_REASON_MAX,
                                         &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_NOTE:
        if (act->risk_level) {
            if (ngx_http_liaison_body_text(ctx, "level", 1, 16, &s)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            act->risk_level = ngx_http_liaison_risk_level(&s);
            if (act->risk_level == NULL) {
                ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                       "invalid_argument",
                                       "风险等级须为 low、medium、high 或 "
                                       "urgent", "level");
                return NGX_ERROR;
            }
        }

        if (ngx_http_liaison_body_text(ctx,
                act->risk_level || act->refer ? "note" : "content", 1,
                NGX_HTTP_LIAISON_REPLY_MAX, &act->text)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    default: /* accept, close */
        if (ctx->body
            && ngx_http_liaison_body_text(ctx, "note", 0,
                                            NGX_HTTP_LIAISON_REASON_MAX,
                                            &act->text)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_liaison_body_unknown(ctx);
}




static uint64_t
ngx_http_liaison_row_id(MYSQL_ROW row, unsigned long *len, ngx_uint_t i)
{
    ngx_int_t  n;

    if (row[i] == NULL) {
        return 0;
    }

    n = ngx_atoi((u_char *) row[i], len[i]);

    return n > 0 ? (uint64_t) n : 0;
}


static void
ngx_http_liaison_action_locked(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                   row;
    unsigned long              *len;
    ngx_http_liaison_action_t  *act;

    act = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[1]);
    if (row == NULL) {
        ngx_http_liaison_action_refuse(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                                       "未找到该诉求", NULL);
        return;
    }

    len = mysql_fetch_lengths(op->res[1]);

    act->ticket_id = ngx_http_liaison_row_id(row, len, 0);
    act->status = lsn_status_index(row[1], len[1]);
    act->track = ngx_strcmp(row[2], "ordinary") == 0 ? LSN_TRACK_ORDINARY
                                                       : LSN_TRACK_SIMPLE;
    act->dept = ngx_http_liaison_row_id(row, len, 3);
    act->assignee = ngx_http_liaison_row_id(row, len, 4);
    act->case_judge = ngx_http_liaison_row_id(row, len, 5);
    act->in_charge = (row[6] && row[6][0] == '1');
    act->supervised = (row[7] && row[7][0] == '1');
    act->referred = (row[8] && row[8][0] == '1');

    if (act->status < 0) {
        ngx_http_liaison_action_refuse(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                       "internal_error", "诉求状态异常",
                                       NULL);
        return;
    }

    if (ngx_http_liaison_action_check(ctx, act,
                                      op->nstmts > 2 ? op->res[2] : NULL)
        != NGX_OK)
    {
        return;
    }

    if (ngx_http_liaison_action_write(ctx, act) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_liaison_query(ctx, ngx_http_liaison_action_done);
}


/* Whether a member of staff may see a ticket of this department etc. */

ngx_uint_t
ngx_http_liaison_staff_sees(ngx_http_liaison_ctx_t *ctx, uint64_t dept,
    uint64_t assignee, ngx_uint_t in_charge)
{
    int  role;

    if (ctx->who != NGX_HTTP_LIAISON_STAFF) {
        return 0;
    }

    role = lsn_role_index((char *) ctx->role.data, ctx->role.len);
    if (role < 0 || role == LSN_ROLE_SYS_ADMIN) {
        return 0;
    }

    switch (lsn_role_scope((lsn_role_e) role)) {
    case LSN_SCOPE_OWN:
        return assignee && assignee == ctx->subject_id;
    case LSN_SCOPE_DEPARTMENT:
        return dept && dept == ctx->department_id;
    case LSN_SCOPE_CHARGE:
        return in_charge;
    default:
        return 1;
    }
}


/*
 * The receiver of a work order: the person it is assigned to; with nobody
 * assigned, the department's people; the department's leader and liaison
 * may always act for it.
 */

static ngx_uint_t
ngx_http_liaison_receiver(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    if (act->assignee == ctx->subject_id) {
        return 1;
    }

    if (!lsn_role_in_department(act->role) || act->dept == 0
        || act->dept != ctx->department_id)
    {
        return 0;
    }

    return act->assignee == 0 || act->role == LSN_ROLE_DEPT_LEADER
           || act->role == LSN_ROLE_LIAISON;
}


static ngx_int_t
ngx_http_liaison_action_check(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act, MYSQL_RES *target)
{
    int             role;
    char           *msg;
    size_t          n;
    MYSQL_ROW       row;
    ngx_uint_t      platform;
    unsigned long  *len;
    char            allowed[128];

    if (!ngx_http_liaison_staff_sees(ctx, act->dept, act->assignee,
                                     act->in_charge))
    {
        ngx_http_liaison_action_refuse(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                                       "未找到该诉求", NULL);
        return NGX_ERROR;
    }

    /* A17: only a supervised ticket still open is referred, once */
    if (act->refer && (act->status == LSN_ST_CLOSED || !act->supervised
                       || act->referred))
    {
        ngx_http_liaison_action_refuse(ctx, NGX_HTTP_CONFLICT, "conflict",
            act->status == LSN_ST_CLOSED ? "诉求已办结，不能移送纪检"
            : act->referred ? "该诉求已移送纪检"
            : "只有专项督办中的诉求可以移送纪检", NULL);
        return NGX_ERROR;
    }

    act->next = lsn_workflow_next(act->action, (lsn_status_e) act->status,
                                  act->track, (int) act->close);

    if (act->next < 0) {
        n = lsn_workflow_allowed((lsn_status_e) act->status, act->track,
                                 allowed, sizeof(allowed));

        msg = ngx_pnalloc(ctx->r->pool, n + 128);
        if (msg == NULL) {
            ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return NGX_ERROR;
        }

        (void) ngx_sprintf((u_char *) msg,
                           "当前状态（%s）不能进行此操作；可进行：%s%Z",
                           lsn_status_names[act->status],
                           n ? allowed : "无");

        ngx_http_liaison_action_refuse(ctx, NGX_HTTP_CONFLICT, "conflict",
                                       msg, NULL);
        return NGX_ERROR;
    }

    platform = lsn_role_may(act->role, LSN_ACT_TRIAGE);

    switch (act->action) {

    case LSN_ACT_REPLY:
        /* simple requests are the platform's; work orders the receiver's */
        if (act->track == LSN_TRACK_SIMPLE ? !platform
                                           : !ngx_http_liaison_receiver(ctx,
                                                                        act))
        {
            goto forbidden;
        }

        break;

    case LSN_ACT_ACCEPT:
    case LSN_ACT_RETURN:
        if (!ngx_http_liaison_receiver(ctx, act)) {
            goto forbidden;
        }

        break;

    case LSN_ACT_CLOSE:
    case LSN_ACT_TRANSFER:
        if (!platform && !ngx_http_liaison_receiver(ctx, act)) {
            goto forbidden;
        }

        break;

    case LSN_ACT_DISPATCH:
        /* a department's leader and liaison assign within it */
        if (!platform && (act->status != LSN_ST_DISPATCHED
                          || act->dept != ctx->department_id))
        {
            goto forbidden;
        }

        break;

    default:
        break;
    }

    if (act->action != LSN_ACT_DISPATCH && act->action != LSN_ACT_TRANSFER) {
        return NGX_OK;
    }

    row = target ? mysql_fetch_row(target) : NULL;

    if (row == NULL) {
        ngx_http_liaison_action_refuse(ctx, NGX_HTTP_BAD_REQUEST,
                                       "invalid_argument",
                                       act->target_staff || act->target_dept
                                       ? "承办人或部门不存在"
                                       : "案件无承办法官，请指定承办人或部门",
                                       act->target_dept && !act->target_staff
                                       ? "department" : "assignee");
        return NGX_ERROR;
    }

    len = mysql_fetch_lengths(target);

    act->target_dept = ngx_http_liaison_row_id(row, len, 1);

    if (row[0]) {
        act->target_staff = ngx_http_liaison_row_id(row, len, 0);
        role = lsn_role_index(row[2], len[2]);

        if (act->target_dept == 0 || role < 0
            || !lsn_role_in_department((lsn_role_e) role))
        {
            ngx_http_liaison_action_refuse(ctx, NGX_HTTP_BAD_REQUEST,
                                           "invalid_argument",
                                           "只能派给部门的承办人",
                                           "assignee");
            return NGX_ERROR;
        }
    }

    if (!platform && act->action == LSN_ACT_DISPATCH
        && act->target_dept != ctx->department_id)
    {
        ngx_http_liaison_action_refuse(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                       "只能在本部门内指派", NULL);
        return NGX_ERROR;
    }

    return NGX_OK;

forbidden:

    ngx_http_liaison_action_refuse(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                                   "只有承办人或其部门可以进行此操作", NULL);
    return NGX_ERROR;
}


static ngx_int_t
ngx_http_liaison_action_write(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    ngx_str_t                 *sql;
    ngx_pool_t                *pool;
    unsigned long long         id, me;
    const char                *type, *next;
    ngx_uint_t                 pub;

    pool = ctx->r->pool;
    sql = &ctx->op.sql;
    id = act->ticket_id;
    me = ctx->subject_id;
    next = lsn_status_names[act->next];
    pub = 1;

    if (ngx_http_liaison_db_sql(pool, sql,
            "UPDATE tickets SET status = $z, updated_at = $t",
            next, ctx->now)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    switch (act->action) {

    case LSN_ACT_TRIAGE:
        type = "triaged";
        pub = 0;

        if (ngx_http_liaison_db_sql_append(pool, sql, ", track = $z",
                lsn_track_name((lsn_track_e) act->new_track))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (act->new_category >= 0
            && ngx_http_liaison_db_sql_append(pool, sql, ", category = $z",
                   lsn_categories[act->new_category])
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_REPLY:
        type = act->track == LSN_TRACK_SIMPLE ? "answered" : "replied";

        if (ngx_http_liaison_db_sql_append(pool, sql,
                ", replied_at = COALESCE(replied_at, $t)"
                ", first_handler_staff_id = COALESCE(first_handler_staff_id, "
                "$u)", ctx->now, me)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (act->close
            && ngx_http_liaison_db_sql_append(pool, sql, ", closed_at = $t",
                                              ctx->now)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_DISPATCH:
    case LSN_ACT_TRANSFER:
        type = act->action == LSN_ACT_DISPATCH ? "dispatched" : "transferred";

        if (ngx_http_liaison_db_sql_append(pool, sql,
                ", department_id = $u, assignee_staff_id = NULLIF($u, 0), "
                "dispatched_at = COALESCE(dispatched_at, $t), "
                "accept_due_at = COALESCE(accept_due_at, $t)",
                (unsigned long long) act->target_dept,
                (unsigned long long) act->target_staff, ctx->now,
                /* A2: to be accepted within one working day */
                lsn_calendar_add_working_days(ctx->mcf->calendar, ctx->now,
                                              1, NULL))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_ACCEPT:
        type = "accepted";

        /* the first to accept is the first handler, whoever comes later */
        if (ngx_http_liaison_db_sql_append(pool, sql,
                ", accepted_at = COALESCE(accepted_at, $t), "
                "assignee_staff_id = COALESCE(assignee_staff_id, $u), "
                "first_handler_staff_id = COALESCE(first_handler_staff_id, "
                "$u)", ctx->now, me, me)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_RETURN:
        type = "returned";
        pub = 0;

        if (ngx_http_liaison_db_sql_append(pool, sql,
                ", department_id = NULL, assignee_staff_id = NULL")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    case LSN_ACT_CLOSE:
        type = "closed";

        if (ngx_http_liaison_db_sql_append(pool, sql, ", closed_at = $t",
                                           ctx->now)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        break;

    default:
        type = act->risk_level ? "risk_raised"
               : act->refer ? "referred" : "note";
        pub = 0;

        if (act->refer
            && ngx_http_liaison_db_sql_append(pool, sql, ", referred_at = $t",
                                              ctx->now)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_liaison_db_sql_append(pool, sql,
            " WHERE id = $u;"
            "INSERT INTO ticket_events (ticket_id, type, actor_kind, "
            "actor_id, status_from, status_to, note, public, created_at) "
            "VALUES ($u, $z, 'staff', $u, $z, $z, $s, $u, $t)",
            id, id, type, me, lsn_status_names[act->status], next,
            act->text.data, act->text.len, (unsigned long long) pub,
            ctx->now)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (act->risk_level
        && ngx_http_liaison_risk_sql(ctx, act) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the reply reaches a WeChat owner: outbox, same transaction (A7) */
    if (act->action == LSN_ACT_REPLY
        && ngx_http_liaison_push_reply_sql(ctx, sql, id, &act->text)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_liaison_db_sql_append(pool, sql, ";COMMIT");
}


static const char *
ngx_http_liaison_risk_level(ngx_str_t *s)
{
    static const char  *levels[] = { "low", "medium", "high", "urgent", NULL };

    ngx_uint_t  i;

    for (i = 0; levels[i]; i++) {
        if (s->len == ngx_strlen(levels[i])
            && ngx_strncmp(s->data, levels[i], s->len) == 0)
        {
            return levels[i];
        }
    }

    return NULL;
}


/* The risk, its first stage, the flag, and the alert to the division. */

static ngx_int_t
ngx_http_liaison_risk_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_action_t *act)
{
    u_char               *text, *p;
    unsigned long long    id, me;

    id = act->ticket_id;
    me = ctx->subject_id;

    text = ngx_pnalloc(ctx->r->pool, ctx->arg.len + act->text.len + 128);
    if (text == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(text, "【诉讼服务风险预警】诉求 %V（%s）：%V。请立即接单处置。",
                    &ctx->arg, act->risk_level, &act->text);

    return ngx_http_liaison_db_sql_append(ctx->r->pool, &ctx->op.sql,
        ";INSERT INTO risks (ticket_id, level, source, raised_by, note, "
        "stage, stage_since, created_at) VALUES ($u, $z, 'staff', $u, $s, "
        "'received', $t, $t)"
        ";INSERT INTO risk_events (risk_id, stage, staff_id, note, "
        "created_at) VALUES (LAST_INSERT_ID(), 'received', $u, $s, $t)"
        ";UPDATE tickets SET risk_flag = 1 WHERE id = $u"
        ";INSERT INTO outbox (channel, recipient, payload, ticket_id, kind, "
        "next_attempt_at, created_at) "
        "SELECT 'sms', mobile, JSON_OBJECT('text', $s), $u, 'risk_alert', "
        "$t, $t FROM staff WHERE role = 'filing_admin' AND active = 1 "
        "AND mobile IS NOT NULL "
        "UNION ALL SELECT 'wecom', wecom_userid, JSON_OBJECT('text', $s), $u, "
        "'risk_alert', $t, $t FROM staff WHERE role = 'filing_admin' "
        "AND active = 1 AND wecom_userid IS NOT NULL",
        id, act->risk_level, me, act->text.data, act->text.len, ctx->now,
        ctx->now, me, act->text.data, act->text.len, ctx->now, id,
        text, (size_t) (p - text), id, ctx->now, ctx->now,
        text, (size_t) (p - text), id, ctx->now, ctx->now);
}


static void
ngx_http_liaison_action_done(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    const char                 *next;
    ngx_http_liaison_out_t      out;
    ngx_http_liaison_action_t  *act;

    act = ctx->data;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    if (ngx_http_liaison_out_init(&out, ctx->r->pool, 256) != NGX_OK) {
        ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    next = lsn_status_names[act->next];

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: staff #%uL: %s on ticket #%uL, %s -> %s",
                  ctx->subject_id, lsn_action_names[act->action],
                  act->ticket_id, lsn_status_names[act->status], next);

    ngx_http_liaison_out_lit(&out, "{");
    ngx_http_liaison_out_kv(&out, "ticket_no", ctx->arg.data, ctx->arg.len);
    ngx_http_liaison_out_kv(&out, "status", (u_char *) next,
                            ngx_strlen(next));
    ngx_http_liaison_out_kv(&out, "track",
                            (u_char *) lsn_track_name(
                                act->new_track >= 0
                                ? (lsn_track_e) act->new_track
                                : (lsn_track_e) act->track),
                            ngx_strlen(lsn_track_name(
                                act->new_track >= 0
                                ? (lsn_track_e) act->new_track
                                : (lsn_track_e) act->track)));

    if (act->risk_level) {
        /* UPDATE, the event, then the risk */
        ngx_http_liaison_out_key(&out, "risk_id");
        ngx_http_liaison_out_int(&out, (int64_t) op->insert_id[2]);
    }

    ngx_http_liaison_out_lit(&out, "}");

    ngx_http_liaison_finish(ctx, NGX_HTTP_OK, &out);
}


/* Refusals after the row lock: roll back first, then answer. */

static void
ngx_http_liaison_action_refuse(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, const char *code, const char *message,
    const char *field)
{
    ngx_http_liaison_action_t  *act;

    act = ctx->data;
    act->err_status = status;
    act->err_code = code;
    act->err_message = message;
    act->err_field = field;

    ngx_str_set(&ctx->op.sql, "ROLLBACK");
    ngx_http_liaison_query(ctx, ngx_http_liaison_action_rolled_back);
}


static void
ngx_http_liaison_action_rolled_back(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    ngx_http_liaison_action_t  *act;

    act = ctx->data;

    ngx_http_liaison_error(ctx, act->err_status, act->err_code,
                           act->err_message, act->err_field);
}
