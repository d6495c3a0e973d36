#ifndef DELIVER_UPSTREAM_ISSUE_H
#define DELIVER_UPSTREAM_ISSUE_H

#include <stdint.h>

#include "github/github.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * The issue autofix opens when an upstream provider's incident explains a
 * finding (the investigate stage's upstream_incident): one issue per
 * provider, service and finding, recognised by its hidden marker
 * `<!-- autofix:upstream:PROVIDER:SERVICE:FINGERPRINT -->` written by
 * autofix (github_find_marked), edited in place on later scans, and closed
 * with one comment (`<!-- autofix:upstream-resolved:KEY -->`) once the
 * incident is over. State lives on GitHub only: every function finds what
 * exists before it writes, so a lost journal never makes a duplicate.
 * Results are JSON owned by the caller.
 */

/* The marker key for provider, service and fingerprint (characters outside [A-Za-z0-9._-] become '_'). */
void upstream_issue_key(struct strbuf *out, const char *provider, const char *service,
			const char *fingerprint);

/*
 * Opens the issue for incident (investigate's upstream_incident) about
 * finding (finding_to_json), or updates the open one with its key:
 * title and body rendered from templates/upstream-issue-title.md and
 * upstream-issue.md (repo_root's overrides, when it has them). Labels `autofix` and `autofix:upstream` are
 * added when they can be; a label that cannot be made is only a warning.
 * login is autofix's own (github_login). *out: {"action": "opened" |
 * "updated" | "unchanged", "number", "url", "key"}. Returns 0 or the
 * first GitHub error (a listing that fails is an error, never "none").
 */
int upstream_issue_deliver(struct json **out, struct github *gh, const char *login,
			   const struct json *incident, const struct json *finding,
			   const char *repo_root);

/*
 * The open upstream issues autofix wrote: *out is an array of
 * {"number", "key", "provider", "service", "fingerprint"}.
 */
int upstream_issue_list_open(struct json **out, struct github *gh, const char *login);

/*
 * Closes issue number (key as listed) with one comment, rendered from
 * templates/upstream-resolved.md, saying the incident was resolved at
 * when_ms: a comment autofix already left (a close that failed after it)
 * is not written again. *out: {"number", "commented", "closed"}.
 */
int upstream_issue_resolve(struct json **out, struct github *gh, const char *login, int64_t number,
			   const char *key, int64_t when_ms, const char *repo_root);

#endif
