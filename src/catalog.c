/* catalog.c - reading a schema model from pg_catalog (rt_catalog.h): one
 * query per kind of object, all sent in one round trip inside a read-only
 * repeatable-read transaction with an empty search_path (so every user
 * object comes back schema-qualified). Rendering and diffing: catalog_fmt.c. */
#include "config.h"
#include "rt_catalog.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"

/* Namespaces that hold user objects. */
#define NSP_OK(n) \
	" " n ".nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')" \
	" AND " n ".nspname NOT LIKE 'pg\\_temp\\_%' AND " n ".nspname NOT LIKE 'pg\\_toast\\_temp\\_%' "
/* Not a member of an extension (its objects belong to CREATE EXTENSION). */
#define NOT_EXT(cls, oid) \
	" NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '" cls "'::regclass" \
	" AND xd.objid = " oid " AND xd.deptype = 'e') "
#define QN(n, c) "quote_ident(" n ".nspname) || '.' || quote_ident(" c ".relname)"
/* A partial read's filter: the text between {{ and }} is kept in the
 * prepared partial reads and left out of whole reads. SCOPE is the set of
 * anchors the shadow's change log holds (rt_schema_build_track), a stable
 * value, so the catalogs are read through their oid indexes. */
#define SCOPE_ARR "pg_catalog.string_to_array(pg_catalog.current_setting('rt.touched'), ',', '')::oid[]"
#define SCOPE "ANY (" SCOPE_ARR ")"
#define IN_SCOPE(x) "{{ AND " x " = " SCOPE "}}"
/* The same for a part (x, its table's oid) joined with its table (c, its
 * oid): the filter on both, or a generic plan made while the shadow was
 * small may reach the table through a scan of all of pg_class. */
#define IN_SCOPE_REL(x, c) "{{ AND " x " = " SCOPE " AND " c " = " SCOPE "}}"

/* The queries, in the order of the results; %1$s is the set of excluded
 * table oids (retort's own). */
enum {
	Q_SCHEMA, Q_EXT, Q_ENUM, Q_DOMAIN, Q_SEQ, Q_TABLE, Q_COLUMN, Q_CONSTRAINT, Q_INDEX,
	Q_FUNCTION, Q_VIEW, Q_TRIGGER, Q_COMMENT, Q_TYPE, Q_POLICY, Q_RLS, Q_N
};

