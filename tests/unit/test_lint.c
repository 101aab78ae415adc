/* test_lint.c - unit tests for the static linter (rt_lint.h): one small
 * migration per rule that triggers it, checked by rule id and line, and a
 * clean twin that does not; suppressions. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_err.h"
#include "rt_lint.h"
#include "rt_mem.h"
#include "rt_migration.h"

/* The file text of the last lint, for line lookups. */
static char text[8192];

/* Lints a revision: extra is one header line (or NULL), then the upgrade
 * and downgrade bodies. */
static struct rt_lint_report
lint_opts(const char *extra, const char *up, const char *down, bool retort_lock_timeout)
{
	struct rt_lint_report r = { 0 };
	struct rt_lint_opts o = { retort_lock_timeout };
	struct rt_err err = { 0 };
	struct rt_rev *rev;

	snprintf(text, sizeof(text), "-- retort:revision a1\n-- retort:down_revision none\n%s\n\n"
		 "-- retort:upgrade\n%s\n\n-- retort:downgrade\n%s\n", extra ? extra : "-- (test)",
		 up, down);
	rev = rt_rev_parse("t.sql", text, strlen(text), &err);
	if (!rev)
		fail_msg("parse: %s", err.msg);
	if (rt_lint_rev(rev, &o, &r, &err) < 0)
		fail_msg("lint: %s", err.msg);
	rt_rev_free(rev);
	return r;
}

static struct rt_lint_report
lint(const char *up, const char *down)
{
	return lint_opts(NULL, up, down, true);
}

/* The line of the first occurrence of needle in text (the nth with n > 1). */
static int
line_of(const char *needle, int nth)
{
	const char *p = text, *hit = NULL;
	int line = 1;

	for (int k = 0; k < nth; k++) {
		hit = strstr(p, needle);
		if (!hit)
			fail_msg("'%s' not in the text", needle);
		p = hit + 1;
	}
	for (p = text; p < hit; p++)
		line += *p == '\n';
	return line;
}

static size_t
count(const struct rt_lint_report *r, const char *rule)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += strcmp(r->v[i].rule->id, rule) == 0;
	return n;
}

static void
dump(const struct rt_lint_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		print_message("# %d %s: %s\n", r->v[i].line, r->v[i].rule->id, r->v[i].why);
}

/* rule at line, and free r. */
static void
want_line(struct rt_lint_report r, const char *rule, int line)
{
	for (size_t i = 0; i < r.n; i++)
		if (strcmp(r.v[i].rule->id, rule) == 0 && r.v[i].line == line) {
			rt_lint_report_free(&r);
			return;
		}
	dump(&r);
	rt_lint_report_free(&r);
	fail_msg("no %s at line %d", rule, line);
}

/* rule at the line of needle (looked up after the lint: the order in which
 * a call's arguments are evaluated is unspecified), and free r. */
static void
want(struct rt_lint_report r, const char *rule, const char *needle)
{
	want_line(r, rule, line_of(needle, 1));
}

/* no finding of rule, and free r. */
static void
clean(struct rt_lint_report r, const char *rule)
{
	size_t n = count(&r, rule);

	if (n)
		dump(&r);
	rt_lint_report_free(&r);
	if (n)
		fail_msg("%zu unexpected %s", n, rule);
}

/* ---- data safety ----------------------------------------------------------------- */

static void
test_adding_required_field(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ADD COLUMN c int NOT NULL;", "ALTER TABLE t DROP COLUMN c;"),
	     "adding-required-field", "ALTER TABLE t ADD");
	clean(lint("ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;", "ALTER TABLE t DROP COLUMN c;"),
	      "adding-required-field");
	/* a fresh table: not an existing one */
	clean(lint("CREATE TABLE t (id int PRIMARY KEY);\nALTER TABLE t ADD COLUMN c int NOT NULL;",
		   "DROP TABLE t;"), "adding-required-field");
	/* a downgrade re-adding a NOT NULL column without a default */
	want(lint("-- retort:allow ban-drop-column because tested\nALTER TABLE t DROP COLUMN c;",
		  "ALTER TABLE t ADD COLUMN c int NOT NULL;"),
	     "adding-required-field", "ALTER TABLE t ADD");
	clean(lint("-- retort:allow ban-drop-column because tested\nALTER TABLE t DROP COLUMN c;",
		   "ALTER TABLE t ADD COLUMN c int;"), "adding-required-field");
}

