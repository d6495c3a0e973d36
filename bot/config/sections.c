/*
 * Pass 3 of the loader: the tree -> struct config, section by section, by
 * the rules of config-schema/autofix.schema.json, then what JSON Schema
 * cannot say (upstreams named by services, warning <= critical, redact).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ------------------------------------------------------------- sections */

static const char *const top_keys[] = {
	"version", "source", "window", "step", "thresholds", "detect", "services",
	"upstreams", "agent", "llm", "pull_requests", "verify", "redact", "commands", NULL,
};

static void rd_source(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const kinds[] = { "railway", "prometheus", NULL };
	static const char *const railway_keys[] = {
		"project", "environment", "token_env", "token_kind", "endpoint", NULL,
	};
	static const char *const prometheus_keys[] = {
		"url", "token_env", "queries", "service_label", NULL,
	};
	struct source_config *src = &L->cfg->source;
	const struct ynode *v;
	size_t saved;

	if (!cfg_want_map(L, n, path))
		return;
	cfg_check_keys(L, n, path, kinds);
	if (n->nr != 2) {
		cfg_report_at(L, n, path, "expected exactly one of 'railway', 'prometheus'");
		return;
	}
	if ((v = cfg_enter_key(n, "railway", path, &saved))) {
		struct railway_config *r = &src->railway;
		int kind = r->token_kind;
		src->kind = SOURCE_RAILWAY;
		if (cfg_want_map(L, v, path)) {
			cfg_check_keys(L, v, path, railway_keys);
			cfg_require_key(L, v, path, "project");
			cfg_rd_str(L, v, "project", path, &r->project, cfg_match_token,
			       "a project id (no spaces)");
			cfg_rd_str(L, v, "environment", path, &r->environment, NULL, NULL);
			cfg_rd_str(L, v, "token_env", path, &r->token_env, cfg_match_env_name,
			       "an environment variable name like 'RAILWAY_API_TOKEN'");
			cfg_rd_enum(L, v, "token_kind", path, &kind, cfg_token_kind_names);
			r->token_kind = (enum railway_token_kind)kind;
			cfg_rd_str(L, v, "endpoint", path, &r->endpoint, cfg_match_url, "an http(s) URL");
		}
		cfg_path_pop(path, saved);
	} else if ((v = cfg_enter_key(n, "prometheus", path, &saved))) {
		struct prometheus_config *p = &src->prometheus;
		src->kind = SOURCE_PROMETHEUS;
		if (cfg_want_map(L, v, path)) {
			const struct ynode *q;
			cfg_check_keys(L, v, path, prometheus_keys);
			cfg_require_key(L, v, path, "url");
			cfg_rd_str(L, v, "url", path, &p->url, cfg_match_url, "an http(s) URL");
			cfg_rd_str(L, v, "token_env", path, &p->token_env, cfg_match_env_name,
			       "an environment variable name like 'PROMETHEUS_TOKEN'");
			cfg_rd_str(L, v, "service_label", path, &p->service_label, cfg_match_prom_label,
			       "a Prometheus label name like 'service'");
			if ((q = cfg_map_get(v, "queries"))) {
				size_t qsaved;
				int i;
				cfg_path_push(path, "queries", &qsaved);
				if (cfg_want_map(L, q, path)) {
					cfg_check_keys(L, q, path, cfg_prom_query_names);
					for (i = 0; i < PROM_QUERY__COUNT; i++)
						cfg_rd_str(L, q, cfg_prom_query_names[i], path,
						       &p->queries[i], cfg_match_prom_query,
						       "a PromQL template with {{service}} or {{services}}, "
						       "not both");
				}
				cfg_path_pop(path, qsaved);
			}
		}
		cfg_path_pop(path, saved);
	}
}

static int level_value(struct loader *L, const struct ynode *v, struct strbuf *path,
		       enum signal s, struct level *out)
{
	enum ytype t = cfg_ytype(v);
	int64_t ms;
	double d;

