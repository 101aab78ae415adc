/* pane_sql.c - the SQL preview: the selected revision's upgrade or downgrade
 * section, or the whole plan as `--sql` prints it; highlighted, scrollable.
 * Under a revision's section, its lint findings (rt_lint.h), one a line. */
#include "config.h"
#include "panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane.h"
#include "rowbuf.h"
#include "rt_apply.h"
#include "rt_db.h"
#include "rt_config.h"
#include "rt_graph.h"
#include "rt_lint.h"
#include "rt_plan.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "sqlhl.h"
#include "ui.h"

struct smodel {
	char *text;                  /* the SQL, owned */
	size_t *off, *len;           /* each line's start and length in text (no newline) */
	size_t n;
	/* Lexer states at the start of lines 0..nstates-1, computed on demand:
	 * a cursor move reloads this pane, and highlighting a whole plan of
	 * hundreds of steps each time cost more than the rest of the redraw. */
	struct sqlhl_state *start;
	size_t nstates;
	char what[128];
	size_t lint_row;             /* rows from here on are lint findings (n: none) */
	enum rt_lint_severity *sev;  /* their severities, from lint_row on */
};

static void
release(struct pane *p)
{
	struct smodel *m = p->model;

	if (!m)
		return;
	free(m->text);
	free(m->off);
	free(m->len);
	free(m->start);
	free(m->sev);
	free(m);
	p->model = NULL;
}

/* Takes text and indexes its lines; no highlighting yet. */
static void
set_text(struct smodel *m, char *text)
{
	size_t cap = 0;

	m->text = text;
	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (m->n == cap) {
			cap = cap ? cap * 2 : 64;
			m->off = rt_xreallocarray(m->off, cap, sizeof(*m->off));
			m->len = rt_xreallocarray(m->len, cap, sizeof(*m->len));
		}
		m->off[m->n] = (size_t)(s - text);
		m->len[m->n++] = len;
		s = nl ? nl + 1 : s + len;
	}
	m->start = rt_xcalloc(m->n + 1, sizeof(*m->start));
	m->nstates = 1;
}

/* Line row with tabs expanded to 4 columns and carriage returns dropped. */
static void
expand(const struct smodel *m, size_t row, struct rt_buf *line)
{
	const char *s = m->text + m->off[row];

	for (size_t i = 0; i < m->len[row]; i++) {
		if (s[i] == '\t')
			rt_buf_puts(line, "    ");
		else if (s[i] != '\r')
			rt_buf_putc(line, s[i]);
	}
}

/* Runs the lexer over the lines before row (once: the states are kept). */
static void
states_upto(struct smodel *m, size_t row)
{
	struct rowbuf scratch = { 0 };
	struct rt_buf line = { 0 };

	while (m->nstates <= row) {
		struct sqlhl_state st = m->start[m->nstates - 1];

		line.len = 0;
		expand(m, m->nstates - 1, &line);
		rowbuf_reset(&scratch);
		sqlhl_line(&st, rt_buf_str(&line), line.len, &scratch);
		m->start[m->nstates++] = st;
	}
	rowbuf_free(&scratch);
	rt_buf_free(&line);
}

/* The step of the plan under the Plan pane's cursor, or NULL. */
static const struct rt_step *
plan_step(const struct ui *ui, size_t *index)
{
	size_t cur = ui->panes[PANE_PENDING].cur;

	if (!ui->plan || ui->plan->nsteps == 0 || ui->plan->kind == RT_PLAN_STAMP)
		return NULL;
	*index = cur < ui->plan->nsteps ? cur : 0;
	return &ui->plan->steps[*index];
}

/* Takes sql as the pane's text with rev's lint findings for the section
 * shown (and the revision-wide ones) appended under it, one a line. */
