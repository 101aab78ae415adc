/* rows.c - the read-only row browser: a connection of its own, the columns
 * and the key from the catalog, and pages fetched by keyset pagination in a
 * job driven by libpq's asynchronous API. */
#include "config.h"
#include "rt_rows.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_job.h"
#include "rt_mem.h"

/* The columns of an ordinary or partitioned table (or a materialized view),
 * with the position of each in the primary key. Catalog only: no lock. */
static const char columns_sql[] =
	"SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
	"       coalesce((SELECT k.ord FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)"
	"                  WHERE k.attnum = a.attnum), 0), c.relkind,"
	"       (SELECT string_agg(p.relname, ', ' ORDER BY p.relname) FROM pg_inherits h"
	"         JOIN pg_class p ON p.oid = h.inhrelid WHERE h.inhparent = c.oid)"
	"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
	"  LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary"
	" WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm')"
	" ORDER BY a.attnum";

struct filter {
	bool is_on;
	size_t col;
	char *value;                 /* NULL: IS NULL */
	enum rt_rows_match match;
};

struct page {
	size_t nrows, width;         /* width: result columns (ctid last when keyed on it) */
	char **cells;                /* nrows * width; NULL for SQL NULL */
};

struct rt_rows {
	PGconn *conn;
	char *rel;                   /* quoted "schema"."table" */
	struct rt_rows_col *cols;
	size_t ncols;
	char **qcols;                /* quoted column names */
	size_t *keycol;              /* result columns of the key, in key order */
	size_t nkeys;                /* 0: keyed on ctid (result column ncols) */
	long long nblocks;           /* ctid: the table's blocks when the fetch started */
	struct filter active, pending;
	bool has_pending;
	struct page cur;
	bool has_before, has_after, is_moved;
	long long offset;
	bool is_busy;
	bool is_broken;              /* a fetch was abandoned: the connection is reset first */
	double ms;
	char *last_sql;
};

/* ---- the page query (pure) --------------------------------------------------------- */

static void
key_list(struct rt_buf *b, const struct rt_rows_query *q, bool is_desc)
{
	if (!q->keys) {
		rt_buf_puts(b, is_desc ? "ctid DESC" : "ctid");
		return;
	}
	for (size_t i = 0; i < q->nkeys; i++)
		rt_buf_printf(b, "%s%s%s", i ? ", " : "", q->keys[i], is_desc ? " DESC" : "");
}

char *
rt_rows_page_sql(const struct rt_rows_query *q, enum rt_rows_page page, size_t limit,
		 int *nparams)
{
	struct rt_buf b = { 0 };
	bool is_keyset = page == RT_ROWS_NEXT || page == RT_ROWS_PREV;
	bool is_desc = page == RT_ROWS_PREV || page == RT_ROWS_LAST;
	size_t nkeys = q->keys ? q->nkeys : 1;
	int np = 0;

	rt_buf_puts(&b, "SELECT ");
	for (size_t i = 0; i < q->ncols; i++)
		rt_buf_printf(&b, "%s%s", i ? ", " : "", q->cols[i]);
	if (!q->keys)
		rt_buf_printf(&b, "%sctid", q->ncols ? ", " : "");
	rt_buf_printf(&b, " FROM %s", q->rel);
	if (is_keyset) {
		rt_buf_puts(&b, " WHERE ");
		if (!q->keys) {
			rt_buf_printf(&b, "ctid %c $1::tid", page == RT_ROWS_NEXT ? '>' : '<');
		} else {
			rt_buf_puts(&b, "(");
			key_list(&b, q, false);
			rt_buf_printf(&b, ") %c (", page == RT_ROWS_NEXT ? '>' : '<');
			for (size_t i = 0; i < nkeys; i++)
				rt_buf_printf(&b, "%s$%zu", i ? ", " : "", i + 1);
			rt_buf_puts(&b, ")");
		}
		np = (int)nkeys;
	}
	if (!q->keys && q->blk_lo >= 0) {
		rt_buf_printf(&b, "%sctid >= '(%lld,0)'", is_keyset ? " AND " : " WHERE ", q->blk_lo);
		is_keyset = true;
	}
	if (!q->keys && q->blk_hi >= 0) {
		rt_buf_printf(&b, "%sctid < '(%lld,0)'", is_keyset ? " AND " : " WHERE ", q->blk_hi);
		is_keyset = true;
	}
	if (q->filter_col) {
		rt_buf_puts(&b, is_keyset ? " AND " : " WHERE ");
		if (q->match == RT_ROWS_IS_NULL) {
			rt_buf_printf(&b, "%s IS NULL", q->filter_col);
		} else {
			np++;
			rt_buf_printf(&b, "%s%s = $%d", q->filter_col,
				      q->match == RT_ROWS_EQ_TEXT ? "::text" : "", np);
		}
	}
	rt_buf_puts(&b, " ORDER BY ");
	key_list(&b, q, is_desc);
	rt_buf_printf(&b, " LIMIT %zu", limit);
	if (nparams)
		*nparams = np;
	return rt_buf_take(&b);
}

