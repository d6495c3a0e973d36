/*
 * The scan's report forms from hand-made results: the text lines, the
 * JSON shape, and a job summary that survives hostile names, gaps and
 * long series.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/log.h"
#include "lib/json-check.h"
#include "scan_report.h"
#include "util/error.h"
#include "util/xalloc.h"

#define T0 1795858200000LL /* 2026-11-28T09:30:00Z */

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

static void setup(struct observe_result *r, struct findings *f, size_t points)
{
	struct arch_service *s;
	struct service_summary *sum;
	struct finding *fi;
	size_t i;

	observe_result_init(r);
	r->arch.source = xstrdup("railway");
	r->arch.project_name = xstrdup("shop");
	r->arch.environment_name = xstrdup("production");
	s = architecture_add_service(&r->arch, "api|<b>x</b>");
	s->observed = 1;
	r->obs.start = T0;
	r->obs.end = T0 + 1800000;
	r->obs.step = 60000;
	r->requests = 3;
	r->bytes = 2048;

	findings_init(f);
	ALLOC_GROW(f->services, 1, f->services_alloc);
	f->services_nr = 1;
	sum = &f->services[0];
	memset(sum, 0, sizeof(*sum));
	sum->name = xstrdup("api|<b>x</b>");
	sum->memory_peak = 0.97;
	sum->memory_avg = 0.9;
	sum->memory_limit_bytes = 1073741824;
	sum->cpu_peak = sum->cpu_avg = sum->cpu_limit = NAN;
	sum->requests = NAN;
	sum->rate_5xx = sum->rate_4xx = NAN;
	sum->p95_ms = sum->p95_max_ms = NAN;
	sum->worst = SEVERITY_CRITICAL;
	sum->findings = 1;

	ALLOC_GROW(f->items, 1, f->alloc);
	f->nr = 1;
	fi = &f->items[0];
	memset(fi, 0, sizeof(*fi));
	fi->service = xstrdup("api|<b>x</b>");
	fi->kind = FINDING_MEMORY_PRESSURE;
	fi->severity = SEVERITY_CRITICAL;
	fi->method = METHOD_THRESHOLD;
	fi->observed = 0.97;
	fi->threshold = 0.9;
	fi->unit = FIGURE_FRACTION;
	fi->onset = T0;
	fi->evidence_metric = METRIC_MEMORY;
	fi->evidence_unit = FIGURE_FRACTION;
	fi->evidence_level = 0.9;
	for (i = 0; i < points; i++)
		series_add(&fi->evidence, T0 + (int64_t)i * 60000, i % 7 == 3 ? NAN : 0.95);
	fi->summary = xstrdup("memory \"high\"\n| injected |");
	finding_fingerprint(fi->fingerprint, fi->service, fi->kind);
}

/* Turns the finding into a trend leak climbing from 40% to 55% of a 1 GiB limit. */
static void leak_evidence(struct finding *fi, size_t points)
{
	size_t i;

	fi->kind = FINDING_MEMORY_LEAK;
	fi->method = METHOD_TREND;
	fi->unit = FIGURE_MS;
	fi->observed = 2 * 3600e3;
	fi->threshold = 4 * 3600e3;
	fi->evidence_level = 1.0;
	fi->leak.limit = 1073741824.0;
	fi->leak.time_to_limit = 2 * 3600000;
	series_release(&fi->evidence);
	for (i = 0; i < points; i++)
		series_add(&fi->evidence, T0 + (int64_t)i * 60000, 0.40 + 0.15 * (double)i / (double)(points - 1));
}

/* Whether every number in the list up to the end of the line is one Mermaid's xychart lexer reads. */
static int mermaid_numbers(const char *p)
{
	size_t n = 0;

	for (;;) {
		size_t digits = 0;
		if (*p == '-' || *p == '+')
			p++;
		for (; *p >= '0' && *p <= '9'; p++)
			digits++;
		if (*p == '.') {
			size_t frac = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				frac++;
			if (!frac)
				return 0;
			digits += frac;
		}
		if (!digits)
			return 0;
		n++;
		if (*p == ']' || *p == '\n' || (*p == ' ' && p[1] == '-'))
			return n > 0;
		if (strncmp(p, ", ", 2))
			return 0;
		p += 2;
	}
}

