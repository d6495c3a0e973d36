/*
 * The scan's report in three forms: text, JSON and a Markdown job summary.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scan_report.h"
#include "util/human.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Points of a Mermaid chart; longer evidence is thinned so the chart stays legible. */
#define CHART_MAX_POINTS 40

/* ---------------------------------------------------------------- figures */

static void add_time(struct strbuf *sb, int64_t ms)
{
	if (!ms)
		strbuf_addstr(sb, "-");
	else
		time_format_iso8601(sb, ms);
}

/* A finding whose figures are a time to the limit and a horizon, not a level and a threshold. */
static int figure_is_duration(const struct finding *f)
{
	return (f->kind == FINDING_MEMORY_LEAK || f->kind == FINDING_DISK_FILLING) &&
	       f->method != METHOD_THRESHOLD;
}

/* What a duration figure runs to: " to full" for a volume, " to the limit" for memory. */
static const char *duration_to(const struct finding *f)
{
	return f->kind == FINDING_DISK_FILLING ? " to full" : " to the limit";
}

/* A volume's figures: "8.1 GiB of 10 GiB (81%), +120 MiB/h"; the trend "flat" or "-" without one. */
static void add_volume_figures(struct strbuf *sb, const struct service_summary *s)
{
	detect_add_figure(sb, s->disk_bytes, FIGURE_BYTES);
	strbuf_addstr(sb, " of ");
	detect_add_figure(sb, s->disk_limit_bytes, FIGURE_BYTES);
	if (s->disk_limit_bytes > 0 && !isnan(s->disk_bytes)) {
		strbuf_addstr(sb, " (");
		detect_add_figure(sb, s->disk_bytes / s->disk_limit_bytes, FIGURE_FRACTION);
		strbuf_addch(sb, ')');
	}
	strbuf_addstr(sb, ", ");
	if (isnan(s->disk_per_hour)) {
		strbuf_addstr(sb, "trend -");
	} else if (fabs(s->disk_per_hour) < 1024 * 1024) {
		strbuf_addstr(sb, "flat");
	} else {
		strbuf_addstr(sb, s->disk_per_hour > 0 ? "+" : "-");
		detect_add_figure(sb, fabs(s->disk_per_hour), FIGURE_BYTES);
		strbuf_addstr(sb, "/h");
	}
}

/*
 * A deployment finding's figures in words: "created 10m before the end of
 * the window", with ", stuck after 30m" for a stuck one, or "5 restarts in
 * the window, a crash loop at 3".
 */
static void add_status_figures(struct strbuf *sb, const struct finding *f)
{
	if (f->evidence_metric == METRIC_RESTARTS) {
		strbuf_addf(sb, "%.0f restarts in the window, a crash loop at %.0f", f->observed, f->threshold);
		return;
	}
	strbuf_addstr(sb, "created ");
	detect_add_figure(sb, f->observed, FIGURE_MS);
	strbuf_addstr(sb, " before the end of the window");
	if (isfinite(f->threshold)) {
		strbuf_addstr(sb, ", stuck after ");
		detect_add_figure(sb, f->threshold, FIGURE_MS);
	}
}

static void add_severity_upper(struct strbuf *sb, enum severity s)
{
	const char *n = severity_name(s);
	for (; *n; n++)
		strbuf_addch(sb, *n >= 'a' && *n <= 'z' ? *n - 'a' + 'A' : *n);
}

/*
 * The range a sparkline draws: the data's own, so that a climb from 40% to
 * 55% of the limit spans the bars instead of their bottom quarter. The
 * level it is judged against is included when it is near the data (within
 * one span of it; a span is at least a tenth of the largest value), so
 * that a flat line just above the level does not look like a wild swing.
 * Returns whether the level is in the range.
 */
static int sparkline_range(double *lo, double *hi, const struct series *s, double level)
{
	double span;
	size_t i;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < s->nr; i++)
		if (isfinite(s->items[i].v)) {
			*lo = s->items[i].v < *lo ? s->items[i].v : *lo;
			*hi = s->items[i].v > *hi ? s->items[i].v : *hi;
		}
	if (!isfinite(*lo) || !isfinite(level))
		return 0;
	span = *hi - *lo;
	if (span < 0.1 * fabs(*hi))
		span = 0.1 * fabs(*hi);
	if (level < *lo - span || level > *hi + span)
		return 0;
	*lo = level < *lo ? level : *lo;
	*hi = level > *hi ? level : *hi;
	return 1;
}

/* A sparkline of the evidence over sparkline_range(), gaps as spaces; returns whether the level is in it. */
static int add_sparkline(struct strbuf *sb, const struct series *s, double level, size_t width)
{
	static const char *const bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	double lo, hi;
	size_t i, n = s->nr, cols = n < width ? n : width;
	int with_level = sparkline_range(&lo, &hi, s, level);

	for (i = 0; i < cols; i++) {
		double v = s->items[i * n / cols].v;
		int bar;
		if (!isfinite(v)) {
			strbuf_addch(sb, ' ');
			continue;
		}
		/* A flat series with its level off the scale: mid-height, not a floor that reads as "low". */
		bar = hi > lo ? (int)((v - lo) / (hi - lo) * 7.999) : 3;
		strbuf_addstr(sb, bars[bar < 0 ? 0 : bar > 7 ? 7 : bar]);
	}
	return with_level;
}

static void series_range(const struct series *s, double *lo, double *hi, double *last)
{
	size_t i;

	*lo = NAN;
	*hi = NAN;
	*last = NAN;
	for (i = 0; i < s->nr; i++) {
		double v = s->items[i].v;
		if (!isfinite(v))
			continue;
		if (isnan(*lo) || v < *lo)
			*lo = v;
		if (isnan(*hi) || v > *hi)
			*hi = v;
		*last = v;
	}
}

/* ---------------------------------------------------------------- no data */

/* The observed service summary s is about (summaries follow the observation's order), or NULL. */
static const struct service_metrics *observed_service(const struct observe_result *observed,
						      const struct findings *found, const struct service_summary *s)
{
	const struct observation *obs = &observed->obs;
	size_t i = (size_t)(s - found->services);

	if (i < obs->services_nr && !strcmp(obs->services[i].name, s->name))
		return &obs->services[i];
	for (i = 0; i < obs->services_nr; i++)
		if (!strcmp(obs->services[i].name, s->name))
			return &obs->services[i];
	return NULL;
}

