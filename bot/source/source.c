/*
 * The source interface: dispatch, and the architecture model every
 * source fills in.
 */
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---------------------------------------------------------------- architecture */

void architecture_init(struct architecture *arch)
{
	memset(arch, 0, sizeof(*arch));
}

void architecture_release(struct architecture *arch)
{
	size_t i;

	for (i = 0; i < arch->services_nr; i++) {
		struct arch_service *s = &arch->services[i];
		free(s->name);
		free(s->id);
		free(s->config_name);
		free(s->repo);
		free(s->image);
		free(s->root_dir);
		free(s->latest_deployment_id);
		free(s->latest_deployment_status);
	}
	for (i = 0; i < arch->volumes_nr; i++) {
		struct arch_volume *v = &arch->volumes[i];
		free(v->name);
		free(v->id);
		free(v->service_id);
		free(v->mount_path);
	}
	free(arch->services);
	free(arch->volumes);
	free(arch->source);
	free(arch->project_id);
	free(arch->project_name);
	free(arch->environment_id);
	free(arch->environment_name);
	free(arch->platform_incident);
	architecture_init(arch);
}

struct arch_service *architecture_add_service(struct architecture *arch, const char *name)
{
	struct arch_service *s;

	ALLOC_GROW(arch->services, arch->services_nr + 1, arch->services_alloc);
	s = &arch->services[arch->services_nr++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	return s;
}

struct arch_volume *architecture_add_volume(struct architecture *arch, const char *name)
{
	struct arch_volume *v;

	ALLOC_GROW(arch->volumes, arch->volumes_nr + 1, arch->volumes_alloc);
	v = &arch->volumes[arch->volumes_nr++];
	memset(v, 0, sizeof(*v));
	v->name = xstrdup(name);
	return v;
}

static struct json *id_name(const char *id, const char *name)
{
	struct json *o = json_new_object();
	json_set_str(o, "id", id);
	json_set_str(o, "name", name);
	return o;
}

static struct json *time_json(int64_t ms)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j;

	if (!ms)
		return json_new_null();
	time_format_iso8601(&sb, ms);
	j = json_new_str(sb.buf);
	strbuf_release(&sb);
	return j;
}

struct json *architecture_to_json(const struct architecture *arch)
{
	struct json *root = json_new_object(), *arr;
	size_t i;

	json_set_str(root, "source", arch->source);
	json_set(root, "project", id_name(arch->project_id, arch->project_name));
	json_set(root, "environment", id_name(arch->environment_id, arch->environment_name));
	if (arch->platform_known) {
		struct json *p = json_new_object();
		json_set_bool(p, "stable", arch->platform_stable);
		json_set_str(p, "incident", arch->platform_incident);
		json_set(root, "platform", p);
	} else {
		json_set(root, "platform", json_new_null());
	}

	arr = json_new_array();
	for (i = 0; i < arch->services_nr; i++) {
		const struct arch_service *s = &arch->services[i];
		struct json *o = json_new_object();
		json_set_str(o, "name", s->name);
		json_set_str(o, "id", s->id);
		json_set_str(o, "config_name", s->config_name);
		json_set_str(o, "repo", s->repo);
		json_set_str(o, "image", s->image);
		json_set_str(o, "root_dir", s->root_dir);
		json_set_num(o, "replicas", s->replicas);
		json_set_bool(o, "observed", s->observed);
		if (s->latest_deployment_id) {
			struct json *d = json_new_object();
			json_set_str(d, "id", s->latest_deployment_id);
			json_set_str(d, "status", s->latest_deployment_status);
			json_set(d, "at", time_json(s->latest_deployment_at));
			json_set(o, "latest_deployment", d);
		} else {
			json_set(o, "latest_deployment", json_new_null());
		}
		json_append(arr, o);
	}
	json_set(root, "services", arr);

	arr = json_new_array();
	for (i = 0; i < arch->volumes_nr; i++) {
		const struct arch_volume *v = &arch->volumes[i];
		struct json *o = json_new_object();
		json_set_str(o, "name", v->name);
		json_set_str(o, "id", v->id);
		json_set_str(o, "service_id", v->service_id);
		json_set_str(o, "mount_path", v->mount_path);
		json_set_num(o, "size_mb", v->size_mb);
		json_set_num(o, "used_mb", v->used_mb);
		json_append(arr, o);
	}
	json_set(root, "volumes", arr);
	return root;
}

