/* test_graph.c - the revision graph: building, lookups, targets, ranges. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"

/* Splits a space-separated list into a new vector of new strings. */
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

/* A revision built by hand: down, deps and labels are space-separated lists. */
static struct rt_rev *
mkrev(const char *id, const char *down, const char *deps, const char *labels)
{
	struct rt_rev *rev = rt_xcalloc(1, sizeof(*rev));

	snprintf(rev->id, sizeof(rev->id), "%s", id);
	rev->down = split(down, &rev->ndown);
	rev->depends = split(deps, &rev->ndepends);
	rev->labels = split(labels, &rev->nlabels);
	rev->message = rt_xstrdup("");
	rev->upgrade = rt_xstrdup("");
	rev->downgrade = rt_xstrdup("");
	rev->path = rt_xasprintf("%s.sql", id);
	return rev;
}

static void
add(struct rt_graph *g, const char *id, const char *down, const char *deps, const char *labels)
{
	struct rt_err err = { 0 };

	assert_int_equal(rt_graph_add_take(g, mkrev(id, down, deps, labels), &err), 0);
}

static struct rt_graph *
built(struct rt_graph *g)
{
	struct rt_err err = { 0 };

	if (rt_graph_build(g, &err) < 0)
		fail_msg("build: %s", err.msg);
	return g;
}

/* The ids of node indexes, space-separated, into a static buffer. */
static const char *
ids(const struct rt_graph *g, const size_t *v, size_t n)
{
	static char buf[4096];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "",
				rt_graph_node(g, v[i])->rev->id);
	return buf;
}

static const char *
order(const struct rt_graph *g)
{
	size_t v[64];

	for (size_t i = 0; i < rt_graph_count(g); i++)
		v[i] = i;
	return ids(g, v, rt_graph_count(g));
}

static const char *
heads(const struct rt_graph *g)
{
	size_t v[64];

	for (size_t i = 0; i < rt_graph_nheads(g); i++)
		v[i] = rt_graph_head(g, i);
	return ids(g, v, rt_graph_nheads(g));
}

static const char *
roots(const struct rt_graph *g)
{
	size_t v[64];

	for (size_t i = 0; i < rt_graph_nroots(g); i++)
		v[i] = rt_graph_root(g, i);
	return ids(g, v, rt_graph_nroots(g));
}

static const char *
marked(const struct rt_graph *g, const bool *mark)
{
	size_t v[64], n = 0;

	for (size_t i = 0; i < rt_graph_count(g); i++)
		if (mark[i])
			v[n++] = i;
	return ids(g, v, n);
}

static const struct rt_node *
node(const struct rt_graph *g, const char *id)
{
	long i = rt_graph_find(g, id);

	assert_true(i >= 0);
	return rt_graph_node(g, (size_t)i);
}

/* Expects build to fail with exactly msg. */
static void
build_fails(struct rt_graph *g, const char *msg)
{
	struct rt_err err = { 0 };

	assert_int_equal(rt_graph_build(g, &err), -1);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, msg);
	rt_graph_free(g);
}

static void
test_linear(void **state)
{
	struct rt_graph *g = rt_graph_new();

	(void)state;
	add(g, "c", "b", NULL, NULL);
	add(g, "b", "a", NULL, NULL);
	add(g, "a", NULL, NULL, NULL);
	built(g);
	assert_int_equal(rt_graph_count(g), 3);
	assert_string_equal(order(g), "a b c");
	assert_string_equal(heads(g), "c");
	assert_string_equal(roots(g), "a");
	assert_int_equal(rt_graph_find(g, "b"), 1);
	assert_int_equal(rt_graph_find(g, "x"), -1);
	assert_int_equal(rt_graph_find(g, "bb"), -1);
	assert_string_equal(ids(g, node(g, "b")->parents, node(g, "b")->nparents), "a");
	assert_string_equal(ids(g, node(g, "b")->children, node(g, "b")->nchildren), "c");
	assert_null(rt_graph_node(g, 3));
	rt_graph_free(g);
}

