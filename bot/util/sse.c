/*
 * Server-sent events: the stream's framing (sse.h).
 */
#include <string.h>

#include "util/error.h"
#include "util/sse.h"
#include "util/banned.h"

void sse_init(struct sse *p, size_t max_event)
{
	memset(p, 0, sizeof(*p));
	strbuf_init(&p->line, 0);
	strbuf_init(&p->data, 0);
	p->max_event = max_event;
}

void sse_release(struct sse *p)
{
	strbuf_release(&p->line);
	strbuf_release(&p->data);
}

/* One complete line; calls fn at the end of an event. Returns what fn returned, or 0. */
static int sse_line(struct sse *p, sse_event_fn fn, void *ctx)
{
	const char *l = p->line.buf, *v;
	int stop = 0;

	if (!p->line.len) {
		if (p->has_data)
			stop = fn(ctx, p->data.buf, p->data.len);
		strbuf_reset(&p->data);
		p->has_data = 0;
		return stop;
	}
	if (l[0] == ':')
		return 0;
	if (!strncmp(l, "data", 4) && (l[4] == ':' || l[4] == '\0')) {
		v = l[4] ? l + 5 : l + 4;
		if (*v == ' ')
			v++;
		if (p->has_data)
			strbuf_addch(&p->data, '\n');
		/* The line may hold a NUL: the data is what follows the field's name, all of it. */
		strbuf_add(&p->data, v, p->line.len - (size_t)(v - l));
		p->has_data = 1;
		if (p->data.len > p->max_event)
			p->too_big = 1;
	}
	return 0;
}

int sse_feed(struct sse *p, const char *buf, size_t len, sse_event_fn fn, void *ctx)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = buf[i];

		if (ch == '\n' && p->after_cr) {
			p->after_cr = 0;
			continue;
		}
		p->after_cr = ch == '\r';
		if (ch == '\r' || ch == '\n') {
			int stop = sse_line(p, fn, ctx);
			strbuf_reset(&p->line);
			if (p->too_big)
				return bot_error(BOT_ETOOBIG, "an event of the stream is larger than %zu bytes",
						 p->max_event);
			if (stop)
				return 1;
			continue;
		}
		strbuf_addch(&p->line, ch);
		if (p->line.len > p->max_event)
			return bot_error(BOT_ETOOBIG, "a line of the event stream is larger than %zu bytes",
					 p->max_event);
	}
	return 0;
}
