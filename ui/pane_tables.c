/* pane_tables.c - table row counts: estimates at once, exact counts from the
 * count job, size, and the delta against the snapshot taken before the last
 * action, or after a restore against the backup's sidecar counts (then only
 * exact counts are compared, and every table that differs is highlighted);
 * sortable by name, count or delta. */
#include "config.h"
#include "panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pane.h"
#include "rowbuf.h"
#include "rt_fmt.h"
#include "rt_counts.h"
#include "ui.h"

struct trow {
	const struct rt_table_count *now;    /* NULL: dropped since the snapshot */
	const struct rt_table_count *then;   /* NULL: no snapshot or new table */
};

struct tmodel {
	struct trow *rows;
	char **names;           /* "schema.name" of each row: the rows point into counts
	                         * that a refresh frees before the pane reloads */
	size_t n;
	enum ui_sort sort;
};

static void
release(struct pane *p)
{
	struct tmodel *m = p->model;

	for (size_t i = 0; m && i < m->n; i++)
		free(m->names[i]);
	if (m) {
		free(m->rows);
		free(m->names);
	}
	free(m);
	p->model = NULL;
}

static const struct rt_table_count *
any(const struct trow *r)
{
	return r->now ? r->now : r->then;
}

static long long
delta(const struct trow *r, bool *known)
{
	long long a = r->now ? rt_counts_best(r->now) : 0, b = r->then ? rt_counts_best(r->then) : 0;

	*known = (r->now || r->then) && a >= 0 && b >= 0;
	/* against a backup: an estimate proves nothing either way */
	if (*known && r->now && r->then && r->now->exact < 0 && r->then->exact >= 0)
		*known = false;
	return *known ? a - b : 0;
}

static int
cmp_name(const struct trow *a, const struct trow *b)
{
	int c = strcmp(any(a)->schema, any(b)->schema);

	return c ? c : strcmp(any(a)->name, any(b)->name);
}

static enum ui_sort sort_by;

static int
cmp(const void *x, const void *y)
{
	const struct trow *a = x, *b = y;
	long long va, vb;
	bool ka, kb;

	if (sort_by == SORT_COUNT) {
		va = a->now ? rt_counts_best(a->now) : -1;
		vb = b->now ? rt_counts_best(b->now) : -1;
	} else if (sort_by == SORT_DELTA) {
		va = llabs(delta(a, &ka));
		vb = llabs(delta(b, &kb));
	} else {
		return cmp_name(a, b);
	}
	if (va != vb)
		return va > vb ? -1 : 1;
	return cmp_name(a, b);
}

/* Whether t passes the f filter (in "schema.name", ignoring case). */
static bool
is_shown(const struct ui *ui, const struct rt_table_count *t)
{
	char full[300];

	if (!ui->table_filter[0])
		return true;
	snprintf(full, sizeof(full), "%s.%s", t->schema, t->name);
	return strcasestr(full, ui->table_filter) != NULL;
}

static int
load(struct pane *p, struct rt_err *err)
{
	struct ui *ui = p->ui;
	struct tmodel *m = p->model;
	char keep[300] = "";

	(void)err;
	/* the cursor stays on its table across a re-sort or a refresh */
	if (m && p->cur < m->n)
		snprintf(keep, sizeof(keep), "%s", m->names[p->cur]);
	release(p);
	m = p->model = rt_xcalloc(1, sizeof(*m));
	m->rows = rt_xcalloc(ui->counts.n + ui->snap.n + 1, sizeof(*m->rows));
	for (size_t i = 0; i < ui->counts.n; i++) {
		const struct rt_table_count *t = &ui->counts.v[i];

		if (is_shown(ui, t))
			m->rows[m->n++] = (struct trow){ t, ui->has_snap ?
							 rt_counts_find(&ui->snap, t->schema, t->name) :
							 NULL };
	}
	for (size_t i = 0; ui->has_snap && i < ui->snap.n; i++) {
		const struct rt_table_count *t = &ui->snap.v[i];

		if (is_shown(ui, t) && !rt_counts_find(&ui->counts, t->schema, t->name))
			m->rows[m->n++] = (struct trow){ NULL, t };
	}
	sort_by = m->sort = ui->sort;
	qsort(m->rows, m->n, sizeof(*m->rows), cmp);
	p->nrows = m->n;
	m->names = rt_xcalloc(m->n + 1, sizeof(*m->names));
	for (size_t i = 0; i < m->n; i++)
		m->names[i] = rt_xasprintf("%s.%s", any(&m->rows[i])->schema, any(&m->rows[i])->name);
	for (size_t i = 0; keep[0] && i < m->n; i++)
		if (strcmp(m->names[i], keep) == 0) {
			pane_set_cur(p, i);
			break;
		}
	if (p->cur >= m->n)
		pane_set_cur(p, m->n ? m->n - 1 : 0);
	if (!ui->is_connected)
		snprintf(p->empty, sizeof(p->empty), "database not reachable: %.900s", ui->conn_err);
	else if (ui->table_filter[0])
		snprintf(p->empty, sizeof(p->empty), "no table name holds \"%.100s\" (f changes it)",
			 ui->table_filter);
	else
		snprintf(p->empty, sizeof(p->empty), "no tables");
	return 0;
}

