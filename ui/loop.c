/* loop.c - one poll() loop: relayout when dirty, draw every window with
 * wnoutrefresh and one doupdate (the top dialog over the panes), then wait
 * for the tty and every running job; step the jobs after each poll and give
 * keys to the prompt, else the top dialog, else the focused pane and the
 * action table. */
#include "config.h"
#include "loop.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "dialog.h"
#include "jobs.h"
#include "bench.h"
#include "draw.h"
#include "pane.h"
#include "panes.h"
#include "prompt.h"
#include "rt_config.h"
#include "rt_job.h"
#include "rt_session.h"
#include "status.h"
#include "term.h"
#include "ui.h"
#include "ui_main.h"

static WINDOW *st_win, *msg_win;
/* Whether the next draw must redraw every pane: anything but a plain cursor
 * move may have changed what any pane shows (an action, a job, a prompt, a
 * modal, a resize). A cursor move redraws only its pane's two rows and the
 * panes its selection feeds (marked dirty by their reload). */
static bool need_full;
/* Lines written by status_draw (its two lines) for the benchmark's count. */
static unsigned long status_lines;
/* screen_lines_changed() just before the last doupdate (ui --bench) */
static unsigned long bench_changed;

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
	dialog_reset();
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
			if (ui->zoomed)   /* z: the focused pane over all four, the others hidden */
				ui->panes[i].r = i == ui->focus ?
					(struct rect){ 0, 0, ui->lay.status.y, COLS } :
					(struct rect){ 0, 0, 0, 0 };
			ui->panes[i].win = ui->panes[i].r.h > 0 ?
				newwin(ui->panes[i].r.h, ui->panes[i].r.w, ui->panes[i].r.y,
				       ui->panes[i].r.x) : NULL;
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
	need_full = true;
}

/* Lines of the physical screen curses will rewrite (wnoutrefresh marks only
 * the cells that differ from what the screen holds). */
static unsigned long
screen_lines_changed(void)
{
	unsigned long n = 0;

	for (int y = 0; y < LINES; y++)
		n += is_linetouched(newscr, y) == TRUE;
	return n;
}

