/* export.c - one table out through COPY (SELECT ...) TO STDOUT on its own
 * non-blocking connection (rt_export.h): rows gathered into a buffer and
 * written in large blocks, to a file under a temporary name that is fsynced
 * and renamed only when the COPY succeeded. */
#include "config.h"
#include "rt_export.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_seed.h"      /* struct rt_data_progress */
#include "rt_session.h"

#define EXPORT_BUF (256 * 1024)

/* The table by its whole name in the search_path first, then split at the
 * first dot as schema.table; its columns but generated ones, in order. */
static const char resolve_sql[] =
	"WITH t AS (SELECT coalesce(to_regclass(quote_ident($1)),"
	"   CASE WHEN strpos($1, '.') > 0 THEN to_regclass(quote_ident(split_part($1, '.', 1))"
	"        || '.' || quote_ident(substr($1, strpos($1, '.') + 1))) END) AS oid)"
	"SELECT n.nspname, c.relname, a.attname, a.attgenerated <> ''"
	"  FROM t JOIN pg_class c ON c.oid = t.oid"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
	" ORDER BY a.attnum";

struct rt_export {
	struct rt_session *s;
	char *label;          /* schema.table */
	char *sql;            /* the COPY */
	char *output;         /* NULL: out_fd */
	int out_fd;
	bool json;
	long long rows;
};

static char *
quote_ident(PGconn *conn, const char *s)
{
	char *q = PQescapeIdentifier(conn, s, strlen(s));
	char *r = rt_xstrdup(q ? q : "\"\"");

	PQfreemem(q);
	return r;
}

static int
build_sql(struct rt_export *x, PGconn *conn, PGresult *res, const struct rt_export_req *req,
	  struct rt_err *err)
{
	struct rt_buf cols = { 0 };
	char *qs = quote_ident(conn, PQgetvalue(res, 0, 0));
	char *qt = quote_ident(conn, PQgetvalue(res, 0, 1));
	int rc = -1;

	if (req->columns) {
		char *list = rt_xstrdup(req->columns), *save = NULL;

		for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			int r;
			char *q;

			for (r = 0; r < PQntuples(res) && strcmp(PQgetvalue(res, r, 2), c) != 0; r++)
				;
			if (r == PQntuples(res)) {
				rt_err_set(err, RT_ERR_INPUT, "--columns: %s has no column \"%s\"",
					   x->label, c);
				free(list);
				goto out;
			}
			q = quote_ident(conn, c);
			rt_buf_printf(&cols, "%s%s", cols.len ? ", " : "", q);
			free(q);
		}
		free(list);
	} else {
		for (int r = 0; r < PQntuples(res); r++) {
			char *q;

			if (PQgetisnull(res, r, 2) || PQgetvalue(res, r, 3)[0] == 't')
				continue;
			q = quote_ident(conn, PQgetvalue(res, r, 2));
			rt_buf_printf(&cols, "%s%s", cols.len ? ", " : "", q);
			free(q);
		}
	}
	if (!cols.len) {
		rt_err_set(err, RT_ERR_INPUT, "%s: no columns to export", x->label);
		goto out;
	}
	if (req->json)
		/* row_to_json never writes a raw control character: \x01 and \x02
		 * never occur, so COPY's csv writes each object as it is */
		x->sql = rt_xasprintf("COPY (SELECT row_to_json(x) FROM (SELECT %s FROM %s.%s%s%s%s)"
				      " x) TO STDOUT (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')",
				      rt_buf_str(&cols), qs, qt, req->where ? " WHERE (" : "",
				      req->where ? req->where : "", req->where ? "\n)" : "");
	else
		x->sql = rt_xasprintf("COPY (SELECT %s FROM %s.%s%s%s%s) TO STDOUT"
				      " (FORMAT csv, HEADER true)", rt_buf_str(&cols), qs, qt,
				      req->where ? " WHERE (" : "", req->where ? req->where : "",
				      req->where ? "\n)" : "");
	rc = 0;
out:
	rt_buf_free(&cols);
	free(qs);
	free(qt);
	return rc;
}

