/* cli_adopt.c - adopting a Flask-Migrate project: import alembic, export
 * alembic (the way back), baseline. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_adopt.h"
#include "rt_config.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_job.h"

/* "import alembic DIR" and "export alembic DIR": the first word names the format. */
static int
want_alembic(struct cli *c, const char *cmd)
{
	if (c->nargs != 2 || strcmp(c->args[0], "alembic") != 0) {
		rt_err_set(&c->err, RT_ERR_INPUT, "usage: retort %s alembic DIR", cmd);
		return -1;
	}
	return 0;
}

int
cli_cmd_import(struct cli *c)
{
	struct rt_import_opts o = { c->python, c->dry_run };
	struct rt_import imp = { 0 };
	struct rt_buf s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	size_t nnew = 0, nsame = 0, ntodo = 0;
	struct rt_job *job;
	int rc;

	if (want_alembic(c, "import") < 0 || cli_load_config(c) < 0)
		return -1;
	/* a job: Ctrl-C stops the driver and nothing is written */
	if (!(job = rt_import_alembic_start(c->args[1], c->cfg->versions_dir, &o, &imp, &c->err)))
		return -1;
	rc = cli_drive(job, &c->err);
	rt_job_free(job);
	if (rc < 0) {
		rt_import_free(&imp);
		return -1;
	}
	for (size_t i = 0; i < imp.n; i++) {
		const struct rt_import_item *it = &imp.v[i];

		if (it->state == RT_IMPORT_SAME)
			nsame++;
		else
			nnew++;
		if (it->has_todo) {
			ntodo++;
			fprintf(stderr, "retort: warning: %s: Alembic could not render it offline (%s): "
				"%s has a TODO in its place\n", rt_fmt_safe(&s1, it->source, 0),
				rt_fmt_safe(&s2, it->todo_reason, 0), rt_fmt_safe(&s3, it->name, 0));
		}
		if (!c->quiet && (c->dry_run || it->state == RT_IMPORT_NEW || c->verbose))
			printf("%s %s  %s%s\n", it->state == RT_IMPORT_SAME ? "same " :
			       c->dry_run ? "would write" : "wrote", rt_fmt_safe(&s1, it->name, 0),
			       rt_fmt_safe(&s2, it->source, 0), it->has_todo ? "  (TODO)" : "");
	}
	if (!c->quiet)
		printf("%s %zu revision%s from %s (%zu already there, %zu with a TODO) with %s\n",
		       c->dry_run ? "Would import" : "Imported", nnew, nnew == 1 ? "" : "s",
		       rt_fmt_safe(&s1, c->args[1], 0), nsame, ntodo,
		       rt_fmt_safe(&s2, imp.python, 0));
	rt_buf_free(&s1);
	rt_buf_free(&s2);
	rt_buf_free(&s3);
	rt_import_free(&imp);
	return 0;
}

int
cli_cmd_export_alembic(struct cli *c)
{
	struct rt_alembic_export exp = { 0 };
	struct rt_buf s1 = { 0 };

	if (want_alembic(c, "export") < 0 || cli_load_graph(c) < 0)
		return -1;
	if (rt_export_alembic(c->graph, c->args[1], &exp, &c->err) < 0)
		return -1;
	if (!c->quiet)
		printf("Exported %zu revision%s to %s%s\n", exp.nrevisions,
		       exp.nrevisions == 1 ? "" : "s", rt_fmt_safe(&s1, exp.versions_dir, 0),
		       exp.wrote_env ? " (with alembic.ini, env.py and script.py.mako)" : "");
	rt_buf_free(&s1);
	rt_alembic_export_free(&exp);
	return 0;
}

int
cli_cmd_baseline(struct cli *c)
{
	struct rt_baseline_opts o = { c->message, c->tables, NULL, c->lock_timeout_ms };
	struct rt_baseline_result res = { 0 };
	struct rt_baseline *bl = NULL;
	struct rt_job *job = NULL;
	struct rt_err drop = { 0 };
	struct rt_buf s1 = { 0 }, s2 = { 0 };
	int rc = -1;

	if (cli_load_graph(c) < 0 || cli_connect(c) < 0)
		return -1;
	o.versions_dir = c->cfg->versions_dir;
	if (!(c->opts_seen & CLI_OPT_LOCK_TIMEOUT))
		o.lock_timeout_ms = c->cfg->lock_timeout_ms;
	if (cli_confirm_protected(c, "baseline") < 0)
		return -1;
	if (!(bl = rt_baseline_prepare(c->db, c->graph, &o, &c->err)))
		return -1;
	if (!(job = rt_baseline_start(bl, &c->err)))
		goto out;
	if (cli_drive(job, &c->err) < 0) {
		if (c->err.kind != RT_ERR_CANCEL)
			rt_err_detail(&c->err, "while building the migrations in a shadow database");
		goto out;
	}
	rt_job_free(job);
	job = NULL;
	if (rt_baseline_finish(bl, &res, &c->err) < 0)
		goto out;
	if (!c->quiet) {
		char *tables = rt_strv_join(&res.tables, " ");

		printf("Generated %s (%s), recorded as applied: %s\n",
		       rt_fmt_safe(&s1, res.path, 0), res.id, rt_fmt_safe(&s2, tables, 0));
		free(tables);
	}
	rc = 0;
out:
	rt_job_free(job);
	if (rt_baseline_free(bl, &drop) < 0)
		fprintf(stderr, "retort: warning: %s\n", rt_fmt_safe(&s1, drop.msg, 0));
	rt_baseline_result_free(&res);
	rt_buf_free(&s1);
	rt_buf_free(&s2);
	return rc;
}
