/* dlg_revision.c - a revision in detail (Enter on a History row): its
 * headers, path and checksums, its log from retort_history (who, when, how
 * long, outcome), what changed in the file since it was applied (diff -u of
 * the file kept in retort_history against the disk) and the whole file,
 * highlighted. Read-only: built once, shown by dlg_text. */
#include "config.h"
#include "dialogs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "pane.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "rt_textdiff.h"
#include "ui.h"

static void
kv(struct dlg_view *v, const char *key, enum ui_role role, const char *val)
{
	struct rowbuf *rb = dlg_view_row(v);

	rowbuf_addf(rb, R_DIM, "  %-13s ", key);
	rowbuf_add(rb, role, val);
}

static void
kv_list(struct dlg_view *v, const char *key, char **ids, size_t n, const char *none)
{
	struct rt_buf b = { 0 };

	for (size_t i = 0; i < n; i++)
		rt_buf_printf(&b, "%s%s", i ? " " : "", ids[i]);
	kv(v, key, n ? R_ID : R_DIM, n ? rt_buf_str(&b) : none);
	rt_buf_free(&b);
}

/* The checksum recorded when it was last applied, or NULL. */
static const char *
applied_sum(const struct ui *ui, const char *id)
{
	for (size_t i = 0; i < ui->sum_ids.n; i++)
		if (strcmp(ui->sum_ids.v[i], id) == 0)
			return ui->sums.v[i];
	return NULL;
}

static void
add_log(struct dlg_view *v, const struct ui *ui, const struct rt_rev *rev)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_hist_list log = { 0 };
	struct rt_err err = { 0 };

	dlg_view_line(v, R_HEADER, "Applied log (retort_history)");
	if (!ui->is_connected || !db) {
		dlg_view_line(v, R_DIM, "  (not connected)");
		return;
	}
	if (rt_db_revision_log(db, rev->id, &log, &err) < 0) {
		dlg_view_line(v, R_ERROR, "  %s", err.msg);
		return;
	}
	if (!log.n)
		dlg_view_line(v, R_DIM, "  (never applied here)");
	for (size_t i = 0; i < log.n; i++) {
		const struct rt_hist_entry *e = &log.v[i];
		struct rowbuf *rb = dlg_view_row(v);
		bool is_up = strcmp(e->direction, "upgrade") == 0;

		rowbuf_addf(rb, R_DATE, "  %s UTC  ", e->started);
		rowbuf_addf(rb, is_up ? R_UP : R_DOWN, "%-9s ", e->direction);
		rowbuf_addf(rb, strcmp(e->outcome, "ok") == 0 ? R_GOOD : R_ERROR, "%-6s ", e->outcome);
		rowbuf_addf(rb, R_DIM, "%8s  ", e->duration);
		rowbuf_add(rb, R_NORMAL, e->who);
		if (is_up && *e->checksum && strcmp(e->checksum, rev->sha256) != 0)
			rowbuf_add(rb, R_MODIFIED, "  (another checksum: the file changed since)");
		if (*e->error)
			dlg_view_line(v, R_ERROR, "      %s", e->error);
	}
	rt_hist_list_free(&log);
}

/* What changed in the file since it was applied: diff -u of the file kept in
 * retort_history against the file on disk. */
static void
add_changes(struct dlg_view *v, const struct ui *ui, const struct rt_rev *rev)
{
	struct rt_db *db = rt_session_db(ui->s);
	struct rt_buf applied = { 0 }, diff = { 0 };
	struct rt_err err = { 0 };
	char label[300];
	bool found = false, differ = false;

	dlg_view_line(v, R_HEADER, "Changed since it was applied (diff -u: as applied -> on disk)");
	if (!ui->is_connected || !db || rt_db_applied_file(db, rev->id, &applied, &found, &err) < 0) {
		dlg_view_line(v, R_ERROR, "  %s", err.msg[0] ? err.msg : "(not connected)");
		goto out;
	}
	if (!found) {
		dlg_view_line(v, R_DIM, "  (the file as applied was not kept: applied by an older "
			      "retort, or by Alembic)");
		goto out;
	}
	snprintf(label, sizeof(label), "%s (as applied)", rev->path);
	if (rt_text_diff(applied.data ? applied.data : "", applied.len, label, rev->text,
			 rev->text_len, rev->path, &diff, &differ, &err) < 0) {
		dlg_view_line(v, R_ERROR, "  %s", err.msg);
		goto out;
	}
	if (!differ)
		dlg_view_line(v, R_DIM, "  (no difference in the text)");
	for (const char *s = rt_buf_str(&diff); differ && *s;) {
		const char *nl = strchr(s, '\n');
		int len = nl ? (int)(nl - s) : (int)strlen(s);
		enum ui_role role = s[0] == '+' ? R_UP : s[0] == '-' ? R_DOWN : s[0] == '@' ? R_DIM :
				    R_NORMAL;

		dlg_view_line(v, role, "  %.*s", len, s);
		s += len + (nl ? 1 : 0);
	}
out:
	rt_buf_free(&applied);
	rt_buf_free(&diff);
}

struct dialog *
dlg_revision_new(const struct ui *ui, long node)
{
	const struct rt_rev *rev = rt_graph_node(ui->g, (size_t)node)->rev;
	const char *sum = applied_sum(ui, rev->id);
	struct dlg_view v = { .cur = -1 };
	char line[256];

	snprintf(v.title, sizeof(v.title), "Revision %s", rev->id);
	kv(&v, "message", R_NORMAL, rev->message);
	kv(&v, "file", R_NORMAL, rev->path);
	kv(&v, "created", R_DATE, rev->created ? rev->created : "(not given)");
	kv_list(&v, "parents", rev->down, rev->ndown, "none (a root)");
	kv_list(&v, "depends_on", rev->depends, rev->ndepends, "none");
	kv_list(&v, "branch labels", rev->labels, rev->nlabels, "none");
	kv(&v, "transaction", R_NORMAL, rev->is_transactional ? "one per revision" :
	   "off (statement by statement)");
	kv(&v, "SHA-256", R_DIM, rev->sha256);
	if (sum && *sum && strcmp(sum, rev->sha256) != 0) {
		snprintf(line, sizeof(line), "MODIFIED since it was applied, as %s", sum);
		kv(&v, "as applied", R_MODIFIED, line);
	} else if (sum) {
		kv(&v, "as applied", R_GOOD, *sum ? "the same" : "(not recorded)");
	}
	if (sum && *sum && strcmp(sum, rev->sha256) != 0 && rev->text) {
		dlg_view_line(&v, R_NORMAL, "%s", "");
		add_changes(&v, ui, rev);
	}
	dlg_view_line(&v, R_NORMAL, "%s", "");
	add_log(&v, ui, rev);
	dlg_view_line(&v, R_NORMAL, "%s", "");
	dlg_view_line(&v, R_HEADER, "The file");
	dlg_view_sql(&v, rev->text ? rev->text : "");
	return dlg_text_new(&v);
}
