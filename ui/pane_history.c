/* pane_history.c - every revision newest first, with graph lanes, a marker
 * (applied, current, pending, file missing, file modified, imported with a
 * TODO, lint errors) and labels. */
#include "config.h"
#include "panes.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graphrow.h"
#include "pane.h"
#include "rowbuf.h"
#include "rt_adopt.h"
#include "rt_graph.h"
#include "rt_lint.h"
#include "rt_migration.h"
#include "ui.h"

struct hrow {
	long node;          /* -1: a version-table row no file defines */
	const char *id;     /* borrowed from the graph or ui->missing */
	char *graph;        /* abstract lanes (graphrow.h) */
	bool has_lint_error; /* retort lint finds an error in its file (marker E) */
};

struct hmodel {
	struct hrow *rows;
	size_t n;
	int graph_width;    /* abstract cells */
};

static void
release(struct pane *p)
{
	struct hmodel *m = p->model;

	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->rows[i].graph);
	free(m->rows);
	free(m);
	p->model = NULL;
}

static int
load(struct pane *p, struct rt_err *err)
{
	struct ui *ui = p->ui;
	struct graph_state gs = { 0 };
	struct hmodel *m;
	size_t n, nmiss = ui->missing.n, *rowof, *par;
	long keep = p->nrows ? pane_history_node(p, p->cur) : -2;

	(void)err;
	release(p);
	m = p->model = rt_xcalloc(1, sizeof(*m));
	n = ui->g ? rt_graph_count(ui->g) : 0;
	m->rows = rt_xcalloc(n + nmiss + 1, sizeof(*m->rows));
	for (size_t i = 0; i < nmiss; i++)
		m->rows[m->n++] = (struct hrow){ -1, ui->missing.v[i], rt_xstrdup(""), false };
	rowof = rt_xcalloc(n + 1, sizeof(*rowof));
	for (size_t r = 0; r < n; r++)
		rowof[n - 1 - r] = r;           /* node index -> row among revisions */
	for (size_t r = 0; r < n; r++) {
		const struct rt_node *nd = rt_graph_node(ui->g, n - 1 - r);
		char *g;
		int w;

		par = rt_xcalloc(nd->nparents + 1, sizeof(*par));
		for (size_t k = 0; k < nd->nparents; k++)
			par[k] = rowof[nd->parents[k]];
		g = graph_row_step(&gs, r, par, nd->nparents);
		free(par);
		w = (int)strlen(g);
		if (w > m->graph_width)
			m->graph_width = w;
		/* linted once per load, not per draw: a few microseconds a file */
		m->rows[m->n++] = (struct hrow){ (long)(n - 1 - r), nd->rev->id, g,
						 rt_lint_rev_errors(nd->rev, NULL) > 0 };
	}
	free(rowof);
	graph_state_free(&gs);
	p->nrows = m->n;
	snprintf(p->empty, sizeof(p->empty), "no migration files");
	if (keep != -2)
		pane_history_goto(p, keep);
	return 0;
}

long
pane_history_node(const struct pane *p, size_t row)
{
	const struct hmodel *m = p->model;

	if (!m || row >= m->n)
		return -1;
	return m->rows[row].node;
}

void
pane_history_goto(struct pane *p, long node)
{
	const struct hmodel *m = p->model;

	for (size_t i = 0; m && i < m->n; i++)
		if (m->rows[i].node == node) {
			pane_set_cur(p, i);
			return;
		}
}

static const char *
marker(const struct ui *ui, enum ui_mark mk, enum ui_role *role)
{
	switch (mk) {
	case MARK_CURRENT: *role = R_CURRENT; return ui->is_utf8 ? "\u25c9" : "@";
	case MARK_APPLIED: *role = R_APPLIED; return ui->is_utf8 ? "\u25cf" : "*";
	case MARK_PENDING: *role = R_PENDING; return ui->is_utf8 ? "\u25cb" : "o";
	default: *role = R_DIM; return ui->is_utf8 ? "\u00b7" : ".";
	}
}

/* "head, current, branchpoint, merge, <labels>" into out. */
static void
labels(const struct ui *ui, long node, const char *id, struct rt_buf *out)
{
	const struct rt_node *n = node >= 0 ? rt_graph_node(ui->g, (size_t)node) : NULL;

#define ADD(s) do { if (out->len) rt_buf_puts(out, ", "); rt_buf_puts(out, (s)); } while (0)
	if (n && n->nchildren == 0)
		ADD("head");
	if (rt_strv_contains(&ui->current, id))
		ADD("current");
	if (n && n->nchildren > 1)
		ADD("branchpoint");
	if (n && n->nparents > 1)
		ADD("merge");
	for (size_t i = 0; n && i < n->rev->nlabels; i++)
		ADD(n->rev->labels[i]);
#undef ADD
}