/* The size column only when the pane has room for it. */
static bool
has_size(const struct pane *p)
{
	return p->r.w - 2 >= 52;
}

/* After a restore, a "back" column: each count against the one just before
 * the restore (what the restore brought back), beside the delta against the
 * backup's counts. */
static bool
has_back(const struct pane *p)
{
	return p->ui->has_before && p->ui->snap_is_backup;
}

static int
name_width(const struct pane *p)
{
	int w = p->r.w - 2 - 10 - 8 - (has_size(p) ? 9 : 0) - (has_back(p) ? 8 : 0);

	return w < 8 ? 8 : w;
}

/* The column headers; the sorted one marked with its direction (names
 * ascending, counts and deltas largest first). */
static void
header(const struct pane *p, struct rowbuf *out)
{
	const struct ui *ui = p->ui;
	const char *up = ui->is_utf8 ? "\u25b2" : "^", *down = ui->is_utf8 ? "\u25bc" : "v";
	char table[32], rows[32], delta_h[32], b[256];

	snprintf(table, sizeof(table), "table%s", ui->sort == SORT_NAME ? up : "");
	snprintf(rows, sizeof(rows), "%srows", ui->sort == SORT_COUNT ? down : "");
	snprintf(delta_h, sizeof(delta_h), "%sdelta", ui->sort == SORT_DELTA ? down : "");
	/* a marker is one column but up to three bytes: pad by columns */
	snprintf(b, sizeof(b), "%-*s", name_width(p) + 1 + (int)(strlen(table) -
		 (size_t)ui_width(table, strlen(table))), table);
	rowbuf_add(out, R_HEADER, b);
	snprintf(b, sizeof(b), "%*s", 9 + (int)(strlen(rows) - (size_t)ui_width(rows, strlen(rows))),
		 rows);
	rowbuf_add(out, R_HEADER, b);
	if (has_size(p))
		rowbuf_addf(out, R_HEADER, " %8s", "size");
	snprintf(b, sizeof(b), " %*s", 7 + (int)(strlen(delta_h) -
		 (size_t)ui_width(delta_h, strlen(delta_h))), delta_h);
	rowbuf_add(out, R_HEADER, b);
	if (has_back(p))
		rowbuf_addf(out, R_HEADER, " %7s", "back");
}

/* The "back" cell: now minus the count just before the restore. */
static void
format_back(const struct pane *p, const struct trow *r, struct rowbuf *out)
{
	const struct rt_table_count *t = any(r);
	const struct rt_table_count *b = rt_counts_find(&p->ui->before, t->schema, t->name);
	long long now = r->now ? rt_counts_best(r->now) : 0, was = b ? rt_counts_best(b) : 0;
	char cell[32];

	if ((r->now && now < 0) || (b && was < 0))
		snprintf(cell, sizeof(cell), "?");
	else if (!b && r->now)
		snprintf(cell, sizeof(cell), "new");
	else if (now == was)
		snprintf(cell, sizeof(cell), "=");
	else
		snprintf(cell, sizeof(cell), "%+lld", now - was);
	rowbuf_addf(out, cell[0] == '+' || cell[0] == 'n' ? R_UP : cell[0] == '-' ? R_DOWN : R_DIM,
		    " %7s", cell);
}

