/*
 * Webhook signatures (X-Hub-Signature-256): HMAC-SHA256 of the raw body.
 */
#include <string.h>

#include <openssl/crypto.h> /* CRYPTO_memcmp: a comparison, not a digest */

#include "github/webhook.h"
#include "util/digest.h"
#include "util/error.h"
#include "util/banned.h"

#define PREFIX "sha256="

int github_webhook_sign(char out[72], const char *secret, const void *payload, size_t len)
{
	memcpy(out, PREFIX, sizeof(PREFIX) - 1);
	return hmac_sha256_hex(out + sizeof(PREFIX) - 1, secret, strlen(secret), payload, len);
}

int github_webhook_verify(const char *secret, const void *payload, size_t len,
			  const char *signature_header)
{
	char want[72];
	size_t i;
	int rc;

	if (!secret || !*secret)
		return bot_error(BOT_EINVALID, "no webhook secret to verify with");
	if (!signature_header || !*signature_header)
		return bot_error(BOT_EINVALID, "no X-Hub-Signature-256 header");
	/* The length is not secret: check it first, then compare in constant time. */
	if (strlen(signature_header) != 71 || strncmp(signature_header, PREFIX, 7))
		return bot_error(BOT_EINVALID, "X-Hub-Signature-256 is not 'sha256=' and 64 hex digits");
	for (i = 7; i < 71; i++) {
		char c = signature_header[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return bot_error(BOT_EINVALID,
					 "X-Hub-Signature-256 is not 'sha256=' and 64 hex digits");
	}
	if ((rc = github_webhook_sign(want, secret, payload, len)) < 0)
		return rc;
	if (CRYPTO_memcmp(want, signature_header, 71) != 0)
		return bot_error(BOT_EAUTH, "webhook signature does not match");
	return 0;
}
