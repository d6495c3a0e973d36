#ifndef SOURCE_SOURCE_H
#define SOURCE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "util/json.h"

/*
 * Observe: where autofix learns what is deployed and how it behaves. A
 * source is one `struct source_ops` table (curl's vtls backends, Renovate's
 * datasources); the pipeline talks only to the functions below, so a third
 * source (Datadog, CloudWatch...) is one new file and one row in source.c.
 *
 * Ownership: a struct source is opened with source_open() and freed with
 * source_close(). Every struct it fills (architecture, observation, log
 * lines) belongs to the caller, who initialised it and releases it.
 * Nothing here returns partial data: when any request of an operation
 * fails, the operation fails and its output is released.
 */

/* A service as the source knows it. */
struct arch_service {
	char *name;              /* its name at the source */
	char *id;                /* its id at the source (Railway service id), or NULL */
	char *config_name;       /* its key under `services:` in .autofix.yml, or NULL */
	char *repo;              /* "owner/name" it is built from, or NULL */
	char *image;             /* container image it runs, or NULL */
	char *root_dir;          /* directory of its code in repo, or NULL */
	int replicas;            /* 0 when unknown */
	int observed;            /* metrics are fetched for it */
	char *latest_deployment_id;     /* or NULL */
	char *latest_deployment_status; /* SUCCESS, CRASHED... or NULL */
	int64_t latest_deployment_at;   /* ms, 0 when unknown */
};

struct arch_volume {
	char *name;
	char *id;
	char *service_id;        /* the service it is mounted in, or NULL */
	char *mount_path;
	double size_mb;          /* capacity */
	double used_mb;          /* current size */
};

/* What is deployed: project -> environment -> services and volumes. */
struct architecture {
	char *source;            /* "railway", "prometheus" */
	char *project_id, *project_name;
	char *environment_id, *environment_name;
	struct arch_service *services;
	size_t services_nr, services_alloc;
	struct arch_volume *volumes;
	size_t volumes_nr, volumes_alloc;
	/* The platform's own status (Railway's platformStatus); known = 0 when the source has none. */
	int platform_known;
	int platform_stable;
	char *platform_incident; /* message of an ongoing incident or maintenance, or NULL */
};

void architecture_init(struct architecture *arch);
void architecture_release(struct architecture *arch);
/* Appends a zeroed service with a copy of name; valid until the next append. */
struct arch_service *architecture_add_service(struct architecture *arch, const char *name);
struct arch_volume *architecture_add_volume(struct architecture *arch, const char *name);
/*
 * JSON form (part of the observe step's result):
 *   { "source", "project": {"id","name"}, "environment": {"id","name"},
 *     "platform": {"stable": true, "incident": null} | null,
 *     "services": [ {"name","id","config_name","repo","image","root_dir","replicas","observed",
 *                    "latest_deployment": {"id","status","at"} | null} ],
 *     "volumes": [ {"name","id","service_id","mount_path","size_mb","used_mb"} ] }
 * The caller owns the result.
 */
struct json *architecture_to_json(const struct architecture *arch);
/*
 * Reads that form into out (initialised by the caller), so that a
 * journaled observe step can be resumed. On a malformed document returns
 * BOT_EINVALID naming the JSON path and leaves out released.
 */
int architecture_from_json(struct architecture *out, const struct json *root);

/* One log line of a deployment, build or HTTP log. */
struct source_log_line {
	int64_t at;              /* ms */
	char *severity;          /* "error", "info"... or NULL */
	char *message;           /* HTTP logs: "GET /path -> 502 (1234 ms)" */
	int http_status;         /* HTTP logs: the status, else 0 */
};

struct source_log_lines {
	struct source_log_line *items;
	size_t nr, alloc;
};

void source_log_lines_release(struct source_log_lines *lines);

enum source_log_kind { SOURCE_LOGS_DEPLOYMENT, SOURCE_LOGS_BUILD, SOURCE_LOGS_HTTP };

