#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/decimal.h"
#include "util/strbuf.h"
#include "tap.h"

/* decimal_parse() of the whole of s agrees with strtod() bit for bit. */
static int same_as_strtod(const char *s)
{
	const char *end = NULL;
	double got, want = strtod(s, NULL);

	if (decimal_parse(&got, s, s + strlen(s), &end) < 0 || end != s + strlen(s))
		return 0;
	return !memcmp(&got, &want, sizeof(got));
}

int main(void)
{
	static const char *const exact[] = {
		"0", "-0", "1", "-1", "0.1", "0.3", "-0.3", "123.456", "0.000001", "0.5000000",
		"9007199254740992", "9007199254740993", "-9007199254740993", "18446744073709551616",
		"123456789012345678901234567890", "0.1234567890123456789", "1.7976931348623157e308",
		"1e400", "-1e400", "4.9406564584124654e-324", "1e-400", "2.2250738585072011e-308",
		"1E5", "1e+5", "1.5e-3", "0.0000000000000000000001", "0.00000000000000000000001",
		"1795858200", "1795858200.123", "512000000.0000001",
	};
	static const char *const refused[] = { "", "-", "+1", ".5", "1.", "1.e3", "1e", "1e+", "-a", "x", "Infinity", "NaN" };
	struct strbuf sb = STRBUF_INIT;
	const char *end;
	double v;
	size_t i, good = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (i = 0; i < sizeof(exact) / sizeof(*exact); i++)
		good += same_as_strtod(exact[i]);
	is_int(good, sizeof(exact) / sizeof(*exact), "edge cases read as strtod reads them");
	for (good = 0, i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		good += decimal_parse(&v, refused[i], refused[i] + strlen(refused[i]), &end) < 0;
	is_int(good, sizeof(refused) / sizeof(*refused), "what is not a JSON number is refused");

	/* Random decimals: 1 to 20 digits, the point anywhere, sometimes an exponent. */
	for (good = 0, i = 0; i < 100000; i++) {
		int digits, point, k;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		digits = 1 + (int)(x % 20);
		point = (int)((x >> 8) % (uint64_t)(digits + 1));
		strbuf_reset(&sb);
		if (x & (1 << 20))
			strbuf_addch(&sb, '-');
		for (k = 0; k < digits; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (k == point && k)
				strbuf_addch(&sb, '.');
			strbuf_addch(&sb, (char)('0' + (k == 0 && digits > point && point > 0 ? 1 + x % 9 : x % 10)));
		}
		if (sb.buf[sb.buf[0] == '-'] == '0' && digits > 1 && sb.buf[(sb.buf[0] == '-') + 1] != '.')
			sb.buf[sb.buf[0] == '-'] = '1'; /* no leading zero: JSON has none */
		if ((x >> 30) % 8 == 0)
			strbuf_addf(&sb, "e%d", (int)((x >> 40) % 40) - 20);
		good += same_as_strtod(sb.buf);
	}
	is_int(good, 100000, "100000 random decimals read as strtod reads them");

	/* A number longer than the stack copy. */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "1.");
	for (i = 0; i < 200; i++)
		strbuf_addch(&sb, (char)('0' + i % 10));
	ok(same_as_strtod(sb.buf), "a number of 200 digits");

	/* The end: what follows is not read; limit bounds the text. */
	ok(!decimal_parse(&v, "12,3", "12,3" + 4, &end) && v == 12 && *end == ',', "stops before a comma");
	ok(!decimal_parse(&v, "0123", "0123" + 4, &end) && v == 0 && end[0] == '1', "a leading zero is a number of its own");
	ok(!decimal_parse(&v, "125", "125" + 2, &end) && v == 12 && *end == '5', "does not read at or past limit");
	ok(decimal_parse(&v, "1.5", "1.5" + 2, &end) < 0, "a point with no digit before limit is refused");
	ok(!decimal_parse(&v, "-0", "-0" + 2, &end) && v == 0 && signbit(v), "-0 is -0");
	ok(!decimal_parse(&v, "0.1}", "0.1}" + 4, &end) && v == 0.1 && *end == '}', "0.1 is the double nearest 0.1");
	ok(!decimal_parse(&v, "9007199254740993", "9007199254740993" + 16, &end) && v == 9007199254740992.0,
	   "past 2^53, rounded as strtod rounds");
	ok(!decimal_parse(&v, "2e3 ", "2e3 " + 4, &end) && v == 2000 && *end == ' ', "an exponent");
	ok(!decimal_parse(NULL, "1.5e3,", "1.5e3," + 6, &end) && *end == ',', "out NULL: the syntax checked, nothing read");
	ok(decimal_parse(NULL, "1.e3", "1.e3" + 4, &end) < 0, "  and refused as with out");
	strbuf_release(&sb);
	return done_testing();
}
