/* cli_schema.c - schema, verify, check: the schema the migrations produce
 * (built in a shadow database), the live database against it and against
 * the declared schema, and every revision's round trip. verify and check are
 * engine jobs (rt_verify.h); this file drives them and prints the findings. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_autogen.h"
#include "rt_catalog.h"
#include "rt_config.h"
#include "rt_db.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_guard.h"
#include "rt_job.h"
#include "rt_migrate.h"
#include "rt_migration.h"
#include "rt_project.h"
#include "rt_schema.h"
#include "rt_modelcache.h"
#include "rt_verify.h"

static void
print_findings(struct cli *c, const struct rt_findings *f)
{
	struct rt_buf s1 = { 0 }, s2 = { 0 }, s3 = { 0 }, s4 = { 0 };

	if (c->format == CLI_JSON || c->format == CLI_CSV) {
		static const char *const cols[] = { "kind", "object", "detail", "sql" };
		struct cli_table t;

		cli_table_begin(&t, c->format, cols, 4);
		for (size_t i = 0; i < f->n; i++) {
			const char *v[4] = { f->v[i].kind, f->v[i].object, f->v[i].detail, f->v[i].sql };

			cli_table_row(&t, v);
		}
		cli_table_end(&t);
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		printf("%s: %s: %s\n", rt_fmt_safe(&s1, f->v[i].kind, 0),
		       rt_fmt_safe(&s2, f->v[i].object, 0), rt_fmt_safe(&s3, f->v[i].detail, 0));
		if (f->v[i].sql && c->verbose) {
			const char *p = rt_fmt_safe(&s4, f->v[i].sql, RT_FMT_MULTILINE);

			while (*p) {
				size_t n = strcspn(p, "\n");

				printf("    %.*s\n", (int)n, p);
				p += n + (p[n] == '\n');
			}
		}
	}
	rt_buf_free(&s1);
	rt_buf_free(&s2);
	rt_buf_free(&s3);
	rt_buf_free(&s4);
}

/* Runs one upgrade or downgrade of the shadow to target: 0 or -1 with c->err. */
static int
drive_build(struct cli *c, struct rt_schema_build *b, bool is_up, const char *target)
{
	struct rt_job *job = NULL;
	int r = rt_schema_build_start(b, c->graph, is_up, target, &job, &c->err);

	if (r <= 0)
		return r;
	r = cli_drive(job, &c->err);
	rt_job_free(job);
	return r < 0 ? -1 : 0;
}

/* The model of db's schema, read by a job (Ctrl-C cancels it); NULL with c->err. */
static struct rt_catalog *
read_model(struct cli *c, struct rt_db *db)
{
	struct rt_job *job = rt_catalog_read_start(db, NULL, &c->err);
	struct rt_catalog *cat = NULL;

	if (!job)
		return NULL;
	if (cli_drive(job, &c->err) == 0)
		cat = rt_catalog_read_take(job);
	rt_job_free(job);
	return cat;
}

/* The database the shadow goes on: the session's (connecting, which starts
 * the sandbox), or none with --shadow-url. */
static int
shadow_server(struct cli *c, struct rt_db **live)
{
	*live = NULL;
	if (c->shadow_url)
		return 0;
	if (cli_connect(c) < 0)
		return -1;
	*live = c->db;
	return 0;
}

static void
build_free(struct cli *c, struct rt_schema_build *b)
{
	struct rt_err drop = { 0 };
	struct rt_buf s = { 0 };

	if (rt_schema_build_free(b, &drop) < 0)
		fprintf(stderr, "retort: warning: %s\n", rt_fmt_safe(&s, drop.msg, 0));
	(void)c;
	rt_buf_free(&s);
}

int
cli_cmd_schema(struct cli *c)
{
	struct rt_schema_build *b = NULL;
	struct rt_catalog *cat = NULL;
	struct rt_db *live;
	struct rt_buf s = { 0 };
	const char *target = c->range ? c->range : "head";
	int rc = -1;

	if (c->live) {
		if (c->range || c->shadow_url) {
			rt_err_set(&c->err, RT_ERR_INPUT, "schema --live takes neither -r nor --shadow-url");
			return -1;
		}
		if (cli_connect(c) < 0 || !(cat = read_model(c, c->db)))
			return -1;
		goto print;
	}
	if (cli_load_graph(c) < 0 || shadow_server(c, &live) < 0)
		return -1;
	if (!(b = rt_schema_build_new(live, c->shadow_url, &c->err)))
		return -1;
	if (strcmp(target, "base") != 0 && drive_build(c, b, true, target) < 0) {
		if (c->err.kind != RT_ERR_CANCEL && c->err.kind != RT_ERR_INPUT)
			rt_err_detail(&c->err, "while building the migrations in a shadow database");
		goto out;
	}
	if (!(cat = read_model(c, rt_schema_build_db(b))))
		goto out;
print:
	{
		char *text = rt_catalog_render(cat);

		fputs(rt_fmt_safe(&s, text, RT_FMT_MULTILINE), stdout);
		free(text);
	}
	rc = 0;
out:
	rt_catalog_free(cat);
	build_free(c, b);
	rt_buf_free(&s);
	return rc;
}

