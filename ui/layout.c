/* layout.c - the screen's rectangles. Narrow screens put History across the
 * top and Pending/Tables beside the SQL preview below it; wide screens use
 * two columns so the SQL preview gets height. */
#include "config.h"
#include "layout.h"

#include <string.h>

static struct rect
rect(int y, int x, int h, int w)
{
	struct rect r = { y, x, h, w };

	return r;
}

void
layout_compute(int lines, int cols, struct layout *out)
{
	int ph, top, bot, left, right;

	memset(out, 0, sizeof(*out));
	if (lines < LAYOUT_MIN_LINES || cols < LAYOUT_MIN_COLS) {
		out->is_too_small = true;
		return;
	}
	out->status = rect(lines - 2, 0, 1, cols);
	out->message = rect(lines - 1, 0, 1, cols);
	ph = lines - 2;
	if (cols >= 140) {
		out->is_wide = true;
		left = cols * 11 / 20;
		right = cols - left;
		top = ph * 3 / 5;
		bot = ph - top;
		out->history = rect(0, 0, top, left);
		out->pending = rect(top, 0, bot, left);
		out->sql = rect(0, left, top, right);
		out->tables = rect(top, left, bot, right);
		return;
	}
	top = ph / 2;
	if (top < 7)
		top = 7;
	bot = ph - top;
	left = cols * 2 / 5;
	right = cols - left;
	out->history = rect(0, 0, top, cols);
	out->pending = rect(top, 0, bot / 2, left);
	out->tables = rect(top + bot / 2, 0, bot - bot / 2, left);
	out->sql = rect(top, left, bot, right);
}
