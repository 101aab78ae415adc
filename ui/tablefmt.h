/* tablefmt.h - the table viewer's pure formatting (no curses): cells cut to
 * a width with an ellipsis, SQL NULL as its own role, the "/" filter line,
 * JSON laid out over lines, text wrapped for the row detail. */
#ifndef UI_TABLEFMT_H
#define UI_TABLEFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "rowbuf.h"
#include "rt_mem.h"

/* The widest a column of the grid gets, in display columns. */
#define TABLE_CELL_MAX 40

/* Appends val as one grid cell of exactly width display columns: NULL (SQL
 * NULL) as "NULL" in role R_NULL; line breaks and tabs as one visible mark
 * each ("\u21b5" / " " when not is_utf8); a value wider than width cut with
 * "\u2026" ("~" when not is_utf8); the empty string as blanks. */
void table_cell(struct rowbuf *out, const char *val, int width, bool is_utf8);

/* The display width table_cell needs for val to show whole (4 for NULL). */
int table_cell_width(const char *val);

/* Parses the "/" line: "column=value" (blanks around the column and the
 * value dropped; a value in '...' or "..." kept as written, so '' is the
 * empty string) or "column is null" (any case). Returns 1 with *col and
 * *val new strings (*val NULL for IS NULL), 0 for an empty line (clear the
 * filter), -1 when it is neither (no '=', no column). */
int table_parse_filter(const char *line, char **col, char **val);

/* Appends s to lines laid out as JSON: one member or element a line,
 * indented by two spaces a level. Text that does not start with '{' or '['
 * is appended as it is. */
void table_json_lines(const char *s, struct rt_strv *lines);

/* Appends s to lines cut at line breaks and wrapped to width display
 * columns (width >= 1). */
void table_wrap(const char *s, int width, struct rt_strv *lines);

#endif
