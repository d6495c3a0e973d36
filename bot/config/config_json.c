/*
 * config_to_json(): the effective configuration, as `validate --print` shows it.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---------------------------------------------------------- as JSON */

/*
 * The effective configuration, in the file's own shape and units, so
 * that the output of `autofix validate --print` is itself a valid
 * .autofix.yml (JSON is YAML) with every default spelled out.
 */

/*
 * A quantity as the file writes it ("30m", "85%", "2GiB"), which the
 * parsers read back to the same value; a JSON null for a level that is off.
 */
static struct json *quantity_json(enum level_unit unit, double value)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j;

	switch (unit) {
	case LEVEL_FRACTION: units_format_percent(&sb, value); break;
	case LEVEL_MS: units_format_duration(&sb, (int64_t)value); break;
	case LEVEL_BYTES: units_format_bytes(&sb, value); break;
	default: return json_new_null();
	}
	j = json_new_str(sb.buf);
	strbuf_release(&sb);
	return j;
}

static void set_duration(struct json *obj, const char *key, int64_t ms)
{
	json_set(obj, key, quantity_json(LEVEL_MS, (double)ms));
}

static void set_percent(struct json *obj, const char *key, double fraction)
{
	json_set(obj, key, quantity_json(LEVEL_FRACTION, fraction));
}

/* The config keeps its lists as char **; the JSON builder takes them read-only. */
static struct json *strv_json(char **v, size_t nr)
{
	return json_new_str_array((const char *const *)v, nr);
}

static struct json *thresholds_json(const struct threshold *th)
{
	struct json *all = json_new_object();
	int s;

	for (s = 0; s < SIGNAL__COUNT; s++) {
		struct json *t = json_new_object();
		json_set_bool(t, "enabled", th[s].enabled);
		json_set(t, "warning", quantity_json(th[s].warning.unit, th[s].warning.value));
		json_set(t, "critical", quantity_json(th[s].critical.unit, th[s].critical.value));
		set_duration(t, "for", th[s].for_ms);
		json_set_num(t, "min_samples", th[s].min_samples);
		if (cfg_signal_counts_requests((enum signal)s))
			json_set_num(t, "min_requests", (double)th[s].min_requests);
		json_set(all, cfg_signal_names[s], t);
	}
	return all;
}

static struct json *source_json(const struct source_config *src)
{
	struct json *j = json_new_object(), *k = json_new_object();
	int q;

	if (src->kind == SOURCE_PROMETHEUS) {
		struct json *queries = json_new_object();
		json_set_str(k, "url", src->prometheus.url);
		json_set_opt_str(k, "token_env", src->prometheus.token_env);
		json_set_str(k, "service_label", src->prometheus.service_label);
		for (q = 0; q < PROM_QUERY__COUNT; q++)
			if (src->prometheus.queries[q]) /* an optional query not asked is left out */
				json_set_str(queries, cfg_prom_query_names[q], src->prometheus.queries[q]);
		json_set(k, "queries", queries);
		json_set(j, "prometheus", k);
	} else {
		json_set_str(k, "project", src->railway.project);
		json_set_str(k, "environment", src->railway.environment);
		json_set_str(k, "token_env", src->railway.token_env);
		json_set_str(k, "token_kind", cfg_token_kind_names[src->railway.token_kind]);
		json_set_str(k, "endpoint", src->railway.endpoint);
		json_set(j, "railway", k);
	}
	return j;
}

struct json *config_to_json(const struct config *cfg)
{
	struct json *root = json_new_object(), *o, *p;
	size_t i;

	json_set_num(root, "version", cfg->version);
	json_set(root, "source", source_json(&cfg->source));
	set_duration(root, "window", cfg->window_ms);
	set_duration(root, "step", cfg->step_ms);
	json_set(root, "thresholds", thresholds_json(cfg->thresholds));

	o = json_new_object();
	p = json_new_object();
	json_set_bool(p, "enabled", cfg->leak.enabled);
	set_duration(p, "horizon", cfg->leak.horizon_ms);
	json_set_num(p, "min_fit", cfg->leak.min_fit);
	json_set(o, "memory_leak", p);
	p = json_new_object();
	json_set_bool(p, "enabled", cfg->disk_filling.enabled);
	set_duration(p, "horizon", cfg->disk_filling.horizon_ms);
	json_set_num(p, "min_fit", cfg->disk_filling.min_fit);
	json_set(o, "disk_filling", p);
	p = json_new_object();
	json_set_bool(p, "enabled", cfg->regression.enabled);
	json_set_num(p, "latency_ratio", cfg->regression.latency_ratio);
	json_set_num(p, "error_rate_ratio", cfg->regression.error_rate_ratio);
	set_percent(p, "min_error_rate", cfg->regression.min_error_rate);
	json_set_num(p, "confidence", cfg->regression.confidence);
	set_duration(p, "baseline", cfg->regression.baseline_ms);
	json_set_num(p, "cpu_ratio", cfg->regression.cpu_ratio);
	json_set_num(p, "memory_ratio", cfg->regression.memory_ratio);
	json_set_num(p, "seasonal_days", cfg->regression.seasonal_days);
	json_set(o, "regression", p);
	p = json_new_object();
	json_set_bool(p, "enabled", cfg->deployments.enabled);
	set_duration(p, "stuck_after", cfg->deployments.stuck_after_ms);
	json_set(o, "deployments", p);
	json_set(root, "detect", o);

