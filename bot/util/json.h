#ifndef UTIL_JSON_H
#define UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>

/*
 * JSON documents, wrapped so that no other module sees cJSON. A parsed
 * document is a tree of `struct json` nodes owned by its root: free the
 * root with json_free() and every node pointer into it becomes invalid.
 * Nodes added to a parent with json_set()/json_append() belong to the
 * parent from then on.
 *
 * Paths address nodes from a starting node: "data.project.services",
 * "edges[3].node.name", "[0]". They are printf formats, so a loop can
 * name the exact element ("edges[%zu].node.id", i); the typed getters put
 * that path in their error message, which is how a bad response is
 * reported ("'data.metrics[2].values': expected array, found null").
 */
struct json;

enum json_type {
	JSON_INVALID,
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * Parses len bytes of text. On success *out is the root, owned by the
 * caller. On failure returns BOT_EINVALID with the byte offset in the message.
 */
int json_parse(struct json **out, const char *text, size_t len);
void json_free(struct json *root);

enum json_type json_type(const struct json *node);
/* "string", "number"...; "missing" for NULL. */
const char *json_type_name(const struct json *node);

/* The node at path below node, or NULL when any step is missing or of the wrong kind. */
const struct json *json_get(const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The member called key (any characters) of an object, or NULL. */
const struct json *json_member(const struct json *obj, const char *key);

/*
 * Typed getters for required fields: 0 on success, BOT_EINVALID with the
 * path and what was found when the field is missing or of another type.
 * Strings point into the document.
 */
int json_get_str(const char **out, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
int json_get_num(double *out, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
int json_get_int(int64_t *out, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
int json_get_bool(int *out, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Requires an array (or object for json_get_obj) at path; *out points to it. */
int json_get_arr(const struct json **out, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
int json_get_obj(const struct json **out, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like json_get_str but a missing or null field gives *out = NULL and 0. */
int json_get_opt_str(const char **out, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A time written as an RFC 3339 string ("2026-11-28T10:00:00Z"), read into
 * *out_ms (milliseconds since the epoch): BOT_EINVALID naming the path
 * when it is missing, not a string, or not such a time. The opt form
 * gives *out_ms = 0 and 0 for a missing or null field.
 */
int json_get_time(int64_t *out_ms, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));
int json_get_opt_time(int64_t *out_ms, const struct json *node, const char *pathfmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Direct accessors; each returns a neutral value (0, NULL) for a node of another type. */
const char *json_str_value(const struct json *node);
double json_num_value(const struct json *node);
int json_bool_value(const struct json *node);
/* Number of items of an array or members of an object; 0 otherwise. */
size_t json_size(const struct json *node);
/* Item i of an array or member i of an object, or NULL. O(i): iterate with json_first/json_next. */
const struct json *json_item(const struct json *node, size_t i);
const struct json *json_first(const struct json *node);
const struct json *json_next(const struct json *node);
/* The member name of a node inside an object, or NULL. */
const char *json_key(const struct json *node);

/* Building. Constructors never fail (allocation failure aborts). */
struct json *json_new_object(void);
struct json *json_new_array(void);
struct json *json_new_str(const char *s); /* NULL gives a JSON null */
/* An array of the n strings items[0..n-1] (copied). */
struct json *json_new_str_array(const char *const *items, size_t n);
struct json *json_new_num(double n);
struct json *json_new_bool(int b);
struct json *json_new_null(void);
/* A deep copy, owned by the caller. */
struct json *json_dup(const struct json *node);
/*
 * Deep-merges the object over into the object base: a member that is an
 * object on both sides is merged in turn, any other member of over
 * replaces base's (or is added) as a copy. over is left as it was.
 */
void json_merge(struct json *base, const struct json *over);
/* Adds or replaces member key of obj; obj takes ownership of value. */
void json_set(struct json *obj, const char *key, struct json *value);
void json_set_str(struct json *obj, const char *key, const char *s);
/* Like json_set_str, but a NULL s leaves obj without the member (not a JSON null). */
void json_set_opt_str(struct json *obj, const char *key, const char *s);
/* Member key as an RFC 3339 UTC string, the form json_get_time reads. */
void json_set_time(struct json *obj, const char *key, int64_t ms);
void json_set_num(struct json *obj, const char *key, double n);
void json_set_bool(struct json *obj, const char *key, int b);
/* Appends value to arr, which takes ownership. */
void json_append(struct json *arr, struct json *value);
/* Frees every member of an object or item of an array; node stays, empty. */
void json_empty(struct json *node);

/*
 * Serialises node; the caller frees the result with free(3). The text is
 * always well-formed UTF-8 (RFC 8259): a string's bytes that are not
 * (a source may send anything) are each printed as U+FFFD.
 */
char *json_print(const struct json *node, int pretty);

/* Whether match() holds for some string value or member name at or below node. */
int json_any_string(const struct json *node, int (*match)(const char *s));
/*
 * Rewrites every string value and member name at or below node with
 * map(), which edits the text it is given in place (log_redact(), say).
 */
struct strbuf;
void json_map_strings(struct json *node, void (*map)(struct strbuf *sb));

#endif
