/* detect.h beyond the scenario table: names, fingerprints, bad input, the JSON form. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "tap.h"
#include "util/error.h"
#include "util/xalloc.h"

static void test_names(void)
{
	enum finding_kind k;
	enum severity s;
	int i;

	for (i = 0; i < FINDING_KIND__COUNT; i++)
		ok(finding_kind_from_name(&k, finding_kind_name((enum finding_kind)i)) == 0 && (int)k == i,
		   "kind %s round-trips", finding_kind_name((enum finding_kind)i));
	is_str(finding_kind_name(FINDING_ERROR_RATE_5XX), "error_rate_5xx", "kind name");
	ok(finding_kind_from_name(&k, "memory") == BOT_ENOTFOUND, "unknown kind");
	ok(severity_from_name(&s, "critical") == 0 && s == SEVERITY_CRITICAL, "severity name");
}

static void test_fingerprint(void)
{
	char a[17], b[17];

	/* FNV-1a 64 of "api\0memory_leak", computed independently (node BigInt). */
	finding_fingerprint(a, "api", FINDING_MEMORY_LEAK);
	is_str(a, "075bc5198a99b4e0", "fingerprint of (api, memory_leak)");
	finding_fingerprint(b, "api", FINDING_MEMORY_PRESSURE);
	ok(strcmp(a, b), "another kind, another fingerprint");
	finding_fingerprint(b, "api", FINDING_MEMORY_LEAK);
	is_str(b, a, "the same problem, the same fingerprint");
	finding_fingerprint(b, "web", FINDING_MEMORY_LEAK);
	ok(strcmp(a, b), "another service, another fingerprint");
	finding_fingerprint_keyed(b, "api", FINDING_MEMORY_LEAK, NULL);
	is_str(b, a, "no key: the plain fingerprint");
	finding_fingerprint_keyed(a, "api", FINDING_DEPLOYMENT_FAILED, "abc123");
	/* FNV-1a 64 of "api\0deployment_failed\0abc123" (node BigInt). */
	is_str(a, "861a503ca905290a", "fingerprint of (api, deployment_failed, abc123)");
	finding_fingerprint_keyed(b, "api", FINDING_DEPLOYMENT_FAILED, "def456");
	ok(strcmp(a, b), "another broken commit, another finding");
}

/*
 * One broken commit is one finding across scans: the same fingerprint while
 * it is the newest, through the JSON form; a successful deployment after it
 * ends it.
 */
static void test_deployment_fingerprint(void)
{
	struct observation obs;
	struct findings f = FINDINGS_INIT, g = FINDINGS_INIT;
	struct service_metrics *svc;
	struct config cfg;
	struct json *j;
	char first[17];
	int i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.deployments = (struct deployments_config){ 1, 30 * 60000LL };
	observation_init(&obs);
	obs.start = 0;
	obs.end = 20 * 60000;
	obs.step = 60000;
	svc = observation_add_service(&obs, "api");
	for (i = 0; i <= 20; i++)
		series_add(&svc->series[METRIC_MEMORY], i * 60000LL, 5e8);
	service_add_deployment(svc, "d-1", 0, "SUCCESS", "aaaa111", NULL);
	service_add_deployment(svc, "d-2", 5 * 60000, "FAILED", "bbbb222", "break the build");
	is_int(detect_run(&f, &obs, &cfg), 1, "a failed deployment is a finding");
	is_str(finding_kind_name(f.items[0].kind), "deployment_failed", "of its kind");
	is_int(f.items[0].severity, SEVERITY_WARNING, "a warning while d-1 serves");
	is_str(f.items[0].subject, "bbbb222", "about its commit");
	memcpy(first, f.items[0].fingerprint, sizeof(first));
	j = findings_to_json(&f);
	ok(findings_from_json(&g, j) == 0 && g.nr == 1 && !strcmp(g.items[0].fingerprint, first),
	   "the JSON form keeps the subject and so the fingerprint");
	json_free(j);
	findings_release(&g);
	findings_release(&f);

	obs.end = 40 * 60000;
	for (i = 21; i <= 40; i++)
		series_add(&svc->series[METRIC_MEMORY], i * 60000LL, 5e8);
	service_add_deployment(svc, "d-3", 30 * 60000, "FAILED", "bbbb222", "break the build");
	is_int(detect_run(&f, &obs, &cfg), 1, "the same commit redeployed and failed again");
	is_str(f.items[0].fingerprint, first, "is the same finding on a later scan");
	findings_release(&f);

	service_add_deployment(svc, "d-4", 35 * 60000, "SUCCESS", "cccc333", NULL);
	is_int(detect_run(&f, &obs, &cfg), 0, "a successful deployment after it ends it");
	findings_release(&f);
	observation_release(&obs);
}