static void
test_adding_not_nullable_field(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ALTER COLUMN c SET NOT NULL;", "ALTER TABLE t ALTER COLUMN c DROP NOT NULL;"),
	     "adding-not-nullable-field", "ALTER TABLE t ALTER");
	clean(lint("ALTER TABLE t ADD CONSTRAINT c_nn CHECK (c IS NOT NULL) NOT VALID;\n"
		   "ALTER TABLE t VALIDATE CONSTRAINT c_nn;\n"
		   "ALTER TABLE t ALTER COLUMN c SET NOT NULL;",
		   "ALTER TABLE t ALTER COLUMN c DROP NOT NULL;\nALTER TABLE t DROP CONSTRAINT c_nn;"),
	      "adding-not-nullable-field");
	/* NOT VALID and never validated: still a scan */
	want(lint("ALTER TABLE t ADD CONSTRAINT c_nn CHECK (c IS NOT NULL) NOT VALID;\n"
		  "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", "SELECT 1;"),
	     "adding-not-nullable-field", "ALTER TABLE t ALTER");
}

static void
test_ban_drop_column(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t DROP COLUMN c;", "ALTER TABLE t ADD COLUMN c int;"),
	     "ban-drop-column", "ALTER TABLE t DROP");
	/* the downgrade undoing the upgrade's column is no data loss */
	clean(lint("ALTER TABLE t ADD COLUMN c int;", "ALTER TABLE t DROP COLUMN c;"), "ban-drop-column");
	/* nor is a column added earlier in the same upgrade */
	clean(lint("ALTER TABLE t ADD COLUMN c int;\nALTER TABLE t DROP COLUMN c;", "SELECT 1;"),
	      "ban-drop-column");
}

static void
test_ban_drop_table(void **state)
{
	(void)state;
	want(lint("DROP TABLE IF EXISTS public.old;", "CREATE TABLE old (id int PRIMARY KEY);"),
	     "ban-drop-table", "DROP TABLE");
	clean(lint("CREATE TABLE t (id int PRIMARY KEY);", "DROP TABLE t;"), "ban-drop-table");
}

static void
test_drop_then_add(void **state)
{
	(void)state;
	want(lint("-- retort:allow ban-drop-column because tested\nALTER TABLE t DROP COLUMN a;\n"
		  "ALTER TABLE t ADD COLUMN b int;", "ALTER TABLE t DROP COLUMN b;\n"
		  "ALTER TABLE t ADD COLUMN a int;"),
	     "drop-then-add-column", "ALTER TABLE t ADD COLUMN b");
	clean(lint("ALTER TABLE t ADD COLUMN b int;\nUPDATE t SET b = a;\n"
		   "-- retort:allow ban-drop-column because copied\nALTER TABLE t DROP COLUMN a;",
		   "ALTER TABLE t ADD COLUMN a int;\nUPDATE t SET a = b;\nALTER TABLE t DROP COLUMN b;"),
	      "drop-then-add-column");
}

static void
test_empty_downgrade(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ADD COLUMN c int;", ""), "empty-downgrade", "-- retort:downgrade");
	want(lint("ALTER TABLE t ADD COLUMN c int;", "-- nothing"), "empty-downgrade",
	     "-- retort:downgrade");
	/* a merge revision: both empty */
	clean(lint("-- (merge point)", "-- (merge point)"), "empty-downgrade");
}

