/*
 * The Railway source's documents and response readers, without a network.
 *
 * With `--dump DIR` it writes every request body the source can send
 * (one file per document shape) into DIR instead, for
 * tests/source/railway-schema.test to validate against Railway's schema.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "lib/json-check.h"
#include "config.h"
#include "source/railway.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#define T0 1795856400000LL /* 2026-11-28T09:00:00Z */

static const char *const ids[] = { "svc-a", "svc-\"quoted\"", "svc-c" };
/* The first and the last service have a volume. */
static const char *const volume_ids[] = { "vol-a", NULL, "vol-c" };

static int write_file(const char *dir, const char *name, const struct strbuf *body)
{
	struct strbuf path = STRBUF_INIT;
	FILE *f;
	int ok_ = 0;

	strbuf_addf(&path, "%s/%s.json", dir, name);
	f = fopen(path.buf, "w");
	if (f) {
		ok_ = fwrite(body->buf, 1, body->len, f) == body->len;
		ok_ &= fclose(f) == 0;
	}
	if (!ok_)
		fprintf(stderr, "cannot write '%s'\n", path.buf);
	strbuf_release(&path);
	return ok_ ? 0 : -1;
}

/* Every shape of document: each query, with one and several services, each log kind, with and without a filter. */
static int dump(const char *dir)
{
	struct strbuf b = STRBUF_INIT;
	struct source_log_query q = { SOURCE_LOGS_DEPLOYMENT, "dep-1", T0, T0 + 1800000, NULL, 0 };
	int err = 0;

#define DUMP(name) do { err |= write_file(dir, name, &b); strbuf_reset(&b); } while (0)
	railway_body_architecture(&b, "proj-1");
	DUMP("architecture");
	railway_body_metrics(&b, "env-1", ids, NULL, 1, T0, T0 + 1800000, 60000, 0, 0);
	DUMP("metrics-1");
	railway_body_metrics(&b, "env-1", ids, NULL, 3, T0, T0 + 1800000, 60000, 0, 0);
	DUMP("metrics-3");
	railway_body_http(&b, "proj-1", "env-1", ids, 1, T0, T0 + 1800000, 60000, 0, 0);
	DUMP("http-1");
	railway_body_http(&b, "proj-1", "env-1", ids, 3, T0, T0 + 1800000, 60000, 0, 0);
	DUMP("http-3");
	railway_body_metrics(&b, "env-1", ids, NULL, 3, T0, T0 + 1800000, 60000, 2, 0);
	DUMP("metrics-3-seasonal-2");
	railway_body_metrics(&b, "env-1", ids, volume_ids, 3, T0, T0 + 1800000, 60000, 1, 0);
	DUMP("metrics-3-volumes");
	railway_body_http(&b, "proj-1", "env-1", ids, 3, T0, T0 + 1800000, 60000, 2, 0);
	DUMP("http-3-seasonal-2");
	railway_body_logs(&b, &q);
	DUMP("logs-deployment");
	q.filter = "@level:error";
	railway_body_logs(&b, &q);
	DUMP("logs-deployment-filter");
	q.kind = SOURCE_LOGS_BUILD;
	q.filter = NULL;
	q.limit = 200;
	railway_body_logs(&b, &q);
	DUMP("logs-build");
	q.kind = SOURCE_LOGS_HTTP;
	q.filter = "@httpStatus:>=500";
	railway_body_logs(&b, &q);
	DUMP("logs-http");
	railway_body_deployments(&b, "proj-1", "env-1", "svc-a");
	DUMP("deployments");
#undef DUMP
	strbuf_release(&b);
	return err ? 1 : 0;
}

static void test_bodies(void)
{
	struct strbuf b = STRBUF_INIT;
	struct json *j;
	const char *query;
	size_t n;

	railway_body_metrics(&b, "env-1", ids, NULL, 3, T0, T0 + 1800000, 60000, 0, 0);
	j = parse_json(b.buf);
	ok(j != NULL, "metrics body is JSON");
	ok(json_get_str(&query, j, "query") == 0, "it has a query");
	for (n = 0; query && (query = strstr(query, ": metrics(")); query++, n++)
		;
	is_int(n, 3, "one aliased metrics field per service");
	is_str(json_str_value(json_get(j, "variables.s1")), "svc-\"quoted\"", "service ids travel as variables, intact");
	is_str(json_str_value(json_get(j, "variables.startDate")), "2026-11-28T09:00:00Z", "start date");
	is_int((long long)json_num_value(json_get(j, "variables.step")), 60, "step in seconds");
	json_get_str(&query, j, "query");
	ok(strstr(query, "MEMORY_LIMIT_GB") && strstr(query, "CPU_LIMIT"), "asks for the limit series");
	ok(!strstr(query, "serviceInstanceLimits"), "never the untyped limits JSON");
	json_free(j);
	strbuf_release(&b);

	railway_body_http(&b, "proj-1", "env-1", ids, 2, T0, T0 + 1800000, 60000, 0, 0);
	j = parse_json(b.buf);
	json_get_str(&query, j, "query");
	ok(strstr(query, "h1: httpMetricsGroupedByStatus") && strstr(query, "l1: httpDurationMetrics") &&
	   strstr(query, "d1: deployments"), "HTTP body has status counts, durations and deployments per service");
	ok(!strstr(query, "h2:"), "and no more than asked");
	json_free(j);
	strbuf_release(&b);
}

