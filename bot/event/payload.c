/*
 * Webhook payloads into what `autofix event` acts on (payload.h). A field
 * the event needs that is missing or of another type is an error naming
 * it; everything else (sender, times, a review's body) is optional, since
 * GitHub's payloads vary between events, versions and GHES releases.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event/payload.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define COMMAND_PREFIX "/autofix"

static int ignored(struct strbuf *why, const char *fmt, const char *arg)
{
	strbuf_addf(why, fmt, arg);
	return 1;
}

/* A required field: an error naming it ("payload: " + json_get's path and what was found). */
static int need(int err)
{
	return err < 0 ? bot_error_wrap(err, "payload: ") : 0;
}

static int is_bot(const struct json *user)
{
	const char *type = json_str_value(json_member(user, "type"));
	const char *login = json_str_value(json_member(user, "login"));

	return (type && !strcmp(type, "Bot")) || (login && ends_with(login, "[bot]"));
}

/* The pull request's number from obj (an issue or a pull request), and the repository. */
static int common(struct event_payload *out, const struct json *payload, const char *number_at)
{
	int err;

	if ((err = need(json_get_str(&out->owner, payload, "repository.owner.login"))) < 0 ||
	    (err = need(json_get_str(&out->repo, payload, "repository.name"))) < 0 ||
	    (err = need(json_get_int(&out->number, payload, "%s", number_at))) < 0)
		return err;
	if (out->number <= 0)
		return bot_error(BOT_EINVALID, "payload: %s: expected a positive number, found %lld",
				 number_at, (long long)out->number);
	out->sender = json_str_value(json_get(payload, "sender.login"));
	if (json_type(json_get(payload, "installation.id")) == JSON_NUMBER &&
	    (err = need(json_get_int(&out->installation_id, payload, "installation.id"))) < 0)
		return err;
	return 0;
}

int event_payload_parse(struct event_payload *out, struct strbuf *why, const char *name,
			const struct json *payload)
{
	const char *action = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	out->name = name;
	if (json_type(payload) != JSON_OBJECT)
		return bot_error(BOT_EINVALID, "payload: expected a JSON object, found %s",
				 json_type_name(payload));
	if ((err = need(json_get_str(&action, payload, "action"))) < 0)
		return err;

	if (!strcmp(name, "issue_comment")) {
		const struct json *comment;
		char *word = NULL;
		struct strbuf rest = STRBUF_INIT;
		int is_command;

		out->kind = EVENT_COMMENT;
		if (strcmp(action, "created"))
			return ignored(why, "a comment %s, not created: only new comments are commands", action);
		if ((err = need(json_get_obj(&comment, payload, "comment"))) < 0 ||
		    (err = need(json_get_int(&out->id, payload, "comment.id"))) < 0 ||
		    (err = need(json_get_str(&out->author, payload, "comment.user.login"))) < 0 ||
		    (err = need(json_get_opt_str(&out->text, payload, "comment.body"))) < 0 ||
		    (err = need(json_get_opt_time(&out->at, payload, "comment.created_at"))) < 0 ||
		    (err = common(out, payload, "issue.number")) < 0)
			return err;
		out->author_is_bot = is_bot(json_member(comment, "user"));
		/* GitHub marks an issue that is a pull request with "pull_request". */
		if (json_type(json_get(payload, "issue.pull_request")) != JSON_OBJECT) {
			strbuf_addf(why, "a comment on issue #%lld, not on a pull request",
				    (long long)out->number);
			return 1;
		}
		is_command = event_payload_command(out->text, &word, &rest);
		free(word);
		strbuf_release(&rest);
		if (!is_command)
			return ignored(why, "a comment that is not a command (its first line does not "
				       "start with %s)", COMMAND_PREFIX);
		snprintf(out->key, sizeof(out->key), "%lld", (long long)out->id);
		return 0;
	}
	if (!strcmp(name, "pull_request_review")) {
		out->kind = EVENT_REVIEW;
		if (strcmp(action, "submitted"))
			return ignored(why, "a review %s, not submitted", action);
		if ((err = need(json_get_obj(&out->review, payload, "review"))) < 0 ||
		    (err = need(json_get_int(&out->id, payload, "review.id"))) < 0 ||
		    (err = need(json_get_str(&out->author, payload, "review.user.login"))) < 0 ||
		    (err = need(json_get_str(&out->review_state, payload, "review.state"))) < 0 ||
		    (err = need(json_get_opt_str(&out->text, payload, "review.body"))) < 0 ||
		    (err = need(json_get_opt_time(&out->at, payload, "review.submitted_at"))) < 0 ||
		    (err = common(out, payload, "pull_request.number")) < 0)
			return err;
		out->author_is_bot = is_bot(json_get(payload, "review.user"));
		/* An approval asks for nothing (GitHub sends the state lower-case; REST upper-case). */
		if (strcasecmp(out->review_state, "changes_requested") &&
		    strcasecmp(out->review_state, "commented"))
			return ignored(why, "a review that is %s: only reviews requesting changes or "
				       "commenting are acted on", out->review_state);
		snprintf(out->key, sizeof(out->key), "r%lld", (long long)out->id);
		return 0;
	}
	if (!strcmp(name, "pull_request")) {
		const struct json *merged;

		out->kind = EVENT_CLOSED;
		if (strcmp(action, "closed"))
			return ignored(why, "a pull request %s, not closed", action);
		if ((err = common(out, payload, "pull_request.number")) < 0 ||
		    (err = need(json_get_opt_time(&out->closed_at, payload, "pull_request.closed_at"))) < 0 ||
		    (err = need(json_get_opt_time(&out->merged_at, payload, "pull_request.merged_at"))) < 0 ||
		    (err = need(json_get_opt_str(&out->merge_commit, payload, "pull_request.merge_commit_sha"))) < 0)
			return err;
		/* "merged" is in every closed event; an older one without it has merged_at. */
		merged = json_get(payload, "pull_request.merged");
		if (merged && json_type(merged) != JSON_BOOL && json_type(merged) != JSON_NULL)
			return bot_error(BOT_EINVALID, "payload: pull_request.merged: expected a boolean, "
					 "found %s", json_type_name(merged));
		out->merged = json_type(merged) == JSON_BOOL ? json_bool_value(merged) : out->merged_at != 0;
		snprintf(out->key, sizeof(out->key), "pr%lld-closed", (long long)out->number);
		return 0;
	}
	return ignored(why, "a '%s' event: autofix event handles issue_comment, "
		       "pull_request_review and pull_request", name);
}

int event_payload_command(const char *text, char **word, struct strbuf *rest)
{
	const char *p = text, *w;
	size_t n, i;

	*word = NULL;
	if (!p)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, COMMAND_PREFIX, strlen(COMMAND_PREFIX)))
		return 0;
	p += strlen(COMMAND_PREFIX);
	if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	w = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	n = (size_t)(p - w);
	*word = xstrndup(w, n);
	for (i = 0; i < n; i++)
		(*word)[i] = (char)tolower((unsigned char)(*word)[i]);
	strbuf_addstr(rest, p);
	strbuf_trim(rest);
	return 1;
}
