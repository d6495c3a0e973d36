#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/series_math.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * Constants of the rules that are not (yet) configuration. Each is named
 * in the README's "How detection works".
 */
#define RATE_WINDOW_MS (5 * 60 * 1000)     /* error rates: sliding window, like rate(x[5m]) */
#define RATE_WINDOW_MIN_REQUESTS 20        /* a sliding window with fewer requests says nothing */
#define RATE_CONFIDENCE_Z 1.645            /* a run's rate: its 95% lower bound must reach the level */
#define RATE_MIN_ERRORS 5                  /* and it must hold this many failed requests */
#define LEAK_MIN_SPAN_MS (10 * 60 * 1000)  /* a trend needs this much history to be believed */
#define DEFAULT_STEP_MS (60 * 1000)

/* ---- names ------------------------------------------------------------- */

static const char *kind_names[FINDING_KIND__COUNT] = {
	"memory_leak", "memory_pressure", "cpu_saturation",
	"error_rate_5xx", "error_rate_4xx", "latency",
};

const char *finding_kind_name(enum finding_kind k)
{
	return k < FINDING_KIND__COUNT ? kind_names[k] : "unknown";
}

int finding_kind_from_name(enum finding_kind *out, const char *name)
{
	size_t i;

	for (i = 0; i < FINDING_KIND__COUNT; i++)
		if (!strcmp(kind_names[i], name)) {
			*out = (enum finding_kind)i;
			return 0;
		}
	return BOT_ENOTFOUND;
}

static const char *severity_names[] = { "none", "warning", "critical" };

const char *severity_name(enum severity s)
{
	return (size_t)s < ARRAY_SIZE(severity_names) ? severity_names[s] : "unknown";
}

int severity_from_name(enum severity *out, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(severity_names); i++)
		if (!strcmp(severity_names[i], name)) {
			*out = (enum severity)i;
			return 0;
		}
	return BOT_ENOTFOUND;
}

static const char *unit_names[] = { "fraction", "ms", "bytes", "ratio" };

const char *figure_unit_name(enum figure_unit u)
{
	return (size_t)u < ARRAY_SIZE(unit_names) ? unit_names[u] : "unknown";
}

static int figure_unit_from_name(enum figure_unit *out, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(unit_names); i++)
		if (!strcmp(unit_names[i], name)) {
			*out = (enum figure_unit)i;
			return 0;
		}
	return BOT_ENOTFOUND;
}

static const char *method_names[] = { "threshold", "trend", "crash_loop", "regression" };

const char *finding_method_name(enum finding_method m)
{
	return (size_t)m < ARRAY_SIZE(method_names) ? method_names[m] : "unknown";
}

static int finding_method_from_name(enum finding_method *out, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(method_names); i++)
		if (!strcmp(method_names[i], name)) {
			*out = (enum finding_method)i;
			return 0;
		}
	return BOT_ENOTFOUND;
}

/* ---- life cycle ------------------------------------------------------- */

void findings_init(struct findings *f)
{
	memset(f, 0, sizeof(*f));
}

static void finding_release(struct finding *fd)
{
	free(fd->service);
	free(fd->deployment);
	free(fd->reason);
	free(fd->summary);
	series_release(&fd->evidence);
}

void findings_release(struct findings *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		finding_release(&f->items[i]);
	free(f->items);
	for (i = 0; i < f->services_nr; i++)
		free(f->services[i].name);
	free(f->services);
	findings_init(f);
}

void finding_fingerprint(char out[17], const char *service, enum finding_kind kind)
{
	/* FNV-1a, 64 bits, over "service\0kind": short, stable, no crypto needed. */
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *k = finding_kind_name(kind);
	size_t i, n = strlen(service);

	for (i = 0; i <= n; i++) {
		h ^= (unsigned char)service[i];
		h *= 0x100000001b3ULL;
	}
	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016" PRIx64, h);
}

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

/* ---- formatting for summaries ---------------------------------------- */

static void add_duration(struct strbuf *sb, int64_t ms)
{
	int64_t m = (ms + 30000) / 60000, d = m / 1440, h = (m % 1440) / 60;

	if (d)
		strbuf_addf(sb, "%" PRId64 "d%" PRId64 "h", d, h);
	else if (h)
		strbuf_addf(sb, "%" PRId64 "h%02" PRId64 "m", h, m % 60);
	else
		strbuf_addf(sb, "%" PRId64 "m", m);
}

static void add_figure(struct strbuf *sb, double v, enum figure_unit u)
{
	switch (u) {
	case FIGURE_FRACTION:
		if (v < 0.01)
			strbuf_addf(sb, "%.2f%%", v * 100);
		else
			strbuf_addf(sb, "%.1f%%", v * 100);
		break;
	case FIGURE_MS:
		if (v >= 10000)
			strbuf_addf(sb, "%.1fs", v / 1000);
		else
			strbuf_addf(sb, "%.0fms", v);
		break;
	case FIGURE_BYTES:
		if (v >= 1024.0 * 1024 * 1024)
			strbuf_addf(sb, "%.2f GiB", v / (1024.0 * 1024 * 1024));
		else
			strbuf_addf(sb, "%.0f MiB", v / (1024.0 * 1024));
		break;
	case FIGURE_RATIO:
		strbuf_addf(sb, "x%.1f", v);
		break;
	}
}

static void add_time(struct strbuf *sb, int64_t ms)
{
	time_format_iso8601(sb, ms);
}

/* ---- the per-service evaluation --------------------------------------- */

/* What a service's rules share: its window-clipped series and its settings. */
struct svc_ctx {
	const struct observation *obs;
	const struct service_metrics *svc;
	const struct threshold *th;
	const struct config *cfg;
	struct series s[METRIC__COUNT]; /* clipped to [start, end], finite values only */
	int64_t step, max_gap;
	struct findings *out;
	size_t first;                   /* index of this service's first finding in out */
};

static void clip(struct series *out, const struct series *in, int64_t start, int64_t end)
{
	size_t i;

	for (i = 0; i < in->nr; i++)
		if (in->items[i].t >= start && in->items[i].t <= end && isfinite(in->items[i].v))
			series_add(out, in->items[i].t, in->items[i].v);
}

/* The latest deployment in the window at or before t, or NULL. */
static const struct deployment *deployment_before(const struct svc_ctx *c, int64_t t)
{
	const struct deployment *best = NULL;
	size_t i;

	for (i = 0; i < c->svc->deployments_nr; i++) {
		const struct deployment *d = &c->svc->deployments[i];
		if (d->at >= c->obs->start && d->at <= t)
			best = d;
	}
	return best;
}

static struct finding *new_finding(struct svc_ctx *c, enum finding_kind kind, enum severity sev,
				   enum finding_method method)
{
	struct finding *fd;

	ALLOC_GROW(c->out->items, c->out->nr + 1, c->out->alloc);
	fd = &c->out->items[c->out->nr++];
	memset(fd, 0, sizeof(*fd));
	fd->service = xstrdup(c->svc->name);
	fd->kind = kind;
	fd->severity = sev;
	fd->method = method;
	finding_fingerprint(fd->fingerprint, c->svc->name, kind);
	return fd;
}

static void set_onset(struct svc_ctx *c, struct finding *fd, int64_t onset)
{
	const struct deployment *d = deployment_before(c, onset);

	fd->onset = onset;
	if (d) {
		fd->deployment = xstrdup(d->id);
		fd->deployment_at = d->at;
	}
}

static void copy_series(struct series *out, const struct series *in)
{
	size_t i;

	for (i = 0; i < in->nr; i++)
		series_add(out, in->items[i].t, in->items[i].v);
}

static const char *signal_word(enum finding_kind k)
{
	switch (k) {
	case FINDING_MEMORY_LEAK:
	case FINDING_MEMORY_PRESSURE: return "memory";
	case FINDING_CPU_SATURATION: return "CPU";
	case FINDING_ERROR_RATE_5XX: return "5xx rate";
	case FINDING_ERROR_RATE_4XX: return "4xx rate";
	case FINDING_LATENCY: return "p95 latency";
	default: return "?";
	}
}

/*
 * A level held for `for`: tries critical first, then warning. Each level
 * is compared with the series in its own unit (a memory level may be a
 * fraction of the limit or absolute bytes).
 */
