#ifndef FIX_WORKSPACE_H
#define FIX_WORKSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * Git, through libgit2: the only module that includes git2.h. It reads
 * what a commit changed (the onset deployment's diff, for the plan), and
 * owns the fix stage's git: a working tree of its own per fix, the
 * branch, what the agent changed, the commit and the push.
 *
 * The token: given to workspace_prepare(), kept in memory only (wiped
 * by workspace_remove()), handed to libgit2 through a credential
 * callback as user x-access-token, and only for the clone URL's own
 * scheme, host and port. It never goes into a URL, a git config, a
 * remote or a message.
 *
 * Ownership: a struct commit_changes owns its strings; release it with
 * commit_changes_release(). A struct workspace is made by
 * workspace_prepare() and freed, with its directory, by
 * workspace_remove().
 */

struct changed_file {
	char *path;       /* the new path (the old one for a deletion) */
	char status;      /* 'A' added, 'D' deleted, 'M' modified, 'R' renamed, 'T' type changed */
	size_t additions, deletions;
	int binary;
};

struct commit_changes {
	char sha[41];
	char *summary;    /* the commit message's first line */
	struct changed_file *files; /* files under the preferred path first, then by path */
	size_t files_nr, files_alloc;
	struct strbuf diff;   /* unified diff of those files, in that order, at most max_bytes */
	size_t files_in_diff; /* how many files' patches the diff holds whole */
	int diff_cut;         /* 1 when the bound left patches (or the end of one) out */
};

void commit_changes_init(struct commit_changes *c);
void commit_changes_release(struct commit_changes *c);

/*
 * Reads what commit rev (a full or abbreviated SHA) of the repository at
 * repo_path (a working tree or bare repository; parents are searched)
 * changed against its first parent (a root commit: against nothing).
 * Files under prefer_path (a directory relative to the repository root;
 * NULL or "." for none) come first. The diff holds whole file patches in
 * that order while they fit in max_bytes; the first that does not is cut
 * at a line boundary and the rest left out, which diff_cut says.
 * Returns 0; BOT_ENOTFOUND when there is no repository there or it does
 * not hold the commit (the caller then asks GitHub's compare API);
 * BOT_ERROR with libgit2's message otherwise.
 */
int workspace_commit_changes(struct commit_changes *out, const char *repo_path, const char *rev,
			     const char *prefer_path, size_t max_bytes);

/* ---- The fix stage's working tree ---- */

/* workspace_commit()'s result when the tree is as it was: no commit made. */
#define WORKSPACE_NO_CHANGE 1

/* Paths an agent may not change when the caller gives none. */
extern const char *const workspace_default_forbidden[];

struct workspace_options {
	const char *clone_url;      /* required: https://... as the REST API gives it (http:// only to loopback) */
	const char *token;          /* the password for user x-access-token; NULL: anonymous */
	const char *default_branch; /* the repository's (from the REST API); NULL: the remote's HEAD */
	const char *base;           /* the commit to start from (full SHA); NULL: the default branch's head */
	const char *branch;         /* required: the branch to create there (workspace_branch_name()) */
	const char *branch_prefix;  /* pushes go only under it; NULL: "autofix/" */
	const char *local_checkout; /* a checkout of the same repository to clone from (GITHUB_WORKSPACE), or NULL */
	const char *parent_dir;     /* where the working tree's directory is made; NULL: $TMPDIR or /tmp */
	const char *const *forbidden; /* NULL-terminated globs (** crosses '/'); NULL: the defaults */
	int64_t timeout_ms;         /* the longest a connection, or any read or write on it, may take; 0: 60 s */
};
#define WORKSPACE_OPTIONS_INIT { 0 }

struct workspace {
	char *path;            /* the working tree, a fresh directory of its own */
	char *branch;          /* the branch checked out there */
	char *default_branch;
	char base[41];         /* the commit the branch starts from */
	char head[41];         /* the last commit made here, or "" */
	int from_checkout;     /* 1 when cloned from local_checkout, 0 when over the network */
	const char *note;      /* why a local_checkout given was not used (a static string), or NULL */
	int moved;             /* set by a push refused because the branch is no longer an ancestor of head */
	/* private */
	char *clone_url, *token, *prefix;
	char **forbidden;
	int64_t timeout_ms;
};

/*
 * Builds the branch name <prefix><service>/<kind>-<the fingerprint's
 * first 8 characters> into out (which it resets). service, kind and the
 * fingerprint are made safe for a ref: characters outside [A-Za-z0-9._-]
 * become '-', runs of dots become one, and no component starts with '.'
 * or '-' or ends with '.', '-' or ".lock". Returns 0, or BOT_EINVALID
 * when the result is still not a valid branch name (the prefix's fault).
 */
int workspace_branch_name(struct strbuf *out, const char *prefix, const char *service, const char *kind,
			  const char *fingerprint);

/*
 * Makes a working tree for one fix under opts->parent_dir, never touching
 * opts->local_checkout: a clone of that checkout when it is a full (not
 * shallow) clone of opts->clone_url holding the base; a clone of
 * opts->clone_url otherwise. The branch opts->branch is created at the
 * base and checked out. A clone over the network that fails transiently (a
 * connection refused or reset, a truncated answer, a silent server, a 408,
 * 429 or 5xx) is tried again by the HTTP layer's rules (http_retry_next():
 * at most 4 attempts, backoff with full jitter, each retry logged), each
 * time in the emptied directory. *out is NULL on failure. Returns 0;
 * BOT_EAUTH when the server refuses the token; BOT_ETIMEOUT when it stays
 * silent past opts->timeout_ms, on the last attempt; BOT_EINVALID for unusable options (a plain-http URL
 * to another host, credentials in the URL, a branch outside the prefix
 * or the default branch);
 * BOT_ENOTFOUND when the base commit or default branch is not there;
 * BOT_ERROR with libgit2's message otherwise.
 */
int workspace_prepare(struct workspace **out, const struct workspace_options *opts);

/*
 * What was changed in ws's working tree since its base: files added
 * (untracked ones too, unless .gitignore ignores them), modified and
 * deleted, with the diff bounded as for workspace_commit_changes(). out
 * is not given renames (a rename is a deletion and an addition) nor a
 * sha or summary. Returns the number of files changed; BOT_EINVALID when
 * one of them matches a forbidden path (the message names it; out is
 * then released: the fix must be dropped) or when the agent tampered
 * with .git (moved it, or the working tree, elsewhere); BOT_ERROR
 * otherwise.
 */
int workspace_changes(struct commit_changes *out, struct workspace *ws, size_t max_bytes);

/*
 * Commits everything changed in the working tree since the base (as
 * workspace_changes() sees it, forbidden paths refused the same way) on
 * ws->branch, with the base as its only parent: commits an agent may
 * have made itself are folded in. Author and committer are name <email>,
 * dated now (AUTOFIX_NOW when set, so that a re-run makes the same commit).
 * Writes the commit's SHA into ws->head. Returns 0; WORKSPACE_NO_CHANGE
 * (positive) when nothing changed, and then commits nothing;
 * BOT_EINVALID for a forbidden path, a tampered .git or a bad identity;
 * BOT_ERROR.
 */
int workspace_commit(struct workspace *ws, const char *name, const char *email, const char *message);

/*
 * Pushes ws->head to refs/heads/<branch> of the clone URL with an
 * explicit refspec (forced when force is set). branch NULL means
 * ws->branch. Refused before any network call (BOT_EINVALID) when there
 * is no commit, when branch is the default branch or not under the
 * prefix. A transient failure is pushed again as workspace_prepare()
 * clones again: safe, since the push is forced or a fast-forward from the
 * base, and an attempt that landed although it failed leaves the branch
 * at head, which the next attempt finds up to date. Returns 0; BOT_EAUTH
 * when the server refuses the token; BOT_ETIMEOUT when it stays silent
 * too long on the last attempt;
 * BOT_ECONFLICT when the server rejects the update (branch protection,
 * a hook, not a fast-forward), with the server's message, and ws->moved
 * set when the reason is that the branch moved (not a fast-forward: a
 * follow-up's push never overwrites commits it has not seen); BOT_ERROR.
 */
int workspace_push(struct workspace *ws, const char *branch, int force);

/*
 * Replaces the token ws pushes with (the old one wiped): an installation
 * token lasts an hour, an agent's session may outlast it.
 */
void workspace_set_token(struct workspace *ws, const char *token);

/* Deletes ws's working tree and frees ws (the token wiped first). NULL is a no-op. */
void workspace_remove(struct workspace *ws);

#endif