static int opt_str(char **out, const struct json *node, const char *key)
{
	const char *s;
	int err = json_get_opt_str(&s, node, "%s", key);

	if (err < 0)
		return err;
	*out = s ? xstrdup(s) : NULL;
	return 0;
}

static int read_arch(struct architecture *out, const struct json *root)
{
	const struct json *arr, *n, *p;
	const char *name;
	size_t i;
	int err;

	if ((err = opt_str(&out->source, root, "source")) < 0 ||
	    (err = opt_str(&out->project_id, root, "project.id")) < 0 ||
	    (err = opt_str(&out->project_name, root, "project.name")) < 0 ||
	    (err = opt_str(&out->environment_id, root, "environment.id")) < 0 ||
	    (err = opt_str(&out->environment_name, root, "environment.name")) < 0)
		return err;
	p = json_get(root, "platform");
	if (p && json_type(p) == JSON_OBJECT) {
		out->platform_known = 1;
		out->platform_stable = json_bool_value(json_get(p, "stable"));
		if ((err = opt_str(&out->platform_incident, p, "incident")) < 0)
			return err;
	}
	if ((err = json_get_arr(&arr, root, "services")) < 0)
		return err;
	for (i = 0, n = json_first(arr); n; n = json_next(n), i++) {
		struct arch_service *s;
		if ((err = json_get_str(&name, root, "services[%zu].name", i)) < 0)
			return err;
		s = architecture_add_service(out, name);
		if ((err = opt_str(&s->id, n, "id")) < 0 ||
		    (err = opt_str(&s->config_name, n, "config_name")) < 0 ||
		    (err = opt_str(&s->repo, n, "repo")) < 0 ||
		    (err = opt_str(&s->image, n, "image")) < 0 ||
		    (err = opt_str(&s->root_dir, n, "root_dir")) < 0 ||
		    (err = opt_str(&s->latest_deployment_id, n, "latest_deployment.id")) < 0 ||
		    (err = opt_str(&s->latest_deployment_status, n, "latest_deployment.status")) < 0 ||
		    (err = json_get_opt_time(&s->latest_deployment_at, n, "latest_deployment.at")) < 0)
			return bot_error_wrap(err, "services[%zu]: ", i);
		s->replicas = (int)json_num_value(json_get(n, "replicas"));
		s->observed = json_bool_value(json_get(n, "observed"));
	}
	if ((err = json_get_arr(&arr, root, "volumes")) < 0)
		return err;
	for (i = 0, n = json_first(arr); n; n = json_next(n), i++) {
		struct arch_volume *v;
		if ((err = json_get_str(&name, root, "volumes[%zu].name", i)) < 0)
			return err;
		v = architecture_add_volume(out, name);
		if ((err = opt_str(&v->id, n, "id")) < 0 ||
		    (err = opt_str(&v->service_id, n, "service_id")) < 0 ||
		    (err = opt_str(&v->mount_path, n, "mount_path")) < 0)
			return bot_error_wrap(err, "volumes[%zu]: ", i);
		v->size_mb = json_num_value(json_get(n, "size_mb"));
		v->used_mb = json_num_value(json_get(n, "used_mb"));
	}
	return 0;
}

int architecture_from_json(struct architecture *out, const struct json *root)
{
	int err = read_arch(out, root);

	if (err < 0)
		architecture_release(out);
	return err;
}

void source_log_lines_release(struct source_log_lines *lines)
{
	size_t i;

	for (i = 0; i < lines->nr; i++) {
		free(lines->items[i].severity);
		free(lines->items[i].message);
	}
	free(lines->items);
	memset(lines, 0, sizeof(*lines));
}

/* ---------------------------------------------------------------- selection */

static struct arch_service *find_deployed(struct architecture *arch, const char *name)
{
	size_t i;

	for (i = 0; i < arch->services_nr; i++)
		if (!strcmp(arch->services[i].name, name) ||
		    (arch->services[i].id && !strcmp(arch->services[i].id, name)))
			return &arch->services[i];
	return NULL;
}

