
/*
 * Copyright (C) Liaison authors
 */


#ifndef _NGX_HTTP_LIAISON_MODULE_H_INCLUDED_
#define _NGX_HTTP_LIAISON_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
#include "ngx_http_liaison_db.h"
#include "ngx_http_liaison_json.h"
#include "ngx_http_liaison_lit.h"
#include "ngx_http_liaison_push.h"
#include "lsn_calendar.h"
#include "lsn_token.h"


/* ticket_seq steps by this much: each NEXTVAL reserves a block */
#define NGX_HTTP_LIAISON_SEQ_BLOCK  100


typedef struct {
    ngx_http_liaison_db_conf_t    db;
    ngx_uint_t                    db_set;

    ngx_str_t                     token_secret;
    time_t                        token_ttl;

    ngx_int_t                     sla[2];      /* working days per track */

    ngx_uint_t                    supervise_count;    /* A17 */
    time_t                        supervise_window;

    ngx_str_t                     thread_pool_name;
    ngx_thread_pool_t            *thread_pool;

    ngx_http_liaison_lit_conf_t   lit;         /* litigants, WeChat, ingest */
    ngx_http_liaison_push_conf_t  push;        /* push callback, attachments */

    /* per worker process, built in init_process */
    ngx_http_liaison_db_pool_t   *pool;
    lsn_calendar_t               *calendar;
    ngx_msec_t                    calendar_loaded;  /* 0: never */
    ngx_uint_t                    calendar_warned;
    uint64_t                      seq_next;    /* ticket numbers in hand */
    uint64_t                      seq_end;
} ngx_http_liaison_main_conf_t;


typedef struct {
    ngx_flag_t                    api;
    size_t                        max_body_size;
} ngx_http_liaison_loc_conf_t;


typedef enum {
    NGX_HTTP_LIAISON_ANON = 0,
    NGX_HTTP_LIAISON_STAFF,
    NGX_HTTP_LIAISON_LITIGANT
} ngx_http_liaison_principal_e;


typedef struct {
    char                            password[257];
    char                            hash[256];
    ngx_uint_t                      verify;    /* else: make a hash */
    ngx_uint_t                      ok;
} ngx_http_liaison_pw_task_t;


typedef struct ngx_http_liaison_ctx_s  ngx_http_liaison_ctx_t;

typedef void (*ngx_http_liaison_next_pt)(ngx_http_liaison_ctx_t *ctx);


struct ngx_http_liaison_ctx_s {
    ngx_http_request_t             *r;
    ngx_http_liaison_main_conf_t   *mcf;
    ngx_http_liaison_db_op_t        op;

    ngx_str_t                       path;      /* below the API location */
    ngx_str_t                       arg;       /* {ticket_no} etc. */
    ngx_http_liaison_json_t        *body;
    ngx_str_t                       raw_body;

    /* who is calling: set once the bearer token checks out */
    ngx_http_liaison_principal_e    who;
    lsn_token_t                     token;
    ngx_uint_t                      token_present;
    uint64_t                        subject_id;
    ngx_str_t                       role;
    uint64_t                        department_id;

    ngx_http_liaison_next_pt        next;      /* after auth / calendar */
    ngx_uint_t                      anonymous;
    time_t                          now;
    void                           *data;      /* the endpoint's own state */
    void                           *sub;       /* a WeChat call under way */
    ngx_thread_task_t              *pw;        /* password hashing */
    ngx_event_t                     pw_guard;
    ngx_http_liaison_hook_t        *hook;      /* intake/follow-up driven by
                                                  another endpoint */
};


extern ngx_module_t  ngx_http_liaison_module;




/* A condition as a JSON true/false inside JSON_OBJECT() (not 1/0). */
#define NGX_HTTP_LIAISON_SQL_BOOL(cond)                                       \
    "JSON_EXTRACT(IF(" cond ", 'true', 'false'), '$$')"


/* a role's bit in the masks of ngx_http_liaison_staff_role() */
#define NGX_HTTP_LIAISON_ROLE(r)  ((ngx_uint_t) 1 << (r))


