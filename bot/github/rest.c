/*
 * The core of the GitHub client: configuration from the environment, the
 * identity (App installation token or a plain token), one call, and
 * pagination. The typed helpers live in pulls.c, issues.c and git.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "github/app.h"
#include "github/github.h"
#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define DEFAULT_API_URL "https://api.github.com"
#define API_VERSION "2022-11-28"
/* Refresh an installation token this long before GitHub expires it. */
#define TOKEN_REFRESH_MARGIN (5 * 60)
#define MAX_PAGES 100

struct github {
	char *api_url;           /* without a trailing slash */
	char *owner, *repo;
	enum github_auth_mode mode;
	char *token;             /* token mode, or the cached installation token */
	int64_t token_expires;   /* App mode: epoch seconds, 0 when none cached */
	char *app_id;
	struct github_app_key *key;
	int64_t installation_id;
	int per_page;
	char *accept_json, *accept_raw;
	struct http_client *http;
	int own_http;
	int64_t (*now)(void);
};

static int64_t system_now(void)
{
	return (int64_t)time(NULL);
}

static int parse_id(int64_t *out, const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v <= 0)
		return bot_error(BOT_EINVALID, "%s: '%s' is not a positive number", what, s);
	*out = v;
	return 0;
}

int github_options_from_env(struct github_options *o)
{
	const char *repo_var;
	const char *repo = env_repository(&repo_var);
	const char *inst = env_get("AUTOFIX_APP_INSTALLATION_ID");
	const char *app_id, *key_pem, *key_file;
	static struct strbuf owner = STRBUF_INIT;
	int err;

	if (!o->api_url)
		o->api_url = env_get("AUTOFIX_GITHUB_API_URL") ? env_get("AUTOFIX_GITHUB_API_URL")
							   : env_get("GITHUB_API_URL");
	if (repo && !o->owner && !o->repo) {
		const char *slash = strchr(repo, '/');
		if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/'))
			return bot_error(BOT_EINVALID, "%s: '%s' is not owner/name", repo_var, repo);
		strbuf_reset(&owner);
		strbuf_add(&owner, repo, (size_t)(slash - repo));
		o->owner = owner.buf;
		o->repo = slash + 1;
	}
	if (o->mode != GITHUB_AUTH_NONE)
		return 0;
	github_app_from_env(&app_id, &key_pem, &key_file);
	if (app_id) {
		o->mode = GITHUB_AUTH_APP;
		o->app_id = app_id;
		o->app_key_pem = key_pem;
		o->app_key_file = key_file;
		if (!o->app_key_pem && !o->app_key_file)
			return bot_error(BOT_EAUTH, "AUTOFIX_APP_ID is set but neither "
				"AUTOFIX_APP_PRIVATE_KEY nor AUTOFIX_APP_PRIVATE_KEY_FILE is");
		if (inst && (err = parse_id(&o->installation_id, inst, "AUTOFIX_APP_INSTALLATION_ID")) < 0)
			return err;
	} else if (env_get("AUTOFIX_GITHUB_TOKEN")) {
		o->mode = GITHUB_AUTH_TOKEN;
		o->token = env_get("AUTOFIX_GITHUB_TOKEN");
	} else if (env_get("GITHUB_TOKEN")) {
		o->mode = GITHUB_AUTH_TOKEN;
		o->token = env_get("GITHUB_TOKEN");
	}
	return 0;
}

