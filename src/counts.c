/* counts.c - table row counts: catalog estimates, and exact counts in a job
 * on a second connection driven by libpq's asynchronous API. */
#include "config.h"
#include "rt_counts.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_job.h"
#include "rt_mem.h"

/* Ordinary and partitioned tables outside the system schemas (partitions
 * through their parent). Catalog only, so it never waits on a lock a running
 * migration holds: the size is relpages of the table, its TOAST table and its
 * indexes, as of the last VACUUM or ANALYZE, like reltuples. */
static const char estimate_sql[] =
	"SELECT n.nspname, c.relname, c.reltuples::bigint,"
	"       (c.relpages + coalesce(t.relpages, 0)"
	"        + coalesce((SELECT sum(i.relpages) FROM pg_index x"
	"                     JOIN pg_class i ON i.oid = x.indexrelid"
	"                    WHERE x.indrelid = c.oid), 0))::bigint"
	"       * current_setting('block_size')::bigint"
	"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid"
	" WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
	"   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
	"   AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'"
	" ORDER BY n.nspname, c.relname";

int
rt_counts_estimate(struct rt_db *db, struct rt_counts *out, struct rt_err *err)
{
	PGresult *res = rt_db_exec(db, estimate_sql, "reading table estimates", err);
	size_t n;

	if (!res)
		return -1;
	rt_counts_free(out);
	n = (size_t)PQntuples(res);
	out->v = rt_xcalloc(n, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		struct rt_table_count *t = &out->v[i];

		t->schema = rt_xstrdup(PQgetvalue(res, (int)i, 0));
		t->name = rt_xstrdup(PQgetvalue(res, (int)i, 1));
		t->estimate = strtoll(PQgetvalue(res, (int)i, 2), NULL, 10);
		t->bytes = strtoll(PQgetvalue(res, (int)i, 3), NULL, 10);
		t->exact = -1;
	}
	out->n = n;
	PQclear(res);
	return 0;
}

void
rt_counts_free(struct rt_counts *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].schema);
		free(c->v[i].name);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

void
rt_counts_copy(struct rt_counts *dst, const struct rt_counts *src)
{
	if (dst == src)
		return;
	rt_counts_free(dst);
	dst->v = rt_xcalloc(src->n, sizeof(*dst->v));
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i] = src->v[i];
		dst->v[i].schema = rt_xstrdup(src->v[i].schema);
		dst->v[i].name = rt_xstrdup(src->v[i].name);
	}
	dst->n = src->n;
}

const struct rt_table_count *
rt_counts_find(const struct rt_counts *c, const char *schema, const char *name)
{
	size_t lo = 0, hi = c->n;

	/* sorted by (schema, name), as the query orders them (C collation on
	 * identifiers is not guaranteed, so fall back to a scan on a miss) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->v[mid].schema, schema);

		if (cmp == 0)
			cmp = strcmp(c->v[mid].name, name);
		if (cmp == 0)
			return &c->v[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].schema, schema) == 0 && strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

long long
rt_counts_best(const struct rt_table_count *t)
{
	return t->exact >= 0 ? t->exact : t->estimate;
}

/* ---- the exact-count job -----------------------------------------------------
 *
 * A second connection in pipeline mode: up to COUNT_BATCH count(*) queries are
 * in flight at once, followed by a sync, so many small tables cost about one
 * round trip per batch instead of one per table. The connection is
 * non-blocking and rt_count_job_step never waits. */

#define COUNT_BATCH 64

struct rt_count_job {
	PGconn *conn;
	struct rt_strv schemas, names;   /* what to count, in order */
	size_t nsent;                    /* queries sent */
	size_t ndone;                    /* queries whose results are complete */
	bool has_result;                 /* the query ndone has delivered its row */
	bool cancelled;
};

static int
send_batch(struct rt_count_job *job, struct rt_err *err)
{
	size_t end = job->schemas.n - job->nsent > COUNT_BATCH ? job->nsent + COUNT_BATCH
								  : job->schemas.n;

	for (; job->nsent < end; job->nsent++) {
		const char *schema = job->schemas.v[job->nsent], *name = job->names.v[job->nsent];
		char *qs = PQescapeIdentifier(job->conn, schema, strlen(schema));
		char *qn = PQescapeIdentifier(job->conn, name, strlen(name));
		char *sql = qs && qn ? rt_xasprintf("SELECT count(*) FROM %s.%s", qs, qn) : NULL;
		int ok = sql && PQsendQueryParams(job->conn, sql, 0, NULL, NULL, NULL, NULL, 0);

		PQfreemem(qs);
		PQfreemem(qn);
		free(sql);
		if (!ok) {
			rt_err_set(err, RT_ERR_RUN, "counting %s.%s: %s", schema, name,
				   PQerrorMessage(job->conn));
			return -1;
		}
	}
	if (!PQpipelineSync(job->conn) || PQflush(job->conn) < 0) {
		rt_err_set(err, RT_ERR_RUN, "counting: %s", PQerrorMessage(job->conn));
		return -1;
	}
	return 0;
}

struct rt_count_job *
rt_count_job_start(struct rt_db *db, const struct rt_counts *tables, struct rt_err *err)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { db->url, "retort counts", NULL };
	struct rt_count_job *job = rt_xcalloc(1, sizeof(*job));

	for (size_t i = 0; i < tables->n; i++) {
		rt_strv_push(&job->schemas, tables->v[i].schema);
		rt_strv_push(&job->names, tables->v[i].name);
	}
	job->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(job->conn) != CONNECTION_OK) {
		rt_err_set(err, RT_ERR_RUN, "counting: cannot open a second connection");
		rt_err_detail(err, "%s", PQerrorMessage(job->conn));
		rt_count_job_free(job);
		return NULL;
	}
	if (PQsetnonblocking(job->conn, 1) != 0 || PQenterPipelineMode(job->conn) != 1 ||
	    (job->schemas.n && send_batch(job, err) < 0)) {
		if (err && err->kind == RT_ERR_NONE)
			rt_err_set(err, RT_ERR_RUN, "counting: %s", PQerrorMessage(job->conn));
		rt_count_job_free(job);
		return NULL;
	}
	return job;
}

