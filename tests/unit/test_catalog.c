/* test_catalog.c - the pure parts of the schema model (rt_catalog.h): the
 * canonical order and rendering of a hand-built model, and the diff. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rt_catalog.h"
#include "rt_mem.h"
#include "catalog_build.h"

/* The sample's users table and a few other kinds, added in a scrambled order. */
static struct rt_catalog *
model(const char *phone_type, const char *pk_name)
{
	struct rt_catalog *c = rt_catalog_new();
	struct rt_cat_obj *o;

	rt_catalog_add(c, RT_CAT_COMMENT, NULL, NULL, "TABLE public.users", "'people'");
	con(c, RT_CAT_FKEY, "public.resumes", "resumes_user_id_fkey", 'f',
	    "FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE", "user_id");
	col(c, "public.users", "phone", phone_type, 3, false, NULL);
	col(c, "public.users", "id", "integer", 1, true, "nextval('public.users_id_seq'::regclass)");
	con(c, RT_CAT_CONSTRAINT, "public.users", "users_email_key", 'u', "UNIQUE (email)", "email");
	col(c, "public.users", "email", "character varying(120)", 2, true, NULL);
	con(c, RT_CAT_CONSTRAINT, "public.users", pk_name, 'p', "PRIMARY KEY (id)", "id");
	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "users", "")->contype = 'r';
	rt_catalog_add(c, RT_CAT_TABLE, "public", NULL, "resumes", "")->contype = 'r';
	col(c, "public.resumes", "user_id", "integer", 1, true, NULL);
	col(c, "public.resumes", "body", "jsonb", 2, false, "'{}'::jsonb");
	col(c, "public.resumes", "tags", "integer[]", 3, false, NULL);
	rt_catalog_add(c, RT_CAT_ENUM, "public", NULL, "mood", "'sad', 'ok', 'happy'");
	o = rt_catalog_add(c, RT_CAT_SEQUENCE, "public", NULL, "users_id_seq",
			   "AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1");
	o->owned_by = rt_xstrdup("public.users.id");
	rt_catalog_add(c, RT_CAT_INDEX, "public", "public.users", "idx_users_phone",
		       "CREATE INDEX idx_users_phone ON public.users USING btree (phone)")->cols =
		rt_xstrdup("phone");
	rt_catalog_add(c, RT_CAT_SCHEMA, "app", NULL, "app", "");
	return c;
}

static const char expected[] =
	"CREATE SCHEMA app;\n\n"
	"CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');\n\n"
	"CREATE SEQUENCE public.users_id_seq AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE "
	"2147483647 START WITH 1 CACHE 1;\n\n"
	"CREATE TABLE public.resumes (\n"
	"    user_id integer NOT NULL,\n"
	"    body jsonb DEFAULT '{}'::jsonb,\n"
	"    tags integer[]\n"
	");\n\n"
	"CREATE TABLE public.users (\n"
	"    id integer DEFAULT nextval('public.users_id_seq'::regclass) NOT NULL,\n"
	"    email character varying(120) NOT NULL,\n"
	"    phone character varying(20),\n"
	"    CONSTRAINT users_pkey PRIMARY KEY (id),\n"
	"    CONSTRAINT users_email_key UNIQUE (email)\n"
	");\n\n"
	"CREATE INDEX idx_users_phone ON public.users USING btree (phone);\n\n"
	"ALTER TABLE public.resumes ADD CONSTRAINT resumes_user_id_fkey FOREIGN KEY (user_id) "
	"REFERENCES public.users(id) ON DELETE CASCADE;\n\n"
	"ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;\n\n"
	"COMMENT ON TABLE public.users IS 'people';\n\n";

static void
test_render(void **state)
{
	struct rt_catalog *c = model("character varying(20)", "users_pkey");
	char *text = rt_catalog_render(c), *again;
	char fp1[65], fp2[65];

	(void)state;
	assert_string_equal(text, expected);
	/* deterministic: rendering again, and a model built in another order */
	again = rt_catalog_render(c);
	assert_string_equal(text, again);
	rt_catalog_fingerprint(c, fp1);
	rt_catalog_free(c);
	c = model("character varying(20)", "users_pkey");
	rt_catalog_fingerprint(c, fp2);
	assert_string_equal(fp1, fp2);
	free(text);
	free(again);
	rt_catalog_free(c);
}