/* ngx_http_liaison_module.c */
void ngx_http_liaison_finish(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    ngx_http_liaison_out_t *out);
void ngx_http_liaison_finish_body(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, ngx_str_t *body);
void ngx_http_liaison_answer_id(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t status, uint64_t id);
void ngx_http_liaison_answer_ok(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_send_raw(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_out_t *out);
void ngx_http_liaison_error(ngx_http_liaison_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, const char *field);
void ngx_http_liaison_db_error(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_rows_done(ngx_http_liaison_db_op_t *op);
void ngx_http_liaison_query(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_db_handler_pt handler);
ngx_int_t ngx_http_liaison_staff_role(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t roles, int *role);
ngx_int_t ngx_http_liaison_body_text(ngx_http_liaison_ctx_t *ctx,
    const char *key, ngx_uint_t required, long max, ngx_str_t *value);
ngx_int_t ngx_http_liaison_body_id(ngx_http_liaison_ctx_t *ctx,
    const char *key, uint64_t *value);
ngx_int_t ngx_http_liaison_body_unknown(ngx_http_liaison_ctx_t *ctx);
ngx_int_t ngx_http_liaison_path_id(ngx_http_liaison_ctx_t *ctx,
    uint64_t *id);
ngx_int_t ngx_http_liaison_arg(ngx_http_request_t *r, const char *name,
    ngx_str_t *value);
ngx_int_t ngx_http_liaison_random(u_char *buf, size_t len);

/* ngx_http_liaison_auth.c */
void ngx_http_liaison_authenticate(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next);
void ngx_http_liaison_staff_login(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_logout(ngx_http_liaison_ctx_t *ctx);
ngx_int_t ngx_http_liaison_password_task(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *password);
void ngx_http_liaison_password_run(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt done);

/* ngx_http_liaison_calendar.c */
void ngx_http_liaison_calendar_ready(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_next_pt next);

/* ngx_http_liaison_staff.c */
void ngx_http_liaison_staff_worklist(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_triage(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_reply(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_dispatch(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_accept(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_return(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_close(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_transfer(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_note(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_risk(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_staff_refer(ngx_http_liaison_ctx_t *ctx);
ngx_uint_t ngx_http_liaison_staff_sees(ngx_http_liaison_ctx_t *ctx,
    uint64_t dept, uint64_t assignee, ngx_uint_t in_charge);

/* ngx_http_liaison_accounts.c */
void ngx_http_liaison_departments_list(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_accounts_list(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_accounts_create(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_accounts_update(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_accounts_password(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_canned_list(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_canned_save(ngx_http_liaison_ctx_t *ctx);

/* ngx_http_liaison_wx.c: WeChat through an internal subrequest */
char *ngx_http_liaison_wx_appid(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_lit_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_wx_template(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_triage_rules(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_lit_init_main_conf(ngx_conf_t *cf,
    ngx_http_liaison_main_conf_t *mcf);
void ngx_http_liaison_wx_login(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_wx_logout(ngx_http_liaison_ctx_t *ctx);

/* ngx_http_liaison_mine.c: a litigant's own requests, triage, pushes */
void ngx_http_liaison_tickets_mine(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_tickets_message(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_tickets_feedback(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_triage_run(ngx_http_liaison_ctx_t *ctx,
    int category, ngx_str_t *text, lsn_triage_result_t *res);
ngx_int_t ngx_http_liaison_triage_columns(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *sql, lsn_triage_result_t *res);
ngx_int_t ngx_http_liaison_triage_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *sql, const char *ticket_no, lsn_triage_result_t *res,
    ngx_uint_t message);
ngx_int_t ngx_http_liaison_content_check_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *sql, const char *ticket_no);
ngx_int_t ngx_http_liaison_push_reply_sql(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *sql, uint64_t ticket_id, ngx_str_t *reply);
void ngx_http_liaison_unauthorized(ngx_http_liaison_ctx_t *ctx);
ngx_int_t ngx_http_liaison_sql_sep(ngx_pool_t *pool, ngx_str_t *sql,
    ngx_uint_t i, const char *sep);
ngx_int_t ngx_http_liaison_page(ngx_http_liaison_ctx_t *ctx,
    ngx_uint_t *page, ngx_uint_t *per_page);

/* ngx_http_liaison_cases.c: trial-system ingest, case subscriptions */
void ngx_http_liaison_ingest_cases(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_ingest_nodes(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_case_subscribe(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_case_nodes(ngx_http_liaison_ctx_t *ctx);

void ngx_http_liaison_notifications(ngx_http_liaison_ctx_t *ctx);

/* ngx_http_liaison_oversight.c */
void ngx_http_liaison_directory(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_liaison_record(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_liaison_history(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_risks_list(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_risk_advance(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_kpi(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_monthly(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_overview(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_follow_up_create(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_follow_up_list(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_follow_up_done(ngx_http_liaison_ctx_t *ctx);

/* ngx_http_liaison_tickets.c */
void ngx_http_liaison_tickets_create(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_tickets_get(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_intake_submit(ngx_http_liaison_ctx_t *ctx,
    int channel, int category, ngx_str_t *content);

/* ngx_http_liaison_mine.c, for another endpoint (ctx->hook) */
void ngx_http_liaison_followup_submit(ngx_http_liaison_ctx_t *ctx,
    ngx_str_t *ticket_no, ngx_str_t *content);

/* ngx_http_liaison_push.c: the WeChat message-push callback */
char *ngx_http_liaison_push_token_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_liaison_push_aes_key_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_liaison_push_init_main_conf(ngx_conf_t *cf,
    ngx_http_liaison_main_conf_t *mcf);
void ngx_http_liaison_wx_push(ngx_http_liaison_ctx_t *ctx);

/* ngx_http_liaison_attach.c: attachments */
char *ngx_http_liaison_attach_dir(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_liaison_attach_upload(ngx_http_liaison_ctx_t *ctx);
void ngx_http_liaison_attach_download(ngx_http_liaison_ctx_t *ctx);


#endif /* _NGX_HTTP_LIAISON_MODULE_H_INCLUDED_ */
