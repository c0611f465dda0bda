/*
 * liaison-worker: HTTP through libcurl.  A multi handle runs a batch of
 * requests concurrently (at most `concurrency` in flight) and keeps
 * connections alive between batches; a token bucket per channel applies
 * the configured rate limits.
 *
 * URLs may carry access tokens or secrets (WeCom gettoken): they are
 * never logged.
 */


#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lw.h"


#define LW_HTTP_MAX_RESPONSE  (64 * 1024)


struct lw_http_s {
    CURLM            *multi;
    const lw_conf_t  *conf;
    double            tokens[LSN_CH_COUNT];
    double            last[LSN_CH_COUNT];
    int               primed[LSN_CH_COUNT];
};


static double lw_mono(void);
static size_t lw_http_write(char *p, size_t size, size_t n, void *data);
static int lw_http_take(lw_http_t *h, int channel, double *wait);
static void lw_http_finish(lw_req_t *r, CURLcode res);


static double
lw_mono(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


lw_http_t *
lw_http_create(const lw_conf_t *conf)
{
    lw_http_t  *h;

    h = calloc(1, sizeof(lw_http_t));
    if (h == NULL) {
        return NULL;
    }

    h->multi = curl_multi_init();
    if (h->multi == NULL) {
        free(h);
        return NULL;
    }

    h->conf = conf;

    return h;
}


void
lw_http_destroy(lw_http_t *h)
{
    if (h == NULL) {
        return;
    }

    curl_multi_cleanup(h->multi);
    free(h);
}


void
lw_http_set_conf(lw_http_t *h, const lw_conf_t *conf)
{
    h->conf = conf;
    memset(h->primed, 0, sizeof(h->primed));
}


void
lw_req_init(lw_req_t *r)
{
    memset(r, 0, sizeof(lw_req_t));
    lw_buf_init(&r->url);
    lw_buf_init(&r->body);
    lw_buf_init(&r->resp);
    r->channel = -1;
}


void
lw_req_free(lw_req_t *r)
{
    if (r->easy != NULL) {
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }

    if (r->headers != NULL) {
        curl_slist_free_all(r->headers);
        r->headers = NULL;
    }

    lw_buf_free(&r->url);
    lw_buf_free(&r->body);
    lw_buf_free(&r->resp);
}


static size_t
lw_http_write(char *p, size_t size, size_t n, void *data)
{
    size_t     total, keep;
    lw_req_t  *r;

    r = data;
    total = size * n;
    keep = total;

    /* a longer answer is cut: we only read a small JSON object */
    if (r->resp.len + keep > LW_HTTP_MAX_RESPONSE) {
        keep = LW_HTTP_MAX_RESPONSE - r->resp.len;
    }

    if (keep > 0 && lw_buf_add(&r->resp, p, keep) != 0) {
        return 0;
    }

    return total;
}


int
lw_req_prepare(lw_http_t *h, lw_req_t *r, const char *method,
    const char *content_type)
{
    char   header[256];
    CURL  *e;

    if (r->url.failed || r->body.failed || r->url.data == NULL) {
        return -1;
    }

    if (r->easy == NULL) {
        r->easy = curl_easy_init();
        if (r->easy == NULL) {
            return -1;
        }

    } else {
        curl_easy_reset(r->easy);
    }

    if (r->headers != NULL) {
        curl_slist_free_all(r->headers);
        r->headers = NULL;
    }

    e = r->easy;

    lw_buf_reset(&r->resp);
    r->status = 0;
    r->cerr = CURLE_OK;
    r->errbuf[0] = '\0';
    r->started = 0;
    r->done = 0;

    curl_easy_setopt(e, CURLOPT_URL, r->url.data);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long) h->conf->http_timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                     (long) h->conf->connect_timeout);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, lw_http_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "liaison-worker/" LW_VERSION);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);

    /* no "Expect: 100-continue" round trip */
    r->headers = curl_slist_append(r->headers, "Expect:");

    if (strcmp(method, "POST") == 0) {
        if (content_type != NULL) {
            snprintf(header, sizeof(header), "Content-Type: %s",
                     content_type);
            r->headers = curl_slist_append(r->headers, header);
        }

        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS,
                         r->body.data ? r->body.data : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long) r->body.len);

    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }

    if (r->headers == NULL) {
        return -1;
    }

    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);

    return 0;
}


/* 1 when a request of channel may start now; else *wait seconds */