/* ---- opening ------------------------------------------------------------------------ */

static char *
quote(PGconn *conn, const char *name)
{
	char *q = PQescapeIdentifier(conn, name, strlen(name));
	char *copy = q ? rt_xstrdup(q) : NULL;

	PQfreemem(q);
	return copy;
}

static int
connect_ro(struct rt_rows *b, const char *url, struct rt_err *err)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { url, "retort viewer", NULL };
	PGresult *res;

	b->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(b->conn) != CONNECTION_OK) {
		rt_err_set(err, RT_ERR_RUN, "table viewer: cannot open a second connection");
		rt_err_detail(err, "%s", PQerrorMessage(b->conn));
		return -1;
	}
	/* every statement of the session in a read-only transaction */
	res = PQexec(b->conn, "SET default_transaction_read_only = on");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rt_db_result_err(res, "table viewer", err);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

static int
read_columns(struct rt_rows *b, const char *schema, const char *table, struct rt_err *err)
{
	const char *params[2] = { schema, table };
	PGresult *res = PQexecParams(b->conn, columns_sql, 2, NULL, params, NULL, NULL, 0);
	size_t n, nkeys = 0;
	int rc = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rt_db_result_err(res, "table viewer: reading the columns", err);
		goto out;
	}
	n = (size_t)PQntuples(res);
	if (n == 0) {
		rt_err_set(err, RT_ERR_INPUT, "no table %s.%s", schema, table);
		goto out;
	}
	b->cols = rt_xcalloc(n, sizeof(*b->cols));
	b->qcols = rt_xcalloc(n, sizeof(*b->qcols));
	b->keycol = rt_xcalloc(n, sizeof(*b->keycol));
	b->ncols = n;
	for (size_t i = 0; i < n; i++) {
		b->cols[i].name = rt_xstrdup(PQgetvalue(res, (int)i, 0));
		b->cols[i].type = rt_xstrdup(PQgetvalue(res, (int)i, 1));
		b->cols[i].key = atoi(PQgetvalue(res, (int)i, 2));
		b->qcols[i] = quote(b->conn, b->cols[i].name);
		if (!b->qcols[i]) {
			rt_err_set(err, RT_ERR_RUN, "table viewer: %s", PQerrorMessage(b->conn));
			goto out;
		}
		if (b->cols[i].key > 0)
			nkeys++;
	}
	/* the key columns in the key's order */
	for (size_t k = 1; k <= nkeys; k++)
		for (size_t i = 0; i < n; i++)
			if ((size_t)b->cols[i].key == k)
				b->keycol[b->nkeys++] = i;
	if (b->nkeys != nkeys)   /* an expression in the key: cannot happen for a PK */
		b->nkeys = 0;
	/* without a key the pages go by ctid, which each partition numbers from 0 */
	if (!b->nkeys && *PQgetvalue(res, 0, 3) == 'p') {
		rt_err_set(err, RT_ERR_INPUT, "%s.%s: partitioned, no primary key; open a "
			   "partition: %s", schema, table,
			   PQgetisnull(res, 0, 4) ? "it has none" : PQgetvalue(res, 0, 4));
		rt_err_detail(err, "without a key the viewer pages by ctid, and each partition "
			      "numbers its ctids from (0,1)");
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

struct rt_rows *
rt_rows_open(struct rt_db *db, const char *schema, const char *table, struct rt_err *err)
{
	struct rt_rows *b = rt_xcalloc(1, sizeof(*b));
	char *qs, *qt;

	b->offset = -1;
	if (connect_ro(b, db->url, err) < 0 || read_columns(b, schema, table, err) < 0)
		goto fail;
	qs = quote(b->conn, schema);
	qt = quote(b->conn, table);
	if (qs && qt)
		b->rel = rt_xasprintf("%s.%s", qs, qt);
	free(qs);
	free(qt);
	if (!b->rel) {
		rt_err_set(err, RT_ERR_RUN, "table viewer: %s", PQerrorMessage(b->conn));
		goto fail;
	}
	return b;
fail:
	rt_rows_free(b);
	return NULL;
}

static void
page_free(struct page *p)
{
	for (size_t i = 0; i < p->nrows * p->width; i++)
		free(p->cells[i]);
	free(p->cells);
	memset(p, 0, sizeof(*p));
}

static void
filter_free(struct filter *f)
{
	free(f->value);
	memset(f, 0, sizeof(*f));
}

void
rt_rows_free(struct rt_rows *b)
{
	if (!b)
		return;
	if (b->conn)
		PQfinish(b->conn);
	for (size_t i = 0; i < b->ncols; i++) {
		free(b->cols[i].name);
		free(b->cols[i].type);
		free(b->qcols[i]);
	}
	free(b->cols);
	free(b->qcols);
	free(b->keycol);
	free(b->rel);
	filter_free(&b->active);
	filter_free(&b->pending);
	page_free(&b->cur);
	free(b->last_sql);
	free(b);
}

/* ---- getters --------------------------------------------------------------------------- */

size_t
rt_rows_ncols(const struct rt_rows *b)
{
	return b->ncols;
}

const struct rt_rows_col *
rt_rows_col(const struct rt_rows *b, size_t i)
{
	return i < b->ncols ? &b->cols[i] : NULL;
}

bool
rt_rows_has_pk(const struct rt_rows *b)
{
	return b->nkeys > 0;
}

size_t
rt_rows_nrows(const struct rt_rows *b)
{
	return b->cur.nrows;
}

const char *
rt_rows_value(const struct rt_rows *b, size_t row, size_t col)
{
	if (row >= b->cur.nrows || col >= b->ncols)
		return NULL;
	return b->cur.cells[row * b->cur.width + col];
}

bool
rt_rows_has_before(const struct rt_rows *b)
{
	return b->has_before;
}

bool
rt_rows_has_after(const struct rt_rows *b)
{
	return b->has_after;
}

bool
rt_rows_moved(const struct rt_rows *b)
{
	return b->is_moved;
}

long long
rt_rows_offset(const struct rt_rows *b)
{
	return b->offset;
}

double
rt_rows_fetch_ms(const struct rt_rows *b)
{
	return b->ms;
}

const char *
rt_rows_last_sql(const struct rt_rows *b)
{
	return b->last_sql ? b->last_sql : "";
}

bool
rt_rows_is_busy(const struct rt_rows *b)
{
	return b->is_busy;
}

/* ---- the filter ---------------------------------------------------------------------------- */

int
rt_rows_set_filter(struct rt_rows *b, const char *column, const char *value, struct rt_err *err)
{
	size_t i, found = b->ncols;

	filter_free(&b->pending);
	b->has_pending = true;
	if (!column)
		return 0;
	for (i = 0; i < b->ncols && found == b->ncols; i++)
		if (strcmp(b->cols[i].name, column) == 0)
			found = i;
	for (i = 0; i < b->ncols && found == b->ncols; i++)
		if (strcasecmp(b->cols[i].name, column) == 0)
			found = i;
	if (found == b->ncols) {
		b->has_pending = false;
		rt_err_set(err, RT_ERR_INPUT, "no column %s", column);
		return -1;
	}
	b->pending.is_on = true;
	b->pending.col = found;
	b->pending.value = value ? rt_xstrdup(value) : NULL;
	b->pending.match = value ? RT_ROWS_EQ : RT_ROWS_IS_NULL;
	return 0;
}

bool
rt_rows_filter(const struct rt_rows *b, const char **column, const char **value)
{
	if (!b->active.is_on)
		return false;
	if (column)
		*column = b->cols[b->active.col].name;
	if (value)
		*value = b->active.value;
	return true;
}

/* ---- the fetch job -------------------------------------------------------------------------- */

struct fetch {
	struct rt_rows *b;
	enum rt_rows_page page;
	size_t n;
	struct filter *f;             /* the filter used (pending or active) */
	PGresult *rows;               /* the rows, once they came (with a key) */
	PGresult *failed;             /* an error result, once it came */
	/* without a key: rounds over block windows, their results in order */
	PGresult **parts;
	size_t nparts, got;
	enum rt_rows_page round_page; /* the next round's page: NEXT/PREV then FIRST/LAST */
	long long lo, hi;             /* the next round's window (-1: unbounded) */
	long long w;                  /* its width in blocks */
	bool is_last_round;
	bool is_stopped;              /* cancelled between two rounds: no page */
	bool is_sent, is_done, is_cancelled, wants_write;
	double t0;
};

/* ---- rounds without a key: block windows growing 4x, from the edge on ---- */

#define CTID_WINDOW0 16

static long long
tid_block(const char *tid)
{
	return tid && *tid == '(' ? strtoll(tid + 1, NULL, 10) : 0;
}

static bool
is_forward(enum rt_rows_page page)
{
	return page == RT_ROWS_FIRST || page == RT_ROWS_NEXT;
}

static void
first_round(struct fetch *fj)
{
	struct rt_rows *b = fj->b;
	const struct page *cur = &b->cur;
	long long at;

	fj->w = CTID_WINDOW0;
	fj->round_page = fj->page;
	if (is_forward(fj->page)) {
		at = fj->page == RT_ROWS_NEXT ?
		     tid_block(cur->cells[(cur->nrows - 1) * cur->width + b->ncols]) : 0;
		fj->lo = -1;
		fj->hi = at + fj->w < b->nblocks ? at + fj->w : -1;
		fj->is_last_round = fj->hi < 0;
	} else {
		at = fj->page == RT_ROWS_PREV ? tid_block(cur->cells[b->ncols]) + 1 : b->nblocks;
		fj->hi = -1;
		fj->lo = at - fj->w > 0 ? at - fj->w : -1;
		fj->is_last_round = fj->lo < 0;
	}
}

static void
next_round(struct fetch *fj)
{
	long long nblocks = fj->b->nblocks;

	fj->w *= 4;
	if (is_forward(fj->page)) {
		fj->round_page = RT_ROWS_FIRST;
		fj->lo = fj->hi;
		fj->hi = fj->lo + fj->w < nblocks ? fj->lo + fj->w : -1;
		fj->is_last_round = fj->hi < 0;
	} else {
		fj->round_page = RT_ROWS_LAST;
		fj->hi = fj->lo;
		fj->lo = fj->hi - fj->w > 0 ? fj->hi - fj->w : -1;
		fj->is_last_round = fj->lo < 0;
	}
}

static void
fail_from(struct fetch *fj, const PGresult *res, struct rt_err *err)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (fj->is_cancelled || (state && strcmp(state, "57014") == 0))
		rt_err_set(err, RT_ERR_CANCEL, "fetching rows cancelled");
	else
		rt_db_result_err(res, "fetching rows", err);
}

