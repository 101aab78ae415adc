/* fuzz_csv.c - libFuzzer target for CSV output (rt_csv_row): the input's
 * NUL-separated pieces are the fields of one record; the record written by
 * rt_csv_row must parse back with libcsv (csv_parse, strict) into exactly
 * the same fields. */
#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_csv.h"
#include "rt_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXF 64

struct got {
	char *f[MAXF];
	size_t len[MAXF];
	size_t nf;
	size_t nrec;
	int overflow;
};

static void
on_field(void *s, size_t len, void *ctx)
{
	struct got *g = ctx;

	if (g->nf == MAXF) {
		g->overflow = 1;
		return;
	}
	g->f[g->nf] = malloc(len + 1);
	memcpy(g->f[g->nf], s ? s : "", len);
	g->f[g->nf][len] = '\0';
	g->len[g->nf++] = len;
}

static void
on_record(int c, void *ctx)
{
	(void)c;
	((struct got *)ctx)->nrec++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *vals[MAXF];
	char *copy = malloc(size + 1);
	struct rt_buf out = { 0 };
	struct got g = { 0 };
	struct csv_parser p;
	size_t n = 0, start = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i <= size && n < MAXF; i++)
		if (i == size || copy[i] == '\0') {
			vals[n++] = copy + start;
			start = i + 1;
		}
	rt_csv_row(&out, vals, n);

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		abort();
	if (csv_parse(&p, out.data, out.len, on_field, on_record, &g) != out.len ||
	    csv_fini(&p, on_field, on_record, &g) != 0) {
		fprintf(stderr, "libcsv rejected rt_csv_row output: %s\n[%s]\n",
			csv_strerror(csv_error(&p)), rt_buf_str(&out));
		abort();
	}
	/* one empty field writes an empty line, which CSV cannot tell from no record */
	if (!(n == 1 && vals[0][0] == '\0' && g.nrec == 0)) {
		if (g.nrec != 1 || g.nf != n) {
			fprintf(stderr, "round trip: %zu fields in, %zu fields / %zu records out\n[%s]\n",
				n, g.nf, g.nrec, rt_buf_str(&out));
			abort();
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(g.f[i], vals[i]) != 0) {
				fprintf(stderr, "round trip: field %zu [%s] came back as [%s]\n",
					i, vals[i], g.f[i]);
				abort();
			}
	}
	csv_free(&p);
	for (size_t i = 0; i < g.nf; i++)
		free(g.f[i]);
	rt_buf_free(&out);
	free(copy);
	return 0;
}
