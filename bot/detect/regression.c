/* Regressions against the service's own baseline after a deployment. */
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


/*
 * A p95 that doubled from 5 ms to 10 ms is not worth a pull request: the
 * after-median must also be this much slower in absolute terms.
 */
#define REGRESSION_MIN_LATENCY_DELTA_MS 50.0
#define REGRESSION_MIN_SAMPLES 5
/*
 * CPU from 4% to 8% of the limit doubled and does not matter: the
 * after-median must also be this much higher, as a fraction of the limit.
 */
#define REGRESSION_MIN_RESOURCE_DELTA 0.10

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
	double load;          /* CPU, memory: traffic after / before the after side was divided by (>= 1) */
};

/*
 * Error rate after deployment d over (at + one step, until] against the
 * baseline [at - baseline, at): significantly higher (Fisher's exact
 * test), by at least the configured ratio, above the floor, with
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
	ev->d.p_value = stat_fisher_upper_p(k1, n1, k2, n2);
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

/* Finite values of s in [from, to], into an array the caller frees. */
static double *values_in(const struct series *s, int64_t from, int64_t to, size_t *n)
{
	double *v = xmalloc((s->nr + 1) * sizeof(*v));
	size_t i;

	*n = 0;
	for (i = 0; i < s->nr; i++)
		if (s->items[i].t >= from && s->items[i].t <= to && isfinite(s->items[i].v))
			v[(*n)++] = s->items[i].v;
	return v;
}

/* ---- the same hours on earlier days ------------------------------------ */

/* The season (c->cpu_season, mem_season or lat_season) of a kind, or NULL. */
static const struct series *season_of(const struct svc_ctx *c, enum finding_kind kind)
{
	switch (kind) {
	case FINDING_CPU_SATURATION: return &c->cpu_season;
	case FINDING_MEMORY_PRESSURE: return &c->mem_season;
	case FINDING_LATENCY: return &c->lat_season;
	default: return NULL;
	}
}

/*
 * Whether `after` (a median over [from, to] today) is usual for these
 * hours: on earlier days the same hours had a median of at least
 * after / ratio, so a deployment that coincides with the daily peak is
 * not blamed for it. 0 without (enough) earlier days' samples.
 */
static int usual_for_the_hour(const struct svc_ctx *c, enum finding_kind kind, int64_t from,
			      int64_t to, double after, double ratio)
{
	const struct series *season = season_of(c, kind);
	size_t n;
	double *v;
	int usual = 0;

	if (!season || !season->nr)
		return 0;
	v = values_in(season, from, to, &n);
	if (n >= REGRESSION_MIN_SAMPLES)
		usual = after < ratio * quantile_sorted_inplace(v, n, 0.5);
	free(v);
	return usual;
}

/*
 * The smallest baseline a ratio divides by: a p95 of 0 ms or an idle CPU
 * at 0% of its limit is "under the resolution", not zero, so that the
 * ratio stays a number (like a rate's half an error).
 */
#define RATIO_FLOOR_MS 1.0
#define RATIO_FLOOR_FRACTION 0.001

/*
 * The baseline b against the after samples a (both sorted in place): the
 * Mann-Whitney p-value, the two medians, their ratio (the baseline
 * floored at min_before) and the counts.
 */
static void compare_medians(struct regression_detail *d, double *b, size_t nb, double *a, size_t na,
			    double min_before)
{
	d->p_value = stat_mann_whitney_p(b, nb, a, na);
	d->before = quantile_sorted_inplace(b, nb, 0.5);
	d->after = quantile_sorted_inplace(a, na, 0.5);
	d->ratio = d->after / (d->before > min_before ? d->before : min_before);
	d->n_before = (int64_t)nb;
	d->n_after = (int64_t)na;
}

