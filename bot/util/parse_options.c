/* The command-line option parser (see parse_options.h). */
#include <string.h>

#include "util/error.h"
#include "util/parse_options.h"
#include "util/banned.h"

static const struct parse_option *find_long(const struct parse_option *opts, const char *name,
					    size_t len)
{
	for (; opts->type != PARSE_OPT_END; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct parse_option *find_short(const struct parse_option *opts, char c)
{
	for (; opts->type != PARSE_OPT_END; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

int parse_options(int argc, const char **argv, const struct parse_option *opts)
{
	int i, nr = 0, options_done = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		const struct parse_option *o;
		size_t name_len;

		if (options_done || arg[0] != '-' || !arg[1]) {
			argv[nr++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			options_done = 1;
			continue;
		}
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');

			name_len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			o = find_long(opts, arg + 2, name_len);
			if (eq)
				value = eq + 1;
		} else {
			/* One short option per word: "-q", "-n 5"; "-qx" is not a bundle. */
			name_len = strlen(arg + 1);
			o = name_len == 1 ? find_short(opts, arg[1]) : NULL;
		}
		if (!o)
			return bot_error(BOT_EINVALID, "unknown option '%.*s'",
					 (int)(arg[1] == '-' ? name_len + 2 : strlen(arg)), arg);
		if (o->type == PARSE_OPT_FLAG) {
			if (value)
				return bot_error(BOT_EINVALID, "option '--%s' takes no value", o->long_name);
			*(int *)o->value = 1;
			continue;
		}
		if (!value) {
			if (i + 1 >= argc)
				return bot_error(BOT_EINVALID, "option '%s' needs a value", arg);
			value = argv[++i];
		}
		*(const char **)o->value = value;
	}
	return nr;
}
