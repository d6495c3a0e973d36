/*
 * The agent interface (agent.h) and the command agent: any CLI agent, or
 * a script, run in the working tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fix/agent.h"
#include "fix/process.h"
#include "util/error.h"
#include "util/human.h"
#include "util/log.h"
#include "util/redact.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* What an agent's output may take in a PR: the end of it. */
#define AGENT_MAX_LOG (32 * 1024)
/* The agent's summary: the last lines of its output, at most this much. */
#define AGENT_MAX_SUMMARY 4000

void agent_result_init(struct agent_result *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->log, 0);
}

void agent_result_release(struct agent_result *r)
{
	free(r->summary);
	free(r->session);
	strbuf_release(&r->log);
	agent_result_init(r);
}

int agent_open(struct agent **out, const struct agent_config *cfg, struct http_client *http)
{
	const struct agent_ops *ops;
	struct agent *agent;
	int err;

	*out = NULL;
	switch (cfg->kind) {
	case AGENT_COMMAND:
		ops = &agent_command_ops;
		break;
	case AGENT_OPENCODE:
		ops = &agent_opencode_ops;
		break;
	default:
		return bot_error(BOT_ENOTFOUND, "no agent is configured ('agent' is none)");
	}
	agent = xcalloc(1, sizeof(*agent));
	agent->ops = ops;
	agent->cfg = cfg;
	agent->http = http;
	if (ops->open && (err = ops->open(agent)) < 0) {
		free(agent);
		return err;
	}
	*out = agent;
	return 0;
}

void agent_free(struct agent *agent)
{
	if (!agent)
		return;
	if (agent->ops->close)
		agent->ops->close(agent);
	free(agent);
}

int agent_run(struct agent *agent, const struct agent_task *task, struct agent_result *out)
{
	return agent->ops->run(agent, task, out);
}

/* ---------------------------------------------------------------------- the command agent */

static int command_open(struct agent *agent)
{
	if (!agent->cfg->command || !*agent->cfg->command)
		return bot_error(BOT_EINVALID, "agent.command is empty");
	return 0;
}

/* The end of the output, from a line start: what an agent prints last is its account. */
static char *tail_summary(const struct strbuf *log)
{
	size_t start = log->len > AGENT_MAX_SUMMARY ? log->len - AGENT_MAX_SUMMARY : 0;

	while (start && start < log->len && log->buf[start - 1] != '\n')
		start++;
	while (start < log->len && (log->buf[start] == '\n' || log->buf[start] == ' '))
		start++;
	return start < log->len ? xstrdup(log->buf + start) : NULL;
}

static int command_run(struct agent *agent, const struct agent_task *task, struct agent_result *out)
{
	struct process_spec spec = { 0 };
	struct process_result pr;
	struct strbuf prompt_file = STRBUF_INIT, env_var = STRBUF_INIT;
	const char *env[2];
	char dir[] = "/tmp/autofix-prompt-XXXXXX";
	FILE *f;
	int err = 0;

	/* The prompt file lives outside the working tree: it must not end up in the commit. */
	if (!mkdtemp(dir))
		return bot_error(BOT_EIO, "cannot create a directory for the prompt file");
	strbuf_addf(&prompt_file, "%s/prompt.md", dir);
	f = fopen(prompt_file.buf, "w");
	if (!f || fputs(task->prompt, f) < 0 || fclose(f) != 0) {
		rmdir(dir);
		strbuf_release(&prompt_file);
		return bot_error(BOT_EIO, "cannot write the prompt file");
	}
	strbuf_addf(&env_var, "AUTOFIX_PROMPT_FILE=%s", prompt_file.buf);
	env[0] = env_var.buf;
	env[1] = NULL;

	spec.command = agent->cfg->command;
	spec.dir = task->workdir;
	spec.input = task->prompt;
	spec.input_len = strlen(task->prompt);
	spec.env = env;
	spec.unset = task->unset_env;
	spec.timeout_ms = (long)(task->timeout_ms ? task->timeout_ms : agent->cfg->timeout_ms);
	spec.max_output = AGENT_MAX_LOG;
	process_result_init(&pr);
	if ((err = process_run(&pr, &spec)) == 0) {
		/* Its output quotes the working tree, logs, maybe the environment: redacted before it is kept. */
		strbuf_addbuf(&out->log, &pr.output);
		log_redact(&out->log);
		redact_credentials(&out->log);
		out->timed_out = pr.timed_out;
		out->wall_ms = pr.wall_ms;
		out->finished = !pr.timed_out && pr.exit_code == 0;
		out->summary = tail_summary(&out->log);
		if (pr.timed_out) {
			struct strbuf limit = STRBUF_INIT;
			human_add_duration(&limit, spec.timeout_ms);
			log_warning("agent '%s' ran past its limit of %s and was stopped", agent->cfg->command,
				    limit.buf);
			strbuf_release(&limit);
		}
		else if (pr.exit_code != 0)
			log_warning("agent '%s' exited with status %d", agent->cfg->command,
				    pr.exit_code >= 0 ? pr.exit_code : 128 + pr.signal);
	}
	process_result_release(&pr);
	unlink(prompt_file.buf);
	rmdir(dir);
	strbuf_release(&prompt_file);
	strbuf_release(&env_var);
	return err;
}

const struct agent_ops agent_command_ops = {
	.name = "command",
	.open = command_open,
	.run = command_run,
	.close = NULL,
};
