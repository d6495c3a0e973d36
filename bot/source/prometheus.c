/*
 * Prometheus: the HTTP API (/api/v1/query_range), from the templates under
 * `source.prometheus.queries`: a template with {{services}} is one query
 * for every watched service, its answer split into services by the
 * `source.prometheus.service_label` label (the defaults: 8 queries
 * whatever the number of services); any other template is one query per
 * service. The same again over the range shifted back by each of
 * `detect.regression.seasonal_days` days (the service's `seasonal` series);
 * all of them sent at once through http_run_all.
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
 * its name) escaped for a PromQL double-quoted string; {{services}} every
 * watched service's, each escaped for a regex, joined by '|' and escaped
 * for the string; {{service_label}} the label that names services
 * (`source.prometheus.service_label`, "service"); {{window}} becomes the
 * range of rate()/increase(): twice the step, at least one minute, in
 * seconds ("120s").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "source/prometheus.h"
#include "source/source.h"
#include "util/error.h"
#include "util/human.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define PROM_MAX_RESPONSE (16u * 1024 * 1024)

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
	/* Unset in a config built in code; the loader fills in the same defaults. */
	return t && *t ? t : prom_query_default(q);
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

/*
 * Escapes what RE2 (Prometheus's regexes) would read as an operator, so
 * that a service called "api.v2" matches itself and not "apixv2".
 */
static void add_regex_literal(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s))
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
}

int prometheus_query_is_for_all(const char *tmpl)
{
	return strstr(tmpl, "{{services}}") != NULL;
}

static void render(struct strbuf *out, const char *tmpl, const char *label, const char *service,
		   const char *const *services, size_t services_nr, int64_t step_ms)
{
	int64_t range_s = step_ms / 1000 * 2;
	const char *p = tmpl;
	struct strbuf alt = STRBUF_INIT;
	size_t i, j;

	if (range_s < 60)
		range_s = 60;
	/* Distinct names only: two services deployed as one are one alternative. */
	for (i = 0; i < services_nr; i++) {
		for (j = 0; j < i && strcmp(services[j], services[i]); j++)
			;
		if (j < i)
			continue;
		if (alt.len)
			strbuf_addch(&alt, '|');
		add_regex_literal(&alt, services[i]);
	}
	while (*p) {
		if (service && starts_with(p, "{{service}}")) {
			add_label_value(out, service);
			p += strlen("{{service}}");
		} else if (services && starts_with(p, "{{services}}")) {
			add_label_value(out, alt.buf);
			p += strlen("{{services}}");
		} else if (label && starts_with(p, "{{service_label}}")) {
			/* A label name (the loader checks it): nothing to escape. */
			strbuf_addstr(out, label);
			p += strlen("{{service_label}}");
		} else if (starts_with(p, "{{window}}")) {
			strbuf_addf(out, "%llds", (long long)range_s);
			p += strlen("{{window}}");
		} else {
			strbuf_addch(out, *p++);
		}
	}
	strbuf_release(&alt);
}

void prometheus_render_query(struct strbuf *out, const char *tmpl, const char *label, const char *service,
			     int64_t step_ms)
{
	render(out, tmpl, label, service, NULL, 0, step_ms);
}

