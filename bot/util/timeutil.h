#ifndef UTIL_TIMEUTIL_H
#define UTIL_TIMEUTIL_H

#include <stdint.h>

#include "util/strbuf.h"

/* Milliseconds in a second, a minute, an hour and a day: their one home. */
#define TIME_MS_PER_SECOND 1000LL
#define TIME_MS_PER_MINUTE (60 * TIME_MS_PER_SECOND)
#define TIME_MS_PER_HOUR (60 * TIME_MS_PER_MINUTE)
#define TIME_MS_PER_DAY (24 * TIME_MS_PER_HOUR)

/*
 * "Now" in milliseconds since the Unix epoch, UTC: AUTOFIX_NOW (an RFC
 * 3339 time or epoch seconds, so that tests, scenarios and the demo see a
 * fixed "now") when it is set, else the wall clock. A value that does not
 * parse, or lies before 2000-01-01 or more than a day after the wall
 * clock (epoch milliseconds given as seconds), is refused: *out_ms is the
 * wall clock and BOT_EINVALID is returned with a message that says why.
 */
int time_now_checked(int64_t *out_ms);

/*
 * The same for a caller that cannot refuse: a refused AUTOFIX_NOW is
 * warned about (once) and the wall clock used; the last error is kept.
 */
int64_t time_now_ms(void);

/*
 * The system's wall clock in milliseconds since the epoch, whatever
 * AUTOFIX_NOW says: for what must follow real time (lock expiry, HTTP
 * cache ages, timed waits).
 */
int64_t time_wall_ms(void);

/* A monotonic clock in milliseconds, for measuring durations. */
int64_t time_monotonic_ms(void);

/* Sleeps ms milliseconds (not at all when ms <= 0), resuming after a signal. */
void time_sleep_ms(long ms);

/*
 * Parses an RFC 3339 / ISO 8601 UTC time ("2026-11-28T10:00:00Z",
 * "2026-11-28T10:00:00.123Z", "2026-11-28T11:00:00+01:00").
 * Returns 0, or BOT_EINVALID with the text in the message.
 */
int time_parse_iso8601(int64_t *out_ms, const char *s);

/* Appends "2026-11-28T10:00:00Z" (milliseconds only when not zero). */
void time_format_iso8601(struct strbuf *sb, int64_t ms);

#endif
