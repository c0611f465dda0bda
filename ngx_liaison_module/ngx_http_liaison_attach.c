
/*
 * Copyright (C) Liaison authors
 *
 * Attachments: photos and PDFs on a ticket.
 *
 *   POST /tickets/{no}/attachments?filename=&purpose=request|follow_up
 *        the owner (litigant token), or whoever has the query code
 *        (?query_code=, the public status page)
 *   POST /staff/tickets/{no}/attachments?filename=&purpose=reply|material
 *        staff who see the ticket
 *   GET  /tickets/{no}/attachments/{id}
 *        whoever may see the ticket: owner, ?query_code=, staff in scope
 *
 * The body is the file itself (Content-Type image/jpeg, image/png or
 * application/pdf), or a multipart/form-data form with one file part (as
 * wx.uploadFile sends it; its name from the part unless ?filename= is
 * given), written whole by nginx to a temp file (client_body_temp_path)
 * without holding the worker.  In the thread pool (the file is never
 * read on the event loop) a form's file part is copied out next to the
 * temp file, the type is told by the first bytes and the SHA-256
 * computed; then the file is link()ed into liaison_attachment_dir under
 * 32 random hex digits: the same file system as client_body_temp_path,
 * one system call.  The row and a
 * timeline event are one transaction; a stored file whose transaction did
 * not commit is removed again when the request ends.
 *
 * Downloads are checked here and served by nginx from an internal
 * location (liaison_attachment_location) by an internal redirect, which
 * is what X-Accel-Redirect does for a proxied application: the module
 * never reads the file.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <sys/mman.h>
#include <openssl/evp.h>
#include "ngx_http_liaison_api.h"
#include "ngx_http_liaison_attach.h"
#include "ngx_http_liaison_scope.h"
#include "lsn_filetype.h"
#include "lsn_multipart.h"
#include "lsn_text.h"
#include "lsn_ticket.h"
#include "lsn_workflow.h"


#define NGX_HTTP_LIAISON_STORAGE_LEN  32


typedef struct {
    ngx_fd_t                      fd;
    off_t                         size;
    u_char                        head[LSN_FILETYPE_HEAD];
    size_t                        head_len;
    char                          sha256[65];
    EVP_MD_CTX                   *md;
    ngx_err_t                     err;
    ngx_uint_t                    ok;

    /* a form: its boundary in, the file part out (copied to part) */
    char                          boundary[LSN_BOUNDARY_MAX + 1];
    size_t                        boundary_len;
    u_char                       *part;          /* path, NUL-terminated */
    ngx_uint_t                    part_made;
    lsn_mp_rc_e                   mp_rc;
    lsn_multipart_file_t          file;
} ngx_http_liaison_hash_task_t;


typedef struct {
    ngx_uint_t                    staff;
    ngx_str_t                     ticket_no;
    ngx_str_t                     filename;
    const char                   *purpose;
    lsn_filetype_e                type;
    off_t                         size;
    ngx_str_t                     temp;          /* nginx's temp file */
    ngx_uint_t                    form;          /* multipart/form-data */
    const char                   *uploader;      /* staff, litigant,
                                                    public */
    ngx_http_liaison_hash_task_t *ht;

    uint64_t                      ticket_id;
    char                          storage[NGX_HTTP_LIAISON_STORAGE_LEN + 1];
    u_char                       *path;          /* in the store */
    ngx_uint_t                    linked;
    ngx_uint_t                    committed;
    ngx_log_t                    *log;
} ngx_http_liaison_attach_t;


