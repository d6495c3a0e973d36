#ifndef UTIL_PARSE_OPTIONS_H
#define UTIL_PARSE_OPTIONS_H

/*
 * The one command-line option parser of every command (git's
 * parse-options, in small), so that every command reads the same syntax:
 *
 *   --name value   --name=value   -x value (a short name)   --flag   -x
 *
 * Options and other arguments may come in any order; "--" ends the
 * options (what follows is kept as arguments, even when it starts with
 * '-'); "-" alone is an argument. A flag given a value ("--json=1"), a
 * value option without one, and an unknown option are usage errors.
 *
 * The parser neither prints nor allocates: values point into argv.
 */

enum parse_option_type {
	PARSE_OPT_END = 0,
	PARSE_OPT_FLAG,   /* value is an int *, set to 1 when given */
	PARSE_OPT_STRING, /* value is a const char **, set to the last value given */
};

struct parse_option {
	enum parse_option_type type;
	const char *long_name; /* without the dashes: "state" */
	char short_name;       /* 'q' for -q, or 0 */
	void *value;
};

#define PARSE_OPT_FLAG(l, s, v) { PARSE_OPT_FLAG, (l), (s), (v) }
#define PARSE_OPT_STRING(l, s, v) { PARSE_OPT_STRING, (l), (s), (v) }
#define PARSE_OPT_END() { PARSE_OPT_END, NULL, 0, NULL }

/*
 * Parses argv[1] to argv[argc - 1] (argv[0] is the command's name) against
 * opts, a table ended by PARSE_OPT_END(). The arguments that are not
 * options are moved, in their order, to argv[0], argv[1]...; returns how
 * many there are. On a usage error returns BOT_EINVALID with the message
 * recorded ("option '--state' needs a value", "unknown option '--x'"), and
 * argv may have been reordered.
 */
int parse_options(int argc, const char **argv, const struct parse_option *opts);

#endif
