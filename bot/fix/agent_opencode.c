/*
 * The OpenCode agent: an `opencode serve` server, driven over its HTTP API
 * (the v1 routes of opencode-ai 1.18). One task is one session:
 *
 *   POST /session?directory=W                 {title}            -> {id}
 *   GET  /event?directory=W                   server-sent events, subscribed
 *                                             before the prompt so that the
 *                                             session's end cannot be missed
 *   POST /session/{id}/prompt_async?directory=W  {parts, model}  -> 204
 *   ... until session.idle (or session.status idle, or session.error) for
 *   that session; when the stream cannot be had or drops, GET
 *   /session/status until the session is idle or gone
 *   POST /session/{id}/abort                  when the time is up
 *   GET  /session/{id}/message?directory=W    the last assistant message's
 *                                             text is the agent's summary
 *
 * Every call goes through http.c. With the password variable set, every
 * request carries HTTP Basic auth (the server wants it on every route).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "config.h"
#include "http.h"
#include "fix/agent.h"
#include "util/env.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/redact.h"
#include "util/sse.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The same bounds as the command agent's. */
#define OC_MAX_LOG (32 * 1024)
#define OC_MAX_SUMMARY 4000
/* One event, or one unfinished line of the stream: a part may carry a whole file. */
#define OC_MAX_EVENT (16 * 1024 * 1024)
/* How long the event stream may take to say it is connected before polling is used instead. */
#define OC_CONNECT_WAIT_MS 10000
#define OC_POLL_MS 1000
/* While the stream runs, the status is still read now and then: an event lost is not a run lost. */
#define OC_STREAM_CHECK_MS 15000
/* Idle yet no answer to the prompt for this long: the prompt failed before it started. */
#define OC_UNANSWERED_MS 30000
/* One ordinary request (create, prompt, status, abort, messages). */
#define OC_REQUEST_TIMEOUT_MS 30000L
#define OC_MAX_MESSAGES (32 * 1024 * 1024)

struct opencode {
	struct strbuf base;   /* the server's URL without a trailing slash */
	char *auth;           /* "Basic ..." or NULL */
	char *provider;       /* from agent.model "provider/model", or NULL */
	char *model;
};

/* ---------------------------------------------------------------------- requests */

static void add_base64(struct strbuf *sb, const char *s)
{
	size_t len = strlen(s);
	unsigned char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	int n = EVP_EncodeBlock(out, (const unsigned char *)s, (int)len);

	strbuf_add(sb, out, (size_t)n);
	free(out);
}

static void oc_url(struct strbuf *url, const struct opencode *oc, const char *path,
		   const char *session, const char *rest, const char *workdir)
{
	strbuf_addbuf(url, &oc->base);
	strbuf_addstr(url, path);
	if (session) {
		strbuf_add_urlencoded(url, session);
		strbuf_addstr(url, rest);
	}
	strbuf_addstr(url, "?directory=");
	strbuf_add_urlencoded(url, workdir);
}

static void oc_request(struct http_request *req, const struct opencode *oc, const char *method,
		       const char *url, const char *accept)
{
	http_request_init(req, method, url);
	if (oc->auth)
		http_request_header(req, "Authorization", "%s", oc->auth);
	http_request_header(req, "Accept", "%s", accept);
	req->timeout_ms = OC_REQUEST_TIMEOUT_MS;
	req->no_cache = 1;
}

/* A refusal said in words that lead to the fix. */
static int oc_status_error(const struct agent *agent, const struct http_response *resp,
			   const char *what)
{
	const struct opencode *oc = agent->priv;

	if (resp->status == 401 && !oc->auth)
		return bot_error(BOT_EAUTH, "%s: the OpenCode server at '%s' wants a password (HTTP 401), "
				 "and $%s is not set", what, oc->base.buf, agent->cfg->password_env);
	if (resp->status == 401)
		return bot_error(BOT_EAUTH, "%s: the OpenCode server at '%s' refused user '%s' with the "
				 "password in $%s (HTTP 401)", what, oc->base.buf,
				 agent->cfg->username ? agent->cfg->username : "opencode",
				 agent->cfg->password_env);
	return http_status_error(resp, what);
}

/*
 * One call with a JSON body (or none) and a JSON answer (or none). On 0,
 * *out (when out is not NULL) is the parsed answer, owned by the caller.
 */
