#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/redact.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

static FILE *log_stream;
static enum log_level min_level = LOG_INFO;
static int in_actions;
static int set_up;

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t secrets_nr, secrets_alloc;

static FILE *out(void)
{
	return log_stream ? log_stream : stderr;
}

void log_setup(void)
{
	const char *lvl = getenv("AUTOFIX_LOG");
	const char *gha = getenv("GITHUB_ACTIONS");

	if (set_up)
		return;
	set_up = 1;
	in_actions = gha && !strcmp(gha, "true");
	if (lvl) {
		if (!strcasecmp(lvl, "debug"))
			min_level = LOG_DEBUG;
		else if (!strcasecmp(lvl, "warning") || !strcasecmp(lvl, "warn"))
			min_level = LOG_WARNING;
		else if (!strcasecmp(lvl, "error"))
			min_level = LOG_ERROR;
		else if (!strcasecmp(lvl, "info") || !*lvl)
			min_level = LOG_INFO;
		else {
			min_level = LOG_INFO;
			log_warning("AUTOFIX_LOG='%s' is not debug, info, warning or error; using info", lvl);
		}
	}
}

void log_set_stream(FILE *f)
{
	log_stream = f;
}

void log_set_level(enum log_level level)
{
	min_level = level;
}

int log_enabled(enum log_level level)
{
	return level >= min_level;
}

int log_in_actions(void)
{
	return in_actions;
}

/* Workflow command data: %, CR and LF are escaped; properties also escape ':' and ','. */
static void add_escaped(struct strbuf *sb, const char *s, int property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': strbuf_addstr(sb, "%25"); break;
		case '\r': strbuf_addstr(sb, "%0D"); break;
		case '\n': strbuf_addstr(sb, "%0A"); break;
		case ':': strbuf_addstr(sb, property ? "%3A" : ":"); break;
		case ',': strbuf_addstr(sb, property ? "%2C" : ","); break;
		default: strbuf_addch(sb, *s);
		}
	}
}

/*
 * Appends text that may carry data from elsewhere (a service name, a commit
 * message, a server's error). Under Actions the runner obeys any output line
 * that starts with "::", so such text is put between ::stop-commands:: and
 * its random end token: printed, never obeyed. The result ends without a
 * newline, like text itself.
 */
static void add_inert(struct strbuf *out, const char *text, size_t len)
{
	unsigned char raw[16];
	char token[33];
	size_t i;

	if (!in_actions || !memmem(text, len, "::", 2)) {
		strbuf_add(out, text, len);
		return;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* No kernel randomness: a token the text cannot predict is still hard to hit. */
		unsigned long seed = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16) ^
				     (unsigned long)(size_t)text;
		for (i = 0; i < sizeof(raw); i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			raw[i] = (unsigned char)(seed >> 33);
		}
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	strbuf_addf(out, "::stop-commands::%s\n", token);
	strbuf_add(out, text, len);
	if (len && text[len - 1] != '\n')
		strbuf_addch(out, '\n');
	strbuf_addf(out, "::%s::", token);
}

int log_print_data(FILE *f, struct strbuf *text)
{
	struct strbuf out = STRBUF_INIT;
	int ret = 0;

	if (!set_up)
		log_setup();
	log_redact(text);
	add_inert(&out, text->buf, text->len);
	if (out.len > text->len && out.buf[out.len - 1] != '\n')
		strbuf_addch(&out, '\n'); /* the end token needs a line of its own */
	if (fwrite(out.buf, 1, out.len, f) != out.len)
		ret = -1;
	strbuf_release(&out);
	return ret;
}

/*
 * Code points that change how the text around them is shown without
 * showing themselves: bidi embeddings, overrides and isolates (which can
 * make "rm -rf /" read as something else), zero-width spaces and joiners,
 * the line and paragraph separators, and the byte-order mark.
 */
