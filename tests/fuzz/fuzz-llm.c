/*
 * An LLM's reply, in both wire formats (OpenAI chat completions,
 * Anthropic messages), then the plan it holds checked against the plan's
 * schema: what plan_make() does with a 200 answer.
 */
#include "fuzz.h"
#include "plan/llm_internal.h"
#include "plan/plan.h"
#include "util/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct llm_wire *const wires[] = { &llm_openai_wire, &llm_anthropic_wire };
	char *text = fuzz_text(data, size);
	struct json *root = NULL;
	size_t i;

	/* The plan itself, as an LLM could write any JSON at all. */
	if (json_parse(&root, text, size) == 0)
		plan_check(root);
	json_free(root);
	for (i = 0; i < 2; i++) {
		struct llm_usage usage = { 0 };
		struct json *obj = NULL;
		if (wires[i]->read(text, size, &obj, &usage) == 0)
			plan_check(obj);
		json_free(obj);
	}
	free(text);
	return 0;
}
