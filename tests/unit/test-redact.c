/*
 * redact_credentials() against tests/redact/corpus.tsv: every seeded
 * secret is gone while the text before it stays, every look-alike comes
 * out unchanged. Then the edges the corpus cannot show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
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

	strbuf_release(&sb);
	return done_testing();
}
