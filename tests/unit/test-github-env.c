/*
 * Choosing the GitHub identity and API URL from the environment, and the
 * refusals of github_new(): no network involved.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "github/github.h"
#include "util/error.h"
#include "util/strbuf.h"

static const char *const vars[] = {
	"GITHUB_REPOSITORY", "AUTOFIX_REPOSITORY", "GITHUB_API_URL", "AUTOFIX_GITHUB_API_URL", "AUTOFIX_APP_ID",
	"AUTOFIX_APP_CLIENT_ID", "AUTOFIX_APP_PRIVATE_KEY", "AUTOFIX_APP_PRIVATE_KEY_FILE",
	"AUTOFIX_APP_INSTALLATION_ID", "AUTOFIX_GITHUB_TOKEN", "GITHUB_TOKEN",
};

static void clear_env(void)
{
	size_t i;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

int main(void)
{
	struct github_options o;
	struct github *gh = NULL;
	struct strbuf sb = STRBUF_INIT;

	clear_env();
	memset(&o, 0, sizeof(o));
	ok(github_options_from_env(&o) == 0 && o.mode == GITHUB_AUTH_NONE && !o.api_url,
	   "nothing set: no identity, the default URL");

	setenv("GITHUB_REPOSITORY", "acme/shop", 1);
	setenv("GITHUB_TOKEN", "ghs_actions_token_1234", 1);
	setenv("GITHUB_API_URL", "https://ghe.example/api/v3", 1);
	memset(&o, 0, sizeof(o));
	ok(github_options_from_env(&o) == 0, "Actions-like environment");
	is_str(o.owner, "acme", "owner from GITHUB_REPOSITORY");
	is_str(o.repo, "shop", "repo from GITHUB_REPOSITORY");
	ok(o.mode == GITHUB_AUTH_TOKEN && !strcmp(o.token, "ghs_actions_token_1234"), "GITHUB_TOKEN: token mode");
	is_str(o.api_url, "https://ghe.example/api/v3", "GITHUB_API_URL is honoured");

	setenv("AUTOFIX_GITHUB_API_URL", "http://127.0.0.1:9/", 1);
	setenv("AUTOFIX_GITHUB_TOKEN", "github_pat_explicit_5678", 1);
	memset(&o, 0, sizeof(o));
	ok(github_options_from_env(&o) == 0 && !strcmp(o.api_url, "http://127.0.0.1:9/") &&
	   !strcmp(o.token, "github_pat_explicit_5678"),
	   "AUTOFIX_GITHUB_API_URL and AUTOFIX_GITHUB_TOKEN win over GitHub's variables");

	setenv("AUTOFIX_APP_ID", "12345", 1);
	memset(&o, 0, sizeof(o));
	is_int(github_options_from_env(&o), BOT_EAUTH, "an App ID without a key is refused");
	like(bot_error_last(), "AUTOFIX_APP_PRIVATE_KEY", "naming the variables to set");

	setenv("AUTOFIX_APP_PRIVATE_KEY_FILE", "/nonexistent/key.pem", 1);
	setenv("AUTOFIX_APP_INSTALLATION_ID", "77", 1);
	memset(&o, 0, sizeof(o));
	ok(github_options_from_env(&o) == 0 && o.mode == GITHUB_AUTH_APP && !strcmp(o.app_id, "12345") &&
	   o.installation_id == 77, "App mode wins over tokens, with an installation id");
	ok(github_new(&gh, &o) == BOT_ENOTFOUND && gh == NULL, "a missing key file fails github_new");
	like(bot_error_last(), "/nonexistent/key.pem", "naming the file");

	setenv("AUTOFIX_APP_INSTALLATION_ID", "seven", 1);
	memset(&o, 0, sizeof(o));
	is_int(github_options_from_env(&o), BOT_EINVALID, "a non-numeric installation id is refused");
	like(bot_error_last(), "AUTOFIX_APP_INSTALLATION_ID", "naming the variable");

	clear_env();
	setenv("AUTOFIX_APP_CLIENT_ID", "Iv23liABC", 1);
	setenv("AUTOFIX_APP_PRIVATE_KEY", "not a pem", 1);
	memset(&o, 0, sizeof(o));
	ok(github_options_from_env(&o) == 0 && !strcmp(o.app_id, "Iv23liABC"), "a Client ID works as the App ID");
	is_int(github_new(&gh, &o), BOT_EINVALID, "a key that is not PEM is refused");
	like(bot_error_last(), "not PEM", "saying so");
	ok(!strstr(bot_error_last(), "not a pem"), "without quoting the key");

	clear_env();
	setenv("GITHUB_REPOSITORY", "no-slash", 1);
	memset(&o, 0, sizeof(o));
	is_int(github_options_from_env(&o), BOT_EINVALID, "GITHUB_REPOSITORY without a slash");
	setenv("GITHUB_REPOSITORY", "a/b/c", 1);
	is_int(github_options_from_env(&o), BOT_EINVALID, "GITHUB_REPOSITORY with two slashes");

	/* A scan run from a central repository names the one it works on. */
	setenv("GITHUB_REPOSITORY", "acme/central", 1);
	setenv("AUTOFIX_REPOSITORY", "acme/shop", 1);
	memset(&o, 0, sizeof(o));
	ok(github_options_from_env(&o) == 0 && o.owner && !strcmp(o.owner, "acme") &&
	   !strcmp(o.repo, "shop"), "AUTOFIX_REPOSITORY wins over GITHUB_REPOSITORY");
	setenv("AUTOFIX_REPOSITORY", "", 1);
	memset(&o, 0, sizeof(o));
	ok(github_options_from_env(&o) == 0 && o.repo && !strcmp(o.repo, "central"),
	   "an empty AUTOFIX_REPOSITORY counts as unset");
	setenv("AUTOFIX_REPOSITORY", "shop", 1);
	memset(&o, 0, sizeof(o));
	is_int(github_options_from_env(&o), BOT_EINVALID, "AUTOFIX_REPOSITORY without a slash is refused");
	like(bot_error_last(), "AUTOFIX_REPOSITORY: 'shop' is not owner/name", "naming the variable: %s",
	     bot_error_last());
	unsetenv("AUTOFIX_REPOSITORY");

	memset(&o, 0, sizeof(o));
	o.api_url = "ftp://example";
	is_int(github_new(&gh, &o), BOT_EINVALID, "a non-HTTP API URL is refused");
	o.api_url = NULL;
	o.mode = GITHUB_AUTH_TOKEN;
	is_int(github_new(&gh, &o), BOT_EAUTH, "token mode without a token is refused");
	o.token = "tok_abcdef";
	o.owner = "acme";
	o.repo = "shop";
	ok(github_new(&gh, &o) == 0 && gh, "a token client");
	{
		char *p = github_repo_pathf(gh, "/labels/%s", "x");
		is_str(p, "/repos/acme/shop/labels/x", "repository paths");
		free(p);
	}
	{
		struct http_response resp;
		http_response_init(&resp);
		is_int(github_call(gh, "GET", "https://evil.example/repos/acme/shop", NULL, NULL, &resp),
		       BOT_EINVALID, "an absolute URL outside the API URL is refused (credentials stay home)");
		is_int(github_call(gh, "GET", "https://api.github.com.evil.example/x", NULL, NULL, &resp),
		       BOT_EINVALID, "a host that merely starts like the API's too");
		is_int(resp.attempts, 0, "without sending anything");
		http_response_release(&resp);
	}
	github_free(gh);

	strbuf_add_urlencoded(&sb, "needs review/ünï 100%");
	is_str(sb.buf, "needs%20review%2F%C3%BCn%C3%AF%20100%25", "labels are escaped for paths and queries");
	strbuf_release(&sb);
	return done_testing();
}
