/*
 * Log lines to patterns and failing requests to groups: what varies is
 * replaced, what identifies the problem stays, grouping counts and orders.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "investigate/logpatterns.h"
#include "util/strbuf.h"

static const char *norm(struct strbuf *sb, const char *line)
{
	strbuf_reset(sb);
	log_pattern_normalise(sb, line);
	return sb->buf;
}

static const char *path(struct strbuf *sb, const char *p)
{
	strbuf_reset(sb);
	http_path_normalise(sb, p);
	return sb->buf;
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
	struct log_patterns lp = LOG_PATTERNS_INIT;
	struct http_error_groups g = HTTP_ERROR_GROUPS_INIT;
	size_t written;
	int i;

	is_str(norm(&sb, "2026-11-28T09:41:00.123Z ERROR payment 4411 failed after 1203 ms"),
	       "<time> ERROR payment <n> failed after <n> ms", "ISO timestamps and numbers");
	is_str(norm(&sb, "[2026-11-28 09:41:00,123] WARN pool: 10/10 connections busy"),
	       "[<time>] WARN pool: <n>/<n> connections busy", "a space-separated timestamp with a comma");
	is_str(norm(&sb, "09:41:00 request 6f1c2a9b-77e0-4d0e-8c1e-5b7a9d3e2f10 from 10.0.3.17:52110"),
	       "<time> request <uuid> from <ip>", "a time of day, a UUID and an address with its port");
	is_str(norm(&sb, "    at Object.<anonymous> (/app/src/server.js:42:13)"),
	       "at Object.<anonymous> (/app/src/server.js:<n>)", "file:line:col keeps the file");
	is_str(norm(&sb, "TypeError: Cannot read properties of undefined (reading 'id')"),
	       "TypeError: Cannot read properties of undefined (reading '<str>')", "a quoted string");
	is_str(norm(&sb, "user=\"alice\" commit 3f9a2c1d5e7b object 0x7ffd5e3a ok"),
	       "user=\"<str>\" commit <hex> object <hex> ok", "hex ids and 0x addresses");
	is_str(norm(&sb, "GET /v2/users 500 http2 s3 utf8"), "GET /v2/users <n> http2 s3 utf8",
	       "digits inside words stay (v2, http2, s3)");
	is_str(norm(&sb, "  many    spaces\there  "), "many spaces here", "runs of white space collapse");
	is_str(norm(&sb, "it's a 'half quote"), "it's a 'half quote", "an unclosed quote is text");

	is_int(log_severity_of("error", "anything"), LOG_SEV_ERROR, "the source's severity word counts first");
	is_int(log_severity_of("warn", "ERROR in text"), LOG_SEV_WARNING, "even when the text says otherwise");
	is_int(log_severity_of(NULL, "Traceback (most recent call last):"), LOG_SEV_ERROR, "a traceback is an error");
	is_int(log_severity_of("", "level=warn msg=slow"), LOG_SEV_WARNING, "logfmt level=warn");
	is_int(log_severity_of(NULL, "listening on :8080"), LOG_SEV_OTHER, "the rest");

	for (i = 0; i < 30; i++) {
		char line[128];
		snprintf(line, sizeof(line), "2026-11-28T09:%02d:00Z connection to 10.0.0.%d:5432 timed out", i, i + 1);
		log_patterns_add(&lp, "error", line, 1795856400000LL + i * 60000LL);
	}
	for (i = 0; i < 50; i++)
		log_patterns_add(&lp, "info", "GET /health 200", 1795856400000LL + i * 1000);
	log_patterns_add(&lp, NULL, "WARN slow query took 2300 ms", 1795856500000LL);
	log_patterns_add(&lp, NULL, "WARN slow query took 4100 ms", 1795856400000LL);
	log_patterns_sort(&lp);
	is_int(lp.nr, 3, "82 lines, 3 patterns");
	is_int(lp.lines, 82, "every line counted");
	ok(lp.items[0].severity == LOG_SEV_ERROR && lp.items[0].count == 30, "errors first, with their count");
	ok(lp.items[0].first == 1795856400000LL && lp.items[0].last == 1795856400000LL + 29 * 60000LL,
	   "first and last seen");
	ok(lp.items[1].severity == LOG_SEV_WARNING && lp.items[1].count == 2 &&
	   lp.items[1].first == 1795856400000LL, "then warnings; first seen is the earliest, not the first added");
	ok(lp.items[2].count == 50, "the frequent info line last");
	like(lp.items[0].example, "10.0.0.1:5432", "the example is a real line");

	written = log_patterns_render(&out, &lp, 100000);
	is_int(written, 3, "rendered whole when it fits");
	like(out.buf, "[error] 30× 2026-11-28T09:00:00Z .. 2026-11-28T09:29:00Z: <time> connection to <ip> timed out\n",
	     "an entry: severity, count, first and last, pattern");
	like(out.buf, "    e.g. 2026-11-28T09:00:00Z connection to 10.0.0.1:5432 timed out\n", "and its example");
	strbuf_reset(&out);
	written = log_patterns_render(&out, &lp, 200);
	ok(written == 1 && out.len < 200 + 64, "a size bound keeps whole entries (%zu written, %zu bytes)", written, out.len);
	like(out.buf, "... 2 more patterns (52 lines) left out\n", "and says what it left out");
	strbuf_reset(&out);
	written = log_patterns_render(&out, &lp, 10);
	ok(written == 0 && strstr(out.buf, "3 more patterns (82 lines)"), "a bound smaller than one entry writes none");
	log_patterns_release(&lp);

	for (i = 0; i < LOG_PATTERNS_MAX + 5; i++) {
		char line[64];
		snprintf(line, sizeof(line), "distinct pattern word%c%c%c", 'a' + i % 26, 'a' + i / 26 % 26, 'a' + i / 676 % 26);
		log_patterns_add(&lp, NULL, line, 0);
	}
	ok(lp.nr == LOG_PATTERNS_MAX && lp.dropped == 5, "the pattern table is bounded; overflow is counted");
	log_patterns_release(&lp);

	is_str(path(&sb, "/users/42/orders?page=2"), "/users/:id/orders", "numbers in a path, the query dropped");
	is_str(path(&sb, "/files/6f1c2a9b-77e0-4d0e-8c1e-5b7a9d3e2f10/raw"), "/files/:id/raw", "UUIDs");
	is_str(path(&sb, "/commits/3f9a2c1d5e7b"), "/commits/:id", "hex ids");
	is_str(path(&sb, "/s/aB3dE5fG7hJ9kL1m"), "/s/:id", "long tokens with digits");
	is_str(path(&sb, "/api/v2/health"), "/api/v2/health", "short words with a digit stay");
	is_str(path(&sb, ""), "/", "an empty path");

	http_error_groups_add(&g, "GET", "/users/1/orders", 502, 1000);
	http_error_groups_add(&g, "GET", "/users/2/orders?x=1", 502, 3000);
	http_error_groups_add(&g, "GET", "/users/3/orders", 502, -1);
	http_error_groups_add(&g, "POST", "/users/3/orders", 502, 10);
	http_error_groups_add(&g, "GET", "/users/3/orders", 500, 10);
	http_error_groups_top(&g, 2);
	is_int(g.nr, 2, "top 2 of 3 groups");
	ok(!strcmp(g.items[0].method, "GET") && !strcmp(g.items[0].path, "/users/:id/orders") &&
	   g.items[0].status == 502 && g.items[0].count == 3, "grouped by method, path and status");
	ok(g.items[0].timed == 2 && g.items[0].total_ms == 4000, "the mean counts only known durations");
	http_error_groups_release(&g);

	strbuf_release(&sb);
	strbuf_release(&out);
	return done_testing();
}
