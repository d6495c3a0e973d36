/*
 * Railway's GraphQL answers: the architecture, metrics, HTTP metrics,
 * logs and deployments documents, each reader given the same answer, and
 * the streaming reader of the observe documents given the raw text.
 */
#include "fuzz.h"
#include "metrics.h"
#include "source/railway.h"
#include "source/source.h"
#include "util/json.h"

#define SERVICES 3
#define START 1700000000000LL
#define END (START + 30 * 60 * 1000LL)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void add_services(struct observation *obs)
{
	static const char *const names[SERVICES] = { "api", "web", "worker" };
	size_t i;

	for (i = 0; i < SERVICES; i++)
		observation_add_service(obs, names[i]);
}

/* Each reader on a fresh observation: what one reader left must not help another. */
static void read_tree(const struct json *root)
{
	struct observation obs;
	struct architecture arch;
	struct source_log_lines lines = { 0 };
	int days;

	if (railway_check_response(root) < 0)
		return;
	architecture_init(&arch);
	railway_read_architecture(&arch, root, "production");
	json_free(architecture_to_json(&arch));
	architecture_release(&arch);

	for (days = 0; days <= 1; days++) {
		observation_init(&obs);
		add_services(&obs);
		railway_read_metrics(obs.services, root, obs.services_nr, days);
		railway_read_http(obs.services, root, obs.services_nr, START, END, days);
		json_free(observation_to_json(&obs));
		observation_release(&obs);
	}
	observation_init(&obs);
	add_services(&obs);
	railway_read_deployments(obs.services, root, START, END);
	observation_release(&obs);

	railway_read_logs(&lines, root, SOURCE_LOGS_DEPLOYMENT);
	source_log_lines_release(&lines);
	railway_read_logs(&lines, root, SOURCE_LOGS_HTTP);
	source_log_lines_release(&lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct observation obs;
	struct json *root = NULL;
	int http;

	for (http = 0; http <= 1; http++) {
		observation_init(&obs);
		add_services(&obs);
		railway_read_observe_text(obs.services, text, size, obs.services_nr, http, START, END, http);
		observation_release(&obs);
	}
	if (json_parse(&root, text, size) == 0)
		read_tree(root);
	json_free(root);
	free(text);
	return 0;
}