static void
add_lint(const struct ui *ui, struct smodel *m, const struct rt_rev *rev, bool up, char *sql)
{
	struct rt_lint_report r = { 0 };
	struct rt_lint_opts o = { true };
	struct rt_buf b = { 0 };
	size_t nlines = 0, k = 0;

	if (ui->s)
		o.has_retort_lock_timeout = rt_session_config(ui->s)->ddl_lock_timeout_ms > 0;
	if (rt_lint_rev(rev, &o, &r, NULL) < 0 || r.n == 0) {
		rt_lint_report_free(&r);
		set_text(m, sql);
		m->lint_row = m->n;
		return;
	}
	rt_buf_puts(&b, sql);
	free(sql);
	if (b.len && b.data[b.len - 1] != '\n')
		rt_buf_putc(&b, '\n');
	m->sev = rt_xcalloc(r.n + 1, sizeof(*m->sev));
	for (size_t i = 0; i < r.n; i++) {
		const struct rt_lint_finding *f = &r.v[i];

		if (strcmp(f->section, up ? "downgrade" : "upgrade") == 0)
			continue;
		if (nlines++ == 0)
			rt_buf_puts(&b, "-- lint:\n");
		rt_buf_printf(&b, "line %d: %s: %s: %s\n", f->line,
			      rt_lint_severity_name(f->rule->severity), f->rule->id, f->why);
		m->sev[k++] = f->rule->severity;
	}
	rt_lint_report_free(&r);
	set_text(m, rt_buf_take(&b));
	m->lint_row = nlines ? m->n - nlines : m->n;
}

static int
load(struct pane *p, struct rt_err *err)
{
	struct ui *ui = p->ui;
	struct smodel *m;
	const struct rt_rev *rev = ui->sel >= 0 && ui->g ?
				   rt_graph_node(ui->g, (size_t)ui->sel)->rev : NULL;
	const struct rt_step *st;
	struct rt_vt_opts vt;
	size_t i = 0;
	bool up = true;
	char *sql;

	release(p);
	m = p->model = rt_xcalloc(1, sizeof(*m));
	p->nrows = 0;
	p->top = p->cur = 0;
	p->empty[0] = '\0';
	if (ui->sql_mode == SQL_PLAN) {
		if (!ui->plan || ui->plan->nsteps == 0) {
			snprintf(m->what, sizeof(m->what), "whole plan");
			snprintf(p->empty, sizeof(p->empty), "no plan: %.900s", ui->plan_note);
			return 0;
		}
		ui_vt(ui, &vt);
		sql = rt_plan_sql(ui->plan, &vt, false, err);
		if (!sql)
			return -1;
		snprintf(m->what, sizeof(m->what), "the whole plan, %zu steps  (t: other direction)",
			 ui->plan->nsteps);
		set_text(m, sql);
		p->nrows = m->n;
		return 0;
	}
	/* the step under the Plan cursor, in the direction the plan runs it */
	if ((st = plan_step(ui, &i))) {
		rev = st->rev;
		up = st->is_up;
	}
	if (!rev) {
		snprintf(p->empty, sizeof(p->empty), "select a revision in History");
		return 0;
	}
	if (ui->sql_mode == SQL_OTHER)
		up = !up;
	if (st)
		snprintf(m->what, sizeof(m->what), "%s %.12s%s, step %zu/%zu  (t: %s)",
			 up ? "upgrade" : "downgrade", rev->id,
			 ui->sql_mode == SQL_OTHER ? " (not in the plan)" : "", i + 1,
			 ui->plan->nsteps, ui->sql_mode == SQL_OTHER ? "back to the plan" :
			 "whole plan");
	else
		snprintf(m->what, sizeof(m->what), "%s %.12s  (no plan; t: %s)",
			 up ? "upgrade" : "downgrade", rev->id, up ? "downgrade" : "upgrade");
	sql = rt_xasprintf("-- %s:%d\n%s", rev->path, up ? rev->upgrade_line : rev->downgrade_line,
			   up ? rev->upgrade : rev->downgrade);
	add_lint(ui, m, rev, up, sql);
	p->nrows = m->n;
	return 0;
}

static void
format(const struct pane *p, size_t row, struct rowbuf *out)
{
	struct smodel *m = p->model;   /* the state cache fills in; the rows do not change */
	struct rt_buf line = { 0 };
	struct sqlhl_state st;

	expand(m, row, &line);
	if (m->sev && row >= m->lint_row && row < m->n) {
		enum rt_lint_severity sv = m->sev[row - m->lint_row];

		rowbuf_add(out, sv == RT_LINT_ERROR ? R_ERROR : sv == RT_LINT_WARNING ? R_PENDING :
			   R_DIM, rt_buf_str(&line));
		rt_buf_free(&line);
		return;
	}
	states_upto(m, row);
	st = m->start[row];
	sqlhl_line(&st, rt_buf_str(&line), line.len, out);
	rt_buf_free(&line);
}

static void
subtitle(const struct pane *p, char *buf, size_t size)
{
	const struct smodel *m = p->model;

	snprintf(buf, size, "%s", m ? m->what : "");
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
