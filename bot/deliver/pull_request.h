#ifndef DELIVER_PULL_REQUEST_H
#define DELIVER_PULL_REQUEST_H

#include <stdint.h>

#include "config.h"
#include "github/github.h"
#include "util/json.h"

/*
 * autofix's pull requests: one per problem (a finding's fingerprint),
 * recognised by the hidden marker `<!-- autofix:pr:FINGERPRINT -->` in a
 * body written by autofix itself (github_find_marked), never by title.
 * Every function finds what exists before it writes, so that a re-run, a
 * lost journal or a crash while a request was in flight never makes a
 * second PR, comment or label. Results are JSON owned by the caller.
 */

/*
 * How long after its merge the scan judges a fix (post-merge
 * verification, pipeline.c): a PR merged longer ago with no verdict is
 * left unjudged, and its problem, when found again, is fixed anew.
 */
#define PULL_REQUEST_VERIFY_HORIZON_MS (14 * 24 * 60 * 60 * 1000LL)
/* The verdicts on a merged fix, as the body marker `autofix:verdict:KEY` says them. */
#define PULL_REQUEST_RECOVERED "recovered"
#define PULL_REQUEST_NOT_RECOVERED "not-recovered"
/* The label of a PR for a problem back after its merged fix had made it go away. */
#define PULL_REQUEST_REGRESSION_LABEL "autofix:regression"

/*
 * Every pull request autofix opened, in every state, from a complete
 * listing (a page that fails fails the listing: never a short list).
 * *out is an array, newest first, of
 *   {"number", "fingerprint", "state": "open" | "closed", "merged": bool,
 *    "created_at", "closed_at" (ms since the epoch, closed_at null when
 *    open), "branch", "head" (the head commit's SHA), "url",
 *    "merged_at" (ms, or null), "merge_commit" (SHA, or null),
 *    "verdict": "recovered" | "not-recovered" | null (the body's marker
 *    `autofix:verdict:...`, written by the scan's verification),
 *    "figure": {"metric", "evidence_unit", "level", "unit", "observed",
 *    "threshold"} (what the finding was judged by when the PR was made:
 *    the signal, its unit and level, the figures and theirs; the body's
 *    marker `autofix:pr-figure:...`) or null, "regression": bool (it
 *    carries the label PULL_REQUEST_REGRESSION_LABEL),
 *    "ignored_until" (ms: the body's `autofix:ignore:UNTIL_MS` marker,
 *    written by `/autofix ignore`; null when there is none)}.
 * A PR is tied to its service by its fingerprint, a hash of the service
 * and the kind (finding_fingerprint), which the scan recomputes for the
 * services it observes: no marker is needed for that.
 */
int pull_request_list(struct json **out, struct github *gh, const char *login);

/*
 * What the scan may do about fingerprint, given that listing (pure: no
 * request). *out:
 *   {"decision": "fix"         no open PR for it: fix it and open one;
 *                                "earlier": number of a merged PR for it, or null;
 *                                "earlier_verdict": that PR's verdict, or null;
 *                                "regression": true when it was "recovered"
 *                "awaiting deployment" the newest PR for it was merged less than
 *                                PULL_REQUEST_VERIFY_HORIZON_MS ago and has no
 *                                verdict yet ("number"): nothing is tried before it is judged
 *                "awaiting review"  an open PR for it exists ("number", "branch"):
 *                                it is left alone (a person will review it)
 *                "silenced"    a PR for it was closed without merging less than
 *                                cfg->cooldown_ms ago, or ignored until a time
 *                                still to come ("number", "until" ms)
 *                "max open"    cfg->max_open of autofix's PRs are open
 *                "max per hour" cfg->max_per_hour were opened in the last hour
 *    "why": one line a person reads in the report}
 * opened_now: PRs this run opened that the listing may not show yet
 * (they count against both caps).
 */
struct json *pull_request_decide(const struct json *listing, const char *fingerprint,
				 const struct pull_request_config *cfg, int opened_now, int64_t now_ms);

