/*
 * The scan workflow, top to bottom.
 *
 * autofix watches a project's deployed services and, when one is in
 * trouble, has a coding agent write a fix and opens one pull request for
 * a person to review. A scheduled `autofix scan` (cmd_scan.c) does that
 * in stages, each taking the previous one's result:
 *
 *   observe      what is deployed and how each watched service behaved
 *                over the window: source/source.h (Railway's GraphQL API
 *                or Prometheus). Written: pipeline_observe() below.
 *   detect       which services are in trouble, and why: detect/detect.h,
 *                deterministic rules, no I/O. It alone decides whether
 *                there is an incident; no LLM ever does. Written:
 *                pipeline_detect() below.
 *   investigate  more context for each finding: logs and deployments from
 *                the source, the onset deployment's diff, upstreams'
 *                status pages; everything redacted: investigate/.
 *                pipeline_investigate_and_plan() below.
 *   plan         an LLM turns a finding and its context into a JSON plan
 *                (root causes with evidence, changes): plan/. Same function.
 *   fix          a coding agent edits a working tree of autofix's own by
 *                the plan, `verify` runs, autofix commits and pushes its
 *                branch: fix/. pipeline_fix_and_deliver() below.
 *   deliver      one pull request per problem, opened or updated, never
 *                duplicated: deliver/pull_request.h. Same function. An
 *                upstream provider's incident gets an issue instead:
 *                pipeline_upstream_issues().
 *
 * Between detect and investigate, the scan follows the fixes it delivered
 * that people merged (pipeline_verify_merged): once a deployment with the
 * merge has been live for a whole window, it says on the PR whether the
 * problem recovered (deliver/merged.h). That verdict decides what a
 * finding with the same fingerprint becomes: "awaiting deployment" before
 * it, a regression (a new PR labelled autofix:regression, the agent given
 * the earlier diff) after "recovered", a new attempt after "did not help".
 *
 * This file is the only one that knows that order; each stage module
 * knows only its own input and output. Each stage is one function here
 * (pipeline_<stage>) with a result that has a JSON form, and runs as one
 * durable step of the scan's journaled run (journal.h): observe and
 * detect in pipeline_scan(), then one step per finding for the later
 * stages (names like "plan:FINGERPRINT", "fix:FINGERPRINT"). A step whose
 * result the journal holds is not run again, which is what makes a
 * re-run cost no LLM call, agent session or source request twice
 * (cmd_scan.c runs the stages in this order). Stages that change
 * something on GitHub must also be idempotent without the journal: look
 * for the branch by name and for the PR or comment with
 * github_find_marked() before creating it.
 *
 * Follow-ups that people start (`/autofix` commands in comments,
 * reviews, a merge or a close) are not part of the scan: they are the
 * `event` workflow (cmd_event.c), another journaled run with its own
 * order of steps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "deliver/merged.h"
#include "deliver/pull_request.h"
#include "deliver/upstream_issue.h"
#include "fix/agent.h"
#include "fix/fix.h"
#include "fix/workspace.h"
#include "github/github.h"
#include "http.h"
#include "investigate/investigate.h"
#include "journal.h"
#include "pipeline.h"
#include "plan/llm.h"
#include "plan/mustache.h"
#include "plan/plan.h"
#include "plan/template.h"
#include "scan_report.h"
#include "util/fence.h"
#include "util/redact.h"
#include "util/xalloc.h"
#include "util/digest.h"
#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "version.h"
#include "util/banned.h"

/* Sample resolution asked of the source when .autofix.yml sets no `step` (not a journal step). */
#define DEFAULT_SAMPLE_STEP_MS TIME_MS_PER_MINUTE

void observe_result_init(struct observe_result *r)
{
	memset(r, 0, sizeof(*r));
	architecture_init(&r->arch);
	observation_init(&r->obs);
}

void observe_result_release(struct observe_result *r)
{
	architecture_release(&r->arch);
	observation_release(&r->obs);
	observe_result_init(r);
}

/* The JSON form; give: the observation's series are released as they are written (observe_step). */
static struct json *result_json(struct observe_result *r, int give)
{
	struct json *root = json_new_object(), *cost = json_new_object();

	json_set(root, "architecture", architecture_to_json(&r->arch));
	/* Compact series: an observation of 1000 services is millions of samples. */
	json_set(root, "observation", give ? observation_give_json(&r->obs) : observation_to_json_compact(&r->obs));
	json_set_num(cost, "requests", (double)r->requests);
	json_set_num(cost, "bytes", (double)r->bytes);
	json_set(root, "cost", cost);
	return root;
}

struct json *observe_result_to_json(const struct observe_result *r)
{
	return result_json((struct observe_result *)r, 0);
}

int observe_result_from_json(struct observe_result *r, struct json *root)
{
	const struct json *part;
	int err;

	/* Taken, not copied: an observation of 1000 services is tens of megabytes twice. */
	if ((err = json_get_obj(&part, root, "architecture")) < 0 ||
	    (err = architecture_from_json(&r->arch, part)) < 0 ||
	    (err = json_get_obj(&part, root, "observation")) < 0 ||
	    (err = observation_take_json(&r->obs, (struct json *)part)) < 0) {
		observe_result_release(r);
		return err;
	}
	r->requests = (int64_t)json_num_value(json_get(root, "cost.requests"));
	r->bytes = (int64_t)json_num_value(json_get(root, "cost.bytes"));
	return 0;
}

/* ---------------------------------------------------------------- stage 1: observe */

/*
 * Between stages the previous one's millions of small blocks (an
 * observation of 1000 services, its JSON) have just been freed; glibc
 * keeps such memory mapped, which adds them to the next stage's peak.
 * Giving it back keeps a scan of 1000 Prometheus services under 64 MiB.
 */
