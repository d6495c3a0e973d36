/*
 * .autofix.yml -> struct config. The one file that includes yaml.h.
 *
 * Loading runs in passes, each reporting every problem it can find:
 *
 *  1. the raw text: size, UTF-8, control characters, tabs in indentation,
 *     and layouts YAML readers disagree on (checked here rather than left
 *     to libyaml, whose messages for these are cryptic or whose reading
 *     differs from other tools', and so that the schema test applies the
 *     very same rules);
 *  2. libyaml's event stream -> a small tree of nodes that remember their
 *     line:column, with aliases resolved and their expansion counted (the
 *     billion-laughs guard), duplicate keys, non-string keys, explicit
 *     tags and badly indented continuation lines reported;
 *  3. the tree -> struct config, section by section, by the same rules as
 *     config-schema/autofix.schema.json, then what JSON Schema cannot say:
 *     upstreams named by services, warning <= critical, redact patterns.
 *
 * Pass 2 runs only on text that passed 1; pass 3 runs after 2 unless 2
 * could not build a tree. Plain scalars are typed as YAML 1.2's core
 * schema types them (what the `yaml` npm package and most editors do):
 * `true` is a boolean, `30` an integer, `yes` and `30m` strings.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <yaml.h>

#include "config.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---------------------------------------------------------------- names */

static const char *const signal_names[SIGNAL__COUNT + 1] = {
	"cpu", "memory", "error_rate_5xx", "error_rate_4xx", "latency_p95", NULL,
};

const char *signal_name(enum signal s)
{
	return (unsigned)s < SIGNAL__COUNT ? signal_names[s] : "unknown";
}

int signal_from_name(enum signal *out, const char *name)
{
	int i;

	for (i = 0; i < SIGNAL__COUNT; i++)
		if (name && !strcmp(signal_names[i], name)) {
			*out = (enum signal)i;
			return 0;
		}
	return bot_error(BOT_ENOTFOUND, "no signal called '%s'", name ? name : "");
}

static const char *const prom_query_names[PROM_QUERY__COUNT + 1] = {
	"cpu_usage", "cpu_limit", "memory_usage", "memory_limit",
	"requests", "errors_5xx", "errors_4xx", "latency_p95", NULL,
};

const char *prom_query_name(enum prom_query q)
{
	return (unsigned)q < PROM_QUERY__COUNT ? prom_query_names[q] : "unknown";
}

/*
 * Default Prometheus queries: cAdvisor's container metrics (label
 * `container`) and the conventional http_requests_total counter and
 * http_request_duration_seconds histogram (label `service`, or whatever
 * {{service_label}}, source.prometheus.service_label, names). CPU is in
 * cores, memory in bytes, requests and errors per second, latency in
 * seconds. {{window}} is the range of rate(), chosen by the source.
 *
 * Each is one query for every watched service ({{services}}, a regex
 * alternation) aggregated by the service label, so that a scan costs 8
 * queries per day compared whatever the number of services. cAdvisor
 * names the service in `container`: label_replace copies it to the
 * service label.
 */
