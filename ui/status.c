/* status.c - the status line (env, masked URL, current, pending, lock holder,
 * running jobs) and the message line. */
#include "config.h"
#include "status.h"

#include <curses.h>
#include <stdlib.h>

#include "draw.h"
#include "prompt.h"
#include "rowbuf.h"
#include "rt_config.h"
#include "rt_conninfo.h"
#include "rt_graph.h"
#include "rt_session.h"
#include "ui.h"

static WINDOW *st_win, *msg_win;

void
status_set_windows(void *status, void *msg)
{
	st_win = status;
	msg_win = msg;
}

void *
status_msg_win(void)
{
	return msg_win;
}

void
status_draw(struct ui *ui)
{
	const struct rt_env *env = rt_session_env(ui->s);
	struct rowbuf rb = { 0 };
	char *cur = rt_strv_join(&ui->current, " ");
	size_t pending = 0, done, total;

	if (!st_win)
		return;
	if (ui->applied && ui->g)
		for (size_t i = 0; i < rt_graph_count(ui->g); i++)
			pending += !ui->applied[i];
	if (prompt_is_open() && ui->hint[0]) {
		rowbuf_addf(&rb, R_DIM, "completions: %s", ui->hint);
		werase(st_win);
		draw_rowbuf(st_win, 0, 0, getmaxx(st_win), &rb, R_NORMAL, 2);
		wnoutrefresh(st_win);
		rowbuf_free(&rb);
		free(cur);
		return;
	}
	if (env && env->is_protected)
		rowbuf_addf(&rb, R_ERROR, "PROTECTED env: %s", env->name);
	else
		rowbuf_addf(&rb, R_HEADER, "env: %s", env ? env->name : "(url)");
	if (ui->is_connected) {
		rowbuf_addf(&rb, R_CURRENT, "  current: %s", ui->current.n ? cur : "base");
		rowbuf_addf(&rb, pending ? R_PENDING : R_NORMAL, "  pending to head: %zu", pending);
	} else {
		rowbuf_add(&rb, R_ERROR, "  not connected");
	}
	if (ui->lock_holder)
		rowbuf_addf(&rb, R_ERROR, "  lock: %s", ui->lock_holder);
	if (ui_counts_progress(ui, &done, &total))
		rowbuf_addf(&rb, R_NORMAL, "  counting %zu/%zu", done, total);
	if (ui_job_find(ui, UI_JOB_MIGRATE))
		rowbuf_add(&rb, R_PENDING, "  migrating");
	if (ui_job_find(ui, UI_JOB_BACKUP))
		rowbuf_add(&rb, R_PENDING, "  backing up");
	if (ui_job_find(ui, UI_JOB_RESTORE))
		rowbuf_add(&rb, R_PENDING, "  restoring");
	if (ui_job_find(ui, UI_JOB_VERIFY))
		rowbuf_add(&rb, R_PENDING, "  verifying");
	if (ui_job_find(ui, UI_JOB_SEED))
		rowbuf_add(&rb, R_PENDING, "  seeding");
	if (ui_job_find(ui, UI_JOB_AUTOGEN))
		rowbuf_add(&rb, R_PENDING, "  generating");
	{
		/* "app on db.example.com:5432", not a socket path cut at the edge */
		char *brief = rt_url_brief(rt_session_url_masked(ui->s));

		rowbuf_addf(&rb, R_DIM, "  %s", brief);
		free(brief);
	}
	werase(st_win);
	draw_rowbuf(st_win, 0, 0, getmaxx(st_win), &rb, R_NORMAL, 2);
	wnoutrefresh(st_win);
	free(cur);
	if (!prompt_is_open()) {
		rowbuf_reset(&rb);
		rowbuf_add(&rb, ui->msg_role, ui->msg);
		werase(msg_win);
		draw_rowbuf(msg_win, 0, 0, getmaxx(msg_win), &rb, R_NORMAL, 0);
		wnoutrefresh(msg_win);
	}
	rowbuf_free(&rb);
}

void
status_draw_now(struct ui *ui)
{
	status_draw(ui);
	doupdate();
}
