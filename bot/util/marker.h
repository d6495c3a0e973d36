#ifndef UTIL_MARKER_H
#define UTIL_MARKER_H

#include "util/strbuf.h"

/*
 * Hidden markers: the one convention by which autofix recognises what it
 * created on GitHub. Every PR body, issue and comment autofix writes
 * carries `<!-- autofix:KIND:KEY -->` (an HTML comment GitHub does not
 * render); before creating one, a step lists what exists and looks for
 * the marker (and, for branches, the branch name), so that a re-run, a
 * lost journal or a crash between the request and the journal's commit
 * never produces a duplicate. Anyone can paste a marker into a comment
 * of their own: on a list from GitHub use github_find_marked()
 * (github/github.h), which also checks that autofix is the author.
 *
 * KIND names what the object is (`pr`, `status-comment`, `issue`) and
 * matches [a-z0-9_-]+; KEY says which one (a finding's fingerprint, a run
 * id) and is 1-200 printable characters without "--", '<' or '>'. KEY may
 * contain ':'. Nothing here allocates except into the caller's strbuf.
 */

/*
 * Appends the marker for kind and key to out. Returns 0, or BOT_EINVALID
 * (out unchanged) when kind or key breaks the rules above.
 */
int marker_format(struct strbuf *out, const char *kind, const char *key);

/*
 * Nonzero when body (any text, NULL is empty) holds the marker for kind
 * and key, anywhere, exactly (whitespace inside the comment as written by
 * marker_format).
 */
int marker_find(const char *body, const char *kind, const char *key);

/*
 * Finds the first marker of kind in body and appends its key to key_out
 * (when not NULL). Returns 1 when found, 0 when not. A marker that does
 * not parse is skipped, not an error: bodies are user-editable.
 */
int marker_find_kind(const char *body, const char *kind, struct strbuf *key_out);

/*
 * Parses text that must be exactly one marker (surrounding whitespace
 * allowed) into kind and key (appended). Returns 0, or BOT_EINVALID
 * saying what is wrong.
 */
int marker_parse(struct strbuf *kind, struct strbuf *key, const char *text);

#endif
