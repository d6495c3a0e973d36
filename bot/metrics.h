#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/json.h"

/*
 * What a source observed over the analysis window: the detector's input and
 * the observe step's journaled result. Sources (bot/source/) fill it in,
 * the detector (bot/detect/) reads it, and the scenario corpus
 * (tests/scenarios/) stores it as JSON in the format of
 * observation_to_json(). A struct observation owns everything it points to.
 *
 * Units are fixed here so that no module guesses: times in milliseconds
 * since the epoch (UTC); CPU in vCPU; memory in bytes; requests as counts
 * per sample interval; latency in milliseconds; disk (a volume's usage and
 * size) in bytes. A missing sample is
 * absent, or NAN where a source reports "no value".
 */

enum metric {
	METRIC_CPU,          /* vCPU in use */
	METRIC_CPU_LIMIT,    /* vCPU allowed */
	METRIC_MEMORY,       /* bytes in use */
	METRIC_MEMORY_LIMIT, /* bytes allowed */
	METRIC_REQUESTS,     /* HTTP requests in the interval, every status */
	METRIC_REQUESTS_5XX, /* of which answered 5xx */
	METRIC_REQUESTS_4XX, /* of which answered 4xx */
	METRIC_LATENCY_P95,  /* 95th percentile of response time, ms */
	METRIC_RESTARTS,     /* container restarts in the interval (Prometheus's `restarts` template) */
	METRIC_DISK,         /* bytes used on the service's volume */
	METRIC_DISK_LIMIT,   /* the volume's size, bytes */
	METRIC__COUNT
};

/*
 * "cpu", "cpu_limit", "memory", "memory_limit", "requests", "requests_5xx",
 * "requests_4xx", "latency_p95", "restarts", "disk", "disk_limit".
 */
const char *metric_name(enum metric m);
/* Returns 0 and sets *out, or BOT_ENOTFOUND. */
int metric_from_name(enum metric *out, const char *name);

struct sample {
	int64_t t; /* ms since the epoch */
	double v;
};

/* A time series in increasing time order. */
struct series {
	struct sample *items;
	size_t nr, alloc;
};

#define SERIES_INIT { NULL, 0, 0 }
void series_add(struct series *s, int64_t t, double v);
void series_release(struct series *s);
/*
 * Sorts by time and drops exact duplicates of a timestamp (the last value
 * wins): a repeated timestamp is the source saying the same sample again,
 * never a second sample to add, for gauges and counts per step alike.
 */
void series_normalise(struct series *s);
/* 1 when s has a sample with a finite value in [start, end], else 0. */
int series_has_data(const struct series *s, int64_t start, int64_t end);

/*
 * Sample intake: the one door through which a source's sample enters a
 * series, so that every source judges a value the same way.
 *
 * v is the value already in this file's units, or NAN when the source
 * says "no value" (a JSON null, Prometheus's "NaN"): that is kept as a
 * gap. A value that cannot be a measurement of m is bad: infinite,
 * negative, or above metric_max(m) (a p95 of 1e308 ms, say); so is a
 * time before the epoch or after the year 9999. A bad sample is dropped
 * and counted in *bad, which the scan reports. Returns 0 when the sample
 * was added, 1 when it was dropped.
 */
int metric_intake(struct series *s, size_t *bad, enum metric m, int64_t t, double v);
/*
 * The same for a sample as JSON, as the sources read it: the time t in
 * seconds since the epoch (a JSON number), the value v a JSON number
 * multiplied by scale; null or absent is no value (a gap); a string, a
 * boolean or anything else is bad. A time that is not a number, or is
 * out of range, is bad too.
 */
int metric_intake_json(struct series *s, size_t *bad, enum metric m, const struct json *t,
		       const struct json *v, double scale);
/* Seconds since the epoch to ms: -1 when not finite or outside 1970..9999. */
int metric_time_ms(int64_t *out, double seconds);
/* The largest value of m that intake accepts (in this file's units). */
double metric_max(enum metric m);
/*
 * Reads a value written as text, as Prometheus sends every value: decimal
 * float syntax only ([+-]digits[.digits][e[+-]digits], or .digits). "NaN"
 * sets *out to NAN (no value) and returns 0; anything else that is not
 * that syntax ("0x10", "Inf", "+Inf", "", " 1") returns -1: the caller
 * counts it as a bad sample. A finite number too large for a double
 * comes back infinite, which metric_intake() refuses.
 */
int metric_parse_decimal(double *out, const char *s);

struct deployment {
	char *id;
	int64_t at;       /* when it was created (ms) */
	char *status;     /* the source's word: SUCCESS, FAILED, CRASHED, REMOVED... */
	char *commit;     /* commit sha, or NULL */
	char *message;    /* commit message or description, or NULL */
};

struct service_metrics {
	char *name;       /* the service's name in .autofix.yml, else its name at the source */
	char *source_id;  /* its id at the source, or NULL */
	char *repo;       /* "owner/name" the source builds it from, or NULL */
	char *root_dir;   /* directory of its code in that repository, or NULL */
	int replicas;     /* 0 when unknown */
	/*
	 * The persistent volume mounted in it (Railway allows one per service;
	 * Prometheus sums a service's volumes): its name and mount path, or
	 * NULL. Its usage and size are METRIC_DISK and METRIC_DISK_LIMIT.
	 */
	char *volume;
	char *mount_path;
	struct series series[METRIC__COUNT];
	/*
	 * The same metrics at the same hours on earlier days (the fetched
	 * range shifted back by 1..detect.regression.seasonal_days days), with
	 * their own timestamps: how this service usually behaves at this time
	 * of day. Empty when the source was not asked or cannot go back.
	 */
	struct series seasonal[METRIC__COUNT];
	struct deployment *deployments; /* increasing time order */
	size_t deployments_nr, deployments_alloc;
	/* Samples the source sent that metric_intake() refused (series and seasonal). */
	size_t bad_samples;
};

