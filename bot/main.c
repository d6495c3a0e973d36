/*
 * autofix watches a project's deployed services (Railway or Prometheus),
 * decides deterministically which are in trouble, and (in later stages)
 * has a coding agent fix them in one pull request; pipeline.c describes
 * the stages. This file is the command line: the command table, `help`,
 * `version` and the dispatch; every other command lives in its own cmd_*.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "builtin.h"
#include "util/error.h"
#include "util/log.h"
#include "util/parse_options.h"
#include "util/strbuf.h"
#include "version.h"
#include "util/banned.h"

/*
 * In the order a user meets them: check the configuration, scan, look at
 * what the journal kept, then the tools around them.
 */
static const struct command commands[] = {
	{ "validate", cmd_validate, "check .autofix.yml files, or print the effective configuration",
	  "usage: autofix validate [--print] [--quiet] [FILE ...]\n\n"
	  "Checks each FILE (default: .autofix.yml here) and reports every problem as\n"
	  "FILE:LINE:COLUMN: error: KEY.PATH: MESSAGE (annotations under GitHub Actions).\n\n"
	  "  --print       print the effective configuration, defaults filled in, as JSON\n"
	  "  --quiet, -q   say nothing about valid files\n\n"
	  "exit codes: 0 every file valid, 2 a usage error or any file invalid or missing\n" },
	{ "scan", cmd_scan, "observe the services, detect problems, fix them in pull requests",
	  "usage: autofix scan [--dry-run | --plan-only] [--json] [--config FILE] [--run-id ID]\n"
	  "                    [--state PATH] [--report FILE]\n\n"
	  "Reads .autofix.yml (or FILE), fetches the architecture and every watched\n"
	  "service's metrics over the window from the configured source, runs the\n"
	  "detector and prints the report (--json: as JSON). Under GitHub Actions it\n"
	  "also appends a job summary to $GITHUB_STEP_SUMMARY and sets the step\n"
	  "outputs findings=N and prs=N (pull requests opened or updated) in\n"
	  "$GITHUB_OUTPUT. --report FILE also writes the JSON report (what --json\n"
	  "prints) to FILE, whole or not at all, and sets the output report=FILE.\n"
	  "--dry-run stops after the report.\n"
	  "Otherwise each finding is investigated (logs, the onset deployment's diff,\n"
	  "upstream status pages) and, with an `llm`, planned; the report shows the\n"
	  "context, the plan and the agent's task. --plan-only stops there, changing\n"
	  "nothing on GitHub. Otherwise the coding agent (`agent`) fixes each planned\n"
	  "finding in a working tree of its own, `verify` checks it, and autofix\n"
	  "pushes its branch and opens one pull request per problem (with\n"
	  "`agent: none`, an issue holding the plan).\n\n"
	  "A scan is a journaled run: --run-id names it (running the same id again\n"
	  "reuses what completed), --state is the journal (else $AUTOFIX_STATE, else\n"
	  ".autofix/state.db). The configuration and the source's credentials are\n"
	  "checked before the journal is opened: a usage or configuration error\n"
	  "leaves no run behind.\n\n"
	  "exit codes: 0 healthy, 1 findings, 2 usage or configuration error,\n"
	  "3 another process is running the same run, 4 the scan failed,\n"
	  "5 some watched service had no usable data\n" },
	{ "event", cmd_event, "act on a GitHub event about autofix's pull requests (/autofix commands)",
	  "usage: autofix event [--event NAME] [--payload FILE] [--json] [--config FILE]\n"
	  "                     [--state PATH]\n\n"
	  "Handles one webhook event (NAME, else $GITHUB_EVENT_NAME, with the payload in\n"
	  "FILE, else $GITHUB_EVENT_PATH) about one of autofix's own pull requests,\n"
	  "recognised by the hidden marker autofix wrote: an issue_comment starting with\n"
	  "/autofix (retry, explain, ignore [DURATION], close, help) from someone with\n"
	  "write, maintain or admin access or a bot on commands.allow_bots; a\n"
	  "pull_request_review that requests changes or comments on lines; a\n"
	  "pull_request closed (merged: the fix is recorded; not merged: the problem is\n"
	  "silenced for the cooldown). Other events, actions and pull requests are\n"
	  "ignored, saying why on stderr. Each event is a journaled run\n"
	  "(event:NAME:KEY in --state, else $AUTOFIX_STATE, else .autofix/state.db):\n"
	  "the same delivery handled twice acts once. --json prints what was done.\n\n"
	  "exit codes: 0 handled or ignored, 2 usage or configuration error, or a\n"
	  "malformed payload (nothing done), 3 another process is handling the same\n"
	  "event, 4 GitHub or the state file failed (running it again finishes it)\n" },
	{ "repos", cmd_repos, "list the repositories of a GitHub App's installations that have .autofix.yml",
	  "usage: autofix repos\n\n"
	  "With the App's credentials (AUTOFIX_APP_ID or AUTOFIX_APP_CLIENT_ID, and\n"
	  "AUTOFIX_APP_PRIVATE_KEY or AUTOFIX_APP_PRIVATE_KEY_FILE), lists every\n"
	  "repository of every installation of the App that holds .autofix.yml on its\n"
	  "default branch (archived ones left out), as one line of JSON for a\n"
	  "workflow's strategy.matrix:\n"
	  "  {\"include\":[{\"repository\":\"OWNER/NAME\",\"owner\":\"OWNER\",\"name\":\"NAME\",\n"
	  "    \"default_branch\":\"main\",\"installation_id\":123}]}\n"
	  "Under GitHub Actions it also sets the step outputs matrix (that line) and\n"
	  "count (how many repositories).\n\n"
	  "exit codes: 0 listed (possibly none), 2 usage error, no App credentials\n"
	  "or an unusable key, 4 GitHub failed (nothing is listed then)\n" },
	{ "runs", cmd_runs, "list journaled runs, or show one run's steps",
	  "usage: autofix runs [--json] [--limit N] [--state PATH]\n"
	  "       autofix runs show ID [--json] [--state PATH]\n"
	  "       autofix runs prune [--older-than DURATION] [--state PATH]\n\n"
	  "The journal is --state, else $AUTOFIX_STATE, else .autofix/state.db.\n"
	  "A 'running' run whose process has gone is shown as 'interrupted'; running\n"
	  "its workflow again with the same run id resumes it. prune deletes finished\n"
	  "runs older than DURATION (default $AUTOFIX_RETENTION, else 7d).\n\n"
	  "exit codes: 0 ok, 2 usage error, 4 the state file could not be read\n"
	  "or 'show' names no run in it\n" },
	{ "jwt", cmd_jwt, "print a fresh GitHub App JWT (a secret, valid 9 minutes)",
	  "usage: autofix jwt [--app-id ID] [--key FILE]\n\n"
	  "Signs an App JWT (RS256) with the App's private key, for checking an App's\n"
	  "setup by hand. The App ID (or Client ID) comes from --app-id, AUTOFIX_APP_ID or\n"
	  "AUTOFIX_APP_CLIENT_ID; the key (PKCS#1 or PKCS#8 PEM) from --key,\n"
	  "AUTOFIX_APP_PRIVATE_KEY (the PEM text; literal \\n accepted) or\n"
	  "AUTOFIX_APP_PRIVATE_KEY_FILE. Under GitHub Actions the JWT is masked.\n\n"
	  "exit codes: 0 printed, 2 usage error, no App ID or no usable key,\n"
	  "4 signing failed\n" },
	{ "help", cmd_help, "show the commands, or one command's usage",
	  "usage: autofix help [COMMAND]\n\n"
	  "exit codes: 0 ok, 2 usage error or no such command\n" },
	{ "version", cmd_version, "print the version",
	  "usage: autofix version\n       autofix --version\n\n"
	  "exit codes: 0 ok, 2 usage error (any argument)\n" },
};

