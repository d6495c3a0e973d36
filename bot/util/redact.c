/*
 * Credential shapes, masked in place (redact.h). One left-to-right pass:
 * at each position the rules below are tried in turn; the first that
 * matches copies what names the value, writes "***" and moves past the
 * value. Everything is hand-written rather than regex(3): POSIX regular
 * expressions have no word boundaries, and a pattern that matches more
 * than meant is harder to see than a loop.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/log.h"
#include "util/redact.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define MASK "***"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int alnum(int c)
{
	return isalnum((unsigned char)c);
}

/*
 * No credential is longer than this: scans stop there, so that text made
 * of one long run ("a-a-a-...") costs linear time, not quadratic.
 */
#define MAX_SPAN 8192

/* Characters of a token: letters, digits, and those in extra. */
static size_t span(const char *s, const char *end, const char *extra)
{
	const char *p = s;

	if (end - s > MAX_SPAN)
		end = s + MAX_SPAN;
	while (p < end && (alnum(*p) || (*p && strchr(extra, *p))))
		p++;
	return (size_t)(p - s);
}

static int has_digit(const char *s, size_t n)
{
	while (n--)
		if (isdigit((unsigned char)*s++))
			return 1;
	return 0;
}

/* ----------------------------------------------------------------------
 * Tokens known by their prefix.
 */

struct prefixed {
	const char *prefix;
	const char *extra;  /* token characters beyond letters and digits */
	size_t min, max;    /* length after the prefix; max 0: unbounded */
	int upper;          /* only A-Z and 0-9 (AWS key ids) */
	int need_digit;     /* "sk-" starts words too: a key has digits */
};

static const struct prefixed prefixes[] = {
	{ "github_pat_", "_", 20, 0, 0, 0 },
	{ "ghp_", "", 30, 0, 0, 0 }, { "gho_", "", 30, 0, 0, 0 }, { "ghu_", "", 30, 0, 0, 0 },
	{ "ghs_", "", 30, 0, 0, 0 }, { "ghr_", "", 30, 0, 0, 0 },
	{ "glpat-", "_-", 20, 0, 0, 0 },
	{ "npm_", "", 30, 0, 0, 0 },
	{ "sk_live_", "", 16, 0, 0, 0 }, { "sk_test_", "", 16, 0, 0, 0 },
	{ "rk_live_", "", 16, 0, 0, 0 }, { "rk_test_", "", 16, 0, 0, 0 },
	{ "whsec_", "", 16, 0, 0, 0 },
	{ "sk-", "_-", 20, 0, 0, 1 },
	{ "xoxb-", "-", 10, 0, 0, 0 }, { "xoxp-", "-", 10, 0, 0, 0 }, { "xoxa-", "-", 10, 0, 0, 0 },
	{ "xoxr-", "-", 10, 0, 0, 0 }, { "xoxs-", "-", 10, 0, 0, 0 }, { "xoxe-", "-", 10, 0, 0, 0 },
	{ "xapp-", "-", 10, 0, 0, 0 },
	{ "SG.", "_-.", 40, 0, 0, 0 },
	{ "AIza", "_-", 30, 0, 0, 0 },
	{ "AKIA", "", 16, 16, 1, 0 }, { "ASIA", "", 16, 16, 1, 0 }, { "AGPA", "", 16, 16, 1, 0 },
	{ "AIDA", "", 16, 16, 1, 0 }, { "AROA", "", 16, 16, 1, 0 }, { "AIPA", "", 16, 16, 1, 0 },
	{ "ANPA", "", 16, 16, 1, 0 }, { "ANVA", "", 16, 16, 1, 0 }, { "ABIA", "", 16, 16, 1, 0 },
	{ "ACCA", "", 16, 16, 1, 0 },
};

static int all_upper_or_digit(const char *s, size_t n)
{
	while (n--) {
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s))
			return 0;
		s++;
	}
	return 1;
}