static void
test_downgrade_not_inverse(void **state)
{
	struct rt_lint_report r;

	(void)state;
	r = lint("CREATE TABLE a (id int PRIMARY KEY);", "DROP TABLE b;");
	assert_int_equal(count(&r, "downgrade-not-inverse"), 2);   /* leaves a, drops b */
	want(r, "downgrade-not-inverse", "-- retort:downgrade");
	want(lint("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX CONCURRENTLY ix ON t (c);",
		  "ALTER TABLE u DROP COLUMN c;"), "downgrade-not-inverse", "-- retort:downgrade");
	/* the index goes away with its column */
	clean(lint_opts("-- retort:transaction off", "ALTER TABLE t ADD COLUMN c int;\n"
			"CREATE INDEX CONCURRENTLY ix ON t (c);", "ALTER TABLE t DROP COLUMN c;", true),
	      "downgrade-not-inverse");
	clean(lint("CREATE TABLE a (id int PRIMARY KEY);\nCREATE INDEX ix ON a (id);", "DROP TABLE a;"),
	      "downgrade-not-inverse");
	/* dropped and made again by the upgrade (around a type change): not new */
	clean(lint("DROP INDEX ix_live;\nALTER TABLE t DROP CONSTRAINT ck_s;\n"
		   "ALTER TABLE t ALTER COLUMN s TYPE text;\n"
		   "ALTER TABLE t ADD CONSTRAINT ck_s CHECK (s <> 'x');\n"
		   "CREATE INDEX ix_live ON t (id) WHERE s <> 'x';",
		   "DROP INDEX ix_live;\nALTER TABLE t DROP CONSTRAINT ck_s;\n"
		   "ALTER TABLE t ALTER COLUMN s TYPE varchar(10);\n"
		   "ALTER TABLE t ADD CONSTRAINT ck_s CHECK (s <> 'x');\n"
		   "CREATE INDEX ix_live ON t (id) WHERE s <> 'x';"), "downgrade-not-inverse");
	/* ... but one made only by the upgrade still is */
	want(lint("CREATE INDEX ix_new ON t (id);", "SELECT 1;"), "downgrade-not-inverse",
	     "-- retort:downgrade");
	/* the upgrade drops a column the downgrade does not restore */
	want(lint("-- retort:allow ban-drop-column because tested\nALTER TABLE t DROP COLUMN c;",
		  "SELECT 1;"), "downgrade-not-inverse", "-- retort:downgrade");
}

/* ---- locks and rewrites ---------------------------------------------------------- */

static void
test_index_creation(void **state)
{
	(void)state;
	want(lint("CREATE INDEX ix ON users (email);", "DROP INDEX ix;"),
	     "require-concurrent-index-creation", "CREATE INDEX");
	/* a fresh table followed by its index is not flagged */
	clean(lint("CREATE TABLE t (id int PRIMARY KEY, e text);\nCREATE UNIQUE INDEX ix ON t (e);",
		   "DROP TABLE t;"), "require-concurrent-index-creation");
	clean(lint_opts("-- retort:transaction off", "CREATE INDEX CONCURRENTLY ix ON users (email);",
			"DROP INDEX CONCURRENTLY ix;", true), "require-concurrent-index-creation");
}

static void
test_index_deletion(void **state)
{
	(void)state;
	want(lint("CREATE TABLE t (id int PRIMARY KEY);", "DROP INDEX ix_old;\nDROP TABLE t;"),
	     "require-concurrent-index-deletion", "DROP INDEX");
	clean(lint_opts("-- retort:transaction off", "DROP INDEX CONCURRENTLY IF EXISTS ix;",
			"CREATE INDEX CONCURRENTLY ix ON t (c);", true), "require-concurrent-index-deletion");
}

static void
test_concurrently_in_transaction(void **state)
{
	(void)state;
	want(lint("CREATE INDEX CONCURRENTLY ix ON users (email);", "DROP INDEX CONCURRENTLY ix;"),
	     "ban-concurrent-index-creation-in-transaction", "CREATE INDEX");
	want(lint("CREATE INDEX CONCURRENTLY ix ON users (email);", "DROP INDEX CONCURRENTLY ix;"),
	     "ban-concurrent-index-creation-in-transaction", "DROP INDEX");
	clean(lint_opts("-- retort:transaction off", "CREATE INDEX CONCURRENTLY ix ON users (email);",
			"DROP INDEX CONCURRENTLY ix;", true), "ban-concurrent-index-creation-in-transaction");
}

