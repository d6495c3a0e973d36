/*
 * Dependency names from manifests (manifests.h). The TOML, Gemfile and
 * go.mod readers are line-based: they read the common layouts of those
 * files, not the whole grammars, which is enough to name a provider's
 * SDK; what they cannot read they skip.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "investigate/manifests.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* A manifest bigger than this is not one a person wrote. */
#define MANIFEST_MAX (1u << 20)

void dependencies_release(struct dependencies *deps)
{
	size_t i;

	for (i = 0; i < deps->nr; i++) {
		free(deps->items[i].name);
		free(deps->items[i].manifest);
	}
	free(deps->items);
	for (i = 0; i < deps->skipped_nr; i++)
		free(deps->skipped[i]);
	free(deps->skipped);
	memset(deps, 0, sizeof(*deps));
}

static void add(struct dependencies *deps, const char *file, const char *name, size_t len)
{
	size_t i;

	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	if (!len || len > 214)
		return;
	for (i = 0; i < deps->nr; i++)
		if (!strncmp(deps->items[i].name, name, len) && !deps->items[i].name[len])
			return;
	ALLOC_GROW(deps->items, deps->nr + 1, deps->alloc);
	deps->items[deps->nr].name = xstrndup(name, len);
	deps->items[deps->nr++].manifest = xstrdup(file);
}

/* ---------------------------------------------------------------------- JSON manifests */

static void add_keys(struct dependencies *deps, const char *file, const struct json *obj, int composer)
{
	const struct json *m;

	for (m = json_first(obj); m; m = json_next(m)) {
		const char *k = json_key(m);
		/* composer's platform requirements are not packages. */
		if (composer && (!strcmp(k, "php") || !strncmp(k, "ext-", 4) || !strncmp(k, "lib-", 4)))
			continue;
		add(deps, file, k, strlen(k));
	}
}

static int read_json_manifest(struct dependencies *deps, const char *file, const char *text, size_t len,
			      const char *const *sections, int composer)
{
	struct json *root = NULL;
	int err, i;

	if ((err = json_parse(&root, text, len)) < 0)
		return err;
	if (json_type(root) != JSON_OBJECT) {
		json_free(root);
		return bot_error(BOT_EINVALID, "not a JSON object");
	}
	for (i = 0; sections[i]; i++) {
		const struct json *sec = json_member(root, sections[i]);
		if (json_type(sec) == JSON_OBJECT)
			add_keys(deps, file, sec, composer);
	}
	json_free(root);
	return 0;
}

/* ---------------------------------------------------------------------- line-based readers */

/* Calls fn on each line of text (without its newline). */
#define FOR_EACH_LINE(text, len, line, n) \
	for (const char *line = (text), *end_ = (text) + (len), *nl_; \
	     line < end_ && ((nl_ = memchr(line, '\n', (size_t)(end_ - line))) || (nl_ = end_)) && \
	     ((n) = (size_t)(nl_ - line), 1); line = nl_ + 1)

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	return s;
}

/* The length of a package name at s: letters, digits and the punctuation names use. */
static size_t name_len(const char *s, const char *end, const char *extra)
{
	const char *p = s;

	while (p < end && (isalnum((unsigned char)*p) || strchr(extra, *p)))
		p++;
	return (size_t)(p - s);
}

/* PEP 503: names compare lower-case with runs of -_. as one '-'. */
static void add_python(struct dependencies *deps, const char *file, const char *s, size_t n)
{
	struct strbuf name = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)s[i]);
		if (c == '_' || c == '.')
			c = '-';
		if (c == '-' && name.len && name.buf[name.len - 1] == '-')
			continue;
		strbuf_addch(&name, c);
	}
	add(deps, file, name.buf, name.len);
	strbuf_release(&name);
}