static void
test_branch_merge(void **state)
{
	struct rt_graph *g = rt_graph_new();
	const struct rt_node *a, *m;

	(void)state;
	add(g, "a", NULL, NULL, NULL);
	add(g, "c", "a", NULL, NULL);
	add(g, "b", "a", NULL, NULL);
	add(g, "m", "b c", NULL, NULL);
	add(g, "x", "c", NULL, NULL);
	built(g);
	/* ties in the order added: c before b */
	assert_string_equal(order(g), "a c b m x");
	assert_string_equal(heads(g), "m x");
	assert_string_equal(roots(g), "a");
	a = node(g, "a");
	m = node(g, "m");
	assert_string_equal(ids(g, a->children, a->nchildren), "c b");
	assert_string_equal(ids(g, m->parents, m->nparents), "b c");
	assert_int_equal(m->nchildren, 0);
	assert_string_equal(ids(g, node(g, "c")->children, node(g, "c")->nchildren), "m x");
	rt_graph_free(g);
}

/* Many revisions ready at once: Kahn's heap must keep the order added. */
static void
test_tie_order(void **state)
{
	struct rt_graph *g = rt_graph_new();

	(void)state;
	add(g, "a", NULL, NULL, NULL);
	add(g, "f", "a", NULL, NULL);
	add(g, "b", "a", NULL, NULL);
	add(g, "e", "a", NULL, NULL);
	add(g, "c", "a", NULL, NULL);
	add(g, "d", "a", NULL, NULL);
	add(g, "z", "b", NULL, NULL);
	add(g, "y", "f", NULL, NULL);
	add(g, "r9", NULL, NULL, NULL);
	add(g, "r1", NULL, NULL, NULL);
	built(g);
	assert_string_equal(order(g), "a f b e c d z y r9 r1");
	assert_string_equal(heads(g), "e c d z y r9 r1");
	assert_string_equal(roots(g), "a r9 r1");
	rt_graph_free(g);
}

static void
test_depends_on(void **state)
{
	struct rt_graph *g = rt_graph_new();
	struct rt_strv cur = { 0 };
	struct rt_err err = { 0 };
	bool applied[8];
	const struct rt_node *c1;

	(void)state;
	add(g, "a", NULL, NULL, NULL);
	add(g, "c1", "a", "b1", NULL);
	add(g, "c2", "c1", NULL, NULL);
	add(g, "b1", "a", NULL, NULL);
	add(g, "b2", "b1", NULL, NULL);
	built(g);
	/* c1 waits for its dependency b1, added later */
	assert_string_equal(order(g), "a b1 c1 c2 b2");
	/* a dependency is not a parent: b1 keeps only b2 as child */
	assert_string_equal(heads(g), "c2 b2");
	c1 = node(g, "c1");
	assert_string_equal(ids(g, c1->parents, c1->nparents), "a");
	assert_string_equal(ids(g, c1->deps, c1->ndeps), "b1");
	assert_string_equal(ids(g, node(g, "b1")->children, node(g, "b1")->nchildren), "b2");
	rt_strv_push(&cur, "c2");
	assert_int_equal(rt_graph_applied(g, &cur, applied, &err), 0);
	assert_string_equal(marked(g, applied), "a b1 c1 c2");
	rt_strv_push(&cur, "zz9");
	assert_int_equal(rt_graph_applied(g, &cur, applied, &err), -1);
	assert_string_equal(err.msg,
			    "database is at revision zz9, which no migration file defines");
	rt_strv_free(&cur);
	assert_int_equal(rt_graph_applied(g, &cur, applied, &err), 0);
	assert_string_equal(marked(g, applied), "");
	rt_graph_free(g);
}

