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
#include "rt_fmt.h"
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
	/* Per row: R_NROLES for highlighted SQL, else the role of the whole
	 * row (a finding under the SQL, a SQL line a finding points at, a row
	 * of the findings view). NULL: all SQL. */
	enum ui_role *role;
	const struct rt_rev *rev;    /* the revision shown (NULL: plan, findings, none) */
	bool up;                     /* ... its upgrade */
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
	free(m->role);
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

/* The row of sql_rows SQL rows (the first is the "-- file:line" header)
 * that file line line is on, or 0 when none. */
static size_t
line_row(int line, int body_line, size_t sql_rows)
{
	long row = (long)line - body_line + 1;

	return row >= 1 && (size_t)row < sql_rows ? (size_t)row : 0;
}

/* The stronger of two highlights of one line. */
static enum ui_role
stronger(enum ui_role have, enum ui_role add)
{
	static const enum ui_role order[] = { R_NROLES, R_LINE_TRACE, R_LINE_WARN, R_LINE_ERROR };
	int a = 0, b = 0;

	for (int i = 0; i < 4; i++) {
		if (order[i] == have)
			a = i;
		if (order[i] == add)
			b = i;
	}
	return b > a ? add : have;
}

/* Takes sql as the pane's text with, under it, rev's lint findings for the
 * section shown (and the revision-wide ones) and, for a traced upgrade, the
 * locks and rewrites the trace saw, one a line; the SQL lines they point at
 * are highlighted (R_LINE_*). */
static void
add_notes(const struct ui *ui, struct smodel *m, const struct rt_rev *rev, bool up, char *sql)
{
	struct rt_lint_report r = { 0 };
	struct rt_lint_opts o = { true };
	struct rt_buf b = { 0 };
	struct { size_t line; enum ui_role role; } *flag = NULL;
	enum ui_role *notes = NULL;
	size_t nflag = 0, nnotes = 0, sql_rows;
	int body = up ? rev->upgrade_body_line : rev->downgrade_body_line;
	bool traced = up && ui->trace_id && strcmp(ui->trace_id, rev->id) == 0;
	struct rt_buf safe = { 0 }, safe2 = { 0 };

	if (ui->s)
		o.has_retort_lock_timeout = rt_session_config(ui->s)->ddl_lock_timeout_ms > 0;
	if (rt_lint_rev(rev, &o, &r, NULL) < 0) {
		rt_lint_report_free(&r);
		memset(&r, 0, sizeof(r));
	}
	rt_buf_puts(&b, sql);
	free(sql);
	if (b.len && b.data[b.len - 1] != '\n')
		rt_buf_putc(&b, '\n');
	sql_rows = 0;
	for (size_t i = 0; i < b.len; i++)
		sql_rows += b.data[i] == '\n';
	notes = rt_xcalloc(r.n + 2 * (traced ? ui->trace.n : 0) + 4, sizeof(*notes));
	flag = rt_xcalloc(r.n + (traced ? ui->trace.n : 0) + 1, sizeof(*flag));
	for (size_t i = 0; i < r.n; i++) {
		const struct rt_lint_finding *f = &r.v[i];
		enum ui_role role = f->rule->severity == RT_LINT_ERROR ? R_ERROR :
				    f->rule->severity == RT_LINT_WARNING ? R_PENDING : R_DIM;

		if (strcmp(f->section, up ? "downgrade" : "upgrade") == 0)
			continue;
		if (nnotes == 0) {
			rt_buf_puts(&b, "-- lint:\n");
			notes[nnotes++] = R_DIM;
		}
		rt_buf_printf(&b, "line %d: %s: %s: %s\n", f->line,
			      rt_lint_severity_name(f->rule->severity), f->rule->id, f->why);
		notes[nnotes++] = role;
		if (f->rule->severity == RT_LINT_ERROR || f->rule->severity == RT_LINT_WARNING) {
			flag[nflag].line = line_row(f->line, body, sql_rows);
			flag[nflag++].role = role == R_ERROR ? R_LINE_ERROR : R_LINE_WARN;
		}
	}
	rt_lint_report_free(&r);
	if (traced) {
		rt_buf_puts(&b, "-- trace (run in a shadow database, rolled back):\n");
		notes[nnotes++] = R_DIM;
		for (size_t i = 0; i < ui->trace.n; i++) {
			const struct rt_trace_event *e = &ui->trace.v[i];

			if (e->mode)
				rt_buf_printf(&b, "line %d  %s on %s\n", e->line, e->mode,
					      rt_fmt_safe(&safe, e->relation, 0));
			else
				rt_buf_printf(&b, "line %d  rewrites %s\n", e->line,
					      rt_fmt_safe(&safe, e->relation, 0));
			notes[nnotes++] = R_LABEL;
			flag[nflag].line = line_row(e->line, body, sql_rows);
			flag[nflag++].role = R_LINE_TRACE;
		}
		if (!ui->trace.n) {
			rt_buf_puts(&b, "no lock on an existing table, no rewrite\n");
			notes[nnotes++] = R_GOOD;
		}
		if (ui->trace.note) {
			rt_buf_printf(&b, "%s\n", rt_fmt_safe(&safe2, ui->trace.note, 0));
			notes[nnotes++] = R_PENDING;
		}
	}
	rt_buf_free(&safe);
	rt_buf_free(&safe2);
	set_text(m, rt_buf_take(&b));
	if (nnotes || nflag) {
		m->role = rt_xcalloc(m->n + 1, sizeof(*m->role));
		for (size_t i = 0; i < m->n; i++)
			m->role[i] = i >= sql_rows && i - sql_rows < nnotes ? notes[i - sql_rows] :
				     R_NROLES;
		for (size_t i = 0; i < nflag; i++)
			if (flag[i].line && flag[i].line < m->n)
				m->role[flag[i].line] = stronger(m->role[flag[i].line], flag[i].role);
	}
	free(notes);
	free(flag);
}

/* The findings view (v, V): text with its first-column lines as findings. */
static void
load_findings(const struct ui *ui, struct smodel *m)
{
	snprintf(m->what, sizeof(m->what), "%.90s  (Esc: back to the SQL)", ui->sql_findings_what);
	set_text(m, rt_xstrdup(ui->sql_findings));
	m->role = rt_xcalloc(m->n + 1, sizeof(*m->role));
	for (size_t i = 0; i < m->n; i++) {
		const char *t = m->text + m->off[i];

		m->role[i] = strncmp(t, "warning:", 8) == 0 ? R_PENDING : t[0] != ' ' ? R_ERROR :
			     R_NORMAL;
	}
}

const struct rt_rev *
pane_sql_shown(const struct pane *p, bool *up)
{
	const struct smodel *m = p->model;

	if (!m || !m->rev)
		return NULL;
	*up = m->up;
	return m->rev;
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
	if (ui->sql_findings) {
		load_findings(ui, m);
		p->nrows = m->n;
		return 0;
	}
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
	m->rev = rev;
	m->up = up;
	add_notes(ui, m, rev, up, sql);
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
	if (m->role && row < m->n && m->role[row] != R_NROLES) {
		rowbuf_add(out, m->role[row], rt_buf_str(&line));
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
