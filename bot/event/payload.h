#ifndef EVENT_PAYLOAD_H
#define EVENT_PAYLOAD_H

#include <stdint.h>

#include "util/json.h"
#include "util/strbuf.h"

/*
 * A webhook payload, read (GitHub's shapes: docs.github.com/webhooks) into
 * what `autofix event` acts on, before any request is made: which pull
 * request, who, what they said, and the key that makes the handling of
 * one delivery idempotent. Nothing here talks to GitHub. Strings point
 * into the payload, which must outlive the struct.
 */

enum event_kind {
	EVENT_COMMENT,   /* issue_comment created on a pull request, starting with /autofix */
	EVENT_REVIEW,    /* pull_request_review submitted */
	EVENT_CLOSED,    /* pull_request closed */
};

struct event_payload {
	const char *name;        /* the event's name, as GitHub sends it */
	enum event_kind kind;
	const char *owner;       /* repository.owner.login */
	const char *repo;        /* repository.name */
	int64_t number;          /* the pull request */
	const char *sender;      /* sender.login, or NULL */
	int64_t installation_id; /* installation.id (an App's events), or 0 */
	/* EVENT_COMMENT and EVENT_REVIEW: the comment or review and its author. */
	int64_t id;              /* comment.id or review.id */
	const char *author;      /* its user.login */
	int author_is_bot;       /* user.type "Bot", or a login ending in "[bot]" */
	const char *text;        /* the comment's body, the review's (NULL when none) */
	int64_t at;              /* comment.created_at or review.submitted_at, ms; 0 unknown */
	const struct json *review; /* EVENT_REVIEW: the payload's "review" */
	const char *review_state;  /* "changes_requested", "commented", "approved" */
	/* EVENT_CLOSED */
	int merged;
	const char *merge_commit; /* pull_request.merge_commit_sha, or NULL */
	int64_t closed_at;        /* ms; 0 unknown */
	int64_t merged_at;        /* ms; 0 unknown */
	/*
	 * The journaled run's key (journal id "event:NAME:KEY"): the comment
	 * id, "r" + the review id, or "pr" + number + "-closed".
	 */
	char key[40];
};

/*
 * Reads payload, the body of event name. Returns:
 *   0 with *out filled when autofix has something to do with the event;
 *   1 when the event is deliberately ignored (another action, a comment
 *     on an issue or not starting with /autofix, an event autofix does
 *     not handle), with why (one line) appended;
 *   BOT_EINVALID when the payload lacks what the event needs or holds it
 *     in another type, the message naming the field ("payload:
 *     comment.id: ...").
 * Optional fields (sender, created_at, merge_commit_sha, the review's
 * body...) may be missing or null.
 */
int event_payload_parse(struct event_payload *out, struct strbuf *why, const char *name,
			const struct json *payload);

/*
 * The command in a comment's text: the first line must start with
 * "/autofix" followed by a blank or its end. *word (to free(3)) is the
 * next word, lower-cased ("" when there is none), rest (appended) what
 * follows it on the first line and the lines after it, trimmed. Returns
 * 1 when text is a command, 0 when not.
 */
int event_payload_command(const char *text, char **word, struct strbuf *rest);

#endif
