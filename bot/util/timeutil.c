#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/banned.h"

int64_t time_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_iso8601(int64_t *out_ms, const char *s);

int64_t time_now_ms(void)
{
	const char *fixed = env_get("AUTOFIX_NOW");

	if (fixed) {
		static atomic_int warned;
		int64_t ms;
		char *end;
		long long secs = strtoll(fixed, &end, 10);
		if (!*end)
			return (int64_t)secs * 1000;
		if (!parse_iso8601(&ms, fixed))
			return ms;
		/* Said once, not silently: a window taken from the real clock is a different answer. */
		if (!atomic_exchange(&warned, 1))
			log_warning("AUTOFIX_NOW='%s' is neither an RFC 3339 time nor epoch seconds; "
				    "using the real clock", fixed);
	}
	return time_wall_ms();
}

int64_t time_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int time_parse_iso8601(int64_t *out_ms, const char *s)
{
	if (parse_iso8601(out_ms, s) < 0)
		return bot_error(BOT_EINVALID, "'%s' is not an RFC 3339 time like 2026-11-28T10:00:00Z", s);
	return 0;
}

/* The parser itself: 0, or -1 without recording an error. */
static int parse_iso8601(int64_t *out_ms, const char *s)
{
	int y, mo, d, h, mi, sec, ms = 0, off = 0;
	const char *p = s;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) < 19 || digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) ||
	    p[7] != '-' || digits(p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
	    digits(p + 11, 2, &h) || p[13] != ':' || digits(p + 14, 2, &mi) || p[16] != ':' ||
	    digits(p + 17, 2, &sec))
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		goto bad;
	p += 19;
	if (*p == '.') {
		int scale = 100;
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		for (; isdigit((unsigned char)*p); p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			goto bad;
		off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		goto bad;
	}
	if (*p)
		goto bad;
	*out_ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off * 60) * 1000 + ms;
	return 0;
bad:
	return -1;
}

void time_format_iso8601(struct strbuf *sb, int64_t ms)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int rest = (int)(ms - (int64_t)secs * 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addstr(sb, buf);
	if (rest)
		strbuf_addf(sb, ".%03d", rest);
	strbuf_addch(sb, 'Z');
}
