#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "lib/json-check.h"
#include "plan/template.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * Templates by name: the built-in ones compiled into the binary, a
 * repository's overrides under .autofix/templates/, partials across both,
 * and override files that must be refused (they are written by whoever can
 * push to the repository).
 */

static char repo[] = "/tmp/test-template.XXXXXX";
static char outside[] = "/tmp/test-template-out.XXXXXX";

static void write_file(const char *dir, const char *rel, const char *text, size_t len)
{
	struct strbuf path = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&path, "%s/%s", dir, rel);
	f = fopen(path.buf, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		diag("cannot write '%s'", path.buf);
		exit(1);
	}
	strbuf_release(&path);
}

static void put(const char *name, const char *text)
{
	struct strbuf rel = STRBUF_INIT;

	strbuf_addf(&rel, ".autofix/templates/%s", name);
	write_file(repo, rel.buf, text, strlen(text));
	strbuf_release(&rel);
}

static void link_override(const char *name, const char *target)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/.autofix/templates/%s", repo, name);
	unlink(path.buf);
	if (symlink(target, path.buf) < 0) {
		diag("cannot link '%s'", path.buf);
		exit(1);
	}
	strbuf_release(&path);
}

static int render(struct strbuf *out, const char *name, const char *data,
		  const struct template_options *opts)
{
	struct json *d = must_parse_json(data);
	int ret;

	strbuf_reset(out);
	ret = template_render(out, name, d, opts);
	json_free(d);
	return ret;
}

static void test_builtin(void)
{
	struct template_options opts = TEMPLATE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT;
	enum template_origin origin = TEMPLATE_OVERRIDE;
	size_t i;
	int found;

	is_int(render(&out, "example.md",
		      "{\"title\":\"Two <findings>\",\"items\":[{\"name\":\"api\",\"value\":\"95%\"},"
		      "{\"name\":\"worker\",\"value\":\"a & b\"}]}", NULL), 0,
	       "builtin: example.md renders with no options");
	is_str(out.buf, "# Two &lt;findings&gt;\n\n- **api**: 95%\n- **worker**: a &amp; b\n",
	       "builtin: from the text compiled into the binary, HTML-escaped by default");
	opts.escape = mustache_escape_none;
	is_int(render(&out, "example.md", "{\"title\":\"<none>\",\"items\":[]}", &opts), 0,
	       "builtin: with another escaper");
	is_str(out.buf, "# <none>\n\nNothing to report.\n", "builtin: which applies");

	strbuf_reset(&out);
	ok(template_load(&out, "example.md", NULL, 0, &origin) == 0 && origin == TEMPLATE_BUILTIN,
	   "builtin: template_load says where the text came from");
	ok(starts_with(out.buf, "{{! An example"), "builtin: and gives the text itself");

	for (i = 0, found = 0; template_builtin_name(i); i++)
		found |= !strcmp(template_builtin_name(i), "example.md");
	ok(found, "builtin: the table lists example.md");
	for (i = 0; template_builtin_name(i); i++) {
		int ret = render(&out, template_builtin_name(i), "{}", NULL);
		is_int(ret, 0, "builtin: '%s' parses and renders with no data", template_builtin_name(i));
		if (ret < 0)
			diag("%s", bot_error_last());
	}
	ok(template_builtin_name(i) == NULL && i > 0, "builtin: the table ends");

	is_int(render(&out, "nothing.md", "{}", NULL), BOT_ENOTFOUND,
	       "builtin: a name that exists nowhere is BOT_ENOTFOUND");
	like(bot_error_last(), "no template 'nothing.md'", "builtin: said so");
	strbuf_release(&out);
}

