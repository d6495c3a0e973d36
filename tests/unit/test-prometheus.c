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

	prometheus_render_query(&q, "rate(x{service=\"{{service}}\"}[{{window}}])", "api", 60000);
	is_str(q.buf, "rate(x{service=\"api\"}[120s])", "service and window substituted");
	strbuf_reset(&q);
	prometheus_render_query(&q, "x{s=\"{{service}}\"}", "a\"b\\c\nd", 60000);
	is_str(q.buf, "x{s=\"a\\\"b\\\\c\\nd\"}", "quote, backslash and newline escaped in the label value");
	strbuf_reset(&q);
	prometheus_render_query(&q, "[{{window}}]", "x", 10000);
	is_str(q.buf, "[60s]", "the rate range is at least a minute");
	strbuf_reset(&q);
	prometheus_render_query(&q, "{{service}}{{service}} {{other}}", "s", 300000);
	is_str(q.buf, "ss {{other}}", "every occurrence; unknown placeholders left alone");
	strbuf_release(&q);
}

static void test_matrix(void)
{
	struct series s = SERIES_INIT;
	struct json *j;

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		  "{\"metric\":{\"pod\":\"a\"},\"values\":[[1795856400,\"1.5\"],[1795856460,\"NaN\"],[1795856520,\"2\"]]},"
		  "{\"metric\":{\"pod\":\"b\"},\"values\":[[1795856400,\"0.5\"],[1795856460,\"+Inf\"],[1795856520.5,\"1e1\"]]}]}}");
	is_int(prometheus_read_matrix(&s, j, 60, 0, "q"), 0, "a two-series matrix reads");
	is_int(s.nr, 4, "one sample per distinct time");
	is_double(s.items[0].v, 120, 1e-9, "series added up, times the factor (rate x 60 s)");
	ok(isnan(s.items[1].v), "NaN and +Inf at the same time: missing");
	is_double(s.items[2].v, 120, 1e-9, "a lone sample");
	is_int(s.items[3].t, 1795856520500LL, "fractional timestamps kept in ms");
	series_release(&s);

	is_int(prometheus_read_matrix(&s, j, 1000, 1, "q"), 0, "keep the largest");
	is_double(s.items[0].v, 1500, 1e-9, "max of 1.5 and 0.5 s, in ms");
	series_release(&s);
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
	is_int(prometheus_read_matrix(&s, j, 1, 0, "q"), 0, "an empty result is no data");
	is_int(s.nr, 0, "and no samples");
	json_free(j);

	j = parse_json("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error: unclosed left parenthesis\"}");
	is_int(prometheus_read_matrix(&s, j, 1, 0, "query 'cpu_usage'"), BOT_EINVALID, "bad_data is invalid input");
	like(bot_error_last(), "query 'cpu_usage': prometheus answered bad_data: 1:5: parse error", "message says which query and why");
	json_free(j);

	j = parse_json("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}");
	is_int(prometheus_read_matrix(&s, j, 1, 0, "q"), BOT_ERROR, "another error type fails");
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
	is_int(prometheus_read_matrix(&s, j, 1, 0, "q"), BOT_EINVALID, "a vector where a matrix is due");
	json_free(j);

	j = parse_json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1,2]]}]}}");
	is_int(prometheus_read_matrix(&s, j, 1, 0, "q"), BOT_EINVALID, "a value that is not a string");
	is_int(s.nr, 0, "nothing kept from a malformed answer");
	json_free(j);
	series_release(&s);
}

int main(void)
{
	test_render();
	test_matrix();
	return done_testing();
}
