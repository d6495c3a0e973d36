#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/series_math.h"
#include "util/xalloc.h"
#include "util/banned.h"

size_t series_count_finite(const struct series *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nr; i++)
		if (isfinite(s->items[i].v))
			n++;
	return n;
}

double series_value_at(const struct series *s, int64_t t)
{
	double v = NAN;
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (!isfinite(s->items[i].v))
			continue;
		if (s->items[i].t > t && !isnan(v))
			break;
		v = s->items[i].v;
		if (s->items[i].t >= t)
			break;
	}
	return v;
}

/*
 * series_value_at(limit, t) for each usage time t in one walk over limit
 * rather than one per sample (a limit is reported every minute too: that
 * was quadratic). j is the first finite limit sample at or after the
 * previous time, before the last finite value ahead of it; a time earlier
 * than the previous one (an unsorted usage series) starts the walk again.
 */
void series_fraction_of_limit(struct series *out, const struct series *usage,
			      const struct series *limit)
{
	size_t i, j = 0;
	double before = NAN;
	int64_t prev = INT64_MIN;

	for (i = 0; i < usage->nr; i++) {
		const struct sample *u = &usage->items[i];
		double lim;

		if (!isfinite(u->v))
			continue;
		if (u->t < prev) {
			j = 0;
			before = NAN;
		}
		prev = u->t;
		while (j < limit->nr && (!isfinite(limit->items[j].v) || limit->items[j].t < u->t)) {
			if (isfinite(limit->items[j].v))
				before = limit->items[j].v;
			j++;
		}
		lim = before;
		if (j < limit->nr && (limit->items[j].t == u->t || isnan(before)))
			lim = limit->items[j].v;
		if (!(lim > 0))
			continue;
		series_add(out, u->t, u->v / lim);
	}
}

/* Sum of the finite values with lo < t <= hi. */
static double sum_open_closed(const struct series *s, int64_t lo, int64_t hi)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->items[i].t > lo && s->items[i].t <= hi && isfinite(s->items[i].v))
			sum += s->items[i].v;
	return sum;
}

void series_windowed_ratio(struct series *out, const struct series *num,
			   const struct series *den, int64_t max_width, double min_den, double z)
{
	size_t i;

	for (i = 0; i < den->nr; i++) {
		int64_t t = den->items[i].t, lo = t;
		double d = 0, n;
		size_t j = i + 1;

		if (!isfinite(den->items[i].v))
			continue;
		while (j-- > 0 && den->items[j].t > t - max_width) {
			if (!isfinite(den->items[j].v))
				continue;
			d += den->items[j].v;
			lo = den->items[j].t;
			if (d >= min_den)
				break;
		}
		if (d < min_den || d <= 0)
			continue;
		n = sum_open_closed(num, lo - 1, t);
		series_add(out, t, z > 0 ? stat_wilson_lower(n, d, z) : n / d);
	}
}

double stat_wilson_lower(double k, double n, double z)
{
	double p, z2, centre, spread;

	if (!(n > 0))
		return 0;
	p = k / n;
	z2 = z * z;
	centre = p + z2 / (2 * n);
	spread = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
	p = (centre - spread) / (1 + z2 / n);
	return p > 0 ? p : 0;
}

double series_sum(const struct series *s, int64_t from, int64_t to)
{
	return sum_open_closed(s, from - 1, to);
}

double series_mean(const struct series *s, int64_t from, int64_t to)
{
	double sum = 0;
	size_t i, n = 0;

	for (i = 0; i < s->nr; i++)
		if (s->items[i].t >= from && s->items[i].t <= to && isfinite(s->items[i].v)) {
			sum += s->items[i].v;
			n++;
		}
	return n ? sum / (double)n : NAN;
}

