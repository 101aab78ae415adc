/* test_ui_table.c - the table viewer's formatting: cells cut with an
 * ellipsis, NULL apart from the empty string, the filter line, JSON lines. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <locale.h>

#include "rowbuf.h"
#include "tablefmt.h"

static void
test_cells(void **state)
{
	struct rowbuf rb = { 0 };

	(void)state;
	table_cell(&rb, "abc", 6, true);
	assert_string_equal(rowbuf_str(&rb), "abc   ");
	rowbuf_reset(&rb);
	table_cell(&rb, "abcdefghij", 6, true);
	assert_string_equal(rowbuf_str(&rb), "abcde\u2026");
	assert_int_equal(ui_width(rowbuf_str(&rb), strlen(rowbuf_str(&rb))), 6);
	assert_int_equal(rowbuf_role_at(&rb, 5), R_DIM);
	rowbuf_reset(&rb);
	table_cell(&rb, "abcdefghij", 6, false);
	assert_string_equal(rowbuf_str(&rb), "abcde~");
	/* NULL: the word in its own role; the empty string: blanks */
	rowbuf_reset(&rb);
	table_cell(&rb, NULL, 6, true);
	assert_string_equal(rowbuf_str(&rb), "NULL  ");
	assert_int_equal(rowbuf_role_at(&rb, 0), R_NULL);
	assert_int_equal(rowbuf_role_at(&rb, 5), R_NORMAL);
	rowbuf_reset(&rb);
	table_cell(&rb, "", 4, true);
	assert_string_equal(rowbuf_str(&rb), "    ");
	assert_int_equal(rowbuf_role_at(&rb, 0), R_NORMAL);
	/* "NULL" the text is not NULL the value */
	rowbuf_reset(&rb);
	table_cell(&rb, "NULL", 4, true);
	assert_int_equal(rowbuf_role_at(&rb, 0), R_NORMAL);
	/* line breaks one mark each, wide characters by width */
	rowbuf_reset(&rb);
	table_cell(&rb, "a\nb", 4, true);
	assert_string_equal(rowbuf_str(&rb), "a\u21b5b ");
	rowbuf_reset(&rb);
	table_cell(&rb, "\u65e5\u672c\u8a9e", 5, true);   /* 6 columns into 5 */
	assert_string_equal(rowbuf_str(&rb), "\u65e5\u672c\u2026");
	assert_int_equal(table_cell_width(NULL), 4);
	assert_int_equal(table_cell_width("\u65e5\u672c"), 4);
	rowbuf_free(&rb);
}

static void
test_filter_line(void **state)
{
	char *c, *v;

	(void)state;
	assert_int_equal(table_parse_filter("  status = active ", &c, &v), 1);
	assert_string_equal(c, "status");
	assert_string_equal(v, "active");
	free(c), free(v);
	assert_int_equal(table_parse_filter("note=''", &c, &v), 1);
	assert_string_equal(v, "");
	free(c), free(v);
	assert_int_equal(table_parse_filter("note=\" a=b \"", &c, &v), 1);
	assert_string_equal(c, "note");
	assert_string_equal(v, " a=b ");
	free(c), free(v);
	assert_int_equal(table_parse_filter("email IS NULL", &c, &v), 1);
	assert_string_equal(c, "email");
	assert_null(v);
	free(c);
	assert_int_equal(table_parse_filter("   ", &c, &v), 0);
	assert_int_equal(table_parse_filter("novalue", &c, &v), -1);
	assert_int_equal(table_parse_filter("=x", &c, &v), -1);
	assert_int_equal(table_parse_filter(" is null", &c, &v), -1);
}

static void
test_json(void **state)
{
	struct rt_strv l = { 0 };

	(void)state;
	table_json_lines("{\"a\": [1, 2], \"b\": {}, \"c\": \"x, {y}\"}", &l);
	assert_int_equal(l.n, 8);
	assert_string_equal(l.v[0], "{");
	assert_string_equal(l.v[1], "  \"a\": [");
	assert_string_equal(l.v[2], "    1,");
	assert_string_equal(l.v[3], "    2");
	assert_string_equal(l.v[4], "  ],");
	assert_string_equal(l.v[5], "  \"b\": {},");
	assert_string_equal(l.v[6], "  \"c\": \"x, {y}\"");
	assert_string_equal(l.v[7], "}");
	rt_strv_free(&l);
	table_json_lines("42", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "42");
	rt_strv_free(&l);
	table_wrap("abcdefg\nhi", 3, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0], "abc");
	assert_string_equal(l.v[2], "g");
	assert_string_equal(l.v[3], "hi");
	rt_strv_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_filter_line),
		cmocka_unit_test(test_json),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
