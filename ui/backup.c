/* backup.c - backup and restore from the console. b: a confirmation dialog,
 * then the backup job in the background with progress on the message line.
 * r: the backups list dialog, then the engine's restore operation
 * (rt_restore.h) prepared and confirmed in a dialog (typed database name on
 * a protected env, --clean toggled with c), its job in the background (lock,
 * checksum, pg_restore, exact counts compared with the backup's sidecar),
 * and its verdict on the message line and in the Tables pane's delta
 * column. Each step starts the next from its completion callback. */
#include "config.h"
#include "actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialog.h"
#include "dialogs.h"
#include "jobs.h"
#include "rt_backup.h"
#include "rt_config.h"
#include "rt_counts.h"
#include "rt_db.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_restore.h"
#include "rt_session.h"
#include "status.h"
#include "ui.h"

static bool
can_start(struct ui *ui)
{
	const char *busy = ui_busy(ui);

	if (busy) {
		ui_msg(ui, R_ERROR, "%s", busy);
		return false;
	}
	if (!rt_session_db(ui->s) || !ui->is_connected) {
		ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		return false;
	}
	return true;
}

/* ---- backup ------------------------------------------------------------------ */

static void
on_backup_progress(const struct rt_backup_progress *p, void *ctx)
{
	struct ui *ui = ctx;
	char bytes[32];

	if (p->phase == RT_BACKUP_DONE)
		return;
	rt_fmt_bytes(p->bytes, bytes, sizeof(bytes));
	ui_msg(ui, R_NORMAL, "backing up: %s %s, %zu/%zu tables counted, %.0f s  (Esc cancels)",
	       p->phase == RT_BACKUP_DUMPING ? "dumping" : "verifying", bytes, p->tables_done,
	       p->tables_total, p->seconds);
}

static void
backup_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct rt_backup_job *bj = ui_backup_job_of(j);
	const struct rt_backup_info *b = rc == 0 ? rt_backup_job_result(bj) : NULL;
	const char *note = rt_backup_job_note(bj);
	char size[32];

	if (b) {
		rt_fmt_bytes(b->bytes, size, sizeof(size));
		ui_msg(ui, R_GOOD, "backup: %s  (%s, revision %s, %zu tables counted%s%s)", b->path,
		       size, b->revision ? b->revision : "?", b->counts.n, note ? "; " : "",
		       note ? note : "");
	} else if (rc == 0) {
		ui_msg(ui, R_ERROR, "backup: finished without a result");
	} else if (err->kind == RT_ERR_CANCEL) {
		ui_msg(ui, R_NORMAL, "backup cancelled: no backup file left behind");
	} else {
		ui_msg(ui, R_ERROR, "backup failed: %s%s%s", err->msg, err->detail[0] ? "  | " : "",
		       err->detail);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err->detail);
	}
}

static const struct ui_job_cbs backup_cbs = { backup_done, NULL, NULL };

static void
backup_start(struct ui *ui)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	const struct rt_env *env = rt_session_env(ui->s);
	struct rt_backup_opts o = { 0 };
	struct rt_err err = { 0 };
	struct rt_backup_job *bj;

	if (!can_start(ui))
		return;
	o.dir = cfg->backup_dir;
	o.env_name = env ? env->name : NULL;
	o.progress = on_backup_progress;
	o.ctx = ui;
	ui_msg(ui, R_NORMAL, "backing up %s to %s ...  (Esc cancels)", rt_db_name(rt_session_db(ui->s)),
	       cfg->backup_dir);
	status_draw_now(ui);
	bj = rt_backup_start(rt_session_db(ui->s), &o, &err);
	if (!bj) {
		ui_msg(ui, R_ERROR, "backup: %s%s%s", err.msg, err.detail[0] ? "  | " : "", err.detail);
		return;
	}
	ui_job_add(ui, UI_JOB_BACKUP, rt_backup_job_as_job(bj), &backup_cbs, NULL);
	ui_log("backup started into %s", cfg->backup_dir);
}

static void
backup_confirmed(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	(void)d, (void)ctx;
	if (result == DLG_YES)
		backup_start(ui);
	else
		ui_msg(ui, R_NORMAL, "no backup taken");
}

unsigned
ui_backup(struct ui *ui)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	struct dlg_view v = { .cur = -1 };

	if (!can_start(ui))
		return UI_REDRAW;
	snprintf(v.title, sizeof(v.title), "Back up");
	dlg_view_question(&v, R_HEADER, "Back up %s to %s? [y/N]",
			  rt_db_name(rt_session_db(ui->s)), cfg->backup_dir);
	dlg_view_line(&v, R_DIM, "  pg_dump -Fc, then the exact row count of every table in the "
		      "same snapshot");
	ui_dialog_push(ui, dlg_confirm_new(&v, NULL), backup_confirmed, NULL);
	return UI_REDRAW;
}

