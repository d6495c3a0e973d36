#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"

#define HEAD "version: 1\nsource:\n  railway:\n    project: p-1\n"

static struct config cfg;
static struct config_diags diags;

static int load(const char *text)
{
	config_release(&cfg);
	config_diags_release(&diags);
	return config_load_buffer(&cfg, "t.yml", text, strlen(text), &diags);
}

static const struct config_diag *find_diag(const char *fragment)
{
	size_t i;

	for (i = 0; i < diags.nr; i++)
		if (strstr(diags.items[i].message, fragment))
			return &diags.items[i];
	return NULL;
}

/* The text is rejected with a diagnostic containing fragment at line:col with key path. */
static void rejects(const char *what, const char *text, const char *fragment, int line, int col,
		    const char *key_path)
{
	int rc = load(text);
	const struct config_diag *d = find_diag(fragment);

	ok(rc == BOT_EINVALID && d, "%s: rejected, saying '%s'", what, fragment);
	if (!d) {
		size_t i;
		for (i = 0; i < diags.nr; i++)
			diag("got %d:%d %s: %s", diags.items[i].line, diags.items[i].col,
			     diags.items[i].key_path, diags.items[i].message);
		skip(1, "no diagnostic to locate");
		return;
	}
	ok(d->line == line && d->col == col && !strcmp(d->key_path, key_path) &&
	   !strcmp(d->file, "t.yml"),
	   "  at t.yml:%d:%d '%s' (got %s:%d:%d '%s')", line, col, key_path, d->file, d->line,
	   d->col, d->key_path);
	ok(cfg.services_nr == 0 && cfg.path == NULL, "  and the config is left empty");
}

static void test_defaults(void)
{
	const struct service_config *api;

	is_int(load(HEAD "services:\n  api:\n"), 0, "a minimal file loads");
	is_int(diags.nr, 0, "without diagnostics");
	is_str(cfg.path, "t.yml", "the path is kept");
	is_int(cfg.source.kind, SOURCE_RAILWAY, "railway source");
	is_str(cfg.source.railway.project, "p-1", "project");
	is_str(cfg.source.railway.environment, "production", "default environment");
	is_str(cfg.source.railway.token_env, "RAILWAY_API_TOKEN", "default token variable");
	is_int(cfg.source.railway.token_kind, RAILWAY_TOKEN_AUTO, "default token kind");
	like(cfg.source.railway.endpoint, "railway", "default endpoint");
	is_int(cfg.window_ms, 30 * 60000, "default window 30m");
	is_int(cfg.step_ms, 60000, "default step 1m");
	is_int(cfg.thresholds[SIGNAL_CPU].warning.unit, LEVEL_FRACTION, "cpu warning is a fraction");
	is_double(cfg.thresholds[SIGNAL_CPU].warning.value, 0.80, 1e-9, "cpu warning 80%%");
	is_double(cfg.thresholds[SIGNAL_MEMORY].critical.value, 0.95, 1e-9, "memory critical 95%%");
	is_double(cfg.thresholds[SIGNAL_ERROR_RATE_5XX].critical.value, 0.05, 1e-9, "5xx critical 5%%");
	is_int(cfg.thresholds[SIGNAL_ERROR_RATE_5XX].min_requests, 50, "5xx min_requests 50");
	ok(!cfg.thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "4xx is off by default");
	is_int(cfg.thresholds[SIGNAL_LATENCY_P95].warning.unit, LEVEL_MS, "latency is in ms");
	is_double(cfg.thresholds[SIGNAL_LATENCY_P95].critical.value, 3000, 0, "latency critical 3s");
	is_int(cfg.services_nr, 1, "one service");
	api = config_find_service(&cfg, "api");
	ok(api != NULL, "config_find_service finds it");
	ok(config_find_service(&cfg, "nope") == NULL, "and not another");
	is_str(api->path, ".", "default path");
	is_str(api->deployed_as, "api", "deployed_as defaults to the name");
	ok(api->enabled, "enabled by default");
	is_int(api->upstreams_nr, 0, "no upstreams");
	is_int(cfg.agent.kind, AGENT_NONE, "no agent by default");
	is_int(cfg.llm.provider, LLM_NONE, "no llm by default");
	is_int(cfg.pull_requests.labels_nr, 1, "one default label");
	is_str(cfg.pull_requests.labels[0], "autofix", "called autofix");
	ok(cfg.pull_requests.draft, "draft by default");
	is_str(cfg.pull_requests.branch_prefix, "autofix/", "default branch prefix");
	is_int(cfg.pull_requests.max_open, 3, "max_open 3");
	is_int(cfg.pull_requests.cooldown_ms, 24 * 3600000LL, "cooldown 24h");
	is_int(cfg.pull_requests.max_per_hour, 2, "max_per_hour 2");
	is_int(cfg.pull_requests.on_verify_failure, VERIFY_FAILURE_DRAFT, "a failed verification: a draft");
	ok(cfg.pull_requests.forbidden_paths_nr == 0, "no forbidden paths beyond the built-in ones");
	ok(!cfg.pull_requests.author_name && !cfg.pull_requests.author_email,
	   "no author: the bot's own identity");
	ok(cfg.verify.command == NULL, "no verify command");
	is_int(cfg.verify.timeout_ms, 600000, "verify timeout 10m");
	ok(cfg.leak.enabled && cfg.regression.enabled, "leak and regression detection on");
	is_double(cfg.regression.cpu_ratio, 1.5, 1e-9, "regression.cpu_ratio 1.5");
	is_double(cfg.regression.memory_ratio, 1.25, 1e-9, "regression.memory_ratio 1.25");
	is_int(cfg.regression.seasonal_days, 2, "regression.seasonal_days 2");
	is_int(cfg.redact_nr, 0, "no extra redaction");
	ok(cfg.thresholds[SIGNAL_DISK].enabled, "disk is watched by default");
	is_double(cfg.thresholds[SIGNAL_DISK].warning.value, 0.80, 1e-9, "disk warning 80%%");
	is_double(cfg.thresholds[SIGNAL_DISK].critical.value, 0.90, 1e-9, "disk critical 90%%");
	is_int(cfg.thresholds[SIGNAL_DISK].for_ms, 10 * 60000, "disk for 10m, like memory");
	ok(cfg.disk_filling.enabled, "disk_filling on");
	is_int(cfg.disk_filling.horizon_ms, 24 * 3600000LL, "disk_filling horizon 24h");
	is_double(cfg.disk_filling.min_fit, 0.8, 1e-9, "disk_filling min_fit 0.8");
}

