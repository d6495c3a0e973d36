#include <string.h>

#include "util/error.h"
#include "util/marker.h"
#include "util/banned.h"

#define MARKER_OPEN "<!-- autofix:"
#define MARKER_CLOSE " -->"
#define KEY_MAX 200

static int valid_kind(const char *s, size_t n)
{
	size_t i;

	if (!n || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* "--" would end the HTML comment early in some renderers; '<' '>' could open markup. */
static int valid_key(const char *s, size_t n)
{
	size_t i;

	if (!n || n > KEY_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>')
			return 0;
		if (c == '-' && i + 1 < n && s[i + 1] == '-')
			return 0;
	}
	/* A key ending in '-' would make "- -->" ambiguous for a reader: refuse it. */
	return s[n - 1] != '-';
}

int marker_format(struct strbuf *out, const char *kind, const char *key)
{
	if (!kind || !valid_kind(kind, strlen(kind)))
		return bot_error(BOT_EINVALID, "bad marker kind '%s': expected [a-z0-9_-]+",
				 kind ? kind : "");
	if (!key || !valid_key(key, strlen(key)))
		return bot_error(BOT_EINVALID,
				 "bad marker key '%s': expected 1-%d printable characters without"
				 " spaces, '--', '<' or '>', not ending in '-'", key ? key : "", KEY_MAX);
	strbuf_addf(out, MARKER_OPEN "%s:%s" MARKER_CLOSE, kind, key);
	return 0;
}

/*
 * Parses a marker starting at p (which points at "<!-- autofix:"). On
 * success sets kind/key spans and returns the length of the marker; 0 when
 * it is not a well-formed marker.
 */
static size_t parse_at(const char *p, const char **kind, size_t *kind_len, const char **key,
		       size_t *key_len)
{
	const char *k = p + strlen(MARKER_OPEN), *colon, *end;

	colon = strchr(k, ':');
	end = strstr(k, MARKER_CLOSE);
	if (!colon || !end || colon > end)
		return 0;
	if (!valid_kind(k, (size_t)(colon - k)) || !valid_key(colon + 1, (size_t)(end - colon - 1)))
		return 0;
	*kind = k;
	*kind_len = (size_t)(colon - k);
	*key = colon + 1;
	*key_len = (size_t)(end - colon - 1);
	return (size_t)(end - p) + strlen(MARKER_CLOSE);
}

int marker_find_kind(const char *body, const char *kind, struct strbuf *key_out)
{
	const char *p = body;

	if (!body || !kind)
		return 0;
	while ((p = strstr(p, MARKER_OPEN))) {
		const char *k, *key;
		size_t klen, keylen;

		if (parse_at(p, &k, &klen, &key, &keylen) && klen == strlen(kind) &&
		    !memcmp(k, kind, klen)) {
			if (key_out)
				strbuf_add(key_out, key, keylen);
			return 1;
		}
		p += strlen(MARKER_OPEN);
	}
	return 0;
}

int marker_find(const char *body, const char *kind, const char *key)
{
	const char *p = body;

	if (!body || !kind || !key)
		return 0;
	while ((p = strstr(p, MARKER_OPEN))) {
		const char *k, *ky;
		size_t klen, keylen;

		if (parse_at(p, &k, &klen, &ky, &keylen) && klen == strlen(kind) &&
		    !memcmp(k, kind, klen) && keylen == strlen(key) && !memcmp(ky, key, keylen))
			return 1;
		p += strlen(MARKER_OPEN);
	}
	return 0;
}

int marker_parse(struct strbuf *kind, struct strbuf *key, const char *text)
{
	const char *p = text, *k, *ky;
	size_t klen, keylen, len;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!starts_with(p, MARKER_OPEN))
		return bot_error(BOT_EINVALID, "not an autofix marker: expected '%s' at the start",
				 MARKER_OPEN);
	len = parse_at(p, &k, &klen, &ky, &keylen);
	if (!len)
		return bot_error(BOT_EINVALID,
				 "malformed autofix marker: expected '<!-- autofix:KIND:KEY -->'");
	for (p += len; *p; p++)
		if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			return bot_error(BOT_EINVALID, "text after the autofix marker");
	strbuf_add(kind, k, klen);
	strbuf_add(key, ky, keylen);
	return 0;
}