/* Length of a prefixed token at s (a word start), or 0. */
static size_t prefixed_at(const char *s, const char *end)
{
	size_t i, plen, n;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		const struct prefixed *p = &prefixes[i];

		plen = strlen(p->prefix);
		if ((size_t)(end - s) <= plen || memcmp(s, p->prefix, plen))
			continue;
		n = span(s + plen, end, p->extra);
		if (n < p->min || (p->max && n != p->max))
			continue;
		if (p->upper && !all_upper_or_digit(s + plen, n))
			continue;
		if (p->need_digit && !has_digit(s + plen, n))
			continue;
		return plen + n;
	}
	return 0;
}

/* Length of a JSON Web Token at s: a JOSE header ("eyJ") and two more base64url parts. */
static size_t jwt_at(const char *s, const char *end)
{
	size_t n = 0, part;
	int i;

	if (end - s < 3 || memcmp(s, "eyJ", 3))
		return 0;
	for (i = 0; i < 3; i++) {
		if (i && (s + n >= end || s[n++] != '.'))
			return 0;
		part = span(s + n, end, "_-");
		if (part < 4)
			return 0;
		n += part;
	}
	return n;
}

/* ----------------------------------------------------------------------
 * "Bearer X", "Basic X": the scheme is kept, the credential masked.
 */

static const char *const schemes[] = { "Bearer", "Basic", "Token", "Digest", "Bot" };

/*
 * A credential after a scheme: long enough, and not an English word
 * ("Basic authentication" is prose): digits, base64 padding or mixed case.
 */
static size_t credential_span(const char *s, const char *end)
{
	size_t n = span(s, end, "-._~+/="), i;
	int upper = 0, lower = 0, other = 0;

	if (n < 8)
		return 0;
	for (i = 0; i < n; i++) {
		if (isupper((unsigned char)s[i]))
			upper = 1;
		else if (islower((unsigned char)s[i]))
			lower = 1;
		else
			other = 1;
	}
	return other || (upper && lower) ? n : 0;
}

/* At s, "Scheme credential"? Sets *keep to the length of "Scheme " and returns the whole length. */
static size_t scheme_at(const char *s, const char *end, size_t *keep, int any_scheme)
{
	size_t i, len, n;

	for (i = 0; i < ARRAY_SIZE(schemes); i++) {
		len = strlen(schemes[i]);
		/* Outside a header, only the two schemes that name credentials in prose-free text. */
		if (!any_scheme && i > 1)
			break;
		if ((size_t)(end - s) <= len + 1 || strncasecmp(s, schemes[i], len) || s[len] != ' ')
			continue;
		if ((n = credential_span(s + len + 1, end))) {
			*keep = len + 1;
			return len + 1 + n;
		}
	}
	return 0;
}

/* At s, one of the schemes and a space? Returns the length of both, or 0. */
static size_t scheme_word(const char *s, const char *end)
{
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(schemes); i++) {
		len = strlen(schemes[i]);
		if ((size_t)(end - s) > len + 1 && !strncasecmp(s, schemes[i], len) && s[len] == ' ')
			return len + 1;
	}
	return 0;
}

/* ----------------------------------------------------------------------
 * PEM private keys.
 */

static const char *find(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; s + n <= end; s++)
		if (!memcmp(s, needle, n))
			return s;
	return NULL;
}

/* At s, "-----BEGIN ... PRIVATE KEY-----"? Sets *keep past it and returns the block's length. */
static size_t pem_at(const char *s, const char *end, size_t *keep)
{
	const char *label_end, *stop;

	if (end - s < 11 || memcmp(s, "-----BEGIN ", 11))
		return 0;
	label_end = find(s + 11, end, "-----");
	if (!label_end || label_end - s > 64 || !find(s + 11, label_end, "PRIVATE KEY"))
		return 0;
	/* The line break after the header stays, escaped ("\\n" in JSON) or not. */
	for (label_end += 5; label_end < end; label_end++)
		if (end - label_end >= 2 && label_end[0] == '\\' && label_end[1] == 'n')
			label_end++;
		else if (!isspace((unsigned char)*label_end))
			break;
	*keep = (size_t)(label_end - s);
	stop = find(label_end, end, "-----END ");
	/* The END line is kept: "***" stands between the two; a block cut off is masked to the end. */
	return (size_t)((stop ? stop : end) - s);
}

