#include <stdlib.h>

#include "util/env.h"
#include "util/banned.h"

const char *env_get(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const char *env_repository(const char **var)
{
	const char *name = env_get("AUTOFIX_REPOSITORY") ? "AUTOFIX_REPOSITORY" : "GITHUB_REPOSITORY";

	if (var)
		*var = name;
	return env_get(name);
}
