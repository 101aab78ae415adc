/* panes.h - the four panes' operations tables and their pane-specific helpers. */
#ifndef UI_PANES_H
#define UI_PANES_H

#include <stdbool.h>
#include <stddef.h>

struct pane;
struct pane_ops;

extern const struct pane_ops pane_history_ops;
extern const struct pane_ops pane_pending_ops;
extern const struct pane_ops pane_sql_ops;
extern const struct pane_ops pane_tables_ops;

/* Where a search landed: the nth of total matching rows, and whether it went
 * past the end (or the start) to get there. */
struct pane_find {
	size_t nth, total;
	bool wrapped;
};

/* Moves the History cursor to the next (dir > 0) or previous row matching
 * needle (case-insensitive, in the row's id, date, labels and message, and in
 * its revision's SQL), wrapping; res says where. False when nothing matches. */
bool pane_history_find(struct pane *p, const char *needle, int dir, struct pane_find *res);

/* The node of the History row, or -1 for a row no file defines. */
long pane_history_node(const struct pane *p, size_t row);

/* Puts the History cursor on node (no-op when absent). */
void pane_history_goto(struct pane *p, long node);

/* The table under the Tables cursor (false when none, or it was dropped):
 * *schema and *name borrowed until the pane reloads. */
bool pane_tables_at(const struct pane *p, const char **schema, const char **name);

/* The revision the SQL pane shows a section of (borrowed until it reloads),
 * *up for its upgrade; NULL for the whole plan, findings or nothing. */
struct rt_rev;
const struct rt_rev *pane_sql_shown(const struct pane *p, bool *up);

/* Human sizes: "12 kB". */

#endif