static const char arch_reply[] =
	"{\"data\":{\"project\":{\"id\":\"p1\",\"name\":\"shop\",\"environments\":{"
	"\"pageInfo\":{\"hasNextPage\":false},\"edges\":["
	"{\"node\":{\"id\":\"e0\",\"name\":\"staging\",\"serviceInstances\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":[]},"
	"\"volumeInstances\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":[]}}},"
	"{\"node\":{\"id\":\"e1\",\"name\":\"production\",\"serviceInstances\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":["
	"{\"node\":{\"id\":\"si1\",\"serviceId\":\"s1\",\"serviceName\":\"api\",\"rootDirectory\":\"services/api\","
	"\"numReplicas\":2,\"source\":{\"repo\":\"acme/shop\",\"image\":null},"
	"\"latestDeployment\":{\"id\":\"d9\",\"status\":\"SUCCESS\",\"createdAt\":\"2026-11-28T09:10:00Z\"}}},"
	"{\"node\":{\"id\":\"si2\",\"serviceId\":\"s2\",\"serviceName\":\"db\",\"rootDirectory\":null,"
	"\"numReplicas\":null,\"source\":{\"repo\":null,\"image\":\"postgres:16\"},\"latestDeployment\":null}}]},"
	"\"volumeInstances\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":["
	"{\"node\":{\"id\":\"vi1\",\"serviceId\":\"s2\",\"mountPath\":\"/data\",\"sizeMB\":5000,\"currentSizeMB\":120.5,"
	"\"volume\":{\"id\":\"v1\",\"name\":\"pgdata\"}}}]}}}]}},"
	"\"platformStatus\":{\"isStable\":false,\"incident\":{\"id\":\"i\",\"message\":\"Degraded builds\",\"status\":\"INVESTIGATING\",\"url\":\"u\"},\"maintenance\":null}}}";

static void test_architecture(void)
{
	struct architecture arch;
	struct json *j = parse_json(arch_reply);

	architecture_init(&arch);
	is_int(railway_read_architecture(&arch, j, "production"), 0, "architecture reads");
	is_str(arch.environment_id, "e1", "environment picked by name");
	is_int(arch.services_nr, 2, "services of that environment only");
	is_str(arch.services[0].repo, "acme/shop", "repo");
	is_str(arch.services[0].root_dir, "services/api", "root directory");
	is_int(arch.services[0].replicas, 2, "replicas");
	is_str(arch.services[0].latest_deployment_status, "SUCCESS", "latest deployment");
	is_str(arch.services[1].image, "postgres:16", "image service");
	is_int(arch.volumes_nr, 1, "volume");
	is_double(arch.volumes[0].used_mb, 120.5, 1e-9, "volume usage");
	ok(arch.platform_known && !arch.platform_stable, "platform status read");
	is_str(arch.platform_incident, "Degraded builds", "incident message");
	/* The JSON form survives a round trip (a journaled observe step is resumed from it). */
	is_json_round_trip(architecture, &arch, "architecture JSON reads back",
			   "and prints the same");
	architecture_release(&arch);

	architecture_init(&arch);
	is_int(railway_read_architecture(&arch, j, "e0"), 0, "environment picked by id");
	is_int(arch.services_nr, 0, "staging has no services");
	architecture_release(&arch);

	architecture_init(&arch);
	is_int(railway_read_architecture(&arch, j, "prod"), BOT_ENOTFOUND, "unknown environment");
	like(bot_error_last(), "'production'", "the message lists the environments there are");
	architecture_release(&arch);
	json_free(j);

	/* Found by fuzzing: an environment matched by name but without an id crashed the reader. */
	j = parse_json("{\"data\":{\"project\":{\"id\":\"p\",\"name\":\"shop\",\"environments\":{\"edges\":["
		       "{\"node\":{\"name\":\"production\",\"serviceInstances\":{\"edges\":[]},"
		       "\"volumeInstances\":{\"edges\":[]}}}]}}}}");
	architecture_init(&arch);
	is_int(railway_read_architecture(&arch, j, "production"), BOT_EINVALID, "an environment without an id is refused");
	like(bot_error_last(), "environment 'production': 'id': missing", "  the message names it and what is missing");
	architecture_release(&arch);
	json_free(j);
}

static void test_errors(void)
{
	struct json *j = parse_json("{\"data\":{\"m0\":null},\"errors\":[{\"message\":\"Problem processing request\","
			       "\"path\":[\"m0\"]}]}");
	is_int(railway_check_response(j), BOT_ERROR, "errors with data are an error");
	like(bot_error_last(), "Problem processing request", "message kept");
	like(bot_error_last(), "'m0'", "path kept");
	json_free(j);
	j = parse_json("{\"data\":null,\"errors\":[{\"message\":\"Not Authorized\"}]}");
	is_int(railway_check_response(j), BOT_EAUTH, "Not Authorized is an auth error");
	json_free(j);
	j = parse_json("{\"errors\":[]}");
	is_int(railway_check_response(j), BOT_EINVALID, "no data, no errors: invalid");
	json_free(j);
	j = parse_json(arch_reply);
	is_int(railway_check_response(j), 0, "a clean response passes");
	json_free(j);
	j = parse_json("{\"data\":{\"project\":{\"id\":\"p1\",\"name\":\"shop\",\"environments\":{"
		  "\"pageInfo\":{\"hasNextPage\":true},\"edges\":[]}}}}");
	{
		struct architecture arch;
		architecture_init(&arch);
		is_int(railway_read_architecture(&arch, j, "production"), BOT_ETOOBIG,
		       "a partial listing is refused");
		architecture_release(&arch);
	}
	json_free(j);
}

static void test_metrics(void)
{
	struct observation obs;
	struct json *j;
	struct service_metrics *svc;

	observation_init(&obs);
	observation_add_service(&obs, "api");
	j = parse_json("{\"data\":{\"m0\":["
		  "{\"measurement\":\"MEMORY_USAGE_GB\",\"values\":[{\"ts\":1795856460,\"value\":0.5},{\"ts\":1795856400,\"value\":0.25}]},"
		  "{\"measurement\":\"MEMORY_LIMIT_GB\",\"values\":[{\"ts\":1795856400,\"value\":1}]},"
		  "{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":0.3}]},"
		  "{\"measurement\":\"CPU_LIMIT\",\"values\":[{\"ts\":1795856400,\"value\":2}]}]}}");
	is_int(railway_read_metrics(obs.services, j, 1, 0), 0, "metrics read");
	svc = &obs.services[0];
	is_int(svc->series[METRIC_MEMORY].nr, 2, "two memory samples");
	is_int(svc->series[METRIC_MEMORY].items[0].t, T0, "sorted by time, ms");
	is_double(svc->series[METRIC_MEMORY].items[0].v, 0.25e9, 1, "GB to bytes");
	is_double(svc->series[METRIC_MEMORY_LIMIT].items[0].v, 1e9, 1, "limit in bytes");
	is_double(svc->series[METRIC_CPU_LIMIT].items[0].v, 2, 1e-9, "CPU limit in vCPU");
	json_free(j);

	j = parse_json("{\"data\":{\"h0\":["
		  "{\"statusCode\":200,\"samples\":[{\"ts\":1795856400,\"value\":90},{\"ts\":1795856460,\"value\":80}]},"
		  "{\"statusCode\":503,\"samples\":[{\"ts\":1795856400,\"value\":7}]},"
		  "{\"statusCode\":404,\"samples\":[{\"ts\":1795856460,\"value\":3}]}],"
		  "\"l0\":{\"samples\":[{\"ts\":1795856400,\"p50\":10,\"p90\":50,\"p95\":120,\"p99\":400}]},"
		  "\"d0\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":["
		  "{\"node\":{\"id\":\"d2\",\"status\":\"SUCCESS\",\"createdAt\":\"2026-11-28T09:20:00Z\","
		  "\"meta\":{\"commitHash\":\"abc\",\"commitMessage\":\"fix\"}}},"
		  "{\"node\":{\"id\":\"d1\",\"status\":\"REMOVED\",\"createdAt\":\"2026-11-27T09:20:00Z\",\"meta\":null}}]}}}");
	is_int(railway_read_http(obs.services, j, 1, T0, T0 + 1800000, 0), 0, "HTTP metrics read");
	{
		/* Found by fuzzing: a status code past any int was converted to one. */
		struct json *bad = parse_json("{\"data\":{\"h0\":[{\"statusCode\":2e86,\"samples\":[]}],"
					      "\"l0\":{\"samples\":[]},\"d0\":{\"edges\":[]}}}");
		struct observation o;
		observation_init(&o);
		observation_add_service(&o, "api");
		is_int(railway_read_http(o.services, bad, 1, T0, T0 + 1800000, 0), BOT_EINVALID,
		       "a status code that is no HTTP status is refused");
		observation_release(&o);
		json_free(bad);
	}
	is_int(svc->series[METRIC_REQUESTS].nr, 2, "one request bucket per time");
	is_double(svc->series[METRIC_REQUESTS].items[0].v, 97, 1e-9, "all statuses add up");
	is_double(svc->series[METRIC_REQUESTS_5XX].items[0].v, 7, 1e-9, "5xx counted");
	is_double(svc->series[METRIC_REQUESTS_5XX].items[1].v, 0, 1e-9, "a bucket without 5xx has 0, not a gap");
	is_double(svc->series[METRIC_REQUESTS_4XX].items[1].v, 3, 1e-9, "4xx counted");
	is_double(svc->series[METRIC_LATENCY_P95].items[0].v, 120, 1e-9, "p95 in ms");
	is_int(svc->deployments_nr, 1, "only deployments inside the window");
	is_str(svc->deployments[0].commit, "abc", "commit from meta");
	json_free(j);
	observation_release(&obs);

	/* The same hours a day earlier, under their own aliases, into the seasonal series. */
	observation_init(&obs);
	observation_add_service(&obs, "api");
	j = parse_json("{\"data\":{\"m0\":[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":0.3}]}],"
		  "\"y1_0\":[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795770000,\"value\":0.1}]},"
		  "{\"measurement\":\"CPU_LIMIT\",\"values\":[{\"ts\":1795770000,\"value\":2}]}]}}");
	is_int(railway_read_metrics(obs.services, j, 1, 1), 0, "metrics with a day earlier read");
	svc = &obs.services[0];
	is_int(svc->series[METRIC_CPU].nr, 1, "  today's CPU in the series");
	ok(svc->seasonal[METRIC_CPU].nr == 1 && svc->seasonal[METRIC_CPU].items[0].t == T0 - 86400000LL &&
	   svc->seasonal[METRIC_CPU].items[0].v == 0.1, "  yesterday's in seasonal, at yesterday's time");
	is_int(svc->seasonal[METRIC_CPU_LIMIT].nr, 1, "  with its limit");
	json_free(j);
	observation_release(&obs);
	observation_init(&obs);
	observation_add_service(&obs, "api");
	j = parse_json("{\"data\":{\"m0\":[]}}");
	ok(railway_read_metrics(obs.services, j, 1, 1) < 0 && strstr(bot_error_last(), "y1_0"),
	   "an answer without the earlier day's alias is an error naming it (%s)", bot_error_last());
	json_free(j);
	observation_release(&obs);
}

