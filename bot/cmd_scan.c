/*
 * autofix scan: observe and detect, then report.
 *
 * Exit codes (builtin.h): 0 every watched service was seen and is
 * healthy; 1 there are findings; 2 usage or configuration error (the
 * file, a missing token, a service or environment that does not exist, a
 * --run-id begun with other inputs); 3 the run is held by another
 * process; 4 the job failed (the source could not be read: nothing is
 * reported as healthy on partial data); 5 no findings, but some watched
 * service had no usable sample of any signal in the window (a service
 * down, or a name that matches nothing at a Prometheus source): it was
 * not seen, so it is not called healthy. Findings win over no data: 1,
 * else 5, else 0. With --json, a failure (2, 3, 4) prints
 * {"error": {"stage", "message", "exit_code"}} on stdout.
 *
 * Without --dry-run the scan investigates and plans each finding; without
 * --plan-only either, it acts: the issue about an upstream provider's
 * incident (pipeline_upstream_issues), and for each finding with a plan
 * the coding agent's fix and its pull request (pipeline_fix_and_deliver),
 * or with `agent: none` an issue holding the plan. What was done is in
 * the report; a step that failed marks the run failed (a re-run of the
 * same run id finishes it) and leaves the exit code to the findings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "config.h"
#include "journal.h"
#include "pipeline.h"
#include "scan_report.h"
#include "source/source.h"
#include "util/actions.h"
#include "util/env.h"
#include "util/error.h"
#include "util/human.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse_options.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int report_config_diags(const struct config_diags *diags, const char *path)
{
	size_t i;

	for (i = 0; i < diags->nr; i++) {
		const struct config_diag *d = &diags->items[i];
		if (d->key_path && *d->key_path)
			log_at(LOG_ERROR, d->file ? d->file : path, d->line, d->col, "%s: %s",
			       d->key_path, d->message);
		else
			log_at(LOG_ERROR, d->file ? d->file : path, d->line, d->col, "%s", d->message);
	}
	if (!diags->nr)
		log_error("cannot load '%s': %s", path, bot_error_last());
	return EXIT_USAGE;
}

/* Appends the Markdown summary to $GITHUB_STEP_SUMMARY; a failure to write it is only a warning. */
static void write_step_summary(const struct observe_result *observed, const struct findings *found,
			       const struct scan_work *work)
{
	struct strbuf md = STRBUF_INIT;

	if (!env_get("GITHUB_STEP_SUMMARY"))
		return;
	/* Redacted as it is rendered, before Markdown escaping: not here, after it. */
	scan_report_markdown(&md, observed, found);
	scan_report_markdown_work(&md, work);
	if (actions_append("GITHUB_STEP_SUMMARY", md.buf, md.len) < 0)
		log_warning("cannot write the job summary to %s", bot_error_last());
	strbuf_release(&md);
}

/* Where the report goes besides stdout: --json, --report FILE. */
struct report_options {
	int as_json;
	const char *path;
};

/*
 * Writes text to the report file whole: a temporary file next to it,
 * renamed over it, so that a reader never sees half a report. Returns 0
 * or BOT_EIO (recorded).
 */
static int write_report_file(const char *path, const struct strbuf *text)
{
	struct strbuf tmp = STRBUF_INIT;
	FILE *f;
	int failed, saved, rc = 0;

	strbuf_addf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	if (!(f = fopen(tmp.buf, "w"))) {
		rc = bot_error(BOT_EIO, "cannot write the report '%s': %s", path, strerror(errno));
		goto out;
	}
	failed = fwrite(text->buf, 1, text->len, f) != text->len;
	saved = errno;
	if (fclose(f) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (!failed && rename(tmp.buf, path) < 0) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		unlink(tmp.buf);
		rc = bot_error(BOT_EIO, "cannot write the report '%s': %s", path, strerror(saved));
	}
out:
	strbuf_release(&tmp);
	return rc;
}

/*
 * The JSON report (redacted, to print) into the --report file and, under
 * Actions, the step output report=FILE. Returns 0, or BOT_EIO logged.
 */
static int save_report(const struct report_options *ro, struct strbuf *json_text)
{
	/* Redacted like stdout: the report quotes what servers sent. */
	log_redact(json_text);
	if (write_report_file(ro->path, json_text) < 0 || actions_output("report", ro->path) < 0) {
		log_error("%s", bot_error_last());
		return BOT_EIO;
	}
	return 0;
}

