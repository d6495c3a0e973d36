/*
 * autofix's pull requests and plan issues: found by marker before anything
 * is written, opened or updated in place, never duplicated. See
 * pull_request.h. Every text that goes to GitHub is built from redacted
 * values, escaped for Markdown by the template, and redacted once more as
 * a whole before it leaves.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliver/pull_request.h"
#include "plan/mustache.h"
#include "plan/template.h"
#include "util/error.h"
#include "util/fence.h"
#include "util/human.h"
#include "util/log.h"
#include "util/marker.h"
#include "util/redact.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define PR_KIND "pr"
#define HEAD_KIND "pr-head"
#define UPDATED_KIND "pr-updated"
#define SILENCED_KIND "silenced"
#define PLAN_KIND "plan"
#define VERDICT_KIND "verdict"
#define FIGURE_KIND "pr-figure"
/* GitHub allows 256 characters in a title; autofix keeps well below. */
#define MAX_TITLE 200
/* Rows of the diffstat table; the rest is counted. */
#define MAX_FILE_ROWS 50
#define HOUR_MS (60 * 60 * 1000LL)

/* ---------------------------------------------------------------- text */

/*
 * The escaper for values from outside in GitHub Markdown, so that a value
 * is shown as text and its raw form still reads as written: '<', '>' and
 * '&' become entities (no HTML, no forged marker); a backslash goes before
 * what starts markup anywhere in a line (\ ` * _ [ ] | ~ ! # $ @: no
 * emphasis, code, links, images, tables cut, issue links, math or
 * @mentions), before the ':' of "://" and the '.' of "www." (no
 * autolinks), and, at the start of a line, before - + = and the '.' or
 * ')' after digits (no lists, headings or rules). Other punctuation
 * ('.', '-', ':', '/', '(' within a line) is left alone. Line breaks are kept.
 */
static void escape_markdown(struct strbuf *out, const char *s, size_t len, void *payload)
{
	size_t i, digits = 0;
	int line_start = 1;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int esc = c && strchr("\\`*_[]|~!#$@", c) != NULL;

		if (c == ':' && i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/')
			esc = 1;
		if (c == '.' && i >= 3 && !strncasecmp(s + i - 3, "www", 3) &&
		    (i == 3 || !isalnum((unsigned char)s[i - 4])))
			esc = 1;
		if (line_start) {
			if (c >= '0' && c <= '9') {
				digits++;
			} else if (c != ' ' && c != '\t') {
				if ((!digits && c && strchr("-+=", c)) || (digits && (c == '.' || c == ')')))
					esc = 1;
				line_start = 0;
			}
		}
		if (c == '\n') {
			line_start = 1;
			digits = 0;
		}
		switch (c) {
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		case '&': strbuf_addstr(out, "&amp;"); break;
		default:
			if (esc)
				strbuf_addch(out, '\\');
			strbuf_addch(out, (char)c);
		}
	}
}

void pull_request_escape(struct strbuf *out, const char *s, size_t len, void *payload)
{
	escape_markdown(out, s, len, payload);
}

/* Cuts sb to at most max bytes, at a UTF-8 character boundary, with "…". */
static void cut_utf8(struct strbuf *sb, size_t max)
{
	size_t n = max - 3;

	if (sb->len <= max)
		return;
	while (n && ((unsigned char)sb->buf[n] & 0xc0) == 0x80)
		n--;
	strbuf_setlen(sb, n);
	strbuf_addstr(sb, "…");
}

/*
 * Untrusted text as a Markdown code block nothing inside can close: the
 * fence is longer than any run of backticks in it, and what a reader
 * cannot see (HTML comments, so no forged marker; invisible characters)
 * is removed first (util/fence.h).
 */
