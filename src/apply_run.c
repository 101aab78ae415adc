/* apply_run.c - applying a plan on the server as a job (rt_job.h); resolve.c
 * drives the same job to resume an interrupted transaction-off revision.
 *
 * The connection is non-blocking for the whole run. A transactional revision
 * goes out as one pipeline (BEGIN, lock_timeout, its statements, verify, the
 * version table, retort_history, COMMIT) and its results are read as they
 * arrive, one event per statement; a failure is followed by ROLLBACK, and a
 * statement that hit lock_timeout is retried after a backoff. A "transaction
 * off" revision sends its statements one by one, journaling each in its
 * dirty retort_history entry. Cancel sends the server a cancel request for
 * the statement in flight, so nothing keeps running after the job ends. */
#include "config.h"
#include "rt_apply.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "apply_int.h"
#include "db_int.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_sqllex.h"

enum phase {
	PH_STEP,        /* start the next step, or end */
	PH_PIPE,        /* a transactional step's pipeline is in flight */
	PH_COPY,        /* a transactional step's COPY is in flight (never in a pipeline) */
	PH_ROLLBACK,    /* the ROLLBACK after a failed step is in flight */
	PH_BACKOFF,     /* waiting to retry a step that hit lock_timeout */
	PH_NOTX,        /* a transaction-off statement is in flight */
	PH_END,
};

/* What a handler tells the step loop. */
enum { GO_WAIT = 1, GO_ON = 2, GO_DONE = 0, GO_FAIL = -1 };

struct run {
	struct rt_db *db;
	PGconn *conn;
	const struct rt_plan *plan;
	struct rt_apply_opts opts;
	rt_event_fn fn;
	void *ctx;
	struct rt_who who;
	char started[64];
	char host[256];
	char *os_user;
	bool in_outer_tx;       /* single transaction, dry run or keep open */

	enum phase phase;
	size_t si;              /* the step running */
	double t0;              /* its start, monotonic ms */
	int attempt, wait_ms;
	double retry_at;
	bool is_busy;           /* a query is in flight */
	bool is_flushing;       /* libpq still holds output */

	struct rt_cmdv cv;      /* the step's statements */
	size_t body_from, body_to;  /* cv indexes of the section's statements */
	size_t got;             /* commands whose results are complete */
	bool has_failed;
	struct rt_err failure;  /* the first error of the step */

	char *hist_id;          /* transaction off: the dirty retort_history entry */
	size_t notx_i;          /* its next statement */
	size_t resume_from;     /* rt_resolve: statements already done */
	const char *resume_id;  /* rt_resolve: the entry to continue */

	enum { CS_NONE, CS_SEND, CS_DRAIN, CS_ENDED } copy_state;
	size_t copy_off;        /* bytes of the data block sent */

	bool is_cancelled, cancel_sent;
	PQnoticeReceiver old_receiver;   /* the connection's, restored at the end */
};

/* ---- helpers ----------------------------------------------------------------- */

static void
stamp_now(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;
	char base[40];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out, size, "%s.%06ld+00", base, (long)tv.tv_usec);
}

static void
emit(struct run *r, struct rt_event *ev)
{
	if (!r->fn)
		return;
	ev->step = r->si < r->plan->nsteps ? &r->plan->steps[r->si] : NULL;
	ev->i = r->si;
	ev->n = r->plan->nsteps;
	r->fn(ev, r->ctx);
}

static void
emit_kind(struct run *r, enum rt_event_kind kind, double ms)
{
	struct rt_event ev = { .kind = kind, .ms = ms };

	emit(r, &ev);
}

/* The line of the pos-th character (1-based, as the server counts) in s, from 0. */
static int
line_of_position(const char *s, const char *pos_text)
{
	long pos = pos_text ? strtol(pos_text, NULL, 10) : 0;
	int lines = 0;

	for (long chars = 1; *s && chars < pos; s++) {
		if ((*s & 0xC0) != 0x80)
			chars++;
		if (*s == '\n')
			lines++;
	}
	return lines;
}

static void
lost_connection(struct rt_db *db, struct rt_err *err)
{
	rt_err_set(err, RT_ERR_RUN, "lost the connection to the server; the database is at the last "
		   "completed revision and rerunning is safe");
	rt_err_detail(err, "%s", PQerrorMessage(db->conn));
}

/* Whether a failed statement's result means the session itself ended
 * (pg_terminate_backend, a server crash or shutdown), not the statement. */
static bool
session_ended(struct rt_db *db, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);

	return PQstatus(db->conn) != CONNECTION_OK ||
	       (sev && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0));
}

static void
cmd_err(struct rt_db *db, const struct rt_cmd *c, const PGresult *res, struct rt_err *err)
{
	char prefix[1200];

	if (session_ended(db, res)) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		lost_connection(db, err);
		if (msg)
			rt_err_detail(err, "the server said: %s", msg);
		return;
	}
	if (c->path) {
		int line = c->line + line_of_position(c->sql,
				PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION));

		snprintf(prefix, sizeof(prefix), "%s:%d", c->path, line);
		rt_db_result_err(res, prefix, err);
		if (err) {   /* the place as fields too, for front ends that jump to it */
			snprintf(err->path, sizeof(err->path), "%s", c->path);
			err->line = line;
		}
		return;
	}
	rt_db_result_err(res, "retort", err);
}

