/* test_textdiff.c - rt_text_diff: diff -u of two texts (what changed in a
 * revision's file since it was applied). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "rt_textdiff.h"

static void
test_same(void **state)
{
	struct rt_buf out = { 0 };
	struct rt_err err = { 0 };
	bool differ = true;
	const char *t = "-- retort:upgrade\nSELECT 1;\n";

	(void)state;
	assert_int_equal(rt_text_diff(t, strlen(t), "a", t, strlen(t), "b", &out, &differ, &err), 0);
	assert_false(differ);
	assert_int_equal(out.len, 0);
	rt_buf_free(&out);
}

static void
test_changed(void **state)
{
	struct rt_buf out = { 0 };
	struct rt_err err = { 0 };
	bool differ = false;
	const char *a = "one\ntwo\nthree\n", *b = "one\n2\nthree\nfour\n";
	const char *s;

	(void)state;
	assert_int_equal(rt_text_diff(a, strlen(a), "x.sql (as applied)", b, strlen(b), "x.sql",
				      &out, &differ, &err), 0);
	assert_true(differ);
	s = rt_buf_str(&out);
	assert_non_null(strstr(s, "--- x.sql (as applied)\n"));
	assert_non_null(strstr(s, "+++ x.sql\n"));
	assert_non_null(strstr(s, "\n-two\n"));
	assert_non_null(strstr(s, "\n+2\n"));
	assert_non_null(strstr(s, "\n+four\n"));
	assert_non_null(strstr(s, "\n one\n"));
	rt_buf_free(&out);
}

/* Bytes that are not text (a NUL, invalid UTF-8) still compare. */
static void
test_bytes(void **state)
{
	struct rt_buf out = { 0 };
	struct rt_err err = { 0 };
	bool differ = false;
	const char a[] = "x\0y\n", b[] = "x\xff y\n";

	(void)state;
	assert_int_equal(rt_text_diff(a, sizeof(a) - 1, "a", b, sizeof(b) - 1, "b", &out, &differ,
				      &err), 0);
	assert_true(differ);
	rt_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
