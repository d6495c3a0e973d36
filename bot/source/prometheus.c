/*
 * Prometheus: the HTTP API (/api/v1/query_range), from the templates under
 * `source.prometheus.queries`: a template with {{services}} is one query
 * for every watched service, its answer split into services by the
 * `source.prometheus.service_label` label (the defaults: 8 queries
 * whatever the number of services); any other template is one query per
 * service. The same again for the analysis window's hours on each of the
 * `detect.regression.seasonal_days` days before (the service's `seasonal`
 * series); all of them sent in parallel through http_run_each, each answer
 * read as soon as it has come.
 *
 * What a template must return (Prometheus's base units, what exporters
 * give): cpu_usage and cpu_limit in cores (vCPU); memory_usage and
 * memory_limit in bytes; requests, errors_5xx and errors_4xx as rates per
 * second; latency_p95 in seconds. This file converts them to metrics.h's
 * units: rates times the step become requests per interval, seconds
 * become milliseconds. Several series in one result (one per pod, say)
 * are added up, except latency, where the worst is kept.
 *
 * Substitutions: {{service}} becomes the service's `deployed_as` (default:
 * its name) escaped for a PromQL double-quoted string; {{services}} every
 * watched service's, each escaped for a regex, joined by '|' and escaped
 * for the string; {{service_label}} the label that names services
 * (`source.prometheus.service_label`, "service"); {{window}} becomes the
 * range of rate()/increase(): twice the step, at least one minute, in
 * seconds ("120s").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "source/prometheus.h"
#include "source/source.h"
#include "util/error.h"
#include "util/human.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define PROM_MAX_RESPONSE (16u * 1024 * 1024)
/*
 * Requests handed to the HTTP layer at once (it runs http_options.per_host
 * of them at a time and scans its list at each wake-up): with the default
 * templates a scan's 8 to 32 requests are one window.
 */
#define PROM_WINDOW 64
/*
 * Queries at once (the client's per_host): a scan's default 24 (8
 * queries, today and two earlier days) are 2 round trips. Prometheus
 * runs 20 at once by default (--query.max-concurrency) and queues more.
 */
#define PROM_CONCURRENCY 12

/* Which observation series each query fills, and the factor to its unit (0: times the step in s). */
static const struct {
	enum metric metric;
	double scale;
	int keep_max;
} query_target[PROM_QUERY__COUNT] = {
	[PROM_CPU_USAGE] = { METRIC_CPU, 1, 0 },
	[PROM_CPU_LIMIT] = { METRIC_CPU_LIMIT, 1, 0 },
	[PROM_MEMORY_USAGE] = { METRIC_MEMORY, 1, 0 },
	[PROM_MEMORY_LIMIT] = { METRIC_MEMORY_LIMIT, 1, 0 },
	[PROM_REQUESTS] = { METRIC_REQUESTS, 0, 0 },
	[PROM_ERRORS_5XX] = { METRIC_REQUESTS_5XX, 0, 0 },
	[PROM_ERRORS_4XX] = { METRIC_REQUESTS_4XX, 0, 0 },
	[PROM_LATENCY_P95] = { METRIC_LATENCY_P95, 1000, 1 },
	[PROM_DEPLOYMENTS] = { METRIC__COUNT, 1, 0 },  /* read into deployments: read_deployments_answer() */
	[PROM_RESTARTS] = { METRIC_RESTARTS, 1, 0 },   /* a counter, made increases per interval */
	[PROM_DISK_USAGE] = { METRIC_DISK, 1, 0 },
	[PROM_DISK_LIMIT] = { METRIC_DISK_LIMIT, 1, 0 },
};

struct prometheus {
	const struct prometheus_config *cfg;
	char *token;
	struct http_client *http;
};

static const char *query_template(const struct prometheus *p, enum prom_query q)
{
	const char *t = p->cfg->queries[q];
	/* Unset in a config built in code; the loader fills in the same defaults (NULL: not asked). */
	return t && *t ? t : prom_query_default(q);
}

/*
 * The optional queries (deployments, restarts, disk_usage, disk_limit) have
 * no default: unless written they are not asked. They are asked for today
 * only, never for the earlier days' baseline: the earlier days compare
 * levels, not events, and a volume has no time of day.
 */
static int query_is_asked(const struct prometheus *p, enum prom_query q, size_t day)
{
	if (!query_template(p, q))
		return 0;
	return !day || (q != PROM_DEPLOYMENTS && q != PROM_RESTARTS && q != PROM_DISK_USAGE && q != PROM_DISK_LIMIT);
}

/* Escapes a label value for a PromQL double-quoted string. */
static void add_label_value(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_addch(sb, '\\');
		if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *s);
	}
}

/*
 * Escapes what RE2 (Prometheus's regexes) would read as an operator, so
 * that a service called "api.v2" matches itself and not "apixv2".
 */
static void add_regex_literal(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s))
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
}

int prometheus_query_is_for_all(const char *tmpl)
{
	return strstr(tmpl, "{{services}}") != NULL;
}

/* For the lookup of a series' label among the services' names. */
struct name_index {
	const char *name;
	size_t i;
};

