/* dlg_table.c - the read-only table viewer: Enter on a table in the Tables
 * pane. A dialog over the whole screen on an engine row browser (rt_rows.h):
 * the column headers and one page of rows, fetched by a job so keys stay
 * live ("loading ..." while it runs, Esc cancels it); PgDn/PgUp/Home/End page
 * by keyset, j/k move (and page at the edges), h/l scroll by column, Enter
 * shows the selected row whole, / filters on one column's value, Esc or q
 * returns to the panes. */
#include "config.h"
#include "actions.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "dialogs.h"
#include "jobs.h"
#include "pane.h"
#include "prompt.h"
#include "rt_counts.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_rows.h"
#include "rt_session.h"
#include "status.h"
#include "tablefmt.h"
#include "ui.h"

static const struct dialog_ops table_ops;

struct tview {
	struct dialog d;
	struct ui *ui;                /* borrowed: the console outlives its dialogs */
	struct rt_rows *rows;         /* owned */
	char *schema, *table;
	struct ui_job *job;           /* the fetch running, or NULL */
	enum rt_rows_page want;       /* what it fetches */
	long cur_after;               /* the cursor after it: a row, or -1 for the last */
	size_t cur;                   /* the selected row of the page */
	size_t top;                   /* the first row shown (a screen shorter than the page) */
	size_t hcol;                  /* the first column shown */
	char note[256];               /* said in the footer until the next key */
};

/* Rows a page has: the screen less the status and message lines, the box,
 * the header and the footer. */
static size_t
page_rows(void)
{
	return LINES - 6 > 1 ? (size_t)(LINES - 6) : 1;
}

/* ---- fetching ------------------------------------------------------------------------ */

static void
fetch_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct tview *t = j->ctx;
	size_t n;

	t->job = NULL;
	if (rc < 0) {
		if (err->kind == RT_ERR_CANCEL) {
			snprintf(t->note, sizeof(t->note), "fetch cancelled");
		} else {
			ui_msg(ui, R_ERROR, "%s", err->msg);
			snprintf(ui->detail, sizeof(ui->detail), "%s", err->detail);
		}
		return;
	}
	n = rt_rows_nrows(t->rows);
	if (!rt_rows_moved(t->rows)) {
		snprintf(t->note, sizeof(t->note), "%s", t->want == RT_ROWS_NEXT ? "end of the table" :
			 "start of the table");
		if (n)
			t->cur = t->want == RT_ROWS_NEXT ? n - 1 : 0;
		return;
	}
	t->top = 0;
	if (t->cur_after < 0)
		t->cur = n ? n - 1 : 0;
	else
		t->cur = (size_t)t->cur_after < n ? (size_t)t->cur_after : n ? n - 1 : 0;
	ui_log("table %s.%s: %zu rows in %.1f ms: %s", t->schema, t->table, n,
	       rt_rows_fetch_ms(t->rows), rt_rows_last_sql(t->rows));
}

static void
fetch_release(void *ctx)
{
	((struct tview *)ctx)->job = NULL;
}

static const struct ui_job_cbs fetch_cbs = { fetch_done, NULL, fetch_release };

static void
fetch(struct tview *t, enum rt_rows_page page, long cur_after)
{
	struct rt_err err = { 0 };
	struct rt_job *job;

	if (t->job)
		return;
	job = rt_rows_fetch(t->rows, page, page_rows(), &err);
	if (!job) {
		ui_msg(t->ui, R_ERROR, "%s", err.msg);
		return;
	}
	t->want = page;
	t->cur_after = cur_after;
	t->note[0] = '\0';
	t->job = ui_job_add(t->ui, UI_JOB_ROWS, job, &fetch_cbs, t);
}

/* ---- drawing -------------------------------------------------------------------------- */

