/*
 * `autofix event`'s handlers (event.h): who may command autofix, the 👀
 * reaction and the one reply, each command, reviews, and a closed pull
 * request. cmd_event.c reads the payload, makes sure the pull request is
 * autofix's and begins the journaled run; everything here is a step of
 * that run, and every write is also found on GitHub before it is made
 * (its marker, the PR's state, the branch), so that a delivery handled
 * twice, or a run killed midway and run again, acts once.
 *
 * docs/commands.md is the user's side of this file.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliver/pull_request.h"
#include "event/event.h"
#include "event/payload.h"
#include "journal.h"
#include "plan/template.h"
#include "util/error.h"
#include "util/fence.h"
#include "util/log.h"
#include "util/marker.h"
#include "util/redact.h"
#include "util/timeutil.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define PR_KIND "pr"
#define REPLY_KIND "reply"
#define MERGED_KIND "merged"

/* The sections of autofix's PR body that `/autofix explain` quotes (templates/pull-request.md). */
static const char *const analysis_sections[] = {
	"What was detected", "Root causes", "The deployment before it began", NULL,
};

static const char *str_of(const struct json *j, const char *key)
{
	return json_str_value(json_member(j, key));
}

/* Renders an autofix text (templates/NAME) with values escaped for Markdown. */
static int render(struct strbuf *out, const struct event_context *ev, const char *name,
		  const struct json *data)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;

	topts.repo_root = ev->repo_root;
	topts.escape = pull_request_escape;
	return template_render(out, name, data, &topts);
}

/* ---------------------------------------------------------------- the reply */

int event_reply(struct event_context *ev, const char *markdown)
{
	struct strbuf key = STRBUF_INIT, body = STRBUF_INIT, marker = STRBUF_INIT;
	struct json *comments = NULL, *made = NULL;
	const struct json *old = NULL;
	int err;

	strbuf_addf(&key, "%s%lld", ev->reply_to_review ? "r" : "", (long long)ev->reply_key);
	if ((err = marker_format(&marker, REPLY_KIND, key.buf)) < 0)
		goto out;
	strbuf_addstr(&body, markdown);
	strbuf_trim(&body);
	strbuf_addf(&body, "\n\n%s\n", marker.buf);
	redact_text(NULL, &body);
	if (!ev->reply_id) {
		/* The reply a killed run made is found by its marker, not made twice. */
		if ((err = github_issue_comments(ev->gh, &comments, ev->number)) < 0)
			goto out;
		if ((old = github_find_marked(comments, REPLY_KIND, key.buf, ev->login)) &&
		    (err = json_get_int(&ev->reply_id, old, "id")) < 0)
			goto out;
	}
	if (!ev->reply_id) {
		if ((err = github_comment_create(ev->gh, &made, ev->number, body.buf)) < 0 ||
		    (err = json_get_int(&ev->reply_id, made, "id")) < 0)
			goto out;
	} else if (!old || !str_of(old, "body") || strcmp(str_of(old, "body"), body.buf)) {
		err = github_comment_update(ev->gh, NULL, ev->reply_id, body.buf);
	}
out:
	json_free(comments);
	json_free(made);
	strbuf_release(&key);
	strbuf_release(&body);
	strbuf_release(&marker);
	return err;
}

/*
 * The steps: each gets one struct step, and what it needs beyond the
 * event in its fields.
 */
struct step {
	struct event_context *ev;
	const struct event_payload *p;
	const char *template;       /* reply: the template */
	const struct json *data;    /* reply: its data */
	int64_t until;              /* ignore, silenced */
};

/* Step "reply": the reply rendered from s->template; result {"id"}. */
static int step_reply(struct json **out, void *data)
{
	struct step *s = data;
	struct strbuf text = STRBUF_INIT;
	int err;

	if ((err = render(&text, s->ev, s->template, s->data)) == 0 &&
	    (err = event_reply(s->ev, text.buf)) == 0) {
		*out = json_new_object();
		json_set_num(*out, "id", (double)s->ev->reply_id);
	}
	strbuf_release(&text);
	return err;
}

