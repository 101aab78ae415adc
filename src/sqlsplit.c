/* sqlsplit.c - split a SQL script into statements, on the engine's lexer.
 *
 * The lexer (rt_sqllex.h) knows the quoting and comment rules; this module
 * only decides which semicolons end a statement: not those inside a
 * SQL-standard function body (BEGIN ATOMIC ... END, with CASE ... END nested
 * inside), found by looking at the words in order. One pass, so the cost is
 * linear in the input.
 *
 * A statement's text starts at its first token (comments and blank lines
 * before it are dropped) and ends before its ';', trimmed of trailing white
 * space; comments between its first token and the ';' are kept. A psql
 * meta-command (a backslash at a statement's start, to the end of its line)
 * is a statement of its own, so that it keeps its own line number.
 */
#include "config.h"
#include "rt_sqlsplit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "rt_sqllex.h"

struct split {
	const char *s;
	size_t stmt_start;    /* offset of the current statement's first token */
	int stmt_line;        /* 0 while the statement has no token yet */
	int atomic_depth;     /* > 0 inside BEGIN ATOMIC ... END */
	int atomic_line;
	bool after_begin;     /* the previous token was the word BEGIN */
	struct rt_stmt_list *out;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Adds the statement from its first token to end, if it has one. */
static void
emit(struct split *sp, size_t end)
{
	struct rt_stmt_list *out = sp->out;
	struct rt_stmt *st;

	if (sp->stmt_line == 0)
		return;
	while (end > sp->stmt_start && is_space(sp->s[end - 1]))
		end--;
	out->v = rt_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	st = &out->v[out->n++];
	st->sql = rt_xstrndup(sp->s + sp->stmt_start, end - sp->stmt_start);
	st->line = sp->stmt_line;
	sp->stmt_line = 0;
}

/* Follows BEGIN ATOMIC ... END nesting through one token that is neither a
 * comment nor a statement-ending ';'. Comments between BEGIN and ATOMIC do
 * not separate them; any other token does. */
static void
track_atomic(struct split *sp, const struct rt_sql_token *tok)
{
	bool was_begin = sp->after_begin;

	sp->after_begin = rt_sql_token_is(sp->s, tok, "begin");
	if (sp->atomic_depth == 0) {
		if (was_begin && rt_sql_token_is(sp->s, tok, "atomic")) {
			sp->atomic_depth = 1;
			sp->atomic_line = tok->line;
		}
		return;
	}
	if (sp->after_begin || rt_sql_token_is(sp->s, tok, "case"))
		sp->atomic_depth++;
	else if (rt_sql_token_is(sp->s, tok, "end"))
		sp->atomic_depth--;
}

/* What the error message calls an unterminated construct of kind. */
static const char *
unterminated_name(enum rt_sql_tok_kind kind)
{
	switch (kind) {
	case RT_SQL_TOK_QUOTED_IDENT:
		return "quoted identifier";
	case RT_SQL_TOK_DOLLAR:
		return "dollar-quoted string";
	case RT_SQL_TOK_COMMENT:
		return "block comment";
	default:
		return "quoted string";   /* '', E'', U&'', B'' and X'' alike */
	}
}

/* Takes one token; returns -1 (err set) on an unterminated construct. */
static int
take(struct split *sp, const struct rt_sql_token *tok, struct rt_err *err)
{
	switch (tok->kind) {
	case RT_SQL_TOK_ERROR:
		rt_err_set_at(err, RT_ERR_INPUT, NULL, tok->line, "unterminated %s",
			unterminated_name(tok->open));
		return -1;
	case RT_SQL_TOK_COMMENT:
		return 0;
	case RT_SQL_TOK_SEMICOLON:
	case RT_SQL_TOK_META:
		if (sp->atomic_depth > 0)
			break;
		emit(sp, tok->offset);
		if (tok->kind == RT_SQL_TOK_META) {
			sp->stmt_start = tok->offset;
			sp->stmt_line = tok->line;
			emit(sp, tok->offset + tok->len);
		}
		sp->after_begin = false;
		return 0;
	default:
		break;
	}
	if (sp->stmt_line == 0) {
		sp->stmt_start = tok->offset;
		sp->stmt_line = tok->line;
	}
	track_atomic(sp, tok);
	return 0;
}

int
rt_sql_split(const char *script, int first_line, struct rt_stmt_list *out, struct rt_err *err)
{
	struct split sp = { .s = script, .out = out };
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;

	out->v = NULL;
	out->n = 0;
	rt_sql_lexer_init(&lx, script, strlen(script), first_line);
	while (rt_sql_lex_next(&lx, &tok) != RT_SQL_TOK_EOF)
		if (take(&sp, &tok, err) < 0)
			goto fail;
	if (sp.atomic_depth > 0) {
		rt_err_set_at(err, RT_ERR_INPUT, NULL, sp.atomic_line,
			"BEGIN ATOMIC without a matching END");
		goto fail;
	}
	emit(&sp, lx.len);
	return 0;
fail:
	rt_stmt_list_free(out);
	return -1;
}

void
rt_stmt_list_free(struct rt_stmt_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		free(list->v[i].sql);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}