static void test_disk(void)
{
	is_int(load(HEAD "services:\n  db:\n    thresholds:\n      disk: { warning: 70%, critical: 40GB }\n"
		    "detect:\n  disk_filling: { horizon: 3d, min_fit: 0.6 }\n"), 0,
	       "disk thresholds and disk_filling load");
	is_double(config_find_service(&cfg, "db")->thresholds[SIGNAL_DISK].warning.value, 0.70, 1e-9,
		  "a service's disk warning");
	is_int(config_find_service(&cfg, "db")->thresholds[SIGNAL_DISK].critical.unit, LEVEL_BYTES,
	       "a disk level may be a size");
	is_int(cfg.disk_filling.horizon_ms, 3 * 24 * 3600000LL, "disk_filling.horizon read");
	is_int(cfg.leak.horizon_ms, 4 * 3600000LL, "  memory_leak's untouched");
	ok(load(HEAD "services:\n  db:\ndetect:\n  disk_filling: { horizon: 0s }\n") == BOT_EINVALID &&
	   diags.nr == 1 && !strcmp(diags.items[0].key_path, "detect.disk_filling.horizon"),
	   "a zero horizon is refused at its key");
	ok(load(HEAD "services:\n  db:\nthresholds:\n  disk: { warning: lots }\n") == BOT_EINVALID &&
	   diags.nr == 1 && !strcmp(diags.items[0].key_path, "thresholds.disk.warning"),
	   "a disk level that is neither a percentage nor a size is refused");
}