static void ngx_http_liaison_attach_upload(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_attach_download(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_attach_args(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_attach_t *at);
static void ngx_http_liaison_hash_thread(void *data, ngx_log_t *log);
static void ngx_http_liaison_hash_final(ngx_http_liaison_hash_task_t *ht);
static void ngx_http_liaison_form_part(ngx_http_liaison_hash_task_t *ht);
static ngx_int_t ngx_http_liaison_attach_name(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_attach_t *at, u_char *name, size_t len);
static void ngx_http_liaison_attach_hashed(ngx_http_liaison_ctx_t *ctx);
static void ngx_http_liaison_attach_locked(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_attach_saved(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_attach_cleanup(void *data);
static void ngx_http_liaison_attach_found(ngx_http_liaison_db_op_t *op);
static void ngx_http_liaison_attach_not_found(ngx_http_liaison_ctx_t *ctx);
static ngx_int_t ngx_http_liaison_attach_header(ngx_http_request_t *r,
    const char *key, u_char *value, size_t len);


/* liaison_attachment_dir path;  an existing directory, absolute */

char *
ngx_http_liaison_attach_dir(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_liaison_main_conf_t  *mcf = conf;

    ngx_str_t        *value, dir;
    ngx_file_info_t   fi;

    if (mcf->push.attach_dir.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dir = value[1];

    while (dir.len > 1 && dir.data[dir.len - 1] == '/') {
        dir.len--;
    }

    if (dir.len < 2 || dir.data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"liaison_attachment_dir\": \"%V\" must be an "
                           "absolute path", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->push.attach_dir.data = ngx_pnalloc(cf->pool, dir.len + 1);
    if (mcf->push.attach_dir.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(mcf->push.attach_dir.data, dir.data, dir.len);
    mcf->push.attach_dir.data[dir.len] = '\0';
    mcf->push.attach_dir.len = dir.len;

    if (ngx_file_info(mcf->push.attach_dir.data, &fi) == NGX_FILE_ERROR
        || !ngx_is_dir(&fi))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"liaison_attachment_dir\": \"%V\" is not a "
                           "directory", &mcf->push.attach_dir);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* POST /tickets/{no}/attachments, POST /staff/tickets/{no}/attachments */

static void
ngx_http_liaison_attach_upload(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_request_t             *r;
    ngx_thread_task_t              *task;
    ngx_pool_cleanup_t             *cln;
    ngx_http_request_body_t        *rb;
    ngx_http_liaison_attach_t      *at;
    ngx_http_liaison_hash_task_t   *ht;

    r = ctx->r;

    if (ctx->mcf->push.attach_dir.len == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                               "unavailable", "附件功能未配置", NULL);
        return;
    }

    at = ngx_pcalloc(r->pool, sizeof(ngx_http_liaison_attach_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (at == NULL || cln == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ctx->data = at;
    at->log = r->connection->log;
    at->staff = ctx->endpoint->action;
    at->uploader = at->staff ? "staff" : "litigant";

    /* a file linked into the store goes again unless its row committed */
    cln->handler = ngx_http_liaison_attach_cleanup;
    cln->data = at;

    if (ngx_http_liaison_attach_args(ctx, at) != NGX_OK) {
        return;
    }

    rb = r->request_body;

    if (rb == NULL || rb->temp_file == NULL
        || rb->temp_file->file.fd == NGX_INVALID_FILE
        || rb->temp_file->file.offset == 0)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "文件为空", NULL);
        return;
    }

    at->size = rb->temp_file->file.offset;
    at->temp = rb->temp_file->file.name;

    if (at->size > ctx->mcf->push.attach_max_size) {
        ngx_http_liaison_error(ctx, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                               "payload_too_large", "文件过大", NULL);
        return;
    }

    /* its first bytes and its checksum, in the thread pool */

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_liaison_hash_task_t));
    if (task == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ht = task->ctx;
    ht->fd = rb->temp_file->file.fd;
    ht->size = at->size;
    at->ht = ht;

    if (at->form) {
        ht->boundary_len = lsn_multipart_boundary(
                               (char *) r->headers_in.content_type->value.data,
                               r->headers_in.content_type->value.len,
                               ht->boundary);

        /* the file part goes next to nginx's temp file: same file system */
        ht->part = ngx_pnalloc(r->pool, at->temp.len + sizeof(".part"));
        if (ht->part == NULL) {
            ngx_http_liaison_fail(ctx, "out of memory");
            return;
        }

        (void) ngx_sprintf(ht->part, "%V.part%Z", &at->temp);
    }

    task->handler = ngx_http_liaison_hash_thread;

    ngx_http_liaison_thread_run(ctx, task, "an attachment checksum",
                                ngx_http_liaison_attach_hashed);
}


static ngx_int_t
ngx_http_liaison_attach_args(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_attach_t *at)
{
    char                 boundary[LSN_BOUNDARY_MAX + 1];
    u_char              *dst, *src, *name;
    ngx_str_t            v;
    ngx_table_elt_t     *ct;
    ngx_http_request_t  *r;

    r = ctx->r;

    /* the owner's token, or the query code of the public status page */
    if (!at->staff && ctx->who == NGX_HTTP_LIAISON_STAFF) {
        ngx_http_liaison_error(ctx, NGX_HTTP_FORBIDDEN, "forbidden",
                               "工作人员请在工作台上传附件", NULL);
        return NGX_ERROR;
    }

    if (!at->staff && ctx->who == NGX_HTTP_LIAISON_ANON
        && ngx_http_liaison_arg(r, "query_code", &v) != NGX_OK)
    {
        ngx_http_liaison_unauthorized(ctx, "需要登录，或提供查询码");
        return NGX_ERROR;
    }

    at->ticket_no = *ngx_http_liaison_path(ctx, "no");

    if (!lsn_ticket_no_valid((char *) at->ticket_no.data, at->ticket_no.len))
    {
        ngx_http_liaison_attach_not_found(ctx);
        return NGX_ERROR;
    }

    at->purpose = at->staff ? "reply" : "request";

    if (ngx_http_liaison_arg(r, "purpose", &v) == NGX_OK) {
        if (at->staff && v.len == 5 && ngx_strncmp(v.data, "reply", 5) == 0)
        {
            at->purpose = "reply";

        } else if (at->staff && v.len == 8
                   && ngx_strncmp(v.data, "material", 8) == 0)
        {
            at->purpose = "material";

        } else if (!at->staff && v.len == 7
                   && ngx_strncmp(v.data, "request", 7) == 0)
        {
            at->purpose = "request";

        } else if (!at->staff && v.len == 9
                   && ngx_strncmp(v.data, "follow_up", 9) == 0)
        {
            at->purpose = "follow_up";

        } else {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   at->staff
                                   ? "purpose 须为 reply 或 material"
                                   : "purpose 须为 request 或 follow_up",
                                   "purpose");
            return NGX_ERROR;
        }
    }

    /* a form: type and (without ?filename=) name from the file part */

    ct = r->headers_in.content_type;

    if (ct && lsn_multipart_is((char *) ct->value.data, ct->value.len)) {
        at->form = 1;

        if (lsn_multipart_boundary((char *) ct->value.data, ct->value.len,
                                   boundary)
            == 0)
        {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   "multipart/form-data 缺少有效的 boundary",
                                   NULL);
            return NGX_ERROR;
        }

    } else if (ct == NULL
               || (at->type = lsn_filetype_from_mime((char *) ct->value.data,
                                                     ct->value.len))
                  == LSN_FILE_UNKNOWN)
    {
        ngx_http_liaison_error(ctx, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                               "unsupported_media_type",
                               "仅接受 image/jpeg、image/png 或 "
                               "application/pdf 文件，或 multipart/form-data "
                               "表单", NULL);
        return NGX_ERROR;
    }

    /* the client's name, shown only: the stored name is ours */

    if (ngx_http_liaison_arg(r, "filename", &v) != NGX_OK) {
        if (at->form) {
            return NGX_OK;          /* the part's, once it is read */
        }

        v.len = 0;
    }

    if (v.len == 0 || v.len > 1024) {
        goto bad_name;
    }

    dst = ngx_pnalloc(r->pool, v.len + 1);
    if (dst == NULL) {
        ngx_http_liaison_fail(ctx, "out of memory");
        return NGX_ERROR;
    }

    name = dst;
    src = v.data;
    ngx_unescape_uri(&dst, &src, v.len, 0);

    return ngx_http_liaison_attach_name(ctx, at, name, dst - name);

bad_name:

    return ngx_http_liaison_attach_name(ctx, at, NULL, 0);
}


static ngx_int_t
ngx_http_liaison_attach_name(ngx_http_liaison_ctx_t *ctx,
    ngx_http_liaison_attach_t *at, u_char *name, size_t len)
{
    if (name == NULL || !lsn_filename_valid((char *) name, len)) {
        ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST, "invalid_argument",
                               "filename 须为 1 到 100 个字符的文件名，"
                               "不含路径和控制字符", "filename");
        return NGX_ERROR;
    }

    at->filename.data = name;
    at->filename.len = len;

    return NGX_OK;
}


/*
 * In a thread: the first bytes and the SHA-256 of the temp file, or of a
 * form's file part, which is copied out first.
 */

static void
ngx_http_liaison_hash_thread(void *data, ngx_log_t *log)
{
    ngx_http_liaison_hash_task_t  *ht = data;

    u_char   buf[32768];
    off_t    off;
    ssize_t  n;

    ht->ok = 0;
    ht->md = EVP_MD_CTX_new();

    if (ht->md == NULL || EVP_DigestInit_ex(ht->md, EVP_sha256(), NULL) != 1)
    {
        goto done;
    }

    if (ht->part) {
        ngx_http_liaison_form_part(ht);
        goto done;
    }

    for (off = 0; off < ht->size; off += n) {
        n = pread(ht->fd, buf, sizeof(buf), off);

        if (n == -1) {
            if (ngx_errno == NGX_EINTR) {
                n = 0;
                continue;
            }

            ht->err = ngx_errno;
            goto done;
        }

        if (n == 0) {
            goto done;              /* shorter than nginx wrote */
        }

        if (off == 0) {
            ht->head_len = ngx_min((size_t) n, sizeof(ht->head));
            ngx_memcpy(ht->head, buf, ht->head_len);
        }

        if (EVP_DigestUpdate(ht->md, buf, n) != 1) {
            goto done;
        }
    }

    ngx_http_liaison_hash_final(ht);

done:

    EVP_MD_CTX_free(ht->md);
    ht->md = NULL;
}


static void
ngx_http_liaison_hash_final(ngx_http_liaison_hash_task_t *ht)
{
    u_char        md[EVP_MAX_MD_SIZE];
    unsigned int  mdlen;

    if (EVP_DigestFinal_ex(ht->md, md, &mdlen) != 1 || mdlen != 32) {
        return;
    }

    lsn_hex(ht->sha256, md, 32);
    ht->sha256[64] = '\0';
    ht->ok = 1;
}


/*
 * A form: the temp file mapped, its file part found (its Content-Type
 * ignored), copied into ht->part, its first bytes kept and hashed.
 */

static void
ngx_http_liaison_form_part(ngx_http_liaison_hash_task_t *ht)
{
    u_char    *map, *p;
    size_t     left;
    ssize_t    n;
    ngx_fd_t   fd;

    map = mmap(NULL, (size_t) ht->size, PROT_READ, MAP_PRIVATE, ht->fd, 0);
    if (map == MAP_FAILED) {
        ht->err = ngx_errno;
        return;
    }

    ht->mp_rc = lsn_multipart_file(map, (size_t) ht->size, ht->boundary,
                                   ht->boundary_len, &ht->file);

    if (ht->mp_rc != LSN_MP_OK || ht->file.len == 0) {
        ht->ok = 1;                 /* read; the form is refused */
        goto done;
    }

    p = map + ht->file.start;
    ht->head_len = ngx_min(ht->file.len, sizeof(ht->head));
    ngx_memcpy(ht->head, p, ht->head_len);

    if (EVP_DigestUpdate(ht->md, p, ht->file.len) != 1) {
        goto done;
    }

    fd = ngx_open_file(ht->part, NGX_FILE_WRONLY, NGX_FILE_CREATE_OR_OPEN
                       | O_EXCL, NGX_FILE_DEFAULT_ACCESS);
    if (fd == NGX_INVALID_FILE) {
        ht->err = ngx_errno;
        goto done;
    }

    ht->part_made = 1;

    for (left = ht->file.len; left > 0; left -= n, p += n) {
        n = write(fd, p, left);

        if (n == -1) {
            if (ngx_errno == NGX_EINTR) {
                n = 0;
                continue;
            }

            ht->err = ngx_errno;
            (void) ngx_close_file(fd);
            goto done;
        }
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ht->err = ngx_errno;
        goto done;
    }

    ngx_http_liaison_hash_final(ht);

done:

    (void) munmap(map, (size_t) ht->size);
}


static void
ngx_http_liaison_attach_hashed(ngx_http_liaison_ctx_t *ctx)
{
    lsn_filetype_e                 sniffed;
    ngx_http_request_t            *r;
    ngx_http_liaison_attach_t     *at;
    ngx_http_liaison_hash_task_t  *ht;

    r = ctx->r;
    at = ctx->data;
    ht = ctx->task->ctx;

    if (!ht->ok) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ht->err,
                      "liaison: cannot read the uploaded file \"%V\"",
                      &at->temp);
        ngx_http_liaison_error(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                               "internal_error", "读取上传文件失败", NULL);
        return;
    }

    sniffed = lsn_filetype_sniff(ht->head, ht->head_len);

    if (at->form) {
        if (ht->mp_rc != LSN_MP_OK) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument",
                                   ht->mp_rc == LSN_MP_NO_FILE
                                   ? "表单中没有文件（字段名 file）"
                                   : ht->mp_rc == LSN_MP_MANY_FILES
                                   ? "一次只能上传一个文件"
                                   : "multipart/form-data 格式不正确",
                                   "file");
            return;
        }

        if (ht->file.len == 0) {
            ngx_http_liaison_error(ctx, NGX_HTTP_BAD_REQUEST,
                                   "invalid_argument", "文件为空", "file");
            return;
        }

        /* ?filename= wins; else the part's */
        if (at->filename.data == NULL
            && ngx_http_liaison_attach_name(ctx, at,
                                            (u_char *) ht->file.filename,
                                            ht->file.filename_len)
               != NGX_OK)
        {
            return;
        }

        /* from here on the file part is the upload */
        at->temp.data = ht->part;
        at->temp.len = ngx_strlen(ht->part);
        at->size = (off_t) ht->file.len;
        at->type = sniffed;
    }

    if (sniffed == LSN_FILE_UNKNOWN || sniffed != at->type) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "liaison: upload refused: content is not %s",
                      at->type ? lsn_filetype_mime(at->type)
                               : "JPEG, PNG or PDF");
        ngx_http_liaison_error(ctx, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                               "unsupported_media_type",
                               "文件内容不是所声明的 JPEG、PNG 或 PDF 格式",
                               NULL);
        return;
    }

    /* the ticket locked: who may add, and how many there are */

    ngx_http_liaison_sql(ctx,
        "START TRANSACTION;"
        "SELECT t.id, t.status, t.owner_litigant_id, t.department_id, "
        "t.assignee_staff_id, ");
    ngx_http_liaison_scope_reach_sql(ctx);
    ngx_http_liaison_sql(ctx,
        ", t.query_code FROM tickets t WHERE t.ticket_no = $s FOR UPDATE;"
        "SELECT COUNT(*) FROM attachments a JOIN tickets t "
        "ON t.id = a.ticket_id WHERE t.ticket_no = $s",
        at->ticket_no.data, at->ticket_no.len,
        at->ticket_no.data, at->ticket_no.len);

    ngx_http_liaison_run(ctx, ngx_http_liaison_attach_locked);
}