/* Replies with template and data as the step "reply" (the id of a stored one is taken back). */
static int reply(struct event_context *ev, const char *template, const struct json *data)
{
	struct step s = { ev, NULL, template, data, 0 };
	struct json *res = NULL;
	int err = journal_step(&res, ev->run, "reply", NULL, step_reply, &s);

	if (!err && !ev->reply_id)
		json_get_int(&ev->reply_id, res, "id");
	json_free(res);
	return err;
}

/* ---------------------------------------------------------------- who may command */

/* Whether login is on commands.allow_bots (logins compared without case, as GitHub does). */
static int bot_allowed(const struct config *cfg, const char *login)
{
	size_t i;

	for (i = 0; i < cfg->commands.allow_bots_nr; i++)
		if (!strcasecmp(cfg->commands.allow_bots[i], login))
			return 1;
	return 0;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/*
 * Step "permission": {"user", "allowed", "role", "why"}. People by their
 * role on the repository (role_name; a custom role by its base
 * permission); bots by commands.allow_bots alone, since an App's bot user
 * is no collaborator whose role GitHub could tell.
 */
static int step_permission(struct json **out, void *data)
{
	static const char *const allowed_roles[] = { "admin", "maintain", "write", NULL };
	static const char *const refused_roles[] = { "triage", "read", "none", NULL };
	struct step *s = data;
	const char *user = s->p->author;
	char *role = NULL, *perm = NULL;
	struct strbuf why = STRBUF_INIT;
	int allowed = 0, err = 0;

	if (s->p->author_is_bot) {
		allowed = bot_allowed(s->ev->cfg, user);
		strbuf_addf(&why, allowed ? "%s is a bot on commands.allow_bots" :
			    "%s is a bot, and not on commands.allow_bots", user);
		goto done;
	}
	err = github_collaborator_role(s->ev->gh, &role, &perm, user);
	if (err == BOT_ENOTFOUND) {
		err = 0;
		strbuf_addf(&why, "%s is not a collaborator of this repository", user);
		goto done;
	}
	if (err < 0)
		goto out;
	if (role && in_list(role, allowed_roles))
		allowed = 1;
	else if (!role || !in_list(role, refused_roles))
		/* A custom role (or none given): what it is built on. */
		allowed = !strcmp(perm, "admin") || !strcmp(perm, "write");
	strbuf_addf(&why, "%s has the %s role on this repository", user, role ? role : perm);
done:
	*out = json_new_object();
	json_set_str(*out, "user", user);
	json_set_bool(*out, "allowed", allowed);
	json_set_opt_str(*out, "role", role ? role : perm);
	json_set_str(*out, "why", why.buf);
out:
	free(role);
	free(perm);
	strbuf_release(&why);
	return err;
}

/* ---------------------------------------------------------------- the commands */

/* Step "react": 👀 on the command's comment (GitHub answers 200 for one already there). */
static int step_react(struct json **out, void *data)
{
	struct step *s = data;
	int err = github_reaction_add(s->ev->gh, GITHUB_ISSUE_COMMENT, s->p->id, "eyes");

	if (!err) {
		*out = json_new_object();
		json_set_str(*out, "reaction", "eyes");
	}
	return err;
}

/*
 * What `/autofix explain` says: the PR body's analysis sections as autofix
 * wrote them (escaped when written), without what a reader cannot see.
 * The body is the analysis's home: the event workflow need not share the
 * scan's journal, and a person who corrected the body is quoted as edited.
 */
static void body_analysis(struct strbuf *out, const char *body)
{
	const char *p = body, *line_end;
	int keep = 0;
	size_t i;

	while (p && *p) {
		line_end = strchr(p, '\n');
		if (!line_end)
			line_end = p + strlen(p);
		if (starts_with(p, "## ")) {
			keep = 0;
			for (i = 0; analysis_sections[i]; i++) {
				size_t n = strlen(analysis_sections[i]);
				if (!strncmp(p + 3, analysis_sections[i], n) &&
				    (p[3 + n] == '\n' || p[3 + n] == '\r' || !p[3 + n]))
					keep = 1;
			}
		}
		if (keep)
			fence_clean(out, p, (size_t)(line_end - p) + (*line_end ? 1 : 0));
		p = *line_end ? line_end + 1 : line_end;
	}
	strbuf_trim(out);
}

static int command_explain(struct event_context *ev, struct json *res)
{
	struct strbuf analysis = STRBUF_INIT;
	struct json *d = json_new_object();
	int err;

	body_analysis(&analysis, str_of(ev->pull, "body"));
	if (analysis.len)
		json_set_str(d, "analysis", analysis.buf);
	json_set_str(d, "fingerprint", ev->fingerprint);
	err = reply(ev, "command-explain.md", d);
	json_set_bool(res, "analysis", analysis.len > 0);
	json_free(d);
	strbuf_release(&analysis);
	return err;
}

/*
 * The replies to ignore and close say the problem is silenced: they carry
 * the silenced marker, so that neither a scan nor the closing's event
 * says it a second time (pull_request_note_silenced finds it).
 */
static void set_silenced_marker(struct json *d, const struct event_context *ev)
{
	struct strbuf marker = STRBUF_INIT;

	if (marker_format(&marker, PULL_REQUEST_SILENCED_KIND, ev->fingerprint) == 0)
		json_set_str(d, "silenced_marker", marker.buf);
	strbuf_release(&marker);
}

/* body without its ignore marker(s), with the one for until_ms at its end. */
static void body_with_ignore(struct strbuf *out, const char *body, int64_t until_ms)
{
	struct strbuf key = STRBUF_INIT, old = STRBUF_INIT, marker = STRBUF_INIT;

	strbuf_addstr(out, body ? body : "");
	while (marker_find_kind(out->buf, PULL_REQUEST_IGNORE_KIND, &key)) {
		size_t before = out->len;
		marker_format(&old, PULL_REQUEST_IGNORE_KIND, key.buf);
		strbuf_replace_all(out, old.buf, "");
		strbuf_reset(&old);
		strbuf_reset(&key);
		/* One written otherwise than autofix writes it (spacing) stays; the new one comes last. */
		if (out->len == before)
			break;
	}
	strbuf_trim(out);
	strbuf_addf(&key, "%lld", (long long)until_ms);
	marker_format(&marker, PULL_REQUEST_IGNORE_KIND, key.buf);
	strbuf_addf(out, "\n\n%s\n", marker.buf);
	strbuf_release(&key);
	strbuf_release(&old);
	strbuf_release(&marker);
}

/* Step "ignore": the marker in the body and the PR closed, in one edit; {"until", "edited"}. */
static int step_ignore(struct json **out, void *data)
{
	struct step *s = data;
	struct strbuf body = STRBUF_INIT, key = STRBUF_INIT;
	const char *state = str_of(s->ev->pull, "state");
	int done, err = 0;

	strbuf_addf(&key, "%lld", (long long)s->until);
	done = marker_find(str_of(s->ev->pull, "body"), PULL_REQUEST_IGNORE_KIND, key.buf) &&
	       state && !strcmp(state, "closed");
	if (!done) {
		body_with_ignore(&body, str_of(s->ev->pull, "body"), s->until);
		err = github_pull_update(s->ev->gh, NULL, s->ev->number, NULL, body.buf, "closed");
	}
	if (!err) {
		*out = json_new_object();
		json_set_num(*out, "until", (double)s->until);
		json_set_bool(*out, "edited", !done);
	}
	strbuf_release(&body);
	strbuf_release(&key);
	return err;
}

static int command_ignore(struct event_context *ev, const struct event_payload *p, const char *arg,
			  struct json *res)
{
	const struct pull_request_config *prc = &ev->cfg->pull_requests;
	struct step s = { ev, p, NULL, NULL, 0 };
	struct json *d = json_new_object(), *r = NULL;
	struct strbuf until = STRBUF_INIT;
	int64_t ms = prc->cooldown_ms;
	int err;

	if (*arg && (units_parse_duration(&ms, arg) < 0 || ms <= 0)) {
		strbuf_addf(&until, "'%s' is not a duration like 7d or 12h.", arg);
		json_set_str(d, "error", until.buf);
		json_set_str(res, "error", until.buf);
		json_set_str(res, "handled", "invalid");
		err = reply(ev, "command-help.md", d);
		goto out;
	}
	/* From the comment's time, so that a re-run writes the same marker. */
	s.until = (p->at ? p->at : ev->now) + ms;
	if ((err = journal_step(&r, ev->run, "ignore", NULL, step_ignore, &s)) < 0)
		goto out;
	time_format_iso8601(&until, s.until);
	json_set_str(d, "until", until.buf);
	json_set_str(d, "fingerprint", ev->fingerprint);
	json_set_num(d, "number", (double)ev->number);
	json_set_num(res, "until", (double)s.until);
	set_silenced_marker(d, ev);
	err = reply(ev, "command-ignored.md", d);
out:
	json_free(d);
	json_free(r);
	strbuf_release(&until);
	return err;
}

/* Step "close": the PR closed unless it is; {"closed": whether this run closed it}. */
static int step_close(struct json **out, void *data)
{
	struct step *s = data;
	const char *state = str_of(s->ev->pull, "state");
	int open = state && !strcmp(state, "open"), err = 0;

	if (open)
		err = github_pull_update(s->ev->gh, NULL, s->ev->number, NULL, NULL, "closed");
	if (!err) {
		*out = json_new_object();
		json_set_bool(*out, "closed", open);
	}
	return err;
}

/*
 * Step "delete-branch": the PR's branch, only when it is autofix's (under
 * pull_requests.branch_prefix, in this repository, not a fork's);
 * {"branch", "deleted", "kept": why or null}.
 */
static int step_delete_branch(struct json **out, void *data)
{
	struct step *s = data;
	const char *branch = json_str_value(json_get(s->ev->pull, "head.ref"));
	const char *head_repo = json_str_value(json_get(s->ev->pull, "head.repo.full_name"));
	const char *base_repo = json_str_value(json_get(s->ev->pull, "base.repo.full_name"));
	const char *prefix = s->ev->cfg->pull_requests.branch_prefix;
	const char *kept = NULL;
	struct strbuf ref = STRBUF_INIT;
	int err = 0, deleted = 0;

	if (!branch)
		kept = "the pull request names no branch";
	else if (!head_repo || !base_repo || strcasecmp(head_repo, base_repo))
		kept = "it is not in this repository";
	else if (!prefix || !starts_with(branch, prefix))
		kept = "it is not under pull_requests.branch_prefix";
	if (!kept) {
		strbuf_addf(&ref, "heads/%s", branch);
		err = github_ref_delete(s->ev->gh, ref.buf);
		/* Deleted already (by a person, or by a run that died before recording it). */
		if (err == BOT_EINVALID && strstr(bot_error_last(), "does not exist"))
			err = 0;
		else
			deleted = !err;
	}
	if (!err) {
		*out = json_new_object();
		json_set_opt_str(*out, "branch", branch);
		json_set_bool(*out, "deleted", deleted);
		json_set(*out, "kept", json_new_str(kept));
	}
	strbuf_release(&ref);
	return err;
}

static int command_close(struct event_context *ev, const struct event_payload *p, struct json *res)
{
	struct step s = { ev, p, NULL, NULL, 0 };
	struct json *closed = NULL, *branch = NULL, *d = NULL;
	struct strbuf until = STRBUF_INIT;
	int err;

	if ((err = journal_step(&closed, ev->run, "close", NULL, step_close, &s)) < 0 ||
	    (err = journal_step(&branch, ev->run, "delete-branch", NULL, step_delete_branch, &s)) < 0)
		goto out;
	d = json_dup(branch);
	time_format_iso8601(&until, (p->at ? p->at : ev->now) + ev->cfg->pull_requests.cooldown_ms);
	json_set_str(d, "until", until.buf);
	json_set_str(d, "fingerprint", ev->fingerprint);
	json_set(res, "branch", json_dup(branch));
	set_silenced_marker(d, ev);
	err = reply(ev, "command-closed.md", d);
out:
	json_free(closed);
	json_free(branch);
	json_free(d);
	strbuf_release(&until);
	return err;
}

/* With `agent: none` there is no agent to follow up with: the reply says so. */
static int no_agent(struct event_context *ev, struct json *res)
{
	struct json *d = json_new_object();
	int err;

	json_set_str(d, "error", "No coding agent is configured (agent: none in .autofix.yml), so autofix "
		     "cannot change this pull request.");
	json_set_str(res, "why", "no coding agent is configured (agent: none)");
	err = reply(ev, "command-help.md", d);
	json_free(d);
	return err;
}

/* `/autofix retry [instructions]`: the agent again, on the PR's branch (followup.c). */
static int command_retry(struct event_context *ev, const char *instructions, struct json *res)
{
	struct json *r = NULL;
	int err;

	if (ev->cfg->agent.kind == AGENT_NONE)
		return no_agent(ev, res);
	if ((err = event_retry(&r, ev, instructions)) == 0)
		json_set(res, "result", r);
	return err;
}

/* A comment's command, from someone allowed to give it. */
static int handle_command(struct event_context *ev, const struct event_payload *p, struct json *res)
{
	struct step s = { ev, p, NULL, NULL, 0 };
	struct strbuf rest = STRBUF_INIT;
	struct json *r = NULL, *d = NULL;
	char *word = NULL;
	int err;

	/* At once, so that the person sees the command was taken before any work. */
	if ((err = journal_step(&r, ev->run, "react", NULL, step_react, &s)) < 0)
		goto out;
	event_payload_command(p->text, &word, &rest);
	json_set_str(res, "command", word);
	if (!strcmp(word, "explain")) {
		json_set_str(res, "handled", "explain");
		err = command_explain(ev, res);
	} else if (!strcmp(word, "ignore")) {
		json_set_str(res, "handled", "ignore");
		err = command_ignore(ev, p, rest.buf, res);
	} else if (!strcmp(word, "close")) {
		json_set_str(res, "handled", "close");
		err = command_close(ev, p, res);
	} else if (!strcmp(word, "retry")) {
		json_set_str(res, "handled", "retry");
		err = command_retry(ev, rest.buf, res);
	} else {
		/* help, nothing, or a word autofix does not know: the list of commands. */
		json_set_str(res, "handled", "help");
		d = json_new_object();
		if (*word && strcmp(word, "help"))
			json_set_str(d, "unknown", word);
		err = reply(ev, "command-help.md", d);
	}
out:
	json_free(r);
	json_free(d);
	free(word);
	strbuf_release(&rest);
	return err;
}

/* ---------------------------------------------------------------- reviews */

/* Step "review-comments": the review's comments on lines, as GitHub lists them. */
static int step_review_comments(struct json **out, void *data)
{
	struct step *s = data;
	char *path = github_repo_pathf(s->ev->gh, "/pulls/%lld/reviews/%lld/comments",
				       (long long)s->ev->number, (long long)s->p->id);
	int err = github_paginate(s->ev->gh, out, path);

	free(path);
	return err;
}

static int handle_review(struct event_context *ev, const struct event_payload *p, struct json *res)
{
	struct step s = { ev, p, NULL, NULL, 0 };
	struct json *comments = NULL, *r = NULL;
	int err;

	if ((err = journal_step(&comments, ev->run, "review-comments", NULL, step_review_comments, &s)) < 0)
		goto out;
	json_set_num(res, "comments", (double)json_size(comments));
	if (strcasecmp(p->review_state, "changes_requested") && !json_size(comments)) {
		json_set_str(res, "handled", "ignored");
		json_set_str(res, "why", "a review with no comments on lines and no changes requested");
		goto out;
	}
	json_set_str(res, "handled", "review");
	if (ev->cfg->agent.kind == AGENT_NONE) {
		err = no_agent(ev, res);
		goto out;
	}
	if ((err = event_review(&r, ev, p->review)) == 0)
		json_set(res, "result", r);
out:
	json_free(comments);
	return err;
}

/* ---------------------------------------------------------------- a closed pull request */

/* Step "merged": the comment saying the fix is recorded, once (its marker); the record. */
static int step_merged(struct json **out, void *data)
{
	struct step *s = data;
	struct event_context *ev = s->ev;
	struct strbuf at = STRBUF_INIT;
	struct json *d = json_new_object();
	const char *commit = s->p->merge_commit ? s->p->merge_commit : str_of(ev->pull, "merge_commit_sha");
	int64_t merged_at = s->p->merged_at;
	int commented = 0, err;

	if (!merged_at)
		json_get_opt_time(&merged_at, ev->pull, "merged_at");
	if (!merged_at)
		merged_at = ev->now;
	time_format_iso8601(&at, merged_at);
	json_set_str(d, "fingerprint", ev->fingerprint);
	json_set_opt_str(d, "merge_commit", commit);
	json_set_str(d, "merged_at", at.buf);
	err = pull_request_comment_once(&commented, ev->gh, ev->login, ev->number, MERGED_KIND,
					ev->fingerprint, "pull-request-merged.md", d, ev->repo_root);
	if (!err) {
		*out = json_new_object();
		json_set_str(*out, "fingerprint", ev->fingerprint);
		json_set_num(*out, "number", (double)ev->number);
		json_set(*out, "merge_commit", json_new_str(commit));
		json_set_num(*out, "merged_at", (double)merged_at);
		json_set_bool(*out, "commented", commented);
	}
	json_free(d);
	strbuf_release(&at);
	return err;
}

/* Step "silenced": pull_request_note_silenced() until s->until. */
static int step_silenced(struct json **out, void *data)
{
	struct step *s = data;
	int err = pull_request_note_silenced(out, s->ev->gh, s->ev->login, s->ev->number,
					     s->ev->fingerprint, s->until, s->ev->repo_root);

	if (!err)
		json_set_num(*out, "until", (double)s->until);
	return err;
}

static int handle_closed(struct event_context *ev, const struct event_payload *p, struct json *res)
{
	struct step s = { ev, p, NULL, NULL, 0 };
	struct json *r = NULL;
	int64_t closed_at = p->closed_at;
	int err;

	if (p->merged) {
		json_set_str(res, "handled", "merged");
		if ((err = journal_step(&r, ev->run, "merged", NULL, step_merged, &s)) == 0)
			json_set(res, "result", json_dup(r));
		goto out;
	}
	/* autofix closed it itself (`/autofix ignore` or `close`): its reply said what follows. */
	if (p->sender && ev->login && !strcasecmp(p->sender, ev->login)) {
		json_set_str(res, "handled", "ignored");
		json_set_str(res, "why", "closed by autofix itself; its reply to the command said what follows");
		err = 0;
		goto out;
	}
	json_set_str(res, "handled", "silenced");
	if (!closed_at)
		json_get_opt_time(&closed_at, ev->pull, "closed_at");
	if (!closed_at)
		closed_at = ev->now;
	/* `/autofix ignore DURATION` said until when; else the cooldown. */
	s.until = pull_request_ignored_until(str_of(ev->pull, "body"));
	if (!s.until)
		s.until = closed_at + ev->cfg->pull_requests.cooldown_ms;
	if ((err = journal_step(&r, ev->run, "silenced", NULL, step_silenced, &s)) == 0)
		json_set(res, "result", json_dup(r));
out:
	json_free(r);
	return err;
}

/* ---------------------------------------------------------------- dispatch */

int event_handle(struct json **out, struct event_context *ev, const struct event_payload *p)
{
	struct step s = { ev, p, NULL, NULL, 0 };
	struct json *res = json_new_object(), *perm = NULL, *d = NULL;
	int err = 0;

	*out = NULL;
	json_set_str(res, "event", p->name);
	json_set_num(res, "number", (double)ev->number);
	json_set_str(res, "fingerprint", ev->fingerprint);
	ev->reply_key = p->id;
	ev->reply_to_review = p->kind == EVENT_REVIEW;

	if (p->kind == EVENT_CLOSED) {
		err = handle_closed(ev, p, res);
		goto out;
	}
	/* Comments and reviews: nothing runs for someone who may not command autofix. */
	if ((err = journal_step(&perm, ev->run, "permission", NULL, step_permission, &s)) < 0)
		goto out;
	json_set(res, "permission", json_dup(perm));
	if (!json_bool_value(json_member(perm, "allowed"))) {
		json_set_str(res, "handled", "refused");
		json_set_opt_str(res, "why", str_of(perm, "why"));
		d = json_new_object();
		json_set_str(d, "user", p->author);
		json_set_opt_str(d, "why", str_of(perm, "why"));
		err = reply(ev, "command-refused.md", d);
		goto out;
	}
	err = p->kind == EVENT_COMMENT ? handle_command(ev, p, res) : handle_review(ev, p, res);
out:
	json_set(res, "reply", ev->reply_id ? json_new_num((double)ev->reply_id) : json_new_null());
	json_free(perm);
	json_free(d);
	if (err < 0) {
		json_free(res);
		return err;
	}
	*out = res;
	return 0;
}