/* Whether the median of each half of the after period reaches level (a warm-up is brief). */
static int halves_reach(double *h1, size_t nh1, double *h2, size_t nh2, double level)
{
	return quantile_sorted_inplace(h1, nh1, 0.5) >= level &&
	       quantile_sorted_inplace(h2, nh2, 0.5) >= level;
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
	compare_medians(&ev->d, b, nb, a, na, RATIO_FLOOR_MS);
	mb = ev->d.before;
	ma = ev->d.after;
	if (ev->d.ratio < rg->latency_ratio || ma - mb < REGRESSION_MIN_LATENCY_DELTA_MS ||
	    ev->d.p_value > 1 - rg->confidence)
		goto out;
	ret = halves_reach(h1, nh1, h2, nh2, rg->latency_ratio * mb) &&
	      !usual_for_the_hour(c, FINDING_LATENCY, a0, until, ma, rg->latency_ratio);
out:
	free(b);
	free(a);
	free(h1);
	free(h2);
	return ret;
}

/*
 * How much busier the service was after the deployment than before it:
 * mean requests per sample after / before, never below 1. More work is
 * allowed to cost more CPU and memory; less work is not held against the
 * new version (1). Without request data: 1.
 */
static double traffic_growth(const struct svc_ctx *c, int64_t b0, int64_t b1, int64_t a0, int64_t a1)
{
	const struct series *req = &c->svc->series[METRIC_REQUESTS];
	double before = series_mean(req, b0, b1), after = series_mean(req, a0, a1);

	if (!(before > 0) || !(after > before))
		return 1;
	return after / before;
}

/*
 * CPU or memory (fractions of the limit, c->cpu_hist or c->mem_hist)
 * after deployment d against its baseline, like latency: the after
 * samples, divided by the traffic growth, have a median at least `ratio`
 * times the baseline's and REGRESSION_MIN_RESOURCE_DELTA of the limit
 * higher, are significantly higher by a Mann-Whitney U test, and so is the
 * median of each half of the after period (a warm-up is brief). Without a
 * limit there is no fraction and no verdict.
 */
static int resource_regression(struct regression_eval *ev, const struct svc_ctx *c,
			       const struct series *frac, double ratio,
			       const struct deployment *d, int64_t until)
{
	const struct regression_config *rg = &c->cfg->regression;
	int64_t b0 = d->at - rg->baseline_ms, a0 = d->at + c->step, mid = a0 + (until - a0) / 2;
	size_t nb, na, nh1, nh2, i;
	double *b = values_in(frac, b0, d->at - 1, &nb), *a = values_in(frac, a0, until, &na);
	double *h1 = values_in(frac, a0, mid, &nh1), *h2 = values_in(frac, mid + 1, until, &nh2);
	double mb, ma;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	ev->after_from = a0;
	ev->load = traffic_growth(c, b0, d->at - 1, a0, until);
	if (nb < REGRESSION_MIN_SAMPLES || na < REGRESSION_MIN_SAMPLES || !nh1 || !nh2)
		goto out;
	for (i = 0; i < na; i++)
		a[i] /= ev->load;
	for (i = 0; i < nh1; i++)
		h1[i] /= ev->load;
	for (i = 0; i < nh2; i++)
		h2[i] /= ev->load;
	compare_medians(&ev->d, b, nb, a, na, RATIO_FLOOR_FRACTION);
	mb = ev->d.before;
	ma = ev->d.after;
	if (ev->d.ratio < ratio || ma - mb < REGRESSION_MIN_RESOURCE_DELTA ||
	    ev->d.p_value > 1 - rg->confidence)
		goto out;
	ret = halves_reach(h1, nh1, h2, nh2, ratio * mb) &&
	      !usual_for_the_hour(c, frac == &c->cpu_hist ? FINDING_CPU_SATURATION : FINDING_MEMORY_PRESSURE,
				  a0, until, ma * ev->load, ratio);
out:
	free(b);
	free(a);
	free(h1);
	free(h2);
	return ret;
}

