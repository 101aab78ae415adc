/* state.c - the console's view of the engine: graph, version table, applied
 * checksums, lock holder, plan for the selection and table counts. */
#include "config.h"
#include "ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_config.h"
#include "rt_db.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "actions.h"
#include "panes.h"
#include "ui_main.h"

void
ui_log(const char *fmt, ...)
{
	static FILE *f;
	static bool tried;
	va_list ap;

	if (!tried) {
		const char *path = getenv("RETORT_LOG");

		tried = true;
		if (path && *path)
			f = fopen(path, "a");
	}
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

void
ui_msg(struct ui *ui, enum ui_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof(ui->msg), fmt, ap);
	va_end(ap);
	ui->msg_seq++;
	for (char *c = ui->msg; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	ui->msg_role = role;
	ui_log("msg: %s", ui->msg);
	if (ui->msg[0]) {
		struct ui_logline *l = &ui->log[ui->log_n++ % UI_LOG_MAX];

		free(l->text);
		l->at = time(NULL);
		l->role = role;
		l->text = rt_xstrdup(ui->msg);
	}
}

void
ui_log_free(struct ui *ui)
{
	for (size_t i = 0; i < UI_LOG_MAX; i++) {
		free(ui->log[i].text);
		ui->log[i].text = NULL;
	}
}

void
ui_vt(const struct ui *ui, struct rt_vt_opts *vt)
{
	const struct rt_config *cfg = rt_session_config(ui->s);

	vt->schema = cfg ? cfg->version_schema : NULL;
	vt->table = cfg ? cfg->version_table : NULL;
}

enum ui_mark
ui_mark_of(const struct ui *ui, size_t node)
{
	const struct rt_node *n;

	if (!ui->g || !ui->applied || node >= rt_graph_count(ui->g))
		return MARK_UNKNOWN;
	n = rt_graph_node(ui->g, node);
	if (rt_strv_contains(&ui->current, n->rev->id))
		return MARK_CURRENT;
	return ui->applied[node] ? MARK_APPLIED : MARK_PENDING;
}

bool
ui_is_modified(const struct ui *ui, size_t node)
{
	const struct rt_node *n;

	if (!ui->g || !ui->applied || node >= rt_graph_count(ui->g) || !ui->applied[node])
		return false;
	n = rt_graph_node(ui->g, node);
	for (size_t i = 0; i < ui->sum_ids.n && i < ui->sums.n; i++)
		if (strcmp(ui->sum_ids.v[i], n->rev->id) == 0)
			return ui->sums.v[i][0] && strcmp(ui->sums.v[i], n->rev->sha256) != 0;
	return false;
}

static void
clear_db_state(struct ui *ui)
{
	rt_strv_free(&ui->current);
	rt_strv_free(&ui->missing);
	rt_strv_free(&ui->sum_ids);
	rt_strv_free(&ui->sums);
	free(ui->applied);
	ui->applied = NULL;
	free(ui->lock_holder);
	ui->lock_holder = NULL;
}

/* Reads current, applied, checksums and the lock holder; keeps the connect error. */
static void
read_db_state(struct ui *ui)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_strv known = { 0 };
	struct rt_err err = { 0 };
	size_t n = ui->g ? rt_graph_count(ui->g) : 0;

	clear_db_state(ui);
	if (!db) {
		ui->is_connected = false;
		return;
	}
	if (rt_db_current(db, &ui->current, &err) < 0) {
		ui->is_connected = false;
		snprintf(ui->conn_err, sizeof(ui->conn_err), "%s", err.msg);
		return;
	}
	ui->is_connected = true;
	for (size_t i = 0; i < ui->current.n; i++) {
		if (ui->g && rt_graph_find(ui->g, ui->current.v[i]) >= 0)
			rt_strv_push(&known, ui->current.v[i]);
		else
			rt_strv_push(&ui->missing, ui->current.v[i]);
	}
	if (ui->g) {
		ui->applied = rt_xcalloc(n ? n : 1, sizeof(bool));
		if (rt_graph_applied(ui->g, &known, ui->applied, &err) < 0)
			ui_msg(ui, R_ERROR, "%s", err.msg);
	}
	rt_strv_free(&known);
	rt_err_clear(&err);
	if (rt_db_applied_checksums(db, &ui->sum_ids, &ui->sums, &err) < 0)
		ui_log("checksums: %s", err.msg);
	ui->lock_holder = rt_db_lock_holder(db);
}

