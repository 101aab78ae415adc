/* migrate.c - the migration workflow (rt_migrate.h): plan without a lock,
 * confirm, then one job that locks, re-plans, backs up and applies. */
#include "config.h"
#include "rt_migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_backup.h"
#include "rt_config.h"
#include "rt_apply.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_guard.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "rt_plan.h"

enum phase { M_LOCK, M_BACKUP, M_APPLY, M_DONE };

struct rt_migrate {
	struct rt_session *s;
	struct rt_migrate_req req;
	char *target;
	struct rt_plan *plan;
	struct rt_strv before;       /* version table rows the plan was made from */
	struct rt_strv now;          /* after the job */
	bool is_confirmed;
	bool was_shown;              /* a person confirmed this very plan */
	char what[300];
	char *backup_path;

	/* the job */
	enum phase phase;
	rt_event_fn fn;
	void *ctx;
	struct rt_lock_wait lock;
	bool is_cancelled;
	struct rt_backup_job *backup;
	struct rt_job *apply;
};

static const char *
verb(enum rt_plan_kind kind)
{
	return kind == RT_PLAN_UPGRADE ? "upgrade" : kind == RT_PLAN_DOWNGRADE ? "downgrade" : "stamp";
}

static struct rt_plan *
make_plan(struct rt_migrate *m, const struct rt_strv *cur, struct rt_err *err)
{
	const struct rt_graph *g = rt_session_graph(m->s);

	switch (m->req.kind) {
	case RT_PLAN_UPGRADE:
		return rt_plan_upgrade(g, cur, m->target, err);
	case RT_PLAN_DOWNGRADE:
		return rt_plan_downgrade(g, cur, m->target, err);
	default:
		return rt_plan_stamp(g, cur, m->target, err);
	}
}

static void
set_what(struct rt_migrate *m)
{
	char *rows = rt_strv_join(&m->plan->heads_after, " ");

	snprintf(m->what, sizeof(m->what), "%s to %s", verb(m->req.kind),
		 m->plan->heads_after.n ? rows : "base");
	free(rows);
}

static bool
is_protected(const struct rt_migrate *m)
{
	const struct rt_env *env = rt_session_env(m->s);

	return env && env->is_protected;
}

struct rt_migrate *
rt_migrate_prepare(struct rt_session *s, const struct rt_migrate_req *req, struct rt_err *err)
{
	const struct rt_graph *g = rt_session_graph(s);
	struct rt_migrate *m;

	if (req->kind == RT_PLAN_STAMP && !req->target) {
		rt_err_set(err, RT_ERR_INPUT, "stamp needs a target");
		return NULL;
	}
	if ((!g || rt_graph_is_headers_only(g)) && rt_session_load_graph(s, err) < 0)
		return NULL;
	if (rt_session_connect(s, err) < 0)
		return NULL;
	m = rt_xcalloc(1, sizeof(*m));
	m->s = s;
	m->req = *req;
	m->target = rt_xstrdup(req->target ? req->target :
			       req->kind == RT_PLAN_DOWNGRADE ? "-1" : "head");
	m->req.target = m->target;
	/* an edited or missing applied revision stops here, before any lock
	 * or write: the history is refused, not rewritten (rt_guard.h); a
	 * stamp is the way out of a missing one, so it is not guarded */
	if (rt_db_current(rt_session_db(s), &m->before, err) < 0 ||
	    !(m->plan = make_plan(m, &m->before, err)) ||
	    (req->kind != RT_PLAN_STAMP &&
	     rt_guard_history(rt_session_db(s), rt_session_graph(s), err) < 0)) {
		rt_migrate_free(m);
		return NULL;
	}
	set_what(m);
	m->is_confirmed = rt_migrate_confirm_kind(m) == RT_CONFIRM_NONE;
	return m;
}

void
rt_migrate_free(struct rt_migrate *m)
{
	if (!m)
		return;
	rt_plan_free(m->plan);
	rt_strv_free(&m->before);
	rt_strv_free(&m->now);
	free(m->target);
	free(m->backup_path);
	free(m);
}

const struct rt_plan *
rt_migrate_plan(const struct rt_migrate *m)
{
	return m->plan;
}

bool
rt_migrate_is_noop(const struct rt_migrate *m)
{
	return m->plan->nsteps == 0 && m->plan->kind != RT_PLAN_STAMP;
}

enum rt_confirm
rt_migrate_confirm_kind(const struct rt_migrate *m)
{
	if (rt_migrate_is_noop(m))
		return RT_CONFIRM_NONE;
	return is_protected(m) ? RT_CONFIRM_DBNAME : RT_CONFIRM_YES;
}

const char *
rt_migrate_dbname(const struct rt_migrate *m)
{
	return rt_db_name(rt_session_db(m->s));
}

