/* autogen.c - :migrate MSG: the engine's migrate operation (rt_autogen_job.h)
 * from the console, the playbook's "generate it, then review it". It runs
 * in the background with its phase on the message line (Esc cancels it: no
 * file, the shadows dropped); then either "no changes detected", or the
 * files reloaded, the new revision selected in History and its upgrade in
 * the SQL pane with its lint findings under it. */
#include "config.h"
#include "actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "panes.h"
#include "rt_autogen_job.h"
#include "rt_config.h"
#include "rt_err.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_plan.h"
#include "rt_session.h"
#include "ui.h"

/* One :migrate from its start to the end of its job. */
struct aflow {
	/* the files as they are now, read for the job, which borrows them: a
	 * reload of the session's graph while it runs (R, e, ':') must not free
	 * the revisions its shadow build is applying */
	struct rt_graph *g;
	struct rt_autogen_result res;   /* filled by the job, which borrows it */
	const char *phase;              /* the phase last shown */
};

/* (the job is freed before this runs) */
static void
aflow_free(void *ctx)
{
	struct aflow *a = ctx;

	rt_autogen_result_free(&a->res);
	rt_graph_free(a->g);
	free(a);
}

static void
autogen_tick(struct ui *ui, struct ui_job *j)
{
	struct aflow *a = j->ctx;

	if (a->res.phase && a->res.phase != a->phase) {
		a->phase = a->res.phase;
		ui_msg(ui, R_NORMAL, "migrate: %s ...  (Esc cancels)", a->phase);
	}
}

/* The new revision selected in History, its upgrade in the SQL pane. */
static void
select_new(struct ui *ui, const char *id)
{
	long node = ui->g ? rt_graph_find(ui->g, id) : -1;

	if (node < 0)
		return;
	pane_history_goto(&ui->panes[PANE_HISTORY], node);
	ui->sel = pane_history_node(&ui->panes[PANE_HISTORY], ui->panes[PANE_HISTORY].cur);
	ui_selection_changed(ui);
	/* the plan to it may hold earlier steps: the SQL pane shows its own */
	if (ui->plan && ui->plan->nsteps > 1 &&
	    strcmp(ui->plan->steps[ui->plan->nsteps - 1].rev->id, id) == 0) {
		ui->panes[PANE_PENDING].cur = ui->plan->nsteps - 1;
		ui_pane_reload(ui, PANE_PENDING);
		ui_pane_reload(ui, PANE_SQL);
	}
	ui->focus = PANE_SQL;
}

static void
autogen_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct aflow *a = j->ctx;
	struct rt_buf s = { 0 };

	for (size_t i = 0; i < a->res.warnings.n; i++)
		ui_msg(ui, R_PENDING, "migrate: warning: %s", rt_fmt_safe(&s, a->res.warnings.v[i], 0));
	if (rc < 0) {
		if (err->kind == RT_ERR_CANCEL)
			ui_msg(ui, R_NORMAL, "migrate cancelled: no revision written");
		else
			ui_msg(ui, R_ERROR, "migrate failed: %s%s%s", rt_fmt_safe(&s, err->msg, 0),
			       err->detail[0] ? "  | " : "", err->detail);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err->detail);
	} else if (a->res.no_changes) {
		ui_msg(ui, R_GOOD, "migrate: no changes detected (the declared schema is the head's)");
	} else {
		const char *base = strrchr(a->res.path, '/');

		ui_reload(ui, true);
		select_new(ui, a->res.id);
		ui_msg(ui, R_GOOD, "migrate: generated %s (%zu statement%s); review it in the SQL pane",
		       rt_fmt_safe(&s, base ? base + 1 : a->res.path, 0), a->res.nstatements,
		       a->res.nstatements == 1 ? "" : "s");
	}
	rt_buf_free(&s);
}

static const struct ui_job_cbs autogen_cbs = { autogen_done, autogen_tick, aflow_free };

/* The message and options of ":migrate [-m MSG] [--no-rename] [WORDS...]":
 * the words are the message. -1 on an unknown option. */
static int
parse(int argc, char **argv, struct rt_buf *msg, bool *no_rename)
{
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];

		if ((strcmp(w, "-m") == 0 || strcmp(w, "--message") == 0) && i + 1 < argc)
			w = argv[++i];
		else if (strncmp(w, "-m", 2) == 0 && w[2])
			w += 2;
		else if (strcmp(w, "--no-rename") == 0) {
			*no_rename = true;
			continue;
		} else if (w[0] == '-')
			return -1;
		rt_buf_printf(msg, "%s%s", msg->len ? " " : "", w);
	}
	return 0;
}

unsigned
ui_autogen(struct ui *ui, int argc, char **argv)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	struct rt_autogen_job_opts o = { 0 };
	struct rt_buf msg = { 0 };
	struct rt_err err = { 0 };
	struct rt_job *job;
	struct aflow *a;
	bool no_rename = false;

	if (parse(argc, argv, &msg, &no_rename) < 0 || !msg.len) {
		ui_msg(ui, R_ERROR, "usage: :migrate MESSAGE...  (the new revision's message; "
		       "--no-rename: drop + add)");
		rt_buf_free(&msg);
		return UI_REDRAW;
	}
	if (ui_busy(ui)) {
		ui_msg(ui, R_ERROR, "%s", ui_busy(ui));
		rt_buf_free(&msg);
		return UI_REDRAW;
	}
	if (ui_job_find(ui, UI_JOB_AUTOGEN)) {
		ui_msg(ui, R_ERROR, "a :migrate is running (Esc cancels it)");
		rt_buf_free(&msg);
		return UI_REDRAW;
	}
	if (!rt_session_db(ui->s) || !ui->is_connected) {
		ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		rt_buf_free(&msg);
		return UI_REDRAW;
	}
	a = rt_xcalloc(1, sizeof(*a));
	if (!(a->g = rt_graph_load(cfg->versions_dir, &err))) {
		struct rt_buf s = { 0 };

		ui_msg(ui, R_ERROR, "migrate: %s", rt_fmt_safe(&s, err.msg, 0));
		rt_buf_free(&s);
		rt_buf_free(&msg);
		aflow_free(a);
		return UI_REDRAW;
	}
	/* the job uses the session's connection, which a count must not share */
	ui_counts_drop(ui);
	o.schema_file = cfg->schema_file;
	o.versions_dir = cfg->versions_dir;
	o.message = rt_buf_str(&msg);
	o.no_rename = no_rename;
	job = rt_autogen_start(rt_session_db(ui->s), a->g, &o, &a->res, &err);
	rt_buf_free(&msg);
	if (!job) {
		struct rt_buf s = { 0 };

		ui_msg(ui, R_ERROR, "migrate: %s", rt_fmt_safe(&s, err.msg, 0));
		rt_buf_free(&s);
		aflow_free(a);
		return UI_REDRAW;
	}
	ui_msg(ui, R_NORMAL, "migrate: starting ...  (Esc cancels)");
	ui_job_add(ui, UI_JOB_AUTOGEN, job, &autogen_cbs, a);
	return UI_REDRAW;
}
