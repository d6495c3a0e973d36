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
#include "util/decimal.h"
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
	/* Matched by one of the two, it must still have both. */
	if ((err = json_get_str(&s, env, "id")) < 0)
		return bot_error_wrap(err, "environment '%s': ", environment);
	out->environment_id = xstrdup(s);
	if ((err = json_get_str(&s, env, "name")) < 0)
		return bot_error_wrap(err, "environment '%s': ", environment);
	out->environment_name = xstrdup(s);

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

/* Samples through metric_intake_json(): a bad one is dropped and counted in *bad, a null is a gap. */
static int read_values(struct series *s, size_t *bad, enum metric m, const struct json *values, double scale,
		       const char *valkey)
{
	const struct json *v;
	size_t i = 0;

	reserve_samples(s, json_size(values));
	/* json_member(), not json_get(): a path formatted and walked per sample was a tenth of a scan. */
	for (v = json_first(values); v; v = json_next(v), i++) {
		const struct json *ts = json_member(v, "ts");
		if (json_type(ts) != JSON_NUMBER)
			return bot_error(BOT_EINVALID, "railway sample %zu has no numeric 'ts'", i);
		metric_intake_json(s, bad, m, ts, json_member(v, valkey), scale);
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
		else if (!strcmp(meas, "DISK_USAGE_GB"))
			which = METRIC_DISK, scale = RAILWAY_GB;
		else
			continue;
		if ((err = json_get_arr(&values, m, "values")) < 0)
			return bot_error_wrap(err, "'data.%s' %s: ", alias, meas);
		if ((err = read_values(&set[which], bad, which, values, scale, "value")) < 0)
			return bot_error_wrap(err, "'data.%s' %s: ", alias, meas);
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

/* The buckets of one status answer, before they are summed into series. */
struct http_buckets {
	struct http_bucket *b;
	size_t nr, alloc;
};

/*
 * Adds one status's counts per step to the buckets; one is normalised: a
 * repeated ts is the same bucket said again (the last wins), not a second
 * one to add.
 */
static void buckets_add(struct http_buckets *hb, int status, const struct series *one)
{
	size_t k;

	for (k = 0; k < one->nr; k++) {
		double val = one->items[k].v;
		if (isnan(val))
			continue; /* no count: nothing to add */
		ALLOC_GROW(hb->b, hb->nr + 1, hb->alloc);
		hb->b[hb->nr].t = one->items[k].t;
		hb->b[hb->nr].all = val;
		hb->b[hb->nr].s5xx = status >= 500 && status <= 599 ? val : 0;
		hb->b[hb->nr].s4xx = status >= 400 && status <= 499 ? val : 0;
		hb->nr++;
	}
}

/* Buckets of the same time from different status codes add up, into series[METRIC_REQUESTS*]; hb is released. */
static void buckets_commit(struct series *series, struct http_buckets *hb)
{
	struct http_bucket *b = hb->b;
	size_t k, out;

	if (hb->nr > 1)
		qsort(b, hb->nr, sizeof(*b), cmp_bucket);
	for (k = 0, out = 0; k < hb->nr; k++) {
		if (out && b[out - 1].t == b[k].t) {
			b[out - 1].all += b[k].all;
			b[out - 1].s5xx += b[k].s5xx;
			b[out - 1].s4xx += b[k].s4xx;
		} else {
			b[out++] = b[k];
		}
	}
	reserve_samples(&series[METRIC_REQUESTS], out);
	reserve_samples(&series[METRIC_REQUESTS_5XX], out);
	reserve_samples(&series[METRIC_REQUESTS_4XX], out);
	for (k = 0; k < out; k++) {
		series_add(&series[METRIC_REQUESTS], b[k].t, b[k].all);
		series_add(&series[METRIC_REQUESTS_5XX], b[k].t, b[k].s5xx);
		series_add(&series[METRIC_REQUESTS_4XX], b[k].t, b[k].s4xx);
	}
	free(hb->b);
	memset(hb, 0, sizeof(*hb));
}

/* An HTTP status: a whole number from 100 to 599. */
static int is_status_code(double code)
{
	return code >= 100 && code <= 599;
}

/*
 * Status groups into series[METRIC_REQUESTS*] (svc->series, or
 * svc->seasonal for an earlier day), each count times scale.
 */
static int read_status_counts(struct service_metrics *svc, struct series *series, const struct json *groups,
			      double scale, const char *alias)
{
	struct http_buckets hb = { 0 };
	struct series one = SERIES_INIT;
	const struct json *g;

	for (g = json_first(groups); g; g = json_next(g)) {
		const struct json *code = json_get(g, "statusCode");

		if (json_type(code) != JSON_NUMBER || !is_status_code(json_num_value(code)))
			goto bad;
		if (read_values(&one, &svc->bad_samples, METRIC_REQUESTS, json_get(g, "samples"), scale, "value") < 0)
			goto bad;
		buckets_add(&hb, (int)json_num_value(code), &one);
		one.nr = 0;
	}
	series_release(&one);
	buckets_commit(series, &hb);
	return 0;
bad:
	free(hb.b);
	series_release(&one);
	return bot_error(BOT_EINVALID, "'data.%s': a status group without numeric 'statusCode' or 'ts'", alias);
}

/*
 * The deployments created in [start, end], and the newest one before start
 * when it is SLEEPING or CRASHED: what the service still is (an app asleep
 * sends no samples; a crash long ago is still a crash).
 */
static int read_deployments(struct service_metrics *svc, const struct json *conn, size_t i,
			    int64_t start, int64_t end)
{
	const struct json *edges, *e, *before = NULL;
	int64_t oldest = INT64_MAX, before_at = INT64_MIN;
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
		if (at < start && at > before_at) {
			before = e;
			before_at = at;
		}
		if (at < start || at > end)
			continue;
		service_add_deployment(svc, id, at, status,
				       json_str_value(json_get(e, "node.meta.commitHash")),
				       json_str_value(json_get(e, "node.meta.commitMessage")));
	}
	if (before) {
		const char *status = json_str_value(json_get(before, "node.status"));
		if (!strcmp(status, "SLEEPING") || !strcmp(status, "CRASHED"))
			service_add_deployment(svc, json_str_value(json_get(before, "node.id")), before_at, status,
					       json_str_value(json_get(before, "node.meta.commitHash")),
					       json_str_value(json_get(before, "node.meta.commitMessage")));
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

/* ---------------------------------------------------------------- observe answers, alias by alias */

/*
 * The aliased fields of the two observe documents (railway_documents.c):
 * service I's metrics mI and, K days earlier, yK_I; its status counts hI,
 * durations lI, deployments dI and, K days earlier, p95 ylK_I and status
 * counts yhK_I; the usage of the volume mounted in it, vI (in the metrics
 * document, only for a service with a volume).
 */
enum alias_kind { ALIAS_METRICS, ALIAS_DAY_METRICS, ALIAS_STATUS, ALIAS_LATENCY, ALIAS_DEPLOYMENTS,
		  ALIAS_DAY_LATENCY, ALIAS_DAY_STATUS, ALIAS_VOLUME };

struct alias {
	enum alias_kind kind;
	size_t i;  /* the service, 0-based within the document */
	int k;     /* days earlier, 0 for today */
};

/* Reads a decimal number of at most 9 digits at *p, advancing it; -1 when there is none. */
static long alias_number(const char **p)
{
	long v = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9' && digits < 9) {
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (!digits || (digits > 1 && (*p)[-digits] == '0'))
		return -1;
	return v;
}

/* Parses the alias name[0..len); 0 or -1 when it is none of the above. */
static int parse_alias(struct alias *out, const char *name, size_t len)
{
	char buf[32];
	const char *p = buf;
	long i, k = 0;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (*p == 'y') {
		p++;
		out->kind = *p == 'l' ? ALIAS_DAY_LATENCY : *p == 'h' ? ALIAS_DAY_STATUS : ALIAS_DAY_METRICS;
		if (*p == 'l' || *p == 'h')
			p++;
		if ((k = alias_number(&p)) < 1 || *p++ != '_')
			return -1;
	} else if (*p == 'm' || *p == 'h' || *p == 'l' || *p == 'd' || *p == 'v') {
		out->kind = *p == 'm' ? ALIAS_METRICS : *p == 'h' ? ALIAS_STATUS :
			    *p == 'l' ? ALIAS_LATENCY : *p == 'd' ? ALIAS_DEPLOYMENTS : ALIAS_VOLUME;
		p++;
	} else {
		return -1;
	}
	if ((i = alias_number(&p)) < 0 || *p)
		return -1;
	out->i = (size_t)i;
	out->k = (int)k;
	return 0;
}

static void format_alias(char *buf, size_t size, const struct alias *a)
{
	static const char *const prefix[] = { "m", "y", "h", "l", "d", "yl", "yh", "v" };

	if (a->k)
		snprintf(buf, size, "%s%d_%zu", prefix[a->kind], a->k, a->i);
	else
		snprintf(buf, size, "%s%zu", prefix[a->kind], a->i);
}

/*
 * Which of the per-service slots of its document alias a fills: today's
 * fields, then one per day (the HTTP document: p95 for each day, then
 * status counts for each day); in the metrics document the volume's last.
 */
static size_t alias_slot(const struct alias *a, int days)
{
	switch (a->kind) {
	case ALIAS_METRICS:
	case ALIAS_STATUS:
		return 0;
	case ALIAS_LATENCY:
		return 1;
	case ALIAS_DEPLOYMENTS:
		return 2;
	case ALIAS_DAY_METRICS:
		return (size_t)a->k;
	case ALIAS_DAY_LATENCY:
		return 2 + (size_t)a->k;
	case ALIAS_DAY_STATUS:
		return 2 + (size_t)days + (size_t)a->k;
	case ALIAS_VOLUME:
		return 1 + (size_t)days;
	}
	return 0;
}

/* The inverse of alias_slot(): the alias of service i's slot in its document. */
static void slot_alias(struct alias *a, size_t i, size_t slot, int http, int days)
{
	a->i = i;
	a->k = 0;
	if (!http && slot == 1 + (size_t)days) {
		a->kind = ALIAS_VOLUME;
	} else if (!http) {
		a->kind = slot ? ALIAS_DAY_METRICS : ALIAS_METRICS;
		a->k = (int)slot;
	} else if (slot < 3) {
		a->kind = slot == 0 ? ALIAS_STATUS : slot == 1 ? ALIAS_LATENCY : ALIAS_DEPLOYMENTS;
	} else if (slot < 3 + (size_t)days) {
		a->kind = ALIAS_DAY_LATENCY;
		a->k = (int)slot - 2;
	} else {
		a->kind = ALIAS_DAY_STATUS;
		a->k = (int)slot - 2 - days;
	}
}

/* Whether the document asked the alias of a slot: a volume's only for a service with a volume. */
static int slot_asked(const struct alias *a, const struct service_metrics *services)
{
	return a->kind != ALIAS_VOLUME || services[a->i].volume;
}

static int type_error(const char *alias, const char *want)
{
	return bot_error(BOT_EINVALID, "'data.%s': expected %s", alias, want);
}

/* Reads the value of one alias into its service. */
static int read_alias(struct service_metrics *services, const struct alias *a, const struct json *value,
		      int64_t start, int64_t end)
{
	struct service_metrics *svc = &services[a->i];
	const struct json *samples;
	char name[48];
	int err;

	format_alias(name, sizeof(name), a);
	switch (a->kind) {
	case ALIAS_METRICS:
	case ALIAS_DAY_METRICS:
	case ALIAS_VOLUME:
		if (json_type(value) != JSON_ARRAY)
			return type_error(name, "array");
		return read_measurements(a->k ? svc->seasonal : svc->series, &svc->bad_samples, value, name);
	case ALIAS_STATUS:
		if (json_type(value) != JSON_ARRAY)
			return type_error(name, "array");
		return read_status_counts(svc, svc->series, value, 1, name);
	case ALIAS_DAY_STATUS:
		if (json_type(value) != JSON_ARRAY)
			return type_error(name, "array");
		return read_status_counts(svc, svc->seasonal, value, 1.0 / RAILWAY_DAY_TRAFFIC_STEPS, name);
	case ALIAS_LATENCY:
	case ALIAS_DAY_LATENCY:
		if ((err = json_get_arr(&samples, value, "samples")) < 0)
			return bot_error_wrap(err, "'data.%s': ", name);
		if ((err = read_values(&(a->k ? svc->seasonal : svc->series)[METRIC_LATENCY_P95],
				       &svc->bad_samples, METRIC_LATENCY_P95, samples, 1, "p95")) < 0)
			return bot_error_wrap(err, "'data.%s': ", name);
		return 0;
	case ALIAS_DEPLOYMENTS:
		if (json_type(value) != JSON_OBJECT)
			return type_error(name, "object");
		if ((err = read_deployments(svc, value, a->i, start, end)) < 0)
			return err;
		if (svc->deployments_nr > 1)
			qsort(svc->deployments, svc->deployments_nr, sizeof(*svc->deployments),
			      cmp_deployment);
		return 0;
	}
	return 0;
}

/*
 * Slots per service: the metrics document has today, each day and the
 * volume (a slot that only a service with a volume fills); the HTTP one
 * three fields and two per day.
 */
static size_t doc_slots(int http, int days)
{
	return http ? 3 + 2 * (size_t)days : 2 + (size_t)days;
}

static int alias_in_doc(const struct alias *a, const struct service_metrics *services, int http,
			size_t n, int days)
{
	int of_http = a->kind == ALIAS_STATUS || a->kind == ALIAS_LATENCY ||
		      a->kind == ALIAS_DEPLOYMENTS || a->kind == ALIAS_DAY_LATENCY || a->kind == ALIAS_DAY_STATUS;

	if (a->kind == ALIAS_VOLUME && a->i < n && !services[a->i].volume)
		return 0;
	return of_http == !!http && a->i < n && a->k <= days;
}

/* The tree form: every alias the document asked, in its order; a missing one is an error. */
static int read_observe_tree(struct service_metrics *services, const struct json *resp, size_t n,
			     int http, int64_t start, int64_t end, int days)
{
	size_t i, j;
	int err;

	if ((err = railway_check_response(resp)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		for (j = 0; j < doc_slots(http, days); j++) {
			struct alias a;
			const struct json *value;
			char name[48];

			slot_alias(&a, i, j, http, days);
			if (!slot_asked(&a, services))
				continue;
			format_alias(name, sizeof(name), &a);
			if (!(value = json_get(resp, "data.%s", name)))
				return bot_error(BOT_EINVALID, "'data.%s': missing from railway's answer", name);
			if ((err = read_alias(services, &a, value, start, end)) < 0)
				return err;
		}
	}
	return 0;
}

int railway_read_metrics(struct service_metrics *services, const struct json *resp, size_t n,
			 int days)
{
	return read_observe_tree(services, resp, n, 0, 0, 0, days);
}

int railway_read_http(struct service_metrics *services, const struct json *resp, size_t n,
		      int64_t start, int64_t end, int days)
{
	return read_observe_tree(services, resp, n, 1, start, end, days);
}

/*
 * The text form. A chunk's answer is megabytes of JSON whose tree takes
 * about eight times its size; the fast path below finds the members of
 * `data` with a scanner that only matches brackets and strings, and parses
 * and reads one alias's value at a time, so that the tree never exceeds
 * one service's field. cJSON still checks each value in full.
 */
static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at an opening quote: returns the position after the closing one, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* p at a value: returns the position after it, or NULL when the text ends first. */
static const char *skip_value(const char *p, const char *end)
{
	size_t depth = 0;

	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	for (; p < end; p++) {
		if (*p == '"') {
			if (!(p = skip_string(p, end)))
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && !--depth) {
			return p + 1;
		}
	}
	return NULL;
}

/* One member of an object: the key's text without quotes and the value's span. */
struct member {
	const char *key, *value, *value_end;
	size_t key_len;
};

/*
 * Steps through the object at *p (positioned after '{' or after the
 * previous member): 1 with *m filled, 0 at its '}' (*p after it), -1 when
 * the text is not an object of that shape. With key_only, the value is
 * not skipped (m->value_end is NULL, *p at the value): the caller reads
 * it and moves *p past it.
 */
static int next_key(struct member *m, const char **p, const char *end, int first, int key_only)
{
	const char *q = skip_ws(*p, end), *k;

	if (q < end && *q == '}') {
		*p = q + 1;
		return 0;
	}
	if (!first) {
		if (q >= end || *q != ',')
			return -1;
		q = skip_ws(q + 1, end);
	}
	if (q >= end || *q != '"' || !(k = skip_string(q, end)))
		return -1;
	m->key = q + 1;
	m->key_len = (size_t)(k - q - 2);
	q = skip_ws(k, end);
	if (q >= end || *q != ':')
		return -1;
	m->value = skip_ws(q + 1, end);
	if (key_only) {
		m->value_end = NULL;
		*p = m->value;
		return 1;
	}
	if (!(m->value_end = skip_value(m->value, end)))
		return -1;
	*p = m->value_end;
	return 1;
}

static int next_member(struct member *m, const char **p, const char *end, int first)
{
	return next_key(m, p, end, first, 0);
}

/*
 * The fast path of the text form: an alias's samples read straight from
 * its text, no tree (cJSON's tree was most of a scan's time). It takes
 * only the exact shape the documents ask for, each member once, every
 * number a JSON number (util/decimal.h: the doubles cJSON would read);
 * anything else, a bad sample or a broken answer included, is left to
 * the tree, which reads it or says what is wrong. Nothing is written to
 * the services unless the whole value is read.
 */
struct cursor {
	const char *p, *end;
};

static int cur_char(struct cursor *c, char ch)
{
	c->p = skip_ws(c->p, c->end);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* A string without escapes (else -1): its text, not NUL-terminated. */
static int cur_string(struct cursor *c, const char **str, size_t *len)
{
	const char *q;

	c->p = skip_ws(c->p, c->end);
	if (c->p >= c->end || *c->p != '"')
		return -1;
	for (q = c->p + 1; q < c->end && *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20)
			return -1;
	if (q >= c->end)
		return -1;
	*str = c->p + 1;
	*len = (size_t)(q - *str);
	c->p = q + 1;
	return 0;
}

/* A member's key and its ':'; key_is() compares it. */
static int cur_key(struct cursor *c, const char **key, size_t *len)
{
	return cur_string(c, key, len) == 0 && cur_char(c, ':') ? 0 : -1;
}

static int key_is(const char *key, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(key, want, len);
}

/* A number, or null (*out NaN) when nullable; -1 when neither is there. out NULL: skipped, not read. */
static int cur_number(struct cursor *c, double *out, int nullable)
{
	const char *e;

	c->p = skip_ws(c->p, c->end);
	if (nullable && c->end - c->p >= 4 && !memcmp(c->p, "null", 4)) {
		c->p += 4;
		if (out)
			*out = NAN;
		return 0;
	}
	if (decimal_parse(out, c->p, c->end, &e) < 0)
		return -1;
	c->p = e;
	return 0;
}

/*
 * [{"ts": seconds, valkey: number or null, other numbers...}, ...] into s
 * through the intake, as read_values() (but not normalised); -1: another shape.
 */
static int fast_samples(struct cursor *c, struct series *s, size_t *bad, enum metric m, double scale,
			const char *valkey)
{
	int first = 1;

	if (!cur_char(c, '['))
		return -1;
	while (!cur_char(c, ']')) {
		double ts = 0, v = NAN;
		int have_ts = 0, have_v = 0, f = 1;
		int64_t ms;

		if ((!first && !cur_char(c, ',')) || !cur_char(c, '{'))
			return -1;
		first = 0;
		while (!cur_char(c, '}')) {
			const char *key;
			size_t len;

			if ((!f && !cur_char(c, ',')) || cur_key(c, &key, &len) < 0)
				return -1;
			f = 0;
			if (key_is(key, len, "ts")) {
				if (have_ts++ || cur_number(c, &ts, 0) < 0)
					return -1;
			} else if (key_is(key, len, valkey)) {
				if (have_v++ || cur_number(c, &v, 1) < 0)
					return -1;
			} else if (cur_number(c, NULL, 1) < 0) {
				return -1;
			}
		}
		if (!have_ts)
			return -1;
		if (metric_time_ms(&ms, ts) < 0)
			(*bad)++;
		else
			metric_intake(s, bad, m, ms, isnan(v) ? NAN : v * scale);
	}
	return 0;
}

/* Appends samples read by fast_samples() to s, as read_values() would have (then normalised). */
static void fast_commit(struct series *s, const struct series *read)
{
	reserve_samples(s, read->nr);
	if (read->nr)
		memcpy(s->items + s->nr, read->items, read->nr * sizeof(*read->items));
	s->nr += read->nr;
	series_normalise(s);
}

/* What a measurement fills (read_measurements()'s table): 0, or -1 for one not asked. */
static int measurement_metric(const char *name, size_t len, enum metric *which, double *scale)
{
	*scale = 1;
	if (key_is(name, len, "CPU_USAGE"))
		*which = METRIC_CPU;
	else if (key_is(name, len, "CPU_LIMIT"))
		*which = METRIC_CPU_LIMIT;
	else if (key_is(name, len, "MEMORY_USAGE_GB"))
		*which = METRIC_MEMORY, *scale = RAILWAY_GB;
	else if (key_is(name, len, "MEMORY_LIMIT_GB"))
		*which = METRIC_MEMORY_LIMIT, *scale = RAILWAY_GB;
	else if (key_is(name, len, "DISK_USAGE_GB"))
		*which = METRIC_DISK, *scale = RAILWAY_GB;
	else
		return -1;
	return 0;
}

#define FAST_MAX_PARTS 8

/* One alias's samples, read but not yet given to its service. */
struct fast_read {
	struct series parts[FAST_MAX_PARTS];
	struct series *into[FAST_MAX_PARTS];
	size_t nr, bad;
	struct http_buckets hb;
	int status;
};

/* [{"measurement": "CPU_USAGE", "values": [...]}, ...] of a metrics or volume alias. */
static int fast_measurements(struct cursor *c, struct fast_read *fr, struct series *set)
{
	int first = 1;

	if (!cur_char(c, '['))
		return -1;
	while (!cur_char(c, ']')) {
		const char *key, *name = NULL;
		size_t len, name_len = 0;
		enum metric which = METRIC_CPU;
		double scale = 1;
		int f = 1, have_values = 0;

		if ((!first && !cur_char(c, ',')) || !cur_char(c, '{'))
			return -1;
		first = 0;
		while (!cur_char(c, '}')) {
			if ((!f && !cur_char(c, ',')) || cur_key(c, &key, &len) < 0)
				return -1;
			f = 0;
			if (key_is(key, len, "measurement") && !name) {
				if (cur_string(c, &name, &name_len) < 0)
					return -1;
			} else if (key_is(key, len, "values") && name && !have_values++ && fr->nr < FAST_MAX_PARTS) {
				if (measurement_metric(name, name_len, &which, &scale) < 0 ||
				    fast_samples(c, &fr->parts[fr->nr], &fr->bad, which, scale, "value") < 0)
					return -1;
				fr->into[fr->nr++] = &set[which];
			} else {
				return -1;
			}
		}
		if (!have_values)
			return -1;
	}
	return 0;
}

/* [{"statusCode": 200, "samples": [...]}, ...] of a status alias, into fr->hb. */
static int fast_status(struct cursor *c, struct fast_read *fr, double scale)
{
	struct series one = SERIES_INIT;
	int first = 1, ret = -1;

	if (!cur_char(c, '['))
		return -1;
	while (!cur_char(c, ']')) {
		const char *key;
		size_t len;
		double code = 0;
		int f = 1, have_code = 0, have_samples = 0;

		if ((!first && !cur_char(c, ',')) || !cur_char(c, '{'))
			goto out;
		first = 0;
		one.nr = 0;
		while (!cur_char(c, '}')) {
			if ((!f && !cur_char(c, ',')) || cur_key(c, &key, &len) < 0)
				goto out;
			f = 0;
			if (key_is(key, len, "statusCode") && !have_code++) {
				if (cur_number(c, &code, 0) < 0 || !is_status_code(code))
					goto out;
			} else if (key_is(key, len, "samples") && !have_samples++) {
				if (fast_samples(c, &one, &fr->bad, METRIC_REQUESTS, scale, "value") < 0)
					goto out;
			} else {
				goto out;
			}
		}
		/* A group without samples is the tree's to read (it reads it as none). */
		if (!have_code || !have_samples)
			goto out;
		series_normalise(&one);
		buckets_add(&fr->hb, (int)code, &one);
	}
	fr->status = 1;
	ret = 0;
out:
	series_release(&one);
	return ret;
}

/* {"samples": [{"ts": ..., "p95": ...}, ...]} of a latency alias. */
static int fast_latency(struct cursor *c, struct fast_read *fr, struct series *into)
{
	const char *key;
	size_t len;

	if (!cur_char(c, '{') || cur_key(c, &key, &len) < 0 || !key_is(key, len, "samples") ||
	    fast_samples(c, &fr->parts[0], &fr->bad, METRIC_LATENCY_P95, 1, "p95") < 0 || !cur_char(c, '}'))
		return -1;
	fr->into[0] = into;
	fr->nr = 1;
	return 0;
}

/*
 * Reads alias a's value, at p in a text that ends at end, into its
 * service: the position after the value, or NULL when it is not of the
 * usual shape (the caller then reads the tree; nothing was written).
 */
static const char *read_alias_fast(struct service_metrics *services, const struct alias *a, const char *p,
				   const char *end)
{
	struct service_metrics *svc = &services[a->i];
	struct cursor c = { p, end };
	struct fast_read fr;
	struct series *series = a->k ? svc->seasonal : svc->series;
	size_t k;
	int r;

	memset(&fr, 0, sizeof(fr));
	switch (a->kind) {
	case ALIAS_METRICS:
	case ALIAS_DAY_METRICS:
	case ALIAS_VOLUME:
		r = fast_measurements(&c, &fr, series);
		break;
	case ALIAS_STATUS:
		r = fast_status(&c, &fr, 1);
		break;
	case ALIAS_DAY_STATUS:
		r = fast_status(&c, &fr, 1.0 / RAILWAY_DAY_TRAFFIC_STEPS);
		break;
	case ALIAS_LATENCY:
	case ALIAS_DAY_LATENCY:
		r = fast_latency(&c, &fr, &series[METRIC_LATENCY_P95]);
		break;
	default:
		r = -1; /* deployments: the tree */
	}
	if (r == 0) {
		for (k = 0; k < fr.nr; k++)
			fast_commit(fr.into[k], &fr.parts[k]);
		if (fr.status)
			buckets_commit(series, &fr.hb);
		svc->bad_samples += fr.bad;
	}
	for (k = 0; k < FAST_MAX_PARTS; k++)
		series_release(&fr.parts[k]);
	free(fr.hb.b);
	return r == 0 ? c.p : NULL;
}

int railway_read_observe_text(struct service_metrics *services, const char *text, size_t len,
			      size_t n, int http, int64_t start, int64_t end, int days)
{
	const char *p = text, *stop = text + len, *data = NULL, *data_end = NULL;
	size_t slots = doc_slots(http, days), missing;
	unsigned char *seen;
	struct member m;
	int first, r, err = 0;

	/* First pass: the top level holds `data` (an object) and no `errors`; else the caller parses it whole. */
	p = skip_ws(p, stop);
	if (p >= stop || *p++ != '{')
		return 1;
	for (first = 1; (r = next_member(&m, &p, stop, first)) > 0; first = 0) {
		if (m.key_len == 6 && !memcmp(m.key, "errors", 6))
			return 1;
		if (m.key_len == 4 && !memcmp(m.key, "data", 4)) {
			if (data || *m.value != '{')
				return 1;
			data = m.value + 1;
			data_end = m.value_end;
		}
	}
	if (r < 0 || !data || skip_ws(p, stop) != stop)
		return 1;

	seen = xcalloc(n * slots + 1, 1);
	p = data;
	/* Keys only: a value read by the fast path is scanned once, not skipped first. */
	for (first = 1; (r = next_key(&m, &p, data_end, first, 1)) > 0; first = 0) {
		struct alias a;
		struct json *value;
		const char *after;
		size_t slot;
		char name[48];

		/* Members the document did not ask for are not read (as by the tree form). */
		if (parse_alias(&a, m.key, m.key_len) < 0 || !alias_in_doc(&a, services, http, n, days)) {
			if (!(p = skip_value(m.value, data_end))) {
				r = -1;
				break;
			}
			continue;
		}
		format_alias(name, sizeof(name), &a);
		slot = a.i * slots + alias_slot(&a, days);
		if (seen[slot]) {
			err = bot_error(BOT_EINVALID, "'data.%s': twice in railway's answer", name);
			break;
		}
		seen[slot] = 1;
		if ((after = read_alias_fast(services, &a, m.value, data_end))) {
			p = after;
			continue;
		}
		if (!(m.value_end = skip_value(m.value, data_end))) {
			r = -1;
			break;
		}
		p = m.value_end;
		if ((err = json_parse(&value, m.value, (size_t)(m.value_end - m.value))) < 0) {
			err = bot_error_wrap(err, "'data.%s': ", name);
			break;
		}
		err = read_alias(services, &a, value, start, end);
		json_free(value);
		if (err < 0)
			break;
	}
	if (!err && r < 0)
		err = bot_error(BOT_EINVALID, "railway's answer is not valid JSON");
	for (missing = 0; !err && missing < n * slots; missing++) {
		if (!seen[missing]) {
			struct alias a;
			char name[48];

			slot_alias(&a, missing / slots, missing % slots, http, days);
			if (!slot_asked(&a, services))
				continue;
			format_alias(name, sizeof(name), &a);
			err = bot_error(BOT_EINVALID, "'data.%s': missing from railway's answer", name);
		}
	}
	free(seen);
	return err;
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
			double status = json_num_value(json_get(l, "httpStatus"));
			/* An HTTP status or none (0): a number past int is no status. */
			line->http_status = status >= 100 && status <= 599 ? (int)status : 0;
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
