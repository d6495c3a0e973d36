/*
 * Prometheus: the HTTP API (/api/v1/query_range), one query per signal and
 * service from the templates under `source.prometheus.queries`, and the
 * same again over the range shifted back by each of
 * `detect.regression.seasonal_days` days (the service's `seasonal` series).
 *
 * What a template must return (Prometheus's base units, what exporters
 * give): cpu_usage and cpu_limit in cores (vCPU); memory_usage and
 * memory_limit in bytes; requests, errors_5xx and errors_4xx as rates per
 * second; latency_p95 in seconds. This file converts them to metrics.h's
 * units: rates times the step become requests per interval, seconds
 * become milliseconds. Several series in one result (one per pod, say)
 * are added up, except latency, where the worst is kept.
 *
 * Substitutions: {{service}} becomes the service's `deployed_as` (default:
 * its name) escaped for a PromQL double-quoted string; {{window}} becomes
 * the range of rate()/increase(): twice the step, at least one minute,
 * in seconds ("120s").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "source/prometheus.h"
#include "source/source.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define PROM_MAX_RESPONSE (16u * 1024 * 1024)

/*
 * Used when a query is unset (a config built in code); the loader fills in
 * the same defaults: cAdvisor container metrics and the conventional
 * http_requests_total / http_request_duration_seconds (label `service`).
 */
static const char *const default_queries[PROM_QUERY__COUNT] = {
	[PROM_CPU_USAGE] = "sum(rate(container_cpu_usage_seconds_total{container=\"{{service}}\"}[{{window}}]))",
	[PROM_CPU_LIMIT] = "sum(container_spec_cpu_quota{container=\"{{service}}\"})"
			   " / sum(container_spec_cpu_period{container=\"{{service}}\"})",
	[PROM_MEMORY_USAGE] = "sum(container_memory_working_set_bytes{container=\"{{service}}\"})",
	[PROM_MEMORY_LIMIT] = "sum(container_spec_memory_limit_bytes{container=\"{{service}}\"})",
	[PROM_REQUESTS] = "sum(rate(http_requests_total{service=\"{{service}}\"}[{{window}}]))",
	[PROM_ERRORS_5XX] = "sum(rate(http_requests_total{service=\"{{service}}\",status=~\"5..\"}[{{window}}]))",
	[PROM_ERRORS_4XX] = "sum(rate(http_requests_total{service=\"{{service}}\",status=~\"4..\"}[{{window}}]))",
	[PROM_LATENCY_P95] = "histogram_quantile(0.95, sum by (le) "
			     "(rate(http_request_duration_seconds_bucket{service=\"{{service}}\"}[{{window}}])))",
};

/* Which observation series each query fills, and the factor to its unit (0: times the step in s). */
static const struct {
	enum metric metric;
	double scale;
	int keep_max;
} query_target[PROM_QUERY__COUNT] = {
	[PROM_CPU_USAGE] = { METRIC_CPU, 1, 0 },
	[PROM_CPU_LIMIT] = { METRIC_CPU_LIMIT, 1, 0 },
	[PROM_MEMORY_USAGE] = { METRIC_MEMORY, 1, 0 },
	[PROM_MEMORY_LIMIT] = { METRIC_MEMORY_LIMIT, 1, 0 },
	[PROM_REQUESTS] = { METRIC_REQUESTS, 0, 0 },
	[PROM_ERRORS_5XX] = { METRIC_REQUESTS_5XX, 0, 0 },
	[PROM_ERRORS_4XX] = { METRIC_REQUESTS_4XX, 0, 0 },
	[PROM_LATENCY_P95] = { METRIC_LATENCY_P95, 1000, 1 },
};

struct prometheus {
	const struct prometheus_config *cfg;
	char *token;
	struct http_client *http;
};

static const char *query_template(const struct prometheus *p, enum prom_query q)
{
	const char *t = p->cfg->queries[q];
	return t && *t ? t : default_queries[q];
}

