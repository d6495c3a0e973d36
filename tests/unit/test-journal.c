/*
 * Step semantics of the journal: stored results are returned without
 * calling the step, retries stop at the bound, non-retryable errors stop
 * at once, parallel steps are journaled each on its own, a failed run
 * resumes at the failed step, a run is held by one process at a time,
 * and old runs are pruned.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h> /* only to look at the file from outside, as another program would */

#include "tap.h"
#include "journal.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

static char dir[256];

/* Two fingerprints of inputs, as pipeline_scan_fingerprint() makes them. */
#define FP_A "aaaa0001" "0000000000000000000000000000000000000000000000000000000000"
#define FP_B "bbbb0002" "0000000000000000000000000000000000000000000000000000000000"

/* A step that counts its calls, fails `fail_times` times with `fail_code`, then returns {"n":calls}. */
struct counter {
	atomic_int calls;
	int fail_times;
	int fail_code;
	int sleep_ms;
	atomic_int *active, *max_active;
};

static int counting_step(struct json **out, void *data)
{
	struct counter *c = data;
	int n = atomic_fetch_add(&c->calls, 1) + 1;

	if (c->active) {
		int a = atomic_fetch_add(c->active, 1) + 1, m = atomic_load(c->max_active);
		while (a > m && !atomic_compare_exchange_weak(c->max_active, &m, a))
			;
	}
	if (c->sleep_ms)
		time_sleep_ms(c->sleep_ms);
	if (c->active)
		atomic_fetch_sub(c->active, 1);
	if (n <= c->fail_times)
		return bot_error(c->fail_code, "call %d refused by the peer", n);
	*out = json_new_object();
	json_set_num(*out, "n", n);
	return 0;
}

static int null_step(struct json **out, void *data)
{
	(void)data;
	(void)out; /* leaves *out NULL: the journal stores null */
	return 0;
}

struct sleeps {
	int ms[16];
	int nr;
};

static void record_sleep(void *data, int ms)
{
	struct sleeps *s = data;
	if (s->nr < 16)
		s->ms[s->nr] = ms;
	s->nr++;
}

static char *db_path(const char *name)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* A PRAGMA's value as a second program reading the file sees it ("(none)" when it cannot). */
static void file_pragma(const char *path, const char *pragma, char *out, size_t size)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char sql[64];

	snprintf(out, size, "(none)");
	snprintf(sql, sizeof(sql), "PRAGMA %s", pragma);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static int result_n(const struct json *r)
{
	int64_t n = -1;
	if (json_get_int(&n, r, "n") < 0)
		return -1;
	return (int)n;
}

static void test_paths_and_ids(void)
{
	struct strbuf sb = STRBUF_INIT;

	unsetenv("AUTOFIX_STATE");
	is_str(journal_path(NULL), ".autofix/state.db", "default state path");
	setenv("AUTOFIX_STATE", "/tmp/x.db", 1);
	is_str(journal_path(NULL), "/tmp/x.db", "AUTOFIX_STATE overrides the default");
	is_str(journal_path("y.db"), "y.db", "--state overrides AUTOFIX_STATE");
	unsetenv("AUTOFIX_STATE");

	ok(journal_run_id(&sb, "scan", "my-run.1", NULL) == 0 && !strcmp(sb.buf, "my-run.1"),
	   "an explicit run id is used as it is");
	strbuf_reset(&sb);
	ok(journal_run_id(&sb, "scan", "bad id", NULL) == BOT_EINVALID, "a run id with a space is refused");
	like(bot_error_last(), "bad run id 'bad id'", "naming it");
	ok(journal_run_id(&sb, "scan", "", NULL) == BOT_EINVALID, "an empty run id is refused");

	setenv("GITHUB_RUN_ID", "4242", 1);
	setenv("GITHUB_REPOSITORY", "octo/app", 1);
	setenv("GITHUB_RUN_ATTEMPT", "2", 1);
	unsetenv("GITHUB_JOB");
	strbuf_reset(&sb);
	ok(journal_run_id(&sb, "scan", NULL, NULL) == 0, "a run id under Actions");
	is_str(sb.buf, "gh:octo/app:4242:scan:-", "derives from GITHUB_RUN_ID, not the attempt");
	setenv("GITHUB_JOB", "watch", 1);
	strbuf_reset(&sb);
	ok(journal_run_id(&sb, "scan", NULL, FP_A) == 0, "a run id under Actions with a fingerprint");
	is_str(sb.buf, "gh:octo/app:4242:scan:watch:aaaa0001",
	       "names the job and the first 8 hex digits of the inputs' fingerprint");
	{
		/* Matrix jobs share GITHUB_JOB; their inputs tell them apart. */
		struct strbuf other = STRBUF_INIT;
		journal_run_id(&other, "scan", NULL, FP_B);
		ok(strcmp(sb.buf, other.buf) != 0, "other inputs in the same job: another run (%s)",
		   other.buf);
		strbuf_reset(&other);
		setenv("GITHUB_JOB", "watch-staging", 1);
		journal_run_id(&other, "scan", NULL, FP_A);
		ok(strcmp(sb.buf, other.buf) != 0, "another job of the same workflow run: another run (%s)",
		   other.buf);
		strbuf_release(&other);
	}
	setenv("GITHUB_JOB", "watch", 1);
	setenv("AUTOFIX_REPOSITORY", "octo/other", 1);
	strbuf_reset(&sb);
	ok(journal_run_id(&sb, "scan", NULL, FP_A) == 0 &&
	   !strcmp(sb.buf, "gh:octo/other:4242:scan:watch:aaaa0001"),
	   "a scan of another repository (AUTOFIX_REPOSITORY) is named after it: %s", sb.buf);
	unsetenv("AUTOFIX_REPOSITORY");
	strbuf_reset(&sb);
	ok(journal_run_id(&sb, "scan", "mine", FP_A) == 0 && !strcmp(sb.buf, "mine"),
	   "an explicit id is kept as it is under Actions too");
	setenv("GITHUB_REPOSITORY", "octo/an-application-whose-name-is-so-long-that-the-run-id-"
				    "derived-from-it-passes-the-limit-of-128-characters", 1);
	strbuf_reset(&sb);
	ok(journal_run_id(&sb, "scan", NULL, FP_A) == BOT_EINVALID && sb.len == 0,
	   "a derived id over 128 characters is refused");
	like(bot_error_last(), "pass --run-id", "telling what to do: %s", bot_error_last());
	unsetenv("GITHUB_RUN_ID");
	unsetenv("GITHUB_REPOSITORY");
	unsetenv("GITHUB_RUN_ATTEMPT");
	unsetenv("GITHUB_JOB");

	{
		struct strbuf other = STRBUF_INIT;
		strbuf_reset(&sb);
		ok(journal_run_id(&sb, "scan", NULL, NULL) == 0 && starts_with(sb.buf, "scan-") &&
		   strlen(sb.buf) == strlen("scan-20261128T120000Z-abcdef"),
		   "elsewhere a fresh id: %s", sb.buf);
		journal_run_id(&other, "scan", NULL, NULL);
		ok(strcmp(sb.buf, other.buf) != 0, "two fresh ids differ");
		strbuf_release(&other);
	}
	strbuf_release(&sb);

	{
		int64_t ms = 0;
		unsetenv("AUTOFIX_RETENTION");
		ok(journal_retention(&ms) == 0 && ms == 7LL * 24 * 3600 * 1000, "retention defaults to 7 days");
		setenv("AUTOFIX_RETENTION", "12h", 1);
		ok(journal_retention(&ms) == 0 && ms == 12LL * 3600 * 1000, "AUTOFIX_RETENTION=12h");
		setenv("AUTOFIX_RETENTION", "12 hours", 1);
		ok(journal_retention(&ms) == BOT_EINVALID, "a bad AUTOFIX_RETENTION is refused");
		like(bot_error_last(), "AUTOFIX_RETENTION: ", "naming the variable");
		unsetenv("AUTOFIX_RETENTION");
	}
}

