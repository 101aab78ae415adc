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
	size_t n;
	enum ui_sort sort;
};

static void
release(struct pane *p)
{
	struct tmodel *m = p->model;

	if (m)
		free(m->rows);
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

static int
load(struct pane *p, struct rt_err *err)
{
	struct ui *ui = p->ui;
	struct tmodel *m;

	(void)err;
	release(p);
	m = p->model = rt_xcalloc(1, sizeof(*m));
	m->rows = rt_xcalloc(ui->counts.n + ui->snap.n + 1, sizeof(*m->rows));
	for (size_t i = 0; i < ui->counts.n; i++) {
		const struct rt_table_count *t = &ui->counts.v[i];

		m->rows[m->n++] = (struct trow){ t, ui->has_snap ?
						 rt_counts_find(&ui->snap, t->schema, t->name) : NULL };
	}
	for (size_t i = 0; ui->has_snap && i < ui->snap.n; i++) {
		const struct rt_table_count *t = &ui->snap.v[i];

		if (!rt_counts_find(&ui->counts, t->schema, t->name))
			m->rows[m->n++] = (struct trow){ NULL, t };
	}
	sort_by = m->sort = ui->sort;
	qsort(m->rows, m->n, sizeof(*m->rows), cmp);
	p->nrows = m->n;
	if (!ui->is_connected)
		snprintf(p->empty, sizeof(p->empty), "database not reachable: %.900s", ui->conn_err);
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

static int
name_width(const struct pane *p)
{
	int w = p->r.w - 2 - 10 - 8 - (has_size(p) ? 9 : 0);

	return w < 8 ? 8 : w;
}

static void
header(const struct pane *p, struct rowbuf *out)
{
	char b[256];

	if (has_size(p))
		snprintf(b, sizeof(b), "%-*s%9s %8s %7s", name_width(p) + 1, "table", "rows", "size",
			 "delta");
	else
		snprintf(b, sizeof(b), "%-*s%9s %7s", name_width(p) + 1, "table", "rows", "delta");
	rowbuf_add(out, R_HEADER, b);
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
}

static void
subtitle(const struct pane *p, char *buf, size_t size)
{
	const struct ui *ui = p->ui;
	static const char *const by[] = { "name", "count", "delta" };
	size_t done, total;

	if (ui_counts_progress(ui, &done, &total))
		snprintf(buf, size, "counting %zu/%zu (Esc)", done, total);
	else
		snprintf(buf, size, "%zu  sort: %s%s", ui->counts.n, by[ui->sort],
			 !ui->has_snap ? "" : ui->snap_is_backup ? "  vs backup" :
			 "  delta: before last action");
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
