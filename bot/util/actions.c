/*
 * GitHub Actions' step files: the job summary and the step outputs
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/actions.h"
#include "util/env.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/banned.h"

int actions_append(const char *var, const char *text, size_t len)
{
	const char *path = env_get(var);
	FILE *f;
	int failed, saved;

	if (!path)
		return 0;
	if (!(f = fopen(path, "a")))
		return bot_error(BOT_EIO, "'%s': %s", path, strerror(errno));
	/* fclose() releases the stream even when it fails (a full disk shows when it flushes): once. */
	failed = fwrite(text, 1, len, f) != len;
	saved = errno;
	if (fclose(f) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed)
		return bot_error(BOT_EIO, "'%s': %s", path, strerror(saved));
	return 1;
}

int actions_output(const char *name, const char *value)
{
	struct strbuf line = STRBUF_INIT;
	int rc;

	if (strchr(value, '\n') || strchr(value, '\r'))
		return bot_error(BOT_EINVALID, "the step output '%s' is not one line", name);
	strbuf_addf(&line, "%s=%s\n", name, value);
	rc = actions_append("GITHUB_OUTPUT", line.buf, line.len);
	if (rc < 0)
		bot_error_wrap(rc, "cannot write the step output '%s' to ", name);
	strbuf_release(&line);
	return rc;
}