static void teardown(struct observe_result *r, struct findings *f)
{
	observe_result_release(r);
	findings_release(f);
}

/* A summary of a service with no finding; figures NAN unless set by the caller. */
static struct service_summary *add_summary(struct findings *f, const char *name)
{
	struct service_summary *sum;

	ALLOC_GROW(f->services, f->services_nr + 1, f->services_alloc);
	sum = &f->services[f->services_nr++];
	memset(sum, 0, sizeof(*sum));
	sum->name = xstrdup(name);
	sum->memory_peak = sum->memory_avg = sum->memory_peak_bytes = sum->memory_limit_bytes = NAN;
	sum->cpu_peak = sum->cpu_avg = sum->cpu_limit = NAN;
	sum->requests = sum->rate_5xx = sum->rate_4xx = sum->p95_ms = sum->p95_max_ms = NAN;
	return sum;
}

/*
 * A scan that saw nothing of a service is not "healthy": ghost's only
 * samples are before the window, in the future, or gaps; api has memory
 * and CPU but no HTTP data; worker has everything.
 */
static void test_no_data(void)
{
	struct observe_result r;
	struct findings f;
	struct service_metrics *api, *ghost, *worker;
	struct strbuf sb = STRBUF_INIT, names = STRBUF_INIT;
	struct service_summary *sum;
	struct json *j;
	int m;

	observe_result_init(&r);
	findings_init(&f);
	r.arch.source = xstrdup("prometheus");
	r.obs.start = T0;
	r.obs.end = T0 + 1800000;
	r.obs.step = 60000;
	api = observation_add_service(&r.obs, "api");
	series_add(&api->series[METRIC_MEMORY], T0 + 60000, 5e8);
	series_add(&api->series[METRIC_CPU], T0 + 60000, 0.2);
	ghost = observation_add_service(&r.obs, "ghost");
	series_add(&ghost->series[METRIC_MEMORY], T0 - 3600000, 5e8);  /* before the window */
	series_add(&ghost->series[METRIC_CPU], T0 + 7200000, 0.2);      /* in the future */
	series_add(&ghost->series[METRIC_LATENCY_P95], T0 + 60000, NAN); /* no value */
	series_add(&ghost->series[METRIC_MEMORY_LIMIT], T0 + 60000, 1e9); /* a limit is no signal */
	ghost->bad_samples = 2;
	worker = observation_add_service(&r.obs, "worker");
	for (m = 0; m < METRIC__COUNT; m++)
		series_add(&worker->series[m], T0 + 60000, 1);
	sum = add_summary(&f, "api");
	sum->memory_peak = sum->memory_avg = 0.5;
	sum->cpu_peak = sum->cpu_avg = 0.2;
	add_summary(&f, "ghost");
	sum = add_summary(&f, "worker");
	sum->memory_peak = sum->cpu_peak = sum->requests = sum->p95_ms = 1;

	is_int(scan_report_unseen(&r, &f, &names), 1, "one service not seen at all");
	is_str(names.buf, "'ghost'", "  named");

	scan_report_text(&sb, &r, &f, 1);
	ok(!strstr(sb.buf, "healthy"), "text: nobody is called healthy");
	like(sb.buf, "no data at all for 1 watched service: 'ghost': not seen, so not judged", "text: says who was not seen");
	ok(strstr(sb.buf, "  ghost ") && strstr(strstr(sb.buf, "  ghost "), "NO DATA, 2 bad samples dropped\n"),
	   "text: ghost's line says NO DATA and its bad samples");
	ok(strstr(sb.buf, "  api ") && strstr(strstr(sb.buf, "  api "), "req no data") &&
	   strstr(strstr(sb.buf, "  api "), "p95 no data  ok\n"), "text: api has no HTTP data, per signal, and is ok");
	like(sb.buf, "\n2 bad samples dropped", "text: the total of bad samples");
	strbuf_reset(&sb);

	j = scan_report_json(&r, &f, 1);
	ok(!json_bool_value(json_get(j, "healthy")), "json: not healthy");
	is_str(json_str_value(json_get(j, "no_data[0]")), "ghost", "json: no_data names ghost");
	is_int(json_size(json_get(j, "no_data")), 1, "  only ghost");
	is_int((long long)json_num_value(json_get(j, "bad_samples")), 2, "json: bad samples");
	ok(!json_bool_value(json_get(j, "services[1].seen")), "json: ghost not seen");
	is_int((long long)json_num_value(json_get(j, "services[1].bad_samples")), 2, "  with its bad samples");
	is_str(json_str_value(json_get(j, "services[0].no_data[0]")), "requests", "json: api has no requests");
	is_str(json_str_value(json_get(j, "services[0].no_data[1]")), "latency_p95", "  nor latency");
	ok(json_bool_value(json_get(j, "services[2].seen")) && json_size(json_get(j, "services[2].no_data")) == 0,
	   "json: worker seen, every signal");
	json_free(j);

	scan_report_markdown(&sb, &r, &f);
	like(sb.buf, "## autofix scan: no data for 1 service\n", "summary: the title says no data");
	ok(!strstr(sb.buf, "healthy"), "summary: not healthy");
	like(sb.buf, "| ghost | no data | no data | no data | no data | no data | no data | ⚪ no data, 2 bad samples |",
	     "summary: ghost's row");
	like(sb.buf, "| api | 50% | 20% | no data | no data | no data | no data | 🟢 ok |", "summary: api's row");
	like(sb.buf, "2 bad samples dropped", "summary: the total of bad samples");
	strbuf_reset(&sb);

	/* Once ghost is seen, the scan is healthy again. */
	series_add(&ghost->series[METRIC_MEMORY], T0 + 60000, 5e8);
	ghost->bad_samples = 0;
	is_int(scan_report_unseen(&r, &f, NULL), 0, "every service seen");
	scan_report_text(&sb, &r, &f, 1);
	like(sb.buf, "no findings: every watched service is healthy in the signals it has data for",
	     "text: healthy, where there was data");
	strbuf_reset(&sb);
	j = scan_report_json(&r, &f, 1);
	ok(json_bool_value(json_get(j, "healthy")), "json: healthy");
	json_free(j);

	strbuf_release(&names);
	strbuf_release(&sb);
	teardown(&r, &f);
}

