#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int tests_run, tests_failed;

static void vreport(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	tests_run++;
	if (!pass)
		tests_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tests_run);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass)
		printf("#   Failed test at %s line %d.\n", file, line);
	fflush(stdout);
}

int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

int tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;
	va_start(ap, fmt);
	vreport(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#          got: %lld\n#     expected: %lld\n", got, want);
	return pass;
}

int tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int pass = (got && want) ? !strcmp(got, want) : got == want;
	va_start(ap, fmt);
	vreport(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#          got: '%s'\n#     expected: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return pass;
}

int tap_is_double(double got, double want, double eps, const char *file, int line,
		  const char *fmt, ...)
{
	va_list ap;
	int pass = fabs(got - want) <= eps || (isnan(got) && isnan(want));
	va_start(ap, fmt);
	vreport(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#          got: %.10g\n#     expected: %.10g (within %g)\n", got, want, eps);
	return pass;
}

int tap_like(const char *haystack, const char *needle, const char *file, int line,
	     const char *fmt, ...)
{
	va_list ap;
	int pass = haystack && needle && strstr(haystack, needle);
	va_start(ap, fmt);
	vreport(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   '%s'\n#   does not contain '%s'\n", haystack ? haystack : "(null)", needle);
	return pass;
}

void diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void skip_all(const char *fmt, ...)
{
	va_list ap;
	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(0);
}

void skip(int n, const char *fmt, ...)
{
	va_list ap;
	while (n-- > 0) {
		tests_run++;
		printf("ok %d # skip ", tests_run);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

long test_time_factor(void)
{
	const char *v = getenv("TEST_TIME_FACTOR");
	long f = v ? atol(v) : 1;

	return f >= 1 ? f : 1;
}

int done_testing(void)
{
	printf("1..%d\n", tests_run);
	if (tests_failed)
		printf("# Looks like you failed %d test%s of %d.\n", tests_failed,
		       tests_failed == 1 ? "" : "s", tests_run);
	return tests_failed ? 1 : 0;
}

const char *test_data_path(const char *rel)
{
	static char buf[4096];
	const char *dir = getenv("TEST_DATA_DIR");
	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "tests", rel);
	return buf;
}
