/* cli_data.c - seed, export and reset from the command line: the engine's
 * operations (rt_seed.h, rt_export.h, rt_reset.h) confirmed on the terminal
 * as the migration commands are, their jobs driven by cli_drive, progress
 * on stderr. File, table and schema names go through rt_fmt_safe. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/readline.h>

#include "rt_config.h"
#include "rt_counts.h"
#include "rt_export.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_plan.h"
#include "rt_migration.h"
#include "rt_reset.h"
#include "rt_seed.h"
#include "rt_session.h"

struct data_printer {
	struct cli *c;
	bool progress_shown;
	bool line_open;
};

static void
end_progress(struct data_printer *p)
{
	cli_progress_end(&p->progress_shown);
}

static void
on_data(struct data_printer *p, const struct rt_data_progress *d)
{
	struct rt_buf path = { 0 }, table = { 0 };
	char bytes[32], rate[32];
	double secs = d->seconds > 0 ? d->seconds : 1e-9;

	rt_fmt_bytes(d->bytes, bytes, sizeof(bytes));
	rt_fmt_bytes((long long)((double)d->bytes / secs), rate, sizeof(rate));
	if (d->is_done) {
		end_progress(p);
		if (!p->c->quiet)
			fprintf(stderr, "%s: %lld rows into %s (%s, %.2f s, %s/s)\n",
				rt_fmt_safe(&path, d->path, 0), d->rows, rt_fmt_safe(&table, d->table, 0),
				bytes, d->seconds, rate);
	} else if (!p->c->quiet && isatty(STDERR_FILENO) && d->seconds >= 0.5) {
		fprintf(stderr, "\r\033[K%s: %s%lld rows, %s", rt_fmt_safe(&path, d->path, 0),
			d->total_rows >= 0 ? "~" : "", d->rows, bytes);
		if (d->total_bytes > 0)
			fprintf(stderr, " (%lld%%)", d->bytes * 100 / d->total_bytes);
		fprintf(stderr, ", %s/s", rate);
		p->progress_shown = true;
	}
	rt_buf_free(&path);
	rt_buf_free(&table);
}

static void
on_event(const struct rt_event *ev, void *ctx)
{
	struct data_printer *p = ctx;
	struct rt_buf safe = { 0 };

	switch (ev->kind) {
	case RT_EV_DATA:
		on_data(p, ev->data);
		break;
	case RT_EV_NOTE:
		end_progress(p);
		if (!p->c->quiet)
			printf("== %s\n", rt_fmt_safe(&safe, ev->text, 0));
		fflush(stdout);
		break;
	case RT_EV_BACKUP_DONE:
		printf("backup: %s\n", rt_fmt_safe(&safe, ev->text, 0));
		break;
	case RT_EV_LOCK_WAIT:
		fprintf(stderr, "retort: waiting for the migration lock, held by %s\n",
			rt_fmt_safe(&safe, ev->text, 0));
		break;
	case RT_EV_STEP_START:
		if (p->c->quiet)
			break;
		cli_print_step_start(ev);
		p->line_open = true;
		break;
	case RT_EV_STEP_DONE:
	case RT_EV_STEP_FAILED:
		if (p->c->quiet)
			break;
		printf("%s (%.0f ms)\n", ev->kind == RT_EV_STEP_DONE ? "ok" : "FAILED", ev->ms);
		fflush(stdout);
		p->line_open = false;
		break;
	default:
		break;
	}
	rt_buf_free(&safe);
}

/* The typed database name on a protected env (or --yes --env NAME); nothing
 * to ask elsewhere. */
static int
confirm_seed(struct cli *c, struct rt_seed *sd)
{
	char *line, question[128];
	int rc;

	struct rt_buf full = { 0 };

	for (size_t i = 0; i < rt_seed_nfiles(sd); i++)
		if (rt_seed_has_rows(sd, i))
			rt_buf_printf(&full, "%s%s", full.len ? ", " : "", rt_seed_table(sd, i));
	if (full.len && !c->quiet)
		fprintf(stderr, "retort: %s already hold%s rows: the seed adds to them (a key that "
			"is there already fails it all; --clear empties them first)\n",
			rt_buf_str(&full), strchr(rt_buf_str(&full), ',') ? "" : "s");
	rt_buf_free(&full);
	if (rt_seed_confirm_kind(sd) != RT_CONFIRM_DBNAME || c->yes)
		return rt_seed_confirm(sd, NULL, true, &c->err);
	snprintf(question, sizeof(question), "Load %zu seed files into it?", rt_seed_nfiles(sd));
	if (!(line = cli_ask_dbname(c, question, rt_seed_dbname(sd))))
		return -1;
	rc = rt_seed_confirm(sd, line, false, &c->err);
	free(line);
	return rc;
}

int
cli_cmd_seed(struct cli *c)
{
	struct rt_seed_req req = { .dir = c->nargs ? c->args[0] : NULL, .clear = c->clear };
	struct data_printer p = { .c = c };
	struct rt_seed *sd = NULL;
	struct rt_job *job = NULL;
	long long total = 0;
	int rc = -1;

	if (cli_connect(c) < 0 || !(sd = rt_seed_prepare(c->session, &req, &c->err)) ||
	    confirm_seed(c, sd) < 0 || !(job = rt_seed_start(sd, on_event, &p, &c->err)))
		goto out;
	rc = cli_drive(job, &c->err);
	end_progress(&p);
	if (rc == 0) {
		for (size_t i = 0; i < rt_seed_nfiles(sd); i++)
			total += rt_seed_loaded(sd, i);
		if (!c->quiet)
			printf("seeded %lld rows into %zu table%s%s\n", total, rt_seed_nfiles(sd),
			       rt_seed_nfiles(sd) == 1 ? "" : "s", c->clear ? " (emptied first)" : "");
	}
out:
	rt_job_free(job);
	rt_seed_free(sd);
	return rc < 0 ? -1 : 0;
}

