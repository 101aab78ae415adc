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
#include "rt_mem.h"
#include "rt_migration.h"
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

static int
snapshot(struct rt_db *db, struct snap *s, struct rt_err *err)
{
	PGresult *res = rt_db_exec(db, snapshot_sql, "tracing: reading pg_class", err);

	if (!res)
		return -1;
	snap_free(s);
	for (int i = 0; i < PQntuples(res); i++) {
		rt_strv_push(&s->oid, PQgetvalue(res, i, 0));
		rt_strv_push(&s->file, PQgetvalue(res, i, 1));
		rt_strv_push(&s->name, PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return 0;
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

/* After the statement at line: new locks on relations of before, and
 * relations of before whose file changed since last (then last is now). */
static int
observe(struct rt_db *db, int line, const struct snap *before, struct snap *last,
	struct rt_strv *seen, struct rt_trace *t, struct rt_err *err)
{
	PGresult *res = rt_db_exec(db, locks_sql, "tracing: reading pg_locks", err);
	struct snap now = { 0 };

	if (!res)
		return -1;
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
	PQclear(res);
	if (snapshot(db, &now, err) < 0)
		return -1;
	for (size_t i = 0; i < last->oid.n; i++) {
		long k = snap_find(&now, last->oid.v[i]);

		if (k >= 0 && strcmp(now.file.v[k], last->file.v[i]) != 0 &&
		    snap_find(before, last->oid.v[i]) >= 0)
			add_event(t, line, "rewrite", now.name.v[k], NULL);
	}
	snap_free(last);
	*last = now;
	return 0;
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

int
rt_trace_rev(struct rt_db *shadow, const struct rt_rev *rev, struct rt_trace *out,
	     struct rt_err *err)
{
	struct rt_stmt_list stmts = { 0 };
	struct snap before = { 0 }, last = { 0 };
	struct rt_strv seen = { 0 };
	int rc = -1;

	if (!rev->is_transactional) {
		out->note = rt_xstrdup("transaction off: not traced (its statements cannot run "
				       "inside a transaction)");
		return 0;
	}
	if (rt_sql_split(rev->upgrade, rev->upgrade_body_line, &stmts, err) < 0) {
		rt_err_locate(err, rev->path);
		return -1;
	}
	if (rt_db_exec_ok(shadow, "BEGIN", err) < 0)
		goto out;
	if (snapshot(shadow, &before, err) < 0 || snapshot(shadow, &last, err) < 0)
		goto rollback;
	/* what reading the catalog itself holds is not the revision's */
	{
		PGresult *res = rt_db_exec(shadow, locks_sql, "tracing: reading pg_locks", err);

		if (!res)
			goto rollback;
		for (int i = 0; i < PQntuples(res); i++)
			rt_strv_push_take(&seen, rt_xasprintf("%s %s", PQgetvalue(res, i, 0),
							      PQgetvalue(res, i, 1)));
		PQclear(res);
	}
	for (size_t i = 0; i < stmts.n; i++) {
		PGresult *res = PQexec(shadow->conn, stmts.v[i].sql);
		ExecStatusType st = PQresultStatus(res);

		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			out->note = rt_xasprintf("line %d failed in the shadow database: %s; traced "
						 "up to there", stmts.v[i].line,
						 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ?
						 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
						 PQerrorMessage(shadow->conn));
			PQclear(res);
			rc = 0;
			goto rollback;
		}
		PQclear(res);
		if (observe(shadow, stmts.v[i].line, &before, &last, &seen, out, err) < 0)
			goto rollback;
	}
	rc = 0;
rollback:
	if (rt_db_exec_ok(shadow, "ROLLBACK", rc == 0 ? err : NULL) < 0)
		rc = -1;
out:
	rt_stmt_list_free(&stmts);
	snap_free(&before);
	snap_free(&last);
	rt_strv_free(&seen);
	return rc;
}
