/*
 * The Prometheus source's query rendering and answer reading, without a
 * server (tests/source/prometheus-scan.test runs it against a real one).
 */
#include <math.h>
#include <string.h>

#include "tap.h"
#include "lib/json-check.h"
#include "source/prometheus.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"

static void test_render(void)
{
	struct strbuf q = STRBUF_INIT;

	prometheus_render_query(&q, "rate(x{service=\"{{service}}\"}[{{window}}])", "service", "api", 60000);
	is_str(q.buf, "rate(x{service=\"api\"}[120s])", "service and window substituted");
	strbuf_reset(&q);
	prometheus_render_query(&q, "x{s=\"{{service}}\"}", "service", "a\"b\\c\nd", 60000);
	is_str(q.buf, "x{s=\"a\\\"b\\\\c\\nd\"}", "quote, backslash and newline escaped in the label value");
	strbuf_reset(&q);
	prometheus_render_query(&q, "[{{window}}]", "service", "x", 10000);
	is_str(q.buf, "[60s]", "the rate range is at least a minute");
	strbuf_reset(&q);
	prometheus_render_query(&q, "{{service}}{{service}} {{other}}", "service", "s", 300000);
	is_str(q.buf, "ss {{other}}", "every occurrence; unknown placeholders left alone");
	strbuf_release(&q);
}

static void test_render_all(void)
{
	static const char *const names[] = { "api", "a.b", "api", "x\"y", "c(1)|d" };
	struct strbuf q = STRBUF_INIT;

	ok(prometheus_query_is_for_all("x{s=~\"{{services}}\"}"), "{{services}}: one query for all");
	ok(!prometheus_query_is_for_all("x{s=\"{{service}}\"}"), "{{service}}: one per service");
	ok(!prometheus_query_is_for_all("up"), "neither: one per service");
	prometheus_render_query_all(&q, "sum by (s) (x{s=~\"{{services}}\"}[{{window}}])", "service", names, 2, 60000);
	is_str(q.buf, "sum by (s) (x{s=~\"api|a\\\\.b\"}[120s])",
	       "names joined by |, a regex '.' escaped, then the backslash for the string");
	strbuf_reset(&q);
	prometheus_render_query_all(&q, "{{services}}", "service", names, 5, 60000);
	is_str(q.buf, "api|a\\\\.b|x\\\"y|c\\\\(1\\\\)\\\\|d",
	       "a name twice once; quote escaped for the string; ( ) | escaped for the regex");
	strbuf_reset(&q);
	prometheus_render_query_all(&q, "{{service}} {{services}}", "service", names, 1, 60000);
	is_str(q.buf, "{{service}} api", "{{service}} is not substituted in a query for all");
	strbuf_reset(&q);
	prometheus_render_query_all(&q, "sum by ({{service_label}}) (x{{{service_label}}=~\"{{services}}\"})",
				    "app", names, 1, 60000);
	is_str(q.buf, "sum by (app) (x{app=~\"api\"})", "{{service_label}} substituted, after a brace too");
	strbuf_reset(&q);
	prometheus_render_query(&q, "x{{{service_label}}=\"{{service}}\"}", "job", "api", 60000);
	is_str(q.buf, "x{job=\"api\"}", "  and in a per-service query");
	strbuf_release(&q);
}

