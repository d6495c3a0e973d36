#include <stddef.h>
#include <stdint.h>

#include "util/utf8.h"
#include "util/banned.h"

#define REPLACEMENT "\xEF\xBF\xBD"

static int continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

size_t utf8_decode(uint32_t *cp, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0; /* below is overlong */
		else if (s[0] == 0xED)
			hi = 0x9F; /* above are the surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xF0)
			lo = 0x90; /* below is overlong */
		else if (s[0] == 0xF4)
			hi = 0x8F; /* above is past U+10FFFF */
	} else {
		return 0; /* a continuation byte, C0/C1 (overlong ASCII) or F5-FF */
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if (!continuation(s[i]))
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	*cp = c;
	return len;
}

int utf8_is_valid(const char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if (!(k = utf8_decode(&cp, s + i, n - i)))
			return 0;
		i += k;
	}
	return 1;
}

void utf8_add_valid(struct strbuf *out, const char *s, size_t n)
{
	size_t i = 0, start = 0, k;
	uint32_t cp;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_decode(&cp, s + i, n - i))) {
			i += k;
			continue;
		}
		strbuf_add(out, s + start, i - start);
		strbuf_addstr(out, REPLACEMENT);
		start = ++i;
	}
	strbuf_add(out, s + start, n - start);
}
