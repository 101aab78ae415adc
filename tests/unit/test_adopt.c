/* test_adopt.c - unit tests for rt_adopt.h: the import's TODO marker and the
 * revision text rt_rev_render writes for an import. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_adopt.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_project.h"

static struct rt_rev *
parse(const char *text)
{
	struct rt_err err = { 0 };
	struct rt_rev *rev = rt_rev_parse("t.sql", text, strlen(text), &err);

	if (!rev)
		fail_msg("parse: %s", err.msg);
	return rev;
}

static void
test_todo_marker(void **state)
{
	struct rt_rev *rev;

	(void)state;
	rev = parse("-- retort:revision a1\n-- retort:down_revision none\n\n"
		    "-- retort:upgrade\n" RT_IMPORT_TODO " Alembic could not render upgrade()\n"
		    "--   def upgrade():\n\n-- retort:downgrade\nDROP TABLE x;\n");
	assert_true(rt_rev_has_import_todo(rev));
	rt_rev_free(rev);
	/* in the downgrade only */
	rev = parse("-- retort:revision a1\n-- retort:down_revision none\n\n"
		    "-- retort:upgrade\nCREATE TABLE x ();\n\n-- retort:downgrade\n"
		    "-- one\n" RT_IMPORT_TODO " x\n");
	assert_true(rt_rev_has_import_todo(rev));
	rt_rev_free(rev);
	/* an ordinary TODO, or the marker not at a line's start, is not it */
	rev = parse("-- retort:revision a1\n-- retort:down_revision none\n\n"
		    "-- retort:upgrade\n-- TODO: index later\nSELECT '" RT_IMPORT_TODO "';\n\n"
		    "-- retort:downgrade\nSELECT 1;\n");
	assert_false(rt_rev_has_import_todo(rev));
	rt_rev_free(rev);
	assert_false(rt_rev_has_import_todo(NULL));
}

static void
test_render_import(void **state)
{
	struct rt_strv parents = { 0 }, labels = { 0 };
	struct rt_rev_spec spec = { 0 };
	struct rt_buf text = { 0 };
	struct rt_err err = { 0 };
	struct rt_rev *rev;
	char *name = NULL;

	(void)state;
	rt_strv_push(&parents, "1a0000000005");
	rt_strv_push(&parents, "1a0000000006");
	rt_strv_push(&labels, "google");
	spec.id = "1a0000000007";
	spec.message = "merge tags and published";
	spec.parents = &parents;
	spec.labels = &labels;
	spec.upgrade = "CREATE INDEX CONCURRENTLY i ON t (a);";
	spec.downgrade = "DROP INDEX CONCURRENTLY i;";
	spec.created = "2024-03-08 09:00:00.000000";
	spec.is_transaction_off = true;
	assert_int_equal(rt_rev_render(&spec, &text, &name, &err), 0);
	assert_string_equal(name, "1a0000000007_merge_tags_and_published.sql");
	rev = parse(text.data);
	assert_int_equal(rev->ndown, 2);
	assert_string_equal(rev->down[1], "1a0000000006");
	assert_string_equal(rev->created, "2024-03-08 09:00:00.000000");
	assert_string_equal(rev->labels[0], "google");
	assert_false(rev->is_transactional);
	rt_rev_free(rev);
	free(name);
	rt_buf_reset(&text);
	/* created "" writes no created line */
	spec.created = "";
	spec.is_transaction_off = false;
	assert_int_equal(rt_rev_render(&spec, &text, &name, &err), 0);
	assert_null(strstr(text.data, "retort:created"));
	rev = parse(text.data);
	assert_null(rev->created);
	assert_true(rev->is_transactional);
	rt_rev_free(rev);
	free(name);
	rt_buf_free(&text);
	rt_strv_free(&parents);
	rt_strv_free(&labels);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_todo_marker),
		cmocka_unit_test(test_render_import),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