static const char *const prom_default_queries[PROM_QUERY__COUNT] = {
	"sum by ({{service_label}}) (label_replace(rate(container_cpu_usage_seconds_total{container=~\"{{services}}\"}[{{window}}]),"
	" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	"sum by ({{service_label}}) (label_replace(container_spec_cpu_quota{container=~\"{{services}}\"},"
	" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))"
	" / sum by ({{service_label}}) (label_replace(container_spec_cpu_period{container=~\"{{services}}\"},"
	" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	"sum by ({{service_label}}) (label_replace(container_memory_working_set_bytes{container=~\"{{services}}\"},"
	" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	"sum by ({{service_label}}) (label_replace(container_spec_memory_limit_bytes{container=~\"{{services}}\"},"
	" \"{{service_label}}\", \"$1\", \"container\", \"(.*)\"))",
	"sum by ({{service_label}}) (rate(http_requests_total{{{service_label}}=~\"{{services}}\"}[{{window}}]))",
	"sum by ({{service_label}}) (rate(http_requests_total{{{service_label}}=~\"{{services}}\",status=~\"5..\"}[{{window}}]))",
	"sum by ({{service_label}}) (rate(http_requests_total{{{service_label}}=~\"{{services}}\",status=~\"4..\"}[{{window}}]))",
	"histogram_quantile(0.95, sum by ({{service_label}}, le) "
	"(rate(http_request_duration_seconds_bucket{{{service_label}}=~\"{{services}}\"}[{{window}}])))",
};

const char *prom_query_default(enum prom_query q)
{
	return (unsigned)q < PROM_QUERY__COUNT ? prom_default_queries[q] : NULL;
}

static const char *const token_kind_names[] = { "auto", "account", "project", NULL };
static const char *const llm_provider_names[] = { "none", "openai", "anthropic", NULL };

/* ------------------------------------------------------------- defaults */

#define DEFAULT_RAILWAY_ENDPOINT "https://backboard.railway.com/graphql/v2"
#define MINUTE 60000LL
#define HOUR (60 * MINUTE)

static void default_threshold(struct threshold *t, enum signal s)
{
	memset(t, 0, sizeof(*t));
	t->enabled = 1;
	t->min_samples = 5;
	t->for_ms = 10 * MINUTE;
	switch (s) {
	case SIGNAL_CPU:
	case SIGNAL_MEMORY:
		t->warning = (struct level){ LEVEL_FRACTION, 0.80 };
		t->critical = (struct level){ LEVEL_FRACTION, 0.95 };
		break;
	case SIGNAL_ERROR_RATE_5XX:
		t->warning = (struct level){ LEVEL_FRACTION, 0.01 };
		t->critical = (struct level){ LEVEL_FRACTION, 0.05 };
		t->for_ms = 5 * MINUTE;
		t->min_requests = 50;
		break;
	case SIGNAL_ERROR_RATE_4XX:
		/* client errors are mostly the clients' business: off unless asked */
		t->enabled = 0;
		t->warning = (struct level){ LEVEL_FRACTION, 0.10 };
		t->critical = (struct level){ LEVEL_FRACTION, 0.25 };
		t->min_requests = 100;
		break;
	case SIGNAL_LATENCY_P95:
		t->warning = (struct level){ LEVEL_MS, 1000 };
		t->critical = (struct level){ LEVEL_MS, 3000 };
		t->min_requests = 50;
		break;
	default:
		break;
	}
}

static char **strv_of(const char *one, size_t *nr)
{
	char **v = xcalloc(1, sizeof(*v));
	v[0] = xstrdup(one);
	*nr = 1;
	return v;
}

static void set_defaults(struct config *cfg)
{
	int s, q;

	cfg->version = CONFIG_VERSION;
	cfg->window_ms = 30 * MINUTE;
	cfg->step_ms = MINUTE;
	for (s = 0; s < SIGNAL__COUNT; s++)
		default_threshold(&cfg->thresholds[s], (enum signal)s);
	cfg->leak = (struct leak_config){ 1, 4 * HOUR, 0.8 };
	cfg->regression = (struct regression_config){ 1, 2.0, 3.0, 0.005, 0.99, HOUR, 1.5, 1.25, 1 };
	cfg->source.railway.environment = xstrdup("production");
	cfg->source.railway.token_env = xstrdup("RAILWAY_API_TOKEN");
	cfg->source.railway.endpoint = xstrdup(DEFAULT_RAILWAY_ENDPOINT);
	for (q = 0; q < PROM_QUERY__COUNT; q++)
		cfg->source.prometheus.queries[q] = xstrdup(prom_default_queries[q]);
	cfg->source.prometheus.service_label = xstrdup("service");
	cfg->agent.timeout_ms = 30 * MINUTE;
	cfg->llm.max_tokens = 4096;
	cfg->llm.timeout_ms = 2 * MINUTE;
	cfg->pull_requests.labels = strv_of("autofix", &cfg->pull_requests.labels_nr);
	cfg->pull_requests.draft = 1;
	cfg->pull_requests.branch_prefix = xstrdup("autofix/");
	cfg->pull_requests.max_open = 3;
	cfg->pull_requests.cooldown_ms = 24 * HOUR;
	cfg->verify.timeout_ms = 10 * MINUTE;
}

/* --------------------------------------------------------- life cycle */

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

static void strv_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

void config_release(struct config *cfg)
{
	size_t i;
	int q;

	free(cfg->path);
	free(cfg->source.railway.project);
	free(cfg->source.railway.environment);
	free(cfg->source.railway.token_env);
	free(cfg->source.railway.endpoint);
	free(cfg->source.prometheus.url);
	free(cfg->source.prometheus.token_env);
	for (q = 0; q < PROM_QUERY__COUNT; q++)
		free(cfg->source.prometheus.queries[q]);
	free(cfg->source.prometheus.service_label);
	for (i = 0; i < cfg->services_nr; i++) {
		struct service_config *svc = &cfg->services[i];
		free(svc->name);
		free(svc->path);
		free(svc->deployed_as);
		strv_free(svc->upstreams, svc->upstreams_nr);
	}
	free(cfg->services);
	for (i = 0; i < cfg->upstreams_nr; i++) {
		free(cfg->upstreams[i].name);
		free(cfg->upstreams[i].statuspage);
		strv_free(cfg->upstreams[i].components, cfg->upstreams[i].components_nr);
	}
	free(cfg->upstreams);
	free(cfg->agent.url);
	free(cfg->agent.username);
	free(cfg->agent.password_env);
	free(cfg->agent.model);
	free(cfg->agent.command);
	free(cfg->llm.model);
	free(cfg->llm.base_url);
	free(cfg->llm.api_key_env);
	strv_free(cfg->pull_requests.labels, cfg->pull_requests.labels_nr);
	strv_free(cfg->pull_requests.reviewers, cfg->pull_requests.reviewers_nr);
	strv_free(cfg->pull_requests.assignees, cfg->pull_requests.assignees_nr);
	free(cfg->pull_requests.branch_prefix);
	free(cfg->verify.command);
	strv_free(cfg->redact, cfg->redact_nr);
	config_init(cfg);
}

void config_diags_release(struct config_diags *diags)
{
	size_t i;

	for (i = 0; i < diags->nr; i++) {
		free(diags->items[i].file);
		free(diags->items[i].key_path);
		free(diags->items[i].message);
	}
	free(diags->items);
	diags->items = NULL;
	diags->nr = diags->alloc = 0;
}

const struct service_config *config_find_service(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name && i < cfg->services_nr; i++)
		if (!strcmp(cfg->services[i].name, name))
			return &cfg->services[i];
	return NULL;
}

/* ------------------------------------------------------------ the tree */

enum ykind { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
	enum ykind kind;
	int line, col;        /* 1-based */
	char *str;            /* scalars: the text */
	int plain;            /* an untagged plain scalar: typed by the core schema */
	struct ynode **kids;  /* sequence items; mapping: key, value, key, value... */
	size_t nr, alloc;
	size_t weight;        /* nodes once aliases are expanded, this one included */
	struct ynode *next_alloc; /* every node of a document, for freeing (aliases share nodes) */
};

struct anchor {
	char *name;
	struct ynode *node;
};

struct frame {
	struct ynode *node;
	char *anchor;
	int flow;             /* a [ ] or { } collection */
	size_t start_line;    /* 0-based, where it began */
};

#define MAX_DIAGS 100

struct loader {
	const char *file;
	struct config_diags *diags;
	size_t diags_start;
	size_t dropped;           /* diagnostics past MAX_DIAGS */
	struct ynode *all;
	struct ynode *root;
	struct anchor *anchors;
	size_t anchors_nr, anchors_alloc;
	struct frame *stack;
	size_t depth, stack_alloc;
	size_t expanded;          /* nodes so far, aliases expanded */
	const char *buf;          /* the text, and where each line starts in it */
	size_t len;
	size_t *line_starts;
	size_t lines;
	int flow_depth;           /* open [ ] and { } collections */
	struct config *cfg;
};

static void vreport(struct loader *L, int line, int col, const char *path,
		    const char *fmt, va_list ap)
{
	struct config_diags *d = L->diags;
	struct config_diag *item;
	struct strbuf msg = STRBUF_INIT;

	if (d->nr - L->diags_start >= MAX_DIAGS) {
		L->dropped++;
		return;
	}
	strbuf_vaddf(&msg, fmt, ap);
	ALLOC_GROW(d->items, d->nr + 1, d->alloc);
	item = &d->items[d->nr++];
	item->file = xstrdup(L->file);
	item->line = line;
	item->col = col;
	item->key_path = xstrdup(path ? path : "");
	item->message = strbuf_detach(&msg, NULL);
}

__attribute__((format(printf, 5, 6)))
static void report(struct loader *L, int line, int col, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(L, line, col, path, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
static void report_at(struct loader *L, const struct ynode *n, const struct strbuf *path,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(L, n ? n->line : 0, n ? n->col : 0, path->buf, fmt, ap);
	va_end(ap);
}

static int had_problems(const struct loader *L)
{
	return L->diags->nr > L->diags_start || L->dropped;
}

static struct ynode *new_node(struct loader *L, enum ykind kind, const yaml_mark_t *mark)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = (int)mark->line + 1;
	n->col = (int)mark->column + 1;
	n->weight = 1;
	n->next_alloc = L->all;
	L->all = n;
	return n;
}

static void free_tree(struct loader *L)
{
	struct ynode *n = L->all, *next;
	size_t i;

	for (; n; n = next) {
		next = n->next_alloc;
		free(n->str);
		free(n->kids);
		free(n);
	}
	L->all = L->root = NULL;
	for (i = 0; i < L->anchors_nr; i++)
		free(L->anchors[i].name);
	free(L->anchors);
	L->anchors = NULL;
	L->anchors_nr = L->anchors_alloc = 0;
	for (i = 0; i < L->depth; i++)
		free(L->stack[i].anchor);
	free(L->stack);
	L->stack = NULL;
	free(L->line_starts);
	L->line_starts = NULL;
	L->lines = 0;
	L->depth = L->stack_alloc = 0;
}

enum ytype { YT_NULL, YT_BOOL, YT_INT, YT_FLOAT, YT_STR, YT_MAP, YT_SEQ };
static enum ytype ytype(const struct ynode *n);
static void describe(struct strbuf *sb, const struct ynode *n);

/* ---------------------------------------------------- pass 1: the text */

static int is_printable(unsigned cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
	       (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) ||
	       (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Decodes one UTF-8 sequence at s; returns its length, 0 when it is not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t avail, unsigned *cp)
{
	unsigned c = s[0], min;
	size_t w, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		w = 2, *cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		w = 3, *cp = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		w = 4, *cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (w > avail)
		return 0;
	for (i = 1; i < w; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return w;
}

static void check_text(struct loader *L, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;
	int line = 1, col = 1, at_line_start = 1, tab_col = 0;

	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		i = 3; /* a byte-order mark is allowed, first thing only */
	while (i < len) {
		unsigned cp;
		size_t w = utf8_decode(s + i, len - i, &cp);

		if (!w) {
			report(L, line, col, "", "the file is not valid UTF-8 (byte 0x%02X); "
			       "save it as UTF-8", s[i]);
			return;
		}
		i += w;
		if (cp == '\n') {
			line++;
			col = 1;
			at_line_start = 1;
			tab_col = 0;
			continue;
		}
		if (at_line_start) {
			if (cp == '\t' && !tab_col)
				tab_col = col;
			else if (cp != ' ' && cp != '\t' && cp != '\r') {
				if (tab_col)
					report(L, line, tab_col, "", "a tab in the indentation; "
					       "YAML indents with spaces only");
				at_line_start = 0;
			}
		}
		if (!is_printable(cp))
			report(L, line, col, "", "control character U+%04X is not allowed", cp);
		else if (cp == '\r' && (i >= len || s[i] != '\n'))
			/* old Mac line ends: YAML readers disagree on what they mean */
			report(L, line, col, "", "a carriage return without a line feed; "
			       "end lines with LF or CRLF");
		col++;
	}
}

/*
 * Two layout rules on which YAML readers disagree, so that the loader and
 * the schema test (which uses another YAML reader) could give different
 * verdicts on the same file. Both are checked on the text, the same way
 * in tests/config/check.js, and are stricter than either reader:
 *
 *  - a '#' right after ] } " ' , [ or { is a comment to libyaml and an
 *    error to others: refused outside comment lines;
 *  - a '?' glued to what follows it, at the start of a word (after a
 *    space, [ { or ,), is a key indicator to libyaml in [ ] and { } and
 *    text to others: refused likewise;
 *  - a ':' glued to a bracket or comma after it ("key:{}", "{a:}"), an
 *    error to libyaml and a key to others (but "[:alpha:]" is fine, and
 *    so is JSON's "key":{ after a quoted key);
 *  - explicit keys ("? key" then ": value" lines), which some readers
 *    also take where the key and its ':' are on different lines;
 *  - a value or [ ] / { } list spanning lines must indent every line after
 *    its first more than that first line ("- " counts as indentation); a
 *    line holding only the closing bracket may sit at that indentation.
 */

static void index_lines(struct loader *L)
{
	size_t i, alloc = 0;

	ALLOC_GROW(L->line_starts, L->lines + 1, alloc);
	L->line_starts[L->lines++] = 0;
	for (i = 0; i < L->len; i++)
		if (L->buf[i] == '\n') {
			ALLOC_GROW(L->line_starts, L->lines + 1, alloc);
			L->line_starts[L->lines++] = i + 1;
		}
}

static size_t line_end(const struct loader *L, size_t line)
{
	return line + 1 < L->lines ? L->line_starts[line + 1] - 1 : L->len;
}

/* Whether the ':' at line[i] ends a POSIX class name such as "[:alpha:". */
static int closes_posix_class(const char *line, size_t i)
{
	size_t j = i;

	while (j > 0 && line[j - 1] >= 'a' && line[j - 1] <= 'z')
		j--;
	return j < i && j >= 2 && line[j - 1] == ':' && line[j - 2] == '[' && line[i + 1] == ']';
}

static void check_indicators(struct loader *L)
{
	size_t line;

	for (line = 0; line < L->lines; line++) {
		size_t i = L->line_starts[line], end = line_end(L, line);
		while (i < end && L->buf[i] == ' ')
			i++;
		if (i < end && L->buf[i] == '#')
			continue;
		if (i < end && (L->buf[i] == '?' || L->buf[i] == ':') &&
		    (i + 1 == end || strchr(" \t\r", L->buf[i + 1]))) {
			report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
			       "a line starting with '%c ': explicit keys are not supported; "
			       "write 'key: value' on one line", L->buf[i]);
			continue;
		}
		for (; i < end; i++) {
			char prev = i > L->line_starts[line] ? L->buf[i - 1] : ' ';
			if (L->buf[i] == '#' && i > L->line_starts[line] && strchr("]}\"',[{", prev))
				report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
				       "a '#' right after '%c' needs a space before it (YAML "
				       "readers disagree on what it means)", prev);
			else if (L->buf[i] == ':' && i + 1 < end && strchr("[{}],", L->buf[i + 1]) &&
				 prev != '"' && prev != '\'' &&
				 !closes_posix_class(L->buf + L->line_starts[line], i - L->line_starts[line]))
				report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
				       "a ':' glued to '%c' (YAML readers disagree on what it "
				       "means); add a space after the ':'", L->buf[i + 1]);
			else if (L->buf[i] == '?' && strchr(" [{,", prev) && i + 1 < end &&
				 !strchr(" \t\r", L->buf[i + 1]))
				report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
				       "a '?' glued to the text after it (YAML readers disagree "
				       "on what it means); quote the text or add a space");
		}
	}
}

/* The indentation of a line, counting "- " sequence indicators as indentation. */
static size_t line_indent(const struct loader *L, size_t line)
{
	size_t start = L->line_starts[line], end = line_end(L, line), i = start;

	for (;;) {
		while (i < end && L->buf[i] == ' ')
			i++;
		if (i < end && L->buf[i] == '-' &&
		    (i + 1 == end || L->buf[i + 1] == ' ' || L->buf[i + 1] == '\r'))
			i++;
		else
			return i - start;
	}
}

/* Lines first+1..last continue something begun on line first (0-based). */
static void check_span(struct loader *L, size_t first, size_t last)
{
	size_t need, line;

	if (last <= first || last >= L->lines)
		return;
	need = line_indent(L, first);
	for (line = first + 1; line <= last; line++) {
		size_t start = L->line_starts[line], end = line_end(L, line), i = start, j;
		int closer;

		while (i < end && L->buf[i] == ' ')
			i++;
		for (j = i; j < end && strchr(" \t\r", L->buf[j]); j++)
			;
		if (j == end)
			continue; /* a blank line */
		for (j = i + 1; j < end && strchr(" \r", L->buf[j]); j++)
			;
		closer = (L->buf[i] == ']' || L->buf[i] == '}') && j == end;
		if (i - start > need || (closer && i - start == need))
			continue;
		report(L, (int)line + 1, (int)(i - start) + 1, "",
		       "this line continues what line %zu began and must be indented "
		       "more than it", first + 1);
		return;
	}
}

/* ---------------------------------------------------- pass 2: the tree */

/*
 * The key path of the place being parsed: for each open collection, the
 * key or index of the child in progress; for the innermost one, the key
 * just read (its value comes next) or the index of the next item.
 */
static void stack_path(const struct loader *L, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < L->depth; i++) {
		const struct ynode *n = L->stack[i].node, *key = NULL;
		int last = i + 1 == L->depth;

		if (n->kind == Y_SEQ) {
			strbuf_addf(sb, "[%zu]", last ? n->nr : n->nr - 1);
			continue;
		}
		if (last && n->nr % 2 == 1)
			key = n->kids[n->nr - 1];
		else if (!last && n->nr >= 2)
			key = n->kids[n->nr - 2];
		if (key && key->kind == Y_SCALAR) {
			if (sb->len)
				strbuf_addch(sb, '.');
			strbuf_addstr(sb, key->str);
		}
	}
}

__attribute__((format(printf, 3, 4)))
static void report_here(struct loader *L, const yaml_mark_t *mark, const char *fmt, ...)
{
	struct strbuf path = STRBUF_INIT;
	va_list ap;

	stack_path(L, &path);
	va_start(ap, fmt);
	vreport(L, (int)mark->line + 1, (int)mark->column + 1, path.buf, fmt, ap);
	va_end(ap);
	strbuf_release(&path);
}

/* Adds n (already complete, or just opened) to the open collection, or makes it the root. */
static int attach(struct loader *L, struct ynode *n, size_t added, const yaml_mark_t *mark)
{
	struct ynode *parent;

	L->expanded += added;
	if (L->expanded > CONFIG_MAX_NODES) {
		report_here(L, mark, "the document has more than %d nodes once aliases are "
			    "expanded (a guard against alias bombs; no configuration needs that many)",
			    CONFIG_MAX_NODES);
		return -1;
	}
	if (!L->depth) {
		L->root = n;
		return 0;
	}
	parent = L->stack[L->depth - 1].node;
	ALLOC_GROW(parent->kids, parent->nr + 1, parent->alloc);
	parent->kids[parent->nr++] = n;
	if (parent->kind == Y_MAP && parent->nr % 2 == 1) {
		size_t i;
		struct strbuf path = STRBUF_INIT;

		if (n->kind != Y_SCALAR) {
			parent->nr--;
			stack_path(L, &path);
			parent->nr++;
			report(L, n->line, n->col, path.buf, "a key must be a string, found %s",
			       n->kind == Y_MAP ? "a mapping" : "a list");
			strbuf_release(&path);
			return 0;
		}
		if (ytype(n) != YT_STR) {
			/* `1:`, `true:` or `null:` would be keys of other types for other readers */
			struct strbuf found = STRBUF_INIT;
			describe(&found, n);
			parent->nr--; /* the path is the mapping's */
			stack_path(L, &path);
			parent->nr++;
			report(L, n->line, n->col, path.buf, "a key must be a string, found %s; "
			       "quote it", found.buf);
			strbuf_release(&found);
			strbuf_release(&path);
			return 0;
		}
		for (i = 0; i + 2 < parent->nr; i += 2) {
			const struct ynode *k = parent->kids[i];
			if (k->kind == Y_SCALAR && !strcmp(k->str, n->str)) {
				stack_path(L, &path);
				report(L, n->line, n->col, path.buf,
				       "duplicate key '%s' (first at line %d)", n->str, k->line);
				strbuf_release(&path);
				break;
			}
		}
	}
	return 0;
}

static int take_tag(struct loader *L, const yaml_mark_t *mark, const yaml_char_t *tag, int scalar)
{
	if (!tag)
		return 0;
	if (scalar && !strcmp((const char *)tag, YAML_STR_TAG))
		return 1;
	report_here(L, mark, "explicit tag '%s' is not supported here (only !!str)",
		    (const char *)tag);
	return 1;
}

static void add_anchor(struct loader *L, const char *name, struct ynode *n)
{
	ALLOC_GROW(L->anchors, L->anchors_nr + 1, L->anchors_alloc);
	L->anchors[L->anchors_nr].name = xstrdup(name);
	L->anchors[L->anchors_nr++].node = n;
}

static int on_scalar(struct loader *L, yaml_event_t *ev)
{
	struct ynode *n = new_node(L, Y_SCALAR, &ev->start_mark);
	int tagged = take_tag(L, &ev->start_mark, ev->data.scalar.tag, 1);

	n->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->plain = !tagged && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (!L->flow_depth && ev->data.scalar.style != YAML_LITERAL_SCALAR_STYLE &&
	    ev->data.scalar.style != YAML_FOLDED_SCALAR_STYLE)
		check_span(L, ev->start_mark.line, ev->end_mark.line);
	if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length))
		report_here(L, &ev->start_mark, "a value contains a NUL character");
	if (attach(L, n, 1, &ev->start_mark) < 0)
		return -1;
	if (ev->data.scalar.anchor)
		add_anchor(L, (const char *)ev->data.scalar.anchor, n);
	return 0;
}

static int on_start(struct loader *L, yaml_event_t *ev, enum ykind kind)
{
	struct ynode *n = new_node(L, kind, &ev->start_mark);
	const yaml_char_t *anchor = kind == Y_MAP ? ev->data.mapping_start.anchor
						 : ev->data.sequence_start.anchor;

	take_tag(L, &ev->start_mark, kind == Y_MAP ? ev->data.mapping_start.tag
						   : ev->data.sequence_start.tag, 0);
	if (L->depth >= CONFIG_MAX_DEPTH) {
		report_here(L, &ev->start_mark, "nested deeper than %d levels", CONFIG_MAX_DEPTH);
		return -1;
	}
	if (attach(L, n, 1, &ev->start_mark) < 0)
		return -1;
	ALLOC_GROW(L->stack, L->depth + 1, L->stack_alloc);
	L->stack[L->depth].node = n;
	L->stack[L->depth].flow = kind == Y_MAP
		? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
		: ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	L->stack[L->depth].start_line = ev->start_mark.line;
	L->flow_depth += L->stack[L->depth].flow;
	/* registered when the collection ends, so that it cannot contain itself */
	L->stack[L->depth++].anchor = anchor ? xstrdup((const char *)anchor) : NULL;
	return 0;
}

static void on_end(struct loader *L, const yaml_event_t *ev)
{
	struct frame *f = &L->stack[--L->depth];
	size_t i;

	if (f->flow && --L->flow_depth == 0)
		check_span(L, f->start_line, ev->end_mark.line);
	for (i = 0; i < f->node->nr; i++)
		f->node->weight += f->node->kids[i]->weight;
	if (f->anchor) {
		add_anchor(L, f->anchor, f->node);
		free(f->anchor);
	}
}

static int on_alias(struct loader *L, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t i = L->anchors_nr;

	while (i-- > 0)
		if (!strcmp(L->anchors[i].name, name))
			return attach(L, L->anchors[i].node, L->anchors[i].node->weight,
				      &ev->start_mark);
	report_here(L, &ev->start_mark, "alias '*%s' refers to no anchor defined before it "
		    "(or to a node that contains the alias)", name);
	return -1;
}

static void report_syntax(struct loader *L, const yaml_parser_t *p)
{
	struct strbuf msg = STRBUF_INIT;

	strbuf_addf(&msg, "YAML syntax error: %s", p->problem ? p->problem : "cannot parse");
	if (p->context)
		strbuf_addf(&msg, " (%s at line %zu)", p->context, p->context_mark.line + 1);
	report(L, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1, "", "%s", msg.buf);
	strbuf_release(&msg);
}

static int build_tree(struct loader *L, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0, done = 0, docs = 0;

	if (!yaml_parser_initialize(&parser))
		return bot_error(BOT_ERROR, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			report_syntax(L, &parser);
			rc = -1;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				report(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				       "", "a second YAML document; the file must hold one");
				rc = -1;
			} else if (ev.data.document_start.version_directive ||
				   ev.data.document_start.tag_directives.start !=
				   ev.data.document_start.tag_directives.end) {
				/* %YAML 1.1 would change what `yes` means, for some readers only */
				report(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				       "", "%%YAML and %%TAG directives are not supported");
			}
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(L, &ev);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(L, &ev, Y_MAP);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(L, &ev, Y_SEQ);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			on_end(L, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(L, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* --------------------------------------------------- scalars and types */

static int span(const char *s, const char *set)
{
	int n = 0;
	while (*s && strchr(set, *s))
		s++, n++;
	return n;
}

#define DIGITS "0123456789"

static int is_core_int(const char *s)
{
	if (starts_with(s, "0o"))
		return s[2] && (size_t)span(s + 2, "01234567") == strlen(s + 2);
	if (starts_with(s, "0x"))
		return s[2] && (size_t)span(s + 2, DIGITS "abcdefABCDEF") == strlen(s + 2);
	if (*s == '-' || *s == '+')
		s++;
	return *s && (size_t)span(s, DIGITS) == strlen(s);
}

static int is_core_float(const char *s)
{
	int dot = 0, n;

	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return 1;
	if (*s == '-' || *s == '+')
		s++;
	if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF"))
		return 1;
	if (*s == '.') {
		dot = 1;
		n = span(++s, DIGITS);
		if (!n)
			return 0;
		s += n;
	} else {
		n = span(s, DIGITS);
		if (!n)
			return 0;
		s += n;
		if (*s == '.') {
			dot = 1;
			s += 1 + span(s + 1, DIGITS);
		}
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		n = span(s, DIGITS);
		return n && !s[n];
	}
	return !*s && dot;
}

static enum ytype ytype(const struct ynode *n)
{
	const char *s;

	if (n->kind == Y_MAP)
		return YT_MAP;
	if (n->kind == Y_SEQ)
		return YT_SEQ;
	if (!n->plain)
		return YT_STR;
	s = n->str;
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return YT_NULL;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") ||
	    !strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return YT_BOOL;
	if (is_core_int(s))
		return YT_INT;
	if (is_core_float(s))
		return YT_FLOAT;
	return YT_STR;
}

static double number_value(const struct ynode *n)
{
	const char *s = n->str, *p = s;

	if (starts_with(s, "0o"))
		return (double)strtoull(s + 2, NULL, 8);
	if (starts_with(s, "0x"))
		return (double)strtoull(s + 2, NULL, 16);
	if (*p == '-' || *p == '+')
		p++;
	if (*p == '.' && (p[1] == 'i' || p[1] == 'I'))
		return *s == '-' ? -INFINITY : INFINITY;
	if (*p == '.' && (p[1] == 'n' || p[1] == 'N'))
		return NAN;
	return strtod(s, NULL);
}

/* "a mapping", "the number 30", "'high'": what was found, for messages. */
static void describe(struct strbuf *sb, const struct ynode *n)
{
	switch (ytype(n)) {
	case YT_MAP: strbuf_addstr(sb, "a mapping"); break;
	case YT_SEQ: strbuf_addstr(sb, "a list"); break;
	case YT_NULL: strbuf_addstr(sb, "nothing (null)"); break;
	case YT_BOOL: strbuf_addf(sb, "the boolean %s", n->str); break;
	case YT_INT:
	case YT_FLOAT: strbuf_addf(sb, "the number %s", n->str); break;
	default: strbuf_addf(sb, "'%s'", n->str); break;
	}
}

__attribute__((format(printf, 4, 5)))
static void report_type(struct loader *L, const struct ynode *n, const struct strbuf *path,
			const char *expected_fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	strbuf_addstr(&msg, "expected ");
	va_start(ap, expected_fmt);
	strbuf_vaddf(&msg, expected_fmt, ap);
	va_end(ap);
	strbuf_addstr(&msg, ", found ");
	describe(&msg, n);
	report_at(L, n, path, "%s", msg.buf);
	strbuf_release(&msg);
}

/* ------------------------------------------------------------ patterns */

/*
 * Each pattern here has a twin in autofix.schema.json; the comment gives
 * it. They are written out by hand so that both sides accept exactly the
 * same strings (ASCII classes only, no locale).
 */

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ */
static int match_name(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 63 && is_alnum(*s) &&
	       (size_t)span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-") == n;
}

/*
 * ^(?!gh[pousr]_|github_pat_)[A-Za-z_][A-Za-z0-9_]*$ : a
 * variable name, and not one of the token shapes that would pass for one
 * (a GitHub token pasted where its variable's name belongs).
 */
static int match_env_name(const char *s)
{
	if (starts_with(s, "github_pat_") ||
	    (s[0] == 'g' && s[1] == 'h' && s[2] && strchr("pousr", s[2]) && s[3] == '_'))
		return 0;
	return *s && !(*s >= '0' && *s <= '9') &&
	       (size_t)span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") ==
	       strlen(s);
}

/* ^[A-Za-z_][A-Za-z0-9_]*$ : a Prometheus label name. */
static int match_prom_label(const char *s)
{
	return *s && !(*s >= '0' && *s <= '9') &&
	       (size_t)span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") ==
	       strlen(s);
}

/*
 * Not both {{service}} and {{services}}: the first makes a query per
 * service, the second one query for all, and a template cannot be both.
 */
static int match_prom_query(const char *s)
{
	return !(strstr(s, "{{service}}") && strstr(s, "{{services}}"));
}

/*
 * ^https?://[A-Za-z0-9.:\[\]%_~!$&'()*+,;=-]+([/?#][!-~]*)?$ : no '@' in
 * the authority, so no user:password@ (credentials go in *_env variables).
 */
static int match_url(const char *s)
{
	int n;

	if (starts_with(s, "http://"))
		s += 7;
	else if (starts_with(s, "https://"))
		s += 8;
	else
		return 0;
	n = span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:[]%_~!$&'()*+,;=-");
	if (!n)
		return 0;
	s += n;
	if (!*s)
		return 1;
	if (*s != '/' && *s != '?' && *s != '#')
		return 0;
	for (; *s; s++)
		if (*s < '!' || *s > '~')
			return 0;
	return 1;
}

/* ^[!-~]+$ : printable ASCII, no spaces */
static int match_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '!' || *s > '~')
			return 0;
	return 1;
}

/* ^[A-Za-z0-9][A-Za-z0-9-]{0,38}$ */
static int match_login(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 39 && is_alnum(*s) &&
	       (size_t)span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

/* ^[A-Za-z0-9][A-Za-z0-9-]{0,38}(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$ : a user or org/team */
static int match_reviewer(const char *s)
{
	const char *slash = strchr(s, '/');
	char *user;
	int ok;

	if (!slash)
		return match_login(s);
	user = xstrndup(s, (size_t)(slash - s));
	ok = match_login(user) && is_alnum(slash[1]) &&
	     (size_t)span(slash + 1, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-") ==
	     strlen(slash + 1);
	free(user);
	return ok;
}

/* ^([A-Za-z0-9_-]+/)+$ */
static int match_branch_prefix(const char *s)
{
	int n;

	if (!*s)
		return 0;
	while (*s) {
		n = span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-");
		if (!n || s[n] != '/')
			return 0;
		s += n + 1;
	}
	return 1;
}

/* relative (no leading '/') and no '..' component; the schema's pattern says the same */
static int match_repo_path(const char *s)
{
	const char *p = s;

	if (!*s || *s == '/')
		return 0;
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		if (!end)
			return 1;
		p = end + 1;
	}
}

/* maxLength 50, counted in code points (GitHub's limit on a label name) */
static int match_label(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n >= 1 && n <= 50;
}

/* ------------------------------------------------ keys and did-you-mean */

/* Optimal string alignment distance, case-insensitive; keys are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *row0, *row1, *row2;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	row0 = xcalloc(lb + 1, sizeof(size_t));
	row1 = xcalloc(lb + 1, sizeof(size_t));
	row2 = xcalloc(lb + 1, sizeof(size_t));
	for (j = 0; j <= lb; j++)
		row1[j] = j;
	for (i = 1; i <= la; i++) {
		size_t *tmp;
		row2[0] = i;
		for (j = 1; j <= lb; j++) {
			int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
			size_t cost = ca != cb;
			size_t best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (row1[j - 1] + cost < best)
				best = row1[j - 1] + cost;
			if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) && (a[i - 2] | 0x20) == cb &&
			    row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		tmp = row0, row0 = row1, row1 = row2, row2 = tmp;
	}
	d = row1[lb];
	free(row0);
	free(row1);
	free(row2);
	return d;
}

/* The candidate nearest to word, or NULL when none is near enough to be a typo. */
static const char *nearest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, limit = strlen(word) / 3;

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (; *candidates; candidates++) {
		size_t d = edit_distance(word, *candidates);
		if (d < best_d) {
			best_d = d;
			best = *candidates;
		}
	}
	return best_d <= limit ? best : NULL;
}

static void path_push(struct strbuf *path, const char *key, size_t *saved)
{
	*saved = path->len;
	if (path->len)
		strbuf_addch(path, '.');
	strbuf_addstr(path, key);
}

static void path_pop(struct strbuf *path, size_t saved)
{
	strbuf_setlen(path, saved);
}

static const struct ynode *map_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->kind != Y_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nr; i += 2)
		if (map->kids[i]->kind == Y_SCALAR && !strcmp(map->kids[i]->str, key))
			return map->kids[i + 1];
	return NULL;
}

/*
 * The value of key in map, with path pushed to it (the caller pops it
 * with path_pop(path, *saved)); NULL, path untouched, when there is none.
 */
static const struct ynode *enter_key(const struct ynode *map, const char *key,
				     struct strbuf *path, size_t *saved)
{
	const struct ynode *v = map_get(map, key);

	if (v)
		path_push(path, key, saved);
	return v;
}

/* Reports every key of map that is not in allowed (NULL-terminated). */
static void check_keys(struct loader *L, const struct ynode *map, struct strbuf *path,
		       const char *const *allowed)
{
	size_t i;

	for (i = 0; i + 1 < map->nr; i += 2) {
		const struct ynode *k = map->kids[i];
		const char *const *a;
		const char *near;

		if (k->kind != Y_SCALAR)
			continue; /* reported while building */
		for (a = allowed; *a; a++)
			if (!strcmp(*a, k->str))
				break;
		if (*a)
			continue;
		near = nearest(k->str, allowed);
		if (near)
			report_at(L, k, path, "unknown key '%s', did you mean '%s'?", k->str, near);
		else {
			struct strbuf list = STRBUF_INIT;
			for (a = allowed; *a; a++)
				strbuf_addf(&list, "%s'%s'", a == allowed ? "" : ", ", *a);
			report_at(L, k, path, "unknown key '%s' (expected one of %s)", k->str, list.buf);
			strbuf_release(&list);
		}
	}
}

static void require_key(struct loader *L, const struct ynode *map, struct strbuf *path,
			const char *key)
{
	if (!map_get(map, key))
		report_at(L, map, path, "missing required key '%s'", key);
}

/* 1 when n is a mapping; otherwise reports it and returns 0. */
static int want_map(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	if (n->kind == Y_MAP)
		return 1;
	report_type(L, n, path, "a mapping");
	return 0;
}

/* --------------------------------------------------------- field readers */

typedef int (*match_fn)(const char *s);

static int string_value(struct loader *L, const struct ynode *v, struct strbuf *path,
			match_fn match, const char *expected)
{
	if (match == match_env_name && (ytype(v) != YT_STR || !match(v->str))) {
		/*
		 * Most likely the secret itself, pasted where the name of its
		 * variable belongs: say so without repeating it into a log.
		 */
		report_at(L, v, path, "expected %s, found a value of %zu characters that is not "
			  "one (if it is the secret itself, put it in an environment variable, "
			  "name the variable here, and revoke the secret: this file is not secret)",
			  expected, v->kind == Y_SCALAR ? strlen(v->str) : 0);
		return -1;
	}
	if (ytype(v) != YT_STR || !*v->str) {
		report_type(L, v, path, "%s", expected ? expected : "a non-empty string");
		return -1;
	}
	if (match == match_url && !match(v->str) && strchr(v->str, '@')) {
		report_at(L, v, path, "expected %s without credentials (user:password@); "
			  "found one with an '@', not repeated here", expected);
		return -1;
	}
	if (match && !match(v->str)) {
		report_at(L, v, path, "expected %s, found '%s'", expected, v->str);
		return -1;
	}
	return 0;
}

static void rd_str(struct loader *L, const struct ynode *map, const char *key,
		   struct strbuf *path, char **out, match_fn match, const char *expected)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = enter_key(map, key, path, &saved)))
		return;
	if (!string_value(L, v, path, match, expected)) {
		free(*out);
		*out = xstrdup(v->str);
	}
	path_pop(path, saved);
}

