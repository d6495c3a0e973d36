#ifndef PIPELINE_H
#define PIPELINE_H

#include <stdint.h>

#include "config.h"
#include "detect/detect.h"
#include "metrics.h"
#include "source/source.h"
#include "util/json.h"

/*
 * The scan workflow, one stage per function, in the order they run:
 *
 *   observe      -> what is deployed and how it behaved over the window
 *   detect       -> which services are in trouble, and why (no I/O, no LLM)
 *   investigate  -> logs, the onset deployment's diff, upstream status pages
 *   plan         -> an LLM's root causes and changes
 *   fix          -> a coding agent's edit, verified, committed and pushed
 *   deliver      -> one pull request per problem
 *
 * Each stage takes the previous stage's result and returns its own, and
 * each result has a JSON form, so that a journal can run a stage as a
 * durable step, store its result, and resume after it. Results own their
 * contents; release them with the matching *_release().
 */

/* The observe stage's result. */
struct observe_result {
	struct architecture arch;
	struct observation obs;
	int64_t requests;     /* what observing cost, for the report */
	int64_t bytes;
};

void observe_result_init(struct observe_result *r);
void observe_result_release(struct observe_result *r);
/* { "architecture": ..., "observation": ..., "cost": {"requests", "bytes"} }; the caller owns it. */
struct json *observe_result_to_json(const struct observe_result *r);
/* Reads that form back (a journaled step's result), emptying root's observation as it goes; BOT_EINVALID naming the path, r left released. */
int observe_result_from_json(struct observe_result *r, struct json *root);

/* Where a stage failed, so that the command can tell a configuration problem from a failed job. */
enum stage_failure {
	STAGE_FAILED_JOB,     /* the source failed, or answered something unusable */
	STAGE_FAILED_CONFIG,  /* the configuration does not match what is deployed, or cannot be used */
};

/*
 * Stage 1, observe: opens the configured source, learns the architecture,
 * selects the services .autofix.yml names, and fetches their series over
 * the window that ends at now (ms) and is cfg->window_ms long, reaching
 * back detect.regression.baseline further (when regressions are on) for
 * the detector's before/after comparison. On failure
 * returns a negative code with the message recorded, sets *failure, and
 * leaves out released.
 */
int pipeline_observe(struct observe_result *out, enum stage_failure *failure,
		     const struct config *cfg, int64_t now);

/*
 * Stage 2, detect: runs the detector over the observation. Returns the
 * number of findings, or a negative code (an unusable observation).
 */
int pipeline_detect(struct findings *out, const struct observe_result *observed,
		    const struct config *cfg);

/* ---------------------------------------------------------------- the scan, journaled */

struct journal_run;

/*
 * The scan's stages as durable steps of run (journal.h): "observe" (its
 * result is observe_result_to_json) then "detect" (findings_to_json). A
 * stage whose result the journal holds is not run again: re-running a
 * run sends no request to the source for a completed observe. Both
 * results go through their JSON form either way, so a resumed scan
 * reports exactly what a fresh one would. observed and found must be
 * initialised; on success they are filled. On failure returns the code
 * with the message recorded, sets *stage ("observe" or "detect") and
 * *failure, and observed->requests says what observing cost.
 */
int pipeline_scan(struct observe_result *observed, struct findings *found,
		  const char **stage, enum stage_failure *failure, struct journal_run *run,
		  const struct config *cfg, int64_t now);

/* ---------------------------------------------------------------- stages 3 and 4: investigate, plan */

