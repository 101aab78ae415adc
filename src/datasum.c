/* datasum.c - row counts and per-column checksums of a model's tables
 * (datasum_int.h), for check --data: one SELECT per table with count(*) and
 * one md5(string_agg(col::text ORDER BY col::text)) per column, all sent in
 * one query string on the non-blocking connection. */
#include "config.h"
#include "datasum_int.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db_int.h"
#include "rt_catalog.h"
#include "rt_err.h"
#include "rt_job.h"

struct sum_job {
	PGconn *conn;               /* borrowed */
	struct rt_strv tables;      /* the table of each SELECT, in order */
	struct rt_strv cols;        /* "table\x1fcol" of each SELECT's columns, "\x1e" between tables */
	size_t k;                   /* results received */
	struct rt_datasum sums;
	bool failed, cancelled, done;
	struct rt_err ferr;
};

void
rt_datasum_free(struct rt_datasum *s)
{
	rt_strv_free(&s->keys);
	rt_strv_free(&s->vals);
}

const char *
rt_datasum_get(const struct rt_datasum *s, const char *key)
{
	for (size_t i = 0; i < s->keys.n; i++)
		if (strcmp(s->keys.v[i], key) == 0)
			return s->vals.v[i];
	return NULL;
}

static size_t
sum_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct sum_job *j = impl;

	if (j->done || max < 1)
		return 0;
	fds[0].fd = PQsocket(j->conn);
	fds[0].events = POLLIN | (PQisnonblocking(j->conn) && PQflush(j->conn) == 1 ? POLLOUT : 0);
	fds[0].revents = 0;
	return 1;
}

/* The columns of the k-th table's SELECT, in order. */
static void
take_row(struct sum_job *j, const PGresult *res)
{
	const char *table = j->tables.v[j->k];
	size_t c = 1;

	if (PQntuples(res) != 1)
		return;
	rt_strv_push(&j->sums.keys, table);
	rt_strv_push(&j->sums.vals, PQgetvalue(res, 0, 0));
	for (size_t i = 0; i < j->cols.n && c < (size_t)PQnfields(res); i++) {
		const char *key = j->cols.v[i];
		size_t tl = strlen(table);

		if (strncmp(key, table, tl) != 0 || key[tl] != '\x1f')
			continue;
		rt_strv_push(&j->sums.keys, key);
		rt_strv_push(&j->sums.vals, PQgetvalue(res, 0, (int)c++));
	}
}

static int
sum_step(void *impl, struct rt_err *err)
{
	struct sum_job *j = impl;
	PGresult *res;

	if (j->done)
		goto finished;
	if (PQflush(j->conn) < 0 || !PQconsumeInput(j->conn)) {
		rt_err_set(err, RT_ERR_RUN, "reading table checksums: %s", PQerrorMessage(j->conn));
		j->done = true;
		PQsetnonblocking(j->conn, 0);
		return -1;
	}
	while (!PQisBusy(j->conn)) {
		ExecStatusType st;

		if (!(res = PQgetResult(j->conn))) {
			PQsetnonblocking(j->conn, 0);
			j->done = true;
			goto finished;
		}
		st = PQresultStatus(res);
		if (st != PGRES_TUPLES_OK) {
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (!j->failed && (j->cancelled || (state && strcmp(state, "57014") == 0)))
				rt_err_set(&j->ferr, RT_ERR_CANCEL, "reading table checksums: cancelled");
			else if (!j->failed)
				rt_db_result_err(res, "reading table checksums", &j->ferr);
			j->failed = true;
		} else if (!j->failed && j->k < j->tables.n) {
			take_row(j, res);
		}
		j->k++;
		PQclear(res);
	}
	return 1;
finished:
	if (j->failed) {
		if (err)
			*err = j->ferr;
		return -1;
	}
	return 0;
}

static void
sum_cancel(void *impl)
{
	struct sum_job *j = impl;

	if (j->done || j->cancelled)
		return;
	j->cancelled = true;
	rt_db_cancel_query(j->conn);
}

static void
sum_free(void *impl)
{
	struct sum_job *j = impl;
	PGresult *res;

	if (!j->done) {
		PQsetnonblocking(j->conn, 0);
		while ((res = PQgetResult(j->conn)) != NULL)
			PQclear(res);
	}
	rt_strv_free(&j->tables);
	rt_strv_free(&j->cols);
	rt_datasum_free(&j->sums);
	free(j);
}

static const struct rt_job_ops sum_ops = {
	.name = "table checksums",
	.fds = sum_fds,
	.step = sum_step,
	.cancel = sum_cancel,
	.free = sum_free,
};

struct rt_job *
rt_datasum_start(struct rt_db *db, const struct rt_catalog *cat, struct rt_err *err)
{
	struct sum_job *j = rt_xcalloc(1, sizeof(*j));
	struct rt_buf sql = { 0 };

	j->conn = db->conn;
	rt_buf_puts(&sql, "");
	/* names in the model are quoted and schema-qualified by the server */
	for (size_t t = 0; t < cat->n; t++) {
		const struct rt_cat_obj *o = &cat->v[t];
		char *key;

		if (o->kind != RT_CAT_TABLE || o->contype == 'p')
			continue;
		key = rt_xasprintf("%s.%s", o->schema, o->name);
		rt_buf_puts(&sql, "SELECT count(*)");
		for (size_t i = 0; i < cat->n; i++) {
			const struct rt_cat_obj *c = &cat->v[i];

			if (c->kind != RT_CAT_COLUMN || strcmp(c->table, key) != 0)
				continue;
			rt_buf_printf(&sql, ", md5(coalesce(string_agg(coalesce(%s::text, '\\N'), "
				      "E'\\n' ORDER BY %s::text), ''))", c->name, c->name);
			rt_strv_push_take(&j->cols, rt_xasprintf("%s\x1f%s", key, c->name));
		}
		rt_buf_printf(&sql, " FROM %s;", key);
		rt_strv_push_take(&j->tables, key);
	}
	if (!j->tables.n) {
		j->done = true;
		rt_buf_free(&sql);
		return rt_job_new(&sum_ops, j);
	}
	if (PQsetnonblocking(j->conn, 1) != 0 || !PQsendQuery(j->conn, rt_buf_str(&sql))) {
		rt_err_set(err, RT_ERR_RUN, "reading table checksums: %s", PQerrorMessage(j->conn));
		PQsetnonblocking(j->conn, 0);
		rt_buf_free(&sql);
		j->done = true;
		sum_free(j);
		return NULL;
	}
	rt_buf_free(&sql);
	return rt_job_new(&sum_ops, j);
}

void
rt_datasum_take(struct rt_job *job, struct rt_datasum *out)
{
	struct sum_job *j;

	memset(out, 0, sizeof(*out));
	if (!job || rt_job_ops_of(job) != &sum_ops)
		return;
	j = rt_job_impl(job);
	if (!j->done || j->failed)
		return;
	*out = j->sums;
	memset(&j->sums, 0, sizeof(j->sums));
}