static void release_freed_memory(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

int pipeline_observe(struct observe_result *out, enum stage_failure *failure,
		     const struct config *cfg, int64_t now)
{
	struct source *src = NULL;
	int64_t sample_step = cfg->step_ms > 0 ? cfg->step_ms : DEFAULT_SAMPLE_STEP_MS;
	int64_t start = now - cfg->window_ms;
	int64_t history = cfg->regression.enabled && cfg->regression.baseline_ms > 0 ?
			  cfg->regression.baseline_ms : 0;
	int err;

	*failure = STAGE_FAILED_CONFIG;
	if (cfg->window_ms <= 0)
		return bot_error(BOT_EINVALID, "the analysis window is not set ('window' in .autofix.yml)");

	/* Opening reads only the configuration and the environment: its failures are configuration errors. */
	if ((err = source_open(&src, cfg)) < 0)
		return err;

	*failure = STAGE_FAILED_JOB;
	log_debug("observing %s over the last %lld s", src->ops->name, (long long)(cfg->window_ms / 1000));
	if ((err = source_architecture(src, &out->arch)) < 0) {
		/* An environment that does not exist is a stale configuration, not an outage. */
		if (err == BOT_ENOTFOUND)
			*failure = STAGE_FAILED_CONFIG;
		goto done;
	}
	if ((err = source_select_services(&out->arch, cfg)) < 0) {
		*failure = STAGE_FAILED_CONFIG;
		goto done;
	}
	/*
	 * The series reach back `detect.regression.baseline` before the
	 * window, so that a deployment early in the window is compared with
	 * the service's own history before it. The window itself (obs.start
	 * to obs.end) is what the thresholds judge and the report shows.
	 */
	err = source_observe(src, &out->arch, start - history, now, sample_step, &out->obs);
	if (!err)
		out->obs.start = start;

done:
	out->requests = src->requests;
	out->bytes = src->bytes;
	out->obs.requests = src->requests;
	out->obs.bytes = src->bytes;
	source_close(src);
	if (err < 0) {
		int64_t requests = out->requests, bytes = out->bytes;
		observe_result_release(out);
		/* The cost of a failed scan still counts against the rate limit: keep it. */
		out->requests = requests;
		out->bytes = bytes;
	}
	return err;
}

/* ---------------------------------------------------------------- stage 2: detect */

int pipeline_detect(struct findings *out, const struct observe_result *observed,
		    const struct config *cfg)
{
	return detect_run(out, &observed->obs, cfg);
}

/* ---------------------------------------------------------------- the scan as journaled steps */

/* What the scan's step functions share: their inputs, and what they report back besides their result. */
struct scan_context {
	const struct config *cfg;
	int64_t now;
	struct observe_result *observed; /* observe keeps what it observed here */
	enum stage_failure failure;
	int64_t requests; /* what this process's observe attempts cost */
};

/*
 * An observation up to this many samples is kept in memory for the scan
 * (JOURNAL_KEPT): 16 bytes a sample, 4 MiB; about 240 services of 1060
 * samples (bench/scan-cost.js's). At 100 services that spares the scan a JSON
 * parse of the journal's megabyte of text and every compact series parsed
 * again. A larger one is given up while its JSON is made and read back
 * from the journal, so that it is never held twice: at 1000 services
 * (14 MB of text) that keeps the scan under 64 MiB.
 */
#define KEPT_OBSERVATION_MAX_SAMPLES (256 * 1024)

static size_t observation_samples(const struct observation *obs)
{
	size_t i, n = 0;
	int m;

	for (i = 0; i < obs->services_nr; i++)
		for (m = 0; m < METRIC__COUNT; m++)
			n += obs->services[i].series[m].nr + obs->services[i].seasonal[m].nr;
	return n;
}

/* Observes into s->observed, which the scan goes on with when it is kept. */
static int observe_step(struct json **out, void *data)
{
	struct scan_context *s = data;
	int err;

	observe_result_release(s->observed);
	err = pipeline_observe(s->observed, &s->failure, s->cfg, s->now);
	s->requests += s->observed->requests;
	if (err < 0)
		return err;
	if (observation_samples(&s->observed->obs) <= KEPT_OBSERVATION_MAX_SAMPLES) {
		*out = result_json(s->observed, 0);
		return JOURNAL_KEPT;
	}
	*out = result_json(s->observed, 1);
	observe_result_release(s->observed);
	release_freed_memory();
	return 0;
}

static int detect_step(struct json **out, void *data)
{
	struct scan_context *s = data;
	struct findings f;
	int err;

	findings_init(&f);
	s->failure = STAGE_FAILED_JOB;
	err = pipeline_detect(&f, s->observed, s->cfg);
	if (err >= 0)
		*out = findings_to_json(&f);
	findings_release(&f);
	return err < 0 ? err : 0;
}

int pipeline_scan(struct observe_result *observed, struct findings *found,
		  const char **stage, enum stage_failure *failure, struct journal_run *run,
		  const struct config *cfg, int64_t now)
{
	/*
	 * One attempt per stage: http.c has already retried every request,
	 * and a whole-scan retry would spend the source's rate limit (Railway's
	 * free plan: 100 requests an hour) on what just failed. A failed run
	 * is resumed by running it again.
	 */
	static const struct journal_retry once = { 1, 0, 0 };
	struct scan_context s = { cfg, now, observed, STAGE_FAILED_JOB, 0 };
	struct json *result = NULL;
	int err;

	*stage = "observe";
	*failure = STAGE_FAILED_JOB;
	err = journal_step(&result, run, "observe", &once, observe_step, &s);
	observed->requests = s.requests;
	if (err < 0) {
		*failure = s.failure;
		return err;
	}
	/* Not kept: stored by an earlier execution of the run, or too large to keep. */
	if (result) {
		err = observe_result_from_json(observed, result);
		json_free(result);
		result = NULL;
		release_freed_memory();
		if (err < 0)
			return bot_error_wrap(err, "the journal's observe result: ");
	}

	*stage = "detect";
	err = journal_step(&result, run, "detect", &once, detect_step, &s);
	if (err < 0)
		return err;
	err = findings_from_json(found, result);
	json_free(result);
	if (err < 0)
		return bot_error_wrap(err, "the journal's detect result: ");

	/*
	 * investigate, plan, fix and deliver will follow here, each a
	 * journal_step() over what the steps before returned (see the top of
	 * this file); today the scan ends with its findings.
	 */
	return 0;
}

/* ---------------------------------------------------------------- stage 3: investigate */

struct finding_context {
	const struct config *cfg;
	const struct observe_result *observed;
	const struct finding *finding;
	const struct act_options *opts;
	const struct json *context;   /* plan: investigate's result */
};

static int investigate_step(struct json **out, void *data)
{
	struct finding_context *fc = data;
	struct investigate_input in = { 0 };
	struct redact_patterns *patterns = NULL;
	struct source *src = NULL;
	struct http_client *http = http_client_new(NULL);
	int err;

	/* Logs come from the source; without one (a bad token now) the rest is still gathered. */
	if (source_open(&src, fc->cfg) < 0)
		log_warning("investigating %s: no logs: %s", fc->finding->service, bot_error_last());
	if (redact_patterns_new(&patterns, fc->cfg->redact, fc->cfg->redact_nr) < 0)
		log_warning("%s", bot_error_last());
	in.cfg = fc->cfg;
	in.observed = fc->observed;
	in.finding = fc->finding;
	in.source = src;
	in.http = http;
	in.repo_root = fc->opts->repo_root;
	in.redact = patterns;
	in.start = fc->observed->obs.start;
	in.end = fc->observed->obs.end;
	err = investigate_finding(out, &in);
	source_close(src);
	redact_patterns_free(patterns);
	http_client_free(http);
	return err;
}

/* ---------------------------------------------------------------- stage 4: plan */

static int plan_step(struct json **out, void *data)
{
	struct finding_context *fc = data;
	const struct json *sections = json_get(fc->context, "sections"), *s;
	struct plan_section *list;
	struct plan_prompt_options popts = { 0 };
	struct strbuf system = STRBUF_INIT, user = STRBUF_INIT;
	struct json *finding = finding_to_json(fc->finding), *sizes = json_new_object(), *plan = NULL;
	struct json *usage = json_new_object();
	struct http_client *http = NULL;
	struct llm *llm = NULL;
	struct llm_reply reply;
	struct fence fence;
	size_t n = 0;
	int err;

	llm_reply_init(&reply);
	/* What the logs said about the finding's confidence (investigate) is what the LLM is told. */
	if (json_type(json_get(fc->context, "confidence")) == JSON_OBJECT) {
		struct strbuf reason = STRBUF_INIT;
		strbuf_addf(&reason, "%s; %s", fc->finding->reason ? fc->finding->reason : "",
			    json_str_value(json_get(fc->context, "confidence.why")));
		json_set_num(finding, "confidence", json_num_value(json_get(fc->context, "confidence.to")));
		json_set_str(finding, "reason", reason.buf);
		strbuf_release(&reason);
	}
	list = xcalloc(json_size(sections) + 1, sizeof(*list));
	for (s = json_first(sections); s; s = json_next(s), n++) {
		list[n].title = json_str_value(json_member(s, "title"));
		list[n].text = json_str_value(json_member(s, "text"));
	}
	fence_init(&fence);
	popts.repo_root = fc->opts->repo_root;
	popts.fence = &fence;
	popts.max_tokens = (size_t)fc->cfg->llm.budget.prompt_tokens;
	*out = json_new_object();
	if ((err = plan_prompt(&system, &user, finding, fc->finding->service,
			       json_str_value(json_get(fc->context, "service.path")), list, n, &popts, sizes)) < 0)
		goto recorded;
	http = http_client_new(NULL);
	if ((err = llm_open(&llm, &fc->cfg->llm, http)) < 0)
		goto recorded;
	err = plan_make(&plan, llm, system.buf, user.buf, &reply);
	/* Worth a re-run: the provider failed, not the request or the reply. */
	if (err == BOT_ETRANSIENT || err == BOT_ETIMEOUT || err == BOT_ERATELIMIT) {
		json_free(*out);
		*out = NULL;
		goto done;
	}
recorded:
	/* Recorded, not retried: a re-run would get the same refusal or nonsense, and pay for it. */
	json_set_str(*out, "outcome", err < 0 ? "failed" :
		     json_bool_value(json_get(plan, "fixable_in_code")) ? "plan" : "not fixable");
	json_set(*out, "why", err < 0 ? json_new_str(bot_error_last()) :
		 !json_bool_value(json_get(plan, "fixable_in_code")) ? json_dup(json_get(plan, "not_fixable_reason")) :
		 json_new_null());
	json_set(*out, "plan", plan ? plan : json_new_null());
	plan = NULL;
	json_set(*out, "prompt_sizes", sizes);
	sizes = NULL;
	json_set_num(usage, "input_tokens", (double)reply.usage.input_tokens);
	json_set_num(usage, "output_tokens", (double)reply.usage.output_tokens);
	json_set_num(usage, "calls", reply.calls);
	json_set(*out, "usage", usage);
	usage = NULL;
	err = 0;
done:
	json_free(plan);
	json_free(sizes);
	json_free(usage);
	json_free(finding);
	llm_reply_release(&reply);
	llm_free(llm);
	http_client_free(http);
	strbuf_release(&system);
	strbuf_release(&user);
	free(list);
	return err;
}

/* ---------------------------------------------------------------- the LLM budget */

/*
 * llm.budget: a flapping project must not become a bill. What this run
 * has spent, counted from its plan steps' results (replayed ones too, so
 * that a re-run decides as the first attempt did).
 */
struct llm_spent {
	int calls;
	int64_t tokens;       /* input and output */
	int warned;
};

/*
 * Why the next finding may make no LLM call ("over llm.budget.X ..."),
 * to free(3), or NULL when the budget allows one. A limit is checked
 * before a finding's plan: the call that crosses it ends, the next
 * finding gets none. The day is every scan run's plan steps that the
 * journal holds from the last 24 hours, this run's included; a journal
 * that cannot say leaves the day unchecked, with a warning (it saves
 * work and is never needed for correctness).
 */
static char *llm_over_budget(const struct llm_budget *budget, const struct llm_spent *spent,
			     struct journal_run *run)
{
	struct journal *j = journal_run_get_journal(run);
	int64_t since = time_wall_ms() - TIME_MS_PER_DAY;
	double in = 0, out = 0;
	struct strbuf why = STRBUF_INIT;

	if (spent->calls >= budget->calls_per_run)
		strbuf_addf(&why, "over llm.budget.calls_per_run: this run made %d LLM calls of %d",
			    spent->calls, budget->calls_per_run);
	else if (spent->tokens >= budget->tokens_per_run)
		strbuf_addf(&why, "over llm.budget.tokens_per_run: this run used %lld tokens of %lld",
			    (long long)spent->tokens, (long long)budget->tokens_per_run);
	else if (journal_sum_results(&in, j, "scan", "plan:", "usage.input_tokens", since) < 0 ||
		 journal_sum_results(&out, j, "scan", "plan:", "usage.output_tokens", since) < 0)
		log_warning("llm.budget.tokens_per_day not checked: %s", bot_error_last());
	else if (in + out >= (double)budget->tokens_per_day)
		strbuf_addf(&why, "over llm.budget.tokens_per_day: scans used %.0f tokens of %lld in the last 24 hours",
			    in + out, (long long)budget->tokens_per_day);
	if (!why.len) {
		strbuf_release(&why);
		return NULL;
	}
	strbuf_addstr(&why, "; reported with its context, planned on a later run");
	return strbuf_detach(&why, NULL);
}

/* earlier: the merged fix for the same problem ({number, merged_at, regression, diff}), or NULL. */
static char *render_agent_prompt(const struct finding_work *w, const struct act_options *opts,
				 const struct finding *f, const char *cfg_verify, const struct json *earlier)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;
	struct json *data = json_new_object();
	struct strbuf out = STRBUF_INIT;

	json_set(data, "service", json_dup(json_get(w->context, "service")));
	json_set(data, "finding", finding_to_json(f));
	json_set(data, "plan", json_dup(w->plan));
	json_set_opt_str(data, "verify", cfg_verify);
	if (earlier)
		json_set(data, "earlier", json_dup(earlier));
	topts.repo_root = opts->repo_root;
	topts.escape = mustache_escape_none;
	if (template_render(&out, "agent-task.md", data, &topts) < 0) {
		strbuf_reset(&out);
		strbuf_addf(&out, "(the agent's task could not be rendered: %s)", bot_error_last());
	}
	json_free(data);
	return strbuf_detach(&out, NULL);
}

