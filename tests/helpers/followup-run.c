/*
 * followup-run retry|review NUMBER KEY [TEXT]: runs event_retry (TEXT: the
 * instructions) or event_review (TEXT: the review as JSON, the payload's
 * "review") on pull request NUMBER, as the event workflow would, and
 * prints {"code", "error", "result"}; exits 0 when an outcome was
 * recorded, 1 otherwise. KEY is the comment's (or review's) id: the
 * journaled run is "event:NAME:KEY" in the state file FOLLOWUP_STATE.
 * Driven by tests/event/followup.test.
 *
 * It holds a test double of event_reply() (the event workflow's, in
 * bot/event/event.c, is not needed here): the reply comment is found by
 * its marker `autofix:reply:KEY` (review: `r` before the id) or made,
 * then edited, and every text it is given is appended, followed by a
 * line "=====", to FOLLOWUP_REPLIES when set.
 *
 * GitHub from the environment (AUTOFIX_GITHUB_API_URL, GITHUB_REPOSITORY,
 * AUTOFIX_GITHUB_TOKEN). The configuration comes from FIX_AGENT,
 * FIX_VERIFY... as fix-run.c's (tests/lib/fix-env.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event/event.h"
#include "github/github.h"
#include "journal.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/marker.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#include "../lib/fix-env.h"

/* Set for a review: its reply's marker key is `r` and the review's id. */
static int is_review;

/* The test double: find or make the one reply, then edit it. */
int event_reply(struct event_context *ev, const char *markdown)
{
	struct strbuf key = STRBUF_INIT, body = STRBUF_INIT;
	struct json *list = NULL, *made = NULL;
	const struct json *found;
	FILE *f;
	int err = 0;

	strbuf_addf(&key, "%s%lld", is_review ? "r" : "", (long long)ev->reply_key);
	strbuf_addf(&body, "%s\n\n", markdown);
	if ((err = marker_format(&body, "reply", key.buf)) < 0)
		goto out;
	if (!ev->reply_id) {
		if ((err = github_issue_comments(ev->gh, &list, ev->number)) < 0)
			goto out;
		if ((found = github_find_marked(list, "reply", key.buf, ev->login)))
			json_get_int(&ev->reply_id, found, "id");
	}
	if (ev->reply_id)
		err = github_comment_update(ev->gh, &made, ev->reply_id, body.buf);
	else if ((err = github_comment_create(ev->gh, &made, ev->number, body.buf)) == 0)
		json_get_int(&ev->reply_id, made, "id");
	if (err == 0 && fix_env("FOLLOWUP_REPLIES") && (f = fopen(fix_env("FOLLOWUP_REPLIES"), "a"))) {
		fprintf(f, "%s\n=====\n", markdown);
		fclose(f);
	}
out:
	json_free(list);
	json_free(made);
	strbuf_release(&key);
	strbuf_release(&body);
	return err;
}

int main(int argc, char **argv)
{
	struct github_options gopts = { 0 };
	struct config cfg;
	struct event_context ev = { 0 };
	struct github *gh = NULL;
	struct journal *j = NULL;
	struct journal_run *run = NULL;
	struct json *pull = NULL, *review = NULL, *result = NULL;
	struct strbuf fp = STRBUF_INIT, id = STRBUF_INIT;
	char *login = NULL;
	int err;

	if (argc < 4 || (strcmp(argv[1], "retry") && strcmp(argv[1], "review"))) {
		fprintf(stderr, "usage: followup-run retry|review NUMBER KEY [TEXT]\n");
		return 2;
	}
	log_setup();
	is_review = !strcmp(argv[1], "review");
	fix_env_config(&cfg);
	ev.cfg = &cfg;
	ev.number = strtoll(argv[2], NULL, 10);
	ev.reply_key = strtoll(argv[3], NULL, 10);
	strbuf_addf(&id, "event:%s:%s%s", is_review ? "pull_request_review" : "issue_comment", is_review ? "r" : "",
		    argv[3]);
	if ((err = github_options_from_env(&gopts)) < 0 || (err = github_new(&gh, &gopts)) < 0 ||
	    (err = github_login(gh, &login)) < 0 || (err = github_pull_get(gh, &pull, ev.number)) < 0)
		goto done;
	if (!marker_find_kind(json_str_value(json_member(pull, "body")), "pr", &fp)) {
		err = bot_error(BOT_EINVALID, "#%lld is not autofix's", (long long)ev.number);
		goto done;
	}
	if ((err = journal_open(&j, fix_env("FOLLOWUP_STATE") ? fix_env("FOLLOWUP_STATE") : JOURNAL_MEMORY)) < 0 ||
	    (err = journal_run_begin(&run, j, id.buf, "event", argv[1], NULL)) < 0)
		goto done;
	ev.gh = gh;
	ev.login = login;
	ev.run = run;
	ev.pull = pull;
	ev.fingerprint = fp.buf;
	ev.now = time_now_ms();
	if (is_review) {
		if ((err = json_parse(&review, argv[4] ? argv[4] : "", argv[4] ? strlen(argv[4]) : 0)) < 0)
			goto done;
		err = event_review(&result, &ev, review);
	} else {
		err = event_retry(&result, &ev, argc > 4 ? argv[4] : NULL);
	}
	journal_run_finish(run, err);
done:
	err = fix_env_print(err, result);
	json_free(pull);
	json_free(review);
	journal_run_free(run);
	journal_close(j);
	github_free(gh);
	free(login);
	strbuf_release(&fp);
	strbuf_release(&id);
	config_release(&cfg);
	return err;
}