/*
 * A scan that fails: with --json, the error as a JSON object on stdout,
 * so that a caller reading stdout gets a reason, not nothing; with
 * --report, the same object in the file. Returns code.
 */
static int json_error(const struct report_options *ro, const char *stage, const char *message, int code)
{
	struct json *root, *e;
	struct strbuf out = STRBUF_INIT;
	char *text;

	if (!ro->as_json && !ro->path)
		return code;
	root = json_new_object();
	e = json_new_object();
	json_set_str(e, "stage", stage);
	json_set_str(e, "message", message);
	json_set_num(e, "exit_code", code);
	json_set(root, "error", e);
	/* Redacted before JSON escaping: a secret holding '"' or '\\' escapes into something else. */
	json_map_strings(root, log_redact);
	text = json_print(root, 1);
	strbuf_addstr(&out, text);
	strbuf_addch(&out, '\n');
	if (ro->path) {
		struct strbuf copy = STRBUF_INIT;
		strbuf_addbuf(&copy, &out);
		save_report(ro, &copy);
		strbuf_release(&copy);
	}
	/* Redacted like every output: the message may quote what a server sent. */
	if (ro->as_json && (log_print_data(stdout, &out) < 0 || fflush(stdout) != 0))
		log_warning("cannot write the error to standard output");
	strbuf_release(&out);
	free(text);
	json_free(root);
	return code;
}

/* The message of the first diagnostic of a configuration that did not load. */
static void config_error_message(struct strbuf *out, const struct config_diags *diags, const char *path)
{
	const struct config_diag *d = diags->nr ? &diags->items[0] : NULL;

	if (!d) {
		strbuf_addf(out, "cannot load '%s': %s", path, bot_error_last());
		return;
	}
	strbuf_addf(out, "%s:%d:%d: ", d->file ? d->file : path, d->line, d->col);
	if (d->key_path && *d->key_path)
		strbuf_addf(out, "%s: ", d->key_path);
	strbuf_addstr(out, d->message);
}

/*
 * Under Actions, the step outputs the Action hands on (action.yml):
 * findings=N and prs=N, the pull requests this scan opened or updated.
 * Returns 0 (nothing to do outside Actions), or the error recorded.
 */
static int write_outputs(const struct findings *found, const struct scan_work *work)
{
	struct strbuf n = STRBUF_INIT;
	int err;

	strbuf_addf(&n, "%zu", found->nr);
	err = actions_output("findings", n.buf);
	strbuf_reset(&n);
	strbuf_addf(&n, "%zu", scan_work_pull_requests(work));
	if (err >= 0)
		err = actions_output("prs", n.buf);
	strbuf_release(&n);
	return err < 0 ? err : 0;
}