static void
ngx_http_liaison_attach_locked(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    char                           code[LSN_QUERY_CODE_LEN];
    u_char                         rnd[NGX_HTTP_LIAISON_STORAGE_LEN / 2];
    u_char                        *p;
    ngx_str_t                      qc;
    ngx_err_t                      err;
    uint64_t                       uploader;
    ngx_int_t                      n;
    MYSQL_ROW                      row, crow;
    ngx_uint_t                     allowed;
    unsigned long                 *len;
    ngx_http_request_t            *r;
    ngx_http_liaison_attach_t     *at;
    ngx_http_liaison_hash_task_t  *ht;
    ngx_http_liaison_push_conf_t  *pcf;

    r = ctx->r;
    at = ctx->data;
    ht = ctx->task->ctx;
    pcf = &ctx->mcf->push;

    if (op->rc != NGX_OK || op->nstmts != 3) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[1]);
    if (row == NULL) {
        ngx_http_liaison_attach_not_found(ctx);
        return;
    }

    len = mysql_fetch_lengths(op->res[1]);

    if (at->staff) {
        allowed = ngx_http_liaison_scope_sees(ctx,
                      row[3] ? (uint64_t) ngx_atoi((u_char *) row[3], len[3])
                             : 0,
                      row[4] ? (uint64_t) ngx_atoi((u_char *) row[4], len[4])
                             : 0,
                      row[5] && row[5][0] == '1');

    } else {
        n = row[2] ? ngx_atoi((u_char *) row[2], len[2]) : 0;
        allowed = (ctx->who == NGX_HTTP_LIAISON_LITIGANT && n > 0
                   && (uint64_t) n == ctx->subject_id);

        /* the public status page: whoever has the query code */
        if (!allowed && ctx->who != NGX_HTTP_LIAISON_STAFF
            && ngx_http_liaison_arg(r, "query_code", &qc) == NGX_OK
            && lsn_query_code_normalize((char *) qc.data, qc.len, code) == 0
            && lsn_ct_compare(code, LSN_QUERY_CODE_LEN, row[6], len[6]) == 0)
        {
            allowed = 1;
            at->uploader = "public";
        }
    }

    if (!allowed) {
        ngx_http_liaison_attach_not_found(ctx);
        return;
    }

    if (!at->staff && len[1] == 6 && ngx_strncmp(row[1], "closed", 6) == 0) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "诉求已办结，不能再添加附件；如需补充，"
                               "请先发送补充说明", NULL);
        return;
    }

    at->ticket_id = (uint64_t) ngx_atoi((u_char *) row[0], len[0]);

    crow = mysql_fetch_row(op->res[2]);
    n = crow ? ngx_atoi((u_char *) crow[0], ngx_strlen(crow[0])) : 0;

    if (n < 0 || (ngx_uint_t) n >= pcf->attach_max_count) {
        ngx_http_liaison_error(ctx, NGX_HTTP_CONFLICT, "conflict",
                               "该诉求的附件数量已达上限", NULL);
        return;
    }

    /* into the store under a name of ours: one link(), same file system */

    if (ngx_http_liaison_random(rnd, sizeof(rnd)) != NGX_OK) {
        goto failed;
    }

    lsn_hex(at->storage, rnd, sizeof(rnd));
    at->storage[NGX_HTTP_LIAISON_STORAGE_LEN] = '\0';

    at->path = ngx_pnalloc(r->pool, pcf->attach_dir.len
                                    + NGX_HTTP_LIAISON_STORAGE_LEN + 2);
    if (at->path == NULL) {
        goto failed;
    }

    p = ngx_sprintf(at->path, "%V/%s", &pcf->attach_dir, at->storage);
    *p = '\0';

    if (link((char *) at->temp.data, (char *) at->path) == -1) {
        err = ngx_errno;
        ngx_log_error(NGX_LOG_ERR, r->connection->log, err,
                      "liaison: link(\"%V\", \"%s\") failed%s", &at->temp,
                      at->path,
                      err == EXDEV
                      ? ": liaison_attachment_dir must be on the file "
                        "system of client_body_temp_path" : "");
        goto failed;
    }

    at->linked = 1;
    uploader = ngx_strcmp(at->uploader, "public") == 0 ? 0 : ctx->subject_id;

    ngx_http_liaison_sql(ctx,
        "INSERT INTO attachments (ticket_id, purpose, uploader_kind, "
        "uploader_id, storage_name, filename, content_type, size, "
        "sha256, created_at) VALUES ($u, $z, $z, $u, $z, $s, $z, $u, "
        "$z, $t);"
        "INSERT INTO ticket_events (ticket_id, type, actor_kind, "
        "actor_id, actor_role, note, public, created_at) VALUES "
        "($u, 'attachment', $z, $u, $s, $s, 1, $t);"
        "UPDATE tickets SET updated_at = $t, "
        "attachment_count = attachment_count + 1 WHERE id = $u;"
        "SELECT id FROM attachments WHERE storage_name = $z;COMMIT",
        (unsigned long long) at->ticket_id, at->purpose, at->uploader,
        (unsigned long long) uploader, at->storage,
        at->filename.data, at->filename.len,
        lsn_filetype_mime(at->type), (unsigned long long) at->size,
        ht->sha256, ctx->now,
        (unsigned long long) at->ticket_id, at->uploader,
        (unsigned long long) uploader,
        at->staff ? ctx->role.data : NULL, ctx->role.len,
        at->filename.data, at->filename.len, ctx->now,
        ctx->now, (unsigned long long) at->ticket_id, at->storage);

    ngx_http_liaison_run(ctx, ngx_http_liaison_attach_saved);
    return;

