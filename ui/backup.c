/* backup.c - backup and restore from the console: b confirms, then runs the
 * engine's backup job in the background with progress on the message line;
 * r lists the backups (checksums verified), confirms the chosen one (typed
 * database name on a protected env, --clean toggled with c), restores it in
 * the background, then counts every table exactly and compares the live
 * counts with the backup's sidecar (the Tables pane's delta column). */
#include "config.h"
#include "actions.h"

#include <curses.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "panes.h"
#include "prompt.h"
#include "rowbuf.h"
#include "rt_fmt.h"
#include "rt_backup.h"
#include "rt_config.h"
#include "rt_counts.h"
#include "rt_db.h"
#include "rt_session.h"
#include "status.h"
#include "ui.h"

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
check_text(enum rt_backup_check c, enum ui_role *role)
{
	*role = c == RT_BACKUP_OK ? R_GOOD : c == RT_BACKUP_UNCHECKED ? R_DIM : R_ERROR;
	switch (c) {
	case RT_BACKUP_OK: return "ok";
	case RT_BACKUP_BAD_SUM: return "MISMATCH";
	case RT_BACKUP_NO_SIDECAR: return "no sidecar";
	default: return "unchecked";
	}
}

void
ui_backup_row(const struct rt_backup_info *b, int name_w, long long now, struct rowbuf *out)
{
	char size[32], age[32];
	enum ui_role role;
	const char *chk = check_text(b->check, &role);

	rt_fmt_bytes(b->bytes, size, sizeof(size));
	rt_fmt_age(now - (long long)b->mtime, age, sizeof(age));
	rowbuf_add(out, R_NORMAL, "  ");
	rowbuf_addw(out, R_NORMAL, b->name, name_w);
	rowbuf_addf(out, R_DIM, " %9s  ", size);
	rowbuf_addw(out, R_ID, b->revision ? b->revision : "?", 12);
	rowbuf_addf(out, R_DATE, " %5s  ", age);
	rowbuf_add(out, role, chk);
}

const char *
ui_busy(const struct ui *ui)
{
	if (ui->bjob)
		return "a backup is running (Esc cancels it)";
	if (ui->rjob)
		return "a restore is running (Esc cancels it)";
	return NULL;
}

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

unsigned
ui_backup(struct ui *ui)
{
	if (!can_start(ui))
		return UI_REDRAW;
	ui->modal = MODAL_BACKUP;
	ui->modal_top = 0;
	return UI_REDRAW;
}

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

void
ui_backup_answer(struct ui *ui, int yes)
{
	ui->modal = MODAL_NONE;
	if (!yes) {
		ui_msg(ui, R_NORMAL, "no backup taken");
		return;
	}
	ui_backup_start(ui, false);
}

int
ui_backup_start(struct ui *ui, bool then_migrate)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	const struct rt_env *env = rt_session_env(ui->s);
	struct rt_backup_opts o = { 0 };
	struct rt_err err = { 0 };

	if (!can_start(ui))
		return -1;
	o.dir = cfg->backup_dir;
	o.env_name = env ? env->name : NULL;
	o.progress = on_backup_progress;
	o.ctx = ui;
	ui_msg(ui, R_NORMAL, "backing up %s to %s ...  (Esc cancels)", rt_db_name(rt_session_db(ui->s)),
	       cfg->backup_dir);
	status_draw_now(ui);
	ui->job_t0 = mono();
	ui->bjob = rt_backup_start(rt_session_db(ui->s), &o, &err);
	if (!ui->bjob) {
		ui_msg(ui, R_ERROR, "backup%s: %s%s%s", then_migrate ? " before migrating (nothing "
		       "migrated)" : "", err.msg, err.detail[0] ? "  | " : "", err.detail);
		return -1;
	}
	ui->migrate_after_backup = then_migrate;
	ui_log("backup started into %s", cfg->backup_dir);
	return 0;
}

