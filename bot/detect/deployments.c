/*
 * Deployments that failed, crashed or hang, from the statuses the source
 * reports (Railway's DeploymentStatus words). The rule looks at the
 * service's newest deployment that counts:
 *
 *   FAILED                      deployment_failed: its build or pre-deploy step
 *                               failed; warning while an earlier deployment (or,
 *                               when none is listed, recent samples) shows that
 *                               something still serves, critical otherwise
 *   CRASHED                     deployment_crashed, critical (unless a memory
 *                               crash loop already explains the crashes)
 *   QUEUED, WAITING, INITIALIZING,
 *   BUILDING, DEPLOYING         in progress: deployment_stuck (warning) once
 *                               older than detect.deployments.stuck_after
 *   SUCCESS, SLEEPING,
 *   NEEDS_APPROVAL              not incidents
 *   REMOVED, REMOVING, SKIPPED  do not count: the rule looks at the one before
 *
 * A service that keeps restarting (RESTART_LOOP restarts or more in the
 * window, from a source that counts them: Prometheus's `restarts`
 * template) is deployment_crashed too, whatever the status says.
 *
 * So a failed build followed by a successful one is nothing (recovered),
 * and a failed build followed by one still building waits for that build.
 * Each finding is about one commit (else one deployment id when the source
 * names no commit): the commit is its subject and part of its fingerprint,
 * so one broken commit is one finding however many scans see it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "detect/series_math.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* A commit is named by this many hex digits in summaries, as git does. */
#define SHORT_SHA 7
/* This many restarts in the window is a crash loop. */
#define RESTART_LOOP 3
static int status_is(const struct deployment *d, const char *const *words)
{
	for (; *words; words++)
		if (d->status && !strcmp(d->status, *words))
			return 1;
	return 0;
}

static const char *const not_counted[] = { "REMOVED", "REMOVING", "SKIPPED", NULL };
static const char *const in_progress[] = { "QUEUED", "WAITING", "INITIALIZING", "BUILDING", "DEPLOYING", NULL };
static const char *const serving[] = { "SUCCESS", "SLEEPING", NULL };

/* The newest deployment created at or before t (index below `below`) that counts, or NULL. */
static const struct deployment *newest_counted(const struct service_metrics *svc, size_t below, int64_t t)
{
	size_t i;

	for (i = below; i-- > 0;) {
		const struct deployment *d = &svc->deployments[i];
		if (d->at <= t && !status_is(d, not_counted))
			return d;
	}
	return NULL;
}

/* The newest deployment before index `below` that serves (SUCCESS or SLEEPING), or NULL. */
static const struct deployment *serving_before(const struct service_metrics *svc, size_t below)
{
	size_t i;

	for (i = below; i-- > 0;)
		if (status_is(&svc->deployments[i], serving))
			return &svc->deployments[i];
	return NULL;
}

/* Whether the service sent any sample in the recent part of the window (metrics.h). */
static int recent_samples(const struct svc_ctx *c)
{
	return observation_service_recent(c->obs, c->svc);
}

static void add_deployment_words(struct strbuf *sb, const struct deployment *d)
{
	strbuf_addf(sb, "deployment %s", d->id);
	if (d->commit)
		strbuf_addf(sb, " (commit %.*s)", SHORT_SHA, d->commit);
}

static struct finding *open_finding(struct svc_ctx *c, enum finding_kind kind, enum severity sev,
				    const struct deployment *d)
{
	struct finding *fd = detect_new_finding(c, kind, sev, METHOD_STATUS);

	fd->subject = xstrdup(d->commit ? d->commit : d->id);
	finding_fingerprint_keyed(fd->fingerprint, c->svc->name, kind, fd->subject);
	fd->onset = d->at;
	fd->detected = d->at > c->obs->start ? d->at : c->obs->start;
	fd->ongoing = 1;
	fd->deployment = xstrdup(d->id);
	fd->deployment_at = d->at;
	fd->observed = (double)(c->obs->end - d->at);
	fd->threshold = NAN;
	fd->unit = FIGURE_MS;
	fd->confidence = 1;
	/* The evidence is what the service did meanwhile: memory, whose samples stop when it is down. */
	fd->evidence_metric = METRIC_MEMORY;
	fd->evidence_unit = FIGURE_BYTES;
	fd->evidence_level = NAN;
	detect_copy_series(&fd->evidence, &c->s[METRIC_MEMORY]);
	return fd;
}

static int has_crash_loop(const struct svc_ctx *c)
{
	size_t i;

	for (i = c->first; i < c->out->nr; i++)
		if (c->out->items[i].kind == FINDING_MEMORY_LEAK && c->out->items[i].method == METHOD_CRASH_LOOP)
			return 1;
	return 0;
}

static void eval_failed(struct svc_ctx *c, const struct deployment *d)
{
	const struct deployment *live = serving_before(c->svc, (size_t)(d - c->svc->deployments));
	int runs = live || recent_samples(c);
	struct strbuf sb = STRBUF_INIT;
	struct finding *fd = open_finding(c, FINDING_DEPLOYMENT_FAILED,
					  runs ? SEVERITY_WARNING : SEVERITY_CRITICAL, d);

	strbuf_addf(&sb, "%s FAILED (created ", d->id);
	detect_add_time(&sb, d->at);
	strbuf_addstr(&sb, "): its build or pre-deploy step failed, so it never went live; ");
	if (live) {
		strbuf_addf(&sb, "deployment %s (%s since ", live->id, live->status);
		detect_add_time(&sb, live->at);
		strbuf_addstr(&sb, ") still serves");
	} else if (runs) {
		strbuf_addstr(&sb, "an earlier deployment still serves (samples in the recent part of the window)");
	} else {
		strbuf_addstr(&sb, "nothing serves: no earlier deployment runs and the service sent no "
				   "samples in the recent part of the window");
	}
	fd->reason = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s: %s ", c->svc->name, severity_name(fd->severity));
	add_deployment_words(&sb, d);
	strbuf_addstr(&sb, " failed and never went live; ");
	if (live)
		strbuf_addf(&sb, "%s still serves", live->id);
	else
		strbuf_addstr(&sb, runs ? "an earlier deployment still serves" : "nothing serves");
	fd->summary = strbuf_detach(&sb, NULL);
}