static void test_matrix_by(void)
{
	static const char *const names[] = { "api", "worker", "idle", "api" };
	struct series s[4] = { SERIES_INIT, SERIES_INIT, SERIES_INIT, SERIES_INIT };
	struct series *outs[4] = { &s[0], &s[1], &s[2], &s[3] };
	size_t bad[4] = { 0, 0, 0, 0 };
	size_t *bads[4] = { &bad[0], &bad[1], &bad[2], &bad[3] };
	struct json *j;
	size_t i;

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		  "{\"metric\":{\"service\":\"worker\",\"pod\":\"w1\"},\"values\":[[1795856400,\"1\"]]},"
		  "{\"metric\":{\"service\":\"api\"},\"values\":[[1795856400,\"2\"],[1795856460,\"3\"]]},"
		  "{\"metric\":{\"service\":\"worker\",\"pod\":\"w2\"},\"values\":[[1795856400,\"4\"]]},"
		  "{\"metric\":{\"service\":\"other\"},\"values\":[[1795856400,\"100\"]]},"
		  "{\"metric\":{},\"values\":[[1795856400,\"1000\"]]}]}}");
	is_int(prometheus_read_matrix_by(outs, bads, names, 4, METRIC_REQUESTS, "service", j, 10, 0, "q"), 0, "a matrix of several services reads");
	is_int(s[0].nr, 2, "api: its own series");
	is_double(s[0].items[1].v, 30, 1e-9, "  times the factor");
	is_int(s[1].nr, 1, "worker: one sample");
	is_double(s[1].items[0].v, 50, 1e-9, "  its two pods added up, not other services' series");
	is_int(s[2].nr, 0, "idle, missing from the answer: no data");
	is_int(s[3].nr, 2, "a service deployed as api too gets api's series");
	for (i = 0; i < 4; i++)
		series_release(&s[i]);
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		  "{\"metric\":{},\"values\":[[1795856400,\"1\"]]}]}}");
	is_int(prometheus_read_matrix_by(outs, bads, names, 4, METRIC_REQUESTS, "service", j, 1, 0, "query 'requests'"), BOT_EINVALID,
	       "series but none with the service label: the template aggregated it away");
	like(bot_error_last(), "query 'requests': no series of the answer has the label 'service'", "  said so");
	is_int(s[0].nr + s[1].nr + s[2].nr, 0, "  nothing read");
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		  "{\"metric\":{\"service\":\"worker\"},\"values\":[[1795856400,\"x\"],[1795856460,\"-1\"],[1795856520,\"2\"]]}]}}");
	is_int(prometheus_read_matrix_by(outs, bads, names, 4, METRIC_REQUESTS, "service", j, 1, 0, "q"), 0,
	       "garbage values do not fail the scan");
	is_int(s[1].nr, 1, "  the good sample kept");
	is_int(bad[1], 2, "  the two bad ones counted against their service");
	is_int(bad[0] + bad[2] + bad[3], 0, "  and no other");
	series_release(&s[1]);
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
	is_int(prometheus_read_matrix_by(outs, bads, names, 4, METRIC_REQUESTS, "service", j, 1, 0, "q"), 0, "an empty answer: no data for any");
	json_free(j);

	j = parse_json("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}");
	is_int(prometheus_read_matrix_by(outs, bads, names, 4, METRIC_REQUESTS, "service", j, 1, 0, "q"), BOT_EINVALID, "errors as for one service");
	json_free(j);
}

