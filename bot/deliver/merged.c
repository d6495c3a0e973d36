/*
 * autofix's merged pull requests: the verdict on a fix, and the comment
 * when its problem comes back. See merged.h.
 */
#include <stdlib.h>
#include <string.h>

#include "deliver/merged.h"
#include "deliver/pull_request.h"
#include "plan/template.h"
#include "util/error.h"
#include "util/marker.h"
#include "util/redact.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define VERDICT_KIND "verdict"
#define REGRESSION_KIND "regression"

static const char *str_of(const struct json *j, const char *key)
{
	return json_str_value(json_member(j, key));
}

/*
 * Renders template name with data (values redacted, then escaped for
 * Markdown, the whole redacted again) and comments it on PR number,
 * unless a comment of autofix's already carries the marker kind:key.
 * *commented says whether one was made.
 */
static int comment_once(int *commented, struct github *gh, const char *login, int64_t number,
			const char *kind, const char *key, const char *name, const struct json *data,
			const char *repo_root)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;
	struct strbuf marker = STRBUF_INIT, body = STRBUF_INIT;
	struct json *comments = NULL, *d = NULL;
	int err;

	*commented = 0;
	if ((err = marker_format(&marker, kind, key)) < 0)
		goto out;
	if ((err = github_issue_comments(gh, &comments, number)) < 0)
		goto out;
	if (github_find_marked(comments, kind, key, login))
		goto out;
	d = json_dup(data);
	json_map_strings(d, redact_text_held);
	json_set_str(d, "marker", marker.buf);
	topts.repo_root = repo_root;
	topts.escape = pull_request_escape;
	if ((err = template_render(&body, name, d, &topts)) < 0)
		goto out;
	redact_text(NULL, &body);
	if ((err = github_comment_create(gh, NULL, number, body.buf)) < 0)
		goto out;
	*commented = 1;
out:
	json_free(comments);
	json_free(d);
	strbuf_release(&marker);
	strbuf_release(&body);
	return err;
}

/* body with every `<!-- autofix:KIND:... -->` (and the line break after it) taken out, into out. */
static void drop_markers(struct strbuf *out, const char *body, const char *kind)
{
	struct strbuf open = STRBUF_INIT;
	const char *p = body ? body : "", *at, *end;

	strbuf_addf(&open, "<!-- autofix:%s:", kind);
	while ((at = strstr(p, open.buf)) && (end = strstr(at, "-->"))) {
		strbuf_add(out, p, (size_t)(at - p));
		p = end + 3;
		if (*p == '\n')
			p++;
	}
	strbuf_addstr(out, p);
	strbuf_release(&open);
}

int merged_note_verdict(struct json **out, struct github *gh, const char *login, const struct json *data,
			const char *repo_root)
{
	const char *fp = str_of(data, "fingerprint"), *verdict = str_of(data, "verdict");
	struct strbuf marker = STRBUF_INIT, body = STRBUF_INIT, key = STRBUF_INIT;
	struct json *pull = NULL, *d = NULL;
	int64_t number = 0;
	int commented = 0, updated = 0, err;

	*out = NULL;
	if (!fp || !verdict || json_get_int(&number, data, "number") < 0 ||
	    (strcmp(verdict, PULL_REQUEST_RECOVERED) && strcmp(verdict, PULL_REQUEST_NOT_RECOVERED)))
		return bot_error(BOT_EINVALID, "a verdict needs a pull request number, a fingerprint and "
				 "'recovered' or 'not-recovered'");
	d = json_dup(data);
	json_set_bool(d, "recovered", !strcmp(verdict, PULL_REQUEST_RECOVERED));
	if ((err = comment_once(&commented, gh, login, number, VERDICT_KIND, fp, "pull-request-verdict.md", d,
				repo_root)) < 0)
		goto out;
	/* Then the body, which the next listing reads: the marker replaces any earlier verdict. */
	if ((err = github_pull_get(gh, &pull, number)) < 0)
		goto out;
	if (!marker_find_kind(str_of(pull, "body"), VERDICT_KIND, &key) || strcmp(key.buf, verdict)) {
		drop_markers(&body, str_of(pull, "body"), VERDICT_KIND);
		if (body.len && body.buf[body.len - 1] != '\n')
			strbuf_addch(&body, '\n');
		if ((err = marker_format(&marker, VERDICT_KIND, verdict)) < 0)
			goto out;
		strbuf_addbuf(&body, &marker);
		strbuf_addch(&body, '\n');
		if ((err = github_pull_update(gh, NULL, number, NULL, body.buf, NULL)) < 0)
			goto out;
		updated = 1;
	}
	*out = json_new_object();
	json_set_num(*out, "number", (double)number);
	json_set_str(*out, "verdict", verdict);
	json_set_bool(*out, "commented", commented);
	json_set_bool(*out, "body_updated", updated);
out:
	json_free(pull);
	json_free(d);
	strbuf_release(&marker);
	strbuf_release(&body);
	strbuf_release(&key);
	return err;
}