int cmd_scan(int argc, const char **argv)
{
	const char *config_path = ".autofix.yml", *run_id_flag = NULL, *state_flag = NULL;
	const char *stage = "observe", *trigger = getenv("GITHUB_EVENT_NAME");
	int dry_run = 0, plan_only = 0, err, code;
	struct report_options ro = { 0, NULL };
	struct scan_work work = { 0 };
	struct act_options act = { NULL, 0, NULL, NULL };
	struct json *pull_requests = NULL;
	char *listing_error = NULL;
	char *config_dir = NULL;
	size_t unseen;
	struct journal *journal = NULL;
	struct journal_run *run = NULL;
	struct journal_run_options run_opts = JOURNAL_RUN_OPTIONS_INIT;
	struct strbuf run_id = STRBUF_INIT;
	char fingerprint[65];
	int64_t now;
	struct config cfg;
	struct config_diags diags = { NULL, 0, 0 };
	struct observe_result observed;
	struct findings found;
	enum stage_failure failure;
	struct strbuf out = STRBUF_INIT, report = STRBUF_INIT;
	const struct parse_option opts[] = {
		PARSE_OPT_FLAG("dry-run", 0, &dry_run),
		PARSE_OPT_FLAG("plan-only", 0, &plan_only),
		PARSE_OPT_FLAG("json", 0, &ro.as_json),
		PARSE_OPT_STRING("report", 0, &ro.path),
		PARSE_OPT_STRING("config", 0, &config_path),
		PARSE_OPT_STRING("run-id", 0, &run_id_flag),
		PARSE_OPT_STRING("state", 0, &state_flag),
		PARSE_OPT_END(),
	};

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("scan", "%s", bot_error_last());
	if (argc > 0)
		return command_usage_error("scan", "unexpected argument '%s'", argv[0]);
	if (dry_run && plan_only)
		return command_usage_error("scan", "--dry-run and --plan-only exclude each other");
	/* A step output is one line: a path with a line break could not be handed on. */
	if (ro.path && (!*ro.path || strpbrk(ro.path, "\r\n")))
		return command_usage_error("scan", "--report needs a file name on one line");

	config_init(&cfg);
	if (config_load_file(&cfg, config_path, &diags) < 0) {
		code = report_config_diags(&diags, config_path);
		config_error_message(&out, &diags, config_path);
		json_error(&ro, "config", out.buf, code);
		strbuf_release(&out);
		config_diags_release(&diags);
		config_release(&cfg);
		return code;
	}
	config_diags_release(&diags);
	/*
	 * A configuration error (a missing token...) is refused before the
	 * journal is opened: it must leave no failed run and no .autofix/.
	 */
	if (source_check_config(&cfg) < 0) {
		log_error("configuration error: %s", bot_error_last());
		config_release(&cfg);
		return json_error(&ro, "config", bot_error_last(), EXIT_USAGE);
	}
	/* A fixed "now" that cannot be meant (0 is 1970) would scan a window with nothing in it. */
	if (time_now_checked(&now) < 0) {
		log_error("%s", bot_error_last());
		config_release(&cfg);
		return json_error(&ro, "config", bot_error_last(), EXIT_USAGE);
	}

	/*
	 * The stages run as steps of a journaled run, so that running the
	 * same run id again (GitHub's "Re-run failed jobs" keeps
	 * GITHUB_RUN_ID) repeats no completed stage and no source request.
	 */
	/*
	 * A run remembers what it was computed from: the same id begun with
	 * another configuration (or job, or matrix) must not be handed the
	 * stored results of the first, so it is refused, and under Actions
	 * such jobs get ids of their own.
	 */
	if (pipeline_scan_fingerprint(fingerprint, &cfg) < 0) {
		log_error("%s", bot_error_last());
		config_release(&cfg);
		return json_error(&ro, "journal", bot_error_last(), EXIT_FAILURE_JOB);
	}
	run_opts.fingerprint = fingerprint;
	if (journal_run_id(&run_id, "scan", run_id_flag, fingerprint) < 0 ||
	    journal_retention(&run_opts.retention_ms) < 0) {
		strbuf_release(&run_id);
		config_release(&cfg);
		json_error(&ro, "config", bot_error_last(), EXIT_USAGE);
		return command_usage_error("scan", "%s", bot_error_last());
	}
	if (journal_open(&journal, journal_path(state_flag)) < 0) {
		/* The journal saves work; it is never needed for correctness: go on without one. */
		log_warning("%s; scanning without a journal (running this run again will start over)",
			    bot_error_last());
		if (journal_open(&journal, JOURNAL_MEMORY) < 0) {
			log_error("%s", bot_error_last());
			strbuf_release(&run_id);
			config_release(&cfg);
			return json_error(&ro, "journal", bot_error_last(), EXIT_FAILURE_JOB);
		}
	}
	if ((err = journal_run_begin(&run, journal, run_id.buf, "scan",
				     trigger && *trigger ? trigger : "cli", &run_opts)) < 0) {
		log_error("%s", bot_error_last());
		code = err == BOT_ECONFLICT ? EXIT_BUSY : err == BOT_EINVALID ? EXIT_USAGE : EXIT_FAILURE_JOB;
		json_error(&ro, "journal", bot_error_last(), code);
		journal_close(journal);
		strbuf_release(&run_id);
		config_release(&cfg);
		return code;
	}
	log_debug("scan run '%s' (inputs %.12s)", run_id.buf, fingerprint);

	observe_result_init(&observed);
	findings_init(&found);
	if ((err = pipeline_scan(&observed, &found, &stage, &failure, run, &cfg, now)) < 0) {
		if (failure == STAGE_FAILED_CONFIG) {
			log_error("configuration error: %s", bot_error_last());
			code = EXIT_USAGE;
		} else if (!strcmp(stage, "observe")) {
			log_error("scan failed while observing (%lld %s made): %s", (long long)observed.requests,
				  human_plural(observed.requests, "request", "requests"), bot_error_last());
			code = EXIT_FAILURE_JOB;
		} else {
			log_error("scan failed while detecting: %s", bot_error_last());
			code = EXIT_FAILURE_JOB;
		}
		json_error(&ro, stage, bot_error_last(), code);
		goto done;
	}

	if (!dry_run) {
		/*
		 * The repository's checkout: under Actions the workspace, else
		 * where .autofix.yml is (its root, by the file's definition).
		 */
		const char *slash = strrchr(config_path, '/');
		config_dir = slash ? xstrndup(config_path, (size_t)(slash - config_path)) : xstrdup(".");
		act.repo_root = env_get("GITHUB_WORKSPACE") ? env_get("GITHUB_WORKSPACE") : config_dir;
		act.now = now;
		/* What is already open or silenced is known before any LLM call is spent on it. */
		if (!plan_only && cfg.agent.kind != AGENT_NONE && pipeline_list_wanted(run, &found) &&
		    pipeline_list_pull_requests(&pull_requests, &listing_error, run) == 0)
			act.pull_requests = pull_requests;
		act.pull_requests_error = listing_error;
		/* Merged fixes are judged first: a verdict decides what is done about their problems. */
		if (pull_requests)
			pipeline_verify_merged(&work, pull_requests, &observed, &found, run, &cfg, &act);
		pipeline_investigate_and_plan(&work, &observed, &found, run, &cfg, &act);
		pipeline_upstream_issues(&work, &observed, &found, run, &act, plan_only, now);
		pipeline_fix_and_deliver(&work, &found, run, &cfg, &act, plan_only);
		if (work.failed)
			err = BOT_ETRANSIENT; /* the run is marked failed: running it again finishes what failed */
	}

	if (ro.as_json || ro.path) {
		struct json *j = scan_report_json(&observed, &found, dry_run || plan_only);
		char *text;

		if (!dry_run) {
			json_set(j, "work", scan_work_to_json(&work));
			json_set(j, "followups", work.followups ? json_dup(work.followups) : json_new_array());
		}
		/* In the strings, before printing: in JSON text an escaped secret would not match. */
		json_map_strings(j, log_redact);
		text = json_print(j, 1);
		strbuf_addstr(&report, text);
		strbuf_addch(&report, '\n');
		free(text);
		json_free(j);
	}
	if (ro.as_json) {
		strbuf_addbuf(&out, &report);
	} else {
		scan_report_text(&out, &observed, &found, dry_run || plan_only);
		if (!dry_run && work.nr) {
			strbuf_addf(&out, "\n%s (%zu):", plan_only ? "investigated and planned" :
				    "investigated, planned and acted on", work.nr);
			scan_report_work_text(&out, &work);
		}
		scan_report_followups_text(&out, &work);
	}
	if (log_print_data(stdout, &out) < 0 || fflush(stdout) != 0) {
		log_error("cannot write the report to standard output: %s", strerror(errno));
		code = EXIT_FAILURE_JOB;
		goto done;
	}
	if (ro.path && save_report(&ro, &report) < 0) {
		code = EXIT_FAILURE_JOB;
		goto done;
	}
	write_step_summary(&observed, &found, &work);
	/* Findings first: they need acting on; then what could not be judged; healthy only when all was seen. */
	strbuf_reset(&out);
	unseen = scan_report_unseen(&observed, &found, &out);
	if (unseen)
		log_warning("%s for %zu watched service%s: %s; not seen, so not judged "
			    "(is the service down, or does its name or deployed_as match nothing at the source?)",
			    scan_report_unseen_words(&observed, &found), unseen, unseen == 1 ? "" : "s", out.buf);
	code = found.nr ? EXIT_FINDINGS : unseen ? EXIT_NO_DATA : EXIT_OK;
	if (write_outputs(&found, &work) < 0) {
		log_error("%s", bot_error_last());
		code = EXIT_FAILURE_JOB;
	}

done:
	/* The run failed only when a stage did; a report with findings is a success. */
	if (journal_run_finish(run, err < 0 ? err : 0) < 0)
		log_warning("%s", bot_error_last());
	journal_run_free(run);
	journal_close(journal);
	strbuf_release(&run_id);
	strbuf_release(&out);
	strbuf_release(&report);
	findings_release(&found);
	observe_result_release(&observed);
	scan_work_release(&work);
	json_free(pull_requests);
	free(listing_error);
	free(config_dir);
	config_release(&cfg);
	return code;
}
