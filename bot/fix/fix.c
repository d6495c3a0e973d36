/*
 * The fix stage for one finding (fix.h): a working tree, the agent, what
 * it changed, autofix's commit, the repository's verify, the push. Every
 * text that came from the agent, the tree or verify is redacted before it
 * goes into the result, and bounded to its end.
 *
 * The order, and why:
 *   1. workspace_prepare   a fresh tree on autofix's branch at the base
 *   2. agent_run           the agent edits files there, within its budget
 *   3. workspace_changes   what it changed; a forbidden path, or a secret
 *                          autofix holds written into a file, drops the fix
 *   4. workspace_commit    before verify, so that what verify leaves in the
 *                          tree (build output, caches) is never committed
 *   5. verify              in the tree, within its budget
 *   6. workspace_push      forced: the branch is autofix's own, and an
 *                          interrupted earlier attempt may have left it;
 *                          a follow-up (follow_branch) pushes a fast-forward
 *                          on the PR's head, since people may push there too
 * The tree is removed whatever happens.
 */
#include <stdlib.h>
#include <string.h>

#include "fix/fix.h"
#include "fix/process.h"
#include "fix/workspace.h"
#include "util/error.h"
#include "util/human.h"
#include "util/log.h"
#include "util/redact.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The unified diff kept for the pull request (GitHub caps a body at 65,536 characters). */
#define FIX_MAX_DIFF (48 * 1024)
/* How much of the diff is searched for a secret autofix holds before anything is committed. */
#define FIX_SCAN_DIFF (8 * 1024 * 1024)
/* verify's output: what it captures, and the end of it that is kept (where a failure is told). */
#define FIX_VERIFY_CAPTURE (64 * 1024)
#define FIX_MAX_VERIFY_OUTPUT (4 * 1024)
/* The agent's log and summary, kept in the result: their ends. */
#define FIX_MAX_AGENT_LOG (8 * 1024)
#define FIX_MAX_AGENT_SUMMARY 4000

/*
 * Keeps the last max bytes of sb, starting at a line when one starts
 * soon enough, with a first line saying that the text before was cut;
 * then makes it well-formed UTF-8 (a cut may split a character).
 * Redact before bounding: a secret cut in half no longer matches.
 */
static void keep_tail(struct strbuf *sb, size_t max)
{
	struct strbuf out = STRBUF_INIT;
	size_t start = 0, nl;

	if (sb->len > max) {
		start = sb->len - max;
		for (nl = start; nl < sb->len && nl < start + 200; nl++)
			if (sb->buf[nl] == '\n') {
				start = nl + 1;
				break;
			}
		strbuf_addf(&out, "[%zu bytes before this cut]\n", start);
	}
	utf8_add_valid(&out, sb->buf + start, sb->len - start);
	strbuf_release(sb);
	*sb = out;
}

/* The one pass for text from the tree, the agent or verify: redacted, then bounded. */
static void clean_text(const struct redact_patterns *patterns, struct strbuf *sb, size_t max)
{
	redact_text(patterns, sb);
	keep_tail(sb, max);
}

static struct json *agent_json(const struct redact_patterns *patterns, const char *name,
			       const struct agent_result *ar)
{
	struct json *o = json_new_object();
	struct strbuf text = STRBUF_INIT;

	json_set_str(o, "name", name);
	json_set_bool(o, "finished", ar->finished);
	json_set_bool(o, "timed_out", ar->timed_out);
	json_set_num(o, "wall_ms", (double)ar->wall_ms);
	if (ar->summary) {
		strbuf_addstr(&text, ar->summary);
		clean_text(patterns, &text, FIX_MAX_AGENT_SUMMARY);
		strbuf_trim(&text);
	}
	json_set_str(o, "summary", text.len ? text.buf : NULL);
	strbuf_reset(&text);
	strbuf_addbuf(&text, &ar->log);
	clean_text(patterns, &text, FIX_MAX_AGENT_LOG);
	json_set_str(o, "log", text.buf);
	json_set_str(o, "session", ar->session);
	strbuf_release(&text);
	return o;
}

static struct json *files_json(const struct commit_changes *c)
{
	struct json *arr = json_new_array();
	size_t i;