static void
backup_step(struct ui *ui)
{
	struct rt_err err = { 0 };
	const struct rt_backup_info *b;
	const char *note;
	char size[32], why[sizeof(ui->msg)];
	int rc = rt_backup_job_step(ui->bjob, &err);

	if (rc == 1)
		return;
	note = rt_backup_job_note(ui->bjob);
	if (rc == 0 && (b = rt_backup_job_result(ui->bjob))) {
		rt_fmt_bytes(b->bytes, size, sizeof(size));
		ui_msg(ui, R_GOOD, "backup: %s  (%s, revision %s, %zu tables counted%s%s)", b->path, size,
		       b->revision ? b->revision : "?", b->counts.n, note ? "; " : "", note ? note : "");
	} else if (rc == 0) {
		ui_msg(ui, R_ERROR, "backup: finished without a result");
	} else if (err.kind == RT_ERR_CANCEL) {
		ui_msg(ui, R_NORMAL, "backup cancelled: no backup file left behind");
	} else {
		ui_msg(ui, R_ERROR, "backup failed: %s%s%s", err.msg, err.detail[0] ? "  | " : "",
		       err.detail);
	}
	if (ui->migrate_after_backup) {
		ui->migrate_after_backup = false;
		b = rc == 0 ? rt_backup_job_result(ui->bjob) : NULL;
		if (b) {
			char *name = rt_xstrdup(b->name);

			rt_backup_job_free(ui->bjob);
			ui->bjob = NULL;
			ui_migrate_apply(ui, name);
			free(name);
			return;
		}
		snprintf(why, sizeof(why), "%s", err.kind == RT_ERR_CANCEL ? "backup cancelled" : ui->msg);
		ui_msg(ui, R_ERROR, "%s; nothing migrated", why);
		ui_migrate_end(ui);
	}
	rt_backup_job_free(ui->bjob);
	ui->bjob = NULL;
}

/* ---- the list of backups ------------------------------------------------------- */

static void
list_free(struct ui *ui)
{
	if (ui->blist) {
		rt_backup_list_free(ui->blist);
		free(ui->blist);
	}
	ui->blist = NULL;
}

static void
rinfo_free(struct ui *ui)
{
	if (ui->rinfo) {
		rt_backup_info_free(ui->rinfo);
		free(ui->rinfo);
	}
	ui->rinfo = NULL;
}

/* Verifies backup i of the list and moves on to the confirmation. */
static void
choose(struct ui *ui, size_t i)
{
	const struct rt_backup_info *b = &ui->blist->v[i];
	struct rt_err err = { 0 };

	if (b->check == RT_BACKUP_BAD_SUM || b->check == RT_BACKUP_NO_SIDECAR) {
		ui_msg(ui, R_ERROR, "%s: %s; it cannot be restored", b->name,
		       b->check == RT_BACKUP_BAD_SUM ?
		       "checksum MISMATCH (the dump changed since the backup)" :
		       "no sidecar (incomplete or not a retort backup)");
		return;
	}
	rinfo_free(ui);
	ui->rinfo = rt_xcalloc(1, sizeof(*ui->rinfo));
	ui_msg(ui, R_NORMAL, "verifying %s ...", b->name);
	status_draw_now(ui);
	if (rt_backup_verify(b->path, ui->rinfo, &err) < 0) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		rinfo_free(ui);
		return;
	}
	list_free(ui);
	ui->restore_clean = true;
	ui->modal = MODAL_RESTORE;
	ui->modal_top = 0;
	ui_msg(ui, R_NORMAL, "restore %s?", ui->rinfo->name);
	ui_log("restore: confirm %s", ui->rinfo->path);
}

unsigned
ui_restore(struct ui *ui, const char *name)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	struct rt_err err = { 0 };

	if (!can_start(ui))
		return UI_REDRAW;
	list_free(ui);
	ui->blist = rt_xcalloc(1, sizeof(*ui->blist));
	ui_msg(ui, R_NORMAL, "reading the backups in %s (verifying checksums) ...", cfg->backup_dir);
	status_draw_now(ui);
	if (rt_backup_list(cfg->backup_dir, true, ui->blist, &err) < 0) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		list_free(ui);
		return UI_REDRAW;
	}
	if (ui->blist->n == 0) {
		ui_msg(ui, R_NORMAL, "no backups in %s (b backs up)", cfg->backup_dir);
		list_free(ui);
		return UI_REDRAW;
	}
	ui->bsel = 0;
	ui->modal_top = 0;
	if (name) {
		for (size_t i = 0; i < ui->blist->n; i++)
			if (strcmp(ui->blist->v[i].name, name) == 0 ||
			    strcmp(ui->blist->v[i].path, name) == 0) {
				ui->modal = MODAL_BACKUPS;
				ui->bsel = i;
				choose(ui, i);
				return UI_REDRAW | UI_RELAYOUT;
			}
		ui_msg(ui, R_ERROR, "no backup %s in %s", name, cfg->backup_dir);
		list_free(ui);
		return UI_REDRAW;
	}
	ui->modal = MODAL_BACKUPS;
	ui_msg(ui, R_NORMAL, "%zu backup%s: j/k move, Enter restores, Esc closes", ui->blist->n,
	       ui->blist->n == 1 ? "" : "s");
	return UI_REDRAW;
}

