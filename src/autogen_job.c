/* autogen_job.c - the migrate (autogenerate) and schema operations as one
 * job each (rt_autogen_job.h): a small state machine running its sub-jobs
 * in turn (a shadow build with the apply job, the declared schema's load,
 * catalog reads), as verify.c does. Creating and dropping a shadow database
 * is one short blocking statement, as in verify and baseline; so is the
 * cast question rt_autogen_generate asks a shadow. */
#include "config.h"
#include "rt_autogen_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_autogen.h"
#include "rt_catalog.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_project.h"
#include "rt_schema.h"

#define BUILD_DETAIL "while building the migrations in a shadow database"

void
rt_autogen_result_free(struct rt_autogen_result *r)
{
	free(r->id);
	free(r->path);
	rt_strv_free(&r->warnings);
	memset(r, 0, sizeof(*r));
}


/* rt_autogen_check, keeping the parents in *parents (when not NULL). */
static int
check_input(const struct rt_graph *g, const struct rt_autogen_job_opts *o,
	    struct rt_strv *parents, struct rt_err *err)
{
	struct rt_strv p = { 0 };

	if (!o->message || !*o->message) {
		rt_err_set(err, RT_ERR_INPUT, "migrate needs -m MSG (the new revision's message)");
		return -1;
	}
	if (o->id) {
		if (!rt_rev_id_valid(o->id)) {
			rt_err_set(err, RT_ERR_INPUT, "--rev-id '%s': expected 1-32 characters of "
				   "[0-9a-z_]", o->id);
			return -1;
		}
		if (rt_graph_find(g, o->id) >= 0) {
			rt_err_set(err, RT_ERR_INPUT, "revision id %s already exists", o->id);
			return -1;
		}
	}
	if (!o->schema_file || access(o->schema_file, R_OK) != 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s: the declared schema file cannot be read",
			   o->schema_file ? o->schema_file : "schema.sql");
		return -1;
	}
	if (rt_graph_new_parents(g, NULL, &p, err) < 0) {
		rt_strv_free(&p);
		return -1;
	}
	if (p.n > 1) {
		char *heads = rt_strv_join(&p, ", ");

		rt_err_set(err, RT_ERR_INPUT, "several heads (%s): merge them first "
			   "(retort merge -m MSG)", heads);
		free(heads);
		rt_strv_free(&p);
		return -1;
	}
	if (parents)
		*parents = p;
	else
		rt_strv_free(&p);
	return 0;
}

int
rt_autogen_check(const struct rt_graph *g, const struct rt_autogen_job_opts *opts,
		 struct rt_err *err)
{
	return check_input(g, opts, NULL, err);
}

/* ---- the migrate job ---------------------------------------------------------- */

struct ajob {
	bool started, done;
	struct rt_db *live;             /* borrowed; NULL with a shadow url */
	const struct rt_graph *g;       /* borrowed */
	struct rt_autogen_result *out;  /* borrowed */
	char *shadow_url, *schema_file, *versions_dir, *message;
	bool no_rename;
	struct rt_strv parents;
	/* the head's (the migrations upgraded) and the declared schema's (its
	 * file loaded), each built in its own shadow beside the other, then read */
	struct rt_schema_side a, b;
	bool cancelled;
};

/* Drops a shadow; a failure to drop becomes a warning. */
static void
drop(struct rt_autogen_result *out, struct rt_schema_build **b)
{
	struct rt_err e = { 0 };

	if (*b && rt_schema_build_free(*b, &e) < 0)
		rt_strv_push(&out->warnings, e.msg);
	*b = NULL;
}

/* Ends what runs (each sub-job cancelled and waited for: rt_job_free) and
 * drops both shadows. */
static void
drop_all(struct ajob *j)
{
	rt_job_free(j->b.sub);
	j->b.sub = NULL;
	rt_job_free(j->a.sub);
	j->a.sub = NULL;
	drop(j->out, &j->b.b);
	drop(j->out, &j->a.b);
	j->out->phase = NULL;
}

/* Both shadows made (one short blocking statement each), the head's build
 * (or, without revisions, its read) and the declared schema's load started. */
static int
start_sides(struct ajob *j, struct rt_err *err)
{
	int r = 0;

	if (!(j->a.b = rt_schema_build_new(j->live, j->shadow_url, err)))
		return -1;
	if (j->parents.n > 0 &&
	    (r = rt_schema_build_start(j->a.b, j->g, true, "head", &j->a.sub, err)) < 0) {
		if (err->kind != RT_ERR_INPUT)
			rt_err_detail(err, BUILD_DETAIL);
		return -1;
	}
	if (r != 1 && rt_schema_side_read(&j->a, err) < 0)
		return -1;
	if (!(j->b.b = rt_schema_build_new(j->live, j->shadow_url, err)))
		return -1;
	j->b.sub = rt_schema_build_load_start(j->b.b, j->schema_file, err);
	return j->b.sub ? 0 : -1;
}

