#ifndef FIX_AGENT_H
#define FIX_AGENT_H

#include <stdint.h>

#include "util/strbuf.h"

struct agent_config;
struct http_client;

/*
 * Coding agents, behind one interface: the fix stage hands an agent a
 * task (the rendered prompt) and a working tree; the agent edits files
 * there and nothing else. autofix owns git: it looks at what changed,
 * verifies, commits and pushes. One file per kind of agent:
 *
 *   agent_command.c   any CLI agent (opencode run, claude -p, codex exec,
 *                     aider --message, a script), run in the working tree
 *                     with the prompt on standard input and in the file
 *                     named by AUTOFIX_PROMPT_FILE
 *   agent_opencode.c  an OpenCode server, driven over its HTTP API
 *
 * (`agent: none` has no agent: the plan becomes an issue instead.)
 *
 * Ownership: agent_open() returns an agent freed with agent_free(); a
 * struct agent_result owns its strings (agent_result_release()).
 */

struct agent_task {
	const char *workdir;     /* the working tree to edit */
	const char *prompt;      /* the task, rendered from templates/agent-task.md */
	const char *title;       /* a short name for the session: "autofix: api memory_leak 1f2e3d4c" */
	int64_t timeout_ms;      /* 0: the configuration's agent.timeout */
	const char *const *unset_env; /* a command agent runs without these variables (autofix's credentials); NULL-terminated, may be NULL */
};

struct agent_result {
	int finished;            /* the agent said it was done (not timed out, not failed) */
	int timed_out;
	int64_t wall_ms;
	char *summary;           /* the agent's own account of what it did (redacted, bounded), or NULL */
	struct strbuf log;       /* what it printed or streamed, redacted, bounded to its end */
	char *session;           /* the agent's session id, when it has one */
};

void agent_result_init(struct agent_result *r);
void agent_result_release(struct agent_result *r);

struct agent;

struct agent_ops {
	const char *name;
	int (*open)(struct agent *agent);
	int (*run)(struct agent *agent, const struct agent_task *task, struct agent_result *out);
	void (*close)(struct agent *agent);
};

struct agent {
	const struct agent_ops *ops;
	const struct agent_config *cfg;  /* borrowed */
	struct http_client *http;        /* borrowed; for server agents */
	void *priv;
};

/*
 * Opens the agent cfg describes. BOT_ENOTFOUND for `agent: none`,
 * BOT_EINVALID for an unusable setting, BOT_EAUTH for a password variable
 * that is named but unset.
 */
int agent_open(struct agent **out, const struct agent_config *cfg, struct http_client *http);
void agent_free(struct agent *agent);

/*
 * Runs task. Returns 0 when the agent ran to an end (finished, or timed
 * out and stopped: see out), a negative code when it could not be run
 * at all (BOT_EIO, the server's error).
 */
int agent_run(struct agent *agent, const struct agent_task *task, struct agent_result *out);

extern const struct agent_ops agent_command_ops;
extern const struct agent_ops agent_opencode_ops;

#endif