static void add_regression_reason(struct strbuf *sb, enum finding_kind kind,
				  const struct regression_eval *ev, const char *deploy)
{
	const struct regression_detail *d = &ev->d;

	if (kind == FINDING_MEMORY_PRESSURE || kind == FINDING_CPU_SATURATION) {
		strbuf_addf(sb, "%s x%.1f after deployment %s (median ", detect_signal_word(kind),
			    d->ratio, deploy);
		detect_add_figure(sb, d->before, FIGURE_FRACTION);
		strbuf_addstr(sb, " -> ");
		detect_add_figure(sb, d->after, FIGURE_FRACTION);
		strbuf_addstr(sb, " of the limit");
		if (ev->load > 1)
			strbuf_addf(sb, " once divided by the x%.2f traffic growth", ev->load);
		strbuf_addf(sb, ", %" PRId64 " samples before, %" PRId64 " after; Mann-Whitney p=%.2g)",
			    d->n_before, d->n_after, d->p_value);
	} else if (kind == FINDING_LATENCY) {
		strbuf_addf(sb, "p95 x%.1f after deployment %s (median %.0f ms -> %.0f ms, "
			    "%" PRId64 " samples before, %" PRId64 " after; Mann-Whitney p=%.2g)",
			    d->ratio, deploy, d->before, d->after, d->n_before, d->n_after, d->p_value);
	} else {
		strbuf_addf(sb, "%s x%.1f after deployment %s (", detect_signal_word(kind), d->ratio, deploy);
		detect_add_figure(sb, d->before, FIGURE_FRACTION);
		strbuf_addstr(sb, " -> ");
		detect_add_figure(sb, d->after, FIGURE_FRACTION);
		strbuf_addstr(sb, ", ");
		detect_add_count(sb, (double)d->n_before);
		strbuf_addstr(sb, " requests before, ");
		detect_add_count(sb, (double)d->n_after);
		strbuf_addf(sb, " after; Fisher p=%.2g)", d->p_value);
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
	case FINDING_CPU_SATURATION:
		return resource_regression(ev, c, &c->cpu_hist, c->cfg->regression.cpu_ratio, d, until);
	case FINDING_MEMORY_PRESSURE:
		return resource_regression(ev, c, &c->mem_hist, c->cfg->regression.memory_ratio, d, until);
	default:
		return 0;
	}
}

/*
 * A level never seen at these hours: today's samples since `from` (CPU as a
 * fraction of the limit, or p95 of intervals with traffic) against the
 * same hours on earlier days, compared like a regression: the median at
 * least `ratio` times the earlier days' and the absolute floor higher,
 * significant by a Mann-Whitney U test. No deployment needed.
 */
static int seasonal_at(struct regression_detail *out, const struct svc_ctx *c, enum finding_kind kind,
		       double ratio, int64_t from, int64_t to)
{
	const struct regression_config *rg = &c->cfg->regression;
	size_t nb, na;
	double *b = values_in(season_of(c, kind), from, to, &nb);
	double *a = kind == FINDING_LATENCY ? latency_values(c, from, to, &na) :
		    values_in(&c->cpu_hist, from, to, &na);
	double floor = kind == FINDING_LATENCY ? REGRESSION_MIN_LATENCY_DELTA_MS : REGRESSION_MIN_RESOURCE_DELTA;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (nb < REGRESSION_MIN_SAMPLES || na < REGRESSION_MIN_SAMPLES)
		goto out;
	compare_medians(out, b, nb, a, na,
			kind == FINDING_LATENCY ? RATIO_FLOOR_MS : RATIO_FLOOR_FRACTION);
	ret = out->ratio >= ratio && out->after - out->before >= floor &&
	      out->p_value <= 1 - rg->confidence;
out:
	free(b);
	free(a);
	return ret;
}

/*
 * Where today's unusual level began: after the last two samples in a row
 * under `level` (a single dip does not end it), else the window's start.
 */
