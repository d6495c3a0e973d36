#ifndef FIX_FIX_H
#define FIX_FIX_H

#include <stdint.h>

#include "config.h"
#include "fix/agent.h"
#include "util/json.h"

/*
 * The fix stage for one finding: a working tree of its own at the base
 * (workspace.h), the coding agent given its task there (agent.h), what
 * it changed (a forbidden path drops the fix), autofix's commit on
 * autofix's branch (made before verify, so that what verify leaves in
 * the tree is not committed), the repository's `verify` run in the tree
 * with its time limit (process.h), then the push (forced: the branch is
 * autofix's own). autofix owns git; the agent only edits files. The
 * working tree is removed before it returns.
 *
 * A follow-up on an open pull request (follow_branch) starts instead from
 * the PR's head on its branch, so that commits a reviewer pushed there
 * stay, commits on top of it and pushes as a fast-forward only.
 */

struct fix_request {
	const struct config *cfg;     /* verify, pull_requests (branch_prefix, forbidden_paths, on_verify_failure) */
	struct agent *agent;          /* opened by the caller: one agent per repository and run */
	const char *clone_url;        /* the repository's, as the REST API gives it */
	const char *default_branch;
	const char *token;            /* for clone and push (user x-access-token); NULL: anonymous */
	const char *local_checkout;   /* GITHUB_WORKSPACE, cloned from when it can be; or NULL */
	const char *base;             /* the commit to start from; NULL: the default branch's head */
	const char *branch;           /* workspace_branch_name() */
	/*
	 * 1: follow the open PR's branch: base is its head commit (required),
	 * the commit goes on top of it, and the push is a fast-forward, never
	 * forced: a branch that moved meanwhile is left as it is ("branch
	 * moved"). 0: a fresh branch at base, pushed with force.
	 */
	int follow_branch;
	const char *prompt;           /* the agent's task */
	const char *title;            /* the agent session's title */
	const char *author_name;      /* the commit's author and committer */
	const char *author_email;
	const char *commit_message;
	const char *parent_dir;       /* where working trees are made; NULL: $TMPDIR or /tmp */
	/*
	 * A token for the push, asked for after the agent and verify (an
	 * installation token lasts an hour; they may take most of it), into
	 * *out (free(3)); NULL: token is used for the push too.
	 */
	int (*push_token)(void *arg, char **out);
	void *push_token_arg;
};

/*
 * The environment variables the agent and `verify` run without: autofix's
 * own credentials (GitHub's token and App key, the source's token, an
 * OpenCode server's password), which neither needs and a prompt injected
 * through a log could make them leak. An LLM key stays: an agent calls
 * its model with it. NULL-terminated; free with fix_env_release().
 */
char **fix_scrubbed_env(const struct config *cfg);
void fix_env_release(char **names);

/*
 * Runs the fix for req. *out (the caller owns it):
 *   {"outcome": "changed"        committed and pushed to "branch"
 *             | "no change"      the agent changed nothing: nothing pushed
 *             | "forbidden"      it changed a path it may not (why names it): dropped
 *             | "verify failed"  verify failed and pull_requests.on_verify_failure is skip
 *             | "agent failed"   it did not finish (timed out, or the server said so)
 *             | "branch moved",  follow_branch only: the branch is no longer at
 *                                base (someone pushed meanwhile): nothing pushed,
 *    "why": a line for a person, or null,
 *    "branch", "base", "head" (the pushed commit, or null),
 *    "files": [{"path", "status", "additions", "deletions", "binary"}],
 *    "diff": the unified diff, bounded, "diff_cut": bool,
 *    "verify": null (none configured or nothing to verify) |
 *              {"command", "passed", "exit_code", "timed_out", "wall_ms", "output" (redacted tail)},
 *    "agent": {"name", "finished", "timed_out", "wall_ms", "summary", "log" (redacted tail), "session"}}
 * Returns 0 whenever an outcome is recorded; a negative code (message
 * recorded, *out NULL) for what a re-run may repair: the clone or push
 * failed (BOT_EAUTH, BOT_ECONFLICT for a push branch protection refused,
 * BOT_ETIMEOUT), the agent could not be run at all.
 */
int fix_run(struct json **out, const struct fix_request *req);

#endif
