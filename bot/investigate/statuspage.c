/*
 * Atlassian Statuspage v2 summaries (statuspage.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "investigate/statuspage.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* A summary is small (tens of kB); anything far larger is not one. */
#define SUMMARY_MAX_BODY (2u << 20)

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void upstream_status_init(struct upstream_status *s, const char *name, const char *page_url)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->page_url = dup_or_null(page_url);
}

/* Frees what a summary filled in, keeping name and URL. */
static void clear_summary(struct upstream_status *s)
{
	size_t i, j;

	for (i = 0; i < s->components_nr; i++) {
		free(s->components[i].name);
		free(s->components[i].status);
	}
	free(s->components);
	for (i = 0; i < s->incidents_nr; i++) {
		struct upstream_incident *inc = &s->incidents[i];
		free(inc->name);
		free(inc->status);
		free(inc->impact);
		free(inc->shortlink);
		for (j = 0; j < inc->components_nr; j++)
			free(inc->components[j]);
		free(inc->components);
	}
	free(s->incidents);
	free(s->indicator);
	free(s->description);
	free(s->error);
	s->components = NULL;
	s->incidents = NULL;
	s->components_nr = s->components_alloc = s->incidents_nr = s->incidents_alloc = 0;
	s->indicator = s->description = s->error = NULL;
	s->answered = 0;
}

void upstream_status_release(struct upstream_status *s)
{
	clear_summary(s);
	free(s->name);
	free(s->page_url);
	memset(s, 0, sizeof(*s));
}

static int read_incident(struct upstream_incident *inc, const struct json *node, size_t i)
{
	const char *name, *status, *impact = NULL, *link = NULL;
	const struct json *comps = NULL, *c;
	int err;

	if ((err = json_get_str(&name, node, "incidents[%zu].name", i)) < 0 ||
	    (err = json_get_str(&status, node, "incidents[%zu].status", i)) < 0 ||
	    (err = json_get_opt_str(&impact, node, "incidents[%zu].impact", i)) < 0 ||
	    (err = json_get_opt_str(&link, node, "incidents[%zu].shortlink", i)) < 0)
		return err;
	/* started_at is newer than the API's first version; created_at is always there. */
	if (json_get_opt_time(&inc->started_at, node, "incidents[%zu].started_at", i) < 0 || !inc->started_at)
		if ((err = json_get_opt_time(&inc->started_at, node, "incidents[%zu].created_at", i)) < 0)
			return err;
	inc->name = xstrdup(name);
	inc->status = xstrdup(status);
	inc->impact = dup_or_null(impact);
	inc->shortlink = dup_or_null(link);
	comps = json_get(node, "incidents[%zu].components", i);
	inc->components = xcalloc(json_size(comps) + 1, sizeof(*inc->components));
	for (c = json_first(comps); c; c = json_next(c)) {
		const char *cname = json_str_value(json_member(c, "name"));
		if (cname)
			inc->components[inc->components_nr++] = xstrdup(cname);
	}
	return 0;
}

int statuspage_parse_summary(struct upstream_status *s, const char *body, size_t len)
{
	struct json *root = NULL;
	const struct json *arr, *c;
	const char *indicator, *description = NULL;
	size_t i;
	int err;

	clear_summary(s);
	if ((err = json_parse(&root, body, len)) < 0)
		return err;
	if ((err = json_get_str(&indicator, root, "status.indicator")) < 0 ||
	    (err = json_get_opt_str(&description, root, "status.description")) < 0)
		goto fail;
	s->indicator = xstrdup(indicator);
	s->description = dup_or_null(description);
	if (json_get(root, "components") && (err = json_get_arr(&arr, root, "components")) < 0)
		goto fail;
	for (c = json_first(json_get(root, "components")), i = 0; c; c = json_next(c), i++) {
		const char *name, *status;
		if ((err = json_get_str(&name, root, "components[%zu].name", i)) < 0 ||
		    (err = json_get_str(&status, root, "components[%zu].status", i)) < 0)
			goto fail;
		ALLOC_GROW(s->components, s->components_nr + 1, s->components_alloc);
		s->components[s->components_nr].name = xstrdup(name);
		s->components[s->components_nr++].status = xstrdup(status);
	}
	if (json_get(root, "incidents") && (err = json_get_arr(&arr, root, "incidents")) < 0)
		goto fail;
	for (c = json_first(json_get(root, "incidents")), i = 0; c; c = json_next(c), i++) {
		const char *status = json_str_value(json_member(c, "status"));
		/* summary.json lists unresolved incidents; a page that lists more is read the same way. */
		if (status && (!strcmp(status, "resolved") || !strcmp(status, "postmortem")))
			continue;
		ALLOC_GROW(s->incidents, s->incidents_nr + 1, s->incidents_alloc);
		memset(&s->incidents[s->incidents_nr], 0, sizeof(*s->incidents));
		s->incidents_nr++;
		if ((err = read_incident(&s->incidents[s->incidents_nr - 1], root, i)) < 0)
			goto fail;
	}
	json_free(root);
	s->answered = 1;
	return 0;
fail:
	json_free(root);
	clear_summary(s);
	return err;
}

