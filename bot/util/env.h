#ifndef UTIL_ENV_H
#define UTIL_ENV_H

/*
 * The value of the environment variable name, or NULL when it is unset or
 * empty: everywhere autofix reads its environment, `VAR=` (how a workflow
 * passes a secret that is not configured) means the same as no VAR at
 * all. The string belongs to the environment.
 */
const char *env_get(const char *name);

#endif