static void test_names(void)
{
	static const char *const bad[] = {
		"", ".hidden", "../example.md", "a/b.md", "/etc/passwd", "..", "a b.md", "a\\b",
		"x.md\n",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct template_options opts = TEMPLATE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT;
	size_t i;

	ok(template_name_ok("pr-body.md") && template_name_ok("a_b.1-2.txt") &&
	   template_name_ok("x"), "names: ordinary names are accepted");
	ok(!template_name_ok(NULL), "names: NULL is not a name");
	opts.repo_root = repo;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(!template_name_ok(bad[i]), "names: bad name %zu is refused", i);
		is_int(render(&out, bad[i], "{}", &opts), BOT_EINVALID,
		       "names: rendering bad name %zu is BOT_EINVALID", i);
	}
	like(bot_error_last(), "invalid template name", "names: said so");
	put("p.md", "[{{> ../example.md}}]");
	is_int(render(&out, "p.md", "{}", &opts), BOT_EINVALID,
	       "names: a partial with a bad name fails the rendering");
	strbuf_release(&out);
}

static void test_overrides(void)
{
	struct template_options opts = TEMPLATE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT;
	enum template_origin origin = TEMPLATE_BUILTIN;

	opts.repo_root = repo;
	is_int(render(&out, "example.md", "{\"title\":\"t\"}", &opts), 0,
	       "override: with no override file, the built-in is used");
	like(out.buf, "Nothing to report.", "override: its text");

	put("wrap.md", "<{{> example.md}}>");
	is_int(render(&out, "wrap.md", "{\"title\":\"w\"}", &opts), 0,
	       "override: an override may include a built-in as a partial");
	is_str(out.buf, "<# w\n\nNothing to report.\n>", "override: which is rendered in place");

	put("example.md", "Custom {{title}}{{> footer.md}}");
	put("footer.md", " -- {{#items}}{{name}} {{/items}}\n");
	is_int(render(&out, "example.md", "{\"title\":\"t\",\"items\":[{\"name\":\"a\"}]}", &opts), 0,
	       "override: the repository's file wins");
	is_str(out.buf, "Custom t -- a \n", "override: with its own partial");
	strbuf_reset(&out);
	ok(template_load(&out, "example.md", repo, 0, &origin) == 0 && origin == TEMPLATE_OVERRIDE,
	   "override: template_load says so");

	/* Partials are looked up one name at a time: now example.md is overridden too. */
	is_int(render(&out, "wrap.md", "{\"title\":\"w\"}", &opts), 0,
	       "override: a partial's override applies wherever it is included");
	is_str(out.buf, "<Custom w -- \n>", "override: its text");
	put("gone.md", "[{{> missing.md}}]");
	is_int(render(&out, "gone.md", "{}", &opts), 0, "override: a missing partial is not an error");
	is_str(out.buf, "[]", "override: it renders as nothing (the spec)");

	/* A symlink that stays inside the checkout is fine. */
	write_file(repo, "docs-template.md", "from docs {{x}}", 15);
	link_override("linked.md", "../../docs-template.md");
	is_int(render(&out, "linked.md", "{\"x\":1}", &opts), 0,
	       "override: a symlink to a file inside the repository is followed");
	is_str(out.buf, "from docs 1", "override: its text");
	strbuf_release(&out);
}

