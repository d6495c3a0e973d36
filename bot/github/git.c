/*
 * Repository data: file contents, git refs, comparisons, and who may do
 * what (collaborator permission).
 */
#include <stdlib.h>
#include <string.h>

#include "github/github.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define DEFAULT_CONTENT_MAX ((size_t)1 << 20)

/* Escapes each segment of a slash-separated path, keeping the slashes. */
static void add_escaped_path(struct strbuf *sb, const char *path)
{
	struct strbuf seg = STRBUF_INIT;

	for (;;) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		strbuf_reset(&seg);
		strbuf_add(&seg, path, n);
		strbuf_add_urlencoded(sb, seg.buf);
		if (!slash)
			break;
		strbuf_addch(sb, '/');
		path = slash + 1;
	}
	strbuf_release(&seg);
}

/* "/contents/FILE[?ref=REF]", escaped, appended to sb. */
static void add_contents_path(struct strbuf *sb, const char *file, const char *ref)
{
	strbuf_addstr(sb, "/contents/");
	add_escaped_path(sb, file);
	if (ref) {
		strbuf_addstr(sb, "?ref=");
		strbuf_add_urlencoded(sb, ref);
	}
}

int github_content_raw(struct github *gh, struct strbuf *out, const char *file, const char *ref,
		       size_t max)
{
	struct strbuf path = STRBUF_INIT;
	struct http_response resp;
	int err;

	if (!max)
		max = DEFAULT_CONTENT_MAX;
	github_add_repo_path(&path, gh);
	add_contents_path(&path, file, ref);
	http_response_init(&resp);
	/* The raw media type answers with the file's bytes, not base64 inside JSON. */
	err = github_call(gh, "GET", path.buf, NULL, github_accept_raw(gh), &resp);
	if (!err && resp.body.len > max)
		err = bot_error(BOT_ETOOBIG, "'%s' is larger than %zu bytes", file, max);
	if (!err)
		strbuf_addbuf(out, &resp.body);
	http_response_release(&resp);
	strbuf_release(&path);
	return err;
}

int github_file_exists(struct github *gh, const char *owner, const char *repo, const char *file,
		       const char *ref)
{
	struct strbuf path = STRBUF_INIT;
	struct http_response resp;
	int err;

	strbuf_addstr(&path, "/repos/");
	strbuf_add_urlencoded(&path, owner);
	strbuf_addch(&path, '/');
	strbuf_add_urlencoded(&path, repo);
	add_contents_path(&path, file, ref);
	http_response_init(&resp);
	/* The raw media type: the file's bytes (dropped), not base64 inside JSON. */
	err = github_call(gh, "GET", path.buf, NULL, github_accept_raw(gh), &resp);
	http_response_release(&resp);
	strbuf_release(&path);
	if (err == BOT_ENOTFOUND)
		return 0;
	return err < 0 ? err : 1;
}

int github_collaborator_role(struct github *gh, char **role, char **permission, const char *user)
{
	struct strbuf esc = STRBUF_INIT;
	struct json *doc = NULL;
	const char *perm, *name = NULL;
	char *path;
	int err;

	*permission = NULL;
	if (role)
		*role = NULL;
	strbuf_add_urlencoded(&esc, user);
	path = github_repo_pathf(gh, "/collaborators/%s/permission", esc.buf);
	err = github_call_json(gh, &doc, "GET", path, NULL);
	if (!err)
		err = json_get_str(&perm, doc, "permission");
	if (!err && role)
		err = json_get_opt_str(&name, doc, "role_name");
	if (!err) {
		*permission = xstrdup(perm);
		if (role && name)
			*role = xstrdup(name);
	}
	json_free(doc);
	free(path);
	strbuf_release(&esc);
	return err;
}

int github_collaborator_permission(struct github *gh, char **out, const char *user)
{
	return github_collaborator_role(gh, NULL, out, user);
}

static int check_ref(const char *ref, int qualified)
{
	if (!ref || !*ref || strstr(ref, "..") || ref[0] == '/')
		return bot_error(BOT_EINVALID, "bad git ref '%s'", ref ? ref : "");
	if (qualified != starts_with(ref, "refs/"))
		return bot_error(BOT_EINVALID, "git ref '%s' %s start with 'refs/'", ref,
				 qualified ? "must" : "must not");
	return 0;
}

int github_ref_get(struct github *gh, char **sha_out, const char *ref)
{
	struct json *doc = NULL;
	const char *sha;
	char *path;
	int err;

	*sha_out = NULL;
	if ((err = check_ref(ref, 0)) < 0)
		return err;
	path = github_repo_pathf(gh, "/git/ref/%s", ref);
	err = github_call_json(gh, &doc, "GET", path, NULL);
	if (!err)
		err = json_get_str(&sha, doc, "object.sha");
	if (!err)
		*sha_out = xstrdup(sha);
	json_free(doc);
	free(path);
	return err;
}

int github_ref_create(struct github *gh, const char *ref, const char *sha)
{
	struct json *req;
	char *path;
	int err;

	if ((err = check_ref(ref, 1)) < 0)
		return err;
	req = json_new_object();
	json_set_str(req, "ref", ref);
	json_set_str(req, "sha", sha);
	path = github_repo_pathf(gh, "/git/refs");
	err = github_call_json(gh, NULL, "POST", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_ref_update(struct github *gh, const char *ref, const char *sha, int force)
{
	struct json *req;
	char *path;
	int err;

	if ((err = check_ref(ref, 0)) < 0)
		return err;
	req = json_new_object();
	json_set_str(req, "sha", sha);
	if (force)
		json_set_bool(req, "force", 1);
	path = github_repo_pathf(gh, "/git/refs/%s", ref);
	err = github_call_json(gh, NULL, "PATCH", path, req);
	json_free(req);
	free(path);
	return err;
}

int github_ref_delete(struct github *gh, const char *ref)
{
	char *path;
	int err;

	if ((err = check_ref(ref, 0)) < 0)
		return err;
	path = github_repo_pathf(gh, "/git/refs/%s", ref);
	err = github_call_json(gh, NULL, "DELETE", path, NULL);
	free(path);
	return err;
}

int github_compare(struct github *gh, struct json **out, const char *base, const char *head)
{
	struct strbuf b = STRBUF_INIT, h = STRBUF_INIT;
	char *path;
	int err;

	strbuf_add_urlencoded(&b, base);
	strbuf_add_urlencoded(&h, head);
	path = github_repo_pathf(gh, "/compare/%s...%s", b.buf, h.buf);
	err = github_call_json(gh, out, "GET", path, NULL);
	free(path);
	strbuf_release(&b);
	strbuf_release(&h);
	return err;
}
