/* status.c - environments side by side (rt_status.h): one short connection
 * per env, its state read and planned against the graph, then compared
 * across the envs that answered. */
#include "config.h"
#include "rt_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_config.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_guard.h"
#include "rt_migration.h"
#include "rt_plan.h"
#include "rt_session.h"

/* retort_history's checksums of one env, kept for the comparison. */
struct sums {
	struct rt_strv ids, sums;
};

static void
env_free(struct rt_env_status *e)
{
	free(e->name);
	free(e->url);
	free(e->error);
	rt_strv_free(&e->current);
	rt_strv_free(&e->applied);
	rt_strv_free(&e->missing);
	rt_strv_free(&e->differs);
	rt_strv_free(&e->edited);
	free(e->dirty);
	free(e->command);
}

void
rt_status_free(struct rt_status *st)
{
	for (size_t i = 0; i < st->n; i++)
		env_free(&st->v[i]);
	free(st->v);
	memset(st, 0, sizeof(*st));
}

/* The state of one connected env. */
static int
read_env(struct rt_db *db, const struct rt_graph *g, struct rt_env_status *e, struct sums *sm,
	 struct rt_err *err)
{
	size_t n = rt_graph_count(g);
	bool *applied = rt_xcalloc(n ? n : 1, sizeof(*applied));
	struct rt_guard_report r = { 0 };
	struct rt_err perr = { 0 };
	struct rt_plan *plan;
	struct rt_dirty d;
	bool found = false;
	int rc = -1;

	if (rt_db_current(db, &e->current, err) < 0 ||
	    rt_db_applied_checksums(db, &sm->ids, &sm->sums, err) < 0 ||
	    rt_db_find_dirty(db, &d, &found, err) < 0 || rt_guard_scan(db, g, &r, err) < 0)
		goto out;
	if (found)
		e->dirty = rt_xasprintf("%s (%s, %d statement%s done)", d.revision,
					d.is_up ? "upgrade" : "downgrade", d.statements_done,
					d.statements_done == 1 ? "" : "s");
	for (size_t i = 0; i < r.n; i++)
		rt_strv_push(&e->edited, r.v[i].id);
	/* a version row no file defines: said, with its way out, not planned */
	if (!(plan = rt_plan_upgrade(g, &e->current, "heads", &perr))) {
		e->error = rt_xstrdup(perr.msg);
	} else {
		e->pending = plan->nsteps;
		rt_plan_free(plan);
		if (rt_graph_applied(g, &e->current, applied, NULL) == 0)
			for (size_t i = 0; i < n; i++)
				if (applied[i])
					rt_strv_push(&e->applied, rt_graph_node(g, i)->rev->id);
	}
	rc = 0;
out:
	rt_guard_report_free(&r);
	free(applied);
	return rc;
}

/* Connects env name through its own session and reads it; an env that
 * cannot be reached or read gets its error instead. */
static void
status_env(const struct rt_config *cfg, const struct rt_graph *g, const char *name,
	   struct rt_env_status *e, struct sums *sm)
{
	struct rt_session_opts o = { cfg->dir, name, NULL };
	struct rt_err err = { 0 };
	struct rt_session *s = rt_session_new(&o, &err);

	e->name = rt_xstrdup(name);
	if (s && rt_session_connect(s, &err) == 0 &&
	    read_env(rt_session_db(s), g, e, sm, &err) == 0)
		e->is_reachable = true;
	else if (err.detail[0])
		e->error = rt_xasprintf("%s: %.*s", err.msg, (int)strcspn(err.detail, "\n"),
					err.detail);
	else
		e->error = rt_xstrdup(err.msg);
	e->url = rt_xstrdup(s ? rt_session_url_masked(s) : "");
	rt_session_free(s);
}

static const char *
sum_of(const struct sums *sm, const char *id)
{
	for (size_t i = 0; i < sm->ids.n; i++)
		if (strcmp(sm->ids.v[i], id) == 0)
			return sm->sums.v[i];
	return "";
}

