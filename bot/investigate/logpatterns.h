#ifndef INVESTIGATE_LOGPATTERNS_H
#define INVESTIGATE_LOGPATTERNS_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * Logs reduced to what a person on call reads: thousands of lines become
 * a few patterns, each with a count, when it was first and last seen and
 * one example. A pattern is a line with what varies from one occurrence
 * to the next replaced by a placeholder: timestamps <time>, UUIDs <uuid>,
 * hex ids <hex>, IPv4 addresses <ip>, quoted strings "<str>", numbers <n>,
 * and the line of a file:line position (the file is kept: it is the
 * clue). Errors come before warnings, then the rest; more frequent first.
 *
 * Input text is expected to be redacted already (util/redact.h): an
 * example line is kept verbatim.
 *
 * Ownership: a struct log_patterns owns its patterns; init it with
 * LOG_PATTERNS_INIT and release it with log_patterns_release().
 */

enum log_severity { LOG_SEV_ERROR, LOG_SEV_WARNING, LOG_SEV_OTHER };

struct log_pattern {
	char *pattern;
	char *example;      /* the first line seen (bounded) */
	enum log_severity severity;
	size_t count;
	int64_t first, last; /* ms */
};

struct log_patterns {
	struct log_pattern *items;
	size_t nr, alloc;
	size_t lines;       /* lines added */
	size_t dropped;     /* lines not grouped: the pattern table was full */
};

#define LOG_PATTERNS_INIT { NULL, 0, 0, 0, 0 }
/* At most this many distinct patterns are kept; later new ones are counted in dropped. */
#define LOG_PATTERNS_MAX 2000

void log_patterns_release(struct log_patterns *p);

/* Appends the pattern of line (a single line; its first 2 kB) to out. */
void log_pattern_normalise(struct strbuf *out, const char *line);

/*
 * The severity of a line: the source's word when it has one ("error",
 * "err", "fatal", "critical", "panic" / "warn", "warning"), else read
 * from the line (ERROR, FATAL, panic:, Traceback, Exception / WARN).
 */
enum log_severity log_severity_of(const char *source_word, const char *line);

/* Groups one line seen at `at` (ms; 0 when unknown). severity may be NULL. */
void log_patterns_add(struct log_patterns *p, const char *severity, const char *line, int64_t at);

/* Orders the patterns: errors, warnings, the rest; within each, the most frequent first. */
void log_patterns_sort(struct log_patterns *p);

/*
 * Appends the sorted patterns to out as text, one pattern and its example
 * per entry, in at most max_bytes (never cutting an entry), ending with a
 * line that says how many patterns and lines were left out. Returns how
 * many patterns were written.
 */
size_t log_patterns_render(struct strbuf *out, const struct log_patterns *p, size_t max_bytes);

/*
 * Failing HTTP requests grouped by method, normalised path (ids in a
 * path become ":id", the query is dropped) and status, with counts and
 * the mean duration.
 */
struct http_error_group {
	char *method, *path;
	int status;
	size_t count;
	size_t timed;       /* of which with a known duration */
	double total_ms;    /* their sum: the mean is total_ms / timed */
};

struct http_error_groups {
	struct http_error_group *items;
	size_t nr, alloc;
};

#define HTTP_ERROR_GROUPS_INIT { NULL, 0, 0 }
void http_error_groups_release(struct http_error_groups *g);
/* Appends the normalised form of a request path to out: "/users/42/orders?x=1" -> "/users/:id/orders". */
void http_path_normalise(struct strbuf *out, const char *path);
/* Counts one request; duration_ms < 0 when unknown (it then does not weigh in the mean). */
void http_error_groups_add(struct http_error_groups *g, const char *method, const char *path,
			   int status, double duration_ms);
/* The most frequent first; keeps at most top (0: all). */
void http_error_groups_top(struct http_error_groups *g, size_t top);

#endif