static const char *const queries[Q_N] = {
	[Q_SCHEMA] =
	"SELECT quote_ident(n.nspname), n.oid AS anchor FROM pg_namespace n WHERE" NSP_OK("n")
	" AND n.nspname <> 'public' AND" NOT_EXT("pg_namespace", "n.oid") IN_SCOPE("n.oid"),
	[Q_EXT] =
	"SELECT quote_ident(e.extname), quote_ident(n.nspname), e.oid AS anchor FROM pg_extension e"
	" JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'"
	IN_SCOPE("e.oid"),
	[Q_ENUM] =
	"SELECT quote_ident(n.nspname), quote_ident(t.typname),"
	" (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)"
	"  FROM pg_enum e WHERE e.enumtypid = t.oid), t.oid AS anchor"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE t.typtype = 'e' AND" NSP_OK("n") "AND" NOT_EXT("pg_type", "t.oid") IN_SCOPE("t.oid"),
	[Q_DOMAIN] =
	"SELECT quote_ident(n.nspname), quote_ident(t.typname),"
	" format_type(t.typbasetype, t.typtypmod)"
	" || CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation"
	"    THEN ' COLLATE ' || t.typcollation::regcollation::text ELSE '' END"
	" || coalesce(' DEFAULT ' || pg_get_expr(t.typdefaultbin, 0), '')"
	" || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END"
	" || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' '"
	"    || pg_get_constraintdef(k.oid), '' ORDER BY k.conname) FROM pg_constraint k"
	"    WHERE k.contypid = t.oid AND k.contype = 'c'), ''), t.oid AS anchor"
	" FROM pg_type t JOIN pg_type bt ON bt.oid = t.typbasetype"
	" JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE t.typtype = 'd' AND" NSP_OK("n") "AND" NOT_EXT("pg_type", "t.oid") IN_SCOPE("t.oid"),
	[Q_SEQ] =
	"SELECT quote_ident(n.nspname), quote_ident(c.relname),"
	" 'AS ' || format_type(s.seqtypid, NULL) || ' INCREMENT BY ' || s.seqincrement"
	" || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' START WITH ' || s.seqstart"
	" || ' CACHE ' || s.seqcache || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END,"
	" (SELECT " QN("tn", "tc") " || '.' || quote_ident(a.attname) FROM pg_depend d"
	"  JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace"
	"  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
	"  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid"
	"  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' LIMIT 1), c.oid AS anchor"
	" FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind = 'S' AND" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid")
	" AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
	"  AND d.objid = c.oid AND (d.deptype = 'i' OR (d.deptype = 'a' AND d.refobjid IN %1$s)))"
	IN_SCOPE("c.oid"),
	[Q_TABLE] =
	"SELECT quote_ident(n.nspname), quote_ident(c.relname), c.relkind, c.relpersistence,"
	" c.relispartition, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,"
	" CASE WHEN c.relispartition THEN (SELECT " QN("pn", "p") " FROM pg_inherits i"
	"  JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace"
	"  WHERE i.inhrelid = c.oid LIMIT 1) || ' ' || pg_get_expr(c.relpartbound, c.oid) END,"
	" c.oid AS anchor FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid")
	" AND c.oid NOT IN %1$s" IN_SCOPE("c.oid"),
	[Q_COLUMN] =
	"SELECT " QN("n", "c") ", quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),"
	" CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation"
	"  THEN a.attcollation::regcollation::text END,"
	" a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid),"
	" row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum), a.attrelid AS anchor"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid"
	" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND" NSP_OK("n")
	" AND" NOT_EXT("pg_class", "c.oid") "AND c.oid NOT IN %1$s" IN_SCOPE_REL("a.attrelid", "c.oid"),
	[Q_CONSTRAINT] =
	"SELECT " QN("n", "c") ", quote_ident(k.conname), k.contype, pg_get_constraintdef(k.oid),"
	" (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY x.ord)"
	"  FROM unnest(k.conkey) WITH ORDINALITY x(attnum, ord)"
	"  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum),"
	" k.conrelid AS anchor FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE k.contype IN ('p', 'u', 'c', 'x', 'f') AND k.conparentid = 0 AND k.conislocal"
	" AND" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid") "AND c.oid NOT IN %1$s"
	IN_SCOPE_REL("k.conrelid", "c.oid"),
	[Q_INDEX] =
	"SELECT quote_ident(n.nspname), quote_ident(ic.relname), " QN("n", "c") ","
	" pg_get_indexdef(i.indexrelid), c.relkind,"
	/* each key column's name looked up by itself: a join here is planned as a
	 * hash of the table's columns built once per index */
	" (SELECT string_agg(CASE WHEN x.attnum = 0 THEN '' ELSE quote_ident((SELECT a.attname"
	"   FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = x.attnum)) END, ','"
	"   ORDER BY x.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY x(attnum, ord)"
	"  WHERE x.ord <= i.indnkeyatts), i.indrelid AS anchor"
	" FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
	" JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p', 'm') AND" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid")
	" AND c.oid NOT IN %1$s"
	" AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
	"  AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))"
	" AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)"
	IN_SCOPE_REL("i.indrelid", "c.oid"),
	[Q_FUNCTION] =
	"SELECT quote_ident(n.nspname), quote_ident(p.proname) || '('"
	" || pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid),"
	" p.oid AS anchor FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE p.prokind IN ('f', 'p') AND" NSP_OK("n") "AND" NOT_EXT("pg_proc", "p.oid")
	/* not a range type's constructors: they belong to CREATE TYPE */
	" AND NOT EXISTS (SELECT 1 FROM pg_depend fd WHERE fd.classid = 'pg_proc'::regclass"
	"  AND fd.objid = p.oid AND fd.deptype = 'i')"
	IN_SCOPE("p.oid"),
	[Q_VIEW] =
	"SELECT quote_ident(n.nspname), quote_ident(c.relname), c.relkind, pg_get_viewdef(c.oid),"
	" c.oid AS anchor"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('v', 'm') AND" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid")
	IN_SCOPE("c.oid"),
	[Q_TRIGGER] =
	"SELECT quote_ident(n.nspname), " QN("n", "c") ", quote_ident(t.tgname),"
	" pg_get_triggerdef(t.oid), t.tgrelid AS anchor"
	" FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND" NSP_OK("n")
	" AND" NOT_EXT("pg_class", "c.oid") "AND c.oid NOT IN %1$s" IN_SCOPE_REL("t.tgrelid", "c.oid"),
	[Q_COMMENT] =
	"SELECT w, quote_literal(d), anchor FROM ("
	" SELECT CASE WHEN dd.objsubid > 0 THEN 'COLUMN ' || " QN("n", "c") " || '.'"
	"  || quote_ident(a.attname) ELSE CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm'"
	"  THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'i' THEN 'INDEX'"
	"  WHEN 'I' THEN 'INDEX' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END"
	"  || ' ' || " QN("n", "c") " END AS w, dd.description AS d,"
	"  coalesce((SELECT xi.indrelid FROM pg_index xi WHERE xi.indexrelid = c.oid), c.oid) AS anchor"
	" FROM pg_description dd JOIN pg_class c ON dd.classoid = 'pg_class'::regclass"
	"  AND dd.objoid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dd.objsubid"
	" WHERE" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid") "AND c.oid NOT IN %1$s"
	"  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = c.oid AND i.indrelid IN %1$s)"
	"  {{ AND dd.objoid = ANY (pg_catalog.array_cat(" SCOPE_ARR ", ARRAY(SELECT si.indexrelid"
	"   FROM pg_index si WHERE si.indrelid = " SCOPE ")))}}"
	" UNION ALL"
	" SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END"
	"  || quote_ident(n.nspname) || '.' || quote_ident(t.typname), dd.description,"
	"  CASE WHEN t.typrelid <> 0 THEN t.typrelid ELSE t.oid END"
	" FROM pg_description dd JOIN pg_type t ON dd.classoid = 'pg_type'::regclass"
	"  AND dd.objoid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE" NSP_OK("n") "AND" NOT_EXT("pg_type", "t.oid")
	"  {{ AND dd.objoid = ANY (pg_catalog.array_cat(" SCOPE_ARR ", ARRAY(SELECT sc.reltype"
	"   FROM pg_class sc WHERE sc.oid = " SCOPE ")))}}"
	" UNION ALL"
	" SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END"
	"  || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('"
	"  || pg_get_function_identity_arguments(p.oid) || ')', dd.description, p.oid"
	" FROM pg_description dd JOIN pg_proc p ON dd.classoid = 'pg_proc'::regclass"
	"  AND dd.objoid = p.oid JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE" NSP_OK("n") "AND" NOT_EXT("pg_proc", "p.oid") IN_SCOPE("dd.objoid")
	" UNION ALL"
	" SELECT 'SCHEMA ' || quote_ident(n.nspname), dd.description, n.oid"
	" FROM pg_description dd JOIN pg_namespace n ON dd.classoid = 'pg_namespace'::regclass"
	"  AND dd.objoid = n.oid WHERE" NSP_OK("n") "AND n.nspname <> 'public'" IN_SCOPE("dd.objoid")
	" UNION ALL"
	" SELECT CASE WHEN k.contypid <> 0 THEN 'CONSTRAINT ' || quote_ident(k.conname)"
	"  || ' ON DOMAIN ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname)"
	"  ELSE 'CONSTRAINT ' || quote_ident(k.conname) || ' ON ' || " QN("n", "c") " END,"
	"  dd.description, CASE WHEN k.contypid <> 0 THEN k.contypid ELSE k.conrelid END"
	" FROM pg_description dd JOIN pg_constraint k ON dd.classoid = 'pg_constraint'::regclass"
	"  AND dd.objoid = k.oid JOIN pg_namespace n ON n.oid = k.connamespace"
	" LEFT JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_type t ON t.oid = k.contypid"
	" WHERE" NSP_OK("n") "AND k.conrelid NOT IN %1$s"
	"  {{ AND k.oid = ANY (ARRAY(SELECT sk.oid FROM pg_constraint sk WHERE sk.conrelid = " SCOPE ")"
	"   || ARRAY(SELECT sk.oid FROM pg_constraint sk WHERE sk.contypid = " SCOPE "))}}"
	" UNION ALL"
	" SELECT 'TRIGGER ' || quote_ident(tg.tgname) || ' ON ' || " QN("n", "c") ", dd.description,"
	"  tg.tgrelid"
	" FROM pg_description dd JOIN pg_trigger tg ON dd.classoid = 'pg_trigger'::regclass"
	"  AND dd.objoid = tg.oid JOIN pg_class c ON c.oid = tg.tgrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE" NSP_OK("n") "AND c.oid NOT IN %1$s"
	IN_SCOPE_REL("tg.tgrelid", "c.oid")
	") s",
	[Q_TYPE] =
	"SELECT quote_ident(n.nspname), quote_ident(t.typname), CASE t.typtype WHEN 'c' THEN"
	" 'AS (' || coalesce((SELECT string_agg(quote_ident(a.attname) || ' '"
	"  || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attcollation <> 0"
	"  AND a.attcollation <> at.typcollation THEN ' COLLATE '"
	"  || a.attcollation::regcollation::text ELSE '' END, ', ' ORDER BY a.attnum)"
	"  FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid"
	"  AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'"
	" ELSE 'AS RANGE (SUBTYPE = ' || format_type(r.rngsubtype, NULL)"
	"  || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation"
	"   THEN ', COLLATION = ' || r.rngcollation::regcollation::text ELSE '' END"
	"  || CASE WHEN r.rngcanonical <> 0 THEN ', CANONICAL = ' || r.rngcanonical::regproc::text"
	"   ELSE '' END"
	"  || CASE WHEN r.rngsubdiff <> 0 THEN ', SUBTYPE_DIFF = ' || r.rngsubdiff::regproc::text"
	"   ELSE '' END || ')' END,"
	" CASE WHEN t.typtype = 'c' THEN t.typrelid ELSE t.oid END AS anchor"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" LEFT JOIN pg_range r ON r.rngtypid = t.oid LEFT JOIN pg_type st ON st.oid = r.rngsubtype"
	" WHERE (t.typtype = 'r' OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class tc"
	"  WHERE tc.oid = t.typrelid AND tc.relkind = 'c'))) AND" NSP_OK("n")
	" AND" NOT_EXT("pg_type", "t.oid")
	/* a composite type hangs on its class: the scope's classes give their types */
	"  {{ AND t.oid = ANY (pg_catalog.array_cat(" SCOPE_ARR ", ARRAY(SELECT sc.reltype"
	"   FROM pg_class sc WHERE sc.oid = " SCOPE ")))}}",
	[Q_POLICY] =
	"SELECT quote_ident(n.nspname), " QN("n", "c") ", quote_ident(p.polname),"
	" 'AS ' || CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END"
	" || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'"
	"  WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END"
	" || ' TO ' || CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE (SELECT"
	"  string_agg(quote_ident(ro.rolname), ', ' ORDER BY ro.rolname) FROM pg_roles ro"
	"  WHERE ro.oid = ANY (p.polroles)) END"
	" || coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')"
	" || coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),"
	" p.polrelid AS anchor"
	" FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid") "AND c.oid NOT IN %1$s"
	IN_SCOPE_REL("p.polrelid", "c.oid"),
	[Q_RLS] =
	"SELECT quote_ident(n.nspname), " QN("n", "c") ","
	" concat_ws(' ', CASE WHEN c.relrowsecurity THEN 'ENABLE' END,"
	"  CASE WHEN c.relforcerowsecurity THEN 'FORCE' END), c.oid AS anchor"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)"
	" AND" NSP_OK("n") "AND" NOT_EXT("pg_class", "c.oid") "AND c.oid NOT IN %1$s"
	IN_SCOPE("c.oid"),
};