static void rd_bool(struct loader *L, const struct ynode *map, const char *key,
		    struct strbuf *path, int *out)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = enter_key(map, key, path, &saved)))
		return;
	if (ytype(v) != YT_BOOL)
		report_type(L, v, path, "true or false");
	else
		*out = v->str[0] == 't' || v->str[0] == 'T';
	path_pop(path, saved);
}

/* A finite number within [min, max]; integer_only also wants a whole one. */
static int number_in(struct loader *L, const struct ynode *v, struct strbuf *path,
		     double *out, double min, double max, int integer_only)
{
	enum ytype t = ytype(v);
	const char *what = integer_only ? "a whole number" : "a number";
	double d;

	if (t != YT_INT && t != YT_FLOAT) {
		report_type(L, v, path, "%s from %.15g to %.15g", what, min, max);
		return -1;
	}
	d = number_value(v);
	if (!isfinite(d) || (integer_only && d != floor(d))) {
		report_at(L, v, path, "expected %s, found %s", what, v->str);
		return -1;
	}
	if (d < min || d > max) {
		report_at(L, v, path, "expected %s from %.15g to %.15g, found %s", what, min, max, v->str);
		return -1;
	}
	*out = d;
	return 0;
}

/* A number at key within [min, max] (integer_only: a whole one); *out is left alone on error. */
static void rd_number(struct loader *L, const struct ynode *map, const char *key,
		      struct strbuf *path, double *out, double min, double max, int integer_only)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = enter_key(map, key, path, &saved)))
		return;
	number_in(L, v, path, out, min, max, integer_only);
	path_pop(path, saved);
}

