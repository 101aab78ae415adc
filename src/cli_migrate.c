/* cli_migrate.c - upgrade, downgrade, stamp and resolve from the command
 * line: the engine's migration operation (rt_migrate.h), its confirmation
 * asked on the terminal, its job driven by cli_drive with its events
 * printed as lines. Messages, paths, version-table rows and lock holders go
 * through rt_fmt_safe: an escape sequence in a message must not erase the
 * line that announces a step. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_backup.h"
#include "rt_config.h"
#include "rt_apply.h"
#include "rt_db.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_migrate.h"
#include "rt_preflight.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "rt_sqlsplit.h"

/* What the event printer needs. */
struct printer {
	struct cli *c;
	bool line_open;         /* "[1/3] upgrade ... " waits for its end */
	bool progress_shown;    /* a backup progress line is on stderr */
	double progress_at;
	struct rt_strv notices; /* the step's notices, printed after its line */
};

/* Warnings always, notices with -v, after the step's line so they never
 * split it. */
static void
flush_notices(struct printer *p)
{
	for (size_t i = 0; i < p->notices.n; i++)
		fprintf(stderr, "retort: %s\n", p->notices.v[i]);
	rt_strv_free(&p->notices);
}

static void
end_progress(struct printer *p)
{
	cli_progress_end(&p->progress_shown);
}

static void
on_backup(struct printer *p, const struct rt_backup_progress *b)
{
	char bytes[32];

	if (p->c->quiet || !isatty(STDERR_FILENO) || !b)
		return;
	if (b->seconds - p->progress_at < 0.2 && p->progress_shown)
		return;
	p->progress_at = b->seconds;
	p->progress_shown = true;
	rt_fmt_bytes(b->bytes, bytes, sizeof(bytes));
	fprintf(stderr, "\r\033[Kbacking up: %s, %zu/%zu tables counted, %.0f s", bytes,
		b->tables_done, b->tables_total, b->seconds);
}

/* A downgrade section without a statement undoes nothing while the version
 * table says it did: warn when one runs, unless the upgrade is empty too (a
 * merge, a marker revision). After the step's line, as notices are. */
static void
warn_empty_downgrade(struct printer *p, const struct rt_step *st)
{
	struct rt_stmt_list down = { 0 }, up = { 0 };

	if (st->is_up || rt_sql_split(st->rev->downgrade, 1, &down, NULL) < 0 || down.n ||
	    rt_sql_split(st->rev->upgrade, 1, &up, NULL) < 0 || !up.n)
		goto out;
	rt_strv_push_take(&p->notices, rt_xasprintf("warning: %s: its downgrade section is empty: "
						    "nothing is undone, only the version table "
						    "moves", st->rev->id));
	if (p->c->quiet)
		flush_notices(p);
out:
	rt_stmt_list_free(&down);
	rt_stmt_list_free(&up);
}

static void
on_event(const struct rt_event *ev, void *ctx)
{
	struct printer *p = ctx;
	const struct cli *c = p->c;
	struct rt_buf safe = { 0 };

	switch (ev->kind) {
	case RT_EV_LOCK_WAIT:
		if (!c->quiet)
			fprintf(stderr, "retort: waiting for the migration lock, held by %s\n",
				rt_fmt_safe(&safe, ev->text, 0));
		break;
	case RT_EV_BACKUP:
		on_backup(p, ev->backup);
		break;
	case RT_EV_BACKUP_DONE:
		end_progress(p);
		printf("backup before migrating: %s\n", rt_fmt_safe(&safe, ev->text, 0));
		break;
	case RT_EV_STEP_START:
		warn_empty_downgrade(p, ev->step);
		if (c->quiet)
			break;
		cli_print_step_start(ev);
		p->line_open = true;
		break;
	case RT_EV_STEP_DONE:
	case RT_EV_STEP_FAILED:
		if (c->quiet)
			break;
		printf("%s (%.0f ms)\n", ev->kind == RT_EV_STEP_DONE ? "ok" :
		       cli_is_cancelling() ? "cancelled" : "FAILED", ev->ms);
		fflush(stdout);
		p->line_open = false;
		flush_notices(p);
		break;
	case RT_EV_NOTICE:
		if (ev->is_warning || c->verbose) {
			char *line = rt_xasprintf("%s: %s", ev->step->rev->id, ev->text);

			rt_strv_push_take(&p->notices, line);
			if (c->quiet || !p->line_open)
				flush_notices(p);
		}
		break;
	case RT_EV_RETRY:
		if (c->quiet)
			break;
		printf("lock timeout; retrying in %.0f ms (attempt %d of %d)\n", ev->ms, ev->attempt,
		       ev->max_attempts);
		fflush(stdout);
		fprintf(stderr, "retort: %s is waiting for a lock held by %s\n", ev->step->rev->id,
			ev->text ? rt_fmt_safe(&safe, ev->text, 0) : "another session");
		break;
	default:
		break;
	}
	rt_buf_free(&safe);
}

