/*
 * autofix runs: what the journal remembers. The terminal counterpart of a
 * durable-execution engine's run view: recent runs, then one run's steps
 * with their attempts, results and errors (truncated, secrets masked).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "journal.h"
#include "util/error.h"
#include "util/human.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse_options.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Results longer than this are cut in the output (the journal keeps them whole). */
#define TEXT_RESULT_MAX 160
#define JSON_RESULT_MAX 8192

/*
 * The journal may hold what a step saw: mask every value of an
 * environment variable that looks like a credential, as well as whatever
 * the process registered already.
 */
static void register_env_secrets(void)
{
	extern char **environ;
	static const char *const suffixes[] = { "_TOKEN", "_KEY", "_SECRET", "_PASSWORD" };
	char **e;
	size_t i;

	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *name;

		if (!eq || !eq[1])
			continue;
		name = xstrndup(*e, (size_t)(eq - *e));
		for (i = 0; i < ARRAY_SIZE(suffixes); i++)
			if (ends_with(name, suffixes[i]))
				log_add_secret(eq + 1);
		free(name);
	}
}

/* Redacts text in place (registered secrets, credential shapes) and cuts it at max bytes (on a UTF-8 boundary); returns whether it was cut. */
static int redact_cut(struct strbuf *sb, size_t max)
{
	size_t n;

	log_redact(sb);
	log_redact_credentials(sb);
	if (sb->len <= max)
		return 0;
	n = max;
	while (n > 0 && ((unsigned char)sb->buf[n] & 0xC0) == 0x80)
		n--;
	strbuf_setlen(sb, n);
	strbuf_addstr(sb, "...");
	return 1;
}

/*
 * Makes text safe for a terminal: what a step stored may come from
 * outside (a URL, a server's error message), and an escape sequence in it
 * would be run by the terminal of whoever looks. Control characters
 * become \n, \r, \t or \xHH, which also keeps one step on one line.
 */
static void escape_controls(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];

		if (c == '\n')
			strbuf_addstr(&out, "\\n");
		else if (c == '\r')
			strbuf_addstr(&out, "\\r");
		else if (c == '\t')
			strbuf_addstr(&out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			strbuf_addf(&out, "\\x%02x", c);
		else
			strbuf_addch(&out, (char)c);
	}
	strbuf_reset(sb);
	strbuf_add(sb, out.buf, out.len);
	strbuf_release(&out);
}

/* A duration_ms field for people, or "-" when the journal has none. */
static void add_duration(struct strbuf *sb, const struct json *ms)
{
	if (json_type(ms) != JSON_NUMBER)
		strbuf_addstr(sb, "-");
	else
		human_add_duration(sb, (int64_t)llround(json_num_value(ms)));
}

static void add_time(struct strbuf *sb, const struct json *ms)
{
	if (json_type(ms) != JSON_NUMBER) {
		strbuf_addstr(sb, "-");
		return;
	}
	/* Seconds are enough for a listing. */
	time_format_iso8601(sb, (int64_t)(json_num_value(ms) / 1000) * 1000);
}

/* "running" only while someone holds the run; otherwise it was interrupted. */
static const char *shown_status(const struct json *run)
{
	const char *s = json_str_value(json_get(run, "status"));

	if (s && !strcmp(s, "running") && !json_bool_value(json_get(run, "locked")))
		return "interrupted";
	return s ? s : "?";
}

static void redact_string_member(struct json *obj, const char *key, size_t max)
{
	const char *v = json_str_value(json_get(obj, "%s", key));
	struct strbuf sb = STRBUF_INIT;

	if (!v)
		return;
	strbuf_addstr(&sb, v);
	redact_cut(&sb, max);
	json_set_str(obj, key, sb.buf);
	strbuf_release(&sb);
}

/* Makes a run from journal_run_show() fit to print: results and errors redacted and cut. */
static void sanitise_run(struct json *run)
{
	const struct json *steps = json_get(run, "steps");
	const struct json *s;

	redact_string_member(run, "error", JSON_RESULT_MAX);
	for (s = json_first(steps); s; s = json_next(s)) {
		struct json *step = (struct json *)s;
		const struct json *f;
		struct strbuf sb = STRBUF_INIT;
		char *text = json_print(json_get(step, "result"), 0);
		struct json *parsed = NULL;
		int cut;

		strbuf_addstr(&sb, text);
		free(text);
		cut = redact_cut(&sb, JSON_RESULT_MAX);
		if (!cut && json_parse(&parsed, sb.buf, sb.len) == 0)
			json_set(step, "result", parsed);
		else
			json_set_str(step, "result", sb.buf);
		json_set_bool(step, "result_truncated", cut);
		strbuf_release(&sb);
		redact_string_member(step, "error", JSON_RESULT_MAX);
		for (f = json_first(json_get(step, "failures")); f; f = json_next(f))
			redact_string_member((struct json *)f, "error", JSON_RESULT_MAX);
	}
}

