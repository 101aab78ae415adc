/* csvout.c - CSV records written with libcsv's quoting. */
#include "config.h"
#include "rt_csv.h"

#include <csv.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rt_mem.h"

void
rt_csv_row(struct rt_buf *out, const char *const *vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = vals[i] ? vals[i] : "";
		size_t len = strlen(v);
		/* csv_write needs at most 2 * len + 2 bytes */
		char *tmp = rt_xmalloc(2 * len + 3);
		size_t w = csv_write(tmp, 2 * len + 2, v, len);

		if (i)
			rt_buf_putc(out, ',');
		/* quote only fields that need it, as most CSV writers do */
		if (strpbrk(v, ",\"\r\n") || (len && (isspace((unsigned char)v[0]) ||
							 isspace((unsigned char)v[len - 1]))))
			rt_buf_append(out, tmp, w);
		else
			rt_buf_append(out, v, len);
		free(tmp);
	}
	rt_buf_putc(out, '\n');
}
