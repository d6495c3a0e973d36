/*
 * Investigate one finding (investigate.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "detect/detect.h"
#include "fix/workspace.h"
#include "investigate/investigate.h"
#include "investigate/logpatterns.h"
#include "investigate/manifests.h"
#include "investigate/statuspage.h"
#include "investigate/upstreams.h"
#include "pipeline.h"
#include "source/source.h"
#include "util/error.h"
#include "util/human.h"
#include "util/redact.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define DEFAULT_STATUSPAGE_TIMEOUT_MS 5000
#define DEFAULT_MAX_LOG_BYTES (8 * 1024)
#define DEFAULT_MAX_DIFF_BYTES (16 * 1024)
/* Log lines asked of the source per query: enough for patterns, bounded in cost. */
#define LOG_LINES_PER_QUERY 500
/* How many failing routes the context names. */
#define HTTP_ERRORS_TOP 10
/* An incident that began this long after the onset still counts as overlapping it. */
#define OVERLAP_SLACK_MS (10 * 60 * 1000)

struct context {
	const struct investigate_input *in;
	const struct service_config *svc_cfg;
	const struct service_metrics *svc;
	const struct deployment *onset;
	const char *logs_of;     /* the deployment whose logs are read, or NULL */
	struct json *root, *sections, *notes, *sizes;
};

static void note(struct context *c, const char *fmt, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, fmt, arg);
	json_append(c->notes, json_new_str(sb.buf));
	strbuf_release(&sb);
}

static void section(struct context *c, const char *title, const char *text)
{
	struct json *s;

	if (!text || !*text)
		return;
	s = json_new_object();
	json_set_str(s, "title", title);
	json_set_str(s, "text", text);
	json_append(c->sections, s);
}

/*
 * The deployment the finding names; else the last one created before its
 * onset; else the first one in the window (a problem already there when
 * the window began may still have begun with it).
 */
static const struct deployment *onset_deployment(const struct service_metrics *svc, const struct finding *f)
{
	const struct deployment *best = NULL;
	size_t i;

	if (!svc || !svc->deployments_nr)
		return NULL;
	for (i = 0; i < svc->deployments_nr; i++) {
		const struct deployment *d = &svc->deployments[i];
		if (f->deployment && d->id && !strcmp(d->id, f->deployment))
			return d;
		if (d->at <= f->onset)
			best = d;
	}
	return best ? best : &svc->deployments[0];
}

/*
 * The deployment whose logs tell of the finding: the onset deployment; else,
 * when the service was not deployed in the window, the one it ran all along
 * (the source's latest deployment), so that a leak or a saturation that no
 * deployment started still comes with its logs. NULL when neither is known.
 */
static const char *logs_deployment(const struct context *c)
{
	const struct architecture *arch = &c->in->observed->arch;
	size_t i;

	if (c->onset)
		return c->onset->id;
	for (i = 0; i < arch->services_nr; i++) {
		const struct arch_service *s = &arch->services[i];
		if (!strcmp(s->name, c->in->finding->service) ||
		    (s->config_name && !strcmp(s->config_name, c->in->finding->service)))
			return s->latest_deployment_id;
	}
	return NULL;
}

/* ---------------------------------------------------------------------- the onset deployment */

