/* Levels held for `for`: the rule a careful alerting setup would write, done with care. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "detect/series_math.h"
#include "util/error.h"
#include "util/human.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const struct series *series_for_level(const struct level_input *in, const struct level *lv,
					     enum figure_unit *unit)
{
	switch (lv->unit) {
	case LEVEL_FRACTION: *unit = FIGURE_FRACTION; return in->fraction;
	case LEVEL_MS: *unit = FIGURE_MS; return in->ms;
	case LEVEL_BYTES: *unit = FIGURE_BYTES; return in->bytes;
	default: return NULL;
	}
}

static double threshold_confidence(const struct hold *h, int64_t for_ms, double level)
{
	/* Held twice as long as required and well over the level: near certain. */
	double held = (double)(h->last - h->onset);
	double dur = for_ms > 0 ? held / (2.0 * (double)for_ms) : 1.0;
	double margin = level > 0 ? (h->mean - level) / level / 0.5 : 1.0;

	if (dur > 1)
		dur = 1;
	if (margin > 1)
		margin = 1;
	if (margin < 0)
		margin = 0;
	return 0.5 + 0.3 * dur + 0.2 * margin;
}

/*
 * series_hold(), and for rates a check of the run as a whole: a few
 * failed requests make a high ratio on a quiet service without being an
 * incident, so the run must hold RATE_MIN_ERRORS errors and its rate's
 * 95% lower bound (Wilson) must reach the level. A run that fails is
 * skipped and the next one tried.
 */
static int rate_hold(struct hold *h, const struct series *s, const struct level_input *in,
		     double level, int64_t for_ms, int64_t max_gap)
{
	struct series view = *s;

	while (series_hold(h, &view, level, for_ms, max_gap)) {
		double k, n;
		size_t skip = 0;

		if (!in->errors)
			return 1;
		k = series_sum(in->errors, h->onset, h->last);
		n = series_sum(in->requests, h->onset, h->last);
		if (k >= RATE_MIN_ERRORS && stat_wilson_lower(k, n, RATE_CONFIDENCE_Z) >= level) {
			h->ongoing = h->last == s->items[s->nr - 1].t;
			return 1;
		}
		while (skip < view.nr && view.items[skip].t <= h->last)
			skip++;
		view.items += skip;
		view.nr -= skip;
	}
	return 0;
}

void detect_eval_levels(struct svc_ctx *c, enum signal sig, const struct level_input *in)
{
	const struct threshold *th = &c->th[sig];
	const struct level *levels[2] = { &th->critical, &th->warning };
	enum severity sevs[2] = { SEVERITY_CRITICAL, SEVERITY_WARNING };
	int i;

	if (!th->enabled)
		return;
	for (i = 0; i < 2; i++) {
		const struct series *s;
		struct finding *fd;
		enum figure_unit unit = FIGURE_FRACTION;
		struct strbuf sb = STRBUF_INIT;
		struct hold h;

		if (levels[i]->unit == LEVEL_UNSET)
			continue;
		s = series_for_level(in, levels[i], &unit);
		if (!s || series_count_finite(s) < (size_t)(th->min_samples > 0 ? th->min_samples : 1))
			continue;
		if (!rate_hold(&h, s, in, levels[i]->value, th->for_ms, c->max_gap))
			continue;

		fd = detect_new_finding(c, in->kind, sevs[i], METHOD_THRESHOLD);
		fd->observed = h.mean;
		fd->threshold = levels[i]->value;
		fd->unit = unit;
		detect_set_onset(c, fd, h.onset);
		fd->detected = h.fired;
		fd->ongoing = h.ongoing;
		fd->evidence_metric = in->metric;
		fd->evidence_unit = unit;
		fd->evidence_level = levels[i]->value;
		detect_copy_series(&fd->evidence, s);
		fd->confidence = threshold_confidence(&h, th->for_ms, levels[i]->value);

		strbuf_addf(&sb, "%s ", detect_signal_word(in->kind));
		detect_add_figure(&sb, h.mean, unit);
		strbuf_addstr(&sb, " (>= ");
		detect_add_figure(&sb, levels[i]->value, unit);
		strbuf_addstr(&sb, ") for ");
		human_add_duration(&sb, h.last - h.onset);
		strbuf_addf(&sb, " over %zu %s", h.samples, human_plural((int64_t)h.samples, "sample", "samples"));
		if (in->context)
			strbuf_addf(&sb, ", %s", in->context);
		fd->reason = strbuf_detach(&sb, NULL);

		strbuf_addf(&sb, "%s: %s %s ", c->svc->name, severity_name(fd->severity),
			    detect_signal_word(in->kind));
		if (in->kind == FINDING_MEMORY_PRESSURE || in->kind == FINDING_CPU_SATURATION ||
		    in->kind == FINDING_DISK_PRESSURE) {
			detect_add_figure(&sb, h.mean, unit);
			if (unit == FIGURE_FRACTION)
				strbuf_addstr(&sb, in->kind == FINDING_DISK_PRESSURE ?
					      " of the volume's size" : " of the limit");
		} else {
			detect_add_figure(&sb, h.mean, unit);
		}
		strbuf_addstr(&sb, " (level ");
		detect_add_figure(&sb, levels[i]->value, unit);
		strbuf_addstr(&sb, ") for ");
		human_add_duration(&sb, h.last - h.onset);
		strbuf_addstr(&sb, " since ");
		detect_add_time(&sb, h.onset);
		if (fd->deployment)
			strbuf_addf(&sb, ", after deployment %s", fd->deployment);
		if (!h.ongoing)
			strbuf_addstr(&sb, " (recovered by the end of the window)");
		fd->summary = strbuf_detach(&sb, NULL);
		return;
	}
}