static void
print_plan(const struct cli *c, const struct rt_plan *plan)
{
	struct rt_buf safe = { 0 };

	if (c->quiet)
		return;
	for (size_t i = 0; i < plan->nsteps; i++)
		printf("  %s %s  %s\n", plan->steps[i].is_up ? "upgrade  " : "downgrade",
		       plan->steps[i].rev->id, rt_fmt_safe(&safe, plan->steps[i].rev->message, 0));
	rt_buf_free(&safe);
}

/* The version table's rows, which may hold anything. */
static void
print_rows(const char *what, const struct rt_strv *rows)
{
	char *s = rt_strv_join(rows, " ");
	struct rt_buf safe = { 0 };

	printf("%s: %s\n", what, rows->n ? rt_fmt_safe(&safe, s, 0) : "base (no revision)");
	rt_buf_free(&safe);
	free(s);
}

/* The typed database name on a protected env (or --yes with --env NAME). */
static int
confirm(struct cli *c, struct rt_migrate *m, const char *question)
{
	char *line;
	int rc;

	if (rt_migrate_confirm_kind(m) != RT_CONFIRM_DBNAME)
		return rt_migrate_confirm(m, NULL, true, &c->err);
	print_plan(c, rt_migrate_plan(m));
	if (c->yes)
		return rt_migrate_confirm(m, NULL, true, &c->err);
	if (!(line = cli_ask_dbname(c, question, rt_migrate_dbname(m))))
		return -1;
	rc = rt_migrate_confirm(m, line, false, &c->err);
	free(line);
	return rc;
}

/* --sql: "FROM:TO" or "TO" (from base); prints the plan's SQL, touches nothing. */
static int
run_offline(struct cli *c, enum rt_plan_kind kind, const char *target)
{
	struct rt_vt_opts vt = { c->cfg->version_schema, c->cfg->version_table };
	struct rt_strv from = { 0 };
	struct rt_idxv idx = { 0 };
	const char *colon = strchr(target, ':');
	struct rt_plan *plan = NULL;
	bool is_base = false;
	char *start, *sql;
	int rc = -1;

	if (colon) {
		start = rt_xstrndup(target, (size_t)(colon - target));
		target = colon + 1;
		if (rt_graph_resolve(c->graph, start, &idx, &is_base, &c->err) == 0)
			for (size_t i = 0; i < idx.n; i++)
				rt_strv_push(&from, rt_graph_node(c->graph, idx.v[i])->rev->id);
		free(start);
		if (c->err.kind != RT_ERR_NONE)
			goto out;
	} else if (kind == RT_PLAN_DOWNGRADE) {
		rt_err_set(&c->err, RT_ERR_INPUT, "downgrade --sql needs FROM:TO (there is no database "
			   "to read the current revision from)");
		goto out;
	}
	plan = kind == RT_PLAN_UPGRADE ? rt_plan_upgrade(c->graph, &from, target, &c->err) :
	       kind == RT_PLAN_DOWNGRADE ? rt_plan_downgrade(c->graph, &from, target, &c->err) :
	       rt_plan_stamp(c->graph, &from, target, &c->err);
	if (!plan)
		goto out;
	sql = rt_plan_sql(plan, &vt, c->single_tx, &c->err);
	if (!sql)
		goto out;
	fputs(sql, stdout);
	free(sql);
	rc = 0;
out:
	rt_plan_free(plan);
	rt_strv_free(&from);
	free(idx.v);
	return rc;
}

static void
say_no_backup(const struct cli *c, const struct rt_migrate *m)
{
	const struct rt_plan *plan = rt_migrate_plan(m);

	if (c->quiet || !c->env || !c->env->is_protected || rt_migrate_backs_up(m) ||
	    plan->kind == RT_PLAN_STAMP || c->dry_run)
		return;
	printf("no backup before this change (%s)\n",
	       c->no_backup ? "--no-backup" : "auto_backup = false");
}

/* A failure inside the one transaction of --dry-run or --single-transaction:
 * the error ends by saying where that left the database (re-read after it). */
