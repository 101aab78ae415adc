/* rt_trace.h - traced lint (retort lint --trace): a revision's upgrade run
 * in a shadow database inside a transaction that is rolled back, reading
 * what really happened: the locks its own backend took on relations that
 * existed before it (pg_locks WHERE pid = pg_backend_pid()), and the tables
 * it rewrote (pg_class.relfilenode before and after each statement). This
 * catches what no static rule can: a type change that happens not to
 * rewrite, a trigger that takes a lock. */
#ifndef RT_TRACE_H
#define RT_TRACE_H

#include <stddef.h>

struct rt_db;
struct rt_err;
struct rt_graph;
struct rt_job;
struct rt_rev;

/* One thing a statement did. */
struct rt_trace_event {
	int line;              /* the statement's line in the file */
	char *kind;            /* "lock" or "rewrite" */
	char *relation;        /* as the server names it (regclass) */
	char *mode;            /* lock: "ACCESS EXCLUSIVE" ...; rewrite: NULL */
};

struct rt_trace {
	struct rt_trace_event *v;
	size_t n;
	char *note;            /* why it was not (fully) traced, or NULL */
};

void rt_trace_free(struct rt_trace *t);

/* Traces rev's upgrade on shadow (a scratch database where rev's parents
 * are applied: rt_schema.h), blocking (it drives the job rt_trace_start
 * runs after its build to its end): BEGIN, each statement, what it
 * locked and rewrote, ROLLBACK. A "transaction off" revision is not run
 * (its note says so); a statement that fails ends the trace with a note.
 * Each lock is reported once, at the first statement that took it. Fills
 * out (zeroed by the caller). 0, or -1 with err (RT_ERR_RUN: the shadow
 * connection failed; RT_ERR_INPUT: a section that does not split). */
int rt_trace_rev(struct rt_db *shadow, const struct rt_rev *rev, struct rt_trace *out,
		 struct rt_err *err);

/* The whole trace of the revision at graph node node as one job, for the
 * console: a shadow database made on live's server, or on shadow_url's when
 * not NULL (rt_schema_build_new: one short blocking CREATE DATABASE here), upgraded with the apply job to each of
 * the revision's parents (then depends_on revisions) in turn, then the revision's upgrade traced as
 * above with one query in flight at a time (libpq's asynchronous API: BEGIN,
 * each statement, pg_locks, pg_class, ROLLBACK), and the shadow dropped
 * when the job ends (one short DROP DATABASE on live). out (zeroed by the
 * caller, owned by the caller) is filled as the job runs; live and g are
 * borrowed until the job is freed, and live must not run another query
 * while the job starts or ends. rt_job_cancel stops the statement in
 * flight (RT_ERR_CANCEL); a shadow build that fails is RT_ERR_RUN. Returns
 * a job owned by the caller, or NULL with err (RT_ERR_RUN: no CREATEDB
 * right, the server gone; RT_ERR_INPUT: no such node). */
struct rt_job *rt_trace_start(struct rt_db *live, const char *shadow_url,
			      const struct rt_graph *g, size_t node, struct rt_trace *out,
			      struct rt_err *err);

#endif
