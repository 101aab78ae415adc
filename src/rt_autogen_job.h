/* rt_autogen_job.h - the migrate (autogenerate) and schema operations as
 * engine jobs (rt_job.h) both front ends call: `retort migrate` and the
 * console's `:migrate` run rt_autogen_start, `retort schema` runs
 * rt_schema_model_start. Each job runs its sub-jobs in turn (shadow builds
 * with the apply job, the declared schema's load, catalog reads: rt_schema.h,
 * rt_catalog.h); cancel stops the one in flight, and the shadow databases
 * are always dropped. */
#ifndef RT_AUTOGEN_JOB_H
#define RT_AUTOGEN_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_catalog;
struct rt_db;
struct rt_err;
struct rt_graph;
struct rt_job;

struct rt_autogen_job_opts {
	const char *shadow_url;     /* create the shadows on this server; NULL: live's */
	const char *schema_file;    /* the declared schema (retort.conf's schema_file) */
	const char *versions_dir;   /* where the new revision file goes */
	const char *id;             /* the new revision's id; NULL: a new random one */
	const char *message;        /* the new revision's message (not empty) */
	bool no_rename;             /* a column gone and a like one added: drop + add */
};

/* What a migrate job did; zeroed by the caller, filled as the job runs,
 * freed with rt_autogen_result_free. */
struct rt_autogen_result {
	char *id;                   /* the new revision's id (set by rt_autogen_start) */
	char *path;                 /* the file written, or NULL (no changes, failure) */
	size_t nstatements;         /* statements of its upgrade */
	bool no_changes;            /* the declared schema is the migrations' head */
	const char *phase;          /* what runs now ("building the head in a shadow
	                             * database"), static text; NULL before and after */
	struct rt_strv warnings;    /* each shadow database that could not be dropped */
};

void rt_autogen_result_free(struct rt_autogen_result *r);

/* The checks rt_autogen_start makes before any database work, in this
 * order: the message (not empty), the id (valid, not in g), the declared
 * schema file (readable), the parent (one head: several are RT_ERR_INPUT
 * naming them). 0, or -1 with err (RT_ERR_INPUT). */
int rt_autogen_check(const struct rt_graph *g, const struct rt_autogen_job_opts *opts,
		     struct rt_err *err);

/* Starts migrate: rt_autogen_check; then, in the job, a shadow database
 * with the migrations upgraded to the head (empty when there is no
 * revision) and read, and at the same time a second one with the declared
 * schema file loaded and read, rt_autogen_generate both ways (casts asked of the shadows), and
 * unless nothing changed, the revision file written with rt_rev_create
 * (its parent the head). live must be connected (or NULL with
 * opts->shadow_url) and stay unused while the job runs; g and out are
 * borrowed until the job is freed. The job fails with RT_ERR_INPUT
 * "file:line: message" when the declared schema does not load, RT_ERR_RUN
 * on a server error (the shadow build's detail says so), RT_ERR_CANCEL
 * after rt_job_cancel: then no file is written. Returns a job owned by the
 * caller, or NULL with err. */
struct rt_job *rt_autogen_start(struct rt_db *live, const struct rt_graph *g,
				const struct rt_autogen_job_opts *opts,
				struct rt_autogen_result *out, struct rt_err *err);

/* Starts the schema the migrations produce at target ("head", a revision,
 * "base": an empty shadow) as one job: the shadow database (on live's
 * server, or shadow_url's; live may then be NULL) is created and its
 * upgrade planned before this returns (a bad target: NULL with
 * RT_ERR_INPUT); the upgrade and the read run in the job, which fails with
 * RT_ERR_RUN on a server error (the detail says it was the shadow build)
 * or RT_ERR_CANCEL after rt_job_cancel. The shadow is dropped when the job
 * ends. g is borrowed until the job is freed. Returns a job owned by the
 * caller, or NULL with err. */
struct rt_job *rt_schema_model_start(struct rt_db *live, const struct rt_graph *g,
				     const char *shadow_url, const char *target,
				     struct rt_err *err);

/* After a schema model job ended with 0: its model (ownership moves to the
 * caller; NULL the second time). */
struct rt_catalog *rt_schema_model_take(struct rt_job *job);

/* After a schema model job ended: why its shadow database could not be
 * dropped, or NULL. Borrowed until the job is freed. */
const char *rt_schema_model_warning(const struct rt_job *job);

#endif
