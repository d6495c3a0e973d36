/* The findings' JSON form (the journal's result of the detect step, `scan --json`). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "detect/series_math.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---- JSON ------------------------------------------------------------- */

/* json_new_num() writes NAN as null, which is what "no data" should read as. */
static struct json *series_to_json(const struct series *s)
{
	struct json *arr = json_new_array();
	size_t i;

	for (i = 0; i < s->nr; i++) {
		struct json *pair = json_new_array();
		json_append(pair, json_new_num((double)s->items[i].t / 1000.0));
		json_append(pair, json_new_num(s->items[i].v));
		json_append(arr, pair);
	}
	return arr;
}

struct json *finding_to_json(const struct finding *fd)
{
	struct json *o = json_new_object(), *ev = json_new_object();

	json_set_str(o, "service", fd->service);
	json_set_str(o, "kind", finding_kind_name(fd->kind));
	json_set_str(o, "severity", severity_name(fd->severity));
	json_set_str(o, "method", finding_method_name(fd->method));
	json_set_str(o, "fingerprint", fd->fingerprint);
	json_set_str(o, "summary", fd->summary);
	json_set_num(o, "observed", fd->observed);
	json_set_num(o, "threshold", fd->threshold);
	json_set_str(o, "unit", figure_unit_name(fd->unit));
	json_set_time(o, "onset", fd->onset);
	json_set_time(o, "detected", fd->detected);
	json_set_bool(o, "ongoing", fd->ongoing);
	if (fd->deployment) {
		struct json *d = json_new_object();
		json_set_str(d, "id", fd->deployment);
		json_set_time(d, "at", fd->deployment_at);
		json_set(o, "deployment", d);
	} else {
		json_set(o, "deployment", json_new_null());
	}
	if (fd->subject)
		json_set_str(o, "subject", fd->subject);
	json_set_num(o, "confidence", fd->confidence);
	json_set_str(o, "reason", fd->reason);
	json_set_str(ev, "metric", metric_name(fd->evidence_metric));
	json_set_str(ev, "unit", figure_unit_name(fd->evidence_unit));
	json_set_num(ev, "level", fd->evidence_level);
	json_set(ev, "points", series_to_json(&fd->evidence));
	json_set(o, "evidence", ev);
	if (fd->kind == FINDING_MEMORY_LEAK || fd->kind == FINDING_DISK_FILLING) {
		struct json *l = json_new_object();
		json_set_num(l, "slope_bytes_per_hour", fd->leak.slope);
		json_set_num(l, "r2", fd->leak.r2);
		json_set_num(l, "limit_bytes", fd->leak.limit);
		json_set_num(l, "time_to_limit_ms", (double)fd->leak.time_to_limit);
		json_set_num(l, "cycles", fd->leak.cycles);
		json_set_num(l, "cycle_ms", (double)fd->leak.cycle_ms);
		json_set(o, "leak", l);
	}
	/* A threshold finding that also regressed against its baseline carries the comparison too. */
	if (fd->method == METHOD_REGRESSION || fd->regression.n_after > 0) {
		struct json *r = json_new_object();
		json_set_num(r, "before", fd->regression.before);
		json_set_num(r, "after", fd->regression.after);
		json_set_num(r, "ratio", fd->regression.ratio);
		json_set_num(r, "p_value", fd->regression.p_value);
		json_set_num(r, "n_before", (double)fd->regression.n_before);
		json_set_num(r, "n_after", (double)fd->regression.n_after);
		json_set(o, "regression", r);
	}
	return o;
}

struct json *findings_to_json(const struct findings *f)
{
	struct json *root = json_new_object(), *items = json_new_array(), *svcs = json_new_array();
	size_t i;

