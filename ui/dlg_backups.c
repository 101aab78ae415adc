/* dlg_backups.c - choosing a backup to restore (the list, with the checksum
 * of every dump) and confirming the prepared restore operation (what into
 * what, --clean toggled with c, the database name typed on a protected
 * env). */
#include "config.h"
#include "dialogs.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "dialog.h"
#include "pane.h"
#include "prompt.h"
#include "rt_backup.h"
#include "rt_config.h"
#include "rt_fmt.h"
#include "rt_mem.h"
#include "rt_restore.h"
#include "rt_session.h"
#include "status.h"
#include "ui.h"

/* The operations tables (at the end) */
static const struct dialog_ops backups_ops;
static const struct dialog_ops restore_ops;

/* ---- a row of the list (pure) ------------------------------------------------------ */

static const char *
check_text(enum rt_backup_check c, enum ui_role *role)
{
	*role = c == RT_BACKUP_OK ? R_GOOD : c == RT_BACKUP_UNCHECKED ? R_DIM : R_ERROR;
	switch (c) {
	case RT_BACKUP_OK: return "ok";
	case RT_BACKUP_BAD_SUM: return "MISMATCH";
	case RT_BACKUP_NO_SIDECAR: return "no sidecar";
	default: return "unchecked";
	}
}

void
ui_backup_row(const struct rt_backup_info *b, int name_w, long long now, struct rowbuf *out)
{
	char size[32], age[32];
	enum ui_role role;
	const char *chk = check_text(b->check, &role);

	rt_fmt_bytes(b->bytes, size, sizeof(size));
	rt_fmt_age(now - (long long)b->mtime, age, sizeof(age));
	rowbuf_add(out, R_NORMAL, "  ");
	rowbuf_addw(out, R_NORMAL, b->name, name_w);
	rowbuf_addf(out, R_DIM, " %9s  ", size);
	rowbuf_addw(out, R_ID, b->revision ? b->revision : "?", 12);
	rowbuf_addf(out, R_DATE, " %5s  ", age);
	rowbuf_add(out, role, chk);
}

/* ---- the list ------------------------------------------------------------------------ */

/* The backups of this session's database and env; a toggle shows the others
 * too, marked, so a dev session does not preselect production's dump. */
struct backups {
	struct dialog d;
	struct rt_backup_list *list;
	char *database, *env;      /* the session's pair, as sidecars record it */
	bool show_all;
	size_t *vis;               /* indices into list shown, in order */
	size_t nvis, sel;          /* sel: into vis */
};

static bool
is_ours(const struct backups *b, const struct rt_backup_info *bi)
{
	return rt_backup_is_of(bi, b->database, b->env);
}

static void
list_filter(struct backups *b)
{
	const char *keep = b->nvis ? b->list->v[b->vis[b->sel]].path : NULL;

	b->nvis = b->sel = 0;
	for (size_t i = 0; i < b->list->n; i++) {
		if (!b->show_all && !is_ours(b, &b->list->v[i]))
			continue;
		if (keep && strcmp(b->list->v[i].path, keep) == 0)
			b->sel = b->nvis;
		b->vis[b->nvis++] = i;
	}
}

static void
list_draw(struct dialog *d, const struct ui *ui, struct dlg_view *v)
{
	struct backups *b = (struct backups *)d;
	const struct rt_backup_list *l = b->list;
	long long now = (long long)time(NULL);
	int name_w = 20, inner = (COLS - 4 < 110 ? COLS - 4 : 110) - 2;
	size_t others = 0;

	(void)ui;
	for (size_t i = 0; i < l->n; i++)
		others += !is_ours(b, &l->v[i]);
	snprintf(v->title, sizeof(v->title), "Restore: choose a backup of %s%s%s", b->database,
		 *b->env ? ", env " : "", b->env);
	for (size_t k = 0; k < b->nvis; k++) {
		const char *name = l->v[b->vis[k]].name;
		int w = ui_width(name, strlen(name));

		if (w > name_w)
			name_w = w;
	}
	if (name_w > inner - 46)
		name_w = inner - 46 > 12 ? inner - 46 : 12;
	dlg_view_line(v, R_HEADER, "  %-*s %9s  %-12s %5s  %s", name_w, "backup (newest first)",
		      "size", "revision", "age", "checksum");
	for (size_t k = 0; k < b->nvis; k++) {
		const struct rt_backup_info *bi = &l->v[b->vis[k]];
		struct rowbuf *rb;

		if (k == b->sel)
			v->cur = (long)v->n;
		rb = dlg_view_row(v);
		ui_backup_row(bi, name_w, now, rb);
		if (!is_ours(b, bi))
			rowbuf_addf(rb, R_ERROR, "  OTHER: %s%s%s", bi->database ? bi->database : "?",
				    bi->env && *bi->env ? "/" : "", bi->env ? bi->env : "");
	}
	if (b->nvis == 0)
		dlg_view_line(v, R_DIM, "  (no backup of this database and env)");
	dlg_view_line(v, R_NORMAL, "%s", "");
	if (others)
		dlg_view_line(v, R_DIM, "  %zu backup%s of other envs or databases %s (a toggles)",
			      others, others == 1 ? "" : "s", b->show_all ? "shown, marked OTHER" :
			      "hidden");
	dlg_view_line(v, R_DIM, "  j/k move   Enter restore the selected backup   Esc close");
}

