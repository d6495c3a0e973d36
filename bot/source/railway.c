/*
 * Railway: the public GraphQL API (backboard.railway.com/graphql/v2).
 *
 * Three requests per scan, whatever the number of services (see
 * railway.h). GraphQL reports errors with HTTP 200 and an `errors` array;
 * every response goes through railway_check_response(), and a response
 * with any error fails the whole operation.
 *
 * Units: Railway's CPU is in vCPU, memory in GB (taken as 10^9 bytes;
 * only the ratio to the limit matters to the detector), HTTP counts are
 * requests per stepSeconds bucket, durations in milliseconds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "source/railway.h"
#include "util/error.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define RAILWAY_DEFAULT_ENDPOINT "https://backboard.railway.com/graphql/v2"
#define RAILWAY_GB 1e9
/* A scan's responses are small; 100 services x 4 series x 30 samples is well under this. */
#define RAILWAY_MAX_RESPONSE (32u * 1024 * 1024)

/* ---------------------------------------------------------------- documents */

static void add_json_str(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	strbuf_add_json_escaped(sb, s);
	strbuf_addch(sb, '"');
}

/* Appends `"query": "<doc>"` with the document escaped. */
static void add_query(struct strbuf *body, const struct strbuf *doc)
{
	strbuf_addstr(body, "{\"query\":");
	add_json_str(body, doc->buf);
}

static void add_time_var(struct strbuf *body, const char *name, int64_t ms)
{
	struct strbuf t = STRBUF_INIT;

	time_format_iso8601(&t, ms);
	strbuf_addf(body, ",\"%s\":", name);
	add_json_str(body, t.buf);
	strbuf_release(&t);
}

static const char architecture_doc[] =
	"query autofixArchitecture($projectId: String!) {\n"
	"  project(id: $projectId) {\n"
	"    id\n"
	"    name\n"
	"    environments {\n"
	"      pageInfo { hasNextPage }\n"
	"      edges {\n"
	"        node {\n"
	"          id\n"
	"          name\n"
	"          serviceInstances {\n"
	"            pageInfo { hasNextPage }\n"
	"            edges {\n"
	"              node {\n"
	"                id\n"
	"                serviceId\n"
	"                serviceName\n"
	"                rootDirectory\n"
	"                numReplicas\n"
	"                source { repo image }\n"
	"                latestDeployment { id status createdAt }\n"
	"              }\n"
	"            }\n"
	"          }\n"
	"          volumeInstances {\n"
	"            pageInfo { hasNextPage }\n"
	"            edges {\n"
	"              node {\n"
	"                id\n"
	"                serviceId\n"
	"                mountPath\n"
	"                sizeMB\n"
	"                currentSizeMB\n"
	"                volume { id name }\n"
	"              }\n"
	"            }\n"
	"          }\n"
	"        }\n"
	"      }\n"
	"    }\n"
	"  }\n"
	"  platformStatus {\n"
	"    isStable\n"
	"    incident { id message status url }\n"
	"    maintenance { id message status url }\n"
	"  }\n"
	"}\n";

void railway_body_architecture(struct strbuf *body, const char *project_id)
{
	struct strbuf doc = STRBUF_INIT;

	strbuf_addstr(&doc, architecture_doc);
	add_query(body, &doc);
	strbuf_addstr(body, ",\"variables\":{\"projectId\":");
	add_json_str(body, project_id);
	strbuf_addstr(body, "}}");
	strbuf_release(&doc);
}

#define RAILWAY_DAY_MS (24LL * 3600 * 1000)

/*
 * The variable list shared by the aliased documents: window, step, one $sI
 * per service, and $dayStartK/$dayEndK for the same window K days earlier.
 */
static void add_window_var_defs(struct strbuf *doc, size_t n, int days)
{
	size_t i;
	int k;

	strbuf_addstr(doc, "$environmentId: String!, $startDate: DateTime!, $endDate: DateTime!, $step: Int!");
	for (k = 1; k <= days; k++)
		strbuf_addf(doc, ", $dayStart%d: DateTime!, $dayEnd%d: DateTime!", k, k);
	for (i = 0; i < n; i++)
		strbuf_addf(doc, ", $s%zu: String!", i);
}

static void add_window_vars(struct strbuf *body, const char *environment_id,
			    const char *const *service_ids, size_t n,
			    int64_t start, int64_t end, int64_t step, int days)
{
	size_t i;
	int k;

	strbuf_addstr(body, ",\"variables\":{\"environmentId\":");
	add_json_str(body, environment_id);
	add_time_var(body, "startDate", start);
	add_time_var(body, "endDate", end);
	for (k = 1; k <= days; k++) {
		char name[32];
		snprintf(name, sizeof(name), "dayStart%d", k);
		add_time_var(body, name, start - k * RAILWAY_DAY_MS);
		snprintf(name, sizeof(name), "dayEnd%d", k);
		add_time_var(body, name, end - k * RAILWAY_DAY_MS);
	}
	strbuf_addf(body, ",\"step\":%lld", (long long)(step / 1000 > 0 ? step / 1000 : 1));
	for (i = 0; i < n; i++) {
		strbuf_addf(body, ",\"s%zu\":", i);
		add_json_str(body, service_ids[i]);
	}
}