	for (i = 0; i < f->nr; i++)
		json_append(items, finding_to_json(&f->items[i]));
	for (i = 0; i < f->services_nr; i++) {
		const struct service_summary *s = &f->services[i];
		struct json *o = json_new_object();

		json_set_str(o, "name", s->name);
		json_set_num(o, "memory_peak", s->memory_peak);
		json_set_num(o, "memory_avg", s->memory_avg);
		json_set_num(o, "memory_peak_bytes", s->memory_peak_bytes);
		json_set_num(o, "memory_limit_bytes", s->memory_limit_bytes);
		json_set_num(o, "cpu_peak", s->cpu_peak);
		json_set_num(o, "cpu_avg", s->cpu_avg);
		json_set_num(o, "cpu_limit", s->cpu_limit);
		json_set_num(o, "requests", s->requests);
		json_set_num(o, "rate_5xx", s->rate_5xx);
		json_set_num(o, "rate_4xx", s->rate_4xx);
		json_set_num(o, "p95_ms", s->p95_ms);
		json_set_num(o, "p95_max_ms", s->p95_max_ms);
		json_set_num(o, "samples", (double)s->samples);
		json_set_str(o, "worst", severity_name(s->worst));
		json_set_num(o, "findings", (double)s->findings);
		if (service_summary_has_volume(s)) {
			struct json *v = json_new_object();
			json_set_opt_str(v, "name", s->volume);
			json_set_opt_str(v, "mount_path", s->mount_path);
			json_set_num(v, "used_bytes", s->disk_bytes);
			json_set_num(v, "size_bytes", s->disk_limit_bytes);
			json_set_num(v, "peak", s->disk_peak);
			json_set_num(v, "bytes_per_hour", s->disk_per_hour);
			json_set(o, "volume", v);
		}
		json_append(svcs, o);
	}
	json_set(root, "findings", items);
	json_set(root, "services", svcs);
	return root;
}

/* A number or null (NAN). */
static int get_num_or_null(double *out, const struct json *node, const char *key,
			   const char *where, size_t idx)
{
	const struct json *v = json_member(node, key);

	if (json_type(v) == JSON_NULL) {
		*out = NAN;
		return 0;
	}
	if (json_type(v) != JSON_NUMBER)
		return bot_error(BOT_EINVALID, "'%s[%zu].%s': expected number, found %s",
				 where, idx, key, json_type_name(v));
	*out = json_num_value(v);
	return 0;
}

static int get_str_at(const char **out, const struct json *node, const char *key,
		      const char *where, size_t idx)
{
	*out = json_str_value(json_member(node, key));
	if (!*out)
		return bot_error(BOT_EINVALID, "'%s[%zu].%s': expected string, found %s",
				 where, idx, key, json_type_name(json_member(node, key)));
	return 0;
}

