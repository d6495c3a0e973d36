/*
 * The upstream-incident issue: opened, kept up to date, and closed once.
 * See upstream_issue.h; the finding's own data comes from detect, the
 * incident's from investigate (both redacted when they entered).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliver/upstream_issue.h"
#include "plan/mustache.h"
#include "plan/template.h"
#include "util/error.h"
#include "util/log.h"
#include "util/marker.h"
#include "util/redact.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define KIND "upstream"
#define RESOLVED_KIND "upstream-resolved"

static void add_key_part(struct strbuf *out, const char *s)
{
	for (; s && *s; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '_' || (c == '-' && s[1] != '-');
		strbuf_addch(out, ok ? c : '_');
	}
}

void upstream_issue_key(struct strbuf *out, const char *provider, const char *service,
			const char *fingerprint)
{
	add_key_part(out, provider);
	strbuf_addch(out, ':');
	add_key_part(out, service);
	strbuf_addch(out, ':');
	add_key_part(out, fingerprint);
}

/* The template's data: provider, incident, finding, marker. */
static int render(struct strbuf *title, struct strbuf *body, const struct json *incident,
		  const struct json *finding, const char *key, const char *repo_root)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;
	struct json *data = json_new_object(), *p = json_new_object(), *i = json_new_object();
	struct strbuf marker = STRBUF_INIT;
	const char *provider = json_str_value(json_member(incident, "provider"));
	const char *name = json_str_value(json_member(incident, "incident"));
	int err;

	if (!provider || !name)
		return bot_error(BOT_EINVALID, "the upstream incident names no provider or incident");

	json_set_opt_str(p, "name", provider);
	json_set_opt_str(p, "page_url", json_str_value(json_member(incident, "page_url")));
	json_set(data, "provider", p);
	json_set_opt_str(i, "name", name);
	json_set_opt_str(i, "status", json_str_value(json_member(incident, "status")));
	json_set_str(i, "impact", json_str_value(json_member(incident, "impact")) ?
		     json_str_value(json_member(incident, "impact")) : "unknown");
	json_set_str(i, "started_at", json_str_value(json_member(incident, "started_at")) ?
		     json_str_value(json_member(incident, "started_at")) : "unknown");
	json_set_opt_str(i, "shortlink", json_str_value(json_member(incident, "shortlink")));
	json_set(data, "incident", i);
	json_set(data, "finding", json_dup(finding));
	/* A status page's words go to GitHub: masked like every text that leaves (before the marker). */
	json_map_strings(data, redact_text_held);
	if ((err = marker_format(&marker, KIND, key)) < 0)
		goto out;
	json_set_str(data, "marker", marker.buf);
	topts.repo_root = repo_root;
	if ((err = template_render(body, "upstream-issue.md", data, &topts)) < 0)
		goto out;
	/* A title is plain text on one line: not escaped, its line breaks made spaces. */
	topts.escape = mustache_escape_none;
	if ((err = template_render(title, "upstream-issue-title.md", data, &topts)) < 0)
		goto out;
	strbuf_one_line(title);
out:
	strbuf_release(&marker);
	json_free(data);
	return err;
}

/* Adds autofix's labels; they only help people filter, so failing here is a warning. */
static void add_labels(struct github *gh, int64_t number)
{
	static const char *const labels[] = { "autofix", "autofix:upstream" };

	if (github_label_ensure(gh, labels[0], "5319e7", "Opened by autofix") < 0 ||
	    github_label_ensure(gh, labels[1], "fbca04", "An upstream provider's incident (autofix)") < 0 ||
	    github_labels_add(gh, number, labels, 2) < 0)
		log_warning("upstream issue #%lld: labels not added: %s", (long long)number, bot_error_last());
}

