/* autogen.c - the SQL that takes one schema model to another (rt_autogen.h):
 * objects paired by kind and name, then written phase by phase so that
 * nothing is created before what it references nor dropped after what
 * depends on it. Single objects are rendered by the catalog's own canonical
 * rendering (a one-object model), so autogen and `retort schema` agree. */
#include "config.h"
#include "rt_autogen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "autogen_int.h"
#include "db_int.h"
#include "rt_catalog.h"
#include "rt_mem.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has(const struct rt_strv *sv, const char *s)
{
	return sv->n && bsearch(&s, sv->v, sv->n, sizeof(char *), cmp_str) != NULL;
}

static char *
key_of(const struct rt_cat_obj *o)
{
	return rt_xasprintf("%02d\x1f%s\x1f%s\x1f%s", (int)o->kind, s_or(o->table, ""),
			    s_or(o->schema, ""), s_or(o->name, ""));
}

struct keyed {
	char *key;
	const struct rt_cat_obj *o;
};

static int
cmp_keyed(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static struct keyed *
keys(const struct rt_catalog *c)
{
	struct keyed *k = rt_xcalloc(c->n + 1, sizeof(*k));

	for (size_t i = 0; i < c->n; i++) {
		k[i].key = key_of(&c->v[i]);
		k[i].o = &c->v[i];
	}
	qsort(k, c->n, sizeof(*k), cmp_keyed);
	return k;
}

static void
pair_up(struct gen *g)
{
	struct keyed *a = keys(g->from), *b = keys(g->to);
	size_t i = 0, j = 0;

	g->p = rt_xcalloc(g->from->n + g->to->n + 1, sizeof(*g->p));
	while (i < g->from->n || j < g->to->n) {
		int c = i >= g->from->n ? 1 : j >= g->to->n ? -1 : strcmp(a[i].key, b[j].key);
		struct ag_pair *p = &g->p[g->np++];

		if (c <= 0)
			p->f = a[i++].o;
		if (c >= 0)
			p->t = b[j++].o;
	}
	for (i = 0; i < g->from->n; i++)
		free(a[i].key);
	for (j = 0; j < g->to->n; j++)
		free(b[j].key);
	free(a);
	free(b);
	for (i = 0; i < g->from->n; i++)
		if (g->from->v[i].kind == RT_CAT_TABLE)
			rt_strv_push_take(&g->tables_f, rt_xasprintf("%s.%s", g->from->v[i].schema,
								     g->from->v[i].name));
	for (i = 0; i < g->to->n; i++)
		if (g->to->v[i].kind == RT_CAT_TABLE)
			rt_strv_push_take(&g->tables_t, rt_xasprintf("%s.%s", g->to->v[i].schema,
								     g->to->v[i].name));
	rt_strv_sort(&g->tables_f);
	rt_strv_sort(&g->tables_t);
	/* the partitions of the same table on both sides */
	for (i = 0; i < g->to->n; i++) {
		const struct rt_cat_obj *o = &g->to->v[i];
		char *t, *pf, *pt;

		if (o->kind != RT_CAT_TABLE || !o->is_partition)
			continue;
		t = rt_xasprintf("%s.%s", o->schema, o->name);
		pf = ag_partition_parent(g->from, t);
		pt = ag_partition_parent(g->to, t);
		if (pf && pt && strcmp(pf, pt) == 0)
			rt_strv_push(&g->partitions, t);
		free(t);
		free(pf);
		free(pt);
	}
	rt_strv_sort(&g->partitions);
}

/* Whether o's table is on both sides (so its parts are altered, not created
 * or dropped with it). */
bool
ag_table_kept(const struct gen *g, const char *table)
{
	return table && has(&g->tables_f, table) && has(&g->tables_t, table);
}

bool
ag_is_partition(const struct gen *g, const char *table)
{
	return table && has(&g->partitions, table);
}

char *
ag_partition_parent(const struct rt_catalog *m, const char *table)
{
	for (size_t i = 0; table && i < m->n; i++) {
		const struct rt_cat_obj *o = &m->v[i];
		size_t l;
		const char *p;
		bool quoted = false;

		if (o->kind != RT_CAT_TABLE || !o->is_partition || !o->def)
			continue;
		l = strlen(o->schema);
		if (strncmp(table, o->schema, l) != 0 || table[l] != '.' ||
		    strcmp(table + l + 1, o->name) != 0)
			continue;
		/* def: "parent bound", the parent as quote_ident wrote it */
		for (p = o->def; *p && (quoted || *p != ' '); p++)
			if (*p == '"')
				quoted = !quoted;
		return rt_xstrndup(o->def, (size_t)(p - o->def));
	}
	return NULL;
}

/* The column of m named like c on table, or NULL. */
static const struct rt_cat_obj *
column_on(const struct rt_catalog *m, const char *table, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].kind == RT_CAT_COLUMN && same(m->v[i].table, table) &&
		    same(m->v[i].name, name))
			return &m->v[i];
	return NULL;
}

