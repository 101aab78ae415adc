/* migrate.c - upgrade, downgrade and stamp from the console, through the
 * engine's migration operation (rt_migrate.h): prepare (no lock), the
 * confirmation dialog (y/N, or the database name typed on a protected env),
 * then the operation's job with the running dialog following its events;
 * Esc or Ctrl-C there cancels it. Lock timeout, retries and the automatic
 * backup are the operation's business. */
#include "config.h"
#include "actions.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "dialogs.h"
#include "jobs.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_lint.h"
#include "rt_migrate.h"
#include "rt_preflight.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "ui.h"

/* One migration, from its confirmation to the running dialog's close. */
struct mflow {
	struct rt_migrate *m;
	enum rt_plan_kind kind;
	struct dialog *run;          /* the running dialog, until it closes */
	struct ui_job *job;          /* the job, until it is released */
	bool had_exact;              /* exact counts were shown: count again after */
	size_t nlint;                /* error-level lint findings in the plan's sections */
	struct rt_preflight pf;      /* the preflight's report, filled by its job */
	char pf_failed[1100];        /* why the preflight did not run to its end, or "" */
	bool is_asked;               /* the confirmation owns the flow (after the preflight) */
};

static const char *
verb(int kind)
{
	return kind == RT_PLAN_UPGRADE ? "upgrade" : kind == RT_PLAN_DOWNGRADE ? "downgrade" : "stamp";
}

static void
flow_free(struct mflow *f)
{
	rt_preflight_free(&f->pf);
	rt_migrate_free(f->m);
	free(f);
}

/* The version table rows now, as the operation read them after its job
 * ("base" for none). */
static void
heads_now(const struct mflow *f, char *buf, size_t size)
{
	const struct rt_strv *now = rt_migrate_heads_now(f->m);
	char *rows = rt_strv_join(now, " ");

	snprintf(buf, size, "%s", now->n ? rows : "base");
	free(rows);
}

/* ---- the confirmation --------------------------------------------------------------- */

/* The sections each step runs, in order: what the person confirms. */
static void
add_steps_sql(struct dlg_view *v, const struct rt_plan *plan)
{
	struct rt_buf b = { 0 };

	for (size_t i = 0; i < plan->nsteps && plan->kind != RT_PLAN_STAMP; i++) {
		const struct rt_rev *rev = plan->steps[i].rev;
		bool up = plan->steps[i].is_up;

		rt_buf_printf(&b, "-- [%zu/%zu] %s %s  (%s:%d)\n", i + 1, plan->nsteps,
			      up ? "upgrade" : "downgrade", rev->id, rev->path,
			      up ? rev->upgrade_line : rev->downgrade_line);
		rt_buf_puts(&b, up ? rev->upgrade : rev->downgrade);
		rt_buf_puts(&b, "\n");
	}
	dlg_view_sql(v, rt_buf_str(&b));
	rt_buf_free(&b);
}

/* The error-level lint findings of the sections the plan runs, named;
 * returns their number. */
static size_t
add_lint_errors(struct dlg_view *v, const struct rt_plan *plan)
{
	size_t nerr = 0;

	for (size_t i = 0; i < plan->nsteps; i++) {
		struct rt_lint_report r = { 0 };
		bool up = plan->steps[i].is_up;

		if (rt_lint_rev(plan->steps[i].rev, NULL, &r, NULL) < 0)
			continue;
		for (size_t k = 0; k < r.n; k++) {
			const struct rt_lint_finding *f = &r.v[k];

			if (f->rule->severity != RT_LINT_ERROR ||
			    strcmp(f->section, up ? "downgrade" : "upgrade") == 0)
				continue;
			if (nerr++ == 0)
				dlg_view_line(v, R_ERROR, "  lint errors in this plan (retort lint):");
			dlg_view_line(v, R_ERROR, "    %s:%d: %s: %s", f->path, f->line, f->rule->id,
				      f->why);
		}
		rt_lint_report_free(&r);
	}
	return nerr;
}