static void test_bad_input(void)
{
	struct observation obs;
	struct findings f = FINDINGS_INIT;
	struct config cfg;
	struct json *j;
	const char *doc;

	memset(&cfg, 0, sizeof(cfg));
	observation_init(&obs);
	obs.start = obs.end = 1000;
	ok(detect_run(&f, &obs, &cfg) == BOT_EINVALID, "an empty window is refused");
	is_int(f.nr, 0, "and nothing is appended");

	doc = "{\"findings\":[{\"service\":\"api\",\"kind\":\"memory_leek\",\"severity\":\"warning\","
	      "\"unit\":\"ms\",\"onset\":\"2026-11-28T09:30:00Z\",\"detected\":\"2026-11-28T09:30:00Z\"}]}";
	ok(json_parse(&j, doc, strlen(doc)) == 0, "parse a bad findings document");
	ok(findings_from_json(&f, j) == BOT_EINVALID, "an unknown kind is refused");
	like(bot_error_last(), "findings[0].kind", "naming where");
	is_int(f.nr, 0, "leaving the list empty");
	json_free(j);

	doc = "{\"findings\":[{\"service\":\"api\",\"kind\":\"latency\",\"severity\":\"warning\","
	      "\"unit\":\"ms\",\"observed\":1,\"threshold\":1,\"onset\":\"yesterday\",\"detected\":\"2026-11-28T09:30:00Z\"}]}";
	ok(json_parse(&j, doc, strlen(doc)) == 0 && findings_from_json(&f, j) == BOT_EINVALID,
	   "a bad time is refused");
	like(bot_error_last(), "findings[0].onset", "naming where");
	json_free(j);

	doc = "{\"findings\":[{\"service\":\"api\",\"kind\":\"latency\",\"severity\":\"warning\","
	      "\"unit\":\"ms\",\"fingerprint\":\"0000000000000000\",\"onset\":\"2026-11-28T09:30:00Z\","
	      "\"detected\":\"2026-11-28T09:30:00Z\"}]}";
	ok(json_parse(&j, doc, strlen(doc)) == 0 && findings_from_json(&f, j) == BOT_EINVALID,
	   "a fingerprint that does not match service and kind is refused");
	json_free(j);
	observation_release(&obs);
}