struct rt_export *
rt_export_prepare(struct rt_session *s, const struct rt_export_req *req, struct rt_err *err)
{
	struct rt_export *x;
	const char *vals[1] = { req->table };
	PGconn *conn;
	PGresult *res;

	if (rt_session_connect(s, err) < 0)
		return NULL;
	conn = rt_session_db(s)->conn;
	res = PQexecParams(conn, resolve_sql, 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rt_db_result_err(res, "reading the table", err);
		PQclear(res);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		rt_err_set(err, RT_ERR_INPUT, "no table %s in the database", req->table);
		PQclear(res);
		return NULL;
	}
	x = rt_xcalloc(1, sizeof(*x));
	x->s = s;
	x->json = req->json;
	x->out_fd = req->out_fd;
	x->output = req->output ? rt_xstrdup(req->output) : NULL;
	x->label = rt_xasprintf("%s.%s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	if (build_sql(x, conn, res, req, err) < 0) {
		PQclear(res);
		rt_export_free(x);
		return NULL;
	}
	PQclear(res);
	return x;
}

void
rt_export_free(struct rt_export *x)
{
	if (!x)
		return;
	free(x->label);
	free(x->sql);
	free(x->output);
	free(x);
}

const char *
rt_export_table(const struct rt_export *x)
{
	return x->label;
}

long long
rt_export_rows(const struct rt_export *x)
{
	return x->rows;
}

/* ---- the job ------------------------------------------------------------------ */

struct export_job {
	struct rt_export *x;
	rt_event_fn fn;
	void *ctx;
	PGconn *conn;
	int fd;                 /* the temporary file, or x->out_fd */
	char *tmp;              /* its name, NULL for out_fd */
	char *buf;
	size_t len;
	long long rows, bytes;
	double t0, told;
	bool is_copying, cancelled, is_done;
	struct rt_err fail;
};

static void
emit(struct export_job *j, bool is_done)
{
	struct rt_data_progress p = {
		.path = j->x->output ? j->x->output : "-", .table = j->x->label, .n = 1,
		.rows = j->rows, .total_rows = -1, .bytes = j->bytes, .total_bytes = -1,
		.seconds = (rt_clock_ms() - j->t0) / 1000.0, .is_done = is_done,
	};
	struct rt_event ev = { .kind = RT_EV_DATA, .n = 1, .path = p.path, .text = p.table,
			       .ms = p.seconds * 1000.0, .data = &p };

	j->told = rt_clock_ms();
	if (j->fn)
		j->fn(&ev, j->ctx);
}

