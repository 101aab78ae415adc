/* graph.c - the revision graph: building, lookup, applied sets, targets, ranges. */
#include "config.h"
#include "rt_graph.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt_err.h"
#include "rt_migration.h"

/* The virtual revision below every root, where relative walks may start or end. */
#define BASE SIZE_MAX

struct idxlist {
	size_t *v;
	size_t n;
};

/* A name (id or branch label, borrowed from a revision) and its node. */
struct named {
	const char *name;
	size_t node;
};

struct rt_graph {
	struct rt_rev **revs;        /* owned; order added, topological once built */
	size_t n;
	size_t cap;
	size_t *slots;               /* open addressing on ids: index + 1, 0 = empty */
	size_t nslots;               /* a power of two, more than twice n */
	struct rt_node *nodes;       /* topological order; NULL until built */
	struct idxlist *dependents;  /* reverse of deps, per node, topological order */
	size_t *heads;
	size_t nheads;
	size_t *roots;
	size_t nroots;
	struct named *by_id;         /* every node, sorted by id: prefix lookups */
	struct named *labels;        /* every branch label, sorted by name */
	size_t nlabels;
	bool is_headers_only;        /* loaded by rt_graph_load_headers */
};

static const char *
rev_path(const struct rt_rev *rev)
{
	return rev->path ? rev->path : "(unnamed)";
}

static bool
is_id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_';
}

/* ---- the id table ------------------------------------------------------ */

static size_t
hash_id(const char *s)
{
	uint64_t h = 14695981039346656037ULL;   /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

/* The slot holding id, or the empty slot where it would go. */
static size_t *
id_slot(const struct rt_graph *g, const char *id)
{
	size_t mask = g->nslots - 1;

	for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
		size_t v = g->slots[i];

		if (v == 0 || strcmp(g->revs[v - 1]->id, id) == 0)
			return &g->slots[i];
	}
}

/* Rebuilds the table from revs (after growth or reordering). */
static void
rehash(struct rt_graph *g, size_t nslots)
{
	free(g->slots);
	g->slots = rt_xcalloc(nslots, sizeof(*g->slots));
	g->nslots = nslots;
	for (size_t i = 0; i < g->n; i++)
		*id_slot(g, g->revs[i]->id) = i + 1;
}

struct rt_graph *
rt_graph_new(void)
{
	return rt_xcalloc(1, sizeof(struct rt_graph));
}

int
rt_graph_add_take(struct rt_graph *g, struct rt_rev *rev, struct rt_err *err)
{
	size_t *slot;

	if (2 * (g->n + 1) > g->nslots)
		rehash(g, g->nslots ? 2 * g->nslots : 64);
	slot = id_slot(g, rev->id);
	if (*slot) {
		rt_err_set(err, RT_ERR_INPUT, "%s: duplicate revision id %s (also in %s)",
			   rev_path(rev), rev->id, rev_path(g->revs[*slot - 1]));
		rt_rev_free(rev);
		return -1;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->revs = rt_xreallocarray(g->revs, g->cap, sizeof(*g->revs));
	}
	g->revs[g->n++] = rev;
	*slot = g->n;
	return 0;
}

long
rt_graph_find(const struct rt_graph *g, const char *id)
{
	size_t v;

	if (g->nslots == 0)
		return -1;
	v = *id_slot(g, id);
	return v ? (long)(v - 1) : -1;
}

/* ---- building ---------------------------------------------------------- */

/* Resolves ids to indexes into *out (allocated even on failure), skipping
 * repeats and ids already in skip. */
static int
link_ids(const struct rt_graph *g, const struct rt_rev *rev, char **ids, size_t nids,
	 const char *what, const struct rt_node *skip, size_t **out, size_t *nout,
	 struct rt_err *err)
{
	*out = nids ? rt_xcalloc(nids, sizeof(**out)) : NULL;   /* most lists are empty */
	*nout = 0;
	for (size_t i = 0; i < nids; i++) {
		long j = rt_graph_find(g, ids[i]);
		bool is_repeat = false;

		if (j < 0) {
			rt_err_set(err, RT_ERR_INPUT, "%s:1: %s %s: no such revision",
				   rev_path(rev), what, ids[i]);
			return -1;
		}
		for (size_t k = 0; k < *nout; k++)
			is_repeat |= (*out)[k] == (size_t)j;
		for (size_t k = 0; skip && k < skip->nparents; k++)
			is_repeat |= skip->parents[k] == (size_t)j;
		if (!is_repeat)
			(*out)[(*nout)++] = (size_t)j;
	}
	return 0;
}

