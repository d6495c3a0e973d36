/*
 * The plan (plan.h).
 */
#include <stdlib.h>
#include <string.h>

#include "plan/jsonschema.h"
#include "plan/mustache.h"
#include "plan/plan.h"
#include "plan/template.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* build/gen/plan_schema.c, from data/plan.schema.json. */
extern const char plan_schema_json[];
extern const size_t plan_schema_json_len;

/* What a fenced block adds to its text: two delimiter lines. */
#define FENCE_OVERHEAD 80
/* A section cut shorter than this is left out instead: a few lines tell nothing. */
#define MIN_SECTION 400

const struct json *plan_schema(void)
{
	static struct json *schema;
	static int loaded;

	if (!loaded) {
		loaded = 1;
		if (json_parse(&schema, plan_schema_json, plan_schema_json_len) < 0)
			schema = NULL;
	}
	return schema;
}

/* text cut to at most max bytes at a line boundary, with a note of what was cut. */
static void cut_at_line(struct strbuf *out, const char *text, size_t max)
{
	size_t keep = max, lines = 0;
	const char *p;

	while (keep && text[keep - 1] != '\n')
		keep--;
	strbuf_add(out, text, keep);
	for (p = text + keep; *p; p++)
		lines += *p == '\n';
	if (text[keep] && text[strlen(text) - 1] != '\n')
		lines++;
	strbuf_addf(out, "[... %zu more line%s cut to fit the prompt budget]\n", lines, lines == 1 ? "" : "s");
}

/*
 * Fills list with the sections that fit in room bytes (fenced), left with
 * the titles of those left out, and sizes with what happened to each.
 */
static void fill_sections(struct json *list, struct json *left, struct json *sizes,
			  const struct plan_section *sections, size_t n, const struct fence *fence, size_t room)
{
	struct strbuf text = STRBUF_INIT, fenced = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *t = sections[i].text ? sections[i].text : "";
		size_t len = strlen(t), cost = FENCE_OVERHEAD + strlen(sections[i].title) * 2 + 16;
		struct json *sz = json_new_object(), *item;

		json_set_str(sz, "title", sections[i].title);
		json_set_num(sz, "bytes", (double)len);
		strbuf_reset(&text);
		if (!len) {
			json_set_str(sz, "kept", "empty");
		} else if (len + cost <= room) {
			strbuf_addstr(&text, t);
			json_set_str(sz, "kept", "whole");
		} else if (room >= MIN_SECTION + cost + 64) {
			/* 64: the note saying how much was cut. */
			cut_at_line(&text, t, room - cost - 64);
			json_set_str(sz, "kept", "cut");
		} else {
			json_append(left, json_new_str(sections[i].title));
			json_set_str(sz, "kept", "left out");
			/* The note that says so costs its line. */
			room -= room > strlen(sections[i].title) + 64 ? strlen(sections[i].title) + 64 : room;
		}
		json_set_num(sz, "kept_bytes", (double)text.len);
		json_append(sizes, sz);
		if (!text.len)
			continue;
		strbuf_reset(&fenced);
		fence_add(&fenced, fence, sections[i].title, text.buf, text.len);
		item = json_new_object();
		json_set_str(item, "title", sections[i].title);
		json_set_str(item, "text", fenced.buf);
		json_append(list, item);
		room -= room > len + cost ? text.len + cost : room;
	}
	strbuf_release(&text);
	strbuf_release(&fenced);
}

static int render(struct strbuf *out, const char *name, const struct json *data, const char *repo_root)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;

	topts.repo_root = repo_root;
	topts.escape = mustache_escape_none;
	return template_render(out, name, data, &topts);
}