static void read_onset(struct context *c)
{
	const struct deployment *d = c->onset;
	const char *path = c->svc_cfg && c->svc_cfg->path ? c->svc_cfg->path : ".";
	struct json *o, *files;
	struct commit_changes changes;
	struct strbuf text = STRBUF_INIT;
	size_t i;

	if (!d) {
		json_set(c->root, "onset_deployment", json_new_null());
		note(c, "%s", "no deployment of the service is known before the onset");
		return;
	}
	o = json_new_object();
	json_set_opt_str(o, "id", d->id);
	json_set_time(o, "at", d->at);
	json_set_opt_str(o, "status", d->status);
	json_set_opt_str(o, "commit", d->commit);
	strbuf_addf(&text, "Deployment %s at ", d->id ? d->id : "?");
	time_format_iso8601(&text, d->at);
	strbuf_addf(&text, ", status %s, commit %s\n", d->status ? d->status : "?", d->commit ? d->commit : "unknown");
	if (d->message) {
		struct strbuf msg = STRBUF_INIT;
		strbuf_addstr(&msg, d->message);
		redact_text(c->in->redact, &msg);
		json_set_str(o, "message", msg.buf);
		strbuf_addf(&text, "Commit message: %s\n", msg.buf);
		strbuf_release(&msg);
	} else {
		json_set(o, "message", json_new_null());
	}

	commit_changes_init(&changes);
	files = json_new_array();
	if (!d->commit) {
		note(c, "%s", "the onset deployment names no commit: no diff");
	} else if (!c->in->repo_root) {
		note(c, "%s", "no checkout of the repository: the onset commit's diff was not read");
	} else if (workspace_commit_changes(&changes, c->in->repo_root, d->commit, path,
					    c->in->max_diff_bytes ? c->in->max_diff_bytes : DEFAULT_MAX_DIFF_BYTES) < 0) {
		note(c, "the onset commit's diff was not read: %s", bot_error_last());
	} else {
		strbuf_addf(&text, "Files changed (%zu; under %s first):\n", changes.files_nr, path);
		for (i = 0; i < changes.files_nr; i++) {
			const struct changed_file *f = &changes.files[i];
			struct json *fj = json_new_object();
			char st[2] = { f->status, 0 };

			json_set_str(fj, "path", f->path);
			json_set_str(fj, "status", st);
			json_set_num(fj, "additions", (double)f->additions);
			json_set_num(fj, "deletions", (double)f->deletions);
			json_append(files, fj);
			if (i < 50)
				strbuf_addf(&text, "  %c %s (+%zu -%zu)%s\n", f->status, f->path, f->additions,
					    f->deletions, f->binary ? " binary" : "");
		}
		if (changes.files_nr > 50)
			strbuf_addf(&text, "  ... and %zu more\n", changes.files_nr - 50);
		/* A diff quotes the code and its fixtures: secrets get committed too. */
		redact_text(c->in->redact, &changes.diff);
		json_set_num(c->sizes, "diff_bytes", (double)changes.diff.len);
	}
	json_set(o, "files", files);
	json_set_num(o, "diff_bytes", (double)changes.diff.len);
	json_set_bool(o, "diff_cut", changes.diff_cut);
	json_set(c->root, "onset_deployment", o);
	redact_text(c->in->redact, &text);
	section(c, "The deployment before the trouble", text.buf);
	if (changes.diff.len) {
		if (changes.diff_cut)
			strbuf_addstr(&changes.diff, "[... the rest of the diff is left out]\n");
		section(c, "Its diff", changes.diff.buf);
	}
	commit_changes_release(&changes);
	strbuf_release(&text);
}

/* ---------------------------------------------------------------------- logs */

/* "GET /path -> 502 (1234 ms)": the method, path and duration of an HTTP log line. */
static int parse_http_line(const char *msg, struct strbuf *method, struct strbuf *path, double *ms)
{
	const char *sp = strchr(msg, ' '), *arrow, *paren;

	*ms = -1;
	if (!sp || !(arrow = strstr(sp, " -> ")))
		return -1;
	strbuf_add(method, msg, (size_t)(sp - msg));
	strbuf_add(path, sp + 1, (size_t)(arrow - sp - 1));
	if ((paren = strchr(arrow, '(')))
		*ms = strtod(paren + 1, NULL);
	return 0;
}

static int read_logs(struct context *c, enum source_log_kind kind, const char *filter,
		     struct source_log_lines *lines)
{
	struct source_log_query q = { 0 };
	int err;

	q.kind = kind;
	q.deployment_id = c->logs_of;
	q.start = c->in->start;
	q.end = c->in->end;
	q.filter = filter;
	q.limit = LOG_LINES_PER_QUERY;
	if ((err = source_logs(c->in->source, &q, lines)) < 0)
		note(c, "logs were not read: %s", bot_error_last());
	return err;
}

