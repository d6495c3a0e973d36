#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/banned.h"

/*
 * Fixed per-thread storage: an error message must be recordable even when
 * memory is short, and a message longer than this is truncated, not lost.
 */
static _Thread_local char last_msg[4096];

int bot_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return code;
}

int bot_error_wrap(int code, const char *fmt, ...)
{
	char prefix[1024], old[sizeof(last_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_msg, sizeof(old));
	/* Truncation is acceptable here: the prefix first, as much of the old message as fits. */
	{
		size_t plen = strlen(prefix), room = sizeof(last_msg) - 1 - plen;
		size_t olen = strnlen(old, room);
		memcpy(last_msg, prefix, plen);
		memcpy(last_msg + plen, old, olen);
		last_msg[plen + olen] = '\0';
	}
	return code;
}

const char *bot_error_last(void)
{
	return last_msg;
}

void bot_error_clear(void)
{
	last_msg[0] = '\0';
}

const char *bot_error_name(int code)
{
	switch (code) {
	case BOT_OK: return "ok";
	case BOT_ERROR: return "error";
	case BOT_ENOTFOUND: return "not-found";
	case BOT_EINVALID: return "invalid";
	case BOT_EAUTH: return "auth";
	case BOT_ETIMEOUT: return "timeout";
	case BOT_ERATELIMIT: return "rate-limit";
	case BOT_ETOOBIG: return "too-big";
	case BOT_EIO: return "io";
	case BOT_ETRANSIENT: return "transient";
	case BOT_ECONFLICT: return "conflict";
	}
	return "unknown";
}
