/* loop.c - one poll() loop: relayout when dirty, draw every window with
 * wnoutrefresh and one doupdate, then wait for the tty or the count job. */
#include "config.h"
#include "loop.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "draw.h"
#include "pane.h"
#include "panes.h"
#include "prompt.h"
#include "rt_counts.h"
#include "rt_db.h"
#include "rt_session.h"
#include "status.h"
#include "term.h"
#include "ui.h"
#include "ui_main.h"

static WINDOW *st_win, *msg_win;

static void
free_windows(struct ui *ui)
{
	for (int i = 0; i < NPANES; i++) {
		if (ui->panes[i].win)
			delwin(ui->panes[i].win);
		ui->panes[i].win = NULL;
	}
	if (st_win)
		delwin(st_win);
	if (msg_win)
		delwin(msg_win);
	st_win = msg_win = NULL;
	overlay_reset();
}

static void
relayout(struct ui *ui)
{
	const struct rect *r[NPANES] = { &ui->lay.history, &ui->lay.pending, &ui->lay.sql,
					 &ui->lay.tables };

	free_windows(ui);
	layout_compute(LINES, COLS, &ui->lay);
	ui_log("layout %dx%d%s", COLS, LINES, ui->lay.is_too_small ? " (too small)" : "");
	if (ui->lay.is_too_small) {
		msg_win = newwin(1, COLS > 0 ? COLS : 1, LINES > 0 ? LINES - 1 : 0, 0);
	} else {
		for (int i = 0; i < NPANES; i++) {
			ui->panes[i].r = *r[i];
			ui->panes[i].win = newwin(r[i]->h, r[i]->w, r[i]->y, r[i]->x);
			pane_fix_scroll(&ui->panes[i]);
		}
		st_win = newwin(1, COLS, ui->lay.status.y, 0);
		msg_win = newwin(1, COLS, ui->lay.message.y, 0);
	}
	keypad(msg_win, prompt_is_open() ? FALSE : TRUE);
	nodelay(msg_win, TRUE);
	status_set_windows(st_win, msg_win);
	clearok(curscr, TRUE);
	ui->need_layout = false;
}

static void
draw_all(struct ui *ui)
{
	if (ui->lay.is_too_small) {
		werase(stdscr);
		mvaddstr(0, 0, "terminal too small");
		mvprintw(1, 0, "need %dx%d, have %dx%d", LAYOUT_MIN_COLS, LAYOUT_MIN_LINES, COLS, LINES);
		mvaddstr(2, 0, "q quits");
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	for (int i = 0; i < NPANES; i++) {
		ui->panes[i].focused = i == ui->focus;
		pane_draw(&ui->panes[i]);
	}
	status_draw(ui);
	overlay_draw(ui);
	if (prompt_is_open())
		prompt_redraw(msg_win);   /* last, so the cursor ends on the line */
	else
		doupdate();
}

static void
selection_from_history(struct ui *ui)
{
	struct pane *h = &ui->panes[PANE_HISTORY];

	h->ops->on_select(h);
	ui_selection_changed(ui);
}

static void
on_mouse(struct ui *ui)
{
	MEVENT ev;

	if (getmouse(&ev) != OK || ui->lay.is_too_small)
		return;
	for (int i = 0; i < NPANES; i++) {
		struct pane *p = &ui->panes[i];
		long row;

		if (ev.y < p->r.y || ev.y >= p->r.y + p->r.h || ev.x < p->r.x || ev.x >= p->r.x + p->r.w)
			continue;
		if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
			pane_move(p, ev.bstate & BUTTON4_PRESSED ? -3 : 3);
			if (i == PANE_HISTORY)
				selection_from_history(ui);
			return;
		}
		ui->focus = i;
		row = pane_row_at(p, ev.y, ev.x);
		if (row >= 0) {
			pane_set_cur(p, (size_t)row);
			if (i == PANE_HISTORY)
				selection_from_history(ui);
		}
		return;
	}
}

static void
handle_key(struct ui *ui, int ch)
{
	struct pane *p = &ui->panes[ui->focus];
	const struct ui_action *a;
	unsigned f = 0;

	if (ch == KEY_RESIZE) {
		ui->need_layout = true;
		return;
	}
	if (ui->lay.is_too_small) {
		if (ch == 'q')
			ui->quit = true;
		return;
	}
	if (ui->modal != MODAL_NONE) {
		f = overlay_key(ui, ch);
		return;
	}
	if (ch == KEY_MOUSE) {
		on_mouse(ui);
		return;
	}
	if (p->ops->on_key)
		f = p->ops->on_key(p, ch);
	if (!(f & UI_HANDLED)) {
		a = ui_action_by_key(ch);
		if (a) {
			char *argv[2] = { (char *)a->name, NULL };

			f = a->run(ui, 1, argv);
		}
	}
	if ((f & UI_SELECT) && (ui->focus == PANE_HISTORY || !(f & UI_HANDLED)))
		selection_from_history(ui);
	if (f & UI_RELAYOUT)
		ui->need_layout = true;
}

