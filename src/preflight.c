/* preflight.c - a plan's locks, sizes, blockers, data checks and time
 * estimates read from the live database (rt_preflight.h) in one job: one
 * query at a time over libpq's asynchronous API, five stages per lock (the
 * table, a type change's column, who holds a conflicting lock, the check's
 * count, its sample rows), then one throughput probe for the estimates. */
#include "config.h"
#include "rt_preflight.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_err.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_lint.h"
#include "rt_migration.h"
#include "rt_plan.h"

enum stage { S_TABLE, S_TYPE, S_BLOCKERS, S_COUNT, S_SAMPLES, S_NEXT };

/* Every check's query runs after these, in the same implicit transaction:
 * read-only, and it gives up rather than wait behind a lock. */
#define CHECK_PREFIX "SET LOCAL lock_timeout = '" RT_PREFLIGHT_LOCK_TIMEOUT "'; " \
	"SET LOCAL statement_timeout = '" RT_PREFLIGHT_STATEMENT_TIMEOUT "'; " \
	"SET TRANSACTION READ ONLY; "

/* The SQLSTATE the row-by-row cast check raises to hand back its result. */
#define CAST_SQLSTATE "RTPF1"
#define CAST_TAG "$rt_preflight$"

struct pf {
	struct rt_db *db;
	struct rt_preflight *out;
	size_t cur;                /* the item being read */
	enum stage stage;
	bool is_sent;              /* a query of (cur, stage) is in flight */
	bool is_cancelled;
	bool has_failed;           /* the query in flight failed (its note is set) */
	bool is_probing;           /* the query in flight is the throughput probe */
	bool is_probed;
	long long block_size;
	bool is_cast_loop;         /* the current item's bulk cast failed: count row by row */
	bool is_done;
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
		free(it->new_type);
		free(it->using_expr);
		free(it->old_type);
		free(it->estimate);
		free(it->basis);
	}
	free(p->v);
	free(p->probe.table);
	free(p->probe.note);
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

/* The value ALTER COLUMN TYPE converts: its USING, else the column. */
static char *
cast_expr(PGconn *conn, const struct rt_pf_item *it)
{
	char *q, *e;

	if (it->using_expr)
		return rt_xasprintf("(%s)", it->using_expr);
	if (!(q = PQescapeIdentifier(conn, it->columns, strlen(it->columns))))
		return NULL;
	e = rt_xstrdup(q);
	PQfreemem(q);
	return e;
}

/* The cast check: a bulk cast of every row (is_count; it fails at the
 * first bad value), or a DO block that converts the first
 * RT_PREFLIGHT_CAST_ROWS rows one at a time as ALTER TABLE does (an
 * assignment, which checks a length), each in its own subtransaction, and
 * raises CAST_SQLSTATE with "failed read bounded" and the sample rows in its
 * DETAIL: nothing is written, a read-only transaction allows it. */
