/*
 * The same hours on earlier days, as a baseline that can be trusted: which
 * of the `detect.regression.seasonal_days` earlier days the seasonal rules
 * (regression.c: "usual for the hour", "never seen at this hour") compare
 * with. A day is left out when
 *
 *   - its traffic at these hours differs from today's by more than
 *     SEASON_TRAFFIC_FACTOR either way (CPU or latency on several times
 *     that day's traffic is load, not a regression; a weekend is not a
 *     weekday), or, today's traffic unknown, from the other days' median;
 *   - for a signal, the day held a finding of its own: its median at these
 *     hours reached the signal's warning level;
 *   - for a signal, with three days or more left, its median differs from
 *     the median of the days' medians by more than the signal's regression
 *     ratio, either way (an outage: idle CPU, tiny latency; an incident):
 *     the median of several days is the baseline, and one odd day does
 *     not move it.
 *
 * What is left is pooled, moved forward by whole days onto today's clock.
 * A source that sends no earlier days' traffic (Railway) gets the last two
 * rules only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "detect/series_math.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Traffic this many times higher or lower than today's is not comparable. */
#define SEASON_TRAFFIC_FACTOR 3.0
/* The most days `seasonal_days` allows (the loader's bound). */
#define SEASON_MAX_DAYS 7
/* Fewer samples of a signal in a day: the day says nothing about it. */
#define SEASON_MIN_SAMPLES 3

/* Whole days before end that t lies, rounded (the day a seasonal sample belongs to). */
static int64_t days_back(int64_t t, int64_t end)
{
	return (end - t + DAY_MS / 2) / DAY_MS;
}

/* Median of the finite samples of s that belong to day k (moved onto today's clock, in [from, to]). */
static double day_median(const struct series *s, int k, int64_t end, int64_t from, int64_t to, size_t *n)
{
	double *v = xmalloc((s->nr + 1) * sizeof(*v)), m = NAN;
	size_t i;

	*n = 0;
	for (i = 0; i < s->nr; i++) {
		int64_t t = s->items[i].t;
		if (days_back(t, end) != k || !isfinite(s->items[i].v))
			continue;
		t += k * DAY_MS;
		if (t >= from && t <= to)
			v[(*n)++] = s->items[i].v;
	}
	if (*n)
		m = quantile_sorted_inplace(v, *n, 0.5);
	free(v);
	return m;
}

/* Mean requests per sample of day k at the window's hours, NAN when the source sent none. */
static double day_traffic(const struct svc_ctx *c, int k)
{
	const struct series *req = &c->svc->seasonal[METRIC_REQUESTS];
	double sum = 0;
	size_t i, n = 0;

	for (i = 0; i < req->nr; i++) {
		int64_t t = req->items[i].t + k * DAY_MS;
		if (days_back(req->items[i].t, c->obs->end) != k || !isfinite(req->items[i].v))
			continue;
		if (t >= c->obs->start && t <= c->obs->end) {
			sum += req->items[i].v;
			n++;
		}
	}
	return n ? sum / (double)n : NAN;
}

static double median_of(const double *v, size_t n)
{
	double tmp[SEASON_MAX_DAYS + 1];
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			tmp[m++] = v[i];
	return m ? quantile_sorted_inplace(tmp, m, 0.5) : NAN;
}

/* a and b more than factor apart (either way); never for a missing figure. */
static int apart(double a, double b, double factor)
{
	const double tiny = 1e-9;

	if (!isfinite(a) || !isfinite(b))
		return 0;
	a = a > tiny ? a : tiny;
	b = b > tiny ? b : tiny;
	return a / b > factor || b / a > factor;
}

/* Days whose traffic is not comparable: keep[k] cleared for them (k = 1..days). */
static void drop_by_traffic(int *keep, const struct svc_ctx *c, int days)
{
	double traffic[SEASON_MAX_DAYS + 1], today = NAN, ref;
	int k;

	if (c->s[METRIC_REQUESTS].nr)
		today = series_mean(&c->s[METRIC_REQUESTS], c->obs->start, c->obs->end);
	for (k = 1; k <= days; k++)
		traffic[k] = day_traffic(c, k);
	ref = isfinite(today) ? today : median_of(traffic + 1, (size_t)days);
	for (k = 1; k <= days; k++)
		if (apart(traffic[k], ref, SEASON_TRAFFIC_FACTOR))
			keep[k] = 0;
}

/* The warning level of sig in the unit of the season (fraction or ms), or NAN. */
static double warning_level(const struct svc_ctx *c, enum signal sig)
{
	const struct level *l = &c->th[sig].warning;

	if (!c->th[sig].enabled)
		return NAN;
	if (sig == SIGNAL_LATENCY_P95)
		return l->unit == LEVEL_MS ? l->value : NAN;
	return l->unit == LEVEL_FRACTION ? l->value : NAN;
}

/*
 * One signal's season: the samples of the days in keep that neither held
 * a finding nor stand out, onto today's clock, into out. Returns how many
 * days it holds.
 */
static int build_season(struct series *out, const struct svc_ctx *c, const struct series *in,
			const int *keep, int days, enum signal sig, double ratio)
{
	double med[SEASON_MAX_DAYS + 1], level = warning_level(c, sig), ref;
	int use[SEASON_MAX_DAYS + 1], k, left = 0, held = 0;
	int64_t end = c->obs->end;
	size_t i, n;

	for (k = 1; k <= days; k++) {
		med[k] = day_median(in, k, end, c->obs->start, end, &n);
		use[k] = keep[k] && n >= SEASON_MIN_SAMPLES;
		if (use[k] && isfinite(level) && med[k] >= level)
			use[k] = 0;
		if (!use[k])
			med[k] = NAN;
		left += use[k];
	}
	if (left >= 3) {
		ref = median_of(med + 1, (size_t)days);
		for (k = 1; k <= days; k++)
			if (use[k] && apart(med[k], ref, ratio))
				use[k] = 0;
	}
	for (i = 0; i < in->nr; i++) {
		int64_t t = in->items[i].t, back = days_back(t, end);
		if (back >= 1 && back <= days && use[back] && isfinite(in->items[i].v))
			series_add(out, t + back * DAY_MS, in->items[i].v);
	}
	for (k = 1; k <= days; k++)
		held += use[k];
	return held;
}

void detect_build_seasons(struct svc_ctx *c)
{
	const struct regression_config *rg = &c->cfg->regression;
	const struct service_metrics *svc = c->svc;
	int keep[SEASON_MAX_DAYS + 1], days = rg->seasonal_days, k;
	struct series f = SERIES_INIT;

	if (days <= 0)
		return;
	if (days > SEASON_MAX_DAYS)
		days = SEASON_MAX_DAYS;
	for (k = 0; k <= days; k++)
		keep[k] = 1;
	drop_by_traffic(keep, c, days);

	series_fraction_of_limit(&f, &svc->seasonal[METRIC_MEMORY], &svc->seasonal[METRIC_MEMORY_LIMIT]);
	c->mem_season_days = build_season(&c->mem_season, c, &f, keep, days, SIGNAL_MEMORY, rg->memory_ratio);
	series_release(&f);
	series_fraction_of_limit(&f, &svc->seasonal[METRIC_CPU], &svc->seasonal[METRIC_CPU_LIMIT]);
	c->cpu_season_days = build_season(&c->cpu_season, c, &f, keep, days, SIGNAL_CPU, rg->cpu_ratio);
	series_release(&f);
	c->lat_season_days = build_season(&c->lat_season, c, &svc->seasonal[METRIC_LATENCY_P95], keep, days,
					  SIGNAL_LATENCY_P95, rg->latency_ratio);
}
