#ifndef TAP_H
#define TAP_H

/*
 * A small TAP producer for the unit tests, read by prove(1). Each test
 * program calls the checks below and ends with `return done_testing();`,
 * which prints the plan and returns nonzero when any check failed.
 */

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_double(got, want, eps, ...) tap_is_double((got), (want), (eps), __FILE__, __LINE__, __VA_ARGS__)
/* Passes when haystack contains needle. */
#define like(haystack, needle, ...) tap_like((haystack), (needle), __FILE__, __LINE__, __VA_ARGS__)

int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int tap_is_double(double got, double want, double eps, const char *file, int line,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int tap_like(const char *haystack, const char *needle, const char *file, int line,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A "# ..." line, shown by prove -v. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Skips the whole program (prints "1..0 # SKIP reason") and exits 0. */
void skip_all(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records n passing "skip" lines with a reason (for a missing optional oracle). */
void skip(int n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the plan; returns 0 when every check passed, 1 otherwise. */
int done_testing(void);

/*
 * How many times longer than usual a check of elapsed time should allow:
 * $TEST_TIME_FACTOR (a whole number, default 1), which the memcheck tests
 * set, since programs run many times slower under valgrind.
 */
long test_time_factor(void);

/* The path of a test data file under tests/, resolved from TEST_DATA_DIR (default "tests"). */
const char *test_data_path(const char *rel);

#endif
