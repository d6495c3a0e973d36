/*
 * The loader's vocabulary: how a scalar is typed, the schema's string
 * patterns, keys and did-you-mean, and the readers of one field each.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

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

enum ytype cfg_ytype(const struct ynode *n)
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

double cfg_number_value(const struct ynode *n)
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
void cfg_describe(struct strbuf *sb, const struct ynode *n)
{
	switch (cfg_ytype(n)) {
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
void cfg_report_type(struct loader *L, const struct ynode *n, const struct strbuf *path,
			const char *expected_fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	strbuf_addstr(&msg, "expected ");
	va_start(ap, expected_fmt);
	strbuf_vaddf(&msg, expected_fmt, ap);
	va_end(ap);
	strbuf_addstr(&msg, ", found ");
	cfg_describe(&msg, n);
	cfg_report_at(L, n, path, "%s", msg.buf);
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
int cfg_match_name(const char *s)
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
int cfg_match_env_name(const char *s)
{
	if (starts_with(s, "github_pat_") ||
	    (s[0] == 'g' && s[1] == 'h' && s[2] && strchr("pousr", s[2]) && s[3] == '_'))
		return 0;
	return *s && !(*s >= '0' && *s <= '9') &&
	       (size_t)span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") ==
	       strlen(s);
}

/* ^[A-Za-z_][A-Za-z0-9_]*$ : a Prometheus label name. */
int cfg_match_prom_label(const char *s)
{
	return *s && !(*s >= '0' && *s <= '9') &&
	       (size_t)span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") ==
	       strlen(s);
}

/*
 * Not both {{service}} and {{services}}: the first makes a query per
 * service, the second one query for all, and a template cannot be both.
 */
int cfg_match_prom_query(const char *s)
{
	return !(strstr(s, "{{service}}") && strstr(s, "{{services}}"));
}

/*
 * ^https?://[A-Za-z0-9.:\[\]%_~!$&'()*+,;=-]+([/?#][!-~]*)?$ : no '@' in
 * the authority, so no user:password@ (credentials go in *_env variables).
 */
int cfg_match_url(const char *s)
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
int cfg_match_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '!' || *s > '~')
			return 0;
	return 1;
}