static void test_open(void)
{
	struct journal *j = NULL;
	FILE *f;
	char *path = db_path("deep/er/state.db");
	struct stat st;

	ok(journal_open(&j, path) == 0, "opens a journal in directories that do not exist yet");
	ok(stat(path, &st) == 0, "the file exists");
	journal_close(j);
	{
		/* The directory it made is ignored by git, as pytest's cache is; only that one. */
		char ignore[512];
		FILE *g;
		char text[128] = "";
		size_t n;

		snprintf(ignore, sizeof(ignore), "%s", db_path("deep/er/.gitignore"));
		g = fopen(ignore, "r");
		n = g ? fread(text, 1, sizeof(text) - 1, g) : 0;
		text[n] = '\0';
		if (g)
			fclose(g);
		is_str(text, "# Created by autofix: its state, never committed (templates/ is yours).\n"
		       "/*\n!/templates/\n",
		       "the directory made for the state file holds a .gitignore of all but templates/");
		ok(g && stat(ignore, &st) == 0 && (st.st_mode & 0777) == 0600, "readable by its owner only");
		ok(stat(db_path("deep/.gitignore"), &st) < 0 && errno == ENOENT,
		   "the directories above it get none");
		ok(stat(db_path(".gitignore"), &st) < 0 && errno == ENOENT,
		   "nor does a directory that existed before");
		/* A user's edit of it is kept: it is written only when the directory is made. */
		g = fopen(ignore, "w");
		if (g) {
			fputs("state.db\n", g);
			fclose(g);
		}
	}
	ok(journal_open(&j, path) == 0, "opens it again");
	journal_close(j);
	{
		FILE *g = fopen(db_path("deep/er/.gitignore"), "r");
		char text[64] = "";
		size_t n = g ? fread(text, 1, sizeof(text) - 1, g) : 0;

		text[n] = '\0';
		if (g)
			fclose(g);
		is_str(text, "state.db\n", "and a .gitignore already there is left as it is");
	}

	j = NULL;
	ok(journal_open(&j, JOURNAL_MEMORY) == 0, "a journal in memory opens");
	if (j) {
		struct journal_run *run;
		struct counter c = { 0 };
		struct json *r = NULL;
		ok(journal_run_begin(&run, j, "mem-1", "scan", "cli", NULL) == 0 &&
		   journal_step(&r, run, "s", NULL, counting_step, &c) == 0 && result_n(r) == 1,
		   "and runs steps");
		json_free(r);
		journal_run_finish(run, 0);
		journal_run_free(run);
		journal_close(j);
	}

	{
		/* WAL is a property of the file: a second program opening it sees it. */
		sqlite3 *db = NULL;
		char value[32];

		path = db_path("deep/er/state.db");
		file_pragma(path, "journal_mode", value, sizeof(value));
		is_str(value, "wal", "the state file is in WAL mode");
		file_pragma(path, "user_version", value, sizeof(value));
		is_str(value, "2", "and carries its schema version");

		/* A file written by a newer autofix is refused, not read as if it were ours. */
		path = db_path("future.db");
		ok(sqlite3_open(path, &db) == SQLITE_OK &&
		   sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK,
		   "a state file from a future schema");
		sqlite3_close(db);
		j = NULL;
		is_int(journal_open(&j, path), BOT_EINVALID, "is refused");
		like(bot_error_last(), "has schema version 99, newer than this autofix",
		     "saying why: %s", bot_error_last());
		journal_close(j);
		/* ...before anything is written to it: switching it to WAL mode would be. */
		file_pragma(path, "journal_mode", value, sizeof(value));
		is_str(value, "delete", "the refused file is left as it was (not switched to WAL)");
	}

	path = db_path("garbage.db");
	f = fopen(path, "w");
	fputs("this is not a database, but it is long enough to look like one at first glance....."
	      "..................................................................................", f);
	fclose(f);
	j = NULL;
	ok(journal_open(&j, path) == BOT_EINVALID && j == NULL, "a file that is not a database is refused");
	like(bot_error_last(), "is not a state database", "saying so: %s", bot_error_last());
}

static void test_cached(struct journal *j)
{
	struct journal_run *run;
	struct counter c = { 0 };
	struct json *r = NULL;

	ok(journal_run_begin(&run, j, "cached-1", "scan", "cli", NULL) == 0, "begins a run");
	is_str(journal_run_get_id(run), "cached-1", "the run knows its id");
	ok(journal_step(&r, run, "observe", NULL, counting_step, &c) == 0, "first step runs");
	is_int(result_n(r), 1, "with its result");
	json_free(r);
	r = NULL;
	ok(journal_step(&r, run, "observe", NULL, counting_step, &c) == 0, "the same step again");
	is_int(atomic_load(&c.calls), 1, "is not called a second time");
	is_int(result_n(r), 1, "and returns the stored result");
	json_free(r);
	r = NULL;
	ok(journal_step(&r, run, "nothing", NULL, null_step, NULL) == 0 && r &&
	   json_type(r) == JSON_NULL, "a step returning no result stores null");
	json_free(r);
	ok(journal_run_finish(run, 0) == 0, "finishes");
	journal_run_free(run);

	ok(journal_run_begin(&run, j, "cached-1", "scan", "cli", NULL) == 0, "a finished run can be run again");
	r = NULL;
	ok(journal_step(&r, run, "observe", NULL, counting_step, &c) == 0 && result_n(r) == 1 &&
	   atomic_load(&c.calls) == 1, "from another handle the stored result is returned without a call");
	json_free(r);
	journal_run_finish(run, 0);
	journal_run_free(run);

	ok(journal_run_begin(&run, j, "cached-1", "event", "cli", NULL) == BOT_EINVALID,
	   "a run id of another workflow is refused");
	like(bot_error_last(), "is a 'scan' run, not 'event'", "saying whose it is");
}