/* Finding i of the document root, whose node is o; paths in messages are root's. */
static int finding_from_json(struct finding *fd, const struct json *root, const struct json *o,
			     size_t i)
{
	const char *kind, *sev, *method, *unit, *fp, *s;
	const struct json *ev, *pts, *p, *d, *l, *r;
	int ret;

	if ((ret = get_str_at(&s, o, "service", "findings", i)) < 0)
		return ret;
	fd->service = xstrdup(s);
	if ((ret = get_str_at(&kind, o, "kind", "findings", i)) < 0 ||
	    (ret = get_str_at(&sev, o, "severity", "findings", i)) < 0 ||
	    (ret = get_str_at(&unit, o, "unit", "findings", i)) < 0)
		return ret;
	if (finding_kind_from_name(&fd->kind, kind) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].kind': unknown kind '%s'", i, kind);
	if (severity_from_name(&fd->severity, sev) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].severity': unknown severity '%s'", i, sev);
	if (figure_unit_from_name(&fd->unit, unit) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].unit': unknown unit '%s'", i, unit);
	method = json_str_value(json_member(o, "method"));
	if (method && finding_method_from_name(&fd->method, method) < 0)
		return bot_error(BOT_EINVALID, "'findings[%zu].method': unknown method '%s'", i, method);
	if ((s = json_str_value(json_member(o, "subject"))))
		fd->subject = xstrdup(s);
	/* The fingerprint is recomputed: it is a function of (service, kind, subject), never trusted. */
	finding_fingerprint_keyed(fd->fingerprint, fd->service, fd->kind, fd->subject);
	fp = json_str_value(json_member(o, "fingerprint"));
	if (fp && strcmp(fp, fd->fingerprint))
		return bot_error(BOT_EINVALID, "'findings[%zu].fingerprint': '%s' does not match "
				 "service, kind and subject", i, fp);
	if ((ret = get_num_or_null(&fd->observed, o, "observed", "findings", i)) < 0 ||
	    (ret = get_num_or_null(&fd->threshold, o, "threshold", "findings", i)) < 0 ||
	    (ret = json_get_time(&fd->onset, root, "findings[%zu].onset", i)) < 0 ||
	    (ret = json_get_time(&fd->detected, root, "findings[%zu].detected", i)) < 0)
		return ret;
	fd->ongoing = json_bool_value(json_member(o, "ongoing"));
	if ((s = json_str_value(json_member(o, "summary"))))
		fd->summary = xstrdup(s);
	if ((s = json_str_value(json_member(o, "reason"))))
		fd->reason = xstrdup(s);
	if (json_member(o, "confidence") &&
	    (ret = get_num_or_null(&fd->confidence, o, "confidence", "findings", i)) < 0)
		return ret;
	d = json_member(o, "deployment");
	if (json_type(d) == JSON_OBJECT) {
		if ((ret = get_str_at(&s, d, "id", "findings[].deployment", i)) < 0 ||
		    (ret = json_get_time(&fd->deployment_at, root, "findings[%zu].deployment.at", i)) < 0)
			return ret;
		fd->deployment = xstrdup(s);
	}
	ev = json_member(o, "evidence");
	if (json_type(ev) == JSON_OBJECT) {
		enum metric m;
		const char *mn = json_str_value(json_member(ev, "metric"));
		const char *un = json_str_value(json_member(ev, "unit"));
		size_t k = 0;

		if (!mn || metric_from_name(&m, mn) < 0)
			return bot_error(BOT_EINVALID, "'findings[%zu].evidence.metric': unknown metric", i);
		fd->evidence_metric = m;
		if (!un || figure_unit_from_name(&fd->evidence_unit, un) < 0)
			return bot_error(BOT_EINVALID, "'findings[%zu].evidence.unit': unknown unit", i);
		if ((ret = get_num_or_null(&fd->evidence_level, ev, "level", "findings[].evidence", i)) < 0)
			return ret;
		pts = json_member(ev, "points");
		if (json_type(pts) != JSON_ARRAY)
			return bot_error(BOT_EINVALID, "'findings[%zu].evidence.points': expected array", i);
		for (p = json_first(pts); p; p = json_next(p), k++) {
			const struct json *t = json_item(p, 0), *v = json_item(p, 1);
			if (json_size(p) != 2 || json_type(t) != JSON_NUMBER ||
			    (json_type(v) != JSON_NUMBER && json_type(v) != JSON_NULL))
				return bot_error(BOT_EINVALID,
						 "'findings[%zu].evidence.points[%zu]': expected [seconds, value]",
						 i, k);
			series_add(&fd->evidence, (int64_t)llround(json_num_value(t) * 1000.0),
				   json_type(v) == JSON_NULL ? NAN : json_num_value(v));
		}
	}
	l = json_member(o, "leak");
	if (json_type(l) == JSON_OBJECT) {
		fd->leak.slope = json_num_value(json_member(l, "slope_bytes_per_hour"));
		fd->leak.r2 = json_num_value(json_member(l, "r2"));
		fd->leak.limit = json_num_value(json_member(l, "limit_bytes"));
		fd->leak.time_to_limit = (int64_t)json_num_value(json_member(l, "time_to_limit_ms"));
		fd->leak.cycles = (int)json_num_value(json_member(l, "cycles"));
		fd->leak.cycle_ms = (int64_t)json_num_value(json_member(l, "cycle_ms"));
	}
	r = json_member(o, "regression");
	if (json_type(r) == JSON_OBJECT) {
		fd->regression.before = json_num_value(json_member(r, "before"));
		fd->regression.after = json_num_value(json_member(r, "after"));
		fd->regression.ratio = json_num_value(json_member(r, "ratio"));
		fd->regression.p_value = json_num_value(json_member(r, "p_value"));
		fd->regression.n_before = (int64_t)json_num_value(json_member(r, "n_before"));
		fd->regression.n_after = (int64_t)json_num_value(json_member(r, "n_after"));
	}
	return 0;
}