int merged_note_regression(struct json **out, struct github *gh, const char *login,
			   const struct json *data, const char *repo_root)
{
	const char *fp = str_of(data, "fingerprint");
	struct strbuf key = STRBUF_INIT;
	int64_t number = 0, new_number = 0;
	int commented = 0, err;

	*out = NULL;
	if (!fp || json_get_int(&number, data, "number") < 0 || json_get_int(&new_number, data, "new_number") < 0)
		return bot_error(BOT_EINVALID, "a regression needs the merged and the new pull request's "
				 "numbers and a fingerprint");
	strbuf_addf(&key, "%s:%lld", fp, (long long)new_number);
	err = comment_once(&commented, gh, login, number, REGRESSION_KIND, key.buf, "pull-request-regression.md",
			   data, repo_root);
	if (err >= 0) {
		*out = json_new_object();
		json_set_num(*out, "number", (double)number);
		json_set_bool(*out, "commented", commented);
	}
	strbuf_release(&key);
	return err;
}

int merged_pull_diff(struct strbuf *out, struct github *gh, int64_t number, size_t max)
{
	struct json *files = NULL;
	struct strbuf sb = STRBUF_INIT;
	const struct json *it;
	size_t left_out = 0;
	int err;

	if ((err = github_pull_files(gh, &files, number)) < 0)
		return err;
	for (it = json_first(files); it; it = json_next(it)) {
		struct strbuf one = STRBUF_INIT;
		const char *patch = str_of(it, "patch");

		strbuf_addf(&one, "--- %s (%s, +%.0f -%.0f)\n", str_of(it, "filename") ? str_of(it, "filename") : "?",
			    str_of(it, "status") ? str_of(it, "status") : "?",
			    json_num_value(json_member(it, "additions")), json_num_value(json_member(it, "deletions")));
		/* GitHub leaves the patch out of binary and very large files. */
		strbuf_addstr(&one, patch ? patch : "(no patch: binary or too large)");
		if (one.len && one.buf[one.len - 1] != '\n')
			strbuf_addch(&one, '\n');
		if (sb.len + one.len > max) {
			/* The first file is cut at a line; later ones are only counted. */
			if (!sb.len) {
				size_t cut = max;
				while (cut && one.buf[cut - 1] != '\n')
					cut--;
				strbuf_add(&sb, one.buf, cut);
			}
			left_out++;
		} else {
			strbuf_addbuf(&sb, &one);
		}
		strbuf_release(&one);
	}
	if (left_out)
		strbuf_addf(&sb, "(%zu file%s cut or left out: the diff is bounded to %zu bytes)\n", left_out,
			    left_out == 1 ? "" : "s", max);
	redact_text(NULL, &sb);
	strbuf_addbuf(out, &sb);
	strbuf_release(&sb);
	json_free(files);
	return 0;
}
