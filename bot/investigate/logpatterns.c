/*
 * Log lines to patterns, failing requests to groups (logpatterns.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "investigate/logpatterns.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* A line longer than this is normalised on its first part only: patterns are for reading. */
#define MAX_LINE 2048
#define MAX_EXAMPLE 300

static int is_hex(int c)
{
	return isxdigit((unsigned char)c);
}

static int is_digit(int c)
{
	return isdigit((unsigned char)c);
}

static int word_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* n digits at s. */
static int digits(const char *s, int n)
{
	while (n--)
		if (!is_digit(*s++))
			return 0;
	return 1;
}

/*
 * Length of a timestamp at s: 2026-11-28T09:41:00.123Z, 2026-11-28 09:41:00,123,
 * +01:00 offsets; or a time of day 09:41:00(.123). 0 when none.
 */
static size_t timestamp_at(const char *s)
{
	size_t n = 0;

	if (digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' && digits(s + 8, 2)) {
		n = 10;
		if ((s[n] == 'T' || s[n] == ' ') && digits(s + n + 1, 2) && s[n + 3] == ':')
			n++;
		else
			return n;
	}
	if (!(digits(s + n, 2) && s[n + 2] == ':' && digits(s + n + 3, 2)))
		return n;
	n += 5;
	if (s[n] == ':' && digits(s + n + 1, 2))
		n += 3;
	if ((s[n] == '.' || s[n] == ',') && is_digit(s[n + 1]))
		for (n++; is_digit(s[n]); n++)
			;
	if (s[n] == 'Z')
		n++;
	else if ((s[n] == '+' || s[n] == '-') && digits(s + n + 1, 2)) {
		n += 3;
		if (s[n] == ':' && digits(s + n + 1, 2))
			n += 3;
		else if (digits(s + n, 2))
			n += 2;
	}
	return n;
}

static size_t uuid_at(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t n = 0;
	int g, i;

	for (g = 0; g < 5; g++) {
		if (g && s[n++] != '-')
			return 0;
		for (i = 0; i < groups[g]; i++)
			if (!is_hex(s[n++]))
				return 0;
	}
	return word_char(s[n]) ? 0 : n;
}

/* An IPv4 address, with its port if any. */
static size_t ipv4_at(const char *s)
{
	size_t n = 0;
	int part, d;

	for (part = 0; part < 4; part++) {
		if (part && s[n++] != '.')
			return 0;
		for (d = 0; d < 3 && is_digit(s[n]); d++)
			n++;
		if (!d)
			return 0;
	}
	if (s[n] == ':' && is_digit(s[n + 1]))
		for (n++; is_digit(s[n]); n++)
			;
	return word_char(s[n]) || s[n] == '.' ? 0 : n;
}

/* 0x1f..., or a run of 8+ hex digits holding both a digit and a letter (a SHA, an object id). */
static size_t hex_at(const char *s)
{
	size_t n = 0;
	int digit = 0, letter = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && is_hex(s[2])) {
		for (n = 2; is_hex(s[n]); n++)
			;
		return word_char(s[n]) ? 0 : n;
	}
	for (; is_hex(s[n]); n++) {
		if (is_digit(s[n]))
			digit = 1;
		else
			letter = 1;
	}
	return n >= 8 && digit && letter && !word_char(s[n]) ? n : 0;
}

void log_pattern_normalise(struct strbuf *out, const char *line)
{
	const char *s = line, *end = line + strnlen(line, MAX_LINE);
	size_t n;
	int space = 0;

	while (s < end && *s && *s != '\n') {
		char prev = s > line ? s[-1] : ' ';
		int start = !word_char(prev) && prev != '.' && prev != '-';

		if (isspace((unsigned char)*s)) {
			space = 1;
			s++;
			continue;
		}
		if (space && out->len)
			strbuf_addch(out, ' ');
		space = 0;
		if (start && is_digit(*s) && (n = timestamp_at(s))) {
			strbuf_addstr(out, "<time>");
		} else if (start && is_hex(*s) && (n = uuid_at(s))) {
			strbuf_addstr(out, "<uuid>");
		} else if (start && is_digit(*s) && (n = ipv4_at(s))) {
			strbuf_addstr(out, "<ip>");
		} else if (start && is_hex(*s) && (n = hex_at(s))) {
			strbuf_addstr(out, "<hex>");
		} else if ((*s == '"' || *s == '\'') && (prev == ' ' || prev == '=' || prev == ':' ||
							 prev == '(' || prev == '[' || s == line)) {
			/* A quoted string: a user's input, a key, a message; closed on this line. */
			const char *close = memchr(s + 1, *s, (size_t)(end - s - 1));
			if (!close) {
				strbuf_addch(out, *s);
				n = 1;
			} else {
				strbuf_addch(out, *s);
				strbuf_addstr(out, "<str>");
				strbuf_addch(out, *s);
				n = (size_t)(close - s) + 1;
			}
		} else if (*s == ':' && is_digit(s[1]) && word_char(prev)) {
			/* file.js:42:13: the position goes, the file stays. */
			for (n = 1; is_digit(s[n]) || (s[n] == ':' && is_digit(s[n + 1])); n++)
				;
			strbuf_addstr(out, ":<n>");
		} else if (is_digit(*s) && !isalpha((unsigned char)prev) && prev != '_') {
			for (n = 0; is_digit(s[n]) || (s[n] == '.' && is_digit(s[n + 1])); n++)
				;
			strbuf_addstr(out, "<n>");
		} else {
			strbuf_addch(out, *s);
			n = 1;
		}
		s += n;
	}
}

