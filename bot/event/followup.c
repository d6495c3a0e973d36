/*
 * The agent's follow-ups on one of autofix's open pull requests
 * (event.h): `/autofix retry [instructions]` and a review that asks for
 * changes. Both run the fix stage again (fix/fix.h) in its follow_branch
 * mode: a fresh agent session in a working tree at the PR's head, so that
 * a reviewer's commits stay, one commit on top, pushed as a fast-forward.
 *
 * The agent is told (templates/agent-followup.md) the finding and the
 * plan as the PR states them (its title and body, which autofix wrote,
 * hidden markers stripped), the earlier attempt's diff (GitHub's compare
 * of the base branch with the PR's head, bounded) and what was asked:
 * the commenter's text after `retry`, or the review's body and each of
 * its comments with file and line. Every text from people or GitHub is
 * redacted as it enters.
 *
 * Steps, in ev->run:
 *   "KIND-fix:KEY"   the fix (KIND retry or review, KEY the comment's or
 *                    review's id); a re-run of the event after it was
 *                    stored neither runs the agent nor pushes again;
 * and, around it, the one reply (event_reply): "working on it", then
 * the outcome. A run killed after the push but before the step was
 * stored finds its commit on the PR by its trailer
 * (`Autofix-Follow-Up: KIND-fix:KEY`) and does not run the agent again:
 * the branch on GitHub, not the journal, says what was done.
 *
 * The PR's body is left as it is: it describes the first attempt, and
 * the reply says what each follow-up changed.
 */
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "fix/agent.h"
#include "fix/fix.h"
#include "http.h"
#include "journal.h"
#include "plan/template.h"
#include "util/env.h"
#include "util/error.h"
#include "util/fence.h"
#include "util/log.h"
#include "util/redact.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "version.h"
#include "util/banned.h"

/* The earlier attempt's diff in the agent's task. */
#define FOLLOWUP_MAX_DIFF (32 * 1024)
/* Each text a person wrote (instructions, a review's body, one comment); the PR's text gets four times it. */
#define FOLLOWUP_MAX_TEXT (8 * 1024)
/* Review comments given to the agent; the rest are counted. */
#define FOLLOWUP_MAX_COMMENTS 50
/* The trailer that marks a follow-up's commit, so that a re-run finds it. */
#define FOLLOWUP_TRAILER "Autofix-Follow-Up"

struct followup {
	struct event_context *ev;
	const char *kind;             /* "retry" or "review" */
	struct strbuf step;           /* "retry-fix:KEY": the step's name and the trailer's value */
	struct redact_patterns *patterns;
	struct fence fence;           /* for every text from outside in the agent's task */
	char *instructions;           /* retry: redacted, bounded; or NULL */
	const struct json *review;    /* review: the payload's */
};

/* ---------------------------------------------------------------- text from outside */

/*
 * Appends s (NULL: nothing) to out redacted (the secrets autofix holds,
 * credential shapes, the repository's patterns) and bounded to its first
 * max bytes at a line when one ends soon enough, then made valid UTF-8.
 */
static void add_clean(struct strbuf *out, const struct followup *f, const char *s, size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	size_t cut;

	strbuf_addstr(&sb, s ? s : "");
	redact_text(f->patterns, &sb);
	if (sb.len > max) {
		cut = max;
		while (cut > max - max / 8 && sb.buf[cut - 1] != '\n')
			cut--;
		if (sb.buf[cut - 1] != '\n')
			cut = max;
		strbuf_setlen(&sb, cut);
		strbuf_addf(&sb, "%s[cut: the rest is left out]", sb.len && sb.buf[sb.len - 1] == '\n' ? "" : "\n");
	}
	utf8_add_valid(out, sb.buf, sb.len);
	strbuf_release(&sb);
}

/*
 * text (redacted already) as one fenced block labelled label (util/fence.h):
 * data a person or GitHub wrote, which cannot close its block, with what a
 * reader cannot see (HTML comments: autofix's hidden markers too) removed.
 */
static struct json *fenced(const struct followup *f, const char *label, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j;

	fence_add(&sb, &f->fence, label, text, strlen(text));
	j = json_new_str(sb.buf);
	strbuf_release(&sb);
	return j;
}