/* Words of a log line that says the service ran out of memory, or out of space on its volume. */
static const char *const oom_words[] = {
	"out of memory", "Out of memory", "OOMKilled", "heap out of memory", NULL,
};
static const char *const disk_full_words[] = {
	"No space left on device", "ENOSPC", "disk full", "Disk full", "database or disk is full",
	"could not extend file", "Disk quota exceeded", NULL,
};

static int mentions(const char *line, const char *const *words)
{
	for (; *words; words++)
		if (strstr(line, *words))
			return 1;
	return 0;
}

static void log_section(struct context *c, const char *title, enum source_log_kind kind)
{
	struct source_log_lines lines = { 0 };
	struct log_patterns lp = LOG_PATTERNS_INIT;
	struct strbuf text = STRBUF_INIT, line = STRBUF_INIT;
	size_t i, oom = 0, disk_full = 0;

	if (read_logs(c, kind, NULL, &lines) < 0)
		return;
	for (i = 0; i < lines.nr; i++) {
		strbuf_reset(&line);
		strbuf_addstr(&line, lines.items[i].message ? lines.items[i].message : "");
		redact_text(c->in->redact, &line);
		log_patterns_add(&lp, lines.items[i].severity, line.buf, lines.items[i].at);
		oom += mentions(line.buf, oom_words);
		disk_full += mentions(line.buf, disk_full_words);
	}
	log_patterns_sort(&lp);
	log_patterns_render(&text, &lp, c->in->max_log_bytes ? c->in->max_log_bytes : DEFAULT_MAX_LOG_BYTES);
	if (oom)
		strbuf_addf(&text, "(%zu line%s mention running out of memory)\n", oom, oom == 1 ? "" : "s");
	if (disk_full)
		strbuf_addf(&text, "(%zu line%s mention running out of disk space)\n", disk_full,
			    disk_full == 1 ? "" : "s");
	json_set_num(c->sizes, kind == SOURCE_LOGS_BUILD ? "build_log_lines" : "log_lines", (double)lines.nr);
	json_set_num(c->sizes, kind == SOURCE_LOGS_BUILD ? "build_log_patterns" : "log_patterns", (double)lp.nr);
	if (kind == SOURCE_LOGS_DEPLOYMENT) {
		json_set_num(c->sizes, "oom_lines", (double)oom);
		json_set_num(c->sizes, "disk_full_lines", (double)disk_full);
	}
	if (lines.nr)
		section(c, title, text.buf);
	log_patterns_release(&lp);
	source_log_lines_release(&lines);
	strbuf_release(&text);
	strbuf_release(&line);
}

static void http_section(struct context *c)
{
	struct source_log_lines lines = { 0 };
	struct http_error_groups g = HTTP_ERROR_GROUPS_INIT;
	struct strbuf text = STRBUF_INIT, method = STRBUF_INIT, path = STRBUF_INIT;
	size_t i;
	double ms;

	if (read_logs(c, SOURCE_LOGS_HTTP, "@httpStatus:>=500", &lines) < 0)
		return;
	for (i = 0; i < lines.nr; i++) {
		strbuf_reset(&method);
		strbuf_reset(&path);
		if (!lines.items[i].message ||
		    parse_http_line(lines.items[i].message, &method, &path, &ms) < 0)
			continue;
		/* A path can carry a token in its query or its segments. */
		redact_text(c->in->redact, &path);
		http_error_groups_add(&g, method.buf, path.buf, lines.items[i].http_status, ms);
	}
	http_error_groups_top(&g, HTTP_ERRORS_TOP);
	for (i = 0; i < g.nr; i++) {
		strbuf_addf(&text, "%s %s -> %d: %zu request%s", g.items[i].method, g.items[i].path,
			    g.items[i].status, g.items[i].count, g.items[i].count == 1 ? "" : "s");
		if (g.items[i].timed)
			strbuf_addf(&text, ", mean %.0f ms", g.items[i].total_ms / (double)g.items[i].timed);
		strbuf_addch(&text, '\n');
	}
	json_set_num(c->sizes, "http_errors", (double)lines.nr);
	section(c, "Failing HTTP requests (5xx), by route", text.buf);
	http_error_groups_release(&g);
	source_log_lines_release(&lines);
	strbuf_release(&text);
	strbuf_release(&method);
	strbuf_release(&path);
}