int plan_prompt(struct strbuf *system, struct strbuf *user, const struct json *finding,
		const char *service_name, const char *service_path,
		const struct plan_section *sections, size_t n,
		const struct plan_prompt_options *opts, struct json *sizes)
{
	struct json *data = json_new_object(), *svc = json_new_object(), *list = json_new_array();
	struct json *left = json_new_array(), *size_list = json_new_array();
	struct strbuf base = STRBUF_INIT;
	size_t max_bytes = (opts->max_tokens ? opts->max_tokens : PLAN_DEFAULT_MAX_TOKENS) * 4;
	size_t used, slack = 0;
	int err, attempt;

	json_set(data, "finding", json_dup(finding));
	json_set_str(svc, "name", service_name);
	json_set_str(svc, "path", service_path ? service_path : ".");
	json_set(data, "service", svc);
	json_set(data, "sections", json_new_array());
	json_set(data, "left_out", json_new_array());
	/* What the prompt costs without context: the rest of the budget is the context's. */
	if ((err = render(system, "plan-system.md", NULL, opts->repo_root)) < 0 ||
	    (err = render(&base, "plan-user.md", data, opts->repo_root)) < 0)
		goto done;
	used = system->len + base.len;
	if (used > max_bytes) {
		err = bot_error(BOT_ETOOBIG, "the prompt without context is %zu tokens, over the budget of %zu",
				PLAN_TOKENS(used), max_bytes / 4);
		goto done;
	}
	/*
	 * The sections' share is estimated (headings, notes of what was left
	 * out); when the rendered prompt still exceeds the budget, the
	 * sections get less by the overshoot and it is rendered again.
	 */
	for (attempt = 0; attempt < 4; attempt++) {
		strbuf_reset(user);
		json_free(list);
		json_free(left);
		json_free(size_list);
		list = json_new_array();
		left = json_new_array();
		size_list = json_new_array();
		fill_sections(list, left, size_list, sections, n, opts->fence,
			      max_bytes > system->len + base.len + slack ? max_bytes - system->len - base.len - slack : 0);
		json_set(data, "sections", json_dup(list));
		json_set(data, "left_out", json_dup(left));
		if ((err = render(user, "plan-user.md", data, opts->repo_root)) < 0)
			goto done;
		if (system->len + user->len <= max_bytes)
			break;
		slack += system->len + user->len - max_bytes + 64;
	}
	if (system->len + user->len > max_bytes) {
		err = bot_error(BOT_ETOOBIG, "the prompt does not fit the budget of %zu tokens", max_bytes / 4);
		goto done;
	}
	if (sizes) {
		json_set_num(sizes, "system_bytes", (double)system->len);
		json_set_num(sizes, "user_bytes", (double)user->len);
		json_set_num(sizes, "estimated_tokens", (double)PLAN_TOKENS(system->len + user->len));
		json_set(sizes, "sections", size_list);
		size_list = NULL;
	}
done:
	json_free(list);
	json_free(left);
	json_free(size_list);
	json_free(data);
	strbuf_release(&base);
	return err;
}

static int bad_path(const char *p)
{
	const char *s;

	if (!p || !*p || *p == '/' || strchr(p, '\\'))
		return 1;
	for (s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || !s[2]))
			return 1;
	return 0;
}

int plan_check(const struct json *plan)
{
	const struct json *schema = plan_schema(), *f;
	double confidence;
	int fixable, err;
	size_t i = 0;

	if (!schema)
		return bot_error(BOT_ERROR, "the built-in plan schema is broken");
	if ((err = jsonschema_check(schema, plan)) < 0)
		return err;
	json_get_num(&confidence, plan, "confidence");
	if (!(confidence >= 0 && confidence <= 1))
		return bot_error(BOT_EINVALID, "$.confidence: expected a number from 0 to 1, found %g", confidence);
	for (f = json_first(json_get(plan, "affected_files")); f; f = json_next(f), i++)
		if (bad_path(json_str_value(f)))
			return bot_error(BOT_EINVALID, "$.affected_files[%zu]: '%s' is not a path inside the repository",
					 i, json_str_value(f));
	i = 0;
	for (f = json_first(json_get(plan, "changes")); f; f = json_next(f), i++)
		if (bad_path(json_str_value(json_member(f, "file"))))
			return bot_error(BOT_EINVALID, "$.changes[%zu].file: '%s' is not a path inside the repository",
					 i, json_str_value(json_member(f, "file")));
	json_get_bool(&fixable, plan, "fixable_in_code");
	if (!fixable && !json_str_value(json_get(plan, "not_fixable_reason")))
		return bot_error(BOT_EINVALID, "$.not_fixable_reason: needed when fixable_in_code is false");
	if (fixable && !json_size(json_get(plan, "changes")))
		return bot_error(BOT_EINVALID, "$.changes: a plan fixable in code needs at least one change");
	return 0;
}

int plan_make(struct json **out, struct llm *llm, const char *system, const char *user,
	      struct llm_reply *reply)
{
	struct llm_request req = { 0 };
	int err;

	*out = NULL;
	req.system = system;
	req.user = user;
	req.schema_name = "plan";
	req.schema = plan_schema();
	if (!req.schema)
		return bot_error(BOT_ERROR, "the built-in plan schema is broken");
	if ((err = llm_complete(llm, &req, reply)) < 0)
		return err;
	/* The provider held the reply to the schema; what the schema cannot say is checked here. */
	if ((err = plan_check(reply->object)) < 0)
		return bot_error(err, "the plan does not hold: %s", bot_error_last());
	*out = reply->object;
	reply->object = NULL;
	return 0;
}