unsigned
ui_backups_key(struct ui *ui, int key)
{
	size_t n = ui->blist ? ui->blist->n : 0;

	switch (key) {
	case KEY_DOWN: case 'j':
		if (ui->bsel + 1 < n)
			ui->bsel++;
		return UI_REDRAW;
	case KEY_UP: case 'k':
		if (ui->bsel)
			ui->bsel--;
		return UI_REDRAW;
	case KEY_HOME: case 'g':
		ui->bsel = 0;
		return UI_REDRAW;
	case KEY_END: case 'G':
		ui->bsel = n ? n - 1 : 0;
		return UI_REDRAW;
	case '\r': case '\n': case KEY_ENTER:
		if (n)
			choose(ui, ui->bsel);
		return UI_REDRAW | UI_RELAYOUT;
	case 27: case 'q': case 'r':
		list_free(ui);
		ui->modal = MODAL_NONE;
		ui_msg(ui, R_NORMAL, "no restore");
		return UI_REDRAW | UI_RELAYOUT;
	case KEY_RESIZE:
		return UI_RELAYOUT;
	}
	return UI_REDRAW;
}

/* ---- restoring ------------------------------------------------------------------ */

static void
on_wait(const char *holder, void *ctx)
{
	struct ui *ui = ctx;

	ui_msg(ui, R_NORMAL, "waiting for the migration lock held by %s", holder);
	status_draw_now(ui);
}

static void
release_lock(struct ui *ui)
{
	struct rt_db *db = rt_session_db(ui->s);

	if (ui->restore_locked && db)
		rt_db_unlock(db);
	ui->restore_locked = false;
}

unsigned
ui_restore_key(struct ui *ui, int key)
{
	const struct rt_env *env = rt_session_env(ui->s);
	bool is_protected = env && env->is_protected;
	char p[256];

	if (key == 'c' || key == 'C') {
		ui->restore_clean = !ui->restore_clean;
		ui_msg(ui, R_NORMAL, "--clean %s", ui->restore_clean ? "on" : "off");
		return UI_REDRAW;
	}
	if (key == KEY_RESIZE)
		return UI_RELAYOUT;
	if (is_protected && (key == '\r' || key == '\n' || key == KEY_ENTER || key == 'y' ||
			     key == 'Y')) {
		snprintf(p, sizeof(p), "Type the database name (%s) to restore: ",
			 rt_db_name(rt_session_db(ui->s)));
		prompt_open(PROMPT_CONFIRM_NAME, p, status_msg_win());
		return UI_REDRAW;
	}
	if (key == 'y' || key == 'Y')
		ui_restore_answer(ui, 1, NULL);
	else
		ui_restore_answer(ui, 0, key == 27 ? "restore cancelled; nothing changed" :
				  "restore not confirmed; nothing changed");
	return UI_REDRAW | UI_RELAYOUT;
}

void
ui_restore_answer(struct ui *ui, int yes, const char *why)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_restore_opts o = { 0 };
	struct rt_err err = { 0 };

	ui->modal = MODAL_NONE;
	if (!ui->rinfo)
		return;
	if (!yes) {
		ui_msg(ui, R_NORMAL, "%s", why ? why : "restore not confirmed; nothing changed");
		rinfo_free(ui);
		return;
	}
	if (!can_start(ui)) {
		rinfo_free(ui);
		return;
	}
	/* a count in flight holds a lock the drops would wait for */
	if (ui->job) {
		rt_count_job_cancel(ui->job);
		rt_count_job_free(ui->job);
		ui->job = NULL;
	}
	ui->cancel = 0;
	if (rt_db_lock(db, 2000, on_wait, ui, &ui->cancel, &err) < 0) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		free(ui->lock_holder);
		ui->lock_holder = rt_db_lock_holder(db);
		rinfo_free(ui);
		return;
	}
	ui->restore_locked = true;
	o.clean = ui->restore_clean;
	o.tables = &ui->rinfo->counts;
	ui->job_t0 = mono();
	ui->rjob = rt_restore_start(db, ui->rinfo->path, &o, &err);
	if (!ui->rjob) {
		ui_msg(ui, R_ERROR, "restore: %s%s%s", err.msg, err.detail[0] ? "  | " : "", err.detail);
		release_lock(ui);
		rinfo_free(ui);
		return;
	}
	ui_msg(ui, R_NORMAL, "restoring %s%s ...  (Esc cancels)", ui->rinfo->name,
	       ui->restore_clean ? " (clean)" : "");
	ui_log("restore: started %s clean=%d", ui->rinfo->path, (int)ui->restore_clean);
}