const char *
rt_catalog_format_id(void)
{
	static char id[65];

	if (!id[0]) {
		struct rt_buf b = { 0 };

		for (int q = 0; q < Q_N; q++) {
			rt_buf_puts(&b, queries[q]);
			rt_buf_puts(&b, "\n");
		}
		rt_sha256_hex(rt_buf_str(&b), b.len, id);
		rt_buf_free(&b);
	}
	return id;
}

struct rt_catalog *
rt_catalog_new(void)
{
	return rt_xcalloc(1, sizeof(struct rt_catalog));
}

static void
obj_free(struct rt_cat_obj *o)
{
	free(o->schema);
	free(o->table);
	free(o->name);
	free(o->def);
	free(o->cols);
	free(o->collation);
	free(o->dflt);
	free(o->owned_by);
}

void
rt_catalog_free(struct rt_catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->n; i++)
		obj_free(&cat->v[i]);
	free(cat->v);
	free(cat->scope);
	free(cat);
}

static char *
dup_or_null(const char *s)
{
	return s ? rt_xstrdup(s) : NULL;
}

static int
cmp_oid(const void *pa, const void *pb)
{
	unsigned a = *(const unsigned *)pa, b = *(const unsigned *)pb;

	return a < b ? -1 : a > b;
}

static bool
in_scope(const unsigned *scope, size_t n, unsigned anchor)
{
	return n && bsearch(&anchor, scope, n, sizeof(*scope), cmp_oid) != NULL;
}

