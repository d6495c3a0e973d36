#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Every struct json is a cJSON node; this is the one file that knows it. */
#define C(n) ((cJSON *)(n))
#define J(n) ((struct json *)(n))

/*
 * The C library's own malloc and free, and only those: with them cJSON
 * also uses realloc, so printing a large document grows one buffer in
 * place instead of copying it at every doubling (a journaled observation
 * of 1000 services printed in 17 MB, not 31). Allocation failure aborts
 * in the constructors below (must), as xmalloc would.
 */
static void set_hooks(void)
{
	cJSON_Hooks hooks = { malloc, free };
	cJSON_InitHooks(&hooks);
}

static cJSON *must(cJSON *node)
{
	if (!node) {
		fprintf(stderr, "fatal: out of memory\n");
		abort();
	}
	return node;
}

/* cJSON's allocator is global; set it once, whichever thread comes first. */
static void install_hooks(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, set_hooks);
}

int json_parse(struct json **out, const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	install_hooks();
	*out = NULL;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		size_t at = end && end >= text ? (size_t)(end - text) : 0;
		return bot_error(BOT_EINVALID, "invalid JSON near byte %zu", at);
	}
	/* cJSON stops after the first value; anything but whitespace after it is an error. */
	while (end && (size_t)(end - text) < len &&
	       (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end && (size_t)(end - text) < len && *end) {
		size_t at = (size_t)(end - text);
		cJSON_Delete(root);
		return bot_error(BOT_EINVALID, "invalid JSON: trailing data at byte %zu", at);
	}
	*out = J(root);
	return 0;
}

void json_free(struct json *root)
{
	cJSON_Delete(C(root));
}

enum json_type json_type(const struct json *node)
{
	const cJSON *n = C(node);

	if (!n)
		return JSON_INVALID;
	switch (n->type & 0xff) {
	case cJSON_NULL: return JSON_NULL;
	case cJSON_False:
	case cJSON_True: return JSON_BOOL;
	case cJSON_Number: return JSON_NUMBER;
	case cJSON_String: return JSON_STRING;
	case cJSON_Array: return JSON_ARRAY;
	case cJSON_Object: return JSON_OBJECT;
	}
	return JSON_INVALID;
}

const char *json_type_name(const struct json *node)
{
	static const char *names[] = {
		"missing", "null", "boolean", "number", "string", "array", "object"
	};
	return names[json_type(node)];
}

/* Walks a path ("a.b[2].c") from node; NULL when a step does not exist. */
static const cJSON *walk(const cJSON *node, const char *path)
{
	const char *p = path;

	while (node && *p) {
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			char *end;
			unsigned long idx = strtoul(p + 1, &end, 10);
			if (end == p + 1 || *end != ']' || !cJSON_IsArray(node))
				return NULL;
			node = cJSON_GetArrayItem(node, (int)idx);
			p = end + 1;
		} else {
			size_t n = strcspn(p, ".[");
			const cJSON *child;
			if (!cJSON_IsObject(node))
				return NULL;
			for (child = node->child; child; child = child->next)
				if (child->string && strlen(child->string) == n &&
				    !memcmp(child->string, p, n))
					break;
			node = child;
			p += n;
		}
	}
	return node;
}

static const cJSON *vwalk(const struct json *node, struct strbuf *path, const char *fmt, va_list ap)
{
	strbuf_vaddf(path, fmt, ap);
	return walk(C(node), path->buf);
}

const struct json *json_get(const struct json *node, const char *pathfmt, ...)
{
	struct strbuf path = STRBUF_INIT;
	const cJSON *n;
	va_list ap;

	va_start(ap, pathfmt);
	n = vwalk(node, &path, pathfmt, ap);
	va_end(ap);
	strbuf_release(&path);
	return J(n);
}

const struct json *json_member(const struct json *obj, const char *key)
{
	const cJSON *child;

	if (!cJSON_IsObject(C(obj)))
		return NULL;
	for (child = C(obj)->child; child; child = child->next)
		if (child->string && !strcmp(child->string, key))
			return J(child);
	return NULL;
}

static int type_error(const char *path, const char *want, const cJSON *found)
{
	if (!found)
		return bot_error(BOT_EINVALID, "'%s': missing, expected %s", path, want);
	return bot_error(BOT_EINVALID, "'%s': expected %s, found %s", path, want,
			 json_type_name(J(found)));
}

/* Resolves the path, checks the type; the shared body of the typed getters. */
static int typed(const cJSON **out, enum json_type want, int optional,
		 const struct json *node, const char *fmt, va_list ap)
{
	static const char *want_names[] = {
		"", "null", "boolean", "number", "string", "array", "object"
	};
	struct strbuf path = STRBUF_INIT;
	const cJSON *n = vwalk(node, &path, fmt, ap);
	int ret = 0;

	*out = NULL;
	if (optional && (!n || cJSON_IsNull(n)))
		goto done;
	if (json_type(J(n)) != want) {
		ret = type_error(path.buf, want_names[want], n);
		goto done;
	}
	*out = n;
done:
	strbuf_release(&path);
	return ret;
}

