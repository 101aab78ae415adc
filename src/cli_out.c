/* cli_out.c - what the commands share: CSV and JSON rows for listings, and
 * driving an engine job to its end with Ctrl-C to cancel. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>

#include <stdlib.h>
#include <string.h>

#include "rt_csv.h"

static void
json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", fp);
		else if (ch == '\t')
			fputs("\\t", fp);
		else if (ch == '\r')
			fputs("\\r", fp);
		else if (ch < 0x20)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

/* JSON value: true/false/null and numbers unquoted, everything else a string. */
static void
json_value(FILE *fp, const char *s)
{
	if (!s) {
		fputs("null", fp);
		return;
	}
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		fputs(s, fp);
		return;
	}
	json_string(fp, s);
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
cli_table_row(struct cli_table *t, const char *const *vals)
{
	if (t->format == CLI_CSV) {
		csv_line(t->fp, vals, t->ncols);
	} else if (t->format == CLI_JSON) {
		fputs(t->nrows ? ",\n {" : "\n {", t->fp);
		for (size_t i = 0; i < t->ncols; i++) {
			if (i)
				fputs(", ", t->fp);
			json_string(t->fp, t->cols[i]);
			fputs(": ", t->fp);
			json_value(t->fp, vals[i]);
		}
		fputc('}', t->fp);
	}
	t->nrows++;
}

void
cli_table_end(struct cli_table *t)
{
	if (t->format == CLI_JSON)
		fputs(t->nrows ? "\n]\n" : "]\n", t->fp);
}

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
cli_run_job(const struct cli_job *j, struct rt_err *err)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, old;
	bool told = false;
	int rc = 1;

	interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	while (rc == 1) {
		struct pollfd pfd[2];
		int fds[2];
		size_t n = j->fds(j->job, fds);

		for (size_t i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ fds[i], POLLIN, 0 };
		if (interrupted && !told) {
			j->cancel(j->job);
			told = true;
		}
		if (poll(pfd, n, 100) < 0 && errno != EINTR)
			break;
		rc = j->step(j->job, err);
	}
	sigaction(SIGINT, &old, NULL);
	return rc;
}
