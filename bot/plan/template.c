#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/template.h"
#include "plan/template_builtin.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define OVERRIDE_DIR ".autofix/templates"
#define NAME_MAX_LEN 100

int template_name_ok(const char *name)
{
	size_t i, len = name ? strlen(name) : 0;

	if (!len || len > NAME_MAX_LEN || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

const char *template_builtin_name(size_t i)
{
	size_t n;

	for (n = 0; template_builtins[n].name; n++)
		if (n == i)
			return template_builtins[n].name;
	return NULL;
}

static const struct template_builtin *find_builtin(const char *name)
{
	const struct template_builtin *b;

	for (b = template_builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

/*
 * Reads the repository's override of name into out. *found is 0 (and 0
 * returned) when there is none. The checks follow from the file being
 * written by whoever can push to the repository: it is resolved and must
 * stay inside the checkout (a symlink to /etc/shadow or to the runner's
 * credentials must not end up in a pull request), it must be a regular
 * file (a FIFO would block, a device never end), and it is bounded.
 */
static int load_override(struct strbuf *out, const char *root, const char *name, size_t max,
			 int *found)
{
	struct strbuf path = STRBUF_INIT;
	char *real_root = NULL, *real = NULL;
	struct stat st;
	size_t root_len, oldlen = out->len;
	ssize_t n;
	int fd = -1, ret = 0;

	*found = 0;
	strbuf_addf(&path, "%s/" OVERRIDE_DIR "/%s", root, name);
	if (lstat(path.buf, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			ret = bot_error(BOT_EIO, "cannot read template override '" OVERRIDE_DIR "/%s': %s",
					name, strerror(errno));
		goto out;
	}
	*found = 1;
	if (!(real_root = realpath(root, NULL))) {
		ret = bot_error(BOT_EIO, "cannot resolve the repository root '%s': %s", root,
				strerror(errno));
		goto out;
	}
	if (!(real = realpath(path.buf, NULL))) {
		ret = bot_error(BOT_EINVALID, "template override '" OVERRIDE_DIR "/%s' cannot be resolved: %s",
				name, strerror(errno));
		goto out;
	}
	root_len = strlen(real_root);
	if (root_len == 1)
		root_len = 0; /* the root is "/": every path is inside */
	if (strncmp(real, real_root, root_len) || real[root_len] != '/') {
		ret = bot_error(BOT_EINVALID, "template override '" OVERRIDE_DIR "/%s' leads out of the repository",
				name);
		goto out;
	}
	/* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat() rejects it. */
	fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = bot_error(BOT_EIO, "cannot read template override '" OVERRIDE_DIR "/%s': %s",
				name, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = bot_error(BOT_EINVALID, "template override '" OVERRIDE_DIR "/%s' is not a regular file",
				name);
		goto out;
	}
	if ((unsigned long long)st.st_size > max)
		goto too_big;
	/* Read one byte more than allowed: a file that grew since fstat() is caught too. */
	strbuf_grow(out, max + 1);
	for (;;) {
		size_t room = max + 1 - (out->len - oldlen);

		n = read(fd, out->buf + out->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = bot_error(BOT_EIO, "cannot read template override '" OVERRIDE_DIR "/%s': %s",
					name, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		strbuf_setlen(out, out->len + (size_t)n);
		if (out->len - oldlen > max)
			goto too_big;
	}
	if (memchr(out->buf + oldlen, '\0', out->len - oldlen))
		ret = bot_error(BOT_EINVALID, "template override '" OVERRIDE_DIR "/%s' is not text (NUL byte)",
				name);
	goto out;
too_big:
	ret = bot_error(BOT_ETOOBIG, "template override '" OVERRIDE_DIR "/%s' is larger than %zu bytes",
			name, max);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		strbuf_setlen(out, oldlen);
	free(real_root);
	free(real);
	strbuf_release(&path);
	return ret;
}

int template_load(struct strbuf *out, const char *name, const char *repo_root, size_t max_file,
		  enum template_origin *origin)
{
	const struct template_builtin *b;
	int found = 0, ret;

	if (!template_name_ok(name))
		return bot_error(BOT_EINVALID, "invalid template name '%s'", name ? name : "");
	if (repo_root) {
		ret = load_override(out, repo_root, name, max_file ? max_file : TEMPLATE_MAX_FILE, &found);
		if (ret < 0)
			return ret;
		if (found) {
			if (origin)
				*origin = TEMPLATE_OVERRIDE;
			return 0;
		}
	}
	if (!(b = find_builtin(name)))
		return bot_error(BOT_ENOTFOUND, "no template '%s'", name);
	strbuf_add(out, b->text, b->len);
	if (origin)
		*origin = TEMPLATE_BUILTIN;
	return 0;
}

static int load_partial(struct strbuf *out, const char *name, void *payload)
{
	const struct template_options *opts = payload;

	return template_load(out, name, opts->repo_root, opts->max_file, NULL);
}

int template_render(struct strbuf *out, const char *name, const struct json *data,
		    const struct template_options *opts)
{
	static const struct template_options defaults = TEMPLATE_OPTIONS_INIT;
	struct mustache_options mo = MUSTACHE_OPTIONS_INIT;
	struct strbuf text = STRBUF_INIT;
	int ret;

	if (!opts)
		opts = &defaults;
	if ((ret = template_load(&text, name, opts->repo_root, opts->max_file, NULL)) < 0)
		goto out;
	mo.name = name;
	mo.escape = opts->escape;
	mo.escape_payload = opts->escape_payload;
	mo.partial = load_partial;
	mo.partial_payload = (void *)opts;
	mo.max_output = opts->max_output;
	mo.max_depth = opts->max_depth;
	ret = mustache_render(out, text.buf, text.len, data, &mo);
out:
	strbuf_release(&text);
	return ret;
}
