/* The detector's arithmetic against values worked out by hand. */
#include <math.h>
#include <stdlib.h>

#include "detect/series_math.h"
#include "tap.h"

#define MIN_ (60 * 1000LL)

static void fill(struct series *s, const double *v, size_t n, int64_t step)
{
	size_t i;

	for (i = 0; i < n; i++)
		series_add(s, (int64_t)i * step, v[i]);
}

static void test_fraction_of_limit(void)
{
	struct series use = SERIES_INIT, lim = SERIES_INIT, out = SERIES_INIT;

	series_add(&use, 0, 100);
	series_add(&use, 60000, 200);
	series_add(&use, 120000, 300);
	series_add(&use, 180000, NAN);
	series_add(&lim, 0, 400);
	series_add(&lim, 90000, 1000); /* raised between the 2nd and 3rd sample */
	series_fraction_of_limit(&out, &use, &lim);
	is_int(out.nr, 3, "a NaN usage sample is left out");
	is_double(out.items[0].v, 0.25, 1e-12, "100 of 400");
	is_double(out.items[1].v, 0.5, 1e-12, "200 of 400: the old limit still applies");
	is_double(out.items[2].v, 0.3, 1e-12, "300 of 1000: the raised limit applies from its change");
	series_release(&out);
	series_release(&lim);

	series_add(&lim, 60000, 500);
	series_fraction_of_limit(&out, &use, &lim);
	is_double(out.items[0].v, 0.2, 1e-12, "a limit reported late applies from the start");
	series_release(&out);
	series_release(&lim);

	series_add(&lim, 0, 0);
	series_fraction_of_limit(&out, &use, &lim);
	is_int(out.nr, 0, "no fraction of a zero limit");
	series_release(&out);
	series_release(&lim);
	series_release(&use);

	series_add(&lim, 0, NAN);
	ok(isnan(series_value_at(&lim, 0)), "a limit series of nothing has no value");
	series_release(&lim);
}

/*
 * The one-walk fraction against series_value_at() sample by sample, over
 * random series with gaps, non-finite values, repeated and unsorted times.
 */
static void test_fraction_walk(void)
{
	unsigned seed = 12345;
	int round, bad = 0;

	for (round = 0; round < 2000; round++) {
		struct series use = SERIES_INIT, lim = SERIES_INIT, out = SERIES_INIT;
		size_t i, k = 0, nu, nl;

		seed = seed * 1103515245u + 12345u;
		nu = seed >> 16 & 15;
		seed = seed * 1103515245u + 12345u;
		nl = seed >> 16 & 15;
		for (i = 0; i < nu + nl; i++) {
			int64_t t;
			double v;
			seed = seed * 1103515245u + 12345u;
			t = (int64_t)(seed >> 16 & 15) * MIN_;
			/* sorted in most rounds, as the series are; any order in the others */
			if (round % 4)
				t = (int64_t)(i < nu ? i : i - nu) * MIN_ + (t % 3) * MIN_;
			seed = seed * 1103515245u + 12345u;
			v = (seed >> 16 & 7) == 0 ? NAN : (seed >> 16 & 7) == 1 ? 0 : (double)(seed >> 16 & 1023);
			series_add(i < nu ? &use : &lim, t, v);
		}
		series_fraction_of_limit(&out, &use, &lim);
		for (i = 0; i < use.nr; i++) {
			double l = series_value_at(&lim, use.items[i].t);
			if (!isfinite(use.items[i].v) || !(l > 0))
				continue;
			if (k >= out.nr || out.items[k].t != use.items[i].t ||
			    out.items[k].v != use.items[i].v / l)
				bad++;
			k++;
		}
		if (k != out.nr)
			bad++;
		series_release(&out);
		series_release(&lim);
		series_release(&use);
	}
	is_int(bad, 0, "the fraction of limit is series_value_at()'s, sample by sample, in 2000 random rounds");
}

