#ifndef DELIVER_MERGED_H
#define DELIVER_MERGED_H

#include <stdint.h>

#include "github/github.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * autofix's merged pull requests, as later scans follow them: the
 * verdict once a deployment with the fix has been live for a window
 * (post-merge verification), and the comment when the problem comes
 * back. What the scan must know later lives on GitHub: the verdict is a
 * marker in the PR's body (`autofix:verdict:recovered|not-recovered`,
 * read back by pull_request_list), each comment carries a marker of its
 * own and is looked up before it is written, so a re-run, a lost
 * journal or a crash never doubles one. Results are JSON owned by the
 * caller; every text is built from redacted values, escaped for
 * Markdown, and redacted once more before it leaves.
 */

/*
 * Says once on the merged PR data.number whether its fix helped
 * (templates/pull-request-verdict.md; marker `autofix:verdict:FP`), then
 * writes the verdict marker into its body (replacing an earlier one).
 * The comment goes first: a crash in between leaves the comment, found
 * by its marker, and the next scan writes the body. data:
 *   {"number", "fingerprint", "service", "verdict": "recovered" |
 *    "not-recovered", "deployment": {"id", "at", "commit"} or null,
 *    "live_since" (ISO 8601: the deployment's time, or the merge's when
 *    it stands for it), "window": {"start", "end"} (ISO 8601),
 *    "before": {"observed", "threshold"} (figures as text) or null,
 *    "now" (the figure over the window, as text, or null),
 *    "chart" (Markdown: a Mermaid chart of the series now, or "")}
 * *out: {"number", "verdict", "commented": bool, "body_updated": bool}.
 * Returns 0 or the first GitHub error.
 */
int merged_note_verdict(struct json **out, struct github *gh, const char *login, const struct json *data,
			const char *repo_root);

/*
 * Says once on the merged PR data.number that its problem came back
 * (templates/pull-request-regression.md; marker
 * `autofix:regression:FP:NEW`, NEW the new PR's number). data:
 *   {"number", "fingerprint", "service", "kind", "onset" (ISO 8601),
 *    "onset_at_start" (bool: at the first sample seen, so then or before),
 *    "deployment": {"id", "at"} or null (the deployment the problem
 *    began after), "new_number", "new_url"}
 * *out: {"number", "commented": bool}. Returns 0 or the GitHub error.
 */
int merged_note_regression(struct json **out, struct github *gh, const char *login,
			   const struct json *data, const char *repo_root);

/*
 * The diff of pull request number as GitHub lists its files (`GET
 * /pulls/{n}/files`: each file's status and patch), appended to out: at
 * most max bytes of it, cut at a file or line with a note saying how
 * much was left out, and redacted (the secrets autofix holds, credential
 * shapes). Returns 0 or the GitHub error (out unchanged).
 */
int merged_pull_diff(struct strbuf *out, struct github *gh, int64_t number, size_t max);

#endif
