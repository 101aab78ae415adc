/* sqlhl.c - SQL highlighting for the preview, on the engine's lexer
 * (rt_sqllex.h), so the console colours exactly the tokens the splitter sees.
 * The lexer runs one line at a time; a quote or comment still open at a
 * line's end is carried to the next line in struct sqlhl_state. */
#include "config.h"
#include "sqlhl.h"

#include <string.h>

#include "rowbuf.h"
#include "rt_sqllex.h"

/* sqlhl_state.mode for each construct that can stay open across lines; the
 * values 0-4 are the ones sqlhl.h has always documented. */
static const enum rt_sql_tok_kind mode_kinds[] = {
	[0] = RT_SQL_TOK_EOF,
	[1] = RT_SQL_TOK_COMMENT,
	[2] = RT_SQL_TOK_STRING,
	[3] = RT_SQL_TOK_DOLLAR,
	[4] = RT_SQL_TOK_QUOTED_IDENT,
	[5] = RT_SQL_TOK_ESCAPE_STRING,
	[6] = RT_SQL_TOK_BIT_STRING,
};

#define NMODES (sizeof(mode_kinds) / sizeof(mode_kinds[0]))

int
sqlhl_is_keyword(const char *word, size_t len)
{
	return rt_sql_is_keyword(word, len);
}

static void
state_to_open(const struct sqlhl_state *st, struct rt_sql_open *open)
{
	memset(open, 0, sizeof(*open));
	if (st->mode <= 0 || (size_t)st->mode >= NMODES)
		return;
	open->kind = mode_kinds[st->mode];
	open->depth = st->depth;
	open->tag = st->tag;
	open->tag_len = strnlen(st->tag, sizeof(st->tag));
}

/* A dollar quote whose tag does not fit the state ends at the line's end:
 * later lines are then coloured as code, which is wrong but harmless. */
static void
open_to_state(const struct rt_sql_open *open, struct sqlhl_state *st)
{
	int mode = 0;

	for (size_t i = 1; i < NMODES; i++)
		if (mode_kinds[i] == open->kind)
			mode = (int)i;
	if (open->kind == RT_SQL_TOK_DOLLAR) {
		if (open->tag_len >= sizeof(st->tag))
			mode = 0;
		else if (open->tag != st->tag) {
			memcpy(st->tag, open->tag, open->tag_len);
			st->tag[open->tag_len] = '\0';
		}
	}
	st->mode = mode;
	st->depth = open->kind == RT_SQL_TOK_COMMENT ? open->depth : 0;
	if (mode != 3)
		st->tag[0] = '\0';
}

static enum ui_role
role_of(enum rt_sql_tok_kind kind)
{
	switch (kind) {
	case RT_SQL_TOK_KEYWORD:
	case RT_SQL_TOK_META:
		return R_KEYWORD;
	case RT_SQL_TOK_STRING:
	case RT_SQL_TOK_ESCAPE_STRING:
	case RT_SQL_TOK_BIT_STRING:
	case RT_SQL_TOK_DOLLAR:
		return R_STRING;
	case RT_SQL_TOK_COMMENT:
		return R_COMMENT;
	case RT_SQL_TOK_NUMBER:
		return R_NUMBER;
	default:
		return R_NORMAL;
	}
}

void
sqlhl_line(struct sqlhl_state *st, const char *line, size_t len, struct rowbuf *out)
{
	struct rt_sql_lexer lx;
	struct rt_sql_open open;
	struct rt_sql_token tok;
	size_t at = 0;

	state_to_open(st, &open);
	rt_sql_lexer_init_open(&lx, line, len, 1, &open);
	while (rt_sql_lex_next(&lx, &tok) != RT_SQL_TOK_EOF) {
		if (tok.offset > at)
			rowbuf_addn(out, R_NORMAL, line + at, tok.offset - at);
		rowbuf_addn(out, role_of(tok.kind == RT_SQL_TOK_ERROR ? tok.open : tok.kind),
			line + tok.offset, tok.len);
		at = tok.offset + tok.len;
	}
	if (at < len)
		rowbuf_addn(out, R_NORMAL, line + at, len - at);
	open_to_state(&lx.open, st);
}
