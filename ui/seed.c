/* seed.c - S: the engine's seed operation (rt_seed.h) from the console. It
 * is prepared (every CSV file checked before anything is sent; a bad file
 * is one "file:line: what" on the message line), confirmed in a dialog that
 * lists each file, its table and rows (the database name typed on a
 * protected env), then run as a background job with its progress on the
 * message line; Esc cancels it and nothing is loaded. */
#include "config.h"
#include "actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "dialogs.h"
#include "jobs.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_seed.h"
#include "rt_session.h"
#include "ui.h"

/* A seed from its confirmation to the end of its job. */
struct sflow {
	struct ui *ui;
	struct rt_seed *sd;
};

static void
sflow_free(void *ctx)
{
	struct sflow *f = ctx;

	rt_seed_free(f->sd);
	free(f);
}

static void
on_seed_event(const struct rt_event *ev, void *ctx)
{
	struct sflow *f = ctx;
	const struct rt_data_progress *p = ev->data;
	char bytes[32];

	if (ev->kind == RT_EV_LOCK_WAIT) {
		ui_msg(f->ui, R_NORMAL, "seed: waiting for %s  (Esc cancels)",
		       ev->text ? ev->text : "a lock");
		return;
	}
	if (ev->kind != RT_EV_DATA || !p)
		return;
	rt_fmt_bytes(p->bytes, bytes, sizeof(bytes));
	ui_msg(f->ui, R_NORMAL, "seeding %s (%zu/%zu): %lld%s rows, %s, %.1f s  (Esc cancels)",
	       p->table, p->i + 1, p->n, p->rows, p->is_done ? "" : "~", bytes, p->seconds);
}

static void
seed_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct sflow *f = j->ctx;
	long long rows = 0;
	size_t n = rt_seed_nfiles(f->sd);

	ui_reload(ui, false);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			rows += rt_seed_loaded(f->sd, i) > 0 ? rt_seed_loaded(f->sd, i) : 0;
		ui_msg(ui, R_GOOD, "seeded %lld rows into %zu table%s (one transaction)", rows, n,
		       n == 1 ? "" : "s");
		ui_counts_start(ui, true, NULL, NULL);
	} else if (err->kind == RT_ERR_CANCEL) {
		ui_msg(ui, R_NORMAL, "seed cancelled: rolled back, nothing loaded");
	} else {
		ui_msg(ui, R_ERROR, "seed failed, rolled back: %s%s%s", err->msg,
		       err->detail[0] ? "  | " : "", err->detail);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err->detail);
	}
}

static const struct ui_job_cbs seed_cbs = { seed_done, NULL, sflow_free };

static void
confirmed(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	struct sflow *f = ctx;
	struct rt_err err = { 0 };
	struct rt_job *job;

	if (result != DLG_YES) {
		ui_msg(ui, R_NORMAL, "not seeded; nothing changed");
		sflow_free(f);
		return;
	}
	if (rt_seed_confirm(f->sd, dialog_typed(d), false, &err) < 0) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		sflow_free(f);
		return;
	}
	/* a count in flight would hold locks the COPY waits behind */
	ui_counts_drop(ui);
	job = rt_seed_start(f->sd, on_seed_event, f, &err);
	if (!job) {
		ui_msg(ui, R_ERROR, "seed: %s", err.msg);
		sflow_free(f);
		return;
	}
	ui_msg(ui, R_NORMAL, "seeding ...  (Esc cancels)");
	ui_job_add(ui, UI_JOB_SEED, job, &seed_cbs, f);
}

unsigned
ui_seed(struct ui *ui)
{
	struct rt_seed_req req = { 0 };
	struct rt_err err = { 0 };
	struct dlg_view v = { .cur = -1 };
	struct rt_buf safe = { 0 };
	struct sflow *f;
	bool is_typed;
	size_t nfull = 0;
	char p[512];

	if (ui_busy(ui)) {
		ui_msg(ui, R_ERROR, "%s", ui_busy(ui));
		return UI_REDRAW;
	}
	if (!rt_session_db(ui->s) || !ui->is_connected) {
		ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		return UI_REDRAW;
	}
	f = rt_xcalloc(1, sizeof(*f));
	f->ui = ui;
	/* every file is checked here, before anything is sent */
	f->sd = rt_seed_prepare(ui->s, &req, &err);
	if (!f->sd) {
		ui_msg(ui, R_ERROR, "seed: %s", err.msg);
		free(f);
		return UI_REDRAW;
	}
	is_typed = rt_seed_confirm_kind(f->sd) == RT_CONFIRM_DBNAME;
	snprintf(v.title, sizeof(v.title), "Seed %s", rt_seed_dbname(f->sd));
	dlg_view_line(&v, R_HEADER, "  %-36s %-30s %10s", "file", "table", "rows");
	for (size_t i = 0; i < rt_seed_nfiles(f->sd); i++) {
		const char *path = rt_seed_file(f->sd, i), *slash = strrchr(path, '/');

		dlg_view_line(&v, rt_seed_has_rows(f->sd, i) ? R_PENDING : R_NORMAL,
			      "  %-36s %-30s %10lld%s", rt_fmt_safe(&safe, slash ? slash + 1 : path, 0),
			      rt_seed_table(f->sd, i), rt_seed_file_rows(f->sd, i),
			      rt_seed_has_rows(f->sd, i) ? " *" : "");
		nfull += rt_seed_has_rows(f->sd, i);
	}
	if (nfull) {
		dlg_view_line(&v, R_PENDING, "  * %zu table%s already hold%s rows: the seed adds to "
			      "them;", nfull, nfull == 1 ? "" : "s", nfull == 1 ? "s" : "");
		dlg_view_line(&v, R_PENDING, "    a key already there fails it all ('retort seed "
			      "--clear' empties them first)");
	}
	dlg_view_line(&v, R_DIM, "  one transaction (COPY FROM STDIN, CSV); every file was checked "
		      "first; sequences move past the loaded ids");
	if (is_typed)
		dlg_view_question(&v, R_ERROR, "Protected env: type the database name on the line "
				  "below (Esc cancels).");
	else
		dlg_view_question(&v, R_HEADER, "Load %zu file%s into %s? [y/N]",
				  rt_seed_nfiles(f->sd), rt_seed_nfiles(f->sd) == 1 ? "" : "s",
				  rt_seed_dbname(f->sd));
	snprintf(p, sizeof(p), "Type the database name (%s) to seed: ", rt_seed_dbname(f->sd));
	rt_buf_free(&safe);
	ui_dialog_push(ui, dlg_confirm_new(&v, is_typed ? p : NULL), confirmed, f);
	return UI_REDRAW | UI_RELAYOUT;
}
