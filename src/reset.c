/* reset.c - the reset workflow (rt_reset.h): one job that runs other
 * operations' jobs one after another (backup, downgrade to base or the
 * schemas dropped, upgrade head, seed, exact counts), preparing each when
 * the one before has ended, since each depends on what the last one did. */
#include "config.h"
#include "rt_reset.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_backup.h"
#include "rt_config.h"
#include "rt_counts.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migrate.h"
#include "rt_seed.h"
#include "rt_session.h"
#include "seed_int.h"

static const char schemas_sql[] =
	"SELECT nspname FROM pg_namespace"
	" WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
	"   AND nspname NOT LIKE 'pg\\_%'"
	" ORDER BY nspname";

enum reset_phase { R_BACKUP, R_DROP, R_UPGRADE, R_SEED, R_COUNT, R_DONE };

struct rt_reset {
	struct rt_session *s;
	struct rt_reset_req req;
	struct rt_counts tables;      /* before: estimates */
	struct rt_strv schemas;       /* all: the schemas to drop */
	char *drop_sql;               /* all */
	bool is_confirmed;
	struct rt_counts after;
	char *backup_path;
};

static bool
is_protected(const struct rt_session *s)
{
	const struct rt_env *env = rt_session_env(s);

	return env && env->is_protected;
}

/* Every seed file's CSV alone (no catalog: the tables may not exist yet). */
static int
check_seed_csv(const char *dir, struct rt_err *err)
{
	return seedcsv_check_dir(dir, err);
}

static char *
drop_all_sql(struct rt_reset *r, PGconn *conn)
{
	struct rt_buf b = { 0 };

	rt_buf_puts(&b, "BEGIN;\n");
	for (size_t i = 0; i < r->schemas.n; i++) {
		char *q = PQescapeIdentifier(conn, r->schemas.v[i], strlen(r->schemas.v[i]));

		rt_buf_printf(&b, "DROP SCHEMA %s CASCADE;\n", q ? q : "\"\"");
		PQfreemem(q);
	}
	/* public as a new database has it */
	if (PQserverVersion(conn) >= 150000)
		rt_buf_puts(&b, "CREATE SCHEMA public AUTHORIZATION pg_database_owner;\n"
			    "GRANT USAGE ON SCHEMA public TO PUBLIC;\n");
	else
		rt_buf_puts(&b, "CREATE SCHEMA public;\nGRANT ALL ON SCHEMA public TO PUBLIC;\n");
	rt_buf_puts(&b, "COMMENT ON SCHEMA public IS 'standard public schema';\nCOMMIT;\n");
	return rt_buf_take(&b);
}

struct rt_reset *
rt_reset_prepare(struct rt_session *s, const struct rt_reset_req *req, struct rt_err *err)
{
	struct rt_reset *r;
	struct rt_db *db;

	if (rt_session_connect(s, err) < 0)
		return NULL;
	if (is_protected(s)) {
		rt_err_set(err, RT_ERR_INPUT, "env '%s' is protected: reset is refused there "
			   "(nothing overrides that); nothing changed", rt_session_env(s)->name);
		return NULL;
	}
	if (!req->no_seed && check_seed_csv(rt_session_config(s)->seeds_dir, err) < 0)
		return NULL;
	if (rt_session_load_graph(s, err) < 0)
		return NULL;
	db = rt_session_db(s);
	r = rt_xcalloc(1, sizeof(*r));
	r->s = s;
	r->req = *req;
	if (rt_counts_estimate(db, &r->tables, err) < 0)
		goto fail;
	if (req->all) {
		PGresult *res = rt_db_exec(db, schemas_sql, "reading the schemas", err);

		if (!res)
			goto fail;
		for (int i = 0; i < PQntuples(res); i++)
			rt_strv_push(&r->schemas, PQgetvalue(res, i, 0));
		PQclear(res);
		r->drop_sql = drop_all_sql(r, db->conn);
	}
	return r;
fail:
	rt_reset_free(r);
	return NULL;
}

void
rt_reset_free(struct rt_reset *r)
{
	if (!r)
		return;
	rt_counts_free(&r->tables);
	rt_counts_free(&r->after);
	rt_strv_free(&r->schemas);
	free(r->drop_sql);
	free(r->backup_path);
	free(r);
}

const char *
rt_reset_dbname(const struct rt_reset *r)
{
	return rt_db_name(rt_session_db(r->s));
}

const struct rt_counts *
rt_reset_tables(const struct rt_reset *r)
{
	return &r->tables;
}

