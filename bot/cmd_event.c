/*
 * autofix event: what autofix does when GitHub tells it something
 * happened to one of its pull requests (event/event.h): a `/autofix`
 * command in a comment, a review, the PR closed or merged.
 *
 * The event is --event NAME (else $GITHUB_EVENT_NAME) with the payload
 * in --payload FILE (else $GITHUB_EVENT_PATH). In order: the
 * configuration; the payload (event/payload.c: a field the event needs
 * that is missing is a usage error naming it, and an event autofix has
 * nothing to do with is ignored, saying why); GitHub; the journaled run
 * `event:NAME:KEY` (one per comment, review or closing, so that a
 * delivery handled twice acts once); the pull request, which must be
 * autofix's (its marker, in a body autofix wrote); then the handler.
 *
 * Exit codes (builtin.h): 0 handled, or deliberately ignored (one line on
 * stderr says why); 2 usage, configuration, or a malformed or truncated
 * payload (nothing done); 3 another process holds the run; 4 GitHub (or
 * the state file) failed: running it again repeats nothing that was done.
 * With --json, stdout is a document: the handler's result, {"ignored":
 * why}, or {"error": {"stage", "message", "exit_code"}}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "builtin.h"
#include "config.h"
#include "event/event.h"
#include "event/payload.h"
#include "github/github.h"
#include "journal.h"
#include "util/env.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/marker.h"
#include "util/parse_options.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* GitHub caps webhook payloads at 25 MB. */
#define MAX_PAYLOAD (25 * 1024 * 1024)

struct event_cmd {
	int as_json;
	const char *name;
	struct json *doc;   /* what --json prints */
};

/* Prints the result (--json: the document; else line, when not NULL) on stdout. */
static int print_result(struct event_cmd *c, const char *line, int code)
{
	struct strbuf out = STRBUF_INIT;

	if (c->as_json && c->doc) {
		char *text;
		json_map_strings(c->doc, log_redact);
		text = json_print(c->doc, 1);
		strbuf_addf(&out, "%s\n", text);
		free(text);
	} else if (!c->as_json && line) {
		strbuf_addf(&out, "%s\n", line);
	}
	if (out.len && (log_print_data(stdout, &out) < 0 || fflush(stdout) != 0)) {
		log_error("cannot write to standard output: %s", strerror(errno));
		if (!code)
			code = EXIT_FAILURE_JOB;
	}
	strbuf_release(&out);
	return code;
}

/* A failure: the message on stderr, and with --json the error document. */
static int fail(struct event_cmd *c, const char *stage, int code)
{
	struct json *e = json_new_object();

	log_error("%s", bot_error_last());
	json_free(c->doc);
	c->doc = json_new_object();
	json_set_str(e, "stage", stage);
	json_set_str(e, "message", bot_error_last());
	json_set_num(e, "exit_code", code);
	json_set(c->doc, "error", e);
	return print_result(c, NULL, code);
}

/* Deliberately ignored: one line on stderr saying why; 0. */
static int ignore(struct event_cmd *c, const char *why)
{
	log_info("%s: ignored: %s", c->name, why);
	json_free(c->doc);
	c->doc = json_new_object();
	json_set_str(c->doc, "event", c->name);
	json_set_str(c->doc, "ignored", why);
	return print_result(c, NULL, EXIT_OK);
}

static int load_config(struct config *cfg, const char *path)
{
	struct config_diags diags = { NULL, 0, 0 };
	size_t i;
	int err;

	config_init(cfg);
	if ((err = config_load_file(cfg, path, &diags)) < 0) {
		for (i = 0; i < diags.nr; i++) {
			const struct config_diag *d = &diags.items[i];
			log_at(LOG_ERROR, d->file ? d->file : path, d->line, d->col, "%s%s%s",
			       d->key_path && *d->key_path ? d->key_path : "",
			       d->key_path && *d->key_path ? ": " : "", d->message);
		}
		if (diags.nr)
			bot_error(err, "%s: %s", path, diags.items[0].message);
	}
	config_diags_release(&diags);
	return err;
}