static void test_overrides(void)
{
	const struct service_config *w, *a;

	is_int(load(HEAD
		    "thresholds:\n"
		    "  memory: { warning: 70%, for: 5m }\n"
		    "  latency_p95: { warning: 1500ms, critical: 2s }\n"
		    "  error_rate_4xx: { enabled: true }\n"
		    "services:\n"
		    "  api: { upstreams: [stripe] }\n"
		    "  worker:\n"
		    "    path: services/worker\n"
		    "    deployed_as: Worker Service\n"
		    "    thresholds: { memory: { critical: 2GB }, cpu: { warning: null } }\n"
		    "upstreams:\n"
		    "  stripe: { statuspage: 'https://status.stripe.com', components: [API] }\n"
		    "agent:\n"
		    "  opencode: { url: 'http://127.0.0.1:4096', model: openai/gpt-5 }\n"
		    "llm: { provider: anthropic, model: claude }\n"
		    "verify: { command: make test, timeout: 15m }\n"
		    "redact: ['sk-[A-Za-z0-9]+']\n"), 0, "a file with overrides loads");
	is_double(cfg.thresholds[SIGNAL_MEMORY].warning.value, 0.70, 1e-9,
		  "project-wide memory warning overridden");
	is_double(cfg.thresholds[SIGNAL_MEMORY].critical.value, 0.95, 1e-9,
		  "project-wide memory critical keeps the default");
	is_int(cfg.thresholds[SIGNAL_MEMORY].for_ms, 300000, "memory for 5m");
	is_double(cfg.thresholds[SIGNAL_LATENCY_P95].warning.value, 1500, 0, "latency 1500ms");
	is_double(cfg.thresholds[SIGNAL_LATENCY_P95].critical.value, 2000, 0, "latency 2s");
	ok(cfg.thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "4xx switched on");
	w = config_find_service(&cfg, "worker");
	a = config_find_service(&cfg, "api");
	ok(w && a, "both services");
	if (!w || !a)
		return;
	is_int(w->thresholds[SIGNAL_MEMORY].critical.unit, LEVEL_BYTES, "worker memory critical in bytes");
	is_double(w->thresholds[SIGNAL_MEMORY].critical.value, 2e9, 0, "  2GB");
	is_double(w->thresholds[SIGNAL_MEMORY].warning.value, 0.70, 1e-9,
		  "worker memory warning comes from the project-wide override");
	is_int(w->thresholds[SIGNAL_MEMORY].for_ms, 300000, "  and so does its 'for'");
	is_int(w->thresholds[SIGNAL_CPU].warning.unit, LEVEL_UNSET, "null switches a level off");
	is_double(w->thresholds[SIGNAL_CPU].critical.value, 0.95, 1e-9, "  the other stays");
	is_double(a->thresholds[SIGNAL_MEMORY].critical.value, 0.95, 1e-9,
		  "the other service keeps the project-wide value");
	is_str(w->path, "services/worker", "path");
	is_str(w->deployed_as, "Worker Service", "deployed_as");
	is_int(a->upstreams_nr, 1, "api names one upstream");
	is_str(cfg.upstreams[0].statuspage, "https://status.stripe.com", "statuspage");
	is_str(cfg.upstreams[0].components[0], "API", "component");
	is_int(cfg.agent.kind, AGENT_OPENCODE, "opencode agent");
	is_str(cfg.agent.username, "opencode", "default username");
	is_str(cfg.agent.password_env, "OPENCODE_SERVER_PASSWORD", "default password variable");
	is_int(cfg.llm.provider, LLM_ANTHROPIC, "anthropic");
	is_str(cfg.llm.api_key_env, "ANTHROPIC_API_KEY", "provider's default key variable");
	like(cfg.llm.base_url, "anthropic.com", "provider's default base URL");
	is_str(cfg.verify.command, "make test", "verify command");
	is_int(cfg.verify.timeout_ms, 900000, "verify timeout");
	is_int(cfg.redact_nr, 1, "a redaction pattern");
}

/*
 * What the user writes is what runs: a threshold block for a signal that
 * is off by default turns it on, unless it says `enabled: false`; and
 * `validate --print` shows it on.
 */
static void test_written_block_enables(void)
{
	const struct service_config *a, *w, *o;
	struct json *j;
	char *text;

	is_int(load(HEAD "services:\n  api:\n"), 0, "no 4xx block");
	ok(!cfg.thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "  4xx stays off by default");

	is_int(load(HEAD "thresholds:\n  error_rate_4xx: { warning: 5% }\nservices:\n  api:\n"), 0,
	       "a project-wide 4xx block without 'enabled'");
	ok(cfg.thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "  turns 4xx on");
	a = config_find_service(&cfg, "api");
	ok(a && a->thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "  for the services too");
	j = config_to_json(&cfg);
	text = json_print(j, 0);
	like(text, "\"error_rate_4xx\":{\"enabled\":true", "  and --print shows it on");
	free(text);
	json_free(j);

	is_int(load(HEAD "thresholds:\n  error_rate_4xx: { enabled: false, warning: 5% }\n"
		    "services:\n  api:\n"), 0, "a 4xx block saying enabled: false");
	ok(!cfg.thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "  stays off");

	is_int(load(HEAD "thresholds:\n  memory: { enabled: false }\n"
		    "services:\n"
		    "  api:\n"
		    "  web: { thresholds: { error_rate_4xx: { critical: 30% } } }\n"
		    "  worker: { thresholds: { memory: { critical: 2GB } } }\n"
		    "  off: { thresholds: { error_rate_4xx: { enabled: false } } }\n"), 0,
	       "service blocks");
	a = config_find_service(&cfg, "api");
	w = config_find_service(&cfg, "web");
	o = config_find_service(&cfg, "off");
	ok(a && w && o, "  three services found");
	if (!a || !w || !o)
		return;
	ok(!a->thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "  a service without a block keeps 4xx off");
	ok(w->thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "  a service's 4xx block turns it on there");
	ok(!o->thresholds[SIGNAL_ERROR_RATE_4XX].enabled, "  unless it says enabled: false");
	ok(!a->thresholds[SIGNAL_MEMORY].enabled, "  memory off project-wide stays off for api");
	w = config_find_service(&cfg, "worker");
	ok(w && w->thresholds[SIGNAL_MEMORY].enabled,
	   "  a service that writes a memory block gets memory back");
}