static int64_t unusual_since(const struct series *s, double level, int64_t start)
{
	size_t i, under = 0;

	for (i = s->nr; i-- > 0;) {
		under = s->items[i].v < level ? under + 1 : 0;
		if (under == 2)
			return i + 2 < s->nr ? s->items[i + 2].t : s->items[s->nr - 1].t;
	}
	return start;
}

static void eval_seasonal(struct svc_ctx *c, enum finding_kind kind, double ratio,
			  const struct series *today)
{
	const struct regression_config *rg = &c->cfg->regression;
	int64_t end = c->obs->end, half = (end - c->obs->start) / 2, onset;
	struct regression_detail d, tmp;
	enum figure_unit unit = kind == FINDING_LATENCY ? FIGURE_MS : FIGURE_FRACTION;
	struct strbuf sb = STRBUF_INIT;
	struct finding *fd;
	size_t i;
	int days;

	if (rg->seasonal_days <= 0 || !season_of(c, kind)->nr || !today->nr)
		return;
	/* The recent half of the window is what is unusual, or not. */
	if (!seasonal_at(&d, c, kind, ratio, end - half, end))
		return;
	onset = unusual_since(today, ratio * d.before, c->obs->start);
	if (onset > end - half)
		onset = end - half;

	fd = detect_new_finding(c, kind, SEVERITY_WARNING, METHOD_SEASONAL);
	fd->regression = d;
	fd->observed = d.ratio;
	fd->threshold = ratio;
	fd->unit = FIGURE_RATIO;
	detect_set_onset(c, fd, onset);
	/* When it was first visible: the same comparison since the onset, replayed at each sample. */
	fd->detected = end;
	for (i = 0; i < today->nr; i++)
		if (today->items[i].t > onset && seasonal_at(&tmp, c, kind, ratio, onset, today->items[i].t)) {
			fd->detected = today->items[i].t;
			break;
		}
	fd->ongoing = 1;
	fd->evidence_metric = kind == FINDING_LATENCY ? METRIC_LATENCY_P95 : METRIC_CPU;
	fd->evidence_unit = unit;
	fd->evidence_level = d.before * ratio;
	detect_copy_series(&fd->evidence, today);
	fd->confidence = 1 - d.p_value;

	days = kind == FINDING_LATENCY ? c->lat_season_days : c->cpu_season_days;
	strbuf_addf(&sb, "%s x%.1f against the same hours on %d earlier day%s (median ",
		    detect_signal_word(kind), d.ratio, days, days > 1 ? "s" : "");
	detect_add_figure(&sb, d.before, unit);
	strbuf_addstr(&sb, " -> ");
	detect_add_figure(&sb, d.after, unit);
	strbuf_addf(&sb, ", %" PRId64 " samples then, %" PRId64 " now; Mann-Whitney p=%.2g)",
		    d.n_before, d.n_after, d.p_value);
	fd->reason = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s: warning %s unusual for the hour: ", c->svc->name, detect_signal_word(kind));
	detect_add_figure(&sb, d.after, unit);
	strbuf_addf(&sb, "%s since ", unit == FIGURE_FRACTION ? " of the limit" : "");
	detect_add_time(&sb, onset);
	strbuf_addstr(&sb, ", ");
	detect_add_figure(&sb, d.before, unit);
	strbuf_addf(&sb, " at the same hours on earlier days (x%.1f), under the static thresholds", d.ratio);
	if (fd->deployment)
		strbuf_addf(&sb, "; deployment %s came before it", fd->deployment);
	fd->summary = strbuf_detach(&sb, NULL);
}

/*
 * For each signal, the most recent deployment in (or just before) the
 * window after which the signal is significantly worse than before it.
 * A signal that also crossed its threshold keeps that finding, which
 * gains the comparison; otherwise the regression is a finding of its own.
 */
