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
 * Follow-ups (`/autofix` commands in comments, reviews, merges,
 * regressions after a fix) are not part of the scan: they will be the
 * `event` workflow (cmd_event.c), another journaled run with its own
 * order of steps.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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
	const struct observe_result *observed;
	enum stage_failure failure;
	int64_t requests; /* what this process's observe attempts cost */
};

static int observe_step(struct json **out, void *data)
{
	struct scan_context *s = data;
	struct observe_result r;
	int err;

	observe_result_init(&r);
	err = pipeline_observe(&r, &s->failure, s->cfg, s->now);
	s->requests += r.requests;
	if (err >= 0)
		*out = result_json(&r, 1);
	observe_result_release(&r);
	release_freed_memory();
	return err;
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
	err = observe_result_from_json(observed, result);
	json_free(result);
	result = NULL;
	release_freed_memory();
	if (err < 0)
		return bot_error_wrap(err, "the journal's observe result: ");

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

static char *render_agent_prompt(const struct finding_work *w, const struct act_options *opts,
				 const struct finding *f, const char *cfg_verify)
{
	struct template_options topts = TEMPLATE_OPTIONS_INIT;
	struct json *data = json_new_object();
	struct strbuf out = STRBUF_INIT;

	json_set(data, "service", json_dup(json_get(w->context, "service")));
	json_set(data, "finding", finding_to_json(f));
	json_set(data, "plan", json_dup(w->plan));
	json_set_opt_str(data, "verify", cfg_verify);
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
 * Sets w's outcome to "awaiting review" or "silenced" (why saying which
 * PR) and returns 1 when opts->pull_requests leaves w to a pull request.
 */
static int left_to_pull_request(struct finding_work *w, const struct act_options *opts,
				const struct pull_request_config *cfg)
{
	struct json *d = pull_request_decide(opts->pull_requests, w->fingerprint, cfg, 0, opts->now);
	const char *decision = json_str_value(json_member(d, "decision"));
	int left = 0;

	if (!strcmp(decision, "awaiting review") || !strcmp(decision, "silenced")) {
		w->outcome = !strcmp(decision, "silenced") ? "silenced" : "awaiting review";
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
			w->agent_prompt = render_agent_prompt(w, opts, f, cfg->verify.command);
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
	size_t i, upstream = 0;

	for (i = 0; i < work->nr; i++)
		upstream += !strcmp(work->items[i].outcome, "upstream");
	if (plan_only) {
		for (i = 0; i < work->nr; i++)
			if (!strcmp(work->items[i].outcome, "upstream"))
				work->items[i].issue = xstrdup("would open (or update) the issue about this incident; "
							       "--plan-only changes nothing on GitHub");
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
		}
		json_free(result);
		result = NULL;
	}
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

void pipeline_fix_and_deliver(struct scan_work *work, const struct findings *found,
			      struct journal_run *run, const struct config *cfg,
			      const struct act_options *opts, int plan_only)
{
	struct deliver_run d = { cfg, opts, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	int opened = 0;
	size_t i, todo = 0;

	for (i = 0; i < work->nr; i++)
		todo += !strcmp(work->items[i].outcome, "plan") || !strcmp(work->items[i].outcome, "silenced");
	if (!todo)
		return;
	if (plan_only) {
		deliver_nothing(work, cfg->agent.kind == AGENT_NONE ?
				"would open (or update) an issue with the plan; --plan-only changes nothing on GitHub" :
				"would run the agent and open a pull request; --plan-only changes nothing on GitHub");
		return;
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
		struct deliver_item it = { &d, w, finding_of(found, w->fingerprint), NULL };
		struct json *decision, *result = NULL;

		if (!it.finding)
			continue;
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