double series_max(const struct series *s, int64_t from, int64_t to)
{
	double m = NAN;
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->items[i].t >= from && s->items[i].t <= to && isfinite(s->items[i].v) &&
		    (isnan(m) || s->items[i].v > m))
			m = s->items[i].v;
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double quantile_sorted_inplace(double *v, size_t n, double q)
{
	double h;
	size_t lo;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	h = q * (double)(n - 1);
	lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

double series_quantile(const struct series *s, double q)
{
	double *v = xmalloc((s->nr ? s->nr : 1) * sizeof(*v)), r;
	size_t i, n = 0;

	for (i = 0; i < s->nr; i++)
		if (isfinite(s->items[i].v))
			v[n++] = s->items[i].v;
	r = quantile_sorted_inplace(v, n, q);
	free(v);
	return r;
}

int series_hold(struct hold *out, const struct series *s, double level, int64_t for_ms,
		int64_t max_gap)
{
	int64_t prev_t = 0, last_finite = 0;
	int in_run = 0, have_prev = 0;
	struct hold run;
	double sum = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&run, 0, sizeof(run));
	for (i = 0; i < s->nr; i++)
		if (isfinite(s->items[i].v))
			last_finite = s->items[i].t;

	for (i = 0; i < s->nr; i++) {
		const struct sample *p = &s->items[i];

		if (!isfinite(p->v))
			continue;
		if (in_run && have_prev && p->t - prev_t > max_gap) {
			if (run.found)
				break;
			in_run = 0;
		}
		have_prev = 1;
		prev_t = p->t;
		if (p->v < level) {
			if (run.found)
				break;
			in_run = 0;
			continue;
		}
		if (!in_run) {
			memset(&run, 0, sizeof(run));
			run.onset = p->t;
			run.peak = p->v;
			sum = 0;
			in_run = 1;
		}
		run.last = p->t;
		run.samples++;
		sum += p->v;
		if (p->v > run.peak)
			run.peak = p->v;
		if (!run.found && p->t - run.onset >= for_ms) {
			run.found = 1;
			run.fired = p->t;
		}
	}
	if (!run.found)
		return 0;
	run.mean = sum / (double)run.samples;
	run.ongoing = run.last == last_finite;
	*out = run;
	return 1;
}

int series_fit_line(struct line_fit *out, const struct series *s, int64_t from, int64_t to)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, n = 0, mx, my, vx, vy, cxy;
	int64_t t0 = 0, first = 0, last = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->nr; i++) {
		const struct sample *p = &s->items[i];
		double x;

		if (p->t < from || p->t > to || !isfinite(p->v))
			continue;
		if (n == 0)
			t0 = first = p->t;
		last = p->t;
		/* Times relative to the first sample keep the sums well conditioned. */
		x = (double)(p->t - t0);
		sx += x;
		sy += p->v;
		sxx += x * x;
		sxy += x * p->v;
		syy += p->v * p->v;
		n++;
	}
	if (n < 2)
		return -1;
	mx = sx / n;
	my = sy / n;
	vx = sxx / n - mx * mx;
	vy = syy / n - my * my;
	cxy = sxy / n - mx * my;
	if (!(vx > 0))
		return -1;
	out->t0 = t0;
	out->first = first;
	out->last = last;
	out->n = (size_t)n;
	out->slope = cxy / vx;
	out->intercept = my - out->slope * mx;
	/* Relative to the spread of the values, cancellation noise is not variance. */
	if (vy > 1e-12 * (my * my + 1e-300))
		out->r2 = (cxy * cxy) / (vx * vy);
	else
		out->r2 = 0;
	if (out->r2 > 1)
		out->r2 = 1;
	return 0;
}

double line_fit_at(const struct line_fit *f, int64_t t)
{
	return f->intercept + f->slope * (double)(t - f->t0);
}

int64_t line_fit_time_to(const struct line_fit *f, int64_t from, double level)
{
	double now = line_fit_at(f, from), ms;

	if (now >= level)
		return 0;
	if (!(f->slope > 0))
		return -1;
	ms = (level - now) / f->slope;
	if (ms > 9e15)
		return -1;
	return (int64_t)ceil(ms);
}

int fit_xy(double *slope, double *intercept, double *r2, const double *x, const double *y, size_t n)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, mx, my, vx, vy, cxy, dn = (double)n;
	size_t i;

	if (n < 2)
		return -1;
	for (i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
	}
	mx = sx / dn;
	my = sy / dn;
	/* Centred sums: no cancellation when x or y sit far from zero. */
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
		syy += (y[i] - my) * (y[i] - my);
	}
	vx = sxx / dn;
	vy = syy / dn;
	cxy = sxy / dn;
	if (!(vx > 0))
		return -1;
	*slope = cxy / vx;
	*intercept = my - *slope * mx;
	*r2 = vy > 0 ? (cxy * cxy) / (vx * vy) : 0;
	if (*r2 > 1)
		*r2 = 1;
	return 0;
}