static void
test_constraint_not_valid(void **state)
{
	(void)state;
	want(lint("ALTER TABLE r ADD CONSTRAINT r_fk FOREIGN KEY (u) REFERENCES users (id);",
		  "ALTER TABLE r DROP CONSTRAINT r_fk;"),
	     "constraint-missing-not-valid", "ALTER TABLE r ADD");
	want(lint("ALTER TABLE r ADD CONSTRAINT r_ck CHECK (n > 0);", "ALTER TABLE r DROP CONSTRAINT r_ck;"),
	     "constraint-missing-not-valid", "ALTER TABLE r ADD");
	clean(lint("ALTER TABLE r ADD CONSTRAINT r_fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;",
		   "ALTER TABLE r DROP CONSTRAINT r_fk;"), "constraint-missing-not-valid");
	clean(lint("CREATE TABLE r (id int PRIMARY KEY, u int);\n"
		   "ALTER TABLE r ADD CONSTRAINT r_fk FOREIGN KEY (u) REFERENCES users (id);",
		   "DROP TABLE r;"), "constraint-missing-not-valid");
}

static void
test_unique_constraint(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ADD CONSTRAINT t_e_key UNIQUE (e);", "ALTER TABLE t DROP CONSTRAINT t_e_key;"),
	     "disallowed-unique-constraint", "ALTER TABLE t ADD");
	want(lint("ALTER TABLE t ADD PRIMARY KEY (id);", "ALTER TABLE t DROP CONSTRAINT t_pkey;"),
	     "disallowed-unique-constraint", "ALTER TABLE t ADD");
	clean(lint("ALTER TABLE t ADD CONSTRAINT t_e_key UNIQUE USING INDEX t_e_idx;",
		   "ALTER TABLE t DROP CONSTRAINT t_e_key;"), "disallowed-unique-constraint");
}

static void
test_changing_column_type(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ALTER COLUMN n TYPE bigint;", "ALTER TABLE t ALTER COLUMN n TYPE int;"),
	     "changing-column-type", "ALTER TABLE t ALTER");
	want(lint("ALTER TABLE t ALTER n SET DATA TYPE bigint;", "ALTER TABLE t ALTER n TYPE int;"),
	     "changing-column-type", "ALTER TABLE t ALTER");
	clean(lint("ALTER TABLE t ALTER COLUMN n SET DEFAULT 0;", "ALTER TABLE t ALTER COLUMN n DROP DEFAULT;"),
	      "changing-column-type");
}

static void
test_volatile_default(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();", "ALTER TABLE t DROP COLUMN u;"),
	     "adding-field-with-default", "ALTER TABLE t ADD");
	want(lint("ALTER TABLE t ADD COLUMN at timestamptz NOT NULL DEFAULT clock_timestamp();",
		  "ALTER TABLE t DROP COLUMN at;"), "adding-field-with-default", "ALTER TABLE t ADD");
	clean(lint("ALTER TABLE t ADD COLUMN at timestamptz NOT NULL DEFAULT now();",
		   "ALTER TABLE t DROP COLUMN at;"), "adding-field-with-default");
	/* a string is no function call */
	clean(lint("ALTER TABLE t ADD COLUMN s text DEFAULT 'random()';", "ALTER TABLE t DROP COLUMN s;"),
	      "adding-field-with-default");
}

static void
test_stored_generated(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (n * 2) STORED;",
		  "ALTER TABLE t DROP COLUMN g;"), "adding-stored-generated-column", "ALTER TABLE");
	clean(lint("ALTER TABLE t ADD COLUMN g int;", "ALTER TABLE t DROP COLUMN g;"),
	      "adding-stored-generated-column");
}

static void
test_statements_after_access_exclusive(void **state)
{
	(void)state;
	want(lint("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 1;", "ALTER TABLE t DROP COLUMN c;"),
	     "statements-after-access-exclusive", "ALTER TABLE t ADD");
	clean(lint("UPDATE t SET n = 1;\nALTER TABLE t ADD COLUMN c int;", "ALTER TABLE t DROP COLUMN c;"),
	      "statements-after-access-exclusive");
	/* statement by statement: no transaction holds the lock */
	clean(lint_opts("-- retort:transaction off", "ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 1;",
			"ALTER TABLE t DROP COLUMN c;", true), "statements-after-access-exclusive");
}

