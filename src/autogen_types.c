/* autogen_types.c - autogenerate's changes to types (autogen_int.h): a
 * domain's default, NOT NULL and constraints altered in place; an enum that
 * loses a value (or whose values change order) recreated under its name,
 * the columns using it moved over; a composite type that columns use and
 * whose attributes cannot be altered in place, recreated the same way.
 * Pure, like autogen.c. */
#include "config.h"
#include "autogen_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "rt_autogen.h"
#include "rt_catalog.h"
#include "rt_mem.h"
#include "rt_sqllex.h"

/* ---- domains ---- */

/* A domain's def as the catalog writes it: "type [COLLATE c] [DEFAULT e]
 * [NOT NULL] [CONSTRAINT name def]...", taken apart on the lexer's tokens
 * (words inside parentheses, strings and quoted names are never markers). */
struct dom {
	char *base;                 /* type [COLLATE c] */
	char *dflt;                 /* or NULL */
	bool is_notnull;
	struct rt_strv cnames, cdefs;   /* the constraints, parallel */
};

enum mark { M_NONE, M_DEFAULT, M_NOTNULL, M_CONSTRAINT };

static char *
trimmed(const char *s, size_t from, size_t to)
{
	while (from < to && s[from] == ' ')
		from++;
	while (to > from && s[to - 1] == ' ')
		to--;
	return rt_xstrndup(s + from, to - from);
}

/* Whether " NULL" (a word) starts at def[at]. */
static bool
is_null_word(const char *def, size_t len, size_t at)
{
	return strncasecmp(def + at, " NULL", 5) == 0 && (at + 5 == len || def[at + 5] == ' ');
}

static void
dom_parse(const char *def, struct dom *d)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok, prev = { 0 };
	enum mark m = M_NONE;
	size_t len = strlen(def), seg = 0;   /* where the open part's text starts */
	int depth = 0;
	bool want_name = false;

	memset(d, 0, sizeof(*d));
	rt_sql_lexer_init(&lx, def, len, 1);
	for (;;) {
		enum rt_sql_tok_kind k = rt_sql_lex_next(&lx, &tok);
		enum mark next = M_NONE;
		size_t end = k == RT_SQL_TOK_EOF ? len : tok.offset;

		if (k == RT_SQL_TOK_PUNCT && strchr("([", def[tok.offset]))
			depth++;
		else if (k == RT_SQL_TOK_PUNCT && strchr(")]", def[tok.offset]))
			depth--;
		if (want_name) {
			rt_strv_push_take(&d->cnames, rt_xstrndup(def + tok.offset, tok.len));
			seg = tok.offset + tok.len;
			want_name = false;
			prev = tok;
			continue;
		}
		if (depth == 0 && k == RT_SQL_TOK_KEYWORD) {
			if (rt_sql_token_is(def, &tok, "default"))
				next = M_DEFAULT;
			else if (rt_sql_token_is(def, &tok, "constraint"))
				next = M_CONSTRAINT;
			else if (rt_sql_token_is(def, &tok, "not") &&
				 !(prev.len && rt_sql_token_is(def, &prev, "is")) &&
				 is_null_word(def, len, tok.offset + tok.len))
				next = M_NOTNULL;
		}
		if (next != M_NONE || k == RT_SQL_TOK_EOF) {
			/* the open part ends here */
			if (m == M_NONE && !d->base)
				d->base = trimmed(def, 0, end);
			else if (m == M_DEFAULT)
				d->dflt = trimmed(def, seg, end);
			else if (m == M_CONSTRAINT && d->cdefs.n < d->cnames.n)
				rt_strv_push_take(&d->cdefs, trimmed(def, seg, end));
			if (k == RT_SQL_TOK_EOF || k == RT_SQL_TOK_ERROR)
				break;
			m = next;
			seg = tok.offset + tok.len;
			if (next == M_NOTNULL) {
				d->is_notnull = true;
				seg += 5;
				rt_sql_lex_next(&lx, &tok);     /* NULL */
				m = M_NONE;
			}
			want_name = next == M_CONSTRAINT;
		}
		prev = tok;
	}
	while (d->cdefs.n < d->cnames.n)
		rt_strv_push(&d->cdefs, "");
	if (!d->base)
		d->base = rt_xstrdup(def);
}

