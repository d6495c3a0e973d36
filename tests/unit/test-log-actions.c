#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "lib/log-capture.h"
#include "util/log.h"

static void register_secret(void) { log_add_secret("s3cr3t-value"); }
static void register_pem(void) { log_add_secret("-----BEGIN KEY-----\nAAAABBBB\n-----END KEY-----"); }
static void register_percent(void) { log_add_secret("pa%25ss%0Aword"); }
static void register_crlf_pem(void) { log_add_secret("-----BEGIN K2-----\r\nCCCCDDDD\r\n-----END K2-----\r\n"); }
static void say_crlf_line(void) { log_warning("line CCCCDDDD"); }
static void say_at(void) { log_at(LOG_ERROR, "dir,a:b.yml", 3, 5, "bad value 's3cr3t-value'"); }
static void say_multiline(void) { log_warning("50%% done\nnext"); }
static void say_info(void) { log_info("plain"); }
static void group(void) { log_group_start("observe"); log_group_end(); }
static void say_escape(void) { log_error("server said '\x1b[2J\x1b]8;;http://x/\x07" "a\x1b]8;;\x07'\nnext"); }
static void say_injection(void) { log_info("service 'x\n::set-env name=A::1'"); }

/*
 * Checks that text is fenced: a ::stop-commands::TOKEN line first, the text,
 * then ::TOKEN:: alone on the last line.
 */
static int fenced(const char *out, const char *text)
{
	char token[64];
	const char *end;
	char closing[80];

	if (sscanf(out, "::stop-commands::%63[0-9a-f]\n", token) != 1 || strlen(token) != 32)
		return 0;
	end = out + strlen("::stop-commands::") + 32 + 1;
	if (strncmp(end, text, strlen(text)))
		return 0;
	snprintf(closing, sizeof(closing), "::%s::\n", token);
	return !strcmp(end + strlen(text), closing);
}

int main(void)
{
	setenv("GITHUB_ACTIONS", "true", 1);
	log_setup();
	ok(log_in_actions(), "GITHUB_ACTIONS=true switches to workflow commands");

	is_str(log_captured(register_secret), "::add-mask::s3cr3t-value\n",
	       "a secret is announced to the runner with add-mask");
	is_str(log_captured(register_secret), "", "only once");
	is_str(log_captured(register_pem), "::add-mask::-----BEGIN KEY-----\n::add-mask::AAAABBBB\n"
	       "::add-mask::-----END KEY-----\n", "a multi-line secret is masked line by line");
	is_str(log_captured(register_percent), "::add-mask::pa%2525ss%250Aword\n",
	       "the value is escaped as the runner unescapes it, so it masks the real value");
	is_str(log_captured(register_crlf_pem), "::add-mask::-----BEGIN K2-----\n::add-mask::CCCCDDDD\n"
	       "::add-mask::-----END K2-----\n", "the lines of a CRLF secret are masked without their CR");
	is_str(log_captured(say_crlf_line), "::warning::line ***\n", "and masked in our own log too");
	is_str(log_captured(say_at), "::error file=dir%2Ca%3Ab.yml,line=3,col=5::bad value '***'\n",
	       "an annotation escapes its properties and redacts the message");
	is_str(log_captured(say_multiline), "::warning::50%25 done%0Anext\n",
	       "message data escapes %%, CR and LF");
	is_str(log_captured(say_info), "plain\n", "info lines stay plain text");
	is_str(log_captured(say_escape), "::error::server said '\\x1b[2J\\x1b]8;;http://x/\\x07a\\x1b]8;;\\x07'%0Anext\n",
	       "escape sequences from a server are shown, not obeyed; a line break stays one annotation");
	is_str(log_captured(group), "::group::observe\n::endgroup::\n", "groups");
	ok(fenced(log_captured(say_injection), "service 'x\n::set-env name=A::1'\n"),
	   "an info line holding a workflow command is fenced by stop-commands");
	{
		struct strbuf report = STRBUF_INIT;
		FILE *f = tmpfile();
		char buf[512];
		size_t n;

		strbuf_addstr(&report, "deploy 'fix\n::add-mask::x' by s3cr3t-value");
		ok(log_print_data(f, &report) == 0, "log_print_data writes");
		rewind(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		ok(fenced(buf, "deploy 'fix\n::add-mask::x' by ***\n"),
		   "data printed with log_print_data is redacted and fenced");
		strbuf_release(&report);
	}
	return done_testing();
}