const struct rt_strv *
rt_reset_schemas(const struct rt_reset *r)
{
	return &r->schemas;
}

const struct rt_counts *
rt_reset_counts_after(const struct rt_reset *r)
{
	return &r->after;
}

const char *
rt_reset_backup_path(const struct rt_reset *r)
{
	return r->backup_path;
}

int
rt_reset_confirm(struct rt_reset *r, bool yes, struct rt_err *err)
{
	if (!yes) {
		rt_err_set(err, RT_ERR_INPUT, "not confirmed; nothing changed");
		return -1;
	}
	r->is_confirmed = true;
	return 0;
}

/* ---- the job ------------------------------------------------------------------ */

struct reset_job {
	struct rt_reset *r;
	rt_event_fn fn;
	void *ctx;
	enum reset_phase phase;
	struct rt_job *sub;           /* the step running */
	struct rt_migrate *mig;       /* the downgrade's or upgrade's operation */
	struct rt_seed *seed;
	PGconn *conn;                 /* all: the drop's connection */
	bool cancelled, has_failed;
};

static void
note(struct reset_job *j, const char *text)
{
	struct rt_event ev = { .kind = RT_EV_NOTE, .text = text };

	if (j->fn)
		j->fn(&ev, j->ctx);
}

static void
end_sub(struct reset_job *j)
{
	rt_job_free(j->sub);
	j->sub = NULL;
	rt_migrate_free(j->mig);
	j->mig = NULL;
}

/* A downgrade to base or an upgrade to head, as a step; 0 when there is
 * nothing to do (j->sub stays NULL). */
static int
start_migrate(struct reset_job *j, enum rt_plan_kind kind, struct rt_err *err)
{
	struct rt_migrate_req req = { .kind = kind, .target = kind == RT_PLAN_DOWNGRADE ? "base" : NULL,
				      .no_backup = true,
				      .lock_timeout_ms = RT_LOCK_TIMEOUT_CONFIG };

	j->mig = rt_migrate_prepare(j->r->s, &req, err);
	if (!j->mig)
		return -1;
	if (rt_migrate_is_noop(j->mig))
		return 0;
	if (rt_migrate_confirm(j->mig, NULL, true, err) < 0)
		return -1;
	j->sub = rt_migrate_start(j->mig, j->fn, j->ctx, err);
	return j->sub ? 0 : -1;
}

/* The drop of every schema on its own connection, asynchronously. */
static int
start_drop_all(struct reset_job *j, struct rt_err *err)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { rt_session_db(j->r->s)->url, "retort reset", NULL };

	j->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(j->conn) != CONNECTION_OK || PQsetnonblocking(j->conn, 1) != 0 ||
	    !PQsendQuery(j->conn, j->r->drop_sql) || PQflush(j->conn) < 0) {
		rt_err_set(err, RT_ERR_RUN, "reset: %s", PQerrorMessage(j->conn));
		return -1;
	}
	return 0;
}

static int
step_drop_all(struct reset_job *j, struct rt_err *err)
{
	PGresult *res;
	int rc = 0;

	if (!PQconsumeInput(j->conn) || PQflush(j->conn) < 0) {
		rt_err_set(err, RT_ERR_RUN, "reset: %s", PQerrorMessage(j->conn));
		return -1;
	}
	while (!PQisBusy(j->conn)) {
		res = PQgetResult(j->conn);
		if (!res) {
			PQfinish(j->conn);
			j->conn = NULL;
			return rc;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
			const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (j->cancelled || (st && strcmp(st, "57014") == 0))
				rt_err_set(err, RT_ERR_CANCEL, "reset cancelled: nothing dropped");
			else
				rt_db_result_err(res, "reset: dropping the schemas", err);
			rc = -1;
		}
		PQclear(res);
	}
	return 1;
}

