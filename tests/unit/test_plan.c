/* test_plan.c - upgrade, downgrade and stamp plans and their version-table rows. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_err.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_mem.h"
#include "rt_migration.h"

static char **
split(const char *s, size_t *n)
{
	char **v = NULL, *copy, *tok, *save = NULL;

	*n = 0;
	if (!s)
		return NULL;
	copy = rt_xstrdup(s);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		v = rt_xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = rt_xstrdup(tok);
	}
	free(copy);
	return v;
}

/* A revision built by hand: down and deps are space-separated lists. */
static struct rt_rev *
mkrev(const char *id, const char *down, const char *deps)
{
	struct rt_rev *rev = rt_xcalloc(1, sizeof(*rev));

	snprintf(rev->id, sizeof(rev->id), "%s", id);
	rev->down = split(down, &rev->ndown);
	rev->depends = split(deps, &rev->ndepends);
	rev->message = rt_xstrdup("");
	rev->upgrade = rt_xstrdup("");
	rev->downgrade = rt_xstrdup("");
	rev->path = rt_xasprintf("%s.sql", id);
	return rev;
}

/* A graph from "id:down1,down2:dep1 id2:..." entries. */
static struct rt_graph *
graph(const char *spec)
{
	struct rt_graph *g = rt_graph_new();
	struct rt_err err = { 0 };
	size_t n;
	char **v = split(spec, &n);

	for (size_t i = 0; i < n; i++) {
		char *id = v[i], *down = strchr(id, ':'), *deps = NULL;

		if (down) {
			*down++ = '\0';
			deps = strchr(down, ':');
			if (deps)
				*deps++ = '\0';
			for (char *c = down; *c; c++)
				*c = *c == ',' ? ' ' : *c;
		}
		assert_int_equal(rt_graph_add_take(g, mkrev(id, down, deps), &err), 0);
		free(v[i]);
	}
	free(v);
	if (rt_graph_build(g, &err) < 0)
		fail_msg("build: %s", err.msg);
	return g;
}

static void
put_rows(char *buf, size_t size, size_t *len, const struct rt_strv *sv, const char *open,
	 const char *close)
{
	char *s = rt_strv_join(sv, ",");

	*len += snprintf(buf + *len, size - *len, "%s%s%s", open, s, close);
	free(s);
}

static bool
strv_equal(const struct rt_strv *a, const struct rt_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* "[before] +a{rows} -b{rows} [after]", checking that the rows chain from
 * step to step and that each step names its node's revision. */
static const char *
describe(const struct rt_graph *g, const struct rt_plan *plan)
{
	static char buf[4096];
	size_t len = 0;
	const struct rt_strv *prev = &plan->heads_before;

	put_rows(buf, sizeof(buf), &len, &plan->heads_before, "[", "]");
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct rt_step *st = &plan->steps[i];

		assert_ptr_equal(st->rev, rt_graph_node(g, st->node)->rev);
		assert_true(strv_equal(prev, &st->heads_before));
		assert_int_equal(st->is_up, plan->kind == RT_PLAN_UPGRADE);
		len += snprintf(buf + len, sizeof(buf) - len, " %c%s", st->is_up ? '+' : '-',
				st->rev->id);
		put_rows(buf, sizeof(buf), &len, &st->heads_after, "{", "}");
		prev = &st->heads_after;
	}
	if (plan->kind == RT_PLAN_STAMP)
		assert_int_equal(plan->nsteps, 0);
	else
		assert_true(strv_equal(prev, &plan->heads_after));
	put_rows(buf, sizeof(buf), &len, &plan->heads_after, " [", "]");
	return buf;
}

