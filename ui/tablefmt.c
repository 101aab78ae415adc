/* tablefmt.c - the table viewer's pure formatting: grid cells, the filter
 * line, JSON over lines and wrapped text for the row detail. */
#include "config.h"
#include "tablefmt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rt_mem.h"

/* val on one line: line breaks as one mark, tabs as a blank. New string. */
static char *
flatten(const char *val, bool is_utf8)
{
	struct rt_buf b = { 0 };

	rt_buf_puts(&b, "");
	for (const char *s = val; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\n' || *s == '\r')
			rt_buf_puts(&b, is_utf8 ? "\u21b5" : " ");
		else if (*s == '\t')
			rt_buf_putc(&b, ' ');
		else
			rt_buf_putc(&b, *s);
	}
	return rt_buf_take(&b);
}

void
table_cell(struct rowbuf *out, const char *val, int width, bool is_utf8)
{
	char *flat;
	size_t len, fit;
	int w;

	if (width <= 0)
		return;
	if (!val) {
		size_t n = ui_fit("NULL", 4, width);

		rowbuf_addn(out, R_NULL, "NULL", n);
		for (w = (int)n; w < width; w++)
			rowbuf_addn(out, R_NORMAL, " ", 1);
		return;
	}
	flat = flatten(val, is_utf8);
	len = strlen(flat);
	if (ui_width(flat, len) <= width) {
		rowbuf_addw(out, R_NORMAL, flat, width);
	} else {
		fit = ui_fit(flat, len, width - 1);
		rowbuf_addn(out, R_NORMAL, flat, fit);
		w = ui_width(flat, fit);
		rowbuf_add(out, R_DIM, is_utf8 ? "\u2026" : "~");
		for (w++; w < width; w++)
			rowbuf_addn(out, R_NORMAL, " ", 1);
	}
	free(flat);
}

int
table_cell_width(const char *val)
{
	int w = 0, cw;
	size_t len, n;

	if (!val)
		return 4;
	len = strlen(val);
	/* each line break is one mark; stop counting past the cap */
	for (size_t i = 0; i < len && w <= TABLE_CELL_MAX; i += n) {
		n = ui_char_len(val + i, len - i, &cw);
		w += cw < 0 ? 1 : cw;
	}
	return w;
}

static char *
trimmed(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return rt_xstrndup(s, len);
}

int
table_parse_filter(const char *line, char **col, char **val)
{
	const char *eq;
	char *all = trimmed(line, strlen(line)), *v;
	size_t n = strlen(all);

	*col = *val = NULL;
	if (n == 0) {
		free(all);
		return 0;
	}
	if (n > 8 && strcasecmp(all + n - 8, " is null") == 0) {
		*col = trimmed(all, n - 8);
		free(all);
		if (!**col) {
			free(*col);
			*col = NULL;
			return -1;
		}
		return 1;
	}
	eq = strchr(all, '=');
	if (!eq || eq == all) {
		free(all);
		return -1;
	}
	*col = trimmed(all, (size_t)(eq - all));
	v = trimmed(eq + 1, strlen(eq + 1));
	n = strlen(v);
	if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
	*val = v;
	free(all);
	if (!**col) {
		free(*col);
		free(*val);
		*col = *val = NULL;
		return -1;
	}
	return 1;
}

static void
json_newline(struct rt_buf *b, struct rt_strv *lines, int depth)
{
	rt_strv_push_take(lines, rt_buf_take(b));
	for (int i = 0; i < depth; i++)
		rt_buf_puts(b, "  ");
}

void
table_json_lines(const char *s, struct rt_strv *lines)
{
	struct rt_buf b = { 0 };
	int depth = 0;
	bool in_str = false;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s != '{' && *s != '[') {
		table_wrap(s, 1 << 20, lines);
		return;
	}
	for (; *s; s++) {
		char c = *s;

		if (in_str) {
			rt_buf_putc(&b, c);
			if (c == '\\' && s[1])
				rt_buf_putc(&b, *++s);
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			rt_buf_putc(&b, c);
			break;
		case '{': case '[': {
			const char *t = s + 1;

			while (*t && isspace((unsigned char)*t))
				t++;
			rt_buf_putc(&b, c);
			if (*t == (c == '{' ? '}' : ']')) {   /* empty: {} or [] */
				rt_buf_putc(&b, *t);
				s = t;
				break;
			}
			json_newline(&b, lines, ++depth);
			break;
		}
		case '}': case ']':
			json_newline(&b, lines, depth > 0 ? --depth : 0);
			rt_buf_putc(&b, c);
			break;
		case ',':
			rt_buf_putc(&b, c);
			json_newline(&b, lines, depth);
			break;
		case ':':
			rt_buf_puts(&b, ": ");
			break;
		default:
			if (!isspace((unsigned char)c))
				rt_buf_putc(&b, c);
		}
	}
	if (b.len)
		rt_strv_push_take(lines, rt_buf_take(&b));
	rt_buf_free(&b);
}

void
table_wrap(const char *s, int width, struct rt_strv *lines)
{
	if (width < 1)
		width = 1;
	do {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (len && s[len - 1] == '\r')
			len--;
		if (len == 0)
			rt_strv_push(lines, "");
		for (size_t i = 0; i < len;) {
			size_t fit = ui_fit(s + i, len - i, width);

			if (fit == 0)   /* a character wider than width */
				fit = 1;
			rt_strv_push_take(lines, rt_xstrndup(s + i, fit));
			i += fit;
		}
		s = nl ? nl + 1 : s + len;
		if (!nl)
			break;
	} while (1);
}