int github_new(struct github **out, const struct github_options *o)
{
	struct github *gh;
	const char *url = o->api_url ? o->api_url : DEFAULT_API_URL;
	size_t len = strlen(url);
	int err;

	*out = NULL;
	if (!starts_with(url, "https://") && !starts_with(url, "http://"))
		return bot_error(BOT_EINVALID, "GitHub API URL '%s' is not http(s)", url);
	if (o->owner && (strchr(o->owner, '/') || !*o->owner || !o->repo || !*o->repo ||
			 strchr(o->repo, '/')))
		return bot_error(BOT_EINVALID, "bad repository '%s/%s'", o->owner, o->repo ? o->repo : "");
	gh = xcalloc(1, sizeof(*gh));
	while (len && url[len - 1] == '/')
		len--;
	gh->api_url = xstrndup(url, len);
	gh->owner = o->owner ? xstrdup(o->owner) : NULL;
	gh->repo = o->repo ? xstrdup(o->repo) : NULL;
	gh->mode = o->mode;
	gh->installation_id = o->installation_id;
	gh->per_page = o->per_page ? o->per_page : 100;
	gh->now = o->now ? o->now : system_now;
	if (o->media_version && *o->media_version) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "application/vnd.github.%s+json", o->media_version);
		gh->accept_json = strbuf_detach(&sb, NULL);
		strbuf_addf(&sb, "application/vnd.github.%s.raw", o->media_version);
		gh->accept_raw = strbuf_detach(&sb, NULL);
	} else {
		gh->accept_json = xstrdup("application/vnd.github+json");
		gh->accept_raw = xstrdup("application/vnd.github.raw");
	}
	gh->http = o->http;
	if (!gh->http) {
		gh->http = http_client_new(NULL);
		gh->own_http = 1;
	}

	switch (o->mode) {
	case GITHUB_AUTH_TOKEN:
		if (!o->token || !*o->token) {
			err = bot_error(BOT_EAUTH, "token authentication without a token");
			goto fail;
		}
		gh->token = xstrdup(o->token);
		log_add_secret(gh->token);
		break;
	case GITHUB_AUTH_APP:
		if (!o->app_id || !*o->app_id) {
			err = bot_error(BOT_EAUTH, "App authentication without an App ID");
			goto fail;
		}
		gh->app_id = xstrdup(o->app_id);
		if (o->app_key_pem)
			err = github_app_key_parse(&gh->key, o->app_key_pem, strlen(o->app_key_pem));
		else if (o->app_key_file)
			err = github_app_key_load(&gh->key, o->app_key_file);
		else
			err = bot_error(BOT_EAUTH, "App authentication without a private key");
		if (err < 0)
			goto fail;
		break;
	case GITHUB_AUTH_NONE:
		break;
	}
	*out = gh;
	return 0;
fail:
	github_free(gh);
	return err;
}

void github_free(struct github *gh)
{
	if (!gh)
		return;
	if (gh->own_http)
		http_client_free(gh->http);
	github_app_key_free(gh->key);
	free(gh->api_url);
	free(gh->owner);
	free(gh->repo);
	free(gh->token);
	free(gh->app_id);
	free(gh->accept_json);
	free(gh->accept_raw);
	free(gh);
}

const char *github_accept_raw(const struct github *gh)
{
	return gh->accept_raw;
}

void github_add_repo_path(struct strbuf *sb, const struct github *gh)
{
	strbuf_addstr(sb, "/repos/");
	strbuf_add_urlencoded(sb, gh->owner ? gh->owner : "");
	strbuf_addch(sb, '/');
	strbuf_add_urlencoded(sb, gh->repo ? gh->repo : "");
}

