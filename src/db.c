/* db.c - connecting, reading the version table, the migration lock. */
#include "config.h"
#include "rt_db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <unistd.h>

#include "db_int.h"
#include "rt_config.h"
#include "rt_conninfo.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migration.h"

/* A retort_history row recording an accepted edit of an applied revision
 * (retort check --accept): a stamp, since nothing ran, with the file's new
 * checksum and "accepted: REASON" (the direction CHECK stays as it is). */
#define RT_ACCEPTED_ROW "direction = 'stamp' AND checksum IS NOT NULL AND error LIKE 'accepted: %%'"

static void
quiet_notice(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

static char *
quote_qualified(PGconn *conn, const char *schema, const char *name)
{
	char *qn = PQescapeIdentifier(conn, name, strlen(name));
	char *out;

	if (!qn)
		return NULL;
	if (!schema) {
		out = rt_xstrdup(qn);
	} else {
		char *qs = PQescapeIdentifier(conn, schema, strlen(schema));

		if (!qs) {
			PQfreemem(qn);
			return NULL;
		}
		out = rt_xasprintf("%s.%s", qs, qn);
		PQfreemem(qs);
	}
	PQfreemem(qn);
	return out;
}

/* The advisory lock's second key: a non-negative int from the table's name. */
static int
lock_key_of(const char *s)
{
	return (int)(rt_str_hash32(s) & 0x7fffffff);
}

struct rt_db *
rt_db_connect(const char *url, const struct rt_vt_opts *vt, struct rt_err *err)
{
	const char *keys[] = { "dbname", "application_name", "fallback_application_name", NULL };
	const char *vals[] = { NULL, "retort", "retort", NULL };
	const char *schema = vt && vt->schema ? vt->schema : NULL;
	const char *table = vt && vt->table ? vt->table : "alembic_version";
	struct rt_db *db;
	char *masked, *pkc;
	int timeout_s;
	double t0;

	/* with connect_timeout in it, for the second connections and children too */
	vals[0] = rt_conninfo_for_connect(url, &timeout_s, err);
	if (!vals[0])
		return NULL;
	db = rt_xcalloc(1, sizeof(*db));
	db->url = (char *)vals[0];
	t0 = rt_clock_ms();
	/* expand_dbname: the conninfo's settings, then application_name over them */
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		masked = rt_url_mask(url);
		/* libpq gives up at a whole second, at most one before the timeout */
		if (timeout_s > 0 && rt_clock_ms() - t0 >= (timeout_s - 1) * 1000.0)
			rt_err_set(err, RT_ERR_RUN, "cannot connect to %s: no answer within %d s "
				   "(connect_timeout; ?connect_timeout=SECONDS in the URL waits "
				   "longer)", masked, timeout_s);
		else
			rt_err_set(err, RT_ERR_RUN, "cannot connect to %s", masked);
		if (db->conn)
			rt_err_detail(err, "%s", PQerrorMessage(db->conn));
		free(masked);
		rt_db_close(db);
		return NULL;
	}
	PQsetNoticeReceiver(db->conn, quiet_notice, NULL);
	db->vt = quote_qualified(db->conn, schema, table);
	db->hist = quote_qualified(db->conn, schema, "retort_history");
	pkc = rt_xasprintf("%s_pkc", table);
	db->pkc = quote_qualified(db->conn, NULL, pkc);
	free(pkc);
	if (!db->vt || !db->hist || !db->pkc) {
		rt_err_set(err, RT_ERR_INPUT, "bad version table name: %s", PQerrorMessage(db->conn));
		rt_db_close(db);
		return NULL;
	}
	db->vt_name = schema ? rt_xasprintf("%s.%s", schema, table) : rt_xstrdup(table);
	db->lock_key = lock_key_of(db->vt_name);
	return db;
}

