#ifndef UTIL_DIGEST_H
#define UTIL_DIGEST_H

#include <stddef.h>

/* Hex digits of a SHA-256 digest, without the terminating NUL. */
#define SHA256_HEX_LEN 64

/*
 * Writes the SHA-256 of len bytes at data to out as 64 lowercase hex
 * digits and a NUL (the one module that sees OpenSSL's digest API).
 * Returns 0, or BOT_EIO when OpenSSL cannot compute it (out is then "").
 */
int sha256_hex(char out[SHA256_HEX_LEN + 1], const void *data, size_t len);

/*
 * Writes HMAC-SHA256(key, data) (RFC 2104) to out as 64 lowercase hex
 * digits and a NUL: the MAC of webhook signatures. key and data are raw
 * bytes, NULs included. Returns 0, or BOT_EIO when OpenSSL cannot compute
 * it (out is then "").
 */
int hmac_sha256_hex(char out[SHA256_HEX_LEN + 1], const void *key, size_t key_len,
		    const void *data, size_t len);

#endif