static void
format(const struct pane *p, size_t row, struct rowbuf *out)
{
	const struct hmodel *m = p->model;
	const struct hrow *h = &m->rows[row];
	const struct ui *ui = p->ui;
	const struct rt_rev *rev = h->node >= 0 ? rt_graph_node(ui->g, (size_t)h->node)->rev : NULL;
	struct rt_buf lb = { 0 };
	enum ui_role mrole = R_MISSING;
	const char *mk = "!";
	char date[11] = "";
	int w = 0;

	if (rev)
		mk = marker(ui, ui_mark_of(ui, (size_t)h->node), &mrole);
	for (const char *c = h->graph; *c; c++, w++)
		rowbuf_add(out, *c == 'c' ? mrole : R_GRAPH, graph_glyph(*c, ui->is_utf8, mk));
	if (!rev) {
		rowbuf_add(out, mrole, mk);
		w++;
	}
	for (; w < m->graph_width + 1; w++)
		rowbuf_add(out, R_NORMAL, " ");
	if (rev && ui_is_modified(ui, (size_t)h->node))
		rowbuf_add(out, R_MODIFIED, "M ");
	else if (!rev)
		rowbuf_add(out, R_MISSING, "! ");
	else if (rt_rev_has_import_todo(rev))     /* imported: SQL to write by hand */
		rowbuf_add(out, R_MODIFIED, "T ");
	else if (rt_strv_contains(&ui->check_failed, h->id))   /* V: the round trip failed */
		rowbuf_add(out, R_ERROR, "R ");
	else if (h->has_lint_error)               /* retort lint: an error-level finding */
		rowbuf_add(out, R_ERROR, "E ");
	else
		rowbuf_add(out, R_NORMAL, "  ");
	rowbuf_addf(out, R_ID, "%-12.12s ", h->id);
	if (rev && rev->created)
		snprintf(date, sizeof(date), "%s", rev->created);
	rowbuf_addf(out, R_DATE, "%-10s ", date);
	labels(ui, h->node, h->id, &lb);
	if (lb.len)
		rowbuf_addf(out, rt_strv_contains(&ui->current, h->id) ? R_CURRENT : R_LABEL, "(%s) ",
			    rt_buf_str(&lb));
	rt_buf_free(&lb);
	rowbuf_add(out, rev ? R_NORMAL : R_MISSING, rev ? rev->message : "file missing: no migration file defines it");
}

static void
subtitle(const struct pane *p, char *buf, size_t size)
{
	const struct ui *ui = p->ui;

	snprintf(buf, size, "%zu revisions%s%s", ui->g ? rt_graph_count(ui->g) : (size_t)0,
		 ui->search[0] ? "  /" : "", ui->search);
}

static void
on_select(struct pane *p)
{
	p->ui->sel = pane_history_node(p, p->cur);
}

/* A row matches when its line (id, date, labels, message) or its
 * revision's SQL (upgrade, downgrade, verify) holds needle, ignoring case. */
static bool
row_matches(const struct pane *p, size_t row, const char *needle)
{
	const struct ui *ui = p->ui;
	long node = pane_history_node(p, row);
	struct rowbuf rb = { 0 };
	bool hit;

	format(p, row, &rb);
	hit = strcasestr(rowbuf_str(&rb), needle) != NULL;
	rowbuf_free(&rb);
	if (!hit && node >= 0 && ui && ui->g) {
		const struct rt_rev *rev = rt_graph_node(ui->g, (size_t)node)->rev;

		hit = (rev->upgrade && strcasestr(rev->upgrade, needle)) ||
		      (rev->downgrade && strcasestr(rev->downgrade, needle)) ||
		      (rev->verify && strcasestr(rev->verify, needle));
	}
	return hit;
}

bool
pane_history_find(struct pane *p, const char *needle, int dir, struct pane_find *res)
{
	size_t found = p->nrows;

	memset(res, 0, sizeof(*res));
	if (!needle || !*needle || p->nrows == 0)
		return false;
	for (size_t k = 1; k <= p->nrows; k++) {
		size_t row = dir > 0 ? (p->cur + k) % p->nrows : (p->cur + p->nrows - k) % p->nrows;

		if (row_matches(p, row, needle)) {
			found = row;
			res->wrapped = dir > 0 ? row <= p->cur : row >= p->cur;
			break;
		}
	}
	if (found == p->nrows)
		return false;
	for (size_t row = 0; row < p->nrows; row++)
		if (row_matches(p, row, needle)) {
			res->total++;
			if (row <= found)
				res->nth++;
		}
	pane_set_cur(p, found);
	return true;
}

const struct pane_ops pane_history_ops = {
	.title = "History",
	.load = load,
	.format = format,
	.subtitle = subtitle,
	.on_key = pane_list_key,
	.on_select = on_select,
	.release = release,
	.has_cursor = true,
};
