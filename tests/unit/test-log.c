#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "lib/log-capture.h"
#include "util/log.h"
#include "util/strbuf.h"

static void say_secret(void) { log_warning("token is ghs_abcdef123456 and again ghs_abcdef123456"); }
static void say_at(void) { log_at(LOG_ERROR, ".autofix.yml", 3, 5, "unknown key 'x'"); }
static void say_debug(void) { log_debug("hidden"); }
static void register_secret(void) { log_add_secret("ghs_abcdef123456"); }
static void register_pem(void) { log_add_secret("-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n-----END KEY-----"); }
static void say_pem_line(void) { log_info("key line MIIEpAIBAAKCAQEA leaked"); }
static void register_prefix_first(void) { log_add_secret("pass1234"); log_add_secret("pass1234-and-more"); }
static void say_hostile(void) { log_error("server said '\x1b[2Jgone\rerror: forged\nline'"); }
static void say_hostile_group(void) { log_group_start("service \x1b]8;;http://x\x07link\x1b]8;;\x07"); }
static void say_long(void) { log_info("it is pass1234-and-more, or pass1234"); }

int main(void)
{
	setenv("GITHUB_ACTIONS", "false", 1);
	unsetenv("AUTOFIX_LOG");
	log_setup();

	log_captured(register_secret);
	is_str(log_captured(say_secret), "warning: token is *** and again ***\n",
	       "a registered secret never reaches the log");
	is_str(log_captured(say_at), ".autofix.yml:3:5: error: unknown key 'x'\n",
	       "plain output locates a message as file:line:col");
	is_str(log_captured(say_debug), "", "debug is off by default");
	log_set_level(LOG_DEBUG);
	is_str(log_captured(say_debug), "debug: hidden\n", "and on when asked");
	log_set_level(LOG_INFO);
	log_captured(register_pem);
	is_str(log_captured(say_pem_line), "key line *** leaked\n",
	       "one line of a multi-line secret is masked on its own");
	log_clear_secrets();
	is_str(log_captured(say_pem_line), "key line MIIEpAIBAAKCAQEA leaked\n", "until the secrets are cleared");

	{
		static const char *const cases[][3] = {
			{ "url https://x/ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8?a=1 failed",
			  "url https://x/***?a=1 failed", "a GitHub token in a URL" },
			{ "ghs_abcdefghijklmnopqrstuvwxyz0123", "***", "an installation token alone" },
			{ "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "***", "a fine-grained PAT" },
			{ "Authorization: Bearer abc.DEF-123_456/789=", "Authorization: Bearer ***", "a bearer token" },
			{ "{\"k\":\"bearer 0123456789abcdef\"}", "{\"k\":\"bearer ***\"}", "in JSON, lower case" },
			{ "jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjMifQ.c2lnbmF0dXJl end", "jwt *** end", "a JWT" },
			{ "key sk-ant-api03-abcdefghijklmnopqrstuvwx", "key ***", "an LLM API key" },
			{ "ghp_short and disk-abcdefghijklmnopqrstuvwxyz and task-sk-x",
			  "ghp_short and disk-abcdefghijklmnopqrstuvwxyz and task-sk-x", "lookalikes are left alone" },
			{ "Bearer of bad news", "Bearer of bad news", "prose is left alone" },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addstr(&sb, cases[i][0]);
			log_redact_credentials(&sb);
			is_str(sb.buf, cases[i][1], "credential shapes: %s", cases[i][2]);
			strbuf_release(&sb);
		}
	}
	log_captured(register_prefix_first);
	is_str(log_captured(say_long), "it is ***, or ***\n",
	       "a secret that starts a longer one, registered first, leaves none of the longer one");
	log_clear_secrets();
	{
		/* log_escape_controls: what a source sends is shown, never obeyed by the terminal. */
		static const char *const esc[][3] = {
			{ "plain caf\xC3\xA9 \xF0\x9F\x94\xB4", "plain caf\xC3\xA9 \xF0\x9F\x94\xB4", "printable UTF-8 is kept" },
			{ "a\x1b[2Jb", "a\\x1b[2Jb", "ESC [2J (clear the screen)" },
			{ "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x07", "\\x1b]8;;http://evil/\\x1b\\click\\x1b]8;;\\x07",
			  "OSC 8 (a hyperlink), ended by ST or BEL" },
			{ "ok\rerror: forged", "ok\\rerror: forged", "CR (overwrite the line)" },
			{ "one\ntwo\tthree", "one\\ntwo\\tthree", "LF and tab" },
			{ "del\x7f nul-less \x01", "del\\x7f nul-less \\x01", "DEL and other C0 controls" },
			{ "c1 \xC2\x9B" "31m", "c1 \\u009b31m", "a C1 control (U+009B, CSI)" },
			{ "raw \x9b" "31m \xFF", "raw \\x9b31m \\xff", "bytes that are not UTF-8 (a lone 0x9b)" },
			{ "abc\xE2\x80\xAE" "fdp.exe", "abc\\u202efdp.exe", "a bidi override (U+202E)" },
			{ "\xE2\x81\xA6x\xE2\x81\xA9", "\\u2066x\\u2069", "bidi isolates" },
			{ "zero\xE2\x80\x8Bwidth\xEF\xBB\xBF", "zero\\u200bwidth\\ufeff", "zero-width space, BOM" },
			{ "line\xE2\x80\xA8sep", "line\\u2028sep", "the line separator" },
		};
		struct strbuf sb = STRBUF_INIT;
		size_t k;

		for (k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
			strbuf_reset(&sb);
			strbuf_addstr(&sb, esc[k][0]);
			log_escape_controls(&sb);
			is_str(sb.buf, esc[k][1], "escape: %s", esc[k][2]);
		}
		log_add_secret("tok\x1b[1mSECRET");
		strbuf_reset(&sb);
		log_add_text(&sb, "a tok\x1b[1mSECRET b\n");
		is_str(sb.buf, "a *** b\\n", "log_add_text: redacted before it is escaped");
		strbuf_reset(&sb);
		log_add_text(&sb, NULL);
		is_str(sb.buf, "", "log_add_text: NULL adds nothing");
		strbuf_release(&sb);
		log_clear_secrets();
	}
	is_str(log_captured(say_hostile), "error: server said '\\x1b[2Jgone\\rerror: forged\\nline'\n",
	       "a message quoting a server: one line, no escape sequence");
	is_str(log_captured(say_hostile_group), "== service \\x1b]8;;http://x\\x07link\\x1b]8;;\\x07\n",
	       "a group title too");
	return done_testing();
}
