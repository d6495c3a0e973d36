/*
 * Commands run for the fix stage: input, output, exit status, environment
 * and directory; the wall-clock limit (SIGTERM, then SIGKILL for one that
 * ignores it); nothing left running afterwards; output bounded to its end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "fix/process.h"
#include "util/strbuf.h"

static struct process_result r;

static int run(const char *command, const char *input, long timeout_ms, long grace_ms, size_t max,
	       const char *const *env, const char *dir)
{
	struct process_spec spec = { command, dir, input, input ? strlen(input) : 0, env, timeout_ms, grace_ms, max, NULL };

	process_result_release(&r);
	return process_run(&r, &spec);
}

/* Whether pid is gone within two seconds. */
static int gone(pid_t pid)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		usleep(10000);
	}
	return 0;
}

static pid_t read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

int main(void)
{
	const char *env[] = { "AUTOFIX_PROMPT_FILE=/tmp/prompt.md", NULL };
	struct strbuf big = STRBUF_INIT;
	char pidfile[] = "/tmp/process-test-XXXXXX";
	pid_t pid;
	int i, fd;

	process_result_init(&r);
	ok(run("cat", "the prompt\n", 10000, 0, 0, NULL, NULL) == 0 && r.exit_code == 0 &&
	   !strcmp(r.output.buf, "the prompt\n"), "standard input reaches the command, its output is captured");
	ok(run("echo out; echo err >&2; exit 3", NULL, 10000, 0, 0, NULL, NULL) == 0 && r.exit_code == 3 &&
	   strstr(r.output.buf, "out\n") && strstr(r.output.buf, "err\n"), "stdout and stderr together; exit status 3");
	i = run("printf %s \"$AUTOFIX_PROMPT_FILE\"; printf ' '; pwd", NULL, 10000, 0, 0, env, "/tmp");
	ok(i == 0 && !strcmp(r.output.buf, "/tmp/prompt.md /tmp\n"), "environment additions and the working directory: %s",
	   r.output.buf);
	ok(run("no-such-command-autofix", NULL, 10000, 0, 0, NULL, NULL) == 0 && r.exit_code == 127,
	   "a command that does not exist exits 127");
	ok(run("true", NULL, 10000, 0, 0, NULL, "/nonexistent/dir") == 0 && r.exit_code == 127 &&
	   strstr(r.output.buf, "cannot enter the working directory"), "a working directory that does not exist");

	for (i = 0; i < 20000; i++)
		strbuf_addstr(&big, "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n");
	ok(run("cat", big.buf, 20000, 0, 4 << 20, NULL, NULL) == 0 && r.output.len == big.len &&
	   !memcmp(r.output.buf, big.buf, big.len), "1.4 MB through stdin and back: nothing blocks, nothing lost");
	ok(run("cat", big.buf, 20000, 0, 1000, NULL, NULL) == 0 && r.output.len == 1000 &&
	   r.output_dropped == big.len - 1000 && !memcmp(r.output.buf, big.buf + big.len - 1000, 1000),
	   "output bounded to its last 1000 bytes, the rest counted");
	ok(run("head -c 10", big.buf, 20000, 0, 0, NULL, NULL) == 0 && r.exit_code == 0 && r.output.len == 10,
	   "a command that stops reading its input early does not hurt autofix (SIGPIPE)");

	ok(run("sleep 30", NULL, 300, 0, 0, NULL, NULL) == 0 && r.timed_out && r.signal == SIGTERM && r.wall_ms < 5000,
	   "past its time limit the command gets SIGTERM (%lld ms)", (long long)r.wall_ms);
	ok(run("trap '' TERM; echo ready; while :; do sleep 1; done", NULL, 300, 200, 0, NULL, NULL) == 0 &&
	   r.timed_out && r.signal == SIGKILL && r.wall_ms < 5000,
	   "one that ignores SIGTERM gets SIGKILL after the grace period (%lld ms)", (long long)r.wall_ms);

	fd = mkstemp(pidfile);
	close(fd);
	strbuf_reset(&big);
	strbuf_addf(&big, "sleep 60 & echo $! > %s; echo started", pidfile);
	ok(run(big.buf, NULL, 10000, 0, 0, NULL, NULL) == 0 && r.exit_code == 0 && r.wall_ms < 5000,
	   "a command that leaves a child running returns when it exits");
	pid = read_pid(pidfile);
	ok(pid > 0 && gone(pid), "and the child it left is killed with its group");
	strbuf_reset(&big);
	strbuf_addf(&big, "sleep 60 & echo $! > %s; sleep 60", pidfile);
	ok(run(big.buf, NULL, 300, 200, 0, NULL, NULL) == 0 && r.timed_out, "a command with a child, timed out");
	pid = read_pid(pidfile);
	ok(pid > 0 && gone(pid), "its child is killed too");
	unlink(pidfile);

	process_result_release(&r);
	strbuf_release(&big);
	return done_testing();
}
