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
#include "lib/log-capture.h"
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

/* ---------------------------------------------------------------- the OpenAPI fake */

static struct server fake;
static char keydir[] = "/tmp/autofix-test-XXXXXX";

static struct json *fake_report(void)
{
	return control(&fake, "GET", "/_fake/report", NULL);
}

static int64_t report_int(const char *path)
{
	struct json *r = fake_report();
	int64_t v = -1;

	json_get_int(&v, r, "%s", path);
	json_free(r);
	return v;
}

static struct github *app_client(const char *key_file, const char *app_id, struct http_client *http)
{
	struct github_options o = { 0 };
	struct strbuf url = STRBUF_INIT;
	struct github *gh = NULL;

	strbuf_addf(&url, "http://127.0.0.1:%d", fake.port);
	o.api_url = url.buf;
	o.owner = "octo-org";
	o.repo = "hello";
	o.mode = GITHUB_AUTH_APP;
	o.app_id = app_id;
	o.app_key_file = key_file;
	o.http = http;
	if (github_new(&gh, &o) < 0)
		diag("github_new: %s", bot_error_last());
	strbuf_release(&url);
	return gh;
}

static void openapi_auth(void)
{
	struct strbuf key = STRBUF_INIT, other = STRBUF_INIT;
	struct github *gh;
	const char *token = NULL;
	char *first = NULL;
	struct json *r;

	strbuf_addf(&key, "%s/app.pem", keydir);
	strbuf_addf(&other, "%s/other.pem", keydir);

	gh = app_client(key.buf, "12345", NULL);
	ok(gh && github_token(gh, &token) == 0 && token && starts_with(token, "ghs_"),
	   "App mode: JWT accepted, installation found, token issued");
	ok(token && strlen(token) > 800, "a long token (the ghs_APPID_JWT form, %zu characters) is kept whole",
	   token ? strlen(token) : 0);
	first = token ? xstrdup(token) : NULL;
	ok(gh && github_token(gh, &token) == 0 && first && !strcmp(token, first),
	   "the token is cached");
	is_int(report_int("tokensIssued"), 1, "one token for both calls");
	r = fake_report();
	is_str(json_str_value(json_get(r, "lastTokenRequest.repositories[0]")), "hello",
	       "the token is narrowed to the repository");
	is_str(json_str_value(json_get(r, "lastTokenRequest.permissions.contents")), "write",
	       "and to the permissions autofix needs (contents)");
	is_str(json_str_value(json_get(r, "lastTokenRequest.permissions.pull_requests")), "write",
	       "(pull requests)");
	json_free(r);
	github_free(gh);

	/* A token that expires within the refresh margin is replaced transparently. */
	json_free(control(&fake, "POST", "/_fake/config", "{\"token_ttl\":120}"));
	gh = app_client(key.buf, "12345", NULL);
	ok(gh && github_token(gh, &token) == 0 && github_token(gh, &token) == 0,
	   "a short-lived token is refreshed");
	is_int(report_int("tokensIssued"), 3, "a new token each time it is close to expiry");
	json_free(control(&fake, "POST", "/_fake/config", "{\"token_ttl\":3600}"));
	github_free(gh);

	{
		char *login = NULL;
		gh = app_client(key.buf, "12345", NULL);
		char *email = NULL;
		ok(gh && github_login(gh, &login) == 0 && login && !strcmp(login, "autofix-test[bot]"),
		   "App mode: autofix writes as SLUG[bot] (GET /app)");
		free(login);
		login = NULL;
		ok(gh && github_identity(gh, &login, &email) == 0 && login && email &&
		   !strcmp(login, "autofix-test[bot]") &&
		   !strcmp(email, "41000042+autofix-test[bot]@users.noreply.github.com"),
		   "App mode: commits by SLUG[bot], with the bot user's noreply address (GET /users/SLUG[bot])");
		free(login);
		free(email);
		github_free(gh);
	}

	gh = app_client(other.buf, "12345", NULL);
	is_int(gh ? github_token(gh, &token) : -99, BOT_EAUTH, "a JWT signed with another key is refused");
	like(bot_error_last(), "401", "with GitHub's status");
	github_free(gh);
	gh = app_client(key.buf, "99999", NULL);
	is_int(gh ? github_token(gh, &token) : -99, BOT_EAUTH, "a JWT for another App is refused");
	github_free(gh);

	{
		struct github_options o = { 0 };
		struct strbuf url = STRBUF_INIT;
		struct json *doc = NULL;
		strbuf_addf(&url, "http://127.0.0.1:%d", fake.port);
		o.api_url = url.buf;
		o.owner = "octo-org";
		o.repo = "hello";
		o.mode = GITHUB_AUTH_TOKEN;
		o.token = "not-a-token-the-fake-knows";
		github_new(&gh, &o);
		is_int(github_label_get(gh, &doc, "bug"), BOT_EAUTH, "token mode: a bad token is BOT_EAUTH");
		github_free(gh);
		o.token = "fake-token-0123456789";
		github_new(&gh, &o);
		ok(github_label_get(gh, &doc, "bug") == 0, "token mode: a good token works");
		json_free(doc);
		{
			char *login = NULL;
			ok(github_login(gh, &login) == 0 && login && !strcmp(login, "autofix-test[bot]"),
			   "token mode: autofix writes as the token's user (GET /user)");
			free(login);
			login = NULL;
			{
				char *email = NULL;
				ok(github_identity(gh, &login, &email) == 0 && email &&
				   strstr(email, "+autofix-test[bot]@users.noreply.github.com") &&
				   email[0] >= '1' && email[0] <= '9',
				   "token mode: the user's ID+LOGIN noreply address");
				free(login);
				free(email);
			}
		}
		github_free(gh);
		/* Actions' GITHUB_TOKEN may not read /user: it is github-actions[bot], under Actions only. */
		o.token = "fake-actions-token-0123456789";
		github_new(&gh, &o);
		{
			char *login = NULL, *email = NULL;
			const char *was = getenv("GITHUB_ACTIONS");
			char *saved = was ? xstrdup(was) : NULL;

			unsetenv("GITHUB_ACTIONS");
			is_int(github_login(gh, &login), BOT_EAUTH, "GITHUB_TOKEN outside Actions: GET /user's 403 is an error");
			free(login);
			login = NULL;
			setenv("GITHUB_ACTIONS", "true", 1);
			ok(github_identity(gh, &login, &email) == 0 && login && email &&
			   !strcmp(login, "github-actions[bot]") &&
			   !strcmp(email, "41898282+github-actions[bot]@users.noreply.github.com"),
			   "GITHUB_TOKEN under Actions: github-actions[bot] and its noreply address");
			if (saved)
				setenv("GITHUB_ACTIONS", saved, 1);
			else
				unsetenv("GITHUB_ACTIONS");
			free(saved);
			free(login);
			free(email);
		}
		github_free(gh);
		strbuf_release(&url);
	}
	free(first);
	strbuf_release(&key);
	strbuf_release(&other);
}