static void add_code_block(struct strbuf *out, const char *text)
{
	struct strbuf clean = STRBUF_INIT;
	size_t run = 0, longest = 0, i, fence;

	fence_clean(&clean, text ? text : "", text ? strlen(text) : 0);
	for (i = 0; i < clean.len; i++) {
		run = clean.buf[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	fence = longest >= 3 ? longest + 1 : 3;
	for (i = 0; i < fence; i++)
		strbuf_addch(out, '`');
	strbuf_addstr(out, "text\n");
	strbuf_addbuf(out, &clean);
	if (clean.len && clean.buf[clean.len - 1] != '\n')
		strbuf_addch(out, '\n');
	for (i = 0; i < fence; i++)
		strbuf_addch(out, '`');
	strbuf_release(&clean);
}

/*
 * Whether a figure in ms of this kind is a duration: a leak's (a filling
 * volume's) time to the limit, a deployment's age and its stuck_after.
 */
static int ms_is_duration(const char *kind)
{
	return kind && (!strcmp(kind, "memory_leak") || !strcmp(kind, "disk_filling") ||
			!strncmp(kind, "deployment_", 11));
}

/* A figure with its unit, as a person reads it. */
static void add_figure(struct strbuf *sb, double v, const char *unit, const char *kind)
{
	if (!unit || !strcmp(unit, "fraction"))
		human_add_percent(sb, v);
	else if (!strcmp(unit, "bytes"))
		human_add_bytes(sb, v);
	else if (!strcmp(unit, "ms") && ms_is_duration(kind))
		human_add_duration(sb, (int64_t)v);
	else if (!strcmp(unit, "ms"))
		strbuf_addf(sb, "%.0f ms", v);
	else if (!strcmp(unit, "count"))
		strbuf_addf(sb, "%.0f", v);
	else
		strbuf_addf(sb, "%.2fx", v);
}

static const char *str_of(const struct json *j, const char *key)
{
	return json_str_value(json_member(j, key));
}

/* ---------------------------------------------------------------- the templates' data */

/*
 * What the body templates get, from the caller's data: strings prepared
 * here (figures with units, one-line table cells, the code block), all
 * redacted. fix may be NULL (plan issues).
 */
static struct json *body_data(const struct json *data)
{
	const struct json *finding = json_member(data, "finding");
	const struct json *plan = json_member(data, "plan");
	const struct json *ctx = json_member(data, "context");
	const struct json *fix = json_member(data, "fix");
	const struct json *dep = json_member(ctx, "onset_deployment");
	const struct json *it;
	struct json *d = json_new_object(), *f = json_new_object();
	struct strbuf sb = STRBUF_INIT;
	const char *chart = str_of(data, "chart"), *run_url = str_of(data, "run_url");
	double v;

	json_set_opt_str(d, "service", str_of(data, "service"));
	json_set_opt_str(d, "kind", str_of(data, "kind"));
	json_set_opt_str(d, "fingerprint", str_of(data, "fingerprint"));
	json_set_opt_str(d, "version", str_of(data, "version"));
	if (json_type(json_member(data, "earlier")) == JSON_NUMBER)
		json_set_num(d, "earlier", json_num_value(json_member(data, "earlier")));
	/* What became of the earlier fix: "recovered" (this is a regression), "not-recovered", or unknown. */
	json_set_opt_str(d, "earlier_verdict", str_of(data, "earlier_verdict"));
	if (str_of(data, "earlier_verdict")) {
		json_set_bool(d, "earlier_recovered", !strcmp(str_of(data, "earlier_verdict"), "recovered"));
		json_set_bool(d, "earlier_not_recovered", !strcmp(str_of(data, "earlier_verdict"), "not-recovered"));
	}

	/* The finding: summary, figures with units, onset. */
	json_set_opt_str(f, "summary", str_of(finding, "summary"));
	json_set_opt_str(f, "severity", str_of(finding, "severity"));
	json_set_opt_str(f, "kind", str_of(finding, "kind"));
	json_set_opt_str(f, "method", str_of(finding, "method"));
	json_set_opt_str(f, "onset", str_of(finding, "onset"));
	if (json_get_num(&v, finding, "observed") == 0) {
		add_figure(&sb, v, str_of(finding, "unit"), str_of(finding, "kind"));
		json_set_str(f, "observed", sb.buf);
		strbuf_reset(&sb);
	}
	if (json_get_num(&v, finding, "threshold") == 0) {
		add_figure(&sb, v, str_of(finding, "unit"), str_of(finding, "kind"));
		json_set_str(f, "threshold", sb.buf);
		strbuf_reset(&sb);
	}
	json_set(d, "finding", f);

	/* Built by autofix, but drawn from the source's names: no comment (marker) may hide in it. */
	if (chart && *chart) {
		fence_clean(&sb, chart, strlen(chart));
		json_set_str(d, "chart", sb.buf);
		strbuf_reset(&sb);
	}
	/* Raw in a link: only a plain http(s) URL, nothing that could end the link. */
	if (run_url && (starts_with(run_url, "https://") || starts_with(run_url, "http://")) &&
	    !run_url[strcspn(run_url, " \t\r\n()<>[]\"'`")])
		json_set_str(d, "run_url", run_url);

	if (json_type(plan) == JSON_OBJECT) {
		struct json *p = json_new_object(), *causes = json_new_array(), *changes = json_new_array();
		json_set_opt_str(p, "summary", str_of(plan, "summary"));
		json_set_opt_str(p, "verification", str_of(plan, "verification"));
		json_set_opt_str(p, "risk", str_of(plan, "risk"));
		for (it = json_first(json_member(plan, "root_causes")); it; it = json_next(it)) {
			struct json *c = json_new_object(), *evs = json_new_array();
			const struct json *e;
			json_set_opt_str(c, "cause", str_of(it, "cause"));
			for (e = json_first(json_member(it, "evidence")); e; e = json_next(e)) {
				struct json *ev = json_new_object();
				json_set_opt_str(ev, "kind", str_of(e, "kind"));
				json_set_opt_str(ev, "ref", str_of(e, "ref"));
				json_set_opt_str(ev, "detail", str_of(e, "detail"));
				json_append(evs, ev);
			}
			json_set(c, "evidence", evs);
			json_append(causes, c);
		}
		for (it = json_first(json_member(plan, "changes")); it; it = json_next(it)) {
			struct json *c = json_new_object();
			json_set_opt_str(c, "file", str_of(it, "file"));
			json_set_opt_str(c, "change", str_of(it, "change"));
			json_append(changes, c);
		}
		json_set(p, "causes", causes);
		json_set(p, "changes", changes);
		json_set(d, "plan", p);
	}

	if (json_type(dep) == JSON_OBJECT) {
		struct json *o = json_new_object();
		json_set_opt_str(o, "id", str_of(dep, "id"));
		json_set_opt_str(o, "at", str_of(dep, "at"));
		json_set_opt_str(o, "commit", str_of(dep, "commit"));
		if (str_of(dep, "message")) {
			strbuf_addstr(&sb, str_of(dep, "message"));
			strbuf_one_line(&sb);
			cut_utf8(&sb, 200);
			json_set_str(o, "message", sb.buf);
			strbuf_reset(&sb);
		}
		json_set(d, "deployment", o);
	}

	if (json_type(fix) == JSON_OBJECT) {
		const struct json *verify = json_member(fix, "verify"), *agent = json_member(fix, "agent");
		struct json *files = json_new_array();
		size_t rows = 0, more = 0;

		for (it = json_first(json_member(fix, "files")); it; it = json_next(it)) {
			struct json *r;
			if (rows >= MAX_FILE_ROWS) {
				more++;
				continue;
			}
			r = json_new_object();
			strbuf_addstr(&sb, str_of(it, "path") ? str_of(it, "path") : "?");
			strbuf_one_line(&sb);
			json_set_str(r, "path", sb.buf);
			strbuf_reset(&sb);
			json_set_opt_str(r, "status", str_of(it, "status"));
			if (json_bool_value(json_member(it, "binary"))) {
				json_set_str(r, "additions", "binary");
				json_set_str(r, "deletions", "");
			} else {
				json_set_num(r, "additions", json_num_value(json_member(it, "additions")));
				json_set_num(r, "deletions", json_num_value(json_member(it, "deletions")));
			}
			json_append(files, r);
			rows++;
		}
		json_set(d, "files", files);
		if (more)
			json_set_num(d, "files_more", (double)more);
		if (json_type(verify) == JSON_OBJECT) {
			struct json *o = json_new_object();
			int64_t wall = 0;
			json_set_opt_str(o, "command", str_of(verify, "command"));
			json_set_bool(o, "passed", json_bool_value(json_member(verify, "passed")));
			json_set_bool(o, "timed_out", json_bool_value(json_member(verify, "timed_out")));
			if (json_type(json_member(verify, "exit_code")) == JSON_NUMBER)
				json_set_num(o, "exit_code", json_num_value(json_member(verify, "exit_code")));
			json_get_int(&wall, verify, "wall_ms");
			human_add_duration(&sb, wall);
			json_set_str(o, "wall", sb.buf);
			strbuf_reset(&sb);
			json_set_str(o, "output", str_of(verify, "output") ? str_of(verify, "output") : "");
			json_set(d, "verify", o);
			if (!json_bool_value(json_member(verify, "passed")))
				json_set_bool(d, "verify_failed", 1);
		}
		if (json_type(agent) == JSON_OBJECT && str_of(agent, "summary") && *str_of(agent, "summary")) {
			struct json *o = json_new_object();
			json_set_opt_str(o, "name", str_of(agent, "name") ? str_of(agent, "name") : "The agent");
			json_set_str(o, "summary", str_of(agent, "summary"));
			json_set(d, "agent", o);
		}
	}
	strbuf_release(&sb);
	/* Everything that came from elsewhere is masked before it is written anywhere. */
	json_map_strings(d, redact_text_held);
	/* The output block is made after redaction (the fence is autofix's). */
	{
		struct json *verify = (struct json *)json_member(d, "verify");
		if (verify) {
			struct strbuf block = STRBUF_INIT;
			add_code_block(&block, str_of(verify, "output"));
			json_set_str(verify, "block", block.buf);
			strbuf_release(&block);
		}
	}
	return d;
}

/*
 * Renders title and body from the named templates with d (marker and
 * head_marker added by the caller). The title is plain text on one
 * line, cut; the body is redacted once more as a whole.
 */
static int render(struct strbuf *title, struct strbuf *body, const char *title_name,
		  const char *body_name, const struct json *d, const char *repo_root)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;
	int err;

	topts.repo_root = repo_root;
	topts.escape = escape_markdown;
	if ((err = template_render(body, body_name, d, &topts)) < 0)
		return err;
	redact_text(NULL, body);
	topts.escape = mustache_escape_none;
	if ((err = template_render(title, title_name, d, &topts)) < 0)
		return err;
	strbuf_one_line(title);
	redact_text(NULL, title);
	cut_utf8(title, MAX_TITLE);
	return 0;
}

/* ---------------------------------------------------------------- labels */

static const char *label_kind_color(const char *name)
{
	return starts_with(name, "autofix:") ? "d93f0b" : !strcmp(name, "autofix") ? "5319e7" : "ededed";
}

/*
 * cfg->labels, "autofix:KIND" and, for a problem that came back after its
 * merged fix had made it go away, "autofix:regression", each ensured
 * (created with colour and description when missing).
 */
static int ensure_labels(struct github *gh, const struct pull_request_config *cfg, const char *kind,
			 int regression, char ***out, size_t *out_nr)
{
	char **names = xcalloc(cfg->labels_nr + 2, sizeof(*names));
	size_t n = 0, i;
	int err = 0;

	for (i = 0; i < cfg->labels_nr; i++)
		names[n++] = xstrdup(cfg->labels[i]);
	if (kind && *kind) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "autofix:%s", kind);
		names[n++] = strbuf_detach(&sb, NULL);
	}
	if (regression)
		names[n++] = xstrdup(PULL_REQUEST_REGRESSION_LABEL);
	for (i = 0; i < n && !err; i++) {
		struct strbuf desc = STRBUF_INIT;
		if (!strcmp(names[i], "autofix"))
			strbuf_addstr(&desc, "Opened by autofix");
		else if (!strcmp(names[i], PULL_REQUEST_REGRESSION_LABEL))
			strbuf_addstr(&desc, "autofix: a problem back after its merged fix had made it go away");
		else if (starts_with(names[i], "autofix:"))
			strbuf_addf(&desc, "autofix: a %s problem", names[i] + 8);
		else
			strbuf_addstr(&desc, "Added by autofix");
		err = github_label_ensure(gh, names[i], label_kind_color(names[i]), desc.buf);
		strbuf_release(&desc);
	}
	*out = names;
	*out_nr = n;
	return err;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* 1 when item (an issue or PR as GitHub lists it) carries the label name. */
