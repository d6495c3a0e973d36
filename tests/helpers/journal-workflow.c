/*
 * A journaled workflow with real side effects, for the tests under tests/journal/.
 * It reads an issue and two services' metrics, then (on a GitHub-shaped
 * fake) creates a branch, a status comment and a label the idempotent way:
 * look for what you would create (branch name, hidden marker in a comment
 * by autofix's identity), create
 * only when it is missing. Every external call goes through bot/http.h.
 * GitHub calls carry what GitHub asks of a client: the token in
 * $FAKE_GITHUB_TOKEN, the API version, a JSON media type.
 *
 *   journal-workflow --state PATH --run-id ID --base URL
 *                    [--lock-wait MS] [--pause STEP:MS [--release FILE]]
 *   journal-workflow --check PATH     (PRAGMA integrity_check)
 *
 * --pause sleeps MS at the start of STEP (so holding the run), saying
 * "journal-workflow: process PID paused in step 'STEP'" on stderr when it
 * begins; --release FILE ends the pause as soon as FILE exists. Tests
 * wait for the one and create the other instead of guessing how long a
 * loaded machine takes.
 *
 * Steps, in order (their positions are what AUTOFIX_CRASH_*_STEP count):
 *   1 issue   2 observe:api   3 observe:worker (parallel with 2)
 *   4 branch  5 comment       6 label          7 summary (no call)
 * Prints the summary JSON on success. Exit 0 ok, 1 failed, 2 usage,
 * 3 another process holds the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "github/github.h"
#include "http.h"
#include "journal.h"
#include "util/env.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/marker.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#define BRANCH "autofix/issue-1"
/* Whom the fake says API-made comments are by: the identity autofix would have. */
#define BOT_LOGIN "autofix-test[bot]"
#define BASE_SHA "aa218f56b14c9653891f9e74264a383fa43fefbd"

struct wf {
	struct http_client *http;
	const char *base;
	const char *pause_step;
	int pause_ms;
	const char *release;
	const struct json *issue, *api, *worker, *branch, *comment, *label;
};

static void maybe_pause(struct wf *w, const char *step)
{
	int64_t end;
	struct stat st;

	if (!w->pause_step || strcmp(w->pause_step, step))
		return;
	fprintf(stderr, "journal-workflow: process %ld paused in step '%s'\n", (long)getpid(), step);
	fflush(stderr);
	end = time_monotonic_ms() + w->pause_ms;
	while (time_monotonic_ms() < end && !(w->release && stat(w->release, &st) == 0))
		time_sleep_ms(10);
}

/*
 * One request; *out is the parsed body (NULL for an empty one). Returns
 * 0 for 2xx, the error http_status_error() maps other statuses to, or
 * http_do()'s error. *status gets the status either way.
 */
static int call(struct json **out, long *status, struct wf *w, const char *method,
		const char *path, const char *body)
{
	struct http_request req;
	struct http_response resp;
	struct strbuf url = STRBUF_INIT, what = STRBUF_INIT;
	int rc;

	*out = NULL;
	strbuf_addf(&url, "%s%s", w->base, path);
	strbuf_addf(&what, "%s %s", method, path);
	http_request_init(&req, method, url.buf);
	req.no_cache = 1;
	http_request_header(&req, "Accept", "application/vnd.github+json");
	if (starts_with(path, "/repos/")) {
		const char *token = env_get("FAKE_GITHUB_TOKEN");

		http_request_header(&req, "X-GitHub-Api-Version", "2022-11-28");
		if (token)
			http_request_header(&req, "Authorization", "token %s", token);
	}
	if (body) {
		http_request_header(&req, "Content-Type", "application/json");
		strbuf_addstr(&req.body, body);
	}
	http_response_init(&resp);
	rc = http_do(w->http, &req, &resp);
	*status = resp.status;
	if (rc == 0)
		rc = http_status_error(&resp, what.buf);
	if (rc == 0 && resp.body.len)
		rc = json_parse(out, resp.body.buf, resp.body.len);
	http_response_release(&resp);
	http_request_release(&req);
	strbuf_release(&url);
	strbuf_release(&what);
	return rc;
}

static int step_issue(struct json **out, void *data)
{
	struct wf *w = data;
	struct json *issue;
	const char *title;
	long status;
	int rc;

	maybe_pause(w, "issue");
	if ((rc = call(&issue, &status, w, "GET", "/repos/octo/app/issues/1", NULL)) < 0)
		return rc;
	if ((rc = json_get_str(&title, issue, "title")) < 0) {
		json_free(issue);
		return rc;
	}
	*out = json_new_object();
	json_set_num(*out, "number", 1);
	json_set_str(*out, "title", title);
	json_free(issue);
	return 0;
}

