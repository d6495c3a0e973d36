#ifndef FIX_WORKSPACE_H
#define FIX_WORKSPACE_H

#include <stddef.h>

#include "util/strbuf.h"

/*
 * Git, through libgit2: the only module that includes git2.h. Today it
 * reads what a commit changed (the onset deployment's diff, for the
 * plan); the working trees, branches, commits and pushes of the fix stage
 * come here too.
 *
 * Ownership: a struct commit_changes owns its strings; release it with
 * commit_changes_release().
 */

struct changed_file {
	char *path;       /* the new path (the old one for a deletion) */
	char status;      /* 'A' added, 'D' deleted, 'M' modified, 'R' renamed, 'T' type changed */
	size_t additions, deletions;
	int binary;
};

struct commit_changes {
	char sha[41];
	char *summary;    /* the commit message's first line */
	struct changed_file *files; /* files under the preferred path first, then by path */
	size_t files_nr, files_alloc;
	struct strbuf diff;   /* unified diff of those files, in that order, at most max_bytes */
	size_t files_in_diff; /* how many files' patches the diff holds whole */
	int diff_cut;         /* 1 when the bound left patches (or the end of one) out */
};

void commit_changes_init(struct commit_changes *c);
void commit_changes_release(struct commit_changes *c);

/*
 * Reads what commit rev (a full or abbreviated SHA) of the repository at
 * repo_path (a working tree or bare repository; parents are searched)
 * changed against its first parent (a root commit: against nothing).
 * Files under prefer_path (a directory relative to the repository root;
 * NULL or "." for none) come first. The diff holds whole file patches in
 * that order while they fit in max_bytes; the first that does not is cut
 * at a line boundary and the rest left out, which diff_cut says.
 * Returns 0; BOT_ENOTFOUND when there is no repository there or it does
 * not hold the commit (the caller then asks GitHub's compare API);
 * BOT_ERROR with libgit2's message otherwise.
 */
int workspace_commit_changes(struct commit_changes *out, const char *repo_path, const char *rev,
			     const char *prefer_path, size_t max_bytes);

#endif
