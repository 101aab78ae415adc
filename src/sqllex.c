/* sqllex.c - the one SQL lexer, after PostgreSQL's own (src/backend/parser/scan.l).
 *
 * It follows the server's rules where they decide token boundaries: which
 * quote forms exist and how each escapes its quote, that block comments nest,
 * what may tag a dollar quote, how long an operator is, where a number ends.
 * It does not decode anything (escapes, Unicode, numeric values) and reports
 * no errors beyond an unterminated construct: tokens are views of the buffer,
 * so a lexer allocates nothing and each byte is looked at a bounded number of
 * times, which keeps the splitter linear on hostile input.
 */
#include "config.h"
#include "rt_sqllex.h"

#include <stdlib.h>
#include <string.h>

/* Sorted (LC_ALL=C sort), lower case: looked up with bsearch. SQL's reserved
 * words, the statements and clauses a migration uses, and the common type
 * names, because the console colours them. */
static const char *const keywords[] = {
	"add", "all", "alter", "analyse", "analyze", "and", "any", "array", "as", "asc",
	"asymmetric", "atomic", "before", "begin", "between", "bigint", "bigserial", "boolean",
	"both", "by", "cascade", "case", "cast", "character", "check", "coalesce", "collate",
	"column", "comment", "commit", "concurrently", "constraint", "create", "cross",
	"current_date", "current_role", "current_time", "current_timestamp", "current_user",
	"date", "declare", "default", "deferrable", "deferred", "delete", "desc", "distinct",
	"do", "domain", "double", "drop", "each", "else", "end", "enum", "except", "execute",
	"exists", "extension", "false", "fetch", "first", "for", "foreign", "from", "function",
	"grant", "group", "having", "if", "in", "index", "initially", "inner", "insert", "int",
	"integer", "intersect", "interval", "into", "is", "join", "jsonb", "key", "language",
	"last", "lateral", "leading", "left", "like", "limit", "lock", "loop", "materialized",
	"not", "now", "null", "nulls", "numeric", "offset", "on", "only", "or", "order",
	"outer", "over", "owner", "partition", "placing", "plpgsql", "policy", "precision",
	"primary", "procedure", "raise", "real", "references", "release", "rename", "replace",
	"restrict", "returning", "returns", "revoke", "role", "rollback", "row", "savepoint",
	"schema", "select", "sequence", "serial", "session_user", "set", "smallint", "some",
	"start", "symmetric", "table", "tablespace", "text", "then", "timestamp",
	"timestamptz", "to", "trailing", "transaction", "trigger", "true", "truncate", "type",
	"union", "unique", "update", "user", "using", "uuid", "vacuum", "values", "varchar",
	"variadic", "varying", "view", "when", "where", "window", "with", "without", "zone",
};

/* Longer than every keyword: longer words are identifiers without a lookup. */
#define KEYWORD_MAX 24

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Letters, '_' and every non-ASCII byte, so UTF-8 names are words. */
static bool
is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* A dollar-quote tag continues with these; a word also with '$'. */
static bool
is_tag_char(unsigned char c)
{
	return is_ident_start(c) || is_digit(c);
}