void
rt_db_close(struct rt_db *db)
{
	if (!db)
		return;
	if (db->has_lock)
		rt_db_unlock(db);
	if (db->conn)
		PQfinish(db->conn);
	if (db->url)    /* it may hold the password */
		explicit_bzero(db->url, strlen(db->url));
	free(db->url);
	free(db->vt);
	free(db->hist);
	free(db->pkc);
	free(db->vt_name);
	free(db);
}

int
rt_db_connect_timeout(const struct rt_db *db)
{
	PQconninfoOption *opts = PQconninfo(db->conn);
	int seconds = 0;

	/* what libpq holds, not what retort meant to give it */
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val)
			seconds = atoi(o->val);
	PQconninfoFree(opts);
	return seconds > 0 ? seconds : 0;
}

const char *
rt_db_name(const struct rt_db *db)
{
	return PQdb(db->conn);
}

int
rt_db_server_version(const struct rt_db *db)
{
	return PQserverVersion(db->conn);
}

void
rt_db_result_err(const PGresult *res, const char *prefix, struct rt_err *err)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *sev = res ? PQresultErrorField(res, PG_DIAG_SEVERITY) : NULL;
	const char *state, *detail, *hint;

	if (!msg)
		msg = res ? PQresultErrorMessage(res) : "no result from server";
	rt_err_set(err, RT_ERR_RUN, "%s%s%s: %s", prefix ? prefix : "", prefix ? ": " : "",
		   sev ? sev : "ERROR", msg);
	if (!res)
		return;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	if (state) {
		rt_err_detail(err, "SQLSTATE: %s", state);
		if (err)
			snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	}
	if (detail)
		rt_err_detail(err, "DETAIL: %s", detail);
	if (hint)
		rt_err_detail(err, "HINT: %s", hint);
}

