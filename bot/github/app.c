/*
 * App keys and JWTs with OpenSSL's EVP API. PEM_read_bio_PrivateKey reads
 * both PKCS#1 and PKCS#8 (unencrypted), so one path serves both formats.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "github/app.h"
#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct github_app_key {
	EVP_PKEY *pkey;
};

#define MAX_KEY_FILE (64 * 1024)

int github_app_key_parse(struct github_app_key **out, const char *pem, size_t len)
{
	struct strbuf text = STRBUF_INIT;
	struct github_app_key *key;
	EVP_PKEY *pkey;
	BIO *bio;

	*out = NULL;
	strbuf_add(&text, pem, len);
	/* A key squeezed into one line of an environment variable. */
	strbuf_replace_all(&text, "\\n", "\n");
	strbuf_trim(&text);
	if (!strstr(text.buf, "-----BEGIN ")) {
		strbuf_release(&text);
		return bot_error(BOT_EINVALID, "the App private key is not PEM (no '-----BEGIN' line)");
	}
	log_add_secret(text.buf);
	bio = BIO_new_mem_buf(text.buf, (int)text.len);
	pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
	BIO_free(bio);
	ERR_clear_error();
	strbuf_release(&text);
	if (!pkey)
		return bot_error(BOT_EINVALID,
				 "the App private key cannot be read (expected an unencrypted PEM RSA key, "
				 "PKCS#1 or PKCS#8)");
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		return bot_error(BOT_EINVALID, "the App private key is not an RSA key");
	}
	key = xcalloc(1, sizeof(*key));
	key->pkey = pkey;
	*out = key;
	return 0;
}

void github_app_from_env(const char **app_id, const char **key_pem, const char **key_file)
{
	*app_id = env_get("AUTOFIX_APP_ID");
	if (!*app_id)
		*app_id = env_get("AUTOFIX_APP_CLIENT_ID");
	*key_pem = env_get("AUTOFIX_APP_PRIVATE_KEY");
	*key_file = env_get("AUTOFIX_APP_PRIVATE_KEY_FILE");
}

int github_app_key_load(struct github_app_key **out, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int err;

	*out = NULL;
	if ((err = strbuf_read_file(&sb, path, MAX_KEY_FILE)) < 0)
		return bot_error_wrap(err, "App private key: ");
	err = github_app_key_parse(out, sb.buf, sb.len);
	strbuf_release(&sb);
	if (err < 0)
		return bot_error_wrap(err, "'%s': ", path);
	return 0;
}

void github_app_key_free(struct github_app_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

/* base64url without padding (RFC 7515, section 2). */
static void add_base64url(struct strbuf *sb, const unsigned char *data, size_t len)
{
	size_t n = 4 * ((len + 2) / 3), i;
	unsigned char *tmp = xmalloc(n + 1);
	int w = EVP_EncodeBlock(tmp, data, (int)len);

	while (w > 0 && tmp[w - 1] == '=')
		w--;
	for (i = 0; i < (size_t)w; i++)
		strbuf_addch(sb, tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i]);
	free(tmp);
}

int github_app_jwt(char **out, const struct github_app_key *key, const char *app_id, int64_t now)
{
	struct strbuf claims = STRBUF_INIT, jwt = STRBUF_INIT;
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	int result = 0;

	*out = NULL;
	if (!app_id || !*app_id)
		return bot_error(BOT_EINVALID, "no App ID or Client ID to sign for");
	strbuf_addstr(&claims, "{\"iat\":");
	strbuf_addf(&claims, "%lld,\"exp\":%lld,\"iss\":\"", (long long)(now - 60),
		    (long long)(now + GITHUB_APP_JWT_TTL));
	strbuf_add_json_escaped(&claims, app_id);
	strbuf_addstr(&claims, "\"}");

	add_base64url(&jwt, (const unsigned char *)header, sizeof(header) - 1);
	strbuf_addch(&jwt, '.');
	add_base64url(&jwt, (const unsigned char *)claims.buf, claims.len);

	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)jwt.buf, jwt.len) != 1) {
		result = bot_error(BOT_ERROR, "cannot sign the App JWT");
		goto cleanup;
	}
	sig = xmalloc(sig_len);
	if (EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)jwt.buf, jwt.len) != 1) {
		result = bot_error(BOT_ERROR, "cannot sign the App JWT");
		goto cleanup;
	}
	strbuf_addch(&jwt, '.');
	add_base64url(&jwt, sig, sig_len);
	*out = strbuf_detach(&jwt, NULL);
	log_add_secret(*out);

cleanup:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(sig);
	strbuf_release(&claims);
	strbuf_release(&jwt);
	return result;
}