static void
dom_free(struct dom *d)
{
	free(d->base);
	free(d->dflt);
	rt_strv_free(&d->cnames);
	rt_strv_free(&d->cdefs);
}

/* The def of constraint name in d, or NULL. */
static const char *
dom_con(const struct dom *d, const char *name)
{
	for (size_t i = 0; i < d->cnames.n; i++)
		if (strcmp(d->cnames.v[i], name) == 0)
			return d->cdefs.v[i];
	return NULL;
}

void
ag_domain_changes(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	struct dom a, b;

	dom_parse(s_or(f->def, ""), &a);
	dom_parse(s_or(t->def, ""), &b);
	if (!same(a.base, b.base)) {
		char *s = rt_xasprintf("TODO: domain %s.%s changed its base type or collation "
				       "(%s -> %s): write the change by hand", t->schema, t->name,
				       a.base, b.base);

		ag_note(g, s);
		free(s);
		goto out;
	}
	for (size_t i = 0; i < a.cnames.n; i++) {
		const char *other = dom_con(&b, a.cnames.v[i]);

		if (!other || strcmp(other, a.cdefs.v[i]) != 0)
			ag_stmt(g, "ALTER DOMAIN %s.%s DROP CONSTRAINT %s;", t->schema, t->name,
				a.cnames.v[i]);
	}
	if (!same(a.dflt, b.dflt)) {
		if (b.dflt)
			ag_stmt(g, "ALTER DOMAIN %s.%s SET DEFAULT %s;", t->schema, t->name,
				b.dflt);
		else
			ag_stmt(g, "ALTER DOMAIN %s.%s DROP DEFAULT;", t->schema, t->name);
	}
	if (a.is_notnull != b.is_notnull)
		ag_stmt(g, "ALTER DOMAIN %s.%s %s NOT NULL;", t->schema, t->name,
			b.is_notnull ? "SET" : "DROP");
	for (size_t i = 0; i < b.cnames.n; i++) {
		const char *other = dom_con(&a, b.cnames.v[i]);

		if (!other || strcmp(other, b.cdefs.v[i]) != 0)
			ag_stmt(g, "ALTER DOMAIN %s.%s ADD CONSTRAINT %s %s;", t->schema, t->name,
				b.cnames.v[i], b.cdefs.v[i]);
	}
out:
	dom_free(&a);
	dom_free(&b);
}

/* ---- enums ---- */

/* name (quote_ident'ed) with suffix appended inside its quotes. */
static char *
suffixed(const char *name, const char *suffix)
{
	size_t n = strlen(name);

	if (n >= 2 && name[0] == '"' && name[n - 1] == '"')
		return rt_xasprintf("%.*s%s\"", (int)(n - 1), name, suffix);
	return rt_xasprintf("%s%s", name, suffix);
}

/* The column of to with c's table and name, or NULL. */
static const struct rt_cat_obj *
to_column(const struct gen *g, const struct rt_cat_obj *c)
{
	for (size_t i = 0; i < g->to->n; i++) {
		const struct rt_cat_obj *o = &g->to->v[i];

		if (o->kind == RT_CAT_COLUMN && same(o->table, c->table) &&
		    same(o->name, c->name))
			return o;
	}
	return NULL;
}

/* One column of from using the old type (or an array of it) moved to the
 * new one with ALTER ... TYPE (its own type, by name) USING using: its
 * default dropped around the ALTER and set again (to's when the column
 * keeps this type, else its own). */
static void
move_column(struct gen *g, const struct rt_cat_obj *c, const char *using)
{
	const struct rt_cat_obj *tc = to_column(g, c);
	const char *dflt = c->is_generated ? NULL : c->dflt;

	if (tc && same(tc->def, c->def) && !tc->is_generated && !c->is_generated) {
		dflt = tc->dflt;
		rt_strv_push_take(&g->enum_moved, rt_xasprintf("%s\x1f%s", c->table, c->name));
	}
	if (c->dflt && !c->is_generated)
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", c->table, c->name);
	ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s;", c->table, c->name, c->def,
		using);
	if (dflt)
		ag_stmt(g, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;", c->table, c->name,
			dflt);
}

