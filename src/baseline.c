/* baseline.c - `retort baseline -m MSG`: adopt the tables that exist in the
 * live database but that no migration creates. The migrations up to the
 * database's revision are built in a shadow database (rt_shadow.h) by the
 * apply job; the live tables missing from the shadow are dumped with
 * pg_dump --schema-only into a new revision on top of the current one, which
 * is then recorded as applied (a stamp with its retort_history row). */
#include "config.h"
#include "rt_adopt.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply_int.h"
#include "backup_int.h"
#include "db_int.h"
#include "rt_apply.h"
#include "rt_conninfo.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_plan.h"
#include "rt_project.h"
#include "rt_shadow.h"
#include "rt_spawn.h"

struct rt_baseline {
	struct rt_db *live;             /* borrowed */
	const struct rt_graph *g;       /* borrowed */
	struct rt_baseline_opts opts;   /* strings borrowed */
	struct rt_strv current;         /* the live version rows at prepare */
	struct rt_shadow *shadow;
	struct rt_plan *plan;
	struct rt_job *job;             /* owned while it exists */
};

struct rt_baseline *
rt_baseline_prepare(struct rt_db *live, const struct rt_graph *g,
		    const struct rt_baseline_opts *opts, struct rt_err *err)
{
	struct rt_baseline *bl = rt_xcalloc(1, sizeof(*bl));
	struct rt_strv none = { 0 };
	bool got = false;

	bl->live = live;
	bl->g = g;
	bl->opts = *opts;
	if (!opts->message || !*opts->message) {
		rt_err_set(err, RT_ERR_INPUT, "baseline needs a message: -m MSG");
		goto fail;
	}
	if (rt_db_current(live, &bl->current, err) < 0)
		goto fail;
	if (bl->current.n > 1) {
		char *rows = rt_strv_join(&bl->current, " ");

		rt_err_set(err, RT_ERR_INPUT, "baseline needs the database at one revision (it is "
			   "at %s): merge the heads and upgrade first", rows);
		free(rows);
		goto fail;
	}
	for (size_t i = 0; i < bl->current.n; i++)
		if (rt_graph_find(g, bl->current.v[i]) < 0) {
			rt_err_set(err, RT_ERR_INPUT, "the database is at %s, which no file defines",
				   bl->current.v[i]);
			goto fail;
		}
	bl->plan = bl->current.n ? rt_plan_upgrade(g, &none, bl->current.v[0], err)
				 : rt_plan_stamp(g, &none, "base", err);
	if (!bl->plan)
		goto fail;
	if (!(bl->shadow = rt_shadow_create(live, err)))
		goto fail;
	if (rt_db_try_lock(rt_shadow_db(bl->shadow), &got, err) < 0)
		goto fail;
	return bl;
fail:
	rt_baseline_free(bl, NULL);
	return NULL;
}

struct rt_job *
rt_baseline_start(struct rt_baseline *bl, struct rt_err *err)
{
	struct rt_apply_opts o = { 0 };

	return rt_apply_start(rt_shadow_db(bl->shadow), bl->plan, &o, NULL, NULL, err);
}

/* The tables (schema.name, quoted) of a database, but retort's own. */
static int
tables_of(struct rt_db *db, struct rt_strv *out, struct rt_err *err)
{
	PGresult *res = rt_db_exec(db, "SELECT quote_ident(n.nspname) || '.' || "
				   "quote_ident(c.relname), c.relname FROM pg_class c JOIN pg_namespace n "
				   "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT "
				   "c.relispartition AND n.nspname NOT IN ('pg_catalog', "
				   "'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' "
				   "ORDER BY 1", "listing the tables", err);

	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *q = PQgetvalue(res, i, 0);

		if (strcmp(q, db->vt) == 0 || strcmp(q, db->hist) == 0 ||
		    strcmp(PQgetvalue(res, i, 1), "retort_history") == 0 ||
		    strcmp(PQgetvalue(res, i, 1), db->vt_name) == 0)
			continue;
		rt_strv_push(out, q);
	}
	PQclear(res);
	return 0;
}

/* "public.x" or "x" given with --tables matches the quoted schema.name q. */
static bool
table_matches(const char *q, const char *want)
{
	const char *dot = strchr(q, '.');

	return strcmp(q, want) == 0 || (dot && strcmp(dot + 1, want) == 0 &&
					 strncmp(q, "public.", 7) == 0);
}

/* pg_dump --schema-only of the tables, minus SET lines, set_config, comments,
 * OWNER TO and psql's \restrict lines. */
static int
dump_tables(struct rt_db *live, const struct rt_strv *tables, struct rt_buf *out,
	    struct rt_err *err)
{
	char *tool, *version = NULL, *note = NULL, *conninfo = NULL, *password = NULL;
	char tmp[] = "/tmp/retort-baseline-XXXXXX";
	struct rt_strv argv = { 0 };
	struct rt_buf dump = { 0 }, output = { 0 };
	char *pwenv = NULL;
	int fd, status = 0, rc = -1;