static void rd_num(struct loader *L, const struct ynode *map, const char *key,
		   struct strbuf *path, double *out, double min, double max)
{
	rd_number(L, map, key, path, out, min, max, 0);
}

static void rd_int(struct loader *L, const struct ynode *map, const char *key,
		   struct strbuf *path, int64_t *out, int64_t min, int64_t max)
{
	double d = (double)*out;

	rd_number(L, map, key, path, &d, (double)min, (double)max, 1);
	*out = (int64_t)d;
}

static void rd_small_int(struct loader *L, const struct ynode *map, const char *key,
			 struct strbuf *path, int *out, int min, int max)
{
	int64_t v = *out;

	rd_int(L, map, key, path, &v, min, max);
	*out = (int)v;
}

#define DURATION_EXAMPLES "a duration like '30s', '10m', '24h', '1500ms' or '1h30m'"

static int duration_value(struct loader *L, const struct ynode *v, struct strbuf *path,
			  int64_t *out, int positive)
{
	int64_t ms;

	if (ytype(v) != YT_STR) {
		report_type(L, v, path, DURATION_EXAMPLES);
		return -1;
	}
	if (units_parse_duration(&ms, v->str) < 0) {
		report_at(L, v, path, "%s", bot_error_last());
		return -1;
	}
	if (positive && ms == 0) {
		report_at(L, v, path, "expected a duration greater than zero, found '%s'", v->str);
		return -1;
	}
	*out = ms;
	return 0;
}

