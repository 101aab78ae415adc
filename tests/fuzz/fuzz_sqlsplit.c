/* fuzz_sqlsplit.c - libFuzzer target for the SQL lexer (rt_sqllex.h) and
 * the splitter built on it (rt_sql_split). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt_err.h"
#include "rt_sqllex.h"
#include "rt_sqlsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Tokens come in order without overlap, only white space lies between them,
 * each token's line and column are where its first byte is, and an error
 * token is the last one. */
static void
check_lexer(const char *s, size_t size)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;
	size_t at = 0, line_start = 0;
	int line = 1;
	bool had_error = false;

	rt_sql_lexer_init(&lx, s, size, 1);
	while (rt_sql_lex_next(&lx, &tok) != RT_SQL_TOK_EOF) {
		if (had_error || tok.len == 0 || tok.offset < at || tok.offset + tok.len > size)
			abort();
		for (; at < tok.offset; at++) {
			if (!is_space(s[at]))
				abort();
			if (s[at] == '\n')
				line++, line_start = at + 1;
		}
		if (tok.line != line || tok.col != (int)(tok.offset - line_start) + 1)
			abort();
		for (; at < tok.offset + tok.len; at++)
			if (s[at] == '\n')
				line++, line_start = at + 1;
		had_error = tok.kind == RT_SQL_TOK_ERROR;
		if (had_error != (tok.open != RT_SQL_TOK_EOF))
			abort();
	}
	for (; at < size; at++)
		if (!is_space(s[at]))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_stmt_list list = { 0 };
	struct rt_err err = { 0 };
	char *s = malloc(size + 1);
	int prev = 0;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_lexer(s, size);
	if (rt_sql_split(s, 1, &list, &err) == 0) {
		for (size_t i = 0; i < list.n; i++) {
			/* statements are non-empty, in order, inside the script */
			if (!list.v[i].sql || !list.v[i].sql[0] || list.v[i].line < 1 ||
			    list.v[i].line < prev || strlen(list.v[i].sql) > size)
				abort();
			prev = list.v[i].line;
		}
		rt_stmt_list_free(&list);
	} else if (err.kind != RT_ERR_INPUT || !err.msg[0] || err.line < 1 || err.path[0] ||
		   strncmp(err.msg, "line ", 5) != 0) {
		abort();
	}
	free(s);
	return 0;
}
