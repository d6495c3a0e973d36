/*
 * Keys the schema accepts whose stage is not built yet, and the warnings
 * `validate` prints for them: "no key may be accepted and then ignored"
 * without saying so. tests/config/keys.test holds every other key of the
 * schema to a reader outside bot/config/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Empty while every stage that has keys is built; an entry is { "key.path", "issue N, its title" }. */
const struct config_pending_key config_pending_keys[] = {
	{ NULL, NULL },
};

struct pending_walk {
	const struct ynode *first_key; /* the first place found, its key node */
	struct strbuf first_path;
	size_t count;
};

/* Finds the places of pattern (from its segment at *pattern) under map, path so far in path. */
static void find_key(struct pending_walk *w, const struct ynode *map, const char *pattern,
		     struct strbuf *path)
{
	const char *dot = strchr(pattern, '.');
	size_t seg = dot ? (size_t)(dot - pattern) : strlen(pattern), i;

	if (!map || map->kind != Y_MAP)
		return;
	for (i = 0; i + 1 < map->nr; i += 2) {
		const struct ynode *k = map->kids[i];
		size_t saved;

		if (k->kind != Y_SCALAR)
			continue;
		if (!(seg == 1 && *pattern == '*') &&
		    (strlen(k->str) != seg || strncmp(k->str, pattern, seg)))
			continue;
		cfg_path_push(path, k->str, &saved);
		if (dot) {
			find_key(w, map->kids[i + 1], dot + 1, path);
		} else if (!w->count++) {
			w->first_key = k;
			strbuf_addstr(&w->first_path, path->buf);
		}
		cfg_path_pop(path, saved);
	}
}

void cfg_warn_pending(struct loader *L, const struct ynode *root)
{
	const struct config_pending_key *p;
	struct strbuf path = STRBUF_INIT;

	for (p = config_pending_keys; p->key; p++) {
		struct pending_walk w = { NULL, STRBUF_INIT, 0 };
		struct strbuf more = STRBUF_INIT;

		find_key(&w, root, p->key, &path);
		if (w.count > 1)
			strbuf_addf(&more, "; so %s %zu more like it", w.count == 2 ? "is" : "are",
				    w.count - 1);
		if (w.count) {
			size_t before = L->diags->nr;
			cfg_report(L, w.first_key->line, w.first_key->col, w.first_path.buf,
				   "accepted, not used yet (%s)%s", p->stage, more.buf);
			if (L->diags->nr > before)
				L->diags->items[before].warning = 1;
		}
		strbuf_release(&more);
		strbuf_release(&w.first_path);
		strbuf_reset(&path);
	}
	strbuf_release(&path);
}
