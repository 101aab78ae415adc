/* rt_apply.h - applying a plan: live as a job over libpq's asynchronous API
 * (apply_run.c), or as offline SQL for psql (apply.c); resolving an
 * interrupted transaction-off revision. */
#ifndef RT_APPLY_H
#define RT_APPLY_H

#include <stdbool.h>

#include "rt_job.h"

struct rt_db;
struct rt_err;
struct rt_graph;
struct rt_plan;
struct rt_vt_opts;

struct rt_apply_opts {
	bool single_transaction;      /* the whole plan in one transaction */
	int ddl_lock_timeout_ms;      /* lock_timeout for the revisions' statements (> 0), so a
	                               * migration never queues the application behind it */
	int lock_retries;             /* retries of a transactional revision that hit it */
	bool dry_run;                 /* one transaction, rolled back at the end */
	bool keep_open;               /* one transaction, left open when the plan succeeds:
	                               * the caller reads in it and ends it (ROLLBACK or
	                               * COMMIT); rolled back on failure */
	const char *os_user;          /* recorded in retort_history; NULL: from the system */
};

/* Starts applying plan (see rt_graph.h) on db, which must hold the migration
 * lock, as a job (rt_job.h). The version table and retort_history are
 * created if missing and an upgrade or downgrade is refused (RT_ERR_INPUT)
 * while a transaction-off revision is dirty (see rt_resolve), before this
 * returns. The connection is non-blocking until the job is freed. Each
 * transactional revision runs in its own transaction together with its
 * version-table and history updates, sent as one pipeline; a "transaction
 * off" revision runs statement by statement with a dirty marker in
 * retort_history until it completes. Events (RT_EV_STEP_*, RT_EV_STATEMENT,
 * RT_EV_RETRY, RT_EV_CANCELLING) go to fn (may be NULL). On failure the
 * database stays at the last completed revision, a failed entry is logged,
 * and the error is "path:line: server message" for the failing statement
 * (RT_ERR_RUN, err->path and err->line set) with SQLSTATE, DETAIL and HINT in
 * err->detail. rt_job_cancel sends the server a cancel request for the
 * statement in flight; the revision in progress rolls back (a
 * transaction-off one stays dirty) and the job ends with RT_ERR_CANCEL.
 * Returns a job owned by the caller (free it before db), or NULL with err. */
struct rt_job *rt_apply_start(struct rt_db *db, const struct rt_plan *plan,
			      const struct rt_apply_opts *opts, rt_event_fn fn, void *ctx,
			      struct rt_err *err);

enum rt_resolve_mode {
	RT_RESOLVE_RESUME,          /* run the statements after statements_done, then finish */
	RT_RESOLVE_MARK_APPLIED,    /* the rest was done by hand: update the version table */
	RT_RESOLVE_MARK_REVERTED,   /* it was undone by hand: version table unchanged */
};

/* Resolves the dirty entry (rt_db_find_dirty) on db, which must hold the
 * migration lock. RESUME refuses (RT_ERR_INPUT, naming them) while INVALID
 * indexes exist unless drop_invalid, which drops them CONCURRENTLY first.
 * Fails with RT_ERR_INPUT when nothing is dirty, the revision's file is
 * missing, or the version table no longer matches the interrupted step. */
int rt_resolve(struct rt_db *db, const struct rt_graph *g, enum rt_resolve_mode mode,
	       bool drop_invalid, const struct rt_apply_opts *opts, struct rt_err *err);

/* The SQL that rt_apply_start would send for plan, as a script for psql:
 * version-table setup, each revision in its own BEGIN/COMMIT (or one for
 * single_transaction), the sections' statements, the version-table and
 * retort_history statements. Needs no connection. Returns a new string owned
 * by the caller, or NULL with err (RT_ERR_INPUT) on a section that does not
 * split (unterminated quote). */
char *rt_plan_sql(const struct rt_plan *plan, const struct rt_vt_opts *vt, bool single_transaction,
		  struct rt_err *err);

/* Quotes an identifier the way PostgreSQL's quote_ident() does (only when
 * needed). Used for offline SQL; live SQL uses libpq's escaping. Owned by the caller. */
char *rt_quote_ident(const char *name);

#endif