/* What runs now, for a front end's progress line (static text). */
static const char *
phase_of(const struct ajob *j)
{
	bool a = j->a.sub && !j->a.reading, b = j->b.sub && !j->b.reading;

	if (a && b)
		return "building the head; loading the declared schema in a shadow database";
	if (a)
		return "building the head in a shadow database";
	if (b)
		return "loading the declared schema in a shadow database";
	return "reading the schemas";
}

/* Strips the trailing newlines of a generated section. */
static void
chomp(char *t)
{
	size_t n = strlen(t);

	while (n > 0 && t[n - 1] == '\n')
		t[--n] = '\0';
}

/* Both models read: the SQL both ways, and the file unless nothing changed. */
static int
generate(struct ajob *j, struct rt_err *err)
{
	struct rt_autogen_sql up = { 0 }, down = { 0 };
	struct rt_autogen_opts ao = { 0 };
	int rc = 0;

	ao.no_rename = j->no_rename;
	ao.has_cast = rt_autogen_db_has_cast;
	ao.ctx = rt_schema_build_db(j->b.b);
	rt_autogen_generate(j->a.cat, j->b.cat, &ao, &up);
	ao.ctx = rt_schema_build_db(j->a.b);
	rt_autogen_generate(j->b.cat, j->a.cat, &ao, &down);
	if (up.nchanges == 0 && !*up.sql) {
		j->out->no_changes = true;
	} else {
		struct rt_rev_spec spec = { j->out->id, j->message, &j->parents, NULL, NULL,
					    up.sql, down.sql, NULL,
					    up.needs_tx_off || down.needs_tx_off };

		chomp(up.sql);
		chomp(down.sql);
		if (!(j->out->path = rt_rev_create(j->versions_dir, &spec, err)))
			rc = -1;
		j->out->nstatements = up.nchanges;
	}
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	return rc;
}

static size_t
a_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct ajob *j = impl;
	size_t n = j->a.sub ? rt_job_fds(j->a.sub, fds, max) : 0;

	if (j->b.sub && n < max)
		n += rt_job_fds(j->b.sub, fds + n, max - n);
	return n;
}

static int
a_step(void *impl, struct rt_err *err)
{
	struct ajob *j = impl;
	int rc;

	if (j->done)
		return 0;
	if (!j->started) {
		j->started = true;
		if (!j->cancelled && start_sides(j, err) < 0)
			goto fail;
	}
	if (rt_schema_side_step(&j->a, err) < 0) {
		/* the head's build failing: say so (a read failing needs no word) */
		if (!j->a.reading && err->kind != RT_ERR_CANCEL && err->kind != RT_ERR_INPUT)
			rt_err_detail(err, BUILD_DETAIL);
		goto fail;
	}
	if (rt_schema_side_step(&j->b, err) < 0)
		goto fail;
	if (j->cancelled) {
		if (j->a.sub || j->b.sub)
			return 1;       /* stopping: the sub-jobs were cancelled */
		rt_err_set(err, RT_ERR_CANCEL, "migrate cancelled");
		goto fail;
	}
	if (!j->a.done || !j->b.done) {
		j->out->phase = phase_of(j);
		return 1;
	}
	j->out->phase = "writing the revision";
	rc = generate(j, err);
	drop_all(j);
	j->done = true;
	return rc < 0 ? -1 : 0;
fail:
	drop_all(j);
	j->done = true;
	return -1;
}

static void
a_cancel(void *impl)
{
	struct ajob *j = impl;

	j->cancelled = true;
	if (j->a.sub)
		rt_job_cancel(j->a.sub);
	if (j->b.sub)
		rt_job_cancel(j->b.sub);
}

static void
a_free(void *impl)
{
	struct ajob *j = impl;

	drop_all(j);
	rt_catalog_free(j->a.cat);
	rt_catalog_free(j->b.cat);
	rt_strv_free(&j->parents);
	free(j->shadow_url);
	free(j->schema_file);
	free(j->versions_dir);
	free(j->message);
	free(j);
}

static const struct rt_job_ops autogen_ops = {
	.name = "migrate", .fds = a_fds, .step = a_step, .cancel = a_cancel, .free = a_free,
};

