/* plan.c - upgrade, downgrade and stamp plans over the revision graph.
 *
 * A plan is computed without the database: the caller passes the version
 * table rows. Each step records the rows before and after it, simulated the
 * way Alembic updates its table: an upgrade of R replaces those of R's
 * parents that are rows by R; a downgrade of R removes R and restores each
 * parent that no remaining row descends from. Rows that are only depends_on
 * dependencies of a revision stay, as in Alembic.
 */
#include "config.h"
#include "rt_plan.h"

#include <string.h>
#include <stdlib.h>

#include "rt_err.h"
#include "rt_graph.h"
#include "rt_migration.h"

/* The simulated version table: node indexes sorted by id. */
struct rows {
	const struct rt_graph *g;
	size_t *v;
	size_t n;
	size_t cap;
	bool *is_row;        /* per node */
	unsigned *seen;      /* per node: stamps of ancestor walks, allocated on demand */
	unsigned stamp;
	size_t *stack;
};

static const char *
id_of(const struct rt_graph *g, size_t x)
{
	return rt_graph_node(g, x)->rev->id;
}

/* Index of the first row whose id is not less than id. */
static size_t
rows_pos(const struct rows *r, const char *id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(id_of(r->g, r->v[mid]), id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
rows_add(struct rows *r, size_t x)
{
	size_t pos;

	if (r->is_row[x])
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->v = rt_xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	pos = rows_pos(r, id_of(r->g, x));
	memmove(r->v + pos + 1, r->v + pos, (r->n - pos) * sizeof(*r->v));
	r->v[pos] = x;
	r->n++;
	r->is_row[x] = true;
}

static void
rows_remove(struct rows *r, size_t x)
{
	size_t pos;

	if (!r->is_row[x])
		return;
	pos = rows_pos(r, id_of(r->g, x));
	memmove(r->v + pos, r->v + pos + 1, (r->n - pos - 1) * sizeof(*r->v));
	r->n--;
	r->is_row[x] = false;
}

static void
rows_clear(struct rows *r)
{
	while (r->n)
		r->is_row[r->v[--r->n]] = false;
}

static void
rows_copy(const struct rows *r, struct rt_strv *out)
{
	for (size_t i = 0; i < r->n; i++)
		rt_strv_push(out, id_of(r->g, r->v[i]));
}

static void
rows_free(struct rows *r)
{
	free(r->stack);
	free(r->seen);
	free(r->is_row);
	free(r->v);
}

/* True when p is a strict down_revision ancestor of a row. Every node on a
 * path from a row down to p comes after p in topological order, so the walk
 * never looks below p. */
static bool
is_below_row(struct rows *r, size_t p)
{
	size_t nstack = 0, count = rt_graph_count(r->g);

	if (!r->seen) {
		r->seen = rt_xcalloc(count, sizeof(*r->seen));
		r->stack = rt_xcalloc(count, sizeof(*r->stack));
	}
	if (++r->stamp == 0) {
		memset(r->seen, 0, count * sizeof(*r->seen));
		r->stamp = 1;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i] > p) {
			r->seen[r->v[i]] = r->stamp;
			r->stack[nstack++] = r->v[i];
		}
	while (nstack) {
		const struct rt_node *nd = rt_graph_node(r->g, r->stack[--nstack]);

		for (size_t k = 0; k < nd->nparents; k++) {
			size_t y = nd->parents[k];

			if (y == p)
				return true;
			if (y > p && r->seen[y] != r->stamp) {
				r->seen[y] = r->stamp;
				r->stack[nstack++] = y;
			}
		}
	}
	return false;
}

static void
rows_upgrade(struct rows *r, size_t x)
{
	const struct rt_node *nd = rt_graph_node(r->g, x);

	for (size_t k = 0; k < nd->nparents; k++)
		rows_remove(r, nd->parents[k]);
	rows_add(r, x);
}

static void
rows_downgrade(struct rows *r, size_t x)
{
	const struct rt_node *nd = rt_graph_node(r->g, x);

	rows_remove(r, x);
	for (size_t k = 0; k < nd->nparents; k++) {
		size_t p = nd->parents[k];

		/* with a single child (x), no remaining row can descend from p */
		if (rt_graph_node(r->g, p)->nchildren > 1 && is_below_row(r, p))
			continue;
		rows_add(r, p);
	}
}

/* ---- plans ------------------------------------------------------------- */

/* A new plan with heads_before set, the rows loaded from current and
 * applied[] filled; NULL when current names an unknown revision. */
static struct rt_plan *
plan_start(const struct rt_graph *g, const struct rt_strv *current, const char *target,
	   enum rt_plan_kind kind, struct rows *r, bool **applied, struct rt_err *err)
{
	size_t count = rt_graph_count(g);
	struct rt_plan *plan;

	memset(r, 0, sizeof(*r));
	*applied = rt_xcalloc(count, sizeof(**applied));
	if (rt_graph_applied(g, current, *applied, err) < 0) {
		free(*applied);
		*applied = NULL;
		return NULL;
	}
	r->g = g;
	r->is_row = rt_xcalloc(count, sizeof(*r->is_row));
	for (size_t i = 0; current && i < current->n; i++)
		rows_add(r, (size_t)rt_graph_find(g, current->v[i]));
	plan = rt_xcalloc(1, sizeof(*plan));
	plan->kind = kind;
	plan->target = rt_xstrdup(target);
	rows_copy(r, &plan->heads_before);
	return plan;
}

/* Ends a plan: heads_after from the rows; frees the working state. On
 * failure (rc < 0) frees the plan and returns NULL. */
static struct rt_plan *
plan_finish(struct rt_plan *plan, struct rows *r, bool *applied, int rc)
{
	if (rc == 0)
		rows_copy(r, &plan->heads_after);
	rows_free(r);
	free(applied);
	if (rc < 0) {
		rt_plan_free(plan);
		return NULL;
	}
	return plan;
}

/* Appends a step running node x and simulates the rows around it. */
static void
plan_step(struct rt_plan *plan, struct rows *r, size_t x, bool is_up)
{
	struct rt_step *st = &plan->steps[plan->nsteps++];

	st->node = x;
	st->rev = rt_graph_node(r->g, x)->rev;
	st->is_up = is_up;
	rows_copy(r, &st->heads_before);
	if (is_up)
		rows_upgrade(r, x);
	else
		rows_downgrade(r, x);
	rows_copy(r, &st->heads_after);
}

/* True for "+N" or "-N" (N: 1 to 9 digits). */
static bool
is_relative(const char *target)
{
	size_t len = strlen(target);

	return (target[0] == '+' || target[0] == '-') && len >= 2 && len <= 10 &&
	       strspn(target + 1, "0123456789") == len - 1;
}

/* "+N"/"-N" made absolute from the single row ("X+N") or base; a new
 * string owned by the caller, or NULL with err set when there are several rows. */
static char *
relative_target(const struct rows *r, const char *target, struct rt_err *err)
{
	struct rt_strv ids = { 0 };
	char *list;

	if (r->n <= 1)
		return rt_xasprintf("%s%s", r->n ? id_of(r->g, r->v[0]) : "base", target);
	rows_copy(r, &ids);
	list = rt_strv_join(&ids, ", ");
	rt_err_set(err, RT_ERR_INPUT,
		   "'%s' needs a single current revision; the database has several heads (%s)",
		   target, list);
	free(list);
	rt_strv_free(&ids);
	return NULL;
}

/* Resolves target (relative ones from the rows) into v. */
static int
plan_resolve(const struct rows *r, const char *target, struct rt_idxv *v, bool *is_base,
	     struct rt_err *err)
{
	char *abs = NULL;
	int rc;

	if (is_relative(target)) {
		abs = relative_target(r, target, err);
		if (!abs)
			return -1;
	}
	rc = rt_graph_resolve(r->g, abs ? abs : target, v, is_base, err);
	free(abs);
	return rc;
}

/* Marks todo[] for the ancestors-or-self of v (through parents and deps)
 * that are not applied; returns how many. */
static size_t
mark_missing(const struct rt_graph *g, const struct rt_idxv *v, const bool *applied, bool *todo)
{
	size_t *stack = rt_xcalloc(rt_graph_count(g), sizeof(*stack)), nstack = 0, count = 0;

	for (size_t i = 0; i < v->n; i++)
		if (!applied[v->v[i]] && !todo[v->v[i]]) {
			todo[v->v[i]] = true;
			stack[nstack++] = v->v[i];
		}
	while (nstack) {
		const struct rt_node *nd = rt_graph_node(g, stack[--nstack]);

		count++;
		for (size_t k = 0; k < nd->nparents + nd->ndeps; k++) {
			size_t y = k < nd->nparents ? nd->parents[k] : nd->deps[k - nd->nparents];

			if (!applied[y] && !todo[y]) {
				todo[y] = true;
				stack[nstack++] = y;
			}
		}
	}
	free(stack);
	return count;
}

struct rt_plan *
rt_plan_upgrade(const struct rt_graph *g, const struct rt_strv *current, const char *target,
		struct rt_err *err)
{
	size_t count = rt_graph_count(g), nsteps;
	struct rt_idxv v = { 0 };
	struct rows r;
	bool *applied, *todo;
	struct rt_plan *plan = plan_start(g, current, target, RT_PLAN_UPGRADE, &r, &applied, err);
	int rc;

	if (!plan)
		return NULL;
	if (is_relative(target) && target[0] == '-') {
		rt_err_set(err, RT_ERR_INPUT, "bad upgrade target '%s': use downgrade", target);
		return plan_finish(plan, &r, applied, -1);
	}
	rc = plan_resolve(&r, target, &v, NULL, err);
	if (rc == 0) {
		todo = rt_xcalloc(count, sizeof(*todo));
		nsteps = mark_missing(g, &v, applied, todo);
		plan->steps = rt_xcalloc(nsteps, sizeof(*plan->steps));
		for (size_t i = 0; i < count; i++)
			if (todo[i])
				plan_step(plan, &r, i, true);
		free(todo);
	}
	free(v.v);
	return plan_finish(plan, &r, applied, rc);
}

/* Marks todo[] for the applied strict descendants of v (through children and
 * dependents), or every applied revision for base. Returns how many. */
static size_t
mark_above(const struct rt_graph *g, const struct rt_idxv *v, bool is_base,
	   const bool *applied, bool *todo)
{
	size_t count = rt_graph_count(g), from = count, n = 0;
	bool *below = rt_xcalloc(count, sizeof(*below));

	for (size_t i = 0; i < v->n; i++) {
		below[v->v[i]] = true;
		from = v->v[i] < from ? v->v[i] : from;
	}
	if (is_base)
		from = 0;
	/* topological order: a node's parents and deps are decided before it */
	for (size_t i = from; i < count; i++) {
		const struct rt_node *nd = rt_graph_node(g, i);
		bool is_above = is_base;

		for (size_t k = 0; k < nd->nparents + nd->ndeps && !is_above; k++)
			is_above = below[k < nd->nparents ? nd->parents[k]
					 : nd->deps[k - nd->nparents]];
		if (is_above && !below[i]) {
			below[i] = true;
			todo[i] = applied[i];
			n += applied[i];
		}
	}
	free(below);
	return n;
}

/* Checks that every resolved target is applied. */
static int
check_applied(const struct rt_graph *g, const struct rt_idxv *v, const bool *applied,
	      struct rt_err *err)
{
	for (size_t i = 0; i < v->n; i++)
		if (!applied[v->v[i]]) {
			rt_err_set(err, RT_ERR_INPUT, "revision %s is not applied",
				   id_of(g, v->v[i]));
			return -1;
		}
	return 0;
}

/* "-N": the N applied revisions that come last in topological order, as each
 * of them in turn has no applied descendant. */
static int
plan_down_relative(struct rt_plan *plan, struct rows *r, const bool *applied,
		   const char *target, struct rt_err *err)
{
	size_t count = rt_graph_count(r->g), napplied = 0;
	unsigned long n = strtoul(target + 1, NULL, 10);

	for (size_t i = 0; i < count; i++)
		napplied += applied[i];
	if (n > napplied) {
		rt_err_set(err, RT_ERR_INPUT, "cannot go below base: only %zu revisions applied",
			   napplied);
		return -1;
	}
	plan->steps = rt_xcalloc(n, sizeof(*plan->steps));
	for (size_t i = count; i-- > 0 && plan->nsteps < n;)
		if (applied[i])
			plan_step(plan, r, i, false);
	return 0;
}

struct rt_plan *
rt_plan_downgrade(const struct rt_graph *g, const struct rt_strv *current, const char *target,
		  struct rt_err *err)
{
	size_t count = rt_graph_count(g), nsteps;
	struct rt_idxv v = { 0 };
	struct rows r;
	bool *applied, *todo, is_base = false;
	struct rt_plan *plan = plan_start(g, current, target, RT_PLAN_DOWNGRADE, &r, &applied, err);
	int rc;

	if (!plan)
		return NULL;
	if (is_relative(target) && target[0] == '+') {
		rt_err_set(err, RT_ERR_INPUT, "bad downgrade target '%s': use upgrade", target);
		return plan_finish(plan, &r, applied, -1);
	}
	if (is_relative(target))
		return plan_finish(plan, &r, applied,
				   plan_down_relative(plan, &r, applied, target, err));
	rc = rt_graph_resolve(g, target, &v, &is_base, err);
	if (rc == 0)
		rc = check_applied(g, &v, applied, err);
	if (rc == 0) {
		todo = rt_xcalloc(count, sizeof(*todo));
		nsteps = mark_above(g, &v, is_base, applied, todo);
		plan->steps = rt_xcalloc(nsteps, sizeof(*plan->steps));
		for (size_t i = count; i-- > 0;)
			if (todo[i])
				plan_step(plan, &r, i, false);
		free(todo);
	}
	free(v.v);
	return plan_finish(plan, &r, applied, rc);
}

struct rt_plan *
rt_plan_stamp(const struct rt_graph *g, const struct rt_strv *current, const char *target,
	      struct rt_err *err)
{
	struct rt_strv known = { 0 };
	struct rt_idxv v = { 0 };
	struct rows r;
	bool *applied;
	struct rt_plan *plan;
	int rc;

	/* An absolute stamp replaces whatever the table holds, even ids no file
	 * defines (taking over a database another tool managed). */
	for (size_t i = 0; current && i < current->n; i++)
		if (is_relative(target) || rt_graph_find(g, current->v[i]) >= 0)
			rt_strv_push(&known, current->v[i]);
	plan = plan_start(g, &known, target, RT_PLAN_STAMP, &r, &applied, err);
	rt_strv_free(&known);
	if (!plan)
		return NULL;
	if (current && current->n != plan->heads_before.n) {
		rt_strv_free(&plan->heads_before);
		for (size_t i = 0; i < current->n; i++)
			rt_strv_push(&plan->heads_before, current->v[i]);
		rt_strv_sort(&plan->heads_before);
	}
	rc = plan_resolve(&r, target, &v, NULL, err);
	if (rc == 0) {
		rows_clear(&r);
		for (size_t i = 0; i < v.n; i++)
			rows_add(&r, v.v[i]);
	}
	free(v.v);
	return plan_finish(plan, &r, applied, rc);
}

void
rt_plan_free(struct rt_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->nsteps; i++) {
		rt_strv_free(&plan->steps[i].heads_after);
		rt_strv_free(&plan->steps[i].heads_before);
	}
	free(plan->steps);
	rt_strv_free(&plan->heads_after);
	rt_strv_free(&plan->heads_before);
	free(plan->target);
	free(plan);
}