/* One service's resource series between the query variables $from and $to, named alias. */
static void add_metrics_field(struct strbuf *doc, const char *alias, size_t i,
			      const char *from, const char *to)
{
	strbuf_addf(doc,
		    "  %s: metrics(environmentId: $environmentId, serviceId: $s%zu, "
		    "startDate: $%s, endDate: $%s, sampleRateSeconds: $step, "
		    "averagingWindowSeconds: $step, "
		    "measurements: [CPU_USAGE, CPU_LIMIT, MEMORY_USAGE_GB, MEMORY_LIMIT_GB]) "
		    "{ measurement values { ts value } }\n", alias, i, from, to);
}

void railway_body_metrics(struct strbuf *body, const char *environment_id,
			  const char *const *service_ids, size_t n,
			  int64_t start, int64_t end, int64_t step, int days)
{
	struct strbuf doc = STRBUF_INIT;
	char alias[48], from[32], to[32];
	size_t i;
	int k;

	strbuf_addstr(&doc, "query autofixMetrics(");
	add_window_var_defs(&doc, n, days);
	strbuf_addstr(&doc, ") {\n");
	/*
	 * The limit series, not serviceInstanceLimits: that field is untyped
	 * JSON, and the system autofix replaces read it wrongly so that its
	 * memory and CPU checks could never fire.
	 */
	for (i = 0; i < n; i++) {
		snprintf(alias, sizeof(alias), "m%zu", i);
		add_metrics_field(&doc, alias, i, "startDate", "endDate");
	}
	/* The same hours on earlier days ride in the same request: no extra call per scan. */
	for (k = 1; k <= days; k++) {
		snprintf(from, sizeof(from), "dayStart%d", k);
		snprintf(to, sizeof(to), "dayEnd%d", k);
		for (i = 0; i < n; i++) {
			snprintf(alias, sizeof(alias), "y%d_%zu", k, i);
			add_metrics_field(&doc, alias, i, from, to);
		}
	}
	strbuf_addstr(&doc, "}\n");
	add_query(body, &doc);
	add_window_vars(body, environment_id, service_ids, n, start, end, step, days);
	strbuf_addstr(body, "}}");
	strbuf_release(&doc);
}

void railway_body_http(struct strbuf *body, const char *project_id, const char *environment_id,
		       const char *const *service_ids, size_t n,
		       int64_t start, int64_t end, int64_t step, int days)
{
	struct strbuf doc = STRBUF_INIT;
	size_t i;
	int k;

	strbuf_addstr(&doc, "query autofixHttp($projectId: String!, ");
	add_window_var_defs(&doc, n, days);
	strbuf_addstr(&doc, ") {\n");
	for (i = 0; i < n; i++) {
		strbuf_addf(&doc,
			    "  h%zu: httpMetricsGroupedByStatus(environmentId: $environmentId, serviceId: $s%zu, "
			    "startDate: $startDate, endDate: $endDate, stepSeconds: $step) "
			    "{ statusCode samples { ts value } }\n", i, i);
		strbuf_addf(&doc,
			    "  l%zu: httpDurationMetrics(environmentId: $environmentId, serviceId: $s%zu, "
			    "startDate: $startDate, endDate: $endDate, stepSeconds: $step) "
			    "{ samples { ts p50 p90 p95 p99 } }\n", i, i);
		strbuf_addf(&doc,
			    "  d%zu: deployments(first: %d, input: { projectId: $projectId, "
			    "environmentId: $environmentId, serviceId: $s%zu }) "
			    "{ pageInfo { hasNextPage } edges { node { id status createdAt meta } } }\n",
			    i, RAILWAY_DEPLOYMENTS_PAGE, i);
	}
	for (k = 1; k <= days; k++)
		for (i = 0; i < n; i++)
			strbuf_addf(&doc,
				    "  yl%d_%zu: httpDurationMetrics(environmentId: $environmentId, serviceId: $s%zu, "
				    "startDate: $dayStart%d, endDate: $dayEnd%d, stepSeconds: $step) "
				    "{ samples { ts p95 } }\n", k, i, i, k, k);
	strbuf_addstr(&doc, "}\n");
	add_query(body, &doc);
	add_window_vars(body, environment_id, service_ids, n, start, end, step, days);
	strbuf_addstr(body, ",\"projectId\":");
	add_json_str(body, project_id);
	strbuf_addstr(body, "}}");
	strbuf_release(&doc);
}

