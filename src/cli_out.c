/* cli_out.c - what the commands share: CSV and JSON rows for listings, and
 * driving an engine job to its end with Ctrl-C to cancel. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "rt_csv.h"
#include "rt_job.h"

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

/* The older callback shape (backup, restore, counts), seen as a job. */
static size_t
legacy_fds(void *impl, struct pollfd *fds, size_t max)
{
	const struct cli_job *j = impl;
	int raw[2];
	size_t n = j->fds(j->job, raw);

	for (size_t i = 0; i < n && i < max; i++)
		fds[i] = (struct pollfd){ raw[i], POLLIN, 0 };
	return n < max ? n : max;
}

static int
legacy_step(void *impl, struct rt_err *err)
{
	const struct cli_job *j = impl;

	return j->step(j->job, err);
}

static void
legacy_cancel(void *impl)
{
	const struct cli_job *j = impl;

	j->cancel(j->job);
}

static const struct rt_job_ops legacy_ops = {
	.name = "job", .fds = legacy_fds, .step = legacy_step, .cancel = legacy_cancel,
};

int
cli_run_job(const struct cli_job *j, struct rt_err *err)
{
	struct rt_job *job = rt_job_new(&legacy_ops, (void *)j);
	int rc = cli_drive(job, err);

	/* legacy_ops has no free: the caller still owns j->job */
	rt_job_free(job);
	return rc == 1 ? -1 : rc;
}