double stat_normal_upper(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

static double log_choose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

double stat_fisher_upper_p(double k1, double n1, double k2, double n2)
{
	double a = round(k1), b = round(n1), c = round(k2), d = round(n2);
	double K, N, top, base, sum = 0, x;

	if (!(b > 0) || !(d > 0))
		return 1;
	a = a < 0 ? 0 : a > b ? b : a;
	c = c < 0 ? 0 : c > d ? d : c;
	if (c * b <= a * d)
		return 1;
	K = a + c;
	N = b + d;
	top = K < d ? K : d;
	base = log_choose(N, d);
	/*
	 * P(X >= c) for X ~ Hypergeometric(N, K, d). c is above the mean, so
	 * past the mode the terms only shrink: stop once they no longer count.
	 */
	for (x = c; x <= top; x++) {
		double t = exp(log_choose(K, x) + log_choose(N - K, d - x) - base);
		sum += t;
		if (t < sum * 1e-17)
			break;
	}
	return sum < 1 ? sum : 1;
}

struct ranked {
	double v;
	int side; /* 0: a, 1: b */
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	return (a->v > b->v) - (a->v < b->v);
}

double stat_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, i, j;
	struct ranked *r;
	double rank_b = 0, ties = 0, u, mean, var, dn = (double)n;

	if (!na || !nb)
		return 1;
	r = xmalloc(n * sizeof(*r));
	for (i = 0; i < na; i++)
		r[i] = (struct ranked){ a[i], 0 };
	for (i = 0; i < nb; i++)
		r[na + i] = (struct ranked){ b[i], 1 };
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 0; i < n; i = j) {
		double avg, t;
		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		/* Ranks i+1..j share their average. */
		avg = ((double)(i + 1) + (double)j) / 2.0;
		t = (double)(j - i);
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (r[k].side)
				rank_b += avg;
	}
	free(r);
	u = rank_b - (double)nb * ((double)nb + 1) / 2.0;
	mean = (double)na * (double)nb / 2.0;
	var = (double)na * (double)nb / 12.0 * ((dn + 1) - ties / (dn * (dn - 1)));
	if (!(var > 0))
		return 1;
	return stat_normal_upper((u - mean - 0.5) / sqrt(var));
}

/* ---- robust trends ------------------------------------------------------ */

int fit_theil_sen(double *slope, double *intercept, const double *x, const double *y, size_t n)
{
	double *v;
	size_t i, j, m = 0;

	if (n < 2)
		return -1;
	v = xmalloc((n * (n - 1) / 2 > n ? n * (n - 1) / 2 : n) * sizeof(*v));
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (x[j] != x[i])
				v[m++] = (y[j] - y[i]) / (x[j] - x[i]);
	if (!m) {
		free(v);
		return -1;
	}
	*slope = quantile_sorted_inplace(v, m, 0.5);
	for (i = 0; i < n; i++)
		v[i] = y[i] - *slope * x[i];
	*intercept = quantile_sorted_inplace(v, n, 0.5);
	free(v);
	return 0;
}

/* Kendall's S of y against its index, and its variance under "no trend". */
static double mann_kendall_s(double *var, const double *y, size_t n)
{
	double s = 0, dn = (double)n;
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			s += (y[j] > y[i]) - (y[j] < y[i]);
	*var = dn * (dn - 1) * (2 * dn + 5) / 18;
	return s;
}

/* P(S >= s) for S of variance var, with the continuity correction. */
static double mann_kendall_upper(double s, double var)
{
	if (!(s > 0) || !(var > 0))
		return 1;
	return stat_normal_upper((s - 1) / sqrt(var));
}

double stat_mann_kendall_p(const double *y, size_t n)
{
	double var, s;

	if (n < 3)
		return 1;
	s = mann_kendall_s(&var, y, n);
	return mann_kendall_upper(s, var);
}

/* Index of the lowest (sign 1) or highest (sign -1) of v[lo..hi]. */
static size_t arg_extreme(const double *v, size_t lo, size_t hi, int sign)
{
	size_t i, best = lo;

	for (i = lo + 1; i <= hi; i++)
		if (sign * v[i] < sign * v[best])
			best = i;
	return best;
}