static const struct rt_step *
cur_step(const struct run *r)
{
	return &r->plan->steps[r->si];
}

/* A statement that failed because the job asked the server to cancel it. */
static bool
was_cancelled(const struct run *r)
{
	return r->is_cancelled && strcmp(r->failure.sqlstate, "57014") == 0;
}

/* Records a failed step in retort_history (outside any transaction). */
static void
log_failure(struct run *r, const struct rt_err *err)
{
	const struct rt_step *st = cur_step(r);
	char *sql, *esc;
	PGresult *res;

	if (r->in_outer_tx || PQstatus(r->conn) != CONNECTION_OK)
		return;
	sql = rt_sqlgen_history(r->db->hist, st->rev->id, rt_sqlgen_direction(r->plan, st),
				st->rev->sha256, "failed", &r->who, true);
	res = PQexec(r->conn, sql);
	free(sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		esc = PQescapeLiteral(r->conn, err->msg, strlen(err->msg));
		if (esc) {
			sql = rt_xasprintf("UPDATE %s SET error = %s WHERE id = %s", r->db->hist, esc,
					   PQgetvalue(res, 0, 0));
			PQclear(PQexec(r->conn, sql));
			free(sql);
			PQfreemem(esc);
		}
	}
	PQclear(res);
}

/* Records the error on the dirty history entry (the revision stays dirty). */
static void
note_dirty(struct run *r, const struct rt_err *err)
{
	char *esc, *sql;

	if (PQstatus(r->conn) != CONNECTION_OK)
		return;
	esc = PQescapeLiteral(r->conn, err->msg, strlen(err->msg));
	if (!esc)
		return;
	sql = rt_xasprintf("UPDATE %s SET error = %s, finished_at = clock_timestamp() WHERE id = %s",
			   r->db->hist, esc, r->hist_id);
	PQclear(PQexec(r->conn, sql));
	free(sql);
	PQfreemem(esc);
}

/* Adds who probably blocks to a lock-timeout error. */
static void
name_blockers(struct run *r, struct rt_err *err, int attempts)
{
	char *who = rt_db_blockers(r->db);
	struct rt_err was = *err;

	rt_err_set(err, was.kind, "%.900s (lock_timeout %d ms, %d attempt%s)", was.msg,
		   r->opts.ddl_lock_timeout_ms, attempts, attempts == 1 ? "" : "s");
	memcpy(err->detail, was.detail, sizeof(err->detail));
	memcpy(err->sqlstate, was.sqlstate, sizeof(err->sqlstate));
	rt_err_detail(err, "blocked by: %s", who ? who : "(nobody holds a relation lock now)");
	free(who);
}

/* Ends the step as failed: history, event, err. */
static int
fail_step(struct run *r, struct rt_err *err)
{
	*err = r->failure;
	if (cur_step(r)->rev->is_transactional || r->in_outer_tx)
		log_failure(r, err);
	emit_kind(r, RT_EV_STEP_FAILED, rt_clock_ms() - r->t0);
	return GO_FAIL;
}

static void
cancelled_err(struct run *r, struct rt_err *err, const char *how)
{
	const struct rt_step *st = cur_step(r);

	rt_err_set(err, RT_ERR_CANCEL, "cancelled during the %s of %s; %s",
		   st->is_up ? "upgrade" : "downgrade", st->rev->id, how);
}

/* ---- sending ----------------------------------------------------------------- */

static int
flush(struct run *r, struct rt_err *err)
{
	int f = PQflush(r->conn);

	if (f < 0) {
		lost_connection(r->db, err);
		return -1;
	}
	r->is_flushing = f == 1;
	return 0;
}

/* Sends statements [r->got, to) of cv in one pipeline followed by a sync. */
static int
send_pipeline(struct run *r, size_t to, struct rt_err *err)
{
	if (PQenterPipelineMode(r->conn) != 1)
		goto lost;
	for (size_t i = r->got; i < to; i++)
		if (!PQsendQueryParams(r->conn, r->cv.v[i].sql, 0, NULL, NULL, NULL, NULL, 0))
			goto lost;
	if (!PQpipelineSync(r->conn))
		goto lost;
	r->is_busy = true;
	return flush(r, err);
lost:
	lost_connection(r->db, err);
	return -1;
}

static int
send_simple(struct run *r, const char *sql, struct rt_err *err)
{
	if (!PQsendQuery(r->conn, sql)) {
		lost_connection(r->db, err);
		return -1;
	}
	r->is_busy = true;
	return flush(r, err);
}

/* ---- COPY ---------------------------------------------------------------------- */