static void
test_duplicate(void **state)
{
	struct rt_graph *g = rt_graph_new();
	struct rt_err err = { 0 };
	struct rt_rev *dup = mkrev("a", NULL, NULL, NULL);

	(void)state;
	add(g, "a", NULL, NULL, NULL);
	free(dup->path);
	dup->path = rt_xstrdup("versions/a2.sql");
	assert_int_equal(rt_graph_add_take(g, dup, &err), -1);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, "versions/a2.sql: duplicate revision id a (also in a.sql)");
	assert_int_equal(rt_graph_count(g), 1);
	rt_graph_free(g);

	g = rt_graph_new();
	add(g, "a", NULL, NULL, "lbl");
	add(g, "b", "a", NULL, "lbl");
	build_fails(g, "b.sql:1: branch label lbl already used by revision a");
}

static void
test_missing(void **state)
{
	struct rt_graph *g = rt_graph_new();

	(void)state;
	add(g, "a", NULL, NULL, NULL);
	add(g, "b", "a nope", NULL, NULL);
	build_fails(g, "b.sql:1: down_revision nope: no such revision");

	g = rt_graph_new();
	add(g, "a", NULL, NULL, NULL);
	add(g, "b", "a", "gone", NULL);
	build_fails(g, "b.sql:1: depends_on gone: no such revision");
}

static void
test_cycles(void **state)
{
	struct rt_graph *g = rt_graph_new();

	(void)state;
	add(g, "r", NULL, NULL, NULL);
	add(g, "a", "b", NULL, NULL);
	add(g, "b", "a", NULL, NULL);
	build_fails(g, "cycle in revision graph: a -> b -> a");

	/* not reachable from any root; found from a revision hanging off it */
	g = rt_graph_new();
	add(g, "r", NULL, NULL, NULL);
	add(g, "d", "z", NULL, NULL);
	add(g, "z", "y", NULL, NULL);
	add(g, "y", "x", NULL, NULL);
	add(g, "x", "z", NULL, NULL);
	build_fails(g, "cycle in revision graph: x -> z -> y -> x");

	/* no root at all */
	g = rt_graph_new();
	add(g, "p", "q", NULL, NULL);
	add(g, "q", "s", NULL, NULL);
	add(g, "s", "p", NULL, NULL);
	build_fails(g, "cycle in revision graph: p -> q -> s -> p");

	/* through depends_on */
	g = rt_graph_new();
	add(g, "a", NULL, NULL, NULL);
	add(g, "b", "a", "c", NULL);
	add(g, "c", "b", NULL, NULL);
	build_fails(g, "cycle in revision graph: b -> c -> b");
}

/* aaa111 (core) <- abc123 <- abd456 <- bbb222
 *                                   <- ccc333 (feature) <- ddd444 */
static struct rt_graph *
resolve_graph(void)
{
	struct rt_graph *g = rt_graph_new();

	add(g, "aaa111", NULL, NULL, "core");
	add(g, "abc123", "aaa111", NULL, NULL);
	add(g, "abd456", "abc123", NULL, NULL);
	add(g, "bbb222", "abd456", NULL, NULL);
	add(g, "ccc333", "abd456", NULL, "feature");
	add(g, "ddd444", "ccc333", NULL, NULL);
	return built(g);
}

/* Resolves target; returns the ids ("base" when is_base) or the error message. */
static const char *
resolve(const struct rt_graph *g, const char *target)
{
	static char buf[1100];
	struct rt_idxv v = { 0 };
	struct rt_err err = { 0 };
	bool is_base = false;

	if (rt_graph_resolve(g, target, &v, &is_base, &err) < 0) {
		assert_int_equal(err.kind, RT_ERR_INPUT);
		assert_int_equal(v.n, 0);
		snprintf(buf, sizeof(buf), "E: %s", err.msg);
	} else if (is_base) {
		assert_int_equal(v.n, 0);
		snprintf(buf, sizeof(buf), "base");
	} else {
		snprintf(buf, sizeof(buf), "%s", ids(g, v.v, v.n));
	}
	free(v.v);
	return buf;
}

