/* jobs.c - the list of running jobs the loop polls and steps, and their
 * completion callbacks. */
#include "config.h"
#include "jobs.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "rt_backup.h"
#include "rt_counts.h"
#include "rt_err.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "ui.h"

struct rt_count_job *
ui_count_job_of(const struct ui_job *j)
{
	return j ? rt_count_job_of(j->job) : NULL;
}

struct rt_backup_job *
ui_backup_job_of(const struct ui_job *j)
{
	return j ? rt_backup_job_of(j->job) : NULL;
}

/* ---- the list -------------------------------------------------------------------- */

/* The job first: it may borrow what ctx owns (an operation), and an
 * unfinished one still reports events while it is stopped. */
static void
release(struct ui_job *j)
{
	rt_job_free(j->job);
	if (j->cbs && j->cbs->release)
		j->cbs->release(j->ctx);
	free(j);
}

struct ui_job *
ui_job_add(struct ui *ui, enum ui_job_kind kind, struct rt_job *job, const struct ui_job_cbs *cbs,
	   void *ctx)
{
	struct ui_job *j = rt_xcalloc(1, sizeof(*j));

	j->kind = kind;
	j->job = job;
	j->cbs = cbs;
	j->ctx = ctx;
	if (ui_job_find(ui, kind) || ui->njobs == UI_MAXJOBS) {
		ui_log("job %s refused: one runs already", rt_job_name(job));
		release(j);
		return NULL;
	}
	ui->jobs[ui->njobs++] = j;
	ui_log("job %s started", rt_job_name(job));
	return j;
}

struct ui_job *
ui_job_find(const struct ui *ui, enum ui_job_kind kind)
{
	for (size_t i = 0; i < ui->njobs; i++)
		if (ui->jobs[i]->kind == kind)
			return ui->jobs[i];
	return NULL;
}

bool
ui_session_in_use(const struct ui *ui)
{
	for (size_t i = 0; i < ui->njobs; i++)
		if (ui->jobs[i]->kind != UI_JOB_COUNT)
			return true;
	return false;
}

size_t
ui_jobs_fds(const struct ui *ui, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ui->njobs && n + RT_JOB_MAXFDS <= max; i++)
		n += rt_job_fds(ui->jobs[i]->job, fds + n, max - n);
	return n;
}

/* Takes j off the list; false when it is not on it (any more). */
static bool
unlink_job(struct ui *ui, struct ui_job *j)
{
	for (size_t i = 0; i < ui->njobs; i++)
		if (ui->jobs[i] == j) {
			memmove(&ui->jobs[i], &ui->jobs[i + 1], (ui->njobs - i - 1) * sizeof(*ui->jobs));
			ui->njobs--;
			return true;
		}
	return false;
}

static bool
is_listed(const struct ui *ui, const struct ui_job *j)
{
	for (size_t i = 0; i < ui->njobs; i++)
		if (ui->jobs[i] == j)
			return true;
	return false;
}

void
ui_jobs_step(struct ui *ui)
{
	struct ui_job *snap[UI_MAXJOBS];
	size_t n = ui->njobs;

	/* a callback may add or drop jobs: step the ones there were, if still there */
	memcpy(snap, ui->jobs, n * sizeof(*snap));
	for (size_t i = 0; i < n; i++) {
		struct ui_job *j = snap[i];
		struct rt_err err = { 0 };
		int rc;

		if (!is_listed(ui, j))
			continue;
		rc = rt_job_step(j->job, &err);
		if (rc == 1) {
			if (j->cbs && j->cbs->on_tick)
				j->cbs->on_tick(ui, j);
			continue;
		}
		unlink_job(ui, j);
		ui_log("job %s ended: %d %s", rt_job_name(j->job), rc, rc < 0 ? err.msg : "");
		if (j->cbs && j->cbs->on_done)
			j->cbs->on_done(ui, j, rc, &err);
		release(j);
		if (ui->reload_pending && !ui_session_in_use(ui))
			ui_reload(ui, false);
	}
}

void
ui_job_cancel(struct ui_job *j)
{
	if (j && rt_job_cancel(j->job))
		ui_log("job %s: cancel asked", rt_job_name(j->job));
}

void
ui_job_drop(struct ui *ui, struct ui_job *j)
{
	if (!j || !unlink_job(ui, j))
		return;
	ui_log("job %s dropped", rt_job_name(j->job));
	release(j);
}

void
ui_jobs_free(struct ui *ui)
{
	while (ui->njobs)
		ui_job_drop(ui, ui->jobs[ui->njobs - 1]);
}

const char *
ui_busy(const struct ui *ui)
{
	if (ui_job_find(ui, UI_JOB_MIGRATE))
		return "a migration is running (Esc cancels it)";
	if (ui_job_find(ui, UI_JOB_BACKUP))
		return "a backup is running (Esc cancels it)";
	if (ui_job_find(ui, UI_JOB_RESTORE))
		return "a restore is running (Esc cancels it)";
	if (ui_job_find(ui, UI_JOB_SEED))
		return "a seed is running (Esc cancels it)";
	if (ui_job_find(ui, UI_JOB_VERIFY))
		return "a verify or check is running (Esc cancels it)";
	if (ui_job_find(ui, UI_JOB_PREFLIGHT))
		return "a preflight is running (Esc cancels it)";
	if (ui_job_find(ui, UI_JOB_TRACE))
		return "a trace is running (Esc cancels it)";
	if (ui_job_find(ui, UI_JOB_AUTOGEN))
		return "a :migrate is running (Esc cancels it)";
	return NULL;
}

bool
ui_jobs_cancel_background(struct ui *ui)
{
	static const enum ui_job_kind order[] = { UI_JOB_PREFLIGHT, UI_JOB_BACKUP, UI_JOB_RESTORE,
						  UI_JOB_SEED, UI_JOB_VERIFY, UI_JOB_TRACE,
						  UI_JOB_AUTOGEN, UI_JOB_COUNT };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct ui_job *j = ui_job_find(ui, order[i]);

		if (j) {
			ui_job_cancel(j);
			if (order[i] != UI_JOB_COUNT)
				ui_msg(ui, R_NORMAL, "cancelling the %s ...", rt_job_name(j->job));
			return true;
		}
	}
	return false;
}