/* One lock of the preflight: statement line, mode, table, size, rows,
 * blockers, the data check with its count and samples. */
static void
add_pf_item(struct dlg_view *v, const struct rt_pf_item *it)
{
	struct rt_buf a = { 0 }, b = { 0 }, c = { 0 };
	const char *slash = strrchr(it->path, '/');
	char size[32];

	dlg_view_line(v, R_NORMAL, "    %s:%d  %s takes %s on %s", rt_fmt_safe(&a, slash ? slash + 1 :
		      it->path, 0), it->line, rt_fmt_safe(&b, it->what, 0), it->mode,
		      rt_fmt_safe(&c, it->table, 0));
	if (!it->exists) {
		dlg_view_line(v, R_DIM, "      (the table does not exist yet: an earlier step makes it)");
		goto out;
	}
	rt_fmt_bytes(it->bytes, size, sizeof(size));
	if (it->rows >= 0)
		dlg_view_line(v, R_DIM, "      %s, ~%lld rows (estimate)", size, it->rows);
	else
		dlg_view_line(v, R_DIM, "      %s, rows unknown (never analysed)", size);
	if (!it->blockers.n)
		dlg_view_line(v, R_DIM, "      no session holds a conflicting lock now");
	for (size_t i = 0; i < it->blockers.n; i++)
		dlg_view_line(v, R_ERROR, "      held now by %s", rt_fmt_safe(&a, it->blockers.v[i], 0));
	if (it->estimate)
		dlg_view_line(v, R_DIM, "      estimate %s: %s", rt_fmt_safe(&a, it->estimate, 0),
			      rt_fmt_safe(&b, it->basis ? it->basis : "", 0));
	if (it->note)
		dlg_view_line(v, R_PENDING, "      %s: %s", it->check_what ?
			      rt_fmt_safe(&b, it->check_what, 0) : "check", rt_fmt_safe(&a, it->note, 0));
	else if (it->check_what && it->count >= 0 && it->is_cast_bounded)
		dlg_view_line(v, it->count ? R_ERROR : R_GOOD, "      %s: at least %lld (of the first "
			      "%lld rows)", rt_fmt_safe(&b, it->check_what, 0), it->count, it->cast_rows);
	else if (it->check_what && it->count >= 0)
		dlg_view_line(v, it->count ? R_ERROR : R_GOOD, "      %s: %lld",
			      rt_fmt_safe(&b, it->check_what, 0), it->count);
	for (size_t i = 0; i < it->samples.n; i++)
		dlg_view_line(v, R_NORMAL, "        %s", rt_fmt_safe(&a, it->samples.v[i], 0));
out:
	rt_buf_free(&a);
	rt_buf_free(&b);
	rt_buf_free(&c);
}

/* The preflight's report, or the one line saying why there is none. */
static void
add_preflight(struct dlg_view *v, const struct mflow *f)
{
	if (f->pf_failed[0]) {
		dlg_view_line(v, R_ERROR, "  preflight failed: %s", f->pf_failed);
		return;
	}
	dlg_view_line(v, R_HEADER, "  preflight on the live database: %zu lock%s on existing "
		      "tables", f->pf.n, f->pf.n == 1 ? "" : "s");
	for (size_t i = 0; i < f->pf.n; i++)
		add_pf_item(v, &f->pf.v[i]);
}