/* ^[A-Za-z0-9][A-Za-z0-9-]{0,38}$ */
int cfg_match_login(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 39 && is_alnum(*s) &&
	       (size_t)span(s, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

/* ^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$ : a user, or an App's bot user ("dependabot[bot]") */
int cfg_match_bot_login(const char *s)
{
	size_t n = strlen(s);
	char *user;
	int ok;

	if (n <= 5 || strcmp(s + n - 5, "[bot]"))
		return cfg_match_login(s);
	user = xstrndup(s, n - 5);
	ok = cfg_match_login(user);
	free(user);
	return ok;
}

/* ^[A-Za-z0-9][A-Za-z0-9-]{0,38}(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$ : a user or org/team */
int cfg_match_reviewer(const char *s)
{
	const char *slash = strchr(s, '/');
	char *user;
	int ok;

	if (!slash)
		return cfg_match_login(s);
	user = xstrndup(s, (size_t)(slash - s));
	ok = cfg_match_login(user) && is_alnum(slash[1]) &&
	     (size_t)span(slash + 1, DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-") ==
	     strlen(slash + 1);
	free(user);
	return ok;
}

/* ^([A-Za-z0-9_-]+/)+$ */
int cfg_match_branch_prefix(const char *s)
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
int cfg_match_repo_path(const char *s)
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

/*
 * A glob of paths in the repository, '/'-separated parts none of which is
 * empty, '.' or '..' (the schema's "pathGlob" says the same): git's paths,
 * which the fix stage's matcher compares it with, have none, so "/x",
 * "./x", "x/" or "a//b" would never match a changed file.
 */
int cfg_match_glob(const char *s)
{
	for (;;) {
		const char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (!n || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		if (!end)
			return 1;
		s = end + 1;
	}
}

/* Printable ASCII but space, '<', '>' and '@': [!-;=?A-~] */
static int is_email_char(char c)
{
	return c >= '!' && c <= '~' && c != '<' && c != '>' && c != '@';
}

/*
 * ^[!-;=?A-~]+@[!-;=?A-~]+\.[!-;=?A-~]+$ : looks like an address (one '@',
 * a dot inside the domain), without the spaces and angle brackets that
 * cannot go in a commit's "name <email>".
 */
int cfg_match_email(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i, n;
	int dot = 0;

	if (!at || at == s)
		return 0;
	for (i = 0; s + i < at; i++)
		if (!is_email_char(s[i]))
			return 0;
	n = strlen(++at);
	for (i = 0; i < n; i++) {
		if (!is_email_char(at[i]))
			return 0;
		if (at[i] == '.' && i > 0 && i + 1 < n)
			dot = 1;
	}
	return dot;
}

/*
 * ^[^<> \t](?:[^<>]*[^<> \t])?$ : a commit author's name; git and libgit2
 * refuse angle brackets and trim the blanks around it, so it has neither.
 */
int cfg_match_person(const char *s)
{
	size_t n = strlen(s);

	return n && !strpbrk(s, "<>") && !strchr(" \t", s[0]) && !strchr(" \t", s[n - 1]);
}

/* maxLength 50, counted in code points (GitHub's limit on a label name) */
int cfg_match_label(const char *s)
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
const char *cfg_nearest(const char *word, const char *const *candidates)
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

void cfg_path_push(struct strbuf *path, const char *key, size_t *saved)
{
	*saved = path->len;
	if (path->len)
		strbuf_addch(path, '.');
	strbuf_addstr(path, key);
}

void cfg_path_pop(struct strbuf *path, size_t saved)
{
	strbuf_setlen(path, saved);
}

const struct ynode *cfg_map_get(const struct ynode *map, const char *key)
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
 * with cfg_path_pop(path, *saved)); NULL, path untouched, when there is none.
 */
const struct ynode *cfg_enter_key(const struct ynode *map, const char *key,
				     struct strbuf *path, size_t *saved)
{
	const struct ynode *v = cfg_map_get(map, key);

	if (v)
		cfg_path_push(path, key, saved);
	return v;
}

/* Reports every key of map that is not in allowed (NULL-terminated). */
void cfg_check_keys(struct loader *L, const struct ynode *map, struct strbuf *path,
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
		near = cfg_nearest(k->str, allowed);
		if (near)
			cfg_report_at(L, k, path, "unknown key '%s', did you mean '%s'?", k->str, near);
		else {
			struct strbuf list = STRBUF_INIT;
			for (a = allowed; *a; a++)
				strbuf_addf(&list, "%s'%s'", a == allowed ? "" : ", ", *a);
			cfg_report_at(L, k, path, "unknown key '%s' (expected one of %s)", k->str, list.buf);
			strbuf_release(&list);
		}
	}
}

void cfg_require_key(struct loader *L, const struct ynode *map, struct strbuf *path,
			const char *key)
{
	if (!cfg_map_get(map, key))
		cfg_report_at(L, map, path, "missing required key '%s'", key);
}

/* 1 when n is a mapping; otherwise reports it and returns 0. */
int cfg_want_map(struct loader *L, const struct ynode *n, struct strbuf *path)
{
	if (n->kind == Y_MAP)
		return 1;
	cfg_report_type(L, n, path, "a mapping");
	return 0;
}

/* --------------------------------------------------------- field readers */

typedef int (*match_fn)(const char *s);

int cfg_string_value(struct loader *L, const struct ynode *v, struct strbuf *path,
			match_fn match, const char *expected)
{
	if (match == cfg_match_env_name && (cfg_ytype(v) != YT_STR || !match(v->str))) {
		/*
		 * Most likely the secret itself, pasted where the name of its
		 * variable belongs: say so without repeating it into a log.
		 */
		cfg_report_at(L, v, path, "expected %s, found a value of %zu characters that is not "
			  "one (if it is the secret itself, put it in an environment variable, "
			  "name the variable here, and revoke the secret: this file is not secret)",
			  expected, v->kind == Y_SCALAR ? strlen(v->str) : 0);
		return -1;
	}
	if (cfg_ytype(v) != YT_STR || !*v->str) {
		cfg_report_type(L, v, path, "%s", expected ? expected : "a non-empty string");
		return -1;
	}
	if (match == cfg_match_url && !match(v->str) && strchr(v->str, '@')) {
		cfg_report_at(L, v, path, "expected %s without credentials (user:password@); "
			  "found one with an '@', not repeated here", expected);
		return -1;
	}
	if (match && !match(v->str)) {
		cfg_report_at(L, v, path, "expected %s, found '%s'", expected, v->str);
		return -1;
	}
	return 0;
}

void cfg_rd_str(struct loader *L, const struct ynode *map, const char *key,
		   struct strbuf *path, char **out, match_fn match, const char *expected)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = cfg_enter_key(map, key, path, &saved)))
		return;
	if (!cfg_string_value(L, v, path, match, expected)) {
		free(*out);
		*out = xstrdup(v->str);
	}
	cfg_path_pop(path, saved);
}