/*
 * Keys accepted but not used yet would load with a warning each
 * (config_pending_keys); every stage is built today, so none is pending
 * and a file with the fix stage's keys loads without a word.
 */
static void test_pending_warnings(void)
{
	ok(config_pending_keys[0].key == NULL, "no key is pending today");
	is_int(load(HEAD "services:\n  api:\n"
		    "verify: npm test\n"
		    "agent: { command: my-agent }\n"
		    "pull_requests: { draft: false }\n"), 0, "a file with verify, agent and pull_requests loads");
	is_int(diags.nr, 0, "  with no diagnostic");
	is_int(load(HEAD "services:\n  api:\nllm: { provider: nope, model: m }\n"), BOT_EINVALID,
	       "an invalid file");
	ok(diags.nr == 1 && !diags.items[0].warning, "  has its error and no warning");
}

/* At most CONFIG_MAX_SERVICES services per file, refused before any request. */
static void test_max_services(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	strbuf_addstr(&sb, HEAD "services:\n");
	for (i = 0; i < CONFIG_MAX_SERVICES; i++)
		strbuf_addf(&sb, "  s%d:\n", i);
	is_int(config_load_buffer(&cfg, "t.yml", sb.buf, sb.len, &diags), 0,
	       "%d services load", CONFIG_MAX_SERVICES);
	is_int(cfg.services_nr, CONFIG_MAX_SERVICES, "  all of them");
	config_release(&cfg);
	config_diags_release(&diags);
	strbuf_addf(&sb, "  s%d:\n", i);
	is_int(config_load_buffer(&cfg, "t.yml", sb.buf, sb.len, &diags), BOT_EINVALID,
	       "%d services are refused", CONFIG_MAX_SERVICES + 1);
	ok(diags.nr == 1 && strstr(diags.items[0].message, "2001 services, more than one scan can "
				    "observe (at most 2000 per file)") &&
	   !strcmp(diags.items[0].key_path, "services") && diags.items[0].line == 6,
	   "  saying so at services (line 6)");
	strbuf_release(&sb);
}

static void test_regression_ratios(void)
{
	is_int(load(HEAD "services:\n  api:\ndetect:\n  regression:\n    cpu_ratio: 2.5\n    memory_ratio: 1.1\n"), 0,
	       "detect.regression.cpu_ratio and memory_ratio load");
	is_double(cfg.regression.cpu_ratio, 2.5, 1e-9, "  cpu_ratio 2.5");
	is_double(cfg.regression.memory_ratio, 1.1, 1e-9, "  memory_ratio 1.1");
	ok(load(HEAD "services:\n  api:\ndetect:\n  regression:\n    memory_ratio: 0.5\n") == BOT_EINVALID &&
	   diags.nr == 1 && !strcmp(diags.items[0].key_path, "detect.regression.memory_ratio"),
	   "a memory_ratio under 1 (better counted as worse) is refused at its key");
	is_int(load(HEAD "services:\n  api:\ndetect:\n  regression:\n    seasonal_days: 0\n"), 0,
	       "seasonal_days: 0 (off) loads");
	is_int(cfg.regression.seasonal_days, 0, "  as 0");
	ok(load(HEAD "services:\n  api:\ndetect:\n  regression:\n    seasonal_days: 8\n") == BOT_EINVALID &&
	   diags.nr == 1 && !strcmp(diags.items[0].key_path, "detect.regression.seasonal_days"),
	   "more than 7 earlier days is refused at its key");
}

