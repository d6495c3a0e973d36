#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * The one HTTP layer: every external call of autofix goes through here,
 * so timeouts, retries, rate limits, size caps and the request log are
 * decided in one place. It is the only module that sees libcurl.
 *
 * Ownership: a client owns its options, counters and ETag cache; a request
 * owns copies of its method, URL, headers and body; a response owns its
 * body and headers. Everything is released by the matching *_release or
 * *_free function.
 *
 * What is retried (exponential backoff with full jitter, at most
 * max_attempts attempts and max_total_ms in all): connection errors,
 * timeouts, resets and truncated bodies; statuses 408, 429, 500, 502,
 * 503, 504; 403 when it is GitHub's rate limit (x-ratelimit-remaining: 0,
 * Retry-After, or a body saying "secondary rate limit"). Retry-After
 * (seconds or an HTTP date) and x-ratelimit-reset are honoured (a
 * negative Retry-After counts as absent, one too large for 64 bits as
 * longer than any wait); a wait
 * longer than max_wait_ms fails with BOT_ERATELIMIT instead of sleeping;
 * a 408 or 5xx whose Retry-After is longer is returned, not retried.
 * Every other status is returned as it is, never retried.
 */

struct http_header {
	char *name;
	char *value;
};

struct http_options {
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;         /* one attempt, 0: 60 s */
	size_t max_body;         /* response body cap, 0: 8 MiB */
	int max_attempts;        /* 0: 4 */
	long max_total_ms;       /* all attempts and waits, 0: 5 min */
	long max_wait_ms;        /* longest single wait for a rate limit, 0: 60 s */
	long backoff_base_ms;    /* 0: 500 ms; attempt n waits rand(0, base * 2^n) */
	long backoff_max_ms;     /* 0: 30 s */
	int per_host;            /* concurrent transfers per host in http_run_all, 0: 4 */
	const char *ca_bundle;   /* NULL: $AUTOFIX_CA_BUNDLE, else the system's */
	const char *user_agent;  /* NULL: "autofix/<version>" */
	/* Injected clock and sleep (tests); NULL: the wall clock and nanosleep. */
	int64_t (*now_ms)(void *ctx);  /* milliseconds since the epoch */
	void (*sleep_ms)(void *ctx, long ms);
	void *clock_ctx;
};
#define HTTP_OPTIONS_INIT { 0 }

struct http_request {
	char *method;            /* "GET" unless set */
	char *url;
	struct http_header *headers;
	size_t headers_nr, headers_alloc;
	struct strbuf body;      /* sent when method is not GET/HEAD or body is non-empty */
	size_t max_body;         /* 0: the client's cap */
	long timeout_ms;         /* 0: the client's */
	int no_retry;            /* one attempt only */
	/*
	 * Doing it twice does it twice (GitHub's POSTs: a comment, a pull
	 * request): asked again only when it surely was not done (the
	 * connection was never made, a 429 or a rate limit); after a 5xx, a
	 * reset, a timeout or a truncated answer it fails, and the caller
	 * looks before doing it again.
	 */
	int not_idempotent;
	int no_cache;            /* do not use or fill the ETag cache */
};

/* Sets up req for method ("GET" when NULL) and url; both are copied. */
void http_request_init(struct http_request *req, const char *method, const char *url);
/*
 * Adds a header (value formatted). The value of a credential header
 * (Authorization, Project-Access-Token, Cookie, X-Api-Key...) is also
 * registered with log_add_secret(), so it can never be logged.
 */
