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
 * are left out (too few requests to say anything). With z > 0 each
 * point is instead the Wilson lower confidence bound of that ratio at z
 * standard deviations: a rate we are that sure is at least this high.
 */
void series_windowed_ratio(struct series *out, const struct series *num,
			   const struct series *den, int64_t max_width, double min_den, double z);

/* The Wilson score lower bound of the proportion k/n at z (0 when n is 0). */
double stat_wilson_lower(double k, double n, double z);



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

/*
 * Least squares of y on x over n pairs: y = intercept + slope * x. r2 as
 * above. Returns 0, or -1 when n < 2 or x does not vary.
 */
int fit_xy(double *slope, double *intercept, double *r2, const double *x, const double *y, size_t n);

/* ---- robust trends ------------------------------------------------------ */

/*
 * Theil-Sen line of y on x over n pairs: the slope is the median of the
 * slopes between every two points with different x, the intercept the
 * median of y - slope * x. Nearly a third of the points (29%) may be
 * outliers before it moves, where least squares follows a single one. Returns 0, or -1 when no two x
 * differ. O(n^2) time and memory: meant for a few hundred points.
 */
int fit_theil_sen(double *slope, double *intercept, const double *x, const double *y, size_t n);

/*
 * One-sided Mann-Kendall test: the p-value of "y rises with its index"
 * (normal approximation with a continuity correction; ties count as
 * neither rising nor falling). 1 when n < 3 or y does not rise.
 */
double stat_mann_kendall_p(const double *y, size_t n);

/*
 * The trend under a sawtooth. A series that climbs and is cut back every
 * few minutes (a heap and its garbage collector, a disk and its vacuum
 * or compaction) fits a straight line badly even when it climbs for good;
 * what climbs is the floor each cut returns to. series_cycle_trend() cuts
 * the finite samples of s in [from, to] into cycles at their sharp drops
 * (a fall from one sample to the next of at least CYCLE_DROP_NOISE times
 * the robust spread of the sample-to-sample steps, and at least
 * CYCLE_DROP_MIN_OF_LIMIT of limit: sharper than the noise, and not
 * negligible), and fits the lowest sample after each drop (the troughs)
 * and the highest before each drop (the peaks) with Theil-Sen lines. A
 * fall over two samples in a row is one cut. Cycles not much longer
 * than the step blur into noise: the source's step must resolve them.
 *
 * Returns 1 when at least CYCLE_MIN cycles were found, and fills out:
 * the troughs' slope and the Mann-Kendall p-values of troughs, peaks and
 * both together say whether the floor climbs, and the peaks with it;
 * time_to_limit is when the peaks (their upper quartile), carried
 * forward at that slope, meet limit (the first cut that comes too late).
 * Returns 0 when s is not a sawtooth there (too few samples or drops);
 * out->cycles still says how many drops were seen. Either way out owns two series:
 * release them with cycle_trend_release().
 */
#define CYCLE_MIN 4
#define CYCLE_DROP_NOISE 3.0
#define CYCLE_DROP_MIN_OF_LIMIT 0.03
#define CYCLE_PEAK_QUANTILE 0.75

struct cycle_trend {
	size_t cycles;         /* drops seen in [from, to] */
	int64_t cycle_ms;      /* median time from one drop to the next */
	double slope;          /* value per ms: Theil-Sen slope of the troughs */
	double peak_slope;     /* value per ms: Theil-Sen slope of the peaks */
	double p;              /* Mann-Kendall p-value of "troughs and peaks rise" (their S summed) */
	double p_floor;        /* the same of the troughs alone */
	double p_peaks;        /* and of the peaks alone */
	double r2;             /* least-squares R^2 of the troughs (how straight the floor climbs) */
	double floor;          /* the troughs' line at `to` */
	double peak;           /* the peaks carried to `to` at `slope`: their upper quartile */
	int64_t time_to_limit; /* ms from `to` until peak meets limit: 0 already there, -1 never */
	struct series troughs; /* the lowest sample of each cycle that began with a drop */
	struct series peaks;   /* the highest sample of each cycle that ended with a drop */
};

int series_cycle_trend(struct cycle_trend *out, const struct series *s, int64_t from, int64_t to,
		       double limit);
void cycle_trend_release(struct cycle_trend *ct);

/* ---- significance tests ------------------------------------------------- */

/*
 * One-sided Fisher's exact test: the p-value of "the rate k2/n2 is higher
 * than k1/n1", from the hypergeometric tail (counts rounded to whole
 * requests). Exact where the z-test's normal approximation is not: on a
 * handful of failed requests it overstates significance. 1 when either
 * side has no trials or the rate after is not higher.
 */
double stat_fisher_upper_p(double k1, double n1, double k2, double n2);

/*
 * One-sided Mann-Whitney U test (normal approximation with tie correction
 * and continuity correction): the p-value of "values in b tend to be
 * larger than values in a". The arrays are not modified. 1 when either
 * side is empty.
 */
double stat_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/* The upper tail of the standard normal distribution, P(Z > z). */
double stat_normal_upper(double z);

#endif