struct rt_cat_obj *
rt_catalog_add_copy(struct rt_catalog *cat, const struct rt_cat_obj *o)
{
	struct rt_cat_obj *c = rt_catalog_add(cat, o->kind, o->schema, o->table, o->name, o->def);

	c->cols = dup_or_null(o->cols);
	c->collation = dup_or_null(o->collation);
	c->dflt = dup_or_null(o->dflt);
	c->owned_by = dup_or_null(o->owned_by);
	c->contype = o->contype;
	c->identity = o->identity;
	c->is_generated = o->is_generated;
	c->is_notnull = o->is_notnull;
	c->is_partition = o->is_partition;
	c->pos = o->pos;
	c->anchor = o->anchor;
	return c;
}

struct rt_catalog *
rt_catalog_restrict(const struct rt_catalog *cat, const unsigned *scope, size_t n)
{
	struct rt_catalog *part = rt_catalog_new();

	part->is_partial = true;
	part->scope = rt_xreallocarray(NULL, n ? n : 1, sizeof(*scope));
	if (n)
		memcpy(part->scope, scope, n * sizeof(*scope));
	part->nscope = n;
	for (size_t i = 0; i < cat->n; i++) {
		const struct rt_cat_obj *o = &cat->v[i];
		if (in_scope(scope, n, o->anchor))
			rt_catalog_add_copy(part, o);
	}
	return part;
}

void
rt_catalog_replace(struct rt_catalog *cat, struct rt_catalog *part)
{
	size_t k = 0;

	for (size_t i = 0; i < cat->n; i++) {
		if (in_scope(part->scope, part->nscope, cat->v[i].anchor))
			obj_free(&cat->v[i]);
		else
			cat->v[k++] = cat->v[i];
	}
	cat->n = k;
	for (size_t i = 0; i < part->n; i++) {
		if (cat->n == cat->cap) {
			cat->cap = cat->cap ? cat->cap * 2 : 64;
			cat->v = rt_xreallocarray(cat->v, cat->cap, sizeof(*cat->v));
		}
		cat->v[cat->n++] = part->v[i];
	}
	part->n = 0;
	rt_catalog_free(part);
}

struct rt_cat_obj *
rt_catalog_add(struct rt_catalog *cat, enum rt_cat_kind kind, const char *schema,
	       const char *table, const char *name, const char *def)
{
	struct rt_cat_obj *o;

	if (cat->n == cat->cap) {
		cat->cap = cat->cap ? cat->cap * 2 : 64;
		cat->v = rt_xreallocarray(cat->v, cat->cap, sizeof(*cat->v));
	}
	o = &cat->v[cat->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->schema = dup_or_null(schema);
	o->table = dup_or_null(table);
	o->name = dup_or_null(name);
	o->def = rt_xstrdup(def ? def : "");
	return o;
}

static int
cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int
cmp_obj(const void *pa, const void *pb)
{
	const struct rt_cat_obj *a = pa, *b = pb;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = cmp_str(a->table, b->table)) != 0)
		return c;
	if ((c = cmp_str(a->schema, b->schema)) != 0)
		return c;
	if (a->kind == RT_CAT_COLUMN && a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	if ((c = cmp_str(a->name, b->name)) != 0)
		return c;
	return cmp_str(a->def, b->def);
}

void
rt_catalog_sort(struct rt_catalog *cat)
{
	if (cat->n > 1)
		qsort(cat->v, cat->n, sizeof(*cat->v), cmp_obj);
}

