/*
 * .autofix.yml: the names of signals and queries, the defaults, the life cycle
 * of a struct config, the diagnostics, and the order of the loading passes
 * (config/config_internal.h has the map of the other files).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---------------------------------------------------------------- names */

const char *const cfg_signal_names[SIGNAL__COUNT + 1] = {
	[SIGNAL_CPU] = "cpu",
	[SIGNAL_MEMORY] = "memory",
	[SIGNAL_ERROR_RATE_5XX] = "error_rate_5xx",
	[SIGNAL_ERROR_RATE_4XX] = "error_rate_4xx",
	[SIGNAL_LATENCY_P95] = "latency_p95",
	[SIGNAL_DISK] = "disk",
	[SIGNAL__COUNT] = NULL,
};

const char *signal_name(enum signal s)
{
	return (unsigned)s < SIGNAL__COUNT ? cfg_signal_names[s] : "unknown";
}

int signal_from_name(enum signal *out, const char *name)
{
	int i;

	for (i = 0; i < SIGNAL__COUNT; i++)
		if (name && !strcmp(cfg_signal_names[i], name)) {
			*out = (enum signal)i;
			return 0;
		}
	return bot_error(BOT_ENOTFOUND, "no signal called '%s'", name ? name : "");
}

const char *const cfg_prom_query_names[PROM_QUERY__COUNT + 1] = {
	[PROM_CPU_USAGE] = "cpu_usage",
	[PROM_CPU_LIMIT] = "cpu_limit",
	[PROM_MEMORY_USAGE] = "memory_usage",
	[PROM_MEMORY_LIMIT] = "memory_limit",
	[PROM_REQUESTS] = "requests",
	[PROM_ERRORS_5XX] = "errors_5xx",
	[PROM_ERRORS_4XX] = "errors_4xx",
	[PROM_LATENCY_P95] = "latency_p95",
	[PROM_DEPLOYMENTS] = "deployments",
	[PROM_RESTARTS] = "restarts",
	[PROM_DISK_USAGE] = "disk_usage",
	[PROM_DISK_LIMIT] = "disk_limit",
	[PROM_QUERY__COUNT] = NULL,
};

const char *prom_query_name(enum prom_query q)
{
	return (unsigned)q < PROM_QUERY__COUNT ? cfg_prom_query_names[q] : "unknown";
}

/*
 * Default Prometheus queries: cAdvisor's container metrics (label
 * `container`) and the conventional http_requests_total counter and
 * http_request_duration_seconds histogram (label `service`, or whatever
 * {{service_label}}, source.prometheus.service_label, names). CPU is in
 * cores, memory in bytes, requests and errors per second, latency in
 * seconds. {{window}} is the range of rate(), chosen by the source.
 *
 * Each is one query for every watched service ({{services}}, a regex
 * alternation) aggregated by the service label, so that a scan costs 8
 * queries per day compared whatever the number of services. cAdvisor
 * names the service in `container`: label_replace copies it to the
 * service label.
 */
static const char *const prom_default_queries[PROM_QUERY__COUNT] = {
	[PROM_CPU_USAGE] =
		"sum by ({{service_label}}) (label_replace(rate(container_cpu_usage_seconds_total{container=~\"{{services}}\"}[{{window}}]),"
		" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	[PROM_CPU_LIMIT] =
		"sum by ({{service_label}}) (label_replace(container_spec_cpu_quota{container=~\"{{services}}\"},"
		" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))"
		" / sum by ({{service_label}}) (label_replace(container_spec_cpu_period{container=~\"{{services}}\"},"
		" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	[PROM_MEMORY_USAGE] =
		"sum by ({{service_label}}) (label_replace(container_memory_working_set_bytes{container=~\"{{services}}\"},"
		" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	[PROM_MEMORY_LIMIT] =
		"sum by ({{service_label}}) (label_replace(container_spec_memory_limit_bytes{container=~\"{{services}}\"},"
		" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	[PROM_REQUESTS] =
		"sum by ({{service_label}}) (rate(http_requests_total{{{service_label}}=~\"{{services}}\"}[{{window}}]))",
	[PROM_ERRORS_5XX] =
		"sum by ({{service_label}}) (rate(http_requests_total{{{service_label}}=~\"{{services}}\",status=~\"5..\"}[{{window}}]))",
	[PROM_ERRORS_4XX] =
		"sum by ({{service_label}}) (rate(http_requests_total{{{service_label}}=~\"{{services}}\",status=~\"4..\"}[{{window}}]))",
	[PROM_LATENCY_P95] =
		"histogram_quantile(0.95, sum by ({{service_label}}, le) "
		"(rate(http_request_duration_seconds_bucket{{{service_label}}=~\"{{services}}\"}[{{window}}])))",
	/*
	 * deployments, restarts, disk_usage, disk_limit: none (see
	 * prom_query_default(); docs/sources.md has a recipe for each).
	 */
};

