/*
 * Railway: readers of the GraphQL answers, from parsed JSON into the
 * source's structs (architecture, series, deployments, log lines). No I/O.
 *
 * Units: Railway's CPU is in vCPU, memory in GB (taken as 10^9 bytes;
 * only the ratio to the limit matters to the detector), HTTP counts are
 * requests per stepSeconds bucket, durations in milliseconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/railway.h"
#include "util/error.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define RAILWAY_GB 1e9

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

/*
 * Makes room for exactly more samples, so that a series read from one
 * answer holds no growth slack: a scan keeps every series of every
 * service until it ends (at 1,000 services, about a third less memory).
 */
static void reserve_samples(struct series *s, size_t more)
{
	if (s->alloc >= s->nr + more)
		return;
	s->items = xrealloc(s->items, (s->nr + more) * sizeof(*s->items));
	s->alloc = s->nr + more;
}

static int read_values(struct series *s, const struct json *values, double scale, const char *valkey)
{
	const struct json *v;
	size_t i = 0;

	reserve_samples(s, json_size(values));
	for (v = json_first(values); v; v = json_next(v), i++) {
		const struct json *ts = json_get(v, "ts"), *val = json_get(v, "%s", valkey);
		if (json_type(ts) != JSON_NUMBER)
			return bot_error(BOT_EINVALID, "railway sample %zu has no numeric 'ts'", i);
		/* A null value is a gap, kept as NAN so that the detector sees it. */
		series_add(s, (int64_t)json_num_value(ts) * 1000,
			   json_type(val) == JSON_NUMBER ? json_num_value(val) * scale : NAN);
	}
	series_normalise(s);
	return 0;
}

/* The measurements of one aliased metrics field (named alias) into set. */
static int read_measurements(struct series *set, const struct json *list, const char *alias)
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
		if ((err = read_values(&set[which], values, scale, "value")) < 0)
			return bot_error_wrap(err, "'data.%s' %s: ", alias, meas);
	}
	return 0;
}

int railway_read_metrics(struct service_metrics *services, const struct json *resp, size_t n,
			 int days)
{
	char alias[48];
	size_t i;
	int err, k;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		struct service_metrics *svc = &services[i];
		const struct json *list;

		for (k = 0; k <= days; k++) {
			if (k)
				snprintf(alias, sizeof(alias), "y%d_%zu", k, i);
			else
				snprintf(alias, sizeof(alias), "m%zu", i);
			if ((err = json_get_arr(&list, resp, "data.%s", alias)) < 0 ||
			    (err = read_measurements(k ? svc->seasonal : svc->series, list, alias)) < 0)
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
	size_t nr = 0, alloc = 0, k, out;
	const struct json *g, *smp;

	for (g = json_first(groups); g; g = json_next(g)) {
		const struct json *code = json_get(g, "statusCode");
		int status;

		if (json_type(code) != JSON_NUMBER)
			goto bad;
		status = (int)json_num_value(code);
		for (smp = json_first(json_get(g, "samples")); smp; smp = json_next(smp)) {
			const struct json *ts = json_get(smp, "ts"), *v = json_get(smp, "value");
			double val;
			if (json_type(ts) != JSON_NUMBER)
				goto bad;
			val = json_type(v) == JSON_NUMBER ? json_num_value(v) : 0;
			ALLOC_GROW(b, nr + 1, alloc);
			b[nr].t = (int64_t)json_num_value(ts) * 1000;
			b[nr].all = val;
			b[nr].s5xx = status >= 500 && status <= 599 ? val : 0;
			b[nr].s4xx = status >= 400 && status <= 499 ? val : 0;
			nr++;
		}
	}
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
	reserve_samples(&svc->series[METRIC_REQUESTS], out);
	reserve_samples(&svc->series[METRIC_REQUESTS_5XX], out);
	reserve_samples(&svc->series[METRIC_REQUESTS_4XX], out);
	for (k = 0; k < out; k++) {
		series_add(&svc->series[METRIC_REQUESTS], b[k].t, b[k].all);
		series_add(&svc->series[METRIC_REQUESTS_5XX], b[k].t, b[k].s5xx);
		series_add(&svc->series[METRIC_REQUESTS_4XX], b[k].t, b[k].s4xx);
	}
	free(b);
	return 0;
bad:
	free(b);
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

int railway_read_http(struct service_metrics *services, const struct json *resp, size_t n,
		      int64_t start, int64_t end, int days)
{
	size_t i;
	int err, k;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		struct service_metrics *svc = &services[i];
		const struct json *groups, *lat, *deps;

		if ((err = json_get_arr(&groups, resp, "data.h%zu", i)) < 0 ||
		    (err = json_get_arr(&lat, resp, "data.l%zu.samples", i)) < 0 ||
		    (err = json_get_obj(&deps, resp, "data.d%zu", i)) < 0)
			return err;
		if ((err = read_status_counts(svc, groups, i)) < 0)
			return err;
		if ((err = read_values(&svc->series[METRIC_LATENCY_P95], lat, 1, "p95")) < 0)
			return bot_error_wrap(err, "'data.l%zu': ", i);
		if ((err = read_deployments(svc, deps, i, start, end)) < 0)
			return err;
		if (svc->deployments_nr > 1)
			qsort(svc->deployments, svc->deployments_nr, sizeof(*svc->deployments),
			      cmp_deployment);
		for (k = 1; k <= days; k++) {
			if ((err = json_get_arr(&lat, resp, "data.yl%d_%zu.samples", k, i)) < 0)
				return err;
			if ((err = read_values(&svc->seasonal[METRIC_LATENCY_P95], lat, 1, "p95")) < 0)
				return bot_error_wrap(err, "'data.yl%d_%zu': ", k, i);
		}
	}
	return 0;
}

int railway_read_logs(struct source_log_lines *out, const struct json *resp, enum source_log_kind kind)
{
	const struct json *list, *l;
	size_t i = 0;
	int err;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	if ((err = json_get_arr(&list, resp, kind == SOURCE_LOGS_HTTP ? "data.httpLogs" : "data.logs")) < 0)
		return err;
	for (l = json_first(list); l; l = json_next(l), i++) {
		struct source_log_line *line;
		const char *ts;
		int64_t at;

		if ((err = json_get_str(&ts, l, "timestamp")) < 0 ||
		    (err = time_parse_iso8601(&at, ts)) < 0)
			return bot_error_wrap(err, "log line %zu: ", i);
		ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		line = &out->items[out->nr++];
		memset(line, 0, sizeof(*line));
		line->at = at;
		if (kind == SOURCE_LOGS_HTTP) {
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