/*
 * Whether the summary s has data for signal m: a usable sample in the
 * window, or (for a summary of no observed service, as a test builds)
 * a figure.
 */
static int has_signal(const struct observe_result *observed, const struct findings *found,
		      const struct service_summary *s, enum metric m)
{
	const struct service_metrics *svc = observed_service(observed, found, s);

	if (svc)
		return observation_service_has(&observed->obs, svc, m);
	switch (m) {
	case METRIC_MEMORY:
		return !isnan(s->memory_peak) || !isnan(s->memory_peak_bytes);
	case METRIC_CPU:
		return !isnan(s->cpu_peak);
	case METRIC_REQUESTS:
		return !isnan(s->requests);
	case METRIC_LATENCY_P95:
		return !isnan(s->p95_ms);
	default:
		return 0;
	}
}

/* Whether the service went silent: data in the window, none in its recent part (metrics.h). */
static int silent(const struct observe_result *observed, const struct findings *found,
		  const struct service_summary *s)
{
	const struct service_metrics *svc = observed_service(observed, found, s);

	return svc && observation_service_silent(&observed->obs, svc);
}

/* Not seen: no data at all, or none in the recent part of the window (a crash looks like that). */
static int unseen(const struct observe_result *observed, const struct findings *found,
		  const struct service_summary *s)
{
	size_t k;

	for (k = 0; k < OBSERVATION_SIGNALS_NR; k++)
		if (has_signal(observed, found, s, observation_signals[k]))
			return silent(observed, found, s);
	return 1;
}

/* The time of svc's last usable sample in the window, of any signal (0: none). */
static int64_t last_sample(const struct observation *obs, const struct service_metrics *svc)
{
	int64_t last = 0;
	size_t k, i;

	for (k = 0; k < OBSERVATION_SIGNALS_NR; k++) {
		const struct series *se = &svc->series[observation_signals[k]];
		for (i = 0; i < se->nr; i++)
			if (se->items[i].t >= obs->start && se->items[i].t <= obs->end &&
			    isfinite(se->items[i].v) && se->items[i].t > last)
				last = se->items[i].t;
	}
	return last;
}

static size_t bad_samples_of(const struct observe_result *observed, const struct findings *found,
			     const struct service_summary *s)
{
	const struct service_metrics *svc = observed_service(observed, found, s);
	return svc ? svc->bad_samples : 0;
}

size_t scan_report_unseen(const struct observe_result *observed, const struct findings *found,
			  struct strbuf *names)
{
	size_t i, n = 0;

	for (i = 0; i < found->services_nr; i++) {
		if (!unseen(observed, found, &found->services[i]))
			continue;
		if (names) {
			strbuf_addf(names, "%s'%s'", n ? ", " : "", found->services[i].name);
			if (silent(observed, found, &found->services[i])) {
				strbuf_addstr(names, " (nothing since ");
				add_time(names, last_sample(&observed->obs,
							    observed_service(observed, found, &found->services[i])));
				strbuf_addch(names, ')');
			}
		}
		n++;
	}
	return n;
}

const char *scan_report_unseen_words(const struct observe_result *observed, const struct findings *found)
{
	size_t i;

	for (i = 0; i < found->services_nr; i++)
		if (silent(observed, found, &found->services[i]))
			return "no recent data";
	return "no data at all";
}

/* ---------------------------------------------------------------- text */

/*
 * Text from the source (names, paths, statuses, messages) for a terminal
 * or a log: redacted, then escaped (log_add_text), so that an escape
 * sequence or a CR/LF in it can neither rewrite the screen nor forge a
 * line of the report; padded with spaces to width bytes.
 */
static void add_text(struct strbuf *out, const char *s, size_t width)
{
	size_t start = out->len;

	log_add_text(out, s);
	while (out->len - start < width)
		strbuf_addch(out, ' ');
}

/* Each line of text, escaped, after prefix. */
static void add_block(struct strbuf *out, const char *prefix, const char *text)
{
	struct strbuf line = STRBUF_INIT;
	const char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		strbuf_reset(&line);
		strbuf_add(&line, p, nl ? (size_t)(nl - p) : strlen(p));
		strbuf_addstr(out, prefix);
		log_add_text(out, line.buf);
		strbuf_addch(out, '\n');
		p = nl ? nl + 1 : NULL;
	}
	strbuf_release(&line);
}

/* The fix stage's result: what the agent did, what changed, what verify said. */
static void text_fix(struct strbuf *out, const struct json *fix)
{
	const struct json *f, *v = json_member(fix, "verify");

	strbuf_addstr(out, "  fix: ");
	add_text(out, json_str_value(json_member(fix, "outcome")), 0);
	if (json_str_value(json_member(fix, "branch"))) {
		strbuf_addstr(out, " on ");
		add_text(out, json_str_value(json_member(fix, "branch")), 0);
	}
	if (json_str_value(json_member(fix, "head")))
		strbuf_addf(out, " at %.12s", json_str_value(json_member(fix, "head")));
	strbuf_addch(out, '\n');
	for (f = json_first(json_member(fix, "files")); f; f = json_next(f)) {
		strbuf_addf(out, "    %s ", json_str_value(json_member(f, "status")));
		add_text(out, json_str_value(json_member(f, "path")), 0);
		strbuf_addf(out, " +%.0f -%.0f\n", json_num_value(json_member(f, "additions")),
			    json_num_value(json_member(f, "deletions")));
	}
	if (json_type(v) == JSON_OBJECT) {
		strbuf_addstr(out, "    verify: ");
		add_text(out, json_str_value(json_member(v, "command")), 0);
		strbuf_addstr(out, json_bool_value(json_member(v, "passed")) ? ": passed\n" :
				   json_bool_value(json_member(v, "timed_out")) ? ": timed out\n" : ": failed\n");
	}
	if (json_str_value(json_get(fix, "agent.summary")))
		add_block(out, "    agent: ", json_str_value(json_get(fix, "agent.summary")));
}