static void test_windowed_ratio(void)
{
	/* requests 10, 30, 40, 0, 100 per minute; errors 1, 2, 0, 0, 5. */
	static const double req[] = { 10, 30, 40, 0, 100 }, err[] = { 1, 2, 0, 0, 5 };
	struct series r = SERIES_INIT, e = SERIES_INIT, out = SERIES_INIT;

	fill(&r, req, 5, MIN_);
	fill(&e, err, 5, MIN_);
	series_windowed_ratio(&out, &e, &r, 2 * MIN_, 20, 0);
	/*
	 * At least 20 requests: t=0 has 10 and nothing before, left out;
	 * t=1m 2/30 alone; t=2m 0/40; t=3m has 0, widens to 2m: 0/40; t=4m 5/100.
	 */
	is_int(out.nr, 4, "a window that cannot collect 20 requests is left out");
	is_int(out.items[0].t, MIN_, "first point at 1m");
	is_double(out.items[0].v, 2.0 / 30, 1e-12, "enough traffic: the interval's own ratio");
	is_double(out.items[1].v, 0.0, 1e-12, "no errors");
	is_double(out.items[2].v, 0.0 / 40, 1e-12, "an empty interval borrows the one before");
	is_double(out.items[3].v, 0.05, 1e-12, "5/100");
	series_release(&out);

	series_windowed_ratio(&out, &e, &r, 2 * MIN_, 50, 0);
	/* At least 50 within (t-2m, t]: only t=2m (40+30: 2/70) and t=4m (100: 5/100). */
	is_int(out.nr, 2, "max_width bounds how far back a window widens");
	is_int(out.items[0].t, 2 * MIN_, "t=2m");
	is_double(out.items[0].v, 2.0 / 70, 1e-12, "(2+0)/(30+40)");
	is_double(out.items[1].v, 0.05, 1e-12, "t=4m: 5/100");
	series_release(&out);

	series_windowed_ratio(&out, &e, &r, 2 * MIN_, 50, 1.645);
	is_double(out.items[1].v, stat_wilson_lower(5, 100, 1.645), 1e-15, "z > 0: the Wilson lower bound");
	is_double(stat_wilson_lower(1, 20, 1.645), 0.011233541950954265, 1e-12, "1 of 20: at least 1.1%%");
	is_double(stat_wilson_lower(32, 400, 1.645), 0.06040510061139561, 1e-12, "32 of 400: at least 6.0%%");
	is_double(stat_wilson_lower(0, 10, 1.645), 0, 0, "none of 10: at least 0");
	is_double(series_sum(&r, 0, 4 * MIN_), 180, 1e-9, "sum over the window");
	is_double(series_mean(&e, MIN_, 2 * MIN_), 1.0, 1e-12, "mean of [1m, 2m]");
	is_double(series_max(&r, 0, 3 * MIN_), 40, 0, "max of [0, 3m]");
	series_release(&out);
	series_release(&r);
	series_release(&e);
}

static void test_quantile(void)
{
	static const double v[] = { 4, 1, NAN, 3, 2 };
	struct series s = SERIES_INIT;

	fill(&s, v, 5, MIN_);
	is_double(series_quantile(&s, 0.5), 2.5, 1e-12, "median of 1..4");
	is_double(series_quantile(&s, 0.95), 3.85, 1e-12, "p95 of 1..4: 3 + 0.85");
	is_double(series_quantile(&s, 0), 1, 0, "q=0 is the minimum");
	is_double(series_quantile(&s, 1), 4, 0, "q=1 is the maximum");
	series_release(&s);
	ok(isnan(series_quantile(&s, 0.5)), "no quantile of nothing");
}

static void test_hold(void)
{
	/* Minutes 0..12; above 0.8 from minute 2 to minute 9 except minute 5 is missing. */
	static const double v[] = { 0.5, 0.6, 0.85, 0.9, 0.95, NAN, 0.9, 0.85, 0.82, 0.9, 0.7, 0.9, 0.9 };
	struct series s = SERIES_INIT;
	struct hold h;

	fill(&s, v, 13, MIN_);
	ok(series_hold(&h, &s, 0.8, 5 * MIN_, 2 * MIN_), "held 7m >= 5m across one missing sample");
	is_int(h.onset, 2 * MIN_, "onset at the first sample over the level");
	is_int(h.fired, 7 * MIN_, "fires at onset + for");
	is_int(h.last, 9 * MIN_, "the run lasts until minute 9");
	is_int(h.samples, 7, "7 samples in the run");
	is_double(h.mean, (0.85 + 0.9 + 0.95 + 0.9 + 0.85 + 0.82 + 0.9) / 7, 1e-12, "mean over the run");
	is_double(h.peak, 0.95, 0, "peak");
	ok(!h.ongoing, "the run ended before the last sample");

	ok(!series_hold(&h, &s, 0.8, 5 * MIN_, MIN_), "with no gap allowed, the missing sample breaks it");
	ok(!series_hold(&h, &s, 0.8, 8 * MIN_, 2 * MIN_), "7m does not satisfy for: 8m");
	ok(series_hold(&h, &s, 0.8, 0, 2 * MIN_) && h.fired == 2 * MIN_, "for: 0 fires at once");
	ok(series_hold(&h, &s, 0.88, MIN_, 2 * MIN_) && h.onset == 3 * MIN_ && h.fired == 4 * MIN_,
	   "higher level: run from minute 3");
	ok(series_hold(&h, &s, 0.88, MIN_, 2 * MIN_) && h.last == 6 * MIN_,
	   "0.85 at minute 7 ends that run");
	ok(series_hold(&h, &s, 0.9, MIN_, 2 * MIN_) && h.onset == 3 * MIN_,
	   "a value equal to the level holds");
	series_release(&s);

	series_add(&s, 0, 0.9);
	series_add(&s, MIN_, 0.9);
	series_add(&s, 10 * MIN_, 0.9); /* a 9-minute outage */
	series_add(&s, 11 * MIN_, 0.9);
	ok(!series_hold(&h, &s, 0.8, 5 * MIN_, 2 * MIN_), "an outage in the data breaks the hold");
	ok(series_hold(&h, &s, 0.8, 5 * MIN_, 10 * MIN_) && h.ongoing, "unless the gap is allowed");
	series_release(&s);
}