static int has_label(const struct json *item, const char *name)
{
	const struct json *l;

	for (l = json_first(json_member(item, "labels")); l; l = json_next(l))
		if (str_of(l, "name") && !strcmp(str_of(l, "name"), name))
			return 1;
	return 0;
}

/* 1 when item (an issue or PR as GitHub lists it) carries every one of names. */
static int has_labels(const struct json *item, char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!has_label(item, names[i]))
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- the finding's figure */

/*
 * The body marker `autofix:pr-figure:METRIC:EVIDENCE_UNIT:LEVEL:UNIT:OBSERVED:THRESHOLD`
 * (numbers as %.17g): what the finding was judged by when the PR was made
 * (the signal, its unit and level; the figures and their unit), so that a
 * later verdict can draw the series after the fix against the same level
 * and set the figures side by side. Fields in the order of FIGURE_FIELDS.
 */
static const char *const figure_fields[] = { "metric", "evidence_unit", "level", "unit", "observed", "threshold" };
#define FIGURE_FIELDS 6
/* Which of figure_fields are numbers. */
static int figure_numeric(size_t i)
{
	return i == 2 || i == 4 || i == 5;
}

/* The marker for figure (an object with figure_fields) into out; nothing when figure is not one. */
static int figure_marker(struct strbuf *out, const struct json *figure)
{
	struct strbuf key = STRBUF_INIT;
	size_t i;
	int err = 0;

	for (i = 0; i < FIGURE_FIELDS; i++) {
		const struct json *v = json_member(figure, figure_fields[i]);
		if (i)
			strbuf_addch(&key, ':');
		if (figure_numeric(i) && json_type(v) == JSON_NUMBER)
			strbuf_addf(&key, "%.17g", json_num_value(v));
		else if (figure_numeric(i))
			strbuf_addstr(&key, "nan");
		else if (json_str_value(v) && !strchr(json_str_value(v), ':'))
			strbuf_addstr(&key, json_str_value(v));
		else
			goto out;
	}
	err = marker_format(out, FIGURE_KIND, key.buf);
out:
	strbuf_release(&key);
	return err;
}