/*
 * Opens the pull request for a fix, or updates the one already open for
 * its branch or fingerprint. data:
 *   {"fingerprint", "service", "kind", "finding" (finding_to_json),
 *    "chart" (Markdown, a Mermaid chart of the offending series, or ""),
 *    "context" (investigate's result), "plan", "fix" (fix_run's result:
 *    branch, base, head, files, verify, agent), "base_branch",
 *    "run_url" (the Actions run, or null), "version", "earlier" (number
 *    of an earlier merged PR for the fingerprint, or null),
 *    "earlier_verdict" (its verdict, or null), "regression" (bool: adds
 *    the label PULL_REQUEST_REGRESSION_LABEL), "figure" (for the body
 *    marker `autofix:pr-figure`: {"metric", "evidence_unit", "level",
 *    "unit", "observed", "threshold"}, or null)}
 * Title and body are rendered from templates/pull-request-title.md and
 * pull-request.md (repo_root's .autofix/templates/ overrides first). The
 * PR is a draft when cfg->draft, or when the verification failed (the
 * body then says so at its top). Labels: cfg->labels plus
 * "autofix:KIND", each created with a colour and description when
 * missing; then cfg->reviewers (users, and org/team as team slugs) and
 * cfg->assignees. An open PR already there for the branch (or marker)
 * is updated instead: its body edited, and, when its head differs from
 * the one its body was written for, one comment saying what changed
 * (templates/pull-request-updated.md). *out: {"action": "opened" |
 * "updated" | "unchanged", "number", "url", "draft", "branch"}.
 * Returns 0 or the first GitHub error.
 */
int pull_request_deliver(struct json **out, struct github *gh, const char *login,
			 const struct pull_request_config *cfg, const struct json *data,
			 const char *repo_root);

/* escape_markdown as a template escaper (plan/template.h): values from outside in GitHub Markdown. */
void pull_request_escape(struct strbuf *out, const char *s, size_t len, void *payload);

/*
 * `/autofix ignore` (event/event.c) writes `<!-- autofix:ignore:UNTIL_MS -->`
 * into the PR's body: no PR for its problem before UNTIL_MS.
 */
#define PULL_REQUEST_IGNORE_KIND "ignore"
/*
 * The marker of the one notice that a problem is silenced (`autofix:silenced:FP`):
 * pull_request_note_silenced() writes it, and so do the replies to
 * `/autofix ignore` and `close`, which say it first.
 */
#define PULL_REQUEST_SILENCED_KIND "silenced"
/* The time of body's ignore marker (ms), or 0 when it has none (or a broken one). */
int64_t pull_request_ignored_until(const char *body);


/*
 * A comment autofix makes once on issue or pull request number: unless
 * one by login with the marker for kind and key is there already,
 * template rendered with data (escaped for Markdown; "marker" is set in
 * data, to be written raw, {{{marker}}}), redacted, is posted.
 * *commented says whether it was. Returns 0 or the first GitHub error.
 */
int pull_request_comment_once(int *commented, struct github *gh, const char *login, int64_t number,
			      const char *kind, const char *key, const char *template, struct json *data,
			      const char *repo_root);

/*
 * Says once, on the closed pull request number, that no other PR for
 * fingerprint will be opened before until_ms, and how to undo that
 * (templates/pull-request-silenced.md; marker `autofix:silenced:FP`).
 * *out: {"number", "commented": bool (false when it was already said)}.
 */
int pull_request_note_silenced(struct json **out, struct github *gh, const char *login,
			       int64_t number, const char *fingerprint, int64_t until_ms,
			       const char *repo_root);

/*
 * `agent: none`: the plan becomes an issue, one per fingerprint (marker
 * `autofix:plan:FINGERPRINT`), opened or edited in place, never
 * duplicated. data as for pull_request_deliver without "fix".
 * Templates plan-issue-title.md and plan-issue.md; labels cfg->labels
 * and "autofix:KIND". *out: {"action": "opened" | "updated" |
 * "unchanged", "number", "url"}.
 */
int plan_issue_deliver(struct json **out, struct github *gh, const char *login,
		       const struct pull_request_config *cfg, const struct json *data,
		       const char *repo_root);

#endif
