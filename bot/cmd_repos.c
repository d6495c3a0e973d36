/*
 * autofix repos: the repositories a GitHub App's installations reach that
 * hold .autofix.yml on their default branch, as the JSON a workflow hands
 * to `strategy.matrix` (examples/workflows/autofix-central.yml): one scan
 * job per repository, scheduled and run in parallel by Actions itself.
 *
 * Exit codes (builtin.h): 0 listed (possibly none); 2 usage, no App
 * credentials or an unusable key; 4 GitHub failed (a listing on any page,
 * a token, a file check): never a short list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "github/app.h"
#include "github/github.h"
#include "util/actions.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse_options.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define CONFIG_FILE ".autofix.yml"

/* An App client for installation id (0: the App itself, for listing installations). */
static int app_client(struct github **out, int64_t installation_id)
{
	struct github_options opts = { 0 };
	int err;

	opts.installation_id = installation_id;
	if ((err = github_options_from_env(&opts)) < 0)
		return err;
	/* The repository of GITHUB_REPOSITORY is not the one these clients work on. */
	opts.owner = opts.repo = NULL;
	return github_new(out, &opts);
}

/*
 * Appends to include one {repository, owner, name, default_branch,
 * installation_id} per repository of installation inst that holds
 * CONFIG_FILE on its default branch. Returns 0 or the error recorded.
 */
static int add_installation(struct json *include, const struct json *inst)
{
	struct github *gh = NULL;
	struct json *repos = NULL;
	const struct json *r;
	int64_t id;
	int err;

	if ((err = json_get_int(&id, inst, "id")) < 0)
		return err;
	if ((err = app_client(&gh, id)) < 0 || (err = github_installation_repositories(gh, &repos)) < 0)
		goto out;
	for (r = json_first(repos); r; r = json_next(r)) {
		const char *owner, *name, *full, *branch;
		struct json *o;
		int has;

		if ((err = json_get_str(&owner, r, "owner.login")) < 0 ||
		    (err = json_get_str(&name, r, "name")) < 0 ||
		    (err = json_get_str(&full, r, "full_name")) < 0 ||
		    (err = json_get_str(&branch, r, "default_branch")) < 0)
			goto out;
		/* GitHub refuses every write to an archived repository: nothing to fix there. */
		if (json_bool_value(json_member(r, "archived")) || json_bool_value(json_member(r, "disabled"))) {
			log_info("%s: archived or disabled, skipped", full);
			continue;
		}
		if ((has = github_file_exists(gh, owner, name, CONFIG_FILE, branch)) < 0) {
			err = bot_error_wrap(has, "%s: ", full);
			goto out;
		}
		if (!has) {
			log_info("%s: no %s on %s, skipped", full, CONFIG_FILE, branch);
			continue;
		}
		o = json_new_object();
		json_set_str(o, "repository", full);
		json_set_str(o, "owner", owner);
		json_set_str(o, "name", name);
		json_set_str(o, "default_branch", branch);
		json_set_num(o, "installation_id", (double)id);
		json_append(include, o);
	}
out:
	if (err < 0)
		bot_error_wrap(err, "installation %lld: ", (long long)id);
	json_free(repos);
	github_free(gh);
	return err;
}

int cmd_repos(int argc, const char **argv)
{
	static const struct parse_option opts[] = { PARSE_OPT_END() };
	const char *app_id, *key_pem, *key_file;
	struct github *app = NULL;
	struct json *installations = NULL, *matrix = NULL, *include;
	const struct json *inst;
	struct strbuf out = STRBUF_INIT, n = STRBUF_INIT;
	char *text;
	int err, code = EXIT_OK;

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("repos", "%s", bot_error_last());
	if (argc > 0)
		return command_usage_error("repos", "unexpected argument '%s'", argv[0]);
	github_app_from_env(&app_id, &key_pem, &key_file);
	if (!app_id || (!key_pem && !key_file)) {
		log_error("autofix repos lists a GitHub App's installations: set AUTOFIX_APP_ID (or "
			  "AUTOFIX_APP_CLIENT_ID) and AUTOFIX_APP_PRIVATE_KEY (or AUTOFIX_APP_PRIVATE_KEY_FILE)");
		return EXIT_USAGE;
	}
	if ((err = app_client(&app, 0)) < 0) {
		log_error("%s", bot_error_last());
		return EXIT_USAGE;
	}

	matrix = json_new_object();
	include = json_new_array();
	json_set(matrix, "include", include);
	if ((err = github_app_installations(app, &installations)) < 0)
		goto fail;
	for (inst = json_first(installations); inst; inst = json_next(inst))
		if ((err = add_installation(include, inst)) < 0)
			goto fail;

	/* One line: a step output ($GITHUB_OUTPUT) is a line, and fromJSON() reads it. */
	text = json_print(matrix, 0);
	strbuf_addf(&out, "%s\n", text);
	free(text);
	if (log_print_data(stdout, &out) < 0 || fflush(stdout) != 0) {
		log_error("cannot write the list to standard output");
		code = EXIT_FAILURE_JOB;
		goto done;
	}
	strbuf_setlen(&out, out.len - 1);
	strbuf_addf(&n, "%zu", json_size(include));
	if (actions_output("matrix", out.buf) < 0 || actions_output("count", n.buf) < 0) {
		log_error("%s", bot_error_last());
		code = EXIT_FAILURE_JOB;
	}
	goto done;
fail:
	log_error("cannot list the App's repositories: %s", bot_error_last());
	code = EXIT_FAILURE_JOB;
done:
	strbuf_release(&out);
	strbuf_release(&n);
	json_free(installations);
	json_free(matrix);
	github_free(app);
	return code;
}