/* The value, or NULL when SQL NULL. */
static const char *
val(const PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

static void
take_rows(struct rt_catalog *cat, int q, const PGresult *res)
{
	int n = PQntuples(res);

	for (int r = 0; r < n; r++) {
		const char *v0 = val(res, r, 0), *v1 = PQnfields(res) > 1 ? val(res, r, 1) : NULL;
		struct rt_cat_obj *o;

		switch (q) {
		case Q_SCHEMA:
			rt_catalog_add(cat, RT_CAT_SCHEMA, v0, NULL, v0, "");
			break;
		case Q_EXT:
			rt_catalog_add(cat, RT_CAT_EXTENSION, v1, NULL, v0, v1);
			break;
		case Q_ENUM:
		case Q_DOMAIN:
			rt_catalog_add(cat, q == Q_ENUM ? RT_CAT_ENUM : RT_CAT_DOMAIN, v0, NULL, v1,
				       val(res, r, 2));
			break;
		case Q_SEQ:
			o = rt_catalog_add(cat, RT_CAT_SEQUENCE, v0, NULL, v1, val(res, r, 2));
			o->owned_by = dup_or_null(val(res, r, 3));
			break;
		case Q_TABLE: {
			const char *kind = val(res, r, 2), *pers = val(res, r, 3);
			bool part = strcmp(val(res, r, 4), "t") == 0;
			const char *def = part ? val(res, r, 6) : val(res, r, 5);

			o = rt_catalog_add(cat, RT_CAT_TABLE, v0, NULL, v1, def);
			o->contype = *pers == 'u' ? 'u' : *kind;
			o->is_partition = part;
			break;
		}
		case Q_COLUMN:
			o = rt_catalog_add(cat, RT_CAT_COLUMN, NULL, v0, v1, val(res, r, 2));
			o->collation = dup_or_null(val(res, r, 3));
			o->is_notnull = strcmp(val(res, r, 4), "t") == 0;
			o->identity = *val(res, r, 5);
			o->is_generated = *val(res, r, 6) == 's';
			o->dflt = dup_or_null(val(res, r, 7));
			o->pos = atoi(val(res, r, 8));
			break;
		case Q_CONSTRAINT: {
			char t = *val(res, r, 2);

			o = rt_catalog_add(cat, t == 'f' ? RT_CAT_FKEY : RT_CAT_CONSTRAINT, NULL, v0,
					   v1, val(res, r, 3));
			o->contype = t;
			o->cols = rt_xstrdup(val(res, r, 4) ? val(res, r, 4) : "");
			break;
		}
		case Q_INDEX:
			o = rt_catalog_add(cat, RT_CAT_INDEX, v0, val(res, r, 2), v1, val(res, r, 3));
			o->contype = *val(res, r, 4) == 'm' ? 'm' : 0;
			o->cols = rt_xstrdup(val(res, r, 5) ? val(res, r, 5) : "");
			break;
		case Q_FUNCTION:
			rt_catalog_add(cat, RT_CAT_FUNCTION, v0, NULL, v1, val(res, r, 2));
			break;
		case Q_VIEW:
			rt_catalog_add(cat, *val(res, r, 2) == 'm' ? RT_CAT_MATVIEW : RT_CAT_VIEW, v0,
				       NULL, v1, val(res, r, 3));
			break;
		case Q_TRIGGER:
			rt_catalog_add(cat, RT_CAT_TRIGGER, v0, v1, val(res, r, 2), val(res, r, 3));
			break;
		case Q_COMMENT:
			rt_catalog_add(cat, RT_CAT_COMMENT, NULL, NULL, v0, v1);
			break;
		case Q_TYPE:
			rt_catalog_add(cat, RT_CAT_TYPE, v0, NULL, v1, val(res, r, 2));
			break;
		case Q_POLICY:
			rt_catalog_add(cat, RT_CAT_POLICY, v0, v1, val(res, r, 2), val(res, r, 3));
			break;
		case Q_RLS:
			rt_catalog_add(cat, RT_CAT_RLS, v0, v1, "row level security", val(res, r, 2));
			break;
		}
		cat->v[cat->n - 1].anchor = (unsigned)strtoul(PQgetvalue(res, r, PQnfields(res) - 1),
							     NULL, 10);
	}
}

/* A partial read's scope: the anchors of the change log, sorted, each with
 * what says which queries can find something on it now: the catalogs it is
 * a row of (a pg_class relkind, T pg_type, F pg_proc, N pg_namespace, E
 * pg_extension; none: gone); for a relation, whether it has (or had)
 * indexes (x), triggers (g), constraints (k), row security (s), policies
 * (y); and whether any object made after initdb has a comment. */
#define SCOPE_SQL \
	"SELECT a, concat((SELECT c.relkind FROM pg_class c WHERE c.oid = a)," \
	" (SELECT 'T' FROM pg_type t WHERE t.oid = a), (SELECT 'F' FROM pg_proc p WHERE p.oid = a)," \
	" (SELECT 'N' FROM pg_namespace n WHERE n.oid = a)," \
	" (SELECT 'E' FROM pg_extension e WHERE e.oid = a))," \
	" (SELECT concat(CASE WHEN c.relhasindex THEN 'x' END, CASE WHEN c.relhastriggers" \
	"  THEN 'g' END, CASE WHEN c.relrowsecurity OR c.relforcerowsecurity THEN 's' END," \
	"  CASE WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid) THEN 'k' END," \
	"  CASE WHEN EXISTS (SELECT 1 FROM pg_policy y WHERE y.polrelid = c.oid) THEN 'y' END)" \
	"  FROM pg_class c WHERE c.oid = a)," \
	" EXISTS (SELECT 1 FROM pg_description d WHERE d.objoid >= 16384)" \
	" FROM (SELECT DISTINCT a FROM unnest(" SCOPE_ARR ") a WHERE a IS NOT NULL) s ORDER BY 1"

#define B(q) (1u << (q))
#define ALL_QUERIES ((1u << Q_N) - 1)

/* The queries that can find objects hanging on an anchor described by cls
 * and flags (SCOPE_SQL), with comments when any object has one; an anchor
 * that is gone has none. Each condition is a superset of its query's own,
 * so leaving a query out changes no model. */
static unsigned
queries_for(const char *cls, const char *flags, bool comments)
{
	unsigned m = 0, com = comments ? B(Q_COMMENT) : 0;
#define HAS(f, q) (strchr(flags, f) ? B(q) : 0)

	for (const char *c = cls; *c; c++) {
		switch (*c) {
		case 'r':
		case 'p':
			m |= B(Q_TABLE) | B(Q_COLUMN) | HAS('x', Q_INDEX) | HAS('g', Q_TRIGGER) |
			     HAS('k', Q_CONSTRAINT) | HAS('s', Q_RLS) | HAS('y', Q_POLICY) | com;
			break;
		case 'm':
			m |= B(Q_VIEW) | HAS('x', Q_INDEX) | HAS('g', Q_TRIGGER) | com;
			break;
		case 'v':
			m |= B(Q_VIEW) | HAS('g', Q_TRIGGER) | com;
			break;
		case 'S':
			m |= B(Q_SEQ) | com;
			break;
		case 'c':
			m |= B(Q_TYPE) | com;
			break;
		case 'T':
			m |= B(Q_ENUM) | B(Q_DOMAIN) | B(Q_TYPE) | com;
			break;
		case 'F':
			m |= B(Q_FUNCTION) | com;
			break;
		case 'N':
			m |= B(Q_SCHEMA) | com;
			break;
		case 'E':
			m |= B(Q_EXT);
			break;
		default:            /* a foreign table, anything else: every query */
			m |= ALL_QUERIES;
		}
	}
#undef HAS
	return m;
}

/* The scope of a partial read (SCOPE_SQL) into cat; returns the queries
 * its anchors need. */
static unsigned
take_scope(struct rt_catalog *cat, const PGresult *res)
{
	int n = PQntuples(res);
	unsigned m = 0;

	cat->is_partial = true;
	cat->scope = rt_xreallocarray(NULL, n ? (size_t)n : 1, sizeof(*cat->scope));
	for (int r = 0; r < n; r++) {
		cat->scope[r] = (unsigned)strtoul(PQgetvalue(res, r, 0), NULL, 10);
		m |= queries_for(PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
				 strcmp(PQgetvalue(res, r, 3), "t") == 0);
	}
	cat->nscope = (size_t)n;
	return m;
}

/* The set of retort's own table oids, as a parenthesised subquery. */
static char *
excluded_set(PGconn *conn, const struct rt_catalog_opts *opts, const struct rt_db *db)
{
	char *vs = NULL, *vt = NULL, *lit_t, *lit_s = NULL, *sql;

	if (opts && opts->vt_table) {
		vt = rt_xstrdup(opts->vt_table);
		vs = dup_or_null(opts->vt_schema);
	} else if ((!opts || opts->touched) && db->vt_name) {
		const char *dot = strrchr(db->vt_name, '.');

		vt = rt_xstrdup(dot ? dot + 1 : db->vt_name);
		vs = dot ? rt_xstrndup(db->vt_name, (size_t)(dot - db->vt_name)) : NULL;
	} else {
		vt = rt_xstrdup("alembic_version");
	}
	lit_t = PQescapeLiteral(conn, vt, strlen(vt));
	if (vs)
		lit_s = PQescapeLiteral(conn, vs, strlen(vs));
	/* = ANY, not OR: an index scan however many tables there are */
	sql = rt_xasprintf("(SELECT xc.oid FROM pg_class xc JOIN pg_namespace xn ON xn.oid = "
			   "xc.relnamespace WHERE xc.relkind IN ('r', 'p') AND xc.relname = ANY "
			   "(ARRAY['retort_history', %s]::name[])%s%s)", lit_t ? lit_t : "''",
			   lit_s ? " AND xn.nspname = " : "", lit_s ? lit_s : "");
	PQfreemem(lit_t);
	PQfreemem(lit_s);
	free(vt);
	free(vs);
	return sql;
}

/* Appends query q with every %1$s replaced by the excluded set (by hand: no
 * printf on SQL) and its {{ }} parts kept (partial) or left out. */
static void
put_query(struct rt_buf *sql, const char *q, const char *excl, bool partial)
{
	for (const char *p = q; *p; ) {
		const char *m = p + strcspn(p, "%{}");

		rt_buf_append(sql, p, (size_t)(m - p));
		if (!*m)
			break;
		if (strncmp(m, "%1$s", 4) == 0) {
			rt_buf_puts(sql, excl);
			p = m + 4;
		} else if (strncmp(m, "{{", 2) == 0) {
			p = m + 2;
			if (!partial)
				p = strstr(p, "}}") + 2;
		} else if (strncmp(m, "}}", 2) == 0) {
			p = m + 2;
		} else {
			rt_buf_append(sql, m, 1);
			p = m + 1;
		}
	}
}

/* ---- the read as a job: the query strings sent at once, their results
 * taken as they come. A big database is read on two connections at once
 * (the second imports the first's snapshot, as pg_dump -j does): the
 * server's pg_get_*def work is most of the time, and it splits. ---- */

/* The read's own settings for its transaction, as one statement (one
 * result): an empty search_path (every name qualified, as pg_dump reads),
 * and no JIT, whose compiling costs more than these queries run. */
#define LOCAL_SETTINGS \
	"SELECT pg_catalog.set_config('search_path', '', true)," \
	" pg_catalog.set_config('jit', 'off', true)"

/* Relations (of any kind, outside the system schemas) from which a whole
 * read takes a second connection: below, its start costs more than it saves. */
#define PARALLEL_MIN_RELATIONS 200

/* What the second connection reads: about half of the server's work on a
 * schema of tables with keys, checks, defaults and indexes. */
static const bool on_second[Q_N] = { [Q_COLUMN] = true, [Q_CONSTRAINT] = true };

/* One connection's share. */
struct side {
	PGconn *conn;
	bool owned;                 /* the second connection (closed at the end) */
	int k;                      /* results received */
	int skip;                   /* results before the first query's */
	int scope_at;               /* the result that is a partial read's scope, or -1 */
	int q[Q_N], nq;             /* the queries, in the order of their results */
	bool done, failed;
};

struct read_job {
	struct side side[2];
	int nsides;
	/* a partial read's second round trip, once its scope is in: the
	 * queries of mask, then the end of the transaction (unless in_tx) and
	 * of the change log (reset) */
	bool phase2, reset, in_tx;
	unsigned mask;
	struct rt_catalog *cat;
	bool failed, cancelled, done, ok;
	struct rt_err ferr;         /* the first failure */
};

static size_t
read_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct read_job *j = impl;
	size_t n = 0;

	for (int i = 0; i < j->nsides && n < max; i++) {
		PGconn *conn = j->side[i].conn;

		if (j->side[i].done)
			continue;
		fds[n].fd = PQsocket(conn);
		fds[n].events = POLLIN | (PQisnonblocking(conn) && PQflush(conn) == 1 ? POLLOUT : 0);
		fds[n++].revents = 0;
	}
	return n;
}

