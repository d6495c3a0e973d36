/*
 * Pull requests: list, create, update, and what reviewers left on them.
 */
#include <stdlib.h>
#include <string.h>

#include "github/github.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/banned.h"

int github_pulls_list(struct github *gh, struct json **out, const char *head, const char *state)
{
	return github_list_in_state(gh, out, "/pulls", state, "head", head);
}

int github_pull_get(struct github *gh, struct json **out, int64_t number)
{
	char *path = github_repo_pathf(gh, "/pulls/%lld", (long long)number);
	int err = github_call_json(gh, out, "GET", path, NULL);

	free(path);
	return err;
}

int github_pull_create(struct github *gh, struct json **out, const char *title, const char *head,
		       const char *base, const char *body, int draft)
{
	struct json *req = json_new_object();
	char *path = github_repo_pathf(gh, "/pulls");
	int err;

	json_set_str(req, "title", title);
	json_set_str(req, "head", head);
	json_set_str(req, "base", base);
	if (body)
		json_set_str(req, "body", body);
	json_set_bool(req, "draft", draft);
	/* Let maintainers push fixes onto the bot's branch. */
	json_set_bool(req, "maintainer_can_modify", 1);
	err = github_call_json(gh, out, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_pull_update(struct github *gh, struct json **out, int64_t number, const char *title,
		       const char *body, const char *state)
{
	return github_edit_issue_fields(gh, out, "/pulls", number, title, body, state);
}

static int list_of_pull(struct github *gh, struct json **out, int64_t number, const char *what)
{
	char *path = github_repo_pathf(gh, "/pulls/%lld/%s", (long long)number, what);
	int err = github_paginate(gh, out, path);

	free(path);
	return err;
}

int github_pull_files(struct github *gh, struct json **out, int64_t number)
{
	return list_of_pull(gh, out, number, "files");
}

int github_pull_reviews(struct github *gh, struct json **out, int64_t number)
{
	return list_of_pull(gh, out, number, "reviews");
}

int github_pull_review_comments(struct github *gh, struct json **out, int64_t number)
{
	return list_of_pull(gh, out, number, "comments");
}

int github_pull_request_reviewers(struct github *gh, int64_t number, const char *const *names,
				  size_t n)
{
	struct json *req = json_new_object(), *users = json_new_array(), *teams = json_new_array();
	char *path = github_repo_pathf(gh, "/pulls/%lld/requested_reviewers", (long long)number);
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		const char *slash = strchr(names[i], '/');
		json_append(slash ? teams : users, json_new_str(slash ? slash + 1 : names[i]));
	}
	json_set(req, "reviewers", users);
	if (json_size(teams))
		json_set(req, "team_reviewers", teams);
	else
		json_free(teams);
	err = github_call_json(gh, NULL, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}