/* A column of a partition kept on both sides (f NULL: added): the
 * partitioned table's ALTERs reach it (ADD, DROP, RENAME COLUMN, type,
 * default, NOT NULL; the first three exist only there), so only what the
 * partition holds apart from its parent is written: a default or a NOT
 * NULL of its own, after the parent's. */
static void
partition_column(struct gen *g, const char *parent, const struct rt_cat_obj *f,
		 const struct rt_cat_obj *t)
{
	const struct rt_cat_obj *pf = f ? column_on(g->from, parent, f->name) : NULL;
	const struct rt_cat_obj *pt = column_on(g->to, parent, t->name);
	const char *dflt = f && !f->is_generated ? f->dflt : NULL;
	const char *want = t->is_generated ? NULL : t->dflt;
	bool notnull = f && f->is_notnull;

	/* what the parent's own changes leave on the partition: an added
	 * column as the parent has it, a changed one changed the same way */
	if (!pt || (!f && t->is_generated))
		return;
	if (!f || (pf && !same(pf->dflt, pt->dflt)))
		dflt = pt->is_generated ? NULL : pt->dflt;
	if (!f || (pf && pf->is_notnull != pt->is_notnull))
		notnull = pt->is_notnull;
	if (!same(dflt, want)) {
		if (want)
			ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;", t->table, t->name,
				want);
		else
			ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", t->table, t->name);
	}
	if (notnull != t->is_notnull)
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;", t->table, t->name,
			t->is_notnull ? "SET" : "DROP");
}

void
ag_stmt(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		abort();
	s = rt_xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	rt_buf_puts(&g->out, s);
	rt_buf_putc(&g->out, '\n');
	free(s);
	g->n++;
}

/* A comment line (not counted as a change). */
void
ag_note(struct gen *g, const char *s)
{
	rt_buf_printf(&g->out, "-- %s\n", s);
}

/* o's statement as the canonical rendering writes it (a table with its
 * columns and constraints from src), one trailing newline. */
static void
put_rendered(struct gen *g, const struct rt_catalog *src, const struct rt_cat_obj *o)
{
	struct rt_catalog *one;
	struct rt_cat_obj *copy;
	char *text, *key = NULL;
	size_t n;

	if (o->kind == RT_CAT_CONSTRAINT) {
		/* the rendering writes these inside their CREATE TABLE only */
		ag_stmt(g, "ALTER TABLE %s ADD CONSTRAINT %s %s;", o->table, o->name, o->def);
		return;
	}
	one = rt_catalog_new();
	/* a sequence's OWNED BY is written once its table is there (sequences()) */
	copy = rt_catalog_add_copy(one, o);
	free(copy->owned_by);
	copy->owned_by = NULL;
	if (o->kind == RT_CAT_TABLE) {
		key = rt_xasprintf("%s.%s", o->schema, o->name);
		for (size_t i = 0; i < src->n; i++)
			if ((src->v[i].kind == RT_CAT_COLUMN || src->v[i].kind == RT_CAT_CONSTRAINT) &&
			    same(src->v[i].table, key))
				rt_catalog_add_copy(one, &src->v[i]);
	}
	text = rt_catalog_render(one);
	n = strlen(text);
	while (n > 1 && text[n - 1] == '\n' && text[n - 2] == '\n')
		text[--n] = '\0';
	rt_buf_puts(&g->out, text);
	g->n++;
	free(text);
	free(key);
	rt_catalog_free(one);
}

/* ---- enums ---- */

void
ag_labels_of(const char *def, struct rt_strv *out)
{
	const char *p = s_or(def, "");

	while (*p) {
		const char *s;

		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		s = p;
		if (*p == 'E')
			p++;
		if (*p != '\'')
			break;
		for (p++; *p; p++) {
			if (*p == '\\' && s[0] == 'E' && p[1]) {
				p++;
			} else if (*p == '\'') {
				if (p[1] == '\'')
					p++;
				else
					break;
			}
		}
		if (*p)
			p++;
		rt_strv_push_take(out, rt_xstrndup(s, (size_t)(p - s)));
	}
}

/* Whether ADD VALUE reaches b from a: every label of a kept, in the same
 * order. */
bool
ag_labels_addable(const struct rt_strv *a, const struct rt_strv *b)
{
	size_t k = 0;

	for (size_t i = 0; i < b->n; i++)
		if (k < a->n && strcmp(b->v[i], a->v[k]) == 0)
			k++;
	return k == a->n;
}

static void
enum_values(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	struct rt_strv a = { 0 }, b = { 0 };

	ag_labels_of(f->def, &a);
	ag_labels_of(t->def, &b);
	if (!ag_labels_addable(&a, &b)) {
		ag_enum_recreate(g, f, t);
		goto out;
	}
	for (size_t i = 0; i < b.n; i++) {
		if (rt_strv_contains(&a, b.v[i]))
			continue;
		if (i > 0)
			ag_stmt(g, "ALTER TYPE %s.%s ADD VALUE %s AFTER %s;", t->schema, t->name,
				b.v[i], b.v[i - 1]);
		else if (b.n > 1)
			ag_stmt(g, "ALTER TYPE %s.%s ADD VALUE %s BEFORE %s;", t->schema, t->name,
				b.v[i], b.v[1]);
		else
			ag_stmt(g, "ALTER TYPE %s.%s ADD VALUE %s;", t->schema, t->name, b.v[i]);
		rt_strv_push(&g->added_labels, b.v[i]);
	}
out:
	rt_strv_free(&a);
	rt_strv_free(&b);
}