char *github_repo_pathf(const struct github *gh, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	github_add_repo_path(&sb, gh);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

/* ---------------------------------------------------------------- one call */

enum auth_as { AS_INSTALLATION, AS_APP };

static int do_call(struct github *gh, enum auth_as as, const char *method, const char *path,
		   const struct json *body, const char *accept, struct http_response *resp)
{
	struct http_request req;
	struct strbuf url = STRBUF_INIT;
	int err = 0;

	if (starts_with(path, "https://") || starts_with(path, "http://")) {
		/* A Link or Location elsewhere must not receive our credentials. */
		size_t n = strlen(gh->api_url);
		if (strncmp(path, gh->api_url, n) || (path[n] && path[n] != '/' && path[n] != '?')) {
			strbuf_release(&url);
			return bot_error(BOT_EINVALID, "refusing to send GitHub credentials to '%s', "
					 "outside the API URL '%s'", path, gh->api_url);
		}
		strbuf_addstr(&url, path);
	} else
		strbuf_addf(&url, "%s%s", gh->api_url, path);
	http_request_init(&req, method, url.buf);
	/* A POST makes something (a comment, a pull request): not sent twice blindly. A token is harmless. */
	req.not_idempotent = !strcmp(method, "POST") && !strstr(path, "/access_tokens");
	http_request_header(&req, "Accept", "%s", accept ? accept : gh->accept_json);
	http_request_header(&req, "X-GitHub-Api-Version", API_VERSION);
	if (as == AS_APP) {
		char *jwt;
		if ((err = github_app_jwt(&jwt, gh->key, gh->app_id, gh->now())) < 0)
			goto out;
		http_request_header(&req, "Authorization", "Bearer %s", jwt);
		free(jwt);
	} else if (gh->mode != GITHUB_AUTH_NONE) {
		const char *token;
		if ((err = github_token(gh, &token)) < 0)
			goto out;
		http_request_header(&req, "Authorization", "token %s", token);
	}
	if (body) {
		char *text = json_print(body, 0);
		http_request_header(&req, "Content-Type", "application/json; charset=utf-8");
		strbuf_addstr(&req.body, text);
		free(text);
	}
	if ((err = http_do(gh->http, &req, resp)) < 0)
		goto out;
	if (resp->status < 200 || resp->status >= 300) {
		struct strbuf what = STRBUF_INIT;
		strbuf_addf(&what, "%s %s", method, path);
		err = http_status_error(resp, what.buf);
		strbuf_release(&what);
	}
out:
	http_request_release(&req);
	strbuf_release(&url);
	return err;
}

int github_call(struct github *gh, const char *method, const char *path, const struct json *body,
		const char *accept, struct http_response *resp)
{
	int err = do_call(gh, AS_INSTALLATION, method, path, body, accept, resp);

	/* A token revoked or expired early: get a fresh one, once. */
	if (err == BOT_EAUTH && resp->status == 401 && gh->mode == GITHUB_AUTH_APP &&
	    gh->token_expires) {
		gh->token_expires = 0;
		err = do_call(gh, AS_INSTALLATION, method, path, body, accept, resp);
	}
	return err;
}

static int parse_body(struct json **out, const struct http_response *resp, const char *method,
		      const char *path)
{
	int err;

	*out = NULL;
	if (!resp->body.len)
		return 0;
	if ((err = json_parse(out, resp->body.buf, resp->body.len)) < 0)
		return bot_error_wrap(err, "%s %s: response is not JSON: ", method, path);
	return 0;
}

int github_call_json(struct github *gh, struct json **out, const char *method, const char *path,
		     const struct json *body)
{
	struct http_response resp;
	struct json *doc = NULL;
	int err;

	if (out)
		*out = NULL;
	http_response_init(&resp);
	err = github_call(gh, method, path, body, NULL, &resp);
	if (!err)
		err = parse_body(&doc, &resp, method, path);
	http_response_release(&resp);
	if (out)
		*out = doc;
	else
		json_free(doc);
	return err;
}

/* ---------------------------------------------------------------- pagination */

int github_link_next(struct strbuf *out, const char *link)
{
	const char *p = link;

	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt, *end;
		if (!lt || !(gt = strchr(lt, '>')))
			return 0;
		end = strchr(gt, ',');
		if (!end)
			end = gt + strlen(gt);
		{
			struct strbuf params = STRBUF_INIT;
			int is_next;
			strbuf_add(&params, gt + 1, (size_t)(end - gt - 1));
			is_next = strstr(params.buf, "rel=\"next\"") || strstr(params.buf, "rel=next");
			strbuf_release(&params);
			if (is_next) {
				strbuf_add(out, lt + 1, (size_t)(gt - lt - 1));
				return 1;
			}
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/*
 * GETs path and every following page as as (an installation token or the
 * App's JWT), concatenating each page's array, or its member key when key
 * is not NULL (listings GitHub wraps in an object), into *out.
 */
static int paginate(struct github *gh, enum auth_as as, const char *key, struct json **out,
		    const char *path)
{
	struct strbuf next = STRBUF_INIT;
	struct json *all = json_new_array();
	struct http_response resp;
	int pages = 0, err = 0;

	*out = NULL;
	http_response_init(&resp);
	strbuf_addstr(&next, path);
	if (gh->per_page > 0 && !strstr(path, "per_page="))
		strbuf_addf(&next, "%sper_page=%d", strchr(path, '?') ? "&" : "?", gh->per_page);
	for (;;) {
		struct json *page = NULL;
		const struct json *item, *items = NULL;
		const char *link;
		char *url = strbuf_detach(&next, NULL);

		if (++pages > MAX_PAGES) {
			err = bot_error(BOT_ETOOBIG, "GET %s: more than %d pages", path, MAX_PAGES);
			free(url);
			break;
		}
		err = as == AS_APP ? do_call(gh, AS_APP, "GET", url, NULL, NULL, &resp)
				   : github_call(gh, "GET", url, NULL, NULL, &resp);
		if (!err)
			err = parse_body(&page, &resp, "GET", url);
		items = key ? json_member(page, key) : page;
		if (!err && json_type(items) != JSON_ARRAY)
			err = bot_error(BOT_EINVALID, "GET %s: expected an array%s%s, found %s", url,
					key ? " in " : "", key ? key : "", json_type_name(items));
		if (err < 0) {
			if (pages > 1)
				bot_error_wrap(err, "listing failed on page %d: ", pages);
			json_free(page);
			free(url);
			break;
		}
		for (item = json_first(items); item; item = json_next(item))
			json_append(all, json_dup(item));
		json_free(page);
		free(url);
		link = http_response_header(&resp, "Link");
		if (!link || !github_link_next(&next, link))
			break;
	}
	http_response_release(&resp);
	strbuf_release(&next);
	if (err < 0) {
		json_free(all);
		return err;
	}
	*out = all;
	return 0;
}

int github_paginate(struct github *gh, struct json **out, const char *path)
{
	return paginate(gh, AS_INSTALLATION, NULL, out, path);
}

int github_app_installations(struct github *gh, struct json **out)
{
	if (gh->mode != GITHUB_AUTH_APP)
		return bot_error(BOT_EAUTH, "listing the App's installations needs App credentials");
	return paginate(gh, AS_APP, NULL, out, "/app/installations");
}

int github_installation_repositories(struct github *gh, struct json **out)
{
	return paginate(gh, AS_INSTALLATION, "repositories", out, "/installation/repositories");
}

/* ---------------------------------------------------------------- authentication */

/*
 * Who autofix is: *login (free(3)) and, when id is not NULL, the numeric
 * id of that user (GitHub's noreply address needs it). An App acts as
 * "SLUG[bot]" (`GET /app`), whose id is its bot user's (`GET
 * /users/SLUG[bot]`); a token as its user (`GET /user`); Actions'
 * GITHUB_TOKEN, which /user refuses, as "github-actions[bot]".
 */
static int whoami(struct github *gh, char **login, int64_t *id)
{
	struct http_response resp;
	struct json *doc = NULL;
	const char *name;
	int err;

	*login = NULL;
	if (id)
		*id = 0;
	http_response_init(&resp);
	if (gh->mode == GITHUB_AUTH_APP)
		err = do_call(gh, AS_APP, "GET", "/app", NULL, NULL, &resp);
	else
		err = github_call(gh, "GET", "/user", NULL, NULL, &resp);
	/*
	 * Actions' GITHUB_TOKEN is an installation token of the "github-actions"
	 * App: GET /user refuses it (403), and what it writes is by that bot,
	 * whose user id GitHub documents (41898282).
	 */
	if (err == BOT_EAUTH && resp.status == 403 && gh->mode == GITHUB_AUTH_TOKEN &&
	    env_get("GITHUB_ACTIONS") && !strcmp(env_get("GITHUB_ACTIONS"), "true")) {
		*login = xstrdup("github-actions[bot]");
		if (id)
			*id = 41898282;
		err = 0;
		goto out;
	}
	if (!err)
		err = parse_body(&doc, &resp, "GET", gh->mode == GITHUB_AUTH_APP ? "/app" : "/user");
	if (!err) {
		name = json_str_value(json_get(doc, gh->mode == GITHUB_AUTH_APP ? "slug" : "login"));
		if (!name || !*name)
			err = bot_error(BOT_EINVALID, "GitHub did not say who autofix is");
		else {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "%s%s", name, gh->mode == GITHUB_AUTH_APP ? "[bot]" : "");
			*login = strbuf_detach(&sb, NULL);
		}
	}
	if (!err && id && gh->mode != GITHUB_AUTH_APP)
		err = json_get_int(id, doc, "id");
	if (!err && id && gh->mode == GITHUB_AUTH_APP) {
		/* The App's id is not its bot user's: that one is the user's own. */
		struct strbuf path = STRBUF_INIT;
		struct json *user = NULL;
		strbuf_addstr(&path, "/users/");
		strbuf_add_urlencoded(&path, *login);
		err = github_call_json(gh, &user, "GET", path.buf, NULL);
		if (!err)
			err = json_get_int(id, user, "id");
		json_free(user);
		strbuf_release(&path);
	}
	if (err < 0) {
		free(*login);
		*login = NULL;
	}
out:
	json_free(doc);
	http_response_release(&resp);
	return err;
}

int github_login(struct github *gh, char **out)
{
	return whoami(gh, out, NULL);
}

int github_identity(struct github *gh, char **name, char **email)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t id = 0;
	int err;

	*email = NULL;
	if ((err = whoami(gh, name, &id)) < 0)
		return err;
	/* GitHub's noreply form, which links a commit to the account: ID+LOGIN@users.noreply.github.com. */
	strbuf_addf(&sb, "%lld+%s@users.noreply.github.com", (long long)id, *name);
	*email = strbuf_detach(&sb, NULL);
	return 0;
}

int github_repo_get(struct github *gh, struct json **out)
{
	struct strbuf path = STRBUF_INIT;
	int err;

	github_add_repo_path(&path, gh);
	err = github_call_json(gh, out, "GET", path.buf, NULL);
	strbuf_release(&path);
	return err;
}

int github_installation_id(struct github *gh, int64_t *out)
{
	struct http_response resp;
	struct strbuf path = STRBUF_INIT;
	struct json *doc = NULL;
	int err;

	if (gh->installation_id) {
		*out = gh->installation_id;
		return 0;
	}
	if (gh->mode != GITHUB_AUTH_APP || !gh->owner)
		return bot_error(BOT_EAUTH, "no App credentials to find the installation with");
	http_response_init(&resp);
	github_add_repo_path(&path, gh);
	strbuf_addstr(&path, "/installation");
	err = do_call(gh, AS_APP, "GET", path.buf, NULL, NULL, &resp);
	if (err == BOT_ENOTFOUND)
		err = bot_error(BOT_EAUTH, "the App is not installed on '%s/%s'", gh->owner, gh->repo);
	if (!err)
		err = parse_body(&doc, &resp, "GET", path.buf);
	if (!err)
		err = json_get_int(&gh->installation_id, doc, "id");
	if (!err)
		*out = gh->installation_id;
	json_free(doc);
	http_response_release(&resp);
	strbuf_release(&path);
	return err;
}

/* "2026-11-28T12:00:00Z" -> epoch seconds. */
int github_token(struct github *gh, const char **out)
{
	struct http_response resp;
	struct strbuf path = STRBUF_INIT;
	struct json *body = NULL, *doc = NULL, *repos, *perms;
	const char *token = NULL, *expires = NULL;
	int64_t id = 0, exp_ms = 0;
	int err;

	*out = NULL;
	if (gh->mode == GITHUB_AUTH_TOKEN) {
		*out = gh->token;
		return 0;
	}
	if (gh->mode != GITHUB_AUTH_APP)
		return bot_error(BOT_EAUTH, "no GitHub credentials");
	if (gh->token && gh->token_expires - TOKEN_REFRESH_MARGIN > gh->now()) {
		*out = gh->token;
		return 0;
	}
	if ((err = github_installation_id(gh, &id)) < 0)
		return err;

	body = json_new_object();
	if (gh->repo) {
		repos = json_new_array();
		json_append(repos, json_new_str(gh->repo));
		json_set(body, "repositories", repos);
	}
	/* What autofix does and nothing more: push branches, open PRs, comment, label. */
	perms = json_new_object();
	json_set_str(perms, "contents", "write");
	json_set_str(perms, "pull_requests", "write");
	json_set_str(perms, "issues", "write");
	json_set_str(perms, "metadata", "read");
	json_set(body, "permissions", perms);

	http_response_init(&resp);
	strbuf_addf(&path, "/app/installations/%lld/access_tokens", (long long)id);
	err = do_call(gh, AS_APP, "POST", path.buf, body, NULL, &resp);
	if (!err)
		err = parse_body(&doc, &resp, "POST", path.buf);
	if (!err)
		err = json_get_str(&token, doc, "token");
	if (!err)
		err = json_get_str(&expires, doc, "expires_at");
	if (!err)
		err = time_parse_iso8601(&exp_ms, expires);
	if (!err) {
		free(gh->token);
		gh->token = xstrdup(token);
		gh->token_expires = exp_ms / 1000;
		log_add_secret(gh->token);
		log_debug("github: installation token for installation %lld, expires %s",
			  (long long)id, expires);
		*out = gh->token;
	} else {
		bot_error_wrap(err, "cannot get an installation token: ");
	}
	json_free(body);
	json_free(doc);
	http_response_release(&resp);
	strbuf_release(&path);
	return err;
}
