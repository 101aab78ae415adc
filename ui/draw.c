/* draw.c - colours (NO_COLOR and --no-color respected), the box and title of
 * a pane, and text clipped by display width. */
#include "config.h"
#include "draw.h"

#include <langinfo.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

static bool has_color;
/* The protected env's name while the session is on one: red frames and the
 * name in every title (a production screen never looks like dev). */
static char protected_env[128];

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
	[R_MATCH] = { COLOR_YELLOW, A_REVERSE | A_BOLD, A_REVERSE | A_BOLD },
	[R_NULL] = { -1, A_DIM | A_ITALIC, A_REVERSE },
	[R_LINE_ERROR] = { COLOR_RED, A_REVERSE | A_BOLD, A_REVERSE | A_BOLD },
	[R_LINE_WARN] = { COLOR_YELLOW, A_REVERSE, A_REVERSE },
	[R_LINE_TRACE] = { COLOR_MAGENTA, A_UNDERLINE | A_BOLD, A_UNDERLINE },
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
draw_set_protected(const char *env)
{
	snprintf(protected_env, sizeof(protected_env), "%s", env ? env : "");
}

void
draw_box(WINDOW *w, bool is_focused)
{
	attr_t a = is_focused ? (has_color ? COLOR_PAIR(R_PENDING + 1) | A_BOLD : A_BOLD) : A_DIM;

	if (protected_env[0])
		a = has_color ? COLOR_PAIR(R_ERROR + 1) | (is_focused ? A_BOLD : A_NORMAL) :
		    is_focused ? A_BOLD : A_NORMAL;
	wattron(w, a);
	box(w, 0, 0);
	wattroff(w, a);
}

void
draw_title(WINDOW *w, const char *title, const char *sub, bool is_focused)
{
	int width = getmaxx(w) - 4;
	struct rowbuf rb = { 0 };
	attr_t head = is_focused ? A_BOLD | A_REVERSE : A_BOLD;
	char buf[512];

	if (width <= 0)
		return;
	/* " title [env] sub ": the env's name right after the title, so a cut
	 * takes the subtitle, never the name */
	snprintf(buf, sizeof(buf), " %s ", title);
	rowbuf_add(&rb, R_NORMAL, buf);
	if (protected_env[0]) {
		snprintf(buf, sizeof(buf), " %s ", protected_env);
		rowbuf_add(&rb, R_ERROR, buf);
	}
	if (sub && *sub) {
		snprintf(buf, sizeof(buf), " %s ", sub);
		rowbuf_add(&rb, R_DIM, buf);
	}
	{
		const char *s = rowbuf_str(&rb);
		size_t len = rb.text.len, fit = ui_fit(s, len, width), i = 0;

		if (fit < len)
			fit = ui_fit(s, len, width - 1);
		wmove(w, 0, 2);
		while (i < fit) {
			enum ui_role role = rowbuf_role_at(&rb, i);
			size_t n = i;

			while (n < fit && rowbuf_role_at(&rb, n) == role)
				n++;
			wattrset(w, (int)(role == R_ERROR ? draw_attr(R_ERROR) | A_REVERSE :
					  role == R_DIM ? (head & ~(attr_t)A_REVERSE) : head));
			waddnstr(w, s + i, (int)(n - i));
			i = n;
		}
		if (fit < len) {
			wattrset(w, (int)head);
			waddstr(w, ui_ellipsis());
		}
	}
	wattrset(w, (int)A_NORMAL);
	rowbuf_free(&rb);
}

/* The columns b takes from byte i on, its trailing blanks left out. */
static int
text_width(const char *s, size_t i, size_t len)
{
	while (len > i && s[len - 1] == ' ')
		len--;
	return ui_width(s + i, len - i);
}

void
draw_rowbuf_from(WINDOW *w, int y, int x, int width, const struct rowbuf *b, enum ui_role base,
		 int cursor, int skip)
{
	const char *s = rowbuf_str(b);
	size_t len = b->text.len, i = 0;
	attr_t extra = cursor == 2 ? A_REVERSE : cursor == 1 ? A_UNDERLINE : 0;
	int used = 0, cw, room = width;

	/* scrolled right: the columns left of skip are not drawn */
	for (int skipped = 0; i < len && skipped < skip;) {
		size_t n = ui_char_len(s + i, len - i, &cw);

		skipped += cw < 0 ? 1 : cw;
		i += n;
	}
	wmove(w, y, x);
	if (skip > 0 && i > 0 && width > 1) {
		wattrset(w, (int)(draw_attr(R_DIM) | extra));
		waddstr(w, ui_ellipsis());
		used = 1;
	}
	/* cut at the right: the last column says so */
	if (text_width(s, i, len) > width - used)
		room = width - 1;
	while (i < len) {
		size_t n = ui_char_len(s + i, len - i, &cw);
		enum ui_role role = rowbuf_role_at(b, i);
		attr_t a = draw_attr(role == R_NORMAL ? base : role) | extra;

		if (cw < 0 || s[i] == '\t' || (unsigned char)s[i] < 0x20) {
			if (used + 1 > room)
				break;
			wattrset(w, (int)a);
			waddch(w, s[i] == '\t' ? ' ' : '?');
			used++;
			i += n;
			continue;
		}
		if (used + cw > room)
			break;
		wattrset(w, (int)a);
		waddnstr(w, s + i, (int)n);
		used += cw;
		i += n;
	}
	if (room < width && used < width) {
		wattrset(w, (int)(draw_attr(R_DIM) | extra));
		waddstr(w, ui_ellipsis());
		used++;
	}
	wattrset(w, (int)(draw_attr(base) | extra));
	for (; used < width; used++)
		waddch(w, ' ');
	wattrset(w, (int)A_NORMAL);
}

void
draw_rowbuf(WINDOW *w, int y, int x, int width, const struct rowbuf *b, enum ui_role base,
	    int cursor)
{
	draw_rowbuf_from(w, y, x, width, b, base, cursor, 0);
}

void
draw_wrapped(WINDOW *w, int y, int x, int width, int h, const struct rowbuf *b)
{
	const char *s = rowbuf_str(b);
	size_t len = b->text.len, i = 0;
	attr_t a = draw_attr(b->nspans ? b->spans[0].role : R_NORMAL);

	wattrset(w, (int)a);
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
	wattrset(w, (int)A_NORMAL);
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
