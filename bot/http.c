/*
 * The HTTP layer on libcurl. One engine serves both http_do() and
 * http_run_all(): a list of transfers, each waiting, running or done,
 * driven through a curl multi handle. A transfer that fails transiently
 * goes back to waiting with a time before which it may not start again;
 * when nothing is running the loop sleeps (through the injectable sleep)
 * until the earliest such time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "util/env.h"
#include "util/error.h"
#include "util/human.h"
#include "util/json.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "version.h"
#include "util/banned.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_MAX_BODY ((size_t)8 << 20)
#define DEFAULT_MAX_ATTEMPTS 4
#define DEFAULT_MAX_TOTAL_MS 300000L
#define DEFAULT_MAX_WAIT_MS 60000L
#define DEFAULT_BACKOFF_BASE_MS 500L
#define DEFAULT_BACKOFF_MAX_MS 30000L
#define DEFAULT_PER_HOST 4
/* GitHub: "if you hit a secondary rate limit ... wait for at least one minute". */
#define SECONDARY_LIMIT_WAIT_MS 60000L
#define CACHE_MAX_ENTRIES 256
#define MAX_REDIRECTS 5
/* A Retry-After longer than this (a year) is read as this: already past every wait allowed. */
#define RETRY_AFTER_MAX_S (86400L * 365)

/* ---------------------------------------------------------------- headers */

static void header_list_add(struct http_header **list, size_t *nr, size_t *alloc,
			    const char *name, size_t name_len, const char *value, size_t value_len)
{
	ALLOC_GROW(*list, *nr + 1, *alloc);
	(*list)[*nr].name = xstrndup(name, name_len);
	(*list)[*nr].value = xstrndup(value, value_len);
	(*nr)++;
}

static void header_list_clear(struct http_header **list, size_t *nr, size_t *alloc)
{
	size_t i;

	for (i = 0; i < *nr; i++) {
		free((*list)[i].name);
		free((*list)[i].value);
	}
	free(*list);
	*list = NULL;
	*nr = *alloc = 0;
}

static const char *header_list_get(const struct http_header *list, size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcasecmp(list[i].name, name))
			return list[i].value;
	return NULL;
}

/* Headers whose values are credentials: never logged, always registered as secrets. */
static int is_credential_header(const char *name)
{
	static const char *const names[] = {
		"authorization", "proxy-authorization", "project-access-token", "cookie",
		"set-cookie", "x-api-key", "api-key", "x-auth-token", "private-token",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(name, names[i]))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- requests */

void http_request_init(struct http_request *req, const char *method, const char *url)
{
	memset(req, 0, sizeof(*req));
	req->method = xstrdup(method ? method : "GET");
	req->url = xstrdup(url ? url : "");
	strbuf_init(&req->body, 0);
}

void http_request_header(struct http_request *req, const char *name, const char *fmt, ...)
{
	struct strbuf v = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&v, fmt, ap);
	va_end(ap);
	if (is_credential_header(name)) {
		const char *sp = strchr(v.buf, ' ');
		log_add_secret(v.buf);
		/* "Bearer <token>": the token alone must be masked too. */
		if (sp)
			log_add_secret(sp + 1);
	}
	header_list_add(&req->headers, &req->headers_nr, &req->headers_alloc,
			name, strlen(name), v.buf, v.len);
	strbuf_release(&v);
}

void http_request_release(struct http_request *req)
{
	free(req->method);
	free(req->url);
	header_list_clear(&req->headers, &req->headers_nr, &req->headers_alloc);
	strbuf_release(&req->body);
	req->method = req->url = NULL;
}

/* ---------------------------------------------------------------- responses */

void http_response_init(struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	strbuf_init(&resp->body, 0);
	strbuf_init(&resp->error, 0);
}

/* Forgets what one attempt left behind, keeping the storage of the body. */
static void response_reset(struct http_response *resp)
{
	resp->status = 0;
	strbuf_reset(&resp->body);
	header_list_clear(&resp->headers, &resp->headers_nr, &resp->headers_alloc);
	free(resp->url);
	resp->url = NULL;
	resp->from_cache = 0;
	resp->credentials_dropped = 0;
}

void http_response_release(struct http_response *resp)
{
	response_reset(resp);
	strbuf_release(&resp->body);
	strbuf_release(&resp->error);
	resp->attempts = 0;
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
	return header_list_get(resp->headers, resp->headers_nr, name);
}

/*
 * GitHub's reason ("message", and for a 422 what each of "errors" says:
 * "Validation Failed (Label name already_exists)"), appended to sb.
 */
static void add_api_message(struct strbuf *sb, const struct strbuf *body)
{
	const struct json *errors, *e;
	struct json *doc = NULL;
	const char *msg;

	if (!body->len || body->buf[0] != '{' || json_parse(&doc, body->buf, body->len) < 0)
		return;
	msg = json_str_value(json_get(doc, "message"));
	if (msg)
		strbuf_addf(sb, ": %.300s", msg);
	errors = json_get(doc, "errors");
	if (json_type(errors) == JSON_ARRAY && json_size(errors)) {
		const char *sep = " (";
		for (e = json_first(errors); e; e = json_next(e)) {
			static const char *const keys[] = { "resource", "field", "code", "message" };
			const char *space = "";
			size_t i;
			strbuf_addstr(sb, sep);
			sep = "; ";
			if (json_type(e) == JSON_STRING) {
				strbuf_addf(sb, "%.200s", json_str_value(e));
				continue;
			}
			for (i = 0; i < ARRAY_SIZE(keys); i++) {
				const char *v = json_str_value(json_member(e, keys[i]));
				if (v) {
					strbuf_addf(sb, "%s%.200s", space, v);
					space = " ";
				}
			}
		}
		strbuf_addch(sb, ')');
	}
	json_free(doc);
}

static void add_url_for_log(struct strbuf *sb, const char *url);

int http_status_error(const struct http_response *resp, const char *what)
{
	struct strbuf msg = STRBUF_INIT;
	int code;

	if (resp->status >= 200 && resp->status < 300)
		return 0;
	switch (resp->status) {
	case 401: case 403: code = BOT_EAUTH; break;
	case 404: case 410: code = BOT_ENOTFOUND; break;
	case 409: code = BOT_ECONFLICT; break;
	case 400: case 422: code = BOT_EINVALID; break;
	case 429: code = BOT_ERATELIMIT; break;
	default: code = resp->status >= 500 ? BOT_ETRANSIENT : BOT_ERROR;
	}
	add_api_message(&msg, &resp->body);
	bot_error(code, "%s: HTTP %ld%s", what ? what : "request", resp->status, msg.buf);
	strbuf_release(&msg);
	if (code == BOT_EAUTH)
		http_error_note_redirect(code, resp);
	return code;
}