static void
test_require_lock_timeout(void **state)
{
	(void)state;
	want(lint_opts(NULL, "ALTER TABLE t ADD COLUMN c int;", "ALTER TABLE t DROP COLUMN c;", false),
	     "require-lock-timeout", "ALTER TABLE t ADD");
	clean(lint_opts(NULL, "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN c int;",
			"ALTER TABLE t DROP COLUMN c;", false), "require-lock-timeout");
	/* retort's own lock_timeout is on */
	clean(lint_opts(NULL, "ALTER TABLE t ADD COLUMN c int;", "ALTER TABLE t DROP COLUMN c;", true),
	      "require-lock-timeout");
}

/* ---- compatibility --------------------------------------------------------------- */

static void
test_renaming(void **state)
{
	(void)state;
	want(lint("ALTER TABLE users RENAME COLUMN name TO full_name;",
		  "ALTER TABLE users RENAME COLUMN full_name TO name;"), "renaming-column", "ALTER");
	want(lint("ALTER TABLE users RENAME TO people;", "ALTER TABLE people RENAME TO users;"),
	     "renaming-table", "ALTER");
	clean(lint("CREATE TABLE t (id int PRIMARY KEY, n int);\nALTER TABLE t RENAME COLUMN n TO m;",
		   "DROP TABLE t;"), "renaming-column");
	clean(lint("ALTER TABLE users RENAME CONSTRAINT a TO b;", "ALTER TABLE users RENAME CONSTRAINT b TO a;"),
	      "renaming-column");
}

static void
test_enum_value(void **state)
{
	(void)state;
	want(lint("ALTER TYPE mood ADD VALUE 'meh';\nUPDATE t SET m = 'meh' WHERE m IS NULL;", "SELECT 1;"),
	     "enum-value-used-in-transaction", "UPDATE");
	clean(lint("ALTER TYPE mood ADD VALUE 'meh';\nUPDATE t SET m = 'ok' WHERE m IS NULL;", "SELECT 1;"),
	      "enum-value-used-in-transaction");
	clean(lint_opts("-- retort:transaction off", "ALTER TYPE mood ADD VALUE 'meh';\n"
			"UPDATE t SET m = 'meh' WHERE m IS NULL;", "SELECT 1;", true),
	      "enum-value-used-in-transaction");
}

/* ---- hygiene ----------------------------------------------------------------------- */

static void
test_todo(void **state)
{
	(void)state;
	want(lint("-- TODO write the upgrade\nSELECT 1;", "SELECT 1;"), "todo-placeholder", "-- TODO");
	want(lint("SELECT 1;", "/* TODO */ SELECT 1;"), "todo-placeholder", "/* TODO");
	/* inside a string or a dollar quote: not a comment */
	clean(lint("SELECT '-- TODO';\nDO $$ BEGIN -- TODO\nEND $$;", "SELECT 1;"), "todo-placeholder");
	clean(lint("-- TODOs are done\nSELECT 1;", "SELECT 1;"), "todo-placeholder");
}

static void
test_not_in_migration(void **state)
{
	(void)state;
	want(lint("VACUUM FULL t;", "SELECT 1;"), "statement-not-in-migration", "VACUUM");
	want(lint("CREATE DATABASE x;", "DROP DATABASE x;"), "statement-not-in-migration",
	     "DROP DATABASE");
	want(lint_opts("-- retort:transaction off", "BEGIN;\nUPDATE t SET n = 1;\nCOMMIT;", "SELECT 1;", true),
	     "statement-not-in-migration", "BEGIN");
	clean(lint("ANALYZE t;", "SELECT 1;"), "statement-not-in-migration");
	clean(lint("SAVEPOINT a;\nSELECT 1;\nRELEASE SAVEPOINT a;", "SELECT 1;"), "statement-not-in-migration");
}