const char *prom_query_default(enum prom_query q)
{
	return (unsigned)q < PROM_QUERY__COUNT ? prom_default_queries[q] : NULL;
}

const char *const cfg_token_kind_names[] = {
	[RAILWAY_TOKEN_AUTO] = "auto",
	[RAILWAY_TOKEN_ACCOUNT] = "account",
	[RAILWAY_TOKEN_PROJECT] = "project",
	NULL,
};
const char *const cfg_llm_provider_names[] = {
	[LLM_NONE] = "none",
	[LLM_OPENAI] = "openai",
	[LLM_ANTHROPIC] = "anthropic",
	NULL,
};
const char *const cfg_verify_failure_names[] = {
	[VERIFY_FAILURE_DRAFT] = "draft",
	[VERIFY_FAILURE_SKIP] = "skip",
	NULL,
};

/* ------------------------------------------------------------- defaults */

#define DEFAULT_RAILWAY_ENDPOINT "https://backboard.railway.com/graphql/v2"

/*
 * Each signal's defaults, by field name; the order of the array is the
 * order of enum signal.
 */
static const struct threshold default_thresholds[SIGNAL__COUNT] = {
	[SIGNAL_CPU] = {
		.enabled = 1,
		.warning = { .unit = LEVEL_FRACTION, .value = 0.80 },
		.critical = { .unit = LEVEL_FRACTION, .value = 0.95 },
		.for_ms = 10 * TIME_MS_PER_MINUTE,
		.min_samples = 5,
	},
	[SIGNAL_MEMORY] = {
		.enabled = 1,
		.warning = { .unit = LEVEL_FRACTION, .value = 0.80 },
		.critical = { .unit = LEVEL_FRACTION, .value = 0.95 },
		.for_ms = 10 * TIME_MS_PER_MINUTE,
		.min_samples = 5,
	},
	[SIGNAL_ERROR_RATE_5XX] = {
		.enabled = 1,
		.warning = { .unit = LEVEL_FRACTION, .value = 0.01 },
		.critical = { .unit = LEVEL_FRACTION, .value = 0.05 },
		.for_ms = 5 * TIME_MS_PER_MINUTE,
		.min_samples = 5,
		.min_requests = 50,
	},
	[SIGNAL_ERROR_RATE_4XX] = {
		/* client errors are mostly the clients' business: off unless asked */
		.enabled = 0,
		.warning = { .unit = LEVEL_FRACTION, .value = 0.10 },
		.critical = { .unit = LEVEL_FRACTION, .value = 0.25 },
		.for_ms = 10 * TIME_MS_PER_MINUTE,
		.min_samples = 5,
		.min_requests = 100,
	},
	[SIGNAL_LATENCY_P95] = {
		.enabled = 1,
		.warning = { .unit = LEVEL_MS, .value = 1000 },
		.critical = { .unit = LEVEL_MS, .value = 3000 },
		.for_ms = 10 * TIME_MS_PER_MINUTE,
		.min_samples = 5,
		.min_requests = 50,
	},
	[SIGNAL_DISK] = {
		/* a volume fills slowly and a full one fails every write: earlier than memory */
		.enabled = 1,
		.warning = { .unit = LEVEL_FRACTION, .value = 0.80 },
		.critical = { .unit = LEVEL_FRACTION, .value = 0.90 },
		.for_ms = 10 * TIME_MS_PER_MINUTE,
		.min_samples = 5,
	},
};

static char **strv_of(const char *one, size_t *nr)
{
	char **v = xcalloc(1, sizeof(*v));
	v[0] = xstrdup(one);
	*nr = 1;
	return v;
}

