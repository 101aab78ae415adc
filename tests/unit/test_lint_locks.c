/* test_lint_locks.c - unit tests for rt_lint_locks (rt_lint.h): the lock
 * level PostgreSQL documents for each statement kind, the tables, and the
 * data checks preflight runs; tables created in the same section left out. */
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

static char text[8192];

static struct rt_lint_locks
locks(const char *up, const char *down, bool is_up)
{
	struct rt_lint_locks l = { 0 };
	struct rt_err err = { 0 };
	struct rt_rev *rev;

	snprintf(text, sizeof(text), "-- retort:revision a1\n-- retort:down_revision none\n\n"
		 "-- retort:upgrade\n%s\n\n-- retort:downgrade\n%s\n", up, down);
	rev = rt_rev_parse("t.sql", text, strlen(text), &err);
	if (!rev)
		fail_msg("parse: %s", err.msg);
	if (rt_lint_locks(rev, is_up, &l, &err) < 0)
		fail_msg("locks: %s", err.msg);
	rt_rev_free(rev);
	return l;
}

static void
expect(const struct rt_lint_lock *k, const char *what, const char *table, const char *mode,
       int line)
{
	assert_string_equal(k->what, what);
	assert_string_equal(k->table, table);
	assert_string_equal(k->mode, mode);
	assert_int_equal(k->line, line);
}

static void
test_levels(void **state)
{
	struct rt_lint_locks l = locks(
		"ALTER TABLE users ADD COLUMN phone text;\n"
		"CREATE INDEX ix ON users (phone);\n"
		"ALTER TABLE users VALIDATE CONSTRAINT c;\n"
		"ALTER TABLE Users ALTER COLUMN phone TYPE varchar(20);\n"
		"DROP INDEX ix_old;\n"
		"TRUNCATE t2;\n",
		"SELECT 1;", true);

	(void)state;
	assert_int_equal(l.n, 6);
	expect(&l.v[0], "ADD COLUMN", "users", "ACCESS EXCLUSIVE", 5);
	expect(&l.v[1], "CREATE INDEX", "users", "SHARE", 6);
	expect(&l.v[2], "VALIDATE CONSTRAINT", "users", "SHARE UPDATE EXCLUSIVE", 7);
	expect(&l.v[3], "ALTER COLUMN TYPE", "users", "ACCESS EXCLUSIVE", 8);
	expect(&l.v[4], "DROP INDEX", "ix_old", "ACCESS EXCLUSIVE", 9);
	expect(&l.v[5], "TRUNCATE", "t2", "ACCESS EXCLUSIVE", 10);
	assert_int_equal(l.v[0].check, RT_LINT_CHECK_NONE);
	rt_lint_locks_free(&l);
}

static void
test_checks(void **state)
{
	struct rt_lint_locks l = locks(
		"ALTER TABLE items ALTER COLUMN email SET NOT NULL;\n"
		"ALTER TABLE items ADD CONSTRAINT u UNIQUE (email, owner);\n"
		"ALTER TABLE items ADD PRIMARY KEY (id);\n"
		"ALTER TABLE items ADD CONSTRAINT fk FOREIGN KEY (owner) REFERENCES public.owners (id);\n"
		"CREATE UNIQUE INDEX CONCURRENTLY ux ON items (code);\n"
		"ALTER TABLE items ADD CONSTRAINT fk2 FOREIGN KEY (o2) REFERENCES owners NOT VALID;\n",
		"SELECT 1;", true);

	(void)state;
	assert_int_equal(l.n, 8);
	expect(&l.v[0], "SET NOT NULL", "items", "ACCESS EXCLUSIVE", 5);
	assert_int_equal(l.v[0].check, RT_LINT_CHECK_NOT_NULL);
	assert_string_equal(l.v[0].columns, "email");
	expect(&l.v[1], "ADD UNIQUE", "items", "ACCESS EXCLUSIVE", 6);
	assert_int_equal(l.v[1].check, RT_LINT_CHECK_UNIQUE);
	assert_string_equal(l.v[1].columns, "email,owner");
	expect(&l.v[2], "ADD PRIMARY KEY", "items", "ACCESS EXCLUSIVE", 7);
	assert_int_equal(l.v[2].check, RT_LINT_CHECK_PRIMARY_KEY);
	expect(&l.v[3], "ADD FOREIGN KEY", "items", "SHARE ROW EXCLUSIVE", 8);
	assert_int_equal(l.v[3].check, RT_LINT_CHECK_FOREIGN_KEY);
	assert_string_equal(l.v[3].columns, "owner");
	assert_string_equal(l.v[3].ref_table, "owners");
	assert_string_equal(l.v[3].ref_columns, "id");
	expect(&l.v[4], "ADD FOREIGN KEY (referenced)", "owners", "SHARE ROW EXCLUSIVE", 8);
	expect(&l.v[5], "CREATE UNIQUE INDEX CONCURRENTLY", "items", "SHARE UPDATE EXCLUSIVE", 9);
	assert_int_equal(l.v[5].check, RT_LINT_CHECK_UNIQUE);
	assert_string_equal(l.v[5].columns, "code");
	/* NOT VALID: no orphan check (nothing is validated now) */
	expect(&l.v[6], "ADD FOREIGN KEY", "items", "SHARE ROW EXCLUSIVE", 10);
	assert_int_equal(l.v[6].check, RT_LINT_CHECK_NONE);
	expect(&l.v[7], "ADD FOREIGN KEY (referenced)", "owners", "SHARE ROW EXCLUSIVE", 10);
	rt_lint_locks_free(&l);
}

