#ifndef UTIL_HUMAN_H
#define UTIL_HUMAN_H

#include <stdint.h>

#include "util/strbuf.h"

/*
 * Rounded figures for people to read: finding summaries, the scan report,
 * `autofix runs`. One style everywhere so that the same quantity reads the
 * same in a PR, a job summary and a terminal. These lose precision on
 * purpose; where a value must read back exactly (`validate --print`), use
 * units_format_* from util/units.h instead. Each appends to sb.
 */

/*
 * At most two units, no spaces: "850ms", "1.5s" (tenths below 10 s, when
 * not whole), "45s", "19m30s", "19m", "2h44m", "3d4h"; "0ms" for zero, a
 * leading '-' for a negative value. Rounded to the smaller unit shown.
 * Every output is also a duration units_parse_duration accepts, except
 * the tenths of a second.
 */
void human_add_duration(struct strbuf *sb, int64_t ms);

/*
 * A fraction as a percentage with the digits that matter: "85%", "85.3%",
 * "7.9%", "0.05%" (two decimals below 1%, one below 100%, trailing zeros
 * dropped).
 */
void human_add_percent(struct strbuf *sb, double fraction);

/* Binary units with a space: "512 B", "12 KiB", "512 MiB", "1.0 GiB". */
void human_add_bytes(struct strbuf *sb, double bytes);

/*
 * The word for a count of n: one when n is 1, else many ("0 requests",
 * "1 request", "2 requests"): printf("%d %s", n, human_plural(n, "run", "runs")).
 */
const char *human_plural(int64_t n, const char *one, const char *many);

#endif
