/*
 * Climbs towards a limit: memory leaks (a trend towards the limit, crash
 * loops, and memory that merely follows load) and volumes that fill (the
 * same trend, and the floor under vacuums' and compactions' sawtooth).
 * Which one is judged is c->climb (struct climb_target).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "detect/series_math.h"
#include "util/error.h"
#include "util/human.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---- what is judged ---------------------------------------------------- */

const struct climb_target detect_memory_climb = {
	.kind = FINDING_MEMORY_LEAK,
	.usage = METRIC_MEMORY,
	.limit = METRIC_MEMORY_LIMIT,
	.signal = SIGNAL_MEMORY,
	.settings = offsetof(struct config, leak),
	.restarts = 1,
	.load_explains = 1,
	.noun = "memory leak",
	.limit_word = "the limit",
	.cuts = "collections",
};

const struct climb_target detect_disk_climb = {
	.kind = FINDING_DISK_FILLING,
	.usage = METRIC_DISK,
	.limit = METRIC_DISK_LIMIT,
	.signal = SIGNAL_DISK,
	.settings = offsetof(struct config, disk_filling),
	.restarts = 0,
	.load_explains = 0,
	.noun = "disk filling",
	.limit_word = "the volume's size",
	.cuts = "vacuums, compactions or rotations",
};

static const struct leak_config *settings(const struct svc_ctx *c)
{
	return (const struct leak_config *)((const char *)c->cfg + c->climb->settings);
}

/* ---- trend ------------------------------------------------------------- */

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
	const struct leak_config *lk = settings(c);
	int64_t window = c->obs->end - c->obs->start;
	int64_t min_span = window / 2 < LEAK_MIN_SPAN_MS ? window / 2 : LEAK_MIN_SPAN_MS;
	size_t min_samples = c->th[c->climb->signal].min_samples > 3 ?
		(size_t)c->th[c->climb->signal].min_samples : 3;

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
#define CYCLE_MAX_P 0.01          /* troughs and peaks together must rise at this significance */
#define CYCLE_MAX_P_EACH 0.05     /* and each of them at this one (Mann-Kendall) */
#define CYCLE_REPLAY_POINTS 128   /* see eval_cycle_leak's `detected` */

struct segment {
	int64_t from, to; /* times of its first and last sample */
	size_t n;
};

static double limit_at(const struct svc_ctx *c, int64_t t)
{
	double lim = series_value_at(&c->s[c->climb->limit], t);
	const struct threshold *mth = &c->th[c->climb->signal];

	if (isnan(lim) && mth->critical.unit == LEVEL_BYTES)
		lim = mth->critical.value;
	return lim;
}

static const struct deployment *deployment_near(const struct svc_ctx *c, int64_t t);

/*
 * Whether sample i is a drop big enough for a restart (see RESET_DROP);
 * *explained says whether something other than a garbage collector
 * accounts for it: a deployment at that time, or memory that had run
 * into the limit.
 */
static int is_drop(int *explained, const struct svc_ctx *c, const struct series *mem, size_t i)
{
	double prev = mem->items[i - 1].v, lim = limit_at(c, mem->items[i - 1].t);
	const struct sample *p = &mem->items[i];

	*explained = deployment_near(c, p->t) || (lim > 0 && prev >= CRASH_PEAK * lim);
	return p->v <= RESET_DROP * prev && (!(lim > 0) || prev - p->v >= RESET_MIN_OF_LIMIT * lim);
}

/*
 * Memory cut into runs between restarts. A drop is a restart when a
 * deployment or memory at the limit explains it; otherwise it is a
 * garbage collector's (or a cache's) cut, which leaves the process
 * running: a trend "since" it would be one cycle's ramp, a steep and
 * clean climb that leads nowhere (the sawtooth has its own rule).
 */