	if (t == YT_NULL) {
		*out = (struct level){ LEVEL_UNSET, 0 };
		return 0;
	}
	switch (s) {
	case SIGNAL_MEMORY:
	case SIGNAL_DISK:
		if (t == YT_STR && ends_with(v->str, "%"))
			break;
		if (t != YT_STR || units_parse_bytes(&d, v->str) < 0) {
			cfg_report_type(L, v, path, "a percentage like '85%%' or a size like '2GB', "
				    "or null for off");
			return -1;
		}
		*out = (struct level){ LEVEL_BYTES, d };
		return 0;
	case SIGNAL_LATENCY_P95:
		if (cfg_duration_value(L, v, path, &ms, 0) < 0)
			return -1;
		*out = (struct level){ LEVEL_MS, (double)ms };
		return 0;
	default:
		break;
	}
	if (cfg_percent_value(L, v, path, &d) < 0)
		return -1;
	*out = (struct level){ LEVEL_FRACTION, d };
	return 0;
}

int cfg_signal_counts_requests(enum signal s)
{
	return s == SIGNAL_ERROR_RATE_5XX || s == SIGNAL_ERROR_RATE_4XX || s == SIGNAL_LATENCY_P95;
}

/* Reads one signal's threshold over *t: what the file leaves out stays as it was. */
static void rd_threshold(struct loader *L, const struct ynode *n, struct strbuf *path,
			 enum signal s, struct threshold *t)
{
	static const char *const keys[] = {
		"enabled", "warning", "critical", "for", "min_samples", NULL,
	};
	static const char *const http_keys[] = {
		"enabled", "warning", "critical", "for", "min_samples", "min_requests", NULL,
	};
	static const char *const levels[] = { "warning", "critical" };
	size_t i, saved;

	if (!cfg_want_map(L, n, path))
		return;
	cfg_check_keys(L, n, path, cfg_signal_counts_requests(s) ? http_keys : keys);
	/*
	 * What the user writes is what runs: a block written for a signal
	 * turns it on (error_rate_4xx, off by default, or one switched off
	 * project-wide) unless it says `enabled: false` itself.
	 */
	t->enabled = 1;
	cfg_rd_bool(L, n, "enabled", path, &t->enabled);
	for (i = 0; i < 2; i++) {
		const struct ynode *v = cfg_enter_key(n, levels[i], path, &saved);
		if (!v)
			continue;
		level_value(L, v, path, s, i ? &t->critical : &t->warning);
		cfg_path_pop(path, saved);
	}
	cfg_rd_duration(L, n, "for", path, &t->for_ms, 0);
	cfg_rd_small_int(L, n, "min_samples", path, &t->min_samples, 1, 10000);
	if (cfg_signal_counts_requests(s))
		cfg_rd_int(L, n, "min_requests", path, &t->min_requests, 0, 1000000000);
}

static void add_level(struct strbuf *sb, const struct level *l)
{
	if (l->unit == LEVEL_FRACTION)
		units_format_percent(sb, l->value);
	else if (l->unit == LEVEL_MS)
		units_format_duration(sb, (int64_t)l->value);
	else
		units_format_bytes(sb, l->value);
}

/*
 * A warning level above the critical one is a typo more often than a
 * wish, and it would make the warning unreachable: refused. Levels of
 * different units (memory in % and in bytes) are not compared.
 */
static void check_level_order(struct loader *L, const struct ynode *n, struct strbuf *path,
			      const struct threshold *t)
{
	struct strbuf w = STRBUF_INIT, c = STRBUF_INIT;

	if (t->warning.unit == LEVEL_UNSET || t->warning.unit != t->critical.unit ||
	    t->warning.value <= t->critical.value)
		return;
	add_level(&w, &t->warning);
	add_level(&c, &t->critical);
	cfg_report_at(L, n, path, "the warning level (%s) is above the critical level (%s)", w.buf, c.buf);
	strbuf_release(&w);
	strbuf_release(&c);
}