static void test_run(void)
{
	struct observation obs;
	struct findings f = FINDINGS_INIT;
	struct service_metrics *svc;
	struct service_config sc;
	struct config cfg;
	int i, n;

	memset(&cfg, 0, sizeof(cfg));
	cfg.thresholds[SIGNAL_MEMORY] = (struct threshold){ 1, { LEVEL_FRACTION, 0.7 },
							    { LEVEL_BYTES, 900e6 }, 5 * 60000, 3, 0 };
	observation_init(&obs);
	obs.start = 0;
	obs.end = 20 * 60000;
	obs.step = 60000;
	svc = observation_add_service(&obs, "api");
	for (i = 0; i <= 20; i++) {
		series_add(&svc->series[METRIC_MEMORY], i * 60000LL, 950e6);
		series_add(&svc->series[METRIC_MEMORY_LIMIT], i * 60000LL, 1e9);
	}
	service_add_deployment(svc, "d-1", 0, "SUCCESS", NULL, NULL);
	n = detect_run(&f, &obs, &cfg);
	is_int(n, 1, "one finding");
	is_int(f.items[0].severity, SEVERITY_CRITICAL, "an absolute critical level in bytes");
	is_int(f.items[0].unit, FIGURE_BYTES, "reported in bytes");
	is_double(f.items[0].observed, 950e6, 1, "observed bytes");
	is_str(f.items[0].deployment, "d-1", "a deployment at the window start counts");
	is_int(f.items[0].detected, 5 * 60000, "detected once held for 5m");
	ok(f.items[0].ongoing, "still ongoing");
	is_int(f.services_nr, 1, "one summary");
	is_double(f.services[0].memory_peak, 0.95, 1e-12, "summary: peak fraction");
	is_double(f.services[0].memory_limit_bytes, 1e9, 0, "summary: limit");
	ok(isnan(f.services[0].requests) && isnan(f.services[0].rate_5xx), "summary: no HTTP data is NAN");
	is_int(f.services[0].worst, SEVERITY_CRITICAL, "summary: worst severity");
	findings_release(&f);

	memset(&sc, 0, sizeof(sc));
	sc.name = (char *)"api";
	sc.enabled = 0;
	cfg.services = &sc;
	cfg.services_nr = 1;
	is_int(detect_run(&f, &obs, &cfg), 0, "a service disabled in the configuration is not judged");
	is_int(f.services_nr, 1, "but still summarised");
	findings_release(&f);

	sc.enabled = 1;
	sc.deployed_as = (char *)"api";
	sc.name = (char *)"backend";
	ok(detect_thresholds_for(&cfg, "api") == sc.thresholds, "a service is found by deployed_as");
	ok(detect_thresholds_for(&cfg, "web") == cfg.thresholds, "others get the project's thresholds");
	is_int(detect_run(&f, &obs, &cfg), 0, "its own (empty) thresholds apply");
	findings_release(&f);
	observation_release(&obs);
}

static void base_config(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->thresholds[SIGNAL_MEMORY] = (struct threshold){ 1, { LEVEL_FRACTION, 0.7 },
							     { LEVEL_FRACTION, 0.9 }, 10 * 60000, 5, 0 };
	cfg->thresholds[SIGNAL_LATENCY_P95] = (struct threshold){ 1, { LEVEL_MS, 1000 }, { LEVEL_MS, 3000 },
								  10 * 60000, 5, 50 };
	cfg->leak = (struct leak_config){ 1, 4 * 3600000LL, 0.8 };
	cfg->regression = (struct regression_config){ 1, 2.0, 3.0, 0.005, 0.99, 3600000LL, 1.5, 1.25, 1 };
}

/* base_config, and an observation of one service "api" over minutes 0..minutes, a step a minute. */
static struct service_metrics *api_observation(struct observation *obs, struct config *cfg, int minutes)
{
	base_config(cfg);
	observation_init(obs);
	obs->end = minutes * 60000LL;
	obs->step = 60000;
	return observation_add_service(obs, "api");
}