struct level_input {
	enum finding_kind kind;
	enum metric metric;
	const struct series *fraction; /* for LEVEL_FRACTION levels (NULL: not available) */
	const struct series *ms;       /* for LEVEL_MS levels */
	const struct series *bytes;    /* for LEVEL_BYTES levels */
	const char *context;           /* appended to the reason ("5,210 requests"), or NULL */
	const struct series *errors;   /* rates: the error counts and request counts behind the */
	const struct series *requests; /* ratio, for the run's significance check */
};

static const struct series *series_for_level(const struct level_input *in, const struct level *lv,
					     enum figure_unit *unit)
{
	switch (lv->unit) {
	case LEVEL_FRACTION: *unit = FIGURE_FRACTION; return in->fraction;
	case LEVEL_MS: *unit = FIGURE_MS; return in->ms;
	case LEVEL_BYTES: *unit = FIGURE_BYTES; return in->bytes;
	default: return NULL;
	}
}

static double threshold_confidence(const struct hold *h, int64_t for_ms, double level)
{
	/* Held twice as long as required and well over the level: near certain. */
	double held = (double)(h->last - h->onset);
	double dur = for_ms > 0 ? held / (2.0 * (double)for_ms) : 1.0;
	double margin = level > 0 ? (h->mean - level) / level / 0.5 : 1.0;

	if (dur > 1)
		dur = 1;
	if (margin > 1)
		margin = 1;
	if (margin < 0)
		margin = 0;
	return 0.5 + 0.3 * dur + 0.2 * margin;
}

/*
 * series_hold(), and for rates a check of the run as a whole: a few
 * failed requests make a high ratio on a quiet service without being an
 * incident, so the run must hold RATE_MIN_ERRORS errors and its rate's
 * 95% lower bound (Wilson) must reach the level. A run that fails is
 * skipped and the next one tried.
 */
static int rate_hold(struct hold *h, const struct series *s, const struct level_input *in,
		     double level, int64_t for_ms, int64_t max_gap)
{
	struct series view = *s;

	while (series_hold(h, &view, level, for_ms, max_gap)) {
		double k, n;
		size_t skip = 0;

		if (!in->errors)
			return 1;
		k = series_sum(in->errors, h->onset, h->last);
		n = series_sum(in->requests, h->onset, h->last);
		if (k >= RATE_MIN_ERRORS && stat_wilson_lower(k, n, RATE_CONFIDENCE_Z) >= level) {
			h->ongoing = h->last == s->items[s->nr - 1].t;
			return 1;
		}
		while (skip < view.nr && view.items[skip].t <= h->last)
			skip++;
		view.items += skip;
		view.nr -= skip;
	}
	return 0;
}

static void eval_levels(struct svc_ctx *c, enum signal sig, const struct level_input *in)
{
	const struct threshold *th = &c->th[sig];
	const struct level *levels[2] = { &th->critical, &th->warning };
	enum severity sevs[2] = { SEVERITY_CRITICAL, SEVERITY_WARNING };
	int i;

	if (!th->enabled)
		return;
	for (i = 0; i < 2; i++) {
		const struct series *s;
		struct finding *fd;
		enum figure_unit unit = FIGURE_FRACTION;
		struct strbuf sb = STRBUF_INIT;
		struct hold h;

		if (levels[i]->unit == LEVEL_UNSET)
			continue;
		s = series_for_level(in, levels[i], &unit);
		if (!s || series_count_finite(s) < (size_t)(th->min_samples > 0 ? th->min_samples : 1))
			continue;
		if (!rate_hold(&h, s, in, levels[i]->value, th->for_ms, c->max_gap))
			continue;

		fd = new_finding(c, in->kind, sevs[i], METHOD_THRESHOLD);
		fd->observed = h.mean;
		fd->threshold = levels[i]->value;
		fd->unit = unit;
		set_onset(c, fd, h.onset);
		fd->detected = h.fired;
		fd->ongoing = h.ongoing;
		fd->evidence_metric = in->metric;
		fd->evidence_unit = unit;
		fd->evidence_level = levels[i]->value;
		copy_series(&fd->evidence, s);
		fd->confidence = threshold_confidence(&h, th->for_ms, levels[i]->value);

		strbuf_addf(&sb, "%s ", signal_word(in->kind));
		add_figure(&sb, h.mean, unit);
		strbuf_addstr(&sb, " (>= ");
		add_figure(&sb, levels[i]->value, unit);
		strbuf_addstr(&sb, ") for ");
		add_duration(&sb, h.last - h.onset);
		strbuf_addf(&sb, " over %zu samples", h.samples);
		if (in->context)
			strbuf_addf(&sb, ", %s", in->context);
		fd->reason = strbuf_detach(&sb, NULL);

		strbuf_addf(&sb, "%s: %s %s ", c->svc->name, severity_name(fd->severity),
			    signal_word(in->kind));
		if (in->kind == FINDING_MEMORY_PRESSURE || in->kind == FINDING_CPU_SATURATION) {
			add_figure(&sb, h.mean, unit);
			strbuf_addstr(&sb, unit == FIGURE_FRACTION ? " of the limit" : "");
		} else {
			add_figure(&sb, h.mean, unit);
		}
		strbuf_addstr(&sb, " (level ");
		add_figure(&sb, levels[i]->value, unit);
		strbuf_addstr(&sb, ") for ");
		add_duration(&sb, h.last - h.onset);
		strbuf_addstr(&sb, " since ");
		add_time(&sb, h.onset);
		if (fd->deployment)
			strbuf_addf(&sb, ", after deployment %s", fd->deployment);
		if (!h.ongoing)
			strbuf_addstr(&sb, " (recovered by the end of the window)");
		fd->summary = strbuf_detach(&sb, NULL);
		return;
	}
}

/* ---- memory trend ------------------------------------------------------ */

struct trend {
	struct line_fit fit;
	double limit;
	int64_t ttl;
};

/*
 * The trend rule evaluated at time `at` over the samples of the window
 * ending there: a positive slope, a good enough fit, enough history, and
 * a forecast that meets the limit within the horizon.
 */
static int trend_at(struct trend *out, const struct svc_ctx *c, const struct series *mem,
		    double limit, int64_t from, int64_t at)
{
	const struct leak_config *lk = &c->cfg->leak;
	int64_t window = c->obs->end - c->obs->start;
	int64_t min_span = window / 2 < LEAK_MIN_SPAN_MS ? window / 2 : LEAK_MIN_SPAN_MS;
	size_t min_samples = c->th[SIGNAL_MEMORY].min_samples > 3 ?
		(size_t)c->th[SIGNAL_MEMORY].min_samples : 3;

	memset(out, 0, sizeof(*out));
	if (!(limit > 0))
		return 0;
	if (series_fit_line(&out->fit, mem, from, at) < 0)
		return 0;
	if (out->fit.n < min_samples || out->fit.last - out->fit.first < min_span)
		return 0;
	if (!(out->fit.slope > 0) || out->fit.r2 < lk->min_fit)
		return 0;
	out->limit = limit;
	out->ttl = line_fit_time_to(&out->fit, at, limit);
	return out->ttl >= 0 && out->ttl <= lk->horizon_ms;
}

/*
 * Where the climb began: the split that best explains the samples as a
 * flat stretch followed by a line (least squares, with a penalty so that
 * a straight line from the first sample wins when it explains as much).
 */
static int64_t climb_onset(const struct series *mem, int64_t from, int64_t to)
{
	double *t, *v, total_sse = 0, best, penalty;
	size_t i, n = 0, k, best_k = 0;
	struct line_fit all;
	int64_t onset = from;

	t = xmalloc((mem->nr + 1) * sizeof(*t));
	v = xmalloc((mem->nr + 1) * sizeof(*v));
	for (i = 0; i < mem->nr; i++)
		if (mem->items[i].t >= from && mem->items[i].t <= to) {
			t[n] = (double)mem->items[i].t;
			v[n++] = mem->items[i].v;
		}
	if (n < 4 || series_fit_line(&all, mem, from, to) < 0)
		goto done;
	onset = (int64_t)t[0];
	for (i = 0; i < n; i++) {
		double e = v[i] - line_fit_at(&all, (int64_t)t[i]);
		total_sse += e * e;
	}
	penalty = 2.0 * (total_sse / (double)n) * log((double)n);
	best = total_sse;
	for (k = 1; k + 3 <= n; k++) {
		/* Flat part [0,k): its mean; line part [k,n): its own fit. */
		double mean = 0, sse = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, m = (double)(n - k);
		double slope, icpt, vx;
		for (i = 0; i < k; i++)
			mean += v[i];
		mean /= (double)k;
		for (i = 0; i < k; i++)
			sse += (v[i] - mean) * (v[i] - mean);
		for (i = k; i < n; i++) {
			double x = t[i] - t[k];
			sx += x;
			sy += v[i];
			sxx += x * x;
			sxy += x * v[i];
		}
		vx = sxx / m - (sx / m) * (sx / m);
		if (!(vx > 0))
			continue;
		slope = (sxy / m - (sx / m) * (sy / m)) / vx;
		icpt = sy / m - slope * sx / m;
		for (i = k; i < n; i++) {
			double e = v[i] - (icpt + slope * (t[i] - t[k]));
			sse += e * e;
		}
		/* The line must start near the flat level, or this is a step, not a climb. */
		if (sse + penalty < best) {
			best = sse + penalty;
			best_k = k;
		}
	}
	onset = (int64_t)t[best_k];
done:
	free(t);
	free(v);
	return onset;
}