struct source_log_query {
	enum source_log_kind kind;
	const char *deployment_id; /* Railway: logs belong to a deployment */
	int64_t start, end;        /* the window, ms */
	const char *filter;        /* the source's filter syntax ("@httpStatus:>=500"), or NULL */
	int limit;                 /* at most this many lines, newest first; 0: the source's default */
};

struct source;

struct source_ops {
	const char *name;
	/* Reads src->cfg and sets src->priv; 0, BOT_EINVALID for a bad configuration, BOT_EAUTH without a token. */
	int (*open)(struct source *src);
	void (*close)(struct source *src);
	/* Fills *out (initialised by the caller). */
	int (*architecture)(struct source *src, struct architecture *out);
	/*
	 * Fetches every observed service of arch over [start, end] at step
	 * into *out (initialised by the caller), with each service's
	 * deployments in the window when the source knows them.
	 */
	int (*observe)(struct source *src, const struct architecture *arch,
		       int64_t start, int64_t end, int64_t step, struct observation *out);
	/* Optional (NULL: the source has no logs). */
	int (*logs)(struct source *src, const struct source_log_query *q, struct source_log_lines *out);
	/*
	 * Optional (NULL: the source knows no deployments). Appends the
	 * deployments of svc created in [start, end] to out->deployments,
	 * oldest first.
	 */
	int (*deployments)(struct source *src, const struct architecture *arch,
			   const struct arch_service *svc, int64_t start, int64_t end,
			   struct service_metrics *out);
};

struct source {
	const struct source_ops *ops;
	const struct config *cfg; /* borrowed; must outlive the source */
	void *priv;
	/* What the source has cost so far, for the scan's report. */
	int64_t requests;
	int64_t bytes;
};

/*
 * Opens the source configured in cfg->source.kind. On success *out is
 * the source, which the caller frees with source_close(). Returns
 * BOT_EINVALID when no source is configured or its settings are unusable,
 * BOT_EAUTH when its token is missing from the environment.
 */
int source_open(struct source **out, const struct config *cfg);
void source_close(struct source *src);

/*
 * Checks, without a request, that the source configured in cfg could be
 * opened: its settings and its credentials (the token variable is set).
 * For a command to refuse a configuration error before it starts any
 * work that would record a failure. Returns 0 or what source_open() would.
 */
int source_check_config(const struct config *cfg);

/* The operations, dispatched through the table. */
int source_architecture(struct source *src, struct architecture *out);
int source_observe(struct source *src, const struct architecture *arch,
		   int64_t start, int64_t end, int64_t step, struct observation *out);
/* BOT_ENOTFOUND when the source has no logs. */
int source_logs(struct source *src, const struct source_log_query *q, struct source_log_lines *out);
/* BOT_ENOTFOUND when the source knows no deployments; on failure out gains nothing. */
int source_deployments(struct source *src, const struct architecture *arch,
		       const struct arch_service *svc, int64_t start, int64_t end,
		       struct service_metrics *out);

/*
 * For a source's open(): the API token in the environment variable var,
 * registered with log_add_secret() before anything can log it. *out is a
 * copy the caller frees. Returns BOT_EAUTH naming var, who ("Railway")
 * and the setting that names var (key) when it is unset or empty.
 */
int source_token_from_env(char **out, const char *var, const char *who, const char *key);

/* The tables, one per file. */
extern const struct source_ops railway_source_ops;
extern const struct source_ops prometheus_source_ops;

/*
 * Marks the services of arch that .autofix.yml asks to observe, matching
 * a configured service's `deployed_as` (default: its name) against the
 * source's service name or id, and records its config_name. With no
 * services configured, every service is observed under its own name.
 * Returns BOT_ENOTFOUND naming the service when a configured, enabled
 * service does not exist at the source (the configuration is stale and
 * a scan that silently skipped it would report a healthy project).
 */
int source_select_services(struct architecture *arch, const struct config *cfg);

#endif
