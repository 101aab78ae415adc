/* test_sqllex.c - unit tests for the SQL lexer (rt_sqllex.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_sqllex.h"

#define K(x) RT_SQL_TOK_##x
/* A wanted token, and one at a line and column. */
#define T(kind, text) { K(kind), text, 0, 0 }
#define AT(kind, text, line, col) { K(kind), text, line, col }

struct want {
	enum rt_sql_tok_kind kind;
	const char *text;
	int line;            /* 0: not checked */
	int col;
};

/* Lexes len bytes of sql from first_line 1 and checks every token against
 * want (n of them), then that the end is EOF, and stays EOF. */
static void
check_buf(const char *sql, size_t len, const struct want *want, size_t n)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;
	size_t i = 0;

	rt_sql_lexer_init(&lx, sql, len, 1);
	while (rt_sql_lex_next(&lx, &tok) != K(EOF)) {
		if (i >= n)
			fail_msg("extra token %s <%.*s> in <%s>", rt_sql_tok_name(tok.kind),
				(int)tok.len, sql + tok.offset, sql);
		if (tok.kind != want[i].kind || tok.len != strlen(want[i].text) ||
		    memcmp(sql + tok.offset, want[i].text, tok.len) != 0)
			fail_msg("token %zu: got %s <%.*s>, want %s <%s> in <%s>", i,
				rt_sql_tok_name(tok.kind), (int)tok.len, sql + tok.offset,
				rt_sql_tok_name(want[i].kind), want[i].text, sql);
		if (want[i].line) {
			assert_int_equal(tok.line, want[i].line);
			assert_int_equal(tok.col, want[i].col);
		}
		i++;
	}
	if (i != n)
		fail_msg("got %zu tokens, want %zu in <%s>", i, n, sql);
	assert_int_equal(tok.len, 0);
	assert_int_equal(tok.offset, len);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(EOF));
}

#define CHECK(sql, ...) do { \
	static const struct want w_[] = { __VA_ARGS__ }; \
	check_buf(sql, strlen(sql), w_, sizeof(w_) / sizeof(w_[0])); \
} while (0)

/* The only token of sql, which must be all of it but white space. */
static void
check_one(const char *sql, enum rt_sql_tok_kind kind, const char *text)
{
	struct want w = { kind, text, 0, 0 };

	check_buf(sql, strlen(sql), &w, 1);
}

static void
test_words(void **state)
{
	(void)state;
	CHECK("SELECT users FROM Public.t1",
		T(KEYWORD, "SELECT"), T(IDENT, "users"), T(KEYWORD, "FROM"),
		T(IDENT, "Public"), T(PUNCT, "."), T(IDENT, "t1"));
	/* '$' continues a word; non-ASCII bytes are letters */
	CHECK("a$b$c naïve_ñ _x9 été", T(IDENT, "a$b$c"), T(IDENT, "naïve_ñ"),
		T(IDENT, "_x9"), T(IDENT, "été"));
	check_one("CoNcUrReNtLy", K(KEYWORD), "CoNcUrReNtLy");
	check_one("createx", K(IDENT), "createx");
	check_one("current_timestamp", K(KEYWORD), "current_timestamp");
	/* prefixes are only prefixes right before their quote */
	CHECK("e x u n b", T(IDENT, "e"), T(IDENT, "x"), T(IDENT, "u"),
		T(IDENT, "n"), T(IDENT, "b"));
	CHECK("U&x", T(IDENT, "U"), T(OPERATOR, "&"), T(IDENT, "x"));
}