static void rd_thresholds(struct loader *L, const struct ynode *n, struct strbuf *path,
			  struct threshold *th)
{
	int s;

	if (!cfg_want_map(L, n, path))
		return;
	cfg_check_keys(L, n, path, cfg_signal_names);
	for (s = 0; s < SIGNAL__COUNT; s++) {
		size_t saved;
		const struct ynode *v = cfg_enter_key(n, cfg_signal_names[s], path, &saved);
		if (!v)
			continue;
		rd_threshold(L, v, path, (enum signal)s, &th[s]);
		if (v->kind == Y_MAP)
			check_level_order(L, v, path, &th[s]);
		cfg_path_pop(path, saved);
	}
}

static void rd_detect(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "memory_leak", "disk_filling", "regression", "deployments", NULL };
	static const char *const trends[] = { "memory_leak", "disk_filling" };
	static const char *const deploy_keys[] = { "enabled", "stuck_after", NULL };
	static const char *const leak_keys[] = { "enabled", "horizon", "min_fit", NULL };
	static const char *const reg_keys[] = {
		"enabled", "latency_ratio", "error_rate_ratio", "min_error_rate", "confidence",
		"baseline", "cpu_ratio", "memory_ratio", "seasonal_days", NULL,
	};
	struct leak_config *trend_cfg[] = { &L->cfg->leak, &L->cfg->disk_filling };
	const struct ynode *v;
	size_t saved, i;

	if (!cfg_want_map(L, n, path))
		return;
	cfg_check_keys(L, n, path, keys);
	for (i = 0; i < ARRAY_SIZE(trends); i++) {
		struct leak_config *leak = trend_cfg[i];
		if (!(v = cfg_enter_key(n, trends[i], path, &saved)))
			continue;
		if (cfg_want_map(L, v, path)) {
			cfg_check_keys(L, v, path, leak_keys);
			cfg_rd_bool(L, v, "enabled", path, &leak->enabled);
			cfg_rd_duration(L, v, "horizon", path, &leak->horizon_ms, 1);
			cfg_rd_num(L, v, "min_fit", path, &leak->min_fit, 0, 1);
		}
		cfg_path_pop(path, saved);
	}
	if ((v = cfg_enter_key(n, "regression", path, &saved))) {
		struct regression_config *r = &L->cfg->regression;
		if (cfg_want_map(L, v, path)) {
			cfg_check_keys(L, v, path, reg_keys);
			cfg_rd_bool(L, v, "enabled", path, &r->enabled);
			cfg_rd_num(L, v, "latency_ratio", path, &r->latency_ratio, 1, 1000);
			cfg_rd_num(L, v, "error_rate_ratio", path, &r->error_rate_ratio, 1, 1000);
			cfg_rd_percent(L, v, "min_error_rate", path, &r->min_error_rate);
			cfg_rd_num(L, v, "confidence", path, &r->confidence, 0.5, 0.9999);
			cfg_rd_duration(L, v, "baseline", path, &r->baseline_ms, 1);
			cfg_rd_num(L, v, "cpu_ratio", path, &r->cpu_ratio, 1, 1000);
			cfg_rd_num(L, v, "memory_ratio", path, &r->memory_ratio, 1, 1000);
			cfg_rd_small_int(L, v, "seasonal_days", path, &r->seasonal_days, 0, 7);
		}
		cfg_path_pop(path, saved);
	}
	if ((v = cfg_enter_key(n, "deployments", path, &saved))) {
		struct deployments_config *dc = &L->cfg->deployments;
		if (cfg_want_map(L, v, path)) {
			cfg_check_keys(L, v, path, deploy_keys);
			cfg_rd_bool(L, v, "enabled", path, &dc->enabled);
			cfg_rd_duration(L, v, "stuck_after", path, &dc->stuck_after_ms, 1);
		}
		cfg_path_pop(path, saved);
	}
}

