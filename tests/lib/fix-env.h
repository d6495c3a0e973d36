#ifndef TESTS_LIB_FIX_ENV_H
#define TESTS_LIB_FIX_ENV_H

/*
 * What the helper programs that drive the fix stage share (fix-run.c,
 * followup-run.c): the configuration built from the environment, and
 * their output. Header-only (static inline), as the other headers of tests/lib/.
 *
 *   FIX_AGENT              agent.command (run in the tree, prompt on stdin; default "true")
 *   FIX_AGENT_TIMEOUT_MS   agent.timeout (default 30000)
 *   FIX_VERIFY             verify.command (unset: none)
 *   FIX_VERIFY_TIMEOUT_MS  verify.timeout (default 30000)
 *   FIX_ON_VERIFY_FAILURE  draft (default) or skip
 *   FIX_FORBIDDEN          pull_requests.forbidden_paths, comma-separated
 *   FIX_REDACT             redact patterns, comma-separated
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* The variable's value, or NULL when it is unset or empty. */
static inline const char *fix_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static inline int64_t fix_env_ms(const char *name, int64_t def)
{
	return fix_env(name) ? strtoll(fix_env(name), NULL, 10) : def;
}

/* Splits a comma-separated list (at most 15 items) into a NULL-terminated array. */
static inline void fix_env_list(char ***out, size_t *nr, const char *list)
{
	char *copy = xstrdup(list), *p = copy, *comma;

	*nr = 0;
	*out = xcalloc(16, sizeof(**out));
	while (p && *nr < 15) {
		if ((comma = strchr(p, ',')))
			*comma = '\0';
		(*out)[(*nr)++] = xstrdup(p);
		p = comma ? comma + 1 : NULL;
	}
	free(copy);
}

/* config_init(cfg), then the fix stage's fields from the variables above. Release with config_release(). */
static inline void fix_env_config(struct config *cfg)
{
	config_init(cfg);
	cfg->agent.kind = AGENT_COMMAND;
	cfg->agent.command = xstrdup(fix_env("FIX_AGENT") ? fix_env("FIX_AGENT") : "true");
	cfg->agent.timeout_ms = fix_env_ms("FIX_AGENT_TIMEOUT_MS", 30000);
	if (fix_env("FIX_VERIFY"))
		cfg->verify.command = xstrdup(fix_env("FIX_VERIFY"));
	cfg->verify.timeout_ms = fix_env_ms("FIX_VERIFY_TIMEOUT_MS", 30000);
	cfg->pull_requests.branch_prefix = xstrdup("autofix/");
	cfg->pull_requests.on_verify_failure =
		fix_env("FIX_ON_VERIFY_FAILURE") && !strcmp(fix_env("FIX_ON_VERIFY_FAILURE"), "skip") ?
			VERIFY_FAILURE_SKIP : VERIFY_FAILURE_DRAFT;
	if (fix_env("FIX_FORBIDDEN"))
		fix_env_list(&cfg->pull_requests.forbidden_paths, &cfg->pull_requests.forbidden_paths_nr,
			     fix_env("FIX_FORBIDDEN"));
	if (fix_env("FIX_REDACT"))
		fix_env_list(&cfg->redact, &cfg->redact_nr, fix_env("FIX_REDACT"));
}

/*
 * Prints {"code": err, "error": the message or null, "result": result or
 * null} (result is consumed) and returns the exit status: 0 when err is 0, else 1.
 */
static inline int fix_env_print(int err, struct json *result)
{
	struct json *out = json_new_object();
	char *printed;

	json_set_num(out, "code", err);
	json_set_str(out, "error", err ? bot_error_last() : NULL);
	json_set(out, "result", result ? result : json_new_null());
	printed = json_print(out, 1);
	printf("%s\n", printed);
	free(printed);
	json_free(out);
	return err ? 1 : 0;
}

#endif
