/* rt_plan.h - plans: the steps an upgrade, downgrade or stamp takes from the
 * version table's rows to a target, made from the revision graph (plan.c). */
#ifndef RT_PLAN_H
#define RT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_err;
struct rt_graph;
struct rt_rev;

enum rt_plan_kind {
	RT_PLAN_UPGRADE,
	RT_PLAN_DOWNGRADE,
	RT_PLAN_STAMP,
};

struct rt_step {
	size_t node;                  /* index in the graph */
	const struct rt_rev *rev;     /* borrowed from the graph */
	bool is_up;                   /* upgrade section (true) or downgrade section */
	struct rt_strv heads_before;  /* version table rows before this step, sorted */
	struct rt_strv heads_after;   /* version table rows after this step, sorted */
};

struct rt_plan {
	enum rt_plan_kind kind;
	char *target;                 /* as given */
	struct rt_strv heads_before;  /* version table rows before the plan, sorted */
	struct rt_strv heads_after;   /* rows after the whole plan, sorted */
	struct rt_step *steps;        /* in the order they run */
	size_t nsteps;
};

/* Plans an upgrade from the version-table rows in current to target (absolute,
 * or "+N": N revisions forward from a single current head along single-child
 * steps). Steps: every ancestor-or-self of the target (through down_revision
 * and depends_on) not yet applied, in topological order. Returns a new plan
 * owned by the caller (rt_plan_free), possibly with nsteps == 0; NULL with err
 * (RT_ERR_INPUT) on a bad target or a current id the graph lacks. */
struct rt_plan *rt_plan_upgrade(const struct rt_graph *g, const struct rt_strv *current,
				const char *target, struct rt_err *err);

/* Plans a downgrade to target: absolute (every applied strict descendant of the
 * target is unapplied, in reverse topological order; "base" unapplies all), or
 * "-N": N steps, each unapplying the applied revision with no applied
 * descendants that comes last in topological order. Fails (RT_ERR_INPUT) when
 * -N goes below base, or the target is not applied. */
struct rt_plan *rt_plan_downgrade(const struct rt_graph *g, const struct rt_strv *current,
				  const char *target, struct rt_err *err);

/* Plans a stamp: the version table becomes exactly the resolved target
 * ("base": empty; "+N"/"-N" relative to current). No steps run SQL. An
 * absolute target accepts rows in current that no file defines (they are
 * replaced: taking over a database Flask-Migrate managed). */
struct rt_plan *rt_plan_stamp(const struct rt_graph *g, const struct rt_strv *current,
			      const char *target, struct rt_err *err);

void rt_plan_free(struct rt_plan *plan);

#endif