/* A service whose samples stop (a crash looks like that) is not seen, never healthy; an app asleep is. */
static void test_silent(void)
{
	struct observe_result r;
	struct findings f;
	struct service_metrics *db;
	struct strbuf sb = STRBUF_INIT, names = STRBUF_INIT;
	struct json *j;
	int i;

	observe_result_init(&r);
	findings_init(&f);
	r.arch.source = xstrdup("railway");
	r.obs.start = T0;
	r.obs.end = T0 + 1800000;
	r.obs.step = 60000;
	db = observation_add_service(&r.obs, "db");
	for (i = 0; i <= 18; i++)
		series_add(&db->series[METRIC_MEMORY], T0 + i * 60000LL, 5e8);
	add_summary(&f, "db")->memory_peak = 0.5;
	is_int(scan_report_unseen(&r, &f, &names), 1, "samples that stopped at 09:48 of a window to 10:00: not seen");
	is_str(names.buf, "'db' (nothing since 2026-11-28T09:48:00Z)", "  named, with its last sample");
	is_str(scan_report_unseen_words(&r, &f), "no recent data", "  in words");
	scan_report_text(&sb, &r, &f, 1);
	like(sb.buf, "no recent data for 1 watched service: 'db' (nothing since 2026-11-28T09:48:00Z): not seen",
	     "text: says so");
	ok(!strstr(sb.buf, "healthy"), "text: never healthy");
	j = scan_report_json(&r, &f, 1);
	ok(!json_bool_value(json_get(j, "healthy")) && json_size(json_get(j, "no_data")) == 1,
	   "json: not healthy, db in no_data");
	json_free(j);

	series_add(&db->series[METRIC_MEMORY], T0 + 24 * 60000LL, 5e8);
	is_int(scan_report_unseen(&r, &f, NULL), 0, "a sample in the last quarter of the window: seen");
	db->series[METRIC_MEMORY].nr--;
	service_add_deployment(db, "d-1", T0 - 3600000, "SLEEPING", NULL, NULL);
	is_int(scan_report_unseen(&r, &f, NULL), 0, "an app asleep (SLEEPING) sends nothing: seen");
	strbuf_release(&names);
	strbuf_release(&sb);
	teardown(&r, &f);
}

