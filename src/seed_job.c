/* seed_job.c - the seed job (rt_seed.h): one transaction on its own
 * non-blocking connection; each file streamed into COPY FROM STDIN in chunks
 * (PQputCopyData, and no more read from the file until libpq's buffer is
 * flushed: constant memory whatever the file's size); a server error is
 * located at the physical line of the record it names. */
#include "config.h"
#include "rt_seed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_session.h"
#include "seed_int.h"

#define SEED_CHUNK (256 * 1024)
#define SEED_BUDGET 32          /* chunks a step sends at most before it returns */
#define SEED_TICK_S 0.25        /* seconds between two progress events */

enum phase {
	P_BEGIN,        /* BEGIN (and TRUNCATE) in flight */
	P_COPY_WAIT,    /* COPY sent, waiting for the server to take data */
	P_COPY_SEND,    /* streaming the file */
	P_COPY_END,     /* the data is ended, waiting for the COPY's result */
	P_SEQ,          /* setval of the sequences in flight */
	P_COMMIT,
	P_ROLLBACK,     /* after a failure: ROLLBACK in flight, then the error */
	P_DONE,
};

struct seed_job {
	struct rt_seed *sd;
	rt_event_fn fn;
	void *ctx;
	PGconn *conn;
	enum phase phase;
	size_t i;                   /* the file in progress */
	int fd;
	char *buf;
	size_t len, off;
	long long sent, rows;
	double t0, told;
	bool want_write, cancelled, failed;
	struct rt_err fail;         /* the first error, reported after the ROLLBACK */
};

static void
emit(struct seed_job *j, bool is_done)
{
	const struct seed_file *f = &j->sd->f[j->i];
	struct rt_data_progress p = {
		.path = f->path, .table = f->label, .i = j->i, .n = j->sd->n,
		.rows = is_done ? j->rows : f->bytes ? (long long)((double)f->nrecords *
								   (double)j->sent / (double)f->bytes) : 0,
		.total_rows = f->nrecords, .bytes = j->sent, .total_bytes = f->bytes,
		.seconds = (rt_clock_ms() - j->t0) / 1000.0, .is_done = is_done,
	};
	struct rt_event ev = { .kind = RT_EV_DATA, .i = j->i, .n = j->sd->n, .path = f->path,
			       .text = f->label, .ms = p.seconds * 1000.0, .data = &p };

	j->told = rt_clock_ms();
	if (j->fn)
		j->fn(&ev, j->ctx);
}

/* "Key (a, b)=(1, 2) is not present ..." into cols and vals. */
static void
parse_key(const char *detail, struct rt_strv *cols, struct rt_strv *vals)
{
	const char *a = detail ? strstr(detail, "Key (") : NULL, *b, *c, *d;

	if (!a || !(b = strstr(a, ")=(")) || !(d = strstr(b, ") ")))
		return;
	a += 5;
	for (c = a; c < b;) {
		const char *e = strstr(c, ", ");

		if (!e || e > b)
			e = b;
		rt_strv_push_take(cols, rt_xstrndup(c, (size_t)(e - c)));
		c = e + (e < b ? 2 : 0);
		if (e == b)
			break;
	}
	for (c = b + 3; c < d;) {
		const char *e = strstr(c, ", ");

		if (!e || e > d)
			e = d;
		rt_strv_push_take(vals, rt_xstrndup(c, (size_t)(e - c)));
		if (e == d)
			break;
		c = e + 2;
	}
}

/* The line a failed COPY's record starts on: the context's "COPY t, line N"
 * names the physical line the record ends on; a foreign key or unique violation found
 * at the end of the statement has no line, its DETAIL names the key. */
static int
failed_line(const struct seed_file *f, const PGresult *res)
{
	const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *p = ctx ? strstr(ctx, "COPY ") : NULL;
	struct rt_strv cols = { 0 }, vals = { 0 };
	int line = 0;

	if (p && (p = strstr(p, ", line ")))
		return seedcsv_record_line(f->path, strtoll(p + 7, NULL, 10));
	parse_key(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL), &cols, &vals);
	if (cols.n && cols.n == vals.n) {
		/* the key of the violating row, in this file's columns */
		line = seedcsv_find_line(f->path, &cols, &vals);
	}
	rt_strv_free(&cols);
	rt_strv_free(&vals);
	return line;
}

static void
record_failure(struct seed_job *j, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	struct rt_err *e = &j->fail;

	if (j->failed)
		return;
	j->failed = true;
	if (j->cancelled || (state && strcmp(state, "57014") == 0)) {
		rt_err_set(e, RT_ERR_CANCEL, "seed cancelled; nothing loaded (rolled back)");
		return;
	}
	if (!msg)
		msg = PQerrorMessage(j->conn);
	if (j->phase == P_COPY_SEND || j->phase == P_COPY_END || j->phase == P_COPY_WAIT) {
		const struct seed_file *f = &j->sd->f[j->i];

		rt_err_set_at(e, RT_ERR_RUN, f->path, failed_line(f, res), "%s (%s); nothing loaded",
			      msg, f->label);
	} else {
		rt_err_set(e, RT_ERR_RUN, "seeding: %s; nothing loaded", msg);
	}
	if (detail)
		rt_err_detail(e, "DETAIL: %s", detail);
	if (hint)
		rt_err_detail(e, "HINT: %s", hint);
	if (state) {
		rt_err_detail(e, "SQLSTATE %s", state);
		snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", state);
	}
}

