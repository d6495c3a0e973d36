/*
 * Commands in a process group, bounded in time and output (process.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fix/process.h"
#include "util/error.h"
#include "util/timeutil.h"
#include "util/banned.h"

#define DEFAULT_GRACE_MS 5000
#define DEFAULT_MAX_OUTPUT (64 * 1024)
/* After the command exits, how long output still in the pipe is waited for. */
#define DRAIN_MS 1000

void process_result_init(struct process_result *r)
{
	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	strbuf_init(&r->output, 0);
}

void process_result_release(struct process_result *r)
{
	strbuf_release(&r->output);
	process_result_init(r);
}

/* Keeps the last max bytes of out (dropping in large steps, not on every read). */
static void keep_tail(struct process_result *out, size_t max)
{
	size_t drop;

	if (out->output.len <= max)
		return;
	drop = out->output.len - max;
	memmove(out->output.buf, out->output.buf + drop, max);
	strbuf_setlen(&out->output, max);
	out->output_dropped += drop;
}

static void child(const struct process_spec *spec, int in_fd, int out_fd)
{
	size_t i;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(127);
	if (in_fd > 2)
		close(in_fd);
	if (out_fd > 2)
		close(out_fd);
	if (spec->dir && chdir(spec->dir) < 0) {
		static const char msg[] = "autofix: cannot enter the working directory\n";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(127);
		_exit(127);
	}
	for (i = 0; spec->unset && spec->unset[i]; i++)
		unsetenv(spec->unset[i]);
	for (i = 0; spec->env && spec->env[i]; i++)
		putenv((char *)spec->env[i]);
	execl("/bin/sh", "sh", "-c", spec->command, (char *)NULL);
	_exit(127);
}

int process_run(struct process_result *out, const struct process_spec *spec)
{
	size_t max = spec->max_output ? spec->max_output : DEFAULT_MAX_OUTPUT, written = 0;
	long grace = spec->grace_ms > 0 ? spec->grace_ms : DEFAULT_GRACE_MS;
	int64_t start = time_monotonic_ms(), deadline = 0, kill_at = 0, drain_until = 0;
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, status = 0, exited = 0;
	struct sigaction ignore, old_pipe;
	char buf[8192];
	pid_t pid;

	if (pipe(in_pipe) < 0 || pipe(out_pipe) < 0) {
		if (in_pipe[0] >= 0) {
			close(in_pipe[0]);
			close(in_pipe[1]);
		}
		return bot_error(BOT_EIO, "cannot run '%s': %s", spec->command, strerror(errno));
	}
	/* A command that stops reading its input must not kill autofix with SIGPIPE. */
	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ignore, &old_pipe);
	pid = fork();
	if (pid < 0) {
		sigaction(SIGPIPE, &old_pipe, NULL);
		close(in_pipe[0]);
		close(in_pipe[1]);
		close(out_pipe[0]);
		close(out_pipe[1]);
		return bot_error(BOT_EIO, "cannot run '%s': %s", spec->command, strerror(errno));
	}
	if (pid == 0) {
		close(in_pipe[1]);
		close(out_pipe[0]);
		child(spec, in_pipe[0], out_pipe[1]);
	}
	/* Both sides set the group, so that a signal sent at once reaches it. */
	setpgid(pid, pid);
	close(in_pipe[0]);
	close(out_pipe[1]);
	fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	if (!spec->input_len) {
		close(in_pipe[1]);
		in_pipe[1] = -1;
	}
	if (spec->timeout_ms > 0)
		deadline = start + spec->timeout_ms;

	for (;;) {
		struct pollfd fds[2];
		int nfds = 0, wait_ms = 100;
		int64_t now = time_monotonic_ms();
		ssize_t n;

		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = 1;
			/* Whatever it started and left behind goes with it. */
			kill(-pid, SIGKILL);
			drain_until = now + DRAIN_MS;
		}
		if (exited && (out_pipe[0] < 0 || now >= drain_until))
			break;
		if (!exited && deadline && now >= deadline && !kill_at) {
			out->timed_out = 1;
			kill(-pid, SIGTERM);
			kill_at = now + grace;
		}
		if (!exited && kill_at && now >= kill_at)
			kill(-pid, SIGKILL);

		if (out_pipe[0] >= 0) {
			fds[nfds].fd = out_pipe[0];
			fds[nfds++].events = POLLIN;
		}
		if (in_pipe[1] >= 0) {
			fds[nfds].fd = in_pipe[1];
			fds[nfds++].events = POLLOUT;
		}
		poll(fds, (nfds_t)nfds, wait_ms);
		while (out_pipe[0] >= 0 && (n = read(out_pipe[0], buf, sizeof(buf))) != 0) {
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR) {
					close(out_pipe[0]);
					out_pipe[0] = -1;
				}
				break;
			}
			strbuf_add(&out->output, buf, (size_t)n);
			if (out->output.len > 2 * max)
				keep_tail(out, max);
		}
		if (out_pipe[0] >= 0 && n == 0) {
			close(out_pipe[0]);
			out_pipe[0] = -1;
		}
		if (in_pipe[1] >= 0) {
			n = write(in_pipe[1], spec->input + written, spec->input_len - written);
			if (n > 0)
				written += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == spec->input_len) {
				close(in_pipe[1]);
				in_pipe[1] = -1;
			}
		}
	}
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
	if (out_pipe[0] >= 0)
		close(out_pipe[0]);
	sigaction(SIGPIPE, &old_pipe, NULL);
	keep_tail(out, max);
	out->wall_ms = time_monotonic_ms() - start;
	if (WIFEXITED(status))
		out->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		out->signal = WTERMSIG(status);
	return 0;
}