#define TEXT(s) s, strlen(s)

/* A service's volume: asked under vI in the metrics document, only for a service that has one. */
static void test_volumes(void)
{
	struct strbuf b = STRBUF_INIT;
	struct observation obs;
	struct json *j;
	const char *query = NULL;
	const char *answer = "{\"data\":{\"m0\":[],\"m1\":[],\"v0\":[{\"measurement\":\"DISK_USAGE_GB\","
			     "\"values\":[{\"ts\":1795856400,\"value\":4.5},{\"ts\":1795856460,\"value\":4.75}]}]}}";

	railway_body_metrics(&b, "env-1", ids, volume_ids, 3, T0, T0 + 1800000, 60000, 0, 0);
	j = parse_json(b.buf);
	json_get_str(&query, j, "query");
	ok(query && strstr(query, "v0: metrics(environmentId: $environmentId, volumeId: $v0,") &&
	   strstr(query, "v2: metrics(") && !strstr(query, "v1: metrics(") &&
	   strstr(query, "measurements: [DISK_USAGE_GB]"), "a volume's usage is asked beside its service's metrics");
	is_str(json_str_value(json_get(j, "variables.v2")), "vol-c", "  by the volume's id");
	ok(!json_get(j, "variables.v1"), "  a service without a volume asks nothing more");
	json_free(j);
	strbuf_release(&b);

	observation_init(&obs);
	observation_add_service(&obs, "db")->volume = xstrdup("pg-data");
	observation_add_service(&obs, "api");
	j = parse_json(answer);
	is_int(railway_read_metrics(obs.services, j, 2, 0), 0, "a volume's usage read (tree)");
	is_int(obs.services[0].series[METRIC_DISK].nr, 2, "  into the service's disk series");
	is_double(obs.services[0].series[METRIC_DISK].items[1].v, 4.75e9, 1, "  GB to bytes");
	is_int(obs.services[1].series[METRIC_DISK].nr, 0, "  the other service has none");
	json_free(j);
	observation_release(&obs);

	observation_init(&obs);
	observation_add_service(&obs, "db")->volume = xstrdup("pg-data");
	observation_add_service(&obs, "api");
	is_int(railway_read_observe_text(obs.services, answer, strlen(answer), 2, 0, T0, T0 + 1800000, 0), 0,
	       "a volume's usage read (text)");
	is_int(obs.services[0].series[METRIC_DISK].nr, 2, "  the same samples");
	observation_release(&obs);

	observation_init(&obs);
	observation_add_service(&obs, "db")->volume = xstrdup("pg-data");
	ok(railway_read_observe_text(obs.services, TEXT("{\"data\":{\"m0\":[]}}"), 1, 0, T0, T0, 0) < 0 &&
	   strstr(bot_error_last(), "v0"), "an answer without the volume asked is an error naming it (%s)",
	   bot_error_last());
	j = parse_json("{\"data\":{\"m0\":[]}}");
	ok(railway_read_metrics(obs.services, j, 1, 0) < 0 && strstr(bot_error_last(), "v0"),
	   "  in the tree form too");
	json_free(j);
	observation_release(&obs);
}