static void test_matrix(void)
{
	struct series s = SERIES_INIT;
	size_t bad = 0;
	struct json *j;

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		  "{\"metric\":{\"pod\":\"a\"},\"values\":[[1795856400,\"1.5\"],[1795856460,\"NaN\"],[1795856520,\"2\"]]},"
		  "{\"metric\":{\"pod\":\"b\"},\"values\":[[1795856400,\"0.5\"],[1795856460,\"+Inf\"],[1795856520.5,\"1e1\"]]}]}}");
	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 60, 0, "q"), 0, "a two-series matrix reads");
	is_int(s.nr, 4, "one sample per distinct time");
	is_double(s.items[0].v, 120, 1e-9, "series added up, times the factor (rate x 60 s)");
	ok(isnan(s.items[1].v), "NaN and +Inf at the same time: missing");
	is_int(bad, 1, "+Inf is a bad sample, counted; NaN is only no value");
	is_double(s.items[2].v, 120, 1e-9, "a lone sample");
	is_int(s.items[3].t, 1795856520500LL, "fractional timestamps kept in ms");
	series_release(&s);

	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 1000, 1, "q"), 0, "keep the largest");
	is_double(s.items[0].v, 1500, 1e-9, "max of 1.5 and 0.5 s, in ms");
	series_release(&s);
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 1, 0, "q"), 0, "an empty result is no data");
	is_int(s.nr, 0, "and no samples");
	json_free(j);

	j = parse_json("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error: unclosed left parenthesis\"}");
	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 1, 0, "query 'cpu_usage'"), BOT_EINVALID, "bad_data is invalid input");
	like(bot_error_last(), "query 'cpu_usage': prometheus answered bad_data: 1:5: parse error", "message says which query and why");
	json_free(j);

	j = parse_json("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}");
	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 1, 0, "q"), BOT_ERROR, "another error type fails");
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 1, 0, "q"), BOT_EINVALID, "a vector where a matrix is due");
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1,2]]}]}}");
	bad = 0;
	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 1, 0, "q"), 0, "a value that is not a string");
	is_int(s.nr, 0, "  is not kept");
	is_int(bad, 1, "  but counted as a bad sample, as Railway's would be");
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[1]}]}}");
	is_int(prometheus_read_matrix(&s, &bad, METRIC_CPU, j, 1, 0, "q"), BOT_EINVALID, "a sample that is not a pair");
	is_int(s.nr, 0, "  nothing kept from a malformed answer");
	json_free(j);
	series_release(&s);
}

/* Values Prometheus would never send: each is dropped and counted, none fails the scan. */
static void test_bad_values(void)
{
	static const struct {
		const char *value;
		enum metric m;
		double factor;
		const char *why;
	} bad_values[] = {
		{ "0x10", METRIC_CPU, 1, "hexadecimal (strtod reads it as 16)" },
		{ "Inf", METRIC_CPU, 1, "Inf" },
		{ "-Inf", METRIC_CPU, 1, "-Inf" },
		{ "nan", METRIC_CPU, 1, "nan in lower case" },
		{ " 1", METRIC_CPU, 1, "a leading space" },
		{ "1e", METRIC_CPU, 1, "a bare exponent" },
		{ "", METRIC_CPU, 1, "an empty string" },
		{ "true", METRIC_CPU, 1, "a word" },
		{ "-0.5", METRIC_CPU, 1, "a negative CPU" },
		{ "-1", METRIC_MEMORY, 1, "a negative memory" },
		{ "-3", METRIC_REQUESTS, 60, "a negative request rate" },
		{ "1e308", METRIC_LATENCY_P95, 1000, "a p95 of 1e308 s (infinite in ms)" },
		{ "1e300", METRIC_LATENCY_P95, 1000, "a p95 of 1e300 s" },
		{ "1e30", METRIC_MEMORY, 1, "1e30 bytes of memory" },
		{ "1e400", METRIC_MEMORY, 1, "a number past a double" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad_values) / sizeof(*bad_values); i++) {
		struct series s = SERIES_INIT;
		struct strbuf doc = STRBUF_INIT;
		size_t bad = 0;
		struct json *j;

		strbuf_addf(&doc, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
			    "{\"metric\":{},\"values\":[[1795856400,\"%s\"],[1795856460,\"1\"]]}]}}",
			    bad_values[i].value);
		j = parse_json(doc.buf);
		is_int(prometheus_read_matrix(&s, &bad, bad_values[i].m, j, bad_values[i].factor, 0, "q"), 0,
		       "%s: the answer reads", bad_values[i].why);
		ok(s.nr == 1 && s.items[0].t == 1795856460000LL && bad == 1, "  dropped and counted");
		series_release(&s);
		strbuf_release(&doc);
		json_free(j);
	}
}

/*
 * A timestamp twice in one series is one sample said twice: summing it
 * (the fold across pods) read memory at twice its level, a false critical.
 */