static void
opts_of(struct cli *c, struct rt_verify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->shadow_url = c->shadow_url;
	o->schema_file = c->cfg->schema_file;
	o->strict_names = c->strict_names;
	o->column_order = c->column_order;
	o->data = c->data;
	o->no_track = c->whole_reads;
	o->reapply = c->reapply;
	o->seeds_dir = c->cfg->seeds_dir;
}

/* Drives job (NULL: its start failed) and prints the findings; 0 when there
 * are none, -1 with c->err (empty message: exit 1 after the findings). */
static int
run_findings(struct cli *c, struct rt_job *job, struct rt_findings *f)
{
	struct rt_buf s = { 0 };
	int r = job ? cli_drive(job, &c->err) : -1;

	rt_job_free(job);
	if (f->warning)
		fprintf(stderr, "retort: warning: %s\n", rt_fmt_safe(&s, f->warning, 0));
	rt_buf_free(&s);
	if (r < 0)
		return -1;
	print_findings(c, f);
	if (f->n) {
		rt_err_set(&c->err, RT_ERR_RUN, "%s", "");
		return -1;
	}
	return 0;
}

int
cli_cmd_verify(struct cli *c)
{
	struct rt_findings f = { 0 };
	struct rt_verify_opts o;
	int rc;

	char *cache = NULL;

	if (cli_load_graph(c) < 0 || cli_connect(c) < 0)
		return -1;
	opts_of(c, &o);
	if (!c->no_cache)
		o.cache_dir = cache = rt_modelcache_dir();
	rc = run_findings(c, rt_verify_start(c->db, c->graph, &o, &f, &c->err), &f);
	if (c->verbose && f.cached)
		fprintf(stderr, "verify: %d schema model%s from the cache in %s (--no-cache: build "
			"them)\n", f.cached, f.cached == 1 ? "" : "s", cache);
	free(cache);
	if (rc == 0 && c->format == CLI_TEXT && !c->quiet)
		printf("clean: the live database matches its migrations%s\n",
		       f.has_declared ? " and the declared schema" : "");
	rt_findings_free(&f);
	return rc;
}

/* check --accept REV --reason TEXT: records the edited applied file. */
static int
check_accept(struct cli *c)
{
	struct rt_buf s1 = { 0 }, s2 = { 0 };
	bool was_edited = false;

	if (!c->accept || !c->reason) {
		rt_err_set(&c->err, RT_ERR_INPUT, "%s", c->accept ?
			   "--accept needs --reason TEXT: why the applied file may differ from "
			   "what ran (it is kept in retort_history)" : "--reason goes with --accept REV");
		return -1;
	}
	if (c->nargs > 0 || c->shadow_url) {
		rt_err_set(&c->err, RT_ERR_INPUT, "check --accept takes no other argument");
		return -1;
	}
	if (cli_load_graph(c) < 0 || cli_connect(c) < 0 ||
	    rt_guard_accept(c->db, c->graph, c->accept, c->reason, &was_edited, &c->err) < 0)
		return -1;
	if (!c->quiet && was_edited)
		printf("accepted: the file of %s as it is now, recorded in retort_history (%s)\n",
		       rt_fmt_safe(&s1, c->accept, 0), rt_fmt_safe(&s2, c->reason, 0));
	else if (!c->quiet)
		printf("nothing to accept: %s is unchanged since it was applied\n",
		       rt_fmt_safe(&s1, c->accept, 0));
	rt_buf_free(&s1);
	rt_buf_free(&s2);
	return 0;
}

int
cli_cmd_check(struct cli *c)
{
	struct rt_findings f = { 0 };
	struct rt_verify_opts o;
	struct rt_db *live;
	int rc;

	if (c->accept || c->reason)
		return check_accept(c);
	if (cli_load_graph(c) < 0 || shadow_server(c, &live) < 0)
		return -1;
	opts_of(c, &o);
	o.schema_file = NULL;
	/* the live database's applied history against the files, read before
	 * the round trip's job uses the connection */
	if (live && rt_check_history(live, c->graph, &f, &c->err) < 0) {
		rt_findings_free(&f);
		return -1;
	}
	rc = run_findings(c, rt_check_start(live, c->graph, &o, &f, &c->err), &f);
	if (c->verbose && f.nrevisions)
		fprintf(stderr, "check: %s\n", f.reread ? "the change log missed a change; the "
			"round trips ran again reading the whole schema after each step" :
			f.read_touched ? "after each step, read what it touched (the shadow's change "
			"log)" : "after each step, read the whole schema");
	if (rc == 0 && c->format == CLI_TEXT && !c->quiet)
		printf("ok: %zu revision%s, each downgrade undoes its upgrade%s\n", f.nrevisions,
		       f.nrevisions == 1 ? "" : "s", c->data ? " and keeps the seed data" : "");
	rt_findings_free(&f);
	return rc;
}

