/* bench.c - "retort ui --bench": times the console headless. The clock starts
 * in a constructor (after the dynamic loader, before main), so first_paint_ms
 * covers the CLI, config, graph, connection, database state, estimates, pane
 * models, layout and the first doupdate(). */
#include "config.h"
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "rt_mem.h"

struct move {
	double total, draw;
	unsigned long lines, screen_lines;
	long bytes;
};

static double t_start, t_ui, t_paint;
static unsigned long full_lines;
static struct move *moves;
static size_t nmoves, cap;
static FILE *tty_out;

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((constructor)) static void
bench_start(void)
{
	t_start = bench_now();
}

int
bench_term_open(FILE **out, FILE **in)
{
	const char *size = getenv("RETORT_BENCH_SIZE");
	const char *term = getenv("TERM");
	int cols = 200, rows = 60;
	char buf[32];

	if (size && sscanf(size, "%dx%d", &cols, &rows) != 2)
		cols = 200, rows = 60;
	snprintf(buf, sizeof(buf), "%d", cols);
	setenv("COLUMNS", buf, 1);
	snprintf(buf, sizeof(buf), "%d", rows);
	setenv("LINES", buf, 1);
	if (!term || !*term || strcmp(term, "dumb") == 0)
		setenv("TERM", "xterm-256color", 1);
	*out = tty_out = tmpfile();
	*in = fopen("/dev/null", "r");
	return *out && *in ? 0 : -1;
}

long
bench_term_bytes(void)
{
	struct stat st;

	if (!tty_out || fstat(fileno(tty_out), &st) < 0)
		return 0;
	return (long)st.st_size;
}

int
bench_moves(void)
{
	const char *s = getenv("RETORT_BENCH_MOVES");
	int n = s ? atoi(s) : 200;

	return n >= 0 ? n : 200;
}

void
bench_ui_entered(void)
{
	t_ui = bench_now();
}

void
bench_first_paint(unsigned long lines)
{
	t_paint = bench_now();
	full_lines = lines;
}

void
bench_move(double total, double draw, unsigned long lines, unsigned long screen_lines, long bytes)
{
	if (nmoves == cap) {
		cap = cap ? cap * 2 : 256;
		moves = rt_xrealloc(moves, cap * sizeof(*moves));
	}
	moves[nmoves++] = (struct move){ total, draw, lines, screen_lines, bytes };
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and maximum of field k (0 total, 1 draw, 2 lines, 3 screen lines, 4 bytes). */
static void
stats(int k, double *med, double *max)
{
	double *v = rt_xcalloc(nmoves ? nmoves : 1, sizeof(*v));

	for (size_t i = 0; i < nmoves; i++) {
		const struct move *m = &moves[i];

		v[i] = k == 0 ? m->total : k == 1 ? m->draw : k == 2 ? (double)m->lines :
		       k == 3 ? (double)m->screen_lines : (double)m->bytes;
	}
	qsort(v, nmoves, sizeof(*v), cmp_double);
	*med = !nmoves ? 0 : nmoves % 2 ? v[nmoves / 2] : (v[nmoves / 2 - 1] + v[nmoves / 2]) / 2;
	*max = nmoves ? v[nmoves - 1] : 0;
	free(v);
}

void
bench_report(int rows, int cols)
{
	struct rusage ru;
	double med, max;

	getrusage(RUSAGE_SELF, &ru);
	printf("screen %dx%d\n", cols, rows);
	printf("startup_ms %.3f\n", (t_ui - t_start) * 1e3);
	printf("first_paint_ms %.3f\n", (t_paint - t_start) * 1e3);
	printf("first_paint_from_ui_ms %.3f\n", (t_paint - t_ui) * 1e3);
	printf("moves %zu\n", nmoves);
	stats(0, &med, &max);
	printf("redraw_ms_median %.3f\nredraw_ms_max %.3f\n", med * 1e3, max * 1e3);
	stats(1, &med, &max);
	printf("draw_only_ms_median %.3f\ndraw_only_ms_max %.3f\n", med * 1e3, max * 1e3);
	stats(2, &med, &max);
	printf("lines_per_redraw %.0f\nlines_per_redraw_max %.0f\n", med, max);
	printf("lines_full_redraw %lu\n", full_lines);
	stats(3, &med, &max);
	printf("screen_lines_changed_median %.0f\nscreen_lines_changed_max %.0f\n", med, max);
	stats(4, &med, &max);
	printf("bytes_per_redraw_median %.0f\nbytes_per_redraw_max %.0f\n", med, max);
	printf("peak_rss_kb %ld\n", ru.ru_maxrss);
	fflush(stdout);
	free(moves);
	moves = NULL;
	nmoves = cap = 0;
}