void railway_body_logs(struct strbuf *body, const struct log_query *q)
{
	struct strbuf doc = STRBUF_INIT;
	const char *field = q->kind == LOGS_BUILD ? "buildLogs" : "deploymentLogs";
	int limit = q->limit > 0 ? q->limit : 500;

	if (q->kind == LOGS_HTTP) {
		/*
		 * httpLogs is anchored: lines before anchorDate back to
		 * beforeDate, at most beforeLimit of them.
		 */
		strbuf_addstr(&doc,
			      "query autofixHttpLogs($deploymentId: String!, $anchorDate: String, "
			      "$beforeDate: String, $beforeLimit: Int, $filter: String) {\n"
			      "  httpLogs(deploymentId: $deploymentId, anchorDate: $anchorDate, "
			      "beforeDate: $beforeDate, beforeLimit: $beforeLimit, filter: $filter) "
			      "{ timestamp method path httpStatus totalDuration requestId }\n}\n");
		add_query(body, &doc);
		strbuf_addstr(body, ",\"variables\":{\"deploymentId\":");
		add_json_str(body, q->deployment_id);
		add_time_var(body, "anchorDate", q->end);
		add_time_var(body, "beforeDate", q->start);
		strbuf_addf(body, ",\"beforeLimit\":%d", limit);
	} else {
		strbuf_addf(&doc,
			    "query autofix%s($deploymentId: String!, $startDate: DateTime, "
			    "$endDate: DateTime, $filter: String, $limit: Int) {\n"
			    "  logs: %s(deploymentId: $deploymentId, startDate: $startDate, "
			    "endDate: $endDate, filter: $filter, limit: $limit) "
			    "{ timestamp severity message }\n}\n",
			    q->kind == LOGS_BUILD ? "BuildLogs" : "DeploymentLogs", field);
		add_query(body, &doc);
		strbuf_addstr(body, ",\"variables\":{\"deploymentId\":");
		add_json_str(body, q->deployment_id);
		add_time_var(body, "startDate", q->start);
		add_time_var(body, "endDate", q->end);
		strbuf_addf(body, ",\"limit\":%d", limit);
	}
	if (q->filter) {
		strbuf_addstr(body, ",\"filter\":");
		add_json_str(body, q->filter);
	}
	strbuf_addstr(body, "}}");
	strbuf_release(&doc);
}

void railway_body_deployments(struct strbuf *body, const char *project_id, const char *environment_id,
			      const char *service_id)
{
	struct strbuf doc = STRBUF_INIT;

	strbuf_addf(&doc,
		    "query autofixDeployments($projectId: String!, $environmentId: String!, $serviceId: String!) {\n"
		    "  d0: deployments(first: %d, input: { projectId: $projectId, "
		    "environmentId: $environmentId, serviceId: $serviceId }) "
		    "{ pageInfo { hasNextPage } edges { node { id status createdAt meta } } }\n}\n",
		    RAILWAY_DEPLOYMENTS_PAGE);
	add_query(body, &doc);
	strbuf_addstr(body, ",\"variables\":{\"projectId\":");
	add_json_str(body, project_id);
	strbuf_addstr(body, ",\"environmentId\":");
	add_json_str(body, environment_id);
	strbuf_addstr(body, ",\"serviceId\":");
	add_json_str(body, service_id);
	strbuf_addstr(body, "}}");
	strbuf_release(&doc);
}

/* ---------------------------------------------------------------- responses */

int railway_check_response(const struct json *resp)
{
	const struct json *errors = json_get(resp, "errors");
	const struct json *data = json_get(resp, "data");

	if (errors && json_type(errors) == JSON_ARRAY && json_size(errors)) {
		const char *msg = json_str_value(json_get(errors, "[0].message"));
		const struct json *path = json_get(errors, "[0].path");
		struct strbuf where = STRBUF_INIT;
		const struct json *p;
		int code = BOT_ERROR;

		if (!msg)
			msg = "(no message)";
		for (p = json_first(path); p; p = json_next(p)) {
			if (where.len)
				strbuf_addch(&where, '.');
			if (json_type(p) == JSON_STRING)
				strbuf_addstr(&where, json_str_value(p));
			else
				strbuf_addf(&where, "%g", json_num_value(p));
		}
		if (strstr(msg, "Not Authorized") || strstr(msg, "not authorized") ||
		    strstr(msg, "Unauthorized"))
			code = BOT_EAUTH;
		code = bot_error(code, "railway answered with %zu error%s: %s%s%s%s",
				 json_size(errors), json_size(errors) == 1 ? "" : "s", msg,
				 where.len ? " (at '" : "", where.buf, where.len ? "')" : "");
		strbuf_release(&where);
		return code;
	}
	if (!data || json_type(data) != JSON_OBJECT)
		return bot_error(BOT_EINVALID, "railway response has no 'data' object");
	return 0;
}

static char *opt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int check_complete(const struct json *conn, const char *what)
{
	const struct json *more = json_get(conn, "pageInfo.hasNextPage");

	if (more && json_bool_value(more))
		return bot_error(BOT_ETOOBIG, "railway listed only part of the %s (more pages); "
				 "autofix does not act on a partial listing", what);
	return 0;
}

static int read_service_instance(struct architecture *arch, const struct json *node, size_t i)
{
	const char *name, *id, *s;
	struct arch_service *svc;
	const struct json *n;
	int err;

	if ((err = json_get_str(&name, node, "serviceName")) < 0 ||
	    (err = json_get_str(&id, node, "serviceId")) < 0)
		return bot_error_wrap(err, "service instance %zu: ", i);
	svc = architecture_add_service(arch, name);
	svc->id = xstrdup(id);
	if (json_get_opt_str(&s, node, "source.repo") == 0)
		svc->repo = opt_dup(s);
	if (json_get_opt_str(&s, node, "source.image") == 0)
		svc->image = opt_dup(s);
	if (json_get_opt_str(&s, node, "rootDirectory") == 0)
		svc->root_dir = opt_dup(s);
	n = json_get(node, "numReplicas");
	svc->replicas = json_type(n) == JSON_NUMBER ? (int)json_num_value(n) : 0;
	n = json_get(node, "latestDeployment");
	if (n && json_type(n) == JSON_OBJECT) {
		if ((err = json_get_str(&s, n, "id")) < 0)
			return err;
		svc->latest_deployment_id = xstrdup(s);
		if (json_get_opt_str(&s, n, "status") == 0)
			svc->latest_deployment_status = opt_dup(s);
		if ((err = json_get_opt_time(&svc->latest_deployment_at, n, "createdAt")) < 0)
			return err;
	}
	return 0;
}