failed:

    ngx_http_liaison_error(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                           "internal_error", "保存附件失败", NULL);
}


static void
ngx_http_liaison_attach_saved(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    MYSQL_ROW                      row;
    ngx_http_liaison_buf_t         out;
    ngx_http_liaison_attach_t     *at;
    ngx_http_liaison_hash_task_t  *ht;

    at = ctx->data;
    ht = ctx->task->ctx;

    if (op->rc != NGX_OK || op->nstmts != 5) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    at->committed = 1;

    row = ngx_http_liaison_row(op, 3, NULL);

    if (row == NULL) {
        ngx_http_liaison_fail(ctx, "a stored attachment without its id");
        return;
    }

    (void) ngx_http_liaison_buf_init(&out, ctx->r->pool, 512);

    ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                  "liaison: attachment %s stored for ticket %V (%O bytes)",
                  row[0], &at->ticket_no, at->size);

    ngx_http_liaison_buf_lit(&out, "{\"id\":");
    ngx_http_liaison_buf_raw(&out, row[0], ngx_strlen(row[0]));
    ngx_http_liaison_json_kv(&out, "ticket_no", at->ticket_no.data,
                             at->ticket_no.len);
    ngx_http_liaison_json_kv(&out, "purpose", (u_char *) at->purpose,
                             ngx_strlen(at->purpose));
    ngx_http_liaison_json_kv(&out, "filename", at->filename.data,
                             at->filename.len);
    ngx_http_liaison_json_kv(&out, "content_type",
                             (u_char *) lsn_filetype_mime(at->type),
                             ngx_strlen(lsn_filetype_mime(at->type)));
    ngx_http_liaison_json_key(&out, "size");
    ngx_http_liaison_json_int(&out, (int64_t) at->size);
    ngx_http_liaison_json_kv(&out, "sha256", (u_char *) ht->sha256, 64);
    ngx_http_liaison_json_kv_time(&out, "created_at", ctx->now);
    ngx_http_liaison_buf_lit(&out, "}");

    ngx_http_liaison_answer(ctx, NGX_HTTP_CREATED, &out);
}


