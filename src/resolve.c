/* resolve.c - finishing a "transaction off" revision that was interrupted:
 * resume it from the statement after the last one its journal counts (as a
 * job of apply_run.c), or record what was done by hand. */
#include "config.h"
#include "rt_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_int.h"
#include "db_int.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_plan.h"

/* The one-step plan that re-creates the interrupted step from the version table. */
static struct rt_plan *
interrupted_step(struct rt_db *db, const struct rt_graph *g, const struct rt_dirty *d,
		 struct rt_err *err)
{
	struct rt_strv cur = { 0 };
	struct rt_plan *plan = NULL;

	if (rt_graph_find(g, d->revision) < 0) {
		rt_err_set(err, RT_ERR_INPUT, "revision %s was interrupted, but no migration file "
			   "defines it any more", d->revision);
		return NULL;
	}
	if (rt_db_current(db, &cur, err) < 0)
		return NULL;
	plan = d->is_up ? rt_plan_upgrade(g, &cur, d->revision, err)
			: rt_plan_downgrade(g, &cur, "-1", err);
	rt_strv_free(&cur);
	if (plan && (plan->nsteps != 1 || strcmp(plan->steps[0].rev->id, d->revision) != 0)) {
		rt_err_set(err, RT_ERR_INPUT, "the version table no longer matches the interrupted "
			   "%s of %s; resolve it by hand ('retort resolve --mark-applied' or "
			   "'--mark-reverted')", d->is_up ? "upgrade" : "downgrade", d->revision);
		rt_plan_free(plan);
		return NULL;
	}
	return plan;
}

/* Whether the version table already shows the interrupted step as done: the
 * revision applied after its upgrade, gone after its downgrade. 1, 0, or -1
 * with err. */
static int
version_table_shows(struct rt_db *db, const struct rt_graph *g, const struct rt_dirty *d,
		    struct rt_err *err)
{
	struct rt_strv cur = { 0 };
	long k = rt_graph_find(g, d->revision);
	bool *applied, has;
	int rc = -1;

	if (rt_db_current(db, &cur, err) < 0)
		return -1;
	applied = rt_xcalloc(rt_graph_count(g) + 1, sizeof(*applied));
	if (rt_graph_applied(g, &cur, applied, err) == 0) {
		/* applied: the revision itself or any descendant is in the table */
		has = k >= 0 ? applied[k] : rt_strv_contains(&cur, d->revision);
		rc = d->is_up ? has : !has;
	}
	free(applied);
	rt_strv_free(&cur);
	return rc;
}

static int
drop_invalid_indexes(struct rt_db *db, bool drop, struct rt_err *err)
{
	struct rt_strv idx = { 0 };
	int rc = 0;

	if (rt_db_invalid_indexes(db, &idx, err) < 0)
		return -1;
	if (idx.n && !drop) {
		rt_err_set(err, RT_ERR_INPUT, "%zu INVALID index%s would make the resumed statements "
			   "fail: drop %s, or pass --drop-invalid", idx.n, idx.n == 1 ? "" : "es",
			   idx.n == 1 ? "it" : "them");
		for (size_t i = 0; i < idx.n; i++)
			rt_err_detail(err, "index %s is INVALID", idx.v[i]);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < idx.n; i++) {
		/* regclass text is already a quoted, qualified-as-needed name */
		char *sql = rt_xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", idx.v[i]);

		rc = rt_db_exec_ok(db, sql, err);
		free(sql);
	}
	rt_strv_free(&idx);
	return rc;
}

int
rt_resolve(struct rt_db *db, const struct rt_graph *g, enum rt_resolve_mode mode,
	   bool drop_invalid, const struct rt_apply_opts *opts, struct rt_err *err)
{
	struct rt_plan *plan = NULL;
	struct rt_job *job;
	struct rt_dirty d;
	char id[32], *sql;
	bool found;
	int rc = -1;

	if (rt_db_find_dirty(db, &d, &found, err) < 0)
		return -1;
	if (!found) {
		rt_err_set(err, RT_ERR_INPUT, "nothing to resolve: no revision was interrupted");
		return -1;
	}
	snprintf(id, sizeof(id), "%lld", d.id);
	if (mode == RT_RESOLVE_MARK_REVERTED) {
		sql = rt_xasprintf("UPDATE %s SET outcome = 'failed', finished_at = clock_timestamp(),"
				   " error = coalesce(error || ' ', '') || '(marked reverted by retort "
				   "resolve)' WHERE id = %s", db->hist, id);
		rc = rt_db_exec_ok(db, sql, err);
		free(sql);
		return rc;
	}
	if (mode == RT_RESOLVE_MARK_APPLIED) {
		/* fixed by hand and stamped, as the playbook says: the version
		 * table already tells the truth, only the journal is behind */
		int done = version_table_shows(db, g, &d, err);

		if (done < 0)
			return -1;
		if (done) {
			sql = rt_xasprintf("UPDATE %s SET outcome = 'ok', finished_at = "
					   "clock_timestamp(), error = coalesce(error || ' ', '') || "
					   "'(marked applied by retort resolve: the version table "
					   "already showed it)' WHERE id = %s", db->hist, id);
			rc = rt_db_exec_ok(db, sql, err);
			free(sql);
			return rc;
		}
	}
	if (!(plan = interrupted_step(db, g, &d, err)))
		return -1;
	if (mode == RT_RESOLVE_MARK_APPLIED) {
		rc = rt_apply_finish_notx(db, &plan->steps[0], id, err);
	} else if (drop_invalid_indexes(db, drop_invalid, err) == 0) {
		job = rt_apply_run_start(db, plan, opts, NULL, NULL, id, (size_t)d.statements_done, err);
		if (job) {
			rc = rt_job_run(job, err);
			rt_job_free(job);
		}
	}
	rt_plan_free(plan);
	return rc;
}
