/* rt_sqlsplit.h - split a SQL script into statements (quotes, dollar quotes, comments). */
#ifndef RT_SQLSPLIT_H
#define RT_SQLSPLIT_H

#include <stddef.h>

struct rt_err;

struct rt_stmt {
	char *sql;      /* the statement without the terminating ';', trimmed; owned by the list */
	int line;       /* 1-based line (in the script) where the statement starts */
	char *copy_data; /* COPY ... FROM STDIN: its inline data block (the lines after the
	                  * statement up to the "\." line, each ending in '\n'), else NULL;
	                  * owned by the list */
	size_t copy_len; /* bytes of copy_data */
};

struct rt_stmt_list {
	struct rt_stmt *v;
	size_t n;
};

/* Splits script into statements on top-level semicolons, with the engine's
 * lexer (rt_sqllex.h): 'strings' (with '' escapes), E'strings' (backslash
 * escapes), "identifiers", $tag$ dollar quotes $tag$, -- line comments and
 * nested block comments are never split, nor BEGIN ATOMIC ... END bodies. A
 * psql meta-command (a backslash at a statement's start, to the end of the
 * line) is a statement of its own. A COPY ... FROM STDIN statement takes the
 * lines after it up to a line "\." as its data block, as psql and pg_dump do
 * (text and CSV formats alike: the data is not SQL and is not lexed). Empty
 * statements (only whitespace or
 * comments) are dropped. first_line is the script's line number in its file
 * (the line of script[0]). Returns 0, or -1 with err (RT_ERR_INPUT, message
 * "line N: unterminated ...", err->line N, no path: rt_err_locate adds the
 * file) on an unterminated quote or comment, an unclosed BEGIN ATOMIC or a
 * COPY FROM STDIN data block without its "\." line. */
int rt_sql_split(const char *script, int first_line, struct rt_stmt_list *out, struct rt_err *err);

void rt_stmt_list_free(struct rt_stmt_list *list);

#endif