static void
test_strings(void **state)
{
	(void)state;
	check_one("'it''s'", K(STRING), "'it''s'");
	check_one("''", K(STRING), "''");
	/* standard strings: a backslash is an ordinary byte */
	CHECK("'C:\\' 'x'", T(STRING, "'C:\\'"), T(STRING, "'x'"));
	check_one("E'\\''", K(ESCAPE_STRING), "E'\\''");
	check_one("e'a\\\\' ", K(ESCAPE_STRING), "e'a\\\\'");
	check_one("E'x''y\\n'", K(ESCAPE_STRING), "E'x''y\\n'");
	/* "nonce" is a word; its 'e' is not a prefix */
	CHECK("nonce'x\\'", T(IDENT, "nonce"), T(STRING, "'x\\'"));
	CHECK("N'abc'", T(IDENT, "N"), T(STRING, "'abc'"));
	check_one("U&'d\\0061t\\+000061'", K(STRING), "U&'d\\0061t\\+000061'");
	CHECK("u&'a!0061' UESCAPE '!'", T(STRING, "u&'a!0061'"),
		T(IDENT, "UESCAPE"), T(STRING, "'!'"));
	/* U&'' takes no backslash escapes: the quote after \ closes it */
	CHECK("U&'\\' 'x'", T(STRING, "U&'\\'"), T(STRING, "'x'"));
	check_one("B'0101'", K(BIT_STRING), "B'0101'");
	check_one("x'1F'", K(BIT_STRING), "x'1F'");
	/* no doubled quotes inside bit strings */
	CHECK("b'01''10'", T(BIT_STRING, "b'01'"), T(STRING, "'10'"));
	check_one("'multi\nline'", K(STRING), "'multi\nline'");
}

static void
test_quoted_identifiers(void **state)
{
	(void)state;
	check_one("\"a\"\"b\"", K(QUOTED_IDENT), "\"a\"\"b\"");
	check_one("\"it's; -- /*\"", K(QUOTED_IDENT), "\"it's; -- /*\"");
	check_one("U&\"d\\0061t\"", K(QUOTED_IDENT), "U&\"d\\0061t\"");
	CHECK("\"x\".\"y\"", T(QUOTED_IDENT, "\"x\""), T(PUNCT, "."),
		T(QUOTED_IDENT, "\"y\""));
}

static void
test_dollar_quotes(void **state)
{
	(void)state;
	check_one("$$ it's; -- $ $$", K(DOLLAR), "$$ it's; -- $ $$");
	check_one("$a$ $b$ inner $b$ $a$", K(DOLLAR), "$a$ $b$ inner $b$ $a$");
	/* tags are case-sensitive and must match whole */
	check_one("$a$ $A$ $ab$ $a$", K(DOLLAR), "$a$ $A$ $ab$ $a$");
	check_one("$_x1$ ' \" $_x1$", K(DOLLAR), "$_x1$ ' \" $_x1$");
	check_one("$ä$ x $ä$", K(DOLLAR), "$ä$ x $ä$");
	CHECK("$body$\nSELECT 1;\n$body$ LANGUAGE sql",
		AT(DOLLAR, "$body$\nSELECT 1;\n$body$", 1, 1),
		AT(KEYWORD, "LANGUAGE", 3, 8), AT(IDENT, "sql", 3, 17));
	/* $1 is a parameter, $$ a dollar quote; a tag cannot start with a digit */
	CHECK("$1 $$x$$ $12", T(PARAM, "$1"), T(DOLLAR, "$$x$$"), T(PARAM, "$12"));
	CHECK("$1$", T(PARAM, "$1"), T(OTHER, "$"));
	CHECK("$a b", T(OTHER, "$"), T(IDENT, "a"), T(IDENT, "b"));
	CHECK("5 $ 3", T(NUMBER, "5"), T(OTHER, "$"), T(NUMBER, "3"));
	check_one("$1abc", K(PARAM), "$1abc");
}

