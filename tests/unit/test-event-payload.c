/*
 * bot/event/payload.c: which events autofix acts on, what it reads from
 * them, the command in a comment, and the errors that name a field.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "event/payload.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"

#define REPO "\"repository\": {\"name\": \"hello-world\", \"owner\": {\"login\": \"octo-org\"}}"

/* Parses text as event name's payload: the return code, *why filled when ignored. */
static int parse(struct event_payload *p, struct json **doc, struct strbuf *why, const char *name,
		 const char *text)
{
	json_free(*doc);
	*doc = NULL;
	strbuf_reset(why);
	if (json_parse(doc, text, strlen(text)) < 0)
		return -1000;
	return event_payload_parse(p, why, name, *doc);
}

static void command(const char *text, int want, const char *word, const char *rest)
{
	struct strbuf r = STRBUF_INIT;
	char *w = NULL;
	int got = event_payload_command(text, &w, &r);

	is_int(got, want, "command in '%s'", text ? text : "(null)");
	if (want) {
		is_str(w, word, "  its word");
		is_str(r.buf, rest, "  its rest");
	}
	free(w);
	strbuf_release(&r);
}

int main(void)
{
	struct event_payload p;
	struct json *doc = NULL;
	struct strbuf why = STRBUF_INIT;

	command("/autofix help", 1, "help", "");
	command("  /autofix RETRY bound it\nat 500 entries ", 1, "retry", "bound it\nat 500 entries");
	command("/autofix", 1, "", "");
	command("/autofix\n", 1, "", "");
	command("/autofixer help", 0, NULL, NULL);
	command("please /autofix help", 0, NULL, NULL);
	command("> /autofix help", 0, NULL, NULL);
	command(NULL, 0, NULL, NULL);

	is_int(parse(&p, &doc, &why, "issue_comment", "{\"action\": \"created\", " REPO ", "
		     "\"issue\": {\"number\": 7, \"pull_request\": {}}, \"comment\": {\"id\": 42, "
		     "\"body\": \"/autofix ignore 2d\", \"created_at\": \"2026-11-28T09:00:00Z\", "
		     "\"user\": {\"login\": \"renovate[bot]\", \"type\": \"Bot\"}}}"), 0,
	       "a command on a pull request is acted on");
	ok(p.kind == EVENT_COMMENT && p.number == 7 && p.id == 42 && !strcmp(p.key, "42") &&
	   p.author_is_bot && !strcmp(p.author, "renovate[bot]") && p.at == 1795856400000LL &&
	   !strcmp(p.owner, "octo-org") && !strcmp(p.repo, "hello-world") && !p.sender,
	   "  what it says: the PR, the comment, its author (a bot), its time; no sender");
	is_int(parse(&p, &doc, &why, "issue_comment", "{\"action\": \"created\", " REPO ", "
		     "\"issue\": {\"number\": 7}, \"comment\": {\"id\": 42, \"body\": \"/autofix close\", "
		     "\"user\": {\"login\": \"alice\"}}}"), 1, "a comment on an issue is ignored");
	like(why.buf, "not on a pull request", "  saying why");
	is_int(parse(&p, &doc, &why, "issue_comment", "{\"action\": \"edited\"}"), 1,
	       "an edited comment is ignored, whatever else is missing");
	is_int(parse(&p, &doc, &why, "issue_comment", "{\"action\": \"created\", " REPO ", "
		     "\"issue\": {\"number\": 7, \"pull_request\": {}}, \"comment\": {\"body\": \"/autofix\", "
		     "\"user\": {\"login\": \"alice\"}}}"), BOT_EINVALID, "a comment without an id is an error");
	like(bot_error_last(), "payload: 'comment.id': missing", "  naming the field");
	is_int(parse(&p, &doc, &why, "issue_comment", "{\"action\": \"created\", " REPO ", "
		     "\"issue\": {\"number\": -1, \"pull_request\": {}}, \"comment\": {\"id\": 1, \"body\": \"/autofix\", "
		     "\"user\": {\"login\": \"alice\"}}}"), BOT_EINVALID, "a negative number is an error");
	is_int(parse(&p, &doc, &why, "issue_comment", "[]"), BOT_EINVALID, "an array is no payload");
	is_int(parse(&p, &doc, &why, "issue_comment", "{\"comment\": {}}"), BOT_EINVALID,
	       "a payload without an action is an error");
	like(bot_error_last(), "action", "  naming it");

	is_int(parse(&p, &doc, &why, "pull_request_review", "{\"action\": \"submitted\", " REPO ", "
		     "\"pull_request\": {\"number\": 3}, \"review\": {\"id\": 9, \"state\": \"CHANGES_REQUESTED\", "
		     "\"body\": null, \"user\": {\"login\": \"bob\", \"type\": \"User\"}}}"), 0,
	       "a review requesting changes is acted on (REST's upper-case state too)");
	ok(p.kind == EVENT_REVIEW && p.id == 9 && !strcmp(p.key, "r9") && !p.text && !p.author_is_bot,
	   "  keyed r + its id, no body");
	is_int(parse(&p, &doc, &why, "pull_request_review", "{\"action\": \"submitted\", " REPO ", "
		     "\"pull_request\": {\"number\": 3}, \"review\": {\"id\": 9, \"state\": \"approved\", "
		     "\"user\": {\"login\": \"bob\"}}}"), 1, "an approval is ignored");

	is_int(parse(&p, &doc, &why, "pull_request", "{\"action\": \"closed\", " REPO ", "
		     "\"pull_request\": {\"number\": 12, \"merged_at\": \"2026-11-28T08:00:00Z\"}, "
		     "\"sender\": {\"login\": \"alice\"}, \"installation\": {\"id\": 4242}}"), 0,
	       "a closed pull request is acted on");
	is_int(p.installation_id, 4242, "  the App's installation, from the payload");
	ok(p.kind == EVENT_CLOSED && p.merged && !strcmp(p.key, "pr12-closed") && !strcmp(p.sender, "alice") &&
	   !p.merge_commit && !p.closed_at, "  merged, from merged_at when 'merged' is missing");
	is_int(parse(&p, &doc, &why, "pull_request", "{\"action\": \"closed\", " REPO ", "
		     "\"pull_request\": {\"number\": 12, \"merged\": \"yes\"}}"), BOT_EINVALID,
	       "a 'merged' that is no boolean is an error");
	like(bot_error_last(), "pull_request.merged", "  naming it");
	is_int(parse(&p, &doc, &why, "pull_request", "{\"action\": \"closed\", " REPO ", "
		     "\"pull_request\": {\"number\": 12, \"closed_at\": \"yesterday\"}}"), BOT_EINVALID,
	       "a closed_at that is no time is an error");
	is_int(parse(&p, &doc, &why, "push", "{\"action\": \"x\"}"), 1, "another event is ignored");
	like(why.buf, "'push' event", "  naming it");

	json_free(doc);
	strbuf_release(&why);
	return done_testing();
}
