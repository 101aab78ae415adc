/* pane_pending.c - the plan from the current revision to the selection, in
 * the order it would run. */
#include "config.h"
#include "panes.h"

#include <stdio.h>

#include "pane.h"
#include "rowbuf.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_migration.h"
#include "ui.h"

static int
load(struct pane *p, struct rt_err *err)
{
	const struct ui *ui = p->ui;

	(void)err;
	p->nrows = ui->plan ? ui->plan->nsteps : 0;
	snprintf(p->empty, sizeof(p->empty), "%s", ui->plan_note);
	return 0;
}

static void
format(const struct pane *p, size_t row, struct rowbuf *out)
{
	const struct rt_step *st = &p->ui->plan->steps[row];

	rowbuf_addf(out, R_DIM, "%2zu ", row + 1);
	if (p->ui->plan->kind == RT_PLAN_STAMP)
		rowbuf_add(out, R_LABEL, "stamp     ");
	else
		rowbuf_add(out, st->is_up ? R_UP : R_DOWN, st->is_up ? "upgrade   " : "downgrade ");
	rowbuf_addf(out, R_ID, "%-12.12s ", st->rev->id);
	rowbuf_add(out, R_NORMAL, st->rev->message);
}

/* "-> 6b70e43fe85a  downgrade, 5 steps": where the selection leads, and how. */
static void
subtitle(const struct pane *p, char *buf, size_t size)
{
	const struct ui *ui = p->ui;
	const char *to = ui->sel >= 0 && ui->g ? rt_graph_node(ui->g, (size_t)ui->sel)->rev->id
					       : "head";
	const char *arrow = ui->is_utf8 ? "\u2192" : "->";

	if (ui->plan && ui->plan->nsteps)
		snprintf(buf, size, "%s %.12s  %s, %zu step%s", arrow, to,
			 ui->plan->kind == RT_PLAN_STAMP ? "stamp" :
			 ui->plan->kind == RT_PLAN_DOWNGRADE ? "downgrade" : "upgrade",
			 ui->plan->nsteps, ui->plan->nsteps == 1 ? "" : "s");
	else
		snprintf(buf, size, "%s %.12s", arrow, to);
}

/* Moving the cursor here moves the SQL preview to that step. */
static unsigned
on_key(struct pane *p, int key)
{
	unsigned f = pane_list_key(p, key);

	if (f & UI_SELECT) {
		ui_pane_reload(p->ui, PANE_SQL);
		f = (f & ~(unsigned)UI_SELECT) | UI_REDRAW;
	}
	return f;
}

const struct pane_ops pane_pending_ops = {
	.title = "Plan",
	.load = load,
	.format = format,
	.subtitle = subtitle,
	.on_key = on_key,
	.has_cursor = true,
};