/* The figure from the marker's key, or JSON null when it does not parse; numbers not finite are null. */
static struct json *figure_from_key(const char *key)
{
	const char *p = key;
	struct json *o = json_new_object();
	size_t i;

	for (i = 0; i < FIGURE_FIELDS; i++) {
		size_t len = strcspn(p, ":");
		char *part = xstrndup(p, len);
		char *end;

		if ((i + 1 < FIGURE_FIELDS) != (p[len] == ':') || !len) {
			free(part);
			json_free(o);
			return json_new_null();
		}
		if (figure_numeric(i)) {
			double v = strtod(part, &end);
			json_set(o, figure_fields[i], *end || !isfinite(v) ? json_new_null() : json_new_num(v));
		} else {
			json_set_str(o, figure_fields[i], part);
		}
		free(part);
		p += len + (p[len] == ':');
	}
	return o;
}

/* ---------------------------------------------------------------- listing and deciding */

static int64_t time_of(const struct json *item, const char *key)
{
	int64_t ms = 0;
	const char *s = str_of(item, key);

	if (!s || time_parse_iso8601(&ms, s) < 0)
		return 0;
	return ms;
}

/*
 * What a scan needs to follow a merged fix, from the PR as listed:
 * "merged_at" (ms) and "merge_commit" (null unless merged), "verdict"
 * (the body's `autofix:verdict:recovered|not-recovered`, or null) and
 * "figure" (the body's `autofix:pr-figure:METRIC:UNIT:LEVEL:OBSERVED:THRESHOLD`,
 * what the finding was judged by when the PR was made, or null: PRs made
 * before autofix wrote it).
 */
static void list_followup(struct json *o, const struct json *pr)
{
	const char *body = str_of(pr, "body");
	int64_t merged = time_of(pr, "merged_at");
	struct strbuf key = STRBUF_INIT;

	json_set(o, "merged_at", merged ? json_new_num((double)merged) : json_new_null());
	json_set(o, "merge_commit", merged && str_of(pr, "merge_commit_sha") ?
		 json_new_str(str_of(pr, "merge_commit_sha")) : json_new_null());
	if (marker_find_kind(body, VERDICT_KIND, &key) &&
	    (!strcmp(key.buf, PULL_REQUEST_RECOVERED) || !strcmp(key.buf, PULL_REQUEST_NOT_RECOVERED)))
		json_set_str(o, "verdict", key.buf);
	else
		json_set(o, "verdict", json_new_null());
	strbuf_reset(&key);
	json_set(o, "figure", marker_find_kind(body, FIGURE_KIND, &key) ? figure_from_key(key.buf) : json_new_null());
	strbuf_release(&key);
	json_set_bool(o, "regression", has_label(pr, PULL_REQUEST_REGRESSION_LABEL));
}

