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
 * double-quoted string (backslash, quote, newline), {{service_label}} by
 * label (a label name, as is) and {{window}} by the rate() range for
 * step_ms: twice the step, at least 60 s ("120s").
 */
void prometheus_render_query(struct strbuf *out, const char *tmpl, const char *label, const char *service,
			     int64_t step_ms);

/*
 * 1 when tmpl is one query for all services (it has {{services}}), 0 when
 * it is run once per service ({{service}}, or neither).
 */
int prometheus_query_is_for_all(const char *tmpl);

/*
 * Appends tmpl with {{services}} replaced by the distinct names of
 * services[0..services_nr), each with RE2's metacharacters escaped, joined
 * by '|' and escaped for a PromQL double-quoted string (for a `=~`
 * matcher); {{service_label}} and {{window}} as in prometheus_render_query.
 */
void prometheus_render_query_all(struct strbuf *out, const char *tmpl, const char *label,
				 const char *const *services, size_t services_nr, int64_t step_ms);

/*
 * Reads a /api/v1/query_range answer of metric m into s: every series of
 * the matrix folded time by time (added up, or the largest kept when
 * keep_max), each value multiplied by factor. Values go through
 * metric_intake() (metrics.h): one that is not decimal text
 * (metric_parse_decimal()) or that intake refuses is dropped and counted
 * in *bad; "NaN" is a gap. A time repeated within one series is one
 * sample (the last), not two to add. Returns BOT_EINVALID for a malformed
 * answer or a bad_data error, BOT_ERROR for another Prometheus error,
 * with `what` and Prometheus's errorType and message in the message.
 */
int prometheus_read_matrix(struct series *s, size_t *bad, enum metric m, const struct json *root,
			   double factor, int keep_max, const char *what);

/*
 * Reads the answer of a {{services}} query: each series of the matrix goes
 * to outs[i] (its bad samples counted in *bads[i]) for every i whose
 * services[i] equals the series' `label`, folded there as
 * prometheus_read_matrix does. A series of no watched service is ignored;
 * a service no series names gets nothing (no data). Errors as
 * prometheus_read_matrix, and BOT_EINVALID when the answer has series but
 * none carries the label (the template aggregated it away). The series
 * are the caller's; on error they are left as they were.
 */
int prometheus_read_matrix_by(struct series *const *outs, size_t *const *bads,
			      const char *const *services, size_t services_nr,
			      enum metric m, const char *label, const struct json *root, double factor,
			      int keep_max, const char *what);

/*
 * The same from the answer's text, without a JSON tree (a tree of one
 * answer for 1000 services is 25 MiB): the series of a successful matrix
 * go to outs as prometheus_read_matrix_by() (label set) or
 * prometheus_read_matrix() (label NULL, services_nr 1) put them. Returns
 * 1 when it read the answer, 0 when it left it to those (an error
 * status, anything unusual), having changed nothing. body must be
 * NUL-terminated at len (a strbuf is).
 */
int prometheus_read_matrix_text(struct series *const *outs, size_t *const *bads, const char *const *services,
				size_t services_nr, const char *label, enum metric m, const char *body, size_t len,
				double factor, int keep_max);

#endif