const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The usage lines of a command's text: up to its first blank line. */
static void print_usage_lines(FILE *out, const struct command *cmd)
{
	const char *end = strstr(cmd->usage, "\n\n");

	fprintf(out, "%.*s\n", (int)(end ? end - cmd->usage : (ptrdiff_t)strlen(cmd->usage) - 1),
		cmd->usage);
}

int command_usage_error(const char *name, const char *fmt, ...)
{
	const struct command *cmd = command_find(name);
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	log_error("%s", msg.buf);
	strbuf_release(&msg);
	if (cmd) {
		print_usage_lines(stderr, cmd);
		fprintf(stderr, "see 'autofix help %s'\n", cmd->name);
	}
	return EXIT_USAGE;
}

int cmd_version(int argc, const char **argv)
{
	static const struct parse_option opts[] = { PARSE_OPT_END() };

	/* "autofix --version extra" comes here too: both are usage errors. */
	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("version", "%s", bot_error_last());
	if (argc > 0)
		return command_usage_error("version", "unexpected argument '%s'", argv[0]);
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
		"Options: --name VALUE or --name=VALUE, in any order; '--' ends them.\n"
		"exit codes: 0 ok, 1 findings, 2 usage or configuration error,\n"
		"3 another process is running the same run, 4 the job failed,\n"
		"5 a scan saw no usable data for some service\n");
}