/* ---- columns ---- */

static bool
col_alike(const struct rt_cat_obj *a, const struct rt_cat_obj *b)
{
	return same(a->def, b->def) && same(a->collation, b->collation) &&
	       a->is_notnull == b->is_notnull && same(a->dflt, b->dflt) &&
	       a->identity == b->identity && a->is_generated == b->is_generated;
}

/* A typed literal to backfill a column of type with (a placeholder). */
static char *
placeholder(const struct gen *g, const char *type)
{
	static const struct { const char *prefix; const char *lit; } lits[] = {
		{ "smallint", "0" }, { "integer", "0" }, { "bigint", "0" }, { "numeric", "0" },
		{ "real", "0" }, { "double precision", "0" }, { "money", "0" },
		{ "boolean", "false" }, { "date", "1970-01-01" },
		{ "timestamp", "1970-01-01 00:00:00+00" }, { "time", "00:00:00" },
		{ "interval", "0" }, { "json", "{}" }, { "jsonb", "{}" },
		{ "uuid", "00000000-0000-0000-0000-000000000000" }, { "bytea", "" },
		{ "inet", "0.0.0.0" }, { "cidr", "0.0.0.0/32" },
	};
	size_t tl = strlen(type);

	if (tl > 2 && strcmp(type + tl - 2, "[]") == 0)
		return rt_xasprintf("'{}'::%s", type);
	for (size_t i = 0; i < g->to->n; i++) {
		const struct rt_cat_obj *o = &g->to->v[i];
		char *q;

		if (o->kind != RT_CAT_ENUM)
			continue;
		q = rt_xasprintf("%s.%s", o->schema, o->name);
		if (strcmp(q, type) == 0) {
			struct rt_strv l = { 0 };
			char *s;

			ag_labels_of(o->def, &l);
			s = rt_xasprintf("%s::%s", l.n ? l.v[0] : "NULL", type);
			rt_strv_free(&l);
			free(q);
			return s;
		}
		free(q);
	}
	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		size_t pl = strlen(lits[i].prefix);

		if (strncmp(type, lits[i].prefix, pl) == 0 && (type[pl] == '\0' ||
		    type[pl] == '(' || type[pl] == ' '))
			return rt_xasprintf("'%s'::%s", lits[i].lit, type);
	}
	return rt_xasprintf("''::%s", type);
}

/* A new sequence, without its owner (the table may come later). */
static void
create_sequence(struct gen *g, const struct rt_cat_obj *t)
{
	struct rt_catalog *one = rt_catalog_new();

	rt_catalog_add_copy(one, t);
	put_rendered(g, one, &one->v[0]);
	rt_catalog_free(one);
}

/* Whether the new sequence t is a serial's that an identity column becomes
 * again: it is created after DROP IDENTITY, whose own sequence may have
 * its name. */
static bool
seq_after_identity(const struct gen *g, const struct rt_cat_obj *t)
{
	for (size_t i = 0; t->owned_by && i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *c = g->p[i].t;
		char *own;
		bool r;

		if (!f || !c || c->kind != RT_CAT_COLUMN || !f->identity || c->identity)
			continue;
		own = rt_xasprintf("%s.%s", c->table, c->name);
		r = strcmp(own, t->owned_by) == 0;
		free(own);
		if (r)
			return true;
	}
	return false;
}

static void
add_column(struct gen *g, const struct rt_cat_obj *t)
{
	struct rt_buf b = { 0 };
	bool steps = t->is_notnull && !t->dflt && !t->identity && !t->is_generated;

	rt_catalog_column_sql(&b, t, !steps);
	ag_stmt(g, "ALTER TABLE %s ADD COLUMN %s;", t->table, rt_buf_str(&b));
	if (steps) {
		char *ph = placeholder(g, t->def);

		ag_stmt(g, "UPDATE %s SET %s = %s WHERE %s IS NULL; -- TODO: backfill %s, then remove "
		        "this comment", t->table, t->name, ph, t->name, t->name);
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;", t->table, t->name);
		free(ph);
	}
	rt_buf_free(&b);
}

bool
ag_type_base_same(const char *a, const char *b)
{
	size_t la = strcspn(a, "("), lb = strcspn(b, "(");

	/* "character varying(20)" and "character varying(40)"; arrays differ */
	return la == lb && strncmp(a, b, la) == 0 && strchr(a, '[') == NULL &&
	       strchr(b, '[') == NULL;
}

/* s as a string literal. */
static char *
str_literal(const char *s)
{
	struct rt_buf b = { 0 };

	rt_buf_putc(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			rt_buf_putc(&b, '\'');
		rt_buf_putc(&b, *s);
	}
	rt_buf_putc(&b, '\'');
	return rt_buf_take(&b);
}

