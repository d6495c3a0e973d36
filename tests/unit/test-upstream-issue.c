/* The upstream issue's key: what its marker says, whatever the provider and service are called. */
#include <string.h>

#include "tap.h"
#include "deliver/upstream_issue.h"
#include "util/marker.h"
#include "util/strbuf.h"

static void key_is(const char *provider, const char *service, const char *want, const char *name)
{
	struct strbuf key = STRBUF_INIT, m = STRBUF_INIT;

	upstream_issue_key(&key, provider, service, "1f2e3d4c5b6a7980");
	is_str(key.buf, want, "%s", name);
	ok(marker_format(&m, "upstream", key.buf) == 0, "%s: a valid marker key", name);
	strbuf_release(&key);
	strbuf_release(&m);
}

int main(void)
{
	key_is("github", "api", "github:api:1f2e3d4c5b6a7980", "provider, service and fingerprint, by ':'");
	key_is("MongoDB Atlas", "web.front_1", "MongoDB_Atlas:web.front_1:1f2e3d4c5b6a7980",
	       "a space becomes '_'; '.', '_' and case are kept");
	key_is("a:b", "c<d>", "a_b:c_d_:1f2e3d4c5b6a7980", "':' '<' '>' inside a part become '_' (the parts stay three)");
	key_is("x--y", "z---", "x_-y:z__-:1f2e3d4c5b6a7980", "no '--' (which would end the HTML comment)");
	return done_testing();
}
