#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "lib/json-check.h"
#include "plan/mustache.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * The official Mustache specification's core modules, read at run time
 * from $SHARED_DATA_DIR/mustache-spec/, one TAP line per spec test; then
 * what the specification leaves to implementations: errors, limits,
 * escapers and the choices documented in plan/mustache.h.
 */

static const char *const modules[] = {
	"comments", "delimiters", "interpolation", "inverted", "partials", "sections",
};

/* Partials of a spec test: the members of its "partials" object. */
static int spec_partial(struct strbuf *out, const char *name, void *payload)
{
	const struct json *p = json_member(payload, name);

	if (json_type(p) != JSON_STRING)
		return bot_error(BOT_ENOTFOUND, "no partial '%s'", name);
	strbuf_addstr(out, json_str_value(p));
	return 0;
}

static int run_module(const char *dir, const char *module)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, out = STRBUF_INIT;
	struct json *doc = NULL;
	const struct json *tests = NULL, *t;
	int n = 0;

	strbuf_addf(&path, "%s/%s.json", dir, module);
	if (strbuf_read_file(&text, path.buf, 0) < 0 || json_parse(&doc, text.buf, text.len) < 0 ||
	    json_get_arr(&tests, doc, "tests") < 0) {
		ok(0, "%s: the spec file reads: %s", module, bot_error_last());
		goto out;
	}
	for (t = json_first(tests); t; t = json_next(t)) {
		struct mustache_options opts = MUSTACHE_OPTIONS_INIT;
		const char *name = "?", *tmpl = "", *expected = "";
		int ret;

		json_get_str(&name, t, "name");
		json_get_str(&tmpl, t, "template");
		json_get_str(&expected, t, "expected");
		opts.name = name;
		opts.partial = spec_partial;
		opts.partial_payload = (void *)json_get(t, "partials");
		strbuf_reset(&out);
		ret = mustache_render(&out, tmpl, strlen(tmpl), json_get(t, "data"), &opts);
		if (ret < 0)
			ok(0, "%s: %s (%s)", module, name, bot_error_last());
		else
			is_str(out.buf, expected, "%s: %s", module, name);
		n++;
	}
out:
	json_free(doc);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&out);
	return n;
}

static void run_spec(void)
{
	const char *shared = getenv("SHARED_DATA_DIR");
	struct strbuf dir = STRBUF_INIT, probe = STRBUF_INIT;
	size_t i;
	int n = 0;

	strbuf_addf(&dir, "%s/mustache-spec", shared ? shared : "");
	strbuf_addf(&probe, "%s/sections.json", dir.buf);
	if (!shared || !*shared || strbuf_read_file(&probe, probe.buf, 1) == BOT_ENOTFOUND) {
		skip(1, "the Mustache spec is not there (SHARED_DATA_DIR='%s'): spec tests not run",
		     shared ? shared : "");
		goto out;
	}
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		n += run_module(dir.buf, modules[i]);
	/* The core modules of the spec this project pins hold 136 tests. */
	is_int(n, 136, "every test of the six core modules ran");
out:
	strbuf_release(&dir);
	strbuf_release(&probe);
}

/* ------------------------------------------------------------ own tests */

/* Renders tmpl with data (JSON text) and opts; returns the code, output in out. */
static int render(struct strbuf *out, const char *tmpl, const char *data,
		  const struct mustache_options *opts)
{
	struct json *d = must_parse_json(data);
	int ret;

	strbuf_reset(out);
	ret = mustache_render(out, tmpl, strlen(tmpl), d, opts);
	json_free(d);
	return ret;
}

static void test_errors(void)
{
	struct mustache_options opts = MUSTACHE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT;
	static const struct {
		const char *tmpl, *message;
	} cases[] = {
		{ "a\n  {{#items}}x", "unclosed section 'items' in 'pr-body.md' at line 2, column 3" },
		{ "{{#a}}{{/b}}", "closing tag 'b' does not match the section 'a' opened at line 1 in 'pr-body.md' at line 1, column 7" },
		{ "x\ny {{/a}}", "closing tag 'a' without an open section in 'pr-body.md' at line 2, column 3" },
		{ "hello {{name", "unclosed tag in 'pr-body.md' at line 1, column 7" },
		{ "{{{name}}", "unclosed tag in 'pr-body.md' at line 1, column 1" },
		{ "{{=<% %>=}}<%name", "unclosed tag in 'pr-body.md' at line 1, column 12" },
		{ "{{=<%=}}", "bad set-delimiter tag '<%' in 'pr-body.md'" },
		{ "{{= a b c =}}", "bad set-delimiter tag 'a b c'" },
		{ "{{=a= b=}}", "bad set-delimiter tag" },
		{ "{{= =}}", "bad set-delimiter tag" },
		{ "{{}}", "empty tag in 'pr-body.md' at line 1, column 1" },
		{ "{{# }}{{/ }}", "empty tag" },
		{ "{{a b}}", "blank inside the name 'a b'" },
		/* parsed whole: a section the data skips is still checked */
		{ "{{#no}}{{#yes}}{{/no}}", "does not match the section 'yes'" },
	};
	size_t i;

	opts.name = "pr-body.md";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&out);
		strbuf_addstr(&out, "kept");
		is_int(mustache_render(&out, cases[i].tmpl, strlen(cases[i].tmpl), NULL, &opts),
		       BOT_EINVALID, "error %zu is BOT_EINVALID", i);
		like(bot_error_last(), cases[i].message, "error %zu says what and where", i);
		is_str(out.buf, "kept", "error %zu leaves the output as it was", i);
	}
	strbuf_release(&out);
}