static void test_retries(struct journal *j)
{
	struct journal_run_options opts = JOURNAL_RUN_OPTIONS_INIT;
	struct journal_retry retry = { 3, 100, 150 };
	struct journal_run *run;
	struct sleeps s = { { 0 }, 0 };
	struct counter always = { 0, 99, BOT_ETRANSIENT, 0, NULL, NULL };
	struct counter twice = { 0, 2, BOT_ETIMEOUT, 0, NULL, NULL };
	struct counter bad = { 0, 99, BOT_EINVALID, 0, NULL, NULL };
	struct counter auth = { 0, 99, BOT_EAUTH, 0, NULL, NULL };
	struct json *r = NULL, *shown = NULL;
	const struct json *step;
	int64_t n;

	opts.sleep_ms = record_sleep;
	opts.sleep_data = &s;
	ok(journal_run_begin(&run, j, "retry-1", "scan", "cli", &opts) == 0, "begins a run");

	is_int(journal_step(&r, run, "flaky", &retry, counting_step, &always), BOT_ETRANSIENT,
	       "a step that keeps failing transiently fails with its code");
	is_int(atomic_load(&always.calls), 3, "after exactly max_attempts calls");
	is_int(s.nr, 2, "waiting between attempts, not after the last");
	ok(s.ms[0] == 100 && s.ms[1] == 150, "exponential backoff up to the cap (%d, %d)", s.ms[0], s.ms[1]);
	like(bot_error_last(), "step 'flaky' failed after 3 attempts: call 3 refused by the peer",
	     "the message names the step, the attempts and the last error");

	s.nr = 0;
	ok(journal_step(&r, run, "recovers", &retry, counting_step, &twice) == 0 && result_n(r) == 3,
	   "a step that fails twice with timeouts and then succeeds");
	json_free(r);
	r = NULL;
	is_int(s.nr, 2, "waited twice");

	s.nr = 0;
	is_int(journal_step(&r, run, "bad-request", &retry, counting_step, &bad), BOT_EINVALID,
	       "an invalid request");
	is_int(atomic_load(&bad.calls), 1, "fails at once");
	is_int(s.nr, 0, "without waiting");
	is_int(journal_step(&r, run, "refused", &retry, counting_step, &auth), BOT_EAUTH,
	       "refused credentials");
	is_int(atomic_load(&auth.calls), 1, "fail at once too");

	ok(journal_error_is_retryable(BOT_ERATELIMIT) && journal_error_is_retryable(BOT_EIO) &&
	   !journal_error_is_retryable(BOT_ENOTFOUND) && !journal_error_is_retryable(BOT_ERROR) &&
	   !journal_error_is_retryable(BOT_ECONFLICT), "which codes are retryable");
	journal_run_finish(run, BOT_ETRANSIENT);
	journal_run_free(run);

	ok(journal_run_show(&shown, j, "retry-1") == 0, "shows the run");
	is_str(json_str_value(json_get(shown, "status")), "failed", "the run failed");
	step = json_get(shown, "steps[0]");
	is_str(json_str_value(json_get(step, "name")), "flaky", "steps in the order they ran");
	is_str(json_str_value(json_get(step, "status")), "failed", "the flaky step failed");
	ok(json_get_int(&n, step, "attempts") == 0 && n == 3, "with 3 attempts");
	is_int(json_size(json_get(step, "failures")), 3, "each failed attempt recorded");
	ok(json_get_int(&n, step, "failures[2].attempt") == 0 && n == 3, "with its number");
	is_str(json_str_value(json_get(step, "failures[1].error")), "call 2 refused by the peer",
	       "with its error");
	is_str(json_str_value(json_get(step, "failures[1].error_code")), "transient", "and its code");
	ok(json_get(step, "failures[0].duration_ms") && json_type(json_get(step, "failures[0].duration_ms")) == JSON_NUMBER,
	   "and its duration");
	step = json_get(shown, "steps[1]");
	is_str(json_str_value(json_get(step, "status")), "succeeded", "the recovering step succeeded");
	is_int(json_size(json_get(step, "failures")), 2, "after two recorded failures");
	ok(json_get_int(&n, step, "result.n") == 0 && n == 3, "its result is shown");
	json_free(shown);
}

static void test_resume(struct journal *j)
{
	struct journal_retry once = { 1, 0, 0 };
	struct journal_run *run;
	struct counter first = { 0 }, second = { 0, 1, BOT_ETRANSIENT, 0, NULL, NULL }, third = { 0 };
	struct json *r = NULL, *shown = NULL;
	int rc;

	ok(journal_run_begin(&run, j, "resume-1", "scan", "schedule", NULL) == 0, "begins");
	ok(journal_step(&r, run, "one", &once, counting_step, &first) == 0, "step one succeeds");
	json_free(r);
	r = NULL;
	rc = journal_step(&r, run, "two", &once, counting_step, &second);
	is_int(rc, BOT_ETRANSIENT, "step two exhausts its single attempt");
	ok(strstr(bot_error_last(), "step 'two' failed after 1 attempt: ") != NULL,
	   "saying so in English: %s", bot_error_last());
	journal_run_finish(run, rc);
	journal_run_free(run);
	journal_run_show(&shown, j, "resume-1");
	is_str(json_str_value(json_get(shown, "status")), "failed", "the run is failed");
	like(json_str_value(json_get(shown, "error")), "step 'two' failed", "with the step's error");
	json_free(shown);

	ok(journal_run_begin(&run, j, "resume-1", "scan", "schedule", NULL) == 0, "resumes the failed run");
	ok(journal_step(&r, run, "one", &once, counting_step, &first) == 0, "step one again");
	json_free(r);
	r = NULL;
	is_int(atomic_load(&first.calls), 1, "comes from the journal");
	ok(journal_step(&r, run, "two", &once, counting_step, &second) == 0, "step two is retried");
	json_free(r);
	r = NULL;
	is_int(atomic_load(&second.calls), 2, "and called again");
	ok(journal_step(&r, run, "three", &once, counting_step, &third) == 0, "the run goes on");
	json_free(r);
	ok(journal_run_finish(run, 0) == 0, "and succeeds");
	journal_run_free(run);

	journal_run_show(&shown, j, "resume-1");
	{
		int64_t n = 0;
		is_str(json_str_value(json_get(shown, "status")), "succeeded", "the run is succeeded");
		json_get_int(&n, shown, "steps[1].attempts");
		is_int(n, 2, "attempt numbers go on across executions");
		ok(json_get_int(&n, shown, "resumes") == 0 && n == 1, "one resume counted");
		is_str(json_str_value(json_get(shown, "trigger")), "schedule", "the trigger is kept");
	}
	json_free(shown);
}

/* A step that keeps what it made for its caller: {"n":calls} in *out, calls in *data. */
static int kept_step(struct json **out, void *data)
{
	int *calls = data;

	++*calls;
	*out = json_new_object();
	json_set_num(*out, "n", *calls);
	return JOURNAL_KEPT;
}

static void test_kept(struct journal *j)
{
	struct journal_retry once = { 1, 0, 0 };
	struct journal_run *run;
	struct json *before = json_new_null(), *r = before; /* not NULL: the step must set it */
	int calls = 0;

	ok(journal_run_begin(&run, j, "kept-1", "scan", "cli", NULL) == 0, "begins");
	ok(journal_step(&r, run, "observe", &once, kept_step, &calls) == 0, "a kept step succeeds");
	ok(r == NULL, "its caller gets no result back: it has what the step kept");
	json_free(before);
	journal_run_finish(run, BOT_ETRANSIENT);
	journal_run_free(run);

	ok(journal_run_begin(&run, j, "kept-1", "scan", "cli", NULL) == 0, "resumes");
	ok(journal_step(&r, run, "observe", &once, kept_step, &calls) == 0, "the kept step again");
	is_int(calls, 1, "comes from the journal");
	is_int(result_n(r), 1, "as the result the step recorded");
	json_free(r);
	journal_run_finish(run, 0);
	journal_run_free(run);
}

static int always_fail_step(struct json **out, void *data)
{
	(void)out;
	(void)data;
	return bot_error(BOT_ENOTFOUND, "no such service");
}