static void
format(const struct pane *p, size_t row, struct rowbuf *out)
{
	const struct tmodel *m = p->model;
	const struct trow *r = &m->rows[row];
	const struct rt_table_count *t = any(r);
	const struct ui *ui = p->ui;
	char name[200], count[32], size[32], d[32] = "";
	long long best = r->now ? rt_counts_best(r->now) : -1;
	bool known;
	long long dv = delta(r, &known);
	/* after a restore: a table whose count differs from the backup's */
	bool differs = ui->has_snap && ui->snap_is_backup &&
		       (!r->now || !r->then || (known && dv != 0));
	enum ui_role name_role = differs ? R_ERROR : r->now ? R_NORMAL : R_DIM;

	if (strcmp(t->schema, "public") == 0)
		snprintf(name, sizeof(name), "%s", t->name);
	else
		snprintf(name, sizeof(name), "%s.%s", t->schema, t->name);
	rowbuf_addw(out, name_role, name, name_width(p) + 1);
	if (!r->now)
		snprintf(count, sizeof(count), "dropped");
	else if (r->now->exact >= 0)
		snprintf(count, sizeof(count), "%lld", best);
	else if (best >= 0)
		snprintf(count, sizeof(count), "~%lld", best);
	else
		snprintf(count, sizeof(count), "?");
	rowbuf_addf(out, r->now ? R_NORMAL : R_DOWN, "%9s", count);
	rt_fmt_bytes(r->now ? r->now->bytes : -1, size, sizeof(size));
	if (has_size(p))
		rowbuf_addf(out, R_DIM, " %8s", size);
	if (p->ui->has_snap && r->now && !r->then)
		snprintf(d, sizeof(d), "new");
	else if (p->ui->has_snap && known && dv != 0)
		snprintf(d, sizeof(d), "%+lld", dv);
	else if (p->ui->has_snap && !r->now)
		snprintf(d, sizeof(d), "gone");
	else if (ui->snap_is_backup && known)
		snprintf(d, sizeof(d), "=");
	if (differs)
		rowbuf_addf(out, R_ERROR, " %7s", d);
	else if (d[0] == '=')
		rowbuf_addf(out, R_DIM, " %7s", d);
	else
		rowbuf_addf(out, dv > 0 || (r->now && !r->then) ? R_UP : R_DOWN, " %7s", d);
	if (has_back(p))
		format_back(p, r, out);
}

static void
subtitle(const struct pane *p, char *buf, size_t size)
{
	const struct ui *ui = p->ui;
	size_t done, total;

	bool is_exact = false;
	char age[32] = "", shown[160];

	for (size_t i = 0; i < ui->counts.n; i++)
		is_exact |= ui->counts.v[i].exact >= 0;
	if (ui->counts_at)
		rt_fmt_age((long long)(time(NULL) - ui->counts_at), age, sizeof(age));
	if (ui->table_filter[0])
		snprintf(shown, sizeof(shown), "%zu of %zu  f:%.100s", p->nrows, ui->counts.n,
			 ui->table_filter);
	else
		snprintf(shown, sizeof(shown), "%zu", ui->counts.n);
	if (ui_counts_progress(ui, &done, &total))
		snprintf(buf, size, "counting %zu/%zu (Esc)", done, total);
	else
		snprintf(buf, size, "%s%s  %s %s old", shown,
			 !ui->has_snap ? "" : ui->snap_is_backup ? "  vs backup" :
			 "  delta: before last action", is_exact ? "exact" : "~estimates", age);
}

bool
pane_tables_at(const struct pane *p, const char **schema, const char **name)
{
	const struct tmodel *m = p->model;

	if (!m || p->cur >= m->n || !m->rows[p->cur].now)
		return false;
	*schema = m->rows[p->cur].now->schema;
	*name = m->rows[p->cur].now->name;
	return true;
}

const struct pane_ops pane_tables_ops = {
	.title = "Tables",
	.load = load,
	.format = format,
	.header = header,
	.subtitle = subtitle,
	.on_key = pane_list_key,
	.release = release,
	.has_cursor = true,
};
