#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/mustache.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * A template is parsed whole into a flat list of tokens before anything is
 * rendered, so that a malformed template fails the same way whatever the
 * data (an unclosed section inside a section that happens to be skipped is
 * still an error), and so that skipping a section is a jump to its closing
 * token. Tokens point into the template text, which outlives them.
 */

/* ---------------------------------------------------------------- parsing */

enum tok_kind {
	TOK_TEXT,     /* literal text */
	TOK_VAR,      /* {{name}}: escaped */
	TOK_RAW,      /* {{{name}}} or {{&name}} */
	TOK_SECTION,  /* {{#name}} */
	TOK_INVERTED, /* {{^name}} */
	TOK_CLOSE,    /* {{/name}} */
	TOK_PARTIAL,  /* {{>name}} */
};

struct tok {
	enum tok_kind kind;
	const char *s; /* the text, or the name with blanks trimmed */
	size_t len;
	size_t close;  /* sections: index of the matching TOK_CLOSE */
	const char *indent; /* standalone partials: the blanks before the tag */
	size_t indent_len;
	unsigned line, col;
};

struct tmpl {
	struct tok *toks;
	size_t nr, alloc;
};

struct parser {
	const char *name;
	const char *src;
	size_t len;
	/* Line counting is incremental: the tags come in order. */
	size_t counted_to, line_start;
	unsigned line;
	size_t *open; /* indices of the sections not yet closed */
	size_t open_nr, open_alloc;
};

static void tmpl_release(struct tmpl *t)
{
	free(t->toks);
	t->toks = NULL;
	t->nr = t->alloc = 0;
}

static void locate(struct parser *p, size_t at, unsigned *line, unsigned *col)
{
	for (; p->counted_to < at; p->counted_to++)
		if (p->src[p->counted_to] == '\n') {
			p->line++;
			p->line_start = p->counted_to + 1;
		}
	*line = p->line;
	*col = (unsigned)(at - p->line_start + 1);
}

