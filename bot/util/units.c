/*
 * Durations, percentages and byte sizes (see units.h). The grammars are
 * deliberately narrow: a config that says "10" or "10 m" is more likely a
 * mistake than a wish, and rejecting it with an example beats guessing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/timeutil.h"
#include "util/units.h"
#include "util/banned.h"

#define DURATION_EXPECTED "expected a duration like '30s', '10m', '24h', '1500ms' or '1h30m'"
#define PERCENT_EXPECTED "expected a percentage like '85%%' or '0.5%%'"
#define BYTES_EXPECTED "expected a size like '512MB', '2GB' or '1.5GiB'"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads 1..UNITS_MAX_DIGITS digits at *p into *out and advances *p.
 * Returns the number of digits read, 0 when there is none, -1 when there
 * are too many.
 */
static int read_digits(const char **p, int64_t *out)
{
	int n = 0;
	int64_t v = 0;

	while (is_digit(**p)) {
		if (++n > UNITS_MAX_DIGITS)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return n;
}

/* Digits, then an optional '.' and more digits; *out the decimal value. */
static int read_decimal(const char **p, double *out)
{
	int64_t whole, frac = 0;
	int n, nf = 0;

	n = read_digits(p, &whole);
	if (n <= 0)
		return n;
	if (**p == '.') {
		(*p)++;
		nf = read_digits(p, &frac);
		if (nf <= 0)
			return nf < 0 ? -1 : 0;
	}
	*out = (double)whole + (double)frac / pow(10, nf);
	return n;
}

static const struct {
	const char *name;
	int64_t ms;
} duration_units[] = {
	{ "d", TIME_MS_PER_DAY }, { "h", TIME_MS_PER_HOUR }, { "m", TIME_MS_PER_MINUTE },
	{ "s", TIME_MS_PER_SECOND }, { "ms", 1 },
};

int units_parse_duration(int64_t *out_ms, const char *s)
{
	const char *p = s;
	int64_t total = 0;
	size_t next_unit = 0; /* units must come largest first, each once */

	if (!s || !*s)
		return bot_error(BOT_EINVALID, DURATION_EXPECTED ", found an empty string");
	while (*p) {
		int64_t n;
		int digits = read_digits(&p, &n);
		size_t u, len;

		if (digits < 0)
			return bot_error(BOT_EINVALID, "'%s' has a number of more than %d digits",
					 s, UNITS_MAX_DIGITS);
		if (!digits)
			return bot_error(BOT_EINVALID, DURATION_EXPECTED ", found '%s'", s);
		if (p[0] == 'm' && p[1] == 's')
			u = 4;
		else if (!*p)
			return bot_error(BOT_EINVALID, DURATION_EXPECTED ", found '%s' (no unit)", s);
		else {
			for (u = 0; u < 4; u++)
				if (*p == duration_units[u].name[0])
					break;
			if (u == 4)
				return bot_error(BOT_EINVALID, DURATION_EXPECTED ", found '%s'", s);
		}
		if (u < next_unit)
			return bot_error(BOT_EINVALID, DURATION_EXPECTED
					 ", found '%s' (units largest first, each once)", s);
		len = strlen(duration_units[u].name);
		p += len;
		next_unit = u + 1;
		total += n * duration_units[u].ms;
	}
	*out_ms = total;
	return 0;
}

int units_parse_percent(double *out, const char *s)
{
	const char *p = s;
	double v = 0;
	int n;

	if (!s || !*s)
		return bot_error(BOT_EINVALID, PERCENT_EXPECTED ", found an empty string");
	n = read_decimal(&p, &v);
	if (n < 0)
		return bot_error(BOT_EINVALID, "'%s' has a number of more than %d digits",
				 s, UNITS_MAX_DIGITS);
	if (!n || strcmp(p, "%"))
		return bot_error(BOT_EINVALID, PERCENT_EXPECTED ", found '%s'", s);
	*out = v / 100;
	return 0;
}

static const struct {
	const char *name;
	double factor;
} byte_units[] = {
	{ "B", 1 },
	{ "kB", 1e3 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "TB", 1e12 },
	{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
	{ "TiB", 1099511627776.0 },
};

int units_parse_bytes(double *out, const char *s)
{
	const char *p = s;
	double v = 0;
	size_t i;
	int n;

	if (!s || !*s)
		return bot_error(BOT_EINVALID, BYTES_EXPECTED ", found an empty string");
	n = read_decimal(&p, &v);
	if (n < 0)
		return bot_error(BOT_EINVALID, "'%s' has a number of more than %d digits",
				 s, UNITS_MAX_DIGITS);
	if (!n)
		return bot_error(BOT_EINVALID, BYTES_EXPECTED ", found '%s'", s);
	for (i = 0; i < sizeof(byte_units) / sizeof(byte_units[0]); i++)
		if (!strcmp(p, byte_units[i].name)) {
			/* 1.1 * 1e9 is 1100000000.0000002: round before flooring */
			*out = floor(nearbyint(v * byte_units[i].factor * 1e6) / 1e6);
			return 0;
		}
	return bot_error(BOT_EINVALID, BYTES_EXPECTED ", found '%s'%s", s,
			 *p ? "" : " (no unit)");
}

void units_format_duration(struct strbuf *sb, int64_t ms)
{
	size_t u;

	if (ms <= 0) {
		strbuf_addstr(sb, ms < 0 ? "-" : "0s");
		if (ms == 0)
			return;
		ms = -ms;
	}
	for (u = 0; u < sizeof(duration_units) / sizeof(duration_units[0]); u++) {
		int64_t n = ms / duration_units[u].ms;
		if (n) {
			strbuf_addf(sb, "%lld%s", (long long)n, duration_units[u].name);
			ms -= n * duration_units[u].ms;
		}
	}
}

/* Appends v with up to 9 decimals and no trailing zeros. */
static void add_decimal(struct strbuf *sb, double v)
{
	char tmp[64];
	size_t len;

	snprintf(tmp, sizeof(tmp), "%.9f", v);
	len = strlen(tmp);
	while (len > 0 && tmp[len - 1] == '0')
		len--;
	if (len > 0 && tmp[len - 1] == '.')
		len--;
	strbuf_add(sb, tmp, len);
}

void units_format_percent(struct strbuf *sb, double fraction)
{
	add_decimal(sb, fraction * 100);
	strbuf_addch(sb, '%');
}

void units_format_bytes(struct strbuf *sb, double bytes)
{
	/* largest unit first, whichever family divides the value exactly */
	static const int order[] = { 9, 5, 8, 4, 7, 3, 6, 1 };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		double f = byte_units[order[i]].factor, q = bytes / f;
		if (q >= 1 && q == floor(q) && q < 1e9) {
			strbuf_addf(sb, "%.0f%s", q, byte_units[order[i]].name);
			return;
		}
	}
	strbuf_addf(sb, "%.0fB", floor(bytes));
}
