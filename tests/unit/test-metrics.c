#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util/xalloc.h"
#include "tap.h"
#include "util/error.h"

static int roundtrip(struct observation *out, const struct observation *in)
{
	struct json *j = observation_to_json(in), *back;
	char *text = json_print(j, 0);
	int ret = json_parse(&back, text, strlen(text));

	if (!ret)
		ret = observation_from_json(out, back);
	json_free(back);
	json_free(j);
	free(text);
	return ret;
}

/* The journal's compact form reads back to the same samples, bit for bit. */
static void test_compact(void)
{
	static const double values[] = { 0.1, 1e8, 10.000000000000002, 0, 1.7976931348623157e308, 5e-324,
					 123456789.123456789, NAN, 0.3 };
	struct observation obs, back;
	struct service_metrics *svc;
	struct json *j, *parsed;
	char *text;
	size_t i, same = 0;

	observation_init(&obs);
	obs.start = 1795858200000LL;
	obs.end = 1795860000000LL;
	obs.step = 60000;
	svc = observation_add_service(&obs, "api");
	svc->bad_samples = 3;
	for (i = 0; i < sizeof(values) / sizeof(*values); i++)
		/* A step of 60 s, then a gap of 3 minutes, then 1.5 s steps. */
		series_add(&svc->series[METRIC_CPU],
			   1795858200000LL + (i < 5 ? (int64_t)i * 60000 : 240000 + 180000 + (int64_t)(i - 5) * 1500),
			   values[i]);
	series_add(&svc->seasonal[METRIC_MEMORY], 1795771800000LL, 2e8);
	j = observation_to_json_compact(&obs);
	is_str(json_str_value(json_get(j, "services[0].series.cpu")),
	       "1795858200000:0.1 60000:100000000 10.000000000000002 0 1.7976931348623157e+308 "
	       "180000:4.94065645841247e-324 1500:123456789.12345679 n 0.3", "a series is one string");
	text = json_print(j, 0);
	observation_init(&back);
	ok(!json_parse(&parsed, text, strlen(text)) && !observation_from_json(&back, parsed), "and reads back");
	if (back.services_nr == 1 && back.services[0].series[METRIC_CPU].nr == svc->series[METRIC_CPU].nr)
		for (i = 0; i < svc->series[METRIC_CPU].nr; i++) {
			const struct sample *a = &svc->series[METRIC_CPU].items[i], *b = &back.services[0].series[METRIC_CPU].items[i];
			same += a->t == b->t && (a->v == b->v || (isnan(a->v) && isnan(b->v)));
		}
	is_int(same, svc->series[METRIC_CPU].nr, "  every time and value exactly");
	ok(back.services_nr == 1 && back.services[0].seasonal[METRIC_MEMORY].nr == 1 &&
	   back.services[0].seasonal[METRIC_MEMORY].items[0].v == 2e8, "  seasonal too");
	ok(back.services_nr == 1 && back.services[0].bad_samples == 3, "  and the bad samples' count");
	json_free(parsed);
	free(text);
	json_free(j);
	observation_release(&back);

	parsed = NULL;
	ok(!json_parse(&parsed, "{\"start\":\"2026-11-28T09:30:00Z\",\"end\":\"2026-11-28T10:00:00Z\","
		       "\"services\":[{\"name\":\"api\",\"series\":{\"cpu\":\"5 60000:1\"}}]}",
		       strlen("{\"start\":\"2026-11-28T09:30:00Z\",\"end\":\"2026-11-28T10:00:00Z\","
			      "\"services\":[{\"name\":\"api\",\"series\":{\"cpu\":\"5 60000:1\"}}]}")) &&
	   observation_from_json(&back, parsed) == BOT_EINVALID, "a compact series without its first step is refused");
	json_free(parsed);
	observation_release(&obs);
}

/* The intake both sources call: what is a value, what is a gap, what is bad. */
static void test_intake(void)
{
	struct series s = SERIES_INIT;
	size_t bad = 0;
	double v;

	is_int(metric_parse_decimal(&v, "1.5e3"), 0, "decimal text reads");
	ok(v == 1500, "  as its value");
	ok(!metric_parse_decimal(&v, "NaN") && isnan(v), "NaN is no value");
	ok(!metric_parse_decimal(&v, "-.5") && v == -0.5, "a leading dot");
	is_int(metric_parse_decimal(&v, "0x10"), -1, "hexadecimal is not decimal");
	is_int(metric_parse_decimal(&v, "+Inf"), -1, "+Inf is not a value");
	is_int(metric_parse_decimal(&v, "1.5 "), -1, "trailing space");
	is_int(metric_parse_decimal(&v, "."), -1, "a lone dot");
	is_int(metric_parse_decimal(&v, NULL), -1, "no text");

	is_int(metric_intake(&s, &bad, METRIC_MEMORY, 1000, 5e8), 0, "a plausible value is added");
	is_int(metric_intake(&s, &bad, METRIC_MEMORY, 2000, NAN), 0, "no value is added as a gap");
	is_int(metric_intake(&s, &bad, METRIC_MEMORY, 3000, -1), 1, "negative memory is dropped");
	is_int(metric_intake(&s, &bad, METRIC_CPU, 3000, INFINITY), 1, "infinity is dropped");
	is_int(metric_intake(&s, &bad, METRIC_LATENCY_P95, 3000, 1e308), 1, "a p95 of 1e308 ms is dropped");
	is_int(metric_intake(&s, &bad, METRIC_LATENCY_P95, 3000, 5e8), 0, "a p95 of 6 days is kept");
	is_int(metric_intake(&s, &bad, METRIC_CPU, -5, 1), 1, "a time before the epoch is dropped");
	is_int(bad, 4, "every drop counted");
	ok(s.nr == 3 && isnan(s.items[1].v), "the series holds the value, the gap and the p95");
	ok(series_has_data(&s, 0, 1000) && !series_has_data(&s, 1500, 2500) && !series_has_data(&s, 4000, 5000),
	   "series_has_data: a finite value in the range, not a gap, not outside");
	series_release(&s);
}

