/*
 * The one option parser of every command (util/parse_options.h): both
 * spellings of a value, flags, short names, "--", arguments in any order,
 * and the usage errors each with its message.
 */
#include <stddef.h>
#include <string.h>

#include "tap.h"
#include "util/error.h"
#include "util/parse_options.h"

static int json, quiet;
static const char *state, *config;
static const struct parse_option opts[] = {
	PARSE_OPT_FLAG("json", 0, &json),
	PARSE_OPT_FLAG("quiet", 'q', &quiet),
	PARSE_OPT_STRING("state", 0, &state),
	PARSE_OPT_STRING("config", 'c', &config),
	PARSE_OPT_END(),
};

/* Parses a NULL-terminated argv (argv[0] the command); returns parse_options()'s result. */
static int parse(const char **argv)
{
	int argc = 0;

	json = quiet = 0;
	state = config = NULL;
	while (argv[argc])
		argc++;
	return parse_options(argc, argv, opts);
}

int main(void)
{
	{
		const char *argv[] = { "scan", "--state", "a.db", "--config=c.yml", "--json", NULL };
		ok(parse(argv) == 0 && json && state && !strcmp(state, "a.db") && config &&
		   !strcmp(config, "c.yml"), "--opt value, --opt=value and a flag");
	}
	{
		const char *argv[] = { "scan", "--state=a.db", "--config", "c.yml", NULL };
		ok(parse(argv) == 0 && !strcmp(state, "a.db") && !strcmp(config, "c.yml"),
		   "the other way round: --state= works as --config= does");
	}
	{
		const char *argv[] = { "runs", "show", "--json", "ID", "-q", "-c", "x.yml", NULL };
		int n = parse(argv);
		ok(n == 2 && !strcmp(argv[0], "show") && !strcmp(argv[1], "ID") && json && quiet &&
		   !strcmp(config, "x.yml"), "arguments and options in any order; short names (%d)", n);
	}
	{
		const char *argv[] = { "validate", "--", "--json", "-", "-q", NULL };
		int n = parse(argv);
		ok(n == 3 && !json && !quiet && !strcmp(argv[0], "--json") && !strcmp(argv[1], "-") &&
		   !strcmp(argv[2], "-q"), "'--' ends the options; what follows are arguments (%d)", n);
	}
	{
		const char *argv[] = { "validate", "-", NULL };
		ok(parse(argv) == 1 && !strcmp(argv[0], "-"), "'-' alone is an argument");
	}
	{
		const char *argv[] = { "scan", "--config=", NULL };
		ok(parse(argv) == 0 && config && !*config, "--config= gives an empty value, not the next word");
	}
	{
		const char *argv[] = { "scan", "--state", "one", "--state", "two", NULL };
		ok(parse(argv) == 0 && !strcmp(state, "two"), "the last value given wins");
	}
	{
		const char *argv[] = { "scan", "--json", "--state", NULL };
		ok(parse(argv) == BOT_EINVALID, "a value option at the end: a usage error");
		is_str(bot_error_last(), "option '--state' needs a value", "saying it needs a value");
	}
	{
		const char *argv[] = { "scan", "-c", NULL };
		ok(parse(argv) == BOT_EINVALID && !strcmp(bot_error_last(), "option '-c' needs a value"),
		   "a short value option too: '%s'", bot_error_last());
	}
	{
		const char *argv[] = { "scan", "--bogus", NULL };
		ok(parse(argv) == BOT_EINVALID, "an unknown option: a usage error");
		is_str(bot_error_last(), "unknown option '--bogus'", "saying which");
	}
	{
		const char *argv[] = { "scan", "--bogus=1", NULL };
		ok(parse(argv) == BOT_EINVALID && !strcmp(bot_error_last(), "unknown option '--bogus'"),
		   "an unknown option with a value names the option alone");
	}
	{
		const char *argv[] = { "scan", "-x", NULL };
		ok(parse(argv) == BOT_EINVALID && !strcmp(bot_error_last(), "unknown option '-x'"),
		   "an unknown short option");
	}
	{
		const char *argv[] = { "scan", "-qc", "x", NULL };
		ok(parse(argv) == BOT_EINVALID && !strcmp(bot_error_last(), "unknown option '-qc'"),
		   "short options are not bundled");
	}
	{
		const char *argv[] = { "scan", "--jso", NULL };
		ok(parse(argv) == BOT_EINVALID, "no abbreviations: '--jso' is not '--json'");
	}
	{
		const char *argv[] = { "scan", "--json=yes", NULL };
		ok(parse(argv) == BOT_EINVALID, "a flag with a value: a usage error");
		is_str(bot_error_last(), "option '--json' takes no value", "saying it takes none");
	}
	return done_testing();
}