static void
free_edges(struct rt_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(nodes[i].parents);
		free(nodes[i].deps);
		free(nodes[i].children);
	}
	free(nodes);
}

/* A binary min-heap of indexes: Kahn's ready set, ties broken by order added. */
struct heap {
	size_t *v;
	size_t n;
};

static void
heap_push(struct heap *h, size_t x)
{
	size_t i = h->n++;

	while (i > 0 && h->v[(i - 1) / 2] > x) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = x;
}

static size_t
heap_pop(struct heap *h)
{
	size_t top = h->v[0], x = h->v[--h->n], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= x)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = x;
	return top;
}

/* Names one cycle among the nodes Kahn could not order (indeg > 0): every
 * such node has an unordered parent or dependency, so walking those must loop. */
static void
report_cycle(const struct rt_graph *g, const struct rt_node *tn, const size_t *indeg,
	     struct rt_err *err)
{
	size_t *seen = rt_xcalloc(g->n, sizeof(*seen)), *path, npath = 0;
	size_t x = 0, first, best;
	struct rt_buf b = { 0 };

	path = rt_xcalloc(g->n, sizeof(*path));
	while (indeg[x] == 0)
		x++;
	while (!seen[x]) {
		const struct rt_node *nd = &tn[x];
		size_t next = x;

		seen[x] = ++npath;
		path[npath - 1] = x;
		for (size_t k = 0; k < nd->nparents + nd->ndeps; k++) {
			size_t p = k < nd->nparents ? nd->parents[k] : nd->deps[k - nd->nparents];

			if (indeg[p] > 0) {
				next = p;
				break;
			}
		}
		x = next;
	}
	first = seen[x] - 1;
	best = first;
	for (size_t k = first; k < npath; k++)
		if (strcmp(g->revs[path[k]]->id, g->revs[path[best]]->id) < 0)
			best = k;
	for (size_t k = 0; k <= npath - first; k++) {
		size_t at = first + (best - first + k) % (npath - first);

		rt_buf_printf(&b, "%s%s", k ? " -> " : "", g->revs[path[at]]->id);
	}
	rt_err_set(err, RT_ERR_INPUT, "cycle in revision graph: %s", rt_buf_str(&b));
	rt_buf_free(&b);
	free(path);
	free(seen);
}

/* Kahn's algorithm over the nodes tn (indexes in order added); fills order. */
static int
topo_sort(const struct rt_graph *g, const struct rt_node *tn, size_t *order,
	  struct rt_err *err)
{
	size_t n = g->n, *off = rt_xcalloc(n + 1, sizeof(*off)), *fill, *succ, *indeg;
	struct heap h = { rt_xcalloc(n, sizeof(size_t)), 0 };
	size_t norder = 0;

	indeg = rt_xcalloc(n, sizeof(*indeg));
	for (size_t i = 0; i < n; i++) {
		indeg[i] = tn[i].nparents + tn[i].ndeps;
		for (size_t k = 0; k < indeg[i]; k++)
			off[1 + (k < tn[i].nparents ? tn[i].parents[k]
					 : tn[i].deps[k - tn[i].nparents])]++;
	}
	for (size_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	fill = rt_xcalloc(n + 1, sizeof(*fill));
	memcpy(fill, off, (n + 1) * sizeof(*fill));
	succ = rt_xcalloc(off[n], sizeof(*succ));
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < indeg[i]; k++)
			succ[fill[k < tn[i].nparents ? tn[i].parents[k]
				  : tn[i].deps[k - tn[i].nparents]]++] = i;
		if (indeg[i] == 0)
			heap_push(&h, i);
	}
	while (h.n) {
		size_t i = heap_pop(&h);

		order[norder++] = i;
		for (size_t k = off[i]; k < off[i + 1]; k++)
			if (--indeg[succ[k]] == 0)
				heap_push(&h, succ[k]);
	}
	if (norder < n)
		report_cycle(g, tn, indeg, err);
	free(h.v);
	free(succ);
	free(fill);
	free(indeg);
	free(off);
	return norder < n ? -1 : 0;
}