static void test_fit(void)
{
	static const double line[] = { 1, 3, 5 }, noisy[] = { 0, 1, 0, 1 };
	struct series s = SERIES_INIT;
	struct line_fit f;

	fill(&s, line, 3, MIN_);
	ok(series_fit_line(&f, &s, 0, 10 * MIN_) == 0, "fit three points");
	is_double(f.slope * MIN_, 2.0, 1e-9, "slope 2 per minute");
	is_double(f.r2, 1.0, 1e-12, "a perfect line");
	is_double(line_fit_at(&f, 3 * MIN_), 7.0, 1e-9, "extrapolated");
	is_int(line_fit_time_to(&f, 2 * MIN_, 11), 3 * MIN_, "from 5 to 11 at 2/min: 3 minutes");
	is_int(line_fit_time_to(&f, 2 * MIN_, 4), 0, "already above");
	ok(series_fit_line(&f, &s, MIN_, MIN_) < 0, "one point is no line");
	series_release(&s);

	/* x = 0,1,2,3 s; y = 0,1,0,1: cov 0.25, var x 1.25, var y 0.25 -> slope 0.2/s, R^2 0.2. */
	fill(&s, noisy, 4, 1000);
	ok(series_fit_line(&f, &s, 0, 3000) == 0, "fit four noisy points");
	is_double(f.slope * 1000, 0.2, 1e-12, "slope 0.2 per second");
	is_double(f.r2, 0.2, 1e-12, "R^2 0.2");
	is_double(f.intercept, 0.2, 1e-12, "intercept 0.5 - 0.2 * 1.5");
	series_release(&s);

	series_add(&s, 0, 7);
	series_add(&s, 1000, 7);
	series_add(&s, 2000, 7);
	ok(series_fit_line(&f, &s, 0, 2000) == 0 && f.slope == 0 && f.r2 == 0, "flat: slope 0, R^2 0");
	is_int(line_fit_time_to(&f, 2000, 8), -1, "a flat line never reaches a higher level");
	series_release(&s);
}

