/*
 * http_stream_*: a response body read as it arrives. A thread on
 * 127.0.0.1 (a free port) answers one connection at a time with a
 * scripted list of pieces, each after a delay, then closes or holds the
 * connection; the test checks what arrives when, and the bounds: the
 * request's time limit (and not the client's max_total_ms), the unread
 * bytes' cap, an answer that is not 2xx, no compression asked for.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "http.h"
#include "util/error.h"
#include "util/timeutil.h"

struct piece {
	long delay_ms;
	const char *bytes;
};

static struct {
	int fd, port;
	const struct piece *pieces;
	long hold_ms;              /* after the pieces, before closing */
	struct strbuf request;
	pthread_t thread;
} srv;

static void *serve(void *arg)
{
	char buf[4096];
	size_t i;
	int fd;

	(void)arg;
	fd = accept(srv.fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;
		if (poll(&p, 1, 5000) <= 0 || (r = recv(fd, buf, sizeof(buf), 0)) <= 0)
			break;
		strbuf_add(&srv.request, buf, (size_t)r);
		if (strstr(srv.request.buf, "\r\n\r\n"))
			break;
	}
	for (i = 0; srv.pieces[i].bytes; i++) {
		time_sleep_ms(srv.pieces[i].delay_ms);
		if (send(fd, srv.pieces[i].bytes, strlen(srv.pieces[i].bytes), MSG_NOSIGNAL) < 0)
			break;
	}
	time_sleep_ms(srv.hold_ms);
	close(fd);
	return NULL;
}

static void serve_once(const struct piece *pieces, long hold_ms)
{
	srv.pieces = pieces;
	srv.hold_ms = hold_ms;
	strbuf_reset(&srv.request);
	pthread_create(&srv.thread, NULL, serve, NULL);
}

static int listen_loopback(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(srv.fd, 4) < 0)
		return -1;
	getsockname(srv.fd, (struct sockaddr *)&a, &len);
	srv.port = ntohs(a.sin_port);
	return 0;
}

#define SSE_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"

int main(void)
{
	static const struct piece events[] = {
		{ 0, SSE_HEAD },
		{ 300, "6\r\ndata: \r\n" },
		{ 300, "4\r\none\n\r\n" },
		{ 300, "0\r\n\r\n" },
		{ 0, NULL },
	};
	static const struct piece refused[] = {
		{ 0, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\nContent-Length: 12\r\n\r\n" },
		{ 100, "Unauthorized" },
		{ 0, NULL },
	};
	static const struct piece quiet[] = { { 0, SSE_HEAD }, { 0, NULL } };
	static const struct piece flood[] = {
		{ 0, SSE_HEAD },
		{ 0, "200\r\n" "data: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
		     "data: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
		     "data: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
		     "data: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
		     "data: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
		     "\r\n" },
		{ 0, NULL },
	};
	struct http_options opts = HTTP_OPTIONS_INIT;
	struct http_client *c;
	struct http_request req;
	struct http_response resp;
	struct http_stream *s = NULL;
	struct strbuf url = STRBUF_INIT, got = STRBUF_INIT;
	int64_t t0, t_open;
	int r, reads = 0;

	strbuf_init(&srv.request, 0);
	if (listen_loopback() < 0)
		skip_all("cannot listen on 127.0.0.1");
	/* Shorter than the stream: a stream is bounded by its own timeout, not by the retry budget. */
	opts.max_total_ms = 200;
	c = http_client_new(&opts);
	strbuf_addf(&url, "http://127.0.0.1:%d/event", srv.port);

	/* 1. Headers first, then the body piece by piece as it comes, then the end. */
	serve_once(events, 0);
	http_request_init(&req, "GET", url.buf);
	http_request_header(&req, "Accept", "text/event-stream");
	req.timeout_ms = 5000;
	http_response_init(&resp);
	t0 = time_monotonic_ms();
	is_int(http_stream_open(&s, c, &req, &resp), 0, "a stream opens");
	t_open = time_monotonic_ms() - t0;
	ok(resp.status == 200 && t_open < 250 * test_time_factor(), "as soon as its headers are in (%lld ms), with the status",
	   (long long)t_open);
	ok(http_response_header(&resp, "Content-Type") != NULL, "and the headers");
	while ((r = http_stream_read(s, &got, 2000)) > 0)
		reads++;
	is_int(r, 0, "the stream ends when the server ends it");
	is_str(got.buf, "data: one\n", "all of the body arrived, in order");
	ok(reads >= 2, "in more than one read (%d)", reads);
	ok(time_monotonic_ms() - t0 >= 800, "over the time the server took, past the client's max_total_ms");
	ok(!strcasestr(srv.request.buf, "Accept-Encoding"), "no compression asked for: it would hold events back");
	pthread_join(srv.thread, NULL);
	http_stream_free(s);
	http_response_release(&resp);
	http_request_release(&req);
	strbuf_reset(&got);

	/* 2. An answer that is not 2xx is read whole, for the error message. */
	serve_once(refused, 0);
	http_request_init(&req, "GET", url.buf);
	http_response_init(&resp);
	is_int(http_stream_open(&s, c, &req, &resp), 0, "a refusal is a response");
	ok(resp.status == 401 && !strcmp(resp.body.buf, "Unauthorized"), "its status and whole body are there");
	is_int(http_stream_read(s, &got, 100), 0, "and the stream is at its end");
	is_int(http_status_error(&resp, "events"), BOT_EAUTH, "http_status_error reads it as usual");
	pthread_join(srv.thread, NULL);
	http_stream_free(s);
	http_response_release(&resp);
	http_request_release(&req);

	/* 3. A server that goes quiet: the request's time limit ends the stream. */
	serve_once(quiet, 3000);
	http_request_init(&req, "GET", url.buf);
	req.timeout_ms = 600;
	http_response_init(&resp);
	t0 = time_monotonic_ms();
	is_int(http_stream_open(&s, c, &req, &resp), 0, "a quiet stream opens");
	is_int(http_stream_read(s, &got, 100), 1, "a read that finds nothing says the stream goes on");
	while ((r = http_stream_read(s, &got, 1000)) > 0)
		;
	is_int(r, BOT_ETIMEOUT, "the request's timeout ends it: %s", bot_error_last());
	ok(time_monotonic_ms() - t0 < 2000, "at its limit, not the server's");
	http_stream_free(s);
	http_response_release(&resp);
	http_request_release(&req);
	pthread_join(srv.thread, NULL);

	/* 4. More unread than max_body: BOT_ETOOBIG, not a growing buffer. */
	serve_once(flood, 500);
	http_request_init(&req, "GET", url.buf);
	req.max_body = 100;
	req.timeout_ms = 5000;
	http_response_init(&resp);
	is_int(http_stream_open(&s, c, &req, &resp), 0, "a flooding stream opens");
	while (s && (r = http_stream_read(s, &got, 1000)) > 0)
		;
	is_int(r, BOT_ETOOBIG, "past the cap of unread bytes it fails: %s", bot_error_last());
	http_stream_free(s);
	http_response_release(&resp);
	http_request_release(&req);
	pthread_join(srv.thread, NULL);

	/* 5. Nobody listening: no stream, an error. */
	close(srv.fd);
	http_request_init(&req, "GET", url.buf);
	http_response_init(&resp);
	r = http_stream_open(&s, c, &req, &resp);
	ok(r < 0 && s == NULL, "a refused connection is an error, and no stream (%s)", bot_error_last());
	http_response_release(&resp);
	http_request_release(&req);

	http_client_free(c);
	strbuf_release(&url);
	strbuf_release(&got);
	strbuf_release(&srv.request);
	return done_testing();
}
