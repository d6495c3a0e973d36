#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/decimal.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define EXACT_INT_MAX (UINT64_C(1) << 53)

static int is_digit(const char *p, const char *limit)
{
	return p < limit && *p >= '0' && *p <= '9';
}

int decimal_parse(double *out, const char *p, const char *limit, const char **end)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
					1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *q = p;
	uint64_t n = 0;
	int neg = 0, exact = 1, frac = 0;

	if (q < limit && *q == '-')
		neg = 1, q++;
	if (!is_digit(q, limit))
		return -1;
	if (*q == '0') {
		q++;
	} else {
		for (; is_digit(q, limit); q++) {
			n = n * 10 + (uint64_t)(*q - '0');
			if (n > EXACT_INT_MAX)
				exact = 0, n = 0; /* strtod's job; stays 0 so that it cannot overflow */
		}
	}
	if (q < limit && *q == '.') {
		if (!is_digit(++q, limit))
			return -1;
		for (; is_digit(q, limit); q++, frac++) {
			n = n * 10 + (uint64_t)(*q - '0');
			if (n > EXACT_INT_MAX)
				exact = 0, n = 0;
		}
	}
	if (q < limit && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < limit && (*q == '+' || *q == '-'))
			q++;
		if (!is_digit(q, limit))
			return -1;
		while (is_digit(q, limit))
			q++;
		exact = 0;
	}
	if (!out) {
		/* Only the syntax asked for. */
	} else if (exact && frac < (int)(sizeof(pow10) / sizeof(*pow10))) {
		double v = (double)n / pow10[frac];
		*out = neg ? -v : v;
	} else {
		/* strtod() on a copy: the text need not end after the number. */
		char buf[64], *copy = (size_t)(q - p) < sizeof(buf) ? buf : xmalloc((size_t)(q - p) + 1);
		memcpy(copy, p, (size_t)(q - p));
		copy[q - p] = '\0';
		*out = strtod(copy, NULL);
		if (copy != buf)
			free(copy);
	}
	*end = q;
	return 0;
}