static int
send_page(struct fetch *fj, struct rt_err *err)
{
	struct rt_rows *b = fj->b;
	struct rt_rows_query q = { 0 };
	const char *keys[64], *params[66];
	size_t nkeys = b->nkeys > 64 ? 0 : b->nkeys, keyw;
	enum rt_rows_page page = fj->page;
	int np, rc;
	char *sql;

	q.rel = b->rel;
	q.cols = (const char *const *)b->qcols;
	q.ncols = b->ncols;
	for (size_t i = 0; i < nkeys; i++)
		keys[i] = b->qcols[b->keycol[i]];
	q.keys = nkeys ? keys : NULL;
	q.nkeys = nkeys;
	if (fj->f->is_on) {
		q.filter_col = b->qcols[fj->f->col];
		q.match = fj->f->match;
	}
	q.blk_lo = q.blk_hi = -1;
	if (!nkeys) {
		page = fj->round_page;
		q.blk_lo = fj->lo;
		q.blk_hi = fj->hi;
	}
	/* the edge of the current page: its last row's key for NEXT, first for PREV */
	keyw = nkeys ? nkeys : 1;
	np = 0;
	if (page == RT_ROWS_NEXT || page == RT_ROWS_PREV) {
		size_t row = page == RT_ROWS_NEXT ? b->cur.nrows - 1 : 0;

		for (size_t i = 0; i < keyw; i++)
			params[np++] = b->cur.cells[row * b->cur.width + (nkeys ? b->keycol[i] : b->ncols)];
	}
	if (fj->f->is_on && fj->f->match != RT_ROWS_IS_NULL)
		params[np++] = fj->f->value;
	sql = rt_rows_page_sql(&q, page, fj->n + 1 - fj->got, NULL);
	free(b->last_sql);
	b->last_sql = sql;
	fj->t0 = rt_clock_ms();
	rc = PQsendQueryParams(b->conn, sql, np, NULL, params, NULL, NULL, 0);
	if (!rc) {
		rt_err_set(err, RT_ERR_RUN, "fetching rows: %s", PQerrorMessage(b->conn));
		return -1;
	}
	fj->is_sent = true;
	fj->wants_write = PQflush(b->conn) == 1;
	return 0;
}