static void
title(const struct tview *t, const struct ui *ui, char *buf, size_t size)
{
	const struct rt_table_count *now = rt_counts_find(&ui->counts, t->schema, t->table);
	const struct rt_table_count *then = ui->has_snap && ui->snap_is_backup ?
					    rt_counts_find(&ui->snap, t->schema, t->table) : NULL;
	const char *fc, *fv;
	long long n = now ? rt_counts_best(now) : -1;
	size_t len;

	len = (size_t)snprintf(buf, size, "%s.%s  ", t->schema, t->table);
	if (len < size) {
		if (n < 0)
			len += (size_t)snprintf(buf + len, size - len, "? rows");
		else
			len += (size_t)snprintf(buf + len, size - len, "%s%lld row%s",
						now->exact >= 0 ? "" : "~", n, n == 1 ? "" : "s");
	}
	if (len < size && rt_rows_filter(t->rows, &fc, &fv))
		len += (size_t)snprintf(buf + len, size - len, fv ? "  filter: %s = '%s'" :
					"  filter: %s IS NULL", fc, fv);
	if (len < size && then && now) {
		long long b = rt_counts_best(then);

		if (now->exact >= 0 && now->exact == b)
			len += (size_t)snprintf(buf + len, size - len, "  restored: %lld = backup", b);
		else
			len += (size_t)snprintf(buf + len, size - len, "  restored: %s%lld, backup %lld",
						now->exact >= 0 ? "" : "~", n, b);
	}
	rt_fmt_safe_inplace(buf, 0);
}

/* Display widths of the columns for this page: the name or the widest value,
 * at most TABLE_CELL_MAX. */
static int
col_width(const struct tview *t, size_t c)
{
	const char *name = rt_rows_col(t->rows, c)->name;
	int w = ui_width(name, strlen(name));

	for (size_t r = 0; r < rt_rows_nrows(t->rows); r++) {
		int cw = table_cell_width(rt_rows_value(t->rows, r, c));

		if (cw > w)
			w = cw;
	}
	if (w < 4)
		w = 4;
	return w > TABLE_CELL_MAX ? TABLE_CELL_MAX : w;
}

static void
draw(struct dialog *d, const struct ui *ui, struct dlg_view *v)
{
	struct tview *t = (struct tview *)d;
	size_t ncols = rt_rows_ncols(t->rows), n = rt_rows_nrows(t->rows);
	size_t body = page_rows(), last_col = t->hcol;
	int width = COLS - 2, used = 0, *w = rt_xcalloc(ncols + 1, sizeof(*w));
	const char *sep = ui->is_utf8 ? " \u2502 " : " | ";
	struct rowbuf *rb;
	long long off = rt_rows_offset(t->rows);

	v->is_full = true;
	title(t, ui, v->title, sizeof(v->title));
	for (size_t c = 0; c < ncols; c++)
		w[c] = col_width(t, c);
	/* the header: the names of the columns that fit from hcol on */
	rb = dlg_view_row(v);
	for (size_t c = t->hcol; c < ncols && used < width; c++) {
		const struct rt_rows_col *col = rt_rows_col(t->rows, c);

		if (c > t->hcol) {
			rowbuf_add(rb, R_DIM, sep);
			used += 3;
		}
		rowbuf_addw(rb, col->key ? R_LABEL : R_HEADER, col->name, w[c]);
		used += w[c];
		last_col = c;
	}
	/* the rows: keep the cursor in view on a screen shorter than the page */
	if (t->cur >= n)
		t->cur = n ? n - 1 : 0;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + body)
		t->top = t->cur - body + 1;
	for (size_t r = t->top; r < n && r < t->top + body; r++) {
		rb = dlg_view_row(v);
		if (r == t->cur)
			v->cur = (long)v->n - 1;
		for (size_t c = t->hcol; c <= last_col; c++) {
			if (c > t->hcol)
				rowbuf_add(rb, R_DIM, sep);
			table_cell(rb, rt_rows_value(t->rows, r, c), w[c], ui->is_utf8);
		}
	}
	if (n == 0)
		dlg_view_line(v, R_DIM, "%s", t->job ? "" : "(no rows)");
	for (size_t k = n ? (n < t->top + body ? n - t->top : body) : 1; k < body; k++)
		dlg_view_line(v, R_NORMAL, "%s", "");
	/* the footer */
	rb = dlg_view_row(v);
	if (t->job) {
		rowbuf_add(rb, R_PENDING, ui->is_utf8 ? "loading\u2026" : "loading...");
		rowbuf_add(rb, R_DIM, "  (Esc cancels)");
	} else {
		if (n && off >= 0)
			rowbuf_addf(rb, R_NORMAL, "rows %lld-%lld", off + 1, off + (long long)n);
		else if (n)
			rowbuf_addf(rb, R_NORMAL, "%zu rows", n);
		rowbuf_addf(rb, R_NORMAL, "%s%s%s", rt_rows_has_before(t->rows) ? "" : "  top",
			    rt_rows_has_after(t->rows) ? "" : "  end",
			    rt_rows_has_pk(t->rows) ? "" : "  (no primary key: by ctid)");
		rowbuf_addf(rb, R_NORMAL, "  columns %zu-%zu of %zu", t->hcol + 1, last_col + 1, ncols);
		if (t->note[0])
			rowbuf_addf(rb, R_GOOD, "  %s", t->note);
		rowbuf_add(rb, R_DIM, "   PgDn PgUp Home End  h/l columns  / filter  Enter row  Esc back");
	}
	free(w);
}

