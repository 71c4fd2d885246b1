#include "ccurl_shim.h"

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const repro_curl_request *request;
    repro_curl_result *result;
    int64_t header_bytes;
} transfer;

int repro_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

void *repro_curl_handle_new(void) { return curl_easy_init(); }

void repro_curl_handle_free(void *handle) { curl_easy_cleanup(handle); }

void repro_curl_flag_set(int32_t *flag, int32_t value) { __atomic_store_n(flag, value, __ATOMIC_RELAXED); }

int32_t repro_curl_flag_get(const int32_t *flag) { return __atomic_load_n(flag, __ATOMIC_RELAXED); }

void *repro_curl_trust_new(const void *pem, long size) {
    BIO *bio = BIO_new_mem_buf(pem, (int)size);
    if (!bio) return NULL;
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!infos) return NULL;
    X509_STORE *store = X509_STORE_new();
    int added = 0;
    for (int i = 0; store && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *info = sk_X509_INFO_value(infos, i);
        if (info->x509 && X509_STORE_add_cert(store, info->x509) == 1) added++;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (store && added == 0) { X509_STORE_free(store); store = NULL; }
    return store;
}

void repro_curl_trust_free(void *trust) { X509_STORE_free(trust); }

// Every TLS connection checks the server against the shared, already parsed store.
static CURLcode on_ssl_ctx(CURL *curl, void *ssl_ctx, void *trust) {
    (void)curl;
    SSL_CTX_set1_cert_store(ssl_ctx, trust);
    return CURLE_OK;
}

const char *repro_curl_strerror(int code) { return curl_easy_strerror((CURLcode)code); }

const char *repro_curl_default_ca_file(void) {
    CURL *h = curl_easy_init();
    char *path = NULL;
    static char copy[4096];
    copy[0] = 0;
    if (h && curl_easy_getinfo(h, CURLINFO_CAINFO, &path) == CURLE_OK && path) {
        snprintf(copy, sizeof copy, "%s", path);
    }
    if (h) curl_easy_cleanup(h);
    return copy[0] ? copy : NULL;
}

// The body, straight to the caller's file: nothing is held in memory beyond libcurl's buffer.
static size_t on_body(char *data, size_t size, size_t n, void *user) {
    transfer *t = user;
    size_t len = size * n;
    if (t->request->max_body >= 0 && t->result->body_bytes + (int64_t)len > t->request->max_body) {
        t->result->stop_reason = REPRO_CURL_BODY_TOO_LARGE;
        return 0;
    }
    if (t->request->out_fd >= 0) {
        size_t done = 0;
        while (done < len) {
            ssize_t w = write(t->request->out_fd, data + done, len - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) { t->result->stop_reason = REPRO_CURL_WRITE_FAILED; return 0; }
            done += (size_t)w;
        }
    }
    t->result->body_bytes += (int64_t)len;
    return len;
}

// Every header line of every response (1xx included) counts against one bound.
static size_t on_header(char *data, size_t size, size_t n, void *user) {
    transfer *t = user;
    size_t len = size * n;
    t->header_bytes += (int64_t)len;
    if (t->header_bytes > t->request->max_header_bytes) {
        t->result->stop_reason = REPRO_CURL_HEADERS_TOO_LARGE;
        return 0;
    }
    (void)data;
    return len;
}

static size_t on_read(char *buffer, size_t size, size_t n, void *user) {
    transfer *t = user;
    for (;;) {
        ssize_t r = read(t->request->body_fd, buffer, size * n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { t->result->stop_reason = REPRO_CURL_READ_FAILED; return CURL_READFUNC_ABORT; }
        return (size_t)r;
    }
}

// Called at least once a second, even while nothing arrives: the cancellation point.
static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    transfer *t = user;
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    if (t->request->cancelled && __atomic_load_n(t->request->cancelled, __ATOMIC_RELAXED)) {
        t->result->stop_reason = REPRO_CURL_CANCELLED;
        return 1;
    }
    return 0;
}

void repro_curl_perform(void *handle, const repro_curl_request *rq, repro_curl_result *res) {
    CURL *h = handle;
    memset(res, 0, sizeof *res);
    transfer t = { rq, res, 0 };
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    char auth[8192];

    curl_easy_reset(h);  // keeps the handle's connections and TLS sessions
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is reported, never followed
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (rq->trust) {
        // No bundle for libcurl to parse: the store is set on each TLS context.
        curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, rq->trust);
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->deadline_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, rq->idle_seconds);
    if (rq->max_body >= 0) curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rq->max_body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);

    if (rq->authorization) {
        snprintf(auth, sizeof auth, "Authorization: %s", rq->authorization);
        headers = curl_slist_append(headers, auth);
    }
    if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &t);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->body_size);
        headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
        headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    CURLcode rc = curl_easy_perform(h);
    res->curl_code = (int)rc;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
    char *location = NULL;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) {
        snprintf(res->redirect_url, sizeof res->redirect_url, "%s", location);
    }
    snprintf(res->error, sizeof res->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    // Nothing may keep pointing at this frame, nor the headers after they are freed.
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
}
