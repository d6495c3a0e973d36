/*
 * Runs autofix's detector over scenario files and prints, per file, one
 * JSON line: {"file", "start", "step", "findings": [{service, kind,
 * severity, method, onset, detected}]} with times in ms since the epoch.
 * bench/detect-quality.js reads it to put autofix beside the static
 * thresholds and Prometheus's alerting rules.
 *
 *   build/bench/detect-dump tests/scenarios/base.autofix.json tests/scenarios/case.json...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "detect/detect.h"
#include "metrics.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strbuf.h"

static int read_json(struct json **out, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = strbuf_read_file(&sb, path, 64 << 20);

	if (!ret)
		ret = json_parse(out, sb.buf, sb.len);
	strbuf_release(&sb);
	return ret;
}

static int run(const char *base_path, const char *path)
{
	struct json *base = NULL, *doc = NULL, *out = NULL, *arr;
	struct config_diags diags = { NULL, 0, 0 };
	struct findings f = FINDINGS_INIT;
	struct observation obs;
	struct config cfg;
	char *text = NULL;
	size_t i;
	int ret;

	config_init(&cfg);
	observation_init(&obs);
	if ((ret = read_json(&base, base_path)) < 0 || (ret = read_json(&doc, path)) < 0)
		goto out;
	if (json_member(doc, "config_overrides"))
		json_merge(base, json_member(doc, "config_overrides"));
	text = json_print(base, 0);
	if ((ret = config_load_buffer(&cfg, path, text, strlen(text), &diags)) < 0 ||
	    (ret = observation_from_json(&obs, json_member(doc, "observation"))) < 0 ||
	    (ret = detect_run(&f, &obs, &cfg)) < 0)
		goto out;
	out = json_new_object();
	json_set_str(out, "file", path);
	json_set_num(out, "start", (double)obs.start);
	json_set_num(out, "step", (double)obs.step);
	arr = json_new_array();
	for (i = 0; i < f.nr; i++) {
		struct json *o = json_new_object();
		json_set_str(o, "service", f.items[i].service);
		json_set_str(o, "kind", finding_kind_name(f.items[i].kind));
		json_set_str(o, "severity", severity_name(f.items[i].severity));
		json_set_str(o, "method", finding_method_name(f.items[i].method));
		json_set_num(o, "onset", (double)f.items[i].onset);
		json_set_num(o, "detected", (double)f.items[i].detected);
		json_append(arr, o);
	}
	json_set(out, "findings", arr);
	free(text);
	text = json_print(out, 0);
	printf("%s\n", text);
out:
	if (ret < 0)
		fprintf(stderr, "detect-dump: %s: %s\n", path,
			diags.nr ? diags.items[0].message : bot_error_last());
	free(text);
	json_free(out);
	json_free(base);
	json_free(doc);
	findings_release(&f);
	observation_release(&obs);
	config_release(&cfg);
	config_diags_release(&diags);
	return ret;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: detect-dump BASE.autofix.json SCENARIO.json...\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		if (run(argv[1], argv[i]) < 0)
			failed = 1;
	return failed;
}