/* ---------------------------------------------------------------------- upstreams */

struct checked {
	struct upstream_status status;
	const struct upstream_config *declared; /* NULL: inferred */
	char *inferred_from;
};

static int already(const struct checked *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i].status.name, name))
			return 1;
	return 0;
}

static const struct upstream_config *declared_upstream(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->upstreams_nr; i++)
		if (!strcmp(cfg->upstreams[i].name, name))
			return &cfg->upstreams[i];
	return NULL;
}

/* Whether trouble on s was under way at the finding's onset. */
static const struct upstream_incident *overlapping(const struct upstream_status *s, const struct checked *ck,
						   int64_t onset, struct strbuf *why)
{
	const char *const *comps = ck->declared ? (const char *const *)ck->declared->components : NULL;
	size_t n = ck->declared ? ck->declared->components_nr : 0, i;

	if (!upstream_in_trouble(s, comps, n, why))
		return NULL;
	for (i = 0; i < s->incidents_nr; i++)
		if (!s->incidents[i].started_at || s->incidents[i].started_at <= onset + OVERLAP_SLACK_MS)
			return &s->incidents[i];
	return NULL;
}

/* Sets the result's upstream_incident (investigate.h); returns 1. */
static int set_incident(struct context *c, const char *provider, const char *page_url, const char *name,
			const char *status, const char *impact, int64_t started_at, const char *shortlink)
{
	struct json *u = json_new_object();

	json_set_str(u, "provider", provider);
	/* Every member present, null when unknown, as investigate.h documents. */
	json_set(u, "page_url", json_new_str(page_url));
	json_set_str(u, "incident", name);
	json_set_str(u, "status", status);
	json_set(u, "impact", json_new_str(impact));
	if (started_at)
		json_set_time(u, "started_at", started_at);
	else
		json_set(u, "started_at", json_new_null());
	json_set(u, "shortlink", json_new_str(shortlink));
	json_set(c->root, "upstream_incident", u);
	return 1;
}