/* Plans kind to target from the space-separated rows cur; the description or "E: msg". */
static const char *
plan(const struct rt_graph *g, enum rt_plan_kind kind, const char *cur, const char *target)
{
	static char buf[4200];
	struct rt_strv current = { 0 };
	struct rt_err err = { 0 };
	struct rt_plan *p;
	size_t n;
	char **v = split(cur, &n);

	for (size_t i = 0; i < n; i++)
		rt_strv_push_take(&current, v[i]);
	free(v);
	if (kind == RT_PLAN_UPGRADE)
		p = rt_plan_upgrade(g, &current, target, &err);
	else if (kind == RT_PLAN_DOWNGRADE)
		p = rt_plan_downgrade(g, &current, target, &err);
	else
		p = rt_plan_stamp(g, &current, target, &err);
	if (p) {
		assert_int_equal(p->kind, kind);
		assert_string_equal(p->target, target);
		snprintf(buf, sizeof(buf), "%s", describe(g, p));
	} else {
		assert_int_equal(err.kind, RT_ERR_INPUT);
		snprintf(buf, sizeof(buf), "E: %s", err.msg);
	}
	rt_plan_free(p);
	rt_strv_free(&current);
	return buf;
}

#define UP RT_PLAN_UPGRADE
#define DOWN RT_PLAN_DOWNGRADE
#define STAMP RT_PLAN_STAMP

static void
test_upgrade_linear(void **state)
{
	struct rt_graph *g = graph("a b:a c:b d:c");

	(void)state;
	assert_string_equal(plan(g, UP, NULL, "head"), "[] +a{a} +b{b} +c{c} +d{d} [d]");
	assert_string_equal(plan(g, UP, "b", "head"), "[b] +c{c} +d{d} [d]");
	assert_string_equal(plan(g, UP, "a", "c"), "[a] +b{b} +c{c} [c]");
	assert_string_equal(plan(g, UP, "d", "head"), "[d] [d]");
	assert_string_equal(plan(g, UP, "d", "b"), "[d] [d]");
	assert_string_equal(plan(g, UP, "b", "base"), "[b] [b]");
	assert_string_equal(plan(g, UP, NULL, "+2"), "[] +a{a} +b{b} [b]");
	assert_string_equal(plan(g, UP, "b", "+2"), "[b] +c{c} +d{d} [d]");
	assert_string_equal(plan(g, UP, "a", "b+1"), "[a] +b{b} +c{c} [c]");
	assert_string_equal(plan(g, UP, "b", "+3"), "E: cannot resolve 'b+3': beyond head d");
	assert_string_equal(plan(g, UP, "b", "-1"), "E: bad upgrade target '-1': use downgrade");
	assert_string_equal(plan(g, UP, "zz", "head"),
			    "E: database is at revision zz, which no migration file defines");
	assert_string_equal(plan(g, UP, NULL, "nope"), "E: unknown revision 'nope'");
	rt_graph_free(g);
}

static void
test_upgrade_branches(void **state)
{
	struct rt_graph *g = graph("a b:a c:a");

	(void)state;
	assert_string_equal(plan(g, UP, NULL, "heads"), "[] +a{a} +b{b} +c{b,c} [b,c]");
	assert_string_equal(plan(g, UP, "b", "heads"), "[b] +c{b,c} [b,c]");
	assert_string_equal(plan(g, UP, "c", "b"), "[c] +b{b,c} [b,c]");
	assert_string_equal(plan(g, UP, NULL, "head"),
			    "E: several heads (b, c); name one, or use 'heads'");
	assert_string_equal(plan(g, UP, "a", "+1"),
			    "E: cannot resolve 'a+1': a is a branch point (children b, c)");
	assert_string_equal(plan(g, UP, NULL, "+2"),
			    "E: cannot resolve 'base+2': a is a branch point (children b, c)");
	assert_string_equal(plan(g, UP, "b c", "+1"),
			    "E: '+1' needs a single current revision; the database has several "
			    "heads (b, c)");
	rt_graph_free(g);
}