static int error_at(const char *name, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int error_at(const char *name, unsigned line, unsigned col, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ret = bot_error(BOT_EINVALID, "%s in '%s' at line %u, column %u", msg.buf, name, line, col);
	strbuf_release(&msg);
	return ret;
}

static struct tok *add_tok(struct tmpl *t, enum tok_kind kind, const char *s, size_t len)
{
	struct tok *k;

	ALLOC_GROW(t->toks, t->nr + 1, t->alloc);
	k = &t->toks[t->nr++];
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->s = s;
	k->len = len;
	return k;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(char c)
{
	return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

static const char *find(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	return memmem(hay, hay_len, needle, needle_len);
}

/* A tag's name must be one run of non-blank characters. */
static int check_name(struct parser *p, const char *s, size_t len, unsigned line, unsigned col)
{
	size_t i;

	if (!len)
		return error_at(p->name, line, col, "empty tag");
	for (i = 0; i < len; i++)
		if (is_space(s[i]))
			return error_at(p->name, line, col, "blank inside the name '%.*s'",
					(int)len, s);
	return 0;
}

/*
 * {{=<% %>=}}: the content between the equals signs is two delimiters
 * separated by blanks, neither empty nor containing blanks or '='.
 */
static int set_delimiters(struct parser *p, const char *s, size_t len, const char **otag,
			  size_t *olen, const char **ctag, size_t *clen, unsigned line, unsigned col)
{
	const char *a = s, *b;
	size_t alen = 0, blen, i;

	trim(&s, &len);
	a = s;
	while (alen < len && !is_space(a[alen]))
		alen++;
	b = a + alen;
	blen = len - alen;
	trim(&b, &blen);
	for (i = 0; i < blen; i++)
		if (is_space(b[i]))
			blen = 0; /* three words or more */
	if (!alen || !blen || memchr(a, '=', alen) || memchr(b, '=', blen))
		return error_at(p->name, line, col, "bad set-delimiter tag '%.*s'", (int)len, s);
	*otag = a;
	*olen = alen;
	*ctag = b;
	*clen = blen;
	return 0;
}

static int parse(struct tmpl *t, const char *name, const char *src, size_t len)
{
	struct parser p = { name, src, len, 0, 0, 1, NULL, 0, 0 };
	const char *otag = "{{", *ctag = "}}";
	size_t olen = 2, clen = 2, pos = 0, text_start = 0;
	int ret = 0;

	for (;;) {
		const char *hit = find(src + pos, len - pos, otag, olen);
		size_t at, content, tag_end, line_begin, after, next;
		const char *close, *end, *s;
		char type;
		unsigned line, col;
		int standalone = 0;
		size_t slen;

		if (!hit) {
			if (text_start < len)
				add_tok(t, TOK_TEXT, src + text_start, len - text_start);
			break;
		}
		at = (size_t)(hit - src);
		locate(&p, at, &line, &col);
		content = at + olen;
		type = content < len ? src[content] : '\0';
		switch (type) {
		case '{': /* triple mustache: the closing delimiter gains a brace */
		case '=':
		case '&': case '#': case '^': case '/': case '>': case '!':
			content++;
			break;
		default:
			type = 0;
		}
		if (type == '{' || type == '=') {
			/* "}" or "=" followed by the closing delimiter */
			char *want = xmalloc(clen + 1);
			want[0] = type == '{' ? '}' : '=';
			memcpy(want + 1, ctag, clen);
			end = content <= len ? find(src + content, len - content, want, clen + 1) : NULL;
			free(want);
			close = end;
			if (end)
				end += clen + 1;
		} else {
			close = content <= len ? find(src + content, len - content, ctag, clen) : NULL;
			end = close ? close + clen : NULL;
		}
		if (!close) {
			ret = error_at(name, line, col, "unclosed tag");
			goto out;
		}
		tag_end = (size_t)(end - src);
		s = src + content;
		slen = (size_t)(close - s);
		trim(&s, &slen);

		/*
		 * A section, inverted section, closing, comment, partial or
		 * set-delimiter tag alone on its line (blanks aside) takes the
		 * whole line with it, so that templates can be laid out freely.
		 */
		line_begin = at;
		after = tag_end;
		next = tag_end;
		if (type && type != '{' && type != '&') {
			while (line_begin > 0 && is_blank(src[line_begin - 1]))
				line_begin--;
			while (after < len && is_blank(src[after]))
				after++;
			if (line_begin == 0 || src[line_begin - 1] == '\n') {
				if (after == len) {
					standalone = 1;
					next = len;
				} else if (src[after] == '\n') {
					standalone = 1;
					next = after + 1;
				} else if (src[after] == '\r' && after + 1 < len && src[after + 1] == '\n') {
					standalone = 1;
					next = after + 2;
				}
			}
		}
		if (!standalone)
			line_begin = at;
		if (line_begin < text_start)
			line_begin = text_start; /* cannot happen: tags are not blank */
		if (line_begin > text_start)
			add_tok(t, TOK_TEXT, src + text_start, line_begin - text_start);

		switch (type) {
		case '!':
			break;
		case '=':
			/* the content lies between the two equals signs */
			if ((ret = set_delimiters(&p, src + content, (size_t)(close - (src + content)),
						  &otag, &olen, &ctag, &clen, line, col)) < 0)
				goto out;
			break;
		case '/': {
			struct tok *open;

			if ((ret = check_name(&p, s, slen, line, col)) < 0)
				goto out;
			if (!p.open_nr) {
				ret = error_at(name, line, col, "closing tag '%.*s' without an open section",
					       (int)slen, s);
				goto out;
			}
			open = &t->toks[p.open[p.open_nr - 1]];
			if (open->len != slen || memcmp(open->s, s, slen)) {
				ret = error_at(name, line, col,
					       "closing tag '%.*s' does not match the section '%.*s' opened at line %u",
					       (int)slen, s, (int)open->len, open->s, open->line);
				goto out;
			}
			open->close = t->nr;
			p.open_nr--;
			add_tok(t, TOK_CLOSE, s, slen);
			break;
		}
		default: {
			enum tok_kind kind;
			struct tok *k;

			if ((ret = check_name(&p, s, slen, line, col)) < 0)
				goto out;
			switch (type) {
			case '#': kind = TOK_SECTION; break;
			case '^': kind = TOK_INVERTED; break;
			case '>': kind = TOK_PARTIAL; break;
			case '{': case '&': kind = TOK_RAW; break;
			default: kind = TOK_VAR;
			}
			if (kind == TOK_SECTION || kind == TOK_INVERTED) {
				/* Bounds the renderer's recursion, partials included. */
				if (p.open_nr >= MUSTACHE_MAX_NESTING) {
					ret = error_at(name, line, col, "sections nested deeper than %d",
						       MUSTACHE_MAX_NESTING);
					goto out;
				}
				ALLOC_GROW(p.open, p.open_nr + 1, p.open_alloc);
				p.open[p.open_nr++] = t->nr;
			}
			k = add_tok(t, kind, s, slen);
			k->line = line;
			k->col = col;
			if (kind == TOK_PARTIAL && standalone) {
				k->indent = src + line_begin;
				k->indent_len = at - line_begin;
			}
		}
		}
		pos = text_start = next;
	}
	if (p.open_nr) {
		struct tok *open = &t->toks[p.open[p.open_nr - 1]];
		ret = error_at(name, open->line, open->col, "unclosed section '%.*s'",
			       (int)open->len, open->s);
	}
out:
	free(p.open);
	if (ret < 0)
		tmpl_release(t);
	return ret;
}

/* -------------------------------------------------------------- rendering */

struct render {
	const struct mustache_options *opts;
	mustache_escape_fn escape;
	struct strbuf *out;
	size_t start, max_output;
	size_t steps, max_steps;
	unsigned depth, max_depth;
	const struct json **stack; /* the context stack, top last */
	size_t nr, alloc;
	struct strbuf key;
};

static int check_size(struct render *r, const char *name)
{
	if (r->out->len - r->start > r->max_output)
		return bot_error(BOT_ETOOBIG, "output of '%s' is larger than %zu bytes",
				 name, r->max_output);
	return 0;
}

static void push(struct render *r, const struct json *v)
{
	ALLOC_GROW(r->stack, r->nr + 1, r->alloc);
	r->stack[r->nr++] = v;
}

static const struct json *member(struct render *r, const struct json *obj, const char *s, size_t len)
{
	strbuf_reset(&r->key);
	strbuf_add(&r->key, s, len);
	return json_member(obj, r->key.buf);
}

/*
 * The value a name stands for, or NULL. Only the first part of a dotted
 * name walks the context stack; the rest is looked up in what it found.
 */
static const struct json *lookup(struct render *r, const char *name, size_t len)
{
	const struct json *v = NULL;
	const char *dot;
	size_t part, i;

	if (len == 1 && name[0] == '.')
		return r->nr ? r->stack[r->nr - 1] : NULL;
	dot = memchr(name, '.', len);
	part = dot ? (size_t)(dot - name) : len;
	for (i = r->nr; i-- > 0;)
		if ((v = member(r, r->stack[i], name, part)))
			break;
	while (v && dot) {
		name = dot + 1;
		len -= part + 1;
		dot = memchr(name, '.', len);
		part = dot ? (size_t)(dot - name) : len;
		v = member(r, v, name, part);
	}
	return v;
}

static int truthy(const struct json *v)
{
	switch (json_type(v)) {
	case JSON_BOOL: return json_bool_value(v);
	case JSON_NUMBER: return json_num_value(v) != 0;
	case JSON_STRING: return json_str_value(v)[0] != '\0';
	case JSON_ARRAY: return json_size(v) > 0;
	case JSON_OBJECT: return 1;
	default: return 0;
	}
}

/* The shortest text that reads back as the same number: 85, 1.21, 1e+300. */
static void format_number(struct strbuf *sb, double d)
{
	char buf[40];

	if (d == 0) {
		strbuf_addch(sb, '0');
		return;
	}
	if (isfinite(d) && d == floor(d) && fabs(d) < 1e15) {
		strbuf_addf(sb, "%.0f", d);
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof(buf), "%.17g", d);
	strbuf_addstr(sb, buf);
}

static void interpolate(struct render *r, const struct json *v, int escape)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *s;
	size_t len;

	switch (json_type(v)) {
	case JSON_STRING:
		s = json_str_value(v);
		len = strlen(s);
		break;
	case JSON_NUMBER:
		format_number(&tmp, json_num_value(v));
		s = tmp.buf;
		len = tmp.len;
		break;
	case JSON_BOOL:
		s = json_bool_value(v) ? "true" : "false";
		len = strlen(s);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT: {
		char *j = json_print(v, 0);
		strbuf_addstr(&tmp, j);
		free(j);
		s = tmp.buf;
		len = tmp.len;
		break;
	}
	default:
		return;
	}
	if (escape)
		r->escape(r->out, s, len, r->opts->escape_payload);
	else
		strbuf_add(r->out, s, len);
	strbuf_release(&tmp);
}

static int render_template(struct render *r, const char *name, const char *src, size_t len);

/* Every line of src, but an empty last one, prefixed with indent. */
static void indent_lines(struct strbuf *out, const char *src, size_t len,
			 const char *indent, size_t indent_len)
{
	size_t i, line = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && src[i] != '\n')
			continue;
		if (i < len || line < len) {
			strbuf_add(out, indent, indent_len);
			strbuf_add(out, src + line, (i < len ? i + 1 : i) - line);
		}
		line = i + 1;
	}
}