/* What one env lacks or disagrees on, against every other reachable one. */
static void
compare(struct rt_status *st, const struct sums *sm, const struct rt_graph *g)
{
	for (size_t i = 0; i < st->n; i++) {
		struct rt_env_status *a = &st->v[i];

		if (!a->is_reachable || a->error)
			continue;
		for (size_t k = 0; k < rt_graph_count(g); k++) {
			const char *id = rt_graph_node(g, k)->rev->id;
			bool is_here = rt_strv_contains(&a->applied, id);

			for (size_t j = 0; j < st->n; j++) {
				const struct rt_env_status *b = &st->v[j];
				const char *sa, *sb;

				if (j == i || !b->is_reachable || b->error ||
				    !rt_strv_contains(&b->applied, id))
					continue;
				if (!is_here) {
					if (!rt_strv_contains(&a->missing, id))
						rt_strv_push(&a->missing, id);
					continue;
				}
				sa = sum_of(&sm[i], id);
				sb = sum_of(&sm[j], id);
				if (sa[0] && sb[0] && strcmp(sa, sb) != 0)
					rt_strv_push_take(&a->differs, rt_xasprintf(
						"%s: here %.12s, %s %.12s", id, sa, b->name, sb));
			}
		}
	}
}

/* The one command that brings e in line, most urgent first. */
static void
set_command(struct rt_env_status *e)
{
	if (!e->is_reachable)
		return;
	if (e->error)
		e->command = rt_xasprintf("retort -e %s stamp REV", e->name);
	else if (e->dirty)
		e->command = rt_xasprintf("retort -e %s resolve", e->name);
	else if (e->edited.n)
		e->command = rt_xasprintf("retort -e %s check --accept %s --reason TEXT",
					  e->name, e->edited.v[0]);
	else if (e->pending)
		e->command = rt_xasprintf("retort -e %s upgrade head", e->name);
}

int
rt_status_read(struct rt_session *s, const struct rt_strv *names, struct rt_status *out,
	       struct rt_err *err)
{
	const struct rt_config *cfg = rt_session_config(s);
	struct rt_strv all = { 0 };
	const struct rt_strv *want = names;
	const struct rt_graph *g;
	struct sums *sm;
	bool is_timeout_set = getenv("PGCONNECT_TIMEOUT") != NULL;
	char tmo[16];

	if (!names || names->n == 0) {
		for (size_t i = 0; i < cfg->nenvs; i++)
			rt_strv_push(&all, cfg->envs[i].name);
		want = &all;
	}
	if (want->n == 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s: no env to show: add an [env NAME] section",
			   cfg->path);
		return -1;
	}
	for (size_t i = 0; i < want->n; i++)
		if (!rt_config_env(cfg, want->v[i], err)) {
			rt_strv_free(&all);
			return -1;
		}
	if (rt_session_load_graph(s, err) < 0) {
		rt_strv_free(&all);
		return -1;
	}
	g = rt_session_graph(s);
	/* a short wait per env: one that does not answer must not hold up the rest */
	snprintf(tmo, sizeof(tmo), "%d", RT_STATUS_CONNECT_TIMEOUT_S);
	if (!is_timeout_set)
		setenv("PGCONNECT_TIMEOUT", tmo, 1);
	out->v = rt_xcalloc(want->n, sizeof(*out->v));
	sm = rt_xcalloc(want->n, sizeof(*sm));
	for (size_t i = 0; i < want->n; i++)
		status_env(cfg, g, want->v[i], &out->v[out->n++], &sm[i]);
	if (!is_timeout_set)
		unsetenv("PGCONNECT_TIMEOUT");
	compare(out, sm, g);
	for (size_t i = 0; i < out->n; i++) {
		set_command(&out->v[i]);
		rt_strv_free(&sm[i].ids);
		rt_strv_free(&sm[i].sums);
	}
	free(sm);
	rt_strv_free(&all);
	return 0;
}

bool
rt_status_in_line(const struct rt_status *st)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct rt_env_status *e = &st->v[i];

		if (e->is_reachable && (e->command || e->missing.n || e->differs.n))
			return false;
	}
	return true;
}