static void check_upstreams(struct context *c)
{
	const struct config *cfg = c->in->cfg;
	const struct upstream_catalogue *cat = upstream_catalogue_builtin();
	struct checked *list = NULL;
	struct json *arr = json_new_array();
	struct strbuf text = STRBUF_INIT, dir = STRBUF_INIT;
	struct dependencies deps = DEPENDENCIES_INIT;
	struct upstream_use *uses = NULL;
	size_t n = 0, i, uses_nr = 0;
	int incident_set = 0;

	/* Declared for the service in .autofix.yml first. */
	for (i = 0; c->svc_cfg && i < c->svc_cfg->upstreams_nr; i++) {
		const char *name = c->svc_cfg->upstreams[i];
		const struct upstream_config *up = declared_upstream(cfg, name);
		const struct upstream_provider *p = cat ? upstream_catalogue_find(cat, name) : NULL;
		const char *page = up && up->statuspage ? up->statuspage : p ? p->statuspage : NULL;

		if (already(list, n, name))
			continue;
		list = xrealloc(list, (n + 1) * sizeof(*list));
		memset(&list[n], 0, sizeof(*list));
		upstream_status_init(&list[n].status, name, page);
		list[n++].declared = up;
	}
	/* Then those its manifests point at. */
	if (c->in->repo_root && cat) {
		strbuf_addf(&dir, "%s/%s", c->in->repo_root, c->svc_cfg && c->svc_cfg->path ? c->svc_cfg->path : ".");
		manifests_read_dir(&deps, dir.buf);
		upstream_catalogue_infer(cat, &deps, &uses, &uses_nr);
		for (i = 0; i < uses_nr; i++) {
			struct strbuf from = STRBUF_INIT;
			if (already(list, n, uses[i].provider->key))
				continue;
			list = xrealloc(list, (n + 1) * sizeof(*list));
			memset(&list[n], 0, sizeof(*list));
			upstream_status_init(&list[n].status, uses[i].provider->key, uses[i].provider->statuspage);
			strbuf_addf(&from, "%s in %s", uses[i].package, uses[i].manifest);
			list[n++].inferred_from = strbuf_detach(&from, NULL);
		}
	}
	if (n && c->in->http) {
		struct upstream_status *st = xcalloc(n, sizeof(*st));
		/* statuspage_check_all takes an array of statuses: check them in place, in parallel. */
		for (i = 0; i < n; i++)
			st[i] = list[i].status;
		statuspage_check_all(c->in->http, st, n, c->in->statuspage_timeout_ms ? c->in->statuspage_timeout_ms :
				     DEFAULT_STATUSPAGE_TIMEOUT_MS);
		for (i = 0; i < n; i++)
			list[i].status = st[i];
		free(st);
	} else if (n) {
		note(c, "%s", "no HTTP client: status pages were not checked");
	}
	for (i = 0; i < n; i++) {
		struct upstream_status *s = &list[i].status;
		struct json *j = upstream_status_to_json(s);
		struct strbuf why = STRBUF_INIT;
		const struct upstream_incident *inc = overlapping(s, &list[i], c->in->finding->onset, &why);

		json_set(j, "trouble", why.len ? json_new_str(why.buf) : json_new_null());
		json_set(j, "inferred_from", list[i].inferred_from ? json_new_str(list[i].inferred_from) : json_new_null());
		json_append(arr, j);
		if (!s->answered)
			strbuf_addf(&text, "%s: not checked (%s)\n", s->name, s->error ? s->error : "no page");
		else
			strbuf_addf(&text, "%s: %s%s%s\n", s->name, s->description ? s->description : s->indicator,
				    why.len ? "; " : "", why.buf);
		if (inc && !incident_set)
			incident_set = set_incident(c, s->name, s->page_url, inc->name, inc->status, inc->impact,
						    inc->started_at, inc->shortlink);
		strbuf_release(&why);
		upstream_status_release(s);
		free(list[i].inferred_from);
	}
	for (i = 0; i < deps.skipped_nr; i++)
		note(c, "manifest skipped: %s", deps.skipped[i]);
	/* The platform the service runs on is an upstream too (Railway's platformStatus). */
	if (c->in->observed->arch.platform_known) {
		strbuf_addf(&text, "%s platform: %s\n", c->in->observed->arch.source,
			    c->in->observed->arch.platform_stable ? "stable" : "incident");
		if (!c->in->observed->arch.platform_stable && !incident_set)
			incident_set = set_incident(c, c->in->observed->arch.source, NULL,
						    c->in->observed->arch.platform_incident ?
						    c->in->observed->arch.platform_incident :
						    "the platform reports an incident", "ongoing", NULL, 0, NULL);
	}
	if (!incident_set)
		json_set(c->root, "upstream_incident", json_new_null());
	json_set(c->root, "upstreams", arr);
	redact_text(c->in->redact, &text);
	section(c, "Upstream providers' status", text.buf);
	free(list);
	free(uses);
	dependencies_release(&deps);
	strbuf_release(&text);
	strbuf_release(&dir);
}

/*
 * A disk finding: which volume, mounted where (the directory the agent
 * should look for what writes there), how full at the end of the window.
 */
/* The last finite value of s, NAN when it has none. */
static double last_value(const struct series *s)
{
	size_t i;

	for (i = s->nr; i > 0; i--)
		if (isfinite(s->items[i - 1].v))
			return s->items[i - 1].v;
	return NAN;
}

static void volume_section(struct context *c)
{
	const struct finding *f = c->in->finding;
	struct strbuf text = STRBUF_INIT;
	double used, size;

	if ((f->kind != FINDING_DISK_FILLING && f->kind != FINDING_DISK_PRESSURE) || !c->svc)
		return;
	used = last_value(&c->svc->series[METRIC_DISK]);
	size = last_value(&c->svc->series[METRIC_DISK_LIMIT]);
	strbuf_addf(&text, "volume %s", c->svc->volume ? c->svc->volume : "(unnamed)");
	if (c->svc->mount_path)
		strbuf_addf(&text, ", mounted at %s", c->svc->mount_path);
	if (!isnan(used)) {
		strbuf_addstr(&text, ": ");
		human_add_bytes(&text, used);
		strbuf_addstr(&text, " used");
		if (size > 0) {
			strbuf_addstr(&text, " of ");
			human_add_bytes(&text, size);
		}
	}
	strbuf_addch(&text, '\n');
	redact_text(c->in->redact, &text);
	section(c, "The volume", text.buf);
	strbuf_release(&text);
}

