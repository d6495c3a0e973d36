/*
 * autofix scan: observe and detect, then report.
 *
 * Exit codes (builtin.h): 0 every watched service is healthy; 1 there
 * are findings; 2 usage or configuration error (the file, a missing
 * token, a service or environment that does not exist, a --run-id begun
 * with other inputs); 3 the run is held by another process; 4 the job
 * failed (the source could not be read: nothing is reported as healthy
 * on partial data); 5 some watched service could not be seen at all.
 *
 * Without --dry-run the scan would go on to investigate, plan, fix and
 * deliver; those stages are not written yet, so it says so and runs as
 * a dry run, with the same output and exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "config.h"
#include "journal.h"
#include "pipeline.h"
#include "scan_report.h"
#include "source/source.h"
#include "util/env.h"
#include "util/error.h"
#include "util/human.h"
#include "util/log.h"
#include "util/parse_options.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
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
static void write_step_summary(const struct observe_result *observed, const struct findings *found)
{
	const char *path = env_get("GITHUB_STEP_SUMMARY");
	struct strbuf md = STRBUF_INIT;
	FILE *f;

	if (!path)
		return;
	scan_report_markdown(&md, observed, found);
	log_redact(&md);
	f = fopen(path, "a");
	if (!f || fwrite(md.buf, 1, md.len, f) != md.len || fclose(f) != 0) {
		if (f)
			fclose(f);
		log_warning("cannot write the job summary to '%s'", path);
	}
	strbuf_release(&md);
}

int cmd_scan(int argc, const char **argv)
{
	const char *config_path = ".autofix.yml", *run_id_flag = NULL, *state_flag = NULL;
	const char *stage = "observe", *trigger = getenv("GITHUB_EVENT_NAME");
	int dry_run = 0, as_json = 0, err, code;
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
	struct strbuf out = STRBUF_INIT;
	const struct parse_option opts[] = {
		PARSE_OPT_FLAG("dry-run", 0, &dry_run),
		PARSE_OPT_FLAG("json", 0, &as_json),
		PARSE_OPT_STRING("config", 0, &config_path),
		PARSE_OPT_STRING("run-id", 0, &run_id_flag),
		PARSE_OPT_STRING("state", 0, &state_flag),
		PARSE_OPT_END(),
	};

	if ((argc = parse_options(argc, argv, opts)) < 0)
		return command_usage_error("scan", "%s", bot_error_last());
	if (argc > 0)
		return command_usage_error("scan", "unexpected argument '%s'", argv[0]);
	if (!dry_run)
		log_warning("acting on findings (investigate, plan, fix, deliver) is not implemented yet; "
			    "running as 'autofix scan --dry-run'");

	config_init(&cfg);
	if (config_load_file(&cfg, config_path, &diags) < 0) {
		code = report_config_diags(&diags, config_path);
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
		return EXIT_USAGE;
	}
	/* A fixed "now" that cannot be meant (0 is 1970) would scan a window with nothing in it. */
	if (time_now_checked(&now) < 0) {
		log_error("%s", bot_error_last());
		config_release(&cfg);
		return EXIT_USAGE;
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
		return EXIT_FAILURE_JOB;
	}
	run_opts.fingerprint = fingerprint;
	if (journal_run_id(&run_id, "scan", run_id_flag, fingerprint) < 0 ||
	    journal_retention(&run_opts.retention_ms) < 0) {
		strbuf_release(&run_id);
		config_release(&cfg);
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
			return EXIT_FAILURE_JOB;
		}
	}
	if ((err = journal_run_begin(&run, journal, run_id.buf, "scan",
				     trigger && *trigger ? trigger : "cli", &run_opts)) < 0) {
		log_error("%s", bot_error_last());
		journal_close(journal);
		strbuf_release(&run_id);
		config_release(&cfg);
		return err == BOT_ECONFLICT ? EXIT_BUSY : err == BOT_EINVALID ? EXIT_USAGE : EXIT_FAILURE_JOB;
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
		goto done;
	}

	if (as_json) {
		struct json *j = scan_report_json(&observed, &found, 1);
		char *text = json_print(j, 1);
		strbuf_addstr(&out, text);
		strbuf_addch(&out, '\n');
		free(text);
		json_free(j);
	} else {
		scan_report_text(&out, &observed, &found, 1);
	}
	if (log_print_data(stdout, &out) < 0 || fflush(stdout) != 0) {
		log_error("cannot write the report to standard output");
		code = EXIT_FAILURE_JOB;
		goto done;
	}
	write_step_summary(&observed, &found);
	code = found.nr ? EXIT_FINDINGS : EXIT_OK;

done:
	/* The run failed only when a stage did; a report with findings is a success. */
	if (journal_run_finish(run, err < 0 ? err : 0) < 0)
		log_warning("%s", bot_error_last());
	journal_run_free(run);
	journal_close(journal);
	strbuf_release(&run_id);
	strbuf_release(&out);
	findings_release(&found);
	observe_result_release(&observed);
	config_release(&cfg);
	return code;
}
