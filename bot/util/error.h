#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

/*
 * The error convention (libgit2's): functions return 0 (or a count) on
 * success and a negative code on failure. Specific codes exist only for
 * failures a caller may want to handle; the human message is kept apart,
 * per thread, and read with bot_error_last(). Propagate, never mask: a
 * caller that cannot add anything useful returns the code it got.
 * Only the cmd_* layer prints errors and picks an exit code.
 */
enum bot_error_code {
	BOT_OK = 0,
	BOT_ERROR = -1,      /* generic failure */
	BOT_ENOTFOUND = -2,  /* a file, key, resource or object does not exist */
	BOT_EINVALID = -3,   /* input is malformed or fails validation */
	BOT_EAUTH = -4,      /* authentication or authorisation refused */
	BOT_ETIMEOUT = -5,   /* an operation ran out of time */
	BOT_ERATELIMIT = -6, /* a rate limit would need a longer wait than allowed */
	BOT_ETOOBIG = -7,    /* a size cap was exceeded */
	BOT_EIO = -8,        /* the operating system refused (file, socket) */
	BOT_ETRANSIENT = -9, /* worth retrying: the peer failed, not the request */
	BOT_ECONFLICT = -10, /* someone else holds the resource (a lock, a run) */
};

/*
 * Records a formatted message as the thread's last error and returns code,
 * so that `return bot_error(BOT_EINVALID, "bad '%s'", s);` is one line.
 * Messages start lower case, name the subject in quotes, and carry no
 * trailing full stop.
 */
int bot_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message recorded on this thread, or "" when there is none. Valid until the next bot_error(). */
const char *bot_error_last(void);

/* Forgets the last error. */
void bot_error_clear(void);

/*
 * Prefixes the last message with a context ("while reading '%s': ") and
 * returns code unchanged; for callers that can say where a failure happened.
 */
int bot_error_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A short stable name for a code ("not-found", "rate-limit"...), for logs and JSON. */
const char *bot_error_name(int code);

#endif