void cfg_set_defaults(struct config *cfg)
{
	int q;

	cfg->version = CONFIG_VERSION;
	cfg->window_ms = 30 * TIME_MS_PER_MINUTE;
	cfg->step_ms = TIME_MS_PER_MINUTE;
	memcpy(cfg->thresholds, default_thresholds, sizeof(cfg->thresholds));
	cfg->leak = (struct leak_config){
		.enabled = 1,
		.horizon_ms = 4 * TIME_MS_PER_HOUR,
		.min_fit = 0.8,
	};
	/* A volume fills slower than memory leaks, and a full one matters longer. */
	cfg->disk_filling = (struct leak_config){
		.enabled = 1,
		.horizon_ms = 24 * TIME_MS_PER_HOUR,
		.min_fit = 0.8,
	};
	cfg->regression = (struct regression_config){
		.enabled = 1,
		.latency_ratio = 2.0,
		.error_rate_ratio = 3.0,
		.min_error_rate = 0.005,
		.confidence = 0.99,
		.baseline_ms = TIME_MS_PER_HOUR,
		.cpu_ratio = 1.5,
		.memory_ratio = 1.25,
		.seasonal_days = 2,
	};
	cfg->deployments = (struct deployments_config){
		.enabled = 1,
		.stuck_after_ms = 30 * TIME_MS_PER_MINUTE,
	};
	cfg->source.railway.environment = xstrdup("production");
	cfg->source.railway.token_env = xstrdup("RAILWAY_API_TOKEN");
	cfg->source.railway.endpoint = xstrdup(DEFAULT_RAILWAY_ENDPOINT);
	for (q = 0; q < PROM_QUERY__COUNT; q++)
		if (prom_default_queries[q])
			cfg->source.prometheus.queries[q] = xstrdup(prom_default_queries[q]);
	cfg->source.prometheus.service_label = xstrdup("service");
	cfg->agent.timeout_ms = 30 * TIME_MS_PER_MINUTE;
	cfg->llm.max_tokens = 4096;
	cfg->llm.timeout_ms = 2 * TIME_MS_PER_MINUTE;
	cfg->llm.budget = (struct llm_budget){
		.prompt_tokens = 12000,
		.calls_per_run = 20,
		.tokens_per_run = 200000,
		.tokens_per_day = 1000000,
	};
	cfg->pull_requests.labels = strv_of("autofix", &cfg->pull_requests.labels_nr);
	cfg->pull_requests.draft = 1;
	cfg->pull_requests.branch_prefix = xstrdup("autofix/");
	cfg->pull_requests.max_open = 3;
	cfg->pull_requests.max_per_hour = 2;
	cfg->pull_requests.on_verify_failure = VERIFY_FAILURE_DRAFT;
	cfg->pull_requests.cooldown_ms = 24 * TIME_MS_PER_HOUR;
	cfg->verify.timeout_ms = 10 * TIME_MS_PER_MINUTE;
}

/* --------------------------------------------------------- life cycle */

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

void cfg_strv_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

void config_release(struct config *cfg)
{
	size_t i;
	int q;

	free(cfg->path);
	free(cfg->source.railway.project);
	free(cfg->source.railway.environment);
	free(cfg->source.railway.token_env);
	free(cfg->source.railway.endpoint);
	free(cfg->source.prometheus.url);
	free(cfg->source.prometheus.token_env);
	for (q = 0; q < PROM_QUERY__COUNT; q++)
		free(cfg->source.prometheus.queries[q]);
	free(cfg->source.prometheus.service_label);
	for (i = 0; i < cfg->services_nr; i++) {
		struct service_config *svc = &cfg->services[i];
		free(svc->name);
		free(svc->path);
		free(svc->deployed_as);
		cfg_strv_free(svc->upstreams, svc->upstreams_nr);
	}
	free(cfg->services);
	for (i = 0; i < cfg->upstreams_nr; i++) {
		free(cfg->upstreams[i].name);
		free(cfg->upstreams[i].statuspage);
		cfg_strv_free(cfg->upstreams[i].components, cfg->upstreams[i].components_nr);
	}
	free(cfg->upstreams);
	free(cfg->agent.url);
	free(cfg->agent.username);
	free(cfg->agent.password_env);
	free(cfg->agent.model);
	free(cfg->agent.command);
	free(cfg->llm.model);
	free(cfg->llm.base_url);
	free(cfg->llm.api_key_env);
	cfg_strv_free(cfg->pull_requests.labels, cfg->pull_requests.labels_nr);
	cfg_strv_free(cfg->pull_requests.reviewers, cfg->pull_requests.reviewers_nr);
	cfg_strv_free(cfg->pull_requests.assignees, cfg->pull_requests.assignees_nr);
	free(cfg->pull_requests.branch_prefix);
	cfg_strv_free(cfg->pull_requests.forbidden_paths, cfg->pull_requests.forbidden_paths_nr);
	free(cfg->pull_requests.author_name);
	free(cfg->pull_requests.author_email);
	free(cfg->verify.command);
	cfg_strv_free(cfg->commands.allow_bots, cfg->commands.allow_bots_nr);
	cfg_strv_free(cfg->redact, cfg->redact_nr);
	config_init(cfg);
}

void config_diags_release(struct config_diags *diags)
{
	size_t i;

	for (i = 0; i < diags->nr; i++) {
		free(diags->items[i].file);
		free(diags->items[i].key_path);
		free(diags->items[i].message);
	}
	free(diags->items);
	diags->items = NULL;
	diags->nr = diags->alloc = 0;
}