static void
test_comments(void **state)
{
	(void)state;
	CHECK("-- a; 'b\nx", AT(COMMENT, "-- a; 'b", 1, 1), AT(IDENT, "x", 2, 1));
	check_one("/* /* nested */ */", K(COMMENT), "/* /* nested */ */");
	check_one("/* 'not a string */", K(COMMENT), "/* 'not a string */");
	check_one("/**/", K(COMMENT), "/**/");
	check_one("/*/ x **/", K(COMMENT), "/*/ x **/");
	CHECK("'/* not a comment */' '-- nor this'",
		T(STRING, "'/* not a comment */'"), T(STRING, "'-- nor this'"));
	CHECK("a */ b", T(IDENT, "a"), T(OPERATOR, "*/"), T(IDENT, "b"));
	CHECK("1/*x*/;", T(NUMBER, "1"), T(COMMENT, "/*x*/"), T(SEMICOLON, ";"));
	/* a comment ends an operator */
	CHECK("+-- c\n*/* c */", T(OPERATOR, "+"), T(COMMENT, "-- c"),
		T(OPERATOR, "*"), T(COMMENT, "/* c */"));
}

static void
test_numbers(void **state)
{
	(void)state;
	CHECK("42 1.5e-3 .5 1. 1.5E+10 2e5 0x1F 0X1f 0o17 0b101 1_000 1_000.000_1",
		T(NUMBER, "42"), T(NUMBER, "1.5e-3"), T(NUMBER, ".5"),
		T(NUMBER, "1."), T(NUMBER, "1.5E+10"), T(NUMBER, "2e5"),
		T(NUMBER, "0x1F"), T(NUMBER, "0X1f"), T(NUMBER, "0o17"),
		T(NUMBER, "0b101"), T(NUMBER, "1_000"), T(NUMBER, "1_000.000_1"));
	/* a range, not 1. and .10 */
	CHECK("1..10", T(NUMBER, "1"), T(OPERATOR, ".."), T(NUMBER, "10"));
	/* trailing junk stays with its number (the server rejects it whole) */
	CHECK("12abc 1e 0x 1e'x'", T(NUMBER, "12abc"), T(NUMBER, "1e"),
		T(NUMBER, "0x"), T(NUMBER, "1e"), T(STRING, "'x'"));
	CHECK("1e-x", T(NUMBER, "1e"), T(OPERATOR, "-"), T(IDENT, "x"));
	CHECK("t.5", T(IDENT, "t"), T(NUMBER, ".5"));
}

static void
test_operators(void **state)
{
	(void)state;
	CHECK("a <> b ->> 'k' !~* c", T(IDENT, "a"), T(OPERATOR, "<>"),
		T(IDENT, "b"), T(OPERATOR, "->>"), T(STRING, "'k'"),
		T(OPERATOR, "!~*"), T(IDENT, "c"));
	/* trailing + and - split off unless the operator holds ~!@#^&|`?% */
	CHECK("a=-1", T(IDENT, "a"), T(OPERATOR, "="), T(OPERATOR, "-"),
		T(NUMBER, "1"));
	CHECK("a*--1\n", T(IDENT, "a"), T(OPERATOR, "*"), T(COMMENT, "--1"));
	CHECK("@- ?-", T(OPERATOR, "@-"), T(OPERATOR, "?-"));
	CHECK("<=+-1", T(OPERATOR, "<="), T(OPERATOR, "+"), T(OPERATOR, "-"),
		T(NUMBER, "1"));
	CHECK("x::int", T(IDENT, "x"), T(OPERATOR, "::"), T(KEYWORD, "int"));
	CHECK("v := 1", T(IDENT, "v"), T(OPERATOR, ":="), T(NUMBER, "1"));
	CHECK("f(a, b[1]):x;", T(IDENT, "f"), T(PUNCT, "("), T(IDENT, "a"),
		T(PUNCT, ","), T(IDENT, "b"), T(PUNCT, "["), T(NUMBER, "1"),
		T(PUNCT, "]"), T(PUNCT, ")"), T(PUNCT, ":"), T(IDENT, "x"),
		T(SEMICOLON, ";"));
	CHECK("{}", T(OTHER, "{"), T(OTHER, "}"));
}

