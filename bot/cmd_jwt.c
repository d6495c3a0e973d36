/*
 * autofix jwt: prints a fresh App JWT, for checking an App's setup by hand
 * (curl -H "Authorization: Bearer $(autofix jwt)" .../app). The JWT is a
 * credential for ten minutes: under Actions it is masked before it is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtin.h"
#include "github/app.h"
#include "util/error.h"
#include "util/log.h"
#include "util/parse_options.h"
#include "util/banned.h"

int cmd_jwt(int argc, const char **argv)
{
	const char *app_id = NULL, *key_file = NULL, *key_pem, *env_id, *env_file;
	struct github_app_key *key = NULL;
	char *jwt = NULL;
	int err;
	const struct parse_option opts[] = {
		PARSE_OPT_STRING("app-id", 0, &app_id),
		PARSE_OPT_STRING("key", 0, &key_file),
		PARSE_OPT_END(),
	};

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("jwt", "%s", bot_error_last());
	if (argc > 0)
		return command_usage_error("jwt", "unexpected argument '%s'", argv[0]);
	github_app_from_env(&env_id, &key_pem, &env_file);
	if (!app_id || !*app_id)
		app_id = env_id;
	if (!app_id) {
		log_error("no App ID: set AUTOFIX_APP_ID (or AUTOFIX_APP_CLIENT_ID) or pass --app-id");
		return EXIT_USAGE;
	}
	if (!key_file && !key_pem)
		key_file = env_file;
	if (key_file && *key_file)
		err = github_app_key_load(&key, key_file);
	else if (key_pem)
		err = github_app_key_parse(&key, key_pem, strlen(key_pem));
	else {
		log_error("no private key: set AUTOFIX_APP_PRIVATE_KEY or "
			  "AUTOFIX_APP_PRIVATE_KEY_FILE, or pass --key");
		return EXIT_USAGE;
	}
	if (err < 0) {
		log_error("%s", bot_error_last());
		return EXIT_USAGE;
	}
	err = github_app_jwt(&jwt, key, app_id, (int64_t)time(NULL));
	github_app_key_free(key);
	if (err < 0) {
		log_error("%s", bot_error_last());
		return EXIT_FAILURE_JOB;
	}
	/* Not through log_*: that would print "***", the registered secret. */
	printf("%s\n", jwt);
	free(jwt);
	return EXIT_OK;
}