/* The rows of fj->parts, in order, become the page (reversed for PREV and
 * LAST). */
static void
store(struct fetch *fj)
{
	struct rt_rows *b = fj->b;
	size_t got = fj->got, keep = got > fj->n ? fj->n : got, k = 0;
	bool is_desc = fj->page == RT_ROWS_PREV || fj->page == RT_ROWS_LAST;
	bool is_more = got > fj->n;
	struct page p = { 0 };
	long long old_offset = b->offset;
	size_t old_rows = b->cur.nrows;

	b->is_moved = true;
	if (got == 0 && (fj->page == RT_ROWS_NEXT || fj->page == RT_ROWS_PREV)) {
		b->is_moved = false;
		if (fj->page == RT_ROWS_NEXT)
			b->has_after = false;
		else
			b->has_before = false, b->offset = 0;
		return;
	}
	p.width = (size_t)PQnfields(fj->parts[0]);
	p.nrows = keep;
	p.cells = rt_xcalloc(keep * p.width + 1, sizeof(*p.cells));
	for (size_t i = 0; i < fj->nparts && k < keep; i++) {
		const PGresult *res = fj->parts[i];

		for (int src = 0; src < PQntuples(res) && k < keep; src++, k++) {
			size_t r = is_desc ? keep - 1 - k : k;

			for (size_t c = 0; c < p.width; c++)
				if (!PQgetisnull(res, src, (int)c))
					p.cells[r * p.width + c] =
						rt_xstrndup(PQgetvalue(res, src, (int)c),
							    (size_t)PQgetlength(res, src, (int)c));
		}
	}
	page_free(&b->cur);
	b->cur = p;
	switch (fj->page) {
	case RT_ROWS_FIRST:
		b->has_before = false;
		b->has_after = is_more;
		b->offset = 0;
		break;
	case RT_ROWS_NEXT:
		b->has_before = true;
		b->has_after = is_more;
		b->offset = old_offset >= 0 ? old_offset + (long long)old_rows : -1;
		break;
	case RT_ROWS_PREV:
		b->has_after = true;
		b->has_before = is_more;
		b->offset = !is_more ? 0 : old_offset >= 0 ? old_offset - (long long)keep : -1;
		break;
	case RT_ROWS_LAST:
		b->has_after = false;
		b->has_before = is_more;
		b->offset = is_more ? -1 : 0;
		break;
	}
}