static void
test_resolve_names(void **state)
{
	struct rt_graph *g = resolve_graph();

	(void)state;
	assert_string_equal(resolve(g, "head"),
			    "E: several heads (bbb222, ddd444); name one, or use 'heads'");
	assert_string_equal(resolve(g, "heads"), "bbb222 ddd444");
	assert_string_equal(resolve(g, "base"), "base");
	assert_string_equal(resolve(g, "abc123"), "abc123");
	assert_string_equal(resolve(g, "abc"), "abc123");
	assert_string_equal(resolve(g, "dd"), "ddd444");
	assert_string_equal(resolve(g, "ab"),
			    "E: ambiguous revision 'ab': candidates abc123, abd456");
	assert_string_equal(resolve(g, "a"),
			    "E: ambiguous revision 'a': candidates aaa111, abc123, abd456");
	assert_string_equal(resolve(g, "core"), "aaa111");
	assert_string_equal(resolve(g, "feature"), "ccc333");
	assert_string_equal(resolve(g, "feature@head"), "ddd444");
	assert_string_equal(resolve(g, "ddd444@head"), "ddd444");
	assert_string_equal(resolve(g, "core@head"),
			    "E: 'core@head' has several heads (bbb222, ddd444)");
	assert_string_equal(resolve(g, "xyz"), "E: unknown revision 'xyz'");
	assert_string_equal(resolve(g, "abc1234"), "E: unknown revision 'abc1234'");
	assert_string_equal(resolve(g, "nolabel@head"), "E: unknown revision 'nolabel'");
	rt_graph_free(g);
}

static void
test_resolve_relative(void **state)
{
	struct rt_graph *g = resolve_graph();

	(void)state;
	assert_string_equal(resolve(g, "aaa111+2"), "abd456");
	assert_string_equal(resolve(g, "aaa+0"), "aaa111");
	assert_string_equal(resolve(g, "core+1"), "abc123");
	assert_string_equal(resolve(g, "base+1"), "aaa111");
	assert_string_equal(resolve(g, "base+3"), "abd456");
	assert_string_equal(resolve(g, "ccc333+1"), "ddd444");
	assert_string_equal(resolve(g, "ddd444-2"), "abd456");
	assert_string_equal(resolve(g, "feature@head-1"), "ccc333");
	assert_string_equal(resolve(g, "ddd444-5"), "base");
	assert_string_equal(resolve(g, "abc-1-1"), "base");
	assert_string_equal(resolve(g, "aaa+3"),
			    "E: cannot resolve 'aaa+3': abd456 is a branch point "
			    "(children bbb222, ccc333)");
	assert_string_equal(resolve(g, "ddd444-6"), "E: cannot resolve 'ddd444-6': below base");
	assert_string_equal(resolve(g, "ddd444+1"),
			    "E: cannot resolve 'ddd444+1': beyond head ddd444");
	assert_string_equal(resolve(g, "bbb+12"), "E: cannot resolve 'bbb+12': beyond head bbb222");
	assert_string_equal(resolve(g, "heads+1"),
			    "E: 'heads' names several revisions (bbb222, ddd444)");
	assert_string_equal(resolve(g, "zz+1"), "E: unknown revision 'zz'");
	rt_graph_free(g);

	g = rt_graph_new();
	add(g, "a", NULL, NULL, NULL);
	add(g, "b", "a", NULL, NULL);
	add(g, "c", "a", NULL, NULL);
	add(g, "m", "b c", NULL, NULL);
	add(g, "r2", NULL, NULL, NULL);
	built(g);
	assert_string_equal(resolve(g, "m-1"), "E: cannot resolve 'm-1': m is a merge point "
			    "(parents b, c)");
	assert_string_equal(resolve(g, "b+1"), "m");
	assert_string_equal(resolve(g, "base+1"),
			    "E: cannot resolve 'base+1': several roots (a, r2)");
	rt_graph_free(g);
}