/*
 * The request's pool goes: a stored file without its row goes too, and
 * a form's file part.
 */

static void
ngx_http_liaison_attach_cleanup(void *data)
{
    ngx_http_liaison_attach_t  *at = data;

    if (at->linked && !at->committed) {
        if (ngx_delete_file(at->path) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_ERR, at->log, ngx_errno,
                          ngx_delete_file_n " \"%s\" failed", at->path);
        }
    }

    /* a form's file part: the store has its own link if it was kept */
    if (at->ht && at->ht->part_made) {
        if (ngx_delete_file(at->ht->part) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_ERR, at->log, ngx_errno,
                          ngx_delete_file_n " \"%s\" failed", at->ht->part);
        }
    }
}


/* GET /tickets/{no}/attachments/{id} */

static void
ngx_http_liaison_attach_download(ngx_http_liaison_ctx_t *ctx)
{
    ngx_int_t   id;
    ngx_str_t  *no, *v;

    no = ngx_http_liaison_path(ctx, "no");
    v = ngx_http_liaison_path(ctx, "id");
    id = v->len <= 18 ? ngx_atoi(v->data, v->len) : NGX_ERROR;

    if (id <= 0 || !lsn_ticket_no_valid((char *) no->data, no->len)) {
        ngx_http_liaison_attach_not_found(ctx);
        return;
    }

    ngx_http_liaison_sql(ctx,
        "SELECT a.storage_name, a.content_type, a.filename, "
        "t.query_code, t.owner_litigant_id, t.department_id, "
        "t.assignee_staff_id, ");
    ngx_http_liaison_scope_reach_sql(ctx);
    ngx_http_liaison_sql(ctx,
        " FROM attachments a JOIN tickets t ON t.id = a.ticket_id "
        "WHERE t.ticket_no = $s AND a.id = $u",
        no->data, no->len, (unsigned long long) id);

    ngx_http_liaison_run(ctx, ngx_http_liaison_attach_found);
}