/* Whether a failed filtered query should be tried again comparing as text:
 * the column's type has no = operator for the value (json, xml, point). */
static bool
retry_as_text(const struct fetch *fj)
{
	const char *state = PQresultErrorField(fj->failed, PG_DIAG_SQLSTATE);

	return !fj->is_cancelled && fj->f->is_on && fj->f->match == RT_ROWS_EQ && state &&
	       (strcmp(state, "42883") == 0 || strcmp(state, "42725") == 0);
}

static int
finish(struct fetch *fj, struct rt_err *err)
{
	struct rt_rows *b = fj->b;

	fj->is_done = true;
	b->is_busy = false;
	b->ms = rt_clock_ms() - fj->t0;
	if (fj->failed || !fj->nparts || fj->is_stopped) {
		if (fj->failed)
			fail_from(fj, fj->failed, err);
		else
			rt_err_set(err, fj->is_cancelled ? RT_ERR_CANCEL : RT_ERR_RUN,
				   fj->is_cancelled ? "fetching rows cancelled" : "fetching rows: no result");
		if (b->has_pending)
			filter_free(&b->pending);
		b->has_pending = false;
		return -1;
	}
	if (b->has_pending) {
		filter_free(&b->active);
		b->active = b->pending;
		memset(&b->pending, 0, sizeof(b->pending));
		b->has_pending = false;
	}
	store(fj);
	return 0;
}

