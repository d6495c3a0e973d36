#include <ctype.h>
#include <errno.h>
#include <stdint.h>
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

/* 2000-01-01T00:00:00Z: nothing autofix watches has metrics from before. */
#define NOW_MIN_MS 946684800000LL
/* Clock skew and time zones, not the future: a window ahead of now holds no data. */
#define NOW_MAX_AHEAD_MS TIME_MS_PER_DAY

/*
 * AUTOFIX_NOW, read: 0 with *out_ms set (the wall clock when it is unset),
 * or -1 with *out_ms the wall clock and why it was refused in msg. Records
 * no error: time_now_ms() must not overwrite its caller's.
 */
static int read_now(int64_t *out_ms, struct strbuf *msg)
{
	const char *fixed = env_get("AUTOFIX_NOW");
	int64_t ms, wall = time_wall_ms();
	const char *why = NULL;
	char *end;
	long long secs;

	*out_ms = wall;
	if (!fixed)
		return 0;
	errno = 0;
	secs = strtoll(fixed, &end, 10);
	if (end != fixed && !*end) {
		/* Past these, secs * 1000 would overflow: far outside the range anyway. */
		if (errno || secs > INT64_MAX / 1000 || secs < INT64_MIN / 1000) {
			strbuf_addf(msg, "AUTOFIX_NOW='%s' is out of range: expected a time from "
				    "2000-01-01 to a day after the clock's", fixed);
			return -1;
		}
		ms = (int64_t)secs * 1000;
	} else if (parse_iso8601(&ms, fixed) < 0) {
		strbuf_addf(msg, "AUTOFIX_NOW='%s' is neither an RFC 3339 time nor epoch seconds", fixed);
		return -1;
	}
	if (ms < NOW_MIN_MS)
		why = "before 2000-01-01";
	else if (ms > wall + NOW_MAX_AHEAD_MS)
		why = "more than a day after the clock's time (epoch milliseconds given as seconds?)";
	if (why) {
		strbuf_addf(msg, "AUTOFIX_NOW='%s' is ", fixed);
		time_format_iso8601(msg, ms);
		strbuf_addf(msg, ", %s", why);
		return -1;
	}
	*out_ms = ms;
	return 0;
}

int time_now_checked(int64_t *out_ms)
{
	struct strbuf msg = STRBUF_INIT;
	int err = 0;

	if (read_now(out_ms, &msg) < 0)
		err = bot_error(BOT_EINVALID, "%s", msg.buf);
	strbuf_release(&msg);
	return err;
}

int64_t time_now_ms(void)
{
	static atomic_int warned;
	struct strbuf msg = STRBUF_INIT;
	int64_t ms;

	/* Said once, not silently: a window taken from the real clock is a different answer. */
	if (read_now(&ms, &msg) < 0 && !atomic_exchange(&warned, 1))
		log_warning("%s; using the real clock", msg.buf);
	strbuf_release(&msg);
	return ms;
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