static int read_volume_instance(struct architecture *arch, const struct json *node)
{
	const char *name, *s;
	struct arch_volume *v;
	int err;

	if ((err = json_get_str(&name, node, "volume.name")) < 0)
		return err;
	v = architecture_add_volume(arch, name);
	if (json_get_opt_str(&s, node, "volume.id") == 0)
		v->id = opt_dup(s);
	if (json_get_opt_str(&s, node, "serviceId") == 0)
		v->service_id = opt_dup(s);
	if (json_get_opt_str(&s, node, "mountPath") == 0)
		v->mount_path = opt_dup(s);
	v->size_mb = json_num_value(json_get(node, "sizeMB"));
	v->used_mb = json_num_value(json_get(node, "currentSizeMB"));
	return 0;
}

int railway_read_architecture(struct architecture *out, const struct json *resp,
			      const char *environment)
{
	const struct json *project, *envs, *env = NULL, *edges, *e, *status;
	const char *s;
	size_t i;
	int err;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	if ((err = json_get_obj(&project, resp, "data.project")) < 0)
		return err;
	out->source = xstrdup("railway");
	if ((err = json_get_str(&s, project, "id")) < 0)
		return err;
	out->project_id = xstrdup(s);
	if ((err = json_get_str(&s, project, "name")) < 0)
		return err;
	out->project_name = xstrdup(s);
	if ((err = json_get_obj(&envs, project, "environments")) < 0 ||
	    (err = check_complete(envs, "environments")) < 0 ||
	    (err = json_get_arr(&edges, envs, "edges")) < 0)
		return err;
	for (e = json_first(edges); e; e = json_next(e)) {
		const char *id = json_str_value(json_get(e, "node.id"));
		const char *name = json_str_value(json_get(e, "node.name"));
		if ((id && !strcmp(id, environment)) || (name && !strcmp(name, environment))) {
			env = json_get(e, "node");
			break;
		}
	}
	if (!env) {
		struct strbuf have = STRBUF_INIT;
		for (e = json_first(edges); e; e = json_next(e))
			strbuf_addf(&have, "%s'%s'", have.len ? ", " : "",
				    json_str_value(json_get(e, "node.name")) ?
				    json_str_value(json_get(e, "node.name")) : "?");
		err = bot_error(BOT_ENOTFOUND, "railway project '%s' has no environment '%s' (it has: %s)",
				out->project_name, environment, have.len ? have.buf : "none");
		strbuf_release(&have);
		return err;
	}
	out->environment_id = xstrdup(json_str_value(json_get(env, "id")));
	out->environment_name = xstrdup(json_str_value(json_get(env, "name")));

	if ((err = check_complete(json_get(env, "serviceInstances"), "service instances")) < 0 ||
	    (err = json_get_arr(&edges, env, "serviceInstances.edges")) < 0)
		return err;
	for (i = 0, e = json_first(edges); e; e = json_next(e), i++)
		if ((err = read_service_instance(out, json_get(e, "node"), i)) < 0)
			return bot_error_wrap(err, "in data.project.environments: ");
	if ((err = check_complete(json_get(env, "volumeInstances"), "volume instances")) < 0 ||
	    (err = json_get_arr(&edges, env, "volumeInstances.edges")) < 0)
		return err;
	for (e = json_first(edges); e; e = json_next(e))
		if ((err = read_volume_instance(out, json_get(e, "node"))) < 0)
			return err;

	status = json_get(resp, "data.platformStatus");
	if (status && json_type(status) == JSON_OBJECT) {
		const char *msg;
		out->platform_known = 1;
		out->platform_stable = json_bool_value(json_get(status, "isStable"));
		msg = json_str_value(json_get(status, "incident.message"));
		if (!msg)
			msg = json_str_value(json_get(status, "maintenance.message"));
		out->platform_incident = opt_dup(msg);
	}
	return 0;
}

/* Samples through metric_intake_json(): a bad one is dropped and counted in *bad, a null is a gap. */
static int read_values(struct series *s, size_t *bad, enum metric m, const struct json *values, double scale,
		       const char *valkey)
{
	const struct json *v;
	size_t i = 0;

	for (v = json_first(values); v; v = json_next(v), i++) {
		const struct json *ts = json_get(v, "ts");
		if (json_type(ts) != JSON_NUMBER)
			return bot_error(BOT_EINVALID, "railway sample %zu has no numeric 'ts'", i);
		metric_intake_json(s, bad, m, ts, json_get(v, "%s", valkey), scale);
	}
	series_normalise(s);
	return 0;
}

