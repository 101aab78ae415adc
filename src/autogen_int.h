/* autogen_int.h - private to the engine's autogenerate (autogen.c,
 * autogen_types.c): the generation's state and the helpers both files write
 * with. */
#ifndef RT_AUTOGEN_INT_H
#define RT_AUTOGEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "rt_mem.h"

struct rt_autogen_opts;
struct rt_catalog;
struct rt_cat_obj;

struct ag_pair {
	const struct rt_cat_obj *f;     /* in from, or NULL */
	const struct rt_cat_obj *t;     /* in to, or NULL */
};

struct gen {
	struct rt_catalog *from, *to;
	const struct rt_autogen_opts *opts;
	struct ag_pair *p;
	size_t np;
	struct rt_strv tables_f, tables_t;  /* "schema.name", sorted */
	struct rt_strv renamed;             /* "table\x1fcolumn" of columns a rename took
	                                     * (both sides) */
	struct rt_strv added_labels;        /* enum labels added, as literals */
	struct rt_strv seqs_dropped;        /* "schema.name" of sequences already dropped */
	struct rt_strv enum_moved;          /* "table\x1fcolumn" whose default an enum's
	                                     * recreation already set to to's */
	struct rt_strv types_altered;       /* "schema.name" of composite types changed
	                                     * in place (not dropped and made again) */
	struct rt_buf out;
	size_t n;
};

/* s, or dflt when s is NULL; whether a and b are equal (NULL as ""). */
static inline const char *
s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static inline bool
same(const char *a, const char *b)
{
	return strcmp(s_or(a, ""), s_or(b, "")) == 0;
}

/* One statement (a line, counted as a change); a comment line (not counted). */
void ag_stmt(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ag_note(struct gen *g, const char *s);

/* The labels of an enum's def ("'a', 'b'", quote_literal'd), as literals. */
void ag_labels_of(const char *def, struct rt_strv *out);

/* autogen_types.c: a changed domain (default, NOT NULL, constraints; a base
 * type change is a TODO), and an enum whose values cannot be reached with
 * ADD VALUE (one removed, or the order changed) recreated under its name with
 * every column using it moved over. */
void ag_domain_changes(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t);

/* Whether a changed composite type can be written as ALTER TYPE ... DROP /
 * ADD / ALTER ATTRIBUTE: that reaches t's attributes in t's order when the
 * kept ones keep from's order and the new ones come last. Without emit it
 * only decides, and puts the name in g->types_altered; with emit it writes
 * the statements. False: drop and create it. */
bool ag_composite_alter(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t,
			bool emit);
void ag_enum_recreate(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t);

#endif
