/* test_sqlsplit.c - unit tests for rt_sql_split. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "rt_sqlsplit.h"

struct want {
	const char *sql;
	int line;
};

/* Splits script and checks the statements against want (n of them). */
static void
check_split(const char *script, int first_line, const struct want *want, size_t n)
{
	struct rt_stmt_list list = { 0 };
	struct rt_err err = { 0 };
	size_t i;

	if (rt_sql_split(script, first_line, &list, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	assert_int_equal(err.kind, RT_ERR_NONE);
	if (list.n != n) {
		size_t got = list.n;

		for (i = 0; i < got; i++)
			print_message("# got [%zu] line %d: <%s>\n", i, list.v[i].line,
				list.v[i].sql);
		rt_stmt_list_free(&list);
		fail_msg("got %zu statements, want %zu", got, n);
	}
	for (i = 0; i < n; i++) {
		assert_string_equal(list.v[i].sql, want[i].sql);
		assert_int_equal(list.v[i].line, want[i].line);
	}
	rt_stmt_list_free(&list);
	assert_null(list.v);
	assert_int_equal(list.n, 0);
}

#define CHECK(script, first_line, ...) do { \
	static const struct want w_[] = { __VA_ARGS__ }; \
	check_split(script, first_line, w_, sizeof(w_) / sizeof(w_[0])); \
} while (0)

static void
check_none(const char *script)
{
	check_split(script, 1, NULL, 0);
}

static void
check_error(const char *script, int first_line, const char *msg)
{
	struct rt_stmt_list list = { 0 };
	struct rt_err err = { 0 };

	assert_int_equal(rt_sql_split(script, first_line, &list, &err), -1);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, msg);
	assert_null(list.v);
	assert_int_equal(list.n, 0);
}

static void
test_simple(void **state)
{
	(void)state;
	CHECK("SELECT 1; SELECT 2;", 1, { "SELECT 1", 1 }, { "SELECT 2", 1 });
	CHECK("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n", 1,
		{ "CREATE TABLE t (a int)", 1 }, { "INSERT INTO t VALUES (1)", 2 });
	CHECK("  \n\t SELECT\n  1\n\t;  \n", 1, { "SELECT\n  1", 2 });
}

static void
test_empty_statements(void **state)
{
	(void)state;
	check_none("");
	check_none("   \n\t\n");
	check_none(";;;");
	check_none(" ; \n ;");
	CHECK(";SELECT 1;;", 1, { "SELECT 1", 1 });
}

static void
test_trailing_without_semicolon(void **state)
{
	(void)state;
	CHECK("SELECT 1;\nSELECT 2\n\n", 1, { "SELECT 1", 1 }, { "SELECT 2", 2 });
	CHECK("SELECT 3 -- done", 1, { "SELECT 3 -- done", 1 });
}

static void
test_strings(void **state)
{
	(void)state;
	CHECK("SELECT 'a;b'; SELECT 'it''s; fine';", 1,
		{ "SELECT 'a;b'", 1 }, { "SELECT 'it''s; fine'", 1 });
	/* a backslash is an ordinary character in a standard string */
	CHECK("SELECT 'C:\\'; SELECT 2;", 1, { "SELECT 'C:\\'", 1 }, { "SELECT 2", 1 });
	CHECK("SELECT '--not a comment;'; SELECT '/*';", 1,
		{ "SELECT '--not a comment;'", 1 }, { "SELECT '/*'", 1 });
	CHECK("SELECT 'multi\nline;\n'; SELECT 2;", 1,
		{ "SELECT 'multi\nline;\n'", 1 }, { "SELECT 2", 3 });
}

static void
test_escape_strings(void **state)
{
	(void)state;
	CHECK("SELECT E'\\'; still'; SELECT 2;", 1,
		{ "SELECT E'\\'; still'", 1 }, { "SELECT 2", 1 });
	CHECK("SELECT e'a\\\\'; SELECT 2;", 1, { "SELECT e'a\\\\'", 1 }, { "SELECT 2", 1 });
	CHECK("SELECT E'x''; y'; SELECT 2;", 1, { "SELECT E'x''; y'", 1 }, { "SELECT 2", 1 });
	/* "e" at the end of a longer identifier is not a prefix: 'x\' ends there */
	CHECK("SELECT some'x\\'; SELECT 2;", 1, { "SELECT some'x\\'", 1 }, { "SELECT 2", 1 });
	/* an escaped newline still counts as a line */
	CHECK("SELECT E'\\\n';\nSELECT 2;", 1, { "SELECT E'\\\n'", 1 }, { "SELECT 2", 3 });
}

