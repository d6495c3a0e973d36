/*
 * The upstream catalogue (upstreams.h).
 */
#include <stdlib.h>
#include <string.h>

#include "investigate/upstreams.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct package_rule {
	char *ecosystem;  /* npm, pypi, go, gem, cargo, composer */
	char *name;       /* a trailing '*' matches any name it begins */
	size_t provider;  /* index into providers */
};

struct upstream_catalogue {
	struct upstream_provider *providers;
	size_t nr;
	struct package_rule *rules;
	size_t rules_nr, rules_alloc;
};

/* build/gen/upstreams.c, from data/upstreams.json (scripts/embed-templates --blob). */
extern const char upstreams_json[];
extern const size_t upstreams_json_len;

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void upstream_catalogue_free(struct upstream_catalogue *cat)
{
	size_t i;

	if (!cat)
		return;
	for (i = 0; i < cat->nr; i++) {
		free(cat->providers[i].key);
		free(cat->providers[i].name);
		free(cat->providers[i].statuspage);
		free(cat->providers[i].note);
	}
	for (i = 0; i < cat->rules_nr; i++) {
		free(cat->rules[i].ecosystem);
		free(cat->rules[i].name);
	}
	free(cat->providers);
	free(cat->rules);
	free(cat);
}

int upstream_catalogue_load(struct upstream_catalogue **out, const char *text, size_t len)
{
	struct upstream_catalogue *cat = xcalloc(1, sizeof(*cat));
	struct json *root = NULL;
	const struct json *providers, *p, *eco, *pkg;
	int err;

	*out = NULL;
	if ((err = json_parse(&root, text, len)) < 0 ||
	    (err = json_get_obj(&providers, root, "providers")) < 0)
		goto fail;
	cat->providers = xcalloc(json_size(providers) + 1, sizeof(*cat->providers));
	for (p = json_first(providers); p; p = json_next(p)) {
		struct upstream_provider *up = &cat->providers[cat->nr++];
		const char *name, *page, *note;

		up->key = xstrdup(json_key(p));
		if ((err = json_get_str(&name, p, "name")) < 0 ||
		    (err = json_get_opt_str(&page, p, "statuspage")) < 0 ||
		    (err = json_get_opt_str(&note, p, "note")) < 0)
			goto fail;
		if (!page && !note) {
			err = bot_error(BOT_EINVALID, "providers.%s: a provider that is not checked needs a note saying why",
					up->key);
			goto fail;
		}
		up->name = xstrdup(name);
		up->statuspage = dup_or_null(page);
		up->note = dup_or_null(note);
		for (eco = json_first(json_member(p, "packages")); eco; eco = json_next(eco))
			for (pkg = json_first(eco); pkg; pkg = json_next(pkg)) {
				if (!json_str_value(pkg)) {
					err = bot_error(BOT_EINVALID, "providers.%s.packages.%s: names are strings",
							up->key, json_key(eco));
					goto fail;
				}
				ALLOC_GROW(cat->rules, cat->rules_nr + 1, cat->rules_alloc);
				cat->rules[cat->rules_nr].ecosystem = xstrdup(json_key(eco));
				cat->rules[cat->rules_nr].name = xstrdup(json_str_value(pkg));
				cat->rules[cat->rules_nr++].provider = cat->nr - 1;
			}
	}
	json_free(root);
	*out = cat;
	return 0;
fail:
	json_free(root);
	upstream_catalogue_free(cat);
	return err;
}

const struct upstream_catalogue *upstream_catalogue_builtin(void)
{
	static struct upstream_catalogue *builtin;
	static int loaded;

	/* Parsed on first use; a scan is one thread when it investigates. */
	if (!loaded) {
		loaded = 1;
		if (upstream_catalogue_load(&builtin, upstreams_json, upstreams_json_len) < 0)
			builtin = NULL;
	}
	return builtin;
}

const struct upstream_provider *upstream_catalogue_find(const struct upstream_catalogue *cat, const char *key)
{
	size_t i;

	for (i = 0; i < cat->nr; i++)
		if (!strcmp(cat->providers[i].key, key))
			return &cat->providers[i];
	return NULL;
}

size_t upstream_catalogue_size(const struct upstream_catalogue *cat)
{
	return cat->nr;
}

const struct upstream_provider *upstream_catalogue_item(const struct upstream_catalogue *cat, size_t i)
{
	return i < cat->nr ? &cat->providers[i] : NULL;
}

/* The ecosystem whose names a manifest holds. */
static const char *ecosystem_of(const char *manifest)
{
	if (!strcmp(manifest, "package.json"))
		return "npm";
	if (!strcmp(manifest, "requirements.txt") || !strcmp(manifest, "pyproject.toml"))
		return "pypi";
	if (!strcmp(manifest, "go.mod"))
		return "go";
	if (!strcmp(manifest, "Gemfile"))
		return "gem";
	if (!strcmp(manifest, "Cargo.toml"))
		return "cargo";
	if (!strcmp(manifest, "composer.json"))
		return "composer";
	return "";
}

static int rule_matches(const struct package_rule *r, const char *eco, const char *name)
{
	size_t n = strlen(r->name);

	if (strcmp(r->ecosystem, eco))
		return 0;
	if (n && r->name[n - 1] == '*')
		return !strncmp(name, r->name, n - 1);
	return !strcmp(name, r->name);
}

void upstream_catalogue_infer(const struct upstream_catalogue *cat, const struct dependencies *deps,
			      struct upstream_use **out, size_t *nr)
{
	struct upstream_use *uses = NULL;
	size_t p, r, d;

	*nr = 0;
	for (p = 0; p < cat->nr; p++) {
		int found = 0;
		for (d = 0; d < deps->nr && !found; d++) {
			const char *eco = ecosystem_of(deps->items[d].manifest);
			for (r = 0; r < cat->rules_nr && !found; r++) {
				if (cat->rules[r].provider != p || !rule_matches(&cat->rules[r], eco, deps->items[d].name))
					continue;
				uses = xrealloc(uses, (*nr + 1) * sizeof(*uses));
				uses[*nr].provider = &cat->providers[p];
				uses[*nr].package = deps->items[d].name;
				uses[*nr].manifest = deps->items[d].manifest;
				(*nr)++;
				found = 1;
			}
		}
	}
	*out = uses;
}