void cfg_rd_bool(struct loader *L, const struct ynode *map, const char *key,
		    struct strbuf *path, int *out)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = cfg_enter_key(map, key, path, &saved)))
		return;
	if (cfg_ytype(v) != YT_BOOL)
		cfg_report_type(L, v, path, "true or false");
	else
		*out = v->str[0] == 't' || v->str[0] == 'T';
	cfg_path_pop(path, saved);
}

/* A finite number within [min, max]; integer_only also wants a whole one. */
static int number_in(struct loader *L, const struct ynode *v, struct strbuf *path,
		     double *out, double min, double max, int integer_only)
{
	enum ytype t = cfg_ytype(v);
	const char *what = integer_only ? "a whole number" : "a number";
	double d;

	if (t != YT_INT && t != YT_FLOAT) {
		cfg_report_type(L, v, path, "%s from %.15g to %.15g", what, min, max);
		return -1;
	}
	d = cfg_number_value(v);
	if (!isfinite(d) || (integer_only && d != floor(d))) {
		cfg_report_at(L, v, path, "expected %s, found %s", what, v->str);
		return -1;
	}
	if (d < min || d > max) {
		cfg_report_at(L, v, path, "expected %s from %.15g to %.15g, found %s", what, min, max, v->str);
		return -1;
	}
	*out = d;
	return 0;
}

/* A number at key within [min, max] (integer_only: a whole one); *out is left alone on error. */
void cfg_rd_number(struct loader *L, const struct ynode *map, const char *key,
		      struct strbuf *path, double *out, double min, double max, int integer_only)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = cfg_enter_key(map, key, path, &saved)))
		return;
	number_in(L, v, path, out, min, max, integer_only);
	cfg_path_pop(path, saved);
}

void cfg_rd_num(struct loader *L, const struct ynode *map, const char *key,
		   struct strbuf *path, double *out, double min, double max)
{
	cfg_rd_number(L, map, key, path, out, min, max, 0);
}

void cfg_rd_int(struct loader *L, const struct ynode *map, const char *key,
		   struct strbuf *path, int64_t *out, int64_t min, int64_t max)
{
	double d = (double)*out;

	cfg_rd_number(L, map, key, path, &d, (double)min, (double)max, 1);
	*out = (int64_t)d;
}

void cfg_rd_small_int(struct loader *L, const struct ynode *map, const char *key,
			 struct strbuf *path, int *out, int min, int max)
{
	int64_t v = *out;

	cfg_rd_int(L, map, key, path, &v, min, max);
	*out = (int)v;
}

#define DURATION_EXAMPLES "a duration like '30s', '10m', '24h', '1500ms' or '1h30m'"

int cfg_duration_value(struct loader *L, const struct ynode *v, struct strbuf *path,
			  int64_t *out, int positive)
{
	int64_t ms;

	if (cfg_ytype(v) != YT_STR) {
		cfg_report_type(L, v, path, DURATION_EXAMPLES);
		return -1;
	}
	if (units_parse_duration(&ms, v->str) < 0) {
		cfg_report_at(L, v, path, "%s", bot_error_last());
		return -1;
	}
	if (positive && ms == 0) {
		cfg_report_at(L, v, path, "expected a duration greater than zero, found '%s'", v->str);
		return -1;
	}
	*out = ms;
	return 0;
}

