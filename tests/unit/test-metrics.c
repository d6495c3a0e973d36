#include <math.h>
#include <stdint.h>
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
	       "1795858200000:0.1 60000:100000000 0x1.4000000000001p+3 0 0x1.fffffffffffffp+1023 "
	       "180000:0x0.0000000000001p-1022 1500:0x1.d6f34547e6b75p+26 n 0.3",
	       "a series is one string: values of up to 16 digits as decimals, others as hex floats");
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

/* Writes values as a compact series one second apart and reads them back; how many came back bit for bit. */
static size_t compact_roundtrip(const double *values, size_t n, char **text_out)
{
	struct observation obs, back;
	struct service_metrics *svc;
	struct json *j, *parsed = NULL;
	char *text;
	size_t i, same = 0;

	observation_init(&obs);
	obs.start = 1795858200000LL;
	obs.end = obs.start + (int64_t)n * 1000;
	svc = observation_add_service(&obs, "api");
	for (i = 0; i < n; i++)
		series_add(&svc->series[METRIC_CPU], obs.start + (int64_t)i * 1000, values[i]);
	j = observation_to_json_compact(&obs);
	text = json_print(j, 0);
	observation_init(&back);
	if (!json_parse(&parsed, text, strlen(text)) && !observation_from_json(&back, parsed) &&
	    back.services_nr == 1 && back.services[0].series[METRIC_CPU].nr == n)
		for (i = 0; i < n; i++) {
			double a = values[i], b = back.services[0].series[METRIC_CPU].items[i].v;
			same += isnan(a) ? isnan(b) : !memcmp(&a, &b, sizeof(a));
		}
	if (text_out)
		*text_out = xstrdup(json_str_value(json_get(j, "services[0].series.cpu")));
	json_free(parsed);
	json_free(j);
	free(text);
	observation_release(&back);
	observation_release(&obs);
	return same;
}