/*
 * Restarts split memory into segments: a sample at most RESET_DROP of the
 * one before, and lower by at least RESET_MIN_OF_LIMIT of the limit, is a
 * process that started again (killed at its limit, or redeployed).
 */
#define RESET_DROP 0.7
#define RESET_MIN_OF_LIMIT 0.10
#define CRASH_PEAK 0.80           /* a cycle that peaked at 80% of the limit ran into it */
#define CRASH_MIN_CYCLES 2
#define CRASH_MIN_FIT 0.7         /* cycles are short; their fit may be looser than a trend's */
#define RESUME_SLOPE_RATIO 2.0    /* slopes within a factor 2 are "the same slope" */
#define LOAD_MIN_FIT 0.8          /* memory moves with request rate at least this well */
#define LOAD_SMOOTH_SAMPLES 5     /* request rate smoothed over this many samples */

struct segment {
	int64_t from, to; /* times of its first and last sample */
	size_t n;
};

static double limit_at(const struct svc_ctx *c, int64_t t)
{
	double lim = series_value_at(&c->s[METRIC_MEMORY_LIMIT], t);
	const struct threshold *mth = &c->th[SIGNAL_MEMORY];

	if (isnan(lim) && mth->critical.unit == LEVEL_BYTES)
		lim = mth->critical.value;
	return lim;
}

static size_t memory_segments(struct segment **out, const struct svc_ctx *c, const struct series *mem)
{
	struct segment *seg = NULL;
	size_t nr = 0, alloc = 0, i;

	for (i = 0; i < mem->nr; i++) {
		const struct sample *p = &mem->items[i];
		int reset = 0;

		if (i) {
			double prev = mem->items[i - 1].v, lim = limit_at(c, mem->items[i - 1].t);
			reset = p->v <= RESET_DROP * prev &&
				(!(lim > 0) || prev - p->v >= RESET_MIN_OF_LIMIT * lim);
		}
		if (!nr || reset) {
			ALLOC_GROW(seg, nr + 1, alloc);
			seg[nr++] = (struct segment){ p->t, p->t, 0 };
		}
		seg[nr - 1].to = p->t;
		seg[nr - 1].n++;
	}
	*out = seg;
	return nr;
}

/*
 * Whether a memory climb over [from, to] is explained by traffic: memory
 * moves with the (smoothed) request rate (a good positive fit of one on
 * the other), traffic grew, and memory grew by no larger a share than
 * traffic did, so its ratio to traffic stayed flat or fell (memory that
 * serves load has a fixed base and grows proportionally less). Memory
 * that climbs while traffic is flat or falling, or faster than traffic,
 * is not explained. Without request data the answer is no.
 */
static int follows_load(const struct svc_ctx *c, const struct series *mem, int64_t from, int64_t to)
{
	const struct series *req = &c->s[METRIC_REQUESTS];
	double *x, *y, *t, b, a, r2, sm, am, rm, sr, ar, rr, span, mem_growth, req_growth, rsum = 0;
	size_t i, n = 0, lo = 0, hi = 0;
	int ret = 0;

	if (!req->nr || series_sum(req, from, to) < (double)c->th[SIGNAL_ERROR_RATE_5XX].min_requests)
		return 0;
	x = xmalloc((mem->nr + 1) * sizeof(*x));
	y = xmalloc((mem->nr + 1) * sizeof(*y));
	t = xmalloc((mem->nr + 1) * sizeof(*t));
	/* Both series are in time order: a sliding window keeps this linear (the trend is replayed). */
	for (i = 0; i < mem->nr; i++) {
		const struct sample *p = &mem->items[i];
		int64_t lo_t = p->t - (LOAD_SMOOTH_SAMPLES - 1) * c->step;
		if (p->t < from || p->t > to)
			continue;
		while (hi < req->nr && req->items[hi].t <= p->t) {
			rsum += req->items[hi].v;
			hi++;
		}
		while (lo < hi && req->items[lo].t < lo_t) {
			rsum -= req->items[lo].v;
			lo++;
		}
		if (lo == hi)
			continue;
		x[n] = rsum / (double)(hi - lo);
		y[n] = p->v;
		t[n] = (double)(p->t - from);
		n++;
	}
	if (n < 5 || fit_xy(&b, &a, &r2, x, y, n) < 0 || !(b > 0) || r2 < LOAD_MIN_FIT)
		goto out;
	if (fit_xy(&sm, &am, &rm, t, y, n) < 0 || fit_xy(&sr, &ar, &rr, t, x, n) < 0)
		goto out;
	span = t[n - 1] - t[0];
	if (!(am > 0) || !(ar > 0))
		goto out;
	mem_growth = sm * span / am;
	req_growth = sr * span / ar;
	ret = req_growth > 0 && mem_growth <= req_growth;
out:
	free(x);
	free(y);
	free(t);
	return ret;
}

/* A climb: enough samples, rising, fitting a line at least min_fit. */
static int climb(struct line_fit *fit, const struct series *mem, int64_t from, int64_t to, double min_fit)
{
	return series_fit_line(fit, mem, from, to) == 0 && fit->n >= 3 && fit->slope > 0 &&
	       fit->r2 >= min_fit;
}

/* A deployment within two samples of time t (the restart that caused a reset), or NULL. */
static const struct deployment *deployment_near(const struct svc_ctx *c, int64_t t)
{
	size_t i;

	for (i = 0; i < c->svc->deployments_nr; i++) {
		const struct deployment *d = &c->svc->deployments[i];
		if (d->at >= t - 2 * c->step && d->at <= t)
			return d;
	}
	return NULL;
}

struct leak_eval {
	struct line_fit fit;       /* the line that forecasts */
	double limit;
	int64_t ttl;
	int64_t from;              /* where the forecasting climb's data starts */
	const struct deployment *restart; /* the climb resumed after this deployment restarted it */
	int64_t prev_from, prev_to;       /* the climb before that restart */
	struct line_fit prev;
};

/*
 * The trend rule as it would have been evaluated at time `at`, with the
 * data up to then: a trend since the last restart (within the window),
 * or, right after a deployment restarted the service, a new climb at
 * the same slope as the one before the restart.
 */
static int trend_rule(struct leak_eval *ev, const struct svc_ctx *c, const struct series *mem,
		      const struct segment *seg, size_t nseg, int64_t at)
{
	const struct leak_config *lk = &c->cfg->leak;
	int64_t window = c->obs->end - c->obs->start;
	struct trend tr;
	struct line_fit cur;
	size_t k = 0, i;
	double ratio;

	memset(ev, 0, sizeof(*ev));
	for (i = 0; i < nseg; i++)
		if (seg[i].from <= at)
			k = i;
	ev->limit = limit_at(c, at);
	if (!(ev->limit > 0))
		return 0;
	ev->from = seg[k].from > at - window ? seg[k].from : at - window;
	if (k > 0 && (ev->restart = deployment_near(c, seg[k].from)) &&
	    climb(&ev->prev, mem, seg[k - 1].from, seg[k - 1].to, lk->min_fit)) {
		ev->prev_from = seg[k - 1].from;
		ev->prev_to = seg[k - 1].to;
	} else {
		ev->restart = NULL;
	}

	if (trend_at(&tr, c, mem, ev->limit, ev->from, at) && !follows_load(c, mem, ev->from, at)) {
		ev->fit = tr.fit;
		ev->ttl = tr.ttl;
		if (ev->restart) {
			ratio = tr.fit.slope / ev->prev.slope;
			if (ratio > RESUME_SLOPE_RATIO || ratio < 1 / RESUME_SLOPE_RATIO)
				ev->restart = NULL;
		}
		return 1;
	}
	if (!ev->restart || !climb(&cur, mem, seg[k].from, at, lk->min_fit))
		return 0;
	ratio = cur.slope / ev->prev.slope;
	if (ratio > RESUME_SLOPE_RATIO || ratio < 1 / RESUME_SLOPE_RATIO)
		return 0;
	ev->fit = cur;
	ev->ttl = line_fit_time_to(&cur, at, ev->limit);
	if (ev->ttl < 0 || ev->ttl > lk->horizon_ms || follows_load(c, mem, seg[k].from, at))
		return 0;
	return 1;
}

