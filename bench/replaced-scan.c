/*
 * The request pattern of the system autofix replaces, sent through
 * autofix's own HTTP layer (bot/http.c) so that bench/scan-cost.js can set
 * it beside `autofix scan`, against either source:
 *
 *   build/bench/replaced-scan railway ENDPOINT PROJECT_ID TOKEN NOW_ISO WINDOW_MIN
 *   build/bench/replaced-scan prometheus URL NOW_ISO WINDOW_MIN SERVICE...
 *
 * Railway: one architecture query (autofix's document), then, service
 * after service and one request at a time, a limits query (CPU_LIMIT,
 * MEMORY_LIMIT_GB), a metrics query (CPU_USAGE, MEMORY_USAGE_GB) over the
 * window and an HTTP-log query (httpLogs of the service's latest
 * deployment). The token is sent as a Project-Access-Token.
 *
 * Prometheus: service after service and one request at a time, one
 * GET /api/v1/query_range per signal it watches -- CPU, its limit, memory,
 * its limit, request rate, 5xx rate, 4xx rate, 95th-percentile latency:
 * autofix's default templates (prom_query_default()) matching that one
 * service by the label "service" -- over the window at 1-minute steps.
 *
 * The answers are parsed, as the replaced system did, and dropped. Prints
 * one JSON line on stdout: {"services", "requests", "bytes"}. Exit 0, 1
 * with a message on stderr when a request or an answer fails, 2 for bad
 * arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "source/prometheus.h"
#include "source/railway.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

/* ---------------------------------------------------------------- Railway */

struct ctx {
	struct http_client *http;
	const char *endpoint, *token;
};

/* POSTs body and parses the answer's "data" into *out (free the root, *root). */
static int post(const struct ctx *c, const char *body, struct json **root, const char *what)
{
	struct http_request req;
	struct http_response resp;
	int err;

	http_request_init(&req, "POST", c->endpoint);
	http_request_header(&req, "Content-Type", "application/json");
	http_request_header(&req, "Project-Access-Token", "%s", c->token);
	req.no_cache = 1;
	strbuf_addstr(&req.body, body);
	http_response_init(&resp);
	err = http_do(c->http, &req, &resp);
	if (!err)
		err = http_status_error(&resp, what);
	if (!err && (err = json_parse(root, resp.body.buf, resp.body.len)) == 0 &&
	    json_get(*root, "errors")) {
		err = bot_error(BOT_ERROR, "%s: GraphQL error %s", what,
				json_str_value(json_get(*root, "errors[0].message")));
		json_free(*root);
		*root = NULL;
	}
	http_request_release(&req);
	http_response_release(&resp);
	return err;
}

static void window_body(struct strbuf *sb, const char *doc, const char *env, const char *svc,
			const char *start, const char *end)
{
	strbuf_addstr(sb, "{\"query\":\"");
	strbuf_add_json_escaped(sb, doc);
	strbuf_addf(sb, "\",\"variables\":{\"environmentId\":\"%s\",\"serviceId\":\"%s\","
		    "\"startDate\":\"%s\",\"endDate\":\"%s\"}}", env, svc, start, end);
}

static const char limits_doc[] =
	"query limits($environmentId: String!, $serviceId: String!, $startDate: DateTime!, $endDate: DateTime!) {"
	" metrics(environmentId: $environmentId, serviceId: $serviceId, startDate: $startDate, endDate: $endDate,"
	" sampleRateSeconds: 60, measurements: [CPU_LIMIT, MEMORY_LIMIT_GB]) { measurement values { ts value } } }";
static const char metrics_doc[] =
	"query usage($environmentId: String!, $serviceId: String!, $startDate: DateTime!, $endDate: DateTime!) {"
	" metrics(environmentId: $environmentId, serviceId: $serviceId, startDate: $startDate, endDate: $endDate,"
	" sampleRateSeconds: 60, measurements: [CPU_USAGE, MEMORY_USAGE_GB]) { measurement values { ts value } } }";
static const char logs_doc[] =
	"query logs($deploymentId: String!, $beforeDate: String!, $anchorDate: String!) {"
	" httpLogs(deploymentId: $deploymentId, anchorDate: $anchorDate, beforeDate: $beforeDate, beforeLimit: 500)"
	" { timestamp method path httpStatus totalDuration requestId } }";

static int one_service(const struct ctx *c, const struct json *node, const char *env,
		       const char *start, const char *end)
{
	const char *svc, *dep = NULL;
	struct strbuf body = STRBUF_INIT;
	struct json *root = NULL;
	int err;

	if ((err = json_get_str(&svc, node, "serviceId")) < 0)
		return err;
	json_get_opt_str(&dep, node, "latestDeployment.id");
	window_body(&body, limits_doc, env, svc, start, end);
	if ((err = post(c, body.buf, &root, "limits")) < 0)
		goto out;
	json_free(root);
	root = NULL;
	strbuf_reset(&body);
	window_body(&body, metrics_doc, env, svc, start, end);
	if ((err = post(c, body.buf, &root, "metrics")) < 0 || !dep)
		goto out;
	json_free(root);
	root = NULL;
	strbuf_reset(&body);
	strbuf_addstr(&body, "{\"query\":\"");
	strbuf_add_json_escaped(&body, logs_doc);
	strbuf_addf(&body, "\",\"variables\":{\"deploymentId\":\"%s\",\"beforeDate\":\"%s\",\"anchorDate\":\"%s\"}}",
		    dep, start, end);
	err = post(c, body.buf, &root, "http logs");
out:
	json_free(root);
	strbuf_release(&body);
	return err;
}

