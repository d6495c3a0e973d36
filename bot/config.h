#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util/json.h"

/*
 * `.autofix.yml`, loaded into a typed struct with every default filled in.
 * config-schema/autofix.schema.json is the one description of the file;
 * this loader and that schema must agree (tests/config checks it with ajv).
 * A struct config owns every string and array it points to: release it
 * with config_release().
 *
 * Units: fractions are stored as 0..1 ("85%" -> 0.85), durations in
 * milliseconds, sizes in bytes.
 */

#define CONFIG_VERSION 1
#define CONFIG_MAX_FILE_SIZE (1024 * 1024)
/* Nodes of the document once YAML aliases are expanded (the billion-laughs guard). */
#define CONFIG_MAX_NODES 10000
/* Nesting of mappings and lists. */
#define CONFIG_MAX_DEPTH 64
/*
 * Services in one file: the most one scan observes, whatever the source
 * (Railway is asked in chunks, Prometheus with one query per quantity).
 * validate refuses more, before any request is spent on them.
 */
#define CONFIG_MAX_SERVICES 2000

/* The signals autofix watches; the order is the order of reports. */
enum signal {
	SIGNAL_CPU,
	SIGNAL_MEMORY,
	SIGNAL_ERROR_RATE_5XX,
	SIGNAL_ERROR_RATE_4XX,
	SIGNAL_LATENCY_P95,
	SIGNAL_DISK,        /* a volume's usage as a fraction of its size */
	SIGNAL__COUNT
};

/* "cpu", "memory", "error_rate_5xx", "error_rate_4xx", "latency_p95", "disk". */
const char *signal_name(enum signal s);
/* Returns 0 and sets *out, or BOT_ENOTFOUND. */
int signal_from_name(enum signal *out, const char *name);

/* What a threshold level is measured in. */
enum level_unit {
	LEVEL_UNSET,    /* the level is off */
	LEVEL_FRACTION, /* "85%": a fraction of the limit (cpu, memory) or of requests (error rates) */
	LEVEL_MS,       /* "1500ms", "2s": latency */
	LEVEL_BYTES,    /* "2GB": absolute memory or disk */
};

struct level {
	enum level_unit unit;
	double value; /* 0.85, 1500, 2e9 */
};

struct threshold {
	int enabled;           /* `enabled: false` switches the signal off */
	struct level warning;
	struct level critical;
	int64_t for_ms;        /* the condition must hold this long */
	int min_samples;       /* fewer samples in the window: no verdict */
	int64_t min_requests;  /* error rates: fewer requests in the window: no verdict */
};

/*
 * A climb towards a limit: memory towards the memory limit
 * (`detect.memory_leak`), a volume's usage towards its size
 * (`detect.disk_filling`).
 */
struct leak_config {
	int enabled;
	int64_t horizon_ms;    /* report a climb that reaches the limit within this time */
	double min_fit;        /* minimum R^2 of the fitted line, 0..1 */
};

/* Regression against the service's own baseline after a deployment; `detect.regression`. */
struct regression_config {
	int enabled;
	double latency_ratio;     /* after/before p95 ratio that counts as worse */
	double error_rate_ratio;  /* after/before error-rate ratio that counts as worse */
	double min_error_rate;    /* an error rate below this after the deploy is never a regression */
	double confidence;        /* statistical confidence required, 0..1 */
	int64_t baseline_ms;      /* how much history before the deployment to compare with */
	double cpu_ratio;         /* after/before CPU ratio (load-adjusted) that counts as worse */
	double memory_ratio;      /* after/before memory ratio (load-adjusted) that counts as worse */
	int seasonal_days;        /* also compare with the same hours on this many earlier days; 0: off */
};

/* Deployments that failed, crashed or hang; `detect.deployments`. */
struct deployments_config {
	int enabled;
	int64_t stuck_after_ms;   /* a deployment BUILDING or DEPLOYING this long is stuck */
};

enum source_kind { SOURCE_NONE, SOURCE_RAILWAY, SOURCE_PROMETHEUS };

enum railway_token_kind {
	RAILWAY_TOKEN_AUTO,    /* a UUID-shaped token is tried as a project token first */
	RAILWAY_TOKEN_ACCOUNT, /* Authorization: Bearer (account or workspace token) */
	RAILWAY_TOKEN_PROJECT, /* Project-Access-Token */
};