static void
test_unparsable(void **state)
{
	(void)state;
	want(lint("SELECT 1;\nSELECT 'abc;", "SELECT 1;"), "unparsable-sql", "SELECT 'abc");
	clean(lint("SELECT 'abc';", "SELECT 1;"), "unparsable-sql");
}

static void
test_types(void **state)
{
	(void)state;
	want(lint("CREATE TABLE t (a int);", "DROP TABLE t;"), "require-primary-key", "CREATE");
	clean(lint("CREATE TABLE t (a int, CONSTRAINT t_pkey PRIMARY KEY (a));", "DROP TABLE t;"),
	      "require-primary-key");
	want(lint("CREATE TABLE t (id int PRIMARY KEY, doc json);", "DROP TABLE t;"), "prefer-jsonb",
	     "CREATE");
	clean(lint("CREATE TABLE t (id int PRIMARY KEY, doc jsonb, \"json\" text);", "DROP TABLE t;"),
	      "prefer-jsonb");
	want(lint("ALTER TABLE t ADD COLUMN at timestamp(3);", "ALTER TABLE t DROP COLUMN at;"),
	     "prefer-timestamptz", "ALTER");
	clean(lint("ALTER TABLE t ADD COLUMN at timestamp(3) with time zone;\n"
		   "ALTER TABLE t ADD COLUMN b timestamptz;",
		   "ALTER TABLE t DROP COLUMN at;\nALTER TABLE t DROP COLUMN b;"), "prefer-timestamptz");
	want(lint("CREATE TABLE t (id bigserial PRIMARY KEY);", "DROP TABLE t;"), "prefer-identity",
	     "CREATE");
	clean(lint("CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);",
		   "DROP TABLE t;"), "prefer-identity");
}

/* ---- suppressions ------------------------------------------------------------------ */

static void
test_suppression(void **state)
{
	struct rt_lint_report r;

	(void)state;
	/* before the statement: that statement only */
	r = lint("-- retort:allow ban-drop-column because copied to b first\n"
		 "ALTER TABLE t DROP COLUMN a;\nALTER TABLE u DROP COLUMN a;",
		 "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u ADD COLUMN a int;");
	assert_int_equal(count(&r, "ban-drop-column"), 1);
	assert_int_equal(count(&r, "unused-suppression"), 0);
	want(r, "ban-drop-column", "ALTER TABLE u DROP");
	/* in the header block: the whole revision */
	r = lint_opts("-- retort:allow ban-drop-column because both were copied first",
		      "ALTER TABLE t DROP COLUMN a;\nALTER TABLE u DROP COLUMN a;",
		      "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u ADD COLUMN a int;", true);
	assert_int_equal(count(&r, "ban-drop-column"), 0);
	assert_int_equal(r.nerrors, 0);
	rt_lint_report_free(&r);
	/* several rules in one line */
	r = lint("-- retort:allow ban-drop-column,statements-after-access-exclusive because tested\n"
		 "ALTER TABLE t DROP COLUMN a;\nSELECT 1;", "ALTER TABLE t ADD COLUMN a int;");
	assert_int_equal(r.n, 0);
	rt_lint_report_free(&r);
}

static void
test_suppression_needs_reason(void **state)
{
	struct rt_lint_report r;

	(void)state;
	r = lint("-- retort:allow ban-drop-column\nALTER TABLE t DROP COLUMN a;",
		 "ALTER TABLE t ADD COLUMN a int;");
	assert_int_equal(count(&r, "ban-drop-column"), 1);     /* not suppressed */
	want(r, "suppression-without-reason", "-- retort:allow");
	want(lint("-- retort:allow ban-drop-column because\nALTER TABLE t DROP COLUMN a;",
		  "ALTER TABLE t ADD COLUMN a int;"), "suppression-without-reason", "-- retort:allow");
	want(lint_opts("-- retort:allow", "SELECT 1;", "SELECT 1;", true), "suppression-without-reason", "-- retort:allow");
}