/* ---- restoring ------------------------------------------------------------------ */

/* A restore from its confirmation to the end of its job. */
struct rflow {
	struct ui *ui;
	struct rt_restore *op;
	char name[256];
};

static void
rflow_free(void *ctx)
{
	struct rflow *r = ctx;

	rt_restore_free(r->op);
	free(r);
}

static void
on_restore_event(const struct rt_event *ev, void *ctx)
{
	struct rflow *r = ctx;
	const struct rt_backup_progress *p = ev->backup;
	bool is_clean = rt_restore_is_clean(r->op);
	char done[32], total[32];

	switch (ev->kind) {
	case RT_EV_LOCK_WAIT:
		ui_msg(r->ui, R_NORMAL, "restore: waiting for the migration lock held by %s  (Esc "
		       "cancels)", ev->text ? ev->text : "another session");
		break;
	case RT_EV_LOCKED:
		ui_msg(r->ui, R_NORMAL, "restoring %s%s ...  (Esc cancels)", r->name,
		       is_clean ? " (clean)" : "");
		break;
	case RT_EV_BACKUP:
		if (p && (p->phase == RT_BACKUP_DUMPING || p->phase == RT_BACKUP_HASHING)) {
			/* the protected env's safety backup, before the restore */
			rt_fmt_bytes(p->bytes, done, sizeof(done));
			ui_msg(r->ui, R_NORMAL, "restore: backing up first: %s, %zu/%zu tables counted, "
			       "%.0f s  (Esc cancels)", done, p->tables_done, p->tables_total,
			       p->seconds);
		} else if (p && p->phase == RT_BACKUP_COUNTING) {
			ui_msg(r->ui, R_NORMAL, "restored %s: counting rows to compare with the backup "
			       "%zu/%zu ...  (Esc stops)", r->name, p->tables_done, p->tables_total);
		} else if (p) {
			rt_fmt_bytes(p->bytes, done, sizeof(done));
			rt_fmt_bytes(rt_restore_info(r->op)->bytes, total, sizeof(total));
			ui_msg(r->ui, R_NORMAL, "restoring %s%s: %s of %s, %.0f s  (Esc cancels)", r->name,
			       is_clean ? " (clean)" : "", done, total, p->seconds);
		}
		break;
	case RT_EV_BACKUP_DONE:
		ui_log("restore: backed up first to %s", ev->text ? ev->text : "");
		ui_msg(r->ui, R_NORMAL, "restore: backed up first (%s); restoring %s ...",
		       ev->text ? ev->text : "", r->name);
		break;
	case RT_EV_CANCELLING:
		ui_msg(r->ui, R_NORMAL, "cancelling the restore ...");
		break;
	case RT_EV_NOTE:
		ui_log("restore: %s", ev->text ? ev->text : "");
		break;
	default:
		break;
	}
}

/* The Tables pane after a restore: the backup's counts as the snapshot, and
 * the exact live counts the operation compared them with. */
static void
show_counts(struct ui *ui, const struct rflow *r, const struct rt_restore_result *res)
{
	const struct rt_counts *saved = &rt_restore_info(r->op)->counts;

	rt_counts_copy(&ui->snap, saved);
	ui->has_snap = true;
	ui->snap_is_backup = true;
	ui->has_before = ui->before.n > 0;
	if (res->is_compared) {
		rt_counts_copy(&ui->counts, rt_restore_live(r->op));
		ui->counts_at = time(NULL);
	}
	ui_pane_reload(ui, PANE_TABLES);
}

static void
restore_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct rflow *r = j->ctx;
	const struct rt_restore_result *res = rt_restore_result(r->op);
	char *rev;

	ui_reload(ui, false);
	if (res && res->is_restored)
		show_counts(ui, r, res);
	rev = ui->current.n ? rt_strv_join(&ui->current, "+") : rt_xstrdup("base");
	snprintf(ui->detail, sizeof(ui->detail), "%s", rc < 0 ? err->detail : "");
	if (rc == 0)
		ui_msg(ui, R_GOOD, "restored %s: counts match, database at %s", r->name,
		       res && res->revision_after ? res->revision_after : rev);
	else if (res && res->is_compared)   /* the operation's verdict, as the CLI gives it */
		ui_msg(ui, R_ERROR, "restored %s, but %s%s%s%s", r->name, err->msg,
		       res->diffs.n ? " (highlighted in Tables)" : "", err->detail[0] ? "  | " : "",
		       err->detail);
	else if (err->kind == RT_ERR_CANCEL)
		ui_msg(ui, R_NORMAL, "%s; database at %s", err->msg, rev);
	else
		ui_msg(ui, R_ERROR, "%s%s%s; database at %s", err->msg, err->detail[0] ? "  | " : "",
		       err->detail, rev);
	free(rev);
}

static const struct ui_job_cbs restore_cbs = { restore_done, NULL, rflow_free };