static int observe(struct json **out, struct wf *w, const char *service)
{
	struct strbuf path = STRBUF_INIT;
	struct json *m;
	long status;
	int rc;

	maybe_pause(w, service);
	strbuf_addf(&path, "/source/metrics/%s", service);
	rc = call(&m, &status, w, "GET", path.buf, NULL);
	strbuf_release(&path);
	if (rc < 0)
		return rc;
	*out = m;
	return 0;
}

static int step_observe_api(struct json **out, void *data)
{
	return observe(out, data, "api");
}

static int step_observe_worker(struct json **out, void *data)
{
	return observe(out, data, "worker");
}

/* Creates the branch unless it exists: the branch name is its own marker. */
static int step_branch(struct json **out, void *data)
{
	struct wf *w = data;
	struct json *ref = NULL;
	struct strbuf body = STRBUF_INIT;
	long status;
	int rc, created = 0;

	maybe_pause(w, "branch");
	rc = call(&ref, &status, w, "GET", "/repos/octo/app/git/ref/heads/" BRANCH, NULL);
	if (rc == BOT_ENOTFOUND) {
		strbuf_addstr(&body, "{\"ref\":\"refs/heads/" BRANCH "\",\"sha\":\"" BASE_SHA "\"}");
		rc = call(&ref, &status, w, "POST", "/repos/octo/app/git/refs", body.buf);
		strbuf_release(&body);
		created = 1;
	}
	if (rc < 0)
		return rc;
	*out = json_new_object();
	json_set_str(*out, "ref", json_str_value(json_get(ref, "ref")));
	json_set_bool(*out, "created", created);
	json_free(ref);
	return 0;
}

/* Posts the status comment unless one by autofix already carries its marker. */
static int step_comment(struct json **out, void *data)
{
	struct wf *w = data;
	struct json *list = NULL, *made = NULL, *req;
	struct strbuf marker = STRBUF_INIT, text = STRBUF_INIT;
	const struct json *c;
	double id = -1;
	long status;
	char *body;
	int rc;

	maybe_pause(w, "comment");
	if ((rc = marker_format(&marker, "status-comment", "issue-1")) < 0)
		return rc;
	if ((rc = call(&list, &status, w, "GET", "/repos/octo/app/issues/1/comments?per_page=100",
		       NULL)) < 0)
		goto out;
	/* By marker and author: a user may have pasted the marker into a comment of their own. */
	if ((c = github_find_marked(list, "status-comment", "issue-1", BOT_LOGIN)))
		id = json_num_value(json_get(c, "id"));
	if (id < 0) {
		strbuf_addf(&text, "autofix is looking into '%s'.\n\n%s",
			    json_str_value(json_get(w->issue, "title")), marker.buf);
		req = json_new_object();
		json_set_str(req, "body", text.buf);
		body = json_print(req, 0);
		json_free(req);
		rc = call(&made, &status, w, "POST", "/repos/octo/app/issues/1/comments", body);
		free(body);
		if (rc < 0)
			goto out;
		id = json_num_value(json_get(made, "id"));
	}
	*out = json_new_object();
	json_set_num(*out, "comment_id", id);
	json_set_bool(*out, "created", made != NULL);
out:
	json_free(list);
	json_free(made);
	strbuf_release(&marker);
	strbuf_release(&text);
	return rc;
}

/* Adding a label that is already there is a no-op on GitHub: idempotent as it is. */
static int step_label(struct json **out, void *data)
{
	struct wf *w = data;
	struct json *labels;
	long status;
	int rc;

	maybe_pause(w, "label");
	if ((rc = call(&labels, &status, w, "POST", "/repos/octo/app/issues/1/labels",
		       "{\"labels\":[\"autofix\"]}")) < 0)
		return rc;
	*out = json_new_array();
	json_append(*out, json_new_str(json_str_value(json_get(labels, "[0].name"))));
	json_free(labels);
	return 0;
}

static int step_summary(struct json **out, void *data)
{
	struct wf *w = data;
	struct json *s = json_new_object();

	json_set(s, "issue", json_dup(w->issue));
	json_set(s, "api", json_dup(w->api));
	json_set(s, "worker", json_dup(w->worker));
	json_set(s, "branch", json_new_str(json_str_value(json_get(w->branch, "ref"))));
	json_set(s, "comment_id", json_dup(json_get(w->comment, "comment_id")));
	json_set(s, "labels", json_dup(w->label));
	*out = s;
	return 0;
}