	o = json_new_object();
	for (i = 0; i < cfg->services_nr; i++) {
		const struct service_config *svc = &cfg->services[i];
		p = json_new_object();
		json_set_str(p, "path", svc->path);
		json_set_str(p, "deployed_as", svc->deployed_as);
		json_set_bool(p, "enabled", svc->enabled);
		json_set(p, "thresholds", thresholds_json(svc->thresholds));
		json_set(p, "upstreams", strv_json(svc->upstreams, svc->upstreams_nr));
		json_set(o, svc->name, p);
	}
	json_set(root, "services", o);

	o = json_new_object();
	for (i = 0; i < cfg->upstreams_nr; i++) {
		const struct upstream_config *up = &cfg->upstreams[i];
		p = json_new_object();
		json_set_opt_str(p, "statuspage", up->statuspage);
		json_set(p, "components", strv_json(up->components, up->components_nr));
		json_set(o, up->name, p);
	}
	json_set(root, "upstreams", o);

	if (cfg->agent.kind == AGENT_NONE) {
		json_set_str(root, "agent", "none");
	} else {
		o = json_new_object();
		if (cfg->agent.kind == AGENT_OPENCODE) {
			p = json_new_object();
			json_set_str(p, "url", cfg->agent.url);
			json_set_str(p, "username", cfg->agent.username);
			json_set_str(p, "password_env", cfg->agent.password_env);
			json_set_opt_str(p, "model", cfg->agent.model);
			json_set(o, "opencode", p);
		} else {
			json_set_str(o, "command", cfg->agent.command);
		}
		set_duration(o, "timeout", cfg->agent.timeout_ms);
		json_set(root, "agent", o);
	}

	if (cfg->llm.provider == LLM_NONE) {
		json_set_str(root, "llm", "none");
	} else {
		o = json_new_object();
		json_set_str(o, "provider", cfg_llm_provider_names[cfg->llm.provider]);
		json_set_str(o, "model", cfg->llm.model);
		json_set_str(o, "base_url", cfg->llm.base_url);
		json_set_str(o, "api_key_env", cfg->llm.api_key_env);
		json_set_num(o, "max_tokens", cfg->llm.max_tokens);
		set_duration(o, "timeout", cfg->llm.timeout_ms);
		p = json_new_object();
		json_set_num(p, "prompt_tokens", cfg->llm.budget.prompt_tokens);
		json_set_num(p, "calls_per_run", cfg->llm.budget.calls_per_run);
		json_set_num(p, "tokens_per_run", (double)cfg->llm.budget.tokens_per_run);
		json_set_num(p, "tokens_per_day", (double)cfg->llm.budget.tokens_per_day);
		json_set(o, "budget", p);
		json_set(root, "llm", o);
	}

	o = json_new_object();
	json_set(o, "labels", strv_json(cfg->pull_requests.labels, cfg->pull_requests.labels_nr));
	json_set_bool(o, "draft", cfg->pull_requests.draft);
	json_set(o, "reviewers", strv_json(cfg->pull_requests.reviewers,
					   cfg->pull_requests.reviewers_nr));
	json_set(o, "assignees", strv_json(cfg->pull_requests.assignees,
					   cfg->pull_requests.assignees_nr));
	json_set_str(o, "branch_prefix", cfg->pull_requests.branch_prefix);
	json_set_num(o, "max_open", cfg->pull_requests.max_open);
	json_set_num(o, "max_per_hour", cfg->pull_requests.max_per_hour);
	set_duration(o, "cooldown", cfg->pull_requests.cooldown_ms);
	json_set_str(o, "on_verify_failure",
		     cfg_verify_failure_names[cfg->pull_requests.on_verify_failure]);
	/* The file's own list: the built-in globs apply whatever it says. */
	json_set(o, "forbidden_paths", strv_json(cfg->pull_requests.forbidden_paths,
						 cfg->pull_requests.forbidden_paths_nr));
	/* None: autofix's own bot identity, learned from GitHub at run time. */
	if (cfg->pull_requests.author_name && cfg->pull_requests.author_email) {
		p = json_new_object();
		json_set_str(p, "name", cfg->pull_requests.author_name);
		json_set_str(p, "email", cfg->pull_requests.author_email);
		json_set(o, "author", p);
	}
	json_set(root, "pull_requests", o);

	if (cfg->verify.command) {
		o = json_new_object();
		json_set_str(o, "command", cfg->verify.command);
		set_duration(o, "timeout", cfg->verify.timeout_ms);
		json_set(root, "verify", o);
	}
	o = json_new_object();
	json_set(o, "allow_bots", strv_json(cfg->commands.allow_bots, cfg->commands.allow_bots_nr));
	json_set(root, "commands", o);
	json_set(root, "redact", strv_json(cfg->redact, cfg->redact_nr));
	return root;
}