/* Moves tn into g->nodes in topological order, renumbering every index. */
static void
renumber(struct rt_graph *g, struct rt_node *tn, const size_t *order)
{
	size_t *pos = rt_xcalloc(g->n, sizeof(*pos));
	struct rt_rev **revs = rt_xcalloc(g->n, sizeof(*revs));

	for (size_t k = 0; k < g->n; k++)
		pos[order[k]] = k;
	g->nodes = rt_xcalloc(g->n, sizeof(*g->nodes));
	for (size_t k = 0; k < g->n; k++) {
		struct rt_node *nd = &g->nodes[k];

		*nd = tn[order[k]];
		for (size_t j = 0; j < nd->nparents; j++)
			nd->parents[j] = pos[nd->parents[j]];
		for (size_t j = 0; j < nd->ndeps; j++)
			nd->deps[j] = pos[nd->deps[j]];
		revs[k] = g->revs[order[k]];
		nd->rev = revs[k];
	}
	free(g->revs);
	g->revs = revs;
	g->cap = g->n;
	for (size_t i = 0; i < g->nslots; i++)
		if (g->slots[i])
			g->slots[i] = pos[g->slots[i] - 1] + 1;
	free(pos);
	free(tn);
}

static int
cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->node > y->node) - (x->node < y->node);
}

/* Fills children and dependents (each in topological order), heads and roots. */
static void
index_edges(struct rt_graph *g)
{
	g->dependents = rt_xcalloc(g->n, sizeof(*g->dependents));
	for (size_t i = 0; i < g->n; i++) {
		for (size_t k = 0; k < g->nodes[i].nparents; k++)
			g->nodes[g->nodes[i].parents[k]].nchildren++;
		for (size_t k = 0; k < g->nodes[i].ndeps; k++)
			g->dependents[g->nodes[i].deps[k]].n++;
	}
	for (size_t i = 0; i < g->n; i++) {
		struct rt_node *nd = &g->nodes[i];
		struct idxlist *d = &g->dependents[i];

		nd->children = nd->nchildren ? rt_xcalloc(nd->nchildren, sizeof(size_t)) : NULL;
		nd->nchildren = 0;
		d->v = d->n ? rt_xcalloc(d->n, sizeof(size_t)) : NULL;
		d->n = 0;
	}
	g->heads = rt_xcalloc(g->n, sizeof(*g->heads));
	g->roots = rt_xcalloc(g->n, sizeof(*g->roots));
	for (size_t i = 0; i < g->n; i++) {
		struct rt_node *nd = &g->nodes[i];

		for (size_t k = 0; k < nd->nparents; k++) {
			struct rt_node *p = &g->nodes[nd->parents[k]];

			p->children[p->nchildren++] = i;
		}
		for (size_t k = 0; k < nd->ndeps; k++) {
			struct idxlist *d = &g->dependents[nd->deps[k]];

			d->v[d->n++] = i;
		}
		if (nd->nparents == 0)
			g->roots[g->nroots++] = i;
	}
	for (size_t i = 0; i < g->n; i++)
		if (g->nodes[i].nchildren == 0)
			g->heads[g->nheads++] = i;
}

/* Sorted id and label indexes; fails on a label used twice. */
static int
index_names(struct rt_graph *g, struct rt_err *err)
{
	g->by_id = rt_xcalloc(g->n, sizeof(*g->by_id));
	for (size_t i = 0; i < g->n; i++) {
		g->by_id[i].name = g->revs[i]->id;
		g->by_id[i].node = i;
		g->nlabels += g->revs[i]->nlabels;
	}
	qsort(g->by_id, g->n, sizeof(*g->by_id), cmp_named);
	g->labels = rt_xcalloc(g->nlabels, sizeof(*g->labels));
	g->nlabels = 0;
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->revs[i]->nlabels; k++)
			g->labels[g->nlabels++] = (struct named){ g->revs[i]->labels[k], i };
	qsort(g->labels, g->nlabels, sizeof(*g->labels), cmp_named);
	for (size_t i = 1; i < g->nlabels; i++) {
		const struct named *a = &g->labels[i - 1], *b = &g->labels[i];

		if (strcmp(a->name, b->name) == 0) {
			rt_err_set(err, RT_ERR_INPUT,
				   "%s:1: branch label %s already used by revision %s",
				   rev_path(g->revs[b->node]), b->name, g->revs[a->node]->id);
			return -1;
		}
	}
	return 0;
}

