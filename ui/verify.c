/* verify.c - v and V: the engine's verify and check operations (rt_verify.h)
 * from the console. Each runs as a background job with its state on the
 * message line (Esc cancels it); the findings are shown in the SQL pane's
 * findings view, one line per finding (the statement under it when there
 * is one), until Esc or another selection. V also remembers the revisions
 * whose round trip failed, which History marks R. And T: the revision the
 * SQL pane shows traced in a shadow database (rt_trace.h) as a job, its
 * locks and rewrites then listed under its SQL. */
#include "config.h"
#include "actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "dialogs.h"
#include "jobs.h"
#include "panes.h"
#include "rt_graph.h"
#include "rt_migration.h"
#include "rt_trace.h"
#include "rt_config.h"
#include "rt_err.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_modelcache.h"
#include "rt_session.h"
#include "rt_verify.h"
#include "ui.h"

/* One verify or check from its start to the end of its job. */
struct vflow {
	struct ui *ui;
	bool is_check;
	struct rt_findings f;       /* filled by the job, which borrows it */
};

static void
vflow_free(void *ctx)
{
	struct vflow *v = ctx;

	rt_findings_free(&v->f);
	free(v);
}

/* The revision id a check finding names ("revision abc: ..."), into id. */
static bool
finding_rev(const struct rt_finding *f, char *id, size_t size)
{
	const char *o = f->object ? f->object : "";
	size_t n;

	if (strncmp(o, "revision ", 9) != 0)
		return false;
	o += 9;
	n = strcspn(o, ": ");
	if (n == 0 || n >= size)
		return false;
	memcpy(id, o, n);
	id[n] = '\0';
	return true;
}

/* The findings into the SQL pane's findings view, focused. */
static void
show(struct ui *ui, struct vflow *v)
{
	struct rt_buf view = { 0 };
	struct rt_buf a = { 0 }, b = { 0 }, c = { 0 };

	snprintf(ui->sql_findings_what, sizeof(ui->sql_findings_what), "%s: %zu finding%s",
		 v->is_check ? "check" : "verify", v->f.n, v->f.n == 1 ? "" : "s");
	for (size_t i = 0; i < v->f.n; i++) {
		const struct rt_finding *f = &v->f.v[i];

		rt_buf_printf(&view, "%s: %s\n", rt_fmt_safe(&a, f->kind, 0),
			      rt_fmt_safe(&b, f->object, 0));
		rt_buf_printf(&view, "    %s\n", rt_fmt_safe(&c, f->detail, 0));
		if (f->sql) {
			const char *p = rt_fmt_safe(&a, f->sql, RT_FMT_MULTILINE);

			while (*p) {
				size_t n = strcspn(p, "\n");

				rt_buf_printf(&view, "      %.*s\n", (int)n, p);
				p += n + (p[n] == '\n');
			}
		}
	}
	if (v->f.warning)
		rt_buf_printf(&view, "warning: %s\n", rt_fmt_safe(&a, v->f.warning, 0));
	rt_buf_free(&a);
	rt_buf_free(&b);
	rt_buf_free(&c);
	free(ui->sql_findings);
	ui->sql_findings = rt_buf_take(&view);
	ui->focus = PANE_SQL;
	ui_pane_reload(ui, PANE_SQL);
}

static void
verify_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct vflow *v = j->ctx;
	const char *what = v->is_check ? "check" : "verify";

	if (rc < 0) {
		if (err->kind == RT_ERR_CANCEL)
			ui_msg(ui, R_NORMAL, "%s cancelled", what);
		else
			ui_msg(ui, R_ERROR, "%s failed: %s%s%s", what, err->msg,
			       err->detail[0] ? "  | " : "", err->detail);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err->detail);
		return;
	}
	if (v->is_check) {
		char id[64];

		rt_strv_free(&ui->check_failed);
		for (size_t i = 0; i < v->f.n; i++)
			if (finding_rev(&v->f.v[i], id, sizeof(id)) &&
			    !rt_strv_contains(&ui->check_failed, id))
				rt_strv_push(&ui->check_failed, id);
		ui->has_checked = true;
		ui_pane_reload(ui, PANE_HISTORY);
	}
	if (v->f.n == 0) {
		if (v->is_check)
			ui_msg(ui, R_GOOD, "check ok: %zu revision%s, each downgrade undoes its upgrade",
			       v->f.nrevisions, v->f.nrevisions == 1 ? "" : "s");
		else
			ui_msg(ui, R_GOOD, "verify clean: the live database matches its migrations%s",
			       v->f.has_declared ? " and the declared schema" : "");
		return;
	}
	ui_msg(ui, R_ERROR, "%s: %zu finding%s%s  (in the SQL pane; Esc returns)", what, v->f.n,
	       v->f.n == 1 ? "" : "s",
	       v->is_check && ui->check_failed.n ? " (History marks the revisions R)" : "");
	show(ui, v);
}

static const struct ui_job_cbs verify_cbs = { verify_done, NULL, vflow_free };

