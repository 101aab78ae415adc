/* migrate.c - upgrade, downgrade and stamp from the console: take the lock,
 * read the version table, plan, show the plan and its SQL for confirmation,
 * apply with progress on the message line, then show the real state. */
#include "config.h"
#include "actions.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prompt.h"
#include "rt_config.h"
#include "rt_db.h"
#include "rt_graph.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "status.h"
#include "ui.h"

static const char *
verb(int kind)
{
	return kind == RT_PLAN_UPGRADE ? "upgrade" : kind == RT_PLAN_DOWNGRADE ? "downgrade" : "stamp";
}

static void
on_wait(const char *holder, void *ctx)
{
	struct ui *ui = ctx;

	ui_msg(ui, R_NORMAL, "waiting for the migration lock held by %s", holder);
	status_draw_now(ui);
}

static void
on_progress(const struct rt_step *st, size_t i, size_t n, enum rt_step_phase phase, double ms,
	    void *ctx)
{
	struct ui *ui = ctx;

	if (phase == RT_STEP_START)
		ui_msg(ui, R_NORMAL, "[%zu/%zu] %s %s  %s ...", i + 1, n,
		       st->is_up ? "upgrade" : "downgrade", st->rev->id, st->rev->message);
	else
		ui_msg(ui, phase == RT_STEP_DONE ? R_GOOD : R_ERROR, "[%zu/%zu] %s %s %s (%.0f ms)", i + 1,
		       n, st->is_up ? "upgrade" : "downgrade", st->rev->id,
		       phase == RT_STEP_DONE ? "ok" : "FAILED", ms);
	status_draw_now(ui);
}

/* The sections each step runs, in order: what the person confirms. */
static char *
steps_sql(const struct rt_plan *plan)
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
	return rt_buf_take(&b);
}

static void end_confirm(struct ui *ui);

static void
release_lock(struct ui *ui)
{
	struct rt_db *db = rt_session_db(ui->s);

	if (ui->confirm_locked && db)
		rt_db_unlock(db);
	ui->confirm_locked = false;
}

void
ui_migrate_end(struct ui *ui)
{
	end_confirm(ui);
}

static void
end_confirm(struct ui *ui)
{
	release_lock(ui);
	rt_plan_free(ui->confirm_plan);
	ui->confirm_plan = NULL;
	free(ui->confirm_sql);
	ui->confirm_sql = NULL;
	ui->modal = MODAL_NONE;
}

unsigned
ui_migrate(struct ui *ui, int kind, const char *target)
{
	struct rt_db *db = rt_session_db(ui->s);
	const struct rt_env *env = rt_session_env(ui->s);
	struct rt_strv cur = { 0 };
	struct rt_err err = { 0 };
	struct rt_plan *plan = NULL;
	char *rows;

	if (!db || !ui->is_connected) {
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
	ui->cancel = 0;
	if (rt_db_lock(db, 2000, on_wait, ui, &ui->cancel, &err) < 0) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		free(ui->lock_holder);
		ui->lock_holder = rt_db_lock_holder(db);
		return UI_REDRAW;
	}
	ui->confirm_locked = true;
	if (rt_db_current(db, &cur, &err) < 0)
		goto fail;
	if (kind == RT_PLAN_UPGRADE)
		plan = rt_plan_upgrade(ui->g, &cur, target, &err);
	else if (kind == RT_PLAN_DOWNGRADE)
		plan = rt_plan_downgrade(ui->g, &cur, target, &err);
	else
		plan = rt_plan_stamp(ui->g, &cur, target, &err);
	if (!plan)
		goto fail;
	if (plan->nsteps == 0 && kind != RT_PLAN_STAMP) {
		rows = rt_strv_join(&cur, " ");
		ui_msg(ui, R_NORMAL, "nothing to do: database at %s", cur.n ? rows : "base");
		free(rows);
		rt_plan_free(plan);
		rt_strv_free(&cur);
		release_lock(ui);
		return UI_REDRAW;
	}
	ui->confirm_sql = steps_sql(plan);
	rows = rt_strv_join(&plan->heads_after, " ");
	snprintf(ui->confirm_what, sizeof(ui->confirm_what), "%s to %s", verb(kind),
		 plan->heads_after.n ? rows : "base");
	free(rows);
	ui->confirm_plan = plan;
	ui->modal = MODAL_CONFIRM;
	ui->modal_top = 0;
	rt_strv_free(&cur);
	if (env && env->is_protected) {
		char p[256];

		snprintf(p, sizeof(p), "Type the database name (%s) to %s: ", rt_db_name(db), verb(kind));
		prompt_open(PROMPT_CONFIRM_NAME, p, status_msg_win());
	}
	ui_log("confirm: %s (%zu steps)", ui->confirm_what, plan->nsteps);
	return UI_REDRAW;
fail:
	ui_msg(ui, R_ERROR, "%s", err.msg);
	rt_strv_free(&cur);
	release_lock(ui);
	return UI_REDRAW;
}

