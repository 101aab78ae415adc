/* schema.c - schemas built in a shadow database and read as models
 * (rt_schema.h): the migrations with the apply job, or a declared schema
 * file run statement by statement. */
#include "config.h"
#include "rt_schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_apply.h"
#include "rt_catalog.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_plan.h"
#include "rt_shadow.h"
#include "rt_sqlsplit.h"

struct rt_schema_build {
	struct rt_db *server;           /* owned: the --shadow-url connection, or NULL */
	struct rt_shadow *shadow;
	struct rt_plan *plan;           /* of the job last started */
};

struct rt_schema_build *
rt_schema_build_new(struct rt_db *live, const char *shadow_url, struct rt_err *err)
{
	struct rt_schema_build *b = rt_xcalloc(1, sizeof(*b));
	bool got = false;

	if (shadow_url) {
		if (!(b->server = rt_db_connect(shadow_url, NULL, err)))
			goto fail;
		live = b->server;
	}
	if (!(b->shadow = rt_shadow_create(live, err)))
		goto fail;
	if (rt_db_try_lock(rt_shadow_db(b->shadow), &got, err) < 0)
		goto fail;
	return b;
fail:
	rt_schema_build_free(b, NULL);
	return NULL;
}

/* rt_schema_build_start and rt_schema_build_try: with open not NULL, a plan
 * of transactional revisions only runs in one transaction kept open. */
static int
build_start(struct rt_schema_build *b, const struct rt_graph *g, bool is_up,
	    const char *target, bool *open, struct rt_job **job, struct rt_err *err)
{
	struct rt_db *db = rt_shadow_db(b->shadow);
	struct rt_strv cur = { 0 };
	struct rt_apply_opts o = { 0 };

	*job = NULL;
	if (open)
		*open = false;
	rt_plan_free(b->plan);
	b->plan = NULL;
	if (rt_db_current(db, &cur, err) < 0)
		return -1;
	b->plan = is_up ? rt_plan_upgrade(g, &cur, target, err)
			: rt_plan_downgrade(g, &cur, target, err);
	rt_strv_free(&cur);
	if (!b->plan)
		return -1;
	if (b->plan->nsteps == 0)
		return 0;
	if (open) {
		o.keep_open = true;
		for (size_t i = 0; i < b->plan->nsteps; i++)
			if (!b->plan->steps[i].rev->is_transactional)
				o.keep_open = false;
		*open = o.keep_open;
	}
	if (!(*job = rt_apply_start(db, b->plan, &o, NULL, NULL, err)))
		return -1;
	return 1;
}

int
rt_schema_build_start(struct rt_schema_build *b, const struct rt_graph *g, bool is_up,
		      const char *target, struct rt_job **job, struct rt_err *err)
{
	return build_start(b, g, is_up, target, NULL, job, err);
}

int
rt_schema_build_try(struct rt_schema_build *b, const struct rt_graph *g, bool is_up,
		    const char *target, bool *open, struct rt_job **job, struct rt_err *err)
{
	return build_start(b, g, is_up, target, open, job, err);
}

int
rt_schema_build_rollback(struct rt_schema_build *b, struct rt_err *err)
{
	/* the log as it was before the transaction comes back with it: empty it */
	return rt_db_exec_ok(rt_shadow_db(b->shadow), "ROLLBACK;"
			     "SELECT set_config('rt.touched', '', false)"
			     " WHERE current_setting('rt.touched', true) IS NOT NULL", err);
}

static char *
read_all(const char *path, struct rt_err *err)
{
	FILE *fp = fopen(path, "rb");
	struct rt_buf b = { 0 };
	char chunk[65536];
	size_t n;

	if (!fp) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rt_buf_append(&b, chunk, n);
	if (ferror(fp)) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s", path, strerror(errno));
		fclose(fp);
		rt_buf_free(&b);
		return NULL;
	}
	fclose(fp);
	rt_buf_puts(&b, "");
	return rt_buf_take(&b);
}

/* ---- the declared schema, statement by statement, as a job ---- */