bool
rt_migrate_backs_up(const struct rt_migrate *m)
{
	return is_protected(m) && rt_session_config(m->s)->auto_backup && !m->req.no_backup &&
	       !m->req.dry_run && m->req.kind != RT_PLAN_STAMP && !rt_migrate_is_noop(m);
}

const char *
rt_migrate_what(const struct rt_migrate *m)
{
	return m->what;
}

int
rt_migrate_confirm(struct rt_migrate *m, const char *typed, bool assume_yes, struct rt_err *err)
{
	if (rt_migrate_confirm_kind(m) != RT_CONFIRM_DBNAME) {
		m->is_confirmed = true;
		m->was_shown = !assume_yes;
		return 0;
	}
	if (rt_session_confirm_protected(m->s, rt_migrate_dbname(m), typed, assume_yes, err) < 0)
		return -1;
	m->is_confirmed = true;
	m->was_shown = typed != NULL;
	return 0;
}

/* ---- the job ------------------------------------------------------------------ */

static void
emit(struct rt_migrate *m, enum rt_event_kind kind, const char *text)
{
	struct rt_event ev = { .kind = kind, .text = text };

	if (m->fn)
		m->fn(&ev, m->ctx);
}

static void
on_backup_progress(const struct rt_backup_progress *p, void *ctx)
{
	struct rt_migrate *m = ctx;
	struct rt_event ev = { .kind = RT_EV_BACKUP, .backup = p };

	if (m->fn)
		m->fn(&ev, m->ctx);
}

/* Re-reads the version table under the lock. When it moved since prepare,
 * a plan a person confirmed is not run (they confirmed another one); a plan
 * nobody looked at (the CLI without a question) is simply made again. */
static int
replan(struct rt_migrate *m, struct rt_err *err)
{
	struct rt_strv cur = { 0 };
	struct rt_plan *plan;
	char *was, *is;
	int rc = 0;

	if (rt_db_current(rt_session_db(m->s), &cur, err) < 0)
		return -1;
	was = rt_strv_join(&m->before, " ");
	is = rt_strv_join(&cur, " ");
	if (strcmp(was, is) == 0)
		goto out;
	if (m->was_shown) {
		rt_err_set(err, RT_ERR_INPUT, "the database moved from %s to %s since the plan was "
			   "shown; nothing changed: look at the new plan and confirm again",
			   m->before.n ? was : "base", cur.n ? is : "base");
		rc = -1;
		goto out;
	}
	if (!(plan = make_plan(m, &cur, err))) {
		rc = -1;
		goto out;
	}
	rt_plan_free(m->plan);
	m->plan = plan;
	rt_strv_free(&m->before);
	m->before = cur;
	memset(&cur, 0, sizeof(cur));
	set_what(m);
out:
	free(was);
	free(is);
	rt_strv_free(&cur);
	return rc;
}

static int
start_backup(struct rt_migrate *m, struct rt_err *err)
{
	const struct rt_env *env = rt_session_env(m->s);
	struct rt_backup_opts o = { rt_session_config(m->s)->backup_dir, env ? env->name : NULL,
				    on_backup_progress, m };

	m->backup = rt_backup_start(rt_session_db(m->s), &o, err);
	if (!m->backup)
		return -1;
	m->phase = M_BACKUP;
	return 1;
}

static int
start_apply(struct rt_migrate *m, struct rt_err *err)
{
	const struct rt_config *cfg = rt_session_config(m->s);
	struct rt_apply_opts o = { 0 };

	o.single_transaction = m->req.single_transaction;
	o.dry_run = m->req.dry_run;
	o.ddl_lock_timeout_ms = cfg->ddl_lock_timeout_ms;
	o.lock_retries = cfg->lock_retries;
	m->apply = rt_apply_start(rt_session_db(m->s), m->plan, &o, m->fn, m->ctx, err);
	if (!m->apply)
		return -1;
	m->phase = M_APPLY;
	/* step it now: it sends its first statements, so the caller has a
	 * descriptor to poll instead of a tick to sleep */
	return rt_job_step(m->apply, err);
}

static int
step_lock(struct rt_migrate *m, struct rt_err *err)
{
	int rc;

	if (m->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "cancelled while waiting for the migration lock; "
			   "nothing changed");
		return -1;
	}
	if ((rc = rt_lock_wait_step(rt_session_db(m->s), &m->lock, m->fn, m->ctx, err)) != 0)
		return rc;
	if (replan(m, err) < 0)
		return -1;
	if (rt_migrate_is_noop(m))
		return 0;
	if (rt_migrate_backs_up(m))
		return start_backup(m, err);
	return start_apply(m, err);
}