int main(void)
{
	struct observation obs, back;
	struct service_metrics *api;
	struct json *bad;
	const char *doc;
	enum metric m;

	observation_init(&obs);
	obs.source = strdup("scenario");
	obs.start = 1795858200000LL;
	obs.end = 1795860000000LL;
	obs.step = 60000;
	api = observation_add_service(&obs, "api");
	series_add(&api->series[METRIC_MEMORY], 1795858260000LL, 2e8);
	series_add(&api->series[METRIC_MEMORY], 1795858200000LL, 1e8);
	series_add(&api->series[METRIC_MEMORY], 1795858320000LL, NAN);
	series_normalise(&api->series[METRIC_MEMORY]);
	ok(api->series[METRIC_MEMORY].items[0].t == 1795858200000LL, "normalise sorts by time");
	{
		/* Many samples at one time, out of order: the one that came last wins, whatever qsort does. */
		struct series dup = SERIES_INIT;
		int k;
		for (k = 0; k < 200; k++)
			series_add(&dup, (k % 2) ? 2000 : 1000, k);
		series_normalise(&dup);
		ok(dup.nr == 2 && dup.items[0].t == 1000 && dup.items[1].t == 2000,
		   "duplicate times collapse to one sample each");
		ok(dup.nr == 2 && dup.items[0].v == 198 && dup.items[1].v == 199,
		   "the value that arrived last is kept for each time");
		series_release(&dup);
	}
	service_add_deployment(api, "d-2", 1795859000000LL, "SUCCESS", "abc", NULL);
	service_add_deployment(api, "d-1", 1795858000000LL, "REMOVED", NULL, NULL);
	is_str(api->deployments[0].id, "d-1", "deployments are kept in time order");

	ok(roundtrip(&back, &obs) == 0, "an observation survives JSON and back");
	ok(!back.services[0].seasonal[METRIC_MEMORY].nr, "no seasonal series unless there were some");
	observation_release(&back);
	series_add(&api->seasonal[METRIC_CPU], 1795858200000LL - 86400000LL, 0.25);
	series_add(&api->seasonal[METRIC_CPU], 1795858260000LL - 86400000LL, NAN);
	ok(roundtrip(&back, &obs) == 0, "with the same hours a day earlier too");
	is_int(back.services[0].seasonal[METRIC_CPU].nr, 2, "  seasonal samples kept");
	is_int(back.services[0].seasonal[METRIC_CPU].items[0].t, 1795858200000LL - 86400000LL,
	       "  at their own (earlier) times");
	is_int(back.services[0].series[METRIC_CPU].nr, 0, "  and apart from today's series");
	is_int(back.step, 60000, "step");
	is_int(back.services_nr, 1, "services");
	is_int(back.services[0].series[METRIC_MEMORY].nr, 3, "samples");
	ok(isnan(back.services[0].series[METRIC_MEMORY].items[2].v), "a null sample stays NaN");
	is_double(back.services[0].series[METRIC_MEMORY].items[1].v, 2e8, 0, "values");
	is_int(back.services[0].deployments[1].at, 1795859000000LL, "deployment times");
	observation_release(&back);
	api->volume = xstrdup("pg-data");
	api->mount_path = xstrdup("/data");
	series_add(&api->series[METRIC_DISK], 1795858200000LL, 4e9);
	series_add(&api->series[METRIC_DISK_LIMIT], 1795858200000LL, 1e10);
	ok(roundtrip(&back, &obs) == 0, "with a volume");
	is_str(back.services[0].volume, "pg-data", "  its name");
	is_str(back.services[0].mount_path, "/data", "  its mount path");
	is_double(back.services[0].series[METRIC_DISK_LIMIT].items[0].v, 1e10, 0, "  its size, a series");
	is_str(metric_name(METRIC_DISK), "disk", "METRIC_DISK is \"disk\"");
	observation_release(&back);
	observation_release(&obs);

	doc = "{\"start\":\"2026-11-28T09:30:00Z\",\"end\":\"2026-11-28T10:00:00Z\","
	      "\"services\":[{\"name\":\"api\",\"series\":{\"memory\":[[1,\"x\"]]}}]}";
	ok(json_parse(&bad, doc, strlen(doc)) == 0, "parse a bad observation");
	ok(observation_from_json(&back, bad) == BOT_EINVALID, "a string sample is rejected");
	like(bot_error_last(), "services.api.series.memory[0]", "naming the sample");
	json_free(bad);
	doc = "{\"start\":\"2026-11-28T09:30:00Z\",\"end\":\"2026-11-28T10:00:00Z\","
	      "\"services\":[{\"name\":\"api\",\"seasonal\":{\"cpu\":[[1]]}}]}";
	ok(json_parse(&bad, doc, strlen(doc)) == 0, "parse a bad seasonal series");
	ok(observation_from_json(&back, bad) == BOT_EINVALID, "a sample without a value is rejected");
	like(bot_error_last(), "services.api.seasonal.cpu[0]", "naming the seasonal sample");
	json_free(bad);

	ok(metric_from_name(&m, "latency_p95") == 0 && m == METRIC_LATENCY_P95, "metric names");
	ok(metric_from_name(&m, "latency") == BOT_ENOTFOUND, "unknown metric names");
	test_intake();
	test_compact();
	return done_testing();
}