void statuspage_check_all(struct http_client *client, struct upstream_status *items, size_t n,
			  long timeout_ms)
{
	struct http_request *reqs;
	struct http_response *resps;
	size_t *which, nr = 0, i;
	int *results;

	reqs = xcalloc(n ? n : 1, sizeof(*reqs));
	resps = xcalloc(n ? n : 1, sizeof(*resps));
	results = xcalloc(n ? n : 1, sizeof(*results));
	which = xcalloc(n ? n : 1, sizeof(*which));
	for (i = 0; i < n; i++) {
		struct strbuf url = STRBUF_INIT;
		const char *base = items[i].page_url;

		clear_summary(&items[i]);
		if (!base || !*base) {
			items[i].error = xstrdup("no Statuspage v2 page known for this provider: not checked");
			continue;
		}
		strbuf_addstr(&url, base);
		while (url.len && url.buf[url.len - 1] == '/')
			strbuf_setlen(&url, url.len - 1);
		strbuf_addstr(&url, "/api/v2/summary.json");
		http_request_init(&reqs[nr], "GET", url.buf);
		reqs[nr].timeout_ms = timeout_ms;
		reqs[nr].no_retry = 1;
		reqs[nr].max_body = SUMMARY_MAX_BODY;
		http_response_init(&resps[nr]);
		which[nr++] = i;
		strbuf_release(&url);
	}
	if (nr)
		http_run_all(client, reqs, resps, results, nr);
	for (i = 0; i < nr; i++) {
		struct upstream_status *s = &items[which[i]];
		struct strbuf why = STRBUF_INIT;

		if (results[i] < 0)
			strbuf_addf(&why, "%s", resps[i].error.len ? resps[i].error.buf : "no answer");
		else if (resps[i].status != 200)
			strbuf_addf(&why, "HTTP %ld", resps[i].status);
		else if (statuspage_parse_summary(s, resps[i].body.buf, resps[i].body.len) < 0)
			strbuf_addf(&why, "not a Statuspage v2 summary: %s", bot_error_last());
		if (why.len)
			s->error = strbuf_detach(&why, NULL);
		strbuf_release(&why);
		http_request_release(&reqs[i]);
		http_response_release(&resps[i]);
	}
	free(reqs);
	free(resps);
	free(results);
	free(which);
}

static int named(const char *name, const char *const *list, size_t n)
{
	size_t i;

	if (!n)
		return 1;
	for (i = 0; i < n; i++)
		if (name && !strcasecmp(name, list[i]))
			return 1;
	return 0;
}

int upstream_in_trouble(const struct upstream_status *s, const char *const *components, size_t n,
			struct strbuf *why)
{
	size_t i, j;

	if (!s->answered)
		return 0;
	for (i = 0; i < s->incidents_nr; i++) {
		const struct upstream_incident *inc = &s->incidents[i];
		int touches = !inc->components_nr;

		for (j = 0; j < inc->components_nr && !touches; j++)
			touches = named(inc->components[j], components, n);
		if (!touches)
			continue;
		if (why)
			strbuf_addf(why, "%s: incident '%s' (%s, impact %s)", s->name, inc->name,
				    inc->status, inc->impact ? inc->impact : "unknown");
		return 1;
	}
	for (i = 0; i < s->components_nr; i++) {
		const struct upstream_component *c = &s->components[i];

		if (!strcmp(c->status, "operational") || !named(c->name, components, n))
			continue;
		if (why)
			strbuf_addf(why, "%s: component '%s' is %s", s->name, c->name, c->status);
		return 1;
	}
	return 0;
}

struct json *upstream_status_to_json(const struct upstream_status *s)
{
	struct json *root = json_new_object(), *comps = json_new_array(), *incs = json_new_array();
	size_t i;

	json_set_str(root, "name", s->name);
	json_set_opt_str(root, "page_url", s->page_url);
	json_set_bool(root, "answered", s->answered);
	json_set_opt_str(root, "error", s->error);
	json_set_opt_str(root, "indicator", s->indicator);
	json_set_opt_str(root, "description", s->description);
	for (i = 0; i < s->components_nr; i++) {
		struct json *c = json_new_object();
		json_set_str(c, "name", s->components[i].name);
		json_set_str(c, "status", s->components[i].status);
		json_append(comps, c);
	}
	for (i = 0; i < s->incidents_nr; i++) {
		const struct upstream_incident *inc = &s->incidents[i];
		struct json *j = json_new_object();
		json_set_str(j, "name", inc->name);
		json_set_str(j, "status", inc->status);
		json_set_opt_str(j, "impact", inc->impact);
		json_set_opt_str(j, "shortlink", inc->shortlink);
		if (inc->started_at)
			json_set_time(j, "started_at", inc->started_at);
		else
			json_set(j, "started_at", json_new_null());
		json_set(j, "components", json_new_str_array((const char *const *)inc->components,
							     inc->components_nr));
		json_append(incs, j);
	}
	json_set(root, "components", comps);
	json_set(root, "incidents", incs);
	return root;
}