void scan_report_work_text(struct strbuf *out, const struct scan_work *work)
{
	size_t i;

	for (i = 0; i < work->nr; i++) {
		const struct finding_work *w = &work->items[i];
		const struct json *s, *plan = w->plan;

		strbuf_addstr(out, "\n");
		add_text(out, w->service, 0);
		strbuf_addf(out, " %s (%s): %s", w->kind, w->fingerprint, w->outcome);
		if (w->why) {
			strbuf_addstr(out, ": ");
			add_text(out, w->why, 0);
		}
		strbuf_addch(out, '\n');
		if (w->issue) {
			strbuf_addstr(out, "  issue: ");
			add_text(out, w->issue, 0);
			strbuf_addch(out, '\n');
		}
		if (w->delivery) {
			strbuf_addstr(out, "  delivered: ");
			add_text(out, w->delivery, 0);
			strbuf_addch(out, '\n');
		}
		if (w->fix)
			text_fix(out, w->fix);
		strbuf_addstr(out, "  context:");
		for (s = json_first(json_get(w->context, "sections")); s; s = json_next(s)) {
			strbuf_addstr(out, s == json_first(json_get(w->context, "sections")) ? " " : ", ");
			add_text(out, json_str_value(json_member(s, "title")), 0);
			strbuf_addf(out, " (%zu B)", strlen(json_str_value(json_member(s, "text")) ?
							  json_str_value(json_member(s, "text")) : ""));
		}
		if (!json_size(json_get(w->context, "sections")))
			strbuf_addstr(out, " none");
		strbuf_addch(out, '\n');
		if (json_type(json_get(w->context, "confidence")) == JSON_OBJECT) {
			strbuf_addf(out, "  confidence %.2f -> %.2f: ", json_num_value(json_get(w->context, "confidence.from")),
				    json_num_value(json_get(w->context, "confidence.to")));
			add_text(out, json_str_value(json_get(w->context, "confidence.why")), 0);
			strbuf_addch(out, '\n');
		}
		for (s = json_first(json_get(w->context, "notes")); s; s = json_next(s)) {
			strbuf_addstr(out, "  note: ");
			add_text(out, json_str_value(s), 0);
			strbuf_addch(out, '\n');
		}
		if (w->prompt_sizes)
			strbuf_addf(out, "  prompt: about %.0f tokens; LLM calls %d, tokens in %lld, out %lld\n",
				    json_num_value(json_get(w->prompt_sizes, "estimated_tokens")), w->llm_calls,
				    (long long)w->input_tokens, (long long)w->output_tokens);
		if (!plan)
			continue;
		strbuf_addf(out, "  plan (confidence %.2f, risk %s, %s):\n",
			    json_num_value(json_get(plan, "confidence")), json_str_value(json_get(plan, "risk")),
			    json_bool_value(json_get(plan, "fixable_in_code")) ? "fixable in code" : "not fixable in code");
		add_block(out, "    ", json_str_value(json_get(plan, "summary")));
		for (s = json_first(json_get(plan, "root_causes")); s; s = json_next(s))
			add_block(out, "    cause: ", json_str_value(json_member(s, "cause")));
		for (s = json_first(json_get(plan, "changes")); s; s = json_next(s)) {
			strbuf_addstr(out, "    change: ");
			add_text(out, json_str_value(json_member(s, "file")), 0);
			strbuf_addstr(out, ": ");
			add_text(out, json_str_value(json_member(s, "change")), 0);
			strbuf_addch(out, '\n');
		}
		add_block(out, "    verify: ", json_str_value(json_get(plan, "verification")));
		if (w->agent_prompt) {
			strbuf_addstr(out, "  the agent's task:\n");
			add_block(out, "    | ", w->agent_prompt);
		}
	}
}

static const struct arch_service *arch_service_of(const struct architecture *arch, const char *id)
{
	size_t i;

	for (i = 0; id && i < arch->services_nr; i++)
		if (arch->services[i].id && !strcmp(arch->services[i].id, id))
			return &arch->services[i];
	return NULL;
}

static void text_architecture(struct strbuf *out, const struct architecture *arch)
{
	size_t i;

	strbuf_addf(out, "%s", arch->source ? arch->source : "?");
	if (arch->project_name) {
		strbuf_addstr(out, " project '");
		add_text(out, arch->project_name, 0);
		strbuf_addch(out, '\'');
	} else if (arch->project_id) {
		strbuf_addstr(out, " at ");
		add_text(out, arch->project_id, 0);
	}
	if (arch->environment_name) {
		strbuf_addstr(out, ", environment '");
		add_text(out, arch->environment_name, 0);
		strbuf_addch(out, '\'');
	}
	strbuf_addch(out, '\n');
	if (arch->platform_known) {
		if (arch->platform_stable && !arch->platform_incident)
			strbuf_addstr(out, "platform: stable\n");
		else {
			strbuf_addf(out, "platform: %s%s", arch->platform_stable ? "stable" : "UNSTABLE",
				    arch->platform_incident ? ", incident: " : "");
			add_text(out, arch->platform_incident, 0);
			strbuf_addch(out, '\n');
		}
	}
	strbuf_addf(out, "%zu service%s, %zu volume%s:\n", arch->services_nr,
		    arch->services_nr == 1 ? "" : "s", arch->volumes_nr, arch->volumes_nr == 1 ? "" : "s");
	for (i = 0; i < arch->services_nr; i++) {
		const struct arch_service *s = &arch->services[i];
		strbuf_addstr(out, "  ");
		add_text(out, s->config_name ? s->config_name : s->name, 20);
		if (s->repo) {
			strbuf_addch(out, ' ');
			add_text(out, s->repo, 0);
			if (s->root_dir) {
				strbuf_addch(out, ':');
				add_text(out, s->root_dir, 0);
			}
		} else if (s->image) {
			strbuf_addstr(out, " image ");
			add_text(out, s->image, 0);
		} else if (s->root_dir) {
			strbuf_addch(out, ' ');
			add_text(out, s->root_dir, 0);
		}
		if (s->replicas)
			strbuf_addf(out, ", %d replica%s", s->replicas, s->replicas == 1 ? "" : "s");
		if (s->latest_deployment_id) {
			strbuf_addstr(out, ", deployed ");
			add_text(out, s->latest_deployment_status ? s->latest_deployment_status : "?", 0);
			strbuf_addch(out, ' ');
			add_time(out, s->latest_deployment_at);
		}
		if (!s->observed)
			strbuf_addstr(out, " (not watched)");
		while (out->len && out->buf[out->len - 1] == ' ')
			strbuf_setlen(out, out->len - 1);
		strbuf_addch(out, '\n');
	}
	for (i = 0; i < arch->volumes_nr; i++) {
		const struct arch_volume *v = &arch->volumes[i];
		const struct arch_service *s = arch_service_of(arch, v->service_id);
		strbuf_addstr(out, "  volume ");
		add_text(out, v->name, 0);
		if (s) {
			strbuf_addstr(out, " on ");
			add_text(out, s->name, 0);
		}
		if (v->mount_path) {
			strbuf_addstr(out, " at ");
			add_text(out, v->mount_path, 0);
		}
		strbuf_addf(out, ": %.0f of %.0f MB\n", v->used_mb, v->size_mb);
	}
}

