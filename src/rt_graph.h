/* rt_graph.h - the revision graph and target resolution (plans: rt_plan.h). */
#ifndef RT_GRAPH_H
#define RT_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_err;
struct rt_rev;

/* One revision in the graph. Indexes refer to rt_graph_node() positions. */
struct rt_node {
	const struct rt_rev *rev;   /* owned by the graph */
	size_t *parents;            /* down_revision */
	size_t nparents;
	size_t *deps;               /* depends_on */
	size_t ndeps;
	size_t *children;           /* revisions naming this one as down_revision */
	size_t nchildren;
};

struct rt_graph;

/* A new empty graph owned by the caller (free with rt_graph_free). */
struct rt_graph *rt_graph_new(void);

/* Adds rev; the graph takes ownership of rev even when this fails.
 * Fails (RT_ERR_INPUT) on a duplicate id: "path2: duplicate revision id X (also in path1)". */
int rt_graph_add_take(struct rt_graph *g, struct rt_rev *rev, struct rt_err *err);

/* Links parents and dependencies and orders the nodes topologically (every
 * parent and dependency before its children; ties in the order added).
 * Fails (RT_ERR_INPUT) on a missing parent or dependency ("path:line: ...")
 * or a cycle (the message names the revisions on it). Call once, after all adds. */
int rt_graph_build(struct rt_graph *g, struct rt_err *err);

/* Parses every *.sql file of dir (in name order: byte order by strcmp, never
 * the locale's collation), adds them and builds. Returns a new graph owned by
 * the caller, or NULL with err set. */
struct rt_graph *rt_graph_load(const char *dir, struct rt_err *err);

/* As rt_graph_load, but reads only each file's header block (up to its first
 * section marker: rt_rev_parse_headers), for commands that need only the graph
 * (current, heads, branches, history). Every revision has is_headers_only set:
 * no section bodies and no sha256, so such a graph must not be used to plan,
 * run or show SQL, nor to compare checksums. A file whose sections are broken
 * loads here and fails only in a full load. */
struct rt_graph *rt_graph_load_headers(const char *dir, struct rt_err *err);

/* Whether g came from rt_graph_load_headers. */
bool rt_graph_is_headers_only(const struct rt_graph *g);

void rt_graph_free(struct rt_graph *g);

/* Number of revisions. */
size_t rt_graph_count(const struct rt_graph *g);

/* Node i in topological order (0 = a root). Borrowed, valid while g lives. */
const struct rt_node *rt_graph_node(const struct rt_graph *g, size_t i);

/* Adds to err's detail (one line) what a revision the database records but
 * no file defines means (Alembic's "Can't locate revision") and the way out:
 * 'git pull' for its file, or 'retort stamp REV'. Every error about such a
 * revision carries it. */
void rt_graph_explain_unknown(struct rt_err *err);

/* Index of the revision with exactly this id, or -1. */
long rt_graph_find(const struct rt_graph *g, const char *id);

/* Heads (no children) and roots (no parents), as node indexes in topological order. */
size_t rt_graph_nheads(const struct rt_graph *g);
size_t rt_graph_head(const struct rt_graph *g, size_t i);
size_t rt_graph_nroots(const struct rt_graph *g);
size_t rt_graph_root(const struct rt_graph *g, size_t i);

/* Marks applied[i] (array of rt_graph_count() bools) for every revision that
 * is applied when the version table holds the ids in current: the ids and all
 * their ancestors through down_revision and depends_on. Fails (RT_ERR_INPUT)
 * when an id in current is not in the graph: "database is at revision X,
 * which no migration file defines". */
int rt_graph_applied(const struct rt_graph *g, const struct rt_strv *current, bool *applied,
		     struct rt_err *err);

/* A growable array of node indexes, owned by whoever declares it (free(v)). */
struct rt_idxv {
	size_t *v;
	size_t n;
	size_t cap;
};

/* Resolves an absolute target to node indexes appended to out (sorted by
 * topological index): "head" (fails when several heads exist, naming them),
 * "heads", "base" (no nodes, *is_base = true), an id or unique prefix, a
 * branch label, "label@head", "REV+N", "REV-N" (N steps along the single
 * child/parent; fails at a branch or merge). Ambiguous prefixes fail with the
 * candidates named in the message; unknown targets fail. All failures are
 * RT_ERR_INPUT. out is a caller-owned growable array (free(out->v)); is_base
 * may be NULL. */
int rt_graph_resolve(const struct rt_graph *g, const char *target, struct rt_idxv *out,
		     bool *is_base, struct rt_err *err);

/* The parents of a new revision into out (ids, each once): head's
 * resolution (rt_graph_resolve; NULL: "head", which fails naming them when
 * several heads exist); none for "base" or a graph without revisions. 0, or
 * -1 with err (RT_ERR_INPUT). */
int rt_graph_new_parents(const struct rt_graph *g, const char *head, struct rt_strv *out,
			 struct rt_err *err);

/* in_range[i] for the revisions of "history -r RANGE": "A:B" (descendants-or-self
 * of A that are ancestors-or-self of B; either side may be empty or base/head/
 * current), "A:" or ":B". "current" uses the ids in current (may be empty). */
int rt_graph_range(const struct rt_graph *g, const char *range, const struct rt_strv *current,
		   bool *in_range, struct rt_err *err);

#endif
