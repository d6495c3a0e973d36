/*
 * What a commit changed, read with libgit2 from a repository made here
 * with git(1): files under the service's path first, line counts,
 * renames, binaries, the diff's bound, and commits or repositories that
 * are not there. Then the fix branch's name, made safe whatever the
 * service and kind are called, and what workspace_prepare() refuses
 * before touching the network. (Clones and pushes: tests/fix/push.test.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fix/workspace.h"
#include "util/error.h"
#include "util/strbuf.h"

static char dir[] = "/tmp/workspace-test-XXXXXX";

static int sh(const char *fmt, const char *arg)
{
	struct strbuf cmd = STRBUF_INIT;
	int rc;

	strbuf_addf(&cmd, "cd '%s' && ", dir);
	strbuf_addf(&cmd, fmt, arg);
	rc = system(cmd.buf);
	strbuf_release(&cmd);
	return rc;
}

static void head_sha(char *out, size_t n)
{
	struct strbuf cmd = STRBUF_INIT;
	FILE *p;

	strbuf_addf(&cmd, "git -C '%s' rev-parse HEAD", dir);
	p = popen(cmd.buf, "r");
	if (!p || !fgets(out, (int)n, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (p)
		pclose(p);
	strbuf_release(&cmd);
}

static void branch_is(const char *prefix, const char *service, const char *kind, const char *fp, const char *want)
{
	struct strbuf b = STRBUF_INIT;

	is_int(workspace_branch_name(&b, prefix, service, kind, fp), 0, "'%s' '%s': a valid name", service, kind);
	is_str(b.buf, want, "...namely %s", want);
	strbuf_release(&b);
}

static void test_branch_names(void)
{
	struct strbuf b = STRBUF_INIT;

	branch_is(NULL, "api", "memory_leak", "1f2e3d4c5b6a7980", "autofix/api/memory_leak-1f2e3d4c");
	branch_is("bots/fix-", "api", "cpu", "1f2e3d4c", "bots/fix-api/cpu-1f2e3d4c");
	branch_is(NULL, "my service~1^2:x?*[y]\\z", "error rate", "ab", "autofix/my-service-1-2-x---y--z/error-rate-ab");
	branch_is(NULL, "..a..b..", "k", "f", "autofix/a.b/k-f");
	branch_is(NULL, "api.lock", "k.lock.lock", "f", "autofix/api/k-f");
	branch_is(NULL, "-api", ".hidden", "@{1}", "autofix/api/hidden-1");
	branch_is(NULL, "", "", "", "autofix/x/x-x");
	branch_is(NULL, "web/../../main", "k", "f", "autofix/web-.-.-main/k-f");
	is_int(workspace_branch_name(&b, "bad..prefix/", "api", "k", "f"), BOT_EINVALID, "a prefix git refuses: invalid");
	like(bot_error_last(), "branch_prefix", "the message points at pull_requests.branch_prefix");
	is_int(workspace_branch_name(&b, "a b/", "api", "k", "f"), BOT_EINVALID, "a prefix with a space: invalid");
	strbuf_release(&b);
}

static void test_refusals(void)
{
	struct workspace_options o = WORKSPACE_OPTIONS_INIT;
	struct workspace *ws = (struct workspace *)&o;

	o.branch = "autofix/api/x-1";
	o.clone_url = "http://example.com/o/r.git";
	is_int(workspace_prepare(&ws, &o), BOT_EINVALID, "plain http to another host: refused (the token would travel in clear)");
	ok(ws == NULL, "and no workspace");
	o.clone_url = "https://x-access-token:ghs_abc@github.com/o/r.git";
	is_int(workspace_prepare(&ws, &o), BOT_EINVALID, "a URL with credentials in it: refused");
	ok(!strstr(bot_error_last(), "ghs_abc") && strstr(bot_error_last(), "credentials"),
	   "...saying so without repeating them: %s", bot_error_last());
	o.clone_url = "https://github.com/o/r.git";
	o.branch = "main";
	is_int(workspace_prepare(&ws, &o), BOT_EINVALID, "a branch outside the prefix: refused before any clone");
	o.branch = "autofix/main";
	o.default_branch = "autofix/main";
	is_int(workspace_prepare(&ws, &o), BOT_EINVALID, "the default branch, even under the prefix: refused");
	like(bot_error_last(), "default branch", "saying why");
	o.branch = "autofix/";
	o.default_branch = NULL;
	is_int(workspace_prepare(&ws, &o), BOT_EINVALID, "the prefix alone is no branch");
}

int main(void)
{
	struct commit_changes c;
	char root[64], sha[64];

	ok(mkdtemp(dir) != NULL, "a temporary directory");
	ok(!sh("git init -q -b main . && git config user.email t@example.com && git config user.name t && "
	       "mkdir -p services/api services/api2 docs && printf 'a\\nb\\nc\\n' > services/api/server.js && "
	       "printf 'x\\n' > services/api2/other.js && printf 'doc\\n' > docs/README.md && printf 'old\\n' > old.txt && "
	       "git add -A && git commit -q -m 'first'%s", ""), "a repository with a first commit");
	head_sha(root, sizeof(root));
	ok(!sh("printf 'a\\nB\\nc\\nd\\n' > services/api/server.js && printf 'y\\nz\\n' > services/api2/other.js && "
	       "printf 'doc2\\n' >> docs/README.md && git mv old.txt renamed.txt && printf '\\000\\001\\002' > services/api/blob.bin && "
	       "git add -A && git commit -q -m 'api: leak the cache%s' -m 'body'", ""), "a second commit touching four places");
	head_sha(sha, sizeof(sha));

	commit_changes_init(&c);
	is_int(workspace_commit_changes(&c, dir, sha, "services/api", 1 << 20), 0, "the commit is read");
	is_str(c.sha, sha, "its full SHA");
	is_str(c.summary, "api: leak the cache", "its summary line");
	is_int(c.files_nr, 5, "five files changed");
	if (c.files_nr == 5) {
		is_str(c.files[0].path, "services/api/blob.bin", "files under services/api come first...");
		is_str(c.files[1].path, "services/api/server.js", "...sorted by path");
		ok(c.files[0].binary && c.files[0].status == 'A', "the new binary file is added and binary");
		ok(c.files[1].status == 'M' && c.files[1].additions == 2 && c.files[1].deletions == 1,
		   "server.js: +2 -1 (%zu, %zu)", c.files[1].additions, c.files[1].deletions);
		is_str(c.files[2].path, "docs/README.md", "services/api2 is not under services/api: the rest by path");
		ok(c.files[3].status == 'R' && !strcmp(c.files[3].path, "renamed.txt"), "a rename is found");
	}
	like(c.diff.buf, "+B\n", "the diff holds the change");
	ok(!c.diff_cut && c.files_in_diff == 5, "whole, when it fits");
	ok(strstr(c.diff.buf, "services/api/server.js") < strstr(c.diff.buf, "docs/README.md"), "in the same order");
	commit_changes_release(&c);

	commit_changes_init(&c);
	is_int(workspace_commit_changes(&c, dir, sha, NULL, 200), 0, "with a 200-byte bound");
	ok(c.diff_cut && c.diff.len <= 200 && c.diff.len && c.diff.buf[c.diff.len - 1] == '\n',
	   "the diff is cut at a line boundary within the bound (%zu bytes)", c.diff.len);
	ok(c.files_nr == 5, "and every changed file is still listed");
	commit_changes_release(&c);

	commit_changes_init(&c);
	sha[10] = '\0';
	is_int(workspace_commit_changes(&c, dir, sha, ".", 1 << 20), 0, "an abbreviated SHA");
	commit_changes_release(&c);
	commit_changes_init(&c);
	is_int(workspace_commit_changes(&c, dir, root, NULL, 1 << 20), 0, "the root commit, against nothing");
	ok(c.files_nr == 4 && c.files[0].status == 'A', "every file added");
	commit_changes_release(&c);

	commit_changes_init(&c);
	is_int(workspace_commit_changes(&c, dir, "0123456789abcdef0123456789abcdef01234567", NULL, 1000), BOT_ENOTFOUND,
	       "a commit the clone does not have: not found (GitHub is asked instead)");
	is_int(workspace_commit_changes(&c, "/nonexistent/dir", "HEAD", NULL, 1000), BOT_ENOTFOUND,
	       "no repository there: not found");
	ok(c.files_nr == 0 && c.diff.len == 0, "and nothing half-filled");
	commit_changes_release(&c);

	ok(!sh("cd / && rm -rf '%s'", dir), "cleaned up");
	test_branch_names();
	test_refusals();
	return done_testing();
}
