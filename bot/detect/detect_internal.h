#ifndef DETECT_DETECT_INTERNAL_H
#define DETECT_DETECT_INTERNAL_H

/*
 * What the detector's files share, and nobody outside bot/detect/ may
 * include: the per-service context the rules read, the helpers that open
 * a finding and word it, and one entry point per family of rules.
 *
 *   detect.c        orchestration: clip the window, run the rules, summarise
 *   thresholds.c    levels held for `for` (memory, CPU, error rates, p95)
 *   leak.c          climbs towards a limit: memory leaks (trend, sawtooth floor, crash
 *                   loop, load-aware) and volumes filling (trend, compaction sawtooth)
 *   regression.c    signals worse after a deployment than before it
 *   deployments.c   deployments that failed, crashed or hang (the source's statuses)
 *   seasonal.c      which earlier days make a baseline for the same hours
 *   finding.c       names, life cycle, fingerprint, wording of findings
 *   findings_json.c the JSON form
 *
 * Every finding a rule opens is appended to c->out and owned by it.
 */

#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"
#include "util/strbuf.h"

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
#define DAY_MS (24LL * 3600 * 1000)

/*
 * What leak.c's rules see climb towards a limit: memory towards the memory
 * limit, or a volume's usage towards its size. The same trend machinery
 * judges both; what differs is whether a drop can be a restart and
 * whether traffic can explain a climb.
 */
struct climb_target {
	enum finding_kind kind;        /* FINDING_MEMORY_LEAK, FINDING_DISK_FILLING */
	enum metric usage, limit;      /* METRIC_MEMORY and its limit, METRIC_DISK and the size */
	enum signal signal;            /* its threshold: min_samples, a byte level standing for no limit */
	size_t settings;               /* offsetof(struct config, its leak_config): horizon, min_fit, on/off */
	/*
	 * Memory: a drop can be a restart (a deployment, the limit hit), so
	 * crash loops and climbs that resume after a restart count; and a
	 * climb that follows traffic is load, which ebbs with it. A volume
	 * never restarts and does not empty when traffic falls: neither.
	 */
	int restarts, load_explains;
	const char *noun;              /* "memory leak", "disk filling" */
	const char *limit_word;        /* "the limit", "the volume's size" */
	const char *cuts;              /* what draws a sawtooth: "collections", "vacuums, compactions or rotations" */
};

/* What a service's rules share: its window-clipped series and its settings. */
struct svc_ctx {
	const struct observation *obs;
	const struct service_metrics *svc;
	const struct threshold *th;
	const struct config *cfg;
	struct series s[METRIC__COUNT]; /* clipped to [start, end], finite values only */
	/* usage / limit over everything the source sent, the baseline before the window included */
	struct series cpu_hist, mem_hist;
	/*
	 * The same hours on earlier days (service_metrics.seasonal): CPU and
	 * memory as fractions of the limit, and p95, each sample moved forward
	 * by whole days onto today's clock (so days overlap: not time-ordered),
	 * of the days seasonal.c trusts only.
	 */
	struct series cpu_season, mem_season, lat_season;
	int cpu_season_days, mem_season_days, lat_season_days; /* how many days each holds */
	int64_t step, max_gap;
	struct findings *out;
	size_t first;                   /* index of this service's first finding in out */
	const struct climb_target *climb; /* what leak.c is judging, during detect_eval_climb() */
};

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

/* ---- the rules (each appends at most one finding of its kind) --------- */

/* thresholds.c: the level of th[sig] held for its `for`, critical before warning. */
void detect_eval_levels(struct svc_ctx *c, enum signal sig, const struct level_input *in);
/*
 * leak.c: a crash loop (memory), else the floor of a sawtooth (a
 * collector's, a vacuum's), else a trend towards the limit; for memory,
 * neither explained by load. frac: usage / limit.
 */
void detect_eval_climb(struct svc_ctx *c, const struct climb_target *t, const struct series *frac);
extern const struct climb_target detect_memory_climb; /* FINDING_MEMORY_LEAK, detect.memory_leak */
extern const struct climb_target detect_disk_climb;   /* FINDING_DISK_FILLING, detect.disk_filling */
/* The evaluated series of a service, kept as a finding's evidence. */
struct eval_series {
	const struct series *r5, *r4;     /* windowed 5xx and 4xx rates */
	const struct series *lat;         /* p95 of intervals that served requests */
	const struct series *cpu, *mem;   /* fraction of the limit, in the window */
};

/*
 * regression.c: each signal against its baseline before the latest
 * deployment it worsened after. A kind that already has a finding gains
 * the comparison.
 */
void detect_eval_regressions(struct svc_ctx *c, const struct eval_series *ev);

/*
 * seasonal.c: fills c->cpu_season, mem_season and lat_season (and their
 * day counts) with the earlier days fit to compare with: comparable
 * traffic, no finding of their own, not an outlier among the days.
 */
void detect_build_seasons(struct svc_ctx *c);

/*
 * deployments.c: the newest deployment that counts, by its status:
 * deployment_failed, deployment_crashed or deployment_stuck. Runs after
 * the leak rule (a memory crash loop already explains crashes).
 */
void detect_eval_deployments(struct svc_ctx *c);

/* ---- finding.c: opening a finding and wording it ---------------------- */

/* Appends a zeroed finding of c's service with its fingerprint; valid until the next append. */
struct finding *detect_new_finding(struct svc_ctx *c, enum finding_kind kind, enum severity sev,
				   enum finding_method method);
/* Sets fd's onset, and the latest deployment in the window at or before it. */
void detect_set_onset(struct svc_ctx *c, struct finding *fd, int64_t onset);
/* Appends every sample of in to out. */
void detect_copy_series(struct series *out, const struct series *in);
/* "memory", "CPU", "5xx rate", "4xx rate", "p95 latency". */
const char *detect_signal_word(enum finding_kind k);
/* RFC 3339. */
void detect_add_time(struct strbuf *sb, int64_t ms);
/* "1,800". */
void detect_add_count(struct strbuf *sb, double n);
/* The inverse of finding_method_name(): 0, or BOT_ENOTFOUND. */
int finding_method_from_name(enum finding_method *out, const char *name);

#endif
