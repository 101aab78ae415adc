/* sqlhl.h - SQL syntax highlighting into rowbuf spans (pure). */
#ifndef UI_SQLHL_H
#define UI_SQLHL_H

#include <stddef.h>

struct rowbuf;

/* What carries over from one line to the next. Zero-initialise. */
struct sqlhl_state {
	int mode;          /* 0 code, 1 block comment, 2 'string', 3 $tag$ body, 4 "ident",
	                    * 5 E'string', 6 B'bits' or X'hex' */
	int depth;         /* nested block comments */
	char tag[40];      /* the dollar-quote tag, "$body$" */
};

/* Appends line (len bytes, no newline) to out with keyword, string, comment
 * and number spans, as the engine's lexer (rt_sqllex.h) reads them, updating
 * st for the next line. */
void sqlhl_line(struct sqlhl_state *st, const char *line, size_t len, struct rowbuf *out);

/* True when word (len bytes) is an SQL keyword, case-insensitively
 * (rt_sql_is_keyword's table). */
int sqlhl_is_keyword(const char *word, size_t len);

#endif