int http_error_note_redirect(int code, const struct http_response *resp)
{
	struct strbuf msg = STRBUF_INIT;

	if (!resp->credentials_dropped)
		return code;
	strbuf_addf(&msg, "%s (redirected to ", bot_error_last());
	add_url_for_log(&msg, resp->url ? resp->url : "another host");
	strbuf_addstr(&msg, ", another host: the redirect dropped the credentials)");
	bot_error(code, "%s", msg.buf);
	strbuf_release(&msg);
	return code;
}

/* ---------------------------------------------------------------- the client */

struct cache_entry {
	char *key;
	char *etag;
	long status;
	struct strbuf body;
	struct http_header *headers;
	size_t headers_nr, headers_alloc;
	uint64_t used; /* for evicting the least recently used */
};

struct host_state {
	char *name;        /* "host:port" */
	int running;
	int64_t blocked_until_ms; /* a primary rate limit ran out: nothing before this */
};

struct http_client {
	struct http_options opt;
	char *ca_bundle;
	char *user_agent;
	struct http_stats stats;
	struct cache_entry *cache;
	size_t cache_nr, cache_alloc;
	uint64_t cache_clock;
	struct host_state *hosts;
	size_t hosts_nr, hosts_alloc;
	uint64_t rng;
	/*
	 * Connections, DNS answers and TLS sessions kept between calls (each
	 * call has its own multi handle), so that a scan's stages and a pull
	 * request's requests do not each open a connection and shake hands
	 * again. Locked: threads may share a client.
	 */
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

static void share_lock(CURL *e, curl_lock_data data, curl_lock_access access, void *ctx)
{
	struct http_client *c = ctx;

	(void)e;
	(void)access;
	pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *e, curl_lock_data data, void *ctx)
{
	struct http_client *c = ctx;

	(void)e;
	pthread_mutex_unlock(&c->share_locks[data]);
}

/* c->share, or NULL when libcurl cannot make one (each call then connects anew). */
static void share_init(struct http_client *c)
{
	size_t i;

	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_locks[i], NULL);
	if (!(c->share = curl_share_init()))
		return;
	if (curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		curl_share_cleanup(c->share);
		c->share = NULL;
	}
}

static int64_t wall_now_ms(void *ctx)
{
	(void)ctx;
	return time_wall_ms();
}

static void real_sleep_ms(void *ctx, long ms)
{
	(void)ctx;
	time_sleep_ms(ms);
}

static int64_t now_ms(const struct http_client *c)
{
	return c->opt.now_ms(c->opt.clock_ctx);
}

static int curl_ready;

/*
 * One attempt's timeout when the caller sets none: AUTOFIX_HTTP_TIMEOUT (a
 * duration, e.g. "3s", for tests that make servers stall) or 60 s. A value
 * that is not a positive duration is warned about, once, and not used.
 */
static long default_timeout_ms(void)
{
	static int warned;
	const char *env = env_get("AUTOFIX_HTTP_TIMEOUT");
	int64_t ms;

	if (!env)
		return DEFAULT_TIMEOUT_MS;
	if (units_parse_duration(&ms, env) == 0 && ms > 0 && ms <= DEFAULT_TIMEOUT_MS * 60)
		return (long)ms;
	if (!warned++)
		log_warning("AUTOFIX_HTTP_TIMEOUT='%s' is not a duration between 1ms and 1h "
			    "(like '5s'); HTTP requests time out after 60s", env);
	return DEFAULT_TIMEOUT_MS;
}

struct http_client *http_client_new(const struct http_options *opts)
{
	struct http_client *c = xcalloc(1, sizeof(*c));
	const char *env;

	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	if (opts)
		c->opt = *opts;
	if (c->opt.connect_timeout_ms <= 0)
		c->opt.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (c->opt.timeout_ms <= 0)
		c->opt.timeout_ms = default_timeout_ms();
	if (!c->opt.max_body)
		c->opt.max_body = DEFAULT_MAX_BODY;
	if (c->opt.max_attempts <= 0)
		c->opt.max_attempts = DEFAULT_MAX_ATTEMPTS;
	if (c->opt.max_total_ms <= 0)
		c->opt.max_total_ms = DEFAULT_MAX_TOTAL_MS;
	if (c->opt.max_wait_ms <= 0)
		c->opt.max_wait_ms = DEFAULT_MAX_WAIT_MS;
	if (c->opt.backoff_base_ms <= 0)
		c->opt.backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
	if (c->opt.backoff_max_ms <= 0)
		c->opt.backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
	if (c->opt.per_host <= 0)
		c->opt.per_host = DEFAULT_PER_HOST;
	if (!c->opt.now_ms)
		c->opt.now_ms = wall_now_ms;
	if (!c->opt.sleep_ms)
		c->opt.sleep_ms = real_sleep_ms;
	env = env_get("AUTOFIX_CA_BUNDLE");
	if (opts && opts->ca_bundle)
		c->ca_bundle = xstrdup(opts->ca_bundle);
	else if (env)
		c->ca_bundle = xstrdup(env);
	c->opt.ca_bundle = NULL;
	c->user_agent = xstrdup(opts && opts->user_agent ? opts->user_agent
				: "autofix/" AUTOFIX_VERSION);
	c->opt.user_agent = NULL;
	c->rng = (uint64_t)wall_now_ms(NULL) ^ ((uint64_t)(uintptr_t)c << 16) ^ 0x9e3779b97f4a7c15ULL;
	share_init(c);
	return c;
}

static void cache_entry_release(struct cache_entry *e)
{
	free(e->key);
	free(e->etag);
	strbuf_release(&e->body);
	header_list_clear(&e->headers, &e->headers_nr, &e->headers_alloc);
}

void http_client_free(struct http_client *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->cache_nr; i++)
		cache_entry_release(&c->cache[i]);
	free(c->cache);
	for (i = 0; i < c->hosts_nr; i++)
		free(c->hosts[i].name);
	free(c->hosts);
	free(c->ca_bundle);
	free(c->user_agent);
	if (c->share)
		curl_share_cleanup(c->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_locks[i]);
	free(c);
}

