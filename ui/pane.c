/* pane.c - the generic list pane: scrolling maths (pure) and drawing. */
#include "config.h"
#include "pane.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "rowbuf.h"
#include "ui.h"

int
pane_body_height(const struct pane *p)
{
	int h = p->r.h - 2 - (p->ops->header ? 1 : 0);

	return h > 0 ? h : 0;
}

void
pane_fix_scroll(struct pane *p)
{
	size_t h = (size_t)pane_body_height(p);

	if (h == 0)
		return;
	if (p->nrows == 0) {
		p->cur = p->top = 0;
		return;
	}
	if (p->cur >= p->nrows)
		p->cur = p->nrows - 1;
	if (!p->ops->has_cursor) {
		if (p->top + h > p->nrows)
			p->top = p->nrows > h ? p->nrows - h : 0;
		p->cur = p->top;
		return;
	}
	if (p->cur < p->top)
		p->top = p->cur;
	if (p->cur >= p->top + h)
		p->top = p->cur - h + 1;
	if (p->top + h > p->nrows)
		p->top = p->nrows > h ? p->nrows - h : 0;
}

bool
pane_set_cur(struct pane *p, size_t row)
{
	size_t old = p->ops->has_cursor ? p->cur : p->top;

	if (p->nrows == 0)
		return false;
	if (row >= p->nrows)
		row = p->nrows - 1;
	if (p->ops->has_cursor)
		p->cur = row;
	else
		p->top = p->cur = row;
	pane_fix_scroll(p);
	return (p->ops->has_cursor ? p->cur : p->top) != old;
}

bool
pane_move(struct pane *p, long delta)
{
	size_t at = p->ops->has_cursor ? p->cur : p->top;
	long to = (long)at + delta;

	if (to < 0)
		to = 0;
	return pane_set_cur(p, (size_t)to);
}

unsigned
pane_list_key(struct pane *p, int key)
{
	long page = pane_body_height(p) > 1 ? pane_body_height(p) - 1 : 1;
	bool moved;

	switch (key) {
	case KEY_DOWN: case 'j': moved = pane_move(p, 1); break;
	case KEY_UP: case 'k': moved = pane_move(p, -1); break;
	case KEY_NPAGE: case ' ': moved = pane_move(p, page); break;
	case KEY_PPAGE: moved = pane_move(p, -page); break;
	case 4: moved = pane_move(p, page / 2 ? page / 2 : 1); break;   /* Ctrl-d */
	case 21: moved = pane_move(p, -(page / 2 ? page / 2 : 1)); break; /* Ctrl-u */
	case KEY_HOME: case 'g': moved = pane_set_cur(p, 0); break;
	case KEY_END: case 'G': moved = pane_set_cur(p, p->nrows ? p->nrows - 1 : 0); break;
	case KEY_RIGHT: case 'l':
		p->hscroll += PANE_HSTEP;
		p->dirty = 1;
		return UI_HANDLED | UI_REDRAW;
	case KEY_LEFT: case 'h': case '0':
		moved = p->hscroll > 0;
		p->hscroll = key == '0' || p->hscroll < PANE_HSTEP ? 0 : p->hscroll - PANE_HSTEP;
		p->dirty = 1;
		return moved ? UI_HANDLED | UI_REDRAW : UI_HANDLED;
	default: return 0;
	}
	if (!moved)
		return UI_HANDLED;
	return UI_HANDLED | UI_REDRAW | (p->ops->has_cursor ? UI_SELECT : 0);
}

long
pane_row_at(const struct pane *p, int y, int x)
{
	int body = p->r.y + 1 + (p->ops->header ? 1 : 0);

	if (x < p->r.x || x >= p->r.x + p->r.w || y < body || y >= p->r.y + p->r.h - 1)
		return -1;
	if (p->top + (size_t)(y - body) >= p->nrows)
		return -1;
	return (long)(p->top + (size_t)(y - body));
}

unsigned long pane_lines_drawn;

static void
draw_row(struct pane *p, struct rowbuf *rb, int y0, size_t row)
{
	bool is_cur = p->ops->has_cursor && row == p->cur;

	rowbuf_reset(rb);
	p->ops->format(p, row, rb);
	if (p->ui && p->ui->search[0])
		rowbuf_highlight(rb, p->ui->search);
	draw_rowbuf_from(p->win, y0 + (int)(row - p->top), 1, p->r.w - 2, rb, R_NORMAL,
			 is_cur && p->focused ? 2 : is_cur, p->hscroll);
}

/* Only the cursor moved within the visible rows: redraw its old and new row. */
static bool
draw_cursor_only(struct pane *p)
{
	struct rowbuf rb = { 0 };
	int h = pane_body_height(p), y0 = p->ops->header ? 2 : 1;

	if (p->dirty || !p->is_drawn || p->top != p->drawn_top || p->focused != p->drawn_focused)
		return false;
	if (p->cur == p->drawn_cur)
		return true;
	if (p->drawn_cur >= p->top && p->drawn_cur < p->top + (size_t)h && p->drawn_cur < p->nrows) {
		draw_row(p, &rb, y0, p->drawn_cur);
		pane_lines_drawn++;
	}
	if (p->cur >= p->top && p->cur < p->top + (size_t)h && p->cur < p->nrows) {
		draw_row(p, &rb, y0, p->cur);
		pane_lines_drawn++;
	}
	rowbuf_free(&rb);
	p->drawn_cur = p->cur;
	wnoutrefresh(p->win);
	return true;
}

void
pane_draw(struct pane *p)
{
	WINDOW *w = p->win;
	struct rowbuf rb = { 0 };
	char sub[256] = "";
	int h = pane_body_height(p), y0 = 1, width = p->r.w - 2;

	if (!w || draw_cursor_only(p))
		return;
	werase(w);
	draw_box(w, p->focused);
	if (p->ops->subtitle)
		p->ops->subtitle(p, sub, sizeof(sub));
	draw_title(w, p->ops->title, sub, p->focused);
	pane_lines_drawn += (unsigned long)p->r.h;   /* werase touched every line */
	if (p->ops->header) {
		p->ops->header(p, &rb);
		draw_rowbuf_from(w, 1, 1, width, &rb, R_HEADER, false, p->hscroll);
		y0 = 2;
	}
	if (p->nrows == 0 && p->empty[0]) {
		rowbuf_reset(&rb);
		rowbuf_add(&rb, R_DIM, p->empty);
		draw_wrapped(w, y0, 1, width, h, &rb);
	}
	for (int i = 0; i < h && p->top + (size_t)i < p->nrows; i++)
		draw_row(p, &rb, y0, p->top + (size_t)i);
	if (p->nrows > (size_t)h && h > 0)
		draw_scrollbar(w, y0, p->r.w - 1, h, p->top, p->nrows);
	rowbuf_free(&rb);
	wnoutrefresh(w);
	p->dirty = 0;
	p->is_drawn = 1;
	p->drawn_focused = p->focused;
	p->drawn_top = p->top;
	p->drawn_cur = p->cur;
}
