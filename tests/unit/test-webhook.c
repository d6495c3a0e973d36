#include <string.h>

#include "tap.h"
#include "github/webhook.h"
#include "util/error.h"

int main(void)
{
	/* GitHub's published vector (docs: "Validating webhook deliveries"). */
	const char *secret = "It's a Secret to Everybody";
	const char *payload = "Hello, World!";
	const char *good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	char sig[72];

	github_webhook_sign(sig, secret, payload, strlen(payload));
	is_str(sig, good, "signs GitHub's vector");
	is_int(github_webhook_verify(secret, payload, strlen(payload), good), 0, "verifies GitHub's vector");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"),
	       BOT_EAUTH, "upper-case hex is a different string: refused");
	is_int(github_webhook_verify(secret, "Hello, World?", 13, good), BOT_EAUTH,
	       "a changed payload is refused");
	is_int(github_webhook_verify("It's a Secret to Everybody!", payload, strlen(payload), good),
	       BOT_EAUTH, "a different secret is refused");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1"),
	       BOT_EINVALID, "a short signature is malformed, not compared");
	/* Compared over its whole length: a difference in the last digit counts as much as in the first. */
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18"),
	       BOT_EAUTH, "equal but for the last hex digit: refused");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=657107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
	       BOT_EAUTH, "equal but for the first hex digit: refused");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e170"),
	       BOT_EINVALID, "the right signature with a digit more: refused");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17\n"),
	       BOT_EINVALID, "the right signature with a newline after it: refused");
	is_int(github_webhook_verify(secret, payload, strlen(payload), "sha256="), BOT_EINVALID,
	       "the prefix alone: refused");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
	       BOT_EINVALID, "another algorithm is malformed");
	is_int(github_webhook_verify(secret, payload, strlen(payload), NULL), BOT_EINVALID,
	       "a missing header");
	like(bot_error_last(), "X-Hub-Signature-256", "the message names the header");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
	       BOT_EINVALID, "non-hex digits");
	is_int(github_webhook_verify(secret, payload, strlen(payload),
				     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1g"),
	       BOT_EINVALID, "a non-hex last digit: malformed too");
	is_int(github_webhook_verify("", payload, strlen(payload), good), BOT_EINVALID,
	       "no secret configured");
	/* Raw bytes, NULs included: the MAC covers the exact body. */
	github_webhook_sign(sig, "s3cret", "a\0b", 3);
	is_int(github_webhook_verify("s3cret", "a\0b", 3, sig), 0, "binary payloads");
	is_int(github_webhook_verify("s3cret", "a\0c", 3, sig), BOT_EAUTH, "past a NUL byte too");
	return done_testing();
}