static void rd_duration(struct loader *L, const struct ynode *map, const char *key,
			struct strbuf *path, int64_t *out, int positive)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = enter_key(map, key, path, &saved)))
		return;
	duration_value(L, v, path, out, positive);
	path_pop(path, saved);
}

#define PERCENT_EXAMPLES "a percentage like '85%%' or '0.5%%'"

/* A percentage of at most 100%, as a fraction. */
static int percent_value(struct loader *L, const struct ynode *v, struct strbuf *path, double *out)
{
	double f;

	if (ytype(v) != YT_STR) {
		report_type(L, v, path, PERCENT_EXAMPLES);
		return -1;
	}
	if (units_parse_percent(&f, v->str) < 0) {
		report_at(L, v, path, "%s", bot_error_last());
		return -1;
	}
	if (f > 1.0) {
		report_at(L, v, path, "expected a percentage of at most 100%%, found '%s'", v->str);
		return -1;
	}
	*out = f;
	return 0;
}

static void rd_percent(struct loader *L, const struct ynode *map, const char *key,
		       struct strbuf *path, double *out)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = enter_key(map, key, path, &saved)))
		return;
	percent_value(L, v, path, out);
	path_pop(path, saved);
}

static void rd_enum(struct loader *L, const struct ynode *map, const char *key,
		    struct strbuf *path, int *out, const char *const *names)
{
	const struct ynode *v;
	size_t saved;
	int i;

	if (!(v = enter_key(map, key, path, &saved)))
		return;
	for (i = 0; names[i]; i++)
		if (ytype(v) == YT_STR && !strcmp(names[i], v->str)) {
			*out = i;
			break;
		}
	if (!names[i]) {
		struct strbuf list = STRBUF_INIT;
		const char *near = ytype(v) == YT_STR ? nearest(v->str, names) : NULL;
		for (i = 0; names[i]; i++)
			strbuf_addf(&list, "%s'%s'", i ? ", " : "", names[i]);
		if (near)
			strbuf_addf(&list, " (did you mean '%s'?)", near);
		report_type(L, v, path, "one of %s", list.buf);
		strbuf_release(&list);
	}
	path_pop(path, saved);
}

/* A list of distinct strings each accepted by match; replaces *out when present. */
static void rd_str_list(struct loader *L, const struct ynode *map, const char *key,
			struct strbuf *path, char ***out, size_t *out_nr,
			match_fn match, const char *expected)
{
	const struct ynode *v;
	char **list = NULL;
	size_t saved, i, j, nr = 0;
	int bad = 0;

	if (!(v = enter_key(map, key, path, &saved)))
		return;
	if (v->kind != Y_SEQ) {
		report_type(L, v, path, "a list");
		path_pop(path, saved);
		return;
	}
	list = xcalloc(v->nr + 1, sizeof(*list));
	for (i = 0; i < v->nr; i++) {
		size_t len = path->len;
		strbuf_addf(path, "[%zu]", i);
		if (string_value(L, v->kids[i], path, match, expected) < 0) {
			bad = 1;
		} else {
			for (j = 0; j < nr; j++)
				if (!strcmp(list[j], v->kids[i]->str))
					break;
			if (j < nr) {
				report_at(L, v->kids[i], path, "'%s' is listed twice", v->kids[i]->str);
				bad = 1;
			} else {
				list[nr++] = xstrdup(v->kids[i]->str);
			}
		}
		strbuf_setlen(path, len);
	}
	if (bad) {
		strv_free(list, nr);
	} else {
		strv_free(*out, *out_nr);
		*out = list;
		*out_nr = nr;
	}
	path_pop(path, saved);
}

/* ------------------------------------------------------------- sections */

static const char *const top_keys[] = {
	"version", "source", "window", "step", "thresholds", "detect", "services",
	"upstreams", "agent", "llm", "pull_requests", "verify", "redact", NULL,
};

static void rd_source(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const kinds[] = { "railway", "prometheus", NULL };
	static const char *const railway_keys[] = {
		"project", "environment", "token_env", "token_kind", "endpoint", NULL,
	};
	static const char *const prometheus_keys[] = {
		"url", "token_env", "queries", "service_label", NULL,
	};
	struct source_config *src = &L->cfg->source;
	const struct ynode *v;
	size_t saved;

	if (!want_map(L, n, path))
		return;
	check_keys(L, n, path, kinds);
	if (n->nr != 2) {
		report_at(L, n, path, "expected exactly one of 'railway', 'prometheus'");
		return;
	}
	if ((v = enter_key(n, "railway", path, &saved))) {
		struct railway_config *r = &src->railway;
		int kind = r->token_kind;
		src->kind = SOURCE_RAILWAY;
		if (want_map(L, v, path)) {
			check_keys(L, v, path, railway_keys);
			require_key(L, v, path, "project");
			rd_str(L, v, "project", path, &r->project, match_token,
			       "a project id (no spaces)");
			rd_str(L, v, "environment", path, &r->environment, NULL, NULL);
			rd_str(L, v, "token_env", path, &r->token_env, match_env_name,
			       "an environment variable name like 'RAILWAY_API_TOKEN'");
			rd_enum(L, v, "token_kind", path, &kind, token_kind_names);
			r->token_kind = (enum railway_token_kind)kind;
			rd_str(L, v, "endpoint", path, &r->endpoint, match_url, "an http(s) URL");
		}
		path_pop(path, saved);
	} else if ((v = enter_key(n, "prometheus", path, &saved))) {
		struct prometheus_config *p = &src->prometheus;
		src->kind = SOURCE_PROMETHEUS;
		if (want_map(L, v, path)) {
			const struct ynode *q;
			check_keys(L, v, path, prometheus_keys);
			require_key(L, v, path, "url");
			rd_str(L, v, "url", path, &p->url, match_url, "an http(s) URL");
			rd_str(L, v, "token_env", path, &p->token_env, match_env_name,
			       "an environment variable name like 'PROMETHEUS_TOKEN'");
			rd_str(L, v, "service_label", path, &p->service_label, match_prom_label,
			       "a Prometheus label name like 'service'");
			if ((q = map_get(v, "queries"))) {
				size_t qsaved;
				int i;
				path_push(path, "queries", &qsaved);
				if (want_map(L, q, path)) {
					check_keys(L, q, path, prom_query_names);
					for (i = 0; i < PROM_QUERY__COUNT; i++)
						rd_str(L, q, prom_query_names[i], path,
						       &p->queries[i], match_prom_query,
						       "a PromQL template with {{service}} or {{services}}, "
						       "not both");
				}
				path_pop(path, qsaved);
			}
		}
		path_pop(path, saved);
	}
}

static int level_value(struct loader *L, const struct ynode *v, struct strbuf *path,
		       enum signal s, struct level *out)
{
	enum ytype t = ytype(v);
	int64_t ms;
	double d;

	if (t == YT_NULL) {
		*out = (struct level){ LEVEL_UNSET, 0 };
		return 0;
	}
	switch (s) {
	case SIGNAL_MEMORY:
		if (t == YT_STR && ends_with(v->str, "%"))
			break;
		if (t != YT_STR || units_parse_bytes(&d, v->str) < 0) {
			report_type(L, v, path, "a percentage like '85%%' or a size like '2GB', "
				    "or null for off");
			return -1;
		}
		*out = (struct level){ LEVEL_BYTES, d };
		return 0;
	case SIGNAL_LATENCY_P95:
		if (duration_value(L, v, path, &ms, 0) < 0)
			return -1;
		*out = (struct level){ LEVEL_MS, (double)ms };
		return 0;
	default:
		break;
	}
	if (percent_value(L, v, path, &d) < 0)
		return -1;
	*out = (struct level){ LEVEL_FRACTION, d };
	return 0;
}

static int signal_counts_requests(enum signal s)
{
	return s == SIGNAL_ERROR_RATE_5XX || s == SIGNAL_ERROR_RATE_4XX || s == SIGNAL_LATENCY_P95;
}

/* Reads one signal's threshold over *t: what the file leaves out stays as it was. */
static void rd_threshold(struct loader *L, const struct ynode *n, struct strbuf *path,
			 enum signal s, struct threshold *t)
{
	static const char *const keys[] = {
		"enabled", "warning", "critical", "for", "min_samples", NULL,
	};
	static const char *const http_keys[] = {
		"enabled", "warning", "critical", "for", "min_samples", "min_requests", NULL,
	};
	static const char *const levels[] = { "warning", "critical" };
	size_t i, saved;

	if (!want_map(L, n, path))
		return;
	check_keys(L, n, path, signal_counts_requests(s) ? http_keys : keys);
	rd_bool(L, n, "enabled", path, &t->enabled);
	for (i = 0; i < 2; i++) {
		const struct ynode *v = enter_key(n, levels[i], path, &saved);
		if (!v)
			continue;
		level_value(L, v, path, s, i ? &t->critical : &t->warning);
		path_pop(path, saved);
	}
	rd_duration(L, n, "for", path, &t->for_ms, 0);
	rd_small_int(L, n, "min_samples", path, &t->min_samples, 1, 10000);
	if (signal_counts_requests(s))
		rd_int(L, n, "min_requests", path, &t->min_requests, 0, 1000000000);
}

static void add_level(struct strbuf *sb, const struct level *l)
{
	if (l->unit == LEVEL_FRACTION)
		units_format_percent(sb, l->value);
	else if (l->unit == LEVEL_MS)
		units_format_duration(sb, (int64_t)l->value);
	else
		units_format_bytes(sb, l->value);
}

/*
 * A warning level above the critical one is a typo more often than a
 * wish, and it would make the warning unreachable: refused. Levels of
 * different units (memory in % and in bytes) are not compared.
 */
static void check_level_order(struct loader *L, const struct ynode *n, struct strbuf *path,
			      const struct threshold *t)
{
	struct strbuf w = STRBUF_INIT, c = STRBUF_INIT;

	if (t->warning.unit == LEVEL_UNSET || t->warning.unit != t->critical.unit ||
	    t->warning.value <= t->critical.value)
		return;
	add_level(&w, &t->warning);
	add_level(&c, &t->critical);
	report_at(L, n, path, "the warning level (%s) is above the critical level (%s)", w.buf, c.buf);
	strbuf_release(&w);
	strbuf_release(&c);
}

static void rd_thresholds(struct loader *L, const struct ynode *n, struct strbuf *path,
			  struct threshold *th)
{
	int s;

	if (!want_map(L, n, path))
		return;
	check_keys(L, n, path, signal_names);
	for (s = 0; s < SIGNAL__COUNT; s++) {
		size_t saved;
		const struct ynode *v = enter_key(n, signal_names[s], path, &saved);
		if (!v)
			continue;
		rd_threshold(L, v, path, (enum signal)s, &th[s]);
		if (v->kind == Y_MAP)
			check_level_order(L, v, path, &th[s]);
		path_pop(path, saved);
	}
}