static void
test_meta_commands(void **state)
{
	(void)state;
	CHECK("\\connect db\nSELECT 1;\n\\.\n-- c\n\\set x 'y;z'\nSELECT 2 \\g",
		AT(META, "\\connect db", 1, 1), AT(KEYWORD, "SELECT", 2, 1),
		AT(NUMBER, "1", 2, 8), AT(SEMICOLON, ";", 2, 9), AT(META, "\\.", 3, 1),
		AT(COMMENT, "-- c", 4, 1), AT(META, "\\set x 'y;z'", 5, 1),
		AT(KEYWORD, "SELECT", 6, 1), AT(NUMBER, "2", 6, 8),
		AT(OTHER, "\\", 6, 10), AT(IDENT, "g", 6, 11));
	CHECK("  \\echo a\r\nx", AT(META, "\\echo a", 1, 3), AT(IDENT, "x", 2, 1));
	/* as in scan.l, a carriage return ends a comment too */
	CHECK("-- a\rb", T(COMMENT, "-- a"), T(IDENT, "b"));
}

static void
test_positions(void **state)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;

	(void)state;
	CHECK("SELECT 1;\r\n\tSELECT 'a\nb' ,\n  /* x\n */ \"q\"",
		AT(KEYWORD, "SELECT", 1, 1), AT(NUMBER, "1", 1, 8),
		AT(SEMICOLON, ";", 1, 9), AT(KEYWORD, "SELECT", 2, 2),
		AT(STRING, "'a\nb'", 2, 9), AT(PUNCT, ",", 3, 4),
		AT(COMMENT, "/* x\n */", 4, 3), AT(QUOTED_IDENT, "\"q\"", 5, 5));
	/* columns count bytes; first_line numbers the first line */
	rt_sql_lexer_init(&lx, "é x", strlen("é x"), 40);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(IDENT));
	assert_int_equal(tok.line, 40);
	assert_int_equal(tok.col, 1);
	assert_int_equal(tok.len, 2);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(IDENT));
	assert_int_equal(tok.col, 4);
	assert_int_equal(tok.offset, 3);
	/* the empty buffer, and white space only */
	check_buf("", 0, NULL, 0);
	check_buf(" \n\t\r\f\v", 6, NULL, 0);
}

/* The one error token of sql: its open kind, text, line and column. */
static void
check_error(const char *sql, enum rt_sql_tok_kind open, const char *text, int line, int col)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;

	rt_sql_lexer_init(&lx, sql, strlen(sql), 1);
	while (rt_sql_lex_next(&lx, &tok) != K(ERROR))
		assert_int_not_equal(tok.kind, K(EOF));
	assert_int_equal(tok.open, open);
	assert_int_equal(tok.line, line);
	assert_int_equal(tok.col, col);
	assert_int_equal(tok.len, strlen(text));
	assert_memory_equal(sql + tok.offset, text, tok.len);
	assert_int_equal(tok.offset + tok.len, strlen(sql));
	assert_int_equal(lx.open.kind, open);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(EOF));
}

static void
test_unterminated(void **state)
{
	(void)state;
	check_error("SELECT\n  'abc;\n", K(STRING), "'abc;\n", 2, 3);
	check_error("x 'it''", K(STRING), "'it''", 1, 3);
	check_error("E'abc\\'", K(ESCAPE_STRING), "E'abc\\'", 1, 1);
	check_error("\n\"abc", K(QUOTED_IDENT), "\"abc", 2, 1);
	check_error("U&\"abc", K(QUOTED_IDENT), "U&\"abc", 1, 1);
	check_error("B'01", K(BIT_STRING), "B'01", 1, 1);
	check_error("DO $x$ BEGIN END $y$;", K(DOLLAR), "$x$ BEGIN END $y$;", 1, 4);
	check_error("$$", K(DOLLAR), "$$", 1, 1);
	check_error("a; /* a /* b */ ;\n", K(COMMENT), "/* a /* b */ ;\n", 1, 4);
}