/* Whether c (a column of from using a recreated type) is moved: its table is
 * kept (one dropped before took its columns with it) and is no partition
 * (ALTER ... TYPE on the partitioned table moves its partitions' columns;
 * the server refuses it on a partition's own). */
static bool
to_move(const struct gen *g, const struct rt_cat_obj *c)
{
	char *parent;
	bool move;

	if (!rt_strv_contains(&g->tables_t, c->table))
		return false;
	parent = ag_partition_parent(g->from, c->table);
	move = !parent;
	free(parent);
	return move;
}

bool
ag_is_type_or_array(const char *def, const char *type)
{
	size_t n = strlen(type);

	return def && strncmp(def, type, n) == 0 && (def[n] == '\0' || strcmp(def + n, "[]") == 0);
}

void
ag_enum_recreate(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	char *type = rt_xasprintf("%s.%s", t->schema, t->name);
	char *arr = rt_xasprintf("%s[]", type), *old = suffixed(t->name, "_old");

	rt_buf_printf(&g->out, "-- type %s: ADD VALUE cannot remove or reorder values: the type "
		      "is recreated with the new values\n-- and each column using it moved over "
		      "(a row holding a removed value fails the cast: change it first)\n", type);
	ag_stmt(g, "ALTER TYPE %s RENAME TO %s;", type, old);
	ag_stmt(g, "CREATE TYPE %s AS ENUM (%s);", type, s_or(t->def, ""));
	for (size_t i = 0; i < g->from->n; i++) {
		const struct rt_cat_obj *c = &g->from->v[i];

		char *using;

		if (c->kind != RT_CAT_COLUMN || !ag_is_type_or_array(c->def, type) ||
		    !to_move(g, c))
			continue;
		using = rt_xasprintf("%s::text%s::%s", c->name, strcmp(c->def, arr) == 0 ? "[]" : "",
				     c->def);
		move_column(g, c, using);
		free(using);
	}
	ag_stmt(g, "DROP TYPE %s.%s;", f->schema, old);
	free(type);
	free(arr);
	free(old);
}

/* ---- composite types ---- */

/* "AS (a text, b numeric(10,2) COLLATE \"C\")" as names and definitions,
 * split at the commas outside parentheses and quotes; false when def is not
 * a composite's. */
static bool
attrs_of(const char *def, struct rt_strv *names, struct rt_strv *defs)
{
	const char *p, *end;
	size_t len = def ? strlen(def) : 0;

	if (len < 5 || strncmp(def, "AS (", 4) != 0 || def[len - 1] != ')')
		return false;
	p = def + 4;
	end = def + len - 1;
	while (p < end) {
		const char *a = p, *sp;
		int depth = 0;
		bool quoted = false;

		for (; p < end && (quoted || depth || *p != ','); p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && *p == '(')
				depth++;
			else if (!quoted && *p == ')')
				depth--;
		}
		/* the name: a quoted identifier or a word */
		if (*a == '"') {
			for (sp = a + 1; sp < p && !(*sp == '"' && sp[1] != '"'); sp++)
				if (*sp == '"')
					sp++;
			sp++;
		} else {
			sp = a + strcspn(a, " ");
		}
		if (sp >= p)
			return false;
		rt_strv_push_take(names, rt_xstrndup(a, (size_t)(sp - a)));
		rt_strv_push_take(defs, trimmed(sp, 0, (size_t)(p - sp)));
		if (p < end)
			p += 2;     /* ", " */
	}
	return true;
}

static ssize_t
index_of(const struct rt_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return (ssize_t)i;
	return -1;
}

/* Whether a column of a table kept on both sides uses type (or an array of
 * it). */
static bool
type_used(const struct gen *g, const char *type)
{
	for (size_t i = 0; i < g->from->n; i++) {
		const struct rt_cat_obj *c = &g->from->v[i];

		if (c->kind == RT_CAT_COLUMN && ag_is_type_or_array(c->def, type) &&
		    rt_strv_contains(&g->tables_t, c->table))
			return true;
	}
	return false;
}

