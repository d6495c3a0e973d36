#ifndef JOURNAL_H
#define JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "util/json.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

/*
 * Durable runs: a step journal kept in SQLite (the one module that sees
 * sqlite3.h). A workflow (`scan`, `event`...) is a run made of named
 * steps; each step's JSON result is committed in its own transaction the
 * moment it succeeds, so running the same run again returns the stored
 * results without calling the steps again and continues from the first
 * step that has none. Transient failures are retried with backoff; a run
 * whose step gave up is `failed` and can be run again later.
 *
 * The journal makes re-runs cheap; it is never needed for correctness.
 * Side effects (a PR, a comment, a branch) must also be idempotent on
 * their own: look for what you would create first (util/marker.h).
 *
 * Ownership: a struct journal and a struct journal_run belong to the code
 * that opened/began them; results handed out are owned by the caller.
 * One journal may be shared by the threads of journal_step_parallel();
 * every database access takes the journal's mutex, step functions run
 * outside it.
 */
struct journal;
struct journal_run;

/* The state file when neither --state nor AUTOFIX_STATE says otherwise. */
#define JOURNAL_DEFAULT_PATH ".autofix/state.db"

/*
 * A journal that lives in memory and dies with the process: what a
 * command uses when the state file cannot be opened, since the journal
 * only saves work and is never needed for correctness.
 */
#define JOURNAL_MEMORY ":memory:"

/* Returns flag if set, else $AUTOFIX_STATE if set and non-empty, else JOURNAL_DEFAULT_PATH. */
const char *journal_path(const char *flag);

/*
 * Opens (creating it and its directory when missing) the state database at
 * path, in WAL mode with a busy timeout so that several processes can share
 * it. JOURNAL_MEMORY opens a journal in memory. On success *out is the
 * caller's, to close with journal_close().
 * Returns BOT_EIO when the file or directory cannot be created or opened,
 * BOT_EINVALID when it is not a journal (another file, a newer schema).
 */
int journal_open(struct journal **out, const char *path);
/* Closes the database; every run begun on it must have been freed. NULL is a no-op. */
void journal_close(struct journal *j);

/*
 * The id of a run of workflow: explicit when given (validated: 1-128
 * characters of [A-Za-z0-9._:/@+-]); else under GitHub Actions
 * "gh:REPOSITORY:GITHUB_RUN_ID:WORKFLOW:GITHUB_JOB:FP8", where FP8 is the
 * first 8 hex digits of fingerprint (the run's inputs, see
 * journal_run_options.fingerprint; the ":FP8" is left out when
 * fingerprint is NULL) and an unset variable is "-". Every attempt of a
 * job maps to one run, so that "Re-run failed jobs" resumes it, while the
 * jobs of one workflow run, matrix jobs with other inputs among them, get
 * runs of their own. Else a fresh "WORKFLOW-YYYYMMDDTHHMMSSZ-XXXXXX".
 * Appends to out; BOT_EINVALID for a bad explicit id or a derived one
 * that is not a valid id (too long, odd characters).
 */
int journal_run_id(struct strbuf *out, const char *workflow, const char *explicit_id,
		   const char *fingerprint);

/* How failures of one step are retried. */
struct journal_retry {
	int max_attempts;   /* per execution of the step, >= 1 */
	int backoff_base_ms; /* wait after attempt n: min(cap, base * 2^(n-1)) */
	int backoff_cap_ms;
};
#define JOURNAL_RETRY_INIT { 3, 1000, 30000 }

/*
 * Whether a step that failed with code is worth another attempt: the peer
 * or the network failed (BOT_ETRANSIENT, BOT_ETIMEOUT, BOT_ERATELIMIT,
 * BOT_EIO). Everything else (a bad request, refused credentials, a missing
 * resource, a conflict, an unknown BOT_ERROR) fails the step at once,
 * since repeating it would give the same answer or repeat a side effect
 * of unknown outcome.
 */
int journal_error_is_retryable(int code);

struct journal_run_options {
	/* How long journal_run_begin waits for another holder of the run (0: not at all). */
	int lock_wait_ms;
	/* A lock not refreshed for this long is stale and may be taken over. */
	int lock_stale_ms;
	/* Finished runs older than this are pruned when a run begins (0: never). */
	int64_t retention_ms;
	/* How retry backoff waits (tests inject a recorder); NULL: nanosleep. */
	void (*sleep_ms)(void *data, int ms);
	void *sleep_data;
	/*
	 * What the run computes from, as a digest of its inputs (hex, e.g.
	 * SHA-256 of the configuration), or NULL when the caller has none.
	 * A run remembers the fingerprint it was begun with; see
	 * journal_run_begin() for what a different one does.
	 */
	const char *fingerprint;
};
#define JOURNAL_DEFAULT_RETENTION_MS (7 * TIME_MS_PER_DAY)
#define JOURNAL_RUN_OPTIONS_INIT { 0, (int)TIME_MS_PER_MINUTE, JOURNAL_DEFAULT_RETENTION_MS, NULL, NULL, NULL }

