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
};

/* Sets kind and a formatted one-line message; clears detail. err may be NULL. */
void rt_err_set(struct rt_err *err, enum rt_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends a formatted line to err->detail. err may be NULL. */
void rt_err_detail(struct rt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resets err to RT_ERR_NONE with empty strings. */
void rt_err_clear(struct rt_err *err);

/* Exit status for err: 0 none, 2 input, 1 otherwise. */
int rt_err_exit_code(const struct rt_err *err);

#endif
