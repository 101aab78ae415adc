/* viewer_pages.c - times the table viewer's page fetches (rt_rows.h) the
 * way the console runs them (a job driven to its end), and prints each case
 * with its SQL, parameters inlined as literals, for psql to run the same.
 *
 * usage: viewer_pages URL SCHEMA TABLE ROWS RUNS MIDKEY FILTERCOL FILTERVAL
 * (MIDKEY: a row's key, the table's primary key of one column, or its ctid)
 * prints one line per case: name <TAB> median ms <TAB> min ms <TAB> rows <TAB> SQL */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_db.h"
#include "rt_err.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_rows.h"

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* sql with $N replaced by 'params[N-1]' (quotes doubled). New string. */
static char *
inline_params(const char *sql, const char *const *params, int np)
{
	struct rt_buf b = { 0 };

	for (const char *s = sql; *s; s++) {
		if (*s == '$' && s[1] >= '1' && s[1] <= '9') {
			int k = (int)strtol(s + 1, (char **)&s, 10);

			s--;
			rt_buf_putc(&b, '\'');
			for (const char *v = k <= np ? params[k - 1] : ""; *v; v++) {
				if (*v == '\'')
					rt_buf_putc(&b, '\'');
				rt_buf_putc(&b, *v);
			}
			rt_buf_putc(&b, '\'');
		} else {
			rt_buf_putc(&b, *s);
		}
	}
	return rt_buf_take(&b);
}

/* what: 0 first, 1 after midkey, 2 last, 3 first filtered */
static int
run_case(struct rt_rows *b, const char *name, int what, size_t n, int runs, const char *midkey,
	 const char *fcol, const char *fval)
{
	double *ms = rt_xcalloc((size_t)runs, sizeof(double));
	const char *params[2];
	int np = 0;
	char *sql;

	for (int r = 0; r < runs; r++) {
		struct rt_err err = { 0 };
		struct rt_job *job;
		double t0 = rt_clock_ms();

		if (what == 3 && rt_rows_set_filter(b, fcol, fval, &err) < 0) {
			fprintf(stderr, "viewer_pages: %s\n", err.msg);
			return -1;
		}
		if (what == 1)
			job = rt_rows_fetch_after(b, &midkey, n, &err);
		else
			job = rt_rows_fetch(b, what == 2 ? RT_ROWS_LAST : RT_ROWS_FIRST, n, &err);
		if (!job || rt_job_run(job, &err) != 0) {
			fprintf(stderr, "viewer_pages: %s: %s %s\n", name, err.msg, err.detail);
			rt_job_free(job);
			return -1;
		}
		rt_job_free(job);
		ms[r] = rt_clock_ms() - t0;
		if (what == 3 && rt_rows_set_filter(b, NULL, NULL, &err) < 0)
			return -1;
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp_d);
	if (what == 1)
		params[np++] = midkey;
	if (what == 3)
		params[np++] = fval;
	sql = inline_params(rt_rows_last_sql(b), params, np);
	printf("%s\t%.2f\t%.2f\t%zu\t%s\n", name, ms[runs / 2], ms[0], rt_rows_nrows(b), sql);
	free(sql);
	free(ms);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rt_err err = { 0 };
	struct rt_db *db;
	struct rt_rows *b;
	size_t n;
	int runs, rc = 0;

	if (argc != 9) {
		fprintf(stderr, "usage: viewer_pages URL SCHEMA TABLE ROWS RUNS MIDKEY FILTERCOL FILTERVAL\n");
		return 2;
	}
	n = (size_t)strtoul(argv[4], NULL, 10);
	runs = atoi(argv[5]);
	if (!(db = rt_db_connect(argv[1], NULL, &err))) {
		fprintf(stderr, "viewer_pages: %s\n", err.msg);
		return 1;
	}
	b = rt_rows_open(db, argv[2], argv[3], &err);
	if (!b) {
		fprintf(stderr, "viewer_pages: %s %s\n", err.msg, err.detail);
		rt_db_close(db);
		return 1;
	}
	for (size_t i = 0, nkeys = 0; i < rt_rows_ncols(b); i++)
		if (rt_rows_col(b, i)->key && ++nkeys > 1) {
			fprintf(stderr, "viewer_pages: %s has a primary key of several columns\n", argv[3]);
			rt_rows_free(b);
			rt_db_close(db);
			return 2;
		}
	rc |= run_case(b, "first page", 0, n, runs, argv[6], argv[7], argv[8]);
	rc |= run_case(b, "page down from the middle", 1, n, runs, argv[6], argv[7], argv[8]);
	rc |= run_case(b, "last page", 2, n, runs, argv[6], argv[7], argv[8]);
	rc |= run_case(b, "filtered first page", 3, n, runs, argv[6], argv[7], argv[8]);
	rt_rows_free(b);
	rt_db_close(db);
	return rc ? 1 : 0;
}
