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

/*
 * "No data": a watched service with no usable sample of a signal (memory,
 * CPU, requests, p95 latency: OBSERVATION_SIGNALS in metrics.h) in the
 * window is reported as "no data" for that signal in every form, and one
 * with no data for any signal was not seen at all; nor was one that went
 * silent (data in the window, none in its recent part, not asleep:
 * observation_service_silent(), what a crash looks like). Neither is
 * ever called healthy, and `autofix scan` exits EXIT_NO_DATA when there
 * are no findings. Bad samples the sources dropped (metric_intake()) are
 * counted in every form too.
 *
 * Returns how many watched services the scan did not see, and, when
 * names is not NULL, appends their names to it ("'a', 'b' (nothing since
 * 2026-11-28T09:48:00Z)").
 */
size_t scan_report_unseen(const struct observe_result *observed, const struct findings *found,
			  struct strbuf *names);
/* "no data at all", or "no recent data" when some of those services went silent. */
const char *scan_report_unseen_words(const struct observe_result *observed, const struct findings *found);

/* Appends the text report. */
void scan_report_text(struct strbuf *out, const struct observe_result *observed,
		      const struct findings *found, int dry_run);

/*
 * The JSON form; the caller owns it:
 *   { "dry_run": true, "healthy": false,   (true only with no finding and every service seen)
 *     "no_data": [ "worker" ],              (services not seen at all)
 *     "bad_samples": 2,                     (dropped by the sources, every service)
 *     "window": { "start", "end", "step_s" },
 *     "architecture": <architecture_to_json()>,
 *     "services": [ <service summaries of findings_to_json()>, each with
 *                   "seen": true, "no_data": ["latency_p95"], "bad_samples": 0 ],
 *     "findings": [ <findings of findings_to_json()> ],
 *     "cost": { "requests": 3, "bytes": 51234 } }
 */
/*
 * What investigating and planning made of each finding (scan --plan-only
 * and the full scan): the context gathered (its sections and sizes, what
 * could not be gathered), the outcome, the plan and the agent's task.
 * Multi-line texts are shown line by line, each escaped.
 */
void scan_report_work_text(struct strbuf *out, const struct scan_work *work);
/* Appends the merged fixes the scan followed (work->followups), one line each; nothing when none. */
void scan_report_followups_text(struct strbuf *out, const struct scan_work *work);

struct json *scan_report_json(const struct observe_result *observed, const struct findings *found,
			      int dry_run);

/*
 * Appends the Markdown job summary: a table of services and, per
 * finding, a Mermaid xychart-beta of its evidence against its level.
 */
void scan_report_markdown(struct strbuf *out, const struct observe_result *observed,
			  const struct findings *found);

/*
 * Appends the merged fixes the scan followed (their verdicts), then what
 * the scan did about each finding (the pull request, the issue, or why
 * nothing), sections for the job summary; nothing when work is empty.
 */
void scan_report_markdown_work(struct strbuf *out, const struct scan_work *work);

/* Appends the Mermaid chart of f's evidence against its level (a fenced block), as the summary shows it. */
void scan_report_chart(struct strbuf *out, const struct finding *f);

/*
 * The signal a finding is judged on, from svc's series over [start, end],
 * appended to out: memory and cpu in FIGURE_FRACTION as a fraction of
 * their limits, 4xx and 5xx as a fraction of the requests, anything else
 * as observed; nothing for FIGURE_RATIO (a comparison, not a series).
 */
void scan_report_signal(struct series *out, const struct service_metrics *svc, enum metric m,
			enum figure_unit unit, int64_t start, int64_t end);

/*
 * After a fix: the Mermaid chart of that signal over [start, end] against
 * level (NAN: none), and *peak its largest value (NAN when it has no
 * data, and then nothing is appended).
 */
void scan_report_chart_after(struct strbuf *out, double *peak, const struct service_metrics *svc,
			     enum metric m, enum figure_unit unit, double level, int64_t start, int64_t end);

#endif
