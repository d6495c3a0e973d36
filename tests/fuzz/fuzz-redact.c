/*
 * The redactor, which every text from outside goes through: credential
 * shapes, the secrets autofix holds, and a repository's own patterns. The
 * input is the text, a NUL byte, then a pattern (POSIX ERE, as .autofix.yml's
 * `redact` holds; one the loader would refuse is skipped).
 */
#include "fuzz.h"
#include "util/redact.h"

#define SECRET "ghs_16C7e42F292c6912E7710c838347Ae178B4a"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	/* A secret autofix holds, as a token read from the environment is registered. */
	log_add_secret(SECRET);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *t, *pat;
	size_t t_len, pat_len;
	struct redact_patterns *p = NULL;
	struct strbuf sb = STRBUF_INIT;
	char *pattern;

	fuzz_split(data, size, &t, &t_len, &pat, &pat_len);
	pattern = fuzz_text(pat, pat_len > 256 ? 256 : pat_len);
	if (*pattern && redact_patterns_new(&p, &pattern, 1) < 0)
		p = NULL;
	strbuf_add(&sb, t, t_len);
	redact_text(NULL, &sb);
	/* The secret autofix holds never survives, however the text around it is cut. */
	if (memmem(sb.buf, sb.len, SECRET, sizeof(SECRET) - 1))
		abort();
	redact_patterns_apply(p, &sb);
	redact_patterns_free(p);
	strbuf_release(&sb);
	free(pattern);
	return 0;
}
