/* rowbuf.c - formatted rows and display-width measurement (pure, no curses). */
#include "config.h"
#include "rowbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "rt_fmt.h"
#include "rt_mem.h"

void
rowbuf_reset(struct rowbuf *b)
{
	rt_buf_reset(&b->text);
	b->nspans = 0;
}

void
rowbuf_free(struct rowbuf *b)
{
	rt_buf_free(&b->text);
	free(b->spans);
	b->spans = NULL;
	b->nspans = b->cap = 0;
}

void
rowbuf_addn(struct rowbuf *b, enum ui_role role, const char *s, size_t len)
{
	size_t off = b->text.len;

	if (len == 0)
		return;
	rt_buf_append(&b->text, s, len);
	if (b->nspans && b->spans[b->nspans - 1].role == role &&
	    b->spans[b->nspans - 1].off + b->spans[b->nspans - 1].len == off) {
		b->spans[b->nspans - 1].len += len;
		return;
	}
	if (b->nspans == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->spans = rt_xreallocarray(b->spans, b->cap, sizeof(*b->spans));
	}
	b->spans[b->nspans++] = (struct rb_span){ off, len, role };
}

void
rowbuf_add(struct rowbuf *b, enum ui_role role, const char *s)
{
	rowbuf_addn(b, role, s, strlen(s));
}

void
rowbuf_addf(struct rowbuf *b, enum ui_role role, const char *fmt, ...)
{
	char small[256], *s = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		s = rt_xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rowbuf_addn(b, role, s, (size_t)n);
	if (s != small)
		free(s);
}

static bool ellipsis_ascii;

void
rowbuf_set_ascii(bool ascii)
{
	ellipsis_ascii = ascii;
}

const char *
ui_ellipsis(void)
{
	return ellipsis_ascii ? "~" : "\u2026";
}

void
rowbuf_addw(struct rowbuf *b, enum ui_role role, const char *s, int width)
{
	size_t len = strlen(s), fit = ui_fit(s, len, width);
	int w = ui_width(s, fit);

	if (fit < len && width > 0) {
		/* cut: the last column says so */
		fit = ui_fit(s, len, width - 1);
		w = ui_width(s, fit) + 1;
		rowbuf_addn(b, role, s, fit);
		rowbuf_add(b, R_DIM, ui_ellipsis());
	} else {
		rowbuf_addn(b, role, s, fit);
	}
	for (; w < width; w++)
		rowbuf_addn(b, role, " ", 1);
}

void
rowbuf_highlight(struct rowbuf *b, const char *needle)
{
	const char *text = rt_buf_str(&b->text), *hit;
	size_t nlen = needle ? strlen(needle) : 0;
	struct rowbuf out = { 0 };
	size_t at = 0;

	if (!nlen || !(hit = strcasestr(text, needle)))
		return;
	/* rebuilt: the text before each hit in its own roles, the hit as R_MATCH */
	while (at < b->text.len) {
		size_t end = hit ? (size_t)(hit - text) : b->text.len;

		while (at < end) {
			enum ui_role role = rowbuf_role_at(b, at);
			size_t n = at;

			while (n < end && rowbuf_role_at(b, n) == role)
				n++;
			rowbuf_addn(&out, role, text + at, n - at);
			at = n;
		}
		if (!hit)
			break;
		rowbuf_addn(&out, R_MATCH, hit, nlen);
		at += nlen;
		hit = strcasestr(text + at, needle);
	}
	rowbuf_free(b);
	*b = out;
}

enum ui_role
rowbuf_role_at(const struct rowbuf *b, size_t off)
{
	for (size_t i = 0; i < b->nspans; i++)
		if (off >= b->spans[i].off && off < b->spans[i].off + b->spans[i].len)
			return b->spans[i].role;
	return R_NORMAL;
}

const char *
rowbuf_str(const struct rowbuf *b)
{
	return rt_buf_str(&b->text);
}

size_t
ui_char_len(const char *s, size_t len, int *width)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;

	/* controls, bidi overrides and isolates are drawn as '?' like the CLI
	 * prints them (wcwidth says 0 for the bidi ones, which would pass them) */
	if ((n = rt_fmt_control_at(s, len, NULL)) > 0) {
		*width = -1;
		return n;
	}
	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, len, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*width = -1;
		return 1;
	}
	*width = wcwidth(wc);
	return n;
}

/* One character at s: its byte length (>= 1) and its width as drawn: an
 * invalid or non-printable one is drawn as '?', one column. */
static size_t
next_char(const char *s, size_t len, int *width)
{
	size_t n = ui_char_len(s, len, width);

	if (*width < 0)
		*width = 1;
	return n;
}

int
ui_width(const char *s, size_t len)
{
	int total = 0, w;

	for (size_t i = 0; i < len;) {
		i += next_char(s + i, len - i, &w);
		total += w;
	}
	return total;
}

size_t
ui_fit(const char *s, size_t len, int width)
{
	size_t i = 0, n;
	int used = 0, w;

	while (i < len) {
		n = next_char(s + i, len - i, &w);
		if (used + w > width)
			break;
		used += w;
		i += n;
	}
	return i;
}