static void
finish_prompt(struct ui *ui)
{
	enum prompt_kind kind;
	struct rt_db *db;
	char *line;
	unsigned f = 0;

	if (!prompt_take(&kind, &line))
		return;
	ui_log("prompt %d: %s", (int)kind, line ? line : "(cancelled)");
	keypad(msg_win, TRUE);
	switch (kind) {
	case PROMPT_CMD:
		if (line)
			f = ui_command(ui, line);
		break;
	case PROMPT_SEARCH:
	case PROMPT_ENV:
		if (line && *line) {
			char *argv[3] = { kind == PROMPT_ENV ? "env" : "search", line, NULL };

			f = ui_action_by_name(argv[0])->run(ui, 2, argv);
		}
		break;
	case PROMPT_CONFIRM_NAME:
		db = rt_session_db(ui->s);
		if (ui->modal == MODAL_RESTORE) {
			if (line && db && strcmp(line, rt_db_name(db)) == 0)
				ui_restore_answer(ui, 1, NULL);
			else
				ui_restore_answer(ui, 0, line ? "restore not confirmed: the typed name "
						  "does not match; nothing changed" : "restore cancelled");
			f = UI_RELAYOUT;
		} else if (line && db && strcmp(line, rt_db_name(db)) == 0) {
			ui_migrate_answer(ui, 1, NULL);
		} else {
			ui_migrate_answer(ui, 0, line ? "not confirmed: the typed name does not match"
						      : "cancelled");
		}
		break;
	default:
		break;
	}
	free(line);
	if (f & UI_SELECT)
		selection_from_history(ui);
	if (f & UI_RELAYOUT)
		ui->need_layout = true;
}

/* A lone Esc cancels the prompt; Esc followed at once by more bytes is a key sequence. */
static void
prompt_byte(int ch)
{
	int next;

	if (ch != 27) {
		prompt_feed(ch);
		return;
	}
	wtimeout(msg_win, 40);
	next = wgetch(msg_win);
	nodelay(msg_win, TRUE);
	if (next == ERR) {
		prompt_cancel();
		return;
	}
	prompt_feed(27);
	if (next == 27)
		prompt_cancel();
	else
		prompt_feed(next);
}

static void
on_signals(struct ui *ui)
{
	if (term_got_quit)
		ui->quit = true;
	if (!term_got_int)
		return;
	term_got_int = 0;
	if (ui_jobs_cancel(ui))
		;
	else if (ui->job)
		ui_counts_cancel(ui);
	else if (prompt_is_open())
		prompt_cancel();
	else if (ui->modal == MODAL_CONFIRM)
		ui_migrate_answer(ui, 0, "cancelled");
	else
		ui_msg(ui, R_NORMAL, "press q to quit");
}

void
ui_loop(struct ui *ui)
{
	struct pollfd fds[5];
	int ch, n, timeout;
	size_t nfds;
	bool now;

	ui->need_layout = true;
	while (!ui->quit) {
		if (ui->need_layout)
			relayout(ui);
		draw_all(ui);
		if (ui->opts->exit_after_draw)
			break;
		/* the tty, the count job, then the backup or restore job */
		fds[0] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		fds[1] = (struct pollfd){ ui->job ? rt_count_job_fd(ui->job) : -1, POLLIN, 0 };
		now = false;
		nfds = 2 + ui_jobs_fds(ui, fds + 2, &now);
		timeout = now ? 0 : ui->job || ui_busy(ui) ? 100 : -1;
		n = poll(fds, nfds, timeout);
		on_signals(ui);
		if (n < 0 && errno != EINTR)
			break;
		if (ui->job && (n == 0 || (n > 0 && fds[1].revents)))
			ui_counts_step(ui);
		if (ui_busy(ui) && n >= 0)
			ui_jobs_step(ui);
		while (!ui->quit && (ch = wgetch(msg_win)) != ERR) {
			if (ch == KEY_RESIZE) {
				ui->need_layout = true;
				continue;
			}
			if (prompt_is_open())
				prompt_byte(ch);
			else
				handle_key(ui, ch);
			finish_prompt(ui);
			if (ui->need_layout)
				break;
		}
	}
}

void
ui_loop_fini(struct ui *ui)
{
	free_windows(ui);
}