/* ---- migrate: autogenerate a revision from the declared schema ---- */

/* The model of the migrations at head (none: an empty model) in shadow *a,
 * and of the declared schema file in shadow *b. 0 or -1 with c->err. */
static int
migrate_models(struct cli *c, struct rt_db *live, bool has_head, struct rt_schema_build **a,
	       struct rt_schema_build **b, struct rt_catalog **ca, struct rt_catalog **cb)
{
	struct rt_job *job;
	int r;

	if (!(*a = rt_schema_build_new(live, c->shadow_url, &c->err)))
		return -1;
	if (has_head && drive_build(c, *a, true, "head") < 0) {
		if (c->err.kind != RT_ERR_CANCEL && c->err.kind != RT_ERR_INPUT)
			rt_err_detail(&c->err, "while building the migrations in a shadow database");
		return -1;
	}
	if (!(*ca = read_model(c, rt_schema_build_db(*a))))
		return -1;
	if (!(*b = rt_schema_build_new(live, c->shadow_url, &c->err)))
		return -1;
	if (!(job = rt_schema_build_load_start(*b, c->cfg->schema_file, &c->err)))
		return -1;
	r = cli_drive(job, &c->err);
	rt_job_free(job);
	if (r < 0)
		return -1;
	return (*cb = read_model(c, rt_schema_build_db(*b))) ? 0 : -1;
}

int
cli_cmd_migrate(struct cli *c)
{
	struct rt_schema_build *a = NULL, *b = NULL;
	struct rt_catalog *ca = NULL, *cb = NULL;
	struct rt_autogen_sql up = { 0 }, down = { 0 };
	struct rt_autogen_opts ao = { 0 };
	struct rt_strv parents = { 0 };
	struct rt_buf s = { 0 };
	struct rt_db *live;
	char id[RT_REV_ID_MAX + 1];
	char *path = NULL;
	int rc = -1;

	if (!c->message || !*c->message) {
		rt_err_set(&c->err, RT_ERR_INPUT, "migrate needs -m MSG (the new revision's message)");
		return -1;
	}
	if (cli_load_graph(c) < 0)
		return -1;
	if (c->rev_id) {
		if (!rt_rev_id_valid(c->rev_id)) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--rev-id '%s': expected 1-32 characters of "
				   "[0-9a-z_]", c->rev_id);
			return -1;
		}
		snprintf(id, sizeof(id), "%s", c->rev_id);
	} else {
		rt_rev_new_id(id);
	}
	if (rt_graph_find(c->graph, id) >= 0) {
		rt_err_set(&c->err, RT_ERR_INPUT, "revision id %s already exists", id);
		return -1;
	}
	if (access(c->cfg->schema_file, R_OK) != 0) {
		rt_err_set(&c->err, RT_ERR_INPUT, "%s: the declared schema file cannot be read",
			   c->cfg->schema_file);
		return -1;
	}
	if (rt_migrate_new_parents(c->session, NULL, &parents, &c->err) < 0)
		goto out;
	if (parents.n > 1) {
		char *heads = rt_strv_join(&parents, ", ");

		rt_err_set(&c->err, RT_ERR_INPUT, "several heads (%s): merge them first "
			   "(retort merge -m MSG)", heads);
		free(heads);
		goto out;
	}
	if (shadow_server(c, &live) < 0)
		goto out;
	if (migrate_models(c, live, parents.n > 0, &a, &b, &ca, &cb) < 0)
		goto out;
	ao.no_rename = c->no_rename;
	ao.has_cast = rt_autogen_db_has_cast;
	ao.ctx = rt_schema_build_db(b);
	rt_autogen_generate(ca, cb, &ao, &up);
	ao.ctx = rt_schema_build_db(a);
	rt_autogen_generate(cb, ca, &ao, &down);
	if (up.nchanges == 0 && !*up.sql) {
		if (!c->quiet)
			printf("no changes detected\n");
		rc = 0;
		goto out;
	}
	for (char *t = up.sql; *t && t[strlen(t) - 1] == '\n'; )
		t[strlen(t) - 1] = '\0';
	for (char *t = down.sql; *t && t[strlen(t) - 1] == '\n'; )
		t[strlen(t) - 1] = '\0';
	{
		struct rt_rev_spec spec = { id, c->message, &parents, NULL, NULL, up.sql, down.sql,
					    NULL, up.needs_tx_off || down.needs_tx_off };

		if (!(path = rt_rev_create(c->cfg->versions_dir, &spec, &c->err)))
			goto out;
	}
	if (!c->quiet)
		printf("Generated %s (%zu statement%s)\n", rt_fmt_safe(&s, path, 0), up.nchanges,
		       up.nchanges == 1 ? "" : "s");
	rc = 0;
out:
	free(path);
	rt_autogen_sql_free(&up);
	rt_autogen_sql_free(&down);
	rt_catalog_free(ca);
	rt_catalog_free(cb);
	build_free(c, b);
	build_free(c, a);
	rt_strv_free(&parents);
	rt_buf_free(&s);
	return rc;
}
