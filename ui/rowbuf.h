/* rowbuf.h - one formatted row: UTF-8 text plus attribute spans, with no curses.
 * Pane format functions fill it; draw.c turns roles into curses attributes. */
#ifndef UI_ROWBUF_H
#define UI_ROWBUF_H

#include <stddef.h>

#include "rt_mem.h"

/* What a piece of text is; draw.c maps each role to colours and attributes. */
enum ui_role {
	R_NORMAL,
	R_DIM,
	R_ID,
	R_DATE,
	R_LABEL,
	R_CURRENT,
	R_APPLIED,
	R_PENDING,
	R_MISSING,
	R_MODIFIED,
	R_GRAPH,
	R_KEYWORD,
	R_STRING,
	R_COMMENT,
	R_NUMBER,
	R_HEADER,
	R_ERROR,
	R_GOOD,
	R_UP,
	R_DOWN,
	R_MATCH,      /* a search match */
	R_NULL,         /* SQL NULL in the table viewer: dim italic, reverse without colour */
	R_LINE_ERROR,   /* a SQL line a lint error points at (the whole line) */
	R_LINE_WARN,    /* ... a warning */
	R_LINE_TRACE,   /* ... a traced lock or rewrite */
	R_NROLES
};

struct rb_span {
	size_t off, len;      /* bytes into text */
	enum ui_role role;
};

struct rowbuf {
	struct rt_buf text;
	struct rb_span *spans;
	size_t nspans, cap;
};

/* Empties b, keeping its memory. */
void rowbuf_reset(struct rowbuf *b);
void rowbuf_free(struct rowbuf *b);
/* Draws every case-insensitive occurrence of needle in b as R_MATCH. */
void rowbuf_highlight(struct rowbuf *b, const char *needle);
/* Appends len bytes of s drawn as role (adjacent spans of one role merge). */
void rowbuf_addn(struct rowbuf *b, enum ui_role role, const char *s, size_t len);
void rowbuf_add(struct rowbuf *b, enum ui_role role, const char *s);
void rowbuf_addf(struct rowbuf *b, enum ui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends s padded with spaces (or cut) to exactly width display columns. */
void rowbuf_addw(struct rowbuf *b, enum ui_role role, const char *s, int width);
/* The role of the byte at off (R_NORMAL outside every span). */
enum ui_role rowbuf_role_at(const struct rowbuf *b, size_t off);
const char *rowbuf_str(const struct rowbuf *b);

/* Display columns of the first len bytes of s (invalid bytes count as one). */
/* Decodes one character at s (len bytes available): its byte length (>= 1)
 * and wcwidth (-1 for an invalid or non-printable character). */
size_t ui_char_len(const char *s, size_t len, int *width);

int ui_width(const char *s, size_t len);
/* Bytes of s that fit in width columns (never splitting a character). */
size_t ui_fit(const char *s, size_t len, int width);
/* The mark of a cut: "…", or "~" on a terminal that is not UTF-8
 * (rowbuf_set_ascii, once at start). */
const char *ui_ellipsis(void);
void rowbuf_set_ascii(bool ascii);

#endif
