/*
 * libgit2 (workspace.h).
 */
#include <git2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fix/workspace.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/banned.h"

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_setup(void)
{
	git_libgit2_init();
}

/* libgit2's last error as ours. */
static int git_fail(int code, const char *what)
{
	const git_error *e = git_error_last();

	if (code == GIT_ENOTFOUND)
		return bot_error(BOT_ENOTFOUND, "%s: %s", what, e && e->message ? e->message : "not found");
	return bot_error(BOT_ERROR, "%s: %s", what, e && e->message ? e->message : "libgit2 failed");
}

void commit_changes_init(struct commit_changes *c)
{
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->diff, 0);
}

void commit_changes_release(struct commit_changes *c)
{
	size_t i;

	for (i = 0; i < c->files_nr; i++)
		free(c->files[i].path);
	free(c->files);
	free(c->summary);
	strbuf_release(&c->diff);
	commit_changes_init(c);
}

/* Whether path lies under dir ("services/api" holds "services/api/x.js", not "services/api2/x"). */
static int under(const char *path, const char *dir)
{
	size_t n;

	if (!dir || !*dir || !strcmp(dir, "."))
		return 0;
	n = strlen(dir);
	while (n && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && path[n] == '/';
}

static char status_letter(git_delta_t s)
{
	switch (s) {
	case GIT_DELTA_ADDED: return 'A';
	case GIT_DELTA_DELETED: return 'D';
	case GIT_DELTA_RENAMED: return 'R';
	case GIT_DELTA_TYPECHANGE: return 'T';
	default: return 'M';
	}
}

struct ordered {
	size_t delta;
	int preferred;
	const char *path;
};

static int cmp_ordered(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;

	if (x->preferred != y->preferred)
		return y->preferred - x->preferred;
	return strcmp(x->path, y->path);
}

/* Appends text to the bounded diff; what does not fit is cut at the last line boundary. */
static int add_bounded(struct commit_changes *out, const char *text, size_t len, size_t max_bytes)
{
	size_t room = max_bytes > out->diff.len ? max_bytes - out->diff.len : 0;

	if (len <= room) {
		strbuf_add(&out->diff, text, len);
		return 0;
	}
	while (room && text[room - 1] != '\n')
		room--;
	strbuf_add(&out->diff, text, room);
	out->diff_cut = 1;
	return -1;
}

int workspace_commit_changes(struct commit_changes *out, const char *repo_path, const char *rev,
			     const char *prefer_path, size_t max_bytes)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_commit *commit = NULL, *parent = NULL;
	git_tree *tree = NULL, *parent_tree = NULL;
	git_diff *diff = NULL;
	git_diff_find_options find;
	struct ordered *order = NULL;
	const char *summary;
	size_t i, n;
	int err, result = 0;

	pthread_once(&git_once, git_setup);
	if ((err = git_repository_open_ext(&repo, repo_path, 0, NULL)) < 0) {
		result = git_fail(err == GIT_ENOTFOUND ? GIT_ENOTFOUND : err, repo_path);
		goto done;
	}
	if ((err = git_revparse_single(&obj, repo, rev)) < 0 ||
	    (err = git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT)) < 0) {
		/* A commit this clone lacks (shallow, another branch): the caller asks GitHub. */
		result = git_fail(err == GIT_ENOTFOUND || err == GIT_EAMBIGUOUS ? GIT_ENOTFOUND : err, rev);
		goto done;
	}
	git_oid_tostr(out->sha, sizeof(out->sha), git_commit_id(commit));
	summary = git_commit_summary(commit);
	out->summary = xstrdup(summary ? summary : "");
	if ((err = git_commit_tree(&tree, commit)) < 0 ||
	    (git_commit_parentcount(commit) > 0 &&
	     ((err = git_commit_parent(&parent, commit, 0)) < 0 || (err = git_commit_tree(&parent_tree, parent)) < 0)) ||
	    (err = git_diff_tree_to_tree(&diff, repo, parent_tree, tree, NULL)) < 0) {
		result = git_fail(err, "reading the commit's changes");
		goto done;
	}
	git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
	find.flags = GIT_DIFF_FIND_RENAMES;
	if ((err = git_diff_find_similar(diff, &find)) < 0) {
		result = git_fail(err, "finding renames");
		goto done;
	}

	n = git_diff_num_deltas(diff);
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		order[i].delta = i;
		order[i].path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		order[i].preferred = under(order[i].path, prefer_path);
	}
	qsort(order, n, sizeof(*order), cmp_ordered);

	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, order[i].delta);
		git_patch *patch = NULL;
		git_buf buf = { 0 };
		struct changed_file *f;
		size_t adds = 0, dels = 0;

		if ((err = git_patch_from_diff(&patch, diff, order[i].delta)) < 0) {
			result = git_fail(err, "reading a file's patch");
			goto done;
		}
		if (patch)
			git_patch_line_stats(NULL, &adds, &dels, patch);
		ALLOC_GROW(out->files, out->files_nr + 1, out->files_alloc);
		f = &out->files[out->files_nr++];
		f->path = xstrdup(order[i].path);
		f->status = status_letter(d->status);
		f->additions = adds;
		f->deletions = dels;
		f->binary = !!(d->flags & GIT_DIFF_FLAG_BINARY);
		if (patch && !out->diff_cut && (err = git_patch_to_buf(&buf, patch)) == 0) {
			if (add_bounded(out, buf.ptr, buf.size, max_bytes) == 0)
				out->files_in_diff++;
		} else if (patch && !out->diff_cut) {
			out->diff_cut = 1;
		}
		git_buf_dispose(&buf);
		git_patch_free(patch);
	}
done:
	if (result < 0)
		commit_changes_release(out);
	free(order);
	git_diff_free(diff);
	git_tree_free(tree);
	git_tree_free(parent_tree);
	git_commit_free(commit);
	git_commit_free(parent);
	git_object_free(obj);
	git_repository_free(repo);
	return result;
}
