#ifndef UTIL_STRBUF_H
#define UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable string (git's strbuf). `buf` is never NULL and always
 * NUL-terminated, so it can be handed to any function taking a C string;
 * it may also hold binary data, `len` tells its length. Appenders return
 * void: allocation failure aborts. Ownership of the storage leaves the
 * strbuf only through strbuf_detach().
 */
struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees the storage and leaves sb as if freshly initialised. */
void strbuf_release(struct strbuf *sb);
/* Returns the string; the caller owns it and frees it with free(3). sb is left empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Makes sure at least `extra` more bytes fit without reallocating. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Truncates (or, within the allocation, extends) to len bytes. */
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Appends s with JSON string escaping, without the surrounding quotes. */
void strbuf_add_json_escaped(struct strbuf *sb, const char *s);
/*
 * Appends s percent-encoded for a URL path segment or query value: every
 * byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - _ . ~) becomes %XX.
 */
void strbuf_add_urlencoded(struct strbuf *sb, const char *s);

/* Removes whitespace at both ends. */
void strbuf_trim(struct strbuf *sb);
/* Line breaks and tabs become spaces, then the ends are trimmed: text for one line (a title). */
void strbuf_one_line(struct strbuf *sb);
/* Replaces every occurrence of `from` (non-empty) by `to`. */
void strbuf_replace_all(struct strbuf *sb, const char *from, const char *to);

/*
 * Reads a whole file into sb (appending). Fails with BOT_ETOOBIG, leaving sb
 * as it was, when the file is larger than max bytes (0: no limit). Never
 * waits to open: a FIFO without a writer reads as empty; a directory is
 * BOT_EIO. Returns 0, or a negative error code with the message recorded.
 */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t max);

int starts_with(const char *s, const char *prefix);
int ends_with(const char *s, const char *suffix);

#endif