void http_client_stats(const struct http_client *c, struct http_stats *out)
{
	*out = c->stats;
}

/* xorshift64*: jitter needs spread, not cryptographic quality. */
static uint64_t next_random(struct http_client *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 2685821657736338717ULL;
}

/* Full jitter: a uniform wait in [0, min(max, base * 2^(attempt-1))]. */
static long backoff_ms(struct http_client *c, int attempt)
{
	long cap = c->opt.backoff_base_ms;
	int i;

	for (i = 1; i < attempt && cap < c->opt.backoff_max_ms; i++)
		cap *= 2;
	if (cap > c->opt.backoff_max_ms)
		cap = c->opt.backoff_max_ms;
	return (long)(next_random(c) % (uint64_t)(cap + 1));
}

/* ---------------------------------------------------------------- The same rules, for others */

int http_status_transient(long status)
{
	switch (status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return 1;
	default:
		return 0;
	}
}

void http_retry_init(struct http_retry *r, struct http_client *c)
{
	r->client = c;
	r->attempt = 1;
	r->max_attempts = c->opt.max_attempts;
	r->first_ms = now_ms(c);
}

int http_retry_next(struct http_retry *r, const char *what, const char *why)
{
	struct http_client *c = r->client;
	long wait_ms = backoff_ms(c, r->attempt);

	if (r->attempt >= r->max_attempts || now_ms(c) + wait_ms >= r->first_ms + c->opt.max_total_ms)
		return 0;
	log_info("%s: %s, retrying in %.1f s (attempt %d of %d)", what, why, wait_ms / 1000.0,
		 r->attempt + 1, r->max_attempts);
	c->stats.retries++;
	c->opt.sleep_ms(c->opt.clock_ctx, wait_ms);
	r->attempt++;
	return 1;
}

/* ---------------------------------------------------------------- ETag cache */

static char *cache_key(const struct http_request *req)
{
	const char *accept = header_list_get(req->headers, req->headers_nr, "Accept");
	struct strbuf k = STRBUF_INIT;

	strbuf_addf(&k, "%s\n%s", req->url, accept ? accept : "");
	return strbuf_detach(&k, NULL);
}

static struct cache_entry *cache_find(struct http_client *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->cache_nr; i++)
		if (!strcmp(c->cache[i].key, key)) {
			c->cache[i].used = ++c->cache_clock;
			return &c->cache[i];
		}
	return NULL;
}

static void cache_store(struct http_client *c, const char *key, const struct http_response *resp,
			const char *etag)
{
	struct cache_entry *e = cache_find(c, key);
	size_t i;

	if (!e && c->cache_nr >= CACHE_MAX_ENTRIES) {
		size_t lru = 0;
		for (i = 1; i < c->cache_nr; i++)
			if (c->cache[i].used < c->cache[lru].used)
				lru = i;
		e = &c->cache[lru];
		cache_entry_release(e);
		memset(e, 0, sizeof(*e));
		e->key = xstrdup(key);
		strbuf_init(&e->body, 0);
	} else if (!e) {
		ALLOC_GROW(c->cache, c->cache_nr + 1, c->cache_alloc);
		e = &c->cache[c->cache_nr++];
		memset(e, 0, sizeof(*e));
		e->key = xstrdup(key);
		strbuf_init(&e->body, 0);
	}
	free(e->etag);
	e->etag = xstrdup(etag);
	e->status = resp->status;
	strbuf_reset(&e->body);
	strbuf_addbuf(&e->body, &resp->body);
	header_list_clear(&e->headers, &e->headers_nr, &e->headers_alloc);
	for (i = 0; i < resp->headers_nr; i++)
		header_list_add(&e->headers, &e->headers_nr, &e->headers_alloc,
				resp->headers[i].name, strlen(resp->headers[i].name),
				resp->headers[i].value, strlen(resp->headers[i].value));
	e->used = ++c->cache_clock;
}

/* Answers a 304 from the cache: the stored body, and headers updated by the 304's. */
static void cache_answer(const struct cache_entry *e, struct http_response *resp)
{
	struct http_header *fresh = resp->headers;
	size_t fresh_nr = resp->headers_nr, fresh_alloc = resp->headers_alloc, i;

	resp->headers = NULL;
	resp->headers_nr = resp->headers_alloc = 0;
	for (i = 0; i < e->headers_nr; i++) {
		const char *v = header_list_get(fresh, fresh_nr, e->headers[i].name);
		if (!v)
			v = e->headers[i].value;
		header_list_add(&resp->headers, &resp->headers_nr, &resp->headers_alloc,
				e->headers[i].name, strlen(e->headers[i].name), v, strlen(v));
	}
	for (i = 0; i < fresh_nr; i++)
		if (!header_list_get(e->headers, e->headers_nr, fresh[i].name))
			header_list_add(&resp->headers, &resp->headers_nr, &resp->headers_alloc,
					fresh[i].name, strlen(fresh[i].name),
					fresh[i].value, strlen(fresh[i].value));
	header_list_clear(&fresh, &fresh_nr, &fresh_alloc);
	resp->status = e->status;
	strbuf_reset(&resp->body);
	strbuf_addbuf(&resp->body, &e->body);
	resp->from_cache = 1;
}

/* ---------------------------------------------------------------- logging */

