/*
 * fix-run CLONE_URL BRANCH: runs the fix stage (fix_run) once with a
 * command agent and prints {"code", "error", "result"}; exits 0 when an
 * outcome was recorded, 1 when fix_run failed. Driven by tests/fix/fix.test.
 *
 * The configuration is built here (config_init, then the fields), from:
 *   FIX_AGENT              agent.command (run in the tree, prompt on stdin)
 *   FIX_AGENT_TIMEOUT_MS   agent.timeout (default 30000)
 *   FIX_VERIFY             verify.command (unset: none)
 *   FIX_VERIFY_TIMEOUT_MS  verify.timeout (default 30000)
 *   FIX_ON_VERIFY_FAILURE  draft (default) or skip
 *   FIX_FORBIDDEN          pull_requests.forbidden_paths, comma-separated
 *   FIX_REDACT             one redact pattern
 * and the request from FIX_TOKEN (never the command line), FIX_BASE,
 * FIX_LOCAL, FIX_PARENT. FIX_SECRET is registered as a secret autofix
 * holds (log_add_secret), as the scan does with its API keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fix/agent.h"
#include "fix/fix.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int64_t env_ms(const char *name, int64_t def)
{
	return env(name) ? strtoll(env(name), NULL, 10) : def;
}

static void split_list(char ***out, size_t *nr, const char *list)
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

int main(int argc, char **argv)
{
	struct config cfg;
	struct fix_request req = { 0 };
	struct agent *agent = NULL;
	struct json *result = NULL, *out = json_new_object();
	char *printed;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: fix-run CLONE_URL BRANCH\n");
		return 2;
	}
	log_setup();
	if (env("FIX_SECRET"))
		log_add_secret(env("FIX_SECRET"));

	config_init(&cfg);
	cfg.agent.kind = AGENT_COMMAND;
	cfg.agent.command = xstrdup(env("FIX_AGENT") ? env("FIX_AGENT") : "true");
	cfg.agent.timeout_ms = env_ms("FIX_AGENT_TIMEOUT_MS", 30000);
	if (env("FIX_VERIFY"))
		cfg.verify.command = xstrdup(env("FIX_VERIFY"));
	cfg.verify.timeout_ms = env_ms("FIX_VERIFY_TIMEOUT_MS", 30000);
	cfg.pull_requests.branch_prefix = xstrdup("autofix/");
	cfg.pull_requests.on_verify_failure =
		env("FIX_ON_VERIFY_FAILURE") && !strcmp(env("FIX_ON_VERIFY_FAILURE"), "skip") ? VERIFY_FAILURE_SKIP
											 : VERIFY_FAILURE_DRAFT;
	if (env("FIX_FORBIDDEN"))
		split_list(&cfg.pull_requests.forbidden_paths, &cfg.pull_requests.forbidden_paths_nr,
			   env("FIX_FORBIDDEN"));
	if (env("FIX_REDACT"))
		split_list(&cfg.redact, &cfg.redact_nr, env("FIX_REDACT"));

	req.cfg = &cfg;
	req.clone_url = argv[1];
	req.branch = argv[2];
	req.token = env("FIX_TOKEN");
	req.base = env("FIX_BASE");
	req.local_checkout = env("FIX_LOCAL");
	req.parent_dir = env("FIX_PARENT");
	req.prompt = "Fix the memory leak in services/api/server.js.\n";
	req.title = "autofix: api memory_leak 1f2e3d4c";
	req.author_name = "autofix[bot]";
	req.author_email = "autofix[bot]@users.noreply.github.com";
	req.commit_message = "autofix: bound the api's cache\n\nThe cache grew with every request.";

	if ((err = agent_open(&agent, &cfg.agent, NULL)) == 0) {
		req.agent = agent;
		err = fix_run(&result, &req);
	}
	json_set_num(out, "code", err);
	json_set_str(out, "error", err ? bot_error_last() : NULL);
	json_set(out, "result", result ? result : json_new_null());
	printed = json_print(out, 1);
	printf("%s\n", printed);
	free(printed);
	json_free(out);
	agent_free(agent);
	/* Freed here: config_release() may not know the field yet (it is new in this issue). */
	for (size_t i = 0; i < cfg.pull_requests.forbidden_paths_nr; i++)
		free(cfg.pull_requests.forbidden_paths[i]);
	free(cfg.pull_requests.forbidden_paths);
	cfg.pull_requests.forbidden_paths = NULL;
	cfg.pull_requests.forbidden_paths_nr = 0;
	config_release(&cfg);
	return err ? 1 : 0;
}
