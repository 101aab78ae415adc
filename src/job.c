/* job.c - the one job shape: an implementation behind an operations table,
 * with the cancel and end-state bookkeeping every job shares. */
#include "config.h"
#include "rt_job.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "rt_err.h"
#include "rt_mem.h"

/* How long rt_job_free waits for a cancelled job to end. */
#define RT_JOB_FREE_WAIT_S 5

struct rt_job {
	const struct rt_job_ops *ops;
	void *impl;
	int result;             /* 1 running, else the final step result */
	bool is_cancelling;
	struct rt_err final;    /* the error of a failed end, replayed on later steps */
};

struct rt_job *
rt_job_new(const struct rt_job_ops *ops, void *impl)
{
	struct rt_job *job = rt_xcalloc(1, sizeof(*job));

	job->ops = ops;
	job->impl = impl;
	job->result = 1;
	return job;
}

size_t
rt_job_fds(const struct rt_job *job, struct pollfd *fds, size_t max)
{
	if (job->result != 1 || !job->ops->fds)
		return 0;
	return job->ops->fds(job->impl, fds, max);
}

int
rt_job_step(struct rt_job *job, struct rt_err *err)
{
	if (job->result != 1) {
		if (job->result < 0 && err)
			*err = job->final;
		return job->result;
	}
	job->result = job->ops->step(job->impl, &job->final);
	if (job->result < 0 && job->final.kind == RT_ERR_NONE)
		rt_err_set(&job->final, RT_ERR_RUN, "%s failed", job->ops->name);
	if (job->result != 1 && err)
		*err = job->final;
	return job->result;
}

bool
rt_job_cancel(struct rt_job *job)
{
	if (job->result != 1 || job->is_cancelling)
		return false;
	job->is_cancelling = true;
	if (job->ops->cancel)
		job->ops->cancel(job->impl);
	return true;
}

bool
rt_job_is_cancelling(const struct rt_job *job)
{
	return job->is_cancelling;
}

const char *
rt_job_name(const struct rt_job *job)
{
	return job->ops->name;
}

const struct rt_job_ops *
rt_job_ops_of(const struct rt_job *job)
{
	return job->ops;
}

void *
rt_job_impl(const struct rt_job *job)
{
	return job->impl;
}

double
rt_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
rt_job_run(struct rt_job *job, struct rt_err *err)
{
	struct pollfd fds[RT_JOB_MAXFDS];
	int rc;

	while ((rc = rt_job_step(job, err)) == 1) {
		size_t n = rt_job_fds(job, fds, RT_JOB_MAXFDS);

		if (poll(fds, n, RT_JOB_TICK_MS) < 0 && errno != EINTR)
			break;
	}
	return rc;
}

void
rt_job_free(struct rt_job *job)
{
	struct rt_err ignored = { 0 };

	if (!job)
		return;
	if (job->result == 1) {
		/* cancelled work normally ends within a round trip; a child stuck
		 * past the deadline must not hang a quit (ops->free kills it) */
		struct timespec t0, now;
		struct pollfd fds[RT_JOB_MAXFDS];

		rt_job_cancel(job);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (rt_job_step(job, &ignored) == 1) {
			size_t n = rt_job_fds(job, fds, RT_JOB_MAXFDS);

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec >= RT_JOB_FREE_WAIT_S)
				break;
			poll(fds, n, RT_JOB_TICK_MS);
		}
	}
	if (job->ops->free)
		job->ops->free(job->impl);
	free(job);
}
