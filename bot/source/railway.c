/*
 * Railway: transport, auth and the ops table of the source, over the
 * public GraphQL API (the endpoint is the configuration's default,
 * source.railway.endpoint). The documents are built in
 * railway_documents.c and the answers read in railway_readers.c.
 *
 * 1 + 2 x ceil(N / chunk) requests per scan of N services, the chunk
 * being 200 services but for very long windows (see railway.h).
 * GraphQL reports errors with HTTP 200 and an `errors` array; every
 * response goes through railway_check_response(), and a response with any
 * error fails the whole operation.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "source/railway.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

static char *opt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
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
 * What an operation does with each answer (reply i answers bodies[i]):
 * tree() reads it parsed and checked; text(), when set, is tried first on
 * a 2xx answer's text and returns 1 to have it parsed whole for tree().
 */
struct reply_reader {
	int (*tree)(void *ctx, size_t i, const struct json *reply);
	int (*text)(void *ctx, size_t i, const char *text, size_t len);
	void *ctx;
};

/* send_bodies()'s state while the answers come in. */
struct answers {
	const struct reply_reader *rd;
	struct http_response *resps;
	const int *results;
	const char *const *what;
	size_t read;
};

/*
 * Reads answer i as soon as its transfer is done (http_run_each), and
 * frees its text and JSON before the next is read: a chunk's answers are
 * the largest allocations of a scan. The first failure stops the others.
 */
static int read_answer(void *ctx, size_t i)
{
	struct answers *a = ctx;
	struct http_response *resp = &a->resps[i];
	struct json *reply;
	int err;

	if (a->results[i] < 0)
		return bot_error(a->results[i], "%s", resp->error.buf);
	if (a->rd->text && resp->status >= 200 && resp->status < 300) {
		err = a->rd->text(a->rd->ctx, i, resp->body.buf, resp->body.len);
		if (err <= 0) {
			strbuf_release(&resp->body);
			a->read += !err;
			return err;
		}
	}
	err = parse_reply(&reply, resp, a->what[i]);
	strbuf_release(&resp->body);
	if (err < 0)
		return err;
	if ((err = railway_check_response(reply)) < 0) {
		/* "Not Authorized" after a redirect to another host: the token never got there. */
		if (err == BOT_EAUTH)
			http_error_note_redirect(err, resp);
		bot_error_wrap(err, "%s: ", a->what[i]);
	} else if ((err = a->rd->tree(a->rd->ctx, i, reply)) == 0) {
		a->read++;
	}
	json_free(reply);
	return err;
}

/*
 * Sends n GraphQL bodies in parallel with kind's auth header and reads
 * each answer as soon as it has come (read_answer), in the order they
 * come. *read_any tells whether an answer was read before the failure
 * (the output then holds part of the answers; the caller must not retry).
 */
static int send_bodies(struct source *src, struct railway *rw, enum railway_token_kind kind,
		       const struct strbuf *bodies, const char *const *what, size_t n,
		       const struct reply_reader *rd, int *read_any)
{
	struct http_request *reqs = xcalloc(n, sizeof(*reqs));
	struct http_response *resps = xcalloc(n, sizeof(*resps));
	int *results = xcalloc(n, sizeof(*results));
	struct answers a = { rd, resps, results, what, 0 };
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		http_request_init(&reqs[i], "POST", rw->endpoint);
		http_request_header(&reqs[i], "Content-Type", "application/json");
		add_auth(&reqs[i], rw, kind);
		strbuf_addbuf(&reqs[i].body, &bodies[i]);
		reqs[i].max_body = RAILWAY_MAX_RESPONSE;
		/* A query is read-only: retrying a failed one is safe. */
		reqs[i].no_cache = 1;
		http_response_init(&resps[i]);
	}
	err = http_run_each(rw->http, reqs, resps, results, n, read_answer, &a);
	update_cost(src, rw);
	*read_any = a.read > 0;
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
 * Sends with the configured token kind and reads the answers (see
 * send_bodies). With token_kind auto the first request settles it: a
 * UUID-shaped token is tried as a project token, and when Railway refuses
 * it, once more as an account token (the one extra request auto costs;
 * set token_kind to avoid it).
 */
