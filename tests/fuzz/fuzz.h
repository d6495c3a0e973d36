/*
 * What every fuzz target shares. A target is one function,
 * LLVMFuzzerTestOneInput, given bytes libFuzzer chose; it hands them to
 * one of autofix's readers of untrusted input and throws the result
 * away. A crash, a leak, undefined behaviour or a hang is the finding;
 * an error return is the reader doing its job.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a NUL-terminated string (readers of text want one); free(3) it. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Splits the input at its first NUL byte (or keeps it whole as *a): two
 * inputs from one, for readers that take two (a template and its data).
 */
static inline void fuzz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *a_len,
			      const uint8_t **b, size_t *b_len)
{
	const uint8_t *nul = memchr(data, 0, size);

	*a = data;
	*a_len = nul ? (size_t)(nul - data) : size;
	*b = nul ? nul + 1 : data + size;
	*b_len = nul ? size - *a_len - 1 : 0;
}

/* The readers' messages (warnings, errors) would drown libFuzzer's: to /dev/null. */
static inline void fuzz_quiet(void)
{
	static FILE *null;

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	log_set_stream(null);
	log_set_level(LOG_ERROR);
}

#endif