bool
ag_composite_alter(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t,
		   bool emit)
{
	struct rt_strv fn = { 0 }, fd = { 0 }, tn = { 0 }, td = { 0 };
	ssize_t last = -1;
	bool ok = attrs_of(f->def, &fn, &fd) && attrs_of(t->def, &tn, &td), seen_new = false;
	bool retyped = false, parsed = ok;

	/* the kept ones in from's order, then only new ones */
	for (size_t i = 0; ok && i < tn.n; i++) {
		ssize_t k = index_of(&fn, tn.v[i]);

		if (k < 0) {
			seen_new = true;
			continue;
		}
		if (seen_new || k < last)
			ok = false;
		if (strcmp(fd.v[k], td.v[i]) != 0)
			retyped = true;
		last = k;
	}
	if (!emit) {
		char *key = rt_xasprintf("%s.%s", t->schema, t->name);

		/* a column uses it: ALTER ATTRIBUTE ... TYPE is refused, and so is
		 * DROP TYPE; ADD and DROP ATTRIBUTE are not */
		if (parsed && (!ok || retyped) && type_used(g, key)) {
			rt_strv_push_take(&g->types_moved, key);
			ok = false;
		} else if (ok) {
			rt_strv_push_take(&g->types_altered, key);
		} else {
			free(key);
		}
	} else if (ok) {
		for (size_t i = 0; i < fn.n; i++)
			if (index_of(&tn, fn.v[i]) < 0)
				ag_stmt(g, "ALTER TYPE %s.%s DROP ATTRIBUTE %s;", t->schema, t->name,
					fn.v[i]);
		for (size_t i = 0; i < tn.n; i++) {
			ssize_t k = index_of(&fn, tn.v[i]);

			if (k < 0)
				ag_stmt(g, "ALTER TYPE %s.%s ADD ATTRIBUTE %s %s;", t->schema, t->name,
					tn.v[i], td.v[i]);
			else if (strcmp(fd.v[k], td.v[i]) != 0)
				ag_stmt(g, "ALTER TYPE %s.%s ALTER ATTRIBUTE %s TYPE %s;", t->schema,
					t->name, tn.v[i], td.v[i]);
		}
	}
	rt_strv_free(&fn);
	rt_strv_free(&fd);
	rt_strv_free(&tn);
	rt_strv_free(&td);
	return ok;
}

/* An attribute's type without its COLLATE clause. */
static char *
attr_type(const char *def)
{
	const char *c = strstr(def, " COLLATE ");

	return c ? rt_xstrndup(def, (size_t)(c - def)) : rt_xstrdup(def);
}

/* The value of the new type made from x, a value of the old one: its
 * attributes by name (new ones NULL, a changed one cast), NULL for NULL (a
 * row of NULLs stays one: num_nulls looks at the value, not its fields).
 * *todo is set when a changed attribute has no known cast. */
static char *
row_of(struct gen *g, const char *x, const char *type, const struct rt_strv *fn,
       const struct rt_strv *fd, const struct rt_strv *tn, const struct rt_strv *td,
       struct rt_strv *todo)
{
	struct rt_buf b = { 0 };

	rt_buf_printf(&b, "CASE WHEN num_nulls(%s) = 1 THEN NULL ELSE ROW(", x);
	for (size_t i = 0; i < tn->n; i++) {
		ssize_t k = index_of(fn, tn->v[i]);

		if (i)
			rt_buf_puts(&b, ", ");
		if (k < 0) {
			rt_buf_puts(&b, "NULL");
		} else if (strcmp(fd->v[k], td->v[i]) == 0) {
			rt_buf_printf(&b, "(%s).%s", x, tn->v[i]);
		} else {
			char *ft = attr_type(fd->v[k]), *tt = attr_type(td->v[i]);

			rt_buf_printf(&b, "(%s).%s::%s", x, tn->v[i], tt);
			if (todo && !ag_type_base_same(ft, tt) &&
			    !(g->opts->has_cast && g->opts->has_cast(g->opts->ctx, ft, tt)) &&
			    !rt_strv_contains(todo, tn->v[i]))
				rt_strv_push(todo, tn->v[i]);
			free(ft);
			free(tt);
		}
	}
	rt_buf_printf(&b, ")::%s END", type);
	return rt_buf_take(&b);
}

