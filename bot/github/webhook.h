#ifndef GITHUB_WEBHOOK_H
#define GITHUB_WEBHOOK_H

#include <stddef.h>

/*
 * Checks a webhook delivery's X-Hub-Signature-256 header value
 * ("sha256=<64 hex digits>") against HMAC-SHA256(secret, payload) over the
 * raw payload bytes. The comparison takes the same time wherever the first
 * difference is. Returns 0 when it matches, BOT_EAUTH when it does not,
 * BOT_EINVALID when the header is missing or malformed, BOT_EIO when the
 * MAC cannot be computed.
 */
int github_webhook_verify(const char *secret, const void *payload, size_t len,
			  const char *signature_header);

/*
 * Writes "sha256=<64 hex digits>" for payload to out (72 bytes at least,
 * NUL included). Returns 0, or BOT_EIO when the MAC cannot be computed.
 */
int github_webhook_sign(char out[72], const char *secret, const void *payload, size_t len);

#endif
