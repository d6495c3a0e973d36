/*
 * autofix validate [--print] [--quiet] [FILE ...]: checks .autofix.yml
 * files and reports every problem with its file:line:column, or prints
 * the effective configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "config.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse_options.h"
#include "util/banned.h"


static int validate_one(const char *path, int print, int quiet)
{
	struct config cfg;
	struct config_diags diags = { NULL, 0, 0 };
	size_t i;
	int rc;

	rc = config_load_file(&cfg, path, &diags);
	for (i = 0; i < diags.nr; i++) {
		const struct config_diag *d = &diags.items[i];
		enum log_level level = d->warning ? LOG_WARNING : LOG_ERROR;
		if (*d->key_path)
			log_at(level, d->file, d->line, d->col, "%s: %s", d->key_path, d->message);
		else
			log_at(level, d->file, d->line, d->col, "%s", d->message);
	}
	if (rc < 0 && !diags.nr)
		log_at(LOG_ERROR, path, 0, 0, "%s", bot_error_last());
	config_diags_release(&diags);
	if (rc < 0)
		return rc;
	if (print) {
		struct json *j = config_to_json(&cfg);
		char *text = json_print(j, 1), *p;
		/*
		 * Tabs appear only as layout (a string's tab is escaped), and
		 * spaces keep the output a valid .autofix.yml, which refuses
		 * tabs in indentation.
		 */
		for (p = text; *p; p++)
			if (*p == '\t')
				fputs(p > text && p[-1] == ':' ? " " : "  ", stdout);
			else
				putchar(*p);
		putchar('\n');
		free(text);
		json_free(j);
	}
	if (!quiet)
		fprintf(print ? stderr : stdout, "%s: ok\n", path);
	config_release(&cfg);
	return 0;
}

int cmd_validate(int argc, const char **argv)
{
	int print = 0, quiet = 0, i, bad = 0;
	static const char *default_file[] = { ".autofix.yml" };
	const struct parse_option opts[] = {
		PARSE_OPT_FLAG("print", 0, &print),
		PARSE_OPT_FLAG("quiet", 'q', &quiet),
		PARSE_OPT_END(),
	};

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("validate", "%s", bot_error_last());
	if (!argc) {
		argv = default_file;
		argc = 1;
	}
	for (i = 0; i < argc; i++)
		if (validate_one(argv[i], print, quiet) < 0)
			bad = 1;
	return bad ? EXIT_USAGE : EXIT_OK;
}
