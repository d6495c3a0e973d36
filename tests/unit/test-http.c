/*
 * The HTTP layer against a fault-injecting server in this process: a
 * thread on 127.0.0.1 (a free port) that answers each connection with
 * the next scripted step — a canned reply, a reset, a truncated or slow
 * body — and records the request bytes, curl-test style. The clock and
 * sleep of the client are fakes, so Retry-After and rate-limit waits are
 * checked to the millisecond without really sleeping.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "lib/log-capture.h"
#include "http.h"
#include "util/error.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

/* ---------------------------------------------------------------- the fault server */

enum step_kind { STEP_REPLY, STEP_RESET, STEP_SLOW };

struct step {
	enum step_kind kind;
	char *raw;         /* bytes to send */
	long delay_ms;     /* before the reply (STEP_REPLY) or before the body (STEP_SLOW) */
};

static struct {
	int fd;
	int port;
	int stop;
	pthread_t thread;
	pthread_mutex_t lock;
	struct step steps[32];
	size_t steps_nr, next;
	struct strbuf requests[64];
	size_t requests_nr;
	int active, max_active;
	struct step fallback; /* when the script ran out */
	struct step missing;  /* for GET /missing when the script ran out */
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static char *reply(const char *status, const char *headers, const char *body)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
		    status, strlen(body), headers ? headers : "", body);
	return strbuf_detach(&sb, NULL);
}

static void script(enum step_kind kind, char *raw, long delay_ms)
{
	pthread_mutex_lock(&srv.lock);
	srv.steps[srv.steps_nr].kind = kind;
	srv.steps[srv.steps_nr].raw = raw;
	srv.steps[srv.steps_nr].delay_ms = delay_ms;
	srv.steps_nr++;
	pthread_mutex_unlock(&srv.lock);
}

static void script_reset(void)
{
	size_t i;

	pthread_mutex_lock(&srv.lock);
	for (i = 0; i < srv.steps_nr; i++)
		free(srv.steps[i].raw);
	srv.steps_nr = srv.next = 0;
	for (i = 0; i < srv.requests_nr; i++)
		strbuf_release(&srv.requests[i]);
	srv.requests_nr = 0;
	srv.max_active = 0;
	pthread_mutex_unlock(&srv.lock);
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *serve_one(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct strbuf req = STRBUF_INIT;
	struct step st;
	char buf[4096];
	char *hdr_end;
	size_t want = 0;

	/* Read the request: headers, then Content-Length bytes of body. */
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;
		if (poll(&p, 1, 5000) <= 0)
			break;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0)
			break;
		strbuf_add(&req, buf, (size_t)r);
		hdr_end = strstr(req.buf, "\r\n\r\n");
		if (hdr_end) {
			const char *cl = strcasestr(req.buf, "\r\nContent-Length:");
			want = (size_t)(hdr_end - req.buf) + 4;
			if (cl && cl < hdr_end)
				want += strtoul(cl + 17, NULL, 10);
			if (req.len >= want)
				break;
		}
	}

	pthread_mutex_lock(&srv.lock);
	if (srv.requests_nr < ARRAY_SIZE(srv.requests)) {
		srv.requests[srv.requests_nr++] = req;
		strbuf_init(&req, 0);
	}
	st = srv.next < srv.steps_nr ? srv.steps[srv.next++] : srv.fallback;
	if (srv.next >= srv.steps_nr && strstr(srv.requests[srv.requests_nr - 1].buf, "GET /missing "))
		st = srv.missing;
	if (++srv.active > srv.max_active)
		srv.max_active = srv.active;
	/* Our own copy: the script may be reset while a slow reply is still going. */
	st.raw = st.raw ? xstrdup(st.raw) : NULL;
	pthread_mutex_unlock(&srv.lock);

	/*
	 * Counted as active until the reply is about to go: the client frees a
	 * slot only after it has the reply, so max_active measures its bound.
	 */
	switch (st.kind) {
	case STEP_RESET: {
		struct linger lg = { 1, 0 }; /* close with RST */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	}
	case STEP_SLOW: {
		const char *body = strstr(st.raw, "\r\n\r\n");
		size_t head = body ? (size_t)(body - st.raw) + 4 : strlen(st.raw);
		send_all(fd, st.raw, head);
		time_sleep_ms(st.delay_ms);
		break;
	}
	case STEP_REPLY:
		if (st.delay_ms)
			time_sleep_ms(st.delay_ms);
		break;
	}
	pthread_mutex_lock(&srv.lock);
	srv.active--;
	pthread_mutex_unlock(&srv.lock);
	if (st.kind == STEP_SLOW) {
		const char *body = strstr(st.raw, "\r\n\r\n");
		send_all(fd, body ? body + 4 : "", body ? strlen(body + 4) : 0);
	} else if (st.kind == STEP_REPLY) {
		send_all(fd, st.raw, strlen(st.raw));
	}
	close(fd);
	free(st.raw);
	strbuf_release(&req);
	return NULL;
}