/* A column name (quote_ident'ed) as a string literal of the bare name, for
 * pg_get_serial_sequence: "Id" -> 'Id', o'k -> 'o''k'. */
static char *
name_literal(const char *name)
{
	struct rt_buf b = { 0 };
	size_t n = strlen(name);
	bool quoted = n >= 2 && name[0] == '"' && name[n - 1] == '"';

	rt_buf_putc(&b, '\'');
	for (size_t i = quoted; i < n - quoted; i++) {
		if (quoted && name[i] == '"' && name[i + 1] == '"')
			i++;
		if (name[i] == '\'')
			rt_buf_putc(&b, '\'');
		rt_buf_putc(&b, name[i]);
	}
	rt_buf_putc(&b, '\'');
	return rt_buf_take(&b);
}

/* A stored generated column whose expression changes, or a column that
 * becomes generated: PostgreSQL cannot change a generation expression in
 * place, so the column is dropped and added again. */
static void
regenerate_column(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	rt_buf_printf(&g->out, "-- column %s.%s: PostgreSQL cannot %s a generation expression "
		      "in place:\n-- the column is dropped and added again (its values are "
		      "computed anew)\n", t->table, t->name, f->is_generated ? "change" : "add");
	ag_stmt(g, "ALTER TABLE %s DROP COLUMN %s;", f->table, f->name);
	add_column(g, t);
}

/* A column becoming an identity column: NOT NULL first, the old default (a
 * serial's nextval) dropped already, the serial's own sequence dropped, then
 * the identity, whose sequence goes on from the highest value. */
static void
add_identity(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	char *own = rt_xasprintf("%s.%s", f->table, f->name), *lt, *lc;

	if (!f->is_notnull)
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;", t->table, t->name);
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *s = g->p[i].f;

		if (s && !g->p[i].t && s->kind == RT_CAT_SEQUENCE && same(s->owned_by, own)) {
			ag_stmt(g, "DROP SEQUENCE %s.%s;", s->schema, s->name);
			rt_strv_push_take(&g->seqs_dropped, rt_xasprintf("%s.%s", s->schema,
									 s->name));
		}
	}
	ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY;", t->table,
		t->name, t->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
	lc = name_literal(t->name);
	lt = str_literal(t->table);     /* parsed as a qualified name: quotes kept */
	ag_stmt(g, "SELECT setval(pg_get_serial_sequence(%s, %s), max(%s)) FROM %s;", lt, lc,
		t->name, t->table);
	free(lt);
	free(lc);
	free(own);
}

static void
alter_column(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	bool retype = !same(f->def, t->def) || !same(f->collation, t->collation);
	/* the plain defaults: a generation expression or an identity is none */
	const char *fd = f->is_generated ? NULL : f->dflt, *td = t->is_generated ? NULL : t->dflt;
	bool redefault, notnull_done = false;
	char *k;

	if (t->is_generated && (!f->is_generated || !same(f->dflt, t->dflt))) {
		regenerate_column(g, f, t);
		return;
	}
	k = rt_xasprintf("%s\x1f%s", t->table, t->name);
	if (rt_strv_contains(&g->enum_moved, k))
		fd = td;        /* the enum's recreation set it already */
	free(k);
	if (f->is_generated && !t->is_generated)    /* keeps the values */
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s DROP EXPRESSION;", t->table, t->name);
	if (f->identity && !t->identity) {
		char *own = rt_xasprintf("%s.%s", t->table, t->name);

		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;", t->table, t->name);
		for (size_t i = 0; i < g->np; i++)   /* see seq_after_identity */
			if (!g->p[i].f && g->p[i].t && g->p[i].t->kind == RT_CAT_SEQUENCE &&
			    same(g->p[i].t->owned_by, own))
				create_sequence(g, g->p[i].t);
		free(own);
	} else if (f->identity && t->identity && f->identity != t->identity)
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;", t->table, t->name,
			t->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
	redefault = !same(fd, td) || (retype && fd);
	if (redefault && fd)
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", t->table, t->name);
	if (retype) {
		bool ok = ag_type_base_same(f->def, t->def) ||
			  (g->opts->has_cast && g->opts->has_cast(g->opts->ctx, f->def, t->def));
		char coll[300] = "";

		if (t->collation)
			snprintf(coll, sizeof(coll), " COLLATE %s", t->collation);
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s::%s;%s", t->table,
			t->name, t->def, coll, t->name, t->def, ok ? "" : " -- TODO: no cast from "
			"this type is known: write the USING expression");
	}
	if (t->identity && !f->identity) {
		add_identity(g, f, t);
		notnull_done = true;
	}
	if (redefault && td) {
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;", t->table, t->name, td);
		/* an identity back to a serial: its sequence goes on from the highest value */
		if (f->identity && strncmp(td, "nextval(", 8) == 0 && td[strlen(td) - 1] == ')')
			ag_stmt(g, "SELECT setval(%.*s, max(%s)) FROM %s;", (int)(strlen(td) - 9),
				td + 8, t->name, t->table);
	}
	if (f->is_notnull != t->is_notnull && !(notnull_done && t->is_notnull))
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;", t->table, t->name,
			t->is_notnull ? "SET" : "DROP");
}