static void
test_resume(void **state)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;
	struct rt_sql_open open;
	const char *l1 = "x /* a /* b", *l2 = "c */ d */ SELECT";
	const char *l3 = "f($q$ a", *l4 = "b $q$)";
	char tag[8];

	(void)state;
	rt_sql_lexer_init(&lx, l1, strlen(l1), 1);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(IDENT));
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(ERROR));
	assert_int_equal(tok.open, K(COMMENT));
	open = lx.open;
	assert_int_equal(open.depth, 2);
	rt_sql_lexer_init_open(&lx, l2, strlen(l2), 2, &open);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(COMMENT));
	assert_int_equal(tok.len, strlen("c */ d */"));
	assert_int_equal(tok.line, 2);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(KEYWORD));
	assert_int_equal(lx.open.kind, K(EOF));

	/* a dollar quote's tag is borrowed: the caller keeps a copy */
	rt_sql_lexer_init(&lx, l3, strlen(l3), 1);
	while (rt_sql_lex_next(&lx, &tok) != K(ERROR))
		assert_int_not_equal(tok.kind, K(EOF));
	assert_int_equal(tok.open, K(DOLLAR));
	assert_int_equal(lx.open.tag_len, 3);
	memcpy(tag, lx.open.tag, lx.open.tag_len);
	open = lx.open;
	open.tag = tag;
	/* an empty buffer inside the quote leaves it open */
	rt_sql_lexer_init_open(&lx, "", 0, 2, &open);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(EOF));
	assert_int_equal(lx.open.kind, K(DOLLAR));
	rt_sql_lexer_init_open(&lx, l4, strlen(l4), 3, &open);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(DOLLAR));
	assert_int_equal(tok.len, 5);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(PUNCT));

	/* still open at the end of the next buffer: an error token again */
	open.kind = K(ESCAPE_STRING);
	rt_sql_lexer_init_open(&lx, "a\\'b", 4, 1, &open);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(ERROR));
	assert_int_equal(tok.open, K(ESCAPE_STRING));
	assert_int_equal(tok.len, 4);
	rt_sql_lexer_init_open(&lx, "a''b' c", 7, 1, &open);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(ESCAPE_STRING));
	assert_int_equal(tok.len, 5);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(IDENT));
}

static void
test_nul_bytes(void **state)
{
	static const char sql[] = "a\0'b\0c' \0";
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;

	(void)state;
	rt_sql_lexer_init(&lx, sql, sizeof(sql) - 1, 1);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(IDENT));
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(OTHER));
	assert_int_equal(tok.offset, 1);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(STRING));
	assert_int_equal(tok.len, 5);   /* a NUL is an ordinary byte in a string */
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(OTHER));
	assert_int_equal(tok.offset, 8);
	assert_int_equal(rt_sql_lex_next(&lx, &tok), K(EOF));
}

