/* cli_out.c - what the commands share: CSV and JSON rows for listings (typed
 * cells), the way out of a version-table row no file defines, and driving an
 * engine job to its end with Ctrl-C to cancel. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "rt_csv.h"
#include "rt_db.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_migration.h"
#include "rt_plan.h"

/* Length of the valid UTF-8 sequence at s, or 0 when s does not start one
 * (stray continuation byte, overlong form, surrogate, past U+10FFFF). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string. Table names and messages come from the database and files
 * and may hold any byte: a byte that is not UTF-8 becomes U+FFFD, since a
 * parser rejects the whole document over one bad byte. */
static void
json_string(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', fp);
	while (*s) {
		size_t n = utf8_len(s);

		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if (*s == '\t')
			fputs("\\t", fp);
		else if (*s == '\r')
			fputs("\\r", fp);
		else if (*s < 0x20)
			fprintf(fp, "\\u%04x", *s);
		else if (n == 0)
			fputs("\\ufffd", fp);
		else
			fwrite(s, 1, n, fp);
		s += n ? n : 1;
	}
	fputc('"', fp);
}

void
cli_json_string(FILE *fp, const char *s)
{
	json_string(fp, s ? s : "");
}

struct cli_cell
cli_cell_str(const char *s)
{
	return (struct cli_cell){ .kind = s ? CLI_CELL_STRING : CLI_CELL_NULL, .s = s };
}

struct cli_cell
cli_cell_num(long long n)
{
	return (struct cli_cell){ .kind = CLI_CELL_NUMBER, .n = n };
}

struct cli_cell
cli_cell_bool(bool b)
{
	return (struct cli_cell){ .kind = CLI_CELL_BOOL, .b = b };
}

struct cli_cell
cli_cell_null(void)
{
	return (struct cli_cell){ .kind = CLI_CELL_NULL };
}

static void
json_cell(FILE *fp, const struct cli_cell *cell)
{
	switch (cell->kind) {
	case CLI_CELL_STRING:
		json_string(fp, cell->s);
		break;
	case CLI_CELL_NUMBER:
		fprintf(fp, "%lld", cell->n);
		break;
	case CLI_CELL_BOOL:
		fputs(cell->b ? "true" : "false", fp);
		break;
	default:
		fputs("null", fp);
		break;
	}
}

static void
csv_line(FILE *fp, const char *const *vals, size_t n)
{
	struct rt_buf b = { 0 };

	rt_csv_row(&b, vals, n);
	fputs(rt_buf_str(&b), fp);
	rt_buf_free(&b);
}

void
cli_table_begin(struct cli_table *t, enum cli_format format, const char *const *cols, size_t ncols)
{
	t->format = format;
	t->cols = cols;
	t->ncols = ncols;
	t->nrows = 0;
	t->fp = stdout;
	if (format == CLI_CSV)
		csv_line(t->fp, cols, ncols);
	else if (format == CLI_JSON)
		fputc('[', t->fp);
}

void
cli_table_cells(struct cli_table *t, const struct cli_cell *cells)
{
	if (t->format == CLI_CSV) {
		const char **vals = rt_xcalloc(t->ncols, sizeof(*vals));
		char (*nums)[24] = rt_xcalloc(t->ncols, sizeof(*nums));   /* any long long */

		for (size_t i = 0; i < t->ncols; i++) {
			if (cells[i].kind == CLI_CELL_STRING) {
				vals[i] = cells[i].s;
			} else if (cells[i].kind == CLI_CELL_NUMBER) {
				snprintf(nums[i], sizeof(nums[i]), "%lld", cells[i].n);
				vals[i] = nums[i];
			} else if (cells[i].kind == CLI_CELL_BOOL) {
				vals[i] = cells[i].b ? "true" : "false";
			}
		}
		csv_line(t->fp, vals, t->ncols);
		free(nums);
		free(vals);
	} else if (t->format == CLI_JSON) {
		fputs(t->nrows ? ",\n {" : "\n {", t->fp);
		for (size_t i = 0; i < t->ncols; i++) {
			if (i)
				fputs(", ", t->fp);
			json_string(t->fp, t->cols[i]);
			fputs(": ", t->fp);
			json_cell(t->fp, &cells[i]);
		}
		fputc('}', t->fp);
	}
	t->nrows++;
}

void
cli_table_row(struct cli_table *t, const char *const *vals)
{
	struct cli_cell *cells = rt_xcalloc(t->ncols, sizeof(*cells));

	for (size_t i = 0; i < t->ncols; i++)
		cells[i] = cli_cell_str(vals[i]);
	cli_table_cells(t, cells);
	free(cells);
}

void
cli_table_end(struct cli_table *t)
{
	if (t->format == CLI_JSON)
		fputs(t->nrows ? "\n]\n" : "]\n", t->fp);
}

/* The signal that asked for a cancel (SIGINT, SIGTERM), and how many came. */
static volatile sig_atomic_t cancel_signal, signals_seen;

static void
on_signal(int sig)
{
	if (!cancel_signal)
		cancel_signal = sig;
	signals_seen++;
}

int
cli_cancel_signal(void)
{
	return cancel_signal;
}

bool
cli_is_cancelling(void)
{
	return cancel_signal != 0;
}

int
cli_drive(struct rt_job *job, struct rt_err *err)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct pollfd fds[RT_JOB_MAXFDS];
	sig_atomic_t noted = 0;
	int rc;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (;;) {
		size_t n;

		/* cancel before stepping: a child that died of the same Ctrl-C
		 * must read as a cancel, not as a failure */
		if (cancel_signal && rt_job_cancel(job))
			noted = signals_seen;
		if (signals_seen > noted) {
			/* a second Ctrl-C must not kill us half-way through the rollback */
			fprintf(stderr, "\nretort: already cancelling; waiting for the server to roll "
				"back the revision in progress\n");
			noted = signals_seen;
		}
		if ((rc = rt_job_step(job, err)) != 1)
			break;
		n = rt_job_fds(job, fds, RT_JOB_MAXFDS);
		if (poll(fds, n, RT_JOB_TICK_MS) < 0 && errno != EINTR)
			break;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}

void
cli_progress_end(bool *shown)
{
	if (*shown)
		fprintf(stderr, "\r\033[K");
	*shown = false;
}

void
cli_print_step_start(const struct rt_event *ev)
{
	struct rt_buf safe = { 0 };

	printf("[%zu/%zu] %s %s  %s ... ", ev->i + 1, ev->n,
	       ev->step->is_up ? "upgrade  " : "downgrade", ev->step->rev->id,
	       rt_fmt_safe(&safe, ev->step->rev->message, 0));
	fflush(stdout);
	rt_buf_free(&safe);
}
