#ifndef EVENT_EVENT_H
#define EVENT_EVENT_H

#include <stdint.h>

#include "config.h"
#include "github/github.h"
#include "util/json.h"

/*
 * Follow-ups: what autofix does when GitHub tells it something happened
 * to one of its pull requests (`autofix event`, cmd_event.c). Under
 * Actions the event is GITHUB_EVENT_NAME with the payload at
 * GITHUB_EVENT_PATH. autofix acts on its own pull requests only,
 * recognised by the hidden marker `<!-- autofix:pr:FINGERPRINT -->` in a
 * body autofix wrote (github_find_marked), never by title:
 *
 *   issue_comment created   `/autofix retry|explain|ignore|close|help`
 *                           from people with write access (event.c);
 *   pull_request_review     changes requested, or review comments: the
 *   submitted               agent again on the PR's branch (followup.c);
 *   pull_request closed     merged: the fix is recorded; closed unmerged:
 *                           the problem is silenced for the cooldown.
 *
 * State that a scan must see lives on GitHub, not in the journal (the
 * scheduled scan and the event workflows keep separate caches): the PR's
 * state, merge commit and time, and markers in the body autofix wrote
 * (`autofix:ignore:UNTIL_MS` after `/autofix ignore`). The journal makes
 * a repeated delivery cheap (one run per comment, review or closing);
 * every write is also idempotent on its own (markers, looked up first).
 */

struct journal_run;

/* One event about one of autofix's pull requests, as the handlers see it. */
struct event_context {
	const struct config *cfg;
	struct github *gh;          /* bound to the repository */
	const char *login;          /* autofix's own login (github_login) */
	struct journal_run *run;    /* the event's journaled run */
	const struct json *payload; /* the webhook payload */
	const struct json *pull;    /* the pull request, as GET /pulls/{n} returns it */
	int64_t number;
	const char *fingerprint;    /* from the PR's marker */
	const char *repo_root;      /* the checkout: .autofix/templates overrides */
	int64_t now;                /* ms */
	/*
	 * The one reply comment of this event (id 0 until it is made); each
	 * event_reply() edits it, so that a person sees one comment that
	 * says how the work goes, not a stream of them.
	 */
	int64_t reply_id;
	int64_t reply_key;          /* what the reply answers (comment or review id), for its marker */
	int reply_to_review;        /* reply_key is a review's id: the marker's key is "r" + id */
};

/*
 * Writes markdown as the event's reply (creating it on first use, with
 * the marker `autofix:reply:KEY`, or finding the one a killed run made),
 * then edits it on later calls. markdown is autofix's own text; values
 * in it must already be escaped. Returns 0 or the GitHub error.
 */
int event_reply(struct event_context *ev, const char *markdown);

/*
 * `/autofix retry [instructions]` (followup.c): the coding agent runs
 * again, in a fresh session, on a working tree at the PR's head, told
 * the finding, the plan as the PR states it, the earlier attempt's diff
 * and the instructions; verify runs; the new commit is pushed to the
 * PR's branch (a fast-forward: a branch that moved meanwhile is not
 * overwritten). Progress and the outcome go to the reply
 * (event_reply). *out: fix_run's result (fix/fix.h) with "number".
 * Journaled as the steps of ev->run, so a re-run pushes once. Returns 0
 * when an outcome is recorded (also "no change", "verify failed"...), a
 * negative code for what a re-run may repair.
 */
int event_retry(struct json **out, struct event_context *ev, const char *instructions);

/*
 * A review that requests changes or carries comments (followup.c): as
 * retry, with the review's body and each of its comments (file, line,
 * text) as the instructions. review: the payload's "review".
 */
int event_review(struct json **out, struct event_context *ev, const struct json *review);

/* ---------------------------------------------------------- the handlers (event.c) */

struct event_payload;

/*
 * Handles one event about autofix's pull request ev->number (cmd_event.c
 * has read the payload, checked that the PR is autofix's and begun the
 * run): the permission check, the 👀 reaction and the reply for a
 * command, the command itself; retry and reviews through event_retry()
 * and event_review(); for a closed PR the merged comment or the silenced
 * note. Each side effect is a step of ev->run and is looked up on GitHub
 * before it is made. *out: what was done, {"event", "number",
 * "fingerprint", "handled": what it was ("help", "explain", "ignore",
 * "close", "retry", "review", "refused", "merged", "silenced",
 * "ignored"), "why" (one line), "result" (the handler's), "reply" (the
 * reply's id, or null)}. Returns 0, or the first GitHub (or journal)
 * error: running the same run again finishes it.
 */
int event_handle(struct json **out, struct event_context *ev, const struct event_payload *p);

#endif
