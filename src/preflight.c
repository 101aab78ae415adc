/* preflight.c - a plan's locks, sizes, blockers and data checks read from
 * the live database (rt_preflight.h) in one job: one SELECT at a time over
 * libpq's asynchronous API, four stages per lock (the table, who holds a
 * conflicting lock, the check's count, its sample rows). */
#include "config.h"
#include "rt_preflight.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_job.h"
#include "rt_lint.h"
#include "rt_migration.h"
#include "rt_plan.h"

enum stage { S_TABLE, S_BLOCKERS, S_COUNT, S_SAMPLES, S_NEXT };

struct pf {
	struct rt_db *db;
	struct rt_preflight *out;
	size_t cur;                /* the item being read */
	enum stage stage;
	bool is_sent;              /* a query of (cur, stage) is in flight */
	bool is_cancelled;
	bool has_failed;           /* the query in flight failed (its note is set) */
};

/* The pg_locks modes that conflict with mode (PostgreSQL's table of
 * conflicting lock modes), as a text[] literal. */
static const char *
conflicts(const char *mode)
{
	static const struct { const char *mode, *with; } t[] = {
		{ "ACCESS SHARE", "{AccessExclusiveLock}" },
		{ "ROW SHARE", "{ExclusiveLock,AccessExclusiveLock}" },
		{ "ROW EXCLUSIVE", "{ShareLock,ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}" },
		{ "SHARE UPDATE EXCLUSIVE", "{ShareUpdateExclusiveLock,ShareLock,ShareRowExclusiveLock,"
		  "ExclusiveLock,AccessExclusiveLock}" },
		{ "SHARE", "{RowExclusiveLock,ShareUpdateExclusiveLock,ShareRowExclusiveLock,"
		  "ExclusiveLock,AccessExclusiveLock}" },
		{ "SHARE ROW EXCLUSIVE", "{RowExclusiveLock,ShareUpdateExclusiveLock,ShareLock,"
		  "ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}" },
		{ "EXCLUSIVE", "{RowShareLock,RowExclusiveLock,ShareUpdateExclusiveLock,ShareLock,"
		  "ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (strcmp(t[i].mode, mode) == 0)
			return t[i].with;
	return "{AccessShareLock,RowShareLock,RowExclusiveLock,ShareUpdateExclusiveLock,ShareLock,"
	       "ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}";
}

void
rt_preflight_free(struct rt_preflight *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct rt_pf_item *it = &p->v[i];

		free(it->rev);
		free(it->path);
		free(it->what);
		free(it->table);
		rt_strv_free(&it->blockers);
		free(it->columns);
		free(it->ref_table);
		free(it->ref_columns);
		free(it->check_what);
		rt_strv_free(&it->samples);
		free(it->note);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* "a" IS NULL OR "b" IS NULL ... joined with sep, each column quoted by
 * libpq; prefix ("t.") before each. NULL when a name cannot be quoted. */
static char *
col_expr(PGconn *conn, const char *cols, const char *prefix, const char *fmt_one,
	 const char *sep)
{
	struct rt_buf b = { 0 };
	char *list = rt_xstrdup(cols), *save = NULL;
	bool first = true;

	for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		char *q = PQescapeIdentifier(conn, c, strlen(c));

		if (!q) {
			free(list);
			rt_buf_free(&b);
			return NULL;
		}
		if (!first)
			rt_buf_puts(&b, sep);
		rt_buf_printf(&b, fmt_one, prefix, q, prefix, q);
		PQfreemem(q);
		first = false;
	}
	free(list);
	return rt_buf_take(&b);
}

/* The check's SQL for the count (is_count) or the samples; NULL with the
 * item's note set when it cannot be written. */
static char *
check_sql(struct pf *f, bool is_count)
{
	struct rt_pf_item *it = &f->out->v[f->cur];
	PGconn *conn = f->db->conn;
	char *sql = NULL, *a = NULL, *b = NULL, *c = NULL, *ref = NULL;

	switch (it->check) {
	case RT_LINT_CHECK_NOT_NULL:
		if (!(a = col_expr(conn, it->columns, "", "%s%s IS NULL%.0s%.0s", " OR ")))
			break;
		sql = is_count ? rt_xasprintf("SELECT count(*) FROM %s WHERE %s", it->table, a) :
		      rt_xasprintf("SELECT row_to_json(s)::text FROM (SELECT * FROM %s WHERE %s "
				   "LIMIT %d) s", it->table, a, RT_PREFLIGHT_SAMPLES);
		break;
	case RT_LINT_CHECK_UNIQUE:
	case RT_LINT_CHECK_PRIMARY_KEY:
		if (!(a = col_expr(conn, it->columns, "", "%s%s%.0s%.0s", ", ")) ||
		    !(b = col_expr(conn, it->columns, "", "%s%s IS NOT NULL%.0s%.0s", " AND ")) ||
		    !(c = col_expr(conn, it->columns, "", "%s%s IS NULL%.0s%.0s", " OR ")))
			break;
		/* rows in a duplicate group; a primary key's NULLs count too */
		if (is_count)
			sql = rt_xasprintf("SELECT coalesce((SELECT sum(n) FROM (SELECT count(*) AS n "
					   "FROM %s WHERE %s GROUP BY %s HAVING count(*) > 1) d), 0)%s%s"
					   "%s%s", it->table, b, a,
					   it->check == RT_LINT_CHECK_PRIMARY_KEY ?
					   " + (SELECT count(*) FROM " : "",
					   it->check == RT_LINT_CHECK_PRIMARY_KEY ? it->table : "",
					   it->check == RT_LINT_CHECK_PRIMARY_KEY ? " WHERE " : "",
					   it->check == RT_LINT_CHECK_PRIMARY_KEY ? c : "");
		if (is_count && it->check == RT_LINT_CHECK_PRIMARY_KEY) {
			char *t = sql;

			sql = rt_xasprintf("%s)", t);
			free(t);
		}
		if (!is_count)
			sql = rt_xasprintf("SELECT row_to_json(s)::text FROM (SELECT %s, count(*) AS "
					   "count FROM %s WHERE %s GROUP BY %s HAVING count(*) > 1 "
					   "ORDER BY count(*) DESC LIMIT %d) s", a, it->table, b, a,
					   RT_PREFLIGHT_SAMPLES);
		break;
	case RT_LINT_CHECK_FOREIGN_KEY:
		if (!it->ref_table || !it->ref_columns) {
			it->note = rt_xstrdup("the referenced columns are not written: not checked");
			break;
		}
		ref = PQescapeIdentifier(conn, it->ref_table, strlen(it->ref_table));
		if (!ref || !(b = col_expr(conn, it->columns, "t.", "%s%s IS NOT NULL%.0s%.0s",
					   " AND ")))
			break;
		{
			/* r.x = t.a AND r.y = t.b: the two lists side by side */
			struct rt_buf eq = { 0 };
			char *l1 = rt_xstrdup(it->columns), *l2 = rt_xstrdup(it->ref_columns);
			char *s1 = NULL, *s2 = NULL, *x = strtok_r(l1, ",", &s1);
			char *y = strtok_r(l2, ",", &s2);

			for (bool first = true; x && y; first = false) {
				char *qx = PQescapeIdentifier(conn, x, strlen(x));
				char *qy = PQescapeIdentifier(conn, y, strlen(y));

				if (qx && qy)
					rt_buf_printf(&eq, "%sr.%s = t.%s", first ? "" : " AND ", qy, qx);
				PQfreemem(qx);
				PQfreemem(qy);
				x = strtok_r(NULL, ",", &s1);
				y = strtok_r(NULL, ",", &s2);
			}
			free(l1);
			free(l2);
			a = rt_buf_take(&eq);
		}
		sql = is_count ? rt_xasprintf("SELECT count(*) FROM %s t WHERE %s AND NOT EXISTS "
					      "(SELECT FROM %s r WHERE %s)", it->table, b, ref, a) :
		      rt_xasprintf("SELECT row_to_json(s)::text FROM (SELECT t.* FROM %s t WHERE %s "
				   "AND NOT EXISTS (SELECT FROM %s r WHERE %s) LIMIT %d) s", it->table,
				   b, ref, a, RT_PREFLIGHT_SAMPLES);
		break;
	default:
		break;
	}
	PQfreemem(ref);
	free(a);
	free(b);
	free(c);
	return sql;
}

/* Sends the query of (cur, stage): 1 sent, 0 nothing to send for this
 * stage, -1 with err. */
static int
send_stage(struct pf *f, struct rt_err *err)
{
	struct rt_pf_item *it = &f->out->v[f->cur];
	const char *params[2] = { 0 };
	char *sql = NULL;
	int n = 0, ok;

	switch (f->stage) {
	case S_TABLE:
		/* an index (DROP INDEX) stands for its table */
		sql = rt_xstrdup("SELECT t.oid::regclass::text, pg_total_relation_size(t.oid),"
				 " t.reltuples::bigint FROM pg_class c"
				 " LEFT JOIN pg_index x ON x.indexrelid = c.oid"
				 " JOIN pg_class t ON t.oid = coalesce(x.indrelid, c.oid)"
				 " WHERE c.oid = to_regclass(quote_ident($1))");
		params[0] = it->table;
		n = 1;
		break;
	case S_BLOCKERS:
		if (!it->exists)
			return 0;
		sql = rt_xstrdup("SELECT format('pid %s (%s, user %s): %s%s, %s%s', a.pid,"
				 " coalesce(nullif(a.application_name, ''), 'no application'),"
				 " a.usename, l.mode, CASE WHEN l.granted THEN '' ELSE ' (waiting)' END,"
				 " coalesce(a.state, '?'), coalesce(', transaction open for ' ||"
				 " (extract(epoch FROM now() - a.xact_start)::int)::text || ' s', ''))"
				 " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
				 " WHERE l.locktype = 'relation' AND l.relation = to_regclass($1)"
				 " AND l.database = (SELECT oid FROM pg_database"
				 "                   WHERE datname = current_database())"
				 " AND l.pid <> pg_backend_pid() AND l.mode = ANY ($2::text[])"
				 " ORDER BY a.xact_start NULLS LAST, a.pid");
		params[0] = it->table;
		params[1] = conflicts(it->mode);
		n = 2;
		break;
	case S_COUNT:
	case S_SAMPLES:
		if (!it->exists || it->check == RT_LINT_CHECK_NONE || it->note ||
		    (f->stage == S_SAMPLES && it->count <= 0))
			return 0;
		if (!(sql = check_sql(f, f->stage == S_COUNT)))
			return 0;
		break;
	case S_NEXT:
		return 0;
	}
	ok = PQsendQueryParams(f->db->conn, sql, n, NULL, n ? params : NULL, NULL, NULL, 0);
	free(sql);
	if (!ok) {
		rt_err_set(err, RT_ERR_RUN, "preflight: %s", PQerrorMessage(f->db->conn));
		return -1;
	}
	f->is_sent = true;
	f->has_failed = false;
	return 1;
}

static void
store(struct pf *f, PGresult *res)
{
	struct rt_pf_item *it = &f->out->v[f->cur];

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (!it->note)
			it->note = rt_xasprintf("cannot check now: %s",
						PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ?
						PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "?");
		f->has_failed = true;
		return;
	}
	switch (f->stage) {
	case S_TABLE:
		if (PQntuples(res) == 1) {
			it->exists = true;
			free(it->table);
			it->table = rt_xstrdup(PQgetvalue(res, 0, 0));
			it->bytes = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
			it->rows = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		}
		break;
	case S_BLOCKERS:
		for (int i = 0; i < PQntuples(res); i++)
			rt_strv_push(&it->blockers, PQgetvalue(res, i, 0));
		break;
	case S_COUNT:
		if (PQntuples(res) == 1)
			it->count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		break;
	case S_SAMPLES:
		for (int i = 0; i < PQntuples(res); i++)
			rt_strv_push(&it->samples, PQgetvalue(res, i, 0));
		break;
	case S_NEXT:
		break;
	}
}

/* Moves on to the next stage (or item) with a query, sending it: 1 sent,
 * 0 all done, -1 with err. */
static int
advance(struct pf *f, struct rt_err *err)
{
	int rc;

	while (f->cur < f->out->n) {
		f->stage++;
		if (f->stage == S_NEXT) {
			f->cur++;
			f->stage = S_TABLE;
			if (f->cur >= f->out->n)
				break;
			if ((rc = send_stage(f, err)) != 0)
				return rc;
			continue;
		}
		if ((rc = send_stage(f, err)) != 0)
			return rc;
	}
	return 0;
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct pf *f = impl;
	PGresult *res;

	if (f->cur >= f->out->n)
		return 0;
	if (!PQconsumeInput(f->db->conn)) {
		rt_err_set(err, RT_ERR_RUN, "preflight: %s", PQerrorMessage(f->db->conn));
		return -1;
	}
	while (!PQisBusy(f->db->conn)) {
		if (!(res = PQgetResult(f->db->conn))) {
			f->is_sent = false;
			if (f->is_cancelled) {
				rt_err_set(err, RT_ERR_CANCEL, "preflight cancelled; nothing changed");
				return -1;
			}
			return advance(f, err);
		}
		if (f->is_cancelled && PQresultStatus(res) == PGRES_FATAL_ERROR) {
			PQclear(res);
			continue;
		}
		store(f, res);
		PQclear(res);
	}
	return 1;
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct pf *f = impl;

	if (!max || !f->is_sent)
		return 0;
	fds[0] = (struct pollfd){ PQsocket(f->db->conn), POLLIN, 0 };
	return 1;
}

static void
job_cancel(void *impl)
{
	struct pf *f = impl;

	f->is_cancelled = true;
	if (f->is_sent)
		rt_db_cancel_query(f->db->conn);
}

static void
job_free(void *impl)
{
	struct pf *f = impl;
	PGresult *res;

	if (f->is_sent) {
		rt_db_cancel_query(f->db->conn);
		while ((res = PQgetResult(f->db->conn)))
			PQclear(res);
	}
	free(f);
}

static const struct rt_job_ops pf_ops = {
	.name = "preflight", .fds = job_fds, .step = job_step, .cancel = job_cancel,
	.free = job_free,
};

/* A short description of what the check counts. */
static char *
check_what(const struct rt_pf_item *it)
{
	switch (it->check) {
	case RT_LINT_CHECK_NOT_NULL:
		return rt_xasprintf("rows with NULL in %s", it->columns);
	case RT_LINT_CHECK_UNIQUE:
		return rt_xasprintf("rows with duplicate (%s)", it->columns);
	case RT_LINT_CHECK_PRIMARY_KEY:
		return rt_xasprintf("rows with duplicate or NULL (%s)", it->columns);
	case RT_LINT_CHECK_FOREIGN_KEY:
		return rt_xasprintf("orphan rows: (%s) not in %s%s%s%s", it->columns,
				    it->ref_table ? it->ref_table : "?", it->ref_columns ? " (" : "",
				    it->ref_columns ? it->ref_columns : "", it->ref_columns ? ")" : "");
	default:
		return NULL;
	}
}

static void
add_items(struct rt_preflight *out, const struct rt_step *st, const struct rt_lint_locks *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct rt_lint_lock *k = &l->v[i];
		struct rt_pf_item *it;

		out->v = rt_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		it = &out->v[out->n++];
		memset(it, 0, sizeof(*it));
		it->rev = rt_xstrdup(st->rev->id);
		it->path = rt_xstrdup(st->rev->path ? st->rev->path : "");
		it->line = k->line;
		it->is_up = st->is_up;
		it->what = rt_xstrdup(k->what);
		it->table = rt_xstrdup(k->table);
		it->mode = k->mode;
		it->bytes = it->rows = it->count = -1;
		it->check = k->check;
		it->columns = k->columns ? rt_xstrdup(k->columns) : NULL;
		it->ref_table = k->ref_table ? rt_xstrdup(k->ref_table) : NULL;
		it->ref_columns = k->ref_columns ? rt_xstrdup(k->ref_columns) : NULL;
		if (it->check != RT_LINT_CHECK_NONE && !it->columns)
			it->check = RT_LINT_CHECK_NONE;
		it->check_what = check_what(it);
	}
}

struct rt_job *
rt_preflight_start(struct rt_db *db, const struct rt_plan *plan, struct rt_preflight *out,
		   struct rt_err *err)
{
	struct pf *f;
	int rc;

	for (size_t i = 0; i < plan->nsteps; i++) {
		struct rt_lint_locks l = { 0 };

		if (rt_lint_locks(plan->steps[i].rev, plan->steps[i].is_up, &l, err) < 0) {
			rt_lint_locks_free(&l);
			return NULL;
		}
		add_items(out, &plan->steps[i], &l);
		rt_lint_locks_free(&l);
	}
	f = rt_xcalloc(1, sizeof(*f));
	f->db = db;
	f->out = out;
	f->stage = S_TABLE;
	if (out->n && (rc = send_stage(f, err)) < 0) {
		free(f);
		return NULL;
	}
	if (!out->n)
		f->cur = 0;
	return rt_job_new(&pf_ops, f);
}