static void text_service(struct strbuf *out, const struct observe_result *observed,
			 const struct findings *found, const struct service_summary *s)
{
	struct strbuf col = STRBUF_INIT;
	size_t bad = bad_samples_of(observed, found, s);

	strbuf_addstr(out, "  ");
	add_text(out, s->name, 20);
	strbuf_addstr(&col, "mem ");
	if (!has_signal(observed, found, s, METRIC_MEMORY)) {
		strbuf_addstr(&col, "no data");
	} else {
		detect_add_figure(&col, s->memory_peak, FIGURE_FRACTION);
		strbuf_addstr(&col, " peak/");
		detect_add_figure(&col, s->memory_avg, FIGURE_FRACTION);
		strbuf_addstr(&col, " avg of ");
		detect_add_figure(&col, s->memory_limit_bytes, FIGURE_BYTES);
	}
	strbuf_addf(out, " %-36s", col.buf);
	strbuf_reset(&col);
	strbuf_addstr(&col, "cpu ");
	if (!has_signal(observed, found, s, METRIC_CPU)) {
		strbuf_addstr(&col, "no data");
	} else {
		detect_add_figure(&col, s->cpu_peak, FIGURE_FRACTION);
		strbuf_addstr(&col, "/");
		detect_add_figure(&col, s->cpu_avg, FIGURE_FRACTION);
		if (!isnan(s->cpu_limit))
			strbuf_addf(&col, " of %g vCPU", s->cpu_limit);
	}
	strbuf_addf(out, " %-24s", col.buf);
	strbuf_reset(&col);
	if (!has_signal(observed, found, s, METRIC_REQUESTS)) {
		strbuf_addstr(&col, "req no data");
	} else {
		if (isnan(s->requests))
			strbuf_addstr(&col, "- req");
		else
			strbuf_addf(&col, "%.0f req", s->requests);
		strbuf_addstr(&col, " 5xx ");
		detect_add_figure(&col, s->rate_5xx, FIGURE_FRACTION);
		strbuf_addstr(&col, " 4xx ");
		detect_add_figure(&col, s->rate_4xx, FIGURE_FRACTION);
	}
	strbuf_addf(out, " %-28s", col.buf);
	strbuf_reset(&col);
	strbuf_addstr(&col, "p95 ");
	if (!has_signal(observed, found, s, METRIC_LATENCY_P95))
		strbuf_addstr(&col, "no data");
	else
		detect_add_figure(&col, s->p95_ms, FIGURE_MS);
	strbuf_addf(out, " %-12s ", col.buf);
	if (s->worst != SEVERITY_NONE) {
		add_severity_upper(out, s->worst);
		strbuf_addf(out, " (%zu)", s->findings);
	} else if (unseen(observed, found, s)) {
		strbuf_addstr(out, "NO DATA");
	} else {
		strbuf_addstr(out, "ok");
	}
	if (bad)
		strbuf_addf(out, ", %zu bad sample%s dropped", bad, bad == 1 ? "" : "s");
	strbuf_addch(out, '\n');
	if (service_summary_has_volume(s)) {
		/* Prometheus knows no volume's name: only its figures. */
		strbuf_addstr(out, "    volume");
		if (s->volume) {
			strbuf_addch(out, ' ');
			add_text(out, s->volume, 0);
		}
		if (s->mount_path) {
			strbuf_addstr(out, " at ");
			add_text(out, s->mount_path, 0);
		}
		strbuf_addstr(out, ": ");
		add_volume_figures(out, s);
		strbuf_addch(out, '\n');
	}
	strbuf_release(&col);
}

static void text_finding(struct strbuf *out, const struct finding *f)
{
	double lo, hi, last;
	int dur = figure_is_duration(f), level_shown;

	strbuf_addstr(out, "  ");
	add_severity_upper(out, f->severity);
	strbuf_addch(out, ' ');
	add_text(out, f->service, 0);
	strbuf_addf(out, " %s (%s): ", finding_kind_name(f->kind), finding_method_name(f->method));
	add_text(out, f->summary, 0);
	strbuf_addch(out, '\n');
	strbuf_addstr(out, "      ");
	if (f->method == METHOD_STATUS) {
		add_status_figures(out, f);
	} else {
		strbuf_addstr(out, "observed ");
		detect_add_figure(out, f->observed, f->unit);
		strbuf_addstr(out, dur ? duration_to(f) : ", threshold ");
		strbuf_addstr(out, dur ? ", horizon " : "");
		detect_add_figure(out, f->threshold, f->unit);
	}
	strbuf_addstr(out, "; since ");
	add_time(out, f->onset);
	if (f->ongoing)
		strbuf_addstr(out, ", ongoing");
	if (f->deployment) {
		strbuf_addstr(out, "; began after deployment ");
		add_text(out, f->deployment, 0);
		strbuf_addstr(out, " at ");
		add_time(out, f->deployment_at);
	}
	strbuf_addch(out, '\n');
	series_range(&f->evidence, &lo, &hi, &last);
	strbuf_addf(out, "      evidence %s, %zu %s: ", metric_name(f->evidence_metric), f->evidence.nr,
		    human_plural((int64_t)f->evidence.nr, "sample", "samples"));
	level_shown = add_sparkline(out, &f->evidence, f->evidence_level, 40);
	strbuf_addstr(out, "  min ");
	detect_add_figure(out, lo, f->evidence_unit);
	strbuf_addstr(out, " max ");
	detect_add_figure(out, hi, f->evidence_unit);
	strbuf_addstr(out, " last ");
	detect_add_figure(out, last, f->evidence_unit);
	strbuf_addstr(out, " level ");
	detect_add_figure(out, f->evidence_level, f->evidence_unit);
	if (!level_shown && isfinite(f->evidence_level))
		strbuf_addstr(out, f->evidence_level > hi ? " (above the sparkline)" : " (below the sparkline)");
	strbuf_addch(out, '\n');
	if (f->reason) {
		strbuf_addf(out, "      confidence %.2f: ", f->confidence);
		add_text(out, f->reason, 0);
		strbuf_addch(out, '\n');
	}
	strbuf_addf(out, "      fingerprint %s\n", f->fingerprint);
}