static void test_bad_overrides(void)
{
	struct template_options opts = TEMPLATE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT, path = STRBUF_INIT;
	char big[300];

	opts.repo_root = repo;
	write_file(outside, "secret", "TOKEN=ghs_secret", 16);

	strbuf_addf(&path, "%s/secret", outside);
	link_override("example.md", path.buf);
	strbuf_reset(&out);
	strbuf_addstr(&out, "kept");
	is_int(template_load(&out, "example.md", repo, 0, NULL), BOT_EINVALID,
	       "bad: a symlink out of the repository is refused");
	like(bot_error_last(), "'.autofix/templates/example.md' leads out of the repository",
	     "bad: said so, with the path inside the repository");
	is_str(out.buf, "kept", "bad: and nothing was read");
	is_int(render(&out, "example.md", "{}", &opts), BOT_EINVALID,
	       "bad: rendering fails too, the built-in does not stand in");
	ok(!strstr(out.buf, "ghs_secret"), "bad: the outside file's text appears nowhere");

	link_override("example.md", "../../../../../../../../../../etc/hostname");
	is_int(render(&out, "example.md", "{}", &opts), BOT_EINVALID,
	       "bad: a relative symlink climbing out is refused");
	link_override("example.md", "nowhere.md");
	is_int(render(&out, "example.md", "{}", &opts), BOT_EINVALID,
	       "bad: a dangling symlink is refused, not taken for a missing file");
	like(bot_error_last(), "cannot be resolved", "bad: said so");
	link_override("example.md", ".");
	is_int(render(&out, "example.md", "{}", &opts), BOT_EINVALID,
	       "bad: a directory is refused");
	like(bot_error_last(), "is not a regular file", "bad: said so");

	strbuf_reset(&path);
	strbuf_addf(&path, "%s/.autofix/templates/example.md", repo);
	unlink(path.buf);
	ok(mkfifo(path.buf, 0600) == 0, "bad: a FIFO nobody writes to");
	alarm(10); /* a hang is a failure */
	is_int(render(&out, "example.md", "{}", &opts), BOT_EINVALID,
	       "bad: is refused without waiting");
	alarm(0);
	unlink(path.buf);

	write_file(repo, ".autofix/templates/nul.md", "a\0b", 3);
	is_int(render(&out, "nul.md", "{}", &opts), BOT_EINVALID, "bad: a NUL byte is refused");
	like(bot_error_last(), "is not text", "bad: said so");

	memset(big, 'x', sizeof(big));
	write_file(repo, ".autofix/templates/big.md", big, 256);
	opts.max_file = 256;
	is_int(render(&out, "big.md", "{}", &opts), 0, "bad: a file of exactly max_file bytes is read");
	is_int(out.len, 256, "bad: whole");
	write_file(repo, ".autofix/templates/big.md", big, 257);
	is_int(render(&out, "big.md", "{}", &opts), BOT_ETOOBIG, "bad: one byte more is BOT_ETOOBIG");
	like(bot_error_last(), "is larger than 256 bytes", "bad: said so");
	opts.max_file = 0;

	put("broken.md", "line 1\n{{#open}}\n");
	is_int(render(&out, "broken.md", "{}", &opts), BOT_EINVALID,
	       "bad: a malformed override is BOT_EINVALID");
	like(bot_error_last(), "unclosed section 'open' in 'broken.md' at line 2, column 1",
	     "bad: naming the template, line and column");
	put("bomb.md", "{{#a}}{{> bomb.md}}{{> bomb.md}}{{/a}}");
	is_int(render(&out, "bomb.md", "{\"a\":1}", &opts), BOT_ETOOBIG,
	       "bad: a self-including override stops at the depth limit");

	/* The templates directory itself leading out of the checkout. */
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/.autofix/templates", repo);
	{
		struct strbuf moved = STRBUF_INIT;
		strbuf_addf(&moved, "%s/.autofix/real-templates", repo);
		ok(rename(path.buf, moved.buf) == 0, "bad: (the real directory moved away)");
		strbuf_release(&moved);
	}
	ok(symlink(outside, path.buf) == 0, "bad: .autofix/templates is a symlink out of the repository");
	write_file(outside, "example.md", "outside {{x}}", 13);
	is_int(render(&out, "example.md", "{}", &opts), BOT_EINVALID,
	       "bad: a file under it is refused");
	is_int(render(&out, "other.md", "{}", &opts), BOT_ENOTFOUND,
	       "bad: a name that is not there is simply not found");
	strbuf_release(&out);
	strbuf_release(&path);
}

int main(void)
{
	struct strbuf cmd = STRBUF_INIT;
	struct strbuf dir = STRBUF_INIT;

	if (!mkdtemp(repo) || !mkdtemp(outside)) {
		diag("cannot create temporary directories");
		return 1;
	}
	strbuf_addf(&dir, "%s/.autofix", repo);
	mkdir(dir.buf, 0700);
	strbuf_addstr(&dir, "/templates");
	mkdir(dir.buf, 0700);

	test_builtin();
	test_names();
	test_overrides();
	test_bad_overrides();

	strbuf_addf(&cmd, "rm -rf '%s' '%s'", repo, outside);
	if (system(cmd.buf) != 0)
		diag("cannot remove the temporary directories");
	strbuf_release(&cmd);
	strbuf_release(&dir);
	return done_testing();
}
