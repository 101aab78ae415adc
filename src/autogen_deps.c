/* autogen_deps.c - what autogenerate (autogen_int.h) drops and creates
 * again though it did not change, because the server refuses to change a
 * column's type under it: views and materialized views reading the table
 * (and the views reading those), CHECK and exclusion constraints, indexes
 * and foreign keys on a column whose type is recreated, and what hangs on
 * those (indexes, triggers, comments). Decided from the models alone, before any
 * statement is written; the order views are dropped and created in. Pure,
 * like autogen.c. */
#include "config.h"
#include "autogen_int.h"

#include <stdlib.h>
#include <string.h>

#include "rt_catalog.h"
#include "rt_mem.h"

static bool
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Whether text names name (quote_ident'ed, maybe qualified) as a whole, not
 * as a part of a longer name. A view's definition as pg_get_viewdef prints
 * it with an empty search_path names its relations schema-qualified. */
static bool
mentions(const char *text, const char *name)
{
	size_t n = strlen(name);

	if (!text || !n)
		return false;
	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		char before = p > text ? p[-1] : ' ', after = p[n];

		if (!ident_char(before) && before != '"' && !ident_char(after) && after != '"')
			return true;
	}
	return false;
}

static bool
is_view(const struct rt_cat_obj *o)
{
	return o && (o->kind == RT_CAT_VIEW || o->kind == RT_CAT_MATVIEW);
}

/* The relation of rels a comment is on when it is a view's, a materialized
 * view's or one of their columns', else NULL. */
static const char *
comment_rel(const struct rt_cat_obj *o, const struct rt_strv *rels)
{
	const char *what = o->name;
	bool is_column = false;

	if (strncmp(what, "VIEW ", 5) == 0) {
		what += 5;
	} else if (strncmp(what, "MATERIALIZED VIEW ", 18) == 0) {
		what += 18;
	} else if (strncmp(what, "COLUMN ", 7) == 0) {
		what += 7;
		is_column = true;
	} else {
		return NULL;
	}
	for (size_t i = 0; i < rels->n; i++) {
		size_t l = strlen(rels->v[i]);

		if (strncmp(what, rels->v[i], l) == 0 &&
		    (is_column ? what[l] == '.' : what[l] == '\0'))
			return rels->v[i];
	}
	return NULL;
}

bool
ag_goes_with_view(const struct gen *g, const struct rt_cat_obj *o)
{
	if (!g->views_dropped.n || is_view(o))
		return false;
	if (o->kind == RT_CAT_COMMENT)
		return comment_rel(o, &g->views_dropped) != NULL;
	return o->table && rt_strv_contains(&g->views_dropped, o->table);
}

/* "schema.name" of the enums recreated (a value goes or the order changes)
 * and of the composite types recreated with their columns, into types. */
static void
recreated_types(const struct gen *g, struct rt_strv *types)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (f && t && t->kind == RT_CAT_ENUM && !same(f->def, t->def)) {
			struct rt_strv a = { 0 }, b = { 0 };

			ag_labels_of(f->def, &a);
			ag_labels_of(t->def, &b);
			if (!ag_labels_addable(&a, &b))
				rt_strv_push_take(types, rt_xasprintf("%s.%s", t->schema, t->name));
			rt_strv_free(&a);
			rt_strv_free(&b);
		}
	}
	for (size_t i = 0; i < g->types_moved.n; i++)
		rt_strv_push(types, g->types_moved.v[i]);
}

/* The columns of kept tables that move: their tables into g->moved_tables;
 * "table\x1fcolumn" of those whose type is recreated (one of types) into
 * moved. */
static void
moving_columns(struct gen *g, const struct rt_strv *types, struct rt_strv *moved)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;
		bool recreated = false, changed;

		if (!f || !t || f->kind != RT_CAT_COLUMN || !ag_table_kept(g, f->table))
			continue;
		for (size_t k = 0; k < types->n && !recreated; k++)
			recreated = ag_is_type_or_array(f->def, types->v[k]);
		changed = !same(f->def, t->def) || !same(f->collation, t->collation) ||
			  (t->is_generated && (!f->is_generated || !same(f->dflt, t->dflt)));
		if (!recreated && !changed)
			continue;
		if (!rt_strv_contains(&g->moved_tables, f->table))
			rt_strv_push(&g->moved_tables, f->table);
		if (recreated)
			rt_strv_push_take(moved, rt_xasprintf("%s\x1f%s", f->table, f->name));
	}
}