void scan_report_text(struct strbuf *out, const struct observe_result *observed,
		      const struct findings *found, int dry_run)
{
	const struct observation *obs = &observed->obs;
	struct strbuf names = STRBUF_INIT;
	size_t i, k, nodata, bad;
	int partial = 0;

	strbuf_addf(out, "autofix scan%s: ", dry_run ? " (dry run)" : "");
	text_architecture(out, &observed->arch);
	strbuf_addstr(out, "window ");
	add_time(out, obs->start);
	strbuf_addstr(out, " .. ");
	add_time(out, obs->end);
	strbuf_addf(out, ", step %llds\n\n", (long long)(obs->step / 1000));

	strbuf_addf(out, "services (%zu watched):\n", found->services_nr);
	for (i = 0; i < found->services_nr; i++) {
		text_service(out, observed, found, &found->services[i]);
		for (k = 0; k < OBSERVATION_SIGNALS_NR; k++)
			if (!has_signal(observed, found, &found->services[i], observation_signals[k]))
				partial = 1;
	}
	strbuf_addch(out, '\n');

	nodata = scan_report_unseen(observed, found, &names);
	if (nodata)
		strbuf_addf(out, "%s for %zu watched service%s: %s: not seen, so not judged\n",
			    scan_report_unseen_words(observed, found), nodata, nodata == 1 ? "" : "s", names.buf);
	if (found->nr)
		strbuf_addf(out, "findings (%zu):\n", found->nr);
	else if (nodata)
		strbuf_addstr(out, "no findings in the data seen\n");
	else if (partial)
		strbuf_addstr(out, "no findings: every watched service is healthy in the signals it has data for\n");
	else
		strbuf_addstr(out, "no findings: every watched service is healthy\n");
	for (i = 0; i < found->nr; i++)
		text_finding(out, &found->items[i]);

	bad = observation_bad_samples(obs);
	if (bad)
		strbuf_addf(out, "\n%zu bad sample%s dropped (negative, not a number, or beyond any real value)\n",
			    bad, bad == 1 ? "" : "s");
	strbuf_release(&names);
	strbuf_addf(out, "\ncost: %lld request%s, ", (long long)observed->requests,
		    observed->requests == 1 ? "" : "s");
	human_add_bytes(out, (double)observed->bytes);
	strbuf_addstr(out, " received\n");
}

/* ---------------------------------------------------------------- JSON */

struct json *scan_report_json(const struct observe_result *observed, const struct findings *found,
			      int dry_run)
{
	struct json *root = json_new_object(), *window = json_new_object(), *cost = json_new_object();
	struct json *det = findings_to_json(found);
	struct strbuf t = STRBUF_INIT;
	const struct json *part;

	struct json *svcs, *unseen_names = json_new_array();
	const struct json *item;
	size_t i, k;

	json_set_bool(root, "dry_run", dry_run);
	json_set_bool(root, "healthy", found->nr == 0 && !scan_report_unseen(observed, found, NULL));
	for (i = 0; i < found->services_nr; i++)
		if (unseen(observed, found, &found->services[i]))
			json_append(unseen_names, json_new_str(found->services[i].name));
	json_set(root, "no_data", unseen_names);
	json_set_num(root, "bad_samples", (double)observation_bad_samples(&observed->obs));
	add_time(&t, observed->obs.start);
	json_set_str(window, "start", t.buf);
	strbuf_reset(&t);
	add_time(&t, observed->obs.end);
	json_set_str(window, "end", t.buf);
	json_set_num(window, "step_s", (double)(observed->obs.step / 1000));
	json_set(root, "window", window);
	json_set(root, "architecture", architecture_to_json(&observed->arch));
	part = json_get(det, "services");
	svcs = json_new_array();
	/* The summaries are in found's order: add what the observation says of each. */
	for (i = 0, item = json_first(part); item && i < found->services_nr; item = json_next(item), i++) {
		const struct service_summary *s = &found->services[i];
		struct json *missing = json_new_array(), *o = json_dup(item);

		for (k = 0; k < OBSERVATION_SIGNALS_NR; k++)
			if (!has_signal(observed, found, s, observation_signals[k]))
				json_append(missing, json_new_str(metric_name(observation_signals[k])));
		json_set_bool(o, "seen", !unseen(observed, found, s));
		json_set(o, "no_data", missing);
		json_set_num(o, "bad_samples", (double)bad_samples_of(observed, found, s));
		json_append(svcs, o);
	}
	json_set(root, "services", svcs);
	part = json_get(det, "findings");
	json_set(root, "findings", part ? json_dup(part) : json_new_array());
	json_set_num(cost, "requests", (double)observed->requests);
	json_set_num(cost, "bytes", (double)observed->bytes);
	json_set(root, "cost", cost);
	json_free(det);
	strbuf_release(&t);
	return root;
}

/* ---------------------------------------------------------------- Markdown */

/*
 * Text from the source (service names, a project's name) in Markdown:
 * redacted first, since an escaped secret ("tok\\_en") would no longer
 * match; then control characters made visible (log_add_text); then every
 * ASCII punctuation character backslash-escaped, which CommonMark allows
 * for all of them, so that none can open emphasis, a link, a code span,
 * an HTML tag, a heading or a table cell.
 */
static void add_md_text(struct strbuf *sb, const char *s)
{
	struct strbuf t = STRBUF_INIT;
	size_t i;

	log_add_text(&t, s);
	for (i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.buf[i];

		if (c < 0x80 && ispunct(c))
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, (char)c);
	}
	strbuf_release(&t);
}

/* Mermaid strings are double-quoted; the text is redacted and escaped as above, and what would end the string dropped. */
static void add_mermaid_text(struct strbuf *sb, const char *s)
{
	struct strbuf t = STRBUF_INIT;
	size_t i;

	log_add_text(&t, s);
	for (i = 0; i < t.len; i++)
		strbuf_addch(sb, t.buf[i] == '"' || t.buf[i] == '`' ? '\'' : t.buf[i]);
	strbuf_release(&t);
}

