/*
 * redact_credentials() against tests/redact/corpus.tsv: every seeded
 * secret is gone while the text before it stays, every look-alike comes
 * out unchanged. Then the edges the corpus cannot show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/strbuf.h"

static char *field(char **line)
{
	char *start = *line, *tab = strchr(start, '\t');

	if (!tab)
		return NULL;
	*tab = '\0';
	*line = tab + 1;
	return start;
}

static void redacted(struct strbuf *out, const char *in)
{
	strbuf_reset(out);
	strbuf_addstr(out, in);
	redact_credentials(out);
}

static void run_corpus(void)
{
	struct strbuf file = STRBUF_INIT, out = STRBUF_INIT;
	char *p, *next, *kind, *value, *line;
	int secrets = 0, keeps = 0, lineno = 0;

	if (strbuf_read_file(&file, test_data_path("redact/corpus.tsv"), 1 << 20) < 0) {
		ok(0, "tests/redact/corpus.tsv can be read");
		return;
	}
	for (p = file.buf; *p; p = next) {
		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		else
			next = p + strlen(p);
		lineno++;
		if (!*p || *p == '#')
			continue;
		line = p;
		kind = field(&line);
		value = kind ? field(&line) : NULL;
		if (!value) {
			ok(0, "corpus line %d has three fields", lineno);
			continue;
		}
		redacted(&out, line);
		if (!strcmp(kind, "secret")) {
			size_t before = (size_t)(strstr(line, value) - line);
			const char *mask = strstr(out.buf, "***");
			size_t at = mask ? (size_t)(mask - out.buf) : 0;

			/*
			 * Readable: the line is unchanged up to the mask, which
			 * begins at the secret or a little before it (a key's whole
			 * value masked: "private_key":"***" for a PEM block).
			 */
			secrets++;
			ok(mask && !strstr(out.buf, value) && !strncmp(out.buf, line, at) &&
			   at <= before && before - at <= 48,
			   "line %d: the secret is masked and the text before it kept: %s", lineno, out.buf);
		} else {
			keeps++;
			is_str(out.buf, line, "line %d: look-alike '%s' kept", lineno, value);
		}
	}
	ok(secrets >= 80, "the corpus seeds at least 80 secrets (%d)", secrets);
	ok(keeps >= 40, "and at least 40 look-alikes (%d)", keeps);
	strbuf_release(&file);
	strbuf_release(&out);
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;
	int i;

	run_corpus();

	redacted(&sb, "password=hunter2xyz and token=abcdefgh1234");
	is_str(sb.buf, "password=*** and token=***", "two secrets on a line, both masked");
	n = redact_credentials(&sb);
	ok(n == 0 && !strcmp(sb.buf, "password=*** and token=***"), "redacting again changes nothing");

	/* Found by fuzzing: the scheme was taken for the value of an already masked header. */
	redacted(&sb, "Authorization: Bearer abc");
	is_str(sb.buf, "Authorization: Bearer ***", "a short credential after a scheme is masked, the scheme kept");
	n = redact_credentials(&sb);
	ok(n == 0 && !strcmp(sb.buf, "Authorization: Bearer ***"), "and masking it again changes nothing");
	redacted(&sb, "Authorization: Basic ***");
	is_str(sb.buf, "Authorization: Basic ***", "a masked credential after a scheme stays as it is");

	redacted(&sb, "");
	is_str(sb.buf, "", "empty text");
	redacted(&sb, "password=");
	is_str(sb.buf, "password=", "a key with no value at the end of the text");
	redacted(&sb, "postgres://u:p@");
	is_str(sb.buf, "postgres://u:***@", "a URL cut after its credentials");
	redacted(&sb, "-----BEGIN RSA PRIVATE KEY-----");
	is_str(sb.buf, "-----BEGIN RSA PRIVATE KEY-----***", "a PEM header with nothing after it");
	redacted(&sb, "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----");
	like(sb.buf, "MIIBszCCAVmgAwIBAgIU", "a certificate is public: not masked");
	redacted(&sb, "api_key: 'it''s-quoted-1234'");
	ok(!strstr(sb.buf, "quoted-1234"), "a single-quoted value is masked: %s", sb.buf);
	redacted(&sb, "{\"password\":\"a\\\"b-still-secret\"}");
	is_str(sb.buf, "{\"password\":\"***\"}", "an escaped quote does not end a JSON value");

	/* A long run of a token's characters with no credential: linear work, nothing masked. */
	strbuf_reset(&sb);
	for (i = 0; i < 200000; i++)
		strbuf_addstr(&sb, "sk-");
	n = redact_credentials(&sb);
	ok(n == 0 && sb.len == 600000, "600 kB of 'sk-sk-...' without a digit: nothing masked");

	{
		char *pats[] = { "cust_[0-9]{6}", "internal\\.acme\\.io", "x*" };
		struct redact_patterns *p = NULL;
		char *bad[] = { "ok", "(" };

		ok(redact_patterns_new(&p, pats, 3) == 0, "the repository's patterns compile");
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "cust_123456 at internal.acme.io and cust_12 xx");
		n = redact_patterns_apply(p, &sb);
		is_str(sb.buf, "*** at *** and cust_12 ***", "every match masked; an empty-matching pattern still ends");
		ok(n == 3, "three matches (%zu)", n);
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "token=abcdefgh1234 for cust_000001");
		redact_text(p, &sb);
		is_str(sb.buf, "token=*** for ***", "redact_text: credential shapes and the repository's patterns");
		/* Found by fuzzing: an empty match at the text's end read past it. */
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "abc");
		n = redact_patterns_apply(p, &sb);
		ok(n == 0 && sb.len == 3 && !strcmp(sb.buf, "abc"), "an empty match at the end masks nothing and stops there");
		strbuf_reset(&sb);
		strbuf_add(&sb, "cust_123456\0cust_654321", 23);
		n = redact_patterns_apply(p, &sb);
		ok(n == 2 && sb.len == 7 && !memcmp(sb.buf, "***\0***", 7),
		   "a text holding a NUL is matched on both sides of it (%zu)", n);
		redact_patterns_free(p);
		ok(redact_patterns_new(&p, bad, 2) == BOT_EINVALID && !p, "a pattern that does not compile is refused");
		redact_patterns_apply(NULL, &sb);
	}
	strbuf_release(&sb);
	return done_testing();
}
