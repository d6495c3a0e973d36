#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util/error.h"
#include "util/strbuf.h"

int main(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	size_t len;
	int i;

	ok(sb.buf && sb.buf[0] == '\0' && sb.len == 0, "a new strbuf is an empty string");
	strbuf_addstr(&sb, "hello");
	strbuf_addch(&sb, ' ');
	strbuf_addf(&sb, "%s #%d", "world", 42);
	is_str(sb.buf, "hello world #42", "add, addch and addf append");
	is_int(sb.len, 15, "len follows the content");

	strbuf_reset(&sb);
	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%04d", i);
	is_int(sb.len, 4000, "addf grows past its first allocation");
	ok(!memcmp(sb.buf + 3996, "0999", 4), "and keeps every byte");

	strbuf_reset(&sb);
	strbuf_addstr(&sb, "  \t padded \n");
	strbuf_trim(&sb);
	is_str(sb.buf, "padded", "trim removes whitespace at both ends");

	strbuf_reset(&sb);
	strbuf_addstr(&sb, "\n fix(api):\tbound\r\nthe cache \n");
	strbuf_one_line(&sb);
	is_str(sb.buf, "fix(api): bound  the cache", "one_line: line breaks and tabs become spaces, the ends trimmed");

	strbuf_reset(&sb);
	strbuf_addstr(&sb, "token abc and abc again");
	strbuf_replace_all(&sb, "abc", "***");
	is_str(sb.buf, "token *** and *** again", "replace_all replaces every occurrence");

	strbuf_reset(&sb);
	strbuf_add_json_escaped(&sb, "a\"b\\c\n\x01");
	is_str(sb.buf, "a\\\"b\\\\c\\n\\u0001", "json escaping covers quotes, backslashes and control bytes");

	s = strbuf_detach(&sb, &len);
	is_int(len, strlen(s), "detach hands over the string and its length");
	ok(sb.len == 0 && sb.buf[0] == '\0', "a detached strbuf is empty again");
	free(s);

	ok(strbuf_read_file(&sb, "/nonexistent/autofix", 0) == BOT_ENOTFOUND,
	   "reading a missing file is BOT_ENOTFOUND");
	like(bot_error_last(), "cannot open '/nonexistent/autofix'", "with the path in the message");
	{
		/* A hang here is a failure: SIGALRM ends the program early. */
		char dir[] = "/tmp/test-strbuf.XXXXXX", fifo[64];
		ok(mkdtemp(dir) != NULL, "a temporary directory");
		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		ok(mkfifo(fifo, 0600) == 0, "a FIFO nobody writes to");
		alarm(10);
		strbuf_reset(&sb);
		ok(strbuf_read_file(&sb, fifo, 100) == 0 && sb.len == 0,
		   "reading a FIFO without a writer returns at once, empty");
		ok(strbuf_read_file(&sb, dir, 100) == BOT_EIO, "reading a directory is BOT_EIO");
		alarm(0);
		unlink(fifo);
		rmdir(dir);
	}
	ok(starts_with("autofix/x", "autofix/") && !starts_with("auto", "autofix/"), "starts_with");
	ok(ends_with("file.yml", ".yml") && !ends_with("yml", ".yml.x"), "ends_with");
	strbuf_release(&sb);
	return done_testing();
}