struct rt_job *
rt_autogen_start(struct rt_db *live, const struct rt_graph *g,
		 const struct rt_autogen_job_opts *opts, struct rt_autogen_result *out,
		 struct rt_err *err)
{
	struct rt_strv parents = { 0 };
	struct ajob *j;
	char id[RT_REV_ID_MAX + 1];

	if (check_input(g, opts, &parents, err) < 0)
		return NULL;
	if (opts->id)
		snprintf(id, sizeof(id), "%s", opts->id);
	else
		rt_rev_new_id(id);
	j = rt_xcalloc(1, sizeof(*j));
	j->live = live;
	j->g = g;
	j->out = out;
	j->parents = parents;
	j->shadow_url = opts->shadow_url ? rt_xstrdup(opts->shadow_url) : NULL;
	j->schema_file = rt_xstrdup(opts->schema_file);
	j->versions_dir = rt_xstrdup(opts->versions_dir ? opts->versions_dir : ".");
	j->message = rt_xstrdup(opts->message);
	j->no_rename = opts->no_rename;
	free(out->id);
	out->id = rt_xstrdup(id);
	return rt_job_new(&autogen_ops, j);
}

/* ---- the schema model job ----------------------------------------------------- */

struct sjob {
	struct rt_schema_side side;     /* the build, then the read; owned */
	bool is_done;
	bool cancelled;
	char *warning;
};

/* Ends what runs (rt_job_free cancels and waits) and drops the shadow; a
 * failure to drop becomes the warning. */
static void
s_drop(struct sjob *j)
{
	struct rt_err e = { 0 };

	rt_job_free(j->side.sub);
	j->side.sub = NULL;
	if (j->side.b && rt_schema_build_free(j->side.b, &e) < 0 && !j->warning)
		j->warning = rt_xstrdup(e.msg);
	j->side.b = NULL;
	j->is_done = true;
}

static size_t
s_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct sjob *j = impl;

	return j->side.sub ? rt_job_fds(j->side.sub, fds, max) : 0;
}

static int
s_step(void *impl, struct rt_err *err)
{
	struct sjob *j = impl;

	if (j->is_done)
		return 0;
	if (rt_schema_side_step(&j->side, err) < 0) {
		if (!j->side.reading && err->kind != RT_ERR_CANCEL && err->kind != RT_ERR_INPUT)
			rt_err_detail(err, BUILD_DETAIL);
		s_drop(j);
		return -1;
	}
	if (j->cancelled && !j->side.done) {
		if (j->side.sub)
			return 1;       /* stopping */
		rt_err_set(err, RT_ERR_CANCEL, "schema cancelled");
		s_drop(j);
		return -1;
	}
	if (!j->side.done)
		return 1;
	s_drop(j);
	return 0;
}

static void
s_cancel(void *impl)
{
	struct sjob *j = impl;

	j->cancelled = true;
	if (j->side.sub)
		rt_job_cancel(j->side.sub);
}

static void
s_free(void *impl)
{
	struct sjob *j = impl;

	s_drop(j);
	rt_catalog_free(j->side.cat);
	free(j->warning);
	free(j);
}

static const struct rt_job_ops schema_ops = {
	.name = "schema", .fds = s_fds, .step = s_step, .cancel = s_cancel, .free = s_free,
};

struct rt_job *
rt_schema_model_start(struct rt_db *live, const struct rt_graph *g, const char *shadow_url,
		      const char *target, struct rt_err *err)
{
	struct sjob *j = rt_xcalloc(1, sizeof(*j));
	int r = 0;

	if (!(j->side.b = rt_schema_build_new(live, shadow_url, err)))
		goto fail;
	if (strcmp(target, "base") != 0 &&
	    (r = rt_schema_build_start(j->side.b, g, true, target, &j->side.sub, err)) < 0) {
		if (err->kind != RT_ERR_CANCEL && err->kind != RT_ERR_INPUT)
			rt_err_detail(err, BUILD_DETAIL);
		goto fail;
	}
	if (r != 1 && rt_schema_side_read(&j->side, err) < 0)
		goto fail;
	return rt_job_new(&schema_ops, j);
fail:
	s_free(j);
	return NULL;
}

struct rt_catalog *
rt_schema_model_take(struct rt_job *job)
{
	struct sjob *j;
	struct rt_catalog *cat;

	if (!job || rt_job_ops_of(job) != &schema_ops)
		return NULL;
	j = rt_job_impl(job);
	cat = j->side.cat;
	j->side.cat = NULL;
	return cat;
}

const char *
rt_schema_model_warning(const struct rt_job *job)
{
	if (!job || rt_job_ops_of(job) != &schema_ops)
		return NULL;
	return ((const struct sjob *)rt_job_impl(job))->warning;
}
