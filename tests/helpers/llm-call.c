/*
 * llm-call PROVIDER BASE_URL MODEL SCHEMA_FILE [TIMEOUT_MS [PROMPT]]: one
 * llm_complete() call with the key in $FAKE_LLM_KEY; prints
 * {"object", "usage", "calls", "fell_back"} and exits 0, or prints
 * {"error", "code", "calls", "usage"} and exits 1. Driven by
 * tests/plan/llm.test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "plan/llm.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"

int main(int argc, char **argv)
{
	struct llm_config cfg = { 0 };
	struct http_options opts = HTTP_OPTIONS_INIT;
	struct http_client *http;
	struct llm *llm = NULL;
	struct llm_request req = { 0 };
	struct llm_reply reply;
	struct strbuf text = STRBUF_INIT;
	struct json *schema = NULL, *out = json_new_object(), *usage = json_new_object();
	char *printed;
	int err;

	if (argc < 5) {
		fprintf(stderr, "usage: llm-call PROVIDER BASE_URL MODEL SCHEMA_FILE [TIMEOUT_MS [PROMPT]]\n");
		return 2;
	}
	cfg.provider = !strcmp(argv[1], "anthropic") ? LLM_ANTHROPIC : LLM_OPENAI;
	cfg.base_url = argv[2];
	cfg.model = argv[3];
	cfg.api_key_env = "FAKE_LLM_KEY";
	cfg.max_tokens = 2048;
	cfg.timeout_ms = argc > 5 ? strtol(argv[5], NULL, 10) : 0;
	if (strbuf_read_file(&text, argv[4], 1 << 20) < 0 || json_parse(&schema, text.buf, text.len) < 0) {
		fprintf(stderr, "llm-call: %s\n", bot_error_last());
		return 2;
	}
	opts.backoff_base_ms = 50;
	http = http_client_new(&opts);
	llm_reply_init(&reply);
	req.system = "You plan fixes for production incidents.";
	req.user = argc > 6 ? argv[6] : "the finding";
	req.schema_name = "plan";
	req.schema = schema;
	if ((err = llm_open(&llm, &cfg, http)) == 0)
		err = llm_complete(llm, &req, &reply);
	json_set_num(usage, "input_tokens", (double)reply.usage.input_tokens);
	json_set_num(usage, "output_tokens", (double)reply.usage.output_tokens);
	json_set(out, "usage", usage);
	json_set_num(out, "calls", reply.calls);
	if (err) {
		json_set_str(out, "error", bot_error_last());
		json_set_num(out, "code", err);
	} else {
		json_set(out, "object", json_dup(reply.object));
		json_set_bool(out, "fell_back", reply.fell_back);
	}
	printed = json_print(out, 0);
	printf("%s\n", printed);
	free(printed);
	json_free(out);
	json_free(schema);
	llm_reply_release(&reply);
	llm_free(llm);
	http_client_free(http);
	strbuf_release(&text);
	return err ? 1 : 0;
}