static void
test_resolve_bad(void **state)
{
	struct rt_graph *g = resolve_graph();

	(void)state;
	assert_string_equal(resolve(g, "foo;bar"), "E: bad target 'foo;bar'");
	assert_string_equal(resolve(g, ""), "E: bad target ''");
	assert_string_equal(resolve(g, "ABC"), "E: bad target 'ABC'");
	assert_string_equal(resolve(g, "+1"), "E: bad target '+1'");
	assert_string_equal(resolve(g, "-1"), "E: bad target '-1'");
	assert_string_equal(resolve(g, "abc+"), "E: bad target 'abc+'");
	assert_string_equal(resolve(g, "abc+x"), "E: bad target 'abc+x'");
	assert_string_equal(resolve(g, "abc+1234567890"), "E: bad target 'abc+1234567890'");
	assert_string_equal(resolve(g, "feature@tail"), "E: bad target 'feature@tail'");
	assert_string_equal(resolve(g, "@head"), "E: bad target '@head'");
	assert_string_equal(resolve(g, "base@head"), "E: bad target 'base@head'");
	assert_string_equal(resolve(g, "a b"), "E: bad target 'a b'");
	assert_string_equal(resolve(g, "abcdefghijabcdefghijabcdefghijabc"),
			    "E: bad target 'abcdefghijabcdefghijabcdefghijabc'");
	rt_graph_free(g);
}

static void
test_resolve_single_head(void **state)
{
	struct rt_graph *g = rt_graph_new();
	struct rt_idxv v = { 0 };
	bool is_base = true;

	(void)state;
	add(g, "a", NULL, NULL, NULL);
	add(g, "b", "a", NULL, NULL);
	built(g);
	assert_string_equal(resolve(g, "head"), "b");
	assert_string_equal(resolve(g, "head-1"), "a");
	/* results are appended */
	assert_int_equal(rt_graph_resolve(g, "a", &v, &is_base, NULL), 0);
	assert_int_equal(rt_graph_resolve(g, "b", &v, &is_base, NULL), 0);
	assert_false(is_base);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.v[0], 0);
	assert_int_equal(v.v[1], 1);
	free(v.v);
	rt_graph_free(g);

	g = built(rt_graph_new());
	assert_string_equal(resolve(g, "head"), "base");
	assert_string_equal(resolve(g, "heads"), "base");
	assert_string_equal(resolve(g, "x"), "E: unknown revision 'x'");
	rt_graph_free(g);
}

static const char *
range(const struct rt_graph *g, const char *r, const char *cur)
{
	static char buf[1100];
	struct rt_strv current = { 0 };
	struct rt_err err = { 0 };
	bool mark[64];

	if (cur)
		rt_strv_push(&current, cur);
	if (rt_graph_range(g, r, &current, mark, &err) < 0)
		snprintf(buf, sizeof(buf), "E: %s", err.msg);
	else
		snprintf(buf, sizeof(buf), "%s", marked(g, mark));
	rt_strv_free(&current);
	return buf;
}

