/* ui_main.c - the console's entry point: set up the terminal and the state,
 * run the loop, tear down in reverse order. */
#include "config.h"
#include "ui_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "bench.h"
#include "dialog.h"
#include "draw.h"
#include "loop.h"
#include "panes.h"
#include "prompt.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_session.h"
#include "term.h"
#include "ui.h"

int
ui_run(const struct ui_opts *opts, struct rt_err *err)
{
	static const struct pane_ops *const ops[NPANES] = {
		&pane_history_ops, &pane_pending_ops, &pane_sql_ops, &pane_tables_ops,
	};
	const char *nc = getenv("NO_COLOR");
	struct rt_err cerr = { 0 };
	struct ui *ui;

	if (!opts || !opts->session) {
		rt_err_set(err, RT_ERR_INPUT, "the console needs a session");
		return -1;
	}
	if (opts->bench)
		bench_ui_entered();
	ui = rt_xcalloc(1, sizeof(*ui));
	ui->opts = opts;
	ui->s = opts->session;
	ui->g = rt_session_graph(ui->s);
	ui->sel = -1;
	if (!rt_session_db(ui->s) && rt_session_connect(ui->s, &cerr) < 0)
		snprintf(ui->conn_err, sizeof(ui->conn_err), "%s", cerr.msg);
	if (term_init(!opts->no_color && !(nc && *nc), opts->exit_after_draw,
		      opts->bench, err) < 0) {
		free(ui);
		return -1;
	}
	ui->is_utf8 = draw_locale_is_utf8();
	rowbuf_set_ascii(!ui->is_utf8);
	for (int i = 0; i < NPANES; i++) {
		ui->panes[i].ops = ops[i];
		ui->panes[i].ui = ui;
	}
	prompt_init(ui);
	ui_reload(ui, false);
	if (!ui->g)
		rt_session_load_graph(ui->s, &cerr);
	if (!ui->is_connected)
		ui_msg(ui, R_ERROR, "database not reachable: %s (files can still be browsed)",
		       ui->conn_err);
	else if (!ui->msg[0])
		ui_msg(ui, R_DIM, "? help   : command line   u upgrade   d step down   q quit");
	ui_loop(ui);
	ui_log("quit");
	/* teardown in reverse order */
	prompt_fini();
	ui_loop_fini(ui);
	term_restore();
	/* the jobs first: a running migration borrows what its dialog's flow owns */
	ui_jobs_free(ui);
	ui_dialogs_free(ui);
	for (int i = NPANES - 1; i >= 0; i--)
		if (ui->panes[i].ops->release)
			ui->panes[i].ops->release(&ui->panes[i]);
	rt_plan_free(ui->plan);
	free(ui->sql_findings);
	free(ui->trace_id);
	rt_trace_free(&ui->trace);
	rt_counts_free(&ui->counts);
	rt_counts_free(&ui->snap);
	rt_counts_free(&ui->before);
	rt_strv_free(&ui->current);
	rt_strv_free(&ui->missing);
	rt_strv_free(&ui->sum_ids);
	rt_strv_free(&ui->sums);
	rt_strv_free(&ui->check_failed);
	free(ui->applied);
	free(ui->lock_holder);
	ui_log_free(ui);
	if (opts->bench)
		bench_report(LINES, COLS);
	free(ui);
	return 0;
}
