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
	expect(&l.v[3], "ALTER COLUMN", "users", "ACCESS EXCLUSIVE", 8);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_fresh_table_and_downgrade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
