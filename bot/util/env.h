#ifndef UTIL_ENV_H
#define UTIL_ENV_H

/*
 * The value of the environment variable name, or NULL when it is unset or
 * empty: everywhere autofix reads its environment, `VAR=` (how a workflow
 * passes a secret that is not configured) means the same as no VAR at
 * all. The string belongs to the environment.
 */
const char *env_get(const char *name);

/*
 * The repository autofix works on, "owner/name": $AUTOFIX_REPOSITORY (a
 * scan run from a central repository for another one), else
 * $GITHUB_REPOSITORY (set by Actions to the workflow's own), else NULL.
 * *var (when var is not NULL) is the name of the variable it came from,
 * for messages. Every reader of the repository's name goes through here.
 */
const char *env_repository(const char **var);

/* What a message says when env_repository() is NULL. */
#define ENV_REPOSITORY_UNSET "neither AUTOFIX_REPOSITORY nor GITHUB_REPOSITORY is set"

#endif