static int by_number_desc(const void *a, const void *b)
{
	double x = json_num_value(json_member(*(const struct json *const *)a, "number"));
	double y = json_num_value(json_member(*(const struct json *const *)b, "number"));

	return x < y ? 1 : x > y ? -1 : 0;
}

int64_t pull_request_ignored_until(const char *body)
{
	struct strbuf key = STRBUF_INIT;
	long long ms = 0;
	char *end;

	if (marker_find_kind(body, PULL_REQUEST_IGNORE_KIND, &key)) {
		ms = strtoll(key.buf, &end, 10);
		if (!key.len || *end || ms < 0)
			ms = 0;
	}
	strbuf_release(&key);
	return ms;
}

int pull_request_list(struct json **out, struct github *gh, const char *login)
{
	struct json *pulls = NULL, **kept;
	const struct json *it;
	size_t n = 0, i;
	int err;

	*out = NULL;
	if (!login)
		return bot_error(BOT_EINVALID, "autofix's login is needed to know its pull requests");
	if ((err = github_pulls_list(gh, &pulls, NULL, "all")) < 0)
		return bot_error_wrap(err, "cannot list autofix's pull requests: ");
	kept = xcalloc(json_size(pulls) + 1, sizeof(*kept));
	for (it = json_first(pulls); it; it = json_next(it)) {
		struct strbuf fp = STRBUF_INIT;
		const char *who = json_str_value(json_get(it, "user.login"));
		struct json *o;
		int64_t closed, ignored;

		/* A marker counts only in a body autofix wrote. */
		if (!who || strcasecmp(who, login) || !marker_find_kind(str_of(it, "body"), PR_KIND, &fp)) {
			strbuf_release(&fp);
			continue;
		}
		o = json_new_object();
		json_set(o, "number", json_dup(json_member(it, "number")));
		json_set_str(o, "fingerprint", fp.buf);
		json_set_str(o, "state", str_of(it, "state") && !strcmp(str_of(it, "state"), "open") ? "open" : "closed");
		json_set_bool(o, "merged", str_of(it, "merged_at") != NULL);
		json_set_num(o, "created_at", (double)time_of(it, "created_at"));
		closed = time_of(it, "closed_at");
		json_set(o, "closed_at", closed ? json_new_num((double)closed) : json_new_null());
		json_set_opt_str(o, "branch", json_str_value(json_get(it, "head.ref")));
		json_set_opt_str(o, "head", json_str_value(json_get(it, "head.sha")));
		json_set_opt_str(o, "url", str_of(it, "html_url"));
		list_followup(o, it);
		ignored = pull_request_ignored_until(str_of(it, "body"));
		json_set(o, "ignored_until", ignored ? json_new_num((double)ignored) : json_new_null());
		kept[n++] = o;
		strbuf_release(&fp);
	}
	qsort(kept, n, sizeof(*kept), by_number_desc);
	*out = json_new_array();
	for (i = 0; i < n; i++)
		json_append(*out, kept[i]);
	free(kept);
	json_free(pulls);
	return 0;
}

static struct json *decision(const char *what, const char *why)
{
	struct json *d = json_new_object();

	json_set_str(d, "decision", what);
	json_set_str(d, "why", why);
	return d;
}

