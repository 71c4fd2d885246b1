// One whole HTTP(S) transfer through libcurl, with typed fields: Swift cannot
// call curl_easy_setopt (it is variadic), so the options are set here.
#ifndef REPRO_CCURL_SHIM_H
#define REPRO_CCURL_SHIM_H

#include <stdint.h>

/// What one request asks for. Strings are borrowed for the call.
typedef struct {
    const char *url;
    const char *method;          // "GET", "HEAD" or "PUT"
    const char *authorization;   // the Authorization header's value, or NULL
    void *trust;                 // from repro_curl_trust_new: the certificates servers are checked against
    int body_fd;                 // PUT: the body is read from here (-1: none)
    int64_t body_size;
    int out_fd;                  // GET: the body is written here (-1: discarded)
    int64_t max_body;            // a longer body is refused (-1: no limit)
    int64_t max_header_bytes;    // status line and headers of all responses, 1xx included
    long deadline_ms;            // the whole request
    long connect_timeout_ms;
    long idle_seconds;           // no byte in this long: fails
    const int32_t *cancelled;    // nonzero: the transfer stops within a second
} repro_curl_request;

/// Why a transfer stopped early, beyond libcurl's own error code.
enum {
    REPRO_CURL_OK = 0,
    REPRO_CURL_BODY_TOO_LARGE = 1,
    REPRO_CURL_HEADERS_TOO_LARGE = 2,
    REPRO_CURL_CANCELLED = 3,
    REPRO_CURL_WRITE_FAILED = 4,
    REPRO_CURL_READ_FAILED = 5,
};

typedef struct {
    int curl_code;               // CURLcode
    int stop_reason;             // REPRO_CURL_*
    long status;                 // the final HTTP status (0 if none)
    int64_t body_bytes;          // written to out_fd
    char redirect_url[512];      // a 3xx's Location, if any
    char error[256];             // libcurl's message
} repro_curl_result;

/// Once per process, before any other call. 0 on success.
int repro_curl_global_init(void);
/// An easy handle kept for its open connections (keep-alive, TLS sessions).
void *repro_curl_handle_new(void);
void repro_curl_handle_free(void *handle);
/// Runs one request on `handle` (reset first, connections kept).
void repro_curl_perform(void *handle, const repro_curl_request *request, repro_curl_result *result);
/// The cancellation flag a request watches (`cancelled`), read and set atomically.
void repro_curl_flag_set(int32_t *flag, int32_t value);
int32_t repro_curl_flag_get(const int32_t *flag);
/// The trust anchors of a set of transfers, parsed once from PEM certificates
/// (libcurl would parse its CA bundle again for every connection, ~20 ms each).
/// NULL if `pem` holds no certificate.
void *repro_curl_trust_new(const void *pem, long size);
void repro_curl_trust_free(void *trust);
/// libcurl's text for a CURLcode.
const char *repro_curl_strerror(int code);
/// The CA bundle libcurl uses by default (e.g. /etc/ssl/certs/ca-certificates.crt), or NULL.
const char *repro_curl_default_ca_file(void);

// CURLcodes that callers branch on.
enum {
    REPRO_CURLE_COULDNT_RESOLVE_HOST = 6,
    REPRO_CURLE_COULDNT_CONNECT = 7,
    REPRO_CURLE_WRITE_ERROR = 23,
    REPRO_CURLE_READ_ERROR = 26,
    REPRO_CURLE_OPERATION_TIMEDOUT = 28,
    REPRO_CURLE_SSL_CONNECT_ERROR = 35,
    REPRO_CURLE_ABORTED_BY_CALLBACK = 42,
    REPRO_CURLE_GOT_NOTHING = 52,
    REPRO_CURLE_SEND_ERROR = 55,
    REPRO_CURLE_RECV_ERROR = 56,
    REPRO_CURLE_PEER_FAILED_VERIFICATION = 60,
    REPRO_CURLE_FILESIZE_EXCEEDED = 63,
    REPRO_CURLE_SSL_CACERT_BADFILE = 77,
};

#endif