static int oc_call(struct agent *agent, const char *method, const char *url, const char *body,
		   int no_retry, size_t max_body, struct json **out, const char *what)
{
	const struct opencode *oc = agent->priv;
	struct http_request req;
	struct http_response resp;
	int err;

	if (out)
		*out = NULL;
	oc_request(&req, oc, method, url, "application/json");
	req.no_retry = no_retry;
	req.max_body = max_body;
	if (body) {
		http_request_header(&req, "Content-Type", "application/json");
		strbuf_addstr(&req.body, body);
	}
	http_response_init(&resp);
	if ((err = http_do(agent->http, &req, &resp)) < 0)
		bot_error_wrap(err, "%s: ", what);
	else if ((err = oc_status_error(agent, &resp, what)) < 0)
		;
	else if (out && (err = json_parse(out, resp.body.buf, resp.body.len)) < 0)
		bot_error_wrap(err, "%s: the answer is not JSON: ", what);
	http_response_release(&resp);
	http_request_release(&req);
	return err;
}

/* ---------------------------------------------------------------------- one run */

struct oc_run {
	struct agent *driver;         /* the OpenCode agent this run belongs to */
	const struct agent_task *task;
	struct agent_result *out;
	const char *session;
	int connected;        /* server.connected seen */
	int idle;             /* the session is done */
	int failed;           /* session.error */
	int stuck;            /* it waits for an answer (a permission, a question) nobody will give */
	char *last_part;      /* the tool part logged last, not to log it twice */
};