static int railway_send(struct source *src, struct railway *rw, const struct strbuf *bodies,
			const char *const *what, size_t n, const struct reply_reader *rd)
{
	int err, read_any = 0;

	if (rw->kind != RAILWAY_TOKEN_AUTO)
		return send_bodies(src, rw, rw->kind, bodies, what, n, rd, &read_any);
	if (!uuid_shaped(rw->token)) {
		rw->kind = RAILWAY_TOKEN_ACCOUNT;
		return send_bodies(src, rw, rw->kind, bodies, what, n, rd, &read_any);
	}
	err = send_bodies(src, rw, RAILWAY_TOKEN_PROJECT, bodies, what, n, rd, &read_any);
	if (err != BOT_EAUTH || read_any) {
		if (!err)
			rw->kind = RAILWAY_TOKEN_PROJECT;
		return err;
	}
	log_debug("railway refused the token as a project token; trying it as an account token");
	err = send_bodies(src, rw, RAILWAY_TOKEN_ACCOUNT, bodies, what, n, rd, &read_any);
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
	/* config_init() sets the one default endpoint; an empty one is a mistake, not "the default". */
	if (!cfg->endpoint || !*cfg->endpoint)
		return bot_error(BOT_EINVALID, "source.railway.endpoint is empty");
	if ((err = source_token_from_env(&token, env_name, "Railway", "source.railway.token_env")) < 0)
		return err;
	rw = xcalloc(1, sizeof(*rw));
	rw->cfg = cfg;
	rw->endpoint = cfg->endpoint;
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

struct architecture_ctx {
	struct architecture *out;
	const char *environment;
};

static int read_architecture(void *ctx, size_t i, const struct json *reply)
{
	struct architecture_ctx *c = ctx;

	return railway_read_architecture(c->out, reply, c->environment);
}

static int railway_architecture(struct source *src, struct architecture *out)
{
	struct railway *rw = src->priv;
	struct strbuf body = STRBUF_INIT;
	const char *what = "railway architecture query";
	struct architecture_ctx ctx = { out, rw->cfg->environment };
	struct reply_reader rd = { read_architecture, NULL, &ctx };
	int err;

	railway_body_architecture(&body, rw->cfg->project);
	err = railway_send(src, rw, &body, &what, 1, &rd);
	strbuf_release(&body);
	return err;
}

/* One chunk of the observation: services[0..n) answered by a metrics and an HTTP document. */
struct observe_ctx {
	struct service_metrics *services;
	size_t n;
	int64_t start, end;
	int days;
};

static int read_observation(void *ctx, size_t i, const struct json *reply)
{
	struct observe_ctx *c = ctx;

	if (i == 0)
		return railway_read_metrics(c->services, reply, c->n, c->days);
	return railway_read_http(c->services, reply, c->n, c->start, c->end, c->days);
}

static int read_observation_text(void *ctx, size_t i, const char *text, size_t len)
{
	struct observe_ctx *c = ctx;

	return railway_read_observe_text(c->services, text, len, c->n, i == 1, c->start, c->end,
					 c->days);
}

size_t railway_chunk_size(int64_t start, int64_t end, int64_t step, int days)
{
	int64_t samples = (step > 0 && end > start ? (end - start) / step : 0) + 1;
	/*
	 * Per service and day: 4 measurements in the metrics answer and a
	 * volume's usage; in the HTTP one, counts of a few status codes and
	 * the durations (5 figures a sample), counted as 6 series; earlier
	 * days add 4 + 1 (their metrics and p95; their status counts come in
	 * coarse buckets).
	 */
	int64_t per_service = samples * RAILWAY_SAMPLE_BYTES * (11 + 5 * (int64_t)days);
	int64_t chunk = (int64_t)RAILWAY_CHUNK_BUDGET / per_service;

	if (chunk > RAILWAY_CHUNK)
		return RAILWAY_CHUNK;
	return chunk < 1 ? 1 : (size_t)chunk;
}

/*
 * Observes the services a chunk at a time: two documents per chunk,
 * sent in parallel, each answer read into series as soon as it has come
 * (while the other is still on its way) and freed before the next is
 * parsed, so that memory follows the chunk, not the project.
 */
static int railway_observe(struct source *src, const struct architecture *arch,
			   int64_t start, int64_t end, int64_t step, struct observation *out)
{
	struct railway *rw = src->priv;
	struct strbuf bodies[2] = { STRBUF_INIT, STRBUF_INIT };
	const char *what[2] = { "railway metrics query", "railway HTTP metrics query" };
	const char **ids, **volume_ids;
	size_t i, j, first, chunk, n = 0;
	int err = 0;
	/* The same hours on earlier days, for the detector's "usual at this hour" (0: not asked). */
	int days = src->cfg->regression.enabled ? src->cfg->regression.seasonal_days : 0;

	chunk = railway_chunk_size(start, end, step, days);

	out->source = xstrdup("railway");
	out->project = xstrdup(arch->project_name ? arch->project_name : arch->project_id);
	out->environment = xstrdup(arch->environment_name);
	out->start = start;
	out->end = end;
	out->step = step;
	ids = xcalloc(arch->services_nr + 1, sizeof(*ids));
	volume_ids = xcalloc(arch->services_nr + 1, sizeof(*volume_ids));
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
		/* Railway mounts at most one volume in a service: the first that names it. */
		for (j = 0; j < arch->volumes_nr; j++) {
			const struct arch_volume *v = &arch->volumes[j];
			if (!v->id || !v->service_id || strcmp(v->service_id, s->id))
				continue;
			svc->volume = xstrdup(v->name);
			svc->mount_path = opt_dup(v->mount_path);
			volume_ids[n] = v->id;
			/*
			 * Its size is the architecture's (sizeMB, now), not a
			 * series: it holds for the whole window.
			 */
			if (v->size_mb > 0) {
				series_add(&svc->series[METRIC_DISK_LIMIT], start, v->size_mb * RAILWAY_MB);
				series_add(&svc->series[METRIC_DISK_LIMIT], end, v->size_mb * RAILWAY_MB);
			}
			break;
		}
		ids[n++] = s->id;
	}
	for (first = 0; first < n; first += chunk) {
		struct observe_ctx ctx = { &out->services[first], n - first, start, end, days };

		if (ctx.n > chunk)
			ctx.n = chunk;
		railway_body_metrics(&bodies[0], arch->environment_id, ids + first, volume_ids + first,
				     ctx.n, start, end, step, days, src->cfg->window_ms);
		railway_body_http(&bodies[1], arch->project_id, arch->environment_id, ids + first,
				  ctx.n, start, end, step, days, src->cfg->window_ms);
		struct reply_reader rd = { read_observation, read_observation_text, &ctx };

		err = railway_send(src, rw, bodies, what, 2, &rd);
		strbuf_reset(&bodies[0]);
		strbuf_reset(&bodies[1]);
		if (err < 0)
			goto done;
	}
	out->requests = src->requests;
	out->bytes = src->bytes;
done:
	free(ids);
	free(volume_ids);
	strbuf_release(&bodies[0]);
	strbuf_release(&bodies[1]);
	return err;
}