static void
test_diff_same(void **state)
{
	struct rt_catalog *a = model("character varying(20)", "users_pkey");
	struct rt_catalog *b = model("character varying(20)", "users_pkey");
	struct rt_cat_diff d;

	(void)state;
	rt_catalog_diff(a, b, NULL, &d);
	assert_int_equal(d.n, 0);
	rt_cat_diff_free(&d);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static void
test_diff_changes(void **state)
{
	struct rt_catalog *a = model("character varying(20)", "users_pkey");
	struct rt_catalog *b = model("character varying(30)", "users_pkey");
	struct rt_cat_diff d;

	(void)state;
	/* b: a new column, a new table with its own column, no index */
	col(b, "public.users", "x", "integer", 4, false, NULL);
	rt_catalog_add(b, RT_CAT_TABLE, "public", NULL, "extra", "");
	col(b, "public.extra", "y", "text", 1, false, NULL);
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].kind == RT_CAT_INDEX)
			b->v[i].name[0] = 'j';     /* renamed: one removed, one added */
	rt_catalog_diff(a, b, NULL, &d);
	assert_int_equal(d.n, 5);
	/* canonical order: tables, columns, indexes */
	assert_int_equal(d.v[0].side, RT_CAT_ONLY_B);
	assert_string_equal(d.v[0].object, "table public.extra");
	assert_int_equal(d.v[1].side, RT_CAT_CHANGED);
	assert_string_equal(d.v[1].object, "table public.users: column phone");
	assert_string_equal(d.v[1].detail,
			    "type character varying(20) -> character varying(30)");
	assert_int_equal(d.v[2].side, RT_CAT_ONLY_B);
	assert_string_equal(d.v[2].object, "table public.users: column x");
	assert_string_equal(d.v[2].detail, "ALTER TABLE public.users ADD COLUMN x integer;");
	assert_int_equal(d.v[3].side, RT_CAT_ONLY_A);
	assert_string_equal(d.v[3].object, "index public.idx_users_phone");
	assert_int_equal(d.v[4].side, RT_CAT_ONLY_B);
	assert_string_equal(d.v[4].object, "index public.jdx_users_phone");
	rt_cat_diff_free(&d);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static void
test_diff_auto_names(void **state)
{
	struct rt_catalog *a = model("text", "users_pkey");
	struct rt_catalog *b = model("text", "users_pkey1");
	struct rt_catalog *c = model("text", "pk_users");
	struct rt_cat_diff_opts o = { .match_auto_names = true };
	struct rt_cat_diff d;

	(void)state;
	rt_catalog_diff(a, b, NULL, &d);
	assert_int_equal(d.n, 2);       /* by name: one gone, one new */
	rt_cat_diff_free(&d);
	rt_catalog_diff(a, b, &o, &d);
	assert_int_equal(d.n, 0);       /* both default names: matched by definition */
	rt_cat_diff_free(&d);
	rt_catalog_diff(a, c, &o, &d);
	assert_int_equal(d.n, 2);       /* a chosen name is a name */
	rt_cat_diff_free(&d);
	rt_catalog_free(a);
	rt_catalog_free(b);
	rt_catalog_free(c);
}

static void
test_diff_column_order(void **state)
{
	struct rt_catalog *a = model("text", "users_pkey");
	struct rt_catalog *b = model("text", "users_pkey");
	struct rt_cat_diff_opts o = { .compare_column_order = true };
	struct rt_cat_diff d;

	(void)state;
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].kind == RT_CAT_COLUMN && strcmp(b->v[i].table, "public.users") == 0)
			b->v[i].pos = b->v[i].pos == 2 ? 3 : b->v[i].pos == 3 ? 2 : 1;
	rt_catalog_diff(a, b, NULL, &d);
	assert_int_equal(d.n, 0);
	rt_cat_diff_free(&d);
	rt_catalog_diff(a, b, &o, &d);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].detail, "position 2 -> 3");
	rt_cat_diff_free(&d);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

static void
test_findings(void **state)
{
	struct rt_catalog *a = model("text", "users_pkey");
	struct rt_cat_diff d = { 0 };

	(void)state;
	/* resumes: no primary key; its foreign key on user_id has no index */
	rt_catalog_findings(a, &d);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].object, "table public.resumes");
	assert_string_equal(d.v[0].detail, "no primary key");
	assert_string_equal(d.v[1].object, "table public.resumes: foreign key resumes_user_id_fkey");
	rt_cat_diff_free(&d);
	/* a composite primary key leading with user_id supports it */
	con(a, RT_CAT_CONSTRAINT, "public.resumes", "resumes_pkey", 'p',
	    "PRIMARY KEY (user_id, body)", "user_id,body");
	rt_catalog_findings(a, &d);
	assert_int_equal(d.n, 0);
	rt_cat_diff_free(&d);
	rt_catalog_free(a);
}