static void test_parallel(struct journal *j)
{
	struct journal_run *run;
	atomic_int active = 0, max_active = 0;
	struct counter c[4];
	struct journal_task tasks[5];
	const char *names[4] = { "observe:api", "observe:worker", "observe:db", "observe:web" };
	struct json *shown;
	int i, rc;

	memset(tasks, 0, sizeof(tasks));
	for (i = 0; i < 4; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].sleep_ms = 150;
		c[i].active = &active;
		c[i].max_active = &max_active;
		tasks[i].name = names[i];
		tasks[i].fn = counting_step;
		tasks[i].data = &c[i];
	}
	tasks[4].name = "observe:broken";
	tasks[4].fn = always_fail_step;

	ok(journal_run_begin(&run, j, "parallel-1", "scan", "cli", NULL) == 0, "begins");
	rc = journal_step_parallel(run, tasks, 5, NULL, 0);
	is_int(rc, BOT_ENOTFOUND, "one failing task makes the batch fail with its code");
	like(bot_error_last(), "step 'observe:broken' failed: no such service", "and its message");
	ok(atomic_load(&max_active) > 1, "tasks ran at the same time (up to %d)", atomic_load(&max_active));
	for (i = 0; i < 4; i++)
		ok(tasks[i].error == 0 && result_n(tasks[i].result) == 1, "task %s has its result", names[i]);
	ok(tasks[4].error == BOT_ENOTFOUND && tasks[4].result == NULL && tasks[4].message,
	   "the failed task has its code and message");
	journal_tasks_release(tasks, 5);
	journal_run_finish(run, rc);
	journal_run_free(run);

	ok(journal_run_begin(&run, j, "parallel-1", "scan", "cli", NULL) == 0, "resumes");
	tasks[4].fn = counting_step;
	tasks[4].data = &c[0];
	rc = journal_step_parallel(run, tasks, 5, NULL, 2);
	is_int(rc, 0, "the batch succeeds on two threads");
	is_int(atomic_load(&c[1].calls) + atomic_load(&c[2].calls) + atomic_load(&c[3].calls), 3,
	       "the tasks that had succeeded were not called again");
	is_int(atomic_load(&c[0].calls), 2, "only the failed one was (through c[0])");
	journal_tasks_release(tasks, 5);
	journal_run_finish(run, 0);
	journal_run_free(run);

	journal_run_show(&shown, j, "parallel-1");
	is_int(json_size(json_get(shown, "steps")), 5, "five steps journaled");
	json_free(shown);
}

/*
 * A child that takes run `id` with a short stale timeout, then does what
 * the pipe says. 4s rather than less: the check that a stalled holder still
 * holds its lock must run inside that window even on a loaded machine.
 */
static pid_t lock_child(const char *path, const char *id, int *to_child, int *from_child)
{
	int down[2], up[2];
	pid_t pid;

	if (pipe(down) < 0 || pipe(up) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct journal *cj;
		struct journal_run *run;
		struct journal_run_options o = JOURNAL_RUN_OPTIONS_INIT;
		struct counter c = { 0 };
		struct json *r = NULL;
		char cmd = 0;
		int rc;

		close(down[1]);
		close(up[0]);
		o.lock_stale_ms = 4000;
		if (journal_open(&cj, path) < 0 || journal_run_begin(&run, cj, id, "scan", "cli", &o) < 0)
			_exit(3);
		if (write(up[1], "r", 1) != 1)
			_exit(4);
		if (read(down[0], &cmd, 1) != 1)
			_exit(5);
		if (cmd == 'x') /* exit without releasing anything, as a crash would */
			_exit(0);
		rc = journal_step(&r, run, "late", NULL, counting_step, &c);
		_exit(rc == BOT_ECONFLICT ? 42 : rc == 0 ? 0 : 6);
	}
	close(down[0]);
	close(up[1]);
	*to_child = down[1];
	*from_child = up[0];
	return pid;
}

static void test_locks(struct journal *j, const char *path)
{
	struct journal_run_options wait = JOURNAL_RUN_OPTIONS_INIT;
	struct journal_run *a, *b = NULL;
	int64_t t0;
	int to_child, from_child, status;
	char c;
	pid_t pid;
	long waited;

	ok(journal_run_begin(&a, j, "lock-1", "scan", "cli", NULL) == 0, "one handle takes the run");
	is_int(journal_run_begin(&b, j, "lock-1", "scan", "cli", NULL), BOT_ECONFLICT,
	       "a second one, even in the same process, is refused");
	like(bot_error_last(), "is being run by process", "naming the holder: %s", bot_error_last());
	wait.lock_wait_ms = 400;
	t0 = time_monotonic_ms();
	is_int(journal_run_begin(&b, j, "lock-1", "scan", "cli", &wait), BOT_ECONFLICT,
	       "waiting does not help while it is held");
	waited = (long)(time_monotonic_ms() - t0);
	ok(waited >= 400 && waited < 3000, "it waited about lock_wait_ms (%ldms)", waited);
	journal_run_free(a);
	ok(journal_run_begin(&b, j, "lock-1", "scan", "cli", NULL) == 0, "once released it can be taken");
	journal_run_finish(b, 0);
	journal_run_free(b);
	b = NULL; /* a failed begin leaves it as it is: never free it twice */

	/* A holder that died: its lock is stale at once on the same host. */
	pid = lock_child(path, "lock-2", &to_child, &from_child);
	ok(read(from_child, &c, 1) == 1, "a child process holds run lock-2");
	ok(journal_run_begin(&b, j, "lock-2", "scan", "cli", NULL) == BOT_ECONFLICT, "which is refused to us");
	if (write(to_child, "x", 1) != 1)
		diag("cannot talk to the child");
	waitpid(pid, &status, 0);
	ok(journal_run_begin(&b, j, "lock-2", "scan", "cli", NULL) == 0,
	   "when the holder died without releasing, the run is taken over at once");
	journal_run_free(b);
	b = NULL;
	close(to_child);
	close(from_child);

	/* A holder that stalls (SIGSTOP: alive, no heartbeat) loses the lock after the stale timeout. */
	pid = lock_child(path, "lock-3", &to_child, &from_child);
	ok(read(from_child, &c, 1) == 1, "a child process holds run lock-3 (stale after 4000ms)");
	kill(pid, SIGSTOP);
	ok(journal_run_begin(&b, j, "lock-3", "scan", "cli", NULL) == BOT_ECONFLICT,
	   "a stalled holder still holds the lock before its expiry");
	time_sleep_ms(5000);
	ok(journal_run_begin(&b, j, "lock-3", "scan", "cli", NULL) == 0,
	   "after the stale timeout it is taken over");
	kill(pid, SIGCONT);
	if (write(to_child, "s", 1) != 1)
		diag("cannot talk to the child");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	   "the old holder's next step commit is refused (fencing), exit %d", WEXITSTATUS(status));
	if (b)
		journal_run_finish(b, 0);
	journal_run_free(b);
	close(to_child);
	close(from_child);
}

/* A pid that is surely gone: a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/*
 * Makes run `id` (which must exist) look held by pid on host until a
 * minute from now, as another process's row would. Its expiry keeps the
 * lock live, so only the dead-process shortcut can free it at once.
 */
static int forge_lock(const char *path, const char *id, long long pid, const char *host)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		if (sqlite3_prepare_v2(db, "UPDATE runs SET lock_owner = 'forged@' || ?3 || '#0000',"
				       " lock_pid = ?2, lock_host = ?3, lock_expires = ?4,"
				       " status = 'running' WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, pid);
			sqlite3_bind_text(st, 3, host, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, time_wall_ms() + 60000);
			if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1)
				rc = 0;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}

/* Creates run id and releases it, so that forge_lock() has a row to change. */
static int make_run(struct journal *j, const char *id)
{
	struct journal_run *run;

	if (journal_run_begin(&run, j, id, "scan", "cli", NULL) < 0)
		return -1;
	journal_run_finish(run, 0);
	journal_run_free(run);
	return 0;
}

/*
 * What exactly frees a lock before its expiry: its pid, probed with
 * kill(pid, 0), is gone (ESRCH) and the row names this host. A pid on
 * another host, a pid that is not a process id, or a process that lives
 * but may not be signalled (EPERM) keeps the lock until it expires.
 */
