/*
 * The JSON Schema subset of jsonschema.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/jsonschema.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/banned.h"

/* Nesting deeper than this is not a plan: refused rather than recursed into. */
#define MAX_DEPTH 32

static const char *const known_keywords[] = {
	"type", "enum", "const", "required", "properties", "additionalProperties", "items",
	"minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
	"description", "title", "$schema", "$id",
};

static int is_type(const struct json *v, const char *type)
{
	enum json_type t = json_type(v);

	if (!strcmp(type, "integer"))
		return t == JSON_NUMBER && json_num_value(v) == floor(json_num_value(v)) &&
		       isfinite(json_num_value(v));
	return !strcmp(json_type_name(v), type);
}

static int equal(const struct json *a, const struct json *b)
{
	char *x = json_print(a, 0), *y = json_print(b, 0);
	int same = x && y && !strcmp(x, y);

	free(x);
	free(y);
	return same;
}

static int fail(const struct strbuf *path, const char *fmt, const char *detail)
{
	struct strbuf msg = STRBUF_INIT;
	int err;

	strbuf_addf(&msg, fmt, detail);
	err = bot_error(BOT_EINVALID, "%s: %s", path->len ? path->buf : "$", msg.buf);
	strbuf_release(&msg);
	return err;
}

static int check(const struct json *schema, const struct json *v, struct strbuf *path, int depth);

static int check_type(const struct json *schema, const struct json *v, const struct strbuf *path)
{
	const struct json *type = json_member(schema, "type"), *t;
	struct strbuf names = STRBUF_INIT;
	int err;

	if (!type)
		return 0;
	if (json_type(type) == JSON_STRING) {
		if (is_type(v, json_str_value(type)))
			return 0;
		strbuf_addstr(&names, json_str_value(type));
	} else {
		for (t = json_first(type); t; t = json_next(t)) {
			if (json_str_value(t) && is_type(v, json_str_value(t))) {
				strbuf_release(&names);
				return 0;
			}
			strbuf_addf(&names, "%s%s", names.len ? " or " : "", json_str_value(t));
		}
	}
	strbuf_addf(&names, ", found %s", json_type_name(v));
	err = fail(path, "expected %s", names.buf);
	strbuf_release(&names);
	return err;
}

static int check_object(const struct json *schema, const struct json *v, struct strbuf *path, int depth)
{
	const struct json *props = json_member(schema, "properties"), *req = json_member(schema, "required");
	const struct json *extra = json_member(schema, "additionalProperties"), *m, *sub;
	size_t len = path->len;
	int err;

	for (m = json_first(req); m; m = json_next(m))
		if (json_str_value(m) && !json_member(v, json_str_value(m)))
			return fail(path, "'%s' is required", json_str_value(m));
	for (m = json_first(v); m; m = json_next(m)) {
		sub = json_member(props, json_key(m));
		strbuf_addf(path, ".%s", json_key(m));
		if (!sub && extra && json_type(extra) == JSON_BOOL && !json_bool_value(extra)) {
			strbuf_setlen(path, len);
			return fail(path, "unexpected member '%s'", json_key(m));
		}
		if (!sub && extra && json_type(extra) == JSON_OBJECT)
			sub = extra;
		if (sub && (err = check(sub, m, path, depth + 1)) < 0)
			return err;
		strbuf_setlen(path, len);
	}
	return 0;
}

static int check_bounds(const struct json *schema, const struct json *v, const struct strbuf *path)
{
	const struct json *b;
	char detail[64];
	double n = 0;

	if (json_type(v) == JSON_ARRAY)
		n = (double)json_size(v);
	else if (json_type(v) == JSON_STRING)
		n = (double)strlen(json_str_value(v));
	if (json_type(v) == JSON_ARRAY || json_type(v) == JSON_STRING) {
		const char *lo = json_type(v) == JSON_ARRAY ? "minItems" : "minLength";
		const char *hi = json_type(v) == JSON_ARRAY ? "maxItems" : "maxLength";

		if ((b = json_member(schema, lo)) && n < json_num_value(b)) {
			snprintf(detail, sizeof(detail), "%g, found %g", json_num_value(b), n);
			return fail(path, "expected at least %s", detail);
		}
		if ((b = json_member(schema, hi)) && n > json_num_value(b)) {
			snprintf(detail, sizeof(detail), "%g, found %g", json_num_value(b), n);
			return fail(path, "expected at most %s", detail);
		}
	}
	if (json_type(v) == JSON_NUMBER) {
		n = json_num_value(v);
		if ((b = json_member(schema, "minimum")) && n < json_num_value(b)) {
			snprintf(detail, sizeof(detail), "%g, found %g", json_num_value(b), n);
			return fail(path, "expected a number >= %s", detail);
		}
		if ((b = json_member(schema, "maximum")) && n > json_num_value(b)) {
			snprintf(detail, sizeof(detail), "%g, found %g", json_num_value(b), n);
			return fail(path, "expected a number <= %s", detail);
		}
	}
	return 0;
}

static int check(const struct json *schema, const struct json *v, struct strbuf *path, int depth)
{
	const struct json *m, *e;
	size_t i, len = path->len;
	int err, found;

	if (depth > MAX_DEPTH)
		return fail(path, "%s", "nested too deeply");
	if (json_type(schema) != JSON_OBJECT)
		return fail(path, "%s", "the schema here is not an object");
	for (m = json_first(schema); m; m = json_next(m)) {
		for (i = 0, found = 0; i < sizeof(known_keywords) / sizeof(*known_keywords); i++)
			found |= !strcmp(json_key(m), known_keywords[i]);
		if (!found)
			return fail(path, "the schema uses '%s', which this checker does not know", json_key(m));
	}
	if ((err = check_type(schema, v, path)) < 0)
		return err;
	if ((m = json_member(schema, "const")) && !equal(m, v))
		return fail(path, "%s", "not the constant the schema requires");
	if ((m = json_member(schema, "enum"))) {
		for (e = json_first(m), found = 0; e && !found; e = json_next(e))
			found = equal(e, v);
		if (!found) {
			char *text = json_print(v, 0);
			err = fail(path, "%s is not one of the allowed values", text ? text : "the value");
			free(text);
			return err;
		}
	}
	if ((err = check_bounds(schema, v, path)) < 0)
		return err;
	if (json_type(v) == JSON_OBJECT)
		return check_object(schema, v, path, depth);
	if (json_type(v) == JSON_ARRAY && (m = json_member(schema, "items"))) {
		for (e = json_first(v), i = 0; e; e = json_next(e), i++) {
			strbuf_addf(path, "[%zu]", i);
			if ((err = check(m, e, path, depth + 1)) < 0)
				return err;
			strbuf_setlen(path, len);
		}
	}
	return 0;
}

int jsonschema_check(const struct json *schema, const struct json *value)
{
	struct strbuf path = STRBUF_INIT;
	int err;

	strbuf_addch(&path, '$');
	err = check(schema, value, &path, 0);
	strbuf_release(&path);
	return err;
}
