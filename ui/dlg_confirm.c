/* dlg_confirm.c - the confirmation dialog: a body (a plan and its SQL, or
 * what a backup will do) and a question, answered with y/N or, on a
 * protected env, by typing the database name at the readline prompt. */
#include "config.h"
#include "dialogs.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "pane.h"
#include "prompt.h"
#include "rt_mem.h"
#include "sqlhl.h"
#include "status.h"
#include "ui.h"

/* The operations tables (at the end) */
static const struct dialog_ops confirm_ops;

struct confirm {
	struct dialog d;
	struct dlg_view body;
	char *name_prompt;     /* NULL: y/N */
};

void
dlg_view_copy(struct dlg_view *v, const struct rowbuf *row)
{
	struct rowbuf *rb = dlg_view_row(v);
	const char *text = rowbuf_str(row);

	for (size_t i = 0; i < row->nspans; i++)
		rowbuf_addn(rb, row->spans[i].role, text + row->spans[i].off, row->spans[i].len);
}

void
dlg_view_sql(struct dlg_view *v, const char *sql)
{
	struct sqlhl_state st = { 0 };

	for (const char *s = sql; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		sqlhl_line(&st, s, len, dlg_view_row(v));
		s = nl ? nl + 1 : s + len;
	}
}

static void
draw(struct dialog *d, const struct ui *ui, struct dlg_view *v)
{
	struct confirm *c = (struct confirm *)d;

	(void)ui;
	memcpy(v->title, c->body.title, sizeof(v->title));
	for (size_t i = 0; i < c->body.n; i++)
		dlg_view_copy(v, &c->body.lines[i]);
	rowbuf_free(&v->question);
	for (size_t i = 0; i < c->body.question.nspans; i++)
		rowbuf_addn(&v->question, c->body.question.spans[i].role,
			    rowbuf_str(&c->body.question) + c->body.question.spans[i].off,
			    c->body.question.spans[i].len);
}

static void
on_open(struct dialog *d, struct ui *ui)
{
	struct confirm *c = (struct confirm *)d;

	(void)ui;
	if (c->name_prompt)
		prompt_open(PROMPT_CONFIRM_NAME, c->name_prompt, status_msg_win());
}

static unsigned
on_key(struct dialog *d, struct ui *ui, int key)
{
	struct confirm *c = (struct confirm *)d;
	unsigned f = dialog_scroll_key(d, key);
	int answer;

	if (f)
		return f;
	if (c->name_prompt) {
		/* the prompt went away without a line (it always gives one): ask again */
		if (key == 27 || key == DLG_KEY_INTR)
			ui_dialog_close(ui, d, DLG_CANCEL);
		else if (!prompt_is_open())
			on_open(d, ui);
		return UI_HANDLED | UI_REDRAW;
	}
	answer = dialog_answer(key);
	if (answer == DIALOG_NOT_AN_ANSWER) {
		if (key != KEY_MOUSE)
			ui_msg(ui, R_NORMAL, "y confirms; n, Enter or Esc declines; arrows and "
			       "PgUp/PgDn scroll");
		return UI_HANDLED | UI_REDRAW;
	}
	ui_dialog_close(ui, d, answer);
	return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
}

static void
release(struct dialog *d)
{
	struct confirm *c = (struct confirm *)d;

	dlg_view_free(&c->body);
	free(c->name_prompt);
	free(c);
}

struct dialog *
dlg_confirm_new(struct dlg_view *body, const char *name_prompt)
{
	struct confirm *c = rt_xcalloc(1, sizeof(*c));

	c->d.ops = &confirm_ops;
	c->body = *body;
	memset(body, 0, sizeof(*body));
	body->cur = -1;
	c->name_prompt = name_prompt ? rt_xstrdup(name_prompt) : NULL;
	return &c->d;
}

static const struct dialog_ops confirm_ops = {
	.name = "confirm",
	.draw = draw,
	.on_key = on_key,
	.on_open = on_open,
	.on_line = dialog_take_line,
	.release = release,
	.guards_input = true,
};