static void
test_unused_suppression(void **state)
{
	(void)state;
	want(lint("-- retort:allow ban-drop-table because nothing\nALTER TABLE t ADD COLUMN a int;",
		  "ALTER TABLE t DROP COLUMN a;"), "unused-suppression", "-- retort:allow");
	want(lint_opts("-- retort:allow no-such-rule because typo", "SELECT 1;", "SELECT 1;", true),
	     "unused-suppression", "-- retort:allow");
	/* a suppression inside a string is no suppression */
	clean(lint("SELECT '-- retort:allow ban-drop-table because x';", "SELECT 1;"), "unused-suppression");
}

static void
test_rules_table(void **state)
{
	size_t n;
	const struct rt_lint_rule *rules = rt_lint_rules(&n);

	(void)state;
	assert_true(n >= 25);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(rt_lint_rule_find(rules[i].id), &rules[i]);
		assert_non_null(rules[i].what);
		assert_non_null(rules[i].safer);
	}
	assert_null(rt_lint_rule_find("nope"));
	assert_int_equal(rt_lint_rule_find("adding-required-field")->severity, RT_LINT_ERROR);
	assert_int_equal(rt_lint_rule_find("adding-not-nullable-field")->severity, RT_LINT_WARNING);
	assert_int_equal(rt_lint_rule_find("prefer-jsonb")->severity, RT_LINT_INFO);
}

/* The sample project lints clean: no finding at all. */
static void
test_sample_project(void **state)
{
	static const char *const files[] = {
		"07c2756f9194_create_resumes_and_job_descriptions.sql",
		"2733b3fe03af_add_full_name_to_users.sql", "3c2785439c5f_add_status_to_resumes_nullable.sql",
		"4d68eb8716bd_index_users_phone_concurrently.sql",
		"6ab519d54207_create_resume_templates_table.sql", "6b70e43fe85a_add_phone_field_to_users.sql",
		"6ee1c5ab22d4_create_users_table.sql", "8289ba23590a_resumes_template_foreign_key.sql",
		"a003f1a5e3fc_merge_google_and_status_branches.sql",
		"a6c9fa37834d_create_google_docs_exports_table.sql", "b12209810ecc_create_google_auth_table.sql",
		"bd06c0c5103e_backfill_resume_status_not_null.sql",
		"f240f187b0b4_rename_users_username_to_display_name.sql",
	};
	struct rt_lint_report r = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char path[1024];
		struct rt_err err = { 0 };
		struct rt_rev *rev;

		snprintf(path, sizeof(path), "%s/migrations/versions/%s", RT_SRCDIR, files[i]);
		rev = rt_rev_load(path, &err);
		if (!rev)
			fail_msg("%s", err.msg);
		assert_int_equal(rt_lint_rev(rev, NULL, &r, &err), 0);
		rt_rev_free(rev);
	}
	dump(&r);
	assert_int_equal(r.n, 0);
	rt_lint_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adding_required_field),
		cmocka_unit_test(test_adding_not_nullable_field),
		cmocka_unit_test(test_ban_drop_column),
		cmocka_unit_test(test_ban_drop_table),
		cmocka_unit_test(test_drop_then_add),
		cmocka_unit_test(test_empty_downgrade),
		cmocka_unit_test(test_downgrade_not_inverse),
		cmocka_unit_test(test_index_creation),
		cmocka_unit_test(test_index_deletion),
		cmocka_unit_test(test_concurrently_in_transaction),
		cmocka_unit_test(test_constraint_not_valid),
		cmocka_unit_test(test_unique_constraint),
		cmocka_unit_test(test_changing_column_type),
		cmocka_unit_test(test_volatile_default),
		cmocka_unit_test(test_stored_generated),
		cmocka_unit_test(test_statements_after_access_exclusive),
		cmocka_unit_test(test_require_lock_timeout),
		cmocka_unit_test(test_renaming),
		cmocka_unit_test(test_enum_value),
		cmocka_unit_test(test_todo),
		cmocka_unit_test(test_not_in_migration),
		cmocka_unit_test(test_unparsable),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_suppression),
		cmocka_unit_test(test_suppression_needs_reason),
		cmocka_unit_test(test_unused_suppression),
		cmocka_unit_test(test_rules_table),
		cmocka_unit_test(test_sample_project),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
