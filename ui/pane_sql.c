/* pane_sql.c - the SQL preview: the selected revision's upgrade or downgrade
 * section, or the whole plan as `--sql` prints it; highlighted, scrollable. */
#include "config.h"
#include "panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane.h"
#include "rowbuf.h"
#include "rt_db.h"
#include "rt_graph.h"
#include "rt_migration.h"
#include "sqlhl.h"
#include "ui.h"

struct smodel {
	char **lines;
	struct sqlhl_state *start;   /* lexer state at the start of each line */
	size_t n;
	char what[128];
};

static void
release(struct pane *p)
{
	struct smodel *m = p->model;

	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->lines[i]);
	free(m->lines);
	free(m->start);
	free(m);
	p->model = NULL;
}

/* Splits text into lines (tabs expanded to 4 columns) with lexer states. */
static void
set_text(struct smodel *m, const char *text)
{
	struct sqlhl_state st = { 0 };
	struct rowbuf scratch = { 0 };
	const char *s = text, *nl;

	while (*s) {
		struct rt_buf line = { 0 };
		size_t len;

		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\t')
				rt_buf_puts(&line, "    ");
			else if (s[i] != '\r')
				rt_buf_putc(&line, s[i]);
		}
		m->lines = rt_xreallocarray(m->lines, m->n + 1, sizeof(*m->lines));
		m->start = rt_xreallocarray(m->start, m->n + 1, sizeof(*m->start));
		m->start[m->n] = st;
		m->lines[m->n] = rt_buf_take(&line);
		rowbuf_reset(&scratch);
		sqlhl_line(&st, m->lines[m->n], strlen(m->lines[m->n]), &scratch);
		m->n++;
		s = nl ? nl + 1 : s + len;
	}
	rowbuf_free(&scratch);
}

static enum ui_sql_mode
effective_mode(const struct ui *ui)
{
	if (ui->sql_mode != SQL_AUTO)
		return ui->sql_mode;
	if (ui->plan && ui->plan->nsteps > 1)
		return SQL_PLAN;
	if (ui->plan && ui->plan->kind == RT_PLAN_DOWNGRADE)
		return SQL_DOWN;
	return SQL_UP;
}

static int
load(struct pane *p, struct rt_err *err)
{
	struct ui *ui = p->ui;
	struct smodel *m;
	enum ui_sql_mode mode = effective_mode(ui);
	const struct rt_rev *rev = ui->sel >= 0 && ui->g ?
				   rt_graph_node(ui->g, (size_t)ui->sel)->rev : NULL;
	struct rt_vt_opts vt;
	char *sql;

	release(p);
	m = p->model = rt_xcalloc(1, sizeof(*m));
	p->nrows = 0;
	p->top = p->cur = 0;
	p->empty[0] = '\0';
	if (mode == SQL_PLAN) {
		if (!ui->plan || ui->plan->nsteps == 0) {
			snprintf(m->what, sizeof(m->what), "plan");
			snprintf(p->empty, sizeof(p->empty), "no plan: %.900s", ui->plan_note);
			return 0;
		}
		ui_vt(ui, &vt);
		sql = rt_plan_sql(ui->plan, &vt, false, err);
		if (!sql)
			return -1;
		snprintf(m->what, sizeof(m->what), "plan of %zu steps", ui->plan->nsteps);
		set_text(m, sql);
		free(sql);
	} else if (rev) {
		bool up = mode == SQL_UP;

		snprintf(m->what, sizeof(m->what), "%s %.12s", up ? "upgrade" : "downgrade", rev->id);
		sql = rt_xasprintf("-- %s:%d\n%s", rev->path, up ? rev->upgrade_line : rev->downgrade_line,
				   up ? rev->upgrade : rev->downgrade);
		set_text(m, sql);
		free(sql);
	} else {
		snprintf(p->empty, sizeof(p->empty), "select a revision in History");
	}
	p->nrows = m->n;
	return 0;
}

static void
format(const struct pane *p, size_t row, struct rowbuf *out)
{
	const struct smodel *m = p->model;
	struct sqlhl_state st = m->start[row];

	sqlhl_line(&st, m->lines[row], strlen(m->lines[row]), out);
}

static void
subtitle(const struct pane *p, char *buf, size_t size)
{
	const struct smodel *m = p->model;

	snprintf(buf, size, "%s  (t toggles)", m ? m->what : "");
}

const struct pane_ops pane_sql_ops = {
	.title = "SQL",
	.load = load,
	.format = format,
	.subtitle = subtitle,
	.on_key = pane_list_key,
	.release = release,
	.has_cursor = false,
};
