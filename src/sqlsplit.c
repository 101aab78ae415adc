/* sqlsplit.c - split a SQL script into statements in one linear pass.
 *
 * The scanner knows just enough of PostgreSQL's lexical rules to find the
 * top-level semicolons: quoted strings, E'' strings, quoted identifiers,
 * dollar quotes, both kinds of comment, and SQL-standard function bodies
 * (BEGIN ATOMIC ... END, with CASE ... END nested inside). Every byte is
 * looked at a bounded number of times, so the cost is linear in the input.
 *
 * A statement's text starts at its first token (comments and blank lines
 * before it are dropped) and ends before its ';', trimmed of trailing white
 * space; comments between its first token and the ';' are kept.
 */
#include "config.h"
#include "rt_sqlsplit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rt_err.h"
#include "rt_mem.h"

struct scan {
	const char *s;
	size_t len;
	size_t pos;
	int line;             /* script line of s[pos], 1-based */
	int first_line;       /* added to lines when reporting */
	size_t stmt_start;    /* offset of the current statement's first token */
	int stmt_line;        /* 0 while the statement has no token yet */
	int atomic_depth;     /* > 0 inside BEGIN ATOMIC ... END */
	int atomic_line;
	bool after_begin;     /* the previous token was the keyword BEGIN */
	struct rt_err *err;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Identifier start: letters, '_' and any non-ASCII byte, as in scan.l. */
static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		(unsigned char)c >= 0x80;
}

static bool
is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
fail(struct scan *sc, int line, const char *what)
{
	rt_err_set(sc->err, RT_ERR_INPUT, "line %d: unterminated %s",
		line + sc->first_line - 1, what);
	return -1;
}

/* Moves past one byte, counting lines. */
static void
step(struct scan *sc)
{
	if (sc->s[sc->pos] == '\n')
		sc->line++;
	sc->pos++;
}

/* Marks the start of a token; the first one starts the statement. */
static void
token(struct scan *sc)
{
	if (sc->stmt_line == 0) {
		sc->stmt_start = sc->pos;
		sc->stmt_line = sc->line;
	}
}

/* At the opening quote; quote is ' or ". Doubled quotes are escapes, and
 * with is_escape a backslash escapes the next byte (E'' strings). */
static int
skip_quoted(struct scan *sc, char quote, bool is_escape)
{
	int start = sc->line;

	step(sc);
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];

		if (is_escape && c == '\\' && sc->pos + 1 < sc->len) {
			step(sc);
			step(sc);
		} else if (c == quote && sc->pos + 1 < sc->len && sc->s[sc->pos + 1] == quote) {
			sc->pos += 2;
		} else if (c == quote) {
			sc->pos++;
			return 0;
		} else {
			step(sc);
		}
	}
	return fail(sc, start, quote == '"' ? "quoted identifier" : "quoted string");
}

static void
skip_line_comment(struct scan *sc)
{
	while (sc->pos < sc->len && sc->s[sc->pos] != '\n')
		sc->pos++;
}

/* At the opening slash of a block comment; these nest in PostgreSQL. */
static int
skip_block_comment(struct scan *sc)
{
	int start = sc->line;
	int depth = 0;

	while (sc->pos < sc->len) {
		if (sc->s[sc->pos] == '/' && sc->pos + 1 < sc->len && sc->s[sc->pos + 1] == '*') {
			depth++;
			sc->pos += 2;
		} else if (sc->s[sc->pos] == '*' && sc->pos + 1 < sc->len &&
		    sc->s[sc->pos + 1] == '/') {
			sc->pos += 2;
			if (--depth == 0)
				return 0;
		} else {
			step(sc);
		}
	}
	return fail(sc, start, "block comment");
}

/* Length of the $tag$ delimiter at pos, or 0 when '$' does not open one
 * ($1 parameters, a lone '$'). */
static size_t
dollar_tag_len(const struct scan *sc)
{
	size_t i = sc->pos + 1;

	if (i < sc->len && sc->s[i] == '$')
		return 2;
	if (i >= sc->len || !is_ident_start(sc->s[i]))
		return 0;
	while (i < sc->len && is_ident_char(sc->s[i]))
		i++;
	if (i < sc->len && sc->s[i] == '$')
		return i + 1 - sc->pos;
	return 0;
}

/* At a '$'. The closing delimiter search compares at each '$' of the body;
 * the tag holds no '$', so a comparison never runs past the next '$' and
 * the whole scan stays linear. */