	for (i = 0; i < c->files_nr; i++) {
		const struct changed_file *f = &c->files[i];
		struct json *o = json_new_object();
		char status[2] = { f->status, '\0' };

		json_set_str(o, "path", f->path);
		json_set_str(o, "status", status);
		json_set_num(o, "additions", (double)f->additions);
		json_set_num(o, "deletions", (double)f->deletions);
		json_set_bool(o, "binary", f->binary);
		json_append(arr, o);
	}
	return arr;
}

/*
 * Runs verify in the tree. Returns its JSON (passed or not), or NULL
 * with an error recorded when it could not be started.
 */
static struct json *run_verify(const struct redact_patterns *patterns, const struct verify_config *v,
			       const char *dir, char *const *unset)
{
	struct process_spec spec = { 0 };
	struct process_result pr;
	struct json *o = NULL;

	spec.command = v->command;
	spec.dir = dir;
	spec.unset = (const char *const *)unset;
	spec.timeout_ms = (long)v->timeout_ms;
	spec.max_output = FIX_VERIFY_CAPTURE;
	process_result_init(&pr);
	if (process_run(&pr, &spec) == 0) {
		o = json_new_object();
		json_set_str(o, "command", v->command);
		json_set_bool(o, "passed", !pr.timed_out && pr.exit_code == 0);
		if (pr.exit_code >= 0)
			json_set_num(o, "exit_code", pr.exit_code);
		else
			json_set(o, "exit_code", json_new_null());
		json_set_bool(o, "timed_out", pr.timed_out);
		json_set_num(o, "wall_ms", (double)pr.wall_ms);
		clean_text(patterns, &pr.output, FIX_MAX_VERIFY_OUTPUT);
		json_set_str(o, "output", pr.output.buf);
	} else {
		bot_error_wrap(BOT_EIO, "cannot run verify '%s'", v->command);
	}
	process_result_release(&pr);
	return o;
}

/* The why of a verification that failed: "verify '…' failed (exit status 1)". */
static void verify_why(struct strbuf *why, const struct json *v, const struct verify_config *vc)
{
	int timed_out = 0;
	int64_t code = -1;

	json_get_bool(&timed_out, v, "timed_out");
	json_get_int(&code, v, "exit_code");
	strbuf_addf(why, "verify '%s' ", vc->command);
	if (timed_out) {
		strbuf_addstr(why, "ran past its limit of ");
		human_add_duration(why, vc->timeout_ms);
		strbuf_addstr(why, " and was stopped");
	} else if (code >= 0) {
		strbuf_addf(why, "failed (exit status %d)", (int)code);
	} else {
		strbuf_addstr(why, "was killed by a signal");
	}
}

/* Builds the forbidden globs: the built-in ones plus the configuration's (a NULL-terminated array to free). */
static const char **forbidden_globs(const struct pull_request_config *pr)
{
	size_t n = 0, i;
	const char **globs;

	while (workspace_default_forbidden[n])
		n++;
	globs = xcalloc(n + pr->forbidden_paths_nr + 1, sizeof(*globs));
	for (i = 0; i < n; i++)
		globs[i] = workspace_default_forbidden[i];
	for (i = 0; i < pr->forbidden_paths_nr; i++)
		globs[n + i] = pr->forbidden_paths[i];
	return globs;
}

