#ifndef INVESTIGATE_INVESTIGATE_H
#define INVESTIGATE_INVESTIGATE_H

#include <stdint.h>

#include "util/json.h"

struct config;
struct finding;
struct http_client;
struct observe_result;
struct redact_patterns;
struct source;

/*
 * Investigate: for one finding, gather what a person on call would
 * gather before touching code, and decide whether the cause is upstream.
 *
 *   - the deployment that preceded the trouble: its commit, the files it
 *     changed (those under the service's path first) and a bounded diff,
 *     read with libgit2 from the repository's checkout;
 *   - the deployment's logs (and build logs when it failed) reduced to
 *     patterns, errors first; failing HTTP requests grouped by route;
 *   - upstream providers: those .autofix.yml names for the service, and
 *     those its manifests point at (data/upstreams.json), checked on
 *     their status pages in parallel; the platform's own status.
 *
 * Everything read from outside is redacted as it enters (util/redact.h).
 * Nothing here fails the scan for want of context: what could not be
 * gathered is listed in the result's notes.
 *
 * The result is JSON (it is a journaled step's result, and the plan's
 * input):
 *   { "fingerprint", "service": {"name", "path"},
 *     "sections": [{"title", "text"}],      the context, in priority order
 *     "onset_deployment": {"id", "at", "status", "commit", "message",
 *                          "files": [{"path","status","additions","deletions"}],
 *                          "diff_bytes", "diff_cut"} | null,
 *     "upstreams": [ upstream_status_to_json() + "trouble", "inferred_from" ],
 *     "upstream_incident": {"provider", "name", "page_url", "incident", "status",
 *                           "impact", "started_at", "shortlink"} | null,
 *     "sizes": {"log_lines", "log_patterns", "oom_lines", "disk_full_lines", "http_errors", "diff_bytes"},
 *     "confidence": {"from", "to", "why"} | null,   raised for a memory (disk) finding when the
 *                                                    logs show the service running out of memory
 *                                                    (of space on its volume)
 *     "notes": ["..."] }
 * upstream_incident is set when an upstream's unresolved incident (or a
 * degraded component that matters) was under way at the finding's onset:
 * then the outcome is an issue about the provider, not a code fix.
 */

struct investigate_input {
	const struct config *cfg;
	const struct observe_result *observed;
	const struct finding *finding;
	struct source *source;           /* for logs; NULL: none read */
	struct http_client *http;        /* for status pages; NULL: none checked */
	const char *repo_root;           /* the repository's checkout; NULL: no diff, no manifests */
	const struct redact_patterns *redact;
	int64_t start, end;              /* the window, ms */
	long statuspage_timeout_ms;      /* 0: 5 s */
	size_t max_log_bytes;            /* per log section; 0: 8 kB */
	size_t max_diff_bytes;           /* 0: 16 kB */
};

/* Fills *out (the caller owns it). Returns 0; only a broken input is an error. */
int investigate_finding(struct json **out, const struct investigate_input *in);

#endif
