#ifndef UTIL_TIMEUTIL_H
#define UTIL_TIMEUTIL_H

#include <stdint.h>

#include "util/strbuf.h"

/*
 * Wall-clock time in milliseconds since the Unix epoch, UTC.
 * time_now_ms() honours AUTOFIX_NOW (an RFC 3339 time or epoch seconds) so
 * that tests, scenarios and the demo see a fixed "now".
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