/* A short text from outside (a path, a login) on one line, redacted and bounded, cleaned as fence_clean does. */
static struct json *short_str(const struct followup *f, const char *s, size_t max)
{
	struct strbuf sb = STRBUF_INIT, clean = STRBUF_INIT;
	struct json *j;

	add_clean(&sb, f, s, max);
	fence_clean(&clean, sb.buf, sb.len);
	strbuf_one_line(&clean);
	j = json_new_str(clean.buf);
	strbuf_release(&sb);
	strbuf_release(&clean);
	return j;
}

/* A long text from outside (a comment, a body), redacted, bounded and fenced; NULL or blank: null. */
static struct json *long_str(const struct followup *f, const char *label, const char *s, size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j;

	add_clean(&sb, f, s, max);
	strbuf_trim(&sb);
	j = sb.len ? fenced(f, label, sb.buf) : json_new_null();
	strbuf_release(&sb);
	return j;
}

/* ---------------------------------------------------------------- what GitHub says */

/*
 * The earlier attempt, as GitHub compares the PR's base branch with its
 * head: one unified diff (each file's patch under a `diff --git` line),
 * at most FOLLOWUP_MAX_DIFF bytes, whole files while they fit; *cut says
 * whether files were left out. Redacted.
 */
static int earlier_diff(struct strbuf *out, int *cut, struct followup *f, const char *base, const char *head)
{
	struct json *cmp = NULL;
	const struct json *files, *file;
	struct strbuf one = STRBUF_INIT, raw = STRBUF_INIT;
	size_t i, left = 0;
	int err;

	*cut = 0;
	if ((err = github_compare(f->ev->gh, &cmp, base, head)) == BOT_ENOTFOUND) {
		/* The base branch is gone, say: the agent still has the tree. Only a failure a re-run may repair stops here. */
		log_warning("#%lld: no diff of the earlier attempt: %s", (long long)f->ev->number, bot_error_last());
		return 0;
	}
	if (err < 0)
		return bot_error_wrap(err, "cannot read the earlier attempt's diff: ");
	files = json_member(cmp, "files");
	for (i = 0; i < json_size(files); i++) {
		const char *name, *patch;

		file = json_item(files, i);
		name = json_str_value(json_member(file, "filename"));
		patch = json_str_value(json_member(file, "patch"));
		if (!name)
			continue;
		strbuf_reset(&one);
		strbuf_addf(&one, "diff --git a/%s b/%s (%s)\n", name, name,
			    json_str_value(json_member(file, "status")) ? json_str_value(json_member(file, "status")) : "changed");
		if (patch)
			strbuf_addstr(&one, patch);
		else
			strbuf_addstr(&one, "(no patch: a binary file, or too large for GitHub to show)");
		strbuf_addch(&one, '\n');
		if (raw.len + one.len > FOLLOWUP_MAX_DIFF) {
			left = json_size(files) - i;
			break;
		}
		strbuf_addbuf(&raw, &one);
	}
	if (left) {
		*cut = 1;
		strbuf_addf(&raw, "[%zu more file(s) left out]\n", left);
	}
	redact_text(f->patterns, &raw);
	utf8_add_valid(out, raw.buf, raw.len);
	strbuf_release(&one);
	strbuf_release(&raw);
	json_free(cmp);
	return 0;
}

/*
 * The SHA of the PR's commit that carries this follow-up's trailer (a
 * run killed after its push), into *out (free(3)); NULL when there is
 * none. Returns 0 or the listing's error.
 */
static int pushed_before(char **out, struct followup *f)
{
	struct json *commits = NULL;
	struct strbuf trailer = STRBUF_INIT;
	char *path;
	size_t i;
	int err;

	*out = NULL;
	path = github_repo_pathf(f->ev->gh, "/pulls/%lld/commits", (long long)f->ev->number);
	err = github_paginate(f->ev->gh, &commits, path);
	free(path);
	if (err < 0)
		return bot_error_wrap(err, "cannot list the commits of #%lld: ", (long long)f->ev->number);
	strbuf_addf(&trailer, "\n" FOLLOWUP_TRAILER ": %s", f->step.buf);
	for (i = json_size(commits); i-- > 0 && !*out;) {
		const struct json *c = json_item(commits, i);
		const char *msg = json_str_value(json_get(c, "commit.message")), *at;

		if (msg && (at = strstr(msg, trailer.buf)) && (at[trailer.len] == '\0' || at[trailer.len] == '\n'))
			*out = xstrdup(json_str_value(json_member(c, "sha")));
	}
	strbuf_release(&trailer);
	json_free(commits);
	return 0;
}

