/* dlg_text.c - read-only text over the panes: the "Keys" help built from the
 * action table, and output (an error's detail). Scrolling keys scroll; any
 * other key closes it. */
#include "config.h"
#include "dialogs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "dialog.h"
#include "pane.h"
#include "rt_mem.h"
#include "ui.h"

/* The operations tables (at the end) */
static const struct dialog_ops text_ops;

struct text {
	struct dialog d;
	struct dlg_view body;
};

static void
draw(struct dialog *d, const struct ui *ui, struct dlg_view *v)
{
	struct text *t = (struct text *)d;

	(void)ui;
	memcpy(v->title, t->body.title, sizeof(v->title));
	for (size_t i = 0; i < t->body.n; i++)
		dlg_view_copy(v, &t->body.lines[i]);
	v->is_tail = t->body.is_tail && d->top == 0;
}

static unsigned
on_key(struct dialog *d, struct ui *ui, int key)
{
	unsigned f = dialog_scroll_key(d, key);

	if (f)
		return f;
	ui_dialog_close(ui, d, DLG_YES);
	return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
}

static void
release(struct dialog *d)
{
	struct text *t = (struct text *)d;

	dlg_view_free(&t->body);
	free(t);
}

struct dialog *
dlg_text_new(struct dlg_view *body)
{
	struct text *t = rt_xcalloc(1, sizeof(*t));

	t->d.ops = &text_ops;
	t->body = *body;
	memset(body, 0, sizeof(*body));
	body->cur = -1;
	return &t->d;
}

struct dialog *
dlg_log_new(const struct ui *ui)
{
	struct dlg_view v = { .cur = -1 };
	size_t first = ui->log_n > UI_LOG_MAX ? ui->log_n - UI_LOG_MAX : 0;

	snprintf(v.title, sizeof(v.title), "Messages (%zu)", ui->log_n - first);
	for (size_t i = first; i < ui->log_n; i++) {
		const struct ui_logline *l = &ui->log[i % UI_LOG_MAX];
		struct rowbuf *rb = dlg_view_row(&v);
		char when[16];
		struct tm tm;

		localtime_r(&l->at, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		rowbuf_addf(rb, R_DATE, "%s ", when);
		rowbuf_add(rb, l->role, l->text);
	}
	if (!ui->log_n)
		dlg_view_line(&v, R_DIM, "  (no messages yet)");
	v.is_tail = true;
	return dlg_text_new(&v);
}

struct dialog *
dlg_help_new(const struct ui *ui)
{
	struct dlg_view v = { .cur = -1 };

	snprintf(v.title, sizeof(v.title), "Keys");
	for (size_t i = 0; i < ui_nactions; i++)
		dlg_view_line(&v, R_NORMAL, "  %-10s %-14s %s", ui_actions[i].keyname ?
			      ui_actions[i].keyname : "", ui_actions[i].name, ui_actions[i].help);
	dlg_view_line(&v, R_NORMAL, "  arrows j k g G PgUp PgDn Home End Ctrl-d Ctrl-u   move; "
		      "mouse click focuses and selects");
	dlg_view_line(&v, R_NORMAL, "%s", "");
	dlg_view_line(&v, R_HEADER, "History markers");
	dlg_view_line(&v, R_NORMAL, "  %s current   %s applied   %s pending   ! file missing   "
		      "M file modified since applied", ui->is_utf8 ? "\u25c9 @" : "@",
		      ui->is_utf8 ? "\u25cf *" : "*", ui->is_utf8 ? "\u25cb o" : "o");
	dlg_view_line(&v, R_NORMAL, "%s", "");
	dlg_view_line(&v, R_HEADER, "While a plan runs");
	dlg_view_line(&v, R_NORMAL, "  Esc or Ctrl-C cancels it: the revision in progress rolls "
		      "back, the database stays at the last completed one");
	dlg_view_line(&v, R_NORMAL, "%s", "");
	dlg_view_line(&v, R_DIM, "  any other key closes this help");
	return dlg_text_new(&v);
}

static const struct dialog_ops text_ops = {
	.name = "text",
	.draw = draw,
	.on_key = on_key,
	.release = release,
};