static char *
cast_sql(struct pf *f, bool is_count)
{
	struct rt_pf_item *it = &f->out->v[f->cur];
	char *e = cast_expr(f->db->conn, it), *sql;

	if (!e || !it->new_type) {
		free(e);
		return NULL;
	}
	if (is_count) {
		sql = rt_xasprintf(CHECK_PREFIX "SELECT count((%s)::%s) FROM %s", e, it->new_type,
				   it->table);
		free(e);
		return sql;
	}
	if (strstr(e, CAST_TAG) || strstr(it->new_type, CAST_TAG) || strstr(it->table, CAST_TAG)) {
		it->note = rt_xstrdup("the statement holds " CAST_TAG ": not checked");
		free(e);
		return NULL;
	}
	sql = rt_xasprintf(CHECK_PREFIX "DO " CAST_TAG "\n"
		"#variable_conflict use_column\n"
		"DECLARE rt_pf_r record; rt_pf_v %s; rt_pf_n bigint := 0; rt_pf_seen bigint := 0;\n"
		"  rt_pf_s text := '';\n"
		"BEGIN\n"
		"  FOR rt_pf_r IN SELECT t.tableoid AS rt_rel, t.ctid AS rt_ctid,\n"
		"                        row_to_json(t)::text AS rt_row\n"
		"                 FROM %s t LIMIT %d LOOP\n"
		"    rt_pf_seen := rt_pf_seen + 1;\n"
		"    EXIT WHEN rt_pf_seen > %d;\n"
		"    BEGIN\n"
		"      rt_pf_v := (SELECT %s FROM %s WHERE tableoid = rt_pf_r.rt_rel\n"
		"                  AND ctid = rt_pf_r.rt_ctid);\n"
		"    EXCEPTION WHEN OTHERS THEN\n"
		"      rt_pf_n := rt_pf_n + 1;\n"
		"      IF rt_pf_n <= %d THEN rt_pf_s := rt_pf_s || E'\\n' || rt_pf_r.rt_row; END IF;\n"
		"    END;\n"
		"  END LOOP;\n"
		"  RAISE EXCEPTION USING ERRCODE = '" CAST_SQLSTATE "', MESSAGE = 'preflight cast check',\n"
		"    DETAIL = rt_pf_n || ' ' || least(rt_pf_seen, %d) || ' ' || (rt_pf_seen > %d)\n"
		"             || rt_pf_s;\n"
		"END\n" CAST_TAG, it->new_type, it->table, RT_PREFLIGHT_CAST_ROWS + 1,
		RT_PREFLIGHT_CAST_ROWS, e, it->table, RT_PREFLIGHT_SAMPLES, RT_PREFLIGHT_CAST_ROWS,
		RT_PREFLIGHT_CAST_ROWS);
	free(e);
	return sql;
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
		sql = is_count ? rt_xasprintf(CHECK_PREFIX "SELECT count(*) FROM %s WHERE %s",
					      it->table, a) :
		      rt_xasprintf(CHECK_PREFIX "SELECT row_to_json(s)::text FROM (SELECT * FROM %s "
				   "WHERE %s LIMIT %d) s", it->table, a, RT_PREFLIGHT_SAMPLES);
		break;
	case RT_LINT_CHECK_UNIQUE:
	case RT_LINT_CHECK_PRIMARY_KEY:
		if (!(a = col_expr(conn, it->columns, "", "%s%s%.0s%.0s", ", ")) ||
		    !(b = col_expr(conn, it->columns, "", "%s%s IS NOT NULL%.0s%.0s", " AND ")) ||
		    !(c = col_expr(conn, it->columns, "", "%s%s IS NULL%.0s%.0s", " OR ")))
			break;
		/* rows in a duplicate group; a primary key's NULLs count too */
		if (is_count)
			sql = rt_xasprintf(CHECK_PREFIX "SELECT coalesce((SELECT sum(n) FROM (SELECT "
					   "count(*) AS n "
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
			sql = rt_xasprintf(CHECK_PREFIX "SELECT row_to_json(s)::text FROM (SELECT %s, "
					   "count(*) AS "
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
		sql = is_count ? rt_xasprintf(CHECK_PREFIX "SELECT count(*) FROM %s t WHERE %s AND "
					      "NOT EXISTS "
					      "(SELECT FROM %s r WHERE %s)", it->table, b, ref, a) :
		      rt_xasprintf(CHECK_PREFIX "SELECT row_to_json(s)::text FROM (SELECT t.* FROM %s "
				   "t WHERE %s "
				   "AND NOT EXISTS (SELECT FROM %s r WHERE %s) LIMIT %d) s", it->table,
				   b, ref, a, RT_PREFLIGHT_SAMPLES);
		break;
	case RT_LINT_CHECK_CAST:
		sql = cast_sql(f, is_count);
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

/* The type change of the current item, read against its live column:
 * the current type, the new one as the server parses it (a NULL cast to
 * it: PQftype/PQfmod), whether a binary-coercible cast joins them and
 * whether ALTER TABLE finds a conversion without USING (same type, an
 * assignment or implicit cast, or a string type, which takes any by I/O). */
static char *
type_sql(const struct rt_pf_item *it, const char *table, const char *column)
{
	return rt_xasprintf(CHECK_PREFIX
		"SELECT format_type(a.atttypid, a.atttypmod), bt.typname,"
		" CASE WHEN ot.typtype = 'd' AND a.atttypmod < 0 THEN ot.typtypmod"
		" ELSE a.atttypmod END, nt.typname,"
		" bt.oid = nt.oid OR EXISTS (SELECT FROM pg_cast WHERE castsource = bt.oid"
		"   AND casttarget = nt.oid AND castmethod = 'b'),"
		" bt.oid = nt.oid OR nt.typcategory = 'S' OR EXISTS (SELECT FROM pg_cast"
		"   WHERE castsource IN (bt.oid, a.atttypid) AND casttarget = nt.oid"
		"   AND castcontext IN ('a', 'i')),"
		" format_type(nt.oid, NULL), NULL::%s"
		" FROM pg_attribute a JOIN pg_type ot ON ot.oid = a.atttypid"
		" JOIN pg_type bt ON bt.oid = CASE WHEN ot.typtype = 'd' THEN ot.typbasetype"
		"   ELSE ot.oid END"
		" JOIN pg_type nt ON nt.oid = pg_typeof(NULL::%s)::oid"
		" WHERE a.attrelid = to_regclass(%s) AND a.attname = %s AND a.attnum > 0"
		" AND NOT a.attisdropped", it->new_type, it->new_type, table, column);
}

/* s as an SQL literal (libpq's escaping; a new string), or NULL. */
static char *
lit(PGconn *conn, const char *s)
{
	char *q = PQescapeLiteral(conn, s, strlen(s)), *out;

	if (!q)
		return NULL;
	out = rt_xstrdup(q);
	PQfreemem(q);
	return out;
}

/* Sends the query of (cur, stage): 1 sent, 0 nothing to send for this
 * stage, -1 with err. Every query is a simple one after CHECK_PREFIX (its
 * values as literals), so that even the catalog's size functions, which
 * take ACCESS SHARE, give up behind a lock. */
static int
send_stage(struct pf *f, struct rt_err *err)
{
	struct rt_pf_item *it = &f->out->v[f->cur];
	PGconn *conn = f->db->conn;
	char *sql = NULL, *p1 = NULL, *p2 = NULL;
	int ok;

	switch (f->stage) {
	case S_TABLE:
		/* an index (DROP INDEX) stands for its table */
		if (!(p1 = lit(conn, it->table)))
			break;
		sql = rt_xasprintf(CHECK_PREFIX "SELECT t.oid::regclass::text,"
				   " pg_total_relation_size(t.oid), t.reltuples::bigint,"
				   " pg_table_size(t.oid), current_setting('block_size') FROM pg_class c"
				   " LEFT JOIN pg_index x ON x.indexrelid = c.oid"
				   " JOIN pg_class t ON t.oid = coalesce(x.indrelid, c.oid)"
				   " WHERE c.oid = to_regclass(quote_ident(%s))", p1);
		break;
	case S_TYPE:
		f->is_cast_loop = false;
		if (!it->exists || it->work != RT_LINT_WORK_TYPE || !it->new_type || !it->columns)
			return 0;
		if ((p1 = lit(conn, it->table)) && (p2 = lit(conn, it->columns)))
			sql = type_sql(it, p1, p2);
		break;
	case S_BLOCKERS:
		/* also when the table could not be read: who holds it then */
		if (!it->exists && !it->note)
			return 0;
		if (!(p1 = lit(conn, it->table)))
			break;
		sql = rt_xasprintf(CHECK_PREFIX "SELECT format('pid %%s (%%s, user %%s): %%s%%s, "
				   "%%s%%s', a.pid,"
				   " coalesce(nullif(a.application_name, ''), 'no application'),"
				   " a.usename, l.mode, CASE WHEN l.granted THEN '' ELSE ' (waiting)' END,"
				   " coalesce(a.state, '?'), coalesce(', transaction open for ' ||"
				   " (extract(epoch FROM now() - a.xact_start)::int)::text || ' s', ''))"
				   " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
				   " WHERE l.locktype = 'relation' AND l.relation = to_regclass(%s)"
				   " AND l.database = (SELECT oid FROM pg_database"
				   "                   WHERE datname = current_database())"
				   " AND l.pid <> pg_backend_pid() AND l.mode = ANY ('%s'::text[])"
				   " ORDER BY a.xact_start NULLS LAST, a.pid", p1, conflicts(it->mode));
		break;
	case S_COUNT:
	case S_SAMPLES:
		if (!it->exists || it->check == RT_LINT_CHECK_NONE || it->note)
			return 0;
		if (it->check == RT_LINT_CHECK_CAST) {
			/* a widening no value can fail: no query; a failed bulk cast
			 * (or a typmod change, which an explicit cast would cut
			 * instead of refusing) counts row by row */
			if (f->stage == S_COUNT && it->old_type && !it->is_rewrite) {
				it->count = 0;
				return 0;
			}
			if (f->stage == S_COUNT && f->is_cast_loop)
				return 0;
			if (f->stage == S_SAMPLES && !f->is_cast_loop)
				return 0;
		} else if (f->stage == S_SAMPLES && it->count <= 0) {
			return 0;
		}
		if (!(sql = check_sql(f, f->stage == S_COUNT)))
			return 0;
		break;
	case S_NEXT:
		return 0;
	}
	free(p1);
	free(p2);
	if (!sql)
		return 0;
	ok = PQsendQuery(conn, sql);
	free(sql);
	if (!ok) {
		rt_err_set(err, RT_ERR_RUN, "preflight: %s", PQerrorMessage(f->db->conn));
		return -1;
	}
	f->is_sent = true;
	f->has_failed = false;
	return 1;
}

/* Why a check's query failed, for its note: a column or table that an
 * earlier statement of the plan makes is not there to check yet. */
static char *
check_failed_note(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (state && (strcmp(state, "42703") == 0 || strcmp(state, "42P01") == 0))
		return rt_xasprintf("not checked: an earlier statement of the plan makes it (%s "
				    "now)", msg ? msg : "?");
	return rt_xasprintf("cannot check now: %s", msg ? msg : "?");
}

/* The row-by-row cast check's answer: its error's DETAIL, "failed read
 * bounded" and one sample row a line. */
static void
store_cast_loop(struct rt_pf_item *it, PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	long long failed, seen;
	char bounded[8] = "";
	const char *nl;

	if (!state || strcmp(state, CAST_SQLSTATE) != 0 || !detail ||
	    sscanf(detail, "%lld %lld %7s", &failed, &seen, bounded) != 3) {
		if (!it->note)
			it->note = check_failed_note(res);
		return;
	}
	it->count = failed;
	it->cast_rows = seen;
	it->is_cast_bounded = strcmp(bounded, "true") == 0;
	for (nl = strchr(detail, '\n'); nl; ) {
		const char *next = strchr(nl + 1, '\n');
		size_t len = next ? (size_t)(next - nl - 1) : strlen(nl + 1);

		rt_strv_push_take(&it->samples, rt_xstrndup(nl + 1, len));
		nl = next;
	}
}

/* The current item's type change, from type_sql's row. */
static void
store_type(struct pf *f, struct rt_pf_item *it, PGresult *res)
{
	struct rt_lint_type_change tc = { 0 };

	if (PQntuples(res) != 1) {
		it->note = rt_xasprintf("column %s does not exist now: not checked",
					it->columns);
		return;
	}
	it->old_type = rt_xstrdup(PQgetvalue(res, 0, 0));
	tc.old_type = PQgetvalue(res, 0, 1);
	tc.old_mod = atoi(PQgetvalue(res, 0, 2));
	tc.new_type = PQgetvalue(res, 0, 3);
	tc.new_mod = PQfmod(res, 7);
	tc.is_binary_coercible = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	tc.has_using = it->using_expr && !it->is_using_plain;
	it->is_rewrite = rt_lint_type_change_rewrites(&tc);
	if (!it->using_expr && strcmp(PQgetvalue(res, 0, 5), "t") != 0)
		it->note = rt_xasprintf("no automatic conversion from %s to %s: the statement "
					"fails without USING", it->old_type, PQgetvalue(res, 0, 6));
	/* a length (varchar(3), char(2), bit(8)): an explicit cast would cut a
	 * value ALTER TABLE refuses, so only the row-by-row assignment tells */
	if (it->is_rewrite && tc.new_mod >= 0 &&
	    (strcmp(tc.new_type, "varchar") == 0 || strcmp(tc.new_type, "bpchar") == 0 ||
	     strcmp(tc.new_type, "bit") == 0 || strcmp(tc.new_type, "varbit") == 0))
		f->is_cast_loop = true;
}

static void
store(struct pf *f, PGresult *res)
{
	struct rt_pf_item *it = &f->out->v[f->cur];

	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		return;     /* a SET of CHECK_PREFIX */
	if (f->stage == S_SAMPLES && it->check == RT_LINT_CHECK_CAST) {
		store_cast_loop(it, res);
		return;
	}
	if (f->stage == S_COUNT && it->check == RT_LINT_CHECK_CAST && !f->is_cast_loop &&
	    PQresultStatus(res) == PGRES_FATAL_ERROR) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		/* a value that does not convert (class 22: data exception; 23:
		 * a domain's check): find them row by row */
		if (state && (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)) {
			f->is_cast_loop = true;
			return;
		}
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (!it->note)
			it->note = check_failed_note(res);
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
			it->table_bytes = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
			f->block_size = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
		}
		break;
	case S_TYPE:
		store_type(f, it, res);
		break;
	case S_BLOCKERS:
		for (int i = 0; i < PQntuples(res); i++)
			rt_strv_push(&it->blockers, PQgetvalue(res, i, 0));
		break;
	case S_COUNT:
		if (it->check == RT_LINT_CHECK_CAST)
			it->count = 0;      /* every value converted */
		else if (PQntuples(res) == 1)
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

/* ---- the estimates ------------------------------------------------------------ */

/* An item whose work the estimate covers: it exists, and a type change
 * that keeps the stored values is no rewrite. */
static bool
has_work(const struct rt_pf_item *it)
{
	if (!it->exists || it->work == RT_LINT_WORK_NONE)
		return false;
	return it->work != RT_LINT_WORK_TYPE || !it->old_type || it->is_rewrite;
}

/* The bytes the work reads (a rewrite: the table and its indexes). */
static long long
work_bytes(const struct rt_pf_item *it)
{
	return it->work == RT_LINT_WORK_REWRITE || it->work == RT_LINT_WORK_TYPE ? it->bytes :
	       it->table_bytes;
}

/* Sends the throughput probe: a count(*) over a sample of about
 * RT_PREFLIGHT_PROBE_BYTES of the largest table with work, under EXPLAIN
 * (ANALYZE, BUFFERS) for the server's own time and bytes, one process (no
 * parallel workers: a rewrite has none). 1 sent, 0 none, -1 with err. */
static int
send_probe(struct pf *f, struct rt_err *err)
{
	struct rt_preflight *p = f->out;
	const struct rt_pf_item *big = NULL;
	char sample[64] = "", *sql;

	f->is_probed = true;
	for (size_t i = 0; i < p->n; i++)
		if (has_work(&p->v[i]) && (!big || p->v[i].table_bytes > big->table_bytes))
			big = &p->v[i];
	if (!big)
		return 0;
	if (big->table_bytes < RT_PREFLIGHT_PROBE_MIN) {
		p->probe.note = rt_xstrdup("every table with work is under 1 MB: no probe");
		return 0;
	}
	if (big->table_bytes > RT_PREFLIGHT_PROBE_BYTES)
		snprintf(sample, sizeof(sample), " TABLESAMPLE SYSTEM (%.4f)",
			 100.0 * (double)RT_PREFLIGHT_PROBE_BYTES / (double)big->table_bytes);
	p->probe.table = rt_xstrdup(big->table);
	sql = rt_xasprintf(CHECK_PREFIX "SET LOCAL max_parallel_workers_per_gather = 0; "
			   "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) SELECT count(*) FROM %s%s",
			   big->table, sample);
	if (!PQsendQuery(f->db->conn, sql)) {
		free(sql);
		rt_err_set(err, RT_ERR_RUN, "preflight: %s", PQerrorMessage(f->db->conn));
		return -1;
	}
	free(sql);
	f->is_sent = f->is_probing = true;
	return 1;
}

/* EXPLAIN's lines: "Execution Time: 12.3 ms" and the top node's
 * "Buffers: shared hit=N read=M ...". */
static void
store_probe(struct pf *f, PGresult *res)
{
	struct rt_pf_probe *pr = &f->out->probe;
	long long hit = 0, rd = 0;
	double ms = -1;
	bool has_buffers = false;

	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		return;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		free(pr->note);
		pr->note = rt_xasprintf("the throughput probe failed: %s",
					PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ?
					PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "?");
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *line = PQgetvalue(res, i, 0), *b;

		if ((b = strstr(line, "Execution Time:")))
			sscanf(b, "Execution Time: %lf", &ms);
		else if (!has_buffers && (b = strstr(line, "Buffers: shared"))) {
			const char *h = strstr(b, "hit="), *r = strstr(b, "read=");

			has_buffers = true;
			if (h)
				hit = strtoll(h + 4, NULL, 10);
			if (r)
				rd = strtoll(r + 5, NULL, 10);
		}
	}
	pr->bytes = (hit + rd) * (f->block_size > 0 ? f->block_size : 8192);
	pr->secs = ms / 1000;
	pr->cached_pct = hit + rd > 0 ? (int)(100 * hit / (hit + rd)) : 0;
	if (pr->bytes > 0 && pr->secs > 0)
		pr->read_bps = (double)pr->bytes / pr->secs;
	else
		pr->note = rt_xstrdup("the throughput probe read nothing");
}

/* "< 0.1 s", "2.4 s", "38 s", "12 min", "3.5 h". */
static char *
fmt_secs(double s)
{
	if (s < 0.1)
		return rt_xstrdup("< 0.1 s");
	if (s < 10)
		return rt_xasprintf("~%.1f s", s);
	if (s < 120)
		return rt_xasprintf("~%.0f s", s);
	if (s < 7200)
		return rt_xasprintf("~%.0f min", s / 60);
	return rt_xasprintf("~%.1f h", s / 3600);
}

/* Each item's estimate: the bytes its work reads, at the measured read
 * rate slowed by a factor for the kind of work (documented in retort(1);
 * measured on PostgreSQL 15 against a count(*) of the same table in
 * cache): a scan reads once (1x); an index build reads, sorts and writes
 * the index (3x); a rewrite reads the table, builds every tuple again,
 * writes it and its indexes and logs them to WAL (15x). */
static void
estimate(struct rt_preflight *p)
{
	static const struct { const char *what, *rate; double factor; } k[] = {
		[RT_LINT_WORK_SCAN] = { "scan of", "the read rate measured", 1 },
		[RT_LINT_WORK_INDEX] = { "index build over", "the read rate measured / 3", 3 },
		[RT_LINT_WORK_REWRITE] = { "rewrite of", "the read rate measured / 15", 15 },
		[RT_LINT_WORK_TYPE] = { "rewrite of", "the read rate measured / 15", 15 },
	};
	char size[32], rate[32];

	for (size_t i = 0; i < p->n; i++) {
		struct rt_pf_item *it = &p->v[i];
		long long bytes = work_bytes(it);
		const char *extra = it->work == RT_LINT_WORK_REWRITE ||
				    it->work == RT_LINT_WORK_TYPE ? " (table and indexes)" : "";

		if (!it->exists || it->work == RT_LINT_WORK_NONE)
			continue;
		if (!has_work(it)) {
			it->est_secs = 0;
			it->estimate = rt_xstrdup("no rewrite expected");
			it->basis = rt_xasprintf("%s to %s is binary coercible, the stored values "
						 "stay; indexes on the column may still be rebuilt",
						 it->old_type, it->new_type);
			continue;
		}
		rt_fmt_bytes(bytes, size, sizeof(size));
		if (bytes < RT_PREFLIGHT_PROBE_MIN && (p->probe.read_bps <= 0 ||
		    (double)bytes * k[it->work].factor / p->probe.read_bps < 0.1)) {
			it->est_secs = 0;
			it->estimate = fmt_secs(0);
			it->basis = rt_xasprintf("%s %s%s", k[it->work].what, size, extra);
			continue;
		}
		if (p->probe.read_bps <= 0) {
			it->basis = rt_xasprintf("%s %s%s; no estimate: %s", k[it->work].what, size, extra,
						 p->probe.note ? p->probe.note : "no probe");
			continue;
		}
		it->est_secs = (double)bytes * k[it->work].factor / p->probe.read_bps;
		it->estimate = fmt_secs(it->est_secs);
		rt_fmt_bytes((long long)(p->probe.read_bps / k[it->work].factor), rate, sizeof(rate));
		it->basis = rt_xasprintf("%s %s%s at ~%s/s, %s", k[it->work].what, size, extra,
					 rate, k[it->work].rate);
	}
}

/* Moves on to the next stage (or item) with a query, sending it; after the
 * last item, the probe: 1 sent, 0 all done, -1 with err. */
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
	if (!f->is_probed && (rc = send_probe(f, err)) != 0)
		return rc;
	estimate(f->out);
	return 0;
}

/* rc of a step; the job is done after 0. */
static int
finish(struct pf *f, int rc)
{
	if (rc == 0)
		f->is_done = true;
	return rc;
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct pf *f = impl;
	PGresult *res;

	if (f->is_done)
		return 0;
	if (!f->is_sent)
		return finish(f, advance(f, err));
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
			if (f->is_probing) {
				f->is_probing = false;
				estimate(f->out);
				return finish(f, 0);
			}
			return finish(f, advance(f, err));
		}
		if (f->is_cancelled && PQresultStatus(res) == PGRES_FATAL_ERROR) {
			PQclear(res);
			continue;
		}
		if (f->is_probing)
			store_probe(f, res);
		else
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
	case RT_LINT_CHECK_CAST:
		return rt_xasprintf("values that will not cast to %s in %s.%s%s", it->new_type, it->table,
				    it->columns, it->using_expr && !it->is_using_plain ?
				    " (through its USING)" : "");
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
		it->bytes = it->rows = it->count = it->table_bytes = it->cast_rows = -1;
		it->est_secs = -1;
		it->work = k->work;
		it->new_type = k->new_type ? rt_xstrdup(k->new_type) : NULL;
		it->using_expr = k->using_expr ? rt_xstrdup(k->using_expr) : NULL;
		it->is_using_plain = k->is_using_plain;
		it->check = k->check;
		it->columns = k->columns ? rt_xstrdup(k->columns) : NULL;
		it->ref_table = k->ref_table ? rt_xstrdup(k->ref_table) : NULL;
		it->ref_columns = k->ref_columns ? rt_xstrdup(k->ref_columns) : NULL;
		if ((it->check != RT_LINT_CHECK_NONE && !it->columns) ||
		    (it->check == RT_LINT_CHECK_CAST && !it->new_type))
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