/* After a fix: the signal a finding was judged on, rebuilt from the raw series, and its chart. */
static void test_after_fix(void)
{
	struct observation obs;
	struct service_metrics *api;
	struct series s = SERIES_INIT;
	struct strbuf sb = STRBUF_INIT;
	double peak = 0;
	int i;

	observation_init(&obs);
	api = observation_add_service(&obs, "api");
	for (i = 0; i < 3; i++) {
		int64_t t = T0 + (int64_t)i * 60000;
		series_add(&api->series[METRIC_MEMORY], t, 250e6 * (i + 1));
		series_add(&api->series[METRIC_REQUESTS], t, i == 1 ? 0 : 100);
		series_add(&api->series[METRIC_REQUESTS_5XX], t, 5);
		series_add(&api->series[METRIC_LATENCY_P95], t, 120);
	}
	/* The limit is missing at the last sample: no fraction there, not a division by nothing. */
	series_add(&api->series[METRIC_MEMORY_LIMIT], T0, 1e9);
	series_add(&api->series[METRIC_MEMORY_LIMIT], T0 + 60000, 1e9);
	scan_report_signal(&s, api, METRIC_MEMORY, FIGURE_FRACTION, T0, T0 + 1800000);
	ok(s.nr == 2 && s.items[0].v == 0.25 && s.items[1].v == 0.5, "memory as a fraction of its limit, where the limit is known");
	series_release(&s);
	scan_report_signal(&s, api, METRIC_REQUESTS_5XX, FIGURE_FRACTION, T0, T0 + 1800000);
	ok(s.nr == 2 && s.items[0].v == 0.05 && s.items[1].t == T0 + 120000, "5xx as a fraction of requests, none without requests");
	series_release(&s);
	scan_report_signal(&s, api, METRIC_LATENCY_P95, FIGURE_MS, T0 + 60000, T0 + 60000);
	ok(s.nr == 1 && s.items[0].v == 120, "ms as observed, within [start, end]");
	series_release(&s);
	scan_report_signal(&s, api, METRIC_CPU, FIGURE_RATIO, T0, T0 + 1800000);
	ok(s.nr == 0, "a ratio is no series");
	scan_report_chart_after(&sb, &peak, api, METRIC_MEMORY, FIGURE_FRACTION, 0.95, T0, T0 + 1800000);
	like(sb.buf, "title \"api memory (%) after the fix, against the level it was judged by\"", "the chart after the fix");
	like(sb.buf, "  line [95, 95]", "with the level it was judged by");
	ok(peak == 0.5, "its peak");
	strbuf_reset(&sb);
	scan_report_chart_after(&sb, &peak, api, METRIC_CPU, FIGURE_FRACTION, NAN, T0, T0 + 1800000);
	ok(!sb.len && isnan(peak), "no data: no chart, no peak");
	strbuf_release(&sb);
	observation_release(&obs);
}

/*
 * A database whose volume fills: the volume's line in the text, its row in
 * the job summary and its object in the JSON; the disk finding's chart
 * draws the size and one more point, the projected time to full.
 */
