/* An upstream provider's Statuspage summary.json. */
#include "fuzz.h"
#include "investigate/statuspage.h"
#include "util/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const components[] = { "API", "Webhooks" };
	struct upstream_status s;

	upstream_status_init(&s, "github", "https://www.githubstatus.com");
	if (statuspage_parse_summary(&s, (const char *)data, size) == 0) {
		upstream_in_trouble(&s, components, 2, NULL);
		json_free(upstream_status_to_json(&s));
	}
	upstream_status_release(&s);
	return 0;
}