/* The measurements of one aliased metrics field (named alias) into set. */
static int read_measurements(struct series *set, size_t *bad, const struct json *list, const char *alias)
{
	const struct json *m;
	int err;

	for (m = json_first(list); m; m = json_next(m)) {
		const char *meas = json_str_value(json_get(m, "measurement"));
		const struct json *values;
		enum metric which;
		double scale = 1;

		if (!meas)
			return bot_error(BOT_EINVALID, "'data.%s': a metric without 'measurement'", alias);
		if (!strcmp(meas, "CPU_USAGE"))
			which = METRIC_CPU;
		else if (!strcmp(meas, "CPU_LIMIT"))
			which = METRIC_CPU_LIMIT;
		else if (!strcmp(meas, "MEMORY_USAGE_GB"))
			which = METRIC_MEMORY, scale = RAILWAY_GB;
		else if (!strcmp(meas, "MEMORY_LIMIT_GB"))
			which = METRIC_MEMORY_LIMIT, scale = RAILWAY_GB;
		else
			continue;
		if ((err = json_get_arr(&values, m, "values")) < 0)
			return bot_error_wrap(err, "'data.%s' %s: ", alias, meas);
		if ((err = read_values(&set[which], bad, which, values, scale, "value")) < 0)
			return bot_error_wrap(err, "'data.%s' %s: ", alias, meas);
	}
	return 0;
}

int railway_read_metrics(struct observation *obs, const struct json *resp, size_t n, int days)
{
	char alias[48];
	size_t i;
	int err, k;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	for (i = 0; i < n && i < obs->services_nr; i++) {
		struct service_metrics *svc = &obs->services[i];
		const struct json *list;

		for (k = 0; k <= days; k++) {
			if (k)
				snprintf(alias, sizeof(alias), "y%d_%zu", k, i);
			else
				snprintf(alias, sizeof(alias), "m%zu", i);
			if ((err = json_get_arr(&list, resp, "data.%s", alias)) < 0 ||
			    (err = read_measurements(k ? svc->seasonal : svc->series, &svc->bad_samples, list, alias)) < 0)
				return err;
		}
	}
	return 0;
}

/* One bucket of the HTTP counts, summed over status codes. */
struct http_bucket {
	int64_t t;
	double all, s5xx, s4xx;
};

static int cmp_bucket(const void *a, const void *b)
{
	const struct http_bucket *x = a, *y = b;
	return (x->t > y->t) - (x->t < y->t);
}

static int read_status_counts(struct service_metrics *svc, const struct json *groups, size_t i)
{
	struct http_bucket *b = NULL;
	struct series one = SERIES_INIT;
	size_t nr = 0, alloc = 0, k, out;
	const struct json *g;
	int err;

	for (g = json_first(groups); g; g = json_next(g)) {
		const struct json *code = json_get(g, "statusCode");
		int status;

		if (json_type(code) != JSON_NUMBER)
			goto bad;
		status = (int)json_num_value(code);
		/*
		 * One status's counts per step: a repeated ts is the same bucket
		 * said again (the last wins), not a second one to add.
		 */
		if ((err = read_values(&one, &svc->bad_samples, METRIC_REQUESTS, json_get(g, "samples"), 1,
				       "value")) < 0)
			goto bad;
		for (k = 0; k < one.nr; k++) {
			double val = one.items[k].v;
			if (isnan(val))
				continue; /* no count: nothing to add */
			ALLOC_GROW(b, nr + 1, alloc);
			b[nr].t = one.items[k].t;
			b[nr].all = val;
			b[nr].s5xx = status >= 500 && status <= 599 ? val : 0;
			b[nr].s4xx = status >= 400 && status <= 499 ? val : 0;
			nr++;
		}
		one.nr = 0;
	}
	series_release(&one);
	/* Buckets of the same time from different status codes add up. */
	if (nr > 1)
		qsort(b, nr, sizeof(*b), cmp_bucket);
	for (k = 0, out = 0; k < nr; k++) {
		if (out && b[out - 1].t == b[k].t) {
			b[out - 1].all += b[k].all;
			b[out - 1].s5xx += b[k].s5xx;
			b[out - 1].s4xx += b[k].s4xx;
		} else {
			b[out++] = b[k];
		}
	}
	for (k = 0; k < out; k++) {
		series_add(&svc->series[METRIC_REQUESTS], b[k].t, b[k].all);
		series_add(&svc->series[METRIC_REQUESTS_5XX], b[k].t, b[k].s5xx);
		series_add(&svc->series[METRIC_REQUESTS_4XX], b[k].t, b[k].s4xx);
	}
	free(b);
	return 0;
bad:
	free(b);
	series_release(&one);
	return bot_error(BOT_EINVALID, "'data.h%zu': a status group without numeric 'statusCode' or 'ts'", i);
}