static void test_volume(void)
{
	struct observe_result r;
	struct findings f;
	struct strbuf sb = STRBUF_INIT;
	struct service_summary *sum;
	struct finding *fi;
	struct json *j;
	const char *chart;

	setup(&r, &f, 31);
	sum = &f.services[0];
	sum->volume = xstrdup("pg-data");
	sum->mount_path = xstrdup("/var/lib/postgresql/data");
	sum->disk_bytes = 8.5 * 1073741824.0;
	sum->disk_limit_bytes = 10 * 1073741824.0;
	sum->disk_peak = 0.85;
	sum->disk_per_hour = 300 * 1048576.0;
	add_summary(&f, "web");
	fi = &f.items[0];
	leak_evidence(fi, 31);
	fi->kind = FINDING_DISK_FILLING;
	fi->evidence_metric = METRIC_DISK;
	fi->leak.time_to_limit = 5 * 3600000;
	finding_fingerprint(fi->fingerprint, fi->service, fi->kind);

	scan_report_text(&sb, &r, &f, 1);
	like(sb.buf, "\n    volume pg-data at /var/lib/postgresql/data: 8.5 GiB of 10.0 GiB (85%), +300 MiB/h\n",
	     "text: the volume's used of size and trend under its service");
	is_int(count(sb.buf, "    volume "), 1, "  and none for a service without one");
	like(sb.buf, "observed 2h to full, horizon 4h", "text: a filling volume's figure is its time to full");
	strbuf_reset(&sb);

	scan_report_markdown(&sb, &r, &f);
	like(sb.buf, "| api\\|\\<b\\>x\\<\\/b\\> | pg\\-data at \\/var\\/lib\\/postgresql\\/data | "
	     "8.5 GiB of 10.0 GiB (85%), +300 MiB/h |", "summary: the volumes table");
	chart = strstr(sb.buf, "```mermaid");
	ok(chart && strstr(chart, "against the volume's size, full in 5h at this slope"),
	   "chart: titled with the size and the time to full");
	ok(chart && strstr(chart, ", \"full +5h\"]"), "chart: one more category, the projection");
	ok(chart && strstr(chart, "55, 100]\n"), "chart: the usage line ends at the size there");
	strbuf_reset(&sb);

	j = scan_report_json(&r, &f, 1);
	is_str(json_str_value(json_get(j, "services[0].volume.name")), "pg-data", "json: the service's volume");
	ok(json_num_value(json_get(j, "services[0].volume.bytes_per_hour")) == 300 * 1048576.0, "  with its trend");
	ok(!json_get(j, "services[1].volume"), "  none for a service without one");
	is_str(json_str_value(json_get(j, "findings[0].kind")), "disk_filling", "json: the finding");
	ok(json_num_value(json_get(j, "findings[0].leak.time_to_limit_ms")) == 5 * 3600000.0,
	   "  with its time to full");
	json_free(j);
	is_json_round_trip(findings, &f, "findings with a volume read back", "and print the same");

	/* A volume held full: its level and the size, no projection. */
	fi->kind = FINDING_DISK_PRESSURE;
	fi->method = METHOD_THRESHOLD;
	fi->evidence_level = 0.8;
	scan_report_markdown(&sb, &r, &f);
	chart = strstr(sb.buf, "```mermaid");
	ok(chart && strstr(chart, "against its level and the volume's size\"") && !strstr(chart, "full +"),
	   "chart: a held level is drawn with the size, no projection");
	ok(chart && strstr(chart, "  line [80, 80,") && strstr(chart, "  line [100, 100,"),
	   "  both as lines");
	strbuf_release(&sb);
	teardown(&r, &f);
}

