#ifndef UTIL_ACTIONS_H
#define UTIL_ACTIONS_H

#include <stddef.h>

/*
 * The files GitHub Actions hands a step through its environment: the job
 * summary ($GITHUB_STEP_SUMMARY) and the step's outputs ($GITHUB_OUTPUT).
 * Outside Actions (the variable unset or empty) there is nothing to do.
 * Nothing here prints: callers decide whether a failure is a warning or
 * fails the command.
 */

/*
 * Appends len bytes of text to the file named by the environment variable
 * var. Returns 1 when written, 0 when var is unset, or BOT_EIO with
 * "'PATH': why" recorded (callers say what the file was for).
 */
int actions_append(const char *var, const char *text, size_t len);

/*
 * Sets the step output name to value: "name=value\n" appended to
 * $GITHUB_OUTPUT. value must be one line (BOT_EINVALID otherwise, nothing
 * written). Returns as actions_append().
 */
int actions_output(const char *name, const char *value);

#endif