static void
say_rolled_back(struct cli *c, const struct rt_migrate *m)
{
	const struct rt_strv *now = rt_migrate_heads_now(m);
	const struct rt_strv *before = &rt_migrate_plan(m)->heads_before;
	char *rows = rt_strv_join(now, " ");
	struct rt_buf safe = { 0 };
	bool is_same = now->n == before->n;

	for (size_t i = 0; is_same && i < now->n; i++)
		is_same = strcmp(now->v[i], before->v[i]) == 0;
	rt_err_detail(&c->err, "%s %s", is_same ? "rolled back; database still at" :
		      "database now at",
		      now->n ? rt_fmt_safe(&safe, rows, 0) : "base (no revision)");
	rt_buf_free(&safe);
	free(rows);
}

static void
print_preflight_item(const struct rt_pf_item *it)
{
	struct rt_buf s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	char size[32];

	printf("%s:%d: %s %s: %s takes %s\n", rt_fmt_safe(&s1, it->path, 0), it->line, it->rev,
	       it->is_up ? "upgrade" : "downgrade", rt_fmt_safe(&s2, it->what, 0), it->mode);
	if (!it->exists && it->note) {      /* its table could not be read (a lock) */
		printf("    table %s: %s\n", rt_fmt_safe(&s3, it->table, 0),
		       rt_fmt_safe(&s1, it->note, 0));
		for (size_t i = 0; i < it->blockers.n; i++)
			printf("    held now by %s\n", rt_fmt_safe(&s1, it->blockers.v[i], 0));
		goto out;
	}
	if (!it->exists) {
		printf("    table %s: does not exist yet (an earlier step makes it)\n",
		       rt_fmt_safe(&s3, it->table, 0));
		goto out;
	}
	rt_fmt_bytes(it->bytes, size, sizeof(size));
	printf("    table %s: %s, ", rt_fmt_safe(&s3, it->table, 0), size);
	if (it->rows >= 0)
		printf("~%lld rows (estimate)\n", it->rows);
	else
		printf("rows unknown (never analysed)\n");
	if (!it->blockers.n)
		printf("    no session holds a conflicting lock now\n");
	for (size_t i = 0; i < it->blockers.n; i++)
		printf("    held now by %s\n", rt_fmt_safe(&s1, it->blockers.v[i], 0));
	if (it->estimate || it->basis)
		printf("    estimate %s: %s\n", it->estimate ? it->estimate : "none",
		       rt_fmt_safe(&s1, it->basis ? it->basis : "", 0));
	if (it->note)
		printf("    %s: %s\n", it->check_what ? rt_fmt_safe(&s2, it->check_what, 0) : "check",
		       rt_fmt_safe(&s1, it->note, 0));
	else if (it->check_what && it->count >= 0 && it->is_cast_bounded)
		printf("    %s: at least %lld (of the first %lld rows; the rest not read)\n",
		       rt_fmt_safe(&s2, it->check_what, 0), it->count, it->cast_rows);
	else if (it->check_what && it->count >= 0)
		printf("    %s: %lld\n", rt_fmt_safe(&s2, it->check_what, 0), it->count);
	for (size_t i = 0; i < it->samples.n; i++)
		printf("        %s\n", rt_fmt_safe(&s1, it->samples.v[i], 0));
out:
	rt_buf_free(&s1);
	rt_buf_free(&s2);
	rt_buf_free(&s3);
}

/* The throughput probe the estimates rest on. */
static void
print_preflight_probe(const struct rt_pf_probe *pr)
{
	struct rt_buf s1 = { 0 };
	char size[32], rate[32];

	if (pr->read_bps > 0) {
		rt_fmt_bytes(pr->bytes, size, sizeof(size));
		rt_fmt_bytes((long long)pr->read_bps, rate, sizeof(rate));
		printf("throughput probe: read %s of %s in %.3f s: ~%s/s (%d%% from cache); the "
		       "estimates scale from it\n", size, rt_fmt_safe(&s1, pr->table, 0), pr->secs,
		       rate, pr->cached_pct);
	} else if (pr->note) {
		printf("throughput probe: %s\n", rt_fmt_safe(&s1, pr->note, 0));
	}
	rt_buf_free(&s1);
}

/* A JSON string member, or null. */
static void
json_str_or_null(const char *key, const char *s, bool comma)
{
	printf("%s\"%s\": ", comma ? ", " : "", key);
	if (s)
		cli_json_string(stdout, s);
	else
		fputs("null", stdout);
}