/* The payload file, parsed: a clear error for what is not JSON, or cut short. */
static int read_payload(struct json **out, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	int err;

	if ((err = strbuf_read_file(&text, path, MAX_PAYLOAD)) < 0)
		err = bot_error_wrap(err, "cannot read the payload '%s': ", path);
	else if ((err = json_parse(out, text.buf, text.len)) < 0)
		err = bot_error_wrap(err, "the payload '%s' is not JSON (truncated?): ", path);
	strbuf_release(&text);
	return err;
}

/* Whether pull (GET /pulls/{n}) is autofix's: its marker in a body autofix wrote. *fp to free(3). */
static int is_autofix_pull(const struct json *pull, const char *login, char **fp)
{
	struct strbuf key = STRBUF_INIT;
	struct json *one;
	int mine = 0;

	*fp = NULL;
	if (marker_find_kind(json_str_value(json_member(pull, "body")), "pr", &key)) {
		one = json_new_array();
		json_append(one, json_dup(pull));
		mine = github_find_marked(one, "pr", key.buf, login) != NULL;
		json_free(one);
	}
	if (mine)
		*fp = strbuf_detach(&key, NULL);
	strbuf_release(&key);
	return mine;
}

int cmd_event(int argc, const char **argv)
{
	const char *name_flag = NULL, *payload_flag = NULL, *config_path = ".autofix.yml";
	const char *state_flag = NULL, *name, *payload_path, *slash;
	struct event_cmd c = { 0, NULL, NULL };
	struct event_context ev;
	struct event_payload p;
	struct github_options gopts = { 0 };
	struct github *gh = NULL;
	struct journal *journal = NULL;
	struct journal_run *run = NULL;
	struct json *payload = NULL, *pull = NULL;
	struct strbuf why = STRBUF_INIT, run_id = STRBUF_INIT, line = STRBUF_INIT;
	char *login = NULL, *fp = NULL, *config_dir = NULL;
	struct config cfg;
	int64_t now;
	int err, code;
	const struct parse_option opts[] = {
		PARSE_OPT_STRING("event", 0, &name_flag),
		PARSE_OPT_STRING("payload", 0, &payload_flag),
		PARSE_OPT_STRING("config", 0, &config_path),
		PARSE_OPT_STRING("state", 0, &state_flag),
		PARSE_OPT_FLAG("json", 0, &c.as_json),
		PARSE_OPT_END(),
	};

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("event", "%s", bot_error_last());
	if (argc > 0)
		return command_usage_error("event", "unexpected argument '%s'", argv[0]);
	name = name_flag ? name_flag : env_get("GITHUB_EVENT_NAME");
	payload_path = payload_flag ? payload_flag : env_get("GITHUB_EVENT_PATH");
	if (!name || !*name)
		return command_usage_error("event", "no event: give --event NAME or set GITHUB_EVENT_NAME");
	if (!payload_path || !*payload_path)
		return command_usage_error("event", "no payload: give --payload FILE or set GITHUB_EVENT_PATH");
	c.name = name;

	config_init(&cfg);
	if (load_config(&cfg, config_path) < 0) {
		code = fail(&c, "config", EXIT_USAGE);
		goto done;
	}
	if (time_now_checked(&now) < 0) {
		code = fail(&c, "config", EXIT_USAGE);
		goto done;
	}
	if (read_payload(&payload, payload_path) < 0) {
		code = fail(&c, "payload", EXIT_USAGE);
		goto done;
	}
	err = event_payload_parse(&p, &why, name, payload);
	if (err < 0) {
		bot_error_wrap(err, "%s: ", payload_path);
		code = fail(&c, "payload", EXIT_USAGE);
		goto done;
	}
	if (err == 1) {
		code = ignore(&c, why.buf);
		goto done;
	}

	/* The repository is the event's, and so is an App's installation. */
	gopts.owner = p.owner;
	gopts.repo = p.repo;
	gopts.installation_id = p.installation_id;
	if ((err = github_options_from_env(&gopts)) < 0 || (err = github_new(&gh, &gopts)) < 0) {
		code = fail(&c, "github", EXIT_USAGE);
		goto done;
	}
	if (github_login(gh, &login) < 0) {
		code = fail(&c, "github", EXIT_FAILURE_JOB);
		goto done;
	}
	/* autofix's own comments and reviews (its replies) are never commands: no reply, or it would loop. */
	if (p.kind != EVENT_CLOSED && !strcasecmp(p.author, login)) {
		strbuf_reset(&why);
		strbuf_addf(&why, "written by autofix itself (%s)", login);
		code = ignore(&c, why.buf);
		goto done;
	}

	if ((err = github_pull_get(gh, &pull, p.number)) < 0) {
		bot_error_wrap(err, "cannot read pull request #%lld: ", (long long)p.number);
		code = fail(&c, "github", EXIT_FAILURE_JOB);
		goto done;
	}
	strbuf_reset(&why);
	if (!is_autofix_pull(pull, login, &fp)) {
		strbuf_addf(&why, "pull request #%lld is not autofix's (no autofix:pr marker in a body %s wrote)",
			    (long long)p.number, login);
		code = ignore(&c, why.buf);
		goto done;
	}

	/* One run per comment, review or closing: a delivery handled twice finds its steps done. */
	strbuf_addf(&why, "event:%s:%s", name, p.key);
	if (journal_run_id(&run_id, "event", why.buf, NULL) < 0) {
		code = fail(&c, "journal", EXIT_USAGE);
		goto done;
	}
	if (journal_open(&journal, journal_path(state_flag)) < 0) {
		/* The journal saves work; every write is also found on GitHub first. */
		log_warning("%s; going on without a journal", bot_error_last());
		if (journal_open(&journal, JOURNAL_MEMORY) < 0) {
			code = fail(&c, "journal", EXIT_FAILURE_JOB);
			goto done;
		}
	}
	if ((err = journal_run_begin(&run, journal, run_id.buf, "event", name, NULL)) < 0) {
		code = fail(&c, "journal", err == BOT_ECONFLICT ? EXIT_BUSY :
			    err == BOT_EINVALID ? EXIT_USAGE : EXIT_FAILURE_JOB);
		goto done;
	}

	slash = strrchr(config_path, '/');
	config_dir = slash ? xstrndup(config_path, (size_t)(slash - config_path)) : xstrdup(".");
	memset(&ev, 0, sizeof(ev));
	ev.cfg = &cfg;
	ev.gh = gh;
	ev.login = login;
	ev.run = run;
	ev.payload = payload;
	ev.pull = pull;
	ev.number = p.number;
	ev.fingerprint = fp;
	ev.repo_root = env_get("GITHUB_WORKSPACE") ? env_get("GITHUB_WORKSPACE") : config_dir;
	ev.now = now;
	err = event_handle(&c.doc, &ev, &p);
	if (journal_run_finish(run, err) < 0)
		log_warning("%s", bot_error_last());
	if (err < 0) {
		code = fail(&c, "github", EXIT_FAILURE_JOB);
		goto done;
	}
	json_set_str(c.doc, "run_id", run_id.buf);
	strbuf_addf(&line, "%s: pull request #%lld: %s", name, (long long)p.number,
		    json_str_value(json_member(c.doc, "handled")) ? json_str_value(json_member(c.doc, "handled")) : "done");
	if (json_str_value(json_member(c.doc, "why")))
		strbuf_addf(&line, " (%s)", json_str_value(json_member(c.doc, "why")));
	code = print_result(&c, line.buf, EXIT_OK);

done:
	journal_run_free(run);
	journal_close(journal);
	github_free(gh);
	json_free(payload);
	json_free(pull);
	json_free(c.doc);
	free(login);
	free(fp);
	free(config_dir);
	strbuf_release(&why);
	strbuf_release(&run_id);
	strbuf_release(&line);
	config_release(&cfg);
	return code;
}