/*
 * How long finished runs are kept: $AUTOFIX_RETENTION (a duration such as
 * "30d" or "12h") when set, else JOURNAL_DEFAULT_RETENTION_MS. Returns 0,
 * or BOT_EINVALID naming the variable when its value does not parse.
 */
int journal_retention(int64_t *out_ms);

/*
 * Begins, or resumes, run id of workflow started by trigger ("schedule",
 * "issue_comment", "cli"...), and takes the run's lock (owner pid, host,
 * expiry refreshed by a heartbeat thread). A run that exists is resumed:
 * its succeeded steps are kept, its status becomes `running` again.
 * Returns BOT_ECONFLICT when another live process (or another handle in
 * this one) holds the run after waiting opts->lock_wait_ms, with a
 * message naming the holder (a wait begins by logging that message at
 * info level, with "; waiting up to Ns for it"); BOT_EINVALID when the
 * id belongs to another workflow, or when opts->fingerprint is set and
 * the run was begun with another one ("run 'ID' was started with other
 * inputs ...; use a new --run-id"): its stored results were computed from
 * other inputs and would be a wrong answer for these, so they are never
 * reused. A run with no fingerprint stored (begun by an autofix that
 * recorded none, or without one) is resumed and gets opts->fingerprint
 * now. opts may be NULL for the defaults. On success *out is the
 * caller's: end it with journal_run_finish() and free it with
 * journal_run_free().
 *
 * AUTOFIX_CRASH_AFTER_STEP=K and AUTOFIX_CRASH_BEFORE_STEP=K (read here)
 * make the process abort(3) right after step K's result is committed, or
 * right after step K's function succeeded but before its result is
 * committed; K is a step's 1-based position in the run (cached steps
 * count) or its name. AUTOFIX_PAUSE_AFTER_STEP=K:MS makes the process
 * sleep MS milliseconds after step K commits (logging a warning when it
 * begins), so that a test can SIGKILL it between two steps or start a
 * second process while it holds the run; AUTOFIX_PAUSE_UNTIL=FILE ends
 * that pause as soon as FILE exists. AUTOFIX_JOURNAL_FULL_AT_STEP=K caps
 * the state file at its size once step K's function has returned, before
 * its result is committed (SQLite's max_page_count on this connection), so
 * that a commit that needs room fails with SQLITE_FULL as on a full disk. They exist for the tests.
 */
int journal_run_begin(struct journal_run **out, struct journal *j, const char *id,
		      const char *workflow, const char *trigger,
		      const struct journal_run_options *opts);

/* The run's id, valid while the run is. */
const char *journal_run_get_id(const struct journal_run *run);
/* The journal the run was begun on. */
struct journal *journal_run_get_journal(const struct journal_run *run);

/*
 * A step: on success returns 0 with *out set to a result the caller then
 * owns (never NULL: use json_new_null() for "nothing"); on failure a
 * negative BOT_E* code with the message recorded by bot_error(), *out
 * untouched. A step that kept what it made in memory for its caller
 * (through data) returns JOURNAL_KEPT instead of 0: its result is then
 * recorded and freed, and the caller gets NULL for it rather than the
 * result read back (a large result costs more to read back than to keep).
 */
typedef int (*journal_step_fn)(struct json **out, void *data);
#define JOURNAL_KEPT 1

/*
 * Runs step name (unique within the run) of run. When its result is
 * stored, returns 0 with a copy in *out without calling fn. Otherwise
 * calls fn up to retry->max_attempts times (retry NULL: the defaults),
 * recording every failed attempt (number, error, duration) and waiting
 * the backoff between retryable failures, and commits the result in one
 * transaction. On success *out is the caller's (json_free; NULL when fn
 * ran and returned JOURNAL_KEPT). On failure
 * returns fn's code, the message prefixed with the step's name, and the
 * step is stored as failed; running the run again retries it.
 *
 * When a write fails for the disk's sake (SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_READONLY) the step's outcome is still returned as above, with a
 * warning, and the run goes on without the journal: later steps are run
 * but neither looked up nor recorded. A lost lock (BOT_ECONFLICT) is not
 * the disk's and still fails the step.
 */
