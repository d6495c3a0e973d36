#ifndef PLAN_LLM_INTERNAL_H
#define PLAN_LLM_INTERNAL_H

/*
 * Between llm.c (what every provider shares: the key, the HTTP call, the
 * check and the one retry) and the wire formats, one file each.
 */
#include "http.h"
#include "plan/llm.h"

struct llm;

struct llm_wire {
	const char *name;
	/*
	 * Fills req (initialised by the caller with POST and the URL) with
	 * the headers and body asking for req's object. problem, when not
	 * NULL, is why the previous reply was refused.
	 */
	void (*build)(const struct llm *llm, const struct llm_request *lreq, const char *problem,
		      struct http_request *req);
	/* The endpoint under the base URL: "/chat/completions", "/v1/messages". */
	const char *path;
	/*
	 * Reads a 200 answer: *out is the reply's object (the caller owns
	 * it), usage gains the call's tokens. BOT_EINVALID with the problem
	 * when the reply is not the object asked for; BOT_ERROR for a
	 * refusal, quoting it.
	 */
	int (*read)(const char *body, size_t len, struct json **out, struct llm_usage *usage);
	/* Whether a 400 answer says the server does not take the structured-output request (OpenAI only). */
	int (*schema_refused)(const struct http_response *resp);
};

struct llm {
	const struct llm_wire *wire;
	struct http_client *http;
	char *base_url;
	char *model;
	char *api_key;
	int max_tokens;
	long timeout_ms;
	int json_object;  /* the server refused json_schema: ask for json_object, schema in the prompt */
};

extern const struct llm_wire llm_openai_wire;
extern const struct llm_wire llm_anthropic_wire;

/* The system text with the schema appended, for servers without structured outputs. */
void llm_schema_in_prompt(struct strbuf *out, const struct llm_request *lreq);

/*
 * Adds the token count at path of root (a reply's usage) to *sum: a count
 * that is not a number, or negative, adds nothing; one past any real
 * reply (10^12) adds 10^12, so a budget still trips on it.
 */
void llm_usage_add(int64_t *sum, const struct json *root, const char *path);

/* The provider's error message in body ({"error": {"message"}} in both formats), or NULL. */
const char *llm_error_message(const struct json *root);

#endif
