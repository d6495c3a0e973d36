/*
 * The detector's table test: every JSON file in tests/scenarios/ is run through
 * detect_run() and the findings must be exactly the expected ones (no
 * missing, no extra), by service, kind and severity, and by deployment
 * where the case names one. Each result also goes through the findings
 * JSON form and back.
 *
 * The thresholds are the defaults of tests/scenarios/README.md with the
 * case's "config_overrides" (a fragment of .autofix.yml in JSON form)
 * applied by a small reader below, so that the detector is tested without
 * the configuration loader.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "detect/detect.h"
#include "metrics.h"
#include "tap.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define MINUTES(n) ((int64_t)(n) * 60 * 1000)

static const char *signal_keys[SIGNAL__COUNT] = {
	"cpu", "memory", "error_rate_5xx", "error_rate_4xx", "latency_p95",
};

static void default_thresholds(struct threshold *th)
{
	memset(th, 0, SIGNAL__COUNT * sizeof(*th));
	th[SIGNAL_CPU] = (struct threshold){ 1, { LEVEL_FRACTION, 0.70 }, { LEVEL_FRACTION, 0.90 },
					     MINUTES(10), 5, 0 };
	th[SIGNAL_MEMORY] = (struct threshold){ 1, { LEVEL_FRACTION, 0.70 }, { LEVEL_FRACTION, 0.90 },
						MINUTES(10), 5, 0 };
	th[SIGNAL_ERROR_RATE_5XX] = (struct threshold){ 1, { LEVEL_FRACTION, 0.01 }, { LEVEL_FRACTION, 0.05 },
							MINUTES(5), 5, 50 };
	th[SIGNAL_ERROR_RATE_4XX] = (struct threshold){ 1, { LEVEL_FRACTION, 0.10 }, { LEVEL_FRACTION, 0.25 },
							MINUTES(10), 5, 50 };
	th[SIGNAL_LATENCY_P95] = (struct threshold){ 1, { LEVEL_MS, 1000 }, { LEVEL_MS, 3000 },
						     MINUTES(10), 5, 0 };
}

static void default_config(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = 1;
	cfg->window_ms = MINUTES(30);
	cfg->step_ms = MINUTES(1);
	default_thresholds(cfg->thresholds);
	cfg->leak = (struct leak_config){ 1, MINUTES(240), 0.8 };
	cfg->regression = (struct regression_config){ 1, 2.0, 3.0, 0.005, 0.99, MINUTES(60) };
}

static void release_config(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->services_nr; i++)
		free(cfg->services[i].name);
	free(cfg->services);
}

/* "97%", "1500ms", "2s", "10m", "4h", "600MB", or a plain number. */
static int parse_quantity(double *out, enum level_unit *unit, const struct json *v)
{
	const char *s = json_str_value(v);
	char *end;
	double x;

	if (json_type(v) == JSON_NUMBER) {
		*out = json_num_value(v);
		*unit = LEVEL_FRACTION;
		return 0;
	}
	if (!s)
		return -1;
	x = strtod(s, &end);
	if (end == s)
		return -1;
	if (!strcmp(end, "%")) { *out = x / 100; *unit = LEVEL_FRACTION; }
	else if (!strcmp(end, "ms")) { *out = x; *unit = LEVEL_MS; }
	else if (!strcmp(end, "s")) { *out = x * 1000; *unit = LEVEL_MS; }
	else if (!strcmp(end, "m")) { *out = x * 60000; *unit = LEVEL_MS; }
	else if (!strcmp(end, "h")) { *out = x * 3600000; *unit = LEVEL_MS; }
	else if (!strcmp(end, "MB")) { *out = x * 1e6; *unit = LEVEL_BYTES; }
	else if (!strcmp(end, "GB")) { *out = x * 1e9; *unit = LEVEL_BYTES; }
	else return -1;
	return 0;
}

static int apply_threshold(struct threshold *th, const struct json *obj)
{
	const struct json *m;

	for (m = json_first(obj); m; m = json_next(m)) {
		const char *k = json_key(m);
		enum level_unit u;
		double x;

		if (!strcmp(k, "enabled"))
			th->enabled = json_bool_value(m);
		else if (parse_quantity(&x, &u, m) < 0)
			return -1;
		else if (!strcmp(k, "warning"))
			th->warning = (struct level){ u, x };
		else if (!strcmp(k, "critical"))
			th->critical = (struct level){ u, x };
		else if (!strcmp(k, "for"))
			th->for_ms = (int64_t)x;
		else if (!strcmp(k, "min_samples"))
			th->min_samples = (int)x;
		else if (!strcmp(k, "min_requests"))
			th->min_requests = (int64_t)x;
		else
			return -1;
	}
	return 0;
}

