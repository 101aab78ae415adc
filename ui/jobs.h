/* jobs.h - the console's list of running jobs (rt_job.h): the loop polls
 * their descriptors with the tty, steps every job after each poll and runs
 * a job's completion callback when it ends. Also small adapters that give
 * the engine's older job types (counts, backup) the rt_job shape. */
#ifndef UI_JOBS_H
#define UI_JOBS_H

#include <stdbool.h>
#include <stddef.h>

struct pollfd;
struct rt_backup_job;
struct rt_count_job;
struct rt_counts;
struct rt_err;
struct rt_job;
struct ui;

/* What a job is for: one of each runs at a time. */
enum ui_job_kind {
	UI_JOB_COUNT,      /* exact row counts, in the background */
	UI_JOB_BACKUP,
	UI_JOB_RESTORE,
	UI_JOB_MIGRATE,    /* upgrade, downgrade, stamp */
	UI_JOB_ROWS,       /* a page of the table viewer (dlg_table.c) */
	UI_JOB_SEED,       /* S: loading the seed files (seed.c) */
	UI_JOB_VERIFY,     /* v, V: verify or check (verify.c) */
	UI_JOB_PREFLIGHT,  /* the preflight before a migration's confirmation (migrate.c) */
	UI_JOB_TRACE,      /* T: tracing a revision in a shadow database (verify.c) */
	UI_JOB_AUTOGEN,    /* :migrate: a revision generated from the declared schema (autogen.c) */
};

#define UI_MAXJOBS 6

struct ui_job;

/* The job ended: rc 0, or -1 with err (RT_ERR_CANCEL after a cancel). j is
 * off the list already but still valid (its results can be read). */
typedef void (*ui_job_done_fn)(struct ui *ui, struct ui_job *j, int rc, const struct rt_err *err);
/* A step ran and the job goes on (progress). */
typedef void (*ui_job_tick_fn)(struct ui *ui, struct ui_job *j);
/* Frees ctx: after on_done, or when the job is dropped without ending. */
typedef void (*ui_job_release_fn)(void *ctx);

struct ui_job_cbs {
	ui_job_done_fn on_done;        /* may be NULL */
	ui_job_tick_fn on_tick;        /* may be NULL */
	ui_job_release_fn release;     /* may be NULL */
};

struct ui_job {
	enum ui_job_kind kind;
	struct rt_job *job;            /* owned */
	const struct ui_job_cbs *cbs;  /* static */
	void *ctx;                     /* given to the callbacks */
};

/* Adds job (ownership moves to ui) with its callbacks. Returns the entry
 * (borrowed, valid until the job ends or is dropped), or NULL when a job of
 * that kind runs already or the list is full: then job is freed and ctx
 * released. */
struct ui_job *ui_job_add(struct ui *ui, enum ui_job_kind kind, struct rt_job *job,
			  const struct ui_job_cbs *cbs, void *ctx);

/* Whether a running job other than a count uses the session (its
 * connection, and all but :migrate its graph): see ui_reload. */
bool ui_session_in_use(const struct ui *ui);

/* The running job of kind, or NULL. Borrowed. */
struct ui_job *ui_job_find(const struct ui *ui, enum ui_job_kind kind);

/* The descriptors of every job into fds (at most max); returns how many. */
size_t ui_jobs_fds(const struct ui *ui, struct pollfd *fds, size_t max);

/* Steps every job once; the ones that end leave the list, then their on_done
 * and release run (they may add jobs and open dialogs). */
void ui_jobs_step(struct ui *ui);

/* Asks the job to stop; its on_done runs when it has. */
void ui_job_cancel(struct ui_job *j);

/* Stops and frees the job now (waiting for it) without its on_done; ctx is
 * released. */
void ui_job_drop(struct ui *ui, struct ui_job *j);

/* At quit: drops every job. */
void ui_jobs_free(struct ui *ui);

/* Why a migration, backup, restore or env switch cannot start now ("a backup
 * is running"), or NULL. */
const char *ui_busy(const struct ui *ui);

/* Esc or Ctrl-C with no dialog open: cancels the preflight, the backup, the
 * restore, the seed, the verify, the trace or the :migrate, else the count. Returns false when nothing runs that it could cancel. */
bool ui_jobs_cancel_background(struct ui *ui);

/* The engine job inside a count or backup ui_job (for its results and
 * progress), or NULL. Borrowed. */
struct rt_count_job *ui_count_job_of(const struct ui_job *j);
struct rt_backup_job *ui_backup_job_of(const struct ui_job *j);

#endif