static void
test_keyword_table(void **state)
{
	/* every entry, so that an entry added out of order fails here */
	static const char *const words[] = {
		"add", "all", "alter", "analyse", "analyze", "and", "any", "array", "as", "asc",
		"asymmetric", "atomic", "before", "begin", "between", "bigint", "bigserial",
		"boolean", "both", "by", "cascade", "case", "cast", "character", "check",
		"coalesce", "collate", "column", "comment", "commit", "concurrently", "constraint",
		"create", "cross", "current_date", "current_role", "current_time",
		"current_timestamp", "current_user", "date", "declare", "default", "deferrable",
		"deferred", "delete", "desc", "distinct", "do", "domain", "double", "drop", "each",
		"else", "end", "enum", "except", "execute", "exists", "extension", "false",
		"fetch", "first", "for", "foreign", "from", "function", "grant", "group",
		"having", "if", "in", "index", "initially", "inner", "insert", "int", "integer",
		"intersect", "interval", "into", "is", "join", "jsonb", "key", "language", "last",
		"lateral", "leading", "left", "like", "limit", "lock", "loop", "materialized",
		"not", "now", "null", "nulls", "numeric", "offset", "on", "only", "or", "order",
		"outer", "over", "owner", "partition", "placing", "plpgsql", "policy",
		"precision", "primary", "procedure", "raise", "real", "references", "release",
		"rename", "replace", "restrict", "returning", "returns", "revoke", "role",
		"rollback", "row", "savepoint", "schema", "select", "sequence", "serial",
		"session_user", "set", "smallint", "some", "start", "symmetric", "table",
		"tablespace", "text", "then", "timestamp", "timestamptz", "to", "trailing",
		"transaction", "trigger", "true", "truncate", "type", "union", "unique", "update",
		"user", "using", "uuid", "vacuum", "values", "varchar", "variadic", "varying",
		"view", "when", "where", "window", "with", "without", "zone",
	};
	struct rt_sql_token tok = { .kind = K(IDENT), .offset = 2, .len = 5 };

	(void)state;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!rt_sql_is_keyword(words[i], strlen(words[i])))
			fail_msg("keyword '%s' not found", words[i]);
	assert_true(rt_sql_is_keyword("SELECT", 6));
	assert_true(rt_sql_is_keyword("selectx", 6));   /* len bounds the word */
	assert_false(rt_sql_is_keyword("selectx", 7));
	assert_false(rt_sql_is_keyword("", 0));
	assert_false(rt_sql_is_keyword("users", 5));
	assert_false(rt_sql_is_keyword("sélect", strlen("sélect")));
	assert_false(rt_sql_is_keyword("a_very_long_identifier_indeed_not_a_keyword", 43));
	assert_true(rt_sql_token_is("x BeGiN y", &tok, "begin"));
	assert_false(rt_sql_token_is("x BeGiX y", &tok, "begin"));
	assert_false(rt_sql_token_is("x BeGiN y", &tok, "beginx"));
	assert_false(rt_sql_token_is("x BeGiN y", &tok, "begi"));
	tok.kind = K(QUOTED_IDENT);
	assert_false(rt_sql_token_is("x BeGiN y", &tok, "begin"));
	assert_string_equal(rt_sql_tok_name(K(DOLLAR)), "dollar-quoted string");
	assert_string_equal(rt_sql_tok_name((enum rt_sql_tok_kind)99), "token");
}

/* Tokens never overlap, come in order, and leave only white space between
 * them; an error token is the last. Over many inputs built from the bytes
 * that matter to the lexer. */
static void
test_cover_everything(void **state)
{
	static const char alphabet[] = "'\"$;-/*\\\nEeUu&bx01_ .:+@=a\xc3\xa9\0";
	char buf[64];
	unsigned int seed = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct rt_sql_lexer lx;
		struct rt_sql_token tok;
		size_t len = (size_t)(round % 40), at = 0;
		bool had_error = false;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		rt_sql_lexer_init(&lx, buf, len, 1);
		while (rt_sql_lex_next(&lx, &tok) != K(EOF)) {
			assert_false(had_error);
			assert_true(tok.len > 0);
			assert_true(tok.offset >= at);
			for (size_t i = at; i < tok.offset; i++)
				assert_true(buf[i] != '\0' && strchr(" \t\n\r\f\v", buf[i]));
			at = tok.offset + tok.len;
			assert_true(at <= len);
			had_error = tok.kind == K(ERROR);
		}
		for (size_t i = at; i < len; i++)
			assert_true(buf[i] != '\0' && strchr(" \t\n\r\f\v", buf[i]));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_quoted_identifiers),
		cmocka_unit_test(test_dollar_quotes),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_meta_commands),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_keyword_table),
		cmocka_unit_test(test_cover_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
