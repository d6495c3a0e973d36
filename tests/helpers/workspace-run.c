/*
 * workspace-run CLONE_URL BRANCH STEP...: drives the fix stage's git as
 * the pipeline would, one step at a time, printing one line per step:
 *
 *   prepare              (implicit, first) "prepare ok PATH BASE from-checkout|network [NOTE]"
 *   write:PATH:TEXT      the agent writes a file (directories made)
 *   rm:PATH              the agent deletes one
 *   changes              "changes N STATUS:PATH..."
 *   commit               "commit SHA" or "commit no-change"
 *   push[:BRANCH][:force] "push ok"
 *   retoken              the token is replaced by $WS_TOKEN2
 *   keep                 leave the working tree in place
 *
 * A step that fails prints "STEP error CODE-NAME MESSAGE" and ends the
 * run (exit 1), unless it is written with a leading '-' ("-push"). The token comes from $WS_TOKEN (never the command line),
 * the checkout from $WS_LOCAL, the base from $WS_BASE, the default
 * branch from $WS_DEFAULT, the prefix from $WS_PREFIX, the network time
 * limit from $WS_TIMEOUT_MS, the forbidden
 * globs (comma-separated) from $WS_FORBIDDEN. Driven by tests/fix/push.test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fix/workspace.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int fail(const char *step, int code)
{
	printf("%s error %s %s\n", step, bot_error_name(code), bot_error_last());
	return 1;
}

static int write_file(const char *root, const char *spec)
{
	const char *colon = strchr(spec, ':');
	struct strbuf path = STRBUF_INIT;
	FILE *f;
	size_t i;

	if (!colon)
		return -1;
	strbuf_addf(&path, "%s/", root);
	strbuf_add(&path, spec, (size_t)(colon - spec));
	for (i = strlen(root) + 1; i < path.len; i++)
		if (path.buf[i] == '/') {
			path.buf[i] = '\0';
			mkdir(path.buf, 0755);
			path.buf[i] = '/';
		}
	f = fopen(path.buf, "w");
	if (f) {
		fputs(colon + 1, f);
		fclose(f);
	}
	strbuf_release(&path);
	return f ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct workspace_options opts = WORKSPACE_OPTIONS_INIT;
	struct workspace *ws = NULL;
	char *forbidden[16] = { 0 }, *globs = NULL;
	int i, keep = 0, rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: workspace-run CLONE_URL BRANCH STEP...\n");
		return 2;
	}
	opts.clone_url = argv[1];
	opts.branch = argv[2];
	opts.token = env("WS_TOKEN");
	opts.local_checkout = env("WS_LOCAL");
	opts.base = env("WS_BASE");
	opts.default_branch = env("WS_DEFAULT");
	opts.branch_prefix = env("WS_PREFIX");
	opts.parent_dir = env("WS_PARENT");
	opts.timeout_ms = env("WS_TIMEOUT_MS") ? strtoll(env("WS_TIMEOUT_MS"), NULL, 10) : 0;
	if (env("WS_FORBIDDEN")) {
		char *p;
		size_t n = 0;

		globs = xstrdup(env("WS_FORBIDDEN"));
		for (p = globs; p && n < 15; n++) {
			forbidden[n] = p;
			if ((p = strchr(p, ',')))
				*p++ = '\0';
		}
		opts.forbidden = (const char *const *)forbidden;
	}

	if ((rc = workspace_prepare(&ws, &opts)) < 0) {
		free(globs);
		return fail("prepare", rc);
	}
	printf("prepare ok %s %s %s%s%s\n", ws->path, ws->base, ws->from_checkout ? "from-checkout" : "network",
	       ws->note ? " " : "", ws->note ? ws->note : "");
	for (i = 3; i < argc && !rc; i++) {
		const char *step = argv[i];
		int r, go_on = *step == '-';

		if (go_on)
			step++;
		if (!strncmp(step, "write:", 6)) {
			if (write_file(ws->path, step + 6) < 0) {
				printf("write error io cannot write\n");
				rc = 1;
			}
		} else if (!strncmp(step, "rm:", 3)) {
			struct strbuf p = STRBUF_INIT;

			strbuf_addf(&p, "%s/%s", ws->path, step + 3);
			if (remove(p.buf) < 0) {
				printf("rm error io cannot remove\n");
				rc = 1;
			}
			strbuf_release(&p);
		} else if (!strcmp(step, "changes")) {
			struct commit_changes c;
			size_t j;

			commit_changes_init(&c);
			if ((r = workspace_changes(&c, ws, 1 << 16)) < 0) {
				rc = fail("changes", r);
			} else {
				printf("changes %d", r);
				for (j = 0; j < c.files_nr; j++)
					printf(" %c:%s", c.files[j].status, c.files[j].path);
				printf("\n");
			}
			commit_changes_release(&c);
		} else if (!strcmp(step, "commit")) {
			r = workspace_commit(ws, "autofix[bot]", "autofix[bot]@users.noreply.github.com",
					     "autofix: fix the leak\n\nBody.");
			if (r < 0)
				rc = fail("commit", r);
			else if (r == WORKSPACE_NO_CHANGE)
				printf("commit no-change\n");
			else
				printf("commit %s\n", ws->head);
		} else if (!strncmp(step, "push", 4)) {
			char *arg = xstrdup(step[4] == ':' ? step + 5 : "");
			char *force = strstr(arg, ":force");
			int forced = !strcmp(arg, "force") || force;

			if (force)
				*force = '\0';
			if (!strcmp(arg, "force"))
				*arg = '\0';
			if ((r = workspace_push(ws, *arg ? arg : NULL, forced)) < 0)
				rc = fail("push", r);
			else
				printf("push ok\n");
			free(arg);
		} else if (!strcmp(step, "retoken")) {
			workspace_set_token(ws, env("WS_TOKEN2"));
		} else if (!strcmp(step, "keep")) {
			keep = 1;
		} else {
			fprintf(stderr, "workspace-run: unknown step '%s'\n", step);
			rc = 2;
		}
		if (go_on && rc == 1)
			rc = 0;
	}
	if (keep) {
		printf("kept %s\n", ws->path);
		ws->path[0] = '\0';
		free(ws->path);
		ws->path = NULL;
	}
	workspace_remove(ws);
	free(globs);
	return rc;
}
