/*
 * OpenAI-compatible Chat Completions: POST {base_url}/chat/completions
 * (base_url ends in /v1), Authorization: Bearer. The object is asked for
 * with response_format {type: json_schema, json_schema: {name, strict,
 * schema}}; a server that refuses it gets {type: json_object} with the
 * schema in the system message (llm.c decides). The reply's
 * choices[0].message.content is the object as a JSON string; a refusal
 * comes in message.refusal.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan/llm_internal.h"
#include "util/error.h"
#include "util/json.h"
#include "util/banned.h"

static struct json *message(const char *role, const char *content)
{
	struct json *m = json_new_object();

	json_set_str(m, "role", role);
	json_set_str(m, "content", content);
	return m;
}

static void build(const struct llm *llm, const struct llm_request *lreq, const char *problem,
		  struct http_request *req)
{
	struct json *body = json_new_object(), *msgs = json_new_array(), *fmt = json_new_object();
	struct strbuf system = STRBUF_INIT, user = STRBUF_INIT;
	char *text;

	json_set_str(body, "model", llm->model);
	if (llm->json_object)
		llm_schema_in_prompt(&system, lreq);
	else
		strbuf_addstr(&system, lreq->system ? lreq->system : "");
	if (system.len)
		json_append(msgs, message("system", system.buf));
	strbuf_addstr(&user, lreq->user);
	if (problem)
		strbuf_addf(&user, "\n\nYour previous reply was rejected: %s\nReply again with one object "
			    "that follows the schema exactly.", problem);
	json_append(msgs, message("user", user.buf));
	json_set(body, "messages", msgs);
	if (llm->json_object) {
		json_set_str(fmt, "type", "json_object");
	} else {
		struct json *js = json_new_object();
		json_set_str(js, "name", lreq->schema_name);
		json_set_bool(js, "strict", 1);
		json_set(js, "schema", json_dup(lreq->schema));
		json_set_str(fmt, "type", "json_schema");
		json_set(fmt, "json_schema", js);
	}
	json_set(body, "response_format", fmt);
	/* max_tokens is deprecated by OpenAI and refused by its reasoning models. */
	json_set_num(body, "max_completion_tokens", lreq->max_tokens > 0 ? lreq->max_tokens : llm->max_tokens);
	json_set_bool(body, "stream", 0);

	text = json_print(body, 0);
	strbuf_addstr(&req->body, text);
	free(text);
	json_free(body);
	http_request_header(req, "Authorization", "Bearer %s", llm->api_key);
	http_request_header(req, "Content-Type", "application/json");
	strbuf_release(&system);
	strbuf_release(&user);
}

static int read_reply(const char *body, size_t len, struct json **out, struct llm_usage *usage)
{
	struct json *root = NULL, *obj = NULL;
	const char *content = NULL, *refusal = NULL, *finish = NULL;
	int err;

	*out = NULL;
	if ((err = json_parse(&root, body, len)) < 0)
		return bot_error(BOT_EINVALID, "the answer is not JSON: %s", bot_error_last());
	llm_usage_add(&usage->input_tokens, root, "usage.prompt_tokens");
	llm_usage_add(&usage->output_tokens, root, "usage.completion_tokens");
	if ((err = json_get_opt_str(&refusal, root, "choices[0].message.refusal")) < 0 ||
	    (err = json_get_opt_str(&content, root, "choices[0].message.content")) < 0 ||
	    (err = json_get_opt_str(&finish, root, "choices[0].finish_reason")) < 0)
		goto done;
	if (refusal) {
		err = bot_error(BOT_ERROR, "the model refused: %s", refusal);
		goto done;
	}
	if (finish && !strcmp(finish, "content_filter")) {
		err = bot_error(BOT_ERROR, "the model refused: the reply was stopped by a content filter");
		goto done;
	}
	if (finish && !strcmp(finish, "length")) {
		err = bot_error(BOT_EINVALID, "the reply was cut off at the token limit (raise llm.max_tokens)");
		goto done;
	}
	if (!content) {
		err = bot_error(BOT_EINVALID, "the reply has no content");
		goto done;
	}
	if (json_parse(&obj, content, strlen(content)) < 0) {
		err = bot_error(BOT_EINVALID, "the reply is not a JSON object: %s", bot_error_last());
		goto done;
	}
	if (json_type(obj) != JSON_OBJECT) {
		err = bot_error(BOT_EINVALID, "the reply is JSON but not an object (%s)", json_type_name(obj));
		json_free(obj);
		goto done;
	}
	*out = obj;
done:
	json_free(root);
	return err;
}

/* "response_format ... json_schema is not supported": the server takes no structured outputs. */
static int schema_refused(const struct http_response *resp)
{
	struct json *root = NULL;
	const char *msg;
	int refused = 0;

	if (json_parse(&root, resp->body.buf, resp->body.len) < 0)
		return 0;
	msg = llm_error_message(root);
	refused = msg && (strcasestr(msg, "json_schema") || strcasestr(msg, "response_format"));
	json_free(root);
	return refused;
}

const struct llm_wire llm_openai_wire = {
	.name = "openai",
	.build = build,
	.path = "/chat/completions",
	.read = read_reply,
	.schema_refused = schema_refused,
};