static void test_regression(void)
{
	struct observation obs;
	struct findings f = FINDINGS_INIT;
	struct service_metrics *svc;
	struct config cfg;
	int i;

	svc = api_observation(&obs, &cfg, 30);
	for (i = 0; i <= 30; i++) {
		series_add(&svc->series[METRIC_REQUESTS], i * 60000LL, 400);
		series_add(&svc->series[METRIC_LATENCY_P95], i * 60000LL, i <= 15 ? 70 : 650);
	}
	service_add_deployment(svc, "d-42", 15 * 60000LL, "SUCCESS", NULL, NULL);
	is_int(detect_run(&f, &obs, &cfg), 1, "p95 70 -> 650 ms after a deployment: one finding");
	is_int(f.items[0].kind, FINDING_LATENCY, "of kind latency");
	is_int(f.items[0].method, METHOD_REGRESSION, "found against the baseline");
	is_int(f.items[0].severity, SEVERITY_WARNING, "a warning");
	is_str(f.items[0].deployment, "d-42", "naming the deployment");
	is_double(f.items[0].regression.before, 70, 0, "median before");
	is_double(f.items[0].regression.after, 650, 0, "median after");
	is_double(f.items[0].observed, 650.0 / 70, 1e-12, "the ratio is the observed figure");
	is_int(f.items[0].regression.n_before, 15, "samples [at - 1h, at): minutes 0..14");
	is_int(f.items[0].regression.n_after, 15, "samples from one step after: minutes 16..30");
	is_int(f.items[0].onset, 16 * 60000, "onset one step after the deployment");
	like(f.items[0].reason, "p95 x9.3 after deployment d-42", "the reason gives ratio and deployment");
	ok(f.items[0].confidence > 0.99, "confidence from the test's p-value (%g)", f.items[0].confidence);
	findings_release(&f);

	/* Over the threshold as well: one finding, the threshold's, carrying the comparison. */
	for (i = 16; i <= 30; i++)
		svc->series[METRIC_LATENCY_P95].items[i].v = 1500;
	is_int(detect_run(&f, &obs, &cfg), 1, "p95 70 -> 1500 ms: still one finding");
	is_int(f.items[0].method, METHOD_THRESHOLD, "the held threshold's");
	is_double(f.items[0].regression.ratio, 1500.0 / 70, 1e-12, "with the baseline ratio");
	like(f.items[0].reason, "after deployment d-42", "and the comparison in its reason");
	{
		struct json *j = findings_to_json(&f);
		char *text = json_print(j, 0);
		like(text, "\"regression\":{\"before\":70", "the JSON form carries the comparison");
		free(text);
		json_free(j);
	}
	findings_release(&f);
	for (i = 16; i <= 30; i++)
		svc->series[METRIC_LATENCY_P95].items[i].v = 650;

	cfg.regression.enabled = 0;
	is_int(detect_run(&f, &obs, &cfg), 0, "regressions can be switched off");
	findings_release(&f);
	cfg.regression.enabled = 1;
	cfg.regression.latency_ratio = 10;
	is_int(detect_run(&f, &obs, &cfg), 0, "x9.3 is not x10");
	findings_release(&f);
	cfg.regression.latency_ratio = 2;

	/* A baseline median of 0 ms: the ratio is floored like a rate's, never infinite (null in JSON). */
	for (i = 0; i <= 15; i++)
		svc->series[METRIC_LATENCY_P95].items[i].v = 0;
	is_int(detect_run(&f, &obs, &cfg), 1, "p95 0 -> 650 ms: one finding");
	ok(isfinite(f.items[0].observed) && f.items[0].observed >= 650,
	   "a finite ratio of at least x650 (%g)", f.items[0].observed);
	ok(isfinite(f.items[0].regression.ratio), "regression.ratio finite too");
	ok(!strstr(f.items[0].summary, "inf"), "the summary shows no 'xinf' (%s)", f.items[0].summary);
	{
		struct json *j = findings_to_json(&f);
		char *text = json_print(j, 0);
		ok(!strstr(text, "\"observed\":null") && !strstr(text, "\"ratio\":null"),
		   "the JSON form has the numbers");
		free(text);
		json_free(j);
	}
	findings_release(&f);
	observation_release(&obs);
}

/*
 * 0 of 60 requests failed before a deployment, 6 of 60 after. Fisher's exact
 * test gives p = C(60,6)/C(120,6) = 0.0137: not significant at 0.99. The
 * normal approximation of the two-proportion z-test (z = 2.51, p = 0.006)
 * claimed it was, on six errors.
 */
static void test_rate_regression_few_errors(void)
{
	static const int errors_at[] = { 17, 20, 23, 25, 27, 29 };
	struct observation obs;
	struct findings f = FINDINGS_INIT;
	struct service_metrics *svc;
	struct config cfg;
	size_t k;
	int i;

	svc = api_observation(&obs, &cfg, 30);
	/* Levels far above the data: only the comparison with the baseline can speak. */
	cfg.thresholds[SIGNAL_ERROR_RATE_5XX] = (struct threshold){ 1, { LEVEL_FRACTION, 0.5 },
								    { LEVEL_FRACTION, 0.9 }, 5 * 60000, 5, 50 };
	for (i = 0; i <= 30; i++) {
		double e = 0;
		for (k = 0; k < ARRAY_SIZE(errors_at); k++)
			e += errors_at[k] == i;
		series_add(&svc->series[METRIC_REQUESTS], i * 60000LL, 4);
		series_add(&svc->series[METRIC_REQUESTS_5XX], i * 60000LL, e);
	}
	service_add_deployment(svc, "d-7", 15 * 60000LL, "SUCCESS", NULL, NULL);
	is_int(detect_run(&f, &obs, &cfg), 0, "0/60 -> 6/60 failed requests: not significant (Fisher p 0.014)");
	findings_release(&f);

	/* A seventh error: p = 0.0065, a regression. */
	svc->series[METRIC_REQUESTS_5XX].items[30].v = 1;
	is_int(detect_run(&f, &obs, &cfg), 1, "0/60 -> 7/60: a regression (Fisher p 0.0065)");
	if (f.nr) {
		is_int(f.items[0].method, METHOD_REGRESSION, "  found against the baseline");
		is_double(f.items[0].regression.p_value, 0.00649, 1e-4, "  with the exact p-value");
	}
	findings_release(&f);
	observation_release(&obs);
}

