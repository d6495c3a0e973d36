/*
 * Pass 2 of the loader: libyaml's event stream -> a tree of struct ynode.
 * The one file of autofix that includes yaml.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config_internal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

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

void cfg_free_tree(struct loader *L)
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
	cfg_vreport(L, (int)mark->line + 1, (int)mark->column + 1, path.buf, fmt, ap);
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
			cfg_report(L, n->line, n->col, path.buf, "a key must be a string, found %s",
			       n->kind == Y_MAP ? "a mapping" : "a list");
			strbuf_release(&path);
			return 0;
		}
		if (cfg_ytype(n) != YT_STR) {
			/* `1:`, `true:` or `null:` would be keys of other types for other readers */
			struct strbuf found = STRBUF_INIT;
			cfg_describe(&found, n);
			parent->nr--; /* the path is the mapping's */
			stack_path(L, &path);
			parent->nr++;
			cfg_report(L, n->line, n->col, path.buf, "a key must be a string, found %s; "
			       "quote it", found.buf);
			strbuf_release(&found);
			strbuf_release(&path);
			return 0;
		}
		for (i = 0; i + 2 < parent->nr; i += 2) {
			const struct ynode *k = parent->kids[i];
			if (k->kind == Y_SCALAR && !strcmp(k->str, n->str)) {
				stack_path(L, &path);
				cfg_report(L, n->line, n->col, path.buf,
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

/*
 * The values that may hold several lines: commands and PromQL templates.
 * Anywhere else a line break is most likely a mistake, and one that could
 * forge a line of output wherever the value is printed.
 */
static const char *const multiline_keys[] = {
	"verify", "verify.command", "agent.command", "source.prometheus.queries.*", NULL,
};

/* Whether path ("services.api.path") is one of multiline_keys ('*': one segment). */
static int multiline_ok(const char *path)
{
	const char *const *k;

	for (k = multiline_keys; *k; k++) {
		const char *p = path, *q = *k;
		while (*p && *q) {
			if (*q == '*') {
				while (*p && *p != '.')
					p++;
				q++;
			} else if (*p++ != *q++) {
				break;
			}
		}
		if (!*p && !*q)
			return 1;
	}
	return 0;
}

/*
 * Pass 1 checked the text as written; a quoted value can still spell a
 * control character as an escape ("\e", "\x07", "\u009b", "\n"), which
 * would reach a terminal or a log as the character itself. The unescaped
 * scalar (key or value) is held to the same rule as the text, with two
 * more: no CR at all, and a line break only in the value of one of
 * multiline_keys. tests/config/check.js applies the same rule.
 * Returns -1 after reporting one: the tree is not built further, so that
 * no later message repeats the character.
 */
static int check_unescaped(struct loader *L, const yaml_event_t *ev, int is_key)
{
	const unsigned char *s = ev->data.scalar.value;
	size_t len = ev->data.scalar.length, i = 0, w;
	struct strbuf path = STRBUF_INIT;
	unsigned cp;
	int rc = 0;

	for (; i < len && !rc; i += w) {
		if (!(w = cfg_utf8_decode(s + i, len - i, &cp)))
			break; /* libyaml emits UTF-8 only; nothing to add */
		if (cp == '\n') {
			strbuf_reset(&path);
			stack_path(L, &path);
			if (is_key || !multiline_ok(path.buf)) {
				report_here(L, &ev->start_mark, "a line break in a %s (only commands "
					    "and queries may hold several lines)", is_key ? "key" : "value");
				rc = -1;
			}
		} else if (!cfg_is_printable(cp) || cp == '\r') {
			report_here(L, &ev->start_mark, "control character U+%04X, written as an "
				    "escape, is not allowed", cp);
			rc = -1;
		}
	}
	strbuf_release(&path);
	return rc;
}

static int on_scalar(struct loader *L, yaml_event_t *ev)
{
	struct ynode *n = new_node(L, Y_SCALAR, &ev->start_mark);
	int tagged = take_tag(L, &ev->start_mark, ev->data.scalar.tag, 1);

	n->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->plain = !tagged && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (!L->flow_depth && ev->data.scalar.style != YAML_LITERAL_SCALAR_STYLE &&
	    ev->data.scalar.style != YAML_FOLDED_SCALAR_STYLE)
		cfg_check_span(L, ev->start_mark.line, ev->end_mark.line);
	if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length))
		report_here(L, &ev->start_mark, "a value contains a NUL character");
	else if (check_unescaped(L, ev, L->depth && L->stack[L->depth - 1].node->kind == Y_MAP &&
				 L->stack[L->depth - 1].node->nr % 2 == 0) < 0)
		return -1;
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
		cfg_check_span(L, f->start_line, ev->end_mark.line);
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
	/* Globs (pull_requests.forbidden_paths) start with '*' more often than not. */
	if (p->context && strstr(p->context, "scanning an alias"))
		strbuf_addstr(&msg, "; a value that starts with '*' is an alias in YAML: quote it, "
			      "as in '**/*.pem'");
	cfg_report(L, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1, "", "%s", msg.buf);
	strbuf_release(&msg);
}

int cfg_build_tree(struct loader *L, const char *buf, size_t len)
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
				cfg_report(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				       "", "a second YAML document; the file must hold one");
				rc = -1;
			} else if (ev.data.document_start.version_directive ||
				   ev.data.document_start.tag_directives.start !=
				   ev.data.document_start.tag_directives.end) {
				/* %YAML 1.1 would change what `yes` means, for some readers only */
				cfg_report(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
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