#define TYPED_GETTER(name, ctype, want, optional, assign)                       \
	int name(ctype *out, const struct json *node, const char *pathfmt, ...) \
	{                                                                       \
		const cJSON *n;                                                 \
		va_list ap;                                                     \
		int ret;                                                        \
		va_start(ap, pathfmt);                                          \
		ret = typed(&n, want, optional, node, pathfmt, ap);             \
		va_end(ap);                                                     \
		if (ret < 0)                                                    \
			return ret;                                             \
		assign;                                                         \
		return 0;                                                       \
	}

TYPED_GETTER(json_get_str, const char *, JSON_STRING, 0, *out = n->valuestring)
TYPED_GETTER(json_get_opt_str, const char *, JSON_STRING, 1, *out = n ? n->valuestring : NULL)
TYPED_GETTER(json_get_num, double, JSON_NUMBER, 0, *out = n->valuedouble)
TYPED_GETTER(json_get_bool, int, JSON_BOOL, 0, *out = cJSON_IsTrue(n))
TYPED_GETTER(json_get_arr, const struct json *, JSON_ARRAY, 0, *out = J(n))
TYPED_GETTER(json_get_obj, const struct json *, JSON_OBJECT, 0, *out = J(n))

int json_get_int(int64_t *out, const struct json *node, const char *pathfmt, ...)
{
	struct strbuf path = STRBUF_INIT;
	const cJSON *n;
	va_list ap;
	int ret = 0;

	va_start(ap, pathfmt);
	n = vwalk(node, &path, pathfmt, ap);
	va_end(ap);
	if (!cJSON_IsNumber(n))
		ret = type_error(path.buf, "integer", n);
	else if (n->valuedouble != floor(n->valuedouble) ||
		 fabs(n->valuedouble) > 9007199254740992.0)
		ret = bot_error(BOT_EINVALID, "'%s': expected integer, found %g", path.buf,
				n->valuedouble);
	else
		*out = (int64_t)n->valuedouble;
	strbuf_release(&path);
	return ret;
}

static int vget_time(int64_t *out_ms, int optional, const struct json *node, const char *fmt,
		     va_list ap)
{
	struct strbuf path = STRBUF_INIT;
	const cJSON *n = vwalk(node, &path, fmt, ap);
	int ret = 0;

	if (optional)
		*out_ms = 0;
	if (optional && (!n || cJSON_IsNull(n)))
		goto done;
	if (!cJSON_IsString(n))
		ret = type_error(path.buf, "string", n);
	else if ((ret = time_parse_iso8601(out_ms, n->valuestring)) < 0)
		ret = bot_error_wrap(ret, "'%s': ", path.buf);
done:
	strbuf_release(&path);
	return ret;
}

#define TIME_GETTER(name, optional)                                             \
	int name(int64_t *out_ms, const struct json *node, const char *pathfmt, ...) \
	{                                                                       \
		va_list ap;                                                     \
		int ret;                                                        \
		va_start(ap, pathfmt);                                          \
		ret = vget_time(out_ms, optional, node, pathfmt, ap);           \
		va_end(ap);                                                     \
		return ret;                                                     \
	}

TIME_GETTER(json_get_time, 0)
TIME_GETTER(json_get_opt_time, 1)

const char *json_str_value(const struct json *node)
{
	return cJSON_IsString(C(node)) ? C(node)->valuestring : NULL;
}

double json_num_value(const struct json *node)
{
	return cJSON_IsNumber(C(node)) ? C(node)->valuedouble : 0;
}

int json_bool_value(const struct json *node)
{
	return cJSON_IsTrue(C(node));
}

size_t json_size(const struct json *node)
{
	if (!cJSON_IsArray(C(node)) && !cJSON_IsObject(C(node)))
		return 0;
	return (size_t)cJSON_GetArraySize(C(node));
}

const struct json *json_item(const struct json *node, size_t i)
{
	const cJSON *n = json_first(node) ? C(json_first(node)) : NULL;

	while (n && i--)
		n = n->next;
	return J(n);
}

const struct json *json_first(const struct json *node)
{
	if (!cJSON_IsArray(C(node)) && !cJSON_IsObject(C(node)))
		return NULL;
	return J(C(node)->child);
}

const struct json *json_next(const struct json *node)
{
	return node ? J(C(node)->next) : NULL;
}

const char *json_key(const struct json *node)
{
	return node ? C(node)->string : NULL;
}

struct json *json_new_object(void)
{
	install_hooks();
	return J(must(cJSON_CreateObject()));
}

struct json *json_new_array(void)
{
	install_hooks();
	return J(must(cJSON_CreateArray()));
}