struct railway_config {
	char *project;        /* project id */
	char *environment;    /* environment name or id */
	char *token_env;      /* name of the environment variable holding the token */
	enum railway_token_kind token_kind;
	char *endpoint;       /* GraphQL endpoint */
};

/*
 * Query templates of the Prometheus source; `{{window}}` is substituted, and
 * either `{{service}}` (the template is run once per service) or
 * `{{services}}` (run once for all, its answer split by the service label).
 */
enum prom_query {
	PROM_CPU_USAGE,
	PROM_CPU_LIMIT,
	PROM_MEMORY_USAGE,
	PROM_MEMORY_LIMIT,
	PROM_REQUESTS,
	PROM_ERRORS_5XX,
	PROM_ERRORS_4XX,
	PROM_LATENCY_P95,
	PROM_DEPLOYMENTS,  /* optional: a series whose change marks a deployment */
	PROM_RESTARTS,     /* optional: the container restart counter */
	PROM_DISK_USAGE,   /* optional (no default): a volume's bytes used */
	PROM_DISK_LIMIT,   /* optional (no default): its size in bytes */
	PROM_QUERY__COUNT
};
/* The YAML key of a query ("cpu_usage", ...). */
const char *prom_query_name(enum prom_query q);
/*
 * The default template of a query (what the loader fills in), or NULL for
 * an unknown q and for the optional ones that have none (deployments,
 * restarts, disk_usage, disk_limit: what a setup exports and how it names
 * its volumes differ; docs/sources.md has recipes).
 */
const char *prom_query_default(enum prom_query q);

struct prometheus_config {
	char *url;
	char *token_env;                      /* optional bearer token */
	char *queries[PROM_QUERY__COUNT];     /* defaults filled in; NULL: an optional query not asked */
	char *service_label;                  /* splits a {{services}} answer; default "service" */
};

struct source_config {
	enum source_kind kind;
	struct railway_config railway;
	struct prometheus_config prometheus;
};

struct service_config {
	char *name;            /* the key under `services:` */
	char *path;            /* where its code lives in the repository; default "." */
	char *deployed_as;     /* its name (or id) at the source; default the name */
	int enabled;
	struct threshold thresholds[SIGNAL__COUNT]; /* effective: defaults with this service's overrides */
	char **upstreams;
	size_t upstreams_nr;
};

struct upstream_config {
	char *name;
	char *statuspage;      /* base URL of a Statuspage site; NULL: the built-in catalogue */
	char **components;     /* only these components matter; none: all */
	size_t components_nr;
};

enum agent_kind { AGENT_NONE, AGENT_OPENCODE, AGENT_COMMAND };

struct agent_config {
	enum agent_kind kind;
	char *url;             /* opencode */
	char *username;        /* opencode basic-auth user; default "opencode" */
	char *password_env;    /* opencode */
	char *model;           /* opencode: provider/model */
	char *command;         /* command: run in the working tree, prompt on stdin */
	int64_t timeout_ms;
};

enum llm_provider { LLM_NONE, LLM_OPENAI, LLM_ANTHROPIC };

/* What autofix lets the LLM cost (`llm.budget`); tokens are input and output together. */
struct llm_budget {
	int prompt_tokens;       /* one prompt, estimated; default 12000 */
	int calls_per_run;       /* default 20 */
	int64_t tokens_per_run;  /* default 200000 */
	int64_t tokens_per_day;  /* over the last 24 hours, every scan run's plans; default 1000000 */
};

struct llm_config {
	enum llm_provider provider;
	char *model;
	char *base_url;
	char *api_key_env;
	int max_tokens;
	int64_t timeout_ms;
	struct llm_budget budget;
};

struct pull_request_config {
	char **labels;
	size_t labels_nr;
	int draft;
	char **reviewers;
	size_t reviewers_nr;
	char **assignees;
	size_t assignees_nr;
	char *branch_prefix;   /* default "autofix/" */
	int max_open;
	int max_per_hour;      /* PRs opened in any hour; default 2 */
	int64_t cooldown_ms;
	/* A verification that fails: the PR is a draft (default) or not opened. */
	enum { VERIFY_FAILURE_DRAFT, VERIFY_FAILURE_SKIP } on_verify_failure;
	/* Globs (** crosses '/') the agent may not change, besides the workflows and .autofix.yml (always forbidden). */
	char **forbidden_paths;
	size_t forbidden_paths_nr;
	char *author_name;     /* the commits' author; NULL: autofix's own bot identity */
	char *author_email;
};