int main(void)
{
	struct observe_result r;
	struct findings f;
	size_t i;
	struct strbuf sb = STRBUF_INIT;
	struct json *j;
	const char *chart, *line;

	test_volume();
	setup(&r, &f, 31);
	scan_report_text(&sb, &r, &f, 1);
	like(sb.buf, "autofix scan (dry run): railway project 'shop', environment 'production'", "header");
	like(sb.buf, "mem 97% peak/90% avg of 1.0 GiB", "memory figures with the limit");
	like(sb.buf, "cpu no data", "no CPU data: said so, not zeros, dashes or nan");
	ok(!strstr(sb.buf, "nan"), "no 'nan' anywhere");
	like(sb.buf, "CRITICAL (1)", "worst severity and count on the service line");
	like(sb.buf, "  CRITICAL api|<b>x</b> memory_pressure (threshold)", "the finding line");
	like(sb.buf, "evidence memory, 31 samples:", "evidence with its length");
	like(sb.buf, "cost: 3 requests, 2 KiB received", "cost line");
	strbuf_reset(&sb);

	j = scan_report_json(&r, &f, 1);
	ok(json_get(j, "healthy") && !json_bool_value(json_get(j, "healthy")), "json: not healthy");
	is_str(json_str_value(json_get(j, "window.start")), "2026-11-28T09:30:00Z", "json: window");
	is_int((long long)json_num_value(json_get(j, "cost.bytes")), 2048, "json: cost");
	is_str(json_str_value(json_get(j, "findings[0].kind")), "memory_pressure", "json: findings");
	ok(json_type(json_get(j, "services[0].cpu_peak")) == JSON_NULL, "json: unknown figures are null");
	is_str(json_str_value(json_get(j, "architecture.services[0].name")), "api|<b>x</b>", "json: architecture");
	json_free(j);

	is_json_round_trip(observe_result, &r, "observe result JSON reads back",
			   "and prints the same");
	{
		struct observe_result back;
		struct json *a = json_new_object();

		json_set(a, "architecture", json_new_array());
		observe_result_init(&back);
		is_int(observe_result_from_json(&back, a), BOT_EINVALID, "a malformed one is refused");
		like(bot_error_last(), "architecture", "naming the path");
		json_free(a);
	}
	teardown(&r, &f);

	setup(&r, &f, 200);
	scan_report_markdown(&sb, &r, &f);
	like(sb.buf, "## autofix scan: 1 finding", "summary title");
	like(sb.buf, "| api\\|\\<b\\>x\\<\\/b\\> | 97% |", "a name cannot break the table or inject HTML");
	ok(!strstr(sb.buf, "\n| injected |"), "a summary cannot start a table row");
	chart = strstr(sb.buf, "```mermaid\nxychart-beta\n");
	ok(chart != NULL, "a Mermaid xychart-beta");
	if (chart) {
		like(chart, "title \"api|<b>x</b> memory (%) against its level\"", "chart title");
		line = strstr(chart, "  line [");
		ok(line && count(line, "\n") >= 2, "a line for the series");
		if (line) {
			const char *end = strchr(line, '\n');
			size_t commas = 0;
			const char *p;
			for (p = line; p < end; p++)
				commas += *p == ',';
			ok(commas + 1 <= 40, "thinned to at most 40 points (%zu)", commas + 1);
			ok(!strstr(line, "nan") && !strstr(line, "inf"), "gaps dropped, not drawn as nan");
			like(line, "95", "values in percent");
			like(strstr(line + 1, "  line ["), "  line [90, 90", "a second line at the level");
		}
	}
	teardown(&r, &f);

	/* A flat line just above its level is drawn flat at the top, not as a swing. */
	setup(&r, &f, 31);
	scan_report_text(&sb, &r, &f, 1);
	line = strstr(sb.buf, "evidence memory, 31 samples: ");
	ok(line && strstr(line, "█") && !strstr(line, "▁"), "a flat line over its level sits at the top");
	strbuf_reset(&sb);
	teardown(&r, &f);

	/* A flat 95% far above a 30% level: the level is off the scale, the line is not drawn as a floor. */
	setup(&r, &f, 31);
	f.items[0].evidence_level = 0.3;
	scan_report_text(&sb, &r, &f, 1);
	line = strstr(sb.buf, "evidence memory, 31 samples: ");
	ok(line && !strstr(line, "▁") && strstr(line, "▄"), "a flat line far from its level is drawn mid-height");
	like(sb.buf, "level 30% (below the sparkline)", "  and the level is said to be below");
	strbuf_reset(&sb);
	teardown(&r, &f);

	/* A deployment finding says how old the deployment is, and a stuck one after how long it counts. */
	setup(&r, &f, 31);
	f.items[0].kind = FINDING_DEPLOYMENT_STUCK;
	f.items[0].method = METHOD_STATUS;
	f.items[0].unit = FIGURE_MS;
	f.items[0].observed = 3600e3;
	f.items[0].threshold = 1800e3;
	f.items[0].evidence_level = NAN;
	scan_report_text(&sb, &r, &f, 1);
	like(sb.buf, "      created 1h before the end of the window, stuck after 30m; since ", "text: a stuck deployment's figures");
	strbuf_reset(&sb);
	scan_report_markdown(&sb, &r, &f);
	like(sb.buf, "Deployment status: created 1h before the end of the window, stuck after 30m; since ",
	     "summary: likewise");
	strbuf_reset(&sb);
	f.items[0].kind = FINDING_DEPLOYMENT_CRASHED;
	f.items[0].evidence_metric = METRIC_RESTARTS;
	f.items[0].observed = 5;
	f.items[0].threshold = 3;
	scan_report_text(&sb, &r, &f, 1);
	like(sb.buf, "      5 restarts in the window, a crash loop at 3; since ", "text: a crash loop's restarts");
	strbuf_reset(&sb);
	teardown(&r, &f);

	/* A leak from 40% to 55% of the limit: the charts follow the data, the limit stays in view. */
	setup(&r, &f, 31);
	leak_evidence(&f.items[0], 31);
	scan_report_text(&sb, &r, &f, 1);
	line = strstr(sb.buf, "evidence memory, 31 samples: ");
	ok(line && !strncmp(line + strlen("evidence memory, 31 samples: "), "▁", strlen("▁")),
	   "sparkline: the climb starts at the lowest bar");
	ok(line && strstr(line, "█"), "  and reaches the highest");
	like(sb.buf, "level 100% (above the sparkline)", "  the limit, off its scale, is said to be above");
	strbuf_reset(&sb);
	scan_report_markdown(&sb, &r, &f);
	chart = strstr(sb.buf, "```mermaid\nxychart-beta\n");
	ok(chart != NULL, "leak: a Mermaid chart");
	if (chart) {
		const char *y = strstr(chart, "y-axis \"%\" ");
		double bottom = NAN, top = NAN;
		like(chart, ", the limit in 2h at this slope\"", "the title says when the limit is reached");
		ok(y && sscanf(y, "y-axis \"%%\" %lf --> %lf", &bottom, &top) == 2, "a y-axis range");
		ok(bottom > 30 && bottom < 40, "from a little below the minimum, not 0 (%g)", bottom);
		ok(top >= 100 && top < 110, "to just above the limit (%g)", top);
		ok((55 - 40) / (top - bottom) > 0.2, "the climb fills more than a fifth of the height");
		like(chart, "  line [100, 100", "the limit line");
	}
	teardown(&r, &f);

	/* A p95 of 12 s and a level of 3 s: Mermaid reads no exponent (1.234e+04), nor -0. */
	strbuf_reset(&sb);
	setup(&r, &f, 31);
	f.items[0].kind = FINDING_LATENCY;
	f.items[0].evidence_metric = METRIC_LATENCY_P95;
	f.items[0].evidence_unit = FIGURE_MS;
	f.items[0].evidence_level = 3000;
	series_release(&f.items[0].evidence);
	for (i = 0; i < 31; i++)
		series_add(&f.items[0].evidence, T0 + (int64_t)i * 60000, 12345.678 + 1000.0 * (double)i);
	scan_report_markdown(&sb, &r, &f);
	chart = strstr(sb.buf, "```mermaid\nxychart-beta\n");
	ok(chart != NULL, "latency: a Mermaid chart");
	if (chart) {
		const char *y = strstr(chart, "y-axis \"ms\" ");
		line = strstr(chart, "  line [");
		ok(y && mermaid_numbers(y + strlen("y-axis \"ms\" ")) &&
		   mermaid_numbers(strstr(y, "--> ") + 4), "the y-axis range is plain numbers");
		ok(line && mermaid_numbers(line + strlen("  line [")), "the series is plain numbers");
		like(line, "  line [12346, ", "  to the millisecond");
		line = line ? strstr(line + 1, "  line [") : NULL;
		ok(line && mermaid_numbers(line + strlen("  line [")), "the level line is plain numbers");
	}
	strbuf_reset(&sb);
	/* A tiny error rate, in percent: not 1e-05. */
	f.items[0].kind = FINDING_ERROR_RATE_5XX;
	f.items[0].evidence_metric = METRIC_REQUESTS_5XX;
	f.items[0].evidence_unit = FIGURE_FRACTION;
	f.items[0].evidence_level = 0.00000012;
	series_release(&f.items[0].evidence);
	for (i = 0; i < 31; i++)
		series_add(&f.items[0].evidence, T0 + (int64_t)i * 60000, i % 2 ? 0.0000001 : 0);
	scan_report_markdown(&sb, &r, &f);
	chart = strstr(sb.buf, "```mermaid\nxychart-beta\n");
	line = chart ? strstr(chart, "  line [") : NULL;
	ok(line && mermaid_numbers(line + strlen("  line [")), "tiny values are plain numbers");
	line = chart ? strstr(chart, "y-axis \"%\" ") : NULL;
	ok(line && mermaid_numbers(line + strlen("y-axis \"%\" ")) &&
	   mermaid_numbers(strstr(line, "--> ") + 4), "  and so is their axis");
	strbuf_reset(&sb);
	teardown(&r, &f);

	/* Two days of hourly samples: Mermaid merges equal x labels, so none may repeat. */
	setup(&r, &f, 0);
	for (i = 0; i <= 48; i++)
		series_add(&f.items[0].evidence, T0 + (int64_t)i * 3600000, 0.95);
	scan_report_markdown(&sb, &r, &f);
	chart = strstr(sb.buf, "  x-axis [");
	ok(chart != NULL, "two days: an x-axis");
	if (chart) {
		const char *end = strchr(chart, ']'), *p, *q;
		int repeated = 0;
		for (p = strchr(chart, '"'); p && p < end; p = strchr(strchr(p + 1, '"') + 1, '"')) {
			const char *close = strchr(p + 1, '"');
			size_t len = (size_t)(close - p + 1);
			for (q = strstr(close + 1, "\""); q && q < end; q = strchr(strchr(q + 1, '"') + 1, '"'))
				if (!strncmp(p, q, len))
					repeated = 1;
		}
		ok(!repeated, "no x label repeats");
		like(chart, "\"11-28 09:", "the labels carry the date");
	}
	strbuf_reset(&sb);
	teardown(&r, &f);

	/* A 10 s step over 30 minutes, thinned to 40 points 50 s apart: the labels need the seconds. */
	setup(&r, &f, 0);
	for (i = 0; i <= 180; i++)
		series_add(&f.items[0].evidence, T0 + (int64_t)i * 10000, 0.95);
	scan_report_markdown(&sb, &r, &f);
	chart = strstr(sb.buf, "  x-axis [");
	like(chart, "[\"09:30:00\", \"09:30:50\", \"09:31:40\"", "sub-minute points: labels with seconds");
	strbuf_reset(&sb);
	teardown(&r, &f);

	{
		/*
		 * A secret holding every character Markdown gives a meaning to,
		 * echoed by the source in names and a summary: redacted before it
		 * is escaped, it is gone from every output; escaped first, it
		 * would survive as "tok\\_..." (issue 9).
		 */
		static const char secret[] = "tok\\`*_{}[]()#+-.!|<>~&\"'=:;,?@/^$%SECRET";
		struct strbuf name = STRBUF_INIT;

		log_add_secret(secret);
		setup(&r, &f, 10);
		strbuf_addf(&name, "api %s\x1b[2J\rerror: forged\nline \xE2\x80\xAE", secret);
		free(r.arch.project_name);
		r.arch.project_name = xstrdup(secret);
		free(f.services[0].name);
		f.services[0].name = xstrdup(name.buf);
		free(f.items[0].service);
		f.items[0].service = xstrdup(name.buf);
		free(f.items[0].summary);
		f.items[0].summary = xstrdup(name.buf);
		scan_report_markdown(&sb, &r, &f);
		ok(!strstr(sb.buf, "SECRET"), "job summary: a secret with every Markdown character is masked");
		like(sb.buf, "project **\\*\\*\\***", "as an escaped ***");
		like(sb.buf, "| api \\*\\*\\*\\\\x1b\\[2J\\\\rerror\\: forged\\\\nline \\\\u202e |",
		     "control characters in a cell are shown, escaped, on one line");
		like(sb.buf, "title \"api ***\\x1b[2J\\rerror: forged\\nline \\u202e memory", "and in a chart title");
		strbuf_reset(&sb);
		scan_report_text(&sb, &r, &f, 1);
		ok(!strstr(sb.buf, "SECRET"), "text report: the secret is masked");
		ok(!strchr(sb.buf, '\x1b') && !strchr(sb.buf, '\r') && !strstr(sb.buf, "\nline") &&
		   !strstr(sb.buf, "\xE2\x80\xAE"), "text report: no raw ESC, CR, LF or bidi override from the source");
		like(sb.buf, "  api ***\\x1b[2J\\rerror: forged\\nline \\u202e ",
		     "text report: the name is shown escaped on its own line");
		like(sb.buf, "project '***'", "text report: the project too");
		strbuf_reset(&sb);
		strbuf_release(&name);
		teardown(&r, &f);
		log_clear_secrets();
	}
	strbuf_release(&sb);
	test_no_data();
	test_silent();
	test_after_fix();
	return done_testing();
}