struct json *pull_request_decide(const struct json *listing, const char *fingerprint,
				 const struct pull_request_config *cfg, int opened_now, int64_t now_ms)
{
	const struct json *it, *open_pr = NULL, *last_closed = NULL, *merged = NULL, *newest = NULL;
	const char *verdict = NULL;
	int64_t open_nr = opened_now, hour_nr = opened_now;
	struct strbuf why = STRBUF_INIT;
	struct json *d;

	for (it = json_first(listing); it; it = json_next(it)) {
		int mine = str_of(it, "fingerprint") && !strcmp(str_of(it, "fingerprint"), fingerprint);
		int is_open = str_of(it, "state") && !strcmp(str_of(it, "state"), "open");
		double created = json_num_value(json_member(it, "created_at"));

		if (is_open)
			open_nr++;
		/* A PR stamped after now (a clock behind GitHub's) was made within the hour too. */
		if (created > (double)(now_ms - HOUR_MS))
			hour_nr++;
		if (!mine)
			continue;
		if (!newest || json_num_value(json_member(it, "number")) > json_num_value(json_member(newest, "number")))
			newest = it;
		if (is_open && !open_pr)
			open_pr = it;
		if (!is_open && (!last_closed || json_num_value(json_member(it, "closed_at")) >
						 json_num_value(json_member(last_closed, "closed_at"))))
			last_closed = it;
		if (json_bool_value(json_member(it, "merged")) &&
		    (!merged || json_num_value(json_member(it, "closed_at")) >
					json_num_value(json_member(merged, "closed_at"))))
			merged = it;
	}

	if (open_pr) {
		strbuf_addf(&why, "pull request #%.0f is open for it, awaiting review",
			    json_num_value(json_member(open_pr, "number")));
		d = decision("awaiting review", why.buf);
		json_set(d, "number", json_dup(json_member(open_pr, "number")));
		json_set(d, "branch", json_dup(json_member(open_pr, "branch")));
		goto out;
	}
	/* The newest closed PR says what people want: closed unmerged, recently, means "not now". */
	if (last_closed && !json_bool_value(json_member(last_closed, "merged"))) {
		const struct json *ignored = json_member(last_closed, "ignored_until");
		/* `/autofix ignore DURATION` says how long; else the cooldown. */
		int64_t until = json_type(ignored) == JSON_NUMBER ? (int64_t)json_num_value(ignored) :
				(int64_t)json_num_value(json_member(last_closed, "closed_at")) + cfg->cooldown_ms;
		if (until > now_ms) {
			strbuf_addf(&why, "pull request #%.0f was %s; silenced until ",
				    json_num_value(json_member(last_closed, "number")),
				    json_type(ignored) == JSON_NUMBER ? "ignored (/autofix ignore)" :
				    "closed without merging");
			time_format_iso8601(&why, until);
			d = decision("silenced", why.buf);
			json_set(d, "number", json_dup(json_member(last_closed, "number")));
			json_set_num(d, "until", (double)until);
			goto out;
		}
	}
	/*
	 * The newest PR for it was merged: its fix is judged (the scan's
	 * post-merge verification) before another is tried, unless it was
	 * merged before the horizon, when nothing judges it any more.
	 */
	if (newest && json_bool_value(json_member(newest, "merged"))) {
		double at = json_type(json_member(newest, "merged_at")) == JSON_NUMBER ?
			    json_num_value(json_member(newest, "merged_at")) :
			    json_num_value(json_member(newest, "closed_at"));
		verdict = str_of(newest, "verdict");
		if (!verdict && at > (double)(now_ms - PULL_REQUEST_VERIFY_HORIZON_MS)) {
			strbuf_addf(&why, "pull request #%.0f was merged at ", json_num_value(json_member(newest, "number")));
			time_format_iso8601(&why, (int64_t)at);
			strbuf_addstr(&why, "; awaiting a deployment with it live for a whole window, to judge it");
			d = decision("awaiting deployment", why.buf);
			json_set(d, "number", json_dup(json_member(newest, "number")));
			goto out;
		}
		merged = newest;
	}
	if (cfg->max_open > 0 && open_nr >= cfg->max_open) {
		strbuf_addf(&why, "%lld of autofix's pull requests are open (pull_requests.max_open: %d)",
			    (long long)open_nr, cfg->max_open);
		d = decision("max open", why.buf);
		goto out;
	}
	if (cfg->max_per_hour > 0 && hour_nr >= cfg->max_per_hour) {
		strbuf_addf(&why, "%lld pull requests were opened in the last hour (pull_requests.max_per_hour: %d)",
			    (long long)hour_nr, cfg->max_per_hour);
		d = decision("max per hour", why.buf);
		goto out;
	}
	if (merged && verdict && !strcmp(verdict, PULL_REQUEST_RECOVERED))
		strbuf_addf(&why, "a regression: #%.0f fixed it and it had recovered; it is back",
			    json_num_value(json_member(merged, "number")));
	else if (merged && verdict)
		strbuf_addf(&why, "#%.0f was merged for it and did not help",
			    json_num_value(json_member(merged, "number")));
	else if (merged)
		strbuf_addf(&why, "no open pull request for it; #%.0f fixed it before and was merged",
			    json_num_value(json_member(merged, "number")));
	else
		strbuf_addstr(&why, "no pull request for it yet");
	d = decision("fix", why.buf);
	json_set(d, "earlier", merged ? json_dup(json_member(merged, "number")) : json_new_null());
	json_set(d, "earlier_verdict", verdict ? json_new_str(verdict) : json_new_null());
	json_set_bool(d, "regression", verdict && !strcmp(verdict, PULL_REQUEST_RECOVERED));
out:
	strbuf_release(&why);
	return d;
}

/* ---------------------------------------------------------------- delivering */

/* The head SHA the body was written for (its pr-head marker "SHA:VERSION"), or "". */
static void body_head(struct strbuf *out, const char *body)
{
	struct strbuf key = STRBUF_INIT;

	if (marker_find_kind(body, HEAD_KIND, &key))
		strbuf_add(out, key.buf, strcspn(key.buf, ":"));
	strbuf_release(&key);
}

/* The comment on an open PR saying a new change was pushed: once per head (its marker). */
static int comment_updated(struct github *gh, const char *login, int64_t number, const char *fp,
			   const char *old_head, const char *head, const struct json *d,
			   const char *repo_root)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;
	struct strbuf key = STRBUF_INIT, marker = STRBUF_INIT, body = STRBUF_INIT;
	struct json *comments = NULL, *cd = NULL;
	int err;

	strbuf_addf(&key, "%s:%s", fp, head);
	if ((err = marker_format(&marker, UPDATED_KIND, key.buf)) < 0)
		goto out;
	if ((err = github_issue_comments(gh, &comments, number)) < 0)
		goto out;
	if (github_find_marked(comments, UPDATED_KIND, key.buf, login))
		goto out;
	cd = json_new_object();
	json_set_str(cd, "old_head", old_head);
	json_set_str(cd, "head", head);
	json_set(cd, "files", json_dup(json_member(d, "files")));
	if (json_member(d, "verify"))
		json_set(cd, "verify", json_dup(json_member(d, "verify")));
	json_set_str(cd, "marker", marker.buf);
	topts.repo_root = repo_root;
	topts.escape = escape_markdown;
	if ((err = template_render(&body, "pull-request-updated.md", cd, &topts)) < 0)
		goto out;
	redact_text(NULL, &body);
	err = github_comment_create(gh, NULL, number, body.buf);