static bool
is_renamed(const struct gen *g, const struct rt_cat_obj *o)
{
	char *k = rt_xasprintf("%s\x1f%s", o->table, o->name);
	bool r = rt_strv_contains(&g->renamed, k);

	free(k);
	return r;
}

/* Columns of kept tables: renames first (a column only in from paired with a
 * like one only in to), then drops, adds and changes. */
static void
columns(struct gen *g)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f;

		if (!f || g->p[i].t || f->kind != RT_CAT_COLUMN || !ag_table_kept(g, f->table) ||
		    ag_is_partition(g, f->table))
			continue;
		for (size_t j = 0; j < g->np; j++) {
			const struct rt_cat_obj *t = g->p[j].t;
			struct rt_buf b = { 0 };

			if (!t || g->p[j].f || t->kind != RT_CAT_COLUMN || !same(t->table, f->table) ||
			    !col_alike(f, t) || is_renamed(g, t))
				continue;
			rt_strv_push_take(&g->renamed, rt_xasprintf("%s\x1f%s", f->table, f->name));
			rt_strv_push_take(&g->renamed, rt_xasprintf("%s\x1f%s", t->table, t->name));
			rt_catalog_column_sql(&b, t, true);
			if (g->opts->no_rename) {
				rt_buf_printf(&g->out, "-- %s.%s -> %s may be a rename; without "
					      "--no-rename retort writes:\n-- ALTER TABLE %s RENAME "
					      "COLUMN %s TO %s;\n", f->table, f->name, t->name, f->table,
					      f->name, t->name);
				ag_stmt(g, "ALTER TABLE %s DROP COLUMN %s;", f->table, f->name);
				ag_stmt(g, "ALTER TABLE %s ADD COLUMN %s;", t->table, rt_buf_str(&b));
			} else {
				ag_stmt(g, "ALTER TABLE %s RENAME COLUMN %s TO %s;", f->table, f->name,
				        t->name);
				rt_buf_printf(&g->out, "-- or, as a drop and an add (the data in %s is "
					      "lost; retort migrate --no-rename writes this):\n-- ALTER "
					      "TABLE %s DROP COLUMN %s;\n-- ALTER TABLE %s ADD COLUMN %s;\n",
					      f->name, f->table, f->name, t->table, rt_buf_str(&b));
			}
			rt_buf_free(&b);
			break;
		}
	}
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t, *o = f ? f : t;

		if (o->kind != RT_CAT_COLUMN || !ag_table_kept(g, o->table) || is_renamed(g, o) ||
		    ag_is_partition(g, o->table))
			continue;
		if (f && !t)
			ag_stmt(g, "ALTER TABLE %s DROP COLUMN %s;", f->table, f->name);
	}
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t, *o = f ? f : t;

		if (o->kind != RT_CAT_COLUMN || !ag_table_kept(g, o->table) || is_renamed(g, o) ||
		    ag_is_partition(g, o->table))
			continue;
		if (!f)
			add_column(g, t);
		else if (t)
			alter_column(g, f, t);
	}
	/* the partitions' own, once their parents' are written */
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;
		char *parent;

		if (!t || t->kind != RT_CAT_COLUMN || !ag_is_partition(g, t->table))
			continue;
		if ((parent = ag_partition_parent(g->to, t->table)) != NULL)
			partition_column(g, parent, f, t);
		free(parent);
	}
}

/* ---- the phases ---- */

bool
ag_differs(const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	return !same(f->def, t->def) || !same(f->cols, t->cols) || f->contype != t->contype;
}

/* Whether the foreign key o references another table that goes too: then
 * it is dropped before the tables, which may go in any order. */
static bool
fkey_to_gone(const struct gen *g, const struct rt_cat_obj *o)
{
	const char *r = o->kind == RT_CAT_FKEY && o->def ? strstr(o->def, " REFERENCES ") : NULL;
	const char *paren;
	char *target;
	bool gone;

	if (!r || !(paren = strchr(r + 12, '(')))
		return false;
	target = rt_xstrndup(r + 12, (size_t)(paren - r - 12));
	gone = strcmp(target, o->table) != 0 && has(&g->tables_f, target) &&
	       !has(&g->tables_t, target);
	free(target);
	return gone;
}

/* Whether o goes with its table: every part of a dropped table is dropped
 * with it (but a foreign key to another table dropped: fkey_to_gone); a new
 * table is created with its columns and constraints (its indexes, foreign
 * keys and triggers come in their own phases). */
static bool
with_table(const struct gen *g, const struct rt_cat_obj *o, bool is_drop)
{
	if (!o->table || o->kind == RT_CAT_TABLE || o->kind == RT_CAT_COMMENT)
		return false;
	if (!has(&g->tables_f, o->table) && !has(&g->tables_t, o->table))
		return false;   /* a materialized view's index */
	if (ag_table_kept(g, o->table))
		return false;
	if (is_drop && fkey_to_gone(g, o))
		return false;
	return is_drop || o->kind == RT_CAT_COLUMN || o->kind == RT_CAT_CONSTRAINT;
}

