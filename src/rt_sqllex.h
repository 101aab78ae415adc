/* rt_sqllex.h - the one SQL lexer: PostgreSQL tokens with their positions,
 * used by the splitter, the console's highlighter and the linter. */
#ifndef RT_SQLLEX_H
#define RT_SQLLEX_H

#include <stdbool.h>
#include <stddef.h>

enum rt_sql_tok_kind {
	RT_SQL_TOK_EOF = 0,        /* the end of the buffer (len 0); also "nothing open" */
	RT_SQL_TOK_KEYWORD,        /* a word rt_sql_is_keyword knows: SELECT, begin */
	RT_SQL_TOK_IDENT,          /* any other unquoted word: users, a$b, naïve */
	RT_SQL_TOK_QUOTED_IDENT,   /* "a""b", U&"d\0061t" */
	RT_SQL_TOK_STRING,         /* 'it''s', U&'d\0061t' (N'x' is the word n, then a string) */
	RT_SQL_TOK_ESCAPE_STRING,  /* E'it\'s' */
	RT_SQL_TOK_BIT_STRING,     /* B'0101', X'1F' */
	RT_SQL_TOK_DOLLAR,         /* $tag$ body $tag$, both delimiters included */
	RT_SQL_TOK_COMMENT,        /* -- to the end of the line (CR, LF excluded), or nested block */
	RT_SQL_TOK_NUMBER,         /* 42, 1.5e-3, .5, 0x1F, 1_000 (trailing letters included) */
	RT_SQL_TOK_PARAM,          /* $1 */
	RT_SQL_TOK_OPERATOR,       /* + <> ->> !~* and the typecast :: (longest match, as the server) */
	RT_SQL_TOK_PUNCT,          /* ( ) [ ] , . : */
	RT_SQL_TOK_SEMICOLON,
	RT_SQL_TOK_META,           /* psql meta-command at a statement's start: \connect db, to the
	                            * end of the line (CR, LF excluded) */
	RT_SQL_TOK_OTHER,          /* one byte nothing else takes: a backslash inside a statement */
	RT_SQL_TOK_ERROR,          /* an unterminated quote, dollar quote or block comment, from its
	                            * start to the end of the buffer; token.open says which */
};

/* One token: a view of the lexer's buffer, never a copy. */
struct rt_sql_token {
	enum rt_sql_tok_kind kind;
	enum rt_sql_tok_kind open; /* RT_SQL_TOK_ERROR only: the kind left open, else EOF */
	size_t offset;             /* bytes from the start of the buffer */
	size_t len;                /* bytes */
	int line;                  /* line of the first byte, counted from the first_line given */
	int col;                   /* 1-based byte column of the first byte in that line */
};

/* A construct still open at the end of a buffer, so that the next buffer can
 * go on inside it (the highlighter lexes one line at a time). */
struct rt_sql_open {
	enum rt_sql_tok_kind kind; /* STRING, ESCAPE_STRING, BIT_STRING, QUOTED_IDENT, DOLLAR or
	                            * COMMENT; RT_SQL_TOK_EOF when nothing is open */
	int depth;                 /* COMMENT: block comment nesting, >= 1 */
	const char *tag;           /* DOLLAR: the delimiter "$tag$", borrowed (buffer or caller) */
	size_t tag_len;            /* bytes of tag, both '$' included */
};

/* The lexer's state. Fill it with rt_sql_lexer_init; read the fields, do
 * not write them. */
struct rt_sql_lexer {
	const char *buf;           /* borrowed: must outlive the lexer and its tokens */
	size_t len;
	size_t pos;                /* the next byte to look at */
	int line;                  /* line of buf[pos] */
	size_t line_start;         /* offset of that line's first byte */
	bool is_stmt_start;        /* no token yet in this statement: '\' opens a meta-command */
	struct rt_sql_open open;   /* what is open at pos; set after an ERROR token */
};

/* Starts lexing buf (len bytes; NUL bytes are ordinary bytes) at a
 * statement's start, with first_line as the line of buf[0]. Allocates nothing. */
void rt_sql_lexer_init(struct rt_sql_lexer *lx, const char *buf, size_t len, int first_line);

/* Like rt_sql_lexer_init, but buf starts inside open (as left in lx->open by
 * the previous buffer's ERROR token; its tag must outlive this lexer). The
 * first token is then the rest of that construct: of its kind when it closes
 * in buf, else an ERROR token again. NULL or kind EOF: nothing open. */
void rt_sql_lexer_init_open(struct rt_sql_lexer *lx, const char *buf, size_t len, int first_line,
	const struct rt_sql_open *open);

/* Fills tok with the next token, skipping white space, and returns its kind;
 * RT_SQL_TOK_EOF (again and again) at the end. Each call costs O(bytes passed). */
enum rt_sql_tok_kind rt_sql_lex_next(struct rt_sql_lexer *lx, struct rt_sql_token *tok);

/* True when word (len bytes) is in the lexer's keyword table, case-insensitively:
 * SQL reserved words and the ones that matter to the highlighter and the linter
 * (types, CONCURRENTLY, ATOMIC...). */
bool rt_sql_is_keyword(const char *word, size_t len);

/* True when tok is an unquoted word (KEYWORD or IDENT) equal to word, which
 * must be lower case, compared case-insensitively. buf is the lexer's buffer. */
bool rt_sql_token_is(const char *buf, const struct rt_sql_token *tok, const char *word);

/* A short English name of kind, for messages: "quoted string", "comment"... */
const char *rt_sql_tok_name(enum rt_sql_tok_kind kind);

#endif