static int
fetch_step(void *impl, struct rt_err *err)
{
	struct fetch *fj = impl;
	PGconn *conn = fj->b->conn;
	PGresult *res;

	if (fj->is_done)
		return 0;
	if (fj->wants_write) {
		int fl = PQflush(conn);

		fj->wants_write = fl == 1;
		if (fl < 0)
			goto lost;
	}
	if (!PQconsumeInput(conn)) {
lost:
		rt_err_set(err, RT_ERR_RUN, "fetching rows: %s", PQerrorMessage(conn));
		fj->is_done = true;
		fj->b->is_busy = false;
		fj->b->is_broken = true;
		return -1;
	}
	while (!PQisBusy(conn)) {
		res = PQgetResult(conn);
		if (!res) {
			if (fj->failed && retry_as_text(fj)) {
				PQclear(fj->failed);
				fj->failed = NULL;
				fj->f->match = RT_ROWS_EQ_TEXT;
				if (send_page(fj, err) < 0) {
					fj->is_done = true;
					fj->b->is_busy = false;
					return -1;
				}
				continue;
			}
			if (!fj->failed && fj->rows) {
				fj->parts = rt_xreallocarray(fj->parts, fj->nparts + 1, sizeof(*fj->parts));
				fj->parts[fj->nparts++] = fj->rows;
				fj->got += (size_t)PQntuples(fj->rows);
				fj->rows = NULL;
				if (!fj->b->nkeys && fj->got <= fj->n && !fj->is_last_round) {
					if (fj->is_cancelled) {
						fj->is_stopped = true;
						return finish(fj, err);
					}
					next_round(fj);
					if (send_page(fj, err) < 0) {
						fj->is_done = true;
						fj->b->is_busy = false;
						return -1;
					}
					continue;
				}
			}
			return finish(fj, err);
		}
		if (PQresultStatus(res) == PGRES_TUPLES_OK && !fj->rows && !fj->failed) {
			fj->rows = res;
		} else if (PQresultStatus(res) != PGRES_TUPLES_OK && !fj->failed) {
			fj->failed = res;
		} else {
			PQclear(res);
		}
	}
	return 1;
}

static size_t
fetch_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct fetch *fj = impl;
	int fd = PQsocket(fj->b->conn);

	if (fd < 0 || max < 1 || fj->is_done)
		return 0;
	fds[0] = (struct pollfd){ fd, (short)(POLLIN | (fj->wants_write ? POLLOUT : 0)), 0 };
	return 1;
}