struct verify_config {
	char *command;         /* NULL: no verification */
	int64_t timeout_ms;
};

/* `commands`: who may give `/autofix` commands besides people with write access. */
struct commands_config {
	char **allow_bots;     /* bot logins ("renovate[bot]") whose commands are obeyed */
	size_t allow_bots_nr;
};

struct config {
	int version;
	char *path;                      /* the file it was read from */
	struct source_config source;
	int64_t window_ms;               /* the analysis window */
	int64_t step_ms;                 /* sample resolution asked of the source */
	struct threshold thresholds[SIGNAL__COUNT]; /* project-wide defaults */
	struct leak_config leak;         /* detect.memory_leak */
	struct leak_config disk_filling; /* detect.disk_filling */
	struct regression_config regression;
	struct deployments_config deployments;
	struct service_config *services;
	size_t services_nr;
	struct upstream_config *upstreams;
	size_t upstreams_nr;
	struct agent_config agent;
	struct llm_config llm;
	struct pull_request_config pull_requests;
	struct verify_config verify;
	struct commands_config commands;
	char **redact;                   /* extra patterns (POSIX extended regular expressions) */
	size_t redact_nr;
};

/* One problem found in a file; the loader reports all of them, not only the first. */
struct config_diag {
	char *file;
	int line, col;         /* 1-based; 0 when unknown */
	char *key_path;        /* "services.api.thresholds.memory.warning"; "" for the document */
	char *message;         /* "expected a percentage like '85%', found 'high'" */
	int warning;           /* 1: a warning, which does not make the load fail */
};

/*
 * Keys the schema accepts whose stage arrives in a later issue: the loader
 * reads and checks them, nothing else reads them yet. A file that writes
 * one loads with a warning "accepted, not used yet (STAGE)". This table is
 * the one list of them (tests/config/keys.test reads it through validate's
 * warnings); a key leaves it when the code that uses it arrives.
 */
struct config_pending_key {
	const char *key;       /* "llm", "services.*.path": '*' stands for any entry */
	const char *stage;     /* "issue 10, Investigate and plan" */
};
/* Ends with { NULL, NULL }. */
extern const struct config_pending_key config_pending_keys[];

/* Start with { NULL, 0, 0 }; the items and their strings belong to the caller. */
struct config_diags {
	struct config_diag *items;
	size_t nr, alloc;
};

/* Zeroes cfg: no defaults (loading fills them in). */
void config_init(struct config *cfg);
/* Frees everything cfg owns and leaves it as config_init() does. */
void config_release(struct config *cfg);

/* Frees every diagnostic and leaves diags empty, ready for reuse. */
void config_diags_release(struct config_diags *diags);

/*
 * Loads a file. On success returns 0 and fills cfg (caller releases it);
 * diags then holds only warnings (config_pending_keys the file writes).
 * On failure returns BOT_EINVALID (or BOT_ENOTFOUND, BOT_ETOOBIG, BOT_EIO),
 * appends every problem found to diags, and leaves cfg initialised but empty.
 * cfg is overwritten without being released: pass an initialised or
 * released one. Diagnostics come in file order, at most 100 per file (a
 * last one counts the rest); bot_error_last() holds the first.
 * The rules are those of config-schema/autofix.schema.json plus the
 * text-level ones listed in the README (size, encoding, tabs, duplicate
 * keys, alias expansion, layouts YAML readers disagree on).
 */
int config_load_file(struct config *cfg, const char *path, struct config_diags *diags);
/* The same for a buffer; `name` is used in messages. */
int config_load_buffer(struct config *cfg, const char *name, const char *buf, size_t len,
		       struct config_diags *diags);

/*
 * The effective configuration as JSON (what `autofix validate --print`
 * shows), in the file's own shape and units ("30m", "85%", "2GB"), so that
 * it loads back to the same configuration. Caller frees with json_free().
 */
struct json *config_to_json(const struct config *cfg);

/* The service called name, or NULL. */
const struct service_config *config_find_service(const struct config *cfg, const char *name);

#endif