/* After a side's last result: the borrowed connection back to blocking (a
 * failed read leaves an aborted transaction), the second one closed. */
static void
side_end(struct side *sd)
{
	if (sd->owned) {
		PQfinish(sd->conn);
		sd->conn = NULL;
	} else {
		PQsetnonblocking(sd->conn, 0);
		if (sd->failed)
			PQclear(PQexec(sd->conn, "ROLLBACK"));
	}
	sd->done = true;
}

static void
side_result(struct read_job *j, struct side *sd, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	int q = sd->k - sd->skip;

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (!j->failed && (j->cancelled || (state && strcmp(state, "57014") == 0)))
			rt_err_set(&j->ferr, RT_ERR_CANCEL, "reading the catalog: cancelled");
		else if (!j->failed)
			rt_db_result_err(res, "reading the catalog", &j->ferr);
		j->failed = sd->failed = true;
	} else if (!j->failed && sd->k == sd->scope_at) {
		j->mask = take_scope(j->cat, res);
	} else if (!j->failed && q >= 0 && q < sd->nq) {
		take_rows(j->cat, sd->q[q], res);
	}
	sd->k++;
}

/* Sends a partial read's second round trip (see struct read_job) on sd:
 * true when it went out, false when there is nothing to send or it failed
 * (j->failed then). */