static void test_stats(void)
{
	static const double a[] = { 3, 1, 2 }, b[] = { 6, 4, 5 };
	static const double ta[] = { 1, 2, 2 }, tb[] = { 2, 3, 3 };
	static const double x[] = { 1, 2, 3, 4 }, y[] = { 3, 5, 7, 9 };
	double slope, icpt, r2;

	is_double(stat_normal_upper(1.959963984540054), 0.025, 1e-12, "P(Z > 1.96) = 2.5%%");
	is_double(stat_normal_upper(0), 0.5, 1e-15, "P(Z > 0) = 1/2");
	/* Exact hypergeometric tails, computed independently (Python, math.comb). */
	is_double(stat_fisher_upper_p(0, 60, 6, 60), 0.013705816774870483, 1e-12, "Fisher: 0/60 vs 6/60");
	is_double(stat_fisher_upper_p(0, 60, 7, 60), 0.006492228998622861, 1e-12, "Fisher: 0/60 vs 7/60");
	is_double(stat_fisher_upper_p(10, 1000, 30, 1000), 0.0010041667809150049, 1e-12, "Fisher: 10/1000 vs 30/1000");
	ok(fabs(stat_fisher_upper_p(12, 24000, 48, 6000) / 2.5239068781892297e-23 - 1) < 1e-6,
	   "Fisher: 12/24000 vs 48/6000, relative to 1e-6 (%g)", stat_fisher_upper_p(12, 24000, 48, 6000));
	is_double(stat_fisher_upper_p(1, 3, 3, 3), 0.2, 1e-12, "Fisher: every request failed after");
	is_double(stat_fisher_upper_p(30, 1000, 10, 1000), 1, 0, "Fisher: a lower rate after is no evidence");
	is_double(stat_fisher_upper_p(0, 100, 0, 100), 1, 0, "Fisher: no errors on either side");
	is_double(stat_fisher_upper_p(1, 0, 1, 10), 1, 0, "Fisher: no trials before");
	is_double(stat_fisher_upper_p(0, 1e6, 1e6, 1e6), 0, 1e-300, "Fisher: a million requests each side, no overflow");
	/* U = 9 of 9, mean 4.5, var 9/12*7: z = (9-4.5-0.5)/sqrt(5.25). */
	is_double(stat_mann_whitney_p(a, 3, b, 3), 0.0404277992, 1e-9, "Mann-Whitney, no ties");
	/* ranks 1, 3,3,3, 5.5,5.5: U 8, tie term 30, var 0.75*(7-1): z 3/sqrt(4.5). */
	is_double(stat_mann_whitney_p(ta, 3, tb, 3), 0.0786496035, 1e-9, "Mann-Whitney with ties");
	ok(stat_mann_whitney_p(b, 3, a, 3) > 0.9, "smaller values after are not significant");
	is_double(stat_mann_whitney_p(a, 0, b, 3), 1, 0, "an empty side: no evidence");
	ok(fit_xy(&slope, &icpt, &r2, x, y, 4) == 0 && slope == 2 && icpt == 1 && r2 == 1, "y = 1 + 2x");
	ok(fit_xy(&slope, &icpt, &r2, x, y, 1) < 0, "one point is no line");
}

static void test_robust(void)
{
	static const double x[] = { 0, 1, 2, 3, 4 }, y[] = { 0, 1, 2, 3, 100 }, same[] = { 2, 2, 2 };
	static const double up[] = { 1, 2, 3, 4, 5 }, swap[] = { 1, 2, 3, 5, 4, 6 };
	double slope = 0, icpt = 0;

	/* Slopes: six of 1, then 25, 33, 49, 97 with the outlier: the median is 1. */
	ok(fit_theil_sen(&slope, &icpt, x, y, 5) == 0 && slope == 1 && icpt == 0,
	   "Theil-Sen: one outlier of five does not move the line (%g, %g)", slope, icpt);
	ok(fit_theil_sen(&slope, &icpt, same, y, 3) < 0, "Theil-Sen: no two x differ, no line");
	ok(fit_theil_sen(&slope, &icpt, x, y, 1) < 0, "Theil-Sen: one point is no line");
	/* S = 10, var = 5*4*15/18: z = 9/sqrt(16.67). */
	is_double(stat_mann_kendall_p(up, 5), 0.013743168055755177, 1e-12, "Mann-Kendall: five rising");
	/* One swap: S = 15 - 2 = 13, var = 6*5*17/18: z = 12/sqrt(28.33). */
	is_double(stat_mann_kendall_p(swap, 6), 0.012085273587272622, 1e-12, "Mann-Kendall: one swap in six");
	is_double(stat_mann_kendall_p(same, 3), 1, 0, "Mann-Kendall: flat is no rise");
	is_double(stat_mann_kendall_p(up, 2), 1, 0, "Mann-Kendall: two values say nothing");
}

/* v = floor + 2/min, +40 a sample for four samples, then cut back: a cycle of 5 minutes. */
static void sawtooth(struct series *s, size_t n, double leak_per_min)
{
	size_t i;

	for (i = 0; i < n; i++)
		series_add(s, (int64_t)i * MIN_, 300 + leak_per_min * (double)i + 40.0 * (double)(i % 5));
}