static int invisible(uint32_t cp)
{
	return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

/* log_escape_controls(), keeping CR, LF and tab as they are when keep_lines is set. */
static void escape_controls(struct strbuf *sb, int keep_lines)
{
	struct strbuf out = STRBUF_INIT;
	size_t i = 0, k;
	uint32_t cp;

	while (i < sb->len) {
		unsigned char c = (unsigned char)sb->buf[i];

		if (keep_lines && (c == '\n' || c == '\r' || c == '\t')) {
			strbuf_addch(&out, (char)c);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			if (c == '\n')
				strbuf_addstr(&out, "\\n");
			else if (c == '\r')
				strbuf_addstr(&out, "\\r");
			else if (c == '\t')
				strbuf_addstr(&out, "\\t");
			else
				strbuf_addf(&out, "\\x%02x", c);
			i++;
			continue;
		}
		if (c < 0x80) {
			strbuf_addch(&out, (char)c);
			i++;
			continue;
		}
		k = utf8_decode(&cp, sb->buf + i, sb->len - i);
		if (!k) {
			/* Not UTF-8: a lone 0x9b is CSI to some terminals. */
			strbuf_addf(&out, "\\x%02x", c);
			k = 1;
		} else if ((cp >= 0x80 && cp <= 0x9f) || invisible(cp)) {
			/* C1 controls (U+009B is CSI too) and the invisible ones. */
			strbuf_addf(&out, "\\u%04x", (unsigned)cp);
		} else {
			strbuf_add(&out, sb->buf + i, k);
		}
		i += k;
	}
	strbuf_reset(sb);
	strbuf_add(sb, out.buf, out.len);
	strbuf_release(&out);
}

void log_escape_controls(struct strbuf *sb)
{
	escape_controls(sb, 0);
}

void log_add_text(struct strbuf *out, const char *s)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addstr(&t, s ? s : "");
	log_redact(&t);
	log_escape_controls(&t);
	strbuf_addbuf(out, &t);
	strbuf_release(&t);
}

static const char *plain_name(enum log_level level)
{
	switch (level) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "info";
	case LOG_WARNING: return "warning";
	default: return "error";
	}
}

static const char *actions_name(enum log_level level)
{
	switch (level) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "notice";
	case LOG_WARNING: return "warning";
	default: return "error";
	}
}

static void emit(enum log_level level, const char *file, int line, int col,
		 const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT, line_out = STRBUF_INIT;

	if (!set_up)
		log_setup();
	if (!log_enabled(level))
		return;
	strbuf_vaddf(&msg, fmt, ap);
	/*
	 * Messages quote what servers and files said: redacted first (an
	 * escaped secret would no longer match), then rid of escape
	 * sequences for the terminal or the log viewer to obey. On a terminal
	 * a message is one line (a LF could forge the next one); under
	 * Actions a multi-line message stays one annotation (%0A below) and
	 * an info line is fenced (add_inert), so line breaks are kept there.
	 */
	log_redact(&msg);
	escape_controls(&msg, in_actions);

	if (in_actions && (file || level != LOG_INFO)) {
		strbuf_addf(&line_out, "::%s", actions_name(level));
		if (file) {
			strbuf_addstr(&line_out, " file=");
			add_escaped(&line_out, file, 1);
			if (line > 0)
				strbuf_addf(&line_out, ",line=%d", line);
			if (col > 0)
				strbuf_addf(&line_out, ",col=%d", col);
		}
		strbuf_addstr(&line_out, "::");
		add_escaped(&line_out, msg.buf, 0);
	} else if (file) {
		strbuf_addstr(&line_out, file);
		if (line > 0)
			strbuf_addf(&line_out, ":%d", line);
		if (line > 0 && col > 0)
			strbuf_addf(&line_out, ":%d", col);
		strbuf_addf(&line_out, ": %s: %s", plain_name(level), msg.buf);
	} else if (level == LOG_INFO) {
		add_inert(&line_out, msg.buf, msg.len);
	} else {
		strbuf_addf(&line_out, "%s: %s", plain_name(level), msg.buf);
	}
	strbuf_addch(&line_out, '\n');
	fwrite(line_out.buf, 1, line_out.len, out());
	fflush(out());
	strbuf_release(&msg);
	strbuf_release(&line_out);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, NULL, 0, 0, fmt, ap);
	va_end(ap);
}

void log_at(enum log_level level, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, file ? file : "", line, col, fmt, ap);
	va_end(ap);
}