static void
restore_start(struct ui *ui, struct rflow *r)
{
	struct rt_err err = { 0 };
	struct rt_job *job;

	/* a count in flight holds a lock the drops would wait for */
	ui_counts_drop(ui);
	/* what the tables hold now, to show what the restore brings back */
	rt_counts_copy(&ui->before, &ui->counts);
	ui->has_before = false;
	job = rt_restore_op_start(r->op, on_restore_event, r, &err);
	if (!job) {
		ui_msg(ui, R_ERROR, "restore: %s%s%s", err.msg, err.detail[0] ? "  | " : "", err.detail);
		rflow_free(r);
		return;
	}
	ui_msg(ui, R_NORMAL, "restoring %s%s ...  (Esc cancels)", r->name,
	       rt_restore_is_clean(r->op) ? " (clean)" : "");
	ui_log("restore: started %s", rt_restore_what(r->op));
	ui_job_add(ui, UI_JOB_RESTORE, job, &restore_cbs, r);
}

/* A prepared restore of file (resolved by the operation), or NULL (said). */
static struct rt_restore *
prepare(struct ui *ui, const char *file, bool is_clean)
{
	struct rt_restore_req req = { file, is_clean, RT_LOCK_TIMEOUT_CONFIG };
	struct rt_err err = { 0 };
	struct rt_restore *op = rt_restore_prepare(ui->s, &req, &err);

	if (!op) {
		ui_msg(ui, R_ERROR, "%s%s%s", err.msg, err.detail[0] ? "  | " : "", err.detail);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err.detail);
	}
	return op;
}

static void
restore_confirmed(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	struct rflow *r = ctx;
	struct rt_err err = { 0 };
	bool is_clean = dlg_restore_is_clean(d);
	struct rt_restore *op;

	if (result != DLG_YES || !can_start(ui)) {
		if (result != DLG_YES)
			ui_msg(ui, R_NORMAL, "%s", result == DLG_CANCEL ?
			       "restore cancelled; nothing changed" :
			       "restore not confirmed; nothing changed");
		rflow_free(r);
		return;
	}
	if (is_clean != rt_restore_is_clean(r->op)) {
		/* c toggled --clean: the operation is prepared with it (cheap: no dump read) */
		if (!(op = prepare(ui, rt_restore_info(r->op)->path, is_clean))) {
			rflow_free(r);
			return;
		}
		rt_restore_free(r->op);
		r->op = op;
	}
	if (rt_restore_confirm(r->op, dialog_typed(d), false, &err) < 0) {
		ui_msg(ui, R_NORMAL, "restore %s", err.msg);
		rflow_free(r);
		return;
	}
	restore_start(ui, r);
}

static void
confirm_restore(struct ui *ui, const char *file)
{
	struct rflow *r;
	struct rt_restore *op = prepare(ui, file, true);

	if (!op)
		return;
	r = rt_xcalloc(1, sizeof(*r));
	r->ui = ui;
	r->op = op;
	snprintf(r->name, sizeof(r->name), "%s", rt_restore_info(op)->name);
	ui_msg(ui, R_NORMAL, "restore %s?", r->name);
	ui_log("restore: confirm %s", rt_restore_what(op));
	ui_dialog_push(ui, dlg_restore_new(op), restore_confirmed, r);
}

static void
chosen(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	const char *path = dlg_backups_chosen(d);

	(void)ctx;
	if (result != DLG_YES || !path) {
		ui_msg(ui, R_NORMAL, "no restore");
		return;
	}
	confirm_restore(ui, path);
}

unsigned
ui_restore(struct ui *ui, const char *name)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	const struct rt_env *env;
	struct rt_backup_list *list;
	struct rt_err err = { 0 };

	if (!can_start(ui))
		return UI_REDRAW;
	if (name) {
		confirm_restore(ui, name);
		return UI_REDRAW | UI_RELAYOUT;
	}
	list = rt_xcalloc(1, sizeof(*list));
	ui_msg(ui, R_NORMAL, "reading the backups in %s (verifying checksums) ...", cfg->backup_dir);
	status_draw_now(ui);
	if (rt_backup_list(cfg->backup_dir, true, list, &err) < 0 || list->n == 0) {
		if (err.kind != RT_ERR_NONE)
			ui_msg(ui, R_ERROR, "%s", err.msg);
		else
			ui_msg(ui, R_NORMAL, "no backups in %s (b backs up)", cfg->backup_dir);
		rt_backup_list_free(list);
		free(list);
		return UI_REDRAW;
	}
	ui_msg(ui, R_NORMAL, "%zu backup%s: j/k move, Enter restores, Esc closes", list->n,
	       list->n == 1 ? "" : "s");
	env = rt_session_env(ui->s);
	ui_dialog_push(ui, dlg_backups_new(list, rt_db_name(rt_session_db(ui->s)),
					   env ? env->name : ""), chosen, NULL);
	return UI_REDRAW;
}