/* How many services go in one pair of documents. */
static void test_chunk_size(void)
{
	const int64_t min = 60000, hour = 60 * min;

	is_int(railway_chunk_size(T0 - 90 * min, T0, min, 3), RAILWAY_CHUNK,
	       "the default scan (30 minutes and 1 hour of baseline, 3 days earlier): a full chunk");
	is_int(railway_chunk_size(T0 - 90 * min, T0, min, 1), RAILWAY_CHUNK, "  and 1 day earlier");
	is_int(railway_chunk_size(T0 - 90 * min, T0, min, 0), RAILWAY_CHUNK, "  and without earlier days");
	ok(railway_chunk_size(T0 - 7 * hour, T0, min, 7) < RAILWAY_CHUNK &&
	   railway_chunk_size(T0 - 7 * hour, T0, min, 7) > 1,
	   "a 6-hour window with 7 earlier days: fewer services a chunk (%zu)",
	   railway_chunk_size(T0 - 7 * hour, T0, min, 7));
	ok(railway_chunk_size(T0 - 7 * hour, T0, min, 7) * (7 * 60 + 1) * RAILWAY_SAMPLE_BYTES * (11 + 5 * 7) <=
	   RAILWAY_CHUNK_BUDGET, "  whose estimated answers fit the budget");
	is_int(railway_chunk_size(T0 - 30 * 24 * hour, T0, 1000, 7), 1, "never fewer than one service");
	is_int(railway_chunk_size(T0, T0, 0, 0), RAILWAY_CHUNK, "a zero step or window does not divide by zero");
}

/* A string literal and its length. */

/* Whether two service lists hold the same series, seasonal series and deployments. */
static int same_services(const struct service_metrics *a, const struct service_metrics *b, size_t n)
{
	size_t i, j, m;

	for (i = 0; i < n; i++) {
		for (m = 0; m < METRIC__COUNT; m++) {
			const struct series *sets[2][2] = { { &a[i].series[m], &b[i].series[m] },
							    { &a[i].seasonal[m], &b[i].seasonal[m] } };
			for (j = 0; j < 2; j++) {
				const struct series *x = sets[j][0], *y = sets[j][1];
				size_t k;

				if (x->nr != y->nr)
					return 0;
				for (k = 0; k < x->nr; k++)
					if (x->items[k].t != y->items[k].t ||
					    memcmp(&x->items[k].v, &y->items[k].v, sizeof(double)))
						return 0;
			}
		}
		if (a[i].deployments_nr != b[i].deployments_nr)
			return 0;
		for (j = 0; j < a[i].deployments_nr; j++)
			if (strcmp(a[i].deployments[j].id, b[i].deployments[j].id) ||
			    strcmp(a[i].deployments[j].message ? a[i].deployments[j].message : "",
				   b[i].deployments[j].message ? b[i].deployments[j].message : ""))
				return 0;
	}
	return 1;
}

static void two_services(struct observation *obs)
{
	observation_init(obs);
	observation_add_service(obs, "api");
	observation_add_service(obs, "worker");
}

