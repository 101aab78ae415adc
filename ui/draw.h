/* draw.h - colours, glyphs and clipped text: the curses side of rowbuf. */
#ifndef UI_DRAW_H
#define UI_DRAW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "rowbuf.h"

/* Sets up colour pairs (when use_color and the terminal has colours). */
void draw_init(bool use_color);

/* True when the locale's codeset is UTF-8 (nl_langinfo(CODESET)). */
bool draw_locale_is_utf8(void);

/* The curses attributes for role. */
attr_t draw_attr(enum ui_role role);

/* The session is on the protected env named env (NULL: not): frames turn
 * red and every title carries the name. */
void draw_set_protected(const char *env);
void draw_box(WINDOW *w, bool is_focused);
void draw_title(WINDOW *w, const char *title, const char *sub, bool is_focused);

/* Draws b at y,x clipped to width columns (a cut marked with an ellipsis in
 * the last column), filling the rest with blanks.
 * cursor: 0 plain, 1 cursor of an unfocused pane, 2 cursor of the focused pane. */
void draw_rowbuf(WINDOW *w, int y, int x, int width, const struct rowbuf *b, enum ui_role base,
		 int cursor);

/* The same, the first skip columns of b left out (scrolled right); a cut on
 * either side is marked with ui_ellipsis(). */
void draw_rowbuf_from(WINDOW *w, int y, int x, int width, const struct rowbuf *b,
		      enum ui_role base, int cursor, int skip);

/* Draws b word-wrapped in a width x h box. */
void draw_wrapped(WINDOW *w, int y, int x, int width, int h, const struct rowbuf *b);

void draw_scrollbar(WINDOW *w, int y, int x, int h, size_t top, size_t n);

#endif
