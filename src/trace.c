/* trace.c - a revision's upgrade run in a rolled-back transaction in a
 * shadow database, with the locks and rewrites read from the server
 * (rt_trace.h). */
#include "config.h"
#include "rt_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_schema.h"
#include "rt_sqlsplit.h"

/* Relations of the user's schemas that exist now, with their files. */
static const char snapshot_sql[] =
	"SELECT c.oid::text, c.relfilenode::text, c.oid::regclass::text FROM pg_class c"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'm', 'p', 'i')"
	"   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
	"   AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'";

/* The relation locks this backend holds, as oid and mode. */
static const char locks_sql[] =
	"SELECT relation::text, mode FROM pg_locks WHERE pid = pg_backend_pid()"
	" AND locktype = 'relation' AND granted";

struct snap {
	struct rt_strv oid, file, name;
};

static void
snap_free(struct snap *s)
{
	rt_strv_free(&s->oid);
	rt_strv_free(&s->file);
	rt_strv_free(&s->name);
}

static long
snap_find(const struct snap *s, const char *oid)
{
	for (size_t i = 0; i < s->oid.n; i++)
		if (strcmp(s->oid.v[i], oid) == 0)
			return (long)i;
	return -1;
}

static void
snapshot(PGresult *res, struct snap *s)
{
	snap_free(s);
	for (int i = 0; i < PQntuples(res); i++) {
		rt_strv_push(&s->oid, PQgetvalue(res, i, 0));
		rt_strv_push(&s->file, PQgetvalue(res, i, 1));
		rt_strv_push(&s->name, PQgetvalue(res, i, 2));
	}
}

/* "AccessExclusiveLock" as "ACCESS EXCLUSIVE". */
static char *
mode_name(const char *m)
{
	struct rt_buf b = { 0 };
	size_t len = strlen(m);

	if (len > 4 && strcmp(m + len - 4, "Lock") == 0)
		len -= 4;
	for (size_t i = 0; i < len; i++) {
		if (i && m[i] >= 'A' && m[i] <= 'Z')
			rt_buf_putc(&b, ' ');
		rt_buf_putc(&b, (char)(m[i] >= 'a' && m[i] <= 'z' ? m[i] - 32 : m[i]));
	}
	return rt_buf_take(&b);
}

static void
add_event(struct rt_trace *t, int line, const char *kind, const char *rel, char *mode)
{
	struct rt_trace_event *e;

	t->v = rt_xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	e = &t->v[t->n++];
	e->line = line;
	e->kind = rt_xstrdup(kind);
	e->relation = rt_xstrdup(rel);
	e->mode = mode;
}

/* After the statement at line: the relation locks res lists that are new
 * on relations of before. */
static void
observe_locks(PGresult *res, int line, const struct snap *before, struct rt_strv *seen,
	      struct rt_trace *t)
{
	for (int i = 0; i < PQntuples(res); i++) {
		const char *oid = PQgetvalue(res, i, 0), *mode = PQgetvalue(res, i, 1);
		long k = snap_find(before, oid);
		char *key;

		if (k < 0)
			continue;
		key = rt_xasprintf("%s %s", oid, mode);
		if (!rt_strv_contains(seen, key)) {
			rt_strv_push(seen, key);
			add_event(t, line, "lock", before->name.v[k], mode_name(mode));
		}
		free(key);
	}
}

/* ... and the relations of before whose file changed since last (then last
 * is now). */
static void
observe_files(struct snap *now, int line, const struct snap *before, struct snap *last,
	      struct rt_trace *t)
{
	for (size_t i = 0; i < last->oid.n; i++) {
		long k = snap_find(now, last->oid.v[i]);

		if (k >= 0 && strcmp(now->file.v[k], last->file.v[i]) != 0 &&
		    snap_find(before, last->oid.v[i]) >= 0)
			add_event(t, line, "rewrite", now->name.v[k], NULL);
	}
	snap_free(last);
	*last = *now;
	memset(now, 0, sizeof(*now));
}

void
rt_trace_free(struct rt_trace *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].kind);
		free(t->v[i].relation);
		free(t->v[i].mode);
	}
	free(t->v);
	free(t->note);
	memset(t, 0, sizeof(*t));
}

/* ---- the trace of one revision on a shadow connection, as a job ---------------- */