int
rt_graph_build(struct rt_graph *g, struct rt_err *err)
{
	struct rt_node *tn = rt_xcalloc(g->n, sizeof(*tn));
	size_t *order = rt_xcalloc(g->n, sizeof(*order));
	int rc = 0;

	for (size_t i = 0; i < g->n && rc == 0; i++) {
		const struct rt_rev *rev = g->revs[i];

		rc = link_ids(g, rev, rev->down, rev->ndown, "down_revision", NULL,
			      &tn[i].parents, &tn[i].nparents, err);
		if (rc == 0)
			rc = link_ids(g, rev, rev->depends, rev->ndepends, "depends_on",
				      &tn[i], &tn[i].deps, &tn[i].ndeps, err);
	}
	if (rc == 0)
		rc = topo_sort(g, tn, order, err);
	if (rc < 0) {
		free_edges(tn, g->n);
	} else {
		renumber(g, tn, order);
		index_edges(g);
		rc = index_names(g, err);
	}
	free(order);
	return rc;
}

static bool
is_sql_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".sql") == 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.sql names of the directory d, sorted by strcmp (bytes), not by
 * strcoll as alphasort would: the order files are added (and so ties in the
 * topological order and which duplicate is reported) must not depend on the
 * locale. *names points into *pool; free both. -1 with errno on failure. */
static int
list_sql(DIR *d, char **pool, char ***names, size_t *n)
{
	struct rt_buf b = { 0 };
	size_t *off = NULL, cap = 0;
	struct dirent *de;

	*n = 0;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!is_sql_name(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			off = rt_xreallocarray(off, cap, sizeof(*off));
		}
		off[(*n)++] = b.len;
		rt_buf_append(&b, de->d_name, strlen(de->d_name) + 1);
	}
	if (errno != 0) {
		int e = errno;

		free(off);
		rt_buf_free(&b);
		errno = e;
		return -1;
	}
	*pool = rt_buf_take(&b);
	*names = rt_xcalloc(*n ? *n : 1, sizeof(**names));
	for (size_t i = 0; i < *n; i++)
		(*names)[i] = *pool + off[i];
	free(off);
	qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

/* rt_graph_load and rt_graph_load_headers: flags are RT_REV_* load flags. */
static struct rt_graph *
load(const char *dir, unsigned flags, struct rt_err *err)
{
	struct rt_buf scratch = { 0 }, path = { 0 };
	char *pool = NULL, **names = NULL;
	struct rt_graph *g;
	size_t n = 0;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (!d || list_sql(d, &pool, &names, &n) < 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s: cannot read directory: %s", dir,
			   strerror(errno));
		if (d)
			closedir(d);
		return NULL;
	}
	g = rt_graph_new();
	g->is_headers_only = (flags & RT_REV_HEADERS_ONLY) != 0;
	rt_buf_puts(&path, dir);
	rt_buf_putc(&path, '/');
	for (size_t i = 0, dir_len = path.len; i < n && rc == 0; i++) {
		struct rt_rev *rev;

		path.len = dir_len;
		rt_buf_puts(&path, names[i]);
		/* openat on the directory's fd: no walk of the directory's path per file */
		rev = rt_rev_load_at(dirfd(d), names[i], path.data, flags, &scratch, err);
		rc = rev ? rt_graph_add_take(g, rev, err) : -1;
	}
	closedir(d);
	rt_buf_free(&path);
	rt_buf_free(&scratch);
	free(names);
	free(pool);
	if (rc == 0)
		rc = rt_graph_build(g, err);
	if (rc < 0) {
		rt_graph_free(g);
		return NULL;
	}
	return g;
}

