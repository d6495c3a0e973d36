/*
 * The detector's orchestration: per service, clip the series to the
 * window, run the rules in kind order (leak.c, thresholds.c, regression.c,
 * deployments.c)
 * and summarise. The rules themselves live in their own files.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "detect/series_math.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"


const struct threshold *detect_thresholds_for(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->services_nr; i++)
		if (cfg->services[i].name && !strcmp(cfg->services[i].name, name))
			return cfg->services[i].thresholds;
	for (i = 0; i < cfg->services_nr; i++)
		if (cfg->services[i].deployed_as && !strcmp(cfg->services[i].deployed_as, name))
			return cfg->services[i].thresholds;
	return cfg->thresholds;
}

static const struct service_config *service_config_for(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->services_nr; i++)
		if (cfg->services[i].name && !strcmp(cfg->services[i].name, name))
			return &cfg->services[i];
	for (i = 0; i < cfg->services_nr; i++)
		if (cfg->services[i].deployed_as && !strcmp(cfg->services[i].deployed_as, name))
			return &cfg->services[i];
	return NULL;
}

static void clip(struct series *out, const struct series *in, int64_t start, int64_t end)
{
	size_t i;

	for (i = 0; i < in->nr; i++)
		if (in->items[i].t >= start && in->items[i].t <= end && isfinite(in->items[i].v))
			series_add(out, in->items[i].t, in->items[i].v);
}

/* p95 samples of intervals that served requests (a p95 of nothing is not slow). */
static void latency_with_traffic(struct series *out, const struct svc_ctx *c)
{
	const struct series *p95 = &c->s[METRIC_LATENCY_P95], *req = &c->s[METRIC_REQUESTS];
	size_t i, j = 0;

	for (i = 0; i < p95->nr; i++) {
		int64_t t = p95->items[i].t;
		if (req->nr) {
			while (j < req->nr && req->items[j].t < t)
				j++;
			if (j < req->nr && req->items[j].t == t && req->items[j].v <= 0)
				continue;
		}
		series_add(out, t, p95->items[i].v);
	}
}

/* ---- one service ------------------------------------------------------- */

/* The volume's figures: usage and size at the end, the peak, and the trend over the window. */
static void summarise_volume(struct service_summary *sum, const struct svc_ctx *c,
			     const struct series *disk_frac)
{
	const struct series *disk = &c->s[METRIC_DISK];
	int64_t a = c->obs->start, b = c->obs->end;
	struct line_fit fit;

	sum->disk_bytes = disk->nr ? disk->items[disk->nr - 1].v : NAN;
	sum->disk_limit_bytes = series_value_at(&c->s[METRIC_DISK_LIMIT], b);
	sum->disk_peak = series_max(disk_frac, a, b);
	sum->disk_per_hour = NAN;
	if (series_fit_line(&fit, disk, a, b) == 0 && fit.n >= 3)
		sum->disk_per_hour = fit.slope * 3600e3;
	if (c->svc->volume)
		sum->volume = xstrdup(c->svc->volume);
	if (c->svc->mount_path)
		sum->mount_path = xstrdup(c->svc->mount_path);
}

static void summarise(struct service_summary *sum, const struct svc_ctx *c,
		      const struct series *mem_frac, const struct series *cpu_frac)
{
	const struct series *s = c->s;
	int64_t a = c->obs->start, b = c->obs->end;

	sum->name = xstrdup(c->svc->name);
	sum->memory_peak = series_max(mem_frac, a, b);
	sum->memory_avg = series_mean(mem_frac, a, b);
	sum->memory_peak_bytes = series_max(&s[METRIC_MEMORY], a, b);
	sum->memory_limit_bytes = series_value_at(&s[METRIC_MEMORY_LIMIT], b);
	sum->cpu_peak = series_max(cpu_frac, a, b);
	sum->cpu_avg = series_mean(cpu_frac, a, b);
	sum->cpu_limit = series_value_at(&s[METRIC_CPU_LIMIT], b);
	sum->requests = s[METRIC_REQUESTS].nr ? series_sum(&s[METRIC_REQUESTS], a, b) : NAN;
	sum->rate_5xx = sum->rate_4xx = NAN;
	if (sum->requests > 0) {
		if (s[METRIC_REQUESTS_5XX].nr)
			sum->rate_5xx = series_sum(&s[METRIC_REQUESTS_5XX], a, b) / sum->requests;
		if (s[METRIC_REQUESTS_4XX].nr)
			sum->rate_4xx = series_sum(&s[METRIC_REQUESTS_4XX], a, b) / sum->requests;
	}
	sum->p95_ms = series_quantile(&s[METRIC_LATENCY_P95], 0.5);
	sum->p95_max_ms = series_max(&s[METRIC_LATENCY_P95], a, b);
	sum->samples = s[METRIC_MEMORY].nr;
}

