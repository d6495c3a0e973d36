#ifndef PLAN_LLM_H
#define PLAN_LLM_H

#include <stdint.h>

#include "util/json.h"

struct http_client;
struct llm_config;

/*
 * One LLM client, two wire formats (llm_openai.c: OpenAI-compatible Chat
 * Completions, which OpenAI, OpenRouter, Ollama, vLLM and LiteLLM speak;
 * llm_anthropic.c: Anthropic Messages). Every call asks for a JSON object
 * held to a schema the provider's own way (OpenAI: response_format
 * json_schema, strict; Anthropic: one tool whose input_schema is the
 * schema, forced by tool_choice), and autofix checks the reply against
 * the same schema regardless (plan/jsonschema.h).
 *
 * Calls go through the HTTP layer (timeouts; 429 and 5xx retried with
 * Retry-After honoured). The API key is read from the environment
 * variable the configuration names and registered as a secret before any
 * request is built.
 *
 * Ownership: llm_open() returns a client the caller frees with
 * llm_free(); a struct llm_reply owns its object, released with
 * llm_reply_release().
 */

struct llm_request {
	const char *system;         /* instructions */
	const char *user;           /* the prompt: context and task */
	const char *schema_name;    /* [A-Za-z0-9_-], the tool or json_schema name */
	const struct json *schema;  /* the reply's JSON Schema (the strict-outputs subset) */
	int max_tokens;             /* 0: the configuration's */
};

struct llm_usage {
	int64_t input_tokens;
	int64_t output_tokens;
};

struct llm_reply {
	struct json *object;        /* the reply, checked against the schema */
	struct llm_usage usage;     /* summed over the attempts of the call */
	int calls;                  /* HTTP calls made (a retry after a malformed reply is a second) */
	int fell_back;              /* 1 when json_schema was refused and json_object used instead */
};

void llm_reply_init(struct llm_reply *r);
void llm_reply_release(struct llm_reply *r);

struct llm;

/*
 * Opens the client cfg describes, using http for its requests (borrowed:
 * it must outlive the client). BOT_EINVALID for provider none or an
 * unusable setting; BOT_EAUTH when the API key variable is unset (the
 * message names it).
 */
int llm_open(struct llm **out, const struct llm_config *cfg, struct http_client *http);
void llm_free(struct llm *llm);

/*
 * Asks for one object. A reply that is not JSON or does not fit the
 * schema is asked for once more with the problem stated. Fails with
 * BOT_EINVALID (malformed twice, or cut off at the token limit),
 * BOT_EAUTH (401, 403), BOT_ERATELIMIT, BOT_ETIMEOUT, BOT_ETRANSIENT
 * (the provider failed), BOT_ERROR (the model refused: the message says
 * so and quotes it). On failure out->usage and out->calls still count
 * what was spent.
 */
int llm_complete(struct llm *llm, const struct llm_request *req, struct llm_reply *out);

/* "openai" or "anthropic". */
const char *llm_provider_name(const struct llm *llm);

#endif