struct observation {
	char *source;     /* "railway", "prometheus", "scenario" */
	char *project;    /* project name or id, or NULL */
	char *environment;
	int64_t start, end, step; /* the window and the sample interval, ms */
	struct service_metrics *services;
	size_t services_nr, services_alloc;
	/* What it cost to observe (reported by the scan). */
	int64_t requests;
	int64_t bytes;
};

/* Bad samples of every service (see metric_intake()). */
size_t observation_bad_samples(const struct observation *obs);
/*
 * 1 when svc has usable data for the signal that metric m measures over
 * [obs->start, obs->end]: a finite sample of m in the window. The signals
 * a scan reports are METRIC_MEMORY, METRIC_CPU, METRIC_REQUESTS and
 * METRIC_LATENCY_P95 (OBSERVATION_SIGNALS, in this order).
 */
int observation_service_has(const struct observation *obs, const struct service_metrics *svc, enum metric m);
#define OBSERVATION_SIGNALS_NR 4
extern const enum metric observation_signals[OBSERVATION_SIGNALS_NR];
/* 1 when svc has usable data for none of the signals: the scan did not see it at all. */
int observation_service_unseen(const struct observation *obs, const struct service_metrics *svc);
/*
 * The recent part of the window: its last quarter, at least three
 * samples long. A service that sends nothing there may be down.
 */
int64_t observation_recent_from(const struct observation *obs);
/* 1 when svc has usable data for some signal in the recent part of the window. */
int observation_service_recent(const struct observation *obs, const struct service_metrics *svc);
/*
 * 1 when svc went silent: a signal sampled at least three times in the
 * window, nothing in its recent part, and its newest deployment is not
 * SLEEPING (an app asleep sends nothing). A crash looks like this; it is
 * "no data", never healthy.
 */
int observation_service_silent(const struct observation *obs, const struct service_metrics *svc);

void observation_init(struct observation *obs);
void observation_release(struct observation *obs);
/* Appends an empty service with a copy of name; the pointer is valid until the next append. */
struct service_metrics *observation_add_service(struct observation *obs, const char *name);
/* The service called name, or NULL. */
const struct service_metrics *observation_find_service(const struct observation *obs, const char *name);
/* Appends a deployment (strings copied; NULL allowed except id). */
void service_add_deployment(struct service_metrics *svc, const char *id, int64_t at,
			    const char *status, const char *commit, const char *message);

/*
 * JSON form (the journal's result of the observe step, and the scenario format):
 *
 *   { "source": "railway", "project": "...", "environment": "production",
 *     "start": "2026-11-28T09:30:00Z", "end": "2026-11-28T10:00:00Z", "step_s": 60,
 *     "requests": 2, "bytes": 51234,
 *     "services": [ { "name": "api", "source_id": "...", "repo": "o/r", "root_dir": "services/api",
 *                     "replicas": 1, "bad_samples": 2,   (optional)
 *                     "volume": { "name": "pg-data", "mount_path": "/var/lib/postgresql/data" },   (optional)
 *                     "series": { "memory": [[1795858200, 1.2e8], [1795858260, null], ...], ... },
 *                     "seasonal": { "memory": [[1795771800, 1.1e8], ...], ... },   (optional)
 *                     "deployments": [ { "id": "d-42", "at": "2026-11-28T09:40:00Z",
 *                                        "status": "SUCCESS", "commit": "abc", "message": "..." } ] } ] }
 *
 * Series are [epoch seconds (may be fractional), value or null] pairs;
 * only present series are written; "seasonal" holds the earlier days'
 * samples at their own times and is written only when there are any.
 */
struct json *observation_to_json(const struct observation *obs);
/*
 * The same with each series as one string, for the journal: a tree of
 * three JSON nodes per sample costs about 250 bytes a sample, which made
 * a scan of 1000 Prometheus services take 440 MB. The string is the
 * samples separated by spaces, each "T:V" where its time is T ms after
 * the previous sample's (after 0 for the first) or "V" when it is the
 * same T after it again; V is the value as strtod(3) reads it back
 * exactly: a decimal when it has at most 6 decimals, else a C99 hex float
 * ("0x1.5555555555555p-2"), "n" for no value ("1795858200000:0.5 60000:0.25
 * 0.3 n" is 0.5, 0.25, 0.3 and a gap a minute apart). Journals of older
 * versions hold %.15g or %.17g decimals, which read the same way.
 * observation_from_json() reads either form.
 */
struct json *observation_to_json_compact(const struct observation *obs);
/*
 * The compact form, releasing each service's series once written, so
 * that a large observation is not held twice; obs keeps its services
 * with empty series (release it afterwards).
 */
struct json *observation_give_json(struct observation *obs);
/*
 * Reads the JSON form into obs (initialised by the caller). On a malformed
 * document returns BOT_EINVALID with the JSON path in the message and
 * leaves obs released.
 */
int observation_from_json(struct observation *obs, const struct json *root);
/*
 * The same, emptying each service's part of root once it is read, so that
 * a large observation is not held twice (root is the caller's to free).
 */
int observation_take_json(struct observation *obs, struct json *root);

#endif