static void *server_main(void *arg)
{
	(void)arg;
	while (!srv.stop) {
		struct pollfd p = { srv.fd, POLLIN, 0 };
		pthread_t th;
		int fd;
		if (poll(&p, 1, 100) <= 0)
			continue;
		fd = accept(srv.fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_create(&th, NULL, serve_one, (void *)(intptr_t)fd);
		pthread_detach(th);
	}
	return NULL;
}

static int server_start(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int one = 1;

	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(srv.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(srv.fd, 64) < 0)
		return -1;
	getsockname(srv.fd, (struct sockaddr *)&a, &len);
	srv.port = ntohs(a.sin_port);
	srv.fallback.kind = STEP_REPLY;
	srv.fallback.raw = reply("500 Unscripted", NULL, "the script ran out");
	return pthread_create(&srv.thread, NULL, server_main, NULL);
}

/* The server as a test found it: no script, the usual fallback, nothing for a missing path. */
static void script_defaults(void)
{
	free(srv.fallback.raw);
	srv.fallback.raw = reply("500 Unscripted", NULL, "the script ran out");
	srv.fallback.delay_ms = 0;
	free(srv.missing.raw);
	srv.missing.raw = NULL;
	script_reset();
}

static void server_stop(void)
{
	srv.stop = 1;
	pthread_join(srv.thread, NULL);
	close(srv.fd);
	script_reset();
	free(srv.fallback.raw);
}

static size_t requests_seen(void)
{
	size_t n;
	pthread_mutex_lock(&srv.lock);
	n = srv.requests_nr;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* ---------------------------------------------------------------- the fake clock */

static struct {
	int64_t now;
	long slept_total;
	long sleeps[32];
	int sleeps_nr;
} clk;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return clk.now;
}

static void fake_sleep(void *ctx, long ms)
{
	(void)ctx;
	clk.now += ms;
	clk.slept_total += ms;
	if (clk.sleeps_nr < 32)
		clk.sleeps[clk.sleeps_nr++] = ms;
}

/*
 * At most one wait, within the first backoff (full jitter: a wait of 0,
 * one time in base + 1, is no sleep at all).
 */
static int waited_backoff(long base_ms)
{
	return clk.sleeps_nr == 0 || (clk.sleeps_nr == 1 && clk.sleeps[0] <= base_ms);
}

/*
 * A fixed instant in 2026, then a day later for each scenario: time never
 * goes back, so a rate limit one scenario spent has expired in the next.
 */
static void clock_reset(void)
{
	static int64_t day;

	memset(&clk, 0, sizeof(clk));
	clk.now = (int64_t)1790000000 * 1000 + 86400000 * day++;
}

static struct http_client *fake_client(struct http_options *o)
{
	o->now_ms = fake_now;
	o->sleep_ms = fake_sleep;
	return http_client_new(o);
}

static char *url(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "http://127.0.0.1:%d%s", srv.port, path);
	return strbuf_detach(&sb, NULL);
}

/* One GET (or method) through a fresh request; returns http_do's result. */
static int fetch(struct http_client *c, const char *method, const char *path,
		 struct http_response *resp)
{
	struct http_request req;
	char *u = url(path);
	int r;

	http_request_init(&req, method, u);
	http_request_header(&req, "Accept", "application/json");
	r = http_do(c, &req, resp);
	http_request_release(&req);
	free(u);
	return r;
}

/* ---------------------------------------------------------------- tests */

static void test_basics(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_response resp;
	struct http_request req;
	struct http_stats st;
	char *u;

	clock_reset();
	c = fake_client(&o);
	http_response_init(&resp);
	script(STEP_REPLY, reply("200 OK", "Content-Type: application/json\r\nX-Thing: one\r\n",
				 "{\"a\":1}"), 0);
	ok(fetch(c, "GET", "/basic?x=1", &resp) == 0, "a GET succeeds");
	is_int(resp.status, 200, "status 200");
	is_str(resp.body.buf, "{\"a\":1}", "the body is read");
	is_str(http_response_header(&resp, "content-type"), "application/json",
	       "header lookup ignores case");
	is_str(http_response_header(&resp, "X-THING"), "one", "any header");
	ok(http_response_header(&resp, "X-Missing") == NULL, "a missing header is NULL");
	is_int(resp.attempts, 1, "one attempt");
	like(srv.requests[0].buf, "GET /basic?x=1 HTTP/1.1\r\n", "the request line");
	like(srv.requests[0].buf, "User-Agent: autofix/", "the User-Agent is autofix/<version>");
	like(srv.requests[0].buf, "Accept: application/json\r\n", "our header is sent");
	http_client_stats(c, &st);
	is_int(st.requests, 1, "one request counted");
	ok(st.bytes_received > 7, "bytes received counted (%llu)", (unsigned long long)st.bytes_received);
	script_reset();

	/* A POST with a body, and a 201. */
	u = url("/create");
	http_request_init(&req, "POST", u);
	http_request_header(&req, "Content-Type", "application/json");
	strbuf_addstr(&req.body, "{\"title\":\"x\"}");
	script(STEP_REPLY, reply("201 Created", NULL, "{}"), 0);
	ok(http_do(c, &req, &resp) == 0 && resp.status == 201, "a POST succeeds");
	like(srv.requests[0].buf, "POST /create HTTP/1.1", "POST request line");
	like(srv.requests[0].buf, "\r\n\r\n{\"title\":\"x\"}", "the body is sent");
	ok(!strstr(srv.requests[0].buf, "Expect:"), "no Expect: 100-continue");
	http_request_release(&req);
	free(u);
	script_reset();

	/* Redirects (a renamed repository answers 301). */
	u = url("/new-place");
	{
		struct strbuf h = STRBUF_INIT;
		strbuf_addf(&h, "Location: %s\r\n", u);
		script(STEP_REPLY, reply("301 Moved Permanently", h.buf, "{\"message\":\"Moved\"}"), 0);
		strbuf_release(&h);
	}
	script(STEP_REPLY, reply("200 OK", "X-Final: yes\r\n", "moved here"), 0);
	ok(fetch(c, "GET", "/old-place", &resp) == 0, "a redirect is followed");
	is_int(resp.status, 200, "the final status");
	is_str(resp.body.buf, "moved here", "the final body");
	is_str(resp.url, u, "the effective URL");
	ok(http_response_header(&resp, "Location") == NULL && http_response_header(&resp, "X-Final"),
	   "only the final response's headers are kept");
	free(u);
	script_reset();

	/*
	 * A redirect to another host (localhost is not 127.0.0.1 to curl) must
	 * not take any credential header along, whatever its name.
	 */
	{
		struct strbuf h = STRBUF_INIT;
		strbuf_addf(&h, "Location: http://localhost:%d/elsewhere\r\n", srv.port);
		script(STEP_REPLY, reply("307 Temporary Redirect", h.buf, ""), 0);
		script(STEP_REPLY, reply("200 OK", NULL, "elsewhere"), 0);
		http_request_init(&req, "GET", u = url("/to-another-host"));
		http_request_header(&req, "Authorization", "Bearer redirect-secret-1");
		http_request_header(&req, "Project-Access-Token", "redirect-secret-2");
		http_request_header(&req, "X-Api-Key", "redirect-secret-3");
		ok(http_do(c, &req, &resp) == 0 && resp.status == 200, "a redirect to another host is followed");
		ok(srv.requests_nr == 2 && strstr(srv.requests[0].buf, "redirect-secret-2"),
		   "the first host got the credentials");
		ok(srv.requests_nr == 2 && !strstr(srv.requests[1].buf, "redirect-secret-1"),
		   "the other host gets no Authorization");
		ok(srv.requests_nr == 2 && !strstr(srv.requests[1].buf, "redirect-secret-2") &&
		   !strstr(srv.requests[1].buf, "redirect-secret-3"),
		   "nor any other credential header (Project-Access-Token, X-Api-Key)");
		http_request_release(&req);
		strbuf_release(&h);
		free(u);
		script_reset();

		/* A relative Location on the same host keeps them. */
		script(STEP_REPLY, reply("308 Permanent Redirect", "Location: /same-host?page=2\r\n", ""), 0);
		script(STEP_REPLY, reply("200 OK", NULL, "same host"), 0);
		http_request_init(&req, "POST", u = url("/relative"));
		http_request_header(&req, "Project-Access-Token", "redirect-secret-2");
		strbuf_addstr(&req.body, "{\"q\":1}");
		ok(http_do(c, &req, &resp) == 0 && resp.status == 200 && resp.attempts == 1,
		   "a relative redirect is followed, in the same attempt");
		ok(srv.requests_nr == 2 && !strncmp(srv.requests[1].buf, "POST /same-host?page=2 ", 23) &&
		   strstr(srv.requests[1].buf, "redirect-secret-2") && strstr(srv.requests[1].buf, "{\"q\":1}"),
		   "to the same host, with its method, body and credentials");
		http_request_release(&req);
		free(u);
		script_reset();
	}

	/* http_status_error maps statuses and quotes GitHub's message. */
	script(STEP_REPLY, reply("404 Not Found", NULL, "{\"message\":\"Not Found\",\"documentation_url\":\"x\"}"), 0);
	ok(fetch(c, "GET", "/nothing", &resp) == 0, "a 404 is a response, not a transport error");
	is_int(http_status_error(&resp, "get thing"), BOT_ENOTFOUND, "404 -> BOT_ENOTFOUND");
	is_str(bot_error_last(), "get thing: HTTP 404: Not Found", "the message");
	script_reset();
	script(STEP_REPLY, reply("422 Unprocessable Entity", NULL,
				 "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Label\","
				 "\"code\":\"already_exists\",\"field\":\"name\"},\"plain text\"]}"), 0);
	ok(fetch(c, "POST", "/labels", &resp) == 0, "a 422");
	is_int(http_status_error(&resp, "create label"), BOT_EINVALID, "422 -> BOT_EINVALID");
	is_str(bot_error_last(), "create label: HTTP 422: Validation Failed (Label name already_exists; plain text)",
	       "the message says what each error is");
	script_reset();
	script(STEP_REPLY, reply("403 Forbidden", NULL, "<html>not json</html>"), 0);
	ok(fetch(c, "DELETE", "/thing", &resp) == 0 && http_status_error(&resp, "delete") == BOT_EAUTH &&
	   !strcmp(bot_error_last(), "delete: HTTP 403"), "a body that is not JSON adds nothing");
	like(srv.requests[0].buf, "DELETE /thing HTTP/1.1", "DELETE request line");
	ok(!strcasestr(srv.requests[0].buf, "Content-Type:") && !strcasestr(srv.requests[0].buf, "Content-Length:"),
	   "a DELETE without a body sends no body headers");
	script_reset();

	http_response_release(&resp);
	http_client_free(c);
}

