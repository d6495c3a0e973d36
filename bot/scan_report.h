#ifndef SCAN_REPORT_H
#define SCAN_REPORT_H

#include "config.h"
#include "detect/detect.h"
#include "pipeline.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * What `autofix scan` shows of a scan: the plain-text report for a
 * terminal or a log, its JSON form (`--json`), and the Markdown job
 * summary for GitHub Actions. Pure formatting: the caller owns the
 * inputs and the buffers, nothing is written anywhere.
 */

/* Appends the text report. */
void scan_report_text(struct strbuf *out, const struct observe_result *observed,
		      const struct findings *found, int dry_run);

/*
 * The JSON form; the caller owns it:
 *   { "dry_run": true, "healthy": false,
 *     "window": { "start", "end", "step_s" },
 *     "architecture": <architecture_to_json()>,
 *     "services": [ <service summaries of findings_to_json()> ],
 *     "findings": [ <findings of findings_to_json()> ],
 *     "cost": { "requests": 3, "bytes": 51234 } }
 */
struct json *scan_report_json(const struct observe_result *observed, const struct findings *found,
			      int dry_run);

/*
 * Appends the Markdown job summary: a table of services and, per
 * finding, a Mermaid xychart-beta of its evidence against its level.
 */
void scan_report_markdown(struct strbuf *out, const struct observe_result *observed,
			  const struct findings *found);

#endif
