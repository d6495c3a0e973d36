/*
 * fix-run CLONE_URL BRANCH: runs the fix stage (fix_run) once with a
 * command agent and prints {"code", "error", "result"}; exits 0 when an
 * outcome was recorded, 1 when fix_run failed. Driven by tests/fix/fix.test.
 *
 * The configuration comes from FIX_AGENT, FIX_VERIFY... (tests/lib/fix-env.h),
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

#include "../lib/fix-env.h"

int main(int argc, char **argv)
{
	struct config cfg;
	struct fix_request req = { 0 };
	struct agent *agent = NULL;
	struct json *result = NULL;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: fix-run CLONE_URL BRANCH\n");
		return 2;
	}
	log_setup();
	if (fix_env("FIX_SECRET"))
		log_add_secret(fix_env("FIX_SECRET"));

	fix_env_config(&cfg);

	req.cfg = &cfg;
	req.clone_url = argv[1];
	req.branch = argv[2];
	req.token = fix_env("FIX_TOKEN");
	req.base = fix_env("FIX_BASE");
	req.local_checkout = fix_env("FIX_LOCAL");
	req.parent_dir = fix_env("FIX_PARENT");
	req.prompt = "Fix the memory leak in services/api/server.js.\n";
	req.title = "autofix: api memory_leak 1f2e3d4c";
	req.author_name = "autofix[bot]";
	req.author_email = "autofix[bot]@users.noreply.github.com";
	req.commit_message = "autofix: bound the api's cache\n\nThe cache grew with every request.";

	if ((err = agent_open(&agent, &cfg.agent, NULL)) == 0) {
		req.agent = agent;
		err = fix_run(&result, &req);
	}
	err = fix_env_print(err, result);
	agent_free(agent);
	config_release(&cfg);
	return err;
}