struct rt_graph *
rt_graph_load(const char *dir, struct rt_err *err)
{
	return load(dir, 0, err);
}

struct rt_graph *
rt_graph_load_headers(const char *dir, struct rt_err *err)
{
	return load(dir, RT_REV_HEADERS_ONLY, err);
}

bool
rt_graph_is_headers_only(const struct rt_graph *g)
{
	return g->is_headers_only;
}

void
rt_graph_free(struct rt_graph *g)
{
	if (!g)
		return;
	if (g->nodes)
		free_edges(g->nodes, g->n);
	for (size_t i = 0; g->dependents && i < g->n; i++)
		free(g->dependents[i].v);
	free(g->dependents);
	free(g->labels);
	free(g->by_id);
	free(g->roots);
	free(g->heads);
	free(g->slots);
	for (size_t i = 0; i < g->n; i++)
		rt_rev_free(g->revs[i]);
	free(g->revs);
	free(g);
}

/* ---- queries ----------------------------------------------------------- */

size_t
rt_graph_count(const struct rt_graph *g)
{
	return g->n;
}

const struct rt_node *
rt_graph_node(const struct rt_graph *g, size_t i)
{
	return g->nodes && i < g->n ? &g->nodes[i] : NULL;
}

size_t
rt_graph_nheads(const struct rt_graph *g)
{
	return g->nheads;
}

size_t
rt_graph_head(const struct rt_graph *g, size_t i)
{
	return g->heads[i];
}

size_t
rt_graph_nroots(const struct rt_graph *g)
{
	return g->nroots;
}

size_t
rt_graph_root(const struct rt_graph *g, size_t i)
{
	return g->roots[i];
}

/* Marks everything reachable from the nstack marked nodes on stack (room for
 * n), upward through parents and deps or downward through children and dependents. */
static void
mark_closure(const struct rt_graph *g, bool *mark, size_t *stack, size_t nstack, bool is_up)
{
	while (nstack) {
		size_t x = stack[--nstack];
		const struct rt_node *nd = &g->nodes[x];
		const size_t *a = is_up ? nd->parents : nd->children;
		const size_t *b = is_up ? nd->deps : g->dependents[x].v;
		size_t na = is_up ? nd->nparents : nd->nchildren;
		size_t nb = is_up ? nd->ndeps : g->dependents[x].n;

		for (size_t k = 0; k < na + nb; k++) {
			size_t y = k < na ? a[k] : b[k - na];

			if (!mark[y]) {
				mark[y] = true;
				stack[nstack++] = y;
			}
		}
	}
}

void
rt_graph_explain_unknown(struct rt_err *err)
{
	/* the playbook's "Can't locate revision identified by ..." and its way out */
	rt_err_detail(err, "the database records a revision whose migration file is missing "
		      "(Alembic says \"Can't locate revision\"): if it is in commits you do not "
		      "have, 'git pull' brings its file; if the database really is at a revision "
		      "of these files, 'retort stamp REV' records that (e.g. 'retort stamp head': "
		      "the version table only, no SQL)");
}

static int
unknown_row(const char *id, struct rt_err *err)
{
	rt_err_set(err, RT_ERR_INPUT, "database is at revision %s, which no migration file defines",
		   id);
	rt_graph_explain_unknown(err);
	return -1;
}

int
rt_graph_applied(const struct rt_graph *g, const struct rt_strv *current, bool *applied,
		 struct rt_err *err)
{
	size_t *stack = rt_xcalloc(g->n, sizeof(*stack)), nstack = 0;

	memset(applied, 0, g->n * sizeof(*applied));
	for (size_t i = 0; current && i < current->n; i++) {
		long x = rt_graph_find(g, current->v[i]);

		if (x < 0) {
			free(stack);
			return unknown_row(current->v[i], err);
		}
		if (!applied[x]) {
			applied[x] = true;
			stack[nstack++] = (size_t)x;
		}
	}
	mark_closure(g, applied, stack, nstack, true);
	free(stack);
	return 0;
}

/* ---- targets ----------------------------------------------------------- */