/* What the stages after detect made of one finding. */
struct finding_work {
	char fingerprint[17];
	char *service;
	char *kind;
	struct json *context;      /* investigate's result (investigate/investigate.h), or NULL */
	struct json *plan;         /* the plan (plan/plan.h), or NULL */
	struct json *prompt_sizes; /* what went into the prompt (plan_prompt's sizes), or NULL */
	char *agent_prompt;        /* the agent's task, rendered from the plan, or NULL */
	/*
	 * "plan": a plan a coding agent can follow; "not fixable": the plan
	 * says the cause is not in the code; "upstream": an upstream
	 * provider's incident explains it; "no llm": `llm` is none; "failed":
	 * investigating or planning failed, or llm.budget was spent (why says
	 * which: "over llm.budget.calls_per_run ..."); "awaiting review": a
	 * pull request autofix opened for it is open; "silenced": one was
	 * closed without merging within pull_requests.cooldown; "awaiting
	 * deployment": the newest one was merged and is not judged yet (the
	 * last three are neither investigated nor planned again).
	 */
	const char *outcome;
	char *why;
	int64_t input_tokens, output_tokens;
	int llm_calls;
	char *issue;               /* outcome "upstream": what became of its issue on GitHub, or NULL */
	struct json *fix;          /* the fix stage's result (fix/fix.h), or NULL */
	char *delivery;            /* outcome "plan": what became of it (the PR, the plan issue, why none), or NULL */
	struct json *pull_request; /* its pull request: {action, number, url, draft, branch}, or NULL */
};

struct scan_work {
	struct finding_work *items;
	size_t nr;
	int failed;                /* a step failed in a way a re-run may repair */
	/*
	 * The merged pull requests the scan followed (pipeline_verify_merged),
	 * or NULL: [{number, fingerprint, service, outcome: "recovered" |
	 * "did not help" | "awaiting deployment" | "no data" | "failed" |
	 * "regressed" (its problem came back: a new PR was opened), why, url}].
	 */
	struct json *followups;
};

void scan_work_release(struct scan_work *work);
/* [{fingerprint, service, kind, outcome, why, context, plan, prompt_sizes, agent_prompt, usage, pull_request}] */
struct json *scan_work_to_json(const struct scan_work *work);
/* How many pull requests the work opened or updated (not those left unchanged). */
size_t scan_work_pull_requests(const struct scan_work *work);

struct act_options {
	const char *repo_root;     /* the repository's checkout (diffs, manifests, template overrides) */
	int64_t now;               /* ms: what the cooldown and the caps are counted from */
	/*
	 * autofix's pull requests (pipeline_list_pull_requests), or NULL:
	 * none were listed (no GitHub, --plan-only, `agent: none`), or the
	 * listing failed, which pull_requests_error then says.
	 */
	const struct json *pull_requests;
	const char *pull_requests_error;
};

/*
 * Step "pull-requests": every pull request autofix opened, in every
 * state, from a complete listing (deliver/pull_request.h), which decides
 * what may be done about each finding before any LLM call is spent on
 * it. Returns 0 with *out (NULL when there is no GitHub to ask: no
 * credentials or repository: env_repository()), or a negative code with *why (to
 * free(3)) saying that the listing failed: then nothing is decided.
 */
int pipeline_list_pull_requests(struct json **out, char **why, struct journal_run *run);

/*
 * Whether this scan lists autofix's pull requests: always when it has
 * findings; on a healthy scan, only when the journal holds, from the
 * last PULL_REQUEST_VERIFY_HORIZON_MS, a pull request delivered or a
 * merged fix not judged yet (step "merged-pending"), so that a healthy
 * scan with nothing to follow sends GitHub no request.
 */
int pipeline_list_wanted(struct journal_run *run, const struct findings *found);

/*
 * Post-merge verification, before anything is decided about the
 * findings: each PR in pull_requests merged less than
 * PULL_REQUEST_VERIFY_HORIZON_MS ago with no verdict, whose service
 * (found by its fingerprint) this scan saw with usable data, is judged
 * once a deployment with its merge has been live for a whole window:
 * "recovered" when no finding has its fingerprint, "did not help" when
 * one does. The step "verify-merged:NUMBER" comments once on the PR and
 * writes the verdict into its body (deliver/merged.h), and the verdict
 * is set in pull_requests too, so that the decisions of this scan see
 * it. Until then its problem is "awaiting deployment". Each PR followed
 * is added to work->followups; the number of those still to judge,
 * when there are any, is journaled ("merged-pending", see
 * pipeline_list_wanted). A GitHub failure sets work->failed.
 */
void pipeline_verify_merged(struct scan_work *work, struct json *pull_requests,
			    const struct observe_result *observed, const struct findings *found,
			    struct journal_run *run, const struct config *cfg, const struct act_options *opts);

