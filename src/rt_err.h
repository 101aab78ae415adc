/* rt_err.h - structured errors filled by the engine, presented by front ends. */
#ifndef RT_ERR_H
#define RT_ERR_H

enum rt_err_kind {
	RT_ERR_NONE = 0,
	RT_ERR_INPUT,   /* bad input or usage: exit 2, database untouched */
	RT_ERR_RUN,     /* failure while running (SQL error, lock timeout): exit 1 */
	RT_ERR_CANCEL,  /* cancelled by the user: exit 1 */
};

struct rt_err {
	enum rt_err_kind kind;
	char msg[1024];     /* one line: "file:line: what is wrong" */
	char detail[2048];  /* SQLSTATE, DETAIL, HINT, candidates...; may be empty */
	char sqlstate[6];   /* the server's SQLSTATE for a failed statement, else "" */
	char path[512];     /* the file the error is in, as given (raw bytes: not filtered
	                     * for display, unlike msg); "" when none */
	int line;           /* 1-based line in path (or in the input) the error is at; 0 none */
	char text[1024];    /* msg without its "path:line: " prefix: what is wrong */
};

/* Sets kind and a formatted one-line message (msg and text alike); clears
 * detail, sqlstate, path and line. err may be NULL. */
void rt_err_set(struct rt_err *err, enum rt_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like rt_err_set for an error at a place in a file: stores path (NULL: none)
 * and line (0: none), the formatted text in text, and msg as "path:line: text",
 * "path: text" (no line), "line N: text" (no path) or "text". err may be NULL. */
void rt_err_set_at(struct rt_err *err, enum rt_err_kind kind, const char *path, int line,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Gives an error that has a line but no path the file it is in: stores path
 * and rebuilds msg as "path:line: text" (for errors found in a piece of a
 * file, such as rt_sql_split's). Does nothing when err is NULL, path is NULL,
 * err has no line or already has a path. */
void rt_err_locate(struct rt_err *err, const char *path);

/* Appends a formatted line to err->detail. err may be NULL. */
void rt_err_detail(struct rt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resets err to RT_ERR_NONE with empty strings and no line. */
void rt_err_clear(struct rt_err *err);

/* Exit status for err: 0 none, 2 input, 1 otherwise. */
int rt_err_exit_code(const struct rt_err *err);

#endif