/* The URL for a log line: no user:password@, no values of secret-looking query parameters. */
static void add_url_for_log(struct strbuf *sb, const char *url)
{
	const char *scheme_end = strstr(url, "://");
	const char *p = url, *q;

	if (scheme_end) {
		const char *host = scheme_end + 3;
		const char *slash = host + strcspn(host, "/?#");
		const char *at = memchr(host, '@', (size_t)(slash - host));
		strbuf_add(sb, url, (size_t)(host - url));
		if (at) {
			strbuf_addstr(sb, "***@");
			host = at + 1;
		}
		p = host;
	}
	q = strchr(p, '?');
	if (!q) {
		strbuf_addstr(sb, p);
		return;
	}
	strbuf_add(sb, p, (size_t)(q - p));
	while (*q) {
		const char *key = q + 1;
		const char *end = key + strcspn(key, "&#");
		const char *eq = memchr(key, '=', (size_t)(end - key));
		strbuf_addch(sb, *q);
		if (eq) {
			size_t klen = (size_t)(eq - key);
			struct strbuf k = STRBUF_INIT;
			size_t i;
			strbuf_add(&k, key, klen);
			for (i = 0; i < k.len; i++)
				if (k.buf[i] >= 'A' && k.buf[i] <= 'Z')
					k.buf[i] = (char)(k.buf[i] - 'A' + 'a');
			strbuf_add(sb, key, klen + 1);
			if (strstr(k.buf, "token") || strstr(k.buf, "key") || strstr(k.buf, "secret") ||
			    strstr(k.buf, "password") || strstr(k.buf, "sig") || strstr(k.buf, "auth"))
				strbuf_addstr(sb, "***");
			else
				strbuf_add(sb, eq + 1, (size_t)(end - eq - 1));
			strbuf_release(&k);
		} else {
			strbuf_add(sb, key, (size_t)(end - key));
		}
		if (*end == '#') {
			strbuf_addstr(sb, end);
			break;
		}
		q = end;
	}
}

static void log_request(const struct http_request *req, const char *url, int strip_credentials,
			int attempt, int max_attempts)
{
	struct strbuf line = STRBUF_INIT;
	size_t i;

	if (!log_enabled(LOG_DEBUG))
		return;
	strbuf_addf(&line, "http: > %s ", req->method);
	add_url_for_log(&line, url);
	strbuf_addf(&line, " (attempt %d of %d, %zu body %s)", attempt, max_attempts,
		    req->body.len, human_plural((int64_t)req->body.len, "byte", "bytes"));
	for (i = 0; i < req->headers_nr; i++) {
		if (strip_credentials && is_credential_header(req->headers[i].name))
			continue;
		strbuf_addf(&line, "\n  %s: %s", req->headers[i].name,
			    is_credential_header(req->headers[i].name) ? "***" : req->headers[i].value);
	}
	log_debug("%s", line.buf);
	strbuf_release(&line);
}

/* ---------------------------------------------------------------- transfers */

enum transfer_state { T_WAITING, T_RUNNING, T_DONE };

struct transfer {
	const struct http_request *req;
	struct http_response *resp;
	int *result;
	enum transfer_state state;
	CURL *easy;
	struct curl_slist *slist;
	struct host_state *host;
	char *cache_key;
	int attempt;
	int max_attempts;
	char *url;            /* where a redirect sent it; NULL: req->url */
	int redirects;
	int strip_credentials; /* redirected to another origin: no credential header */
	size_t cap;
	int too_big;
	int in_final_headers; /* header lines belong to the response being kept */
	int stream;           /* http_stream_open(): bounded by timeout_ms alone */
	int headers_done;     /* the final response's headers are all in */
	int handed_over;      /* http_run_each() gave it to done() */
	long line_status;     /* the status line's code, as the headers come in */
	int64_t first_ms;     /* when the first attempt started */
	int64_t ready_ms;     /* the next attempt may not start before */
	int64_t started_ms;   /* this attempt */
	uint64_t bytes;
	char errbuf[CURL_ERROR_SIZE];
};

static struct host_state *host_for(struct http_client *c, const char *url)
{
	struct strbuf name = STRBUF_INIT;
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	size_t i;

	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
		strbuf_addf(&name, "%s:%s", host, port ? port : "");
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	for (i = 0; i < c->hosts_nr; i++)
		if (!strcmp(c->hosts[i].name, name.buf)) {
			strbuf_release(&name);
			return &c->hosts[i];
		}
	ALLOC_GROW(c->hosts, c->hosts_nr + 1, c->hosts_alloc);
	memset(&c->hosts[c->hosts_nr], 0, sizeof(c->hosts[0]));
	c->hosts[c->hosts_nr].name = strbuf_detach(&name, NULL);
	return &c->hosts[c->hosts_nr++];
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb;

	t->bytes += n;
	if (t->resp->body.len + n > t->cap) {
		t->too_big = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	strbuf_add(&t->resp->body, data, n);
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb, name_len;
	const char *colon, *v, *end = data + n;

	t->bytes += n;
	/* A new status line (a redirect, a 100 Continue): keep only the last response's headers. */
	if (n >= 5 && !memcmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', n);
		header_list_clear(&t->resp->headers, &t->resp->headers_nr, &t->resp->headers_alloc);
		/* curl tells the status only once the headers are over: a stream wants it before. */
		t->line_status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return n;
	}
	while (end > data && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (end == data) {
		t->headers_done = t->line_status >= 200;
		return n;
	}
	colon = memchr(data, ':', (size_t)(end - data));
	if (!colon)
		return n;
	name_len = (size_t)(colon - data);
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	header_list_add(&t->resp->headers, &t->resp->headers_nr, &t->resp->headers_alloc,
			data, name_len, v, (size_t)(end - v));
	return n;
}

static int has_credential_header(const struct http_request *req)
{
	size_t i;

	for (i = 0; i < req->headers_nr; i++)
		if (is_credential_header(req->headers[i].name))
			return 1;
	return 0;
}

static int transfer_start(struct http_client *c, struct transfer *t, CURLM *multi)
{
	const struct http_request *req = t->req;
	struct strbuf line = STRBUF_INIT;
	struct cache_entry *cached = NULL;
	int is_get = !strcmp(req->method, "GET");
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : c->opt.timeout_ms;
	int64_t left = t->first_ms + c->opt.max_total_ms - now_ms(c);
	size_t i;
	CURL *e;

	response_reset(t->resp);
	t->resp->credentials_dropped = t->strip_credentials && has_credential_header(req);
	t->too_big = 0;
	t->errbuf[0] = '\0';
	t->attempt++;
	t->resp->attempts = t->attempt;
	if (left < timeout && !t->stream)
		timeout = left > 1000 ? (long)left : 1000;

	e = curl_easy_init();
	if (!e)
		return bot_error(BOT_ERROR, "cannot create a curl handle");
	t->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, t->url ? t->url : req->url);
	if (c->share)
		curl_easy_setopt(e, CURLOPT_SHARE, c->share);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
	/*
	 * Redirects are followed by transfer_done(), not by curl: curl keeps
	 * custom headers such as Project-Access-Token or X-Api-Key when it
	 * follows a redirect to another host (it drops only Authorization and
	 * Cookie).
	 */
	/* A compressed stream arrives in the compressor's blocks, not event by event. */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, t->stream ? NULL : "");
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->cap);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);

	if (!strcmp(req->method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (!is_get || req->body.len) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
		/* A DELETE without a body sends none; a POST without one says Content-Length: 0. */
		if (req->body.len || !strcmp(req->method, "POST") || !strcmp(req->method, "PUT") ||
		    !strcmp(req->method, "PATCH")) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body.buf);
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
		}
	}

	for (i = 0; i < req->headers_nr; i++) {
		if (t->strip_credentials && is_credential_header(req->headers[i].name))
			continue;
		strbuf_reset(&line);
		strbuf_addf(&line, "%s: %s", req->headers[i].name, req->headers[i].value);
		t->slist = curl_slist_append(t->slist, line.buf);
	}
	/* No "Expect: 100-continue" round trip before a body. */
	t->slist = curl_slist_append(t->slist, "Expect:");
	if (is_get && !req->no_cache && !t->stream) {
		t->cache_key = t->cache_key ? t->cache_key : cache_key(req);
		cached = cache_find(c, t->cache_key);
		if (cached) {
			strbuf_reset(&line);
			strbuf_addf(&line, "If-None-Match: %s", cached->etag);
			t->slist = curl_slist_append(t->slist, line.buf);
		}
	}
	strbuf_release(&line);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->slist);

	log_request(req, t->url ? t->url : req->url, t->strip_credentials, t->attempt,
		    t->max_attempts);
	t->started_ms = now_ms(c);
	t->state = T_RUNNING;
	t->host->running++;
	c->stats.requests++;
	if (curl_multi_add_handle(multi, e) != CURLM_OK)
		return bot_error(BOT_ERROR, "cannot start a transfer");
	return 0;
}

