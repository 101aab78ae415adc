/* rt_catalog.h - a model of a PostgreSQL schema read from pg_catalog in one
 * round trip (one query per kind of object, never one per table), its
 * canonical rendering (the text `retort schema` prints) and the difference
 * of two models (what `retort verify` and `retort check` report).
 *
 * Every name and definition in the model is as the server prints it with an
 * empty search_path: identifiers quoted where needed (quote_ident) and user
 * objects schema-qualified, so two databases compare without regard to their
 * search_path. */
#ifndef RT_CATALOG_H
#define RT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_db;
struct rt_err;
struct rt_job;

/* The kinds of objects, in the order the rendering creates them. */
enum rt_cat_kind {
	RT_CAT_SCHEMA,
	RT_CAT_EXTENSION,
	RT_CAT_ENUM,
	RT_CAT_DOMAIN,
	RT_CAT_TYPE,            /* composite and range types */
	RT_CAT_SEQUENCE,
	RT_CAT_TABLE,
	RT_CAT_COLUMN,          /* inside its table */
	RT_CAT_CONSTRAINT,      /* primary key, unique, check, exclusion: inside its table */
	RT_CAT_INDEX,
	RT_CAT_FKEY,            /* ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY */
	RT_CAT_FUNCTION,
	RT_CAT_VIEW,
	RT_CAT_MATVIEW,
	RT_CAT_TRIGGER,
	RT_CAT_RLS,             /* a table's row level security switches: inside its table */
	RT_CAT_POLICY,          /* CREATE POLICY ... ON its table */
	RT_CAT_COMMENT,
	RT_CAT_NKINDS
};

/* One object. Strings are owned by the catalog; NULL where a kind has none. */
struct rt_cat_obj {
	enum rt_cat_kind kind;
	char *schema;       /* quoted schema name (not for columns, constraints: see table) */
	char *table;        /* columns, constraints, indexes, foreign keys, triggers:
	                     * the qualified relation ("public.users"); else NULL */
	char *name;         /* quoted name; a function: name(identity arguments); a comment:
	                     * what it is on ("COLUMN public.users.id") */
	char *def;          /* the definition compared and rendered:
	                     * table: "" or "PARTITION BY ..." or "PARTITION OF ... FOR VALUES ..."
	                     * column: the type (format_type); constraint, foreign key:
	                     * pg_get_constraintdef; index: pg_get_indexdef; view, matview:
	                     * pg_get_viewdef; function: pg_get_functiondef; trigger:
	                     * pg_get_triggerdef; enum: the labels in order, quoted and
	                     * comma-separated; domain: "type [COLLATE] [DEFAULT] [NOT NULL]
	                     * [CONSTRAINT ...]"; sequence: its options; extension: its
	                     * schema; comment: the text as a literal; schema: "";
	                     * type: "AS (attr type, ...)" or "AS RANGE (SUBTYPE = ...)";
	                     * policy: "AS PERMISSIVE FOR cmd TO roles [USING (...)]
	                     * [WITH CHECK (...)]"; row level security: "ENABLE",
	                     * "FORCE" or "ENABLE FORCE" */
	char *cols;         /* constraints, foreign keys, indexes: the key columns, quoted,
	                     * comma-separated ("" for an expression); else NULL */
	char *collation;    /* column: COLLATE name when not the type's default, else NULL */
	char *dflt;         /* column: DEFAULT expression, or GENERATED expression */
	char *owned_by;     /* sequence: OWNED BY table.column, else NULL */
	char contype;       /* constraint/fkey: p u c x f; table: r (plain), p (partitioned),
	                     * u (unlogged); index: 'm' on a materialized view, else 0 */
	char identity;      /* column: 'a' (ALWAYS), 'd' (BY DEFAULT) or 0 */
	bool is_generated;  /* column: GENERATED ALWAYS AS (dflt) STORED */
	bool is_notnull;    /* column NOT NULL */
	bool is_partition;  /* table: a partition (def: "parent bound", as CREATE TABLE
	                     * name PARTITION OF writes them) */
	int pos;            /* column: position among the table's live columns (1-based) */
	unsigned anchor;    /* as read: the oid of what the object hangs on (its table for
	                     * columns, constraints, indexes, foreign keys, triggers and their
	                     * comments; else the object itself); 0 in hand-built models */
};

struct rt_catalog {
	struct rt_cat_obj *v;
	size_t n, cap;
	/* A partial model (a read of the touched objects only): the anchors it
	 * covers, sorted; every object of the database hanging on one of them is
	 * in it. NULL (nscope 0, is_partial false): the whole database. */
	bool is_partial;
	unsigned *scope;
	size_t nscope;
};

/* What to leave out when reading: retort's own tables. NULL fields: the
 * defaults ("alembic_version" in any schema; retort_history always). */
struct rt_catalog_opts {
	const char *vt_schema;      /* the version table's schema, or NULL: any */
	const char *vt_table;       /* the version table, or NULL: alembic_version */
	/* Read only the objects hanging on the anchors that the shadow's change
	 * log holds (rt_schema_build_track): a partial model. With reset, the log
	 * is emptied after the read. */
	bool touched, reset_touched;
	/* Read inside the transaction open on the connection (the shadow's
	 * rt_schema_build_try): no transaction of its own, one connection. */
	bool in_tx;
};

/* A new empty model owned by the caller (rt_catalog_free). */
struct rt_catalog *rt_catalog_new(void);
void rt_catalog_free(struct rt_catalog *cat);

/* Adds an object with copies of the strings given (NULL stays NULL) and the
 * rest zeroed; returns it (borrowed, valid until the next add) for the caller
 * to fill the other fields (strings set there must be malloc'ed: the catalog
 * frees them). For hand-built models (tests) and the reader. */