void detect_eval_regressions(struct svc_ctx *c, const struct eval_series *evs)
{
	static const struct { enum finding_kind kind; enum signal sig; enum metric m; } sigs[] = {
		{ FINDING_MEMORY_PRESSURE, SIGNAL_MEMORY, METRIC_MEMORY },
		{ FINDING_CPU_SATURATION, SIGNAL_CPU, METRIC_CPU },
		{ FINDING_ERROR_RATE_5XX, SIGNAL_ERROR_RATE_5XX, METRIC_REQUESTS_5XX },
		{ FINDING_ERROR_RATE_4XX, SIGNAL_ERROR_RATE_4XX, METRIC_REQUESTS_4XX },
		{ FINDING_LATENCY, SIGNAL_LATENCY_P95, METRIC_LATENCY_P95 },
	};
	const struct regression_config *rg = &c->cfg->regression;
	size_t s, k, i;

	if (!rg->enabled)
		return;
	for (s = 0; s < ARRAY_SIZE(sigs); s++) {
		enum finding_kind kind = sigs[s].kind;
		int resource = kind == FINDING_MEMORY_PRESSURE || kind == FINDING_CPU_SATURATION;
		const struct series *ev_series = kind == FINDING_LATENCY ? evs->lat :
			kind == FINDING_ERROR_RATE_5XX ? evs->r5 : kind == FINDING_ERROR_RATE_4XX ? evs->r4 :
			kind == FINDING_CPU_SATURATION ? evs->cpu : evs->mem;
		double ratio = kind == FINDING_LATENCY ? rg->latency_ratio :
			kind == FINDING_CPU_SATURATION ? rg->cpu_ratio :
			kind == FINDING_MEMORY_PRESSURE ? rg->memory_ratio : rg->error_rate_ratio;
		struct regression_eval ev;
		const struct deployment *d = NULL;
		const struct series *clock;
		struct strbuf sb = STRBUF_INIT;
		struct finding *fd;

		if (!c->th[sigs[s].sig].enabled || !c->svc->series[sigs[s].m].nr)
			continue;
		/* A leak explains memory that is higher after the deployment: one finding is enough. */
		if (kind == FINDING_MEMORY_PRESSURE && finding_of(c, FINDING_MEMORY_LEAK))
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
		if (!d) {
			if ((kind == FINDING_CPU_SATURATION || kind == FINDING_LATENCY) &&
			    !finding_of(c, kind))
				eval_seasonal(c, kind, ratio, ev_series);
			continue;
		}

		add_regression_reason(&sb, kind, &ev, d->id);
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
		fd = detect_new_finding(c, sigs[s].kind, SEVERITY_WARNING, METHOD_REGRESSION);
		fd->regression = ev.d;
		fd->observed = ev.d.ratio;
		fd->threshold = ratio;
		fd->unit = FIGURE_RATIO;
		fd->onset = ev.after_from;
		fd->deployment = xstrdup(d->id);
		fd->deployment_at = d->at;
		/* When it was first visible: the same test replayed at each sample time since. */
		fd->detected = c->obs->end;
		clock = resource ? &c->s[sigs[s].m] :
			c->s[METRIC_REQUESTS].nr ? &c->s[METRIC_REQUESTS] : &c->s[METRIC_LATENCY_P95];
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
		fd->evidence_level = ev.d.before * ratio;
		detect_copy_series(&fd->evidence, ev_series);
		fd->confidence = 1 - ev.d.p_value;
		fd->reason = strbuf_detach(&sb, NULL);

		strbuf_addf(&sb, "%s: warning %s regression after deployment %s: ", c->svc->name,
			    detect_signal_word(sigs[s].kind), d->id);
		detect_add_figure(&sb, ev.d.before, fd->evidence_unit);
		strbuf_addf(&sb, "%s before, ", resource ? " of the limit" : "");
		detect_add_figure(&sb, ev.d.after, fd->evidence_unit);
		strbuf_addf(&sb, " after (x%.1f), under the static thresholds", ev.d.ratio);
		fd->summary = strbuf_detach(&sb, NULL);
	}
}
