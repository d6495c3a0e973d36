/* Rounded durations, percentages and sizes for people (see human.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/human.h"
#include "util/timeutil.h"
#include "util/banned.h"

static const struct {
	const char *name;
	int64_t ms;
} units[] = {
	{ "d", TIME_MS_PER_DAY }, { "h", TIME_MS_PER_HOUR }, { "m", TIME_MS_PER_MINUTE },
	{ "s", TIME_MS_PER_SECOND },
};

/* The index of the largest unit that ms reaches (ms >= 1000). */
static size_t top_unit(int64_t ms)
{
	size_t u = 0;

	while (ms < units[u].ms)
		u++;
	return u;
}

void human_add_duration(struct strbuf *sb, int64_t ms)
{
	size_t top, small;
	int64_t step, rounded;

	if (ms < 0) {
		strbuf_addch(sb, '-');
		ms = ms == INT64_MIN ? INT64_MAX : -ms;
	}
	if (ms < 1000) {
		strbuf_addf(sb, "%" PRId64 "ms", ms);
		return;
	}
	if (ms < 9950) {
		/* tenths, so that a 1.5 s latency does not read as 2 s */
		int64_t tenths = (ms + 50) / 100;
		if (tenths % 10)
			strbuf_addf(sb, "%" PRId64 ".%" PRId64 "s", tenths / 10, tenths % 10);
		else
			strbuf_addf(sb, "%" PRId64 "s", tenths / 10);
		return;
	}
	top = top_unit(ms);
	small = top + 1 < sizeof(units) / sizeof(units[0]) ? top + 1 : top;
	step = units[small].ms;
	rounded = (ms / step + (ms % step >= step / 2)) * step;
	/* rounding up may reach the next unit: 59m59.6s is 1h */
	if (top > 0 && rounded >= units[top - 1].ms)
		top--;
	strbuf_addf(sb, "%" PRId64 "%s", rounded / units[top].ms, units[top].name);
	if (small != top && rounded % units[top].ms >= units[small].ms) {
		int64_t rest = rounded % units[top].ms;
		size_t u = top + 1;
		strbuf_addf(sb, "%" PRId64 "%s", rest / units[u].ms, units[u].name);
	}
}

/* Appends v with at most decimals digits after the point, trailing zeros dropped. */
static void add_trimmed(struct strbuf *sb, double v, int decimals)
{
	char tmp[64];
	size_t len;

	snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	len = strlen(tmp);
	if (memchr(tmp, '.', len)) {
		while (tmp[len - 1] == '0')
			len--;
		if (tmp[len - 1] == '.')
			len--;
	}
	strbuf_add(sb, tmp, len);
}

void human_add_percent(struct strbuf *sb, double fraction)
{
	double pct = fraction * 100;

	if (fabs(pct) < 1)
		add_trimmed(sb, pct, 2);
	else if (fabs(pct) < 100)
		add_trimmed(sb, pct, 1);
	else
		add_trimmed(sb, pct, 0);
	strbuf_addch(sb, '%');
}

void human_add_bytes(struct strbuf *sb, double b)
{
	if (b >= 1024.0 * 1024 * 1024)
		strbuf_addf(sb, "%.1f GiB", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024.0 * 1024)
		strbuf_addf(sb, "%.0f MiB", b / (1024.0 * 1024));
	else if (b >= 1024.0)
		strbuf_addf(sb, "%.0f KiB", b / 1024.0);
	else
		strbuf_addf(sb, "%.0f B", b);
}

const char *human_plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}
