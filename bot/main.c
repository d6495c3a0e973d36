/*
 * autofix watches a project's deployed services (Railway or Prometheus),
 * decides deterministically which are in trouble, and (in later stages)
 * has a coding agent fix them in one pull request; pipeline.c describes
 * the stages. This file is the command line: the command table, `help`,
 * `version` and the dispatch; every other command lives in its own cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "util/log.h"
#include "version.h"
#include "util/banned.h"

static const struct command commands[] = {
	{ "help", cmd_help, "show the commands, or one command's usage",
	  "usage: autofix help [COMMAND]\n" },
	{ "validate", cmd_validate, "check .autofix.yml files, or print the effective configuration",
	  "usage: autofix validate [--print] [--quiet] [FILE ...]\n\n"
	  "Checks each FILE (default: .autofix.yml here) and reports every problem as\n"
	  "FILE:LINE:COLUMN: error: KEY.PATH: MESSAGE (annotations under GitHub Actions).\n\n"
	  "  --print   print the effective configuration, defaults filled in, as JSON\n"
	  "  --quiet   say nothing about valid files\n\n"
	  "Exit status: 0 every file valid, 2 any file invalid or missing.\n" },
	{ "runs", cmd_runs, "list journaled runs, or show one run's steps",
	  "usage: autofix runs [--json] [--limit N] [--state PATH]\n"
	  "       autofix runs show ID [--json] [--state PATH]\n"
	  "       autofix runs prune [--older-than DURATION] [--state PATH]\n\n"
	  "The journal is --state, else $AUTOFIX_STATE, else .autofix/state.db.\n"
	  "A 'running' run whose process has gone is shown as 'interrupted'; running\n"
	  "its workflow again with the same run id resumes it. prune deletes finished\n"
	  "runs older than DURATION (default $AUTOFIX_RETENTION, else 7d).\n" },
	{ "version", cmd_version, "print the version",
	  "usage: autofix version\n       autofix --version\n" },
	{ "jwt", cmd_jwt, "print a fresh GitHub App JWT (a secret, valid 9 minutes)",
	  "usage: autofix jwt [--app-id ID] [--key FILE]\n\n"
	  "Signs an App JWT (RS256) with the App's private key, for checking an App's\n"
	  "setup by hand. The App ID (or Client ID) comes from --app-id, AUTOFIX_APP_ID or\n"
	  "AUTOFIX_APP_CLIENT_ID; the key (PKCS#1 or PKCS#8 PEM) from --key,\n"
	  "AUTOFIX_APP_PRIVATE_KEY (the PEM text; literal \\n accepted) or\n"
	  "AUTOFIX_APP_PRIVATE_KEY_FILE. Under GitHub Actions the JWT is masked.\n" },
	{ "scan", cmd_scan, "observe the services, detect problems, report them",
	  "usage: autofix scan [--dry-run] [--json] [--config FILE] [--run-id ID] [--state PATH]\n\n"
	  "Reads .autofix.yml (or FILE), fetches the architecture and every watched\n"
	  "service's metrics over the window from the configured source, runs the\n"
	  "detector and prints the report (--json: as JSON). Under GitHub Actions it\n"
	  "also appends a job summary to $GITHUB_STEP_SUMMARY. Acting on findings is\n"
	  "not implemented yet: without --dry-run the scan runs as a dry run.\n\n"
	  "A scan is a journaled run: --run-id names it (running the same id again\n"
	  "reuses what completed), --state is the journal (else $AUTOFIX_STATE, else\n"
	  ".autofix/state.db).\n\n"
	  "exit codes: 0 healthy, 1 findings, 2 usage or configuration error,\n"
	  "3 another process is running the same run, 4 the scan failed,\n"
	  "5 some watched service had no usable data\n" },
};

const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int cmd_version(int argc, const char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "autofix version: unexpected argument '%s'\nusage: autofix version\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("autofix %s\n", AUTOFIX_VERSION);
	return EXIT_OK;
}

/* The list of commands and the exit codes: on stdout when asked for, on stderr after a usage error. */
static void print_overview(FILE *out)
{
	size_t i;

	fprintf(out, "usage: autofix [--version] [--help] <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'autofix help <command>' tells more about one command.\n"
		"exit codes: 0 ok, 1 findings, 2 usage or configuration error,\n"
		"3 another process is running the same run, 4 the job failed,\n"
		"5 a scan saw no usable data for some service\n");
}

int cmd_help(int argc, const char **argv)
{

	if (argc > 2) {
		fprintf(stderr, "usage: autofix help [COMMAND]\n");
		return EXIT_USAGE;
	}
	if (argc == 2) {
		const struct command *cmd = command_find(argv[1]);
		if (!cmd) {
			fprintf(stderr, "autofix: '%s' is not a command; see 'autofix help'\n", argv[1]);
			return EXIT_USAGE;
		}
		printf("autofix %s: %s\n\n%s", cmd->name, cmd->summary, cmd->usage);
		return EXIT_OK;
	}
	print_overview(stdout);
	return EXIT_OK;
}

int main(int argc, const char **argv)
{
	const struct command *cmd;

	log_setup();
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "autofix: '%s' is not a command; see 'autofix help'\n", argv[1]);
		return EXIT_USAGE;
	}
	/* A command's "--help" is answered here, the same way for all. */
	if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		printf("%s", cmd->usage);
		return EXIT_OK;
	}
	return cmd->fn(argc - 1, argv + 1);
}