static bool
send_phase2(struct read_job *j, struct side *sd)
{
	struct rt_buf sql = { 0 };
	bool sent;

	j->phase2 = false;
	sd->k = sd->skip = sd->nq = 0;
	sd->scope_at = -1;
	for (int q = 0; q < Q_N; q++)
		if (j->mask & B(q)) {
			rt_buf_printf(&sql, "EXECUTE rt_cat_%d;", q);
			sd->q[sd->nq++] = q;
		}
	if (!j->in_tx)
		rt_buf_puts(&sql, j->reset ? "COMMIT;SELECT set_config('rt.touched', '', false)"
				   : "COMMIT");
	if (!sql.len)
		return false;
	sent = PQsendQuery(sd->conn, rt_buf_str(&sql)) == 1;
	rt_buf_free(&sql);
	if (!sent) {
		rt_err_set(&j->ferr, RT_ERR_RUN, "reading the catalog: %s", PQerrorMessage(sd->conn));
		j->failed = sd->failed = true;
	}
	return sent;
}

static int
read_step(void *impl, struct rt_err *err)
{
	struct read_job *j = impl;
	PGresult *res;

	for (int i = 0; i < j->nsides && !j->done; i++) {
		struct side *sd = &j->side[i];

		if (sd->done)
			continue;
		if (PQflush(sd->conn) < 0 || !PQconsumeInput(sd->conn)) {
			rt_err_set(err, RT_ERR_RUN, "reading the catalog: %s", PQerrorMessage(sd->conn));
			for (int k = 0; k < j->nsides; k++)
				if (j->side[k].owned && !j->side[k].done)
					side_end(&j->side[k]);
			j->done = true;
			return -1;
		}
		while (!sd->done && !PQisBusy(sd->conn)) {
			if (!(res = PQgetResult(sd->conn))) {
				if (j->phase2 && !j->failed && send_phase2(j, sd))
					continue;
				side_end(sd);
				break;
			}
			side_result(j, sd, res);
			PQclear(res);
		}
	}
	j->done = true;
	for (int i = 0; i < j->nsides; i++)
		if (!j->side[i].done)
			j->done = false;
	if (!j->done)
		return 1;
	if (j->failed) {
		if (err)
			*err = j->ferr;
		return -1;
	}
	if (!j->ok) {
		rt_catalog_sort(j->cat);
		j->ok = true;
	}
	return 0;
}

static void
read_cancel(void *impl)
{
	struct read_job *j = impl;

	if (j->done || j->cancelled)
		return;
	j->cancelled = true;
	for (int i = 0; i < j->nsides; i++)
		if (!j->side[i].done)
			rt_db_cancel_query(j->side[i].conn);
}

static void
read_free(void *impl)
{
	struct read_job *j = impl;
	PGresult *res;

	for (int i = 0; i < j->nsides; i++) {
		struct side *sd = &j->side[i];

		if (sd->done)
			continue;
		if (!sd->owned) {
			/* drain what is in flight so the connection can be used again */
			PQsetnonblocking(sd->conn, 0);
			while ((res = PQgetResult(sd->conn)) != NULL)
				PQclear(res);
		}
		sd->failed = true;
		side_end(sd);
	}
	rt_catalog_free(j->cat);
	free(j);
}

static const struct rt_job_ops read_ops = {
	.name = "read the schema",
	.fds = read_fds,
	.step = read_step,
	.cancel = read_cancel,
	.free = read_free,
};

/* A whole read of a big database: opens its transaction on db and exports
 * its snapshot, then opens the second connection. Returns it, with what
 * its query string starts with in pre (a transaction in that snapshot;
 * sd->skip results before its queries), or NULL: read on db alone (its
 * transaction begun when *begun). */