unsigned
ui_verify(struct ui *ui, bool is_check)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	struct rt_verify_opts o = { 0 };
	struct rt_err err = { 0 };
	struct rt_job *job;
	struct vflow *v;
	char *cache;
	const char *what = is_check ? "check" : "verify";

	if (ui_busy(ui)) {
		ui_msg(ui, R_ERROR, "%s", ui_busy(ui));
		return UI_REDRAW;
	}
	if (ui_job_find(ui, UI_JOB_VERIFY)) {
		ui_msg(ui, R_ERROR, "a verify or check is running (Esc cancels it)");
		return UI_REDRAW;
	}
	if (!ui->g) {
		ui_msg(ui, R_ERROR, "%s: no revisions loaded", what);
		return UI_REDRAW;
	}
	if (!rt_session_db(ui->s) || !ui->is_connected) {
		ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		return UI_REDRAW;
	}
	/* the job uses the session's connection, which a count must not share */
	ui_counts_drop(ui);
	v = rt_xcalloc(1, sizeof(*v));
	v->ui = ui;
	v->is_check = is_check;
	o.schema_file = is_check ? NULL : cfg->schema_file;
	/* the job copies the directory's name */
	cache = is_check ? NULL : rt_modelcache_dir();
	o.cache_dir = cache;
	job = is_check ? rt_check_start(rt_session_db(ui->s), ui->g, &o, &v->f, &err)
		       : rt_verify_start(rt_session_db(ui->s), ui->g, &o, &v->f, &err);
	free(cache);
	if (!job) {
		ui_msg(ui, R_ERROR, "%s: %s", what, err.msg);
		vflow_free(v);
		return UI_REDRAW;
	}
	ui_msg(ui, R_NORMAL, "%s ...  (Esc cancels)", is_check ?
	       "checking every revision's round trip in a shadow database" :
	       "verifying the live database against its migrations and the declared schema");
	ui_job_add(ui, UI_JOB_VERIFY, job, &verify_cbs, v);
	return UI_REDRAW;
}

/* ---- T: trace ------------------------------------------------------------------ */

/* One trace from its start to the end of its job. */
struct tflow {
	char *id;                   /* the revision traced */
	struct rt_trace t;          /* filled by the job, which borrows it */
};

static void
tflow_free(void *ctx)
{
	struct tflow *t = ctx;

	free(t->id);
	rt_trace_free(&t->t);
	free(t);
}

static void
trace_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct tflow *t = j->ctx;
	size_t nlocks = 0, nrewrites = 0;

	if (rc < 0) {
		if (err->kind == RT_ERR_CANCEL)
			ui_msg(ui, R_NORMAL, "trace cancelled");
		else
			ui_msg(ui, R_ERROR, "trace failed: %s%s%s", err->msg,
			       err->detail[0] ? "  | " : "", err->detail);
		snprintf(ui->detail, sizeof(ui->detail), "%s", err->detail);
		return;
	}
	for (size_t i = 0; i < t->t.n; i++)
		*(t->t.v[i].mode ? &nlocks : &nrewrites) += 1;
	free(ui->trace_id);
	rt_trace_free(&ui->trace);
	ui->trace_id = t->id;
	ui->trace = t->t;
	t->id = NULL;
	memset(&t->t, 0, sizeof(t->t));
	ui_pane_reload(ui, PANE_SQL);
	ui_msg(ui, ui->trace.note ? R_PENDING : R_GOOD, "traced %s: %zu lock%s, %zu rewrite%s%s "
	       "(under its SQL)", ui->trace_id, nlocks, nlocks == 1 ? "" : "s", nrewrites,
	       nrewrites == 1 ? "" : "s", ui->trace.note ? "; see the note" : "");
}

static const struct ui_job_cbs trace_cbs = { trace_done, NULL, tflow_free };

unsigned
ui_trace(struct ui *ui)
{
	struct rt_err err = { 0 };
	const struct rt_rev *rev;
	struct rt_job *job;
	struct tflow *t;
	bool up = true;
	long node;

	if (ui_busy(ui)) {
		ui_msg(ui, R_ERROR, "%s", ui_busy(ui));
		return UI_REDRAW;
	}
	if (!ui->g || !(rev = pane_sql_shown(&ui->panes[PANE_SQL], &up))) {
		ui_msg(ui, R_ERROR, "trace: show a revision's SQL first (select it in History)");
		return UI_REDRAW;
	}
	if (!rt_session_db(ui->s) || !ui->is_connected) {
		ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		return UI_REDRAW;
	}
	if ((node = rt_graph_find(ui->g, rev->id)) < 0) {
		ui_msg(ui, R_ERROR, "trace: %s is not in the graph", rev->id);
		return UI_REDRAW;
	}
	t = rt_xcalloc(1, sizeof(*t));
	t->id = rt_xstrdup(rev->id);
	job = rt_trace_start(rt_session_db(ui->s), NULL, ui->g, (size_t)node, &t->t, &err);
	if (!job) {
		ui_msg(ui, R_ERROR, "trace: %s", err.msg);
		tflow_free(t);
		return UI_REDRAW;
	}
	ui_msg(ui, R_NORMAL, "tracing %s's upgrade in a shadow database%s ...  (Esc cancels)",
	       rev->id, up ? "" : " (the upgrade: a downgrade is not traced)");
	ui_job_add(ui, UI_JOB_TRACE, job, &trace_cbs, t);
	return UI_REDRAW;
}