#define NAME_EXPECTED "a name of letters, digits, '.', '_' or '-' (at most 63, starting " \
	"with a letter or digit)"

/* The names of a mapping's entries, checked; 0 when the entry's name is bad. */
static int entry_name_ok(struct loader *L, const struct ynode *key, struct strbuf *path)
{
	if (key->kind == Y_SCALAR && cfg_match_name(key->str))
		return 1;
	if (key->kind == Y_SCALAR)
		cfg_report_at(L, key, path, "expected %s, found '%s'", NAME_EXPECTED, key->str);
	return 0;
}

static void rd_upstreams(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "statuspage", "components", NULL };
	struct config *cfg = L->cfg;
	size_t i, saved;

	if (!cfg_want_map(L, n, path))
		return;
	cfg->upstreams = xcalloc(n->nr / 2 + 1, sizeof(*cfg->upstreams));
	for (i = 0; i + 1 < n->nr; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		struct upstream_config *up;

		if (!entry_name_ok(L, k, path))
			continue;
		up = &cfg->upstreams[cfg->upstreams_nr++];
		up->name = xstrdup(k->str);
		cfg_path_push(path, k->str, &saved);
		if (cfg_ytype(v) != YT_NULL && cfg_want_map(L, v, path)) {
			cfg_check_keys(L, v, path, keys);
			cfg_rd_str(L, v, "statuspage", path, &up->statuspage, cfg_match_url,
			       "an http(s) URL");
			cfg_rd_str_list(L, v, "components", path, &up->components, &up->components_nr,
				    NULL, NULL);
		}
		cfg_path_pop(path, saved);
	}
}

static int upstream_known(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->upstreams_nr; i++)
		if (!strcmp(cfg->upstreams[i].name, name))
			return 1;
	return 0;
}

/* Every upstream a service names must be declared under `upstreams`. */
static void check_service_upstreams(struct loader *L, const struct ynode *svc,
				    struct strbuf *path, const struct service_config *sc)
{
	const struct ynode *list = cfg_map_get(svc, "upstreams");
	const char **names;
	size_t i, saved;

	if (!list || list->kind != Y_SEQ)
		return;
	names = xcalloc(L->cfg->upstreams_nr + 1, sizeof(*names));
	for (i = 0; i < L->cfg->upstreams_nr; i++)
		names[i] = L->cfg->upstreams[i].name;
	cfg_path_push(path, "upstreams", &saved);
	for (i = 0; i < list->nr; i++) {
		const struct ynode *item = list->kids[i];
		const char *near;
		size_t len = path->len;

		if (cfg_ytype(item) != YT_STR || upstream_known(L->cfg, item->str))
			continue;
		strbuf_addf(path, "[%zu]", i);
		near = cfg_nearest(item->str, names);
		if (near)
			cfg_report_at(L, item, path, "upstream '%s' is not declared under 'upstreams' "
				  "(did you mean '%s'?)", item->str, near);
		else
			cfg_report_at(L, item, path, "upstream '%s' is not declared under 'upstreams'",
				  item->str);
		strbuf_setlen(path, len);
	}
	cfg_path_pop(path, saved);
	free(names);
	(void)sc;
}