/* The review's comments as the agent reads them: [{path, line, body, user}], redacted. */
static int review_comments(struct json **out, struct followup *f, int64_t review_id)
{
	struct json *list = NULL, *arr;
	char *path;
	size_t i;
	int err;

	path = github_repo_pathf(f->ev->gh, "/pulls/%lld/reviews/%lld/comments", (long long)f->ev->number,
				 (long long)review_id);
	err = github_paginate(f->ev->gh, &list, path);
	free(path);
	if (err < 0)
		return bot_error_wrap(err, "cannot read the comments of review %lld: ", (long long)review_id);
	arr = json_new_array();
	for (i = 0; i < json_size(list) && i < FOLLOWUP_MAX_COMMENTS; i++) {
		const struct json *c = json_item(list, i);
		const struct json *line = json_member(c, "line");
		struct json *o = json_new_object();

		if (!line || json_type(line) != JSON_NUMBER)
			line = json_member(c, "original_line");
		json_set(o, "path", short_str(f, json_str_value(json_member(c, "path")), 1024));
		if (line && json_type(line) == JSON_NUMBER)
			json_set_num(o, "line", json_num_value(line));
		else
			json_set(o, "line", json_new_null());
		json_set(o, "body", long_str(f, "review-comment", json_str_value(json_member(c, "body")), FOLLOWUP_MAX_TEXT));
		json_set(o, "user", short_str(f, json_str_value(json_get(c, "user.login")), 100));
		json_append(arr, o);
	}
	*out = json_new_object();
	json_set(*out, "list", arr);
	json_set_num(*out, "count", (double)json_size(list));
	json_set_num(*out, "left_out", json_size(list) > FOLLOWUP_MAX_COMMENTS ?
				     (double)(json_size(list) - FOLLOWUP_MAX_COMMENTS) : 0);
	json_free(list);
	return 0;
}

/* ---------------------------------------------------------------- the agent's task */

/*
 * The data of templates/agent-followup.md (see its first lines); *out
 * the caller's. Returns 0 or the error of a request.
 */
static int task_data(struct json **out, struct followup *f, const char *base_branch, const char *head)
{
	const struct event_context *ev = f->ev;
	struct json *data = json_new_object(), *pull = json_new_object();
	struct strbuf sb = STRBUF_INIT;
	int cut = 0, err;

	*out = NULL;
	json_set_num(pull, "number", (double)ev->number);
	/* The title and body autofix wrote: one block, since a person may have edited them. */
	if (json_str_value(json_member(ev->pull, "title")))
		strbuf_addstr(&sb, json_str_value(json_member(ev->pull, "title")));
	strbuf_addstr(&sb, "\n\n");
	if (json_str_value(json_member(ev->pull, "body")))
		strbuf_addstr(&sb, json_str_value(json_member(ev->pull, "body")));
	json_set(pull, "text", long_str(f, "pull-request", sb.buf, 4 * FOLLOWUP_MAX_TEXT));
	json_set_str(pull, "branch", json_str_value(json_get(ev->pull, "head.ref")));
	json_set_str(pull, "base_branch", base_branch);
	json_set_str(pull, "head", head);
	json_set(data, "pull", pull);
	json_set_str(data, "kind", f->kind);
	json_set_opt_str(data, "verify", ev->cfg->verify.command);

	strbuf_reset(&sb);
	if ((err = earlier_diff(&sb, &cut, f, base_branch, head)) < 0)
		goto out;
	json_set(data, "earlier_diff", sb.len ? fenced(f, "earlier-diff", sb.buf) : json_new_null());
	json_set_bool(data, "earlier_diff_cut", cut);

	if (f->review) {
		struct json *r = json_new_object(), *comments = NULL;
		int64_t id = 0;

		json_get_int(&id, f->review, "id");
		json_set(r, "user", short_str(f, json_str_value(json_get(f->review, "user.login")), 100));
		json_set(r, "state", short_str(f, json_str_value(json_member(f->review, "state")), 40));
		json_set(r, "body", long_str(f, "review", json_str_value(json_member(f->review, "body")), FOLLOWUP_MAX_TEXT));
		json_set(data, "review", r);
		if ((err = review_comments(&comments, f, id)) < 0)
			goto out;
		json_set(r, "comments", comments);
	} else {
		json_set(data, "instructions", f->instructions && *f->instructions ?
					      fenced(f, "instructions", f->instructions) : json_new_null());
	}
	*out = data;
	data = NULL;
out:
	json_free(data);
	strbuf_release(&sb);
	return err;
}