/*
 * Error rate sig: errm's share of the requests over RATE_WINDOW_MS windows
 * into *rate, then its levels; nothing when the window had too few
 * requests for a verdict. context is appended to each finding's reason.
 */
static void eval_error_rate(struct svc_ctx *c, enum signal sig, enum finding_kind kind,
			    enum metric errm, double total, const char *context,
			    struct series *rate)
{
	struct level_input in;

	if (!c->s[METRIC_REQUESTS].nr || total < (double)c->th[sig].min_requests)
		return;
	series_windowed_ratio(rate, &c->s[errm], &c->s[METRIC_REQUESTS],
			      RATE_WINDOW_MS, RATE_WINDOW_MIN_REQUESTS, 0);
	memset(&in, 0, sizeof(in));
	in.kind = kind;
	in.metric = errm;
	in.fraction = rate;
	in.errors = &c->s[errm];
	in.requests = &c->s[METRIC_REQUESTS];
	in.context = context;
	detect_eval_levels(c, sig, &in);
}

static int cmp_finding_kind(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	return (x->kind > y->kind) - (x->kind < y->kind);
}

static void detect_service(struct findings *out, const struct observation *obs,
			   const struct service_metrics *svc, const struct config *cfg)
{
	const struct service_config *sc = service_config_for(cfg, svc->name);
	struct series mem_frac = SERIES_INIT, cpu_frac = SERIES_INIT, disk_frac = SERIES_INIT;
	struct series r5 = SERIES_INIT, r4 = SERIES_INIT, lat = SERIES_INIT;
	struct service_summary *sum;
	struct svc_ctx c;
	size_t first = out->nr, i;
	int m;

	memset(&c, 0, sizeof(c));
	c.obs = obs;
	c.svc = svc;
	c.cfg = cfg;
	c.th = detect_thresholds_for(cfg, svc->name);
	c.out = out;
	c.first = out->nr;
	c.step = obs->step > 0 ? obs->step : DEFAULT_STEP_MS;
	c.max_gap = 2 * c.step;
	for (m = 0; m < METRIC__COUNT; m++)
		clip(&c.s[m], &svc->series[m], obs->start, obs->end);
	series_fraction_of_limit(&mem_frac, &c.s[METRIC_MEMORY], &c.s[METRIC_MEMORY_LIMIT]);
	series_fraction_of_limit(&cpu_frac, &c.s[METRIC_CPU], &c.s[METRIC_CPU_LIMIT]);
	series_fraction_of_limit(&disk_frac, &c.s[METRIC_DISK], &c.s[METRIC_DISK_LIMIT]);
	series_fraction_of_limit(&c.mem_hist, &svc->series[METRIC_MEMORY], &svc->series[METRIC_MEMORY_LIMIT]);
	series_fraction_of_limit(&c.cpu_hist, &svc->series[METRIC_CPU], &svc->series[METRIC_CPU_LIMIT]);
	detect_build_seasons(&c);

	if (!sc || sc->enabled) {
		double total = series_sum(&c.s[METRIC_REQUESTS], obs->start, obs->end);
		struct strbuf ctx = STRBUF_INIT;
		struct level_input in;
		struct eval_series evs;

		/* Kinds in enum order: leak, pressure, cpu, 5xx, 4xx, latency, disk filling, disk pressure. */
		detect_eval_climb(&c, &detect_memory_climb, &mem_frac);

		memset(&in, 0, sizeof(in));
		in.kind = FINDING_MEMORY_PRESSURE;
		in.metric = METRIC_MEMORY;
		in.fraction = mem_frac.nr ? &mem_frac : NULL;
		in.bytes = c.s[METRIC_MEMORY].nr ? &c.s[METRIC_MEMORY] : NULL;
		detect_eval_levels(&c, SIGNAL_MEMORY, &in);

		memset(&in, 0, sizeof(in));
		in.kind = FINDING_CPU_SATURATION;
		in.metric = METRIC_CPU;
		in.fraction = cpu_frac.nr ? &cpu_frac : NULL;
		detect_eval_levels(&c, SIGNAL_CPU, &in);

		detect_add_count(&ctx, total);
		strbuf_addstr(&ctx, " requests in the window");
		eval_error_rate(&c, SIGNAL_ERROR_RATE_5XX, FINDING_ERROR_RATE_5XX, METRIC_REQUESTS_5XX,
				total, ctx.buf, &r5);
		eval_error_rate(&c, SIGNAL_ERROR_RATE_4XX, FINDING_ERROR_RATE_4XX, METRIC_REQUESTS_4XX,
				total, ctx.buf, &r4);

		/* A p95 over a handful of requests is one slow request; with no request series, trust it. */
		if (!c.s[METRIC_REQUESTS].nr ||
		    total >= (double)c.th[SIGNAL_LATENCY_P95].min_requests) {
			latency_with_traffic(&lat, &c);
			memset(&in, 0, sizeof(in));
			in.kind = FINDING_LATENCY;
			in.metric = METRIC_LATENCY_P95;
			in.ms = &lat;
			in.context = c.s[METRIC_REQUESTS].nr ? ctx.buf : NULL;
			detect_eval_levels(&c, SIGNAL_LATENCY_P95, &in);
		}

		/* A volume: the same trend as memory towards its size, and the same held level. */
		detect_eval_climb(&c, &detect_disk_climb, &disk_frac);
		memset(&in, 0, sizeof(in));
		in.kind = FINDING_DISK_PRESSURE;
		in.metric = METRIC_DISK;
		in.fraction = disk_frac.nr ? &disk_frac : NULL;
		in.bytes = c.s[METRIC_DISK].nr ? &c.s[METRIC_DISK] : NULL;
		detect_eval_levels(&c, SIGNAL_DISK, &in);

		evs.r5 = &r5;
		evs.r4 = &r4;
		evs.lat = &lat;
		evs.cpu = &cpu_frac;
		evs.mem = &mem_frac;
		detect_eval_regressions(&c, &evs);
		detect_eval_deployments(&c);
		strbuf_release(&ctx);
	}

	/* At most one finding per kind; regressions come last, so put them in kind order. */
	if (out->nr - first > 1)
		qsort(out->items + first, out->nr - first, sizeof(*out->items), cmp_finding_kind);

	ALLOC_GROW(out->services, out->services_nr + 1, out->services_alloc);
	sum = &out->services[out->services_nr++];
	memset(sum, 0, sizeof(*sum));
	summarise(sum, &c, &mem_frac, &cpu_frac);
	summarise_volume(sum, &c, &disk_frac);
	for (i = first; i < out->nr; i++) {
		sum->findings++;
		if (out->items[i].severity > sum->worst)
			sum->worst = out->items[i].severity;
	}

	for (m = 0; m < METRIC__COUNT; m++)
		series_release(&c.s[m]);
	series_release(&c.mem_hist);
	series_release(&c.cpu_hist);
	series_release(&c.mem_season);
	series_release(&c.cpu_season);
	series_release(&c.lat_season);
	series_release(&mem_frac);
	series_release(&cpu_frac);
	series_release(&disk_frac);
	series_release(&r5);
	series_release(&r4);
	series_release(&lat);
}

int detect_run(struct findings *out, const struct observation *obs, const struct config *cfg)
{
	size_t i, before = out->nr;

	if (obs->end <= obs->start)
		return bot_error(BOT_EINVALID, "observation window ends before it starts");
	for (i = 0; i < obs->services_nr; i++)
		detect_service(out, obs, &obs->services[i], cfg);
	return (int)(out->nr - before);
}