static int
step_backup(struct rt_migrate *m, struct rt_err *err)
{
	int rc = rt_backup_job_step(m->backup, err);
	const struct rt_backup_info *b;

	if (rc == 1)
		return 1;
	if (rc < 0) {
		if (err && err->kind == RT_ERR_CANCEL)
			rt_err_set(err, RT_ERR_CANCEL, "cancelled during the backup; nothing changed");
		else if (err)
			rt_err_detail(err, "the automatic backup failed, so nothing was migrated");
		return -1;
	}
	b = rt_backup_job_result(m->backup);
	m->backup_path = rt_xstrdup(b ? b->path : "");
	emit(m, RT_EV_BACKUP_DONE, m->backup_path);
	rt_backup_job_free(m->backup);
	m->backup = NULL;
	if (m->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "cancelled after the backup; nothing changed");
		return -1;
	}
	return start_apply(m, err);
}

/* Where the database is now, read after the end whatever happened. */
static void
finish(struct rt_migrate *m)
{
	struct rt_db *db = rt_session_db(m->s);

	rt_job_free(m->apply);
	m->apply = NULL;
	rt_backup_job_free(m->backup);
	m->backup = NULL;
	rt_strv_free(&m->now);
	if (rt_db_current(db, &m->now, NULL) < 0) {
		rt_strv_free(&m->now);
		for (size_t i = 0; i < m->before.n; i++)
			rt_strv_push(&m->now, m->before.v[i]);
	}
	rt_db_unlock(db);
	m->phase = M_DONE;
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct rt_migrate *m = impl;
	int rc = -1;

	switch (m->phase) {
	case M_LOCK:
		rc = step_lock(m, err);
		break;
	case M_BACKUP:
		rc = step_backup(m, err);
		break;
	case M_APPLY:
		rc = rt_job_step(m->apply, err);
		break;
	case M_DONE:
		return 0;
	}
	if (rc != 1)
		finish(m);
	return rc;
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct rt_migrate *m = impl;
	int bfds[2];
	size_t n = 0;

	if (m->phase == M_APPLY)
		return rt_job_fds(m->apply, fds, max);
	if (m->phase == M_BACKUP) {
		n = rt_backup_job_fds(m->backup, bfds);
		for (size_t i = 0; i < n && i < max; i++)
			fds[i] = (struct pollfd){ bfds[i], POLLIN, 0 };
	}
	return n < max ? n : max;
}

static void
job_cancel(void *impl)
{
	struct rt_migrate *m = impl;

	m->is_cancelled = true;
	if (m->phase == M_BACKUP)
		rt_backup_job_cancel(m->backup);
	else if (m->phase == M_APPLY)
		rt_job_cancel(m->apply);
}

static void
job_free(void *impl)
{
	struct rt_migrate *m = impl;

	if (m->phase != M_DONE)
		finish(m);
}

static const struct rt_job_ops migrate_ops[] = {
	{ .name = "upgrade", .fds = job_fds, .step = job_step, .cancel = job_cancel, .free = job_free },
	{ .name = "downgrade", .fds = job_fds, .step = job_step, .cancel = job_cancel, .free = job_free },
	{ .name = "stamp", .fds = job_fds, .step = job_step, .cancel = job_cancel, .free = job_free },
};

struct rt_job *
rt_migrate_start(struct rt_migrate *m, rt_event_fn fn, void *ctx, struct rt_err *err)
{
	const struct rt_config *cfg = rt_session_config(m->s);
	size_t k = m->req.kind == RT_PLAN_UPGRADE ? 0 : m->req.kind == RT_PLAN_DOWNGRADE ? 1 : 2;

	if (!m->is_confirmed) {
		rt_err_set(err, RT_ERR_INPUT, "%s was not confirmed; nothing changed", m->what);
		return NULL;
	}
	m->fn = fn;
	m->ctx = ctx;
	m->phase = M_LOCK;
	rt_lock_wait_begin(&m->lock, m->req.lock_timeout_ms == RT_LOCK_TIMEOUT_CONFIG ?
			   cfg->lock_timeout_ms : m->req.lock_timeout_ms);
	m->is_cancelled = false;
	return rt_job_new(&migrate_ops[k], m);
}

const struct rt_strv *
rt_migrate_heads_now(const struct rt_migrate *m)
{
	return m->phase == M_DONE ? &m->now : &m->before;
}

const char *
rt_migrate_backup_path(const struct rt_migrate *m)
{
	return m->backup_path;
}

int
rt_migrate_new_parents(struct rt_session *s, const char *head, struct rt_strv *out,
		       struct rt_err *err)
{
	if (!rt_session_graph(s) && rt_session_load_graph_headers(s, err) < 0)
		return -1;
	return rt_graph_new_parents(rt_session_graph(s), head, out, err);
}