static void
test_fresh_table_and_downgrade(void **state)
{
	struct rt_lint_locks l = locks(
		"CREATE TABLE fresh (id int PRIMARY KEY, x int);\n"
		"CREATE INDEX fresh_x ON fresh (x);\n"
		"ALTER TABLE fresh ALTER COLUMN x SET NOT NULL;\n",
		"DROP TABLE fresh;", true);

	(void)state;
	assert_int_equal(l.n, 0);
	rt_lint_locks_free(&l);
	l = locks("CREATE TABLE fresh (id int PRIMARY KEY);", "DROP TABLE fresh;", false);
	assert_int_equal(l.n, 1);
	expect(&l.v[0], "DROP TABLE", "fresh", "ACCESS EXCLUSIVE", 8);
	rt_lint_locks_free(&l);
}

/* The work each statement does on the table's data (preflight's estimate). */
static void
test_work(void **state)
{
	struct rt_lint_locks l = locks(
		"ALTER TABLE t ADD COLUMN a int DEFAULT 0;\n"
		"ALTER TABLE t ADD COLUMN b uuid DEFAULT gen_random_uuid();\n"
		"ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY;\n"
		"ALTER TABLE t ALTER COLUMN d SET NOT NULL;\n"
		"CREATE INDEX CONCURRENTLY ix ON t (a);\n"
		"CREATE UNIQUE INDEX ux ON t (b);\n"
		"ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (c);\n"
		"ALTER TABLE t ADD CONSTRAINT u2 UNIQUE USING INDEX ux;\n"
		"ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0);\n"
		"ALTER TABLE t ADD CONSTRAINT ck2 CHECK (a > 1) NOT VALID;\n"
		"ALTER TABLE t VALIDATE CONSTRAINT ck2;\n"
		"ALTER TABLE t SET LOGGED;\n"
		"ALTER TABLE t SET UNLOGGED;\n"
		"CLUSTER t USING ix;\n"
		"VACUUM (FULL, VERBOSE) t;\n"
		"VACUUM FULL ANALYZE t;\n"
		"VACUUM t;\n"
		"ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;\n",
		"SELECT 1;", true);
	static const enum rt_lint_work want[] = {
		RT_LINT_WORK_NONE, RT_LINT_WORK_REWRITE, RT_LINT_WORK_REWRITE, RT_LINT_WORK_SCAN,
		RT_LINT_WORK_INDEX, RT_LINT_WORK_INDEX, RT_LINT_WORK_INDEX, RT_LINT_WORK_NONE,
		RT_LINT_WORK_SCAN, RT_LINT_WORK_NONE, RT_LINT_WORK_SCAN, RT_LINT_WORK_REWRITE,
		RT_LINT_WORK_REWRITE, RT_LINT_WORK_REWRITE, RT_LINT_WORK_REWRITE,
		RT_LINT_WORK_REWRITE, RT_LINT_WORK_NONE,
	};

	(void)state;
	assert_int_equal(l.n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].work != want[i])
			fail_msg("lock %zu (%s, line %d): work %d, want %d", i, l.v[i].what,
				 l.v[i].line, (int)l.v[i].work, (int)want[i]);
	}
	assert_string_equal(l.v[11].what, "SET LOGGED");
	assert_string_equal(l.v[12].what, "SET UNLOGGED");
	expect(&l.v[13], "CLUSTER", "t", "ACCESS EXCLUSIVE", 18);
	expect(&l.v[14], "VACUUM FULL", "t", "ACCESS EXCLUSIVE", 19);
	expect(&l.v[15], "VACUUM FULL", "t", "ACCESS EXCLUSIVE", 20);
	rt_lint_locks_free(&l);

	/* a valid CHECK (d IS NOT NULL) spares SET NOT NULL its scan */
	l = locks("ALTER TABLE t ADD CONSTRAINT nn CHECK (d IS NOT NULL) NOT VALID;\n"
		  "ALTER TABLE t VALIDATE CONSTRAINT nn;\n"
		  "ALTER TABLE t ALTER COLUMN d SET NOT NULL;\n", "SELECT 1;", true);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[1].work, RT_LINT_WORK_SCAN);
	expect(&l.v[2], "SET NOT NULL", "t", "ACCESS EXCLUSIVE", 7);
	assert_int_equal(l.v[2].work, RT_LINT_WORK_NONE);
	rt_lint_locks_free(&l);
}