/* Whether a statement is a COPY: libpq allows none in a pipeline. */
static bool
is_copy(const struct rt_cmd *c)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;

	rt_sql_lexer_init(&lx, c->sql, strlen(c->sql), 1);
	while (rt_sql_lex_next(&lx, &tok) == RT_SQL_TOK_COMMENT)
		;
	return rt_sql_token_is(c->sql, &tok, "copy");
}

/* Sends the data block of c (COPY ... FROM STDIN) and ends the COPY; GO_WAIT
 * while libpq's output buffer is full. A COPY FROM STDIN without a block in
 * the file ends with an error the server reports. */
static int
pump_copy(struct run *r, const struct rt_cmd *c)
{
	int rc;

	while (r->copy_off < c->copy_len) {
		size_t n = c->copy_len - r->copy_off > 65536 ? 65536 : c->copy_len - r->copy_off;

		rc = PQputCopyData(r->conn, c->copy_data + r->copy_off, (int)n);
		if (rc < 0)
			return GO_FAIL;
		if (rc == 0) {
			r->is_flushing = true;
			return GO_WAIT;
		}
		r->copy_off += n;
	}
	rc = PQputCopyEnd(r->conn, c->copy_data ? NULL :
			  "the migration file has no data block (ending in a line \\.) for this COPY");
	if (rc < 0)
		return GO_FAIL;
	if (rc == 0) {
		r->is_flushing = true;
		return GO_WAIT;
	}
	r->copy_state = CS_ENDED;
	return PQflush(r->conn) < 0 ? GO_FAIL : GO_ON;
}

/* A COPY ... TO STDOUT in a migration: its rows go nowhere. */
static int
drain_copy(struct run *r)
{
	char *buf;
	int n;

	while ((n = PQgetCopyData(r->conn, &buf, 1)) > 0)
		PQfreemem(buf);
	if (n == 0)
		return GO_WAIT;
	r->copy_state = CS_ENDED;   /* -1 ends it; -2 is an error the result reports */
	return GO_ON;
}

/* Reads the results of one command sent on its own (not in a pipeline),
 * feeding or draining a COPY on the way; the first error goes to
 * r->failure. GO_ON when the command is complete, GO_FAIL when the
 * connection cannot go on. Whatever libpq returns, it never spins. */
static int
read_single(struct run *r, const struct rt_cmd *c)
{
	PGresult *res;
	int go;

	for (;;) {
		if (r->copy_state == CS_SEND && (go = pump_copy(r, c)) != GO_ON)
			return go;
		if (r->copy_state == CS_DRAIN && (go = drain_copy(r)) != GO_ON)
			return go;
		if (PQisBusy(r->conn))
			return PQstatus(r->conn) == CONNECTION_OK ? GO_WAIT : GO_FAIL;
		res = PQgetResult(r->conn);
		if (!res) {
			r->is_busy = false;
			r->copy_state = CS_NONE;
			return PQstatus(r->conn) == CONNECTION_OK ? GO_ON : GO_FAIL;
		}
		switch (PQresultStatus(res)) {
		case PGRES_COPY_IN:
			r->copy_state = CS_SEND;
			r->copy_off = 0;
			break;
		case PGRES_COPY_OUT:
			r->copy_state = CS_DRAIN;
			break;
		case PGRES_COPY_BOTH:   /* replication: no migration statement starts it */
			PQclear(res);
			return GO_FAIL;
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_EMPTY_QUERY:
			break;
		default:
			if (!r->has_failed) {
				cmd_err(r->db, c, res, &r->failure);
				r->has_failed = true;
			}
			break;
		}
		PQclear(res);
	}
}

/* ---- transactional steps ------------------------------------------------------ */

/* Sends the next unit of the step from r->got: a COPY on its own, or the
 * statements up to the next COPY in one pipeline. */
static int
send_unit(struct run *r, struct rt_err *err)
{
	size_t to = r->got;

	if (is_copy(&r->cv.v[r->got])) {
		r->copy_state = CS_NONE;
		if (!PQsendQuery(r->conn, r->cv.v[r->got].sql)) {
			lost_connection(r->db, err);
			return GO_FAIL;
		}
		r->is_busy = true;
		r->phase = PH_COPY;
		return flush(r, err) < 0 ? GO_FAIL : GO_WAIT;
	}
	while (to < r->cv.n && !is_copy(&r->cv.v[to]))
		to++;
	if (send_pipeline(r, to, err) < 0)
		return GO_FAIL;
	r->phase = PH_PIPE;
	return GO_WAIT;
}