static void rd_detect(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "memory_leak", "regression", NULL };
	static const char *const leak_keys[] = { "enabled", "horizon", "min_fit", NULL };
	static const char *const reg_keys[] = {
		"enabled", "latency_ratio", "error_rate_ratio", "min_error_rate", "confidence",
		"baseline", "cpu_ratio", "memory_ratio", "seasonal_days", NULL,
	};
	const struct ynode *v;
	size_t saved;

	if (!want_map(L, n, path))
		return;
	check_keys(L, n, path, keys);
	if ((v = enter_key(n, "memory_leak", path, &saved))) {
		struct leak_config *leak = &L->cfg->leak;
		if (want_map(L, v, path)) {
			check_keys(L, v, path, leak_keys);
			rd_bool(L, v, "enabled", path, &leak->enabled);
			rd_duration(L, v, "horizon", path, &leak->horizon_ms, 1);
			rd_num(L, v, "min_fit", path, &leak->min_fit, 0, 1);
		}
		path_pop(path, saved);
	}
	if ((v = enter_key(n, "regression", path, &saved))) {
		struct regression_config *r = &L->cfg->regression;
		if (want_map(L, v, path)) {
			check_keys(L, v, path, reg_keys);
			rd_bool(L, v, "enabled", path, &r->enabled);
			rd_num(L, v, "latency_ratio", path, &r->latency_ratio, 1, 1000);
			rd_num(L, v, "error_rate_ratio", path, &r->error_rate_ratio, 1, 1000);
			rd_percent(L, v, "min_error_rate", path, &r->min_error_rate);
			rd_num(L, v, "confidence", path, &r->confidence, 0.5, 0.9999);
			rd_duration(L, v, "baseline", path, &r->baseline_ms, 1);
			rd_num(L, v, "cpu_ratio", path, &r->cpu_ratio, 1, 1000);
			rd_num(L, v, "memory_ratio", path, &r->memory_ratio, 1, 1000);
			rd_small_int(L, v, "seasonal_days", path, &r->seasonal_days, 0, 7);
		}
		path_pop(path, saved);
	}
}

#define NAME_EXPECTED "a name of letters, digits, '.', '_' or '-' (at most 63, starting " \
	"with a letter or digit)"

/* The names of a mapping's entries, checked; 0 when the entry's name is bad. */
static int entry_name_ok(struct loader *L, const struct ynode *key, struct strbuf *path)
{
	if (key->kind == Y_SCALAR && match_name(key->str))
		return 1;
	if (key->kind == Y_SCALAR)
		report_at(L, key, path, "expected %s, found '%s'", NAME_EXPECTED, key->str);
	return 0;
}

static void rd_upstreams(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "statuspage", "components", NULL };
	struct config *cfg = L->cfg;
	size_t i, saved;

	if (!want_map(L, n, path))
		return;
	cfg->upstreams = xcalloc(n->nr / 2 + 1, sizeof(*cfg->upstreams));
	for (i = 0; i + 1 < n->nr; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		struct upstream_config *up;

		if (!entry_name_ok(L, k, path))
			continue;
		up = &cfg->upstreams[cfg->upstreams_nr++];
		up->name = xstrdup(k->str);
		path_push(path, k->str, &saved);
		if (ytype(v) != YT_NULL && want_map(L, v, path)) {
			check_keys(L, v, path, keys);
			rd_str(L, v, "statuspage", path, &up->statuspage, match_url,
			       "an http(s) URL");
			rd_str_list(L, v, "components", path, &up->components, &up->components_nr,
				    NULL, NULL);
		}
		path_pop(path, saved);
	}
}

static int upstream_known(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->upstreams_nr; i++)
		if (!strcmp(cfg->upstreams[i].name, name))
			return 1;
	return 0;
}

/* Every upstream a service names must be declared under `upstreams`. */
static void check_service_upstreams(struct loader *L, const struct ynode *svc,
				    struct strbuf *path, const struct service_config *sc)
{
	const struct ynode *list = map_get(svc, "upstreams");
	const char **names;
	size_t i, saved;

	if (!list || list->kind != Y_SEQ)
		return;
	names = xcalloc(L->cfg->upstreams_nr + 1, sizeof(*names));
	for (i = 0; i < L->cfg->upstreams_nr; i++)
		names[i] = L->cfg->upstreams[i].name;
	path_push(path, "upstreams", &saved);
	for (i = 0; i < list->nr; i++) {
		const struct ynode *item = list->kids[i];
		const char *near;
		size_t len = path->len;

		if (ytype(item) != YT_STR || upstream_known(L->cfg, item->str))
			continue;
		strbuf_addf(path, "[%zu]", i);
		near = nearest(item->str, names);
		if (near)
			report_at(L, item, path, "upstream '%s' is not declared under 'upstreams' "
				  "(did you mean '%s'?)", item->str, near);
		else
			report_at(L, item, path, "upstream '%s' is not declared under 'upstreams'",
				  item->str);
		strbuf_setlen(path, len);
	}
	path_pop(path, saved);
	free(names);
	(void)sc;
}

static void rd_services(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = {
		"path", "deployed_as", "enabled", "thresholds", "upstreams", NULL,
	};
	struct config *cfg = L->cfg;
	size_t i, saved;

	if (n->kind != Y_MAP) {
		report_type(L, n, path, "a mapping of service names to their settings");
		return;
	}
	if (!n->nr) {
		report_at(L, n, path, "at least one service is required");
		return;
	}
	cfg->services = xcalloc(n->nr / 2 + 1, sizeof(*cfg->services));
	for (i = 0; i + 1 < n->nr; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1], *th;
		struct service_config *svc;

		if (!entry_name_ok(L, k, path))
			continue;
		svc = &cfg->services[cfg->services_nr++];
		svc->name = xstrdup(k->str);
		svc->path = xstrdup(".");
		svc->deployed_as = xstrdup(k->str);
		svc->enabled = 1;
		memcpy(svc->thresholds, cfg->thresholds, sizeof(svc->thresholds));
		path_push(path, k->str, &saved);
		if (ytype(v) != YT_NULL && want_map(L, v, path)) {
			check_keys(L, v, path, keys);
			rd_str(L, v, "path", path, &svc->path, match_repo_path,
			       "a path relative to the repository root, without '..'");
			rd_str(L, v, "deployed_as", path, &svc->deployed_as, NULL, NULL);
			rd_bool(L, v, "enabled", path, &svc->enabled);
			if ((th = map_get(v, "thresholds"))) {
				size_t tsaved;
				path_push(path, "thresholds", &tsaved);
				rd_thresholds(L, th, path, svc->thresholds);
				path_pop(path, tsaved);
			}
			rd_str_list(L, v, "upstreams", path, &svc->upstreams, &svc->upstreams_nr,
				    match_name, NAME_EXPECTED);
			check_service_upstreams(L, v, path, svc);
		}
		path_pop(path, saved);
	}
}

static void rd_agent(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "opencode", "command", "timeout", NULL };
	static const char *const oc_keys[] = { "url", "username", "password_env", "model", NULL };
	struct agent_config *a = &L->cfg->agent;
	const struct ynode *oc, *cmd;
	size_t saved;

	if (ytype(n) == YT_STR && !strcmp(n->str, "none")) {
		a->kind = AGENT_NONE;
		return;
	}
	if (n->kind != Y_MAP) {
		report_type(L, n, path, "'none' or a mapping with 'opencode' or 'command'");
		return;
	}
	check_keys(L, n, path, keys);
	oc = map_get(n, "opencode");
	cmd = map_get(n, "command");
	if (!oc == !cmd) {
		report_at(L, n, path, "expected exactly one of 'opencode', 'command'");
		return;
	}
	rd_duration(L, n, "timeout", path, &a->timeout_ms, 1);
	if (cmd) {
		a->kind = AGENT_COMMAND;
		rd_str(L, n, "command", path, &a->command, NULL, NULL);
		return;
	}
	a->kind = AGENT_OPENCODE;
	a->username = xstrdup("opencode");
	a->password_env = xstrdup("OPENCODE_SERVER_PASSWORD");
	path_push(path, "opencode", &saved);
	if (want_map(L, oc, path)) {
		check_keys(L, oc, path, oc_keys);
		require_key(L, oc, path, "url");
		rd_str(L, oc, "url", path, &a->url, match_url, "an http(s) URL");
		rd_str(L, oc, "username", path, &a->username, NULL, NULL);
		rd_str(L, oc, "password_env", path, &a->password_env, match_env_name,
		       "an environment variable name like 'OPENCODE_SERVER_PASSWORD'");
		rd_str(L, oc, "model", path, &a->model, NULL, NULL);
	}
	path_pop(path, saved);
}

static void rd_llm(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = {
		"provider", "model", "base_url", "api_key_env", "max_tokens", "timeout", NULL,
	};
	static const char *const providers[] = { "openai", "anthropic", NULL };
	struct llm_config *llm = &L->cfg->llm;
	int provider = -1;

	if (ytype(n) == YT_STR && !strcmp(n->str, "none")) {
		llm->provider = LLM_NONE;
		return;
	}
	if (n->kind != Y_MAP) {
		report_type(L, n, path, "'none' or a mapping with 'provider' and 'model'");
		return;
	}
	check_keys(L, n, path, keys);
	require_key(L, n, path, "provider");
	require_key(L, n, path, "model");
	rd_enum(L, n, "provider", path, &provider, providers);
	rd_str(L, n, "model", path, &llm->model, NULL, NULL);
	rd_str(L, n, "base_url", path, &llm->base_url, match_url, "an http(s) URL");
	rd_str(L, n, "api_key_env", path, &llm->api_key_env, match_env_name,
	       "an environment variable name like 'OPENAI_API_KEY'");
	rd_small_int(L, n, "max_tokens", path, &llm->max_tokens, 1, 1000000);
	rd_duration(L, n, "timeout", path, &llm->timeout_ms, 1);
	if (provider == 0) {
		llm->provider = LLM_OPENAI;
		if (!llm->base_url)
			llm->base_url = xstrdup("https://api.openai.com/v1");
		if (!llm->api_key_env)
			llm->api_key_env = xstrdup("OPENAI_API_KEY");
	} else if (provider == 1) {
		llm->provider = LLM_ANTHROPIC;
		if (!llm->base_url)
			llm->base_url = xstrdup("https://api.anthropic.com");
		if (!llm->api_key_env)
			llm->api_key_env = xstrdup("ANTHROPIC_API_KEY");
	}
}

static void rd_pull_requests(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = {
		"labels", "draft", "reviewers", "assignees", "branch_prefix", "max_open",
		"cooldown", NULL,
	};
	struct pull_request_config *pr = &L->cfg->pull_requests;

	if (!want_map(L, n, path))
		return;
	check_keys(L, n, path, keys);
	rd_str_list(L, n, "labels", path, &pr->labels, &pr->labels_nr, match_label,
		    "a label of 1 to 50 characters");
	rd_bool(L, n, "draft", path, &pr->draft);
	rd_str_list(L, n, "reviewers", path, &pr->reviewers, &pr->reviewers_nr, match_reviewer,
		    "a GitHub login or 'org/team'");
	rd_str_list(L, n, "assignees", path, &pr->assignees, &pr->assignees_nr, match_login,
		    "a GitHub login");
	rd_str(L, n, "branch_prefix", path, &pr->branch_prefix, match_branch_prefix,
	       "a branch prefix like 'autofix/' (letters, digits, '_', '-', ending in '/')");
	rd_small_int(L, n, "max_open", path, &pr->max_open, 1, 100);
	rd_duration(L, n, "cooldown", path, &pr->cooldown_ms, 0);
}

