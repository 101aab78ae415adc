/* graphrow.h - lays out the revision graph one text row per revision, newest
 * first, as `git log --graph` does (pure; no curses, no engine). */
#ifndef UI_GRAPHROW_H
#define UI_GRAPHROW_H

#include <stdbool.h>
#include <stddef.h>

/* Lanes carried from one row to the next. Zero-initialise; free with graph_state_free. */
struct graph_state {
	long *lane;     /* the row each lane waits for, -1 when free */
	size_t n, cap;
};

/* Lays out row (whose parents are the rows in parents, all > row) and returns a
 * new string owned by the caller in an abstract alphabet, two cells per lane:
 * 'c' the revision, '|' a lane passing by, '-' a horizontal link, 'J' a lane
 * ending in a join into the revision (git's "/"), 'j' the same with the link
 * going on, 'T' a new lane for a merge's further parent (git's "\"), 't' the
 * same with the link going on, 'X' a link crossing a lane. Trailing blanks
 * are trimmed. */
char *graph_row_step(struct graph_state *st, size_t row, const size_t *parents, size_t nparents);

void graph_state_free(struct graph_state *st);

/* The glyph for one abstract cell: box drawing in UTF-8 or ASCII; 'c' gives commit. */
const char *graph_glyph(char cell, bool is_utf8, const char *commit);

#endif