static void test_lock_shortcut(struct journal *j, const char *path)
{
	struct journal_run *run = NULL;
	char host[256] = "";
	pid_t gone = dead_pid();
	const char *ids[] = { "gone-1", "gone-2", "gone-3" };
	size_t i;

	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "unknown");
	for (i = 0; i < sizeof(ids) / sizeof(*ids); i++)
		if (make_run(j, ids[i]) < 0)
			ok(0, "cannot create run %s: %s", ids[i], bot_error_last());

	ok(gone > 0 && forge_lock(path, "gone-1", gone, host) == 0,
	   "run gone-1 is held for another minute by process %ld, which has exited", (long)gone);
	is_int(journal_run_begin(&run, j, "gone-1", "scan", "cli", NULL), 0,
	       "a lock whose process is gone from this host is taken over at once, before its expiry");
	if (run) {
		journal_run_finish(run, 0);
		journal_run_free(run);
		run = NULL;
	}

	ok(forge_lock(path, "gone-2", gone, "another-host.invalid") == 0,
	   "run gone-2 is held by the same pid on another host");
	is_int(journal_run_begin(&run, j, "gone-2", "scan", "cli", NULL), BOT_ECONFLICT,
	       "that pid says nothing about the other host: the lock holds until it expires");
	journal_run_free(run);
	run = NULL;

	ok(forge_lock(path, "gone-3", -(long long)gone, host) == 0,
	   "run gone-3 is held by a negative pid on this host");
	is_int(journal_run_begin(&run, j, "gone-3", "scan", "cli", NULL), BOT_ECONFLICT,
	       "a pid that names no process is not probed (kill would take it as a group): the lock holds");
	journal_run_free(run);
}

/*
 * A holder that lives but that we may not signal (kill gives EPERM, not
 * ESRCH) still holds its lock. Init (pid 1) is such a process for anyone
 * but root, so as root a child drops to nobody first, in a journal of its own.
 */