/* The text form of the observe readers (one alias parsed at a time) reads what the tree form reads. */
static void test_observe_text(void)
{
	/* Aliases out of order, whitespace, and strings holding quotes and brackets. */
	static const char metrics[] =
		"{ \"data\" : {\n"
		"  \"y1_1\": [{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795770000,\"value\":0.5}]}],\n"
		"  \"m1\": [{\"measurement\":\"MEMORY_USAGE_GB\",\"values\":[{\"ts\":1795856460,\"value\":0.5},{\"ts\":1795856400,\"value\":0.25}]}],\n"
		"  \"m0\": [{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":0.3}]},"
		"{\"measurement\":\"CPU_LIMIT\",\"values\":[{\"ts\":1795856400,\"value\":null}]}],\n"
		"  \"y1_0\": []\n"
		"} }\n";
	static const char http[] =
		"{\"data\":{\"h0\":[{\"statusCode\":200,\"samples\":[{\"ts\":1795856400,\"value\":90}]},"
		"{\"statusCode\":503,\"samples\":[{\"ts\":1795856400,\"value\":7}]}],"
		"\"l0\":{\"samples\":[{\"ts\":1795856400,\"p50\":10,\"p90\":50,\"p95\":120,\"p99\":400}]},"
		"\"d0\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":[{\"node\":{\"id\":\"d2\",\"status\":\"SUCCESS\","
		"\"createdAt\":\"2026-11-28T09:20:00Z\",\"meta\":{\"commitMessage\":\"fix \\\"}]\\\\ {[\\\"\"}}}]},"
		"\"yl1_0\":{\"samples\":[{\"ts\":1795770000,\"p50\":1,\"p90\":2,\"p95\":3,\"p99\":4}]},"
		"\"h1\":[],\"l1\":{\"samples\":[]},\"d1\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":[]},"
		"\"yh1_0\":[{\"statusCode\":200,\"samples\":[{\"ts\":1795770000,\"value\":80}]}],\"yh1_1\":[],"
		"\"yl1_1\":{\"samples\":[]},\"extra\":{\"ignored\":[1,2]}}}";
	struct observation by_text, by_tree;
	struct json *j;
	char *cut;

	two_services(&by_text);
	two_services(&by_tree);
	is_int(railway_read_observe_text(by_text.services, metrics, strlen(metrics), 2, 0, T0, T0 + 1800000, 1),
	       0, "text form: metrics read");
	is_int(railway_read_observe_text(by_text.services, http, strlen(http), 2, 1, T0, T0 + 1800000, 1),
	       0, "text form: HTTP read");
	j = parse_json(metrics);
	is_int(railway_read_metrics(by_tree.services, j, 2, 1), 0, "tree form: metrics read");
	json_free(j);
	j = parse_json(http);
	is_int(railway_read_http(by_tree.services, j, 2, T0, T0 + 1800000, 1), 0, "tree form: HTTP read");
	json_free(j);
	ok(same_services(by_text.services, by_tree.services, 2), "both forms read the same series and deployments");
	is_int(by_text.services[1].series[METRIC_MEMORY].nr, 2, "  service 1's memory (m1) went to service 1");
	is_int(by_text.services[1].seasonal[METRIC_CPU].nr, 1, "  and its day-earlier CPU (y1_1) to its seasonal");
	ok(isnan(by_text.services[0].series[METRIC_CPU_LIMIT].items[0].v), "  a null value is a gap");
	is_str(by_text.services[0].deployments[0].message, "fix \"}]\\ {[\"",
	       "  a string holding quotes and brackets does not confuse the scanner");
	is_double(by_text.services[0].series[METRIC_REQUESTS_5XX].items[0].v, 7, 1e-9, "  5xx counted");
	ok(by_text.services[0].seasonal[METRIC_REQUESTS].nr == 1 &&
	   by_text.services[0].seasonal[METRIC_REQUESTS].items[0].v == 80.0 / RAILWAY_DAY_TRAFFIC_STEPS &&
	   by_text.services[0].series[METRIC_REQUESTS].nr == 1,
	   "  the day-earlier status counts (yh1_0) went to its seasonal requests, per step");
	observation_release(&by_tree);
	observation_release(&by_text);

	/* An answer with errors, without data, or not JSON: nothing read, the caller parses it whole. */
	two_services(&by_text);
	is_int(railway_read_observe_text(by_text.services,
					 TEXT("{\"data\":{\"m0\":[]},\"errors\":[{\"message\":\"x\"}]}"),
					 1, 0, T0, T0, 0), 1, "an answer with errors is left to the tree form");
	is_int(railway_read_observe_text(by_text.services, TEXT("{\"data\":null}"), 1, 0, T0, T0, 0), 1,
	       "  one whose data is null too");
	cut = xstrndup(metrics, sizeof(metrics) / 2);
	is_int(railway_read_observe_text(by_text.services, cut, strlen(cut), 2, 0, T0, T0, 1), 1,
	       "  and a truncated one");
	free(cut);
	is_int(railway_read_observe_text(by_text.services, TEXT("{\"data\":{}} x"), 1, 0, T0, T0, 0), 1,
	       "  and one with trailing garbage");
	ok(!by_text.services[0].series[METRIC_CPU].nr, "  nothing was read from them");

	/* What the tree form refuses, the text form refuses, naming the alias. */
	ok(railway_read_observe_text(by_text.services, TEXT("{\"data\":{\"m0\":[]}}"), 2, 0, T0, T0, 0) < 0 &&
	   strstr(bot_error_last(), "'data.m1'"), "a missing alias is an error naming it (%s)", bot_error_last());
	ok(railway_read_observe_text(by_text.services, TEXT("{\"data\":{\"m0\":[],\"m0\":[]}}"), 1, 0, T0, T0, 0) < 0 &&
	   strstr(bot_error_last(), "twice"), "an alias answered twice is an error (%s)", bot_error_last());
	ok(railway_read_observe_text(by_text.services, TEXT("{\"data\":{\"m0\":{\"a\":1}}}"), 1, 0, T0, T0, 0) < 0 &&
	   strstr(bot_error_last(), "'data.m0'"), "a value of the wrong type is an error (%s)", bot_error_last());
	ok(railway_read_observe_text(by_text.services, TEXT("{\"data\":{\"m0\":[1,]}}"), 1, 0, T0, T0, 0) < 0 &&
	   strstr(bot_error_last(), "'data.m0'"),
	   "a value cJSON refuses is an error (%s)", bot_error_last());
	observation_release(&by_text);
}