void log_group_start(const char *title)
{
	struct strbuf t = STRBUF_INIT;

	if (!set_up)
		log_setup();
	strbuf_addstr(&t, title);
	log_redact(&t);
	escape_controls(&t, in_actions);
	if (in_actions) {
		struct strbuf esc = STRBUF_INIT;
		add_escaped(&esc, t.buf, 0);
		fprintf(out(), "::group::%s\n", esc.buf);
		strbuf_release(&esc);
	} else if (log_enabled(LOG_INFO)) {
		fprintf(out(), "== %s\n", t.buf);
	}
	fflush(out());
	strbuf_release(&t);
}

void log_group_end(void)
{
	if (in_actions) {
		fprintf(out(), "::endgroup::\n");
		fflush(out());
	}
}

/* Stores one value; returns 1 when it was not known yet. */
static int remember_secret(const char *value, size_t len)
{
	size_t i;
	int added = 0;

	pthread_mutex_lock(&secrets_lock);
	for (i = 0; i < secrets_nr; i++)
		if (strlen(secrets[i]) == len && !memcmp(secrets[i], value, len))
			break;
	if (i == secrets_nr) {
		/*
		 * Longest first: were a secret that is the start of a longer one
		 * replaced first, the rest of the longer one would be left in clear.
		 */
		for (i = 0; i < secrets_nr && strlen(secrets[i]) >= len; i++)
			;
		ALLOC_GROW(secrets, secrets_nr + 1, secrets_alloc);
		memmove(secrets + i + 1, secrets + i, (secrets_nr - i) * sizeof(*secrets));
		secrets[i] = xstrndup(value, len);
		secrets_nr++;
		added = 1;
	}
	pthread_mutex_unlock(&secrets_lock);
	return added;
}

/*
 * Tells the runner to mask value. The runner unescapes a command's data
 * (%25, %0D, %0A) before it masks, so the value is escaped the same way:
 * "a%25b" sent as is would mask "a%b" and leave the real secret in clear.
 */
static void announce_mask(const char *value, size_t len)
{
	struct strbuf v = STRBUF_INIT, esc = STRBUF_INIT;

	strbuf_add(&v, value, len);
	add_escaped(&esc, v.buf, 0);
	fprintf(out(), "::add-mask::%s\n", esc.buf);
	fflush(out());
	strbuf_release(&v);
	strbuf_release(&esc);
}

void log_add_secret(const char *value)
{
	const char *p;

	if (!value || strlen(value) < 4)
		return;
	if (!set_up)
		log_setup();
	if (!strchr(value, '\n')) {
		/* The runner masks a value only when told before it is printed. */
		if (remember_secret(value, strlen(value)) && in_actions)
			announce_mask(value, strlen(value));
		return;
	}
	/*
	 * A multi-line secret (a PEM key): the runner masks line by line, and a
	 * single line of it may show up alone, so each line is a secret too.
	 */
	remember_secret(value, strlen(value));
	for (p = value; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), len = n;
		/* A CRLF file's line is what a log line shows: without its CR. */
		if (len && p[len - 1] == '\r')
			len--;
		if (len >= 4 && remember_secret(p, len) && in_actions)
			announce_mask(p, len);
		p += n + (nl ? 1 : 0);
	}
}

void log_redact(struct strbuf *sb)
{
	size_t i;

	/* Longest first (see remember_secret): a whole PEM before its lines. */
	pthread_mutex_lock(&secrets_lock);
	for (i = 0; i < secrets_nr; i++)
		if (strstr(sb->buf, secrets[i]))
			strbuf_replace_all(sb, secrets[i], "***");
	pthread_mutex_unlock(&secrets_lock);
}

int log_has_secret(const char *s)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&secrets_lock);
	for (i = 0; i < secrets_nr && !found; i++)
		found = strstr(s, secrets[i]) != NULL;
	pthread_mutex_unlock(&secrets_lock);
	return found;
}

void log_redact_credentials(struct strbuf *sb)
{
	redact_credentials(sb);
}

void log_clear_secrets(void)
{
	size_t i;

	pthread_mutex_lock(&secrets_lock);
	for (i = 0; i < secrets_nr; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	secrets_nr = secrets_alloc = 0;
	pthread_mutex_unlock(&secrets_lock);
}
