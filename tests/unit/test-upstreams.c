/*
 * The upstream catalogue (data/upstreams.json): every provider the issue
 * names is there, checked or said not to be; dependencies of each
 * ecosystem point at their provider.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "investigate/upstreams.h"
#include "util/error.h"
#include "util/strbuf.h"

static const char *inferred(struct strbuf *sb, const struct upstream_catalogue *cat, const char *file, const char *text)
{
	struct dependencies deps = DEPENDENCIES_INIT;
	struct upstream_use *uses;
	size_t nr, i;

	strbuf_reset(sb);
	manifests_read_text(&deps, file, text, strlen(text));
	upstream_catalogue_infer(cat, &deps, &uses, &nr);
	for (i = 0; i < nr; i++)
		strbuf_addf(sb, "%s%s=%s", i ? " " : "", uses[i].provider->key, uses[i].package);
	free(uses);
	dependencies_release(&deps);
	return sb->buf;
}

int main(void)
{
	static const char *const required[] = { "stripe", "twilio", "sendgrid", "openai", "anthropic", "supabase",
						"github", "cloudflare", "vercel", "resend", "clerk", "pusher",
						"algolia", "mongodb-atlas" };
	struct strbuf text = STRBUF_INIT, sb = STRBUF_INIT;
	struct upstream_catalogue *cat = NULL;
	const struct upstream_provider *p;
	size_t i;
	int all = 1;

	ok(strbuf_read_file(&text, test_data_path("../data/upstreams.json"), 1 << 20) == 0, "data/upstreams.json is there");
	ok(upstream_catalogue_load(&cat, text.buf, text.len) == 0, "and loads: %s", cat ? "" : bot_error_last());
	if (!cat)
		return done_testing();
	for (i = 0; i < sizeof(required) / sizeof(*required); i++)
		if (!upstream_catalogue_find(cat, required[i])) {
			diag("missing: %s", required[i]);
			all = 0;
		}
	ok(all, "every provider the issue names is in the catalogue");
	for (i = 0, all = 1; i < upstream_catalogue_size(cat); i++) {
		p = upstream_catalogue_item(cat, i);
		if (p->statuspage ? strncmp(p->statuspage, "https://", 8) != 0 : !p->note)
			all = 0;
	}
	ok(all, "each provider has an https page or a note saying why it is not checked");
	p = upstream_catalogue_find(cat, "stripe");
	ok(p && !p->statuspage && strstr(p->note, "not checked"), "Stripe's page is not Statuspage v2: said, not pretended");

	is_str(inferred(&sb, cat, "package.json", "{\"dependencies\":{\"stripe\":\"1\",\"@supabase/supabase-js\":\"2\",\"left-pad\":\"1\"}}"),
	       "stripe=stripe supabase=@supabase/supabase-js", "npm names");
	is_str(inferred(&sb, cat, "requirements.txt", "OpenAI==1.0\nAnthropic\n"), "openai=openai anthropic=anthropic",
	       "pypi names, normalised");
	is_str(inferred(&sb, cat, "go.mod", "module x\nrequire github.com/stripe/stripe-go/v76 v76.0.0\n"),
	       "stripe=github.com/stripe/stripe-go/v76", "a versioned Go module path matches its prefix");
	is_str(inferred(&sb, cat, "Gemfile", "gem 'twilio-ruby'\ngem 'stripe'\n"), "stripe=stripe twilio=twilio-ruby",
	       "gems, in catalogue order");
	is_str(inferred(&sb, cat, "composer.json", "{\"require\":{\"stripe\":\"1\"}}"), "",
	       "an npm name in another ecosystem does not count");
	upstream_catalogue_free(cat);

	ok(upstream_catalogue_builtin() && upstream_catalogue_find(upstream_catalogue_builtin(), "mongodb-atlas"),
	   "the catalogue built into the binary is the same file");
	ok(upstream_catalogue_load(&cat, "{\"providers\":{\"x\":{\"name\":\"X\",\"statuspage\":null}}}", 52) == BOT_EINVALID,
	   "a provider with neither page nor note is refused: %s", bot_error_last());
	ok(upstream_catalogue_load(&cat, "{}", 2) == BOT_EINVALID, "a document without providers is refused");
	strbuf_release(&text);
	strbuf_release(&sb);
	return done_testing();
}