void
ag_composite_recreate(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t)
{
	struct rt_strv fn = { 0 }, fd = { 0 }, tn = { 0 }, td = { 0 }, todo = { 0 };
	char *type = rt_xasprintf("%s.%s", t->schema, t->name);
	char *arr = rt_xasprintf("%s[]", type), *old = suffixed(t->name, "_old");
	char *conv = NULL;

	attrs_of(f->def, &fn, &fd);
	attrs_of(t->def, &tn, &td);
	rt_buf_printf(&g->out, "-- type %s: columns use it and ALTER TYPE cannot reorder, insert "
		      "or retype its attributes then:\n-- the type is recreated with the new "
		      "attributes and each column moved over (attributes by name,\n-- new ones "
		      "NULL, changed ones cast)\n", type);
	ag_stmt(g, "ALTER TYPE %s RENAME TO %s;", type, old);
	ag_stmt(g, "CREATE TYPE %s %s;", type, s_or(t->def, "AS ()"));
	for (size_t i = 0; i < g->from->n; i++) {
		const struct rt_cat_obj *c = &g->from->v[i];
		char *using;

		if (c->kind != RT_CAT_COLUMN || !ag_is_type_or_array(c->def, type) ||
		    !to_move(g, c))
			continue;
		if (strcmp(c->def, arr) != 0) {
			using = row_of(g, c->name, type, &fn, &fd, &tn, &td, &todo);
		} else {
			if (!conv) {
				/* USING takes no subquery: the elements are converted in a
				 * function of this session's own */
				char *row = row_of(g, "$1[i]", type, &fn, &fd, &tn, &td, &todo);

				conv = rt_xasprintf("pg_temp.retort_conv(%s.%s[])", f->schema, old);
				ag_stmt(g, "CREATE FUNCTION %s RETURNS %s LANGUAGE sql AS $retort$SELECT "
					"CASE WHEN $1 IS NULL THEN NULL ELSE coalesce(array_agg(%s ORDER BY "
					"i), '{}') END FROM generate_subscripts($1, 1) AS i$retort$;",
					conv, arr, row);
				free(row);
			}
			using = rt_xasprintf("pg_temp.retort_conv(%s)", c->name);
		}
		move_column(g, c, using);
		free(using);
	}
	for (size_t i = 0; i < todo.n; i++) {
		char *s = rt_xasprintf("TODO: type %s: no cast is known for attribute %s's new "
				       "type: check the USING expressions above", type, todo.v[i]);

		ag_note(g, s);
		free(s);
	}
	if (conv)
		ag_stmt(g, "DROP FUNCTION %s;", conv);
	ag_stmt(g, "DROP TYPE %s.%s;", f->schema, old);
	free(conv);
	free(type);
	free(arr);
	free(old);
	rt_strv_free(&fn);
	rt_strv_free(&fd);
	rt_strv_free(&tn);
	rt_strv_free(&td);
	rt_strv_free(&todo);
}

bool
ag_type_altered(const struct gen *g, const struct rt_cat_obj *t)
{
	bool hit;
	char *key;

	if (t->kind != RT_CAT_TYPE || (!g->types_altered.n && !g->types_moved.n))
		return false;
	key = rt_xasprintf("%s.%s", t->schema, t->name);
	hit = rt_strv_contains(&g->types_altered, key) || rt_strv_contains(&g->types_moved, key);
	free(key);
	return hit;
}

bool
ag_type_moved(const struct gen *g, const struct rt_cat_obj *t)
{
	bool hit;
	char *key;

	if (t->kind != RT_CAT_TYPE || !g->types_moved.n)
		return false;
	key = rt_xasprintf("%s.%s", t->schema, t->name);
	hit = rt_strv_contains(&g->types_moved, key);
	free(key);
	return hit;
}
