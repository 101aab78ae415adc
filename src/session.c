/* session.c - a project opened for work: config, graph, env, connection. */
#include "config.h"
#include "rt_session.h"

#include <stdlib.h>
#include <string.h>

#include "rt_config.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_sandbox.h"

struct rt_session {
	char *dir;
	char *env_name;           /* --env or rt_session_set_env; NULL = choose */
	char *url;                /* --url */
	struct rt_config *cfg;
	struct rt_graph *graph;
	const struct rt_env *env; /* borrowed from cfg */
	struct rt_db *db;
	char *url_masked;
	bool tried;               /* rt_session_connect ran since the last env change */
};

struct rt_session *
rt_session_new(const struct rt_session_opts *opts, struct rt_err *err)
{
	struct rt_session *s = rt_xcalloc(1, sizeof(*s));

	s->dir = rt_xstrdup(opts->dir ? opts->dir : "migrations");
	s->env_name = opts->env_name ? rt_xstrdup(opts->env_name) : NULL;
	s->url = opts->url ? rt_xstrdup(opts->url) : NULL;
	s->url_masked = rt_xstrdup("");
	s->cfg = rt_config_load(s->dir, err);
	if (!s->cfg) {
		rt_session_free(s);
		return NULL;
	}
	return s;
}

void
rt_session_free(struct rt_session *s)
{
	if (!s)
		return;
	rt_db_close(s->db);
	rt_graph_free(s->graph);
	rt_config_free(s->cfg);
	free(s->dir);
	free(s->env_name);
	free(s->url);
	free(s->url_masked);
	free(s);
}

const struct rt_config *
rt_session_config(const struct rt_session *s)
{
	return s->cfg;
}

static int
keep_graph(struct rt_session *s, struct rt_graph *g)
{
	if (!g)
		return -1;
	rt_graph_free(s->graph);
	s->graph = g;
	return 0;
}

int
rt_session_load_graph(struct rt_session *s, struct rt_err *err)
{
	return keep_graph(s, rt_graph_load(s->cfg->versions_dir, err));
}

int
rt_session_load_graph_headers(struct rt_session *s, struct rt_err *err)
{
	return keep_graph(s, rt_graph_load_headers(s->cfg->versions_dir, err));
}

const struct rt_graph *
rt_session_graph(const struct rt_session *s)
{
	return s->graph;
}

/* Several envs and none marked default: which one is for the user to say. */
static void
no_default_env(const struct rt_config *cfg, struct rt_err *err)
{
	struct rt_strv names = { 0 };
	char *list;

	for (size_t i = 0; i < cfg->nenvs; i++)
		rt_strv_push(&names, cfg->envs[i].name);
	list = rt_strv_join(&names, ", ");
	rt_err_set(err, RT_ERR_INPUT, "no env chosen: %s has %zu envs (%s) and none is the "
		   "default: pass --env NAME, or set default = true in one of them", cfg->path,
		   cfg->nenvs, list);
	free(list);
	rt_strv_free(&names);
}

/* Picks the env and the raw URL; *use_sandbox when the env's sandbox serves. */
static int
choose(struct rt_session *s, char **url, bool *use_sandbox, struct rt_err *err)
{
	const char *raw = NULL, *dburl = getenv("DATABASE_URL");

	*use_sandbox = false;
	*url = NULL;
	s->env = NULL;
	if (s->env_name || (!s->url && !dburl)) {
		s->env = rt_config_env(s->cfg, s->env_name, err);
		if (!s->env) {
			if (err && err->kind != RT_ERR_NONE)
				return -1;
			if (s->cfg->nenvs > 1)
				no_default_env(s->cfg, err);
			else
				rt_err_set(err, RT_ERR_INPUT, "no database: give --url, set "
					   "DATABASE_URL, or add an [env NAME] section to %s",
					   s->cfg->path);
			return -1;
		}
	}
	if (s->url)
		raw = s->url;
	else if (!s->env_name && dburl)
		raw = dburl;
	else if (s->env->is_sandbox)
		*use_sandbox = true;
	else
		raw = s->env->url;
	if (*use_sandbox)
		return 0;
	*url = rt_expand_vars(raw, err);
	return *url ? 0 : -1;
}

int
rt_session_connect(struct rt_session *s, struct rt_err *err)
{
	struct rt_vt_opts vt = { s->cfg->version_schema, s->cfg->version_table };
	const char *dbname;
	bool use_sandbox;
	char *url;

	if (s->db)
		return 0;
	s->tried = true;
	if (choose(s, &url, &use_sandbox, err) < 0)
		return -1;
	if (use_sandbox) {
		dbname = s->env->database ? s->env->database : "retort";
		url = rt_sandbox_url(s->cfg->project_dir, dbname);
		free(s->url_masked);
		s->url_masked = rt_url_mask(url);
		if (rt_sandbox_start(s->cfg->project_dir, dbname, err) < 0) {
			free(url);
			return -1;
		}
	}
	free(s->url_masked);
	s->url_masked = rt_url_mask(url);
	s->db = rt_db_connect(url, &vt, err);
	free(url);
	return s->db ? 0 : -1;
}

struct rt_db *
rt_session_db(struct rt_session *s)
{
	return s->db;
}

const struct rt_env *
rt_session_env(const struct rt_session *s)
{
	return s->env;
}

bool
rt_session_env_is_explicit(const struct rt_session *s)
{
	return s->env_name && s->env && strcmp(s->env_name, s->env->name) == 0;
}

int
rt_session_confirm_protected(const struct rt_session *s, const char *dbname, const char *typed,
			     bool assume_yes, struct rt_err *err)
{
	if (!s || !s->env || !s->env->is_protected)
		return 0;
	if (typed) {
		if (strcmp(typed, dbname) == 0)
			return 0;
		rt_err_set(err, RT_ERR_INPUT, "not confirmed: the typed name is not '%s'; nothing "
			   "changed", dbname);
		return -1;
	}
	if (assume_yes && rt_session_env_is_explicit(s))
		return 0;
	rt_err_set(err, RT_ERR_INPUT, "env '%s' is protected: --yes needs --env %s as well",
		   s->env->name, s->env->name);
	return -1;
}

const char *
rt_session_url_masked(const struct rt_session *s)
{
	return s->url_masked;
}

void
rt_session_get_opts(const struct rt_session *s, struct rt_session_opts *out)
{
	out->dir = s->dir;
	out->env_name = s->env_name;
	out->url = s->url;
}

int
rt_session_set_env(struct rt_session *s, const char *name, struct rt_err *err)
{
	if (!rt_config_env(s->cfg, name, err))
		return -1;
	rt_db_close(s->db);
	s->db = NULL;
	free(s->env_name);
	s->env_name = rt_xstrdup(name);
	/* an explicit env replaces --url for this session */
	free(s->url);
	s->url = NULL;
	s->env = NULL;
	s->tried = false;
	free(s->url_masked);
	s->url_masked = rt_xstrdup("");
	return 0;
}
