/*
 * An event stream (OpenCode's /event): the framing, fed in pieces cut
 * where the input says, and each event's data parsed as JSON.
 */
#include "fuzz.h"
#include "util/json.h"
#include "util/sse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static int on_event(void *ctx, const char *data, size_t len)
{
	struct json *root = NULL;
	size_t *events = ctx;

	if (json_parse(&root, data, len) == 0)
		json_str_value(json_get(root, "type"));
	json_free(root);
	/* A consumer may stop at any event: the 1000th stops this one. */
	return ++*events >= 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sse parser;
	size_t events = 0, at = 0, piece;

	if (!size)
		return 0;
	/* The first byte sets the read size (1..256), as a socket would cut the stream. */
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	sse_init(&parser, 4096);
	while (at < size) {
		size_t n = size - at < piece ? size - at : piece;
		if (sse_feed(&parser, (const char *)data + at, n, on_event, &events) != 0)
			break;
		at += n;
	}
	sse_release(&parser);
	return 0;
}