static void test_prometheus(void)
{
	is_int(load("version: 1\nsource:\n  prometheus:\n    url: http://127.0.0.1:9090\n"
		    "    queries:\n      requests: 'sum(rate(reqs{job=\"{{service}}\"}[{{window}}]))'\n"
		    "services: { api: }\n"), 0, "a prometheus source loads");
	is_int(cfg.source.kind, SOURCE_PROMETHEUS, "prometheus");
	is_str(cfg.source.prometheus.url, "http://127.0.0.1:9090", "url");
	like(cfg.source.prometheus.queries[PROM_REQUESTS], "reqs{job=", "a query overridden");
	like(cfg.source.prometheus.queries[PROM_LATENCY_P95],
	     "histogram_quantile(0.95, sum by ({{service_label}}, le) (rate(http_request_duration_seconds_bucket{",
	     "default latency query is a histogram quantile per service");
	like(cfg.source.prometheus.queries[PROM_MEMORY_USAGE], "{{services}}",
	     "default queries are one for all services ({{services}})");
	like(cfg.source.prometheus.queries[PROM_MEMORY_USAGE], "sum by ({{service_label}}) (label_replace(",
	     "  cAdvisor's container label copied to the service label");
	is_str(cfg.source.prometheus.service_label, "service", "service_label defaults to 'service'");

	is_int(load("version: 1\nsource:\n  prometheus:\n    url: http://127.0.0.1:9090\n"
		    "    service_label: app\nservices: { api: }\n"), 0, "service_label set");
	ok(!cfg.source.prometheus.queries[PROM_DISK_USAGE] && !cfg.source.prometheus.queries[PROM_DISK_LIMIT],
	   "disk_usage and disk_limit have no default (not asked)");
	ok(prom_query_default(PROM_DISK_USAGE) == NULL, "  prom_query_default says so");
	is_str(cfg.source.prometheus.service_label, "app", "  read");
	like(cfg.source.prometheus.queries[PROM_CPU_USAGE], "container_cpu_usage_seconds_total",
	     "cpu from cAdvisor");
	like(cfg.source.prometheus.queries[PROM_ERRORS_5XX], "status=~\"5..\"", "5xx errors");
}

static void test_names(void)
{
	enum signal s;
	int i;

	is_str(signal_name(SIGNAL_ERROR_RATE_5XX), "error_rate_5xx", "signal_name");
	ok(signal_from_name(&s, "latency_p95") == 0 && s == SIGNAL_LATENCY_P95, "signal_from_name");
	is_int(signal_from_name(&s, "network"), BOT_ENOTFOUND, "an unknown signal");
	ok(signal_from_name(&s, "disk") == 0 && s == SIGNAL_DISK, "disk is a signal");
	for (i = 0; i < PROM_QUERY__COUNT; i++)
		ok(prom_query_name((enum prom_query)i)[0] != '\0', "query %d has a name", i);
	is_str(prom_query_name(PROM_LATENCY_P95), "latency_p95", "prom_query_name");
	like(prom_query_default(PROM_LATENCY_P95), "histogram_quantile(0.95,", "prom_query_default");
	ok(prom_query_default(PROM_QUERY__COUNT) == NULL, "  NULL past the end");
}

static void test_json_round_trip(void)
{
	struct json *j1, *j2;
	char *t1, *t2;

	load(HEAD "services:\n  api: { thresholds: { memory: { critical: 1536MiB } } }\n"
	     "llm: { provider: openai, model: gpt-5 }\nverify: npm test\n");
	j1 = config_to_json(&cfg);
	t1 = json_print(j1, 0);
	like(t1, "\"window\":\"30m\"", "durations print with units");
	like(t1, "\"critical\":\"1536MiB\"", "sizes print with units");
	like(t1, "\"warning\":\"80%\"", "percentages print with units");
	is_int(load(t1), 0, "the printed configuration is itself a valid configuration");
	j2 = config_to_json(&cfg);
	t2 = json_print(j2, 0);
	is_str(t2, t1, "and loads to the same configuration");
	free(t1);
	free(t2);
	json_free(j1);
	json_free(j2);
}