static void log_bounded(struct strbuf *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends a line to the run's log, which keeps its end. */
static void log_bounded(struct strbuf *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(log, fmt, ap);
	va_end(ap);
	strbuf_addch(log, '\n');
	if (log->len > OC_MAX_LOG) {
		size_t cut = log->len - OC_MAX_LOG / 2;
		const char *nl = memchr(log->buf + cut, '\n', log->len - cut);
		cut = nl ? (size_t)(nl + 1 - log->buf) : log->len;
		memmove(log->buf, log->buf + cut, log->len - cut);
		strbuf_setlen(log, log->len - cut);
	}
}

static void note_error(struct oc_run *r, const struct json *err)
{
	const char *name = json_str_value(json_get(err, "name"));
	const char *msg = json_str_value(json_get(err, "data.message"));

	r->failed = 1;
	log_bounded(&r->out->log, "session error: %s%s%s", name ? name : "error", msg ? ": " : "",
		    msg ? msg : "");
	log_warning("the OpenCode agent failed: %s%s%s", name ? name : "error", msg ? ": " : "",
		    msg ? msg : "");
}

/* One event of the stream; returns 1 once the session is over. */
static int on_event(void *ctx, const char *data, size_t len)
{
	struct oc_run *r = ctx;
	struct json *ev = NULL;
	const struct json *props;
	const char *type, *sid;
	int stop = 0;

	/* The stream carries every session of the directory: skip what is not about ours unparsed. */
	if (!r->connected && strstr(data, "server.connected"))
		r->connected = 1;
	if (!strstr(data, r->session) || json_parse(&ev, data, len) < 0) {
		json_free(ev);
		return 0;
	}
	type = json_str_value(json_get(ev, "type"));
	props = json_get(ev, "properties");
	sid = json_str_value(json_get(props, "sessionID"));
	if (!sid)
		sid = json_str_value(json_get(props, "part.sessionID"));
	if (!type || !sid || strcmp(sid, r->session)) {
		json_free(ev);
		return 0;
	}
	if (!strcmp(type, "session.idle")) {
		r->idle = stop = 1;
	} else if (!strcmp(type, "session.status")) {
		const char *st = json_str_value(json_get(props, "status.type"));
		if (st && !strcmp(st, "idle"))
			r->idle = stop = 1;
	} else if (!strcmp(type, "session.error")) {
		note_error(r, json_get(props, "error"));
		stop = 1;
	} else if (!strcmp(type, "permission.asked") || !strcmp(type, "permission.v2.asked") ||
		   !strcmp(type, "question.asked") || !strcmp(type, "question.v2.asked")) {
		/*
		 * Headless, nobody will answer: waiting would only spend the
		 * time limit. OpenCode's configuration must allow what the
		 * task needs ("permission": {"edit": "allow"}).
		 */
		const char *what = json_str_value(json_get(props, "permission"));
		if (!what)
			what = json_str_value(json_get(props, "action"));
		log_bounded(&r->out->log, "the agent asked %s%s%s and nobody can answer",
			    what ? "for permission '" : "a question", what ? what : "", what ? "'" : "");
		log_warning("the OpenCode agent asked %s%s%s, which a headless run cannot answer: "
			    "allow it in OpenCode's configuration (\"permission\")",
			    what ? "for permission '" : "a question", what ? what : "", what ? "'" : "");
		r->stuck = stop = 1;
	} else if (!strcmp(type, "message.part.updated")) {
		const char *ptype = json_str_value(json_get(props, "part.type"));
		const char *status = json_str_value(json_get(props, "part.state.status"));
		const char *id = json_str_value(json_get(props, "part.id"));
		if (ptype && !strcmp(ptype, "tool") && status && id &&
		    (!strcmp(status, "completed") || !strcmp(status, "error")) &&
		    (!r->last_part || strcmp(r->last_part, id))) {
			const char *tool = json_str_value(json_get(props, "part.tool"));
			const char *title = json_str_value(json_get(props, "part.state.title"));
			log_bounded(&r->out->log, "%s %s%s%s", tool ? tool : "tool", status,
				    title ? ": " : "", title ? title : "");
			free(r->last_part);
			r->last_part = xstrdup(id);
		}
	}
	json_free(ev);
	return stop;
}

/*
 * The status of the session from GET /session/status: 1 when it is idle
 * or absent (done, or never started), 0 when busy or retrying.
 */
static int poll_idle(struct oc_run *r, int *idle)
{
	const struct opencode *oc = r->driver->priv;
	struct strbuf url = STRBUF_INIT;
	struct json *st = NULL;
	const char *type;
	int err;

	oc_url(&url, oc, "/session/status", NULL, NULL, r->task->workdir);
	err = oc_call(r->driver, "GET", url.buf, NULL, 0, 0, &st, "OpenCode session status");
	if (!err) {
		type = json_str_value(json_get(json_member(st, r->session), "type"));
		*idle = !type || !strcmp(type, "idle");
	}
	json_free(st);
	strbuf_release(&url);
	return err;
}

/* The session's messages (the caller frees them). */
static int read_messages(struct oc_run *r, struct json **out)
{
	const struct opencode *oc = r->driver->priv;
	struct strbuf url = STRBUF_INIT;
	int err;

	oc_url(&url, oc, "/session/", r->session, "/message", r->task->workdir);
	err = oc_call(r->driver, "GET", url.buf, NULL, 0, OC_MAX_MESSAGES, out, "OpenCode session messages");
	if (!err && json_type(*out) != JSON_ARRAY) {
		json_free(*out);
		*out = NULL;
		err = bot_error(BOT_EINVALID, "OpenCode session messages: expected an array");
	}
	strbuf_release(&url);
	return err;
}

/* The last assistant message, or NULL. */
static const struct json *last_assistant(const struct json *msgs)
{
	const struct json *m, *last = NULL;

	for (m = json_first(msgs); m; m = json_next(m)) {
		const char *role = json_str_value(json_get(m, "info.role"));
		if (role && !strcmp(role, "assistant"))
			last = m;
	}
	return last;
}

/*
 * Polling has no event to say when the turn ends, and right after the
 * prompt the status may still read idle, before the work starts: done
 * means idle with an answer, complete, as the last message.
 */
static int turn_over(const struct json *msgs)
{
	const struct json *m = json_item(msgs, json_size(msgs) ? json_size(msgs) - 1 : 0);
	const char *role = json_str_value(json_get(m, "info.role"));

	return role && !strcmp(role, "assistant") && json_get(m, "info.time.completed");
}

/* The agent's own account: the text of the last assistant message that has some. */
static char *summary_of(const struct json *msgs)
{
	const struct json *m = last_assistant(msgs), *p;
	struct strbuf sb = STRBUF_INIT;

	for (p = json_first(json_get(m, "parts")); p; p = json_next(p)) {
		const char *type = json_str_value(json_get(p, "type"));
		const char *text = json_str_value(json_get(p, "text"));
		if (!type || strcmp(type, "text") || !text || json_bool_value(json_get(p, "synthetic")) ||
		    json_bool_value(json_get(p, "ignored")))
			continue;
		if (sb.len)
			strbuf_addstr(&sb, "\n\n");
		strbuf_addstr(&sb, text);
	}
	/* It may quote the working tree, logs, the environment: redacted before it is kept. */
	log_redact(&sb);
	redact_credentials(&sb);
	strbuf_trim(&sb);
	if (sb.len > OC_MAX_SUMMARY) {
		size_t cut = OC_MAX_SUMMARY;
		while (cut > OC_MAX_SUMMARY / 2 && sb.buf[cut] != '\n')
			cut--;
		strbuf_setlen(&sb, cut);
		strbuf_addstr(&sb, "\n[...]");
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static int create_session(struct oc_run *r, char **id)
{
	const struct opencode *oc = r->driver->priv;
	struct strbuf url = STRBUF_INIT;
	struct json *body = json_new_object(), *s = NULL;
	const char *sid;
	char *printed;
	int err;

	json_set_opt_str(body, "title", r->task->title);
	printed = json_print(body, 0);
	oc_url(&url, oc, "/session", NULL, NULL, r->task->workdir);
	err = oc_call(r->driver, "POST", url.buf, printed, 0, 0, &s, "OpenCode session");
	if (!err && (err = json_get_str(&sid, s, "id")) < 0)
		bot_error_wrap(err, "OpenCode session: ");
	if (!err)
		*id = xstrdup(sid);
	free(printed);
	json_free(body);
	json_free(s);
	strbuf_release(&url);
	return err;
}

static int send_prompt(struct oc_run *r)
{
	const struct opencode *oc = r->driver->priv;
	struct strbuf url = STRBUF_INIT;
	struct json *body = json_new_object(), *parts = json_new_array(), *part = json_new_object();
	char *printed;
	int err;

	json_set_str(part, "type", "text");
	json_set_str(part, "text", r->task->prompt);
	json_append(parts, part);
	json_set(body, "parts", parts);
	if (oc->provider) {
		struct json *model = json_new_object();
		json_set_str(model, "providerID", oc->provider);
		json_set_str(model, "modelID", oc->model);
		json_set(body, "model", model);
	}
	printed = json_print(body, 0);
	oc_url(&url, oc, "/session/", r->session, "/prompt_async", r->task->workdir);
	/* Not retried: a retry after a lost answer would run the task twice. */
	err = oc_call(r->driver, "POST", url.buf, printed, 1, 0, NULL, "OpenCode prompt");
	free(printed);
	json_free(body);
	strbuf_release(&url);
	return err;
}

static void abort_session(struct oc_run *r)
{
	const struct opencode *oc = r->driver->priv;
	struct strbuf url = STRBUF_INIT;

	oc_url(&url, oc, "/session/", r->session, "/abort", r->task->workdir);
	if (oc_call(r->driver, "POST", url.buf, NULL, 0, 0, NULL, "OpenCode abort") < 0)
		log_warning("could not stop OpenCode session '%s': %s", r->session, bot_error_last());
	strbuf_release(&url);
}

/*
 * Opens the event stream and waits for the server to say it is connected.
 * Returns 0 with *out set, or a negative code (the caller polls instead).
 */
static int open_events(struct oc_run *r, struct http_request *req, struct http_response *resp,
		       struct http_stream **out, struct sse *parser, int64_t deadline)
{
	const struct opencode *oc = r->driver->priv;
	struct strbuf url = STRBUF_INIT, buf = STRBUF_INIT;
	int64_t until = time_monotonic_ms() + OC_CONNECT_WAIT_MS;
	int err;

	*out = NULL;
	oc_url(&url, oc, "/event", NULL, NULL, r->task->workdir);
	oc_request(req, oc, "GET", url.buf, "text/event-stream");
	/* The stream lives as long as the task may, and a little more to see its end. */
	req->timeout_ms = (long)(deadline - time_monotonic_ms()) + 5000;
	err = http_stream_open(out, r->driver->http, req, resp);
	if (!err && (err = oc_status_error(r->driver, resp, "OpenCode events")) < 0) {
		http_stream_free(*out);
		*out = NULL;
	}
	while (!err && !r->connected) {
		int64_t left = until - time_monotonic_ms();
		if (left <= 0) {
			err = bot_error(BOT_ETIMEOUT, "OpenCode events: no 'server.connected' within %d s",
					OC_CONNECT_WAIT_MS / 1000);
			break;
		}
		strbuf_reset(&buf);
		err = http_stream_read(*out, &buf, (long)left);
		if (err == 0)
			err = bot_error(BOT_ETRANSIENT, "OpenCode events: the stream ended at once");
		else if (err > 0)
			err = sse_feed(parser, buf.buf, buf.len, on_event, r) < 0 ? BOT_ETOOBIG : 0;
	}
	if (err < 0) {
		http_stream_free(*out);
		*out = NULL;
	}
	strbuf_release(&url);
	strbuf_release(&buf);
	return err;
}

static int opencode_run(struct agent *agent, const struct agent_task *task, struct agent_result *out)
{
	struct oc_run r = { 0 };
	struct http_request ev_req;
	struct http_response ev_resp;
	struct http_stream *stream = NULL;
	struct sse parser;
	struct strbuf buf = STRBUF_INIT;
	struct json *msgs = NULL;
	int64_t start = time_monotonic_ms(), limit, deadline;
	int64_t next_poll = 0, unanswered_since = 0;
	char *session = NULL;
	int err, events_opened = 0;

	limit = task->timeout_ms ? task->timeout_ms : agent->cfg->timeout_ms;
	if (limit <= 0)
		limit = 30 * 60 * 1000;
	deadline = start + limit;
	r.driver = agent;
	r.task = task;
	r.out = out;
	sse_init(&parser, OC_MAX_EVENT);

	if ((err = create_session(&r, &session)) < 0)
		goto done;
	r.session = session;
	out->session = xstrdup(session);
	log_info("OpenCode session '%s' in '%s'", session, task->workdir);

	/* Subscribed before the prompt: the session's end is then an event we cannot miss. */
	events_opened = 1;
	http_response_init(&ev_resp);
	if (open_events(&r, &ev_req, &ev_resp, &stream, &parser, deadline) < 0)
		log_info("the OpenCode event stream is not usable (%s); polling the session's status instead",
			 bot_error_last());
	/* What the stream said before the prompt (a new session's own idle, if any) is not the prompt's end. */
	r.idle = 0;
	if ((err = send_prompt(&r)) < 0)
		goto done;

	next_poll = time_monotonic_ms() + (stream ? OC_STREAM_CHECK_MS : 0);
	while (!r.idle && !r.failed && !r.stuck) {
		int64_t now = time_monotonic_ms();

		if (now >= deadline) {
			out->timed_out = 1;
			break;
		}
		if (stream && now < next_poll) {
			int got;
			strbuf_reset(&buf);
			got = http_stream_read(stream, &buf, (long)(deadline - now < OC_POLL_MS ?
								   deadline - now : OC_POLL_MS));
			if (got > 0 && sse_feed(&parser, buf.buf, buf.len, on_event, &r) >= 0)
				continue;
			log_info("the OpenCode event stream ended (%s); polling the session's status instead",
				 got == 0 ? "closed by the server" : bot_error_last());
			http_stream_free(stream);
			stream = NULL;
			next_poll = now;
			continue;
		}
		if (!stream && now < next_poll) {
			time_sleep_ms((long)(next_poll < deadline ? next_poll - now : deadline - now));
			continue;
		}
		next_poll = now + (stream ? OC_STREAM_CHECK_MS : OC_POLL_MS);
		{
			int idle = 0;
			if (poll_idle(&r, &idle) < 0) {
				/* A server that stopped answering is not a session that ended. */
				log_info("%s", bot_error_last());
				continue;
			}
			if (idle && read_messages(&r, &msgs) == 0 && turn_over(msgs)) {
				r.idle = 1;
			} else if (idle && msgs) {
				/* Idle with the prompt unanswered: it failed before it started, or is about to start. */
				if (!unanswered_since)
					unanswered_since = now;
				else if (now - unanswered_since > OC_UNANSWERED_MS) {
					log_bounded(&out->log, "OpenCode stayed idle without answering the prompt");
					log_warning("OpenCode session '%s' stayed idle for %ds without answering the prompt",
						    session, OC_UNANSWERED_MS / 1000);
					r.failed = 1;
				}
			} else {
				unanswered_since = 0;
			}
			json_free(msgs);
			msgs = NULL;
		}
	}
	http_stream_free(stream);
	stream = NULL;

	if (out->timed_out || r.stuck) {
		if (out->timed_out) {
			log_warning("the OpenCode agent ran past its limit of %llds; stopping session '%s'",
				    (long long)(limit / 1000), session);
			log_bounded(&out->log, "stopped at the time limit (%llds)", (long long)(limit / 1000));
		}
		abort_session(&r);
	}
	/* The summary, and in polling mode the error that no event told. */
	if (read_messages(&r, &msgs) == 0) {
		const struct json *last = last_assistant(msgs);
		if (!r.failed && !r.stuck && !out->timed_out && json_get(last, "info.error") &&
		    strcmp(json_str_value(json_get(last, "info.error.name")) ?
			   json_str_value(json_get(last, "info.error.name")) : "", "MessageAbortedError"))
			note_error(&r, json_get(last, "info.error"));
		out->summary = summary_of(msgs);
	} else {
		log_warning("no summary from the OpenCode agent: %s", bot_error_last());
	}
	out->finished = r.idle && !r.failed && !r.stuck && !out->timed_out;
	err = 0;
done:
	out->wall_ms = time_monotonic_ms() - start;
	log_redact(&out->log);
	redact_credentials(&out->log);
	http_stream_free(stream);
	if (events_opened) {
		http_request_release(&ev_req);
		http_response_release(&ev_resp);
	}
	json_free(msgs);
	sse_release(&parser);
	strbuf_release(&buf);
	free(r.last_part);
	free(session);
	return err;
}

/* ---------------------------------------------------------------------- open, close */

static int opencode_open(struct agent *agent)
{
	const struct agent_config *cfg = agent->cfg;
	struct opencode *oc;
	const char *password, *slash;

	if (!cfg->url || !*cfg->url)
		return bot_error(BOT_EINVALID, "agent.opencode.url is empty");
	if (!agent->http)
		return bot_error(BOT_EINVALID, "the OpenCode agent needs an HTTP client");
	if (cfg->model && *cfg->model) {
		slash = strchr(cfg->model, '/');
		if (!slash || slash == cfg->model || !slash[1])
			return bot_error(BOT_EINVALID, "agent.opencode.model '%s' is not 'provider/model'",
					 cfg->model);
	}
	oc = xcalloc(1, sizeof(*oc));
	strbuf_init(&oc->base, 0);
	strbuf_addstr(&oc->base, cfg->url);
	while (oc->base.len && oc->base.buf[oc->base.len - 1] == '/')
		strbuf_setlen(&oc->base, oc->base.len - 1);
	if (cfg->model && *cfg->model) {
		slash = strchr(cfg->model, '/');
		oc->provider = xstrndup(cfg->model, (size_t)(slash - cfg->model));
		oc->model = xstrdup(slash + 1);
	}
	password = cfg->password_env ? env_get(cfg->password_env) : NULL;
	if (password) {
		struct strbuf cred = STRBUF_INIT, auth = STRBUF_INIT;
		log_add_secret(password);
		strbuf_addf(&cred, "%s:%s", cfg->username && *cfg->username ? cfg->username : "opencode",
			    password);
		strbuf_addstr(&auth, "Basic ");
		add_base64(&auth, cred.buf);
		log_add_secret(auth.buf + 6);
		oc->auth = strbuf_detach(&auth, NULL);
		strbuf_release(&cred);
	} else {
		log_info("$%s is not set: calling the OpenCode server at '%s' without a password",
			 cfg->password_env ? cfg->password_env : "OPENCODE_SERVER_PASSWORD", oc->base.buf);
	}
	agent->priv = oc;
	return 0;
}

static void opencode_close(struct agent *agent)
{
	struct opencode *oc = agent->priv;

	if (!oc)
		return;
	strbuf_release(&oc->base);
	free(oc->auth);
	free(oc->provider);
	free(oc->model);
	free(oc);
	agent->priv = NULL;
}

const struct agent_ops agent_opencode_ops = {
	.name = "opencode",
	.open = opencode_open,
	.run = opencode_run,
	.close = opencode_close,
};