/* Every kind of double survives the compact form, and the form of older journals still reads. */
static void test_compact_values(void)
{
	static const double edges[] = { 0, -0.0, 1, -1, 42, -1234567, 9007199254740992.0, 9007199254740994.0,
					-9007199254740992.0, 1e15, 1e16, 1e22, 1e300, -1e300, 1.7976931348623157e308,
					-1.7976931348623157e308, 2.2250738585072014e-308, 2.2250738585072009e-308,
					5e-324, -5e-324, 1e-7, 0.000001, -0.000001, 0.123456, 0.5, 0.25, 0.3, -0.3,
					1.0 / 3, 2.0 / 3, 0.1 + 0.2, 512000000.0000001, 0.512 * 1e9, 123.456, 1e-300,
					NAN, INFINITY, -INFINITY };
	size_t n = sizeof(edges) / sizeof(*edges), i;
	double *many = xcalloc(40000, sizeof(*many));
	uint64_t x = 88172645463325252ULL;
	char *text = NULL;
	struct json *parsed = NULL;
	struct observation back;
	const char *old;

	is_int(compact_roundtrip(edges, n, &text), n,
	       "integers, negatives, -0, tiny, huge, subnormal, NaN and infinities read back bit for bit");
	like(text, "1795858200000:0 1000:-0 1 -1 42 -1234567 9007199254740992 0x1.0000000000001p+53 ",
	     "  integers as decimals, past 2^53 as hex floats");
	like(text, " -0.000001 0.123456 0.5 0.25 0.3 -0.3 0.3333333333333333 0.6666666666666666 0x1.3333333333334p-2 "
	     "512000000.0000001 512000000 ", "  values of up to 16 digits as decimals, 0.1 + 0.2 (17) as a hex float");
	like(text, " n inf -inf", "  NaN is n, infinities inf and -inf");
	free(text);
	/* Random bit patterns (xorshift64), then decimals with 0 to 8 digits after the point. */
	for (i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(&many[i], &x, sizeof(x));
	}
	for (; i < 40000; i++) {
		static const double scale[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8 };
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		many[i] = (double)(int64_t)(x >> 20) / scale[x % 9] * (x & 1024 ? -1 : 1);
	}
	is_int(compact_roundtrip(many, 20000, NULL), 20000, "20000 random bit patterns read back bit for bit");
	is_int(compact_roundtrip(many + 20000, 20000, NULL), 20000, "20000 random decimals read back bit for bit");
	free(many);

	/* Journals written before hex floats hold %.15g or %.17g decimals. */
	old = "{\"start\":\"2026-11-28T09:30:00Z\",\"end\":\"2026-11-28T10:00:00Z\",\"services\":[{\"name\":\"api\","
	      "\"series\":{\"cpu\":\"1795858200000:0.1 60000:10.000000000000002 1.7976931348623157e+308 "
	      "4.94065645841247e-324 123456789.12345679 n -0.3 1e+20\"}}]}";
	observation_init(&back);
	ok(!json_parse(&parsed, old, strlen(old)) && !observation_from_json(&back, parsed) &&
	   back.services_nr == 1 && back.services[0].series[METRIC_CPU].nr == 8 &&
	   back.services[0].series[METRIC_CPU].items[0].v == 0.1 &&
	   back.services[0].series[METRIC_CPU].items[1].v == 10.000000000000002 &&
	   back.services[0].series[METRIC_CPU].items[2].v == 1.7976931348623157e308 &&
	   back.services[0].series[METRIC_CPU].items[3].v == 5e-324 &&
	   back.services[0].series[METRIC_CPU].items[4].v == 123456789.123456789 &&
	   isnan(back.services[0].series[METRIC_CPU].items[5].v) &&
	   back.services[0].series[METRIC_CPU].items[6].v == -0.3 &&
	   back.services[0].series[METRIC_CPU].items[7].v == 1e20 &&
	   back.services[0].series[METRIC_CPU].items[7].t == 1795858200000LL + 7 * 60000,
	   "the decimal form of older journals still reads");
	json_free(parsed);
	observation_release(&back);
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
	{
		/*
		 * In order, two runs (merged), three runs (sorted), ties among
		 * them: against a reference (insertion sort, stable, the last
		 * of equal times kept).
		 */
		uint64_t x = 12345;
		int shape, trial, good = 0, trials = 0;
		for (shape = 0; shape < 3; shape++)
			for (trial = 0; trial < 200; trial++, trials++) {
				struct series got = SERIES_INIT;
				struct sample ref[64];
				size_t n = 1 + trial % 60, i, j = 0, runs = (size_t)shape + 1, nref = 0, same;
				for (i = 0; i < n; i++) {
					x ^= x << 13, x ^= x >> 7, x ^= x << 17;
					/* Each run counts up from a random start in steps of 0 to 2 (ties). */
					if (i % ((n + runs - 1) / runs) == 0)
						j = (size_t)(x % 50);
					else
						j += (size_t)(x % 3);
					series_add(&got, (int64_t)j * 1000, (double)i);
				}
				for (i = 0; i < n; i++) {
					struct sample in = got.items[i];
					for (j = nref; j > 0 && ref[j - 1].t > in.t; j--)
						ref[j] = ref[j - 1];
					ref[j] = in;
					nref++;
				}
				for (i = 0, j = 0; i < nref; i++) {
					if (j && ref[j - 1].t == ref[i].t)
						ref[j - 1] = ref[i];
					else
						ref[j++] = ref[i];
				}
				series_normalise(&got);
				same = got.nr == j;
				for (i = 0; same && i < j; i++)
					same = got.items[i].t == ref[i].t && got.items[i].v == ref[i].v;
				good += (int)same;
				series_release(&got);
			}
		is_int(good, trials, "normalise: in order, two runs, three runs, with ties, as a stable sort");
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
	test_compact_values();
	return done_testing();
}
