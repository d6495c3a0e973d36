/*
 * agent-run URL WORKDIR TIMEOUT_MS [MODEL]: runs the OpenCode agent at URL
 * once on WORKDIR with the prompt read from standard input (password from
 * $OPENCODE_SERVER_PASSWORD when set); prints {"code", "error", "finished",
 * "timed_out", "summary", "session", "log", "wall_ms"} and exits 0 when the
 * agent ran, 1 when it could not. Driven by tests/fix/opencode.test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "fix/agent.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strbuf.h"

int main(int argc, char **argv)
{
	struct agent_config cfg = { 0 };
	struct http_options opts = HTTP_OPTIONS_INIT;
	struct http_client *http;
	struct agent *agent = NULL;
	struct agent_task task = { 0 };
	struct agent_result res;
	struct strbuf prompt = STRBUF_INIT;
	struct json *out = json_new_object();
	char *printed;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: agent-run URL WORKDIR TIMEOUT_MS [MODEL] <prompt\n");
		return 2;
	}
	log_setup();
	cfg.kind = AGENT_OPENCODE;
	cfg.url = argv[1];
	cfg.username = "opencode";
	cfg.password_env = "OPENCODE_SERVER_PASSWORD";
	cfg.model = argc > 4 && *argv[4] ? argv[4] : NULL;
	cfg.timeout_ms = 60000;
	for (;;) {
		char chunk[4096];
		size_t n = fread(chunk, 1, sizeof(chunk), stdin);
		if (!n)
			break;
		strbuf_add(&prompt, chunk, n);
	}
	task.workdir = argv[2];
	task.prompt = prompt.buf;
	task.title = "autofix: api memory_leak 1f2e3d4c";
	task.timeout_ms = strtoll(argv[3], NULL, 10);
	opts.backoff_base_ms = 50;
	http = http_client_new(&opts);
	agent_result_init(&res);
	if ((err = agent_open(&agent, &cfg, http)) == 0)
		err = agent_run(agent, &task, &res);
	json_set_num(out, "code", err);
	if (err)
		json_set_str(out, "error", bot_error_last());
	json_set_bool(out, "finished", res.finished);
	json_set_bool(out, "timed_out", res.timed_out);
	json_set_opt_str(out, "summary", res.summary);
	json_set_opt_str(out, "session", res.session);
	json_set_str(out, "log", res.log.buf);
	json_set_num(out, "wall_ms", (double)res.wall_ms);
	printed = json_print(out, 0);
	printf("%s\n", printed);
	free(printed);
	json_free(out);
	agent_result_release(&res);
	agent_free(agent);
	http_client_free(http);
	strbuf_release(&prompt);
	return err ? 1 : 0;
}
