#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "lib/log-capture.h"
#include "util/log.h"

static void say_secret(void) { log_warning("token is ghs_abcdef123456 and again ghs_abcdef123456"); }
static void say_at(void) { log_at(LOG_ERROR, ".autofix.yml", 3, 5, "unknown key 'x'"); }
static void say_debug(void) { log_debug("hidden"); }
static void register_secret(void) { log_add_secret("ghs_abcdef123456"); }
static void register_pem(void) { log_add_secret("-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n-----END KEY-----"); }
static void say_pem_line(void) { log_info("key line MIIEpAIBAAKCAQEA leaked"); }

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
	return done_testing();
}