void scan_work_release(struct scan_work *work)
{
	size_t i;

	for (i = 0; i < work->nr; i++) {
		struct finding_work *w = &work->items[i];
		free(w->service);
		free(w->kind);
		json_free(w->context);
		json_free(w->plan);
		json_free(w->prompt_sizes);
		free(w->agent_prompt);
		free(w->why);
		free(w->issue);
		json_free(w->fix);
		free(w->delivery);
		json_free(w->pull_request);
	}
	free(work->items);
	json_free(work->followups);
	memset(work, 0, sizeof(*work));
}

size_t scan_work_pull_requests(const struct scan_work *work)
{
	size_t i, n = 0;

	for (i = 0; i < work->nr; i++) {
		const char *action = json_str_value(json_member(work->items[i].pull_request, "action"));
		n += action && (!strcmp(action, "opened") || !strcmp(action, "updated"));
	}
	return n;
}

struct json *scan_work_to_json(const struct scan_work *work)
{
	struct json *arr = json_new_array();
	size_t i;

	for (i = 0; i < work->nr; i++) {
		const struct finding_work *w = &work->items[i];
		struct json *o = json_new_object(), *u = json_new_object();

		json_set_str(o, "fingerprint", w->fingerprint);
		json_set_str(o, "service", w->service);
		json_set_str(o, "kind", w->kind);
		json_set_str(o, "outcome", w->outcome);
		json_set_opt_str(o, "why", w->why);
		json_set(o, "context", w->context ? json_dup(w->context) : json_new_null());
		json_set(o, "plan", w->plan ? json_dup(w->plan) : json_new_null());
		json_set(o, "prompt_sizes", w->prompt_sizes ? json_dup(w->prompt_sizes) : json_new_null());
		json_set_opt_str(o, "agent_prompt", w->agent_prompt);
		json_set_opt_str(o, "issue", w->issue);
		json_set(o, "fix", w->fix ? json_dup(w->fix) : json_new_null());
		json_set_opt_str(o, "delivery", w->delivery);
		json_set(o, "pull_request", w->pull_request ? json_dup(w->pull_request) : json_new_null());
		json_set_num(u, "input_tokens", (double)w->input_tokens);
		json_set_num(u, "output_tokens", (double)w->output_tokens);
		json_set_num(u, "calls", w->llm_calls);
		json_set(o, "usage", u);
		json_append(arr, o);
	}
	return arr;
}

/*
 * Sets w's outcome to "awaiting review", "silenced" or "awaiting
 * deployment" (why saying which PR) and returns 1 when
 * opts->pull_requests leaves w to a pull request.
 */
static int left_to_pull_request(struct finding_work *w, const struct act_options *opts,
				const struct pull_request_config *cfg)
{
	struct json *d = pull_request_decide(opts->pull_requests, w->fingerprint, cfg, 0, opts->now);
	const char *decision = json_str_value(json_member(d, "decision"));
	int left = 0;

	if (!strcmp(decision, "awaiting review") || !strcmp(decision, "silenced") ||
	    !strcmp(decision, "awaiting deployment")) {
		w->outcome = !strcmp(decision, "silenced") ? "silenced" :
			     !strcmp(decision, "awaiting review") ? "awaiting review" : "awaiting deployment";
		w->why = xstrdup(json_str_value(json_member(d, "why")));
		left = 1;
	}
	json_free(d);
	return left;
}

void pipeline_investigate_and_plan(struct scan_work *out, const struct observe_result *observed,
				   const struct findings *found, struct journal_run *run,
				   const struct config *cfg, const struct act_options *opts)
{
	static const struct journal_retry once = { 1, 0, 0 };
	struct strbuf name = STRBUF_INIT;
	struct llm_spent spent = { 0 };
	size_t i;

	out->items = xcalloc(found->nr ? found->nr : 1, sizeof(*out->items));
	for (i = 0; i < found->nr; i++) {
		const struct finding *f = &found->items[i];
		struct finding_work *w = &out->items[out->nr++];
		struct finding_context fc = { cfg, observed, f, opts, NULL };
		struct json *result = NULL;
		const struct json *incident;

		memcpy(w->fingerprint, f->fingerprint, sizeof(w->fingerprint));
		w->service = xstrdup(f->service);
		w->kind = xstrdup(finding_kind_name(f->kind));
		/* A problem a PR is open for, or that a closed PR silenced, costs no investigation and no LLM call. */
		if (opts->pull_requests && left_to_pull_request(w, opts, &cfg->pull_requests))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, "investigate:%s", f->fingerprint);
		if (journal_step(&w->context, run, name.buf, &once, investigate_step, &fc) < 0) {
			w->outcome = "failed";
			w->why = xstrdup(bot_error_last());
			out->failed = 1;
			continue;
		}
		incident = json_get(w->context, "upstream_incident");
		if (incident && json_type(incident) == JSON_OBJECT) {
			struct strbuf why = STRBUF_INIT;
			strbuf_addf(&why, "%s: %s (%s)", json_str_value(json_member(incident, "provider")),
				    json_str_value(json_member(incident, "incident")),
				    json_str_value(json_member(incident, "status")));
			w->outcome = "upstream";
			w->why = strbuf_detach(&why, NULL);
			continue;
		}
		if (cfg->llm.provider == LLM_NONE) {
			w->outcome = "no llm";
			w->why = xstrdup("llm is none in .autofix.yml: the finding is reported with its context");
			continue;
		}
		strbuf_reset(&name);
		strbuf_addf(&name, "plan:%s", f->fingerprint);
		/* A plan the journal holds costs nothing to replay: only a new call is held to the budget. */
		if (!journal_step_stored(run, name.buf) &&
		    (w->why = llm_over_budget(&cfg->llm.budget, &spent, run))) {
			w->outcome = "failed";
			if (!spent.warned++)
				log_warning("%s", w->why);
			continue;
		}
		fc.context = w->context;
		if (journal_step(&result, run, name.buf, &once, plan_step, &fc) < 0) {
			w->outcome = "failed";
			w->why = xstrdup(bot_error_last());
			out->failed = 1;
			continue;
		}
		w->outcome = !strcmp(json_str_value(json_get(result, "outcome")), "plan") ? "plan" :
			     !strcmp(json_str_value(json_get(result, "outcome")), "not fixable") ? "not fixable" :
			     "failed";
		if (json_str_value(json_get(result, "why")))
			w->why = xstrdup(json_str_value(json_get(result, "why")));
		if (json_type(json_get(result, "plan")) == JSON_OBJECT)
			w->plan = json_dup(json_get(result, "plan"));
		if (json_get(result, "prompt_sizes"))
			w->prompt_sizes = json_dup(json_get(result, "prompt_sizes"));
		w->input_tokens = (int64_t)json_num_value(json_get(result, "usage.input_tokens"));
		w->output_tokens = (int64_t)json_num_value(json_get(result, "usage.output_tokens"));
		w->llm_calls = (int)json_num_value(json_get(result, "usage.calls"));
		spent.calls += w->llm_calls;
		spent.tokens += w->input_tokens + w->output_tokens;
		if (!strcmp(w->outcome, "plan"))
			w->agent_prompt = render_agent_prompt(w, opts, f, cfg->verify.command, NULL);
		json_free(result);
	}
	strbuf_release(&name);
}

/* ---------------------------------------------------------------- stage 5: the upstream issue */

/* The finding with that fingerprint, or NULL. */
static const struct finding *finding_of(const struct findings *found, const char *fingerprint)
{
	size_t i;

	for (i = 0; i < found->nr; i++)
		if (!strcmp(found->items[i].fingerprint, fingerprint))
			return &found->items[i];
	return NULL;
}


struct upstream_context {
	struct github *gh;
	const char *login;
	const struct finding_work *w;
	const struct finding *finding;
	const struct act_options *opts;
	const struct json *open;   /* resolve: the listed issue */
	int64_t now;
};

static int upstream_issue_step(struct json **out, void *data)
{
	struct upstream_context *u = data;
	struct json *finding = finding_to_json(u->finding);
	int err;

	err = upstream_issue_deliver(out, u->gh, u->login, json_get(u->w->context, "upstream_incident"),
				     finding, u->opts->repo_root);
	json_free(finding);
	return err;
}

static int upstream_resolve_step(struct json **out, void *data)
{
	struct upstream_context *u = data;

	return upstream_issue_resolve(out, u->gh, u->login, (int64_t)json_num_value(json_member(u->open, "number")),
				      json_str_value(json_member(u->open, "key")), u->now, u->opts->repo_root);
}

/* The key of the upstream issue for w (its incident's provider, its service and fingerprint). */
static void work_upstream_key(struct strbuf *out, const struct finding_work *w)
{
	upstream_issue_key(out, json_str_value(json_get(w->context, "upstream_incident.provider")),
			   w->service, w->fingerprint);
}

/*
 * 1 when the open issue (as listed) is over: it is about a service this
 * scan saw, and no finding of this scan is still explained by its
 * incident. A service not seen (no data) or a finding whose investigation
 * failed tells nothing: its issue stays open.
 */
