#ifndef UTIL_UTF8_H
#define UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * Well-formed UTF-8 (RFC 3629, Unicode's table 3-7): what text from a
 * source is checked against before it is printed as JSON or shown to a
 * person. Nothing here allocates except through the strbuf it is given.
 */

/*
 * The length (1 to 4) of the well-formed sequence at the start of the n
 * bytes at s, with its code point in *cp; 0 when s starts no such
 * sequence: a continuation byte, an overlong form, a surrogate, a code
 * point past U+10FFFF, or a sequence cut short by the end. n must be > 0.
 */
size_t utf8_decode(uint32_t *cp, const char *s, size_t n);

/* Whether the n bytes at s are well-formed UTF-8 throughout. */
int utf8_is_valid(const char *s, size_t n);

/*
 * Appends the n bytes at s to out with every byte that is not part of a
 * well-formed sequence replaced by U+FFFD (EF BF BD), the replacement
 * character, one per byte.
 */
void utf8_add_valid(struct strbuf *out, const char *s, size_t n);

#endif
