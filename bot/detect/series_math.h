#ifndef DETECT_SERIES_MATH_H
#define DETECT_SERIES_MATH_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

/*
 * The arithmetic of the detector over struct series (metrics.h): values
 * as a fraction of a limit, Prometheus-style `for` holds, windowed ratios,
 * quantiles, least-squares lines. Pure functions; a NAN sample is treated
 * exactly like an absent one (a source's "no value"). Output series are
 * appended to a caller-owned series (release it with series_release()).
 */

/* The number of samples with a finite value. */
size_t series_count_finite(const struct series *s);

/*
 * The value in force at time t of a step series such as a limit: the last
 * finite sample at or before t, or, before the first one, the first one
 * (a limit reported late was in force already). NAN when s has no finite
 * sample.
 */
double series_value_at(const struct series *s, int64_t t);

/*
 * usage / limit sample by sample: each finite usage sample is divided by
 * the limit in force at its time (series_value_at), so a limit that
 * changes mid-window applies from its change onwards. Samples without a
 * positive limit are left out.
 */
void series_fraction_of_limit(struct series *out, const struct series *usage,
			      const struct series *limit);

/*
 * Ratio of sums over a sliding window that widens only as far as it must:
 * at each finite sample time t of den, the window grows back from t one
 * sample at a time until it holds at least min_den in den (or would
 * reach back past t - max_width), and the point is sum(num) / sum(den)
 * over it. With plenty of traffic that is the ratio of the interval
 * itself, so a burst lasts exactly as long as it did; a quiet service
 * gets up to max_width of history. Points that cannot collect min_den
 * are left out (too few requests to say anything).
 */
void series_windowed_ratio(struct series *out, const struct series *num,
			   const struct series *den, int64_t max_width, double min_den);

/*
 * The sum and mean of the finite values in [from, to]; mean is NAN when
 * there is none.
 */
double series_sum(const struct series *s, int64_t from, int64_t to);
double series_mean(const struct series *s, int64_t from, int64_t to);
double series_max(const struct series *s, int64_t from, int64_t to);

/*
 * The q-quantile (0..1) of the finite values of s, linearly interpolated
 * between order statistics (the "type 7" rule of R and numpy). NAN when
 * s has no finite value.
 */
double series_quantile(const struct series *s, double q);
/* The same over an array, which is sorted in place. */
double quantile_sorted_inplace(double *v, size_t n, double q);

/*
 * A `for` hold, Prometheus-style: a run of consecutive samples whose value
 * is >= level. The run starts at its first sample (onset) and "fires"
 * once the condition has held for for_ms, that is at the first sample of
 * the run at or after onset + for_ms. A gap between finite samples of
 * more than max_gap breaks the run (one missed scrape is tolerated like
 * Prometheus's look-back, an outage is not); so does a sample below level.
 */
struct hold {
	int found;        /* a run held for for_ms */
	int64_t onset;    /* first sample of that run */
	int64_t fired;    /* first sample at or after onset + for_ms */
	int64_t last;     /* last sample of the run */
	double mean;      /* mean value over the run */
	double peak;      /* highest value over the run */
	size_t samples;   /* samples in the run */
	int ongoing;      /* the run reaches the last finite sample of s */
};

/*
 * Finds the first run of s that held at or above level for for_ms (gaps
 * over max_gap break a run). Returns 1 and fills *out when there is one,
 * 0 (with out->found = 0) otherwise.
 */
int series_hold(struct hold *out, const struct series *s, double level, int64_t for_ms,
		int64_t max_gap);

/*
 * Least-squares line through the finite samples of s with from <= t <= to:
 * value = intercept + slope * (t - t0), slope per millisecond. r2 is the
 * coefficient of determination (0 when the values are all equal).
 */
struct line_fit {
	int64_t t0;       /* the time intercept refers to (the first sample used) */
	double slope;     /* value per ms */
	double intercept;
	double r2;
	size_t n;
	int64_t first, last; /* times of the first and last sample used */
};

/* Returns 0, or -1 when fewer than two samples (or all at one time) are in range. */
int series_fit_line(struct line_fit *out, const struct series *s, int64_t from, int64_t to);
/* The line's value at time t. */
double line_fit_at(const struct line_fit *f, int64_t t);
/*
 * Milliseconds from time `from` until the line reaches level: 0 when it is
 * already there at `from`, -1 when it never will (slope <= 0 below level).
 */
int64_t line_fit_time_to(const struct line_fit *f, int64_t from, double level);

#endif