static int
conn_failed(struct seed_job *j, struct rt_err *err)
{
	if (j->failed && j->fail.kind != RT_ERR_NONE)
		*err = j->fail;
	else
		rt_err_set(err, j->cancelled ? RT_ERR_CANCEL : RT_ERR_RUN, "seeding: %s",
			   PQerrorMessage(j->conn));
	j->phase = P_DONE;
	return -1;
}

/* The results of what is in flight: 1 busy, 0 finished, 2 the server waits
 * for COPY data, -1 the connection broke. Errors are kept in j->fail. */
static int
collect(struct seed_job *j)
{
	PGresult *res;

	if (!PQconsumeInput(j->conn))
		return -1;
	while (!PQisBusy(j->conn)) {
		ExecStatusType st;

		res = PQgetResult(j->conn);
		if (!res)
			return 0;
		st = PQresultStatus(res);
		if (st == PGRES_COPY_IN) {
			PQclear(res);
			return 2;
		}
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			if (j->phase == P_COPY_END)
				j->rows = strtoll(PQcmdTuples(res), NULL, 10);
		} else {
			record_failure(j, res);
		}
		PQclear(res);
	}
	return 1;
}

static int
send_sql(struct seed_job *j, const char *sql, enum phase next)
{
	j->phase = next;
	return PQsendQuery(j->conn, sql) ? 0 : -1;
}

static int
start_file(struct seed_job *j)
{
	if (j->i == j->sd->n) {
		struct rt_buf b = { 0 };
		int rc;

		for (size_t i = 0; i < j->sd->n; i++)
			for (size_t k = 0; k < j->sd->f[i].seq_sql.n; k++)
				rt_buf_printf(&b, "%s;\n", j->sd->f[i].seq_sql.v[k]);
		rc = b.len ? send_sql(j, rt_buf_str(&b), P_SEQ) : send_sql(j, "COMMIT", P_COMMIT);
		rt_buf_free(&b);
		return rc;
	}
	j->sent = 0;
	j->rows = 0;
	j->len = j->off = 0;
	return send_sql(j, j->sd->f[j->i].copy_sql, P_COPY_WAIT);
}

/* Streams the file: at most SEED_BUDGET chunks, never more while libpq still
 * holds unsent data. 1 to go on, -1 on a connection failure. */
static int
pump(struct seed_job *j)
{
	for (int k = 0; k < SEED_BUDGET; k++) {
		int rc;

		if (j->off == j->len) {
			ssize_t n = read(j->fd, j->buf, SEED_CHUNK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				const char *why = n < 0 ? strerror(errno) : NULL;

				if (n < 0 && !j->failed) {
					j->failed = true;
					rt_err_set_at(&j->fail, RT_ERR_RUN, j->sd->f[j->i].path, 0,
						      "%s; nothing loaded", why);
				}
				rc = PQputCopyEnd(j->conn, why);
				if (rc == 0) {
					j->want_write = true;
					return 1;
				}
				j->phase = P_COPY_END;
				j->want_write = PQflush(j->conn) == 1;
				return 1;
			}
			j->len = (size_t)n;
			j->off = 0;
		}
		rc = PQputCopyData(j->conn, j->buf + j->off, (int)(j->len - j->off));
		if (rc < 0) {            /* the server ended the COPY: its error follows */
			j->phase = P_COPY_END;
			return 1;
		}
		if (rc == 0) {
			j->want_write = true;
			return 1;
		}
		j->sent += (long long)(j->len - j->off);
		j->off = j->len;
		rc = PQflush(j->conn);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			j->want_write = true;
			break;
		}
	}
	if (rt_clock_ms() - j->told > SEED_TICK_S * 1000.0)
		emit(j, false);
	return 1;
}

static int
open_file(struct seed_job *j)
{
	const struct seed_file *f = &j->sd->f[j->i];

	j->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (j->fd < 0) {
		j->failed = true;
		rt_err_set_at(&j->fail, RT_ERR_RUN, f->path, 0, "%s; nothing loaded", strerror(errno));
		PQputCopyEnd(j->conn, "cannot read the file");
		j->phase = P_COPY_END;
		return 0;
	}
	j->t0 = rt_clock_ms();
	j->phase = P_COPY_SEND;
	emit(j, false);
	return 0;
}