static int upstream_is_over(const struct json *issue, const struct scan_work *work,
			    const struct observe_result *observed)
{
	const char *key = json_str_value(json_member(issue, "key"));
	struct strbuf name = STRBUF_INIT;
	int seen = 0, over = 1;
	size_t i;

	for (i = 0; i < observed->obs.services_nr; i++) {
		const struct service_metrics *svc = &observed->obs.services[i];
		strbuf_reset(&name);
		upstream_issue_key(&name, json_str_value(json_member(issue, "provider")), svc->name,
				   json_str_value(json_member(issue, "fingerprint")));
		if (!strcmp(name.buf, key)) {
			seen = !observation_service_unseen(&observed->obs, svc);
			break;
		}
	}
	for (i = 0; seen && over && i < work->nr; i++) {
		const struct finding_work *w = &work->items[i];
		if (strcmp(w->fingerprint, json_str_value(json_member(issue, "fingerprint"))))
			continue;
		if (!strcmp(w->outcome, "failed"))
			over = 0;
		else if (!strcmp(w->outcome, "upstream")) {
			strbuf_reset(&name);
			work_upstream_key(&name, w);
			over = strcmp(name.buf, key) != 0;
		}
	}
	strbuf_release(&name);
	return seen && over;
}

/*
 * Each listing of the open upstream issues records how many stayed open
 * (the step UPSTREAM_OPEN_STEP), so that a scan without an upstream
 * finding asks GitHub only when one may be open: the newest record says
 * some are, an issue was delivered after it, or there is none from the
 * last UPSTREAM_RECHECK_MS (a fresh journal, or another runner's issue:
 * checked once a day).
 */
#define UPSTREAM_OPEN_STEP "upstream-open"
#define UPSTREAM_RECHECK_MS (24 * 60 * 60 * 1000LL)

static int upstream_listing_wanted(struct journal_run *run, size_t upstream)
{
	struct journal *j = journal_run_get_journal(run);
	int64_t now = time_wall_ms(); /* the journal's clock, not the scan's (AUTOFIX_NOW) */
	double open = 0, delivered = 0;
	int64_t at = 0;
	int err;

	if (upstream)
		return 1;
	err = journal_latest_result(&open, &at, j, "scan", UPSTREAM_OPEN_STEP, "open", now - UPSTREAM_RECHECK_MS);
	if (err == BOT_ENOTFOUND)
		return 1;
	if (err < 0 || journal_sum_results(&delivered, j, "scan", "upstream-issue:", "number", at + 1) < 0) {
		log_warning("cannot tell from the journal whether an upstream issue is open: %s", bot_error_last());
		return 1;
	}
	return open > 0 || delivered > 0;
}

static int upstream_open_step(struct json **out, void *data)
{
	*out = json_new_object();
	json_set_num(*out, "open", (double)*(size_t *)data);
	return 0;
}

void pipeline_upstream_issues(struct scan_work *work, const struct observe_result *observed,
			      const struct findings *found, struct journal_run *run, const struct act_options *opts,
			      int plan_only, int64_t now)
{
	static const struct journal_retry once = { 1, 0, 0 };
	struct github_options gopts = { 0 };
	struct github *gh = NULL;
	struct json *open = NULL, *result = NULL;
	struct strbuf name = STRBUF_INIT;
	char *login = NULL;
	const struct json *it;
	size_t i, upstream = 0, still_open;

	for (i = 0; i < work->nr; i++)
		upstream += !strcmp(work->items[i].outcome, "upstream");
	if (plan_only) {
		for (i = 0; i < work->nr; i++)
			if (!strcmp(work->items[i].outcome, "upstream"))
				work->items[i].issue = xstrdup("would open (or update) the issue about this incident; "
							       "--plan-only changes nothing on GitHub");
		return;
	}
	if (!upstream_listing_wanted(run, upstream)) {
		log_debug("no upstream issue of autofix's is known to be open: GitHub not asked");
		return;
	}
	/* Without GitHub, the finding is still reported: a warning, not a failed scan. */
	if (github_options_from_env(&gopts) < 0 || !gopts.owner || github_new(&gh, &gopts) < 0 ||
	    github_login(gh, &login) < 0) {
		const char *why = gopts.owner ? bot_error_last() : ENV_REPOSITORY_UNSET;
		if (upstream)
			log_warning("the issue about the upstream incident was not opened: %s", why);
		for (i = 0; i < work->nr; i++)
			if (!strcmp(work->items[i].outcome, "upstream"))
				work->items[i].issue = xstrdup("not opened: no GitHub credentials or repository");
		/* GitHub did not say who autofix is (down, token refused): a re-run tries again. */
		if (gh)
			work->failed = 1;
		goto out;
	}
	for (i = 0; i < work->nr; i++) {
		struct finding_work *w = &work->items[i];
		struct upstream_context u = { gh, login, w, finding_of(found, w->fingerprint), opts, NULL, now };
		struct strbuf text = STRBUF_INIT;

		if (strcmp(w->outcome, "upstream"))
			continue;
		if (!u.finding)
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, "upstream-issue:%s", w->fingerprint);
		if (journal_step(&result, run, name.buf, &once, upstream_issue_step, &u) < 0) {
			log_warning("the issue about %s's upstream incident: %s", w->service, bot_error_last());
			strbuf_addf(&text, "not opened: %s", bot_error_last());
			work->failed = 1;
		} else {
			strbuf_addf(&text, "%s #%lld", json_str_value(json_member(result, "action")),
				    (long long)json_num_value(json_member(result, "number")));
			if (json_str_value(json_member(result, "url")))
				strbuf_addf(&text, " %s", json_str_value(json_member(result, "url")));
		}
		w->issue = strbuf_detach(&text, NULL);
		json_free(result);
		result = NULL;
	}
	/* The incidents that are over: one comment, then closed. */
	if (upstream_issue_list_open(&open, gh, login) < 0) {
		log_warning("cannot look for upstream issues to close: %s", bot_error_last());
		work->failed = 1;
		goto out;
	}
	still_open = json_size(open);
	for (it = json_first(open); it; it = json_next(it)) {
		struct upstream_context u = { gh, login, NULL, NULL, opts, it, now };

		if (!upstream_is_over(it, work, observed))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, "upstream-resolve:%s", json_str_value(json_member(it, "key")));
		if (journal_step(&result, run, name.buf, &once, upstream_resolve_step, &u) < 0) {
			log_warning("cannot close upstream issue #%lld: %s",
				    (long long)json_num_value(json_member(it, "number")), bot_error_last());
			work->failed = 1;
		} else {
			log_info("upstream issue #%lld closed: %s's incident is over",
				 (long long)json_num_value(json_member(it, "number")),
				 json_str_value(json_member(it, "provider")));
			still_open--;
		}
		json_free(result);
		result = NULL;
	}
	if (journal_step(&result, run, UPSTREAM_OPEN_STEP, &once, upstream_open_step, &still_open) < 0)
		log_warning("%s", bot_error_last());
	json_free(result);
out:
	json_free(open);
	strbuf_release(&name);
	free(login);
	github_free(gh);
}

/* ---------------------------------------------------------------- stages 5 and 6: fix, deliver */

/* What the fix and delivery of every finding of one run share. */
struct deliver_run {
	const struct config *cfg;
	const struct act_options *opts;
	struct github *gh;
	char *login;               /* autofix's own, for its markers */
	struct json *repo;         /* GET /repos/{o}/{r}: clone_url, default_branch */
	char *author_name, *author_email;
	struct http_client *http;  /* the agent's */
	struct agent *agent;       /* opened for the first fix: one per repository and run */
	char *run_url;             /* the Actions run, or NULL */
};

/* One finding on its way to a pull request (or a plan issue). */
struct deliver_item {
	struct deliver_run *d;
	const struct finding_work *w;
	const struct finding *finding;
	const struct json *decision;
	const struct json *listing;   /* autofix's pull requests, as listed */
	const struct json *delivered;   /* the deliver step's result, for the regression comment */
};

/* Opens GitHub as the environment says: *gh, and *login, autofix's own. */
static int github_open(struct github **gh, char **login)
{
	struct github_options gopts = { 0 };
	int err;

	if ((err = github_options_from_env(&gopts)) < 0)
		return err;
	if (!gopts.owner)
		return bot_error(BOT_EINVALID, ENV_REPOSITORY_UNSET);
	if ((err = github_new(gh, &gopts)) < 0)
		return err;
	return github_login(*gh, login);
}

struct listing {
	struct github *gh;
	char *login;
};

static int pull_requests_step(struct json **out, void *data)
{
	struct listing *l = data;

	return pull_request_list(out, l->gh, l->login);
}