	tool = rt_pg_tool("pg_dump", rt_db_server_version(live), &version, &note, err);
	if (!tool)
		return -1;
	if ((fd = mkstemp(tmp)) < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", tmp, strerror(errno));
		goto out_nofile;
	}
	close(fd);
	if (rt_conninfo_split(live->url, &conninfo, &password, err) < 0)
		goto out;
	rt_strv_push(&argv, tool);
	rt_strv_push(&argv, "--schema-only");
	rt_strv_push(&argv, "--no-owner");
	rt_strv_push(&argv, "--no-privileges");
	rt_strv_push(&argv, "-f");
	rt_strv_push(&argv, tmp);
	for (size_t i = 0; i < tables->n; i++) {
		rt_strv_push(&argv, "-t");
		/* quoted: an exact name, not a pattern */
		rt_strv_push(&argv, tables->v[i]);
	}
	rt_strv_push(&argv, "-d");
	rt_strv_push(&argv, conninfo);
	rt_strv_push_take(&argv, NULL);
	argv.n--;
	{
		const char *env[] = { NULL, NULL };
		struct rt_spawn_opts o = { .env_add = env, .capture = true };

		if (password) {
			pwenv = rt_xasprintf("PGPASSWORD=%s", password);
			env[0] = pwenv;
		}
		if (rt_spawn((const char *const *)argv.v, &o, &status, &output, err) < 0)
			goto out;
	}
	if (status != 0) {
		rt_err_set(err, RT_ERR_RUN, "pg_dump --schema-only failed (exit %d)", status);
		rt_err_detail(err, "%s", rt_buf_str(&output));
		goto out;
	}
	{
		int dfd = open(tmp, O_RDONLY | O_CLOEXEC);
		char chunk[65536];
		ssize_t n;

		if (dfd < 0) {
			rt_err_set(err, RT_ERR_RUN, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		while ((n = read(dfd, chunk, sizeof(chunk))) > 0)
			rt_buf_append(&dump, chunk, (size_t)n);
		close(dfd);
	}
	/* keep the statements; drop the noise, collapse blank runs */
	{
		bool blank = true;

		for (const char *p = rt_buf_str(&dump); *p; ) {
			size_t n = strcspn(p, "\n");
			bool skip = (n >= 2 && strncmp(p, "--", 2) == 0) ||
				    strncmp(p, "SET ", 4) == 0 ||
				    strncmp(p, "SELECT pg_catalog.set_config(", 29) == 0 ||
				    strncmp(p, "\\restrict", 9) == 0 ||
				    strncmp(p, "\\unrestrict", 11) == 0;

			if (!skip && n == 0) {
				if (!blank)
					rt_buf_putc(out, '\n');
				blank = true;
			} else if (!skip) {
				rt_buf_append(out, p, n);
				rt_buf_putc(out, '\n');
				blank = false;
			}
			p += n;
			if (*p == '\n')
				p++;
		}
		while (out->len && out->data[out->len - 1] == '\n')
			out->data[--out->len] = '\0';
	}
	rc = 0;
out:
	unlink(tmp);
out_nofile:
	if (password)
		explicit_bzero(password, strlen(password));
	if (pwenv)
		explicit_bzero(pwenv, strlen(pwenv));
	free(password);
	free(pwenv);
	free(conninfo);
	free(tool);
	free(version);
	free(note);
	rt_strv_free(&argv);
	rt_buf_free(&dump);
	rt_buf_free(&output);
	return rc;
}

/* The version table goes from the rows at prepare to id, with a stamp row in
 * retort_history: one transaction, under the migration lock. */
static int
record_applied(struct rt_baseline *bl, const char *id, const char *sha, struct rt_err *err)
{
	struct rt_db *db = bl->live;
	struct rt_strv now = { 0 }, after = { 0 };
	struct rt_cmdv cmds = { 0 };
	struct passwd *pw = getpwuid(geteuid());
	char host[256] = "";
	struct rt_who who = { NULL, pw ? pw->pw_name : NULL, host };
	char *hist = NULL;
	int rc = -1;

	gethostname(host, sizeof(host) - 1);
	if (rt_db_lock(db, bl->opts.lock_timeout_ms, NULL, NULL, NULL, err) < 0)
		return -1;
	if (rt_db_setup(db, err) < 0 || rt_db_exec_ok(db, "BEGIN", err) < 0)
		goto out;
	if (rt_db_current(db, &now, err) < 0)
		goto rollback;
	{
		char *a = rt_strv_join(&now, " "), *b = rt_strv_join(&bl->current, " ");
		bool moved = strcmp(a, b) != 0;

		if (moved)
			rt_err_set(err, RT_ERR_RUN, "the database moved from %s to %s meanwhile: "
				   "the baseline revision was written but is not recorded as applied "
				   "(retort stamp %s once checked)", *b ? b : "base", *a ? a : "base", id);
		free(a);
		free(b);
		if (moved)
			goto rollback;
	}
	rt_strv_push(&after, id);
	rt_sqlgen_vt(&cmds, db->vt, &now, &after);
	for (size_t i = 0; i < cmds.n; i++)
		if (rt_db_exec_ok(db, cmds.v[i].sql, err) < 0)
			goto rollback;
	hist = rt_sqlgen_history(db->hist, id, "stamp", sha, "ok", &who, false);
	if (rt_db_exec_ok(db, hist, err) < 0 || rt_db_exec_ok(db, "COMMIT", err) < 0)
		goto rollback;
	rc = 0;
	goto out;
rollback:
	rt_db_exec_ok(db, "ROLLBACK", NULL);
out:
	rt_db_unlock(db);
	rt_cmdv_free(&cmds);
	rt_strv_free(&now);
	rt_strv_free(&after);
	free(hist);
	return rc;
}

int
rt_baseline_finish(struct rt_baseline *bl, struct rt_baseline_result *out, struct rt_err *err)
{
	struct rt_strv live = { 0 }, shadow = { 0 }, pick = { 0 }, parents = { 0 };
	struct rt_buf up = { 0 }, down = { 0 }, text = { 0 };
	struct rt_rev_spec spec = { 0 };
	char id[RT_REV_ID_MAX + 1], sha[65];
	char *name = NULL, *path = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (tables_of(bl->live, &live, err) < 0 || tables_of(rt_shadow_db(bl->shadow), &shadow, err) < 0)
		goto out;
	for (size_t i = 0; i < live.n; i++)
		if (!rt_strv_contains(&shadow, live.v[i]))
			rt_strv_push(&pick, live.v[i]);
	if (bl->opts.tables) {
		struct rt_strv want = { 0 }, keep = { 0 };
		const char *p = bl->opts.tables;

		while (*p) {
			size_t n = strcspn(p, ",");
			char *t = rt_xstrndup(p, n);
			bool found = false;

			for (size_t i = 0; i < pick.n; i++)
				if (table_matches(pick.v[i], t)) {
					if (!rt_strv_contains(&want, pick.v[i]))
						rt_strv_push(&want, pick.v[i]);
					found = true;
				}
			if (!found && n) {
				rt_err_set(err, RT_ERR_INPUT, "--tables: %s is not a table outside the "
					   "migrations (it does not exist, or a migration creates it)", t);
				free(t);
				rt_strv_free(&want);
				goto out;
			}
			free(t);
			p += n;
			if (*p == ',')
				p++;
		}
		/* in the catalog's order, as without --tables */
		for (size_t i = 0; i < pick.n; i++)
			if (rt_strv_contains(&want, pick.v[i]))
				rt_strv_push(&keep, pick.v[i]);
		rt_strv_free(&want);
		rt_strv_free(&pick);
		pick = keep;
	}
	if (pick.n == 0) {
		rt_err_set(err, RT_ERR_INPUT, "no table outside the migrations: nothing to baseline");
		goto out;
	}
	if (dump_tables(bl->live, &pick, &up, err) < 0)
		goto out;
	/* one DROP: PostgreSQL orders the dependencies among the tables it names */
	rt_buf_puts(&down, "DROP TABLE ");
	for (size_t i = pick.n; i-- > 0; )
		rt_buf_printf(&down, "%s%s", pick.v[i], i ? ", " : ";");
	rt_rev_new_id(id);
	for (size_t i = 0; i < bl->current.n; i++)
		rt_strv_push(&parents, bl->current.v[i]);
	spec.id = id;
	spec.message = bl->opts.message;
	spec.parents = &parents;
	spec.upgrade = rt_buf_str(&up);
	spec.downgrade = rt_buf_str(&down);
	if (rt_rev_render(&spec, &text, &name, err) < 0)
		goto out;
	path = rt_xasprintf("%s/%s", bl->opts.versions_dir, name);
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0 || write(fd, text.data, text.len) != (ssize_t)text.len || fsync(fd) != 0) {
			rt_err_set(err, RT_ERR_RUN, "%s: cannot write: %s", path, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(path);
			}
			goto out;
		}
		close(fd);
	}
	rt_sha256_hex(text.data, text.len, sha);
	if (record_applied(bl, id, sha, err) < 0)
		goto out;
	out->path = path;
	path = NULL;
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->tables = pick;
	memset(&pick, 0, sizeof(pick));
	rc = 0;
out:
	rt_strv_free(&live);
	rt_strv_free(&shadow);
	rt_strv_free(&pick);
	rt_strv_free(&parents);
	rt_buf_free(&up);
	rt_buf_free(&down);
	rt_buf_free(&text);
	free(name);
	free(path);
	return rc;
}

int
rt_baseline_free(struct rt_baseline *bl, struct rt_err *err)
{
	int rc;

	if (!bl)
		return 0;
	rt_plan_free(bl->plan);
	rc = rt_shadow_free(bl->shadow, err);
	rt_strv_free(&bl->current);
	free(bl);
	return rc;
}

void
rt_baseline_result_free(struct rt_baseline_result *r)
{
	if (!r)
		return;
	free(r->path);
	rt_strv_free(&r->tables);
	memset(r, 0, sizeof(*r));
}