static void transfer_cleanup(CURLM *multi, struct transfer *t)
{
	if (t->easy) {
		curl_multi_remove_handle(multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
		t->host->running--;
	}
	curl_slist_free_all(t->slist);
	t->slist = NULL;
}

long http_retry_after_ms(const char *v, int64_t now)
{
	char *end;
	long long secs;
	time_t when;

	if (!v || !*v)
		return -1;
	errno = 0;
	secs = strtoll(v, &end, 10);
	if (end != v && !*end) {
		/* A negative delay means nothing (RFC 9110 allows digits only): as if absent. */
		if (secs < 0 || *v == '-')
			return -1;
		/* Too many digits for 64 bits is longer than any wait allowed, not no wait at all. */
		if (errno == ERANGE || secs > RETRY_AFTER_MAX_S)
			return RETRY_AFTER_MAX_S * 1000L;
		return (long)(secs * 1000);
	}
	when = curl_getdate(v, NULL);
	if (when == (time_t)-1)
		return -1;
	/* A date past the longest wait is that wait, as a delay is (and no overflow). */
	if ((int64_t)when > now / 1000 + RETRY_AFTER_MAX_S)
		return RETRY_AFTER_MAX_S * 1000L;
	if ((int64_t)when * 1000 <= now)
		return 0;
	return (long)((int64_t)when * 1000 - now);
}

/* x-ratelimit-reset: epoch seconds, any number of digits. Returns ms since the epoch or -1. */
static int64_t parse_reset(const char *v)
{
	char *end;
	long long secs;

	if (!v)
		return -1;
	errno = 0;
	secs = strtoll(v, &end, 10);
	if (end == v || *end || errno || secs < 0)
		return -1;
	return (int64_t)secs * 1000;
}

static int is_transient_curl_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:       /* the body stopped short of Content-Length */
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:  /* a reset during the handshake */
	case CURLE_WEIRD_SERVER_REPLY:
		return 1;
	default:
		return 0;
	}
}

static int is_http_url(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

static int is_header_too_large(CURLcode cc)
{
#if LIBCURL_VERSION_NUM >= 0x080600
	if (cc == CURLE_TOO_LARGE)
		return 1;
#endif
	return cc == CURLE_OUT_OF_MEMORY;
}

/*
 * What one finished attempt means (curl's retrycheck(), in small):
 * returns 0 when the response is final, 1 to retry after *wait_ms, or a
 * negative error code to fail now (with the message recorded).
 */
static int classify(struct http_client *c, struct transfer *t, CURLcode cc, int64_t now,
		    long *wait_ms, int *rate_limited)
{
	struct http_response *r = t->resp;
	const char *retry_after, *remaining, *reset;
	long ra;

	*wait_ms = -1;
	*rate_limited = 0;
	if (cc != CURLE_OK) {
		if (t->too_big || cc == CURLE_FILESIZE_EXCEEDED)
			return bot_error(BOT_ETOOBIG, "response body larger than %zu bytes", t->cap);
		if (is_transient_curl_error(cc))
			return 1;
		/*
		 * With an http(s) URL, "unsupported protocol" is what curl says of
		 * an answer whose first line is no HTTP status line (HTTP/0.9).
		 */
		if (cc == CURLE_UNSUPPORTED_PROTOCOL && is_http_url(t->url ? t->url : t->req->url))
			return bot_error(BOT_ERROR, "the server's answer is not an HTTP response (%s)",
					 t->errbuf[0] ? t->errbuf : "no status line");
		if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL)
			return bot_error(BOT_EINVALID, "bad URL: %s", curl_easy_strerror(cc));
		/*
		 * Every allocation of this program aborts when it fails; curl says
		 * "out of memory" when a response's header is past its limit.
		 */
		if (is_header_too_large(cc))
			return bot_error(BOT_ETOOBIG, "the response's headers are larger than the %d KiB "
					 "allowed", CURL_MAX_HTTP_HEADER / 1024);
		if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
			return bot_error(BOT_EAUTH, "TLS verification failed: %s",
					 t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc));
		return bot_error(BOT_ERROR, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc));
	}

	retry_after = http_response_header(r, "Retry-After");
	remaining = http_response_header(r, "x-ratelimit-remaining");
	reset = http_response_header(r, "x-ratelimit-reset");
	ra = http_retry_after_ms(retry_after, now);

	/* A spent primary limit blocks the host for everyone, whatever this status. */
	if (remaining && !strcmp(remaining, "0")) {
		int64_t until = parse_reset(reset);
		if (until > t->host->blocked_until_ms)
			t->host->blocked_until_ms = until;
	}

	if (r->status == 403 || r->status == 429) {
		if (remaining && !strcmp(remaining, "0") && parse_reset(reset) >= 0) {
			int64_t until = parse_reset(reset);
			*wait_ms = until > now ? (long)(until - now) + 1000 : 1000;
			*rate_limited = 1;
			return 1;
		}
		if (ra >= 0) {
			*wait_ms = ra;
			*rate_limited = 1;
			return 1;
		}
		if (strcasestr(r->body.buf, "secondary rate limit") ||
		    strcasestr(r->body.buf, "abuse detection")) {
			*wait_ms = SECONDARY_LIMIT_WAIT_MS;
			*rate_limited = 1;
			return 1;
		}
		return r->status == 429;
	}
	/* 408 and the 5xx asked again (one list: http_status_transient()). */
	if (http_status_transient(r->status)) {
		*wait_ms = ra;
		return 1;
	}
	return 0;
}