static void rd_verify(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	static const char *const keys[] = { "command", "timeout", NULL };
	struct verify_config *v = &L->cfg->verify;

	if (ytype(n) == YT_STR && *n->str) {
		v->command = xstrdup(n->str);
		return;
	}
	if (n->kind != Y_MAP) {
		report_type(L, n, path, "a command, or a mapping with 'command' and 'timeout'");
		return;
	}
	check_keys(L, n, path, keys);
	require_key(L, n, path, "command");
	rd_str(L, n, "command", path, &v->command, NULL, NULL);
	rd_duration(L, n, "timeout", path, &v->timeout_ms, 1);
}

/*
 * Redaction patterns are POSIX extended regular expressions (regcomp), and
 * the schema test compiles them as JavaScript ones. Where the two dialects
 * read a pattern differently the result is worse than an error: '\d' is a
 * digit to JavaScript and a 'd' to glibc, so a secret would go unmasked.
 * Patterns are therefore held to the subset both read the same way, with
 * the same code in tests/config/check.js (portableRegex):
 * escapes only of punctuation, no backslash inside [ ], braces only as
 * {n}, {n,} or {n,m} after something to repeat, no ']' or '}' alone, no
 * empty alternative, no '(?', ranges in order, ASCII inside [ ].
 */
struct re_scan {
	const char *s;
	size_t pos;
	const char *err;
};

static int re_fail(struct re_scan *r, const char *msg)
{
	if (!r->err)
		r->err = msg;
	return -1;
}

static int re_bracket(struct re_scan *r)
{
	static const char *const classes[] = {
		"alpha", "digit", "alnum", "upper", "lower", "space", "punct", "xdigit", NULL,
	};
	const char *s = r->s;
	size_t start;
	int prev = -1; /* the last single character, which may start a range */

	if (s[r->pos] == '^')
		r->pos++;
	start = r->pos;
	for (;;) {
		unsigned char c = (unsigned char)s[r->pos];
		if (!c)
			return re_fail(r, "a '[' without its ']'");
		if (c == ']') {
			if (r->pos == start)
				return re_fail(r, "an empty [ ], or ']' first inside [ ]");
			r->pos++;
			return 0;
		}
		if (c == '\\')
			return re_fail(r, "a backslash inside [ ] (POSIX reads it as itself, "
				       "JavaScript as an escape)");
		if (c >= 0x80)
			return re_fail(r, "a non-ASCII character inside [ ]");
		if (c == '[') {
			const char *end;
			size_t i;
			if (s[r->pos + 1] != ':' || !(end = strstr(s + r->pos + 2, ":]")))
				return re_fail(r, "a '[' inside [ ] that is not a class like [:alpha:]");
			for (i = 0; classes[i]; i++)
				if (strlen(classes[i]) == (size_t)(end - s - r->pos - 2) &&
				    !strncmp(classes[i], s + r->pos + 2, strlen(classes[i])))
					break;
			if (!classes[i])
				return re_fail(r, "an unknown class inside [ ]");
			r->pos = (size_t)(end - s) + 2;
			prev = -1;
			continue;
		}
		if (c == '-' && prev >= 0 && s[r->pos + 1] && s[r->pos + 1] != ']') {
			unsigned char hi = (unsigned char)s[r->pos + 1];
			if (hi == '\\' || hi == '[' || hi >= 0x80)
				return re_fail(r, "a range that ends in a class or an escape");
			if (hi < prev)
				return re_fail(r, "a range whose end comes before its start");
			r->pos += 2;
			prev = -1;
			continue;
		}
		prev = c;
		r->pos++;
	}
}

/* {n}, {n,} or {n,m}, 0 <= n <= m <= 255, at r->pos. */
static int re_interval(struct re_scan *r)
{
	const char *s = r->s + r->pos + 1;
	int n = 0, m = -1, digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4)
		n = n * 10 + (*s++ - '0'), digits++;
	if (!digits || digits > 3)
		return -1;
	if (*s == ',') {
		s++;
		digits = 0;
		if (*s >= '0' && *s <= '9') {
			m = 0;
			while (*s >= '0' && *s <= '9' && digits < 4)
				m = m * 10 + (*s++ - '0'), digits++;
			if (digits > 3 || m < n)
				return -1;
		}
	} else {
		m = n;
	}
	if (*s != '}' || n > 255 || m > 255)
		return -1;
	r->pos = (size_t)(s + 1 - r->s);
	return 0;
}

static int re_alternatives(struct re_scan *r, int depth)
{
	const char *s = r->s;

	for (;;) {
		int atoms = 0, repeatable = 0;
		for (;;) {
			char c = s[r->pos];
			if (!c || c == '|' || c == ')')
				break;
			atoms++;
			switch (c) {
			case '(':
				if (depth >= 16)
					return re_fail(r, "groups nested deeper than 16");
				if (s[++r->pos] == '?')
					return re_fail(r, "'(?', a JavaScript group");
				if (re_alternatives(r, depth + 1) < 0)
					return -1;
				if (s[r->pos] != ')')
					return re_fail(r, "a '(' without its ')'");
				r->pos++;
				repeatable = 1;
				break;
			case '[':
				r->pos++;
				if (re_bracket(r) < 0)
					return -1;
				repeatable = 1;
				break;
			case '\\':
				if (!s[r->pos + 1] || !strchr(".[](){}*+?|^$\\/-", s[r->pos + 1]))
					return re_fail(r, "a backslash before a letter, digit or "
						       "nothing (write [0-9] for \\d, and so on)");
				r->pos += 2;
				repeatable = 1;
				break;
			case '*':
			case '+':
			case '?':
				if (!repeatable)
					return re_fail(r, "a '*', '+' or '?' with nothing to repeat");
				r->pos++;
				repeatable = 0;
				break;
			case '{':
				if (!repeatable || re_interval(r) < 0)
					return re_fail(r, "a '{' that is not a count like {2} or {2,5} "
						       "after something to repeat (write \\{ for a brace)");
				repeatable = 0;
				break;
			case ']':
			case '}':
				return re_fail(r, "a ']' or '}' alone (write \\] or \\})");
			case '^':
			case '$':
				r->pos++;
				repeatable = 0;
				break;
			default:
				r->pos++;
				repeatable = 1;
			}
		}
		if (!atoms)
			return re_fail(r, "an empty alternative");
		if (s[r->pos] != '|')
			return 0;
		r->pos++;
	}
}

/* NULL when re is in the portable subset, else why not. */
static const char *regex_not_portable(const char *re, size_t *at)
{
	struct re_scan r = { re, 0, NULL };

	if (re_alternatives(&r, 0) == 0 && re[r.pos] == ')')
		re_fail(&r, "a ')' without its '('");
	*at = r.pos + 1;
	return r.err;
}

static void rd_redact(struct loader *L, const struct ynode *top, struct strbuf *path)
{
	const struct ynode *list = map_get(top, "redact");
	struct config *cfg = L->cfg;
	size_t i;

	rd_str_list(L, top, "redact", path, &cfg->redact, &cfg->redact_nr, NULL, NULL);
	if (!list || list->kind != Y_SEQ)
		return;
	for (i = 0; i < list->nr; i++) {
		const struct ynode *item = list->kids[i];
		const char *why_not;
		regex_t re;
		size_t at;
		int rc;

		if (ytype(item) != YT_STR || !*item->str)
			continue;
		if ((why_not = regex_not_portable(item->str, &at))) {
			strbuf_addf(path, "redact[%zu]", i);
			report_at(L, item, path, "'%s' is not a valid regular expression for "
				  "autofix: %s (at character %zu)", item->str, why_not, at);
			strbuf_reset(path);
			continue;
		}
		rc = regcomp(&re, item->str, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char why[128];
			regerror(rc, &re, why, sizeof(why));
			strbuf_addf(path, "redact[%zu]", i);
			report_at(L, item, path, "'%s' is not a valid POSIX extended regular "
				  "expression: %s", item->str, why);
			strbuf_reset(path);
		} else {
			regfree(&re);
		}
	}
}

/* The top-level thresholds: the defaults every service starts from. */
static void rd_top_thresholds(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	rd_thresholds(L, n, path, L->cfg->thresholds);
}

/*
 * A window no longer than its step holds at most one sample: no rate, no
 * duration, no regression can be judged from it, so such a pair is refused
 * rather than left to make every scan silently find nothing. Compared once
 * both have been read (either may be the default), and only when both read
 * cleanly, so that a malformed duration is not reported twice.
 */
static void rd_window_step(struct loader *L, const struct ynode *root, struct strbuf *path)
{
	struct config *cfg = L->cfg;
	size_t before = L->diags->nr + L->dropped;
	struct strbuf w = STRBUF_INIT, st = STRBUF_INIT;
	const struct ynode *at;
	size_t saved = 0;

	rd_duration(L, root, "window", path, &cfg->window_ms, 1);
	rd_duration(L, root, "step", path, &cfg->step_ms, 1);
	if (L->diags->nr + L->dropped != before || cfg->window_ms > cfg->step_ms)
		return;
	if ((at = enter_key(root, "window", path, &saved)) == NULL)
		at = enter_key(root, "step", path, &saved);
	units_format_duration(&w, cfg->window_ms);
	units_format_duration(&st, cfg->step_ms);
	report_at(L, at, path, "the window (%s) must be longer than the step (%s), "
		  "or it holds at most one sample", w.buf, st.buf);
	path_pop(path, saved);
	strbuf_release(&w);
	strbuf_release(&st);
}

/* The top-level sections that are mappings of their own, in the order they are read. */
static const struct {
	const char *key;
	void (*read)(struct loader *L, const struct ynode *n, struct strbuf *path);
} sections[] = {
	{ "source", rd_source },
	{ "thresholds", rd_top_thresholds },
	{ "detect", rd_detect },
	{ "upstreams", rd_upstreams }, /* before services, which refer to them */
	{ "services", rd_services },
	{ "agent", rd_agent },
	{ "llm", rd_llm },
	{ "pull_requests", rd_pull_requests },
	{ "verify", rd_verify },
};

static void rd_config(struct loader *L, const struct ynode *root)
{
	struct strbuf path = STRBUF_INIT;
	const struct ynode *v;
	size_t saved, i;

	if (!root || ytype(root) == YT_NULL) {
		report(L, 1, 1, "", "the file is empty; it needs at least 'version', 'source' "
		       "and 'services'");
		return;
	}
	if (root->kind != Y_MAP) {
		report_type(L, root, &path, "a mapping at the top of the file");
		return;
	}
	check_keys(L, root, &path, top_keys);
	require_key(L, root, &path, "version");
	require_key(L, root, &path, "source");
	require_key(L, root, &path, "services");

	if ((v = enter_key(root, "version", &path, &saved))) {
		if (ytype(v) != YT_INT && ytype(v) != YT_FLOAT)
			report_type(L, v, &path, "%d", CONFIG_VERSION);
		else if (number_value(v) != CONFIG_VERSION)
			report_at(L, v, &path, "expected %d, the only version so far, found %s",
				  CONFIG_VERSION, v->str);
		path_pop(&path, saved);
	}
	rd_window_step(L, root, &path);
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		if (!(v = enter_key(root, sections[i].key, &path, &saved)))
			continue;
		sections[i].read(L, v, &path);
		path_pop(&path, saved);
	}
	rd_redact(L, root, &path);
	strbuf_release(&path);
}