struct json *json_new_str(const char *s)
{
	install_hooks();
	return J(must(s ? cJSON_CreateString(s) : cJSON_CreateNull()));
}

struct json *json_new_str_array(const char *const *items, size_t n)
{
	struct json *arr = json_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_append(arr, json_new_str(items[i]));
	return arr;
}

struct json *json_new_num(double n)
{
	install_hooks();
	/* JSON has no NaN or infinity: they become null rather than invalid output. */
	if (isnan(n) || isinf(n))
		return J(must(cJSON_CreateNull()));
	return J(must(cJSON_CreateNumber(n)));
}

struct json *json_new_bool(int b)
{
	install_hooks();
	return J(must(cJSON_CreateBool(b)));
}

struct json *json_new_null(void)
{
	install_hooks();
	return J(must(cJSON_CreateNull()));
}

struct json *json_dup(const struct json *node)
{
	install_hooks();
	return node ? J(must(cJSON_Duplicate(C(node), 1))) : NULL;
}

void json_set_time(struct json *obj, const char *key, int64_t ms)
{
	struct strbuf sb = STRBUF_INIT;

	time_format_iso8601(&sb, ms);
	json_set_str(obj, key, sb.buf);
	strbuf_release(&sb);
}

void json_merge(struct json *base, const struct json *over)
{
	const struct json *m;

	for (m = json_first(over); m; m = json_next(m)) {
		struct json *have = (struct json *)json_member(base, json_key(m));
		if (have && json_type(have) == JSON_OBJECT && json_type(m) == JSON_OBJECT)
			json_merge(have, m);
		else
			json_set(base, json_key(m), json_dup(m));
	}
}

void json_set(struct json *obj, const char *key, struct json *value)
{
	if (cJSON_GetObjectItemCaseSensitive(C(obj), key))
		cJSON_ReplaceItemInObjectCaseSensitive(C(obj), key, C(value));
	else
		cJSON_AddItemToObject(C(obj), key, C(value));
}

void json_set_str(struct json *obj, const char *key, const char *s)
{
	json_set(obj, key, json_new_str(s));
}

void json_set_opt_str(struct json *obj, const char *key, const char *s)
{
	if (s)
		json_set_str(obj, key, s);
}

void json_set_num(struct json *obj, const char *key, double n)
{
	json_set(obj, key, json_new_num(n));
}

void json_set_bool(struct json *obj, const char *key, int b)
{
	json_set(obj, key, json_new_bool(b));
}

void json_append(struct json *arr, struct json *value)
{
	cJSON_AddItemToArray(C(arr), C(value));
}

void json_empty(struct json *node)
{
	if (!node || !(cJSON_IsObject(C(node)) || cJSON_IsArray(C(node))))
		return;
	cJSON_Delete(C(node)->child);
	C(node)->child = NULL;
}

char *json_print(const struct json *node, int pretty)
{
	struct strbuf valid = STRBUF_INIT;
	char *s;
	size_t len;

	install_hooks();
	s = pretty ? cJSON_Print(C(node)) : cJSON_PrintUnformatted(C(node));
	if (!s) {
		fprintf(stderr, "fatal: cannot serialise JSON\n");
		abort();
	}
	/*
	 * cJSON copies a string's bytes as they came, and a source may send
	 * bytes that are not UTF-8, which RFC 8259 forbids in JSON text: such
	 * bytes become U+FFFD. Outside strings everything is ASCII, so the
	 * whole text can be mended at once.
	 */
	len = strlen(s);
	if (utf8_is_valid(s, len))
		return s;
	utf8_add_valid(&valid, s, len);
	free(s);
	return strbuf_detach(&valid, NULL);
}

int json_any_string(const struct json *node, int (*match)(const char *s))
{
	const cJSON *c;

	if (!node)
		return 0;
	if (C(node)->string && match(C(node)->string))
		return 1;
	if (cJSON_IsString(C(node)))
		return C(node)->valuestring && match(C(node)->valuestring);
	for (c = C(node)->child; c; c = c->next)
		if (json_any_string(J(c), match))
			return 1;
	return 0;
}

/* Runs map over a copy of *s; replaces *s (cJSON's allocation) when the text changed. */
static void map_one(char **s, void (*map)(struct strbuf *sb))
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, *s);
	map(&sb);
	if (strcmp(sb.buf, *s)) {
		free(*s);
		*s = strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
}

void json_map_strings(struct json *node, void (*map)(struct strbuf *sb))
{
	cJSON *c;

	if (!node)
		return;
	/* A constant key is not cJSON's to free; this module never makes one. */
	if (C(node)->string && !(C(node)->type & cJSON_StringIsConst))
		map_one(&C(node)->string, map);
	if (cJSON_IsString(C(node)) && C(node)->valuestring)
		map_one(&C(node)->valuestring, map);
	for (c = C(node)->child; c; c = c->next)
		json_map_strings(J(c), map);
}