/* What the query in flight is. */
enum phase { P_BEGIN, P_SNAP0, P_LOCKS0, P_STMT, P_LOCKS, P_SNAP, P_ROLLBACK, P_END };

struct tracer {
	PGconn *conn;
	const struct rt_rev *rev;
	struct rt_trace *out;
	struct rt_stmt_list stmts;
	size_t i;                   /* the statement traced */
	enum phase ph;
	bool is_sent;               /* a query is in flight */
	bool is_cancelled;
	bool is_failed;             /* a query of its own failed: fail, after ROLLBACK */
	struct rt_err fail;         /* ... why */
	PGresult *res;              /* the in-flight query's last result */
	struct snap before, last;
	struct rt_strv seen;
};

/* The SQL of the phase ph (statement i for P_STMT). */
static const char *
phase_sql(const struct tracer *t)
{
	switch (t->ph) {
	case P_BEGIN: return "BEGIN";
	case P_SNAP0: case P_SNAP: return snapshot_sql;
	case P_LOCKS0: case P_LOCKS: return locks_sql;
	case P_STMT: return t->stmts.v[t->i].sql;
	case P_ROLLBACK: return "ROLLBACK";
	default: return NULL;
	}
}

/* Sends the phase's query: 0, or -1 with err. */
static int
tracer_send(struct tracer *t, struct rt_err *err)
{
	if (!PQsendQuery(t->conn, phase_sql(t)) || PQflush(t->conn) < 0) {
		rt_err_set(err, RT_ERR_RUN, "tracing %s: %s", t->rev->id, PQerrorMessage(t->conn));
		return -1;
	}
	t->is_sent = true;
	return 0;
}

/* The statement at i cannot be traced: why, in the note, then ROLLBACK. */
static void
tracer_stop(struct tracer *t, char *note)
{
	if (!t->out->note)
		t->out->note = note;
	else
		free(note);
	t->ph = P_ROLLBACK;
}

/* The in-flight query finished with res (may be NULL): what comes next.
 * 0, or -1 with err. */
static int
tracer_next(struct tracer *t, PGresult *res, struct rt_err *err)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!msg)
		msg = PQerrorMessage(t->conn);
	if (t->is_cancelled) {
		t->ph = t->ph == P_ROLLBACK || t->ph == P_BEGIN ? P_END : P_ROLLBACK;
		return 0;
	}
	if (t->ph == P_STMT && !ok) {
		tracer_stop(t, rt_xasprintf("line %d failed in the shadow database: %s; traced up "
					    "to there", t->stmts.v[t->i].line, msg));
		return 0;
	}
	if (!ok) {
		rt_err_set(err, RT_ERR_RUN, "tracing %s: %s", t->rev->id, msg);
		if (t->ph == P_ROLLBACK || t->ph == P_BEGIN)
			return -1;
		t->fail = *err;
		t->is_failed = true;
		t->ph = P_ROLLBACK;
		return 0;
	}
	switch (t->ph) {
	case P_BEGIN:
		t->ph = P_SNAP0;
		break;
	case P_SNAP0:
		snapshot(res, &t->before);
		snapshot(res, &t->last);
		t->ph = P_LOCKS0;
		break;
	case P_LOCKS0:
		/* what reading the catalog itself holds is not the revision's */
		for (int i = 0; i < PQntuples(res); i++)
			rt_strv_push_take(&t->seen, rt_xasprintf("%s %s", PQgetvalue(res, i, 0),
								 PQgetvalue(res, i, 1)));
		t->ph = P_STMT;
		break;
	case P_STMT:
		t->ph = P_LOCKS;
		break;
	case P_LOCKS:
		observe_locks(res, t->stmts.v[t->i].line, &t->before, &t->seen, t->out);
		t->ph = P_SNAP;
		break;
	case P_SNAP: {
		struct snap now = { 0 };

		snapshot(res, &now);
		observe_files(&now, t->stmts.v[t->i].line, &t->before, &t->last, t->out);
		t->i++;
		t->ph = P_STMT;
		break;
	}
	case P_ROLLBACK:
		t->ph = P_END;
		if (t->is_failed)
			*err = t->fail;
		return t->is_failed ? -1 : 0;
	default:
		break;
	}
	if (t->ph == P_STMT) {
		if (t->i >= t->stmts.n)
			t->ph = P_ROLLBACK;
		else if (t->stmts.v[t->i].copy_data || t->stmts.v[t->i].sql[0] == '\\')
			tracer_stop(t, rt_xasprintf("line %d: COPY data and psql meta-commands are "
						    "not traced; traced up to there",
						    t->stmts.v[t->i].line));
	}
	return 0;
}