int series_cycle_trend(struct cycle_trend *out, const struct series *s, int64_t from, int64_t to,
		       double limit)
{
	double *t, *v, *d, *x, *y, drop, icpt, med, mad, s_floor, var_floor;
	size_t i, j, n = 0, nb = 0, *b;
	int64_t t0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->time_to_limit = -1;
	out->p = out->p_floor = out->p_peaks = 1;
	t = xmalloc((s->nr + 1) * sizeof(*t));
	v = xmalloc((s->nr + 1) * sizeof(*v));
	d = xmalloc((s->nr + 1) * sizeof(*d));
	b = xmalloc((s->nr + 1) * sizeof(*b));
	for (i = 0; i < s->nr; i++)
		if (s->items[i].t >= from && s->items[i].t <= to && isfinite(s->items[i].v)) {
			t[n] = (double)s->items[i].t;
			v[n++] = s->items[i].v;
		}
	if (n < 2 * CYCLE_MIN)
		goto out;
	t0 = (int64_t)t[0];

	/*
	 * How far a step from one sample to the next strays from the usual
	 * one: the MAD of the steps, which the ramp's steady climb does not
	 * inflate and a few drops cannot (they are the outliers sought).
	 */
	for (i = 1; i < n; i++)
		d[i - 1] = v[i] - v[i - 1];
	med = quantile_sorted_inplace(d, n - 1, 0.5);
	for (i = 1; i < n; i++)
		d[i - 1] = fabs(v[i] - v[i - 1] - med);
	mad = 1.4826 * quantile_sorted_inplace(d, n - 1, 0.5);
	drop = CYCLE_DROP_NOISE * mad;
	if (limit > 0 && drop < CYCLE_DROP_MIN_OF_LIMIT * limit)
		drop = CYCLE_DROP_MIN_OF_LIMIT * limit;
	if (!(drop > 0))
		goto out;
	/* A fall spread over two samples is one cut, not two cycles. */
	for (i = 1; i < n; i++)
		if (v[i - 1] - v[i] >= drop && (!nb || i - b[nb - 1] >= 2))
			b[nb++] = i;
	out->cycles = nb;
	if (nb < CYCLE_MIN)
		goto out;

	for (j = 0; j + 1 < nb; j++)
		d[j] = t[b[j + 1]] - t[b[j]];
	out->cycle_ms = (int64_t)quantile_sorted_inplace(d, nb - 1, 0.5);
	for (j = 0; j < nb; j++) {
		size_t lo = arg_extreme(v, b[j], j + 1 < nb ? b[j + 1] - 1 : n - 1, 1);
		size_t hi = arg_extreme(v, j ? b[j - 1] : 0, b[j] - 1, -1);
		series_add(&out->troughs, (int64_t)t[lo], v[lo]);
		series_add(&out->peaks, (int64_t)t[hi], v[hi]);
	}

	x = xmalloc(nb * sizeof(*x));
	y = xmalloc(nb * sizeof(*y));
	for (j = 0; j < nb; j++) {
		x[j] = (double)(out->troughs.items[j].t - t0);
		y[j] = out->troughs.items[j].v;
	}
	s_floor = mann_kendall_s(&var_floor, y, nb);
	out->p_floor = mann_kendall_upper(s_floor, var_floor);
	if (fit_theil_sen(&out->slope, &icpt, x, y, nb) == 0) {
		double ls_slope, ls_icpt, s_peaks, var_peaks;
		out->floor = icpt + out->slope * (double)(to - t0);
		if (fit_xy(&ls_slope, &ls_icpt, &out->r2, x, y, nb) < 0)
			out->r2 = 0;
		for (j = 0; j < nb; j++) {
			x[j] = (double)(out->peaks.items[j].t - t0);
			y[j] = out->peaks.items[j].v;
		}
		if (fit_theil_sen(&out->peak_slope, &icpt, x, y, nb) < 0)
			out->peak_slope = 0;
		/* Troughs and peaks are two samples of one climb: their S add up. */
		s_peaks = mann_kendall_s(&var_peaks, y, nb);
		out->p_peaks = mann_kendall_upper(s_peaks, var_peaks);
		out->p = mann_kendall_upper(s_floor + s_peaks, var_floor + var_peaks);
		/*
		 * Each peak carried to `to` along the floor. A sample rarely
		 * falls on the very top of a cycle, so the peaks seen are low
		 * by up to a step's climb: the upper quartile, not the median.
		 */
		for (j = 0; j < nb; j++)
			y[j] = out->peaks.items[j].v +
			       out->slope * (double)(to - out->peaks.items[j].t);
		out->peak = quantile_sorted_inplace(y, nb, CYCLE_PEAK_QUANTILE);
		if (!(limit > 0))
			out->time_to_limit = -1;
		else if (out->peak >= limit)
			out->time_to_limit = 0;
		else if (out->slope > 0 && (limit - out->peak) / out->slope <= 9e15)
			out->time_to_limit = (int64_t)ceil((limit - out->peak) / out->slope);
		ret = 1;
	}
	free(x);
	free(y);
out:
	free(t);
	free(v);
	free(d);
	free(b);
	return ret;
}

void cycle_trend_release(struct cycle_trend *ct)
{
	series_release(&ct->troughs);
	series_release(&ct->peaks);
}