static void test_errors(void)
{
	struct strbuf big = STRBUF_INIT;
	size_t i;

	rejects("a misspelt top-level key", HEAD "services: { api: }\ntreshold: {}\n",
		"unknown key 'treshold', did you mean 'thresholds'?", 6, 1, "");
	rejects("a misspelt nested key", HEAD "services:\n  api: { pathh: x }\n",
		"unknown key 'pathh', did you mean 'path'?", 6, 10, "services.api");
	rejects("a key far from any", HEAD "services: { api: }\nbanana: 1\n",
		"unknown key 'banana' (expected one of 'version'", 6, 1, "");
	rejects("a wrong type", HEAD "services: { api: }\nwindow: 30\n",
		"expected a duration like", 6, 9, "window");
	rejects("a bad unit", HEAD "services: { api: }\nthresholds:\n  cpu: { warning: 85 }\n",
		"expected a percentage like '85%'", 7, 19, "thresholds.cpu.warning");
	rejects("a percentage above 100", HEAD "services: { api: }\nthresholds:\n  cpu: { critical: 150% }\n",
		"at most 100%", 7, 20, "thresholds.cpu.critical");
	rejects("a size with a space", HEAD "services:\n  w: { thresholds: { memory: { warning: 2 GB } } }\n",
		"a size like '2GB'", 6, 41, "services.w.thresholds.memory.warning");
	rejects("a duplicate key", HEAD "services:\n  api:\n  api:\n",
		"duplicate key 'api' (first at line 6)", 7, 3, "services.api");
	rejects("a tab in the indentation", HEAD "services:\n\tapi:\n",
		"a tab in the indentation", 6, 1, "");
	rejects("a syntax error", HEAD "services: [api\n", "YAML syntax error", 6, 1, "");
	rejects("non-UTF-8", HEAD "services:\n  caf\xe9:\n", "not valid UTF-8 (byte 0xE9)", 6, 6, "");
	rejects("a control character", HEAD "services:\n  a\x01:\n", "control character U+0001", 6, 4, "");
	rejects("an undefined upstream", HEAD "services:\n  api: { upstreams: [strpe] }\n"
		"upstreams: { stripe: }\n",
		"upstream 'strpe' is not declared under 'upstreams' (did you mean 'stripe'?)", 6, 22,
		"services.api.upstreams[0]");
	rejects("an empty service list", HEAD "services: {}\n", "at least one service", 5, 11, "services");
	rejects("missing services", HEAD, "missing required key 'services'", 1, 1, "");
	rejects("an empty file", "# nothing\n", "the file is empty", 1, 1, "");
	rejects("a list at the top", "- a\n", "expected a mapping at the top", 1, 1, "");
	rejects("two documents", HEAD "services: { api: }\n---\na: 1\n", "a second YAML document", 6, 1, "");
	rejects("an enum typo", HEAD "services: { api: }\nllm: { provider: openia, model: m }\n",
		"did you mean 'openai'?", 6, 18, "llm.provider");
	rejects("an unknown alias", HEAD "services: { api: *nope }\n", "alias '*nope'", 5, 18, "services.api");
	rejects("a self-referencing alias", HEAD "services: &s { api: *s }\n", "alias '*s'", 5, 21, "services.api");
	rejects("a billion laughs", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "more than 10000 nodes", 4, 29, "d[7]");
	rejects("an explicit tag", HEAD "services: { api: !!map {} }\n", "explicit tag", 5, 18, "services.api");
	rejects("both sources", "version: 1\nsource: { railway: { project: p }, prometheus: { url: 'http://x' } }\n"
		"services: { api: }\n", "exactly one of 'railway', 'prometheus'", 2, 9, "source");
	rejects("a query with both {{service}} and {{services}}", "version: 1\nsource:\n  prometheus:\n"
		"    url: http://x\n    queries:\n      requests: 'a{s=\"{{service}}\"} / b{s=~\"{{services}}\"}'\n"
		"services: { api: }\n", "with {{service}} or {{services}}, not both", 6, 17,
		"source.prometheus.queries.requests");
	rejects("a service_label that is no label name", "version: 1\nsource:\n  prometheus:\n"
		"    url: http://x\n    service_label: app-name\nservices: { api: }\n",
		"a Prometheus label name like 'service', found 'app-name'", 5, 20,
		"source.prometheus.service_label");
	rejects("a bad regex", HEAD "services: { api: }\nredact: ['(open']\n",
		"not a valid regular expression for autofix", 6, 10, "redact[0]");
	rejects("a bad version", "version: 2\nsource: { railway: { project: p } }\nservices: { api: }\n",
		"the only version so far", 1, 10, "version");
	rejects("a warning above the critical level", HEAD "services: { api: }\n"
		"thresholds:\n  cpu: { warning: 90%, critical: 80% }\n",
		"the warning level (90%) is above the critical level (80%)", 7, 8, "thresholds.cpu");
	rejects("a service's critical below the project-wide warning", HEAD
		"thresholds: { memory: { warning: 2GB } }\n"
		"services:\n  api: { thresholds: { memory: { critical: 1GB } } }\n",
		"the warning level (2GB) is above the critical level (1GB)", 7, 32,
		"services.api.thresholds.memory");
	is_int(load(HEAD "services:\n  api: { thresholds: { memory: { warning: 3GB } } }\n"), 0,
	       "memory levels in different units are not compared");
	rejects("a token where its variable's name belongs", "version: 1\nsource:\n  railway:\n"
		"    project: p-1\n    token_env: ghp_0123456789abcdefghijklmnopqrstuvwxyz\n"
		"services: { api: }\n", "found a value of 40 characters", 5, 16, "source.railway.token_env");
	ok(diags.nr == 1 && !strstr(diags.items[0].message, "ghp_0123") &&
	   !strstr(bot_error_last(), "ghp_0123"), "  without repeating the token");
	rejects("yes is not a boolean", HEAD "services: { api: }\npull_requests: { draft: yes }\n",
		"expected true or false, found 'yes'", 6, 25, "pull_requests.draft");

	/* every problem is reported, not only the first */
	load("version: 3\nsource: { railway: {} }\nwindow: 5\nservices: { 'bad name': }\n"
	     "pull_requests: { max_open: 0, labels: [a, a] }\n");
	ok(diags.nr >= 6, "six problems, six diagnostics (got %zu)", diags.nr);
	for (i = 1; i < diags.nr; i++)
		if (diags.items[i].line < diags.items[i - 1].line)
			break;
	ok(i == diags.nr, "in file order");

	strbuf_addstr(&big, HEAD "services: { api: }\n");
	while (big.len <= CONFIG_MAX_FILE_SIZE)
		strbuf_addstr(&big, "# padding padding padding padding padding padding padding\n");
	ok(config_load_buffer(&cfg, "big.yml", big.buf, big.len, &diags) == BOT_ETOOBIG,
	   "a file over 1 MiB is refused");
	like(diags.items[diags.nr - 1].message, "the limit is 1048576", "  saying so");
	strbuf_release(&big);

	config_diags_release(&diags);
	is_int(config_load_file(&cfg, "/nonexistent/.autofix.yml", &diags), BOT_ENOTFOUND,
	       "a missing file is BOT_ENOTFOUND");
	ok(diags.nr == 1 && strstr(diags.items[0].message, "cannot open"), "  with a diagnostic");
}