static void
drop_obj(struct gen *g, const struct rt_cat_obj *o)
{
	switch (o->kind) {
	case RT_CAT_SCHEMA:
		ag_stmt(g, "DROP SCHEMA %s;", o->name);
		break;
	case RT_CAT_EXTENSION:
		ag_stmt(g, "DROP EXTENSION %s;", o->name);
		break;
	case RT_CAT_ENUM:
		ag_stmt(g, "DROP TYPE %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_DOMAIN:
		ag_stmt(g, "DROP DOMAIN %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_SEQUENCE:
		ag_stmt(g, "DROP SEQUENCE %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_TABLE:
		ag_stmt(g, "DROP TABLE %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_CONSTRAINT:
	case RT_CAT_FKEY:
		ag_stmt(g, "ALTER TABLE %s DROP CONSTRAINT %s;", o->table, o->name);
		break;
	case RT_CAT_INDEX:
		ag_stmt(g, "DROP INDEX %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_FUNCTION:
		ag_stmt(g, "DROP %s %s.%s;", strstr(s_or(o->def, ""), "CREATE OR REPLACE PROCEDURE") ==
		        o->def ? "PROCEDURE" : "FUNCTION", o->schema, o->name);
		break;
	case RT_CAT_VIEW:
		ag_stmt(g, "DROP VIEW %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_MATVIEW:
		ag_stmt(g, "DROP MATERIALIZED VIEW %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_TRIGGER:
		ag_stmt(g, "DROP TRIGGER %s ON %s;", o->name, o->table);
		break;
	case RT_CAT_COMMENT:
		ag_stmt(g, "COMMENT ON %s IS NULL;", o->name);
		break;
	case RT_CAT_TYPE:
		ag_stmt(g, "DROP TYPE %s.%s;", o->schema, o->name);
		break;
	case RT_CAT_POLICY:
		ag_stmt(g, "DROP POLICY %s ON %s;", o->name, o->table);
		break;
	case RT_CAT_RLS:
		if (strstr(o->def, "FORCE"))
			ag_stmt(g, "ALTER TABLE %s NO FORCE ROW LEVEL SECURITY;", o->table);
		if (strstr(o->def, "ENABLE"))
			ag_stmt(g, "ALTER TABLE %s DISABLE ROW LEVEL SECURITY;", o->table);
		break;
	default:
		break;
	}
}

/* Whether the sequence goes with a table or column being dropped. */
static bool
seq_goes_with_owner(const struct gen *g, const struct rt_cat_obj *o)
{
	const char *dot;
	char *table;
	bool r = false;

	if (!o->owned_by || !(dot = strrchr(o->owned_by, '.')))
		return false;
	table = rt_xstrndup(o->owned_by, (size_t)(dot - o->owned_by));
	if (!has(&g->tables_t, table)) {
		r = true;
	} else {
		for (size_t i = 0; i < g->np; i++) {
			const struct rt_cat_obj *f = g->p[i].f;

			if (f && !g->p[i].t && f->kind == RT_CAT_COLUMN && same(f->table, table) &&
			    strcmp(f->name, dot + 1) == 0 && !is_renamed(g, f))
				r = true;
		}
	}
	free(table);
	return r;
}

/* Whether a comment is on a table that goes, or on one of its columns (the
 * DROP TABLE takes it). */
static bool
comment_goes(const struct gen *g, const struct rt_cat_obj *o)
{
	const char *what = o->name;

	if (strncmp(what, "TABLE ", 6) == 0)
		return !has(&g->tables_t, what + 6);
	if (strncmp(what, "COLUMN ", 7) == 0) {
		for (size_t i = 0; i < g->tables_f.n; i++) {
			size_t l = strlen(g->tables_f.v[i]);

			if (strncmp(what + 7, g->tables_f.v[i], l) == 0 && what[7 + l] == '.')
				return !has(&g->tables_t, g->tables_f.v[i]);
		}
	}
	return false;
}

/* Drops of kind: what from has alone, and (changed) what is recreated. */
static void
drops(struct gen *g, enum rt_cat_kind kind, bool changed_too)
{
	for (size_t i = g->np; i-- > 0; ) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (!f || f->kind != kind || with_table(g, f, true) ||
		    (kind == RT_CAT_COMMENT && comment_goes(g, f)) || ag_goes_with_view(g, f))
			continue;
		if (!t || (changed_too && (ag_differs(f, t) || g->force[i])))
			drop_obj(g, f);
	}
}

/* The drops of kind's objects on both sides that differ (not of those
 * only in from). */
static void
drops_changed(struct gen *g, enum rt_cat_kind kind)
{
	for (size_t i = g->np; i-- > 0; ) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (f && t && f->kind == kind && !with_table(g, f, true) && ag_differs(f, t) &&
		    !ag_type_altered(g, t))
			drop_obj(g, f);
	}
}

/* Creates of kind: what to has alone, (changed) what was dropped to be
 * recreated, and what ag_plan_dependents dropped to be created again. */
static void
creates(struct gen *g, enum rt_cat_kind kind, bool changed_too)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (!t || t->kind != kind || with_table(g, t, false) || ag_type_altered(g, t))
			continue;
		if (kind == RT_CAT_INDEX && (t->contype == 'm') != g->mv_indexes)
			continue;
		if (!f || (changed_too && ag_differs(f, t)) || g->force[i])
			put_rendered(g, g->to, t);
	}
}

/* Views and materialized views dropped (drop: gone, changed, or reading
 * what moves) or created (new, changed, or dropped to be made again), in
 * the order ag_views_order gives. */
static void
views_put(struct gen *g, bool drop)
{
	size_t *order = rt_xcalloc(g->np + 1, sizeof(*order));
	size_t n = ag_views_order(g, drop, order);

	for (size_t k = 0; k < n; k++) {
		if (drop)
			drop_obj(g, g->p[order[k]].f);
		else
			put_rendered(g, g->to, g->p[order[k]].t);
	}
	free(order);
}

static void
replaces(struct gen *g, enum rt_cat_kind kind)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (!f || !t || t->kind != kind || !ag_differs(f, t) || g->force[i])
			continue;
		if (kind == RT_CAT_FUNCTION) {
			put_rendered(g, g->to, t);
		} else if (kind == RT_CAT_COMMENT) {
			put_rendered(g, g->to, t);
		}
	}
}

static void
sequences(struct gen *g, bool owners)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;

		if (!t || t->kind != RT_CAT_SEQUENCE)
			continue;
		if (!owners && !f) {
			if (!seq_after_identity(g, t))
				create_sequence(g, t);
		} else if (!owners && !same(f->def, t->def)) {
			ag_stmt(g, "ALTER SEQUENCE %s.%s %s%s;", t->schema, t->name, t->def,
			        strstr(t->def, " CYCLE") ? "" : " NO CYCLE");
		} else if (owners && (f ? !same(f->owned_by, t->owned_by) : t->owned_by != NULL)) {
			ag_stmt(g, "ALTER SEQUENCE %s.%s OWNED BY %s;", t->schema, t->name,
			        s_or(t->owned_by, "NONE"));
		}
	}
}

