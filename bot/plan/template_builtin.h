#ifndef PLAN_TEMPLATE_BUILTIN_H
#define PLAN_TEMPLATE_BUILTIN_H

#include <stddef.h>

/*
 * The templates built into the binary: a table generated at build time by
 * scripts/embed-templates from the .md files of templates/ (all but README.md), sorted
 * by name and ended by an entry whose name is NULL. Only plan/template.c
 * reads it.
 */
struct template_builtin {
	const char *name;
	const char *text;
	size_t len;
};

extern const struct template_builtin template_builtins[];

#endif