struct load_job {
	PGconn *conn;               /* borrowed from the shadow */
	struct rt_stmt_list list;
	char *path;
	size_t i;                   /* the statement in flight or next */
	bool in_flight, failed, cancelled, done;
	struct rt_err ferr;
};

static size_t
load_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct load_job *j = impl;

	if (j->done || max < 1)
		return 0;
	fds[0].fd = PQsocket(j->conn);
	fds[0].events = POLLIN;
	fds[0].revents = 0;
	return 1;
}

static void
load_failed(struct load_job *j, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	if (j->failed)
		return;
	j->failed = true;
	if (j->cancelled || (state && strcmp(state, "57014") == 0)) {
		rt_err_set(&j->ferr, RT_ERR_CANCEL, "loading %s: cancelled", j->path);
		return;
	}
	/* the declared schema is input: a statement that does not run is bad input */
	rt_err_set_at(&j->ferr, RT_ERR_INPUT, j->path, j->list.v[j->i].line, "%s",
		      m ? m : PQerrorMessage(j->conn));
	if (d)
		rt_err_detail(&j->ferr, "DETAIL: %s", d);
}

static int
load_step(void *impl, struct rt_err *err)
{
	struct load_job *j = impl;
	PGresult *res;

	for (;;) {
		if (j->done) {
			if (!j->failed)
				return 0;
			if (err)
				*err = j->ferr;
			return -1;
		}
		if (!j->in_flight) {
			if (j->i == j->list.n || j->failed || j->cancelled) {
				if (j->cancelled && !j->failed) {
					j->failed = true;
					rt_err_set(&j->ferr, RT_ERR_CANCEL, "loading %s: cancelled", j->path);
				}
				PQsetnonblocking(j->conn, 0);
				j->done = true;
				continue;
			}
			if (!PQsendQuery(j->conn, j->list.v[j->i].sql)) {
				rt_err_set(&j->ferr, RT_ERR_RUN, "loading %s: %s", j->path,
					   PQerrorMessage(j->conn));
				j->failed = j->done = true;
				continue;
			}
			j->in_flight = true;
		}
		if (PQflush(j->conn) < 0 || !PQconsumeInput(j->conn)) {
			rt_err_set(&j->ferr, RT_ERR_RUN, "loading %s: %s", j->path,
				   PQerrorMessage(j->conn));
			j->failed = j->done = true;
			continue;
		}
		while (j->in_flight && !PQisBusy(j->conn)) {
			if (!(res = PQgetResult(j->conn))) {
				j->in_flight = false;
				if (!j->failed)
					j->i++;
				break;
			}
			if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			    PQresultStatus(res) != PGRES_TUPLES_OK)
				load_failed(j, res);
			PQclear(res);
		}
		if (j->in_flight)
			return 1;       /* wait for the server */
	}
}

static void
load_cancel(void *impl)
{
	struct load_job *j = impl;

	if (j->done || j->cancelled)
		return;
	j->cancelled = true;
	if (j->in_flight)
		rt_db_cancel_query(j->conn);
}

static void
load_free(void *impl)
{
	struct load_job *j = impl;
	PGresult *res;

	if (j->in_flight) {
		PQsetnonblocking(j->conn, 0);
		while ((res = PQgetResult(j->conn)) != NULL)
			PQclear(res);
	}
	PQsetnonblocking(j->conn, 0);
	rt_stmt_list_free(&j->list);
	free(j->path);
	free(j);
}

static const struct rt_job_ops load_ops = {
	.name = "load the declared schema",
	.fds = load_fds,
	.step = load_step,
	.cancel = load_cancel,
	.free = load_free,
};

