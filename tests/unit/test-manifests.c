/*
 * Dependency names from each manifest format, in the layouts people
 * write; unreadable and hostile files skipped with a reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "investigate/manifests.h"
#include "util/error.h"
#include "util/strbuf.h"

/* The names read from text as one space-separated string. */
static const char *names(struct strbuf *sb, const char *file, const char *text)
{
	struct dependencies deps = DEPENDENCIES_INIT;
	size_t i;

	strbuf_reset(sb);
	if (manifests_read_text(&deps, file, text, strlen(text)) < 0)
		strbuf_addf(sb, "error: %s", bot_error_last());
	for (i = 0; i < deps.nr; i++)
		strbuf_addf(sb, "%s%s", i ? " " : "", deps.items[i].name);
	dependencies_release(&deps);
	return sb->buf;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct dependencies deps = DEPENDENCIES_INIT;
	char dir[] = "/tmp/manifests-test-XXXXXX", path[600];
	size_t i;

	is_str(names(&sb, "package.json",
		     "{\"name\":\"api\",\"dependencies\":{\"stripe\":\"^14\",\"@supabase/supabase-js\":\"2\"},"
		     "\"devDependencies\":{\"jest\":\"29\"},\"peerDependencies\":{\"react\":\"18\"},\"scripts\":{\"x\":\"y\"}}"),
	       "stripe @supabase/supabase-js jest react", "package.json: every dependency section, scoped names");
	like(names(&sb, "package.json", "{\"dependencies\": "), "error:", "package.json that is not JSON is an error");
	is_str(names(&sb, "composer.json", "{\"require\":{\"php\":\">=8.1\",\"ext-json\":\"*\",\"stripe/stripe-php\":\"^13\"},"
		     "\"require-dev\":{\"phpunit/phpunit\":\"10\"}}"),
	       "stripe/stripe-php phpunit/phpunit", "composer.json: platform requirements are not packages");
	is_str(names(&sb, "requirements.txt",
		     "# web\nFlask==3.0.0\nstripe>=7.0 ; python_version >= '3.8'\n-r base.txt\n--index-url https://x\n"
		     "  openai[datalib]~=1.3\nTwilio_SDK.Extra\n\n-e git+https://github.com/a/b#egg=b\n"),
	       "flask stripe openai twilio-sdk-extra", "requirements.txt: names normalised (PEP 503), options skipped");
	is_str(names(&sb, "pyproject.toml",
		     "[project]\nname = \"api\"\ndependencies = [\n  \"anthropic>=0.30\",\n  'sendgrid',  # mail\n]\n"
		     "[project.optional-dependencies]\ndev = [\"pytest\"]\n"
		     "[tool.poetry.dependencies]\npython = \"^3.11\"\nsupabase = \"^2\"\n[tool.ruff]\nline-length = 100\n"),
	       "anthropic sendgrid pytest supabase", "pyproject.toml: PEP 621 arrays and Poetry tables; python is not a package");
	is_str(names(&sb, "pyproject.toml", "[project]\ndependencies = [\"resend\", \"pusher\"]\n"),
	       "resend pusher", "pyproject.toml: a one-line array");
	is_str(names(&sb, "go.mod",
		     "module example.com/api\n\ngo 1.22\n\nrequire github.com/stripe/stripe-go/v76 v76.0.0\n"
		     "require (\n\tgithub.com/twilio/twilio-go v1.20.0\n\tgolang.org/x/net v0.20.0 // indirect\n)\n"),
	       "github.com/stripe/stripe-go/v76 github.com/twilio/twilio-go", "go.mod: single and block requires, indirect ones skipped");
	is_str(names(&sb, "Gemfile", "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem \"stripe\"\n  gem 'algoliasearch'\n# gem 'old'\n"),
	       "rails stripe algoliasearch", "Gemfile: gem lines, commented ones skipped");
	is_str(names(&sb, "Cargo.toml",
		     "[package]\nname = \"api\"\n[dependencies]\nserde = \"1\"\nasync-openai = { version = \"0.20\" }\n"
		     "[dev-dependencies]\ntokio-test = \"0.4\"\n[dependencies.reqwest]\nversion = \"0.12\"\n"),
	       "serde async-openai tokio-test reqwest", "Cargo.toml: tables and dotted headers");
	is_str(names(&sb, "package.json", "{\"dependencies\":{\"stripe\":\"1\"},\"devDependencies\":{\"stripe\":\"1\"}}"),
	       "stripe", "a package named twice is one dependency");
	ok(manifests_read_text(&deps, "pom.xml", "", 0) == BOT_ENOTFOUND, "an unknown manifest name");

	ok(mkdtemp(dir) != NULL, "a temporary directory");
	write_file(dir, "package.json", "{\"dependencies\":{\"openai\":\"4\"}}");
	write_file(dir, "requirements.txt", "stripe\n");
	write_file(dir, "Cargo.toml", "[dependencies\n"); /* unreadable as TOML, still nothing crashes */
	snprintf(path, sizeof(path), "%s/go.mod", dir);
	ok(symlink("/etc/passwd", path) == 0, "go.mod is a symlink out of the repository");
	snprintf(path, sizeof(path), "%s/composer.json", dir);
	ok(mkdir(path, 0700) == 0, "composer.json is a directory");
	manifests_read_dir(&deps, dir);
	strbuf_reset(&sb);
	for (i = 0; i < deps.nr; i++)
		strbuf_addf(&sb, "%s:%s ", deps.items[i].manifest, deps.items[i].name);
	is_str(sb.buf, "package.json:openai requirements.txt:stripe ", "a directory: each manifest found, its file named");
	strbuf_reset(&sb);
	for (i = 0; i < deps.skipped_nr; i++)
		strbuf_addf(&sb, "%s|", deps.skipped[i]);
	is_str(sb.buf, "go.mod: not a regular file|composer.json: not a regular file|",
	       "the symlink and the directory are skipped with the reason");
	dependencies_release(&deps);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ok(system(path) == 0, "cleaned up");
	strbuf_release(&sb);
	return done_testing();
}
