#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"

static void duration_ok(const char *s, int64_t want)
{
	int64_t got = -1;
	int rc = units_parse_duration(&got, s);
	ok(rc == 0 && got == want, "duration '%s' is %lld ms (got %lld, rc %d)", s,
	   (long long)want, (long long)got, rc);
}

static void duration_bad(const char *s, const char *fragment)
{
	int64_t got = 42;
	int rc = units_parse_duration(&got, s);
	ok(rc == BOT_EINVALID && got == 42, "duration '%s' is rejected and *out untouched", s);
	like(bot_error_last(), fragment, "  with a message saying so");
}

static void percent_ok(const char *s, double want)
{
	double got = -1;
	int rc = units_parse_percent(&got, s);
	ok(rc == 0, "percent '%s' parses", s);
	is_double(got, want, 1e-12, "  to %g", want);
}

static void percent_bad(const char *s, const char *fragment)
{
	double got = 42;
	ok(units_parse_percent(&got, s) == BOT_EINVALID && got == 42, "percent '%s' is rejected", s);
	like(bot_error_last(), fragment, "  with a message saying so");
}

static void bytes_ok(const char *s, double want)
{
	double got = -1;
	int rc = units_parse_bytes(&got, s);
	ok(rc == 0 && got == want, "size '%s' is %.0f bytes (got %.0f)", s, want, got);
}

static void bytes_bad(const char *s, const char *fragment)
{
	double got = 42;
	ok(units_parse_bytes(&got, s) == BOT_EINVALID && got == 42, "size '%s' is rejected", s);
	like(bot_error_last(), fragment, "  with a message saying so");
}

static void round_trip_duration(int64_t ms, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t back = -1;

	units_format_duration(&sb, ms);
	is_str(sb.buf, want, "%lld ms prints as '%s'", (long long)ms, want);
	ok(units_parse_duration(&back, sb.buf) == 0 && back == ms, "  and parses back");
	strbuf_release(&sb);
}

static void round_trip_bytes(double b, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	double back = -1;

	units_format_bytes(&sb, b);
	is_str(sb.buf, want, "%.0f bytes print as '%s'", b, want);
	ok(units_parse_bytes(&back, sb.buf) == 0 && back == b, "  and parse back");
	strbuf_release(&sb);
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT;

	duration_ok("30s", 30000);
	duration_ok("10m", 600000);
	duration_ok("24h", 86400000);
	duration_ok("7d", 7LL * 86400000);
	duration_ok("1500ms", 1500);
	duration_ok("1h30m", 5400000);
	duration_ok("2m30s", 150000);
	duration_ok("1d2h3m4s5ms", 93784005);
	duration_ok("1m5ms", 60005);
	duration_ok("0s", 0);
	duration_ok("999999999d", 999999999LL * 86400000);

	duration_bad("10", "no unit");
	duration_bad("10 m", "expected a duration");
	duration_bad("-5m", "expected a duration");
	duration_bad("+5m", "expected a duration");
	duration_bad("1.5.5h", "expected a duration");
	duration_bad("1.5h", "expected a duration");
	duration_bad("", "empty string");
	duration_bad("m", "expected a duration");
	duration_bad("5M", "expected a duration");
	duration_bad("5min", "expected a duration");
	duration_bad("30m1h", "largest first");
	duration_bad("1m1m", "largest first");
	duration_bad("1ms5s", "largest first");
	duration_bad("10m ", "expected a duration");
	duration_bad("99999999999999999999s", "more than 9 digits");
	duration_bad("1000000000ms", "more than 9 digits");

	percent_ok("85%", 0.85);
	percent_ok("0.5%", 0.005);
	percent_ok("100%", 1.0);
	percent_ok("0%", 0.0);
	percent_ok("150%", 1.5);
	percent_ok("12.345%", 0.12345);
	percent_bad("85", "expected a percentage");
	percent_bad("85 %", "expected a percentage");
	percent_bad("-5%", "expected a percentage");
	percent_bad(".5%", "expected a percentage");
	percent_bad("5.%", "expected a percentage");
	percent_bad("5%%", "expected a percentage");
	percent_bad("0.85", "expected a percentage");
	percent_bad("1234567890%", "more than 9 digits");
	percent_bad("", "empty string");

	bytes_ok("512MB", 512e6);
	bytes_ok("2GB", 2e9);
	bytes_ok("2GiB", 2147483648.0);
	bytes_ok("1.5GB", 1.5e9);
	bytes_ok("1.1GB", 1.1e9);
	bytes_ok("100B", 100);
	bytes_ok("4kB", 4000);
	bytes_ok("4KB", 4000);
	bytes_ok("4KiB", 4096);
	bytes_ok("1TiB", 1099511627776.0);
	bytes_ok("0.5KiB", 512);
	bytes_bad("512", "no unit");
	bytes_bad("512 MB", "expected a size");
	bytes_bad("512mb", "expected a size");
	bytes_bad("2G", "expected a size");
	bytes_bad("-2GB", "expected a size");
	bytes_bad("1.5.5GB", "expected a size");
	bytes_bad("1234567890GB", "more than 9 digits");

	round_trip_duration(0, "0s");
	round_trip_duration(5400000, "1h30m");
	round_trip_duration(1500, "1s500ms");
	round_trip_duration(86400000, "1d");
	round_trip_bytes(2e9, "2GB");
	round_trip_bytes(2147483648.0, "2GiB");
	round_trip_bytes(1.5e9, "1500MB");
	round_trip_bytes(17, "17B");
	round_trip_bytes(4096, "4KiB");

	units_format_percent(&sb, 0.85);
	is_str(sb.buf, "85%", "0.85 prints as 85%%");
	strbuf_reset(&sb);
	units_format_percent(&sb, 0.005);
	is_str(sb.buf, "0.5%", "0.005 prints as 0.5%%");
	strbuf_release(&sb);
	return done_testing();
}
