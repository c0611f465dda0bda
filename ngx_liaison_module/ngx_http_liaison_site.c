
/*
 * Copyright (C) Liaison authors
 *
 * GET /site and GET /wx/templates: answered from the configuration and
 * the core's tables, without the database.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_site.h"
#include "lsn_labels.h"
#include "lsn_outbox.h"
#include "lsn_text.h"


#define NGX_HTTP_LIAISON_COURT_MAX  64       /* characters */


typedef struct {
    const char   *purpose;
    const char   *title;
    const char   *description;
    const char   *page;
    const char   *fields;           /* JSON: the template's keywords */
} ngx_http_liaison_template_t;


static void ngx_http_liaison_site(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_templates(ngx_http_liaison_ctx_t *ctx);


/*
 * The subscribe messages the module writes (ngx_http_liaison_outbox.c,
 * _cases.c): the keywords of the template to pick in the mini-program's
 * console, and the page (LSN_PAGE_*) each message opens.
 */
static ngx_http_liaison_template_t  ngx_http_liaison_templates_known[] = {

    { "ticket_reply", "诉求答复通知",
      "您提交的诉求有了答复或办理结果时通知您",
      LSN_PAGE_TICKET "{ticket_no}",
      "[{\"key\":\"character_string1\",\"name\":\"诉求编号\"},"
      "{\"key\":\"phrase2\",\"name\":\"办理状态\"},"
      "{\"key\":\"thing3\",\"name\":\"答复内容\"},"
      "{\"key\":\"time4\",\"name\":\"答复时间\"}]" },

    { "case_node", "案件进度通知",
      "您的案件有新的流程节点（审限变更、上诉移送、归档、裁判生效等）时"
      "通知您",
      LSN_PAGE_CASE "{case_no}",
      "[{\"key\":\"thing1\",\"name\":\"案号\"},"
      "{\"key\":\"phrase2\",\"name\":\"节点\"},"
      "{\"key\":\"time3\",\"name\":\"时间\"},"
      "{\"key\":\"thing4\",\"name\":\"说明\"}]" },

    { NULL, NULL, NULL, NULL, NULL }
};


/*
 * liaison_court_name name [short_name];  liaison_court_unit name;
 * what people read on the pages: 1..64 characters of text each.
 */

char *
ngx_http_liaison_court_name(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_str_t   *value, *field[2];
    ngx_uint_t   i;

    value = cf->args->elts;

    if (ngx_strcmp(cmd->name.data, "liaison_court_unit") == 0) {
        field[0] = &mcf->site.court_unit;
        field[1] = NULL;

    } else {
        field[0] = &mcf->site.court_name;
        field[1] = &mcf->site.court_short;
    }

    if (field[0]->data) {
        return "is duplicate";
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (lsn_text_valid(value[i].data, value[i].len, 1,
                           NGX_HTTP_LIAISON_COURT_MAX)
            != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": \"%V\" must be 1 to 64 characters "
                               "of text", &cmd->name, &value[i]);
            return NGX_CONF_ERROR;
        }

        if (field[i - 1] == NULL) {
            return "takes one name";
        }

        *field[i - 1] = value[i];
    }

    return NGX_CONF_OK;
}


/* GET /site */

static void
ngx_http_liaison_site(ngx_http_liaison_ctx_t *ctx)
{
    ngx_uint_t                     k;
    ngx_http_liaison_buf_t         b;
    const lsn_label_t             *l;
    ngx_http_liaison_site_conf_t  *scf;

    scf = &ctx->mcf->site;

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 4096);

    ngx_http_liaison_buf_lit(&b, "{\"court\":{");
    ngx_http_liaison_json_kv(&b, "name", scf->court_name.data,
                             scf->court_name.len);
    ngx_http_liaison_json_kv(&b, "short_name", scf->court_short.data,
                             scf->court_short.len);
    ngx_http_liaison_json_kv(&b, "unit", scf->court_unit.data,
                             scf->court_unit.len);
    ngx_http_liaison_buf_lit(&b, ",\"hotline\":\"12368\"},\"labels\":{");

    for (k = 0; lsn_label_kinds[k]; k++) {
        ngx_http_liaison_json_key(&b, lsn_label_kinds[k]);
        ngx_http_liaison_buf_lit(&b, "{");

        for (l = lsn_labels((lsn_label_kind_e) k); l->code; l++) {
            ngx_http_liaison_json_kv(&b, l->code, (u_char *) l->label,
                                     ngx_strlen(l->label));
        }

        ngx_http_liaison_buf_lit(&b, "}");
    }

    ngx_http_liaison_buf_lit(&b, "}}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


/* GET /wx/templates: the configured ones only */

static void
ngx_http_liaison_templates(ngx_http_liaison_ctx_t *ctx)
{
    ngx_str_t                     *id;
    ngx_uint_t                     n;
    ngx_http_liaison_buf_t         b;
    ngx_http_liaison_template_t   *t;

    (void) ngx_http_liaison_buf_init(&b, ctx->r->pool, 2048);
    n = 0;

    ngx_http_liaison_buf_lit(&b, "{\"items\":[");

    for (t = ngx_http_liaison_templates_known; t->purpose; t++) {
        id = ngx_strcmp(t->purpose, "case_node") == 0
             ? &ctx->mcf->lit.wx_template_node
             : &ctx->mcf->lit.wx_template_reply;

        if (id->len == 0) {
            continue;
        }

        if (n++) {
            ngx_http_liaison_buf_lit(&b, ",");
        }

        ngx_http_liaison_buf_lit(&b, "{");
        ngx_http_liaison_json_kv(&b, "purpose", (u_char *) t->purpose,
                                 ngx_strlen(t->purpose));
        ngx_http_liaison_json_kv(&b, "template_id", id->data, id->len);
        ngx_http_liaison_json_kv(&b, "title", (u_char *) t->title,
                                 ngx_strlen(t->title));
        ngx_http_liaison_json_kv(&b, "description",
                                 (u_char *) t->description,
                                 ngx_strlen(t->description));
        ngx_http_liaison_json_kv(&b, "page", (u_char *) t->page,
                                 ngx_strlen(t->page));
        ngx_http_liaison_json_key(&b, "fields");
        ngx_http_liaison_buf_raw(&b, t->fields, ngx_strlen(t->fields));
        ngx_http_liaison_buf_lit(&b, "}");
    }

    ngx_http_liaison_buf_lit(&b, "],\"total\":");
    ngx_http_liaison_json_int(&b, (int64_t) n);
    ngx_http_liaison_buf_lit(&b, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_OK, &b);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_site_endpoints[] = {

    { ngx_string("site"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_PUBLIC, 0, NGX_HTTP_LIAISON_BODY_NONE,
      NGX_HTTP_LIAISON_UNGATED, ngx_http_liaison_site, 0 },

    { ngx_string("wx/templates"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_PUBLIC, 0, NGX_HTTP_LIAISON_BODY_NONE,
      NGX_HTTP_LIAISON_UNGATED, ngx_http_liaison_templates, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