static void test_retries(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_response resp;
	int i;
	static const int statuses[] = { 400, 401, 403, 404, 409, 410, 422 };
	int r_;

	clock_reset();
	o.max_attempts = 4;
	o.backoff_base_ms = 1000;
	o.backoff_max_ms = 8000;
	c = fake_client(&o);
	http_response_init(&resp);

	script(STEP_REPLY, reply("503 Service Unavailable", NULL, "down"), 0);
	script(STEP_REPLY, reply("502 Bad Gateway", NULL, "down"), 0);
	script(STEP_REPLY, reply("500 Internal Server Error", NULL, "down"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "up"), 0);
	ok(fetch(c, "GET", "/flaky", &resp) == 0 && resp.status == 200, "503, 502, 500 then 200: success");
	is_int(resp.attempts, 4, "after four attempts");
	is_int(requests_seen(), 4, "the server saw four requests");
	is_int(clk.sleeps_nr, 3, "three waits");
	ok(clk.sleeps[0] <= 1000 && clk.sleeps[1] <= 2000 && clk.sleeps[2] <= 4000,
	   "full-jitter backoff stays under base*2^n (%ld, %ld, %ld)", clk.sleeps[0], clk.sleeps[1],
	   clk.sleeps[2]);
	script_reset();

	clock_reset();
	for (i = 0; i < 6; i++)
		script(STEP_REPLY, reply("504 Gateway Timeout", NULL, "slow"), 0);
	ok(fetch(c, "GET", "/down", &resp) == 0, "a 5xx that does not pass is still a response");
	is_int(resp.status, 504, "with the last status");
	is_int(requests_seen(), 4, "never more than max_attempts requests");
	is_int(http_status_error(&resp, "x"), BOT_ETRANSIENT, "504 -> BOT_ETRANSIENT");
	script_reset();

	/* Not idempotent (a POST that makes something): not sent again after it may have been done. */
	{
		struct http_request req;
		char *u;
		static const enum step_kind maybe_done[] = { STEP_REPLY, STEP_RESET };
		int k;

		for (k = 0; k < 2; k++) {
			if (maybe_done[k] == STEP_REPLY)
				script(STEP_REPLY, reply("502 Bad Gateway", NULL, "lost"), 0);
			else
				script(STEP_RESET, NULL, 0);
			script(STEP_REPLY, reply("201 Created", NULL, "{}"), 0);
			http_request_init(&req, "POST", u = url("/comments"));
			req.not_idempotent = 1;
			strbuf_addstr(&req.body, "{}");
			r_ = http_do(c, &req, &resp);
			ok(k == 0 ? r_ == 0 && resp.status == 502 : r_ == BOT_ETRANSIENT,
			   "not idempotent, a %s: the failure is the answer", k == 0 ? "502" : "reset");
			is_int(requests_seen(), 1, "not idempotent, a %s: one request", k == 0 ? "502" : "reset");
			http_request_release(&req);
			free(u);
			script_reset();
		}
		clock_reset();
		script(STEP_REPLY, reply("429 Too Many Requests", "Retry-After: 1\r\n", "{}"), 0);
		script(STEP_REPLY, reply("201 Created", NULL, "{}"), 0);
		http_request_init(&req, "POST", u = url("/comments"));
		req.not_idempotent = 1;
		ok(http_do(c, &req, &resp) == 0 && resp.status == 201 && requests_seen() == 2,
		   "not idempotent, a 429 (surely not done): asked again");
		http_request_release(&req);
		free(u);
		script_reset();
	}

	for (i = 0; i < (int)ARRAY_SIZE(statuses); i++) {
		char status[32];
		snprintf(status, sizeof(status), "%d Nope", statuses[i]);
		clock_reset();
		script(STEP_REPLY, reply(status, NULL, "{\"message\":\"no\"}"), 0);
		script(STEP_REPLY, reply("200 OK", NULL, "should not be asked"), 0);
		ok(fetch(c, "GET", "/client-error", &resp) == 0 && resp.status == statuses[i] &&
		   requests_seen() == 1 && clk.sleeps_nr == 0,
		   "%d is not retried", statuses[i]);
		script_reset();
	}

	clock_reset();
	script(STEP_REPLY, reply("408 Request Timeout", NULL, ""), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/408", &resp) == 0 && resp.status == 200, "408 is retried");
	script_reset();

	/* Transport failures. */
	clock_reset();
	script(STEP_RESET, NULL, 0);
	script(STEP_REPLY, reply("200 OK", NULL, "after reset"), 0);
	ok(fetch(c, "GET", "/reset", &resp) == 0 && resp.status == 200, "a connection reset is retried");
	is_str(resp.body.buf, "after reset", "and the body is the second one");
	script_reset();

	clock_reset();
	script(STEP_REPLY, xstrdup("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\npartial"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "complete"), 0);
	ok(fetch(c, "GET", "/truncated", &resp) == 0 && resp.status == 200, "a truncated body is retried");
	is_str(resp.body.buf, "complete", "the partial body is not kept");
	script_reset();

	clock_reset();
	for (i = 0; i < 6; i++)
		script(STEP_RESET, NULL, 0);
	ok(fetch(c, "GET", "/always-reset", &resp) == BOT_ETRANSIENT, "resets to the end: BOT_ETRANSIENT");
	is_int(requests_seen(), 4, "after max_attempts attempts");
	script_reset();

	/* Nothing listens: connection refused is retried, then fails. */
	{
		struct http_request req;
		http_request_init(&req, "GET", "http://127.0.0.1:1/refused");
		clock_reset();
		ok(http_do(c, &req, &resp) == BOT_ETRANSIENT && resp.attempts == 4,
		   "connection refused: retried, then BOT_ETRANSIENT");
		http_request_release(&req);
	}

	http_response_release(&resp);
	http_client_free(c);
}

static void test_rate_limits(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_response resp;
	struct strbuf h = STRBUF_INIT;
	char date[64];
	time_t t;
	struct tm tm;

	clock_reset();
	o.max_wait_ms = 120000;
	c = fake_client(&o);
	http_response_init(&resp);

	script(STEP_REPLY, reply("429 Too Many Requests", "Retry-After: 7\r\n", ""), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/429", &resp) == 0 && resp.status == 200, "429 with Retry-After: retried");
	ok(clk.sleeps_nr == 1 && clk.sleeps[0] == 7000, "waited exactly Retry-After (%ld ms)", clk.sleeps[0]);
	script_reset();

	clock_reset();
	t = (time_t)(clk.now / 1000) + 5;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	strbuf_addf(&h, "Retry-After: %s\r\n", date);
	script(STEP_REPLY, reply("503 Service Unavailable", h.buf, ""), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/503-date", &resp) == 0 && resp.status == 200, "503 with an HTTP-date Retry-After");
	ok(clk.sleeps_nr == 1 && clk.sleeps[0] == 5000, "waited until that date (%ld ms)", clk.sleeps[0]);
	script_reset();

	/* Primary limit: x-ratelimit-remaining 0, wait until reset (+1 s of slack). */
	clock_reset();
	strbuf_reset(&h);
	strbuf_addf(&h, "x-ratelimit-limit: 5000\r\nx-ratelimit-remaining: 0\r\nx-ratelimit-reset: %lld\r\n",
		    (long long)(clk.now / 1000 + 30));
	script(STEP_REPLY, reply("403 Forbidden", h.buf,
				 "{\"message\":\"API rate limit exceeded for installation ID 1.\"}"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/primary", &resp) == 0 && resp.status == 200, "primary rate limit: waited, then ok");
	ok(clk.sleeps_nr == 1 && clk.sleeps[0] == 31000, "until x-ratelimit-reset (%ld ms)", clk.sleeps[0]);
	script_reset();

	clock_reset();
	strbuf_reset(&h);
	strbuf_addf(&h, "x-ratelimit-remaining: 0\r\nx-ratelimit-reset: %lld\r\n",
		    (long long)(clk.now / 1000 + 3600));
	script(STEP_REPLY, reply("429 Too Many Requests", h.buf, "{}"), 0);
	ok(fetch(c, "GET", "/primary-long", &resp) == BOT_ERATELIMIT,
	   "a reset an hour away fails with BOT_ERATELIMIT");
	ok(clk.sleeps_nr == 0 && requests_seen() == 1, "without sleeping or asking again");
	like(bot_error_last(), "rate limited", "the message says why");
	script_reset();

	/* The reset may have any number of digits: an 11-digit epoch is far in the future. */
	clock_reset();
	script(STEP_REPLY, reply("403 Forbidden", "x-ratelimit-remaining: 0\r\nx-ratelimit-reset: 17900000000\r\n",
				 "{}"), 0);
	ok(fetch(c, "GET", "/primary-11", &resp) == BOT_ERATELIMIT && clk.sleeps_nr == 0,
	   "an 11-digit reset is read as a number, not truncated");
	script_reset();
	clock_reset();
	script(STEP_REPLY, reply("200 OK", NULL, "not asked"), 0);
	ok(fetch(c, "GET", "/blocked", &resp) == BOT_ERATELIMIT && requests_seen() == 0,
	   "the host stays blocked: the next call fails without a request");
	script_reset();
	/* A new client: the host state above is the old client's. */
	http_client_free(c);
	c = fake_client(&o);

	/* A 200 that spends the limit delays the next request to that host. */
	clock_reset();
	strbuf_reset(&h);
	strbuf_addf(&h, "x-ratelimit-remaining: 0\r\nx-ratelimit-reset: %lld\r\n",
		    (long long)(clk.now / 1000 + 20));
	script(STEP_REPLY, reply("200 OK", h.buf, "last one"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "next"), 0);
	ok(fetch(c, "GET", "/spend", &resp) == 0 && fetch(c, "GET", "/after", &resp) == 0,
	   "a spent limit on a 200 does not fail the call");
	ok(clk.sleeps_nr == 1 && clk.sleeps[0] == 20000, "the next request waits for the reset (%ld ms)",
	   clk.sleeps[0]);
	script_reset();

	/* Secondary limit: a 403 whose body says so, no headers: wait a minute. */
	clock_reset();
	script(STEP_REPLY, reply("403 Forbidden", NULL,
				 "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/secondary", &resp) == 0 && resp.status == 200, "secondary rate limit: retried");
	ok(clk.sleeps_nr == 1 && clk.sleeps[0] == 60000, "after one minute (%ld ms)", clk.sleeps[0]);
	script_reset();

	clock_reset();
	script(STEP_REPLY, reply("403 Forbidden", "Retry-After: 45\r\n",
				 "{\"message\":\"You have exceeded a secondary rate limit.\"}"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/secondary-ra", &resp) == 0 && clk.sleeps[0] == 45000,
	   "secondary limit with Retry-After waits that long");
	script_reset();

	http_client_free(c);

	/* A smaller max_wait makes the secondary limit fail fast. */
	clock_reset();
	o.max_wait_ms = 10000;
	c = fake_client(&o);
	script(STEP_REPLY, reply("403 Forbidden", NULL,
				 "{\"message\":\"You have exceeded a secondary rate limit.\"}"), 0);
	ok(fetch(c, "GET", "/secondary-fast", &resp) == BOT_ERATELIMIT && clk.sleeps_nr == 0 &&
	   requests_seen() == 1, "a wait above max_wait fails with BOT_ERATELIMIT at once");
	script_reset();
	http_client_free(c);

	/*
	 * A 503 whose Retry-After is past max_wait (maintenance for an hour):
	 * not asked again early, nor waited for; the 503 is the answer.
	 */
	clock_reset();
	c = fake_client(&o);
	script(STEP_REPLY, reply("503 Service Unavailable", "Retry-After: 3600\r\n", "maintenance"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "too early"), 0);
	ok(fetch(c, "GET", "/maintenance", &resp) == 0 && resp.status == 503,
	   "a 503 asking for a wait past max_wait is returned as it is");
	ok(clk.sleeps_nr == 0 && requests_seen() == 1, "without waiting or asking again (%d sleeps, %zu requests)",
	   clk.sleeps_nr, requests_seen());
	script_reset();
	http_client_free(c);

	/* The total time bound: Retry-After 3 s, total 5 s: two attempts, then give up. */
	clock_reset();
	o.max_wait_ms = 0;
	o.max_total_ms = 5000;
	o.max_attempts = 10;
	c = fake_client(&o);
	script(STEP_REPLY, reply("503 Service Unavailable", "Retry-After: 3\r\n", ""), 0);
	script(STEP_REPLY, reply("503 Service Unavailable", "Retry-After: 3\r\n", ""), 0);
	script(STEP_REPLY, reply("503 Service Unavailable", "Retry-After: 3\r\n", ""), 0);
	ok(fetch(c, "GET", "/total", &resp) == 0 && resp.status == 503, "gives up with the last response");
	ok(requests_seen() == 2 && clk.slept_total <= 5000, "within the total time bound (%zu requests, %ld ms)",
	   requests_seen(), clk.slept_total);
	script_reset();
	http_client_free(c);

	strbuf_release(&h);
	http_response_release(&resp);
}

static void test_caps_and_timeouts(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_response resp;
	struct http_request req;
	char *u;
	int64_t t0;
	long elapsed;

	clock_reset();
	o.max_body = 64;
	o.max_attempts = 2;
	c = fake_client(&o);
	http_response_init(&resp);

	script(STEP_REPLY, reply("200 OK", NULL,
				 "0123456789012345678901234567890123456789012345678901234567890123456789"), 0);
	ok(fetch(c, "GET", "/big", &resp) == BOT_ETOOBIG, "a body over the cap: BOT_ETOOBIG");
	is_int(requests_seen(), 1, "not retried");
	script_reset();

	script(STEP_REPLY, reply("200 OK", NULL, "0123456789012345678901234567890123456789012345678901234567890123"), 0);
	ok(fetch(c, "GET", "/exact", &resp) == 0 && resp.body.len == 64, "a body exactly at the cap passes");
	script_reset();

	u = url("/big-allowed");
	http_request_init(&req, "GET", u);
	req.max_body = 1000;
	script(STEP_REPLY, reply("200 OK", NULL,
				 "0123456789012345678901234567890123456789012345678901234567890123456789"), 0);
	ok(http_do(c, &req, &resp) == 0 && resp.body.len == 70, "the cap is overridable per request");
	http_request_release(&req);
	free(u);
	script_reset();

	/* A slow body: headers at once, the body after 1.5 s; the request allows 300 ms. */
	u = url("/slow");
	http_request_init(&req, "GET", u);
	req.timeout_ms = 300;
	script(STEP_SLOW, reply("200 OK", NULL, "late"), 1500);
	script(STEP_SLOW, reply("200 OK", NULL, "late"), 1500);
	t0 = time_monotonic_ms();
	ok(http_do(c, &req, &resp) == BOT_ETIMEOUT, "a slow body times out: BOT_ETIMEOUT");
	elapsed = (long)(time_monotonic_ms() - t0);
	is_int(resp.attempts, 2, "after max_attempts attempts");
	ok(elapsed < 1400, "within the attempt timeouts (%ld ms)", elapsed);
	http_request_release(&req);
	free(u);
	script_reset();

	/* A slow body that arrives in time is fine. */
	u = url("/slow-ok");
	http_request_init(&req, "GET", u);
	req.timeout_ms = 3000;
	script(STEP_SLOW, reply("200 OK", NULL, "in time"), 200);
	ok(http_do(c, &req, &resp) == 0 && !strcmp(resp.body.buf, "in time"), "a slow body within the timeout");
	http_request_release(&req);
	free(u);
	script_reset();

	{
		struct http_request bad;
		http_request_init(&bad, "GET", "ftp://127.0.0.1/x");
		ok(http_do(c, &bad, &resp) == BOT_EINVALID, "a non-HTTP URL is refused");
		http_request_release(&bad);
	}

	http_response_release(&resp);
	http_client_free(c);
}

static void test_etag(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_response resp;
	struct http_stats st;

	clock_reset();
	c = fake_client(&o);
	http_response_init(&resp);
	script(STEP_REPLY, reply("200 OK", "ETag: W/\"abc123\"\r\nLink: <x>; rel=\"next\"\r\n", "[1,2,3]"), 0);
	script(STEP_REPLY, reply("304 Not Modified", "ETag: W/\"abc123\"\r\nx-ratelimit-remaining: 4999\r\n", ""), 0);
	ok(fetch(c, "GET", "/etag", &resp) == 0 && resp.status == 200 && !resp.from_cache, "first GET");
	ok(fetch(c, "GET", "/etag", &resp) == 0, "second GET");
	like(srv.requests[1].buf, "If-None-Match: W/\"abc123\"\r\n", "sends If-None-Match");
	ok(!strstr(srv.requests[0].buf, "If-None-Match"), "but not the first time");
	is_int(resp.status, 200, "a 304 is answered as the cached 200");
	is_str(resp.body.buf, "[1,2,3]", "with the cached body");
	ok(resp.from_cache, "marked as from the cache");
	is_str(http_response_header(&resp, "Link"), "<x>; rel=\"next\"", "and the cached headers");
	is_str(http_response_header(&resp, "x-ratelimit-remaining"), "4999", "updated by the 304's");
	http_client_stats(c, &st);
	is_int(st.cache_hits, 1, "a cache hit is counted");
	script_reset();
	http_response_release(&resp);
	http_client_free(c);
}

static void test_parallel(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_request reqs[6];
	struct http_response resps[6];
	int results[6], i, good = 1;

	/* Let the slow replies of the timeout tests drain, so that they are not counted. */
	for (i = 0; i < 100 && srv.active; i++)
		time_sleep_ms(50);
	script_reset();
	clock_reset();
	o.per_host = 2;
	c = fake_client(&o);
	free(srv.fallback.raw);
	srv.fallback.raw = reply("200 OK", NULL, "parallel");
	srv.fallback.delay_ms = 150;
	for (i = 0; i < 6; i++) {
		char *u = url(i == 3 ? "/missing" : "/p");
		http_request_init(&reqs[i], "GET", u);
		reqs[i].no_cache = 1;
		http_response_init(&resps[i]);
		free(u);
	}
	srv.missing.kind = STEP_REPLY;
	srv.missing.raw = reply("404 Not Found", NULL, "{}");
	srv.missing.delay_ms = 150;
	ok(http_run_all(c, reqs, resps, results, 6) == 0, "six requests in parallel");
	for (i = 0; i < 6; i++)
		good &= results[i] == 0 && resps[i].status == (i == 3 ? 404 : 200);
	ok(good, "each with its own response");
	is_int(srv.max_active, 2, "at most per_host=2 at a time, and really two");
	for (i = 0; i < 6; i++) {
		http_request_release(&reqs[i]);
		http_response_release(&resps[i]);
	}
	script_defaults();
	http_client_free(c);
}

/* What http_run_each()'s done() saw: the order of the hand-overs and, at each, the server still busy. */
struct each_log {
	int order[8], calls[8], active_then[8], nr;
	int stop_on; /* the request whose hand-over stops the rest, -1: none */
	struct http_response *resps;
	int *results;
	int failed_with_message;
};

static int each_done(void *ctx, size_t i)
{
	struct each_log *l = ctx;

	pthread_mutex_lock(&srv.lock);
	l->active_then[l->nr] = srv.active;
	pthread_mutex_unlock(&srv.lock);
	l->order[l->nr++] = (int)i;
	l->calls[i]++;
	if (l->results[i] < 0)
		l->failed_with_message += l->resps[i].error.len > 0;
	/* The body is the caller's from here: read and freed before the others end. */
	strbuf_release(&l->resps[i].body);
	if ((int)i == l->stop_on)
		return bot_error(BOT_EINVALID, "answer %zu is not what was asked", i);
	return 0;
}

/* Three requests: 0 and 2 slow, 1 (GET /missing) fast; n of them, the third refused when refused is set. */
static int run_each(struct each_log *l, int stop_on, int refused)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_request reqs[3];
	struct http_response resps[3];
	int results[3], i, ret;

	for (i = 0; i < 100 && srv.active; i++)
		time_sleep_ms(50);
	script_reset();
	clock_reset();
	c = fake_client(&o);
	memset(l, 0, sizeof(*l));
	l->stop_on = stop_on;
	l->resps = resps;
	l->results = results;
	for (i = 0; i < 3; i++) {
		char *u = i == 2 && refused ? xstrdup("http://127.0.0.1:1/refused") : url(i == 1 ? "/missing" : "/slow");
		http_request_init(&reqs[i], "GET", u);
		reqs[i].no_cache = 1;
		http_response_init(&resps[i]);
		free(u);
	}
	ret = http_run_each(c, reqs, resps, results, 3, each_done, l);
	for (i = 0; i < 3; i++) {
		http_request_release(&reqs[i]);
		http_response_release(&resps[i]);
	}
	http_client_free(c);
	return ret;
}

static void test_run_each(void)
{
	struct each_log l;
	int ret;

	free(srv.fallback.raw);
	srv.fallback.raw = reply("200 OK", NULL, "slow");
	srv.fallback.delay_ms = 600;
	srv.missing.kind = STEP_REPLY;
	srv.missing.raw = reply("404 Not Found", NULL, "{}");
	srv.missing.delay_ms = 0;

	ret = run_each(&l, -1, 0);
	is_int(ret, 0, "http_run_each: three requests");
	ok(l.nr == 3 && l.calls[0] == 1 && l.calls[1] == 1 && l.calls[2] == 1, "  each handed over once");
	is_int(l.order[0], 1, "  the fast answer first");
	ok(l.active_then[0] >= 1, "  while the slow ones were still being answered");

	ret = run_each(&l, 1, 0);
	is_int(ret, BOT_EINVALID, "done() stopping: its code is the result");
	like(bot_error_last(), "answer 1 is not what was asked", "  and its message the last error");
	ok(l.nr == 1 && l.order[0] == 1, "  the others never handed over");
	ok(srv.active >= 1, "  nor waited for (the server is still answering them)");

	ret = run_each(&l, -1, 1);
	is_int(ret, BOT_ETRANSIENT, "a request that fails: the first error is the result");
	ok(l.nr == 3 && l.calls[2] == 1 && l.failed_with_message == 1, "  handed over too, with why");

	script_defaults();
}

static void test_secrets_not_logged(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_response resp;
	struct http_request req;
	const char *token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
	struct strbuf log = STRBUF_INIT;
	FILE *f;
	char *u;

	clock_reset();
	f = log_capture_start();
	log_set_level(LOG_DEBUG);
	c = fake_client(&o);
	http_response_init(&resp);
	u = url("/secret?access_token=qwerty-query-secret&page=2");
	http_request_init(&req, "GET", u);
	http_request_header(&req, "Authorization", "Bearer %s", token);
	http_request_header(&req, "Project-Access-Token", "railway-project-token-42");
	script(STEP_REPLY, reply("503 Service Unavailable", NULL, ""), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(http_do(c, &req, &resp) == 0 && resp.status == 200, "a request with credentials");
	like(srv.requests[0].buf, token, "the token is sent to the server");
	http_request_release(&req);
	free(u);

	{
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "http://user:hunter2-password@127.0.0.1:%d/x", srv.port);
		http_request_init(&req, "GET", sb.buf);
		strbuf_release(&sb);
	}
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	http_do(c, &req, &resp);
	http_request_release(&req);

	log_capture_end(f, &log);
	log_set_level(LOG_WARNING);
	like(log.buf, "http: > GET", "the debug log has the requests");
	like(log.buf, "Authorization: ***", "the Authorization header is shown masked");
	like(log.buf, "retrying", "and the retry");
	ok(!strstr(log.buf, token) && !strstr(log.buf, "16C7e42F"), "the token never appears");
	ok(!strstr(log.buf, "railway-project-token-42"), "nor the Project-Access-Token");
	ok(!strstr(log.buf, "qwerty-query-secret"), "nor a token in the query string");
	ok(!strstr(log.buf, "hunter2-password"), "nor a password in the URL");
	script_reset();
	strbuf_release(&log);
	http_response_release(&resp);
	http_client_free(c);
}

/* Messages that say what happened (issue 9): what the server did, not what curl's code is named. */
static void test_messages(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_response resp;
	struct http_request req;
	struct strbuf h = STRBUF_INIT;
	char *u;
	int r;

	clock_reset();
	o.max_attempts = 2;
	o.max_wait_ms = 120000;
	o.backoff_base_ms = 500;
	c = fake_client(&o);
	http_response_init(&resp);

	/* A redirect to another host drops the credentials; a 401 there says so. */
	strbuf_addf(&h, "Location: http://localhost:%d/elsewhere\r\n", srv.port);
	script(STEP_REPLY, reply("302 Found", h.buf, ""), 0);
	script(STEP_REPLY, reply("401 Unauthorized", NULL, "{\"message\":\"Not Authorized\"}"), 0);
	http_request_init(&req, "GET", u = url("/moved-api"));
	http_request_header(&req, "Authorization", "Bearer msg-secret-1");
	ok(http_do(c, &req, &resp) == 0 && resp.status == 401, "a redirect to another host, then 401");
	ok(resp.credentials_dropped, "the response says the credentials were dropped");
	is_int(http_status_error(&resp, "get api"), BOT_EAUTH, "401 -> BOT_EAUTH");
	like(bot_error_last(), "get api: HTTP 401: Not Authorized", "the message has the status and reason");
	like(bot_error_last(), "redirected to http://localhost:", "and names where it was redirected");
	like(bot_error_last(), "another host: the redirect dropped the credentials)",
	     "and that the redirect dropped the credentials");
	http_request_release(&req);
	free(u);
	script_reset();

	/* The same host: nothing was dropped, nothing said. */
	script(STEP_REPLY, reply("302 Found", "Location: /here\r\n", ""), 0);
	script(STEP_REPLY, reply("401 Unauthorized", NULL, "{\"message\":\"Not Authorized\"}"), 0);
	http_request_init(&req, "GET", u = url("/same"));
	http_request_header(&req, "Authorization", "Bearer msg-secret-1");
	ok(http_do(c, &req, &resp) == 0 && resp.status == 401 && !resp.credentials_dropped &&
	   http_status_error(&resp, "get api") == BOT_EAUTH && !strstr(bot_error_last(), "redirect"),
	   "a redirect on the same host keeps the credentials and the message says nothing of it");
	http_request_release(&req);
	free(u);
	script_reset();

	/* A request without credentials loses none: a cross-host redirect is not worth a word. */
	strbuf_reset(&h);
	strbuf_addf(&h, "Location: http://localhost:%d/elsewhere\r\n", srv.port);
	script(STEP_REPLY, reply("302 Found", h.buf, ""), 0);
	script(STEP_REPLY, reply("401 Unauthorized", NULL, ""), 0);
	ok(fetch(c, "GET", "/anonymous", &resp) == 0 && resp.status == 401 && !resp.credentials_dropped,
	   "no credential header: none dropped");
	script_reset();

	/* A status line that is not HTTP is not "bad URL". */
	script(STEP_REPLY, xstrdup("garbage that is no status line\r\n\r\n"), 0);
	script(STEP_REPLY, xstrdup("garbage that is no status line\r\n\r\n"), 0);
	r = fetch(c, "GET", "/garbage", &resp);
	ok(r < 0, "a garbage status line fails (%d)", r);
	ok(!strstr(bot_error_last(), "bad URL") && !strstr(bot_error_last(), "Unsupported protocol"),
	   "not as a bad URL: '%s'", bot_error_last());
	like(bot_error_last(), "not an HTTP response", "it says the answer was not HTTP");
	script_reset();

	script(STEP_REPLY, xstrdup("HTTP/1.1 abc what\r\nContent-Length: 0\r\n\r\n"), 0);
	script(STEP_REPLY, xstrdup("HTTP/1.1 abc what\r\nContent-Length: 0\r\n\r\n"), 0);
	r = fetch(c, "GET", "/bad-status", &resp);
	ok(r < 0 && !strstr(bot_error_last(), "bad URL"), "a status line without a number: '%s'",
	   bot_error_last());
	script_reset();

	{
		struct http_request bad;
		http_request_init(&bad, "GET", "ftp://127.0.0.1/x");
		ok(http_do(c, &bad, &resp) == BOT_EINVALID && strstr(bot_error_last(), "bad URL"),
		   "a URL that is not http(s) is still a bad URL: '%s'", bot_error_last());
		http_request_release(&bad);
	}

	/* An oversized header is not "Out of memory". */
	{
		struct strbuf big = STRBUF_INIT;
		size_t i;

		strbuf_addstr(&big, "X-Huge: ");
		for (i = 0; i < 200 * 1024; i++)
			strbuf_addch(&big, 'a');
		strbuf_addstr(&big, "\r\n");
		script(STEP_REPLY, reply("200 OK", big.buf, "ok"), 0);
		script(STEP_REPLY, reply("200 OK", big.buf, "ok"), 0);
		r = fetch(c, "GET", "/huge-header", &resp);
		ok(r == BOT_ETOOBIG, "a 200 KB header fails with BOT_ETOOBIG (%d)", r);
		ok(!strcasestr(bot_error_last(), "out of memory"), "not 'out of memory': '%s'", bot_error_last());
		like(bot_error_last(), "header", "it says a header was too large");
		is_int(requests_seen(), 1, "and does not ask again");
		strbuf_release(&big);
		script_reset();
	}

	/* A Retry-After that overflows is longer than any wait allowed. */
	clock_reset();
	script(STEP_REPLY, reply("429 Too Many Requests", "Retry-After: 99999999999999999999999\r\n", ""), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "too early"), 0);
	ok(fetch(c, "GET", "/ra-overflow", &resp) == BOT_ERATELIMIT && clk.sleeps_nr == 0 &&
	   requests_seen() == 1, "429, Retry-After past 64 bits: BOT_ERATELIMIT at once, no wait, no retry");
	like(bot_error_last(), "longer than the 120 s allowed", "as a wait longer than allowed");
	script_reset();

	clock_reset();
	script(STEP_REPLY, reply("503 Service Unavailable", "Retry-After: 99999999999999999999999\r\n", "m"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "too early"), 0);
	ok(fetch(c, "GET", "/ra-overflow-503", &resp) == 0 && resp.status == 503 && requests_seen() == 1 &&
	   clk.sleeps_nr == 0, "503, Retry-After past 64 bits: the 503 is the answer, as for a long wait");
	script_reset();

	/* A negative Retry-After is no Retry-After: a plain 429, retried after the backoff. */
	clock_reset();
	script(STEP_REPLY, reply("429 Too Many Requests", "Retry-After: -5\r\n", ""), 0);
	script(STEP_REPLY, reply("429 Too Many Requests", "Retry-After: -5\r\n", ""), 0);
	r = fetch(c, "GET", "/ra-negative", &resp);
	ok(r == 0 && resp.status == 429 && requests_seen() == 2,
	   "429 with Retry-After -5 twice: retried, then the 429 itself (%d, %ld)", r, resp.status);
	script_reset();
	clock_reset();
	script(STEP_REPLY, reply("503 Service Unavailable", "Retry-After: -5\r\n", ""), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/ra-negative-503", &resp) == 0 && resp.status == 200 && waited_backoff(o.backoff_base_ms),
	   "503 with Retry-After -5: retried after the backoff");
	script_reset();

	/* One attempt is "1 attempt". */
	script(STEP_RESET, NULL, 0);
	http_request_init(&req, "GET", u = url("/once"));
	req.no_retry = 1;
	ok(http_do(c, &req, &resp) == BOT_ETRANSIENT && strstr(bot_error_last(), "(after 1 attempt)"),
	   "a single attempt says '(after 1 attempt)': '%s'", bot_error_last());
	http_request_release(&req);
	free(u);
	script_reset();

	/* A plain 429, no Retry-After, no rate-limit headers: retried. */
	clock_reset();
	script(STEP_REPLY, reply("429 Too Many Requests", NULL, "{}"), 0);
	script(STEP_REPLY, reply("200 OK", NULL, "ok"), 0);
	ok(fetch(c, "GET", "/429-plain", &resp) == 0 && resp.status == 200 && requests_seen() == 2,
	   "a plain 429 without Retry-After is retried");
	ok(waited_backoff(o.backoff_base_ms), "after one wait (the backoff)");
	script_reset();

	strbuf_release(&h);
	http_response_release(&resp);
	http_client_free(c);
}

/* http_retry_*: the same bounds and backoff for work outside the layer (git's clone and push). */
static void test_retry_helper(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_retry r;
	int n = 0, i, within = 1;

	clock_reset();
	c = fake_client(&o);
	http_retry_init(&r, c);
	ok(r.attempt == 1 && r.max_attempts == 4, "the default client's 4 attempts");
	while (http_retry_next(&r, "git: cloning 'x'", "unexpected http status code: 502"))
		n++;
	ok(n == 3 && r.attempt == 4 && clk.sleeps_nr == 3, "3 retries, then given up (%d)", n);
	for (i = 0; i < clk.sleeps_nr; i++)
		within &= clk.sleeps[i] >= 0 && clk.sleeps[i] <= 500L << i;
	ok(within, "each wait within 500 ms x 2^n (%ld, %ld, %ld)", clk.sleeps[0], clk.sleeps[1], clk.sleeps[2]);
	http_client_free(c);

	clock_reset();
	o.max_total_ms = 1000;
	o.backoff_base_ms = 2000;
	c = fake_client(&o);
	http_retry_init(&r, c);
	clk.now += 1000;
	ok(!http_retry_next(&r, "git: pushing 'b'", "unexpected EOF") && clk.sleeps_nr == 0 && r.attempt == 1,
	   "no retry past max_total_ms");
	http_client_free(c);

	ok(http_status_transient(502) && http_status_transient(429) && http_status_transient(408) &&
	   !http_status_transient(404) && !http_status_transient(403) && !http_status_transient(501),
	   "transient statuses: 408, 429, 500, 502, 503, 504; not 403, 404, 501");
}

int main(void)
{
	if (server_start() < 0)
		skip_all("cannot listen on 127.0.0.1");
	/* The retry notices (info) would clutter prove's output; the secrets test reads them. */
	log_set_level(LOG_WARNING);
	test_basics();
	test_retries();
	test_rate_limits();
	test_caps_and_timeouts();
	test_etag();
	test_parallel();
	test_run_each();
	test_secrets_not_logged();
	test_messages();
	test_retry_helper();
	server_stop();
	return done_testing();
}