static int
tracer_step(void *impl, struct rt_err *err)
{
	struct tracer *t = impl;

	if (t->ph == P_END)
		goto end;
	if (!t->is_sent) {
		if (tracer_send(t, err) < 0)
			return -1;
	}
	if (PQflush(t->conn) < 0 || !PQconsumeInput(t->conn)) {
		rt_err_set(err, RT_ERR_RUN, "tracing %s: %s", t->rev->id, PQerrorMessage(t->conn));
		return -1;
	}
	while (t->is_sent && !PQisBusy(t->conn)) {
		PGresult *res = PQgetResult(t->conn);

		if (res) {
			PQclear(t->res);
			t->res = res;
			continue;
		}
		t->is_sent = false;
		res = t->res;
		t->res = NULL;
		if (tracer_next(t, res, err) < 0) {
			PQclear(res);
			t->ph = P_END;
			return -1;
		}
		PQclear(res);
		if (t->ph == P_END)
			goto end;
		if (tracer_send(t, err) < 0)
			return -1;
		if (PQflush(t->conn) < 0 || !PQconsumeInput(t->conn)) {
			rt_err_set(err, RT_ERR_RUN, "tracing %s: %s", t->rev->id,
				   PQerrorMessage(t->conn));
			return -1;
		}
	}
	return 1;
end:
	if (t->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "trace cancelled");
		return -1;
	}
	return 0;
}

static size_t
tracer_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct tracer *t = impl;

	if (!max || !t->is_sent)
		return 0;
	fds[0] = (struct pollfd){ PQsocket(t->conn), POLLIN, 0 };
	if (PQflush(t->conn) == 1)
		fds[0].events |= POLLOUT;
	return 1;
}

static void
tracer_cancel(void *impl)
{
	struct tracer *t = impl;

	if (t->is_cancelled)
		return;
	t->is_cancelled = true;
	if (t->is_sent)
		rt_db_cancel_query(t->conn);
}

static void
tracer_free(void *impl)
{
	struct tracer *t = impl;
	PGresult *res;

	if (!t)
		return;
	if (t->is_sent) {
		rt_db_cancel_query(t->conn);
		while ((res = PQgetResult(t->conn)))
			PQclear(res);
	}
	if (t->ph != P_END && t->ph != P_BEGIN) {
		/* stopped the hard way: leave nothing of the revision behind */
		PQsetnonblocking(t->conn, 0);
		PQclear(PQexec(t->conn, "ROLLBACK"));
	}
	PQsetnonblocking(t->conn, 0);
	PQclear(t->res);
	rt_stmt_list_free(&t->stmts);
	snap_free(&t->before);
	snap_free(&t->last);
	rt_strv_free(&t->seen);
	free(t);
}

static const struct rt_job_ops tracer_ops = {
	.name = "trace", .fds = tracer_fds, .step = tracer_step, .cancel = tracer_cancel,
	.free = tracer_free,
};

/* A tracer of rev on shadow, or NULL with err; with *out_note set and no
 * tracer (NULL, err untouched) when rev is not traced at all. */
static struct tracer *
tracer_new(struct rt_db *shadow, const struct rt_rev *rev, struct rt_trace *out,
	   struct rt_err *err)
{
	struct tracer *t;

	if (!rev->is_transactional) {
		out->note = rt_xstrdup("transaction off: not traced (its statements cannot run "
				       "inside a transaction)");
		return NULL;
	}
	t = rt_xcalloc(1, sizeof(*t));
	t->conn = shadow->conn;
	t->rev = rev;
	t->out = out;
	if (rt_sql_split(rev->upgrade, rev->upgrade_body_line, &t->stmts, err) < 0) {
		rt_err_locate(err, rev->path);
		tracer_free(t);
		return NULL;
	}
	if (PQsetnonblocking(t->conn, 1) != 0) {
		rt_err_set(err, RT_ERR_RUN, "tracing %s: %s", rev->id, PQerrorMessage(t->conn));
		tracer_free(t);
		return NULL;
	}
	return t;
}