static void leak_evidence(struct finding *fd, const struct series *frac, const struct series *mem,
			  double limit)
{
	fd->evidence_metric = METRIC_MEMORY;
	if (frac->nr) {
		fd->evidence_unit = FIGURE_FRACTION;
		fd->evidence_level = 1.0;
		copy_series(&fd->evidence, frac);
	} else {
		fd->evidence_unit = FIGURE_BYTES;
		fd->evidence_level = limit;
		copy_series(&fd->evidence, mem);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/*
 * The first sample of segment seg at which its climb so far (three
 * samples at least) runs at the given slope, within a factor of
 * RESUME_SLOPE_RATIO; 0 when it never does.
 */
static int64_t climb_resumed_at(const struct series *mem, const struct segment *seg, double slope)
{
	size_t i;

	for (i = 0; i < mem->nr; i++) {
		int64_t t = mem->items[i].t;
		struct line_fit f;
		double ratio;

		if (t < seg->from || t > seg->to || !climb(&f, mem, seg->from, t, CRASH_MIN_FIT))
			continue;
		ratio = f.slope / slope;
		if (ratio <= RESUME_SLOPE_RATIO && ratio >= 1 / RESUME_SLOPE_RATIO)
			return t;
	}
	return 0;
}

/*
 * Crash loop: at least CRASH_MIN_CYCLES segments that climbed along a line
 * to CRASH_PEAK of the limit and ended in a reset, or one such cycle and
 * a new climb at the same slope since. A line fitted to the whole window
 * is flat there, so the trend rule cannot see it.
 */
static int eval_crash_loop(struct svc_ctx *c, const struct series *mem, const struct series *frac,
			   const struct segment *seg, size_t nseg)
{
	double slopes[64], r2s[64], ttls[64];
	int64_t lens[64], onset = 0, detected = 0;
	size_t q = 0, nl = 0, k, first_k = 0, logged = 0;
	int64_t early;
	double first_slope = 0;
	struct strbuf sb = STRBUF_INIT;
	struct finding *fd;
	double limit = limit_at(c, c->obs->end), slope, r2, per_cycle, now;

	for (k = 0; k + 1 < nseg && q < ARRAY_SIZE(slopes); k++) {
		struct line_fit f;
		double peak = series_max(mem, seg[k].from, seg[k].to), lim = limit_at(c, seg[k].to);

		if (!(lim > 0) || peak < CRASH_PEAK * lim ||
		    !climb(&f, mem, seg[k].from, seg[k].to, CRASH_MIN_FIT))
			continue;
		if (!q) {
			onset = seg[k].from;
			first_k = k;
			first_slope = f.slope;
		}
		slopes[q] = f.slope;
		r2s[q] = f.r2;
		ttls[q] = (lim - line_fit_at(&f, seg[k].from)) / f.slope;
		q++;
		if (q == CRASH_MIN_CYCLES)
			detected = seg[k + 1].from;
		if (k > 0) /* the first segment may have begun before the window */
			lens[nl++] = seg[k + 1].from - seg[k].from;
		if (deployment_near(c, seg[k + 1].from))
			logged++;
	}
	if (!q || !(limit > 0))
		return 0;
	/*
	 * One cycle that ran into the limit and a new climb at the same slope
	 * after the restart is already a loop: waiting for the second crash
	 * would only report it later.
	 */
	early = first_k + 1 < nseg ? climb_resumed_at(mem, &seg[first_k + 1], first_slope) : 0;
	if (q < CRASH_MIN_CYCLES && !early)
		return 0;
	if (early && (!detected || early < detected))
		detected = early;
	if (!nl)
		lens[nl++] = seg[1].from - seg[0].from;
	qsort(lens, nl, sizeof(*lens), cmp_i64);
	slope = quantile_sorted_inplace(slopes, q, 0.5);
	r2 = quantile_sorted_inplace(r2s, q, 0.5);
	per_cycle = quantile_sorted_inplace(ttls, q, 0.5);
	now = mem->items[mem->nr - 1].v;

	fd = new_finding(c, FINDING_MEMORY_LEAK, SEVERITY_CRITICAL, METHOD_CRASH_LOOP);
	fd->observed = per_cycle;
	fd->threshold = (double)c->cfg->leak.horizon_ms;
	fd->unit = FIGURE_MS;
	set_onset(c, fd, onset);
	fd->detected = detected;
	fd->ongoing = 1;
	fd->leak.slope = slope * 3600e3;
	fd->leak.r2 = r2;
	fd->leak.limit = limit;
	fd->leak.time_to_limit = now >= limit ? 0 : (int64_t)((limit - now) / slope);
	fd->leak.cycles = (int)q;
	fd->leak.cycle_ms = lens[nl / 2];
	leak_evidence(fd, frac, mem, limit);
	/* More cycles, and restarts the source's deployment log confirms, make it surer. */
	fd->confidence = (q >= 3 ? r2 : 0.8 * r2) + 0.1 * (double)logged / (double)q;
	if (fd->confidence > 1)
		fd->confidence = 1;

	strbuf_addf(&sb, "%zu climb%s to at least %.0f%% of the limit ended by a restart%s; "
		    "median fit R^2 %.2f", q, q > 1 ? "s" : "", CRASH_PEAK * 100,
		    early ? ", then the same climb again" : "", r2);
	if (logged)
		strbuf_addf(&sb, "; %zu of the restarts in the deployment log", logged);
	fd->reason = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s: critical memory leak (crash loop): %zu restart%s at the limit, "
		    "a cycle every ", c->svc->name, q, q > 1 ? "s" : "");
	add_duration(&sb, fd->leak.cycle_ms);
	strbuf_addstr(&sb, ", +");
	add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addstr(&sb, "/h, the limit reached ");
	add_duration(&sb, (int64_t)per_cycle);
	strbuf_addstr(&sb, " after each start, next in ");
	add_duration(&sb, fd->leak.time_to_limit);
	if (fd->deployment)
		strbuf_addf(&sb, "; began after deployment %s", fd->deployment);
	fd->summary = strbuf_detach(&sb, NULL);
	return 1;
}

static void eval_memory_leak(struct svc_ctx *c, const struct series *frac)
{
	const struct series *mem = &c->s[METRIC_MEMORY];
	const struct leak_config *lk = &c->cfg->leak;
	struct strbuf sb = STRBUF_INIT;
	struct segment *seg = NULL;
	struct leak_eval ev, at;
	struct finding *fd;
	size_t nseg, i;

	if (!lk->enabled || !mem->nr)
		return;
	nseg = memory_segments(&seg, c, mem);
	if (eval_crash_loop(c, mem, frac, seg, nseg) ||
	    !trend_rule(&ev, c, mem, seg, nseg, c->obs->end))
		goto out;

	fd = new_finding(c, FINDING_MEMORY_LEAK,
			 ev.ttl <= lk->horizon_ms / 4 ? SEVERITY_CRITICAL : SEVERITY_WARNING,
			 METHOD_TREND);
	fd->observed = (double)ev.ttl;
	fd->threshold = (double)lk->horizon_ms;
	fd->unit = FIGURE_MS;
	/* A climb that resumed after a restart began before that restart. */
	if (ev.restart)
		set_onset(c, fd, climb_onset(mem, ev.prev_from, ev.prev_to));
	else
		set_onset(c, fd, climb_onset(mem, ev.from, c->obs->end));
	fd->detected = c->obs->end;
	/* The first sample at which the same rule, run then, would have fired. */
	for (i = 0; i < mem->nr; i++)
		if (trend_rule(&at, c, mem, seg, nseg, mem->items[i].t)) {
			fd->detected = mem->items[i].t;
			break;
		}
	if (fd->detected < fd->onset)
		fd->detected = fd->onset;
	fd->ongoing = 1;
	fd->leak.slope = ev.fit.slope * 3600e3;
	fd->leak.r2 = ev.fit.r2;
	fd->leak.limit = ev.limit;
	fd->leak.time_to_limit = ev.ttl;
	leak_evidence(fd, frac, mem, ev.limit);
	fd->confidence = ev.fit.r2 * (ev.fit.n >= 10 ? 1.0 : 0.9);

	strbuf_addf(&sb, "straight-line fit R^2 %.2f over %zu samples (", ev.fit.r2, ev.fit.n);
	add_duration(&sb, ev.fit.last - ev.fit.first);
	strbuf_addstr(&sb, "), +");
	add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addstr(&sb, "/h");
	if (c->s[METRIC_REQUESTS].nr)
		strbuf_addstr(&sb, ", not explained by request rate");
	if (ev.restart) {
		strbuf_addf(&sb, "; resumed at x%.2f the slope after deployment %s restarted it",
			    ev.fit.slope / ev.prev.slope, ev.restart->id);
	}
	fd->reason = strbuf_detach(&sb, NULL);

	strbuf_addf(&sb, "%s: %s memory leak: +", c->svc->name, severity_name(fd->severity));
	add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addstr(&sb, "/h, at ");
	add_figure(&sb, line_fit_at(&ev.fit, c->obs->end) / ev.limit, FIGURE_FRACTION);
	strbuf_addstr(&sb, " of the limit, reaches it in ");
	add_duration(&sb, ev.ttl);
	strbuf_addstr(&sb, " (horizon ");
	add_duration(&sb, lk->horizon_ms);
	strbuf_addstr(&sb, "), climbing since ");
	add_time(&sb, fd->onset);
	if (ev.restart)
		strbuf_addf(&sb, " (the restart by deployment %s did not stop it)", ev.restart->id);
	if (fd->deployment)
		strbuf_addf(&sb, ", after deployment %s", fd->deployment);
	fd->summary = strbuf_detach(&sb, NULL);
out:
	free(seg);
}

/* ---- one service ------------------------------------------------------- */

static void add_count(struct strbuf *sb, double n)
{
	char digits[32];
	size_t len, i;

	snprintf(digits, sizeof(digits), "%.0f", n);
	len = strlen(digits);
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			strbuf_addch(sb, ',');
		strbuf_addch(sb, digits[i]);
	}
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

/* ---- regressions against the service's own baseline ------------------- */

/*
 * A p95 that doubled from 5 ms to 10 ms is not worth a pull request: the
 * after-median must also be this much slower in absolute terms.
 */
#define REGRESSION_MIN_LATENCY_DELTA_MS 50.0
#define REGRESSION_MIN_SAMPLES 5

/* An existing finding of this service and kind, or NULL. */
static struct finding *finding_of(struct svc_ctx *c, enum finding_kind kind)
{
	size_t i;

	for (i = c->first; i < c->out->nr; i++)
		if (c->out->items[i].kind == kind)
			return &c->out->items[i];
	return NULL;
}

struct regression_eval {
	struct regression_detail d;
	int64_t after_from;   /* first time counted after the deployment */
};

/*
 * Error rate after deployment d over (at + one step, until] against the
 * baseline [at - baseline, at): significantly higher (two-proportion
 * z-test), by at least the configured ratio, above the floor, with
 * enough requests on both sides, and in both halves of the after period
 * (a warm-up burst right after a deploy is not a regression).
 */
static int rate_regression(struct regression_eval *ev, const struct svc_ctx *c, enum metric errm,
			   enum signal sig, const struct deployment *d, int64_t until)
{
	const struct regression_config *rg = &c->cfg->regression;
	const struct series *req = &c->svc->series[METRIC_REQUESTS], *err = &c->svc->series[errm];
	int64_t from = d->at - rg->baseline_ms, a0 = d->at + c->step, mid;
	double min_req = (double)c->th[sig].min_requests, n1, k1, n2, k2, p1, p2, floor1;
	int half;

	memset(ev, 0, sizeof(*ev));
	if (until - a0 < 2 * c->step)
		return 0;
	n1 = series_sum(req, from, d->at - 1);
	k1 = series_sum(err, from, d->at - 1);
	n2 = series_sum(req, a0, until);
	k2 = series_sum(err, a0, until);
	if (n1 < min_req || n2 < min_req || n1 <= 0 || n2 <= 0)
		return 0;
	p1 = k1 / n1;
	p2 = k2 / n2;
	/* No errors before is "fewer than one in n1", not zero: half an error keeps the ratio finite. */
	floor1 = p1 > 0.5 / n1 ? p1 : 0.5 / n1;
	ev->d.before = p1;
	ev->d.after = p2;
	ev->d.ratio = p2 / floor1;
	ev->d.p_value = stat_two_proportion_p(k1, n1, k2, n2);
	ev->d.n_before = (int64_t)n1;
	ev->d.n_after = (int64_t)n2;
	ev->after_from = a0;
	if (p2 < rg->min_error_rate || ev->d.ratio < rg->error_rate_ratio ||
	    ev->d.p_value > 1 - rg->confidence)
		return 0;
	mid = a0 + (until - a0) / 2;
	for (half = 0; half < 2; half++) {
		double n = series_sum(req, half ? mid + 1 : a0, half ? until : mid);
		double k = series_sum(err, half ? mid + 1 : a0, half ? until : mid);
		if (n <= 0 || k / n < rg->min_error_rate || k / n / floor1 < rg->error_rate_ratio)
			return 0;
	}
	return 1;
}

/* p95 samples in [from, to] of intervals that served requests, into an array the caller frees. */
static double *latency_values(const struct svc_ctx *c, int64_t from, int64_t to, size_t *n)
{
	const struct series *p95 = &c->svc->series[METRIC_LATENCY_P95];
	const struct series *req = &c->svc->series[METRIC_REQUESTS];
	double *v = xmalloc((p95->nr + 1) * sizeof(*v));
	size_t i, j = 0;

	*n = 0;
	for (i = 0; i < p95->nr; i++) {
		const struct sample *p = &p95->items[i];
		if (p->t < from || p->t > to || !isfinite(p->v))
			continue;
		if (req->nr) {
			double served = 0;
			while (j < req->nr && req->items[j].t < p->t)
				j++;
			for (size_t k = j; k < req->nr && req->items[k].t == p->t; k++)
				if (isfinite(req->items[k].v))
					served += req->items[k].v;
			if (!(served > 0))
				continue;
		}
		v[(*n)++] = p->v;
	}
	return v;
}

/*
 * p95 after deployment d against its baseline: the median of the p95
 * samples at least latency_ratio higher (and REGRESSION_MIN_LATENCY_DELTA_MS
 * slower), the samples significantly higher by a Mann-Whitney U test (so
 * the spread of the samples counts, not one slow minute), and the median
 * of each half of the after period higher too (a warm-up is brief).
 */
static int latency_regression(struct regression_eval *ev, const struct svc_ctx *c,
			      const struct deployment *d, int64_t until)
{
	const struct regression_config *rg = &c->cfg->regression;
	int64_t a0 = d->at + c->step, mid = a0 + (until - a0) / 2;
	size_t nb, na, nh1, nh2;
	double *b = latency_values(c, d->at - rg->baseline_ms, d->at - 1, &nb);
	double *a = latency_values(c, a0, until, &na);
	double *h1 = latency_values(c, a0, mid, &nh1), *h2 = latency_values(c, mid + 1, until, &nh2);
	double mb, ma, req_after;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	ev->after_from = a0;
	req_after = series_sum(&c->svc->series[METRIC_REQUESTS], a0, until);
	if (nb < REGRESSION_MIN_SAMPLES || na < REGRESSION_MIN_SAMPLES || !nh1 || !nh2)
		goto out;
	if (c->svc->series[METRIC_REQUESTS].nr &&
	    req_after < (double)c->th[SIGNAL_LATENCY_P95].min_requests)
		goto out;
	ev->d.p_value = stat_mann_whitney_p(b, nb, a, na);
	mb = quantile_sorted_inplace(b, nb, 0.5);
	ma = quantile_sorted_inplace(a, na, 0.5);
	ev->d.before = mb;
	ev->d.after = ma;
	ev->d.ratio = mb > 0 ? ma / mb : INFINITY;
	ev->d.n_before = (int64_t)nb;
	ev->d.n_after = (int64_t)na;
	if (ev->d.ratio < rg->latency_ratio || ma - mb < REGRESSION_MIN_LATENCY_DELTA_MS ||
	    ev->d.p_value > 1 - rg->confidence)
		goto out;
	ret = quantile_sorted_inplace(h1, nh1, 0.5) >= rg->latency_ratio * mb &&
	      quantile_sorted_inplace(h2, nh2, 0.5) >= rg->latency_ratio * mb;
out:
	free(b);
	free(a);
	free(h1);
	free(h2);
	return ret;
}

static void add_regression_reason(struct strbuf *sb, enum finding_kind kind,
				  const struct regression_detail *d, const char *deploy)
{
	if (kind == FINDING_LATENCY) {
		strbuf_addf(sb, "p95 x%.1f after deployment %s (median %.0f ms -> %.0f ms, "
			    "%" PRId64 " samples before, %" PRId64 " after; Mann-Whitney p=%.2g)",
			    d->ratio, deploy, d->before, d->after, d->n_before, d->n_after, d->p_value);
	} else {
		strbuf_addf(sb, "%s x%.1f after deployment %s (", signal_word(kind), d->ratio, deploy);
		add_figure(sb, d->before, FIGURE_FRACTION);
		strbuf_addstr(sb, " -> ");
		add_figure(sb, d->after, FIGURE_FRACTION);
		strbuf_addstr(sb, ", ");
		add_count(sb, (double)d->n_before);
		strbuf_addstr(sb, " requests before, ");
		add_count(sb, (double)d->n_after);
		strbuf_addf(sb, " after; z-test p=%.2g)", d->p_value);
	}
}

static int regression_at(struct regression_eval *ev, const struct svc_ctx *c, enum finding_kind kind,
			 const struct deployment *d, int64_t until)
{
	switch (kind) {
	case FINDING_ERROR_RATE_5XX:
		return rate_regression(ev, c, METRIC_REQUESTS_5XX, SIGNAL_ERROR_RATE_5XX, d, until);
	case FINDING_ERROR_RATE_4XX:
		return rate_regression(ev, c, METRIC_REQUESTS_4XX, SIGNAL_ERROR_RATE_4XX, d, until);
	case FINDING_LATENCY:
		return latency_regression(ev, c, d, until);
	default:
		return 0;
	}
}

/*
 * For each signal, the most recent deployment in (or just before) the
 * window after which the signal is significantly worse than before it.
 * A signal that also crossed its threshold keeps that finding, which
 * gains the comparison; otherwise the regression is a finding of its own.
 */
static void eval_regressions(struct svc_ctx *c, const struct series *r5, const struct series *r4,
			     const struct series *lat)
{
	static const struct { enum finding_kind kind; enum signal sig; enum metric m; } sigs[] = {
		{ FINDING_ERROR_RATE_5XX, SIGNAL_ERROR_RATE_5XX, METRIC_REQUESTS_5XX },
		{ FINDING_ERROR_RATE_4XX, SIGNAL_ERROR_RATE_4XX, METRIC_REQUESTS_4XX },
		{ FINDING_LATENCY, SIGNAL_LATENCY_P95, METRIC_LATENCY_P95 },
	};
	const struct regression_config *rg = &c->cfg->regression;
	size_t s, k, i;

	if (!rg->enabled)
		return;
	for (s = 0; s < ARRAY_SIZE(sigs); s++) {
		const struct series *ev_series = sigs[s].kind == FINDING_LATENCY ? lat :
			sigs[s].kind == FINDING_ERROR_RATE_5XX ? r5 : r4;
		struct regression_eval ev;
		const struct deployment *d = NULL;
		const struct series *clock;
		struct strbuf sb = STRBUF_INIT;
		struct finding *fd;

		if (!c->th[sigs[s].sig].enabled || !c->svc->series[sigs[s].m].nr)
			continue;
		for (k = c->svc->deployments_nr; k-- > 0;) {
			const struct deployment *dk = &c->svc->deployments[k];
			if (dk->at > c->obs->end || dk->at < c->obs->start - rg->baseline_ms)
				continue;
			if (regression_at(&ev, c, sigs[s].kind, dk, c->obs->end)) {
				d = dk;
				break;
			}
		}
		if (!d)
			continue;

		add_regression_reason(&sb, sigs[s].kind, &ev.d, d->id);
		if ((fd = finding_of(c, sigs[s].kind))) {
			/* Crossed the threshold too: keep that finding, add the comparison. */
			fd->regression = ev.d;
			strbuf_addf(&sb, "; %s", fd->reason);
			free(fd->reason);
			fd->reason = strbuf_detach(&sb, NULL);
			if (1 - ev.d.p_value > fd->confidence)
				fd->confidence = 1 - ev.d.p_value;
			continue;
		}
		fd = new_finding(c, sigs[s].kind, SEVERITY_WARNING, METHOD_REGRESSION);
		fd->regression = ev.d;
		fd->observed = ev.d.ratio;
		fd->threshold = sigs[s].kind == FINDING_LATENCY ? rg->latency_ratio : rg->error_rate_ratio;
		fd->unit = FIGURE_RATIO;
		fd->onset = ev.after_from;
		fd->deployment = xstrdup(d->id);
		fd->deployment_at = d->at;
		/* When it was first visible: the same test replayed at each sample time since. */
		fd->detected = c->obs->end;
		clock = c->s[METRIC_REQUESTS].nr ? &c->s[METRIC_REQUESTS] : &c->s[METRIC_LATENCY_P95];
		for (i = 0; i < clock->nr; i++) {
			struct regression_eval tmp;
			if (clock->items[i].t > ev.after_from &&
			    regression_at(&tmp, c, sigs[s].kind, d, clock->items[i].t)) {
				fd->detected = clock->items[i].t;
				break;
			}
		}
		fd->ongoing = 1;
		fd->evidence_metric = sigs[s].m;
		fd->evidence_unit = sigs[s].kind == FINDING_LATENCY ? FIGURE_MS : FIGURE_FRACTION;
		fd->evidence_level = sigs[s].kind == FINDING_LATENCY ? ev.d.before * rg->latency_ratio :
				     ev.d.before * rg->error_rate_ratio;
		copy_series(&fd->evidence, ev_series);
		fd->confidence = 1 - ev.d.p_value;
		fd->reason = strbuf_detach(&sb, NULL);

		strbuf_addf(&sb, "%s: warning %s regression after deployment %s: ", c->svc->name,
			    signal_word(sigs[s].kind), d->id);
		add_figure(&sb, ev.d.before, fd->evidence_unit);
		strbuf_addstr(&sb, " before, ");
		add_figure(&sb, ev.d.after, fd->evidence_unit);
		strbuf_addf(&sb, " after (x%.1f), under the static thresholds", ev.d.ratio);
		fd->summary = strbuf_detach(&sb, NULL);
	}
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

static int cmp_finding_kind(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	return (x->kind > y->kind) - (x->kind < y->kind);
}

static void detect_service(struct findings *out, const struct observation *obs,
			   const struct service_metrics *svc, const struct config *cfg)
{
	const struct service_config *sc = service_config_for(cfg, svc->name);
	struct series mem_frac = SERIES_INIT, cpu_frac = SERIES_INIT;
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

	if (!sc || sc->enabled) {
		double total = series_sum(&c.s[METRIC_REQUESTS], obs->start, obs->end);
		struct strbuf ctx = STRBUF_INIT;
		struct level_input in;

		/* Kinds in enum order: leak, pressure, cpu, 5xx, 4xx, latency. */
		eval_memory_leak(&c, &mem_frac);

		memset(&in, 0, sizeof(in));
		in.kind = FINDING_MEMORY_PRESSURE;
		in.metric = METRIC_MEMORY;
		in.fraction = mem_frac.nr ? &mem_frac : NULL;
		in.bytes = c.s[METRIC_MEMORY].nr ? &c.s[METRIC_MEMORY] : NULL;
		eval_levels(&c, SIGNAL_MEMORY, &in);

		memset(&in, 0, sizeof(in));
		in.kind = FINDING_CPU_SATURATION;
		in.metric = METRIC_CPU;
		in.fraction = cpu_frac.nr ? &cpu_frac : NULL;
		eval_levels(&c, SIGNAL_CPU, &in);

		add_count(&ctx, total);
		strbuf_addstr(&ctx, " requests in the window");
		if (c.s[METRIC_REQUESTS].nr && total >= (double)c.th[SIGNAL_ERROR_RATE_5XX].min_requests) {
			series_windowed_ratio(&r5, &c.s[METRIC_REQUESTS_5XX], &c.s[METRIC_REQUESTS],
					      RATE_WINDOW_MS, RATE_WINDOW_MIN_REQUESTS, 0);
			memset(&in, 0, sizeof(in));
			in.kind = FINDING_ERROR_RATE_5XX;
			in.metric = METRIC_REQUESTS_5XX;
			in.fraction = &r5;
			in.errors = &c.s[METRIC_REQUESTS_5XX];
			in.requests = &c.s[METRIC_REQUESTS];
			in.context = ctx.buf;
			eval_levels(&c, SIGNAL_ERROR_RATE_5XX, &in);
		}
		if (c.s[METRIC_REQUESTS].nr && total >= (double)c.th[SIGNAL_ERROR_RATE_4XX].min_requests) {
			series_windowed_ratio(&r4, &c.s[METRIC_REQUESTS_4XX], &c.s[METRIC_REQUESTS],
					      RATE_WINDOW_MS, RATE_WINDOW_MIN_REQUESTS, 0);
			memset(&in, 0, sizeof(in));
			in.kind = FINDING_ERROR_RATE_4XX;
			in.metric = METRIC_REQUESTS_4XX;
			in.fraction = &r4;
			in.errors = &c.s[METRIC_REQUESTS_4XX];
			in.requests = &c.s[METRIC_REQUESTS];
			in.context = ctx.buf;
			eval_levels(&c, SIGNAL_ERROR_RATE_4XX, &in);
		}

		/* A p95 over a handful of requests is one slow request; with no request series, trust it. */
		if (!c.s[METRIC_REQUESTS].nr ||
		    total >= (double)c.th[SIGNAL_LATENCY_P95].min_requests) {
			latency_with_traffic(&lat, &c);
			memset(&in, 0, sizeof(in));
			in.kind = FINDING_LATENCY;
			in.metric = METRIC_LATENCY_P95;
			in.ms = &lat;
			in.context = c.s[METRIC_REQUESTS].nr ? ctx.buf : NULL;
			eval_levels(&c, SIGNAL_LATENCY_P95, &in);
		}
		eval_regressions(&c, &r5, &r4, &lat);
		strbuf_release(&ctx);
	}

	/* At most one finding per kind; regressions come last, so put them in kind order. */
	if (out->nr - first > 1)
		qsort(out->items + first, out->nr - first, sizeof(*out->items), cmp_finding_kind);

	ALLOC_GROW(out->services, out->services_nr + 1, out->services_alloc);
	sum = &out->services[out->services_nr++];
	memset(sum, 0, sizeof(*sum));
	summarise(sum, &c, &mem_frac, &cpu_frac);
	for (i = first; i < out->nr; i++) {
		sum->findings++;
		if (out->items[i].severity > sum->worst)
			sum->worst = out->items[i].severity;
	}

	for (m = 0; m < METRIC__COUNT; m++)
		series_release(&c.s[m]);
	series_release(&mem_frac);
	series_release(&cpu_frac);
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

/* ---- JSON ------------------------------------------------------------- */

static void set_time(struct json *obj, const char *key, int64_t ms)
{
	struct strbuf sb = STRBUF_INIT;

	time_format_iso8601(&sb, ms);
	json_set_str(obj, key, sb.buf);
	strbuf_release(&sb);
}

/* json_new_num() writes NAN as null, which is what "no data" should read as. */
static struct json *series_to_json(const struct series *s)
{
	struct json *arr = json_new_array();
	size_t i;

	for (i = 0; i < s->nr; i++) {
		struct json *pair = json_new_array();
		json_append(pair, json_new_num((double)s->items[i].t / 1000.0));
		json_append(pair, json_new_num(s->items[i].v));
		json_append(arr, pair);
	}
	return arr;
}

struct json *findings_to_json(const struct findings *f)
{
	struct json *root = json_new_object(), *items = json_new_array(), *svcs = json_new_array();
	size_t i;

	for (i = 0; i < f->nr; i++) {
		const struct finding *fd = &f->items[i];
		struct json *o = json_new_object(), *ev = json_new_object();

		json_set_str(o, "service", fd->service);
		json_set_str(o, "kind", finding_kind_name(fd->kind));
		json_set_str(o, "severity", severity_name(fd->severity));
		json_set_str(o, "method", finding_method_name(fd->method));
		json_set_str(o, "fingerprint", fd->fingerprint);
		json_set_str(o, "summary", fd->summary);
		json_set_num(o, "observed", fd->observed);
		json_set_num(o, "threshold", fd->threshold);
		json_set_str(o, "unit", figure_unit_name(fd->unit));
		set_time(o, "onset", fd->onset);
		set_time(o, "detected", fd->detected);
		json_set_bool(o, "ongoing", fd->ongoing);
		if (fd->deployment) {
			struct json *d = json_new_object();
			json_set_str(d, "id", fd->deployment);
			set_time(d, "at", fd->deployment_at);
			json_set(o, "deployment", d);
		} else {
			json_set(o, "deployment", json_new_null());
		}
		json_set_num(o, "confidence", fd->confidence);
		json_set_str(o, "reason", fd->reason);
		json_set_str(ev, "metric", metric_name(fd->evidence_metric));
		json_set_str(ev, "unit", figure_unit_name(fd->evidence_unit));
		json_set_num(ev, "level", fd->evidence_level);
		json_set(ev, "points", series_to_json(&fd->evidence));
		json_set(o, "evidence", ev);
		if (fd->kind == FINDING_MEMORY_LEAK) {
			struct json *l = json_new_object();
			json_set_num(l, "slope_bytes_per_hour", fd->leak.slope);
			json_set_num(l, "r2", fd->leak.r2);
			json_set_num(l, "limit_bytes", fd->leak.limit);
			json_set_num(l, "time_to_limit_ms", (double)fd->leak.time_to_limit);
			json_set_num(l, "cycles", fd->leak.cycles);
			json_set_num(l, "cycle_ms", (double)fd->leak.cycle_ms);
			json_set(o, "leak", l);
		}
		/* A threshold finding that also regressed against its baseline carries the comparison too. */
		if (fd->method == METHOD_REGRESSION || fd->regression.n_after > 0) {
			struct json *r = json_new_object();
			json_set_num(r, "before", fd->regression.before);
			json_set_num(r, "after", fd->regression.after);
			json_set_num(r, "ratio", fd->regression.ratio);
			json_set_num(r, "p_value", fd->regression.p_value);
			json_set_num(r, "n_before", (double)fd->regression.n_before);
			json_set_num(r, "n_after", (double)fd->regression.n_after);
			json_set(o, "regression", r);
		}
		json_append(items, o);
	}
	for (i = 0; i < f->services_nr; i++) {
		const struct service_summary *s = &f->services[i];
		struct json *o = json_new_object();

		json_set_str(o, "name", s->name);
		json_set_num(o, "memory_peak", s->memory_peak);
		json_set_num(o, "memory_avg", s->memory_avg);
		json_set_num(o, "memory_peak_bytes", s->memory_peak_bytes);
		json_set_num(o, "memory_limit_bytes", s->memory_limit_bytes);
		json_set_num(o, "cpu_peak", s->cpu_peak);
		json_set_num(o, "cpu_avg", s->cpu_avg);
		json_set_num(o, "cpu_limit", s->cpu_limit);
		json_set_num(o, "requests", s->requests);
		json_set_num(o, "rate_5xx", s->rate_5xx);
		json_set_num(o, "rate_4xx", s->rate_4xx);
		json_set_num(o, "p95_ms", s->p95_ms);
		json_set_num(o, "p95_max_ms", s->p95_max_ms);
		json_set_num(o, "samples", (double)s->samples);
		json_set_str(o, "worst", severity_name(s->worst));
		json_set_num(o, "findings", (double)s->findings);
		json_append(svcs, o);
	}
	json_set(root, "findings", items);
	json_set(root, "services", svcs);
	return root;
}

/* A number or null (NAN). */
static int get_num_or_null(double *out, const struct json *node, const char *key,
			   const char *where, size_t idx)
{
	const struct json *v = json_member(node, key);

	if (json_type(v) == JSON_NULL) {
		*out = NAN;
		return 0;
	}
	if (json_type(v) != JSON_NUMBER)
		return bot_error(BOT_EINVALID, "'%s[%zu].%s': expected number, found %s",
				 where, idx, key, json_type_name(v));
	*out = json_num_value(v);
	return 0;
}

static int get_time_at(int64_t *out, const struct json *node, const char *key,
		       const char *where, size_t idx)
{
	const char *s = json_str_value(json_member(node, key));
	int ret;

	if (!s)
		return bot_error(BOT_EINVALID, "'%s[%zu].%s': expected a time string, found %s",
				 where, idx, key, json_type_name(json_member(node, key)));
	if ((ret = time_parse_iso8601(out, s)) < 0)
		return bot_error_wrap(ret, "'%s[%zu].%s': ", where, idx, key);
	return 0;
}

static int get_str_at(const char **out, const struct json *node, const char *key,
		      const char *where, size_t idx)
{
	*out = json_str_value(json_member(node, key));
	if (!*out)
		return bot_error(BOT_EINVALID, "'%s[%zu].%s': expected string, found %s",
				 where, idx, key, json_type_name(json_member(node, key)));
	return 0;
}

static int finding_from_json(struct finding *fd, const struct json *o, size_t i)
{
	const char *kind, *sev, *method, *unit, *fp, *s;
	const struct json *ev, *pts, *p, *d, *l, *r;
	int ret;

	if ((ret = get_str_at(&s, o, "service", "findings", i)) < 0)
		return ret;
	fd->service = xstrdup(s);
	if ((ret = get_str_at(&kind, o, "kind", "findings", i)) < 0 ||
	    (ret = get_str_at(&sev, o, "severity", "findings", i)) < 0 ||
	    (ret = get_str_at(&unit, o, "unit", "findings", i)) < 0)
		return ret;
	if (finding_kind_from_name(&fd->kind, kind) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].kind': unknown kind '%s'", i, kind);
	if (severity_from_name(&fd->severity, sev) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].severity': unknown severity '%s'", i, sev);
	if (figure_unit_from_name(&fd->unit, unit) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].unit': unknown unit '%s'", i, unit);
	method = json_str_value(json_member(o, "method"));
	if (method && finding_method_from_name(&fd->method, method) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].method': unknown method '%s'", i, method);
	/* The fingerprint is recomputed: it is a function of (service, kind), never trusted. */
	finding_fingerprint(fd->fingerprint, fd->service, fd->kind);
	fp = json_str_value(json_member(o, "fingerprint"));
	if (fp && strcmp(fp, fd->fingerprint))
		return bot_error(BOT_EINVALID, "'findings[%zu].fingerprint': '%s' does not match "
				 "service and kind", i, fp);
	if ((ret = get_num_or_null(&fd->observed, o, "observed", "findings", i)) < 0 ||
	    (ret = get_num_or_null(&fd->threshold, o, "threshold", "findings", i)) < 0 ||
	    (ret = get_time_at(&fd->onset, o, "onset", "findings", i)) < 0 ||
	    (ret = get_time_at(&fd->detected, o, "detected", "findings", i)) < 0)
		return ret;
	fd->ongoing = json_bool_value(json_member(o, "ongoing"));
	if ((s = json_str_value(json_member(o, "summary"))))
		fd->summary = xstrdup(s);
	if ((s = json_str_value(json_member(o, "reason"))))
		fd->reason = xstrdup(s);
	if (json_member(o, "confidence") &&
	    (ret = get_num_or_null(&fd->confidence, o, "confidence", "findings", i)) < 0)
		return ret;
	d = json_member(o, "deployment");
	if (json_type(d) == JSON_OBJECT) {
		if ((ret = get_str_at(&s, d, "id", "findings[].deployment", i)) < 0 ||
		    (ret = get_time_at(&fd->deployment_at, d, "at", "findings[].deployment", i)) < 0)
			return ret;
		fd->deployment = xstrdup(s);
	}
	ev = json_member(o, "evidence");
	if (json_type(ev) == JSON_OBJECT) {
		enum metric m;
		const char *mn = json_str_value(json_member(ev, "metric"));
		const char *un = json_str_value(json_member(ev, "unit"));
		size_t k = 0;

		if (!mn || metric_from_name(&m, mn) < 0)
			return bot_error(BOT_EINVALID, "'findings[%zu].evidence.metric': unknown metric", i);
		fd->evidence_metric = m;
		if (!un || figure_unit_from_name(&fd->evidence_unit, un) < 0)
			return bot_error(BOT_EINVALID, "'findings[%zu].evidence.unit': unknown unit", i);
		if ((ret = get_num_or_null(&fd->evidence_level, ev, "level", "findings[].evidence", i)) < 0)
			return ret;
		pts = json_member(ev, "points");
		if (json_type(pts) != JSON_ARRAY)
			return bot_error(BOT_EINVALID, "'findings[%zu].evidence.points': expected array", i);
		for (p = json_first(pts); p; p = json_next(p), k++) {
			const struct json *t = json_item(p, 0), *v = json_item(p, 1);
			if (json_size(p) != 2 || json_type(t) != JSON_NUMBER ||
			    (json_type(v) != JSON_NUMBER && json_type(v) != JSON_NULL))
				return bot_error(BOT_EINVALID,
						 "'findings[%zu].evidence.points[%zu]': expected [seconds, value]",
						 i, k);
			series_add(&fd->evidence, (int64_t)llround(json_num_value(t) * 1000.0),
				   json_type(v) == JSON_NULL ? NAN : json_num_value(v));
		}
	}
	l = json_member(o, "leak");
	if (json_type(l) == JSON_OBJECT) {
		fd->leak.slope = json_num_value(json_member(l, "slope_bytes_per_hour"));
		fd->leak.r2 = json_num_value(json_member(l, "r2"));
		fd->leak.limit = json_num_value(json_member(l, "limit_bytes"));
		fd->leak.time_to_limit = (int64_t)json_num_value(json_member(l, "time_to_limit_ms"));
		fd->leak.cycles = (int)json_num_value(json_member(l, "cycles"));
		fd->leak.cycle_ms = (int64_t)json_num_value(json_member(l, "cycle_ms"));
	}
	r = json_member(o, "regression");
	if (json_type(r) == JSON_OBJECT) {
		fd->regression.before = json_num_value(json_member(r, "before"));
		fd->regression.after = json_num_value(json_member(r, "after"));
		fd->regression.ratio = json_num_value(json_member(r, "ratio"));
		fd->regression.p_value = json_num_value(json_member(r, "p_value"));
		fd->regression.n_before = (int64_t)json_num_value(json_member(r, "n_before"));
		fd->regression.n_after = (int64_t)json_num_value(json_member(r, "n_after"));
	}
	return 0;
}

static int summary_from_json(struct service_summary *s, const struct json *o, size_t i)
{
	static const struct { const char *key; size_t off; } nums[] = {
#define F(x) { #x, offsetof(struct service_summary, x) }
		F(memory_peak), F(memory_avg), F(memory_peak_bytes), F(memory_limit_bytes),
		F(cpu_peak), F(cpu_avg), F(cpu_limit), F(requests), F(rate_5xx), F(rate_4xx),
		F(p95_ms), F(p95_max_ms),
#undef F
	};
	const char *name, *worst;
	size_t k;
	int ret;

	if ((ret = get_str_at(&name, o, "name", "services", i)) < 0)
		return ret;
	s->name = xstrdup(name);
	for (k = 0; k < ARRAY_SIZE(nums); k++)
		if ((ret = get_num_or_null((double *)((char *)s + nums[k].off), o, nums[k].key,
					   "services", i)) < 0)
			return ret;
	s->samples = (size_t)json_num_value(json_member(o, "samples"));
	s->findings = (size_t)json_num_value(json_member(o, "findings"));
	worst = json_str_value(json_member(o, "worst"));
	if (worst && severity_from_name(&s->worst, worst) < 0)
		return bot_error(BOT_EINVALID, "'services[%zu].worst': unknown severity '%s'", i, worst);
	return 0;
}

int findings_from_json(struct findings *out, const struct json *root)
{
	const struct json *items, *svcs, *o;
	size_t i;
	int ret;

	if ((ret = json_get_arr(&items, root, "findings")) < 0)
		goto fail;
	for (i = 0, o = json_first(items); o; o = json_next(o), i++) {
		struct finding *fd;

		if (json_type(o) != JSON_OBJECT) {
			ret = bot_error(BOT_EINVALID, "'findings[%zu]': expected object, found %s",
					i, json_type_name(o));
			goto fail;
		}
		ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		fd = &out->items[out->nr++];
		memset(fd, 0, sizeof(*fd));
		if ((ret = finding_from_json(fd, o, i)) < 0)
			goto fail;
	}
	svcs = json_member(root, "services");
	for (i = 0, o = json_first(svcs); o; o = json_next(o), i++) {
		struct service_summary *s;

		ALLOC_GROW(out->services, out->services_nr + 1, out->services_alloc);
		s = &out->services[out->services_nr++];
		memset(s, 0, sizeof(*s));
		if ((ret = summary_from_json(s, o, i)) < 0)
			goto fail;
	}
	return 0;
fail:
	findings_release(out);
	return ret;
}