struct rt_job *
rt_schema_build_load_start(struct rt_schema_build *b, const char *path, struct rt_err *err)
{
	struct load_job *j = rt_xcalloc(1, sizeof(*j));
	char *text = read_all(path, err);

	j->conn = rt_shadow_db(b->shadow)->conn;
	j->path = rt_xstrdup(path);
	if (!text)
		goto fail;
	if (rt_sql_split(text, 1, &j->list, err) < 0) {
		rt_err_locate(err, path);
		goto fail;
	}
	for (size_t i = 0; i < j->list.n; i++)
		if (j->list.v[i].sql[0] == '\\' || j->list.v[i].copy_data) {
			rt_err_set_at(err, RT_ERR_INPUT, path, j->list.v[i].line,
				      "the declared schema holds only SQL statements (no psql "
				      "meta-commands or COPY data)");
			goto fail;
		}
	free(text);
	if (PQsetnonblocking(j->conn, 1) != 0) {
		rt_err_set(err, RT_ERR_RUN, "loading %s: %s", path, PQerrorMessage(j->conn));
		text = NULL;
		goto fail;
	}
	return rt_job_new(&load_ops, j);
fail:
	free(text);
	rt_stmt_list_free(&j->list);
	free(j->path);
	free(j);
	return NULL;
}

int
rt_schema_build_load_file(struct rt_schema_build *b, const char *path, struct rt_err *err)
{
	struct rt_job *job = rt_schema_build_load_start(b, path, err);
	int rc;

	if (!job)
		return -1;
	rc = rt_job_run(job, err);
	rt_job_free(job);
	return rc;
}

/* The change log: the anchors of what the DDL commands made, changed or
 * dropped, as a comma-separated list in the session's rt.touched setting
 * (set_config rolls back with a failed transaction, like the catalog). Two
 * event triggers keep it; their functions and the map of what each object
 * made hangs on (for its drop) live in pg_temp, so no model ever sees them.
 * A command also logs the objects that depend on what it changed (a view
 * on a renamed column, a foreign key to a renamed table, a sequence OWNED
 * BY it); a drop logs the table a dropped part hung on, or what the map
 * learnt when the object was made. */
static const char track_sql[] =
	"BEGIN;"
	"SET rt.touched = '';"
	"CREATE TEMP TABLE rt_owner (obj oid PRIMARY KEY, anchor oid NOT NULL);"
	/* plpgsql, not sql: its plans are kept for the session */
	"CREATE FUNCTION pg_temp.rt_anchor(cls oid, obj oid) RETURNS oid LANGUAGE plpgsql STABLE"
	" SET search_path = pg_catalog AS $f$ BEGIN"
	"  IF cls = 'pg_class'::regclass THEN"
	"   RETURN coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = obj), obj);"
	"  ELSIF cls = 'pg_constraint'::regclass THEN"
	"   RETURN (SELECT CASE WHEN contypid <> 0 THEN contypid ELSE conrelid END"
	"    FROM pg_constraint WHERE oid = obj);"
	"  ELSIF cls = 'pg_trigger'::regclass THEN"
	"   RETURN (SELECT tgrelid FROM pg_trigger WHERE oid = obj);"
	"  ELSIF cls = 'pg_attrdef'::regclass THEN"
	"   RETURN (SELECT adrelid FROM pg_attrdef WHERE oid = obj);"
	"  ELSIF cls = 'pg_rewrite'::regclass THEN"
	"   RETURN (SELECT ev_class FROM pg_rewrite WHERE oid = obj);"
	"  ELSIF cls = 'pg_policy'::regclass THEN"
	"   RETURN (SELECT polrelid FROM pg_policy WHERE oid = obj);"
	"  ELSIF cls = 'pg_type'::regclass THEN"
	"   RETURN (SELECT CASE WHEN typrelid <> 0 THEN typrelid ELSE oid END FROM pg_type"
	"    WHERE oid = obj);"
	"  END IF;"
	"  RETURN obj; END $f$;"
	"CREATE FUNCTION pg_temp.rt_ddl() RETURNS event_trigger LANGUAGE plpgsql"
	" SET search_path = pg_catalog AS $f$ DECLARE r record; a oid; log text; BEGIN"
	"  log := current_setting('rt.touched', true);"
	"  IF log IS NULL THEN RETURN; END IF;"
	"  FOR r IN SELECT classid, objid FROM pg_event_trigger_ddl_commands() LOOP"
	"   a := coalesce(pg_temp.rt_anchor(r.classid, r.objid), r.objid);"
	"   IF a <> r.objid THEN"     /* a part: its drop will need its table */
	"    INSERT INTO pg_temp.rt_owner VALUES (r.objid, a)"
	"     ON CONFLICT (obj) DO UPDATE SET anchor = EXCLUDED.anchor;"
	"   END IF;"
	"   log := log || ',' || a || coalesce((SELECT string_agg(',' || coalesce("
	"    pg_temp.rt_anchor(d.classid, d.objid), d.objid), '') FROM pg_depend d"
	"    WHERE d.refclassid = r.classid AND d.refobjid = r.objid"
	"    AND d.deptype IN ('n', 'a')), '');"
	"  END LOOP;"
	"  PERFORM set_config('rt.touched', log, false); END $f$;"
	"CREATE FUNCTION pg_temp.rt_drop() RETURNS event_trigger LANGUAGE plpgsql"
	" SET search_path = pg_catalog AS $f$ DECLARE r record; a oid; log text; BEGIN"
	"  log := current_setting('rt.touched', true);"
	"  IF log IS NULL THEN RETURN; END IF;"
	"  FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP"
	"   a := NULL;"
	"   IF r.object_type IN ('table constraint', 'trigger', 'rule', 'table column',"
	"    'default value', 'policy') AND cardinality(r.address_names) >= 2 THEN"
	"    a := to_regclass(quote_ident(r.address_names[1]) || '.'"
	"     || quote_ident(r.address_names[2]));"
	"   END IF;"
	"   IF a IS NULL THEN SELECT o.anchor INTO a FROM pg_temp.rt_owner o"
	"    WHERE o.obj = r.objid; END IF;"
	"   log := log || ',' || coalesce(a, r.objid);"
	"  END LOOP;"
	"  PERFORM set_config('rt.touched', log, false); END $f$;"
	"CREATE EVENT TRIGGER rt_ddl ON ddl_command_end EXECUTE FUNCTION pg_temp.rt_ddl();"
	"CREATE EVENT TRIGGER rt_drop ON sql_drop EXECUTE FUNCTION pg_temp.rt_drop();"
	"COMMIT";

