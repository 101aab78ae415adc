/* status.c - the status line (env, masked URL, current, pending, lock holder),
 * the message line, and the overlays drawn above the panes. */
#include "config.h"
#include "status.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "draw.h"
#include "panes.h"
#include "prompt.h"
#include "rowbuf.h"
#include "rt_fmt.h"
#include "rt_backup.h"
#include "rt_config.h"
#include "rt_db.h"
#include "rt_graph.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "sqlhl.h"
#include "ui.h"

static WINDOW *st_win, *msg_win, *ov_win;

void
status_set_windows(void *status, void *msg)
{
	st_win = status;
	msg_win = msg;
}

void *
status_msg_win(void)
{
	return msg_win;
}

void
status_draw(struct ui *ui)
{
	const struct rt_env *env = rt_session_env(ui->s);
	struct rowbuf rb = { 0 };
	char *cur = rt_strv_join(&ui->current, " ");
	size_t pending = 0;

	if (!st_win)
		return;
	if (ui->applied && ui->g)
		for (size_t i = 0; i < rt_graph_count(ui->g); i++)
			pending += !ui->applied[i];
	if (prompt_is_open() && ui->hint[0]) {
		rowbuf_addf(&rb, R_DIM, "completions: %s", ui->hint);
		werase(st_win);
		draw_rowbuf(st_win, 0, 0, getmaxx(st_win), &rb, R_NORMAL, 2);
		wnoutrefresh(st_win);
		rowbuf_free(&rb);
		free(cur);
		return;
	}
	rowbuf_addf(&rb, R_HEADER, "env: %s", env ? env->name : "(url)");
	if (env && env->is_protected)
		rowbuf_add(&rb, R_ERROR, " [protected]");
	if (ui->is_connected) {
		rowbuf_addf(&rb, R_CURRENT, "  current: %s", ui->current.n ? cur : "base");
		rowbuf_addf(&rb, pending ? R_PENDING : R_NORMAL, "  pending: %zu", pending);
	} else {
		rowbuf_add(&rb, R_ERROR, "  not connected");
	}
	if (ui->lock_holder)
		rowbuf_addf(&rb, R_ERROR, "  lock: %s", ui->lock_holder);
	if (ui->job)
		rowbuf_addf(&rb, R_NORMAL, "  counting %zu/%zu", rt_count_job_done(ui->job),
			    rt_count_job_total(ui->job));
	if (ui->bjob || ui->rjob)
		rowbuf_add(&rb, R_PENDING, ui->bjob ? "  backing up" : "  restoring");
	rowbuf_addf(&rb, R_DIM, "  %s", rt_session_url_masked(ui->s));
	werase(st_win);
	draw_rowbuf(st_win, 0, 0, getmaxx(st_win), &rb, R_NORMAL, 2);
	wnoutrefresh(st_win);
	free(cur);
	if (!prompt_is_open()) {
		rowbuf_reset(&rb);
		rowbuf_add(&rb, ui->msg_role, ui->msg);
		werase(msg_win);
		draw_rowbuf(msg_win, 0, 0, getmaxx(msg_win), &rb, R_NORMAL, 0);
		wnoutrefresh(msg_win);
	}
	rowbuf_free(&rb);
}

void
status_draw_now(struct ui *ui)
{
	status_draw(ui);
	doupdate();
}

void
overlay_reset(void)
{
	if (ov_win)
		delwin(ov_win);
	ov_win = NULL;
}

