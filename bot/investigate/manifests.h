#ifndef INVESTIGATE_MANIFESTS_H
#define INVESTIGATE_MANIFESTS_H

#include <stddef.h>

/*
 * The packages a service depends on, read from the dependency manifests
 * in its directory: package.json, requirements.txt, pyproject.toml,
 * go.mod, Gemfile, Cargo.toml, composer.json. Only names are read
 * (versions do not tell which provider is called). The files are the
 * repository's, so untrusted: each is size-bounded, must be a regular
 * file, and a file that cannot be read or parsed is skipped with its
 * reason, never an error of the scan.
 *
 * Ownership: a struct dependencies owns its strings; release it with
 * dependencies_release().
 */

struct dependency {
	char *name;      /* as the ecosystem writes it: "stripe", "@supabase/supabase-js", "github.com/stripe/stripe-go/v76" */
	char *manifest;  /* the file it came from, e.g. "package.json" */
};

struct dependencies {
	struct dependency *items;
	size_t nr, alloc;
	char **skipped;  /* "FILE: reason" for manifests that could not be read */
	size_t skipped_nr, skipped_alloc;
};

#define DEPENDENCIES_INIT { NULL, 0, 0, NULL, 0, 0 }
void dependencies_release(struct dependencies *deps);

/* Appends the dependencies named by the manifests found directly in dir. */
void manifests_read_dir(struct dependencies *deps, const char *dir);

/*
 * Appends the dependencies in one manifest's text; file is its base name,
 * which says the format. Returns 0, or BOT_EINVALID (with the reason)
 * for text that is not that format; BOT_ENOTFOUND for an unknown name.
 */
int manifests_read_text(struct dependencies *deps, const char *file, const char *text, size_t len);

#endif
