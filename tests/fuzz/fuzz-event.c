/*
 * A webhook payload (anyone may comment on a pull request, and the text
 * of the comment becomes a command): read as each event autofix handles,
 * then the command in the comment's text, as `autofix event` does.
 */
#include "event/payload.h"
#include "fuzz.h"
#include "util/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "issue_comment", "pull_request_review", "pull_request", "push" };
	struct json *root = NULL;
	size_t i;

	if (json_parse(&root, (const char *)data, size) == 0) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct event_payload ev;
			struct strbuf why = STRBUF_INIT, rest = STRBUF_INIT;
			char *word = NULL;

			if (event_payload_parse(&ev, &why, names[i], root) == 0 && ev.text &&
			    event_payload_command(ev.text, &word, &rest))
				free(word);
			strbuf_release(&why);
			strbuf_release(&rest);
		}
	}
	json_free(root);
	/* The text alone, as a comment's body. */
	{
		char *text = fuzz_text(data, size), *word = NULL;
		struct strbuf rest = STRBUF_INIT;

		if (event_payload_command(text, &word, &rest))
			free(word);
		strbuf_release(&rest);
		free(text);
	}
	return 0;
}