int pipeline_list_pull_requests(struct json **out, char **why, struct journal_run *run)
{
	static const struct journal_retry once = { 1, 0, 0 };
	struct listing l = { NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	int err = 0;

	*out = NULL;
	*why = NULL;
	/* No GitHub to ask: nothing to decide on; the delivery says so. */
	if (!env_repository(NULL))
		return 0;
	if ((err = github_open(&l.gh, &l.login)) < 0 ||
	    (err = journal_step(out, run, "pull-requests", &once, pull_requests_step, &l)) < 0) {
		strbuf_addf(&sb, "autofix's pull requests could not be listed: %s", bot_error_last());
		log_warning("%s; nothing is decided about the findings", sb.buf);
		*why = strbuf_detach(&sb, NULL);
	}
	free(l.login);
	github_free(l.gh);
	return err;
}

/* ---------------------------------------------------------------- following merged fixes */

/*
 * A fix is judged once a deployment that contains it has been live for a
 * whole window: the window the scan just observed then lies entirely
 * after it. Railway statuses of a deployment that went live (REMOVED:
 * replaced since; CRASHED: it ran); a build that failed or never started
 * ran nothing.
 */
static int deployment_went_live(const char *status)
{
	static const char *const live[] = { "SUCCESS", "SLEEPING", "REMOVED", "REMOVING", "CRASHED" };
	size_t i;

	if (!status)
		return 1;
	for (i = 0; i < sizeof(live) / sizeof(*live); i++)
		if (!strcmp(status, live[i]))
			return 1;
	return 0;
}

/* At most this many compares per merged PR and scan: the deployment's commit against the merge. */
#define MAX_COMPARES 3

/* The observed service whose fingerprint for some kind is fp (finding_fingerprint), or NULL. */
static const struct service_metrics *service_of_fingerprint(const struct observation *obs, const char *fp,
							    enum finding_kind *kind)
{
	char buf[17];
	size_t i;
	int k;

	for (i = 0; i < obs->services_nr; i++)
		for (k = 0; k < FINDING_KIND__COUNT; k++) {
			finding_fingerprint(buf, obs->services[i].name, (enum finding_kind)k);
			if (!strcmp(buf, fp)) {
				*kind = (enum finding_kind)k;
				return &obs->services[i];
			}
		}
	return NULL;
}

static const struct arch_service *arch_service_of(const struct architecture *arch, const struct service_metrics *svc)
{
	size_t i;

	for (i = 0; i < arch->services_nr; i++) {
		const struct arch_service *a = &arch->services[i];
		if ((svc->source_id && a->id && !strcmp(svc->source_id, a->id)) ||
		    (a->config_name && !strcmp(a->config_name, svc->name)) || !strcmp(a->name, svc->name))
			return a;
	}
	return NULL;
}

/* One merged PR the scan follows. */
struct merged_item {
	struct github *gh;
	const char *login;
	const struct config *cfg;
	const struct act_options *opts;
	const struct observe_result *observed;
	const struct findings *found;
	const struct json *pr;                 /* as listed (pull_request_list) */
	const struct service_metrics *svc;
	const struct deployment *candidates[8]; /* went live after the merge, a window ago or more */
	size_t candidates_nr;
	int64_t live_since;                     /* without candidates: what stands for the deployment */
	const char *live_what;                  /* "deployment" (arch's latest) or "merge" */
};

/*
 * What can be said without asking GitHub: returns 0 and fills the
 * item's candidates (or live_since) when a deployment with the merge may
 * have been live for a whole window, or 1 with *why when not yet (to
 * free(3)). The rules, in order: the deployments the source reported
 * after the merge (those that went live a window ago or more are the
 * candidates, checked later against the merge commit); else the
 * service's latest deployment (Railway's architecture) when it is after
 * the merge; else, when the source knows no deployments at all
 * (Prometheus), the merge time stands for the deployment.
 */
static int merged_precheck(struct merged_item *m, char **why)
{
	const struct arch_service *a = arch_service_of(&m->observed->arch, m->svc);
	int64_t merged_at = (int64_t)json_num_value(json_member(m->pr, "merged_at"));
	int64_t window = m->cfg->window_ms, now = m->opts->now;
	struct strbuf sb = STRBUF_INIT;
	size_t i, after = 0;

	for (i = 0; i < m->svc->deployments_nr; i++) {
		const struct deployment *dep = &m->svc->deployments[i];
		if (dep->at < merged_at || !deployment_went_live(dep->status))
			continue;
		after++;
		if (dep->at + window <= now && m->candidates_nr < sizeof(m->candidates) / sizeof(*m->candidates))
			m->candidates[m->candidates_nr++] = dep;
	}
	if (m->candidates_nr)
		return 0;
	if (after) {
		strbuf_addf(&sb, "deployed since the merge, not yet live for a whole window (%s)", m->svc->name);
	} else if (a && a->latest_deployment_at) {
		if (a->latest_deployment_at >= merged_at && a->latest_deployment_at + window <= now) {
			m->live_since = a->latest_deployment_at;
			m->live_what = "deployment";
			return 0;
		}
		strbuf_addf(&sb, "%s has not been deployed since the merge, or not for a whole window", m->svc->name);
	} else {
		if (merged_at + window <= now) {
			m->live_since = merged_at;
			m->live_what = "merge";
			return 0;
		}
		strbuf_addstr(&sb, "merged less than a window ago (the source reports no deployments: the merge stands for one)");
	}
	*why = strbuf_detach(&sb, NULL);
	return 1;
}

/* A figure of the unit named unit_name ("fraction", "ms"...), as people read it, into sb. */
static void add_named_figure(struct strbuf *sb, double v, const char *unit_name)
{
	enum figure_unit u;

	if (unit_name && figure_unit_from_name(&u, unit_name) == 0)
		detect_add_figure(sb, v, u);
	else
		strbuf_addf(sb, "%g", v);
}

/*
 * Step "verify-merged:NUMBER": the deployment with the merge (a compare
 * when its commit is not the merge commit), then the verdict on the PR.
 * *out: {"outcome": "recovered" | "did not help" | "awaiting deployment",
 * "why", "deployment" or null, "commented"}.
 */
static int verify_merged_step(struct json **out, void *data)
{
	struct merged_item *m = data;
	const char *fp = json_str_value(json_member(m->pr, "fingerprint"));
	const char *merge = json_str_value(json_member(m->pr, "merge_commit"));
	const struct json *figure = json_member(m->pr, "figure");
	const struct deployment *live = NULL;
	const struct finding *f = finding_of(m->found, fp);
	struct json *note = NULL, *result = NULL, *o;
	struct strbuf sb = STRBUF_INIT;
	int64_t since = m->live_since;
	size_t i, compares = 0;
	int err = 0;

	for (i = 0; i < m->candidates_nr && !live; i++) {
		const struct deployment *dep = m->candidates[i];
		struct json *cmp = NULL;
		const char *status;

		/* Without a commit to compare, a deployment after the merge is taken to hold it. */
		if (!dep->commit || !merge || starts_with(merge, dep->commit) || starts_with(dep->commit, merge)) {
			live = dep;
			break;
		}
		if (compares++ >= MAX_COMPARES)
			break;
		err = github_compare(m->gh, &cmp, merge, dep->commit);
		if (err == BOT_ENOTFOUND) {
			/* A commit GitHub does not know (another repository's, a force-push): not this one. */
			err = 0;
			continue;
		}
		if (err < 0)
			goto out;
		status = json_str_value(json_member(cmp, "status"));
		if (status && (!strcmp(status, "ahead") || !strcmp(status, "identical")))
			live = dep;
		json_free(cmp);
	}
	*out = json_new_object();
	if (m->candidates_nr && !live) {
		json_set_str(*out, "outcome", "awaiting deployment");
		json_set_str(*out, "why", "no deployment that went live a window ago or more contains the merge");
		json_set(*out, "deployment", json_new_null());
		goto out;
	}
	if (live)
		since = live->at;

	note = json_new_object();
	json_set(note, "number", json_dup(json_member(m->pr, "number")));
	json_set_str(note, "fingerprint", fp);
	json_set_str(note, "service", m->svc->name);
	json_set_str(note, "verdict", f ? PULL_REQUEST_NOT_RECOVERED : PULL_REQUEST_RECOVERED);
	if (live) {
		o = json_new_object();
		json_set_str(o, "id", live->id);
		time_format_iso8601(&sb, live->at);
		json_set_str(o, "at", sb.buf);
		strbuf_reset(&sb);
		json_set_opt_str(o, "commit", live->commit);
		json_set(note, "deployment", o);
	} else {
		json_set(note, "deployment", json_new_null());
	}
	time_format_iso8601(&sb, since);
	json_set_str(note, "live_since", sb.buf);
	strbuf_reset(&sb);
	o = json_new_object();
	time_format_iso8601(&sb, m->observed->obs.start);
	json_set_str(o, "start", sb.buf);
	strbuf_reset(&sb);
	time_format_iso8601(&sb, m->observed->obs.end);
	json_set_str(o, "end", sb.buf);
	strbuf_reset(&sb);
	json_set(note, "window", o);
	if (json_type(figure) == JSON_OBJECT && json_type(json_member(figure, "observed")) == JSON_NUMBER) {
		const char *unit = json_str_value(json_member(figure, "unit"));
		o = json_new_object();
		add_named_figure(&sb, json_num_value(json_member(figure, "observed")), unit);
		json_set_str(o, "observed", sb.buf);
		strbuf_reset(&sb);
		add_named_figure(&sb, json_num_value(json_member(figure, "threshold")), unit);
		json_set_str(o, "threshold", sb.buf);
		strbuf_reset(&sb);
		json_set(note, "before", o);
	}
	/* The window after the fix: the finding's own chart when it is still there, else the signal it was judged on. */
	if (f) {
		struct strbuf chart = STRBUF_INIT;
		detect_add_figure(&sb, f->observed, f->unit);
		json_set_str(note, "now", sb.buf);
		strbuf_reset(&sb);
		scan_report_chart(&chart, f);
		fence_clean(&sb, chart.buf, chart.len);
		strbuf_release(&chart);
	} else if (json_type(figure) == JSON_OBJECT) {
		struct strbuf chart = STRBUF_INIT;
		const char *unit_name = json_str_value(json_member(figure, "evidence_unit"));
		enum metric metric;
		double peak = NAN, level = json_type(json_member(figure, "level")) == JSON_NUMBER ?
					    json_num_value(json_member(figure, "level")) : NAN;
		enum figure_unit u;

		if (unit_name && figure_unit_from_name(&u, unit_name) == 0 &&
		    metric_from_name(&metric, json_str_value(json_member(figure, "metric"))) == 0) {
			scan_report_chart_after(&chart, &peak, m->svc, metric, u, level,
						m->observed->obs.start, m->observed->obs.end);
			if (isfinite(peak)) {
				struct strbuf now = STRBUF_INIT;
				strbuf_addstr(&now, "peak ");
				detect_add_figure(&now, peak, u);
				json_set_str(note, "now", now.buf);
				strbuf_release(&now);
			}
		}
		fence_clean(&sb, chart.buf, chart.len);
		strbuf_release(&chart);
	}
	json_set_str(note, "chart", sb.buf);
	strbuf_reset(&sb);
	if ((err = merged_note_verdict(&result, m->gh, m->login, note, m->opts->repo_root)) < 0) {
		json_free(*out);
		*out = NULL;
		goto out;
	}
	json_set_str(*out, "outcome", f ? "did not help" : "recovered");
	json_set(*out, "deployment", json_dup(json_member(note, "deployment")));
	json_set_str(*out, "live_since", json_str_value(json_member(note, "live_since")));
	json_set_bool(*out, "commented", json_bool_value(json_member(result, "commented")));
out:
	json_free(note);
	json_free(result);
	strbuf_release(&sb);
	return err;
}

/* Adds {number, fingerprint, service, outcome, why, url} to work's follow-ups. */
static void add_followup(struct scan_work *work, const struct json *pr, const char *service, const char *outcome,
			 const char *why)
{
	struct json *o = json_new_object();

	if (!work->followups)
		work->followups = json_new_array();
	json_set(o, "number", json_dup(json_member(pr, "number")));
	json_set_opt_str(o, "fingerprint", json_str_value(json_member(pr, "fingerprint")));
	json_set(o, "service", service ? json_new_str(service) : json_new_null());
	json_set_str(o, "outcome", outcome);
	json_set(o, "why", why ? json_new_str(why) : json_new_null());
	json_set_opt_str(o, "url", json_str_value(json_member(pr, "url")));
	json_append(work->followups, o);
}

/* The journal's record of merged fixes not judged yet: see pipeline_list_wanted(). */
#define MERGED_PENDING_STEP "merged-pending"

static int merged_pending_step(struct json **out, void *data)
{
	*out = json_new_object();
	json_set_num(*out, "pending", (double)*(size_t *)data);
	return 0;
}

int pipeline_list_wanted(struct journal_run *run, const struct findings *found)
{
	struct journal *j = journal_run_get_journal(run);
	int64_t since = time_wall_ms() - PULL_REQUEST_VERIFY_HORIZON_MS;
	double delivered = 0, pending = 0;

	if (found->nr)
		return 1;
	if (journal_sum_results(&delivered, j, "scan", "deliver:", "number", since) < 0 ||
	    journal_sum_results(&pending, j, "scan", MERGED_PENDING_STEP, "pending", since) < 0) {
		log_warning("cannot tell from the journal whether a merged fix awaits its verdict: %s", bot_error_last());
		return 1;
	}
	return delivered > 0 || pending > 0;
}

void pipeline_verify_merged(struct scan_work *work, struct json *pull_requests,
			    const struct observe_result *observed, const struct findings *found,
			    struct journal_run *run, const struct config *cfg, const struct act_options *opts)
{
	static const struct journal_retry once = { 1, 0, 0 };
	struct github *gh = NULL;
	char *login = NULL;
	struct strbuf name = STRBUF_INIT;
	struct json *it;
	size_t pending = 0;
	struct json *result = NULL;

	for (it = (struct json *)json_first(pull_requests); it; it = (struct json *)json_next(it)) {
		struct merged_item m = { 0 };
		enum finding_kind kind;
		enum metric metric;
		const char *outcome;
		char *why = NULL;

		if (!json_bool_value(json_member(it, "merged")) || json_str_value(json_member(it, "verdict")) ||
		    json_type(json_member(it, "merged_at")) != JSON_NUMBER ||
		    json_num_value(json_member(it, "merged_at")) <= (double)(opts->now - PULL_REQUEST_VERIFY_HORIZON_MS))
			continue;
		m.svc = service_of_fingerprint(&observed->obs, json_str_value(json_member(it, "fingerprint")), &kind);
		/* Judged only on what was seen: without usable data, the next scan tries again. */
		if (!m.svc || observation_service_unseen(&observed->obs, m.svc) ||
		    (json_type(json_get(it, "figure.metric")) == JSON_STRING &&
		     metric_from_name(&metric, json_str_value(json_get(it, "figure.metric"))) == 0 &&
		     !observation_service_has(&observed->obs, m.svc, metric))) {
			add_followup(work, it, m.svc ? m.svc->name : NULL, "no data",
				     m.svc ? "no usable data for the service in this window: judged on a later scan" :
					     "its service is not among those this scan observed");
			pending++;
			continue;
		}
		m.cfg = cfg;
		m.opts = opts;
		m.observed = observed;
		m.found = found;
		m.pr = it;
		if (merged_precheck(&m, &why)) {
			add_followup(work, it, m.svc->name, "awaiting deployment", why);
			free(why);
			pending++;
			continue;
		}
		if (!gh && github_open(&gh, &login) < 0) {
			log_warning("merged pull requests not judged: %s", bot_error_last());
			add_followup(work, it, m.svc->name, "failed", bot_error_last());
			work->failed = 1;
			break;
		}
		m.gh = gh;
		m.login = login;
		strbuf_reset(&name);
		strbuf_addf(&name, "verify-merged:%.0f", json_num_value(json_member(it, "number")));
		if (journal_step(&result, run, name.buf, &once, verify_merged_step, &m) < 0) {
			log_warning("pull request #%.0f not judged: %s", json_num_value(json_member(it, "number")),
				    bot_error_last());
			add_followup(work, it, m.svc->name, "failed", bot_error_last());
			work->failed = 1;
			pending++;
			continue;
		}
		outcome = json_str_value(json_member(result, "outcome"));
		add_followup(work, it, m.svc->name, outcome, json_str_value(json_member(result, "why")));
		/* What the listing would say now: the decisions below see the verdict. */
		if (!strcmp(outcome, "recovered"))
			json_set_str(it, "verdict", PULL_REQUEST_RECOVERED);
		else if (!strcmp(outcome, "did not help"))
			json_set_str(it, "verdict", PULL_REQUEST_NOT_RECOVERED);
		else
			pending++;
		json_free(result);
		result = NULL;
	}
	/* Recorded only when there is something to follow: a scan with none has one step less. */
	if (pending && journal_step(&result, run, MERGED_PENDING_STEP, &once, merged_pending_step, &pending) < 0)
		log_warning("%s", bot_error_last());
	json_free(result);
	strbuf_release(&name);
	free(login);
	github_free(gh);
}

/* fix_request.push_token: the installation token, renewed when little of its hour is left. */
static int push_token(void *arg, char **out)
{
	struct deliver_run *d = arg;
	const char *token;
	int err = github_token(d->gh, &token);

	if (err < 0)
		return err;
	*out = xstrdup(token);
	return 0;
}

static int fix_step(struct json **out, void *data)
{
	const struct deliver_item *it = data;
	struct deliver_run *d = it->d;
	struct fix_request req = { 0 };
	struct strbuf branch = STRBUF_INIT, title = STRBUF_INIT, message = STRBUF_INIT;
	const char *token = NULL;
	char *token_copy = NULL;
	int err;

	if (!d->agent && (err = agent_open(&d->agent, &d->cfg->agent, d->http)) < 0)
		return err;
	/* An installation token lasts an hour; the one for this fix is asked for now. */
	if ((err = github_token(d->gh, &token)) < 0)
		return err;
	token_copy = xstrdup(token);
	if ((err = workspace_branch_name(&branch, d->cfg->pull_requests.branch_prefix, it->w->service,
					 it->w->kind, it->w->fingerprint)) < 0)
		goto out;
	strbuf_addf(&title, "autofix: %s %s %.8s", it->w->service, it->w->kind, it->w->fingerprint);
	strbuf_addf(&message, "autofix: %s in %s\n\n%s\n\nFinding %s, planned and made by autofix %s.\n",
		    it->w->kind, it->w->service, json_str_value(json_get(it->w->plan, "summary")),
		    it->w->fingerprint, AUTOFIX_VERSION);
	req.cfg = d->cfg;
	req.agent = d->agent;
	req.clone_url = json_str_value(json_member(d->repo, "clone_url"));
	req.default_branch = json_str_value(json_member(d->repo, "default_branch"));
	req.token = token_copy;
	req.local_checkout = env_get("GITHUB_WORKSPACE");
	req.branch = branch.buf;
	req.prompt = it->w->agent_prompt;
	req.title = title.buf;
	req.author_name = d->author_name;
	req.author_email = d->author_email;
	req.commit_message = message.buf;
	req.parent_dir = env_get("RUNNER_TEMP");
	req.push_token = push_token;
	req.push_token_arg = d;
	err = fix_run(out, &req);
out:
	if (token_copy)
		explicit_bzero(token_copy, strlen(token_copy));
	free(token_copy);
	strbuf_release(&branch);
	strbuf_release(&title);
	strbuf_release(&message);
	return err;
}

static struct json *json_dup_or_null(const struct json *j)
{
	return j ? json_dup(j) : json_new_null();
}

/* What f was judged by, for the PR body's figure marker (pull_request_deliver). */
static struct json *finding_figure(const struct finding *f)
{
	struct json *o = json_new_object();

	json_set_str(o, "metric", metric_name(f->evidence_metric));
	json_set_str(o, "evidence_unit", figure_unit_name(f->evidence_unit));
	json_set(o, "level", isfinite(f->evidence_level) ? json_new_num(f->evidence_level) : json_new_null());
	json_set_str(o, "unit", figure_unit_name(f->unit));
	json_set(o, "observed", isfinite(f->observed) ? json_new_num(f->observed) : json_new_null());
	json_set(o, "threshold", isfinite(f->threshold) ? json_new_num(f->threshold) : json_new_null());
	return o;
}

/* What the pull request's (or the plan issue's) templates are given. */
static struct json *delivery_data(const struct deliver_item *it)
{
	const struct finding_work *w = it->w;
	struct json *data = json_new_object();
	const struct json *earlier = json_member(it->decision, "earlier");
	struct strbuf chart = STRBUF_INIT;

	scan_report_chart(&chart, it->finding);
	json_set_str(data, "fingerprint", w->fingerprint);
	json_set_str(data, "service", w->service);
	json_set_str(data, "kind", w->kind);
	json_set(data, "finding", finding_to_json(it->finding));
	json_set_str(data, "chart", chart.buf);
	json_set(data, "context", w->context ? json_dup(w->context) : json_new_null());
	json_set(data, "plan", w->plan ? json_dup(w->plan) : json_new_null());
	json_set(data, "fix", w->fix ? json_dup(w->fix) : json_new_null());
	json_set_opt_str(data, "base_branch", json_str_value(json_member(it->d->repo, "default_branch")));
	json_set_opt_str(data, "run_url", it->d->run_url);
	json_set_str(data, "version", AUTOFIX_VERSION);
	json_set(data, "earlier", earlier ? json_dup(earlier) : json_new_null());
	json_set(data, "earlier_verdict", json_dup_or_null(json_member(it->decision, "earlier_verdict")));
	json_set_bool(data, "regression", json_bool_value(json_member(it->decision, "regression")));
	json_set(data, "figure", finding_figure(it->finding));
	strbuf_release(&chart);
	return data;
}

static int deliver_step(struct json **out, void *data)
{
	const struct deliver_item *it = data;
	struct json *d = delivery_data(it);
	int err = pull_request_deliver(out, it->d->gh, it->d->login, &it->d->cfg->pull_requests, d,
				       it->d->opts->repo_root);

	json_free(d);
	return err;
}

/* Bound on the earlier fix's diff in the agent's task. */
#define EARLIER_DIFF_MAX (24 * 1024)

/*
 * Step "earlier-fix:FINGERPRINT": the merged fix the decision names, for
 * the agent's task: {number, merged_at, regression, diff (redacted,
 * bounded, in an untrusted block: util/fence.h)}.
 */
static int earlier_fix_step(struct json **out, void *data)
{
	const struct deliver_item *it = data;
	int64_t number = (int64_t)json_num_value(json_member(it->decision, "earlier"));
	const struct json *pr;
	struct strbuf diff = STRBUF_INIT, block = STRBUF_INIT, at = STRBUF_INIT;
	struct fence fence;
	int err;

	if ((err = merged_pull_diff(&diff, it->d->gh, number, EARLIER_DIFF_MAX)) < 0)
		goto out;
	for (pr = json_first(it->listing); pr; pr = json_next(pr))
		if (json_num_value(json_member(pr, "number")) == (double)number)
			break;
	if (pr && json_type(json_member(pr, "merged_at")) == JSON_NUMBER)
		time_format_iso8601(&at, (int64_t)json_num_value(json_member(pr, "merged_at")));
	/* A diff is text people wrote: data in the task, in a block nothing inside can close. */
	fence_init(&fence);
	fence_add(&block, &fence, "earlier-diff", diff.buf, diff.len);
	*out = json_new_object();
	json_set_num(*out, "number", (double)number);
	json_set_str(*out, "merged_at", at.len ? at.buf : "earlier");
	json_set_bool(*out, "regression", json_bool_value(json_member(it->decision, "regression")));
	json_set_str(*out, "diff", block.buf);
out:
	strbuf_release(&diff);
	strbuf_release(&block);
	strbuf_release(&at);
	return err;
}

/* Step "regression:FINGERPRINT": the comment on the merged PR whose problem came back, linking the new one. */
static int regression_step(struct json **out, void *data)
{
	const struct deliver_item *it = data;
	const struct finding *f = it->finding;
	struct json *d = json_new_object();
	struct strbuf sb = STRBUF_INIT;
	int err;

	json_set(d, "number", json_dup(json_member(it->decision, "earlier")));
	json_set_str(d, "fingerprint", it->w->fingerprint);
	json_set_str(d, "service", it->w->service);
	json_set_str(d, "kind", it->w->kind);
	time_format_iso8601(&sb, f->onset);
	json_set_str(d, "onset", sb.buf);
	strbuf_reset(&sb);
	/* An onset at the first sample says only that it was there already: the text does not claim a time. */
	json_set_bool(d, "onset_at_start", f->evidence.nr && f->onset <= f->evidence.items[0].t);
	if (f->deployment) {
		struct json *o = json_new_object();
		json_set_str(o, "id", f->deployment);
		time_format_iso8601(&sb, f->deployment_at);
		json_set_str(o, "at", sb.buf);
		json_set(d, "deployment", o);
	}
	json_set(d, "new_number", json_dup(json_member(it->delivered, "number")));
	json_set(d, "new_url", json_dup_or_null(json_member(it->delivered, "url")));
	err = merged_note_regression(out, it->d->gh, it->d->login, d, it->d->opts->repo_root);
	json_free(d);
	strbuf_release(&sb);
	return err;
}

static int plan_issue_step(struct json **out, void *data)
{
	const struct deliver_item *it = data;
	struct json *d = delivery_data(it);
	int err = plan_issue_deliver(out, it->d->gh, it->d->login, &it->d->cfg->pull_requests, d,
				     it->d->opts->repo_root);

	json_free(d);
	return err;
}

static int silenced_step(struct json **out, void *data)
{
	const struct deliver_item *it = data;

	return pull_request_note_silenced(out, it->d->gh, it->d->login,
					  (int64_t)json_num_value(json_member(it->decision, "number")),
					  it->w->fingerprint,
					  (int64_t)json_num_value(json_member(it->decision, "until")),
					  it->d->opts->repo_root);
}

/*
 * Opens GitHub for the run: the client, autofix's login, the repository
 * (clone URL, default branch) and the commits' identity. Returns 0, or
 * a negative code with the message recorded.
 */
static int deliver_run_open(struct deliver_run *d)
{
	/* The workflow run's page is in the workflow's repository, not the one scanned (AUTOFIX_REPOSITORY). */
	const char *server = env_get("GITHUB_SERVER_URL"), *repo = env_get("GITHUB_REPOSITORY"),
		   *run_id = env_get("GITHUB_RUN_ID");
	int err;

	if ((err = github_open(&d->gh, &d->login)) < 0 || (err = github_repo_get(d->gh, &d->repo)) < 0)
		return err;
	if (!json_str_value(json_member(d->repo, "clone_url")) ||
	    !json_str_value(json_member(d->repo, "default_branch")))
		return bot_error(BOT_EINVALID, "GitHub's repository has no clone_url or default_branch");
	if (d->cfg->pull_requests.author_name) {
		d->author_name = xstrdup(d->cfg->pull_requests.author_name);
		d->author_email = xstrdup(d->cfg->pull_requests.author_email);
	} else if ((err = github_identity(d->gh, &d->author_name, &d->author_email)) < 0) {
		return err;
	}
	if (server && repo && run_id) {
		struct strbuf url = STRBUF_INIT;
		strbuf_addf(&url, "%s/%s/actions/runs/%s", server, repo, run_id);
		d->run_url = strbuf_detach(&url, NULL);
	}
	d->http = http_client_new(NULL);
	return 0;
}

static void deliver_run_close(struct deliver_run *d)
{
	agent_free(d->agent);
	http_client_free(d->http);
	json_free(d->repo);
	github_free(d->gh);
	free(d->login);
	free(d->author_name);
	free(d->author_email);
	free(d->run_url);
}

/* "opened #12 https://...", from a delivery step's result. */
static char *delivered_text(const char *what, const struct json *result)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s %s #%lld", what, json_str_value(json_member(result, "action")),
		    (long long)json_num_value(json_member(result, "number")));
	if (json_bool_value(json_member(result, "draft")))
		strbuf_addstr(&sb, " (draft)");
	if (json_str_value(json_member(result, "url")))
		strbuf_addf(&sb, " %s", json_str_value(json_member(result, "url")));
	return strbuf_detach(&sb, NULL);
}