/* Views dropped: gone or changed, then (until none is added) those reading
 * a moving table or a view dropped. Their names into names. */
static void
force_views(struct gen *g, struct rt_strv *names)
{
	bool grew;

	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (is_view(f) && (!t || ag_differs(f, t)))
			rt_strv_push_take(&g->views_dropped, rt_xasprintf("%s.%s", f->schema, f->name));
	}
	do {
		grew = false;
		for (size_t i = 0; i < g->np; i++) {
			const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;
			bool hit = false;

			if (!is_view(f) || !t || g->force[i] || ag_differs(f, t))
				continue;
			for (size_t k = 0; k < g->moved_tables.n && !hit; k++)
				hit = mentions(f->def, g->moved_tables.v[k]);
			for (size_t k = 0; k < g->views_dropped.n && !hit; k++)
				hit = mentions(f->def, g->views_dropped.v[k]);
			if (!hit)
				continue;
			g->force[i] = grew = true;
			rt_strv_push_take(&g->views_dropped, rt_xasprintf("%s.%s", f->schema, f->name));
			rt_strv_push_take(names, rt_xasprintf("%s %s.%s", rt_cat_kind_name(f->kind),
							      f->schema, f->name));
		}
	} while (grew);
}

/* Whether a foreign key's definition ("FOREIGN KEY (a) REFERENCES
 * s.t(b) ...") references column col of table (tl bytes of it). */
static bool
references(const char *def, const char *table, size_t tl, const char *col)
{
	const char *r = def ? strstr(def, " REFERENCES ") : NULL, *end;
	char *list;
	bool hit;

	if (!r)
		return false;
	r += 12;
	if (strncmp(r, table, tl) != 0 || r[tl] != '(' || !(end = strchr(r + tl, ')')))
		return false;
	list = rt_xstrndup(r + tl + 1, (size_t)(end - r - tl - 1));
	hit = mentions(list, col);
	free(list);
	return hit;
}

/* Whether o (a constraint, foreign key or index of a kept table) is on one
 * of moved's columns: in its key columns, or named in its definition (a
 * predicate, an expression; a name in doubt counts); a foreign key also
 * when it references one (its two sides must have one type). */
static bool
on_moved(const struct rt_cat_obj *o, const struct rt_strv *moved)
{
	const char *body = o->def;

	if (o->kind == RT_CAT_INDEX && body && strstr(body, " USING "))
		body = strstr(body, " USING ");
	for (size_t k = 0; k < moved->n; k++) {
		const char *sep = strchr(moved->v[k], '\x1f');
		size_t tl = (size_t)(sep - moved->v[k]);

		if (o->kind == RT_CAT_FKEY) {
			if ((strncmp(o->table, moved->v[k], tl) == 0 && o->table[tl] == '\0' &&
			     mentions(o->cols, sep + 1)) ||
			    references(o->def, moved->v[k], tl, sep + 1))
				return true;
		} else if (strncmp(o->table, moved->v[k], tl) == 0 && o->table[tl] == '\0' &&
			   (mentions(o->cols, sep + 1) || mentions(body, sep + 1))) {
			return true;
		}
	}
	return false;
}

/* CHECK and exclusion constraints and indexes on a column whose type is
 * recreated: they may compare it to a literal of the old type, which the
 * server cannot carry over; foreign keys from or to one: while one side is
 * moved and the other not, the server cannot compare them. Their names
 * into names. */
static void
force_table_parts(struct gen *g, const struct rt_strv *moved, struct rt_strv *names)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (!f || !t || g->force[i] || ag_differs(f, t) || !ag_table_kept(g, f->table) ||
		    !(f->kind == RT_CAT_INDEX || f->kind == RT_CAT_FKEY ||
		      (f->kind == RT_CAT_CONSTRAINT && (f->contype == 'c' || f->contype == 'x'))) ||
		    !on_moved(f, moved))
			continue;
		g->force[i] = true;
		if (f->kind == RT_CAT_INDEX)
			rt_strv_push_take(names, rt_xasprintf("index %s.%s", f->schema, f->name));
		else
			rt_strv_push_take(names, rt_xasprintf("%s %s on %s", f->kind == RT_CAT_FKEY ?
							      "foreign key" : "constraint", f->name,
							      f->table));
	}
}