int source_select_services(struct architecture *arch, const struct config *cfg)
{
	size_t i;

	if (!cfg->services_nr) {
		for (i = 0; i < arch->services_nr; i++)
			arch->services[i].observed = 1;
		return 0;
	}
	for (i = 0; i < cfg->services_nr; i++) {
		const struct service_config *sc = &cfg->services[i];
		const char *deployed = sc->deployed_as ? sc->deployed_as : sc->name;
		struct arch_service *s;

		if (!sc->enabled)
			continue;
		s = find_deployed(arch, deployed);
		if (!s) {
			struct strbuf have = STRBUF_INIT;
			size_t j;
			int code;

			for (j = 0; j < arch->services_nr; j++)
				strbuf_addf(&have, "%s'%s'", j ? ", " : "", arch->services[j].name);
			code = bot_error(BOT_ENOTFOUND,
					 "service '%s' of .autofix.yml (deployed as '%s') is not in environment '%s' (it has: %s)",
					 sc->name, deployed,
					 arch->environment_name ? arch->environment_name : "?",
					 have.len ? have.buf : "no services");
			strbuf_release(&have);
			return code;
		}
		s->observed = 1;
		free(s->config_name);
		s->config_name = xstrdup(sc->name);
	}
	return 0;
}

/* ---------------------------------------------------------------- dispatch */

int source_token_from_env(char **out, const char *var, const char *who, const char *key)
{
	const char *token = env_get(var);

	*out = NULL;
	if (!token)
		return bot_error(BOT_EAUTH, "the %s token is missing: set the environment variable '%s' (%s)",
				 who, var, key);
	/* The HTTP layer also masks the header; a message may quote the token anywhere. */
	log_add_secret(token);
	*out = xstrdup(token);
	return 0;
}

int source_open(struct source **out, const struct config *cfg)
{
	const struct source_ops *ops;
	struct source *src;
	int err;

	*out = NULL;
	switch (cfg->source.kind) {
	case SOURCE_RAILWAY:
		ops = &railway_source_ops;
		break;
	case SOURCE_PROMETHEUS:
		ops = &prometheus_source_ops;
		break;
	default:
		return bot_error(BOT_EINVALID, "no source configured: set 'source.railway' or 'source.prometheus' in .autofix.yml");
	}
	src = xcalloc(1, sizeof(*src));
	src->ops = ops;
	src->cfg = cfg;
	if ((err = ops->open(src)) < 0) {
		free(src);
		return err;
	}
	*out = src;
	return 0;
}

void source_close(struct source *src)
{
	if (!src)
		return;
	if (src->ops->close)
		src->ops->close(src);
	free(src);
}

int source_check_config(const struct config *cfg)
{
	struct source *src;
	int err;

	/* Opening reads only the configuration and the environment: the same checks, no request. */
	if ((err = source_open(&src, cfg)) < 0)
		return err;
	source_close(src);
	return 0;
}

int source_architecture(struct source *src, struct architecture *out)
{
	int err = src->ops->architecture(src, out);
	if (err < 0)
		architecture_release(out);
	return err;
}

int source_observe(struct source *src, const struct architecture *arch,
		   int64_t start, int64_t end, int64_t step, struct observation *out)
{
	int err = src->ops->observe(src, arch, start, end, step, out);
	if (err < 0)
		observation_release(out);
	return err;
}

int source_logs(struct source *src, const struct source_log_query *q, struct source_log_lines *out)
{
	int err;

	if (!src->ops->logs)
		return bot_error(BOT_ENOTFOUND, "the %s source has no logs", src->ops->name);
	err = src->ops->logs(src, q, out);
	if (err < 0)
		source_log_lines_release(out);
	return err;
}

int source_deployments(struct source *src, const struct architecture *arch,
		       const struct arch_service *svc, int64_t start, int64_t end,
		       struct service_metrics *out)
{
	size_t before = out->deployments_nr, i;
	int err;

	if (!src->ops->deployments)
		return bot_error(BOT_ENOTFOUND, "the %s source knows no deployments", src->ops->name);
	err = src->ops->deployments(src, arch, svc, start, end, out);
	if (err < 0) {
		/* Take back what a failed listing appended: nothing acts on a partial list. */
		for (i = before; i < out->deployments_nr; i++) {
			free(out->deployments[i].id);
			free(out->deployments[i].status);
			free(out->deployments[i].commit);
			free(out->deployments[i].message);
		}
		out->deployments_nr = before;
	}
	return err;
}
