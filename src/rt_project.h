/* rt_project.h - creating project files: a new migrations directory, new revisions. */
#ifndef RT_PROJECT_H
#define RT_PROJECT_H

#include <stdbool.h>

struct rt_err;
struct rt_strv;

/* What a new revision file says. */
struct rt_rev_spec {
	const char *id;                 /* a valid revision id (rt_rev_id_valid) */
	const char *message;            /* one line; NULL = "" */
	const struct rt_strv *parents;  /* down_revision; empty or NULL = a root */
	const struct rt_strv *depends;  /* may be NULL */
	const struct rt_strv *labels;   /* may be NULL */
	const char *upgrade;            /* section bodies; NULL = empty */
	const char *downgrade;
	const char *created;            /* NULL: now in UTC, or $RETORT_NOW when set;
	                                 * "": no created line */
	bool is_transaction_off;        /* writes "transaction off" */
};

/* The text of the file spec describes into text (appended) and its file name,
 * <id>_<slug>.sql, into *name (owned by the caller). Checks spec as
 * rt_rev_create does. Returns 0, or -1 with err (RT_ERR_INPUT). */
struct rt_buf;
int rt_rev_render(const struct rt_rev_spec *spec, struct rt_buf *text, char **name,
		  struct rt_err *err);

/* Writes versions_dir/<id>_<slug>.sql, never overwriting. Returns the new
 * path (owned by the caller), or NULL with err: RT_ERR_INPUT for a bad id or
 * a multi-line message or an existing file, RT_ERR_RUN for a write error. */
char *rt_rev_create(const char *versions_dir, const struct rt_rev_spec *spec, struct rt_err *err);

/* Creates dir (and missing parents), dir/versions and a starter
 * dir/retort.conf with a sandbox dev env. Fails (RT_ERR_INPUT) when
 * dir/retort.conf exists. */
int rt_project_init(const char *dir, struct rt_err *err);

/* mkdir -p dir (each missing component, mode 0755). 0, or -1 with err
 * (RT_ERR_INPUT naming the component that could not be made). */
int rt_make_dirs(const char *dir, struct rt_err *err);

#endif