static int summary_from_json(struct service_summary *s, const struct json *o, size_t i)
{
	static const struct { const char *key; size_t off; } nums[] = {
#define F(x) { #x, offsetof(struct service_summary, x) }
		F(memory_peak), F(memory_avg), F(memory_peak_bytes), F(memory_limit_bytes),
		F(cpu_peak), F(cpu_avg), F(cpu_limit), F(requests), F(rate_5xx), F(rate_4xx),
		F(p95_ms), F(p95_max_ms),
#undef F
	};
	const char *name, *worst, *str;
	const struct json *v;
	size_t k;
	int ret;

	if ((ret = get_str_at(&name, o, "name", "services", i)) < 0)
		return ret;
	s->name = xstrdup(name);
	for (k = 0; k < ARRAY_SIZE(nums); k++)
		if ((ret = get_num_or_null((double *)((char *)s + nums[k].off), o, nums[k].key,
					   "services", i)) < 0)
			return ret;
	s->disk_bytes = s->disk_limit_bytes = s->disk_peak = s->disk_per_hour = NAN;
	if (json_type(v = json_member(o, "volume")) == JSON_OBJECT) {
		if ((ret = get_num_or_null(&s->disk_bytes, v, "used_bytes", "services[].volume", i)) < 0 ||
		    (ret = get_num_or_null(&s->disk_limit_bytes, v, "size_bytes", "services[].volume", i)) < 0 ||
		    (ret = get_num_or_null(&s->disk_peak, v, "peak", "services[].volume", i)) < 0 ||
		    (ret = get_num_or_null(&s->disk_per_hour, v, "bytes_per_hour", "services[].volume", i)) < 0)
			return ret;
		if ((str = json_str_value(json_member(v, "name"))))
			s->volume = xstrdup(str);
		if ((str = json_str_value(json_member(v, "mount_path"))))
			s->mount_path = xstrdup(str);
	}
	s->samples = (size_t)json_num_value(json_member(o, "samples"));
	s->findings = (size_t)json_num_value(json_member(o, "findings"));
	worst = json_str_value(json_member(o, "worst"));
	if (worst && severity_from_name(&s->worst, worst) < 0)
		return bot_error(BOT_EINVALID, "'services[%zu].worst': unknown severity '%s'", i, worst);
	return 0;
}

int findings_from_json(struct findings *out, const struct json *root)
{
	const struct json *items, *svcs, *o;
	size_t i;
	int ret;

	if ((ret = json_get_arr(&items, root, "findings")) < 0)
		goto fail;
	for (i = 0, o = json_first(items); o; o = json_next(o), i++) {
		struct finding *fd;

		if (json_type(o) != JSON_OBJECT) {
			ret = bot_error(BOT_EINVALID, "'findings[%zu]': expected object, found %s",
					i, json_type_name(o));
			goto fail;
		}
		ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		fd = &out->items[out->nr++];
		memset(fd, 0, sizeof(*fd));
		if ((ret = finding_from_json(fd, root, o, i)) < 0)
			goto fail;
	}
	svcs = json_member(root, "services");
	for (i = 0, o = json_first(svcs); o; o = json_next(o), i++) {
		struct service_summary *s;

		ALLOC_GROW(out->services, out->services_nr + 1, out->services_alloc);
		s = &out->services[out->services_nr++];
		memset(s, 0, sizeof(*s));
		if ((ret = summary_from_json(s, o, i)) < 0)
			goto fail;
	}
	return 0;
fail:
	findings_release(out);
	return ret;
}