const struct service_config *config_find_service(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name && i < cfg->services_nr; i++)
		if (!strcmp(cfg->services[i].name, name))
			return &cfg->services[i];
	return NULL;
}

#define MAX_DIAGS 100

void cfg_vreport(struct loader *L, int line, int col, const char *path,
		    const char *fmt, va_list ap)
{
	struct config_diags *d = L->diags;
	struct config_diag *item;
	struct strbuf msg = STRBUF_INIT;

	if (d->nr - L->diags_start >= MAX_DIAGS) {
		L->dropped++;
		return;
	}
	strbuf_vaddf(&msg, fmt, ap);
	ALLOC_GROW(d->items, d->nr + 1, d->alloc);
	item = &d->items[d->nr++];
	item->file = xstrdup(L->file);
	item->line = line;
	item->col = col;
	item->key_path = xstrdup(path ? path : "");
	item->message = strbuf_detach(&msg, NULL);
	item->warning = 0;
}

__attribute__((format(printf, 5, 6)))
void cfg_report(struct loader *L, int line, int col, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(L, line, col, path, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
void cfg_report_at(struct loader *L, const struct ynode *n, const struct strbuf *path,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(L, n ? n->line : 0, n ? n->col : 0, path->buf, fmt, ap);
	va_end(ap);
}

int cfg_had_problems(const struct loader *L)
{
	return L->diags->nr > L->diags_start || L->dropped;
}

/* ------------------------------------------------------------- loading */

/* Puts the diagnostics from start on in file order (stable: insertion sort, few items). */
static void sort_diags(struct config_diags *d, size_t start)
{
	size_t i, j;

	for (i = start + 1; i < d->nr; i++) {
		struct config_diag x = d->items[i];
		for (j = i; j > start && (d->items[j - 1].line > x.line ||
		     (d->items[j - 1].line == x.line && d->items[j - 1].col > x.col)); j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = x;
	}
}

int config_load_buffer(struct config *cfg, const char *name, const char *buf, size_t len,
		       struct config_diags *diags)
{
	struct loader L;
	int rc = 0, failed;

	memset(&L, 0, sizeof(L));
	L.file = name;
	L.diags = diags;
	L.diags_start = diags->nr;
	L.cfg = cfg;
	config_init(cfg);

	if (len > CONFIG_MAX_FILE_SIZE) {
		cfg_report(&L, 0, 0, "", "the file is %zu bytes; the limit is %d (1 MiB)", len,
		       CONFIG_MAX_FILE_SIZE);
		return bot_error(BOT_ETOOBIG, "'%s' is larger than 1 MiB", name);
	}
	cfg_check_text(&L, buf, len);
	L.buf = buf;
	L.len = len;
	cfg_index_lines(&L);
	if (!cfg_had_problems(&L))
		cfg_check_indicators(&L);
	if (!cfg_had_problems(&L)) {
		cfg_set_defaults(cfg);
		cfg->path = xstrdup(name);
		if (cfg_build_tree(&L, buf, len) == 0)
			cfg_read_config(&L, L.root);
	}
	failed = cfg_had_problems(&L);
	if (!failed)
		/* only a valid file's warnings are worth reading; they cannot fail the load */
		cfg_warn_pending(&L, L.root);
	cfg_free_tree(&L);
	sort_diags(diags, L.diags_start);
	if (failed && L.dropped) {
		L.diags_start = diags->nr; /* room for the last word */
		cfg_report(&L, 0, 0, "", "%zu more problems not shown", L.dropped);
	}
	if (failed) {
		config_release(cfg);
		rc = bot_error(BOT_EINVALID, "'%s' is not a valid configuration: %s", name,
			       diags->items[diags->nr > 0 ? L.diags_start : 0].message);
	}
	return rc;
}

int config_load_file(struct config *cfg, const char *path, struct config_diags *diags)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	config_init(cfg);
	rc = strbuf_read_file(&sb, path, CONFIG_MAX_FILE_SIZE);
	if (rc < 0) {
		struct config_diag *d;
		ALLOC_GROW(diags->items, diags->nr + 1, diags->alloc);
		d = &diags->items[diags->nr++];
		d->file = xstrdup(path);
		d->line = d->col = 0;
		d->warning = 0;
		d->key_path = xstrdup("");
		d->message = xstrdup(rc == BOT_ETOOBIG ? "the file is larger than 1 MiB, the limit"
				     : bot_error_last());
		strbuf_release(&sb);
		return rc;
	}
	rc = config_load_buffer(cfg, path, sb.buf, sb.len, diags);
	strbuf_release(&sb);
	return rc;
}