/* A failed attempt the server surely did not act on: no connection, or a rate limit's refusal. */
static int surely_not_done(const struct transfer *t, CURLcode cc, int rate_limited)
{
	if (cc != CURLE_OK)
		return cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY ||
		       cc == CURLE_COULDNT_CONNECT;
	return rate_limited || t->resp->status == 429;
}

static void transfer_finish(struct http_client *c, struct transfer *t, int result)
{
	t->state = T_DONE;
	*t->result = result;
	if (result < 0) {
		strbuf_reset(&t->resp->error);
		strbuf_addstr(&t->resp->error, bot_error_last());
	}
}

/* "scheme://host:port" of url (default port filled in), or "" when it does not parse. */
static void add_origin(struct strbuf *sb, CURLU *u)
{
	char *scheme = NULL, *host = NULL, *port = NULL;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		strbuf_addf(sb, "%s://%s:%s", scheme, host, port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
}

/*
 * A 301, 302, 303, 307 or 308 with a Location: points t at the new URL
 * (method and body kept, as renamed repositories need) and returns 1;
 * a redirect to another origin (scheme, host or port) drops every
 * credential header for the rest of the transfer. Returns 0 when the
 * response is not a redirect to follow, or a negative error code.
 */
static int follow_redirect(struct transfer *t)
{
	const char *location = http_response_header(t->resp, "Location");
	const char *from = t->url ? t->url : t->req->url;
	struct strbuf old_origin = STRBUF_INIT, new_origin = STRBUF_INIT;
	CURLU *u;
	char *to = NULL;
	int err = 1;

	switch (t->resp->status) {
	case 301: case 302: case 303: case 307: case 308: break;
	default: return 0;
	}
	if (!location || !*location)
		return 0;
	if (t->redirects >= MAX_REDIRECTS)
		return bot_error(BOT_ERROR, "more than %d redirects", MAX_REDIRECTS);
	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, from, 0) != CURLUE_OK)
		err = bot_error(BOT_EINVALID, "bad URL");
	else
		add_origin(&old_origin, u);
	/* Set on a handle that holds the old URL, a relative Location is resolved against it. */
	if (err > 0 && (curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
			curl_url_get(u, CURLUPART_URL, &to, 0) != CURLUE_OK))
		err = bot_error(BOT_EINVALID, "cannot follow a redirect to '%.200s'", location);
	if (err > 0) {
		add_origin(&new_origin, u);
		if (strcmp(old_origin.buf, new_origin.buf))
			t->strip_credentials = 1;
		free(t->url);
		t->url = xstrdup(to);
		t->redirects++;
	}
	curl_free(to);
	curl_url_cleanup(u);
	strbuf_release(&old_origin);
	strbuf_release(&new_origin);
	return err;
}

/* Called when an attempt ends: decides between done, failed and another attempt. */
static void transfer_done(struct http_client *c, CURLM *multi, struct transfer *t, CURLcode cc)
{
	struct strbuf where = STRBUF_INIT;
	int64_t now = now_ms(c);
	long wait_ms;
	int rate_limited, verdict;
	char *eff = NULL;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->resp->status);
	curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &eff);
	if (eff)
		t->resp->url = xstrdup(eff);
	c->stats.bytes_received += t->bytes;
	t->bytes = 0;
	transfer_cleanup(multi, t);

	strbuf_addf(&where, "%s ", t->req->method);
	add_url_for_log(&where, t->req->url);
	if (cc == CURLE_OK)
		log_debug("http: < %ld %s (%zu %s, %lld ms)", t->resp->status, where.buf,
			  t->resp->body.len, human_plural((int64_t)t->resp->body.len, "byte", "bytes"),
			  (long long)(now - t->started_ms));
	else
		log_debug("http: < %s: %s", where.buf, t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc));

	if (cc == CURLE_OK) {
		int r = follow_redirect(t);
		if (r < 0) {
			bot_error_wrap(r, "%s: ", where.buf);
			transfer_finish(c, t, r);
			goto out;
		}
		if (r > 0) {
			/* Not another attempt: the same attempt, somewhere else. */
			t->attempt--;
			t->ready_ms = now;
			t->state = T_WAITING;
			goto out;
		}
	}
	verdict = classify(c, t, cc, now, &wait_ms, &rate_limited);
	if (verdict < 0) {
		bot_error_wrap(verdict, "%s: ", where.buf);
		transfer_finish(c, t, verdict);
		goto out;
	}
	if (verdict == 0) {
		const char *etag = http_response_header(t->resp, "ETag");
		if (t->resp->status == 304 && t->cache_key) {
			struct cache_entry *e = cache_find(c, t->cache_key);
			if (e) {
				cache_answer(e, t->resp);
				c->stats.cache_hits++;
			}
		} else if (t->cache_key && etag && t->resp->status == 200) {
			cache_store(c, t->cache_key, t->resp, etag);
		}
		transfer_finish(c, t, 0);
		goto out;
	}

	/* A transient failure: another attempt, if the bounds allow it. */
	if (rate_limited && wait_ms > c->opt.max_wait_ms) {
		transfer_finish(c, t, bot_error(BOT_ERATELIMIT,
			"%s: rate limited (HTTP %ld) for %ld s, longer than the %ld s allowed",
			where.buf, t->resp->status, (wait_ms + 999) / 1000,
			(c->opt.max_wait_ms + 999) / 1000));
		goto out;
	}
	/*
	 * A 408 or 5xx whose Retry-After is past the longest wait allowed (a
	 * maintenance window): asking again early would go against it, and
	 * waiting is what max_wait_ms forbids, so the response is the answer.
	 */
	if (!rate_limited && cc == CURLE_OK && wait_ms > c->opt.max_wait_ms) {
		log_info("http: %s: HTTP %ld asks to wait %ld s, longer than the %ld s allowed; not retrying",
			 where.buf, t->resp->status, (wait_ms + 999) / 1000, (c->opt.max_wait_ms + 999) / 1000);
		transfer_finish(c, t, 0);
		goto out;
	}
	if (wait_ms < 0)
		wait_ms = backoff_ms(c, t->attempt);
	if (wait_ms > c->opt.max_wait_ms)
		wait_ms = c->opt.max_wait_ms;
	if (t->req->no_retry || (t->req->not_idempotent && !surely_not_done(t, cc, rate_limited)) ||
	    t->attempt >= t->max_attempts ||
	    now + wait_ms >= t->first_ms + c->opt.max_total_ms) {
		int code;
		if (rate_limited)
			code = bot_error(BOT_ERATELIMIT, "%s: still rate limited (HTTP %ld) after %d %s",
					 where.buf, t->resp->status, t->attempt,
					 human_plural(t->attempt, "attempt", "attempts"));
		else if (cc == CURLE_OK)
			code = 0; /* a real response: the caller reads its status */
		else if (cc == CURLE_OPERATION_TIMEDOUT)
			code = bot_error(BOT_ETIMEOUT, "%s: timed out after %d %s",
					 where.buf, t->attempt, human_plural(t->attempt, "attempt", "attempts"));
		else
			code = bot_error(BOT_ETRANSIENT, "%s: %s (after %d %s)", where.buf,
					 t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc), t->attempt,
					 human_plural(t->attempt, "attempt", "attempts"));
		transfer_finish(c, t, code);
		goto out;
	}
	if (cc == CURLE_OK)
		log_info("http: %s: HTTP %ld, retrying in %.1f s (attempt %d of %d)", where.buf,
			 t->resp->status, wait_ms / 1000.0, t->attempt + 1, t->max_attempts);
	else
		log_info("http: %s: %s, retrying in %.1f s (attempt %d of %d)", where.buf,
			 curl_easy_strerror(cc), wait_ms / 1000.0, t->attempt + 1, t->max_attempts);
	c->stats.retries++;
	t->ready_ms = now + wait_ms;
	t->state = T_WAITING;