static int
flush_out(struct export_job *j, struct rt_err *err)
{
	size_t off = 0;

	while (off < j->len) {
		ssize_t n = write(j->fd, j->buf + off, j->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rt_err_set(err, RT_ERR_RUN, "writing %s: %s",
				   j->x->output ? j->x->output : "the output", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	j->len = 0;
	return 0;
}

/* fsync, 0644, rename over the target, fsync the directory. */
static int
finish_file(struct export_job *j, struct rt_err *err)
{
	char *d = rt_xstrdup(j->x->output);
	int dfd;

	if (fsync(j->fd) < 0 || fchmod(j->fd, 0644) < 0 || close(j->fd) < 0) {
		rt_err_set(err, RT_ERR_RUN, "writing %s: %s", j->x->output, strerror(errno));
		j->fd = -1;
		free(d);
		return -1;
	}
	j->fd = -1;
	if (rename(j->tmp, j->x->output) < 0) {
		rt_err_set(err, RT_ERR_RUN, "renaming to %s: %s", j->x->output, strerror(errno));
		free(d);
		return -1;
	}
	free(j->tmp);
	j->tmp = NULL;
	dfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(d);
	return 0;
}

static int
failed(struct export_job *j, const PGresult *res, struct rt_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (j->cancelled || (state && strcmp(state, "57014") == 0))
		rt_err_set(err, RT_ERR_CANCEL, "export cancelled%s", j->x->output ?
			   "; no file written" : "");
	else if (res)
		rt_db_result_err(res, "exporting", err);
	else
		rt_err_set(err, RT_ERR_RUN, "exporting: %s", PQerrorMessage(j->conn));
	if (err)
		j->fail = *err;
	else
		j->fail.kind = RT_ERR_RUN;
	j->is_done = true;
	return -1;
}

/* The rows libpq has buffered, into the output buffer. 0, or -1 with err. */
static int
drain(struct export_job *j, struct rt_err *err)
{
	while (j->is_copying) {
		char *row;
		int n = PQgetCopyData(j->conn, &row, 1);

		if (n == 0)
			break;
		if (n < 0) {            /* -1 the end, -2 an error: the result follows */
			j->is_copying = false;
			break;
		}
		if (j->len + (size_t)n > EXPORT_BUF && flush_out(j, err) < 0) {
			PQfreemem(row);
			return -1;
		}
		if ((size_t)n > EXPORT_BUF)
			j->buf = rt_xrealloc(j->buf, (size_t)n);
		memcpy(j->buf + j->len, row, (size_t)n);
		j->len += (size_t)n;
		j->bytes += n;
		j->rows++;
		PQfreemem(row);
	}
	return 0;
}

/* The COPY's result: the file is complete. 0, or -1 with err. */
static int
finish(struct export_job *j, struct rt_err *err)
{
	if (flush_out(j, err) < 0 || (j->tmp && finish_file(j, err) < 0))
		return -1;
	if (!j->x->json && j->rows > 0)
		j->rows--;      /* the header */
	j->x->rows = j->rows;
	emit(j, true);
	return 0;
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct export_job *j = impl;
	PGresult *res;

	if (j->is_done)
		return j->fail.kind != RT_ERR_NONE ? (*err = j->fail, -1) : 0;
	if (!PQconsumeInput(j->conn))
		return failed(j, NULL, err);
	for (;;) {
		ExecStatusType st;

		if (drain(j, err) < 0)
			goto fail;
		if (j->is_copying) {
			if (rt_clock_ms() - j->told > 250.0)
				emit(j, false);
			return 1;
		}
		if (PQisBusy(j->conn))
			return 1;
		res = PQgetResult(j->conn);
		if (!res) {
			j->is_done = true;
			if (finish(j, err) < 0)
				goto fail;
			return 0;
		}
		st = PQresultStatus(res);
		if (st == PGRES_COPY_OUT) {
			j->is_copying = true;   /* its rows may be buffered already */
		} else if (st != PGRES_COMMAND_OK) {
			failed(j, res, err);
			PQclear(res);
			while ((res = PQgetResult(j->conn)))
				PQclear(res);
			return -1;
		}
		PQclear(res);
	}
fail:
	if (err)
		j->fail = *err;
	else
		j->fail.kind = RT_ERR_RUN;
	j->is_done = true;
	return -1;
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct export_job *j = impl;
	int fd = PQsocket(j->conn);

	if (fd < 0 || max < 1 || j->is_done)
		return 0;
	fds[0] = (struct pollfd){ fd, POLLIN, 0 };
	return 1;
}

static void
job_cancel(void *impl)
{
	struct export_job *j = impl;

	if (j->is_done || j->cancelled)
		return;
	j->cancelled = true;
	rt_db_cancel_query(j->conn);
}

static void
job_free(void *impl)
{
	struct export_job *j = impl;

	if (j->tmp) {
		if (j->fd >= 0)
			close(j->fd);
		unlink(j->tmp);
		free(j->tmp);
	}
	if (j->conn)
		PQfinish(j->conn);
	free(j->buf);
	free(j);
}

static const struct rt_job_ops export_job_ops = {
	"export", job_fds, job_step, job_cancel, job_free,
};

/* A temporary file next to path (same filesystem: the rename is atomic). */
static int
open_tmp(struct export_job *j, struct rt_err *err)
{
	char *d = rt_xstrdup(j->x->output), *b = rt_xstrdup(j->x->output);

	j->tmp = rt_xasprintf("%s/.%s.XXXXXX", dirname(d), basename(b));
	free(d);
	free(b);
	j->fd = mkostemp(j->tmp, O_CLOEXEC);
	if (j->fd < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", j->x->output, strerror(errno));
		free(j->tmp);
		j->tmp = NULL;
		return -1;
	}
	return 0;
}

struct rt_job *
rt_export_start(struct rt_export *x, rt_event_fn fn, void *ctx, struct rt_err *err)
{
	const char *keys[] = { "dbname", "application_name", "client_encoding", NULL };
	const char *vals[] = { rt_session_db(x->s)->url, "retort export", "UTF8", NULL };
	struct export_job *j = rt_xcalloc(1, sizeof(*j));

	j->x = x;
	j->fn = fn;
	j->ctx = ctx;
	j->fd = x->out_fd;
	j->buf = rt_xmalloc(EXPORT_BUF);
	j->t0 = j->told = rt_clock_ms();
	if (x->output && open_tmp(j, err) < 0) {
		job_free(j);
		return NULL;
	}
	j->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(j->conn) != CONNECTION_OK) {
		rt_err_set(err, RT_ERR_RUN, "exporting: cannot connect");
		rt_err_detail(err, "%s", PQerrorMessage(j->conn));
		job_free(j);
		return NULL;
	}
	if (PQsetnonblocking(j->conn, 1) != 0 || !PQsendQuery(j->conn, x->sql) ||
	    PQflush(j->conn) < 0) {
		rt_err_set(err, RT_ERR_RUN, "exporting: %s", PQerrorMessage(j->conn));
		job_free(j);
		return NULL;
	}
	return rt_job_new(&export_job_ops, j);
}
