/*
 * pr-deliver COMMAND: drives bot/deliver/pull_request.h as the scan
 * would, with its input as JSON on standard input, and prints its result
 * as JSON on one line, or "error CODE-NAME MESSAGE" (exit 1).
 *
 *   deliver      {cfg, data}                       pull_request_deliver
 *   plan-issue   {cfg, data}                       plan_issue_deliver
 *   list         {}                                pull_request_list
 *   decide       {listing, fingerprint, cfg, opened_now, now_ms}   pull_request_decide (no GitHub)
 *   list-decide  {fingerprint, cfg, opened_now, now_ms}  the listing, then the decision
 *   silenced     {number, fingerprint, until_ms}   pull_request_note_silenced
 *   identity     {}                                github_identity: {"name", "email"}
 *
 * cfg holds pull_requests' fields as JSON (labels, draft, reviewers,
 * assignees, max_open, max_per_hour, cooldown_ms). GitHub from the
 * environment (AUTOFIX_GITHUB_API_URL, GITHUB_REPOSITORY,
 * AUTOFIX_GITHUB_TOKEN); PR_PER_PAGE sets the listings' page size.
 * Driven by tests/deliver/pull-request.test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "deliver/pull_request.h"
#include "github/github.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static char **strv(const struct json *arr, size_t *nr)
{
	char **v = xcalloc(json_size(arr) + 1, sizeof(*v));
	const struct json *it;

	*nr = 0;
	for (it = json_first(arr); it; it = json_next(it))
		v[(*nr)++] = xstrdup(json_str_value(it));
	return v;
}

static void cfg_from_json(struct pull_request_config *c, const struct json *j)
{
	memset(c, 0, sizeof(*c));
	c->labels = strv(json_member(j, "labels"), &c->labels_nr);
	c->reviewers = strv(json_member(j, "reviewers"), &c->reviewers_nr);
	c->assignees = strv(json_member(j, "assignees"), &c->assignees_nr);
	c->draft = json_bool_value(json_member(j, "draft"));
	c->max_open = (int)json_num_value(json_member(j, "max_open"));
	c->max_per_hour = (int)json_num_value(json_member(j, "max_per_hour"));
	c->cooldown_ms = (int64_t)json_num_value(json_member(j, "cooldown_ms"));
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int print(struct json *doc)
{
	char *s = json_print(doc, 0);

	printf("%s\n", s);
	free(s);
	json_free(doc);
	return 0;
}

static int fail(int code)
{
	printf("error %s %s\n", bot_error_name(code), bot_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	struct github_options opts = { 0 };
	struct pull_request_config cfg;
	struct github *gh = NULL;
	struct strbuf in = STRBUF_INIT;
	struct json *req = NULL, *out = NULL;
	const char *cmd = argc > 1 ? argv[1] : "";
	char *login = NULL;
	int err, rc;

	log_setup();
	if (argc != 2) {
		fprintf(stderr, "usage: pr-deliver COMMAND < input.json\n");
		return 2;
	}
	for (;;) {
		char buf[4096];
		size_t got = fread(buf, 1, sizeof(buf), stdin);
		if (!got)
			break;
		strbuf_add(&in, buf, got);
	}
	if (json_parse(&req, in.buf, in.len) < 0) {
		fprintf(stderr, "pr-deliver: the input is not JSON\n");
		return 2;
	}
	cfg_from_json(&cfg, json_member(req, "cfg"));
	if (!strcmp(cmd, "decide")) {
		rc = print(pull_request_decide(json_member(req, "listing"),
					       json_str_value(json_member(req, "fingerprint")), &cfg,
					       (int)json_num_value(json_member(req, "opened_now")),
					       (int64_t)json_num_value(json_member(req, "now_ms"))));
		goto done;
	}
	if (getenv("PR_PER_PAGE"))
		opts.per_page = atoi(getenv("PR_PER_PAGE"));
	if ((err = github_options_from_env(&opts)) < 0 || (err = github_new(&gh, &opts)) < 0) {
		rc = fail(err);
		goto done;
	}
	if (!strcmp(cmd, "identity")) {
		char *name = NULL, *email = NULL;
		if ((err = github_identity(gh, &name, &email)) < 0) {
			rc = fail(err);
			goto done;
		}
		out = json_new_object();
		json_set_str(out, "name", name);
		json_set_str(out, "email", email);
		free(name);
		free(email);
		rc = print(out);
		goto done;
	}
	if ((err = github_login(gh, &login)) < 0) {
		rc = fail(err);
		goto done;
	}
	if (!strcmp(cmd, "deliver"))
		err = pull_request_deliver(&out, gh, login, &cfg, json_member(req, "data"), NULL);
	else if (!strcmp(cmd, "plan-issue"))
		err = plan_issue_deliver(&out, gh, login, &cfg, json_member(req, "data"), NULL);
	else if (!strcmp(cmd, "list"))
		err = pull_request_list(&out, gh, login);
	else if (!strcmp(cmd, "list-decide")) {
		struct json *listing = NULL;
		if (!(err = pull_request_list(&listing, gh, login)))
			out = pull_request_decide(listing, json_str_value(json_member(req, "fingerprint")), &cfg,
						  (int)json_num_value(json_member(req, "opened_now")),
						  (int64_t)json_num_value(json_member(req, "now_ms")));
		json_free(listing);
	} else if (!strcmp(cmd, "silenced"))
		err = pull_request_note_silenced(&out, gh, login,
						 (int64_t)json_num_value(json_member(req, "number")),
						 json_str_value(json_member(req, "fingerprint")),
						 (int64_t)json_num_value(json_member(req, "until_ms")), NULL);
	else {
		fprintf(stderr, "pr-deliver: unknown command '%s'\n", cmd);
		rc = 2;
		goto done;
	}
	rc = err < 0 ? fail(err) : print(out);
done:
	free(login);
	github_free(gh);
	json_free(req);
	strbuf_release(&in);
	free_strv(cfg.labels, cfg.labels_nr);
	free_strv(cfg.reviewers, cfg.reviewers_nr);
	free_strv(cfg.assignees, cfg.assignees_nr);
	return rc;
}