out:
	json_free(comments);
	json_free(cd);
	strbuf_release(&key);
	strbuf_release(&marker);
	strbuf_release(&body);
	return err;
}

/*
 * What follows the creation: reviewers (users, and teams as slugs), then
 * assignees, then labels, last, so that a PR carrying autofix's labels is
 * one whose setup was finished (a re-run after a crash in between does it
 * again; each step is idempotent on GitHub).
 */
static int finish_setup(struct github *gh, const struct pull_request_config *cfg, int64_t number,
			char **labels, size_t labels_nr)
{
	int err = 0;

	if (cfg->reviewers_nr &&
	    (err = github_pull_request_reviewers(gh, number, (const char *const *)cfg->reviewers,
						 cfg->reviewers_nr)) < 0)
		return bot_error_wrap(err, "pull request #%lld: cannot request reviews: ", (long long)number);
	if (cfg->assignees_nr &&
	    (err = github_issue_add_assignees(gh, number, (const char *const *)cfg->assignees,
					      cfg->assignees_nr)) < 0)
		return bot_error_wrap(err, "pull request #%lld: cannot assign: ", (long long)number);
	if (labels_nr && (err = github_labels_add(gh, number, (const char *const *)labels, labels_nr)) < 0)
		return bot_error_wrap(err, "pull request #%lld: cannot label: ", (long long)number);
	return 0;
}

/* autofix's open PR for fp (by marker) or, failing that, for branch (by head and author). */
static const struct json *find_open(const struct json *pulls, const char *fp, const char *branch,
				    const char *login)
{
	const struct json *it = github_find_marked(pulls, PR_KIND, fp, login);

	if (it)
		return it;
	for (it = json_first(pulls); it; it = json_next(it)) {
		const char *who = json_str_value(json_get(it, "user.login"));
		const char *ref = json_str_value(json_get(it, "head.ref"));
		if (who && login && !strcasecmp(who, login) && ref && branch && !strcmp(ref, branch))
			return it;
	}
	return NULL;
}

int pull_request_deliver(struct json **out, struct github *gh, const char *login,
			 const struct pull_request_config *cfg, const struct json *data,
			 const char *repo_root)
{
	const struct json *fix = json_member(data, "fix"), *old;
	const char *fp = str_of(data, "fingerprint"), *branch = str_of(fix, "branch");
	const char *head = str_of(fix, "head"), *base = str_of(data, "base_branch");
	struct strbuf title = STRBUF_INIT, body = STRBUF_INIT, marker = STRBUF_INIT, key = STRBUF_INIT;
	struct strbuf old_head = STRBUF_INIT;
	struct json *d = NULL, *pulls = NULL, *made = NULL;
	char **labels = NULL;
	size_t labels_nr = 0;
	const char *action;
	int64_t number = 0;
	int draft, err;

	*out = NULL;
	if (!fp || !branch || !head || !base || !login)
		return bot_error(BOT_EINVALID, "a pull request needs a fingerprint, a pushed branch and "
				 "head, a base branch and autofix's login");
	d = body_data(data);
	draft = cfg->draft || json_bool_value(json_member(d, "verify_failed"));
	strbuf_addf(&key, "%s:%s", head, str_of(data, "version") ? str_of(data, "version") : "unknown");
	if ((err = marker_format(&marker, PR_KIND, fp)) < 0)
		goto out;
	json_set_str(d, "marker", marker.buf);
	strbuf_reset(&marker);
	if ((err = marker_format(&marker, HEAD_KIND, key.buf)) < 0)
		goto out;
	json_set_str(d, "head_marker", marker.buf);
	strbuf_reset(&marker);
	if ((err = figure_marker(&marker, json_member(data, "figure"))) < 0)
		goto out;
	json_set_str(d, "figure_marker", marker.buf);
	if ((err = render(&title, &body, "pull-request-title.md", "pull-request.md", d, repo_root)) < 0)
		goto out;
	if ((err = ensure_labels(gh, cfg, str_of(data, "kind"), json_bool_value(json_member(data, "regression")),
				 &labels, &labels_nr)) < 0)
		goto out;

	/* GitHub holds the state: autofix's open PR for this problem, if there is one. */
	if ((err = github_pulls_list(gh, &pulls, NULL, "open")) < 0)
		goto out;
	old = find_open(pulls, fp, branch, login);
	if (!old) {
		err = github_pull_create(gh, &made, title.buf, branch, base, body.buf, draft);
		/* One made meanwhile (another run, or a request whose answer was lost): use it. */
		if (err == BOT_EINVALID && strstr(bot_error_last(), "already exists")) {
			json_free(pulls);
			pulls = NULL;
			if ((err = github_pulls_list(gh, &pulls, NULL, "open")) < 0)
				goto out;
			old = find_open(pulls, fp, branch, login);
			if (!old) {
				err = bot_error(BOT_ECONFLICT, "a pull request for branch '%s' exists, "
						"but not by autofix", branch);
				goto out;
			}
		} else if (err < 0) {
			goto out;
		} else {
			action = "opened";
			if ((err = json_get_int(&number, made, "number")) < 0)
				goto out;
			if ((err = finish_setup(gh, cfg, number, labels, labels_nr)) < 0)
				goto out;
		}
	}
	if (old) {
		const char *old_body = str_of(old, "body"), *old_title = str_of(old, "title");
		json_get_int(&number, old, "number");
		draft = json_bool_value(json_member(old, "draft"));
		body_head(&old_head, old_body);
		/* Said first, then the body: a crash in between leaves the comment, found by its marker. */
		if (old_head.len && strcmp(old_head.buf, head) &&
		    (err = comment_updated(gh, login, number, fp, old_head.buf, head, d, repo_root)) < 0)
			goto out;
		if (old_body && !strcmp(old_body, body.buf) && old_title && !strcmp(old_title, title.buf)) {
			action = "unchanged";
			made = json_dup(old);
		} else {
			action = "updated";
			if ((err = github_pull_update(gh, &made, number, title.buf, body.buf, NULL)) < 0)
				goto out;
		}
		/* A run that died after the creation left the setup unfinished. */
		if (!has_labels(old, labels, labels_nr) &&
		    (err = finish_setup(gh, cfg, number, labels, labels_nr)) < 0)
			goto out;
	}
	*out = json_new_object();
	json_set_str(*out, "action", action);
	json_set_num(*out, "number", (double)number);
	json_set_opt_str(*out, "url", str_of(made, "html_url"));
	json_set_bool(*out, "draft", draft);
	json_set_str(*out, "branch", branch);
out:
	free_names(labels, labels_nr);
	json_free(d);
	json_free(pulls);
	json_free(made);
	strbuf_release(&title);
	strbuf_release(&body);
	strbuf_release(&marker);
	strbuf_release(&key);
	strbuf_release(&old_head);
	return err;
}