static int run_workflow(struct journal_run *run, struct wf *w, struct json **summary)
{
	struct journal_retry retry = { 3, 50, 200 };
	struct json *issue = NULL, *branch = NULL, *comment = NULL, *label = NULL;
	struct journal_task observe_tasks[2] = {
		{ "observe:api", step_observe_api, w, NULL, 0, NULL },
		{ "observe:worker", step_observe_worker, w, NULL, 0, NULL },
	};
	int rc;

	if ((rc = journal_step(&issue, run, "issue", &retry, step_issue, w)) < 0)
		goto out;
	w->issue = issue;
	if ((rc = journal_step_parallel(run, observe_tasks, 2, &retry, 0)) < 0)
		goto out;
	w->api = observe_tasks[0].result;
	w->worker = observe_tasks[1].result;
	if ((rc = journal_step(&branch, run, "branch", &retry, step_branch, w)) < 0)
		goto out;
	w->branch = branch;
	if ((rc = journal_step(&comment, run, "comment", &retry, step_comment, w)) < 0)
		goto out;
	w->comment = comment;
	if ((rc = journal_step(&label, run, "label", &retry, step_label, w)) < 0)
		goto out;
	w->label = label;
	rc = journal_step(summary, run, "summary", &retry, step_summary, w);
out:
	journal_tasks_release(observe_tasks, 2);
	json_free(issue);
	json_free(branch);
	json_free(comment);
	json_free(label);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: journal-workflow --state PATH --run-id ID --base URL"
			" [--lock-wait MS] [--pause STEP:MS [--release FILE]]\n"
			"       journal-workflow --check PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct journal_run_options opts = JOURNAL_RUN_OPTIONS_INIT;
	struct http_options hopts = HTTP_OPTIONS_INIT;
	const char *state = NULL, *id = NULL, *base = NULL, *check = NULL;
	struct wf w = { 0 };
	struct journal *j;
	struct journal_run *run;
	struct json *summary = NULL;
	int i, rc;

	log_setup();
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--state"))
			state = argv[i + 1];
		else if (!strcmp(argv[i], "--run-id"))
			id = argv[i + 1];
		else if (!strcmp(argv[i], "--base"))
			base = argv[i + 1];
		else if (!strcmp(argv[i], "--check"))
			check = argv[i + 1];
		else if (!strcmp(argv[i], "--release"))
			w.release = argv[i + 1];
		else if (!strcmp(argv[i], "--lock-wait"))
			opts.lock_wait_ms = (int)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--pause")) {
			char *colon = strchr(argv[i + 1], ':');
			if (!colon)
				return usage();
			*colon = '\0';
			w.pause_step = argv[i + 1];
			w.pause_ms = (int)strtol(colon + 1, NULL, 10);
		} else
			return usage();
	}
	if (i != argc)
		return usage();
	if (check) {
		if ((rc = journal_open(&j, check)) == 0) {
			rc = journal_integrity_check(j);
			journal_close(j);
		}
		if (rc < 0)
			fprintf(stderr, "journal-workflow: %s\n", bot_error_last());
		else
			printf("ok\n");
		return rc < 0 ? 1 : 0;
	}
	if (!state || !id || !base)
		return usage();

	if (journal_open(&j, state) < 0) {
		fprintf(stderr, "journal-workflow: %s\n", bot_error_last());
		return 1;
	}
	if ((rc = journal_run_begin(&run, j, id, "test", "cli", &opts)) < 0) {
		fprintf(stderr, "journal-workflow: %s\n", bot_error_last());
		journal_close(j);
		return rc == BOT_ECONFLICT ? 3 : 1;
	}
	hopts.timeout_ms = 5000;
	hopts.connect_timeout_ms = 2000;
	hopts.max_attempts = 1;
	w.http = http_client_new(&hopts);
	w.base = base;
	rc = run_workflow(run, &w, &summary);
	if (journal_run_finish(run, rc) < 0 && rc == 0)
		rc = BOT_EIO;
	if (rc == 0) {
		char *text = json_print(summary, 0);
		printf("%s\n", text);
		free(text);
	} else {
		fprintf(stderr, "journal-workflow: %s\n", bot_error_last());
	}
	json_free(summary);
	http_client_free(w.http);
	journal_run_free(run);
	journal_close(j);
	return rc < 0 ? 1 : 0;
}