static size_t memory_segments(struct segment **out, const struct svc_ctx *c, const struct series *mem)
{
	struct segment *seg = NULL;
	size_t nr = 0, alloc = 0, i;
	int explained;

	for (i = 0; i < mem->nr; i++) {
		const struct sample *p = &mem->items[i];
		int reset = c->climb->restarts && i && is_drop(&explained, c, mem, i) && explained;

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

	if (!c->climb->load_explains || !req->nr ||
	    series_sum(req, from, to) < (double)c->th[SIGNAL_ERROR_RATE_5XX].min_requests)
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
	const struct leak_config *lk = settings(c);
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

/*
 * The trend under a sawtooth, evaluated at time `at` over the window
 * ending there: memory cut by a collector at least CYCLE_MIN times, whose
 * troughs and peaks climb (Theil-Sen slopes; Mann-Kendall p at most
 * CYCLE_MAX_P for both together and CYCLE_MAX_P_EACH for each) over at
 * least LEAK_MIN_SPAN_MS of troughs, and whose peaks, carried forward at
 * the troughs' slope, meet the limit within the horizon; troughs that
 * follow traffic are load, not a leak.
 * On 1, *ct holds the evaluation; either way release it (ct->cycles says
 * whether memory was a sawtooth at all).
 */
static int cycle_rule(struct cycle_trend *ct, double *limit, const struct svc_ctx *c,
		      const struct series *mem, int64_t at)
{
	const struct leak_config *lk = settings(c);
	int64_t window = c->obs->end - c->obs->start, span;
	int64_t min_span = window / 2 < LEAK_MIN_SPAN_MS ? window / 2 : LEAK_MIN_SPAN_MS;

	memset(ct, 0, sizeof(*ct));
	*limit = limit_at(c, at);
	if (!(*limit > 0) || !series_cycle_trend(ct, mem, at - window, at, *limit))
		return 0;
	span = ct->troughs.items[ct->troughs.nr - 1].t - ct->troughs.items[0].t;
	if (span < min_span || !(ct->slope > 0) || !(ct->peak_slope > 0) || ct->p > CYCLE_MAX_P ||
	    ct->p_floor > CYCLE_MAX_P_EACH || ct->p_peaks > CYCLE_MAX_P_EACH)
		return 0;
	if (ct->time_to_limit < 0 || ct->time_to_limit > lk->horizon_ms)
		return 0;
	return !follows_load(c, &ct->troughs, at - window, at);
}

static void leak_evidence(const struct svc_ctx *c, struct finding *fd, const struct series *frac,
			  const struct series *mem, double limit)
{
	fd->evidence_metric = c->climb->usage;
	if (frac->nr) {
		fd->evidence_unit = FIGURE_FRACTION;
		fd->evidence_level = 1.0;
		detect_copy_series(&fd->evidence, frac);
	} else {
		fd->evidence_unit = FIGURE_BYTES;
		fd->evidence_level = limit;
		detect_copy_series(&fd->evidence, mem);
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
 * A leak found by a trend (a plain climb, or the floor of a sawtooth):
 * its figure is the time to the limit, against the horizon; critical
 * when the limit is less than a quarter of the horizon away.
 */
static struct finding *new_trend_leak(struct svc_ctx *c, int64_t ttl)
{
	const struct leak_config *lk = settings(c);
	struct finding *fd = detect_new_finding(c, c->climb->kind,
						ttl <= lk->horizon_ms / 4 ? SEVERITY_CRITICAL : SEVERITY_WARNING,
						METHOD_TREND);

	fd->observed = (double)ttl;
	fd->threshold = (double)lk->horizon_ms;
	fd->unit = FIGURE_MS;
	return fd;
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

	fd = detect_new_finding(c, FINDING_MEMORY_LEAK, SEVERITY_CRITICAL, METHOD_CRASH_LOOP);
	fd->observed = per_cycle;
	fd->threshold = (double)settings(c)->horizon_ms;
	fd->unit = FIGURE_MS;
	detect_set_onset(c, fd, onset);
	fd->detected = detected;
	fd->ongoing = 1;
	fd->leak.slope = slope * 3600e3;
	fd->leak.r2 = r2;
	fd->leak.limit = limit;
	fd->leak.time_to_limit = now >= limit ? 0 : (int64_t)((limit - now) / slope);
	fd->leak.cycles = (int)q;
	fd->leak.cycle_ms = lens[nl / 2];
	leak_evidence(c, fd, frac, mem, limit);
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
	human_add_duration(&sb, fd->leak.cycle_ms);
	strbuf_addstr(&sb, ", +");
	detect_add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addstr(&sb, "/h, the limit reached ");
	human_add_duration(&sb, (int64_t)per_cycle);
	strbuf_addstr(&sb, " after each start, next in ");
	human_add_duration(&sb, fd->leak.time_to_limit);
	if (fd->deployment)
		strbuf_addf(&sb, "; began after deployment %s", fd->deployment);
	fd->summary = strbuf_detach(&sb, NULL);
	return 1;
}

/*
 * A leak under a garbage collector's sawtooth: the plain trend fits such
 * a series badly, but the floor every collection returns to climbs.
 * Returns 1 when memory is such a sawtooth (with or without a finding:
 * this rule has judged it), 0 when it is not.
 */
static int eval_cycle_leak(struct svc_ctx *c, const struct series *mem, const struct series *frac)
{
	const struct leak_config *lk = settings(c);
	struct strbuf sb = STRBUF_INIT;
	struct cycle_trend ct, at;
	struct finding *fd;
	double limit, lim;
	size_t i, stride;
	int sawtooth;

	if (!cycle_rule(&ct, &limit, c, mem, c->obs->end)) {
		sawtooth = ct.cycles >= CYCLE_MIN;
		goto out;
	}
	sawtooth = 1;
	fd = new_trend_leak(c, ct.time_to_limit);
	/* Where the floor stopped being flat: the troughs split like a plain climb. */
	detect_set_onset(c, fd, climb_onset(&ct.troughs, c->obs->start, c->obs->end));
	/*
	 * When the rule would first have fired. Each replay costs the square
	 * of the cuts in the window: on a long window it is replayed at most
	 * CYCLE_REPLAY_POINTS times, then sample by sample before the first
	 * point that fired.
	 */
	fd->detected = c->obs->end;
	stride = mem->nr / CYCLE_REPLAY_POINTS + 1;
	for (i = 0; i < mem->nr; i += stride) {
		size_t j = i >= stride ? i - stride + 1 : 0;
		int hit = cycle_rule(&at, &lim, c, mem, mem->items[i].t);
		cycle_trend_release(&at);
		if (!hit)
			continue;
		for (; j < i; j++) {
			hit = cycle_rule(&at, &lim, c, mem, mem->items[j].t);
			cycle_trend_release(&at);
			if (hit)
				break;
		}
		fd->detected = mem->items[j].t;
		break;
	}
	if (fd->detected < fd->onset)
		fd->detected = fd->onset;
	fd->ongoing = 1;
	fd->leak.slope = ct.slope * 3600e3;
	fd->leak.r2 = ct.r2;
	fd->leak.limit = limit;
	fd->leak.time_to_limit = ct.time_to_limit;
	fd->leak.cycles = (int)ct.cycles;
	fd->leak.cycle_ms = ct.cycle_ms;
	leak_evidence(c, fd, frac, mem, limit);
	fd->confidence = (1 - ct.p) * (ct.cycles >= 6 ? 1.0 : 0.9);

	strbuf_addf(&sb, "the floor of a sawtooth of %zu %s (one every ", ct.cycles, c->climb->cuts);
	human_add_duration(&sb, ct.cycle_ms);
	strbuf_addstr(&sb, ") climbs +");
	detect_add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addf(&sb, "/h (Theil-Sen over the troughs), the peaks with it (Mann-Kendall p=%.2g, "
		    "troughs alone %.2g)", ct.p, ct.p_floor);
	if (c->s[METRIC_REQUESTS].nr && c->climb->load_explains)
		strbuf_addstr(&sb, ", not explained by request rate");
	fd->reason = strbuf_detach(&sb, NULL);

	strbuf_addf(&sb, "%s: %s %s under %s: the floor climbs +",
		    c->svc->name, severity_name(fd->severity), c->climb->noun,
		    c->climb->restarts ? "garbage collection" : "compaction");
	detect_add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addstr(&sb, "/h, peaks at ");
	detect_add_figure(&sb, ct.peak / limit, FIGURE_FRACTION);
	strbuf_addf(&sb, " of %s reach it in ", c->climb->limit_word);
	human_add_duration(&sb, ct.time_to_limit);
	strbuf_addstr(&sb, " (horizon ");
	human_add_duration(&sb, lk->horizon_ms);
	strbuf_addstr(&sb, "), climbing since ");
	detect_add_time(&sb, fd->onset);
	if (fd->deployment)
		strbuf_addf(&sb, ", after deployment %s", fd->deployment);
	fd->summary = strbuf_detach(&sb, NULL);
out:
	cycle_trend_release(&ct);
	return sawtooth;
}

void detect_eval_climb(struct svc_ctx *c, const struct climb_target *t, const struct series *frac)
{
	const struct series *mem = &c->s[t->usage];
	const struct leak_config *lk;
	struct strbuf sb = STRBUF_INIT;
	struct segment *seg = NULL;
	struct leak_eval ev, at;
	struct finding *fd;
	size_t nseg, i;

	c->climb = t;
	lk = settings(c);
	if (!lk->enabled || !mem->nr) {
		c->climb = NULL;
		return;
	}
	nseg = memory_segments(&seg, c, mem);
	/*
	 * A sawtooth is judged by its floor alone: a line through every
	 * sample forecasts later than the peaks, and its load check cannot
	 * see traffic through the cuts.
	 */
	if ((t->restarts && eval_crash_loop(c, mem, frac, seg, nseg)) || eval_cycle_leak(c, mem, frac) ||
	    !trend_rule(&ev, c, mem, seg, nseg, c->obs->end))
		goto out;

	fd = new_trend_leak(c, ev.ttl);
	/* A climb that resumed after a restart began before that restart. */
	if (ev.restart)
		detect_set_onset(c, fd, climb_onset(mem, ev.prev_from, ev.prev_to));
	else
		detect_set_onset(c, fd, climb_onset(mem, ev.from, c->obs->end));
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
	leak_evidence(c, fd, frac, mem, ev.limit);
	fd->confidence = ev.fit.r2 * (ev.fit.n >= 10 ? 1.0 : 0.9);

	strbuf_addf(&sb, "straight-line fit R^2 %.2f over %zu samples (", ev.fit.r2, ev.fit.n);
	human_add_duration(&sb, ev.fit.last - ev.fit.first);
	strbuf_addstr(&sb, "), +");
	detect_add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addstr(&sb, "/h");
	if (c->s[METRIC_REQUESTS].nr && c->climb->load_explains)
		strbuf_addstr(&sb, ", not explained by request rate");
	if (ev.restart) {
		strbuf_addf(&sb, "; resumed at x%.2f the slope after deployment %s restarted it",
			    ev.fit.slope / ev.prev.slope, ev.restart->id);
	}
	fd->reason = strbuf_detach(&sb, NULL);

	strbuf_addf(&sb, "%s: %s %s: +", c->svc->name, severity_name(fd->severity), t->noun);
	detect_add_figure(&sb, fd->leak.slope, FIGURE_BYTES);
	strbuf_addstr(&sb, "/h, at ");
	detect_add_figure(&sb, line_fit_at(&ev.fit, c->obs->end) / ev.limit, FIGURE_FRACTION);
	strbuf_addf(&sb, " of %s, reaches it in ", t->limit_word);
	human_add_duration(&sb, ev.ttl);
	strbuf_addstr(&sb, " (horizon ");
	human_add_duration(&sb, lk->horizon_ms);
	strbuf_addstr(&sb, "), climbing since ");
	detect_add_time(&sb, fd->onset);
	if (ev.restart)
		strbuf_addf(&sb, " (the restart by deployment %s did not stop it)", ev.restart->id);
	if (fd->deployment)
		strbuf_addf(&sb, ", after deployment %s", fd->deployment);
	fd->summary = strbuf_detach(&sb, NULL);
out:
	free(seg);
	c->climb = NULL;
}
