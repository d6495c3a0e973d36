#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdio.h>

#include "util/strbuf.h"

/*
 * Logging to stderr. Under GitHub Actions (GITHUB_ACTIONS=true) messages
 * become workflow commands (::error file=..,line=..::msg, ::group::,
 * ::add-mask::) so that they show as annotations; elsewhere plain text.
 * The level comes from AUTOFIX_LOG (debug, info, warning, error; default
 * info). Every message is passed through log_redact() first, so a value
 * registered with log_add_secret() never reaches the log.
 */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

/* Reads GITHUB_ACTIONS and AUTOFIX_LOG; called by main(), idempotent. */
void log_setup(void);
/* Redirects output (tests); NULL means stderr. */
void log_set_stream(FILE *f);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);
/* Nonzero when running under GitHub Actions. */
int log_in_actions(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/*
 * A message tied to a place in a file: an annotation on that line in
 * Actions, "file:line:col: level: msg" elsewhere. line/col 0 mean unknown.
 */
void log_at(enum log_level level, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Folds the lines that follow into a collapsible group in Actions. */
void log_group_start(const char *title);
void log_group_end(void);

/*
 * Registers a secret: from now on it is replaced by "***" in everything
 * this process logs or passes through log_redact(), and under Actions the
 * runner is told to mask it too. Values shorter than 4 bytes are ignored
 * (masking "a" would garble every message). The string is copied.
 */
void log_add_secret(const char *value);
/*
 * Writes text that may hold data from elsewhere (service names, commit
 * messages, log lines) to f: redacted (text itself is redacted in place),
 * and under Actions fenced by ::stop-commands:: so that a line of it that
 * looks like a workflow command is shown, not obeyed. Info messages get the
 * same fence. Returns 0, or -1 when writing failed.
 */
int log_print_data(FILE *f, struct strbuf *text);

/*
 * Replaces every registered secret in sb by "***". The rule: text is
 * redacted when it enters (before it is stored, escaped or formatted),
 * since an escaped secret ("tok\_en" in Markdown) no longer matches.
 */
void log_redact(struct strbuf *sb);
/* Whether s holds a registered secret (what log_redact() would change). */
int log_has_secret(const char *s);
/*
 * Makes text from elsewhere (a service name, a server's error) safe to
 * show to a person, in place: an escape sequence in it would be obeyed by
 * the terminal, and a CR or LF could forge a line of the report. Control
 * characters become \n, \r, \t or \xHH; bytes that are not UTF-8 \xHH;
 * C1 controls and the invisible code points that reorder or hide text
 * (bidi overrides and isolates, zero-width characters, U+2028/U+2029,
 * U+FEFF) \uHHHH. Every log message gets this after log_redact().
 */
void log_escape_controls(struct strbuf *sb);
/* Appends s (NULL: nothing) to out redacted, then escaped by log_escape_controls(). */
void log_add_text(struct strbuf *out, const char *s);
/*
 * Replaces by "***" what looks like a credential whatever its origin
 * (util/redact.h lists the shapes: tokens, keys, JWTs, PEM blocks, URL
 * credentials, sensitive key=value pairs). For text kept from an earlier
 * process (the journal), whose secrets this process may never have been
 * given. Not applied by log_redact(): `autofix jwt` prints a JWT on purpose.
 */
void log_redact_credentials(struct strbuf *sb);
/* Forgets every registered secret (tests). */
void log_clear_secrets(void);

#endif