/* ---- the row detail ---------------------------------------------------------------------- */

static bool
is_json(const char *type)
{
	return strcmp(type, "json") == 0 || strcmp(type, "jsonb") == 0;
}

static void
detail(struct tview *t)
{
	struct dlg_view v = { .cur = -1 };
	int inner = (COLS - 4 < 110 ? COLS - 4 : 110) - 2 - 1 - 4;
	long long off = rt_rows_offset(t->rows);

	if (rt_rows_nrows(t->rows) == 0)
		return;
	if (off >= 0)
		snprintf(v.title, sizeof(v.title), "%s.%s  row %lld", t->schema, t->table,
			 off + (long long)t->cur + 1);
	else
		snprintf(v.title, sizeof(v.title), "%s.%s  a row", t->schema, t->table);
	rt_fmt_safe_inplace(v.title, 0);
	for (size_t c = 0; c < rt_rows_ncols(t->rows); c++) {
		const struct rt_rows_col *col = rt_rows_col(t->rows, c);
		const char *val = rt_rows_value(t->rows, t->cur, c);
		struct rowbuf *rb = dlg_view_row(&v);
		struct rt_strv lines = { 0 }, wrapped = { 0 };

		rowbuf_add(rb, col->key ? R_LABEL : R_HEADER, col->name);
		rowbuf_addf(rb, R_DIM, "  %s%s", col->type, col->key ? "  (primary key)" : "");
		if (!val) {
			rowbuf_add(dlg_view_row(&v), R_NORMAL, "    ");
			rowbuf_add(&v.lines[v.n - 1], R_NULL, "NULL");
			continue;
		}
		if (!*val) {
			dlg_view_line(&v, R_DIM, "    (empty string)");
			continue;
		}
		if (is_json(col->type))
			table_json_lines(val, &lines);
		else
			rt_strv_push(&lines, val);
		for (size_t i = 0; i < lines.n; i++)
			table_wrap(lines.v[i], inner > 8 ? inner : 8, &wrapped);
		for (size_t i = 0; i < wrapped.n; i++) {
			rb = dlg_view_row(&v);
			rowbuf_add(rb, R_NORMAL, "    ");
			rowbuf_add(rb, R_NORMAL, wrapped.v[i]);
		}
		rt_strv_free(&lines);
		rt_strv_free(&wrapped);
	}
	dlg_view_line(&v, R_NORMAL, "%s", "");
	dlg_view_line(&v, R_DIM, "  j/k PgUp/PgDn scroll   any other key returns to the rows");
	ui_dialog_push(t->ui, dlg_text_new(&v), NULL, NULL);
}

/* ---- keys --------------------------------------------------------------------------------- */

static void
close_view(struct tview *t)
{
	ui_msg(t->ui, R_NORMAL, "%s", "");   /* the viewer's key hint */
	ui_dialog_close(t->ui, &t->d, DLG_YES);
}

