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
 * is a statement of its own, so that it keeps its own line number. The data
 * block of a COPY ... FROM STDIN is cut out before the lexer could see it.
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
	int copy_words;       /* COPY ... FROM STDIN: 1 after COPY, 2 after FROM, 3 after STDIN */
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
	st->copy_data = NULL;
	st->copy_len = 0;
	sp->stmt_line = 0;
}

/* Follows the words of a statement that starts with COPY: FROM STDIN
 * (FROM STDOUT is no data block) makes it take one. */
static void
track_copy(struct split *sp, const struct rt_sql_token *tok, bool is_first)
{
	if (is_first) {
		sp->copy_words = rt_sql_token_is(sp->s, tok, "copy") ? 1 : 0;
		return;
	}
	if (sp->copy_words == 1 && rt_sql_token_is(sp->s, tok, "from"))
		sp->copy_words = 2;
	else if (sp->copy_words == 2)
		sp->copy_words = rt_sql_token_is(sp->s, tok, "stdin") ? 3 : 1;
}

/* The data block after a COPY FROM STDIN that ended at offset semi: from
 * the next line up to the line "\.". Attaches it to the last statement and
 * returns the offset after the "\." line, or 0 (err set) without one. */
static size_t
take_copy_data(struct split *sp, size_t semi, int line, struct rt_err *err)
{
	const char *s = sp->s, *nl = strchr(s + semi, '\n'), *p;
	struct rt_stmt *st = &sp->out->v[sp->out->n - 1];

	sp->copy_words = 0;
	for (p = nl ? nl + 1 : s + strlen(s); *p; ) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if ((len == 2 || (len == 3 && p[2] == '\r')) && p[0] == '\\' && p[1] == '.') {
			st->copy_len = (size_t)(p - (nl + 1));
			st->copy_data = rt_xstrndup(nl + 1, st->copy_len);
			return (size_t)(p - s) + len + (end ? 1 : 0);
		}
		p = end ? end + 1 : p + len;
	}
	rt_err_set_at(err, RT_ERR_INPUT, NULL, line, "COPY FROM STDIN without its data block "
		      "ending in a line \\.");
	return 0;
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
	track_copy(sp, tok, sp->stmt_line == 0);
	if (sp->stmt_line == 0) {
		sp->stmt_start = tok->offset;
		sp->stmt_line = tok->line;
	}
	track_atomic(sp, tok);
	return 0;
}

static int
count_lines(const char *s, size_t from, size_t to)
{
	int n = 0;

	for (size_t i = from; i < to; i++)
		n += s[i] == '\n';
	return n;
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
	while (rt_sql_lex_next(&lx, &tok) != RT_SQL_TOK_EOF) {
		bool is_copy_in = tok.kind == RT_SQL_TOK_SEMICOLON && sp.copy_words == 3 &&
				  sp.atomic_depth == 0;
		int line = sp.stmt_line;
		size_t next;

		if (take(&sp, &tok, err) < 0)
			goto fail;
		if (!is_copy_in)
			continue;
		/* the data is not SQL: the lexer goes on after its "\." line */
		if (!(next = take_copy_data(&sp, tok.offset, line, err)))
			goto fail;
		sp.s += next;
		rt_sql_lexer_init(&lx, sp.s, strlen(sp.s),
				  tok.line + count_lines(sp.s - next, tok.offset, next));
	}
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
	for (i = 0; i < list->n; i++) {
		free(list->v[i].sql);
		free(list->v[i].copy_data);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}