static void
test_range(void **state)
{
	struct rt_graph *g = resolve_graph();
	const char *all = "aaa111 abc123 abd456 bbb222 ccc333 ddd444";

	(void)state;
	assert_string_equal(range(g, "", NULL), all);
	assert_string_equal(range(g, ":", NULL), all);
	assert_string_equal(range(g, "base:heads", NULL), all);
	assert_string_equal(range(g, "abc123:ccc333", NULL), "abc123 abd456 ccc333");
	assert_string_equal(range(g, ":abd", NULL), "aaa111 abc123 abd456");
	assert_string_equal(range(g, "ccc333:", NULL), "ccc333 ddd444");
	assert_string_equal(range(g, "feature:feature@head", NULL), "ccc333 ddd444");
	assert_string_equal(range(g, "bbb222:ddd444", NULL), "");
	assert_string_equal(range(g, "base:base", NULL), "");
	assert_string_equal(range(g, "current:", "bbb222"), "bbb222");
	assert_string_equal(range(g, ":current", "bbb222"), "aaa111 abc123 abd456 bbb222");
	assert_string_equal(range(g, "current:", NULL), all);
	assert_string_equal(range(g, ":current", NULL), "");
	assert_string_equal(range(g, ":current", "zzz"),
			    "E: database is at revision zzz, which no migration file defines");
	assert_string_equal(range(g, "abd", NULL), "E: bad range 'abd': use A:B, A: or :B");
	assert_string_equal(range(g, "a:b:c", NULL), "E: bad range 'a:b:c': use A:B, A: or :B");
	assert_string_equal(range(g, "ab:", NULL),
			    "E: ambiguous revision 'ab': candidates abc123, abd456");
	assert_string_equal(range(g, ":head", NULL),
			    "E: several heads (bbb222, ddd444); name one, or use 'heads'");
	rt_graph_free(g);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/rt_test_graph_XXXXXX";
	struct rt_err err = { 0 };
	struct rt_graph *g;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "2_b.sql", "-- retort:revision b2\n-- retort:down_revision a1\n"
		   "-- retort:upgrade\nSELECT 2;\n-- retort:downgrade\nSELECT 2;\n");
	write_file(dir, "1_a.sql", "-- retort:revision a1\n-- retort:down_revision none\n"
		   "-- retort:upgrade\nSELECT 1;\n-- retort:downgrade\nSELECT 1;\n");
	write_file(dir, "README.txt", "not a migration\n");
	g = rt_graph_load(dir, &err);
	if (!g)
		fail_msg("load: %s", err.msg);
	assert_string_equal(order(g), "a1 b2");
	rt_graph_free(g);

	write_file(dir, "0_dup.sql", "-- retort:revision b2\n-- retort:down_revision none\n"
		   "-- retort:upgrade\nSELECT 2;\n-- retort:downgrade\nSELECT 2;\n");
	assert_null(rt_graph_load(dir, &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_non_null(strstr(err.msg, "2_b.sql: duplicate revision id b2 (also in "));
	assert_non_null(strstr(err.msg, "/0_dup.sql)"));

	assert_null(rt_graph_load("/nonexistent/dir", &err));
	assert_string_equal(err.msg,
			    "/nonexistent/dir: cannot read directory: No such file or directory");
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* Header-only loads: the same graph, no bodies; a broken body loads here but
 * not in a full load. Files are added in byte order (strcmp), whatever the
 * locale: "B" sorts before "a", so of two roots B_2's comes first. */
static void
test_load_headers(void **state)
{
	char dir[] = "/tmp/rt_test_graph_XXXXXX";
	struct rt_err err = { 0 };
	struct rt_graph *g;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "a_1.sql", "-- retort:revision x1\n-- retort:down_revision none\n"
		   "-- retort:message first\n-- retort:upgrade\nSELECT 1;\n-- retort:downgrade\n");
	write_file(dir, "B_2.sql", "-- retort:revision y2\n-- retort:down_revision none\n"
		   "-- retort:branch_labels lab\n-- retort:upgrade\nSELECT 2;\n-- retort:downgrade\n");
	write_file(dir, "c_3.sql", "-- retort:revision z3\n-- retort:down_revision x1 y2\n"
		   "-- retort:upgrade\nSELECT 3;\n-- retort:downgrade\nSELECT 3;\n");
	g = rt_graph_load(dir, &err);
	if (!g)
		fail_msg("load: %s", err.msg);
	assert_false(rt_graph_is_headers_only(g));
	assert_string_equal(order(g), "y2 x1 z3");
	assert_non_null(rt_graph_node(g, 0)->rev->upgrade);
	assert_int_equal(strlen(rt_graph_node(g, 0)->rev->sha256), 64);
	rt_graph_free(g);
	g = rt_graph_load_headers(dir, &err);
	if (!g)
		fail_msg("load headers: %s", err.msg);
	assert_true(rt_graph_is_headers_only(g));
	assert_string_equal(order(g), "y2 x1 z3");
	assert_string_equal(heads(g), "z3");
	assert_string_equal(resolve(g, "lab@head"), "z3");
	for (size_t i = 0; i < rt_graph_count(g); i++) {
		const struct rt_rev *rev = rt_graph_node(g, i)->rev;

		assert_true(rev->is_headers_only);
		assert_null(rev->upgrade);
		assert_string_equal(rev->sha256, "");
		assert_non_null(strstr(rev->path, dir));
	}
	assert_string_equal(rt_graph_node(g, 1)->rev->message, "first");
	rt_graph_free(g);

	/* a fault past the first marker: only a full load sees it */
	write_file(dir, "d_4.sql", "-- retort:revision w4\n-- retort:down_revision z3\n"
		   "-- retort:upgrade\nSELECT 4;\n-- retort:bogus\n-- retort:downgrade\n");
	assert_null(rt_graph_load(dir, &err));
	assert_non_null(strstr(err.msg, "d_4.sql:5: unknown directive 'retort:bogus'"));
	g = rt_graph_load_headers(dir, &err);
	if (!g)
		fail_msg("load headers: %s", err.msg);
	assert_string_equal(heads(g), "w4");
	rt_graph_free(g);
	/* header faults and graph faults are reported as by a full load */
	write_file(dir, "d_4.sql", "-- retort:revision w4\n-- retort:down_revision nope\n"
		   "-- retort:upgrade\n-- retort:downgrade\n");
	assert_null(rt_graph_load_headers(dir, &err));
	assert_non_null(strstr(err.msg, "d_4.sql:1: down_revision nope: no such revision"));
	write_file(dir, "d_4.sql", "-- retort:revision W4\n-- retort:down_revision z3\n");
	assert_null(rt_graph_load_headers(dir, &err));
	assert_non_null(strstr(err.msg,
		"d_4.sql:1: invalid revision id 'W4' (expected 1-32 characters of [0-9a-z_])"));
	assert_null(rt_graph_load_headers("/nonexistent/dir", &err));
	assert_string_equal(err.msg,
			    "/nonexistent/dir: cannot read directory: No such file or directory");
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* 100,000 revisions in a chain, added from the head down. */
static void
test_big_chain(void **state)
{
	enum { N = 100000 };
	struct rt_graph *g = rt_graph_new();
	struct rt_err err = { 0 };
	char id[16], down[16];

	(void)state;
	for (long i = N - 1; i >= 0; i--) {
		snprintf(id, sizeof(id), "r%06ld", i);
		snprintf(down, sizeof(down), "r%06ld", i - 1);
		assert_int_equal(rt_graph_add_take(g, mkrev(id, i ? down : NULL, NULL, NULL),
						   &err), 0);
	}
	built(g);
	assert_int_equal(rt_graph_count(g), N);
	assert_int_equal(rt_graph_nheads(g), 1);
	assert_string_equal(rt_graph_node(g, rt_graph_head(g, 0))->rev->id, "r099999");
	assert_string_equal(rt_graph_node(g, 0)->rev->id, "r000000");
	assert_string_equal(rt_graph_node(g, 51234)->rev->id, "r051234");
	assert_string_equal(resolve(g, "head"), "r099999");
	assert_string_equal(resolve(g, "r05123"),
			    "E: ambiguous revision 'r05123': candidates r051230, r051231, "
			    "r051232, r051233, r051234, r051235, r051236, r051237, r051238, "
			    "r051239");
	assert_string_equal(resolve(g, "r000010+99989"), "r099999");
	assert_string_equal(resolve(g, "head-99999"), "r000000");
	rt_graph_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_branch_merge),
		cmocka_unit_test(test_tie_order),
		cmocka_unit_test(test_depends_on),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_resolve_names),
		cmocka_unit_test(test_resolve_relative),
		cmocka_unit_test(test_resolve_bad),
		cmocka_unit_test(test_resolve_single_head),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_headers),
		cmocka_unit_test(test_big_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