/* What a comment names an object made again by: the indexes, constraints
 * and foreign keys dropped and created again ("INDEX s.i", "CONSTRAINT c ON
 * s.t") and the types (recreated, in types, or a composite or range type
 * dropped and created: "TYPE s.t"), into out. Its comment goes with it. */
static void
remade_targets(const struct gen *g, const struct rt_strv *types, struct rt_strv *out)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;
		char *q;

		if (!f || !t || !(g->force[i] || ag_differs(f, t)))
			continue;
		if (f->kind == RT_CAT_INDEX) {
			rt_strv_push_take(out, rt_xasprintf("INDEX %s.%s", f->schema, f->name));
		} else if (f->kind == RT_CAT_CONSTRAINT || f->kind == RT_CAT_FKEY) {
			rt_strv_push_take(out, rt_xasprintf("CONSTRAINT %s ON %s", f->name, f->table));
		} else if (t->kind == RT_CAT_ENUM || t->kind == RT_CAT_TYPE) {
			q = rt_xasprintf("%s.%s", t->schema, t->name);
			if (rt_strv_contains(types, q) ||
			    (t->kind == RT_CAT_TYPE && !ag_type_altered(g, t)))
				rt_strv_push_take(out, rt_xasprintf("TYPE %s", q));
			free(q);
		}
	}
	rt_strv_sort(out);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
ag_plan_dependents(struct gen *g)
{
	struct rt_strv types = { 0 }, moved = { 0 }, names = { 0 }, remade = { 0 };

	g->force = rt_xcalloc(g->np + 1, sizeof(*g->force));
	recreated_types(g, &types);
	moving_columns(g, &types, &moved);
	force_views(g, &names);
	force_table_parts(g, &moved, &names);
	remade_targets(g, &types, &remade);
	/* what hangs on a view, an index, a constraint or a type made again */
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (!f || !t || g->force[i] || is_view(f))
			continue;
		if (ag_goes_with_view(g, f) || (f->kind == RT_CAT_COMMENT && remade.n &&
		    bsearch(&f->name, remade.v, remade.n, sizeof(char *), cmp_str)))
			g->force[i] = true;
	}
	if (names.n) {
		rt_buf_puts(&g->out, "-- columns change type under what reads them; dropped here "
			    "and created again after:\n");
		for (size_t i = 0; i < names.n; i++)
			rt_buf_printf(&g->out, "--   %s\n", names.v[i]);
	}
	rt_strv_free(&types);
	rt_strv_free(&moved);
	rt_strv_free(&names);
	rt_strv_free(&remade);
}

/* Whether the view of pair k in pend (n pairs) must wait for another one:
 * dropping, another reads it; creating, it reads another. */
static bool
must_wait(const struct gen *g, const size_t *pend, size_t n, size_t k, bool drop)
{
	for (size_t j = 0; j < n; j++) {
		const struct rt_cat_obj *reader, *read;
		char *name;
		bool hit;

		if (j == k)
			continue;
		reader = drop ? g->p[pend[j]].f : g->p[pend[k]].t;
		read = drop ? g->p[pend[k]].f : g->p[pend[j]].t;
		name = rt_xasprintf("%s.%s", read->schema, read->name);
		hit = mentions(reader->def, name);
		free(name);
		if (hit)
			return true;
	}
	return false;
}

size_t
ag_views_order(const struct gen *g, bool drop, size_t *order)
{
	size_t *pend = rt_xcalloc(g->np + 1, sizeof(*pend)), n = 0, out = 0;

	for (size_t i = 0; i < g->np; i++) {
		/* drops in reverse pair order, as drops() */
		size_t at = drop ? g->np - 1 - i : i;
		const struct rt_cat_obj *f = g->p[at].f, *t = g->p[at].t;

		if (drop ? is_view(f) && (!t || ag_differs(f, t) || g->force[at]) :
		    is_view(t) && (!f || ag_differs(f, t) || g->force[at]))
			pend[n++] = at;
	}
	while (n) {
		size_t k = 0;

		while (k < n && must_wait(g, pend, n, k, drop))
			k++;
		if (k == n)
			k = 0;      /* a cycle: as they come */
		order[out++] = pend[k];
		memmove(pend + k, pend + k + 1, (n - k - 1) * sizeof(*pend));
		n--;
	}
	free(pend);
	return out;
}
