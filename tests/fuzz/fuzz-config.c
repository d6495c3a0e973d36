/* .autofix.yml: a repository's file, written by anyone who may open a PR. */
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct config_diags diags = { 0 };

	config_init(&cfg);
	if (config_load_buffer(&cfg, ".autofix.yml", (const char *)data, size, &diags) == 0) {
		/* What loads must print, as `autofix validate --print` does. */
		json_free(config_to_json(&cfg));
	}
	config_diags_release(&diags);
	config_release(&cfg);
	return 0;
}