static void test_duplicates(void)
{
	struct series s = SERIES_INIT;
	size_t bad = 0;
	struct json *j;

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		  "{\"metric\":{\"pod\":\"a\"},\"values\":[[1795856400,\"500\"],[1795856400,\"970\"],[1795856460,\"980\"]]},"
		  "{\"metric\":{\"pod\":\"b\"},\"values\":[[1795856400,\"10\"]]}]}}");
	is_int(prometheus_read_matrix(&s, &bad, METRIC_MEMORY, j, 1, 0, "q"), 0, "a series with a repeated time reads");
	is_int(s.nr, 2, "  one sample per time");
	is_double(s.items[0].v, 980, 1e-9, "  the last of the repeated samples, plus the other pod's");
	is_double(s.items[1].v, 980, 1e-9, "  the next time as it was");
	series_release(&s);
	json_free(j);
}

/*
 * The answer read from its text (no tree) against the tree's reader: when
 * the text reader takes an answer it must give exactly what the tree
 * gives; when it declines it must have changed nothing. *handled says
 * which it did.
 */
static int agree(const char *doc, const char *label, enum metric m, double factor, int keep_max, int *handled)
{
	static const char *const names[] = { "api", "worker", "idle", "api", "a<b" };
	size_t n = label ? 5 : 1, i, k, bad_a[5] = { 0 }, bad_b[5] = { 0 };
	struct series a[5] = { SERIES_INIT, SERIES_INIT, SERIES_INIT, SERIES_INIT, SERIES_INIT };
	struct series b[5] = { SERIES_INIT, SERIES_INIT, SERIES_INIT, SERIES_INIT, SERIES_INIT };
	struct series *outs_a[5], *outs_b[5];
	size_t *bads_a[5], *bads_b[5];
	struct json *j = NULL;
	int tree_err = -1, same = 1;

	for (i = 0; i < 5; i++) {
		outs_a[i] = &a[i], outs_b[i] = &b[i];
		bads_a[i] = &bad_a[i], bads_b[i] = &bad_b[i];
	}
	if (!json_parse(&j, doc, strlen(doc)))
		tree_err = label ? prometheus_read_matrix_by(outs_a, bads_a, names, n, m, label, j, factor, keep_max, "q") :
			   prometheus_read_matrix(&a[0], &bad_a[0], m, j, factor, keep_max, "q");
	*handled = prometheus_read_matrix_text(outs_b, bads_b, names, n, label, m, doc, strlen(doc), factor, keep_max);
	for (i = 0; i < n; i++) {
		if (!*handled) {
			same &= !b[i].nr && !bad_b[i];
			continue;
		}
		same &= !tree_err && a[i].nr == b[i].nr && bad_a[i] == bad_b[i];
		for (k = 0; same && k < a[i].nr; k++)
			same &= a[i].items[k].t == b[i].items[k].t &&
				(a[i].items[k].v == b[i].items[k].v || (isnan(a[i].items[k].v) && isnan(b[i].items[k].v)));
	}
	for (i = 0; i < 5; i++) {
		series_release(&a[i]);
		series_release(&b[i]);
	}
	json_free(j);
	return same;
}

#define MATRIX(r) "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" r "]}}"