void
ui_migrate_answer(struct ui *ui, int yes, const char *why)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	const struct rt_env *env = rt_session_env(ui->s);
	const struct rt_plan *plan = ui->confirm_plan;

	if (!plan) {
		ui->modal = MODAL_NONE;
		return;
	}
	if (!yes) {
		ui_msg(ui, R_NORMAL, "%s", why ? why : "not confirmed");
		end_confirm(ui);
		return;
	}
	ui->modal = MODAL_NONE;
	/* a protected env is backed up first (backup.c calls ui_migrate_apply) */
	if (env && env->is_protected && cfg->auto_backup && plan->kind != RT_PLAN_STAMP) {
		ui_log("apply: backing up first");
		if (ui_backup_start(ui, true) < 0)
			end_confirm(ui);
		return;
	}
	ui_migrate_apply(ui, NULL);
}

void
ui_migrate_apply(struct ui *ui, const char *backup)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_apply_opts opts = { 0 };
	struct rt_err err = { 0 };
	const struct rt_plan *plan = ui->confirm_plan;
	bool had_exact = false;
	char *rows;
	int rc;

	if (!plan)
		return;
	if (!backup) {
		const struct rt_config *cfg = rt_session_config(ui->s);
		const struct rt_env *env = rt_session_env(ui->s);

		if (env && env->is_protected && plan->kind != RT_PLAN_STAMP && !cfg->auto_backup)
			backup = "none (auto_backup = false)";
	}
	for (size_t i = 0; i < ui->counts.n; i++)
		had_exact |= ui->counts.v[i].exact >= 0;
	if (ui->job) {
		rt_count_job_cancel(ui->job);
		rt_count_job_free(ui->job);
		ui->job = NULL;
	}
	rt_counts_copy(&ui->snap, &ui->counts);
	ui->has_snap = true;
	ui->snap_is_backup = false;
	ui->modal = MODAL_NONE;
	ui->cancel = 0;
	opts.progress = on_progress;
	opts.ctx = ui;
	opts.cancel = &ui->cancel;
	opts.ddl_lock_timeout_ms = rt_session_config(ui->s)->ddl_lock_timeout_ms;
	opts.lock_retries = rt_session_config(ui->s)->lock_retries;
	ui_log("apply: %s", ui->confirm_what);
	rc = rt_plan_apply(db, plan, &opts, &err);
	rows = rt_strv_join(&plan->heads_after, " ");
	if (rc == 0)
		ui_msg(ui, R_GOOD, "%s %s%s%s%s", plan->kind == RT_PLAN_UPGRADE ? "upgraded to" :
			   plan->kind == RT_PLAN_DOWNGRADE ? "downgraded to" : "stamped",
		       plan->heads_after.n ? rows : "base", backup ? "  (backup: " : "",
		       backup ? backup : "", backup ? ")" : "");
	free(rows);
	end_confirm(ui);
	ui_reload(ui, false);
	if (rc < 0)
		ui_msg(ui, R_ERROR, "%s%s%s%s%s%s", err.msg, err.detail[0] ? "  | " : "", err.detail,
		       backup ? "  (backup: " : "", backup ? backup : "", backup ? ")" : "");
	if (had_exact && ui->is_connected) {
		char keep[sizeof(ui->msg)];
		enum ui_role role = ui->msg_role;

		memcpy(keep, ui->msg, sizeof(keep));
		ui_counts_start(ui);
		memcpy(ui->msg, keep, sizeof(keep));
		ui->msg_role = role;
	}
}