static int
lw_http_take(lw_http_t *h, int channel, double *wait)
{
    double  rate, burst, now;

    if (channel < 0 || channel >= LSN_CH_COUNT) {
        return 1;
    }

    rate = h->conf->rate[channel];
    if (rate <= 0) {
        return 1;
    }

    burst = rate < 1 ? 1 : rate;
    now = lw_mono();

    if (!h->primed[channel]) {
        h->primed[channel] = 1;
        h->tokens[channel] = burst;
        h->last[channel] = now;
    }

    h->tokens[channel] += (now - h->last[channel]) * rate;
    h->last[channel] = now;

    if (h->tokens[channel] > burst) {
        h->tokens[channel] = burst;
    }

    if (h->tokens[channel] >= 1) {
        h->tokens[channel] -= 1;
        return 1;
    }

    *wait = (1 - h->tokens[channel]) / rate;

    return 0;
}


static void
lw_http_finish(lw_req_t *r, CURLcode res)
{
    long  status;

    r->cerr = res;
    status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    r->done = 1;
}


void
lw_http_run(lw_http_t *h, lw_req_t **reqs, size_t n, lw_http_hooks_t *hk)
{
    int        running, still, queued, timeout_ms, zero;
    size_t     i, first;
    double     wait, min_wait, *started_at, ticked;
    CURLMsg   *msg;
    lw_req_t  *r;

    started_at = calloc(n ? n : 1, sizeof(double));
    if (started_at == NULL) {
        return;
    }

    zero = 0;

    if (hk->abort == NULL) {
        hk->abort = &zero;
    }

    running = 0;
    first = 0;
    ticked = lw_mono();

    for ( ;; ) {
        min_wait = 0.1;

        /* start what the concurrency and the rate limits allow */
        for (i = first; i < n && !*hk->stop && !*hk->abort
                        && running < h->conf->concurrency; i++)
        {
            r = reqs[i];

            if (r->started) {
                if (i == first) {
                    first++;
                }
                continue;
            }

            wait = 0;

            if (!lw_http_take(h, r->channel, &wait)) {
                if (wait < min_wait) {
                    min_wait = wait;
                }
                continue;
            }

            /* the caller records the start first, or keeps it back */
            if (hk->start != NULL && hk->start(r, hk->data) != 0) {
                r->started = 1;
                continue;
            }

            if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
                lw_http_finish(r, CURLE_FAILED_INIT);
                r->started = 1;
                hk->done(r, hk->data);
                continue;
            }

            r->started = 1;
            started_at[i] = lw_mono();
            running++;
        }

        while (first < n && reqs[first]->started) {
            first++;
        }

        if (running == 0 && (first == n || *hk->stop || *hk->abort)) {
            break;
        }

        if (running > 0) {
            curl_multi_perform(h->multi, &still);

            while ((msg = curl_multi_info_read(h->multi, &queued)) != NULL) {
                if (msg->msg != CURLMSG_DONE) {
                    continue;
                }

                r = NULL;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
                                  (char **) &r);
                lw_http_finish(r, msg->data.result);
                curl_multi_remove_handle(h->multi, r->easy);
                running--;

                for (i = 0; i < n; i++) {
                    if (reqs[i] == r) {
                        r->elapsed_ms = (long) ((lw_mono() - started_at[i])
                                                * 1000);
                        break;
                    }
                }

                hk->done(r, hk->data);
            }
        }

        if (hk->tick != NULL && lw_mono() - ticked >= 1.0) {
            ticked = lw_mono();
            hk->tick(hk->data);
        }

        timeout_ms = (int) (min_wait * 1000) + 1;
        if (timeout_ms > 100) {
            timeout_ms = 100;
        }

        if (running > 0) {
            curl_multi_poll(h->multi, NULL, 0, timeout_ms, NULL);

        } else {
            /* only rate-limited requests are left */
            struct timespec  ts;

            ts.tv_sec = 0;
            ts.tv_nsec = (long) timeout_ms * 1000000L;
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR
                   && !*hk->stop)
            {
                /* resume */
            }
        }
    }

    if (hk->abort == &zero) {
        hk->abort = NULL;
    }

    free(started_at);
}


int
lw_http_perform(lw_http_t *h, lw_req_t *r)
{
    CURLcode  res;
    double    t0;

    (void) h;

    t0 = lw_mono();
    r->started = 1;
    res = curl_easy_perform(r->easy);
    lw_http_finish(r, res);
    r->elapsed_ms = (long) ((lw_mono() - t0) * 1000);

    return res == CURLE_OK ? 0 : -1;
}