/* The overlay's lines, built fresh each draw: a few hundred at most. */
static void
add_line(struct rowbuf **v, size_t *n, enum ui_role role, const char *s)
{
	*v = rt_xreallocarray(*v, *n + 1, sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	rowbuf_add(&(*v)[*n], role, s);
	(*n)++;
}

static void
build_confirm(struct ui *ui, struct rowbuf **v, size_t *n)
{
	const struct rt_plan *plan = ui->confirm_plan;
	const struct rt_env *env = rt_session_env(ui->s);
	struct sqlhl_state st = { 0 };
	char line[512];
	const char *s;

	for (size_t i = 0; i < plan->nsteps; i++) {
		snprintf(line, sizeof(line), "  %2zu  %-9s %s  %s", i + 1,
			 plan->kind == RT_PLAN_STAMP ? "stamp" : plan->steps[i].is_up ? "upgrade" :
			 "downgrade", plan->steps[i].rev->id, plan->steps[i].rev->message);
		add_line(v, n, plan->steps[i].is_up ? R_UP : R_DOWN, line);
	}
	if (plan->kind == RT_PLAN_STAMP)
		add_line(v, n, R_NORMAL, "  (stamp runs no migration SQL; it rewrites the version table)");
	if (env && env->is_protected)
		add_line(v, n, R_ERROR, "Protected env: Type the database name on the line below.");
	else
		add_line(v, n, R_HEADER, "Proceed? [y/N]   (j/k PgUp/PgDn scroll the SQL)");
	add_line(v, n, R_NORMAL, "");
	for (s = ui->confirm_sql; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		*v = rt_xreallocarray(*v, *n + 1, sizeof(**v));
		memset(&(*v)[*n], 0, sizeof(**v));
		sqlhl_line(&st, s, len, &(*v)[*n]);
		(*n)++;
		s = nl ? nl + 1 : s + len;
	}
}

static void
add_kv(struct rowbuf **v, size_t *n, const char *key, enum ui_role role, const char *val)
{
	*v = rt_xreallocarray(*v, *n + 1, sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	rowbuf_addf(&(*v)[*n], R_DIM, "  %-9s ", key);
	rowbuf_add(&(*v)[*n], role, val);
	(*n)++;
}

static void
build_backup(struct ui *ui, struct rowbuf **v, size_t *n)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	struct rt_db *db = rt_session_db(ui->s);
	char line[1200];

	snprintf(line, sizeof(line), "Back up %s to %s? [y/N]", db ? rt_db_name(db) : "?",
		 cfg->backup_dir);
	add_line(v, n, R_HEADER, line);
	add_line(v, n, R_DIM, "  pg_dump -Fc, then the exact row count of every table in the same snapshot");
}

/* The list of backups; *cur becomes the line of the selected one. */
static void
build_backups(struct ui *ui, struct rowbuf **v, size_t *n, long *cur)
{
	const struct rt_backup_list *l = ui->blist;
	long long now = (long long)time(NULL);
	int name_w = 20, inner = (COLS - 4 < 110 ? COLS - 4 : 110) - 2;
	char line[256];

	for (size_t i = 0; i < l->n; i++) {
		int w = ui_width(l->v[i].name, strlen(l->v[i].name));

		if (w > name_w)
			name_w = w;
	}
	if (name_w > inner - 46)
		name_w = inner - 46 > 12 ? inner - 46 : 12;
	snprintf(line, sizeof(line), "  %-*s %9s  %-12s %5s  %s", name_w, "backup (newest first)",
		 "size", "revision", "age", "checksum");
	add_line(v, n, R_HEADER, line);
	for (size_t i = 0; i < l->n; i++) {
		*v = rt_xreallocarray(*v, *n + 1, sizeof(**v));
		memset(&(*v)[*n], 0, sizeof(**v));
		ui_backup_row(&l->v[i], name_w, now, &(*v)[*n]);
		if (i == ui->bsel)
			*cur = (long)*n;
		(*n)++;
	}
	add_line(v, n, R_NORMAL, "");
	add_line(v, n, R_DIM, "  j/k move   Enter restore the selected backup   Esc close");
}

static void
build_restore(struct ui *ui, struct rowbuf **v, size_t *n)
{
	const struct rt_backup_info *b = ui->rinfo;
	const struct rt_env *env = rt_session_env(ui->s);
	struct rt_db *db = rt_session_db(ui->s);
	char line[1200], size[32];

	rt_fmt_bytes(b->bytes, size, sizeof(size));
	snprintf(line, sizeof(line), "%s  (%s, checksum ok)", b->name, size);
	add_kv(v, n, "backup", R_NORMAL, line);
	snprintf(line, sizeof(line), "%s from %s%s%s, at %s, %zu tables",
		 b->created ? b->created : "?", b->database ? b->database : "?",
		 b->env && *b->env ? ", env " : "", b->env ? b->env : "",
		 b->revision ? b->revision : "?", b->counts.n);
	add_kv(v, n, "taken", R_NORMAL, line);
	snprintf(line, sizeof(line), "%s  %s", db ? rt_db_name(db) : "?", rt_session_url_masked(ui->s));
	add_kv(v, n, "into", R_NORMAL, line);
	add_kv(v, n, "--clean", ui->restore_clean ? R_UP : R_DOWN, ui->restore_clean ?
	       "on: every table of the backup's schemas is dropped first (c toggles)" :
	       "off: restored over the existing objects (c toggles)");
	add_line(v, n, R_NORMAL, "");
	if (env && env->is_protected)
		add_line(v, n, R_ERROR, "Protected env: press Enter, then type the database name "
			 "(c toggles --clean, Esc cancels).");
	else
		add_line(v, n, R_HEADER, "Restore? [y/N]   (c toggles --clean)");
}

static void
build_help(struct ui *ui, struct rowbuf **v, size_t *n)
{
	char line[256];

	(void)ui;
	for (size_t i = 0; i < ui_nactions; i++) {
		snprintf(line, sizeof(line), "  %-10s %-14s %s", ui_actions[i].keyname ?
			 ui_actions[i].keyname : "", ui_actions[i].name, ui_actions[i].help);
		add_line(v, n, R_NORMAL, line);
	}
	add_line(v, n, R_NORMAL, "  arrows j k g G PgUp PgDn Home End Ctrl-d Ctrl-u   move; mouse click focuses and selects");
	add_line(v, n, R_NORMAL, "");
	add_line(v, n, R_HEADER, "History markers");
	snprintf(line, sizeof(line), "  %s current   %s applied   %s pending   ! file missing   M file modified since applied",
		 ui->is_utf8 ? "\u25c9 @" : "@", ui->is_utf8 ? "\u25cf *" : "*",
		 ui->is_utf8 ? "\u25cb o" : "o");
	add_line(v, n, R_NORMAL, line);
	add_line(v, n, R_NORMAL, "");
	add_line(v, n, R_DIM, "  any other key closes this help");
}

void
overlay_draw(struct ui *ui)
{
	struct rowbuf *v = NULL;
	size_t n = 0;
	long cur = -1;
	int h, w, y, x, body;
	char title[300];

	if (ui->modal == MODAL_NONE)
		return;
	if (ui->modal == MODAL_CONFIRM && ui->confirm_plan) {
		build_confirm(ui, &v, &n);
		snprintf(title, sizeof(title), "Confirm %s", ui->confirm_what);
	} else if (ui->modal == MODAL_BACKUP) {
		build_backup(ui, &v, &n);
		snprintf(title, sizeof(title), "Back up");
	} else if (ui->modal == MODAL_BACKUPS && ui->blist) {
		build_backups(ui, &v, &n, &cur);
		snprintf(title, sizeof(title), "Restore: choose a backup");
	} else if (ui->modal == MODAL_RESTORE && ui->rinfo) {
		build_restore(ui, &v, &n);
		snprintf(title, sizeof(title), "Confirm restore");
	} else {
		build_help(ui, &v, &n);
		snprintf(title, sizeof(title), "Keys");
	}
	h = (int)n + 2;
	if (h > LINES - 3)
		h = LINES - 3;
	w = COLS - 4 < 110 ? COLS - 4 : 110;
	y = (LINES - 2 - h) / 2;
	x = (COLS - w) / 2;
	if (h < 3 || w < 10)
		goto out;
	overlay_reset();
	ov_win = newwin(h, w, y < 0 ? 0 : y, x);
	werase(ov_win);
	draw_box(ov_win, true);
	draw_title(ov_win, title, "", true);
	body = h - 2;
	if (cur >= 0 && (size_t)cur < ui->modal_top + 1)   /* keep the header in view when possible */
		ui->modal_top = cur > 0 ? (size_t)cur - 1 : 0;
	if (cur >= 0 && (size_t)cur >= ui->modal_top + (size_t)body)
		ui->modal_top = (size_t)cur - (size_t)body + 1;
	if (ui->modal_top + (size_t)body > n)
		ui->modal_top = n > (size_t)body ? n - (size_t)body : 0;
	for (int i = 0; i < body && ui->modal_top + (size_t)i < n; i++)
		draw_rowbuf(ov_win, 1 + i, 1, w - 2, &v[ui->modal_top + (size_t)i], R_NORMAL,
			    (long)(ui->modal_top + (size_t)i) == cur ? 2 : 0);
	wnoutrefresh(ov_win);
out:
	for (size_t i = 0; i < n; i++)
		rowbuf_free(&v[i]);
	free(v);
}

unsigned
overlay_key(struct ui *ui, int key)
{
	if (ui->modal == MODAL_BACKUPS)
		return ui_backups_key(ui, key);
	if (ui->modal == MODAL_RESTORE)
		return prompt_is_open() ? 0 : ui_restore_key(ui, key);
	if (ui->modal == MODAL_BACKUP) {
		if (key == KEY_RESIZE)
			return UI_RELAYOUT;
		ui_backup_answer(ui, key == 'y' || key == 'Y');
		return UI_REDRAW | UI_RELAYOUT;
	}
	switch (key) {
	case KEY_DOWN: case 'j': ui->modal_top++; return UI_REDRAW;
	case KEY_UP: case 'k': if (ui->modal_top) ui->modal_top--; return UI_REDRAW;
	case KEY_NPAGE: case ' ': ui->modal_top += (size_t)(LINES / 2); return UI_REDRAW;
	case KEY_PPAGE:
		ui->modal_top = ui->modal_top > (size_t)(LINES / 2) ? ui->modal_top - (size_t)(LINES / 2) : 0;
		return UI_REDRAW;
	case KEY_RESIZE: return UI_RELAYOUT;
	}
	if (ui->modal == MODAL_CONFIRM) {
		if (prompt_is_open())
			return 0;
		if (key == 'y' || key == 'Y')
			ui_migrate_answer(ui, 1, NULL);
		else
			ui_migrate_answer(ui, 0, key == 27 ? "cancelled" : "not confirmed");
		return UI_REDRAW | UI_RELAYOUT;
	}
	ui->modal = MODAL_NONE;
	return UI_REDRAW | UI_RELAYOUT;
}