static void test_text_reader(void)
{
	static const struct {
		const char *doc, *label;
		int handled;
		const char *what;
	} docs[] = {
		{ MATRIX("{\"metric\":{\"service\":\"worker\",\"pod\":\"w1\"},\"values\":[[1795856400,\"1\"]]},"
			 "{\"metric\":{\"service\":\"api\"},\"values\":[[1795856400,\"2\"],[1795856460,\"3\"]]},"
			 "{\"metric\":{\"service\":\"worker\",\"pod\":\"w2\"},\"values\":[[1795856400,\"4\"]]},"
			 "{\"metric\":{\"service\":\"other\"},\"values\":[[1795856400,\"100\"]]},"
			 "{\"metric\":{},\"values\":[[1795856400,\"1000\"]]}"), "service", 1,
		  "several services, pods added, other services and unlabelled series ignored" },
		{ MATRIX("{\"metric\":{\"pod\":\"a\"},\"values\":[[1795856400,\"1.5\"],[1795856460,\"NaN\"],[1795856520,\"2\"]]},"
			 "{\"metric\":{\"pod\":\"b\"},\"values\":[[1795856400,\"0.5\"],[1795856460,\"+Inf\"],[1795856520.5,\"1e1\"]]}"),
		  NULL, 1, "one service: series added, NaN a gap, +Inf bad, fractional times" },
		{ MATRIX("{\"metric\":{\"service\":\"api\"},\"values\":[[1795856400,\"500\"],[1795856400,\"970\"],"
			 "[1795856460,\"0x10\"],[1795856520,\"-1\"],[1795856580,\"1e400\"],[1e300,\"1\"]]}"),
		  "service", 1, "a repeated time, hex, negative, too large, a time past 9999" },
		{ " \n{ \"status\" : \"success\" , \"warnings\": [\"x\", {\"a\": [1, true, null]}], \"data\" : "
		  "{ \"resultType\" : \"matrix\", \"result\" : [ { \"metric\" : { \"service\" : \"a\\u003cb\" } , "
		  "\"values\" : [ [ 1795856400 , \"7\" ] ] } ] } }\n", "service", 1,
		  "spaces, an unknown key skipped, a \\u escape in a label" },
		{ MATRIX("{\"metric\":{\"service\":\"a\\\"b\"},\"values\":[[1795856400,\"7\"]]}"), "service", 1,
		  "an escaped quote in a label" },
		{ MATRIX(""), "service", 1, "an empty result" },
		{ MATRIX("{\"values\":[[1795856400,\"2\"]],\"metric\":{\"service\":\"api\"}}"), "service", 0,
		  "values before metric: declined" },
		{ MATRIX("{\"metric\":{\"service\":\"api\"},\"values\":[[1795856400,2]]}"), "service", 0,
		  "a value that is not a string: declined (the tree counts it bad)" },
		{ MATRIX("{\"metric\":{\"service\":\"api\"},\"values\":[[\"1795856400\",\"2\"]]}"), "service", 0,
		  "a time that is not a number: declined (the tree refuses the answer)" },
		{ MATRIX("{\"metric\":{},\"values\":[[1795856400,\"1\"]]}"), "service", 0,
		  "series without the label: declined (the tree says what the template did)" },
		{ MATRIX("{\"metric\":{\"service\":\"api\"},\"values\":[[1795856400,\"2\"]]}") "x", "service", 0,
		  "trailing garbage: declined" },
		{ MATRIX("{\"metric\":{\"service\":\"api\"},\"values\":[[0x10,\"2\"]]}"), "service", 0,
		  "a hexadecimal time: declined" },
		{ "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}", "service", 0,
		  "an error: declined" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", NULL, 0,
		  "a vector: declined" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\"", NULL, 0, "truncated: declined" },
		{ MATRIX("{\"metric\":{\"service\":\"\\ud83d\\ude00\"},\"values\":[[1795856400,\"1\"]]}"), "service", 0,
		  "a surrogate pair: declined" },
	};
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		int handled = -1, same = agree(docs[i].doc, docs[i].label, METRIC_MEMORY, 1, 0, &handled);
		ok(same && handled == docs[i].handled, "text reader: %s (%s)", docs[i].what,
		   handled ? "read, as the tree reads it" : "left to the tree, nothing changed");
	}
	{
		int handled = -1;
		ok(agree(docs[0].doc, "service", METRIC_LATENCY_P95, 1000, 1, &handled) && handled,
		   "text reader: the largest kept, times 1000, as the tree");
	}
}

int main(void)
{
	test_render();
	test_render_all();
	test_matrix();
	test_matrix_by();
	test_bad_values();
	test_duplicates();
	test_text_reader();
	return done_testing();
}