static int render_partial(struct render *r, const char *name, const struct tok *k)
{
	struct strbuf src = STRBUF_INIT, indented = STRBUF_INIT;
	char *pname = xstrndup(k->s, k->len);
	int ret;

	if (r->depth >= r->max_depth) {
		ret = bot_error(BOT_ETOOBIG, "partials nested deeper than %u in '%s' at line %u, column %u",
				r->max_depth, name, k->line, k->col);
		goto out;
	}
	if (!r->opts->partial) {
		ret = 0;
		goto out;
	}
	ret = r->opts->partial(&src, pname, r->opts->partial_payload);
	if (ret == BOT_ENOTFOUND) {
		/* The specification: a partial that does not exist renders as nothing. */
		bot_error_clear();
		ret = 0;
		goto out;
	}
	if (ret < 0)
		goto out;
	if (k->indent_len) {
		indent_lines(&indented, src.buf, src.len, k->indent, k->indent_len);
		strbuf_release(&src);
		src = indented;
		strbuf_init(&indented, 0);
	}
	r->depth++;
	ret = render_template(r, pname, src.buf, src.len);
	r->depth--;
out:
	free(pname);
	strbuf_release(&src);
	strbuf_release(&indented);
	return ret;
}

static int render_range(struct render *r, const char *name, const struct tmpl *t,
			size_t from, size_t to)
{
	size_t i;
	int ret = 0;

	for (i = from; i < to && ret >= 0; i++) {
		const struct tok *k = &t->toks[i];
		const struct json *v;

		if (++r->steps > r->max_steps) {
			ret = bot_error(BOT_ETOOBIG, "rendering '%s' takes more than %zu steps",
					name, r->max_steps);
			break;
		}
		switch (k->kind) {
		case TOK_TEXT:
			strbuf_add(r->out, k->s, k->len);
			break;
		case TOK_VAR:
		case TOK_RAW:
			interpolate(r, lookup(r, k->s, k->len), k->kind == TOK_VAR);
			break;
		case TOK_SECTION:
			v = lookup(r, k->s, k->len);
			if (!truthy(v)) {
				/* nothing */
			} else if (json_type(v) == JSON_ARRAY) {
				const struct json *item;

				for (item = json_first(v); item && ret >= 0; item = json_next(item)) {
					push(r, item);
					ret = render_range(r, name, t, i + 1, k->close);
					r->nr--;
				}
			} else {
				push(r, v);
				ret = render_range(r, name, t, i + 1, k->close);
				r->nr--;
			}
			i = k->close;
			break;
		case TOK_INVERTED:
			if (!truthy(lookup(r, k->s, k->len)))
				ret = render_range(r, name, t, i + 1, k->close);
			i = k->close;
			break;
		case TOK_CLOSE:
			break;
		case TOK_PARTIAL:
			ret = render_partial(r, name, k);
			break;
		}
		if (ret >= 0)
			ret = check_size(r, name);
	}
	return ret;
}

