#ifndef GITHUB_GITHUB_H
#define GITHUB_GITHUB_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * The GitHub REST client: every GitHub action of autofix goes through one
 * `struct github`, bound to one repository and one identity. Requests carry
 * `Accept: application/vnd.github+json` and `X-GitHub-Api-Version:
 * 2022-11-28`; redirects of renamed repositories are followed (http.c);
 * listings follow `Link: rel="next"` to the end and a listing that fails
 * on any page fails as a whole — never a short list.
 *
 * Results are JSON documents (GitHub's own shapes, see
 * https://docs.github.com/rest) owned by the caller: free them with
 * json_free(). Errors: BOT_ENOTFOUND (404), BOT_EAUTH (401/403),
 * BOT_EINVALID (422), BOT_ECONFLICT (409), BOT_ERATELIMIT, BOT_ETRANSIENT,
 * with GitHub's message recorded.
 */

enum github_auth_mode {
	GITHUB_AUTH_NONE,
	GITHUB_AUTH_APP,    /* an App JWT, exchanged for installation tokens */
	GITHUB_AUTH_TOKEN,  /* a token given as is (AUTOFIX_GITHUB_TOKEN or GITHUB_TOKEN) */
};

struct github_options {
	const char *api_url;     /* base URL; NULL: $AUTOFIX_GITHUB_API_URL, $GITHUB_API_URL, https://api.github.com */
	const char *owner;       /* the repository */
	const char *repo;
	enum github_auth_mode mode;
	const char *token;       /* GITHUB_AUTH_TOKEN */
	const char *app_id;      /* GITHUB_AUTH_APP: App ID or Client ID */
	const char *app_key_pem; /* GITHUB_AUTH_APP: the key itself, or */
	const char *app_key_file;/* a path to it */
	int64_t installation_id; /* 0: looked up for the repository */
	/*
	 * "v3" sends the older media types (application/vnd.github.v3+json,
	 * .v3.raw), which GitHub treats the same; recorded fixtures expect them.
	 */
	const char *media_version;
	int per_page;            /* page size of listings; 0: 100; negative: GitHub's default (no parameter) */
	struct http_client *http;/* borrowed; NULL: the client makes its own */
	int64_t (*now)(void);    /* seconds since the epoch (tests); NULL: time(2) */
};

/*
 * Fills opts from the environment (pointers into it; see README):
 * owner/repo from env_repository() (AUTOFIX_REPOSITORY, else
 * GITHUB_REPOSITORY); AUTOFIX_APP_ID or AUTOFIX_APP_CLIENT_ID with AUTOFIX_APP_PRIVATE_KEY or AUTOFIX_APP_PRIVATE_KEY_FILE (and
 * optionally AUTOFIX_APP_INSTALLATION_ID) selects App mode; otherwise
 * AUTOFIX_GITHUB_TOKEN, then GITHUB_TOKEN, selects token mode. Fields
 * already set in opts are kept. Returns 0, or BOT_EINVALID for a
 * malformed value, or BOT_EAUTH when an App ID has no key.
 */
int github_options_from_env(struct github_options *opts);

struct github;

/*
 * A client for opts (copied). The App key is parsed here; tokens are
 * registered as secrets. Returns 0 and *out (free with github_free), or
 * BOT_EAUTH (no credentials), BOT_EINVALID (bad key, URL or repository).
 */
int github_new(struct github **out, const struct github_options *opts);
void github_free(struct github *gh);
/* The media type for raw file contents ("application/vnd.github.raw"), for github_call's accept. */
const char *github_accept_raw(const struct github *gh);

/*
 * The raw call under every helper: method on path (below the API URL, e.g.
 * "/repos/o/r/labels"; an absolute URL is used as is) with body (NULL: none)
 * serialised as JSON. accept NULL means the JSON media type. resp must be
 * initialised; it is filled whatever the status. Returns 0 for a 2xx,
 * else the http_status_error() code for the status, or http_do()'s error.
 */
int github_call(struct github *gh, const char *method, const char *path, const struct json *body,
		const char *accept, struct http_response *resp);

/*
 * github_call, then the 2xx body parsed into *out (NULL for an empty body).
 * out NULL: the body is still parsed (a 2xx that is not JSON fails) but dropped.
 */
int github_call_json(struct github *gh, struct json **out, const char *method, const char *path,
		     const struct json *body);

/*
 * GETs path and every following page (Link rel="next"), concatenating the
 * arrays into one array *out. per_page (the option) is added unless path has it.
 * Any failing page fails the whole listing. At most 100 pages.
 */
int github_paginate(struct github *gh, struct json **out, const char *path);
/*
 * The URL of rel="next" in a Link header's value, appended to out.
 * Returns 1 when there is one, 0 when not (out unchanged).
 */
int github_link_next(struct strbuf *out, const char *link);

/*
 * Lists what ("/issues", "/pulls") of the repository in state (NULL:
 * "open"), narrowed by the query parameter key=value when value is not
 * NULL, every page. Returns as github_paginate.
 */
int github_list_in_state(struct github *gh, struct json **out, const char *what,
			 const char *state, const char *key, const char *value);

/*
 * PATCHes issue or pull request number (what: "/issues", "/pulls") with
 * those of title, body and state that are not NULL; *out is the updated
 * object. Returns as github_call_json.
 */
int github_edit_issue_fields(struct github *gh, struct json **out, const char *what, int64_t number,
			     const char *title, const char *body, const char *state);

/* Appends "/repos/{owner}/{repo}" (escaped) to sb. */
void github_add_repo_path(struct strbuf *sb, const struct github *gh);
/* "/repos/{owner}/{repo}" followed by the formatted suffix (escape values yourself); free(3) it. */
char *github_repo_pathf(const struct github *gh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------- authentication */

/*
 * An installation access token for the repository, from the cache or from
 * `POST /app/installations/{id}/access_tokens` narrowed to the repository
 * and to contents, pull requests and issues (write) and metadata (read).
 * Refreshed when less than 5 minutes of it remain. In token mode, the
 * token. *out points into gh, valid until the next call.
 */
int github_token(struct github *gh, const char **out);

/*
 * The login autofix writes as, for github_find_marked(): "SLUG[bot]" for an
 * App (`GET /app`), the token's user (`GET /user`), or under Actions, for
 * GITHUB_TOKEN (which /user refuses), "github-actions[bot]". *out to free(3).
 */
int github_login(struct github *gh, char **out);

/*
 * The commit identity autofix uses by default: *name is github_login()'s
 * login, *email GitHub's noreply address for that user,
 * "ID+LOGIN@users.noreply.github.com" (an App's bot user's id from `GET
 * /users/SLUG[bot]`; 41898282 for github-actions[bot]). Both to free(3).
 */
int github_identity(struct github *gh, char **name, char **email);

/* The repository (`GET /repos/{o}/{r}`): clone_url, default_branch, ... */
int github_repo_get(struct github *gh, struct json **out);

/* The installation id of the repository (`GET /repos/{o}/{r}/installation`, App JWT). */
int github_installation_id(struct github *gh, int64_t *out);

/* The App's installations (`GET /app/installations` with the App JWT), every page. BOT_EAUTH without an App. */
int github_app_installations(struct github *gh, struct json **out);

/*
 * The repositories the client's token reaches (`GET /installation/repositories`,
 * every page; GitHub wraps each page's in {"repositories": [...]}): for an
 * App client made with opts.installation_id and no repository, all of that
 * installation's. Returns as github_paginate.
 */
int github_installation_repositories(struct github *gh, struct json **out);

/* ---------------------------------------------------------- contents */

/*
 * The raw bytes of file path at ref (NULL: the default branch), appended
 * to out (at most max bytes; 0: 1 MiB). BOT_ENOTFOUND when there is no
 * such file.
 */
int github_content_raw(struct github *gh, struct strbuf *out, const char *path, const char *ref,
		       size_t max);

/*
 * Whether repository owner/repo (any the client's token reaches, not only
 * its own) has file path at ref (NULL: its default branch): 1 yes, 0 no
 * (GitHub's 404), or a negative code for any other failure.
 */
int github_file_exists(struct github *gh, const char *owner, const char *repo, const char *path,
		       const char *ref);

/* ---------------------------------------------------------- pull requests */

/* Pulls with head "owner:branch" (NULL: any) and state "open", "closed" or "all" (NULL: open). */
int github_pulls_list(struct github *gh, struct json **out, const char *head, const char *state);
int github_pull_get(struct github *gh, struct json **out, int64_t number);
int github_pull_create(struct github *gh, struct json **out, const char *title, const char *head,
		       const char *base, const char *body, int draft);
/* Updates the non-NULL fields; state is "open" or "closed". */
int github_pull_update(struct github *gh, struct json **out, int64_t number, const char *title,
		       const char *body, const char *state);
int github_pull_files(struct github *gh, struct json **out, int64_t number);
int github_pull_reviews(struct github *gh, struct json **out, int64_t number);
int github_pull_review_comments(struct github *gh, struct json **out, int64_t number);
/*
 * Requests reviews from people: each of names[0..n) is a user's login, or
 * "org/team", which goes to GitHub as the team's slug in team_reviewers.
 */
int github_pull_request_reviewers(struct github *gh, int64_t number, const char *const *names,
				  size_t n);

/* ---------------------------------------------------------- issues and comments */

/* Issues (pull requests included, as GitHub lists them) with all of labels (comma-separated; NULL: any). */
int github_issues_list(struct github *gh, struct json **out, const char *labels, const char *state);
int github_issue_create(struct github *gh, struct json **out, const char *title, const char *body,
			const char *const *labels, size_t labels_nr);
int github_issue_update(struct github *gh, struct json **out, int64_t number, const char *title,
			const char *body, const char *state);
int github_issue_comments(struct github *gh, struct json **out, int64_t number);
int github_comment_create(struct github *gh, struct json **out, int64_t number, const char *body);
int github_comment_update(struct github *gh, struct json **out, int64_t comment_id, const char *body);

/*
 * What autofix made before, for an idempotent create: the first of items
 * (issues, pull requests or comments as GitHub lists them) whose body
 * holds the marker for kind and key (util/marker.h) and whose author,
 * `user.login`, is author_login (compared without case, as GitHub treats
 * logins): autofix's own identity, "SLUG[bot]" for an App. Anyone can
 * paste a marker into a comment of their own, so a marker alone proves
 * nothing. NULL when there is none (or author_login is NULL); the result
 * points into items.
 */
const struct json *github_find_marked(const struct json *items, const char *kind, const char *key,
				      const char *author_login);

/*
 * autofix's open issue for kind and key (github_find_marked() on every open
 * issue), given title and body: edited when either differs, else left as it
 * is; or, when there is none, created with labels (n of them; may be 0).
 * *out is the issue, *action "opened", "updated" or "unchanged". Returns
 * as github_call_json (a listing that fails is an error, never "none").
 */
int github_issue_put_marked(struct github *gh, struct json **out, const char **action, const char *kind,
			    const char *key, const char *login, const char *title, const char *body,
			    const char *const *labels, size_t n);

/* ---------------------------------------------------------- labels */

int github_labels_list(struct github *gh, struct json **out);
int github_label_get(struct github *gh, struct json **out, const char *name);
/* description may be NULL. */
int github_label_create(struct github *gh, struct json **out, const char *name, const char *color,
			const char *description);
/* Renames (new_name) and/or recolours; NULL fields are left alone. */
int github_label_update(struct github *gh, struct json **out, const char *name,
			const char *new_name, const char *color, const char *description);
int github_label_delete(struct github *gh, const char *name);
/* Creates the label unless it exists (a 422 "already_exists" race counts as existing). */
int github_label_ensure(struct github *gh, const char *name, const char *color,
			const char *description);
/* Assigns users (n of them) to an issue or pull request. */
int github_issue_add_assignees(struct github *gh, int64_t number, const char *const *users, size_t n);
/* Adds labels to an issue or pull request. */
int github_labels_add(struct github *gh, int64_t number, const char *const *labels, size_t n);

/* ---------------------------------------------------------- reactions */

enum github_comment_kind { GITHUB_ISSUE_COMMENT, GITHUB_REVIEW_COMMENT };

/* Reacts to a comment; content is one of +1 -1 laugh confused heart hooray rocket eyes. */
int github_reaction_add(struct github *gh, enum github_comment_kind kind, int64_t comment_id,
			const char *content);

/* ---------------------------------------------------------- people */

/* The user's permission on the repository: "admin", "write", "read" or "none"; *out to free(3). */
int github_collaborator_permission(struct github *gh, char **out, const char *user);
/*
 * The same answer with its role: *role is `role_name` ("admin",
 * "maintain", "write", "triage", "read", a custom role's name; NULL when
 * GitHub sent none; role may be NULL), *permission the coarse
 * "permission". Both to free(3).
 */
int github_collaborator_role(struct github *gh, char **role, char **permission, const char *user);

/* ---------------------------------------------------------- git refs and compare */

/*
 * ref is "heads/branch" or "tags/x" (as GitHub's paths want it), except for
 * github_ref_create, which takes "refs/heads/branch" (as its body wants).
 * *sha_out (free(3)) is the object the ref points to. force allows a
 * non-fast-forward update.
 */
int github_ref_get(struct github *gh, char **sha_out, const char *ref);
int github_ref_create(struct github *gh, const char *ref, const char *sha);
int github_ref_update(struct github *gh, const char *ref, const char *sha, int force);
int github_ref_delete(struct github *gh, const char *ref);
/* `GET /repos/{o}/{r}/compare/{base}...{head}`. */
int github_compare(struct github *gh, struct json **out, const char *base, const char *head);

#endif