static void rd_services(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = {
		"path", "deployed_as", "enabled", "thresholds", "upstreams", NULL,
	};
	struct config *cfg = L->cfg;
	size_t i, saved;

	if (n->kind != Y_MAP) {
		cfg_report_type(L, n, path, "a mapping of service names to their settings");
		return;
	}
	if (!n->nr) {
		cfg_report_at(L, n, path, "at least one service is required");
		return;
	}
	if (n->nr / 2 > CONFIG_MAX_SERVICES)
		cfg_report_at(L, n, path, "%zu services, more than one scan can observe (at most %d "
			      "per file)", n->nr / 2, CONFIG_MAX_SERVICES);
	cfg->services = xcalloc(n->nr / 2 + 1, sizeof(*cfg->services));
	for (i = 0; i + 1 < n->nr; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1], *th;
		struct service_config *svc;

		if (!entry_name_ok(L, k, path))
			continue;
		svc = &cfg->services[cfg->services_nr++];
		svc->name = xstrdup(k->str);
		svc->path = xstrdup(".");
		svc->deployed_as = xstrdup(k->str);
		svc->enabled = 1;
		memcpy(svc->thresholds, cfg->thresholds, sizeof(svc->thresholds));
		cfg_path_push(path, k->str, &saved);
		if (cfg_ytype(v) != YT_NULL && cfg_want_map(L, v, path)) {
			cfg_check_keys(L, v, path, keys);
			cfg_rd_str(L, v, "path", path, &svc->path, cfg_match_repo_path,
			       "a path relative to the repository root, without '..'");
			cfg_rd_str(L, v, "deployed_as", path, &svc->deployed_as, NULL, NULL);
			cfg_rd_bool(L, v, "enabled", path, &svc->enabled);
			if ((th = cfg_map_get(v, "thresholds"))) {
				size_t tsaved;
				cfg_path_push(path, "thresholds", &tsaved);
				rd_thresholds(L, th, path, svc->thresholds);
				cfg_path_pop(path, tsaved);
			}
			cfg_rd_str_list(L, v, "upstreams", path, &svc->upstreams, &svc->upstreams_nr,
				    cfg_match_name, NAME_EXPECTED);
			check_service_upstreams(L, v, path, svc);
		}
		cfg_path_pop(path, saved);
	}
}

static void rd_agent(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "opencode", "command", "timeout", NULL };
	static const char *const oc_keys[] = { "url", "username", "password_env", "model", NULL };
	struct agent_config *a = &L->cfg->agent;
	const struct ynode *oc, *cmd;
	size_t saved;

	if (cfg_ytype(n) == YT_STR && !strcmp(n->str, "none")) {
		a->kind = AGENT_NONE;
		return;
	}
	if (n->kind != Y_MAP) {
		cfg_report_type(L, n, path, "'none' or a mapping with 'opencode' or 'command'");
		return;
	}
	cfg_check_keys(L, n, path, keys);
	oc = cfg_map_get(n, "opencode");
	cmd = cfg_map_get(n, "command");
	if (!oc == !cmd) {
		cfg_report_at(L, n, path, "expected exactly one of 'opencode', 'command'");
		return;
	}
	cfg_rd_duration(L, n, "timeout", path, &a->timeout_ms, 1);
	if (cmd) {
		a->kind = AGENT_COMMAND;
		cfg_rd_str(L, n, "command", path, &a->command, NULL, NULL);
		return;
	}
	a->kind = AGENT_OPENCODE;
	a->username = xstrdup("opencode");
	a->password_env = xstrdup("OPENCODE_SERVER_PASSWORD");
	cfg_path_push(path, "opencode", &saved);
	if (cfg_want_map(L, oc, path)) {
		cfg_check_keys(L, oc, path, oc_keys);
		cfg_require_key(L, oc, path, "url");
		cfg_rd_str(L, oc, "url", path, &a->url, cfg_match_url, "an http(s) URL");
		cfg_rd_str(L, oc, "username", path, &a->username, NULL, NULL);
		cfg_rd_str(L, oc, "password_env", path, &a->password_env, cfg_match_env_name,
		       "an environment variable name like 'OPENCODE_SERVER_PASSWORD'");
		cfg_rd_str(L, oc, "model", path, &a->model, NULL, NULL);
	}
	cfg_path_pop(path, saved);
}