static int cmp_name_index(const void *a, const void *b)
{
	const struct name_index *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static void render(struct strbuf *out, const char *tmpl, const char *label, const char *service,
		   const char *const *services, size_t services_nr, int64_t step_ms)
{
	int64_t range_s = step_ms / TIME_MS_PER_SECOND * 2;
	const char *p = tmpl;
	struct strbuf alt = STRBUF_INIT;
	size_t i, j;

	if (range_s < 60)
		range_s = 60;
	/*
	 * Distinct names only: two services deployed as one are one
	 * alternative, the first kept. Found by sorting, not by comparing
	 * every pair (16 million comparisons a query at 4000 services).
	 */
	if (services_nr) {
		struct name_index *idx = xcalloc(services_nr, sizeof(*idx));
		char *dup = xcalloc(services_nr, 1);

		for (i = 0; i < services_nr; i++)
			idx[i] = (struct name_index){ services[i], i };
		qsort(idx, services_nr, sizeof(*idx), cmp_name_index);
		for (j = 1; j < services_nr; j++)
			if (!strcmp(idx[j - 1].name, idx[j].name))
				dup[idx[j].i] = 1;
		for (i = 0; i < services_nr; i++) {
			if (dup[i])
				continue;
			if (alt.len)
				strbuf_addch(&alt, '|');
			add_regex_literal(&alt, services[i]);
		}
		free(dup);
		free(idx);
	}
	while (*p) {
		if (service && starts_with(p, "{{service}}")) {
			add_label_value(out, service);
			p += strlen("{{service}}");
		} else if (services && starts_with(p, "{{services}}")) {
			add_label_value(out, alt.buf);
			p += strlen("{{services}}");
		} else if (label && starts_with(p, "{{service_label}}")) {
			/* A label name (the loader checks it): nothing to escape. */
			strbuf_addstr(out, label);
			p += strlen("{{service_label}}");
		} else if (starts_with(p, "{{window}}")) {
			strbuf_addf(out, "%llds", (long long)range_s);
			p += strlen("{{window}}");
		} else {
			strbuf_addch(out, *p++);
		}
	}
	strbuf_release(&alt);
}

void prometheus_render_query(struct strbuf *out, const char *tmpl, const char *label, const char *service,
			     int64_t step_ms)
{
	render(out, tmpl, label, service, NULL, 0, step_ms);
}

void prometheus_render_query_all(struct strbuf *out, const char *tmpl, const char *label,
				 const char *const *services, size_t services_nr, int64_t step_ms)
{
	render(out, tmpl, label, NULL, services, services_nr, step_ms);
}

/* Checks that root is a successful matrix answer and gives its result array. */
static int matrix_result(const struct json **out, const struct json *root, const char *what)
{
	const char *status, *type;
	int err;

	if ((err = json_get_str(&status, root, "status")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	if (strcmp(status, "success")) {
		const char *etype = json_str_value(json_get(root, "errorType"));
		const char *emsg = json_str_value(json_get(root, "error"));
		return bot_error(etype && !strcmp(etype, "bad_data") ? BOT_EINVALID : BOT_ERROR,
				 "%s: prometheus answered %s: %s", what, etype ? etype : status,
				 emsg ? emsg : "(no message)");
	}
	if ((err = json_get_str(&type, root, "data.resultType")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	if (strcmp(type, "matrix"))
		return bot_error(BOT_EINVALID, "%s: expected resultType 'matrix', got '%s'", what, type);
	if ((err = json_get_arr(out, root, "data.result")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	return 0;
}

/* The value of label on result series r, or NULL. */
static const char *series_label(const struct json *r, const char *label)
{
	return json_str_value(json_member(json_member(r, "metric"), label));
}

/*
 * Reads the values of result series r (number idx) into out through
 * metric_intake(), times factor: a value that is not a string in decimal
 * syntax, or that intake refuses, is dropped and counted in *bad; "NaN"
 * (histogram_quantile of an empty histogram) is a gap. A time repeated
 * within the series is the same sample again: the last one is kept. A
 * pair that is not [time, value] makes the answer malformed.
 */
static int read_values(struct series *out, size_t *bad, enum metric m, const struct json *r, size_t idx,
		       double factor, const char *what)
{
	const struct json *values, *v;
	size_t j;
	int err;

	if ((err = json_get_arr(&values, r, "values")) < 0)
		return bot_error_wrap(err, "%s: ", what);
	for (j = 0, v = json_first(values); v; v = json_next(v), j++) {
		const struct json *t = json_item(v, 0);
		int64_t ms;
		double val;

		if (json_type(v) != JSON_ARRAY || json_size(v) != 2 || json_type(t) != JSON_NUMBER)
			return bot_error(BOT_EINVALID, "%s: 'data.result[%zu].values[%zu]' is not [time, \"value\"]",
					 what, idx, j);
		if (metric_time_ms(&ms, json_num_value(t)) < 0 ||
		    metric_parse_decimal(&val, json_str_value(json_item(v, 1))) < 0) {
			(*bad)++;
			continue;
		}
		metric_intake(out, bad, m, ms, val * factor);
	}
	series_normalise(out);
	return 0;
}

static int cmp_sample_time(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	return (x->t > y->t) - (x->t < y->t);
}

/*
 * Appends to out the samples of acc (the series of one service, one after
 * the other) combined time by time: added up, or the largest kept when
 * keep_max; a time where no series has a value stays a gap. Empties acc.
 */
static void fold_into(struct series *out, struct series *acc, int keep_max)
{
	size_t k = 0;

	/* At most acc->nr samples: allocated once, exactly (a series grown by appends keeps a quarter spare). */
	ALLOC_GROW(out->items, out->nr + acc->nr, out->alloc);
	if (acc->nr > 1)
		qsort(acc->items, acc->nr, sizeof(*acc->items), cmp_sample_time);
	while (k < acc->nr) {
		int64_t t = acc->items[k].t;
		double folded = NAN;

		for (; k < acc->nr && acc->items[k].t == t; k++) {
			double x = acc->items[k].v;
			if (isnan(x))
				continue;
			if (isnan(folded))
				folded = x;
			else if (keep_max)
				folded = x > folded ? x : folded;
			else
				folded += x;
		}
		series_add(out, t, folded);
	}
	series_release(acc);
}

/* Every series of the answer (one per pod, say) folded into s. */
int prometheus_read_matrix(struct series *s, size_t *bad, enum metric m, const struct json *root,
			   double factor, int keep_max, const char *what)
{
	const struct json *result, *r;
	struct series acc = SERIES_INIT, one = SERIES_INIT;
	size_t i;
	int err;

	if ((err = matrix_result(&result, root, what)) < 0)
		return err;
	for (i = 0, r = json_first(result); r; r = json_next(r), i++) {
		if ((err = read_values(&one, bad, m, r, i, factor, what)) < 0)
			break;
		if (one.nr) {
			ALLOC_GROW(acc.items, acc.nr + one.nr, acc.alloc);
			memcpy(acc.items + acc.nr, one.items, one.nr * sizeof(*one.items));
			acc.nr += one.nr;
		}
		one.nr = 0;
	}
	if (!err)
		fold_into(s, &acc, keep_max);
	series_release(&one);
	series_release(&acc);
	return err;
}

int prometheus_read_matrix_by(struct series *const *outs, size_t *const *bads,
			      const char *const *services, size_t services_nr,
			      enum metric m, const char *label, const struct json *root, double factor,
			      int keep_max, const char *what)
{
	const struct json *result, *r;
	struct name_index *idx;
	struct series *acc, one = SERIES_INIT;
	size_t i, k, labelled = 0;
	int err;

	if ((err = matrix_result(&result, root, what)) < 0)
		return err;
	for (r = json_first(result); r; r = json_next(r))
		if (series_label(r, label))
			labelled++;
	/*
	 * Series of other services are ignored, but when none says whose it
	 * is the template aggregated the label away: every service would
	 * silently have no data.
	 */
	if (json_first(result) && !labelled)
		return bot_error(BOT_EINVALID, "%s: no series of the answer has the label '%s' "
				 "(source.prometheus.service_label): a {{services}} template must keep it, "
				 "e.g. 'sum by (%s) (...)'", what, label, label);
	/* Names sorted once, each series looked up: linear in the answer, not services x series. */
	idx = xcalloc(services_nr + 1, sizeof(*idx));
	acc = xcalloc(services_nr + 1, sizeof(*acc));
	for (i = 0; i < services_nr; i++)
		idx[i] = (struct name_index){ services[i], i };
	if (services_nr > 1)
		qsort(idx, services_nr, sizeof(*idx), cmp_name_index);
	for (k = 0, r = json_first(result); !err && r; r = json_next(r), k++) {
		const char *l = series_label(r, label);
		size_t lo = 0, hi = services_nr;

		if (!l)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(idx[mid].name, l) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* Two services deployed as one share the series. */
		for (; !err && lo < services_nr && !strcmp(idx[lo].name, l); lo++) {
			struct series *a = &acc[idx[lo].i];

			one.nr = 0;
			if ((err = read_values(&one, bads[idx[lo].i], m, r, k, factor, what)) < 0)
				break;
			if (one.nr) {
				ALLOC_GROW(a->items, a->nr + one.nr, a->alloc);
				memcpy(a->items + a->nr, one.items, one.nr * sizeof(*one.items));
				a->nr += one.nr;
			}
		}
	}
	for (i = 0; i < services_nr; i++) {
		if (!err)
			fold_into(outs[i], &acc[i], keep_max);
		series_release(&acc[i]);
	}
	series_release(&one);
	free(acc);
	free(idx);
	return err;
}

/* ---------------------------------------------------------------- a streaming reader */

/*
 * The usual answer, a successful matrix, read straight from the body into
 * series: a cJSON tree of it costs three nodes (about 250 bytes) per
 * sample, 25 MiB for one answer of 1000 services. Anything this reader
 * does not expect (an error status, a value that is not a string, an
 * escape it does not decode, keys in another order) makes it give up
 * without having changed anything, and the answer is read again through
 * the tree, which says what is wrong: the two agree on every answer this
 * one accepts.
 */
struct jscan {
	const char *p, *end;
	struct strbuf str; /* the last string read, decoded */
	int depth;
};

static void js_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int js_char(struct jscan *s, char c)
{
	js_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A string into s->str; -1 when there is none here, or an escape this reader leaves to cJSON. */
static int js_string(struct jscan *s)
{
	strbuf_reset(&s->str);
	if (!js_char(s, '"'))
		return -1;
	while (s->p < s->end && *s->p != '"') {
		unsigned char c = (unsigned char)*s->p++;
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			strbuf_addch(&s->str, (char)c);
			continue;
		}
		if (s->p >= s->end)
			return -1;
		switch (*s->p++) {
		case '"': strbuf_addch(&s->str, '"'); break;
		case '\\': strbuf_addch(&s->str, '\\'); break;
		case '/': strbuf_addch(&s->str, '/'); break;
		case 'b': strbuf_addch(&s->str, '\b'); break;
		case 'f': strbuf_addch(&s->str, '\f'); break;
		case 'n': strbuf_addch(&s->str, '\n'); break;
		case 'r': strbuf_addch(&s->str, '\r'); break;
		case 't': strbuf_addch(&s->str, '\t'); break;
		case 'u': {
			/* The basic plane only (Go escapes <, > and & so); a surrogate pair goes to cJSON. */
			unsigned u = 0;
			int k;
			if (s->end - s->p < 4)
				return -1;
			for (k = 0; k < 4; k++) {
				int h = hex_digit(s->p[k]);
				if (h < 0)
					return -1;
				u = u * 16 + (unsigned)h;
			}
			s->p += 4;
			if (!u || (u >= 0xd800 && u <= 0xdfff))
				return -1;
			if (u < 0x80) {
				strbuf_addch(&s->str, (char)u);
			} else if (u < 0x800) {
				strbuf_addch(&s->str, (char)(0xc0 | (u >> 6)));
				strbuf_addch(&s->str, (char)(0x80 | (u & 0x3f)));
			} else {
				strbuf_addch(&s->str, (char)(0xe0 | (u >> 12)));
				strbuf_addch(&s->str, (char)(0x80 | ((u >> 6) & 0x3f)));
				strbuf_addch(&s->str, (char)(0x80 | (u & 0x3f)));
			}
			break;
		}
		default:
			return -1;
		}
	}
	if (s->p >= s->end)
		return -1;
	s->p++;
	return 0;
}

/*
 * The next member's key of an object being read, into s->str: a ',' first
 * unless *first (then cleared), the key, the ':'. 0, or -1 when the text
 * is not that.
 */
static int js_member(struct jscan *s, int *first)
{
	if ((!*first && !js_char(s, ',')) || js_string(s) < 0 || !js_char(s, ':'))
		return -1;
	*first = 0;
	return 0;
}

/* A JSON number (its grammar, not strtod's: no hex, no inf); -1 when there is none here. */
static int js_number(struct jscan *s, double *out)
{
	const char *q;
	char *e;

	js_ws(s);
	q = s->p;
	if (q < s->end && *q == '-')
		q++;
	if (q >= s->end || *q < '0' || *q > '9')
		return -1;
	while (q < s->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
			      *q == '+' || *q == '-'))
		q++;
	/* The body is NUL-terminated (a strbuf): strtod stops there at the latest. */
	*out = strtod(s->p, &e);
	if (e != q)
		return -1;
	s->p = q;
	return 0;
}

static int js_skip(struct jscan *s)
{
	js_ws(s);
	if (s->p >= s->end || ++s->depth > 64)
		return -1;
	if (*s->p == '"') {
		if (js_string(s) < 0)
			return -1;
	} else if (*s->p == '{' || *s->p == '[') {
		char close = *s->p == '{' ? '}' : ']';
		int first = 1;
		s->p++;
		while (!js_char(s, close)) {
			if (!first && !js_char(s, ','))
				return -1;
			first = 0;
			if (close == '}' && (js_string(s) < 0 || !js_char(s, ':')))
				return -1;
			if (js_skip(s) < 0)
				return -1;
		}
	} else {
		const char *q = s->p;
		while (q < s->end && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
				      *q == '-' || *q == '+' || *q == '.' || *q == 'E'))
			q++;
		if (q == s->p)
			return -1;
		s->p = q;
	}
	s->depth--;
	return 0;
}

/* What fast_matrix() fills: per service, the samples of its series one after the other, and bad samples. */
struct fast_out {
	struct series *acc;
	size_t *bad;
};

/*
 * One element of "result": {"metric": {...}, "values": [[t, "v"], ...]}.
 * Its samples go to every i whose services[i] equals its label (every
 * series to 0 when label is NULL). *labelled counts series with the label.
 */
static int fast_series(struct jscan *s, struct fast_out *fo, struct series *one, const struct name_index *idx, size_t services_nr, const char *label, enum metric m,
		       double factor, size_t *labelled)
{
	struct strbuf lab = STRBUF_INIT;
	int have_metric = 0, have_label = 0, first = 1, ret = -1;
	size_t bad = 0, lo, hi;

	one->nr = 0;
	if (!js_char(s, '{'))
		goto out;
	while (!js_char(s, '}')) {
		if (js_member(s, &first) < 0)
			goto out;
		if (!strcmp(s->str.buf, "metric")) {
			int f = 1;
			if (!js_char(s, '{'))
				goto out;
			while (!js_char(s, '}')) {
				int is_label;
				if (js_member(s, &f) < 0)
					goto out;
				is_label = label && !strcmp(s->str.buf, label);
				if (js_string(s) < 0)
					goto out;
				if (is_label) {
					strbuf_reset(&lab);
					strbuf_addbuf(&lab, &s->str);
					have_label = 1;
				}
			}
			have_metric = 1;
		} else if (!strcmp(s->str.buf, "values")) {
			int f = 1;
			if (!have_metric || !js_char(s, '['))
				goto out; /* values before metric: whose they are is not known yet */
			while (!js_char(s, ']')) {
				double t, v;
				int64_t ms;
				if ((!f && !js_char(s, ',')) || !js_char(s, '[') || js_number(s, &t) < 0 ||
				    !js_char(s, ',') || js_string(s) < 0 || !js_char(s, ']'))
					goto out;
				f = 0;
				if (metric_time_ms(&ms, t) < 0 || metric_parse_decimal(&v, s->str.buf) < 0)
					bad++;
				else
					metric_intake(one, &bad, m, ms, v * factor);
			}
		} else if (js_skip(s) < 0) {
			goto out;
		}
	}
	ret = 0;
	series_normalise(one);
	if (!label) {
		lo = 0;
		hi = services_nr ? 1 : 0;
	} else {
		if (!have_label)
			goto out;
		(*labelled)++;
		lo = 0;
		hi = services_nr;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(idx[mid].name, lab.buf) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (hi = lo; hi < services_nr && !strcmp(idx[hi].name, lab.buf); hi++)
			;
	}
	for (; lo < hi; lo++) {
		size_t i = label ? idx[lo].i : 0;
		struct series *a = &fo->acc[i];
		if (one->nr) {
			ALLOC_GROW(a->items, a->nr + one->nr, a->alloc);
			memcpy(a->items + a->nr, one->items, one->nr * sizeof(*one->items));
			a->nr += one->nr;
		}
		fo->bad[i] += bad;
	}
out:
	strbuf_release(&lab);
	return ret;
}

int prometheus_read_matrix_text(struct series *const *outs, size_t *const *bads, const char *const *services,
				size_t services_nr, const char *label, enum metric m, const char *body, size_t len,
				double factor, int keep_max)
{
	struct jscan s = { body, body + len, STRBUF_INIT, 0 };
	struct fast_out fo;
	struct series one = SERIES_INIT;
	struct name_index *idx;
	size_t i, n = services_nr ? services_nr : 1, labelled = 0, nseries = 0;
	int ok = 0, success = 0, matrix = 0, result = 0, first = 1;

	fo.acc = xcalloc(n, sizeof(*fo.acc));
	fo.bad = xcalloc(n, sizeof(*fo.bad));
	idx = xcalloc(n, sizeof(*idx));
	for (i = 0; i < services_nr; i++)
		idx[i] = (struct name_index){ services[i], i };
	if (services_nr > 1)
		qsort(idx, services_nr, sizeof(*idx), cmp_name_index);
	if (!js_char(&s, '{'))
		goto out;
	while (!js_char(&s, '}')) {
		if (js_member(&s, &first) < 0)
			goto out;
		if (!strcmp(s.str.buf, "status")) {
			if (js_string(&s) < 0 || strcmp(s.str.buf, "success"))
				goto out;
			success = 1;
		} else if (!strcmp(s.str.buf, "data")) {
			int f = 1;
			if (!js_char(&s, '{'))
				goto out;
			while (!js_char(&s, '}')) {
				if (js_member(&s, &f) < 0)
					goto out;
				if (!strcmp(s.str.buf, "resultType")) {
					if (js_string(&s) < 0 || strcmp(s.str.buf, "matrix"))
						goto out;
					matrix = 1;
				} else if (!strcmp(s.str.buf, "result")) {
					int fr = 1;
					if (!js_char(&s, '['))
						goto out;
					while (!js_char(&s, ']')) {
						if (!fr && !js_char(&s, ','))
							goto out;
						fr = 0;
						if (fast_series(&s, &fo, &one, idx, services_nr, label, m,
								factor, &labelled) < 0)
							goto out;
						nseries++;
					}
					result = 1;
				} else if (js_skip(&s) < 0) {
					goto out;
				}
			}
		} else if (js_skip(&s) < 0) {
			goto out;
		}
	}
	js_ws(&s);
	/* Series without the label: the tree's reader explains what the template did. */
	if (s.p != s.end || memchr(body, 0, len) || !success || !matrix || !result || (label && nseries && !labelled))
		goto out;
	for (i = 0; i < services_nr; i++) {
		fold_into(outs[i], &fo.acc[i], keep_max);
		*bads[i] += fo.bad[i];
	}
	ok = 1;
out:
	for (i = 0; i < n; i++)
		series_release(&fo.acc[i]);
	free(fo.acc);
	free(fo.bad);
	free(idx);
	series_release(&one);
	strbuf_release(&s.str);
	return ok;
}

static int prometheus_open(struct source *src)
{
	const struct prometheus_config *cfg = &src->cfg->source.prometheus;
	struct prometheus *p;
	int err, q;

	if (!cfg->url || !*cfg->url)
		return bot_error(BOT_EINVALID, "source.prometheus.url is not set");
	/* The loader says the same with a line number; a config built in code gets it here. */
	for (q = 0; q < PROM_QUERY__COUNT; q++)
		if (cfg->queries[q] && strstr(cfg->queries[q], "{{service}}") &&
		    strstr(cfg->queries[q], "{{services}}"))
			return bot_error(BOT_EINVALID, "source.prometheus.queries.%s has both {{service}} "
					 "and {{services}}: use one", prom_query_name((enum prom_query)q));
	if (!src->cfg->services_nr)
		return bot_error(BOT_EINVALID, "the prometheus source cannot list services: "
				 "name them under 'services:' in .autofix.yml");
	p = xcalloc(1, sizeof(*p));
	p->cfg = cfg;
	if (cfg->token_env && (err = source_token_from_env(&p->token, cfg->token_env, "Prometheus",
							   "source.prometheus.token_env")) < 0) {
		free(p);
		return err;
	}
	{
		struct http_options opts = HTTP_OPTIONS_INIT;
		opts.per_host = PROM_CONCURRENCY;
		p->http = http_client_new(&opts);
	}
	src->priv = p;
	return 0;
}

static void prometheus_close(struct source *src)
{
	struct prometheus *p = src->priv;

	if (!p)
		return;
	http_client_free(p->http);
	free(p->token);
	free(p);
	src->priv = NULL;
}

/* Prometheus knows metrics, not deployments: the architecture is the configured services. */
static int prometheus_architecture(struct source *src, struct architecture *out)
{
	const struct config *cfg = src->cfg;
	struct prometheus *p = src->priv;
	size_t i;

	out->source = xstrdup("prometheus");
	/* No project or environment: the server's URL is what identifies what was observed. */
	out->project_id = xstrdup(p->cfg->url);
	for (i = 0; i < cfg->services_nr; i++) {
		const struct service_config *sc = &cfg->services[i];
		architecture_add_service(out, sc->deployed_as ? sc->deployed_as : sc->name);
	}
	return 0;
}

/* One query_range request: query k, day d back, for service i or (all) for every service. */
struct prom_request {
	enum prom_query k;
	size_t d, i;
	int all;
};

/* Index of the service called name (names[0..n)), or n. */
static size_t service_index(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return n;
}

static int cmp_deployment_at(const void *a, const void *b)
{
	const struct deployment *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

static int cmp_ms(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (*x > *y) - (*x < *y);
}

/*
 * The `deployments` answer: each series on its own, never added up. A
 * deployment is at the first sample of a series that begins more than a
 * step after the range does (a new value of a version label, as
 * `max by (service, version) (app_build_info)` gives), and at each sample
 * whose value differs from the one before it in the same series (a
 * generation, a replica set's creation time). Times within a step of one
 * another are one deployment, called "deploy-<epoch seconds>", SUCCESS
 * (Prometheus knows no failed deployment), with no commit.
 */
static int read_deployments_answer(const struct prom_request *pr, const struct json *root,
				   const char *const *names, const char *label, struct observation *out,
				   int64_t step, const char *what)
{
	const struct json *result, *r, *v;
	int64_t **at = xcalloc(out->services_nr + 1, sizeof(*at));
	size_t *nr = xcalloc(out->services_nr + 1, sizeof(*nr)), *alloc = xcalloc(out->services_nr + 1, sizeof(*alloc));
	size_t i, j, k;
	int err;

	if ((err = matrix_result(&result, root, what)) < 0)
		goto done;
	for (i = 0, r = json_first(result); r; r = json_next(r), i++) {
		size_t s = pr->all ? service_index(names, out->services_nr, series_label(r, label)) : pr->i;
		const struct json *values = json_member(r, "values");
		double prev = NAN;
		int64_t ms;

		if (s >= out->services_nr)
			continue;
		for (j = 0, v = json_first(values); v; v = json_next(v), j++) {
			double val;
			if (json_type(v) != JSON_ARRAY || json_size(v) != 2 ||
			    json_type(json_item(v, 0)) != JSON_NUMBER) {
				err = bot_error(BOT_EINVALID, "%s: 'data.result[%zu].values[%zu]' is not [time, \"value\"]",
						what, i, j);
				goto done;
			}
			if (metric_time_ms(&ms, json_num_value(json_item(v, 0))) < 0 ||
			    metric_parse_decimal(&val, json_str_value(json_item(v, 1))) < 0 || !isfinite(val))
				continue;
			if (j ? val != prev : ms > out->start + step) {
				ALLOC_GROW(at[s], nr[s] + 1, alloc[s]);
				at[s][nr[s]++] = ms;
			}
			prev = val;
		}
	}
	for (k = 0; k < out->services_nr; k++) {
		int64_t last = INT64_MIN;
		if (nr[k] > 1)
			qsort(at[k], nr[k], sizeof(*at[k]), cmp_ms);
		for (j = 0; j < nr[k]; j++) {
			char id[40];
			if (j && at[k][j] - last <= step)
				continue;
			last = at[k][j];
			snprintf(id, sizeof(id), "deploy-%lld", (long long)(at[k][j] / 1000));
			service_add_deployment(&out->services[k], id, at[k][j], "SUCCESS", NULL, NULL);
		}
	}
done:
	for (k = 0; k < out->services_nr; k++)
		free(at[k]);
	free(at);
	free(nr);
	free(alloc);
	return err;
}

/*
 * The `restarts` answer, read as a counter: each interval's increase
 * (a drop is a counter reset, a new pod: its value is the increase, as
 * PromQL's increase() takes it), the first sample 0.
 */
static void restarts_to_increases(struct series *s)
{
	double prev = NAN;
	size_t i;

	for (i = 0; i < s->nr; i++) {
		double v = s->items[i].v;
		if (!isfinite(v))
			continue;
		s->items[i].v = isnan(prev) ? 0 : v >= prev ? v - prev : v;
		prev = v;
	}
}

/* The error of request r's answer, reading it into the observation on success. */
static int read_answer(const struct prometheus *p, const struct prom_request *pr,
		       const struct http_response *resp, const char *const *names,
		       struct observation *out, int64_t step)
{
	enum metric m = query_target[pr->k].metric;
	double factor = query_target[pr->k].scale ? query_target[pr->k].scale : step / 1000.0;
	int keep_max = query_target[pr->k].keep_max;
	struct strbuf what = STRBUF_INIT;
	struct json *root = NULL;
	int err, fast;

	strbuf_addf(&what, "prometheus query '%s'", prom_query_name(pr->k));
	if (pr->all)
		strbuf_addf(&what, " for all %zu %s", out->services_nr,
			    human_plural((int64_t)out->services_nr, "service", "services"));
	else
		strbuf_addf(&what, " for service '%s'", out->services[pr->i].name);
	if (pr->d)
		strbuf_addf(&what, " %zu day%s earlier", pr->d, pr->d > 1 ? "s" : "");
	fast = 0;
	/* The usual answer, a successful matrix, read from its text (no tree): see prometheus_read_matrix_text(). */
	if (pr->k == PROM_DEPLOYMENTS) {
		/* Not series to add up: read from the tree below. */
	} else if (resp->status >= 200 && resp->status < 300 && pr->all) {
		struct series **outs = xcalloc(out->services_nr + 1, sizeof(*outs));
		size_t **bads = xcalloc(out->services_nr + 1, sizeof(*bads));
		size_t i;

		for (i = 0; i < out->services_nr; i++) {
			outs[i] = pr->d ? &out->services[i].seasonal[m] : &out->services[i].series[m];
			bads[i] = &out->services[i].bad_samples;
		}
		fast = prometheus_read_matrix_text(outs, bads, names, out->services_nr, p->cfg->service_label, m,
						   resp->body.buf, resp->body.len, factor, keep_max);
		free(bads);
		free(outs);
	} else if (resp->status >= 200 && resp->status < 300) {
		struct service_metrics *svc = &out->services[pr->i];
		struct series *one = pr->d ? &svc->seasonal[m] : &svc->series[m];
		size_t *bad = &svc->bad_samples;

		fast = prometheus_read_matrix_text(&one, &bad, &names[pr->i], 1, NULL, m, resp->body.buf,
						   resp->body.len, factor, keep_max);
	}
	if (fast) {
		err = 0;
	/*
	 * Prometheus answers errors (400, 422, 503) with a JSON body saying
	 * why; any other refusal (a proxy's JSON 401) is told by its status.
	 */
	} else if (json_parse(&root, resp->body.buf, resp->body.len) < 0 ||
		   ((resp->status < 200 || resp->status >= 300) && !json_str_value(json_get(root, "status")))) {
		err = http_status_error(resp, what.buf);
		if (!err)
			err = bot_error(BOT_EINVALID, "%s: the answer is not JSON", what.buf);
	} else if (pr->k == PROM_DEPLOYMENTS) {
		err = read_deployments_answer(pr, root, names, p->cfg->service_label, out, step, what.buf);
	} else if (pr->all) {
		struct series **outs = xcalloc(out->services_nr + 1, sizeof(*outs));
		size_t **bads = xcalloc(out->services_nr + 1, sizeof(*bads));
		size_t i;

		for (i = 0; i < out->services_nr; i++) {
			outs[i] = pr->d ? &out->services[i].seasonal[m] : &out->services[i].series[m];
			bads[i] = &out->services[i].bad_samples;
		}
		err = prometheus_read_matrix_by(outs, bads, names, out->services_nr, m, p->cfg->service_label,
						root, factor, keep_max, what.buf);
		free(bads);
		free(outs);
	} else {
		struct service_metrics *svc = &out->services[pr->i];
		err = prometheus_read_matrix(pr->d ? &svc->seasonal[m] : &svc->series[m], &svc->bad_samples, m,
					     root, factor, keep_max, what.buf);
	}
	json_free(root);
	strbuf_release(&what);
	return err;
}

/* prometheus_observe()'s state while a window's answers come in. */
struct prom_answers {
	const struct prometheus *p;
	const struct prom_request *plan;
	struct http_response *resps;
	const int *results;
	const char *const *names;
	struct observation *out;
	int64_t step;
};

/* http_run_each()'s hand-over: answer i read into series, its response freed; the first failure stops the rest. */
static int read_next_answer(void *ctx, size_t i)
{
	struct prom_answers *a = ctx;
	int err;

	if (a->results[i] < 0)
		err = bot_error(a->results[i], "%s", a->resps[i].error.buf);
	else
		err = read_answer(a->p, &a->plan[i], &a->resps[i], a->names, a->out, a->step);
	http_response_release(&a->resps[i]);
	http_response_init(&a->resps[i]);
	return err;
}

static int prometheus_observe(struct source *src, const struct architecture *arch,
			      int64_t start, int64_t end, int64_t step, struct observation *out)
{
	struct prometheus *p = src->priv;
	size_t n = 0, i, k, d, b, nreq = 0;
	/* The same range on each of the `seasonal_days` days before, for the detector's "usual at this hour". */
	size_t days = src->cfg->regression.enabled && src->cfg->regression.seasonal_days > 0 ?
		      (size_t)src->cfg->regression.seasonal_days : 0;
	const int64_t day = TIME_MS_PER_DAY;
	/* Earlier days: the analysis window's hours only, what the seasonal rules compare (as Railway's). */
	int64_t window = src->cfg->window_ms, day_start = window > 0 && end - window > start ? end - window : start;
	struct prom_request *plan;
	struct http_request *reqs;
	struct http_response *resps;
	int *results;
	const char **names;
	struct http_stats st;
	const char *base = p->cfg->url;
	size_t baselen = strlen(base);
	int err = 0;

	if (!p->cfg->service_label || !*p->cfg->service_label)
		return bot_error(BOT_EINVALID, "source.prometheus.service_label is not set");
	out->source = xstrdup("prometheus");
	out->project = xstrdup(arch->project_id ? arch->project_id : "prometheus");
	out->start = start;
	out->end = end;
	out->step = step;
	/* names[i]: what the queries call out->services[i] (deployed_as). */
	names = xcalloc(arch->services_nr + 1, sizeof(*names));
	for (i = 0; i < arch->services_nr; i++) {
		if (!arch->services[i].observed)
			continue;
		names[n++] = arch->services[i].name;
		observation_add_service(out, arch->services[i].config_name ?
					arch->services[i].config_name : arch->services[i].name);
	}
	while (baselen && base[baselen - 1] == '/')
		baselen--;
	/* At most one request per query, service and day. */
	plan = xcalloc((days + 1) * n * PROM_QUERY__COUNT + 1, sizeof(*plan));
	for (d = 0; n && d <= days; d++) {
		for (k = 0; k < PROM_QUERY__COUNT; k++) {
			if (!query_is_asked(p, (enum prom_query)k, d))
				continue;
			if (prometheus_query_is_for_all(query_template(p, (enum prom_query)k))) {
				plan[nreq++] = (struct prom_request){ (enum prom_query)k, d, 0, 1 };
				continue;
			}
			for (i = 0; i < n; i++)
				plan[nreq++] = (struct prom_request){ (enum prom_query)k, d, i, 0 };
		}
	}
	reqs = xcalloc(nreq + 1, sizeof(*reqs));
	resps = xcalloc(nreq + 1, sizeof(*resps));
	results = xcalloc(nreq + 1, sizeof(*results));
	for (i = 0; i < nreq; i++) {
		struct strbuf url = STRBUF_INIT, q = STRBUF_INIT;
		const char *tmpl = query_template(p, plan[i].k);

		if (plan[i].all)
			prometheus_render_query_all(&q, tmpl, p->cfg->service_label, names, n, step);
		else
			prometheus_render_query(&q, tmpl, p->cfg->service_label, names[plan[i].i], step);
		strbuf_add(&url, base, baselen);
		strbuf_addstr(&url, "/api/v1/query_range");
		/*
		 * POSTed as a form, as Prometheus's API allows: a {{services}}
		 * query grows with the number of services, and a URL that long
		 * can pass a proxy's limit (nginx: 8 KiB) where a body does not.
		 * Reading, it is as safe to retry as a GET.
		 */
		http_request_init(&reqs[i], "POST", url.buf);
		http_request_header(&reqs[i], "Content-Type", "application/x-www-form-urlencoded");
		strbuf_addstr(&reqs[i].body, "query=");
		strbuf_add_urlencoded(&reqs[i].body, q.buf);
		strbuf_addf(&reqs[i].body, "&start=%.3f&end=%.3f&step=%.3f",
			    ((plan[i].d ? day_start : start) - (int64_t)plan[i].d * day) / 1000.0,
			    (end - (int64_t)plan[i].d * day) / 1000.0, step / 1000.0);
		if (p->token)
			http_request_header(&reqs[i], "Authorization", "Bearer %s", p->token);
		reqs[i].max_body = PROM_MAX_RESPONSE;
		reqs[i].no_cache = 1;
		http_response_init(&resps[i]);
		strbuf_release(&url);
		strbuf_release(&q);
	}
	/*
	 * Each answer read into series and its body freed as soon as it has
	 * come (http_run_each), while the next ones are on their way: all the
	 * answers at once (28 MiB for 1000 services) are what held the memory,
	 * not the series. Earlier days' samples are put in time order below,
	 * whatever order the answers came in.
	 */
	for (b = 0; !err && b < nreq; b += PROM_WINDOW) {
		struct prom_answers a = { p, plan + b, resps + b, results + b, names, out, step };
		size_t nb = nreq - b < PROM_WINDOW ? nreq - b : PROM_WINDOW;

		err = http_run_each(p->http, reqs + b, resps + b, results + b, nb, read_next_answer, &a);
	}
	/*
	 * An error query with an empty result, where requests were counted,
	 * means no series matched: no errors, not unknown. Zeros at the
	 * request times let the detector judge the rate.
	 */
	for (i = 0; !err && i < n; i++) {
		struct service_metrics *svc = &out->services[i];
		const struct series *req = &svc->series[METRIC_REQUESTS];
		enum metric m;

		for (m = METRIC_REQUESTS_5XX; m <= METRIC_REQUESTS_4XX; m++)
			if (!svc->series[m].nr)
				for (k = 0; k < req->nr; k++)
					series_add(&svc->series[m], req->items[k].t, isnan(req->items[k].v) ? NAN : 0);
		restarts_to_increases(&svc->series[METRIC_RESTARTS]);
		if (svc->deployments_nr > 1)
			qsort(svc->deployments, svc->deployments_nr, sizeof(*svc->deployments), cmp_deployment_at);
	}
	/* Earlier days were read newest first: put their samples in time order. */
	for (i = 0; days && i < n; i++)
		for (k = 0; k < METRIC__COUNT; k++)
			series_normalise(&out->services[i].seasonal[k]);
	http_client_stats(p->http, &st);
	src->requests = (int64_t)st.requests;
	src->bytes = (int64_t)st.bytes_received;
	out->requests = src->requests;
	out->bytes = src->bytes;
	for (i = 0; i < nreq; i++) {
		http_request_release(&reqs[i]);
		http_response_release(&resps[i]);
	}
	free(reqs);
	free(resps);
	free(results);
	free(plan);
	free(names);
	return err;
}

const struct source_ops prometheus_source_ops = {
	.name = "prometheus",
	.open = prometheus_open,
	.close = prometheus_close,
	.architecture = prometheus_architecture,
	.observe = prometheus_observe,
	.logs = NULL,
	.deployments = NULL,
};