static void
read_counts(struct ui *ui)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_err err = { 0 };
	struct rt_counts fresh = { 0 };

	if (!db || !ui->is_connected) {
		rt_counts_free(&ui->counts);
		return;
	}
	if (rt_counts_estimate(db, &fresh, &err) < 0) {
		ui_msg(ui, R_ERROR, "counts: %s", err.msg);
		rt_counts_free(&fresh);
		return;
	}
	/* keep exact counts of tables whose estimate is unchanged? no: a new
	 * estimate means the data may have changed, so exact counts restart. */
	rt_counts_free(&ui->counts);
	ui->counts = fresh;
	ui->counts_at = time(NULL);
}

/* Tables never analyzed have no estimate: count them exactly in the background. */
static void
count_unknown(struct ui *ui)
{
	bool any = false;

	for (size_t i = 0; i < ui->counts.n; i++)
		any |= ui->counts.v[i].estimate < 0;
	if (any)
		ui_counts_start(ui, true, NULL, NULL);
}

void
ui_pane_reload(struct ui *ui, int which)
{
	struct pane *p = &ui->panes[which];
	struct rt_err err = { 0 };

	if (p->ops->load && p->ops->load(p, &err) < 0)
		snprintf(p->empty, sizeof(p->empty), "%s", err.msg);
	pane_fix_scroll(p);
	p->dirty = 1;
}

void
ui_selection_changed(struct ui *ui)
{
	struct rt_err err = { 0 };
	const char *id;

	rt_plan_free(ui->plan);
	ui->plan = NULL;
	ui->plan_note[0] = '\0';
	ui->sql_mode = SQL_AUTO;   /* t is for this selection only */
	free(ui->sql_findings);    /* and v's findings view */
	ui->sql_findings = NULL;
	ui->panes[PANE_PENDING].cur = ui->panes[PANE_PENDING].top = 0;
	if (!ui->g) {
		snprintf(ui->plan_note, sizeof(ui->plan_note), "no migration files loaded");
	} else if (!ui->is_connected) {
		snprintf(ui->plan_note, sizeof(ui->plan_note), "not connected: %.900s", ui->conn_err);
	} else if (ui->sel < 0) {
		ui->plan = rt_plan_upgrade(ui->g, &ui->current, "heads", &err);
	} else {
		id = rt_graph_node(ui->g, (size_t)ui->sel)->rev->id;
		if (rt_strv_contains(&ui->current, id))
			snprintf(ui->plan_note, sizeof(ui->plan_note), "%s is current: nothing to do", id);
		else if (ui->applied && ui->applied[ui->sel])
			ui->plan = rt_plan_downgrade(ui->g, &ui->current, id, &err);
		else
			ui->plan = rt_plan_upgrade(ui->g, &ui->current, id, &err);
	}
	if (!ui->plan && err.kind != RT_ERR_NONE)
		snprintf(ui->plan_note, sizeof(ui->plan_note), "%s", err.msg);
	else if (ui->plan && ui->plan->nsteps == 0)
		snprintf(ui->plan_note, sizeof(ui->plan_note), "nothing to do");
	ui_pane_reload(ui, PANE_PENDING);
	ui_pane_reload(ui, PANE_SQL);
}

bool
ui_reload(struct ui *ui, bool with_graph)
{
	struct rt_err err = { 0 };
	char selid[RT_REV_ID_MAX + 1] = "";

	/* a running job reads or writes through the session's connection, and
	 * may apply, check or trace the revisions of its graph */
	if (ui_session_in_use(ui)) {
		ui->reload_pending = true;
		ui->reload_graph |= with_graph;
		return false;
	}
	with_graph |= ui->reload_graph;
	ui->reload_pending = ui->reload_graph = false;
	ui_counts_drop(ui);
	if (ui->g && ui->sel >= 0 && (size_t)ui->sel < rt_graph_count(ui->g))
		snprintf(selid, sizeof(selid), "%s", rt_graph_node(ui->g, (size_t)ui->sel)->rev->id);
	/* the plan borrows revisions from the graph a reload frees */
	rt_plan_free(ui->plan);
	ui->plan = NULL;
	ui->sel = -1;
	if (with_graph && rt_session_load_graph(ui->s, &err) < 0)
		ui_msg(ui, R_ERROR, "%s", err.msg);
	ui->g = rt_session_graph(ui->s);
	read_db_state(ui);
	read_counts(ui);
	count_unknown(ui);
	for (int i = 0; i < NPANES; i++)
		ui_pane_reload(ui, i);
	if (ui->g && selid[0])
		pane_history_goto(&ui->panes[PANE_HISTORY], rt_graph_find(ui->g, selid));
	ui->sel = pane_history_node(&ui->panes[PANE_HISTORY], ui->panes[PANE_HISTORY].cur);
	ui_selection_changed(ui);
	return true;
}

