#ifndef INVESTIGATE_UPSTREAMS_H
#define INVESTIGATE_UPSTREAMS_H

#include <stddef.h>

#include "investigate/manifests.h"

/*
 * The catalogue of upstream providers (data/upstreams.json, embedded at
 * build time): for each provider, the Statuspage v2 page autofix checks
 * (or none, with the reason it is not checked) and the packages whose
 * presence in a service's manifests means the service calls it.
 *
 * Ownership: a catalogue is loaded with upstream_catalogue_load() and
 * freed with upstream_catalogue_free(); what it returns points into it.
 */

struct upstream_provider {
	char *key;        /* "stripe", "mongodb-atlas" */
	char *name;       /* "MongoDB Atlas" */
	char *statuspage; /* base URL, or NULL: not checked */
	char *note;       /* why not, or a caveat; may be NULL */
};

struct upstream_catalogue;

/* The catalogue built into the binary (data/upstreams.json), parsed once; NULL only if it is broken. */
const struct upstream_catalogue *upstream_catalogue_builtin(void);

/* Parses a catalogue document. BOT_EINVALID naming the place when it is malformed. */
int upstream_catalogue_load(struct upstream_catalogue **out, const char *text, size_t len);
void upstream_catalogue_free(struct upstream_catalogue *cat);

/* The provider called key, or NULL. */
const struct upstream_provider *upstream_catalogue_find(const struct upstream_catalogue *cat, const char *key);
size_t upstream_catalogue_size(const struct upstream_catalogue *cat);
const struct upstream_provider *upstream_catalogue_item(const struct upstream_catalogue *cat, size_t i);

/* One provider a service uses, and the package that says so. */
struct upstream_use {
	const struct upstream_provider *provider;
	const char *package;   /* points into the dependencies */
	const char *manifest;
};

/*
 * The providers the dependencies point at, one entry per provider (the
 * first package that names it), in catalogue order. *out is allocated
 * (the caller frees it; NULL when none) and *nr set.
 */
void upstream_catalogue_infer(const struct upstream_catalogue *cat, const struct dependencies *deps,
			      struct upstream_use **out, size_t *nr);

#endif