/* Whether the selected backup can be restored (else says why). */
static bool
choose(struct backups *b, struct ui *ui)
{
	const struct rt_backup_info *bi = &b->list->v[b->vis[b->sel]];

	if (bi->check == RT_BACKUP_BAD_SUM || bi->check == RT_BACKUP_NO_SIDECAR) {
		ui_msg(ui, R_ERROR, "%s: %s; it cannot be restored", bi->name,
		       bi->check == RT_BACKUP_BAD_SUM ?
		       "checksum MISMATCH (the dump changed since the backup)" :
		       "no sidecar (incomplete or not a retort backup)");
		return false;
	}
	return true;
}

static unsigned
list_key(struct dialog *d, struct ui *ui, int key)
{
	struct backups *b = (struct backups *)d;
	size_t n = b->nvis;

	switch (key) {
	case KEY_DOWN: case 'j':
		if (b->sel + 1 < n)
			b->sel++;
		break;
	case KEY_UP: case 'k':
		if (b->sel)
			b->sel--;
		break;
	case KEY_HOME: case 'g':
		b->sel = 0;
		break;
	case KEY_END: case 'G':
		b->sel = n ? n - 1 : 0;
		break;
	case 'a': case 'A':
		b->show_all = !b->show_all;
		list_filter(b);
		ui_msg(ui, R_NORMAL, "backups of other envs and databases %s",
		       b->show_all ? "shown (marked OTHER)" : "hidden");
		break;
	case '\r': case '\n': case KEY_ENTER:
		if (n && choose(b, ui))
			ui_dialog_close(ui, d, DLG_YES);
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	case 27: case 'q': case 'r': case DLG_KEY_INTR:
		ui_dialog_close(ui, d, DLG_CANCEL);
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void
list_release(struct dialog *d)
{
	struct backups *b = (struct backups *)d;

	rt_backup_list_free(b->list);
	free(b->list);
	free(b->vis);
	free(b->database);
	free(b->env);
	free(b);
}

struct dialog *
dlg_backups_new(struct rt_backup_list *list, const char *database, const char *env)
{
	struct backups *b = rt_xcalloc(1, sizeof(*b));

	b->d.ops = &backups_ops;
	b->list = list;
	b->database = rt_xstrdup(database);
	b->env = rt_xstrdup(env);
	b->vis = rt_xcalloc(list->n ? list->n : 1, sizeof(*b->vis));
	list_filter(b);
	return &b->d;
}

const char *
dlg_backups_chosen(const struct dialog *d)
{
	const struct backups *b = (const struct backups *)d;

	if (d->ops != &backups_ops || b->sel >= b->nvis)
		return NULL;
	return b->list->v[b->vis[b->sel]].path;
}

/* ---- the restore confirmation ---------------------------------------------------------- */

struct restore {
	struct dialog d;
	const struct rt_restore *op;   /* borrowed */
	bool is_clean, is_typed;
};

static void
add_kv(struct dlg_view *v, const char *key, enum ui_role role, const char *val)
{
	struct rowbuf *rb = dlg_view_row(v);

	rowbuf_addf(rb, R_DIM, "  %-9s ", key);
	rowbuf_add(rb, role, val);
}

static void
restore_draw(struct dialog *d, const struct ui *ui, struct dlg_view *v)
{
	struct restore *r = (struct restore *)d;
	const struct rt_backup_info *b = rt_restore_info(r->op);
	char line[1200], size[32];

	snprintf(v->title, sizeof(v->title), "Confirm restore");
	rt_fmt_bytes(b->bytes, size, sizeof(size));
	snprintf(line, sizeof(line), "%s  (%s; its checksum is checked as it is restored)", b->name,
		 size);
	add_kv(v, "backup", R_NORMAL, line);
	snprintf(line, sizeof(line), "%s from %s%s%s, at %s, %zu tables",
		 b->created ? b->created : "?", b->database ? b->database : "?",
		 b->env && *b->env ? ", env " : "", b->env ? b->env : "",
		 b->revision ? b->revision : "?", b->counts.n);
	add_kv(v, "taken", R_NORMAL, line);
	snprintf(line, sizeof(line), "%s  %s  (now at %s)", rt_restore_dbname(r->op),
		 rt_session_url_masked(ui->s), rt_restore_current(r->op));
	add_kv(v, "into", R_NORMAL, line);
	{
		const struct rt_env *env = rt_session_env(ui->s);
		const char *ename = env ? env->name : "";
		const char *dbname = rt_restore_dbname(r->op);

		if (!rt_backup_is_of(b, dbname, ename)) {
			snprintf(line, sizeof(line), "this dump is of %s%s%s, NOT of %s%s%s",
				 b->database ? b->database : "an unknown database",
				 b->env && *b->env ? ", env " : "", b->env ? b->env : "", dbname,
				 *ename ? ", env " : "", ename);
			add_kv(v, "OTHER", R_ERROR, line);
		}
		if (b->revision && strcmp(b->revision, rt_restore_current(r->op)) != 0) {
			snprintf(line, sizeof(line), "goes back to %s (the dump's revision; now at %s)",
				 b->revision, rt_restore_current(r->op));
			add_kv(v, "schema", R_DOWN, line);
		}
	}
	add_kv(v, "--clean", r->is_clean ? R_UP : R_DOWN, r->is_clean ?
	       "on: every table of the backup's schemas is dropped first (c toggles)" :
	       "off: restored over the existing objects (c toggles)");
	if (r->is_typed)
		dlg_view_question(v, R_ERROR, "Protected env: press y, then type the database name "
				  "(c toggles --clean, Esc cancels).");
	else
		dlg_view_question(v, R_HEADER, "Restore? [y/N]   (c toggles --clean)");
}

static unsigned
restore_key(struct dialog *d, struct ui *ui, int key)
{
	struct restore *r = (struct restore *)d;
	char p[256];
	int answer;

	if (key == 'c' || key == 'C') {
		r->is_clean = !r->is_clean;
		ui_msg(ui, R_NORMAL, "--clean %s", r->is_clean ? "on" : "off");
		return UI_HANDLED | UI_REDRAW;
	}
	if (dialog_scroll_key(d, key))
		return UI_HANDLED | UI_REDRAW;
	answer = dialog_answer(key);
	if (answer == DIALOG_NOT_AN_ANSWER) {
		if (key != KEY_MOUSE)
			ui_msg(ui, R_NORMAL, "y restores; n, Enter or Esc declines; c toggles --clean");
		return UI_HANDLED | UI_REDRAW;
	}
	if (r->is_typed && answer == DLG_YES) {
		snprintf(p, sizeof(p), "Type the database name (%s) to restore: ",
			 rt_restore_dbname(r->op));
		prompt_open(PROMPT_CONFIRM_NAME, p, status_msg_win());
		return UI_HANDLED | UI_REDRAW;
	}
	ui_dialog_close(ui, d, answer);
	return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
}

static void
restore_release(struct dialog *d)
{
	free(d);
}

struct dialog *
dlg_restore_new(const struct rt_restore *op)
{
	struct restore *r = rt_xcalloc(1, sizeof(*r));

	r->d.ops = &restore_ops;
	r->op = op;
	r->is_clean = rt_restore_is_clean(op);
	r->is_typed = rt_restore_confirm_kind(op) == RT_CONFIRM_DBNAME;
	return &r->d;
}

bool
dlg_restore_is_clean(const struct dialog *d)
{
	return d->ops == &restore_ops && ((const struct restore *)d)->is_clean;
}

static const struct dialog_ops backups_ops = {
	.name = "backups",
	.draw = list_draw,
	.on_key = list_key,
	.release = list_release,
};

static const struct dialog_ops restore_ops = {
	.name = "restore",
	.draw = restore_draw,
	.on_key = restore_key,
	.on_line = dialog_take_line,
	.release = restore_release,
	.guards_input = true,
};