struct logs_ctx {
	struct source_log_lines *out;
	enum source_log_kind kind;
};

static int read_logs(void *ctx, size_t i, const struct json *reply)
{
	struct logs_ctx *c = ctx;

	return railway_read_logs(c->out, reply, c->kind);
}

static int railway_logs(struct source *src, const struct source_log_query *q, struct source_log_lines *out)
{
	struct railway *rw = src->priv;
	struct strbuf body = STRBUF_INIT;
	const char *what = "railway logs query";
	struct logs_ctx ctx = { out, q->kind };
	struct reply_reader rd = { read_logs, NULL, &ctx };
	int err;

	if (!q->deployment_id)
		return bot_error(BOT_EINVALID, "railway logs belong to a deployment; none given");
	railway_body_logs(&body, q);
	err = railway_send(src, rw, &body, &what, 1, &rd);
	strbuf_release(&body);
	return err;
}

struct deployments_ctx {
	struct service_metrics *out;
	int64_t start, end;
};

static int read_deployments(void *ctx, size_t i, const struct json *reply)
{
	struct deployments_ctx *c = ctx;

	return railway_read_deployments(c->out, reply, c->start, c->end);
}

static int railway_deployments(struct source *src, const struct architecture *arch,
			       const struct arch_service *svc, int64_t start, int64_t end,
			       struct service_metrics *out)
{
	struct railway *rw = src->priv;
	struct strbuf body = STRBUF_INIT;
	const char *what = "railway deployments query";
	struct deployments_ctx ctx = { out, start, end };
	struct reply_reader rd = { read_deployments, NULL, &ctx };
	int err;

	if (!svc->id || !arch->project_id || !arch->environment_id)
		return bot_error(BOT_EINVALID, "service '%s' has no Railway ids", svc->name);
	railway_body_deployments(&body, arch->project_id, arch->environment_id, svc->id);
	err = railway_send(src, rw, &body, &what, 1, &rd);
	strbuf_release(&body);
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
