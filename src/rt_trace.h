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
 * are applied: rt_schema.h), blocking: BEGIN, each statement, what it
 * locked and rewrote, ROLLBACK. A "transaction off" revision is not run
 * (its note says so); a statement that fails ends the trace with a note.
 * Each lock is reported once, at the first statement that took it. Fills
 * out (zeroed by the caller). 0, or -1 with err (RT_ERR_RUN: the shadow
 * connection failed; RT_ERR_INPUT: a section that does not split). */
int rt_trace_rev(struct rt_db *shadow, const struct rt_rev *rev, struct rt_trace *out,
		 struct rt_err *err);

#endif