static void test_cycle_trend(void)
{
	struct series s = SERIES_INIT;
	struct cycle_trend ct;

	sawtooth(&s, 60, 2);
	ok(series_cycle_trend(&ct, &s, 0, 59 * MIN_, 1000) == 1, "a sawtooth is seen");
	is_int(ct.cycles, 11, "cut every 5 samples: 11 cuts in 60");
	is_int(ct.cycle_ms, 5 * MIN_, "a cycle every 5 minutes");
	is_int(ct.troughs.nr, 11, "one trough per cut");
	is_double(ct.slope * MIN_, 2, 1e-9, "the floor climbs 2 a minute");
	is_double(ct.floor, 300 + 2 * 59, 1e-6, "the floor now: 418");
	/* Every peak (300 + 2i + 160 at i = 5k-1) carried to minute 59: 578. */
	is_double(ct.peak, 578, 1e-6, "the peaks now: 578");
	is_int(ct.time_to_limit, (int64_t)((1000 - 578) / 2.0 * MIN_), "the peaks meet 1000 in 211 minutes");
	ok(ct.p_floor < 1e-4 && ct.p_peaks < 1e-4 && ct.p < ct.p_floor && ct.r2 > 0.999,
	   "eleven rising troughs and peaks are significant, together more (p %g, %g, %g)",
	   ct.p_floor, ct.p_peaks, ct.p);
	cycle_trend_release(&ct);
	series_cycle_trend(&ct, &s, 0, 59 * MIN_, 900);
	is_double(ct.peak, 578, 1e-6, "the limit does not move the peaks");
	ok(ct.time_to_limit == (int64_t)((900 - 578) / 2.0 * MIN_), "a lower limit is met sooner");
	cycle_trend_release(&ct);
	series_cycle_trend(&ct, &s, 0, 59 * MIN_, 500);
	is_int(ct.time_to_limit, 0, "peaks already over the limit: 0");
	cycle_trend_release(&ct);
	ok(series_cycle_trend(&ct, &s, 0, 12 * MIN_, 1000) == 0 && ct.cycles == 2,
	   "two cuts are not enough (%zu)", ct.cycles);
	cycle_trend_release(&ct);
	series_release(&s);

	sawtooth(&s, 60, 0);
	ok(series_cycle_trend(&ct, &s, 0, 59 * MIN_, 1000) == 1 && ct.slope == 0 && ct.p == 1 &&
	   ct.time_to_limit == -1, "a flat sawtooth: no climb, never at the limit");
	cycle_trend_release(&ct);
	series_release(&s);

	/* Peaks that climb over a flat floor: more garbage before each cut, no leak. */
	for (size_t i = 0; i < 60; i++)
		series_add(&s, (int64_t)i * MIN_, 300 + (40.0 + (double)i) * (double)(i % 5));
	ok(series_cycle_trend(&ct, &s, 0, 59 * MIN_, 1000) == 1 && ct.slope == 0 && ct.p_floor == 1 &&
	   ct.p_peaks < 1e-4 && ct.peak_slope > 0, "growing peaks over a flat floor: only the peaks rise");
	cycle_trend_release(&ct);
	series_release(&s);

	/* Small cuts (20, 2% of the limit) are noise, however sharp. */
	for (size_t i = 0; i < 60; i++)
		series_add(&s, (int64_t)i * MIN_, 300 + 2.0 * (double)i + 5.0 * (double)(i % 5));
	ok(series_cycle_trend(&ct, &s, 0, 59 * MIN_, 1000) == 0 && ct.cycles == 0,
	   "cuts under 3%% of the limit are not a sawtooth");
	cycle_trend_release(&ct);
	series_release(&s);

	/* A straight climb has no cut at all; a cut across a gap is one. */
	for (size_t i = 0; i < 60; i++)
		if (i % 5 != 0 || i == 0)
			series_add(&s, (int64_t)i * MIN_, 300 + 2.0 * (double)i + 40.0 * (double)(i % 5));
	ok(series_cycle_trend(&ct, &s, 0, 59 * MIN_, 1000) == 1 && ct.cycles == 11 &&
	   fabs(ct.slope * MIN_ - 2) < 1e-9, "troughs one sample late across missing samples: still 2 a minute");
	cycle_trend_release(&ct);
	series_release(&s);
	for (size_t i = 0; i < 60; i++)
		series_add(&s, (int64_t)i * MIN_, 300 + 2.0 * (double)i);
	ok(series_cycle_trend(&ct, &s, 0, 59 * MIN_, 1000) == 0 && ct.cycles == 0, "a line is no sawtooth");
	cycle_trend_release(&ct);
	series_release(&s);
}

int main(void)
{
	test_robust();
	test_cycle_trend();
	test_stats();
	test_fraction_of_limit();
	test_fraction_walk();
	test_windowed_ratio();
	test_quantile();
	test_hold();
	test_fit();
	return done_testing();
}