/* Runs step name for item; on failure sets the item's delivery to "PREFIX: message" and work->failed. */
static int deliver_item_step(struct json **out, struct scan_work *work, struct finding_work *w,
			     struct journal_run *run, const char *name, journal_step_fn fn,
			     struct deliver_item *it, const char *prefix)
{
	static const struct journal_retry once = { 1, 0, 0 };
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s:%s", name, w->fingerprint);
	if (journal_step(out, run, sb.buf, &once, fn, it) == 0) {
		strbuf_release(&sb);
		return 0;
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s: %s", prefix, bot_error_last());
	log_warning("%s %s: %s", w->service, w->kind, sb.buf);
	free(w->delivery);
	w->delivery = strbuf_detach(&sb, NULL);
	work->failed = 1;
	return -1;
}

/* One finding with a plan: decided by the listing (caps), then fixed and delivered. */
static void fix_and_deliver_one(struct scan_work *work, struct finding_work *w, struct deliver_item *it,
				struct journal_run *run, int *opened)
{
	struct json *result = NULL;
	const char *outcome;

	if (strcmp(json_str_value(json_member(it->decision, "decision")), "fix")) {
		w->delivery = xstrdup(json_str_value(json_member(it->decision, "why")));
		return;
	}
	/* A fix merged before and judged: the agent is given its diff. */
	if (json_type(json_member(it->decision, "earlier")) == JSON_NUMBER &&
	    json_str_value(json_member(it->decision, "earlier_verdict"))) {
		struct strbuf name = STRBUF_INIT;
		int stored;
		strbuf_addf(&name, "fix:%s", w->fingerprint);
		stored = journal_step_stored(run, name.buf);
		strbuf_release(&name);
		if (!stored) {
			struct json *earlier = NULL;
			if (deliver_item_step(&earlier, work, w, run, "earlier-fix", earlier_fix_step, it,
					      "the earlier fix's diff could not be read") < 0)
				return;
			free(w->agent_prompt);
			w->agent_prompt = render_agent_prompt(w, it->d->opts, it->finding, it->d->cfg->verify.command,
							      earlier);
			json_free(earlier);
		}
	}
	if (deliver_item_step(&w->fix, work, w, run, "fix", fix_step, it, "the fix failed") < 0)
		return;
	outcome = json_str_value(json_member(w->fix, "outcome"));
	if (strcmp(outcome, "changed")) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "no pull request: %s", outcome);
		if (json_str_value(json_member(w->fix, "why")))
			strbuf_addf(&sb, " (%s)", json_str_value(json_member(w->fix, "why")));
		w->delivery = strbuf_detach(&sb, NULL);
		return;
	}
	if (deliver_item_step(&result, work, w, run, "deliver", deliver_step, it,
			      "the pull request was not opened") < 0)
		return;
	if (!strcmp(json_str_value(json_member(result, "action")), "opened"))
		(*opened)++;
	w->delivery = delivered_text("pull request", result);
	/* A regression: said once on the merged PR, linking the new one. */
	if (json_bool_value(json_member(it->decision, "regression"))) {
		struct json *said = NULL;
		it->delivered = result;
		if (deliver_item_step(&said, work, w, run, "regression", regression_step, it,
				      "the regression was not said on the merged pull request") == 0) {
			struct strbuf sb = STRBUF_INIT;
			const struct json *pr;
			strbuf_addf(&sb, "%s (a regression of #%.0f, said there)", w->delivery,
				    json_num_value(json_member(it->decision, "earlier")));
			free(w->delivery);
			w->delivery = strbuf_detach(&sb, NULL);
			for (pr = json_first(it->listing); pr; pr = json_next(pr))
				if (json_num_value(json_member(pr, "number")) ==
				    json_num_value(json_member(it->decision, "earlier")))
					break;
			if (pr) {
				strbuf_addf(&sb, "its problem came back; #%.0f opened for it",
					    json_num_value(json_member(result, "number")));
				add_followup(work, pr, w->service, "regressed", sb.buf);
				strbuf_release(&sb);
			}
		}
		it->delivered = NULL;
		json_free(said);
	}
	json_free(w->pull_request);
	w->pull_request = result;
}