void prometheus_render_query_all(struct strbuf *out, const char *tmpl, const char *label,
				 const char *const *services, size_t services_nr, int64_t step_ms)
{
	render(out, tmpl, label, NULL, services, services_nr, step_ms);
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

/* Checks that root is a successful matrix answer and gives its result array. */
static int matrix_result(const struct json **out, const struct json *root, const char *what)
{
	const char *status, *type;
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
	if ((err = json_get_arr(out, root, "data.result")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	return 0;
}

/* The value of label on result series r, or NULL. */
static const char *series_label(const struct json *r, const char *label)
{
	return json_str_value(json_member(json_member(r, "metric"), label));
}

/*
 * Appends to s the series of result whose label equals value (every
 * series when label is NULL), folded sample by sample. Samples that are
 * NaN or infinite (histogram_quantile of an empty or overflowing
 * histogram) are kept as NAN, a missing sample.
 */
static int fold_series(struct series *s, const struct json *result, const char *label, const char *value,
		       double factor, int keep_max, const char *what)
{
	const struct json *r, *v;
	struct series acc = SERIES_INIT;
	size_t i, j;
	int err;

	for (i = 0, r = json_first(result); r; r = json_next(r), i++) {
		const struct json *values;
		const char *l;

		if (label && (!(l = series_label(r, label)) || strcmp(l, value)))
			continue;
		if ((err = json_get_arr(&values, r, "values")) < 0) {
			series_release(&acc);
			return bot_error_wrap(err, "%s: ", what);
		}
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

int prometheus_read_matrix(struct series *s, const struct json *root, double factor, int keep_max,
			   const char *what)
{
	const struct json *result;
	int err;

	if ((err = matrix_result(&result, root, what)) < 0)
		return err;
	return fold_series(s, result, NULL, NULL, factor, keep_max, what);
}

int prometheus_read_matrix_by(struct series *const *outs, const char *const *services, size_t services_nr,
			      const char *label, const struct json *root, double factor, int keep_max,
			      const char *what)
{
	const struct json *result, *r;
	size_t i, labelled = 0;
	int err;

	if ((err = matrix_result(&result, root, what)) < 0)
		return err;
	for (r = json_first(result); r; r = json_next(r))
		if (series_label(r, label))
			labelled++;
	/*
	 * Series of other services are ignored, but when none says whose it
	 * is the template aggregated the label away: every service would
	 * silently have no data.
	 */
	if (json_first(result) && !labelled)
		return bot_error(BOT_EINVALID, "%s: no series of the answer has the label '%s' "
				 "(source.prometheus.service_label): a {{services}} template must keep it, "
				 "e.g. 'sum by (%s) (...)'", what, label, label);
	for (i = 0; i < services_nr; i++)
		if ((err = fold_series(outs[i], result, label, services[i], factor, keep_max, what)) < 0)
			return err;
	return 0;
}

static int prometheus_open(struct source *src)
{
	const struct prometheus_config *cfg = &src->cfg->source.prometheus;
	struct prometheus *p;
	int err, q;

	if (!cfg->url || !*cfg->url)
		return bot_error(BOT_EINVALID, "source.prometheus.url is not set");
	/* The loader says the same with a line number; a config built in code gets it here. */
	for (q = 0; q < PROM_QUERY__COUNT; q++)
		if (cfg->queries[q] && strstr(cfg->queries[q], "{{service}}") &&
		    strstr(cfg->queries[q], "{{services}}"))
			return bot_error(BOT_EINVALID, "source.prometheus.queries.%s has both {{service}} "
					 "and {{services}}: use one", prom_query_name((enum prom_query)q));
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

/* One query_range request: query k, day d back, for service i or (all) for every service. */
struct prom_request {
	enum prom_query k;
	size_t d, i;
	int all;
};

/* The error of request r's answer, reading it into the observation on success. */
static int read_answer(const struct prometheus *p, const struct prom_request *pr,
		       const struct http_response *resp, const char *const *names,
		       struct observation *out, int64_t step)
{
	enum metric m = query_target[pr->k].metric;
	double factor = query_target[pr->k].scale ? query_target[pr->k].scale : step / 1000.0;
	int keep_max = query_target[pr->k].keep_max;
	struct strbuf what = STRBUF_INIT;
	struct json *root = NULL;
	int err;

	strbuf_addf(&what, "prometheus query '%s'", prom_query_name(pr->k));
	if (pr->all)
		strbuf_addf(&what, " for all %zu %s", out->services_nr,
			    human_plural((int64_t)out->services_nr, "service", "services"));
	else
		strbuf_addf(&what, " for service '%s'", out->services[pr->i].name);
	if (pr->d)
		strbuf_addf(&what, " %zu day%s earlier", pr->d, pr->d > 1 ? "s" : "");
	/*
	 * Prometheus answers errors (400, 422, 503) with a JSON body saying
	 * why; any other refusal (a proxy's JSON 401) is told by its status.
	 */
	if (json_parse(&root, resp->body.buf, resp->body.len) < 0 ||
	    ((resp->status < 200 || resp->status >= 300) && !json_str_value(json_get(root, "status")))) {
		err = http_status_error(resp, what.buf);
		if (!err)
			err = bot_error(BOT_EINVALID, "%s: the answer is not JSON", what.buf);
	} else if (pr->all) {
		struct series **outs = xcalloc(out->services_nr + 1, sizeof(*outs));
		size_t i;

		for (i = 0; i < out->services_nr; i++)
			outs[i] = pr->d ? &out->services[i].seasonal[m] : &out->services[i].series[m];
		err = prometheus_read_matrix_by(outs, names, out->services_nr, p->cfg->service_label,
						root, factor, keep_max, what.buf);
		free(outs);
	} else {
		struct service_metrics *svc = &out->services[pr->i];
		err = prometheus_read_matrix(pr->d ? &svc->seasonal[m] : &svc->series[m],
					     root, factor, keep_max, what.buf);
	}
	json_free(root);
	strbuf_release(&what);
	return err;
}

static int prometheus_observe(struct source *src, const struct architecture *arch,
			      int64_t start, int64_t end, int64_t step, struct observation *out)
{
	struct prometheus *p = src->priv;
	size_t n = 0, i, k, d, nreq = 0;
	/* The same range on each of the `seasonal_days` days before, for the detector's "usual at this hour". */
	size_t days = src->cfg->regression.enabled && src->cfg->regression.seasonal_days > 0 ?
		      (size_t)src->cfg->regression.seasonal_days : 0;
	const int64_t day = 24LL * 3600 * 1000;
	struct prom_request *plan;
	struct http_request *reqs;
	struct http_response *resps;
	int *results;
	const char **names;
	struct http_stats st;
	const char *base = p->cfg->url;
	size_t baselen = strlen(base);
	int err = 0;

	if (!p->cfg->service_label || !*p->cfg->service_label)
		return bot_error(BOT_EINVALID, "source.prometheus.service_label is not set");
	out->source = xstrdup("prometheus");
	out->project = xstrdup(arch->project_id ? arch->project_id : "prometheus");
	out->start = start;
	out->end = end;
	out->step = step;
	/* names[i]: what the queries call out->services[i] (deployed_as). */
	names = xcalloc(arch->services_nr + 1, sizeof(*names));
	for (i = 0; i < arch->services_nr; i++) {
		if (!arch->services[i].observed)
			continue;
		names[n++] = arch->services[i].name;
		observation_add_service(out, arch->services[i].config_name ?
					arch->services[i].config_name : arch->services[i].name);
	}
	while (baselen && base[baselen - 1] == '/')
		baselen--;
	/* At most one request per query, service and day. */
	plan = xcalloc((days + 1) * n * PROM_QUERY__COUNT + 1, sizeof(*plan));
	for (d = 0; n && d <= days; d++) {
		for (k = 0; k < PROM_QUERY__COUNT; k++) {
			if (prometheus_query_is_for_all(query_template(p, (enum prom_query)k))) {
				plan[nreq++] = (struct prom_request){ (enum prom_query)k, d, 0, 1 };
				continue;
			}
			for (i = 0; i < n; i++)
				plan[nreq++] = (struct prom_request){ (enum prom_query)k, d, i, 0 };
		}
	}
	reqs = xcalloc(nreq + 1, sizeof(*reqs));
	resps = xcalloc(nreq + 1, sizeof(*resps));
	results = xcalloc(nreq + 1, sizeof(*results));
	for (i = 0; i < nreq; i++) {
		struct strbuf url = STRBUF_INIT, q = STRBUF_INIT;
		const char *tmpl = query_template(p, plan[i].k);

		if (plan[i].all)
			prometheus_render_query_all(&q, tmpl, p->cfg->service_label, names, n, step);
		else
			prometheus_render_query(&q, tmpl, p->cfg->service_label, names[plan[i].i], step);
		strbuf_add(&url, base, baselen);
		strbuf_addstr(&url, "/api/v1/query_range");
		/*
		 * POSTed as a form, as Prometheus's API allows: a {{services}}
		 * query grows with the number of services, and a URL that long
		 * can pass a proxy's limit (nginx: 8 KiB) where a body does not.
		 * Reading, it is as safe to retry as a GET.
		 */
		http_request_init(&reqs[i], "POST", url.buf);
		http_request_header(&reqs[i], "Content-Type", "application/x-www-form-urlencoded");
		strbuf_addstr(&reqs[i].body, "query=");
		strbuf_add_urlencoded(&reqs[i].body, q.buf);
		strbuf_addf(&reqs[i].body, "&start=%.3f&end=%.3f&step=%.3f",
			    (start - (int64_t)plan[i].d * day) / 1000.0, (end - (int64_t)plan[i].d * day) / 1000.0,
			    step / 1000.0);
		if (p->token)
			http_request_header(&reqs[i], "Authorization", "Bearer %s", p->token);
		reqs[i].max_body = PROM_MAX_RESPONSE;
		reqs[i].no_cache = 1;
		http_response_init(&resps[i]);
		strbuf_release(&url);
		strbuf_release(&q);
	}
	if (nreq)
		err = http_run_all(p->http, reqs, resps, results, nreq);
	/* In plan order: today first, then each earlier day, newest first. */
	for (i = 0; !err && i < nreq; i++)
		err = read_answer(p, &plan[i], &resps[i], names, out, step);
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
	free(plan);
	free(names);
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