static void
test_merge(void **state)
{
	struct rt_graph *g = graph("a b:a c:a m:b,c");

	(void)state;
	assert_string_equal(plan(g, UP, NULL, "head"), "[] +a{a} +b{b} +c{b,c} +m{m} [m]");
	assert_string_equal(plan(g, UP, "c b", "head"), "[b,c] +m{m} [m]");
	assert_string_equal(plan(g, UP, "b", "head"), "[b] +c{b,c} +m{m} [m]");
	assert_string_equal(plan(g, DOWN, "m", "-1"), "[m] -m{b,c} [b,c]");
	assert_string_equal(plan(g, DOWN, "m", "-2"), "[m] -m{b,c} -c{b} [b]");
	assert_string_equal(plan(g, DOWN, "m", "base"), "[m] -m{b,c} -c{b} -b{a} -a{} []");
	assert_string_equal(plan(g, DOWN, "m", "a"), "[m] -m{b,c} -c{b} -b{a} [a]");
	assert_string_equal(plan(g, DOWN, "m", "b"), "[m] -m{b,c} [b,c]");
	assert_string_equal(plan(g, DOWN, "m", "m"), "[m] [m]");
	assert_string_equal(plan(g, DOWN, "b c", "b"), "[b,c] [b,c]");
	assert_string_equal(plan(g, DOWN, "b c", "a"), "[b,c] -c{b} -b{a} [a]");
	rt_graph_free(g);
}

/* a <- b1 <- b2, a <- c1 <- c2 */
static void
test_downgrade_branch(void **state)
{
	struct rt_graph *g = graph("a b1:a b2:b1 c1:a c2:c1");

	(void)state;
	assert_string_equal(plan(g, DOWN, "b2 c2", "b1"), "[b2,c2] -b2{b1,c2} [b1,c2]");
	assert_string_equal(plan(g, DOWN, "c2 b2", "c1"), "[b2,c2] -c2{b2,c1} [b2,c1]");
	assert_string_equal(plan(g, DOWN, "b2 c2", "a"),
			    "[b2,c2] -c2{b2,c1} -c1{b2} -b2{b1} -b1{a} [a]");
	assert_string_equal(plan(g, DOWN, "b2 c2", "-3"),
			    "[b2,c2] -c2{b2,c1} -c1{b2} -b2{b1} [b1]");
	assert_string_equal(plan(g, DOWN, "b2 c2", "-5"),
			    "[b2,c2] -c2{b2,c1} -c1{b2} -b2{b1} -b1{a} -a{} []");
	assert_string_equal(plan(g, DOWN, "b2 c2", "-6"),
			    "E: cannot go below base: only 5 revisions applied");
	assert_string_equal(plan(g, DOWN, NULL, "-1"),
			    "E: cannot go below base: only 0 revisions applied");
	assert_string_equal(plan(g, DOWN, NULL, "base"), "[] []");
	assert_string_equal(plan(g, DOWN, "b2", "c1"), "E: revision c1 is not applied");
	assert_string_equal(plan(g, DOWN, "b2", "+1"), "E: bad downgrade target '+1': use upgrade");
	assert_string_equal(plan(g, DOWN, "b2", "x;y"), "E: bad target 'x;y'");
	assert_string_equal(plan(g, DOWN, "b2 c2", "b2-1"), "[b2,c2] -b2{b1,c2} [b1,c2]");
	assert_string_equal(plan(g, UP, "b2", "c2"), "[b2] +c1{b2,c1} +c2{b2,c2} [b2,c2]");
	rt_graph_free(g);
}

/* c1 depends on b1 on the other branch: b1 stays a row, as in Alembic. */
static void
test_depends_on(void **state)
{
	struct rt_graph *g = graph("a c1:a:b1 b1:a b2:b1");

	(void)state;
	assert_string_equal(plan(g, UP, NULL, "c1"), "[] +a{a} +b1{b1} +c1{b1,c1} [b1,c1]");
	assert_string_equal(plan(g, UP, "b1 c1", "heads"), "[b1,c1] +b2{b2,c1} [b2,c1]");
	assert_string_equal(plan(g, DOWN, "b1 c1", "b1"), "[b1,c1] -c1{b1} [b1]");
	assert_string_equal(plan(g, DOWN, "b2 c1", "a"), "[b2,c1] -b2{b1,c1} -c1{b1} -b1{a} [a]");
	assert_string_equal(plan(g, DOWN, "b1 c1", "base"), "[b1,c1] -c1{b1} -b1{a} -a{} []");
	assert_string_equal(plan(g, STAMP, NULL, "c1"), "[] [c1]");
	rt_graph_free(g);
}