static void
draw_all(struct ui *ui)
{
	const struct rt_env *env = rt_session_env(ui->s);

	draw_set_protected(env && env->is_protected ? env->name : NULL);
	if (ui->lay.is_too_small) {
		werase(stdscr);
		mvaddstr(0, 0, "terminal too small");
		mvprintw(1, 0, "need %dx%d, have %dx%d", LAYOUT_MIN_COLS, LAYOUT_MIN_LINES, COLS, LINES);
		mvaddstr(2, 0, "q quits");
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	/* a dialog covers the panes: draw them all, then it, every time */
	if (need_full || ui->ndialogs)
		for (int i = 0; i < NPANES; i++)
			ui->panes[i].dirty = 1;
	need_full = false;
	for (int i = 0; i < NPANES; i++) {
		ui->panes[i].focused = i == ui->focus;
		pane_draw(&ui->panes[i]);
	}
	status_draw(ui);
	status_lines += 2;
	dialog_draw(ui);
	if (ui->opts->bench)
		bench_changed = screen_lines_changed();
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

/* Gives key to the top dialog. True when it took the key: a dialog is modal
 * unless it closed itself and passed the key on with no other dialog open. */
static bool
dialog_key(struct ui *ui, int key)
{
	struct dialog *d = ui_dialog_top(ui);
	unsigned f;

	if (!d)
		return false;
	need_full = true;
	if (!dialog_takes_key(d, key)) {
		ui_log("dialog %s: key %d dropped (just opened)", d->ops->name, key);
		return true;
	}
	f = d->ops->on_key(d, ui, key);
	if (f & UI_RELAYOUT)
		ui->need_layout = true;
	if ((f & UI_QUIT))
		ui->quit = true;
	return (f & UI_HANDLED) || ui->ndialogs;
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
	if (dialog_key(ui, ch))
		return;
	if (ch == 27 && ui->zoomed) {   /* Esc leaves the zoom */
		ui->zoomed = false;
		ui->need_layout = true;
		return;
	}
	if (ch == KEY_MOUSE) {
		need_full = true;
		on_mouse(ui);
		return;
	}
	if (p->ops->on_key)
		f = p->ops->on_key(p, ch);
	/* a pane's own cursor key: no full redraw (see need_full) */
	if (!(f & UI_HANDLED) || (f & ~(unsigned)(UI_HANDLED | UI_REDRAW | UI_SELECT)))
		need_full = true;
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
	struct dialog *d;
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
		/* blanks around a value are never part of it ("production ") */
		if (line)
			ui_trim(line);
		if (line && *line) {
			char *argv[3] = { kind == PROMPT_ENV ? "env" : "search", line, NULL };

			f = ui_action_by_name(argv[0])->run(ui, 2, argv);
		}
		break;
	case PROMPT_FILTER:
		if (line) {
			char *argv[3] = { "filter", line, NULL };

			ui_trim(line);
			f = ui_action_by_name("filter")->run(ui, 2, argv);
		}
		break;
	case PROMPT_CONFIRM_NAME:
		/* the dialog that opened it checks the name */
		d = ui_dialog_top(ui);
		if (d && d->ops->on_line)
			d->ops->on_line(d, ui, line);
		f = UI_RELAYOUT;
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
	need_full = true;
	if (prompt_is_open())
		prompt_cancel();
	else if (ui->ndialogs)
		dialog_key(ui, DLG_KEY_INTR);
	else if (!ui_jobs_cancel_background(ui))
		ui_msg(ui, R_NORMAL, "press q to quit");
	finish_prompt(ui);
}

/* ui --bench: the first paint, then cursor moves down History, each timed
 * from the key to the end of doupdate(). The count job (started for tables
 * never analyzed) is not serviced: its rows would redraw Tables. */
static void
bench_loop(struct ui *ui)
{
	int n = bench_moves();

	relayout(ui);
	draw_all(ui);
	bench_first_paint(pane_lines_drawn + status_lines);
	ui->focus = PANE_HISTORY;
	draw_all(ui);
	for (int i = 0; i < n; i++) {
		unsigned long l0 = pane_lines_drawn + status_lines;
		long b0 = bench_term_bytes();
		double t0 = bench_now(), t1, t2;
		struct pane *h = &ui->panes[PANE_HISTORY];

		if (h->cur + 1 >= h->nrows)
			break;
		handle_key(ui, KEY_DOWN);
		t1 = bench_now();
		draw_all(ui);   /* ends in doupdate() */
		t2 = bench_now();
		bench_move(t2 - t0, t2 - t1, pane_lines_drawn + status_lines - l0, bench_changed,
			   bench_term_bytes() - b0);
	}
}

void
ui_loop(struct ui *ui)
{
	struct pollfd fds[1 + UI_MAXJOBS * RT_JOB_MAXFDS];
	int ch, n;
	size_t nfds;

	ui->need_layout = true;
	if (ui->opts->bench) {
		bench_loop(ui);
		return;
	}
	while (!ui->quit) {
		if (ui->need_layout)
			relayout(ui);
		draw_all(ui);
		if (ui->opts->exit_after_draw)
			break;
		/* the tty and every job; a tick while any runs (timed retries, progress) */
		fds[0] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		nfds = 1 + ui_jobs_fds(ui, fds + 1, sizeof(fds) / sizeof(fds[0]) - 1);
		n = poll(fds, nfds, ui->njobs ? RT_JOB_TICK_MS : -1);
		if (n != 1 || !fds[0].revents || term_got_int || term_got_quit)
			need_full = true;   /* a job, a tick or a signal: not only keys */
		on_signals(ui);
		if (n < 0 && errno != EINTR)
			break;
		if (ui->njobs)
			ui_jobs_step(ui);
		while (!ui->quit && (ch = wgetch(msg_win)) != ERR) {
			if (ch == KEY_RESIZE) {
				ui->need_layout = true;
				continue;
			}
			if (prompt_is_open()) {
				need_full = true;
				prompt_byte(ch);
			} else {
				handle_key(ui, ch);
			}
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
