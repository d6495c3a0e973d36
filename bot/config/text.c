/*
 * Pass 1 of the loader: checks on the raw text, before any YAML reader sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---------------------------------------------------- pass 1: the text */

int cfg_is_printable(unsigned cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
	       (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) ||
	       (cp >= 0x10000 && cp <= 0x10FFFF);
}

size_t cfg_utf8_decode(const unsigned char *s, size_t avail, unsigned *cp)
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

void cfg_check_text(struct loader *L, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;
	int line = 1, col = 1, at_line_start = 1, tab_col = 0;

	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		i = 3; /* a byte-order mark is allowed, first thing only */
	while (i < len) {
		unsigned cp;
		size_t w = cfg_utf8_decode(s + i, len - i, &cp);

		if (!w) {
			cfg_report(L, line, col, "", "the file is not valid UTF-8 (byte 0x%02X); "
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
					cfg_report(L, line, tab_col, "", "a tab in the indentation; "
					       "YAML indents with spaces only");
				at_line_start = 0;
			}
		}
		if (!cfg_is_printable(cp))
			cfg_report(L, line, col, "", "control character U+%04X is not allowed", cp);
		else if (cp == '\r' && (i >= len || s[i] != '\n'))
			/* old Mac line ends: YAML readers disagree on what they mean */
			cfg_report(L, line, col, "", "a carriage return without a line feed; "
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

void cfg_index_lines(struct loader *L)
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

void cfg_check_indicators(struct loader *L)
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
			cfg_report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
			       "a line starting with '%c ': explicit keys are not supported; "
			       "write 'key: value' on one line", L->buf[i]);
			continue;
		}
		for (; i < end; i++) {
			char prev = i > L->line_starts[line] ? L->buf[i - 1] : ' ';
			if (L->buf[i] == '#' && i > L->line_starts[line] && strchr("]}\"',[{", prev))
				cfg_report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
				       "a '#' right after '%c' needs a space before it (YAML "
				       "readers disagree on what it means)", prev);
			else if (L->buf[i] == ':' && i + 1 < end && strchr("[{}],", L->buf[i + 1]) &&
				 prev != '"' && prev != '\'' &&
				 !closes_posix_class(L->buf + L->line_starts[line], i - L->line_starts[line]))
				cfg_report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
				       "a ':' glued to '%c' (YAML readers disagree on what it "
				       "means); add a space after the ':'", L->buf[i + 1]);
			else if (L->buf[i] == '?' && strchr(" [{,", prev) && i + 1 < end &&
				 !strchr(" \t\r", L->buf[i + 1]))
				cfg_report(L, (int)line + 1, (int)(i - L->line_starts[line]) + 1, "",
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
void cfg_check_span(struct loader *L, size_t first, size_t last)
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
		cfg_report(L, (int)line + 1, (int)(i - start) + 1, "",
		       "this line continues what line %zu began and must be indented "
		       "more than it", first + 1);
		return;
	}
}