static void eval_crashed(struct svc_ctx *c, const struct deployment *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct finding *fd;
	int runs = recent_samples(c);

	/* A crash loop out of memory is the cause, and already a finding: one is enough. */
	if (has_crash_loop(c))
		return;
	fd = open_finding(c, FINDING_DEPLOYMENT_CRASHED, SEVERITY_CRITICAL, d);
	strbuf_addf(&sb, "%s CRASHED (created ", d->id);
	detect_add_time(&sb, d->at);
	strbuf_addf(&sb, "), the service's current deployment; %s",
		    runs ? "it still sent samples in the recent part of the window (restarting)"
			 : "no samples in the recent part of the window: it is down");
	fd->reason = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s: critical ", c->svc->name);
	add_deployment_words(&sb, d);
	strbuf_addstr(&sb, runs ? " crashed" : " crashed and the service is down");
	fd->summary = strbuf_detach(&sb, NULL);
}

static void eval_stuck(struct svc_ctx *c, const struct deployment *d)
{
	int64_t after = c->cfg->deployments.stuck_after_ms, age = c->obs->end - d->at;
	struct strbuf sb = STRBUF_INIT;
	struct finding *fd;

	if (age < after)
		return;
	fd = open_finding(c, FINDING_DEPLOYMENT_STUCK, SEVERITY_WARNING, d);
	fd->threshold = (double)after;
	fd->detected = d->at + after;
	strbuf_addf(&sb, "%s still %s ", d->id, d->status);
	detect_add_figure(&sb, (double)age, FIGURE_MS);
	strbuf_addstr(&sb, " after it was created (detect.deployments.stuck_after ");
	detect_add_figure(&sb, (double)after, FIGURE_MS);
	strbuf_addstr(&sb, ")");
	fd->reason = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s: warning ", c->svc->name);
	add_deployment_words(&sb, d);
	strbuf_addf(&sb, " stuck in %s for ", d->status);
	detect_add_figure(&sb, (double)age, FIGURE_MS);
	fd->summary = strbuf_detach(&sb, NULL);
}

/*
 * RESTART_LOOP restarts or more in the window: a crash loop, about the
 * current deployment when one is known (else the service's restarts).
 */
static void eval_restarts(struct svc_ctx *c, const struct deployment *d)
{
	const struct series *r = &c->s[METRIC_RESTARTS];
	double n = series_sum(r, c->obs->start, c->obs->end);
	struct strbuf sb = STRBUF_INIT;
	struct deployment none = { (char *)"restarts", c->obs->start, NULL, NULL, NULL };
	struct finding *fd;
	size_t i;

	if (!(n >= RESTART_LOOP) || has_crash_loop(c))
		return;
	fd = open_finding(c, FINDING_DEPLOYMENT_CRASHED, SEVERITY_CRITICAL, d ? d : &none);
	if (!d) {
		free(fd->deployment);
		fd->deployment = NULL;
		fd->deployment_at = 0;
	}
	for (i = 0; i < r->nr; i++)
		if (r->items[i].v > 0) {
			fd->onset = r->items[i].t;
			break;
		}
	fd->detected = fd->onset;
	for (i = 0, n = 0; i < r->nr; i++)
		if ((n += r->items[i].v) >= RESTART_LOOP) {
			fd->detected = r->items[i].t;
			break;
		}
	fd->observed = series_sum(r, c->obs->start, c->obs->end);
	fd->threshold = RESTART_LOOP;
	fd->unit = FIGURE_COUNT;
	fd->evidence_metric = METRIC_RESTARTS;
	fd->evidence_unit = FIGURE_COUNT;
	series_release(&fd->evidence);
	detect_copy_series(&fd->evidence, r);
	strbuf_addf(&sb, "%.0f restarts in the window (a crash loop at %d or more)", fd->observed, RESTART_LOOP);
	if (d)
		strbuf_addf(&sb, "; the current deployment is %s (%s)", d->id, d->status ? d->status : "?");
	fd->reason = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s: critical keeps restarting: %.0f restarts since ", c->svc->name, fd->observed);
	detect_add_time(&sb, fd->onset);
	fd->summary = strbuf_detach(&sb, NULL);
}

void detect_eval_deployments(struct svc_ctx *c)
{
	const struct deployment *d;

	if (!c->cfg->deployments.enabled)
		return;
	d = newest_counted(c->svc, c->svc->deployments_nr, c->obs->end);
	if (d && d->status && !strcmp(d->status, "FAILED"))
		eval_failed(c, d);
	else if (d && d->status && !strcmp(d->status, "CRASHED"))
		eval_crashed(c, d);
	else if (d && d->status && status_is(d, in_progress))
		eval_stuck(c, d);
	else
		eval_restarts(c, d);
}