static int
start_tx_step(struct run *r, struct rt_err *err)
{
	const struct rt_step *st = cur_step(r);

	rt_cmdv_free(&r->cv);
	if (!r->in_outer_tx) {
		rt_cmdv_push(&r->cv, rt_xstrdup("BEGIN"), NULL, 0);
		if (r->opts.ddl_lock_timeout_ms > 0)
			rt_cmdv_push(&r->cv, rt_xasprintf("SET LOCAL lock_timeout = %d",
							 r->opts.ddl_lock_timeout_ms), NULL, 0);
	}
	r->body_from = r->cv.n;
	if (rt_sqlgen_step_body(&r->cv, st, err) < 0)
		return GO_FAIL;
	r->body_to = r->cv.n;
	rt_sqlgen_vt(&r->cv, r->db->vt, &st->heads_before, &st->heads_after);
	rt_cmdv_push(&r->cv, rt_sqlgen_history_file(r->db->hist, st->rev->id,
						    rt_sqlgen_direction(r->plan, st), st->rev->sha256,
						    "ok", &r->who, false, st->is_up ? st->rev : NULL),
		     NULL, 0);
	if (!r->in_outer_tx)
		rt_cmdv_push(&r->cv, rt_xstrdup("COMMIT"), NULL, 0);
	r->has_failed = false;
	rt_err_clear(&r->failure);
	r->got = 0;
	if (send_unit(r, err) == GO_FAIL) {
		r->failure = *err;
		return fail_step(r, err);
	}
	return GO_WAIT;
}

/* One result of the pipeline (NULL ends a command's results). */
static void
pipe_result(struct run *r, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_FATAL_ERROR && !r->has_failed) {
		cmd_err(r->db, &r->cv.v[r->got < r->cv.n ? r->got : r->cv.n - 1], res, &r->failure);
		r->has_failed = true;
	}
}

static void
command_done(struct run *r)
{
	if (!r->has_failed && r->got >= r->body_from && r->got < r->body_to) {
		const struct rt_cmd *c = &r->cv.v[r->got];
		struct rt_event ev = { .kind = RT_EV_STATEMENT, .stmt = r->got - r->body_from + 1,
				       .nstmts = r->body_to - r->body_from, .path = c->path,
				       .line = c->line, .ms = rt_clock_ms() - r->t0 };

		emit(r, &ev);
	}
	r->got++;
}

/* Reads what has arrived; GO_ON once the sync came back. */
static int
read_pipeline(struct run *r)
{
	PGresult *res;

	while (!PQisBusy(r->conn)) {
		res = PQgetResult(r->conn);
		if (!res) {
			if (PQstatus(r->conn) != CONNECTION_OK)
				return GO_FAIL;
			command_done(r);
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			PQexitPipelineMode(r->conn);
			r->is_busy = false;
			return GO_ON;
		}
		pipe_result(r, res);
		PQclear(res);
	}
	return GO_WAIT;
}

/* A unit of the step is complete: the next one, the step's end, or its failure. */
static int
after_unit(struct run *r, struct rt_err *err)
{
	if (!r->has_failed && r->got < r->cv.n) {
		if (send_unit(r, err) == GO_FAIL) {
			r->failure = *err;
			return fail_step(r, err);
		}
		return GO_WAIT;
	}
	if (!r->has_failed) {
		emit_kind(r, RT_EV_STEP_DONE, rt_clock_ms() - r->t0);
		r->si++;
		r->phase = PH_STEP;
		return GO_ON;
	}
	if (r->in_outer_tx) {
		if (was_cancelled(r))
			cancelled_err(r, &r->failure, "the whole transaction was rolled back");
		return fail_step(r, err);
	}
	if (PQstatus(r->conn) != CONNECTION_OK)
		return fail_step(r, err);
	if (send_simple(r, "ROLLBACK", err) < 0) {
		r->failure = *err;
		return fail_step(r, err);
	}
	r->phase = PH_ROLLBACK;
	return GO_WAIT;
}

static int
on_pipe(struct run *r, struct rt_err *err)
{
	int go = read_pipeline(r);

	if (go == GO_FAIL) {
		lost_connection(r->db, err);
		r->failure = *err;
		return fail_step(r, err);
	}
	if (go == GO_WAIT)
		return GO_WAIT;
	return after_unit(r, err);
}

static int
on_copy(struct run *r, struct rt_err *err)
{
	int go = read_single(r, &r->cv.v[r->got]);

	if (go == GO_WAIT)
		return GO_WAIT;
	if (go == GO_FAIL) {
		if (!r->has_failed)
			lost_connection(r->db, &r->failure);
		*err = r->failure;
		return fail_step(r, err);
	}
	command_done(r);
	return after_unit(r, err);
}

/* After the ROLLBACK of a failed step: retry after lock_timeout, or fail. */
static int
on_rollback(struct run *r, struct rt_err *err)
{
	const struct rt_step *st = cur_step(r);
	PGresult *res;

	while (!PQisBusy(r->conn)) {
		res = PQgetResult(r->conn);
		if (!res)
			break;
		PQclear(res);
	}
	if (PQisBusy(r->conn))
		return GO_WAIT;
	r->is_busy = false;
	if (was_cancelled(r)) {
		cancelled_err(r, &r->failure, "its transaction was rolled back");
		return fail_step(r, err);
	}
	if (strcmp(r->failure.sqlstate, "55P03") != 0 || !st->rev->is_transactional)
		return fail_step(r, err);
	if (r->attempt > r->opts.lock_retries || r->is_cancelled ||
	    PQstatus(r->conn) != CONNECTION_OK) {
		name_blockers(r, &r->failure, r->attempt);
		return fail_step(r, err);
	}
	{
		char *who = rt_db_blockers(r->db);
		struct rt_event ev = { .kind = RT_EV_RETRY, .attempt = r->attempt + 1,
				       .max_attempts = r->opts.lock_retries + 1,
				       .ms = r->wait_ms, .text = who };

		emit(r, &ev);
		free(who);
	}
	r->retry_at = rt_clock_ms() + r->wait_ms;
	r->wait_ms = r->wait_ms * 2 > 4000 ? 4000 : r->wait_ms * 2;
	r->attempt++;
	r->phase = PH_BACKOFF;
	return GO_WAIT;
}