static void test_lock_of_unsignalled_holder(void)
{
	char sub[300];
	pid_t pid;
	int status = 0;

	/* In /tmp, not $TMPDIR: nobody must be able to reach it. */
	snprintf(sub, sizeof(sub), "%s", "/tmp/test-journal-eperm-XXXXXX");
	if (!mkdtemp(sub) || chmod(sub, 0777) < 0) {
		ok(0, "a temporary directory for the unprivileged child");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct journal *cj;
		struct journal_run *run;
		char host[256] = "", path[400];

		if (getuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(77);
		if (kill(1, 0) == 0 || errno != EPERM)
			_exit(77);
		if (gethostname(host, sizeof(host) - 1) < 0)
			snprintf(host, sizeof(host), "unknown");
		snprintf(path, sizeof(path), "%s/state.db", sub);
		if (journal_open(&cj, path) < 0 || make_run(cj, "eperm-1") < 0 ||
		    forge_lock(path, "eperm-1", 1, host) < 0)
			_exit(3);
		_exit(journal_run_begin(&run, cj, "eperm-1", "scan", "cli", NULL) == BOT_ECONFLICT ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		ok(0, "cannot fork");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		skip(1, "cannot be a user that may not signal pid 1");
	else
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "a lock whose holder lives but may not be signalled (EPERM) holds (exit %d)",
		   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	{
		const char *files[] = { "state.db", "state.db-wal", "state.db-shm", "state.db-journal" };
		char f[400];
		size_t i;

		for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
			snprintf(f, sizeof(f), "%s/%s", sub, files[i]);
			unlink(f);
		}
		if (rmdir(sub) < 0)
			diag("cannot remove %s", sub);
	}
}

static void test_prune(struct journal *j)
{
	struct journal_run *run;
	struct json *list = NULL;
	struct counter c = { 0 };
	struct json *r = NULL;
	size_t before;
	int rc;

	ok(journal_run_begin(&run, j, "old-1", "scan", "cli", NULL) == 0, "an old run");
	journal_step(&r, run, "s", NULL, counting_step, &c);
	json_free(r);
	journal_run_finish(run, 0);
	journal_run_free(run);
	ok(journal_run_begin(&run, j, "unfinished-1", "scan", "cli", NULL) == 0, "an unfinished run");
	journal_run_free(run);

	journal_runs_list(&list, j, 0);
	before = json_size(list);
	json_free(list);
	is_int(journal_prune(j, 3600 * 1000), 0, "nothing is older than an hour");
	time_sleep_ms(20);
	rc = journal_prune(j, 10);
	ok(rc >= 1, "runs finished more than 10ms ago are pruned (%d)", rc);
	journal_runs_list(&list, j, 0);
	is_int(json_size(list), before - (size_t)rc, "they are gone from the list");
	is_str(json_str_value(json_get(list, "[0].id")), "unfinished-1", "the unfinished run is kept");
	ok(json_get(list, "[0].locked") && !json_bool_value(json_get(list, "[0].locked")),
	   "and shows as not locked (interrupted)");
	json_free(list);
	ok(journal_run_show(&list, j, "old-1") == BOT_ENOTFOUND, "its steps went with it");
}

/* Retention is applied by journal_run_begin itself: old finished runs go, unfinished ones stay. */
static void test_retention_on_begin(struct journal *j)
{
	struct journal_run_options keep_10ms = JOURNAL_RUN_OPTIONS_INIT, keep_all = JOURNAL_RUN_OPTIONS_INIT;
	struct journal_run *run;
	struct json *shown = NULL;

	keep_10ms.retention_ms = 10;
	keep_all.retention_ms = 0;
	ok(journal_run_begin(&run, j, "ret-old", "scan", "cli", &keep_all) == 0, "a run that finishes");
	journal_run_finish(run, 0);
	journal_run_free(run);
	ok(journal_run_begin(&run, j, "ret-unfinished", "scan", "cli", &keep_all) == 0, "a run left unfinished");
	journal_run_free(run);
	time_sleep_ms(30);
	ok(journal_run_begin(&run, j, "ret-new", "scan", "cli", &keep_all) == 0 &&
	   journal_run_show(&shown, j, "ret-old") == 0, "retention 0 prunes nothing when a run begins");
	json_free(shown);
	shown = NULL;
	journal_run_finish(run, 0);
	journal_run_free(run);
	time_sleep_ms(30);
	ok(journal_run_begin(&run, j, "ret-newest", "scan", "cli", &keep_10ms) == 0, "a run begins with a 10ms retention");
	is_int(journal_run_show(&shown, j, "ret-old"), BOT_ENOTFOUND, "the old finished run was pruned as it began");
	ok(journal_run_show(&shown, j, "ret-unfinished") == 0, "the unfinished one was kept");
	json_free(shown);
	journal_run_finish(run, 0);
	journal_run_free(run);
}

static void test_list(struct journal *j)
{
	struct json *list = NULL;
	int i;

	for (i = 0; i < 3; i++) {
		struct journal_run *run;
		char id[32];
		snprintf(id, sizeof(id), "list-%d", i);
		journal_run_begin(&run, j, id, "event", "issue_comment", NULL);
		journal_run_finish(run, 0);
		journal_run_free(run);
		time_sleep_ms(3);
	}
	ok(journal_runs_list(&list, j, 2) == 0, "lists runs");
	is_int(json_size(list), 2, "limited");
	is_str(json_str_value(json_get(list, "[0].id")), "list-2", "newest first");
	is_str(json_str_value(json_get(list, "[0].workflow")), "event", "with the workflow");
	is_str(json_str_value(json_get(list, "[0].trigger")), "issue_comment", "the trigger");
	is_str(json_str_value(json_get(list, "[0].status")), "succeeded", "the status");
	ok(json_type(json_get(list, "[0].duration_ms")) == JSON_NUMBER, "and a duration");
	json_free(list);
}

/* Begins id with fingerprint fp (NULL: none); returns journal_run_begin's code. */
static int begin_with(struct journal_run **run, struct journal *j, const char *id, const char *fp)
{
	struct journal_run_options o = JOURNAL_RUN_OPTIONS_INIT;

	o.fingerprint = fp;
	return journal_run_begin(run, j, id, "scan", "cli", &o);
}

/* The fingerprint `runs show` has for id, into buf ("(null)" when none, "(error)" when no run). */
static const char *shown_fingerprint(struct journal *j, const char *id, char *buf, size_t n)
{
	struct json *show = NULL;
	const struct json *fp;

	if (journal_run_show(&show, j, id) < 0) {
		snprintf(buf, n, "(error)");
		return buf;
	}
	fp = json_get(show, "fingerprint");
	snprintf(buf, n, "%s", fp && json_type(fp) == JSON_STRING ? json_str_value(fp) : "(null)");
	json_free(show);
	return buf;
}

static void test_fingerprint(struct journal *j)
{
	struct journal_run *run = NULL;
	struct counter c = { 0 };
	struct json *r = NULL;
	char buf[80];

	ok(begin_with(&run, j, "fp-1", FP_A) == 0, "a run begun with a fingerprint");
	ok(journal_step(&r, run, "observe", NULL, counting_step, &c) == 0 && result_n(r) == 1,
	   "runs its step");
	json_free(r);
	r = NULL;
	journal_run_finish(run, 0);
	journal_run_free(run);
	is_str(shown_fingerprint(j, "fp-1", buf, sizeof(buf)), FP_A, "records it");

	ok(begin_with(&run, j, "fp-1", FP_A) == 0, "the same inputs resume it");
	ok(journal_step(&r, run, "observe", NULL, counting_step, &c) == 0 && result_n(r) == 1 &&
	   atomic_load(&c.calls) == 1, "with the stored result, no call");
	json_free(r);
	r = NULL;
	journal_run_finish(run, 0);
	journal_run_free(run);

	run = NULL;
	is_int(begin_with(&run, j, "fp-1", FP_B), BOT_EINVALID, "other inputs under the same id are refused");
	ok(run == NULL, "with no run handed out, so no stored step can be reused");
	like(bot_error_last(), "run 'fp-1' was started with other inputs (fingerprint aaaa00010000, now bbbb00020000)",
	     "saying so: %s", bot_error_last());
	like(bot_error_last(), "use a new --run-id", "and what to do");
	is_str(shown_fingerprint(j, "fp-1", buf, sizeof(buf)), FP_A, "the run keeps its fingerprint");
	{
		struct json *show = NULL;
		journal_run_show(&show, j, "fp-1");
		is_str(show ? json_str_value(json_get(show, "status")) : "?", "succeeded",
		       "and its status: the refusal changed nothing");
		json_free(show);
	}

	/* A holder of the run does not hide the refusal behind "busy". */
	ok(begin_with(&run, j, "fp-2", FP_A) == 0, "a run in progress");
	{
		struct journal_run *second = NULL;
		is_int(begin_with(&second, j, "fp-2", FP_B), BOT_EINVALID,
		       "begun again with other inputs: refused as other inputs, not as busy");
		if (second)
			journal_run_free(second);
	}
	journal_run_finish(run, 0);
	journal_run_free(run);

	/* Callers without a fingerprint neither check nor change it. */
	ok(begin_with(&run, j, "fp-1", NULL) == 0, "a caller without a fingerprint resumes it");
	journal_run_finish(run, 0);
	journal_run_free(run);
	is_str(shown_fingerprint(j, "fp-1", buf, sizeof(buf)), FP_A, "leaving the fingerprint as it was");

	ok(begin_with(&run, j, "fp-3", NULL) == 0, "a run begun without a fingerprint");
	journal_run_finish(run, 0);
	journal_run_free(run);
	is_str(shown_fingerprint(j, "fp-3", buf, sizeof(buf)), "(null)", "has none");
	ok(begin_with(&run, j, "fp-3", FP_B) == 0, "is resumed by a caller with one");
	journal_run_finish(run, 0);
	journal_run_free(run);
	is_str(shown_fingerprint(j, "fp-3", buf, sizeof(buf)), FP_B, "which records it now");
	run = NULL;
	is_int(begin_with(&run, j, "fp-3", FP_A), BOT_EINVALID, "and from then on refuses other inputs");
}

/* The DDL of schema version 1, as the autofix before fingerprints wrote it. */
static const char schema_v1[] =
	"CREATE TABLE runs ("
	" id TEXT PRIMARY KEY, workflow TEXT NOT NULL, trigger TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('running','succeeded','failed')),"
	" started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER,"
	" resumes INTEGER NOT NULL DEFAULT 0, error TEXT,"
	" lock_owner TEXT, lock_pid INTEGER, lock_host TEXT, lock_expires INTEGER);"
	"CREATE INDEX runs_started ON runs(started_at);"
	"CREATE TABLE steps ("
	" run_id TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('running','succeeded','failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0, result TEXT, error TEXT, error_code INTEGER,"
	" started_at INTEGER, finished_at INTEGER, duration_ms INTEGER,"
	" PRIMARY KEY (run_id, name));"
	"CREATE TABLE attempts ("
	" run_id TEXT NOT NULL, step TEXT NOT NULL, attempt INTEGER NOT NULL,"
	" at INTEGER NOT NULL, duration_ms INTEGER NOT NULL,"
	" error_code INTEGER NOT NULL, error TEXT,"
	" PRIMARY KEY (run_id, step, attempt));"
	/* Finished now, so that pruning (7 days) leaves it. */
	"INSERT INTO runs (id, workflow, trigger, status, started_at, updated_at, finished_at)"
	" VALUES ('old-run', 'scan', 'cli', 'succeeded', CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 1000,"
	" CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000);"
	"INSERT INTO steps (run_id, name, seq, status, attempts, result, started_at, finished_at,"
	" duration_ms) VALUES ('old-run', 'observe', 1, 'succeeded', 1, '{\"n\":41}', 1000, 2000, 1000);"
	"PRAGMA user_version = 1;";

static int file_version(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int version = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return version;
}

static void test_migration(void)
{
	char *path = db_path("v1.db");
	struct journal *j = NULL;
	struct journal_run *run = NULL;
	struct counter c = { 0 };
	struct json *r = NULL;
	sqlite3 *db = NULL;
	char buf[80];

	ok(sqlite3_open(path, &db) == SQLITE_OK &&
	   sqlite3_exec(db, schema_v1, NULL, NULL, NULL) == SQLITE_OK,
	   "a state file of schema version 1 with a finished run");
	sqlite3_close(db);
	is_int(file_version(path), 1, "is at version 1");

	if (journal_open(&j, path) < 0) {
		ok(0, "cannot open the version 1 file: %s", bot_error_last());
		return;
	}
	ok(1, "opens");
	is_int(file_version(path), 2, "and is upgraded to version 2");
	is_str(shown_fingerprint(j, "old-run", buf, sizeof(buf)), "(null)",
	       "its old run has no fingerprint: unknown");
	ok(begin_with(&run, j, "old-run", FP_A) == 0, "which does not refuse a fingerprint");
	ok(run && journal_step(&r, run, "observe", NULL, counting_step, &c) == 0 && result_n(r) == 41 &&
	   atomic_load(&c.calls) == 0, "its stored step is kept");
	json_free(r);
	if (run) {
		journal_run_finish(run, 0);
		journal_run_free(run);
	}
	is_str(shown_fingerprint(j, "old-run", buf, sizeof(buf)), FP_A, "the fingerprint is recorded now");
	run = NULL;
	is_int(begin_with(&run, j, "old-run", FP_B), BOT_EINVALID, "so that other inputs are refused later");
	journal_close(j);

	j = NULL;
	ok(journal_open(&j, path) == 0 && file_version(path) == 2, "an upgraded file opens again as it is");
	is_str(j ? shown_fingerprint(j, "old-run", buf, sizeof(buf)) : "(not open)", FP_A,
	       "keeping what it recorded");
	journal_close(j);

	path = db_path("negative.db");
	db = NULL;
	ok(sqlite3_open(path, &db) == SQLITE_OK &&
	   sqlite3_exec(db, "PRAGMA user_version = -3", NULL, NULL, NULL) == SQLITE_OK,
	   "a state file with a schema version no autofix wrote");
	sqlite3_close(db);
	j = NULL;
	is_int(journal_open(&j, path), BOT_EINVALID, "is refused, not upgraded");
	like(bot_error_last(), "schema version -3, which this autofix cannot upgrade", "saying so: %s",
	     bot_error_last());
	is_int(file_version(path), -3, "and left as it was");
	journal_close(j);
}

/* A step whose result is larger than the free room in a small database file. */
static int big_step(struct json **out, void *data)
{
	char *text = malloc(256 * 1024 + 1);

	(void)data;
	if (!text)
		return bot_error(BOT_ERROR, "out of memory");
	memset(text, 'x', 256 * 1024);
	text[256 * 1024] = '\0';
	*out = json_new_str(text);
	free(text);
	return 0;
}

/* A step's status as another program reading the file sees it; "absent" when none. */
static const char *stored_status(const char *path, const char *run, const char *step, char *buf,
				 size_t n)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	snprintf(buf, n, "absent");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(buf, n, "unreadable");
	} else if (sqlite3_prepare_v2(db, "SELECT status FROM steps WHERE run_id = ?1 AND name = ?2",
				      -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, step, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return buf;
}

/*
 * The disk fills up in the middle of a run (AUTOFIX_JOURNAL_FULL_AT_STEP
 * caps the file at its size before step 2 commits): the step whose result
 * no longer fits still returns it, and the run goes on without the journal.
 */
static void test_disk_full(void)
{
	struct journal_retry once = { 1, 0, 0 };
	struct journal *j;
	struct journal_run *run;
	struct counter first = { 0 }, third = { 0 };
	struct json *r = NULL;
	char *path = db_path("full.db"), buf[64];
	const char *s;
	int rc;

	if (journal_open(&j, path) < 0) {
		ok(0, "cannot open %s: %s", path, bot_error_last());
		return;
	}
	setenv("AUTOFIX_JOURNAL_FULL_AT_STEP", "big", 1);
	rc = journal_run_begin(&run, j, "full-1", "scan", "cli", NULL);
	unsetenv("AUTOFIX_JOURNAL_FULL_AT_STEP");
	ok(rc == 0, "a run begins");
	if (rc < 0) {
		journal_close(j);
		return;
	}
	ok(journal_step(&r, run, "one", &once, counting_step, &first) == 0, "step one is recorded");
	json_free(r);
	r = NULL;
	rc = journal_step(&r, run, "big", &once, big_step, NULL);
	is_int(rc, 0, "a step whose commit finds the disk full still succeeds (%s)",
	       rc < 0 ? bot_error_last() : "ok");
	s = r ? json_str_value(r) : NULL;
	ok(s && strlen(s) == 256 * 1024, "and returns its result to the caller");
	json_free(r);
	r = NULL;
	rc = journal_step(&r, run, "three", &once, counting_step, &third);
	ok(rc == 0 && result_n(r) == 1, "the next step runs, without the journal (%s)",
	   rc < 0 ? bot_error_last() : "ok");
	json_free(r);
	journal_run_finish(run, 0);
	journal_run_free(run);
	journal_close(j);

	is_str(stored_status(path, "full-1", "one", buf, sizeof(buf)), "succeeded",
	       "step one is in the file");
	ok(strcmp(stored_status(path, "full-1", "big", buf, sizeof(buf)), "succeeded") != 0,
	   "the step that did not fit is not recorded as done (%s)", buf);
	is_str(stored_status(path, "full-1", "three", buf, sizeof(buf)), "absent",
	   "the step after it is not recorded at all");
}

/* Takes the run away from its holder, as a process that found its lock stale would. */
static int steal_lock_step(struct json **out, void *data)
{
	const char *path = data;
	sqlite3 *db;
	int rc = -1;

	*out = json_new_null();
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_exec(db, "UPDATE runs SET lock_owner = 'someone@else#0000'"
				      " WHERE id = 'stolen-1'", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : bot_error(BOT_ERROR, "could not steal the lock");
}

/* Losing the lock during a step is not the disk's fault: the step still fails. */
static void test_lost_lock_fails(struct journal *j, const char *path)
{
	struct journal_retry once = { 1, 0, 0 };
	struct journal_run *run;
	struct json *r = NULL;
	int rc;

	if (journal_run_begin(&run, j, "stolen-1", "scan", "cli", NULL) < 0) {
		ok(0, "cannot begin: %s", bot_error_last());
		return;
	}
	rc = journal_step(&r, run, "one", &once, steal_lock_step, (void *)path);
	is_int(rc, BOT_ECONFLICT, "a step whose run was taken over meanwhile fails");
	like(bot_error_last(), "lost its lock", "saying so: %s", bot_error_last());
	ok(r == NULL, "without a result");
	journal_run_free(run);
}

/* A step whose result and error quote a secret, the way a server echoes a token. */
#define ECHO_SECRET "s3cr\"et\\tok_EN-42"

static int echo_step(struct json **out, void *data)
{
	if (data)
		return bot_error(BOT_EAUTH, "server said: token '%s' refused", ECHO_SECRET);
	*out = json_new_object();
	json_set_str(*out, "echo", "before " ECHO_SECRET " after");
	json_set_num(*out, ECHO_SECRET, 1);
	return 0;
}

/* Whether the file at path (if any) holds needle, byte for byte. */
static int file_holds(const char *path, const char *needle)
{
	struct strbuf sb = STRBUF_INIT;
	int found = 0;

	if (strbuf_read_file(&sb, path, 0) == 0)
		found = memmem(sb.buf, sb.len, needle, strlen(needle)) != NULL;
	strbuf_release(&sb);
	return found;
}

/*
 * No secret at rest: what the journal writes goes through the logs'
 * redaction, results in their strings (a secret holding '"' or '\\' is
 * escaped in JSON text, so masking the text would miss it or break it).
 */
static void test_secrets(void)
{
	struct journal *j = NULL;
	struct journal_run *run = NULL;
	struct json *r = NULL, *shown = NULL;
	char path[512];
	const char *suffixes[] = { "", "-wal", "-shm" };
	char file[600];
	char *text;
	struct stat st;
	size_t i;
	int leaked = 0;

	snprintf(path, sizeof(path), "%s", db_path("secrets/state.db")); /* db_path's buffer is reused */
	log_add_secret(ECHO_SECRET);
	umask(022);
	if (journal_open(&j, path) < 0 || journal_run_begin(&run, j, "sec-1", "scan", "cli", NULL) < 0) {
		ok(0, "secrets: cannot begin a run: %s", bot_error_last());
		return;
	}
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "secrets: the state file is 0600 (umask 022)");
	ok(stat(db_path("secrets"), &st) == 0 && (st.st_mode & 0777) == 0700, "secrets: its directory is 0700");
	ok(journal_step(&r, run, "echo", NULL, echo_step, NULL) == 0, "secrets: a step echoing the secret");
	snprintf(file, sizeof(file), "%s-wal", path);
	ok(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600, "secrets: the -wal file is 0600 (SQLite copies the mode)");
	snprintf(file, sizeof(file), "%s-shm", path);
	ok(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600, "secrets: so is the -shm file");
	text = json_print(r, 0);
	like(text, "before s3cr", "secrets: the caller still gets the result as the step made it");
	free(text);
	json_free(r);
	r = NULL;
	is_int(journal_step(&r, run, "refused", NULL, echo_step, "fail"), BOT_EAUTH,
	       "secrets: a step failing with a message that quotes it");
	journal_run_finish(run, BOT_EAUTH);
	journal_run_free(run);
	for (i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		leaked |= file_holds(file, "tok_EN");
	}
	ok(!leaked, "secrets: no byte of the open state files holds it");
	ok(journal_run_show(&shown, j, "sec-1") == 0, "secrets: the run can be shown");
	text = json_print(shown, 0);
	ok(!strstr(text, "tok_EN"), "secrets: nothing shown holds it");
	like(text, "\"error\":\"server said: token '***' refused\"", "secrets: errors are masked");
	like(text, "before *** after", "secrets: results are masked in their strings");
	like(text, "\"result\":{\"echo\":\"before *** after\",\"***\":1}", "secrets: and in member names, the result still JSON");
	free(text);
	json_free(shown);
	journal_close(j);
	ok(!file_holds(path, "tok_EN"), "secrets: nor the state file once closed");
	log_clear_secrets();
}

/* A step whose result is the JSON text it is given. */
static int text_step(struct json **out, void *data)
{
	const char *text = data;
	return json_parse(out, text, strlen(text));
}

static int refusing_step(struct json **out, void *data)
{
	(void)out;
	(void)data;
	return bot_error(BOT_EINVALID, "refused");
}

/* journal_sum_results(): what llm.budget.tokens_per_day reads. */
static void test_sum_results(void)
{
	static const struct journal_retry once = { 1, 0, 0 };
	static const struct { const char *name, *result; } scan_steps[] = {
		{ "plan:a", "{\"usage\":{\"input_tokens\":100,\"output_tokens\":20}}" },
		{ "plan:b", "{\"usage\":{\"input_tokens\":5.5}}" },
		{ "plan:c", "{\"usage\":{\"input_tokens\":\"lots\"}}" },
		{ "plan:d", "null" },
		{ "planx", "{\"usage\":{\"input_tokens\":1000}}" },
		{ "investigate:a", "{\"usage\":{\"input_tokens\":2000}}" },
	};
	struct journal *j;
	struct journal_run *run;
	struct json *r;
	double sum = -1;
	int64_t before;
	size_t i;

	if (journal_open(&j, JOURNAL_MEMORY) < 0) {
		ok(0, "opens a journal in memory: %s", bot_error_last());
		return;
	}
	before = time_wall_ms();
	ok(journal_run_begin(&run, j, "sum-scan", "scan", "cli", NULL) == 0, "sum: a scan run");
	ok(journal_run_get_journal(run) == j, "sum: the run knows its journal");
	for (i = 0; i < sizeof(scan_steps) / sizeof(*scan_steps); i++) {
		r = NULL;
		journal_step(&r, run, scan_steps[i].name, &once, text_step, (void *)scan_steps[i].result);
		json_free(r);
	}
	ok(journal_step(&r, run, "plan:failed", &once, refusing_step, NULL) == BOT_EINVALID,
	   "sum: a failed step");
	ok(journal_step_stored(run, "plan:a") && journal_step_stored(run, "plan:d") &&
	   !journal_step_stored(run, "plan:failed") && !journal_step_stored(run, "plan:never"),
	   "stored: succeeded steps are, failed and unknown ones are not");
	journal_run_finish(run, 0);
	journal_run_free(run);
	ok(journal_run_begin(&run, j, "sum-event", "event", "cli", NULL) == 0, "sum: an event run");
	r = NULL;
	journal_step(&r, run, "plan:a", &once, text_step, (void *)"{\"usage\":{\"input_tokens\":70000}}");
	json_free(r);
	journal_run_finish(run, 0);
	journal_run_free(run);

	ok(journal_sum_results(&sum, j, "scan", "plan:", "usage.input_tokens", before) == 0 && sum == 105.5,
	   "sum: numbers at the path of the scan's succeeded plan: steps, others and non-numbers left out");
	ok(journal_sum_results(&sum, j, "scan", "plan:", "usage.output_tokens", 0) == 0 && sum == 20,
	   "sum: another path");
	ok(journal_sum_results(&sum, j, "event", "plan:", "usage.input_tokens", 0) == 0 && sum == 70000,
	   "sum: another workflow's");
	ok(journal_sum_results(&sum, j, "scan", "plan:", "usage.input_tokens", time_wall_ms() + 60000) == 0 &&
	   sum == 0, "sum: steps finished before since do not count");
	ok(journal_sum_results(&sum, j, "scan", "pla_", "usage.input_tokens", 0) == 0 && sum == 0,
	   "sum: a prefix is literal, '_' is no wildcard");
	ok(journal_sum_results(&sum, j, "scan", "", "usage.input_tokens", 0) == 0 && sum == 3105.5,
	   "sum: an empty prefix is every step");
	ok(journal_sum_results(&sum, j, "scan", "plan:", "usage..x", 0) == BOT_EINVALID &&
	   journal_sum_results(&sum, j, "scan", "plan:", "a[0]", 0) == BOT_EINVALID &&
	   journal_sum_results(&sum, j, "scan", "plan:", "", 0) == BOT_EINVALID,
	   "sum: a path that is not dotted names is refused");
	{
		int64_t at = 0;
		ok(journal_latest_result(&sum, &at, j, "scan", "investigate:", "usage.input_tokens", before) == 0 &&
		   sum == 2000 && at >= before && at <= time_wall_ms(), "latest: the number and when its step finished");
		ok(journal_latest_result(&sum, NULL, j, "scan", "plan:", "usage.input_tokens", 0) == 0 && sum == 0,
		   "latest: the newest succeeded step (plan:d, without the number: 0), not the failed one after it");
		ok(journal_latest_result(&sum, NULL, j, "event", "plan:", "usage.input_tokens", 0) == 0 && sum == 70000,
		   "latest: another workflow's");
		ok(journal_latest_result(&sum, NULL, j, "scan", "plan:", "usage.input_tokens",
					 time_wall_ms() + 60000) == BOT_ENOTFOUND,
		   "latest: none finished since: BOT_ENOTFOUND");
		ok(journal_latest_result(&sum, NULL, j, "scan", "plan:", "a[0]", 0) == BOT_EINVALID,
		   "latest: a path that is not dotted names is refused");
	}
	journal_close(j);
}

int main(void)
{
	struct journal *j;
	const char *tmp = getenv("TMPDIR");
	char *path;

	snprintf(dir, sizeof(dir), "%s/test-journal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		skip_all("cannot make a temporary directory");

	log_set_level(LOG_ERROR); /* the retry and takeover warnings are expected here */
	test_paths_and_ids();
	test_open();
	path = db_path("state.db");
	if (journal_open(&j, path) < 0) {
		ok(0, "cannot open %s: %s", path, bot_error_last());
		return done_testing();
	}
	test_cached(j);
	test_retries(j);
	test_resume(j);
	test_kept(j);
	test_parallel(j);
	test_locks(j, path);
	test_lock_shortcut(j, path);
	test_lock_of_unsignalled_holder();
	test_prune(j);
	test_retention_on_begin(j);
	test_list(j);
	test_fingerprint(j);
	test_lost_lock_fails(j, path);
	journal_close(j);
	test_migration();
	test_disk_full();
	test_secrets();
	test_sum_results();
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