static int apply_thresholds(struct threshold *th, const struct json *obj)
{
	const struct json *m;
	int i;

	for (m = json_first(obj); m; m = json_next(m)) {
		for (i = 0; i < SIGNAL__COUNT; i++)
			if (!strcmp(json_key(m), signal_keys[i]))
				break;
		if (i == SIGNAL__COUNT || apply_threshold(&th[i], m) < 0)
			return -1;
	}
	return 0;
}

static int apply_overrides(struct config *cfg, const struct json *ov)
{
	const struct json *m, *s;
	enum level_unit u;
	double x;

	if (!ov)
		return 0;
	if ((m = json_member(ov, "thresholds")) && apply_thresholds(cfg->thresholds, m) < 0)
		return -1;
	for (s = json_first(json_member(ov, "services")); s; s = json_next(s)) {
		struct service_config *sc;

		cfg->services = xrealloc(cfg->services, (cfg->services_nr + 1) * sizeof(*cfg->services));
		sc = &cfg->services[cfg->services_nr++];
		memset(sc, 0, sizeof(*sc));
		sc->name = xstrdup(json_key(s));
		sc->enabled = json_member(s, "enabled") ? json_bool_value(json_member(s, "enabled")) : 1;
		memcpy(sc->thresholds, cfg->thresholds, sizeof(sc->thresholds));
		if ((m = json_member(s, "thresholds")) && apply_thresholds(sc->thresholds, m) < 0)
			return -1;
	}
	for (m = json_first(json_get(ov, "detect.memory_leak")); m; m = json_next(m)) {
		if (!strcmp(json_key(m), "enabled"))
			cfg->leak.enabled = json_bool_value(m);
		else if (parse_quantity(&x, &u, m) < 0)
			return -1;
		else if (!strcmp(json_key(m), "horizon"))
			cfg->leak.horizon_ms = (int64_t)x;
		else if (!strcmp(json_key(m), "min_fit"))
			cfg->leak.min_fit = x;
		else
			return -1;
	}
	for (m = json_first(json_get(ov, "detect.regression")); m; m = json_next(m)) {
		if (!strcmp(json_key(m), "enabled"))
			cfg->regression.enabled = json_bool_value(m);
		else if (parse_quantity(&x, &u, m) < 0)
			return -1;
		else if (!strcmp(json_key(m), "latency_ratio"))
			cfg->regression.latency_ratio = x;
		else if (!strcmp(json_key(m), "error_rate_ratio"))
			cfg->regression.error_rate_ratio = x;
		else if (!strcmp(json_key(m), "min_error_rate"))
			cfg->regression.min_error_rate = x;
		else if (!strcmp(json_key(m), "confidence"))
			cfg->regression.confidence = x;
		else if (!strcmp(json_key(m), "baseline"))
			cfg->regression.baseline_ms = (int64_t)x;
		else
			return -1;
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The findings of one expected entry, or -1. Marks used ones so that each matches once. */
static int match(const struct findings *f, char *used, const struct json *e)
{
	const char *svc = json_str_value(json_member(e, "service"));
	const char *kind = json_str_value(json_member(e, "kind"));
	const char *sev = json_str_value(json_member(e, "severity"));
	size_t i;

	for (i = 0; i < f->nr; i++)
		if (!used[i] && svc && kind && sev && !strcmp(f->items[i].service, svc) &&
		    !strcmp(finding_kind_name(f->items[i].kind), kind) &&
		    !strcmp(severity_name(f->items[i].severity), sev)) {
			used[i] = 1;
			return (int)i;
		}
	return -1;
}

static void check_roundtrip(const char *name, const struct findings *f)
{
	struct json *j = findings_to_json(f), *back_j = NULL;
	char *text = json_print(j, 0), *text2 = NULL;
	struct findings back = FINDINGS_INIT;
	int ret = json_parse(&back_j, text, strlen(text));

	if (!ret)
		ret = findings_from_json(&back, back_j);
	if (!ret) {
		struct json *j2 = findings_to_json(&back);
		text2 = json_print(j2, 0);
		json_free(j2);
	}
	ok(!ret && text2 && !strcmp(text, text2), "%s: findings survive JSON and back%s%s", name,
	   ret ? ": " : "", ret ? bot_error_last() : "");
	free(text);
	free(text2);
	json_free(j);
	json_free(back_j);
	findings_release(&back);
}

static void run_case(const char *dir, const char *file)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, got = STRBUF_INIT;
	struct observation obs;
	struct findings f = FINDINGS_INIT;
	struct config cfg;
	struct json *doc = NULL;
	const struct json *exp, *e;
	char *used = NULL;
	size_t i, k, nexp;
	int ret, all = 1;

	default_config(&cfg);
	observation_init(&obs);
	strbuf_addf(&path, "%s/%s", dir, file);
	if (strbuf_read_file(&text, path.buf, 16 << 20) < 0 ||
	    json_parse(&doc, text.buf, text.len) < 0) {
		ok(0, "%s: readable JSON: %s", file, bot_error_last());
		goto out;
	}
	if (apply_overrides(&cfg, json_member(doc, "config_overrides")) < 0) {
		ok(0, "%s: config_overrides understood", file);
		goto out;
	}
	if ((ret = observation_from_json(&obs, json_member(doc, "observation"))) < 0) {
		ok(0, "%s: observation: %s", file, bot_error_last());
		goto out;
	}
	exp = json_member(doc, "expect");
	if (json_type(exp) != JSON_ARRAY || !json_str_value(json_member(doc, "description"))) {
		ok(0, "%s: has a description and an expect array", file);
		goto out;
	}
	ret = detect_run(&f, &obs, &cfg);
	nexp = json_size(exp);
	used = xcalloc(f.nr + 1, 1);
	/* SCENARIO_VERBOSE=1 prints every finding, to review what a case produces. */
	for (i = 0; getenv("SCENARIO_VERBOSE") && i < f.nr; i++)
		diag("%s: %s | %s | onset %lld detected +%llds conf %.2f", file, f.items[i].summary,
		     f.items[i].reason, (long long)f.items[i].onset,
		     (long long)(f.items[i].detected - f.items[i].onset) / 1000, f.items[i].confidence);
	for (i = 0; i < f.nr; i++)
		strbuf_addf(&got, "\n#   got %s %s %s (%s)", f.items[i].service,
			    finding_kind_name(f.items[i].kind), severity_name(f.items[i].severity),
			    f.items[i].summary);
	for (k = 0, e = json_first(exp); e; e = json_next(e), k++) {
		int m = match(&f, used, e);
		const struct json *dep = json_member(e, "deployment");

		if (m < 0) {
			ok(0, "%s: expected %s %s %s is missing%s", file,
			   json_str_value(json_member(e, "service")), json_str_value(json_member(e, "kind")),
			   json_str_value(json_member(e, "severity")), got.buf);
			all = 0;
			continue;
		}
		if (dep) {
			const char *want = json_str_value(dep), *have = f.items[m].deployment;
			if (!((!want && !have) || (want && have && !strcmp(want, have)))) {
				ok(0, "%s: %s %s began after deployment %s, expected %s", file,
				   f.items[m].service, finding_kind_name(f.items[m].kind),
				   have ? have : "(none)", want ? want : "(none)");
				all = 0;
			}
		}
	}
	for (i = 0; i < f.nr; i++)
		if (!used[i]) {
			ok(0, "%s: unexpected finding: %s", file, f.items[i].summary);
			all = 0;
		}
	if (all)
		ok(ret == (int)nexp, "%s: exactly the %zu expected finding(s)", file, nexp);
	is_int(f.services_nr, obs.services_nr, "%s: one summary per service", file);
	for (i = 0; i < f.nr; i++) {
		char fp[17];
		finding_fingerprint(fp, f.items[i].service, f.items[i].kind);
		if (strcmp(fp, f.items[i].fingerprint) || !f.items[i].evidence.nr ||
		    f.items[i].detected < f.items[i].onset || !f.items[i].summary || !f.items[i].reason) {
			ok(0, "%s: finding %zu is complete (fingerprint, evidence, times, texts)", file, i);
			all = 0;
		}
	}
	check_roundtrip(file, &f);
out:
	free(used);
	findings_release(&f);
	observation_release(&obs);
	release_config(&cfg);
	json_free(doc);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&got);
}

int main(void)
{
	const char *dir = test_data_path("scenarios");
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		ok(0, "the scenario directory '%s' opens", dir);
		return done_testing();
	}
	while ((de = readdir(d)))
		if (ends_with(de->d_name, ".json")) {
			ALLOC_GROW(names, nr + 1, alloc);
			names[nr++] = xstrdup(de->d_name);
		}
	closedir(d);
	qsort(names, nr, sizeof(*names), cmp_name);
	ok(nr >= 30, "at least 30 scenarios (%zu)", nr);
	for (i = 0; i < nr; i++) {
		run_case(dir, names[i]);
		free(names[i]);
	}
	free(names);
	return done_testing();
}
