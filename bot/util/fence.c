/*
 * Fenced blocks for untrusted text (fence.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/fence.h"
#include "util/banned.h"

void fence_init(struct fence *f)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[FENCE_NONCE_LEN / 2];
	size_t got = 0;
	ssize_t n;
	int i;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0)
			abort(); /* no randomness: a guessable fence is no fence */
		got += (size_t)n;
	}
	for (i = 0; i < (int)sizeof(raw); i++) {
		f->nonce[2 * i] = hex[raw[i] >> 4];
		f->nonce[2 * i + 1] = hex[raw[i] & 15];
	}
	f->nonce[FENCE_NONCE_LEN] = '\0';
}

/*
 * Length of an invisible code point at s (UTF-8), or 0: zero-width
 * space, non-joiner, joiner, LRM, RLM (U+200B..U+200F), the bidi
 * embeddings and overrides (U+202A..U+202E), word joiner and invisible
 * operators (U+2060..U+2064), the bidi isolates (U+2066..U+2069), the
 * byte order mark (U+FEFF) and the Arabic letter mark (U+061C).
 */
static size_t invisible_at(const unsigned char *s, size_t len)
{
	uint32_t cp;

	if (len >= 2 && s[0] == 0xD8 && s[1] == 0x9C)
		return 2; /* U+061C */
	if (len < 3 || (s[0] & 0xF0) != 0xE0 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
		return 0;
	cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
	if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF)
		return 3;
	return 0;
}

void fence_clean(struct strbuf *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n;
	const char *close;

	while (i < len) {
		if (len - i >= 4 && !memcmp(s + i, "<!--", 4)) {
			/* An HTML comment, unterminated ones to the end: unseen once rendered. */
			close = memmem(s + i + 4, len - i - 4, "-->", 3);
			i = close ? (size_t)((const unsigned char *)close - s) + 3 : len;
			continue;
		}
		if ((n = invisible_at(s + i, len - i))) {
			i += n;
			continue;
		}
		strbuf_addch(out, s[i++]);
	}
}

static void add_label(struct strbuf *out, const char *label)
{
	for (; *label; label++)
		strbuf_addch(out, isalnum((unsigned char)*label) || *label == '-' || *label == '_' ?
			     *label : '_');
}

void fence_add(struct strbuf *out, const struct fence *f, const char *label,
	       const char *text, size_t len)
{
	struct strbuf clean = STRBUF_INIT;

	fence_clean(&clean, text, len);
	/* Only a leak could put the nonce in the text; even then it must not close the block. */
	strbuf_replace_all(&clean, f->nonce, "[nonce]");
	strbuf_addstr(out, "<<<UNTRUSTED ");
	add_label(out, label);
	strbuf_addf(out, " %s>>>\n", f->nonce);
	strbuf_addbuf(out, &clean);
	if (clean.len && clean.buf[clean.len - 1] != '\n')
		strbuf_addch(out, '\n');
	strbuf_addf(out, "<<<END UNTRUSTED %s>>>\n", f->nonce);
	strbuf_release(&clean);
}