static int loop_partial(struct strbuf *out, const char *name, void *payload)
{
	strbuf_addstr(out, (const char *)payload);
	return 0;
}

static int failing_partial(struct strbuf *out, const char *name, void *payload)
{
	return bot_error(BOT_EIO, "cannot read partial '%s'", name);
}

static void test_limits(void)
{
	struct mustache_options opts = MUSTACHE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT;

	opts.max_output = 10;
	is_int(render(&out, "{{a}}{{b}}", "{\"a\":\"12345\",\"b\":\"67890\"}", &opts), 0,
	       "limit: output exactly at max_output passes");
	is_str(out.buf, "1234567890", "limit: and is complete");
	strbuf_reset(&out);
	strbuf_addstr(&out, "kept");
	{
		struct json *d = must_parse_json("{\"a\":\"12345\",\"b\":\"678901\"}");
		is_int(mustache_render(&out, "{{a}}{{b}}", 10, d, &opts), BOT_ETOOBIG,
		       "limit: one byte more is BOT_ETOOBIG");
		json_free(d);
	}
	like(bot_error_last(), "output of 'template' is larger than 10 bytes", "limit: says so");
	is_str(out.buf, "kept", "limit: and leaves the output as it was");
	is_int(render(&out, "{{#l}}0123456789{{/l}}", "{\"l\":[1,2,3,4,5,6,7,8,9]}", &opts),
	       BOT_ETOOBIG, "limit: a long list of short items is stopped too");
	opts.max_output = 0;

	/* A partial that includes itself for ever. */
	opts.partial = loop_partial;
	opts.partial_payload = "x{{>self}}";
	is_int(render(&out, "{{>self}}", "{}", &opts), BOT_ETOOBIG,
	       "depth: endless partial recursion is BOT_ETOOBIG");
	like(bot_error_last(), "partials nested deeper than 32 in 'self'", "depth: says so");
	opts.max_depth = 3;
	opts.partial_payload = "{{#n}}<{{>self}}>{{/n}}";
	is_int(render(&out, "{{>self}}", "{\"n\":{\"n\":{\"n\":false}}}", &opts), 0,
	       "depth: recursion bounded by the data within max_depth works");
	is_str(out.buf, "<<>>", "depth: and renders every level");
	is_int(render(&out, "{{>self}}", "{\"n\":{\"n\":{\"n\":{\"n\":false}}}}", &opts), BOT_ETOOBIG,
	       "depth: one level past max_depth fails");

	opts.partial = NULL;
	opts.max_depth = 0;

	/* Loops nested over lists multiply without writing a byte. */
	opts.max_steps = 1000;
	is_int(render(&out, "{{#l}}{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}{{/l}}",
		      "{\"l\":[1,2,3,4,5,6,7,8,9,10]}", &opts), BOT_ETOOBIG,
	       "steps: nested loops that would take 10^4 passes stop at max_steps");
	like(bot_error_last(), "rendering 'template' takes more than 1000 steps", "steps: says so");
	is_int(render(&out, "{{#l}}{{#l}}{{.}}{{/l}}{{/l}}", "{\"l\":[1,2,3,4,5,6,7,8,9,10]}", &opts),
	       0, "steps: 10^2 passes are within 1000");
	opts.max_steps = 0;
	{
		struct strbuf deep = STRBUF_INIT;
		int i;

		for (i = 0; i < MUSTACHE_MAX_NESTING; i++)
			strbuf_addstr(&deep, "{{#a}}");
		strbuf_addstr(&deep, "x");
		for (i = 0; i < MUSTACHE_MAX_NESTING; i++)
			strbuf_addstr(&deep, "{{/a}}");
		is_int(render(&out, deep.buf, "{\"a\":true}", &opts), 0,
		       "nesting: MUSTACHE_MAX_NESTING sections deep renders");
		is_str(out.buf, "x", "nesting: and reaches the middle");
		strbuf_reset(&deep);
		strbuf_addstr(&deep, "{{#a}}");
		for (i = 0; i < MUSTACHE_MAX_NESTING; i++)
			strbuf_addstr(&deep, "{{^b}}");
		is_int(render(&out, deep.buf, "{}", &opts), BOT_EINVALID,
		       "nesting: one section more is refused before rendering");
		like(bot_error_last(), "sections nested deeper than 100 in 'template' at line 1, column 601",
		     "nesting: says where");
		strbuf_release(&deep);
	}

	opts.partial = failing_partial;
	is_int(render(&out, "a{{>p}}b", "{}", &opts), BOT_EIO,
	       "partials: a loader error other than not-found propagates");
	like(bot_error_last(), "cannot read partial 'p'", "partials: with the loader's message");
	opts.partial_payload = "{{#a}}";
	opts.partial = loop_partial;
	is_int(render(&out, "x\n{{>broken.md}}", "{}", &opts), BOT_EINVALID,
	       "partials: a malformed partial fails the rendering");
	like(bot_error_last(), "unclosed section 'a' in 'broken.md' at line 1, column 1",
	     "partials: the message names the partial");
	opts.partial = NULL;
	is_int(render(&out, "[{{>p}}]", "{}", &opts), 0, "partials: no loader, no partials");
	is_str(out.buf, "[]", "partials: they render as nothing");
	strbuf_release(&out);
}

