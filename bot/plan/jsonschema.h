#ifndef PLAN_JSONSCHEMA_H
#define PLAN_JSONSCHEMA_H

#include "util/json.h"

/*
 * A JSON Schema checker for the schemas autofix writes itself (the LLM
 * plan's), not a general validator: the keywords of the subset that
 * OpenAI's strict structured outputs and Anthropic's tool input schemas
 * share. type (a name or a list), enum, const, required, properties,
 * additionalProperties (false or a schema), items, minItems, maxItems,
 * minLength, maxLength, minimum, maximum. Any other keyword in the schema
 * is an error of the schema (so that it cannot be silently ignored).
 */

/*
 * Checks value against schema. Returns 0, or BOT_EINVALID with the first
 * problem's JSON path and what was expected ("$.root_causes[1].evidence:
 * expected an array, found a string").
 */
int jsonschema_check(const struct json *schema, const struct json *value);

#endif
