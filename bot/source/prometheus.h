#ifndef SOURCE_PROMETHEUS_H
#define SOURCE_PROMETHEUS_H

#include <stdint.h>

#include "metrics.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * The Prometheus source's query rendering and answer reading, exported
 * for tests. The ops table is in source.h.
 */

/*
 * Appends tmpl with {{service}} replaced by service escaped for a PromQL
 * double-quoted string (backslash, quote, newline) and {{window}} by the
 * rate() range for step_ms: twice the step, at least 60 s ("120s").
 */
void prometheus_render_query(struct strbuf *out, const char *tmpl, const char *service, int64_t step_ms);

/*
 * Reads a /api/v1/query_range answer into s: every series of the matrix
 * folded sample by sample (added up, or the largest kept when keep_max),
 * each value multiplied by factor; NaN and infinite values become NAN
 * (missing). Returns BOT_EINVALID for a malformed answer or a bad_data
 * error, BOT_ERROR for another Prometheus error, with `what` and
 * Prometheus's errorType and message in the message.
 */
int prometheus_read_matrix(struct series *s, const struct json *root, double factor, int keep_max,
			   const char *what);

#endif
