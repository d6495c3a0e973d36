/*
 * SHA-256 and HMAC-SHA256 through OpenSSL: the one module that sees its
 * digest API.
 */
#include <limits.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/digest.h"
#include "util/error.h"
#include "util/banned.h"

static void to_hex(char out[SHA256_HEX_LEN + 1], const unsigned char md[32])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
}

int sha256_hex(char out[SHA256_HEX_LEN + 1], const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) || md_len != 32)
		return bot_error(BOT_EIO, "cannot compute a SHA-256 digest");
	to_hex(out, md);
	return 0;
}

int hmac_sha256_hex(char out[SHA256_HEX_LEN + 1], const void *key, size_t key_len,
		    const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	out[0] = '\0';
	if (key_len > INT_MAX ||
	    !HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &md_len) || md_len != 32)
		return bot_error(BOT_EIO, "cannot compute an HMAC-SHA256");
	to_hex(out, md);
	return 0;
}
