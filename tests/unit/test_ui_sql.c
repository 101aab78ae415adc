/* test_ui_sql.c - the SQL highlighter's spans. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rowbuf.h"
#include "sqlhl.h"

/* The role of the first byte of needle in the line. */
static enum ui_role
role_of(const struct rowbuf *b, const char *needle)
{
	const char *at = strstr(rowbuf_str(b), needle);

	assert_non_null(at);
	return rowbuf_role_at(b, (size_t)(at - rowbuf_str(b)));
}

static void
hl(struct sqlhl_state *st, const char *line, struct rowbuf *b)
{
	rowbuf_reset(b);
	sqlhl_line(st, line, strlen(line), b);
	assert_string_equal(rowbuf_str(b), line);   /* text unchanged */
}

static void
test_keywords_strings_comments(void **state)
{
	struct sqlhl_state st = { 0 };
	struct rowbuf b = { 0 };

	(void)state;
	hl(&st, "ALTER TABLE users ADD phone varchar(20) DEFAULT 'n/a -- x'; -- why", &b);
	assert_int_equal(role_of(&b, "ALTER"), R_KEYWORD);
	assert_int_equal(role_of(&b, "TABLE"), R_KEYWORD);
	assert_int_equal(role_of(&b, "users"), R_NORMAL);
	assert_int_equal(role_of(&b, "varchar"), R_KEYWORD);
	assert_int_equal(role_of(&b, "20"), R_NUMBER);
	assert_int_equal(role_of(&b, "'n/a"), R_STRING);
	assert_int_equal(role_of(&b, "-- x'"), R_STRING);     /* inside the string */
	assert_int_equal(role_of(&b, "-- why"), R_COMMENT);
	assert_int_equal(st.mode, 0);
	hl(&st, "select 'it''s' from t1", &b);
	assert_int_equal(role_of(&b, "s'"), R_STRING);
	assert_int_equal(role_of(&b, "from"), R_KEYWORD);
	assert_int_equal(role_of(&b, "t1"), R_NORMAL);        /* digits in a name */
	rowbuf_free(&b);
}

static void
test_multiline(void **state)
{
	struct sqlhl_state st = { 0 };
	struct rowbuf b = { 0 };

	(void)state;
	hl(&st, "/* a /* nested */ still", &b);
	assert_int_equal(role_of(&b, "still"), R_COMMENT);
	assert_int_equal(st.mode, 1);
	hl(&st, "done */ select 1", &b);
	assert_int_equal(role_of(&b, "done"), R_COMMENT);
	assert_int_equal(role_of(&b, "select"), R_KEYWORD);
	hl(&st, "DO $body$ BEGIN", &b);
	assert_int_equal(role_of(&b, "$body$"), R_STRING);
	assert_int_equal(st.mode, 3);
	hl(&st, "  select 'x'; $$ no end", &b);
	assert_int_equal(role_of(&b, "select"), R_STRING);
	assert_int_equal(st.mode, 3);
	hl(&st, "END $body$;", &b);
	assert_int_equal(st.mode, 0);
	hl(&st, "x = E'a\\'", &b);
	assert_int_equal(role_of(&b, "E'"), R_STRING);
	rowbuf_free(&b);
}

/* What the engine's lexer reads is what gets coloured, across lines too. */
static void
test_same_as_engine(void **state)
{
	struct sqlhl_state st = { 0 };
	struct rowbuf b = { 0 };

	(void)state;
	hl(&st, "x = E'a\\' -- not a comment", &b);   /* \' escapes the quote */
	assert_int_equal(role_of(&b, "-- not"), R_STRING);
	assert_int_equal(st.mode, 5);
	hl(&st, "b' AND y = B'01' || X'1f' AND 1.5e-3 > $1", &b);
	assert_int_equal(role_of(&b, "b'"), R_STRING);
	assert_int_equal(role_of(&b, "AND"), R_KEYWORD);
	assert_int_equal(role_of(&b, "B'01'"), R_STRING);
	assert_int_equal(role_of(&b, "X'1f'"), R_STRING);
	assert_int_equal(role_of(&b, "1.5e-3"), R_NUMBER);
	assert_int_equal(role_of(&b, "e-3"), R_NUMBER);
	assert_int_equal(role_of(&b, "$1"), R_NORMAL);
	assert_int_equal(st.mode, 0);
	hl(&st, "SELECT \"select\", U&'d\\0061t' FROM \"a\"\"", &b);
	assert_int_equal(role_of(&b, "\"select"), R_NORMAL);
	assert_int_equal(role_of(&b, "U&'"), R_STRING);
	assert_int_equal(role_of(&b, "FROM"), R_KEYWORD);
	assert_int_equal(st.mode, 4);
	hl(&st, "from\" where", &b);
	assert_int_equal(role_of(&b, "from"), R_NORMAL);
	assert_int_equal(role_of(&b, "where"), R_KEYWORD);
	hl(&st, "\\connect db", &b);
	assert_int_equal(role_of(&b, "\\connect"), R_KEYWORD);
	/* a tag too long to carry: the next line is code again */
	hl(&st, "$a_tag_longer_than_the_forty_bytes_of_the_state$ x", &b);
	assert_int_equal(role_of(&b, "x"), R_STRING);
	assert_int_equal(st.mode, 0);
	hl(&st, "$q$ a", &b);
	hl(&st, "", &b);
	assert_int_equal(st.mode, 3);
	assert_string_equal(st.tag, "$q$");
	hl(&st, "b $q$ select", &b);
	assert_int_equal(role_of(&b, "select"), R_KEYWORD);
	assert_int_equal(st.mode, 0);
	rowbuf_free(&b);
}

static void
test_keyword_lookup(void **state)
{
	(void)state;
	assert_true(sqlhl_is_keyword("create", 6));
	assert_true(sqlhl_is_keyword("CONCURRENTLY", 12));
	assert_false(sqlhl_is_keyword("users", 5));
	assert_false(sqlhl_is_keyword("createx", 7));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords_strings_comments),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_same_as_engine),
		cmocka_unit_test(test_keyword_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
