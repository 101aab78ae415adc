/* rt_export.h - one table's rows out as CSV (RFC 4180, what `retort seed`
 * reads back to the same contents) or JSON lines, through the server's
 * COPY ... TO STDOUT, as a job.
 *
 * CSV is COPY's (FORMAT csv, HEADER true): NULL is an empty unquoted field,
 * an empty string "". JSON lines are one object a row, row_to_json's exact
 * text (COPY's csv format with a quote and a delimiter no JSON text holds,
 * so nothing is escaped twice). */
#ifndef RT_EXPORT_H
#define RT_EXPORT_H

#include <stdbool.h>

#include "rt_job.h"

struct rt_err;
struct rt_session;

struct rt_export_req {
	const char *table;      /* "table" (search_path) or "schema.table"; unquoted */
	const char *columns;    /* "a,b" or NULL: every column but generated ones */
	const char *where;      /* raw SQL for the WHERE clause (the user's own), or NULL */
	bool json;              /* JSON lines instead of CSV */
	const char *output;     /* file (written to a temporary name, fsynced, renamed);
	                         * NULL: out_fd */
	int out_fd;             /* when output is NULL (1: stdout) */
};

struct rt_export;

/* Connects the session if needed and resolves the table and the columns.
 * Returns an operation owned by the caller (rt_export_free), or NULL with err:
 * RT_ERR_INPUT for an unknown table or column, RT_ERR_RUN when the database
 * cannot be read. */
struct rt_export *rt_export_prepare(struct rt_session *s, const struct rt_export_req *req,
				    struct rt_err *err);

void rt_export_free(struct rt_export *x);

/* "schema.table" of the export (unquoted, borrowed). */
const char *rt_export_table(const struct rt_export *x);

/* Starts the job on its own connection: RT_EV_DATA progress (rows, bytes);
 * a cancel sends PQcancel (RT_ERR_CANCEL, no output file left behind); a
 * server error (a bad --where) is RT_ERR_RUN. The job borrows x: free the
 * job first. Returns a job owned by the caller, or NULL with err. */
struct rt_job *rt_export_start(struct rt_export *x, rt_event_fn fn, void *ctx,
			       struct rt_err *err);

/* Rows written (after the job). */
long long rt_export_rows(const struct rt_export *x);

#endif
