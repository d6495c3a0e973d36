#ifndef TESTS_LIB_LOG_CAPTURE_H
#define TESTS_LIB_LOG_CAPTURE_H

/*
 * What the logger writes, caught for a test: to check a line's form, or
 * that a secret never reaches the log. Header-only (static inline), so
 * that a unit program needs nothing more than tap.o and the library.
 */
#include <stdio.h>

#include "util/log.h"
#include "util/strbuf.h"

/* Sends every log line to a temporary file until log_capture_end(). */
static inline FILE *log_capture_start(void)
{
	FILE *f = tmpfile();

	log_set_stream(f);
	return f;
}

/* Back to stderr; appends what was logged since log_capture_start(f) to out and closes f. */
static inline void log_capture_end(FILE *f, struct strbuf *out)
{
	char buf[4096];
	size_t n;

	log_set_stream(NULL);
	if (!f)
		return;
	fflush(f);
	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(out, buf, n);
	fclose(f);
}

/* What the logger wrote while fn ran; valid until the next call. */
static inline const char *log_captured(void (*fn)(void))
{
	static struct strbuf out = STRBUF_INIT;
	FILE *f = log_capture_start();

	fn();
	strbuf_reset(&out);
	log_capture_end(f, &out);
	return out.buf;
}

#endif