static int
skip_dollar(struct scan *sc, size_t tag_len)
{
	const char *tag = sc->s + sc->pos;
	int start = sc->line;

	sc->pos += tag_len;
	while (sc->pos < sc->len) {
		if (sc->s[sc->pos] == '$' && sc->len - sc->pos >= tag_len) {
			size_t i = 1;

			while (i < tag_len && sc->s[sc->pos + i] == tag[i])
				i++;
			if (i == tag_len) {
				sc->pos += tag_len;
				return 0;
			}
		}
		step(sc);
	}
	return fail(sc, start, "dollar-quoted string");
}

/* A word: keyword or unquoted identifier; '$' may follow its first byte. */
static void
scan_word(struct scan *sc)
{
	size_t start = sc->pos;
	size_t n;
	const char *w = sc->s + start;
	bool was_begin = sc->after_begin;

	while (sc->pos < sc->len && (is_ident_char(sc->s[sc->pos]) || sc->s[sc->pos] == '$'))
		sc->pos++;
	n = sc->pos - start;
	sc->after_begin = n == 5 && strncasecmp(w, "begin", 5) == 0;
	if (sc->atomic_depth == 0) {
		if (was_begin && n == 6 && strncasecmp(w, "atomic", 6) == 0) {
			sc->atomic_depth = 1;
			sc->atomic_line = sc->line;
		}
		return;
	}
	if (sc->after_begin || (n == 4 && strncasecmp(w, "case", 4) == 0))
		sc->atomic_depth++;
	else if (n == 3 && strncasecmp(w, "end", 3) == 0)
		sc->atomic_depth--;
}

static void
emit(struct scan *sc, size_t end, struct rt_stmt_list *out)
{
	struct rt_stmt *st;

	if (sc->stmt_line == 0)
		return;
	while (end > sc->stmt_start && is_space(sc->s[end - 1]))
		end--;
	out->v = rt_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	st = &out->v[out->n++];
	st->sql = rt_xstrndup(sc->s + sc->stmt_start, end - sc->stmt_start);
	st->line = sc->stmt_line + sc->first_line - 1;
	sc->stmt_line = 0;
}

/* Scans one lexical element at pos. Returns 1 at a top-level ';', 0 to go
 * on, -1 on an unterminated construct. */
static int
scan_one(struct scan *sc)
{
	char c = sc->s[sc->pos];
	char next = sc->pos + 1 < sc->len ? sc->s[sc->pos + 1] : '\0';
	size_t tag_len;

	if (is_space(c)) {
		step(sc);
		return 0;
	}
	if (c == '-' && next == '-') {
		skip_line_comment(sc);
		return 0;
	}
	if (c == '/' && next == '*')
		return skip_block_comment(sc);
	if (c == ';' && sc->atomic_depth == 0) {
		sc->pos++;
		return 1;
	}
	token(sc);
	if ((c == 'e' || c == 'E') && next == '\'') {
		sc->after_begin = false;
		sc->pos++;
		return skip_quoted(sc, '\'', true);
	}
	if (is_ident_start(c)) {
		scan_word(sc);
		return 0;
	}
	sc->after_begin = false;
	if (c == '\'' || c == '"')
		return skip_quoted(sc, c, false);
	if (c == '$' && (tag_len = dollar_tag_len(sc)) > 0)
		return skip_dollar(sc, tag_len);
	if (c >= '0' && c <= '9') {
		/* a number, or the tail of $1: never a keyword or an E'' prefix */
		while (sc->pos < sc->len && is_ident_char(sc->s[sc->pos]))
			sc->pos++;
		return 0;
	}
	sc->pos++;
	return 0;
}

int
rt_sql_split(const char *script, int first_line, struct rt_stmt_list *out, struct rt_err *err)
{
	struct scan sc = { .s = script, .len = strlen(script), .line = 1,
		.first_line = first_line, .err = err };
	int r;

	out->v = NULL;
	out->n = 0;
	while (sc.pos < sc.len) {
		r = scan_one(&sc);
		if (r < 0)
			goto fail;
		if (r > 0) {
			/* the statement ends before the ';' scan_one just passed */
			emit(&sc, sc.pos - 1, out);
			sc.after_begin = false;
		}
	}
	if (sc.atomic_depth > 0) {
		rt_err_set(err, RT_ERR_INPUT, "line %d: BEGIN ATOMIC without a matching END",
			sc.atomic_line + first_line - 1);
		goto fail;
	}
	emit(&sc, sc.len, out);
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