/* Escapes a label value for a PromQL double-quoted string. */
static void add_label_value(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_addch(sb, '\\');
		if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *s);
	}
}

void prometheus_render_query(struct strbuf *out, const char *tmpl, const char *service, int64_t step_ms)
{
	int64_t range_s = step_ms / 1000 * 2;
	const char *p = tmpl;

	if (range_s < 60)
		range_s = 60;
	while (*p) {
		if (starts_with(p, "{{service}}")) {
			add_label_value(out, service);
			p += strlen("{{service}}");
		} else if (starts_with(p, "{{window}}")) {
			strbuf_addf(out, "%llds", (long long)range_s);
			p += strlen("{{window}}");
		} else {
			strbuf_addch(out, *p++);
		}
	}
}

/* Prometheus writes values as strings: "1.5", "NaN", "+Inf", "-Inf". */
static int parse_value(double *out, const char *s)
{
	char *end;

	if (!s)
		return -1;
	*out = strtod(s, &end);
	if (end == s || *end)
		return -1;
	return 0;
}

/*
 * Samples that are NaN or infinite (histogram_quantile of an empty or
 * overflowing histogram) are kept as NAN, a missing sample.
 */
int prometheus_read_matrix(struct series *s, const struct json *root, double factor, int keep_max,
			   const char *what)
{
	const char *status, *type;
	const struct json *result, *r, *v;
	struct series acc = SERIES_INIT;
	size_t i, j;
	int err;

	if ((err = json_get_str(&status, root, "status")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	if (strcmp(status, "success")) {
		const char *etype = json_str_value(json_get(root, "errorType"));
		const char *emsg = json_str_value(json_get(root, "error"));
		return bot_error(etype && !strcmp(etype, "bad_data") ? BOT_EINVALID : BOT_ERROR,
				 "%s: prometheus answered %s: %s", what, etype ? etype : status,
				 emsg ? emsg : "(no message)");
	}
	if ((err = json_get_str(&type, root, "data.resultType")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	if (strcmp(type, "matrix"))
		return bot_error(BOT_EINVALID, "%s: expected resultType 'matrix', got '%s'", what, type);
	if ((err = json_get_arr(&result, root, "data.result")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	for (i = 0, r = json_first(result); r; r = json_next(r), i++) {
		const struct json *values;
		if ((err = json_get_arr(&values, r, "values")) < 0)
			return bot_error_wrap(err, "%s: ", what);
		for (j = 0, v = json_first(values); v; v = json_next(v), j++) {
			const struct json *t = json_get(v, "[0]");
			double val;
			if (json_type(t) != JSON_NUMBER ||
			    parse_value(&val, json_str_value(json_get(v, "[1]"))) < 0) {
				series_release(&acc);
				return bot_error(BOT_EINVALID, "%s: 'data.result[%zu].values[%zu]' is not [time, \"value\"]",
						 what, i, j);
			}
			series_add(&acc, (int64_t)llround(json_num_value(t) * 1000), val);
		}
	}
	/* Combine the series sample by sample: sort by time, then fold equal times. */
	if (acc.nr) {
		struct series sorted = SERIES_INIT;
		size_t k = 0;

		/* series_normalise would keep only the last of equal times; fold by hand instead. */
		for (i = 1; i < acc.nr; i++) {
			struct sample x = acc.items[i];
			for (j = i; j > 0 && acc.items[j - 1].t > x.t; j--)
				acc.items[j] = acc.items[j - 1];
			acc.items[j] = x;
		}
		while (k < acc.nr) {
			int64_t t = acc.items[k].t;
			double folded = NAN;
			for (; k < acc.nr && acc.items[k].t == t; k++) {
				double x = acc.items[k].v;
				if (!isfinite(x))
					continue;
				if (isnan(folded))
					folded = x;
				else if (keep_max)
					folded = x > folded ? x : folded;
				else
					folded += x;
			}
			series_add(&sorted, t, isnan(folded) ? NAN : folded * factor);
		}
		for (i = 0; i < sorted.nr; i++)
			series_add(s, sorted.items[i].t, sorted.items[i].v);
		series_release(&sorted);
	}
	series_release(&acc);
	return 0;
}

static int prometheus_open(struct source *src)
{
	const struct prometheus_config *cfg = &src->cfg->source.prometheus;
	struct prometheus *p;
	int err;

	if (!cfg->url || !*cfg->url)
		return bot_error(BOT_EINVALID, "source.prometheus.url is not set");
	if (!src->cfg->services_nr)
		return bot_error(BOT_EINVALID, "the prometheus source cannot list services: "
				 "name them under 'services:' in .autofix.yml");
	p = xcalloc(1, sizeof(*p));
	p->cfg = cfg;
	if (cfg->token_env && (err = source_token_from_env(&p->token, cfg->token_env, "Prometheus",
							   "source.prometheus.token_env")) < 0) {
		free(p);
		return err;
	}
	p->http = http_client_new(NULL);
	src->priv = p;
	return 0;
}

static void prometheus_close(struct source *src)
{
	struct prometheus *p = src->priv;

	if (!p)
		return;
	http_client_free(p->http);
	free(p->token);
	free(p);
	src->priv = NULL;
}

/* Prometheus knows metrics, not deployments: the architecture is the configured services. */
static int prometheus_architecture(struct source *src, struct architecture *out)
{
	const struct config *cfg = src->cfg;
	struct prometheus *p = src->priv;
	size_t i;

	out->source = xstrdup("prometheus");
	/* No project or environment: the server's URL is what identifies what was observed. */
	out->project_id = xstrdup(p->cfg->url);
	for (i = 0; i < cfg->services_nr; i++) {
		const struct service_config *sc = &cfg->services[i];
		architecture_add_service(out, sc->deployed_as ? sc->deployed_as : sc->name);
	}
	return 0;
}

static int prometheus_observe(struct source *src, const struct architecture *arch,
			      int64_t start, int64_t end, int64_t step, struct observation *out)
{
	struct prometheus *p = src->priv;
	size_t n = 0, i, k, d, nreq;
	/* The same range on each of the `seasonal_days` days before, for the detector's "usual at this hour". */
	size_t days = src->cfg->regression.enabled && src->cfg->regression.seasonal_days > 0 ?
		      (size_t)src->cfg->regression.seasonal_days : 0;
	const int64_t day = 24LL * 3600 * 1000;
	struct http_request *reqs;
	struct http_response *resps;
	int *results;
	const struct arch_service **svcs;
	struct http_stats st;
	const char *base = p->cfg->url;
	size_t baselen = strlen(base);
	int err = 0;

	out->source = xstrdup("prometheus");
	out->project = xstrdup(arch->project_id ? arch->project_id : "prometheus");
	out->start = start;
	out->end = end;
	out->step = step;
	svcs = xcalloc(arch->services_nr + 1, sizeof(*svcs));
	for (i = 0; i < arch->services_nr; i++) {
		if (!arch->services[i].observed)
			continue;
		svcs[n++] = &arch->services[i];
		observation_add_service(out, arch->services[i].config_name ?
					arch->services[i].config_name : arch->services[i].name);
	}
	while (baselen && base[baselen - 1] == '/')
		baselen--;
	/* Request r = (d * n + i) * PROM_QUERY__COUNT + k: day d back (0: the range itself), service i, query k. */
	nreq = (days + 1) * n * PROM_QUERY__COUNT;
	reqs = xcalloc(nreq + 1, sizeof(*reqs));
	resps = xcalloc(nreq + 1, sizeof(*resps));
	results = xcalloc(nreq + 1, sizeof(*results));
	for (d = 0; d <= days; d++) {
		for (i = 0; i < n; i++)
			for (k = 0; k < PROM_QUERY__COUNT; k++) {
				struct strbuf url = STRBUF_INIT, q = STRBUF_INIT;
				size_t r = (d * n + i) * PROM_QUERY__COUNT + k;

				prometheus_render_query(&q, query_template(p, (enum prom_query)k), svcs[i]->name, step);
				strbuf_add(&url, base, baselen);
				strbuf_addstr(&url, "/api/v1/query_range?query=");
				strbuf_add_urlencoded(&url, q.buf);
				strbuf_addf(&url, "&start=%.3f&end=%.3f&step=%.3f",
					    (start - (int64_t)d * day) / 1000.0, (end - (int64_t)d * day) / 1000.0,
					    step / 1000.0);
				http_request_init(&reqs[r], "GET", url.buf);
				if (p->token)
					http_request_header(&reqs[r], "Authorization", "Bearer %s", p->token);
				reqs[r].max_body = PROM_MAX_RESPONSE;
				reqs[r].no_cache = 1;
				http_response_init(&resps[r]);
				strbuf_release(&url);
				strbuf_release(&q);
			}
	}
	if (nreq)
		err = http_run_all(p->http, reqs, resps, results, nreq);
	for (d = 0; !err && d <= days; d++) {
		for (i = 0; !err && i < n; i++)
			for (k = 0; !err && k < PROM_QUERY__COUNT; k++) {
				size_t r = (d * n + i) * PROM_QUERY__COUNT + k;
				struct service_metrics *svc = &out->services[i];
				struct strbuf what = STRBUF_INIT;
				struct json *root = NULL;
				double factor = query_target[k].scale ? query_target[k].scale : step / 1000.0;

				strbuf_addf(&what, "prometheus query '%s' for service '%s'",
					    prom_query_name((enum prom_query)k), svc->name);
				if (d)
					strbuf_addf(&what, " %zu day%s earlier", d, d > 1 ? "s" : "");
				/* Prometheus answers errors (400, 422, 503) with a JSON body saying why. */
				if (json_parse(&root, resps[r].body.buf, resps[r].body.len) < 0) {
					err = http_status_error(&resps[r], what.buf);
					if (!err)
						err = bot_error(BOT_EINVALID, "%s: the answer is not JSON", what.buf);
				} else {
					err = prometheus_read_matrix(d ? &svc->seasonal[query_target[k].metric] :
								     &svc->series[query_target[k].metric],
								     root, factor, query_target[k].keep_max, what.buf);
				}
				json_free(root);
				strbuf_release(&what);
			}
	}
	/*
	 * An error query with an empty result, where requests were counted,
	 * means no series matched: no errors, not unknown. Zeros at the
	 * request times let the detector judge the rate.
	 */
	for (i = 0; !err && i < n; i++) {
		struct service_metrics *svc = &out->services[i];
		const struct series *req = &svc->series[METRIC_REQUESTS];
		enum metric m;

		for (m = METRIC_REQUESTS_5XX; m <= METRIC_REQUESTS_4XX; m++)
			if (!svc->series[m].nr)
				for (k = 0; k < req->nr; k++)
					series_add(&svc->series[m], req->items[k].t, isnan(req->items[k].v) ? NAN : 0);
	}
	/* Earlier days were read newest first: put their samples in time order. */
	for (i = 0; days && i < n; i++)
		for (k = 0; k < METRIC__COUNT; k++)
			series_normalise(&out->services[i].seasonal[k]);
	http_client_stats(p->http, &st);
	src->requests = (int64_t)st.requests;
	src->bytes = (int64_t)st.bytes_received;
	out->requests = src->requests;
	out->bytes = src->bytes;
	for (i = 0; i < nreq; i++) {
		http_request_release(&reqs[i]);
		http_response_release(&resps[i]);
	}
	free(reqs);
	free(resps);
	free(results);
	free(svcs);
	return err;
}

const struct source_ops prometheus_source_ops = {
	.name = "prometheus",
	.open = prometheus_open,
	.close = prometheus_close,
	.architecture = prometheus_architecture,
	.observe = prometheus_observe,
	.logs = NULL,
	.deployments = NULL,
};