/* ----------------------------------------------------------------------
 * Credentials in URLs: scheme://user:password@host.
 */

static int authority_char(int c)
{
	return c && !isspace((unsigned char)c) && !strchr("/?#\"'<>\\()[]{}`|,;", c);
}

/*
 * At s, "://" after a scheme. Sets *keep to what stays before the
 * credential and returns the length up to the '@' (the masked part ends
 * there), or 0 when the URL carries none.
 */
static size_t url_credentials_at(const char *s, const char *end, size_t *keep)
{
	const char *a = s + 3, *e = a, *at = NULL, *colon = NULL, *p;

	if (end - s < 3 || memcmp(s, "://", 3))
		return 0;
	while (e < end && authority_char(*e))
		e++;
	for (p = a; p < e; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return 0;
	for (p = a; p < at; p++)
		if (*p == ':') {
			colon = p;
			break;
		}
	if (colon) {
		if (colon + 1 == at || (at - colon - 1 == 3 && !memcmp(colon + 1, MASK, 3)))
			return 0;
		*keep = (size_t)(colon + 1 - s);
		return (size_t)(at - s);
	}
	/* https://TOKEN@host: a long user is a token; "git@" is not. */
	if (at - a < 16)
		return 0;
	*keep = 3;
	return (size_t)(at - s);
}

/* Webhook URLs whose path is the secret. */
static const char *const webhook_hosts[] = {
	"hooks.slack.com/services/", "hooks.slack.com/workflows/", "discord.com/api/webhooks/",
};

static size_t webhook_at(const char *s, const char *end, size_t *keep)
{
	size_t i, len, n;

	for (i = 0; i < ARRAY_SIZE(webhook_hosts); i++) {
		len = strlen(webhook_hosts[i]);
		if ((size_t)(end - s) <= len || memcmp(s, webhook_hosts[i], len))
			continue;
		n = span(s + len, end, "/_-");
		if (n >= 8) {
			*keep = len;
			return len + n;
		}
	}
	return 0;
}

/* ----------------------------------------------------------------------
 * Sensitive keys: password=..., "apiKey": "...", X-Api-Key: ...
 */

static const char *const secret_last_words[] = {
	"password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "credentials",
	"credential", "apikey", "authorization",
};

static const char *const secret_word_pairs[][2] = {
	{ "api", "key" }, { "secret", "key" }, { "private", "key" }, { "access", "key" },
	{ "client", "secret" }, { "account", "key" }, { "auth", "key" }, { "signing", "key" },
	{ "master", "key" }, { "encryption", "key" }, { "app", "secret" }, { "key", "base" },
};

static int key_char(int c)
{
	return alnum(c) || c == '_' || c == '.' || c == '-';
}

/*
 * The last two words of key[0..n): split at _ . - and at a lower-case
 * letter or digit followed by an upper-case one ("apiKey", "X-Api-Key").
 */
static void last_words(const char *key, size_t n, char *last, char *prev, size_t cap)
{
	size_t end = n, start, w;
	char *dst[2] = { last, prev };
	int k;

	last[0] = prev[0] = '\0';
	for (k = 0; k < 2; k++) {
		while (end > 0 && !alnum(key[end - 1]))
			end--;
		start = end;
		while (start > 0 && alnum(key[start - 1])) {
			if (isupper((unsigned char)key[start - 1]) && start - 1 > 0 &&
			    (islower((unsigned char)key[start - 2]) || isdigit((unsigned char)key[start - 2]))) {
				start--;
				break;
			}
			start--;
		}
		for (w = 0; start + w < end && w + 1 < cap; w++)
			dst[k][w] = (char)tolower((unsigned char)key[start + w]);
		dst[k][w] = '\0';
		end = start;
	}
}

/*
 * 0: not a secret's key; 1: it is; 2: only with '=' ("_auth=" in .npmrc,
 * where "auth: login failed" is a log line's prefix).
 */
static int sensitive_key(const char *key, size_t n)
{
	char last[32], prev[32];
	size_t i;

	last_words(key, n, last, prev, sizeof(last));
	if (!strcmp(last, "auth"))
		return 2;
	for (i = 0; i < ARRAY_SIZE(secret_last_words); i++)
		if (!strcmp(last, secret_last_words[i]))
			return 1;
	for (i = 0; i < ARRAY_SIZE(secret_word_pairs); i++)
		if (!strcmp(prev, secret_word_pairs[i][0]) && !strcmp(last, secret_word_pairs[i][1]))
			return 1;
	return 0;
}

/* Values that name no secret: placeholders, references, other structures. */
static int placeholder(const char *v, size_t n)
{
	static const char *const words[] = { "null", "true", "false", "none", "nil", "undefined" };
	size_t i;

	if (!n || *v == '$' || *v == '{' || *v == '[' || *v == '<' || *v == '*')
		return 1;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (n == strlen(words[i]) && !strncasecmp(v, words[i], n))
			return 1;
	return 0;
}

/*
 * At s (a word start), "KEY<sep>VALUE" with a sensitive KEY? The separator
 * is '=', ':' or "=>", with spaces around it and a closing quote after a
 * quoted key. Sets *keep to the length before the value and returns the
 * length up to the value's end.
 */
static size_t key_value_at(const char *s, const char *end, int quoted_key, size_t *keep)
{
	const char *p = s, *v, *ve;
	size_t klen, sk;
	int kind;
	char q;

	while (p < end && p - s <= 64 && key_char(*p))
		p++;
	klen = (size_t)(p - s);
	if (!klen || klen > 64 || !(kind = sensitive_key(s, klen)))
		return 0;
	if (quoted_key && p < end && (*p == '"' || *p == '\''))
		p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '=' && p + 1 < end && p[1] == '>')
		p += 2;
	else if (p < end && *p == '=' && !(p + 1 < end && p[1] == '='))
		p++;
	else if (p < end && *p == ':' && kind == 1 && !(end - p >= 3 && p[1] == '/' && p[2] == '/'))
		p++;
	else
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end)
		return 0;
	if (*p == '"' || *p == '\'') {
		q = *p++;
		/* Escapes: \" in JSON and most languages, '' in YAML's single quotes. */
		for (ve = p; ve < end && *ve != '\n'; ve++) {
			if (*ve == '\\' && ve + 1 < end)
				ve++;
			else if (*ve == q && q == '\'' && ve + 1 < end && ve[1] == '\'')
				ve++;
			else if (*ve == q)
				break;
		}
	} else {
		for (ve = p; ve < end && !isspace((unsigned char)*ve) && !strchr("&,;\"'})]<>", *ve); ve++)
			;
	}
	v = p;
	if (placeholder(v, (size_t)(ve - v)))
		return 0;
	/* "Authorization: Bearer X" keeps its scheme, like a header does. */
	if (scheme_at(v, end, &sk, 1)) {
		*keep = (size_t)(v - s) + sk;
		return (size_t)(v - s) + scheme_at(v, end, &sk, 1);
	}
	/*
	 * A scheme before a value of another shape (short, or "***" already
	 * masked): the scheme stays and the word after it is the value, so
	 * that masking twice changes nothing and "Bearer abc" is no leak.
	 */
	if ((sk = scheme_word(v, end))) {
		const char *w = v + sk, *we = w;
		while (we < end && !isspace((unsigned char)*we) && !strchr("&,;\"'})]<>", *we))
			we++;
		if (placeholder(w, (size_t)(we - w)))
			return 0;
		*keep = (size_t)(w - s);
		return (size_t)(we - s);
	}
	*keep = (size_t)(v - s);
	return (size_t)(ve - s);
}