static void
tables_changed(struct gen *g)
{
	for (size_t i = 0; i < g->np; i++) {
		const struct rt_cat_obj *f = g->p[i].f, *t = g->p[i].t;
		char *s;

		if (!f || !t || (t->kind != RT_CAT_TABLE && t->kind != RT_CAT_DOMAIN) ||
		    (same(f->def, t->def) && f->contype == t->contype))
			continue;
		if (t->kind == RT_CAT_DOMAIN) {
			ag_domain_changes(g, f, t);
			continue;
		}
		s = rt_xasprintf("TODO: %s %s.%s changed (%s -> %s): write the change by hand",
				 rt_cat_kind_name(t->kind), t->schema, t->name,
				 *s_or(f->def, "") ? f->def : "plain", *s_or(t->def, "") ? t->def : "plain");
		ag_note(g, s);
		free(s);
	}
}

/* Whether a label added by ADD VALUE is used elsewhere in the section (a
 * value added inside a transaction cannot be used before it commits). */
static bool
added_label_used(const struct gen *g)
{
	const char *text = rt_buf_str(&g->out);

	for (size_t i = 0; i < g->added_labels.n; i++) {
		const char *lab = g->added_labels.v[i], *p = text;
		size_t ll = strlen(lab);

		while ((p = strstr(p, lab))) {
			const char *bol = p;

			while (bol > text && bol[-1] != '\n')
				bol--;
			if (strncmp(bol, "ALTER TYPE ", 11) != 0 && strncmp(bol, "-- ", 3) != 0)
				return true;
			p += ll;
		}
	}
	return false;
}

