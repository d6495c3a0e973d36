#include <stdint.h>

#include "tap.h"
#include "util/human.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"

static void duration_is(int64_t ms, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	human_add_duration(&sb, ms);
	is_str(sb.buf, want, "%lld ms reads '%s'", (long long)ms, want);
	strbuf_release(&sb);
}

static void percent_is(double f, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	human_add_percent(&sb, f);
	is_str(sb.buf, want, "fraction %g reads '%s'", f, want);
	strbuf_release(&sb);
}

static void bytes_is(double b, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	human_add_bytes(&sb, b);
	is_str(sb.buf, want, "%.0f bytes read '%s'", b, want);
	strbuf_release(&sb);
}

int main(void)
{
	static const int64_t reparse[] = { 45000, 19 * 60000, 19 * 60000 + 30000, 9840000,
					   (3 * 24 + 4) * 3600000LL };
	size_t i;

	duration_is(0, "0ms");
	duration_is(850, "850ms");
	duration_is(999, "999ms");
	duration_is(1000, "1s");
	duration_is(1500, "1.5s");
	duration_is(9949, "9.9s");
	duration_is(9950, "10s");
	duration_is(45000, "45s");
	duration_is(45400, "45s");
	duration_is(59600, "1m");
	duration_is(19 * 60000, "19m");
	duration_is(19 * 60000 + 30000, "19m30s");
	duration_is(2 * 3600000, "2h");
	duration_is(9840000, "2h44m");
	duration_is(9840000 + 29999, "2h44m");
	duration_is(9840000 + 30000, "2h45m");
	duration_is(3600000 - 400, "1h");
	duration_is((3 * 24 + 4) * 3600000LL, "3d4h");
	duration_is((3 * 24 + 4) * 3600000LL + 59 * 60000, "3d5h");
	duration_is(-45000, "-45s");

	/* two units at most, and what people read they can write in .autofix.yml */
	for (i = 0; i < ARRAY_SIZE(reparse); i++) {
		struct strbuf sb = STRBUF_INIT;
		int64_t back = -1;

		human_add_duration(&sb, reparse[i]);
		ok(units_parse_duration(&back, sb.buf) == 0 && back == reparse[i],
		   "'%s' parses back to %lld ms", sb.buf, (long long)reparse[i]);
		strbuf_release(&sb);
	}

	percent_is(0, "0%");
	percent_is(0.85, "85%");
	percent_is(0.853, "85.3%");
	percent_is(0.079, "7.9%");
	percent_is(0.005, "0.5%");
	percent_is(0.0005, "0.05%");
	percent_is(1, "100%");
	percent_is(1.234, "123%");

	bytes_is(512, "512 B");
	bytes_is(12 * 1024, "12 KiB");
	bytes_is(512.0 * 1024 * 1024, "512 MiB");
	bytes_is(1024.0 * 1024 * 1024, "1.0 GiB");
	bytes_is(2.5 * 1024 * 1024 * 1024, "2.5 GiB");

	is_str(human_plural(0, "request", "requests"), "requests", "0 requests");
	is_str(human_plural(1, "request", "requests"), "request", "1 request, not 1 requests");
	is_str(human_plural(2, "request", "requests"), "requests", "2 requests");
	is_str(human_plural(-1, "degree", "degrees"), "degrees", "-1 degrees");
	return done_testing();
}