int pull_request_comment_once(int *commented, struct github *gh, const char *login, int64_t number,
			      const char *kind, const char *key, const char *template, const struct json *data,
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
	topts.escape = escape_markdown;
	if ((err = template_render(&body, template, d, &topts)) < 0)
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

int pull_request_note_silenced(struct json **out, struct github *gh, const char *login,
			       int64_t number, const char *fingerprint, int64_t until_ms,
			       const char *repo_root)
{
	struct strbuf until = STRBUF_INIT;
	struct json *d = json_new_object();
	int commented = 0, err;

	*out = NULL;
	json_set_str(d, "fingerprint", fingerprint);
	time_format_iso8601(&until, until_ms);
	json_set_str(d, "until", until.buf);
	err = pull_request_comment_once(&commented, gh, login, number, SILENCED_KIND, fingerprint,
					"pull-request-silenced.md", d, repo_root);
	if (!err) {
		*out = json_new_object();
		json_set_num(*out, "number", (double)number);
		json_set_bool(*out, "commented", commented);
	}
	json_free(d);
	strbuf_release(&until);
	return err;
}

int plan_issue_deliver(struct json **out, struct github *gh, const char *login,
		       const struct pull_request_config *cfg, const struct json *data,
		       const char *repo_root)
{
	const char *fp = str_of(data, "fingerprint");
	struct strbuf title = STRBUF_INIT, body = STRBUF_INIT, marker = STRBUF_INIT;
	struct json *d = NULL, *made = NULL, *nofix;
	char **labels = NULL;
	size_t labels_nr = 0;
	const char *action;
	int64_t number = 0;
	int err;

	*out = NULL;
	if (!fp || !login)
		return bot_error(BOT_EINVALID, "a plan issue needs a fingerprint and autofix's login");
	/* A plan issue has no fix, whatever the caller passed. */
	nofix = json_dup(data);
	json_set(nofix, "fix", json_new_null());
	d = body_data(nofix);
	json_free(nofix);
	if ((err = marker_format(&marker, PLAN_KIND, fp)) < 0)
		goto out;
	json_set_str(d, "marker", marker.buf);
	if ((err = render(&title, &body, "plan-issue-title.md", "plan-issue.md", d, repo_root)) < 0)
		goto out;
	if ((err = ensure_labels(gh, cfg, str_of(data, "kind"), 0, &labels, &labels_nr)) < 0 ||
	    (err = github_issue_put_marked(gh, &made, &action, PLAN_KIND, fp, login, title.buf, body.buf,
					   (const char *const *)labels, labels_nr)) < 0 ||
	    (err = json_get_int(&number, made, "number")) < 0)
		goto out;
	if (!strcmp(action, "opened") && cfg->assignees_nr &&
	    (err = github_issue_add_assignees(gh, number, (const char *const *)cfg->assignees,
					      cfg->assignees_nr)) < 0)
		goto out;
	*out = json_new_object();
	json_set_str(*out, "action", action);
	json_set_num(*out, "number", (double)number);
	json_set_opt_str(*out, "url", str_of(made, "html_url"));
out:
	free_names(labels, labels_nr);
	json_free(d);
	json_free(made);
	strbuf_release(&title);
	strbuf_release(&body);
	strbuf_release(&marker);
	return err;
}
