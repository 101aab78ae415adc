/* rt_config.h - migrations/retort.conf (retort.conf(5)) and environments. */
#ifndef RT_CONFIG_H
#define RT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* rt_url_mask, rt_url_dbname: callers that include only this header, from
 * when they were declared here, keep compiling */
#include "rt_conninfo.h"

struct rt_err;

struct rt_env {
	char *name;
	char *url;            /* as written (may hold ${VAR}); NULL when absent */
	char *database;       /* sandbox database name (default "retort") */
	bool is_protected;    /* typed confirmation, automatic backup, reset refused */
	bool is_sandbox;      /* use the embedded cluster under .retort/sandbox */
	bool is_default;
};

struct rt_config {
	char *dir;            /* the migrations directory (as given) */
	char *path;           /* the config file path; the file may not exist */
	char *project_dir;    /* the directory holding dir (where .retort/ lives), absolute */
	char *versions_dir;   /* absolute or relative to cwd; default dir/versions */
	char *schema_file;    /* default dir/schema.sql */
	char *seeds_dir;      /* default dir/seeds */
	char *backup_dir;     /* default project_dir/backups */
	int retention_days;   /* default 7; 0 = keep */
	int retention_count;  /* default 0 = no count limit */
	bool auto_backup;     /* back up protected envs before upgrade/downgrade; default true */
	char *version_table;  /* default "alembic_version" */
	char *version_schema; /* NULL = the search_path's first schema */
	int lock_timeout_ms;  /* advisory lock wait; default 60000; -1 = forever */
	int ddl_lock_timeout_ms; /* lock_timeout for migration statements; default 2000; -1 = none */
	int lock_retries;     /* retries of a revision that hit ddl_lock_timeout; default 5 */
	struct rt_env *envs;
	size_t nenvs;
	bool was_found;       /* the file existed */
	char *warning;        /* e.g. a password in a file others can read; NULL if none */
};

/* Loads dir/retort.conf with libinih. A missing file gives the defaults
 * (was_found false). Returns a config owned by the caller (rt_config_free), or
 * NULL with err (RT_ERR_INPUT, "path:line: what is wrong") on bad syntax, an
 * unknown key or section, or a bad value. */
struct rt_config *rt_config_load(const char *dir, struct rt_err *err);

void rt_config_free(struct rt_config *cfg);

/* The env called name, or the default env when name is NULL (the one marked
 * default = true, else the only env, else NULL without error). Borrowed.
 * Unknown name: NULL and err (RT_ERR_INPUT) naming the envs that exist. */
const struct rt_env *rt_config_env(const struct rt_config *cfg, const char *name,
				   struct rt_err *err);

/* Expands ${VAR} in s from the environment. Returns a new string owned by the
 * caller, or NULL with err (RT_ERR_INPUT) naming an unset variable. */
char *rt_expand_vars(const char *s, struct rt_err *err);

#endif