static void
test_stamp(void **state)
{
	struct rt_graph *g = graph("a b:a c:b d:c");
	struct rt_graph *h = graph("a b:a c:a");

	(void)state;
	assert_string_equal(plan(g, STAMP, NULL, "head"), "[] [d]");
	assert_string_equal(plan(g, STAMP, "d", "base"), "[d] []");
	assert_string_equal(plan(g, STAMP, "d", "-1"), "[d] [c]");
	assert_string_equal(plan(g, STAMP, "b", "+2"), "[b] [d]");
	assert_string_equal(plan(g, STAMP, NULL, "+1"), "[] [a]");
	assert_string_equal(plan(g, STAMP, "a", "-1"), "[a] []");
	assert_string_equal(plan(g, STAMP, NULL, "-1"), "E: cannot resolve 'base-1': below base");
	assert_string_equal(plan(g, STAMP, "c", "b"), "[c] [b]");
	assert_string_equal(plan(h, STAMP, NULL, "heads"), "[] [b,c]");
	assert_string_equal(plan(h, STAMP, "b c", "-1"),
			    "E: '-1' needs a single current revision; the database has several "
			    "heads (b, c)");
	/* taking over: an absolute stamp replaces ids no file defines */
	assert_string_equal(plan(g, STAMP, "alembic1", "head"), "[alembic1] [d]");
	assert_string_equal(plan(g, STAMP, "alembic1 b", "base"), "[alembic1,b] []");
	assert_string_equal(plan(g, STAMP, "alembic1", "+1"),
			    "E: database is at revision alembic1, which no migration file defines");
	assert_string_equal(plan(g, UP, "alembic1", "head"),
			    "E: database is at revision alembic1, which no migration file defines");
	rt_graph_free(h);
	rt_graph_free(g);
}

/* 100,000 revisions in a chain: plans must stay linear. */
static void
test_big_chain(void **state)
{
	enum { N = 100000 };
	struct rt_graph *g = rt_graph_new();
	struct rt_strv current = { 0 };
	struct rt_err err = { 0 };
	struct rt_plan *p;
	char id[16], down[16];

	(void)state;
	for (long i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "r%06ld", i);
		snprintf(down, sizeof(down), "r%06ld", i - 1);
		assert_int_equal(rt_graph_add_take(g, mkrev(id, i ? down : NULL, NULL), &err), 0);
	}
	assert_int_equal(rt_graph_build(g, &err), 0);
	p = rt_plan_upgrade(g, &current, "head", &err);
	assert_non_null(p);
	assert_int_equal(p->nsteps, N);
	assert_string_equal(p->steps[N - 1].rev->id, "r099999");
	assert_int_equal(p->steps[0].heads_before.n, 0);
	assert_string_equal(p->steps[500].heads_before.v[0], "r000499");
	assert_string_equal(p->steps[500].heads_after.v[0], "r000500");
	assert_int_equal(p->heads_after.n, 1);
	assert_string_equal(p->heads_after.v[0], "r099999");
	rt_plan_free(p);

	rt_strv_push(&current, "r099999");
	p = rt_plan_downgrade(g, &current, "base", &err);
	assert_non_null(p);
	assert_int_equal(p->nsteps, N);
	assert_string_equal(p->steps[0].rev->id, "r099999");
	assert_string_equal(p->steps[N - 1].heads_before.v[0], "r000000");
	assert_int_equal(p->heads_after.n, 0);
	rt_plan_free(p);
	rt_strv_free(&current);
	rt_graph_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade_linear),
		cmocka_unit_test(test_upgrade_branches),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_downgrade_branch),
		cmocka_unit_test(test_depends_on),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_big_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
