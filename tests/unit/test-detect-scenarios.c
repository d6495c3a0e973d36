/*
 * The detector's table test: every JSON file in tests/scenarios/ is run through
 * detect_run() and the findings must be exactly the expected ones (no
 * missing, no extra), by service, kind and severity, and by deployment
 * where the case names one. Each result also goes through the findings
 * JSON form and back.
 *
 * The configuration is tests/scenarios/base.autofix.json with the case's
 * "config_overrides" (a fragment of .autofix.yml in JSON form) merged in,
 * read by the real loader (config_load_buffer), so a case's thresholds
 * mean exactly what they would in a user's .autofix.yml.
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

/* The case's configuration: base.autofix.json with its overrides, through the real loader. */
static int load_config(struct config *cfg, const char *dir, const char *file, const struct json *ov)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct config_diags diags = { NULL, 0, 0 };
	struct json *base = NULL;
	char *doc = NULL;
	int ret;

	strbuf_addf(&path, "%s/base.autofix.json", dir);
	if ((ret = strbuf_read_file(&text, path.buf, 1 << 20)) < 0 ||
	    (ret = json_parse(&base, text.buf, text.len)) < 0)
		goto out;
	if (ov)
		json_merge(base, ov);
	doc = json_print(base, 0);
	ret = config_load_buffer(cfg, file, doc, strlen(doc), &diags);
	if (ret < 0 && diags.nr)
		bot_error(ret, "%s: %s", diags.items[0].key_path, diags.items[0].message);
out:
	config_diags_release(&diags);
	json_free(base);
	free(doc);
	strbuf_release(&path);
	strbuf_release(&text);
	return ret;
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

	config_init(&cfg);
	observation_init(&obs);
	strbuf_addf(&path, "%s/%s", dir, file);
	if (strbuf_read_file(&text, path.buf, 16 << 20) < 0 ||
	    json_parse(&doc, text.buf, text.len) < 0) {
		ok(0, "%s: readable JSON: %s", file, bot_error_last());
		goto out;
	}
	if (load_config(&cfg, dir, file, json_member(doc, "config_overrides")) < 0) {
		ok(0, "%s: configuration loads: %s", file, bot_error_last());
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
		const struct json *ttl = json_member(e, "time_to_limit_minutes");

		if (m < 0) {
			ok(0, "%s: expected %s %s %s is missing%s", file,
			   json_str_value(json_member(e, "service")), json_str_value(json_member(e, "kind")),
			   json_str_value(json_member(e, "severity")), got.buf);
			all = 0;
			continue;
		}
		if (json_member(e, "method") &&
		    strcmp(json_str_value(json_member(e, "method")) ? json_str_value(json_member(e, "method")) : "",
			   finding_method_name(f.items[m].method))) {
			ok(0, "%s: %s %s found by %s, expected %s", file, f.items[m].service,
			   finding_kind_name(f.items[m].kind), finding_method_name(f.items[m].method),
			   json_str_value(json_member(e, "method")));
			all = 0;
		}
		if (ttl && json_size(ttl) == 2) {
			/* A leak's forecast: minutes after the window's end, within the case's range. */
			double lo = json_num_value(json_first(ttl)), hi = json_num_value(json_next(json_first(ttl)));
			double have = (double)f.items[m].leak.time_to_limit / 60e3;
			if (!(have >= lo && have <= hi)) {
				ok(0, "%s: %s %s reaches the limit in %.0f min, expected %.0f to %.0f", file,
				   f.items[m].service, finding_kind_name(f.items[m].kind), have, lo, hi);
				all = 0;
			}
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
	for (i = 1; i < f.nr; i++)
		if (!strcmp(f.items[i].service, f.items[i - 1].service) &&
		    f.items[i].kind <= f.items[i - 1].kind) {
			ok(0, "%s: one finding per kind, in kind order (%s after %s)", file,
			   finding_kind_name(f.items[i].kind), finding_kind_name(f.items[i - 1].kind));
			all = 0;
		}
	for (i = 0; i < f.nr; i++) {
		char fp[17];
		/* A deployment finding's evidence is a status: the series may be empty (nothing ran). */
		finding_fingerprint_keyed(fp, f.items[i].service, f.items[i].kind, f.items[i].subject);
		if (strcmp(fp, f.items[i].fingerprint) ||
		    (!f.items[i].evidence.nr && f.items[i].method != METHOD_STATUS) ||
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
	config_release(&cfg);
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
		if (ends_with(de->d_name, ".json") && !ends_with(de->d_name, ".autofix.json")) {
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