static int read_deployments(struct service_metrics *svc, const struct json *conn, size_t i,
			    int64_t start, int64_t end)
{
	const struct json *edges, *e;
	int64_t oldest = INT64_MAX;
	int err;

	if ((err = json_get_arr(&edges, conn, "edges")) < 0)
		return bot_error_wrap(err, "'data.d%zu': ", i);
	for (e = json_first(edges); e; e = json_next(e)) {
		const char *id, *status;
		int64_t at;

		if ((err = json_get_str(&id, e, "node.id")) < 0 ||
		    (err = json_get_str(&status, e, "node.status")) < 0 ||
		    (err = json_get_opt_time(&at, e, "node.createdAt")) < 0)
			return bot_error_wrap(err, "'data.d%zu': ", i);
		if (at < oldest)
			oldest = at;
		if (at < start || at > end)
			continue;
		service_add_deployment(svc, id, at, status,
				       json_str_value(json_get(e, "node.meta.commitHash")),
				       json_str_value(json_get(e, "node.meta.commitMessage")));
	}
	/* A full page whose oldest entry is still inside the window may hide more. */
	if (json_bool_value(json_get(conn, "pageInfo.hasNextPage")) && oldest >= start)
		return bot_error(BOT_ETOOBIG, "service '%s' has more than %d deployments in the window",
				 svc->name, RAILWAY_DEPLOYMENTS_PAGE);
	return 0;
}

