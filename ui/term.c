/* term.c - the terminal: curses on, curses off on every way out, and signal
 * handlers that only set flags (ncurses itself owns SIGWINCH). */
#include "config.h"
#include "term.h"

#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "draw.h"
#include "rt_err.h"
#include "rt_mem.h"

volatile sig_atomic_t term_got_int;
volatile sig_atomic_t term_got_quit;
static bool is_active;

static void
on_int(int sig)
{
	(void)sig;
	term_got_int = 1;
}

static void
on_quit(int sig)
{
	(void)sig;
	term_got_quit = 1;
}

void
term_restore(void)
{
	if (!is_active)
		return;
	is_active = false;
	mousemask(0, NULL);
	curs_set(1);
	endwin();
}

int
term_init(bool use_color, bool allow_notty, bool is_headless, struct rt_err *err)
{
	const char *term;
	FILE *out = stdout, *in = stdin;
	struct sigaction sa;

	if (is_headless && bench_term_open(&out, &in) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot open the headless terminal's files");
		return -1;
	}
	if (!allow_notty && !is_headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		rt_err_set(err, RT_ERR_INPUT, "the console needs a terminal");
		return -1;
	}
	term = getenv("TERM");
	setlocale(LC_ALL, "");
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	/* newterm, unlike initscr, returns NULL instead of exiting */
	if (!newterm(term && *term ? term : "xterm", out, in)) {
		rt_err_set(err, RT_ERR_RUN, "cannot initialise the terminal");
		return -1;
	}
	is_active = true;
	atexit(term_restore);
	rt_set_oom_hook(term_restore);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	draw_init(use_color);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_quit;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

void
term_suspend(void)
{
	def_prog_mode();
	endwin();
}

void
term_resume(void)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
}