static void
test_identifiers(void **state)
{
	(void)state;
	CHECK("SELECT 1 AS \"a;b\"; SELECT \"x\"\";y\" FROM t;", 1,
		{ "SELECT 1 AS \"a;b\"", 1 }, { "SELECT \"x\"\";y\" FROM t", 1 });
	CHECK("SELECT \"it's\"; SELECT 2;", 1, { "SELECT \"it's\"", 1 }, { "SELECT 2", 1 });
}

static void
test_dollar_quotes(void **state)
{
	(void)state;
	CHECK("DO $$ BEGIN PERFORM 1; END $$; SELECT 2;", 1,
		{ "DO $$ BEGIN PERFORM 1; END $$", 1 }, { "SELECT 2", 1 });
	CHECK("CREATE FUNCTION f() RETURNS int AS $body$\n"
		"SELECT 1; -- $$ here\n$body$ LANGUAGE sql;\nSELECT 2;", 1,
		{ "CREATE FUNCTION f() RETURNS int AS $body$\n"
		  "SELECT 1; -- $$ here\n$body$ LANGUAGE sql", 1 },
		{ "SELECT 2", 4 });
	CHECK("SELECT $_x1$ ' \" ; $_x1$; SELECT 2;", 1,
		{ "SELECT $_x1$ ' \" ; $_x1$", 1 }, { "SELECT 2", 1 });
	/* the closing tag must match exactly, tags are case-sensitive */
	CHECK("SELECT $a$ $A$ ; $ab$ ; $a$;", 1, { "SELECT $a$ $A$ ; $ab$ ; $a$", 1 });
}

static void
test_nested_dollar_tags(void **state)
{
	(void)state;
	CHECK("SELECT $a$ x $b$ ; $b$ y; $a$; SELECT 2;", 1,
		{ "SELECT $a$ x $b$ ; $b$ y; $a$", 1 }, { "SELECT 2", 1 });
	CHECK("DO $outer$\nBEGIN\n  EXECUTE $q$ SELECT ';' $q$;\nEND\n$outer$;\nSELECT 3;", 1,
		{ "DO $outer$\nBEGIN\n  EXECUTE $q$ SELECT ';' $q$;\nEND\n$outer$", 1 },
		{ "SELECT 3", 6 });
}

static void
test_params_and_identifier_dollars(void **state)
{
	(void)state;
	CHECK("PREPARE p AS SELECT $1, $2; EXECUTE p(1, 2);", 1,
		{ "PREPARE p AS SELECT $1, $2", 1 }, { "EXECUTE p(1, 2)", 1 });
	/* '$' inside an identifier does not open a dollar quote */
	CHECK("SELECT a$b$c FROM t; SELECT 2;", 1,
		{ "SELECT a$b$c FROM t", 1 }, { "SELECT 2", 1 });
	CHECK("SELECT $1$; SELECT 2;", 1, { "SELECT $1$", 1 }, { "SELECT 2", 1 });
	CHECK("SELECT 5 $ 3;", 1, { "SELECT 5 $ 3", 1 });
}

static void
test_line_comments(void **state)
{
	(void)state;
	CHECK("-- leading; comment 'quote\nSELECT 1; -- trailing; 'x\nSELECT 2 -- in; it\n;", 1,
		{ "SELECT 1", 2 }, { "SELECT 2 -- in; it", 3 });
	CHECK("SELECT 1 --;\n+ 1;", 1, { "SELECT 1 --;\n+ 1", 1 });
}

static void
test_block_comments(void **state)
{
	(void)state;
	CHECK("/* a; 'b */ SELECT 1 /* c; \"d */; SELECT 2;", 1,
		{ "SELECT 1 /* c; \"d */", 1 }, { "SELECT 2", 1 });
	CHECK("/* outer /* inner; */ still; $$ */ SELECT 1;", 1, { "SELECT 1", 1 });
	CHECK("/*\n\n*/\nSELECT 1;", 1, { "SELECT 1", 4 });
	CHECK("SELECT 2 */ 3;", 1, { "SELECT 2 */ 3", 1 });
	CHECK("SELECT 1/*x*/;", 1, { "SELECT 1/*x*/", 1 });
}

static void
test_only_comments(void **state)
{
	(void)state;
	check_none("-- nothing here;\n/* nor; here */\n");
	check_none("-- a\n;\n/* b */;");
	CHECK("SELECT 1;\n-- the end;\n", 1, { "SELECT 1", 1 });
}