static int cmp_deployment(const void *a, const void *b)
{
	const struct deployment *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

int railway_read_deployments(struct service_metrics *out, const struct json *resp,
			     int64_t start, int64_t end)
{
	const struct json *deps;
	int err;

	if ((err = railway_check_response(resp)) < 0 ||
	    (err = json_get_obj(&deps, resp, "data.d0")) < 0 ||
	    (err = read_deployments(out, deps, 0, start, end)) < 0)
		return err;
	if (out->deployments_nr > 1)
		qsort(out->deployments, out->deployments_nr, sizeof(*out->deployments), cmp_deployment);
	return 0;
}

int railway_read_http(struct observation *obs, const struct json *resp, size_t n,
		      int64_t start, int64_t end, int days)
{
	size_t i;
	int err, k;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	for (i = 0; i < n && i < obs->services_nr; i++) {
		struct service_metrics *svc = &obs->services[i];
		const struct json *groups, *lat, *deps;

		if ((err = json_get_arr(&groups, resp, "data.h%zu", i)) < 0 ||
		    (err = json_get_arr(&lat, resp, "data.l%zu.samples", i)) < 0 ||
		    (err = json_get_obj(&deps, resp, "data.d%zu", i)) < 0)
			return err;
		if ((err = read_status_counts(svc, groups, i)) < 0)
			return err;
		if ((err = read_values(&svc->series[METRIC_LATENCY_P95], &svc->bad_samples, METRIC_LATENCY_P95, lat, 1, "p95")) < 0)
			return bot_error_wrap(err, "'data.l%zu': ", i);
		if ((err = read_deployments(svc, deps, i, start, end)) < 0)
			return err;
		if (svc->deployments_nr > 1)
			qsort(svc->deployments, svc->deployments_nr, sizeof(*svc->deployments),
			      cmp_deployment);
		for (k = 1; k <= days; k++) {
			if ((err = json_get_arr(&lat, resp, "data.yl%d_%zu.samples", k, i)) < 0)
				return err;
			if ((err = read_values(&svc->seasonal[METRIC_LATENCY_P95], &svc->bad_samples, METRIC_LATENCY_P95, lat, 1,
					       "p95")) < 0)
				return bot_error_wrap(err, "'data.yl%d_%zu': ", k, i);
		}
	}
	return 0;
}

int railway_read_logs(struct log_lines *out, const struct json *resp, enum log_kind kind)
{
	const struct json *list, *l;
	size_t i = 0;
	int err;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	if ((err = json_get_arr(&list, resp, kind == LOGS_HTTP ? "data.httpLogs" : "data.logs")) < 0)
		return err;
	for (l = json_first(list); l; l = json_next(l), i++) {
		struct log_line *line;
		const char *ts;
		int64_t at;

		if ((err = json_get_str(&ts, l, "timestamp")) < 0 ||
		    (err = time_parse_iso8601(&at, ts)) < 0)
			return bot_error_wrap(err, "log line %zu: ", i);
		ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		line = &out->items[out->nr++];
		memset(line, 0, sizeof(*line));
		line->at = at;
		if (kind == LOGS_HTTP) {
			struct strbuf sb = STRBUF_INIT;
			line->http_status = (int)json_num_value(json_get(l, "httpStatus"));
			strbuf_addf(&sb, "%s %s -> %d (%.0f ms)",
				    json_str_value(json_get(l, "method")) ? json_str_value(json_get(l, "method")) : "?",
				    json_str_value(json_get(l, "path")) ? json_str_value(json_get(l, "path")) : "?",
				    line->http_status, json_num_value(json_get(l, "totalDuration")));
			line->message = strbuf_detach(&sb, NULL);
		} else {
			line->severity = opt_dup(json_str_value(json_get(l, "severity")));
			line->message = xstrdup(json_str_value(json_get(l, "message")) ?
						json_str_value(json_get(l, "message")) : "");
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- transport */

struct railway {
	const struct railway_config *cfg;
	const char *endpoint;
	char *token;
	enum railway_token_kind kind; /* AUTO until the first answer settles it */
	struct http_client *http;
};

/* Project tokens and account tokens are both UUIDs; a token of another shape is an account token. */
static int uuid_shaped(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	}
	return 1;
}

static void add_auth(struct http_request *req, const struct railway *rw, enum railway_token_kind kind)
{
	if (kind == RAILWAY_TOKEN_PROJECT)
		http_request_header(req, "Project-Access-Token", "%s", rw->token);
	else
		http_request_header(req, "Authorization", "Bearer %s", rw->token);
}

static void update_cost(struct source *src, const struct railway *rw)
{
	struct http_stats st;

	http_client_stats(rw->http, &st);
	src->requests = (int64_t)st.requests;
	src->bytes = (int64_t)st.bytes_received;
}

static int parse_reply(struct json **out, const struct http_response *resp, const char *what)
{
	int err;

	*out = NULL;
	/* Railway also answers 400 with a GraphQL errors array (a query that does not validate). */
	if (json_parse(out, resp->body.buf, resp->body.len) == 0) {
		if (json_get(*out, "errors") || (resp->status >= 200 && resp->status < 300))
			return 0;
		json_free(*out);
		*out = NULL;
	}
	if ((err = http_status_error(resp, what)) < 0)
		return err;
	return bot_error(BOT_EINVALID, "%s: the answer is not JSON", what);
}

/*
 * Sends n GraphQL bodies in parallel with kind's auth header; replies[i]
 * gets each parsed and checked response. On failure every reply is freed.
 */
static int send_bodies(struct source *src, struct railway *rw, enum railway_token_kind kind,
		       struct strbuf *bodies, const char *const *what, struct json **replies, size_t n)
{
	struct http_request *reqs = xcalloc(n, sizeof(*reqs));
	struct http_response *resps = xcalloc(n, sizeof(*resps));
	int *results = xcalloc(n, sizeof(*results));
	size_t i;
	int err = 0;

	for (i = 0; i < n; i++) {
		replies[i] = NULL;
		http_request_init(&reqs[i], "POST", rw->endpoint);
		http_request_header(&reqs[i], "Content-Type", "application/json");
		add_auth(&reqs[i], rw, kind);
		strbuf_addbuf(&reqs[i].body, &bodies[i]);
		reqs[i].max_body = RAILWAY_MAX_RESPONSE;
		/* A query is read-only: retrying a failed one is safe. */
		reqs[i].no_cache = 1;
		http_response_init(&resps[i]);
	}
	err = http_run_all(rw->http, reqs, resps, results, n);
	update_cost(src, rw);
	for (i = 0; !err && i < n; i++) {
		if ((err = parse_reply(&replies[i], &resps[i], what[i])) < 0)
			break;
		if ((err = railway_check_response(replies[i])) < 0) {
			/* "Not Authorized" after a redirect to another host: the token never got there. */
			if (err == BOT_EAUTH)
				http_error_note_redirect(err, &resps[i]);
			bot_error_wrap(err, "%s: ", what[i]);
		}
	}
	if (err < 0)
		for (i = 0; i < n; i++) {
			json_free(replies[i]);
			replies[i] = NULL;
		}
	for (i = 0; i < n; i++) {
		http_request_release(&reqs[i]);
		http_response_release(&resps[i]);
	}
	free(reqs);
	free(resps);
	free(results);
	return err;
}

/*
 * Sends with the configured token kind. With token_kind auto the first
 * request settles it: a UUID-shaped token is tried as a project token,
 * and when Railway refuses it, once more as an account token (the one
 * extra request auto costs; set token_kind to avoid it).
 */
static int railway_send(struct source *src, struct railway *rw,
			struct strbuf *bodies, const char *const *what, struct json **replies, size_t n)
{
	int err;

	if (rw->kind != RAILWAY_TOKEN_AUTO)
		return send_bodies(src, rw, rw->kind, bodies, what, replies, n);
	if (!uuid_shaped(rw->token)) {
		rw->kind = RAILWAY_TOKEN_ACCOUNT;
		return send_bodies(src, rw, rw->kind, bodies, what, replies, n);
	}
	err = send_bodies(src, rw, RAILWAY_TOKEN_PROJECT, bodies, what, replies, n);
	if (err != BOT_EAUTH) {
		if (!err)
			rw->kind = RAILWAY_TOKEN_PROJECT;
		return err;
	}
	log_debug("railway refused the token as a project token; trying it as an account token");
	err = send_bodies(src, rw, RAILWAY_TOKEN_ACCOUNT, bodies, what, replies, n);
	if (!err)
		rw->kind = RAILWAY_TOKEN_ACCOUNT;
	return err;
}

/* ---------------------------------------------------------------- operations */

static int railway_open(struct source *src)
{
	const struct railway_config *cfg = &src->cfg->source.railway;
	const char *env_name = cfg->token_env ? cfg->token_env : "RAILWAY_API_TOKEN";
	struct railway *rw;
	char *token;
	int err;

	if (!cfg->project || !*cfg->project)
		return bot_error(BOT_EINVALID, "source.railway.project is not set");
	if (!cfg->environment || !*cfg->environment)
		return bot_error(BOT_EINVALID, "source.railway.environment is not set");
	if ((err = source_token_from_env(&token, env_name, "Railway", "source.railway.token_env")) < 0)
		return err;
	rw = xcalloc(1, sizeof(*rw));
	rw->cfg = cfg;
	rw->endpoint = cfg->endpoint && *cfg->endpoint ? cfg->endpoint : RAILWAY_DEFAULT_ENDPOINT;
	rw->token = token;
	rw->kind = cfg->token_kind;
	rw->http = http_client_new(NULL);
	src->priv = rw;
	return 0;
}

static void railway_close(struct source *src)
{
	struct railway *rw = src->priv;

	if (!rw)
		return;
	http_client_free(rw->http);
	free(rw->token);
	free(rw);
	src->priv = NULL;
}

static int railway_architecture(struct source *src, struct architecture *out)
{
	struct railway *rw = src->priv;
	struct strbuf body = STRBUF_INIT;
	const char *what = "railway architecture query";
	struct json *reply;
	int err;

	railway_body_architecture(&body, rw->cfg->project);
	err = railway_send(src, rw, &body, &what, &reply, 1);
	strbuf_release(&body);
	if (err < 0)
		return err;
	err = railway_read_architecture(out, reply, rw->cfg->environment);
	json_free(reply);
	return err;
}

static int railway_observe(struct source *src, const struct architecture *arch,
			   int64_t start, int64_t end, int64_t step, struct observation *out)
{
	struct railway *rw = src->priv;
	struct strbuf bodies[2] = { STRBUF_INIT, STRBUF_INIT };
	const char *what[2] = { "railway metrics query", "railway HTTP metrics query" };
	struct json *replies[2] = { NULL, NULL };
	const char **ids;
	size_t i, n = 0;
	int err = 0;
	/* The same hours on earlier days, for the detector's "usual at this hour" (0: not asked). */
	int days = src->cfg->regression.enabled ? src->cfg->regression.seasonal_days : 0;

	out->source = xstrdup("railway");
	out->project = xstrdup(arch->project_name ? arch->project_name : arch->project_id);
	out->environment = xstrdup(arch->environment_name);
	out->start = start;
	out->end = end;
	out->step = step;
	ids = xcalloc(arch->services_nr + 1, sizeof(*ids));
	for (i = 0; i < arch->services_nr; i++) {
		const struct arch_service *s = &arch->services[i];
		struct service_metrics *svc;

		if (!s->observed)
			continue;
		svc = observation_add_service(out, s->config_name ? s->config_name : s->name);
		svc->source_id = xstrdup(s->id);
		svc->repo = opt_dup(s->repo);
		svc->root_dir = opt_dup(s->root_dir);
		svc->replicas = s->replicas;
		ids[n++] = s->id;
	}
	if (n > RAILWAY_MAX_SERVICES) {
		err = bot_error(BOT_ETOOBIG, "%zu services to observe; at most %d per scan",
				n, RAILWAY_MAX_SERVICES);
		goto done;
	}
	if (!n)
		goto done;
	railway_body_metrics(&bodies[0], arch->environment_id, ids, n, start, end, step, days);
	railway_body_http(&bodies[1], arch->project_id, arch->environment_id, ids, n, start, end, step,
			  days);
	if ((err = railway_send(src, rw, bodies, what, replies, 2)) < 0)
		goto done;
	if ((err = railway_read_metrics(out, replies[0], n, days)) < 0 ||
	    (err = railway_read_http(out, replies[1], n, start, end, days)) < 0)
		goto done;
	out->requests = src->requests;
	out->bytes = src->bytes;
done:
	free(ids);
	for (i = 0; i < 2; i++) {
		strbuf_release(&bodies[i]);
		json_free(replies[i]);
	}
	return err;
}

static int railway_logs(struct source *src, const struct log_query *q, struct log_lines *out)
{
	struct railway *rw = src->priv;
	struct strbuf body = STRBUF_INIT;
	const char *what = "railway logs query";
	struct json *reply;
	int err;

	if (!q->deployment_id)
		return bot_error(BOT_EINVALID, "railway logs belong to a deployment; none given");
	railway_body_logs(&body, q);
	err = railway_send(src, rw, &body, &what, &reply, 1);
	strbuf_release(&body);
	if (err < 0)
		return err;
	err = railway_read_logs(out, reply, q->kind);
	json_free(reply);
	return err;
}

static int railway_deployments(struct source *src, const struct architecture *arch,
			       const struct arch_service *svc, int64_t start, int64_t end,
			       struct service_metrics *out)
{
	struct railway *rw = src->priv;
	struct strbuf body = STRBUF_INIT;
	const char *what = "railway deployments query";
	struct json *reply;
	int err;

	if (!svc->id || !arch->project_id || !arch->environment_id)
		return bot_error(BOT_EINVALID, "service '%s' has no Railway ids", svc->name);
	railway_body_deployments(&body, arch->project_id, arch->environment_id, svc->id);
	err = railway_send(src, rw, &body, &what, &reply, 1);
	strbuf_release(&body);
	if (err < 0)
		return err;
	err = railway_read_deployments(out, reply, start, end);
	json_free(reply);
	return err;
}

const struct source_ops railway_source_ops = {
	.name = "railway",
	.open = railway_open,
	.close = railway_close,
	.architecture = railway_architecture,
	.observe = railway_observe,
	.logs = railway_logs,
	.deployments = railway_deployments,
};
