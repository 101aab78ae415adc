/* rt_schema.h - schemas built in a shadow database (rt_shadow.h) and read
 * as models (rt_catalog.h): the migrations up to a revision (`retort schema`,
 * `retort verify`, `retort check`), or the declared schema file run as it
 * is. The hook for `retort migrate` (autogenerate): build the head and the
 * declared schema in two of these and diff the models. */
#ifndef RT_SCHEMA_H
#define RT_SCHEMA_H

#include <stdbool.h>

struct rt_catalog;
struct rt_db;
struct rt_err;
struct rt_graph;
struct rt_job;

struct rt_schema_build;

/* Creates a shadow database: on live's server, or, when shadow_url is not
 * NULL, on the server shadow_url names (retort connects to that database
 * only to CREATE and finally DROP its own retort_shadow_<pid>_<random>
 * database there; live may then be NULL). Takes the shadow's migration lock.
 * Returns a build owned by the caller (rt_schema_build_free), or NULL with
 * err (RT_ERR_RUN: no CREATEDB right, server gone; RT_ERR_INPUT: a bad URL). */
struct rt_schema_build *rt_schema_build_new(struct rt_db *live, const char *shadow_url,
					    struct rt_err *err);

/* Starts upgrading (is_up) the shadow from where it is to target, or
 * downgrading it to target ("-1", a revision, "base"), with the apply job
 * (rt_apply.h). Returns 1 with *job set (owned by the caller, free it before
 * the build), 0 when there is nothing to run, -1 with err (RT_ERR_INPUT on a
 * bad target). */
int rt_schema_build_start(struct rt_schema_build *b, const struct rt_graph *g, bool is_up,
			  const char *target, struct rt_job **job, struct rt_err *err);

/* rt_schema_build_start, except that a plan of transactional revisions only
 * runs in one transaction that stays open when the job succeeds (*open
 * true; rt_apply_opts.keep_open): the shadow can be read in that state
 * (rt_catalog_opts.in_tx), then put back with rt_schema_build_rollback,
 * which costs a ROLLBACK instead of the inverse plan. A plan holding a
 * transaction-off revision runs and commits as rt_schema_build_start runs
 * it (*open false). */
int rt_schema_build_try(struct rt_schema_build *b, const struct rt_graph *g, bool is_up,
			const char *target, bool *open, struct rt_job **job, struct rt_err *err);

/* Rolls back the transaction rt_schema_build_try left open, and empties the
 * change log (which the rollback brings back to what it held before). 0, or
 * -1 with err. */
int rt_schema_build_rollback(struct rt_schema_build *b, struct rt_err *err);

/* Runs the statements of the SQL file at path in the shadow, one by one, as
 * they are (no transaction of its own). Returns 0, or -1 with err:
 * RT_ERR_INPUT "path:line: server message" for the statement that failed
 * (or a file that cannot be read or split). */
int rt_schema_build_load_file(struct rt_schema_build *b, const char *path, struct rt_err *err);

/* rt_schema_build_load_file as a job: one statement in flight at a time;
 * rt_job_cancel stops the one running (RT_ERR_CANCEL). The file is read and
 * split before this returns (bad input: NULL with err). Returns a job owned
 * by the caller (free it before the build), or NULL with err. */
struct rt_job *rt_schema_build_load_start(struct rt_schema_build *b, const char *path,
					  struct rt_err *err);

/* Reads the shadow's schema (rt_catalog_read). A new model owned by the
 * caller, or NULL with err. */
struct rt_catalog *rt_schema_build_read(struct rt_schema_build *b, struct rt_err *err);

/* Starts the shadow's change log (for rt_catalog_opts.touched): every
 * DDL command run on the shadow's connection from now on logs the anchors
 * of what it made, changed or dropped. Event triggers do it, so it needs a
 * superuser. Returns 1, 0 when the role may not (no log: read whole
 * models), -1 with err when the server fails. */
int rt_schema_build_track(struct rt_schema_build *b, struct rt_err *err);

/* One schema built in its own shadow and then read, stepped by hand beside
 * other work (verify and migrate build two at once): set b and start sub
 * (a build or a load: rt_schema_build_start, rt_schema_build_load_start),
 * or call rt_schema_side_read when there is nothing to build; then
 * rt_schema_side_step until done. The caller owns b, sub and cat; sub's
 * fds are the side's. */
struct rt_schema_side {
	struct rt_schema_build *b;
	struct rt_job *sub;             /* the build, then the read */
	bool reading, done;
	struct rt_catalog *cat;         /* the model, once done */
};

/* Starts the side's read. 0, or -1 with err. */
int rt_schema_side_read(struct rt_schema_side *s, struct rt_err *err);

/* One step of the side's sub-job, never waiting: the build ended starts
 * the read, the read ended gives cat (done). 0, or -1 with err (the
 * failing sub-job's; reading tells which it was). */
int rt_schema_side_step(struct rt_schema_side *s, struct rt_err *err);

/* The shadow's connection. Borrowed until rt_schema_build_free. */
struct rt_db *rt_schema_build_db(struct rt_schema_build *b);

/* Drops the shadow database and frees b (NULL: no-op). A drop that fails is
 * reported in err (RT_ERR_RUN, naming the database left behind) when err is
 * not NULL; b is freed either way. */
int rt_schema_build_free(struct rt_schema_build *b, struct rt_err *err);

#endif
