/*
 * The GitHub client against two independent oracles on 127.0.0.1:
 *
 * 1. @octokit/fixtures-server replays requests recorded against the real
 *    api.github.com; it answers 404 to any request out of order or not as
 *    recorded (method, path, query, headers, body), and /_pending tells
 *    whether every recorded request was made.
 * 2. tests/github/fake-github.mjs, a fake GitHub that checks every request
 *    against GitHub's OpenAPI description (@octokit/openapi): the method
 *    and path must exist, the body must validate against the operation's
 *    request schema (ajv), and the fake's own answers must validate against
 *    the response schema. It also verifies App JWTs with jose.
 *
 * Both servers are node processes started here on free ports and stopped
 * by PID; closing their stdin also stops them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "github/github.h"
#include "http.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

/* ---------------------------------------------------------------- node servers */

struct server {
	pid_t pid;
	int stdin_fd;
	int port;
};

static struct server *servers[4];

static void stop_servers(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(servers); i++) {
		struct server *s = servers[i];
		if (!s || s->pid <= 0)
			continue;
		close(s->stdin_fd);
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

/* Starts `node script` with env additions; reads "port N" within 20 s. */
static int start_server(struct server *s, const char *script, const char *const *env)
{
	int in[2], out[2];
	char buf[256];
	size_t len = 0;
	size_t i;

	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (!s->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execlp("node", "node", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->stdin_fd = in[1];
	for (i = 0; i < ARRAY_SIZE(servers); i++)
		if (!servers[i]) {
			servers[i] = s;
			break;
		}
	while (len < sizeof(buf) - 1) {
		struct pollfd p = { out[0], POLLIN, 0 };
		ssize_t r;
		if (poll(&p, 1, 20000) <= 0)
			break;
		r = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
	buf[len] = '\0';
	close(out[0]);
	if (sscanf(buf, "port %d", &s->port) != 1) {
		diag("%s did not start: '%s'", script, buf);
		return -1;
	}
	return 0;
}

static struct http_client *plain_http;

/* POSTs a JSON body to the test server's control URL, returns the parsed answer. */
static struct json *control(const struct server *s, const char *method, const char *path,
			    const char *body)
{
	struct http_request req;
	struct http_response resp;
	struct strbuf url = STRBUF_INIT;
	struct json *doc = NULL;

	strbuf_addf(&url, "http://127.0.0.1:%d%s", s->port, path);
	http_request_init(&req, method, url.buf);
	req.no_cache = 1;
	http_request_header(&req, "Accept", "application/json");
	if (body) {
		http_request_header(&req, "Content-Type", "application/json");
		strbuf_addstr(&req.body, body);
	}
	http_response_init(&resp);
	if (http_do(plain_http, &req, &resp) == 0 && resp.status < 300)
		json_parse(&doc, resp.body.buf, resp.body.len);
	else
		diag("%s %s: %ld %s", method, path, resp.status, resp.body.buf);
	http_response_release(&resp);
	http_request_release(&req);
	strbuf_release(&url);
	return doc;
}

/* ---------------------------------------------------------------- fixtures */

static struct server fixtures;

struct scenario {
	char *id;
	struct github *gh;
};

/* Loads a scenario and makes a client for it, as the recordings were made: v3 media types, a token. */
static int scenario_load(struct scenario *sc, const char *name, const char *repo, int per_page)
{
	struct github_options o = { 0 };
	struct strbuf body = STRBUF_INIT;
	struct json *doc;
	const char *id, *url;
	int err;

	strbuf_addf(&body, "{\"scenario\":\"%s\"}", name);
	doc = control(&fixtures, "POST", "/fixtures", body.buf);
	strbuf_release(&body);
	if (!doc || json_get_str(&id, doc, "id") < 0 || json_get_str(&url, doc, "url") < 0) {
		json_free(doc);
		return -1;
	}
	sc->id = xstrdup(id);
	o.api_url = url;
	o.owner = "octokit-fixture-org";
	o.repo = repo;
	o.mode = GITHUB_AUTH_TOKEN;
	o.token = "0000000000000000000000000000000000000001";
	o.media_version = "v3";
	o.per_page = per_page;
	err = github_new(&sc->gh, &o);
	json_free(doc);
	return err;
}

/* Every recorded request was made, in order: nothing pending. */
static int scenario_done(struct scenario *sc)
{
	struct strbuf path = STRBUF_INIT;
	struct json *doc;
	int done;

	strbuf_addf(&path, "/_pending/%s", sc->id);
	doc = control(&fixtures, "GET", path.buf, NULL);
	done = doc && json_size(json_get(doc, "pending")) == 0;
	if (doc && !done) {
		char *p = json_print(doc, 0);
		diag("pending: %s", p);
		free(p);
	}
	json_free(doc);
	strbuf_release(&path);
	github_free(sc->gh);
	free(sc->id);
	return done;
}

static void fixture_get_content(void)
{
	struct scenario sc;
	struct json *doc = NULL;
	struct strbuf raw = STRBUF_INIT;

	if (scenario_load(&sc, "get-content", "hello-world", -1) < 0) {
		ok(0, "get-content: loaded");
		return;
	}
	ok(github_call_json(sc.gh, &doc, "GET", "/repos/octokit-fixture-org/hello-world/contents/", NULL) == 0,
	   "get-content: the directory listing");
	is_str(json_str_value(json_get(doc, "[0].name")), "README.md", "get-content: lists README.md");
	json_free(doc);
	ok(github_content_raw(sc.gh, &raw, "README.md", NULL, 0) == 0, "get-content: the raw file");
	is_str(raw.buf, "# hello-world", "get-content: its bytes, not base64 JSON");
	ok(scenario_done(&sc), "get-content: every recorded request made, in order");
	strbuf_release(&raw);
}

static void fixture_labels(void)
{
	struct scenario sc;
	struct json *doc = NULL;

	if (scenario_load(&sc, "labels", "labels", -1) < 0) {
		ok(0, "labels: loaded");
		return;
	}
	ok(github_labels_list(sc.gh, &doc) == 0 && json_type(doc) == JSON_ARRAY && json_size(doc) > 0,
	   "labels: list");
	json_free(doc);
	ok(github_label_create(sc.gh, &doc, "test-label", "#663399", NULL) == 0, "labels: create");
	is_str(json_str_value(json_get(doc, "name")), "test-label", "labels: created");
	json_free(doc);
	ok(github_label_get(sc.gh, &doc, "test-label") == 0, "labels: get");
	json_free(doc);
	ok(github_label_update(sc.gh, &doc, "test-label", "test-label-updated", "BADA55", NULL) == 0,
	   "labels: rename and recolour");
	is_str(json_str_value(json_get(doc, "name")), "test-label-updated", "labels: renamed");
	json_free(doc);
	ok(github_label_delete(sc.gh, "test-label-updated") == 0, "labels: delete (204)");
	ok(scenario_done(&sc), "labels: every recorded request made, in order");
}

static void fixture_add_labels(void)
{
	struct scenario sc;
	struct json *doc = NULL;
	static const char *const labels[] = { "Foo", "bAr", "baZ" };
	int64_t number = 0;

	if (scenario_load(&sc, "add-labels-to-issue", "add-labels-to-issue", -1) < 0) {
		ok(0, "add-labels-to-issue: loaded");
		return;
	}
	ok(github_issue_create(sc.gh, &doc, "Issue without a label", NULL, NULL, 0) == 0 &&
	   json_get_int(&number, doc, "number") == 0, "add-labels-to-issue: issue created");
	is_int(number, 1, "add-labels-to-issue: issue 1");
	json_free(doc);
	ok(github_labels_add(sc.gh, number, labels, 3) == 0, "add-labels-to-issue: labels added");
	ok(scenario_done(&sc), "add-labels-to-issue: every recorded request made, in order");
}

static void fixture_paginate(void)
{
	struct scenario sc;
	struct json *doc = NULL;
	int64_t first = 0, last = 0;

	if (scenario_load(&sc, "paginate-issues", "paginate-issues", -1) < 0) {
		ok(0, "paginate-issues: loaded");
		return;
	}
	ok(github_paginate(sc.gh, &doc, "/repos/octokit-fixture-org/paginate-issues/issues?per_page=3") == 0,
	   "paginate-issues: five pages followed through Link");
	is_int(json_size(doc), 13, "paginate-issues: all 13 issues");
	json_get_int(&first, doc, "[0].number");
	json_get_int(&last, doc, "[12].number");
	ok(first == 13 && last == 1, "paginate-issues: in order, newest first (%lld..%lld)",
	   (long long)first, (long long)last);
	json_free(doc);
	ok(scenario_done(&sc), "paginate-issues: every recorded request made, in order");
}

static void fixture_paginate_fails_halfway(void)
{
	struct scenario sc;
	struct json *doc = (struct json *)1;
	struct http_response resp;
	int err;

	/*
	 * Load the scenario, but consume page 2 behind the client's back: when
	 * the client asks for page 2 the server has moved on and answers 404.
	 */
	if (scenario_load(&sc, "paginate-issues", "paginate-issues", -1) < 0) {
		ok(0, "paginate (halfway): loaded");
		return;
	}
	http_response_init(&resp);
	github_call(sc.gh, "GET", "/repos/octokit-fixture-org/paginate-issues/issues?per_page=3", NULL,
		    NULL, &resp);
	http_response_release(&resp);
	err = github_paginate(sc.gh, &doc, "/repos/octokit-fixture-org/paginate-issues/issues?per_page=3");
	ok(err < 0, "a listing whose page fails is an error (%d)", err);
	ok(doc == NULL, "and no partial list is returned");
	github_free(sc.gh);
	free(sc.id);
}

static void fixture_errors(void)
{
	struct scenario sc;
	struct json *doc = NULL;

	if (scenario_load(&sc, "errors", "errors", -1) < 0) {
		ok(0, "errors: loaded");
		return;
	}
	is_int(github_label_create(sc.gh, &doc, "foo", "invalid", NULL), BOT_EINVALID,
	       "errors: a 422 is BOT_EINVALID");
	like(bot_error_last(), "Validation Failed", "errors: with GitHub's message");
	ok(doc == NULL, "errors: no document");
	ok(scenario_done(&sc), "errors: every recorded request made");
}

static void fixture_git_refs(void)
{
	struct scenario sc;
	struct json *doc = NULL;
	const char *zero1 = "0000000000000000000000000000000000000001";
	const char *zero2 = "0000000000000000000000000000000000000002";

	if (scenario_load(&sc, "git-refs", "git-refs", -1) < 0) {
		ok(0, "git-refs: loaded");
		return;
	}
	/* Listing every ref is not something autofix does; the raw call stands in. */
	ok(github_call_json(sc.gh, &doc, "GET", "/repos/octokit-fixture-org/git-refs/git/refs/", NULL) == 0,
	   "git-refs: list");
	json_free(doc);
	ok(github_ref_create(sc.gh, "refs/heads/test", zero2) == 0, "git-refs: create");
	ok(github_ref_update(sc.gh, "heads/test", zero1, 0) == 0, "git-refs: update");
	ok(github_call_json(sc.gh, &doc, "GET", "/repos/octokit-fixture-org/git-refs/git/refs/", NULL) == 0,
	   "git-refs: list again");
	json_free(doc);
	ok(github_ref_delete(sc.gh, "heads/test") == 0, "git-refs: delete");
	ok(scenario_done(&sc), "git-refs: every recorded request made, in order");
	is_int(github_ref_create(sc.gh = NULL, "heads/test", zero1), BOT_EINVALID,
	       "git-refs: an unqualified ref is refused before any request");
}

static void fixture_rename(void)
{
	struct scenario sc;
	struct json *doc = NULL, *body;

	if (scenario_load(&sc, "rename-repository", "rename-repository", -1) < 0) {
		ok(0, "rename-repository: loaded");
		return;
	}
	body = json_new_object();
	json_set_str(body, "name", "rename-repository-newname");
	ok(github_call_json(sc.gh, &doc, "PATCH", "/repos/octokit-fixture-org/rename-repository", body) == 0,
	   "rename-repository: renamed");
	json_free(doc);
	ok(github_call_json(sc.gh, &doc, "GET", "/repos/octokit-fixture-org/rename-repository", NULL) == 0,
	   "rename-repository: a GET on the old name follows the 301");
	is_str(json_str_value(json_get(doc, "name")), "rename-repository-newname",
	       "rename-repository: and gets the renamed repository");
	json_free(doc);
	json_set_str(body, "description", "test description");
	ok(github_call_json(sc.gh, &doc, "PATCH", "/repos/octokit-fixture-org/rename-repository", body) == 0,
	   "rename-repository: a PATCH follows the 307 with its method and body");
	json_free(doc);
	json_free(body);
	ok(scenario_done(&sc), "rename-repository: every recorded request made, in order");
}

static void run_fixtures(void)
{
	if (start_server(&fixtures, test_data_path("github/fixtures-server.mjs"), NULL) < 0) {
		ok(0, "the fixtures server starts");
		return;
	}
	fixture_get_content();
	fixture_labels();
	fixture_add_labels();
	fixture_paginate();
	fixture_paginate_fails_halfway();
	fixture_errors();
	fixture_git_refs();
	fixture_rename();
}

int main(void)
{
	struct stat st;
	struct http_options ho = HTTP_OPTIONS_INIT;

	if (stat(test_data_path("node_modules/@octokit/fixtures-server/package.json"), &st) < 0)
		skip_all("tests/node_modules is missing (make oracles)");
	if (system("node --version >/dev/null 2>&1") != 0)
		skip_all("node is not installed");
	signal(SIGPIPE, SIG_IGN);
	atexit(stop_servers);
	ho.max_attempts = 1;
	plain_http = http_client_new(&ho);

	run_fixtures();

	stop_servers();
	http_client_free(plain_http);
	return done_testing();
}
