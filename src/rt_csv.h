/* rt_csv.h - CSV rows (RFC 4180 quoting through libcsv). */
#ifndef RT_CSV_H
#define RT_CSV_H

#include <stddef.h>

struct rt_buf;

/* Appends one CSV record of n fields (NULL = empty) and a newline to out. */
void rt_csv_row(struct rt_buf *out, const char *const *vals, size_t n);

#endif
