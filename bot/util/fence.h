#ifndef UTIL_FENCE_H
#define UTIL_FENCE_H

#include <stddef.h>

#include "util/strbuf.h"

/*
 * Untrusted text as data. Logs, HTTP answers, commit messages, status
 * pages and comments are written by people autofix does not trust; when
 * such text goes into a prompt it is wrapped in a block whose delimiters
 * carry a nonce drawn once per run, so that text inside cannot close the
 * block (it would have to guess the nonce), and the prompts say that a
 * block's content is data, never instructions:
 *
 *   <<<UNTRUSTED deploy-logs 3f9a0c1e5b7d2a64>>>
 *   ...the text...
 *   <<<END UNTRUSTED 3f9a0c1e5b7d2a64>>>
 *
 * The text is cleaned first: zero-width characters and bidirectional
 * controls (which hide or reorder what a reader sees) and HTML comments
 * (invisible once Markdown is rendered) are removed, and an occurrence
 * of the nonce is replaced. Redaction is not done here: redact text when
 * it enters the process (util/redact.h), fence it when it is rendered.
 */

#define FENCE_NONCE_LEN 16

struct fence {
	char nonce[FENCE_NONCE_LEN + 1]; /* lower-case hex */
};

/* Draws a fresh nonce from the system's random source (getrandom(2)). */
void fence_init(struct fence *f);

/*
 * Appends text[0..len) to out as one fenced block labelled label (letters,
 * digits, '-' and '_'; anything else becomes '_'). The block ends with a
 * newline.
 */
void fence_add(struct strbuf *out, const struct fence *f, const char *label,
	       const char *text, size_t len);

/* Appends text[0..len) to out without the characters and comments a reader cannot see. */
void fence_clean(struct strbuf *out, const char *text, size_t len);

#endif