out:
	strbuf_release(&where);
}

/* Starts what may start now; returns the earliest time a waiting transfer may start, or -1. */
static int64_t start_ready(struct http_client *c, CURLM *multi, struct transfer *ts, size_t n)
{
	int64_t earliest = -1, now = now_ms(c);
	size_t i;

	for (i = 0; i < n; i++) {
		struct transfer *t = &ts[i];
		int64_t ready;
		int err;

		if (t->state != T_WAITING)
			continue;
		ready = t->ready_ms;
		if (t->host->blocked_until_ms > ready && t->host->blocked_until_ms > now) {
			int64_t wait = t->host->blocked_until_ms - now;
			if (wait > c->opt.max_wait_ms) {
				transfer_finish(c, t, bot_error(BOT_ERATELIMIT,
					"%s: rate limit of '%s' spent for %lld s more, longer than the %ld s allowed",
					t->req->method, t->host->name, (long long)(wait + 999) / 1000,
					(c->opt.max_wait_ms + 999) / 1000));
				continue;
			}
			ready = t->host->blocked_until_ms;
		}
		if (ready <= now && t->host->running < c->opt.per_host) {
			if ((err = transfer_start(c, t, multi)) < 0) {
				transfer_cleanup(multi, t);
				transfer_finish(c, t, err);
			}
			continue;
		}
		if (ready > now && (earliest < 0 || ready < earliest))
			earliest = ready;
	}
	return earliest;
}

/* Hands every transfer that is done and not yet handed over to done(); the first nonzero it returns. */
static int hand_over(struct transfer *ts, size_t n, http_done_fn *done, void *ctx)
{
	size_t i;
	int r;

	for (i = 0; done && i < n; i++) {
		if (ts[i].state != T_DONE || ts[i].handed_over)
			continue;
		ts[i].handed_over = 1;
		if ((r = done(ctx, i)) != 0)
			return r;
	}
	return 0;
}

int http_run_each(struct http_client *c, const struct http_request *reqs,
		  struct http_response *out, int *results, size_t n, http_done_fn *done, void *ctx)
{
	struct transfer *ts;
	CURLM *multi;
	int64_t start = now_ms(c);
	size_t i;
	int first_error = 0, stop = 0;

	if (!n)
		return 0;
	multi = curl_multi_init();
	if (!multi)
		return bot_error(BOT_ERROR, "cannot create a curl multi handle");
	ts = xcalloc(n, sizeof(*ts));
	for (i = 0; i < n; i++) {
		ts[i].req = &reqs[i];
		ts[i].resp = &out[i];
		ts[i].result = &results[i];
		ts[i].state = T_WAITING;
		ts[i].host = host_for(c, reqs[i].url);
		ts[i].cap = reqs[i].max_body ? reqs[i].max_body : c->opt.max_body;
		ts[i].max_attempts = reqs[i].no_retry ? 1 : c->opt.max_attempts;
		ts[i].first_ms = start;
		ts[i].ready_ms = start;
		results[i] = 0;
		strbuf_reset(&out[i].error);
		out[i].attempts = 0;
	}

	for (;;) {
		int64_t earliest = start_ready(c, multi, ts, n);
		int running = 0, waiting = 0, still, msgs;
		CURLMsg *m;

		if ((stop = hand_over(ts, n, done, ctx)) != 0)
			break;
		for (i = 0; i < n; i++) {
			running += ts[i].state == T_RUNNING;
			waiting += ts[i].state == T_WAITING;
		}
		if (!running && !waiting)
			break;
		if (!running) {
			int64_t now = now_ms(c);
			if (earliest > now)
				c->opt.sleep_ms(c->opt.clock_ctx, (long)(earliest - now));
			continue;
		}
		curl_multi_perform(multi, &still);
		while ((m = curl_multi_info_read(multi, &msgs))) {
			struct transfer *t = NULL;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			transfer_done(c, multi, t, m->data.result);
		}
		if ((stop = hand_over(ts, n, done, ctx)) != 0)
			break;
		if (still) {
			long timeout = 1000;
			int64_t now = now_ms(c);
			if (earliest > now && earliest - now < timeout)
				timeout = (long)(earliest - now);
			curl_multi_poll(multi, NULL, 0, (int)timeout, NULL);
		}
	}