static int render(struct strbuf *out, const char *name, const struct json *data, const struct event_context *ev,
		  mustache_escape_fn escape)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;

	topts.repo_root = ev->repo_root;
	topts.escape = escape;
	return template_render(out, name, data, &topts);
}

/* ---------------------------------------------------------------- the fix */

/* fix_request.push_token: the installation token, renewed when little of its hour is left. */
static int push_token(void *arg, char **out)
{
	const char *token;
	int err = github_token(arg, &token);

	if (err < 0)
		return err;
	*out = xstrdup(token);
	return 0;
}

/* The result for a follow-up whose commit a killed run had already pushed. */
static struct json *pushed_result(const char *branch, const char *sha)
{
	struct json *r = json_new_object();

	json_set_str(r, "outcome", "changed");
	json_set_str(r, "why", "pushed by an earlier run of this event, which was interrupted before it could say so");
	json_set_str(r, "branch", branch);
	json_set(r, "base", json_new_null());
	json_set_str(r, "head", sha);
	json_set(r, "files", json_new_array());
	json_set(r, "verify", json_new_null());
	json_set_bool(r, "resumed", 1);
	return r;
}

/* The step "KIND-fix:KEY": the agent, verify and the push, or what was pushed before. */
static int fix_step(struct json **out, void *arg)
{
	struct followup *f = arg;
	struct event_context *ev = f->ev;
	const struct config *cfg = ev->cfg;
	struct fix_request req = { 0 };
	struct json *repo = NULL, *data = NULL;
	struct agent *agent = NULL;
	struct http_client *http = NULL;
	struct strbuf prompt = STRBUF_INIT, title = STRBUF_INIT, message = STRBUF_INIT;
	const char *branch = NULL, *head = NULL, *base_branch = NULL, *state = NULL, *token;
	char *done = NULL, *token_copy = NULL, *name = NULL, *email = NULL;
	int err;

	if ((err = json_get_str(&branch, ev->pull, "head.ref")) < 0 ||
	    (err = json_get_str(&head, ev->pull, "head.sha")) < 0 ||
	    (err = json_get_str(&base_branch, ev->pull, "base.ref")) < 0 ||
	    (err = json_get_str(&state, ev->pull, "state")) < 0)
		return bot_error_wrap(err, "pull request #%lld: ", (long long)ev->number);
	if (strcmp(state, "open")) {
		struct json *r = json_new_object();

		json_set_str(r, "outcome", "closed");
		json_set_str(r, "why", "the pull request is closed: nothing to follow up");
		json_set_str(r, "branch", branch);
		json_set(r, "head", json_new_null());
		*out = r;
		return 0;
	}
	if ((err = pushed_before(&done, f)) < 0)
		return err;
	if (done) {
		log_info("#%lld: %s was pushed by an earlier run (%.12s)", (long long)ev->number, f->step.buf, done);
		*out = pushed_result(branch, done);
		free(done);
		return 0;
	}

	if ((err = task_data(&data, f, base_branch, head)) < 0 ||
	    (err = render(&prompt, "agent-followup.md", data, ev, mustache_escape_none)) < 0 ||
	    (err = github_repo_get(ev->gh, &repo)) < 0)
		goto out;
	if (cfg->pull_requests.author_name) {
		name = xstrdup(cfg->pull_requests.author_name);
		email = xstrdup(cfg->pull_requests.author_email);
	} else if ((err = github_identity(ev->gh, &name, &email)) < 0) {
		goto out;
	}
	if ((err = github_token(ev->gh, &token)) < 0)
		goto out;
	token_copy = xstrdup(token);
	http = http_client_new(NULL);
	if ((err = agent_open(&agent, &cfg->agent, http)) < 0)
		goto out;

	strbuf_addf(&title, "autofix: #%lld %s %.8s", (long long)ev->number, f->kind, ev->fingerprint);
	strbuf_addf(&message, "autofix: %s on #%lld\n\n%s, asked on the pull request; finding %s, made by autofix %s.\n\n"
		    FOLLOWUP_TRAILER ": %s\n", !strcmp(f->kind, "review") ? "the review's changes" : "another attempt",
		    (long long)ev->number, !strcmp(f->kind, "review") ? "A review" : "`/autofix retry`",
		    ev->fingerprint, AUTOFIX_VERSION, f->step.buf);
	req.cfg = cfg;
	req.agent = agent;
	req.clone_url = json_str_value(json_member(repo, "clone_url"));
	req.default_branch = json_str_value(json_member(repo, "default_branch"));
	req.token = token_copy;
	req.local_checkout = env_get("GITHUB_WORKSPACE");
	req.base = head;
	req.branch = branch;
	req.follow_branch = 1;
	req.prompt = prompt.buf;
	req.title = title.buf;
	req.author_name = name;
	req.author_email = email;
	req.commit_message = message.buf;
	req.parent_dir = env_get("RUNNER_TEMP");
	req.push_token = push_token;
	req.push_token_arg = ev->gh;
	if (!req.clone_url) {
		err = bot_error(BOT_EINVALID, "GitHub's repository has no clone_url");
		goto out;
	}
	if ((err = fix_run(out, &req)) == 0)
		json_set_num(*out, "number", (double)ev->number);
out:
	if (token_copy)
		explicit_bzero(token_copy, strlen(token_copy));
	free(token_copy);
	free(name);
	free(email);
	agent_free(agent);
	http_client_free(http);
	json_free(repo);
	json_free(data);
	strbuf_release(&prompt);
	strbuf_release(&title);
	strbuf_release(&message);
	return err;
}