char **fix_scrubbed_env(const struct config *cfg)
{
	static const char *const fixed[] = {
		"AUTOFIX_GITHUB_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "AUTOFIX_APP_PRIVATE_KEY",
		"AUTOFIX_APP_PRIVATE_KEY_FILE", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
		"RAILWAY_API_TOKEN", "RAILWAY_TOKEN",
	};
	const char *more[] = { cfg->source.railway.token_env, cfg->source.prometheus.token_env,
			       cfg->agent.password_env };
	size_t n = 0, i;
	char **names = xcalloc(sizeof(fixed) / sizeof(*fixed) + sizeof(more) / sizeof(*more) + 1, sizeof(*names));

	for (i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		names[n++] = xstrdup(fixed[i]);
	for (i = 0; i < sizeof(more) / sizeof(*more); i++)
		if (more[i] && *more[i])
			names[n++] = xstrdup(more[i]);
	return names;
}

void fix_env_release(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

int fix_run(struct json **out, const struct fix_request *req)
{
	const struct config *cfg = req->cfg;
	struct workspace_options opts = WORKSPACE_OPTIONS_INIT;
	struct workspace *ws = NULL;
	struct redact_patterns *patterns = NULL;
	struct agent_task task = { 0 };
	struct agent_result ar;
	struct commit_changes changes;
	struct strbuf why = STRBUF_INIT, text = STRBUF_INIT;
	struct json *result = NULL, *verify = NULL;
	const char **globs;
	char **scrub;
	const char *outcome = NULL;
	int err = 0, n, pushed = 0;

	*out = NULL;
	if (req->follow_branch && !req->base)
		return bot_error(BOT_EINVALID, "following branch '%s' needs its head commit", req->branch);
	agent_result_init(&ar);
	commit_changes_init(&changes);
	/* The token is masked in whatever this stage logs or keeps, whoever registered it before. */
	if (req->token)
		log_add_secret(req->token);

	if (cfg->redact_nr && redact_patterns_new(&patterns, cfg->redact, cfg->redact_nr) < 0)
		log_warning("the repository's redact patterns are not used: %s", bot_error_last());

	globs = forbidden_globs(&cfg->pull_requests);
	scrub = fix_scrubbed_env(cfg);
	opts.clone_url = req->clone_url;
	opts.token = req->token;
	opts.default_branch = req->default_branch;
	opts.base = req->base;
	opts.branch = req->branch;
	opts.branch_prefix = cfg->pull_requests.branch_prefix;
	opts.local_checkout = req->local_checkout;
	opts.parent_dir = req->parent_dir;
	opts.forbidden = globs;
	if ((err = workspace_prepare(&ws, &opts)) < 0) {
		bot_error_wrap(err, "cannot make a working tree for '%s'", req->branch);
		goto cleanup;
	}
	if (ws->note)
		log_info("cloned over the network: %s", ws->note);

	/* 2. The agent. */
	task.workdir = ws->path;
	task.prompt = req->prompt;
	task.title = req->title;
	task.timeout_ms = cfg->agent.timeout_ms;
	task.unset_env = (const char *const *)scrub;
	if ((err = agent_run(req->agent, &task, &ar)) < 0) {
		bot_error_wrap(err, "the agent '%s' could not be run", req->agent->ops->name);
		goto cleanup;
	}
	if (!ar.finished) {
		outcome = "agent failed";
		if (ar.timed_out) {
			strbuf_addstr(&why, "the agent ran past its limit of ");
			human_add_duration(&why, task.timeout_ms ? task.timeout_ms : req->agent->cfg->timeout_ms);
			strbuf_addstr(&why, " and was stopped");
		} else {
			strbuf_addstr(&why, "the agent did not finish (it failed or was interrupted: see its log)");
		}
		goto record;
	}

	/* 3. What it changed: read whole first (up to FIX_SCAN_DIFF), for the secret check. */
	if ((n = workspace_changes(&changes, ws, FIX_SCAN_DIFF)) < 0) {
		if (n != BOT_EINVALID) {
			err = bot_error_wrap(n, "cannot read what the agent changed");
			goto cleanup;
		}
		outcome = "forbidden";
		strbuf_addstr(&why, bot_error_last());
		goto record;
	}
	if (n == 0) {
		outcome = "no change";
		strbuf_addstr(&why, "the agent made no change");
		goto record;
	}
	/* A secret autofix holds (the token, an API key) written into a file must not be pushed. */
	if (log_has_secret(changes.diff.buf)) {
		outcome = "forbidden";
		strbuf_addstr(&why, "the change holds a secret autofix was given: dropped");
		commit_changes_release(&changes);
		goto record;
	}
	/* Then bounded for the result: whole file patches while they fit. */
	commit_changes_release(&changes);
	if ((n = workspace_changes(&changes, ws, FIX_MAX_DIFF)) < 0) {
		err = bot_error_wrap(n, "cannot read what the agent changed");
		goto cleanup;
	}

	/* 4. The commit, before verify: verify's own output files stay out of it. */
	n = workspace_commit(ws, req->author_name, req->author_email, req->commit_message);
	if (n == WORKSPACE_NO_CHANGE) {
		outcome = "no change";
		strbuf_addstr(&why, "the agent made no change");
		goto record;
	}
	if (n < 0) {
		err = bot_error_wrap(n, "cannot commit the fix");
		goto cleanup;
	}

	/* 5. verify. */
	if (cfg->verify.command && *cfg->verify.command) {
		int passed = 0;

		if (!(verify = run_verify(patterns, &cfg->verify, ws->path, scrub))) {
			err = BOT_EIO;
			goto cleanup;
		}
		json_get_bool(&passed, verify, "passed");
		if (!passed) {
			verify_why(&why, verify, &cfg->verify);
			if (cfg->pull_requests.on_verify_failure == VERIFY_FAILURE_SKIP) {
				outcome = "verify failed";
				strbuf_addstr(&why, ": nothing pushed (pull_requests.on_verify_failure is skip)");
				goto record;
			}
			/* A follow-up's PR stays as it is (REST cannot make it a draft): the reply says it. */
			strbuf_addstr(&why, req->follow_branch ? ": pushed all the same (pull_requests.on_verify_failure is draft)" :
								 ": the pull request is a draft");
		}
	}

	/*
	 * 6. The push, with a token asked for now. A fresh branch is autofix's
	 * own: force replaces what an interrupted run left. A followed branch
	 * is people's too: a fast-forward, or nothing.
	 */
	if (req->push_token) {
		char *token = NULL;
		if ((err = req->push_token(req->push_token_arg, &token)) < 0) {
			bot_error_wrap(err, "cannot push the fix: no token: ");
			goto cleanup;
		}
		log_add_secret(token);
		workspace_set_token(ws, token);
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if ((err = workspace_push(ws, NULL, !req->follow_branch)) < 0) {
		if (req->follow_branch && ws->moved) {
			outcome = "branch moved";
			strbuf_reset(&why);
			strbuf_addf(&why, "'%s' moved on from %.12s while the agent worked (someone pushed): "
					  "nothing pushed, nothing overwritten", ws->branch, ws->base);
			err = 0;
			goto record;
		}
		if (err == BOT_ECONFLICT)
			bot_error_wrap(err, "cannot push the fix: the server refused the branch (branch protection "
					    "or a rule on '%s*' branches? autofix must be allowed to push there)",
				       cfg->pull_requests.branch_prefix ? cfg->pull_requests.branch_prefix : "autofix/");
		else
			bot_error_wrap(err, "cannot push the fix to '%s'", ws->branch);
		goto cleanup;
	}
	pushed = 1;
	outcome = "changed";

record:
	result = json_new_object();
	json_set_str(result, "outcome", outcome);
	if (why.len) {
		redact_text(patterns, &why);
		json_set_str(result, "why", why.buf);
	} else {
		json_set(result, "why", json_new_null());
	}
	json_set_str(result, "branch", ws->branch);
	json_set_str(result, "base", ws->base);
	json_set_str(result, "head", pushed ? ws->head : NULL);
	json_set(result, "files", files_json(&changes));
	/* The diff quotes the tree the agent wrote: the same pass as any text from elsewhere. */
	strbuf_addbuf(&text, &changes.diff);
	redact_text(patterns, &text);
	strbuf_reset(&why);
	utf8_add_valid(&why, text.buf, text.len);
	json_set_str(result, "diff", why.buf);
	json_set_bool(result, "diff_cut", changes.diff_cut);
	json_set(result, "verify", verify ? verify : json_new_null());
	verify = NULL;
	json_set(result, "agent", agent_json(patterns, req->agent->ops->name, &ar));
	*out = result;
	err = 0;

cleanup:
	workspace_remove(ws);
	json_free(verify);
	commit_changes_release(&changes);
	agent_result_release(&ar);
	strbuf_release(&why);
	strbuf_release(&text);
	redact_patterns_free(patterns);
	free(globs);
	fix_env_release(scrub);
	return err;
}