/* ALTER COLUMN TYPE: the type and USING as written, the cast check. */
static void
test_type_change(void **state)
{
	struct rt_lint_locks l = locks(
		"ALTER TABLE users ALTER COLUMN age TYPE integer USING nullif(age, '')::integer;\n"
		"ALTER TABLE users ALTER name SET DATA TYPE character varying(40);\n"
		"ALTER TABLE users ALTER COLUMN code TYPE numeric(12, 2) USING code::numeric(12,2),\n"
		"  ALTER COLUMN Other TYPE text COLLATE \"C\" USING other;\n"
		"ALTER TABLE users ALTER COLUMN x TYPE int USING x + 1;\n",
		"SELECT 1;", true);

	(void)state;
	assert_int_equal(l.n, 5);
	expect(&l.v[0], "ALTER COLUMN TYPE", "users", "ACCESS EXCLUSIVE", 5);
	assert_int_equal(l.v[0].work, RT_LINT_WORK_TYPE);
	assert_int_equal(l.v[0].check, RT_LINT_CHECK_CAST);
	assert_string_equal(l.v[0].columns, "age");
	assert_string_equal(l.v[0].new_type, "integer");
	assert_string_equal(l.v[0].using_expr, "nullif(age, '')::integer");
	assert_false(l.v[0].is_using_plain);
	assert_string_equal(l.v[1].new_type, "character varying(40)");
	assert_null(l.v[1].using_expr);
	assert_string_equal(l.v[1].columns, "name");
	/* USING the column cast to the same type: plain */
	assert_string_equal(l.v[2].new_type, "numeric(12, 2)");
	assert_string_equal(l.v[2].using_expr, "code::numeric(12,2)");
	assert_true(l.v[2].is_using_plain);
	/* the second action of the same statement; COLLATE ends the type */
	expect(&l.v[3], "ALTER COLUMN TYPE", "users", "ACCESS EXCLUSIVE", 7);
	assert_string_equal(l.v[3].columns, "other");
	assert_string_equal(l.v[3].new_type, "text");
	assert_true(l.v[3].is_using_plain);
	assert_false(l.v[4].is_using_plain);
	rt_lint_locks_free(&l);
}

static bool
rewrites(const char *old_type, int old_mod, const char *new_type, int new_mod, bool binary,
	 bool has_using)
{
	struct rt_lint_type_change tc = { old_type, old_mod, new_type, new_mod, binary, has_using };

	return rt_lint_type_change_rewrites(&tc);
}

/* The cases PostgreSQL documents as keeping the stored values. */
static void
test_type_change_rewrites(void **state)
{
	(void)state;
	/* varchar(20) -> varchar(40), -> varchar, -> text: no rewrite */
	assert_false(rewrites("varchar", 24, "varchar", 44, true, false));
	assert_false(rewrites("varchar", 24, "varchar", -1, true, false));
	assert_false(rewrites("varchar", 24, "text", -1, true, false));
	assert_false(rewrites("text", -1, "varchar", -1, true, false));
	/* shorter, or a length on another type: every value is checked */
	assert_true(rewrites("varchar", 44, "varchar", 24, true, false));
	assert_true(rewrites("text", -1, "varchar", 44, true, false));
	/* numeric(10,2) -> numeric(12,2) keeps, -> numeric(12,3) does not */
	assert_false(rewrites("numeric", (10 << 16 | 2) + 4, "numeric", (12 << 16 | 2) + 4, true,
			      false));
	assert_true(rewrites("numeric", (10 << 16 | 2) + 4, "numeric", (12 << 16 | 3) + 4, true,
			     false));
	assert_false(rewrites("numeric", (10 << 16 | 2) + 4, "numeric", -1, true, false));
	/* timestamp(0) -> timestamp(3) or timestamp; char(n) always rewrites */
	assert_false(rewrites("timestamp", 0, "timestamp", 3, true, false));
	assert_false(rewrites("timestamp", 0, "timestamp", -1, true, false));
	assert_true(rewrites("timestamp", 3, "timestamp", 0, true, false));
	assert_true(rewrites("bpchar", 14, "bpchar", 24, true, false));
	/* the same type and typmod; int -> bigint; a USING */
	assert_false(rewrites("int4", -1, "int4", -1, true, false));
	assert_true(rewrites("int4", -1, "int8", -1, false, false));
	assert_true(rewrites("varchar", 24, "varchar", 44, true, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_fresh_table_and_downgrade),
		cmocka_unit_test(test_work),
		cmocka_unit_test(test_type_change),
		cmocka_unit_test(test_type_change_rewrites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