/*
 * Stages 3 and 4 for every finding that opts->pull_requests does not
 * leave to a pull request already open or silence, each a durable step of run:
 * "investigate:FINGERPRINT" (logs, the onset deployment's diff, upstream
 * status pages) and "plan:FINGERPRINT" (the LLM's plan, when `llm` is
 * set and no upstream incident explains the finding). A step whose
 * result the journal holds is not run again: a re-run makes no second
 * LLM call. A finding whose stage failed is reported with why; the other
 * findings go on. Fills out (initialised to zero by the caller).
 */
void pipeline_investigate_and_plan(struct scan_work *out, const struct observe_result *observed,
				   const struct findings *found, struct journal_run *run,
				   const struct config *cfg, const struct act_options *opts);

/*
 * Stage 5 for the findings whose outcome is "upstream": the issue about
 * the provider's incident (deliver/upstream_issue.h), opened or updated
 * as the durable step "upstream-issue:FINGERPRINT"; then each open
 * upstream issue autofix wrote for a service this scan saw, whose
 * incident no finding carries any more, gets one comment and is closed
 * ("upstream-resolve:KEY"). Each item's issue says what was done.
 * plan_only: nothing on GitHub, the items say what would be done.
 * Without GitHub credentials or a repository it warns and does nothing.
 * A GitHub failure sets out->failed (a re-run finishes it). now: ms.
 */
void pipeline_upstream_issues(struct scan_work *work, const struct observe_result *observed,
			      const struct findings *found, struct journal_run *run, const struct act_options *opts,
			      int plan_only, int64_t now);

/*
 * Stages 5 and 6 for the findings whose outcome is "plan", in order, one
 * at a time (one agent per repository and run, so that two agents never
 * race on a tree), decided on opts->pull_requests (pull_request_decide;
 * without a listing, nothing is decided): a finding silenced by a PR
 * closed unmerged is said so once on that PR ("silenced:FINGERPRINT");
 * the caps max_open and max_per_hour hold one back; otherwise
 *   "earlier-fix:FINGERPRINT"  when a merged fix for it was judged (it
 *                         regressed, or did not help): its diff, bounded
 *                         and redacted, goes into the agent's task;
 *   "fix:FINGERPRINT"     the coding agent in a working tree of its own,
 *                         verify, commit, push (fix/fix.h);
 *   "deliver:FINGERPRINT" the pull request opened, or updated when one is
 *                         there already for its branch; it links the
 *                         earlier fix, labelled autofix:regression when
 *                         that fix had recovered;
 *   "regression:FINGERPRINT" then, for a regression, one comment on the
 *                         merged PR linking the new one; also for a finding
 *                         awaiting review on a regression PR when the
 *                         journal holds no such step (a run died between
 *                         the PR and its comment).
 * With `agent: none`, "plan-issue:FINGERPRINT" opens or updates an issue
 * holding the plan instead. Each item's delivery says what was done; a
 * GitHub or git failure sets work->failed (a re-run finishes it: a
 * completed agent session is not repeated). plan_only: nothing is done,
 * the items say what would be. Without GitHub credentials or a
 * repository it warns and does nothing.
 */
void pipeline_fix_and_deliver(struct scan_work *work, const struct findings *found,
			      struct journal_run *run, const struct config *cfg,
			      const struct act_options *opts, int plan_only);

/*
 * The fingerprint of a scan's inputs (journal_run_options.fingerprint):
 * SHA-256, as 64 hex digits, of what the scan's steps compute from: the
 * effective configuration in its canonical JSON (config_to_json), and
 * under GitHub Actions the job ($GITHUB_JOB) and $AUTOFIX_MATRIX, which
 * a workflow sets to `${{ toJSON(matrix) }}` since Actions exports the
 * matrix to no variable. Not the time: a resumed run keeps the window it
 * first observed. Not token values: the configuration names the project
 * they read. Returns 0, or BOT_EIO when the digest cannot be computed.
 */
int pipeline_scan_fingerprint(char out[65], const struct config *cfg);

#endif