struct rt_cat_obj *rt_catalog_add(struct rt_catalog *cat, enum rt_cat_kind kind,
				  const char *schema, const char *table, const char *name,
				  const char *def);

/* Adds a copy of o (every field, strings duplicated); returns it (borrowed,
 * valid until the next add). */
struct rt_cat_obj *rt_catalog_add_copy(struct rt_catalog *cat, const struct rt_cat_obj *o);

/* A new partial model: copies of cat's objects whose anchor is in scope
 * (sorted, n entries), covering scope. */
struct rt_catalog *rt_catalog_restrict(const struct rt_catalog *cat, const unsigned *scope,
				       size_t n);

/* Replaces in cat the part part covers (every object whose anchor is in
 * part's scope) with part's objects, which move to cat; part is freed.
 * cat's order is not kept: sort before rendering or diffing. */
void rt_catalog_replace(struct rt_catalog *cat, struct rt_catalog *part);

/* Sorts the objects canonically: by kind, then schema, table, column position
 * (columns), name. Rendering and diffing sort first; reading sorts too. */
void rt_catalog_sort(struct rt_catalog *cat);

/* Reads the schema of db's database from pg_catalog: every schema but the
 * system ones, and every object in them except those that belong to an
 * extension and retort's own tables (opts; the connection's own version
 * table when opts is NULL). One round trip, in a read-only repeatable-read
 * transaction with an empty search_path. Returns a sorted model owned by the
 * caller, or NULL with err (RT_ERR_RUN). */
struct rt_catalog *rt_catalog_read(struct rt_db *db, const struct rt_catalog_opts *opts,
				   struct rt_err *err);

/* rt_catalog_read as a job (rt_job.h), for front ends that must not block
 * (the console's verify, Ctrl-C in the CLI): the queries go out at once; the
 * job takes the results as they come; rt_job_cancel sends a cancel request
 * (the job then ends with RT_ERR_CANCEL). db must stay connected and unused
 * until the job is freed. Returns a job owned by the caller, or NULL with
 * err (RT_ERR_RUN). */
struct rt_job *rt_catalog_read_start(struct rt_db *db, const struct rt_catalog_opts *opts,
				     struct rt_err *err);

/* The model a read job made, once it ended with 0 (ownership moves to the
 * caller; NULL before, after a failure, or for a job of another kind). */
struct rt_catalog *rt_catalog_read_take(struct rt_job *job);

/* The canonical rendering: one statement per object in dependency order
 * (schemas, extensions, enums, domains, sequences, tables with their columns
 * and constraints, indexes, foreign keys, sequence ownership, functions,
 * views, materialized views and their indexes, triggers, comments), each
 * followed by a blank line. Deterministic: the same model gives the same
 * bytes. A new string owned by the caller. */
char *rt_catalog_render(struct rt_catalog *cat);

/* A column's definition as CREATE TABLE and ADD COLUMN write it ("name type
 * [COLLATE c] [identity | generated | DEFAULT d] [NOT NULL]"), appended to b;
 * without NOT NULL when with_notnull is false. */
void rt_catalog_column_sql(struct rt_buf *b, const struct rt_cat_obj *o, bool with_notnull);

/* The SHA-256 (hex) of rt_catalog_render: a fingerprint of the schema. */
void rt_catalog_fingerprint(struct rt_catalog *cat, char out[65]);

/* What the reader reads, as 64 hex digits: the SHA-256 of its queries (a
 * key part for models kept on disk: rt_modelcache.h). Static. */
const char *rt_catalog_format_id(void);

/* The noun for a kind ("table", "foreign key", ...). Static. */
const char *rt_cat_kind_name(enum rt_cat_kind kind);

/* Options of the comparison. */
struct rt_cat_diff_opts {
	bool match_auto_names;      /* constraints named as PostgreSQL names them by default
	                             * (<table>_<cols>_key, _pkey, _fkey, _check, _excl) are
	                             * matched by definition, not by name */
	bool compare_column_order;  /* report a column whose position differs */
};

enum rt_cat_side {
	RT_CAT_ONLY_A,      /* in the first model only */
	RT_CAT_ONLY_B,      /* in the second model only */
	RT_CAT_CHANGED,     /* in both, different */
};

/* One difference. */
struct rt_cat_change {
	enum rt_cat_side side;
	enum rt_cat_kind kind;
	char *object;       /* "table public.users", "table public.users: column phone",
	                     * "index public.ix_x", "function public.f(integer)" */
	char *detail;       /* CHANGED: "type character varying(20) -> character varying(30)"
	                     * (one part per attribute that differs, "; "-separated);
	                     * ONLY_*: the object's statement as rendered */
};

struct rt_cat_diff {
	struct rt_cat_change *v;
	size_t n;
};

/* Compares a with b (both are sorted): the objects only in a, only in b, and
 * those in both that differ, in canonical order. The columns, constraints,
 * indexes, foreign keys and triggers of a table that is on one side only are
 * not listed on their own. Fills out (caller frees with rt_cat_diff_free). */
void rt_catalog_diff(struct rt_catalog *a, struct rt_catalog *b,
		     const struct rt_cat_diff_opts *opts, struct rt_cat_diff *out);
void rt_cat_diff_free(struct rt_cat_diff *d);

/* Lint-like findings on one model (verify): tables without a primary key and
 * foreign keys whose columns no index (nor primary key or unique constraint)
 * leads with. Appended to out as RT_CAT_ONLY_A changes whose detail says what
 * is wrong. */
void rt_catalog_findings(struct rt_catalog *cat, struct rt_cat_diff *out);

#endif