int journal_step(struct json **out, struct journal_run *run, const char *name,
		 const struct journal_retry *retry, journal_step_fn fn, void *data);

/*
 * 1 when step name of run has a stored result (journal_step() would
 * return it without calling its function), else 0: never stored, failed,
 * a run going on without its journal, or a database that cannot say.
 * For a caller that decides whether a step may cost something.
 */
int journal_step_stored(struct journal_run *run, const char *name);

/* One of several independent steps for journal_step_parallel(). */
struct journal_task {
	const char *name;     /* in: unique within the run, e.g. "observe:api" */
	journal_step_fn fn;   /* in */
	void *data;           /* in */
	struct json *result;  /* out: owned by the caller on success, else NULL */
	int error;            /* out: 0 or the step's code */
	char *message;        /* out: the error message (free(3)), NULL on success */
};

/*
 * Runs independent steps on up to max_threads threads (0: one per task,
 * at most 8), each journaled on its own exactly as journal_step() would.
 * Waits for all of them. Returns 0 when every task succeeded, else the
 * code of the first failed task in array order (its message recorded);
 * the other tasks' results are kept, in the journal and in tasks[].
 */
int journal_step_parallel(struct journal_run *run, struct journal_task *tasks, size_t nr,
			  const struct journal_retry *retry, int max_threads);

/* Frees the results and messages journal_step_parallel() left in tasks. */
void journal_tasks_release(struct journal_task *tasks, size_t nr);

/*
 * Ends the run: `succeeded` when result is 0, else `failed` with the
 * current error message; releases the lock. A run that lost its journal
 * to the disk is recorded `failed` ("the journal could not be written"),
 * so that running it again makes the steps that were not recorded.
 * Returns 0 or BOT_EIO (the lock then expires on its own).
 */
int journal_run_finish(struct journal_run *run, int result);

/*
 * Frees the run. A run not finished keeps its status `running` and its
 * lock is released, so that it shows as interrupted and can be resumed.
 * NULL is a no-op.
 */
void journal_run_free(struct journal_run *run);

/*
 * Deletes runs finished (succeeded or failed) more than max_age_ms ago,
 * with their steps. Unfinished runs are kept: they can still be resumed.
 * Returns the number of runs deleted, or a negative code.
 */
int journal_prune(struct journal *j, int64_t max_age_ms);

/*
 * Runs SQLite's integrity check over the whole file. Returns 0 when it
 * passes, BOT_EINVALID with SQLite's first complaint when it does not.
 */
int journal_integrity_check(struct journal *j);

/*
 * Adds up the number at path (dotted, like "usage.input_tokens") in the
 * results of the succeeded steps whose name begins with prefix ("plan:")
 * of every run of workflow, counting the steps that finished at or after
 * since_ms (milliseconds since the epoch, by the wall clock): what an
 * LLM budget per day asks. A result without a number there counts 0.
 * Returns 0 with *out set, BOT_EINVALID for a path that is not
 * [A-Za-z0-9_] names joined by dots, or BOT_EIO when the database fails.
 */
int journal_sum_results(double *out, struct journal *j, const char *workflow,
			const char *prefix, const char *path, int64_t since_ms);

/*
 * The number at path in the result of the newest of those steps (as for
 * journal_sum_results) into *out (0 when that result has none), and when it
 * finished into *at_ms (may be NULL). BOT_ENOTFOUND when no such step
 * finished at or after since_ms.
 */
int journal_latest_result(double *out, int64_t *at_ms, struct journal *j, const char *workflow,
			  const char *prefix, const char *path, int64_t since_ms);

/*
 * The most recent runs (limit <= 0: all), newest first, as a JSON array of
 * {id, workflow, trigger, status, started_at, finished_at, duration_ms,
 * locked, lock_owner, error, fingerprint (null when unknown)}; times are milliseconds since the epoch and
 * null when unknown. `locked` is false for a `running` run whose holder
 * has gone (interrupted). *out is the caller's.
 */
int journal_runs_list(struct json **out, struct journal *j, int limit);

/*
 * One run as JSON: the fields of journal_runs_list() plus `steps`, in the
 * order they first ran: {name, status, attempts, started_at, finished_at,
 * duration_ms, result (parsed JSON or null), error, error_code, failures:
 * [{attempt, error, error_code, duration_ms, at}]}. BOT_ENOTFOUND when
 * there is no such run. *out is the caller's.
 */
int journal_run_show(struct json **out, struct journal *j, const char *id);

#endif