static PGconn *
open_second(struct rt_db *db, bool *begun, struct side *sd, struct rt_buf *pre)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { db->url, "retort catalog", NULL };
	PGresult *res;
	PGconn *c2;
	char *lit;
	bool big;

	*begun = false;
	if (!db->url)
		return NULL;
	res = PQexec(db->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
		     LOCAL_SETTINGS ";"
		     "SELECT pg_catalog.pg_export_snapshot(), (SELECT count(*) FROM pg_catalog.pg_class"
		     " WHERE relnamespace NOT IN ('pg_catalog'::regnamespace,"
		     " 'information_schema'::regnamespace, 'pg_toast'::regnamespace))");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		PQclear(PQexec(db->conn, "ROLLBACK"));
		return NULL;
	}
	*begun = true;
	big = atol(PQgetvalue(res, 0, 1)) >= PARALLEL_MIN_RELATIONS;
	if (!big || !(c2 = PQconnectdbParams(keys, vals, 1)) || PQstatus(c2) != CONNECTION_OK) {
		if (big)
			PQfinish(c2);
		PQclear(res);
		return NULL;
	}
	lit = PQescapeLiteral(c2, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
	PQclear(res);
	rt_buf_printf(pre, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
		      "SET TRANSACTION SNAPSHOT %s;" LOCAL_SETTINGS ";", lit ? lit : "''");
	PQfreemem(lit);
	sd->skip = 3;
	if (PQsetnonblocking(c2, 1) != 0) {
		PQfinish(c2);
		return NULL;
	}
	return c2;
}

struct rt_job *
rt_catalog_read_start(struct rt_db *db, const struct rt_catalog_opts *opts, struct rt_err *err)
{
	struct read_job *j = rt_xcalloc(1, sizeof(*j));
	struct rt_buf sql = { 0 }, sql2 = { 0 };
	char *excl = excluded_set(db->conn, opts, db);
	bool partial = opts && opts->touched, prepare = partial && !db->cat_prepared;
	bool in_tx = opts && opts->in_tx, begun = false;
	struct side *a = &j->side[0], *b = &j->side[1];
	PGconn *c2 = NULL;

	j->nsides = 1;
	a->conn = db->conn;
	a->scope_at = b->scope_at = -1;
	if (!partial && !in_tx && (c2 = open_second(db, &begun, b, &sql2)) != NULL) {
		b->conn = c2;
		b->owned = true;
		j->nsides = 2;
	}
	if (in_tx)
		rt_buf_puts(&sql, LOCAL_SETTINGS ";");
	else if (!begun)
		rt_buf_puts(&sql, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
			    LOCAL_SETTINGS ";");
	a->skip = begun ? 0 : in_tx ? 1 : 2;
	/* the partial reads' plans are made once, while the shadow is small,
	 * and kept as it grows: made with the catalogs' indexes, they stay
	 * index lookups of the few touched objects */
	if (partial) {
		rt_buf_puts(&sql, "SET LOCAL enable_seqscan = off;");
		a->skip++;
	}
	for (int q = 0; q < Q_N && (prepare || !partial); q++) {
		struct side *sd = c2 && on_second[q] ? b : a;
		struct rt_buf *out = sd == b ? &sql2 : &sql;

		if (prepare)
			rt_buf_printf(out, "PREPARE rt_cat_%d AS ", q);
		put_query(out, queries[q], excl, partial);
		rt_buf_puts(out, ";");
		if (prepare)
			a->skip++;
		else
			sd->q[sd->nq++] = q;
	}
	if (partial) {
		/* the scope first: its anchors' catalogs say which queries to run */
		if (prepare) {
			rt_buf_puts(&sql, "PREPARE rt_cat_scope AS " SCOPE_SQL ";");
			a->skip++;
		}
		a->scope_at = a->skip++;
		rt_buf_puts(&sql, "EXECUTE rt_cat_scope");
		j->phase2 = true;
		j->reset = opts->reset_touched;
		j->in_tx = in_tx;
	} else if (!in_tx) {
		rt_buf_puts(&sql, "COMMIT");
	}
	free(excl);
	if (c2) {
		rt_buf_puts(&sql2, "COMMIT");
		/* the second connection's queries go out first: it imports the
		 * snapshot while the first connection's transaction is surely open */
		if (!PQsendQuery(c2, rt_buf_str(&sql2))) {
			PQfinish(c2);
			b->conn = NULL;
			rt_buf_free(&sql2);
			rt_err_set(err, RT_ERR_RUN, "reading the catalog: the second connection failed");
			goto fail;
		}
	}
	rt_buf_free(&sql2);
	if (PQsetnonblocking(db->conn, 1) != 0 || !PQsendQuery(db->conn, rt_buf_str(&sql))) {
		rt_err_set(err, RT_ERR_RUN, "reading the catalog: %s", PQerrorMessage(db->conn));
		PQsetnonblocking(db->conn, 0);
		if (c2) {
			PQfinish(c2);
			b->conn = NULL;
		}
		goto fail;
	}
	rt_buf_free(&sql);
	j->cat = rt_catalog_new();
	if (prepare)
		db->cat_prepared = true;
	return rt_job_new(&read_ops, j);
fail:
	if (begun)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	rt_buf_free(&sql);
	free(j);
	return NULL;
}

struct rt_catalog *
rt_catalog_read_take(struct rt_job *job)
{
	struct read_job *j;
	struct rt_catalog *cat;

	if (!job || rt_job_ops_of(job) != &read_ops)
		return NULL;
	j = rt_job_impl(job);
	if (!j->ok)
		return NULL;
	cat = j->cat;
	j->cat = NULL;
	return cat;
}

struct rt_catalog *
rt_catalog_read(struct rt_db *db, const struct rt_catalog_opts *opts, struct rt_err *err)
{
	struct rt_job *job = rt_catalog_read_start(db, opts, err);
	struct rt_catalog *cat = NULL;

	if (!job)
		return NULL;
	if (rt_job_run(job, err) == 0)
		cat = rt_catalog_read_take(job);
	rt_job_free(job);
	return cat;
}