/* One service's document read by the text form and by the tree: the same verdict, samples and bad samples. */
static int text_reads_as_tree(const char *doc, int http, int days)
{
	struct observation by_text, by_tree;
	struct json *j = NULL;
	int rt, rj, same;

	observation_init(&by_text);
	observation_init(&by_tree);
	observation_add_service(&by_text, "api");
	observation_add_service(&by_tree, "api");
	rt = railway_read_observe_text(by_text.services, doc, strlen(doc), 1, http, T0, T0 + 1800000, days);
	if (json_parse(&j, doc, strlen(doc)) < 0)
		rj = -1;
	else if (http)
		rj = railway_read_http(by_tree.services, j, 1, T0, T0 + 1800000, days);
	else
		rj = railway_read_metrics(by_tree.services, j, 1, days);
	same = (rt < 0) == (rj < 0) &&
	       (rt < 0 || (same_services(by_text.services, by_tree.services, 1) &&
			   by_text.services[0].bad_samples == by_tree.services[0].bad_samples));
	json_free(j);
	observation_release(&by_text);
	observation_release(&by_tree);
	return same;
}

/*
 * The text form's fast path (samples read without a tree) against the tree,
 * one odd value at a time: the same samples, bad samples and verdict, whether
 * the fast path reads the value or leaves it to the tree.
 */
static void test_observe_text_fast(void)
{
	static const char *const metrics[] = {
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":0.1},{\"ts\":1795856460,\"value\":-0}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":1e2},{\"ts\":1795856460,\"value\":1E400}]}]",
		"[{\"measurement\":\"MEMORY_USAGE_GB\",\"values\":[{\"ts\":1795856400,\"value\":0.512},{\"ts\":1795856400,\"value\":0.7}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":\"x\"},{\"ts\":1795856460,\"value\":true}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400},{\"ts\":-5,\"value\":1},{\"ts\":1e300,\"value\":1}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"ts\":1795856460,\"value\":1}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":1,\"tag\":\"x\"}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"value\":1,\"ts\":1795856400.5}]}]",
		"[{\"values\":[{\"ts\":1795856400,\"value\":1}],\"measurement\":\"CPU_USAGE\"}]",
		"[{\"measurement\":\"CPU\\u005fUSAGE\",\"values\":[{\"ts\":1795856400,\"value\":1}]}]",
		"[{\"measurement\":\"NETWORK_RX_GB\",\"values\":[{\"ts\":1795856400,\"value\":1}]},"
		"{\"measurement\":\"CPU_LIMIT\",\"values\":[{\"ts\":1795856400,\"value\":2}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":\"1795856400\",\"value\":1}]}]",
		"[{\"measurement\":\"CPU_USAGE\"}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":01}]}]",
		"[{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":1.}]}]",
		"[ { \"measurement\" : \"CPU_USAGE\" , \"values\" : [ { \"ts\" : 1795856400 , \"value\" : null } ] } ]",
		"{\"measurement\":\"CPU_USAGE\"}",
	};
	static const char *const http[][2] = {
		{ "[{\"statusCode\":200,\"samples\":[{\"ts\":1795856400,\"value\":90},{\"ts\":1795856400,\"value\":91}]},"
		  "{\"statusCode\":503,\"samples\":[{\"ts\":1795856400,\"value\":7}]}]",
		  "{\"samples\":[{\"ts\":1795856400,\"p50\":10,\"p90\":null,\"p95\":120.5,\"p99\":400}]}" },
		{ "[{\"samples\":[{\"ts\":1795856400,\"value\":90}],\"statusCode\":404}]",
		  "{\"samples\":[{\"ts\":1795856400,\"p95\":\"slow\"}]}" },
		{ "[{\"statusCode\":99,\"samples\":[]}]", "{\"samples\":[]}" },
		{ "[{\"statusCode\":200}]", "{\"samples\":[],\"extra\":1}" },
		{ "[{\"statusCode\":200.5,\"samples\":[{\"ts\":1795856400,\"value\":1}]}]", "{\"samples\":[{\"ts\":1795856400}]}" },
		{ "[]", "{\"samples\":[{\"ts\":1795856400,\"p95\":1e999}]}" },
		{ "[{\"statusCode\":500,\"samples\":[{\"ts\":1795856400,\"value\":-3}]}]", "[]" },
	};
	size_t i, same = 0, total = 0;

	for (i = 0; i < sizeof(metrics) / sizeof(*metrics); i++, total++) {
		struct strbuf doc = STRBUF_INIT;

		strbuf_addf(&doc, "{\"data\":{\"m0\":%s}}", metrics[i]);
		if (text_reads_as_tree(doc.buf, 0, 0))
			same++;
		else
			diag("metrics value %zu differs", i);
		strbuf_release(&doc);
	}
	for (i = 0; i < sizeof(http) / sizeof(*http); i++, total++) {
		struct strbuf doc = STRBUF_INIT;

		strbuf_addf(&doc, "{\"data\":{\"h0\":%s,\"l0\":%s,\"d0\":{\"pageInfo\":{\"hasNextPage\":false},"
			    "\"edges\":[]},\"yh1_0\":%s,\"yl1_0\":%s}}", http[i][0], http[i][1], http[i][0], http[i][1]);
		if (text_reads_as_tree(doc.buf, 1, 1))
			same++;
		else
			diag("HTTP values %zu differ", i);
		strbuf_release(&doc);
	}
	is_int(same, total, "odd values: the text form reads what the tree reads, bad samples and refusals too");
}