static struct dialog *
confirm_dialog(struct mflow *f)
{
	const struct rt_plan *plan = rt_migrate_plan(f->m);
	bool is_typed = rt_migrate_confirm_kind(f->m) == RT_CONFIRM_DBNAME;
	struct dlg_view v = { .cur = -1 };
	char p[512];

	snprintf(v.title, sizeof(v.title), "Confirm %s", rt_migrate_what(f->m));
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct rt_step *st = &plan->steps[i];

		dlg_view_line(&v, st->is_up ? R_UP : R_DOWN, "  %2zu  %-9s %s  %s", i + 1,
			      plan->kind == RT_PLAN_STAMP ? "stamp" : st->is_up ? "upgrade" :
			      "downgrade", st->rev->id, st->rev->message);
	}
	if (plan->kind == RT_PLAN_STAMP)
		dlg_view_line(&v, R_NORMAL, "  (stamp runs no migration SQL; it rewrites the version "
			      "table)");
	else {
		f->nlint = add_lint_errors(&v, plan);
		add_preflight(&v, f);
	}
	if (rt_migrate_backs_up(f->m))
		dlg_view_line(&v, R_NORMAL, "  (the database is backed up first: protected env)");
	if (is_typed)
		dlg_view_question(&v, R_ERROR, "Protected env: type the database name on the line "
				  "below (Esc cancels).");
	else
		dlg_view_question(&v, R_HEADER, "Proceed? [y/N]   (j/k PgUp/PgDn scroll the SQL)");
	dlg_view_line(&v, R_NORMAL, "%s", "");
	add_steps_sql(&v, plan);
	snprintf(p, sizeof(p), "Type the database name (%s) to %s: ", rt_migrate_dbname(f->m),
		 verb(f->kind));
	return dlg_confirm_new(&v, is_typed ? p : NULL);
}

/* ---- the job -------------------------------------------------------------------------- */

static void
job_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct mflow *f = j->ctx;
	const char *backup = rt_migrate_backup_path(f->m), *slash;
	bool is_cancel = rc < 0 && err->kind == RT_ERR_CANCEL;
	char heads[1000], where[1100], outcome[1700], note[600] = "";

	heads_now(f, heads, sizeof(heads));
	snprintf(where, sizeof(where), "database at %s", heads);
	if (backup && *backup) {
		slash = strrchr(backup, '/');
		snprintf(note, sizeof(note), "  (backup: %s)", slash ? slash + 1 : backup);
	}
	if (rc == 0)
		snprintf(outcome, sizeof(outcome), "%s %s%s", f->kind == RT_PLAN_UPGRADE ?
			 "upgraded to" : f->kind == RT_PLAN_DOWNGRADE ? "downgraded to" : "stamped",
			 heads, note);
	else if (is_cancel)
		snprintf(outcome, sizeof(outcome), "%s cancelled; %s%s", verb(f->kind), where, note);
	else
		snprintf(outcome, sizeof(outcome), "%s failed: %s", verb(f->kind), err->msg);
	ui_reload(ui, false);
	if (f->had_exact && ui->is_connected)
		ui_counts_start(ui, true, NULL, NULL);
	snprintf(ui->detail, sizeof(ui->detail), "%s", rc < 0 ? err->detail : "");
	if (rc < 0 && !is_cancel)
		ui_msg(ui, R_ERROR, "%s; %s%s%s%s", outcome, where, note, err->detail[0] ? "  | " : "",
		       err->detail);
	else
		ui_msg(ui, rc == 0 ? R_GOOD : R_NORMAL, "%s", outcome);
	dlg_run_finish(f->run, rc == 0 ? RUN_OK : is_cancel ? RUN_CANCELLED : RUN_FAILED, outcome,
		       rc == 0 ? NULL : is_cancel ? err->msg : err->detail,
		       is_cancel ? NULL : where);
	/* a success needs no answer: the panes show the new state; a failure or a
	 * cancel stays on the screen until a key */
	if (rc == 0)
		ui_dialog_close(ui, f->run, DLG_YES);
}

/* The flow ends when both its job and its running dialog are gone: the job
 * borrows the operation, the dialog's callback owns the flow. */
static void
job_release(void *ctx)
{
	struct mflow *f = ctx;

	f->job = NULL;
	if (!f->run)
		flow_free(f);
}

static const struct ui_job_cbs migrate_cbs = { job_done, NULL, job_release };