void http_request_header(struct http_request *req, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void http_request_release(struct http_request *req);

struct http_response {
	long status;             /* the final status (after redirects), 0 when none */
	struct strbuf body;
	struct http_header *headers; /* of the final response only */
	size_t headers_nr, headers_alloc;
	char *url;               /* the effective URL after redirects, or NULL */
	int attempts;            /* attempts made */
	int from_cache;          /* 1 when a 304 was answered from the ETag cache */
	/*
	 * 1 when a redirect to another origin (scheme, host or port) made the
	 * request go on without its credential headers: a 401 or 403 after it
	 * is about the missing credentials, not about their value.
	 */
	int credentials_dropped;
	struct strbuf error;     /* why it failed (http_run_all), empty on success */
};

void http_response_init(struct http_response *resp);
void http_response_release(struct http_response *resp);
/* The first value of header name (case-insensitive), or NULL. Points into resp. */
const char *http_response_header(const struct http_response *resp, const char *name);

/*
 * A Retry-After value (delta-seconds or an HTTP date) read at now (ms
 * since the epoch): the ms to wait, or -1 when there is none to honour
 * (NULL, empty, negative, unreadable). A delay longer than a year is a
 * year.
 */
long http_retry_after_ms(const char *value, int64_t now);

/*
 * Turns a non-2xx response into an error: records "<what>: HTTP <status>
 * <GitHub's message if any>" and returns BOT_EAUTH (401, 403),
 * BOT_ENOTFOUND (404, 410), BOT_ECONFLICT (409), BOT_EINVALID (400, 422),
 * BOT_ERATELIMIT (429), BOT_ETRANSIENT (5xx) or BOT_ERROR. Returns 0 for 2xx.
 */
int http_status_error(const struct http_response *resp, const char *what);

/*
 * When resp came from a redirect to another origin that dropped the
 * request's credentials, adds so to the last error message (for a refusal
 * read from the body: a GraphQL "Not Authorized" under HTTP 200). Returns
 * code. http_status_error() does it for 401 and 403.
 */
int http_error_note_redirect(int code, const struct http_response *resp);

struct http_client;

/* A new client; opts may be NULL for the defaults. The options are copied. */
struct http_client *http_client_new(const struct http_options *opts);
void http_client_free(struct http_client *client);

/*
 * Performs req with retries, filling out (initialise it first; it is reset).
 * Returns 0 when an HTTP response was received, whatever its status (check
 * out->status or use http_status_error); a negative code when none was:
 * BOT_ETIMEOUT, BOT_ETRANSIENT (connection failures after the last
 * attempt), BOT_ETOOBIG (body over the cap), BOT_ERATELIMIT (the wait
 * would exceed max_wait_ms), BOT_EINVALID (a bad URL), BOT_ERROR.
 */
int http_do(struct http_client *client, const struct http_request *req,
	    struct http_response *out);

/*
 * Performs n independent requests in parallel (curl multi), at most
 * per_host at a time per host, each with the same retry rules as
 * http_do(). results[i] is what http_do() would have returned for
 * reqs[i]; out[i] must be initialised. Returns 0 when every result is 0,
 * else the first negative result (with its message recorded).
 */
int http_run_all(struct http_client *client, const struct http_request *reqs,
		 struct http_response *out, int *results, size_t n);

/*
 * Called by http_run_each() for request i as soon as it is done, retries
 * and redirects included: results[i] and out[i] are final (out[i].error
 * says why when results[i] < 0), and out[i]'s body may be read and
 * released here, while the other requests go on. Returns 0 to go on, or
 * nonzero (a negative code, its message recorded) to stop them all.
 */
typedef int http_done_fn(void *ctx, size_t i);

/*
 * http_run_all() handing each request to done(ctx, i) as soon as it is
 * done, in the order they end, once each: an answer is read while the
 * others are still coming. done may be NULL. When done() returns nonzero,
 * the requests not yet done are abandoned (their result is that code,
 * BOT_ERROR when it is positive, and they are never handed over) and
 * http_run_each() returns it with done()'s message as the last error;
 * else it returns what http_run_all() would.
 */
int http_run_each(struct http_client *client, const struct http_request *reqs,
		  struct http_response *out, int *results, size_t n, http_done_fn *done, void *ctx);

/*
 * Streams (server-sent events and the like): a response body read as it
 * arrives instead of kept whole. One attempt: no retry, no redirect
 * followed, no ETag cache. The request's timeout_ms (else the client's)
 * bounds the whole life of the stream, not max_total_ms, which is about
 * retries; max_body (else the client's) bounds what has arrived but not
 * been read yet. req and the response given to http_stream_open() must
 * stay valid until http_stream_free(); the body arriving passes through
 * the response's body on its way to http_stream_read().
 */
struct http_stream;

/*
 * Sends req and returns once the response's headers are in: *out is then
 * the stream (free it with http_stream_free()) and resp has the status
 * and headers. A response that is not 2xx is read whole into resp->body,
 * for the caller's error message; the stream is then at its end. Returns
 * a negative code, as http_do() does, when no response came.
 */
int http_stream_open(struct http_stream **out, struct http_client *client,
		     const struct http_request *req, struct http_response *resp);

/*
 * Waits at most wait_ms for more of the body and appends what came to
 * buf. Returns 1 while the stream goes on (buf may have got nothing), 0
 * once the server has ended it, or BOT_ETIMEOUT (the request's time is
 * up), BOT_ETOOBIG (max_body unread), BOT_ETRANSIENT (the connection
 * broke) with the message recorded.
 */
int http_stream_read(struct http_stream *stream, struct strbuf *buf, long wait_ms);

/* Closes the connection if it is still open and frees stream. NULL is fine. */
void http_stream_free(struct http_stream *stream);

struct http_stats {
	uint64_t requests;       /* attempts sent, retries included */
	uint64_t bytes_received; /* headers and bodies */
	uint64_t retries;
	uint64_t cache_hits;     /* 304s answered from the ETag cache */
};

/* Copies the client's counters into out. */
void http_client_stats(const struct http_client *client, struct http_stats *out);

/*
 * The same retry rules for network work that is not a request of this
 * layer (git's clone and push, through libgit2): the attempts, the total
 * time and the backoff of client's options, the wait logged at info
 * level. A loop:
 *
 *	http_retry_init(&r, client);
 *	while ((err = attempt()) < 0 && transient(err) && http_retry_next(&r, "git: cloning 'x'", why))
 *		;
 */
struct http_retry {
	struct http_client *client;
	int attempt;             /* the attempt under way, from 1 */
	int max_attempts;
	int64_t first_ms;        /* when the first attempt started */
};

/* Starts counting the attempts of one operation under client's bounds. */
void http_retry_init(struct http_retry *r, struct http_client *client);

/*
 * After attempt r->attempt failed transiently (why, for the log, said of
 * what): logs "<what>: <why>, retrying in <s> s (attempt n of m)", waits
 * the backoff (full jitter) and returns 1 for another attempt; returns 0
 * at once when max_attempts or max_total_ms says to give up.
 */
int http_retry_next(struct http_retry *r, const char *what, const char *why);

/*
 * 1 for the statuses http_do() asks again after, whatever their headers
 * (408, 429, 500, 502, 503, 504): for a status a caller only sees in a
 * message (libgit2's "unexpected http status code: 502").
 */
int http_status_transient(long status);

#endif
