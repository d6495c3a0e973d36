#ifndef INVESTIGATE_STATUSPAGE_H
#define INVESTIGATE_STATUSPAGE_H

#include <stddef.h>
#include <stdint.h>

#include "util/json.h"
#include "util/strbuf.h"

struct http_client;

/*
 * Upstream providers' status pages, read through the Atlassian Statuspage
 * v2 API (GET <page>/api/v2/summary.json): the page's indicator, its
 * components' statuses and its unresolved incidents. A page that does not
 * answer, or answers something unreadable, leaves its provider unchecked
 * with the reason; it never fails a scan: an upstream's page is a clue,
 * not the scan's subject.
 *
 * Ownership: a struct upstream_status owns every string it points to;
 * release it with upstream_status_release().
 */

struct upstream_component {
	char *name;
	char *status;    /* operational, degraded_performance, partial_outage, major_outage, under_maintenance */
};

struct upstream_incident {
	char *name;
	char *status;    /* investigating, identified, monitoring (resolved ones are not listed) */
	char *impact;    /* none, minor, major, critical */
	char *shortlink; /* or NULL */
	int64_t started_at; /* ms; 0 when the page gave none */
	char **components;  /* names of the components it affects */
	size_t components_nr;
};

struct upstream_status {
	char *name;      /* the provider, as .autofix.yml or the catalogue names it */
	char *page_url;  /* the page's base URL, e.g. https://www.githubstatus.com */
	int answered;    /* a readable summary came back */
	char *error;     /* why not, when !answered */
	char *indicator; /* none, minor, major, critical (maintenance on some hosts), or NULL */
	char *description;
	struct upstream_component *components;
	size_t components_nr, components_alloc;
	struct upstream_incident *incidents;
	size_t incidents_nr, incidents_alloc;
};

/* Sets up s for provider name at page_url (both copied; page_url may be NULL: not checkable). */
void upstream_status_init(struct upstream_status *s, const char *name, const char *page_url);
void upstream_status_release(struct upstream_status *s);

/*
 * Reads a summary.json body into s (which keeps its name and URL).
 * Unknown indicator and status words are kept as they are. Returns 0, or
 * BOT_EINVALID naming what is wrong (s is then as before, answered 0).
 */
int statuspage_parse_summary(struct upstream_status *s, const char *body, size_t len);

/*
 * Fetches every page of items[0..n) in parallel, each in at most
 * timeout_ms and one attempt, and parses what answered. Never fails: a
 * page that did not answer keeps answered = 0 with the reason in error.
 */
void statuspage_check_all(struct http_client *client, struct upstream_status *items, size_t n,
			  long timeout_ms);

/*
 * Whether s shows trouble that touches the components that matter
 * (components[0..n); n = 0: any): an unresolved incident touching one of
 * them (or touching none named, which is page-wide), or such a component
 * that is not operational. Appends a one-line reason to why (may be
 * NULL). An unchecked page is not trouble: returns 0.
 */
int upstream_in_trouble(const struct upstream_status *s, const char *const *components, size_t n,
			struct strbuf *why);

/* JSON form, for the journal: {name, page_url, answered, error, indicator, description, components, incidents}. */
struct json *upstream_status_to_json(const struct upstream_status *s);

#endif