/*
 * What the logs say about a memory or disk finding's confidence: the
 * service ran out of memory (an OOM kill, a heap limit) or of space on its
 * volume (ENOSPC) is the outcome a leak, a filling volume or pressure
 * predicts, so it raises it. "confidence" is null otherwise.
 */
static void confidence_from_logs(struct context *c)
{
	const struct finding *f = c->in->finding;
	int memory = f->kind == FINDING_MEMORY_LEAK || f->kind == FINDING_MEMORY_PRESSURE;
	int disk = f->kind == FINDING_DISK_FILLING || f->kind == FINDING_DISK_PRESSURE;
	double oom = json_num_value(json_member(c->sizes, memory ? "oom_lines" : "disk_full_lines"));
	struct json *adj;
	char why[128];

	if (oom <= 0 || (!memory && !disk)) {
		json_set(c->root, "confidence", json_new_null());
		return;
	}
	adj = json_new_object();
	json_set_num(adj, "from", f->confidence);
	json_set_num(adj, "to", f->confidence + 0.1 < 1 ? f->confidence + 0.1 : 1);
	snprintf(why, sizeof(why), "%.0f deployment log line%s mention running out of %s", oom,
		 oom == 1 ? "" : "s", memory ? "memory" : "disk space");
	json_set_str(adj, "why", why);
	json_set(c->root, "confidence", adj);
}

int investigate_finding(struct json **out, const struct investigate_input *in)
{
	struct context c = { 0 };
	struct json *svc = json_new_object();

	*out = NULL;
	if (!in->cfg || !in->observed || !in->finding)
		return bot_error(BOT_EINVALID, "investigate: a configuration, an observation and a finding are needed");
	c.in = in;
	c.svc_cfg = config_find_service(in->cfg, in->finding->service);
	c.svc = observation_find_service(&in->observed->obs, in->finding->service);
	c.onset = onset_deployment(c.svc, in->finding);
	c.logs_of = logs_deployment(&c);
	c.root = json_new_object();
	c.sections = json_new_array();
	c.notes = json_new_array();
	c.sizes = json_new_object();

	json_set_str(c.root, "fingerprint", in->finding->fingerprint);
	json_set_str(svc, "name", in->finding->service);
	json_set_str(svc, "path", c.svc_cfg && c.svc_cfg->path ? c.svc_cfg->path : ".");
	json_set(c.root, "service", svc);

	/* In the order the plan keeps them when its budget is short. */
	volume_section(&c);
	read_onset(&c);
	if (!c.onset && c.logs_of)
		note(&c, "logs are those of deployment %s, running since before the window", c.logs_of);
	if (in->source) {
		log_section(&c, "Deployment logs, as patterns", SOURCE_LOGS_DEPLOYMENT);
		http_section(&c);
		if (c.onset && c.onset->status && !strcmp(c.onset->status, "FAILED"))
			log_section(&c, "Build logs, as patterns", SOURCE_LOGS_BUILD);
	} else {
		note(&c, "%s", "no source to read logs from");
	}
	check_upstreams(&c);
	confidence_from_logs(&c);

	/* The diff goes after the logs: the files list already says where to look. */
	{
		struct json *ordered = json_new_array();
		const struct json *s, *diff = NULL;

		for (s = json_first(c.sections); s; s = json_next(s)) {
			if (!strcmp(json_str_value(json_member(s, "title")), "Its diff"))
				diff = s;
			else
				json_append(ordered, json_dup(s));
		}
		if (diff)
			json_append(ordered, json_dup(diff));
		json_free(c.sections);
		c.sections = ordered;
	}
	json_set(c.root, "sections", c.sections);
	json_set(c.root, "sizes", c.sizes);
	json_set(c.root, "notes", c.notes);
	*out = c.root;
	return 0;
}