static bool
is_op_char(unsigned char c)
{
	return c != '\0' && strchr("~!@#^&|`?+-*/%<>=", c) != NULL;
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The byte ahead bytes past pos, or NUL past the end (NUL starts nothing). */
static unsigned char
peek(const struct rt_sql_lexer *lx, size_t ahead)
{
	return lx->len - lx->pos > ahead ? (unsigned char)lx->buf[lx->pos + ahead] : '\0';
}

/* Moves past one byte, counting lines. */
static void
advance(struct rt_sql_lexer *lx)
{
	if (lx->buf[lx->pos++] == '\n') {
		lx->line++;
		lx->line_start = lx->pos;
	}
}

/* In a quoted body (the opening quote passed); stops after the closing
 * quote. A doubled quote is a quote, except in bit strings; E'' strings
 * also escape any byte with a backslash. */
static bool
scan_quoted(struct rt_sql_lexer *lx)
{
	enum rt_sql_tok_kind kind = lx->open.kind;
	char quote = kind == RT_SQL_TOK_QUOTED_IDENT ? '"' : '\'';

	while (lx->pos < lx->len) {
		char c = lx->buf[lx->pos];

		if (c == '\\' && kind == RT_SQL_TOK_ESCAPE_STRING && lx->pos + 1 < lx->len) {
			advance(lx);
			advance(lx);
			continue;
		}
		advance(lx);
		if (c != quote)
			continue;
		if (kind != RT_SQL_TOK_BIT_STRING && peek(lx, 0) == (unsigned char)quote) {
			lx->pos++;
			continue;
		}
		return true;
	}
	return false;
}

/* In a dollar-quoted body. The closing delimiter is compared at each '$';
 * the tag holds no '$' between its ends, so a comparison never runs past the
 * next '$' and the scan stays linear however many '$' the body holds. */
static bool
scan_dollar(struct rt_sql_lexer *lx)
{
	const char *tag = lx->open.tag;
	size_t tag_len = lx->open.tag_len;

	while (lx->pos < lx->len) {
		if (lx->buf[lx->pos] == '$' && lx->len - lx->pos >= tag_len) {
			size_t i = 1;

			while (i < tag_len && lx->buf[lx->pos + i] == tag[i])
				i++;
			if (i == tag_len) {
				lx->pos += tag_len;
				return true;
			}
		}
		advance(lx);
	}
	return false;
}

/* In a block comment at nesting open.depth; these nest in PostgreSQL. */
static bool
scan_block_comment(struct rt_sql_lexer *lx)
{
	while (lx->pos < lx->len) {
		if (lx->buf[lx->pos] == '/' && peek(lx, 1) == '*') {
			lx->open.depth++;
			lx->pos += 2;
		} else if (lx->buf[lx->pos] == '*' && peek(lx, 1) == '/') {
			lx->pos += 2;
			if (--lx->open.depth == 0)
				return true;
		} else {
			advance(lx);
		}
	}
	return false;
}

/* Goes on inside lx->open to its end or the buffer's, and says which. */
static void
finish_open(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	bool is_closed;

	if (lx->open.kind == RT_SQL_TOK_DOLLAR)
		is_closed = scan_dollar(lx);
	else if (lx->open.kind == RT_SQL_TOK_COMMENT)
		is_closed = scan_block_comment(lx);
	else
		is_closed = scan_quoted(lx);
	if (is_closed) {
		tok->kind = lx->open.kind;
		memset(&lx->open, 0, sizeof(lx->open));
	} else {
		tok->kind = RT_SQL_TOK_ERROR;
		tok->open = lx->open.kind;
	}
}

/* Opens a quote, dollar quote or block comment whose opening delimiter is
 * the next delim_len bytes (no newline among them). */
static void
open_construct(struct rt_sql_lexer *lx, struct rt_sql_token *tok, enum rt_sql_tok_kind kind,
	size_t delim_len)
{
	lx->open.kind = kind;
	lx->open.depth = 1;
	lx->open.tag = lx->buf + lx->pos;
	lx->open.tag_len = delim_len;
	lx->pos += delim_len;
	finish_open(lx, tok);
}

/* Length of a quote opening at pos with its prefix ('x', E'x', B'0', X'f',
 * U&'x', "x", U&"x"), and its kind; 0 when none opens there. */
static size_t
quote_prefix(const struct rt_sql_lexer *lx, enum rt_sql_tok_kind *kind)
{
	unsigned char c = lower(peek(lx, 0)), next = peek(lx, 1);

	if (c == '\'' || c == '"') {
		*kind = c == '"' ? RT_SQL_TOK_QUOTED_IDENT : RT_SQL_TOK_STRING;
		return 1;
	}
	if (next == '\'' && (c == 'e' || c == 'b' || c == 'x')) {
		*kind = c == 'e' ? RT_SQL_TOK_ESCAPE_STRING : RT_SQL_TOK_BIT_STRING;
		return 2;
	}
	if (c == 'u' && next == '&' && (peek(lx, 2) == '\'' || peek(lx, 2) == '"')) {
		*kind = peek(lx, 2) == '"' ? RT_SQL_TOK_QUOTED_IDENT : RT_SQL_TOK_STRING;
		return 3;
	}
	return 0;
}

/* At a '$': a parameter ($1), a dollar quote ($$, $tag$), or a lone '$'
 * (which the server rejects; "$tag" without its closing '$' is that '$'
 * followed by a word, as in scan.l's dolqfailed rule). */
static void
lex_dollar(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	size_t i = 1;

	if (is_digit(peek(lx, 1))) {
		lx->pos++;
		while (is_digit(peek(lx, 0)))
			lx->pos++;
		/* "$1abc" is one bad token for the server; keep it one token */
		if (is_ident_start(peek(lx, 0)))
			while (is_tag_char(peek(lx, 0)) || peek(lx, 0) == '$')
				lx->pos++;
		tok->kind = RT_SQL_TOK_PARAM;
		return;
	}
	if (is_ident_start(peek(lx, 1)))
		while (is_tag_char(peek(lx, i)))
			i++;
	if (peek(lx, i) == '$') {
		open_construct(lx, tok, RT_SQL_TOK_DOLLAR, i + 1);
		return;
	}
	lx->pos++;
	tok->kind = RT_SQL_TOK_OTHER;
}

/* Digits of a base, with single '_' separators between them (PostgreSQL 16). */
static size_t
digits(struct rt_sql_lexer *lx, int base)
{
	size_t start = lx->pos;

	for (;;) {
		unsigned char c = lower(peek(lx, 0));
		unsigned char next = lower(peek(lx, 1));
		bool is_d = base == 16 ? is_digit(c) || (c >= 'a' && c <= 'f') :
			c >= '0' && c < '0' + base;
		bool is_nd = base == 16 ? is_digit(next) || (next >= 'a' && next <= 'f') :
			next >= '0' && next < '0' + base;

		if (is_d)
			lx->pos++;
		else if (c == '_' && lx->pos > start && is_nd)
			lx->pos += 2;
		else
			return lx->pos - start;
	}
}

/* 42, 1_000, 1.5, .5, 1., 1.5e-3, 0x1F, 0o17, 0b101. "1..2" is 1, "..", 2.
 * Letters right after a number ("12abc", "0x") belong to it: the server
 * rejects that as trailing junk, and splitting it would invent an E'' prefix. */
static void
lex_number(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	unsigned char radix = lower(peek(lx, 1));
	int base = radix == 'x' ? 16 : radix == 'o' ? 8 : radix == 'b' ? 2 : 10;
	size_t save = lx->pos;

	tok->kind = RT_SQL_TOK_NUMBER;
	if (peek(lx, 0) == '0' && base != 10) {
		lx->pos += 2;
		if (digits(lx, base) == 0)
			lx->pos = save + 1;   /* "0x": a 0 and trailing junk */
	} else {
		digits(lx, 10);
		if (peek(lx, 0) == '.' && peek(lx, 1) != '.') {
			lx->pos++;
			digits(lx, 10);
		}
		if (lower(peek(lx, 0)) == 'e' && (is_digit(peek(lx, 1)) ||
		    ((peek(lx, 1) == '+' || peek(lx, 1) == '-') && is_digit(peek(lx, 2))))) {
			lx->pos += 2;
			digits(lx, 10);
		}
	}
	if (is_ident_start(peek(lx, 0)))
		while (is_tag_char(peek(lx, 0)) || peek(lx, 0) == '$')
			lx->pos++;
}

/* The longest run of operator characters, cut as the server cuts it: before
 * a comment start ("--" or slash-star) inside it, and without trailing '+'/'-' unless it holds one
 * of ~ ! @ # ^ & | ` ? % (so "a=-1" is "=" then "-"). */
static void
lex_operator(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	const char *s = lx->buf + lx->pos;
	size_t n = 1, i;

	while (lx->pos + n < lx->len && is_op_char(s[n])) {
		if (lx->pos + n + 1 < lx->len && ((s[n] == '-' && s[n + 1] == '-') ||
		    (s[n] == '/' && s[n + 1] == '*')))
			break;
		n++;
	}
	if (n > 1 && (s[n - 1] == '+' || s[n - 1] == '-')) {
		for (i = n - 1; i > 0; i--)
			if (strchr("~!@#^&|`?%", s[i - 1]))
				break;
		if (i == 0)
			do
				n--;
			while (n > 1 && (s[n - 1] == '+' || s[n - 1] == '-'));
	}
	lx->pos += n;
	tok->kind = RT_SQL_TOK_OPERATOR;
}

/* Sets pos past a run of bytes for which keep() holds. */
static void
skip_while(struct rt_sql_lexer *lx, bool (*keep)(unsigned char))
{
	while (lx->pos < lx->len && keep((unsigned char)lx->buf[lx->pos]))
		lx->pos++;
}

static bool
is_word_char(unsigned char c)
{
	return is_tag_char(c) || c == '$';
}

/* A comment or meta-command ends at either, as scan.l's non_newline says. */
static bool
is_not_newline(unsigned char c)
{
	return c != '\n' && c != '\r';
}

/* One token at pos, outside every quote and comment. */
static void
lex_token(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	unsigned char c = peek(lx, 0), next = peek(lx, 1);
	enum rt_sql_tok_kind kind;
	size_t n;

	if ((c == '-' && next == '-') || (c == '\\' && lx->is_stmt_start)) {
		skip_while(lx, is_not_newline);
		tok->kind = c == '-' ? RT_SQL_TOK_COMMENT : RT_SQL_TOK_META;
	} else if (c == '/' && next == '*') {
		open_construct(lx, tok, RT_SQL_TOK_COMMENT, 2);
	} else if ((n = quote_prefix(lx, &kind)) > 0) {
		open_construct(lx, tok, kind, n);
	} else if (c == '$') {
		lex_dollar(lx, tok);
	} else if (is_ident_start(c)) {
		skip_while(lx, is_word_char);
		tok->kind = rt_sql_is_keyword(lx->buf + tok->offset, lx->pos - tok->offset) ?
			RT_SQL_TOK_KEYWORD : RT_SQL_TOK_IDENT;
	} else if (is_digit(c) || (c == '.' && is_digit(next))) {
		lex_number(lx, tok);
	} else if ((c == ':' && (next == ':' || next == '=')) || (c == '.' && next == '.')) {
		lx->pos += 2;   /* typecast, PL/pgSQL assignment, range */
		tok->kind = RT_SQL_TOK_OPERATOR;
	} else if (c != '\0' && strchr(";()[],.:", c)) {
		lx->pos++;
		tok->kind = c == ';' ? RT_SQL_TOK_SEMICOLON : RT_SQL_TOK_PUNCT;
	} else if (is_op_char(c)) {
		lex_operator(lx, tok);
	} else {
		lx->pos++;
		tok->kind = RT_SQL_TOK_OTHER;
	}
}

void
rt_sql_lexer_init(struct rt_sql_lexer *lx, const char *buf, size_t len, int first_line)
{
	rt_sql_lexer_init_open(lx, buf, len, first_line, NULL);
}

void
rt_sql_lexer_init_open(struct rt_sql_lexer *lx, const char *buf, size_t len, int first_line,
	const struct rt_sql_open *open)
{
	memset(lx, 0, sizeof(*lx));
	lx->buf = buf;
	lx->len = len;
	lx->line = first_line;
	lx->is_stmt_start = true;
	if (open && open->kind != RT_SQL_TOK_EOF)
		lx->open = *open;
	if (lx->open.kind == RT_SQL_TOK_COMMENT && lx->open.depth < 1)
		lx->open.depth = 1;
	/* a dollar quote without its "$tag$" could never close as meant */
	if (lx->open.kind == RT_SQL_TOK_DOLLAR && (!lx->open.tag || lx->open.tag_len < 2))
		memset(&lx->open, 0, sizeof(lx->open));
}

enum rt_sql_tok_kind
rt_sql_lex_next(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	bool is_inside = lx->open.kind != RT_SQL_TOK_EOF;

	while (!is_inside && lx->pos < lx->len && is_space((unsigned char)lx->buf[lx->pos]))
		advance(lx);
	tok->kind = RT_SQL_TOK_EOF;
	tok->open = RT_SQL_TOK_EOF;
	tok->offset = lx->pos;
	tok->line = lx->line;
	tok->col = (int)(lx->pos - lx->line_start) + 1;
	if (lx->pos >= lx->len) {
		tok->len = 0;
		return RT_SQL_TOK_EOF;
	}
	if (is_inside)
		finish_open(lx, tok);
	else
		lex_token(lx, tok);
	tok->len = lx->pos - tok->offset;
	if (tok->kind == RT_SQL_TOK_SEMICOLON || tok->kind == RT_SQL_TOK_META)
		lx->is_stmt_start = true;
	else if (tok->kind != RT_SQL_TOK_COMMENT)
		lx->is_stmt_start = false;
	return tok->kind;
}

static int
compare_keyword(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool
rt_sql_is_keyword(const char *word, size_t len)
{
	char low[KEYWORD_MAX + 1];

	if (len == 0 || len > KEYWORD_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)word[i] >= 0x80 || word[i] == '\0')
			return false;
		low[i] = (char)lower((unsigned char)word[i]);
	}
	low[len] = '\0';
	return bsearch(low, keywords, sizeof(keywords) / sizeof(keywords[0]), sizeof(keywords[0]),
		compare_keyword) != NULL;
}

