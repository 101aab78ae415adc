/* autogen_int.h - private to the engine's autogenerate (autogen.c,
 * autogen_types.c, autogen_deps.c): the generation's state and the helpers
 * the files write with. */
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

/* The partitioned table (schema.name as the model writes it) that table is
 * a partition of in m, or NULL. New string. */
char *ag_partition_parent(const struct rt_catalog *m, const char *table);

/* Whether table is a partition of the same table on both sides. */
struct gen;
bool ag_is_partition(const struct gen *g, const char *table);

struct gen {
	struct rt_catalog *from, *to;
	const struct rt_autogen_opts *opts;
	struct ag_pair *p;
	size_t np;
	struct rt_strv tables_f, tables_t;  /* "schema.name", sorted */
	struct rt_strv partitions;          /* "schema.name" of partitions of the same
	                                     * table on both sides, sorted */
	struct rt_strv renamed;             /* "table\x1fcolumn" of columns a rename took
	                                     * (both sides) */
	struct rt_strv added_labels;        /* enum labels added, as literals */
	struct rt_strv seqs_dropped;        /* "schema.name" of sequences already dropped */
	struct rt_strv enum_moved;          /* "table\x1fcolumn" whose default an enum's
	                                     * recreation already set to to's */
	struct rt_strv types_altered;       /* "schema.name" of composite types changed
	                                     * in place (not dropped and made again) */
	struct rt_strv types_moved;         /* "schema.name" of composite types a kept
	                                     * column uses, recreated under their name with
	                                     * the columns moved over (ag_composite_recreate) */
	struct rt_strv moved_tables;        /* "schema.name" of kept tables with a column
	                                     * whose type is recreated or changed */
	struct rt_strv views_dropped;       /* "schema.name" of views and materialized
	                                     * views dropped (gone, or made again): their
	                                     * indexes, triggers and comments go with them */
	bool *force;                        /* per pair: dropped and created again though
	                                     * unchanged (it reads a moved column, or hangs
	                                     * on a view made again) */
	bool mv_indexes;                    /* creates(): the indexes of materialized
	                                     * views (made after them), not of tables */
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

/* Whether ADD VALUE reaches b from a: every label of a kept, in order. */
bool ag_labels_addable(const struct rt_strv *a, const struct rt_strv *b);

/* Whether f and t (paired) differ in definition, columns or kind. */
bool ag_differs(const struct rt_cat_obj *f, const struct rt_cat_obj *t);

/* Whether table ("schema.name") is on both sides (its parts are altered,
 * not created or dropped with it). */
bool ag_table_kept(const struct gen *g, const char *table);

/* Whether a and b are the same type but for a modifier ("character
 * varying(20)" and "character varying(40)"; arrays never). */
bool ag_type_base_same(const char *a, const char *b);

/* Whether the column def (a type) is type or an array of it. */
bool ag_is_type_or_array(const char *def, const char *type);

/* autogen_types.c: a changed domain (default, NOT NULL, constraints; a base
 * type change is a TODO), and an enum whose values cannot be reached with
 * ADD VALUE (one removed, or the order changed) recreated under its name with
 * every column using it moved over. */
void ag_domain_changes(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t);

/* Whether a changed composite type can be written as ALTER TYPE ... DROP /
 * ADD / ALTER ATTRIBUTE: that reaches t's attributes in t's order when the
 * kept ones keep from's order and the new ones come last (and, when a column
 * of a kept table uses the type, no attribute changes its type: the server
 * refuses ALTER ATTRIBUTE ... TYPE then). Without emit it only decides, and
 * puts the name in g->types_altered, or, when a column of a kept table uses
 * a type that cannot be altered in place, in g->types_moved
 * (ag_composite_recreate); with emit it writes the statements. False: drop
 * and create it (or recreate it, types_moved). */
bool ag_composite_alter(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t,
			bool emit);
void ag_enum_recreate(struct gen *g, const struct rt_cat_obj *f, const struct rt_cat_obj *t);

/* A composite type in g->types_moved: renamed to name_old, created anew,
 * each column of a kept table using it (or an array of it) moved over with
 * a ROW(...) of its attributes by name (new ones NULL, changed ones cast),
 * the old type dropped. */
void ag_composite_recreate(struct gen *g, const struct rt_cat_obj *f,
			   const struct rt_cat_obj *t);

/* Whether t is a composite type altered in place or recreated with its
 * columns (either way not dropped and created); whether it is recreated. */
bool ag_type_altered(const struct gen *g, const struct rt_cat_obj *t);
bool ag_type_moved(const struct gen *g, const struct rt_cat_obj *t);

/* autogen_deps.c: fills g->force (per pair: dropped and created again
 * though unchanged), g->moved_tables and g->views_dropped, and writes a
 * comment naming what is made again. After ag_composite_alter's decisions,
 * before any statement. */
void ag_plan_dependents(struct gen *g);

/* Whether o hangs on a view or materialized view that is dropped (its
 * index, trigger or comment): the DROP takes it with it. */
bool ag_goes_with_view(const struct gen *g, const struct rt_cat_obj *o);

/* The pairs of the views and materialized views to drop (drop: gone,
 * changed or forced; one another reads after that one) or to create (new,
 * changed or forced; one that reads another after it), into order (room
 * for g->np); returns how many. */
size_t ag_views_order(const struct gen *g, bool drop, size_t *order);

#endif
