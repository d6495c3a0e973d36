/* Prometheus's /api/v1/query_range answers, as text and as a tree, with and without a service label. */
#include "fuzz.h"
#include "metrics.h"
#include "source/prometheus.h"
#include "util/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const services[] = { "api", "web" };
	char *text = fuzz_text(data, size);
	struct series a = { 0 }, b = { 0 };
	struct series *const outs[] = { &a, &b };
	size_t bad_a = 0, bad_b = 0;
	size_t *const bads[] = { &bad_a, &bad_b };
	struct json *root = NULL;

	prometheus_read_matrix_text(outs, bads, services, 2, "service", METRIC_MEMORY, text, size, 1.0, 0);
	prometheus_read_matrix_text(outs, bads, services, 1, NULL, METRIC_LATENCY_P95, text, size, 1000.0, 1);
	if (json_parse(&root, text, size) == 0) {
		prometheus_read_matrix(&a, &bad_a, METRIC_CPU, root, 1.0, 0, "cpu");
		prometheus_read_matrix_by(outs, bads, services, 2, METRIC_REQUESTS, "service", root, 60.0, 0,
					  "requests");
	}
	series_normalise(&a);
	series_normalise(&b);
	json_free(root);
	series_release(&a);
	series_release(&b);
	free(text);
	return 0;
}