static int railway_scan(int argc, char **argv)
{
	struct strbuf body = STRBUF_INIT, start = STRBUF_INIT, end = STRBUF_INIT;
	const struct json *envs, *e, *instances = NULL, *n;
	struct json *root = NULL;
	struct http_stats st;
	const char *env = NULL, *name;
	size_t services = 0;
	struct ctx c;
	int64_t now;
	int err;

	if (argc != 6) {
		fprintf(stderr, "usage: replaced-scan railway ENDPOINT PROJECT_ID TOKEN NOW_ISO WINDOW_MIN\n");
		return 2;
	}
	if (time_parse_iso8601(&now, argv[4]) < 0) {
		fprintf(stderr, "replaced-scan: bad time '%s'\n", argv[4]);
		return 2;
	}
	time_format_iso8601(&start, now - atoll(argv[5]) * 60000);
	time_format_iso8601(&end, now);
	c.endpoint = argv[1];
	c.token = argv[3];
	c.http = http_client_new(NULL);
	railway_body_architecture(&body, argv[2]);
	if ((err = post(&c, body.buf, &root, "architecture")) < 0 ||
	    (err = json_get_arr(&envs, root, "data.project.environments.edges")) < 0)
		goto out;
	for (e = json_first(envs); e; e = json_next(e))
		if (json_get_str(&name, e, "node.name") == 0 && !strcmp(name, "production")) {
			json_get_str(&env, e, "node.id");
			json_get_arr(&instances, e, "node.serviceInstances.edges");
		}
	if (!env || !instances) {
		err = bot_error(BOT_ERROR, "architecture: no production environment");
		goto out;
	}
	for (n = json_first(instances); n; n = json_next(n), services++)
		if ((err = one_service(&c, json_get(n, "node"), env, start.buf, end.buf)) < 0)
			goto out;
	http_client_stats(c.http, &st);
	printf("{\"services\":%zu,\"requests\":%llu,\"bytes\":%llu}\n", services,
	       (unsigned long long)st.requests, (unsigned long long)st.bytes_received);
out:
	if (err < 0)
		fprintf(stderr, "replaced-scan: %s\n", bot_error_last());
	json_free(root);
	http_client_free(c.http);
	strbuf_release(&body);
	strbuf_release(&start);
	strbuf_release(&end);
	return err < 0 ? 1 : 0;
}

/* ------------------------------------------------------------- Prometheus */

#define PROM_STEP_MS 60000
#define PROM_SERVICE_LABEL "service"

/* GETs url and checks that the answer is a successful Prometheus answer. */
static int prometheus_get(struct http_client *http, const char *url, const char *what)
{
	struct http_request req;
	struct http_response resp;
	struct json *root = NULL;
	const char *status;
	int err;

	http_request_init(&req, "GET", url);
	req.no_cache = 1;
	http_response_init(&resp);
	err = http_do(http, &req, &resp);
	if (!err)
		err = http_status_error(&resp, what);
	if (!err && (err = json_parse(&root, resp.body.buf, resp.body.len)) == 0 &&
	    (json_get_str(&status, root, "status") < 0 || strcmp(status, "success")))
		err = bot_error(BOT_ERROR, "%s: not a successful answer", what);
	json_free(root);
	http_request_release(&req);
	http_response_release(&resp);
	return err;
}

static int prometheus_scan(int argc, char **argv)
{
	struct strbuf url = STRBUF_INIT, query = STRBUF_INIT, what = STRBUF_INIT;
	struct http_client *http;
	struct http_stats st;
	int64_t now, start;
	int i, q, err = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: replaced-scan prometheus URL NOW_ISO WINDOW_MIN SERVICE...\n");
		return 2;
	}
	if (time_parse_iso8601(&now, argv[2]) < 0) {
		fprintf(stderr, "replaced-scan: bad time '%s'\n", argv[2]);
		return 2;
	}
	start = now - atoll(argv[3]) * 60000;
	http = http_client_new(NULL);
	for (i = 4; !err && i < argc; i++) {
		const char *service = argv[i];

		for (q = 0; !err && q < PROM_QUERY__COUNT; q++) {
			const char *tmpl = prom_query_default((enum prom_query)q);

			if (!tmpl)
				continue; /* optional, not asked by default */
			strbuf_reset(&query);
			prometheus_render_query_all(&query, tmpl, PROM_SERVICE_LABEL, &service, 1, PROM_STEP_MS);
			strbuf_reset(&url);
			strbuf_addf(&url, "%s/api/v1/query_range?query=", argv[1]);
			strbuf_add_urlencoded(&url, query.buf);
			strbuf_addf(&url, "&start=%.3f&end=%.3f&step=%.3f", start / 1000.0, now / 1000.0,
				    PROM_STEP_MS / 1000.0);
			strbuf_reset(&what);
			strbuf_addf(&what, "query '%s' of '%s'", prom_query_name((enum prom_query)q), service);
			err = prometheus_get(http, url.buf, what.buf);
		}
	}
	if (!err) {
		http_client_stats(http, &st);
		printf("{\"services\":%d,\"requests\":%llu,\"bytes\":%llu}\n", argc - 4,
		       (unsigned long long)st.requests, (unsigned long long)st.bytes_received);
	} else {
		fprintf(stderr, "replaced-scan: %s\n", bot_error_last());
	}
	http_client_free(http);
	strbuf_release(&url);
	strbuf_release(&query);
	strbuf_release(&what);
	return err < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "railway"))
		return railway_scan(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "prometheus"))
		return prometheus_scan(argc - 1, argv + 1);
	fprintf(stderr, "usage: replaced-scan railway ENDPOINT PROJECT_ID TOKEN NOW_ISO WINDOW_MIN\n"
		"       replaced-scan prometheus URL NOW_ISO WINDOW_MIN SERVICE...\n");
	return 2;
}
