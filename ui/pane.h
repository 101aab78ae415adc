/* pane.h - a pane: a list model behind a constant operations table, drawn by
 * the generic pane_draw (scrolling, clipping, cursor bar, title). */
#ifndef UI_PANE_H
#define UI_PANE_H

#include <stdbool.h>
#include <stddef.h>

#include "layout.h"

struct pane;
struct rowbuf;
struct rt_err;
struct ui;

/* Reaction flags returned by key handlers, as htop's HandlerResult. */
enum {
	UI_HANDLED = 1u << 0,
	UI_REDRAW = 1u << 1,
	UI_RELAYOUT = 1u << 2,
	UI_RELOAD = 1u << 3,
	UI_QUIT = 1u << 4,
	UI_SELECT = 1u << 5,     /* the selection changed: dependent panes reload */
};

struct pane_ops {
	const char *title;
	/* Rebuilds the model from the shared UI state; 0 or -1 with err. */
	int (*load)(struct pane *, struct rt_err *);
	/* One row into out (pure). */
	void (*format)(const struct pane *, size_t row, struct rowbuf *out);
	/* Optional column header under the title (pure). */
	void (*header)(const struct pane *, struct rowbuf *out);
	/* Optional extra title text ("SQL  upgrade 6ee1c5ab22d4"). */
	void (*subtitle)(const struct pane *, char *buf, size_t size);
	unsigned (*on_key)(struct pane *, int key);
	void (*on_select)(struct pane *);
	void (*release)(struct pane *);
	bool has_cursor;          /* false: a text view that scrolls (SQL) */
};

struct pane {
	const struct pane_ops *ops;
	struct ui *ui;               /* shared state, borrowed */
	struct rect r;               /* where it is (from layout.c) */
	void *win;                   /* WINDOW *, owned by loop.c */
	size_t nrows, top, cur;      /* model rows, first visible, cursor */
	int hscroll;                 /* columns scrolled right (Left/Right, h/l) */
	unsigned dirty : 1, focused : 1;
	/* What the window holds since the last full draw (pane_draw redraws only
	 * the old and new cursor rows when nothing else changed). */
	unsigned is_drawn : 1, drawn_focused : 1;
	size_t drawn_top, drawn_cur;
	void *model;                 /* owned by the pane */
	char empty[1024];             /* shown when nrows == 0 (e.g. the connect error) */
};

/* Rows of the body (inside the border, below the header). */
int pane_body_height(const struct pane *p);

/* Moves the cursor (or, without a cursor, the top line) by delta rows,
 * clamped, and scrolls so it stays visible. Pure. Returns whether it moved. */
bool pane_move(struct pane *p, long delta);
/* Sets the cursor to row (clamped) and scrolls. Pure. */
bool pane_set_cur(struct pane *p, size_t row);
/* Keeps top so that cur is visible and no space is wasted at the end. Pure. */
void pane_fix_scroll(struct pane *p);

/* Generic list keys: arrows, j/k, g/G, Home/End, PgUp/PgDn, Ctrl-d/u; Left/
 * Right (h/l) scroll sideways by PANE_HSTEP columns, 0 back to the left edge. */
#define PANE_HSTEP 8
unsigned pane_list_key(struct pane *p, int key);

/* Draws the pane into its window with wnoutrefresh (the only curses for panes).
 * A clean pane (not dirty, same top and focus as last drawn) is drawn
 * incrementally: only the rows of the old and the new cursor, or nothing. */
void pane_draw(struct pane *p);

/* Window lines written by pane_draw since start (the console benchmark's
 * measure of how much a redraw touched). */
extern unsigned long pane_lines_drawn;

/* The body row at screen line y, or -1 (mouse). */
long pane_row_at(const struct pane *p, int y, int x);

#endif