/* Composite and range types, row level security and policies: their
 * statements, in dependency order (types before tables, policies after),
 * and the names a difference gives them. */
static void
test_kinds(void **state)
{
	struct rt_catalog *a = rt_catalog_new(), *b;
	struct rt_cat_diff d;
	char *text;

	(void)state;
	rt_catalog_add(a, RT_CAT_POLICY, "public", "public.docs", "docs_owner",
		       "AS PERMISSIVE FOR SELECT TO PUBLIC USING ((owner = CURRENT_USER))");
	rt_catalog_add(a, RT_CAT_RLS, "public", "public.docs", "row level security",
		       "ENABLE FORCE");
	rt_catalog_add(a, RT_CAT_TABLE, "public", NULL, "docs", "")->contype = 'r';
	col(a, "public.docs", "addr", "public.address", 1, false, NULL);
	rt_catalog_add(a, RT_CAT_TYPE, "public", NULL, "address", "AS (street text, zip text)");
	text = rt_catalog_render(a);
	assert_string_equal(text,
		"CREATE TYPE public.address AS (street text, zip text);\n\n"
		"CREATE TABLE public.docs (\n    addr public.address\n);\n\n"
		"ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;\n"
		"ALTER TABLE public.docs FORCE ROW LEVEL SECURITY;\n\n"
		"CREATE POLICY docs_owner ON public.docs AS PERMISSIVE FOR SELECT TO PUBLIC "
		"USING ((owner = CURRENT_USER));\n\n");
	free(text);
	b = rt_catalog_new();
	rt_catalog_add(b, RT_CAT_POLICY, "public", "public.docs", "docs_owner",
		       "AS PERMISSIVE FOR SELECT TO PUBLIC USING (true)");
	rt_catalog_add(b, RT_CAT_RLS, "public", "public.docs", "row level security", "ENABLE");
	rt_catalog_add(b, RT_CAT_TABLE, "public", NULL, "docs", "")->contype = 'r';
	col(b, "public.docs", "addr", "public.address", 1, false, NULL);
	rt_catalog_sort(b);
	rt_catalog_diff(a, b, NULL, &d);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.v[0].object, "type public.address");
	assert_int_equal(d.v[0].side, RT_CAT_ONLY_A);
	assert_string_equal(d.v[1].object, "table public.docs: row level security");
	assert_string_equal(d.v[1].detail, "definition ENABLE FORCE -> ENABLE");
	assert_string_equal(d.v[2].object, "table public.docs: policy docs_owner");
	assert_int_equal(d.v[2].side, RT_CAT_CHANGED);
	rt_cat_diff_free(&d);
	rt_catalog_free(a);
	rt_catalog_free(b);
}

/* A partial model: restrict copies what hangs on the anchors given;
 * replace swaps exactly that part. */
static void
test_restrict_replace(void **state)
{
	struct rt_catalog *m = rt_catalog_new(), *part, *news;
	unsigned scope[] = { 20 };
	char *text;

	(void)state;
	rt_catalog_add(m, RT_CAT_TABLE, "public", NULL, "a", "")->anchor = 10;
	col(m, "public.a", "x", "integer", 1, false, NULL)->anchor = 10;
	rt_catalog_add(m, RT_CAT_TABLE, "public", NULL, "b", "")->anchor = 20;
	col(m, "public.b", "y", "integer", 1, false, NULL)->anchor = 20;
	part = rt_catalog_restrict(m, scope, 1);
	assert_true(part->is_partial);
	assert_int_equal(part->n, 2);
	for (size_t i = 0; i < part->n; i++)
		assert_int_equal(part->v[i].anchor, 20);
	rt_catalog_free(part);
	/* b gone, c (anchor 30) made: a part covering 20 and 30 */
	news = rt_catalog_new();
	news->is_partial = true;
	news->scope = rt_xreallocarray(NULL, 2, sizeof(unsigned));
	news->scope[0] = 20;
	news->scope[1] = 30;
	news->nscope = 2;
	rt_catalog_add(news, RT_CAT_TABLE, "public", NULL, "c", "")->anchor = 30;
	rt_catalog_replace(m, news);
	rt_catalog_sort(m);
	text = rt_catalog_render(m);
	assert_string_equal(text, "CREATE TABLE public.a (\n    x integer\n);\n\n"
			    "CREATE TABLE public.c ();\n\n");
	free(text);
	rt_catalog_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_diff_same),
		cmocka_unit_test(test_diff_changes),
		cmocka_unit_test(test_diff_auto_names),
		cmocka_unit_test(test_diff_column_order),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_restrict_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
