#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/utf8.h"

static int has_tok(const char *s)
{
	return strstr(s, "tok-1234") != NULL;
}

static void mask_tok(struct strbuf *sb)
{
	strbuf_replace_all(sb, "tok-1234", "***");
}

int main(void)
{
	const char *doc = "{\"data\":{\"items\":[{\"name\":\"api\",\"n\":3},{\"name\":null,\"n\":2.5}],"
			  "\"ok\":true}}";
	struct json *root, *built;
	const char *s;
	double d;
	int64_t i;
	int b;
	char *out;

	ok(json_parse(&root, doc, strlen(doc)) == 0, "parses a document");
	ok(json_get_str(&s, root, "data.items[%d].name", 0) == 0 && !strcmp(s, "api"),
	   "a path with an index reaches a string");
	ok(json_get_int(&i, root, "data.items[0].n") == 0 && i == 3, "integers");
	ok(json_get_int(&i, root, "data.items[1].n") == BOT_EINVALID, "2.5 is not an integer");
	ok(json_get_num(&d, root, "data.items[1].n") == 0 && d == 2.5, "numbers");
	ok(json_get_bool(&b, root, "data.ok") == 0 && b == 1, "booleans");
	ok(json_get_str(&s, root, "data.items[1].name") == BOT_EINVALID, "null is not a string");
	is_str(bot_error_last(), "'data.items[1].name': expected string, found null",
	       "the error names the path and what was found");
	ok(json_get_str(&s, root, "data.missing") == BOT_EINVALID, "a missing field is an error");
	is_str(bot_error_last(), "'data.missing': missing, expected string", "saying it is missing");
	ok(json_get_opt_str(&s, root, "data.items[1].name") == 0 && s == NULL,
	   "an optional string may be null");
	is_int(json_size(json_get(root, "data.items")), 2, "array size");
	ok(json_get(root, "data.items[7]") == NULL, "an index past the end is absent");
	json_free(root);

	ok(json_parse(&root, "{\"a\":1} x", 9) == BOT_EINVALID, "trailing data is rejected");
	ok(json_parse(&root, "{\"a\":", 5) == BOT_EINVALID, "truncated JSON is rejected");

	built = json_new_object();
	json_set_str(built, "name", "a \"quoted\" name");
	json_set_num(built, "nan", 0.0 / 0.0);
	json_set_opt_str(built, "absent", NULL);
	json_set(built, "list", json_new_array());
	json_append((struct json *)json_get(built, "list"), json_new_num(1));
	out = json_print(built, 0);
	is_str(out, "{\"name\":\"a \\\"quoted\\\" name\",\"nan\":null,\"list\":[1]}",
	       "building and printing; NaN becomes null, an absent optional string no member");
	free(out);
	json_free(built);

	{
		const char *bdoc = "{\"a\":{\"x\":1,\"y\":2},\"k\":[1],\"s\":\"old\"}";
		const char *odoc = "{\"a\":{\"y\":3,\"z\":{\"w\":4}},\"k\":[2,3],\"s\":{\"now\":1}}";
		struct json *base = NULL, *over = NULL;

		ok(json_parse(&base, bdoc, strlen(bdoc)) == 0 && json_parse(&over, odoc, strlen(odoc)) == 0,
		   "merge: two documents");
		json_merge(base, over);
		out = json_print(base, 0);
		is_str(out, "{\"a\":{\"x\":1,\"y\":3,\"z\":{\"w\":4}},\"k\":[2,3],\"s\":{\"now\":1}}",
		       "merge: objects member by member, anything else replaced");
		free(out);
		json_free(over);
		out = json_print(base, 0);
		like(out, "\"w\":4", "merge: base owns copies, not over's nodes");
		free(out);
		json_free(base);
	}

	{
		const char *tdoc = "{\"t\":\"2026-11-28T10:00:00Z\",\"bad\":\"yesterday\",\"n\":null,\"x\":3}";
		struct json *tj = NULL;
		int64_t ms = -1;

		ok(json_parse(&tj, tdoc, strlen(tdoc)) == 0, "times: a document");
		ok(json_get_time(&ms, tj, "t") == 0 && ms == 1795860000000LL, "times: read to ms");
		is_int(json_get_time(&ms, tj, "bad"), BOT_EINVALID, "times: not a time is refused");
		like(bot_error_last(), "'bad': ", "naming the path");
		is_int(json_get_time(&ms, tj, "x"), BOT_EINVALID, "times: a number is not a time");
		ok(json_get_opt_time(&ms, tj, "n") == 0 && ms == 0, "times: null is absent for the opt form");
		ok(json_get_opt_time(&ms, tj, "missing") == 0 && ms == 0, "times: so is a missing field");
		is_int(json_get_time(&ms, tj, "missing"), BOT_EINVALID, "times: not for the required form");
		json_set_time(tj, "back", 1795860000123LL);
		is_str(json_str_value(json_get(tj, "back")), "2026-11-28T10:00:00.123Z", "times: written back");
		json_free(tj);
	}

	{
		/* A source may send bytes that are not UTF-8; JSON text may not carry them (RFC 8259). */
		const char *udoc = "{\"name\":\"caf\xC3\xA9 \xFF\xC3\x28 \xED\xA0\x80\",\"k\xFE\":\"\xE2\x82\"}";
		struct json *uj = NULL, *back = NULL;
		char *text;

		ok(json_parse(&uj, udoc, strlen(udoc)) == 0, "utf-8: a document with bytes that are not UTF-8 parses");
		text = json_print(uj, 0);
		ok(utf8_is_valid(text, strlen(text)), "utf-8: printed, it is well-formed UTF-8");
		like(text, "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD(", "utf-8: good bytes kept, bad ones U+FFFD");
		like(text, "\"k\xEF\xBF\xBD\":\"\xEF\xBF\xBD\xEF\xBF\xBD\"", "utf-8: in member names too");
		ok(json_parse(&back, text, strlen(text)) == 0, "utf-8: and it parses back");
		free(text);
		text = json_print(uj, 1);
		ok(utf8_is_valid(text, strlen(text)), "utf-8: pretty-printed too");
		free(text);
		json_free(back);
		json_free(uj);
	}
	{
		/* What the journal does to a step's result: every string value and member name mapped. */
		const char *mdoc = "{\"tok-1234\":[\"a tok-1234 b\",{\"x\":\"tok-1234\"}],\"n\":1,\"s\":\"plain\"}";
		struct json *mj = NULL;
		char *text;

		ok(json_parse(&mj, mdoc, strlen(mdoc)) == 0, "map: a document");
		ok(json_any_string(mj, has_tok), "map: json_any_string finds a string that matches");
		ok(!json_any_string(json_get(mj, "s"), has_tok), "map: and not one that does not");
		json_map_strings(mj, mask_tok);
		text = json_print(mj, 0);
		is_str(text, "{\"***\":[\"a *** b\",{\"x\":\"***\"}],\"n\":1,\"s\":\"plain\"}",
		       "map: values and member names, at every depth");
		ok(!json_any_string(mj, has_tok), "map: nothing matches afterwards");
		free(text);
		json_free(mj);
	}
	return done_testing();
}