/* export TABLE, or export alembic DIR (exactly two arguments, the first
 * "alembic": cli_adopt.c). */
int
cli_cmd_export(struct cli *c)
{
	struct rt_export_req req = {
		.table = c->args[0], .columns = c->columns, .where = c->where,
		.json = c->format == CLI_JSON, .output = c->output, .out_fd = STDOUT_FILENO,
	};
	struct data_printer p = { .c = c };
	struct rt_export *x = NULL;
	struct rt_job *job = NULL;
	int rc = -1;

	if (c->nargs == 2 && strcmp(c->args[0], "alembic") == 0)
		return cli_cmd_export_alembic(c);
	if (c->nargs != 1) {
		rt_err_set(&c->err, RT_ERR_INPUT, "usage: retort export TABLE [-o FILE] ... | "
			   "retort export alembic DIR");
		return -1;
	}
	if (!c->output)
		p.c->quiet = true;          /* stdout is the data: progress only with -o */
	if (cli_connect(c) < 0 || !(x = rt_export_prepare(c->session, &req, &c->err)) ||
	    !(job = rt_export_start(x, on_event, &p, &c->err)))
		goto out;
	fflush(stdout);
	rc = cli_drive(job, &c->err);
	end_progress(&p);
out:
	rt_job_free(job);
	rt_export_free(x);
	return rc < 0 ? -1 : 0;
}

static void
show_reset(struct cli *c, struct rt_reset *r, bool all)
{
	const struct rt_counts *t = rt_reset_tables(r);
	const struct rt_strv *sch = rt_reset_schemas(r);
	struct rt_buf s = { 0 }, n = { 0 }, db = { 0 };

	fprintf(stderr, "reset database %s (%s):\n", rt_fmt_safe(&db, rt_reset_dbname(r), 0),
		rt_session_url_masked(c->session));
	if (all) {
		char *j = rt_strv_join(sch, ", ");

		fprintf(stderr, "  drops the schemas %s (everything in them), then makes public "
			"again\n", rt_fmt_safe(&s, j, 0));
		free(j);
	} else {
		fprintf(stderr, "  downgrades to base (drops what the migrations made)\n");
	}
	for (size_t i = 0; i < t->n; i++)
		fprintf(stderr, "    %s.%s  ~%lld rows\n", rt_fmt_safe(&s, t->v[i].schema, 0),
			rt_fmt_safe(&n, t->v[i].name, 0),
			t->v[i].estimate >= 0 ? t->v[i].estimate : 0);
	if (!t->n)
		fprintf(stderr, "    (no tables)\n");
	fprintf(stderr, "  then upgrades to head%s%s\n", c->no_seed ? "" : " and seeds",
		c->backup ? "; a backup first" : "");
	rt_buf_free(&s);
	rt_buf_free(&n);
	rt_buf_free(&db);
}

static int
confirm_reset(struct cli *c, struct rt_reset *r)
{
	char line[64];

	if (!c->quiet)
		show_reset(c, r, c->all);
	if (c->yes)
		return rt_reset_confirm(r, true, &c->err);
	if (!isatty(STDIN_FILENO)) {
		rt_err_set(&c->err, RT_ERR_INPUT, "reset destroys all data: confirm on a terminal, "
			   "or pass --yes");
		return -1;
	}
	fprintf(stderr, "This DESTROYS ALL DATA in %s. Reset? [y/N] ", rt_reset_dbname(r));
	fflush(stderr);
	return rt_reset_confirm(r, fgets(line, sizeof(line), stdin) &&
				(line[0] == 'y' || line[0] == 'Y'), &c->err);
}

int
cli_cmd_reset(struct cli *c)
{
	struct rt_reset_req req = { .all = c->all, .no_seed = c->no_seed, .backup = c->backup };
	struct data_printer p = { .c = c };
	struct rt_reset *r = NULL;
	struct rt_job *job = NULL;
	int rc = -1;

	if (cli_connect(c) < 0 || !(r = rt_reset_prepare(c->session, &req, &c->err)) ||
	    confirm_reset(c, r) < 0 || !(job = rt_reset_start(r, on_event, &p, &c->err)))
		goto out;
	rc = cli_drive(job, &c->err);
	end_progress(&p);
	if (rc == 0 && !c->quiet) {
		const struct rt_counts *t = rt_reset_counts_after(r);
		struct rt_buf s = { 0 }, n = { 0 };

		printf("rows now:\n");
		for (size_t i = 0; i < t->n; i++)
			printf("  %s.%s %lld\n", rt_fmt_safe(&s, t->v[i].schema, 0),
			       rt_fmt_safe(&n, t->v[i].name, 0), rt_counts_best(&t->v[i]));
		rt_buf_free(&s);
		rt_buf_free(&n);
	}
out:
	rt_job_free(job);
	rt_reset_free(r);
	return rc < 0 ? -1 : 0;
}
