/* dialog.c - the dialog stack, its completion callbacks, and the one place
 * that draws a dialog: a box centred over the panes, scrolled so the line a
 * dialog points at stays in view. */
#include "config.h"
#include "dialog.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "pane.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "ui.h"

static WINDOW *dlg_win;
static WINDOW *under_win;   /* a full-screen dialog under the top one */

/* ---- the view ------------------------------------------------------------------ */

struct rowbuf *
dlg_view_row(struct dlg_view *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 32;
		v->lines = rt_xreallocarray(v->lines, v->cap, sizeof(*v->lines));
	}
	memset(&v->lines[v->n], 0, sizeof(v->lines[v->n]));
	return &v->lines[v->n++];
}

void
dlg_view_line(struct dlg_view *v, enum ui_role role, const char *fmt, ...)
{
	struct rowbuf *rb = dlg_view_row(v);
	char s[2048];   /* a screen line: longer text is clipped when drawn anyway */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	rowbuf_add(rb, role, s);
}

void
dlg_view_question(struct dlg_view *v, enum ui_role role, const char *fmt, ...)
{
	char s[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	rowbuf_free(&v->question);
	rowbuf_add(&v->question, role, s);
}

void
dlg_view_free(struct dlg_view *v)
{
	for (size_t i = 0; i < v->n; i++)
		rowbuf_free(&v->lines[i]);
	free(v->lines);
	rowbuf_free(&v->question);
	v->lines = NULL;
	v->n = v->cap = 0;
}

/* ---- the stack ------------------------------------------------------------------ */

void
ui_dialog_push(struct ui *ui, struct dialog *d, dialog_done_fn on_done, void *ctx)
{
	d->on_done = on_done;
	d->ctx = ctx;
	d->top = 0;
	d->opened_ms = rt_clock_ms();
	if (d->ops->guards_input)
		flushinp();   /* keys typed before it was on the screen answer nothing */
	if (ui->ndialogs == UI_MAXDIALOGS) {
		/* a flow bug: refuse the new one rather than lose an older one's callback */
		ui_log("dialog %s refused: %zu open", d->ops->name, ui->ndialogs);
		if (on_done)
			on_done(ui, d, DLG_CANCEL, ctx);
		free(d->typed);
		d->ops->release(d);
		return;
	}
	ui->dialogs[ui->ndialogs++] = d;
	ui_log("dialog %s open", d->ops->name);
	if (d->ops->on_open)
		d->ops->on_open(d, ui);
}

struct dialog *
ui_dialog_top(const struct ui *ui)
{
	return ui->ndialogs ? ui->dialogs[ui->ndialogs - 1] : NULL;
}

bool
ui_dialog_is_open(const struct ui *ui, const struct dialog *d)
{
	for (size_t i = 0; d && i < ui->ndialogs; i++)
		if (ui->dialogs[i] == d)
			return true;
	return false;
}

void
ui_dialog_close(struct ui *ui, struct dialog *d, int result)
{
	size_t i;

	for (i = 0; i < ui->ndialogs && ui->dialogs[i] != d; i++)
		;
	if (i == ui->ndialogs)
		return;
	memmove(&ui->dialogs[i], &ui->dialogs[i + 1], (ui->ndialogs - i - 1) * sizeof(*ui->dialogs));
	ui->ndialogs--;
	ui_log("dialog %s closed: %d", d->ops->name, result);
	/* off the stack first: the callback may open the next step's dialog */
	if (d->on_done)
		d->on_done(ui, d, result, d->ctx);
	free(d->typed);
	d->ops->release(d);
	dialog_reset();
}

void
dialog_take_line(struct dialog *d, struct ui *ui, const char *line)
{
	if (!line) {
		ui_dialog_close(ui, d, DLG_CANCEL);
		return;
	}
	free(d->typed);
	d->typed = rt_xstrdup(line);
	ui_dialog_close(ui, d, DLG_YES);
}

const char *
dialog_typed(const struct dialog *d)
{
	return d->typed;
}

void
ui_dialogs_free(struct ui *ui)
{
	while (ui->ndialogs)
		ui_dialog_close(ui, ui->dialogs[ui->ndialogs - 1], DLG_CANCEL);
	dialog_reset();
}

void
ui_dialog_event(const struct rt_event *ev, void *ctx)
{
	struct dialog *d = ctx;

	if (d && d->ops->on_job_event)
		d->ops->on_job_event(d, ev);
}

/* ---- keys ------------------------------------------------------------------------ */

bool
dialog_takes_key(const struct dialog *d, int key)
{
	if (!d->ops->guards_input || key == DLG_KEY_INTR || key == KEY_RESIZE)
		return true;
	return rt_clock_ms() - d->opened_ms >= DIALOG_GUARD_MS;
}

int
dialog_answer(int key)
{
	switch (key) {
	case 'y': case 'Y':
		return DLG_YES;
	case 'n': case 'N': case '\r': case '\n': case KEY_ENTER:
		return DLG_NO;
	case 27: case 'q': case DLG_KEY_INTR:
		return DLG_CANCEL;
	default:
		return DIALOG_NOT_AN_ANSWER;
	}
}

unsigned
dialog_scroll_key(struct dialog *d, int key)
{
	size_t page = d->body > 1 ? d->body - 1 : 1;

	switch (key) {
	case KEY_DOWN: case 'j':
		d->top++;
		break;
	case KEY_UP: case 'k':
		if (d->top)
			d->top--;
		break;
	case KEY_NPAGE: case ' ':
		d->top += page;
		break;
	case KEY_PPAGE:
		d->top = d->top > page ? d->top - page : 0;
		break;
	case KEY_HOME: case 'g':
		d->top = 0;
		break;
	case KEY_END: case 'G':
		d->top = d->nlines;
		break;
	default:
		return 0;
	}
	return UI_HANDLED | UI_REDRAW;
}

bool
dialog_is_close_key(int key)
{
	return key == 27 || key == 'q' || key == '\r' || key == '\n' || key == KEY_ENTER ||
	       key == ' ' || key == DLG_KEY_INTR;
}

/* ---- drawing --------------------------------------------------------------------- */

void
dialog_reset(void)
{
	if (dlg_win)
		delwin(dlg_win);
	if (under_win)
		delwin(under_win);
	dlg_win = under_win = NULL;
}

/* Keeps d->top within the lines, with v->cur (or the end) in view. */
static void
scroll_into_view(struct dialog *d, const struct dlg_view *v, size_t body)
{
	size_t cur;

	if (v->cur >= 0) {
		cur = (size_t)v->cur;
		if (cur < d->top + 1)   /* the line above it too: a header, when there is one */
			d->top = cur > 0 ? cur - 1 : 0;
		if (cur >= d->top + body)
			d->top = cur - body + 1;
	} else if (v->is_tail && v->n > body) {
		d->top = v->n - body;
	}
	if (d->top + body > v->n)
		d->top = v->n > body ? v->n - body : 0;
}

/* Draws d into *win (made anew); with only_full, only when d fills the
 * screen (a table viewer under its row detail). */
static void
draw_one(struct dialog *d, struct ui *ui, WINDOW **win, bool only_full)
{
	struct dlg_view v = { .cur = -1 };
	WINDOW *dlg_win;
	int h, w, y, x, body, ask;

	d->ops->draw(d, ui, &v);
	if (only_full && !v.is_full)
		goto out;
	ask = v.question.text.len ? 1 : 0;
	h = (int)v.n + 2 + ask;
	if (h > LINES - 3)
		h = LINES - 3;
	w = COLS - 4 < 110 ? COLS - 4 : 110;
	y = (LINES - 2 - h) / 2;
	x = (COLS - w) / 2;
	if (v.is_full) {
		h = LINES - 2;
		w = COLS;
		y = x = 0;
	}
	if (h < 3 + ask || w < 10)
		goto out;
	if (*win)
		delwin(*win);
	dlg_win = *win = newwin(h, w, y < 0 ? 0 : y, x);
	if (!dlg_win)
		goto out;
	werase(dlg_win);
	draw_box(dlg_win, true);
	draw_title(dlg_win, v.title, "", true);
	body = h - 2 - ask;
	scroll_into_view(d, &v, (size_t)body);
	d->nlines = v.n;
	d->body = (size_t)body;
	for (int i = 0; i < body && d->top + (size_t)i < v.n; i++)
		draw_rowbuf(dlg_win, 1 + i, 1, w - 2, &v.lines[d->top + (size_t)i], R_NORMAL,
			    (long)(d->top + (size_t)i) == v.cur ? 2 : 0);
	/* the question stays on its line whatever is scrolled */
	if (ask)
		draw_rowbuf(dlg_win, h - 2, 1, w - 2, &v.question, R_NORMAL, 0);
	if (v.n > (size_t)body) {
		char more[64];
		size_t last = d->top + (size_t)body < v.n ? d->top + (size_t)body : v.n;
		int len;

		draw_scrollbar(dlg_win, 1, w - 1, body, d->top, v.n);
		len = snprintf(more, sizeof(more), " lines %zu%s%zu of %zu ", d->top + 1,
			       ui->is_utf8 ? "\u2013" : "-", last, v.n);
		len -= ui->is_utf8 ? 2 : 0;   /* the en dash: three bytes, one column */
		if (len < w - 4) {
			wattrset(dlg_win, (int)draw_attr(R_DIM));
			mvwaddstr(dlg_win, h - 1, w - 2 - len, more);
			wattrset(dlg_win, (int)A_NORMAL);
		}
	}
	wnoutrefresh(dlg_win);
out:
	dlg_view_free(&v);
}

void
dialog_draw(struct ui *ui)
{
	struct dialog *d = ui_dialog_top(ui);

	if (!d)
		return;
	dialog_reset();
	if (ui->ndialogs > 1)
		draw_one(ui->dialogs[ui->ndialogs - 2], ui, &under_win, true);
	draw_one(d, ui, &dlg_win, false);
}
