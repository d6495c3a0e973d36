#ifndef PLAN_PLAN_H
#define PLAN_PLAN_H

#include <stddef.h>

#include "plan/llm.h"
#include "util/fence.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * The plan: an LLM turns a finding and the context gathered for it into
 * a JSON object (data/plan.schema.json): summary, root causes each with
 * the evidence it rests on, affected files, changes in priority order,
 * how to verify, risk, confidence, and whether the cause is fixable in
 * code at all (capacity, upstream and configuration causes are reported,
 * never handed to an agent).
 *
 * The prompt is built from templates (plan-system.md, plan-user.md) and
 * bounded: the context's sections are kept by priority, cut at a line
 * boundary or left out, so that the estimated prompt stays within the
 * budget; every section's text is untrusted and goes in fenced.
 */

/* The plan's JSON Schema, built into the binary; NULL only if it is broken. */
const struct json *plan_schema(void);

/* A piece of context: a title and its text (plain, untrusted, redacted already). */
struct plan_section {
	const char *title;
	const char *text;
};

struct plan_prompt_options {
	const char *repo_root;       /* for template overrides; NULL: built-ins */
	const struct fence *fence;   /* the run's fence */
	size_t max_tokens;           /* estimated prompt tokens; 0: PLAN_DEFAULT_MAX_TOKENS */
};

#define PLAN_DEFAULT_MAX_TOKENS 12000
/* Estimated tokens of a text: one per four bytes, rounded up. */
#define PLAN_TOKENS(bytes) (((bytes) + 3) / 4)

/*
 * Renders the prompt for finding (its JSON form) on service (name, path)
 * with sections[0..n) in priority order (the first is kept longest).
 * sizes, when not NULL, gains {"system_bytes", "user_bytes",
 * "estimated_tokens", "sections": [{"title", "bytes", "kept", "cut",
 * "left_out"}]}. Returns 0, or the template's error; BOT_ETOOBIG when the
 * prompt without any section is already over the budget.
 */
int plan_prompt(struct strbuf *system, struct strbuf *user, const struct json *finding,
		const char *service_name, const char *service_path,
		const struct plan_section *sections, size_t n,
		const struct plan_prompt_options *opts, struct json *sizes);

/*
 * What the schema cannot say: confidence within 0..1, file paths relative
 * and inside the repository (no "..", no leading '/'), a reason when not
 * fixable in code, at least one change when fixable. BOT_EINVALID naming
 * the field.
 */
int plan_check(const struct json *plan);

/*
 * Asks llm for the plan and checks it. *out is the plan (the caller owns
 * it); reply gains usage and calls either way.
 */
int plan_make(struct json **out, struct llm *llm, const char *system, const char *user,
	      struct llm_reply *reply);

#endif
