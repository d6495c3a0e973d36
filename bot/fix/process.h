#ifndef FIX_PROCESS_H
#define FIX_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * Running a command of the repository's (a CLI coding agent, `verify`):
 * `sh -c COMMAND` in a directory, in a process group of its own, with
 * text on its standard input, its standard output and error captured
 * together into a bounded buffer (the last max_output bytes are kept: the
 * end of a test run says what failed), and a wall-clock limit after which
 * the whole group gets SIGTERM, then SIGKILL after a grace period. When
 * the command exits, whatever it left running in its group is killed, so
 * nothing outlives it.
 *
 * The output is the command's own; redact it before it goes anywhere.
 */

struct process_spec {
	const char *command;        /* run by /bin/sh -c */
	const char *dir;            /* working directory */
	const char *input;          /* standard input (may be NULL: empty) */
	size_t input_len;
	const char *const *env;     /* "NAME=value" added to the environment, NULL-terminated; may be NULL */
	long timeout_ms;            /* 0: no limit */
	long grace_ms;              /* between SIGTERM and SIGKILL; 0: 5 s */
	size_t max_output;          /* bytes kept; 0: 64 KiB */
	const char *const *unset;   /* names taken out of the environment (before env), NULL-terminated; may be NULL */
};

struct process_result {
	int exit_code;              /* when it exited, else -1 */
	int signal;                 /* the signal that ended it, else 0 */
	int timed_out;              /* it ran past timeout_ms and was stopped */
	int64_t wall_ms;
	struct strbuf output;       /* the last max_output bytes of stdout and stderr */
	size_t output_dropped;      /* bytes before those, not kept */
};

void process_result_init(struct process_result *r);
void process_result_release(struct process_result *r);

/*
 * Runs spec, filling out (initialised by the caller). Returns 0 when the
 * command ran (whatever its exit status, timed out or not), BOT_EIO when
 * it could not be started.
 */
int process_run(struct process_result *out, const struct process_spec *spec);

#endif
