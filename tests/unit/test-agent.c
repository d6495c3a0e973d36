/*
 * The command agent: the prompt on stdin and in $AUTOFIX_PROMPT_FILE
 * (outside the working tree, removed afterwards), edits in the working
 * tree, the output redacted and its end kept as the summary, a hung
 * agent stopped at its limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "config.h"
#include "fix/agent.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strbuf.h"

static char dir[] = "/tmp/agent-test-XXXXXX";

static int run(const char *command, int64_t timeout_ms, struct agent_result *res)
{
	struct agent_config cfg = { 0 };
	struct agent_task task = { dir, "Fix the leak in cache.js.\n", "autofix: test", timeout_ms, NULL };
	struct agent *agent = NULL;
	int err;

	cfg.kind = AGENT_COMMAND;
	cfg.command = (char *)command;
	cfg.timeout_ms = 60000;
	agent_result_release(res);
	if ((err = agent_open(&agent, &cfg, NULL)) < 0)
		return err;
	err = agent_run(agent, &task, res);
	agent_free(agent);
	return err;
}

int main(void)
{
	struct agent_result res;
	struct agent_config none = { 0 };
	struct agent *agent = NULL;
	struct strbuf file = STRBUF_INIT, path = STRBUF_INIT;
	struct stat st;

	agent_result_init(&res);
	ok(mkdtemp(dir) != NULL, "a working tree");
	is_int(run("cat > edited.txt; cp \"$AUTOFIX_PROMPT_FILE\" prompt-copy.txt; echo $AUTOFIX_PROMPT_FILE > where.txt; "
		   "echo 'I bounded the cache.'", 0, &res), 0, "an agent that edits runs");
	ok(res.finished && !res.timed_out, "it finished");
	strbuf_addf(&path, "%s/edited.txt", dir);
	ok(strbuf_read_file(&file, path.buf, 4096) == 0 && !strcmp(file.buf, "Fix the leak in cache.js.\n"),
	   "the prompt came on standard input and its edit is in the working tree");
	strbuf_reset(&path);
	strbuf_reset(&file);
	strbuf_addf(&path, "%s/prompt-copy.txt", dir);
	ok(strbuf_read_file(&file, path.buf, 4096) == 0 && !strcmp(file.buf, "Fix the leak in cache.js.\n"),
	   "and in $AUTOFIX_PROMPT_FILE");
	strbuf_reset(&path);
	strbuf_reset(&file);
	strbuf_addf(&path, "%s/where.txt", dir);
	strbuf_read_file(&file, path.buf, 4096);
	strbuf_trim(&file);
	ok(strncmp(file.buf, dir, strlen(dir)) && stat(file.buf, &st) < 0,
	   "that file is outside the working tree and gone afterwards (%s)", file.buf);
	is_str(res.summary, "I bounded the cache.\n", "the end of its output is its summary");

	log_add_secret("opensesame-1234567890");
	is_int(run("echo 'using token opensesame-1234567890 and ghp_0123456789abcdefghij0123456789abcdef'; exit 0", 0, &res),
	       0, "an agent that prints secrets");
	ok(!strstr(res.log.buf, "opensesame") && !strstr(res.log.buf, "ghp_0123") && strstr(res.log.buf, "***"),
	   "its output is redacted: %s", res.log.buf);

	is_int(run("exit 3", 0, &res), 0, "an agent that fails still ran");
	ok(!res.finished && !res.timed_out, "but did not finish");

	is_int(run("sleep 30", 300, &res), 0, "an agent that never finishes");
	ok(res.timed_out && !res.finished && res.wall_ms < 10000, "is stopped at its limit (%lld ms)", (long long)res.wall_ms);

	is_int(run("", 0, &res), BOT_EINVALID, "an empty command is refused");
	is_int(agent_open(&agent, &none, NULL), BOT_ENOTFOUND, "agent: none opens no agent");

	agent_result_release(&res);
	strbuf_reset(&path);
	strbuf_addf(&path, "rm -rf '%s'", dir);
	ok(system(path.buf) == 0, "cleaned up");
	strbuf_release(&file);
	strbuf_release(&path);
	return done_testing();
}
