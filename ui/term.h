/* term.h - terminal set-up and restore, signal flags. */
#ifndef UI_TERM_H
#define UI_TERM_H

#include <signal.h>
#include <stdbool.h>

struct rt_err;

/* Set by the signal handlers; the loop acts on them. */
extern volatile sig_atomic_t term_got_int;   /* SIGINT: cancel */
extern volatile sig_atomic_t term_got_quit;  /* SIGTERM/SIGHUP: orderly quit */

/* setlocale, initscr, modes, mouse, signals, atexit restore. Fails (RT_ERR_INPUT)
 * when stdin or stdout is not a terminal (unless allow_notty: smoke tests).
 * is_headless (ui --bench): a fixed-size terminal on files (bench.h), not the tty. */
int term_init(bool use_color, bool allow_notty, bool is_headless, struct rt_err *err);

/* Ends curses; idempotent and safe from atexit and the out-of-memory hook. */
void term_restore(void);

/* Leaves curses for a child program (def_prog_mode, endwin) and comes back. */
void term_suspend(void);
void term_resume(void);

#endif