/* Sets the delivery of every item still to be acted on (a plan, or silenced) to a copy of text. */
static void deliver_nothing(struct scan_work *work, const char *text)
{
	size_t i;

	for (i = 0; i < work->nr; i++)
		if (!strcmp(work->items[i].outcome, "plan") || !strcmp(work->items[i].outcome, "silenced"))
			work->items[i].delivery = xstrdup(text);
}

/*
 * For a finding left to its open PR: when that PR is a regression PR
 * (label autofix:regression) and the journal holds no "regression:FP"
 * step from the last PULL_REQUEST_VERIFY_HORIZON_MS (the run that opened
 * it died before its comment and was not run again, or the journal was
 * lost), returns the merged PR whose problem came back, and *open the
 * open one: the comment is said now (found by its marker first). 0
 * otherwise: nothing to say, no request.
 */
static int64_t regression_unsaid(const struct json **open, const struct finding_work *w,
				 const struct json *listing, struct journal_run *run)
{
	const struct json *it, *merged = NULL;
	struct strbuf name = STRBUF_INIT;
	double said = 0;

	*open = NULL;
	for (it = json_first(listing); it; it = json_next(it)) {
		if (strcmp(json_str_value(json_member(it, "fingerprint")), w->fingerprint))
			continue;
		if (!*open && !strcmp(json_str_value(json_member(it, "state")), "open"))
			*open = it;
	}
	if (!*open || !json_bool_value(json_member(*open, "regression")))
		return 0;
	/* The listing is newest first: the first merged and recovered PR older than the open one. */
	for (it = json_first(listing); it && !merged; it = json_next(it))
		if (!strcmp(json_str_value(json_member(it, "fingerprint")), w->fingerprint) &&
		    json_num_value(json_member(it, "number")) < json_num_value(json_member(*open, "number")) &&
		    json_bool_value(json_member(it, "merged")) && json_str_value(json_member(it, "verdict")) &&
		    !strcmp(json_str_value(json_member(it, "verdict")), PULL_REQUEST_RECOVERED))
			merged = it;
	if (!merged)
		return 0;
	strbuf_addf(&name, "regression:%s", w->fingerprint);
	/* A journal that cannot say is taken to have it: no request on a guess. */
	if (journal_sum_results(&said, journal_run_get_journal(run), "scan", name.buf, "number",
				time_wall_ms() - PULL_REQUEST_VERIFY_HORIZON_MS) < 0)
		said = 1;
	strbuf_release(&name);
	return said > 0 ? 0 : (int64_t)json_num_value(json_member(merged, "number"));
}