int upstream_issue_deliver(struct json **out, struct github *gh, const char *login,
			   const struct json *incident, const struct json *finding,
			   const char *repo_root)
{
	struct strbuf key = STRBUF_INIT, title = STRBUF_INIT, body = STRBUF_INIT;
	struct json *made = NULL;
	const char *action;
	int64_t number = 0;
	int err;

	*out = NULL;
	upstream_issue_key(&key, json_str_value(json_member(incident, "provider")),
			   json_str_value(json_member(finding, "service")),
			   json_str_value(json_member(finding, "fingerprint")));
	if ((err = render(&title, &body, incident, finding, key.buf, repo_root)) < 0)
		goto out;
	if ((err = github_issue_put_marked(gh, &made, &action, KIND, key.buf, login, title.buf, body.buf,
					   NULL, 0)) < 0 ||
	    (err = json_get_int(&number, made, "number")) < 0)
		goto out;
	if (!strcmp(action, "opened"))
		add_labels(gh, number);
	*out = json_new_object();
	json_set_str(*out, "action", action);
	json_set_num(*out, "number", (double)number);
	json_set_opt_str(*out, "url", json_str_value(json_member(made, "html_url")));
	json_set_str(*out, "key", key.buf);
out:
	json_free(made);
	strbuf_release(&key);
	strbuf_release(&title);
	strbuf_release(&body);
	return err;
}

int upstream_issue_list_open(struct json **out, struct github *gh, const char *login)
{
	struct json *issues = NULL;
	const struct json *it;
	int err;

	*out = NULL;
	if ((err = github_issues_list(gh, &issues, NULL, "open")) < 0)
		return err;
	*out = json_new_array();
	for (it = json_first(issues); it; it = json_next(it)) {
		struct strbuf key = STRBUF_INIT;
		const char *body = json_str_value(json_member(it, "body"));
		const char *a, *b;

		if (!marker_find_kind(body, KIND, &key) ||
		    !json_str_value(json_get(it, "user.login")) || !login ||
		    strcasecmp(json_str_value(json_get(it, "user.login")), login) ||
		    !(a = strchr(key.buf, ':')) || !(b = strchr(a + 1, ':'))) {
			strbuf_release(&key);
			continue;
		}
		{
			struct json *o = json_new_object();
			char *provider = xstrndup(key.buf, (size_t)(a - key.buf));
			char *service = xstrndup(a + 1, (size_t)(b - a - 1));
			json_set(o, "number", json_dup(json_member(it, "number")));
			json_set_str(o, "key", key.buf);
			json_set_str(o, "provider", provider);
			json_set_str(o, "service", service);
			json_set_str(o, "fingerprint", b + 1);
			json_append(*out, o);
			free(provider);
			free(service);
		}
		strbuf_release(&key);
	}
	json_free(issues);
	return 0;
}

int upstream_issue_resolve(struct json **out, struct github *gh, const char *login, int64_t number,
			   const char *key, int64_t when_ms, const char *repo_root)
{
	struct json *comments = NULL, *made = NULL;
	struct strbuf body = STRBUF_INIT;
	int commented = 0, err;

	*out = NULL;
	/* Never twice: a comment left by a run that then failed to close counts. */
	if ((err = github_issue_comments(gh, &comments, number)) < 0)
		goto out;
	if (!github_find_marked(comments, RESOLVED_KIND, key, login)) {
		struct template_options topts = TEMPLATE_OPTIONS_INIT;
		struct json *data = json_new_object(), *p = json_new_object();
		struct strbuf s = STRBUF_INIT;

		strbuf_add(&s, key, strcspn(key, ":"));
		json_set_str(p, "name", s.buf);
		json_set(data, "provider", p);
		strbuf_reset(&s);
		time_format_iso8601(&s, when_ms);
		json_set_str(data, "resolved_at", s.buf);
		strbuf_reset(&s);
		if (!(err = marker_format(&s, RESOLVED_KIND, key))) {
			json_set_str(data, "marker", s.buf);
			topts.repo_root = repo_root;
			err = template_render(&body, "upstream-resolved.md", data, &topts);
		}
		json_free(data);
		strbuf_release(&s);
		if (err < 0 || (err = github_comment_create(gh, NULL, number, body.buf)) < 0)
			goto out;
		commented = 1;
	}
	if ((err = github_issue_update(gh, &made, number, NULL, NULL, "closed")) < 0)
		goto out;
	*out = json_new_object();
	json_set_num(*out, "number", (double)number);
	json_set_bool(*out, "commented", commented);
	json_set_bool(*out, "closed", 1);
out:
	json_free(comments);
	json_free(made);
	strbuf_release(&body);
	return err;
}
