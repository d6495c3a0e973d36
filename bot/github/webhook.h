#ifndef GITHUB_WEBHOOK_H
#define GITHUB_WEBHOOK_H

#include <stddef.h>

/*
 * Checks a webhook delivery's X-Hub-Signature-256 header value
 * ("sha256=<64 hex digits>") against HMAC-SHA256(secret, payload) over the
 * raw payload bytes. The comparison takes the same time wherever the first
 * difference is. Returns 0 when it matches, BOT_EAUTH when it does not,
 * BOT_EINVALID when the header is missing or malformed.
 */
int github_webhook_verify(const char *secret, const void *payload, size_t len,
			  const char *signature_header);

/* Appends "sha256=<hex>" for payload to out (a 72-byte buffer at least). */
void github_webhook_sign(char out[72], const char *secret, const void *payload, size_t len);

#endif