/* ----------------------------------------------------------------------
 * The pass.
 */

size_t redact_credentials(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	const char *s = sb->buf, *end = sb->buf + sb->len;
	size_t i = 0, n, keep, masked = 0;

	while (i < sb->len) {
		const char *p = s + i;
		char prev = i ? s[i - 1] : ' ';
		int token_start = !(alnum(prev) || prev == '_' || prev == '-');
		int key_start = token_start && prev != '.';

		n = keep = 0;
		if (*p == '-')
			n = pem_at(p, end, &keep);
		if (!n && *p == ':' && i && (alnum(prev) || prev == '+'))
			n = url_credentials_at(p, end, &keep);
		if (!n && (*p == 'h' || *p == 'd'))
			n = webhook_at(p, end, &keep);
		if (!n && token_start && (n = prefixed_at(p, end)))
			keep = 0;
		if (!n && token_start && (n = jwt_at(p, end)))
			keep = 0;
		if (!n && token_start)
			n = scheme_at(p, end, &keep, 0);
		if (!n && key_start && alnum(*p))
			n = key_value_at(p, end, prev == '"' || prev == '\'', &keep);
		if (n) {
			strbuf_add(&out, p, keep);
			strbuf_addstr(&out, MASK);
			masked++;
			i += n;
			continue;
		}
		strbuf_addch(&out, *p);
		i++;
	}
	strbuf_reset(sb);
	strbuf_addbuf(sb, &out);
	strbuf_release(&out);
	return masked;
}

