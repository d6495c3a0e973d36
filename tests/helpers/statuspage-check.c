/*
 * statuspage-check TIMEOUT_MS NAME=URL...: runs statuspage_check_all() on
 * the pages and prints their JSON forms as one array, with a "trouble"
 * member (the reason, or null) per page. Driven by
 * tests/investigate/statuspage.test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "investigate/statuspage.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

int main(int argc, char **argv)
{
	struct http_client *client;
	struct upstream_status *items;
	struct json *all = json_new_array();
	long timeout_ms;
	int i, n = argc - 2;
	char *text;

	if (argc < 2) {
		fprintf(stderr, "usage: statuspage-check TIMEOUT_MS NAME=URL...\n");
		return 2;
	}
	timeout_ms = strtol(argv[1], NULL, 10);
	items = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*items));
	for (i = 0; i < n; i++) {
		char *eq = strchr(argv[i + 2], '=');
		if (!eq)
			return 2;
		*eq = '\0';
		upstream_status_init(&items[i], argv[i + 2], *(eq + 1) ? eq + 1 : NULL);
	}
	client = http_client_new(NULL);
	statuspage_check_all(client, items, (size_t)n, timeout_ms);
	for (i = 0; i < n; i++) {
		struct strbuf why = STRBUF_INIT;
		struct json *j = upstream_status_to_json(&items[i]);

		if (upstream_in_trouble(&items[i], NULL, 0, &why))
			json_set_str(j, "trouble", why.buf);
		else
			json_set(j, "trouble", json_new_null());
		json_append(all, j);
		strbuf_release(&why);
		upstream_status_release(&items[i]);
	}
	text = json_print(all, 0);
	printf("%s\n", text);
	free(text);
	json_free(all);
	free(items);
	http_client_free(client);
	return 0;
}
