/* rt_rows.h - a read-only row browser on one table: its columns and primary
 * key from the catalog, pages of rows by keyset pagination on the key (never
 * OFFSET; by ctid for a table without one), an optional filter on one column
 * sent as a parameter. A page is fetched by a job (rt_job.h) on the
 * browser's own read-only connection, so a front end never waits on it; the
 * values come back as text, SQL NULL distinct from the empty string. */
#ifndef RT_ROWS_H
#define RT_ROWS_H

#include <stdbool.h>
#include <stddef.h>

struct rt_db;
struct rt_err;
struct rt_job;

struct rt_rows_col {
	char *name;
	char *type;          /* format_type(): "integer", "character varying(20)", "jsonb" */
	int key;             /* 1-based position in the primary key; 0 when not in it */
};

enum rt_rows_page {
	RT_ROWS_FIRST,       /* ORDER BY key LIMIT n */
	RT_ROWS_NEXT,        /* after the current page's last row */
	RT_ROWS_PREV,        /* before the current page's first row */
	RT_ROWS_LAST,        /* ORDER BY key DESC LIMIT n, shown in key order */
};

/* How the filter compares (see rt_rows_page_sql). */
enum rt_rows_match {
	RT_ROWS_EQ,          /* col = $k: the value is read as the column's type */
	RT_ROWS_EQ_TEXT,     /* col::text = $k: types without an equality operator (json) */
	RT_ROWS_IS_NULL,     /* col IS NULL */
};

struct rt_rows;

/* Opens a browser on schema.table: a second connection to db's database
 * (read-only: default_transaction_read_only), then the columns, their types
 * and the primary key in one catalog query (no lock taken on the table).
 * Returns a browser owned by the caller (rt_rows_free), or NULL with err:
 * RT_ERR_INPUT when the table does not exist, RT_ERR_RUN otherwise. */
struct rt_rows *rt_rows_open(struct rt_db *db, const char *schema, const char *table,
			     struct rt_err *err);

/* Closes the connection and frees b (after the fetch job, which borrows it). */
void rt_rows_free(struct rt_rows *b);

/* The columns in table order. Borrowed from b. */
size_t rt_rows_ncols(const struct rt_rows *b);
const struct rt_rows_col *rt_rows_col(const struct rt_rows *b, size_t i);

/* True when pages are keyed on a primary key, false when on ctid. */
bool rt_rows_has_pk(const struct rt_rows *b);

/* Sets the filter the next fetch uses: rows whose column (a name of the
 * table: exact, else the one that matches ignoring case) equals value, or
 * IS NULL when value is NULL. The filter becomes the browser's when that
 * fetch succeeds; a failed or cancelled fetch keeps the old one. column NULL
 * clears the filter. Returns 0, or -1 with err (RT_ERR_INPUT: no such
 * column). */
int rt_rows_set_filter(struct rt_rows *b, const char *column, const char *value,
		       struct rt_err *err);

/* The filter in force: false when none; else its column and value (NULL for
 * IS NULL), borrowed until the next successful fetch. */
bool rt_rows_filter(const struct rt_rows *b, const char **column, const char **value);

/* Starts fetching a page of at most n rows (n >= 1). The job borrows b (b
 * must outlive it; one fetch at a time). When it ends with 0 the page
 * replaces the current one, except that NEXT and PREV finding no rows keep
 * it (rt_rows_moved says so); on -1 (RT_ERR_CANCEL after a cancel, the
 * server's error otherwise) the current page stays. NEXT and PREV on an
 * empty page fetch the first page. Returns NULL with err when it cannot
 * start (a fetch runs already, the connection is gone). */
struct rt_job *rt_rows_fetch(struct rt_rows *b, enum rt_rows_page page, size_t n,
			     struct rt_err *err);

/* Like rt_rows_fetch NEXT from a row whose key is keyvals (the text form of
 * each key column in key order; the ctid for a table without a primary key):
 * the page of the rows after it (a bookmark; the benchmark's page-down from
 * the middle). */
struct rt_job *rt_rows_fetch_after(struct rt_rows *b, const char *const *keyvals, size_t n,
				   struct rt_err *err);

/* Whether a fetch job runs. */
bool rt_rows_is_busy(const struct rt_rows *b);

/* The current page: rows, and each value as text (NULL for SQL NULL; ""
 * for the empty string), borrowed until the next fetch ends. */
size_t rt_rows_nrows(const struct rt_rows *b);
const char *rt_rows_value(const struct rt_rows *b, size_t row, size_t col);

/* Whether rows come before the page's first / after its last (within the
 * filter), as the last fetch found out. */
bool rt_rows_has_before(const struct rt_rows *b);
bool rt_rows_has_after(const struct rt_rows *b);

/* Whether the last successful fetch changed the page (false: NEXT or PREV
 * found nothing further). */
bool rt_rows_moved(const struct rt_rows *b);

/* The 0-based position of the page's first row within the (filtered) table
 * when it is known (paged from the first page), else -1. */
long long rt_rows_offset(const struct rt_rows *b);

/* The last fetch's time from sending the query to the last row, in ms. */
double rt_rows_fetch_ms(const struct rt_rows *b);

/* The SQL of the last fetch (for the benchmark and traces). Borrowed. */
const char *rt_rows_last_sql(const struct rt_rows *b);

/* ---- pure: the page query --------------------------------------------------------- */

struct rt_rows_query {
	const char *rel;              /* quoted "schema"."table" */
	const char *const *cols;      /* quoted select list */
	size_t ncols;
	const char *const *keys;      /* quoted key columns in key order; NULL: ctid */
	size_t nkeys;
	const char *filter_col;       /* quoted filter column, or NULL */
	enum rt_rows_match match;
	/* ctid only: the block window of one round (a TID range scan), -1 for
	 * no bound: ctid >= '(blk_lo,0)' AND ctid < '(blk_hi,0)' */
	long long blk_lo, blk_hi;
};

/* The SQL of one page of limit rows: the key values of the page's edge are
 * $1..$nkeys (one $1::tid for ctid, which is then selected as the last
 * column), the filter value the next parameter. Without a key the fetch job
 * reads a page in rounds over growing block windows (blk_lo, blk_hi), since
 * PostgreSQL sorts the whole rest of a table for ORDER BY ctid LIMIT n but
 * reads only the window's blocks for a bounded ctid range. Returns a new
 * string owned by the caller; *nparams says how many parameters it takes. */
char *rt_rows_page_sql(const struct rt_rows_query *q, enum rt_rows_page page, size_t limit,
		       int *nparams);

#endif