static int print_json(const struct json *doc)
{
	char *text = json_print(doc, 1);

	printf("%s\n", text);
	free(text);
	return EXIT_OK;
}

static int list_runs(struct journal *j, int limit, int as_json)
{
	struct json *runs;
	const struct json *r;
	int rc;

	if ((rc = journal_runs_list(&runs, j, limit)) < 0) {
		log_error("%s", bot_error_last());
		return EXIT_FAILURE_JOB;
	}
	if (as_json) {
		for (r = json_first(runs); r; r = json_next(r))
			redact_string_member((struct json *)r, "error", JSON_RESULT_MAX);
		rc = print_json(runs);
		json_free(runs);
		return rc;
	}
	if (!json_size(runs))
		printf("no runs yet\n");
	else
		printf("%-40s %-8s %-14s %-11s %-20s %s\n", "ID", "WORKFLOW", "TRIGGER", "STATUS",
		       "STARTED", "DURATION");
	for (r = json_first(runs); r; r = json_next(r)) {
		struct strbuf started = STRBUF_INIT, dur = STRBUF_INIT;

		add_time(&started, json_get(r, "started_at"));
		add_duration(&dur, json_get(r, "duration_ms"));
		printf("%-40s %-8s %-14s %-11s %-20s %s\n", json_str_value(json_get(r, "id")),
		       json_str_value(json_get(r, "workflow")), json_str_value(json_get(r, "trigger")),
		       shown_status(r), started.buf, dur.buf);
		strbuf_release(&started);
		strbuf_release(&dur);
	}
	json_free(runs);
	return EXIT_OK;
}

static int show_run(struct journal *j, const char *id, int as_json)
{
	struct json *run;
	const struct json *s, *f;
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if ((rc = journal_run_show(&run, j, id)) < 0) {
		log_error("%s", bot_error_last());
		return EXIT_FAILURE_JOB;
	}
	sanitise_run(run);
	if (as_json) {
		rc = print_json(run);
		json_free(run);
		return rc;
	}
	strbuf_addf(&sb, "run %s: %s, trigger %s, %s, started ", id,
		    json_str_value(json_get(run, "workflow")), json_str_value(json_get(run, "trigger")),
		    shown_status(run));
	add_time(&sb, json_get(run, "started_at"));
	strbuf_addstr(&sb, ", took ");
	add_duration(&sb, json_get(run, "duration_ms"));
	if (json_num_value(json_get(run, "resumes")) > 0)
		strbuf_addf(&sb, ", resumed %.0f %s", json_num_value(json_get(run, "resumes")),
			    human_plural((int64_t)json_num_value(json_get(run, "resumes")), "time", "times"));
	printf("%s\n", sb.buf);
	if (json_str_value(json_get(run, "error"))) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, json_str_value(json_get(run, "error")));
		escape_controls(&sb);
		printf("error: %s\n", sb.buf);
	}
	if (!json_size(json_get(run, "steps")))
		printf("no steps yet\n");
	else
		printf("\n%-24s %-10s %-8s %-9s %s\n", "STEP", "STATUS", "ATTEMPTS", "DURATION",
		       "RESULT OR ERROR");
	for (s = json_first(json_get(run, "steps")); s; s = json_next(s)) {
		const char *err = json_str_value(json_get(s, "error"));
		char *text;

		strbuf_reset(&sb);
		add_duration(&sb, json_get(s, "duration_ms"));
		printf("%-24s %-10s %-8.0f %-9s ", json_str_value(json_get(s, "name")),
		       json_str_value(json_get(s, "status")), json_num_value(json_get(s, "attempts")),
		       sb.buf);
		strbuf_reset(&sb);
		if (err) {
			strbuf_addf(&sb, "%s: %s", json_str_value(json_get(s, "error_code")), err);
		} else if (json_type(json_get(s, "result")) == JSON_STRING) {
			strbuf_addstr(&sb, json_str_value(json_get(s, "result")));
		} else {
			text = json_print(json_get(s, "result"), 0);
			strbuf_addstr(&sb, text);
			free(text);
		}
		redact_cut(&sb, TEXT_RESULT_MAX);
		escape_controls(&sb);
		printf("%s\n", sb.buf);
		for (f = json_first(json_get(s, "failures")); f; f = json_next(f)) {
			strbuf_reset(&sb);
			add_duration(&sb, json_get(f, "duration_ms"));
			strbuf_addf(&sb, ": %s: %s", json_str_value(json_get(f, "error_code")),
				    json_str_value(json_get(f, "error")));
			redact_cut(&sb, TEXT_RESULT_MAX);
			escape_controls(&sb);
			printf("  attempt %.0f failed after %s\n", json_num_value(json_get(f, "attempt")),
			       sb.buf);
		}
	}
	strbuf_release(&sb);
	json_free(run);
	return EXIT_OK;
}