/* llm.budget: its defaults, a partial block, and each limit's range. */
static void test_llm_budget(void)
{
	is_int(load(HEAD "services:\n  api:\nllm: { provider: openai, model: m }\n"), 0, "budget: an llm without one");
	ok(cfg.llm.budget.prompt_tokens == 12000 && cfg.llm.budget.calls_per_run == 20 &&
	   cfg.llm.budget.tokens_per_run == 200000 && cfg.llm.budget.tokens_per_day == 1000000,
	   "budget: the defaults, 12000 / 20 / 200000 / 1000000");
	is_int(load(HEAD "services:\n  api:\nllm:\n  provider: openai\n  model: m\n  budget:\n"
		    "    calls_per_run: 3\n    tokens_per_day: 5000000000\n"), 0, "budget: a partial block");
	ok(cfg.llm.budget.calls_per_run == 3 && cfg.llm.budget.tokens_per_day == 5000000000LL &&
	   cfg.llm.budget.prompt_tokens == 12000 && cfg.llm.budget.tokens_per_run == 200000,
	   "budget: what it sets (a day past 2^32 tokens too), the defaults for the rest");
	is_int(load(HEAD "services:\n  api:\nllm: { provider: openai, model: m, budget: { prompt_tokens: 1000,"
		    " tokens_per_run: 1 } }\n"), 0, "budget: the smallest limits");
	ok(cfg.llm.budget.prompt_tokens == 1000 && cfg.llm.budget.tokens_per_run == 1, "budget: read");
	rejects("a prompt budget no prompt fits",
		HEAD "services: { api: }\nllm: { provider: openai, model: m, budget: { prompt_tokens: 999 } }\n",
		"a whole number from 1000 to 1000000", 6, 61, "llm.budget.prompt_tokens");
	rejects("no calls", HEAD "services: { api: }\nllm: { provider: openai, model: m, budget: { calls_per_run: 0 } }\n",
		"a whole number from 1 to 1000", 6, 61, "llm.budget.calls_per_run");
	rejects("a budget key typo",
		HEAD "services: { api: }\nllm: { provider: openai, model: m, budget: { tokens_per_days: 9 } }\n",
		"did you mean 'tokens_per_day'?", 6, 46, "llm.budget");
}