static void
test_begin_atomic(void **state)
{
	(void)state;
	CHECK("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
		"  INSERT INTO t VALUES (a);\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\nEND;\n"
		"SELECT f(1);", 1,
		{ "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
		  "  INSERT INTO t VALUES (a);\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
		  "END", 1 },
		{ "SELECT f(1)", 6 });
	CHECK("create procedure p() begin /* c */ -- x\n atomic select 1; select 2; end; select 3;",
		1,
		{ "create procedure p() begin /* c */ -- x\n atomic select 1; select 2; end", 1 },
		{ "select 3", 2 });
	/* a transaction BEGIN is not a function body */
	CHECK("BEGIN; SELECT 1; END;", 1, { "BEGIN", 1 }, { "SELECT 1", 1 }, { "END", 1 });
	/* "begin" and "atomic" as parts of identifiers or strings do not count */
	CHECK("SELECT begin_x, 'begin atomic'; SELECT \"begin\" atomic; SELECT 2;", 1,
		{ "SELECT begin_x, 'begin atomic'", 1 }, { "SELECT \"begin\" atomic", 1 },
		{ "SELECT 2", 1 });
}

static void
test_line_numbers(void **state)
{
	(void)state;
	CHECK("SELECT 1;\n\n  -- c\n  SELECT\n2;\n/* x\n */ SELECT 3;", 10,
		{ "SELECT 1", 10 }, { "SELECT\n2", 13 }, { "SELECT 3", 16 });
	CHECK("\n\nSELECT 'a\nb\nc'; SELECT $$\n$$;SELECT 4", 1,
		{ "SELECT 'a\nb\nc'", 3 }, { "SELECT $$\n$$", 5 }, { "SELECT 4", 6 });
}

static void
test_crlf(void **state)
{
	(void)state;
	CHECK("SELECT 1;\r\nSELECT 2;\r\n", 1, { "SELECT 1", 1 }, { "SELECT 2", 2 });
}

static void
test_unterminated(void **state)
{
	(void)state;
	check_error("SELECT 1;\nSELECT 'abc;\n", 1, "line 2: unterminated quoted string");
	check_error("SELECT E'abc\\';", 5, "line 5: unterminated quoted string");
	check_error("\nSELECT \"abc;", 1, "line 2: unterminated quoted identifier");
	check_error("SELECT 1;\n\nDO $x$ BEGIN END $y$;", 20,
		"line 22: unterminated dollar-quoted string");
	check_error("SELECT $$", 1, "line 1: unterminated dollar-quoted string");
	check_error("SELECT 1; /* a /* b */ ;\n", 3, "line 3: unterminated block comment");
	check_error("SELECT 1;\nCREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1;", 1,
		"line 2: BEGIN ATOMIC without a matching END");
	/* a NULL err is allowed */
	{
		struct rt_stmt_list list = { 0 };

		assert_int_equal(rt_sql_split("'", 1, &list, NULL), -1);
		assert_int_equal(list.n, 0);
	}
}

static void
test_other_quotes(void **state)
{
	(void)state;
	CHECK("SELECT U&'a;\\'; SELECT U&\"b;\"; SELECT B'01', X'1f;';", 1,
		{ "SELECT U&'a;\\'", 1 }, { "SELECT U&\"b;\"", 1 }, { "SELECT B'01', X'1f;'", 1 });
	check_error("SELECT 1;\nSELECT x'1", 1, "line 2: unterminated quoted string");
}

static void
test_meta_commands(void **state)
{
	(void)state;
	/* a psql meta-command is a statement of its own, to the end of its line */
	CHECK("\\set ON_ERROR_STOP on\nSELECT 1;\n-- c\n\\echo a;b\r\nSELECT 2", 1,
		{ "\\set ON_ERROR_STOP on", 1 }, { "SELECT 1", 2 }, { "\\echo a;b", 4 },
		{ "SELECT 2", 5 });
	/* inside a statement a backslash is just a byte */
	CHECK("SELECT 1 \\g x;", 1, { "SELECT 1 \\g x", 1 });
}