/* A chart value in the unit shown: percent for fractions, as is otherwise. */
static double chart_value(double v, enum figure_unit unit)
{
	return unit == FIGURE_FRACTION ? v * 100 : unit == FIGURE_BYTES ? v / (1024.0 * 1024) : v;
}

static const char *chart_unit(enum figure_unit unit)
{
	switch (unit) {
	case FIGURE_FRACTION:
		return "%";
	case FIGURE_MS:
		return "ms";
	case FIGURE_BYTES:
		return "MiB";
	case FIGURE_RATIO:
		return "ratio";
	case FIGURE_COUNT:
		return "count";
	}
	return "";
}

/*
 * A chart number as Mermaid's xychart lexer reads one, [+-]?digits[.digits]:
 * never an exponent (%g writes 12345 ms as 1.234e+04, which breaks the
 * chart), four significant digits at most, no trailing zeros.
 */
static void add_chart_number(struct strbuf *sb, double v)
{
	double a = fabs(v);
	int decimals = a > 0 && a < 1000 ? 3 - (int)floor(log10(a)) : 0;
	size_t start = sb->len;

	if (decimals > 6)
		decimals = 6;
	strbuf_addf(sb, "%.*f", decimals, v);
	if (decimals > 0) {
		while (sb->buf[sb->len - 1] == '0')
			strbuf_setlen(sb, sb->len - 1);
		if (sb->buf[sb->len - 1] == '.')
			strbuf_setlen(sb, sb->len - 1);
	}
	if (!strcmp(sb->buf + start, "-0")) {
		strbuf_setlen(sb, start);
		strbuf_addch(sb, '0');
	}
}

/* A level drawn as a line: one point per category (one more for a projection). */
static void add_chart_flat_line(struct strbuf *out, double v, size_t n, size_t step, int extra)
{
	size_t i;

	strbuf_addstr(out, "  line [");
	for (i = 0; i < n; i += step) {
		strbuf_addstr(out, i ? ", " : "");
		add_chart_number(out, v);
	}
	if (extra) {
		strbuf_addstr(out, ", ");
		add_chart_number(out, v);
	}
	strbuf_addstr(out, "]\n");
}

/*
 * A chart of series (in unit) against level (NAN: none), titled "SERVICE
 * METRIC (unit)" and tail; nothing when the series has no finite value.
 * size (NAN: none) is a volume's size, drawn as a second line; full_in_ms
 * (0: none) adds one point past the window, where the line reaches the
 * level at its slope ("full +DURATION").
 */
static void draw_chart(struct strbuf *out, const char *service, enum metric metric, enum figure_unit unit,
		       double level_value, double size, int64_t full_in_ms, const struct series *series,
		       const char *tail)
{
	size_t n = 0, i, step, *pick = NULL;
	int multi_day, seconds = 0;
	double hi, lo, last, top, bottom, span, level = chart_value(level_value, unit);
	int project = full_in_ms > 0 && isfinite(level);

	for (i = 0; i < series->nr; i++)
		if (isfinite(series->items[i].v))
			n++;
	if (!n)
		return;
	pick = xcalloc(n, sizeof(*pick));
	for (i = 0, n = 0; i < series->nr; i++)
		if (isfinite(series->items[i].v))
			pick[n++] = i;
	step = (n + CHART_MAX_POINTS - 1) / CHART_MAX_POINTS;
	/*
	 * The y-axis runs from a little below the data's minimum to the larger
	 * of its maximum and the level: starting at 0 would squeeze a climb
	 * from 40% to 55% of the limit into a flat line under the limit's.
	 */
	series_range(series, &lo, &hi, &last);
	lo = chart_value(lo, unit);
	top = chart_value(hi, unit);
	if (isfinite(level) && level > top)
		top = level;
	if (isfinite(size) && size > top)
		top = size;
	if (isfinite(level) && level < lo)
		lo = level;
	span = top - lo > 0 ? top - lo : (fabs(top) > 0 ? 0.1 * fabs(top) : 1);
	bottom = lo - 0.1 * span;
	if (lo >= 0 && bottom < 0)
		bottom = 0;
	top += 0.05 * span;

	strbuf_addstr(out, "```mermaid\nxychart-beta\n  title \"");
	add_mermaid_text(out, service);
	strbuf_addf(out, " %s (%s)%s", metric_name(metric), chart_unit(unit), tail);
	strbuf_addstr(out, "\"\n  x-axis [");
	/*
	 * Mermaid draws categories on a band scale that merges equal labels,
	 * so "09:30" on two days would fold the line back: over a day or
	 * more, the labels carry the date.
	 */
	multi_day = series->items[pick[n - 1]].t - series->items[pick[0]].t >= TIME_MS_PER_DAY;
	/* and the seconds when two drawn points fall in one minute. */
	for (i = step; i < n; i += step)
		if (series->items[pick[i]].t / TIME_MS_PER_MINUTE ==
		    series->items[pick[i - step]].t / TIME_MS_PER_MINUTE)
			seconds = 1;
	for (i = 0; i < n; i += step) {
		struct strbuf t = STRBUF_INIT;
		time_format_iso8601(&t, series->items[pick[i]].t);
		/* "HH:MM", "MM-DD HH:MM" or "HH:MM:SS" of "YYYY-MM-DDTHH:MM:SSZ" */
		strbuf_addf(out, "%s\"", i ? ", " : "");
		if (t.len < 19)
			strbuf_addbuf(out, &t);
		else if (multi_day)
			strbuf_addf(out, "%.5s %.*s", t.buf + 5, seconds ? 8 : 5, t.buf + 11);
		else
			strbuf_addf(out, "%.*s", seconds ? 8 : 5, t.buf + 11);
		strbuf_addch(out, '"');
		strbuf_release(&t);
	}
	if (project) {
		strbuf_addstr(out, ", \"full +");
		human_add_duration(out, full_in_ms);
		strbuf_addch(out, '"');
	}
	strbuf_addf(out, "]\n  y-axis \"%s\" ", chart_unit(unit));
	add_chart_number(out, bottom);
	strbuf_addstr(out, " --> ");
	add_chart_number(out, top);
	strbuf_addstr(out, "\n  line [");
	for (i = 0; i < n; i += step) {
		strbuf_addstr(out, i ? ", " : "");
		add_chart_number(out, chart_value(series->items[pick[i]].v, unit));
	}
	if (project) {
		strbuf_addstr(out, ", ");
		add_chart_number(out, level);
	}
	strbuf_addstr(out, "]\n");
	if (isfinite(level))
		add_chart_flat_line(out, level, n, step, project);
	if (isfinite(size))
		add_chart_flat_line(out, size, n, step, project);
	strbuf_addstr(out, "```\n\n");
	free(pick);
}