/* The default ending of a count: the ui_msg count when it said "counting". */
struct count_note {
	unsigned long seq;       /* 0: it said nothing */
	size_t total;
};

static void
count_tick(struct ui *ui, struct ui_job *j)
{
	(void)j;
	ui_pane_reload(ui, PANE_TABLES);
}

static void
count_done(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err)
{
	struct count_note *note = j->ctx;

	if (rc == 0)
		ui->counts_at = time(NULL);
	ui_pane_reload(ui, PANE_TABLES);
	if (rc == 0 && note->seq && note->seq == ui->msg_seq)   /* keep an action's outcome */
		ui_msg(ui, R_GOOD, "counted %zu tables exactly", note->total);
	else if (rc < 0 && err->kind == RT_ERR_CANCEL)
		ui_msg(ui, R_NORMAL, "counting cancelled");
	else if (rc < 0)
		ui_msg(ui, R_ERROR, "counts: %s", err->msg);
}

static const struct ui_job_cbs count_cbs = { count_done, count_tick, free };

void
ui_counts_start(struct ui *ui, bool is_quiet, const struct ui_job_cbs *then, void *ctx)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_err err = { 0 };
	struct rt_count_job *cj;
	struct count_note *note = NULL;

	if (ui_job_find(ui, UI_JOB_COUNT)) {
		if (!is_quiet)
			ui_msg(ui, R_NORMAL, "counting already (Esc cancels)");
		goto refused;
	}
	if (!db || !ui->is_connected) {
		if (!is_quiet)
			ui_msg(ui, R_ERROR, "not connected: %s", ui->conn_err);
		goto refused;
	}
	cj = rt_count_job_start(db, &ui->counts, &err);
	if (!cj) {
		ui_msg(ui, R_ERROR, "counts: %s", err.msg);
		goto refused;
	}
	if (!is_quiet)
		ui_msg(ui, R_NORMAL, "counting rows exactly (Esc cancels)");
	if (!then) {
		note = rt_xcalloc(1, sizeof(*note));
		note->seq = is_quiet ? 0 : ui->msg_seq;
		note->total = rt_count_job_total(cj);
		then = &count_cbs;
		ctx = note;
	}
	ui_job_add(ui, UI_JOB_COUNT, rt_count_job_as_job(cj, &ui->counts), then, ctx);
	ui_pane_reload(ui, PANE_TABLES);
	return;
refused:
	/* the caller's chain ends here: as if the count had failed */
	if (then && then->on_done) {
		struct ui_job none = { UI_JOB_COUNT, NULL, then, ctx };

		if (err.kind == RT_ERR_NONE)
			rt_err_set(&err, RT_ERR_RUN, "counting could not start");
		then->on_done(ui, &none, -1, &err);
	}
	if (then && then->release)
		then->release(ctx);
}

bool
ui_counts_progress(const struct ui *ui, size_t *done, size_t *total)
{
	struct rt_count_job *cj = ui_count_job_of(ui_job_find(ui, UI_JOB_COUNT));

	if (!cj)
		return false;
	*done = rt_count_job_done(cj);
	*total = rt_count_job_total(cj);
	return true;
}

void
ui_counts_drop(struct ui *ui)
{
	ui_job_drop(ui, ui_job_find(ui, UI_JOB_COUNT));
}

bool
ui_sql_findings_close(struct ui *ui)
{
	if (!ui->sql_findings)
		return false;
	free(ui->sql_findings);
	ui->sql_findings = NULL;
	ui_pane_reload(ui, PANE_SQL);
	return true;
}
