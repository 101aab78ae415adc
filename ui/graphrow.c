/* graphrow.c - one-line-per-revision graph lanes, as tig and git log --graph
 * draw them: each lane waits for a row; a revision with several children
 * closes the extra lanes into its own, a merge opens lanes for its parents. */
#include "config.h"
#include "graphrow.h"

#include <stdlib.h>
#include <string.h>

#include "rt_mem.h"

static size_t
lane_alloc(struct graph_state *st, size_t from, const char *busy, size_t nbusy)
{
	size_t k;

	for (k = from; k < st->n; k++)
		if (st->lane[k] < 0 && (k >= nbusy || busy[k] == ' '))
			return k;
	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 8;
		st->lane = rt_xreallocarray(st->lane, st->cap, sizeof(*st->lane));
	}
	st->lane[st->n] = -1;
	return st->n++;
}

char *
graph_row_step(struct graph_state *st, size_t row, const size_t *parents, size_t nparents)
{
	size_t c = (size_t)-1, k, ncell, maxconn = 0;
	char *cell, *out, *o;

	for (k = 0; k < st->n; k++)
		if (st->lane[k] == (long)row) {
			c = k;
			break;
		}
	if (c == (size_t)-1) {
		c = lane_alloc(st, 0, NULL, 0);
		st->lane[c] = (long)row;
	}
	ncell = st->n + nparents;
	cell = rt_xmalloc(ncell + 1);
	memset(cell, ' ', ncell);
	for (k = 0; k < st->n; k++) {
		if (st->lane[k] == (long)row) {
			cell[k] = k == c ? 'c' : 'J';
			if (k != c) {
				st->lane[k] = -1;
				maxconn = k;
			}
		} else if (st->lane[k] >= 0) {
			cell[k] = '|';
		}
	}
	st->lane[c] = nparents ? (long)parents[0] : -1;
	for (size_t p = 1; p < nparents; p++) {
		k = lane_alloc(st, c + 1, cell, ncell);
		st->lane[k] = (long)parents[p];
		cell[k] = 'T';
		if (k > maxconn)
			maxconn = k;
	}
	for (k = c + 1; k < maxconn; k++)
		cell[k] = cell[k] == '|' ? 'X' : cell[k] == ' ' ? '-' : cell[k] == 'J' ? 'j' :
			  cell[k] == 'T' ? 't' : cell[k];
	ncell = 0;
	for (k = 0; k < st->n; k++)
		if (cell[k] != ' ')
			ncell = k + 1;
	o = out = rt_xmalloc(2 * ncell + 1);
	for (k = 0; k < ncell; k++) {
		*o++ = cell[k];
		if (k + 1 < ncell)
			*o++ = maxconn && k >= c && k < maxconn ? '-' : ' ';
	}
	*o = '\0';
	while (st->n && st->lane[st->n - 1] < 0)
		st->n--;
	free(cell);
	return out;
}

void
graph_state_free(struct graph_state *st)
{
	free(st->lane);
	memset(st, 0, sizeof(*st));
}

const char *
graph_glyph(char cell, bool is_utf8, const char *commit)
{
	switch (cell) {
	case 'c': return commit;
	case '|': return is_utf8 ? "\u2502" : "|";
	case '-': return is_utf8 ? "\u2500" : "-";
	case 'J': return is_utf8 ? "\u2518" : "/";
	case 'j': return is_utf8 ? "\u2534" : "/";
	case 'T': return is_utf8 ? "\u2510" : "\\";
	case 't': return is_utf8 ? "\u252c" : "\\";
	case 'X': return is_utf8 ? "\u253c" : "+";
	default: return " ";
	}
}