/* Says the regression on the merged PR number for w, whose open regression PR is open. */
static void regression_say_late(struct scan_work *work, struct finding_work *w, struct deliver_item *it,
				struct journal_run *run, int64_t number, const struct json *open)
{
	struct json *decision = json_new_object(), *result = NULL;
	const struct json *pr;

	json_set_num(decision, "earlier", (double)number);
	json_set_bool(decision, "regression", 1);
	it->decision = decision;
	it->delivered = open;
	if (deliver_item_step(&result, work, w, run, "regression", regression_step, it,
			      "the regression was not said on the merged pull request") == 0) {
		struct strbuf sb = STRBUF_INIT;
		for (pr = json_first(it->listing); pr; pr = json_next(pr))
			if (json_num_value(json_member(pr, "number")) == (double)number)
				break;
		strbuf_addf(&sb, "its problem came back; #%.0f is open for it", json_num_value(json_member(open, "number")));
		if (pr)
			add_followup(work, pr, w->service, "regressed", sb.buf);
		strbuf_release(&sb);
	}
	it->decision = NULL;
	it->delivered = NULL;
	json_free(result);
	json_free(decision);
}

void pipeline_fix_and_deliver(struct scan_work *work, const struct findings *found,
			      struct journal_run *run, const struct config *cfg,
			      const struct act_options *opts, int plan_only)
{
	struct deliver_run d = { cfg, opts, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	const struct json **open = xcalloc(work->nr + 1, sizeof(*open));
	int64_t *unsaid = xcalloc(work->nr + 1, sizeof(*unsaid));
	int opened = 0;
	size_t i, todo = 0;

	for (i = 0; i < work->nr; i++) {
		todo += !strcmp(work->items[i].outcome, "plan") || !strcmp(work->items[i].outcome, "silenced");
		if (!plan_only && opts->pull_requests && !strcmp(work->items[i].outcome, "awaiting review") &&
		    (unsaid[i] = regression_unsaid(&open[i], &work->items[i], opts->pull_requests, run)))
			todo++;
	}
	if (!todo)
		goto out;
	if (plan_only) {
		deliver_nothing(work, cfg->agent.kind == AGENT_NONE ?
				"would open (or update) an issue with the plan; --plan-only changes nothing on GitHub" :
				"would run the agent and open a pull request; --plan-only changes nothing on GitHub");
		goto out;
	}
	if (cfg->agent.kind != AGENT_NONE && !opts->pull_requests && opts->pull_requests_error) {
		/* No decision on a partial listing: nothing is fixed, a re-run decides. */
		strbuf_addf(&sb, "no decision: %s", opts->pull_requests_error);
		deliver_nothing(work, sb.buf);
		work->failed = 1;
		goto out;
	}
	if (deliver_run_open(&d) < 0) {
		strbuf_addf(&sb, "not delivered: %s", bot_error_last());
		log_warning("the plans were not delivered: %s", bot_error_last());
		deliver_nothing(work, sb.buf);
		/* Without credentials there is nothing to repeat; with them, GitHub failed: a re-run tries again. */
		if (d.gh)
			work->failed = 1;
		goto out;
	}
	for (i = 0; i < work->nr; i++) {
		struct finding_work *w = &work->items[i];
		struct deliver_item it = { &d, w, finding_of(found, w->fingerprint), NULL, opts->pull_requests, NULL };
		struct json *decision, *result = NULL;

		if (!it.finding)
			continue;
		if (unsaid[i]) {
			regression_say_late(work, w, &it, run, unsaid[i], open[i]);
			continue;
		}
		if (!strcmp(w->outcome, "plan") && cfg->agent.kind == AGENT_NONE) {
			if (deliver_item_step(&result, work, w, run, "plan-issue", plan_issue_step, &it,
					      "the issue with the plan was not opened") == 0)
				w->delivery = delivered_text("issue", result);
			json_free(result);
			continue;
		}
		if ((strcmp(w->outcome, "plan") && strcmp(w->outcome, "silenced")) || !opts->pull_requests)
			continue;
		decision = pull_request_decide(opts->pull_requests, w->fingerprint, &cfg->pull_requests,
					       opened, opts->now);
		it.decision = decision;
		if (!strcmp(w->outcome, "silenced")) {
			/* Said once, on the PR that was closed. */
			if (deliver_item_step(&result, work, w, run, "silenced", silenced_step, &it,
					      "cannot say so on the closed pull request") == 0)
				w->delivery = xstrdup(json_bool_value(json_member(result, "commented")) ?
						      "said so on the closed pull request" :
						      "said so before on the closed pull request");
			json_free(result);
		} else {
			fix_and_deliver_one(work, w, &it, run, &opened);
		}
		json_free(decision);
	}
out:
	free(open);
	free(unsaid);
	strbuf_release(&sb);
	deliver_run_close(&d);
}

int pipeline_scan_fingerprint(char out[65], const struct config *cfg)
{
	struct json *canonical = config_to_json(cfg);
	char *text = json_print(canonical, 0);
	struct strbuf sb = STRBUF_INIT;
	int rc;

	/* Labelled lines, so that no value can pass for another; v1 names this layout. */
	strbuf_addf(&sb, "autofix scan inputs v1\nconfig %s\njob %s\nmatrix %s\n", text,
		    env_get("GITHUB_JOB") ? env_get("GITHUB_JOB") : "",
		    env_get("AUTOFIX_MATRIX") ? env_get("AUTOFIX_MATRIX") : "");
	rc = sha256_hex(out, sb.buf, sb.len);
	strbuf_release(&sb);
	free(text);
	json_free(canonical);
	return rc;
}