/* The fix stage's pull_requests keys: read, printed back, and each rule located. */
static void test_pull_requests(void)
{
	struct pull_request_config *pr = &cfg.pull_requests;
	struct json *j;
	char *t1, *t2;

	is_int(load(HEAD "services:\n  api:\npull_requests:\n  max_per_hour: 7\n"
		    "  on_verify_failure: skip\n"
		    "  forbidden_paths: [deploy/**, '**/*.pem', Dockerfile]\n"
		    "  author: { name: Release Bot, email: release-bot@example.com }\n"), 0,
	       "pull_requests: every new key");
	is_int(pr->max_per_hour, 7, "  max_per_hour");
	is_int(pr->on_verify_failure, VERIFY_FAILURE_SKIP, "  on_verify_failure skip");
	ok(pr->forbidden_paths_nr == 3 && !strcmp(pr->forbidden_paths[0], "deploy/**") &&
	   !strcmp(pr->forbidden_paths[1], "**/*.pem") && !strcmp(pr->forbidden_paths[2], "Dockerfile"),
	   "  forbidden_paths, in the file's order, without the built-in ones");
	is_str(pr->author_name, "Release Bot", "  author.name");
	is_str(pr->author_email, "release-bot@example.com", "  author.email");
	j = config_to_json(&cfg);
	t1 = json_print(j, 0);
	json_free(j);
	like(t1, "\"max_per_hour\":7", "  printed: max_per_hour");
	like(t1, "\"on_verify_failure\":\"skip\"", "  printed: on_verify_failure");
	like(t1, "\"forbidden_paths\":[\"deploy/**\",\"**/*.pem\",\"Dockerfile\"]", "  printed: forbidden_paths");
	like(t1, "\"author\":{\"name\":\"Release Bot\",\"email\":\"release-bot@example.com\"}",
	     "  printed: author");
	is_int(load(t1), 0, "  which loads back");
	j = config_to_json(&cfg);
	t2 = json_print(j, 0);
	json_free(j);
	is_str(t2, t1, "  to the same configuration");
	free(t1);
	free(t2);

	is_int(load(HEAD "services:\n  api:\n"), 0, "pull_requests: none written");
	j = config_to_json(&cfg);
	t1 = json_print(j, 0);
	json_free(j);
	like(t1, "\"on_verify_failure\":\"draft\",\"forbidden_paths\":[]}", "  prints the defaults, no author");
	free(t1);

	rejects("max_per_hour 0", HEAD "services: { api: }\npull_requests: { max_per_hour: 0 }\n",
		"a whole number from 1 to 100, found 0", 6, 32, "pull_requests.max_per_hour");
	rejects("a verify-failure typo", HEAD "services: { api: }\npull_requests: { on_verify_failure: skp }\n",
		"did you mean 'skip'?", 6, 37, "pull_requests.on_verify_failure");
	rejects("an absolute glob", HEAD "services: { api: }\npull_requests:\n  forbidden_paths: [deploy/**, /etc/**]\n",
		"no leading '/', no empty, '.' or '..' part), found '/etc/**'", 7, 32,
		"pull_requests.forbidden_paths[1]");
	rejects("a glob climbing out", HEAD "services: { api: }\npull_requests:\n  forbidden_paths: [a/../../b]\n",
		"found 'a/../../b'", 7, 21, "pull_requests.forbidden_paths[0]");
	rejects("a glob with a './'", HEAD "services: { api: }\npull_requests:\n  forbidden_paths: [./a]\n",
		"found './a'", 7, 21, "pull_requests.forbidden_paths[0]");
	rejects("a glob that is a directory", HEAD "services: { api: }\npull_requests:\n  forbidden_paths: [a/]\n",
		"found 'a/'", 7, 21, "pull_requests.forbidden_paths[0]");
	rejects("an empty glob", HEAD "services: { api: }\npull_requests:\n  forbidden_paths: ['']\n",
		"a glob of paths relative to the repository root", 7, 21, "pull_requests.forbidden_paths[0]");
	rejects("an unquoted glob", HEAD "services: { api: }\npull_requests:\n  forbidden_paths: [*.pem]\n",
		"a value that starts with '*' is an alias in YAML: quote it", 7, 22, "");
	rejects("half an author", HEAD "services: { api: }\npull_requests:\n  author: { email: a@b.c }\n",
		"missing required key 'name'", 7, 11, "pull_requests.author");
	rejects("an author as git writes it", HEAD "services: { api: }\npull_requests:\n  author: Bot <a@b.c>\n",
		"expected a mapping with 'name' and 'email', found 'Bot <a@b.c>'", 7, 11, "pull_requests.author");
	rejects("an email with no domain", HEAD "services: { api: }\npull_requests:\n  author: { name: Bot, email: bot }\n",
		"an email address like 'bot@example.com', found 'bot'", 7, 31, "pull_requests.author.email");
	rejects("a name with brackets", HEAD "services: { api: }\npull_requests:\n  author: { name: 'a<b', email: a@b.c }\n",
		"a name without '<' or '>' or blanks around it, found 'a<b'", 7, 19, "pull_requests.author.name");
}

int main(void)
{
	config_init(&cfg);
	test_defaults();
	test_disk();
	test_overrides();
	test_written_block_enables();
	test_pending_warnings();
	test_max_services();
	test_regression_ratios();
	test_prometheus();
	test_names();
	test_json_round_trip();
	test_errors();
	test_llm_budget();
	test_pull_requests();
	config_release(&cfg);
	config_diags_release(&diags);
	return done_testing();
}
