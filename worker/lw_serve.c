/*
 * liaison-worker: the daemon's metrics over HTTP (metrics_listen), for
 * Prometheus to scrape: GET /metrics answers this process's series and
 * the database's (the same as `liaison-worker metrics`).
 *
 * A thread with its own database connection, so that a scrape is
 * answered while a pass blocks on the database or a send.  It reads the
 * daemon's configuration under lw_serve_lock(), which the daemon holds
 * while it swaps the configuration (SIGHUP).
 */


#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4() */
#endif

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <unistd.h>

#include "lw.h"


#define LW_SERVE_REQUEST_MAX  4096


static void *lw_serve_main(void *arg);
static void lw_serve_one(int fd);
static int lw_serve_write(int fd, const char *p, size_t n);


static pthread_mutex_t         lw_serve_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_t               lw_serve_thread;
static int                     lw_serve_fd = -1;
static volatile sig_atomic_t   lw_serve_quit;
static lw_ctx_t               *lw_serve_daemon;
static lw_ctx_t                lw_serve_ctx;   /* its own connection */


int
lw_serve_start(lw_ctx_t *ctx)
{
    int                      fd, on;
    unsigned                 len;
    struct sockaddr_storage  sa;

    if (ctx->conf->metrics_listen == NULL) {
        return 0;
    }

    if (lw_conf_listen_addr(ctx->conf->metrics_listen, &sa, &len) != 0) {
        lw_log(LW_LOG_ERROR, "metrics_listen: not ADDRESS:PORT: %s",
               ctx->conf->metrics_listen);
        return -1;
    }

    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    on = 1;

    if (fd == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0
        || bind(fd, (struct sockaddr *) &sa, len) != 0
        || listen(fd, 16) != 0)
    {
        lw_log(LW_LOG_ERROR, "metrics_listen %s: %s",
               ctx->conf->metrics_listen, strerror(errno));
        if (fd != -1) {
            close(fd);
        }
        return -1;
    }

    lw_serve_fd = fd;
    lw_serve_daemon = ctx;
    memset(&lw_serve_ctx, 0, sizeof(lw_ctx_t));
    lw_serve_ctx.stop = &lw_serve_quit;
    lw_serve_ctx.once = 1;

    if (pthread_create(&lw_serve_thread, NULL, lw_serve_main, NULL) != 0) {
        lw_log(LW_LOG_ERROR, "metrics_listen: no thread");
        close(fd);
        lw_serve_fd = -1;
        return -1;
    }

    lw_log(LW_LOG_INFO, "metrics on http://%s/metrics",
           ctx->conf->metrics_listen);

    return 0;
}


void
lw_serve_stop(void)
{
    if (lw_serve_fd == -1) {
        return;
    }

    lw_serve_quit = 1;
    pthread_join(lw_serve_thread, NULL);
    close(lw_serve_fd);
    lw_serve_fd = -1;
}


void
lw_serve_lock(void)
{
    pthread_mutex_lock(&lw_serve_mutex);
}


/* after a new configuration: the next scrape connects with it */

void
lw_serve_unlock(void)
{
    lw_serve_ctx.conf = NULL;
    lw_db_close(&lw_serve_ctx);
    pthread_mutex_unlock(&lw_serve_mutex);
}


static void *
lw_serve_main(void *arg)
{
    int            c;
    struct pollfd  pfd;

    (void) arg;

    mysql_thread_init();

    while (!lw_serve_quit) {
        pfd.fd = lw_serve_fd;
        pfd.events = POLLIN;
        pfd.revents = 0;

        if (poll(&pfd, 1, 500) <= 0) {
            continue;
        }

        c = accept4(lw_serve_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c == -1) {
            continue;
        }

        lw_serve_one(c);
        close(c);
    }

    pthread_mutex_lock(&lw_serve_mutex);
    lw_db_close(&lw_serve_ctx);
    pthread_mutex_unlock(&lw_serve_mutex);

    mysql_thread_end();

    return NULL;
}


static int
lw_serve_write(int fd, const char *p, size_t n)
{
    ssize_t  w;

    while (n > 0) {
        w = send(fd, p, n, MSG_NOSIGNAL);

        if (w <= 0) {
            if (w == -1 && errno == EINTR) {
                continue;
            }
            return -1;
        }

        p += w;
        n -= (size_t) w;
    }

    return 0;
}


static void
lw_serve_one(int fd)
{
    int             up;
    char            req[LW_SERVE_REQUEST_MAX + 1], head[256];
    size_t          len;
    ssize_t         r;
    lw_buf_t        out;
    struct timeval  tv;

    /* a slow client cannot hold the scrapes up for long */
    tv.tv_sec = 2;
    tv.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

    len = 0;

    while (len < LW_SERVE_REQUEST_MAX) {
        r = recv(fd, req + len, LW_SERVE_REQUEST_MAX - len, 0);

        if (r <= 0) {
            if (r == -1 && errno == EINTR) {
                continue;
            }
            return;
        }

        len += (size_t) r;
        req[len] = '\0';

        if (strstr(req, "\r\n\r\n") != NULL || strstr(req, "\n\n") != NULL) {
            break;
        }
    }

    req[len] = '\0';

    if (strncmp(req, "GET /metrics ", 13) != 0
        && strncmp(req, "GET /metrics?", 13) != 0)
    {
        static const char  nf[] = "HTTP/1.1 404 Not Found\r\n"
                                  "Content-Type: text/plain\r\n"
                                  "Content-Length: 10\r\n"
                                  "Connection: close\r\n\r\nnot found\n";

        (void) lw_serve_write(fd, nf, sizeof(nf) - 1);
        return;
    }

    lw_buf_init(&out);

    pthread_mutex_lock(&lw_serve_mutex);

    lw_serve_ctx.conf = lw_serve_daemon->conf;
    up = lw_db_ok(&lw_serve_ctx) || lw_db_connect(&lw_serve_ctx) == 0;

    /* the daemon's own figures, the database's from this connection */
    lw_metrics_process(lw_serve_daemon, &out, up);

    if (up && lw_metrics_db(&lw_serve_ctx, &out) != 0
        && !lw_db_ok(&lw_serve_ctx))
    {
        lw_buf_reset(&out);
        lw_metrics_process(lw_serve_daemon, &out, 0);
    }

    pthread_mutex_unlock(&lw_serve_mutex);

    if (out.failed) {
        lw_buf_free(&out);
        return;
    }

    snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
             "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n", out.len);

    if (lw_serve_write(fd, head, strlen(head)) == 0) {
        (void) lw_serve_write(fd, out.data, out.len);
    }

    lw_buf_free(&out);
}
