/* draw.c - colours (NO_COLOR and --no-color respected), the box and title of
 * a pane, and text clipped by display width. */
#include "config.h"
#include "draw.h"

#include <langinfo.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

static bool has_color;

struct role_style {
	short fg;
	attr_t attr;          /* with colour */
	attr_t mono;          /* without */
};

static const struct role_style styles[R_NROLES] = {
	[R_NORMAL] = { -1, A_NORMAL, A_NORMAL },
	[R_DIM] = { -1, A_DIM, A_DIM },
	[R_ID] = { COLOR_YELLOW, A_NORMAL, A_NORMAL },
	[R_DATE] = { COLOR_BLUE, A_NORMAL, A_NORMAL },
	[R_LABEL] = { COLOR_MAGENTA, A_BOLD, A_BOLD },
	[R_CURRENT] = { COLOR_GREEN, A_BOLD, A_BOLD },
	[R_APPLIED] = { COLOR_GREEN, A_NORMAL, A_NORMAL },
	[R_PENDING] = { COLOR_CYAN, A_NORMAL, A_NORMAL },
	[R_MISSING] = { COLOR_RED, A_BOLD, A_BOLD },
	[R_MODIFIED] = { COLOR_RED, A_BOLD, A_BOLD },
	[R_GRAPH] = { COLOR_BLUE, A_NORMAL, A_NORMAL },
	[R_KEYWORD] = { COLOR_BLUE, A_BOLD, A_BOLD },
	[R_STRING] = { COLOR_GREEN, A_NORMAL, A_NORMAL },
	[R_COMMENT] = { COLOR_CYAN, A_DIM, A_DIM },
	[R_NUMBER] = { COLOR_MAGENTA, A_NORMAL, A_NORMAL },
	[R_HEADER] = { -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE },
	[R_ERROR] = { COLOR_RED, A_BOLD, A_BOLD },
	[R_GOOD] = { COLOR_GREEN, A_BOLD, A_BOLD },
	[R_UP] = { COLOR_GREEN, A_NORMAL, A_BOLD },
	[R_DOWN] = { COLOR_RED, A_NORMAL, A_BOLD },
	[R_NULL] = { -1, A_DIM | A_ITALIC, A_REVERSE },
};

void
draw_init(bool use_color)
{
	has_color = use_color && has_colors();
	if (!has_color)
		return;
	start_color();
	use_default_colors();
	for (int r = 0; r < R_NROLES; r++)
		init_pair((short)(r + 1), styles[r].fg, -1);
}

bool
draw_locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

attr_t
draw_attr(enum ui_role role)
{
	if ((int)role < 0 || role >= R_NROLES)
		role = R_NORMAL;
	if (!has_color)
		return styles[role].mono;
	return styles[role].attr | (styles[role].fg >= 0 ? COLOR_PAIR(role + 1) : 0);
}

void
draw_box(WINDOW *w, bool is_focused)
{
	attr_t a = is_focused ? (has_color ? COLOR_PAIR(R_PENDING + 1) | A_BOLD : A_BOLD) : A_DIM;

	wattron(w, a);
	box(w, 0, 0);
	wattroff(w, a);
}

void
draw_title(WINDOW *w, const char *title, const char *sub, bool is_focused)
{
	int width = getmaxx(w) - 4;
	char buf[512];
	struct rowbuf rb = { 0 };

	if (width <= 0)
		return;
	snprintf(buf, sizeof(buf), " %s%s%s ", title, sub && *sub ? "  " : "", sub ? sub : "");
	rowbuf_add(&rb, R_NORMAL, buf);
	wattr_set(w, is_focused ? A_BOLD | A_REVERSE : A_BOLD, 0, NULL);
	{
		size_t fit = ui_fit(buf, strlen(buf), width);

		mvwaddnstr(w, 0, 2, buf, (int)fit);
	}
	wattr_set(w, A_NORMAL, 0, NULL);
	rowbuf_free(&rb);
}

void
draw_rowbuf(WINDOW *w, int y, int x, int width, const struct rowbuf *b, enum ui_role base,
	    int cursor)
{
	const char *s = rowbuf_str(b);
	size_t len = b->text.len, i = 0;
	attr_t extra = cursor == 2 ? A_REVERSE : cursor == 1 ? A_UNDERLINE : 0;
	int used = 0, cw;

	wmove(w, y, x);
	while (i < len) {
		size_t n = ui_char_len(s + i, len - i, &cw);
		enum ui_role role = rowbuf_role_at(b, i);
		attr_t a = draw_attr(role == R_NORMAL ? base : role) | extra;

		if (cw < 0 || s[i] == '\t' || (unsigned char)s[i] < 0x20) {
			if (used + 1 > width)
				break;
			wattr_set(w, a, 0, NULL);
			waddch(w, s[i] == '\t' ? ' ' : '?');
			used++;
			i += n;
			continue;
		}
		if (used + cw > width)
			break;
		wattr_set(w, a, 0, NULL);
		waddnstr(w, s + i, (int)n);
		used += cw;
		i += n;
	}
	wattr_set(w, draw_attr(base) | extra, 0, NULL);
	for (; used < width; used++)
		waddch(w, ' ');
	wattr_set(w, A_NORMAL, 0, NULL);
}

void
draw_wrapped(WINDOW *w, int y, int x, int width, int h, const struct rowbuf *b)
{
	const char *s = rowbuf_str(b);
	size_t len = b->text.len, i = 0;
	attr_t a = draw_attr(b->nspans ? b->spans[0].role : R_NORMAL);

	wattr_set(w, a, 0, NULL);
	for (int row = 0; row < h && i < len; row++) {
		size_t fit = ui_fit(s + i, len - i, width), cut = fit;

		if (i + fit < len)
			for (size_t k = fit; k > 0; k--)
				if (s[i + k - 1] == ' ') {
					cut = k;
					break;
				}
		mvwaddnstr(w, y + row, x, s + i, (int)cut);
		i += cut;
		while (i < len && s[i] == ' ')
			i++;
	}
	wattr_set(w, A_NORMAL, 0, NULL);
}

void
draw_scrollbar(WINDOW *w, int y, int x, int h, size_t top, size_t n)
{
	int pos;

	if (n == 0 || h < 2)
		return;
	pos = (int)((double)top / (double)(n > (size_t)h ? n - (size_t)h : 1) * (h - 1));
	if (pos >= h)
		pos = h - 1;
	mvwaddch(w, y + pos, x, ACS_CKBOARD | A_DIM);
}