/* ----------------------------------------------------------------------
 * The repository's patterns.
 */

struct redact_patterns {
	regex_t *re;
	size_t nr;
};

int redact_patterns_new(struct redact_patterns **out, char *const *patterns, size_t n)
{
	struct redact_patterns *p = xcalloc(1, sizeof(*p));
	size_t i;

	*out = NULL;
	p->re = xcalloc(n ? n : 1, sizeof(*p->re));
	for (i = 0; i < n; i++) {
		if (regcomp(&p->re[i], patterns[i], REG_EXTENDED) != 0) {
			p->nr = i;
			redact_patterns_free(p);
			return bot_error(BOT_EINVALID, "redact[%zu]: the pattern does not compile", i);
		}
		p->nr = i + 1;
	}
	*out = p;
	return 0;
}

void redact_patterns_free(struct redact_patterns *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++)
		regfree(&p->re[i]);
	free(p->re);
	free(p);
}

size_t redact_patterns_apply(const struct redact_patterns *p, struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	size_t i, masked = 0;

	for (i = 0; p && i < p->nr; i++) {
		const char *s = sb->buf, *end = sb->buf + sb->len;
		regmatch_t m;
		int flags = 0;

		strbuf_reset(&out);
		/* regexec reads up to a NUL: a text holding one is matched a piece at a time. */
		while (s < end) {
			if (!*s) {
				strbuf_addch(&out, '\0');
				s++;
				flags = 0;
				continue;
			}
			if (regexec(&p->re[i], s, 1, &m, flags)) {
				strbuf_addstr(&out, s);
				s += strlen(s);
				continue;
			}
			if (m.rm_eo == m.rm_so) {
				/*
				 * An empty match masks nothing: step over one byte so the
				 * scan moves on (not over the piece's NUL, at its end).
				 */
				size_t step = (size_t)m.rm_so + (s[m.rm_so] ? 1 : 0);
				strbuf_add(&out, s, step);
				s += step;
			} else {
				strbuf_add(&out, s, (size_t)m.rm_so);
				strbuf_addstr(&out, MASK);
				s += m.rm_eo;
				masked++;
			}
			flags = REG_NOTBOL;
		}
		strbuf_reset(sb);
		strbuf_addbuf(sb, &out);
	}
	strbuf_release(&out);
	return masked;
}

void redact_text(const struct redact_patterns *p, struct strbuf *sb)
{
	log_redact(sb);
	redact_credentials(sb);
	redact_patterns_apply(p, sb);
}

void redact_text_held(struct strbuf *sb)
{
	redact_text(NULL, sb);
}
