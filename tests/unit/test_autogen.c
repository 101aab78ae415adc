/* test_autogen.c - the SQL autogenerate writes (rt_autogen.h) from
 * hand-built models: dependency order, the rename rule, the three-step NOT
 * NULL column, enum values (added, or the type recreated), type changes
 * with and without a known cast, identity and generated columns, domains,
 * composite types that columns use recreated with the columns moved over,
 * and what reads a moved column (views, materialized views, checks,
 * indexes) dropped and created again. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rt_autogen.h"
#include "rt_catalog.h"
#include "rt_mem.h"
#include "catalog_build.h"

/* users (id, email) with its key. */
static struct rt_catalog *
base(void)
{
	struct rt_catalog *c = rt_catalog_new();

	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "users", "")->contype = 'r';
	col(c, "public.users", "id", "integer", 1, true, NULL);
	col(c, "public.users", "email", "character varying(120)", 2, true, NULL);
	con(c, RT_CAT_CONSTRAINT, "public.users", "users_pkey", 'p', "PRIMARY KEY (id)", "id");
	return c;
}

static size_t
at(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	if (!p)
		fail_msg("missing: %s\nin:\n%s", needle, hay);
	return (size_t)(p - hay);
}

static void
test_no_change(void **state)
{
	struct rt_catalog *a = base(), *b = base();
	struct rt_autogen_sql up = { 0 };

	(void)state;
	rt_autogen_generate(a, b, NULL, &up);
	assert_int_equal(up.nchanges, 0);
	assert_string_equal(up.sql, "");
	rt_autogen_sql_free(&up);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* A new enum, a table using it, a foreign key to users and an index: created
 * in that order; the downgrade drops them in reverse. */
static void
test_order(void **state)
{
	struct rt_catalog *a = base(), *b = base();
	struct rt_autogen_sql up = { 0 }, down = { 0 };

	(void)state;
	rt_catalog_add(b, RT_CAT_ENUM, "public", NULL, "mood", "'sad', 'ok'");
	rt_catalog_add(b, RT_CAT_TABLE, "public", NULL, "tags", "")->contype = 'r';
	col(b, "public.tags", "user_id", "integer", 1, true, NULL);
	col(b, "public.tags", "feeling", "public.mood", 2, false, NULL);
	con(b, RT_CAT_CONSTRAINT, "public.tags", "tags_pkey", 'p', "PRIMARY KEY (user_id)",
	    "user_id");
	con(b, RT_CAT_FKEY, "public.tags", "tags_user_id_fkey", 'f',
	    "FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE", "user_id");
	con(b, RT_CAT_INDEX, "public.tags", "ix_tags_feeling", 0,
	    "CREATE INDEX ix_tags_feeling ON public.tags USING btree (feeling)", "feeling")
		->schema = rt_xstrdup("public");
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	assert_true(at(up.sql, "CREATE TYPE public.mood AS ENUM ('sad', 'ok');") <
		    at(up.sql, "CREATE TABLE public.tags ("));
	assert_true(at(up.sql, "CREATE TABLE public.tags (") <
		    at(up.sql, "CREATE INDEX ix_tags_feeling ON public.tags USING btree (feeling);"));
	assert_true(at(up.sql, "CREATE INDEX ix_tags_feeling") <
		    at(up.sql, "ALTER TABLE public.tags ADD CONSTRAINT tags_user_id_fkey FOREIGN KEY"));
	at(up.sql, "CONSTRAINT tags_pkey PRIMARY KEY (user_id)");
	assert_int_equal(up.nchanges, 4);
	assert_false(up.needs_tx_off);
	/* the table's parts go with it */
	assert_string_equal(down.sql, "DROP TABLE public.tags;\nDROP TYPE public.mood;\n");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static void
test_rename(void **state)
{
	struct rt_catalog *a = base(), *b = base();
	struct rt_autogen_sql up = { 0 }, down = { 0 }, nr = { 0 };
	struct rt_autogen_opts o = { .no_rename = true };

	(void)state;
	col(a, "public.users", "full_name", "character varying(100)", 3, false, NULL);
	col(b, "public.users", "name_full", "character varying(100)", 3, false, NULL);
	con(b, RT_CAT_CONSTRAINT, "public.users", "ck_users_email", 'c', "CHECK ((email)::text <> ''::text)", "email");
	/* not alike (another type): no rename */
	col(a, "public.users", "age", "integer", 4, false, NULL);
	col(b, "public.users", "years", "bigint", 4, false, NULL);
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	rt_autogen_generate(a, b, &o, &nr);
	at(up.sql, "ALTER TABLE public.users RENAME COLUMN full_name TO name_full;\n-- or, as a drop");
	at(up.sql, "-- ALTER TABLE public.users DROP COLUMN full_name;\n"
	   "-- ALTER TABLE public.users ADD COLUMN name_full character varying(100);\n");
	at(up.sql, "ALTER TABLE public.users DROP COLUMN age;\n");
	assert_true(at(up.sql, "ADD COLUMN years") <
		    at(up.sql, "ALTER TABLE public.users ADD CONSTRAINT ck_users_email CHECK ((email)::text <> ''::text);\n"));
	at(down.sql, "ALTER TABLE public.users DROP CONSTRAINT ck_users_email;\n");
	at(up.sql, "ALTER TABLE public.users ADD COLUMN years bigint;\n");
	assert_null(strstr(up.sql, "DROP COLUMN full_name;\nALTER"));
	at(down.sql, "ALTER TABLE public.users RENAME COLUMN name_full TO full_name;");
	assert_null(strstr(nr.sql, "\nALTER TABLE public.users RENAME"));
	assert_true(at(nr.sql, "\nALTER TABLE public.users DROP COLUMN full_name;\n") <
		    at(nr.sql, "\nALTER TABLE public.users ADD COLUMN name_full character varying(100);"));
	at(nr.sql, "-- ALTER TABLE public.users RENAME COLUMN full_name TO name_full;");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_autogen_sql_free(&nr);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static void
test_not_null_three_steps(void **state)
{
	struct rt_catalog *a = base(), *b = base();
	struct rt_autogen_sql up = { 0 };

	(void)state;
	col(b, "public.users", "score", "integer", 3, true, NULL);
	col(b, "public.users", "active", "boolean", 4, true, "true");
	rt_autogen_generate(a, b, NULL, &up);
	at(up.sql, "ALTER TABLE public.users ADD COLUMN score integer;\n"
	   "UPDATE public.users SET score = '0'::integer WHERE score IS NULL; -- TODO: backfill score"
	   ", then remove this comment\n"
	   "ALTER TABLE public.users ALTER COLUMN score SET NOT NULL;\n");
	/* with a server default: one step */
	at(up.sql, "ALTER TABLE public.users ADD COLUMN active boolean DEFAULT true NOT NULL;\n");
	rt_autogen_sql_free(&up);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static bool
no_cast(void *ctx, const char *from, const char *to)
{
	(void)ctx;
	(void)from;
	(void)to;
	return false;
}

static void
test_types_and_enums(void **state)
{
	struct rt_catalog *a = base(), *b = base();
	struct rt_autogen_sql up = { 0 }, down = { 0 };
	struct rt_autogen_opts o = { .has_cast = no_cast };

	(void)state;
	rt_catalog_add(a, RT_CAT_ENUM, "public", NULL, "mood", "'sad', 'ok'");
	rt_catalog_add(b, RT_CAT_ENUM, "public", NULL, "mood", "'sad', 'ok', 'happy'");
	col(a, "public.users", "feeling", "public.mood", 3, false, NULL);
	col(b, "public.users", "feeling", "public.mood", 3, false, "'happy'::public.mood");
	col(a, "public.users", "n", "text", 4, false, NULL);
	col(b, "public.users", "n", "integer", 4, false, NULL);
	/* the same base type: no cast needed */
	b->v[2].def = (free(b->v[2].def), rt_xstrdup("character varying(200)"));
	rt_autogen_generate(a, b, &o, &up);
	rt_autogen_generate(b, a, &o, &down);
	at(up.sql, "ALTER TYPE public.mood ADD VALUE 'happy' AFTER 'ok';\n");
	assert_true(up.needs_tx_off);
	at(up.sql, "ALTER TABLE public.users ALTER COLUMN feeling SET DEFAULT 'happy'::public.mood;");
	at(up.sql, "ALTER TABLE public.users ALTER COLUMN n TYPE integer USING n::integer; -- TODO:");
	at(up.sql, "ALTER TABLE public.users ALTER COLUMN email TYPE character varying(200) USING "
	   "email::character varying(200);\n");
	/* a value removed: the type recreated, the column moved over, its
	 * default (gone in a) dropped once */
	at(down.sql, "ALTER TYPE public.mood RENAME TO mood_old;\n"
	   "CREATE TYPE public.mood AS ENUM ('sad', 'ok');\n"
	   "ALTER TABLE public.users ALTER COLUMN feeling DROP DEFAULT;\n"
	   "ALTER TABLE public.users ALTER COLUMN feeling TYPE public.mood USING "
	   "feeling::text::public.mood;\n"
	   "DROP TYPE public.mood_old;\n");
	assert_null(strstr(strstr(down.sql, "DROP TYPE public.mood_old"), "DROP DEFAULT"));
	assert_null(strstr(down.sql, "TODO: type"));
	assert_false(down.needs_tx_off);
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* A new table with a serial column: its sequence before it, OWNED BY after;
 * the downgrade drops the table, which takes the sequence with it. */
static void
test_serial(void **state)
{
	struct rt_catalog *a = base(), *b = base();
	struct rt_autogen_sql up = { 0 }, down = { 0 };
	struct rt_cat_obj *o;

	(void)state;
	o = rt_catalog_add(b, RT_CAT_SEQUENCE, "public", NULL, "notes_id_seq",
			   "AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1");
	o->owned_by = rt_xstrdup("public.notes.id");
	rt_catalog_add(b, RT_CAT_TABLE, "public", NULL, "notes", "")->contype = 'r';
	col(b, "public.notes", "id", "integer", 1, true, "nextval('public.notes_id_seq'::regclass)");
	rt_catalog_add(b, RT_CAT_COMMENT, NULL, NULL, "TABLE public.notes", "'notes'");
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	assert_true(at(up.sql, "CREATE SEQUENCE public.notes_id_seq AS integer") <
		    at(up.sql, "CREATE TABLE public.notes ("));
	assert_true(at(up.sql, "CREATE TABLE public.notes (") <
		    at(up.sql, "ALTER SEQUENCE public.notes_id_seq OWNED BY public.notes.id;"));
	assert_true(at(up.sql, "OWNED BY public.notes.id;") <
		    at(up.sql, "COMMENT ON TABLE public.notes IS 'notes';"));
	assert_string_equal(down.sql, "DROP TABLE public.notes;\n");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* Removed and reordered enum values: recreated, with each column (arrays
 * too) moved over and its default set to the new one once; the way back
 * (values added in order) is ADD VALUE. */
static void
test_enum_remove(void **state)
{
	struct rt_catalog *a = base(), *b = base();
	struct rt_autogen_sql up = { 0 }, down = { 0 };

	(void)state;
	rt_catalog_add(a, RT_CAT_ENUM, "public", NULL, "level", "'low', 'mid', 'high'");
	rt_catalog_add(b, RT_CAT_ENUM, "public", NULL, "level", "'low', 'high'");
	rt_catalog_add(a, RT_CAT_ENUM, "public", NULL, "\"Order\"", "'a', 'b'");
	rt_catalog_add(b, RT_CAT_ENUM, "public", NULL, "\"Order\"", "'b', 'a'");
	col(a, "public.users", "lvl", "public.level", 3, false, "'mid'::public.level");
	col(b, "public.users", "lvl", "public.level", 3, false, "'low'::public.level");
	col(a, "public.users", "lvls", "public.level[]", 4, false, NULL);
	col(b, "public.users", "lvls", "public.level[]", 4, false, NULL);
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	at(up.sql, "ALTER TYPE public.level RENAME TO level_old;\n"
	   "CREATE TYPE public.level AS ENUM ('low', 'high');\n"
	   "ALTER TABLE public.users ALTER COLUMN lvl DROP DEFAULT;\n"
	   "ALTER TABLE public.users ALTER COLUMN lvl TYPE public.level USING "
	   "lvl::text::public.level;\n"
	   "ALTER TABLE public.users ALTER COLUMN lvl SET DEFAULT 'low'::public.level;\n"
	   "ALTER TABLE public.users ALTER COLUMN lvls TYPE public.level[] USING "
	   "lvls::text[]::public.level[];\n"
	   "DROP TYPE public.level_old;\n");
	/* the default is set once */
	assert_null(strstr(strstr(up.sql, "DROP TYPE public.level_old"), "lvl"));
	at(up.sql, "ALTER TYPE public.\"Order\" RENAME TO \"Order_old\";\n"
	   "CREATE TYPE public.\"Order\" AS ENUM ('b', 'a');\n"
	   "DROP TYPE public.\"Order_old\";\n");
	assert_false(up.needs_tx_off);
	at(down.sql, "ALTER TYPE public.level ADD VALUE 'mid' AFTER 'low';\n");
	at(down.sql, "ALTER TABLE public.users ALTER COLUMN lvl SET DEFAULT 'mid'::public.level;\n");
	at(down.sql, "CREATE TYPE public.\"Order\" AS ENUM ('a', 'b');\n");
	assert_true(down.needs_tx_off);
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static struct rt_cat_obj *
ident(struct rt_catalog *c, const char *name, int pos, char identity)
{
	struct rt_cat_obj *o = col(c, "public.users", name, "integer", pos, true, NULL);

	o->identity = identity;
	return o;
}

static struct rt_cat_obj *
generated(struct rt_catalog *c, const char *name, const char *type, int pos, const char *expr)
{
	struct rt_cat_obj *o = col(c, "public.users", name, type, pos, false, expr);

	o->is_generated = true;
	return o;
}

/* serial -> identity (and back), ALWAYS <-> BY DEFAULT, identity -> none,
 * a generation expression dropped, changed or added. */
static void
test_identity_generated(void **state)
{
	struct rt_catalog *a = rt_catalog_new(), *b = rt_catalog_new();
	struct rt_autogen_sql up = { 0 }, down = { 0 };
	struct rt_cat_obj *o;

	(void)state;
	rt_catalog_add(a, RT_CAT_TABLE, "public", NULL, "users", "")->contype = 'r';
	rt_catalog_add(b, RT_CAT_TABLE, "public", NULL, "users", "")->contype = 'r';
	o = rt_catalog_add(a, RT_CAT_SEQUENCE, "public", NULL, "users_id_seq",
			   "AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1");
	o->owned_by = rt_xstrdup("public.users.id");
	col(a, "public.users", "id", "integer", 1, true, "nextval('public.users_id_seq'::regclass)");
	ident(b, "id", 1, 'd');
	ident(a, "code", 2, 'a');
	ident(b, "code", 2, 'd');
	ident(a, "ref", 3, 'd');
	col(b, "public.users", "ref", "integer", 3, false, NULL);
	col(a, "public.users", "qty", "integer", 4, true, NULL);
	col(b, "public.users", "qty", "integer", 4, true, NULL);
	generated(a, "g2", "integer", 5, "(qty + 1)");
	col(b, "public.users", "g2", "integer", 5, false, NULL);
	generated(a, "total", "numeric", 6, "(qty * 2)");
	generated(b, "total", "numeric", 6, "(qty * 3)");
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	at(up.sql, "ALTER TABLE public.users ALTER COLUMN id DROP DEFAULT;\n"
	   "DROP SEQUENCE public.users_id_seq;\n"
	   "ALTER TABLE public.users ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;\n"
	   "SELECT setval(pg_get_serial_sequence('public.users', 'id'), max(id)) FROM "
	   "public.users;\n");
	assert_null(strstr(strstr(up.sql, "DROP SEQUENCE") + 1, "DROP SEQUENCE"));
	at(up.sql, "ALTER TABLE public.users ALTER COLUMN code SET GENERATED BY DEFAULT;\n");
	at(up.sql, "ALTER TABLE public.users ALTER COLUMN ref DROP IDENTITY;\n"
	   "ALTER TABLE public.users ALTER COLUMN ref DROP NOT NULL;\n");
	at(up.sql, "ALTER TABLE public.users ALTER COLUMN g2 DROP EXPRESSION;\n");
	at(up.sql, "-- column public.users.total: PostgreSQL cannot change a generation expression "
	   "in place:\n");
	at(up.sql, "ALTER TABLE public.users DROP COLUMN total;\n"
	   "ALTER TABLE public.users ADD COLUMN total numeric GENERATED ALWAYS AS ((qty * 3)) "
	   "STORED;\n");
	assert_null(strstr(up.sql, "TODO"));
	/* the way back */
	/* the serial's sequence after DROP IDENTITY, whose own may have its name */
	assert_true(at(down.sql, "ALTER TABLE public.users ALTER COLUMN id DROP IDENTITY;\n"
		       "CREATE SEQUENCE public.users_id_seq AS integer") <
		    at(down.sql, "ALTER TABLE public.users ALTER COLUMN id SET DEFAULT "
		       "nextval('public.users_id_seq'::regclass);\n"
		       "SELECT setval('public.users_id_seq'::regclass, max(id)) FROM public.users;\n"));
	assert_null(strstr(strstr(down.sql, "CREATE SEQUENCE") + 1, "CREATE SEQUENCE"));
	assert_true(at(down.sql, "SELECT setval('public.users_id_seq'") <
		    at(down.sql, "ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;\n"));
	at(down.sql, "ALTER TABLE public.users ALTER COLUMN code SET GENERATED ALWAYS;\n");
	at(down.sql, "ALTER TABLE public.users ALTER COLUMN ref SET NOT NULL;\n"
	   "ALTER TABLE public.users ALTER COLUMN ref ADD GENERATED BY DEFAULT AS IDENTITY;\n"
	   "SELECT setval(pg_get_serial_sequence('public.users', 'ref'), max(ref)) FROM "
	   "public.users;\n");
	at(down.sql, "-- column public.users.g2: PostgreSQL cannot add a generation expression in "
	   "place:\n");
	at(down.sql, "ALTER TABLE public.users DROP COLUMN g2;\n"
	   "ALTER TABLE public.users ADD COLUMN g2 integer GENERATED ALWAYS AS ((qty + 1)) STORED;\n");
	assert_null(strstr(down.sql, "DROP NOT NULL"));
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* Domains: default, NOT NULL and constraints altered in place (a marker
 * inside a string is no marker); a base type change stays a TODO. */
static void
test_domain(void **state)
{
	struct rt_catalog *a = rt_catalog_new(), *b = rt_catalog_new();
	struct rt_autogen_sql up = { 0 }, down = { 0 };

	(void)state;
	rt_catalog_add(a, RT_CAT_DOMAIN, "public", NULL, "score",
		       "integer DEFAULT 1 CONSTRAINT score_positive CHECK ((VALUE > 0))");
	rt_catalog_add(b, RT_CAT_DOMAIN, "public", NULL, "score",
		       "integer DEFAULT 2 NOT NULL CONSTRAINT score_small CHECK ((VALUE < 100))");
	rt_catalog_add(a, RT_CAT_DOMAIN, "public", NULL, "label",
		       "text DEFAULT 'x NOT NULL CONSTRAINT y'::text NOT NULL");
	rt_catalog_add(b, RT_CAT_DOMAIN, "public", NULL, "label",
		       "text NOT NULL CONSTRAINT \"a b\" CHECK ((VALUE <> 'NOT NULL'::text))");
	rt_catalog_add(a, RT_CAT_DOMAIN, "public", NULL, "code", "text");
	rt_catalog_add(b, RT_CAT_DOMAIN, "public", NULL, "code", "character varying(10)");
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	at(up.sql, "ALTER DOMAIN public.score DROP CONSTRAINT score_positive;\n"
	   "ALTER DOMAIN public.score SET DEFAULT 2;\n"
	   "ALTER DOMAIN public.score SET NOT NULL;\n"
	   "ALTER DOMAIN public.score ADD CONSTRAINT score_small CHECK ((VALUE < 100));\n");
	at(up.sql, "ALTER DOMAIN public.label DROP DEFAULT;\n"
	   "ALTER DOMAIN public.label ADD CONSTRAINT \"a b\" CHECK ((VALUE <> 'NOT NULL'::text));\n");
	assert_null(strstr(up.sql, "label SET NOT NULL"));
	at(up.sql, "-- TODO: domain public.code changed its base type or collation (text -> "
	   "character varying(10))");
	assert_null(strstr(up.sql, "ALTER DOMAIN public.code"));
	at(down.sql, "ALTER DOMAIN public.score DROP CONSTRAINT score_small;\n"
	   "ALTER DOMAIN public.score SET DEFAULT 1;\n"
	   "ALTER DOMAIN public.score DROP NOT NULL;\n"
	   "ALTER DOMAIN public.score ADD CONSTRAINT score_positive CHECK ((VALUE > 0));\n");
	at(down.sql, "ALTER DOMAIN public.label DROP CONSTRAINT \"a b\";\n"
	   "ALTER DOMAIN public.label SET DEFAULT 'x NOT NULL CONSTRAINT y'::text;\n");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* A composite type changed in place when its kept attributes keep their
 * order and new ones come last; dropped and made again otherwise. */
static void
test_composite(void **state)
{
	struct rt_catalog *a = rt_catalog_new(), *b = rt_catalog_new();
	struct rt_autogen_sql up = { 0 }, down = { 0 };

	(void)state;
	rt_catalog_add(a, RT_CAT_TYPE, "public", NULL, "addr",
		       "AS (street text, \"zip, code\" numeric(5,0), city text)");
	rt_catalog_add(b, RT_CAT_TYPE, "public", NULL, "addr",
		       "AS (street text, \"zip, code\" numeric(9,0), country text COLLATE \"C\")");
	rt_catalog_add(a, RT_CAT_TYPE, "public", NULL, "pair", "AS (x integer, y integer)");
	rt_catalog_add(b, RT_CAT_TYPE, "public", NULL, "pair", "AS (y integer, x integer)");
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	at(up.sql, "ALTER TYPE public.addr DROP ATTRIBUTE city;\n"
	   "ALTER TYPE public.addr ALTER ATTRIBUTE \"zip, code\" TYPE numeric(9,0);\n"
	   "ALTER TYPE public.addr ADD ATTRIBUTE country text COLLATE \"C\";\n");
	assert_null(strstr(up.sql, "DROP TYPE public.addr"));
	/* reordered: no ALTER reaches it */
	at(up.sql, "DROP TYPE public.pair;");
	at(up.sql, "CREATE TYPE public.pair AS (y integer, x integer);");
	at(down.sql, "ALTER TYPE public.addr DROP ATTRIBUTE country;\n"
	   "ALTER TYPE public.addr ALTER ATTRIBUTE \"zip, code\" TYPE numeric(5,0);\n"
	   "ALTER TYPE public.addr ADD ATTRIBUTE city text;\n");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* places (id, home addr, homes addr[], p pair) with addr and pair as given. */
static struct rt_catalog *
places(const char *addr, const char *pair)
{
	struct rt_catalog *c = rt_catalog_new();

	rt_catalog_add(c, RT_CAT_TYPE, "public", NULL, "addr", addr);
	rt_catalog_add(c, RT_CAT_TYPE, "public", NULL, "pair", pair);
	rt_catalog_add(c, RT_CAT_COMMENT, NULL, NULL, "TYPE public.pair", "'two ints'");
	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "places", "")->contype = 'r';
	col(c, "public.places", "id", "integer", 1, true, NULL);
	col(c, "public.places", "home", "public.addr", 2, false, NULL);
	col(c, "public.places", "homes", "public.addr[]", 3, false, NULL);
	col(c, "public.places", "p", "public.pair", 4, false, "'(1,2)'::public.pair");
	return c;
}

/* A composite type a column uses: an attribute inserted in the middle and
 * one retyped, or the attributes reordered, recreate it under its name with
 * the columns moved over by attribute name (arrays through a function of
 * the session); the way back is the same dance. */
static void
test_composite_used(void **state)
{
	struct rt_catalog *a = places("AS (street text, zip numeric(5,0), city text)",
				      "AS (x integer, y integer)");
	struct rt_catalog *b = places("AS (street text, country text, zip numeric(9,0), city text)",
				      "AS (y integer, x integer)");
	struct rt_autogen_sql up = { 0 }, down = { 0 };

	(void)state;
	/* a partitioned table: its partition's column moves with it */
	for (int k = 0; k < 2; k++) {
		struct rt_catalog *c = k ? b : a;
		struct rt_cat_obj *o;

		rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "visits",
			       "PARTITION BY RANGE (id)")->contype = 'p';
		o = rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "visits_1",
				   "public.visits FOR VALUES FROM (0) TO (10)");
		o->contype = 'r';
		o->is_partition = true;
		col(c, "public.visits", "id", "integer", 1, true, NULL);
		col(c, "public.visits", "at", "public.addr", 2, false, NULL);
		col(c, "public.visits_1", "id", "integer", 1, true, NULL);
		col(c, "public.visits_1", "at", "public.addr", 2, false, NULL);
	}
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	assert_null(strstr(up.sql, "ALTER TABLE public.visits_1"));
	at(up.sql, "-- type public.addr: columns use it and ALTER TYPE cannot reorder, insert or "
	   "retype its attributes then:\n");
	at(up.sql, "ALTER TYPE public.addr RENAME TO addr_old;\n"
	   "CREATE TYPE public.addr AS (street text, country text, zip numeric(9,0), city text);\n"
	   "ALTER TABLE public.places ALTER COLUMN home TYPE public.addr USING CASE WHEN "
	   "num_nulls(home) = 1 THEN NULL ELSE ROW((home).street, NULL, (home).zip::numeric(9,0), "
	   "(home).city)::public.addr END;\n"
	   "CREATE FUNCTION pg_temp.retort_conv(public.addr_old[]) RETURNS public.addr[] LANGUAGE "
	   "sql AS $retort$SELECT CASE WHEN $1 IS NULL THEN NULL ELSE coalesce(array_agg(CASE WHEN "
	   "num_nulls($1[i]) = 1 THEN NULL ELSE ROW(($1[i]).street, NULL, ($1[i]).zip::numeric(9,0), "
	   "($1[i]).city)::public.addr END ORDER BY i), '{}') END FROM generate_subscripts($1, 1) AS "
	   "i$retort$;\n"
	   "ALTER TABLE public.places ALTER COLUMN homes TYPE public.addr[] USING "
	   "pg_temp.retort_conv(homes);\n"
	   "ALTER TABLE public.visits ALTER COLUMN at TYPE public.addr USING CASE WHEN "
	   "num_nulls(at) = 1 THEN NULL ELSE ROW((at).street, NULL, (at).zip::numeric(9,0), "
	   "(at).city)::public.addr END;\n"
	   "DROP FUNCTION pg_temp.retort_conv(public.addr_old[]);\n"
	   "DROP TYPE public.addr_old;\n");
	/* reordered; the default dropped and set again once; the comment made again */
	at(up.sql, "ALTER TYPE public.pair RENAME TO pair_old;\n"
	   "CREATE TYPE public.pair AS (y integer, x integer);\n"
	   "ALTER TABLE public.places ALTER COLUMN p DROP DEFAULT;\n"
	   "ALTER TABLE public.places ALTER COLUMN p TYPE public.pair USING CASE WHEN "
	   "num_nulls(p) = 1 THEN NULL ELSE ROW((p).y, (p).x)::public.pair END;\n"
	   "ALTER TABLE public.places ALTER COLUMN p SET DEFAULT '(1,2)'::public.pair;\n"
	   "DROP TYPE public.pair_old;\n");
	assert_null(strstr(strstr(up.sql, "DROP TYPE public.pair_old"), "ALTER COLUMN p"));
	assert_true(at(up.sql, "DROP TYPE public.pair_old;") <
		    at(up.sql, "COMMENT ON TYPE public.pair IS 'two ints';"));
	assert_null(strstr(up.sql, "ATTRIBUTE"));
	assert_null(strstr(up.sql, "DROP TYPE public.addr;"));
	assert_null(strstr(up.sql, "TODO"));
	/* the way back: the same dance, the inserted attribute left out */
	at(down.sql, "CREATE TYPE public.addr AS (street text, zip numeric(5,0), city text);\n"
	   "ALTER TABLE public.places ALTER COLUMN home TYPE public.addr USING CASE WHEN "
	   "num_nulls(home) = 1 THEN NULL ELSE ROW((home).street, (home).zip::numeric(5,0), "
	   "(home).city)::public.addr END;\n");
	at(down.sql, "ROW((p).x, (p).y)::public.pair END;\n");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* A column uses the type: an attribute retyped without a known cast is a
 * TODO; only attributes added at the end (or dropped) stay ALTER TYPE. */
static void
test_composite_used_cast(void **state)
{
	struct rt_catalog *a = places("AS (street text, zip numeric(5,0))", "AS (x integer)");
	struct rt_catalog *b = places("AS (street text, zip text)", "AS (x integer, y integer)");
	struct rt_autogen_sql up = { 0 }, down = { 0 };
	struct rt_autogen_opts o = { .has_cast = no_cast };

	(void)state;
	rt_autogen_generate(a, b, &o, &up);
	rt_autogen_generate(b, a, &o, &down);
	at(up.sql, "ROW((home).street, (home).zip::text)::public.addr END;\n");
	at(up.sql, "-- TODO: type public.addr: no cast is known for attribute zip's new type: "
	   "check the USING expressions above\n");
	at(up.sql, "ALTER TYPE public.pair ADD ATTRIBUTE y integer;\n");
	assert_null(strstr(up.sql, "pair RENAME"));
	at(down.sql, "ALTER TYPE public.pair DROP ATTRIBUTE y;\n");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* orders (id, status) with status an enum, read by a view, a view on that
 * view, a materialized view with an index and a comment, a partial index
 * and a check; labels are the enum's. */
static struct rt_catalog *
orders(const char *labels)
{
	struct rt_catalog *c = base();
	struct rt_cat_obj *o;

	rt_catalog_add(c, RT_CAT_ENUM, "public", NULL, "status", labels);
	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "orders", "")->contype = 'r';
	col(c, "public.orders", "id", "integer", 1, true, NULL);
	col(c, "public.orders", "status", "public.status", 2, true, "'new'::public.status");
	con(c, RT_CAT_CONSTRAINT, "public.orders", "ck_orders_status", 'c',
	    "CHECK ((status <> 'gone'::public.status) OR (id > 1))", "status,id");
	con(c, RT_CAT_INDEX, "public.orders", "ix_orders_live", 0,
	    "CREATE INDEX ix_orders_live ON public.orders USING btree (id) WHERE "
	    "(status <> 'gone'::public.status)", "id")->schema = rt_xstrdup("public");
	con(c, RT_CAT_INDEX, "public.orders", "ix_orders_id", 0,
	    "CREATE INDEX ix_orders_id ON public.orders USING btree (id)", "id")
		->schema = rt_xstrdup("public");
	con(c, RT_CAT_INDEX, "public.users", "ix_users_email", 0,
	    "CREATE INDEX ix_users_email ON public.users USING btree (email)", "email")
		->schema = rt_xstrdup("public");
	/* "a_ids" sorts before what it reads */
	rt_catalog_add(c, RT_CAT_VIEW, "public", NULL, "order_list",
		       " SELECT orders.id,\n    orders.status\n   FROM public.orders;");
	rt_catalog_add(c, RT_CAT_VIEW, "public", NULL, "a_ids",
		       " SELECT order_list.id\n   FROM public.order_list;");
	rt_catalog_add(c, RT_CAT_VIEW, "public", NULL, "emails",
		       " SELECT users.email\n   FROM public.users;");
	rt_catalog_add(c, RT_CAT_MATVIEW, "public", NULL, "order_counts",
		       " SELECT orders.status,\n    count(*) AS n\n   FROM public.orders\n"
		       "  GROUP BY orders.status;");
	o = con(c, RT_CAT_INDEX, "public.order_counts", "ix_order_counts", 'm',
		"CREATE UNIQUE INDEX ix_order_counts ON public.order_counts USING btree (status)",
		"status");
	o->schema = rt_xstrdup("public");
	rt_catalog_add(c, RT_CAT_COMMENT, NULL, NULL, "MATERIALIZED VIEW public.order_counts",
		       "'counts'");
	rt_catalog_add(c, RT_CAT_COMMENT, NULL, NULL, "COLUMN public.order_list.status",
		       "'the status'");
	rt_catalog_add(c, RT_CAT_COMMENT, NULL, NULL, "INDEX public.ix_orders_live", "'live'");
	rt_catalog_add(c, RT_CAT_COMMENT, NULL, NULL,
		       "CONSTRAINT ck_orders_status ON public.orders", "'no gone'");
	rt_catalog_add(c, RT_CAT_COMMENT, NULL, NULL, "INDEX public.ix_orders_id", "'by id'");
	/* stages (st) referenced by stage_log (st), both of the enum */
	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "stages", "")->contype = 'r';
	col(c, "public.stages", "st", "public.status", 1, true, NULL);
	con(c, RT_CAT_CONSTRAINT, "public.stages", "stages_pkey", 'p', "PRIMARY KEY (st)", "st");
	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "stage_log", "")->contype = 'r';
	col(c, "public.stage_log", "id", "integer", 1, true, NULL);
	col(c, "public.stage_log", "st", "public.status", 2, false, NULL);
	con(c, RT_CAT_FKEY, "public.stage_log", "stage_log_st_fkey", 'f',
	    "FOREIGN KEY (st) REFERENCES public.stages(st)", "st");
	con(c, RT_CAT_FKEY, "public.stage_log", "stage_log_id_fkey", 'f',
	    "FOREIGN KEY (id) REFERENCES public.users(id)", "id");
	return c;
}

/* An enum value removed: the views, the materialized view (its index and
 * comment), the check and the partial index reading the column are dropped
 * before the type is recreated and created again after, a view on a view in
 * dependency order; what does not read it is left alone. */
static void
test_enum_dependents(void **state)
{
	struct rt_catalog *a = orders("'new', 'old', 'gone'"), *b = orders("'new', 'gone'");
	struct rt_autogen_sql up = { 0 }, down = { 0 };
	size_t rename;

	(void)state;
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	at(up.sql, "-- columns change type under what reads them; dropped here and created again "
	   "after:\n--   view public.order_list\n");
	at(up.sql, "--   view public.a_ids\n");
	at(up.sql, "--   materialized view public.order_counts\n");
	at(up.sql, "--   constraint ck_orders_status on public.orders\n");
	at(up.sql, "--   index public.ix_orders_live\n");
	rename = at(up.sql, "ALTER TYPE public.status RENAME TO status_old;\n");
	/* the view on the view first */
	assert_true(at(up.sql, "DROP VIEW public.a_ids;\n") <
		    at(up.sql, "DROP VIEW public.order_list;\n"));
	assert_true(at(up.sql, "DROP VIEW public.order_list;\n") < rename);
	assert_true(at(up.sql, "DROP MATERIALIZED VIEW public.order_counts;\n") < rename);
	assert_true(at(up.sql, "DROP INDEX public.ix_orders_live;\n") < rename);
	assert_true(at(up.sql, "ALTER TABLE public.orders DROP CONSTRAINT ck_orders_status;\n") <
		    rename);
	/* the matview's index goes with it */
	assert_null(strstr(up.sql, "DROP INDEX public.ix_order_counts"));
	at(up.sql, "ALTER TABLE public.orders ALTER COLUMN status DROP DEFAULT;\n"
	   "ALTER TABLE public.orders ALTER COLUMN status TYPE public.status USING "
	   "status::text::public.status;\n"
	   "ALTER TABLE public.orders ALTER COLUMN status SET DEFAULT 'new'::public.status;\n");
	at(up.sql, "ALTER TABLE public.stage_log ALTER COLUMN st TYPE public.status USING "
	   "st::text::public.status;\n"
	   "ALTER TABLE public.stages ALTER COLUMN st TYPE public.status USING "
	   "st::text::public.status;\n"
	   "DROP TYPE public.status_old;\n");
	rename = at(up.sql, "DROP TYPE public.status_old;\n");
	assert_true(rename < at(up.sql, "ALTER TABLE public.orders ADD CONSTRAINT ck_orders_status "
				"CHECK ((status <> 'gone'::public.status) OR (id > 1));\n"));
	assert_true(rename < at(up.sql, "CREATE INDEX ix_orders_live ON public.orders USING btree "
				"(id) WHERE (status <> 'gone'::public.status);\n"));
	assert_true(rename < at(up.sql, "CREATE VIEW public.order_list AS\n"));
	assert_true(at(up.sql, "CREATE VIEW public.order_list AS\n") <
		    at(up.sql, "CREATE VIEW public.a_ids AS\n"));
	assert_true(at(up.sql, "CREATE MATERIALIZED VIEW public.order_counts AS\n") <
		    at(up.sql, "CREATE UNIQUE INDEX ix_order_counts ON public.order_counts USING "
		       "btree (status);\n"));
	assert_true(at(up.sql, "CREATE UNIQUE INDEX ix_order_counts") <
		    at(up.sql, "COMMENT ON MATERIALIZED VIEW public.order_counts IS 'counts';\n"));
	assert_true(at(up.sql, "CREATE VIEW public.order_list AS\n") <
		    at(up.sql, "COMMENT ON COLUMN public.order_list.status IS 'the status';\n"));
	assert_true(at(up.sql, "CREATE INDEX ix_orders_live") <
		    at(up.sql, "COMMENT ON INDEX public.ix_orders_live IS 'live';\n"));
	assert_true(at(up.sql, "ADD CONSTRAINT ck_orders_status") <
		    at(up.sql, "COMMENT ON CONSTRAINT ck_orders_status ON public.orders IS "
		       "'no gone';\n"));
	/* a foreign key between two columns of the type */
	assert_true(at(up.sql, "ALTER TABLE public.stage_log DROP CONSTRAINT stage_log_st_fkey;\n") <
		    rename);
	assert_true(rename < at(up.sql, "ALTER TABLE public.stage_log ADD CONSTRAINT "
				"stage_log_st_fkey FOREIGN KEY (st) REFERENCES public.stages(st);\n"));
	at(up.sql, "--   foreign key stage_log_st_fkey on public.stage_log\n");
	assert_null(strstr(up.sql, "stage_log_id_fkey"));
	assert_null(strstr(up.sql, "stages_pkey"));
	/* left alone: another table's view and index, an index not reading it */
	assert_null(strstr(up.sql, "public.emails"));
	assert_null(strstr(up.sql, "ix_users_email"));
	assert_null(strstr(up.sql, "ix_orders_id"));
	assert_false(up.needs_tx_off);
	{
		struct rt_catalog *c = base(), *d = orders("'new'");
		struct rt_autogen_sql gone = { 0 };

		/* two tables dropped, one referencing the other: its foreign key
		 * first (the tables go in name order) */
		rt_autogen_generate(d, c, NULL, &gone);
		assert_true(at(gone.sql, "ALTER TABLE public.stage_log DROP CONSTRAINT "
			       "stage_log_st_fkey;\n") < at(gone.sql, "DROP TABLE public.stages;\n"));
		assert_null(strstr(gone.sql, "stage_log_id_fkey"));
		rt_autogen_sql_free(&gone);
		rt_catalog_free(c);
		rt_catalog_free(d);
	}
	/* the way back adds the value in place: nothing to drop */
	assert_string_equal(down.sql, "ALTER TYPE public.status ADD VALUE 'old' AFTER 'new';\n");
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* A plain type change under a view: the view is dropped and made again (the
 * server refuses to change a column a view reads); its index is not. */
/* A partitioned table and a partition of it on both sides: the changes to
 * its columns are written on the partitioned table only (the server carries
 * them on), a partition's own default on it, after. */
static struct rt_catalog *
events(const char *ntype, bool with_note, const char *own_default)
{
	struct rt_catalog *c = rt_catalog_new();
	struct rt_cat_obj *o;

	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "events",
		       "PARTITION BY RANGE (id)")->contype = 'p';
	o = rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "\"events 1\"",
			   "public.events FOR VALUES FROM (0) TO (10)");
	o->contype = 'r';
	o->is_partition = true;
	col(c, "public.events", "id", "integer", 1, true, NULL);
	col(c, "public.events", "n", ntype, 2, false, NULL);
	col(c, "public.\"events 1\"", "id", "integer", 1, true, NULL);
	col(c, "public.\"events 1\"", "n", ntype, 2, false, NULL);
	if (with_note) {
		col(c, "public.events", "note", "text", 3, false, NULL);
		col(c, "public.\"events 1\"", "note", "text", 3, false, own_default);
	}
	rt_catalog_sort(c);
	return c;
}

static void
test_partition_columns(void **state)
{
	struct rt_catalog *a = events("integer", false, NULL), *b = events("bigint", true, "'x'::text");
	struct rt_autogen_sql up = { 0 }, down = { 0 };

	(void)state;
	rt_autogen_generate(a, b, NULL, &up);
	rt_autogen_generate(b, a, NULL, &down);
	at(up.sql, "ALTER TABLE public.events ALTER COLUMN n TYPE bigint USING n::bigint;");
	assert_true(at(up.sql, "ALTER TABLE public.events ADD COLUMN note text;\n") <
		    at(up.sql, "ALTER TABLE public.\"events 1\" ALTER COLUMN note SET DEFAULT "
		       "'x'::text;\n"));
	assert_null(strstr(up.sql, "ALTER TABLE public.\"events 1\" ALTER COLUMN n "));
	assert_null(strstr(up.sql, "ALTER TABLE public.\"events 1\" ADD"));
	at(down.sql, "ALTER TABLE public.events DROP COLUMN note;\n");
	assert_null(strstr(down.sql, "\"events 1\""));
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static void
test_retype_view(void **state)
{
	struct rt_catalog *a = orders("'new'"), *b = orders("'new'");

	struct rt_autogen_sql up = { 0 };

	(void)state;
	b->v[2].def = (free(b->v[2].def), rt_xstrdup("character varying(200)"));
	rt_autogen_generate(a, b, NULL, &up);
	assert_true(at(up.sql, "DROP VIEW public.emails;\n") <
		    at(up.sql, "ALTER TABLE public.users ALTER COLUMN email TYPE character "
		       "varying(200)"));
	assert_true(at(up.sql, "ALTER TABLE public.users ALTER COLUMN email TYPE") <
		    at(up.sql, "CREATE VIEW public.emails AS\n"));
	assert_null(strstr(up.sql, "ix_users_email"));
	assert_null(strstr(up.sql, "order_list"));
	rt_autogen_sql_free(&up);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_change),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_not_null_three_steps),
		cmocka_unit_test(test_types_and_enums),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_enum_remove),
		cmocka_unit_test(test_identity_generated),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_composite),
		cmocka_unit_test(test_composite_used),
		cmocka_unit_test(test_composite_used_cast),
		cmocka_unit_test(test_enum_dependents),
		cmocka_unit_test(test_retype_view),
		cmocka_unit_test(test_partition_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