static int word_in(const char *line, const char *const *words, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (strstr(line, words[i]))
			return 1;
	return 0;
}

enum log_severity log_severity_of(const char *source_word, const char *line)
{
	static const char *const errors[] = { "error", "err", "fatal", "critical", "crit", "panic",
					      "emerg", "alert" };
	static const char *const warnings[] = { "warn", "warning" };
	static const char *const error_words[] = { "ERROR", "Error:", "FATAL", "CRITICAL", "panic:",
						   "Traceback", "Exception", "Unhandled", "level=error",
						   "\"level\":\"error\"", "[error]" };
	static const char *const warning_words[] = { "WARN", "Warning:", "level=warn",
						     "\"level\":\"warn", "[warn" };
	size_t i;

	if (source_word && *source_word) {
		for (i = 0; i < sizeof(errors) / sizeof(*errors); i++)
			if (!strcasecmp(source_word, errors[i]))
				return LOG_SEV_ERROR;
		for (i = 0; i < sizeof(warnings) / sizeof(*warnings); i++)
			if (!strcasecmp(source_word, warnings[i]))
				return LOG_SEV_WARNING;
	}
	if (word_in(line, error_words, sizeof(error_words) / sizeof(*error_words)))
		return LOG_SEV_ERROR;
	if (word_in(line, warning_words, sizeof(warning_words) / sizeof(*warning_words)))
		return LOG_SEV_WARNING;
	return LOG_SEV_OTHER;
}

void log_patterns_release(struct log_patterns *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		free(p->items[i].pattern);
		free(p->items[i].example);
	}
	free(p->items);
	memset(p, 0, sizeof(*p));
}

void log_patterns_add(struct log_patterns *p, const char *severity, const char *line, int64_t at)
{
	struct strbuf pat = STRBUF_INIT;
	enum log_severity sev = log_severity_of(severity, line);
	struct log_pattern *lp = NULL;
	size_t i;

	p->lines++;
	log_pattern_normalise(&pat, line);
	for (i = 0; i < p->nr; i++)
		if (p->items[i].severity == sev && !strcmp(p->items[i].pattern, pat.buf)) {
			lp = &p->items[i];
			break;
		}
	if (!lp) {
		if (p->nr >= LOG_PATTERNS_MAX) {
			p->dropped++;
			strbuf_release(&pat);
			return;
		}
		ALLOC_GROW(p->items, p->nr + 1, p->alloc);
		lp = &p->items[p->nr++];
		memset(lp, 0, sizeof(*lp));
		lp->pattern = strbuf_detach(&pat, NULL);
		lp->example = xstrndup(line, strcspn(line, "\n") < MAX_EXAMPLE ? strcspn(line, "\n") : MAX_EXAMPLE);
		lp->severity = sev;
		lp->first = lp->last = at;
	}
	lp->count++;
	if (at && (!lp->first || at < lp->first))
		lp->first = at;
	if (at > lp->last)
		lp->last = at;
	strbuf_release(&pat);
}

static int cmp_pattern(const void *a, const void *b)
{
	const struct log_pattern *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity < y->severity ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->pattern, y->pattern);
}

void log_patterns_sort(struct log_patterns *p)
{
	if (p->nr > 1)
		qsort(p->items, p->nr, sizeof(*p->items), cmp_pattern);
}

static const char *severity_name(enum log_severity s)
{
	return s == LOG_SEV_ERROR ? "error" : s == LOG_SEV_WARNING ? "warning" : "info";
}

static void add_time(struct strbuf *out, int64_t ms)
{
	if (ms)
		time_format_iso8601(out, ms);
	else
		strbuf_addstr(out, "?");
}

