/*
 * Statuspage v2 summaries in the real shape (tests/investigate/statuspage/):
 * the indicator, components and unresolved incidents are read; trouble is
 * decided for the components that matter; unreadable bodies are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "investigate/statuspage.h"
#include "util/error.h"
#include "util/strbuf.h"

static int load(struct upstream_status *s, const char *file)
{
	struct strbuf body = STRBUF_INIT;
	struct strbuf path = STRBUF_INIT;
	int err;

	strbuf_addf(&path, "investigate/statuspage/%s", file);
	if (strbuf_read_file(&body, test_data_path(path.buf), 1 << 20) < 0) {
		strbuf_release(&path);
		return -1;
	}
	err = statuspage_parse_summary(s, body.buf, body.len);
	strbuf_release(&body);
	strbuf_release(&path);
	return err;
}

int main(void)
{
	struct upstream_status s;
	struct strbuf why = STRBUF_INIT;
	const char *api[] = { "API Requests" }, *git[] = { "git operations" };
	struct json *j;
	char *text;
	int trouble;

	upstream_status_init(&s, "github", "https://www.githubstatus.com");
	ok(!load(&s, "operational.json") && s.answered, "an operational page is read");
	ok(!strcmp(s.indicator, "none") && s.components_nr == 7 && s.incidents_nr == 0,
	   "indicator none, 7 components, no incident");
	ok(!upstream_in_trouble(&s, NULL, 0, &why) && !why.len, "no trouble");

	ok(!load(&s, "degraded.json") && s.answered, "a page with a degraded component is read");
	trouble = upstream_in_trouble(&s, NULL, 0, &why);
	ok(trouble, "trouble when every component matters: %s", why.buf);
	like(why.buf, "github: component 'Webhooks' is degraded_performance", "naming the component");
	strbuf_reset(&why);
	ok(!upstream_in_trouble(&s, api, 1, &why), "no trouble when only API Requests matters");

	ok(!load(&s, "major.json") && s.incidents_nr == 1, "a page with a major incident is read");
	ok(!strcmp(s.incidents[0].impact, "major") && !strcmp(s.incidents[0].status, "investigating") &&
	   s.incidents[0].components_nr == 1 && !strcmp(s.incidents[0].components[0], "API Requests"),
	   "its impact, status and component");
	is_int(s.incidents[0].started_at, 1795858450000LL, "started_at read as a time (2026-11-28T09:34:10Z)");
	ok(!strcmp(s.incidents[0].shortlink, "https://stspg.io/abc123"), "and its link");
	strbuf_reset(&why);
	trouble = upstream_in_trouble(&s, api, 1, &why);
	ok(trouble, "trouble for API Requests: %s", why.buf);
	like(why.buf, "incident 'Disruption with some GitHub services' (investigating, impact major)", "the incident named");
	strbuf_reset(&why);
	ok(!upstream_in_trouble(&s, git, 1, &why), "none for Git Operations (any case)");

	j = upstream_status_to_json(&s);
	text = json_print(j, 0);
	like(text, "\"started_at\":\"2026-11-28T09:34:10Z\"", "the JSON form keeps the incident's start");
	free(text);
	json_free(j);

	ok(statuspage_parse_summary(&s, "<html>maintenance</html>", 24) < 0 && !s.answered,
	   "an HTML page is refused and leaves the provider unanswered");
	ok(statuspage_parse_summary(&s, "{\"status\":{}}", 13) < 0, "a summary without an indicator is refused: %s",
	   bot_error_last());
	ok(statuspage_parse_summary(&s, "{\"status\":{\"indicator\":\"maintenance\"},\"components\":{}}", 54) < 0,
	   "components that are not a list are refused");
	ok(!statuspage_parse_summary(&s, "{\"status\":{\"indicator\":\"maintenance\"}}", 38) &&
	   !strcmp(s.indicator, "maintenance") && !upstream_in_trouble(&s, NULL, 0, NULL),
	   "an unknown indicator word is kept; no component or incident is no trouble");
	upstream_status_release(&s);

	upstream_status_init(&s, "stripe", NULL);
	ok(!upstream_in_trouble(&s, NULL, 0, NULL), "an unchecked page is not trouble");
	upstream_status_release(&s);
	strbuf_release(&why);
	return done_testing();
}
