/* layout.h - every rectangle of the screen, computed in one place (pure maths). */
#ifndef UI_LAYOUT_H
#define UI_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS 60
#define LAYOUT_MIN_LINES 16

struct rect {
	int y, x, h, w;
};

struct layout {
	bool is_too_small;     /* below LAYOUT_MIN_COLS x LAYOUT_MIN_LINES: show only a notice */
	bool is_wide;          /* two columns: History+Pending left, SQL+Tables right */
	struct rect history, pending, sql, tables, status, message;
};

/* Fills out for a terminal of lines x cols. The panes tile rows 0..lines-3
 * without overlap; the status line is lines-2 and the message line lines-1. */
void layout_compute(int lines, int cols, struct layout *out);

#endif
