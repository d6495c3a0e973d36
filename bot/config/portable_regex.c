/*
 * The subset of regular expressions that `redact` accepts.
 */
#include <stddef.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

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
const char *cfg_regex_not_portable(const char *re, size_t *at)
{
	struct re_scan r = { re, 0, NULL };

	if (re_alternatives(&r, 0) == 0 && re[r.pos] == ')')
		re_fail(&r, "a ')' without its '('");
	*at = r.pos + 1;
	return r.err;
}

