/*
 * The JSON Schema subset that plans are held to: each keyword accepts
 * what it should and names the path of what it refuses.
 */
#include <string.h>

#include "tap.h"
#include "plan/jsonschema.h"
#include "util/error.h"
#include "util/json.h"

static const char *schema_text =
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"summary\",\"causes\",\"confidence\",\"risk\",\"why\"],"
	"\"properties\":{\"summary\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":20},"
	"\"causes\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":2,\"items\":{\"type\":\"object\",\"required\":[\"n\"],"
	"\"additionalProperties\":false,\"properties\":{\"n\":{\"type\":\"integer\"}}}},"
	"\"confidence\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
	"\"risk\":{\"enum\":[\"low\",\"high\"]},\"why\":{\"type\":[\"string\",\"null\"]},"
	"\"kind\":{\"const\":\"plan\"},\"extra\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"boolean\"}}}}";

static int check(const struct json *schema, const char *value)
{
	struct json *v = NULL;
	int err;

	if (json_parse(&v, value, strlen(value)) < 0)
		return -100;
	err = jsonschema_check(schema, v);
	json_free(v);
	return err;
}

#define GOOD "\"summary\":\"s\",\"causes\":[{\"n\":1}],\"confidence\":0.5,\"risk\":\"low\",\"why\":null"

int main(void)
{
	struct json *schema = NULL;

	ok(!json_parse(&schema, schema_text, strlen(schema_text)), "the test schema parses");
	is_int(check(schema, "{" GOOD "}"), 0, "a valid object");
	is_int(check(schema, "{" GOOD ",\"kind\":\"plan\",\"extra\":{\"a\":true}}"), 0, "with optional members");
	is_int(check(schema, "{\"summary\":\"s\"}"), BOT_EINVALID, "a missing required member");
	like(bot_error_last(), "$: 'causes' is required", "named");
	check(schema, "{" GOOD ",\"bogus\":1}");
	like(bot_error_last(), "$: unexpected member 'bogus'", "additionalProperties false");
	check(schema, "{" GOOD ",\"extra\":{\"a\":1}}");
	like(bot_error_last(), "$.extra.a: expected boolean, found number", "additionalProperties as a schema");
	is_int(check(schema, "{\"summary\":\"s\",\"causes\":[{\"n\":1.5}],\"confidence\":0.5,\"risk\":\"low\",\"why\":null}"),
	       BOT_EINVALID, "1.5 is not an integer");
	like(bot_error_last(), "$.causes[0].n: expected integer", "with the item's path");
	check(schema, "{\"summary\":\"s\",\"causes\":[],\"confidence\":0.5,\"risk\":\"low\",\"why\":null}");
	like(bot_error_last(), "$.causes: expected at least 1", "minItems");
	check(schema, "{\"summary\":\"s\",\"causes\":[{\"n\":1},{\"n\":2},{\"n\":3}],\"confidence\":0.5,\"risk\":\"low\",\"why\":null}");
	like(bot_error_last(), "$.causes: expected at most 2", "maxItems");
	check(schema, "{\"summary\":\"\",\"causes\":[{\"n\":1}],\"confidence\":0.5,\"risk\":\"low\",\"why\":null}");
	like(bot_error_last(), "$.summary: expected at least 1", "minLength");
	check(schema, "{\"summary\":\"s\",\"causes\":[{\"n\":1}],\"confidence\":1.5,\"risk\":\"low\",\"why\":null}");
	like(bot_error_last(), "$.confidence: expected a number <= 1", "maximum");
	check(schema, "{\"summary\":\"s\",\"causes\":[{\"n\":1}],\"confidence\":-1,\"risk\":\"low\",\"why\":null}");
	like(bot_error_last(), "$.confidence: expected a number >= 0", "minimum");
	check(schema, "{\"summary\":\"s\",\"causes\":[{\"n\":1}],\"confidence\":0.5,\"risk\":\"huge\",\"why\":null}");
	like(bot_error_last(), "$.risk: \"huge\" is not one of the allowed values", "enum");
	check(schema, "{\"summary\":\"s\",\"causes\":[{\"n\":1}],\"confidence\":0.5,\"risk\":\"low\",\"why\":3}");
	like(bot_error_last(), "$.why: expected string or null, found number", "a list of types");
	check(schema, "{" GOOD ",\"kind\":\"other\"}");
	like(bot_error_last(), "$.kind: not the constant", "const");
	is_int(check(schema, "[1]"), BOT_EINVALID, "an array where an object is expected");
	json_free(schema);

	ok(!json_parse(&schema, "{\"type\":\"string\",\"pattern\":\"^a\"}", 33), "a schema with an unknown keyword");
	is_int(check(schema, "\"abc\""), BOT_EINVALID, "is refused, never half-applied");
	like(bot_error_last(), "uses 'pattern'", "naming the keyword");
	json_free(schema);
	return done_testing();
}
