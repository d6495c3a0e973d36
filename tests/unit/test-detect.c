/* detect.h beyond the scenario table: names, fingerprints, bad input, the JSON form. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "tap.h"
#include "util/error.h"

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

int main(void)
{
	test_names();
	test_fingerprint();
	test_bad_input();
	test_run();
	return done_testing();
}