size_t log_patterns_render(struct strbuf *out, const struct log_patterns *p, size_t max_bytes)
{
	struct strbuf entry = STRBUF_INIT;
	size_t i, written = 0, used = 0, left_lines = p->dropped;

	for (i = 0; i < p->nr; i++) {
		const struct log_pattern *lp = &p->items[i];

		strbuf_reset(&entry);
		strbuf_addf(&entry, "[%s] %zu× ", severity_name(lp->severity), lp->count);
		add_time(&entry, lp->first);
		if (lp->count > 1) {
			strbuf_addstr(&entry, " .. ");
			add_time(&entry, lp->last);
		}
		strbuf_addf(&entry, ": %s\n", lp->pattern);
		if (strcmp(lp->pattern, lp->example))
			strbuf_addf(&entry, "    e.g. %s\n", lp->example);
		if (used + entry.len > max_bytes) {
			size_t j;
			for (j = i; j < p->nr; j++)
				left_lines += p->items[j].count;
			break;
		}
		strbuf_addbuf(out, &entry);
		used += entry.len;
		written++;
	}
	if (written < p->nr || p->dropped)
		strbuf_addf(out, "... %zu more pattern%s (%zu line%s) left out\n",
			    p->nr - written, p->nr - written == 1 ? "" : "s",
			    left_lines, left_lines == 1 ? "" : "s");
	strbuf_release(&entry);
	return written;
}

/* ----------------------------------------------------------------------
 * Failing requests.
 */

/* A path segment that names one object: a number, a UUID, a hex id, a long token with digits. */
static int id_segment(const char *s, size_t n)
{
	size_t i, digits_nr = 0;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (is_digit(s[i]))
			digits_nr++;
	if (digits_nr == n)
		return 1;
	if (n == 36 && uuid_at(s) == 36)
		return 1;
	for (i = 0; i < n && is_hex(s[i]); i++)
		;
	if (i == n && n >= 8 && digits_nr)
		return 1;
	return n >= 16 && digits_nr >= 2;
}

void http_path_normalise(struct strbuf *out, const char *path)
{
	size_t len = strcspn(path, "?# \t\n"), i = 0, n;

	if (!len) {
		strbuf_addch(out, '/');
		return;
	}
	while (i < len) {
		if (path[i] == '/') {
			strbuf_addch(out, '/');
			i++;
			continue;
		}
		n = strcspn(path + i, "/?# \t\n");
		if (n > len - i)
			n = len - i;
		if (id_segment(path + i, n))
			strbuf_addstr(out, ":id");
		else
			strbuf_add(out, path + i, n);
		i += n;
	}
}

void http_error_groups_release(struct http_error_groups *g)
{
	size_t i;

	for (i = 0; i < g->nr; i++) {
		free(g->items[i].method);
		free(g->items[i].path);
	}
	free(g->items);
	memset(g, 0, sizeof(*g));
}

void http_error_groups_add(struct http_error_groups *g, const char *method, const char *path,
			   int status, double duration_ms)
{
	struct strbuf norm = STRBUF_INIT;
	struct http_error_group *e = NULL;
	size_t i;

	http_path_normalise(&norm, path ? path : "/");
	if (!method || !*method)
		method = "?";
	for (i = 0; i < g->nr; i++)
		if (g->items[i].status == status && !strcmp(g->items[i].method, method) &&
		    !strcmp(g->items[i].path, norm.buf)) {
			e = &g->items[i];
			break;
		}
	if (!e) {
		ALLOC_GROW(g->items, g->nr + 1, g->alloc);
		e = &g->items[g->nr++];
		memset(e, 0, sizeof(*e));
		e->method = xstrdup(method);
		e->path = strbuf_detach(&norm, NULL);
		e->status = status;
	}
	e->count++;
	if (duration_ms >= 0) {
		e->timed++;
		e->total_ms += duration_ms;
	}
	strbuf_release(&norm);
}

static int cmp_group(const void *a, const void *b)
{
	const struct http_error_group *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->status != y->status)
		return x->status > y->status ? -1 : 1;
	if ((c = strcmp(x->path, y->path)))
		return c;
	return strcmp(x->method, y->method);
}

void http_error_groups_top(struct http_error_groups *g, size_t top)
{
	size_t i;

	if (g->nr > 1)
		qsort(g->items, g->nr, sizeof(*g->items), cmp_group);
	if (!top || g->nr <= top)
		return;
	for (i = top; i < g->nr; i++) {
		free(g->items[i].method);
		free(g->items[i].path);
	}
	g->nr = top;
}
