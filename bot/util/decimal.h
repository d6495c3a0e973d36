#ifndef UTIL_DECIMAL_H
#define UTIL_DECIMAL_H

/*
 * JSON numbers read without a tree and, for the usual ones, without
 * strtod(3), yet to the very double strtod() gives: a number whose digits
 * make an integer N <= 2^53 with k <= 22 of them after the point, and no
 * exponent, is N / 10^k computed in doubles, one correctly rounded
 * operation on exact operands, which is the correctly rounded value of
 * the decimal, as strtod()'s is. Any other number goes through strtod().
 * The metrics answers of Railway and the journal's compact series are
 * hundreds of thousands of such numbers.
 */

/*
 * Reads the JSON number (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)
 * that starts at p, not reading at or past limit. Returns 0 with *out the
 * value and *end just after the number, or -1 (nothing set) when the text
 * there is not such a number. What follows the number is the caller's to
 * check. With out NULL only the syntax is checked (nothing converted).
 */
int decimal_parse(double *out, const char *p, const char *limit, const char **end);

#endif