static void
test_error_location(void **state)
{
	struct rt_stmt_list list = { 0 };
	struct rt_err err = { 0 };

	(void)state;
	assert_int_equal(rt_sql_split("SELECT 1;\n\n/* x", 7, &list, &err), -1);
	assert_string_equal(err.msg, "line 9: unterminated block comment");
	assert_string_equal(err.text, "unterminated block comment");
	assert_int_equal(err.line, 9);
	assert_string_equal(err.path, "");
	rt_err_locate(&err, "versions/a_b.sql");
	assert_string_equal(err.msg, "versions/a_b.sql:9: unterminated block comment");
	assert_string_equal(err.path, "versions/a_b.sql");
	assert_int_equal(err.line, 9);
	/* once located, an error keeps its file */
	rt_err_locate(&err, "other.sql");
	assert_string_equal(err.msg, "versions/a_b.sql:9: unterminated block comment");
	/* an error without a line is not about a place in the file */
	rt_err_set(&err, RT_ERR_RUN, "out of luck");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.path, "");
	rt_err_locate(&err, "x.sql");
	assert_string_equal(err.msg, "out of luck");
	rt_err_set_at(&err, RT_ERR_INPUT, "f\n.sql", 0, "cannot read: %s", "gone");
	assert_string_equal(err.msg, "f?.sql: cannot read: gone");
	assert_string_equal(err.path, "f\n.sql");
	rt_err_clear(&err);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.text, "");
	rt_err_locate(NULL, "x");
	rt_err_set_at(NULL, RT_ERR_INPUT, "x", 1, "y");
}

static void
test_large_linear(void **state)
{
	/* 200k statements and a 4 MB dollar-quoted body full of '$': a quadratic
	 * scan would take minutes here */
	struct rt_stmt_list list = { 0 };
	struct rt_err err = { 0 };
	struct rt_buf b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 200000; i++)
		rt_buf_puts(&b, "SELECT 1;\n");
	rt_buf_puts(&b, "SELECT $tagtagtag$");
	for (i = 0; i < 500000; i++)
		rt_buf_puts(&b, "$tagtag;");
	rt_buf_puts(&b, "$tagtagtag$");
	assert_int_equal(rt_sql_split(rt_buf_str(&b), 1, &list, &err), 0);
	assert_int_equal(list.n, 200001);
	assert_int_equal(list.v[199999].line, 200000);
	assert_int_equal(list.v[200000].line, 200001);
	rt_stmt_list_free(&list);
	rt_buf_free(&b);
}

/* COPY ... FROM STDIN takes the lines up to "\." as its data block, unlexed. */
static void
test_copy_data(void **state)
{
	const char *script = "COPY t (a, b) FROM stdin;  -- data follows\n"
			     "1\tit's\n"
			     "2\t$$ /* not; sql\n"
			     "\\.\n"
			     "SELECT 1;\n"
			     "copy u from STDIN with (format csv);\n"
			     "\"a\nb\",c\r\n"
			     "\\.\r\n"
			     "COPY v TO STDOUT;\n"
			     "SELECT 2";
	struct rt_stmt_list list = { 0 };
	struct rt_err err = { 0 };

	(void)state;
	assert_int_equal(rt_sql_split(script, 10, &list, &err), 0);
	assert_int_equal(list.n, 5);
	assert_string_equal(list.v[0].sql, "COPY t (a, b) FROM stdin");
	assert_int_equal(list.v[0].line, 10);
	assert_int_equal(list.v[0].copy_len, strlen("1\tit's\n2\t$$ /* not; sql\n"));
	assert_memory_equal(list.v[0].copy_data, "1\tit's\n2\t$$ /* not; sql\n", list.v[0].copy_len);
	assert_string_equal(list.v[1].sql, "SELECT 1");
	assert_int_equal(list.v[1].line, 14);
	assert_null(list.v[1].copy_data);
	assert_string_equal(list.v[2].sql, "copy u from STDIN with (format csv)");
	assert_string_equal(list.v[2].copy_data, "\"a\nb\",c\r\n");
	assert_string_equal(list.v[3].sql, "COPY v TO STDOUT");
	assert_null(list.v[3].copy_data);
	assert_int_equal(list.v[3].line, 19);
	assert_string_equal(list.v[4].sql, "SELECT 2");
	assert_int_equal(list.v[4].line, 20);
	rt_stmt_list_free(&list);

	/* no "\." line: bad input at the COPY's line, nothing returned */
	assert_int_equal(rt_sql_split("SELECT 1;\nCOPY t FROM stdin;\n1\n2\n", 1, &list, &err), -1);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "line 2: COPY FROM STDIN without its data block ending in a "
			    "line \\.");
	assert_int_equal(list.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_empty_statements),
		cmocka_unit_test(test_trailing_without_semicolon),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_escape_strings),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_dollar_quotes),
		cmocka_unit_test(test_nested_dollar_tags),
		cmocka_unit_test(test_params_and_identifier_dollars),
		cmocka_unit_test(test_line_comments),
		cmocka_unit_test(test_block_comments),
		cmocka_unit_test(test_only_comments),
		cmocka_unit_test(test_begin_atomic),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_other_quotes),
		cmocka_unit_test(test_meta_commands),
		cmocka_unit_test(test_error_location),
		cmocka_unit_test(test_large_linear),
		cmocka_unit_test(test_copy_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