	for (i = 0; i < n; i++) {
		if (stop && ts[i].state != T_DONE) {
			/* Stopped by done(): what had not ended never will; its bytes still count. */
			if (ts[i].state == T_RUNNING)
				c->stats.bytes_received += ts[i].bytes;
			transfer_cleanup(multi, &ts[i]);
			results[i] = stop < 0 ? stop : BOT_ERROR;
			strbuf_reset(&out[i].error);
			strbuf_addstr(&out[i].error, "not finished: stopped after another answer");
		}
		free(ts[i].cache_key);
		free(ts[i].url);
		if (!stop && results[i] < 0 && !first_error) {
			first_error = results[i];
			bot_error(first_error, "%s", out[i].error.buf);
		}
	}
	free(ts);
	curl_multi_cleanup(multi);
	/* done() recorded why it stopped: its message stays the last error. */
	return stop ? stop : first_error;
}

int http_run_all(struct http_client *c, const struct http_request *reqs,
		 struct http_response *out, int *results, size_t n)
{
	return http_run_each(c, reqs, out, results, n, NULL, NULL);
}

int http_do(struct http_client *c, const struct http_request *req, struct http_response *out)
{
	int result = 0;

	return http_run_all(c, req, out, &result, 1);
}

/* ---------------------------------------------------------------------- streams */

struct http_stream {
	struct http_client *c;
	CURLM *multi;
	struct transfer t;
	int result;           /* the transfer's result once it has ended */
	int ended;
	int answered;         /* not a 2xx: the body is the answer, kept in the response */
	int unused_result;    /* struct transfer wants somewhere to write one */
};

/* Moves the transfer on without waiting; records its end. */
static void stream_step(struct http_stream *s)
{
	struct strbuf where = STRBUF_INIT;
	CURLMsg *m;
	int still, msgs;

	if (s->ended)
		return;
	curl_multi_perform(s->multi, &still);
	while ((m = curl_multi_info_read(s->multi, &msgs))) {
		CURLcode cc = m->data.result;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(s->t.easy, CURLINFO_RESPONSE_CODE, &s->t.resp->status);
		s->c->stats.bytes_received += s->t.bytes;
		s->t.bytes = 0;
		transfer_cleanup(s->multi, &s->t);
		s->ended = 1;
		strbuf_addf(&where, "%s ", s->t.req->method);
		add_url_for_log(&where, s->t.req->url);
		if (cc == CURLE_OK) {
			log_debug("http: < %ld %s (stream ended)", s->t.resp->status, where.buf);
			s->result = 0;
		} else if (s->t.too_big) {
			s->result = bot_error(BOT_ETOOBIG, "%s: more than %zu bytes waiting to be read",
					      where.buf, s->t.cap);
		} else if (cc == CURLE_OPERATION_TIMEDOUT) {
			s->result = bot_error(BOT_ETIMEOUT, "%s: timed out", where.buf);
		} else {
			s->result = bot_error(BOT_ETRANSIENT, "%s: %s", where.buf,
					      s->t.errbuf[0] ? s->t.errbuf : curl_easy_strerror(cc));
		}
	}
	strbuf_release(&where);
}

/* Waits at most ms for the transfer to have something to do. */
static void stream_wait(struct http_stream *s, long ms)
{
	if (!s->ended && ms > 0)
		curl_multi_poll(s->multi, NULL, 0, (int)(ms > 1000 ? 1000 : ms), NULL);
}

int http_stream_open(struct http_stream **out, struct http_client *c,
		     const struct http_request *req, struct http_response *resp)
{
	struct http_stream *s;
	int err;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	s->c = c;
	s->multi = curl_multi_init();
	if (!s->multi) {
		free(s);
		return bot_error(BOT_ERROR, "cannot create a curl multi handle");
	}
	s->t.req = req;
	s->t.resp = resp;
	s->t.result = &s->unused_result;
	s->t.host = host_for(c, req->url);
	s->t.cap = req->max_body ? req->max_body : c->opt.max_body;
	s->t.max_attempts = 1;
	s->t.stream = 1;
	s->t.first_ms = now_ms(c);
	strbuf_reset(&resp->error);
	if ((err = transfer_start(c, &s->t, s->multi)) < 0) {
		transfer_cleanup(s->multi, &s->t);
		http_stream_free(s);
		return err;
	}
	/* curl's own timeouts (connect, then the whole stream) end this loop. */
	while (!s->ended && !s->t.headers_done) {
		stream_step(s);
		if (!s->ended && !s->t.headers_done)
			stream_wait(s, 1000);
	}
	if (!s->ended)
		resp->status = s->t.line_status;
	/* Once the headers are in, a failure (the cap, a reset) is the first read's to tell. */
	if (s->ended && s->result < 0 && !s->t.headers_done) {
		err = s->result;
		http_stream_free(s);
		return err;
	}
	/* Not a stream but an answer (401, 404, 503...): read it whole for the caller. */
	if (resp->status < 200 || resp->status > 299) {
		s->answered = 1;
		while (!s->ended) {
			stream_step(s);
			stream_wait(s, 1000);
		}
		if (s->result < 0 && s->result != BOT_ETOOBIG) {
			err = s->result;
			http_stream_free(s);
			return err;
		}
	}
	*out = s;
	return 0;
}

int http_stream_read(struct http_stream *s, struct strbuf *buf, long wait_ms)
{
	int64_t deadline = now_ms(s->c) + (wait_ms > 0 ? wait_ms : 0);

	if (s->answered)
		return 0;
	for (;;) {
		int64_t left;

		stream_step(s);
		if (s->t.resp->body.len) {
			strbuf_addbuf(buf, &s->t.resp->body);
			strbuf_reset(&s->t.resp->body);
			return 1;
		}
		if (s->ended)
			return s->result;
		left = deadline - now_ms(s->c);
		if (left <= 0)
			return 1;
		stream_wait(s, (long)left);
	}
}

void http_stream_free(struct http_stream *s)
{
	if (!s)
		return;
	transfer_cleanup(s->multi, &s->t);
	free(s->t.cache_key);
	free(s->t.url);
	curl_multi_cleanup(s->multi);
	free(s);
}