int cmd_help(int argc, const char **argv)
{
	static const struct parse_option opts[] = { PARSE_OPT_END() };
	const struct command *cmd;

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("help", "%s", bot_error_last());
	if (argc > 1)
		return command_usage_error("help", "unexpected argument '%s'", argv[1]);
	if (!argc) {
		print_overview(stdout);
		return EXIT_OK;
	}
	cmd = command_find(argv[0]);
	if (!cmd) {
		log_error("'%s' is not a command; see 'autofix help'", argv[0]);
		return EXIT_USAGE;
	}
	printf("autofix %s: %s\n\n%s", cmd->name, cmd->summary, cmd->usage);
	return EXIT_OK;
}

/* Whether the command's arguments ask for its help ("--help" or "-h" before any "--"). */
static int asks_for_help(int argc, const char **argv)
{
	int i;

	for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int run_command(int argc, const char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	/* "--version" is "version" and "--help" is "help", extra arguments and all. */
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		cmd = command_find("version");
	else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		cmd = command_find("help");
	else
		cmd = command_find(argv[1]);
	if (!cmd) {
		if (argv[1][0] == '-')
			log_error("unknown option '%s'; see 'autofix help'", argv[1]);
		else
			log_error("'%s' is not a command; see 'autofix help'", argv[1]);
		return EXIT_USAGE;
	}
	/* A command's "--help" is answered here, the same way for all. */
	if (asks_for_help(argc, argv)) {
		printf("%s", cmd->usage);
		return EXIT_OK;
	}
	return cmd->fn(argc - 1, argv + 1);
}

/*
 * What a command printed is only written when stdout is flushed: a full
 * disk or a closed pipe shows up here, after the command said it
 * succeeded (git's run_builtin() does the same). A command whose main
 * output is lost failed its job; one that failed already keeps its code
 * and its own message.
 */
static int finish_stdout(int code)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int saved = errno;

	if (fclose(stdout) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (!failed || code == EXIT_USAGE || code == EXIT_BUSY || code == EXIT_FAILURE_JOB)
		return code;
	fprintf(stderr, "autofix: cannot write to standard output: %s\n",
		saved ? strerror(saved) : "write error");
	return EXIT_FAILURE_JOB;
}

int main(int argc, const char **argv)
{
	/*
	 * autofix holds tokens in its environment and memory, and runs a
	 * coding agent and `verify` as the same user: not dumpable, its
	 * /proc/PID/environ and mem are not theirs to read, nor is it theirs
	 * to ptrace (the children's own environment is scrubbed: fix.h).
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	log_setup();
	return finish_stdout(run_command(argc, argv));
}