static void test_logs(void)
{
	struct source_log_lines lines = { NULL, 0, 0 };
	struct json *j;

	j = parse_json("{\"data\":{\"httpLogs\":[{\"timestamp\":\"2026-11-28T09:41:00.250Z\",\"method\":\"GET\","
		  "\"path\":\"/api/cart\",\"httpStatus\":502,\"totalDuration\":1234,\"requestId\":\"r1\"}]}}");
	is_int(railway_read_logs(&lines, j, SOURCE_LOGS_HTTP), 0, "HTTP logs read");
	is_int(lines.nr, 1, "one line");
	is_int(lines.items[0].http_status, 502, "status kept");
	is_str(lines.items[0].message, "GET /api/cart -> 502 (1234 ms)", "a readable line");
	is_int(lines.items[0].at, T0 + 41 * 60000 + 250, "timestamp with milliseconds");
	source_log_lines_release(&lines);
	json_free(j);
	/* Found by fuzzing: a status past any int was converted to one. */
	j = parse_json("{\"data\":{\"httpLogs\":[{\"timestamp\":\"2026-11-28T09:41:00Z\",\"httpStatus\":1e93}]}}");
	is_int(railway_read_logs(&lines, j, SOURCE_LOGS_HTTP), 0, "an HTTP log line with no real status reads");
	ok(lines.nr == 1 && lines.items[0].http_status == 0, "  its status unknown (0)");
	source_log_lines_release(&lines);
	json_free(j);

	j = parse_json("{\"data\":{\"logs\":[{\"timestamp\":\"2026-11-28T09:42:00Z\",\"severity\":\"error\","
		  "\"message\":\"out of memory\"},{\"timestamp\":\"2026-11-28T09:42:01Z\",\"severity\":null,\"message\":\"restart\"}]}}");
	is_int(railway_read_logs(&lines, j, SOURCE_LOGS_DEPLOYMENT), 0, "deployment logs read");
	is_int(lines.nr, 2, "two lines");
	is_str(lines.items[0].severity, "error", "severity");
	ok(lines.items[1].severity == NULL, "no severity: NULL");
	source_log_lines_release(&lines);
	json_free(j);

	j = parse_json("{\"data\":{\"logs\":[{\"timestamp\":\"yesterday\",\"message\":\"x\"}]}}");
	is_int(railway_read_logs(&lines, j, SOURCE_LOGS_BUILD), BOT_EINVALID, "a bad timestamp is an error");
	like(bot_error_last(), "log line 0", "naming the line");
	source_log_lines_release(&lines);
	json_free(j);
}

/*
 * With `--live ENDPOINT`: the source's operations through the HTTP layer
 * against tests/fakes/railway.js serving tests/source/fixtures/
 * railway-unhealthy.json (run by tests/source/railway-ops.test).
 */
static int live(const char *endpoint)
{
	struct strbuf yml = STRBUF_INIT;
	struct config cfg;
	struct config_diags diags = { NULL, 0, 0 };
	struct architecture arch;
	struct service_metrics svc;
	struct source_log_lines lines = { NULL, 0, 0 };
	struct source_log_query q;
	struct source *src = NULL;
	const struct arch_service *api = NULL;
	size_t i;
	int64_t start = T0, end = T0 + 3600000;

	strbuf_addf(&yml, "version: 1\nsource:\n  railway:\n    project: p-autofix-test\n"
		    "    environment: production\n    token_env: LIVE_RAILWAY_TOKEN\n"
		    "    token_kind: project\n    endpoint: %s\nwindow: 30m\n"
		    "services:\n  api: {}\n  worker: {}\n", endpoint);
	config_init(&cfg);
	if (config_load_buffer(&cfg, "live.yml", yml.buf, yml.len, &diags) < 0) {
		diag("config: %s", diags.nr ? diags.items[0].message : bot_error_last());
		return 1;
	}
	is_int(source_open(&src, &cfg), 0, "the railway source opens");
	if (!src)
		return done_testing();
	is_str(src->ops->name, "railway", "picked by source.kind");
	architecture_init(&arch);
	is_int(source_architecture(src, &arch), 0, "architecture through the fake");
	is_int(source_select_services(&arch, &cfg), 0, "services selected");
	for (i = 0; i < arch.services_nr; i++)
		if (!strcmp(arch.services[i].name, "api"))
			api = &arch.services[i];
	ok(api != NULL, "api is there");

	memset(&svc, 0, sizeof(svc));
	if (api) {
		is_int(source_deployments(src, &arch, api, start, end, &svc), 0, "deployments of api");
		is_int(svc.deployments_nr, 1, "one deployment in the hour");
		if (svc.deployments_nr)
			is_str(svc.deployments[0].commit, "abc1234", "with its commit");
		is_int(source_deployments(src, &arch, api, end, end + 3600000, &svc), 0, "a later hour");
		is_int(svc.deployments_nr, 1, "adds nothing");
	}

	memset(&q, 0, sizeof(q));
	q.kind = SOURCE_LOGS_HTTP;
	q.deployment_id = "d-41";
	q.start = start;
	q.end = end;
	q.filter = "@httpStatus:>=500";
	q.limit = 10;
	is_int(source_logs(src, &q, &lines), 0, "HTTP logs of the deployment, 5xx only");
	is_int(lines.nr, 3, "three 5xx lines");
	for (i = 0; i < lines.nr; i++)
		ok(lines.items[i].http_status >= 500, "line %zu is a 5xx: %s", i, lines.items[i].message);
	source_log_lines_release(&lines);

	q.kind = SOURCE_LOGS_DEPLOYMENT;
	q.filter = NULL;
	is_int(source_logs(src, &q, &lines), 0, "deployment logs");
	is_int(lines.nr, 2, "two lines");
	if (lines.nr == 2)
		is_str(lines.items[1].severity, "error", "with severity");
	source_log_lines_release(&lines);

	q.kind = SOURCE_LOGS_BUILD;
	is_int(source_logs(src, &q, &lines), 0, "build logs");
	is_int(lines.nr, 2, "two lines");
	source_log_lines_release(&lines);

	q.deployment_id = "d-nope";
	is_int(source_logs(src, &q, &lines), BOT_ERROR, "an unknown deployment: Railway's error");
	like(bot_error_last(), "Deployment d-nope not found", "its message");
	is_int(lines.nr, 0, "no lines");

	ok(src->requests == 7, "one request per operation (%lld)", (long long)src->requests);
	source_log_lines_release(&lines);
	for (i = 0; i < svc.deployments_nr; i++) {
		free(svc.deployments[i].id);
		free(svc.deployments[i].status);
		free(svc.deployments[i].commit);
		free(svc.deployments[i].message);
	}
	free(svc.deployments);
	architecture_release(&arch);
	source_close(src);
	config_release(&cfg);
	strbuf_release(&yml);
	return done_testing();
}

