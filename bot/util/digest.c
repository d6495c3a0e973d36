/*
 * SHA-256 through OpenSSL's EVP interface.
 */
#include <openssl/evp.h>

#include "util/digest.h"
#include "util/error.h"
#include "util/banned.h"

int sha256_hex(char out[SHA256_HEX_LEN + 1], const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) || md_len != 32)
		return bot_error(BOT_EIO, "cannot compute a SHA-256 digest");
	for (i = 0; i < md_len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
	return 0;
}