static void test_crash_loop(void)
{
	struct observation obs;
	struct findings f = FINDINGS_INIT;
	struct service_metrics *svc;
	struct config cfg;
	int i;

	svc = api_observation(&obs, &cfg, 30);
	/* 30%, 44%, ... 100% of 1e9 in 5 minutes, restart, again: a cycle every 6 minutes. */
	for (i = 0; i <= 30; i++) {
		series_add(&svc->series[METRIC_MEMORY], i * 60000LL, 1e9 * (0.30 + 0.14 * (i % 6)));
		series_add(&svc->series[METRIC_MEMORY_LIMIT], i * 60000LL, 1e9);
	}
	is_int(detect_run(&f, &obs, &cfg), 1, "a sawtooth to the limit: one finding");
	is_int(f.items[0].kind, FINDING_MEMORY_LEAK, "a memory leak");
	is_int(f.items[0].method, METHOD_CRASH_LOOP, "found as a crash loop");
	is_int(f.items[0].severity, SEVERITY_CRITICAL, "critical");
	is_int(f.items[0].leak.cycles, 5, "five climbs ended by a restart");
	is_int(f.items[0].leak.cycle_ms, 6 * 60000, "a cycle every 6 minutes");
	is_double(f.items[0].observed, 5 * 60000, 1, "(100%% - 30%%) / 14%% a minute: 5 minutes to the limit");
	is_int(f.items[0].detected, 8 * 60000, "seen at the third sample of the second climb");
	is_double(f.items[0].leak.slope, 0.14e9 * 60, 1, "slope per hour");
	findings_release(&f);
	observation_release(&obs);
}

/*
 * Under a collector's sawtooth: a floor at 30% climbing 0.2% a minute,
 * +4% a minute for four minutes, cut back every fifth: a line through
 * every sample fits with R^2 about 0.3; the troughs and peaks climb.
 */
static void test_cycle_leak(void)
{
	struct observation obs;
	struct findings f = FINDINGS_INIT;
	struct service_metrics *svc;
	struct config cfg;
	int i, leak;

	for (leak = 1; leak >= 0; leak--) {
		svc = api_observation(&obs, &cfg, 59);
		for (i = 0; i <= 59; i++) {
			series_add(&svc->series[METRIC_MEMORY], i * 60000LL,
				   1e9 * (0.30 + 0.002 * leak * i + 0.04 * (i % 5)));
			series_add(&svc->series[METRIC_MEMORY_LIMIT], i * 60000LL, 1e9);
		}
		if (!leak) {
			is_int(detect_run(&f, &obs, &cfg), 0, "the same sawtooth on a flat floor: quiet");
			findings_release(&f);
			observation_release(&obs);
			break;
		}
		is_int(detect_run(&f, &obs, &cfg), 1, "a leak under a sawtooth: one finding");
		is_int(f.items[0].kind, FINDING_MEMORY_LEAK, "a memory leak");
		is_int(f.items[0].method, METHOD_TREND, "found as a trend");
		is_int(f.items[0].severity, SEVERITY_WARNING, "3.5 hours away: a warning");
		is_int(f.items[0].leak.cycles, 11, "eleven cuts");
		is_int(f.items[0].leak.cycle_ms, 5 * 60000, "a cut every 5 minutes");
		is_double(f.items[0].leak.slope, 0.002e9 * 60, 1, "the floor's slope per hour");
		/* Peaks 30% + 0.2% x 59 + 16% = 57.8% now; 42.2% to go at 0.2% a minute. */
		ok(llabs(f.items[0].leak.time_to_limit - 211 * 60000LL) <= 1,
		   "the peaks meet the limit in 211 minutes (%lld ms)", (long long)f.items[0].leak.time_to_limit);
		/* At minute 30 the peaks (52%) are 4 hours (the horizon) from the limit. */
		ok(f.items[0].detected >= 30 * 60000LL && f.items[0].detected <= 31 * 60000LL,
		   "seen once the peaks are within the horizon (%lld s)", (long long)f.items[0].detected / 1000);
		ok(strstr(f.items[0].summary, "under garbage collection") != NULL, "summary: %s", f.items[0].summary);
		findings_release(&f);
		observation_release(&obs);
	}
}