/* The running dialog closed: the flow ends. */
static void
run_closed(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	struct mflow *f = ctx;

	(void)d, (void)result;
	f->run = NULL;
	if (!f->job) {
		flow_free(f);
		return;
	}
	/* The job is either still running (only at quit: drop it; its release
	 * frees the flow) or has just ended and is about to be released (then
	 * this is a no-op and the release frees the flow). */
	ui_job_drop(ui, f->job);
}

static void
start(struct ui *ui, struct mflow *f)
{
	struct rt_err err = { 0 };
	struct rt_job *job;
	char title[300];

	for (size_t i = 0; i < ui->counts.n; i++)
		f->had_exact |= ui->counts.v[i].exact >= 0;
	/* a count in flight holds the locks a migration statement would wait for */
	ui_counts_drop(ui);
	rt_counts_copy(&ui->snap, &ui->counts);
	ui->has_snap = true;
	ui->snap_is_backup = false;
	ui->has_before = false;
	ui_pane_reload(ui, PANE_TABLES);   /* its rows point into the snapshot */
	snprintf(title, sizeof(title), "%s", rt_migrate_what(f->m));
	title[0] = (char)toupper((unsigned char)title[0]);
	f->run = dlg_run_new(title, rt_migrate_plan(f->m));
	job = rt_migrate_start(f->m, ui_dialog_event, f->run, &err);
	if (!job) {
		ui_msg(ui, R_ERROR, "%s: %s", verb(f->kind), err.msg);
		f->run->ops->release(f->run);
		flow_free(f);
		return;
	}
	dlg_run_set_job(f->run, job);
	f->job = ui_job_add(ui, UI_JOB_MIGRATE, job, &migrate_cbs, f);
	if (!f->job) {
		ui_msg(ui, R_ERROR, "%s", "a migration is running already");
		f->run->ops->release(f->run);
		flow_free(f);
		return;
	}
	ui_dialog_push(ui, f->run, run_closed, f);
	ui_msg(ui, R_NORMAL, "%s ...  (Esc or Ctrl-C cancels)", rt_migrate_what(f->m));
}

/* The answer to the second question, asked when the plan has lint errors. */
static void
lint_confirmed(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	struct mflow *f = ctx;

	(void)d;
	if (result != DLG_YES) {
		ui_msg(ui, R_NORMAL, "not confirmed (lint errors); nothing changed");
		flow_free(f);
		return;
	}
	ui_log("apply despite %zu lint errors: %s", f->nlint, rt_migrate_what(f->m));
	start(ui, f);
}

static void
confirmed(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	struct mflow *f = ctx;
	struct rt_err err = { 0 };

	if (result != DLG_YES) {
		ui_msg(ui, R_NORMAL, "%s", result == DLG_CANCEL ? "cancelled; nothing changed" :
		       "not confirmed; nothing changed");
		flow_free(f);
		return;
	}
	if (rt_migrate_confirm(f->m, dialog_typed(d), false, &err) < 0) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		flow_free(f);
		return;
	}
	if (f->nlint) {
		struct dlg_view v = { .cur = -1 };

		/* the second, explicit yes: lint errors lose data or fail */
		snprintf(v.title, sizeof(v.title), "Lint errors: %s", rt_migrate_what(f->m));
		add_lint_errors(&v, rt_migrate_plan(f->m));
		dlg_view_question(&v, R_ERROR, "The plan has %zu lint error%s. Run it anyway? [y/N]",
				  f->nlint, f->nlint == 1 ? "" : "s");
		ui_dialog_push(ui, dlg_confirm_new(&v, NULL), lint_confirmed, f);
		return;
	}
	ui_log("apply: %s", rt_migrate_what(f->m));
	start(ui, f);
}

/* ---- the preflight, before the confirmation ------------------------------------ */

static void
ask(struct ui *ui, struct mflow *f)
{
	f->is_asked = true;
	ui_log("confirm: %s (%zu steps)", rt_migrate_what(f->m), rt_migrate_plan(f->m)->nsteps);
	ui_dialog_push(ui, confirm_dialog(f), confirmed, f);
}