int
rt_trace_rev(struct rt_db *shadow, const struct rt_rev *rev, struct rt_trace *out,
	     struct rt_err *err)
{
	struct tracer *t = tracer_new(shadow, rev, out, err);
	struct rt_job *job;
	int rc;

	if (!t)
		return out->note ? 0 : -1;
	job = rt_job_new(&tracer_ops, t);
	rc = rt_job_run(job, err);
	rt_job_free(job);
	return rc;
}

/* ---- rt_trace_start: the shadow built at the parents, then the trace ------------- */

struct trace_job {
	struct rt_db *live;
	const struct rt_graph *g;
	size_t node;
	struct rt_trace *out;
	struct rt_schema_build *b;
	size_t parent;              /* the next parent (then depends_on) to upgrade to */
	struct rt_job *sub;         /* the build's apply job, then the tracer */
	bool is_tracing;
	bool is_cancelled;
};

/* Drops the shadow: 0, or -1 with err when that failed (and err is free). */
static int
trace_drop(struct trace_job *j, struct rt_err *err, int rc)
{
	struct rt_err e = { 0 };

	rt_job_free(j->sub);
	j->sub = NULL;
	if (rt_schema_build_free(j->b, &e) < 0 && rc == 0) {
		*err = e;
		rc = -1;
	}
	j->b = NULL;
	return rc;
}

/* Starts the next sub-job: the build up to the next parent, else the
 * tracer. 1 started, 0 nothing left to run, -1 with err. */
static int
trace_next(struct trace_job *j, struct rt_err *err)
{
	const struct rt_node *n = rt_graph_node(j->g, j->node);
	struct tracer *t;

	while (!j->is_tracing && j->parent < n->nparents + n->ndeps) {
		size_t k = j->parent < n->nparents ? n->parents[j->parent] :
			   n->deps[j->parent - n->nparents];
		const char *id = rt_graph_node(j->g, k)->rev->id;
		int r;

		j->parent++;
		r = rt_schema_build_start(j->b, j->g, true, id, &j->sub, err);
		if (r != 0)
			return r;
	}
	if (j->is_tracing)
		return 0;
	j->is_tracing = true;
	if (!(t = tracer_new(rt_schema_build_db(j->b), n->rev, j->out, err)))
		return j->out->note ? 0 : -1;
	j->sub = rt_job_new(&tracer_ops, t);
	return 1;
}

static int
trace_step(void *impl, struct rt_err *err)
{
	struct trace_job *j = impl;
	int rc;

	if (!j->b)
		return 0;
	for (;;) {
		if (j->sub) {
			rc = rt_job_step(j->sub, err);
			if (rc == 1)
				return 1;
			rt_job_free(j->sub);
			j->sub = NULL;
			if (rc < 0)
				return trace_drop(j, err, -1);
		}
		if (j->is_cancelled) {
			rt_err_set(err, RT_ERR_CANCEL, "trace cancelled");
			return trace_drop(j, err, -1);
		}
		rc = trace_next(j, err);
		if (rc < 0)
			return trace_drop(j, err, -1);
		if (rc == 0)
			return trace_drop(j, err, 0);
	}
}

static size_t
trace_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct trace_job *j = impl;

	return j->sub ? rt_job_fds(j->sub, fds, max) : 0;
}

static void
trace_cancel(void *impl)
{
	struct trace_job *j = impl;

	j->is_cancelled = true;
	if (j->sub)
		rt_job_cancel(j->sub);
}

static void
trace_free(void *impl)
{
	struct trace_job *j = impl;

	trace_drop(j, &(struct rt_err){ 0 }, 0);
	free(j);
}

static const struct rt_job_ops trace_ops = {
	.name = "trace", .fds = trace_fds, .step = trace_step, .cancel = trace_cancel,
	.free = trace_free,
};

struct rt_job *
rt_trace_start(struct rt_db *live, const char *shadow_url, const struct rt_graph *g, size_t node,
	       struct rt_trace *out, struct rt_err *err)
{
	struct trace_job *j;

	if (node >= rt_graph_count(g)) {
		rt_err_set(err, RT_ERR_INPUT, "trace: no such revision");
		return NULL;
	}
	j = rt_xcalloc(1, sizeof(*j));
	j->live = live;
	j->g = g;
	j->node = node;
	j->out = out;
	if (!(j->b = rt_schema_build_new(live, shadow_url, err))) {
		free(j);
		return NULL;
	}
	return rt_job_new(&trace_ops, j);
}