/* ---------------------------------------------------------------- the reply */

/*
 * The reply's data (templates/followup-reply.md): what was asked, and
 * either "working", the fix's result, or "failed" with the error.
 */
static struct json *reply_data(const struct followup *f, const char *phase, const struct json *result,
			       const char *error)
{
	const struct event_context *ev = f->ev;
	struct json *d = json_new_object();
	const char *outcome = json_str_value(json_member(result, "outcome"));
	/* Where the work started: the fix's base once there is one (a re-run reads a moved PR). */
	const char *head = result ? json_str_value(json_member(result, "base")) :
				    json_str_value(json_get(ev->pull, "head.sha"));
	struct strbuf sb = STRBUF_INIT;

	json_set_bool(d, phase, 1);
	json_set_bool(d, f->kind, 1);
	json_set_bool(d, "instructions", f->instructions && *f->instructions);
	json_set_num(d, "number", (double)ev->number);
	json_set_opt_str(d, "branch", json_str_value(json_get(ev->pull, "head.ref")));
	if (head) {
		strbuf_add(&sb, head, strlen(head) < 12 ? strlen(head) : 12);
		json_set_str(d, "base_short", sb.buf);
	}
	if (result) {
		const char *pushed = json_str_value(json_member(result, "head"));
		struct strbuf key = STRBUF_INIT;
		const struct json *v = json_member(result, "verify");

		json_set(d, "result", json_dup(result));
		/* "no change" and "verify failed" as section names: no_change, verify_failed. */
		strbuf_addstr(&key, outcome ? outcome : "unknown");
		strbuf_replace_all(&key, " ", "_");
		json_set_bool(d, key.buf, 1);
		strbuf_release(&key);
		if (pushed) {
			strbuf_reset(&sb);
			strbuf_add(&sb, pushed, strlen(pushed) < 12 ? strlen(pushed) : 12);
			json_set_str(d, "head_short", sb.buf);
		}
		if (v && json_type(v) == JSON_OBJECT)
			json_set_bool(d, json_bool_value(json_member(v, "passed")) ? "verify_passed" : "verify_not_passed", 1);
		json_set_bool(d, "resumed", json_bool_value(json_member(result, "resumed")));
		/* The summary as lines, for a quote the template writes line by line. */
		if (json_str_value(json_get(result, "agent.summary"))) {
			struct json *lines = json_new_array();
			const char *p = json_str_value(json_get(result, "agent.summary")), *nl;

			for (; *p; p = nl ? nl + 1 : p + strlen(p)) {
				nl = strchr(p, '\n');
				strbuf_reset(&sb);
				strbuf_add(&sb, p, nl ? (size_t)(nl - p) : strlen(p));
				json_append(lines, json_new_str(sb.buf));
			}
			json_set(d, "summary_lines", lines);
			json_set_bool(d, "has_summary", 1);
		}
	}
	json_set_opt_str(d, "error", error);
	strbuf_release(&sb);
	return d;
}