static void
pf_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct mflow *f = j->ctx;

	if (rc < 0 && err->kind == RT_ERR_CANCEL) {
		ui_msg(ui, R_NORMAL, "preflight cancelled; nothing changed");
		return;
	}
	if (rc < 0) {
		struct rt_buf safe = { 0 };

		snprintf(f->pf_failed, sizeof(f->pf_failed), "%s", rt_fmt_safe(&safe, err->msg, 0));
		rt_buf_free(&safe);
	}
	ui_msg(ui, R_NORMAL, "%s: confirm", rt_migrate_what(f->m));
	ask(ui, f);
}

/* Frees the flow unless the confirmation took it. */
static void
pf_release(void *ctx)
{
	struct mflow *f = ctx;

	if (!f->is_asked)
		flow_free(f);
}

static const struct ui_job_cbs preflight_cbs = { pf_done, NULL, pf_release };

/* Runs the preflight of f's plan on the session's connection as a job, then
 * asks; a preflight that cannot start is said in the dialog. Nothing holds a
 * lock while the dialog is open: the preflight's SELECTs have ended. */
static void
preflight(struct ui *ui, struct mflow *f)
{
	struct rt_err err = { 0 };
	struct rt_job *job;

	/* a count in flight holds ACCESS SHARE on every table: it would be named
	 * as a blocker */
	ui_counts_drop(ui);
	job = rt_preflight_start(rt_session_db(ui->s), rt_migrate_plan(f->m), &f->pf, &err);
	if (!job) {
		struct rt_buf safe = { 0 };

		snprintf(f->pf_failed, sizeof(f->pf_failed), "%s", rt_fmt_safe(&safe, err.msg, 0));
		rt_buf_free(&safe);
		ask(ui, f);
		return;
	}
	if (!ui_job_add(ui, UI_JOB_PREFLIGHT, job, &preflight_cbs, f))
		return;   /* released: cannot happen, ui_busy said no job runs */
	ui_msg(ui, R_NORMAL, "preflight of %s on the live database ...  (Esc cancels)",
	       rt_migrate_what(f->m));
}

unsigned
ui_migrate(struct ui *ui, int kind, const char *target)
{
	struct rt_migrate_req req = { 0 };
	struct rt_err err = { 0 };
	const struct rt_graph *g = ui->g;
	struct rt_migrate *m;
	struct mflow *f;

	if (!rt_session_db(ui->s) || !ui->is_connected) {
		ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		return UI_REDRAW;
	}
	if (!ui->g) {
		ui_msg(ui, R_ERROR, "no migration files loaded");
		return UI_REDRAW;
	}
	if (ui_busy(ui)) {
		ui_msg(ui, R_ERROR, "%s", ui_busy(ui));
		return UI_REDRAW;
	}
	req.kind = (enum rt_plan_kind)kind;
	req.target = target;
	req.lock_timeout_ms = RT_LOCK_TIMEOUT_CONFIG;
	m = rt_migrate_prepare(ui->s, &req, &err);
	/* prepare loads the graph when the session has none (or only headers):
	 * the panes' plan borrows from the old one */
	if (rt_session_graph(ui->s) != g)
		ui_reload(ui, false);
	if (!m) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err.detail);
		return UI_REDRAW;
	}
	f = rt_xcalloc(1, sizeof(*f));
	f->m = m;
	f->kind = req.kind;
	if (rt_migrate_is_noop(m)) {
		char heads[1000];

		heads_now(f, heads, sizeof(heads));
		ui_msg(ui, R_NORMAL, "nothing to do: database at %s", heads);
		flow_free(f);
		return UI_REDRAW;
	}
	if (f->kind == RT_PLAN_STAMP)
		ask(ui, f);
	else
		preflight(ui, f);
	return UI_REDRAW;
}