void cfg_rd_duration(struct loader *L, const struct ynode *map, const char *key,
			struct strbuf *path, int64_t *out, int positive)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = cfg_enter_key(map, key, path, &saved)))
		return;
	cfg_duration_value(L, v, path, out, positive);
	cfg_path_pop(path, saved);
}

#define PERCENT_EXAMPLES "a percentage like '85%%' or '0.5%%'"

/* A percentage of at most 100%, as a fraction. */
int cfg_percent_value(struct loader *L, const struct ynode *v, struct strbuf *path, double *out)
{
	double f;

	if (cfg_ytype(v) != YT_STR) {
		cfg_report_type(L, v, path, PERCENT_EXAMPLES);
		return -1;
	}
	if (units_parse_percent(&f, v->str) < 0) {
		cfg_report_at(L, v, path, "%s", bot_error_last());
		return -1;
	}
	if (f > 1.0) {
		cfg_report_at(L, v, path, "expected a percentage of at most 100%%, found '%s'", v->str);
		return -1;
	}
	*out = f;
	return 0;
}

void cfg_rd_percent(struct loader *L, const struct ynode *map, const char *key,
		       struct strbuf *path, double *out)
{
	const struct ynode *v;
	size_t saved;

	if (!(v = cfg_enter_key(map, key, path, &saved)))
		return;
	cfg_percent_value(L, v, path, out);
	cfg_path_pop(path, saved);
}

void cfg_rd_enum(struct loader *L, const struct ynode *map, const char *key,
		    struct strbuf *path, int *out, const char *const *names)
{
	const struct ynode *v;
	size_t saved;
	int i;

	if (!(v = cfg_enter_key(map, key, path, &saved)))
		return;
	for (i = 0; names[i]; i++)
		if (cfg_ytype(v) == YT_STR && !strcmp(names[i], v->str)) {
			*out = i;
			break;
		}
	if (!names[i]) {
		struct strbuf list = STRBUF_INIT;
		const char *near = cfg_ytype(v) == YT_STR ? cfg_nearest(v->str, names) : NULL;
		for (i = 0; names[i]; i++)
			strbuf_addf(&list, "%s'%s'", i ? ", " : "", names[i]);
		if (near)
			strbuf_addf(&list, " (did you mean '%s'?)", near);
		cfg_report_type(L, v, path, "one of %s", list.buf);
		strbuf_release(&list);
	}
	cfg_path_pop(path, saved);
}

/* A list of distinct strings each accepted by match; replaces *out when present. */
void cfg_rd_str_list(struct loader *L, const struct ynode *map, const char *key,
			struct strbuf *path, char ***out, size_t *out_nr,
			match_fn match, const char *expected)
{
	const struct ynode *v;
	char **list = NULL;
	size_t saved, i, j, nr = 0;
	int bad = 0;

	if (!(v = cfg_enter_key(map, key, path, &saved)))
		return;
	if (v->kind != Y_SEQ) {
		cfg_report_type(L, v, path, "a list");
		cfg_path_pop(path, saved);
		return;
	}
	list = xcalloc(v->nr + 1, sizeof(*list));
	for (i = 0; i < v->nr; i++) {
		size_t len = path->len;
		strbuf_addf(path, "[%zu]", i);
		if (cfg_string_value(L, v->kids[i], path, match, expected) < 0) {
			bad = 1;
		} else {
			for (j = 0; j < nr; j++)
				if (!strcmp(list[j], v->kids[i]->str))
					break;
			if (j < nr) {
				cfg_report_at(L, v->kids[i], path, "'%s' is listed twice", v->kids[i]->str);
				bad = 1;
			} else {
				list[nr++] = xstrdup(v->kids[i]->str);
			}
		}
		strbuf_setlen(path, len);
	}
	if (bad) {
		cfg_strv_free(list, nr);
	} else {
		cfg_strv_free(*out, *out_nr);
		*out = list;
		*out_nr = nr;
	}
	cfg_path_pop(path, saved);
}