static int read_requirements(struct dependencies *deps, const char *file, const char *text, size_t len)
{
	size_t n;

	FOR_EACH_LINE(text, len, line, n) {
		const char *p = skip_space(line, line + n), *e = line + n;
		/* Options (-r other.txt, -e ., --index-url) and comments are not requirements. */
		if (p >= e || *p == '#' || *p == '-')
			continue;
		add_python(deps, file, p, name_len(p, e, "._-"));
	}
	return 0;
}

/* The name at the start of a PEP 508 requirement string ("stripe[async]>=5; python_version>'3'"). */
static void add_pep508(struct dependencies *deps, const char *file, const char *s, const char *end)
{
	s = skip_space(s, end);
	add_python(deps, file, s, name_len(s, end, "._-"));
}

/* Every "quoted" string on a line, as PEP 508 requirements. */
static void add_quoted_requirements(struct dependencies *deps, const char *file, const char *s, const char *e)
{
	while (s < e) {
		const char *q = s;
		char quote;
		while (q < e && *q != '"' && *q != '\'' && *q != '#')
			q++;
		if (q >= e || *q == '#')
			return;
		quote = *q++;
		s = q;
		while (s < e && *s != quote)
			s++;
		add_pep508(deps, file, q, s);
		s++;
	}
}

/*
 * The table a "[header]" line opens, without brackets; "" for a line
 * that is not one. Writes at most cap-1 bytes.
 */
static int toml_header(char *out, size_t cap, const char *p, const char *e)
{
	const char *close;
	size_t n;

	if (p >= e || *p != '[')
		return 0;
	p++;
	if (p < e && *p == '[')
		p++;
	close = memchr(p, ']', (size_t)(e - p));
	if (!close)
		return 0;
	n = (size_t)(close - p);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static int read_pyproject(struct dependencies *deps, const char *file, const char *text, size_t len)
{
	char table[128] = "";
	int in_array = 0;
	size_t n;

	FOR_EACH_LINE(text, len, line, n) {
		const char *p = skip_space(line, line + n), *e = line + n;

		if (toml_header(table, sizeof(table), p, e)) {
			in_array = 0;
			continue;
		}
		if (in_array) {
			add_quoted_requirements(deps, file, p, e);
			if (memchr(p, ']', (size_t)(e - p)))
				in_array = 0;
			continue;
		}
		if ((!strcmp(table, "project") && !strncmp(p, "dependencies", 12)) ||
		    !strcmp(table, "project.optional-dependencies") || !strcmp(table, "dependency-groups")) {
			const char *open = memchr(p, '[', (size_t)(e - p));
			if (!open)
				continue;
			add_quoted_requirements(deps, file, open + 1, e);
			in_array = !memchr(open, ']', (size_t)(e - open));
		} else if (!strncmp(table, "tool.poetry", 11) && ends_with(table, "dependencies")) {
			size_t k = name_len(p, e, "._-");
			if (k && !(k == 6 && !strncmp(p, "python", 6)))
				add_python(deps, file, p, k);
		}
	}
	return 0;
}

static int read_cargo(struct dependencies *deps, const char *file, const char *text, size_t len)
{
	char table[128] = "";
	size_t n;

	FOR_EACH_LINE(text, len, line, n) {
		const char *p = skip_space(line, line + n), *e = line + n;
		const char *dot;

		if (toml_header(table, sizeof(table), p, e)) {
			/* [dependencies.serde] names one dependency by its header. */
			dot = strrchr(table, '.');
			if (dot && (strstr(table, "dependencies.") == table || strstr(table, "-dependencies.")))
				add(deps, file, dot + 1, strlen(dot + 1));
			continue;
		}
		if (ends_with(table, "dependencies") && p < e && *p != '#')
			add(deps, file, p, name_len(p, e, "_-"));
	}
	return 0;
}

static int read_gomod(struct dependencies *deps, const char *file, const char *text, size_t len)
{
	int block = 0;
	size_t n;

	FOR_EACH_LINE(text, len, line, n) {
		const char *p = skip_space(line, line + n), *e = line + n;

		if (block && p < e && *p == ')') {
			block = 0;
			continue;
		}
		if (!block && !strncmp(p, "require", 7) && (size_t)(e - p) > 7 && isspace((unsigned char)p[7])) {
			p = skip_space(p + 7, e);
			if (p < e && *p == '(') {
				block = 1;
				continue;
			}
		} else if (!block) {
			continue;
		}
		/* Indirect requirements are what the dependencies need, not what the service calls. */
		if (p >= e || !strncmp(p, "//", 2) || memmem(p, (size_t)(e - p), "// indirect", 11))
			continue;
		add(deps, file, p, name_len(p, e, "._-/~"));
	}
	return 0;
}

static int read_gemfile(struct dependencies *deps, const char *file, const char *text, size_t len)
{
	size_t n;

	FOR_EACH_LINE(text, len, line, n) {
		const char *p = skip_space(line, line + n), *e = line + n;
		size_t k;
		char quote;

		if ((size_t)(e - p) < 5 || strncmp(p, "gem", 3) || !isspace((unsigned char)p[3]))
			continue;
		p = skip_space(p + 3, e);
		if (p >= e || (*p != '\'' && *p != '"'))
			continue;
		quote = *p++;
		k = name_len(p, e, "._-");
		if (p + k < e && p[k] == quote)
			add(deps, file, p, k);
	}
	return 0;
}

/* ---------------------------------------------------------------------- dispatch */

int manifests_read_text(struct dependencies *deps, const char *file, const char *text, size_t len)
{
	static const char *const npm[] = { "dependencies", "devDependencies", "optionalDependencies",
					   "peerDependencies", NULL };
	static const char *const composer[] = { "require", "require-dev", NULL };

	if (!strcmp(file, "package.json"))
		return read_json_manifest(deps, file, text, len, npm, 0);
	if (!strcmp(file, "composer.json"))
		return read_json_manifest(deps, file, text, len, composer, 1);
	if (!strcmp(file, "requirements.txt"))
		return read_requirements(deps, file, text, len);
	if (!strcmp(file, "pyproject.toml"))
		return read_pyproject(deps, file, text, len);
	if (!strcmp(file, "Cargo.toml"))
		return read_cargo(deps, file, text, len);
	if (!strcmp(file, "go.mod"))
		return read_gomod(deps, file, text, len);
	if (!strcmp(file, "Gemfile"))
		return read_gemfile(deps, file, text, len);
	return bot_error(BOT_ENOTFOUND, "'%s' is not a manifest autofix reads", file);
}

static void skipped(struct dependencies *deps, const char *file, const char *why)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s: %s", file, why);
	ALLOC_GROW(deps->skipped, deps->skipped_nr + 1, deps->skipped_alloc);
	deps->skipped[deps->skipped_nr++] = strbuf_detach(&sb, NULL);
}

