#ifndef GITHUB_APP_H
#define GITHUB_APP_H

#include <stddef.h>
#include <stdint.h>

/*
 * GitHub App authentication: the App's private key and the JWT signed
 * with it (RS256). This is the only module that sees OpenSSL's key types.
 * A key is owned by whoever loaded it and freed with github_app_key_free().
 */
struct github_app_key;

/*
 * Parses a PEM RSA private key, PKCS#1 ("BEGIN RSA PRIVATE KEY", what
 * GitHub hands out) or PKCS#8 ("BEGIN PRIVATE KEY"). A literal "\n" (two
 * characters, how keys survive one-line environment variables) is read as
 * a newline. The PEM text is registered as a secret. Returns 0 and *out,
 * or BOT_EINVALID saying what is wrong (never quoting the key).
 */
int github_app_key_parse(struct github_app_key **out, const char *pem, size_t len);

/*
 * The App's credentials in the environment, an empty variable counting as
 * unset: *app_id from AUTOFIX_APP_ID, else AUTOFIX_APP_CLIENT_ID; *key_pem
 * from AUTOFIX_APP_PRIVATE_KEY; *key_file from AUTOFIX_APP_PRIVATE_KEY_FILE.
 * Each is NULL when absent; the strings belong to the environment.
 */
void github_app_from_env(const char **app_id, const char **key_pem, const char **key_file);

/* Reads and parses a key file (at most 64 KiB). BOT_ENOTFOUND / BOT_EINVALID. */
int github_app_key_load(struct github_app_key **out, const char *path);

void github_app_key_free(struct github_app_key *key);

/*
 * An App JWT: header {"alg":"RS256","typ":"JWT"}, claims iat = now - 60
 * (clock drift), exp = now + 540 (under GitHub's 10-minute limit even with
 * that drift), iss = app_id (an App ID or a Client ID, always a JSON
 * string). now is in seconds since the epoch. *out is the caller's to
 * free(3) and is registered as a secret. Returns 0 or BOT_ERROR.
 */
int github_app_jwt(char **out, const struct github_app_key *key, const char *app_id, int64_t now);

/* The lifetime of a JWT made by github_app_jwt(), from now, in seconds. */
#define GITHUB_APP_JWT_TTL 540

#endif