int
rt_count_job_fd(const struct rt_count_job *job)
{
	return PQsocket(job->conn);
}

static void
store(struct rt_count_job *job, struct rt_counts *into, long long n)
{
	const struct rt_table_count *t = rt_counts_find(into, job->schemas.v[job->ndone],
						       job->names.v[job->ndone]);

	if (t)
		((struct rt_table_count *)t)->exact = n;
}

static int
count_failed(struct rt_count_job *job, const PGresult *res, struct rt_err *err)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	size_t k = job->ndone < job->schemas.n ? job->ndone : job->schemas.n - 1;

	if (job->cancelled || (state && strcmp(state, "57014") == 0))
		rt_err_set(err, RT_ERR_CANCEL, "counting cancelled after %zu of %zu tables",
			   job->ndone, job->schemas.n);
	else
		rt_err_set(err, RT_ERR_RUN, "counting %s.%s: %s", job->schemas.v[k], job->names.v[k],
			   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	return -1;
}

int
rt_count_job_step(struct rt_count_job *job, struct rt_counts *into, struct rt_err *err)
{
	PGresult *res;

	if (job->ndone == job->schemas.n)
		return 0;
	if (!PQconsumeInput(job->conn) || PQflush(job->conn) < 0) {
		rt_err_set(err, RT_ERR_RUN, "counting: %s", PQerrorMessage(job->conn));
		return -1;
	}
	while (!PQisBusy(job->conn)) {
		res = PQgetResult(job->conn);
		if (!res) {                       /* the end of one query's results */
			if (job->has_result) {
				job->ndone++;
				job->has_result = false;
				continue;
			}
			break;
		}
		switch (PQresultStatus(res)) {
		case PGRES_TUPLES_OK:
			store(job, into, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
			job->has_result = true;
			break;
		case PGRES_PIPELINE_SYNC:         /* a batch is complete */
			if (job->cancelled) {
				PQclear(res);
				return count_failed(job, NULL, err);
			}
			if (job->nsent < job->schemas.n && send_batch(job, err) < 0) {
				PQclear(res);
				return -1;
			}
			break;
		case PGRES_PIPELINE_ABORTED:
			break;
		default:
			count_failed(job, res, err);
			PQclear(res);
			return -1;
		}
		PQclear(res);
		if (job->ndone == job->schemas.n)
			return 0;
	}
	return job->ndone < job->schemas.n ? 1 : 0;
}

size_t
rt_count_job_done(const struct rt_count_job *job)
{
	return job->ndone;
}

size_t
rt_count_job_total(const struct rt_count_job *job)
{
	return job->schemas.n;
}

void
rt_count_job_cancel(struct rt_count_job *job)
{
	job->cancelled = true;
	if (job->ndone == job->schemas.n)
		return;
	rt_db_cancel_query(job->conn);
}

void
rt_count_job_free(struct rt_count_job *job)
{
	if (!job)
		return;
	if (job->conn)
		PQfinish(job->conn);
	rt_strv_free(&job->schemas);
	rt_strv_free(&job->names);
	free(job);
}

/* ---- as an rt_job --------------------------------------------------------------- */

struct count_as_job {
	struct rt_count_job *cj;
	struct rt_counts *into;
};

static size_t
as_job_fds(void *impl, struct pollfd *fds, size_t max)
{
	int fd = rt_count_job_fd(((struct count_as_job *)impl)->cj);

	if (fd < 0 || max < 1)
		return 0;
	fds[0] = (struct pollfd){ fd, POLLIN, 0 };
	return 1;
}

static int
as_job_step(void *impl, struct rt_err *err)
{
	struct count_as_job *c = impl;

	return rt_count_job_step(c->cj, c->into, err);
}

static void
as_job_cancel(void *impl)
{
	rt_count_job_cancel(((struct count_as_job *)impl)->cj);
}

static void
as_job_free(void *impl)
{
	struct count_as_job *c = impl;

	rt_count_job_free(c->cj);
	free(c);
}

static const struct rt_job_ops count_job_ops = {
	"counts", as_job_fds, as_job_step, as_job_cancel, as_job_free,
};

struct rt_job *
rt_count_job_as_job(struct rt_count_job *job, struct rt_counts *into)
{
	struct count_as_job *c = rt_xcalloc(1, sizeof(*c));

	c->cj = job;
	c->into = into;
	return rt_job_new(&count_job_ops, c);
}

struct rt_count_job *
rt_count_job_of(const struct rt_job *job)
{
	if (!job || rt_job_ops_of(job) != &count_job_ops)
		return NULL;
	return ((struct count_as_job *)rt_job_impl(job))->cj;
}