/*
 * Values Railway's schema would not send, judged as Prometheus's are
 * (metric_intake): dropped and counted, never silently or fatally; and a
 * repeated ts is one sample, for gauges and counts alike.
 */
static void test_bad_values(void)
{
	struct observation obs;
	struct service_metrics *svc;
	struct json *j;

	observation_init(&obs);
	svc = observation_add_service(&obs, "api");
	j = parse_json("{\"data\":{\"m0\":["
		  "{\"measurement\":\"MEMORY_USAGE_GB\",\"values\":[{\"ts\":1795856400,\"value\":\"0.5\"},"
		  "{\"ts\":1795856460,\"value\":true},{\"ts\":1795856520,\"value\":-1},{\"ts\":1795856580,\"value\":1e300},"
		  "{\"ts\":1795856640,\"value\":null},{\"ts\":1795856700,\"value\":0.25},"
		  "{\"ts\":1e300,\"value\":0.25}]},"
		  "{\"measurement\":\"MEMORY_LIMIT_GB\",\"values\":[{\"ts\":1795856400,\"value\":0.5},"
		  "{\"ts\":1795856400,\"value\":0.5},{\"ts\":1795856400,\"value\":1}]},"
		  "{\"measurement\":\"CPU_USAGE\",\"values\":[{\"ts\":1795856400,\"value\":-0.1}]}]}}");
	is_int(railway_read_metrics(obs.services, j, 1, 0), 0, "bad values do not fail the scan");
	ok(svc->series[METRIC_MEMORY].nr == 2 && isnan(svc->series[METRIC_MEMORY].items[0].v) &&
	   svc->series[METRIC_MEMORY].items[1].v == 0.25e9, "  a null is a gap, the good value kept");
	is_int(svc->series[METRIC_CPU].nr, 0, "  a negative CPU dropped");
	is_int(svc->bad_samples, 6, "  a string, a boolean, negative memory and CPU, 1e300 GB, a time past 9999: counted");
	ok(svc->series[METRIC_MEMORY_LIMIT].nr == 1 && svc->series[METRIC_MEMORY_LIMIT].items[0].v == 1e9,
	   "  a repeated ts of a gauge: the last one, not the sum (2 GB)");
	json_free(j);

	j = parse_json("{\"data\":{\"h0\":["
		  "{\"statusCode\":200,\"samples\":[{\"ts\":1795856400,\"value\":90},{\"ts\":1795856400,\"value\":90},"
		  "{\"ts\":1795856460,\"value\":\"x\"},{\"ts\":1795856520,\"value\":null}]},"
		  "{\"statusCode\":503,\"samples\":[{\"ts\":1795856400,\"value\":10}]}],"
		  "\"l0\":{\"samples\":[{\"ts\":1795856400,\"p95\":1e308},{\"ts\":1795856460,\"p95\":-5}]},"
		  "\"d0\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":[]}}}");
	svc->bad_samples = 0;
	is_int(railway_read_http(obs.services, j, 1, T0, T0 + 1800000, 0), 0, "bad HTTP values do not fail the scan");
	is_int(svc->series[METRIC_REQUESTS].nr, 1, "  one bucket: the string and the null add nothing");
	is_double(svc->series[METRIC_REQUESTS].items[0].v, 100, 1e-9,
		  "  a repeated ts within a status is one count (90), other statuses added (10)");
	is_int(svc->series[METRIC_LATENCY_P95].nr, 0, "  a p95 of 1e308 ms and a negative one dropped");
	is_int(svc->bad_samples, 3, "  and counted with the string count");
	json_free(j);
	observation_release(&obs);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--live"))
		return live(argv[2]);
	test_bodies();
	test_architecture();
	test_errors();
	test_metrics();
	test_volumes();
	test_bad_values();
	test_observe_text();
	test_observe_text_fast();
	test_chunk_size();
	test_logs();
	return done_testing();
}