static int render_template(struct render *r, const char *name, const char *src, size_t len)
{
	struct tmpl t = { NULL, 0, 0 };
	int ret;

	if ((ret = parse(&t, name, src, len)) < 0)
		return ret;
	ret = render_range(r, name, &t, 0, t.nr);
	tmpl_release(&t);
	return ret;
}

/* ------------------------------------------------------------------ API */

void mustache_escape_html(struct strbuf *out, const char *s, size_t len, void *payload)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		const char *ent;

		switch (s[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		strbuf_add(out, s + run, i - run);
		strbuf_addstr(out, ent);
		run = i + 1;
	}
	strbuf_add(out, s + run, len - run);
}

void mustache_escape_none(struct strbuf *out, const char *s, size_t len, void *payload)
{
	strbuf_add(out, s, len);
}

int mustache_render(struct strbuf *out, const char *tmpl, size_t len, const struct json *data,
		    const struct mustache_options *opts)
{
	static const struct mustache_options defaults = MUSTACHE_OPTIONS_INIT;
	struct render r;
	const char *name;
	int ret;

	if (!opts)
		opts = &defaults;
	memset(&r, 0, sizeof(r));
	r.opts = opts;
	r.escape = opts->escape ? opts->escape : mustache_escape_html;
	r.out = out;
	r.start = out->len;
	r.max_output = opts->max_output ? opts->max_output : MUSTACHE_DEFAULT_MAX_OUTPUT;
	r.max_depth = opts->max_depth ? opts->max_depth : MUSTACHE_DEFAULT_MAX_DEPTH;
	r.max_steps = opts->max_steps ? opts->max_steps : MUSTACHE_DEFAULT_MAX_STEPS;
	strbuf_init(&r.key, 0);
	name = opts->name ? opts->name : "template";
	if (data)
		push(&r, data);
	ret = render_template(&r, name, tmpl, len);
	if (ret < 0)
		strbuf_setlen(out, r.start);
	free(r.stack);
	strbuf_release(&r.key);
	return ret;
}