static uint64_t rng_state = 42;

static double rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/*
 * Odd data must never crash the detector or give a malformed finding:
 * random series (missing, NaN, negative, zero limits, steps in and out of
 * the window), random deployments, random steps.
 */
static void test_random_observations(void)
{
	struct config cfg;
	int round, bad = 0, total = 0;

	base_config(&cfg);
	cfg.thresholds[SIGNAL_CPU] = cfg.thresholds[SIGNAL_MEMORY];
	cfg.thresholds[SIGNAL_ERROR_RATE_5XX] = (struct threshold){ 1, { LEVEL_FRACTION, 0.01 },
								    { LEVEL_FRACTION, 0.05 }, 5 * 60000, 3, 20 };
	cfg.thresholds[SIGNAL_ERROR_RATE_4XX] = cfg.thresholds[SIGNAL_ERROR_RATE_5XX];
	for (round = 0; round < 300; round++) {
		struct observation obs;
		struct findings f = FINDINGS_INIT;
		struct service_metrics *svc;
		int n = (int)(rnd() * 90), m, i, ret;
		size_t k;

		observation_init(&obs);
		obs.start = 1000000;
		obs.step = rnd() < 0.1 ? 0 : 60000;
		obs.end = obs.start + (int64_t)(1 + rnd() * 60) * 60000;
		svc = observation_add_service(&obs, rnd() < 0.5 ? "api" : "worker");
		for (m = 0; m < METRIC__COUNT; m++) {
			double base = rnd() < 0.1 ? 0 : rnd() * (m == METRIC_MEMORY_LIMIT ? 2e9 : 1e3);
			if (rnd() < 0.2)
				continue;
			for (i = 0; i < n; i++) {
				double v = base * (rnd() < 0.5 ? 1 : rnd() * 2);
				if (rnd() < 0.05)
					v = NAN;
				if (rnd() < 0.02)
					v = -v;
				if (m == METRIC_MEMORY && rnd() < 0.3)
					v = (double)(i % 7) * 3e8;
				series_add(&svc->series[m], obs.start + (int64_t)(i - 5) * 60000 +
					   (rnd() < 0.1 ? 17 : 0), v);
			}
			series_normalise(&svc->series[m]);
		}
		for (i = 0; i < (int)(rnd() * 4); i++)
			service_add_deployment(svc, i % 2 ? "d-1" : "d-2",
					       obs.start + (int64_t)(rnd() * 70 - 5) * 60000, NULL, NULL, NULL);
		ret = detect_run(&f, &obs, &cfg);
		total += ret > 0 ? ret : 0;
		if (ret < 0 || f.services_nr != 1)
			bad++;
		for (k = 0; k < f.nr; k++)
			if (!f.items[k].summary || !f.items[k].reason || f.items[k].detected < f.items[k].onset ||
			    !f.items[k].evidence.nr || isnan(f.items[k].confidence) ||
			    f.items[k].confidence < 0 || f.items[k].confidence > 1)
				bad++;
		findings_release(&f);
		observation_release(&obs);
	}
	is_int(bad, 0, "300 random observations: no error, every finding complete (%d findings)", total);
}

int main(void)
{
	test_random_observations();
	test_regression();
	test_rate_regression_few_errors();
	test_crash_loop();
	test_cycle_leak();
	test_names();
	test_fingerprint();
	test_deployment_fingerprint();
	test_bad_input();
	test_run();
	return done_testing();
}