static void
close_file(struct seed_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

/* After a failure with the connection still up: ROLLBACK, then the error. */
static int
fail_over(struct seed_job *j, struct rt_err *err)
{
	close_file(j);
	if (j->phase == P_ROLLBACK || PQtransactionStatus(j->conn) == PQTRANS_IDLE) {
		*err = j->fail;
		j->phase = P_DONE;
		return -1;
	}
	if (send_sql(j, "ROLLBACK", P_ROLLBACK) < 0)
		return conn_failed(j, err);
	return 1;
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct seed_job *j = impl;
	int rc;

	if (j->phase == P_DONE)
		return j->failed ? (*err = j->fail, -1) : 0;
	if (j->want_write) {
		rc = PQflush(j->conn);
		if (rc < 0)
			return conn_failed(j, err);
		if (rc == 1)
			return 1;
		j->want_write = false;
	}
	if (j->phase == P_COPY_SEND) {
		if (!PQconsumeInput(j->conn))
			return conn_failed(j, err);
		if (j->cancelled) {
			PQputCopyEnd(j->conn, "seed cancelled");
			j->phase = P_COPY_END;
			j->want_write = PQflush(j->conn) == 1;
			return 1;
		}
		return pump(j) < 0 ? conn_failed(j, err) : 1;
	}
	rc = collect(j);
	if (rc < 0)
		return conn_failed(j, err);
	if (rc == 1)
		return 1;
	if (rc == 2) {
		if (j->phase != P_COPY_WAIT) {   /* never: only a COPY asks for data */
			PQputCopyEnd(j->conn, "unexpected COPY");
			return 1;
		}
		open_file(j);
		return 1;
	}
	/* the statement in flight is complete */
	if (j->failed)
		return fail_over(j, err);
	switch (j->phase) {
	case P_BEGIN:
		rc = start_file(j);
		break;
	case P_COPY_END:
		close_file(j);
		j->sd->f[j->i].loaded = j->rows;
		emit(j, true);
		j->i++;
		rc = start_file(j);
		break;
	case P_SEQ:
		rc = send_sql(j, "COMMIT", P_COMMIT);
		break;
	case P_COMMIT:
		j->phase = P_DONE;
		return 0;
	default:
		rc = 0;
		break;
	}
	if (rc < 0)
		return conn_failed(j, err);
	return 1;
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct seed_job *j = impl;
	int fd = PQsocket(j->conn);

	if (fd < 0 || max < 1 || j->phase == P_DONE)
		return 0;
	/* streaming: writable means room for the next chunk (a file is always
	 * readable), so the driver never sleeps a tick between chunks */
	fds[0] = (struct pollfd){ fd, POLLIN, 0 };
	if (j->want_write || j->phase == P_COPY_SEND)
		fds[0].events |= POLLOUT;
	return 1;
}

static void
job_cancel(void *impl)
{
	struct seed_job *j = impl;

	if (j->phase == P_DONE || j->cancelled)
		return;
	j->cancelled = true;
	if (j->phase == P_COPY_SEND)
		return;                      /* the next step ends the COPY with an error */
	rt_db_cancel_query(j->conn);
}

static void
job_free(void *impl)
{
	struct seed_job *j = impl;

	close_file(j);
	if (j->conn)
		PQfinish(j->conn);      /* an open transaction is rolled back by the server */
	free(j->buf);
	free(j);
}

static const struct rt_job_ops seed_job_ops = {
	"seed", job_fds, job_step, job_cancel, job_free,
};

struct rt_job *
rt_seed_start(struct rt_seed *sd, rt_event_fn fn, void *ctx, struct rt_err *err)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { (sd->db ? sd->db : rt_session_db(sd->s))->url, "retort seed", NULL };
	struct seed_job *j;
	char *begin;

	if (!sd->is_confirmed) {
		rt_err_set(err, RT_ERR_INPUT, "seed: not confirmed; nothing changed");
		return NULL;
	}
	j = rt_xcalloc(1, sizeof(*j));
	j->sd = sd;
	j->fn = fn;
	j->ctx = ctx;
	j->fd = -1;
	j->buf = rt_xmalloc(SEED_CHUNK);
	j->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(j->conn) != CONNECTION_OK) {
		rt_err_set(err, RT_ERR_RUN, "seeding: cannot connect");
		rt_err_detail(err, "%s", PQerrorMessage(j->conn));
		job_free(j);
		return NULL;
	}
	begin = rt_xasprintf("BEGIN; SET LOCAL client_encoding = 'UTF8'%s%s", sd->clear_sql ? "; " : "",
			     sd->clear_sql ? sd->clear_sql : "");
	if (PQsetnonblocking(j->conn, 1) != 0 || send_sql(j, begin, P_BEGIN) < 0) {
		rt_err_set(err, RT_ERR_RUN, "seeding: %s", PQerrorMessage(j->conn));
		free(begin);
		job_free(j);
		return NULL;
	}
	free(begin);
	j->want_write = PQflush(j->conn) == 1;
	return rt_job_new(&seed_job_ops, j);
}
