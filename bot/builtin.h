#ifndef BUILTIN_H
#define BUILTIN_H

/*
 * The commands of `autofix`, one cmd_* per file (git's builtin/). Each
 * returns the process exit code, one of these (the README's table):
 */
#define EXIT_OK 0
/* The job found something (a scan's findings). */
#define EXIT_FINDINGS 1
/* Usage or configuration error: nothing was run. */
#define EXIT_USAGE 2
/* Another process is running the same journaled run (see journal.h). */
#define EXIT_BUSY 3
/* The job failed: a source, GitHub or the state file could not be used. */
#define EXIT_FAILURE_JOB 4
/* A scan that completed but could not see some watched service at all: never "healthy". */
#define EXIT_NO_DATA 5

struct command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *summary; /* one line for `autofix help` */
	const char *usage;   /* the full text of `autofix help <name>` */
};

/* The table in main.c; NULL when there is no such command. */
const struct command *command_find(const char *name);

/*
 * Reports a usage error of the command called name, the same way for
 * every command: "error: MESSAGE" (printf-style), then the command's usage
 * lines and where to read more, on stderr. Returns EXIT_USAGE.
 */
int command_usage_error(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int cmd_help(int argc, const char **argv);
int cmd_version(int argc, const char **argv);
int cmd_validate(int argc, const char **argv);
int cmd_jwt(int argc, const char **argv);
int cmd_scan(int argc, const char **argv);
int cmd_runs(int argc, const char **argv);
int cmd_event(int argc, const char **argv);
int cmd_repos(int argc, const char **argv);

#endif
