/* rt_job.h - long work as a job: poll its descriptors, step it without
 * blocking, follow its progress events, cancel it. Every workflow that talks
 * to the server or to a child process runs as one, so the console never
 * freezes and the CLI drives them all with one poll() loop.
 *
 * The contract for a driver:
 *   while ((rc = rt_job_step(job, &err)) == 1) {
 *           n = rt_job_fds(job, fds, RT_JOB_MAXFDS);
 *           poll(fds, n, RT_JOB_TICK_MS);          // step after every poll
 *   }
 * rt_job_cancel() may be called at any time (from the loop, never from a
 * signal handler); the job then ends with -1 and RT_ERR_CANCEL unless it had
 * already finished. */
#ifndef RT_JOB_H
#define RT_JOB_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct rt_backup_progress;
struct rt_data_progress;
struct rt_err;
struct rt_step;

#define RT_JOB_MAXFDS 4
/* The longest a driver waits between two steps (lock retries and backoff
 * are timed, not signalled by a descriptor). */
#define RT_JOB_TICK_MS 100

enum rt_event_kind {
	RT_EV_LOCK_WAIT,      /* waiting for the migration lock; text: who holds it */
	RT_EV_LOCKED,         /* the migration lock is held */
	RT_EV_BACKUP,         /* the automatic backup made progress (backup) */
	RT_EV_BACKUP_DONE,    /* text: the backup's path */
	RT_EV_STEP_START,     /* revision step i of n starts (step) */
	RT_EV_STATEMENT,      /* statement stmt (1-based) of nstmts of the step finished
	                       * (path:line where it starts) */
	RT_EV_STEP_DONE,      /* ms: the step's duration */
	RT_EV_STEP_FAILED,
	RT_EV_RETRY,          /* a statement hit lock_timeout: retry attempt of
	                       * max_attempts after ms; text: the likely blockers */
	RT_EV_CANCELLING,     /* a cancel request went to the server */
	RT_EV_NOTICE,         /* the server sent a notice during the step's statements;
	                       * text: "WARNING: message", is_warning for WARNING */
	RT_EV_NOTE,           /* text: anything else worth a line */
	RT_EV_DATA,           /* seed/export progress (data): a file started, moved on, ended */
};

/* One progress event. Every pointer is borrowed for the call only. */
struct rt_event {
	enum rt_event_kind kind;
	const struct rt_step *step;
	size_t i, n;
	size_t stmt, nstmts;
	const char *path;
	int line;
	int attempt, max_attempts;
	double ms;
	const char *text;
	bool is_warning;
	const struct rt_backup_progress *backup;
	const struct rt_data_progress *data;     /* RT_EV_DATA (rt_seed.h) */
};

typedef void (*rt_event_fn)(const struct rt_event *ev, void *ctx);

/* What a job is made of: the implementation behind a job. */
struct rt_job_ops {
	const char *name;                                   /* "upgrade", "backup" ... */
	size_t (*fds)(void *impl, struct pollfd *fds, size_t max);
	int (*step)(void *impl, struct rt_err *err);        /* 1 running, 0 done, -1 err */
	void (*cancel)(void *impl);
	void (*free)(void *impl);
};

struct rt_job;

/* Wraps impl (owned by the job from now on, freed with ops->free). */
struct rt_job *rt_job_new(const struct rt_job_ops *ops, void *impl);

/* The descriptors to poll before the next step, with the events wanted
 * (POLLIN, POLLOUT); at most max (>= RT_JOB_MAXFDS). 0: step again after a
 * tick. */
size_t rt_job_fds(const struct rt_job *job, struct pollfd *fds, size_t max);

/* Non-blocking: does what can be done now. Returns 1 while running, 0 when
 * done, -1 with err on failure (RT_ERR_CANCEL after a cancel). Once it has
 * returned 0 or -1 it keeps returning that without doing anything. */
int rt_job_step(struct rt_job *job, struct rt_err *err);

/* Asks the job to stop: a running statement gets a cancel request, a child
 * is stopped, a lock wait ends. Idempotent; true the first time it asks,
 * false when the job already was cancelling or had ended. */
bool rt_job_cancel(struct rt_job *job);

/* Whether rt_job_cancel was called. */
bool rt_job_is_cancelling(const struct rt_job *job);

/* What the job is ("upgrade"). Borrowed. */
const char *rt_job_name(const struct rt_job *job);

/* The operations table the job was made with (to tell what it wraps). */
const struct rt_job_ops *rt_job_ops_of(const struct rt_job *job);

/* The implementation (for the operation that made the job). Borrowed. */
void *rt_job_impl(const struct rt_job *job);

/* Frees the job; an unfinished one is cancelled first and waited for (at
 * most 5 s: then its implementation's free ends it the hard way, killing a
 * child, dropping a connection's query). */
void rt_job_free(struct rt_job *job);

/* Monotonic milliseconds, for the timing of jobs (waits, durations). */
double rt_clock_ms(void);

/* Drives job to its end, blocking (tests, and engine callers that have
 * nothing else to do). Returns what the last step returned (0 or -1). */
int rt_job_run(struct rt_job *job, struct rt_err *err);

#endif
