#ifndef PLAN_TEMPLATE_H
#define PLAN_TEMPLATE_H

#include <stddef.h>

#include "plan/mustache.h"

/*
 * autofix's texts by name. A template is found first in the repository
 * autofix works on, as `.autofix/templates/NAME` under its checkout, and
 * otherwise among the templates built into the binary (the .md files of templates/ in
 * the source tree, compiled in at build time, so that an installed or
 * Action-checked-out binary needs no data files). Partials ({{> NAME}})
 * are looked up the same way, each on its own: a repository may override
 * one fragment and keep the rest.
 *
 * Override files are untrusted input: they must be regular files inside
 * the repository (a symlink may point elsewhere in the checkout, never out
 * of it), at most max_file bytes, and text (no NUL byte). A name is 1 to
 * 100 characters of [A-Za-z0-9._-], not starting with '.', so it can
 * never leave the templates directory.
 *
 * Nothing here keeps state; every call reads the files again.
 */

struct json;
struct strbuf;

#define TEMPLATE_MAX_FILE (64 * 1024)

enum template_origin {
	TEMPLATE_BUILTIN,
	TEMPLATE_OVERRIDE,
};

struct template_options {
	/* The checkout of the repository autofix works on; NULL: built-ins only. */
	const char *repo_root;
	/*
	 * The escaper for {{name}}; NULL: HTML (mustache_escape_html). The
	 * caller chooses by where the text goes (templates/README.md).
	 */
	mustache_escape_fn escape;
	void *escape_payload;
	/* Limits; 0 gives MUSTACHE_DEFAULT_MAX_OUTPUT, MUSTACHE_DEFAULT_MAX_DEPTH, TEMPLATE_MAX_FILE. */
	size_t max_output;
	unsigned max_depth;
	size_t max_file;
};
#define TEMPLATE_OPTIONS_INIT { NULL, NULL, NULL, 0, 0, 0 }

/* 1 when name is a valid template name (see above), 0 otherwise. */
int template_name_ok(const char *name);

/*
 * Appends the text of template name to out: the repository's override
 * when repo_root is not NULL and it has one, else the built-in one. When
 * origin is not NULL it says which. Returns 0; BOT_ENOTFOUND when neither
 * exists; BOT_EINVALID for a bad name or an override that is not a
 * regular file inside repo_root or not text; BOT_ETOOBIG for an override
 * larger than max_file (0: TEMPLATE_MAX_FILE); BOT_EIO when it cannot be
 * read. A bad override is an error, never silently replaced by the
 * built-in: the repository asked for something else. On failure out is
 * left as it was.
 */
int template_load(struct strbuf *out, const char *name, const char *repo_root, size_t max_file,
		  enum template_origin *origin);

/*
 * Renders template name with data (see plan/mustache.h) and appends the
 * result to out; opts may be NULL for built-ins only with the defaults.
 * Returns 0 or the code of template_load() or mustache_render(), the
 * message naming the template. A partial that exists nowhere renders as
 * nothing (the Mustache specification); one with a bad name or a bad
 * override file fails the rendering. On failure out is left as it was.
 */
int template_render(struct strbuf *out, const char *name, const struct json *data,
		    const struct template_options *opts);

/* The name of built-in template i (in name order), or NULL past the last. */
const char *template_builtin_name(size_t i);

#endif