static void rd_llm(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = {
		"provider", "model", "base_url", "api_key_env", "max_tokens", "timeout", "budget", NULL,
	};
	static const char *const budget_keys[] = {
		"prompt_tokens", "calls_per_run", "tokens_per_run", "tokens_per_day", NULL,
	};
	static const char *const providers[] = { "openai", "anthropic", NULL };
	struct llm_config *llm = &L->cfg->llm;
	const struct ynode *budget;
	int provider = -1;
	size_t saved;

	if (cfg_ytype(n) == YT_STR && !strcmp(n->str, "none")) {
		llm->provider = LLM_NONE;
		return;
	}
	if (n->kind != Y_MAP) {
		cfg_report_type(L, n, path, "'none' or a mapping with 'provider' and 'model'");
		return;
	}
	cfg_check_keys(L, n, path, keys);
	cfg_require_key(L, n, path, "provider");
	cfg_require_key(L, n, path, "model");
	cfg_rd_enum(L, n, "provider", path, &provider, providers);
	cfg_rd_str(L, n, "model", path, &llm->model, NULL, NULL);
	cfg_rd_str(L, n, "base_url", path, &llm->base_url, cfg_match_url, "an http(s) URL");
	cfg_rd_str(L, n, "api_key_env", path, &llm->api_key_env, cfg_match_env_name,
	       "an environment variable name like 'OPENAI_API_KEY'");
	cfg_rd_small_int(L, n, "max_tokens", path, &llm->max_tokens, 1, 1000000);
	cfg_rd_duration(L, n, "timeout", path, &llm->timeout_ms, 1);
	if ((budget = cfg_enter_key(n, "budget", path, &saved))) {
		if (cfg_want_map(L, budget, path)) {
			cfg_check_keys(L, budget, path, budget_keys);
			cfg_rd_small_int(L, budget, "prompt_tokens", path, &llm->budget.prompt_tokens,
					 1000, 1000000);
			cfg_rd_small_int(L, budget, "calls_per_run", path, &llm->budget.calls_per_run, 1, 1000);
			cfg_rd_int(L, budget, "tokens_per_run", path, &llm->budget.tokens_per_run,
				   1, 1000000000000);
			cfg_rd_int(L, budget, "tokens_per_day", path, &llm->budget.tokens_per_day,
				   1, 1000000000000);
		}
		cfg_path_pop(path, saved);
	}
	if (provider == 0) {
		llm->provider = LLM_OPENAI;
		if (!llm->base_url)
			llm->base_url = xstrdup("https://api.openai.com/v1");
		if (!llm->api_key_env)
			llm->api_key_env = xstrdup("OPENAI_API_KEY");
	} else if (provider == 1) {
		llm->provider = LLM_ANTHROPIC;
		if (!llm->base_url)
			llm->base_url = xstrdup("https://api.anthropic.com");
		if (!llm->api_key_env)
			llm->api_key_env = xstrdup("ANTHROPIC_API_KEY");
	}
}

