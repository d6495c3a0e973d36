#ifndef TESTS_LIB_JSON_CHECK_H
#define TESTS_LIB_JSON_CHECK_H

/*
 * JSON helpers for the unit programs (header-only, like log-capture.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/error.h"
#include "util/json.h"

/* Parses a test's JSON text; NULL, with a diagnostic, when it is not JSON. */
static inline struct json *parse_json(const char *text)
{
	struct json *j = NULL;

	if (json_parse(&j, text, strlen(text)) < 0)
		diag("bad test JSON: %s", bot_error_last());
	return j;
}

/* The same for test data that must be JSON: a test that cannot build its input stops there. */
static inline struct json *must_parse_json(const char *text)
{
	struct json *j = parse_json(text);

	if (!j)
		exit(1);
	return j;
}

/*
 * Two checks that the JSON form of *value, a struct T, survives a round
 * trip, as a journaled step's stored result must: T_from_json reads it
 * back (returns 0), and T_to_json of what it read prints the same text.
 * T_init and T_release frame the copy read back.
 */
#define is_json_round_trip(T, value, reads_back, prints_same)		\
	do {								\
		struct T back_;						\
		struct json *a_ = T##_to_json(value), *b_;		\
		char *ta_ = json_print(a_, 0), *tb_;			\
									\
		T##_init(&back_);					\
		is_int(T##_from_json(&back_, a_), 0, reads_back);	\
		b_ = T##_to_json(&back_);				\
		tb_ = json_print(b_, 0);				\
		is_str(tb_, ta_, prints_same);				\
		free(ta_);						\
		free(tb_);						\
		json_free(a_);						\
		json_free(b_);						\
		T##_release(&back_);					\
	} while (0)

#endif
