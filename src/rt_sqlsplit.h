/* rt_sqlsplit.h - split a SQL script into statements (quotes, dollar quotes, comments). */
#ifndef RT_SQLSPLIT_H
#define RT_SQLSPLIT_H

#include <stddef.h>

struct rt_err;

struct rt_stmt {
	char *sql;      /* the statement without the terminating ';', trimmed; owned by the list */
	int line;       /* 1-based line (in the script) where the statement starts */
};

struct rt_stmt_list {
	struct rt_stmt *v;
	size_t n;
};

/* Splits script into statements on top-level semicolons. Understands
 * 'strings' (with '' escapes), E'strings' (backslash escapes), "identifiers",
 * $tag$ dollar quotes $tag$, -- line comments and nested block comments, and
 * BEGIN ATOMIC ... END bodies. Empty statements (only whitespace or comments)
 * are dropped. first_line is the script's line number in its file, added to
 * each statement's line. Returns 0, or -1 with err (RT_ERR_INPUT, message
 * "line N: unterminated ...") on an unterminated quote or comment. */
int rt_sql_split(const char *script, int first_line, struct rt_stmt_list *out, struct rt_err *err);

void rt_stmt_list_free(struct rt_stmt_list *list);

#endif