static int prune_runs(struct journal *j, int64_t age_ms)
{
	int rc = journal_prune(j, age_ms);

	if (rc < 0) {
		log_error("%s", bot_error_last());
		return EXIT_FAILURE_JOB;
	}
	printf("pruned %d finished %s\n", rc, human_plural(rc, "run", "runs"));
	return EXIT_OK;
}

int cmd_runs(int argc, const char **argv)
{
	const char *state = NULL, *sub = NULL, *id = NULL, *older = NULL, *limit_arg = NULL, *path;
	int as_json = 0, limit = 20, rc;
	int64_t age_ms = 0;
	struct journal *j;
	const struct parse_option opts[] = {
		PARSE_OPT_FLAG("json", 0, &as_json),
		PARSE_OPT_STRING("limit", 0, &limit_arg),
		PARSE_OPT_STRING("state", 0, &state),
		PARSE_OPT_STRING("older-than", 0, &older),
		PARSE_OPT_END(),
	};

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("runs", "%s", bot_error_last());
	if (argc > 0) {
		sub = argv[0];
		if (strcmp(sub, "show") && strcmp(sub, "prune"))
			return command_usage_error("runs", "unexpected argument '%s'", sub);
	}
	if (sub && !strcmp(sub, "show")) {
		if (argc < 2)
			return command_usage_error("runs", "'show' needs a run id");
		id = argv[1];
	}
	if (argc > (id ? 2 : sub ? 1 : 0))
		return command_usage_error("runs", "unexpected argument '%s'", argv[id ? 2 : 1]);
	if (limit_arg) {
		char *end;
		long n = strtol(limit_arg, &end, 10);
		if (end == limit_arg || *end || n < 1 || n > 1000000)
			return command_usage_error("runs", "bad --limit '%s': expected a number from 1 to 1000000",
						   limit_arg);
		limit = (int)n;
	}
	if (older && (!sub || strcmp(sub, "prune")))
		return command_usage_error("runs", "--older-than goes with 'prune'");
	if (older && units_parse_duration(&age_ms, older) < 0)
		return command_usage_error("runs", "bad --older-than: %s", bot_error_last());
	if (!older && journal_retention(&age_ms) < 0)
		return command_usage_error("runs", "%s", bot_error_last());

	path = journal_path(state);
	/* Looking must not create: no file means no runs. */
	if (access(path, F_OK) < 0) {
		if (sub && !strcmp(sub, "show")) {
			log_error("no run '%s': there is no state database at '%s'", id, path);
			return EXIT_FAILURE_JOB;
		}
		if (as_json && !sub)
			printf("[]\n");
		else
			printf("no runs yet (no state database at '%s')\n", path);
		return EXIT_OK;
	}
	if (journal_open(&j, path) < 0) {
		log_error("%s", bot_error_last());
		return EXIT_FAILURE_JOB;
	}
	register_env_secrets();
	if (!sub)
		rc = list_runs(j, limit, as_json);
	else if (!strcmp(sub, "show"))
		rc = show_run(j, id, as_json);
	else if (!older && age_ms <= 0)
		/* What a run that begins does with a retention of 0: keep everything. */
		rc = printf("AUTOFIX_RETENTION is 0: pruning is off, nothing pruned"
			    " (--older-than D prunes anyway)\n") < 0 ? EXIT_FAILURE_JOB : EXIT_OK;
	else
		rc = prune_runs(j, age_ms);
	journal_close(j);
	return rc;
}
