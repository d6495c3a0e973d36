#ifndef UTIL_UNITS_H
#define UTIL_UNITS_H

#include <stdint.h>

#include "util/strbuf.h"

/*
 * Strict parsers and printers for the quantities people write in
 * `.autofix.yml`: durations, percentages and byte sizes. A value is a
 * number immediately followed by its unit, nothing else: no sign, no
 * space, no missing unit. Every run of digits has at most 9 of them, so
 * no accepted text can overflow. config-schema/autofix.schema.json has
 * the same grammars as regular expressions; keep the two in step.
 *
 * Each parser returns 0 and sets *out, or BOT_EINVALID with a message
 * saying what was expected ("expected a duration like '30s', '10m' ...")
 * and leaves *out alone.
 */

#define UNITS_MAX_DIGITS 9

/*
 * A duration: one or more <digits><unit> groups with units d, h, m, s,
 * ms, each unit at most once and largest first ("1h30m", "1500ms",
 * "2m30s"). Zero ("0s") is accepted; a caller that needs a positive
 * duration checks it. *out_ms is in milliseconds.
 */
int units_parse_duration(int64_t *out_ms, const char *s);

/*
 * A percentage: digits, an optional fraction, then '%' ("85%", "0.5%").
 * *out is the fraction (0.85, 0.005). Values above 100% are accepted
 * here; a caller for which they make no sense rejects them.
 */
int units_parse_percent(double *out, const char *s);

/*
 * A byte size: digits, an optional fraction, then a unit: B, kB (or KB),
 * MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
 * "1.5GB" is 1.5e9. *out is in bytes, rounded down to a whole byte.
 */
int units_parse_bytes(double *out, const char *s);

/*
 * Printers whose output the parsers above read back to the same value:
 * the shortest exact compound duration ("1h30m", "0s"), a percentage
 * ("85%", "0.5%"), a size in the largest unit that keeps it whole in its
 * family ("2GiB", "1500MB", "17B"). They append to sb.
 */
void units_format_duration(struct strbuf *sb, int64_t ms);
void units_format_percent(struct strbuf *sb, double fraction);
void units_format_bytes(struct strbuf *sb, double bytes);

#endif
