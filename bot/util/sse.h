#ifndef UTIL_SSE_H
#define UTIL_SSE_H

#include <stddef.h>

#include "util/strbuf.h"

/*
 * The framing of a server-sent event stream (the WHATWG rules, the parts
 * autofix's streams use): lines end with CRLF, LF or CR, also when a CRLF
 * is split between two reads; a line starting with ':' is a comment;
 * "data:" lines (one optional space after the colon) are joined with LF;
 * a blank line ends the event. Other fields (event, id, retry) are
 * skipped. Bytes may arrive in any pieces.
 */
struct sse {
	struct strbuf line;
	struct strbuf data;
	size_t max_event;     /* most bytes of an event's data or of a line */
	int has_data;
	int after_cr;         /* the last byte was a CR: an LF right after it ends nothing */
	int too_big;
};

/* max_event: the most bytes one event (or one line) may hold. */
void sse_init(struct sse *p, size_t max_event);
void sse_release(struct sse *p);

/* Gets each complete event's data; returns nonzero to stop the feed. */
typedef int (*sse_event_fn)(void *ctx, const char *data, size_t len);

/*
 * Feeds len bytes of the stream; fn gets each complete event's data.
 * Returns 1 as soon as fn asks to stop, 0 when all was consumed, or
 * BOT_ETOOBIG (message recorded) when an event or a line passed
 * max_event: the stream cannot be read on.
 */
int sse_feed(struct sse *p, const char *buf, size_t len, sse_event_fn fn, void *ctx);

#endif
