/*
 * Log lines, which anyone who can reach a service can write into: the
 * pattern normaliser, the grouping and its rendering for the prompt, and
 * the HTTP path normaliser. Each line of the input is one log line.
 */
#include "fuzz.h"
#include "investigate/logpatterns.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const severities[] = { "error", "warning", "info", NULL };
	struct log_patterns p = LOG_PATTERNS_INIT;
	struct http_error_groups g = HTTP_ERROR_GROUPS_INIT;
	struct strbuf sb = STRBUF_INIT;
	char *text = fuzz_text(data, size), *line = text, *nl;
	int64_t at = 1700000000000LL;
	size_t i = 0;

	for (; line; line = nl, i++) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		strbuf_reset(&sb);
		log_pattern_normalise(&sb, line);
		strbuf_reset(&sb);
		http_path_normalise(&sb, line);
		log_patterns_add(&p, severities[i % 4], line, at + (int64_t)i * 1000);
		http_error_groups_add(&g, i % 2 ? "GET" : "POST", line, 500 + (int)(i % 4), (double)(i % 3) * 10.0 - 1.0);
	}
	log_patterns_sort(&p);
	strbuf_reset(&sb);
	log_patterns_render(&sb, &p, 4096);
	http_error_groups_top(&g, 5);
	log_patterns_release(&p);
	http_error_groups_release(&g);
	strbuf_release(&sb);
	free(text);
	return 0;
}
