#ifndef DETECT_DETECT_H
#define DETECT_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * The detector: an observation and the thresholds in, findings out.
 * A pure module: no I/O, no clock ("now" is the observation's end), the
 * same input always gives the same findings in the same order. A struct
 * findings owns every string and series it points to; release it with
 * findings_release(). How each kind is decided is written up in the
 * README ("How detection works").
 */

enum finding_kind {
	FINDING_MEMORY_LEAK,      /* memory climbs towards the limit (trend, or crash-loop cycles) */
	FINDING_MEMORY_PRESSURE,  /* memory held above a fraction of the limit */
	FINDING_CPU_SATURATION,   /* CPU held above a fraction of the limit */
	FINDING_ERROR_RATE_5XX,   /* 5xx responses held above a fraction of requests */
	FINDING_ERROR_RATE_4XX,   /* 4xx likewise */
	FINDING_LATENCY,          /* p95 held above a level in ms */
	FINDING_DEPLOYMENT_FAILED,  /* the newest deployment's build or pre-deploy step failed */
	FINDING_DEPLOYMENT_CRASHED, /* the current deployment crashed */
	FINDING_DEPLOYMENT_STUCK,   /* a deployment BUILDING or DEPLOYING for longer than stuck_after */
	FINDING_DISK_FILLING,     /* a volume's usage climbs towards its size (trend, under compactions too) */
	FINDING_DISK_PRESSURE,    /* a volume's usage held above a fraction of its size */
	FINDING_KIND__COUNT
};

/*
 * "memory_leak", "memory_pressure", "cpu_saturation", "error_rate_5xx",
 * "error_rate_4xx", "latency", "deployment_failed", "deployment_crashed",
 * "deployment_stuck", "disk_filling", "disk_pressure".
 */
const char *finding_kind_name(enum finding_kind k);
/* Returns 0 and sets *out, or BOT_ENOTFOUND. */
int finding_kind_from_name(enum finding_kind *out, const char *name);

enum severity {
	SEVERITY_NONE,      /* healthy; never in a finding */
	SEVERITY_WARNING,
	SEVERITY_CRITICAL,
};

/* "none", "warning", "critical". */
const char *severity_name(enum severity s);
/* Returns 0 and sets *out, or BOT_ENOTFOUND. */
int severity_from_name(enum severity *out, const char *name);

/* What a figure is measured in. */
enum figure_unit {
	FIGURE_FRACTION,  /* 0..1 of the limit (cpu, memory) or of requests (error rates) */
	FIGURE_MS,        /* latency, or a duration (time to the limit) */
	FIGURE_BYTES,
	FIGURE_RATIO,     /* after/before, for a regression against the baseline */
	FIGURE_COUNT,     /* how many (restarts) */
};

/* "fraction", "ms", "bytes", "ratio", "count". */
const char *figure_unit_name(enum figure_unit u);
/* Returns 0 and sets *out, or BOT_ENOTFOUND. */
int figure_unit_from_name(enum figure_unit *out, const char *name);

/*
 * Appends v for people, by unit, in util/human.h's style: "7.9%", "650ms",
 * "2h44m", "512 MiB", "x9.3" for a ratio and "5" for a count; "-" when v
 * is NaN (no data).
 */
void detect_add_figure(struct strbuf *sb, double v, enum figure_unit u);

/* Why a finding was raised: by a level held for `for`, by a trend, or against the baseline. */
enum finding_method {
	METHOD_THRESHOLD,   /* a level held through the `for` duration */
	METHOD_TREND,       /* memory, disk: fitted line reaches the limit within the horizon */
	METHOD_CRASH_LOOP,  /* memory: repeated climbs to the limit with resets */
	METHOD_REGRESSION,  /* a signal significantly worse after a deployment than before */
	METHOD_SEASONAL,    /* a level never seen at the same hours on earlier days */
	METHOD_STATUS,      /* the source's deployment status (FAILED, CRASHED, still BUILDING) */
};

/* "threshold", "trend", "crash_loop", "regression", "seasonal", "status". */
const char *finding_method_name(enum finding_method m);

/* Trend details of a memory_leak or disk_filling finding (zero otherwise). */
struct leak_detail {
	double slope;             /* bytes per hour, least squares over the fitted part */
	double r2;                /* goodness of that fit, 0..1 */
	double limit;             /* the memory limit (the volume's size) at the end of the window, bytes */
	int64_t time_to_limit;    /* ms from the end of the window until the line meets the limit; 0: already there */
	int cycles;               /* crash loop: climbs seen that ended in a reset; under a collector's
				   * sawtooth: its cuts in the window; 0 for a plain trend */
	int64_t cycle_ms;         /* crash loop or sawtooth: median length of a cycle */
};

/* Baseline-regression details (zero otherwise); for a seasonal finding "before" is the earlier days. */
struct regression_detail {
	double before;            /* the figure before the deployment (rate, or median p95 ms) */
	double after;             /* after it */
	double ratio;             /* after / before (before floored to avoid dividing by zero) */
	double p_value;           /* of the significance test */
	int64_t n_before, n_after;/* requests (rates) or samples (latency) on each side */
};

/*
 * One problem of one service. `observed` and `threshold` are in `unit`:
 * for a threshold finding the figure that held and the level it held
 * above; for a trend leak the forecast time to the limit and the horizon
 * (ms); for a regression the after/before ratio and the configured ratio;
 * for a seasonal finding the ratio to the same hours on earlier days.
 */
struct finding {
	char *service;
	enum finding_kind kind;
	enum severity severity;
	enum finding_method method;
	double observed;
	double threshold;
	enum figure_unit unit;
	int64_t onset;            /* ms: when the condition first began to hold */
	int64_t detected;         /* ms: when the rule would first have fired (onset + for, or the first
				   * time the trend qualified); detected - onset is the detection delay */
	int ongoing;              /* the condition still holds at the end of the window */
	char *deployment;         /* id of the deployment in the window the problem began after, or NULL */
	char *subject;            /* deployment kinds: the commit (else the deployment id) the finding is
				   * about, part of the fingerprint; NULL for the other kinds */
	int64_t deployment_at;    /* its time (ms), 0 when deployment is NULL */
	/* The evidence: the signal as evaluated, in evidence_unit, drawn against evidence_level. */
	enum metric evidence_metric;  /* which observed metric it derives from */
	enum figure_unit evidence_unit;
	double evidence_level;
	struct series evidence;   /* a copy, owned by the finding */
	double confidence;        /* 0..1 */
	char *reason;             /* why that confidence: "5xx 7.9% for 14m, 5,210 requests" */
	char fingerprint[17];     /* 16 hex digits, a hash of "service\0kind" (deployment kinds: and
				   * "\0commit", so that one broken commit is one finding): stable across runs */
	char *summary;            /* one human line */
	struct leak_detail leak;
	struct regression_detail regression;
};

/* The figures of one service over the window, for the scan's one line per service. NAN: no data. */
struct service_summary {
	char *name;
	double memory_peak, memory_avg;    /* fraction of the limit */
	double memory_peak_bytes;
	double memory_limit_bytes;         /* at the end of the window */
	double cpu_peak, cpu_avg;          /* fraction of the limit */
	double cpu_limit;                  /* vCPU at the end of the window */
	double requests;                   /* total requests in the window */
	double rate_5xx, rate_4xx;         /* over the whole window; NAN without requests */
	double p95_ms;                     /* median of the p95 samples */
	double p95_max_ms;
	size_t samples;                    /* memory samples seen (a coverage hint) */
	/* Its volume, when it has one (NAN otherwise): */
	double disk_bytes;                 /* used at the end of the window */
	double disk_limit_bytes;           /* the volume's size at the end of the window */
	double disk_peak;                  /* fraction of the size */
	double disk_per_hour;              /* trend: least-squares bytes per hour over the window */
	char *volume;                      /* its name and mount path, or NULL */
	char *mount_path;
	enum severity worst;               /* the worst finding of this service, SEVERITY_NONE when healthy */
	size_t findings;                   /* how many findings it has */
};

/* 1 when the service has a volume the scan saw (a name, a size or a usage), else 0. */
int service_summary_has_volume(const struct service_summary *s);

struct findings {
	struct finding *items;             /* services in observation order, kinds in enum order */
	size_t nr, alloc;
	struct service_summary *services;  /* one per observed service, in observation order */
	size_t services_nr, services_alloc;
};

#define FINDINGS_INIT { NULL, 0, 0, NULL, 0, 0 }

void findings_init(struct findings *f);
/* Frees everything f owns and leaves it empty (initialised). */
void findings_release(struct findings *f);

/*
 * The thresholds that apply to a service called name: the `services:`
 * entry whose name (or deployed_as) matches, else the project-wide ones.
 * Never NULL.
 */
const struct threshold *detect_thresholds_for(const struct config *cfg, const char *name);

/*
 * Runs every rule over every service of obs with the thresholds of cfg
 * (per service through detect_thresholds_for(), plus cfg->leak and
 * cfg->regression). Services disabled in cfg are summarised but not
 * judged. out must be initialised; findings and summaries are appended.
 * Returns the number of findings (>= 0), or BOT_EINVALID when obs is
 * unusable (end not after start), leaving out unchanged.
 */
int detect_run(struct findings *out, const struct observation *obs, const struct config *cfg);

/* Writes the 16-hex-digit fingerprint of (service, kind) into out (17 bytes). */
void finding_fingerprint(char out[17], const char *service, enum finding_kind kind);
/*
 * The same for a finding about one thing of the service (a deployment
 * kind's commit): a hash of "service\0kind\0key"; key NULL is
 * finding_fingerprint().
 */
void finding_fingerprint_keyed(char out[17], const char *service, enum finding_kind kind,
			       const char *key);

/*
 * JSON form, what the journal stores and `scan --json` prints:
 *   { "findings": [ { "service", "kind", "severity", "method", "fingerprint", "summary",
 *                     "observed", "threshold", "unit", "onset", "detected", "ongoing",
 *                     "deployment": {"id","at"} | null, "subject" (deployment kinds only),
 *                     "confidence", "reason",
 *                     "evidence": { "metric", "unit", "level", "points": [[epoch s, v], ...] },
 *                     "leak": {...} (memory_leak and disk_filling only),
 *                     "regression": {...} (when compared with a baseline) } ],
 *     "services": [ { "name", "memory_peak", ..., "worst", "findings",
 *                     "volume": { "name", "mount_path", "used_bytes", "size_bytes", "peak",
 *                                 "bytes_per_hour" } (only with a volume) } ] }
 * Times are RFC 3339 strings; NAN figures are null. The caller owns the result.
 */
struct json *findings_to_json(const struct findings *f);
/* One finding's object in that form (an item of "findings"). */
struct json *finding_to_json(const struct finding *f);
/*
 * Reads that form into out (initialised by the caller; items are appended).
 * On a malformed document returns BOT_EINVALID naming the JSON path, and
 * leaves out released.
 */
int findings_from_json(struct findings *out, const struct json *root);

#endif