static int
on_backoff(struct run *r, struct rt_err *err)
{
	if (r->is_cancelled) {
		rt_err_set(&r->failure, RT_ERR_CANCEL, "cancelled while retrying revision %s; the "
			   "database is at the last completed revision", cur_step(r)->rev->id);
		return fail_step(r, err);
	}
	if (rt_clock_ms() < r->retry_at)
		return GO_WAIT;
	stamp_now(r->started, sizeof(r->started));
	return start_tx_step(r, err);
}

/* ---- transaction-off steps ------------------------------------------------------ */

static int
send_notx(struct run *r, struct rt_err *err)
{
	r->copy_state = CS_NONE;
	if (send_simple(r, r->cv.v[r->notx_i].sql, err) < 0) {
		r->failure = *err;
		return fail_step(r, err);
	}
	r->phase = PH_NOTX;
	return GO_WAIT;
}

static int
start_notx_step(struct run *r, struct rt_err *err)
{
	const struct rt_step *st = cur_step(r);
	PGresult *res;
	char *sql;

	rt_cmdv_free(&r->cv);
	if (rt_sqlgen_step_body(&r->cv, st, err) < 0)
		return GO_FAIL;
	r->body_from = 0;
	r->body_to = r->cv.n;
	free(r->hist_id);
	r->hist_id = NULL;
	if (r->resume_id) {
		r->hist_id = rt_xstrdup(r->resume_id);
		r->notx_i = r->resume_from;
	} else {
		sql = rt_sqlgen_history_file(r->db->hist, st->rev->id,
					     rt_sqlgen_direction(r->plan, st), st->rev->sha256, "dirty",
					     &r->who, true, st->is_up ? st->rev : NULL);
		res = rt_db_exec(r->db, sql, "retort", err);
		free(sql);
		if (!res)
			return GO_FAIL;
		r->hist_id = rt_xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		r->notx_i = 0;
	}
	if (r->opts.ddl_lock_timeout_ms > 0) {
		sql = rt_xasprintf("SET lock_timeout = %d", r->opts.ddl_lock_timeout_ms);
		res = rt_db_exec(r->db, sql, "retort", err);
		free(sql);
		if (!res)
			return GO_FAIL;
		PQclear(res);
	}
	r->has_failed = false;
	rt_err_clear(&r->failure);
	r->phase = PH_NOTX;
	return r->notx_i < r->cv.n ? send_notx(r, err) : GO_ON;
}

/* The version table for a finished transaction-off step, and its entry marked ok
 * (apply_int.h). */
int
rt_apply_finish_notx(struct rt_db *db, const struct rt_step *st, const char *id,
		     struct rt_err *err)
{
	struct rt_cmdv fin = { 0 };
	struct rt_buf b = { 0 };
	int rc;

	rt_buf_puts(&b, "BEGIN;\n");
	rt_sqlgen_vt(&fin, db->vt, &st->heads_before, &st->heads_after);
	for (size_t i = 0; i < fin.n; i++)
		rt_buf_printf(&b, "%s;\n", fin.v[i].sql);
	rt_buf_printf(&b, "UPDATE %s SET outcome = 'ok', finished_at = clock_timestamp(), "
		      "duration_ms = extract(epoch FROM clock_timestamp() - started_at) * 1000, "
		      "error = NULL", db->hist);
	/* a revision resumed after its file was fixed (retort resolve) ran the
	 * file as it is now: that is the one its history keeps (rt_guard.h) */
	if (st->rev->sha256[0] && strspn(st->rev->sha256, "0123456789abcdef") == 64) {
		rt_buf_printf(&b, ", checksum = '%s'", st->rev->sha256);
		if (st->rev->text) {
			rt_buf_puts(&b, ", applied_file = CASE WHEN applied_file IS NULL THEN NULL "
				    "ELSE decode('");
			for (size_t i = 0; i < st->rev->text_len; i++)
				rt_buf_printf(&b, "%02x", (unsigned char)st->rev->text[i]);
			rt_buf_puts(&b, "', 'hex') END");
		}
	}
	rt_buf_printf(&b, " WHERE id = %s;\nCOMMIT;\n", id);
	/* several statements in one simple query: one implicit unit of work */
	rc = rt_db_exec_ok(db, rt_buf_str(&b), err);
	rt_buf_free(&b);
	rt_cmdv_free(&fin);
	return rc;
}