static void
ngx_http_liaison_attach_found(ngx_http_liaison_db_op_t *op)
{
    ngx_http_liaison_ctx_t  *ctx = op->data;

    char                           code[LSN_QUERY_CODE_LEN];
    u_char                        *p, *disp;
    size_t                         n;
    MYSQL_ROW                      row;
    ngx_int_t                      owner;
    ngx_str_t                      qc, uri;
    ngx_uint_t                     allowed;
    unsigned long                 *len;
    ngx_http_request_t            *r;
    ngx_http_liaison_push_conf_t  *pcf;

    r = ctx->r;
    pcf = &ctx->mcf->push;

    if (op->rc != NGX_OK) {
        ngx_http_liaison_db_error(ctx);
        return;
    }

    row = mysql_fetch_row(op->res[0]);
    if (row == NULL) {
        ngx_http_liaison_attach_not_found(ctx);
        return;
    }

    len = mysql_fetch_lengths(op->res[0]);
    allowed = 0;

    if (ngx_http_liaison_arg(r, "query_code", &qc) == NGX_OK
        && lsn_query_code_normalize((char *) qc.data, qc.len, code) == 0)
    {
        allowed = (lsn_ct_compare(code, LSN_QUERY_CODE_LEN, row[3], len[3])
                   == 0);
    }

    if (ctx->who == NGX_HTTP_LIAISON_LITIGANT && row[4]) {
        owner = ngx_atoi((u_char *) row[4], len[4]);
        allowed |= (owner > 0 && (uint64_t) owner == ctx->subject_id);
    }

    if (ctx->who == NGX_HTTP_LIAISON_STAFF) {
        allowed |= ngx_http_liaison_scope_sees(ctx,
                       row[5] ? (uint64_t) ngx_atoi((u_char *) row[5], len[5])
                              : 0,
                       row[6] ? (uint64_t) ngx_atoi((u_char *) row[6], len[6])
                              : 0,
                       row[7] && row[7][0] == '1');
    }

    if (!allowed || len[0] != NGX_HTTP_LIAISON_STORAGE_LEN) {
        ngx_http_liaison_attach_not_found(ctx);
        return;
    }

    /* the headers nginx keeps when it serves the file */

    uri.len = pcf->attach_location.len + 1 + len[0];
    uri.data = ngx_pnalloc(r->pool, uri.len);

    n = ngx_escape_uri(NULL, (u_char *) row[2], len[2],
                       NGX_ESCAPE_URI_COMPONENT);
    disp = ngx_pnalloc(r->pool, sizeof("attachment; filename*=UTF-8''") - 1
                                + len[2] + 2 * n);

    r->headers_out.content_type.data = ngx_pnalloc(r->pool, len[1]);

    if (uri.data == NULL || disp == NULL
        || r->headers_out.content_type.data == NULL)
    {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    p = ngx_cpymem(uri.data, pcf->attach_location.data,
                   pcf->attach_location.len);
    *p++ = '/';
    ngx_memcpy(p, row[0], len[0]);

    ngx_memcpy(r->headers_out.content_type.data, row[1], len[1]);
    r->headers_out.content_type.len = len[1];
    r->headers_out.content_type_len = len[1];
    r->headers_out.content_type_lowcase = NULL;

    p = ngx_cpymem(disp, "attachment; filename*=UTF-8''",
                   sizeof("attachment; filename*=UTF-8''") - 1);
    p = (u_char *) ngx_escape_uri(p, (u_char *) row[2], len[2],
                                  NGX_ESCAPE_URI_COMPONENT);

    if (ngx_http_liaison_attach_header(r, "Content-Disposition", disp, p - disp)
           != NGX_OK
        || ngx_http_liaison_attach_header(r, "X-Content-Type-Options",
                                   (u_char *) "nosniff", 7) != NGX_OK
        || ngx_http_liaison_attach_header(r, "Cache-Control",
                                   (u_char *) "private, no-store", 17)
           != NGX_OK)
    {
        ngx_http_liaison_fail(ctx, "out of memory");
        return;
    }

    ngx_http_liaison_db_release(&ctx->op);

    /* nginx serves it from the internal location: X-Accel-Redirect */
    ngx_http_internal_redirect(r, &uri, NULL);
    ngx_http_finalize_request(r, NGX_DONE);
}


static ngx_int_t
ngx_http_liaison_attach_header(ngx_http_request_t *r, const char *key,
    u_char *value, size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value.data = value;
    h->value.len = len;

    return NGX_OK;
}


static void
ngx_http_liaison_attach_not_found(ngx_http_liaison_ctx_t *ctx)
{
    ngx_http_liaison_error(ctx, NGX_HTTP_NOT_FOUND, "not_found",
                           "未找到该诉求或附件", NULL);
}


ngx_http_liaison_endpoint_t  ngx_http_liaison_attach_endpoints[] = {

    { ngx_string("tickets/{no}/attachments"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_ANYONE, 0, NGX_HTTP_LIAISON_BODY_FILE, 0,
      ngx_http_liaison_attach_upload, 0 },

    { ngx_string("staff/tickets/{no}/attachments"), NGX_HTTP_LIAISON_POST,
      NGX_HTTP_LIAISON_STAFF_ONLY, 0, NGX_HTTP_LIAISON_BODY_FILE, 0,
      ngx_http_liaison_attach_upload, 1 },

    { ngx_string("tickets/{no}/attachments/{id}"), NGX_HTTP_LIAISON_GET,
      NGX_HTTP_LIAISON_ANYONE, 0, NGX_HTTP_LIAISON_BODY_NONE, 0,
      ngx_http_liaison_attach_download, 0 },

    { ngx_null_string, 0, 0, 0, 0, 0, NULL, 0 }
};