void scan_report_chart(struct strbuf *out, const struct finding *f)
{
	struct strbuf tail = STRBUF_INIT;
	int disk = f->kind == FINDING_DISK_FILLING || f->kind == FINDING_DISK_PRESSURE;
	double level = chart_value(f->evidence_level, f->evidence_unit);
	/*
	 * A volume's chart shows its size (100%) beside the level, and for a
	 * volume filling one more point: where the line reaches the size, the
	 * projected time to full after the window.
	 */
	double size = disk && f->evidence_unit == FIGURE_FRACTION && level != 100 ? 100 : NAN;
	int64_t full_in = f->kind == FINDING_DISK_FILLING ? f->leak.time_to_limit : 0;

	strbuf_addf(&tail, " against %s", f->kind == FINDING_DISK_FILLING ? "the volume's size" :
		    f->kind == FINDING_DISK_PRESSURE ? "its level and the volume's size" : "its level");
	if (f->kind == FINDING_MEMORY_LEAK && f->leak.time_to_limit > 0) {
		strbuf_addstr(&tail, ", the limit in ");
		human_add_duration(&tail, f->leak.time_to_limit);
		strbuf_addstr(&tail, " at this slope");
	}
	if (full_in > 0 && isfinite(level)) {
		strbuf_addstr(&tail, ", full in ");
		human_add_duration(&tail, full_in);
		strbuf_addstr(&tail, " at this slope");
	}
	draw_chart(out, f->service, f->evidence_metric, f->evidence_unit, f->evidence_level, size, full_in,
		   &f->evidence, tail.buf);
	strbuf_release(&tail);
}

/* The sample of s at time t, or NAN. */
static double value_at(const struct series *s, int64_t t)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->items[mid].t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nr && s->items[lo].t == t ? s->items[lo].v : NAN;
}

void scan_report_signal(struct series *out, const struct service_metrics *svc, enum metric m,
			enum figure_unit unit, int64_t start, int64_t end)
{
	const struct series *s = &svc->series[m], *per = NULL;
	size_t i;

	if (unit == FIGURE_RATIO)
		return;
	if (unit == FIGURE_FRACTION)
		per = m == METRIC_MEMORY ? &svc->series[METRIC_MEMORY_LIMIT] :
		      m == METRIC_CPU ? &svc->series[METRIC_CPU_LIMIT] :
		      m == METRIC_REQUESTS_5XX || m == METRIC_REQUESTS_4XX ? &svc->series[METRIC_REQUESTS] : NULL;
	if (unit == FIGURE_FRACTION && !per)
		return;
	for (i = 0; i < s->nr; i++) {
		double v = s->items[i].v, d;
		if (s->items[i].t < start || s->items[i].t > end || !isfinite(v))
			continue;
		if (per) {
			d = value_at(per, s->items[i].t);
			if (!isfinite(d) || d <= 0)
				continue;
			v /= d;
		}
		series_add(out, s->items[i].t, v);
	}
}

void scan_report_chart_after(struct strbuf *out, double *peak, const struct service_metrics *svc,
			     enum metric m, enum figure_unit unit, double level, int64_t start, int64_t end)
{
	struct series s = SERIES_INIT;
	double lo, last;

	scan_report_signal(&s, svc, m, unit, start, end);
	series_range(&s, &lo, peak, &last);
	draw_chart(out, svc->name, m, unit, level, NAN, 0, &s, isfinite(level) ? " after the fix, against the level it was judged by" :
		   " after the fix");
	series_release(&s);
}

