#ifndef UTIL_REDACT_H
#define UTIL_REDACT_H

#include <stddef.h>

#include "util/strbuf.h"

/*
 * Masks what has the shape of a credential, whatever its origin: the one
 * pass for text that comes from elsewhere (logs, HTTP answers, commit
 * messages, a journal written by an earlier process) whose secrets this
 * process was never given. Secrets autofix holds itself are masked by
 * value through log_add_secret()/log_redact(); .autofix.yml's `redact`
 * patterns are the repository's own additions. Each masked value becomes
 * "***"; what names it ("password=", "Bearer ", "postgres://user:") is
 * kept, so that a line stays readable.
 *
 * The shapes:
 *   - prefixed tokens at the start of a word: GitHub (ghp_, gho_, ghu_,
 *     ghs_, ghr_, github_pat_), GitLab (glpat-), npm (npm_), OpenAI and
 *     Anthropic (sk-...), Stripe (sk_live_, sk_test_, rk_live_, rk_test_,
 *     whsec_), Slack (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, xapp-),
 *     SendGrid (SG.x.y), Google API keys (AIza...), AWS access key ids
 *     (AKIA..., ASIA... and the other 4-letter prefixes);
 *   - JSON Web Tokens (eyJ....eyJ... or any three base64url parts after a
 *     JOSE header);
 *   - the credential after "Bearer ", "Basic " or "Token " (any case);
 *   - PEM private key blocks, BEGIN to END;
 *   - credentials in URLs (scheme://user:password@host keeps the user;
 *     a long user alone, as in https://TOKEN@host, is masked), which covers
 *     the connection strings of postgres, mysql, mongodb(+srv), redis,
 *     amqp and the rest; Slack incoming webhook paths;
 *   - values of sensitive keys in query strings, JSON, YAML, env files,
 *     headers and key=value logs: a key whose last word is password,
 *     passwd, pwd, passphrase, secret, token or credentials, or whose last
 *     two words are api key, secret key, private key, access key, client
 *     secret, account key, auth key, signing key, master key, encryption
 *     key, app secret or key base; "auth" only before '=' (.npmrc's _auth=),
 *     since "auth: ..." begins log lines (words
 *     split at _ . - and camelCase, any case: DB_PASSWORD, "apiKey",
 *     X-Api-Key, aws_secret_access_key). "max_tokens" or "token_count"
 *     are not such keys.
 * Commit SHAs, UUIDs, request ids, hashes and base64 data are not
 * credentials by shape and are left alone.
 */

/* Masks every credential shape in sb, in place. Returns how many values were masked. */
size_t redact_credentials(struct strbuf *sb);

/*
 * A repository's own patterns (.autofix.yml's `redact`: POSIX extended
 * regular expressions, checked by the loader), compiled once. Every match
 * is replaced by "***".
 */
struct redact_patterns;

/* Compiles patterns[0..n); BOT_EINVALID naming the first that does not compile. */
int redact_patterns_new(struct redact_patterns **out, char *const *patterns, size_t n);
void redact_patterns_free(struct redact_patterns *p);
/* Masks every match in sb; returns how many. A NULL p masks nothing. */
size_t redact_patterns_apply(const struct redact_patterns *p, struct strbuf *sb);

/*
 * The one pass for text that enters from elsewhere: the secrets autofix
 * holds (log_redact), credential shapes, then the repository's patterns
 * (p may be NULL).
 */
void redact_text(const struct redact_patterns *p, struct strbuf *sb);

/* redact_text() without repository patterns, in the shape json_map_strings() calls. */
void redact_text_held(struct strbuf *sb);

#endif
