/* bench.h - "retort ui --bench": a headless terminal of a fixed size, the
 * clock, and the one-line-per-metric report. */
#ifndef UI_BENCH_H
#define UI_BENCH_H

#include <stdio.h>

/* Monotonic seconds. */
double bench_now(void);

/* Opens the headless terminal's streams: output to an unlinked temporary
 * file (so that the bytes curses sends can be counted), input from
 * /dev/null; sets LINES/COLUMNS (200x60 unless RETORT_BENCH_SIZE=COLSxLINES)
 * and TERM (xterm-256color when unset). 0, or -1 when a file cannot be opened. */
int bench_term_open(FILE **out, FILE **in);

/* Bytes curses has written to the headless terminal so far. */
long bench_term_bytes(void);

/* Cursor moves to time (RETORT_BENCH_MOVES, default 200). */
int bench_moves(void);

/* Records ui_run's entry time; the first full paint (now) and the window
 * lines it wrote (what any full redraw writes). */
void bench_ui_entered(void);
void bench_first_paint(unsigned long lines);

/* Records one cursor move: key-to-screen seconds, drawing-only seconds,
 * window lines written, screen lines curses found changed, bytes sent. */
void bench_move(double total, double draw, unsigned long lines, unsigned long screen_lines,
		long bytes);

/* Prints the metrics, one "name value" line each, to stdout. */
void bench_report(int rows, int cols);

#endif
