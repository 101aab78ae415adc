/* shadow.c - shadow databases (rt_shadow.h). */
#include "config.h"
#include "rt_shadow.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "rt_conninfo.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migration.h"

struct rt_shadow {
	struct rt_db *live;     /* borrowed */
	struct rt_db *db;       /* owned */
	char name[64];
};

static int
exec_ident(struct rt_db *live, const char *fmt, const char *name, const char *what,
	   struct rt_err *err)
{
	char *q = PQescapeIdentifier(live->conn, name, strlen(name));
	char *sql;
	int rc;

	if (!q) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", what, PQerrorMessage(live->conn));
		return -1;
	}
	sql = rt_xasprintf(fmt, q);
	PQfreemem(q);
	PGresult *res = rt_db_exec(live, sql, what, err);
	rc = res ? 0 : -1;
	PQclear(res);
	free(sql);
	return rc;
}

/* Whether live's server has a scratch tablespace (RT_SCRATCH_TABLESPACE)
 * this role may create databases in. */
static bool
has_scratch(struct rt_db *live)
{
	PGresult *res = PQexec(live->conn, "SELECT has_tablespace_privilege(oid, 'CREATE')"
			       " FROM pg_catalog.pg_tablespace WHERE spcname = '"
			       RT_SCRATCH_TABLESPACE "'");
	bool yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		   strcmp(PQgetvalue(res, 0, 0), "t") == 0;

	PQclear(res);
	return yes;
}

struct rt_shadow *
rt_shadow_create(struct rt_db *live, struct rt_err *err)
{
	struct rt_shadow *sh = rt_xcalloc(1, sizeof(*sh));
	char rnd[RT_REV_ID_MAX + 1];
	char *conninfo = NULL, *url = NULL;
	int timeout = 0;
	bool in_scratch;

	rt_rev_new_id(rnd);
	rnd[8] = '\0';
	snprintf(sh->name, sizeof(sh->name), "retort_shadow_%ld_%s", (long)getpid(), rnd);
	sh->live = live;
	/* in the scratch tablespace when there is one (its directory may be
	 * gone, say a tmpfs after a reboot: then where the server puts it) */
	in_scratch = has_scratch(live) &&
		     exec_ident(live, "CREATE DATABASE %s TEMPLATE template0 TABLESPACE "
				RT_SCRATCH_TABLESPACE, sh->name, "creating the shadow database",
				NULL) == 0;
	if (!in_scratch && exec_ident(live, "CREATE DATABASE %s TEMPLATE template0", sh->name,
				      "creating the shadow database", err) < 0) {
		free(sh);
		return NULL;
	}
	conninfo = rt_conninfo_for_connect(live->url, &timeout, err);
	if (conninfo) {
		/* a later keyword wins in a conninfo string */
		url = rt_xasprintf("%s dbname='%s'", conninfo, sh->name);
		sh->db = rt_db_connect(url, NULL, err);
	}
	if (conninfo)
		explicit_bzero(conninfo, strlen(conninfo));
	if (url)
		explicit_bzero(url, strlen(url));
	free(conninfo);
	free(url);
	/* a scratch database: a crash may lose its last commits, nothing else */
	if (!sh->db || rt_db_exec_ok(sh->db, "SET synchronous_commit = off", err) < 0) {
		rt_shadow_free(sh, NULL);
		return NULL;
	}
	sh->db->is_scratch = true;
	return sh;
}

struct rt_db *
rt_shadow_db(struct rt_shadow *sh)
{
	return sh->db;
}

const char *
rt_shadow_name(const struct rt_shadow *sh)
{
	return sh->name;
}

int
rt_shadow_free(struct rt_shadow *sh, struct rt_err *err)
{
	struct rt_err e = { 0 };
	int rc;

	if (!sh)
		return 0;
	rt_db_close(sh->db);
	sh->db = NULL;
	rc = exec_ident(sh->live, "DROP DATABASE IF EXISTS %s WITH (FORCE)", sh->name,
			"dropping the shadow database", &e);
	if (rc < 0 && err) {
		rt_err_set(err, RT_ERR_RUN, "%s (left behind: drop it by hand)", e.msg);
	}
	rt_err_clear(&e);
	free(sh);
	return rc;
}
