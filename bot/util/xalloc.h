#ifndef UTIL_XALLOC_H
#define UTIL_XALLOC_H

#include <stddef.h>

/*
 * Allocation wrappers that never return NULL: on exhaustion they print a
 * message and abort(3). autofix has no sensible way to go on without memory,
 * and checking every small allocation would bury the real error paths.
 */

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
/* Returns a NUL-terminated copy of the first n bytes of s. */
char *xstrndup(const char *s, size_t n);

/* Grows an array so that it holds at least nr items (git's ALLOC_GROW). */
#define ALLOC_GROW(array, nr, alloc) do { \
	if ((size_t)(nr) > (size_t)(alloc)) { \
		size_t alloc_grow_new_ = ((size_t)(alloc) + 16) * 3 / 2; \
		if (alloc_grow_new_ < (size_t)(nr)) \
			alloc_grow_new_ = (size_t)(nr); \
		(array) = xrealloc((array), alloc_grow_new_ * sizeof(*(array))); \
		(alloc) = alloc_grow_new_; \
	} \
} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