static const char *
work_name(enum rt_lint_work w)
{
	static const char *const names[] = {
		[RT_LINT_WORK_NONE] = "none", [RT_LINT_WORK_SCAN] = "scan",
		[RT_LINT_WORK_INDEX] = "index build", [RT_LINT_WORK_REWRITE] = "rewrite",
		[RT_LINT_WORK_TYPE] = "type change",
	};

	return (size_t)w < sizeof(names) / sizeof(names[0]) && names[w] ? names[w] : "none";
}

/* --preflight --format json: one object; each lock an object whose samples
 * are the rows as the server wrote them (row_to_json). */
static void
print_preflight_json(const struct rt_migrate *m, const struct rt_preflight *pf)
{
	const struct rt_pf_probe *pr = &pf->probe;

	printf("{");
	json_str_or_null("plan", rt_migrate_what(m), false);
	printf(", \"revisions\": %zu, \"probe\": {", rt_migrate_plan(m)->nsteps);
	json_str_or_null("table", pr->table, false);
	printf(", \"bytes\": %lld, \"seconds\": %.6f, \"cached_pct\": %d, "
	       "\"read_bytes_per_s\": %.0f", pr->table ? pr->bytes : 0, pr->secs, pr->cached_pct,
	       pr->read_bps);
	json_str_or_null("note", pr->note, true);
	printf("}, \"locks\": [");
	for (size_t i = 0; i < pf->n; i++) {
		const struct rt_pf_item *it = &pf->v[i];

		printf("%s\n  {", i ? "," : "");
		json_str_or_null("revision", it->rev, false);
		json_str_or_null("file", it->path, true);
		printf(", \"line\": %d, \"section\": \"%s\"", it->line,
		       it->is_up ? "upgrade" : "downgrade");
		json_str_or_null("statement", it->what, true);
		json_str_or_null("table", it->table, true);
		json_str_or_null("mode", it->mode, true);
		printf(", \"exists\": %s, \"bytes\": %lld, \"rows\": %lld, \"blockers\": [",
		       it->exists ? "true" : "false", it->bytes, it->rows);
		for (size_t k = 0; k < it->blockers.n; k++) {
			if (k)
				printf(", ");
			cli_json_string(stdout, it->blockers.v[k]);
		}
		printf("], \"work\": \"%s\"", work_name(it->work));
		json_str_or_null("estimate", it->estimate, true);
		printf(", \"estimate_seconds\": ");
		if (it->est_secs >= 0)
			printf("%.3f", it->est_secs);
		else
			printf("null");
		json_str_or_null("basis", it->basis, true);
		json_str_or_null("check", it->check_what, true);
		printf(", \"count\": ");
		if (it->check_what && it->count >= 0)
			printf("%lld", it->count);
		else
			printf("null");
		printf(", \"bounded\": %s, \"samples\": [", it->is_cast_bounded ? "true" : "false");
		for (size_t k = 0; k < it->samples.n; k++)
			printf("%s%s", k ? ", " : "", it->samples.v[k]);
		printf("]");
		json_str_or_null("note", it->note, true);
		printf("}");
	}
	printf("%s]}\n", pf->n ? "\n" : "");
}

/* --preflight: the plan's locks and checks on the live database, printed;
 * nothing changes. */
static int
run_preflight(struct cli *c, struct rt_migrate *m)
{
	struct rt_preflight pf = { 0 };
	struct rt_job *job;
	const struct rt_plan *plan = rt_migrate_plan(m);
	int rc;

	if (!(job = rt_preflight_start(c->db, plan, &pf, &c->err)))
		return -1;
	rc = cli_drive(job, &c->err);
	rt_job_free(job);
	if (rc == 0 && c->format == CLI_JSON) {
		print_preflight_json(m, &pf);
	} else if (rc == 0 && !c->quiet) {
		printf("preflight of %s: %zu revision%s, %zu lock%s on existing tables; nothing "
		       "changed\n", rt_migrate_what(m), plan->nsteps, plan->nsteps == 1 ? "" : "s",
		       pf.n, pf.n == 1 ? "" : "s");
		print_preflight_probe(&pf.probe);
		for (size_t i = 0; i < pf.n; i++)
			print_preflight_item(&pf.v[i]);
	}
	rt_preflight_free(&pf);
	return rc < 0 ? -1 : 0;
}

