#ifndef PLAN_MUSTACHE_H
#define PLAN_MUSTACHE_H

#include <stddef.h>

/*
 * A Mustache renderer: the core of the specification (interpolation,
 * sections, inverted sections, comments, partials, set delimiters and the
 * standalone-line rules; no lambdas). Data is a JSON document
 * (util/json.h). The renderer owns nothing it is given: the template text,
 * the data and what the callbacks return stay the caller's.
 *
 * Values are resolved as the specification says: "." is the top of the
 * context stack; "a.b.c" looks "a" up from the top of the stack down and
 * then "b" and "c" in that value only. Interpolating a string writes it,
 * a number its shortest exact form ("85", "1.21"), a boolean "true" or
 * "false", null or a missing name nothing, an array or object its compact
 * JSON. A section is skipped for a missing name, null, false, an empty
 * array, an empty string and the number 0 (the usual choice of
 * Mustache implementations; the specification only fixes the first four);
 * it is repeated for each item of a non-empty array, and otherwise
 * rendered once with the value pushed on the context stack.
 */

struct json;
struct strbuf;

/*
 * Appends s (len bytes, not NUL-terminated necessarily) to out, escaped
 * for the output format. Used for {{name}}; {{{name}}} and {{&name}}
 * never escape.
 */
typedef void (*mustache_escape_fn)(struct strbuf *out, const char *s, size_t len, void *payload);

/*
 * Appends the text of the partial called name to out. Returns 0, or
 * BOT_ENOTFOUND when there is no such partial (it then renders as
 * nothing, as the specification requires), or another negative code,
 * which ends the rendering with that code (the message is the loader's).
 */
typedef int (*mustache_partial_fn)(struct strbuf *out, const char *name, void *payload);

/* HTML escaping: & < > " ' become entities. The default. */
void mustache_escape_html(struct strbuf *out, const char *s, size_t len, void *payload);
/* No escaping at all: for plain text and prompts. */
void mustache_escape_none(struct strbuf *out, const char *s, size_t len, void *payload);

#define MUSTACHE_DEFAULT_MAX_OUTPUT (1024 * 1024)
#define MUSTACHE_DEFAULT_MAX_DEPTH 32
#define MUSTACHE_DEFAULT_MAX_STEPS (10 * 1000 * 1000)
/* Deepest nesting of sections inside one template (or partial). */
#define MUSTACHE_MAX_NESTING 100

struct mustache_options {
	/* Names the template in error messages; NULL gives "template". */
	const char *name;
	/* NULL: mustache_escape_html. */
	mustache_escape_fn escape;
	void *escape_payload;
	/* NULL: every partial is missing (renders as nothing). */
	mustache_partial_fn partial;
	void *partial_payload;
	/* Most bytes the rendering may append to out; 0: MUSTACHE_DEFAULT_MAX_OUTPUT. */
	size_t max_output;
	/* Deepest nesting of partials (a partial including itself counts each time); 0: the default. */
	unsigned max_depth;
	/*
	 * Most tags and texts the rendering may go through, output or not:
	 * sections nested over lists multiply, and a template written to
	 * spin (an override is untrusted) must end. 0: the default.
	 */
	size_t max_steps;
};
#define MUSTACHE_OPTIONS_INIT { NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }

/*
 * Renders the template text (len bytes) with data as the root context and
 * appends the result to out. opts may be NULL for the defaults.
 *
 * Returns 0, or:
 *  - BOT_EINVALID for a malformed template or partial (an unclosed tag or
 *    section, a closing tag that matches no open section, a bad
 *    set-delimiter tag, an empty or blank name, sections nested deeper
 *    than MUSTACHE_MAX_NESTING), the message naming the template, line
 *    and column;
 *  - BOT_ETOOBIG when the output would pass max_output, partials nest
 *    deeper than max_depth, or the rendering takes more than max_steps;
 *  - whatever the partial loader returned, other than BOT_ENOTFOUND.
 * On failure out is left as it was.
 */
int mustache_render(struct strbuf *out, const char *tmpl, size_t len, const struct json *data,
		    const struct mustache_options *opts);

#endif
