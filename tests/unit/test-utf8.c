#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "util/strbuf.h"
#include "util/utf8.h"

/* What utf8_add_valid() makes of s, as a C string in buf. */
static const char *mended(struct strbuf *buf, const char *s, size_t n)
{
	strbuf_reset(buf);
	utf8_add_valid(buf, s, n);
	return buf->buf;
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t cp = 0;
	static const struct {
		const char *bytes;
		const char *why;
	} bad[] = {
		{ "\x80", "a lone continuation byte" },
		{ "\xC0\xAF", "an overlong '/' (C0)" },
		{ "\xC1\xBF", "an overlong form (C1)" },
		{ "\xE0\x80\xAF", "an overlong 3-byte form" },
		{ "\xF0\x80\x80\xAF", "an overlong 4-byte form" },
		{ "\xED\xA0\x80", "a surrogate (U+D800)" },
		{ "\xED\xBF\xBF", "a surrogate (U+DFFF)" },
		{ "\xF4\x90\x80\x80", "past U+10FFFF" },
		{ "\xF5\x80\x80\x80", "F5" },
		{ "\xFF", "FF" },
		{ "\xE2\x82", "a sequence cut short" },
		{ "\xC3\x28", "a lead byte followed by ASCII" },
	};
	size_t i;

	is_int(utf8_decode(&cp, "A", 1), 1, "ASCII is one byte");
	ok(utf8_decode(&cp, "\xC3\xA9", 2) == 2 && cp == 0xE9, "U+00E9 in two bytes");
	ok(utf8_decode(&cp, "\xE2\x82\xAC", 3) == 3 && cp == 0x20AC, "U+20AC in three");
	ok(utf8_decode(&cp, "\xED\x9F\xBF", 3) == 3 && cp == 0xD7FF, "U+D7FF, just below the surrogates");
	ok(utf8_decode(&cp, "\xEF\xBF\xBD", 3) == 3 && cp == 0xFFFD, "U+FFFD");
	ok(utf8_decode(&cp, "\xF0\x9F\x94\xB4", 4) == 4 && cp == 0x1F534, "U+1F534 in four");
	ok(utf8_decode(&cp, "\xF4\x8F\xBF\xBF", 4) == 4 && cp == 0x10FFFF, "U+10FFFF, the last");
	ok(utf8_decode(&cp, "\xE2\x82\xAC", 2) == 0, "a sequence longer than the bytes left is not one");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i].bytes);
		ok(utf8_decode(&cp, bad[i].bytes, n) == 0 && !utf8_is_valid(bad[i].bytes, n),
		   "not well-formed: %s", bad[i].why);
	}
	ok(utf8_is_valid("plain \xC3\xA9t\xC3\xA9 \xF0\x9F\x94\xB4", 16), "a well-formed string is valid");
	ok(utf8_is_valid("", 0), "so is the empty one");

	is_str(mended(&sb, "caf\xC3\xA9", 5), "caf\xC3\xA9", "well-formed text is kept as it is");
	is_str(mended(&sb, "a\xFF" "b", 3), "a\xEF\xBF\xBD" "b", "a bad byte becomes U+FFFD");
	is_str(mended(&sb, "\xC3\x28", 2), "\xEF\xBF\xBD(", "a lead byte before ASCII: U+FFFD, then the ASCII");
	is_str(mended(&sb, "\xED\xA0\x80", 3), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
	       "a surrogate: one U+FFFD per byte");
	is_str(mended(&sb, "x\xE2\x82", 3), "x\xEF\xBF\xBD\xEF\xBF\xBD", "a cut sequence at the end");
	mended(&sb, "\x80\xC0\xAF\xF5\xFF\xE2\x82\xAC", 8);
	ok(utf8_is_valid(sb.buf, sb.len), "whatever comes in, what comes out is valid");
	strbuf_release(&sb);
	return done_testing();
}
