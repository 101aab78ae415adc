/* rt_autogen.h - autogenerate (`retort migrate`): the SQL that takes one
 * schema model (rt_catalog.h) to another, in dependency order. Pure: the
 * models come from shadow builds (rt_schema.h); the only question asked of a
 * server is whether a cast exists, through a callback. The downgrade is the
 * same generation run the other way. */
#ifndef RT_AUTOGEN_H
#define RT_AUTOGEN_H

#include <stdbool.h>
#include <stddef.h>

struct rt_catalog;
struct rt_db;

struct rt_autogen_opts {
	bool no_rename;     /* a column that disappears while a like one appears: drop + add */
	/* Whether a value of type from converts to type to with from::to (a
	 * pg_cast row, or the same base type). NULL: only the same base type. */
	bool (*has_cast)(void *ctx, const char *from, const char *to);
	void *ctx;
};

/* One direction's SQL. */
struct rt_autogen_sql {
	char *sql;              /* statements and comments, one per line; "" when none */
	size_t nchanges;        /* statements written (comments not counted) */
	bool needs_tx_off;      /* an added enum value is used in the same section */
};

/* The SQL taking from to to: drops of what from has alone in reverse
 * dependency order, then creates and changes in dependency order (schemas,
 * extensions, enums and their new values (or, when a value goes or the
 * order changes, the enum recreated and its columns moved over), domains
 * (and their default, NOT NULL and constraint changes),
 * composite types (altered in place, or dropped and made again; when a
 * column of a kept table uses one whose attributes are inserted, reordered
 * or retyped, recreated under its name with each column moved over by
 * attribute name: USING ROW((c).a, NULL, (c).b::newtype, ...)::type, an
 * array through a pg_temp function), sequences, tables, columns (identity
 * and generation changes too; a partitioned table's on it alone, the
 * server carrying them to its partitions, then what a partition holds
 * apart: its own default or NOT NULL), constraints, indexes, foreign keys,
 * sequence ownership, functions, views and materialized views (one reading
 * another after it), materialized views' indexes, triggers, comments).
 * What reads a column whose type changes or is recreated is dropped before
 * and created again after from to, with a comment listing it: the views
 * and materialized views reading its table (and the views reading those;
 * their indexes, triggers and comments), and, for a recreated type, the
 * CHECK and exclusion constraints, indexes and foreign keys on the column
 * (a foreign key to it too). What
 * PostgreSQL cannot do in place is a "-- TODO" comment (a domain's base
 * type, a table's kind, a composite attribute's type without a known
 * cast). Deterministic.
 * Fills out (free with rt_autogen_sql_free). Both models are sorted. */
void rt_autogen_generate(struct rt_catalog *from, struct rt_catalog *to,
			 const struct rt_autogen_opts *opts, struct rt_autogen_sql *out);
void rt_autogen_sql_free(struct rt_autogen_sql *s);

/* A has_cast callback asking db's server (ctx is the struct rt_db *): a row
 * in pg_cast, or the same type with another modifier. One short blocking
 * catalog query; false on any error. */
bool rt_autogen_db_has_cast(void *ctx, const char *from, const char *to);

#endif
