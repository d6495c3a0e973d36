/*
 * Response headers the HTTP layer acts on: Retry-After (how long to wait
 * before a retry) and GitHub's Link (the next page of a listing). The
 * input is one header value.
 */
#include "fuzz.h"
#include "github/github.h"
#include "http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = fuzz_text(data, size);
	struct strbuf next = STRBUF_INIT;
	long wait = http_retry_after_ms(value, 1700000000000LL);

	/* No answer may say to wait less than nothing, or more than a year. */
	if (wait < -1 || wait > 366L * 24 * 3600 * 1000)
		abort();
	if (!github_link_next(&next, value) && next.len)
		abort();
	strbuf_release(&next);
	free(value);
	return 0;
}