void scan_report_markdown(struct strbuf *out, const struct observe_result *observed,
			  const struct findings *found)
{
	const struct architecture *arch = &observed->arch;
	size_t i, k, nodata = scan_report_unseen(observed, found, NULL);
	size_t bad = observation_bad_samples(&observed->obs);

	if (found->nr)
		strbuf_addf(out, "## autofix scan: %zu finding%s", found->nr, found->nr == 1 ? "" : "s");
	else if (!nodata)
		strbuf_addstr(out, "## autofix scan: healthy");
	if (nodata)
		strbuf_addf(out, "%sno data for %zu service%s", found->nr ? ", " : "## autofix scan: ",
			    nodata, nodata == 1 ? "" : "s");
	strbuf_addstr(out, "\n\n");
	strbuf_addf(out, "%s", arch->source ? arch->source : "?");
	if (arch->project_name) {
		strbuf_addstr(out, " project **");
		add_md_text(out, arch->project_name);
		strbuf_addstr(out, "**");
	}
	if (arch->environment_name) {
		strbuf_addstr(out, ", environment **");
		add_md_text(out, arch->environment_name);
		strbuf_addstr(out, "**");
	}
	strbuf_addstr(out, "; window ");
	add_time(out, observed->obs.start);
	strbuf_addstr(out, " to ");
	add_time(out, observed->obs.end);
	strbuf_addf(out, "; %lld %s, ", (long long)observed->requests,
		    human_plural(observed->requests, "request", "requests"));
	human_add_bytes(out, (double)observed->bytes);
	strbuf_addstr(out, ".");
	if (bad)
		strbuf_addf(out, " %zu bad sample%s dropped (negative, not a number, or beyond any real value).",
			    bad, bad == 1 ? "" : "s");
	strbuf_addstr(out, "\n\n");

	strbuf_addstr(out, "| service | memory peak | CPU peak | requests | 5xx | 4xx | p95 | status |\n"
			   "|---|---:|---:|---:|---:|---:|---:|---|\n");
	for (i = 0; i < found->services_nr; i++) {
		const struct service_summary *s = &found->services[i];
		strbuf_addstr(out, "| ");
		add_md_text(out, s->name);
		strbuf_addstr(out, " | ");
		if (has_signal(observed, found, s, METRIC_MEMORY))
			detect_add_figure(out, s->memory_peak, FIGURE_FRACTION);
		else
			strbuf_addstr(out, "no data");
		strbuf_addstr(out, " | ");
		if (has_signal(observed, found, s, METRIC_CPU))
			detect_add_figure(out, s->cpu_peak, FIGURE_FRACTION);
		else
			strbuf_addstr(out, "no data");
		if (!has_signal(observed, found, s, METRIC_REQUESTS)) {
			strbuf_addstr(out, " | no data | no data | no data | ");
		} else {
			if (isnan(s->requests))
				strbuf_addstr(out, " | - | ");
			else
				strbuf_addf(out, " | %.0f | ", s->requests);
			detect_add_figure(out, s->rate_5xx, FIGURE_FRACTION);
			strbuf_addstr(out, " | ");
			detect_add_figure(out, s->rate_4xx, FIGURE_FRACTION);
			strbuf_addstr(out, " | ");
		}
		if (has_signal(observed, found, s, METRIC_LATENCY_P95))
			detect_add_figure(out, s->p95_ms, FIGURE_MS);
		else
			strbuf_addstr(out, "no data");
		strbuf_addstr(out, " | ");
		strbuf_addstr(out, s->worst == SEVERITY_CRITICAL ? "🔴 critical" :
			      s->worst == SEVERITY_WARNING ? "🟠 warning" :
			      unseen(observed, found, s) ? "⚪ no data" : "🟢 ok");
		if (bad_samples_of(observed, found, s))
			strbuf_addf(out, ", %zu bad sample%s", bad_samples_of(observed, found, s),
				    bad_samples_of(observed, found, s) == 1 ? "" : "s");
		strbuf_addstr(out, " |\n");
	}
	strbuf_addch(out, '\n');
	for (i = 0, k = 0; i < found->services_nr; i++) {
		const struct service_summary *s = &found->services[i];
		if (!service_summary_has_volume(s))
			continue;
		if (!k++)
			strbuf_addstr(out, "| service | volume | used of size, trend |\n|---|---|---|\n");
		strbuf_addstr(out, "| ");
		add_md_text(out, s->name);
		strbuf_addstr(out, " | ");
		add_md_text(out, s->volume ? s->volume : "-");
		if (s->mount_path) {
			strbuf_addstr(out, " at ");
			add_md_text(out, s->mount_path);
		}
		strbuf_addstr(out, " | ");
		add_volume_figures(out, s);
		strbuf_addstr(out, " |\n");
	}
	if (k)
		strbuf_addch(out, '\n');

	for (i = 0; i < found->nr; i++) {
		const struct finding *f = &found->items[i];
		int dur = figure_is_duration(f);

		strbuf_addf(out, "### %s ", f->severity == SEVERITY_CRITICAL ? "🔴" : "🟠");
		add_md_text(out, f->service);
		strbuf_addf(out, ": %s (%s)\n\n", finding_kind_name(f->kind), severity_name(f->severity));
		if (f->summary) {
			add_md_text(out, f->summary);
			strbuf_addstr(out, "\n\n");
		}
		if (f->method == METHOD_STATUS) {
			strbuf_addstr(out, "Deployment status: ");
			add_status_figures(out, f);
			strbuf_addstr(out, "; since ");
		} else {
			strbuf_addstr(out, "Observed ");
			detect_add_figure(out, f->observed, f->unit);
			strbuf_addstr(out, dur ? duration_to(f) : "");
			strbuf_addstr(out, dur ? " (horizon " : " (threshold ");
			detect_add_figure(out, f->threshold, f->unit);
			strbuf_addstr(out, "), since ");
		}
		add_time(out, f->onset);
		if (f->deployment) {
			/* Not a code span: a backslash escape is not one inside it. */
			strbuf_addstr(out, ", after deployment ");
			add_md_text(out, f->deployment);
		}
		strbuf_addf(out, ". Fingerprint `%s`.\n\n", f->fingerprint);
		scan_report_chart(out, f);
	}
}

void scan_report_followups_text(struct strbuf *out, const struct scan_work *work)
{
	const struct json *it;

	if (!json_size(work->followups))
		return;
	strbuf_addf(out, "\nmerged fixes followed (%zu):\n", json_size(work->followups));
	for (it = json_first(work->followups); it; it = json_next(it)) {
		strbuf_addf(out, "  #%.0f ", json_num_value(json_member(it, "number")));
		add_text(out, json_str_value(json_member(it, "service")) ? json_str_value(json_member(it, "service")) : "?", 0);
		strbuf_addf(out, " (%s): %s", json_str_value(json_member(it, "fingerprint")),
			    json_str_value(json_member(it, "outcome")));
		if (json_str_value(json_member(it, "why"))) {
			strbuf_addstr(out, ": ");
			add_text(out, json_str_value(json_member(it, "why")), 0);
		}
		strbuf_addch(out, '\n');
	}
}

/* The merged fixes the scan followed, a table for the job summary. */
static void markdown_followups(struct strbuf *out, const struct scan_work *work)
{
	const struct json *it;

	if (!json_size(work->followups))
		return;
	strbuf_addstr(out, "\n### Merged fixes followed\n\n| pull request | service | problem | verdict |\n|---|---|---|---|\n");
	for (it = json_first(work->followups); it; it = json_next(it)) {
		const char *service = json_str_value(json_member(it, "service"));
		strbuf_addf(out, "| \\#%.0f | ", json_num_value(json_member(it, "number")));
		add_md_text(out, service ? service : "?");
		strbuf_addf(out, " | `%s` | ", json_str_value(json_member(it, "fingerprint")));
		add_md_text(out, json_str_value(json_member(it, "outcome")));
		strbuf_addstr(out, " |\n");
	}
}

void scan_report_markdown_work(struct strbuf *out, const struct scan_work *work)
{
	size_t i;

	markdown_followups(out, work);
	if (!work->nr)
		return;
	strbuf_addstr(out, "\n### What autofix did\n\n| service | problem | outcome | done |\n|---|---|---|---|\n");
	for (i = 0; i < work->nr; i++) {
		const struct finding_work *w = &work->items[i];
		const char *done = w->delivery ? w->delivery : w->issue ? w->issue : w->why ? w->why : "";

		strbuf_addstr(out, "| ");
		add_md_text(out, w->service);
		strbuf_addstr(out, " | ");
		add_md_text(out, w->kind);
		strbuf_addf(out, " `%s` | ", w->fingerprint);
		add_md_text(out, w->outcome);
		strbuf_addstr(out, " | ");
		add_md_text(out, done);
		strbuf_addstr(out, " |\n");
	}
}