void
rt_autogen_generate(struct rt_catalog *from, struct rt_catalog *to,
		    const struct rt_autogen_opts *opts, struct rt_autogen_sql *out)
{
	struct rt_autogen_opts dflt = { 0 };
	struct gen g = { 0 };

	rt_catalog_sort(from);
	rt_catalog_sort(to);
	g.from = from;
	g.to = to;
	g.opts = opts ? opts : &dflt;
	rt_buf_puts(&g.out, "");
	pair_up(&g);
	/* a changed composite type: altered in place, or (a kept column uses
	 * it) recreated with its columns moved over, or dropped and made again */
	for (size_t i = 0; i < g.np; i++)
		if (g.p[i].f && g.p[i].t && g.p[i].t->kind == RT_CAT_TYPE &&
		    ag_differs(g.p[i].f, g.p[i].t))
			ag_composite_alter(&g, g.p[i].f, g.p[i].t, false);
	ag_plan_dependents(&g);
	/* drops, in reverse dependency order */
	drops(&g, RT_CAT_COMMENT, false);
	drops(&g, RT_CAT_POLICY, true);
	drops(&g, RT_CAT_RLS, true);
	drops(&g, RT_CAT_TRIGGER, true);
	/* a changed view is dropped and created again: CREATE OR REPLACE VIEW
	 * cannot drop, rename or reorder its columns (either direction may) */
	views_put(&g, true);
	drops(&g, RT_CAT_FUNCTION, false);
	drops(&g, RT_CAT_FKEY, true);
	drops(&g, RT_CAT_INDEX, true);
	drops(&g, RT_CAT_CONSTRAINT, true);
	drops(&g, RT_CAT_TABLE, false);
	/* a changed composite or range type dropped and made again; a removed
	 * one goes at the end, after the columns that used it */
	drops_changed(&g, RT_CAT_TYPE);
	/* creates, in dependency order */
	creates(&g, RT_CAT_SCHEMA, false);
	creates(&g, RT_CAT_EXTENSION, false);
	creates(&g, RT_CAT_ENUM, false);
	for (size_t i = 0; i < g.np; i++)
		if (g.p[i].f && g.p[i].t && g.p[i].t->kind == RT_CAT_ENUM &&
		    !same(g.p[i].f->def, g.p[i].t->def))
			enum_values(&g, g.p[i].f, g.p[i].t);
	creates(&g, RT_CAT_DOMAIN, false);
	for (size_t i = 0; i < g.np; i++)
		if (g.p[i].t && g.p[i].t->kind == RT_CAT_TYPE && ag_type_altered(&g, g.p[i].t) &&
		    !ag_type_moved(&g, g.p[i].t))
			ag_composite_alter(&g, g.p[i].f, g.p[i].t, true);
	creates(&g, RT_CAT_TYPE, true);
	for (size_t i = 0; i < g.np; i++)
		if (g.p[i].t && ag_type_moved(&g, g.p[i].t))
			ag_composite_recreate(&g, g.p[i].f, g.p[i].t);
	sequences(&g, false);
	tables_changed(&g);
	creates(&g, RT_CAT_TABLE, false);
	columns(&g);
	creates(&g, RT_CAT_CONSTRAINT, true);
	creates(&g, RT_CAT_INDEX, true);
	creates(&g, RT_CAT_FKEY, true);
	sequences(&g, true);
	creates(&g, RT_CAT_FUNCTION, false);
	replaces(&g, RT_CAT_FUNCTION);
	views_put(&g, false);
	g.mv_indexes = true;
	creates(&g, RT_CAT_INDEX, true);
	g.mv_indexes = false;
	creates(&g, RT_CAT_TRIGGER, true);
	creates(&g, RT_CAT_RLS, true);
	creates(&g, RT_CAT_POLICY, true);
	creates(&g, RT_CAT_COMMENT, false);
	replaces(&g, RT_CAT_COMMENT);
	/* what from has alone that the tables used: last */
	for (size_t i = g.np; i-- > 0; ) {
		const struct rt_cat_obj *f = g.p[i].f;

		char *q;

		if (!f || g.p[i].t || f->kind != RT_CAT_SEQUENCE || seq_goes_with_owner(&g, f))
			continue;
		q = rt_xasprintf("%s.%s", f->schema, f->name);
		if (!rt_strv_contains(&g.seqs_dropped, q))
			drop_obj(&g, f);
		free(q);
	}
	drops(&g, RT_CAT_TYPE, false);
	drops(&g, RT_CAT_DOMAIN, false);
	drops(&g, RT_CAT_ENUM, false);
	drops(&g, RT_CAT_EXTENSION, false);
	drops(&g, RT_CAT_SCHEMA, false);

	out->needs_tx_off = added_label_used(&g);
	out->nchanges = g.n;
	out->sql = rt_buf_take(&g.out);
	free(g.p);
	free(g.force);
	rt_strv_free(&g.types_moved);
	rt_strv_free(&g.moved_tables);
	rt_strv_free(&g.views_dropped);
	rt_strv_free(&g.tables_f);
	rt_strv_free(&g.tables_t);
	rt_strv_free(&g.partitions);
	rt_strv_free(&g.renamed);
	rt_strv_free(&g.added_labels);
	rt_strv_free(&g.seqs_dropped);
	rt_strv_free(&g.enum_moved);
	rt_strv_free(&g.types_altered);
}

void
rt_autogen_sql_free(struct rt_autogen_sql *s)
{
	if (!s)
		return;
	free(s->sql);
	s->sql = NULL;
	s->nchanges = 0;
}

bool
rt_autogen_db_has_cast(void *ctx, const char *from, const char *to)
{
	struct rt_db *db = ctx;
	const char *params[2] = { from, to };
	PGresult *res;
	bool ok;

	if (!db || !db->conn)
		return false;
	res = PQexecParams(db->conn,
			   "SELECT to_regtype($1) = to_regtype($2) OR EXISTS (SELECT 1 FROM pg_cast"
			   " WHERE castsource = to_regtype($1) AND casttarget = to_regtype($2))",
			   2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	     strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return ok;
}
