#include <stdlib.h>

#include "tap.h"
#include "lib/log-capture.h"
#include "util/error.h"
#include "util/timeutil.h"

static const char *fmt(int64_t ms)
{
	static struct strbuf sb = STRBUF_INIT;
	strbuf_reset(&sb);
	time_format_iso8601(&sb, ms);
	return sb.buf;
}

int main(void)
{
	int64_t ms;

	ok(time_parse_iso8601(&ms, "1970-01-01T00:00:00Z") == 0 && ms == 0, "the epoch is 0");
	ok(time_parse_iso8601(&ms, "2026-11-28T10:00:00Z") == 0 && ms == 1795860000000LL,
	   "a UTC time");
	ok(time_parse_iso8601(&ms, "2026-11-28T11:00:00+01:00") == 0 && ms == 1795860000000LL,
	   "an offset is applied");
	ok(time_parse_iso8601(&ms, "2026-11-28T10:00:00.250Z") == 0 && ms == 1795860000250LL,
	   "fractions of a second");
	ok(time_parse_iso8601(&ms, "2024-02-29T00:00:00Z") == 0, "a leap day");
	ok(time_parse_iso8601(&ms, "2026-13-01T00:00:00Z") == BOT_EINVALID, "month 13 is rejected");
	ok(time_parse_iso8601(&ms, "2026-11-28T10:00:00") == BOT_EINVALID, "a time without zone is rejected");
	ok(time_parse_iso8601(&ms, "2026-11-28T10:00:00Zjunk") == BOT_EINVALID, "trailing text is rejected");
	like(bot_error_last(), "'2026-11-28T10:00:00Zjunk' is not an RFC 3339 time", "the message quotes the input");
	is_str(fmt(1795860000000LL), "2026-11-28T10:00:00Z", "formatting");
	is_str(fmt(1795860000250LL), "2026-11-28T10:00:00.250Z", "formatting keeps milliseconds");

	setenv("AUTOFIX_NOW", "2026-11-28T10:00:00Z", 1);
	is_int(time_now_ms(), 1795860000000LL, "AUTOFIX_NOW fixes the clock");
	setenv("AUTOFIX_NOW", "1795860000", 1);
	is_int(time_now_ms(), 1795860000000LL, "in epoch seconds too");

	/* A sane range: not before 2000, not more than a day after the clock. */
	{
		int64_t now, wall = time_wall_ms();
		struct strbuf sb = STRBUF_INIT;

		setenv("AUTOFIX_NOW", "0", 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "AUTOFIX_NOW=0 (1970) is refused");
		like(bot_error_last(), "AUTOFIX_NOW='0' is 1970-01-01T00:00:00Z, before 2000-01-01",
		     "saying what it means and why");
		ok(now >= wall && now < wall + 60000, "the clock is given instead");
		setenv("AUTOFIX_NOW", "-1", 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "a negative epoch is refused");
		setenv("AUTOFIX_NOW", "1999-12-31T23:59:59Z", 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "one second before 2000 is refused");
		setenv("AUTOFIX_NOW", "2000-01-01T00:00:00Z", 1);
		ok(time_now_checked(&now) == 0 && now == 946684800000LL, "2000-01-01 itself is accepted");
		/* Epoch milliseconds given as seconds: the year 58877. */
		setenv("AUTOFIX_NOW", "1795860000000", 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "epoch milliseconds are refused");
		like(bot_error_last(), "more than a day after the clock", "as too far ahead");
		setenv("AUTOFIX_NOW", "99999999999999999999", 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "a number past 64 bits is refused");
		setenv("AUTOFIX_NOW", "9223372036854775", 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "seconds whose milliseconds overflow are refused");
		strbuf_addf(&sb, "%lld", (long long)(wall / 1000 + 23 * 3600));
		setenv("AUTOFIX_NOW", sb.buf, 1);
		ok(time_now_checked(&now) == 0, "23 hours ahead of the clock is accepted (skew)");
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%lld", (long long)(wall / 1000 + 25 * 3600));
		setenv("AUTOFIX_NOW", sb.buf, 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "25 hours ahead is refused");
		setenv("AUTOFIX_NOW", "yesterday", 1);
		ok(time_now_checked(&now) == BOT_EINVALID, "text that is no time is refused");
		unsetenv("AUTOFIX_NOW");
		ok(time_now_checked(&now) == 0 && now >= wall && now < wall + 60000, "unset: the clock");
		strbuf_release(&sb);
	}

	{
		struct strbuf logged = STRBUF_INIT;
		FILE *f;
		int64_t before = time_wall_ms(), now;

		setenv("AUTOFIX_NOW", "yesterday", 1);
		bot_error(BOT_ENOTFOUND, "the caller's own error");
		f = log_capture_start();
		now = time_now_ms();
		time_now_ms();
		log_capture_end(f, &logged);
		ok(now >= before && now < before + 60000, "a bad AUTOFIX_NOW falls back to the real clock");
		is_str(logged.buf, "warning: AUTOFIX_NOW='yesterday' is neither an RFC 3339 time nor epoch "
		       "seconds; using the real clock\n", "saying so once");
		is_str(bot_error_last(), "the caller's own error", "without overwriting the caller's last error");
		strbuf_release(&logged);
	}
	return done_testing();
}