static int
start_phase(struct reset_job *j, struct rt_err *err)
{
	struct rt_reset *r = j->r;

	for (;;) {
		switch (j->phase) {
		case R_BACKUP:
			if (r->req.backup) {
				const struct rt_env *env = rt_session_env(r->s);
				struct rt_backup_opts o = { rt_session_config(r->s)->backup_dir,
							    env ? env->name : NULL, NULL, NULL };
				struct rt_backup_job *b;

				note(j, "backup");
				b = rt_backup_start(rt_session_db(r->s), &o, err);
				if (!b)
					return -1;
				j->sub = rt_backup_job_as_job(b);
				return 1;
			}
			break;
		case R_DROP:
			if (r->req.all) {
				note(j, "drop every schema");
				return start_drop_all(j, err) < 0 ? -1 : 1;
			}
			note(j, "downgrade base");
			if (start_migrate(j, RT_PLAN_DOWNGRADE, err) < 0)
				return -1;
			if (j->sub)
				return 1;
			end_sub(j);
			break;
		case R_UPGRADE:
			note(j, "upgrade head");
			if (start_migrate(j, RT_PLAN_UPGRADE, err) < 0)
				return -1;
			if (j->sub)
				return 1;
			end_sub(j);
			break;
		case R_SEED:
			if (!r->req.no_seed) {
				struct rt_seed_req sr = { 0 };

				note(j, "seed");
				j->seed = rt_seed_prepare(r->s, &sr, err);
				if (!j->seed || rt_seed_confirm(j->seed, NULL, true, err) < 0)
					return -1;
				j->sub = rt_seed_start(j->seed, j->fn, j->ctx, err);
				return j->sub ? 1 : -1;
			}
			break;
		case R_COUNT: {
			struct rt_count_job *cj;

			if (rt_counts_estimate(rt_session_db(r->s), &r->after, err) < 0)
				return -1;
			cj = rt_count_job_start(rt_session_db(r->s), &r->after, err);
			if (!cj)
				return -1;
			j->sub = rt_count_job_as_job(cj, &r->after);
			return 1;
		}
		case R_DONE:
			return 0;
		}
		j->phase++;
	}
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct reset_job *j = impl;
	int rc;

	if (j->phase == R_DONE)
		return 0;
	if (j->has_failed)
		return -1;
	if (j->conn)
		rc = step_drop_all(j, err);
	else if (j->sub)
		rc = rt_job_step(j->sub, err);
	else
		rc = 0;
	if (rc == 1)
		return 1;
	if (rc < 0) {
		if (j->phase == R_DROP && !j->r->req.all && err && err->kind == RT_ERR_RUN)
			rt_err_detail(err, "hint: reset --all drops the schemas instead of running "
				      "the downgrades");
		j->has_failed = true;
		return -1;
	}
	if (j->phase == R_BACKUP && j->sub) {
		const struct rt_backup_info *b = rt_backup_job_result(rt_backup_job_of(j->sub));

		if (b && b->path) {
			struct rt_event ev = { .kind = RT_EV_BACKUP_DONE, .text = b->path };

			j->r->backup_path = rt_xstrdup(b->path);
			if (j->fn)
				j->fn(&ev, j->ctx);
		}
	}
	end_sub(j);
	if (j->cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "reset cancelled after it had begun: the database "
			   "may be part way (run reset again)");
		j->has_failed = true;
		return -1;
	}
	j->phase++;
	rc = start_phase(j, err);
	if (rc < 0)
		j->has_failed = true;
	if (rc == 0)
		j->phase = R_DONE;
	return rc;
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct reset_job *j = impl;

	if (j->conn && max >= 1) {
		fds[0] = (struct pollfd){ PQsocket(j->conn), POLLIN, 0 };
		return 1;
	}
	return j->sub ? rt_job_fds(j->sub, fds, max) : 0;
}

static void
job_cancel(void *impl)
{
	struct reset_job *j = impl;

	j->cancelled = true;
	if (j->sub)
		rt_job_cancel(j->sub);
	if (j->conn)
		rt_db_cancel_query(j->conn);
}

static void
job_free(void *impl)
{
	struct reset_job *j = impl;

	end_sub(j);
	rt_seed_free(j->seed);
	if (j->conn)
		PQfinish(j->conn);
	free(j);
}

static const struct rt_job_ops reset_job_ops = {
	"reset", job_fds, job_step, job_cancel, job_free,
};

struct rt_job *
rt_reset_start(struct rt_reset *r, rt_event_fn fn, void *ctx, struct rt_err *err)
{
	struct reset_job *j;
	int rc;

	if (!r->is_confirmed) {
		rt_err_set(err, RT_ERR_INPUT, "reset: not confirmed; nothing changed");
		return NULL;
	}
	j = rt_xcalloc(1, sizeof(*j));
	j->r = r;
	j->fn = fn;
	j->ctx = ctx;
	j->phase = R_BACKUP;
	rc = start_phase(j, err);
	if (rc < 0) {
		job_free(j);
		return NULL;
	}
	if (rc == 0)
		j->phase = R_DONE;
	return rt_job_new(&reset_job_ops, j);
}