PGresult *
rt_db_exec(struct rt_db *db, const char *sql, const char *what, struct rt_err *err)
{
	PGresult *res = PQexec(db->conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	if (!res || PQstatus(db->conn) == CONNECTION_BAD) {
		rt_err_set(err, RT_ERR_RUN, "%s: lost the connection to the server", what);
		rt_err_detail(err, "%s", PQerrorMessage(db->conn));
	} else {
		rt_db_result_err(res, what, err);
	}
	PQclear(res);
	return NULL;
}

int
rt_db_exec_ok(struct rt_db *db, const char *sql, struct rt_err *err)
{
	PGresult *res = rt_db_exec(db, sql, "retort", err);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

char *
rt_db_setup_sql(const char *vt, const char *pkc, const char *hist)
{
	return rt_xasprintf(
		"CREATE TABLE IF NOT EXISTS %s (\n"
		"    version_num VARCHAR(32) NOT NULL,\n"
		"    CONSTRAINT %s PRIMARY KEY (version_num)\n"
		");\n\n"
		"CREATE TABLE IF NOT EXISTS %s (\n"
		"    id bigserial PRIMARY KEY,\n"
		"    revision varchar(32) NOT NULL,\n"
		"    direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp', "
		"'restore')),\n"
		"    checksum char(64),\n"
		"    started_at timestamptz NOT NULL,\n"
		"    finished_at timestamptz,\n"
		"    duration_ms double precision,\n"
		"    db_user text NOT NULL DEFAULT current_user,\n"
		"    os_user text,\n"
		"    client_host text,\n"
		"    tool_version text NOT NULL,\n"
		"    outcome text NOT NULL CHECK (outcome IN ('ok', 'failed', 'dirty')),\n"
		"    statements_done integer,\n"
		"    error text,\n"
		"    applied_file bytea\n"
		");\n\n"
		"-- a log an older retort created: the file as applied is kept since 0.2\n"
		"ALTER TABLE %s ADD COLUMN IF NOT EXISTS applied_file bytea;\n",
		vt, pkc, hist, hist);
}

/* The server refused to create retort's tables: say which right is missing
 * and who lacks it, with the two ways out. */
static void
setup_denied(struct rt_db *db, const char *schema, const char *role, struct rt_err *err)
{
	char *qs = PQescapeIdentifier(db->conn, schema, strlen(schema));
	char *qr = PQescapeIdentifier(db->conn, role, strlen(role));

	rt_err_detail(err, "retort keeps the version table and retort_history in the database "
		      "and creates them on first use: role %s needs the CREATE privilege on schema "
		      "%s (GRANT CREATE ON SCHEMA %s TO %s), or a role that has it creates them "
		      "once (upgrade --sql prints their DDL)", role, schema, qs ? qs : schema,
		      qr ? qr : role);
	PQfreemem(qs);
	PQfreemem(qr);
}

/* One retort_history row per version-table row: "takeover: <table> was at
 * REV when retort first ran" (direction stamp: nothing ran). */
static int
record_takeover(struct rt_db *db, struct rt_err *err)
{
	const char *params[2] = { db->vt_name, PACKAGE_NAME " " PACKAGE_VERSION };
	char *sql = rt_xasprintf("INSERT INTO %s (revision, direction, started_at, finished_at, "
				 "duration_ms, tool_version, outcome, error) SELECT version_num, "
				 "'stamp', clock_timestamp(), clock_timestamp(), 0, $2, 'ok', "
				 "'takeover: ' || $1 || ' was at ' || version_num || ' when retort "
				 "first ran' FROM %s ORDER BY version_num", db->hist, db->vt);
	PGresult *res = PQexecParams(db->conn, sql, 2, NULL, params, NULL, NULL, 0);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rt_db_result_err(res, "recording the takeover in retort_history", err);
		rc = -1;
	}
	PQclear(res);
	free(sql);
	return rc;
}

int
rt_db_setup(struct rt_db *db, struct rt_err *err)
{
	const char *params[2] = { db->vt, db->hist };
	char *sql = NULL, *schema = NULL, *role = NULL, *what;
	PGresult *res;
	int rc = -1;

	bool is_takeover;

	if (db->is_scratch && db->setup_done)
		return 0;
	/* tables that exist need no CREATE right: check first, one round trip */
	res = PQexecParams(db->conn, "SELECT to_regclass($1) IS NOT NULL"
			   " AND to_regclass($2) IS NOT NULL, coalesce(current_schema(), ''),"
			   " current_user, to_regclass($1) IS NOT NULL AND to_regclass($2) IS NULL,"
			   " EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass($2)"
			   "         AND attname = 'applied_file' AND NOT attisdropped)",
			   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rt_db_result_err(res, "reading the version table", err);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		/* a log from before applied_file (or restored from such a backup) */
		if (strcmp(PQgetvalue(res, 0, 4), "t") != 0) {
			PQclear(res);
			sql = rt_xasprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS applied_file bytea",
					   db->hist);
			res = rt_db_exec(db, sql, "adding applied_file to retort_history", err);
			rc = res ? 0 : -1;
			goto out;
		}
		rc = 0;
		goto out;
	}
	schema = rt_xstrdup(PQgetvalue(res, 0, 1));
	role = rt_xstrdup(PQgetvalue(res, 0, 2));
	/* a version table without retort_history: Alembic (Flask-Migrate) ran
	 * here; the first run records that it takes the database over as is */
	is_takeover = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	PQclear(res);
	what = rt_xasprintf("creating the version table %s and retort_history", db->vt_name);
	sql = rt_db_setup_sql(db->vt, db->pkc, db->hist);
	res = rt_db_exec(db, sql, what, err);
	free(what);
	if (res && is_takeover) {
		PQclear(res);
		res = NULL;
		rc = record_takeover(db, err);
	} else if (res) {
		rc = 0;
	} else if (err && strcmp(err->sqlstate, "42501") == 0) {
		const char *dot = strchr(db->vt_name, '.');
		char *vs = dot ? rt_xstrndup(db->vt_name, (size_t)(dot - db->vt_name)) : NULL;

		setup_denied(db, vs ? vs : *schema ? schema : "public", role, err);
		free(vs);
	}
out:
	/* committed (not inside a transaction that may still roll back) */
	if (rc == 0 && PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		db->setup_done = true;
	PQclear(res);
	free(sql);
	free(schema);
	free(role);
	return rc;
}

/* 1 when the table (quoted, maybe qualified) exists, 0 when not, -1 with err. */
static int
table_exists(struct rt_db *db, const char *quoted, const char *what, struct rt_err *err)
{
	const char *params[1] = { quoted };
	PGresult *res = PQexecParams(db->conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL,
				     params, NULL, NULL, 0);
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rt_db_result_err(res, what, err);
		PQclear(res);
		return -1;
	}
	rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int
rt_db_current(struct rt_db *db, struct rt_strv *out, struct rt_err *err)
{
	PGresult *res;
	char *sql;
	int rc;

	/* a missing table means "no revision applied", not an error (a scratch
	 * database's, once made, stays) */
	if (!(db->is_scratch && db->setup_done) &&
	    (rc = table_exists(db, db->vt, "reading the version table", err)) <= 0)
		return rc;
	sql = rt_xasprintf("SELECT version_num FROM %s ORDER BY version_num", db->vt);
	res = rt_db_exec(db, sql, "reading the version table", err);
	free(sql);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		rt_strv_push(out, PQgetvalue(res, i, 0));
	rc = 0;
	PQclear(res);
	return rc;
}

int
rt_db_applied_checksums(struct rt_db *db, struct rt_strv *ids, struct rt_strv *sums,
			struct rt_err *err)
{
	PGresult *res;
	char *sql;
	int rc;

	if ((rc = table_exists(db, db->hist, "reading retort_history", err)) <= 0)
		return rc;
	/* an accepted edit (rt_db_accept: a stamp row with a checksum) is the
	 * newest checksum of a revision that is still applied */
	sql = rt_xasprintf("SELECT revision, coalesce(checksum, '') FROM ("
			   " SELECT DISTINCT ON (revision) revision, checksum, direction FROM %s"
			   "  WHERE outcome = 'ok' AND (direction IN ('upgrade', 'downgrade') OR"
			   "   (" RT_ACCEPTED_ROW "))"
			   "  ORDER BY revision, id DESC) last"
			   " WHERE direction <> 'downgrade' ORDER BY revision", db->hist);
	res = rt_db_exec(db, sql, "reading retort_history", err);
	free(sql);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		rt_strv_push(ids, PQgetvalue(res, i, 0));
		rt_strv_push(sums, PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return 0;
}

int
rt_db_revision_log(struct rt_db *db, const char *rev, struct rt_hist_list *out,
		   struct rt_err *err)
{
	const char *params[1] = { rev };
	PGresult *res;
	char *sql;
	int rc, n;

	memset(out, 0, sizeof(*out));
	if ((rc = table_exists(db, db->hist, "reading retort_history", err)) <= 0)
		return rc;
	sql = rt_xasprintf(
		"SELECT direction, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
		"       coalesce(round(duration_ms)::text || ' ms', ''),"
		"       db_user || coalesce(' (' || os_user || coalesce('@' || client_host, '') || ')', ''),"
		"       outcome, coalesce(checksum, ''), tool_version, coalesce(error, '')"
		"  FROM (SELECT * FROM %s WHERE revision = $1 ORDER BY id DESC LIMIT 200) h"
		" ORDER BY id", db->hist);
	res = PQexecParams(db->conn, sql, 1, NULL, params, NULL, NULL, 0);
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rt_db_result_err(res, "reading retort_history", err);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	out->v = rt_xcalloc(n ? (size_t)n : 1, sizeof(*out->v));
	for (int i = 0; i < n; i++) {
		struct rt_hist_entry *e = &out->v[out->n++];

		e->direction = rt_xstrdup(PQgetvalue(res, i, 0));
		e->started = rt_xstrdup(PQgetvalue(res, i, 1));
		e->duration = rt_xstrdup(PQgetvalue(res, i, 2));
		e->who = rt_xstrdup(PQgetvalue(res, i, 3));
		e->outcome = rt_xstrdup(PQgetvalue(res, i, 4));
		e->checksum = rt_xstrdup(PQgetvalue(res, i, 5));
		e->tool = rt_xstrdup(PQgetvalue(res, i, 6));
		e->error = rt_xstrdup(PQgetvalue(res, i, 7));
	}
	PQclear(res);
	return 0;
}

int
rt_db_applied_file(struct rt_db *db, const char *rev, struct rt_buf *out, bool *found,
		   struct rt_err *err)
{
	const char *params[1] = { rev };
	PGresult *res;
	char *sql;
	int rc;

	*found = false;
	if ((rc = table_exists(db, db->hist, "reading retort_history", err)) <= 0)
		return rc;
	sql = rt_xasprintf("SELECT applied_file FROM %s WHERE revision = $1 AND (direction = "
			   "'upgrade' OR (" RT_ACCEPTED_ROW ")) AND outcome = 'ok' AND applied_file "
			   "IS NOT NULL ORDER BY id DESC LIMIT 1", db->hist);
	res = PQexecParams(db->conn, sql, 1, NULL, params, NULL, NULL, 1);   /* binary: bytes */
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* 42703: no applied_file column (an older log): nothing kept */
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && strcmp(state, "42703") == 0) {
			PQclear(res);
			return 0;
		}
		rt_db_result_err(res, "reading retort_history", err);
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		rt_buf_reset(out);
		rt_buf_append(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		*found = true;
	}
	PQclear(res);
	return 0;
}

void
rt_hist_list_free(struct rt_hist_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct rt_hist_entry *e = &l->v[i];

		free(e->direction);
		free(e->started);
		free(e->duration);
		free(e->who);
		free(e->outcome);
		free(e->checksum);
		free(e->tool);
		free(e->error);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
rt_db_cancel_query(PGconn *conn)
{
	PGcancel *c = conn ? PQgetCancel(conn) : NULL;
	char buf[256];

	if (c) {
		PQcancel(c, buf, sizeof(buf));
		PQfreeCancel(c);
	}
}

char *
rt_db_lock_holder(struct rt_db *db)
{
	char key[16];
	const char *params[1] = { key };
	PGresult *res;
	char *out = NULL;

	snprintf(key, sizeof(key), "%d", db->lock_key);
	res = PQexecParams(db->conn,
		"SELECT a.pid, coalesce(a.application_name, ''),"
		"       coalesce(host(a.client_addr), 'local'), coalesce(a.usename, ''),"
		"       coalesce(extract(epoch FROM now() - a.backend_start)::bigint, 0),"
		"       coalesce(a.state, ''),"
		"       left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80)"
		"  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
		" WHERE l.locktype = 'advisory' AND l.granted"
		"   AND l.classid = " RT_STR(RT_LOCK_CLASS) " AND l.objid = $1::bigint::oid"
		"   AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database"
		"                                        WHERE datname = current_database())"
		"   AND l.pid <> pg_backend_pid() LIMIT 1",
		1, NULL, params, NULL, NULL, 0);
	/* what it is doing: its statement while active, else its state */
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		out = rt_xasprintf("pid %s, application '%s', client %s, user %s, connected %s s ago, "
				   "%s%s%s%s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
				   PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
				   PQgetvalue(res, 0, 4),
				   *PQgetvalue(res, 0, 5) ? PQgetvalue(res, 0, 5) : "state unknown",
				   strcmp(PQgetvalue(res, 0, 5), "active") == 0 ? ": '" : "",
				   strcmp(PQgetvalue(res, 0, 5), "active") == 0 ? PQgetvalue(res, 0, 6) :
				   "", strcmp(PQgetvalue(res, 0, 5), "active") == 0 ? "'" : "");
	PQclear(res);
	return out;
}

int
rt_db_find_dirty(struct rt_db *db, struct rt_dirty *out, bool *found, struct rt_err *err)
{
	PGresult *res;
	char *sql;

	*found = false;
	memset(out, 0, sizeof(*out));
	sql = rt_xasprintf("SELECT id, revision, direction, coalesce(statements_done, 0),"
			   "       coalesce(error, '') FROM %s WHERE outcome = 'dirty'"
			   " ORDER BY id DESC LIMIT 1", db->hist);
	res = PQexec(db->conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* no retort_history yet: nothing can be dirty */
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		int rc = state && strcmp(state, "42P01") == 0 ? 0 : -1;

		if (rc < 0)
			rt_db_result_err(res, "reading retort_history", err);
		PQclear(res);
		return rc;
	}
	if (PQntuples(res) == 1) {
		*found = true;
		out->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(out->revision, sizeof(out->revision), "%s", PQgetvalue(res, 0, 1));
		out->is_up = strcmp(PQgetvalue(res, 0, 2), "upgrade") == 0;
		out->statements_done = atoi(PQgetvalue(res, 0, 3));
		snprintf(out->error, sizeof(out->error), "%s", PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return 0;
}

int
rt_db_invalid_indexes(struct rt_db *db, struct rt_strv *out, struct rt_err *err)
{
	PGresult *res = rt_db_exec(db, "SELECT indexrelid::regclass::text FROM pg_index"
				       " WHERE NOT indisvalid ORDER BY 1", "finding invalid indexes", err);

	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		rt_strv_push(out, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

char *
rt_db_blockers(struct rt_db *db)
{
	struct rt_buf b = { 0 };
	PGresult *res;

	res = PQexec(db->conn,
		"SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''),"
		"       extract(epoch FROM now() - a.xact_start)::bigint"
		"  FROM pg_stat_activity a"
		" WHERE a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL"
		"   AND a.datname = current_database()"
		"   AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid"
		"               AND l.locktype = 'relation' AND l.granted"
		"               AND l.database = (SELECT oid FROM pg_database"
		"                                 WHERE datname = current_database()))"
		" ORDER BY a.xact_start LIMIT 3");
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		for (int i = 0; i < PQntuples(res); i++)
			rt_buf_printf(&b, "%spid %s (application '%s', %s, in a transaction for %s s)",
				      i ? "; " : "", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
				      PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	PQclear(res);
	return b.len ? rt_buf_take(&b) : NULL;
}

static int try_lock(struct rt_db *db, bool *got, struct rt_err *err);

int
rt_db_try_lock(struct rt_db *db, bool *got, struct rt_err *err)
{
	if (db->has_lock) {
		*got = true;
		return 0;
	}
	if (try_lock(db, got, err) < 0)
		return -1;
	db->has_lock = *got;
	return 0;
}

bool
rt_db_is_modified(const char *id, const char *sha256, const struct rt_strv *ids,
		  const struct rt_strv *sums)
{
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], id) == 0)
			return sums->v[i][0] && strcmp(sums->v[i], sha256) != 0;
	return false;
}

static int
try_lock(struct rt_db *db, bool *got, struct rt_err *err)
{
	char sql[96];
	PGresult *res;

	snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%d, %d)", RT_LOCK_CLASS,
		 db->lock_key);
	res = rt_db_exec(db, sql, "taking the migration lock", err);
	if (!res)
		return -1;
	*got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

int
rt_db_lock(struct rt_db *db, int timeout_ms, rt_lock_wait_fn on_wait, void *ctx,
	   volatile sig_atomic_t *cancel, struct rt_err *err)
{
	double start = rt_clock_ms();
	bool got = false, told = false;
	char *holder;

	if (db->has_lock)
		return 0;
	for (;;) {
		if (try_lock(db, &got, err) < 0)
			return -1;
		if (got) {
			db->has_lock = true;
			return 0;
		}
		if (!told && on_wait) {
			holder = rt_db_lock_holder(db);
			on_wait(holder ? holder : "another session", ctx);
			free(holder);
			told = true;
		}
		if (cancel && *cancel) {
			rt_err_set(err, RT_ERR_CANCEL, "cancelled while waiting for the migration lock");
			return -1;
		}
		if (timeout_ms >= 0 && rt_clock_ms() - start >= timeout_ms)
			break;
		usleep(50 * 1000);
	}
	holder = rt_db_lock_holder(db);
	rt_err_set(err, RT_ERR_RUN, "lock timeout after %.1f s: the migration lock is held by %s",
		   timeout_ms / 1000.0, holder ? holder : "another session");
	free(holder);
	return -1;
}

void
rt_db_unlock(struct rt_db *db)
{
	char sql[96];
	PGresult *res;

	if (!db->has_lock)
		return;
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%d, %d)", RT_LOCK_CLASS, db->lock_key);
	res = PQexec(db->conn, sql);
	PQclear(res);
	db->has_lock = false;
}

void
rt_lock_wait_begin(struct rt_lock_wait *lw, int timeout_ms)
{
	lw->t0 = rt_clock_ms();
	lw->timeout_ms = timeout_ms;
	lw->has_told = false;
}

static void
lock_event(rt_event_fn fn, void *ctx, enum rt_event_kind kind, const char *text)
{
	struct rt_event ev = { .kind = kind, .text = text };

	if (fn)
		fn(&ev, ctx);
}

int
rt_lock_wait_step(struct rt_db *db, struct rt_lock_wait *lw, rt_event_fn fn, void *ctx,
		  struct rt_err *err)
{
	char *holder;
	bool got;

	if (rt_db_try_lock(db, &got, err) < 0)
		return -1;
	if (got) {
		lock_event(fn, ctx, RT_EV_LOCKED, NULL);
		return 0;
	}
	if (!lw->has_told) {
		holder = rt_db_lock_holder(db);
		lock_event(fn, ctx, RT_EV_LOCK_WAIT, holder ? holder : "another session");
		free(holder);
		lw->has_told = true;
	}
	if (lw->timeout_ms < 0 || rt_clock_ms() - lw->t0 < lw->timeout_ms)
		return 1;
	holder = rt_db_lock_holder(db);
	rt_err_set(err, RT_ERR_RUN, "lock timeout after %.1f s: the migration lock is held by %s",
		   lw->timeout_ms / 1000.0, holder ? holder : "another session");
	free(holder);
	return -1;
}

int
rt_db_accept(struct rt_db *db, const struct rt_rev *rev, const char *reason, struct rt_err *err)
{
	char host[256], *sql, *error = rt_xasprintf("accepted: %s", reason);
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw ? pw->pw_name : getenv("USER");
	const char *params[6] = { rev->id, rev->sha256, user, host, error, rev->text };
	int lens[6] = { 0, 0, 0, 0, 0, (int)rev->text_len };
	int formats[6] = { 0, 0, 0, 0, 0, 1 };
	PGresult *res;
	int rc = -1;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	sql = rt_xasprintf("INSERT INTO %s (revision, direction, checksum, started_at, finished_at, "
			   "duration_ms, os_user, client_host, tool_version, outcome, error, "
			   "applied_file) VALUES ($1, 'stamp', $2, clock_timestamp(), "
			   "clock_timestamp(), 0, $3, $4, '" PACKAGE_NAME " " PACKAGE_VERSION "', "
			   "'ok', $5, $6)", db->hist);
	res = PQexecParams(db->conn, sql, 6, NULL, params, lens, formats, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rt_db_result_err(res, "recording the accepted checksum in retort_history", err);
	else
		rc = 0;
	PQclear(res);
	free(sql);
	free(error);
	return rc;
}