static int
run_migration(struct cli *c, enum rt_plan_kind kind, const char *target, const char *question)
{
	struct rt_migrate_req req = { kind, target, c->dry_run, c->single_tx, c->no_backup,
				      c->lock_timeout_ms };
	struct printer p = { .c = c };
	struct rt_migrate *m = NULL;
	struct rt_job *job = NULL;
	int rc = -1;

	if (cli_load_graph(c) < 0)
		return -1;
	if (c->sql)
		return run_offline(c, kind, target ? target : "head");
	if (cli_connect(c) < 0)
		goto out;
	if (!(m = rt_migrate_prepare(c->session, &req, &c->err)))
		goto out;
	if (c->preflight) {
		rc = run_preflight(c, m);
		goto out;
	}
	if (rt_migrate_is_noop(m)) {
		if (!c->quiet)
			print_rows("nothing to do; database at", rt_migrate_heads_now(m));
		rc = 0;
		goto out;
	}
	if (confirm(c, m, question) < 0)
		goto out;
	say_no_backup(c, m);
	if (!(job = rt_migrate_start(m, on_event, &p, &c->err)))
		goto out;
	rc = cli_drive(job, &c->err);
	rt_job_free(job);
	job = NULL;
	end_progress(&p);
	if (p.line_open && !c->quiet)
		printf("\n");
	flush_notices(&p);
	if (rc < 0) {
		if (c->err.kind == RT_ERR_CANCEL && !c->quiet)
			print_rows("database at", rt_migrate_heads_now(m));
		else if (c->err.kind != RT_ERR_CANCEL && (c->dry_run || c->single_tx))
			say_rolled_back(c, m);
		goto out;
	}
	if (!c->quiet && rt_migrate_is_noop(m))   /* another runner got there first */
		print_rows("nothing to do; database at", rt_migrate_heads_now(m));
	else if (!c->quiet)
		print_rows(c->dry_run ? "dry run rolled back; database still at" : "database now at",
			   rt_migrate_heads_now(m));
out:
	rt_job_free(job);
	rt_migrate_free(m);
	return rc < 0 ? -1 : 0;
}

int
cli_cmd_upgrade(struct cli *c)
{
	return run_migration(c, RT_PLAN_UPGRADE, c->nargs ? c->args[0] : NULL,
			     "Upgrade as shown above?");
}

int
cli_cmd_downgrade(struct cli *c)
{
	return run_migration(c, RT_PLAN_DOWNGRADE, c->nargs ? c->args[0] : NULL,
			     "Downgrade as shown above?");
}

int
cli_cmd_stamp(struct cli *c)
{
	return run_migration(c, RT_PLAN_STAMP, c->args[0], "Stamp the version table?");
}

/* An interrupted transaction-off revision: resume it, or record what was done by hand. */
int
cli_cmd_resolve(struct cli *c)
{
	struct rt_apply_opts opts = { 0 };
	enum rt_resolve_mode mode = RT_RESOLVE_RESUME;
	struct rt_dirty d;
	bool found;

	if (c->mark_applied && c->mark_reverted) {
		rt_err_set(&c->err, RT_ERR_INPUT, "resolve: --mark-applied or --mark-reverted, not both");
		return -1;
	}
	if (c->mark_applied)
		mode = RT_RESOLVE_MARK_APPLIED;
	else if (c->mark_reverted)
		mode = RT_RESOLVE_MARK_REVERTED;
	if (cli_load_graph(c) < 0 || cli_connect(c) < 0 || cli_lock(c) < 0 ||
	    rt_db_find_dirty(c->db, &d, &found, &c->err) < 0)
		return -1;
	if (found && !c->quiet) {
		struct rt_buf safe = { 0 };   /* read from retort_history */

		printf("revision %s: %s interrupted after %d statement%s\n",
		       rt_fmt_safe(&safe, d.revision, 0), d.is_up ? "upgrade" : "downgrade",
		       d.statements_done, d.statements_done == 1 ? "" : "s");
		rt_buf_free(&safe);
	}
	if (found && cli_confirm_protected(c, "Resolve the interrupted revision?") < 0)
		return -1;
	opts.ddl_lock_timeout_ms = c->cfg->ddl_lock_timeout_ms;
	if (rt_resolve(c->db, c->graph, mode, c->drop_invalid, &opts, &c->err) < 0)
		return -1;
	if (!c->quiet)
		printf("%s\n", mode == RT_RESOLVE_RESUME ? "resumed and completed" :
		       mode == RT_RESOLVE_MARK_APPLIED ? "marked applied" : "marked reverted");
	return 0;
}