/* Renders the reply for phase ("working", "done", "failed") and edits the event's one comment with it. */
static int reply(struct followup *f, const char *phase, const struct json *result, const char *error)
{
	struct json *d = reply_data(f, phase, result, error);
	struct strbuf text = STRBUF_INIT;
	int err;

	if ((err = render(&text, "followup-reply.md", d, f->ev, NULL)) == 0)
		err = event_reply(f->ev, text.buf);
	json_free(d);
	strbuf_release(&text);
	return err;
}

/* ---------------------------------------------------------------- the two follow-ups */

static int follow_up(struct json **out, struct followup *f)
{
	static const struct journal_retry once = { 1, 0, 0 };
	struct event_context *ev = f->ev;
	struct json *result = NULL;
	struct strbuf error = STRBUF_INIT;
	int err;

	*out = NULL;
	if (!ev->pull || !ev->fingerprint)
		return bot_error(BOT_EINVALID, "#%lld: no pull request of autofix's to follow up", (long long)ev->number);
	/* Said once: a re-run whose fix is stored goes straight to the outcome. */
	if (!journal_step_stored(ev->run, f->step.buf) && (err = reply(f, "working", NULL, NULL)) < 0)
		return err;
	if ((err = journal_step(&result, ev->run, f->step.buf, &once, fix_step, f)) < 0) {
		int code = err;

		/* The error's message, kept: the reply goes through GitHub and may record its own. */
		strbuf_addstr(&error, bot_error_last());
		log_warning("#%lld: %s", (long long)ev->number, error.buf);
		if ((err = reply(f, "failed", NULL, error.buf)) < 0)
			log_warning("#%lld: the reply could not say so: %s", (long long)ev->number, bot_error_last());
		bot_error(code, "%s", error.buf);
		strbuf_release(&error);
		return code;
	}
	if (!json_member(result, "number"))
		json_set_num(result, "number", (double)ev->number);
	log_info("#%lld: %s: %s", (long long)ev->number, f->step.buf,
		 json_str_value(json_member(result, "outcome")) ? json_str_value(json_member(result, "outcome")) : "?");
	if ((err = reply(f, "done", result, NULL)) < 0) {
		json_free(result);
		return err;
	}
	*out = result;
	return 0;
}

/* Sets f up for kind; release it with followup_release(). */
static void followup_init(struct followup *f, struct event_context *ev, const char *kind)
{
	memset(f, 0, sizeof(*f));
	f->ev = ev;
	f->kind = kind;
	strbuf_init(&f->step, 0);
	fence_init(&f->fence);
	strbuf_addf(&f->step, "%s-fix:%lld", kind, (long long)ev->reply_key);
	if (ev->cfg->redact_nr && redact_patterns_new(&f->patterns, ev->cfg->redact, ev->cfg->redact_nr) < 0)
		log_warning("the repository's redact patterns are not used: %s", bot_error_last());
}

static void followup_release(struct followup *f)
{
	strbuf_release(&f->step);
	redact_patterns_free(f->patterns);
	free(f->instructions);
}

int event_retry(struct json **out, struct event_context *ev, const char *instructions)
{
	struct followup f;
	struct strbuf sb = STRBUF_INIT;
	int err;

	followup_init(&f, ev, "retry");
	add_clean(&sb, &f, instructions, FOLLOWUP_MAX_TEXT);
	strbuf_trim(&sb);
	f.instructions = strbuf_detach(&sb, NULL);
	err = follow_up(out, &f);
	followup_release(&f);
	return err;
}

int event_review(struct json **out, struct event_context *ev, const struct json *review)
{
	struct followup f;
	int err;

	*out = NULL;
	if (!review || json_type(review) != JSON_OBJECT || !json_member(review, "id"))
		return bot_error(BOT_EINVALID, "the payload's review has no id");
	followup_init(&f, ev, "review");
	f.review = review;
	err = follow_up(out, &f);
	followup_release(&f);
	return err;
}
