/*
 * Railway: the GraphQL request bodies (documents and variables) the source
 * sends. Pure string building, no I/O: tests dump every shape and validate
 * it against Railway's schema (tests/source/railway-schema.test).
 */
#include <stdio.h>
#include <string.h>

#include "source/railway.h"
#include "util/timeutil.h"
#include "util/banned.h"

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
static void add_window_var_defs(struct strbuf *doc, size_t n, int days, const char *const *volume_ids)
{
	size_t i;
	int k;

	strbuf_addstr(doc, "$environmentId: String!, $startDate: DateTime!, $endDate: DateTime!, $step: Int!");
	for (k = 1; k <= days; k++)
		strbuf_addf(doc, ", $dayStart%d: DateTime!, $dayEnd%d: DateTime!", k, k);
	for (i = 0; i < n; i++)
		strbuf_addf(doc, ", $s%zu: String!", i);
	for (i = 0; volume_ids && i < n; i++)
		if (volume_ids[i])
			strbuf_addf(doc, ", $v%zu: String!", i);
}

static void add_window_vars(struct strbuf *body, const char *environment_id,
			    const char *const *service_ids, const char *const *volume_ids, size_t n,
			    int64_t start, int64_t end, int64_t step, int days, int64_t day_span)
{
	int64_t day_start = day_span > 0 && end - day_span > start ? end - day_span : start;
	size_t i;
	int k;

	strbuf_addstr(body, ",\"variables\":{\"environmentId\":");
	add_json_str(body, environment_id);
	add_time_var(body, "startDate", start);
	add_time_var(body, "endDate", end);
	for (k = 1; k <= days; k++) {
		char name[32];
		snprintf(name, sizeof(name), "dayStart%d", k);
		add_time_var(body, name, day_start - k * RAILWAY_DAY_MS);
		snprintf(name, sizeof(name), "dayEnd%d", k);
		add_time_var(body, name, end - k * RAILWAY_DAY_MS);
	}
	strbuf_addf(body, ",\"step\":%lld", (long long)(step / 1000 > 0 ? step / 1000 : 1));
	for (i = 0; i < n; i++) {
		strbuf_addf(body, ",\"s%zu\":", i);
		add_json_str(body, service_ids[i]);
	}
	for (i = 0; volume_ids && i < n; i++) {
		if (!volume_ids[i])
			continue;
		strbuf_addf(body, ",\"v%zu\":", i);
		add_json_str(body, volume_ids[i]);
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
			  const char *const *service_ids, const char *const *volume_ids, size_t n,
			  int64_t start, int64_t end, int64_t step, int days, int64_t day_span)
{
	struct strbuf doc = STRBUF_INIT;
	char alias[48], from[32], to[32];
	size_t i;
	int k;

	strbuf_addstr(&doc, "query autofixMetrics(");
	add_window_var_defs(&doc, n, days, volume_ids);
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
	/*
	 * A service's volume: its usage over the window, by the volume's id
	 * (a volume instance is the volume in this environment). Its size is
	 * the architecture's sizeMB. Today only: a volume has no time of day.
	 */
	for (i = 0; volume_ids && i < n; i++)
		if (volume_ids[i])
			strbuf_addf(&doc,
				    "  v%zu: metrics(environmentId: $environmentId, volumeId: $v%zu, "
				    "startDate: $startDate, endDate: $endDate, sampleRateSeconds: $step, "
				    "averagingWindowSeconds: $step, measurements: [DISK_USAGE_GB]) "
				    "{ measurement values { ts value } }\n", i, i);
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
	add_window_vars(body, environment_id, service_ids, volume_ids, n, start, end, step, days, day_span);
	strbuf_addstr(body, "}}");
	strbuf_release(&doc);
}

void railway_body_http(struct strbuf *body, const char *project_id, const char *environment_id,
		       const char *const *service_ids, size_t n,
		       int64_t start, int64_t end, int64_t step, int days, int64_t day_span)
{
	struct strbuf doc = STRBUF_INIT;
	size_t i;
	int k;

	strbuf_addstr(&doc, "query autofixHttp($projectId: String!, ");
	add_window_var_defs(&doc, n, days, NULL);
	if (days)
		strbuf_addstr(&doc, ", $dayStep: Int!");
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
	/*
	 * Their traffic too, in buckets of RAILWAY_DAY_TRAFFIC_STEPS steps (the
	 * level is all it is for): an earlier day is compared with today only
	 * when it was about as busy.
	 */
	for (k = 1; k <= days; k++)
		for (i = 0; i < n; i++)
			strbuf_addf(&doc,
				    "  yh%d_%zu: httpMetricsGroupedByStatus(environmentId: $environmentId, serviceId: $s%zu, "
				    "startDate: $dayStart%d, endDate: $dayEnd%d, stepSeconds: $dayStep) "
				    "{ statusCode samples { ts value } }\n", k, i, i, k, k);
	strbuf_addstr(&doc, "}\n");
	add_query(body, &doc);
	add_window_vars(body, environment_id, service_ids, NULL, n, start, end, step, days, day_span);
	if (days)
		strbuf_addf(body, ",\"dayStep\":%lld",
			    (long long)(step / 1000 > 0 ? step / 1000 : 1) * RAILWAY_DAY_TRAFFIC_STEPS);
	strbuf_addstr(body, ",\"projectId\":");
	add_json_str(body, project_id);
	strbuf_addstr(body, "}}");
	strbuf_release(&doc);
}

void railway_body_logs(struct strbuf *body, const struct source_log_query *q)
{
	struct strbuf doc = STRBUF_INIT;
	const char *field = q->kind == SOURCE_LOGS_BUILD ? "buildLogs" : "deploymentLogs";
	int limit = q->limit > 0 ? q->limit : 500;

	if (q->kind == SOURCE_LOGS_HTTP) {
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
			    q->kind == SOURCE_LOGS_BUILD ? "BuildLogs" : "DeploymentLogs", field);
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