static void rd_pull_requests(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = {
		"labels", "draft", "reviewers", "assignees", "branch_prefix", "max_open",
		"max_per_hour", "cooldown", "on_verify_failure", "forbidden_paths", "author", NULL,
	};
	static const char *const author_keys[] = { "name", "email", NULL };
	struct pull_request_config *pr = &L->cfg->pull_requests;
	int on_failure = pr->on_verify_failure;
	const struct ynode *v;
	size_t saved;

	if (!cfg_want_map(L, n, path))
		return;
	cfg_check_keys(L, n, path, keys);
	cfg_rd_str_list(L, n, "labels", path, &pr->labels, &pr->labels_nr, cfg_match_label,
		    "a label of 1 to 50 characters");
	cfg_rd_bool(L, n, "draft", path, &pr->draft);
	cfg_rd_str_list(L, n, "reviewers", path, &pr->reviewers, &pr->reviewers_nr, cfg_match_reviewer,
		    "a GitHub login or 'org/team'");
	cfg_rd_str_list(L, n, "assignees", path, &pr->assignees, &pr->assignees_nr, cfg_match_login,
		    "a GitHub login");
	cfg_rd_str(L, n, "branch_prefix", path, &pr->branch_prefix, cfg_match_branch_prefix,
	       "a branch prefix like 'autofix/' (letters, digits, '_', '-', ending in '/')");
	cfg_rd_small_int(L, n, "max_open", path, &pr->max_open, 1, 100);
	cfg_rd_small_int(L, n, "max_per_hour", path, &pr->max_per_hour, 1, 100);
	cfg_rd_duration(L, n, "cooldown", path, &pr->cooldown_ms, 0);
	cfg_rd_enum(L, n, "on_verify_failure", path, &on_failure, cfg_verify_failure_names);
	pr->on_verify_failure = on_failure ? VERIFY_FAILURE_SKIP : VERIFY_FAILURE_DRAFT;
	/* Added to the built-in ones (workspace_default_forbidden), which always apply. */
	cfg_rd_str_list(L, n, "forbidden_paths", path, &pr->forbidden_paths, &pr->forbidden_paths_nr,
			cfg_match_glob, "a glob of paths relative to the repository root like "
			"'deploy/**' (no leading '/', no empty, '.' or '..' part)");
	/* Both or neither: half an identity would be completed with the bot's. */
	if ((v = cfg_enter_key(n, "author", path, &saved))) {
		if (v->kind != Y_MAP) {
			cfg_report_type(L, v, path, "a mapping with 'name' and 'email'");
		} else {
			cfg_check_keys(L, v, path, author_keys);
			cfg_require_key(L, v, path, "name");
			cfg_require_key(L, v, path, "email");
			cfg_rd_str(L, v, "name", path, &pr->author_name, cfg_match_person,
				   "a name without '<' or '>' or blanks around it");
			cfg_rd_str(L, v, "email", path, &pr->author_email, cfg_match_email,
				   "an email address like 'bot@example.com'");
		}
		cfg_path_pop(path, saved);
	}
}

static void rd_verify(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "command", "timeout", NULL };
	struct verify_config *v = &L->cfg->verify;

	if (cfg_ytype(n) == YT_STR && *n->str) {
		v->command = xstrdup(n->str);
		return;
	}
	if (n->kind != Y_MAP) {
		cfg_report_type(L, n, path, "a command, or a mapping with 'command' and 'timeout'");
		return;
	}
	cfg_check_keys(L, n, path, keys);
	cfg_require_key(L, n, path, "command");
	cfg_rd_str(L, n, "command", path, &v->command, NULL, NULL);
	cfg_rd_duration(L, n, "timeout", path, &v->timeout_ms, 1);
}

/* `/autofix` commands on autofix's pull requests (autofix event). */
static void rd_commands(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "allow_bots", NULL };
	struct commands_config *c = &L->cfg->commands;

	if (!cfg_want_map(L, n, path))
		return;
	cfg_check_keys(L, n, path, keys);
	cfg_rd_str_list(L, n, "allow_bots", path, &c->allow_bots, &c->allow_bots_nr, cfg_match_bot_login,
			"a GitHub login like 'renovate[bot]'");
}

static void rd_redact(struct loader *L, const struct ynode *top, struct strbuf *path)
{
	const struct ynode *list = cfg_map_get(top, "redact");
	struct config *cfg = L->cfg;
	size_t i;

	cfg_rd_str_list(L, top, "redact", path, &cfg->redact, &cfg->redact_nr, NULL, NULL);
	if (!list || list->kind != Y_SEQ)
		return;
	for (i = 0; i < list->nr; i++) {
		const struct ynode *item = list->kids[i];
		const char *why_not;
		regex_t re;
		size_t at;
		int rc;

		if (cfg_ytype(item) != YT_STR || !*item->str)
			continue;
		if ((why_not = cfg_regex_not_portable(item->str, &at))) {
			strbuf_addf(path, "redact[%zu]", i);
			cfg_report_at(L, item, path, "'%s' is not a valid regular expression for "
				  "autofix: %s (at character %zu)", item->str, why_not, at);
			strbuf_reset(path);
			continue;
		}
		rc = regcomp(&re, item->str, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char why[128];
			regerror(rc, &re, why, sizeof(why));
			strbuf_addf(path, "redact[%zu]", i);
			cfg_report_at(L, item, path, "'%s' is not a valid POSIX extended regular "
				  "expression: %s", item->str, why);
			strbuf_reset(path);
		} else {
			regfree(&re);
		}
	}
}