static void openapi_calls(void)
{
	struct strbuf key = STRBUF_INIT, raw = STRBUF_INIT, log = STRBUF_INIT;
	struct http_options ho = HTTP_OPTIONS_INIT;
	struct http_client *http = http_client_new(&ho);
	struct github *gh;
	struct json *doc = NULL;
	const char *token = NULL;
	char *sha = NULL, *perm = NULL, *tok_copy;
	int64_t pr = 0, issue = 0, comment = 0;
	static const char *const labels[] = { "autofix", "bug" };
	static const char *const reviewers[] = { "alice", "octo-org/platform" };
	const char *sha1 = "1111111111111111111111111111111111111111";
	const char *sha2 = "2222222222222222222222222222222222222222";
	FILE *f = log_capture_start();

	log_set_level(LOG_DEBUG);
	strbuf_addf(&key, "%s/app.pem", keydir);
	gh = app_client(key.buf, "12345", http);
	if (!gh) {
		ok(0, "an App client");
		return;
	}

	ok(github_content_raw(gh, &raw, ".autofix.yml", NULL, 0) == 0, "contents: raw file at the default branch");
	is_str(raw.buf, "version: 1\nwindow: 30m\n", "contents: its bytes");
	strbuf_reset(&raw);
	ok(github_content_raw(gh, &raw, ".autofix.yml", "autofix/test", 0) == 0 &&
	   !strcmp(raw.buf, "version: 1\nwindow: 10m\n"), "contents: at a ref");
	is_int(github_content_raw(gh, &raw, "missing.yml", NULL, 0), BOT_ENOTFOUND, "contents: missing -> BOT_ENOTFOUND");

	ok(github_ref_get(gh, &sha, "heads/main") == 0 && sha && strlen(sha) == 40, "refs: get");
	free(sha);
	ok(github_ref_create(gh, "refs/heads/autofix/api-memory", sha1) == 0, "refs: create (a branch with a slash)");
	ok(github_ref_update(gh, "heads/autofix/api-memory", sha2, 1) == 0, "refs: force update");
	ok(github_ref_get(gh, &sha, "heads/autofix/api-memory") == 0 && sha && !strcmp(sha, sha2),
	   "refs: the update took");
	free(sha);
	is_int(github_ref_get(gh, &sha, "heads/nope"), BOT_ENOTFOUND, "refs: missing -> BOT_ENOTFOUND");

	ok(github_pull_create(gh, &doc, "autofix: api memory", "autofix/api-memory", "main",
			      "body <!-- autofix:finding=api/memory -->", 1) == 0 &&
	   json_get_int(&pr, doc, "number") == 0, "pulls: create");
	json_free(doc);
	ok(github_pulls_list(gh, &doc, "octo-org:autofix/api-memory", "open") == 0 && json_size(doc) == 1,
	   "pulls: list by head");
	json_free(doc);
	ok(github_pulls_list(gh, &doc, "octo-org:other", NULL) == 0 && json_size(doc) == 0,
	   "pulls: another head lists nothing");
	json_free(doc);
	ok(github_pull_get(gh, &doc, pr) == 0, "pulls: get");
	json_free(doc);
	ok(github_pull_update(gh, &doc, pr, "autofix: api memory (updated)", "new body", NULL) == 0 &&
	   !strcmp(json_str_value(json_get(doc, "title")), "autofix: api memory (updated)"), "pulls: update");
	json_free(doc);
	ok(github_pull_files(gh, &doc, pr) == 0, "pulls: files");
	is_int(json_size(doc), 250, "pulls: all 250 files over three pages");
	is_str(json_str_value(json_get(doc, "[249].filename")), "src/file249.c", "pulls: in order");
	json_free(doc);
	ok(github_pull_reviews(gh, &doc, pr) == 0 && json_type(doc) == JSON_ARRAY, "pulls: reviews");
	json_free(doc);
	ok(github_pull_review_comments(gh, &doc, pr) == 0 && json_type(doc) == JSON_ARRAY, "pulls: review comments");
	json_free(doc);
	ok(github_pull_request_reviewers(gh, pr, reviewers, 2) == 0, "pulls: request reviewers, a user and a team");
	ok(github_pull_get(gh, &doc, pr) == 0 &&
	   !strcmp(json_str_value(json_get(doc, "requested_reviewers[0].login")), "alice") &&
	   !strcmp(json_str_value(json_get(doc, "requested_teams[0].slug")), "platform"),
	   "pulls: the team went as its slug in team_reviewers");
	json_free(doc);
	ok(github_issue_add_assignees(gh, pr, reviewers, 1) == 0, "issues: add assignees");
	ok(github_repo_get(gh, &doc) == 0 &&
	   !strcmp(json_str_value(json_get(doc, "default_branch")), "main") &&
	   json_str_value(json_get(doc, "clone_url")), "repos: get (default_branch, clone_url)");
	json_free(doc);

	ok(github_label_ensure(gh, "autofix", "#5319e7", "Opened by autofix") == 0, "labels: ensure creates");
	ok(github_label_ensure(gh, "autofix", "#5319e7", "Opened by autofix") == 0, "labels: ensure again is a no-op");
	ok(github_label_get(gh, &doc, "autofix") == 0 &&
	   !strcmp(json_str_value(json_get(doc, "description")), "Opened by autofix") &&
	   !strcmp(json_str_value(json_get(doc, "color")), "5319e7"), "labels: with colour and description");
	json_free(doc);
	ok(github_labels_add(gh, pr, labels, 2) == 0, "labels: added to the PR");
	is_int(github_label_create(gh, &doc, "autofix", "ffffff", NULL), BOT_EINVALID,
	       "labels: creating an existing label is a 422");
	like(bot_error_last(), "already_exists", "labels: whose message says already_exists (what ensure relies on)");

	ok(github_issue_create(gh, &doc, "autofix: worker cpu", "details", labels, 1) == 0 &&
	   json_get_int(&issue, doc, "number") == 0, "issues: create with a label");
	json_free(doc);
	ok(github_issues_list(gh, &doc, "autofix", "open") == 0 && json_size(doc) == 2,
	   "issues: list by label (the PR and the issue)");
	json_free(doc);
	ok(github_issue_update(gh, &doc, issue, NULL, NULL, "closed") == 0, "issues: close");
	json_free(doc);
	ok(github_issues_list(gh, &doc, "autofix", NULL) == 0 && json_size(doc) == 1, "issues: closed ones are gone");
	json_free(doc);
	ok(github_comment_create(gh, &doc, pr, "working on it") == 0 &&
	   json_get_int(&comment, doc, "id") == 0, "comments: create");
	json_free(doc);
	ok(github_comment_update(gh, &doc, comment, "done") == 0, "comments: update");
	json_free(doc);
	ok(github_issue_comments(gh, &doc, pr) == 0 && json_size(doc) == 1 &&
	   !strcmp(json_str_value(json_get(doc, "[0].body")), "done"), "comments: list");
	json_free(doc);

	ok(github_reaction_add(gh, GITHUB_ISSUE_COMMENT, comment, "eyes") == 0, "reactions: on an issue comment");
	ok(github_reaction_add(gh, GITHUB_REVIEW_COMMENT, 77, "+1") == 0, "reactions: on a review comment");
	is_int(github_reaction_add(gh, GITHUB_ISSUE_COMMENT, comment, "thumbsup"), BOT_EINVALID,
	       "reactions: an unknown reaction is refused here");

	ok(github_collaborator_permission(gh, &perm, "alice") == 0 && perm && !strcmp(perm, "admin"),
	   "permission: alice is admin");
	free(perm);
	ok(github_collaborator_permission(gh, &perm, "carol") == 0 && perm && !strcmp(perm, "read"),
	   "permission: carol can read");
	free(perm);
	is_int(github_collaborator_permission(gh, &perm, "mallory"), BOT_ENOTFOUND,
	       "permission: a stranger -> BOT_ENOTFOUND");

	ok(github_compare(gh, &doc, "main", "autofix/api-memory") == 0 &&
	   !strcmp(json_str_value(json_get(doc, "status")), "ahead"), "compare");
	json_free(doc);
	ok(github_pull_update(gh, &doc, pr, NULL, NULL, "closed") == 0, "pulls: close");
	json_free(doc);
	ok(github_ref_delete(gh, "heads/autofix/api-memory") == 0, "refs: delete");

	/* The log: debug lines for every request, and neither the JWT nor the token. */
	github_token(gh, &token);
	tok_copy = xstrdup(token ? token : "no token");
	log_capture_end(f, &log);
	log_set_level(LOG_WARNING);
	like(log.buf, "http: > POST", "the requests were logged at debug level");
	ok(!strstr(log.buf, tok_copy), "the installation token is not in the log");
	ok(!strstr(log.buf, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."), "no JWT is in the log");
	ok(!strstr(log.buf, "PRIVATE KEY"), "nor the private key");
	free(tok_copy);

	{
		struct http_stats st;
		http_client_stats(http, &st);
		ok(st.requests >= 40 && st.bytes_received > 10000, "the counters count (%llu requests, %llu bytes)",
		   (unsigned long long)st.requests, (unsigned long long)st.bytes_received);
	}
	github_free(gh);
	http_client_free(http);
	strbuf_release(&key);
	strbuf_release(&raw);
	strbuf_release(&log);
}

/* Every operation the client can send, by GitHub's operationId. */
static const char *const client_operations[] = {
	"apps/get-repo-installation", "apps/create-installation-access-token",
	"repos/get-content", "pulls/list", "pulls/get", "pulls/create", "pulls/update",
	"pulls/list-files", "pulls/list-reviews", "pulls/list-review-comments",
	"pulls/request-reviewers", "issues/list-for-repo", "issues/create", "issues/update",
	"issues/list-comments", "issues/create-comment", "issues/update-comment",
	"issues/get-label", "issues/create-label", "issues/add-labels",
	"reactions/create-for-issue-comment", "reactions/create-for-pull-request-review-comment",
	"repos/get-collaborator-permission-level", "git/get-ref", "git/create-ref",
	"git/update-ref", "git/delete-ref", "repos/compare-commits", "repos/get",
	"users/get-by-username", "issues/add-assignees",
};

static void openapi_report(void)
{
	struct json *r = fake_report();
	const struct json *v;
	size_t i, missing = 0;

	v = json_get(r, "violations");
	is_int(json_size(v), 0, "no request broke GitHub's OpenAPI description, no answer of the fake did");
	for (i = 0; i < json_size(v); i++)
		diag("%s", json_str_value(json_item(v, i)));
	for (i = 0; i < ARRAY_SIZE(client_operations); i++)
		if (!json_get(r, "seen.%s", client_operations[i])) {
			diag("never sent: %s", client_operations[i]);
			missing++;
		}
	is_int(missing, 0, "every operation of the client was sent and checked (%zu)", ARRAY_SIZE(client_operations));
	json_free(r);

	/* The oracle can fail: a body without the required name is caught. */
	{
		struct github *gh;
		struct strbuf key = STRBUF_INIT;
		struct json *body = json_new_object(), *doc = NULL;
		strbuf_addf(&key, "%s/app.pem", keydir);
		gh = app_client(key.buf, "12345", NULL);
		json_set_str(body, "color", "ffffff");
		github_call_json(gh, &doc, "POST", "/repos/octo-org/hello/labels", body);
		json_free(doc);
		github_call_json(gh, &doc, "GET", "/repos/octo-org/hello/no-such-thing", NULL);
		json_free(doc);
		r = fake_report();
		is_int(json_size(json_get(r, "violations")), 2, "negative control: a bad body and a bad path are both reported");
		like(json_str_value(json_get(r, "violations[0]")), "must have required property 'name'",
		     "negative control: ajv names the missing property");
		json_free(r);
		json_free(body);
		github_free(gh);
		strbuf_release(&key);
	}
}

static void run_openapi(void)
{
	struct strbuf cmd = STRBUF_INIT, pub = STRBUF_INIT;
	const char *env[5];

	if (!mkdtemp(keydir)) {
		ok(0, "a temporary directory");
		return;
	}
	/* Keys are made here, never committed. */
	strbuf_addf(&cmd, "cd '%s' && openssl genrsa -traditional -out app.pem 2048 2>/dev/null && "
		    "openssl rsa -in app.pem -pubout -out pub.pem 2>/dev/null && "
		    "openssl genrsa -out other.pem 2048 2>/dev/null", keydir);
	if (system(cmd.buf) != 0) {
		ok(0, "openssl makes test keys");
		return;
	}
	strbuf_addf(&pub, "FAKE_GITHUB_APP_PUBLIC_KEY=%s/pub.pem", keydir);
	env[0] = "FAKE_GITHUB_APP_ID=12345";
	env[1] = pub.buf;
	env[2] = "FAKE_GITHUB_TOKEN=fake-token-0123456789";
	env[3] = "FAKE_GITHUB_ACTIONS_TOKEN=fake-actions-token-0123456789";
	env[4] = NULL;
	if (start_server(&fake, test_data_path("github/fake-github.mjs"), env) < 0) {
		ok(0, "the OpenAPI fake starts");
	} else {
		openapi_auth();
		openapi_calls();
		openapi_report();
	}
	strbuf_reset(&cmd);
	strbuf_addf(&cmd, "rm -rf '%s'", keydir);
	if (system(cmd.buf) != 0)
		diag("could not remove %s", keydir);
	strbuf_release(&cmd);
	strbuf_release(&pub);
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
	log_set_level(LOG_WARNING);

	run_fixtures();
	run_openapi();

	stop_servers();
	http_client_free(plain_http);
	return done_testing();
}
