#ifndef BUILTIN_H
#define BUILTIN_H

/*
 * The commands of `autofix`, one cmd_* per file (git's builtin/). Each
 * returns the process exit code: 0 ok, 1 the job found something or
 * failed, 2 usage or configuration error.
 */
#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_FAILURE_JOB 1
#define EXIT_USAGE 2
/* Another process is running the same journaled run (see journal.h). */
#define EXIT_BUSY 3

struct command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *summary; /* one line for `autofix help` */
	const char *usage;   /* the full text of `autofix help <name>` */
};

/* The table in main.c; NULL when there is no such command. */
const struct command *command_find(const char *name);

int cmd_help(int argc, const char **argv);
int cmd_version(int argc, const char **argv);
int cmd_validate(int argc, const char **argv);
int cmd_jwt(int argc, const char **argv);
int cmd_scan(int argc, const char **argv);
int cmd_runs(int argc, const char **argv);

#endif
