/*
 * Anthropic Messages: POST {base_url}/v1/messages with x-api-key and a
 * pinned anthropic-version. The object is asked for as the input of one
 * tool whose input_schema is the schema, forced with tool_choice {type:
 * tool, name}; the reply's content holds a tool_use block whose input is
 * the object (an object, not a string). stop_reason "refusal" is a
 * refusal, "max_tokens" a reply cut off.
 *
 * The version is pinned to 2023-06-01, which every Anthropic-compatible
 * proxy knows; no sampling parameter (temperature, top_p, top_k) is sent,
 * so the request means the same under the 2026-10-21 version, which
 * refuses them.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/llm_internal.h"
#include "util/error.h"
#include "util/json.h"
#include "util/banned.h"

#define ANTHROPIC_VERSION "2023-06-01"

static void build(const struct llm *llm, const struct llm_request *lreq, const char *problem,
		  struct http_request *req)
{
	struct json *body = json_new_object(), *msgs = json_new_array(), *msg = json_new_object();
	struct json *tools = json_new_array(), *tool = json_new_object(), *choice = json_new_object();
	struct strbuf user = STRBUF_INIT, desc = STRBUF_INIT;
	char *text;

	json_set_str(body, "model", llm->model);
	json_set_num(body, "max_tokens", lreq->max_tokens > 0 ? lreq->max_tokens : llm->max_tokens);
	if (lreq->system && *lreq->system)
		json_set_str(body, "system", lreq->system);
	strbuf_addstr(&user, lreq->user);
	if (problem)
		strbuf_addf(&user, "\n\nYour previous reply was rejected: %s\nCall the tool again with input "
			    "that follows its schema exactly.", problem);
	json_set_str(msg, "role", "user");
	json_set_str(msg, "content", user.buf);
	json_append(msgs, msg);
	json_set(body, "messages", msgs);

	strbuf_addf(&desc, "Record the %s. Call this tool exactly once with the complete object.",
		    lreq->schema_name);
	json_set_str(tool, "name", lreq->schema_name);
	json_set_str(tool, "description", desc.buf);
	json_set(tool, "input_schema", json_dup(lreq->schema));
	json_append(tools, tool);
	json_set(body, "tools", tools);
	json_set_str(choice, "type", "tool");
	json_set_str(choice, "name", lreq->schema_name);
	json_set(body, "tool_choice", choice);

	text = json_print(body, 0);
	strbuf_addstr(&req->body, text);
	free(text);
	json_free(body);
	http_request_header(req, "x-api-key", "%s", llm->api_key);
	http_request_header(req, "anthropic-version", ANTHROPIC_VERSION);
	http_request_header(req, "Content-Type", "application/json");
	strbuf_release(&user);
	strbuf_release(&desc);
}

static int read_reply(const char *body, size_t len, struct json **out, struct llm_usage *usage)
{
	struct json *root = NULL;
	const struct json *block, *input = NULL;
	const char *stop = NULL, *text = NULL;
	int err;

	*out = NULL;
	if ((err = json_parse(&root, body, len)) < 0)
		return bot_error(BOT_EINVALID, "the answer is not JSON: %s", bot_error_last());
	llm_usage_add(&usage->input_tokens, root, "usage.input_tokens");
	llm_usage_add(&usage->output_tokens, root, "usage.output_tokens");
	if ((err = json_get_opt_str(&stop, root, "stop_reason")) < 0)
		goto done;
	for (block = json_first(json_get(root, "content")); block; block = json_next(block)) {
		const char *type = json_str_value(json_member(block, "type"));
		if (type && !strcmp(type, "tool_use") && !input)
			input = json_member(block, "input");
		else if (type && !strcmp(type, "text") && !text)
			text = json_str_value(json_member(block, "text"));
	}
	if (stop && !strcmp(stop, "refusal")) {
		err = bot_error(BOT_ERROR, "the model refused%s%s", text ? ": " : "", text ? text : "");
		goto done;
	}
	if (stop && !strcmp(stop, "max_tokens")) {
		err = bot_error(BOT_EINVALID, "the reply was cut off at the token limit (raise llm.max_tokens)");
		goto done;
	}
	if (!input) {
		err = bot_error(BOT_EINVALID, "the reply holds no tool_use block%s%s", text ? "; it says: " : "",
				text ? text : "");
		goto done;
	}
	if (json_type(input) != JSON_OBJECT) {
		err = bot_error(BOT_EINVALID, "the tool's input is not an object (%s)", json_type_name(input));
		goto done;
	}
	*out = json_dup(input);
done:
	json_free(root);
	return err;
}

const struct llm_wire llm_anthropic_wire = {
	.name = "anthropic",
	.build = build,
	.path = "/v1/messages",
	.read = read_reply,
	.schema_refused = NULL,
};