static void
reset_lock_timeout(struct run *r)
{
	if (r->opts.ddl_lock_timeout_ms > 0 && PQstatus(r->conn) == CONNECTION_OK)
		PQclear(PQexec(r->conn, "RESET lock_timeout"));
}

/* A transaction-off revision may hold BEGIN ... COMMIT blocks: a failure
 * inside one leaves the session in that transaction, whose journal updates
 * roll back with it. Ends it and returns the statements the journal keeps. */
static size_t
end_open_block(struct run *r)
{
	size_t done = r->notx_i;
	PGresult *res;
	char *sql;

	if (PQstatus(r->conn) != CONNECTION_OK || PQtransactionStatus(r->conn) == PQTRANS_IDLE)
		return done;
	PQclear(PQexec(r->conn, "ROLLBACK"));
	sql = rt_xasprintf("SELECT statements_done FROM %s WHERE id = %s", r->db->hist, r->hist_id);
	res = PQexec(r->conn, sql);
	free(sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		done = (size_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return done;
}

static int
notx_failed(struct run *r, struct rt_err *err)
{
	size_t n = r->cv.n, kept = end_open_block(r);

	if (was_cancelled(r))
		rt_err_set_at(&r->failure, RT_ERR_CANCEL, r->cv.v[r->notx_i].path,
			      r->cv.v[r->notx_i].line, "cancelled during this statement "
			      "(transaction off: %zu of %zu statements ran)", r->notx_i, n);
	if (kept != r->notx_i)
		rt_err_detail(&r->failure, "the BEGIN ... COMMIT block around it rolled back: "
			      "statements %zu to %zu are undone", kept + 1, r->notx_i);
	rt_err_detail(&r->failure, "transaction off: %zu of %zu statements of %s ran; "
		      "retort_history entry %s is marked dirty: 'retort resolve' resumes from "
		      "statement %zu", kept, n, cur_step(r)->rev->id, r->hist_id, kept + 1);
	note_dirty(r, &r->failure);
	reset_lock_timeout(r);
	return fail_step(r, err);
}

static int
on_notx(struct run *r, struct rt_err *err)
{
	const struct rt_step *st = cur_step(r);
	PGresult *res;
	char *sql;

	if (r->is_busy) {
		int go = read_single(r, &r->cv.v[r->notx_i]);

		if (go == GO_WAIT)
			return GO_WAIT;
		r->is_busy = false;
		if (go == GO_FAIL && !r->has_failed) {
			lost_connection(r->db, &r->failure);
			r->has_failed = true;
		}
		if (r->has_failed)
			return notx_failed(r, err);
		r->got = r->notx_i;
		command_done(r);
		sql = rt_xasprintf("UPDATE %s SET statements_done = %zu WHERE id = %s", r->db->hist,
				   r->notx_i + 1, r->hist_id);
		res = rt_db_exec(r->db, sql, "retort", &r->failure);
		free(sql);
		if (!res)
			return fail_step(r, err);
		PQclear(res);
		r->notx_i++;
	}
	if (r->notx_i < r->cv.n) {
		if (r->is_cancelled) {
			rt_err_set_at(&r->failure, RT_ERR_CANCEL, r->cv.v[r->notx_i].path,
				      r->cv.v[r->notx_i].line, "cancelled before this statement "
				      "(transaction off: %zu of %zu statements ran)", r->notx_i,
				      r->cv.n);
			return notx_failed(r, err);
		}
		return send_notx(r, err);
	}
	reset_lock_timeout(r);
	if (rt_apply_finish_notx(r->db, st, r->hist_id, &r->failure) < 0)
		return fail_step(r, err);
	emit_kind(r, RT_EV_STEP_DONE, rt_clock_ms() - r->t0);
	r->si++;
	r->phase = PH_STEP;
	return GO_ON;
}

/* ---- the run ------------------------------------------------------------------ */

static int
run_stamp(struct run *r, struct rt_err *err)
{
	struct rt_buf b = { 0 };
	char *sql;
	int rc;

	stamp_now(r->started, sizeof(r->started));
	sql = rt_sqlgen_stamp(r->plan, r->db->vt, r->db->hist, &r->who);
	if (!r->in_outer_tx)
		rt_buf_puts(&b, "BEGIN;\n");
	rt_buf_puts(&b, sql);
	if (!r->in_outer_tx)
		rt_buf_puts(&b, "COMMIT;\n");
	free(sql);
	rc = rt_db_exec_ok(r->db, rt_buf_str(&b), err);
	rt_buf_free(&b);
	return rc;
}

static int
start_step(struct run *r, struct rt_err *err)
{
	const struct rt_step *st;

	if (r->si >= r->plan->nsteps) {
		r->phase = PH_END;
		return GO_ON;
	}
	st = cur_step(r);
	if (r->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "cancelled before the %s of %s; the database is at the "
			   "last completed revision", st->is_up ? "upgrade" : "downgrade", st->rev->id);
		return GO_FAIL;
	}
	emit_kind(r, RT_EV_STEP_START, 0);
	r->t0 = rt_clock_ms();
	r->attempt = 1;
	r->wait_ms = 250;
	stamp_now(r->started, sizeof(r->started));
	if (st->rev->is_transactional || r->in_outer_tx)
		return start_tx_step(r, err);
	return start_notx_step(r, err);
}

/* The outer transaction of --single-transaction / --dry-run ends (keep_open:
 * the caller ends it when the plan succeeded). */
static int
end_run(struct run *r, bool ok, struct rt_err *err)
{
	if (!r->in_outer_tx || PQstatus(r->conn) != CONNECTION_OK || (ok && r->opts.keep_open))
		return ok ? GO_DONE : GO_FAIL;
	if (!ok || r->opts.dry_run) {
		PQclear(PQexec(r->conn, "ROLLBACK"));
		return ok ? GO_DONE : GO_FAIL;
	}
	return rt_db_exec_ok(r->db, "COMMIT", err) < 0 ? GO_FAIL : GO_DONE;
}

static int
dispatch(struct run *r, struct rt_err *err)
{
	switch (r->phase) {
	case PH_STEP:
		return start_step(r, err);
	case PH_PIPE:
		return on_pipe(r, err);
	case PH_COPY:
		return on_copy(r, err);
	case PH_ROLLBACK:
		return on_rollback(r, err);
	case PH_BACKOFF:
		return on_backoff(r, err);
	case PH_NOTX:
		return on_notx(r, err);
	case PH_END:
		return end_run(r, true, err);
	}
	return GO_FAIL;
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct run *r = impl;
	int go;

	if (r->is_flushing && flush(r, err) < 0)
		return end_run(r, false, err);
	if (r->is_busy && !PQconsumeInput(r->conn)) {
		lost_connection(r->db, err);
		r->failure = *err;
		if (r->si < r->plan->nsteps)
			fail_step(r, err);
		return end_run(r, false, err);
	}
	while ((go = dispatch(r, err)) == GO_ON)
		;
	if (go == GO_FAIL)
		return end_run(r, false, err);
	return go;
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct run *r = impl;

	if (!r->is_busy || max < 1)
		return 0;
	fds[0] = (struct pollfd){ PQsocket(r->conn), POLLIN | (r->is_flushing ? POLLOUT : 0), 0 };
	return 1;
}

static void
job_cancel(void *impl)
{
	struct run *r = impl;

	r->is_cancelled = true;
	if (!r->is_busy || r->cancel_sent)
		return;
	/* the statement in flight stops now, not when it would have finished */
	rt_db_cancel_query(r->conn);
	r->cancel_sent = true;
	emit_kind(r, RT_EV_CANCELLING, 0);
}

static void
job_free(void *impl)
{
	struct run *r = impl;

	if (r->is_busy && PQstatus(r->conn) == CONNECTION_OK) {
		/* ended mid-flight (freed without running to the end): drain */
		PGresult *res;

		PQsetnonblocking(r->conn, 0);
		if (PQpipelineStatus(r->conn) != PQ_PIPELINE_OFF) {
			while ((res = PQgetResult(r->conn)) != NULL ||
			       PQpipelineStatus(r->conn) != PQ_PIPELINE_OFF) {
				if (res && PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
					PQclear(res);
					PQexitPipelineMode(r->conn);
					break;
				}
				PQclear(res);
			}
		}
		while ((res = PQgetResult(r->conn)) != NULL)
			PQclear(res);
		if (PQtransactionStatus(r->conn) != PQTRANS_IDLE)
			PQclear(PQexec(r->conn, "ROLLBACK"));
	}
	PQsetnonblocking(r->conn, 0);
	PQsetNoticeReceiver(r->conn, r->old_receiver, NULL);
	rt_cmdv_free(&r->cv);
	free(r->hist_id);
	free(r->os_user);
	free(r);
}

/* Notices and warnings of the migration's own statements (RAISE NOTICE,
 * "identifier will be truncated") reach the front end with their revision;
 * those of retort's bookkeeping (IF NOT EXISTS, ROLLBACK) do not. */
static void
on_notice(void *arg, const PGresult *res)
{
	struct run *r = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char text[1024];
	struct rt_event ev = { .kind = RT_EV_NOTICE, .text = text };

	if (r->phase != PH_PIPE && r->phase != PH_COPY && r->phase != PH_NOTX)
		return;
	if (r->si >= r->plan->nsteps || !msg)
		return;
	snprintf(text, sizeof(text), "%s: %s", sev ? sev : "NOTICE", msg);
	ev.is_warning = sev && strcmp(sev, "WARNING") == 0;
	emit(r, &ev);
}

static const struct rt_job_ops apply_ops = {
	.name = "apply",
	.fds = job_fds,
	.step = job_step,
	.cancel = job_cancel,
	.free = job_free,
};

static void
fill_who(struct run *r)
{
	const char *user = r->opts.os_user;
	struct passwd *pw;

	if (!user) {
		pw = getpwuid(geteuid());
		user = pw ? pw->pw_name : getenv("USER");
	}
	r->os_user = rt_xstrdup(user ? user : "?");
	if (gethostname(r->host, sizeof(r->host)) != 0)
		snprintf(r->host, sizeof(r->host), "?");
	r->host[sizeof(r->host) - 1] = '\0';
	r->who.os_user = r->os_user;
	r->who.host = r->host;
	r->who.started = r->started;
}

/* Lists the INVALID indexes into err's detail; returns how many. */
static size_t
detail_invalid(struct rt_db *db, struct rt_err *err)
{
	struct rt_strv idx = { 0 };
	size_t n;

	if (rt_db_invalid_indexes(db, &idx, NULL) < 0)
		return 0;
	for (size_t i = 0; i < idx.n; i++)
		rt_err_detail(err, "index %s is INVALID (left by a failed CREATE INDEX "
			      "CONCURRENTLY?)", idx.v[i]);
	n = idx.n;
	rt_strv_free(&idx);
	return n;
}

/* An interrupted transaction-off revision must be resolved before anything
 * else runs: its statements were neither all applied nor rolled back. */
static int
refuse_dirty(struct rt_db *db, struct rt_err *err)
{
	struct rt_dirty d;
	bool found;

	if (rt_db_find_dirty(db, &d, &found, err) < 0)
		return -1;
	if (!found)
		return 0;
	rt_err_set(err, RT_ERR_INPUT, "revision %s was interrupted during its %s after %d "
		   "statement%s (retort_history entry %lld); run 'retort resolve' first",
		   d.revision, d.is_up ? "upgrade" : "downgrade", d.statements_done,
		   d.statements_done == 1 ? "" : "s", d.id);
	if (d.error[0])
		rt_err_detail(err, "it failed with: %s", d.error);
	detail_invalid(db, err);
	return -1;
}

/* Every step's SQL must split before anything runs: an unterminated quote in
 * the fifth revision is bad input, not a failure after four commits. */
static int
check_splits(const struct rt_plan *plan, struct rt_err *err)
{
	for (size_t i = 0; i < plan->nsteps; i++) {
		struct rt_cmdv cv = { 0 };
		int rc = rt_sqlgen_step_body(&cv, &plan->steps[i], err);

		rt_cmdv_free(&cv);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The outer transaction, the version table and history, the dirty check. */
static int
prologue(struct run *r, struct rt_err *err)
{
	char *sql;
	int rc;

	if (r->in_outer_tx) {
		if (rt_db_exec_ok(r->db, "BEGIN", err) < 0)
			return -1;
		if (r->opts.ddl_lock_timeout_ms > 0) {
			sql = rt_xasprintf("SET LOCAL lock_timeout = %d", r->opts.ddl_lock_timeout_ms);
			rc = rt_db_exec_ok(r->db, sql, err);
			free(sql);
			if (rc < 0)
				goto rollback;
		}
	}
	rc = rt_db_setup(r->db, err);
	/* a scratch database's builds stop at their first failure: never dirty */
	if (rc == 0 && !r->resume_id && r->plan->kind != RT_PLAN_STAMP && r->plan->nsteps &&
	    !r->db->is_scratch)
		rc = refuse_dirty(r->db, err);
	if (rc == 0 && r->plan->kind == RT_PLAN_STAMP)
		rc = run_stamp(r, err);
	if (rc == 0)
		return 0;
rollback:
	if (r->in_outer_tx && PQstatus(r->conn) == CONNECTION_OK)
		PQclear(PQexec(r->conn, "ROLLBACK"));
	return -1;
}

struct rt_job *
rt_apply_run_start(struct rt_db *db, const struct rt_plan *plan,
		   const struct rt_apply_opts *opts, rt_event_fn fn, void *ctx,
		   const char *resume_id, size_t resume_from, struct rt_err *err)
{
	static const struct rt_apply_opts defaults;
	struct run *r;

	if (!opts)
		opts = &defaults;
	if (rt_sqlgen_check_plan(plan, opts, err) < 0 || check_splits(plan, err) < 0)
		return NULL;
	r = rt_xcalloc(1, sizeof(*r));
	r->db = db;
	r->conn = db->conn;
	r->plan = plan;
	r->opts = *opts;
	r->fn = fn;
	r->ctx = ctx;
	r->in_outer_tx = opts->single_transaction || opts->dry_run || opts->keep_open;
	r->resume_id = resume_id;
	r->resume_from = resume_from;
	fill_who(r);
	if (prologue(r, err) < 0) {
		free(r->os_user);
		free(r);
		return NULL;
	}
	r->phase = plan->kind == RT_PLAN_STAMP ? PH_END : PH_STEP;
	PQsetnonblocking(db->conn, 1);
	/* db.c's receiver (quiet_notice) takes no argument: NULL restores it */
	r->old_receiver = PQsetNoticeReceiver(db->conn, on_notice, r);
	return rt_job_new(&apply_ops, r);
}

struct rt_job *
rt_apply_start(struct rt_db *db, const struct rt_plan *plan, const struct rt_apply_opts *opts,
	       rt_event_fn fn, void *ctx, struct rt_err *err)
{
	return rt_apply_run_start(db, plan, opts, fn, ctx, NULL, 0, err);
}