/* The top-level thresholds: the defaults every service starts from. */
static void rd_top_thresholds(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	rd_thresholds(L, n, path, L->cfg->thresholds);
}

/*
 * A window no longer than its step holds at most one sample: no rate, no
 * duration, no regression can be judged from it, so such a pair is refused
 * rather than left to make every scan silently find nothing. Compared once
 * both have been read (either may be the default), and only when both read
 * cleanly, so that a malformed duration is not reported twice.
 */
static void rd_window_step(struct loader *L, const struct ynode *root, struct strbuf *path)
{
	struct config *cfg = L->cfg;
	size_t before = L->diags->nr + L->dropped;
	struct strbuf w = STRBUF_INIT, st = STRBUF_INIT;
	const struct ynode *at;
	size_t saved = 0;

	cfg_rd_duration(L, root, "window", path, &cfg->window_ms, 1);
	cfg_rd_duration(L, root, "step", path, &cfg->step_ms, 1);
	if (L->diags->nr + L->dropped != before || cfg->window_ms > cfg->step_ms)
		return;
	if ((at = cfg_enter_key(root, "window", path, &saved)) == NULL)
		at = cfg_enter_key(root, "step", path, &saved);
	units_format_duration(&w, cfg->window_ms);
	units_format_duration(&st, cfg->step_ms);
	cfg_report_at(L, at, path, "the window (%s) must be longer than the step (%s), "
		  "or it holds at most one sample", w.buf, st.buf);
	cfg_path_pop(path, saved);
	strbuf_release(&w);
	strbuf_release(&st);
}

/* The top-level sections that are mappings of their own, in the order they are read. */
static const struct {
	const char *key;
	void (*read)(struct loader *L, const struct ynode *n, struct strbuf *path);
} sections[] = {
	{ "source", rd_source },
	{ "thresholds", rd_top_thresholds },
	{ "detect", rd_detect },
	{ "upstreams", rd_upstreams }, /* before services, which refer to them */
	{ "services", rd_services },
	{ "agent", rd_agent },
	{ "llm", rd_llm },
	{ "pull_requests", rd_pull_requests },
	{ "verify", rd_verify },
	{ "commands", rd_commands },
};

void cfg_read_config(struct loader *L, const struct ynode *root)
{
	struct strbuf path = STRBUF_INIT;
	const struct ynode *v;
	size_t saved, i;

	if (!root || cfg_ytype(root) == YT_NULL) {
		cfg_report(L, 1, 1, "", "the file is empty; it needs at least 'version', 'source' "
		       "and 'services'");
		return;
	}
	if (root->kind != Y_MAP) {
		cfg_report_type(L, root, &path, "a mapping at the top of the file");
		return;
	}
	cfg_check_keys(L, root, &path, top_keys);
	cfg_require_key(L, root, &path, "version");
	cfg_require_key(L, root, &path, "source");
	cfg_require_key(L, root, &path, "services");

	if ((v = cfg_enter_key(root, "version", &path, &saved))) {
		if (cfg_ytype(v) != YT_INT && cfg_ytype(v) != YT_FLOAT)
			cfg_report_type(L, v, &path, "%d", CONFIG_VERSION);
		else if (cfg_number_value(v) != CONFIG_VERSION)
			cfg_report_at(L, v, &path, "expected %d, the only version so far, found %s",
				  CONFIG_VERSION, v->str);
		cfg_path_pop(&path, saved);
	}
	rd_window_step(L, root, &path);
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		if (!(v = cfg_enter_key(root, sections[i].key, &path, &saved)))
			continue;
		sections[i].read(L, v, &path);
		cfg_path_pop(&path, saved);
	}
	rd_redact(L, root, &path);
	strbuf_release(&path);
}

