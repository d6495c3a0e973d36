/*
 * Issues, their comments, labels and reactions. Pull requests are issues
 * too for GitHub: labels and comments on a PR go through these calls.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "github/github.h"
#include "util/error.h"
#include "util/marker.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Shared with pulls.c: GitHub lists pull requests with the same query. */
int github_list_in_state(struct github *gh, struct json **out, const char *what,
			 const char *state, const char *key, const char *value)
{
	struct strbuf q = STRBUF_INIT;
	char *path;
	int err;

	strbuf_addstr(&q, "?state=");
	strbuf_add_urlencoded(&q, state ? state : "open");
	if (value) {
		strbuf_addf(&q, "&%s=", key);
		strbuf_add_urlencoded(&q, value);
	}
	path = github_repo_pathf(gh, "%s%s", what, q.buf);
	err = github_paginate(gh, out, path);
	free(path);
	strbuf_release(&q);
	return err;
}

int github_issues_list(struct github *gh, struct json **out, const char *labels, const char *state)
{
	return github_list_in_state(gh, out, "/issues", state, "labels", labels);
}

int github_issue_create(struct github *gh, struct json **out, const char *title, const char *body,
			const char *const *labels, size_t labels_nr)
{
	struct json *req = json_new_object();
	char *path = github_repo_pathf(gh, "/issues");
	int err;

	json_set_str(req, "title", title);
	if (body)
		json_set_str(req, "body", body);
	if (labels_nr)
		json_set(req, "labels", json_new_str_array(labels, labels_nr));
	err = github_call_json(gh, out, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}

/* Shared with pulls.c: a pull request's title, body and state are its issue's. */
int github_edit_issue_fields(struct github *gh, struct json **out, const char *what, int64_t number,
			     const char *title, const char *body, const char *state)
{
	struct json *req = json_new_object();
	char *path = github_repo_pathf(gh, "%s/%lld", what, (long long)number);
	int err;

	if (title)
		json_set_str(req, "title", title);
	if (body)
		json_set_str(req, "body", body);
	if (state)
		json_set_str(req, "state", state);
	err = github_call_json(gh, out, "PATCH", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_issue_update(struct github *gh, struct json **out, int64_t number, const char *title,
			const char *body, const char *state)
{
	return github_edit_issue_fields(gh, out, "/issues", number, title, body, state);
}

int github_issue_comments(struct github *gh, struct json **out, int64_t number)
{
	char *path = github_repo_pathf(gh, "/issues/%lld/comments", (long long)number);
	int err = github_paginate(gh, out, path);

	free(path);
	return err;
}

int github_comment_create(struct github *gh, struct json **out, int64_t number, const char *body)
{
	struct json *req = json_new_object();
	char *path = github_repo_pathf(gh, "/issues/%lld/comments", (long long)number);
	int err;

	json_set_str(req, "body", body);
	err = github_call_json(gh, out, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_comment_update(struct github *gh, struct json **out, int64_t comment_id, const char *body)
{
	struct json *req = json_new_object();
	char *path = github_repo_pathf(gh, "/issues/comments/%lld", (long long)comment_id);
	int err;

	json_set_str(req, "body", body);
	err = github_call_json(gh, out, "PATCH", path, req);
	json_free(req);
	free(path);
	return err;
}

/* ---------------------------------------------------------------- labels */

static char *label_path(const struct github *gh, const char *name)
{
	struct strbuf esc = STRBUF_INIT;
	char *path;

	strbuf_add_urlencoded(&esc, name);
	path = github_repo_pathf(gh, "/labels/%s", esc.buf);
	strbuf_release(&esc);
	return path;
}

int github_labels_list(struct github *gh, struct json **out)
{
	char *path = github_repo_pathf(gh, "/labels");
	int err = github_paginate(gh, out, path);

	free(path);
	return err;
}

int github_label_get(struct github *gh, struct json **out, const char *name)
{
	char *path = label_path(gh, name);
	int err = github_call_json(gh, out, "GET", path, NULL);

	free(path);
	return err;
}

int github_label_create(struct github *gh, struct json **out, const char *name, const char *color,
			const char *description)
{
	struct json *req = json_new_object();
	char *path = github_repo_pathf(gh, "/labels");
	int err;

	json_set_str(req, "name", name);
	json_set_str(req, "color", color && *color == '#' ? color + 1 : color);
	if (description)
		json_set_str(req, "description", description);
	err = github_call_json(gh, out, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_label_update(struct github *gh, struct json **out, const char *name,
			const char *new_name, const char *color, const char *description)
{
	struct json *req = json_new_object();
	char *path = label_path(gh, name);
	int err;

	if (new_name)
		json_set_str(req, "new_name", new_name);
	if (color)
		json_set_str(req, "color", *color == '#' ? color + 1 : color);
	if (description)
		json_set_str(req, "description", description);
	err = github_call_json(gh, out, "PATCH", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_label_delete(struct github *gh, const char *name)
{
	char *path = label_path(gh, name);
	int err = github_call_json(gh, NULL, "DELETE", path, NULL);

	free(path);
	return err;
}

int github_label_ensure(struct github *gh, const char *name, const char *color,
			const char *description)
{
	struct json *doc = NULL;
	int err = github_label_get(gh, &doc, name);

	json_free(doc);
	if (err != BOT_ENOTFOUND)
		return err;
	doc = NULL;
	err = github_label_create(gh, &doc, name, color, description);
	json_free(doc);
	/* Someone (another run) created it between our two calls. */
	if (err == BOT_EINVALID && strstr(bot_error_last(), "already_exists"))
		return 0;
	return err;
}

/* POSTs {member: names} to /issues/NUMBER/WHAT ("labels", "assignees"). */
static int issue_add_names(struct github *gh, int64_t number, const char *what, const char *const *names,
			   size_t n)
{
	struct json *req = json_new_object();
	char *path = github_repo_pathf(gh, "/issues/%lld/%s", (long long)number, what);
	int err;

	json_set(req, what, json_new_str_array(names, n));
	err = github_call_json(gh, NULL, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_labels_add(struct github *gh, int64_t number, const char *const *labels, size_t n)
{
	return issue_add_names(gh, number, "labels", labels, n);
}

int github_issue_add_assignees(struct github *gh, int64_t number, const char *const *users, size_t n)
{
	return issue_add_names(gh, number, "assignees", users, n);
}

/* ---------------------------------------------------------------- reactions */

int github_reaction_add(struct github *gh, enum github_comment_kind kind, int64_t comment_id,
			const char *content)
{
	static const char *const allowed[] = {
		"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes",
	};
	struct json *req;
	char *path;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(allowed); i++)
		if (!strcmp(content, allowed[i]))
			break;
	if (i == ARRAY_SIZE(allowed))
		return bot_error(BOT_EINVALID, "'%s' is not a GitHub reaction", content);
	path = github_repo_pathf(gh, "/%s/comments/%lld/reactions",
				 kind == GITHUB_REVIEW_COMMENT ? "pulls" : "issues", (long long)comment_id);
	req = json_new_object();
	json_set_str(req, "content", content);
	err = github_call_json(gh, NULL, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}

const struct json *github_find_marked(const struct json *items, const char *kind, const char *key,
				      const char *author_login)
{
	const struct json *item;

	if (!author_login)
		return NULL;
	for (item = json_first(items); item; item = json_next(item)) {
		const char *login = json_str_value(json_get(item, "user.login"));

		if (login && !strcasecmp(login, author_login) &&
		    marker_find(json_str_value(json_get(item, "body")), kind, key))
			return item;
	}
	return NULL;
}

int github_issue_put_marked(struct github *gh, struct json **out, const char **action, const char *kind,
			    const char *key, const char *login, const char *title, const char *body,
			    const char *const *labels, size_t n)
{
	struct json *issues = NULL;
	const struct json *old;
	const char *old_title, *old_body;
	int64_t number = 0;
	int err;

	*out = NULL;
	/* Found by its marker first: a journal only saves work, GitHub holds the state. */
	if ((err = github_issues_list(gh, &issues, NULL, "open")) < 0)
		return err;
	old = github_find_marked(issues, kind, key, login);
	if (!old) {
		*action = "opened";
		err = github_issue_create(gh, out, title, body, labels, n);
	} else if ((old_title = json_str_value(json_member(old, "title"))) && !strcmp(old_title, title) &&
		   (old_body = json_str_value(json_member(old, "body"))) && !strcmp(old_body, body)) {
		*action = "unchanged";
		*out = json_dup(old);
	} else if ((err = json_get_int(&number, old, "number")) == 0) {
		*action = "updated";
		err = github_issue_update(gh, out, number, title, body, NULL);
	}
	json_free(issues);
	return err;
}
