#include <string.h>

#include "tap.h"
#include "github/github.h"
#include "util/error.h"
#include "util/json.h"
#include "util/marker.h"
#include "util/strbuf.h"

int main(void)
{
	struct strbuf sb = STRBUF_INIT, kind = STRBUF_INIT, key = STRBUF_INIT;
	const char *body;

	ok(marker_format(&sb, "pr", "api:memory_leak") == 0, "formats a marker");
	is_str(sb.buf, "<!-- autofix:pr:api:memory_leak -->", "as an HTML comment; the key may hold ':'");
	strbuf_reset(&sb);
	ok(marker_format(&sb, "PR", "x") == BOT_EINVALID && sb.len == 0,
	   "an upper-case kind is refused, nothing written");
	like(bot_error_last(), "bad marker kind 'PR'", "naming it");
	ok(marker_format(&sb, "pr:x", "x") == BOT_EINVALID, "a kind with ':' is refused");
	ok(marker_format(&sb, "pr", "a b") == BOT_EINVALID, "a key with a space is refused");
	ok(marker_format(&sb, "pr", "a--b") == BOT_EINVALID, "a key with '--' is refused");
	ok(marker_format(&sb, "pr", "a-->") == BOT_EINVALID, "a key that would close the comment is refused");
	ok(marker_format(&sb, "pr", "") == BOT_EINVALID, "an empty key is refused");
	ok(marker_format(&sb, "pr", "x-") == BOT_EINVALID, "a key ending in '-' is refused");
	ok(marker_format(&sb, "status-comment", "run-42_a.b/c") == 0, "a key with - _ . / is fine");

	body = "Fixes the leak.\n\n<!-- autofix:pr:api:memory_leak -->\n<!-- autofix:run:scan-1 -->";
	ok(marker_find(body, "pr", "api:memory_leak"), "finds a marker in a body");
	ok(marker_find(body, "run", "scan-1"), "finds the second marker");
	ok(!marker_find(body, "pr", "api:memory"), "a key prefix is not a match");
	ok(!marker_find(body, "pr", "api:memory_leak2"), "a longer key is not a match");
	ok(!marker_find(body, "issue", "api:memory_leak"), "another kind is not a match");
	ok(!marker_find(NULL, "pr", "x"), "a NULL body holds nothing");
	ok(!marker_find("<!-- autofix:pr:x-->", "pr", "x"), "a marker without the space before --> is not ours");

	strbuf_reset(&sb);
	ok(marker_find_kind(body, "run", &sb) == 1 && !strcmp(sb.buf, "scan-1"),
	   "finds the key of the first marker of a kind");
	strbuf_reset(&sb);
	ok(marker_find_kind("<!-- autofix:pr:bad key --> <!-- autofix:pr:good -->", "pr", &sb) == 1 &&
	   !strcmp(sb.buf, "good"), "skips a malformed marker a user edited");
	ok(marker_find_kind("<!-- autofix:pr:x", "pr", NULL) == 0, "an unterminated marker is not found");

	ok(marker_parse(&kind, &key, "  <!-- autofix:issue:abc123 -->\n") == 0, "parses one marker");
	is_str(kind.buf, "issue", "its kind");
	is_str(key.buf, "abc123", "its key");
	ok(marker_parse(&kind, &key, "hello") == BOT_EINVALID, "text that is no marker");
	ok(marker_parse(&kind, &key, "<!-- autofix:issue -->") == BOT_EINVALID, "a marker without a key");
	like(bot_error_last(), "malformed autofix marker", "is malformed");
	ok(marker_parse(&kind, &key, "<!-- autofix:a:b --> tail") == BOT_EINVALID, "trailing text");

	{
		static const char comments[] =
			"[{\"id\": 1, \"user\": {\"login\": \"mallory\", \"type\": \"User\"},"
			"  \"body\": \"pasted: <!-- autofix:status-comment:issue-1 -->\"},"
			" {\"id\": 2, \"user\": null, \"body\": \"<!-- autofix:status-comment:issue-1 -->\"},"
			" {\"id\": 3, \"user\": {\"login\": \"Autofix[bot]\", \"type\": \"Bot\"},"
			"  \"body\": \"looking <!-- autofix:status-comment:issue-1 -->\"}]";
		struct json *items = NULL;
		const struct json *found;

		ok(json_parse(&items, comments, strlen(comments)) == 0, "comments parse");
		found = github_find_marked(items, "status-comment", "issue-1", "autofix[bot]");
		ok(found && json_num_value(json_get(found, "id")) == 3,
		   "a marked comment counts only when autofix wrote it (a user's pasted marker and a ghost's are skipped)");
		ok(!github_find_marked(items, "status-comment", "issue-1", "someone-else[bot]"),
		   "another author's marker is not ours");
		ok(!github_find_marked(items, "status-comment", "issue-2", "autofix[bot]"), "another key is not ours");
		ok(!github_find_marked(items, "status-comment", "issue-1", NULL) &&
		   !github_find_marked(NULL, "status-comment", "issue-1", "autofix[bot]"),
		   "no author or no items: nothing found");
		json_free(items);
	}

	strbuf_release(&sb);
	strbuf_release(&kind);
	strbuf_release(&key);
	return done_testing();
}
