/*
 * A Mustache template (a repository may override autofix's templates in
 * .autofix/templates/) rendered with JSON data: the input is the template,
 * a NUL byte, then the data (a fixed document when that part is not JSON).
 * A partial named "self" is the template itself, so recursion is reached.
 */
#include "fuzz.h"
#include "plan/mustache.h"
#include "util/error.h"
#include "util/json.h"

struct tmpl {
	const char *text;
	size_t len;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static int partial(struct strbuf *out, const char *name, void *payload)
{
	const struct tmpl *t = payload;

	if (strcmp(name, "self"))
		return BOT_ENOTFOUND;
	strbuf_add(out, t->text, t->len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fallback[] =
		"{\"name\":\"api\",\"items\":[{\"a\":1},{\"a\":\"<b>\"}],\"t\":true,\"f\":false,"
		"\"n\":null,\"o\":{\"x\":{\"y\":\"z\"}},\"e\":[]}";
	const uint8_t *t, *d;
	size_t t_len, d_len;
	struct mustache_options opts = MUSTACHE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT;
	struct json *root = NULL;
	struct tmpl self;

	fuzz_split(data, size, &t, &t_len, &d, &d_len);
	if (json_parse(&root, (const char *)d, d_len) < 0 &&
	    json_parse(&root, fallback, sizeof(fallback) - 1) < 0)
		abort();
	self.text = (const char *)t;
	self.len = t_len;
	opts.partial = partial;
	opts.partial_payload = &self;
	opts.max_output = 1 << 20;
	mustache_render(&out, (const char *)t, t_len, root, &opts);
	strbuf_reset(&out);
	opts.escape = mustache_escape_none;
	mustache_render(&out, (const char *)t, t_len, root, &opts);
	strbuf_release(&out);
	json_free(root);
	return 0;
}