static void
fetch_cancel(void *impl)
{
	struct fetch *fj = impl;

	fj->is_cancelled = true;
	if (fj->is_done)
		return;
	rt_db_cancel_query(fj->b->conn);
}

static void
fetch_free(void *impl)
{
	struct fetch *fj = impl;

	if (!fj->is_done) {
		/* abandoned with the query in flight: the connection is reset
		 * before the next fetch */
		fj->b->is_busy = false;
		fj->b->is_broken = true;
		if (fj->b->has_pending)
			filter_free(&fj->b->pending);
		fj->b->has_pending = false;
	}
	PQclear(fj->rows);
	PQclear(fj->failed);
	for (size_t i = 0; i < fj->nparts; i++)
		PQclear(fj->parts[i]);
	free(fj->parts);
	free(fj);
}

static const struct rt_job_ops fetch_ops = {
	"rows", fetch_fds, fetch_step, fetch_cancel, fetch_free,
};

struct rt_job *
rt_rows_fetch_after(struct rt_rows *b, const char *const *keyvals, size_t n, struct rt_err *err)
{
	size_t width = b->ncols + (b->nkeys ? 0 : 1);
	struct page p = { 1, width, rt_xcalloc(width, sizeof(char *)) };

	if (b->is_busy) {
		free(p.cells);
		rt_err_set(err, RT_ERR_RUN, "a fetch runs already");
		return NULL;
	}
	/* a one-row page holding only the key: NEXT starts after it */
	if (b->nkeys)
		for (size_t i = 0; i < b->nkeys; i++)
			p.cells[b->keycol[i]] = rt_xstrdup(keyvals[i]);
	else
		p.cells[b->ncols] = rt_xstrdup(keyvals[0]);
	page_free(&b->cur);
	b->cur = p;
	b->offset = -1;
	return rt_rows_fetch(b, RT_ROWS_NEXT, n, err);
}

struct rt_job *
rt_rows_fetch(struct rt_rows *b, enum rt_rows_page page, size_t n, struct rt_err *err)
{
	struct fetch *fj;
	PGresult *res;

	if (b->is_busy) {
		rt_err_set(err, RT_ERR_RUN, "a fetch runs already");
		return NULL;
	}
	if (b->is_broken) {
		PQreset(b->conn);
		res = PQstatus(b->conn) == CONNECTION_OK ?
		      PQexec(b->conn, "SET default_transaction_read_only = on") : NULL;
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rt_err_set(err, RT_ERR_RUN, "table viewer: the connection is lost: %s",
				   PQerrorMessage(b->conn));
			PQclear(res);
			return NULL;
		}
		PQclear(res);
		b->is_broken = false;
	}
	if (n < 1)
		n = 1;
	if ((page == RT_ROWS_NEXT || page == RT_ROWS_PREV) && b->cur.nrows == 0)
		page = RT_ROWS_FIRST;
	/* a new filter starts from the first page */
	if (b->has_pending && page != RT_ROWS_LAST)
		page = RT_ROWS_FIRST;
	if (!b->nkeys) {
		/* the table's size now (a stat of its file; no lock): where windows end */
		const char *rel = b->rel;

		res = PQexecParams(b->conn, "SELECT pg_relation_size($1::regclass)"
				   " / current_setting('block_size')::bigint", 1, NULL, &rel, NULL, NULL, 0);
		b->nblocks = PQresultStatus(res) == PGRES_TUPLES_OK ?
			     strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
		PQclear(res);
	}
	fj = rt_xcalloc(1, sizeof(*fj));
	fj->b = b;
	fj->page = page;
	fj->n = n;
	fj->f = b->has_pending ? &b->pending : &b->active;
	if (!b->nkeys)
		first_round(fj);
	if (PQsetnonblocking(b->conn, 1) != 0 || send_page(fj, err) < 0) {
		if (err && err->kind == RT_ERR_NONE)
			rt_err_set(err, RT_ERR_RUN, "fetching rows: %s", PQerrorMessage(b->conn));
		b->is_broken = true;
		free(fj);
		return NULL;
	}
	b->is_busy = true;
	return rt_job_new(&fetch_ops, fj);
}