void manifests_read_dir(struct dependencies *deps, const char *dir)
{
	static const char *const files[] = { "package.json", "requirements.txt", "pyproject.toml", "go.mod",
					     "Gemfile", "Cargo.toml", "composer.json" };
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, files[i]);
		/* A symlink could point anywhere on the runner: only regular files are read. */
		fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			if (lstat(path.buf, &st) == 0)
				skipped(deps, files[i], "not a regular file");
			continue;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			skipped(deps, files[i], "not a regular file");
		} else if (st.st_size > (off_t)MANIFEST_MAX) {
			skipped(deps, files[i], "larger than 1 MiB");
		} else {
			/* Read from the descriptor opened without following links, not the path again. */
			size_t want;
			ssize_t got;

			strbuf_reset(&text);
			while ((want = MANIFEST_MAX - text.len) > 0) {
				if (want > 65536)
					want = 65536;
				strbuf_grow(&text, want);
				if ((got = read(fd, text.buf + text.len, want)) <= 0)
					break;
				strbuf_setlen(&text, text.len + (size_t)got);
			}
			if (manifests_read_text(deps, files[i], text.buf, text.len) < 0)
				skipped(deps, files[i], bot_error_last());
		}
		close(fd);
	}
	strbuf_release(&path);
	strbuf_release(&text);
}