static void
idxv_push(struct rt_idxv *out, size_t x)
{
	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 8;
		out->v = rt_xreallocarray(out->v, out->cap, sizeof(*out->v));
	}
	out->v[out->n++] = x;
}

/* "a, b, c": the ids of nodes v, sorted, into a new string owned by the caller. */
static char *
id_list(const struct rt_graph *g, const size_t *v, size_t n)
{
	struct rt_strv sv = { 0 };
	char *s;

	for (size_t i = 0; i < n; i++)
		rt_strv_push(&sv, g->revs[v[i]]->id);
	rt_strv_sort(&sv);
	s = rt_strv_join(&sv, ", ");
	rt_strv_free(&sv);
	return s;
}

static long
find_label(const struct rt_graph *g, const char *name)
{
	size_t lo = 0, hi = g->nlabels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(g->labels[mid].name, name);

		if (c == 0)
			return (long)g->labels[mid].node;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* An exact id, a branch label or a unique id prefix. */
static int
resolve_name(const struct rt_graph *g, const char *name, size_t *node, struct rt_err *err)
{
	size_t lo = 0, hi = g->n, len = strlen(name), end;
	long x = rt_graph_find(g, name);
	struct rt_buf b = { 0 };

	if (x < 0)
		x = find_label(g, name);
	if (x >= 0) {
		*node = (size_t)x;
		return 0;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(g->by_id[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < g->n && strncmp(g->by_id[end].name, name, len) == 0; end++)
		rt_buf_printf(&b, "%s%s", end > lo ? ", " : "", g->by_id[end].name);
	if (end - lo == 1)
		*node = g->by_id[lo].node;
	else if (end == lo)
		rt_err_set(err, RT_ERR_INPUT, "unknown revision '%s'", name);
	else
		rt_err_set(err, RT_ERR_INPUT, "ambiguous revision '%s': candidates %s", name,
			   rt_buf_str(&b));
	rt_buf_free(&b);
	return end - lo == 1 ? 0 : -1;
}

static int
bad_target(const char *target, struct rt_err *err)
{
	rt_err_set(err, RT_ERR_INPUT, "bad target '%s'", target);
	return -1;
}

static int resolve_into(const struct rt_graph *g, const char *target, struct rt_idxv *out,
			bool *is_base, struct rt_err *err);

/* A target naming at most one revision: *node is BASE for "base". */
static int
resolve_one(const struct rt_graph *g, const char *target, size_t *node, struct rt_err *err)
{
	struct rt_idxv v = { 0 };
	bool is_base = false;
	int rc = resolve_into(g, target, &v, &is_base, err);

	if (rc == 0 && v.n > 1) {
		char *ids = id_list(g, v.v, v.n);

		rt_err_set(err, RT_ERR_INPUT, "'%s' names several revisions (%s)", target, ids);
		free(ids);
		rc = -1;
	}
	if (rc == 0)
		*node = v.n ? v.v[0] : BASE;
	free(v.v);
	return rc;
}

/* One step from *x (BASE allowed) along the single child or parent. */
static int
step(const struct rt_graph *g, size_t *x, bool is_up, const char *target, struct rt_err *err)
{
	const struct rt_node *nd = *x == BASE ? NULL : &g->nodes[*x];
	const size_t *next = is_up ? (nd ? nd->children : g->roots) : nd ? nd->parents : NULL;
	size_t nnext = is_up ? (nd ? nd->nchildren : g->nroots) : nd ? nd->nparents : 0;
	char *ids;

	if (!is_up && !nd) {
		rt_err_set(err, RT_ERR_INPUT, "cannot resolve '%s': below base", target);
		return -1;
	}
	if (nnext == 1 || (!is_up && nnext == 0)) {
		*x = nnext ? next[0] : BASE;
		return 0;
	}
	if (nnext == 0) {
		rt_err_set(err, RT_ERR_INPUT, "cannot resolve '%s': beyond head %s", target,
			   nd ? nd->rev->id : "base");
		return -1;
	}
	ids = id_list(g, next, nnext);
	if (!nd)
		rt_err_set(err, RT_ERR_INPUT, "cannot resolve '%s': several roots (%s)", target,
			   ids);
	else
		rt_err_set(err, RT_ERR_INPUT, "cannot resolve '%s': %s is a %s (%s %s)", target,
			   nd->rev->id, is_up ? "branch point" : "merge point",
			   is_up ? "children" : "parents", ids);
	free(ids);
	return -1;
}

/* "X+N" / "X-N"; rel points at the sign. */
static int
resolve_relative(const struct rt_graph *g, const char *target, const char *rel,
		 struct rt_idxv *out, bool *is_base, struct rt_err *err)
{
	size_t ndigits = strlen(rel + 1), x;
	char *from;
	unsigned long n;
	int rc;

	if (rel == target || ndigits == 0 || ndigits > 9 ||
	    strspn(rel + 1, "0123456789") != ndigits)
		return bad_target(target, err);
	n = strtoul(rel + 1, NULL, 10);
	from = rt_xstrndup(target, (size_t)(rel - target));
	rc = resolve_one(g, from, &x, err);
	free(from);
	for (unsigned long i = 0; rc == 0 && i < n; i++)
		rc = step(g, &x, *rel == '+', target, err);
	if (rc == 0 && x == BASE)
		*is_base = true;
	else if (rc == 0)
		idxv_push(out, x);
	return rc;
}

/* "X@head": the single head among X and its descendants (through children). */
static int
resolve_at_head(const struct rt_graph *g, const char *target, const char *at,
		struct rt_idxv *out, struct rt_err *err)
{
	struct rt_idxv heads = { 0 };
	size_t *stack, nstack = 0, x = BASE;
	bool *mark;
	char *from = rt_xstrndup(target, (size_t)(at - target)), *ids;
	int rc = strcmp(at, "@head") == 0 && *from ? resolve_one(g, from, &x, err)
						   : bad_target(target, err);

	free(from);
	if (rc < 0 || x == BASE)
		return rc < 0 ? rc : bad_target(target, err);
	mark = rt_xcalloc(g->n, sizeof(*mark));
	stack = rt_xcalloc(g->n, sizeof(*stack));
	mark[x] = true;
	stack[nstack++] = x;
	while (nstack) {
		size_t y = stack[--nstack];
		const struct rt_node *nd = &g->nodes[y];

		if (nd->nchildren == 0)
			idxv_push(&heads, y);
		for (size_t k = 0; k < nd->nchildren; k++)
			if (!mark[nd->children[k]]) {
				mark[nd->children[k]] = true;
				stack[nstack++] = nd->children[k];
			}
	}
	if (heads.n == 1) {
		idxv_push(out, heads.v[0]);
	} else {
		ids = id_list(g, heads.v, heads.n);
		rt_err_set(err, RT_ERR_INPUT, "'%s' has several heads (%s)", target, ids);
		free(ids);
		rc = -1;
	}
	free(heads.v);
	free(stack);
	free(mark);
	return rc;
}

static int
resolve_into(const struct rt_graph *g, const char *target, struct rt_idxv *out,
	     bool *is_base, struct rt_err *err)
{
	const char *rel = NULL, *at = strchr(target, '@');
	size_t x;

	for (const char *s = target; *s; s++) {
		if (*s == '+' || *s == '-')
			rel = s;
		else if (!is_id_char(*s) && *s != '@')
			return bad_target(target, err);
	}
	if (rel)
		return resolve_relative(g, target, rel, out, is_base, err);
	if (at)
		return resolve_at_head(g, target, at, out, err);
	if (strcmp(target, "heads") == 0 || (strcmp(target, "head") == 0 && g->nheads == 1)) {
		for (size_t i = 0; i < g->nheads; i++)
			idxv_push(out, g->heads[i]);
		*is_base = g->nheads == 0;
		return 0;
	}
	if (strcmp(target, "head") == 0 && g->nheads == 0) {
		*is_base = true;   /* no revisions at all: head is base */
		return 0;
	}
	if (strcmp(target, "head") == 0) {
		char *ids = id_list(g, g->heads, g->nheads);

		rt_err_set(err, RT_ERR_INPUT, "several heads (%s); name one, or use 'heads'", ids);
		free(ids);
		return -1;
	}
	if (strcmp(target, "base") == 0) {
		*is_base = true;
		return 0;
	}
	if (!rt_rev_id_valid(target))
		return bad_target(target, err);
	if (resolve_name(g, target, &x, err) < 0)
		return -1;
	idxv_push(out, x);
	return 0;
}

int
rt_graph_resolve(const struct rt_graph *g, const char *target, struct rt_idxv *out,
		 bool *is_base, struct rt_err *err)
{
	bool dummy = false;
	long x;

	if (!is_base)
		is_base = &dummy;
	*is_base = false;
	/* a label outside the id alphabet still names its revision */
	x = *target && !rt_rev_id_valid(target) ? find_label(g, target) : -1;
	if (x >= 0) {
		idxv_push(out, (size_t)x);
		return 0;
	}
	return resolve_into(g, target, out, is_base, err);
}

/* ---- ranges ------------------------------------------------------------ */

/* Marks one side of a range: "" (everything for A, the heads for B), "current"
 * or a target, with its descendants (A) or ancestors (B). */
static int
mark_side(const struct rt_graph *g, const char *side, const struct rt_strv *current,
	  bool is_from, bool *mark, struct rt_err *err)
{
	struct rt_idxv v = { 0 };
	bool is_base = false;
	size_t *stack;
	int rc = 0;

	if (strcmp(side, "current") == 0) {
		for (size_t i = 0; current && i < current->n && rc == 0; i++) {
			long x = rt_graph_find(g, current->v[i]);

			if (x >= 0)
				idxv_push(&v, (size_t)x);
			else
				rc = unknown_row(current->v[i], err);
		}
		is_base = current == NULL || current->n == 0;
	} else if (*side) {
		rc = rt_graph_resolve(g, side, &v, &is_base, err);
	} else {
		is_base = is_from;
	}
	if (rc == 0 && is_base && is_from) {
		memset(mark, 1, g->n * sizeof(*mark));
	} else if (rc == 0) {
		if (!*side)
			for (size_t i = 0; i < g->nheads; i++)
				idxv_push(&v, g->heads[i]);
		stack = rt_xcalloc(g->n, sizeof(*stack));
		for (size_t i = 0; i < v.n; i++) {
			mark[v.v[i]] = true;
			stack[i] = v.v[i];
		}
		mark_closure(g, mark, stack, v.n, !is_from);
		free(stack);
	}
	free(v.v);
	return rc;
}

int
rt_graph_range(const struct rt_graph *g, const char *range, const struct rt_strv *current,
	       bool *in_range, struct rt_err *err)
{
	const char *colon = strchr(range, ':');
	bool *upto;
	char *from;
	int rc;

	if (*range == '\0')
		colon = range + strlen(range);
	else if (!colon || strchr(colon + 1, ':')) {
		rt_err_set(err, RT_ERR_INPUT, "bad range '%s': use A:B, A: or :B", range);
		return -1;
	}
	memset(in_range, 0, g->n * sizeof(*in_range));
	upto = rt_xcalloc(g->n, sizeof(*upto));
	from = rt_xstrndup(range, (size_t)(colon - range));
	rc = mark_side(g, from, current, true, in_range, err);
	if (rc == 0)
		rc = mark_side(g, *colon ? colon + 1 : "", current, false, upto, err);
	for (size_t i = 0; i < g->n; i++)
		in_range[i] = rc == 0 && in_range[i] && upto[i];
	free(from);
	free(upto);
	return rc;
}

int
rt_graph_new_parents(const struct rt_graph *g, const char *head, struct rt_strv *out,
		     struct rt_err *err)
{
	struct rt_idxv idx = { 0 };

	if ((head && strcmp(head, "base") == 0) || rt_graph_count(g) == 0)
		return 0;
	if (rt_graph_resolve(g, head ? head : "head", &idx, NULL, err) < 0) {
		free(idx.v);
		return -1;
	}
	for (size_t i = 0; i < idx.n; i++) {
		const char *id = rt_graph_node(g, idx.v[i])->rev->id;

		if (!rt_strv_contains(out, id))
			rt_strv_push(out, id);
	}
	free(idx.v);
	return 0;
}