static void
restore_step(struct ui *ui)
{
	struct rt_err err = { 0 };
	int rc = rt_restore_job_step(ui->rjob, &err);

	if (rc == 1) {
		ui_msg(ui, R_NORMAL, "restoring %s%s ... %.0f s  (Esc cancels)", ui->rinfo->name,
		       ui->restore_clean ? " (clean)" : "", mono() - ui->job_t0);
		return;
	}
	rt_restore_job_free(ui->rjob);
	ui->rjob = NULL;
	release_lock(ui);
	if (rc < 0) {
		if (err.kind == RT_ERR_CANCEL || ui->cancel)
			ui_msg(ui, R_NORMAL, "restore cancelled: rolled back, nothing changed");
		else
			ui_msg(ui, R_ERROR, "restore failed (rolled back): %s%s%s", err.msg,
			       err.detail[0] ? "  | " : "", err.detail);
		rinfo_free(ui);
		ui_reload(ui, false);
		return;
	}
	/* Everything changed: reload, then count every table exactly against
	 * the sidecar's counts (the Tables pane's snapshot). */
	snprintf(ui->restored, sizeof(ui->restored), "%s", ui->rinfo->name);
	ui_reload(ui, false);
	rt_counts_copy(&ui->snap, &ui->rinfo->counts);
	ui->has_snap = true;
	ui->snap_is_backup = true;
	rinfo_free(ui);
	if (!ui->job)
		ui_counts_start(ui);
	ui_pane_reload(ui, PANE_TABLES);
	if (!ui->job) {
		ui_restore_counted(ui, -1);
		return;
	}
	ui_msg(ui, R_NORMAL, "restored %s: counting rows to compare with the backup ...  (Esc stops)",
	       ui->restored);
}

void
ui_restore_counted(struct ui *ui, int rc)
{
	struct rt_count_diffs d = { 0 };
	char *rev;

	if (!ui->restored[0])
		return;
	rev = ui->current.n ? rt_strv_join(&ui->current, "+") : rt_xstrdup("base");
	if (rc != 0) {
		ui_msg(ui, R_ERROR, "restored %s: counts not compared (counting stopped), database at %s",
		       ui->restored, rev);
	} else {
		rt_counts_compare(&ui->snap, &ui->counts, &d);
		if (d.n)
			ui_msg(ui, R_ERROR, "restored %s: %zu table%s differ%s (highlighted in Tables), "
			       "database at %s", ui->restored, d.n, d.n == 1 ? "" : "s",
			       d.n == 1 ? "s" : "", rev);
		else
			ui_msg(ui, R_GOOD, "restored %s: counts match, database at %s", ui->restored, rev);
		rt_count_diffs_free(&d);
	}
	ui_log("restore: %s", ui->msg);
	free(rev);
	ui->restored[0] = '\0';
}

/* ---- the loop's side ---------------------------------------------------------------- */

size_t
ui_jobs_fds(const struct ui *ui, struct pollfd *fds, bool *now)
{
	int fd[2];
	size_t n = 0, k;

	if (ui->bjob) {
		k = rt_backup_job_fds(ui->bjob, fd);
		if (k == 0)
			*now = true;
		for (size_t i = 0; i < k && i < 2; i++)
			fds[n++] = (struct pollfd){ fd[i], POLLIN, 0 };
	}
	if (ui->rjob && rt_restore_job_fd(ui->rjob) >= 0)
		fds[n++] = (struct pollfd){ rt_restore_job_fd(ui->rjob), POLLIN, 0 };
	return n;
}

void
ui_jobs_step(struct ui *ui)
{
	if (ui->bjob)
		backup_step(ui);
	if (ui->rjob)
		restore_step(ui);
}

bool
ui_jobs_cancel(struct ui *ui)
{
	if (ui->bjob) {
		rt_backup_job_cancel(ui->bjob);
		ui_msg(ui, R_NORMAL, "cancelling the backup ...");
		return true;
	}
	if (ui->rjob) {
		ui->cancel = 1;
		rt_restore_job_cancel(ui->rjob);
		ui_msg(ui, R_NORMAL, "cancelling the restore ...");
		return true;
	}
	return false;
}

void
ui_jobs_free(struct ui *ui)
{
	if (ui->bjob)
		rt_backup_job_free(ui->bjob);
	if (ui->rjob)
		rt_restore_job_free(ui->rjob);
	ui->bjob = NULL;
	ui->rjob = NULL;
	release_lock(ui);
	list_free(ui);
	rinfo_free(ui);
}