/* An escaper as a Markdown caller might write one: backslash before specials. */
static void escape_md(struct strbuf *out, const char *s, size_t len, void *payload)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strchr((const char *)payload, s[i]))
			strbuf_addch(out, '\\');
		strbuf_addch(out, s[i]);
	}
}

static void test_values(void)
{
	struct mustache_options opts = MUSTACHE_OPTIONS_INIT;
	struct strbuf out = STRBUF_INIT;
	static const struct {
		const char *tmpl, *data, *want, *what;
	} cases[] = {
		{ "{{s}}", "{\"s\":\"<a href='x'>&</a>\"}", "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;",
		  "HTML escaping covers the apostrophe too" },
		{ "{{a}} {{b}} {{c}} {{d}} {{e}}", "{\"a\":-2.5,\"b\":0.1,\"c\":1e300,\"d\":-0,\"e\":123456789012}",
		  "-2.5 0.1 1e+300 0 123456789012", "numbers print in their shortest exact form" },
		{ "{{t}}/{{f}}", "{\"t\":true,\"f\":false}", "true/false", "booleans print as words" },
		{ "{{{l}}} {{{o}}}", "{\"l\":[1,\"a\"],\"o\":{\"k\":null}}", "[1,\"a\"] {\"k\":null}",
		  "arrays and objects print as compact JSON" },
		{ "[{{#s}}x{{/s}}{{^s}}empty{{/s}}]", "{\"s\":\"\"}", "[empty]",
		  "an empty string is falsy" },
		{ "[{{#n}}x{{/n}}{{^n}}zero{{/n}}]", "{\"n\":0}", "[zero]", "the number 0 is falsy" },
		{ "[{{#n}}{{.}}{{/n}}]", "{\"n\":7}", "[7]", "another number is pushed as the context" },
		{ "{{#o}}{{k}}{{/o}}", "{\"o\":{}}", "", "an empty object is truthy with nothing inside" },
		{ "{{a.}}|{{.a}}|{{a..b}}", "{\"a\":{\"b\":1}}", "||", "empty parts of a name miss" },
		{ "{{=| |=}}|#l||.||/l|", "{\"l\":[1,2]}", "12", "one-character delimiters" },
		{ "{{=<<< >>>=}}<<<a>>><<<{a}>>>", "{\"a\":\"<\"}", "&lt;<",
		  "long delimiters with a triple mustache" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = render(&out, cases[i].tmpl, cases[i].data, &opts);

		if (ret < 0)
			ok(0, "%s (%s)", cases[i].what, bot_error_last());
		else
			is_str(out.buf, cases[i].want, "%s", cases[i].what);
	}

	strbuf_reset(&out);
	ok(mustache_render(&out, "x", 1, NULL, NULL) == 0 && !strcmp(out.buf, "x"),
	   "NULL data and NULL options render with the defaults");

	opts.escape = mustache_escape_none;
	render(&out, "{{s}}", "{\"s\":\"<b>&\"}", &opts);
	is_str(out.buf, "<b>&", "mustache_escape_none leaves values as they are");
	opts.escape = escape_md;
	opts.escape_payload = "*_`\\";
	render(&out, "**{{s}}** {{{s}}}", "{\"s\":\"a*b_`c\"}", &opts);
	is_str(out.buf, "**a\\*b\\_\\`c** a*b_`c", "a caller's escaper applies to {{x}} only");

	strbuf_reset(&out);
	strbuf_addstr(&out, "before:");
	{
		struct json *d = must_parse_json("{\"x\":1}");
		mustache_render(&out, "{{x}}", 5, d, NULL);
		json_free(d);
	}
	is_str(out.buf, "before:1", "the rendering is appended to what out holds");
	strbuf_release(&out);
}

int main(void)
{
	run_spec();
	test_errors();
	test_limits();
	test_values();
	return done_testing();
}
