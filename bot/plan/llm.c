/*
 * The LLM client (llm.h): what both wire formats share.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plan/jsonschema.h"
#include "plan/llm_internal.h"
#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

void llm_usage_add(int64_t *sum, const struct json *root, const char *path)
{
	double n;

	if (json_get_num(&n, root, "%s", path) < 0 || !(n >= 0))
		return;
	*sum += n > 1e12 ? (int64_t)1000000000000LL : (int64_t)n;
}

/* An LLM answer is a few kB; a cap keeps a broken server from filling memory. */
#define LLM_MAX_BODY (4u << 20)

void llm_reply_init(struct llm_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void llm_reply_release(struct llm_reply *r)
{
	json_free(r->object);
	llm_reply_init(r);
}

int llm_open(struct llm **out, const struct llm_config *cfg, struct http_client *http)
{
	const struct llm_wire *wire;
	const char *key;
	struct llm *llm;

	*out = NULL;
	switch (cfg->provider) {
	case LLM_OPENAI:
		wire = &llm_openai_wire;
		break;
	case LLM_ANTHROPIC:
		wire = &llm_anthropic_wire;
		break;
	default:
		return bot_error(BOT_EINVALID, "no LLM is configured ('llm' is none)");
	}
	if (!cfg->model || !*cfg->model || !cfg->base_url || !*cfg->base_url)
		return bot_error(BOT_EINVALID, "llm: a model and a base_url are needed");
	key = cfg->api_key_env ? env_get(cfg->api_key_env) : NULL;
	if (!key)
		return bot_error(BOT_EAUTH, "the LLM API key is missing: set the environment variable '%s' "
				 "(llm.api_key_env)", cfg->api_key_env ? cfg->api_key_env : "?");
	log_add_secret(key);
	llm = xcalloc(1, sizeof(*llm));
	llm->wire = wire;
	llm->http = http;
	llm->base_url = xstrdup(cfg->base_url);
	while (*llm->base_url && llm->base_url[strlen(llm->base_url) - 1] == '/')
		llm->base_url[strlen(llm->base_url) - 1] = '\0';
	llm->model = xstrdup(cfg->model);
	llm->api_key = xstrdup(key);
	llm->max_tokens = cfg->max_tokens > 0 ? cfg->max_tokens : 4096;
	llm->timeout_ms = cfg->timeout_ms > 0 ? (long)cfg->timeout_ms : 120000;
	*out = llm;
	return 0;
}

void llm_free(struct llm *llm)
{
	if (!llm)
		return;
	free(llm->base_url);
	free(llm->model);
	free(llm->api_key);
	free(llm);
}

const char *llm_provider_name(const struct llm *llm)
{
	return llm->wire->name;
}

void llm_schema_in_prompt(struct strbuf *out, const struct llm_request *lreq)
{
	char *schema = json_print(lreq->schema, 0);

	if (lreq->system)
		strbuf_addf(out, "%s\n\n", lreq->system);
	strbuf_addf(out, "Reply with one JSON object and nothing else. It must match this JSON Schema "
		    "(named %s):\n%s\n", lreq->schema_name, schema);
	free(schema);
}

const char *llm_error_message(const struct json *root)
{
	const char *msg = json_str_value(json_get(root, "error.message"));

	return msg ? msg : json_str_value(json_get(root, "message"));
}

/* A non-200 answer as an error: the provider's message, the code by status. */
static int status_error(const struct llm *llm, const struct http_response *resp)
{
	struct json *root = NULL;
	const char *msg = NULL;
	long s = resp->status;
	int code, err;

	if (json_parse(&root, resp->body.buf, resp->body.len) == 0)
		msg = llm_error_message(root);
	code = s == 401 || s == 403 ? BOT_EAUTH : s == 429 ? BOT_ERATELIMIT :
	       s >= 500 ? BOT_ETRANSIENT : s == 400 || s == 404 || s == 413 || s == 422 ? BOT_EINVALID :
	       BOT_ERROR;
	err = bot_error(code, "%s (%s) answered HTTP %ld%s%s", llm->wire->name, llm->model, s,
			msg ? ": " : "", msg ? msg : "");
	json_free(root);
	return err;
}

/* One HTTP call. Returns 0 with the 200 body in resp, or the error. */
static int call(struct llm *llm, const struct llm_request *lreq, const char *problem,
		struct http_response *resp)
{
	struct http_request req;
	struct strbuf url = STRBUF_INIT;
	int err;

	strbuf_addf(&url, "%s%s", llm->base_url, llm->wire->path);
	http_request_init(&req, "POST", url.buf);
	req.timeout_ms = llm->timeout_ms;
	req.max_body = LLM_MAX_BODY;
	/* An LLM call is not idempotent in cost: the HTTP layer retries only what did not reach the model. */
	llm->wire->build(llm, lreq, problem, &req);
	err = http_do(llm->http, &req, resp);
	http_request_release(&req);
	strbuf_release(&url);
	return err;
}

int llm_complete(struct llm *llm, const struct llm_request *lreq, struct llm_reply *out)
{
	struct http_response resp;
	struct json *obj = NULL;
	char *problem = NULL;
	int err = 0, bad = 0;

	http_response_init(&resp);
	for (;;) {
		if ((err = call(llm, lreq, problem, &resp)) < 0)
			break;
		out->calls++;
		if (resp.status == 400 && llm->wire->schema_refused && !llm->json_object &&
		    llm->wire->schema_refused(&resp)) {
			/* Some OpenAI-compatible servers take no json_schema: say so once, ask again without. */
			log_info("%s at %s does not take response_format json_schema; asking for json_object "
				 "with the schema in the prompt", llm->wire->name, llm->base_url);
			llm->json_object = 1;
			out->fell_back = 1;
			continue;
		}
		if (resp.status != 200) {
			err = status_error(llm, &resp);
			break;
		}
		err = llm->wire->read(resp.body.buf, resp.body.len, &obj, &out->usage);
		if (!err && (err = jsonschema_check(lreq->schema, obj)) < 0) {
			json_free(obj);
			obj = NULL;
		}
		if (err != BOT_EINVALID || bad++)
			break;
		/* Malformed: ask once more, saying what was wrong. */
		free(problem);
		problem = xstrdup(bot_error_last());
	}
	if (!err) {
		out->object = obj;
	} else if (err == BOT_EINVALID && bad > 1) {
		err = bot_error(BOT_EINVALID, "%s (%s) replied twice with no valid %s: %s", llm->wire->name,
				llm->model, lreq->schema_name, problem ? problem : bot_error_last());
	}
	free(problem);
	http_response_release(&resp);
	return err;
}