/* ------------------------------------------------------------- loading */

/* Puts the diagnostics from start on in file order (stable: insertion sort, few items). */
static void sort_diags(struct config_diags *d, size_t start)
{
	size_t i, j;

	for (i = start + 1; i < d->nr; i++) {
		struct config_diag x = d->items[i];
		for (j = i; j > start && (d->items[j - 1].line > x.line ||
		     (d->items[j - 1].line == x.line && d->items[j - 1].col > x.col)); j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = x;
	}
}

int config_load_buffer(struct config *cfg, const char *name, const char *buf, size_t len,
		       struct config_diags *diags)
{
	struct loader L;
	int rc = 0;

	memset(&L, 0, sizeof(L));
	L.file = name;
	L.diags = diags;
	L.diags_start = diags->nr;
	L.cfg = cfg;
	config_init(cfg);

	if (len > CONFIG_MAX_FILE_SIZE) {
		report(&L, 0, 0, "", "the file is %zu bytes; the limit is %d (1 MiB)", len,
		       CONFIG_MAX_FILE_SIZE);
		return bot_error(BOT_ETOOBIG, "'%s' is larger than 1 MiB", name);
	}
	check_text(&L, buf, len);
	L.buf = buf;
	L.len = len;
	index_lines(&L);
	if (!had_problems(&L))
		check_indicators(&L);
	if (!had_problems(&L)) {
		set_defaults(cfg);
		cfg->path = xstrdup(name);
		if (build_tree(&L, buf, len) == 0)
			rd_config(&L, L.root);
	}
	free_tree(&L);
	sort_diags(diags, L.diags_start);
	if (L.dropped) {
		L.diags_start = diags->nr; /* room for the last word */
		report(&L, 0, 0, "", "%zu more problems not shown", L.dropped);
	}
	if (had_problems(&L)) {
		config_release(cfg);
		rc = bot_error(BOT_EINVALID, "'%s' is not a valid configuration: %s", name,
			       diags->items[diags->nr > 0 ? L.diags_start : 0].message);
	}
	return rc;
}

int config_load_file(struct config *cfg, const char *path, struct config_diags *diags)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	config_init(cfg);
	rc = strbuf_read_file(&sb, path, CONFIG_MAX_FILE_SIZE);
	if (rc < 0) {
		struct config_diag *d;
		ALLOC_GROW(diags->items, diags->nr + 1, diags->alloc);
		d = &diags->items[diags->nr++];
		d->file = xstrdup(path);
		d->line = d->col = 0;
		d->key_path = xstrdup("");
		d->message = xstrdup(rc == BOT_ETOOBIG ? "the file is larger than 1 MiB, the limit"
				     : bot_error_last());
		strbuf_release(&sb);
		return rc;
	}
	rc = config_load_buffer(cfg, path, sb.buf, sb.len, diags);
	strbuf_release(&sb);
	return rc;
}

/* ---------------------------------------------------------- as JSON */

/*
 * The effective configuration, in the file's own shape and units, so
 * that the output of `autofix validate --print` is itself a valid
 * .autofix.yml (JSON is YAML) with every default spelled out.
 */

/*
 * A quantity as the file writes it ("30m", "85%", "2GiB"), which the
 * parsers read back to the same value; a JSON null for a level that is off.
 */
static struct json *quantity_json(enum level_unit unit, double value)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j;

	switch (unit) {
	case LEVEL_FRACTION: units_format_percent(&sb, value); break;
	case LEVEL_MS: units_format_duration(&sb, (int64_t)value); break;
	case LEVEL_BYTES: units_format_bytes(&sb, value); break;
	default: return json_new_null();
	}
	j = json_new_str(sb.buf);
	strbuf_release(&sb);
	return j;
}

static void set_duration(struct json *obj, const char *key, int64_t ms)
{
	json_set(obj, key, quantity_json(LEVEL_MS, (double)ms));
}

static void set_percent(struct json *obj, const char *key, double fraction)
{
	json_set(obj, key, quantity_json(LEVEL_FRACTION, fraction));
}

/* The config keeps its lists as char **; the JSON builder takes them read-only. */
static struct json *strv_json(char **v, size_t nr)
{
	return json_new_str_array((const char *const *)v, nr);
}

static struct json *thresholds_json(const struct threshold *th)
{
	struct json *all = json_new_object();
	int s;

	for (s = 0; s < SIGNAL__COUNT; s++) {
		struct json *t = json_new_object();
		json_set_bool(t, "enabled", th[s].enabled);
		json_set(t, "warning", quantity_json(th[s].warning.unit, th[s].warning.value));
		json_set(t, "critical", quantity_json(th[s].critical.unit, th[s].critical.value));
		set_duration(t, "for", th[s].for_ms);
		json_set_num(t, "min_samples", th[s].min_samples);
		if (signal_counts_requests((enum signal)s))
			json_set_num(t, "min_requests", (double)th[s].min_requests);
		json_set(all, signal_names[s], t);
	}
	return all;
}

static struct json *source_json(const struct source_config *src)
{
	struct json *j = json_new_object(), *k = json_new_object();
	int q;

	if (src->kind == SOURCE_PROMETHEUS) {
		struct json *queries = json_new_object();
		json_set_str(k, "url", src->prometheus.url);
		json_set_opt_str(k, "token_env", src->prometheus.token_env);
		json_set_str(k, "service_label", src->prometheus.service_label);
		for (q = 0; q < PROM_QUERY__COUNT; q++)
			json_set_str(queries, prom_query_names[q], src->prometheus.queries[q]);
		json_set(k, "queries", queries);
		json_set(j, "prometheus", k);
	} else {
		json_set_str(k, "project", src->railway.project);
		json_set_str(k, "environment", src->railway.environment);
		json_set_str(k, "token_env", src->railway.token_env);
		json_set_str(k, "token_kind", token_kind_names[src->railway.token_kind]);
		json_set_str(k, "endpoint", src->railway.endpoint);
		json_set(j, "railway", k);
	}
	return j;
}

struct json *config_to_json(const struct config *cfg)
{
	struct json *root = json_new_object(), *o, *p;
	size_t i;

	json_set_num(root, "version", cfg->version);
	json_set(root, "source", source_json(&cfg->source));
	set_duration(root, "window", cfg->window_ms);
	set_duration(root, "step", cfg->step_ms);
	json_set(root, "thresholds", thresholds_json(cfg->thresholds));

	o = json_new_object();
	p = json_new_object();
	json_set_bool(p, "enabled", cfg->leak.enabled);
	set_duration(p, "horizon", cfg->leak.horizon_ms);
	json_set_num(p, "min_fit", cfg->leak.min_fit);
	json_set(o, "memory_leak", p);
	p = json_new_object();
	json_set_bool(p, "enabled", cfg->regression.enabled);
	json_set_num(p, "latency_ratio", cfg->regression.latency_ratio);
	json_set_num(p, "error_rate_ratio", cfg->regression.error_rate_ratio);
	set_percent(p, "min_error_rate", cfg->regression.min_error_rate);
	json_set_num(p, "confidence", cfg->regression.confidence);
	set_duration(p, "baseline", cfg->regression.baseline_ms);
	json_set_num(p, "cpu_ratio", cfg->regression.cpu_ratio);
	json_set_num(p, "memory_ratio", cfg->regression.memory_ratio);
	json_set_num(p, "seasonal_days", cfg->regression.seasonal_days);
	json_set(o, "regression", p);
	json_set(root, "detect", o);

	o = json_new_object();
	for (i = 0; i < cfg->services_nr; i++) {
		const struct service_config *svc = &cfg->services[i];
		p = json_new_object();
		json_set_str(p, "path", svc->path);
		json_set_str(p, "deployed_as", svc->deployed_as);
		json_set_bool(p, "enabled", svc->enabled);
		json_set(p, "thresholds", thresholds_json(svc->thresholds));
		json_set(p, "upstreams", strv_json(svc->upstreams, svc->upstreams_nr));
		json_set(o, svc->name, p);
	}
	json_set(root, "services", o);

	o = json_new_object();
	for (i = 0; i < cfg->upstreams_nr; i++) {
		const struct upstream_config *up = &cfg->upstreams[i];
		p = json_new_object();
		json_set_opt_str(p, "statuspage", up->statuspage);
		json_set(p, "components", strv_json(up->components, up->components_nr));
		json_set(o, up->name, p);
	}
	json_set(root, "upstreams", o);

	if (cfg->agent.kind == AGENT_NONE) {
		json_set_str(root, "agent", "none");
	} else {
		o = json_new_object();
		if (cfg->agent.kind == AGENT_OPENCODE) {
			p = json_new_object();
			json_set_str(p, "url", cfg->agent.url);
			json_set_str(p, "username", cfg->agent.username);
			json_set_str(p, "password_env", cfg->agent.password_env);
			json_set_opt_str(p, "model", cfg->agent.model);
			json_set(o, "opencode", p);
		} else {
			json_set_str(o, "command", cfg->agent.command);
		}
		set_duration(o, "timeout", cfg->agent.timeout_ms);
		json_set(root, "agent", o);
	}

	if (cfg->llm.provider == LLM_NONE) {
		json_set_str(root, "llm", "none");
	} else {
		o = json_new_object();
		json_set_str(o, "provider", llm_provider_names[cfg->llm.provider]);
		json_set_str(o, "model", cfg->llm.model);
		json_set_str(o, "base_url", cfg->llm.base_url);
		json_set_str(o, "api_key_env", cfg->llm.api_key_env);
		json_set_num(o, "max_tokens", cfg->llm.max_tokens);
		set_duration(o, "timeout", cfg->llm.timeout_ms);
		json_set(root, "llm", o);
	}

	o = json_new_object();
	json_set(o, "labels", strv_json(cfg->pull_requests.labels, cfg->pull_requests.labels_nr));
	json_set_bool(o, "draft", cfg->pull_requests.draft);
	json_set(o, "reviewers", strv_json(cfg->pull_requests.reviewers,
					   cfg->pull_requests.reviewers_nr));
	json_set(o, "assignees", strv_json(cfg->pull_requests.assignees,
					   cfg->pull_requests.assignees_nr));
	json_set_str(o, "branch_prefix", cfg->pull_requests.branch_prefix);
	json_set_num(o, "max_open", cfg->pull_requests.max_open);
	set_duration(o, "cooldown", cfg->pull_requests.cooldown_ms);
	json_set(root, "pull_requests", o);

	if (cfg->verify.command) {
		o = json_new_object();
		json_set_str(o, "command", cfg->verify.command);
		set_duration(o, "timeout", cfg->verify.timeout_ms);
		json_set(root, "verify", o);
	}
	json_set(root, "redact", strv_json(cfg->redact, cfg->redact_nr));
	return root;
}