int
rt_schema_build_track(struct rt_schema_build *b, struct rt_err *err)
{
	PGconn *conn = rt_shadow_db(b->shadow)->conn;
	PGresult *res = PQexec(conn, track_sql);
	ExecStatusType st = PQresultStatus(res);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int rc = 1;

	if (st != PGRES_COMMAND_OK) {
		/* only a superuser makes event triggers: then there is no log */
		rc = state && strcmp(state, "42501") == 0 ? 0 : -1;
		if (rc < 0)
			rt_db_result_err(res, "setting up the shadow's change log", err);
		PQclear(PQexec(conn, "ROLLBACK"));
	}
	PQclear(res);
	return rc;
}

struct rt_catalog *
rt_schema_build_read(struct rt_schema_build *b, struct rt_err *err)
{
	return rt_catalog_read(rt_shadow_db(b->shadow), NULL, err);
}

int
rt_schema_side_read(struct rt_schema_side *s, struct rt_err *err)
{
	s->reading = true;
	s->sub = rt_catalog_read_start(rt_shadow_db(s->b->shadow), NULL, err);
	return s->sub ? 0 : -1;
}

int
rt_schema_side_step(struct rt_schema_side *s, struct rt_err *err)
{
	int r;

	if (!s->sub || (r = rt_job_step(s->sub, err)) == 1)
		return 0;
	if (r == 0 && s->reading)
		s->cat = rt_catalog_read_take(s->sub);
	rt_job_free(s->sub);
	s->sub = NULL;
	if (r < 0)
		return -1;
	if (s->reading) {
		s->done = true;
		return 0;
	}
	return rt_schema_side_read(s, err);
}

struct rt_db *
rt_schema_build_db(struct rt_schema_build *b)
{
	return rt_shadow_db(b->shadow);
}

int
rt_schema_build_free(struct rt_schema_build *b, struct rt_err *err)
{
	int rc;

	if (!b)
		return 0;
	rc = rt_shadow_free(b->shadow, err);
	rt_plan_free(b->plan);
	rt_db_close(b->server);
	free(b);
	return rc;
}
