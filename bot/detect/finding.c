/*
 * A finding and its words: the names of kinds, severities, units and
 * methods, its life cycle and fingerprint, and the helpers every rule
 * uses to open a finding and write its reason and summary.
 */
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

/* ---- names ------------------------------------------------------------- */

/*
 * Each enum's names, index for index; NAMES defines its _name() ("unknown"
 * past the end) and _from_name() (BOT_ENOTFOUND for a name not listed).
 */
static const char *const kind_names[FINDING_KIND__COUNT] = {
	"memory_leak", "memory_pressure", "cpu_saturation",
	"error_rate_5xx", "error_rate_4xx", "latency",
	"deployment_failed", "deployment_crashed", "deployment_stuck",
	"disk_filling", "disk_pressure",
};
static const char *const severity_names[] = { "none", "warning", "critical" };
static const char *const unit_names[] = { "fraction", "ms", "bytes", "ratio", "count" };
static const char *const method_names[] = {
	"threshold", "trend", "crash_loop", "regression", "seasonal", "status",
};

#define NAMES(type, table, name_fn, from_name_fn)                               \
	const char *name_fn(type v)                                             \
	{                                                                       \
		return (size_t)v < ARRAY_SIZE(table) ? table[v] : "unknown";    \
	}                                                                       \
	int from_name_fn(type *out, const char *name)                           \
	{                                                                       \
		size_t i;                                                       \
		for (i = 0; i < ARRAY_SIZE(table); i++)                         \
			if (!strcmp(table[i], name)) {                          \
				*out = (type)i;                                 \
				return 0;                                       \
			}                                                       \
		return BOT_ENOTFOUND;                                           \
	}

NAMES(enum finding_kind, kind_names, finding_kind_name, finding_kind_from_name)
NAMES(enum severity, severity_names, severity_name, severity_from_name)
NAMES(enum figure_unit, unit_names, figure_unit_name, figure_unit_from_name)
NAMES(enum finding_method, method_names, finding_method_name, finding_method_from_name)

/* ---- life cycle ------------------------------------------------------- */

void findings_init(struct findings *f)
{
	memset(f, 0, sizeof(*f));
}

static void finding_release(struct finding *fd)
{
	free(fd->service);
	free(fd->deployment);
	free(fd->subject);
	free(fd->reason);
	free(fd->summary);
	series_release(&fd->evidence);
}

void findings_release(struct findings *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		finding_release(&f->items[i]);
	free(f->items);
	for (i = 0; i < f->services_nr; i++) {
		free(f->services[i].name);
		free(f->services[i].volume);
		free(f->services[i].mount_path);
	}
	free(f->services);
	findings_init(f);
}

int service_summary_has_volume(const struct service_summary *s)
{
	return s->volume || s->disk_limit_bytes > 0 || s->disk_bytes > 0;
}

void finding_fingerprint_keyed(char out[17], const char *service, enum finding_kind kind,
			       const char *key)
{
	/* FNV-1a, 64 bits, over "service\0kind" (then "\0key"): short, stable, no crypto needed. */
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *k = finding_kind_name(kind);
	size_t i, n = strlen(service);

	for (i = 0; i <= n; i++) {
		h ^= (unsigned char)service[i];
		h *= 0x100000001b3ULL;
	}
	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= 0x100000001b3ULL;
	}
	if (key) {
		h *= 0x100000001b3ULL; /* the "\0" between kind and key */
		for (; *key; key++) {
			h ^= (unsigned char)*key;
			h *= 0x100000001b3ULL;
		}
	}
	snprintf(out, 17, "%016" PRIx64, h);
}

void finding_fingerprint(char out[17], const char *service, enum finding_kind kind)
{
	finding_fingerprint_keyed(out, service, kind, NULL);
}

/* ---- formatting for summaries ---------------------------------------- */

void detect_add_figure(struct strbuf *sb, double v, enum figure_unit u)
{
	if (isnan(v)) {
		strbuf_addstr(sb, "-");
		return;
	}
	switch (u) {
	case FIGURE_FRACTION:
		human_add_percent(sb, v);
		break;
	case FIGURE_MS:
		human_add_duration(sb, (int64_t)llround(v));
		break;
	case FIGURE_BYTES:
		human_add_bytes(sb, v);
		break;
	case FIGURE_RATIO:
		strbuf_addf(sb, "x%.1f", v);
		break;
	case FIGURE_COUNT:
		strbuf_addf(sb, "%.0f", v);
		break;
	}
}

void detect_add_time(struct strbuf *sb, int64_t ms)
{
	time_format_iso8601(sb, ms);
}

/* ---- opening a finding ------------------------------------------------ */

/* The latest deployment in the window at or before t, or NULL. */
static const struct deployment *deployment_before(const struct svc_ctx *c, int64_t t)
{
	const struct deployment *best = NULL;
	size_t i;

	for (i = 0; i < c->svc->deployments_nr; i++) {
		const struct deployment *d = &c->svc->deployments[i];
		if (d->at >= c->obs->start && d->at <= t)
			best = d;
	}
	return best;
}

struct finding *detect_new_finding(struct svc_ctx *c, enum finding_kind kind, enum severity sev,
				   enum finding_method method)
{
	struct finding *fd;

	ALLOC_GROW(c->out->items, c->out->nr + 1, c->out->alloc);
	fd = &c->out->items[c->out->nr++];
	memset(fd, 0, sizeof(*fd));
	fd->service = xstrdup(c->svc->name);
	fd->kind = kind;
	fd->severity = sev;
	fd->method = method;
	finding_fingerprint(fd->fingerprint, c->svc->name, kind);
	return fd;
}

void detect_set_onset(struct svc_ctx *c, struct finding *fd, int64_t onset)
{
	const struct deployment *d = deployment_before(c, onset);

	fd->onset = onset;
	if (d) {
		fd->deployment = xstrdup(d->id);
		fd->deployment_at = d->at;
	}
}

void detect_copy_series(struct series *out, const struct series *in)
{
	size_t i;

	for (i = 0; i < in->nr; i++)
		series_add(out, in->items[i].t, in->items[i].v);
}

const char *detect_signal_word(enum finding_kind k)
{
	switch (k) {
	case FINDING_MEMORY_LEAK:
	case FINDING_MEMORY_PRESSURE: return "memory";
	case FINDING_CPU_SATURATION: return "CPU";
	case FINDING_ERROR_RATE_5XX: return "5xx rate";
	case FINDING_ERROR_RATE_4XX: return "4xx rate";
	case FINDING_LATENCY: return "p95 latency";
	case FINDING_DEPLOYMENT_FAILED:
	case FINDING_DEPLOYMENT_CRASHED:
	case FINDING_DEPLOYMENT_STUCK: return "deployment";
	case FINDING_DISK_FILLING:
	case FINDING_DISK_PRESSURE: return "disk";
	default: return "?";
	}
}

void detect_add_count(struct strbuf *sb, double n)
{
	char digits[32];
	size_t len, i;

	snprintf(digits, sizeof(digits), "%.0f", n);
	len = strlen(digits);
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			strbuf_addch(sb, ',');
		strbuf_addch(sb, digits[i]);
	}
}