bool
rt_sql_token_is(const char *buf, const struct rt_sql_token *tok, const char *word)
{
	if (tok->kind != RT_SQL_TOK_KEYWORD && tok->kind != RT_SQL_TOK_IDENT)
		return false;
	for (size_t i = 0; i < tok->len; i++)
		if (word[i] == '\0' || lower((unsigned char)buf[tok->offset + i]) != (unsigned char)word[i])
			return false;
	return word[tok->len] == '\0';
}

const char *
rt_sql_tok_name(enum rt_sql_tok_kind kind)
{
	static const char *const names[] = {
		[RT_SQL_TOK_EOF] = "end of input",
		[RT_SQL_TOK_KEYWORD] = "keyword",
		[RT_SQL_TOK_IDENT] = "identifier",
		[RT_SQL_TOK_QUOTED_IDENT] = "quoted identifier",
		[RT_SQL_TOK_STRING] = "quoted string",
		[RT_SQL_TOK_ESCAPE_STRING] = "escape string",
		[RT_SQL_TOK_BIT_STRING] = "bit string",
		[RT_SQL_TOK_DOLLAR] = "dollar-quoted string",
		[RT_SQL_TOK_COMMENT] = "comment",
		[RT_SQL_TOK_NUMBER] = "number",
		[RT_SQL_TOK_PARAM] = "parameter",
		[RT_SQL_TOK_OPERATOR] = "operator",
		[RT_SQL_TOK_PUNCT] = "punctuation",
		[RT_SQL_TOK_SEMICOLON] = "semicolon",
		[RT_SQL_TOK_META] = "psql meta-command",
		[RT_SQL_TOK_OTHER] = "character",
		[RT_SQL_TOK_ERROR] = "unterminated token",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]) || !names[kind])
		return "token";
	return names[kind];
}