static unsigned
on_key(struct dialog *d, struct ui *ui, int key)
{
	struct tview *t = (struct tview *)d;
	size_t n = rt_rows_nrows(t->rows), ncols = rt_rows_ncols(t->rows);
	bool is_paging = false;

	t->note[0] = '\0';
	switch (key) {
	case 27: case DLG_KEY_INTR:
		if (t->job) {
			ui_job_cancel(t->job);
			snprintf(t->note, sizeof(t->note), "cancelling");
			break;
		}
		close_view(t);
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	case 'q':
		close_view(t);
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	case KEY_DOWN: case 'j':
		if (t->cur + 1 < n)
			t->cur++;
		else if (rt_rows_has_after(t->rows))
			fetch(t, RT_ROWS_NEXT, 0), is_paging = true;
		break;
	case KEY_UP: case 'k':
		if (t->cur > 0)
			t->cur--;
		else if (rt_rows_has_before(t->rows))
			fetch(t, RT_ROWS_PREV, -1), is_paging = true;
		break;
	case KEY_NPAGE: case ' ': case 4:
		if (rt_rows_has_after(t->rows))
			fetch(t, RT_ROWS_NEXT, (long)t->cur), is_paging = true;
		else if (n)
			t->cur = n - 1, snprintf(t->note, sizeof(t->note), "end of the table");
		break;
	case KEY_PPAGE: case 21:
		if (rt_rows_has_before(t->rows))
			fetch(t, RT_ROWS_PREV, (long)t->cur), is_paging = true;
		else
			t->cur = 0, snprintf(t->note, sizeof(t->note), "start of the table");
		break;
	case KEY_HOME: case 'g':
		fetch(t, RT_ROWS_FIRST, 0), is_paging = true;
		break;
	case KEY_END: case 'G':
		fetch(t, RT_ROWS_LAST, -1), is_paging = true;
		break;
	case KEY_LEFT: case 'h':
		if (t->hcol > 0)
			t->hcol--;
		break;
	case KEY_RIGHT: case 'l':
		if (t->hcol + 1 < ncols)
			t->hcol++;
		break;
	case '\r': case '\n': case KEY_ENTER:
		detail(t);
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	case '/':
		prompt_open(PROMPT_CONFIRM_NAME, "filter (column=value, column is null; empty clears): ",
			    status_msg_win());
		break;
	case '?':
		ui_dialog_push(ui, dlg_help_new(ui), NULL, NULL);
		break;
	default:
		break;
	}
	if (is_paging && t->job == NULL && !t->note[0] && rt_rows_is_busy(t->rows))
		snprintf(t->note, sizeof(t->note), "a fetch runs already");
	return UI_HANDLED | UI_REDRAW;
}

/* The "/" line: column=value filters, an empty line clears. */
static void
on_line(struct dialog *d, struct ui *ui, const char *line)
{
	struct tview *t = (struct tview *)d;
	struct rt_err err = { 0 };
	char *col = NULL, *val = NULL;
	int rc;

	if (!line)
		return;
	if (t->job) {
		ui_msg(ui, R_ERROR, "a fetch runs: wait for it or press Esc");
		return;
	}
	rc = table_parse_filter(line, &col, &val);
	if (rc < 0) {
		ui_msg(ui, R_ERROR, "filter: type column=value, column is null, or nothing to clear");
	} else if (rt_rows_set_filter(t->rows, rc ? col : NULL, val, &err) < 0) {
		ui_msg(ui, R_ERROR, "filter: %s", err.msg);
	} else {
		t->hcol = t->hcol < rt_rows_ncols(t->rows) ? t->hcol : 0;
		fetch(t, RT_ROWS_FIRST, 0);
		if (rc == 0)
			ui_msg(ui, R_NORMAL, "filter cleared");
		else
			ui_msg(ui, R_NORMAL, "filtering on %s", col);
	}
	free(col);
	free(val);
}

static void
on_open(struct dialog *d, struct ui *ui)
{
	struct tview *t = (struct tview *)d;

	t->ui = ui;
	fetch(t, RT_ROWS_FIRST, 0);
}

static void
release(struct dialog *d)
{
	struct tview *t = (struct tview *)d;

	/* the job borrows the browser: it goes first (its release clears t->job) */
	if (t->job)
		ui_job_drop(t->ui, t->job);
	rt_rows_free(t->rows);
	free(t->schema);
	free(t->table);
	free(t);
}

unsigned
ui_table_view(struct ui *ui, const char *schema, const char *table)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_err err = { 0 };
	struct tview *t;
	struct rt_rows *rows;

	if (!db || !ui->is_connected) {
		ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		return UI_REDRAW;
	}
	rows = rt_rows_open(db, schema, table, &err);
	if (!rows) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err.detail);
		return UI_REDRAW;
	}
	t = rt_xcalloc(1, sizeof(*t));
	t->d.ops = &table_ops;
	t->rows = rows;
	t->schema = rt_xstrdup(schema);
	t->table = rt_xstrdup(table);
	ui_msg(ui, R_NORMAL, "%s.%s: PgDn/PgUp page, / filters, Enter shows a row, Esc returns",
	       schema, table);
	ui_dialog_push(ui, &t->d, NULL, NULL);
	return UI_REDRAW | UI_RELAYOUT;
}

static const struct dialog_ops table_ops = {
	.name = "table",
	.draw = draw,
	.on_key = on_key,
	.on_open = on_open,
	.on_line = on_line,
	.release = release,
};
